"""``check``: read every source, match authors to the roster, store, and report what is new.

"New" means a (paper, venue event) seen accepted for the first time; editing a known
paper's abstract or links only updates it, and a status change from submitted to
accepted makes the event new then. One bad record or source never stops the others.

When nothing it reads changed since the last check without errors, ``check`` reads, parses
and writes nothing (bot/fingerprint.py) and reports that check's warnings and skipped counts
again. The parsers, the roster and merging are imported only when a check reads, so that
path loads none of them.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import fingerprint
from .models import Paper, Problem, VenueEvent

if TYPE_CHECKING:
    from .merge import MergedRecord
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
    # nothing changed since the last successful check, so nothing was read or stored: its record
    unchanged: dict[str, Any] | None = None
    transient: list[Problem] = field(default_factory=list)  # about this check's changes, not the files

    def by_venue(self) -> dict[str, int]:
        counts = Counter(event.conference for _, event in self.new)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def workshops_by_venue(self) -> dict[str, int]:
        return dict(Counter(e.conference for _, e in self.new if e.track == "workshop"))

    def as_json(self) -> dict[str, object]:
        return {
            **({"unchanged": True} if self.unchanged is not None else {}),
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
        if self.unchanged is not None:
            at = str(self.unchanged.get("at") or "?")[:19].replace("T", " ")
            return (
                f"0 newly accepted papers: no source, roster or config changed since the check at {at} UTC,"
                " so nothing was read ('paperbot check --force' reads everything again)"
            )
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


def unchanged_report(record: Mapping[str, Any]) -> CheckReport:
    """The report of a check that found nothing changed since the one ``record`` describes: that
    check's warnings and skipped counts (the same files give the same ones), nothing new."""
    last = record.get("report") or {}
    return CheckReport(
        problems=[Problem(**p) for p in last.get("problems", [])],
        skipped=Counter(last.get("skipped", {})),
        merged=int(last.get("merged", 0)),
        unchanged=dict(record),
    )


log = logging.getLogger(__name__)

CHUNK = 500  # papers per commit: one fsync per chunk instead of one per paper


def check(
    sources: list[Source],
    roster: Roster,
    store: Store,
    *,
    since: datetime | None = None,
    problems: list[Problem] | None = None,
    inputs: Mapping[str, Any] | None = None,
    force: bool = False,
) -> CheckReport:
    """Ingest every source into the store and report what became new.

    All sources are read first; records of one paper (within a file or across files) are
    merged into one before anything is stored, so an unchanged set of files stores nothing
    and reports ``updated: 0``.

    ``inputs`` (``fingerprint.check_inputs``, taken before the roster was read) turns on skipping:
    when it and every source's fingerprint equal those of the last successful check, nothing
    is read, parsed or written and the report says ``unchanged`` (unless ``force``). After a
    check without errors the fingerprints are recorded for the next one (bot/fingerprint.py).
    """
    from .merge import merge_records

    names = [s.name for s in sources]
    previous = {s.name: fingerprint.load_json(store.get_kv(fingerprint.source_key(s.name))) for s in sources}
    before = {s.name: _fingerprint(s, previous[s.name]) for s in sources} if inputs is not None else {}
    last = fingerprint.load_json(store.get_kv(fingerprint.CHECK_KEY))
    if (
        not force
        and inputs is not None
        and fingerprint.inputs_unchanged(last, inputs, names)
        and all(fingerprint.same_content(before[n], previous[n]) for n in names)
    ):
        log.info("no source, roster or config changed since the check at %s: nothing read", last.get("at"))
        if inputs.get("config") and not fingerprint.same_content(inputs["config"], last.get("config")):
            # edited elsewhere (a channel, [group]): the next check can take the quick path again
            store.set_kv(fingerprint.CHECK_KEY, json.dumps({**last, "config": inputs["config"]}))
        return unchanged_report(last)
    if last is not None:  # from here on the store may no longer be what that record describes
        store.delete_kv(fingerprint.CHECK_KEY)
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
    if inputs is not None:
        _record_fingerprints(store, fetched, before, inputs, report)
    return report


def _fingerprint(source: Source, previous: Any) -> dict[str, Any] | None:
    """The source's fingerprint (taken before it is read); None for a source that has none."""
    take = getattr(source, "fingerprint", None)
    return take(previous if isinstance(previous, dict) else None) if take is not None else None


def _record_fingerprints(
    store: Store,
    fetched: list[tuple[Source, FetchResult]],
    before: dict[str, dict[str, Any] | None],
    inputs: Mapping[str, Any],
    report: CheckReport,
) -> None:
    """Keep, for the next check, the fingerprint of each source read without an error and not
    changed while it was read; and the check's record if every source and record was fine."""
    complete = not report.failed
    with store.transaction():
        for source, result in fetched:
            key = fingerprint.source_key(source.name)
            fp = before.get(source.name)
            clean = result.ok and not any(p.is_error for p in result.problems)
            if clean and fp is not None and fingerprint.same_stat(fp, _fingerprint(source, fp)):
                store.set_kv(key, json.dumps(fp))
            else:
                complete = False
                store.delete_kv(key)
        if complete:
            transient = {id(p) for p in report.transient}
            last = {
                "problems": [p.as_dict() for p in report.problems if id(p) not in transient],
                "skipped": dict(report.skipped),
                "merged": report.merged,
            }
            names = [source.name for source, _ in fetched]
            store.set_kv(
                fingerprint.CHECK_KEY,
                json.dumps({**inputs, "sources": names, "at": store.now(), "report": last}),
            )


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
        report.transient.append(
            Problem(
                group.source,
                group.label,
                "status",
                f"announced, now {event.status} in source ({event.label}); nothing is deleted on the "
                "platforms: an editor should decide whether to correct the announcement",
                level="warning",
            )
        )
        report.problems.append(report.transient[-1])
    for source in group.sources:
        present.setdefault(source, set()).update((stored.paper_id, e.key) for e in group.paper.events)
