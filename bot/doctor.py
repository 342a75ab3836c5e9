"""``paperbot doctor``: check everything a run needs and say what to fix.

Each check gives (name, ok, detail, fix). Checks: the config loads; the templates compile and
render a sample paper; the store passes ``PRAGMA integrity_check`` and has this paperbot's schema
version; the page folder is writable; each enabled channel's credentials work against the real
API: Mastodon ``verify_credentials`` and the instance's ``max_characters``; the SendGrid key's
scopes (``GET /v3/scopes``: ``mail.send``, and ``asm.groups.read`` with an ``asm_group_id``);
SMTP connect, STARTTLS/TLS and login. Nothing is sent and the store is only read. Every text
shown is redacted.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass
from typing import Any

from .redact import redact


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


def run_checks(load_app: Any) -> list[Check]:
    try:
        app = load_app()
    except Exception as exc:
        return [Check("config", False, redact(exc), "correct the config file (see README, 'Configuration')")]
    checks = [Check("config", True, f"{app.config_path} loads")]
    try:
        checks += [templates(app), store(app), *pages(app), *channels(app)]
    finally:
        app.close()
    return checks


def templates(app: Any) -> Check:
    from .compose import Templates, check_templates

    enabled = app.config.enabled_channels()
    try:
        with app.open_store_readonly() as s:
            settings = app.compose_settings(s)
        check_templates(Templates(app.config.templates.dir), settings, enabled)
    except Exception as exc:
        return Check("templates", False, redact(exc), "correct the template named above")
    return Check("templates", True, f"compile and render a sample paper ({', '.join(enabled) or 'no channel'})")


def store(app: Any) -> Check:
    import sqlite3

    from .store import MIGRATIONS

    path = app.config.store.path
    if path is None or not os.path.exists(path):
        return Check("store", True, f"{path} does not exist yet: the first 'paperbot check' creates it")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            result = [r[0] for r in db.execute("PRAGMA integrity_check")]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as exc:
        return Check("store", False, f"{path}: {exc}", "restore the store from a backup (README, 'Backups')")
    if result != ["ok"]:
        return Check(
            "store", False, f"{path}: integrity check: {'; '.join(result[:3])}", "restore the store from a backup"
        )
    if version > len(MIGRATIONS):
        newer = f"{path}: schema version {version}, newer than {len(MIGRATIONS)}"
        return Check("store", False, newer, "upgrade paperbot")
    note = "" if version == len(MIGRATIONS) else f" (upgraded to {len(MIGRATIONS)} at the next write)"
    return Check("store", True, f"{path}: integrity ok, schema version {version}{note}")


def pages(app: Any) -> list[Check]:
    page = app.config.channels.page
    if page is None or "page" not in app.config.enabled_channels():
        return []
    folder = page.dir
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), folder)
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        return [Check("page folder", False, f"{folder} is not writable", f"make {probe} writable for this user")]
    return [Check("page folder", True, f"{folder} is writable")]


def channels(app: Any) -> list[Check]:
    enabled = app.config.enabled_channels()
    out = []
    if "mastodon" in enabled:
        out.append(_guard("mastodon", lambda: mastodon(app)))
    if "email" in enabled:
        e = app.config.channels.email
        out.append(_guard("email", lambda: smtp(app) if e.provider == "smtp" else sendgrid(app)))
    return out


def _guard(name: str, fn: Any) -> Check:
    try:
        return fn()
    except Exception as exc:
        return Check(name, False, redact(exc), "see the error above")


def mastodon(app: Any) -> Check:
    from mastodon import Mastodon, MastodonError

    from .channels.mastodon import MastodonChannel, _session

    cfg = app.config.channels.mastodon
    token = app.env.get("MASTODON_ACCESS_TOKEN")
    if not cfg.api_base_url:
        return Check("mastodon", False, "no api_base_url", "set [channels.mastodon] api_base_url")
    if not token:
        return Check("mastodon", False, "MASTODON_ACCESS_TOKEN is not set", "put it in the environment or .env")
    api = Mastodon(
        access_token=token,
        api_base_url=cfg.api_base_url.rstrip("/"),
        session=_session(cfg.api_base_url),
        ratelimit_method="throw",
        request_timeout=min(cfg.request_timeout, 15),
        version_check_mode="none",
        user_agent="paperbot",
    )
    try:
        account = api.account_verify_credentials()
    except MastodonError as exc:
        return Check(
            "mastodon",
            False,
            f"verify_credentials refused the token: {redact(exc)}",
            "create a new access token (scope write:statuses) and set MASTODON_ACCESS_TOKEN",
        )
    channel = MastodonChannel(cfg.api_base_url, token, timeout=15, visibility=cfg.visibility, language=None, client=api)
    limits = channel.instance_limits()
    size = f"max_characters {limits.max_characters}" if limits else "the instance did not say its max_characters"
    return Check("mastodon", True, f"token ok for @{account.get('acct') or account.get('username')}; {size}")


def sendgrid(app: Any) -> Check:
    import json
    import urllib.error
    import urllib.request

    cfg = app.config.channels.email
    key = app.env.get("SENDGRID_API_KEY")
    if not key:
        return Check("email", False, "SENDGRID_API_KEY is not set", "put it in the environment or .env")
    request = urllib.request.Request(
        cfg.api_host.rstrip("/") + "/v3/scopes", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=min(cfg.request_timeout, 15)) as resp:
            scopes = set(json.loads(resp.read()).get("scopes") or [])
    except urllib.error.HTTPError as exc:
        return Check(
            "email",
            False,
            f"SendGrid refused the API key ({exc.code})",
            "create a new key with Mail Send access and set SENDGRID_API_KEY",
        )
    except (OSError, ValueError) as exc:
        return Check("email", False, f"cannot reach {cfg.api_host}: {redact(exc)}", "check api_host and the network")
    needed = ["mail.send"] + (["asm.groups.read"] if cfg.asm_group_id is not None else [])
    missing = [s for s in needed if s not in scopes]
    if missing:
        return Check(
            "email",
            False,
            f"the SendGrid key lacks the scope(s) {', '.join(missing)}",
            "give the key Mail Send" + (" and Suppressions (ASM) access" if cfg.asm_group_id else "") + " access",
        )
    return Check("email", True, f"SendGrid key has {', '.join(needed)}")


def smtp(app: Any) -> Check:
    import smtplib
    import ssl

    from .channels.email import SmtpChannel

    cfg = app.config.channels.email
    if not cfg.smtp_host:
        return Check("email", False, "no smtp_host", "set [channels.email] smtp_host")
    where = f"{cfg.smtp_host}:{cfg.smtp_port or (465 if cfg.smtp_security == 'ssl' else 587)}"
    try:
        conn = SmtpChannel(cfg, app.env.get("SMTP_PASSWORD"))._connect()
    except smtplib.SMTPAuthenticationError as exc:
        return Check(
            "email", False, f"SMTP login refused by {where} ({exc.smtp_code})", "check smtp_user and SMTP_PASSWORD"
        )
    except (ssl.SSLError, smtplib.SMTPNotSupportedError) as exc:
        return Check("email", False, f"TLS with {where} failed: {redact(exc)}", "check smtp_security and smtp_port")
    except (OSError, smtplib.SMTPException) as exc:
        return Check("email", False, f"cannot connect to {where}: {redact(exc)}", "check smtp_host and smtp_port")
    with contextlib.suppress(OSError, smtplib.SMTPException):
        conn.quit()
    login = f", logged in as {cfg.smtp_user}" if cfg.smtp_user else ", no login configured"
    return Check("email", True, f"SMTP {where} ({cfg.smtp_security}){login}")


def as_json(checks: list[Check]) -> dict[str, Any]:
    return {"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}


def render(checks: list[Check]) -> str:
    lines = []
    for c in checks:
        lines.append(f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
        if not c.ok and c.fix:
            lines.append(f"     fix: {c.fix}")
    bad = sum(not c.ok for c in checks)
    lines.append("all good" if not bad else f"{bad} thing{'s' if bad != 1 else ''} to fix")
    return "\n".join(lines)
