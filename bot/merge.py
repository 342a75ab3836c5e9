"""One paper, however many records list it: merging records of a check before they are stored.

Records are the same paper when they share a versionless arXiv id, a DOI, an OpenReview id
or, failing those, a normalised title (and no arXiv id or DOI that differs). Two records that
share an identifier but whose titles clearly disagree are *not* merged: that is a wrong id in
one of them, and merging would announce one paper under the other's title. The later record
then loses the conflicting identifier, is kept as its own paper, and a warning names both.

When records merge, the first (in source order, then file order) wins for every field it
has; later ones only fill gaps. One venue (series, track, workshop) listed with two years —
a journal's online and print year, say — is one event, in the earlier year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .models import Links, Paper, Problem, VenueEvent
from .sources import Record
from .store import paper_keys
from .text import titles_disagree


@dataclass
class MergedRecord:
    paper: Paper
    source: str  # the first source that listed it
    label: str  # the first record that listed it
    sources: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)


_ID_FIELDS = {"arxiv": ("arxiv_id", "arxiv"), "doi": ("doi", "doi"), "openreview": ("openreview_id", "openreview")}


def without_id(paper: Paper, kind: str) -> Paper:
    """The paper minus one identifier (and the link built from it)."""
    attr, link = _ID_FIELDS[kind]
    links = replace(paper.links, **{link: None})
    if kind == "arxiv" and paper.links.pdf and "arxiv.org" in paper.links.pdf:
        links = replace(links, pdf=None)
    return replace(paper, **{attr: None}, links=links)


def merge_records(tagged: list[tuple[str, Record]]) -> tuple[list[MergedRecord], list[Problem], int]:
    groups: list[MergedRecord] = []
    index: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    merged = 0
    for source, record in tagged:
        paper = record.paper
        target: int | None = None
        for kind, value in paper_keys(paper):
            g = index.get((kind, value))
            if g is None:
                continue
            other = groups[g]
            if kind != "title" and titles_disagree(other.paper.title, paper.title):
                problems.append(
                    Problem(
                        source,
                        record.label,
                        "arxiv" if kind == "arxiv" else kind,
                        f"has the same {kind} id as {other.source}: {other.label} but a different title "
                        f"({other.paper.title!r}); not merged: check which of the two has the wrong id. "
                        "This record is kept without it.",
                        level="warning",
                    )
                )
                paper = without_id(paper, kind)
                continue
            if kind == "title" and _ids_differ(other.paper, paper):
                continue  # same title, different arXiv ids or DOIs: two papers
            target = g
            break
        if target is None:
            groups.append(MergedRecord(paper, source, record.label, {source}, [record.label]))
            target = len(groups) - 1
        else:
            merged += 1
            group = groups[target]
            group.paper = _combine(group.paper, paper)
            group.sources.add(source)
            group.labels.append(record.label)
        for key in paper_keys(groups[target].paper):
            index.setdefault(key, target)
    return groups, problems, merged


def _ids_differ(a: Paper, b: Paper) -> bool:
    return bool((a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id) or (a.doi and b.doi and a.doi != b.doi))


def _combine(first: Paper, later: Paper) -> Paper:
    """``first`` with gaps filled from ``later``, and the events of both (earlier year per venue)."""
    links = Links(
        **{name: getattr(first.links, name) or getattr(later.links, name) for name in Links.__dataclass_fields__}
    )
    return replace(
        first,
        abstract=first.abstract or later.abstract,
        abstract_raw=first.abstract_raw or later.abstract_raw,
        arxiv_id=first.arxiv_id or later.arxiv_id,
        doi=first.doi or later.doi,
        openreview_id=first.openreview_id or later.openreview_id,
        links=links,
        published_on=first.published_on or later.published_on,
        events=_merge_events(first.events, later.events),
    )


def _merge_events(first: tuple[VenueEvent, ...], later: tuple[VenueEvent, ...]) -> tuple[VenueEvent, ...]:
    events: dict[tuple[str, str, str | None], VenueEvent] = {}
    for e in (*first, *later):
        venue = (e.series.casefold(), e.track, (e.workshop or "").casefold() or None)
        kept = events.get(venue)
        if kept is None:
            events[venue] = e
        elif e.year < kept.year:
            events[venue] = replace(
                e, presentation=e.presentation or kept.presentation, workshop_name=e.workshop_name or kept.workshop_name
            )
        elif e.year == kept.year:
            events[venue] = replace(
                kept,
                presentation=kept.presentation or e.presentation,
                workshop_name=kept.workshop_name or e.workshop_name,
                accepted_on=kept.accepted_on or e.accepted_on,
            )
    return tuple(events.values())
