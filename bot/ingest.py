"""``check``: read every source, match authors to the roster, store, and report what is new.

"New" means a (paper, venue event) seen accepted for the first time; editing a known
paper's abstract or links only updates it, and a status change from submitted to
accepted makes the event new then. One bad record or source never stops the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from .models import Paper, Problem, VenueEvent
from .roster import Roster
from .sources import Record, Source
from .store import Store


@dataclass
class CheckReport:
    new: list[tuple[Paper, VenueEvent]] = field(default_factory=list)
    updated: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)
    removed: int = 0
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False  # a record or source could not be loaded: exit code 1
    sources_ok: dict[str, bool] = field(default_factory=dict)

    def by_venue(self) -> dict[str, int]:
        counts = Counter(event.conference for _, event in self.new)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def workshops_by_venue(self) -> dict[str, int]:
        return dict(Counter(e.conference for _, e in self.new if e.track == "workshop"))

    def as_json(self) -> dict[str, object]:
        return {
            "new": len(self.new),
            "by_venue": self.by_venue(),
            "updated": len(self.updated - self.created),
            "removed": self.removed,
            "warnings": [p.as_dict() for p in self.problems],
        }

    def summary(self) -> str:
        """ "26 newly accepted papers: 26 at NeurIPS 2024, incl. 3 workshop papers"."""
        n = len(self.new)
        head = f"{n} newly accepted paper{'s' if n != 1 else ''}"
        if not n:
            return head
        workshops = self.workshops_by_venue()
        parts = []
        for venue, count in self.by_venue().items():
            part = f"{count} at {venue}"
            if workshops.get(venue):
                w = workshops[venue]
                part += f", incl. {w} workshop paper{'s' if w != 1 else ''}"
            parts.append(part)
        return f"{head}: " + "; ".join(parts)


CHUNK = 500  # papers per commit: one fsync per chunk instead of one per paper


def check(
    sources: list[Source],
    roster: Roster,
    store: Store,
    *,
    since: datetime | None = None,
    problems: list[Problem] | None = None,
) -> CheckReport:
    """Ingest every source into the store and report what became new."""
    report = CheckReport(problems=list(problems or []))
    for source in sources:
        result = source.fetch(since)
        report.problems.extend(result.problems)
        report.sources_ok[source.name] = result.ok
        errors_before = len(report.problems)
        present: set[tuple[str, str]] = set()
        first_label: dict[str, str] = {}
        records = result.records
        for start in range(0, len(records), CHUNK):
            # Each paper is its own savepoint inside the chunk's transaction: a crash loses at
            # most the chunk's uncommitted work, which the next check simply does again.
            with store.transaction():
                for record in records[start : start + CHUNK]:
                    _ingest(record, source.name, roster, store, report, present, first_label)
        clean = result.ok and len(report.problems) == errors_before and not result.problems
        if result.snapshot and clean:
            report.removed += store.retract_missing(source.name, present)
        if not result.ok or result.problems:
            report.failed = True
        store.record_source_run(
            source.name,
            ok=result.ok,
            error=None if result.ok else "; ".join(p.message for p in result.problems),
        )
    return report


def _ingest(
    record: Record,
    source: str,
    roster: Roster,
    store: Store,
    report: CheckReport,
    present: set[tuple[str, str]],
    first_label: dict[str, str],
) -> None:
    """One record into the store: its authors matched to the roster, its events recorded."""
    names = [a.name for a in record.paper.authors]
    authors, author_problems = roster.resolve(names, source=source, record=record.label)
    report.problems.extend(author_problems)
    if roster.members and not any(a.is_member for a in authors):
        report.problems.append(
            Problem(
                source,
                record.label,
                "authors",
                "no author matches a member of the roster; check the spelling or add the member "
                "(or an alias) to the roster. The paper is skipped.",
            )
        )
        report.failed = True
        return
    stored = store.upsert(replace(record.paper, authors=tuple(authors)), source=source)
    if stored.conflict:
        report.problems.append(Problem(source, record.label, "", stored.conflict))
    if stored.paper_id in first_label:
        merged = f"same paper as {first_label[stored.paper_id]}; the two records were merged"
        report.problems.append(Problem(source, record.label, "", merged))
    first_label.setdefault(stored.paper_id, record.label)
    if stored.created:
        report.created.add(stored.paper_id)
    if stored.updated:
        report.updated.add(stored.paper_id)
    report.new.extend((record.paper, e) for e in stored.newly_accepted)
    present.update((stored.paper_id, e.key) for e in record.paper.events)
