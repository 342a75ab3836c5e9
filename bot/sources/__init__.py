"""Where papers come from: the Source protocol, the registry, and the record schema.

A source returns ``Record``s (papers with author names not yet matched to the roster)
plus ``Problem``s for what it could not read. A bad record costs only that record; a
source that cannot be read at all says so (``ok=False``) and is never taken to mean
"no papers".
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urljoin

from .. import ids
from ..config import FileSourceConfig
from ..models import STATUSES, Author, Links, Paper, Problem, VenueEvent
from ..names import split_listed_authors
from ..text import clean_text, is_shouting, title_case
from ..venues import PRESENTATIONS, TRACKS, parse_venue
from .status import PREPRINT_CONTAINER


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
    skipped: Counter[str] = field(default_factory=Counter)  # entries that are no accepted paper, by reason


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


STATUS_HELP = (
    "use one of accepted, published, submitted, preprint, rejected, withdrawn "
    "(a paper is announced only when accepted or published)"
)
_TEXT_FIELDS = ("title", "venue", "track", "workshop", "workshop_name", "presentation", "status", "abstract")


def record_to_paper(
    data: dict[str, Any], *, source: str, label: str, base_url: str | None = None
) -> tuple[Paper | None, list[Problem]]:
    """Validate one YAML/CSV record and build its Paper.

    Every problem names the field. An error (missing title, a wrong type, an unreadable date)
    skips the record, so it is announced only once it is right; a warning (an unusable link)
    keeps it. A record that is plainly not an accepted paper (a preprint server as venue)
    gives ``(None, [])``.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def bad(field_name: str, message: str) -> None:
        errors.append(Problem(source, label, field_name, message))

    def warn(field_name: str, message: str) -> None:
        warnings.append(Problem(source, label, field_name, message, level="warning"))

    for key in data:
        if key not in KNOWN_FIELDS:
            close = difflib.get_close_matches(key, KNOWN_FIELDS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(KNOWN_FIELDS)}"
            bad(key, f"unknown field '{key}'; {hint}")
    _check_types(data, bad)
    if errors:
        return None, errors

    title_raw = _text(data.get("title"))
    title = clean_title(title_raw or "", _text(data.get("abstract")) or "")
    if not title:
        bad("title", "missing title; every paper needs one")

    authors, et_al = split_listed_authors(_names(data.get("authors")))
    if not authors:
        bad("authors", "no authors; list them in order, e.g. [Jane Doe, John Roe]")

    status = (_text(data.get("status")) or "accepted").strip().lower()
    if status not in STATUSES:
        warn("status", f"unknown status {status!r}; {STATUS_HELP}. The paper is not announced until it is fixed.")
        return None, errors + warnings

    accepted_on = _date(data.get("accepted_on"), "accepted_on", bad)
    published_on = _date(data.get("published_on"), "published_on", bad)

    event = None
    venue_text = _text(data.get("venue"))
    if not venue_text and status in ("preprint", "submitted") and title:
        return None, []  # not at a venue yet: nothing to announce, nothing wrong
    if not venue_text:
        bad("venue", "missing venue, e.g. 'NeurIPS 2024' or 'FITML @NeurIPS 2024'")
    else:
        try:
            parsed = parse_venue(venue_text)
        except ValueError as exc:
            bad("venue", str(exc))
        else:
            if getattr(parsed, "kind", None) in ("preprint", "patent") or PREPRINT_CONTAINER.search(venue_text):
                return None, []  # an arXiv/bioRxiv "venue" is no acceptance
            year = parsed.year or _int(data.get("year")) or (accepted_on.year if accepted_on else None)
            track = (_text(data.get("track")) or parsed.track).strip().lower()
            presentation = (_text(data.get("presentation")) or parsed.presentation or "").strip().lower() or None
            workshop = _text(data.get("workshop")) or parsed.workshop
            workshop_name = _text(data.get("workshop_name")) or getattr(parsed, "workshop_name", None)
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

    links, id_fields = read_links(data, warn, base_url=base_url)
    if errors or event is None:
        return None, errors + warnings
    abstract_raw = _text(data.get("abstract")) or ""
    paper = Paper(
        title=title,
        authors=tuple(Author(a) for a in authors),
        abstract=clean_text(abstract_raw),
        events=(event,),
        links=links,
        published_on=published_on,
        title_raw=title_raw or "",
        abstract_raw=abstract_raw,
        et_al=et_al,
        **id_fields,
    )
    return paper, warnings


def clean_title(raw: str, abstract: str = "") -> str:
    """A title as clean Unicode; an all-caps title in title case, keeping its acronyms."""
    title = clean_text(raw).rstrip(".")
    if is_shouting(title):
        protected = tuple(re.findall(r"\{([^{}]+)\}", raw))
        title = title_case(title, keep=protected, context=clean_text(abstract))
    return title


def _check_types(data: dict[str, Any], bad: Callable[[str, str], None]) -> None:
    """Wrong types are errors naming the field: a mapping as abstract, numeric authors, an integer date."""
    for key, value in data.items():
        if isinstance(value, str) and "\x00" in value:
            bad(key, "contains a NUL byte (binary data?); remove it")
        if isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value):
            bad(key, "contains a NUL byte (binary data?); remove it")
    for key in _TEXT_FIELDS:
        value = data.get(key)
        if key in data and (isinstance(value, dict | list | bool) or (value is None and key == "title")):
            bad(key, f"expected text, got {_kind(value)}; write it as a plain string")
    if "authors" in data:
        value = data["authors"]
        if value is None:
            bad("authors", "is empty; list the authors in order, e.g. [Jane Doe, John Roe]")
        elif not isinstance(value, str | list):
            bad("authors", f"expected a list of names, got {_kind(value)}; e.g. [Jane Doe, John Roe]")
        elif isinstance(value, list) and not all(isinstance(v, str) and v.strip() for v in value):
            bad("authors", "every author must be a name (text); found an empty, numeric or nested entry")
    for key in ("accepted_on", "published_on"):
        value = data.get(key)
        if value is not None and not isinstance(value, str | date):
            bad(key, f"expected a date written as YYYY-MM-DD, got {_kind(value)} {value!r}; e.g. 2024-09-25")
    year = data.get("year")
    if (
        year is not None
        and not (isinstance(year, int) and not isinstance(year, bool))
        and not (isinstance(year, str) and year.strip().isdigit())
    ):
        bad("year", f"expected a year such as 2024, got {_kind(year)} {year!r}")
    for key in LINK_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        items = value if key == "code" and isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            bad(key, f"expected a link (text), got {_kind(value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


LINK_FIELDS = ("arxiv", "doi", "openreview", "code", "url", "pdf", "project")
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)


def read_links(
    data: dict[str, Any],
    warn: Callable[[str, str], None],
    *,
    base_url: str | None = None,
    names: dict[str, str] | None = None,
) -> tuple[Links, dict[str, Any]]:
    """Links and identifiers from a record; an unusable one is dropped with a warning, never the paper.

    ``names`` maps a link kind to the field it came from (BibTeX ``html`` → url), for the warning.
    """
    names = names or {}

    def one(field_name: str, value: Any, parse: Callable[[str], str]) -> str | None:
        text = _unlatex_link(_text(value))
        if not text:
            return None
        shown = names.get(field_name, field_name)
        if _HTML_TAG.search(text):
            href = _HREF.search(text)
            hint = f" (write just the address, e.g. {href.group(1).strip()!r})" if href else ""
            warn(shown, f"contains HTML, not a link{hint}; the link is left out, the paper is kept")
            return None
        try:
            return parse(text)
        except ValueError as exc:
            if (
                field_name == "pdf"
                and base_url
                and "://" not in text
                and not text.startswith(("mailto:", "javascript:"))
            ):
                return ids.url(urljoin(base_url.rstrip("/") + "/", text.lstrip("./")))
            hint = ""
            if field_name in ("pdf", "url", "project") and "://" not in text:
                hint = " (a relative file name? set base_url in this source's [[sources]] table to resolve it)"
            warn(shown, f"{exc}{hint}; the link is left out, the paper is kept")
            return None

    arxiv = one("arxiv", data.get("arxiv"), _arxiv_value)
    doi_value = _text(data.get("doi"))
    url_value = _text(data.get("url"))
    if url_value and re.match(r"\s*doi:", url_value, re.I) and not doi_value and not _HTML_TAG.search(url_value):
        doi_value, url_value = url_value, None  # url = {doi:10.…}
    doi = one("doi", doi_value, _doi_value)
    if url_value and not doi and re.search(r"(?:^|//)(?:dx\.)?doi\.org/", url_value, re.I):
        doi = one("url", url_value, _doi_value)
        url_value = None
    if doi and not arxiv and ids.arxiv_from_doi(doi):
        arxiv = ids.arxiv_from_doi(doi)
    if doi and doi.startswith("10.48550/"):
        doi = None  # an arXiv DOI is the arXiv id, not a publisher DOI
    openreview = one("openreview", data.get("openreview"), ids.openreview_id)
    code = tuple(c for c in (one("code", v, ids.url) for v in _list(data.get("code"))) if c)
    url = one("url", url_value, ids.url)
    if url and _same_page(url, doi, arxiv):
        url = None  # the DOI or arXiv page again: shown once
    pdf = one("pdf", data.get("pdf"), ids.url)
    project = one("project", data.get("project"), ids.url)
    links = Links(
        arxiv=ids.arxiv_abs_url(arxiv) if arxiv else None,
        pdf=pdf or (ids.arxiv_pdf_url(arxiv) if arxiv else None),
        code=code,
        project=project,
        doi=ids.doi_url(doi) if doi else None,
        openreview=ids.openreview_url(openreview) if openreview else None,
        url=url,
    )
    return links, {"arxiv_id": arxiv, "doi": doi, "openreview_id": openreview}


_LINK_ESCAPES = re.compile(r"\\([_%&#~$])")


def _same_page(url: str, doi: str | None, arxiv: str | None) -> bool:
    low = url.lower()
    return bool(doi and doi in low) or bool(arxiv and re.search(rf"arxiv\.org/(?:abs|pdf)/{re.escape(arxiv)}", low))


def _unlatex_link(text: str | None) -> str | None:
    """ "{https://x.org/a\\_b}", "\\url{…}": the address as written in BibTeX, without its LaTeX."""
    if not text:
        return text
    text = text.strip()
    m = re.fullmatch(r"\\(?:url|href)\s*\{([^{}]*)\}(?:\{[^{}]*\})?", text)
    if m:
        text = m.group(1)
    while text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    return _LINK_ESCAPES.sub(r"\1", text.replace("\\textasciitilde{}", "~").replace("{\\textasciitilde}", "~"))


def _arxiv_value(text: str) -> str:
    if re.match(r"https?://", text, re.I) and not re.match(r"https?://(?:www\.|export\.)?arxiv\.org/", text, re.I):
        raise ValueError(f"not an arXiv link: {text!r} (expected e.g. 2405.01234 or https://arxiv.org/abs/2405.01234)")
    return ids.arxiv_id(text)


def _doi_value(text: str) -> str:
    if re.fullmatch(r"(?:ISBN[:\s]*)?[\d\- ]{9,17}[\dXx]", text.strip(), re.I):
        raise ValueError(f"{text!r} is an ISBN, not a DOI")
    return ids.doi(text)


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
