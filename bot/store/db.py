"""The store file and its connection: what the file is, opening it, transactions, migrations.

Guarantees:
- A path that is not a paperbot store (a folder, another kind of file, a truncated SQLite file,
  another program's database, a newer paperbot's store) is refused with a clear ``StoreError``
  before SQLite changes anything in it.
- A writable store is in WAL mode with ``synchronous=FULL`` and foreign keys on; a read-only open
  (``immutable=1``, or ``mode=ro`` while a WAL file exists) cannot change the file, and reads a
  store of an older paperbot through an upgraded in-memory copy.
- Every change runs in ``transaction()``: ``BEGIN IMMEDIATE`` … ``COMMIT``, all or nothing; nested,
  a savepoint undone alone when it fails.
- Migrations (``migrations.py``) are applied in one transaction that reads again what is applied,
  so two processes creating or upgrading one store take turns; the header records the schema
  version (``user_version``) and paperbot's ``application_id``.
- Another writer's lock is waited for quietly ``BUSY_NOTICE`` seconds, then with a message up to
  ``busy_timeout``, then ``StoreError``; SQLite errors meaning damaged, foreign, busy or unusable
  become a ``StoreError`` (``describe_sqlite_error``), never a traceback.

Timestamps are ISO 8601 UTC strings from the injected clock (``now()``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self
from urllib.parse import quote

from ..errors import ConfigError, StoreError
from .migrations import MIGRATIONS

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- the store file: what it is, and waiting for other writers ------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
APPLICATION_ID = 0x50425354  # "PBST" in the file header: this SQLite file is a paperbot store
BUSY_NOTICE = 2.0  # seconds another writer may hold the lock before paperbot says it is waiting


def _tell_waiting(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _check_file(path: Path) -> None:
    """Refuse a store path that is no SQLite file, or an SQLite file cut short, with a clear message."""
    import os
    import stat

    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"the store {path} is a folder: set [store] path to a file (it is created if missing)")
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"the store {path} is not a regular file: set [store] path to a file")
    if st.st_size == 0:
        return  # SQLite takes an empty file for a new database
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    if not head.startswith(SQLITE_HEADER):
        raise StoreError(
            f"{path} is not a paperbot store: it is not an SQLite database (damaged, or another file)."
            " Restore the store from a backup, or point [store] path at a new file"
        )
    page_size = int.from_bytes(head[16:18], "big") if len(head) >= 18 else 0
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big") if len(head) >= 32 else 0
    size_valid = len(head) == 100 and head[24:28] == head[92:96] and pages > 0
    at_rest = not os.path.exists(f"{path}-wal")  # with a WAL the newest pages may live there
    if len(head) < 100 or (size_valid and at_rest and st.st_size < page_size * pages):
        expected = f" of {page_size * pages:,}" if size_valid else ""
        raise StoreError(
            f"the store {path} is truncated ({st.st_size:,}{expected} bytes): restore it from a backup,"
            " or move it away and run 'paperbot init' to start a new one"
        )


_DAMAGED = ("not a database", "malformed", "disk image", "encrypted", "corrupt", "no such table", "no such column")
_UNUSABLE = ("unable to open", "readonly", "read-only", "disk i/o", "is full", "permission", "access")


def describe_sqlite_error(exc: sqlite3.Error, path: Path | str | None, *, opening: bool = False) -> StoreError | None:
    """A clear StoreError for an SQLite error that means the store is damaged, foreign, busy or
    unusable; None for any other (a bug: let it show). ``opening``: never None."""
    where = f"the store {path}" if path else "the store"
    text = str(exc).lower()
    if _is_busy(exc):
        return StoreError(f"{where} is locked by another paperbot process; try again when it has finished")
    if any(w in text for w in _DAMAGED):
        return StoreError(
            f"{where} is damaged or not a paperbot store ({exc}): restore it from a backup, or move it away"
            " and run 'paperbot init' to start a new one"
        )
    if opening or any(w in text for w in _UNUSABLE):
        return StoreError(f"cannot use {where}: {exc}")
    return None


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one (run inside one transaction)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip() and any(not ln.strip().startswith("--") for ln in current.splitlines() if ln.strip()):
        out.append(current.strip())
    return out


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


class Database:
    """The connection to one store file and its guarantees.

    ``Store`` adds each concern as a mixin that uses only what this class provides: ``db`` (the
    connection), ``transaction()``, ``now()``, and ``clock`` and ``path`` where needed.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock = utc_now,
        readonly: bool = False,
        busy_timeout: float = 30.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        self.clock = clock
        self.busy_timeout = busy_timeout  # seconds to wait for another process's write transaction
        self.on_wait = on_wait or _tell_waiting
        if self.path is not None:
            _check_file(self.path)  # a foreign or truncated file is refused before SQLite touches it
        if self.path is not None and not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the store folder {self.path.parent}: {exc}") from None
        try:
            if readonly:
                if self.path is None or not self.path.exists():
                    self.db = sqlite3.connect(":memory:", isolation_level=None)
                else:
                    # Without a WAL file the store is at rest: open it immutable, which creates no
                    # -wal/-shm files at all. With one (a writer is running or crashed), read-only.
                    wal = self.path.with_name(self.path.name + "-wal")
                    mode = "mode=ro" if wal.exists() else "immutable=1"
                    uri = f"file:{quote(str(self.path.resolve()))}?{mode}"
                    self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=self._quiet_wait)
            else:
                self.db = sqlite3.connect(str(path), isolation_level=None, timeout=self._quiet_wait)
                self._applied()  # another program's database, or a newer paperbot's: refused untouched
                self._retry_busy(lambda: self.db.execute("PRAGMA journal_mode=WAL"))
                self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.row_factory = sqlite3.Row
        except sqlite3.Error as exc:
            raise describe_sqlite_error(exc, path, opening=True) from None
        except StoreError:
            self.db.close()
            raise
        self.readonly = readonly
        try:
            if not readonly:
                self.migrate()
            elif self.path is None or not self.path.exists():
                for _, sql in MIGRATIONS:  # an empty in-memory view of a store that does not exist yet
                    self.db.executescript(sql)
            elif self._pending_migrations():
                # Written by an older paperbot: read an upgraded in-memory copy, leave the file as it is.
                memory = sqlite3.connect(":memory:", isolation_level=None)
                self.db.backup(memory)
                self.db.close()
                self.db = memory
                self.db.row_factory = sqlite3.Row
                self.migrate()
        except sqlite3.Error as exc:
            self.db.close()
            raise describe_sqlite_error(exc, path, opening=True) from None
        except BaseException:
            self.db.close()
            raise

    @property
    def _quiet_wait(self) -> float:
        """How long SQLite waits for a lock before paperbot says that it is waiting."""
        from . import BUSY_NOTICE as notice  # the package's, read now: setting bot.store.BUSY_NOTICE works

        return min(notice, self.busy_timeout)

    def _retry_busy(self, statement: Callable[[], object]) -> object:
        """Run ``statement``; if another process holds the write lock, say so and wait up to
        ``busy_timeout`` in all before giving up with a StoreError (exit 2), never a traceback."""
        try:
            return statement()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        rest = self.busy_timeout - self._quiet_wait
        if rest > 0:
            self.on_wait(
                f"waiting: the store {self.path or ':memory:'} is being written by another paperbot process;"
                f" waiting up to {rest:g} s more ([store] busy_timeout = {self.busy_timeout:g})"
            )
            self.db.execute(f"PRAGMA busy_timeout = {int(rest * 1000)}")
            try:
                return statement()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {int(self._quiet_wait * 1000)}")
        raise StoreError(
            f"the store {self.path} is locked by another paperbot process (waited {self.busy_timeout:g} s,"
            " [store] busy_timeout); try again when it has finished"
        )

    def _tables(self) -> set[str]:
        return {
            r[0]
            for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        }

    def _applied(self) -> set[str]:
        """The migrations this store has, after checking that it is paperbot's and not newer."""
        tables = self._tables()
        app_id = self.db.execute("PRAGMA application_id").fetchone()[0]
        foreign = StoreError(
            f"{self.path} is not a paperbot store: it is an SQLite database of another program"
            f" (tables: {', '.join(sorted(tables)[:6]) or 'none'}). Point [store] path at paperbot's store,"
            " or at a new file"
        )
        if app_id not in (0, APPLICATION_ID):
            raise foreign
        if "migrations" not in tables:
            if tables:
                raise foreign
            return set()
        try:
            done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        except sqlite3.OperationalError:  # a "migrations" table of another shape
            raise foreign from None
        if (done or tables - {"migrations"}) and MIGRATIONS[0][0] not in done:
            raise foreign
        unknown = done - {name for name, _ in MIGRATIONS}
        if unknown:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            raise StoreError(
                f"the store {self.path} was written by a newer paperbot (schema version {version or '?'},"
                f" migrations {sorted(unknown)}); this paperbot knows schema version {len(MIGRATIONS)}:"
                " upgrade paperbot. The store was left unchanged"
            )
        return done

    def schema_version(self) -> int:
        """The store's schema version: the number of migrations applied (``PRAGMA user_version``)."""
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _pending_migrations(self) -> bool:
        done = self._applied()
        return any(name not in done for name, _ in MIGRATIONS)

    def close(self) -> None:
        self.db.close()

    def copy_to_memory(self) -> Self:
        """A private in-memory copy: a dry run can change it freely, the file stays untouched."""
        copy = type(self)(":memory:", clock=self.clock)
        self.db.backup(copy.db)
        copy.migrate()
        return copy

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time, all-or-nothing.

        Inside another transaction it is a savepoint: its changes are undone alone when it
        fails, and made durable with the outer commit (see ``batch``). When another process
        holds the write lock it waits (saying so) up to ``busy_timeout``, then raises StoreError.
        """
        if self.db.in_transaction:
            self.db.execute("SAVEPOINT nested")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK TO nested")
                self.db.execute("RELEASE nested")
                raise
            else:
                self.db.execute("RELEASE nested")
            return
        self._retry_busy(lambda: self.db.execute("BEGIN IMMEDIATE"))
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied, in one BEGIN IMMEDIATE transaction.

        Two processes creating (or upgrading) one store at once take turns, and the second finds
        the work done. The schema version (the number of migrations) is kept in ``PRAGMA
        user_version`` and paperbot's ``application_id`` is set, so the file says what it is.
        A store of another program, or of a newer paperbot, is refused and left unchanged.
        """
        if self._current():
            return []
        applied = []
        with self.transaction() as db:
            done = self._applied()  # again, now that no one else can be migrating
            db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                for statement in _statements(sql):
                    db.execute(statement)
                db.execute("INSERT INTO migrations VALUES (?, ?)", (name, self.now()))
                applied.append(name)
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        return applied

    def _current(self) -> bool:
        """The store is paperbot's and fully migrated (checked without taking the write lock)."""
        header = self.db.execute("PRAGMA user_version").fetchone()[0], self.db.execute("PRAGMA application_id")
        if header[0] != len(MIGRATIONS) or header[1].fetchone()[0] != APPLICATION_ID:
            return False
        return self._applied() == {name for name, _ in MIGRATIONS}

    def now(self) -> str:
        return _iso(self.clock())
