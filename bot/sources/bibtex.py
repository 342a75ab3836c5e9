"""BibTeX and BibLaTeX files as labs export them (al-folio, JabRef, Zotero, dblp, ACL, Scholar …).

bibtexparser splits the file and resolves ``@string`` macros; pylatexenc (via ``clean_text``)
turns LaTeX into Unicode; bibtexparser's name parser splits authors (``bot.names``). What is
here is what real exports need on top:

- field names are case-insensitive (``AUTHOR =``); a field given twice keeps its **first**
  value and warns (``selected``, ``isbn`` twice is common and harmless);
- a broken entry is reported with its real reason (unbalanced braces, missing comma,
  duplicated key) and the other entries load; RIS or other text pasted between entries is
  reported as such;
- whether an entry is an accepted paper at all is decided by ``status.bib_verdict``;
- the venue comes from ``abbr``, ``booktitle``, ``journal``/``journaltitle`` via the venue table.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

from ..models import Author, Paper, Problem, VenueEvent
from ..names import split_bibtex_authors
from ..text import clean_text, is_shouting, title_case
from ..venues import ParsedVenue, clean_venue_name, identify_container
from . import FetchResult, Record, clean_title, read_links
from .status import bib_verdict

_RIS_LINE = re.compile(r"^(?:TY|AU|TI|T1|JO|PY|DO|ER|A1|UR|AB)  - ", re.M)
_ORPHAN_FIELD = re.compile(r"^\s*[A-Za-z][\w-]*\s*=\s*[{\"\d]", re.M)
_FIELD_AFTER_VALUE = re.compile(r"^\s*([A-Za-z][\w-]*)\s*=", re.S)
_PRESENTATION = re.compile(r"\b(oral|spotlight|poster)\b", re.I)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_DATE_YEAR = re.compile(r"^\s*(\d{4})(?:[-/]\d{1,2}){0,2}\s*$")
_TITLE_TRACK = re.compile(r"^\s*(demo(?:nstration)?|poster)(?:\s+abstract)?\s*:", re.I)
_LINK_FIELDS = {"url": "url", "pdf": "pdf", "code": "code", "website": "project", "project": "project"}


def read_bibtex(text: str, source: str, *, base_url: str | None = None) -> FetchResult:
    import bibtexparser
    from bibtexparser.library import Library
    from bibtexparser.middlewares import RemoveEnclosingMiddleware, ResolveStringReferencesMiddleware
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ImplicitComment, String

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failed blocks ourselves
    result = FetchResult()
    raw = bibtexparser.parse_string(text, parse_stack=[])
    keep: list[Any] = []
    seen_keys: dict[str, int] = {}
    for block in raw.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, String):
            keep.append(block)
        elif isinstance(block, ImplicitComment):
            _report_stray_text(block.comment, line, source, result)
        elif isinstance(block, DuplicateBlockKeyBlock):
            key = block.key
            first = seen_keys.get(key.casefold())
            where = f" (first at line {first})" if first else ""
            result.problems.append(
                Problem(
                    source,
                    f"entry {key!r} (line {line})",
                    "key",
                    f"the citation key {key!r} is used twice{where}; this second entry is skipped. "
                    "Give it its own key.",
                )
            )
        elif isinstance(block, DuplicateFieldKeyBlock | Entry):
            entry = block.ignore_error_block if isinstance(block, DuplicateFieldKeyBlock) else block
            label = f"entry {entry.key!r} (line {line})"
            if entry.key.casefold() in seen_keys:
                result.problems.append(
                    Problem(
                        source,
                        label,
                        "key",
                        f"the citation key {entry.key!r} is used twice (first at line "
                        f"{seen_keys[entry.key.casefold()]}); this second entry is skipped. Give it its own key.",
                    )
                )
                continue
            seen_keys[entry.key.casefold()] = line
            entry = _first_fields(entry, label, source, result, Entry)
            if entry is not None:
                keep.append(entry)
        elif hasattr(block, "error"):
            result.problems.append(_broken(block, line, source))
    library = Library(keep)
    library = ResolveStringReferencesMiddleware(True).transform(library)
    library = RemoveEnclosingMiddleware(True).transform(library)
    for block in library.failed_blocks:
        result.problems.append(_broken(block, (block.start_line or 0) + 1, source))
    for entry in library.entries:
        label = f"entry {entry.key!r} (line {(entry.start_line or 0) + 1})"
        fields = {f.key.lower(): _tex_dashes(f.key.lower(), f.value) for f in entry.fields}
        _entry_to_record(entry.entry_type.lower(), fields, label, source, result, base_url)
    return result


_DISCRETIONARY = re.compile(r"\\-|\u00ad")


def _tex_dashes(name: str, value: Any) -> Any:
    """TeX's typing conventions in a field: ``\\-`` is invisible, ``--``/``---`` are dashes ("-" in names)."""
    if not isinstance(value, str):
        return value
    value = _DISCRETIONARY.sub("", value)
    if name in ("url", "pdf", "doi", "code", "website", "project", "html", "eprint", "arxiv", "file", "openreview"):
        return value
    if name in ("author", "editor"):
        return re.sub(r"-{2,3}", "-", value)
    return value.replace("---", "—").replace("--", "–")


def _report_stray_text(comment: str, line: int, source: str, result: FetchResult) -> None:
    """Text between entries: a pasted RIS record or fields whose ``@type{key,`` was lost."""
    if _RIS_LINE.search(comment):
        # one problem per pasted record: each starts with "TY  - "
        starts = [m.start() for m in re.finditer(r"^TY  - ", comment, re.M)] or [0]
        for i, start in enumerate(starts):
            chunk = comment[start : starts[i + 1] if i + 1 < len(starts) else len(comment)]
            at = line + comment.count("\n", 0, start)
            title = re.search(r"^(?:TI|T1)  - (.+)$", chunk, re.M)
            label = f"text at line {at}" + (f" '{title.group(1).strip()[:60]}'" if title else "")
            result.problems.append(
                Problem(
                    source,
                    label,
                    "entry",
                    "a RIS record (TY  - …) was pasted into the BibTeX file and is skipped; export the "
                    "paper as BibTeX and replace it",
                )
            )
    elif _ORPHAN_FIELD.search(comment) and not comment.lstrip().startswith(("%", "---")):
        result.problems.append(
            Problem(
                source,
                f"text at line {line}",
                "",
                "fields outside any entry (a missing '@type{key,' line or a stray closing brace "
                "before them?); they are skipped",
            )
        )


def _broken(block: Any, line: int, source: str) -> Problem:
    raw = block.raw or ""
    key = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s]+)", raw)
    label = f"entry {key.group(1)!r} (line {line})" if key else f"entry at line {line}"
    error = str(getattr(block, "error", ""))
    if _RIS_LINE.search(raw):
        braces = "" if raw.count("{") == raw.count("}") else " (so its braces do not balance either)"
        return Problem(
            source,
            label,
            "entry",
            f"a RIS record (TY  - …) was pasted into or after this entry{braces}; export the paper as BibTeX "
            "and replace it. The entry is skipped and the others load",
        )
    if "Unexpected block start" in error or "Unexpected end of file" in error or raw.count("{") != raw.count("}"):
        opened, closed = raw.count("{"), raw.count("}")
        reason = (
            f"unbalanced braces ({opened} '{{' but {closed} '}}'): a value is never closed, so the "
            "entry runs into the next one"
        )
    elif "Expected a `,`" in error or "comma" in error.lower():
        reason = "a comma is missing between two fields"
    elif "equals" in error.lower() or "=" in error:
        reason = "a field has no '=' after its name"
    else:
        reason = f"cannot be read ({error.splitlines()[0] if error else 'malformed entry'})"
    return Problem(source, label, "entry", f"{reason}; the entry is skipped and the others load")


def _first_fields(entry: Any, label: str, source: str, result: FetchResult, entry_cls: type) -> Any | None:
    """The entry with each field once (first value wins, case-insensitively); None when malformed."""
    seen: set[str] = set()
    fields = []
    dupes: Counter[str] = Counter()
    for f in entry.fields:
        name = f.key.lower()
        if name in seen:
            dupes[name] += 1
            continue
        seen.add(name)
        missing = _glued_field(f.value)
        if missing:
            result.problems.append(
                Problem(
                    source,
                    label,
                    "entry",
                    f"a comma is missing after field '{name}' (before '{missing} ='), so the two were read as "
                    "one; the entry is skipped and the others load",
                )
            )
            return None
        fields.append(f)
    for name in dupes:
        result.problems.append(
            Problem(
                source,
                label,
                name,
                f"field '{name}' is given {dupes[name] + 1} times; the first value is used",
                level="warning",
            )
        )
    if not dupes and len(fields) == len(entry.fields):
        return entry
    return entry_cls(entry.entry_type, entry.key, fields, entry.start_line, entry.raw)


def _glued_field(value: Any) -> str | None:
    """ "{Title}\\n  author = {…}": the next field swallowed because a comma is missing."""
    if not isinstance(value, str) or value[:1] not in '{"':
        return None
    close = _closing(value)
    if close is None or close + 1 >= len(value):
        return None
    rest = value[close + 1 :]
    m = _FIELD_AFTER_VALUE.match(rest)
    return m.group(1) if m else None


def _closing(value: str) -> int | None:
    if value[0] == '"':
        i = value.find('"', 1)
        return i if i > 0 else None
    depth = 0
    for i, ch in enumerate(value):
        if ch == "{" and (i == 0 or value[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or value[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i
    return None


def _entry_to_record(
    entry_type: str,
    fields: dict[str, str],
    label: str,
    source: str,
    result: FetchResult,
    base_url: str | None,
) -> None:
    """One entry: skipped (counted) when it is no accepted paper, else validated into a Record."""
    problems: list[Problem] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(source, label, name, message))

    def warn(name: str, message: str) -> None:
        problems.append(Problem(source, label, name, message, level="warning"))

    plain = {k: clean_text(v) if isinstance(v, str) else "" for k, v in fields.items() if k not in ("abstract",)}
    for k in ("title", "booktitle", "journal", "journaltitle", "abbr"):
        if "\x00" in fields.get(k, ""):
            bad(k, "contains a NUL byte (binary data?); remove it")
    container = plain.get("booktitle") or plain.get("journal") or plain.get("journaltitle") or ""
    container_field = next((k for k in ("booktitle", "journal", "journaltitle") if plain.get(k)), "booktitle")
    if is_shouting(container):
        container = title_case(container)
    verdict = bib_verdict(entry_type, plain, container)
    if verdict.status == "skip" and verdict.reason != "no_venue":
        result.skipped[verdict.reason] += 1
        return

    title_raw = fields.get("title", "")
    title = clean_title(title_raw, fields.get("abstract", ""))
    if not title:
        bad("title", "missing title; the entry is skipped")
    authors, et_al = split_bibtex_authors(fields.get("author", ""))
    if not authors:
        bad("author", "no authors; the entry is skipped")
    year = _year(fields, bad)
    event = None
    if verdict.reason == "no_venue":
        bad("booktitle" if entry_type != "article" else "journal", "no journal or booktitle: where was it published?")
    elif year is not None:
        abbr = plain.get("abbr") or None
        hint = "journal" if container_field != "booktitle" or entry_type == "article" else None
        try:
            parsed = identify_container(container, abbr=abbr, year=year, kind_hint=hint)
        except ValueError:
            # only a proceedings series ("Procedia Computer Science", "CCIS"): that is where it
            # appeared, so it is the label; never a reason to lose a member's paper
            name = clean_venue_name(container)
            parsed = ParsedVenue(name, year, "journal" if hint else "main", kind=hint) if name else None
            if parsed is None:
                bad(container_field, f"no venue name in {container!r}; write the conference or journal")
        if parsed is not None and getattr(parsed, "kind", None) in ("preprint", "patent"):
            result.skipped[parsed.kind] += 1
            return
        if parsed is not None:
            note = " ".join(plain.get(k, "") for k in ("note", "award", "pubstate"))
            presentation = _PRESENTATION.search(note)
            track = parsed.track
            prefix = _TITLE_TRACK.match(title)
            if prefix and track == "main":  # "Demo Abstract: …", "Poster: …"
                track = "demo" if prefix.group(1).lower().startswith("demo") else "poster"
            event = VenueEvent(
                parsed.series,
                parsed.year or year,
                track,
                parsed.workshop,
                getattr(parsed, "workshop_name", None),
                presentation.group(1).lower() if presentation else parsed.presentation,
                "accepted" if verdict.status == "published" else verdict.status,
            )
    link_data = {"doi": fields.get("doi"), "openreview": fields.get("openreview")}
    eprint = fields.get("eprint") or fields.get("arxiv") or fields.get("arxivid")
    if eprint and (fields.get("archiveprefix", "arXiv").lower() == "arxiv" or "eprint" not in fields):
        link_data["arxiv"] = eprint
    names: dict[str, str] = {}
    for name, target in (*_LINK_FIELDS.items(), ("html", "url")):
        if fields.get(name) and not link_data.get(target):
            link_data[target] = fields[name]
            names[target] = name
    links, id_fields = read_links(link_data, warn, base_url=base_url, names=names)
    errors = [p for p in problems if p.is_error]
    result.problems.extend(problems)
    if errors or event is None:
        return
    abstract_raw = fields.get("abstract", "")
    paper = Paper(
        title=title,
        authors=tuple(Author(a) for a in authors),
        abstract=clean_text(abstract_raw),
        events=(event,),
        links=links,
        title_raw=title_raw,
        abstract_raw=abstract_raw,
        et_al=et_al,
        **id_fields,
    )
    result.records.append(Record(paper, label))


def _year(fields: dict[str, str], bad: Any) -> int | None:
    text = (fields.get("year") or "").strip()
    if text:
        m = _YEAR.match(clean_text(text))
        if m:
            return int(m.group(1))
        bad("year", f"cannot read year {text!r}; write four digits, e.g. year = {{2024}}")
        return None
    date = (fields.get("date") or "").strip()
    m = _DATE_YEAR.match(date)
    if m:
        return int(m.group(1))
    bad("year", "no year (or date); the entry is skipped")
    return None
