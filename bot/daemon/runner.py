"""``paperbot daemon``: one loop that asks the store what is due, runs it, and waits.

- One daemon per store: it takes the store's lease first (``Store.acquire_lease``) and keeps
  it with a heartbeat every ``HEARTBEAT`` s; a lease expires ``LEASE_TTL`` s after its last
  heartbeat. A second daemon is refused at once (exit 1) naming the holder and since when.
- Jobs run one at a time, in this one thread: they never overlap. Which job is due comes from
  ``plan.due_jobs`` (the store's job runs and the schedule); APScheduler computes fire times.
- SIGTERM/SIGINT: no new job or message is started; the message in flight is finished and
  recorded; the lease is released; exit 0. SIGHUP: config and templates are read again; an
  invalid new config is logged and the old one kept; channels paused for refused credentials
  are resumed.
- A job that fails (a source or channel down, a bad token) is logged and recorded as failed;
  it runs again at its next time, with backoff after repeated failures (``plan.backoff``). The
  daemon never dies of one.

The clock and the wait are injected, so tests drive the loop without sleeping.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..errors import BotError
from ..redact import redact
from . import jobs as J
from .plan import Due, due_jobs, next_wake
from .schedule import Schedule

log = logging.getLogger("paperbot.daemon")

LEASE_TTL = 30.0  # seconds a lease lives after its last heartbeat (the issue allows at most 60)
HEARTBEAT = 10.0  # seconds between heartbeats
MAX_IDLE = 10.0  # the loop looks again at least this often (heartbeat, reload, a changed clock)


class LockRefused(BotError):
    """Another live daemon holds this store's lease."""


def describe_holder(held: dict[str, Any]) -> str:
    return (
        f"pid {held['pid']} on host {held['host']}, since {held['acquired_at']}"
        f" (last heartbeat {held['heartbeat_at']}, lease expires {held['expires_at']})"
    )


class Daemon:
    def __init__(
        self,
        load_app: Callable[[], Any],
        *,
        clock: Callable[[], datetime],
        wait: Callable[[float], None] | None = None,
        pid: int | None = None,
        host: str | None = None,
        heartbeat_thread: bool = False,
    ) -> None:
        self.load_app = load_app
        self.app = load_app()
        self.schedule = Schedule.from_config(self.app.config.schedule)
        self.clock = clock
        self.pid = pid if pid is not None else os.getpid()
        self.host = host or socket.gethostname()
        self.token = uuid.uuid4().hex
        self.stop_event = threading.Event()  # stop: set once, never cleared
        self.wake = threading.Event()  # stop or reload: end the idle wait early
        self.reload_requested = False
        self.lost_lease = False
        self._wait = wait or self._real_wait
        self._heartbeat_thread = heartbeat_thread
        self._last_heartbeat: datetime | None = None

    # --- control (signal handlers call these) -----------------------------------------------

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def request_stop(self) -> None:
        self.stop_event.set()
        self.wake.set()

    def request_reload(self) -> None:
        self.reload_requested = True
        self.wake.set()

    def _real_wait(self, seconds: float) -> None:
        self.wake.wait(seconds)
        self.wake.clear()

    def publisher_sleep(self, seconds: float) -> None:
        """The publisher's pause between messages and retries: ends early, raising Stopping, on a stop."""
        if self.stopping or self.stop_event.wait(seconds):
            raise J.Stopping

    # --- the lease --------------------------------------------------------------------------

    def acquire(self) -> None:
        store = self.app.store
        ok, held = store.acquire_lease(token=self.token, pid=self.pid, host=self.host, ttl=LEASE_TTL)
        if not ok:
            raise LockRefused(
                f"another paperbot daemon holds the store {self.app.config.store.path}: {describe_holder(held)};"
                " stop it first (one daemon per store)"
            )
        if held is not None:
            why = "its lease expired" if datetime.fromisoformat(held["expires_at"]) <= self.clock() else "it is gone"
            log.warning("took over the daemon lock from %s: %s", describe_holder(held), why)
        self._last_heartbeat = self.clock()
        n = store.interrupt_running_jobs()
        if n:
            log.warning("%d job run(s) of an earlier daemon were interrupted; their jobs run again when due", n)
        log.info("holding the daemon lock of %s as pid %d on %s", self.app.config.store.path, self.pid, self.host)

    def heartbeat(self, force: bool = False) -> bool:
        now = self.clock()
        if not force and self._last_heartbeat and (now - self._last_heartbeat).total_seconds() < HEARTBEAT:
            return True
        if not self.app.store.renew_lease(token=self.token, ttl=LEASE_TTL):
            log.error("lost the daemon lock of %s (another daemon took it over): stopping", self.app.config.store.path)
            self.lost_lease = True
            self.request_stop()
            return False
        self._last_heartbeat = now
        return True

    def _heartbeats(self) -> None:
        """A thread renewing the lease while a long job runs (its own store connection)."""
        from ..store import Store

        store = Store(self.app.config.store.path, clock=self.clock)
        try:
            while not self.stop_event.wait(HEARTBEAT):
                try:
                    if not store.renew_lease(token=self.token, ttl=LEASE_TTL):
                        log.error("lost the daemon lock (another daemon took it over): stopping")
                        self.lost_lease = True
                        self.request_stop()
                        return
                except Exception as exc:  # a busy store: try again at the next beat
                    log.warning("heartbeat failed: %s", redact(exc))
        finally:
            store.close()

    # --- jobs -------------------------------------------------------------------------------

    def jobs(self) -> list[str]:
        """The jobs this config has: checking, and publishing on the enabled channels."""
        enabled = self.app.config.enabled_channels()
        out = ["check"]
        if "mastodon" in enabled or "email" in enabled:
            out.append("posts")
        if "email" in enabled:
            out.append("digest")
        if "page" in enabled and not self.schedule.pages_after_check:
            out.append("pages")
        return out

    def run_job(self, due: Due) -> str:
        """Run one job, recorded in the store from start to end; never raises but Stopping."""
        app = self.app
        run_id = app.store.start_job(due.job, due.fire_time)
        log.info("%s: starting (scheduled %s)", due.job, due.fire_time.isoformat(timespec="seconds"))
        try:
            stopping = self.stop_event.is_set
            if due.job == "check":
                outcome, counts, error = J.check(app)
            elif due.job == "posts":
                outcome, counts, error = J.posts(app, self.publisher_sleep, stopping)
            elif due.job == "digest":
                min_papers = self.schedule.digest_min_papers
                outcome, counts, error = J.digest(app, self.publisher_sleep, min_papers, stopping)
            else:
                outcome, counts, error = J.pages(app, self.publisher_sleep, stopping)
            if self.stopping and outcome == "failed":
                outcome = "interrupted"  # stopped by a signal: what was left waits for the next start
        except J.Stopping:
            app.store.finish_job(run_id, "interrupted", error="stopped by a signal before the job finished")
            log.info("%s: stopped after the message in flight", due.job)
            raise
        except Exception as exc:  # a failing source or channel: logged, retried at the next run
            error = redact(str(exc) or type(exc).__name__)
            app.store.finish_job(run_id, "failed", error=error)
            log.error("%s: failed: %s; tried again at its next run", due.job, error)
            return "failed"
        app.store.finish_job(run_id, outcome, counts, error)
        level = logging.WARNING if outcome == "failed" else logging.INFO
        log.log(level, "%s: %s %s%s", due.job, outcome, counts, f": {redact(error)}" if error else "")
        if (
            due.job == "check"
            and self.schedule.pages_after_check
            and "page" in app.config.enabled_channels()
            and (counts.get("new") or counts.get("removed"))
            and not self.stopping
        ):
            self.run_job(Due("pages", self.clock()))
        return outcome

    # --- reload -----------------------------------------------------------------------------

    def reload(self) -> None:
        self.reload_requested = False
        try:
            app = self.load_app()
            schedule = Schedule.from_config(app.config.schedule)
        except Exception as exc:
            log.error("reload: the new config is not used, the old one is kept: %s", redact(exc))
            return
        if app.config.store.path != self.app.config.store.path:
            log.error("reload: [store] path changed; restart the daemon to use another store. Old config kept")
            return
        old = self.app
        self.app, self.schedule = app, schedule
        old.close()
        log.info("reload: config and templates read again from %s", app.config_path)
        resumed = app.store.resume_all_channels()  # new credentials, perhaps: try the paused channels again
        if resumed:
            log.info("reload: resumed the paused channel(s) %s", ", ".join(resumed))

    # --- the loop ---------------------------------------------------------------------------

    def run(self) -> int:
        """Acquire the lock, then run due jobs until stopped. 0 on a stop, 1 when the lock was lost."""
        self.acquire()
        beat = None
        if self._heartbeat_thread and self.app.config.store.path is not None:
            beat = threading.Thread(target=self._heartbeats, name="paperbot-heartbeat", daemon=True)
            beat.start()
        try:
            while not self.stopping:
                if self.reload_requested:
                    self.reload()
                if not self.heartbeat():
                    break
                now = self.clock()
                due = due_jobs(self.app.store, self.schedule, now, self.jobs())
                for d in due:
                    if self.stopping:
                        break
                    self.run_job(d)
                    self.heartbeat()
                if due:
                    continue  # look again: a job may have taken longer than the next one's interval
                wake = next_wake(self.app.store, self.schedule, now, self.jobs())
                delay = MAX_IDLE if wake is None else min(max((wake - now).total_seconds(), 0.0), MAX_IDLE)
                self._wait(delay)
        except J.Stopping:
            pass
        finally:
            self.stop_event.set()
            if beat is not None:
                beat.join(timeout=2)
            if not self.lost_lease:
                try:
                    self.app.store.release_lease(token=self.token)
                except Exception as exc:
                    log.warning("could not release the daemon lock (it expires by itself): %s", redact(exc))
            log.info("stopped")
        return 1 if self.lost_lease else 0


def serve(load_app: Callable[[], Any], clock: Callable[[], datetime]) -> int:
    """Run the daemon in this process with signal handlers: what ``paperbot daemon`` calls."""
    import signal

    daemon = Daemon(load_app, clock=clock, heartbeat_thread=True)

    def stop(signum: int, frame: Any) -> None:
        log.info("%s: stopping after the message in flight", signal.Signals(signum).name)
        daemon.request_stop()

    def hup(signum: int, frame: Any) -> None:
        daemon.request_reload()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, hup)
    try:
        return daemon.run()
    finally:
        daemon.app.close()
