"""Job runs and the daemon's lease: what the schedule decides from, and one daemon per store.

Guarantees:
- Every job run is a row (job, fire time, start, end, outcome, counts, error), written when it
  starts and finished when it ends, one transaction each; a run whose process died stays
  'running' until the next daemon marks it 'interrupted'. ``last_job_run`` is what due-ness is
  decided from, so a restart never forgets that a digest went out.
- ``acquire_lease`` is compare-and-set in one ``BEGIN IMMEDIATE`` transaction: of two daemons
  starting at once exactly one gets it. A lease is taken over when it has expired, or at once
  when its holder ran on this host and its process is gone (or is this very pid: a restarted
  container). ``renew_lease`` and ``release_lease`` only touch a lease the caller still holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

DAEMON_LEASE = "daemon"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


class JobsMixin:
    """Job runs and leases (``Store`` mixin: uses ``db``, ``transaction()``, ``now()``, ``clock``)."""

    # job runs

    def start_job(self, job: str, fire_time: datetime | None, *, runner: str = "daemon") -> int:
        from .db import _iso

        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO job_runs (job, fire_time, started_at, outcome, runner) VALUES (?,?,?,?,?)",
                (job, _iso(fire_time) if fire_time else None, self.now(), "running", runner),
            )
            return int(cur.lastrowid)

    def finish_job(
        self, run_id: int, outcome: str, counts: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE job_runs SET finished_at = ?, outcome = ?, counts = ?, error = ? WHERE id = ?",
                (self.now(), outcome, json.dumps(counts or {}, sort_keys=True), error, run_id),
            )

    def last_job_run(self, job: str) -> dict[str, Any] | None:
        """The latest run of ``job`` (any outcome), with ``started_at`` as a datetime."""
        row = self.db.execute("SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1", (job,)).fetchone()
        return _job(row) if row else None

    def job_runs(self, job: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        if job is None:
            rows = self.db.execute("SELECT * FROM job_runs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.execute("SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?", (job, limit))
        return [_job(r) for r in rows]

    def interrupt_running_jobs(self, runner: str = "daemon") -> int:
        """Mark runs left 'running' by a process that died as 'interrupted' (call holding the lease)."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE job_runs SET outcome = 'interrupted', finished_at = ?,"
                " error = COALESCE(error, 'the process stopped before the job finished')"
                " WHERE outcome = 'running' AND runner = ?",
                (self.now(), runner),
            )
            return cur.rowcount

    # leases

    def lease(self, name: str = DAEMON_LEASE) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM leases WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

    def lease_holder(
        self, name: str = DAEMON_LEASE, *, host: str, alive: Callable[[int], bool] = pid_alive
    ) -> dict[str, Any] | None:
        """The live holder of the lease (not expired, and not a dead process on this host), or None."""
        held = self.lease(name)
        if held is None or self._stale(held, host=host, pid=None, alive=alive):
            return None
        return held

    def acquire_lease(
        self,
        *,
        token: str,
        pid: int,
        host: str,
        ttl: float,
        name: str = DAEMON_LEASE,
        alive: Callable[[int], bool] = pid_alive,
    ) -> tuple[bool, dict[str, Any] | None]:
        """Take the lease: (True, the previous holder taken over or None) or (False, the live holder)."""
        now = self.clock()
        expires = (now + timedelta(seconds=ttl)).isoformat()
        with self.transaction() as db:
            held = self.lease(name)
            if held is not None and held["token"] != token and not self._stale(held, host=host, pid=pid, alive=alive):
                return False, held
            db.execute(
                "INSERT INTO leases VALUES (?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET token=excluded.token,"
                " pid=excluded.pid, host=excluded.host, acquired_at=excluded.acquired_at,"
                " heartbeat_at=excluded.heartbeat_at, expires_at=excluded.expires_at",
                (name, token, pid, host, self.now(), self.now(), expires),
            )
        return True, held if held is not None and held["token"] != token else None

    def renew_lease(self, *, token: str, ttl: float, name: str = DAEMON_LEASE) -> bool:
        """Heartbeat: extend the lease if the caller still holds it; False when it was lost."""
        expires = (self.clock() + timedelta(seconds=ttl)).isoformat()
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND token = ?",
                (self.now(), expires, name, token),
            )
            return cur.rowcount == 1

    def release_lease(self, *, token: str, name: str = DAEMON_LEASE) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND token = ?", (name, token))

    def _stale(self, held: dict[str, Any], *, host: str, pid: int | None, alive: Callable[[int], bool]) -> bool:
        if datetime.fromisoformat(held["expires_at"]) <= self.clock():
            return True
        if held["host"] != host:
            return False  # another machine: only its lease expiring says it is gone
        if pid is not None and held["pid"] == pid:
            return True  # our own pid on our host, but not our token: a previous life of this process slot
        return not alive(held["pid"])


def _job(row: Any) -> dict[str, Any]:
    d = dict(row)
    d["counts"] = json.loads(d["counts"] or "{}")
    for key in ("fire_time", "started_at", "finished_at"):
        d[key] = datetime.fromisoformat(d[key]) if d[key] else None
    return d
