"""The e-mail digest: SendGrid (default) or SMTP, one batch of subscribers per call.

Every recipient gets their own personalization (nobody sees another address), their
own List-Unsubscribe URL with an opaque token, and List-Unsubscribe-Post for RFC 8058
one-click unsubscribe. SendGrid has no idempotency key, so a batch whose fate is unknown
(a timeout after sending, a 5xx) is reported as uncertain rather than sent again.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import logging
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def unsubscribe_link(cfg: EmailConfig, token: str) -> str:
    return (cfg.unsubscribe_url or "").replace("{token}", token)


def display_name(name: str | None) -> str:
    """A name fit for an address header: one line (a CSV import can bring line breaks)."""
    return " ".join((name or "").split())


def sendgrid_payload(
    digest: Digest, recipients: Sequence[Recipient], cfg: EmailConfig, *, batch_key: str
) -> dict[str, Any]:
    """The Mail Send body for one batch, following SendGrid's rules to the letter."""
    personalizations = []
    for r in recipients:
        to: dict[str, str] = {"email": r.email}
        if display_name(r.name):
            to["name"] = display_name(r.name)
        link = unsubscribe_link(cfg, r.token)
        personalizations.append(
            {
                "to": [to],
                "headers": {"List-Unsubscribe": f"<{link}>"},
                "substitutions": {UNSUBSCRIBE_PLACEHOLDER: link, UNSUBSCRIBE_PLACEHOLDER_HTML: html.escape(link)},
                "custom_args": {
                    "paperbot_digest": digest.id,
                    "paperbot_batch": batch_key,
                    "subscriber": str(r.id),
                },
            }
        )
    sender: dict[str, str] = {"email": cfg.from_ or ""}
    if display_name(cfg.from_name):
        sender["name"] = display_name(cfg.from_name)
    payload: dict[str, Any] = {
        "personalizations": personalizations,
        "from": sender,
        "subject": digest.subject,
        "content": [
            {"type": "text/plain", "value": digest.text},
            {"type": "text/html", "value": digest.html},
        ],
        "headers": {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
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


class SmtpChannel:
    """SMTP for institutes without SendGrid: one message per recipient over one connection."""

    name = "email"

    def __init__(self, cfg: EmailConfig, password: str | None) -> None:
        self.cfg = cfg
        self.password = password

    def suppressed(self) -> list[str] | None:
        return []

    def _connect(self) -> Any:
        import smtplib
        import ssl

        port = self.cfg.smtp_port or (465 if self.cfg.smtp_security == "ssl" else 587)
        timeout = self.cfg.request_timeout
        if self.cfg.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                self.cfg.smtp_host or "", port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.cfg.smtp_host or "", port, timeout=timeout)
        try:
            if self.cfg.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.cfg.smtp_user:
                smtp.login(self.cfg.smtp_user, self.password or "")
        except BaseException:
            smtp.close()  # do not leak the socket when STARTTLS or the login fails
            raise
        return smtp

    def message(self, digest: Digest, r: Recipient) -> Any:
        from email.message import EmailMessage
        from email.utils import formataddr, make_msgid

        link = unsubscribe_link(self.cfg, r.token)
        msg = EmailMessage(policy=_SMTP_POLICY)  # keeps a long List-Unsubscribe URL readable
        msg["From"] = formataddr((display_name(self.cfg.from_name), self.cfg.from_ or ""))
        msg["To"] = formataddr((display_name(r.name), r.email))
        msg["Subject"] = digest.subject
        msg["Message-ID"] = make_msgid(domain=(self.cfg.from_ or "paperbot").rpartition("@")[2] or None)
        if self.cfg.reply_to:
            msg["Reply-To"] = self.cfg.reply_to
        msg["List-Unsubscribe"] = f"<{link}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(digest.text.replace(UNSUBSCRIBE_PLACEHOLDER, link))
        msg.add_alternative(digest.html.replace(UNSUBSCRIBE_PLACEHOLDER_HTML, html.escape(link)), subtype="html")
        return msg

    def send_batch(
        self,
        digest: Digest,
        recipients: Sequence[Recipient],
        *,
        batch_key: str,
        delivered: Callable[[Recipient], None] | None = None,
    ) -> Outcome:
        """One message per recipient; ``delivered(r)`` records each one the server accepted (or
        refused for good), so an interrupted batch resumes after it."""
        import smtplib

        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome("stop", error=f"SMTP login refused ({exc.smtp_code})")
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome("retry", error=f"cannot connect to the SMTP server: {exc}")
        sent = 0
        refused: list[str] = []
        try:
            for r in recipients:
                try:
                    # The envelope names exactly this recipient (never re-parsed from the To: header).
                    smtp.send_message(self.message(digest, r), from_addr=self.cfg.from_, to_addrs=[r.email])
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError) as exc:
                    # One bad mailbox (or an address the server cannot take) must not stop the others.
                    refused.append(f"{r.email} ({_smtp_reason(exc, r.email)})")
                    log.warning("email: %s refused by the SMTP server: %s", r.email, _smtp_reason(exc, r.email))
                else:
                    sent += 1
                if delivered is not None:
                    delivered(r)
        except (OSError, smtplib.SMTPException) as exc:
            status = "uncertain" if sent else "retry"
            return Outcome(status, error=f"SMTP error after {sent} of {len(recipients)} sent: {exc}")
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()
        if refused and not sent:
            return Outcome("failed", error=f"every recipient refused: {'; '.join(refused)}"[:1000])
        return Outcome(
            "sent",
            remote_id=f"smtp:{sent}" + (f", {len(refused)} refused" if refused else ""),
            error=f"refused: {'; '.join(refused)}"[:1000] if refused else None,
        )


def _smtp_reason(exc: Exception, address: str) -> str:
    detail = getattr(exc, "recipients", {}).get(address)
    if detail:
        code, text = detail
        return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
    return str(exc)


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
