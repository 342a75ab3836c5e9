"""The group's members, and matching a paper's author names to them.

Names arrive as "Müller", "Mueller", "J. Doe", "Doe, Jane" or "Jane A. Doe". Matching
tolerates accents, transliteration and initials (as configured) but never guesses
between two people: when a name fits more than one member it is reported as ambiguous
and left unmatched, and two full given names that differ never match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .models import Author, Problem
from .text import fold, fold_variants, slugify

_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "le",
    "la",
    "dos",
    "das",
    "ten",
    "ter",
    "zu",
    "af",
    "al",
    "bin",
    "ibn",
    "st",
    "st.",
}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_DBLP_NUMBER = re.compile(r"\s+\d{4}$")
_SPLIT = re.compile(r"[\s.\-‐‑]+")
_HANDLE = re.compile(r"^@[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


class MemberRecord(BaseModel):
    """One entry under ``members:`` in the roster file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    id: str | None = None
    aliases: list[str] = []
    former: bool = False
    openreview: str | None = None
    dblp: str | None = None
    orcid: str | None = None
    arxiv_query: str | None = None
    mastodon: str | None = None

    @field_validator("mastodon")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        if value is not None and not _HANDLE.match(value.strip()):
            raise ValueError(f"expected a handle like '@user@host.social', got {value!r}")
        return value and value.strip()

    @field_validator("orcid")
    @classmethod
    def _orcid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().removeprefix("https://orcid.org/")
        if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", value):
            raise ValueError(f"expected an ORCID iD like 0000-0002-1825-0097, got {value!r}")
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
    while start > 1 and tokens[start - 1].casefold() in _PARTICLES:
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
    """Read the roster YAML. A bad member is reported and skipped; a bad file is a ConfigError."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: roster file not found (set [roster] path in the config)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("members"), list):
        raise ConfigError(f"{path}: expected a list of members under the key 'members:'")
    members: list[Member] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(data["members"], start=1):
        label = f"member #{index}"
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label += f" ({item['name']})"
        try:
            rec = MemberRecord.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"]) or "(entry)"
                msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                problems.append(
                    Problem(
                        str(path),
                        label,
                        key,
                        f"{msg.removeprefix('Value error, ')}; this member is skipped until fixed",
                    )
                )
            continue
        member_id = rec.id or slugify(rec.name)
        if member_id in seen:
            problems.append(
                Problem(
                    str(path),
                    label,
                    "id",
                    f"id {member_id!r} is used twice; give one "
                    "member an explicit distinct 'id'. This member is skipped.",
                )
            )
            continue
        seen.add(member_id)
        members.append(
            Member(
                member_id,
                rec.name.strip(),
                tuple(rec.aliases),
                rec.former,
                rec.openreview,
                rec.dblp,
                rec.orcid,
                rec.arxiv_query,
                rec.mastodon,
            )
        )
    return Roster(tuple(members), match_initials, transliterate), problems
