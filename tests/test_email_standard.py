"""E-mail done the standard way (issue 10, items 10, 11 and 21), against real servers on 127.0.0.1.

SMTP messages are received by aiosmtpd and parsed with the ``email`` package; a scripted handler
answers 4xx/5xx per recipient at RCPT and at DATA, or drops the connection before or after the
end of DATA. SendGrid is tests/fakes/sendgrid_server.FakeSendGrid, whose ``rendered()`` shows each
recipient's message with substitutions and unsubscribe-group tags filled in.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import sqlite3
import sys
from contextlib import closing
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_cli_foundation import PAPERS

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.cli import cli  # noqa: E402
from tests.fakes.sendgrid_server import ASM_TAGS, FakeSendGrid, asm_url, validate_mail  # noqa: E402

KEY = "SG.test-key.Secr3tValue"
GROUP = 4242
UNSUB = "https://lab.example/u/{token}"
MAILTO = "unsubscribe@lab.example"
PLACEHOLDERS = ("%unsubscribe_url%", "%unsubscribe_url_html%", "<%asm_", "&lt;%asm_", "{token}")
EXAMPLE = "https://example.invalid/unsubscribe (example: each subscriber gets their own link)"


# --- helpers --------------------------------------------------------------------------------


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure(project, **overrides: Any) -> None:
    settings: dict[str, Any] = {
        "from": "news@lab.example",
        "from_name": "Paper Digest",
        "unsubscribe_url": UNSUB,
        "request_timeout": 5,
        **overrides,
    }
    lines = [f"{k} = {json.dumps(v)}" for k, v in settings.items() if v is not None]
    project.extra = "[channels.email]\n" + "\n".join(lines) + "\n"


def run(project, *args: str, env: dict[str, str] | None = None, sleep=None, factory=None) -> tuple[int, str, str]:
    project.write_config()
    obj: dict[str, Any] = {"env": env or {}, "clock": project.clock, "sleep": sleep or Sleeps()}
    if factory is not None:
        obj["channel_factory"] = factory
    result = CliRunner().invoke(cli, ["--config", str(project.config), *args], obj=obj, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def setup(project, n: int, **cfg: Any) -> list[str]:
    """Two accepted papers checked, n subscribers (ids in this order)."""
    project.source("papers.yaml", PAPERS)
    configure(project, **cfg)
    assert run(project, "check")[0] == 0
    emails = [f"reader{i}@lab.example" for i in range(n)]
    for e in emails:
        assert run(project, "subscribers", "add", e, "--name", f"Reader {e[6]}")[0] == 0
    return emails


def tokens(project) -> dict[str, str]:
    with closing(sqlite3.connect(project.db)) as db:
        return dict(db.execute("SELECT email, token FROM subscribers"))


def outbox(project) -> list[dict[str, Any]]:
    code, out, err = run(project, "outbox", "list", "--json")
    assert code == 0, err
    return [r for r in json.loads(out) if r["kind"] == "email_batch"]


class Scripted:
    """An aiosmtpd handler with scripted replies per address.

    ``rcpt`` / ``data``: address -> replies used one per transaction (then 250);
    ``rcpt_always``: address -> a reply for every transaction; ``drop_at_rcpt`` / ``drop_after_data``:
    addresses whose next transaction loses the connection at RCPT / after the end of DATA.
    """

    def __init__(self) -> None:
        self.rcpt: dict[str, list[str]] = {}
        self.rcpt_always: dict[str, str] = {}
        self.data: dict[str, list[str]] = {}
        self.drop_at_rcpt: set[str] = set()
        self.drop_after_data: set[str] = set()
        self.accepted: list[tuple[list[str], bytes]] = []  # 250 after DATA
        self.seen: list[tuple[list[str], bytes]] = []  # every complete DATA, accepted or not

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.drop_at_rcpt:
            self.drop_at_rcpt.discard(address)
            server.transport.abort()
            return "250 OK"
        if address in self.rcpt_always:
            return self.rcpt_always[address]
        if self.rcpt.get(address):
            return self.rcpt[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        (address,) = envelope.rcpt_tos
        self.seen.append((list(envelope.rcpt_tos), envelope.content))
        if address in self.drop_after_data:  # the message was received; the verdict never arrives
            self.drop_after_data.discard(address)
            server.transport.abort()
            return "250 OK"
        if self.data.get(address):
            return self.data[address].pop(0)
        self.accepted.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def mailed(self) -> list[str]:
        return [rcpt[0] for rcpt, _ in self.accepted]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    controller = Controller(Scripted(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def smtp_cfg(controller, **extra: Any) -> dict[str, Any]:
    return {
        "provider": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": controller.port,
        "smtp_security": "none",
        **extra,
    }


@pytest.fixture
def sg(clock):
    with FakeSendGrid(api_key=KEY, clock=lambda: clock().timestamp()) as fake:
        yield fake


# --- item 10: standard SMTP messages --------------------------------------------------------


def test_smtp_messages_carry_the_standard_headers_and_only_their_own_link(project, smtp):
    emails = setup(project, 3, unsubscribe_mailto=MAILTO, **smtp_cfg(smtp))
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    assert sorted(smtp.handler.mailed()) == sorted(emails)
    known = tokens(project)
    ids = set()
    for (addr,), raw in smtp.handler.accepted:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        url = UNSUB.replace("{token}", known[addr])
        # Date: the injected clock, RFC 5322 format
        assert msg["Date"] == format_datetime(project.clock()) and msg["Date"].datetime == project.clock()
        # Message-ID: on the sender's domain, one per recipient
        assert re.fullmatch(r"<[0-9a-f]{32}\.paperbot@lab\.example>", msg["Message-ID"])
        ids.add(msg["Message-ID"])
        assert msg["MIME-Version"] == "1.0" and len(msg.get_all("MIME-Version")) == 1
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert [a.addr_spec for a in msg["To"].addresses] == [addr] and "Cc" not in msg and "Bcc" not in msg
        assert msg["From"].addresses[0].addr_spec == "news@lab.example"
        # RFC 2369 + 8058: the https link first, the mailto after it; one-click POST
        assert msg["List-Unsubscribe"] == f"<{url}>, <mailto:{MAILTO}?subject=unsubscribe>"
        assert f"List-Unsubscribe: <{url}>, <mailto:{MAILTO}?subject=unsubscribe>".encode() in raw
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        for part in msg.iter_parts():
            body = part.get_content()
            assert url in body and not any(p in body for p in PLACEHOLDERS)
        # nobody else's address or token anywhere in the message
        text = raw.decode("ascii")
        for other, token in known.items():
            if other != addr:
                assert other not in text and token not in text
    assert len(ids) == 3


def test_the_message_id_of_a_recipient_is_the_same_when_the_message_is_sent_again(project, smtp):
    emails = setup(project, 2, **smtp_cfg(smtp))
    smtp.handler.data[emails[1]] = ["451 4.3.0 try again later"]
    assert run(project, "publish", "--channel", "email")[0] == 0
    project.clock.advance(hours=1)
    assert run(project, "publish", "--channel", "email")[0] == 0
    ids = [
        email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
        for (addr,), raw in smtp.handler.seen
        if addr == emails[1]
    ]
    assert len(ids) == 2 and ids[0] == ids[1]  # refused at DATA, then accepted: one Message-ID
    assert smtp.handler.mailed().count(emails[1]) == 1


# --- item 21: SMTP replies by class ---------------------------------------------------------


def test_smtp_replies_by_class_temporary_later_permanent_recorded_others_untouched(project, smtp):
    emails = setup(project, 5, **smtp_cfg(smtp))
    a, b, c, d, e = emails
    smtp.handler.rcpt[a] = ["450 4.2.1 mailbox busy, try later"]
    smtp.handler.rcpt_always[b] = "550 5.1.1 no such user"
    smtp.handler.data[c] = ["451 4.7.1 greylisted, come back later"]

    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    assert smtp.handler.mailed() == [d, e]  # every recipient was tried; one failure never stops the others
    assert "deferred" in out and "550" in out
    (batch,) = outbox(project)
    assert batch["state"] == "sent" and batch["remote_id"] == "smtp:2, 2 deferred, 1 refused"
    problems = {p["email"]: p for p in batch["recipient_problems"]}
    assert set(problems) == {a, b, c}
    assert (problems[a]["state"], problems[a]["code"]) == ("deferred", 450)
    assert (problems[b]["state"], problems[b]["code"]) == ("failed", 550)
    assert (problems[c]["state"], problems[c]["code"]) == ("deferred", 451)
    assert "greylisted" in problems[c]["error"] and "no such user" in problems[b]["error"]
    code, text, _ = run(project, "outbox", "list")
    assert f"{b}: refused for good: 550" in text and f"{a}: deferred (temporary refusal" in text
    code, status, _ = run(project, "status")
    assert "2 deferred by a temporary SMTP refusal" in status and "1 refused for good" in status

    # The same run never tries them again; the next run does, and only them.
    project.clock.advance(hours=1)
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    assert smtp.handler.mailed() == [d, e, a, c]
    (batch,) = outbox(project)
    assert batch["state"] == "sent" and [p["email"] for p in batch["recipient_problems"]] == [b]
    code, status, _ = run(project, "status")
    assert "deferred by a temporary" not in status or "0 deferred" in status

    # Nothing left: nobody is mailed twice, the 550 is not retried.
    project.clock.advance(hours=1)
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert sorted(smtp.handler.mailed()) == sorted([a, c, d, e])
    assert [rcpt[0] for rcpt, _ in smtp.handler.seen].count(c) == 2  # once refused at DATA, once accepted


def test_a_recipient_deferred_for_more_than_three_days_is_given_up(project, smtp):
    emails = setup(project, 2, **smtp_cfg(smtp))
    smtp.handler.rcpt_always[emails[0]] = "452 4.2.2 mailbox full"
    for hours in (0, 30, 30):  # tried at 0 h, 30 h, 60 h: still deferred
        project.clock.advance(hours=hours)
        assert run(project, "publish", "--channel", "email")[0] == 0
        (batch,) = outbox(project)
        assert [p["state"] for p in batch["recipient_problems"]] == ["deferred"]
    project.clock.advance(hours=13)  # 73 h after the first refusal
    assert run(project, "publish", "--channel", "email")[0] == 0
    (batch,) = outbox(project)
    (problem,) = batch["recipient_problems"]
    assert problem["state"] == "failed" and "3 days" in problem["error"] and problem["attempts"] == 4
    project.clock.advance(hours=1)
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert outbox(project)[0]["recipient_problems"][0]["attempts"] == 4  # not tried any more
    assert smtp.handler.mailed() == [emails[1]]


def test_an_unsubscribe_meanwhile_cancels_the_retry_of_a_deferred_recipient(project, smtp):
    emails = setup(project, 2, **smtp_cfg(smtp))
    smtp.handler.rcpt[emails[0]] = ["450 try later"]
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert run(project, "subscribers", "remove", emails[0])[0] == 0
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert smtp.handler.mailed() == [emails[1]]
    (batch,) = outbox(project)
    assert [p["state"] for p in batch["recipient_problems"]] == ["unsubscribed"]


class SimulatedCrash(BaseException):
    """The process dies right here."""


@pytest.mark.parametrize("policy", ["hold", "resend"])
def test_a_crash_while_deferred_recipients_are_retried_loses_nobody_and_repeats_nobody(project, smtp, policy):
    from bot.channels.email import SmtpChannel
    from bot.config import load_config

    emails = setup(project, 4, uncertain_policy=policy, **smtp_cfg(smtp))
    for e in emails[:3]:
        smtp.handler.rcpt[e] = ["450 try later"]
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert smtp.handler.mailed() == [emails[3]]

    class Crashing:  # the real channel; the process dies once the first retried recipient is recorded
        name = "email"

        def __init__(self) -> None:
            self.real = SmtpChannel(load_config(project.config).channels.email, None, clock=project.clock)

        def suppressed(self):
            return []

        def send_batch(self, digest, recipients, *, batch_key, delivered=None):
            def record(r, *refusal):
                delivered(r, *refusal)
                raise SimulatedCrash

            return self.real.send_batch(digest, recipients, batch_key=batch_key, delivered=record)

    with pytest.raises(SimulatedCrash):
        run(project, "publish", "--channel", "email", factory=lambda name: Crashing())
    assert smtp.handler.mailed() == [emails[3], emails[0]]
    code, out, err = run(project, "publish", "--channel", "email")
    if policy == "hold":
        assert code == 1 and "uncertain (interrupted)" in out
        (batch,) = outbox(project)
        assert batch["state"] == "uncertain"
        assert run(project, "outbox", "retry", batch["key"])[0] == 0
        code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    assert sorted(smtp.handler.mailed()) == sorted(emails)  # each exactly once
    (batch,) = outbox(project)
    assert batch["state"] == "sent" and batch["recipient_problems"] == []


def test_a_connection_lost_before_the_end_of_data_is_retried_and_nobody_gets_it_twice(project, smtp):
    emails = setup(project, 4, **smtp_cfg(smtp))
    smtp.handler.drop_at_rcpt.add(emails[2])
    sleeps = Sleeps()
    code, out, err = run(project, "publish", "--channel", "email", sleep=sleeps)
    assert code == 0, out + err
    assert smtp.handler.mailed() == emails and len(sleeps.calls) == 1  # one backoff, then the rest
    (batch,) = outbox(project)
    assert batch["state"] == "sent" and batch["recipient_problems"] == []


def test_only_a_connection_lost_after_the_end_of_data_makes_the_batch_uncertain(project, smtp):
    emails = setup(project, 4, **smtp_cfg(smtp))
    smtp.handler.drop_after_data.add(emails[1])
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 1 and "uncertain 1" in out
    assert "after the end of DATA" in out
    assert smtp.handler.mailed() == [emails[0]]  # the server got emails[1]'s message but never answered
    (batch,) = outbox(project)
    assert batch["state"] == "uncertain" and "may or may not" in batch["error"]
    assert run(project, "outbox", "retry", batch["key"])[0] == 0
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    assert smtp.handler.mailed() == [emails[0], emails[1], emails[2], emails[3]]  # resumed at the one in doubt


def test_a_failed_batch_retried_by_the_operator_tries_its_refused_recipients_again(project, smtp):
    emails = setup(project, 2, **smtp_cfg(smtp))
    for e in emails:
        smtp.handler.rcpt[e] = ["554 5.7.1 relay access denied"]
    code, out, _ = run(project, "publish", "--channel", "email")
    assert code == 1 and "every recipient refused" in out
    (batch,) = outbox(project)
    assert batch["state"] == "failed" and {p["state"] for p in batch["recipient_problems"]} == {"failed"}
    code, out, _ = run(project, "outbox", "retry", batch["key"])
    assert code == 0 and "refused recipients are tried again" in out
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    assert smtp.handler.mailed() == emails
    assert outbox(project)[0]["recipient_problems"] == []


def test_a_refused_sender_fails_the_batch_without_blaming_recipients(project, smtp):
    emails = setup(project, 2, **smtp_cfg(smtp))

    async def refuse_sender(server, session, envelope, address, mail_options):
        return "553 5.7.1 sender not allowed"

    smtp.handler.handle_MAIL = refuse_sender
    code, out, _ = run(project, "publish", "--channel", "email")
    assert code == 1 and "refused the sender news@lab.example" in out
    (batch,) = outbox(project)
    assert batch["state"] == "failed" and batch["recipient_problems"] == []
    del smtp.handler.handle_MAIL
    assert run(project, "outbox", "retry", batch["key"])[0] == 0
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert smtp.handler.mailed() == emails


# --- item 11: SendGrid's own unsubscribe link -----------------------------------------------


def test_sendgrid_with_an_asm_group_needs_no_unsubscribe_url(project, sg):
    emails = setup(project, 3, api_host=sg.url, asm_group_id=GROUP, unsubscribe_url=None)
    code, out, err = run(project, "publish", "--channel", "email", env={"SENDGRID_API_KEY": KEY})
    assert code == 0, out + err
    (req,) = [r for r in sg.requests if r.method == "POST"]
    body = req.payload
    assert req.status == 202 and validate_mail(body) == []
    assert body["asm"] == {"group_id": GROUP, "groups_to_display": [GROUP]}
    assert body["headers"] == {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    text, html_body = (c["value"] for c in body["content"])
    assert "<%asm_group_unsubscribe_raw_url%>" in text and "<%asm_group_unsubscribe_raw_url%>" in html_body
    assert 'href="<%asm_group_unsubscribe_raw_url%>"' in html_body  # not HTML-escaped: SendGrid must see it
    for p in body["personalizations"]:
        # the tag (brackets included) becomes the bare URL, so the header wraps it in <…> itself
        assert p["headers"] == {"List-Unsubscribe": "<<%asm_group_unsubscribe_raw_url%>>"}
        assert "substitutions" not in p
    raw = json.dumps(body)
    assert "%unsubscribe_url" not in raw and "{token}" not in raw
    assert not any(t in raw for t in tokens(project).values())  # no token of ours is needed
    # What each recipient gets: their own SendGrid link, no placeholder left.
    rendered = sg.rendered()
    assert sorted(m.to for m in rendered) == sorted(emails)
    for m in rendered:
        own = asm_url(GROUP, m.to, "<%asm_group_unsubscribe_raw_url%>")
        assert own in m.text and own in m.html and m.headers["List-Unsubscribe"] == f"<{own}>"
        for part in (m.text, m.html, *m.headers.values()):
            assert not any(p in part for p in PLACEHOLDERS)
        for other in emails:
            if other != m.to:
                assert asm_url(GROUP, other, "<%asm_group_unsubscribe_raw_url%>") not in m.text + m.html


def test_sendgrid_with_our_own_link_and_a_mailto(project, sg):
    setup(project, 2, api_host=sg.url, asm_group_id=GROUP, unsubscribe_mailto=MAILTO)
    assert run(project, "publish", "--channel", "email", env={"SENDGRID_API_KEY": KEY})[0] == 0
    known = tokens(project)
    for m in sg.rendered():
        url = UNSUB.replace("{token}", known[m.to])
        assert m.headers["List-Unsubscribe"] == f"<{url}>, <mailto:{MAILTO}?subject=unsubscribe>"
        assert url in m.text and "<%asm" not in m.text + m.html


@pytest.mark.parametrize(
    ("cfg", "needle"),
    [
        ({"provider": "smtp", "smtp_host": "127.0.0.1", "asm_group_id": GROUP, "unsubscribe_url": None}, None),
        ({"asm_group_id": None, "unsubscribe_url": None}, "asm_group_id"),
    ],
)
def test_without_an_unsubscribe_mechanism_publishing_is_a_config_error(project, sg, cfg, needle):
    setup(project, 1, api_host=sg.url, **cfg)
    code, _, err = run(project, "publish", "--channel", "email", env={"SENDGRID_API_KEY": KEY})
    assert code == 2 and "[channels.email] unsubscribe_url must be set and contain {token}" in err
    if needle is None:  # SMTP: SendGrid's group link is no alternative there
        assert "asm_group_id" not in err
    else:
        assert needle in err
    assert sg.requests == []


def test_unsubscribe_mailto_must_be_a_bare_address(project):
    configure(project, unsubscribe_mailto="mailto:u@lab.example?subject=x")
    code, _, err = run(project, "status")
    assert code == 2 and "channels.email.unsubscribe_mailto" in err and "bare address" in err


# --- previews never show a placeholder ------------------------------------------------------


@pytest.mark.parametrize("asm_only", [False, True])
def test_previews_show_a_marked_example_link_never_a_placeholder(project, tmp_path, asm_only):
    cfg = {"asm_group_id": GROUP, "unsubscribe_url": None} if asm_only else {}
    setup(project, 1, **cfg)
    code, out, err = run(project, "preview", "--channel", "email")
    assert code == 0, err
    assert f"Unsubscribe: {EXAMPLE}" in out and not any(p in out for p in PLACEHOLDERS)
    code, out, _ = run(project, "publish", "--channel", "email", "--dry-run")
    assert EXAMPLE in out and not any(p in out for p in PLACEHOLDERS)
    code, out, _ = run(project, "preview", "--channel", "email", "--json")
    (digest,) = json.loads(out)["messages"]
    assert EXAMPLE in digest["text"] and "https://example.invalid/unsubscribe?example=" in digest["html"]
    assert not any(p in digest["text"] + digest["html"] for p in PLACEHOLDERS)
    folder = tmp_path / "preview"
    assert run(project, "preview", "--channel", "email", "--out", str(folder))[0] == 0
    for f in folder.glob("email-*"):
        content = f.read_text(encoding="utf-8")
        assert "example.invalid/unsubscribe" in content and not any(p in content for p in PLACEHOLDERS)


# --- the fake enforces what it should -------------------------------------------------------


def test_the_fake_checks_substitutions_and_renders_asm_tags_only_with_a_group():
    base = {
        "personalizations": [{"to": [{"email": "ada@lab.example"}], "substitutions": {"-x-": 5}}],
        "from": {"email": "news@lab.example"},
        "subject": "s",
        "content": [{"type": "text/plain", "value": "-x- " + ASM_TAGS[0]}],
    }
    assert [e["field"] for e in validate_mail(base)] == ["personalizations.0.substitutions.-x-"]
    base["personalizations"][0]["substitutions"] = {"-x-": "y" * 10_001}
    assert [e["field"] for e in validate_mail(base)] == ["personalizations.0.substitutions"]
    from tests.fakes.sendgrid_server import render

    base["personalizations"][0]["substitutions"] = {"-x-": "hi"}
    (plain,) = render(base)
    assert plain.text == "hi " + ASM_TAGS[0]  # no group: SendGrid leaves the tag as it is
    (grouped,) = render({**base, "asm": {"group_id": 7}})
    assert grouped.text == "hi " + asm_url(7, "ada@lab.example", ASM_TAGS[0])
