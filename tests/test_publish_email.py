"""The e-mail digest end to end: `paperbot publish --channel email` against real servers on 127.0.0.1.

SendGrid is tests/fakes/sendgrid_server.FakeSendGrid (it validates every Mail Send body the way
the real API does, platform-rules.md §2), SMTP is an aiosmtpd server. Nothing is mocked: the CLI
runs in-process with the real sendgrid/python-http-client/smtplib stack; only `sleep` is injected
(it records the waits instead of sleeping) and, for crash tests, the channel is wrapped so that the
process "dies" at a chosen point.
"""

from __future__ import annotations

import csv
import email
import email.policy
import html
import json
import socket
import sqlite3
import sys
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_cli_foundation import PAPERS

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `tests.fakes` must import however pytest was started
    sys.path.insert(0, str(ROOT))

from bot.channels.email import SendGridChannel  # noqa: E402
from bot.cli import cli  # noqa: E402
from bot.config import load_config  # noqa: E402
from tests.fakes.sendgrid_server import FakeSendGrid  # noqa: E402

KEY = "SG.test-key.Secr3tValue"
GROUP = 4242
UNSUB = "https://lab.example/unsubscribe?token={token}"
PLACEHOLDER = "%unsubscribe_url%"
PLACEHOLDER_HTML = "%unsubscribe_url_html%"
NEW_TITLE = "Autoregressive Policy Optimization for Constrained Allocation Tasks"


# --- helpers --------------------------------------------------------------------------------


class Sleeps:
    """An injected `sleep` that records the waits instead of sleeping (truthy even when empty)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class SimulatedCrash(BaseException):
    """The process dies (kill -9, power cut): nothing after this point runs."""


@pytest.fixture
def sg(clock):
    # The fake computes X-RateLimit-Reset from the same (frozen) clock the bot runs on.
    with FakeSendGrid(api_key=KEY, clock=lambda: clock().timestamp()) as fake:
        yield fake


def configure(project, api_host: str | None, **overrides: Any) -> None:
    """Write [channels.email]; a value of None leaves the key out."""
    settings: dict[str, Any] = {
        "from": "news@lab.example",
        "from_name": "Paper Digest",
        "api_host": api_host,
        "asm_group_id": GROUP,
        "unsubscribe_url": UNSUB,
        "request_timeout": 2,
        **overrides,
    }
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in settings.items() if v is not None]
    project.extra = "[channels.email]\n" + "\n".join(lines) + "\n"


def run(project, *args: str, env: dict[str, str] | None = None, sleep=None, factory=None) -> tuple[int, str, str]:
    """Like project.run, but with an injected sleep (and optionally channel factory)."""
    project.write_config()
    obj: dict[str, Any] = {
        "env": {"SENDGRID_API_KEY": KEY} if env is None else env,
        "clock": project.clock,
        "sleep": sleep if sleep is not None else Sleeps(),
    }
    if factory is not None:
        obj["channel_factory"] = factory
    result = CliRunner().invoke(cli, ["--config", str(project.config), *args], obj=obj, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def publish(project, **kw: Any) -> tuple[int, str, str]:
    return run(project, "publish", "--channel", "email", **kw)


def addresses(n: int) -> list[str]:
    return [f"reader{i:04d}@lab.example" for i in range(n)]


def setup_lab(project, api_host: str | None, n: int = 3, **cfg: Any) -> list[str]:
    """A lab file with two accepted papers, checked, and n subscribers imported from CSV."""
    project.source("papers.yaml", PAPERS)
    configure(project, api_host, **cfg)
    code, _, err = run(project, "check")
    assert code == 0, err
    emails = addresses(n)
    path = project.root / "subscribers.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["email", "name"])
        w.writerows([e, f"Reader {i}"] for i, e in enumerate(emails))
    code, out, err = run(project, "subscribers", "import", str(path))
    assert code == 0, err
    assert out.startswith(f"{n} added"), out
    return emails


def tokens(project) -> dict[str, str]:
    with closing(sqlite3.connect(project.db)) as db:
        return dict(db.execute("SELECT email, token FROM subscribers"))


def batches(project) -> list[dict[str, Any]]:
    code, out, err = run(project, "outbox", "list", "--json")
    assert code == 0, err
    return [r for r in json.loads(out) if r["kind"] == "email_batch"]


def posts(fake: FakeSendGrid) -> list:
    return [r for r in fake.requests if r.method == "POST"]


def recipients(req) -> list[str]:
    return [to["email"] for p in req.payload["personalizations"] for to in p["to"]]


def link(token: str) -> str:
    return UNSUB.replace("{token}", token)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- 1. batching, payload, exactly once -----------------------------------------------------


def test_digest_to_2500_subscribers_goes_out_in_three_valid_batches_once(project, sg):
    emails = setup_lab(project, sg.url, n=2500)
    code, out, err = publish(project)
    assert code == 0, out + err

    reqs = posts(sg)
    assert [len(r.payload["personalizations"]) for r in reqs] == [1000, 1000, 500]
    assert [r.status for r in reqs] == [202, 202, 202] and all(not r.errors for r in reqs)
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in reqs)
    delivered = sg.delivered_addresses()
    assert len(delivered) == 2500 and sorted(delivered) == sorted(emails)

    known = tokens(project)
    seen_tokens = set()
    for r in reqs:
        body = r.payload
        assert body["headers"] == {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        assert body["asm"]["group_id"] == GROUP and type(body["asm"]["group_id"]) is int
        assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
        assert PLACEHOLDER in body["content"][0]["value"] and PLACEHOLDER_HTML in body["content"][1]["value"]
        assert body["from"] == {"email": "news@lab.example", "name": "Paper Digest"}
        assert "Targeted Sequential Indirect Experiment Design" in body["content"][1]["value"]
        for p in body["personalizations"]:
            assert set(p) <= {"to", "headers", "substitutions", "custom_args"}  # no cc/bcc
            assert len(p["to"]) == 1  # nobody sees another address
            addr = p["to"][0]["email"]
            assert p["to"][0]["name"] == f"Reader {emails.index(addr)}"
            token = known[addr]
            assert p["headers"] == {"List-Unsubscribe": f"<{link(token)}>"}
            assert p["substitutions"] == {PLACEHOLDER: link(token), PLACEHOLDER_HTML: html.escape(link(token))}
            assert p["custom_args"] and all(isinstance(v, str) for v in p["custom_args"].values())
            seen_tokens.add(token)
    assert len(seen_tokens) == 2500

    rows = batches(project)
    assert [(r["state"], r["recipients"]) for r in rows] == [("sent", 1000), ("sent", 1000), ("sent", 500)]
    assert all(r["remote_id"] for r in rows)  # X-Message-Id recorded

    # Nothing new: nothing sent.
    code, out, err = publish(project)
    assert code == 0, out + err
    assert len(posts(sg)) == 3

    # A paper accepted later: a second digest with only that paper.
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    code, _, err = run(project, "check")
    assert code == 0, err
    code, out, err = publish(project)
    assert code == 0, out + err
    second = posts(sg)[3:]
    assert [len(r.payload["personalizations"]) for r in second] == [1000, 1000, 500]
    body_html = second[0].payload["content"][1]["value"]
    text = second[0].payload["content"][0]["value"]
    assert NEW_TITLE in body_html and "Autoregressive Policy Optimization" in text
    for old in ("Targeted Sequential Indirect Experiment Design", "Variational Low-Rank Adaptation"):
        assert old not in body_html and old not in text
    digests = {p["custom_args"]["paperbot_digest"] for r in posts(sg) for p in r.payload["personalizations"][:1]}
    assert len(digests) == 2
    assert sorted(sg.delivered_addresses()) == sorted(emails * 2)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"categories": [f"cat{i}" for i in range(11)]}, "at most 10 categories"),
        ({"categories": ["a", "a"]}, "each once"),
        ({"categories": ["Künstliche Intelligenz"]}, "ASCII"),
        ({"from": "nöws@lab.example"}, "plain ASCII e-mail address"),
    ],
)
def test_values_sendgrid_would_refuse_are_config_errors(project, sg, setting, message):
    """Caught when the config loads, not as a 400 on every batch at send time."""
    project.source("papers.yaml", PAPERS)
    configure(project, sg.url, **setting)
    code, out, err = publish(project)
    assert code == 2 and message in err and "channels.email" in err and not posts(sg)


def test_run_checks_and_mails_the_digest(project, sg):
    emails = setup_lab(project, sg.url, n=2)
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    code, out, err = run(project, "run", "--json")
    assert code == 0, out + err
    data = json.loads(out)
    assert data["check"]["new"] == 1 and data["channels"]["email"]["sent"] == 1
    (req,) = posts(sg)
    assert NEW_TITLE in req.payload["content"][1]["value"] and recipients(req) == emails
    code, out, err = run(project, "run", "--json")
    assert code == 0 and json.loads(out)["sent"] == 0 and len(posts(sg)) == 1


# --- 2. de-duplication ----------------------------------------------------------------------


def test_addresses_are_deduplicated_case_insensitively(project, sg):
    project.source("papers.yaml", PAPERS)
    configure(project, sg.url)
    assert run(project, "check")[0] == 0
    code, out, _ = run(project, "subscribers", "add", "A@x.org")
    assert code == 0 and out.strip() == "A@x.org: added"
    code, out, _ = run(project, "subscribers", "add", "a@x.org")
    assert code == 0 and out.strip() == "a@x.org: exists"
    csv_path = project.write("more.csv", "email,name\nB@Y.org,Bea\nb@y.ORG,Bea again\na@X.org,\n")
    code, out, err = run(project, "subscribers", "import", str(csv_path))
    assert "1 added" in out, out + err
    code, out, err = publish(project)
    assert code == 0, out + err
    (req,) = posts(sg)
    assert req.status == 202
    assert sorted(sg.delivered_addresses()) == ["a@x.org", "b@y.org"]


# --- 3. ASM suppressions --------------------------------------------------------------------


def test_asm_group_unsubscribes_are_synced_before_sending(project, sg):
    emails = setup_lab(project, sg.url, n=4)
    sg.suppressions[GROUP] = [emails[1].upper(), "stranger@elsewhere.example"]
    sg.suppressions[GROUP + 1] = [emails[2]]  # another group: irrelevant
    code, out, err = publish(project)
    assert code == 0, out + err
    assert sorted(sg.delivered_addresses()) == sorted([emails[0], emails[2], emails[3]])
    code, out, _ = run(project, "subscribers", "list", "--all", "--json")
    status = {r["email"]: r["status"] for r in json.loads(out)}
    assert status[emails[1]] == "unsubscribed" and status[emails[2]] == "active"
    assert "stranger@elsewhere.example" not in status


# --- 4. rate limit --------------------------------------------------------------------------


def test_429_waits_until_the_reset_and_sends_the_batch_once(project, sg):
    emails = setup_lab(project, sg.url, n=3, batch_size=2)
    sg.fail_next(429, reset_in=30)
    sleeps = Sleeps()
    code, out, err = publish(project, sleep=sleeps)
    assert code == 0, out + err
    assert sleeps.calls == [pytest.approx(30, abs=1)]
    assert [r.status for r in posts(sg)] == [429, 202, 202]
    assert recipients(posts(sg)[0]) == recipients(posts(sg)[1]) == emails[:2]
    assert sorted(sg.delivered_addresses()) == sorted(emails)
    assert [r["state"] for r in batches(project)] == ["sent", "sent"]


def test_a_rate_limit_reset_far_ahead_ends_the_run_and_the_next_run_sends(project, sg):
    emails = setup_lab(project, sg.url, n=2)
    sg.fail_next(429, reset_in=3600)
    sleeps = Sleeps()
    code, out, err = publish(project, sleep=sleeps)
    assert sleeps.calls == []  # never sleeps for an hour inside a cron job
    assert "rate limited until 2024-12-05T10:00:00+00:00" in out and "waiting 1" in out
    assert batches(project)[0]["state"] == "pending" and sg.delivered_addresses() == []
    project.clock.advance(hours=1)
    code, out, err = publish(project)
    assert code == 0, out + err
    assert sg.delivered_addresses() == emails


# --- 5. server errors -----------------------------------------------------------------------


def test_500_makes_the_batch_uncertain_and_holds_it(project, sg):
    setup_lab(project, sg.url, n=3)
    sg.fail_next(500)
    sleeps = Sleeps()
    code, out, err = publish(project, sleep=sleeps)
    assert code == 1
    assert "uncertain 1" in out and "500" in out
    assert len(posts(sg)) == 1 and sg.delivered_addresses() == [] and sleeps.calls == []
    (row,) = batches(project)
    code, out, _ = run(project, "outbox", "list", "--state", "uncertain")
    assert code == 0 and out.startswith(row["key"] + "\temail\tuncertain\t3 recipient(s)")
    # the next run does not resend it on its own
    code, out, err = publish(project)
    assert len(posts(sg)) == 1
    assert batches(project)[0]["state"] == "uncertain"


def test_outbox_retry_sends_an_uncertain_batch_again(project, sg):
    emails = setup_lab(project, sg.url, n=3)
    sg.fail_next(500)
    assert publish(project)[0] == 1
    (row,) = batches(project)
    code, out, err = run(project, "outbox", "retry", row["key"])
    assert code == 0 and "pending again" in out, err
    code, out, err = publish(project)
    assert code == 0, out + err
    assert [r.status for r in posts(sg)] == [500, 202]
    assert sorted(sg.delivered_addresses()) == sorted(emails)
    assert batches(project)[0]["state"] == "sent"


def test_500_is_retried_under_the_resend_policy(project, sg):
    emails = setup_lab(project, sg.url, n=3, uncertain_policy="resend")
    sg.fail_next(500)
    sleeps = Sleeps()
    code, out, err = publish(project, sleep=sleeps)
    assert code == 0, out + err
    assert [r.status for r in posts(sg)] == [500, 202]
    assert len(sleeps.calls) == 1 and 0 < sleeps.calls[0] <= 2  # one backoff
    assert sorted(sg.delivered_addresses()) == sorted(emails)


# --- 6. timeout after delivery --------------------------------------------------------------


def test_a_stall_past_the_timeout_is_uncertain_and_not_resent(project, sg):
    emails = setup_lab(project, sg.url, n=3, request_timeout=0.3)
    sg.stall_next(5)
    code, out, err = publish(project)
    assert code == 1
    assert "uncertain 1" in out
    assert len(posts(sg)) == 1 and sorted(sg.delivered_addresses()) == sorted(emails)
    assert batches(project)[0]["state"] == "uncertain"
    publish(project)
    assert len(posts(sg)) == 1  # delivered exactly once


def test_a_dropped_connection_is_uncertain(project, sg):
    emails = setup_lab(project, sg.url, n=2)
    sg.drop_next(delivered=True)
    code, out, err = publish(project)
    assert code == 1 and "uncertain 1" in out
    assert sg.delivered_addresses() == emails
    publish(project)
    assert len(posts(sg)) == 1


class _Garbled(BaseHTTPRequestHandler):
    """Answers the suppression GET properly, then a POST with something that is not HTTP."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.wfile.write(b"SPAM SPAM SPAM\r\n\r\n")
        self.close_connection = True


def test_a_garbled_reply_is_uncertain_not_a_crash(project):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbled)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        setup_lab(project, f"http://127.0.0.1:{server.server_address[1]}", n=2)
        code, out, err = publish(project)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1 and "uncertain 1" in out
    assert batches(project)[0]["state"] == "uncertain"


# --- 7. connection refused ------------------------------------------------------------------


def test_connection_refused_leaves_the_batch_pending_for_the_next_run(project, sg):
    emails = setup_lab(project, f"http://127.0.0.1:{closed_port()}", n=3)
    sleeps = Sleeps()
    first_code, first_out, _ = publish(project, sleep=sleeps)
    assert "cannot connect" in first_out and "waiting 1" in first_out
    assert sg.requests == []
    assert len(sleeps.calls) == 3  # max_attempts = 4: three backoffs, no real waiting
    (row,) = batches(project)
    assert row["state"] == "pending" and row["attempts"] == 4
    configure(project, sg.url)
    code, out, err = publish(project)
    assert code == 0, out + err
    assert sorted(sg.delivered_addresses()) == sorted(emails)
    (after,) = batches(project)
    assert after["key"] == row["key"] and after["state"] == "sent" and after["attempts"] == 5
    # A run that could not deliver anything must not look like success to cron.
    assert first_code == 1, first_out


# --- 8. credentials and configuration -------------------------------------------------------


def test_a_wrong_key_stops_the_channel_without_showing_the_key(project, sg):
    emails = setup_lab(project, sg.url, n=2)
    wrong = "SG.wrong-key.AbCdEfGhIjKlMnOp"
    code, out, err = publish(project, env={"SENDGRID_API_KEY": wrong})
    assert code == 1
    assert "stopped: SendGrid refused the API key (401)" in out
    assert wrong not in out + err and "AbCdEfGhIjKlMnOp" not in out + err
    assert [r.status for r in posts(sg)] == [401] and sg.delivered_addresses() == []
    assert batches(project)[0]["state"] == "pending"
    # with the right key the same batch goes out
    code, out, err = publish(project)
    assert code == 0, out + err
    assert sg.delivered_addresses() == emails


def test_missing_api_key_exits_2(project, sg):
    setup_lab(project, sg.url, n=1)
    code, out, err = publish(project, env={})
    assert code == 2
    assert "SENDGRID_API_KEY is not set" in err and "Traceback" not in err
    assert sg.requests == []


@pytest.mark.parametrize(
    ("url", "group"), [(None, None), ("https://lab.example/unsubscribe", None), ("https://lab.example/u", GROUP)]
)
def test_missing_or_tokenless_unsubscribe_url_exits_2(project, sg, url, group):
    """Without an ASM group an unsubscribe_url is required; a tokenless one is wrong even with a group."""
    setup_lab(project, sg.url, n=1, unsubscribe_url=url, asm_group_id=group)
    code, out, err = publish(project)
    assert code == 2
    assert "[channels.email] unsubscribe_url must be set and contain {token}" in err
    assert ("asm_group_id" in err) == (url is None)  # the alternative is named where it applies
    assert sg.requests == []


# --- 9. rejected payload --------------------------------------------------------------------


def test_400_marks_the_batch_failed_and_reports_the_field(project, sg):
    setup_lab(project, sg.url, n=3, batch_size=2)
    field = "from.email"
    sg.fail_next(
        400,
        body={
            "errors": [
                {"message": "The from address does not match a verified Sender Identity", "field": field, "help": None}
            ]
        },
    )
    sleeps = Sleeps()
    code, out, err = publish(project, sleep=sleeps)
    assert code == 1
    assert "failed 1" in out and "(400)" in out and field in out
    assert [r.status for r in posts(sg)] == [400] and sleeps.calls == []  # no retry
    code, out, _ = run(project, "outbox", "list", "--state", "failed", "--json")
    assert [r["recipients"] for r in json.loads(out)] == [2]


# --- 10. crash safety -----------------------------------------------------------------------


class CrashingChannel:
    """The real SendGrid channel; the process dies at the given send, before or after the request."""

    name = "email"

    def __init__(self, project, crash_at: int, *, after_request: bool) -> None:
        self.real = SendGridChannel(load_config(project.config).channels.email, KEY)
        self.crash_at, self.after_request, self.calls = crash_at, after_request, 0

    def suppressed(self) -> list[str] | None:
        return self.real.suppressed()

    def send_batch(self, digest, recipients, *, batch_key, delivered=None):
        self.calls += 1
        if self.calls == self.crash_at and not self.after_request:
            raise SimulatedCrash
        outcome = self.real.send_batch(digest, recipients, batch_key=batch_key, delivered=delivered)
        if self.calls == self.crash_at:
            raise SimulatedCrash
        return outcome


def crash_run(project, *, after_request: bool) -> None:
    project.write_config()
    channel = CrashingChannel(project, 2, after_request=after_request)
    with pytest.raises(SimulatedCrash):
        run(project, "publish", "--channel", "email", factory=lambda name: channel)
    assert [r["state"] for r in batches(project)] == ["sent", "sending"]


def test_crash_under_hold_makes_the_interrupted_batch_uncertain(project, sg):
    emails = setup_lab(project, sg.url, n=5, batch_size=2)
    crash_run(project, after_request=True)  # batch 2 was delivered, but never recorded
    assert sorted(sg.delivered_addresses()) == sorted(emails[:4])
    code, out, err = publish(project)
    assert code == 1 and "uncertain (interrupted)" in out
    assert [r["state"] for r in batches(project)] == ["sent", "uncertain", "sent"]
    assert [recipients(r) for r in posts(sg)] == [emails[:2], emails[2:4], emails[4:]]
    assert sorted(sg.delivered_addresses()) == sorted(emails)  # each exactly once


def test_crash_under_resend_sends_only_the_unfinished_batches(project, sg):
    emails = setup_lab(project, sg.url, n=5, batch_size=2, uncertain_policy="resend")
    crash_run(project, after_request=False)  # batch 1 sent; died while claiming batch 2
    assert sg.delivered_addresses() == emails[:2]
    code, out, err = publish(project)
    assert code == 0, out + err
    assert [recipients(r) for r in posts(sg)] == [emails[:2], emails[2:4], emails[4:]]
    assert [r["state"] for r in batches(project)] == ["sent", "sent", "sent"]
    assert sorted(sg.delivered_addresses()) == sorted(emails)
    publish(project)
    assert len(posts(sg)) == 3  # batches already sent are never resent


def test_crash_after_delivery_under_resend_sends_the_batch_again(project, sg):
    emails = setup_lab(project, sg.url, n=3, batch_size=2, uncertain_policy="resend")
    crash_run(project, after_request=True)  # batch 2 delivered, unrecorded: resend accepts a duplicate
    code, out, err = publish(project)
    assert code == 0, out + err
    assert [recipients(r) for r in posts(sg)] == [emails[:2], emails[2:], emails[2:]]
    assert [r["state"] for r in batches(project)] == ["sent", "sent"]


# --- 11. SMTP -------------------------------------------------------------------------------


class Collector:
    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=closed_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def smtp_settings(controller) -> dict[str, Any]:
    return {
        "provider": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": controller.port,
        "smtp_security": "none",
        "asm_group_id": None,
    }


LONG_UNSUB = "https://www.informatik.uni-muenchen.example/lehrstuehle/newsletter/papers/unsubscribe?token={token}"


def test_smtp_sends_one_message_per_recipient_with_its_own_unsubscribe_link(project, smtp):
    emails = setup_lab(project, None, n=3, unsubscribe_url=LONG_UNSUB, **smtp_settings(smtp))
    code, out, err = publish(project, env={})
    assert code == 0, out + err
    envelopes = smtp.handler.envelopes
    assert len(envelopes) == 3 and sorted(rcpt[0] for _, rcpt, _ in envelopes) == sorted(emails)
    known = tokens(project)
    for mail_from, rcpt, content in envelopes:
        assert mail_from == "news@lab.example" and len(rcpt) == 1
        msg = email.message_from_bytes(content, policy=email.policy.default)
        (addr,) = rcpt
        assert [a.addr_spec for a in msg["To"].addresses] == [addr]
        assert "Cc" not in msg and "Bcc" not in msg
        url = LONG_UNSUB.replace("{token}", known[addr])
        # RFC 2369: an ASCII <URL>, not RFC 2047 encoded-words (which no client reads as a link)
        assert f"List-Unsubscribe: <{url}>".encode() in content
        assert msg["List-Unsubscribe"] == f"<{url}>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg.get_content_type() == "multipart/alternative"
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        for part in parts:
            body = part.get_content()
            assert PLACEHOLDER not in body and url in body
            for other, token in known.items():
                if other != addr:
                    assert token not in body and other not in body
    assert len(set(known.values())) == 3
    assert [r["state"] for r in batches(project)] == ["sent"]
    publish(project, env={})
    assert len(envelopes) == 3


def test_smtp_a_refused_recipient_does_not_stop_the_others(project, smtp, caplog):
    emails = setup_lab(project, None, n=3, **smtp_settings(smtp))
    smtp.handler.refuse = (emails[0],)
    code, out, err = publish(project, env={})
    assert code == 0, out + err
    assert sorted(rcpt[0] for _, rcpt, _ in smtp.handler.envelopes) == sorted(emails[1:])
    assert any(emails[0] in r.getMessage() and "550" in r.getMessage() for r in caplog.records)
    (row,) = batches(project)
    assert row["state"] == "sent" and row["remote_id"] == "smtp:2, 1 refused"
    publish(project, env={})
    assert len(smtp.handler.envelopes) == 2  # nobody mailed twice


def test_smtp_a_name_with_a_line_break_cannot_break_the_headers(project, smtp):
    project.source("papers.yaml", PAPERS)
    configure(project, None, **smtp_settings(smtp))
    assert run(project, "check")[0] == 0
    path = project.write("s.csv", 'email,name\nada@lab.example,"Ada\nBcc: eve@evil.example"\nbob@lab.example,Bob\n')
    assert run(project, "subscribers", "import", str(path))[0] == 0
    code, out, err = publish(project, env={})
    assert code == 0, out + err
    assert sorted(rcpt for _, rcpt, _ in smtp.handler.envelopes) == [["ada@lab.example"], ["bob@lab.example"]]
    for _, (addr,), content in smtp.handler.envelopes:
        msg = email.message_from_bytes(content, policy=email.policy.default)
        assert "Bcc" not in msg and [a.addr_spec for a in msg["To"].addresses] == [addr]
    ada = next(c for _, (a,), c in smtp.handler.envelopes if a == "ada@lab.example")
    assert b"To: Ada Bcc: eve@evil.example <ada@lab.example>" in ada or b'"Ada Bcc: eve@evil.example"' in ada


def test_a_digest_sendgrid_would_refuse_as_too_large_is_not_sent_and_stays_due(project, sg, monkeypatch):
    import bot.publish

    setup_lab(project, sg.url, n=3, batch_size=2)
    monkeypatch.setattr(bot.publish, "SENDGRID_MAX_BYTES", bot.publish.PERSONALIZATIONS_ALLOWANCE + 100)
    code, out, _ = publish(project)
    assert code == 1 and "failed 1" in out
    assert "SendGrid takes less than" in out and "excerpt_chars" in out and "stay due" in out
    assert posts(sg) == [] and batches(project) == []
    monkeypatch.undo()
    code, out, _ = publish(project)  # a digest that fits (here: the same one, limit restored) goes out
    assert code == 0 and len(posts(sg)) == 2


def test_a_413_fails_the_batch_with_a_hint_and_is_not_retried(project, sg):
    setup_lab(project, sg.url, n=3, batch_size=2)
    sg.fail_next(413)
    sleeps = Sleeps()
    code, out, _ = publish(project, sleep=sleeps)
    assert code == 1 and "(413)" in out and "excerpt_chars" in out
    assert [r.status for r in posts(sg)] == [413] and sleeps.calls == []


class SmtpCrashing:
    """The real SMTP channel; the process dies right after the n-th delivery is recorded."""

    name = "email"

    def __init__(self, project, controller, crash_after: int) -> None:
        from bot.channels.email import SmtpChannel

        self.real = SmtpChannel(load_config(project.config).channels.email, None)
        self.crash_after, self.done = crash_after, 0

    def suppressed(self) -> list[str] | None:
        return []

    def send_batch(self, digest, recipients, *, batch_key, delivered=None):
        def record(r, *refusal):
            delivered(r, *refusal)
            self.done += 1
            if self.done == self.crash_after:
                raise SimulatedCrash

        return self.real.send_batch(digest, recipients, batch_key=batch_key, delivered=record)


def smtp_crash(project, smtp, *, crash_after: int, **cfg: Any) -> list[str]:
    emails = setup_lab(project, None, n=4, batch_size=10, **smtp_settings(smtp), **cfg)
    channel = SmtpCrashing(project, smtp, crash_after)
    with pytest.raises(SimulatedCrash):
        run(project, "publish", "--channel", "email", env={}, factory=lambda name: channel)
    assert sorted(rcpt[0] for _, rcpt, _ in smtp.handler.envelopes) == sorted(emails[:crash_after])
    return emails


def test_smtp_crash_mid_batch_holds_it_and_retry_mails_only_the_rest(project, smtp):
    emails = smtp_crash(project, smtp, crash_after=2)
    code, out, _ = publish(project, env={})
    assert code == 1 and "uncertain (interrupted)" in out
    (batch,) = batches(project)
    assert batch["state"] == "uncertain" and "confirmed" in batch["error"] and batch["delivered_through"]
    assert run(project, "outbox", "retry", batch["key"], env={})[0] == 0
    code, out, err = publish(project, env={})
    assert code == 0, out + err
    mailed = [rcpt[0] for _, rcpt, _ in smtp.handler.envelopes]
    assert sorted(mailed) == sorted(emails) and len(mailed) == 4  # each recipient exactly once


def test_smtp_crash_mid_batch_under_resend_continues_after_the_last_confirmed(project, smtp):
    emails = smtp_crash(project, smtp, crash_after=3, uncertain_policy="resend")
    code, out, err = publish(project, env={})
    assert code == 0, out + err
    mailed = [rcpt[0] for _, rcpt, _ in smtp.handler.envelopes]
    assert sorted(mailed) == sorted(emails) and len(mailed) == 4
    assert [b["state"] for b in batches(project)] == ["sent"]
