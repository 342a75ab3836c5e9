"""A fake SendGrid v3 Mail Send server on 127.0.0.1, for tests and benchmarks.

Why it exists: no installable SendGrid mock exists (platform-rules.md §4.2) and sendgrid-python
talks through urllib, so `responses`/`requests-mock` cannot intercept it. This server speaks the
real wire protocol, so `SendGridAPIClient(api_key=KEY, host=fake.url)` exercises the real client.

It enforces the documented `POST /v3/mail/send` rules (§2) that a bot can get wrong: batch limits,
unique addresses, content order, reserved headers, types of `asm`, `custom_args`, `categories`,
`sandbox_mode`, `send_at`; it reports ALL validation errors at once, like the real API. Faults are
scripted per request (429 with epoch reset, 5xx, a stall after delivery, a dropped connection) so
tests can pin down the "not accepted" versus "uncertain" outcomes, which matter because Mail Send
has no idempotency key.

It also serves an ASM group's suppressions: `GET /v3/asm/groups/{id}/suppressions` lists them
(`fake.suppressions[id]`), `POST` adds `{"recipient_emails": [...]}` (201; faults apply as to
Mail Send). Upstream refuses no group id: an unknown one puts the addresses on the global list.

`rendered()` shows each delivered recipient's message as SendGrid would build it: the
personalization's `substitutions` applied to subject and content, and the unsubscribe-group tags
(`<%asm_group_unsubscribe_raw_url%>` and friends) filled in with a per-recipient URL, but only
when the request names an `asm.group_id` (without one SendGrid leaves them as they are:
sendgrid/sendgrid-nodejs#1178). The tags are also filled in in headers (List-Unsubscribe); that
SendGrid does so there is an assumption (platform-rules.md §2 lists the tags as unverified).

    with FakeSendGrid(api_key="SG.test") as sg:
        client = SendGridAPIClient(api_key="SG.test", host=sg.url)
        client.send(mail)
        assert sg.delivered_addresses() == ["ada@example.org"]
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
MAX_CUSTOM_ARGS_BYTES = 10_000
MAX_GROUPS_TO_DISPLAY = 25
MAX_SUBSTITUTIONS_BYTES = 10_000  # per personalization (Mail Send spec, `substitutions`)
ASM_TAGS = (
    "<%asm_group_unsubscribe_raw_url%>",
    "<%asm_group_unsubscribe_url%>",
    "<%asm_preferences_raw_url%>",
    "<%asm_preferences_url%>",
    "<%asm_global_unsubscribe_raw_url%>",
    "<%asm_global_unsubscribe_url%>",
)
DEFAULT_MAX_BODY_BYTES = 30 * 1024 * 1024
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "Content-Type",
        "Content-Transfer-Encoding",
        "To",
        "From",
        "Subject",
        "Reply-To",
        "CC",
        "BCC",
    )
)
# Deliberately loose: the point is to catch empty strings, missing "@" and obvious garbage.
EMAIL_RE = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
# Wording follows the real API's messages where known; tests should match on `field` or a prefix.
MSG_PERSONALIZATIONS = "The personalizations field is required and must have at least one personalization."
MSG_TOO_MANY_PERS = (
    f"You may not have more than {MAX_PERSONALIZATIONS} personalizations per API "
    "request. You may need to batch your requests."
)
MSG_TO = (
    "The to array is required for all personalization objects, and must have at least one "
    "email object with a valid email address."
)
MSG_RECIPIENTS = f"The total number of recipients (to, cc and bcc) must be {MAX_RECIPIENTS} or fewer."
MSG_DUPLICATE = (
    "Each unique email address in the personalizations array should only be included "
    "once. You have included {} more than once."
)
MSG_FROM = (
    "The from object must be provided for every email send. It is an object that requires "
    "the email parameter, but may also contain a name parameter."
)
MSG_SUBJECT = (
    "The subject is required. You can get around this requirement if you use a template "
    "with a subject defined or if every personalization has a subject defined."
)
MSG_CONTENT = (
    "Unless a valid template_id is provided, the content parameter is required. There "
    "must be at least one defined content block."
)
MSG_CONTENT_ORDER = (
    "Following RFC 1341, section 7.2, if either text/html or text/plain are to be "
    "sent in your email: text/plain needs to be first, followed by text/html, "
    "followed by any other content."
)
PERS_HELP = f"{HELP}#-Personalizations-Errors"
DEFAULT_FAULT_MESSAGES = {
    400: "Bad Request",
    401: "authorization required",
    403: "access forbidden",
    413: "content too large",
    429: "too many requests",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
}


@dataclass
class Received:
    """One request as the fake saw it. `payload` is None when the body was not valid JSON."""

    method: str
    path: str
    headers: dict[str, str]
    payload: Any
    status: int
    timestamp: float
    message_id: str | None = None
    accepted: bool = False  # 200 (sandbox) or 202, or a stall/drop that got past validation
    delivered: bool = False  # accepted and not sandbox: recipients will get (or got) the mail
    outcome: str = "rejected"  # accepted | sandbox | suppressed | rejected | fault | stalled | dropped
    errors: list[dict] = field(default_factory=list)


@dataclass
class _Fault:
    kind: str  # "status" | "stall" | "drop"
    status: int = 0
    seconds: float = 0.0
    reset_in: float = 1.0
    limit: int = 600
    body: Any = None
    headers: dict[str, str] | None = None
    delivered: bool = False


def _err(message: str, field_: str | None = None, help_: str | None = None) -> dict:
    return {"message": message, "field": field_, "help": help_}


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {int: "integer", float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "null")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_headers(headers: Any, where: str, errors: list[dict]) -> None:
    if headers is None:
        return
    if not isinstance(headers, dict):
        errors.append(_err(f"Invalid type. Expected: object, given: {_type_name(headers)}.", where))
        return
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            errors.append(
                _err(
                    f"The header {name} is reserved and may not be used.",
                    f"{where}.{name}",
                    f"{HELP}#message.headers",
                )
            )
        if not isinstance(value, str):
            errors.append(
                _err(
                    f"Invalid type. Expected: string, given: {_type_name(value)}.",
                    f"{where}.{name}",
                    f"{HELP}#message.headers",
                )
            )


def _check_custom_args(args: Any, where: str, errors: list[dict]) -> dict:
    if args is None:
        return {}
    if not isinstance(args, dict):
        errors.append(_err(f"Invalid type. Expected: object, given: {_type_name(args)}.", where))
        return {}
    for name, value in args.items():
        if not isinstance(value, str):
            errors.append(
                _err(
                    f"Invalid type. Expected: string, given: {_type_name(value)}.",
                    f"{where}.{name}",
                    f"{HELP}#message.custom_args",
                )
            )
    return args


def _check_substitutions(subs: Any, where: str, errors: list[dict]) -> None:
    if subs is None:
        return
    if not isinstance(subs, dict):
        errors.append(_err(f"Invalid type. Expected: object, given: {_type_name(subs)}.", where))
        return
    for name, value in subs.items():
        if not isinstance(value, str):
            errors.append(
                _err(
                    f"Invalid type. Expected: string, given: {_type_name(value)}.",
                    f"{where}.{name}",
                    f"{HELP}#message.personalizations.substitutions",
                )
            )
    if len(json.dumps(subs, ensure_ascii=False).encode()) > MAX_SUBSTITUTIONS_BYTES:
        errors.append(
            _err(
                f"The substitutions for a personalization may not exceed {MAX_SUBSTITUTIONS_BYTES} bytes.",
                where,
                f"{HELP}#message.personalizations.substitutions",
            )
        )


@dataclass
class Rendered:
    """One recipient's message as SendGrid would send it (see the module docstring)."""

    to: str
    subject: str
    headers: dict[str, str]
    text: str
    html: str


def asm_url(group: int, email: str, tag: str) -> str:
    """The per-recipient URL the fake puts where an unsubscribe-group tag stood."""
    kind = tag.strip("<%>").removesuffix("_raw_url").removesuffix("_url")
    return f"https://u.sendgrid.fake/{kind}/{group}/{hashlib.sha256(email.lower().encode()).hexdigest()[:16]}"


def render(payload: dict) -> list[Rendered]:
    """Each personalization of a valid Mail Send body as the message its recipient gets."""
    asm = payload.get("asm") or {}
    group = asm.get("group_id") if isinstance(asm, dict) else None
    contents = {c["type"]: c["value"] for c in payload.get("content") or []}
    out = []
    for p in payload["personalizations"]:
        subs = p.get("substitutions") or {}
        for to in p["to"]:
            email = to["email"]

            def fill(value: str, *, headers: bool = False, subs=subs, email=email) -> str:
                if not headers:
                    for key, sub in subs.items():
                        value = value.replace(key, sub)
                if group is not None:
                    for tag in ASM_TAGS:
                        value = value.replace(tag, asm_url(group, email, tag))
                return value

            headers = {**(payload.get("headers") or {}), **(p.get("headers") or {})}
            out.append(
                Rendered(
                    to=email,
                    subject=fill(p.get("subject") or payload.get("subject") or ""),
                    headers={k: fill(v, headers=True) for k, v in headers.items()},
                    text=fill(contents.get("text/plain", "")),
                    html=fill(contents.get("text/html", "")),
                )
            )
    return out


def validate_mail(payload: Any) -> list[dict]:
    """Return every error the real API would report for this Mail Send body ([] = valid)."""
    if not isinstance(payload, dict):
        return [_err("Invalid type. Expected: object.", None)]
    errors: list[dict] = []
    top_args = _check_custom_args(payload.get("custom_args"), "custom_args", errors)
    _check_headers(payload.get("headers"), "headers", errors)
    for key in ("send_at",):
        if key in payload and not _is_int(payload[key]):
            errors.append(_err("Invalid type. Expected: integer.", key, f"{HELP}#message.send_at"))

    pers = payload.get("personalizations")
    if not isinstance(pers, list) or not pers:
        errors.append(_err(MSG_PERSONALIZATIONS, "personalizations", PERS_HELP))
        pers = []
    elif len(pers) > MAX_PERSONALIZATIONS:
        errors.append(_err(MSG_TOO_MANY_PERS, "personalizations", PERS_HELP))
    seen: set[str] = set()
    duplicates: list[str] = []
    recipients = 0
    all_have_subject = bool(pers)
    for i, p in enumerate(pers):
        where = f"personalizations.{i}"
        if not isinstance(p, dict):
            errors.append(_err("Invalid type. Expected: object.", where))
            all_have_subject = False
            continue
        if not (isinstance(p.get("subject"), str) and p["subject"]):
            all_have_subject = False
        if not (isinstance(p.get("to"), list) and p["to"]):
            errors.append(_err(MSG_TO, f"{where}.to", f"{HELP}#message.personalizations.to"))
        for kind in ("to", "cc", "bcc"):
            addresses = p.get(kind) or []
            if not isinstance(addresses, list):
                errors.append(_err("Invalid type. Expected: array.", f"{where}.{kind}"))
                continue
            for j, entry in enumerate(addresses):
                recipients += 1
                email = entry.get("email") if isinstance(entry, dict) else None
                if not isinstance(email, str) or not EMAIL_RE.match(email):
                    errors.append(
                        _err(
                            "Does not contain a valid address.",
                            f"{where}.{kind}.{j}.email",
                            f"{HELP}#message.personalizations.{kind}",
                        )
                    )
                    continue
                folded = email.lower()
                if folded in seen:
                    duplicates.append(email)
                seen.add(folded)
        _check_headers(p.get("headers"), f"{where}.headers", errors)
        _check_substitutions(p.get("substitutions"), f"{where}.substitutions", errors)
        args = _check_custom_args(p.get("custom_args"), f"{where}.custom_args", errors)
        merged = {**top_args, **args}
        if merged and len(json.dumps(merged, ensure_ascii=False).encode()) > MAX_CUSTOM_ARGS_BYTES:
            errors.append(
                _err(
                    f"The custom_args for a personalization may not exceed {MAX_CUSTOM_ARGS_BYTES} bytes.",
                    f"{where}.custom_args",
                    f"{HELP}#message.custom_args",
                )
            )
        if "send_at" in p and not _is_int(p["send_at"]):
            errors.append(_err("Invalid type. Expected: integer.", f"{where}.send_at"))
    if recipients > MAX_RECIPIENTS:
        errors.append(_err(MSG_RECIPIENTS, "personalizations", PERS_HELP))
    if duplicates:
        errors.append(_err(MSG_DUPLICATE.format(duplicates[0]), "personalizations", PERS_HELP))

    sender = payload.get("from")
    email = sender.get("email") if isinstance(sender, dict) else None
    if not isinstance(email, str) or not email:
        errors.append(_err(MSG_FROM, "from.email", f"{HELP}#message.from"))
    elif not email.isascii() or not EMAIL_RE.match(email):
        errors.append(_err("The from email does not contain a valid address.", "from.email", f"{HELP}#message.from"))

    subject = payload.get("subject")
    if not (isinstance(subject, str) and subject) and not all_have_subject:
        errors.append(_err(MSG_SUBJECT, "subject", f"{HELP}#message.subject"))

    _check_content(payload.get("content"), errors)
    _check_categories(payload.get("categories"), errors)
    _check_asm(payload.get("asm"), errors)
    enable = _sandbox_flag(payload)
    if enable is not None and not isinstance(enable, bool):
        errors.append(
            _err(
                f"Invalid type. Expected: boolean, given: {_type_name(enable)}.",
                "mail_settings.sandbox_mode.enable",
            )
        )
    return errors


def _sandbox_flag(payload: dict) -> Any:
    """`mail_settings.sandbox_mode.enable`, or None when absent or not reachable."""
    settings = payload.get("mail_settings")
    sandbox = settings.get("sandbox_mode") if isinstance(settings, dict) else None
    return sandbox.get("enable") if isinstance(sandbox, dict) else None


def _check_content(content: Any, errors: list[dict]) -> None:
    if not isinstance(content, list) or not content:
        errors.append(_err(MSG_CONTENT, "content", f"{HELP}#message.content"))
        return
    types = []
    for i, block in enumerate(content):
        ctype = block.get("type") if isinstance(block, dict) else None
        value = block.get("value") if isinstance(block, dict) else None
        if not isinstance(ctype, str) or not ctype:
            errors.append(_err("The content type is required.", f"content.{i}.type"))
            continue
        if not isinstance(value, str) or not value:
            errors.append(
                _err(
                    "The content value must be a string at least one character in length.",
                    f"content.{i}.value",
                    f"{HELP}#message.content.value",
                )
            )
        if ctype.lower() in types:
            errors.append(_err(f"The content type {ctype} may only be used once.", f"content.{i}.type"))
        types.append(ctype.lower())
    expected = [t for t in ("text/plain", "text/html") if t in types]
    if types[: len(expected)] != expected:
        errors.append(_err(MSG_CONTENT_ORDER, "content", f"{HELP}#message.content"))


def _check_categories(categories: Any, errors: list[dict]) -> None:
    if categories is None:
        return
    if not isinstance(categories, list):
        errors.append(_err("Invalid type. Expected: array.", "categories"))
        return
    if len(categories) > MAX_CATEGORIES:
        errors.append(
            _err(
                f"Too many categories. You may only include {MAX_CATEGORIES} categories per request.",
                "categories",
                f"{HELP}#message.categories",
            )
        )
    if len({c for c in categories if isinstance(c, str)}) != len(categories):
        errors.append(_err("The categories must be unique strings.", "categories"))
    for i, cat in enumerate(categories):
        if isinstance(cat, str) and (not cat.isascii() or len(cat) > 255):
            errors.append(
                _err(
                    "A category must be an ASCII string of at most 255 characters.",
                    f"categories.{i}",
                    f"{HELP}#message.categories",
                )
            )


def _check_asm(asm: Any, errors: list[dict]) -> None:
    if asm is None:
        return
    if not isinstance(asm, dict) or not _is_int(asm.get("group_id")):
        given = _type_name(asm.get("group_id")) if isinstance(asm, dict) else _type_name(asm)
        errors.append(
            _err(
                f"Invalid type. Expected: integer, given: {given}.",
                "asm.group_id",
                f"{HELP}#message.asm.group_id",
            )
        )
    groups = asm.get("groups_to_display") if isinstance(asm, dict) else None
    if groups is None:
        return
    if not isinstance(groups, list) or not all(_is_int(g) for g in groups):
        errors.append(_err("Invalid type. Expected: array of integers.", "asm.groups_to_display"))
    elif len(groups) > MAX_GROUPS_TO_DISPLAY:
        errors.append(
            _err(
                f"The asm.groups_to_display may have at most {MAX_GROUPS_TO_DISPLAY} groups.",
                "asm.groups_to_display",
                f"{HELP}#message.asm.groups_to_display",
            )
        )


class FakeSendGrid:
    """Threaded loopback server; see the module docstring. Thread-safe recording and fault queue."""

    def __init__(
        self,
        api_key: str = "SG.test",
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        latency: float = 0.0,
        clock=time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        groups: set[int] | None = None,
    ):
        self.api_key = api_key
        self.max_body_bytes = max_body_bytes
        self.latency = latency
        self.clock = clock
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._requests: list[Received] = []
        self._faults: deque[_Fault] = deque()
        self.suppressions: dict[int, list[str]] = {}  # ASM group id -> unsubscribed addresses
        # ASM groups that exist (None: every id does). Like the real API, suppressions POSTed to
        # another group are not refused: they land on the account's global suppression list.
        self.groups = groups
        self.global_suppressions: list[str] = []
        # what GET /v3/scopes answers for the key (paperbot doctor checks mail.send and the ASM scope)
        self.scopes: list[str] = ["mail.send", "asm.groups.read", "asm.groups.suppressions.create"]
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeSendGrid:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer((self._host, self._port), handler)
        self._server.daemon_threads = True
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="FakeSendGrid", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled handlers so they finish quickly
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakeSendGrid:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- recording -------------------------------------------------------------------------------
    @property
    def requests(self) -> list[Received]:
        """Every request received, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def accepted(self) -> list[Received]:
        """Requests the fake accepted (202, sandbox 200, or a stall/drop that passed validation)."""
        return [r for r in self.requests if r.accepted]

    def delivered_addresses(self) -> list[str]:
        """`to` addresses of every delivered (accepted, non-sandbox) message, in order."""
        return [
            to["email"] for r in self.requests if r.delivered for p in r.payload["personalizations"] for to in p["to"]
        ]

    def rendered(self) -> list[Rendered]:
        """Every delivered recipient's message, substitutions and unsubscribe-group tags filled in."""
        return [m for r in self.requests if r.delivered for m in render(r.payload)]

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._faults.clear()

    # -- faults ----------------------------------------------------------------------------------
    def fail_next(
        self,
        status: int = 500,
        *,
        reset_in: float = 1.0,
        limit: int = 600,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests with `status` without accepting them.

        429 carries X-RateLimit-Limit/Remaining: 0/Reset (Unix epoch seconds, now + reset_in).
        `body` (dict or bytes) and `headers` override the realistic defaults."""
        for _ in range(times):
            self._add(_Fault("status", status=status, reset_in=reset_in, limit=limit, body=body, headers=headers))

    def stall_next(self, seconds: float) -> None:
        """Process the next request normally (a valid one is delivered), then wait `seconds`
        before answering: a client with a shorter timeout gives up AFTER delivery (uncertain)."""
        self._add(_Fault("stall", seconds=seconds))

    def drop_next(self, *, delivered: bool = False) -> None:
        """Read the next request, then close the connection without answering. With
        `delivered=True` a valid request is delivered first (the reply was lost)."""
        self._add(_Fault("drop", delivered=delivered))

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _record(self, rec: Received) -> None:
        with self._lock:
            self._requests.append(rec)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSendGrid  # set on the per-server subclass
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format, *args):  # keep stderr quiet (benchmarks)
        pass

    def do_GET(self):
        """``GET /v3/asm/groups/{id}/suppressions``: the group's unsubscribed addresses;
        ``GET /v3/scopes``: the key's scopes (``fake.scopes``)."""
        fake = self.fake
        if self.path.split("?", 1)[0].rstrip("/") == "/v3/scopes":
            if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                return self._reply(401, {"errors": [_err("authorization required")]})
            return self._reply(200, {"scopes": list(fake.scopes)})
        m = re.fullmatch(r"/v3/asm/groups/(\d+)/suppressions/?", self.path.split("?", 1)[0])
        if not m:
            return self._reply(405, {"errors": [_err("method not allowed")]})
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            return self._reply(401, {"errors": [_err("authorization required")]})
        with fake._lock:
            emails = list(fake.suppressions.get(int(m.group(1)), []))
        return self._reply(200, emails)

    def do_POST(self):
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = dict(self.headers.items())
        rec = Received("POST", self.path, headers, None, 0, fake.clock())
        if fake.latency:
            fake._stopping.wait(fake.latency)
        fault = fake._next_fault()
        if fault and fault.kind in ("status", "drop"):
            rec.payload = _json_or_none(body)  # recorded even when not processed (docstring of Received)
        if fault and fault.kind == "status":
            rec.outcome, rec.status = "fault", fault.status
            fake._record(rec)
            return self._reply(*self._fault_reply(fault))
        if fault and fault.kind == "drop" and not fault.delivered:
            rec.outcome = "dropped"
            fake._record(rec)
            self.close_connection = True
            return None
        status, reply, extra = self._process(body, rec)
        fake._record(rec)
        if fault and fault.kind == "drop":
            rec.outcome = "dropped"
            self.close_connection = True
            return None
        if fault and fault.kind == "stall":
            rec.outcome = "stalled" if rec.accepted else rec.outcome
            fake._stopping.wait(fault.seconds)
        return self._reply(status, reply, extra)

    def _process(self, body: bytes, rec: Received) -> tuple[int, Any, dict]:
        """Validate one Mail Send request; fills `rec` and returns (status, body, headers)."""
        fake = self.fake
        path = self.path.split("?", 1)[0].rstrip("/")
        m = re.fullmatch(r"/v3/asm/groups/(\d+)/suppressions", path)
        if m:
            return self._add_suppressions(int(m.group(1)), body, rec)
        if path != "/v3/mail/send":
            rec.status = 404
            return 404, {"errors": [_err("resource not found")]}, {}
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            rec.status = 401
            return 401, {"errors": [_err("authorization required")]}, {}
        if len(body) >= fake.max_body_bytes:
            rec.status = 413
            return 413, {"errors": [{"message": "content too large"}]}, {}
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            rec.status = 415
            return 415, {"errors": [_err("invalid UTF-8 in request body")]}, {}
        try:
            rec.payload = json.loads(text)
        except ValueError:
            rec.status = 400
            return 400, {"errors": [_err("Bad Request")]}, {}
        rec.errors = validate_mail(rec.payload)
        if rec.errors:
            rec.status = 400
            return 400, {"errors": rec.errors}, {}
        rec.accepted, rec.message_id = True, secrets.token_urlsafe(16)
        if _sandbox_flag(rec.payload) is True:
            rec.status, rec.outcome = 200, "sandbox"
            return 200, None, {}
        rec.status, rec.outcome, rec.delivered = 202, "accepted", True
        return 202, None, {"X-Message-Id": rec.message_id}

    def _add_suppressions(self, group: int, body: bytes, rec: Received) -> tuple[int, Any, dict]:
        """``POST /v3/asm/groups/{id}/suppressions`` with ``{"recipient_emails": [...]}``: 201, the
        addresses echoed. An unknown group (when `groups` is set) goes to the global list, as upstream."""
        fake = self.fake
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            rec.status = 401
            return 401, {"errors": [_err("authorization required")]}, {}
        rec.payload = _json_or_none(body)
        emails = rec.payload.get("recipient_emails") if isinstance(rec.payload, dict) else None
        if not isinstance(rec.payload, dict):
            rec.errors = [_err("request body must be a JSON object", None)]
        elif not isinstance(emails, list) or not emails:
            rec.errors = [_err("recipient_emails is required and must be a non-empty array", "recipient_emails")]
        else:
            rec.errors = [
                _err("must be a valid email address", f"recipient_emails.{i}")
                for i, e in enumerate(emails)
                if not isinstance(e, str) or not EMAIL_RE.match(e)
            ]
        if rec.errors:
            rec.status = 400
            return 400, {"errors": rec.errors}, {}
        with fake._lock:
            target = (
                fake.suppressions.setdefault(group, [])
                if fake.groups is None or group in fake.groups
                else fake.global_suppressions
            )
            target.extend(e for e in emails if e.lower() not in {t.lower() for t in target})
        rec.status, rec.outcome = 201, "suppressed"
        return 201, {"recipient_emails": emails}, {}

    def _fault_reply(self, fault: _Fault) -> tuple[int, Any, dict]:
        status = fault.status
        headers = dict(fault.headers or {})
        if fault.body is not None:
            body = fault.body
        elif status == 429:
            body = {"errors": [{"field": None, "message": "too many requests"}]}
        elif status in (413, 500):
            body = {"errors": [{"message": DEFAULT_FAULT_MESSAGES[status]}]}
        else:
            body = {"errors": [_err(DEFAULT_FAULT_MESSAGES.get(status, "error"))]}
        if status == 429:
            headers.setdefault("X-RateLimit-Limit", str(fault.limit))
            headers.setdefault("X-RateLimit-Remaining", "0")
            headers.setdefault("X-RateLimit-Reset", str(int(self.fake.clock() + fault.reset_in)))
        return status, body, headers

    def _reply(self, status: int, body: Any, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body else b""
        try:
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): expected in stall tests

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
