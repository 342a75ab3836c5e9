"""``paperbot status``: what the store knows, per venue and channel, without changing it.

"Due" and "held back" mean what the README's "Words paperbot uses" says; ``due_counts`` is the
one count of what is due, shared with ``check``'s report, so the two always agree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from .holdback import iso
from .store import Store
from .venues import conference_name


def _is_due(r: Any, channel: str) -> bool:
    """Accepted, not adopted as already announced, not yet announced on ``channel`` (queued or not)."""
    announced = set((r["channels"] or "").split(","))
    return r["status"] in ("accepted", "published") and not r["baseline_at"] and channel not in announced


def due_counts(store: Store, channels: list[str]) -> dict[str, int]:
    """Per channel: how many (paper, venue) pairs are due there."""
    rows = store.status_rows()
    return {c: sum(1 for r in rows if _is_due(r, c)) for c in channels}


def collect(store: Store, channels: list[str], *, path: Path, app: Any = None, pacing: Any = None) -> dict[str, Any]:
    """Counts per conference: events by track and status, and per channel announced/due; with
    ``app``, per enabled channel what is held back and why, as the next ``run`` (``pacing``) sees it."""
    rows = store.status_rows()
    known = sorted({c for r in rows for c in (r["channels"] or "").split(",") if c})
    all_channels = list(dict.fromkeys([*channels, *known]))
    venues: dict[str, dict[str, Any]] = {}
    papers: set[str] = set()
    for r in rows:
        papers.add(r["paper_id"])
        name = conference_name(r["series"], r["year"])
        v = venues.setdefault(
            name,
            {
                "events": 0,
                "by_track": defaultdict(int),
                "by_status": defaultdict(int),
                "adopted": 0,
                "channels": {c: {"announced": 0, "due": 0} for c in all_channels},
            },
        )
        v["events"] += 1
        v["by_track"][r["track"]] += 1
        v["by_status"][r["status"]] += 1
        announced = set((r["channels"] or "").split(",")) - {""}
        accepted = r["status"] in ("accepted", "published")
        if r["baseline_at"] and accepted:
            v["adopted"] += 1
        for c in all_channels:
            if c in announced:
                v["channels"][c]["announced"] += 1
            elif _is_due(r, c):
                v["channels"][c]["due"] += 1
    for v in venues.values():
        v["by_track"] = dict(v["by_track"])
        v["by_status"] = dict(v["by_status"])
    subscribers = store.subscriber_counts()
    attention = [
        {
            "title": r["title"],
            "conference": conference_name(r["series"], r["year"]),
            "status": r["status"],
            "channels": sorted((r["channels"] or "").split(",")),
            "source": r["source"],
            "note": f"announced, now {r['status']} in source",
        }
        for r in store.withdrawn_announced()
    ]
    return {
        "attention": attention,
        "store": str(path),
        "papers": len(papers),
        "channels": all_channels,
        "venues": venues,
        "subscribers": {"active": subscribers.get("active", 0), "unsubscribed": subscribers.get("unsubscribed", 0)},
        "email_recipients": store.recipient_counts(),  # SMTP: deferred by a 4xx, refused by a 5xx
        "queues": queues(app, store, channels, pacing) if app is not None else {},
        **(_daemon(app, store, channels) if app is not None else {}),
        **({"as_of": iso(app.clock())} if app is not None else {}),
    }


def _daemon(app: Any, store: Store, channels: list[str]) -> dict[str, Any]:
    """Jobs (last and next run), the lock holder, paused channels, failures, uncertain batches."""
    from .daemon import overview

    return overview.collect(app, store, channels, app.clock())


def queues(app: Any, store: Store, channels: list[str], pacing: Any) -> dict[str, Any]:
    """Per channel: due, held back by reason (papers), awaiting a decision (messages), next send."""
    from . import holdback

    now = app.clock()
    due = due_counts(store, channels)
    out: dict[str, Any] = {}
    for c in channels:
        awaiting = Counter(r.state for r in store.awaiting_decision([c]))
        held: list[holdback.HeldBack | None] = []
        weights: list[int] = []  # papers per unit
        if c == "mastodon":
            units = _mastodon_units(store)
            held = holdback.mastodon([u for u, _ in units], app=app, store=store, pacing=pacing, now=now)
            weights = [1] * len(units)
        elif c == "email":
            units_e, weights = _email_units(store, due.get(c, 0))
            held = holdback.email(units_e, store=store, now=now)
        elif due.get(c):
            held, weights = [None], [due[c]]
        by_reason: Counter[str] = Counter()
        for why, n in zip(held, weights, strict=True):
            if why:
                by_reason[why.reason] += n
        out[c] = {
            "due": due.get(c, 0),
            "held_back": dict(by_reason),
            "awaiting_decision": {"failed": awaiting.get("failed", 0), "uncertain": awaiting.get("uncertain", 0)},
            "next_send": _next_send(held, now),
        }
    return out


def _mastodon_units(store: Store) -> list[tuple[Any, tuple[str | None, str | None]]]:
    """Every post not yet out, by paper, in the preview's order: queued threads, then what is due."""
    from .holdback import Order, Unit

    order = Order(store)
    groups: dict[tuple[str, bool], list[Any]] = {}
    for r in store.outbox("mastodon", ("pending", "sending", "failed", "uncertain")):
        groups.setdefault((r.thread_key or r.key, r.state in ("failed", "uncertain")), []).append(r)
    units = []
    for rows in groups.values():
        rows.sort(key=lambda r: r.part)
        first = rows[0]
        unit = Unit(first.state, posts=len(rows), first_part=first.part, error=first.last_error)
        units.append((unit, (first.paper_id, first.venue_key)))
    units += [(Unit("new"), order.know(a)) for a in store.due("mastodon")]
    return sorted(units, key=lambda u: order(*u[1]))


def _email_units(store: Store, due: int) -> tuple[list[Any], list[int]]:
    """The digest being sent, the next one (all that is due), and batches awaiting a decision."""
    from .holdback import Unit

    units, weights = [], []
    if store.open_digest():
        units.append(Unit("pending"))
        weights.append(0)  # its papers are no longer due: they are in that digest
    if due:
        units.append(Unit("new"))
        weights.append(due)
    for r in store.awaiting_decision(["email"]):
        units.append(Unit(r.state, error=r.last_error))
        weights.append(0)
    return units, weights


def _next_send(held: list[Any], now: datetime) -> str | None:
    """When something will be sent: now (at the next run), when a hold lifts, or None (not known)."""
    if any(h is None for h in held):
        return iso(now)
    times = [h.until for h in held if h and h.until]
    return min(times, key=datetime.fromisoformat) if times else None


def render(data: dict[str, Any]) -> str:
    """A plain table, one line per conference."""
    subs = data["subscribers"]
    lines = [f"store: {data['store']} ({data['papers']} papers; {subs['active']} subscribers)"]
    if not data["venues"]:
        lines.append("no papers yet: run 'paperbot check'")
        return "\n".join(lines + _daemon_lines(data))
    channels = data["channels"]
    head = f"{'venue':<24} {'events':>6} {'adopted':>7}" + "".join(f" {c + ' sent/due':>18}" for c in channels)
    lines += [head, "-" * len(head)]
    for name, v in data["venues"].items():
        line = f"{name:<24} {v['events']:>6} {v['adopted']:>7}"
        for c in channels:
            ch = v["channels"][c]
            line += f" {str(ch['announced']) + ' / ' + str(ch['due']):>18}"
        lines.append(line)
        tracks = ", ".join(f"{n} {t}" for t, n in sorted(v["by_track"].items()))
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(v["by_status"].items()))
        lines.append(f"{'':<4}{tracks}; {statuses}")
    for item in data.get("attention", []):
        lines.append(
            f"attention: {item['title']!r} ({item['conference']}) was {item['note'].split(',')[0]} on "
            f"{', '.join(item['channels'])} and is now {item['status']} in {item['source']}: nothing is deleted "
            "automatically; correct the announcement by hand if needed"
        )
    rcpt = data.get("email_recipients") or {}
    lines += _queue_lines(data.get("queues") or {}, data.get("as_of"))
    if rcpt.get("deferred") or rcpt.get("failed"):
        lines.append(
            f"e-mail recipients: {rcpt.get('deferred', 0)} deferred by a temporary SMTP refusal (tried again at"
            f" the next run), {rcpt.get('failed', 0)} refused for good; see 'paperbot outbox list'"
        )
    lines += _daemon_lines(data)
    if not channels:
        lines.append("no channels configured: add [channels.mastodon], [channels.email] or [channels.page]")
    return "\n".join(lines)


def _daemon_lines(data: dict[str, Any]) -> list[str]:
    if "jobs" not in data or not data.get("as_of"):
        return []
    from .daemon import overview

    return overview.render(data, datetime.fromisoformat(data["as_of"]))


def _queue_lines(queues: dict[str, Any], as_of: str | None) -> list[str]:
    """ "mastodon: 5 due; held back: 3 by max_per_run; 1 failed, awaiting a decision; next send: …"."""
    from .holdback import counted, in_words

    lines = []
    now = datetime.fromisoformat(as_of) if as_of else None
    for c, q in queues.items():
        parts = [f"{q['due']} due"]
        held = counted(q["held_back"], skip=("failed", "uncertain"))
        if held:
            parts.append(f"held back: {held}")
        waiting = [f"{n} {s}" for s, n in q["awaiting_decision"].items() if n]
        if waiting:
            parts.append(" and ".join(waiting) + ", awaiting a decision (paperbot outbox list)")
        if q["next_send"] and now is not None:
            at = datetime.fromisoformat(q["next_send"])
            later = (at - now).total_seconds()
            when = f"{at:%Y-%m-%d %H:%M} {at.tzname()} ({in_words(later)})"
            parts.append("next send: at the next run" if later <= 0 else f"next send: {when}")
        lines.append(f"{c}: " + "; ".join(parts))
    return lines
