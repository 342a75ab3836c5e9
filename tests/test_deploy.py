"""deploy/: the systemd units and the Dockerfile have what the README promises (parsed, not run)."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    cp.optionxform = str  # keys are case-sensitive in systemd
    cp.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return cp


def all_values(name: str, section: str, key: str) -> list[str]:
    """Every value of a key (systemd allows repeats; configparser keeps only the last)."""
    text = (DEPLOY / name).read_text(encoding="utf-8")
    body = text.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    return [m.group(1).strip() for m in re.finditer(rf"^{key}=(.*)$", body, re.M)]


HARDENING = {
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "NoNewPrivileges": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "KillSignal": "SIGTERM",
    "TimeoutStopSec": "15",
    "User": "paperbot",
    "StateDirectory": "paperbot",
    "WorkingDirectory": "/var/lib/paperbot",
    "EnvironmentFile": "-/etc/paperbot/paperbot.env",
}


def test_the_daemon_unit():
    svc = unit("paperbot.service")["Service"]
    assert shlex.split(svc["ExecStart"])[1:] == ["daemon", "--config", "/etc/paperbot/paperbot.toml"]
    assert svc["Restart"] == "on-failure"
    for key, value in HARDENING.items():
        assert svc[key] == value, key
    writable = all_values("paperbot.service", "Service", "ReadWritePaths")
    assert "/var/lib/paperbot" in writable and any("public" in p for p in writable)
    assert unit("paperbot.service")["Install"]["WantedBy"] == "multi-user.target"


def test_the_run_timer_and_its_service():
    svc = unit("paperbot-run.service")["Service"]
    assert svc["Type"] == "oneshot" and shlex.split(svc["ExecStart"])[1:3] == ["run", "--config"]
    for key, value in HARDENING.items():
        assert svc[key] == value, key
    timer = unit("paperbot-run.timer")["Timer"]
    assert timer["OnCalendar"] == "*:0/15" and timer["Persistent"] == "true"
    assert timer["Unit"] == "paperbot-run.service"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path):
    """Verified with ExecStart pointed at this interpreter running paperbot (the /opt path does not exist here)."""
    exe = f"{sys.executable} -m bot"  # this interpreter always exists; the /opt path does not here
    for name in ("paperbot.service", "paperbot-run.service", "paperbot-run.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8").replace("/opt/paperbot/venv/bin/paperbot", exe)
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name in ("paperbot.service", "paperbot-run.service", "paperbot-run.timer"):
        done = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", f"./{name}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and not done.stderr.strip(), (name, done.stderr)


def test_the_dockerfile():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.replace("\\\n", " ").splitlines() if ln.strip() and not ln.startswith("#")]
    instr = {}
    for ln in lines:
        word, _, rest = ln.partition(" ")
        instr.setdefault(word.upper(), []).append(rest.strip())
    assert instr["FROM"] == ["python:3.11-slim"]
    assert instr["USER"] == ["paperbot"]  # non-root
    assert any("pip install ." in r for r in instr["RUN"])
    assert instr["VOLUME"] == ['["/data"]']
    health = instr["HEALTHCHECK"][0]
    assert '"paperbot", "health"' in health and "--max-age" in health
    assert instr["CMD"][-1].startswith('["paperbot", "daemon"') and "/config/paperbot.toml" in instr["CMD"][-1]
    # USER comes before CMD and HEALTHCHECK: neither runs as root
    words = [ln.partition(" ")[0].upper() for ln in lines]
    assert words.index("USER") < words.index("HEALTHCHECK") < words.index("CMD")


def test_the_compose_example_and_the_deploy_config():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    svc = compose["services"]["paperbot"]
    assert svc["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "paperbot-data:/data" in svc["volumes"] and "paperbot-data" in compose["volumes"]
    from bot.config import load_config

    cfg = load_config(DEPLOY / "paperbot.example.toml")
    assert str(cfg.store.path) == "/var/lib/paperbot/paperbot.db"
