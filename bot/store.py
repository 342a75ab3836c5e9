"""The state store: SQLite with WAL, append-only migrations, one transaction per change.

It remembers every paper and venue event ever seen, when each was first seen and first
seen accepted, and per (paper, venue event, channel) whether it was announced. Nothing is
ever deleted, so a bad run can only add or update, never lose what was known.

Timestamps are ISO 8601 UTC strings from the injected clock.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from .errors import ConfigError, StoreError
from .models import ANNOUNCEABLE, Announcement, Author, Links, Paper, VenueEvent
from .redact import redact_optional
from .text import normalize_title, slugify, titles_disagree

Clock = Callable[[], datetime]

# Append-only: (name, SQL script). Each runs once, atomically with its bookkeeping row.
MIGRATIONS: list[tuple[str, str]] = []


def migration(name: str, sql: str) -> None:
    MIGRATIONS.append((name, sql))


migration(
    "m001_papers_events_announcements",
    """
        CREATE TABLE papers (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            title_raw TEXT NOT NULL DEFAULT '',
            abstract TEXT NOT NULL DEFAULT '',
            abstract_raw TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL,            -- JSON [[name, member_id|null, former], ...]
            arxiv_id TEXT,
            doi TEXT,
            openreview_id TEXT,
            links TEXT NOT NULL,              -- JSON of models.Links
            published_on TEXT,
            content_hash TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- every identifier a paper is known by: arxiv, doi, openreview, title
        CREATE TABLE paper_keys (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            PRIMARY KEY (kind, value)
        );
        CREATE INDEX paper_keys_paper ON paper_keys(paper_id);
        CREATE TABLE venue_events (
            paper_id TEXT NOT NULL REFERENCES papers(id),
            venue_key TEXT NOT NULL,
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            track TEXT NOT NULL,
            workshop TEXT,
            workshop_name TEXT,
            presentation TEXT,
            status TEXT NOT NULL,
            accepted_on TEXT,
            source TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            accepted_seen_at TEXT,            -- when first seen accepted: what makes it "new"
            baseline_at TEXT,                 -- adopted as already announced (init --mark-announced)
            updated_at TEXT NOT NULL,
            PRIMARY KEY (paper_id, venue_key)
        );
        CREATE INDEX venue_events_status ON venue_events(status);
        CREATE TABLE announcements (
            paper_id TEXT NOT NULL,
            venue_key TEXT NOT NULL,
            channel TEXT NOT NULL,
            announced_at TEXT NOT NULL,
            remote_id TEXT,
            remote_url TEXT,
            PRIMARY KEY (paper_id, venue_key, channel),
            FOREIGN KEY (paper_id, venue_key) REFERENCES venue_events(paper_id, venue_key)
        );
        CREATE TABLE source_state (
            source TEXT PRIMARY KEY,
            cursor TEXT,
            last_run_at TEXT,
            last_ok_at TEXT,
            last_error TEXT
        );
        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
)


migration(
    "m002_outbox_digests_subscribers",
    """
        -- every message publishing sends, recorded before it is sent
        CREATE TABLE outbox (
            key TEXT PRIMARY KEY,             -- deterministic; Mastodon's Idempotency-Key
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,               -- post | thread_part | email_batch
            paper_id TEXT,
            venue_key TEXT,
            part INTEGER NOT NULL DEFAULT 1,
            parts INTEGER NOT NULL DEFAULT 1,
            thread_key TEXT,                  -- key of part 1 of a thread
            digest_id TEXT,
            batch_no INTEGER,
            first_subscriber INTEGER,
            last_subscriber INTEGER,
            recipients INTEGER,
            text TEXT NOT NULL DEFAULT '',
            spoiler_text TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            remote_id TEXT,
            remote_url TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            first_attempt_at TEXT,
            sent_at TEXT
        );
        CREATE INDEX outbox_channel_state ON outbox(channel, state);
        CREATE INDEX outbox_pair ON outbox(paper_id, venue_key, channel);
        CREATE INDEX outbox_digest ON outbox(digest_id, batch_no);
        CREATE TABLE digests (
            id TEXT PRIMARY KEY,
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            html TEXT NOT NULL,
            pairs TEXT NOT NULL,              -- JSON [[paper_id, venue_key], ...]
            state TEXT NOT NULL CHECK (state IN ('sending', 'done')),
            next_subscriber INTEGER NOT NULL DEFAULT 0,  -- batches take subscribers with a larger id
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT NOT NULL UNIQUE,       -- lowercased
            name TEXT,
            token TEXT NOT NULL UNIQUE,       -- opaque, for per-recipient unsubscribe links
            status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            unsubscribed_at TEXT
        );
        CREATE INDEX subscribers_status ON subscribers(status, id);
    """,
)


migration(
    "m003_outbox_sent_index",
    """
        -- the account's status quota counts recent sends: without this it scans every post ever sent
        CREATE INDEX outbox_sent ON outbox(channel, state, sent_at);
    """,
)

migration(
    "m004_outbox_delivered_through",
    """
        -- SMTP mails a batch one recipient at a time: the last subscriber id confirmed delivered,
        -- so a batch interrupted by a crash resumes after it instead of from its start
        ALTER TABLE outbox ADD COLUMN delivered_through INTEGER;
    """,
)


migration(
    "m005_papers_et_al",
    """
        -- the source's author list ended in "and others": shown as "et al."
        ALTER TABLE papers ADD COLUMN et_al INTEGER NOT NULL DEFAULT 0;
    """,
)


migration(
    "m006_email_recipients",
    """
        -- SMTP recipients of a batch that did not simply get the digest: a 4xx deferred them (a
        -- later run tries again), a 5xx refused them for good. Delivered recipients need no row
        -- (delivered_through covers them); a deferred one that gets through later is marked sent.
        CREATE TABLE email_recipients (
            batch_key TEXT NOT NULL REFERENCES outbox(key),
            subscriber_id INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('deferred', 'failed', 'sent')),
            code INTEGER,                     -- the server's last reply code (0: none)
            error TEXT,                       -- and its text
            attempts INTEGER NOT NULL DEFAULT 1,
            first_at TEXT NOT NULL,           -- first refusal: a deferral gives up after a while
            updated_at TEXT NOT NULL,
            PRIMARY KEY (batch_key, subscriber_id)
        );
        CREATE INDEX email_recipients_state ON email_recipients(state, batch_key);
    """,
)


_PRESENTATION_RANK = {"oral": 0, "spotlight": 1, "poster": 2}


def announcement_order(a: Announcement) -> tuple[object, ...]:
    """The one order of announcements everywhere (preview, posting, digest, pages): by venue, main
    track before the others and workshops, orals, spotlights, posters, then title (case-insensitive).
    ``max_per_run`` and ``--limit`` take the first N of it."""
    e = a.event
    return (
        e.series.casefold(),
        e.year,
        e.track == "workshop",
        e.track != "main",
        (e.workshop or "").casefold(),
        e.track,
        _PRESENTATION_RANK.get(e.presentation or "", 3),
        a.paper.title.casefold(),
        a.paper.id or "",
    )


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


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} hours"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class UpsertResult:
    paper_id: str
    created: bool = False
    updated: bool = False
    newly_accepted: list[VenueEvent] = field(default_factory=list)
    conflict: str | None = None  # the record matched two stored papers; we used the first
    withdrawn: list[VenueEvent] = field(default_factory=list)  # turned rejected/withdrawn before announced
    withdrawn_after_announcement: list[VenueEvent] = field(default_factory=list)


_KEY_ORDER = ("arxiv", "doi", "openreview", "title")


def paper_keys(paper: Paper) -> list[tuple[str, str]]:
    """The identity keys of a paper, strongest first."""
    keys = []
    if paper.arxiv_id:
        keys.append(("arxiv", paper.arxiv_id))
    if paper.doi:
        keys.append(("doi", paper.doi))
    if paper.openreview_id:
        keys.append(("openreview", paper.openreview_id))
    title = normalize_title(paper.title)
    if title:
        keys.append(("title", title))
    return keys


def new_paper_id(paper: Paper) -> str:
    """A stable, readable id from the strongest key at first sight; it never changes after."""
    kind, value = paper_keys(paper)[0]
    if kind == "title":
        return "title:" + hashlib.sha1(value.encode()).hexdigest()[:12]
    return f"{kind}:{value}"


_LINK_FIELDS = tuple(f.name for f in fields(Links))


def content_hash(paper: Paper) -> str:
    payload = {
        "title": paper.title,
        "abstract": paper.abstract,
        # the dicts dataclasses.asdict would give (the stored hashes depend on them), built directly
        "authors": [{"name": a.name, "member_id": a.member_id, "former": a.former} for a in paper.authors],
        "arxiv": paper.arxiv_id,
        "doi": paper.doi,
        "openreview": paper.openreview_id,
        "links": {name: getattr(paper.links, name) for name in _LINK_FIELDS},
        "published_on": str(paper.published_on),
    }
    if paper.et_al:  # only when set, so hashes stored before the field existed stay valid
        payload["et_al"] = True
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- outbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    key: str
    channel: str
    kind: str
    state: str
    text: str
    spoiler_text: str
    paper_id: str | None
    venue_key: str | None
    part: int
    parts: int
    thread_key: str | None
    digest_id: str | None
    batch_no: int | None
    first_subscriber: int | None
    last_subscriber: int | None
    recipients: int | None
    attempts: int
    last_error: str | None
    remote_id: str | None
    remote_url: str | None
    created_at: str
    first_attempt_at: str | None
    sent_at: str | None
    delivered_through: int | None = None  # SMTP: last subscriber id confirmed delivered

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OutboxRow:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def next_subscriber(self) -> int:
        """The first subscriber id of this batch not yet confirmed delivered."""
        return max(self.first_subscriber or 0, (self.delivered_through or 0) + 1)


class Store:
    """All persistent state. Safe against a crash at any point: every change is one transaction."""

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
        return min(BUSY_NOTICE, self.busy_timeout)

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

    def copy_to_memory(self) -> Store:
        """A private in-memory copy: a dry run can change it freely, the file stays untouched."""
        copy = Store(":memory:", clock=self.clock)
        self.db.backup(copy.db)
        copy.migrate()
        return copy

    def __enter__(self) -> Store:
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

    # --- papers -------------------------------------------------------------------------

    def _find(self, paper: Paper) -> tuple[str | None, str | None]:
        """The stored paper this one is, by its strongest matching key, and any conflict."""
        found: list[tuple[str, str]] = []
        for kind, value in paper_keys(paper):
            row = self.db.execute(
                "SELECT paper_id FROM paper_keys WHERE kind = ? AND value = ?", (kind, value)
            ).fetchone()
            if row and all(row[0] != pid for _, pid in found):
                found.append((kind, row[0]))
        if not found:
            return None, None
        kind, pid = found[0]
        if kind == "title" and not self._title_match_plausible(pid, paper):
            return None, None
        conflict = None
        if len(found) > 1:
            conflict = f"matches stored papers {', '.join(p for _, p in found)}; updated {pid}"
        return pid, conflict

    def _title_match_plausible(self, pid: str, paper: Paper) -> bool:
        """Same title but different arXiv ids or DOIs means two different papers."""
        row = self.db.execute("SELECT arxiv_id, doi FROM papers WHERE id = ?", (pid,)).fetchone()
        if paper.arxiv_id and row["arxiv_id"] and paper.arxiv_id != row["arxiv_id"]:
            return False
        return not (paper.doi and row["doi"] and paper.doi != row["doi"])

    def upsert(self, paper: Paper, *, source: str) -> UpsertResult:
        """Insert or update a paper and its venue events in one transaction.

        Non-empty fields overwrite stored ones; empty ones never erase (another source
        may have supplied them). An event becomes "new" the first time it is seen accepted.
        """
        now = self.now()
        with self.transaction() as db:
            pid, conflict = self._find(paper)
            result = UpsertResult(pid or new_paper_id(paper), conflict=conflict)
            if pid is None:
                result.created = True
                merged = paper
                db.execute(
                    "INSERT INTO papers (id, title, title_raw, abstract, abstract_raw, authors, arxiv_id, doi,"
                    " openreview_id, links, published_on, et_al, content_hash, first_seen_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (result.paper_id, *self._paper_row(merged), content_hash(merged), now, now),
                )
            else:
                stored = self._load_paper(pid)
                if titles_disagree(stored.title, paper.title) and not conflict:
                    result.conflict = (
                        f"shares an identifier with the stored paper {stored.title!r} ({pid}) but has another "
                        "title; treated as the same paper with a new title. If the arXiv id or DOI is wrong, "
                        "fix it in the source"
                    )
                merged = _merge(stored, paper)
                new_hash = content_hash(merged)
                old_hash = db.execute("SELECT content_hash FROM papers WHERE id = ?", (pid,)).fetchone()[0]
                if new_hash != old_hash:
                    result.updated = True
                    db.execute(
                        "UPDATE papers SET title=?, title_raw=?, abstract=?, abstract_raw=?, authors=?,"
                        " arxiv_id=?,"
                        " doi=?, openreview_id=?, links=?, published_on=?, et_al=?, content_hash=?, updated_at=?"
                        " WHERE id=?",
                        (*self._paper_row(merged), new_hash, now, pid),
                    )
            for kind, value in paper_keys(merged):
                db.execute("INSERT OR IGNORE INTO paper_keys VALUES (?,?,?)", (kind, value, result.paper_id))
            for event in paper.events:
                change = self._upsert_event(result.paper_id, event, source, now)
                if change == "accepted":
                    result.newly_accepted.append(event)
                elif change == "withdrawn":
                    result.withdrawn.append(event)
                elif change == "withdrawn_after_announcement":
                    result.withdrawn_after_announcement.append(event)
        return result

    def _upsert_event(self, pid: str, event: VenueEvent, source: str, now: str) -> str:
        """Store one venue event and say what changed for announcing it.

        "accepted": it has just become accepted for the first time; "withdrawn": an accepted,
        unannounced event turned rejected/withdrawn (its queued posts are cancelled);
        "withdrawn_after_announcement": the same after it went out (an editor must look);
        "" otherwise.
        """
        row = self.db.execute(
            "SELECT status, accepted_seen_at, workshop_name, presentation, accepted_on FROM venue_events"
            " WHERE paper_id = ? AND venue_key = ?",
            (pid, event.key),
        ).fetchone()
        accepted = event.status in ANNOUNCEABLE
        accepted_on = event.accepted_on.isoformat() if event.accepted_on else None
        if row is None:
            self.db.execute(
                "INSERT INTO venue_events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    pid,
                    event.key,
                    event.series,
                    event.year,
                    event.track,
                    event.workshop,
                    event.workshop_name,
                    event.presentation,
                    event.status,
                    accepted_on,
                    source,
                    now,
                    now if accepted else None,
                    None,
                    now,
                ),
            )
            if accepted and self._carry_over_renamed(pid, event, now):
                return ""  # the same acceptance, announced under the name an older paperbot gave it
            return "accepted" if accepted else ""
        newly = accepted and row["accepted_seen_at"] is None
        turned = row["status"] in ANNOUNCEABLE and event.status in ("rejected", "withdrawn")
        changed = (row["status"], row["workshop_name"], row["presentation"], row["accepted_on"]) != (
            event.status,
            event.workshop_name or row["workshop_name"],
            event.presentation or row["presentation"],
            accepted_on or row["accepted_on"],
        )
        if changed or newly:
            self.db.execute(
                "UPDATE venue_events SET status=?, workshop_name=COALESCE(?, workshop_name),"
                " presentation=COALESCE(?, presentation), accepted_on=COALESCE(?, accepted_on), source=?,"
                " accepted_seen_at=COALESCE(accepted_seen_at, ?), updated_at=?"
                " WHERE paper_id=? AND venue_key=?",
                (
                    event.status,
                    event.workshop_name,
                    event.presentation,
                    accepted_on,
                    source,
                    now if accepted else None,
                    now,
                    pid,
                    event.key,
                ),
            )
        if newly:
            return "accepted"
        if turned:
            announced = self.db.execute(
                "SELECT 1 FROM announcements WHERE paper_id=? AND venue_key=?", (pid, event.key)
            ).fetchone()
            if announced:
                return "withdrawn_after_announcement"
            self._cancel_queued(pid, event.key)
            return "withdrawn"
        return ""

    def _carry_over_renamed(self, pid: str, event: VenueEvent, now: str) -> bool:
        """True when ``event`` is an announced (or adopted) event of this paper under an older venue name.

        Before the venue table, an unrecognised booktitle became the series as written
        ("Proceedings of the 29th International Conference on Computational Linguistics"); the
        same acceptance now reads "COLING 2022" and has another key. Re-reading the stored name
        with today's recogniser tells the two apart from a real second acceptance: the announced
        channels and baseline move to the new key, and the old event is retired, so an upgrade
        never announces a paper twice nor lists it twice.
        """
        from .venues import identify_container  # venues imports models; import late, once needed

        rows = self.db.execute(
            "SELECT e.venue_key, e.series, e.track, e.workshop, e.baseline_at FROM venue_events e"
            " WHERE e.paper_id = ? AND e.year = ? AND e.venue_key != ? AND e.status IN ('accepted', 'published')"
            " AND (e.baseline_at IS NOT NULL OR EXISTS (SELECT 1 FROM announcements a"
            "      WHERE a.paper_id = e.paper_id AND a.venue_key = e.venue_key))",
            (pid, event.year, event.key),
        ).fetchall()
        for r in rows:
            try:
                old = identify_container(r["series"], year=event.year)
            except ValueError:
                continue
            if old is None or slugify(old.series) != slugify(event.series):
                continue
            tracks = {r["track"], event.track} - {"journal"}
            if len(tracks) > 1 and not tracks <= {"main"}:
                continue
            names = {slugify(n) for n in (event.workshop, event.workshop_name) if n}
            if event.track == "workshop" and r["workshop"] and slugify(r["workshop"]) not in names:
                continue
            self.db.execute(
                "INSERT OR IGNORE INTO announcements SELECT paper_id, ?, channel, announced_at, remote_id,"
                " remote_url FROM announcements WHERE paper_id = ? AND venue_key = ?",
                (event.key, pid, r["venue_key"]),
            )
            self.db.execute(
                "UPDATE venue_events SET baseline_at = COALESCE(?, baseline_at) WHERE paper_id = ? AND venue_key = ?",
                (r["baseline_at"], pid, event.key),
            )
            self.db.execute(
                "UPDATE venue_events SET status = 'removed', updated_at = ? WHERE paper_id = ? AND venue_key = ?",
                (now, pid, r["venue_key"]),
            )
            return True
        return False

    def _cancel_queued(self, pid: str, venue_key: str) -> None:
        """Drop posts of a pair that were queued but never attempted (whole threads only)."""
        self.db.execute(
            "DELETE FROM outbox WHERE paper_id=? AND venue_key=? AND state='pending' AND NOT EXISTS"
            " (SELECT 1 FROM outbox o WHERE o.thread_key = outbox.thread_key"
            " AND (o.state != 'pending' OR o.attempts > 0))",
            (pid, venue_key),
        )

    def retract_missing(self, source: str, present: set[tuple[str, str]]) -> int:
        """Mark events this snapshot source no longer lists as 'removed' (unless announced).

        A lab that deletes or corrects a record (e.g. a wrong venue) must not see the old
        version announced. Announced events are history and stay as they are.
        """
        with self.transaction() as db:
            rows = db.execute(
                "SELECT e.paper_id, e.venue_key FROM venue_events e"
                " WHERE e.source = ? AND e.status != 'removed'"
                " AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = e.paper_id"
                " AND a.venue_key = e.venue_key)",
                (source,),
            ).fetchall()
            gone = [(r[0], r[1]) for r in rows if (r[0], r[1]) not in present]
            now = self.now()
            db.executemany(
                "UPDATE venue_events SET status='removed', updated_at=? WHERE paper_id=? AND venue_key=?",
                [(now, p, k) for p, k in gone],
            )
            for p, k in gone:
                self._cancel_queued(p, k)
        return len(gone)

    @staticmethod
    def _paper_row(p: Paper) -> tuple[object, ...]:
        return (
            p.title,
            p.title_raw,
            p.abstract,
            p.abstract_raw,
            json.dumps([[a.name, a.member_id, a.former] for a in p.authors], ensure_ascii=False),
            p.arxiv_id,
            p.doi,
            p.openreview_id,
            json.dumps(asdict(p.links), ensure_ascii=False),
            p.published_on.isoformat() if p.published_on else None,
            int(p.et_al),
        )

    def _load_paper(self, pid: str) -> Paper:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        return _paper_from_row(row, ())

    def paper(self, pid: str) -> Paper | None:
        row = self.db.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        if row is None:
            return None
        events = tuple(
            _event_from_row(r)
            for r in self.db.execute(
                "SELECT * FROM venue_events WHERE paper_id = ? ORDER BY first_seen_at, venue_key", (pid,)
            )
        )
        return _paper_from_row(row, events)

    # --- announcements ------------------------------------------------------------------

    def due(self, channel: str) -> list[Announcement]:
        """(paper, event) pairs accepted, not adopted as baseline, not yet announced on ``channel``.

        Ordered by conference, then track (main first), then title, for stable output.
        """
        rows = self.db.execute(
            """
            SELECT e.*, p.* , e.first_seen_at AS e_first_seen
            FROM venue_events e JOIN papers p ON p.id = e.paper_id
            WHERE e.status IN ('accepted', 'published') AND e.baseline_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = e.paper_id
                              AND a.venue_key = e.venue_key AND a.channel = ?1)
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.paper_id = e.paper_id
                              AND o.venue_key = e.venue_key AND o.channel = ?1)
            ORDER BY e.series, e.year, e.track != 'main', e.venue_key, p.title
            """,
            (channel,),
        ).fetchall()
        return sorted((self._announcement(r) for r in rows), key=announcement_order)

    def listed(self, conferences: set[tuple[str, int]]) -> list[Announcement]:
        """Every accepted event of these conferences, announced or not (what a news page shows)."""
        if not conferences:
            return []
        rows = self.db.execute(
            """
            SELECT e.*, p.*, e.first_seen_at AS e_first_seen
            FROM venue_events e JOIN papers p ON p.id = e.paper_id
            WHERE e.status IN ('accepted', 'published')
            ORDER BY e.series, e.year, e.track != 'main', e.venue_key, p.title
            """
        ).fetchall()
        return sorted(
            (self._announcement(r) for r in rows if (r["series"], r["year"]) in conferences), key=announcement_order
        )

    def announced_conferences(self, channel: str = "page") -> dict[tuple[str, int], tuple[datetime, datetime]]:
        """Per conference (series, year): when it was first and last announced on ``channel``.

        The news pages' dates come from here, so a rebuild shows the same dates as publishing did.
        """
        rows = self.db.execute(
            "SELECT e.series, e.year, min(a.announced_at), max(a.announced_at) FROM announcements a"
            " JOIN venue_events e ON e.paper_id = a.paper_id AND e.venue_key = a.venue_key"
            " WHERE a.channel = ? GROUP BY e.series, e.year",
            (channel,),
        ).fetchall()
        return {(r[0], r[1]): (datetime.fromisoformat(r[2]), datetime.fromisoformat(r[3])) for r in rows}

    @staticmethod
    def _announcement(r: sqlite3.Row) -> Announcement:
        return Announcement(
            _paper_from_row(r, ()),
            _event_from_row(r),
            datetime.fromisoformat(r["e_first_seen"]),
            datetime.fromisoformat(r["accepted_seen_at"]) if r["accepted_seen_at"] else None,
        )

    def mark_announced(
        self,
        paper_id: str,
        venue_key: str,
        channel: str,
        *,
        remote_id: str | None = None,
        remote_url: str | None = None,
        db: sqlite3.Connection | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record that a pair went out on a channel (inside the caller's transaction if given).

        ``at``: when, if not now (the news pages record the time their pages show).
        """
        conn = db or self.db
        sql = "INSERT OR IGNORE INTO announcements VALUES (?,?,?,?,?,?)"
        args = (paper_id, venue_key, channel, _iso(at) if at else self.now(), remote_id, remote_url)
        if db is None:
            with self.transaction() as t:
                t.execute(sql, args)
        else:
            conn.execute(sql, args)

    def adopt_baseline(self, *, before: date | None = None) -> int:
        """Mark accepted events as already announced (a fresh install must not post years of papers).

        With ``before``, only events accepted before that date. An event's date is its
        ``accepted_on``; an *undated* event (most lab files give only a year) counts as accepted
        in its venue year: adopted when that year is before ``before``'s year, left to announce
        when it is the same year or later. ``undated_counts`` says how many went which way.
        """
        now = self.now()
        cutoff = before.isoformat() if before else None
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE venue_events SET baseline_at = ? WHERE baseline_at IS NULL"
                " AND status IN ('accepted', 'published')"
                " AND (? IS NULL OR (accepted_on IS NOT NULL AND accepted_on < ?)"
                "      OR (accepted_on IS NULL AND year < ?))"
                " AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = venue_events.paper_id"
                " AND a.venue_key = venue_events.venue_key)",
                (now, cutoff, cutoff, before.year if before else None),
            )
            return cur.rowcount

    def undated_counts(self, before: date) -> dict[str, int]:
        """Accepted events without ``accepted_on``: adopted (venue year < before's year) or due."""
        rows = self.db.execute(
            "SELECT baseline_at IS NOT NULL AS adopted, count(*) FROM venue_events"
            " WHERE accepted_on IS NULL AND status IN ('accepted', 'published') GROUP BY 1"
        ).fetchall()
        counts = {"adopted": 0, "due": 0}
        for adopted, n in rows:
            counts["adopted" if adopted else "due"] += n
        return counts

    # --- sources ------------------------------------------------------------------------

    def record_source_run(self, source: str, *, ok: bool, error: str | None = None) -> None:
        now = self.now()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO source_state (source, last_run_at, last_ok_at, last_error) VALUES (?,?,?,?)"
                " ON CONFLICT(source) DO UPDATE SET last_run_at=excluded.last_run_at,"
                " last_ok_at=COALESCE(excluded.last_ok_at, last_ok_at), last_error=excluded.last_error",
                (source, now, now if ok else None, error),
            )

    # --- reporting ----------------------------------------------------------------------

    def status_rows(self) -> list[sqlite3.Row]:
        """One row per venue event with its announcement channels, for ``paperbot status``."""
        return self.db.execute(
            """
            SELECT e.series, e.year, e.track, e.venue_key, e.status, e.baseline_at, e.paper_id,
                   (SELECT group_concat(a.channel) FROM announcements a
                     WHERE a.paper_id = e.paper_id AND a.venue_key = e.venue_key) AS channels
            FROM venue_events e ORDER BY e.year DESC, e.series, e.venue_key
            """
        ).fetchall()

    def series_spellings(self) -> list[str]:
        """Every venue series as first stored (oldest first), for case-insensitive grouping."""
        rows = self.db.execute("SELECT series FROM venue_events GROUP BY series ORDER BY min(first_seen_at)")
        return [r[0] for r in rows]

    def withdrawn_announced(self) -> list[sqlite3.Row]:
        """Events announced on some channel that their source now calls rejected or withdrawn."""
        return self.db.execute(
            """
            SELECT p.title, e.paper_id, e.venue_key, e.series, e.year, e.status, e.source,
                   (SELECT group_concat(a.channel) FROM announcements a
                     WHERE a.paper_id = e.paper_id AND a.venue_key = e.venue_key) AS channels
            FROM venue_events e JOIN papers p ON p.id = e.paper_id
            WHERE e.status IN ('rejected', 'withdrawn')
              AND EXISTS (SELECT 1 FROM announcements a WHERE a.paper_id = e.paper_id
                          AND a.venue_key = e.venue_key)
            ORDER BY e.year DESC, e.series, p.title
            """
        ).fetchall()

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "papers": one("SELECT count(*) FROM papers").fetchone()[0],
            "events": one("SELECT count(*) FROM venue_events").fetchone()[0],
        }

    def get_kv(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_kv(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO kv VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value,"
                " updated_at=excluded.updated_at",
                (key, value, self.now()),
            )

    def delete_kv(self, key: str) -> None:
        if self.get_kv(key) is not None:
            with self.transaction() as db:
                db.execute("DELETE FROM kv WHERE key = ?", (key,))

    # --- outbox ----------------------------------------------------------------------

    # posts

    def enqueue_posts(self, messages: list, *, channel: str = "mastodon") -> int:
        """Record posts (and thread parts) as pending, all in one transaction.

        A thread's parts share the key of its first part (the first message of the same
        (paper, venue) pair in ``messages``); one commit for the whole run keeps the cost
        per post low, and a post already recorded is left as it is.
        """
        now = self.now()
        firsts: dict[tuple[str, str], str] = {}
        with self.transaction() as db:
            before = db.total_changes
            for m in messages:
                thread_key = firsts.setdefault(m.pairs[0] if m.pairs else (m.paper_id, m.venue_key), m.key)
                db.execute(
                    "INSERT OR IGNORE INTO outbox (key, channel, kind, paper_id, venue_key, part, parts,"
                    " thread_key, text, spoiler_text, state, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?)",
                    (
                        m.key,
                        channel,
                        m.kind,
                        m.paper_id,
                        m.venue_key,
                        m.part,
                        m.parts,
                        thread_key,
                        m.text,
                        m.spoiler_text,
                        now,
                        now,
                    ),
                )
            return db.total_changes - before

    def outbox(self, channel: str, states: tuple[str, ...] = ("pending", "sending")) -> list[OutboxRow]:
        marks = ",".join("?" * len(states))
        rows = self.db.execute(
            f"SELECT * FROM outbox WHERE channel = ? AND state IN ({marks}) ORDER BY created_at, thread_key, part, key",
            (channel, *states),
        ).fetchall()
        return [OutboxRow.from_row(r) for r in rows]

    def outbox_row(self, key: str) -> OutboxRow | None:
        row = self.db.execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
        return OutboxRow.from_row(row) if row else None

    def all_outbox(self, states: tuple[str, ...] | None = None) -> list[OutboxRow]:
        if states:
            marks = ",".join("?" * len(states))
            rows = self.db.execute(
                f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY created_at, key", states
            ).fetchall()
        else:
            rows = self.db.execute("SELECT * FROM outbox ORDER BY created_at, key").fetchall()
        return [OutboxRow.from_row(r) for r in rows]

    def mark_sending(self, key: str, *, expect: tuple[str, int] | None = None) -> bool:
        """Claim a message right before the network call: a crash now leaves it 'sending'.

        With ``expect=(state, attempts)`` the claim is an atomic compare-and-set: it succeeds
        (True) only if the row is still in that state after that many attempts, i.e. no other
        run claimed it since it was read. Each claim counts an attempt, so ``attempts`` works as
        the row's version. Without ``expect`` the claim is unconditional.
        """
        now = self.now()
        sql = (
            "UPDATE outbox SET state='sending', attempts=attempts+1, updated_at=?,"
            " first_attempt_at=COALESCE(first_attempt_at, ?) WHERE key=?"
        )
        args: tuple[object, ...] = (now, now, key)
        if expect is not None:
            sql += " AND state=? AND attempts=?"
            args += expect
        with self.transaction() as db:
            return db.execute(sql, args).rowcount == 1

    @contextmanager
    def channel_lock(self, channel: str) -> Iterator[bool]:
        """Hold the publishing lock of ``channel`` for this store while the block runs.

        Yields False when another process holds it (that run is publishing on the channel now).
        The lock is an ``flock`` on ``<store>.<channel>.lock``, released by the kernel when its
        holder exits, however it exits: so a message this process finds 'sending' while holding
        the lock was left by a run that died, never by one still at work.
        """
        try:
            import fcntl
        except ImportError:  # no flock (Windows): the compare-and-set claims still hold
            yield True
            return
        if self.path is None:
            yield True
            return
        import os

        fd = os.open(self.path.with_name(f"{self.path.name}.{channel}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    def awaiting_decision(self, channels: list[str] | None = None) -> list[OutboxRow]:
        """Messages failed or uncertain, waiting for 'outbox retry' or 'outbox mark-sent'."""
        rows = self.all_outbox(("failed", "uncertain"))
        return [r for r in rows if channels is None or r.channel in channels]

    def mark_sent(self, key: str, *, remote_id: str | None = None, remote_url: str | None = None) -> None:
        """Finalise a sent message; its pair counts as announced once part 1 is out."""
        now = self.now()
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state='sent', remote_id=?, remote_url=?, sent_at=?, updated_at=?,"
                " last_error=NULL WHERE key=?",
                (remote_id, remote_url, now, now, key),
            )
            row = db.execute("SELECT channel, paper_id, venue_key, part FROM outbox WHERE key=?", (key,)).fetchone()
            if row and row["paper_id"] and row["part"] == 1:
                db.execute(
                    "INSERT OR IGNORE INTO announcements VALUES (?,?,?,?,?,?)",
                    (row["paper_id"], row["venue_key"], row["channel"], now, remote_id, remote_url),
                )

    def mark_delivered(self, key: str, subscriber_id: int) -> None:
        """Record that one recipient of a batch got the digest (SMTP sends one by one)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET delivered_through=MAX(COALESCE(delivered_through, 0), ?) WHERE key=?",
                (subscriber_id, key),
            )
            db.execute(  # a recipient deferred earlier got it now
                "UPDATE email_recipients SET state='sent', updated_at=? WHERE batch_key=? AND subscriber_id=?",
                (self.now(), key, subscriber_id),
            )

    def mark_refused(
        self, key: str, subscriber_id: int, *, code: int, reply: str, permanent: bool, give_up_after: timedelta
    ) -> str:
        """Record a recipient the SMTP server refused, past which the batch resumes; the state recorded.

        A 4xx defers it ('deferred': a later run tries again), a 5xx fails it for good; a deferral
        still refused ``give_up_after`` its first refusal fails too, so a mailbox that stays full
        cannot keep a batch open for ever.
        """
        now = self.now()
        error = redact_optional(f"{code} {reply}".strip() if code else reply)  # a reply may echo the login
        with self.transaction() as db:
            row = db.execute(
                "SELECT first_at FROM email_recipients WHERE batch_key=? AND subscriber_id=?", (key, subscriber_id)
            ).fetchone()
            state = "failed" if permanent else "deferred"
            if state == "deferred" and row and self.clock() - datetime.fromisoformat(row[0]) > give_up_after:
                state = "failed"
                error = f"still refused temporarily {_ago(give_up_after)} after the first refusal: {error}"
            db.execute(
                "INSERT INTO email_recipients (batch_key, subscriber_id, state, code, error, attempts, first_at,"
                " updated_at) VALUES (?,?,?,?,?, 1, ?, ?) ON CONFLICT (batch_key, subscriber_id) DO UPDATE SET"
                " state=excluded.state, code=excluded.code, error=excluded.error, attempts=attempts+1,"
                " updated_at=excluded.updated_at",
                (key, subscriber_id, state, code, error, now, now),
            )
            db.execute(
                "UPDATE outbox SET delivered_through=MAX(COALESCE(delivered_through, 0), ?) WHERE key=?",
                (subscriber_id, key),
            )
        return state

    def deferred_recipients(self, key: str) -> list[sqlite3.Row]:
        """The active subscribers a 4xx deferred in this batch, by id."""
        return self.db.execute(
            "SELECT s.* FROM email_recipients r JOIN subscribers s ON s.id = r.subscriber_id"
            " WHERE r.batch_key=? AND r.state='deferred' AND s.status='active' ORDER BY s.id",
            (key,),
        ).fetchall()

    def batches_with_deferred(self) -> list[OutboxRow]:
        """Sent batches with active subscribers still deferred, oldest first (tried again each run)."""
        rows = self.db.execute(
            "SELECT o.* FROM outbox o WHERE o.state='sent' AND o.key IN (SELECT r.batch_key FROM email_recipients r"
            " JOIN subscribers s ON s.id = r.subscriber_id WHERE r.state='deferred' AND s.status='active')"
            " ORDER BY o.created_at, o.key"
        ).fetchall()
        return [OutboxRow.from_row(r) for r in rows]

    def recipient_problems(self, key: str | None = None) -> dict[str, list[dict[str, object]]]:
        """Per batch key: its deferred and failed recipients (active or not), for outbox list and status."""
        rows = self.db.execute(
            "SELECT r.batch_key, r.state, r.code, r.error, r.attempts, r.updated_at, s.email, s.status"
            " FROM email_recipients r JOIN subscribers s ON s.id = r.subscriber_id"
            " WHERE r.state IN ('deferred', 'failed') AND (? IS NULL OR r.batch_key = ?)"
            " ORDER BY r.batch_key, s.id",
            (key, key),
        ).fetchall()
        out: dict[str, list[dict[str, object]]] = {}
        for r in rows:
            out.setdefault(r["batch_key"], []).append(
                {
                    "email": r["email"],
                    "state": r["state"] if r["status"] == "active" or r["state"] == "failed" else "unsubscribed",
                    "code": r["code"],
                    "error": r["error"],
                    "attempts": r["attempts"],
                    "updated_at": r["updated_at"],
                }
            )
        return out

    def recipient_counts(self) -> dict[str, int]:
        """SMTP recipients still deferred (active subscribers) and refused for good, over all batches."""
        row = self.db.execute(
            "SELECT count(*) FILTER (WHERE r.state='deferred' AND s.status='active'),"
            " count(*) FILTER (WHERE r.state='failed')"
            " FROM email_recipients r JOIN subscribers s ON s.id = r.subscriber_id"
        ).fetchone()
        return {"deferred": row[0] or 0, "failed": row[1] or 0}

    def reopen_recipients(self, key: str) -> int:
        """``outbox retry`` of a failed batch: its refused recipients are tried again too."""
        with self.transaction() as db:
            return db.execute(
                "UPDATE email_recipients SET state='deferred', updated_at=? WHERE batch_key=? AND state='failed'",
                (self.now(), key),
            ).rowcount

    def mark_state(self, key: str, state: str, error: str | None = None) -> None:
        """Move a message to pending (try again later), failed or uncertain, with the reason.

        The reason is stored redacted (bot/redact.py): a server reply may echo a credential.
        """
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state=?, last_error=?, updated_at=? WHERE key=?",
                (state, redact_optional(error), self.now(), key),
            )

    def sent_since(self, channel: str, since: str) -> int:
        """Messages sent on ``channel`` at or after ``since`` (for the account's status quota)."""
        return self.db.execute(
            "SELECT count(*) FROM outbox WHERE channel=? AND state='sent' AND sent_at >= ?", (channel, since)
        ).fetchone()[0]

    # digests

    def open_digest(self) -> dict[str, str] | None:
        """A digest still being sent, or with a batch waiting to be sent again."""
        row = self.db.execute(
            "SELECT * FROM digests d WHERE d.state = 'sending' OR EXISTS (SELECT 1 FROM outbox o"
            " WHERE o.digest_id = d.id AND o.state IN ('pending', 'sending')) ORDER BY d.created_at LIMIT 1"
        ).fetchone()
        return dict(row) if row else None

    def create_digest(self, message) -> None:
        """Store the digest and assign its pairs to it, atomically: each pair is in one digest only."""
        now = self.now()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO digests (id, subject, text, html, pairs, state, created_at)"
                " VALUES (?,?,?,?,?, 'sending', ?)",
                (
                    message.key,
                    message.subject,
                    message.text,
                    message.html or "",
                    json.dumps(message.pairs),
                    now,
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO announcements VALUES (?,?, 'email', ?, ?, NULL)",
                [(p, v, now, message.key) for p, v in message.pairs],
            )

    def next_batch(self, digest_id: str, batch_size: int) -> OutboxRow | None:
        """The digest's next batch: a pending one, or the next ``batch_size`` active subscribers.

        The new batch is recorded (pending) before anything is sent; when no subscriber is
        left the digest is done.
        """
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM outbox WHERE digest_id=? AND state IN ('pending', 'sending') ORDER BY batch_no LIMIT 1",
                (digest_id,),
            ).fetchone()
            if row:
                return OutboxRow.from_row(row)
            digest = db.execute("SELECT next_subscriber, state FROM digests WHERE id=?", (digest_id,)).fetchone()
            if digest["state"] == "done":
                return None
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM subscribers WHERE status='active' AND id > ? ORDER BY id LIMIT ?",
                    (digest["next_subscriber"], batch_size),
                )
            ]
            now = self.now()
            if not ids:
                db.execute("UPDATE digests SET state='done', finished_at=? WHERE id=?", (now, digest_id))
                return None
            batch_no = db.execute(
                "SELECT COALESCE(MAX(batch_no), 0) + 1 FROM outbox WHERE digest_id=?", (digest_id,)
            ).fetchone()[0]
            key = f"{digest_id}:{batch_no}"
            db.execute(
                "INSERT INTO outbox (key, channel, kind, digest_id, batch_no, first_subscriber, last_subscriber,"
                " recipients, state, created_at, updated_at) VALUES (?, 'email', 'email_batch', ?,?,?,?,?,"
                " 'pending', ?, ?)",
                (key, digest_id, batch_no, ids[0], ids[-1], len(ids), now, now),
            )
            db.execute("UPDATE digests SET next_subscriber=? WHERE id=?", (ids[-1], digest_id))
            return OutboxRow.from_row(db.execute("SELECT * FROM outbox WHERE key=?", (key,)).fetchone())

    def digest(self, digest_id: str) -> dict[str, str]:
        return dict(self.db.execute("SELECT * FROM digests WHERE id=?", (digest_id,)).fetchone())

    # subscribers

    def add_subscriber(self, email: str, name: str | None = None) -> str:
        """Add (or re-activate) an address; returns "added", "reactivated", "renamed" (an active
        address given a different name) or "exists"."""
        import secrets

        email = email.strip().lower()
        now = self.now()
        with self.transaction() as db:
            row = db.execute("SELECT status, name FROM subscribers WHERE email=?", (email,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO subscribers (email, name, token, status, created_at, updated_at)"
                    " VALUES (?,?,?, 'active', ?, ?)",
                    (email, name, secrets.token_urlsafe(24), now, now),
                )
                return "added"
            if row["status"] == "active":
                if name and name != row["name"]:
                    db.execute("UPDATE subscribers SET name=?, updated_at=? WHERE email=?", (name, now, email))
                    return "renamed"
                return "exists"
            db.execute(
                "UPDATE subscribers SET status='active', name=COALESCE(?, name), unsubscribed_at=NULL,"
                " updated_at=? WHERE email=?",
                (name, now, email),
            )
            return "reactivated"

    def unsubscribe(self, emails: list[str]) -> int:
        """Mark addresses unsubscribed (kept, so they are never mailed again by accident)."""
        now = self.now()
        with self.transaction() as db:
            cur = db.executemany(
                "UPDATE subscribers SET status='unsubscribed', unsubscribed_at=?, updated_at=?"
                " WHERE email=? AND status='active'",
                [(now, now, e.strip().lower()) for e in emails],
            )
            return cur.rowcount

    def unsubscribe_token(self, token: str) -> str | None:
        """One-click unsubscribe: the address whose opaque token this is, now unsubscribed.

        Idempotent (an address already unsubscribed stays so, its first ``unsubscribed_at``
        kept) and one transaction; ``None`` when no subscriber has this token.
        """
        now = self.now()
        with self.transaction() as db:
            row = db.execute("SELECT email FROM subscribers WHERE token=?", (token,)).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE subscribers SET status='unsubscribed', unsubscribed_at=?, updated_at=?"
                " WHERE token=? AND status='active'",
                (now, now, token),
            )
            return row["email"]

    def subscribers(
        self, *, active_only: bool = True, first: int = 0, last: int | None = None, chunk: int = 1000
    ) -> Iterator[sqlite3.Row]:
        """Stream subscribers by id, ``chunk`` rows at a time (memory stays flat)."""
        after = first - 1
        while True:
            rows = self.db.execute(
                "SELECT * FROM subscribers WHERE id > ? AND (? IS NULL OR id <= ?)"
                + (" AND status='active'" if active_only else "")
                + " ORDER BY id LIMIT ?",
                (after, last, last, chunk),
            ).fetchall()
            yield from rows
            if len(rows) < chunk:
                return
            after = rows[-1]["id"]

    def has_subscribers(self) -> bool:
        return self.db.execute("SELECT 1 FROM subscribers WHERE status='active' LIMIT 1").fetchone() is not None

    def subscriber_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute("SELECT status, count(*) FROM subscribers GROUP BY status")}


def _merge(stored: Paper, new: Paper) -> Paper:
    """New non-empty values win; empty ones keep what is stored."""
    links = Links(**{k: getattr(new.links, k) or getattr(stored.links, k) for k in Links.__dataclass_fields__})
    return Paper(
        title=new.title or stored.title,
        authors=new.authors or stored.authors,
        abstract=new.abstract or stored.abstract,
        arxiv_id=new.arxiv_id or stored.arxiv_id,
        doi=new.doi or stored.doi,
        openreview_id=new.openreview_id or stored.openreview_id,
        links=links,
        published_on=new.published_on or stored.published_on,
        title_raw=new.title_raw or stored.title_raw,
        abstract_raw=new.abstract_raw or stored.abstract_raw,
        et_al=new.et_al if new.authors else stored.et_al,
    )


def _paper_from_row(row: sqlite3.Row, events: tuple[VenueEvent, ...]) -> Paper:
    links = json.loads(row["links"])
    links["code"] = tuple(links.get("code") or ())
    return Paper(
        id=row["id"],
        title=row["title"],
        title_raw=row["title_raw"],
        abstract=row["abstract"],
        abstract_raw=row["abstract_raw"],
        authors=tuple(Author(n, m, bool(f)) for n, m, f in json.loads(row["authors"])),
        events=events,
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        openreview_id=row["openreview_id"],
        links=Links(**links),
        published_on=date.fromisoformat(row["published_on"]) if row["published_on"] else None,
        et_al=bool(row["et_al"]),
    )


def _event_from_row(row: sqlite3.Row) -> VenueEvent:
    return VenueEvent(
        series=row["series"],
        year=row["year"],
        track=row["track"],
        workshop=row["workshop"],
        workshop_name=row["workshop_name"],
        presentation=row["presentation"],
        status=row["status"],
        accepted_on=date.fromisoformat(row["accepted_on"]) if row["accepted_on"] else None,
    )
