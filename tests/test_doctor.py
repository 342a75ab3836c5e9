"""``paperbot doctor``: config, templates, store, page folder and each channel's credentials against
the in-repo fakes on 127.0.0.1 (Mastodon stub, SendGrid fake, aiosmtpd)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fakes.mastodon_stub import MastodonStub
from fakes.sendgrid_server import FakeSendGrid
from test_cli_foundation import PAPERS
from test_publish_email import GROUP, KEY, UNSUB, closed_port

TOKEN = "doctor-token-secret-value"


def doctor(project, env):
    code, out, err = project.run("doctor", "--json", env=env)
    data = json.loads(out)
    return code, {c["name"]: c for c in data["checks"]}, data


@pytest.fixture
def stub():
    with MastodonStub(access_token=TOKEN, max_characters=640) as s:
        yield s


def test_all_good_with_mastodon_and_pages(project, stub, tmp_path):
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\n\n[channels.page]\ndir = "public"\n'
    project.run("check")
    code, checks, data = doctor(project, {"MASTODON_ACCESS_TOKEN": TOKEN})
    assert code == 0 and data["ok"], checks
    assert set(checks) == {"config", "templates", "store", "page folder", "mastodon"}
    assert "max_characters 640" in checks["mastodon"]["detail"] and "integrity ok" in checks["store"]["detail"]
    code, text, _ = project.run("doctor", env={"MASTODON_ACCESS_TOKEN": TOKEN})
    assert code == 0 and text.strip().endswith("all good")


def test_a_revoked_token_a_broken_template_and_a_damaged_store_are_reported_with_a_fix(project, stub):
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\n'
    project.run("check")
    code, checks, _ = doctor(project, {"MASTODON_ACCESS_TOKEN": "revoked-token-value"})
    assert code == 1 and not checks["mastodon"]["ok"] and "new access token" in checks["mastodon"]["fix"]
    code, text, _ = project.run("doctor", env={"MASTODON_ACCESS_TOKEN": "revoked-token-value"})
    assert "FAIL mastodon" in text and "revoked-token-value" not in text and "1 thing to fix" in text

    (project.root / "templates").mkdir()
    (project.root / "templates" / "mastodon_post.txt.j2").write_text("{{ paper.title", encoding="utf-8")
    project.extra = '[templates]\ndir = "templates"\n\n' + project.extra
    code, checks, _ = doctor(project, {"MASTODON_ACCESS_TOKEN": TOKEN})
    assert code == 1 and not checks["templates"]["ok"] and "mastodon_post.txt.j2" in checks["templates"]["detail"]

    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\n'
    with sqlite3.connect(project.db) as db:
        db.execute("PRAGMA user_version = 99")
    code, checks, _ = doctor(project, {"MASTODON_ACCESS_TOKEN": TOKEN})
    assert code == 1 and not checks["store"]["ok"] and checks["store"]["fix"] == "upgrade paperbot"


def test_a_config_error_is_one_check_to_fix(project):
    project.extra = "[channels.mastodon]\nvisibility = 'everyone'\n"
    code, checks, _ = doctor(project, {})
    assert code == 1 and list(checks) == ["config"] and not checks["config"]["ok"]


def email_config(project, **kw) -> None:
    settings = {"from": "news@lab.example", "unsubscribe_url": UNSUB, "request_timeout": 2, **kw}
    lines = [f"{k} = {json.dumps(v)}" for k, v in settings.items() if v is not None]
    project.extra = "[channels.email]\n" + "\n".join(lines) + "\n"


def test_sendgrid_key_scopes(project):
    with FakeSendGrid(api_key=KEY) as sg:
        email_config(project, api_host=sg.url, asm_group_id=GROUP)
        code, checks, _ = doctor(project, {"SENDGRID_API_KEY": KEY})
        assert code == 0 and "mail.send, asm.groups.read" in checks["email"]["detail"]
        sg.scopes = ["mail.send"]
        code, checks, _ = doctor(project, {"SENDGRID_API_KEY": KEY})
        assert code == 1 and "asm.groups.read" in checks["email"]["detail"]
        email_config(project, api_host=sg.url)  # no ASM group: mail.send is enough
        assert doctor(project, {"SENDGRID_API_KEY": KEY})[0] == 0
        code, checks, _ = doctor(project, {"SENDGRID_API_KEY": "SG.wrong.key"})
        assert code == 1 and "(401)" in checks["email"]["detail"]


def test_smtp_connect_and_login(project):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"bot" and auth_data.password == b"right-password"
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=closed_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        base = {"provider": "smtp", "smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_user": "bot"}
        email_config(project, smtp_security="none", **base)
        code, checks, _ = doctor(project, {"SMTP_PASSWORD": "right-password"})
        assert code == 0 and "logged in as bot" in checks["email"]["detail"], checks
        code, checks, _ = doctor(project, {"SMTP_PASSWORD": "wrong-password"})
        assert code == 1 and "535" in checks["email"]["detail"] and "SMTP_PASSWORD" in checks["email"]["fix"]
        email_config(project, smtp_security="starttls", **base)  # the server offers no STARTTLS
        code, checks, _ = doctor(project, {"SMTP_PASSWORD": "right-password"})
        assert code == 1 and "TLS" in checks["email"]["detail"]
    finally:
        controller.stop()
    code, checks, _ = doctor(project, {"SMTP_PASSWORD": "right-password"})
    assert code == 1 and "cannot connect" in checks["email"]["detail"]
