"""E-mail digests: one digest per set of pairs, sent in batches of subscribers, recipient by recipient.

Guarantees:
- ``create_digest`` stores the digest and records its pairs as announced on 'email' in one
  transaction: a pair goes out in one digest only.
- Each batch (the next ``batch_size`` active subscribers after the previous batch) is recorded in
  the outbox before anything is sent; when no subscriber is left the digest is done.
- SMTP progress is kept per recipient (``delivered_through`` and ``email_recipients``): a batch cut
  short by a crash resumes after the last recipient confirmed; a 4xx defers a recipient (tried
  again by later runs, failed after ``give_up_after``), a 5xx fails it for good. Replies are
  stored redacted.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from ..redact import redact_optional
from .outbox import OutboxRow


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} hours"


class DigestsMixin:
    """Digests, their batches and SMTP recipients (``Store`` mixin: uses ``db``, ``transaction()``,
    ``now()``, ``clock``)."""

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

    def has_digest(self, digest_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM digests WHERE id=?", (digest_id,)).fetchone() is not None

    def digest(self, digest_id: str) -> dict[str, str]:
        return dict(self.db.execute("SELECT * FROM digests WHERE id=?", (digest_id,)).fetchone())

    # SMTP recipients

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
