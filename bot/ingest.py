"""``check``: read every source, match authors to the roster, store, and report what is new.

"New" means a (paper, venue event) seen accepted for the first time; editing a known
paper's abstract or links only updates it, and a status change from submitted to
accepted makes the event new then. One bad record or source never stops the others.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from .merge import MergedRecord, merge_records
from .models import Paper, Problem, VenueEvent
from .roster import Roster
from .sources import FetchResult, Record, Source
from .store import Store


@dataclass
class CheckReport:
    new: list[tuple[Paper, VenueEvent]] = field(default_factory=list)
    updated: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)
    removed: int = 0
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False  # a record or source could not be loaded: exit code 1
    skipped: Counter[str] = field(default_factory=Counter)  # not an accepted paper / not by a member
    merged: int = 0  # records that were another record of the same paper
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
            "skipped_non_member": self.skipped.get("non_member", 0),
            "skipped_not_accepted": sum(n for r, n in self.skipped.items() if r != "non_member"),
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "merged_duplicates": self.merged,
            "warnings": [p.as_dict() for p in self.problems],
        }

    def skipped_summary(self) -> str:
        """ "Not announced: 12 not by a member, 5 preprint, 2 thesis"."""
        parts = []
        if self.skipped.get("non_member"):
            parts.append(f"{self.skipped['non_member']} not by a member")
        parts += [
            f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(self.skipped.items()) if reason != "non_member"
        ]
        if self.merged:
            parts.append(f"{self.merged} listed twice (merged)")
        return "Not announced: " + ", ".join(parts) if parts else ""

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

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


log = logging.getLogger(__name__)

CHUNK = 500  # papers per commit: one fsync per chunk instead of one per paper


def check(
    sources: list[Source],
    roster: Roster,
    store: Store,
    *,
    since: datetime | None = None,
    problems: list[Problem] | None = None,
) -> CheckReport:
    """Ingest every source into the store and report what became new.

    All sources are read first; records of one paper (within a file or across files) are
    merged into one before anything is stored, so an unchanged set of files stores nothing
    and reports ``updated: 0``.
    """
    report = CheckReport(problems=list(problems or []))
    fetched: list[tuple[Source, FetchResult]] = []
    for source in sources:
        result = source.fetch(since)
        report.problems.extend(result.problems)
        report.sources_ok[source.name] = result.ok
        for reason, n in result.skipped.items():
            report.skipped[reason] += n
        fetched.append((source, result))
    tagged: list[tuple[str, Record]] = []
    for source, result in fetched:
        for record in result.records:
            paper = _with_members(record, source.name, roster, report)
            if paper is not None:
                tagged.append((source.name, replace(record, paper=paper)))
    groups, merge_problems, report.merged = merge_records(tagged)
    _one_spelling_per_venue(groups, store)
    report.problems.extend(merge_problems)
    present: dict[str, set[tuple[str, str]]] = {source.name: set() for source, _ in fetched}
    for start in range(0, len(groups), CHUNK):
        # Each paper is its own savepoint inside the chunk's transaction: a crash loses at
        # most the chunk's uncommitted work, which the next check simply does again.
        with store.transaction():
            for group in groups[start : start + CHUNK]:
                _store(group, store, report, present)
    everywhere = set().union(*present.values()) if present else set()
    for source, result in fetched:
        errors = [p for p in result.problems if p.is_error]
        if result.snapshot and result.ok and not errors:
            report.removed += store.retract_missing(source.name, everywhere)
        if not result.ok or errors:
            report.failed = True
        store.record_source_run(
            source.name,
            ok=result.ok,
            error=None if result.ok else "; ".join(p.message for p in result.problems),
        )
    return report


def _one_spelling_per_venue(groups: list[MergedRecord], store: Store) -> None:
    """ "eneuro" and "eNeuro" are one venue: every event takes the first spelling stored or seen."""
    spelling = {s.casefold(): s for s in store.series_spellings()}
    for group in groups:
        events = []
        for e in group.paper.events:
            first = spelling.setdefault(e.series.casefold(), e.series)
            events.append(e if first == e.series else replace(e, series=first))
        group.paper = replace(group.paper, events=tuple(events))


def _with_members(record: Record, source: str, roster: Roster, report: CheckReport) -> Paper | None:
    """The record's authors matched to the roster, members in the roster's spelling; None if no member."""
    names = [a.name for a in record.paper.authors]
    authors, author_problems = roster.resolve(names, source=source, record=record.label)
    report.problems.extend(author_problems)
    if any(p.is_error for p in author_problems):
        report.failed = True
    if roster.members and not any(a.is_member for a in authors):
        report.skipped["non_member"] += 1  # a shared list or reference library: counted, not a warning
        log.info("%s, %s: no author is a member of the roster; not announced", source, record.label)
        return None
    canonical = []
    for a in authors:
        member = roster.get(a.member_id) if a.member_id else None
        canonical.append(replace(a, name=member.name) if member else a)
    return replace(record.paper, authors=tuple(canonical))


def _store(group: MergedRecord, store: Store, report: CheckReport, present: dict[str, set[tuple[str, str]]]) -> None:
    stored = store.upsert(group.paper, source=group.source)
    if stored.conflict:
        report.problems.append(Problem(group.source, group.label, "", stored.conflict, level="warning"))
    if stored.created:
        report.created.add(stored.paper_id)
    if stored.updated:
        report.updated.add(stored.paper_id)
    report.new.extend((group.paper, e) for e in stored.newly_accepted)
    report.removed += len(stored.withdrawn)
    for event in stored.withdrawn_after_announcement:
        report.problems.append(
            Problem(
                group.source,
                group.label,
                "status",
                f"announced, now {event.status} in source ({event.label}); nothing is deleted on the "
                "platforms: an editor should decide whether to correct the announcement",
                level="warning",
            )
        )
    for source in group.sources:
        present.setdefault(source, set()).update((stored.paper_id, e.key) for e in group.paper.events)
