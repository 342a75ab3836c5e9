"""Venues as people write them, recognised through a venue table shipped as data.

Two entry points:

- ``parse_venue`` reads the short venue strings people write in YAML/CSV lists: "NeurIPS 2024",
  "FITML @ NeurIPS 2024", "NeurIPS 2024 oral", "Findings of EMNLP 2024", "ICML'24",
  "NeurIPS 2024 Datasets and Benchmarks Track", "Submitted to ICLR 2025".
- ``identify_container`` reads BibTeX ``booktitle``/``journal`` fields (and al-folio's ``abbr``):
  "Proceedings of the 29th International Conference on Computational Linguistics" → COLING,
  "Findings of the Association for Computational Linguistics: EMNLP 2022" → Findings of EMNLP,
  "arXiv preprint arXiv:2102.12037" → a preprint (``kind="preprint"``), "US Patent …" → a patent.

Both return a ``ParsedVenue``; the series is the table's short name when the venue is known,
else the cleaned name as written ("Proceedings of the", ordinals, years and a place in
parentheses removed). The venue table (``venues.toml`` in this package, extendable under
``[venues]`` in the config) is the only source of hashtags: nothing is ever derived from text.

The canonical ``venue_key`` ("neurips-2024", "neurips-2024-workshop-fitml", …) is what
announcements are keyed on, so a workshop paper and its later main-track version stay two
announcements.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from .text import slugify

TRACKS = (
    "main",
    "workshop",
    "datasets",
    "findings",
    "journal",
    "demo",
    "industry",
    "short",
    "companion",
    "wip",
    "poster",
    "doctoral",
)
PRESENTATIONS = ("oral", "spotlight", "poster")
KINDS = ("conference", "journal", "workshop")  # kinds of table entries
RESULT_KINDS = (*KINDS, "preprint", "patent")  # kinds a parsed venue may have
MAX_VENUE_CHARS = 600  # the longest real booktitles (ECCV's, with place and dates) have ~200
HASHTAG_PATTERN = re.compile(r"^#[A-Za-z][A-Za-z0-9_]*(\{year\})?$")
_ENTRY_KEYS = {"short", "kind", "area", "names", "aliases", "hashtag", "hashtags", "conference", "workshops_of"}


class VenueTableError(ValueError):
    """The venue table (or a config entry extending it) is invalid; the message names the entry."""


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedVenue:
    series: str  # the table's short name ("NeurIPS"), else the cleaned name as written
    year: int | None
    track: str = "main"
    workshop: str | None = None  # short name, e.g. "FITML" (or the workshop's name when it has none)
    presentation: str | None = None
    status: str | None = None  # "submitted" when the string says so
    workshop_name: str | None = None  # long name when ``workshop`` is an acronym
    recognised: bool = False  # the series is in the venue table
    kind: str | None = None  # conference | journal | workshop | preprint | patent | None (unknown)

    @property
    def announceable(self) -> bool:
        """False for preprint servers and patents: such a record is no accepted paper."""
        return self.kind not in ("preprint", "patent")


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Venue:
    """One entry of the venue table."""

    short: str
    kind: str
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()  # patterns, "{year}" replaced by the event's year
    area: str | None = None
    conference: str | None = None  # a named workshop always held at this conference ("RepL4NLP" → ACL)
    workshops_of: str | None = None  # this entry is a conference's workshop proceedings ("CVPRW" → CVPR)


_TOKEN = re.compile(r"[^\W_]+|&")
_ORG_PREFIX = frozenset({"ieee", "acm", "cvf", "rsj", "the", "aaai", "siam", "isca", "usenix", "sigkdd", "sigsac"})
_JOURNALISH = frozenset({"journal", "transactions", "letters", "magazine"})


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` case-folded, "&" read as "and", with their character spans."""
    return [(m.group(0).casefold() if m.group(0) != "&" else "and", m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _key(text: str) -> str:
    """The whole-string lookup key: folded words, punctuation ignored, a leading "the" dropped."""
    words = [t for t, _, _ in _tokens(text)]
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def _acronymish(word: str) -> bool:
    """ "NeurIPS", "ACL-IJCNLP", "S&P", "3DV": a name that cannot be an ordinary word."""
    return sum(c.isupper() for c in word) >= 2 or any(c.isdigit() or c in "&*" for c in word)


class VenueTable:
    """Short names, long names, aliases and hashtags of known venues; immutable once built."""

    def __init__(self, venues: Iterable[Venue]) -> None:
        self.venues: tuple[Venue, ...] = tuple(venues)
        self._short: dict[str, Venue] = {}
        self._exact: dict[str, Venue] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], Venue]]] = {}
        token_ci: dict[str, Venue] = {}
        token_cs: dict[str, Venue] = {}
        seen: dict[str, int] = {}
        for i, v in enumerate(self.venues):
            folded = v.short.casefold()
            if folded in seen:
                raise VenueTableError(f"venue table: entry {i + 1} (short = {v.short!r}) repeats entry {seen[folded]}")
            seen[folded] = i + 1
            self._short[folded] = v
        # whole-string keys: names, then aliases, then short names (a later kind of key wins)
        for attr in ("names", "aliases"):
            for v in self.venues:
                for n in getattr(v, attr):
                    if _key(n):
                        self._exact[_key(n)] = v
        for v in self.venues:
            if _key(v.short):
                self._exact[_key(v.short)] = v
        for v in self.venues:
            for n in v.names:
                words = tuple(t for t, _, _ in _tokens(n))
                if v.kind == "journal" and len(words) < 4 or len(words) < 3:
                    continue  # short names match only as the whole string ("Nature", "Machine Learning")
                self._phrases.setdefault(words[0], []).append((words, v))
            if v.kind == "journal":
                continue  # journal abbreviations match only as the whole string
            for k in (v.short, *v.aliases):
                if not _acronymish(k) or len(k) <= 2:
                    continue
                if len(k) <= 4:
                    token_cs.setdefault(k, v)
                    if len(k) == 4 and k.upper() != k:
                        token_cs.setdefault(k.upper(), v)
                else:
                    token_ci.setdefault(k.casefold(), v)
        self._token_ci = token_ci
        self._token_cs = token_cs
        self._rx_ci = _alternation(token_ci, re.I)
        self._rx_cs = _alternation(token_cs, 0)
        for v in self.venues:
            for ref in (v.conference, v.workshops_of):
                if ref and ref.casefold() not in self._short:
                    raise VenueTableError(f"venue table: entry {v.short!r}: unknown conference {ref!r}")

    # -- building --------------------------------------------------------------------------

    @classmethod
    def default(cls) -> VenueTable:
        """The built-in table (``bot/venues.toml``), read and validated once."""
        return _builtin_table()

    @classmethod
    def from_toml(cls, text: str, *, source: str = "venues.toml") -> VenueTable:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise VenueTableError(f"{source}: not valid TOML: {exc}") from None
        unknown = set(data) - {"venue"}
        if unknown:
            raise VenueTableError(f"{source}: unknown top-level key {sorted(unknown)[0]!r}; expected [[venue]] entries")
        entries = data.get("venue", [])
        if not isinstance(entries, list):
            raise VenueTableError(f"{source}: 'venue' must be an array of tables ([[venue]])")
        return cls(_venue_from_mapping(e, where=f"{source}: entry {i}") for i, e in enumerate(entries, start=1))

    def extend(self, entries: Mapping[str, Mapping[str, Any]], *, source: str = "config") -> VenueTable:
        """A new table with series-level entries added or merged (config ``[venues.MLHC]``).

        An entry whose key is a known short name or alias extends that venue: its ``names``
        and ``aliases`` are added, its ``kind``, ``hashtags`` and ``conference`` replace the
        table's. Any other key adds a venue with that short name (``kind`` required).
        """
        venues = list(self.venues)
        index = {v.short.casefold(): i for i, v in enumerate(venues)}
        for key, raw in entries.items():
            where = f"[venues.{key!r}]" if source == "config" else f"{source}: {key}"
            base = self.get(key)
            if base is not None and base.short.casefold() in index:
                i = index[base.short.casefold()]
                merged = dict(raw)
                merged["short"] = base.short
                merged.setdefault("kind", base.kind)
                merged["names"] = [*base.names, *(raw.get("names") or [])]
                merged["aliases"] = [*base.aliases, *(raw.get("aliases") or [])]
                if raw.get("hashtags") is None:
                    merged["hashtags"] = list(base.hashtags)
                if raw.get("conference") is None and base.conference:
                    merged["conference"] = base.conference
                if base.workshops_of:
                    merged.setdefault("workshops_of", base.workshops_of)
                merged.setdefault("area", base.area)
                venues[i] = _venue_from_mapping(_drop_none(merged), where=where)
            else:
                entry = {"short": key, **_drop_none(dict(raw))}
                if "kind" not in entry:
                    raise VenueTableError(
                        f'{where}: {key!r} is not in the venue table; add kind = "conference", "journal"'
                        ' or "workshop" (or end the key with a year to configure one event, e.g. "'
                        f'{key} 2025")'
                    )
                venues.append(_venue_from_mapping(entry, where=where))
                index[key.casefold()] = len(venues) - 1
        try:
            return VenueTable(venues)
        except VenueTableError as exc:
            raise VenueTableError(f"{source}: {exc}") from None

    # -- lookups ---------------------------------------------------------------------------

    def get(self, name: str) -> Venue | None:
        """The venue a whole string names (short name, alias or long name; case-insensitive)."""
        folded = " ".join(name.split()).casefold()
        return self._short.get(folded) or self._exact.get(_key(name)) if name.strip() else None

    def canonical(self, name: str) -> str:
        """The table's spelling of a known venue ("neurips" → "NeurIPS"), else ``name`` tidied."""
        tidy = " ".join(name.split())
        v = self.get(tidy)
        return v.short if v else tidy

    def hashtags(self, series: str, year: int) -> tuple[str, ...]:
        v = self.get(series)
        return tuple(h.replace("{year}", str(year)) for h in v.hashtags) if v else ()

    def __len__(self) -> int:
        return len(self.venues)

    def __iter__(self) -> Iterator[Venue]:
        return iter(self.venues)

    # -- matching inside longer strings ----------------------------------------------------

    def _phrase_matches(self, toks: list[tuple[str, int, int]], text: str) -> Iterator[tuple[int, int, Venue]]:
        words = [t for t, _, _ in toks]
        shouting = is_shouting(text)
        start0 = 0
        while start0 < len(words) - 1 and words[start0] in _ORG_PREFIX:
            start0 += 1
        for i, w in enumerate(words):
            for phrase, v in self._phrases.get(w, ()):
                n = len(phrase)
                if tuple(words[i : i + n]) != phrase:
                    continue
                if v.kind == "journal" and i > start0:
                    continue  # journals: only at the start ("European Journal of X" is not "Journal of X")
                if (
                    v.kind != "journal"
                    and any(t in _JOURNALISH for j, t in enumerate(words) if j < i or j >= i + n)
                    and not any(t in _JOURNALISH for t in phrase)
                ):
                    continue  # "International Journal of Artificial Intelligence in Education" is no conference
                if i + n < len(toks) and _continues(text, toks[i + n - 1][2], toks[i + n], shouting):
                    continue  # "International Conference on Pattern Recognition Applications and Methods"
                yield i, i + n, v

    def _token_matches(self, text: str) -> Iterator[tuple[int, int, Venue]]:
        """(start, end, venue) character spans of acronyms ("NeurIPS", "ACL-IJCNLP") in ``text``."""
        shouting = is_shouting(text)
        if self._rx_ci is not None:
            for m in self._rx_ci.finditer(text):
                yield m.start(), m.end(), self._token_ci[" ".join(m.group(0).split()).casefold()]
        if self._rx_cs is not None and not shouting:
            for m in self._rx_cs.finditer(text):
                yield m.start(), m.end(), self._token_cs[" ".join(m.group(0).split())]


_CONNECTING = frozenset({"and", "for", "of", "in", "on", "with", "to"})
_SECOND_VENUE = frozenset({"the", "proceedings", "acm", "ieee", "international", "annual", "its"})
_FOLLOWERS = frozenset(
    {
        "workshop",
        "workshops",
        "proceedings",
        "conference",
        "companion",
        "volume",
        "vol",
        "part",
        "main",
        "track",
        "papers",
        "findings",
        "short",
        "long",
        "student",
        "system",
        "demonstrations",
        "tutorial",
        "industry",
        "extended",
        "abstracts",
        "adjunct",
        "satellite",
        "joint",
        "jointly",
        "co",
        "colocated",
        "held",
        "at",
        "the",
    }
)


def _continues(text: str, end: int, nxt: tuple[str, int, int], shouting: bool) -> bool:
    """True when the word after a matched name continues that name (no punctuation in between)."""
    word, start, stop = nxt
    if text[end:start].strip():
        return False  # ",", ":", "-", "(": the name ended
    if word.casefold() in _FOLLOWERS or word.isdigit():
        return False
    if word in _CONNECTING:
        # "… Computing and Proceedings of …", "… Computing & the ACM …": a second venue, not a longer name
        after = re.match(r"\s*&?\s*(\w+)", text[stop:])
        return not (after and after.group(1).casefold() in _SECOND_VENUE)
    original = text[start:stop]
    if shouting:
        return True
    return original[:1].isupper() and not _acronymish(original)


def _alternation(keys: Mapping[str, Venue], flags: int) -> re.Pattern[str] | None:
    if not keys:
        return None
    parts = [r"\s+".join(re.escape(w) for w in k.split()) for k in sorted(keys, key=len, reverse=True)]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + r")(?![^\W_])", flags)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _venue_from_mapping(e: Any, *, where: str) -> Venue:
    if not isinstance(e, Mapping):
        raise VenueTableError(f"{where}: expected a table of short, kind, names, …")
    short = e.get("short")
    label = f"{where} (short = {short!r})" if isinstance(short, str) else where
    unknown = sorted(set(e) - _ENTRY_KEYS)
    if unknown:
        raise VenueTableError(f"{label}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(_ENTRY_KEYS))}")
    if not isinstance(short, str) or not short.strip() or short != short.strip():
        raise VenueTableError(f"{label}: 'short' must be a non-empty name without surrounding spaces")
    kind = e.get("kind")
    if kind not in KINDS:
        raise VenueTableError(f"{label}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")

    def strings(k: str) -> tuple[str, ...]:
        value = e.get(k, [])
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            raise VenueTableError(f"{label}: {k!r} must be a list of non-empty strings")
        return tuple(" ".join(x.split()) for x in value)

    names, aliases = strings("names"), strings("aliases")
    if "hashtag" in e and "hashtags" in e:
        raise VenueTableError(f"{label}: give either 'hashtag' or 'hashtags', not both")
    tags: Any = e.get("hashtags", [e["hashtag"]] if "hashtag" in e else [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list):
        raise VenueTableError(f"{label}: 'hashtags' must be a list of strings")
    for h in tags:
        if not isinstance(h, str) or not HASHTAG_PATTERN.match(h):
            raise VenueTableError(
                f"{label}: bad hashtag {h!r}; write '#' and letters, digits or '_', optionally ending in"
                " {year}, e.g. '#NeurIPS{year}'"
            )
    refs = {}
    for k in ("area", "conference", "workshops_of"):
        value = e.get(k)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise VenueTableError(f"{label}: {k!r} must be a non-empty string")
        refs[k] = value
    if refs["workshops_of"] and kind != "workshop":
        raise VenueTableError(f"{label}: 'workshops_of' is only for kind = \"workshop\"")
    return Venue(short, kind, names, aliases, tuple(tags), refs["area"], refs["conference"], refs["workshops_of"])


@lru_cache(maxsize=1)
def _builtin_table() -> VenueTable:
    text = resources.files(__package__).joinpath("venues.toml").read_text(encoding="utf-8")
    return VenueTable.from_toml(text, source="bot/venues.toml")


_default: VenueTable | None = None


def set_default_table(table: VenueTable | None) -> None:
    """The table used when a function is called with ``table=None`` (None: the built-in one).

    ``App`` sets the table built from the config, so sources and composing need not pass it.
    """
    global _default
    _default = table


def get_default_table() -> VenueTable:
    return _default if _default is not None else _builtin_table()


def _table(table: VenueTable | None) -> VenueTable:
    return table if table is not None else get_default_table()


_EVENT_KEY = re.compile(r"\s(?:19|20)\d\d$")


def is_event_key(key: str) -> bool:
    """A ``[venues."NeurIPS 2024"]`` key (ends with a year) rather than a series ``[venues.MLHC]``."""
    return bool(_EVENT_KEY.search(key.strip()))


def table_from_config(venues: Mapping[str, Any], base: VenueTable | None = None) -> VenueTable:
    """The built-in table (or ``base``) extended by the config's series-level ``[venues.X]`` entries."""
    entries = {}
    for key, cfg in venues.items():
        if is_event_key(key):
            continue
        raw = cfg.model_dump(exclude_unset=True) if hasattr(cfg, "model_dump") else dict(cfg)
        entries[key] = {k: v for k, v in raw.items() if k in _ENTRY_KEYS}
    base = base if base is not None else VenueTable.default()
    return base.extend(entries) if entries else base


def hashtags_for(series: str, year: int, table: VenueTable | None = None) -> tuple[str, ...]:
    """The venue's hashtags for ``year`` from the table (and config): () when it has none."""
    return _table(table).hashtags(series, year)


def canonical_series(name: str, table: VenueTable | None = None) -> str:
    """The table's spelling of a known series; an unknown one as written (spaces tidied)."""
    return _table(table).canonical(name)


# --- text clean-up --------------------------------------------------------------------------

_YEAR = re.compile(r"(?:(?<![\w])(19\d\d|20\d\d)|\s?['’](\d\d))(?![\w])")
_PRESENTATION = re.compile(r"[\s(\-–,]*\b(oral|spotlight|poster)\b\)?", re.I)
_DATASETS = re.compile(
    r"\b(?:track\s+on\s+)?datasets?\s*(?:and|&)\s*benchmarks?(?:\s+track)?\b|\bD&B\b(?:\s+track)?", re.I
)
_FINDINGS = re.compile(r"\bfindings(?:\s+of(?:\s+the)?)?\b", re.I)
_SUBMITTED = re.compile(r"^\s*(?:submitted|under review)\s+(?:to|at)\s+", re.I)
_WORKSHOP_WORD = re.compile(r"\bworkshops?\b", re.I)
_TRAILING_NOISE = re.compile(r"[\s\-–—,:;()/]+$|^[\s\-–—,:;()/.]+")
_UNITS = "first second third fourth fifth sixth seventh eighth ninth"
_TEENS = "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
_TENS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth hundredth"
_ORDINAL = re.compile(
    r"\b(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s\-–]*(?:"
    + "|".join(_UNITS.split())
    + r")|"
    + "|".join((_UNITS + " " + _TEENS + " " + _TENS).split())
    + r"|\d+\s?(?:st|nd|rd|th)|\d+(?:ª|º|\.)(?=\s+(?:international|annual|conference|workshop|symposium)))\b",
    re.I,
)
_PREFIX = re.compile(
    r"^(?:in\s*:\s*|in\s+(?=proc|the\b|[A-Z0-9])|proceedings\s+of\s+(?:the\s+)?|proceedings\s*[:\-–]\s*"
    r"|proceedings\s+(?=\S)|\d{1,3}\.\s+(?=\S)"
    r"|proc\.?\s+of\s+(?:the\s+)?|proc\.\s*|the\s+(?=\S+\s))",
    re.I,
)
# Proceedings series, publishers and repositories: never a venue of their own.
_SERIES_NOISE = re.compile(
    r"\b(?:journal\s+of\s+machine\s+learning\s+research\s*[:\-–]?\s*(?:workshop\s+and\s+conference\s+proceedings"
    r"|w\s*&\s*cp|proceedings\s+track)|jmlr\s*[:\-–]?\s*(?:workshop\s+and\s+conference\s+proceedings|w\s*&\s*cp)"
    r"|proceedings\s+of\s+machine\s+learning\s+research|pmlr|lecture\s+notes\s+in\s+(?:computer\s+science"
    r"|artificial\s+intelligence|networks\s+and\s+systems|bioinformatics|electrical\s+engineering)"
    r"|lncs|lnai|lnbi|ceur[\s\-]*(?:workshop\s+proceedings|ws(?:\.org)?)|ceur|procedia\s+computer\s+science"
    r"|communications\s+in\s+computer\s+and\s+information\s+science|ccis"
    r"|advances\s+in\s+intelligent\s+systems\s+and\s+computing|studies\s+in\s+computational\s+intelligence"
    r"|ifip\s+advances\s+in\s+information\s+and\s+communication\s+technology"
    r"|frontiers\s+in\s+artificial\s+intelligence\s+and\s+applications"
    r"|acm\s+international\s+conference\s+proceedings?\s+series|icps|leibniz\s+international\s+proceedings"
    r"\s+in\s+informatics|lipics|openreview\.net|springer(?:\s+nature)?|elsevier)\b",
    re.I,
)
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_PAREN = re.compile(r"\(([^()]*)\)")
_VOLUME = re.compile(r"^(?:vol(?:ume)?\.?\s*\d+\s*[:.,\-–]?\s*)?(?P<what>.*)$", re.I)
_MONTH = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?\s*\d",
    re.I,
)
_TAIL = re.compile(r",\s*(?:proceedings\b|part\s+[ivxlcd\d]+\b|vol(?:ume)?\.?\s*\d).*$", re.I)
_EMPTY_WORDS = frozenset(
    "proceedings proc of the in conference workshop workshops journal symposium annual international vol volume"
    " part and papers".split()
)
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?])")
_ACRONYM = re.compile(r"^[A-Za-z0-9][\w&*+.\-]{1,24}$")

_PREPRINT = re.compile(
    r"\b(?:arxiv|biorxiv|medrxiv|chemrxiv|techrxiv|psyarxiv|engrxiv|socarxiv|edarxiv|eartharxiv|ssrn"
    r"|research\s*square|osf\s+preprints|preprints\.org|e-?prints?|preprints?)\b|\bCoRR\b|^\s*corr\b",
    re.I,
)
_PATENT = re.compile(r"\bpatent(?:s|\s+app(?:lication)?s?\.?)?\b", re.I)
_NOT_A_VENUE = frozenset(
    "talk invited talk keynote poster oral spotlight thesis phd thesis dissertation master thesis book chapter "
    "book misc report tech report technical report journal conference workshop proceedings demo "
    "under review submitted in press accepted to appear forthcoming preprint patent article paper none n/a".split(" ")
) | {"phd thesis", "master thesis", "tech report", "technical report", "under review", "in press", "to appear"}


@dataclass
class _Prepared:
    raw: str  # whitespace tidied, "~" as space, years/brackets/parentheses removed
    text: str  # additionally "Proceedings of the", ordinals and a trailing "In" removed
    year: int | None = None
    paren_hits: list[Venue] = field(default_factory=list)
    paren_acronyms: list[str] = field(default_factory=list)
    track: str | None = None  # "demo" / "industry" from "(Volume 3: System Demonstrations)"
    volume_workshop: str | None = None  # "Student Research Workshop" from a volume note
    host: str | None = None  # "FITML @ NeurIPS" or "co-located with ACL" from a parenthesis


def _tidy(text: str) -> str:
    text = _SPACE_PUNCT.sub(r"\1", " ".join(text.split()))
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING_NOISE.sub("", text).strip()
    return text


def _find_year(text: str) -> tuple[int | None, str]:
    ym = _YEAR.search(text)
    year = None
    if ym:
        year = int(ym.group(1)) if ym.group(1) else 2000 + int(ym.group(2))
    return year, _YEAR.sub(" ", text)


def _prepare(text: str, table: VenueTable) -> _Prepared:
    s = " ".join(text.replace("~", " ").replace("\u00a0", " ").split())
    s = _BRACKETS.sub(" ", s)
    prep = _Prepared(raw="", text="")
    paren_years: list[int] = []

    def paren(m: re.Match[str]) -> str:
        year, inner = _find_year(m.group(1))
        inner = _tidy(inner)
        if not inner:
            return " "
        if "@" in inner or _HOST_PREFIX.match(inner):  # "(FITML @ NeurIPS 2024)", "(co-located with ACL)"
            prep.host = inner
            paren_years.extend([year] if year else [])
            return " "
        what = _tidy(_VOLUME.match(inner).group("what"))  # type: ignore[union-attr]
        low = what.casefold()
        if re.fullmatch(r"(?:long|short|main)(?:\s+papers?)?|papers?|tutorial abstracts?|abstracts?", low):
            return " "
        if re.fullmatch(r"(?:system\s+)?demo(?:nstration)?s?(?:\s+track)?", low):
            prep.track = "demo"
            return " "
        if re.fullmatch(r"industry(?:\s+track)?", low):
            prep.track = "industry"
            return " "
        if low == "student research workshop":
            prep.volume_workshop = what
            return " "
        v = table.get(inner)
        short_year = re.fullmatch(r"(.+?)[\s\-'’]*(\d\d)", inner)
        if v is None and short_year and table.get(short_year.group(1)):  # "(OSDI 23)", "(USENIX Security 23)"
            v, year = table.get(short_year.group(1)), 2000 + int(short_year.group(2))
        if v is not None:
            prep.paren_hits.append(v)
            paren_years.extend([year] if year else [])
            return " "
        if " " not in inner and _ACRONYM.match(inner) and _acronymish(inner) and not inner.isdigit():
            prep.paren_acronyms.append(inner.strip(".-"))
            paren_years.extend([year] if year else [])
        return " "  # a place, a publisher, a series ("(Berl)", "(New York, N.Y. : 1991)"): noise

    previous = None
    while previous != s:
        previous = s
        s = _PAREN.sub(paren, s)
    s = s.replace("(", " ").replace(")", " ")
    prep.year, s = _find_year(s)
    if prep.year is None and paren_years:
        prep.year = paren_years[0]
    s = _SERIES_NOISE.sub(" ", s)
    s = _tidy(s)
    prep.raw = s
    t = s
    previous = None
    while previous != t:
        previous = t
        t = _tidy(_PREFIX.sub("", t))
    t = _tidy(_ORDINAL.sub(" ", t))
    if all(w in _EMPTY_WORDS for w, _, _ in _tokens(t)):
        t = ""  # "Proceedings", "Conference Proceedings": no name
    prep.text = t
    return prep


_SMALL = frozenset("a an and as at by for from in into of on or the to via with für und der die das von zu".split())
_KEEP = frozenset("IEEE ACM ISCA SIAM SPIE ITG VDE GI IFIP AAAI USENIX EURASIP PLOS NLP AI ML IR II III IV VI".split())
_WORDS = re.compile(r"[^\W_][\w'’]*")


def is_shouting(text: str) -> bool:
    """Written in capitals, as institutional repository exports do ("MAGNETIC RESONANCE IN MEDICINE")."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return len(cased) >= 8 and sum(c.isupper() for c in cased) >= 0.9 * len(cased)


def _tame_capitals(text: str) -> str:
    """An all-caps name in title case; acronyms (known ones, or words without vowels) kept."""

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        if w in _KEEP or (len(w) > 1 and not set("AEIOUYÄÖÜ") & set(w)) or any(c.isdigit() for c in w):
            return w
        before = text[: m.start()].rstrip()
        if w.casefold() in _SMALL and before and not before.endswith((":", "-", "–")):
            return w.casefold()
        return w[:1] + w[1:].lower()

    return _WORDS.sub(word, text)


def _display(text: str) -> str:
    """An unrecognised venue's name for a label: tails like ", Proceedings, Part II" cut, capitals tamed."""
    t = _TAIL.sub("", text)
    first_comma = t.find(",")
    if first_comma > 0 and _MONTH.search(t, first_comma):
        t = t[:first_comma]  # "Foo Conference, Berlin, Germany, June 3-5" → "Foo Conference"
    t = re.sub(r"\s+\d{1,3}$", "", _tidy(t))  # a volume number: "Advances in X 35"
    t = _tidy(t)
    if is_shouting(t):
        t = _tame_capitals(t)
    return t


# --- recognition --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    venue: Venue
    start: int  # character span in the text it was found in (whole string: 0, len)
    end: int
    how: str  # exact | phrase | paren | token


def _exact_hit(table: VenueTable, prep_raw: str, text: str) -> _Hit | None:
    """The whole string (or, without a leading IEEE/ACM, or the part before a colon) names a venue."""
    candidates = [(text, 0, len(text)), (prep_raw, 0, len(text))]
    toks = _tokens(text)
    k = 0
    while k < len(toks) - 1 and toks[k][0] in _ORG_PREFIX:
        k += 1
    if k:
        candidates.append((text[toks[k][1] :], toks[k][1], len(text)))
    if ":" in text:
        head = text.split(":", 1)[0]
        candidates.append((head, 0, len(head)))
    for c, start, end in candidates:
        c = _tidy(c)
        v = table.get(c) if c else None
        if v is not None:
            return _Hit(v, start, end, "exact")
    return None


def _best_hit(table: VenueTable, text: str, prep: _Prepared | None = None, *, exact: bool = True) -> _Hit | None:
    """The venue ``text`` names: whole string, then the longest long name, then a parenthesis, then an acronym."""
    if not text.strip():
        return None
    if exact:
        hit = _exact_hit(table, prep.raw if prep else text, text)
        if hit:
            return hit
    toks = _tokens(text)
    best: tuple[int, int, int, Venue] | None = None
    for i, j, v in table._phrase_matches(toks, text):
        if best is None or (j - i) > (best[1] - best[0]):
            best = (i, j, 0, v)
    if best is not None:
        i, j, _, v = best
        return _Hit(v, toks[i][1], toks[j - 1][2], "phrase")
    if prep is not None and prep.paren_hits:
        return _Hit(prep.paren_hits[0], len(text), len(text), "paren")
    found = sorted(table._token_matches(text), key=lambda m: (m[0], -(m[1] - m[0])))
    if found:
        start, end, v = found[0]
        return _Hit(v, start, end, "token")
    return None


def _workshop_label(table: VenueTable, head: str, prep: _Prepared) -> tuple[str | None, str | None]:
    """(workshop, workshop_name) for the workshop part of a venue string."""
    head = _tidy(head)
    hit = _best_hit(table, head) if head else None
    if hit is not None and (hit.how == "exact" or hit.venue.kind == "workshop" and hit.how in ("phrase", "token")):
        v = hit.venue
        long_name = next((n for n in v.names if n.casefold() != v.short.casefold()), None)
        if _key(head) == _key(v.short) or hit.how == "token":
            return v.short, long_name
        return v.short, _display(head)
    if not head or re.fullmatch(r"(?:joint\s+)?workshops?(?:\s+proceedings)?", head, re.I):
        return None, None
    if _key(head) == "student research workshop":
        return "SRW", "Student Research Workshop"
    if prep.paren_acronyms:
        return prep.paren_acronyms[0], _display(head)
    return _display(head), None


def _from_hit(hit: _Hit, year: int | None, prep: _Prepared, table: VenueTable, text: str) -> ParsedVenue:
    v = hit.venue
    if v.kind == "workshop":
        if v.workshops_of:  # "CVPRW", "IEEE/CVF ... Computer Vision and Pattern Recognition Workshops"
            parent = table.get(v.workshops_of)
            assert parent is not None
            return ParsedVenue(parent.short, year, "workshop", recognised=True, kind="workshop")
        long_name = next((n for n in v.names if n.casefold() != v.short.casefold()), None)
        parent = _parent_elsewhere(table, text, hit) or (table.get(v.conference) if v.conference else None)
        if parent is not None:
            return ParsedVenue(
                parent.short, year, "workshop", v.short, workshop_name=long_name, recognised=True, kind="workshop"
            )
        return ParsedVenue(v.short, year, "main", recognised=True, kind="workshop")
    if v.kind == "conference":
        free = [m for m in _WORKSHOP_WORD.finditer(text) if hit.how == "paren" or not hit.start <= m.start() < hit.end]
        if free and (hit.how == "paren" or free[0].start() >= hit.end):
            rest = text[hit.end :] if hit.how != "paren" else text
            # the workshop's name: from the separator before the word "Workshop" to the end
            bounds = [0, *(m.end() for m in re.finditer(r"\s+[\-–—]+\s+|[:;,]\s*", rest))]
            begin = max(b for b in bounds if b <= free[0].start() - (0 if hit.how == "paren" else hit.end))
            ws, ws_name = _workshop_label(table, rest[begin:], prep)
            return ParsedVenue(v.short, year, "workshop", ws, workshop_name=ws_name, recognised=True, kind="workshop")
        rest = text[hit.end :] if hit.how != "paren" else ""
        track = prep.track or "main"
        if re.search(r"\b(?:system\s+)?demonstrations?\b|\bdemos?(?:\s+track)?\s*$", rest, re.I):
            track = "demo"
        elif re.search(r"\bindustry(?:\s+track)?\b", rest, re.I):
            track = "industry"
        if prep.volume_workshop:
            return ParsedVenue(
                v.short,
                year,
                "workshop",
                "SRW",
                workshop_name="Student Research Workshop",
                recognised=True,
                kind="workshop",
            )
        return ParsedVenue(v.short, year, track, recognised=True, kind="conference")
    return ParsedVenue(v.short, year, "journal", recognised=True, kind="journal")


def _parent_elsewhere(table: VenueTable, text: str, hit: _Hit) -> Venue | None:
    """A conference named in ``text`` outside the workshop's own name ("… Workshop at EMNLP")."""
    rest = text if hit.how == "paren" else text[: hit.start] + " " + text[hit.end :]
    if not rest.strip():
        return None
    found = _best_hit(table, rest, exact=False)
    return found.venue if found and found.venue.kind == "conference" else None


_HOST_PREFIX = re.compile(
    r"(?:at|co-?located\s+with|colocated\s+with|in\s+conjunction\s+with|held\s+(?:at|with))\s+(?:the\s+)?", re.I
)
_CONNECTOR = re.compile(
    r"[\s,]+(?:at|@|co-?located\s+with|colocated\s+with|in\s+conjunction\s+with|held\s+(?:at|with|in\s+conjunction"
    r"\s+with|jointly\s+with)|associated\s+with)\s+(?:the\s+)?",
    re.I,
)


def _analyse(text: str, table: VenueTable, *, lenient: bool, year_hint: int | None = None) -> ParsedVenue:
    """The core of ``parse_venue`` and ``identify_container`` (``lenient``: a hand-written YAML/CSV venue)."""
    if len(text) > MAX_VENUE_CHARS:
        raise ValueError(f"venue text of {len(text)} characters is too long to be a venue name ({text[:60]!r}…)")
    prep = _prepare(text, table)
    year = prep.year if prep.year is not None else year_hint
    t = prep.text
    if not re.search(r"[^\W\d_]", t):
        if prep.paren_hits:
            return _from_hit(_Hit(prep.paren_hits[0], 0, 0, "paren"), year, prep, table, "")
        raise ValueError(f"no conference or journal name in venue {text!r} (expected e.g. 'NeurIPS 2024')")

    # "Findings of the Association for Computational Linguistics: EMNLP 2022" → Findings of EMNLP
    fm = _FINDINGS.search(t)
    if fm and (fm.start() == 0 or len(_tokens(t)) <= 3):  # "Findings of …", "EMNLP Findings"
        rest = _tidy(t[: fm.start()] + " " + t[fm.end() :])
        rest = _tidy(re.sub(r"\bassociation\s+for\s+computational\s+linguistics\b", " ", rest, flags=re.I))
        acl = table.get("ACL")
        hit = _best_hit(table, rest) if rest else None
        parent = hit.venue if hit else (acl if not rest else None)
        if parent is not None and parent.kind == "conference":
            return ParsedVenue(parent.short, year, "findings", recognised=True, kind="conference")
        if lenient and rest:
            return ParsedVenue(rest, year, "findings")

    # "Workshop on Fine-Tuning in Modern Machine Learning (FITML @ NeurIPS 2024)"
    if prep.host:
        head, _, tail = prep.host.rpartition("@") if "@" in prep.host else ("", "", _HOST_PREFIX.sub("", prep.host))
        parent_hit = _best_hit(table, _tidy(tail))
        if parent_hit and parent_hit.venue.kind == "conference":
            outer = _display(t) if re.search(r"[^\W\d_]", t) else None
            ws, ws_name = _workshop_label(table, head, prep) if _tidy(head) else _workshop_label(table, t, prep)
            if ws_name is None and outer and _key(outer) != _key(ws or ""):
                ws_name = outer
            return ParsedVenue(
                parent_hit.venue.short, year, "workshop", ws, workshop_name=ws_name, recognised=True, kind="workshop"
            )

    # "FITML @ NeurIPS 2024"
    if "@" in t:
        head, _, tail = t.rpartition("@")
        parent_hit = _best_hit(table, _tidy(tail))
        if parent_hit and parent_hit.venue.kind == "conference" and _tidy(head):
            ws, ws_name = _workshop_label(table, head, prep)
            return ParsedVenue(
                parent_hit.venue.short, year, "workshop", ws, workshop_name=ws_name, recognised=True, kind="workshop"
            )
        if lenient and _tidy(head) and _tidy(tail):
            return ParsedVenue(table.canonical(_tidy(tail)), year, "workshop", _tidy(head), kind="workshop")

    # "Workshop on X at NeurIPS 2024", "X Workshop, co-located with ACL"
    wm = _WORKSHOP_WORD.search(t)
    if wm:
        for cm in _CONNECTOR.finditer(t):
            tail = _tidy(t[cm.end() :])
            parent_hit = _best_hit(table, tail) if tail else None
            if parent_hit and parent_hit.venue.kind == "conference":
                ws, ws_name = _workshop_label(table, t[: cm.start()], prep)
                return ParsedVenue(
                    parent_hit.venue.short,
                    year,
                    "workshop",
                    ws,
                    workshop_name=ws_name,
                    recognised=True,
                    kind="workshop",
                )
            if lenient and tail and cm.start() > wm.start() and not _tidy(t[: wm.start()]) and _acronymish(tail):
                ws = _tidy(t[wm.start() : cm.start()])
                return ParsedVenue(tail, year, "workshop", ws, kind="workshop")

    hit = _best_hit(table, t, prep)
    own = None if lenient or hit is None or hit.how not in ("phrase", "token") else _own_acronym(text, prep)
    if own and _first_word(own) not in {_first_word(n) for n in (hit.venue.short, *hit.venue.aliases)}:
        hit = None  # "ACM Multimedia Systems Conference (MMSys)": the venue names itself, and it is not ACM MM
    if hit is not None and not (
        hit.how in ("phrase", "token") and wm and wm.start() < hit.start and hit.venue.kind == "conference"
    ):  # a conference's name after "Workshop on" is the workshop's topic, not its host
        return _from_hit(hit, year, prep, table, t)

    # not in the table
    if lenient and wm and _tidy(t[: wm.start()]):  # "MyConf 2024 Workshop on X"
        return ParsedVenue(_tidy(t[: wm.start()]), year, "workshop", _tidy(t[wm.start() :]) or None, kind="workshop")
    acronym = None if lenient else _own_acronym(text, prep)
    name = acronym or _display(t)
    if not re.search(r"[^\W\d_]", name):
        raise ValueError(f"no conference or journal name in venue {text!r} (expected e.g. 'NeurIPS 2024')")
    low = name.casefold()
    kind: str | None = None
    if re.search(r"\b(?:journal|transactions|letters|magazine|review|annals|bulletin)\b", low):
        kind = "journal"
    elif wm:
        kind = "workshop"
    elif re.search(r"\b(?:conference|symposium|congress|meeting|summit|colloquium)\b", low):
        kind = "conference"
    return ParsedVenue(name, year, "journal" if kind == "journal" else "main", kind=kind)


_DBLP_ACRONYM = re.compile(r",\s*([A-Z][A-Za-z0-9&+\-]{1,14})\s+(?:19|20)\d\d\b")
_ACM_ACRONYM = re.compile(r"^\s*([A-Z][A-Za-z0-9&+\-]{1,14})\s*['’]\s?\d\d\s*:")
_NOT_ACRONYMS = frozenset({"IEEE", "ACM", "ISCA", "SIAM", "SPIE", "USA", "UK", "EU", "II", "III", "IV", "VI"})


def _own_acronym(text: str, prep: _Prepared) -> str | None:
    """The short name a venue gives itself: "(NoDaLiDa)", dblp's ", SAC 2024,", ACM's "SAC '22:"."""
    found = [*prep.paren_acronyms]
    for rx in (_DBLP_ACRONYM, _ACM_ACRONYM):
        m = rx.search(text)
        if m:
            found.append(m.group(1))
    for a in found:
        a = a.strip(".-")
        if a.upper() not in _NOT_ACRONYMS and _acronymish(a) and not a.isdigit() and a.casefold() not in _NOT_A_VENUE:
            return a
    return None


def _first_word(name: str) -> str:
    return re.split(r"[\s\-–]", name.strip(), maxsplit=1)[0].casefold()


_TRACK_WORDS = (
    (re.compile(r"\b(?:companion|adjunct)\b", re.I), "companion"),
    (re.compile(r"\b(?:wip|work[\s-]in[\s-]progress|late[\s-]breaking)\b", re.I), "wip"),
    (re.compile(r"\b(?:doctoral\s+(?:consortium|symposium|colloquium)|ph\.?d\.?\s+forum)\b", re.I), "doctoral"),
    (re.compile(r"\bdemo(?:nstration)?s?\b|\bdemo\s+abstracts?\b", re.I), "demo"),
    (re.compile(r"\bposter(?:s|\s+session|\s+abstracts?)?\b", re.I), "poster"),
)


def _side_track(text: str) -> str | None:
    """Companion/adjunct proceedings, work in progress, doctoral consortium, demos, posters: not the main track."""
    return next((track for rx, track in _TRACK_WORDS if rx.search(text)), None)


def clean_venue_name(text: str) -> str:
    """An unrecognised (or series-only) container as a label would show it, without its year."""
    return _display(_tidy(_PREFIX.sub("", _find_year(" ".join(text.split()))[1]))) or " ".join(text.split())


# --- public API -----------------------------------------------------------------------------


def parse_venue(text: str, *, table: VenueTable | None = None) -> ParsedVenue:
    """Parse a venue string as written in YAML/CSV; raise ValueError with a hint when no name is found."""
    table = _table(table)
    s = " ".join(text.replace("~", " ").split())
    status = None
    if _SUBMITTED.search(s):
        status = "submitted"
        s = _SUBMITTED.sub("", s)
    presentation = None
    pm = _PRESENTATION.search(s)
    if pm:
        presentation = pm.group(1).lower()
        s = s[: pm.start()] + " " + s[pm.end() :]
    datasets = bool(_DATASETS.search(s))
    if datasets:
        s = _DATASETS.sub(" ", s)
    s = " ".join(s.split())
    if not s:
        raise ValueError(f"no conference or journal name in venue {text!r} (expected e.g. 'NeurIPS 2024')")
    parsed = _analyse(s, table, lenient=True)
    if datasets and parsed.track == "main":
        parsed = replace(parsed, track="datasets")
    if not parsed.recognised and parsed.track in ("main", "journal"):
        parsed = replace(parsed, series=_tidy(parsed.series))
    return replace(parsed, presentation=presentation, status=status)


def identify_container(
    container: str | None,
    *,
    abbr: str | None = None,
    year: int | None = None,
    table: VenueTable | None = None,
    kind_hint: str | None = None,
) -> ParsedVenue | None:
    """The venue a BibTeX ``booktitle``/``journal`` (and al-folio ``abbr``) names; None without either.

    Preprint servers give ``kind="preprint"`` and patents ``kind="patent"`` (not announceable).
    ``kind_hint="journal"`` (the text came from ``journal``/``journaltitle``) makes an
    unrecognised name a journal. Raises ValueError when the text names no venue at all (only a
    proceedings series such as PMLR or LNCS, or only numbers).
    """
    table = _table(table)
    text = " ".join((container or "").replace("~", " ").split())
    abbr_text = " ".join((abbr or "").replace("~", " ").split())
    if not text and not abbr_text:
        return None
    pc: ParsedVenue | None = None
    error: ValueError | None = None
    if text:
        special = _special_kind(text)
        if special:
            pc = ParsedVenue(_special_name(text, special), year, kind=special)
        else:
            try:
                pc = _container(text, table, year)
            except ValueError as exc:
                error = exc
            else:
                if kind_hint == "journal" and not pc.recognised and pc.kind in (None, "conference", "journal"):
                    # "Proceedings of the Royal Society B" is a journal's name, not a prefix to drop
                    name = _display(_tidy(_find_year(text)[1])) or pc.series
                    pc = replace(pc, series=name, kind="journal", track="journal")
                generic = pc.track == "workshop" and re.match(r"(?:workshops?\b|$)", pc.workshop or "", re.I)
                side = _side_track(text) if pc.recognised and (pc.track == "main" or generic) else None
                if side and side in pc.series.casefold() or side == "companion" and " EA" in pc.series:
                    side = None  # the table's own "WWW Companion", "CHI EA"
                if side:  # "Companion of …", "(PerCom WiP)": not the main track, and no named workshop
                    pc = replace(pc, track=side, workshop=None, workshop_name=None, kind="conference")
    pa = _abbr(abbr_text, table, year) if abbr_text else None
    if (
        pa is not None
        and not pa.recognised
        and pc is not None
        and pc.track != "workshop"
        and not _abbr_names(pa.series, text)
    ):
        pa = None  # al-folio's abbr is often a badge ("MI", "NLP"), not the venue: trust the container
    if pc is not None and not pc.announceable:
        return pc
    if pa is not None and not pa.announceable:
        return pc if pc is not None and pc.recognised else pa
    if pa is not None and pa.recognised:
        if pc is not None and pc.recognised and pc.series == pa.series and pa.track == "main" and pc.track != "main":
            return pc  # abbr "NeurIPS", booktitle "… Workshop on X at NeurIPS 2024": the workshop
        if pc is not None and pc.recognised and pc.series == pa.series and pa.track == "workshop" and pc.workshop:
            return pc
        if pa.kind == "workshop" and pa.track == "main" and pc is not None and pc.track == "workshop":
            return replace(pc, workshop=pa.series, workshop_name=pc.workshop_name or pc.workshop)
        return replace(pa, year=pa.year or (pc.year if pc else None) or year)
    if pc is not None and pc.recognised:
        if (
            pa is not None
            and pc.track == "workshop"
            and pa.workshop is None
            and " " not in pa.series
            and pa.series.casefold() != (pc.workshop or "").casefold()
        ):  # abbr "FITML" names the workshop
            return replace(pc, workshop=pa.series, workshop_name=pc.workshop_name or pc.workshop)
        return pc
    if pa is not None:
        return replace(pa, year=pa.year or (pc.year if pc else None) or year)
    if pc is None and error is not None:
        raise error
    return pc


def _special_kind(text: str) -> str | None:
    if _PATENT.search(text):
        return "patent"
    if _PREPRINT.search(text):
        return "preprint"
    return None


def _special_name(text: str, kind: str) -> str:
    if kind == "patent":
        return "Patent"
    m = _PREPRINT.search(text)
    word = m.group(0).strip() if m else "preprint"
    known = {"arxiv": "arXiv", "corr": "arXiv", "biorxiv": "bioRxiv", "medrxiv": "medRxiv", "ssrn": "SSRN"}
    return known.get(word.casefold(), word)


def _container(text: str, table: VenueTable, year: int | None) -> ParsedVenue:
    s = text
    datasets = bool(_DATASETS.search(s))
    if datasets:
        s = " ".join(_DATASETS.sub(" ", s).split())
    parsed = _analyse(s, table, lenient=False, year_hint=year)
    if datasets and parsed.recognised and parsed.track == "main":
        parsed = replace(parsed, track="datasets")
    return parsed


def _abbr_names(abbr: str, container: str) -> bool:
    """Does an unknown ``abbr`` name this container: written in it, or its initials?"""
    a = abbr.casefold()
    if re.search(rf"(?<![\w]){re.escape(a)}(?![\w])", container.casefold()):
        return True
    initials = "".join(w[0] for w in re.findall(r"[^\W\d_]+", container) if w[:1].isupper()).casefold()
    return len(a) >= 2 and a.replace("-", "") in initials


def _abbr(abbr: str, table: VenueTable, year: int | None) -> ParsedVenue | None:
    """al-folio's ``abbr``: a short name, maybe with a year ("ICML'24") or a track ("EMNLP Findings")."""
    special = _special_kind(abbr)
    if special:
        return ParsedVenue(_special_name(abbr, special), year, kind=special)
    if abbr.casefold() in _NOT_A_VENUE:
        return None
    try:
        parsed = parse_venue(abbr, table=table)
    except ValueError:
        return None
    if parsed.status:
        return None
    if parsed.recognised:
        return parsed
    if re.fullmatch(r"[^\W_][\w&+.\-]{0,15}", parsed.series) and parsed.series.casefold() not in _NOT_A_VENUE:
        return parsed  # a short plain token the table does not know: the lab's own name for the venue
    return None


# --- keys and labels ------------------------------------------------------------------------


def long_name_series(text: str, *, table: VenueTable | None = None) -> str | None:
    """The short series name a long venue name contains, e.g. "Advances in Neural … Systems" → NeurIPS."""
    try:
        parsed = _analyse(text, _table(table), lenient=False)
    except ValueError:
        return None
    return parsed.series if parsed.recognised else None


def venue_key(series: str, year: int, track: str, workshop: str | None) -> str:
    """The canonical key of a venue event, e.g. "neurips-2024-workshop-fitml"."""
    key = f"{slugify(series)}-{year}"
    if track == "workshop":
        return f"{key}-workshop-{slugify(workshop or 'unnamed', 40)}"
    if track == "journal" and key.rsplit("-", 1)[0] not in _LEGACY_JOURNAL_KEYS:
        return key  # journals other than these were keyed as main tracks before: keep their keys
    if track != "main":
        return f"{key}-{track}"
    return key


# Journals that were keyed "<series>-<year>-journal" before the venue table existed; every other
# journal keeps the key it had as a "main" track, so an upgrade never re-announces a paper.
_LEGACY_JOURNAL_KEYS = frozenset({"tmlr", "jmlr", "tpami"})


def conference_name(series: str, year: int) -> str:
    """The heading under which an event is grouped: "NeurIPS 2024"."""
    return f"{series} {year}"
