"""``paperbot backup PATH``: a consistent copy of the store, safe while a daemon or ``run`` writes.

How:
- the store is opened read-only (``mode=ro``) and copied with SQLite's online backup API in one
  step: one read transaction, so the copy is the store as of one moment, with every transaction
  committed before it and none after; in WAL mode writers go on meanwhile and are never blocked;
- the copy goes to ``PATH.tmp``, is switched from WAL to a rollback journal (one self-contained
  file), verified (``PRAGMA integrity_check``, paperbot's application id, the ``migrations``
  table against the schema version, then opened as a paperbot store), fsynced, and only then
  renamed to ``PATH`` (and the folder fsynced): ``PATH`` is a whole, verified copy or nothing;
- an existing ``PATH`` is never replaced without ``force`` (checked atomically with a hard link
  where the file system has them); the store itself is never a target.

Errors: ``ConfigError`` (exit 2) for a missing store or a bad target; ``BackupError`` (exit 1)
when the copy could not be made or failed verification (no ``PATH`` is left then).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .errors import BotError, ConfigError


class BackupError(BotError):
    """The copy could not be made, or it failed verification (exit 1)."""


@dataclass
class BackupResult:
    path: Path
    bytes: int
    schema_version: int
    integrity: str
    tables: dict[str, int] = field(default_factory=dict)  # rows per table of the copy

    def as_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "schema_version": self.schema_version,
            "integrity": self.integrity,
            "tables": self.tables,
        }

    def text(self) -> str:
        shown = ("papers", "venue_events", "announcements", "outbox", "digests", "subscribers")
        counts = ", ".join(f"{self.tables[t]:,} {t.replace('_', ' ')}" for t in shown if t in self.tables)
        return (
            f"backup written to {self.path} ({_size(self.bytes)}, schema version {self.schema_version},"
            f" integrity {self.integrity}): {counts}"
        )


def backup(store_path: Path, target: Path, *, force: bool = False, busy_timeout: float = 30.0) -> BackupResult:
    """Copy the store at ``store_path`` to ``target`` (see the module docstring)."""
    store_path = Path(store_path)
    target = Path(target)
    _check_source(store_path)
    _check_target(store_path, target, force)
    tmp = target.with_name(target.name + ".tmp")
    _remove(tmp)  # left by a backup that was killed: ours to replace
    try:
        _copy(store_path, tmp, busy_timeout)
        result = _verify(tmp)
        _fsync(tmp)
        _publish(tmp, target, force)
    except BaseException:
        _remove(tmp)
        raise
    result.path = target
    return result


def _check_source(path: Path) -> None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(
            f"there is no store at {path} ([store] path) to back up: run 'paperbot init' or check the config"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"the store {path} is not a regular file: set [store] path to the store file")


def _check_target(store_path: Path, target: Path, force: bool) -> None:
    if str(target).endswith(os.sep) or target.is_dir():
        raise ConfigError(f"{target} is a folder: give the backup's file name, e.g. {target / 'paperbot-backup.db'}")
    parent = target.parent
    if not parent.is_dir():
        raise ConfigError(f"the folder {parent} does not exist: create it first")
    try:
        resolved = target.resolve()
        store = store_path.resolve()
    except OSError as exc:
        raise ConfigError(f"cannot use {target}: {exc.strerror or exc}") from None
    tmp = resolved.with_name(resolved.name + ".tmp")
    beside_store = resolved.parent == store.parent and resolved.name.startswith(store.name + "-")
    if store in (resolved, tmp) or beside_store:
        raise ConfigError(f"{target} is the store itself (or one of its files): back it up to another file")
    if os.path.lexists(target):
        if not force:
            raise ConfigError(f"{target} already exists: choose a new file name, or add --force to replace it")
        if os.path.isdir(target) or not os.path.isfile(target):
            raise ConfigError(f"{target} exists and is not a regular file: it is not replaced")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write in the folder {parent}: permission denied")


def _copy(store_path: Path, tmp: Path, busy_timeout: float) -> None:
    uri = f"file:{quote(str(store_path.resolve()))}?mode=ro"
    try:
        src = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise ConfigError(f"cannot open the store {store_path}: {exc}") from None
    try:
        try:
            dst = sqlite3.connect(str(tmp), isolation_level=None)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot create {tmp}: {exc}") from None
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one consistent moment
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        except sqlite3.Error as exc:
            raise _copy_error(store_path, exc) from None
        finally:
            dst.close()
    finally:
        src.close()


def _copy_error(store_path: Path, exc: sqlite3.Error) -> Exception:
    from .store import describe_sqlite_error

    text = str(exc).lower()
    if "full" in text or "i/o" in text:
        return BackupError(f"the copy could not be written: {exc}")
    known = describe_sqlite_error(exc, store_path)
    return known if known is not None else BackupError(f"the copy failed: {exc}")


def _verify(tmp: Path) -> BackupResult:
    """The copy is a whole, undamaged paperbot store that paperbot itself can open."""
    from .store import APPLICATION_ID, MIGRATIONS, Store

    uri = f"file:{quote(str(tmp.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None)
        try:
            problems = [r[0] for r in db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed the integrity check: {'; '.join(problems[:5])}")
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = [
                r[0]
                for r in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            if "migrations" not in tables:
                raise BackupError("the copy has no migrations table: it is not a paperbot store")
            applied = {r[0] for r in db.execute("SELECT name FROM migrations")}
            counts = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the copy cannot be read back: {exc}") from None
    known = {name for name, _ in MIGRATIONS}
    if app_id not in (0, APPLICATION_ID):  # 0: written before paperbot set its id
        raise BackupError(f"the copy does not carry paperbot's application id (found {app_id:#x})")
    if not applied or not applied <= known or version not in (0, len(applied)):
        raise BackupError(
            f"the copy's migrations table does not match its schema version ({len(applied)} migrations,"
            f" user_version {version})"
        )
    try:
        Store(tmp, readonly=True).close()  # and paperbot opens it as a store
    except BotError as exc:
        raise BackupError(f"the copy cannot be opened as a store: {exc}") from None
    return BackupResult(tmp, tmp.stat().st_size, version or len(applied), "ok", counts)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(tmp: Path, target: Path, force: bool) -> None:
    """``tmp`` becomes ``target`` in one step; without ``force`` never over an existing file."""
    try:
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if target appeared meanwhile
            except FileExistsError:
                raise ConfigError(f"{target} already exists: choose a new file name, or add --force") from None
            except OSError:  # no hard links here (some network or FUSE file systems)
                if os.path.lexists(target):
                    raise ConfigError(f"{target} already exists: choose a new file name, or add --force") from None
                os.replace(tmp, target)
            _remove(tmp)
    except OSError as exc:
        raise BackupError(f"cannot put the copy at {target}: {exc.strerror or exc}") from None
    try:
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)  # the rename itself survives a crash
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for name in (str(path), f"{path}-journal", f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    value = float(n)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f} {unit}"
