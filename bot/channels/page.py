"""The news page channel: files written atomically into a folder a web server serves.

Each file is written to a temporary name in the same folder, flushed to disk, then
renamed over the old one, so a reader sees the old page or the new one, never half. A file
whose bytes would not change is left alone (its modification time too, for web caches).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from . import Outcome


class PageChannel:
    name = "page"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[str] = []  # by the last write: files replaced or created
        self.unchanged: list[str] = []  # by the last write: files that already had these bytes

    def write(self, files: list[tuple[str, str]]) -> Outcome:
        self.written, self.unchanged = [], []
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, text in files:
                path = self.folder / name
                if _same(path, text):
                    self.unchanged.append(name)
                    continue
                atomic_write(path, text)
                self.written.append(name)
        except OSError as exc:
            return Outcome("failed", error=f"cannot write to {self.folder}: {exc}")
        return Outcome("sent", remote_url=str(self.folder))


def _same(path: Path, text: str) -> bool:
    """Whether ``path`` is a regular file holding exactly ``text`` (UTF-8)."""
    data = text.encode("utf-8")
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
