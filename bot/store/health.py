"""Channel health and job backoff: pausing a channel whose credentials are refused, and how long
a failing job waits.

- ``record_channel_auth`` counts consecutive runs in which a channel's credentials were refused
  (Mastodon or SendGrid 401/403, SMTP 535); at ``PAUSE_AFTER`` the channel is paused. A run
  that got through resets the count. A paused channel is not tried until ``resume_channel``
  (``paperbot resume CHANNEL``) or ``resume_all_channels`` (a config reload).
- ``job_failures`` reads the store's job runs: how many runs of a job failed in a row, and when
  the last one ended (the daemon's backoff, ``bot/daemon/plan.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

PAUSE_AFTER = 2  # consecutive runs refused for credentials before the channel is paused


class HealthMixin:
    """``Store`` mixin: uses ``db``, ``transaction()``, ``now()``."""

    def channel_health(self, channel: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM channel_health WHERE channel = ?", (channel,)).fetchone()
        return dict(row) if row else None

    def channel_pause(self, channel: str) -> dict[str, Any] | None:
        """The pause of ``channel`` (paused_at, paused_reason, …), or None when it is not paused."""
        row = self.channel_health(channel)
        return row if row and row["paused_at"] else None

    def paused_channels(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM channel_health WHERE paused_at IS NOT NULL ORDER BY channel")
        return [dict(r) for r in rows]

    def record_channel_auth(self, channel: str, error: str | None) -> dict[str, Any] | None:
        """After a run on ``channel``: ``error`` is why its credentials were refused, or None when
        they were not. Returns the pause when this call paused the channel."""
        with self.transaction() as db:
            if error is None:
                db.execute("UPDATE channel_health SET auth_failures = 0 WHERE channel = ?", (channel,))
                return None
            now = self.now()
            db.execute(
                "INSERT INTO channel_health (channel, auth_failures, last_error, last_failure_at) VALUES (?,1,?,?)"
                " ON CONFLICT(channel) DO UPDATE SET auth_failures = auth_failures + 1,"
                " last_error = excluded.last_error, last_failure_at = excluded.last_failure_at",
                (channel, error, now),
            )
            row = dict(db.execute("SELECT * FROM channel_health WHERE channel = ?", (channel,)).fetchone())
            if row["paused_at"] or row["auth_failures"] < PAUSE_AFTER:
                return None
            reason = f"credentials refused in {row['auth_failures']} runs in a row: {error}"
            db.execute(
                "UPDATE channel_health SET paused_at = ?, paused_reason = ? WHERE channel = ?",
                (now, reason, channel),
            )
            return {**row, "paused_at": now, "paused_reason": reason}

    def resume_channel(self, channel: str) -> bool:
        """Lift the pause of ``channel``; False when it was not paused."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE channel_health SET paused_at = NULL, paused_reason = NULL, auth_failures = 0"
                " WHERE channel = ? AND paused_at IS NOT NULL",
                (channel,),
            )
            return cur.rowcount == 1

    def resume_all_channels(self) -> list[str]:
        names = [r["channel"] for r in self.paused_channels()]
        for name in names:
            self.resume_channel(name)
        return names

    def job_failures(self, job: str) -> tuple[int, datetime | None]:
        """How many of ``job``'s latest runs failed in a row (skipped and interrupted runs are passed
        over), and when the last failure ended."""
        n, last = 0, None
        for row in self.db.execute(
            "SELECT outcome, finished_at, started_at FROM job_runs WHERE job = ?"
            " AND outcome IN ('ok', 'failed') ORDER BY id DESC LIMIT 64",
            (job,),
        ):
            if row["outcome"] != "failed":
                break
            n += 1
            if last is None:
                last = datetime.fromisoformat(row["finished_at"] or row["started_at"])
        return n, last
