"""``paperbot status``: what the store knows, per venue and channel, without changing it."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from .store import Store
from .venues import conference_name


def collect(store: Store, channels: list[str], *, path: Path) -> dict[str, Any]:
    """Counts per conference: events by track and status, and per channel announced/due."""
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
            elif accepted and not r["baseline_at"]:
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
    }


def render(data: dict[str, Any]) -> str:
    """A plain table, one line per conference."""
    subs = data["subscribers"]
    lines = [f"store: {data['store']} ({data['papers']} papers; {subs['active']} subscribers)"]
    if not data["venues"]:
        lines.append("no papers yet: run 'paperbot check'")
        return "\n".join(lines)
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
    if rcpt.get("deferred") or rcpt.get("failed"):
        lines.append(
            f"e-mail recipients: {rcpt.get('deferred', 0)} deferred by a temporary SMTP refusal (tried again at"
            f" the next run), {rcpt.get('failed', 0)} refused for good; see 'paperbot outbox list'"
        )
    if not channels:
        lines.append("no channels configured: add [channels.mastodon], [channels.email] or [channels.page]")
    return "\n".join(lines)
