"""Publishing exactly once: compose, record in the outbox, send, finalise.

Every message is written to the outbox (pending) before it is sent, claimed (sending)
right before the network call and finalised (sent, failed, uncertain) right after, one
transaction each. After a crash:

* a Mastodon post left "sending" is sent again with the same Idempotency-Key, which the
  server honours for an hour, so it appears once; past that hour it becomes uncertain;
* an e-mail batch left "sending" becomes uncertain (SendGrid has no idempotency key) and
  is reported, or is sent again when ``uncertain_policy = "resend"``;
* everything still pending is simply sent.

Retries, waits and pacing are decided here, from the channels' Outcomes.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from . import holdback, review
from .channels import Outcome
from .compose import Message
from .errors import ConfigError
from .holdback import HeldBack, Order, Unit, in_words, when
from .redact import redact
from .store import OutboxRow, Store

log = logging.getLogger("paperbot.publish")

IDEMPOTENCY_WINDOW = timedelta(minutes=55)  # Mastodon keeps keys for 1 h; keep a margin
STATUS_QUOTA = 300  # new statuses per account per 3 h window (Mastodon's RateLimiter)
QUOTA_WINDOW = 3 * 3600
MAX_WAIT = 15 * 60  # longer rate-limit waits end the run for that channel: the next run resumes
MAX_WAITS = 10  # rate-limit waits per message in one run, so a server that always answers 429 cannot hang it
SENDGRID_MAX_BYTES = 30 * 2**20  # SendGrid: a whole message must be under 30 MB, or 413
PERSONALIZATIONS_ALLOWANCE = 1000 * 600  # up to 1,000 recipients with their headers and custom_args
DEFER_GIVE_UP = timedelta(days=3)  # an SMTP recipient still refused with 4xx this long after the first: failed
NOTICE_WAIT = 2.0  # a wait longer than this is announced on stderr: what for and until when
PROGRESS_EVERY = 10  # messages between progress lines on runs of more than this many …
PROGRESS_SECONDS = 30.0  # … or seconds, whichever comes first


@dataclass
class ChannelReport:
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    waiting: int = 0  # left for a later run (pacing, posting hours, rate limits, errors)
    deferred: int = 0  # of those, held back by errors that retries did not overcome
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None
    trouble: str | None = None  # rate limited or failing this run: "rate limited until …"
    trouble_since: str | None = None  # since when (across runs) the channel has been in trouble
    alert: str | None = None  # in trouble for longer than [run] alert_after: the run exits 1
    busy: bool = False  # another run holds the channel's publishing lock: left to it
    paused: bool = False  # nothing was tried (outside posting hours): says nothing about trouble
    trouble_until: float | None = None  # epoch: when the rate limit or quota resets, when known
    held_back: dict[str, int] = field(default_factory=dict)  # messages left for a later run, by reason
    resumes: str | None = None  # "outside posting hours (…); resumes 2024-12-06 09:00:00 UTC (in 23 h)"

    def hold(self, reason: str, n: int = 1) -> None:
        self.waiting += n
        self.held_back[reason] = self.held_back.get(reason, 0) + n


@dataclass
class Summary:
    channels: dict[str, ChannelReport] = field(default_factory=dict)
    awaiting: list[str] = field(default_factory=list)  # failed or uncertain messages awaiting a decision

    def channel(self, name: str) -> ChannelReport:
        return self.channels.setdefault(name, ChannelReport())

    def total(self, attr: str) -> int:
        return sum(getattr(c, attr) for c in self.channels.values())

    @property
    def ok(self) -> bool:
        """Exit 0? Not while a message failed or is uncertain (this run or an earlier one, until the
        operator decides), retries did not get through, a channel was stopped, or one has been in
        trouble for longer than alert_after. A rate limit is normal until then: the next run resumes."""
        problems = self.total("failed") + self.total("uncertain") + self.total("deferred") + len(self.awaiting)
        return not problems and not any(c.stopped or c.alert for c in self.channels.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": self.total("sent"),
            "failed": self.total("failed"),
            "uncertain": self.total("uncertain"),
            "waiting": self.total("waiting"),
            "channels": {
                n: {
                    "deferred": c.deferred,
                    "sent": c.sent,
                    "failed": c.failed,
                    "uncertain": c.uncertain,
                    "waiting": c.waiting,
                    "stopped": c.stopped,
                    "trouble": c.trouble,
                    "trouble_since": c.trouble_since,
                    "alert": c.alert,
                    "busy": c.busy,
                    "held_back": c.held_back,
                    "resumes": c.resumes,
                    "errors": c.errors,
                }
                for n, c in self.channels.items()
            },
            "awaiting_decision": self.awaiting,
        }

    def text(self) -> str:
        lines = [
            f"sent {self.total('sent')}, failed {self.total('failed')}, uncertain {self.total('uncertain')},"
            f" waiting {self.total('waiting')}"
        ]
        for name, c in self.channels.items():
            line = f"  {name}: sent {c.sent}, failed {c.failed}, uncertain {c.uncertain}, waiting {c.waiting}"
            if c.deferred:
                line += f" ({c.deferred} held back by errors)"
            if c.stopped:
                line += f" (stopped: {c.stopped})"
            if c.busy:
                line += " (another paperbot run is publishing on this channel: left to it)"
            lines.append(line)
            lines += [f"    - {e}" for e in c.errors]
            if c.held_back:
                lines.append(f"    held back: {holdback.counted(c.held_back)}")
            if c.resumes:
                lines.append(f"    {c.resumes}")
            if c.trouble and not c.alert:
                since = f" since {c.trouble_since}" if c.trouble_since else ""
                lines.append(f"    waiting: {c.trouble}{since}; the next run resumes")
            if c.alert:
                lines.append(f"    ALERT: {c.alert}")
        if self.awaiting:
            n = len(self.awaiting)
            lines.append(
                f"{n} message{'s' if n != 1 else ''} failed or uncertain, awaiting your decision:"
                " 'paperbot outbox list', then 'outbox retry KEY' or 'outbox mark-sent KEY'"
            )
        return "\n".join(lines)


def paused_line(name: str, pause: dict[str, Any]) -> str:
    """The one status line of a paused channel."""
    return (
        f"{name} is paused since {pause['paused_at']} ({pause['paused_reason']}); fix its credentials,"
        f" then 'paperbot resume {name}' (or reload the daemon's config)"
    )


@dataclass
class Pacing:
    limit: int | None = None  # papers per run: publish --limit N, or max_per_run for scheduled runs
    respect_hours: bool = False  # keep to posting_hours (scheduled runs, or publish --respect-hours)
    limit_name: str = "--limit"  # where the limit comes from: "--limit" or "max_per_run"


class Publisher:
    """Sends what is due on each channel; the clock, sleep and randomness are injected."""

    def __init__(
        self,
        app: Any,
        store: Store,
        *,
        sleep: Callable[[float], None],
        rng: random.Random | None = None,
        channel_factory: Callable[[str], Any] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.sleep = sleep
        self.notify = notify or (lambda line: log.info("%s", line))  # the CLI prints these on stderr
        self.rng = rng or random.Random()
        self._factory = channel_factory or self._build_channel
        self.summary = Summary()
        self._deferred_now: set[tuple[str, int]] = set()  # SMTP recipients deferred in this run: not again

    def now(self) -> datetime:
        return self.app.clock()

    # --- channels --------------------------------------------------------------------------

    def _secret(self, name: str, what: str) -> str:
        value = self.app.env.get(name)
        if not value:
            raise ConfigError(
                f"{name} is not set: {what}. Put it in the environment or in .env "
                "(see .env.example); it is never read from the config file."
            )
        return value

    def _build_channel(self, name: str) -> Any:
        cfg = self.app.config.channels
        if name == "mastodon":
            from .channels.mastodon import MastodonChannel

            m = cfg.mastodon
            if not m.api_base_url:
                raise ConfigError(f"{self.app.config_path}: [channels.mastodon] api_base_url is required to publish")
            token = self._secret("MASTODON_ACCESS_TOKEN", "the bot account's access token (scope write:statuses)")
            return MastodonChannel(
                m.api_base_url, token, timeout=m.request_timeout, visibility=m.visibility, language=m.language
            )
        if name == "email":
            e = cfg.email
            if not e.from_:
                raise ConfigError(f"{self.app.config_path}: [channels.email] from is required to publish")
            from .channels.email import unsubscribe_problem

            problem = unsubscribe_problem(e)
            if problem:
                raise ConfigError(f"{self.app.config_path}: {problem}")
            if e.provider == "smtp":
                from .channels.email import SmtpChannel

                if not e.smtp_host:
                    raise ConfigError(f"{self.app.config_path}: [channels.email] smtp_host is required for SMTP")
                password = self.app.env.get("SMTP_PASSWORD")
                if e.smtp_user and not password:
                    self._secret("SMTP_PASSWORD", "the SMTP password for smtp_user")
                return SmtpChannel(e, password, clock=self.app.clock)
            from .channels.email import SendGridChannel

            return SendGridChannel(e, self._secret("SENDGRID_API_KEY", "a SendGrid API key with Mail Send access"))
        if name == "page":
            from .channels.page import PageChannel

            return PageChannel(cfg.page.dir)
        raise ConfigError(f"unknown channel {name!r}")

    # --- planning (read-only; shared with preview) ---------------------------------------------

    def plan(self, channels: list[str]) -> tuple[list[Message], list[str]]:
        """Everything publishing would send now: messages already in the outbox, then new ones."""
        queued: list[Message] = []
        for channel in channels:
            if channel == "mastodon":
                queued += [_row_message(r, self._limit()) for r in self.store.outbox("mastodon")]
            elif channel == "email":
                digest = self.store.open_digest()
                if digest:
                    queued.append(
                        Message(
                            channel="email",
                            kind="digest",
                            key=digest["id"],
                            text=digest["text"],
                            html=digest["html"],
                            subject=digest["subject"],
                            length=len(digest["text"]),
                        )
                    )
        fresh_channels = [c for c in channels if not (c == "email" and self.store.open_digest())]
        fresh, errors = self.app.compose(self.store, fresh_channels)
        messages = [_example_links(m) for m in queued + fresh]
        posts = [m for m in messages if m.channel == "mastodon"]
        return _in_order(Order(self.store), posts) + [m for m in messages if m.channel != "mastodon"], errors

    def preview_plan(self, channels: list[str], pacing: Pacing) -> tuple[list[Message], list[str], dict[str, HeldBack]]:
        """``plan`` plus the messages awaiting a decision, and why each message this run would not
        send is held back (by message key; a message that would be sent has no entry)."""
        messages, errors = self.plan(channels)
        awaiting = self.store.awaiting_decision(channels)
        limit = self._limit() if "mastodon" in channels else 0
        posts = [m for m in messages if m.channel == "mastodon"]
        posts += [_row_message(r, limit) for r in awaiting if r.channel == "mastodon"]
        posts = _in_order(Order(self.store), posts)
        mail = [m for m in messages if m.channel == "email"]
        mail += [_batch_message(r, self.store) for r in awaiting if r.channel == "email"]
        others = [m for m in messages if m.channel not in ("mastodon", "email")]
        rows = {r.key: r for r in awaiting}
        if "mastodon" in channels:
            rows.update((r.key, r) for r in self.store.outbox("mastodon"))
        open_digest = self.store.open_digest() if "email" in channels else None

        def unit(group: list[Message]) -> Unit:
            row = rows.get(group[0].key)
            state = row.state if row else "pending" if open_digest and group[0].key == open_digest["id"] else "new"
            return Unit(state, posts=len(group), first_part=group[0].part, error=row.last_error if row else None)

        held: dict[str, HeldBack] = {}
        now = self.now()
        groups = _groups(posts, rows)
        for group, why in zip(
            groups,
            holdback.mastodon([unit(g) for g in groups], app=self.app, store=self.store, pacing=pacing, now=now),
            strict=True,
        ):
            held.update((m.key, why) for m in group if why)
        for m, why in zip(mail, holdback.email([unit([m]) for m in mail], store=self.store, now=now), strict=True):
            if why:
                held[m.key] = why
        if review.enabled(self.app):  # new messages not approved yet wait for the editor
            for m in posts + mail:
                if unit([m]).state == "new" and self.store.review_state(m.key) not in ("approved", "queued"):
                    held[m.key] = review.held(self.store.review_state(m.key))
        return posts + mail + others, errors, held

    def _limit(self) -> int:
        return self.app.compose_settings(self.store).limits.max_characters

    # --- publishing ------------------------------------------------------------------------

    def publish(self, channels: list[str], pacing: Pacing) -> Summary:
        for name in channels:
            report = self.summary.channel(name)
            pause = self.store.channel_pause(name)
            if pause:  # credentials refused run after run: nothing is tried until 'paperbot resume'
                report.stopped = paused_line(name, pause)
                continue
            # One run at a time per channel: concurrent runs never send a message twice, and pacing
            # (min_interval, max_per_run) holds across them. Claims are compare-and-set besides.
            with self.store.channel_lock(name) as ours:
                if not ours:
                    report.busy = True
                    log.info("%s: another paperbot run is publishing on this channel; left to it", name)
                    continue
                channel = self._factory(name)
                if name == "mastodon":
                    self._mastodon(channel, report, pacing)
                elif name == "email" and self.app.config.channels.email.sandbox_mode:
                    self._sandbox_email(channel, report)
                elif name == "email":
                    self._email(channel, report)
                elif name == "page":
                    self._pages(channel, report)
                self._track_trouble(name, report)
                self._track_credentials(name, report)
        self.summary.awaiting = [r.key for r in self.store.awaiting_decision(channels)]
        return self.summary

    def _track_credentials(self, name: str, report: ChannelReport) -> None:
        """Count runs whose credentials were refused (a "stop" outcome: 401/403, SMTP 535); pause the
        channel when they keep being refused (``bot/store/health.py``)."""
        from .daemon.jobs import STOPPING

        refused = report.stopped if report.stopped and report.stopped != STOPPING else None
        if refused is None and report.paused:
            return  # nothing was tried: says nothing about the credentials
        pause = self.store.record_channel_auth(name, refused)
        if pause:
            report.stopped = paused_line(name, pause)
            log.error("%s", report.stopped)

    def _track_trouble(self, name: str, report: ChannelReport) -> None:
        """Remember since when a channel has been rate limited or failing; alert past alert_after.

        A run that had no trouble on the channel clears it; a run that tried nothing (outside
        posting hours) leaves it as it was.
        """
        reason = report.trouble
        if not reason and report.stopped:
            reason = f"stopped: {report.stopped}"
        if not reason and report.deferred:
            reason = "failing: retries did not get through"
        key = f"trouble:{name}"
        if not reason:
            if not report.paused:
                self.store.delete_kv(key)
            return
        stored = self.store.get_kv(key)
        since = json.loads(stored)["since"] if stored else self.now().astimezone(UTC).isoformat(timespec="seconds")
        value: dict[str, Any] = {"since": since, "reason": reason}
        if report.trouble_until:
            value["until"] = report.trouble_until  # the reset: preview and status hold messages back until then
        self.store.set_kv(key, json.dumps(value))
        report.trouble = report.trouble or reason
        report.trouble_since = since
        limit = self.app.config.run.alert_after_seconds
        if (self.now() - datetime.fromisoformat(since)).total_seconds() >= limit:
            report.alert = (
                f"{name} has been in trouble since {since} ({reason}), longer than"
                f" [run] alert_after = {self.app.config.run.alert_after!r}"
            )

    # Mastodon -------------------------------------------------------------------------------

    def _mastodon(self, channel: Any, report: ChannelReport, pacing: Pacing) -> None:
        from .app import instance_cache_key

        cfg = self.app.config.channels.mastodon
        limits = channel.instance_limits()
        if limits:
            self.store.set_kv(
                instance_cache_key(cfg.api_base_url),
                json.dumps(
                    {
                        "max_characters": limits.max_characters,
                        "characters_reserved_per_url": limits.url_length,
                    }
                ),
            )
        messages, errors = self.app.compose(self.store, ["mastodon"])
        report.errors += errors
        report.failed += len(errors)
        in_review = review.enabled(self.app)
        if in_review:  # only approved posts go on to the outbox (bot/review.py)
            messages = review.gate(self.store, "mastodon", messages, report.hold)
        self.store.enqueue_posts(messages)  # recorded (pending) before anything is sent
        if in_review:
            self.store.mark_queued([m.key for m in messages])

        rows = self.store.outbox("mastodon")
        closed = holdback.posting_hours(self.app, pacing, self.now())
        if closed is not None:
            report.hold("posting_hours", len(rows))
            report.paused = True
            opens = datetime.fromisoformat(closed.until or "")
            report.resumes = f"{closed.detail}: resumes {in_words((opens - self.now()).total_seconds())}"
            log.info("mastodon: %s; %d post(s) wait", closed.detail, len(rows))
            return
        threads = Order(self.store).sort(_threads(rows), lambda t: (t[0].paper_id, t[0].venue_key))
        limit = pacing.limit
        limit_reason = "max_per_run" if pacing.limit_name == "max_per_run" else "limit"
        papers_done = 0
        last_post_at: float | None = None
        stop: str | None = None  # why the rest waits: "rate_limit", or "" for a stopped or failing channel
        total = _planned(threads, limit)
        progress_at = self.now().timestamp()
        for thread in threads:
            if stop is not None:
                _leave(report, stop, len(thread))
                continue
            if limit is not None and papers_done >= limit and thread[0].part == 1 and thread[0].state == "pending":
                report.hold(limit_reason, len(thread))
                continue
            for i, row in enumerate(thread):
                if stop is not None:
                    _leave(report, stop, 1)
                    continue
                parent = self._parent_id(row)
                if row.part > 1 and parent is None:
                    self.store.mark_state(row.key, "failed", "the previous part of the thread was not posted")
                    report.failed += 1
                    continue
                if self._quota_left() <= 0:
                    report.hold("rate_limit", len(thread) - i)
                    resets = self.now().timestamp() // QUOTA_WINDOW * QUOTA_WINDOW + QUOTA_WINDOW
                    resume = _iso(resets)
                    report.trouble = f"account quota of {STATUS_QUOTA} statuses per 3 hours reached until {resume}"
                    report.trouble_until = resets
                    report.errors.append(
                        f"account quota of {STATUS_QUOTA} statuses per 3 hours reached; the rest waits for the first"
                        f" run after {resume}"
                    )
                    self.notify(
                        f"mastodon: account quota of {STATUS_QUOTA} statuses per 3 hours used up: the rest is held"
                        f" back until {when(resets, self.now())}; the first run after that resumes"
                    )
                    stop = "rate_limit"
                    break
                if row.state == "sending" and self._expired(row):
                    self.store.mark_state(
                        row.key,
                        "uncertain",
                        "a crash interrupted this post more than an hour ago, so its idempotency key has expired;"
                        " check the account, then 'paperbot outbox mark-sent KEY' or 'paperbot outbox retry KEY'",
                    )
                    report.uncertain += 1
                    report.errors.append(f"post {row.key[:12]} ({row.paper_id}) is uncertain")
                    break  # its replies wait until the operator has decided
                if last_post_at is not None and cfg.min_interval:
                    wait = cfg.min_interval - (self.now().timestamp() - last_post_at)
                    if wait > NOTICE_WAIT:
                        self.notify(
                            f"mastodon: pacing (min_interval = {cfg.min_interval:g} s): next post at"
                            f" {when(self.now().timestamp() + wait, self.now())}"
                        )
                    if wait > 0:
                        self.sleep(wait)
                result = self._send_post(channel, row, parent, cfg.max_attempts)
                last_post_at = self.now().timestamp()
                if result.status == "sent":
                    report.sent += 1
                    if row.part == 1:
                        papers_done += 1
                    due_now = report.sent % PROGRESS_EVERY == 0 or last_post_at - progress_at >= PROGRESS_SECONDS
                    if total > PROGRESS_EVERY and report.sent < total and due_now:
                        self.notify(f"posted {report.sent} of {total} on mastodon")
                        progress_at = last_post_at
                elif result.status == "failed":
                    report.failed += 1
                    report.errors.append(f"post {row.paper_id} part {row.part}: {result.error}")
                elif result.status == "stop":
                    report.stopped = result.error
                    report.waiting += 1
                    stop = ""
                elif result.status == "skipped":  # another run claimed it first: the thread is its
                    report.waiting += len(thread) - i
                    break
                elif result.status == "wait":  # a rate limit longer than a run waits: the next run resumes
                    report.hold("rate_limit")
                    report.trouble = result.error
                    report.trouble_until = result.retry_at
                    report.errors.append(f"post {row.paper_id} part {row.part}: {result.error}; will retry")
                    if result.retry_at:
                        self.notify(
                            f"mastodon: rate limited until {when(result.retry_at, self.now())}, longer than a run"
                            f" waits ({MAX_WAIT // 60} min): the rest is held back; the first run after that resumes"
                        )
                    stop = "rate_limit"
                else:  # retries exhausted (or in doubt): try again next run
                    report.waiting += 1
                    report.deferred += result.status == "retry"
                    report.errors.append(f"post {row.paper_id} part {row.part}: {result.error}; will retry")
                    stop = ""

    def _parent_id(self, row: OutboxRow) -> str | None:
        if row.part == 1:
            return None
        prev = self.store.db.execute(
            "SELECT remote_id FROM outbox WHERE thread_key = ? AND part = ? AND state = 'sent'",
            (row.thread_key, row.part - 1),
        ).fetchone()
        return prev[0] if prev else None

    def _expired(self, row: OutboxRow) -> bool:
        if not row.first_attempt_at:
            return False
        return self.now() - datetime.fromisoformat(row.first_attempt_at) > IDEMPOTENCY_WINDOW

    def _quota_left(self) -> int:
        now = self.now().timestamp()
        window_start = datetime.fromtimestamp(now - now % QUOTA_WINDOW, UTC).isoformat(timespec="microseconds")
        return STATUS_QUOTA - self.store.sent_since("mastodon", window_start)

    def _send_post(self, channel: Any, row: OutboxRow, parent: str | None, max_attempts: int) -> Outcome:
        """One post; retries reuse its idempotency key, so a repeat is never a second post."""
        log.info("mastodon: posting %s part %d/%d (key %s)", row.paper_id, row.part, row.parts, row.key[:12])
        return self._deliver(
            row.key,
            lambda: channel.post(row.text, key=row.key, spoiler_text=row.spoiler_text, in_reply_to_id=parent),
            max_attempts=max_attempts,
            claim=row,
        )

    def _backoff(self, attempt: int) -> float:
        return min(60.0, 2.0 ** (attempt - 1)) * (0.5 + self.rng.random())

    # E-mail ---------------------------------------------------------------------------------

    def _email(self, channel: Any, report: ChannelReport) -> None:
        cfg = self.app.config.channels.email
        suppressed = channel.suppressed()
        if suppressed:
            n = self.store.unsubscribe(suppressed)
            log.info("email: %d address(es) unsubscribed from the ASM group", n)
        elif suppressed is None:
            report.errors.append("could not read the ASM group's unsubscribes; SendGrid still drops them itself")
        if not self._retry_deferred(channel, report, cfg):
            return
        composed = False
        while True:
            digest = self.store.open_digest()
            if digest is None:
                if composed:
                    return
                composed = True
                messages, errors = self.app.compose(self.store, ["email"])
                report.errors += errors
                in_review = review.enabled(self.app)
                if in_review:  # only an approved digest goes out (bot/review.py)
                    messages = review.gate(self.store, "email", messages, report.hold)
                if not messages:
                    return
                if not self.store.has_subscribers():
                    report.hold("no_subscribers")
                    report.errors.append("no active subscribers: the digest waits (paperbot subscribers add EMAIL)")
                    return
                too_big = self._too_big_for_sendgrid(messages[0], cfg)
                if too_big:
                    report.failed += 1
                    report.errors.append(too_big)
                    return
                if not (in_review and self.store.has_digest(messages[0].key)):
                    self.store.create_digest(messages[0])
                if in_review:
                    self.store.mark_queued([messages[0].key])
                continue
            if not self._send_digest(channel, report, digest, cfg):
                return

    @staticmethod
    def _too_big_for_sendgrid(digest: Any, cfg: Any) -> str | None:
        """Why SendGrid would refuse this digest outright (413), or None.

        A request carries the digest once plus up to 1,000 personalizations, so splitting
        the recipients cannot make a too-large digest fit: it is refused before anything is
        recorded, and its papers stay due for a smaller digest.
        """
        if cfg.provider != "sendgrid":
            return None
        size = len(digest.text.encode()) + len(digest.html.encode()) + PERSONALIZATIONS_ALLOWANCE
        if size < SENDGRID_MAX_BYTES:
            return None
        return (
            f"the digest is {size / 2**20:.1f} MB and SendGrid takes less than {SENDGRID_MAX_BYTES / 2**20:.0f} MB"
            " per message: lower [channels.email] excerpt_chars (or publish fewer papers at a time);"
            " nothing was sent and its papers stay due"
        )

    def _sandbox_email(self, channel: Any, report: ChannelReport) -> None:
        """sandbox_mode: SendGrid validates and delivers nothing, so nothing may be recorded as mailed.

        The whole e-mail run happens on a private copy of the store, which is then dropped.
        """
        real = self.store
        self.store = real.copy_to_memory()
        try:
            self._email(channel, report)
        finally:
            self.store.close()
            self.store = real
        report.errors.append(
            "sandbox_mode: SendGrid validated the batches above and delivered nothing; nothing was recorded as mailed"
        )

    def _send_digest(self, channel: Any, report: ChannelReport, digest: dict[str, str], cfg: Any) -> bool:
        """Send a digest batch by batch; False when the channel should stop for this run."""
        from .channels.email import Digest

        content = Digest(digest["id"], digest["subject"], digest["text"], digest["html"])
        while True:
            batch = self.store.next_batch(digest["id"], cfg.batch_size)
            if batch is None:
                return True
            if batch.state == "sending" and cfg.uncertain_policy == "hold":  # in flight when a run died
                self.store.mark_state(batch.key, "uncertain", _interrupted(batch, cfg.provider))
                report.uncertain += 1
                report.errors.append(f"batch {batch.key} is uncertain (interrupted)")
                continue
            recipients = self._recipients(batch)
            if not recipients:  # everyone left in this batch unsubscribed meanwhile
                self.store.mark_sent(batch.key, remote_id=None)
                continue
            outcome = self._send_batch(channel, content, batch, recipients, cfg)
            if outcome.status == "sent":
                report.sent += 1
                if outcome.error:  # recipients an SMTP server deferred or refused
                    report.errors.append(f"batch {batch.key}: {outcome.error}")
            elif outcome.status == "uncertain":
                report.uncertain += 1
                report.errors.append(f"batch {batch.key}: {outcome.error}")
            elif outcome.status == "failed":
                report.failed += 1
                report.errors.append(f"batch {batch.key}: {outcome.error}")
                return False
            elif outcome.status == "stop":
                report.stopped = outcome.error
                report.waiting += 1
                return False
            elif outcome.status == "skipped":  # another run claimed the batch first: the digest is its
                return False
            else:
                if outcome.status == "wait":
                    report.hold("rate_limit")
                    report.trouble = outcome.error
                    report.trouble_until = outcome.retry_at
                else:
                    report.waiting += 1
                    report.deferred += outcome.status == "retry"
                report.errors.append(f"batch {batch.key}: {outcome.error}; will retry")
                return False

    def _recipients(self, batch: OutboxRow) -> list[Any]:
        """The batch's active subscribers not yet confirmed delivered (read afresh for each attempt):
        those an SMTP server deferred in an earlier run, then those after the last confirmed one."""
        from .channels.email import Recipient

        deferred = [
            r for r in self.store.deferred_recipients(batch.key) if (batch.key, r["id"]) not in self._deferred_now
        ]
        return [
            Recipient(r["id"], r["email"], r["name"], r["token"])
            for rows in (deferred, self.store.subscribers(first=batch.next_subscriber, last=batch.last_subscriber))
            for r in rows
        ]

    def _recorder(self, key: str, counts: dict[str, int] | None = None) -> Callable[..., None]:
        """The channel's per-recipient callback: ``(r)`` delivered, ``(r, refusal)`` refused by SMTP."""

        def record(r: Any, refusal: Any = None) -> None:
            if refusal is None:
                self.store.mark_delivered(key, r.id)
                state = "sent"
            else:
                state = self.store.mark_refused(
                    key,
                    r.id,
                    code=refusal.code,
                    reply=redact(refusal.reply),
                    permanent=refusal.permanent,
                    give_up_after=DEFER_GIVE_UP,
                )
                if state == "deferred":
                    self._deferred_now.add((key, r.id))
            if counts is not None:
                counts[state] = counts.get(state, 0) + 1

        return record

    def _retry_deferred(self, channel: Any, report: ChannelReport, cfg: Any) -> bool:
        """Mail the recipients an SMTP server deferred (4xx) in an earlier run; False to stop the channel.

        Each such batch is claimed (sending) while its deferred recipients are tried once more, so
        a crash meanwhile is reported like any interrupted batch; afterwards it is sent again, its
        recipients recorded one by one (delivered, deferred once more, or failed for good).
        """
        from .channels.email import Digest

        for batch in self.store.batches_with_deferred():
            recipients = self._recipients(batch)
            if not recipients:
                continue
            d = self.store.digest(batch.digest_id or "")
            content = Digest(d["id"], d["subject"], d["text"], d["html"])
            log.info("email: batch %s: trying %d deferred recipient(s) again", batch.key, len(recipients))
            counts: dict[str, int] = {}
            if not self.store.mark_sending(batch.key, expect=(batch.state, batch.attempts)):
                continue  # another run claimed it meanwhile
            outcome = channel.send_batch(
                content, recipients, batch_key=batch.key, delivered=self._recorder(batch.key, counts)
            )
            if outcome.error:
                outcome = replace(outcome, error=redact(outcome.error))
            note = f"batch {batch.key} (deferred recipients): {outcome.error}"
            if outcome.status == "sent" or (
                outcome.status == "failed" and counts.get("failed") and not counts.get("sent")
            ):
                # every deferred recipient settled one way or another: the batch is sent as before
                self.store.mark_state(batch.key, "sent", outcome.error)
                report.sent += 1
                if outcome.error:
                    report.errors.append(note)
                continue
            if outcome.status == "uncertain" and cfg.uncertain_policy == "hold":
                self.store.mark_state(batch.key, "uncertain", outcome.error)
                report.uncertain += 1
                report.errors.append(note)
                continue
            if outcome.status == "failed":  # the sender was refused: a config problem
                self.store.mark_state(batch.key, "failed", outcome.error)
                report.failed += 1
                report.errors.append(note)
                return False
            # not reached, or in doubt under "resend": still deferred, tried again at the next run
            self.store.mark_state(batch.key, "sent", outcome.error)
            if outcome.status == "stop":
                report.stopped = outcome.error
                return False
            report.waiting += 1
            report.deferred += outcome.status == "retry"
            report.errors.append(f"{note}; tried again at the next run")
            if outcome.status != "uncertain":
                return False
        return True

    def _send_batch(self, channel: Any, content: Any, batch: OutboxRow, recipients: list[Any], cfg: Any) -> Outcome:
        todo = [recipients]

        def attempt() -> Outcome:
            # a retry reads the batch again: after a partial SMTP send it starts after the last
            # confirmed recipient
            recipients = todo.pop() if todo else self._recipients(self.store.outbox_row(batch.key) or batch)
            if not recipients:
                return Outcome("sent")
            log.info("email: sending batch %s to %d recipient(s)", batch.key, len(recipients))
            return channel.send_batch(content, recipients, batch_key=batch.key, delivered=self._recorder(batch.key))

        return self._deliver(
            batch.key,
            attempt,
            max_attempts=cfg.max_attempts,
            resend_uncertain=cfg.uncertain_policy == "resend",
            claim=batch,
        )

    def _deliver(
        self,
        key: str,
        send: Callable[[], Outcome],
        *,
        max_attempts: int,
        resend_uncertain: bool = False,
        claim: OutboxRow | None = None,
    ) -> Outcome:
        """Claim, send and finalise one outbox message, applying the retry and wait policy.

        The claim is a compare-and-set on the row as ``claim`` was read (state and attempts): if
        another run claimed it meanwhile, nothing is sent ("skipped"). Retries (5xx, network)
        back off with jitter up to ``max_attempts``; rate limits are waited out when the reset
        is near (at most ``MAX_WAITS`` times), otherwise the message stays pending for the next
        run; "stop" puts it back to pending; "failed" and "uncertain" are recorded (uncertain is
        sent again only under ``resend_uncertain``). Error texts are redacted before anything
        else sees them (bot/redact.py).
        """
        attempt = waits = 0
        expect = (claim.state, claim.attempts) if claim is not None else None
        name = claim.channel if claim is not None else "publishing"
        while True:
            attempt += 1
            if not self.store.mark_sending(key, expect=expect):
                log.info("%s: claimed by another paperbot run; not sent here", key[:12])
                return Outcome("skipped", error="claimed by another paperbot run")
            if expect is not None:
                expect = ("sending", expect[1] + 1)
            outcome = send()
            if outcome.error:
                outcome = replace(outcome, error=redact(outcome.error))
            if outcome.status == "sent":
                self.store.mark_sent(key, remote_id=outcome.remote_id, remote_url=outcome.remote_url)
                return outcome
            if outcome.status == "failed":
                self.store.mark_state(key, "failed", outcome.error)
                return outcome
            if outcome.status == "stop":
                self.store.mark_state(key, "pending", outcome.error)
                return outcome
            if outcome.status == "uncertain" and not (resend_uncertain and attempt < max_attempts):
                self.store.mark_state(key, "uncertain", outcome.error)
                return outcome
            if outcome.status == "wait":
                delay = (outcome.retry_at or 0) - self.now().timestamp()
                waits += 1
                if delay > MAX_WAIT or waits > MAX_WAITS:
                    reason = (
                        f"rate limited until {_iso(outcome.retry_at)}"
                        if delay > MAX_WAIT
                        else ("still rate limited after repeated waits")
                    )
                    self.store.mark_state(key, "pending", reason)
                    return Outcome("wait", error=reason, retry_at=outcome.retry_at)
                delay = max(delay, 1.0)
                log.info("rate limited; waiting %.0f s", delay)
                if delay > NOTICE_WAIT:
                    self.notify(
                        f"{name}: rate limited by the server: waiting until"
                        f" {when(self.now().timestamp() + delay, self.now())}, then resuming"
                    )
                self.sleep(delay)
                attempt -= 1  # a rate-limit wait is not a failed attempt
                continue
            if outcome.status == "retry" and attempt >= max_attempts:
                self.store.mark_state(key, "pending", outcome.error)
                return Outcome("retry", error=f"{outcome.error} (gave up after {attempt} attempts)")
            pause = self._backoff(attempt)
            if pause > NOTICE_WAIT:
                self.notify(
                    f"{name}: {outcome.error or 'temporary error'}: trying again at"
                    f" {when(self.now().timestamp() + pause, self.now())}, attempt {attempt + 1} of {max_attempts}"
                )
            self.sleep(pause)

    # Pages ----------------------------------------------------------------------------------

    def _pages(self, channel: Any, report: ChannelReport) -> None:
        # the pages show the moment their new papers are recorded as announced: a rebuild
        # from the store then gives the same bytes
        at = self.store.clock()
        messages, errors = self.app.compose(self.store, ["page"], now=at)
        report.errors += errors
        if not messages:
            return
        outcome = channel.write([(m.path, m.text + "\n") for m in messages])
        if outcome.status != "sent":
            report.failed += len(messages)
            report.errors.append(outcome.error or "pages not written")
            return
        pairs = [p for m in messages for p in m.pairs]
        with self.store.transaction() as db:
            for pid, vkey in pairs:
                self.store.mark_announced(pid, vkey, "page", remote_url=str(channel.folder), db=db, at=at)
        report.sent += len(messages)


def _in_order(order: Order, posts: list[Message]) -> list[Message]:
    """Posts in the preview's order (the order they are posted in), thread parts in turn."""
    return sorted(posts, key=lambda m: (order(m.paper_id, m.venue_key), m.part))


def _groups(posts: list[Message], rows: dict[str, OutboxRow]) -> list[list[Message]]:
    """Consecutive posts of one paper (a thread), split where a part awaits a decision."""

    def settled(m: Message) -> bool:
        row = rows.get(m.key)
        return bool(row and row.state in ("failed", "uncertain"))

    groups: list[list[Message]] = []
    for m in posts:
        last = groups[-1][-1] if groups else None
        if last and (last.paper_id, last.venue_key) == (m.paper_id, m.venue_key) and settled(last) == settled(m):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _batch_message(row: OutboxRow, store: Store) -> Message:
    """A failed or uncertain e-mail batch, as the preview lists it."""
    subject = store.digest(row.digest_id)["subject"] if row.digest_id else ""
    n = row.recipients or 0
    return Message(
        channel="email",
        kind="email_batch",
        key=row.key,
        text=f"batch {row.batch_no} of the digest, to {n} recipient{'s' if n != 1 else ''}",
        subject=subject,
    )


def _leave(report: ChannelReport, reason: str, n: int) -> None:
    """Messages left for a later run after the channel stopped: held back for a reason, or just waiting."""
    if reason:
        report.hold(reason, n)
    else:
        report.waiting += n


def _planned(threads: list[list[OutboxRow]], limit: int | None) -> int:
    """How many posts a run means to send (for its progress lines): within the limit, if all goes well."""
    total = papers = 0
    for thread in threads:
        if limit is not None and papers >= limit and thread[0].part == 1 and thread[0].state == "pending":
            continue
        total += len(thread)
        papers += thread[0].part == 1
    return total


def _threads(rows: list[OutboxRow]) -> list[list[OutboxRow]]:
    """Rows grouped by thread (a post and its replies), in order."""
    groups: dict[str, list[OutboxRow]] = {}
    for row in rows:
        groups.setdefault(row.thread_key or row.key, []).append(row)
    return [sorted(g, key=lambda r: r.part) for g in groups.values()]


def _example_links(m: Message) -> Message:
    """A digest as the preview shows it: a marked example unsubscribe link, never a raw placeholder."""
    if m.channel != "email" or m.kind != "digest":
        return m
    from .channels.email import preview_body

    text, html = preview_body(m.text, m.html)
    return replace(m, text=text, html=html, length=len(text))


def _interrupted(batch: OutboxRow, provider: str) -> str:
    if provider == "smtp":
        return (
            "a crash interrupted this batch; every recipient up to subscriber id"
            f" {batch.next_subscriber - 1} is confirmed (except any deferred by a temporary refusal),"
            " the one in flight may or may not have got it."
            " 'paperbot outbox retry KEY' mails the rest from that one on; 'mark-sent KEY' drops them"
        )
    return (
        "a crash interrupted this batch; SendGrid may have accepted it. Check the activity feed,"
        " then 'paperbot outbox mark-sent KEY' or 'paperbot outbox retry KEY'"
    )


def _row_message(row: OutboxRow, limit: int) -> Message:
    from .length import mastodon_length

    return Message(
        channel=row.channel,
        kind=row.kind,
        key=row.key,
        text=row.text,
        paper_id=row.paper_id,
        venue_key=row.venue_key,
        length=mastodon_length(row.text, row.spoiler_text),
        limit=limit,
        part=row.part,
        parts=row.parts,
        spoiler_text=row.spoiler_text,
        pairs=((row.paper_id or "", row.venue_key or ""),),
    )


def _iso(epoch: float | None) -> str:
    if not epoch or math.isnan(epoch):
        return "unknown"
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
