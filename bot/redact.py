"""Secrets never leave in an error: redact server replies and exception texts before they are shown.

A server may echo what it was sent (a 422 body quoting the ``Authorization`` header, an SMTP
reply quoting the login), and an exception may carry a URL with ``?access_token=…``. Every text
that paperbot prints, logs or stores from the outside world goes through :func:`redact` first:

* the configured secrets verbatim (and percent-encoded), from the environment
  (``MASTODON_ACCESS_TOKEN``, ``SENDGRID_API_KEY``, ``SMTP_PASSWORD``);
* ``Authorization: …`` header values, ``Bearer …`` and ``Basic …`` credentials;
* SendGrid keys (``SG.xxx.yyy``);
* ``token=``, ``access_token=``, ``api_key=``, ``password=``, ``secret=`` … values in query
  strings, JSON and ``key: value`` text, and the password in ``scheme://user:password@host``.

Each becomes ``[redacted]``. The App registers its secrets once (:func:`set_secrets`); a log
record factory (:func:`install_log_redaction`) redacts every log record as it is created, so no
handler, not even a test's, ever sees the raw text.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote

REDACTED = "[redacted]"
SECRET_ENV = ("MASTODON_ACCESS_TOKEN", "SENDGRID_API_KEY", "SMTP_PASSWORD")
MIN_SECRET_LENGTH = 4  # shorter values would match ordinary words; the patterns still apply

_VALUE = r"""[^\s"'&,;<>{}()\[\]]+"""  # a credential value: up to a delimiter; never a {placeholder}
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer abc / "Authorization": "Token abc" / authorization=Basic abc
    (
        re.compile(
            r"""(?i)(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token|digest)\s+)?""" + _VALUE
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{4,}"), r"\1\2" + REDACTED),
    (re.compile(r"\bSG\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}"), REDACTED),
    # ?access_token=abc, "api_key": "abc", password: abc, x-api-key: abc
    (
        re.compile(
            r"""(?i)(\b(?:access[_-]?token|refresh[_-]?token|auth[_-]?token|token|api[_-]?key|x-api-key|apikey"""
            r"""|client[_-]?secret|secret|password|passwd|pwd)["']?\s*[:=]\s*["']?)(?!\{|%|\[redacted\])""" + _VALUE
        ),
        r"\1" + REDACTED,
    ),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@]+:)[^\s/@]+@"), r"\1" + REDACTED + "@"),
)

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """The configured secrets in ``env`` (empty ones skipped)."""
    return tuple(v for name in SECRET_ENV if (v := (env.get(name) or "").strip()))


def set_secrets(values: Iterable[str]) -> None:
    """The secrets :func:`redact` removes by default (the App's, from its environment)."""
    global _secrets
    with _lock:
        _secrets = tuple(dict.fromkeys(v for v in values if v))


def registered() -> tuple[str, ...]:
    return _secrets


def _forms(secret: str) -> list[str]:
    """The secret as it may appear in a reply: verbatim, percent-encoded, JSON-escaped."""
    forms = [secret, quote(secret, safe=""), quote(secret, safe="/"), secret.replace("/", "\\/")]
    return sorted({f for f in forms if len(f) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def _base64_cores(secret: str) -> list[str]:
    """What base64 of any text containing ``secret`` surely contains (SMTP AUTH echoes), for each of
    the three alignments: the groups made of the secret's bytes only. Long secrets only."""
    raw = secret.encode()
    if len(raw) < 12:
        return []
    cores = []
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + raw).decode()
        start = 4 if k else 0
        end = (len(raw) + k) // 3 * 4  # drop the last, partial group
        core = encoded[start:end]
        if len(core) >= 8:
            cores.append(core)
    return cores


def redact(text: object, secrets: Iterable[str] | None = None) -> str:
    """``text`` with credentials replaced by ``[redacted]``.

    ``secrets``: values to remove verbatim, in addition to the patterns (default: the ones
    registered with :func:`set_secrets`). ``None`` text gives ``""``.
    """
    if text is None:
        return ""
    out = text if isinstance(text, str) else str(text)
    values = registered() if secrets is None else tuple(secrets)
    for secret in values:
        if secret:
            for form in _forms(secret):
                out = out.replace(form, REDACTED)
            for core in _base64_cores(secret):
                if core in out:
                    out = re.sub(r"[A-Za-z0-9+/]*" + re.escape(core) + r"[A-Za-z0-9+/]*=*", REDACTED, out)
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out


def redact_optional(text: str | None, secrets: Iterable[str] | None = None) -> str | None:
    """Like :func:`redact`, but ``None`` stays ``None``."""
    return None if text is None else redact(text, secrets)


# --- logging ---------------------------------------------------------------------------------

_installed = False


def install_log_redaction() -> None:
    """Redact every log record as it is created (message, arguments and traceback). Idempotent."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: leave it for logging to report
                return record
            record.msg, record.args = redact(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def redacting_excepthook(hook=None):  # type: ignore[no-untyped-def]
    """A ``sys.excepthook`` that prints an unexpected traceback with its secrets redacted."""
    import sys
    import traceback

    def excepthook(exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if issubclass(exc_type, KeyboardInterrupt) and hook is not None:
            return hook(exc_type, exc, tb)
        sys.stderr.write(redact("".join(traceback.format_exception(exc_type, exc, tb))))

    return excepthook


def redact_data(data: object, secrets: Iterable[str] | None = None) -> object:
    """``data`` (JSON-like: dicts, lists, strings) with every string redacted."""
    if isinstance(data, str):
        return redact(data, secrets)
    if isinstance(data, dict):
        return {k: redact_data(v, secrets) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v, secrets) for v in data]
    return data
