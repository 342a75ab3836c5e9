"""When paperbot may act: posting hours now; the scheduled daemon builds on this."""

from __future__ import annotations

import re
from datetime import datetime, time

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
