"""The outbox: every message is recorded before it is sent, and claimed right before the network call.

Guarantees:
- ``enqueue_posts`` records a run's posts and thread parts as pending in one transaction; a message
  already recorded is left as it is, so its key (Mastodon's Idempotency-Key) never changes.
- ``mark_sending`` claims a message; with ``expect=(state, attempts)`` it is a compare-and-set, so
  two runs never both claim one message. A crash after the claim leaves it 'sending', for the
  channel lock's next holder to find (``runs.py``).
- ``mark_sent`` finalises a message and, for part 1 of a pair, records the announcement in the same
  transaction; the reason stored with another state is redacted (a reply may echo a credential).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..redact import redact_optional


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


class OutboxMixin:
    """Posts in the outbox and their states (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``)."""

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
