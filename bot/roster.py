"""The group's members, and matching a paper's author names to them.

Names arrive as "Müller", "Mueller", "J. Doe", "Doe, Jane" or "Jane A. Doe". Matching
tolerates accents, transliteration and initials (as configured) but never guesses
between two people: when a name fits more than one member it is reported as ambiguous
and left unmatched, and two full given names that differ never match.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .models import Author, Problem
from .names import PARTICLES
from .safeio import InputError, MissingFileError, load_yaml, read_text_limited
from .text import fold, fold_variants, slugify

_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_DBLP_NUMBER = re.compile(r"\s+\d{4}$")
_SPLIT = re.compile(r"[\s.\-‐‑]+")
_HANDLE = re.compile(r"^@[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


MAX_ROSTER_BYTES = 10_000_000  # a roster of thousands of members is a few hundred kB
_MAX_LISTED = 50  # problems listed in one error; the rest are counted


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2 check digit of an ORCID iD ``dddd-dddd-dddd-dddX``."""
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


class MemberRecord(BaseModel):
    """One entry under ``members:`` in the roster file (types strict: a number is not a name)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(min_length=1)
    id: str | None = None
    aliases: list[str] = []
    former: bool = False
    openreview: str | None = None
    dblp: str | None = None
    orcid: str | None = None
    arxiv_query: str | None = None
    mastodon: str | None = None
    url: str | None = None  # the member's web page; names link to it on pages

    @field_validator("aliases", "former", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any, info: Any) -> Any:
        """``aliases:`` or ``former:`` left empty means the default, not an error."""
        if value is None:
            return [] if info.field_name == "aliases" else False
        return value

    @field_validator("name", "id")
    @classmethod
    def _text(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not value:
            raise ValueError(
                "is empty; write the member's full name as it appears on papers"
                if info.field_name == "name"
                else "is empty; remove the key or give a short id such as 'jane-doe'"
            )
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        out = [" ".join(a.split()) for a in value]
        if any(not a for a in out):
            raise ValueError("an alias is empty; remove it or write the name as it appears on papers")
        return out

    @field_validator("openreview", "dblp", "arxiv_query")
    @classmethod
    def _optional_text(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("mastodon")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _HANDLE.match(value):
            raise ValueError(f"expected a Mastodon handle like '@user@host.social', got {value!r}")
        return value

    @field_validator("orcid")
    @classmethod
    def _orcid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        shown = value
        value = value.strip()
        for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
            value = value.removeprefix(prefix)
        value = value.upper()
        if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", value):
            raise ValueError(f"expected an ORCID iD like 0000-0002-1825-0097, got {shown!r}")
        if not orcid_checksum_ok(value):
            raise ValueError(
                f"ORCID iD {value} has a wrong check digit (the last character); copy it again from orcid.org"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
            raise ValueError(
                f"expected the member's web page as an http(s) URL like 'https://lab.example/jane', got {value!r}"
            )
        return value


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    former: bool = False
    openreview: str | None = None
    dblp: str | None = None
    orcid: str | None = None
    arxiv_query: str | None = None
    mastodon: str | None = None
    url: str | None = None  # the member's web page


@dataclass(frozen=True)
class _Name:
    given: tuple[str, ...]  # folded tokens
    family: str  # folded, particles included ("van der berg")
    raw_family: str

    @property
    def first_initial(self) -> str | None:
        return self.given[0][0] if self.given else None

    @property
    def first_is_initial(self) -> bool:
        return bool(self.given) and len(self.given[0]) == 1


def _split_name(name: str) -> tuple[list[str], list[str]]:
    """Given-name and family-name tokens of a personal name (unfolded)."""
    name = _DBLP_NUMBER.sub("", " ".join(name.split()))
    if "," in name:
        family, _, given = name.partition(",")
        given_tokens = [t for t in _SPLIT.split(given) if t and t.casefold() not in _SUFFIXES]
        return given_tokens, [t for t in family.split() if t]
    tokens = [t for t in name.split() if t.casefold().rstrip(",") not in _SUFFIXES]
    if len(tokens) <= 1:
        return [], tokens
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].casefold() in PARTICLES:
        start -= 1
    given = [t for g in tokens[:start] for t in _SPLIT.split(g) if t]
    return given, tokens[start:]


def _parse(name: str) -> _Name:
    given, family = _split_name(name)
    family_text = " ".join(family)
    return _Name(tuple(fold(g) for g in given), fold(family_text), family_text)


def _full_keys(name: str, transliterate: bool) -> set[str]:
    given, family = _split_name(name)
    text = " ".join(given + family)
    variants = fold_variants(text) if transliterate else {fold(text)}
    return {" ".join(_SPLIT.split(v)).strip() for v in variants}


def _family_keys(family: str, transliterate: bool) -> set[str]:
    return fold_variants(family) if transliterate else {fold(family)}


@dataclass
class MatchResult:
    member: Member | None
    ambiguous: tuple[Member, ...] = ()
    how: str = ""  # "exact" | "initials" | ""


@dataclass
class Roster:
    """Members plus the indexes that make matching one dict lookup per author name."""

    members: tuple[Member, ...]
    match_initials: bool = True
    transliterate: bool = True
    _by_full: dict[str, list[Member]] = field(default_factory=lambda: defaultdict(list), repr=False)
    _by_family: dict[str, list[tuple[Member, _Name]]] = field(default_factory=lambda: defaultdict(list), repr=False)
    _matched: dict[str, MatchResult] = field(default_factory=dict, repr=False)  # a lab's names repeat

    def __post_init__(self) -> None:
        for member in self.members:
            for name in (member.name, *member.aliases):
                for key in _full_keys(name, self.transliterate):
                    if member not in self._by_full[key]:
                        self._by_full[key].append(member)
                parsed = _parse(name)
                for fam in _family_keys(parsed.raw_family, self.transliterate):
                    self._by_family[fam].append((member, parsed))

    def get(self, member_id: str) -> Member | None:
        return next((m for m in self.members if m.id == member_id), None)

    def match(self, author: str) -> MatchResult:
        """Find the member an author name refers to, or report why none was chosen."""
        if author not in self._matched:
            self._matched[author] = self._match(author)
        return self._matched[author]

    def _match(self, author: str) -> MatchResult:
        if not self.members:
            return MatchResult(None)
        exact: list[Member] = []
        for key in _full_keys(author, self.transliterate):
            exact.extend(m for m in self._by_full.get(key, ()) if m not in exact)
        if len(exact) == 1:
            return MatchResult(exact[0], how="exact")
        if exact:
            return MatchResult(None, ambiguous=tuple(exact))
        if not self.match_initials:
            return MatchResult(None)
        parsed = _parse(author)
        if not parsed.given:
            return MatchResult(None)
        candidates: list[Member] = []
        for fam in _family_keys(parsed.raw_family, self.transliterate):
            for member, known in self._by_family.get(fam, ()):
                if member not in candidates and _given_compatible(parsed, known, self.transliterate):
                    candidates.append(member)
        if len(candidates) == 1:
            return MatchResult(candidates[0], how="initials")
        if candidates:
            return MatchResult(None, ambiguous=tuple(candidates))
        return MatchResult(None)

    def resolve(self, names: list[str], *, source: str, record: str) -> tuple[list[Author], list[Problem]]:
        """Authors with their member ids; ambiguous names become problems, never guesses."""
        authors: list[Author] = []
        problems: list[Problem] = []
        for name in names:
            result = self.match(name)
            if result.member:
                authors.append(Author(name, result.member.id, result.member.former))
                continue
            if result.ambiguous:
                who = ", ".join(f"{m.name} ({m.id})" for m in result.ambiguous)
                problems.append(
                    Problem(
                        source,
                        record,
                        "authors",
                        f"author {name!r} could be any of {who}; not matched. Write the full name in the "
                        "paper list or add it as an alias of the right member in the roster.",
                    )
                )
            authors.append(Author(name))
        return authors, problems


def _given_compatible(a: _Name, b: _Name, transliterate: bool) -> bool:
    """ "J." fits "Jane"; "Jane A." fits "Jane"; "Jon" never fits "Jane"."""
    if not a.given or not b.given:
        return False
    if a.first_is_initial or b.first_is_initial:
        return a.first_initial == b.first_initial
    left = fold_variants(a.given[0]) if transliterate else {a.given[0]}
    right = fold_variants(b.given[0]) if transliterate else {b.given[0]}
    return bool(left & right)


def load_roster(path: Path, *, match_initials: bool = True, transliterate: bool = True) -> tuple[Roster, list[Problem]]:
    """Read and validate the roster YAML.

    Every problem in the file is collected and raised together as one ConfigError naming the
    file, the member (#index, line and name), the key and what to do: a member is never
    silently dropped. The problem list returned is empty (kept for callers that merge it).
    """
    try:
        text = read_text_limited(path, max_bytes=MAX_ROSTER_BYTES, what="roster file")
        data, root = load_yaml(text, source=str(path))
    except MissingFileError:
        raise ConfigError(f"{path}: roster file not found (set [roster] path in the config)") from None
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("members"), list):
        raise ConfigError(f"{path}: expected a list of members under the key 'members:'")
    errors: list[str] = []
    for key in data:
        if key != "members":
            hint = _suggest(str(key), ["members"])
            errors.append(f"top level: unknown key {str(key)!r}{hint}; the roster has only 'members:'")
    errors.extend(f"top level: {msg}" for msg in _duplicate_keys(root))
    member_nodes = [v for k, v in root.value if k.value == "members"][-1].value  # YAML keeps the last
    members: list[Member] = []
    by_id: dict[str, tuple[str, bool]] = {}  # id -> (label of its member, explicit id)
    by_name: dict[str, tuple[str, bool]] = {}  # folded name -> (label, explicit id)
    for index, (item, node) in enumerate(zip(data["members"], member_nodes, strict=True), start=1):
        label = f"member #{index} (line {node.start_mark.line + 1})"
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            label += f" {' '.join(item['name'].split())!r}"
        if not isinstance(item, dict):
            errors.append(f"{label}: expected a mapping such as '- name: Jane Doe', got {_shown(item)}")
            continue
        errors.extend(f"{label}: {msg}" for msg in _duplicate_keys(node))
        try:
            rec = MemberRecord.model_validate(item)
        except ValidationError as exc:
            errors.extend(f"{label}, {_describe(err)}" for err in exc.errors())
            continue
        explicit = rec.id is not None
        member_id = rec.id or _auto_id(rec.name)
        if member_id in by_id:
            other, _ = by_id[member_id]
            how = "" if explicit else " (made from the name; no 'id' given)"
            errors.append(
                f"{label}, id: id {member_id!r}{how} is already used by {other}; remove the duplicate entry, or if "
                "these are two people give each an explicit distinct 'id'"
            )
            continue
        name_key = fold(rec.name)
        if name_key in by_name and not (explicit and by_name[name_key][1]):
            errors.append(
                f"{label}, name: {rec.name!r} is already the name of {by_name[name_key][0]}; remove the "
                "duplicate entry, or if these are two people give each an explicit distinct 'id'"
            )
            continue
        by_id[member_id] = (label, explicit)
        by_name.setdefault(name_key, (label, explicit))
        members.append(
            Member(
                member_id,
                rec.name,
                tuple(rec.aliases),
                rec.former,
                rec.openreview,
                rec.dblp,
                rec.orcid,
                rec.arxiv_query,
                rec.mastodon,
                rec.url,
            )
        )
    if errors:
        shown = errors[:_MAX_LISTED]
        more = f"\n  … and {len(errors) - _MAX_LISTED} more" if len(errors) > _MAX_LISTED else ""
        raise ConfigError(f"{path}: invalid roster ({len(errors)} problem(s)):\n  " + "\n  ".join(shown) + more)
    return Roster(tuple(members), match_initials, transliterate), []


def _auto_id(name: str) -> str:
    """The id of a member without an explicit one: a slug of the name ("jane-doe").

    A name with no Latin letters (王伟, 김민지) gives no slug; it gets a stable id made from the
    name itself, so two such members never collide.
    """
    slug = slugify(name)
    if slug == "x" and fold(name) != "x":
        return "member-" + hashlib.sha1(fold(name).encode()).hexdigest()[:10]
    return slug


_FIELDS = list(MemberRecord.model_fields)
_TYPE_WORDS = {
    "string_type": "text (a name or id; put numbers in quotes)",
    "bool_type": "true or false",
    "list_type": "a list of names, e.g. [J. Doe, Jane Smith]",
}


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return repr(value)


_SYNONYMS = {  # keys people write for the ones the roster has
    "homepage": "url",
    "website": "url",
    "web": "url",
    "page": "url",
    "link": "url",
    "alias": "aliases",
    "handle": "mastodon",
    "fediverse": "mastodon",
    "arxiv": "arxiv_query",
    "alumni": "former",
    "alumnus": "former",
    "full_name": "name",
}


def _suggest(key: str, names: list[str]) -> str:
    synonym = _SYNONYMS.get(key.casefold())
    if synonym in names:
        return f"; did you mean {synonym!r}?"
    match = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _describe(err: Any) -> str:
    """One pydantic error as ``key: what is wrong and what to do``."""
    loc = err["loc"]
    key = str(loc[0]) if loc else "(entry)"
    if len(loc) > 1:
        key += "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    kind = err["type"]
    if kind == "extra_forbidden":
        known = ", ".join(_FIELDS)
        return f"{key}: unknown key{_suggest(key, _FIELDS)} (known keys: {known})"
    if kind == "missing":
        if key == "name":
            return "name: this key is required: the member's full name as it appears on papers"
        return f"{key}: this key is required"
    if kind == "string_too_short":
        return f"{key}: is empty; write the member's full name"
    if kind in _TYPE_WORDS:
        return f"{key}: expected {_TYPE_WORDS[kind]}, got {_shown(err.get('input'))}"
    return f"{key}: {err['msg'].removeprefix('Value error, ')}"


def _duplicate_keys(node: Any) -> list[str]:
    """Keys written twice in one member's mapping (YAML would silently keep the last)."""
    seen: set[Any] = set()
    out = []
    start, end = node.start_mark.index, node.end_mark.index
    for key_node, _ in getattr(node, "value", ()):
        key = getattr(key_node, "value", None)
        if not isinstance(key, str) or not start <= key_node.start_mark.index <= end:
            continue  # keys brought in by a '<<: *anchor' merge sit elsewhere in the file
        if key in seen:
            out.append(f"key {key!r} is given twice (line {key_node.start_mark.line + 1}); keep one")
        seen.add(key)
    return out
