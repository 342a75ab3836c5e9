"""``paperbot health``: is a daemon alive on this store? (the Docker HEALTHCHECK, a monitoring probe)

Healthy when a daemon holds the store's lease and its last heartbeat is younger than
``max_age`` seconds (the daemon beats every ``runner.HEARTBEAT`` s, so 60 s allows a few missed
beats). The store is only read (opened read-only); nothing is created or changed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any


def daemon_health(store_path: Path | None, now: datetime, max_age: float) -> dict[str, Any]:
    """{"healthy": bool, "reason": str, ...the lease's holder, heartbeat and its age when there is one}."""
    from ..store import Store

    out: dict[str, Any] = {"healthy": False, "store": str(store_path) if store_path else None, "max_age": max_age}
    if store_path is None or not Path(store_path).is_file():
        return {**out, "reason": "no store yet: the daemon has not started"}
    with Store(store_path, readonly=True) as store:
        held = store.lease()
    if held is None:
        return {**out, "reason": "no daemon holds the store's lease"}
    beat = datetime.fromisoformat(held["heartbeat_at"])
    age = (now - beat).total_seconds()
    out.update(pid=held["pid"], host=held["host"], heartbeat_at=held["heartbeat_at"], age=round(age, 1))
    if age > max_age:
        return {**out, "reason": f"the daemon's last heartbeat is {age:.0f} s old (more than {max_age:g} s)"}
    return {**out, "healthy": True, "reason": f"daemon pid {held['pid']} on {held['host']}, heartbeat {age:.0f} s ago"}
