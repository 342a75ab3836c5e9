"""What ``paperbot run`` asks before it publishes: is a daemon running, and is the digest due.

- While a live daemon holds the store's lease, ``run`` says so and sends nothing (exit 0):
  the daemon does the work. ``run --force`` runs anyway (the outbox's claims still make every
  message go out once).
- With a ``[schedule]`` table, ``run`` sends the digest only when its schedule says so (within
  ``catch_up``), at most once per scheduled time, and only with ``digest_min_papers`` new papers;
  a digest already begun is always finished. Without ``[schedule]``, ``run`` sends a digest
  whenever papers are due, as before. ``publish --channel email`` always sends one now.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .jobs import NoNewDigest


def daemon_holding(app: Any) -> str | None:
    """Why ``run`` must leave the store to a daemon, or None."""
    from .runner import describe_holder

    held = app.store.lease_holder(host=socket.gethostname())
    if held is None:
        return None
    return (
        f"a paperbot daemon is running on this store ({describe_holder(held)}): it checks and publishes"
        " on its schedule, so this run sends nothing. Use 'paperbot run --force' to run anyway"
    )


@dataclass
class RunPlan:
    app: Any  # what the publisher is given (composes no new digest unless one is due)
    channels: list[str]
    notes: list[str] = field(default_factory=list)
    _run_id: int | None = None

    def done(self, ok: bool, error: str | None = None) -> None:
        """Record the digest's run (if this run sent one) once publishing ended."""
        if self._run_id is not None:
            self.app.store.finish_job(self._run_id, "ok" if ok else "failed", error=error)
            self._run_id = None

    @contextmanager
    def recorded(self) -> Iterator[None]:
        """Publishing: if it raises, the digest's run is recorded as failed (it waits for its next time)."""
        try:
            yield
        except BaseException as exc:
            from ..redact import redact

            self.done(False, redact(str(exc) or type(exc).__name__))
            raise


def plan_run(app: Any, channels: list[str]) -> RunPlan:
    """The channels ``run`` publishes now, with the digest gated by ``[schedule] digest``."""
    if "email" not in channels or app.config.schedule is None:
        return RunPlan(app, channels)
    from .plan import digest_due, next_wake
    from .schedule import Schedule

    schedule = Schedule.from_config(app.config.schedule)
    store = app.store
    now = app.clock()
    due = digest_due(store, schedule, now)
    unfinished = store.open_digest() is not None
    approved = bool(store.approved("email"))  # review mode: approved since it was proposed on schedule
    if due is not None:
        papers = len(store.due("email"))
        if papers >= schedule.digest_min_papers:
            run_id = store.start_job("digest", due.fire_time, runner="run")
            return RunPlan(app, channels, _run_id=run_id)
        run_id = store.start_job("digest", due.fire_time, runner="run")
        store.finish_job(run_id, "skipped", {"due": papers, "digest_min_papers": schedule.digest_min_papers})
        note = f"email: the digest due at {due.fire_time:%Y-%m-%d %H:%M} UTC has {papers} new paper(s), fewer than"
        note += f" digest_min_papers = {schedule.digest_min_papers}: it waits for its next scheduled time"
    else:
        nxt = next_wake(store, schedule, now, ("digest",))
        when = f"{nxt.astimezone(schedule.tz):%Y-%m-%d %H:%M %Z}" if nxt else "never"
        spec = app.config.schedule.digest
        note = f"email: the digest goes out on its schedule ([schedule] digest = {spec!r}; next {when})"
    if unfinished:
        return RunPlan(NoNewDigest(app), channels, [note + "; the digest already begun is finished now"])
    if approved:
        return RunPlan(NoNewDigest(app), channels, [note + "; the digest approved in review goes out now"])
    return RunPlan(app, [c for c in channels if c != "email"], [note])
