"""Author names as lab files write them, made into "First Last" for display and matching.

BibTeX lists ("Han, Woorim and Lee, Younghan and others") are split and each name taken
apart by bibtexparser's BibTeX-compatible name parser (``split_multiple_persons_names``,
``parse_single_name_into_parts``); LaTeX becomes Unicode through pylatexenc (``clean_text``).
What is specific to real exports is handled here: ``and others`` (→ et al.), the discretionary
hyphen ``\\-`` ("Fing\\-scheidt"), a doubled ``and``, dblp's homonym numbers ("Wei Wang 0010"),
equal-contribution marks ("Schmidt*") and names written in capitals by repository exports.
"""

from __future__ import annotations

import re

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from .text import clean_text

_OTHERS = {"others", "et al", "et al.", "et. al.", "u.a.", "et alii", "…", "..."}
_DOUBLE_AND = re.compile(r"\band(?:\s+and)+\b", re.I)
_EDGE_AND = re.compile(r"^\s*and\b\s*|\s*\band\s*$", re.I)
_DBLP_NUMBER = re.compile(r"\s+\d{4}\s*$")
_MARKS = re.compile(
    r"\$?\^\{?(?:\\d?dagger|\\ast|\\star|[*†‡§¶#])+\}?\$?|\$(?:\\d?dagger|\\ast|\\star)\$"
    r"|\\textsuperscript\{[^}]*\}|\\(?:textdagger|textdaggerdbl)\b|[*†‡§¶]+|(?<=\w)\++"
)
_SOFT_HYPHEN = re.compile(r"\\-|\u00ad")
# Lowercase name particles ("van der Berg", "de la Cruz"), shared with the roster's matching.
PARTICLES = frozenset("van von der den de del della di da du le la dos das ten ter zu af y al bin ibn st st.".split())


def split_bibtex_authors(value: str) -> tuple[list[str], bool]:
    """A BibTeX ``author`` field as display names, and whether it ended in "and others"."""
    text = " ".join(_SOFT_HYPHEN.sub("", value).split())
    text = _EDGE_AND.sub("", _DOUBLE_AND.sub("and", text))
    names: list[str] = []
    et_al = False
    persons = _comma_list(text)
    if persons is None:
        persons = split_multiple_persons_names(text) if text else []
    for person in persons:
        if person.strip().casefold() in _OTHERS:
            et_al = True
            continue
        name = display_name(person)
        if name and name.casefold() != "and":  # a stray "and" of a malformed list is no person
            names.append(name)
    return names, et_al


_SUFFIX = re.compile(r"^(?:jr\.?|sr\.?|ii|iii|iv|v|\d(?:st|nd|rd|th))$", re.I)


def _comma_list(text: str) -> list[str] | None:
    """ "Xuefeng Bai, Sen Yang, Leyang Cui and Yue Zhang": names separated by commas, not BibTeX's "and".

    A BibTeX name has at most two commas ("Last, Jr., First") and every BibTeX-style name in a
    list carries its comma, so the everyday style shows as: two or more commas with no "and",
    or commas in the first segments and a final "and First Last" without one; and every part a
    whole "First Last" name. One comma and no "and" is "Last, First". None when not a comma list.
    """
    segments = [seg.strip(" ,") for seg in re.split(r",?\s+and\s+", text, flags=re.I) if seg.strip(" ,")]
    parts = [p.strip() for seg in segments for p in seg.split(",") if p.strip()]
    if len(parts) < 2 or len(parts) == len(segments):
        return None
    if len(parts) <= 3 and any(_SUFFIX.match(p) for p in parts):
        return None  # "King, Jr., Martin" / "Kelleher, R. J., 3rd"
    if not all(len(p.split()) >= 2 or _no_spaces_script(p) for p in parts):
        return None
    if len(segments) == 1:
        return parts if text.count(",") >= 2 else None
    return parts if "," not in segments[-1] else None


def _no_spaces_script(name: str) -> bool:
    """Chinese, Japanese and Korean names are written without a space between family and given name."""
    return any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in name)


def split_listed_authors(items: list[str]) -> tuple[list[str], bool]:
    """Names listed one per item (YAML list, "A; B" or "A and B" strings): cleaned, "Last, First" turned."""
    names: list[str] = []
    et_al = False
    for item in items:
        if item.strip().casefold() in _OTHERS:
            et_al = True
            continue
        name = display_name(item)
        if name:
            names.append(name)
    return names, et_al


def display_name(raw: str) -> str:
    """One name as "First von Last Jr.", in Unicode, in proper case if it was all capitals."""
    text = _SOFT_HYPHEN.sub("", raw)
    text = _MARKS.sub("", " ".join(text.split()))
    text = _DBLP_NUMBER.sub("", text).strip(" ,;")
    if not text:
        return ""
    pieces = [p.strip() for p in text.split(",")]
    if len(pieces) == 3 and _SUFFIX.match(pieces[2]) and not _SUFFIX.match(pieces[1]):
        text = f"{pieces[0]}, {pieces[2]}, {pieces[1]}"  # EndNote's "Kelleher, R. J., 3rd"
    if "," in text:
        try:
            parts = parse_single_name_into_parts(text, strict=False)
        except (InvalidNameError, ValueError):
            parts = None
        if parts is not None:
            ordered = [*parts.first, *parts.von, *parts.last, *parts.jr]
            if ordered:
                text = " ".join(ordered)
    name = clean_text(text)
    return proper_case(name) if _shouting(name) else name


def _shouting(name: str) -> bool:
    letters = [c for c in name if c.isalpha() and (c.isupper() or c.islower())]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and not _initials_only(name)


def _initials_only(name: str) -> bool:
    """ "J. R." or "JR" alone: nothing to re-case."""
    return all(len(w.strip(".")) <= 1 for w in name.split())


def proper_case(name: str) -> str:
    """ "VAN DER BERG LENA-MARIE O'NEIL" → "van der Berg Lena-Marie O'Neil" (particles lowercase)."""
    words = name.split()
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in PARTICLES and 0 < i < len(words) - 1:
            out.append(lower)
            continue
        out.append(re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), word))
    return " ".join(out)
