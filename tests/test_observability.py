"""Issue 11 §4 and §2: log lines (text/JSON, -v/-q, redacted), status on jobs/lock/pauses/failures,
a channel paused after refused credentials until 'paperbot resume' or a reload, job backoff."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from fakes.mastodon_stub import MastodonStub
from test_cli_foundation import PAPERS
from test_publish_mastodon import Sleeper

from bot.cli import _hoist_global_options
from bot.config import ScheduleConfig
from bot.daemon.plan import MAX_BACKOFF, backoff, due_jobs
from bot.daemon.schedule import Schedule
from bot.logs import JsonFormatter, TextFormatter, setup
from bot.redact import set_secrets
from bot.store import Store

TOKEN = "observability-token-secret"
ENV = {"MASTODON_ACCESS_TOKEN": TOKEN}


# --- logs ---------------------------------------------------------------------------------------


def _record(msg: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("paperbot.test", level, __file__, 1, msg, None, None)


def test_log_lines_have_time_and_level_as_text_or_one_json_object():
    set_secrets(["hush-hush-secret-value"])
    try:
        rec = _record("posting with hush-hush-secret-value and Authorization: Bearer abcdefgh")
        text = TextFormatter().format(rec)
        assert text.split()[1] == "WARNING" and text[:4].isdigit() and "T" in text.split()[0]
        assert "hush-hush" not in text and "abcdefgh" not in text and "[redacted]" in text
        line = JsonFormatter().format(rec)
        assert "\n" not in line
        data = json.loads(line)
        assert set(data) == {"time", "level", "logger", "message"} and data["level"] == "WARNING"
        assert "hush-hush" not in line and "abcdefgh" not in line
    finally:
        set_secrets([])


def test_log_levels_for_v_q_and_the_daemon():
    root = logging.getLogger()
    level = root.level
    try:
        assert setup(-1).level == logging.ERROR
        assert setup(0).level == logging.WARNING
        assert setup(0, daemon=True).level == logging.INFO
        assert setup(1, "json").level == logging.INFO
        assert isinstance(setup(1, "json").formatter, JsonFormatter)
        assert sum(1 for h in root.handlers if getattr(h, "_paperbot_handler", False)) == 1
    finally:
        root.setLevel(level)
        setup(0)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status", "--log-format", "json"], ["--log-format", "json", "status"]),
        (["status", "--log-format=json", "-q"], ["--log-format=json", "-q", "status"]),
        (["--log-format", "json", "status", "--json"], ["--log-format", "json", "status", "--json"]),
    ],
)
def test_log_options_work_before_or_after_the_command(args, expected):
    assert _hoist_global_options(args) == expected


def test_json_logs_from_a_command_are_one_object_per_line(project, capsys):
    project.source("papers.yaml", PAPERS)
    code, _, err = project.run("check", "--log-format", "json", "-v")
    assert code == 0, err
    try:
        logging.getLogger("paperbot.test").warning("a line with password=hunter2secret in it")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        data = json.loads(line)
        assert data["level"] == "WARNING" and data["logger"] == "paperbot.test" and "hunter2" not in line
    finally:
        setup(0)


# --- pause after refused credentials ------------------------------------------------------------


@pytest.fixture
def stub():
    with MastodonStub(access_token=TOKEN) as s:
        yield s


@pytest.fixture
def live(project, stub):
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
    return project


def publish(project, env):
    return project.run("publish", "--channel", "mastodon", env=env, sleep=Sleeper(project.clock))


def test_a_channel_refused_401_run_after_run_is_paused_until_resume(live, stub):
    live.run("check")
    bad = {"MASTODON_ACCESS_TOKEN": "revoked-token-value"}
    code, out, _ = publish(live, bad)
    assert code == 1 and "401" in out and "paused" not in out  # once may be a fluke: not paused yet
    code, out, _ = publish(live, bad)
    assert code == 1 and "mastodon is paused since" in out and "paperbot resume mastodon" in out
    tried = len(stub.requests)
    code, out, _ = publish(live, ENV)  # even with a good token: nothing is tried while paused
    assert code == 1 and "paused" in out and len(stub.requests) == tried and not stub.statuses
    status = live.json("status")
    assert [p["channel"] for p in status["paused"]] == ["mastodon"] and "401" in status["paused"][0]["reason"]
    code, text, _ = live.run("status", env=ENV)
    assert "PAUSED: mastodon since" in text and "'paperbot resume mastodon'" in text
    code, out, _ = live.run("resume", "mastodon", env=ENV)
    assert code == 0 and "resumed" in out
    code, out, err = publish(live, ENV)
    assert code == 0, out + err
    assert len(stub.statuses) == 2 and live.json("status")["paused"] == []
    assert live.run("resume", "mastodon")[1].strip() == "mastodon was not paused"


def test_a_config_reload_resumes_paused_channels(project, clock):
    from test_daemon import daemon_for

    d = daemon_for(project, clock, "")
    store = d.app.store
    store.record_channel_auth("email", "SMTP login refused (535)")
    assert store.record_channel_auth("email", "SMTP login refused (535)") is not None
    assert store.channel_pause("email")
    store.record_channel_auth("mastodon", "401")
    store.record_channel_auth("mastodon", None)  # got through: the count starts again
    assert store.record_channel_auth("mastodon", "401") is None
    d.reload()
    assert d.app.store.paused_channels() == []
    d.app.close()


# --- backoff --------------------------------------------------------------------------------------


def test_backoff_doubles_and_is_capped_at_six_hours(tmp_path, clock):
    schedule = Schedule.from_config(ScheduleConfig(timezone="UTC", check="every 1h"))
    with Store(tmp_path / "s.db", clock=clock) as store:
        assert backoff(store, schedule, "check") is None
        for n in range(1, 6):
            run = store.start_job("check", clock())
            store.finish_job(run, "failed", error="source down")
            wait = backoff(store, schedule, "check")
            assert wait == clock() + min(timedelta(hours=2 ** (n - 1)), MAX_BACKOFF)
        assert not due_jobs(store, schedule, clock() + timedelta(hours=5, minutes=59), ["check"])
        assert due_jobs(store, schedule, clock() + timedelta(hours=6), ["check"])
        store.finish_job(store.start_job("check", clock()), "ok")
        assert backoff(store, schedule, "check") is None


# --- status ----------------------------------------------------------------------------------------


def test_status_shows_jobs_lock_failures_and_uncertain_batches(project, clock):
    project.source("papers.yaml", PAPERS)
    project.extra = '[schedule]\ncheck = "every 30m"\n'
    project.run("check")
    project.write_config()
    with Store(project.db, clock=clock) as store:
        run = store.start_job("check", clock())
        store.finish_job(run, "failed", {"new": 0}, "lab/papers.yaml: not valid YAML")
        store.acquire_lease(token="t", pid=4242, host="elsewhere", ttl=30)
    clock.advance(seconds=12)
    data = project.json("status")
    check = data["jobs"]["check"]
    assert check["last_run"]["outcome"] == "failed" and check["last_run"]["counts"] == {"new": 0}
    assert check["failures_in_a_row"] == 1 and check["next_run"] == "2024-12-05T09:30:00+00:00"
    lock = data["lock"]
    assert (lock["pid"], lock["host"], lock["heartbeat_age_seconds"], lock["alive"]) == (4242, "elsewhere", 12, True)
    assert data["failures"][0]["what"] == "job check" and "YAML" in data["failures"][0]["last_error"]
    assert data["paused"] == [] and data["uncertain_batches"] == []
    code, text, _ = project.run("status")
    assert "daemon: running: pid 4242 on elsewhere" in text and "heartbeat 12 s ago" in text
    assert "job check [every 30m]: last 2024-12-05T09:00:00+00:00 failed" in text
    assert "failing: job check" in text
