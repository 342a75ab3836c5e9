"""Announcements: what is due on a channel, what a news page lists, and what went out.

Guarantees:
- One order everywhere (``announcement_order``), so preview, posting, the digest and the pages
  agree, and ``max_per_run`` and ``--limit`` take the first N of the same list.
- A (paper, venue event) pair is due on a channel while it is accepted, not adopted as a
  baseline, not announced there and not already in that channel's outbox.
- An announcement, once recorded, stays (``INSERT OR IGNORE``: the first time is kept).
- ``adopt_baseline`` marks, in one transaction, what a fresh install must never post.
- Reporting (``status_rows``, ``withdrawn_announced``, ``counts``) only reads.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from ..models import Announcement
from .db import _iso
from .papers import _event_from_row, _paper_from_row

_PRESENTATION_RANK = {"oral": 0, "spotlight": 1, "poster": 2}


def announcement_order(a: Announcement) -> tuple[object, ...]:
    """The one order of announcements everywhere (preview, posting, digest, pages): by venue, main
    track before the others and workshops, orals, spotlights, posters, then title (case-insensitive).
    ``max_per_run`` and ``--limit`` take the first N of it."""
    e = a.event
    return (
        e.series.casefold(),
        e.year,
        e.track == "workshop",
        e.track != "main",
        (e.workshop or "").casefold(),
        e.track,
        _PRESENTATION_RANK.get(e.presentation or "", 3),
        a.paper.title.casefold(),
        a.paper.id or "",
    )


class AnnouncementsMixin:
    """Due, listed and announced pairs (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``)."""

    def due(self, channel: str) -> list[Announcement]:
        """(paper, event) pairs accepted, not adopted as baseline, not yet announced on ``channel``.

        Ordered by conference, then track (main first), then title, for stable output.
        """
        rows = self.db.execute(
            """
            SELECT e.*, p.* , e.first_seen_at AS e_first_seen
            FROM venue_events e JOIN papers p ON p.id = e.paper_id
            WHERE e.status IN ('accepted', 'published') AND e.baseline_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = e.paper_id
                              AND a.venue_key = e.venue_key AND a.channel = ?1)
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.paper_id = e.paper_id
                              AND o.venue_key = e.venue_key AND o.channel = ?1)
            ORDER BY e.series, e.year, e.track != 'main', e.venue_key, p.title
            """,
            (channel,),
        ).fetchall()
        return sorted((self._announcement(r) for r in rows), key=announcement_order)

    def listed(self, conferences: set[tuple[str, int]]) -> list[Announcement]:
        """Every accepted event of these conferences, announced or not (what a news page shows)."""
        if not conferences:
            return []
        rows = self.db.execute(
            """
            SELECT e.*, p.*, e.first_seen_at AS e_first_seen
            FROM venue_events e JOIN papers p ON p.id = e.paper_id
            WHERE e.status IN ('accepted', 'published')
            ORDER BY e.series, e.year, e.track != 'main', e.venue_key, p.title
            """
        ).fetchall()
        return sorted(
            (self._announcement(r) for r in rows if (r["series"], r["year"]) in conferences), key=announcement_order
        )

    def announced_conferences(self, channel: str = "page") -> dict[tuple[str, int], tuple[datetime, datetime]]:
        """Per conference (series, year): when it was first and last announced on ``channel``.

        The news pages' dates come from here, so a rebuild shows the same dates as publishing did.
        """
        rows = self.db.execute(
            "SELECT e.series, e.year, min(a.announced_at), max(a.announced_at) FROM announcements a"
            " JOIN venue_events e ON e.paper_id = a.paper_id AND e.venue_key = a.venue_key"
            " WHERE a.channel = ? GROUP BY e.series, e.year",
            (channel,),
        ).fetchall()
        return {(r[0], r[1]): (datetime.fromisoformat(r[2]), datetime.fromisoformat(r[3])) for r in rows}

    @staticmethod
    def _announcement(r: sqlite3.Row) -> Announcement:
        return Announcement(
            _paper_from_row(r, ()),
            _event_from_row(r),
            datetime.fromisoformat(r["e_first_seen"]),
            datetime.fromisoformat(r["accepted_seen_at"]) if r["accepted_seen_at"] else None,
        )

    def mark_announced(
        self,
        paper_id: str,
        venue_key: str,
        channel: str,
        *,
        remote_id: str | None = None,
        remote_url: str | None = None,
        db: sqlite3.Connection | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record that a pair went out on a channel (inside the caller's transaction if given).

        ``at``: when, if not now (the news pages record the time their pages show).
        """
        conn = db or self.db
        sql = "INSERT OR IGNORE INTO announcements VALUES (?,?,?,?,?,?)"
        args = (paper_id, venue_key, channel, _iso(at) if at else self.now(), remote_id, remote_url)
        if db is None:
            with self.transaction() as t:
                t.execute(sql, args)
        else:
            conn.execute(sql, args)

    def adopt_baseline(self, *, before: date | None = None) -> int:
        """Mark accepted events as already announced (a fresh install must not post years of papers).

        With ``before``, only events accepted before that date. An event's date is its
        ``accepted_on``; an *undated* event (most lab files give only a year) counts as accepted
        in its venue year: adopted when that year is before ``before``'s year, left to announce
        when it is the same year or later. ``undated_counts`` says how many went which way.
        """
        now = self.now()
        cutoff = before.isoformat() if before else None
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE venue_events SET baseline_at = ? WHERE baseline_at IS NULL"
                " AND status IN ('accepted', 'published')"
                " AND (? IS NULL OR (accepted_on IS NOT NULL AND accepted_on < ?)"
                "      OR (accepted_on IS NULL AND year < ?))"
                " AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = venue_events.paper_id"
                " AND a.venue_key = venue_events.venue_key)",
                (now, cutoff, cutoff, before.year if before else None),
            )
            return cur.rowcount

    def undated_counts(self, before: date) -> dict[str, int]:
        """Accepted events without ``accepted_on``: adopted (venue year < before's year) or due."""
        rows = self.db.execute(
            "SELECT baseline_at IS NOT NULL AS adopted, count(*) FROM venue_events"
            " WHERE accepted_on IS NULL AND status IN ('accepted', 'published') GROUP BY 1"
        ).fetchall()
        counts = {"adopted": 0, "due": 0}
        for adopted, n in rows:
            counts["adopted" if adopted else "due"] += n
        return counts

    # reporting

    def status_rows(self) -> list[sqlite3.Row]:
        """One row per venue event with its announcement channels, for ``paperbot status``."""
        return self.db.execute(
            """
            SELECT e.series, e.year, e.track, e.venue_key, e.status, e.baseline_at, e.paper_id,
                   (SELECT group_concat(a.channel) FROM announcements a
                     WHERE a.paper_id = e.paper_id AND a.venue_key = e.venue_key) AS channels
            FROM venue_events e ORDER BY e.year DESC, e.series, e.venue_key
            """
        ).fetchall()

    def series_spellings(self) -> list[str]:
        """Every venue series as first stored (oldest first), for case-insensitive grouping."""
        rows = self.db.execute("SELECT series FROM venue_events GROUP BY series ORDER BY min(first_seen_at)")
        return [r[0] for r in rows]

    def withdrawn_announced(self) -> list[sqlite3.Row]:
        """Events announced on some channel that their source now calls rejected or withdrawn."""
        return self.db.execute(
            """
            SELECT p.title, e.paper_id, e.venue_key, e.series, e.year, e.status, e.source,
                   (SELECT group_concat(a.channel) FROM announcements a
                     WHERE a.paper_id = e.paper_id AND a.venue_key = e.venue_key) AS channels
            FROM venue_events e JOIN papers p ON p.id = e.paper_id
            WHERE e.status IN ('rejected', 'withdrawn')
              AND EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = e.paper_id
                          AND a.venue_key = e.venue_key)
            ORDER BY e.year DESC, e.series, p.title
            """
        ).fetchall()

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "papers": one("SELECT count(*) FROM papers").fetchone()[0],
            "events": one("SELECT count(*) FROM venue_events").fetchone()[0],
        }
