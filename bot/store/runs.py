"""What runs leave for the next: source state, small settings (kv), and the channel lock.

Guarantees:
- ``record_source_run`` keeps each source's last run, last success and last error; a failure
  never erases when the source last worked.
- ``kv`` holds small values that must outlive a run (cached instance limits, channel trouble);
  each write is one transaction.
- ``channel_lock``: one process at a time publishes a channel of a store; the kernel releases the
  lock however its holder exits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class RunsMixin:
    """Source state, kv and channel locks (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``, ``path``)."""

    def record_source_run(self, source: str, *, ok: bool, error: str | None = None) -> None:
        now = self.now()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO source_state (source, last_run_at, last_ok_at, last_error) VALUES (?,?,?,?)"
                " ON CONFLICT(source) DO UPDATE SET last_run_at=excluded.last_run_at,"
                " last_ok_at=COALESCE(excluded.last_ok_at, last_ok_at), last_error=excluded.last_error",
                (source, now, now if ok else None, error),
            )

    # kv

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

    # locks

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
