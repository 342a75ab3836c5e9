"""Lab-maintained paper lists: YAML, CSV and BibTeX files (``[[sources]] type = "file"``).

These are the lab's own word and the first source every install has. Each record is
validated on its own: a record with a missing title or an unreadable date is reported
(file, record, field) and skipped, and every other record still loads. A file that cannot
be parsed at all fails as a whole, without touching what is already stored.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import FileSourceConfig
from ..fingerprint import Fingerprint, file_fingerprint
from ..models import Problem
from ..safeio import InputError, load_yaml, read_text_limited
from . import KNOWN_FIELDS, FetchResult, Record, record_to_paper
from .bibtex import read_bibtex

_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".bib": "bibtex", ".bibtex": "bibtex"}


class FileSource:
    """One lab file; every run re-reads it whole (``snapshot``), unless nothing changed (``fingerprint``)."""

    def __init__(self, config: FileSourceConfig) -> None:
        self.config = config
        self.name = config.label
        self.path = config.path
        self.format = config.format or _EXTENSIONS.get(config.path.suffix.lower())

    def fingerprint(self, previous: Fingerprint | None = None) -> Fingerprint | None:
        """Path, size, mtime_ns and SHA-256 of the file, hashed only when size or mtime differ
        from ``previous``; None when it cannot be read (bot/fingerprint.py)."""
        if self.format is None:
            return None
        return file_fingerprint(self.path, previous, max_bytes=self.config.max_source_bytes)

    def fetch(self, since: datetime | None = None) -> FetchResult:
        if self.format is None:
            return _failed(
                _display(self.path),
                f"cannot tell the format of {self.path.name}; use a .yaml, .csv or .bib "
                'file or set format = "yaml" | "csv" | "bibtex" in [[sources]]',
            )
        try:
            text = read_text_limited(self.path, max_bytes=self.config.max_source_bytes, what="file", stray_nul=True)
        except InputError as exc:
            return _failed(_display(self.path), exc.reason)
        base_url = self.config.base_url
        if self.format == "bibtex":
            result = read_bibtex(text, _display(self.path), base_url=base_url)
        else:
            reader = {"yaml": _read_yaml, "csv": _read_csv}[self.format]
            result = reader(text, _display(self.path), base_url)
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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _label(index: int, line: int | None, title: Any, unit: str = "#") -> str:
    where = f"{unit}{index}" + (f" (line {line})" if line else "")
    if isinstance(title, str) and title.strip():
        short = " ".join(_CONTROL.sub(" ", title).split())  # a NUL or escape code never reaches a terminal
        where += f" '{short[:60]}{'…' if len(short) > 60 else ''}'"
    return where


def _collect(
    records: list[tuple[dict[str, Any], str]], source: str, result: FetchResult, base_url: str | None
) -> FetchResult:
    for data, label in records:
        paper, problems = record_to_paper(data, source=source, label=label, base_url=base_url)
        result.problems.extend(problems)
        if paper is not None:
            result.records.append(Record(paper, label))
    return result


# --- YAML -------------------------------------------------------------------------------


def _read_yaml(text: str, source: str, base_url: str | None = None) -> FetchResult:
    try:
        data, root = load_yaml(text, source=source)
    except InputError as exc:
        return _failed(source, exc.reason)
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
    return _collect(records, source, result, base_url)


# --- CSV --------------------------------------------------------------------------------


def _read_csv(text: str, source: str, base_url: str | None = None) -> FetchResult:
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
    return _collect(records, source, result, base_url)


# --- BibTeX: see bibtex.py -----------------------------------------------------------
