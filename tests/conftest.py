"""Shared fixtures: an isolated environment, a frozen clock and a CLI runner on temp folders."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "neurips-2024"


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = datetime(2024, 12, 5, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's config, secrets or working directory."""
    for var in ("PAPERBOT_CONFIG", "MASTODON_ACCESS_TOKEN", "SENDGRID_API_KEY", "SMTP_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


ROSTER = """\
members:
  - name: Jane Doe
    mastodon: "@jane@example.social"
  - name: Hinrich Schütze
  - name: Stephan Günnemann
  - name: David Winkel
    former: true
"""


class Project:
    """A config folder in tmp_path with a roster and lab files, and a way to run the CLI on it."""

    def __init__(self, root: Path, clock: FrozenClock) -> None:
        self.root = root
        self.clock = clock
        self.config = root / "paperbot.toml"
        self.write("roster.yaml", ROSTER)
        self.sources: list[str] = []
        self.extra = ""

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def source(self, name: str, text: str) -> Path:
        if name not in self.sources:
            self.sources.append(name)
        return self.write(name, text)

    def write_config(self) -> None:
        blocks = "".join(f'\n[[sources]]\ntype = "file"\npath = "{s}"\n' for s in self.sources)
        self.config.write_text(
            f'[store]\npath = "state/paperbot.db"\n\n[roster]\npath = "roster.yaml"\n{blocks}\n{self.extra}',
            encoding="utf-8",
        )

    def run(self, *args: str, env: dict[str, str] | None = None, **obj: object) -> tuple[int, str, str]:
        """Run the CLI in-process; ``obj`` may inject e.g. ``sleep`` (see bot/cli.py)."""
        self.write_config()
        runner = CliRunner()
        result = runner.invoke(
            cli,
            ["--config", str(self.config), *args],
            obj={"env": env or {}, "clock": self.clock, **obj},
            catch_exceptions=False,
        )
        return result.exit_code, result.stdout, result.stderr

    def json(self, *args: str) -> dict:
        code, out, err = self.run(*args, "--json")
        assert code in (0, 1), err
        return json.loads(out)

    @property
    def db(self) -> Path:
        return self.root / "state" / "paperbot.db"


@pytest.fixture
def project(tmp_path: Path, clock: FrozenClock) -> Project:
    return Project(tmp_path / "lab", clock)
