"""Venue strings as people write them, parsed into (series, year, track, workshop, presentation).

"FITML @NeurIPS 2024", "NeurIPS 2024 oral", "Findings of EMNLP 2024", "ICML'24",
"NeurIPS 2024 Datasets and Benchmarks Track" all name one venue *event*; the canonical
``venue_key`` ("neurips-2024", "neurips-2024-workshop-fitml", …) is what announcements
are keyed on, so a workshop paper and its later main-track version stay two announcements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import slugify

TRACKS = ("main", "workshop", "datasets", "findings", "journal", "demo", "industry", "short")
PRESENTATIONS = ("oral", "spotlight", "poster")

# Canonical spellings of common series; anything else is kept as the user wrote it.
_SERIES = {
    s.casefold(): s
    for s in (
        "NeurIPS",
        "AAAI",
        "ACL",
        "AISTATS",
        "CHI",
        "CoLLM",
        "COLM",
        "CoRL",
        "CVPR",
        "ECAI",
        "ECCV",
        "EMNLP",
        "ICASSP",
        "ICCV",
        "ICLR",
        "ICML",
        "IJCAI",
        "INTERSPEECH",
        "JMLR",
        "KDD",
        "LREC",
        "MICCAI",
        "NAACL",
        "RecSys",
        "SIGIR",
        "TMLR",
        "TPAMI",
        "UAI",
        "WACV",
        "WWW",
        "ECML-PKDD",
        "EACL",
        "COLING",
        "MLSys",
        "ICRA",
        "IROS",
        "RSS",
    )
}
_SERIES["nips"] = "NeurIPS"
_SERIES["ecml pkdd"] = "ECML-PKDD"
_JOURNALS = {"TMLR", "JMLR", "TPAMI"}

_YEAR = re.compile(r"(?:(?<![\w])(19\d\d|20\d\d)|\s?['’](\d\d))(?![\w])")
_PRESENTATION = re.compile(r"[\s(\-–,]*\b(oral|spotlight|poster)\b\)?", re.I)
_DATASETS = re.compile(r"\bdatasets?\s*(?:and|&)\s*benchmarks?(?:\s+track)?\b|\bD&B\b", re.I)
_FINDINGS = re.compile(r"\bfindings(?:\s+of(?:\s+the)?)?\b", re.I)
_SUBMITTED = re.compile(r"^\s*(?:submitted|under review)\s+(?:to|at)\s+", re.I)
_WORKSHOP_AT = re.compile(r"^\s*(?P<ws>[^@]+?)\s*@\s*(?P<rest>.+)$")
_WORKSHOP_WORD = re.compile(r"\bworkshop\b", re.I)
_TRAILING_NOISE = re.compile(r"[\s\-–,:;()]+$|^[\s\-–,:;()]+")


@dataclass(frozen=True)
class ParsedVenue:
    series: str
    year: int | None
    track: str = "main"
    workshop: str | None = None  # short name, e.g. "FITML"
    presentation: str | None = None
    status: str | None = None  # "submitted" when the string says so


# Long conference and journal names as BibTeX booktitle/journal fields spell them.
_LONG_NAMES = (
    ("neural information processing systems", "NeurIPS"),
    ("international conference on machine learning", "ICML"),
    ("international conference on learning representations", "ICLR"),
    ("computer vision and pattern recognition", "CVPR"),
    ("international conference on computer vision", "ICCV"),
    ("european conference on computer vision", "ECCV"),
    ("empirical methods in natural language processing", "EMNLP"),
    ("north american chapter of the association for computational linguistics", "NAACL"),
    ("european chapter of the association for computational linguistics", "EACL"),
    ("association for computational linguistics", "ACL"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("international joint conference on artificial intelligence", "IJCAI"),
    ("artificial intelligence and statistics", "AISTATS"),
    ("uncertainty in artificial intelligence", "UAI"),
    ("transactions on machine learning research", "TMLR"),
    ("journal of machine learning research", "JMLR"),
    ("medical image computing and computer assisted intervention", "MICCAI"),
    ("knowledge discovery and data mining", "KDD"),
    ("european conference on artificial intelligence", "ECAI"),
    ("conference on language modeling", "COLM"),
    ("conference on robot learning", "CoRL"),
)


def long_name_series(text: str) -> str | None:
    """The short series name inside a long venue name, e.g. "Advances in Neural … Systems" → NeurIPS."""
    lowered = " ".join(text.replace("-", " ").split()).casefold()
    return next((short for long, short in _LONG_NAMES if long in lowered), None)


def canonical_series(name: str) -> str:
    key = re.sub(r"\s+", " ", name.strip()).casefold()
    return _SERIES.get(key, name.strip())


def parse_venue(text: str) -> ParsedVenue:
    """Parse a venue string; raise ValueError with a hint when no series can be found."""
    s = " ".join(text.split())
    status = None
    if _SUBMITTED.search(s):
        status = "submitted"
        s = _SUBMITTED.sub("", s)
    workshop = None
    track = "main"
    m = _WORKSHOP_AT.match(s)
    if m:
        workshop, s = m.group("ws").strip(), m.group("rest")
        track = "workshop"
    presentation = None
    pm = _PRESENTATION.search(s)
    if pm:
        presentation = pm.group(1).lower()
        s = s[: pm.start()] + s[pm.end() :]
    if _DATASETS.search(s):
        track, s = "datasets", _DATASETS.sub(" ", s)
    if _FINDINGS.search(s):
        track, s = "findings", _FINDINGS.sub(" ", s)
    if track == "main" and _WORKSHOP_WORD.search(s):
        # "NeurIPS 2024 Workshop on X": the series comes first, the workshop is named after it.
        track = "workshop"
        before, after = _WORKSHOP_WORD.split(s, maxsplit=1)
        at = re.search(r"\s(?:at|@)\s+(?:the\s+)?(.+)$", after)
        if not _TRAILING_NOISE.sub("", before) and at:  # "Workshop on X at NeurIPS 2024"
            before, after = at.group(1), after[: at.start()]
        workshop = _TRAILING_NOISE.sub("", "Workshop" + after) if after.strip() else None
        s = before
    year = None
    ym = _YEAR.search(s)
    if ym:
        year = int(ym.group(1)) if ym.group(1) else 2000 + int(ym.group(2))
        s = s[: ym.start()] + " " + s[ym.end() :]
    series = _TRAILING_NOISE.sub("", " ".join(s.split()))
    series = series.removeprefix("the ").removeprefix("The ")
    if not series:
        raise ValueError(f"no conference or journal name in venue {text!r} (expected e.g. 'NeurIPS 2024')")
    series = canonical_series(series)
    if track == "main" and series in _JOURNALS:
        track = "journal"
    return ParsedVenue(series, year, track, workshop, presentation, status)


def venue_key(series: str, year: int, track: str, workshop: str | None) -> str:
    """The canonical key of a venue event, e.g. "neurips-2024-workshop-fitml"."""
    key = f"{slugify(series)}-{year}"
    if track == "workshop":
        return f"{key}-workshop-{slugify(workshop or 'unnamed', 40)}"
    if track != "main":
        return f"{key}-{track}"
    return key


def conference_name(series: str, year: int) -> str:
    """The heading under which an event is grouped: "NeurIPS 2024"."""
    return f"{series} {year}"
