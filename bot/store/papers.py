"""Papers and their venue events: what the sources say, merged, and never lost.

Guarantees:
- One stored paper per paper: a record is matched by its strongest identifier (arXiv id, DOI,
  OpenReview id, normalised title; a same-title paper with another arXiv id or DOI is another
  paper). Its id (``new_paper_id``) is fixed at first sight.
- ``upsert`` is one transaction: non-empty fields overwrite stored ones, empty ones never erase;
  an event becomes "new" once, the first time it is seen accepted.
- An accepted event that turns rejected or withdrawn before it is announced has its queued posts
  cancelled; after, it is reported (``UpsertResult.withdrawn_after_announcement``), never hidden.
- An announced event stored under an older name of its venue moves to its new key instead of
  being announced again; events a snapshot source stops listing are retired unless announced.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from ..models import ANNOUNCEABLE, Author, Links, Paper, VenueEvent
from ..text import normalize_title, slugify, titles_disagree


@dataclass
class UpsertResult:
    paper_id: str
    created: bool = False
    updated: bool = False
    newly_accepted: list[VenueEvent] = field(default_factory=list)
    conflict: str | None = None  # the record matched two stored papers; we used the first
    withdrawn: list[VenueEvent] = field(default_factory=list)  # turned rejected/withdrawn before announced
    withdrawn_after_announcement: list[VenueEvent] = field(default_factory=list)


def paper_keys(paper: Paper) -> list[tuple[str, str]]:
    """The identity keys of a paper, strongest first."""
    keys = []
    if paper.arxiv_id:
        keys.append(("arxiv", paper.arxiv_id))
    if paper.doi:
        keys.append(("doi", paper.doi))
    if paper.openreview_id:
        keys.append(("openreview", paper.openreview_id))
    title = normalize_title(paper.title)
    if title:
        keys.append(("title", title))
    return keys


def new_paper_id(paper: Paper) -> str:
    """A stable, readable id from the strongest key at first sight; it never changes after."""
    kind, value = paper_keys(paper)[0]
    if kind == "title":
        return "title:" + hashlib.sha1(value.encode()).hexdigest()[:12]
    return f"{kind}:{value}"


_LINK_FIELDS = tuple(f.name for f in fields(Links))


def content_hash(paper: Paper) -> str:
    payload = {
        "title": paper.title,
        "abstract": paper.abstract,
        # the dicts dataclasses.asdict would give (the stored hashes depend on them), built directly
        "authors": [{"name": a.name, "member_id": a.member_id, "former": a.former} for a in paper.authors],
        "arxiv": paper.arxiv_id,
        "doi": paper.doi,
        "openreview": paper.openreview_id,
        "links": {name: getattr(paper.links, name) for name in _LINK_FIELDS},
        "published_on": str(paper.published_on),
    }
    if paper.et_al:  # only when set, so hashes stored before the field existed stay valid
        payload["et_al"] = True
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class PapersMixin:
    """Storing papers and venue events (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``)."""

    def _find(self, paper: Paper) -> tuple[str | None, str | None]:
        """The stored paper this one is, by its strongest matching key, and any conflict."""
        found: list[tuple[str, str]] = []
        for kind, value in paper_keys(paper):
            row = self.db.execute(
                "SELECT paper_id FROM paper_keys WHERE kind = ? AND value = ?", (kind, value)
            ).fetchone()
            if row and all(row[0] != pid for _, pid in found):
                found.append((kind, row[0]))
        if not found:
            return None, None
        kind, pid = found[0]
        if kind == "title" and not self._title_match_plausible(pid, paper):
            return None, None
        conflict = None
        if len(found) > 1:
            conflict = f"matches stored papers {', '.join(p for _, p in found)}; updated {pid}"
        return pid, conflict

    def _title_match_plausible(self, pid: str, paper: Paper) -> bool:
        """Same title but different arXiv ids or DOIs means two different papers."""
        row = self.db.execute("SELECT arxiv_id, doi FROM papers WHERE id = ?", (pid,)).fetchone()
        if paper.arxiv_id and row["arxiv_id"] and paper.arxiv_id != row["arxiv_id"]:
            return False
        return not (paper.doi and row["doi"] and paper.doi != row["doi"])

    def upsert(self, paper: Paper, *, source: str) -> UpsertResult:
        """Insert or update a paper and its venue events in one transaction.

        Non-empty fields overwrite stored ones; empty ones never erase (another source
        may have supplied them). An event becomes "new" the first time it is seen accepted.
        """
        now = self.now()
        with self.transaction() as db:
            pid, conflict = self._find(paper)
            result = UpsertResult(pid or new_paper_id(paper), conflict=conflict)
            if pid is None:
                result.created = True
                merged = paper
                db.execute(
                    "INSERT INTO papers (id, title, title_raw, abstract, abstract_raw, authors, arxiv_id, doi,"
                    " openreview_id, links, published_on, et_al, content_hash, first_seen_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (result.paper_id, *self._paper_row(merged), content_hash(merged), now, now),
                )
            else:
                stored = self._load_paper(pid)
                if titles_disagree(stored.title, paper.title) and not conflict:
                    result.conflict = (
                        f"shares an identifier with the stored paper {stored.title!r} ({pid}) but has another "
                        "title; treated as the same paper with a new title. If the arXiv id or DOI is wrong, "
                        "fix it in the source"
                    )
                merged = _merge(stored, paper)
                new_hash = content_hash(merged)
                old_hash = db.execute("SELECT content_hash FROM papers WHERE id = ?", (pid,)).fetchone()[0]
                if new_hash != old_hash:
                    result.updated = True
                    db.execute(
                        "UPDATE papers SET title=?, title_raw=?, abstract=?, abstract_raw=?, authors=?,"
                        " arxiv_id=?,"
                        " doi=?, openreview_id=?, links=?, published_on=?, et_al=?, content_hash=?, updated_at=?"
                        " WHERE id=?",
                        (*self._paper_row(merged), new_hash, now, pid),
                    )
            for kind, value in paper_keys(merged):
                db.execute("INSERT OR IGNORE INTO paper_keys VALUES (?,?,?)", (kind, value, result.paper_id))
            for event in paper.events:
                change = self._upsert_event(result.paper_id, event, source, now)
                if change == "accepted":
                    result.newly_accepted.append(event)
                elif change == "withdrawn":
                    result.withdrawn.append(event)
                elif change == "withdrawn_after_announcement":
                    result.withdrawn_after_announcement.append(event)
        return result

    def _upsert_event(self, pid: str, event: VenueEvent, source: str, now: str) -> str:
        """Store one venue event and say what changed for announcing it.

        "accepted": it has just become accepted for the first time; "withdrawn": an accepted,
        unannounced event turned rejected/withdrawn (its queued posts are cancelled);
        "withdrawn_after_announcement": the same after it went out (an editor must look);
        "" otherwise.
        """
        row = self.db.execute(
            "SELECT status, accepted_seen_at, workshop_name, presentation, accepted_on FROM venue_events"
            " WHERE paper_id = ? AND venue_key = ?",
            (pid, event.key),
        ).fetchone()
        accepted = event.status in ANNOUNCEABLE
        accepted_on = event.accepted_on.isoformat() if event.accepted_on else None
        if row is None:
            self.db.execute(
                "INSERT INTO venue_events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    pid,
                    event.key,
                    event.series,
                    event.year,
                    event.track,
                    event.workshop,
                    event.workshop_name,
                    event.presentation,
                    event.status,
                    accepted_on,
                    source,
                    now,
                    now if accepted else None,
                    None,
                    now,
                ),
            )
            if accepted and self._carry_over_renamed(pid, event, now):
                return ""  # the same acceptance, announced under the name an older paperbot gave it
            return "accepted" if accepted else ""
        newly = accepted and row["accepted_seen_at"] is None
        turned = row["status"] in ANNOUNCEABLE and event.status in ("rejected", "withdrawn")
        changed = (row["status"], row["workshop_name"], row["presentation"], row["accepted_on"]) != (
            event.status,
            event.workshop_name or row["workshop_name"],
            event.presentation or row["presentation"],
            accepted_on or row["accepted_on"],
        )
        if changed or newly:
            self.db.execute(
                "UPDATE venue_events SET status=?, workshop_name=COALESCE(?, workshop_name),"
                " presentation=COALESCE(?, presentation), accepted_on=COALESCE(?, accepted_on), source=?,"
                " accepted_seen_at=COALESCE(accepted_seen_at, ?), updated_at=?"
                " WHERE paper_id=? AND venue_key=?",
                (
                    event.status,
                    event.workshop_name,
                    event.presentation,
                    accepted_on,
                    source,
                    now if accepted else None,
                    now,
                    pid,
                    event.key,
                ),
            )
        if newly:
            return "accepted"
        if turned:
            announced = self.db.execute(
                "SELECT 1 FROM announcements WHERE paper_id=? AND venue_key=?", (pid, event.key)
            ).fetchone()
            if announced:
                return "withdrawn_after_announcement"
            self._cancel_queued(pid, event.key)
            return "withdrawn"
        return ""

    def _carry_over_renamed(self, pid: str, event: VenueEvent, now: str) -> bool:
        """True when ``event`` is an announced (or adopted) event of this paper under an older venue name.

        Before the venue table, an unrecognised booktitle became the series as written
        ("Proceedings of the 29th International Conference on Computational Linguistics"); the
        same acceptance now reads "COLING 2022" and has another key. Re-reading the stored name
        with today's recogniser tells the two apart from a real second acceptance: the announced
        channels and baseline move to the new key, and the old event is retired, so an upgrade
        never announces a paper twice nor lists it twice.
        """
        from ..venues import identify_container  # venues imports models; import late, once needed

        rows = self.db.execute(
            "SELECT e.venue_key, e.series, e.track, e.workshop, e.baseline_at FROM venue_events e"
            " WHERE e.paper_id = ? AND e.year = ? AND e.venue_key != ? AND e.status IN ('accepted', 'published')"
            " AND (e.baseline_at IS NOT NULL OR EXISTS (SELECT 1 FROM announcements a"
            "      WHERE a.paper_id = e.paper_id AND a.venue_key = e.venue_key))",
            (pid, event.year, event.key),
        ).fetchall()
        for r in rows:
            try:
                old = identify_container(r["series"], year=event.year)
            except ValueError:
                continue
            if old is None or slugify(old.series) != slugify(event.series):
                continue
            tracks = {r["track"], event.track} - {"journal"}
            if len(tracks) > 1 and not tracks <= {"main"}:
                continue
            names = {slugify(n) for n in (event.workshop, event.workshop_name) if n}
            if event.track == "workshop" and r["workshop"] and slugify(r["workshop"]) not in names:
                continue
            self.db.execute(
                "INSERT OR IGNORE INTO announcements SELECT paper_id, ?, channel, announced_at, remote_id,"
                " remote_url FROM announcements WHERE paper_id = ? AND venue_key = ?",
                (event.key, pid, r["venue_key"]),
            )
            self.db.execute(
                "UPDATE venue_events SET baseline_at = COALESCE(?, baseline_at) WHERE paper_id = ? AND venue_key = ?",
                (r["baseline_at"], pid, event.key),
            )
            self.db.execute(
                "UPDATE venue_events SET status = 'removed', updated_at = ? WHERE paper_id = ? AND venue_key = ?",
                (now, pid, r["venue_key"]),
            )
            return True
        return False

    def _cancel_queued(self, pid: str, venue_key: str) -> None:
        """Drop posts of a pair that were queued but never attempted (whole threads only)."""
        self.db.execute(
            "DELETE FROM outbox WHERE paper_id=? AND venue_key=? AND state='pending' AND NOT EXISTS"
            " (SELECT 1 FROM outbox o WHERE o.thread_key = outbox.thread_key"
            " AND (o.state != 'pending' OR o.attempts > 0))",
            (pid, venue_key),
        )

    def retract_missing(self, source: str, present: set[tuple[str, str]]) -> int:
        """Mark events this snapshot source no longer lists as 'removed' (unless announced).

        A lab that deletes or corrects a record (e.g. a wrong venue) must not see the old
        version announced. Announced events are history and stay as they are.
        """
        with self.transaction() as db:
            rows = db.execute(
                "SELECT e.paper_id, e.venue_key FROM venue_events e"
                " WHERE e.source = ? AND e.status != 'removed'"
                " AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = e.paper_id"
                " AND a.venue_key = e.venue_key)",
                (source,),
            ).fetchall()
            gone = [(r[0], r[1]) for r in rows if (r[0], r[1]) not in present]
            now = self.now()
            db.executemany(
                "UPDATE venue_events SET status='removed', updated_at=? WHERE paper_id=? AND venue_key=?",
                [(now, p, k) for p, k in gone],
            )
            for p, k in gone:
                self._cancel_queued(p, k)
        return len(gone)

    @staticmethod
    def _paper_row(p: Paper) -> tuple[object, ...]:
        return (
            p.title,
            p.title_raw,
            p.abstract,
            p.abstract_raw,
            json.dumps([[a.name, a.member_id, a.former] for a in p.authors], ensure_ascii=False),
            p.arxiv_id,
            p.doi,
            p.openreview_id,
            json.dumps(asdict(p.links), ensure_ascii=False),
            p.published_on.isoformat() if p.published_on else None,
            int(p.et_al),
        )

    def _load_paper(self, pid: str) -> Paper:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        return _paper_from_row(row, ())

    def paper(self, pid: str) -> Paper | None:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        if row is None:
            return None
        events = tuple(
            _event_from_row(r)
            for r in self.db.execute(
                "SELECT * FROM venue_events WHERE paper_id = ? ORDER BY first_seen_at, venue_key", (pid,)
            )
        )
        return _paper_from_row(row, events)


def _merge(stored: Paper, new: Paper) -> Paper:
    """New non-empty values win; empty ones keep what is stored."""
    links = Links(**{k: getattr(new.links, k) or getattr(stored.links, k) for k in Links.__dataclass_fields__})
    return Paper(
        title=new.title or stored.title,
        authors=new.authors or stored.authors,
        abstract=new.abstract or stored.abstract,
        arxiv_id=new.arxiv_id or stored.arxiv_id,
        doi=new.doi or stored.doi,
        openreview_id=new.openreview_id or stored.openreview_id,
        links=links,
        published_on=new.published_on or stored.published_on,
        title_raw=new.title_raw or stored.title_raw,
        abstract_raw=new.abstract_raw or stored.abstract_raw,
        et_al=new.et_al if new.authors else stored.et_al,
    )


def _paper_from_row(row: sqlite3.Row, events: tuple[VenueEvent, ...]) -> Paper:
    links = json.loads(row["links"])
    links["code"] = tuple(links.get("code") or ())
    return Paper(
        id=row["id"],
        title=row["title"],
        title_raw=row["title_raw"],
        abstract=row["abstract"],
        abstract_raw=row["abstract_raw"],
        authors=tuple(Author(n, m, bool(f)) for n, m, f in json.loads(row["authors"])),
        events=events,
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        openreview_id=row["openreview_id"],
        links=Links(**links),
        published_on=date.fromisoformat(row["published_on"]) if row["published_on"] else None,
        et_al=bool(row["et_al"]),
    )


def _event_from_row(row: sqlite3.Row) -> VenueEvent:
    return VenueEvent(
        series=row["series"],
        year=row["year"],
        track=row["track"],
        workshop=row["workshop"],
        workshop_name=row["workshop_name"],
        presentation=row["presentation"],
        status=row["status"],
        accepted_on=date.fromisoformat(row["accepted_on"]) if row["accepted_on"] else None,
    )
