"""No secret in any error (issue 10, item 19): servers that echo credentials, redacted everywhere.

The fakes answer with bodies that quote the request's Authorization header (Mastodon, SendGrid) or
the SMTP password; the token must then appear nowhere: not on stdout or stderr, not in the log
records (caplog), not in any byte of the store's files.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.mastodon_stub import MastodonStub
from test_cli_foundation import PAPERS
from test_publish_mastodon import Sleeper

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.redact import REDACTED, redact, redact_data, secret_values  # noqa: E402
from tests.fakes.sendgrid_server import FakeSendGrid  # noqa: E402

MASTODON_TOKEN = "mstdn-Zq3XbT9vKp2LrW8sYd4FhJ6nM1cA5eGu"
SENDGRID_KEY = "SG.fakeKeyId_1234.fakeSecretPart-5678abcdEFGH"
SMTP_PASSWORD = "correct horse battery staple 42"


def store_bytes(project) -> bytes:
    """Every byte of the store and its -wal/-shm files."""
    return b"".join(p.read_bytes() for p in project.db.parent.glob(project.db.name + "*") if p.is_file())


def assert_nowhere(secret: str, project, out: str, err: str, caplog) -> None:
    forms = {secret, secret.replace(" ", "%20"), secret.replace(" ", "+")}
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for form in forms:
        assert form not in out and form not in err, "printed"
        assert form not in logged, "logged"
        assert form.encode() not in store_bytes(project), "stored"


# --- the function -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ('{"error": "bad", "echo": "Authorization: Bearer abc123XYZtoken"}', "abc123XYZtoken"),
        ('{"headers": {"Authorization": "Bearer abc123XYZtoken"}}', "abc123XYZtoken"),
        ("authorization=Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
        ("sent Bearer  abc123XYZtoken to the server", "abc123XYZtoken"),
        ("key SG.abcdEFGH_ij.klmnOPQR-stuv refused", "SG.abcdEFGH_ij.klmnOPQR-stuv"),
        ("GET /api/v1/x?access_token=abc123XYZtoken&y=1", "abc123XYZtoken"),
        ("https://lab.example/u?token=a1b2c3d4e5", "a1b2c3d4e5"),
        ('{"api_key": "k-123456", "password": "hunter22"}', "hunter22"),
        ("smtp://bob:hunter22@mail.example", "hunter22"),
        ("login failed: password: hunter22", "hunter22"),
    ],
)
def test_patterns(text, gone):
    out = redact(text, ())
    assert gone not in out and REDACTED in out


def test_configured_secrets_verbatim_encoded_and_in_base64():
    secret = "s3cr3t/value+with spaces"
    plain = redact(
        f"echo: {secret}; url: {secret.replace(' ', '%20').replace('/', '%2F').replace('+', '%2B')}", [secret]
    )
    assert "s3cr3t" not in plain and plain.count(REDACTED) == 2
    for prefix in (b"\0bob\0", b"\0bo\0", b"\0b\0", b""):  # SMTP AUTH PLAIN / LOGIN echoed, any alignment
        echoed = base64.b64encode(prefix + secret.encode()).decode()
        assert redact(f"535 5.7.8 {echoed} rejected", [secret]) == f"535 5.7.8 {REDACTED} rejected"


def test_ordinary_text_and_placeholders_are_left_alone():
    for text in (
        'unsubscribe_url must contain {token}, e.g. "https://lab.example/unsubscribe?token={token}"',
        "the access token was rejected (401): The access token is invalid",
        "post arxiv:2405.19985 part 1: 422: Validation failed: Text character limit of 500 exceeded",
        "rate limited until 2024-12-05T12:00:00+00:00",
        "%unsubscribe_url% and ?token=%asm_group_unsubscribe_raw_url%",
    ):
        assert redact(text, ["abcd1234"]) == text


def test_short_secrets_are_not_replaced_verbatim_but_json_is_redacted_deeply():
    assert redact("a cat sat", ["cat"]) == "a cat sat"
    data = {"errors": ["Bearer abcdefgh1234", {"deep": ["token=zzzz9999"]}], "n": 3}
    assert json.dumps(redact_data(data, ())).count(REDACTED) == 2


def test_secret_values_come_from_the_environment():
    env = {"MASTODON_ACCESS_TOKEN": "a" * 20, "SENDGRID_API_KEY": "", "SMTP_PASSWORD": "pw-1234", "HOME": "/root"}
    assert secret_values(env) == ("a" * 20, "pw-1234")


def test_log_records_are_redacted_when_created(caplog):
    from bot.redact import install_log_redaction, set_secrets

    install_log_redaction()
    set_secrets(["very-secret-token-value"])
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("paperbot.test").warning("server said %s", "echo very-secret-token-value")
            try:
                raise RuntimeError("Authorization: Bearer very-secret-token-value")
            except RuntimeError:
                logging.getLogger("paperbot.test").exception("boom")
        assert "very-secret-token-value" not in caplog.text
        assert caplog.text.count(REDACTED) >= 2
    finally:
        set_secrets([])


def test_an_unexpected_traceback_is_redacted(capsys):
    from bot.redact import redacting_excepthook, set_secrets

    set_secrets(["very-secret-token-value"])
    try:
        try:
            raise ValueError("reply echoed very-secret-token-value")
        except ValueError as exc:
            redacting_excepthook()(type(exc), exc, exc.__traceback__)
    finally:
        set_secrets([])
    err = capsys.readouterr().err
    assert "very-secret-token-value" not in err and "ValueError" in err and REDACTED in err


# --- Mastodon: a 422 that echoes the Authorization header -------------------------------------


@pytest.fixture
def echo_stub():
    with MastodonStub(access_token=MASTODON_TOKEN) as s:
        yield s


def echo_headers(headers: dict[str, str]) -> dict:
    return {
        "error": f"Validation failed; you sent Authorization: {headers.get('Authorization')}",
        "request": {"headers": headers, "query": f"?access_token={MASTODON_TOKEN}"},
    }


def test_mastodon_422_echoing_the_token_is_redacted_everywhere(project, echo_stub, caplog):
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{echo_stub.url}"\nmin_interval = 0\n'
    env = {"MASTODON_ACCESS_TOKEN": MASTODON_TOKEN}
    project.run("check")
    echo_stub.fail_next(422, echo_headers)
    echo_stub.fail_next(500, echo_headers)  # then a retried 5xx for the second post, also echoing
    with caplog.at_level(logging.DEBUG):
        code, out, err = project.run("-v", "publish", "--channel", "mastodon", env=env, sleep=Sleeper(project.clock))
        assert code == 1 and "Validation failed" in out and REDACTED in out
        outbox = project.run("outbox", "list", "--json", env=env)
        json_out = project.run("publish", "--channel", "mastodon", "--json", env=env, sleep=Sleeper(project.clock))
    failed = [r for r in json.loads(outbox[1]) if r["state"] == "failed"]
    assert len(failed) == 1 and REDACTED in failed[0]["error"] and "422" in failed[0]["error"]
    assert len(echo_stub.statuses) == 1  # the 422 one failed; the other got through on its retry
    assert_nowhere(MASTODON_TOKEN, project, out + outbox[1] + json_out[1], err + outbox[2] + json_out[2], caplog)


# --- SendGrid: a 400 and a 401 that echo the API key -------------------------------------------


def test_sendgrid_errors_echoing_the_key_are_redacted_everywhere(project, clock, caplog):
    from test_publish_email import publish, run, setup_lab

    body = {
        "errors": [
            {"field": "authorization", "message": f"Authorization: Bearer {SENDGRID_KEY} is not permitted"},
            {"field": None, "message": f"the key {SENDGRID_KEY} failed"},
        ]
    }
    env = {"SENDGRID_API_KEY": SENDGRID_KEY}
    with FakeSendGrid(api_key=SENDGRID_KEY, clock=lambda: clock().timestamp()) as sg:
        setup_lab(project, sg.url, n=2)
        sg.fail_next(400, body=body)
        with caplog.at_level(logging.DEBUG):
            code, out, err = publish(project, env=env)
            listed = run(project, "outbox", "list", "--json", env=env)
            sg.fail_next(401, body=body)
            run(project, "outbox", "retry", json.loads(listed[1])[0]["key"], env=env)
            code2, out2, err2 = publish(project, env=env)
    assert code == 1 and "SendGrid rejected the batch (400)" in out and REDACTED in out
    assert code2 == 1 and "(401)" in out2
    assert_nowhere(SENDGRID_KEY, project, out + listed[1] + out2, err + listed[2] + err2, caplog)


# --- SMTP: replies that quote the password (covered at the store and CLI boundary) -------------


class EchoingSmtp:
    """Refuses every recipient permanently, quoting the password (as AUTH PLAIN too)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        plain = base64.b64encode(f"\0paperbot\0{SMTP_PASSWORD}".encode()).decode()
        return f"550 5.7.1 {address} refused: you logged in with password={SMTP_PASSWORD} ({plain})"

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def test_smtp_refusals_quoting_the_password_are_redacted_everywhere(project, caplog):
    from aiosmtpd.controller import Controller
    from test_publish_email import closed_port, publish, run, setup_lab

    controller = Controller(EchoingSmtp(), hostname="127.0.0.1", port=closed_port())
    controller.start()
    env = {"SMTP_PASSWORD": SMTP_PASSWORD}
    try:
        settings = {"provider": "smtp", "smtp_host": "127.0.0.1", "smtp_port": controller.port}
        setup_lab(project, None, n=2, smtp_security="none", asm_group_id=None, **settings)
        with caplog.at_level(logging.DEBUG):
            code, out, err = publish(project, env=env)
            listed = run(project, "outbox", "list", env=env)
            listed_json = run(project, "outbox", "list", "--json", env=env)
    finally:
        controller.stop()
    assert code in (0, 1), out + err
    assert "refused" in out + listed[1]
    assert_nowhere(SMTP_PASSWORD, project, out + listed[1] + listed_json[1], err + listed[2] + listed_json[2], caplog)
