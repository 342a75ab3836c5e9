"""The e-mail digest: SendGrid (default) or SMTP, one batch of subscribers per call.

Every recipient gets their own personalization (nobody sees another address), their
own List-Unsubscribe URL with an opaque token, and List-Unsubscribe-Post for RFC 8058
one-click unsubscribe. SendGrid has no idempotency key, so a batch whose fate is unknown
(a timeout after sending, a 5xx) is reported as uncertain rather than sent again.

With SendGrid and an ``asm_group_id`` but no ``unsubscribe_url``, SendGrid's own unsubscribe
link stands in for ours: ``<%asm_group_unsubscribe_raw_url%>`` in the body and in
``List-Unsubscribe`` (platform-rules.md §2).

SMTP replies are classed per recipient (RFC 5321 §4.2.1): a 4xx to RCPT or DATA defers that
recipient to a later run, a 5xx refuses it for good, and either way the others are still tried;
a 421, a refused sender or a connection lost before the end of DATA leaves the rest for a retry
(nothing in doubt); only a connection lost after the end of DATA, while the server's verdict was
outstanding, makes the batch uncertain.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import http.client
import json
import logging
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..compose import UNSUBSCRIBE_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER_HTML
from ..config import EmailConfig
from . import Outcome

log = logging.getLogger("paperbot.email")


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str | None
    token: str


@dataclass(frozen=True)
class Digest:
    id: str
    subject: str
    text: str
    html: str


ASM_UNSUBSCRIBE_TAG = "<%asm_group_unsubscribe_raw_url%>"  # SendGrid fills in the group's unsubscribe URL
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058 List-Unsubscribe-Post value
EXAMPLE_UNSUBSCRIBE_URL = "https://example.invalid/unsubscribe"
EXAMPLE_UNSUBSCRIBE = f"{EXAMPLE_UNSUBSCRIBE_URL} (example: each subscriber gets their own link)"
EXAMPLE_UNSUBSCRIBE_HTML = f"{EXAMPLE_UNSUBSCRIBE_URL}?example=each-subscriber-gets-their-own-link"


def unsubscribe_link(cfg: EmailConfig, token: str) -> str:
    return (cfg.unsubscribe_url or "").replace("{token}", token)


def uses_asm_link(cfg: EmailConfig) -> bool:
    """SendGrid's group unsubscribe link stands in for ours (SendGrid, asm_group_id, no unsubscribe_url)."""
    return cfg.provider == "sendgrid" and cfg.asm_group_id is not None and not cfg.unsubscribe_url


def unsubscribe_problem(cfg: EmailConfig) -> str | None:
    """Why this config cannot give every digest a working unsubscribe link, naming the key; None if it can."""
    if cfg.unsubscribe_url and "{token}" in cfg.unsubscribe_url:
        return None
    if uses_asm_link(cfg):
        return None
    example = ' e.g. "https://lab.example/unsubscribe?token={token}"'
    if cfg.unsubscribe_url:
        got = f" (got {cfg.unsubscribe_url!r})"
        return f"[channels.email] unsubscribe_url must be set and contain {{token}}{got},{example}"
    alternative = " (or set asm_group_id to use SendGrid's own unsubscribe link)" if cfg.provider == "sendgrid" else ""
    return (
        f"[channels.email] unsubscribe_url must be set and contain {{token}},{example}{alternative}:"
        " every digest carries a one-click unsubscribe link"
    )


def list_unsubscribe(cfg: EmailConfig, link: str) -> str:
    """The List-Unsubscribe value (RFC 2369/8058): the https link, then a mailto if configured."""
    value = f"<{link}>"
    if cfg.unsubscribe_mailto:
        value += f", <mailto:{cfg.unsubscribe_mailto}?subject=unsubscribe>"
    return value


def preview_body(text: str, html_body: str | None) -> tuple[str, str | None]:
    """The digest as a preview shows it: a clearly marked example link instead of the placeholders
    (each subscriber's real link is only filled in when sending)."""
    text = text.replace(UNSUBSCRIBE_PLACEHOLDER, EXAMPLE_UNSUBSCRIBE)
    if html_body is not None:
        html_body = html_body.replace(UNSUBSCRIBE_PLACEHOLDER_HTML, html.escape(EXAMPLE_UNSUBSCRIBE_HTML))
    return text, html_body


def display_name(name: str | None) -> str:
    """A name fit for an address header: one line (a CSV import can bring line breaks)."""
    return " ".join((name or "").split())


def sendgrid_payload(
    digest: Digest, recipients: Sequence[Recipient], cfg: EmailConfig, *, batch_key: str
) -> dict[str, Any]:
    """The Mail Send body for one batch, following SendGrid's rules to the letter.

    With our own ``unsubscribe_url`` each personalization carries its subscriber's link (header
    and substitutions); with only an ASM group, the content and List-Unsubscribe carry SendGrid's
    ``<%asm_group_unsubscribe_raw_url%>``, which SendGrid fills in per recipient.
    """
    asm_only = uses_asm_link(cfg)
    text, html_body = digest.text, digest.html
    if asm_only:
        text = text.replace(UNSUBSCRIBE_PLACEHOLDER, ASM_UNSUBSCRIBE_TAG)
        html_body = html_body.replace(UNSUBSCRIBE_PLACEHOLDER_HTML, ASM_UNSUBSCRIBE_TAG)
    personalizations = []
    for r in recipients:
        to: dict[str, str] = {"email": r.email}
        if display_name(r.name):
            to["name"] = display_name(r.name)
        link = ASM_UNSUBSCRIBE_TAG if asm_only else unsubscribe_link(cfg, r.token)
        p: dict[str, Any] = {"to": [to], "headers": {"List-Unsubscribe": list_unsubscribe(cfg, link)}}
        if not asm_only:
            p["substitutions"] = {UNSUBSCRIBE_PLACEHOLDER: link, UNSUBSCRIBE_PLACEHOLDER_HTML: html.escape(link)}
        p["custom_args"] = {"paperbot_digest": digest.id, "paperbot_batch": batch_key, "subscriber": str(r.id)}
        personalizations.append(p)
    sender: dict[str, str] = {"email": cfg.from_ or ""}
    if display_name(cfg.from_name):
        sender["name"] = display_name(cfg.from_name)
    payload: dict[str, Any] = {
        "personalizations": personalizations,
        "from": sender,
        "subject": digest.subject,
        "content": [
            {"type": "text/plain", "value": text},
            {"type": "text/html", "value": html_body},
        ],
        "headers": {"List-Unsubscribe-Post": ONE_CLICK},
        "categories": list(dict.fromkeys(cfg.categories))[:10],
        "mail_settings": {"sandbox_mode": {"enable": bool(cfg.sandbox_mode)}},
    }
    if cfg.reply_to:
        payload["reply_to"] = {"email": cfg.reply_to}
    if cfg.asm_group_id is not None:
        payload["asm"] = {"group_id": int(cfg.asm_group_id), "groups_to_display": [int(cfg.asm_group_id)]}
    if not payload["categories"]:
        del payload["categories"]
    return payload


class SendGridChannel:
    name = "email"

    def __init__(self, cfg: EmailConfig, api_key: str, *, client: Any = None) -> None:
        from sendgrid import SendGridAPIClient

        self.cfg = cfg
        self.sg = client or SendGridAPIClient(api_key=api_key, host=cfg.api_host.rstrip("/"))
        self.sg.client.timeout = cfg.request_timeout  # the library's default waits forever

    def suppressed(self) -> list[str] | None:
        """Addresses unsubscribed from the ASM group (None when unknown)."""
        if self.cfg.asm_group_id is None:
            return []
        try:
            resp = self.sg.client.asm.groups._(int(self.cfg.asm_group_id)).suppressions.get()
            data = json.loads(resp.body or b"[]")
        except Exception:  # any failure: keep going with what the store knows
            return None
        return [str(e) for e in data if isinstance(e, str)]

    def suppress(self, addresses: Sequence[str]) -> str | None:
        """Add addresses to the ASM group's suppressions (mirrors paperbot's own unsubscribes).

        ``POST /v3/asm/groups/{id}/suppressions`` with ``{"recipient_emails": [...]}`` (201).
        Best effort, never raises: returns None on success (or with no group configured),
        else what went wrong, without the addresses.
        """
        from python_http_client.exceptions import HTTPError

        emails = list(dict.fromkeys(a.strip().lower() for a in addresses if a.strip()))
        if self.cfg.asm_group_id is None or not emails:
            return None
        group = self.sg.client.asm.groups._(int(self.cfg.asm_group_id)).suppressions
        try:
            for start in range(0, len(emails), 1000):
                group.post(request_body={"recipient_emails": emails[start : start + 1000]})
        except HTTPError as exc:
            code = getattr(exc, "status_code", None)
            hint = " (the API key needs Suppressions access)" if code in (401, 403) else ""
            return f"SendGrid refused the suppression ({code}){hint}: {_suppress_detail(exc)}"
        except TimeoutError:
            return f"no answer from {self.cfg.api_host} within {self.cfg.request_timeout:g} s"
        except Exception as exc:  # URLError, a reset, a garbled reply: the store still holds the unsubscribe
            reason = _ADDRESS_RE.sub("<address>", str(getattr(exc, "reason", exc)))
            return f"cannot reach {self.cfg.api_host}: {reason}"[:300]
        return None

    def send_batch(
        self,
        digest: Digest,
        recipients: Sequence[Recipient],
        *,
        batch_key: str,
        delivered: Callable[[Recipient], None] | None = None,
    ) -> Outcome:
        """One Mail Send request for the whole batch (``delivered`` is for per-recipient channels)."""
        from python_http_client.exceptions import HTTPError

        payload = sendgrid_payload(digest, recipients, self.cfg, batch_key=batch_key)
        try:
            resp = self.sg.client.mail.send.post(request_body=payload)
        except HTTPError as exc:
            return _http_outcome(exc)
        except TimeoutError as exc:
            return Outcome("uncertain", error=f"no answer within {self.cfg.request_timeout:g} s ({exc})")
        except OSError as exc:  # urllib.error.URLError and connection errors
            return _network_outcome(exc)
        except http.client.HTTPException as exc:  # a garbled or cut-off reply: the request was sent
            return Outcome("uncertain", error=f"unreadable reply from {self.cfg.api_host}: {exc!r}"[:300])
        headers = getattr(resp, "headers", None) or {}
        message_id = headers.get("X-Message-Id") if hasattr(headers, "get") else None
        return Outcome("sent", remote_id=message_id)


def _http_outcome(exc: Any) -> Outcome:
    code = getattr(exc, "status_code", None)
    body = getattr(exc, "body", b"") or b""
    try:
        errors = json.loads(body).get("errors", [])
        detail = "; ".join(f"{e.get('field') or 'message'}: {e.get('message')}" for e in errors) or str(body[:300])
    except (ValueError, AttributeError):
        detail = body[:300].decode("utf-8", "replace") if isinstance(body, bytes) else str(body)[:300]
    if code == 429:
        reset = (getattr(exc, "headers", None) or {}).get("X-RateLimit-Reset")
        try:
            retry_at = float(reset) if reset else None
        except ValueError:
            retry_at = None
        return Outcome("wait", retry_at=retry_at, error="rate limited (429)")
    if code in (401, 403):
        return Outcome("stop", error=f"SendGrid refused the API key ({code}): {detail}")
    if code is not None and code >= 500:
        return Outcome("uncertain", error=f"SendGrid server error {code}: {detail}")
    if code == 413:
        detail += "; the digest is too large for one message: lower [channels.email] excerpt_chars"
    return Outcome("failed", error=f"SendGrid rejected the batch ({code}): {detail}")


_ADDRESS_RE = re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+")


def _suppress_detail(exc: Any) -> str:
    """SendGrid's error messages for a refused suppression, any address in them blanked out."""
    body = getattr(exc, "body", b"") or b""
    try:
        errors = json.loads(body).get("errors", [])
        detail = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
    except (ValueError, AttributeError):
        detail = ""
    if not detail:
        detail = body[:300].decode("utf-8", "replace") if isinstance(body, bytes) else str(body)[:300]
    return _ADDRESS_RE.sub("<address>", detail)[:300]


def _network_outcome(exc: OSError) -> Outcome:
    """Refused or unresolvable: nothing was sent. A reset or timeout mid-request: unknown."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return Outcome("uncertain", error=f"timeout: {reason}")
    if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
        return Outcome("retry", error=f"cannot connect: {reason}")
    return Outcome("uncertain", error=f"connection lost: {reason}")


@dataclass(frozen=True)
class Refusal:
    """An SMTP server's refusal of one recipient: at RCPT, at DATA, or before MAIL (unsupported)."""

    code: int
    reply: str
    stage: str  # "RCPT" | "DATA" | "MAIL"

    @property
    def permanent(self) -> bool:
        """5xx (or no reply code at all) is for good; 4xx is temporary (RFC 5321 §4.2.1)."""
        return not 400 <= self.code < 500

    def __str__(self) -> str:
        return f"{self.code} {self.reply}".strip() if self.code else self.reply


class _ServerClosing(Exception):
    """The server answered 421 (closing the connection): about the server, not the recipient."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


def _tracked(base: type) -> type:
    """``base`` (smtplib.SMTP or SMTP_SSL) that knows whether it awaits the reply to the end of DATA.

    A connection lost before the final ``.`` was sent cannot have delivered the message (the
    server discards an unfinished transaction); lost after it, the server may have accepted it.
    """

    class Tracked(base):  # type: ignore[misc, valid-type]
        awaiting_data_reply = False
        _in_data = False

        def data(self, msg: Any) -> Any:
            self.awaiting_data_reply = False
            self._in_data = True
            try:
                reply = super().data(msg)
            finally:
                self._in_data = False
            self.awaiting_data_reply = False  # the verdict arrived
            return reply

        def send(self, s: Any) -> None:
            super().send(s)
            if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
                self.awaiting_data_reply = True

    Tracked.__name__ = Tracked.__qualname__ = f"Tracked{base.__name__}"
    return Tracked


class SmtpChannel:
    """SMTP for institutes without SendGrid: one message per recipient over one connection."""

    name = "email"

    def __init__(self, cfg: EmailConfig, password: str | None, *, clock: Callable[[], datetime] | None = None) -> None:
        self.cfg = cfg
        self.password = password
        self.clock = clock or (lambda: datetime.now(UTC))

    def suppressed(self) -> list[str] | None:
        return []

    def _connect(self) -> Any:
        import smtplib
        import ssl

        port = self.cfg.smtp_port or (465 if self.cfg.smtp_security == "ssl" else 587)
        timeout = self.cfg.request_timeout
        if self.cfg.smtp_security == "ssl":
            smtp = _tracked(smtplib.SMTP_SSL)(
                self.cfg.smtp_host or "", port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = _tracked(smtplib.SMTP)(self.cfg.smtp_host or "", port, timeout=timeout)
        try:
            if self.cfg.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.cfg.smtp_user:
                smtp.login(self.cfg.smtp_user, self.password or "")
        except BaseException:
            smtp.close()  # do not leak the socket when STARTTLS or the login fails
            raise
        return smtp

    def message_id(self, r: Recipient, batch_key: str) -> str:
        """``<hash@sender-domain>``, the same for this batch and recipient on every attempt, so a
        retry after a temporary refusal (or a doubtful send) carries the same Message-ID and
        receivers can recognise a repeat. ``make_msgid`` is random by design, hence a digest of
        (batch, subscriber, address) in its format; the token is not part of it."""
        domain = (self.cfg.from_ or "").rpartition("@")[2] or "paperbot.invalid"
        digest = hashlib.sha256(f"{batch_key}\0{r.id}\0{r.email}".encode()).hexdigest()[:32]
        return f"<{digest}.paperbot@{domain}>"

    def message(self, digest: Digest, r: Recipient, *, batch_key: str | None = None) -> Any:
        """The standard message for one recipient (RFC 5322 + 2045 + 2369 + 8058)."""
        from email.message import EmailMessage
        from email.utils import format_datetime, formataddr, make_msgid

        link = unsubscribe_link(self.cfg, r.token)
        msg = EmailMessage(policy=_SMTP_POLICY)  # keeps a long List-Unsubscribe URL readable
        msg["From"] = formataddr((display_name(self.cfg.from_name), self.cfg.from_ or ""))
        msg["To"] = formataddr((display_name(r.name), r.email))
        msg["Subject"] = digest.subject
        msg["Date"] = format_datetime(self.clock())
        if batch_key is None:  # a one-off message (no outbox row): a fresh id
            msg["Message-ID"] = make_msgid(domain=(self.cfg.from_ or "").rpartition("@")[2] or None)
        else:
            msg["Message-ID"] = self.message_id(r, batch_key)
        msg["MIME-Version"] = "1.0"
        if self.cfg.reply_to:
            msg["Reply-To"] = self.cfg.reply_to
        msg["List-Unsubscribe"] = list_unsubscribe(self.cfg, link)
        msg["List-Unsubscribe-Post"] = ONE_CLICK
        msg.set_content(digest.text.replace(UNSUBSCRIBE_PLACEHOLDER, link))
        msg.add_alternative(digest.html.replace(UNSUBSCRIBE_PLACEHOLDER_HTML, html.escape(link)), subtype="html")
        return msg

    def send_batch(
        self,
        digest: Digest,
        recipients: Sequence[Recipient],
        *,
        batch_key: str,
        delivered: Callable[..., None] | None = None,
    ) -> Outcome:
        """One message per recipient over one connection.

        ``delivered(r)`` records each recipient the server accepted and ``delivered(r, refusal)``
        each one it refused (``refusal.permanent`` tells a 5xx from a 4xx), so an interrupted batch
        resumes after the last recipient with a verdict. A refused recipient never stops the others.
        """
        import smtplib

        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome("stop", error=f"SMTP login refused ({exc.smtp_code})")
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome("retry", error=self._scrub(f"cannot connect to the SMTP server: {exc}"))
        sent = 0
        deferred: list[str] = []
        refused: list[str] = []
        total = len(recipients)
        try:
            for r in recipients:
                try:
                    # The envelope names exactly this recipient (never re-parsed from the To: header).
                    smtp.send_message(
                        self.message(digest, r, batch_key=batch_key), from_addr=self.cfg.from_, to_addrs=[r.email]
                    )
                except smtplib.SMTPSenderRefused as exc:
                    return self._sender_refused(exc, sent, total)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, text = exc.recipients.get(r.email, (0, b""))
                    refusal = Refusal(code, self._text(text), "RCPT")
                except smtplib.SMTPDataError as exc:
                    refusal = Refusal(exc.smtp_code, self._text(exc.smtp_error), "DATA")
                except smtplib.SMTPNotSupportedError as exc:  # e.g. an address needing SMTPUTF8
                    refusal = Refusal(0, str(exc), "MAIL")
                else:
                    sent += 1
                    if delivered is not None:
                        delivered(r)
                    continue
                if refusal.code == 421:
                    raise _ServerClosing(refusal)
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    smtp.rset()  # smtplib leaves a transaction open when DATA itself is refused
                kind = "refused" if refusal.permanent else "deferred"
                (refused if refusal.permanent else deferred).append(f"{r.email} ({refusal})")
                log.warning("email: %s %s by the SMTP server at %s: %s", r.email, kind, refusal.stage, refusal)
                if delivered is not None:
                    delivered(r, refusal)
        except _ServerClosing as exc:
            return Outcome(
                "retry",
                error=self._scrub(f"the SMTP server closed the connection ({exc}) after {sent} of {total} sent"),
            )
        except (OSError, smtplib.SMTPException) as exc:
            if getattr(smtp, "awaiting_data_reply", False):
                return Outcome(
                    "uncertain",
                    error=self._scrub(
                        f"connection lost after the end of DATA, before the server's reply ({sent} of {total}"
                        f" confirmed): the message in flight may or may not have been accepted: {exc}"
                    ),
                )
            return Outcome(
                "retry",
                error=self._scrub(
                    f"connection lost before the next message was complete ({sent} of {total} sent;"
                    f" nothing in doubt): {exc}"
                ),
            )
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()
        problems = []
        if deferred:
            problems.append(f"deferred (temporary, tried again at the next run): {'; '.join(deferred)}")
        if refused:
            problems.append(f"refused: {'; '.join(refused)}")
        if refused and not sent and not deferred:
            return Outcome("failed", error=f"every recipient refused: {'; '.join(refused)}"[:1000])
        remote_id = f"smtp:{sent}"
        if deferred:
            remote_id += f", {len(deferred)} deferred"
        if refused:
            remote_id += f", {len(refused)} refused"
        return Outcome("sent", remote_id=remote_id, error="; ".join(problems)[:1000] if problems else None)

    def _sender_refused(self, exc: Any, sent: int, total: int) -> Outcome:
        """MAIL FROM refused: about the sender, not a recipient. 4xx/421: try again; 5xx: a config problem."""
        reply = Refusal(exc.smtp_code, self._text(exc.smtp_error), "MAIL")
        if not reply.permanent or reply.code == 421:
            return Outcome(
                "retry", error=self._scrub(f"the SMTP server deferred the sender ({reply}); {sent} of {total} sent")
            )
        return Outcome(
            "failed",
            error=self._scrub(
                f"the SMTP server refused the sender {self.cfg.from_} ({reply}) after {sent} of {total} sent;"
                " check [channels.email] from and the server's relay rules"
            ),
        )

    def _text(self, text: Any) -> str:
        raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return self._scrub(" ".join(raw.split()))[:300]

    def _scrub(self, text: str) -> str:
        """Never keep the SMTP password in an error, should a server echo it."""
        if self.password:
            text = text.replace(self.password, "***")
        return text


def _smtp_policy() -> Any:
    """The default e-mail policy, but 7-bit bodies and List-Unsubscribe(-Post) never RFC 2047 encoded.

    The default policy turns an unstructured header with a token longer than 77 characters (a
    long unsubscribe URL) into encoded-words, which no mail client reads as a link: RFC 2369
    headers are ASCII ``<URL>`` lists, so they are written as they are (up to RFC 5322's 998).
    """
    from email.headerregistry import HeaderRegistry, UnstructuredHeader
    from email.policy import default

    class ListHeader(UnstructuredHeader):
        def fold(self, *, policy: Any) -> str:
            line = f"{self.name}: {self}"
            if line.isascii() and len(line) <= 998 and "\r" not in line and "\n" not in line:
                return line + policy.linesep
            return super().fold(policy=policy)

    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", ListHeader)
    registry.map_to_type("list-unsubscribe-post", ListHeader)
    # cte_type 7bit: non-ASCII bodies go quoted-printable/base64, so servers without 8BITMIME take them too.
    return default.clone(header_factory=registry, cte_type="7bit")


_SMTP_POLICY = _smtp_policy()
