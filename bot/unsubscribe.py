"""The RFC 8058 one-click unsubscribe endpoint that every digest's ``List-Unsubscribe`` points at.

Each e-mail carries ``List-Unsubscribe: <URL>`` and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click``, where URL is ``[channels.email] unsubscribe_url`` with ``{token}``
replaced by the subscriber's opaque token. This module answers that URL:

- ``POST`` (the mail client's one-click, body ``List-Unsubscribe=One-Click``, form-encoded or
  multipart; an empty body or the button on our own page does the same) unsubscribes the address
  with that token: no login, no cookies, idempotent, 200 with a short page. An unknown token gets
  the very same page, so the endpoint never tells whether a token exists.
- ``GET``/``HEAD`` never unsubscribe (mail scanners and link previews fetch every link): they show
  a page with a button that POSTs to the same URL.
- Another path is 404, another method 405, a malformed request (bad token, bad body) 400.

The token sits where the configured URL puts ``{token}``: in the path (``https://lab.example/u/{token}``)
or as a query parameter (``https://lab.example/unsubscribe?token={token}``); the rule is derived
from the URL once, at start-up. With SendGrid, an ``asm_group_id`` and ``SENDGRID_API_KEY`` the
unsubscribe is also added to the ASM group's suppressions, best effort: paperbot never mails an
inactive subscriber, so the local unsubscribe holds even when SendGrid cannot be reached.

Why WSGI: it is the one interface every Python web server speaks (gunicorn, uWSGI, mod_wsgi,
waitress) and the standard library ships a server for it (``wsgiref``), so paperbot needs no web
framework and no new dependency. ``paperbot unsubscribe-server`` serves it with a threaded
``wsgiref`` server behind the institute's HTTPS reverse proxy; an institute that prefers its own
WSGI server mounts ``bot.unsubscribe:create_app()`` instead (the config comes from
``$PAPERBOT_CONFIG`` as for the command line). Each request opens its own store connection, so
any number of threads or processes is safe (SQLite serialises the writers).

Neither the token nor a full address is ever logged or echoed: addresses are masked
(``a***@example.org``) and token-like parts of request lines are replaced by ``***``.
"""

from __future__ import annotations

import html
import logging
import re
import socketserver
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .config import Config, EmailConfig
from .errors import ConfigError
from .store import Clock, Store, utc_now

log = logging.getLogger("paperbot.unsubscribe")

PLACEHOLDER = "{token}"
ONE_CLICK = ("List-Unsubscribe", "One-Click")
MAX_BODY = 64 * 1024  # a one-click body is 26 bytes; multipart a few hundred
TOKEN_RE = re.compile(r"[A-Za-z0-9._~-]{1,256}")  # RFC 3986 unreserved; paperbot's tokens are base64url
# Anything that could be a token (or part of one) in a logged request line.
_TOKENISH = re.compile(r"[A-Za-z0-9._~%-]{16,}")

Mirror = Callable[[Sequence[str]], str | None]


def mask_email(address: str) -> str:
    """``ada@example.org`` -> ``a***@example.org``: enough to recognise, not enough to harvest."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def redact(text: str) -> str:
    """A request line or path fit for a log: token-like runs replaced by ``***``."""
    return _TOKENISH.sub("***", text)


# --- where the token is ------------------------------------------------------------------------


class NotFound(Exception):
    """The request is not for the unsubscribe URL."""


class BadRequest(Exception):
    """The request is for the unsubscribe URL but malformed."""


def _wsgi_str(text: str) -> str:
    """A URL part as WSGI presents PATH_INFO: percent-decoded bytes, read as latin-1."""
    return unquote_to_bytes(text).decode("latin-1")


@dataclass(frozen=True)
class TokenRule:
    """Where the configured ``unsubscribe_url`` puts ``{token}``, and how to read it back."""

    url: str
    path: str  # the exact path (query style), or the part before the token (path style)
    suffix: str = ""  # path style: the part after the token
    param: str | None = None  # query style: the parameter that carries the token

    @classmethod
    def from_url(cls, url: str | None) -> TokenRule:
        where = "[channels.email] unsubscribe_url"
        if not url:
            raise ConfigError(
                f"{where} is not set: set it to the public URL of this endpoint with {{token}} where the"
                ' token goes, e.g. "https://lab.example/unsubscribe?token={token}"'
            )
        if url.count(PLACEHOLDER) != 1:
            found = "has no" if PLACEHOLDER not in url else "has more than one"
            raise ConfigError(
                f"{where} {found} {{token}} ({url!r}): it must appear exactly once, in the path or as a query"
                ' value, e.g. "https://lab.example/u/{token}" or "https://lab.example/unsubscribe?token={token}"'
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where} must be an absolute http(s) URL (got {url!r})")
        path = parts.path or "/"
        if PLACEHOLDER in path:
            before, _, after = path.partition(PLACEHOLDER)
            if not before.endswith("/") or (after and not after.startswith("/")):
                raise ConfigError(f"{where}: {{token}} must be a whole path segment, e.g. /u/{{token}} (got {url!r})")
            return cls(url, _wsgi_str(before), _wsgi_str(after))
        params = [k for k, v in parse_qsl(parts.query, keep_blank_values=True) if v == PLACEHOLDER]
        if len(params) != 1 or PLACEHOLDER in parts.fragment:
            raise ConfigError(
                f"{where}: {{token}} must be a whole path segment or a whole query value, e.g."
                f' "?token={{token}}" (got {url!r})'
            )
        return cls(url, _wsgi_str(path), param=params[0])

    def token(self, path: str, query: str) -> str:
        """The token in a request (path as in WSGI, query raw); NotFound or BadRequest otherwise."""
        path = path or "/"
        if self.param is None:
            middle = path[len(self.path) : len(path) - len(self.suffix)]
            if (
                len(path) < len(self.path) + len(self.suffix)
                or not path.startswith(self.path)
                or not path.endswith(self.suffix)
                or "/" in middle
            ):
                raise NotFound
            if not middle:
                raise NotFound  # "/u/" is not an unsubscribe link
            token = middle
        else:
            if path != self.path:
                raise NotFound
            values = {v for k, v in parse_qsl(query, keep_blank_values=True) if k == self.param}
            if len(values) != 1:
                raise BadRequest("no token" if not values else "more than one token")
            token = values.pop()
        if not TOKEN_RE.fullmatch(token):
            raise BadRequest("not a token")
        return token


# --- the SendGrid mirror -----------------------------------------------------------------------


def asm_mirror(cfg: EmailConfig | None, env: Mapping[str, str]) -> tuple[Mirror | None, str | None]:
    """How to mirror unsubscribes into SendGrid's ASM group, and why not when it cannot.

    ``(mirror, None)`` with SendGrid, ``asm_group_id`` and ``SENDGRID_API_KEY``; ``(None, reason)``
    when a group is configured but there is no key; ``(None, None)`` when there is nothing to mirror to.
    """
    if cfg is None or cfg.provider != "sendgrid" or cfg.asm_group_id is None:
        return None, None
    key = env.get("SENDGRID_API_KEY")
    if not key:
        return None, (
            f"SENDGRID_API_KEY is not set: unsubscribes are not mirrored into the ASM group {cfg.asm_group_id}"
        )

    def mirror(addresses: Sequence[str]) -> str | None:
        from .channels.email import SendGridChannel

        try:  # a client per call: nothing shared between request threads
            return SendGridChannel(cfg, key).suppress(addresses)
        except Exception as exc:  # the channel never raises, but an unsubscribe must not fail on a bug here
            return f"could not call SendGrid: {type(exc).__name__}"

    return mirror, None


# --- the WSGI application ----------------------------------------------------------------------

_SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),  # the page's URL holds the token
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;line-height:1.5}"
    "button{font-size:1rem;padding:.5rem 1.2rem;cursor:pointer}"
)


def _page(title: str, body: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head>\n<body><main>\n<h1>{html.escape(title)}</h1>\n{body}\n</main></body></html>\n"
    ).encode()


class UnsubscribeApp:
    """The WSGI application. ``open_store`` gives a fresh Store per request (closed after it)."""

    def __init__(
        self,
        rule: TokenRule,
        open_store: Callable[[], Store],
        *,
        mirror: Mirror | None = None,
        list_name: str = "paper digest",
    ) -> None:
        self.rule = rule
        self.open_store = open_store
        self.mirror = mirror
        self.list_name = list_name

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        body = self._handle(method, environ, start_response)
        return [] if method == "HEAD" else body

    def _handle(self, method: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        try:
            token = self.rule.token(path, environ.get("QUERY_STRING", ""))
            if method in ("GET", "HEAD"):
                return self._respond(start_response, "200 OK", self._confirm_page())
            if method != "POST":
                body = _page("Method not allowed", "<p>Use the link in the e-mail.</p>")
                return self._respond(start_response, "405 Method Not Allowed", body, [("Allow", "GET, HEAD, POST")])
            _check_body(environ)
            self._unsubscribe(token)
            return self._respond(start_response, "200 OK", self._done_page())
        except NotFound:
            return self._respond(start_response, "404 Not Found", _page("Not found", "<p>There is nothing here.</p>"))
        except BadRequest as exc:
            log.info("unsubscribe: bad request (%s)", exc)
            body = _page("Bad request", "<p>This link is incomplete. Use the link in the e-mail as it is.</p>")
            return self._respond(start_response, "400 Bad Request", body)
        except _TooLarge:
            return self._respond(start_response, "413 Content Too Large", _page("Too large", "<p>Too large.</p>"))
        except Exception as exc:  # e.g. the store is locked or unreadable: say so, log no token
            log.error("unsubscribe: failed: %s", type(exc).__name__ + (f": {redact(str(exc))}" if str(exc) else ""))
            body = _page("Try again later", "<p>This could not be done right now. Please try again later.</p>")
            return self._respond(start_response, "503 Service Unavailable", body, [("Retry-After", "300")])

    def _unsubscribe(self, token: str) -> None:
        store = self.open_store()
        try:
            address = store.unsubscribe_token(token)
        finally:
            store.close()
        if address is None:
            log.info("unsubscribe: unknown token (answered like a known one)")
            return
        log.info("unsubscribe: %s unsubscribed (one-click)", mask_email(address))
        if self.mirror is not None:
            # Again on a repeated POST: SendGrid takes a suppression twice, and a failed mirror heals.
            error = self.mirror([address])
            if error:
                log.warning("unsubscribe: %s not mirrored into the ASM group: %s", mask_email(address), error)
            else:
                log.info("unsubscribe: %s mirrored into the ASM group", mask_email(address))

    def _confirm_page(self) -> bytes:
        # No form action: the browser posts to this very URL, so the page never repeats the token.
        name = html.escape(self.list_name)
        return _page(
            "Unsubscribe",
            f"<p>Stop receiving the {name} at this address?</p>\n"
            f'<form method="post"><input type="hidden" name="{ONE_CLICK[0]}" value="{ONE_CLICK[1]}">'
            '<button type="submit">Unsubscribe</button></form>',
        )

    def _done_page(self) -> bytes:
        name = html.escape(self.list_name)
        return _page(
            "Unsubscribed",
            f"<p>You will not receive the {name} at this address any more.</p>\n"
            "<p>If this was a mistake, write to the sender to be added again.</p>",
        )

    @staticmethod
    def _respond(
        start_response: Callable[..., Any],
        status: str,
        body: bytes,
        extra: list[tuple[str, str]] | None = None,
    ) -> list[bytes]:
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *_SECURITY_HEADERS,
            *(extra or []),
        ]
        start_response(status, headers)
        return [body]


class _TooLarge(Exception):
    pass


def _check_body(environ: dict[str, Any]) -> None:
    """Accept an RFC 8058 body, or none; BadRequest for a body that says something else.

    The POST to the token's URL is the request to unsubscribe; the body only confirms it. So a
    form without a ``List-Unsubscribe`` field (or a multipart body too sloppy to find fields in)
    is accepted, and only a different value, an unreadable form or another content type is refused.
    """
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    try:
        length = int(raw_length) if raw_length else 0
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    if length < 0:
        raise BadRequest("bad Content-Length")
    if length > MAX_BODY:
        raise _TooLarge
    body = environ["wsgi.input"].read(length) if length else b""
    if not body.strip():
        return
    ctype = (environ.get("CONTENT_TYPE") or "").strip()
    kind = ctype.split(";", 1)[0].strip().lower()
    if kind in ("", "application/x-www-form-urlencoded", "text/plain"):
        try:
            fields = parse_qsl(body.decode("ascii").strip(), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("unreadable form body") from None
    elif kind == "multipart/form-data":
        fields = _multipart_fields(ctype, body)
    else:
        raise BadRequest(f"unsupported Content-Type {kind!r}")
    values = [v for k, v in fields if k.strip().lower() == ONE_CLICK[0].lower()]
    if any(v.strip().lower() != ONE_CLICK[1].lower() for v in values):
        raise BadRequest("List-Unsubscribe is not One-Click")


def _multipart_fields(ctype: str, body: bytes) -> list[tuple[str, str]]:
    """The form fields of a multipart/form-data body (the shape of RFC 8058's own example)."""
    try:
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
        )
    except (UnicodeEncodeError, ValueError) as exc:
        raise BadRequest("unreadable multipart body") from exc
    if not message.is_multipart():
        raise BadRequest("unreadable multipart body")
    fields: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if isinstance(name, str):
            fields.append((name, payload.decode("utf-8", "replace").strip()))
    return fields


# --- building and serving ----------------------------------------------------------------------


def build(config: Config, env: Mapping[str, str], *, clock: Clock = utc_now) -> tuple[UnsubscribeApp, str | None]:
    """The app for a loaded config (ConfigError without a usable unsubscribe_url), and a warning."""
    email = config.channels.email
    rule = TokenRule.from_url(email.unsubscribe_url if email else None)
    path = config.store.path
    Store(path, clock=clock).close()  # fail now, not at the first unsubscribe; creates/migrates the store
    mirror, why_not = asm_mirror(email, env)
    app = UnsubscribeApp(
        rule,
        lambda: Store(path, clock=clock),
        mirror=mirror,
        list_name=f"{config.group.name} paper digest",
    )
    return app, why_not


def create_app(config_path: str | Path | None = None, env: Mapping[str, str] | None = None) -> UnsubscribeApp:
    """The WSGI application for your own server, e.g. ``gunicorn 'bot.unsubscribe:create_app()'``.

    The config is found as on the command line (``config_path``, else ``$PAPERBOT_CONFIG``, else
    config/paperbot.toml) and secrets come from the environment or ``.env``.
    """
    from .app import App, load_env

    app = App.from_path(
        str(config_path) if config_path else None, env if env is not None else load_env(config=config_path)
    )
    wsgi, why_not = build(app.config, app.env, clock=app.clock)
    if why_not:
        log.warning("unsubscribe: %s", why_not)
    return wsgi


class _Handler(WSGIRequestHandler):
    timeout = 30  # a client that sends nothing does not hold a thread for ever

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s", self.command, redact(self.path.split("?", 1)[0]) + self._query_mark(), code)

    def _query_mark(self) -> str:
        return "?***" if "?" in self.path else ""

    def log_message(self, format: str, *args: Any) -> None:
        log.warning("%s", redact(format % args))


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # Ctrl-C does not wait for a stuck client


def make_server(app: Callable[..., Any], host: str = "127.0.0.1", port: int = 8025) -> WSGIServer:
    """A threaded wsgiref server for ``app`` (port 0: any free port; see ``server.server_port``)."""
    server = _ThreadingServer((host, port), _Handler)
    server.set_app(app)
    return server
