"""Lab-maintained paper lists: YAML, CSV and BibTeX files (``[[sources]] type = "file"``).

These are the lab's own word and the first source every install has. Each record is
validated on its own: a record with a missing title or an unreadable date is reported
(file, record, field) and skipped, and every other record still loads. A file that cannot
be parsed at all fails as a whole, without touching what is already stored.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import FileSourceConfig
from ..models import Problem
from ..text import clean_text
from ..venues import long_name_series
from . import KNOWN_FIELDS, FetchResult, Record, record_to_paper

_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".bib": "bibtex", ".bibtex": "bibtex"}


class FileSource:
    """One lab file; every run re-reads it whole (``snapshot``)."""

    def __init__(self, config: FileSourceConfig) -> None:
        self.config = config
        self.name = config.label
        self.path = config.path
        self.format = config.format or _EXTENSIONS.get(config.path.suffix.lower())

    def fetch(self, since: datetime | None = None) -> FetchResult:
        if self.format is None:
            return _failed(
                _display(self.path),
                f"cannot tell the format of {self.path.name}; use a .yaml, .csv or .bib "
                'file or set format = "yaml" | "csv" | "bibtex" in [[sources]]',
            )
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return _failed(_display(self.path), "file not found")
        except (OSError, UnicodeDecodeError) as exc:
            return _failed(_display(self.path), f"cannot read the file: {exc}")
        reader = {"yaml": _read_yaml, "csv": _read_csv, "bibtex": _read_bibtex}[self.format]
        result = reader(text, _display(self.path))
        result.snapshot = result.ok
        return result


def _display(path: Path) -> str:
    """The file as the user would name it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _failed(source: str, message: str) -> FetchResult:
    return FetchResult(problems=[Problem(source, "", "", message)], ok=False)


def _label(index: int, line: int | None, title: Any, unit: str = "#") -> str:
    where = f"{unit}{index}" + (f" (line {line})" if line else "")
    if isinstance(title, str) and title.strip():
        short = " ".join(title.split())
        where += f" '{short[:60]}{'…' if len(short) > 60 else ''}'"
    return where


def _collect(records: list[tuple[dict[str, Any], str]], source: str, result: FetchResult) -> FetchResult:
    for data, label in records:
        paper, problems = record_to_paper(data, source=source, label=label)
        result.problems.extend(problems)
        if paper is not None:
            result.records.append(Record(paper, label))
    return result


# --- YAML -------------------------------------------------------------------------------


def _yaml_loader() -> type:
    """A safe loader that keeps dates as text, so one bad date cannot fail the whole file.

    libyaml's parser when PyYAML has it (its wheels do): the pure-Python one takes seconds per
    thousand papers.
    """
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _read_yaml(text: str, source: str) -> FetchResult:
    import yaml

    loader = _yaml_loader()(text)
    try:
        root = loader.get_single_node()  # parsed once: nodes carry line numbers ...
        data = loader.construct_document(root) if root is not None else None  # ... and give the data
    except yaml.YAMLError as exc:
        return _failed(source, f"not valid YAML: {exc}")
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(data.get("papers"), list):
        return _failed(source, "expected a list of papers under the key 'papers:'")
    nodes = next(v for k, v in root.value if k.value == "papers").value
    result = FetchResult()
    records = []
    for index, (item, node) in enumerate(zip(data["papers"], nodes, strict=True), start=1):
        line = node.start_mark.line + 1
        label = _label(index, line, item.get("title") if isinstance(item, dict) else None)
        if not isinstance(item, dict):
            result.problems.append(Problem(source, label, "", "expected a mapping of fields (title:, authors:, …)"))
            continue
        records.append(({str(k): v for k, v in item.items()}, label))
    return _collect(records, source, result)


# --- CSV --------------------------------------------------------------------------------


def _read_csv(text: str, source: str) -> FetchResult:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        return _failed(source, "empty CSV file; the first row must name the columns (title, authors, venue, …)")
    unknown = [h for h in header if h and h not in KNOWN_FIELDS]
    if unknown:
        return _failed(
            source,
            f"unknown column(s) {', '.join(map(repr, unknown))} in the header row; "
            f"known columns: {', '.join(KNOWN_FIELDS)}",
        )
    reader.fieldnames = header
    result = FetchResult()
    records = []
    try:
        for row in reader:
            line = reader.line_num
            data = {k: v.strip() for k, v in row.items() if k and isinstance(v, str) and v.strip()}
            if not data:
                continue
            if None in row:
                result.problems.append(
                    Problem(
                        source,
                        _label(line, None, data.get("title"), "row at line "),
                        "",
                        "more cells than header columns; check for unquoted commas",
                    )
                )
                continue
            records.append((data, _label(line, None, data.get("title"), "row at line ")))
    except csv.Error as exc:
        return _failed(source, f"not valid CSV at line {reader.line_num}: {exc}")
    return _collect(records, source, result)


# --- BibTeX -----------------------------------------------------------------------------

_BIB_KEEP = {"doi", "url", "code", "pdf", "abstract", "openreview", "title", "year"}
_NOTE_STATUS = (
    (re.compile(r"\b(submitted|under review)\b", re.I), "submitted"),
    (re.compile(r"\b(accepted|to appear|forthcoming|in press)\b", re.I), "accepted"),
)
_NOTE_PRESENTATION = re.compile(r"\b(oral|spotlight|poster)\b", re.I)
_PAREN = re.compile(r"\(([^()]+)\)\s*$")


def _read_bibtex(text: str, source: str) -> FetchResult:
    import bibtexparser
    from bibtexparser.middlewares import SeparateCoAuthors

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failed blocks ourselves
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    result = FetchResult()
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        key = re.match(r"@\w+\s*\{\s*([^,\s]+)", block.raw or "")
        label = f"entry {key.group(1)!r} (line {line})" if key else f"entry at line {line}"
        reason = (
            "this key is used twice"
            if type(block).__name__ == "DuplicateBlockKeyBlock"
            else ("broken entry (unbalanced braces or a missing comma?)")
        )
        result.problems.append(Problem(source, label, "", f"{reason}; the entry is skipped"))
    records = []
    for entry in library.entries:
        fields = {name.lower(): f.value for name, f in entry.fields_dict.items()}
        label = f"entry {entry.key!r} (line {(entry.start_line or 0) + 1})"
        records.append((_bib_record(entry.entry_type.lower(), fields), label))
    result = _collect([(d, lbl) for d, lbl in records if d is not None], source, result)
    return result


def _bib_record(entry_type: str, fields: dict[str, Any]) -> dict[str, Any] | None:
    """Map one BibTeX entry onto paperbot's record fields; None for a preprint with no venue."""
    data: dict[str, Any] = {k: v for k, v in fields.items() if k in _BIB_KEEP}
    if "author" in fields:
        authors = fields["author"]
        data["authors"] = [clean_text(a) for a in (authors if isinstance(authors, list) else [authors])]
    eprint = fields.get("eprint") or fields.get("arxiv")
    if eprint and (fields.get("archiveprefix", "arXiv").lower() == "arxiv" or "arxiv" in fields):
        data["arxiv"] = eprint
    if "html" in fields and "url" not in data:
        data["url"] = fields["html"]
    note = " ".join(str(fields.get(k, "")) for k in ("note", "award"))
    status = next((s for rx, s in _NOTE_STATUS if rx.search(note)), None)
    if fields.get("status"):
        status = str(fields["status"]).strip().lower()
    presentation = _NOTE_PRESENTATION.search(note)
    if presentation:
        data["presentation"] = presentation.group(1).lower()
    container = clean_text(fields.get("booktitle") or fields.get("journal") or "")
    venue, workshop_name = _bib_venue(container, clean_text(fields.get("abbr", "")), fields.get("year"))
    if venue is None:
        if entry_type in {"misc", "unpublished", "techreport", "online"}:
            return None  # a preprint: nothing to announce
        data["venue"] = ""
    else:
        data["venue"] = venue
    if workshop_name:
        data["workshop_name"] = workshop_name
        data["track"] = "workshop"
    if status:
        data["status"] = status
    return data


def _bib_venue(container: str, abbr: str, year: Any) -> tuple[str | None, str | None]:
    """A venue string ("NeurIPS 2024") and workshop name from booktitle/journal and abbr."""
    year_text = str(year).strip() if year else ""
    is_workshop = "workshop" in container.lower()
    paren = _PAREN.search(container)
    inner = paren.group(1) if paren else ""
    if "@" in inner:  # "(FITML @ NeurIPS 2024)"
        return inner if re.search(r"\d{4}", inner) else f"{inner} {year_text}", container[: paren.start()].strip()
    series = abbr or long_name_series(container) or (inner if inner and len(inner) < 20 else "")
    if not series:
        if not container:
            return None, None
        series = container
    series = re.sub(r"\s*['’]?\d{2,4}\s*$", "", series) or series
    venue = f"{series} {year_text}".strip()
    if is_workshop:
        name = container[: paren.start()].strip() if paren else container
        return venue, name
    return venue, None
