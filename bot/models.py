"""The records paperbot passes between its parts: plain, immutable values.

A ``Paper`` is a work (one arXiv id, DOI or title); a ``VenueEvent`` is one acceptance of
that paper at one venue (main track, a workshop, a journal). The unit of announcement
is the pair (paper, venue event): a workshop paper and its later main-track version are
two announcements, never merged, never announced twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from .venues import conference_name, venue_key

STATUSES = ("preprint", "submitted", "accepted", "published", "rejected", "withdrawn")
ANNOUNCEABLE = frozenset({"accepted", "published"})

TRACK_LABELS = {
    "main": "",
    "datasets": "Datasets and Benchmarks Track",
    "findings": "Findings",
    "journal": "",
    "demo": "Demo Track",
    "industry": "Industry Track",
    "short": "Short Papers",
    "companion": "Companion",
    "wip": "Work in Progress",
    "poster": "Posters",
    "doctoral": "Doctoral Consortium",
}


@dataclass(frozen=True)
class Author:
    name: str
    member_id: str | None = None  # roster id when the author is a group member
    former: bool = False  # a former member (marked as such in announcements)

    @property
    def is_member(self) -> bool:
        return self.member_id is not None


@dataclass(frozen=True)
class VenueEvent:
    series: str  # "NeurIPS"
    year: int
    track: str = "main"  # main | workshop | datasets | findings | journal | …
    workshop: str | None = None  # short name, e.g. "FITML"
    workshop_name: str | None = None  # long name, e.g. "Workshop on Fine-Tuning in Modern ML"
    presentation: str | None = None  # oral | spotlight | poster
    status: str = "accepted"
    accepted_on: date | None = None

    @cached_property
    def key(self) -> str:
        return venue_key(self.series, self.year, self.track, self.workshop)

    @cached_property
    def conference(self) -> str:
        """The heading the event is grouped under: "NeurIPS 2024" (workshops included)."""
        return conference_name(self.series, self.year)

    @cached_property
    def label(self) -> str:
        """How the event is named on its own: "FITML @ NeurIPS 2024", "NeurIPS 2024 (oral)",
        "Findings of EMNLP 2022", "CVPR 2020 Workshops" (a conference's workshops, none named)."""
        if self.track == "workshop":
            name = self.workshop or self.workshop_name
            base = f"{name} @ {self.conference}" if name else f"{self.conference} Workshops"
        elif self.track == "findings":
            base = f"Findings of {self.conference}"
        elif TRACK_LABELS.get(self.track):
            base = f"{self.conference} {TRACK_LABELS[self.track]}"
        else:
            base = self.conference
        return f"{base} ({self.presentation})" if self.presentation else base


@dataclass(frozen=True)
class Links:
    arxiv: str | None = None
    pdf: str | None = None
    code: tuple[str, ...] = ()
    project: str | None = None
    doi: str | None = None
    openreview: str | None = None
    url: str | None = None  # any other page about the paper

    @property
    def primary(self) -> str | None:
        """The one link a short post must always carry."""
        return self.arxiv or self.doi or self.openreview or self.url or self.project or self.pdf


@dataclass(frozen=True)
class Paper:
    title: str
    authors: tuple[Author, ...] = ()
    abstract: str = ""
    events: tuple[VenueEvent, ...] = ()
    arxiv_id: str | None = None  # versionless, e.g. "2405.01234"
    doi: str | None = None  # lowercased, without "https://doi.org/"
    openreview_id: str | None = None
    links: Links = field(default_factory=Links)
    published_on: date | None = None
    title_raw: str = ""
    abstract_raw: str = ""
    id: str | None = None  # the store's stable id, set once stored
    et_al: bool = False  # the source's author list ends in "and others": shown as "et al."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: shown to the user, never fatal to the others.

    ``error``: the record (or source) was not loaded; ``warning``: it was loaded without the
    named part (a dropped link, a second value of a duplicated field) or the user should look.
    """

    source: str
    record: str
    field: str
    message: str
    level: str = "error"  # error | warning

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.source, self.record, f"field '{self.field}'" if self.field else "") if p)
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "level": self.level,
            "source": self.source,
            "record": self.record,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class Announcement:
    """A (paper, venue event) pair as stored, with what the store knows about it."""

    paper: Paper
    event: VenueEvent
    first_seen_at: datetime
    accepted_seen_at: datetime | None
