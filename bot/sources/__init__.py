"""Where papers come from: the Source protocol, the registry, and the record schema.

A source returns ``Record``s (papers with author names not yet matched to the roster)
plus ``Problem``s for what it could not read. A bad record costs only that record; a
source that cannot be read at all says so (``ok=False``) and is never taken to mean
"no papers".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from .. import ids
from ..config import FileSourceConfig
from ..models import STATUSES, Author, Links, Paper, Problem, VenueEvent
from ..text import clean_text
from ..venues import PRESENTATIONS, TRACKS, parse_venue


@dataclass(frozen=True)
class Record:
    paper: Paper  # authors carry names only; the roster resolves them
    label: str  # how to find the record in its source: "#3 (line 17) 'Title…'"


@dataclass
class FetchResult:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True  # False: the source as a whole failed; its silence means nothing
    snapshot: bool = False  # True: the records are the source's complete current list


class Source(Protocol):
    name: str

    def fetch(self, since: datetime | None) -> FetchResult: ...


SourceFactory = Callable[[Any], Source]
REGISTRY: dict[str, SourceFactory] = {}


def build_source(config: Any) -> Source:
    """Instantiate the source a ``[[sources]]`` entry describes."""
    if not REGISTRY:
        from . import files

        REGISTRY["file"] = files.FileSource
    return REGISTRY[config.type](config)


__all__ = ["FileSourceConfig", "FetchResult", "Record", "Source", "build_source", "record_to_paper"]

KNOWN_FIELDS = (
    "title",
    "authors",
    "venue",
    "track",
    "workshop",
    "workshop_name",
    "presentation",
    "status",
    "year",
    "abstract",
    "arxiv",
    "doi",
    "openreview",
    "code",
    "url",
    "pdf",
    "project",
    "accepted_on",
    "published_on",
)


def record_to_paper(data: dict[str, Any], *, source: str, label: str) -> tuple[Paper | None, list[Problem]]:
    """Validate one record (YAML/CSV/BibTeX fields) and build its Paper.

    Every problem names the field; any error skips the record (so it is announced only
    once it is right), warnings keep it.
    """
    errors: list[Problem] = []

    def bad(field_name: str, message: str) -> None:
        errors.append(Problem(source, label, field_name, message))

    for key in data:
        if key not in KNOWN_FIELDS:
            close = difflib.get_close_matches(key, KNOWN_FIELDS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(KNOWN_FIELDS)}"
            bad(key, f"unknown field '{key}'; {hint}")

    title_raw = _text(data.get("title"))
    title = clean_text(title_raw).rstrip(".") if title_raw else ""
    if not title:
        bad("title", "missing title; every paper needs one")

    authors = _names(data.get("authors"))
    if not authors:
        bad("authors", "no authors; list them in order, e.g. [Jane Doe, John Roe]")

    status = (_text(data.get("status")) or "accepted").strip().lower()
    if status not in STATUSES:
        bad("status", f"unknown status {status!r}; use one of {', '.join(STATUSES)}")

    accepted_on = _date(data.get("accepted_on"), "accepted_on", bad)
    published_on = _date(data.get("published_on"), "published_on", bad)

    event = None
    venue_text = _text(data.get("venue"))
    if not venue_text and status == "preprint" and title:
        return None, []  # a preprint with no venue yet: nothing to announce, nothing wrong
    if not venue_text:
        bad("venue", "missing venue, e.g. 'NeurIPS 2024' or 'FITML @NeurIPS 2024'")
    else:
        try:
            parsed = parse_venue(venue_text)
        except ValueError as exc:
            bad("venue", str(exc))
        else:
            year = parsed.year or _int(data.get("year")) or (accepted_on.year if accepted_on else None)
            track = (_text(data.get("track")) or parsed.track).strip().lower()
            presentation = (_text(data.get("presentation")) or parsed.presentation or "").strip().lower() or None
            workshop = _text(data.get("workshop")) or parsed.workshop
            workshop_name = _text(data.get("workshop_name"))
            if parsed.status and not data.get("status"):
                status = parsed.status
            if year is None:
                bad("venue", f"no year in venue {venue_text!r}; write e.g. 'TMLR 2024' or set 'year'")
            if track not in TRACKS:
                bad("track", f"unknown track {track!r}; use one of {', '.join(TRACKS)}")
            if presentation and presentation not in PRESENTATIONS:
                bad(
                    "presentation",
                    f"unknown presentation {presentation!r}; use one of {', '.join(PRESENTATIONS)}",
                )
            if track == "workshop" and workshop and len(workshop) > 40 and not workshop_name:
                workshop_name, workshop = workshop, _acronym(workshop)
            if year is not None:
                event = VenueEvent(
                    parsed.series, year, track, workshop, workshop_name, presentation, status, accepted_on
                )

    arxiv = _id(data.get("arxiv"), "arxiv", ids.arxiv_id, bad)
    doi = _id(data.get("doi"), "doi", ids.doi, bad)
    if doi and not arxiv and ids.arxiv_from_doi(doi):
        arxiv = ids.arxiv_from_doi(doi)
    if doi and doi.startswith("10.48550/"):
        doi = None  # an arXiv DOI is the arXiv id, not a publisher DOI
    openreview = _id(data.get("openreview"), "openreview", ids.openreview_id, bad)
    code = tuple(c for c in (_id(v, "code", ids.url, bad) for v in _list(data.get("code"))) if c)
    url = _id(data.get("url"), "url", ids.url, bad)
    pdf = _id(data.get("pdf"), "pdf", ids.url, bad)
    project = _id(data.get("project"), "project", ids.url, bad)

    if errors or event is None:
        return None, errors
    abstract_raw = _text(data.get("abstract")) or ""
    links = Links(
        arxiv=ids.arxiv_abs_url(arxiv) if arxiv else None,
        pdf=pdf or (ids.arxiv_pdf_url(arxiv) if arxiv else None),
        code=code,
        project=project,
        doi=ids.doi_url(doi) if doi else None,
        openreview=ids.openreview_url(openreview) if openreview else None,
        url=url,
    )
    paper = Paper(
        title=title,
        authors=tuple(Author(clean_text(a)) for a in authors),
        abstract=clean_text(abstract_raw),
        events=(event,),
        arxiv_id=arxiv,
        doi=doi,
        openreview_id=openreview,
        links=links,
        published_on=published_on,
        title_raw=title_raw or "",
        abstract_raw=abstract_raw,
    )
    return paper, []


def _acronym(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isupper() and w.lower() not in {"workshop", "on"}]
    return "".join(w[0] for w in words)[:12] or name[:12]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return str(value).strip() or None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in str(value).replace(";", " ").split() if v]


def _names(value: Any) -> list[str]:
    """Author names from a list, or from "A and B" / "A; B" / "A, B" strings."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = " ".join(str(value).split())
    if re.search(r"\s+and\s+|;", text):
        return [p.strip() for p in re.split(r"\s+and\s+|;", text) if p.strip()]
    return [p.strip() for p in text.split(",") if p.strip()]


def _date(value: Any, name: str, bad: Callable[[str, str], None]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        bad(name, f"cannot read date {value!r}; write it as YYYY-MM-DD, e.g. 2024-09-26")
        return None


def _id(value: Any, name: str, parse: Callable[[str], str], bad: Callable[[str, str], None]) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        bad(name, str(exc))
        return None
