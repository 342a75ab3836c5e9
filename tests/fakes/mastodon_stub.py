"""A small Mastodon API stub on 127.0.0.1 for the rules mastodon-mock gets wrong.

Why it exists (platform-rules.md §4.1): mastodon-mock counts length with `len()`, keeps idempotency
keys forever, sends an epoch `X-RateLimit-Reset` and has no 300-statuses/3 h limit. This stub
implements those server rules as Mastodon v4.5.8 does (§1.2, §1.4, §1.5) and nothing else:

- length: `bot.length.mastodon_length` (graphemes, URLs as 23, `@user@domain` as `@user`, CW
  counted) against `max_characters`; the stub trusts the project's counter, so tests here pin the
  counter's behaviour on the wire, while its own unit tests pin it against the upstream vectors;
- `Idempotency-Key` per account, kept 1 h of the stub's clock, stored only after a successful
  create;
- 300 statuses per account per 3 h window aligned to epoch multiples of 10800 s, counting successful
  creates only; 429 and success responses carry `X-RateLimit-Reset` as ISO 8601 with microseconds.

The clock is injectable (`clock=`/`set_clock`) and also drives the `Date` header, so Mastodon.py's
server-skew correction turns the ISO reset into "now + time left in the stub's window".

    with MastodonStub(access_token="tok") as stub:
        m = Mastodon(access_token="tok", api_base_url=stub.url, ratelimit_method="throw",
                     request_timeout=5, version_check_mode="none")
        m.status_post("hello", idempotency_key="k1")
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections import deque
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

IDEMPOTENCY_TTL = 3600
VISIBILITIES = ("public", "unlisted", "private", "direct")
CREATE = "POST /api/v1/statuses"
DEFAULT_ERRORS = {
    401: "The access token is invalid",
    403: "This action is not allowed",
    404: "Record not found",
    422: "Validation failed",
    429: "Too many requests",
    500: "We're sorry, but something went wrong",
    503: "Service Unavailable",
}
INSTANCE_PATHS = {"/api/v2/instance": 2, "/api/v1/instance": 1}
STATUS_PATH = re.compile(r"^/api/v1/statuses/(\d+)$")


def iso_micro(epoch: float) -> str:
    """Rails `Time#iso8601(6)` in UTC: 2026-01-01T12:05:00.000000Z (the rate-limit reset format)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_milli(epoch: float) -> str:
    """The `created_at` format of Mastodon entities: 2026-01-01T12:05:00.000Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class MastodonStub:
    """Threaded loopback Mastodon server; see the module docstring.

    `tokens` maps access token -> username for multi-account tests; by default `access_token`
    belongs to the account "bot" (id "1"). Faults and stalls target `POST /api/v1/statuses`
    unless `endpoint=None` (any request) or another "METHOD /path" is given."""

    def __init__(
        self,
        access_token: str = "stub-token",
        *,
        tokens: dict[str, str] | None = None,
        max_characters: int = 500,
        url_length: int = 23,
        statuses_limit: int = 300,
        statuses_window: int = 10800,
        latency: float = 0.0,
        clock=time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        idempotency: bool = True,
    ):
        self.idempotency = idempotency  # False: a server that ignores Idempotency-Key (concurrency tests)
        self.max_characters = max_characters
        self.url_length = url_length
        self.statuses_limit = statuses_limit
        self.statuses_window = statuses_window
        self.latency = latency
        self.clock = clock
        names = tokens or {access_token: "bot"}
        self.accounts = {tok: {"id": str(i), "username": name} for i, (tok, name) in enumerate(names.items(), start=1)}
        self._addr = (host, port)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> MastodonStub:
        handler = type("Handler", (_Handler,), {"stub": self})
        self._server = ThreadingHTTPServer(self._addr, handler)
        self._server.daemon_threads = True
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="MastodonStub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> MastodonStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test controls ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget statuses, idempotency keys, quotas, faults and the request log."""
        with self._lock:
            self.statuses: list[dict] = []
            self.requests: list[dict] = []
            self._by_id: dict[str, dict] = {}
            self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
            self._quota: dict[tuple[str, int], int] = {}
            self._faults: deque[dict] = deque()
            self._next_id = 110_000_000_000_000_001

    def set_clock(self, clock) -> None:
        self.clock = clock

    def fail_next(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        endpoint: str | None = CREATE,
    ) -> None:
        """Answer the next matching request with `status` and do nothing else.
        Default body: {"error": <Mastodon's text for that status>}; 429 adds rate-limit headers.
        A callable body is called with the request's headers (a server that echoes them)."""
        with self._lock:
            self._faults.append(
                {"kind": "fail", "status": status, "body": body, "headers": headers, "endpoint": endpoint}
            )

    def stall_next(self, seconds: float, create: bool = True, *, endpoint: str | None = CREATE) -> None:
        """Delay the next matching request's answer by `seconds`. `create=True`: process it first
        (the status exists, the client times out: "maybe posted"). `create=False`: wait, then close
        the connection without processing (the server never got to it)."""
        with self._lock:
            self._faults.append({"kind": "stall", "seconds": seconds, "create": create, "endpoint": endpoint})

    def _take_fault(self, endpoint: str) -> dict | None:
        with self._lock:
            for fault in self._faults:
                if fault["endpoint"] in (None, endpoint):
                    self._faults.remove(fault)
                    return fault
        return None

    # -- the server rules ------------------------------------------------------------------------
    def window(self, now: float) -> tuple[int, float]:
        """(window index, reset epoch) of the statuses limit at `now` (epoch-aligned windows)."""
        index = int(now // self.statuses_window)
        return index, (index + 1) * self.statuses_window

    def ratelimit_headers(self, account_id: str, now: float) -> dict[str, str]:
        index, reset = self.window(now)
        used = self._quota.get((account_id, index), 0)
        return {
            "X-RateLimit-Limit": str(self.statuses_limit),
            "X-RateLimit-Remaining": str(max(self.statuses_limit - used, 0)),
            "X-RateLimit-Reset": iso_micro(reset),
        }

    def create_status(self, account: dict, params: dict, key: str | None) -> tuple[int, dict, dict]:
        """`POST /api/v1/statuses` rules in the server's order; returns (status, body, headers)."""
        now = self.clock()
        with self._lock:
            headers = self.ratelimit_headers(account["id"], now)
            reply_to = params.get("in_reply_to_id") or None
            if reply_to is not None and str(reply_to) not in self._by_id:
                return 404, {"error": "Record not found"}, headers
            if key is not None and self.idempotency:
                hit = self._idempotency.get((account["id"], key))
                if hit and now - hit[1] < IDEMPOTENCY_TTL:
                    return 200, self._by_id[hit[0]], headers
            text = str(params.get("status") or "")
            spoiler = str(params.get("spoiler_text") or "")
            visibility = params.get("visibility") or "public"
            if not text.strip():
                return 422, {"error": "Validation failed: Text can't be blank"}, headers
            if visibility not in VISIBILITIES:
                return 422, {"error": "Validation failed: Visibility is not included in the list"}, headers
            from bot.length import mastodon_length  # imported late: only this rule needs it

            if mastodon_length(text, spoiler, url_length=self.url_length) > self.max_characters:
                return (
                    422,
                    {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"},
                    headers,
                )
            index, _ = self.window(now)
            used = self._quota.get((account["id"], index), 0)
            if used >= self.statuses_limit:
                return 429, {"error": "Too many requests"}, headers
            self._quota[(account["id"], index)] = used + 1
            status = self._build_status(account, text, spoiler, visibility, params, now)
            self.statuses.append(status)
            self._by_id[status["id"]] = status
            if key is not None:
                self._idempotency[(account["id"], key)] = (status["id"], now)
            return 200, status, self.ratelimit_headers(account["id"], now)

    def _build_status(self, account: dict, text: str, spoiler: str, visibility: str, params: dict, now: float) -> dict:
        sid, self._next_id = str(self._next_id), self._next_id + 1
        parent = self._by_id.get(str(params.get("in_reply_to_id") or ""))
        paragraphs = [html.escape(p).replace("\n", "<br />") for p in text.split("\n\n")]
        sensitive = str(params.get("sensitive", "")).lower() in ("1", "true")
        return {
            "id": sid,
            "created_at": iso_milli(now),
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "sensitive": sensitive or bool(spoiler),
            "spoiler_text": spoiler,
            "visibility": visibility,
            "language": params.get("language") or "en",
            "uri": f"{self.url}/users/{account['username']}/statuses/{sid}",
            "url": f"{self.url}/@{account['username']}/{sid}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": "".join(f"<p>{p}</p>" for p in paragraphs),
            "text": None,
            "reblog": None,
            "application": {"name": "paperbot", "website": None},
            "account": self.account_json(account),
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }

    def account_json(self, account: dict) -> dict:
        name = account["username"]
        return {
            "id": account["id"],
            "username": name,
            "acct": name,
            "display_name": name,
            "locked": False,
            "bot": True,
            "discoverable": True,
            "group": False,
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "url": f"{self.url}/@{name}",
            "uri": f"{self.url}/users/{name}",
            "avatar": "",
            "avatar_static": "",
            "header": "",
            "header_static": "",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": sum(s["account"]["id"] == account["id"] for s in self.statuses),
            "last_status_at": None,
            "emojis": [],
            "fields": [],
        }

    def instance_json(self, version: int) -> dict:
        statuses = {
            "max_characters": self.max_characters,
            "max_media_attachments": 4,
            "characters_reserved_per_url": self.url_length,
        }
        domain = urlsplit(self.url).netloc
        common = {
            "title": "Paperbot stub",
            "version": "4.5.8",
            "languages": ["en"],
            "description": "Loopback Mastodon stub for paperbot tests",
            "api_versions": {"mastodon": 6},
            "rules": [],
        }
        if version == 1:
            return {
                **common,
                "uri": domain,
                "short_description": "",
                "email": "",
                "urls": {"streaming_api": f"ws://{domain}"},
                "stats": {
                    "user_count": len(self.accounts),
                    "status_count": len(self.statuses),
                    "domain_count": 1,
                },
                "registrations": False,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": {"statuses": statuses},
                "contact_account": None,
            }
        return {
            **common,
            "domain": domain,
            "source_url": "https://github.com/mastodon/mastodon",
            "usage": {"users": {"active_month": len(self.accounts)}},
            "thumbnail": {"url": f"{self.url}/thumb.png"},
            "configuration": {
                "urls": {"streaming": f"ws://{domain}", "status": None},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": statuses,
                "media_attachments": {
                    "supported_mime_types": ["image/png", "image/jpeg"],
                    "image_size_limit": 16777216,
                },
                "polls": {
                    "max_options": 4,
                    "max_characters_per_option": 50,
                    "min_expiration": 300,
                    "max_expiration": 2629746,
                },
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "", "account": None},
        }


class _Handler(BaseHTTPRequestHandler):
    stub: MastodonStub  # set on the per-server subclass

    def log_message(self, format, *args):  # keep stderr quiet
        pass

    def date_time_string(self, timestamp=None):
        """`Date` from the stub's clock, matching X-RateLimit-Reset (Mastodon.py uses both)."""
        return formatdate(self.stub.clock() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method: str) -> None:
        stub = self.stub
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            params = self._params(parts.query, raw)
        except ValueError:  # bad JSON or UTF-8; Rails answers 400
            return self._reply(400, {"error": "Error occurred while parsing request parameters"})
        auth = self.headers.get("Authorization", "")
        account = stub.accounts.get(auth[7:]) if auth.startswith("Bearer ") else None
        with stub._lock:
            stub.requests.append(
                {
                    "method": method,
                    "path": path,
                    "params": params,
                    "headers": dict(self.headers.items()),
                    "time": stub.clock(),
                }
            )
        if stub.latency:
            stub._stopping.wait(stub.latency)
        fault = stub._take_fault(f"{method} {path}")
        if fault and fault["kind"] == "fail":
            return self._fault(fault, account)
        if fault and not fault["create"]:
            stub._stopping.wait(fault["seconds"])
            self.close_connection = True
            return None
        try:
            status, body, headers = self._route(method, path, params, account)
        except Exception as exc:  # e.g. bot.length missing: fail loudly, not with a reset socket
            status, body, headers = 500, {"error": f"stub failure: {exc!r}"}, {}
        if fault:
            stub._stopping.wait(fault["seconds"])
        return self._reply(status, body, headers)

    def _route(self, method: str, path: str, params: dict, account: dict | None):
        stub = self.stub
        if method == "GET" and path in INSTANCE_PATHS:
            return 200, stub.instance_json(INSTANCE_PATHS[path]), {}
        if method == "GET" and (m := STATUS_PATH.match(path)):
            status = stub._by_id.get(m.group(1))
            return (200, status, {}) if status else (404, {"error": "Record not found"}, {})
        if path == "/api/v1/accounts/verify_credentials" and method == "GET":
            if account is None:
                return 401, {"error": DEFAULT_ERRORS[401]}, {}
            source = {"privacy": "public", "sensitive": False, "language": "en", "note": "", "fields": []}
            return 200, {**stub.account_json(account), "source": source}, {}
        if path == "/api/v1/statuses" and method == "POST":
            if account is None:
                return 401, {"error": DEFAULT_ERRORS[401]}, {}
            return stub.create_status(account, params, self.headers.get("Idempotency-Key"))
        return 404, {"error": "Record not found"}, {}

    def _params(self, query: str, raw: bytes) -> dict:
        """Query + form or JSON body; for repeated keys the last wins (lists for `x[]`)."""
        params: dict[str, Any] = {}
        ctype = self.headers.get("Content-Type", "")
        sources = [parse_qs(query, keep_blank_values=True)]
        if raw and ctype.startswith("application/json"):
            body = json.loads(raw or b"{}")
            return {**{k: v[-1] for k, v in sources[0].items()}, **body}
        if raw:
            sources.append(parse_qs(raw.decode("utf-8"), keep_blank_values=True))
        for source in sources:
            for key, values in source.items():
                if key.endswith("[]"):
                    params[key[:-2]] = values
                else:
                    params[key] = values[-1]
        return params

    def _fault(self, fault: dict, account: dict | None) -> None:
        status = fault["status"]
        body = fault["body"] if fault["body"] is not None else {"error": DEFAULT_ERRORS.get(status, "Error")}
        if callable(body):
            body = body(dict(self.headers.items()))
        headers = dict(fault["headers"] or {})
        if status == 429:
            stub = self.stub
            acct_id = account["id"] if account else "0"
            with stub._lock:
                limits = stub.ratelimit_headers(acct_id, stub.clock())
            headers = {**limits, "X-RateLimit-Remaining": "0", **headers}
        self._reply(status, body, headers)

    def _reply(self, status: int, body: Any, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first: expected in stall tests

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
