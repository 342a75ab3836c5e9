"""What is due now, decided from the store's job runs and the schedule, never from memory.

For each job the rule is one: its next fire time is the first one after its last recorded start.

- ``check``, ``posts``, ``pages``: due when that fire time has passed. However many fire times
  passed while the daemon was down, the job runs once (missed runs collapse into one); a job
  that never ran is due at once.
- ``digest``: only fire times within ``catch_up`` of now count, so a digest that fell due
  while the daemon was down is sent once after a restart if it is recent enough, else waits for
  its next time; its start is recorded before it sends, so it is never sent twice.
- Backoff: an interval job that failed n times in a row waits at least until its last failure
  plus ``min(2^(n-1) * interval, 6 h)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .schedule import EPSILON, Schedule

JOB_ORDER = ("check", "pages", "posts", "digest")  # when several are due: read first, then publish
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Due:
    job: str
    fire_time: datetime  # the scheduled time it runs for (UTC)


def _next_fire(store: Any, schedule: Schedule, job: str, now: datetime) -> datetime | None:
    """When ``job`` is (or was) next due, from its last recorded start; None: never again."""
    trigger = schedule.triggers[job]
    last = store.last_job_run(job)
    after = last["started_at"] + EPSILON if last else None
    if job == "digest":
        window = now - schedule.catch_up
        after = max(after, window) if after else window
    elif after is None:
        return now  # never ran: at once
    fire = trigger.first_fire(after)
    wait = backoff(store, schedule, job)
    if fire is not None and wait is not None:
        fire = max(fire, wait)
    return fire


def backoff(store: Any, schedule: Schedule, job: str) -> datetime | None:
    """After n failed runs in a row of an interval job, it waits until its last failure plus
    ``min(2^(n-1) * interval, 6 h)``: the first failure is retried at the next run, then the waits
    double. None: no failure, or a crontab job (its next time is far enough)."""
    seconds = schedule.triggers[job].spec.seconds
    if seconds is None or not hasattr(store, "job_failures"):
        return None
    n, last = store.job_failures(job)
    if not n or last is None:
        return None
    delay = min(timedelta(seconds=seconds) * 2 ** min(n - 1, 30), MAX_BACKOFF)
    return last.astimezone(UTC) + delay


def due_jobs(store: Any, schedule: Schedule, now: datetime, jobs: list[str] | tuple[str, ...]) -> list[Due]:
    """The jobs among ``jobs`` due at ``now``, in the order they should run."""
    now = now.astimezone(UTC)
    out = []
    for job in JOB_ORDER:
        if job not in jobs or job not in schedule.triggers:
            continue
        fire = _next_fire(store, schedule, job, now)
        if fire is not None and fire <= now:
            out.append(Due(job, fire))
    return out


def next_wake(store: Any, schedule: Schedule, now: datetime, jobs: list[str] | tuple[str, ...]) -> datetime | None:
    """The earliest time any of ``jobs`` falls due (``now`` when one is due already)."""
    now = now.astimezone(UTC)
    fires = [f for job in jobs if job in schedule.triggers and (f := _next_fire(store, schedule, job, now)) is not None]
    return max(min(fires), now) if fires else None


def digest_due(store: Any, schedule: Schedule, now: datetime) -> Due | None:
    """The digest's scheduled time if it is due now (``paperbot run`` asks this too)."""
    due = due_jobs(store, schedule, now, ("digest",))
    return due[0] if due else None
