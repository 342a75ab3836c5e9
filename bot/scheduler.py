"""When paperbot may act: posting hours now; the scheduled daemon builds on this."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> tuple[time, time]:
    """Parse "08:00-20:00" into (start, end); a window may wrap midnight ("22:00-06:00")."""
    m = _HOURS.match(text)
    if not m:
        raise ValueError(f"posting hours must look like '08:00-20:00', got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60) or (h2 == 24 and m2):
        raise ValueError(f"posting hours {text!r} is not a valid time range")
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    return time(h1, m1), end


def within_hours(now: datetime, window: tuple[time, time]) -> bool:
    """Whether local time ``now`` falls inside the window (start inclusive, end exclusive)."""
    start, end = window
    t = now.time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def next_opening(now: datetime, window: tuple[time, time]) -> datetime:
    """When the window next opens after local time ``now`` (today or tomorrow, at its start)."""
    start = now.replace(hour=window[0].hour, minute=window[0].minute, second=0, microsecond=0)
    return start if start > now else start + timedelta(days=1)


def describe_hours(text: str, now: datetime) -> tuple[str, datetime]:
    """ "next window 09:00–18:00 CET, opens 2024-12-06 09:00" and that opening, for a closed window."""
    window = parse_hours(text)
    start, end = (part.strip() for part in text.split("-"))
    opens = next_opening(now, window)
    return f"next window {start}–{end} {zone_name(now)}, opens {opens:%Y-%m-%d %H:%M}", opens


def zone_name(now: datetime) -> str:
    """The time zone's name as the operator set it ("Europe/Berlin"), else its abbreviation."""
    key = getattr(now.tzinfo, "key", None)  # a ZoneInfo: [schedule] timezone
    if key:
        return str(key)
    tz = os.environ.get("TZ", "").lstrip(":")
    if "/" in tz:
        return tz
    if not tz:
        try:
            link = os.readlink("/etc/localtime")
        except OSError:
            link = ""
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    return now.tzname() or "local time"
