"""The daemon's jobs, each one call into what ``check`` and ``publish`` already do.

- ``check``: read the sources (as ``paperbot check``);
- ``posts``: post on Mastodon within ``posting_hours``, up to ``max_per_run``; also finishes a
  digest that a stop or a crash interrupted (without starting a new one);
- ``digest``: the e-mail digest, when at least ``digest_min_papers`` papers are due;
- ``pages``: the news pages (by default right after a check that found something).

Each returns (outcome, counts, error). Failing sources and channels come back as outcome
'failed' with their error; the runner logs them and the job runs again at its next time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Stopping(Exception):  # noqa: N818 -- a request, not an error
    """Raised from the publisher's sleep when the daemon was asked to stop: the message in flight is
    finished and recorded, nothing new is started."""


class NoNewDigest:
    """The app as the publisher sees it, except that it composes no new digest: an interrupted
    digest is finished, a new one waits for the digest's scheduled time."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def compose(self, store: Any, channels: list[str] | None = None, **kw: Any) -> tuple[list[Any], list[str]]:
        if channels == ["email"]:
            return [], []
        return self._app.compose(store, channels, **kw)


STOPPING = "the daemon is stopping: left for its next start"


class StopAware:
    """A channel that sends nothing new once the daemon was asked to stop (the publisher puts the
    message back as pending and stops the channel for this run)."""

    def __init__(self, channel: Any, stopping: Callable[[], bool]) -> None:
        self._channel = channel
        self._stopping = stopping

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)

    def post(self, *args: Any, **kw: Any) -> Any:
        return self._send("post", *args, **kw)

    def send_batch(self, *args: Any, **kw: Any) -> Any:
        return self._send("send_batch", *args, **kw)

    def _send(self, method: str, *args: Any, **kw: Any) -> Any:
        if self._stopping():
            from ..channels import Outcome

            return Outcome("stop", error=STOPPING)
        return getattr(self._channel, method)(*args, **kw)


_CODE: list[str] = []  # paperbot's code fingerprint as this process first saw it (bot/fingerprint.py)
ROSTER_FP = "_daemon_roster_fp"  # on the app: the fingerprint of the roster file it holds in memory


def _code() -> str:
    """The code fingerprint of the code this process runs: taken once. Files upgraded on disk under a
    running daemon are not what it runs, so its records keep the old fingerprint and the next
    ``paperbot check`` after the upgrade (or the restarted daemon) reads everything again."""
    if not _CODE:
        from ..fingerprint import code_fingerprint

        _CODE.append(code_fingerprint())
    return _CODE[0]


def check_inputs(app: Any) -> dict[str, Any]:
    """What ``paperbot check`` fingerprints besides the sources, for the daemon's long-lived app.

    Taken before the roster is read; the roster held in memory is dropped (and read again by
    ``app.roster``) unless it was read from the very file fingerprinted now, so the roster used
    always matches the roster recorded. The config file is not fingerprinted (``config: None``):
    it may have been edited since the daemon loaded it (until SIGHUP), and recording its new bytes
    would let ``paperbot check``'s quick path vouch for a config this check did not use.
    """
    from ..fingerprint import check_inputs as inputs_of
    from ..fingerprint import same_content

    inputs = inputs_of(app.config, app.config_path, None)
    inputs["code"] = _code()
    held = app.__dict__.get(ROSTER_FP)  # {"fp": ...} of the roster read, if it was read here
    if "_roster" in app.__dict__ and not (held is not None and _same(held["fp"], inputs["roster"], same_content)):
        del app.__dict__["_roster"]  # edited since it was read (or read elsewhere, from unknown bytes)
    if "_roster" not in app.__dict__:
        app.__dict__[ROSTER_FP] = {"fp": inputs["roster"]}
    return inputs


def _same(held: dict[str, Any] | None, now: dict[str, Any] | None, same_content: Callable[..., bool]) -> bool:
    """Held and current roster fingerprints describe the same bytes (both None: no roster file)."""
    return held is None and now is None if held is None or now is None else same_content(now, held)


def check(app: Any) -> tuple[str, dict[str, Any], str | None]:
    """``paperbot check`` on the schedule, with its skip-unchanged fast path: when no source file, the
    roster, the config's tables and the code changed since the last clean check, nothing is read,
    parsed or written (bot/fingerprint.py) and the run's counts say ``unchanged``."""
    from ..ingest import check as run_check

    inputs = check_inputs(app)
    report = run_check(app.sources(), app.roster, app.store, problems=app.roster_problems, inputs=inputs)
    counts = {"new": len(report.new), "updated": len(report.updated - report.created), "removed": report.removed}
    if report.unchanged is not None:
        counts["unchanged"] = True
    if report.failed:
        errors = [str(p) for p in report.problems if getattr(p, "level", "error") == "error"]
        return "failed", counts, "; ".join(errors[:3]) or "a source or record could not be read"
    return "ok", counts, None


def publish(
    app: Any,
    channels: list[str],
    sleep: Callable[[float], None],
    *,
    new_digest: bool = True,
    stopping: Callable[[], bool] = lambda: False,
) -> tuple[str, dict[str, Any], str | None]:
    from ..publish import Pacing, Publisher

    masto = app.config.channels.mastodon
    pacing = Pacing(limit=masto.max_per_run if masto else None, respect_hours=True)
    built: list[Any] = []

    def factory(name: str) -> Any:
        return StopAware(built[0]._build_channel(name), stopping)

    publisher = Publisher(app if new_digest else NoNewDigest(app), app.store, sleep=sleep, channel_factory=factory)
    built.append(publisher)
    summary = publisher.publish(channels, pacing)
    counts = {k: summary.total(k) for k in ("sent", "failed", "uncertain", "waiting")}
    errors = [e for c in summary.channels.values() for e in ([c.stopped] if c.stopped else []) + c.errors]
    if not summary.ok:
        return "failed", counts, "; ".join(errors[:3]) or "see 'paperbot status' and 'paperbot outbox list'"
    return "ok", counts, None


def posts(
    app: Any, sleep: Callable[[float], None], stopping: Callable[[], bool] = lambda: False
) -> tuple[str, dict[str, Any], str | None]:
    enabled = app.config.enabled_channels()
    channels = [c for c in ("mastodon",) if c in enabled]
    if "email" in enabled and (app.store.open_digest() or app.store.approved("email")):
        channels.append("email")  # a digest interrupted by a stop or a crash, or approved in review: now
    if not channels:
        return "skipped", {}, None
    return publish(app, channels, sleep, new_digest=False, stopping=stopping)


def digest(
    app: Any, sleep: Callable[[float], None], min_papers: int, stopping: Callable[[], bool] = lambda: False
) -> tuple[str, dict[str, Any], str | None]:
    due = len(app.store.due("email"))
    if due < min_papers and not app.store.open_digest():
        return "skipped", {"due": due, "digest_min_papers": min_papers}, None
    outcome, counts, error = publish(app, ["email"], sleep, stopping=stopping)
    return outcome, {"due": due, **counts}, error


def pages(
    app: Any, sleep: Callable[[float], None], stopping: Callable[[], bool] = lambda: False
) -> tuple[str, dict[str, Any], str | None]:
    return publish(app, ["page"], sleep, stopping=stopping)
