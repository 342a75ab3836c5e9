"""The App wires configuration, roster, sources and store together.

Everything from the outside world (environment, clock) is passed in, so tests and the
CLI build the same App with different edges; nothing below this layer reads
``os.environ`` or the wall clock itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from .config import Config, find_config, load_config
from .models import Problem
from .redact import install_log_redaction, secret_values, set_secrets
from .roster import Roster, load_roster
from .sources import Source, build_source
from .store import Clock, Store, utc_now
from .venues import VenueTable, canonical_series, conference_name, is_event_key, set_default_table, table_from_config


def instance_cache_key(api_base_url: str | None) -> str:
    """Where the store caches a Mastodon instance's limits."""
    return f"mastodon.instance:{(api_base_url or '').rstrip('/')}"


def load_env(
    cwd: Path | None = None, environ: Mapping[str, str] | None = None, *, config: str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """The process environment over ``.env`` files (python-dotenv).

    Precedence, highest first: the real environment, the ``.env`` beside the config file, the
    ``.env`` in the working directory. ``config`` is the ``--config`` path (else
    ``$PAPERBOT_CONFIG``, which may itself come from the working directory's ``.env``, else the
    default), so cron finds the secrets next to the config whatever its working directory.
    """
    real = dict(environ if environ is not None else os.environ)
    here = (cwd or Path.cwd()) / ".env"
    values = _dotenv(here)
    config_path = find_config(config, {**values, **real})
    if not config_path.is_absolute():
        config_path = (cwd or Path.cwd()) / config_path
    beside = config_path.parent / ".env"
    if not _same_file(beside, here):
        values.update(_dotenv(beside))
    values.update(real)
    return values


def _dotenv(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@dataclass
class App:
    config: Config
    config_path: Path
    env: Mapping[str, str] = field(default_factory=dict)
    clock: Clock = utc_now

    def __post_init__(self) -> None:
        set_default_table(self.venue_table)  # sources and composing read venues through it
        # every error text printed, logged or stored from here on has these removed (bot/redact.py)
        set_secrets(secret_values(self.env))
        install_log_redaction()

    @cached_property
    def venue_table(self) -> VenueTable:
        """The built-in venue table extended by the config's series entries ([venues.MLHC])."""
        return table_from_config(self.config.venues)

    def venue_events(self) -> dict[str, Any]:
        """The config's event entries ([venues."NeurIPS 2024"]) keyed by their canonical heading."""
        out: dict[str, Any] = {}
        for key, v in self.config.venues.items():
            if is_event_key(key):
                series, year = key.strip()[:-4].strip(), int(key.strip()[-4:])
                out[conference_name(canonical_series(series, self.venue_table), year)] = v
        return out

    @classmethod
    def from_path(cls, cli_path: str | None, env: Mapping[str, str], clock: Clock = utc_now) -> App:
        path = find_config(cli_path, env)
        return cls(load_config(path), path, env, clock)

    @cached_property
    def store(self) -> Store:
        return Store(self.config.store.path, clock=self.clock, busy_timeout=self.config.store.busy_timeout)

    def open_store_readonly(self) -> Store:
        """A view of the store that cannot change it (preview, status)."""
        return Store(
            self.config.store.path, clock=self.clock, readonly=True, busy_timeout=self.config.store.busy_timeout
        )

    @cached_property
    def _roster(self) -> tuple[Roster, list[Problem]]:
        cfg = self.config.roster
        if cfg is None:  # without a roster every paper in the lab's own lists counts as the group's
            return Roster(()), []
        return load_roster(cfg.path, match_initials=cfg.match_initials, transliterate=cfg.transliterate)

    @property
    def roster(self) -> Roster:
        return self._roster[0]

    @property
    def roster_problems(self) -> list[Problem]:
        return self._roster[1]

    def sources(self) -> list[Source]:
        return [build_source(s) for s in self.config.sources]

    def compose_settings(self, store: Store) -> Any:
        """Compose settings from the config, with Mastodon limits as the instance last reported them."""
        import json

        from .compose import Limits, Settings

        cfg = self.config
        masto = cfg.channels.mastodon
        email = cfg.channels.email
        page = cfg.channels.page
        limits = Limits()
        if masto:
            limits = Limits(masto.max_characters, masto.characters_reserved_per_url)
            cached = store.get_kv(instance_cache_key(masto.api_base_url))
            if cached:
                data = json.loads(cached)
                limits = Limits(data["max_characters"], data["characters_reserved_per_url"])
        handles = {m.id: m.mastodon for m in self.roster.members if m.mastodon} if cfg.roster else {}
        events = self.venue_events()
        return Settings(
            group_name=cfg.group.name,
            group_url=cfg.group.url,
            limits=limits,
            spoiler_text=masto.spoiler_text if masto else "",
            thread=masto.thread if masto else False,
            max_thread_parts=masto.max_thread_parts if masto else 4,
            mentions=masto.mentions if masto else False,
            post_hashtags=tuple(masto.hashtags) if masto else (),
            venue_hashtags={
                k: tuple(h.replace("{year}", k[-4:]) for h in v.hashtags) for k, v in events.items() if v.hashtags
            },
            venue_info={k: {"name": v.name, "location": v.location, "dates": v.dates} for k, v in events.items()},
            handles=handles,
            member_urls={m.id: m.url for m in self.roster.members if getattr(m, "url", None)} if cfg.roster else {},
            excerpt_chars=email.excerpt_chars if email else 600,
            subject_template=email.subject if email else None,
            subject_max_chars=email.subject_max_chars if email else 150,
            page_title=page.title if page else "Papers",
            page_base_url=page.base_url if page else None,
            feed_entries=page.feed_entries if page else 50,
        )

    def compose(
        self, store: Store, channels: list[str] | None = None, *, now: datetime | None = None
    ) -> tuple[list[Any], list[str]]:
        """Every message due now on ``channels`` (default: all enabled), and per-paper errors.

        Templates are checked first with a sample paper, so a template error stops here,
        before anything is sent. Preview and publish both come through this one path.
        ``now`` is when the news pages say their due papers were announced (default: the clock);
        publishing records the announcements at that same moment.
        """
        from .compose import Templates, check_templates, compose_digest, compose_pages, compose_posts, gc_paused

        enabled = self.config.enabled_channels()
        wanted = enabled if channels is None else channels
        settings = self.compose_settings(store)
        templates = Templates(self.config.templates.dir)
        check_templates(templates, settings, wanted)
        messages: list[Any] = []
        errors: list[str] = []
        with gc_paused():  # reading the due papers builds as many objects as composing them
            for channel in wanted:
                due = store.due(channel)
                if channel == "mastodon":
                    posts, errs = compose_posts(due, templates, settings)
                    messages += posts
                    errors += errs
                elif channel == "email":
                    digest = compose_digest(due, templates, settings)
                    messages += [digest] if digest else []
                elif channel == "page":
                    history = store.announced_conferences("page")
                    listed = store.listed(set(history) | {(a.event.series, a.event.year) for a in due})
                    at = now or self.clock()
                    messages += compose_pages(due, listed, templates, settings, history=history, now=at)
        return messages, errors

    def rebuild_pages(self, store: Store) -> list[Any]:
        """Every news page, the index and the feed as published so far, from the store alone.

        Papers not yet published on the page channel are left out (the next publish adds
        them), so after a publish this gives the same bytes it wrote.
        """
        from .compose import Templates, check_templates, compose_pages, gc_paused

        settings = self.compose_settings(store)
        templates = Templates(self.config.templates.dir)
        check_templates(templates, settings, ["page"])
        with gc_paused():
            pending = {(a.paper.id, a.event.key) for a in store.due("page")}
            history = store.announced_conferences("page")
            listed = [a for a in store.listed(set(history)) if (a.paper.id, a.event.key) not in pending]
            return compose_pages([], listed, templates, settings, history=history, rebuild=True)

    def today(self) -> date:
        return self.clock().astimezone().date()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
