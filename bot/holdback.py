"""Why a due message is held back: not sent by a run, and until when.

One place decides it for ``preview`` (per message), ``status`` (counts per channel) and the
waiting lines of ``publish``, so they name the same reasons in the same words:

- ``failed`` / ``uncertain``: awaiting a decision (``outbox retry`` or ``outbox mark-sent``);
- ``posting_hours``: outside ``[channels.mastodon] posting_hours`` (``run``, ``--respect-hours``);
- ``rate_limit``: the server's reset is further off than a run waits, or the account's status
  quota is used up;
- ``max_per_run`` / ``limit``: past the first N papers in the preview's order;
- ``no_subscribers``: a new digest has nobody to go to;
- ``awaiting_review``: ``[publishing] mode = "review"`` and not approved yet (bot/review.py).

Everything here only reads the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .models import Announcement

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class HeldBack:
    reason: str  # failed | uncertain | posting_hours | rate_limit | max_per_run | limit | no_subscribers
    detail: str  # what follows "held back: "
    until: str | None = None  # ISO 8601: when it can go out, when known

    def as_json(self) -> dict[str, str | None]:
        return {"reason": self.reason, "detail": self.detail, "until": self.until}

    def text(self) -> str:
        return f"held back: {self.detail}"


@dataclass(frozen=True)
class Unit:
    """One paper's post on a channel (its thread parts together), or one digest or e-mail batch."""

    state: str  # "new" (not in the outbox yet), "pending", "sending", "failed", "uncertain"
    posts: int = 1  # statuses it takes
    first_part: int = 1  # a thread whose first part is out already is not counted against the limit
    error: str | None = None


_COUNTED = {
    "posting_hours": "{n} outside posting hours",
    "max_per_run": "{n} by max_per_run",
    "limit": "{n} by --limit",
    "rate_limit": "{n} by a rate limit",
    "no_subscribers": "{n} for want of subscribers",
    "failed": "{n} failed, awaiting a decision",
    "uncertain": "{n} uncertain, awaiting a decision",
    "awaiting_review": "{n} awaiting review",
}


def counted(held: dict[str, int], *, skip: tuple[str, ...] = ()) -> str:
    """ "3 by max_per_run, 1 by a rate limit": counts by reason, in words."""
    return ", ".join(_COUNTED.get(r, "{n} by " + r).format(n=n) for r, n in held.items() if n and r not in skip)


# --- time in words ---------------------------------------------------------------------------


def in_words(seconds: float) -> str:
    """ "in 45 s", "in 4 min", "in 2 h 5 min", "in 3 days"."""
    s = max(0, round(seconds))
    if s < 90:
        return f"in {s} s"
    if s < 90 * 60:
        return f"in {round(s / 60)} min"
    if s < 48 * 3600:
        h, m = divmod(round(s / 60), 60)
        return f"in {h} h {m} min" if m else f"in {h} h"
    return f"in {round(s / 86400)} days"


def local(at: datetime | float) -> datetime:
    return (datetime.fromtimestamp(at, UTC) if isinstance(at, int | float) else at).astimezone()


def when(at: datetime | float, now: datetime) -> str:
    """ "2024-12-05 09:04:30 UTC (in 4 min)", in local time."""
    t = local(at)
    return f"{t:%Y-%m-%d %H:%M:%S} {t.tzname()} ({in_words((t - now).total_seconds())})"


def iso(at: datetime | float) -> str:
    return local(at).isoformat(timespec="seconds")


# --- the one order ---------------------------------------------------------------------------


class Order:
    """The preview's order of (paper, venue) pairs, for outbox rows and composed messages alike:
    ``announcement_order`` of the stored paper and event (read once per pair)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._keys: dict[tuple[str | None, str | None], tuple[object, ...]] = {}

    def __call__(self, paper_id: str | None, venue_key: str | None) -> tuple[object, ...]:
        pair = (paper_id, venue_key)
        if pair not in self._keys:
            from .store import announcement_order

            paper = self.store.paper(paper_id) if paper_id else None
            event = next((e for e in paper.events if e.key == venue_key), None) if paper else None
            if paper is None or event is None:
                self._keys[pair] = (1, paper_id or "", venue_key or "")
            else:
                self._keys[pair] = (0, announcement_order(Announcement(paper, event, EPOCH, None)))
        return self._keys[pair]

    def know(self, a: Announcement) -> tuple[str | None, str]:
        """Remember a pair's key from an Announcement already at hand (no query); its pair."""
        from .store import announcement_order

        pair = (a.paper.id, a.event.key)
        self._keys[pair] = (0, announcement_order(a))
        return pair

    def sort(self, items: Iterable[Any], pair: Callable[[Any], tuple[str | None, str | None]]) -> list[Any]:
        """Stable: items of one pair (thread parts) keep their order."""
        return sorted(items, key=lambda item: self(*pair(item)))


# --- reasons ---------------------------------------------------------------------------------


def awaiting(state: str, error: str | None) -> HeldBack:
    from .redact import redact

    what = redact(error) if error else "no error recorded"
    return HeldBack(state, f"{state}, awaiting a decision: {what} (see paperbot outbox list)")


def rate_limited(store: Any, channel: str, now: datetime) -> HeldBack | None:
    """The channel's last rate limit, if its reset is further off than a run waits."""
    from .publish import MAX_WAIT

    stored = store.get_kv(f"trouble:{channel}")
    until = json.loads(stored).get("until") if stored else None
    if not until or until - now.timestamp() <= MAX_WAIT:
        return None
    return HeldBack("rate_limit", f"rate limited until {when(until, now)}", iso(until))


def posting_hours(app: Any, pacing: Any, now: datetime) -> HeldBack | None:
    """Outside [channels.mastodon] posting_hours, when this run keeps to them."""
    from .scheduler import describe_hours, parse_hours, within_hours

    cfg = app.config.channels.mastodon
    if not (pacing.respect_hours and cfg and cfg.posting_hours):
        return None
    here = now.astimezone(_zone(app))
    if within_hours(here, parse_hours(cfg.posting_hours)):
        return None
    text, opens = describe_hours(cfg.posting_hours, here)
    return HeldBack("posting_hours", f"outside posting hours ({text})", iso(opens))


def _zone(app: Any) -> Any:
    """[schedule] timezone when set (an IANA name), else the system's local time (None)."""
    name = getattr(getattr(app.config, "schedule", None), "timezone", None)
    if not name:
        return None
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def quota(store: Any, now: datetime) -> tuple[int, float]:
    """Statuses left in the account's current 3-hour window, and when the next window starts."""
    from .publish import QUOTA_WINDOW, STATUS_QUOTA

    t = now.timestamp()
    start = t - t % QUOTA_WINDOW
    since = datetime.fromtimestamp(start, UTC).isoformat(timespec="microseconds")
    return STATUS_QUOTA - store.sent_since("mastodon", since), start + QUOTA_WINDOW


def mastodon(units: list[Unit], *, app: Any, store: Any, pacing: Any, now: datetime) -> list[HeldBack | None]:
    """Per unit, in the preview's order: why this run would not post it (None: it would)."""
    from .publish import STATUS_QUOTA

    closed = posting_hours(app, pacing, now)
    limited = rate_limited(store, "mastodon", now)
    left, resets = quota(store, now)
    out: list[HeldBack | None] = []
    papers = position = 0
    for u in units:
        if u.state in ("failed", "uncertain"):
            out.append(awaiting(u.state, u.error))
            continue
        position += 1
        held = closed or limited
        over = pacing.limit is not None and papers >= pacing.limit
        if held is None and over and u.first_part == 1 and u.state in ("new", "pending"):
            if pacing.limit_name == "max_per_run":
                held = HeldBack("max_per_run", f"max_per_run = {pacing.limit} (this is #{position} in order)")
            else:
                held = HeldBack("limit", f"--limit {pacing.limit} (this is #{position} in order)")
        if held is None and left < u.posts:
            left = 0
            held = HeldBack(
                "rate_limit",
                f"account quota of {STATUS_QUOTA} statuses per 3 hours used up until {when(resets, now)}",
                iso(resets),
            )
        if held is None:
            left -= u.posts
            papers += u.first_part == 1
        out.append(held)
    return out


def email(units: list[Unit], *, store: Any, now: datetime) -> list[HeldBack | None]:
    """Per digest or batch: why this run would not mail it (None: it would)."""
    limited = rate_limited(store, "email", now)
    nobody = None
    if not store.has_subscribers():
        nobody = HeldBack("no_subscribers", "no active subscribers (paperbot subscribers add EMAIL)")
    out: list[HeldBack | None] = []
    for u in units:
        if u.state in ("failed", "uncertain"):
            out.append(awaiting(u.state, u.error))
        else:
            out.append(limited or (nobody if u.state == "new" else None))
    return out
