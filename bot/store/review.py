"""The review queue: with ``[publishing] mode = "review"`` new messages wait for an editor.

Guarantees:
- ``propose`` records composed messages as pending under their deterministic key, once: a message
  already in the queue (pending, approved, rejected or queued) is left as it is, so a rejected
  (paper, venue) pair is never proposed again and an edit is never overwritten.
- A new digest proposal supersedes an older pending one (the newer one has its papers too), and a
  digest handed over supersedes every other digest proposal.
- ``approved`` gives the messages ready to go out (with their edited text); ``mark_queued`` records
  that they were handed to the outbox (or became the open digest), so they are handed over once.
- Every decision (approve, reject, edit) is one transaction and records who and when.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, fields
from typing import Any

STATES = ("pending", "approved", "rejected", "superseded", "queued")


@dataclass(frozen=True)
class ReviewRow:
    id: int
    key: str
    channel: str
    kind: str
    paper_id: str | None
    venue_key: str | None
    part: int
    parts: int
    message: str
    text: str
    state: str
    edited_by: str | None
    edited_at: str | None
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ReviewRow:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    @property
    def composed(self) -> dict[str, Any]:
        return json.loads(self.message)

    def to_message(self) -> Any:
        """The message as it will be sent: as composed, with the (possibly edited) text."""
        from ..compose import Message

        data = self.composed
        known = {f.name for f in fields(Message)}
        data = {k: v for k, v in data.items() if k in known}
        data["pairs"] = tuple(tuple(p) for p in data.get("pairs") or ())
        data["notes"] = tuple(data.get("notes") or ())
        data["text"] = self.text
        return Message(**data)


class ReviewMixin:
    """The review queue (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``)."""

    def propose(self, messages: list[Any]) -> int:
        """Record new messages as pending, in one transaction; how many were new."""
        if not messages:
            return 0
        now = self.now()
        with self.transaction() as db:
            before = db.total_changes
            for m in messages:
                data = asdict(m)
                if m.kind == "digest":  # a newer digest has the papers of an older pending one
                    db.execute(
                        "UPDATE review SET state='superseded', updated_at=? WHERE channel=? AND kind='digest'"
                        " AND state='pending' AND key<>?",
                        (now, m.channel, m.key),
                    )
                db.execute(
                    "INSERT OR IGNORE INTO review (key, channel, kind, paper_id, venue_key, part, parts, message,"
                    " text, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?, 'pending', ?, ?)",
                    (
                        m.key,
                        m.channel,
                        m.kind,
                        m.paper_id,
                        m.venue_key,
                        m.part,
                        m.parts,
                        json.dumps(data),
                        m.text,
                        now,
                        now,
                    ),
                )
            return db.total_changes - before

    def review_rows(self, states: tuple[str, ...] | None = ("pending",), channel: str | None = None) -> list[ReviewRow]:
        sql = "SELECT * FROM review WHERE 1=1"
        args: list[Any] = []
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            args += list(states)
        if channel:
            sql += " AND channel = ?"
            args.append(channel)
        return [ReviewRow.from_row(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def review_row(self, ident: int | str) -> ReviewRow | None:
        """By its number or its key."""
        if isinstance(ident, int) or str(ident).isdigit():
            row = self.db.execute("SELECT * FROM review WHERE id = ?", (int(ident),)).fetchone()
        else:
            row = self.db.execute("SELECT * FROM review WHERE key = ?", (ident,)).fetchone()
        return ReviewRow.from_row(row) if row else None

    def review_state(self, key: str) -> str | None:
        row = self.db.execute("SELECT state FROM review WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def decide(self, ident: int, state: str, *, by: str, reason: str | None = None) -> bool:
        """Approve or reject a pending message (an approved one may still be rejected, and back)."""
        assert state in ("approved", "rejected")
        now = self.now()
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE review SET state=?, decided_by=?, decided_at=?, reason=?, updated_at=?"
                " WHERE id=? AND state IN ('pending', 'approved', 'rejected')",
                (state, by, now, reason, now, ident),
            )
            return cur.rowcount == 1

    def edit_review(self, ident: int, text: str, *, by: str) -> bool:
        """Replace the text of a message not yet handed to the outbox."""
        now = self.now()
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE review SET text=?, edited_by=?, edited_at=?, updated_at=?"
                " WHERE id=? AND state IN ('pending', 'approved')",
                (text, by, now, now, ident),
            )
            return cur.rowcount == 1

    def approved(self, channel: str) -> list[ReviewRow]:
        """Approved messages not yet handed over. A thread goes only once all its parts are approved."""
        rows = self.review_rows(("approved",), channel)
        if channel != "mastodon":
            return rows[-1:]  # digests: the newest (handing it over supersedes the others)
        ready: list[ReviewRow] = []
        for row in rows:
            siblings = self.db.execute(
                "SELECT state FROM review WHERE channel=? AND paper_id IS ? AND venue_key IS ?",
                (channel, row.paper_id, row.venue_key),
            ).fetchall()
            if len(siblings) >= row.parts and all(s[0] in ("approved", "queued") for s in siblings):
                ready.append(row)
        return ready

    def mark_queued(self, keys: list[str]) -> None:
        if not keys:
            return
        now = self.now()
        with self.transaction() as db:
            db.executemany(
                "UPDATE review SET state='queued', updated_at=? WHERE key=? AND state='approved'",
                [(now, k) for k in keys],
            )
            # a digest handed over leaves any other digest proposal with papers it has sent
            db.executemany(
                "UPDATE review SET state='superseded', updated_at=? WHERE kind='digest' AND key<>?"
                " AND state IN ('pending', 'approved') AND EXISTS (SELECT 1 FROM review WHERE key=? AND kind='digest')",
                [(now, k, k) for k in keys],
            )

    def review_count(self, channel: str, state: str = "pending") -> int:
        return self.db.execute("SELECT count(*) FROM review WHERE channel=? AND state=?", (channel, state)).fetchone()[
            0
        ]
