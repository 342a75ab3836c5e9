"""Golden files: the bundled NeurIPS 2024 example rendered by the built-in templates.

After an intended template change, regenerate with
``PAPERBOT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py`` and review the diff.
"""

import os
from pathlib import Path

import pytest
from conftest import ROOT, FrozenClock

from bot.app import App
from bot.config import load_config
from bot.ingest import check

GOLDEN = Path(__file__).parent / "golden" / "neurips-2024"


@pytest.fixture(scope="module")
def messages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("golden")
    text = (ROOT / "config" / "paperbot.example.toml").read_text()
    text = text.replace('"../var/example.db"', f'"{tmp / "ex.db"}"').replace("../examples", str(ROOT / "examples"))
    config = tmp / "paperbot.toml"
    config.write_text(text)
    app = App(load_config(config), config, {}, FrozenClock())
    report = check(app.sources(), app.roster, app.store, problems=app.roster_problems)
    assert not report.problems
    msgs, errors = app.compose(app.store)
    assert not errors
    app.close()
    return msgs


def _posts(messages) -> str:
    return "\n".join(
        f"=== {m.kind} {m.part}/{m.parts} {m.paper_id} {m.venue} {m.length}/{m.limit}"
        f"{' shortened' if m.shortened else ''}\n{m.text}\n"
        for m in messages
        if m.channel == "mastodon"
    )


def _outputs(messages) -> dict[str, str]:
    digest = next(m for m in messages if m.kind == "digest")
    pages = {m.path: m.text for m in messages if m.kind == "page"}
    return {
        "posts.txt": _posts(messages),
        "digest.txt": f"Subject: {digest.subject}\n\n{digest.text}\n",
        "digest.html": digest.html + "\n",
        "page.html": pages["neurips-2024.html"] + "\n",
        "index.html": pages["index.html"] + "\n",
        "feed.atom": pages["feed.atom"] + "\n",
    }


@pytest.mark.parametrize("name", ["posts.txt", "digest.txt", "digest.html", "page.html", "index.html", "feed.atom"])
def test_golden(messages, name):
    actual = _outputs(messages)[name]
    path = GOLDEN / name
    if os.environ.get("PAPERBOT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with PAPERBOT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_example_posts_fit_and_fill(messages):
    posts = [m for m in messages if m.channel == "mastodon"]
    assert len(posts) == 26
    for m in posts:
        assert m.length <= m.limit
        if m.shortened:
            assert m.length >= 0.9 * m.limit, m.text
