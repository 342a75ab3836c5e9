"""`.env` beside the config, global options anywhere, no channel is an error (issue 10, item 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from fakes.mastodon_stub import MastodonStub
from test_cli_foundation import PAPERS

from bot.app import load_env
from bot.cli import _hoist_global_options, cli

TOKEN = "dotenv-token-beside-the-config"


def invoke(project, *args: str):
    project.write_config()
    result = CliRunner().invoke(cli, list(args), obj={"env": {}, "clock": project.clock}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --- .env ---------------------------------------------------------------------------------------


def test_env_beside_the_config_then_working_directory_and_the_real_environment_wins(tmp_path):
    here, conf = tmp_path / "cwd", tmp_path / "conf"
    here.mkdir()
    conf.mkdir()
    (here / ".env").write_text("A=cwd\nB=cwd\nC=cwd\n")
    (conf / ".env").write_text("A=beside\nB=beside\n")
    env = load_env(here, {"A": "real"}, config=conf / "paperbot.toml")
    assert (env["A"], env["B"], env["C"]) == ("real", "beside", "cwd")


def test_the_config_found_through_paperbot_config_brings_its_env(tmp_path):
    here, conf = tmp_path / "cwd", tmp_path / "conf"
    here.mkdir()
    conf.mkdir()
    (conf / ".env").write_text("SMTP_PASSWORD=beside\n")
    assert load_env(here, {"PAPERBOT_CONFIG": str(conf / "p.toml")})["SMTP_PASSWORD"] == "beside"
    (here / ".env").write_text(f"PAPERBOT_CONFIG={conf / 'p.toml'}\n")  # named in the working folder's .env
    assert load_env(here, {})["SMTP_PASSWORD"] == "beside"


def test_a_relative_config_path_finds_its_env(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / ".env").write_text("X=1\n")
    assert load_env(tmp_path, {}, config="conf/paperbot.toml")["X"] == "1"


def test_cron_from_another_folder_reads_the_env_beside_the_config(project, tmp_path):
    """A real process, started elsewhere, with no token in its environment: .env beside the config has it."""
    with MastodonStub(access_token=TOKEN) as stub:
        project.clock.now = datetime.now(UTC)
        project.source("papers.yaml", PAPERS)
        project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
        project.write_config()
        project.write(".env", f"MASTODON_ACCESS_TOKEN={TOKEN}\n")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("MASTODON_ACCESS_TOKEN", "PAPERBOT_CONFIG")}
        cmd = [sys.executable, "-m", "bot"]
        done = subprocess.run(
            [*cmd, "run", "--config", str(project.config)], cwd=elsewhere, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(stub.statuses) == 2 and TOKEN not in done.stdout + done.stderr


# --- global options before or after the command -------------------------------------------------


def test_config_before_or_after_the_command(project):
    project.source("papers.yaml", PAPERS)
    code, out, err = invoke(project, "check", "--config", str(project.config))
    assert code == 0 and "2 newly accepted" in out, err
    code, out, err = invoke(project, "--config", str(project.config), "check")
    assert code == 0 and "0 newly accepted" in out, err
    code, out, err = invoke(project, "status", f"--config={project.config}", "--json")
    assert code == 0 and '"NeurIPS 2024"' in out, err
    code, out, err = invoke(project, "outbox", "list", "--config", str(project.config))
    assert code == 0, err


def test_verbose_after_the_command_logs(project):
    stranger = '  - title: "A Paper by Nobody We Know"\n    authors: [Some Stranger]\n    venue: "ICML 2024"\n'
    project.source("papers.yaml", PAPERS + stranger)
    project.write_config()
    env = {k: v for k, v in os.environ.items() if k != "PAPERBOT_CONFIG"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check", "-v", "--config", str(project.config)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "INFO" in done.stderr and "A Paper by Nobody" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "--config", "x.toml"], ["--config", "x.toml", "check"]),
        (["-v", "check", "--config=x.toml", "--json"], ["-v", "--config=x.toml", "check", "--json"]),
        (["--config", "a", "publish", "--limit", "2", "-v"], ["--config", "a", "-v", "publish", "--limit", "2"]),
        (["subscribers", "add", "a@b.example", "--verbose"], ["--verbose", "subscribers", "add", "a@b.example"]),
        (["outbox", "retry", "--", "-v"], ["outbox", "retry", "--", "-v"]),
    ],
)
def test_hoisting(args, expected):
    assert _hoist_global_options(args) == expected


# --- publish and run with no channel --------------------------------------------------------------


@pytest.mark.parametrize("args", [["publish"], ["run"], ["publish", "--dry-run"], ["run", "--dry-run"]])
def test_publish_or_run_without_a_channel_is_a_config_error(project, args):
    project.source("papers.yaml", PAPERS)
    code, out, err = project.run(*args)
    assert code == 2 and "no channel is enabled" in err and "[channels.mastodon]" in err


def test_a_disabled_channel_counts_as_none(project):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.page]\nenabled = false\ndir = "public"\n'
    code, _, err = project.run("publish")
    assert code == 2 and "no channel is enabled" in err
