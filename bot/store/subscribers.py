"""Subscribers of the e-mail digest.

Guarantees: an address is stored once, lowercased; unsubscribing keeps its row (status
'unsubscribed'), so it is never mailed again by accident; each subscriber has an opaque token for
one-click unsubscribe, which is idempotent; every change is one transaction; listing streams in
chunks, so memory stays flat however many there are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


class SubscribersMixin:
    """The subscriber list (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``)."""

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
