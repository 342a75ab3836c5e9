"""The RFC 8058 one-click unsubscribe endpoint (bot/unsubscribe.py) over real HTTP on 127.0.0.1.

The WSGI app runs in a threaded wsgiref server on an ephemeral port (wrapped in
``wsgiref.validate`` so every response is checked against the WSGI spec), against a temporary
project; SendGrid is tests/fakes/sendgrid_server.FakeSendGrid. Nothing is mocked.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.validate import validator

import pytest
from click.testing import CliRunner
from conftest import Project

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `tests.fakes` must import however pytest was started
    sys.path.insert(0, str(ROOT))

from bot.cli import cli  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.errors import ConfigError  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.unsubscribe import BadRequest, NotFound, TokenRule, build, make_server, mask_email  # noqa: E402
from tests.fakes.sendgrid_server import FakeSendGrid  # noqa: E402

KEY = "SG.unsubscribe-test.Secr3tKey"
GROUP = 777
PATH_URL = "https://lab.example/u/{token}"
QUERY_URL = "https://lab.example/unsubscribe?token={token}"
ONE_CLICK = b"List-Unsubscribe=One-Click"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PEOPLE = ("ada@lab.example", "grace@lab.example", "hopper@lab.example")


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def sg():
    with FakeSendGrid(api_key=KEY) as fake:
        yield fake


def configure(project: Project, url: str | None = PATH_URL, *, sg: FakeSendGrid | None = None, **extra: Any) -> None:
    """[channels.email] with this unsubscribe_url (None: left out) and, given a fake, its api_host."""
    settings: dict[str, Any] = {"from": "news@lab.example", "unsubscribe_url": url, "request_timeout": 2, **extra}
    if sg is not None:
        settings["api_host"] = sg.url
    lines = [f"{k} = {json.dumps(v)}" for k, v in settings.items() if v is not None]
    project.extra = '[group]\nname = "MCML"\n\n[channels.email]\n' + "\n".join(lines) + "\n"


def subscribe(project: Project, *emails: str) -> dict[str, str]:
    """Add subscribers through the CLI; returns {email: token} read from the store."""
    for e in emails:
        code, _, err = project.run("subscribers", "add", e)
        assert code == 0, err
    return tokens(project)


def tokens(project: Project) -> dict[str, str]:
    with closing(sqlite3.connect(project.db)) as db:
        return dict(db.execute("SELECT email, token FROM subscribers"))


def rows(project: Project) -> dict[str, tuple[str, str | None, str]]:
    """{email: (status, unsubscribed_at, updated_at)} straight from the store."""
    with closing(sqlite3.connect(project.db)) as db:
        return {
            r[0]: (r[1], r[2], r[3])
            for r in db.execute("SELECT email, status, unsubscribed_at, updated_at FROM subscribers")
        }


def listed(project: Project, *flags: str) -> dict[str, str]:
    code, out, err = project.run("subscribers", "list", "--json", *flags)
    assert code == 0, err
    return {r["email"]: r["status"] for r in json.loads(out)}


@contextmanager
def serving(project: Project, env: dict[str, str] | None = None) -> Iterator[str]:
    """The unsubscribe app for the project's config on 127.0.0.1:<any free port>; yields its base URL."""
    project.write_config()
    app, _ = build(load_config(project.config), env or {}, clock=project.clock)
    server = make_server(validator(app), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status, self.headers, self.text = status, headers, body.decode("utf-8")


def call(base: str, target: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> Reply:
    """One request to ``base`` + ``target`` (a path with an optional query) with http.client."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def link(url: str, token: str) -> str:
    """The path and query of the link paperbot puts in the e-mail for this token."""
    parts = urlsplit(url.replace("{token}", token))
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- the endpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PATH_URL, QUERY_URL], ids=["path-token", "query-token"])
def test_one_click_post_unsubscribes_once_and_stays_idempotent(project, url):
    configure(project, url)
    toks = subscribe(project, "ada@lab.example", "grace@lab.example")
    with serving(project) as base:
        reply = call(base, link(url, toks["ada@lab.example"]), "POST", ONE_CLICK, FORM)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Unsubscribed" in reply.text and "MCML paper digest" in reply.text
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
        first = rows(project)["ada@lab.example"]

        project.clock.advance(hours=1)  # a repeat (the user clicks twice, the client retries) changes nothing
        again = call(base, link(url, toks["ada@lab.example"]), "POST", ONE_CLICK, FORM)
        assert (again.status, again.text) == (200, reply.text)

    assert first[0] == "unsubscribed" and first[1] == "2024-12-05T09:00:00.000000+00:00"
    assert rows(project)["ada@lab.example"] == first
    assert listed(project) == {"grace@lab.example": "active"}
    assert listed(project, "--all") == {"ada@lab.example": "unsubscribed", "grace@lab.example": "active"}
    code, out, _ = project.run("subscribers", "list", "--all")
    assert "ada@lab.example\t\tunsubscribed" in out.splitlines()


@pytest.mark.parametrize("url", [PATH_URL, QUERY_URL], ids=["path-token", "query-token"])
def test_get_shows_a_button_and_never_unsubscribes(project, url):
    configure(project, url)
    toks = subscribe(project, *PEOPLE)
    token = toks["ada@lab.example"]
    with serving(project) as base:
        page = call(base, link(url, token))
        head = call(base, link(url, token), "HEAD")
        before = rows(project)
        # the form posts to the same URL (no action attribute), with the one-click field
        assert page.status == 200 and '<form method="post">' in page.text
        assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page.text
        assert "<button" in page.text and "action=" not in page.text
        assert token not in page.text and "ada@" not in page.text
        assert head.status == 200 and head.text == "" and int(head.headers["Content-Length"]) == len(page.text)
        assert set(listed(project).values()) == {"active"}

        # pressing the button sends the form body; a client may also POST nothing at all
        assert call(base, link(url, token), "POST", ONE_CLICK, FORM).status == 200
        assert call(base, link(url, toks["grace@lab.example"]), "POST", b"").status == 200
    assert listed(project) == {"hopper@lab.example": "active"}
    assert before["ada@lab.example"][0] == "active"


def test_multipart_one_click_as_in_rfc_8058(project):
    configure(project)
    token = subscribe(project, "ada@lab.example")["ada@lab.example"]
    body = (
        b"--FormBoundaryjWmhtjORrn\r\n"
        b'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n"
        b"--FormBoundaryjWmhtjORrn--\r\n"
    )
    wrong = body.replace(b"One-Click", b"Two-Clicks")
    ctype = {"Content-Type": "multipart/form-data; boundary=FormBoundaryjWmhtjORrn"}
    with serving(project) as base:
        assert call(base, link(PATH_URL, token), "POST", wrong, ctype).status == 400
        assert listed(project) == {"ada@lab.example": "active"}
        assert call(base, link(PATH_URL, token), "POST", body, ctype).status == 200
    assert listed(project) == {}


@pytest.mark.parametrize("url", [PATH_URL, QUERY_URL], ids=["path-token", "query-token"])
def test_an_unknown_token_gets_the_same_answer_and_changes_nothing(project, url):
    configure(project, url)
    toks = subscribe(project, "ada@lab.example", "grace@lab.example")
    with serving(project) as base:
        before = rows(project)
        unknown = call(base, link(url, "x" * 32), "POST", ONE_CLICK, FORM)
        assert rows(project) == before
        known = call(base, link(url, toks["ada@lab.example"]), "POST", ONE_CLICK, FORM)
    assert unknown.status == known.status == 200
    assert unknown.text == known.text  # nobody learns whether a token exists
    assert listed(project) == {"grace@lab.example": "active"}


def test_concurrent_clicks_are_safe(project):
    """The threaded server opens a store connection per request: parallel POSTs all land, once."""
    from concurrent.futures import ThreadPoolExecutor

    configure(project)
    emails = [f"reader{i:02d}@lab.example" for i in range(24)]
    path = project.write("people.csv", "email\n" + "\n".join(emails) + "\n")
    assert project.run("subscribers", "import", str(path))[0] == 0
    targets = [link(PATH_URL, t) for t in tokens(project).values()] * 2  # every link clicked twice
    with serving(project) as base, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda t: call(base, t, "POST", ONE_CLICK, FORM).status, targets))
    assert statuses == [200] * len(targets)
    assert listed(project, "--all") == dict.fromkeys(emails, "unsubscribed")


def test_other_paths_404_other_methods_405_malformed_400(project):
    configure(project)
    token = subscribe(project, "ada@lab.example")["ada@lab.example"]
    good = link(PATH_URL, token)
    with serving(project) as base:
        for target in ("/", "/u", "/u/", f"/x/{token}", f"/u/{token}/more", f"/unsubscribe?token={token}"):
            assert call(base, target).status == 404, target
            assert call(base, target, "POST", ONE_CLICK, FORM).status == 404, target
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            reply = call(base, good, method, ONE_CLICK, FORM)
            assert reply.status == 405, method
            assert reply.headers["Allow"] == "GET, HEAD, POST"
        malformed = [
            ("/u/not%20a%20token", b"", {}),  # a token never has spaces
            ("/u/" + "a" * 300, b"", {}),  # nor 300 characters
            (good, b"List-Unsubscribe=Unsubscribe-Everyone", FORM),
            (good, "List-Unsubscribe=One-Click&é=1".encode(), FORM),  # not a form body
            (good, b'{"List-Unsubscribe": "One-Click"}', {"Content-Type": "application/json"}),
            (good, b"junk", {"Content-Type": "multipart/form-data"}),  # no boundary
        ]
        for target, body, headers in malformed:
            assert call(base, target, "POST", body, headers).status == 400, (target, body)
        assert call(base, good, "POST", b"x" * 70_000, FORM).status == 413
        assert listed(project) == {"ada@lab.example": "active"}  # none of that unsubscribed anyone
        assert call(base, good, "POST", ONE_CLICK + b"&extra=ignored\n", FORM).status == 200
    assert listed(project) == {}


def test_query_style_needs_exactly_one_token(project):
    configure(project, "https://lab.example/unsubscribe?list=digest&token={token}")
    token = subscribe(project, "ada@lab.example")["ada@lab.example"]
    with serving(project) as base:
        assert call(base, "/unsubscribe", "POST", ONE_CLICK, FORM).status == 400
        assert call(base, "/unsubscribe?token=", "POST", ONE_CLICK, FORM).status == 400
        assert call(base, f"/unsubscribe?token={token}&token=other", "POST", ONE_CLICK, FORM).status == 400
        assert call(base, f"/elsewhere?token={token}", "POST", ONE_CLICK, FORM).status == 404
        assert listed(project) == {"ada@lab.example": "active"}
        # the other parameters of the configured URL do not matter, nor their order
        assert call(base, f"/unsubscribe?token={token}&list=digest", "POST", ONE_CLICK, FORM).status == 200
    assert listed(project) == {}


def test_a_mounted_app_matches_script_name_plus_path_info(project):
    """Behind another WSGI server the app may be mounted under a prefix (SCRIPT_NAME)."""
    configure(project, "https://lab.example/lab/u/{token}")
    token = subscribe(project, "ada@lab.example")["ada@lab.example"]
    project.write_config()
    app, _ = build(load_config(project.config), {}, clock=project.clock)
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def environ(script: str, path: str) -> dict:
        import io

        return {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": script,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": str(len(ONE_CLICK)),
            "CONTENT_TYPE": FORM["Content-Type"],
            "wsgi.input": io.BytesIO(ONE_CLICK),
        }

    app(environ("/lab", f"/x/{token}"), start_response)
    app(environ("/lab", f"/u/{token}"), start_response)
    assert statuses == ["404 Not Found", "200 OK"]
    assert listed(project) == {}


# --- mirroring into SendGrid's ASM group ---------------------------------------------------


def test_one_click_is_mirrored_into_the_asm_group(project, sg):
    configure(project, sg=sg, asm_group_id=GROUP)
    token = subscribe(project, "Ada@Lab.Example", "grace@lab.example")["ada@lab.example"]
    with serving(project, {"SENDGRID_API_KEY": KEY}) as base:
        assert call(base, link(PATH_URL, token), "POST", ONE_CLICK, FORM).status == 200
        # an unknown token calls nobody
        assert call(base, link(PATH_URL, "y" * 32), "POST", ONE_CLICK, FORM).status == 200
    assert sg.suppressions == {GROUP: ["ada@lab.example"]}
    [req] = sg.requests
    assert (req.method, req.path, req.status, req.outcome) == (
        "POST",
        f"/v3/asm/groups/{GROUP}/suppressions",
        201,
        "suppressed",
    )
    assert req.payload == {"recipient_emails": ["ada@lab.example"]}
    assert req.headers["Authorization"] == f"Bearer {KEY}"
    assert listed(project) == {"grace@lab.example": "active"}


@pytest.mark.parametrize(
    "fault",
    ["server-error", "wrong-key", "unreachable", "no-key", "smtp"],
)
def test_a_sendgrid_failure_still_unsubscribes_locally(project, sg, fault, caplog):
    env = {"SENDGRID_API_KEY": KEY}
    if fault == "unreachable":
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            dead = s.getsockname()[1]
        configure(project, asm_group_id=GROUP, api_host=f"http://127.0.0.1:{dead}")
    else:
        configure(
            project, sg=sg, asm_group_id=GROUP, **({"provider": "smtp", "smtp_host": "x"} if fault == "smtp" else {})
        )
    if fault == "server-error":
        sg.fail_next(500)
    if fault == "wrong-key":
        env = {"SENDGRID_API_KEY": "SG.wrong"}
    if fault == "no-key":
        env = {}
    token = subscribe(project, "ada@lab.example")["ada@lab.example"]
    caplog.set_level(logging.INFO, logger="paperbot")
    with serving(project, env) as base:
        reply = call(base, link(PATH_URL, token), "POST", ONE_CLICK, FORM)
    assert reply.status == 200 and "Unsubscribed" in reply.text
    assert listed(project, "--all") == {"ada@lab.example": "unsubscribed"}
    assert sg.suppressions == {}
    if fault in ("server-error", "wrong-key", "unreachable"):
        warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warning) == 1 and "a***@lab.example not mirrored into the ASM group" in warning[0], warning
    if fault in ("no-key", "smtp"):
        assert sg.requests == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and "ada@lab.example" not in logged and KEY not in logged


def test_subscribers_remove_mirrors_into_the_asm_group(project, sg):
    configure(project, sg=sg, asm_group_id=GROUP)
    subscribe(project, *PEOPLE)
    env = {"SENDGRID_API_KEY": KEY}

    code, out, err = project.run("subscribers", "remove", "ADA@lab.example", "grace@lab.example", env=env)
    assert code == 0, err
    assert out.splitlines() == ["2 address(es) unsubscribed", f"also suppressed in the SendGrid ASM group {GROUP}"]
    assert sg.suppressions == {GROUP: ["ada@lab.example", "grace@lab.example"]}
    assert listed(project) == {"hopper@lab.example": "active"}

    # SendGrid down: the local unsubscribe holds, a warning, the exit code is unchanged
    sg.fail_next(503)
    code, out, err = project.run("subscribers", "remove", "hopper@lab.example", env=env)
    assert code == 0 and out.strip() == "1 address(es) unsubscribed"
    assert f"warning: not mirrored into the SendGrid ASM group {GROUP}: SendGrid refused the suppression (503)" in err
    assert "hopper@lab.example" not in err and KEY not in err + out
    assert listed(project) == {}

    # no key: said so, nothing sent
    subscribe(project, "new@lab.example")
    before = len(sg.requests)
    code, out, err = project.run("subscribers", "remove", "new@lab.example")
    assert code == 0 and "SENDGRID_API_KEY is not set" in err
    assert len(sg.requests) == before


def test_subscribers_remove_without_a_group_calls_nobody(project, sg):
    configure(project, sg=sg)
    subscribe(project, "ada@lab.example")
    code, out, err = project.run("subscribers", "remove", "ada@lab.example", env={"SENDGRID_API_KEY": KEY})
    assert (code, out.strip(), err) == (0, "1 address(es) unsubscribed", "")
    assert sg.requests == []


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "unsubscribe_url is not set"),
        ("https://lab.example/unsubscribe", "unsubscribe_url has no {token}"),
        ("https://lab.example/u/{token}?again={token}", "has more than one {token}"),
        ("https://{token}.lab.example/", "must be a whole path segment or a whole query value"),
        ("https://lab.example/u/x{token}", "must be a whole path segment"),
        ("https://lab.example/u?t=x{token}", "must be a whole path segment or a whole query value"),
        ("/u/{token}", "must be an absolute http(s) URL"),
    ],
)
def test_the_command_refuses_a_config_without_a_usable_token(project, url, message):
    configure(project, url)
    code, out, err = project.run("unsubscribe-server", "--port", "0")
    assert code == 2, out + err
    assert err.startswith("error: [channels.email] unsubscribe_url") and message in err
    assert "Traceback" not in err and out == ""


def test_the_command_without_an_email_channel_exits_2(project):
    code, out, err = project.run("unsubscribe-server")
    assert code == 2 and "unsubscribe_url is not set" in err


def test_the_command_serves_until_stopped_and_never_prints_token_address_or_key(project, sg):
    configure(project, sg=sg, asm_group_id=GROUP)
    toks = subscribe(project, "ada@lab.example", "grace@lab.example")
    project.write_config()
    ready: list[Any] = []
    started = threading.Event()
    result: dict[str, Any] = {}

    def on_serving(server):
        ready.append(server)
        started.set()

    def run():
        result["r"] = CliRunner().invoke(
            cli,
            ["--config", str(project.config), "unsubscribe-server", "--host", "127.0.0.1", "--port", "0"],
            obj={"env": {"SENDGRID_API_KEY": KEY}, "clock": project.clock, "on_serving": on_serving},
        )
        started.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "the server did not start"
    assert ready, result["r"].output
    server = ready[0]
    base = f"http://127.0.0.1:{server.server_port}"
    ada, grace = link(PATH_URL, toks["ada@lab.example"]), link(PATH_URL, toks["grace@lab.example"])
    try:
        assert call(base, ada).status == 200
        assert call(base, ada, "POST", ONE_CLICK, FORM).status == 200
        sg.fail_next(500)
        assert call(base, grace, "POST", ONE_CLICK, FORM).status == 200  # mirror fails: logged, masked
        assert call(base, f"/wrong/{toks['ada@lab.example']}").status == 404
        assert call(base, ada + "/x").status == 404
        assert call(base, ada, "PUT").status == 405
        assert call(base, ada, "POST", b"List-Unsubscribe=No", FORM).status == 400
    finally:
        server.shutdown()
        thread.join(10)
    r = result["r"]
    assert r.exception is None and r.exit_code == 0, r.output
    output = r.stdout + r.stderr
    assert f"on http://127.0.0.1:{server.server_port}" in r.stderr and "stopped" in r.stderr
    assert "POST /u/*** 200" in r.stderr and "a***@lab.example unsubscribed" in r.stderr
    assert "g***@lab.example not mirrored into the ASM group" in r.stderr
    for secret in (*toks.values(), *toks.keys(), KEY):
        assert secret not in output, secret
    assert listed(project, "--all") == {"ada@lab.example": "unsubscribed", "grace@lab.example": "unsubscribed"}
    assert sg.suppressions == {GROUP: ["ada@lab.example"]}


def test_the_command_reports_a_port_in_use(project):
    configure(project)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        code, out, err = project.run("unsubscribe-server", "--port", str(s.getsockname()[1]))
    assert code == 2 and "cannot listen on 127.0.0.1:" in err and "Traceback" not in err


# --- units: the token rule, the store method, masking, the fake ---------------------------


@pytest.mark.parametrize(
    ("url", "path", "query", "token"),
    [
        (PATH_URL, "/u/abc-DEF_123", "", "abc-DEF_123"),
        ("https://lab.example/u/{token}/confirm", "/u/abc/confirm", "", "abc"),
        ("https://lab.example/{token}", "/abc", "x=1", "abc"),
        (QUERY_URL, "/unsubscribe", "token=abc&utm=x", "abc"),
        ("https://lab.example?t={token}", "/", "t=abc", "abc"),
        ("https://lab.example/%7Euser/u/{token}", "/~user/u/abc", "", "abc"),
    ],
)
def test_token_rule_reads_the_token_where_the_url_puts_it(url, path, query, token):
    assert TokenRule.from_url(url).token(path, query) == token


@pytest.mark.parametrize(
    ("url", "path", "query", "error"),
    [
        (PATH_URL, "/u/", "", NotFound),
        (PATH_URL, "/u/a/b", "", NotFound),
        (PATH_URL, "/v/abc", "", NotFound),
        ("https://lab.example/u/{token}/confirm", "/u/abc", "", NotFound),
        (PATH_URL, "/u/a b", "", BadRequest),
        (QUERY_URL, "/unsubscribe/", "token=abc", NotFound),
        (QUERY_URL, "/unsubscribe", "", BadRequest),
        (QUERY_URL, "/unsubscribe", "token=a%00b", BadRequest),
    ],
)
def test_token_rule_refuses(url, path, query, error):
    with pytest.raises(error):
        TokenRule.from_url(url).token(path, query)


def test_token_rule_refuses_a_url_without_a_place_for_the_token():
    for url in (None, "", "https://lab.example/u#{token}", "https://lab.example/u/{token}{token}"):
        with pytest.raises(ConfigError, match="unsubscribe_url"):
            TokenRule.from_url(url)


def test_store_unsubscribe_token(tmp_path, clock):
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.add_subscriber("Ada@Lab.Example")
        token = next(store.subscribers())["token"]
        assert store.unsubscribe_token("nope") is None
        assert store.unsubscribe_token(token) == "ada@lab.example"
        first = next(store.subscribers(active_only=False))["unsubscribed_at"]
        clock.advance(days=1)
        assert store.unsubscribe_token(token) == "ada@lab.example"  # idempotent
        row = next(store.subscribers(active_only=False))
        assert (row["status"], row["unsubscribed_at"]) == ("unsubscribed", first)
        assert store.add_subscriber("ada@lab.example") == "reactivated"  # same token, can unsubscribe again
        assert store.unsubscribe_token(token) == "ada@lab.example" and not store.has_subscribers()


def test_mask_email():
    assert mask_email("ada@example.org") == "a***@example.org"
    assert mask_email("x@y.z") == "x***@y.z"
    assert mask_email("garbage") == "***"


def test_the_fake_validates_suppression_posts_like_the_api(sg):
    def post(body: Any, key: str | None = KEY, group: int = GROUP) -> tuple[int, Any]:
        parts = urlsplit(sg.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
        conn.request("POST", f"/v3/asm/groups/{group}/suppressions", body=json.dumps(body), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, json.loads(data) if data else None

    assert post({"recipient_emails": ["a@x.org"]}, key=None)[0] == 401
    assert post({"recipient_emails": ["a@x.org"]}, key="SG.other")[0] == 401
    for bad in (["a@x.org"], {}, {"recipient_emails": []}, {"recipient_emails": "a@x.org"}, {"recipient_emails": [1]}):
        status, reply = post(bad)
        assert status == 400 and reply["errors"], bad
    assert post({"recipient_emails": ["a@x.org", "b@x.org"]}) == (201, {"recipient_emails": ["a@x.org", "b@x.org"]})
    assert post({"recipient_emails": ["A@x.org"]})[0] == 201
    assert sg.suppressions == {GROUP: ["a@x.org", "b@x.org"]}  # once each, as the GET shows
    sg.groups = {GROUP}
    assert post({"recipient_emails": ["c@x.org"]}, group=GROUP + 1)[0] == 201  # upstream: to the global list
    assert sg.global_suppressions == ["c@x.org"] and GROUP + 1 not in sg.suppressions
