"""``[schedule]``: when the daemon's jobs run, as APScheduler 3.x triggers.

A job's schedule is ``every N s|m|h`` (an ``IntervalTrigger`` on a fixed grid, so "every 30m"
fires at :00 and :30 whenever the daemon started), a 5-field crontab (``CronTrigger.from_crontab``
in the configured time zone), or the sugar ``"mon 09:00"`` / ``"mon,thu 09:00"`` / ``"daily 09:00"``
for a crontab. Anything else is refused with the value and an example.

APScheduler computes every fire time; this module only asks it (``first_fire``). Decisions about
what to run come from the store (``bot/daemon/plan.py``), never from a scheduler's memory.

DST: fire times are stepped in UTC, and a crontab with a fixed hour fires once on the day clocks
go back (the repeated wall-clock hour is skipped), once on the day they go forward (a time that
does not exist fires at the same instant an hour later in wall-clock terms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import parse_duration

EXAMPLES = "'every 30m' (every N s|m|h), a 5-field crontab like '0 9 * * mon', or 'mon 09:00'/'daily 09:00'"
EVERY = re.compile(r"^every\s+(\d+)\s*(s|m|h)$")
SUGAR = re.compile(r"^(daily|weekdays|[a-z]{3}(?:,[a-z]{3})*)\s+(\d{1,2}):(\d{2})$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AFTER_CHECK = "after check"
ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)  # interval grids count from here: restarts keep the same grid
EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True)
class Spec:
    """A parsed schedule value: an interval in seconds, or a crontab."""

    text: str
    seconds: int | None = None
    crontab: str | None = None


def parse_spec(value: str) -> Spec:
    """Parse one schedule value; ValueError naming the value and an example otherwise."""
    text = " ".join(str(value).strip().lower().split())
    m = EVERY.match(text)
    if m:
        n = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
        if n < 1 or n > 366 * 86400:
            raise ValueError(f"{value!r}: the interval must be between 1 s and a year; use e.g. {EXAMPLES}")
        return Spec(text, seconds=n)
    m = SUGAR.match(text)
    if m:
        days, hour, minute = m.group(1), int(m.group(2)), int(m.group(3))
        if hour > 23 or minute > 59:
            raise ValueError(f"{value!r}: {hour:02d}:{minute:02d} is not a time of day; use e.g. {EXAMPLES}")
        if days == "daily":
            dow = "*"
        elif days == "weekdays":
            dow = "mon-fri"
        else:
            unknown = [d for d in days.split(",") if d not in DAYS]
            if unknown:
                raise ValueError(f"{value!r}: {unknown[0]!r} is not a day (mon … sun); use e.g. {EXAMPLES}")
            dow = days
        return Spec(text, crontab=f"{minute} {hour} * * {dow}")
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text, timezone=UTC)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{value!r} is not a valid crontab ({exc}); use e.g. {EXAMPLES}") from None
        return Spec(text, crontab=text)
    raise ValueError(f"{value!r} is not a schedule; use {EXAMPLES}")


def check_timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone; use e.g. 'Europe/Berlin' or 'UTC'") from None
    return name


def zone(name: str | None) -> Any:
    """The configured time zone, or the system's."""
    if name:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    from tzlocal import get_localzone

    return get_localzone()


class Trigger:
    """One job's APScheduler trigger, asked only for fire times (never run by APScheduler's threads)."""

    def __init__(self, spec: Spec, tz: Any) -> None:
        self.spec = spec
        self.tz = tz
        if spec.seconds is not None:
            from apscheduler.triggers.interval import IntervalTrigger

            self.trigger: Any = IntervalTrigger(seconds=spec.seconds, start_date=ANCHOR, timezone=tz)
            self._dedupe_fold = False
        else:
            from apscheduler.triggers.cron import CronTrigger

            self.trigger = CronTrigger.from_crontab(spec.crontab, timezone=tz)
            hour = (spec.crontab or "").split()[1]
            self._dedupe_fold = "*" not in hour and "/" not in hour  # a fixed hour: once a day, DST or not

    def first_fire(self, at_or_after: datetime) -> datetime | None:
        """The first fire time at or after ``at_or_after`` (an aware datetime), in UTC."""
        now = at_or_after.astimezone(UTC)
        for _ in range(4):
            fire = self.trigger.get_next_fire_time(None, now)
            if fire is None:
                return None
            if self._dedupe_fold and _repeated_wall_time(fire):
                now = fire.astimezone(UTC) + EPSILON  # the hour clocks went back over: it already ran
                continue
            return fire.astimezone(UTC)
        return None

    def fires_between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """Fire times in [start, end] (UTC), at most ``limit``: for tests and ``status``."""
        out: list[datetime] = []
        at = start
        while len(out) < limit:
            fire = self.first_fire(at)
            if fire is None or fire > end:
                break
            out.append(fire)
            at = fire + EPSILON
        return out


def _repeated_wall_time(fire: datetime) -> bool:
    """Whether ``fire`` is the second occurrence of a wall-clock time (the hour repeated at fall-back)."""
    if not getattr(fire, "fold", 0):
        return False
    first = fire.replace(fold=0)
    return first.utcoffset() != fire.utcoffset()


@dataclass(frozen=True)
class Schedule:
    """The parsed ``[schedule]`` table: a trigger per job, and the digest's rules."""

    tz: Any
    triggers: dict[str, Trigger]
    pages_after_check: bool
    digest_min_papers: int
    catch_up: timedelta

    @classmethod
    def from_config(cls, cfg: Any) -> Schedule:
        """From a ``ScheduleConfig`` (``None``: all defaults)."""
        if cfg is None:
            from ..config import ScheduleConfig

            cfg = ScheduleConfig()
        tz = zone(cfg.timezone)
        triggers = {
            "check": Trigger(parse_spec(cfg.check), tz),
            "posts": Trigger(parse_spec(cfg.posts), tz),
            "digest": Trigger(parse_spec(cfg.digest), tz),
        }
        after = cfg.pages.strip().lower() == AFTER_CHECK
        if not after:
            triggers["pages"] = Trigger(parse_spec(cfg.pages), tz)
        return cls(tz, triggers, after, cfg.digest_min_papers, timedelta(seconds=parse_duration(cfg.catch_up)))


def check_pages(value: str) -> str:
    if " ".join(value.strip().lower().split()) != AFTER_CHECK:
        parse_spec(value)
    return value
