"""The App wires configuration, roster, sources and store together.

Everything from the outside world (environment, clock) is passed in, so tests and the
CLI build the same App with different edges; nothing below this layer reads
``os.environ`` or the wall clock itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from .config import Config, find_config, load_config
from .models import Problem
from .roster import Roster, load_roster
from .sources import Source, build_source
from .store import Clock, Store, utc_now


def load_env(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment over ``.env`` (python-dotenv): the real environment wins."""
    from dotenv import dotenv_values

    env_file = (cwd or Path.cwd()) / ".env"
    values = {k: v for k, v in dotenv_values(env_file).items() if v is not None} if env_file.is_file() else {}
    values.update(environ if environ is not None else os.environ)
    return values


@dataclass
class App:
    config: Config
    config_path: Path
    env: Mapping[str, str] = field(default_factory=dict)
    clock: Clock = utc_now

    @classmethod
    def from_path(cls, cli_path: str | None, env: Mapping[str, str], clock: Clock = utc_now) -> App:
        path = find_config(cli_path, env)
        return cls(load_config(path), path, env, clock)

    @cached_property
    def store(self) -> Store:
        return Store(self.config.store.path, clock=self.clock)

    def open_store_readonly(self) -> Store:
        """A view of the store that cannot change it (preview, status)."""
        return Store(self.config.store.path, clock=self.clock, readonly=True)

    @cached_property
    def _roster(self) -> tuple[Roster, list[Problem]]:
        cfg = self.config.roster
        if cfg is None:
            from .errors import ConfigError

            raise ConfigError(f'{self.config_path}: no [roster] table; set [roster] path = "roster.yaml"')
        return load_roster(cfg.path, match_initials=cfg.match_initials, transliterate=cfg.transliterate)

    @property
    def roster(self) -> Roster:
        return self._roster[0]

    @property
    def roster_problems(self) -> list[Problem]:
        return self._roster[1]

    def sources(self) -> list[Source]:
        return [build_source(s) for s in self.config.sources]

    def today(self) -> date:
        return self.clock().astimezone().date()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
