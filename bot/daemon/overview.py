"""What ``paperbot status`` says about the daemon and the channels' health, read from the store.

- per job: the last run (start, end, outcome, counts, error), the next run (the same rule the
  daemon decides by, ``plan``, backoff included) and how many runs failed in a row;
- the lock: holder pid and host, since when, the heartbeat's age, and whether it is still alive;
- paused channels (credentials refused run after run) and how to resume them;
- failures with their last error: failing jobs, channels in trouble, failed messages;
- uncertain e-mail batches, awaiting a decision.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any

from ..holdback import in_words
from .plan import JOB_ORDER, _next_fire, backoff
from .schedule import Schedule


def daemon_jobs(config: Any, schedule: Schedule) -> list[str]:
    """The jobs the daemon runs with this config (as ``Daemon.jobs``)."""
    enabled = config.enabled_channels()
    out = ["check"]
    if "mastodon" in enabled or "email" in enabled:
        out.append("posts")
    if "email" in enabled:
        out.append("digest")
    if "page" in enabled and not schedule.pages_after_check:
        out.append("pages")
    return [j for j in JOB_ORDER if j in out]


def _iso(d: datetime | None) -> str | None:
    return d.astimezone(UTC).isoformat(timespec="seconds") if d else None


def jobs(app: Any, store: Any, now: datetime) -> dict[str, Any]:
    schedule = Schedule.from_config(app.config.schedule)
    out: dict[str, Any] = {}
    for job in daemon_jobs(app.config, schedule):
        last = store.last_job_run(job)
        failures, _ = store.job_failures(job)
        nxt = _next_fire(store, schedule, job, now)
        wait = backoff(store, schedule, job)
        out[job] = {
            "schedule": schedule.triggers[job].spec.text,
            "last_run": (
                {
                    "started_at": _iso(last["started_at"]),
                    "finished_at": _iso(last["finished_at"]),
                    "outcome": last["outcome"],
                    "counts": last["counts"],
                    "error": last["error"],
                    "runner": last["runner"],
                }
                if last
                else None
            ),
            "next_run": _iso(max(nxt, now) if nxt else None),
            "failures_in_a_row": failures,
            "backoff_until": _iso(wait) if wait and wait > now else None,
        }
    return out


def lock(store: Any, now: datetime) -> dict[str, Any] | None:
    held = store.lease()
    if held is None:
        return None
    beat = datetime.fromisoformat(held["heartbeat_at"])
    alive = store.lease_holder(host=socket.gethostname()) is not None
    return {
        "pid": held["pid"],
        "host": held["host"],
        "since": held["acquired_at"],
        "heartbeat_at": held["heartbeat_at"],
        "heartbeat_age_seconds": round((now - beat).total_seconds(), 1),
        "expires_at": held["expires_at"],
        "alive": alive,
    }


def failures(store: Any, channels: list[str], job_data: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for job, j in job_data.items():
        if j["failures_in_a_row"] and j["last_run"]:
            out.append(
                {
                    "what": f"job {job}",
                    "failures_in_a_row": j["failures_in_a_row"],
                    "since": None,
                    "last_error": j["last_run"]["error"],
                }
            )
    for c in channels:
        trouble = store.get_kv(f"trouble:{c}")
        health = store.channel_health(c)
        failed = [r for r in store.awaiting_decision([c]) if r.state == "failed"]
        if trouble:
            t = json.loads(trouble)
            out.append({"what": f"channel {c}", "since": t.get("since"), "last_error": t.get("reason")})
        elif health and health["auth_failures"] and not health["paused_at"]:
            out.append(
                {
                    "what": f"channel {c}",
                    "since": health["last_failure_at"],
                    "last_error": health["last_error"],
                }
            )
        if failed:
            out.append(
                {
                    "what": f"{c} messages",
                    "failed": len(failed),
                    "since": min(r.created_at for r in failed),
                    "last_error": failed[-1].last_error,
                }
            )
    return out


def collect(app: Any, store: Any, channels: list[str], now: datetime) -> dict[str, Any]:
    job_data = jobs(app, store, now)
    return {
        "jobs": job_data,
        "lock": lock(store, now),
        "paused": [
            {"channel": p["channel"], "since": p["paused_at"], "reason": p["paused_reason"]}
            for p in store.paused_channels()
        ],
        "failures": failures(store, channels, job_data),
        "uncertain_batches": [
            {"key": r.key, "digest": r.digest_id, "recipients": r.recipients, "last_error": r.last_error}
            for r in store.awaiting_decision(["email"])
            if r.state == "uncertain"
        ],
    }


def render(data: dict[str, Any], now: datetime) -> list[str]:
    lines: list[str] = []
    held = data.get("lock")
    if held:
        state = "running" if held["alive"] else "gone (its lease is stale)"
        lines.append(
            f"daemon: {state}: pid {held['pid']} on {held['host']} since {held['since']}, last heartbeat"
            f" {held['heartbeat_age_seconds']:g} s ago"
        )
    else:
        lines.append("daemon: not running (no one holds the lock)")
    for job, j in (data.get("jobs") or {}).items():
        last = j["last_run"]
        if last:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(last["counts"].items()))
            text = f"last {last['started_at']} {last['outcome']}" + (f" ({counts})" if counts else "")
            if last["error"] and last["outcome"] != "ok":
                text += f": {last['error']}"
        else:
            text = "never ran"
        nxt = j["next_run"]
        when = "now" if nxt and datetime.fromisoformat(nxt) <= now else nxt or "never"
        if nxt and when != "now":
            when += f" (in {in_words((datetime.fromisoformat(nxt) - now).total_seconds())})"
        extra = ""
        if j["backoff_until"]:
            extra = f"; {j['failures_in_a_row']} failures in a row: backing off"
        lines.append(f"job {job} [{j['schedule']}]: {text}; next {when}{extra}")
    for p in data.get("paused") or []:
        lines.append(
            f"PAUSED: {p['channel']} since {p['since']}: {p['reason']}; fix its credentials, then"
            f" 'paperbot resume {p['channel']}'"
        )
    for f in data.get("failures") or []:
        since = f" since {f['since']}" if f.get("since") else ""
        n = f" ({f['failed']} failed)" if f.get("failed") else ""
        lines.append(f"failing: {f['what']}{n}{since}: {f['last_error']}")
    for b in data.get("uncertain_batches") or []:
        lines.append(
            f"uncertain e-mail batch {b['key']} ({b['recipients']} recipients): {b['last_error']};"
            " 'paperbot outbox mark-sent KEY' or 'outbox retry KEY'"
        )
    return lines
