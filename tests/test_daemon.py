"""The daemon's schedule, decisions from the store, the lease lock and the loop, on an injected clock.

Nothing here sleeps: fire times come from APScheduler's triggers, the loop's wait advances the
frozen clock. The end-to-end test with a real subprocess is in test_daemon_e2e.py.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_cli_foundation import PAPERS

from bot.app import App
from bot.config import ScheduleConfig, load_config
from bot.daemon.gate import plan_run
from bot.daemon.plan import due_jobs, next_wake
from bot.daemon.runner import Daemon, LockRefused
from bot.daemon.schedule import Schedule, Trigger, parse_spec
from bot.errors import ConfigError
from bot.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def schedule(**kw: object) -> Schedule:
    return Schedule.from_config(ScheduleConfig(**{"timezone": "Europe/Berlin", **kw}))


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "s.db", clock=clock) as s:
        yield s


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "crontab", "seconds"),
    [
        ("every 30m", None, 1800),
        ("every 2s", None, 2),
        ("every 6h", None, 6 * 3600),
        ("0 9 * * mon", "0 9 * * mon", None),
        ("mon 09:00", "0 9 * * mon", None),
        ("mon,thu 9:30", "30 9 * * mon,thu", None),
        ("daily 02:30", "30 2 * * *", None),
    ],
)
def test_accepted_schedules(value, crontab, seconds):
    spec = parse_spec(value)
    assert (spec.crontab, spec.seconds) == (crontab, seconds)


@pytest.mark.parametrize("value", ["every thirty", "30m", "every 5 d", "0 25 * * *", "mon 25:00", "someday 09:00", ""])
def test_other_schedules_are_refused_with_key_value_and_example(tmp_path, value):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[schedule]\ncheck = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    text = str(err.value)
    assert "schedule.check" in text and repr(value) in text and "every 30m" in text and "0 9 * * mon" in text


def test_schedule_table_is_strict(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[schedule]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="schedule.timezone.*IANA"):
        load_config(cfg)
    cfg.write_text('[schedule]\ndigets = "mon 09:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'digest'"):
        load_config(cfg)
    cfg.write_text('[schedule]\npages = "every 1h"\ncatch_up = "2h"\ndigest_min_papers = 3\n', encoding="utf-8")
    s = load_config(cfg).schedule
    assert s.pages == "every 1h" and s.digest_min_papers == 3 and s.check == "every 30m"


# --- DST --------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [datetime(2025, 3, 30), datetime(2025, 10, 26)])
def test_a_daily_0230_job_runs_once_on_dst_days_in_berlin(day):
    trigger = Trigger(parse_spec("daily 02:30"), BERLIN)
    start = day.replace(tzinfo=BERLIN)
    fires = trigger.fires_between(start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC))
    assert len(fires) == 1
    # and the days around it keep their 02:30 local
    week = trigger.fires_between(
        (start - timedelta(days=3)).astimezone(UTC), (start + timedelta(days=4)).astimezone(UTC)
    )
    assert len(week) == 7 and len({f.astimezone(BERLIN).date() for f in week}) == 7


def test_the_daemon_loop_runs_the_dst_day_job_once(store, clock):
    """Through due_jobs, as the daemon decides: a digest at 02:30 on the fall-back day goes out once."""
    sched = schedule(digest="daily 02:30")
    clock.now = datetime(2025, 10, 26, 0, 0, tzinfo=BERLIN).astimezone(UTC)
    runs = 0
    while clock.now < datetime(2025, 10, 26, 6, 0, tzinfo=BERLIN).astimezone(UTC):
        for d in due_jobs(store, sched, clock(), ["digest"]):
            store.finish_job(store.start_job(d.job, d.fire_time), "ok")
            runs += 1
        clock.advance(minutes=5)
    assert runs == 1


# --- decisions from the store ---------------------------------------------------------------


def test_missed_checks_collapse_into_one(store, clock):
    sched = schedule(check="every 30m")
    assert [d.job for d in due_jobs(store, sched, clock(), ["check"])] == ["check"]  # never ran: at once
    store.finish_job(store.start_job("check", clock()), "ok")
    assert due_jobs(store, sched, clock(), ["check"]) == []
    assert next_wake(store, sched, clock(), ["check"]) == clock() + timedelta(minutes=30)
    clock.advance(hours=6)  # the daemon was down for 12 missed checks
    due = due_jobs(store, sched, clock(), ["check"])
    assert len(due) == 1
    store.finish_job(store.start_job("check", due[0].fire_time), "ok")
    assert due_jobs(store, sched, clock(), ["check"]) == []


def test_a_digest_missed_while_down_is_sent_once_within_catch_up(store, clock):
    sched = schedule(digest="mon 09:00", catch_up="12h")
    clock.now = datetime(2024, 12, 9, 7, 0, tzinfo=BERLIN).astimezone(UTC)  # Monday, before the digest
    assert due_jobs(store, sched, clock(), ["digest"]) == []
    clock.now = datetime(2024, 12, 9, 15, 0, tzinfo=BERLIN).astimezone(UTC)  # restarted 6 h after it fell due
    due = due_jobs(store, sched, clock(), ["digest"])
    assert [d.fire_time for d in due] == [datetime(2024, 12, 9, 9, 0, tzinfo=BERLIN).astimezone(UTC)]
    store.start_job("digest", due[0].fire_time)  # even if that run dies, it is not sent again
    for hours in (0, 1, 12, 24 * 6):
        later = clock() + timedelta(hours=hours)
        assert due_jobs(store, sched, later, ["digest"]) == []
    assert due_jobs(store, sched, datetime(2024, 12, 16, 9, 0, tzinfo=BERLIN), ["digest"])  # next Monday


def test_a_digest_missed_longer_ago_than_catch_up_waits(store, clock):
    sched = schedule(digest="mon 09:00", catch_up="12h")
    clock.now = datetime(2024, 12, 10, 9, 30, tzinfo=BERLIN).astimezone(UTC)  # Tuesday: 24.5 h late
    assert due_jobs(store, sched, clock(), ["digest"]) == []
    assert next_wake(store, sched, clock(), ["digest"]) == datetime(2024, 12, 16, 9, 0, tzinfo=BERLIN)


# --- the lease lock ---------------------------------------------------------------------------


def test_a_second_daemon_is_refused_naming_the_holder(store, clock):
    ok, prev = store.acquire_lease(token="a", pid=111, host="h1", ttl=30, alive=lambda p: True)
    assert ok and prev is None
    ok, held = store.acquire_lease(token="b", pid=222, host="h1", ttl=30, alive=lambda p: True)
    assert not ok and held["pid"] == 111 and held["host"] == "h1"
    clock.advance(seconds=20)
    assert store.renew_lease(token="a", ttl=30)
    clock.advance(seconds=20)  # 40 s after start, but renewed 20 s ago: still held
    assert not store.acquire_lease(token="b", pid=222, host="h2", ttl=30, alive=lambda p: True)[0]


def test_a_dead_holder_on_this_host_is_taken_over_at_once(store):
    store.acquire_lease(token="a", pid=111, host="h1", ttl=30)
    ok, prev = store.acquire_lease(token="b", pid=222, host="h1", ttl=30, alive=lambda p: p != 111)
    assert ok and prev["pid"] == 111
    assert not store.renew_lease(token="a", ttl=30)  # the old holder learns it lost the lock


def test_another_hosts_lease_is_taken_over_only_after_it_expires(store, clock):
    store.acquire_lease(token="a", pid=111, host="h1", ttl=30)
    assert not store.acquire_lease(token="b", pid=111, host="h2", ttl=30, alive=lambda p: False)[0]
    clock.advance(seconds=31)
    ok, prev = store.acquire_lease(token="b", pid=111, host="h2", ttl=30)
    assert ok and prev["host"] == "h1"


def test_daemon_refusal_message(project, clock):
    project.source("papers.yaml", PAPERS)
    project.write_config()
    first = Daemon(lambda: App.from_path(str(project.config), {}, clock), clock=clock)
    first.acquire()
    second = Daemon(lambda: App.from_path(str(project.config), {}, clock), clock=clock, pid=first.pid + 1)
    with pytest.raises(LockRefused, match=rf"pid {first.pid} on host .*since"):
        second.acquire()
    first.app.close()
    second.app.close()


def test_run_beside_a_daemon_sends_nothing_and_exits_0(project, clock):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.page]\ndir = "public"\n'
    project.write_config()
    with Store(project.db, clock=clock) as s:
        s.acquire_lease(token="d", pid=os.getpid(), host=socket.gethostname(), ttl=30)
    code, out, err = project.run("run")
    assert code == 0 and "daemon is running" in err and "--force" in err and "sent" not in out
    with Store(project.db, clock=clock) as s:
        assert s.counts()["papers"] == 0  # not even a check
    code, out, err = project.run("run", "--force")
    assert code == 0, err
    with Store(project.db, clock=clock) as s:
        assert s.counts()["papers"] > 0


# --- the loop ---------------------------------------------------------------------------------


def daemon_for(project, clock, extra: str = "", **kw) -> Daemon:
    project.source("papers.yaml", PAPERS)
    project.extra = extra
    project.write_config()
    return Daemon(lambda: App.from_path(str(project.config), {}, clock), clock=clock, **kw)


def test_the_loop_runs_jobs_on_schedule_one_at_a_time(project, clock):
    d = daemon_for(project, clock, '[schedule]\ncheck = "every 30m"\n')
    end = clock() + timedelta(hours=2, minutes=10)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds)
        if clock() >= end:
            d.request_stop()

    d._wait = wait
    assert d.run() == 0
    runs = sorted(d.app.store.job_runs("check"), key=lambda r: r["id"])
    starts = [r["started_at"].strftime("%H:%M") for r in runs]
    assert starts == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert all(r["outcome"] == "ok" for r in runs) and runs[0]["counts"]["new"] > 0
    assert all(a["finished_at"] <= b["started_at"] for a, b in zip(runs, runs[1:], strict=False))  # no overlap
    assert max(waits) <= 10  # heartbeats every 10 s
    assert d.app.store.lease() is None  # released on stop
    d.app.close()


def test_a_failing_job_is_logged_and_the_daemon_goes_on(project, clock, caplog):
    extra = '[channels.mastodon]\napi_base_url = "http://127.0.0.1:9"\n\n'
    extra += '[schedule]\ncheck = "every 1m"\nposts = "every 1m"\n'
    d = daemon_for(project, clock, extra)  # no MASTODON_ACCESS_TOKEN: every posts job fails
    (project.root / "papers.yaml").write_text("papers: [", encoding="utf-8")  # broken source
    ticks = []

    def wait(seconds: float) -> None:
        clock.advance(seconds=seconds)
        ticks.append(seconds)
        if clock() >= datetime(2024, 12, 5, 9, 8, tzinfo=UTC):
            d.request_stop()

    d._wait = wait
    assert d.run() == 0
    runs = d.app.store.job_runs("check")
    assert len(runs) == 4 and all(r["outcome"] == "failed" and r["error"] for r in runs)
    # retried at its next run, then with backoff: waits of 1, 2, 4 minutes (min(2^(n-1) * interval, 6 h))
    assert [r["started_at"].strftime("%H:%M") for r in reversed(runs)] == ["09:00", "09:01", "09:03", "09:07"]
    posts = d.app.store.job_runs("posts")
    assert len(posts) == 4 and all("MASTODON_ACCESS_TOKEN" in r["error"] for r in posts)
    assert "check: failed" in caplog.text and "posts: failed" in caplog.text
    d.app.close()


def test_sighup_reload_keeps_the_old_config_when_the_new_one_is_invalid(project, clock, caplog):
    d = daemon_for(project, clock, '[schedule]\ncheck = "every 1m"\n')
    project.config.write_text(project.config.read_text() + "\n[schedule2]\nx = 1\n", encoding="utf-8")
    d.reload()
    assert "old one is kept" in caplog.text and d.schedule.triggers["check"].spec.seconds == 60
    project.config.write_text(project.config.read_text().replace("[schedule2]\nx = 1\n", "").replace("1m", "5m"))
    d.reload()
    assert d.schedule.triggers["check"].spec.seconds == 300
    d.app.close()


# --- the digest in `run` ----------------------------------------------------------------------


def test_run_sends_the_digest_only_when_its_schedule_says_so(project, clock):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.email]\nfrom = "bot@lab.example"\n\n[schedule]\ntimezone = "UTC"\ndigest = "mon 09:00"\n'
    project.write_config()
    app = App.from_path(str(project.config), {}, clock)
    project.run("check")
    clock.now = datetime(2024, 12, 5, 9, 0, tzinfo=UTC)  # a Thursday
    gate = plan_run(app, ["email"])
    assert gate.channels == [] and "next 2024-12-09 09:00" in gate.notes[0]
    clock.now = datetime(2024, 12, 9, 9, 5, tzinfo=UTC)  # Monday, 5 minutes after
    gate = plan_run(app, ["email"])
    assert gate.channels == ["email"] and not gate.notes
    gate.done(True)
    assert plan_run(app, ["email"]).channels == []  # once per scheduled time
    runs = app.store.job_runs("digest")
    assert [(r["runner"], r["outcome"]) for r in runs] == [("run", "ok")]
    assert json.loads(json.dumps(runs[0]["counts"])) == {}
    app.close()


def test_run_without_enough_new_papers_skips_the_digest(project, clock):
    project.source("papers.yaml", PAPERS)
    project.extra = (
        '[channels.email]\nfrom = "bot@lab.example"\n\n[schedule]\ntimezone = "UTC"\ndigest = "mon 09:00"\n'
        "digest_min_papers = 1000\n"
    )
    project.write_config()
    project.run("check")
    clock.now = datetime(2024, 12, 9, 9, 5, tzinfo=UTC)
    app = App.from_path(str(project.config), {}, clock)
    gate = plan_run(app, ["email"])
    assert gate.channels == [] and "fewer than digest_min_papers = 1000" in gate.notes[0]
    assert app.store.job_runs("digest")[0]["outcome"] == "skipped"
    app.close()


def test_a_stop_finishes_the_post_in_flight_and_the_next_start_sends_the_rest_once(project, clock):
    import threading

    from fakes.mastodon_stub import MastodonStub
    from test_publish_mastodon import TOKEN, many_papers

    clock.now = datetime.now(UTC)
    with MastodonStub(access_token=TOKEN, latency=0.05) as stub:
        project.source("papers.yaml", many_papers(8))
        project.extra = (
            f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n\n[schedule]\nposts = "every 1m"\n'
        )
        project.write_config()
        env = {"MASTODON_ACCESS_TOKEN": TOKEN}

        def make() -> Daemon:
            d = Daemon(lambda: App.from_path(str(project.config), env, clock), clock=clock)
            d._wait = lambda s: d.request_stop()  # one pass of the loop, then stop
            return d

        first = make()

        def stop_after_two() -> None:
            while len(stub.statuses) < 2:
                threading.Event().wait(0.005)
            first.request_stop()

        watcher = threading.Thread(target=stop_after_two, daemon=True)
        watcher.start()
        assert first.run() == 0
        watcher.join(timeout=5)
        sent = len(stub.statuses)
        assert 2 <= sent < 8
        run = first.app.store.job_runs("posts")[0]
        assert run["outcome"] == "interrupted"
        assert not first.app.store.all_outbox(["sending"])  # the post in flight was finished and recorded
        first.app.close()
        clock.advance(seconds=61)  # the posts job's next time
        second = make()
        assert second.run() == 0
        texts = [s["content"] for s in stub.statuses]
        assert len(texts) == 8 and len(set(texts)) == 8
        second.app.close()


def test_run_records_a_digest_that_failed_to_go_out(project, clock):
    project.source("papers.yaml", PAPERS)
    project.extra = (
        '[channels.email]\nfrom = "bot@lab.example"\n\n[schedule]\ntimezone = "UTC"\ndigest = "daily 09:00"\n'
    )
    project.write_config()
    project.run("check")
    clock.now = datetime(2024, 12, 9, 9, 5, tzinfo=UTC)
    app = App.from_path(str(project.config), {}, clock)
    gate = plan_run(app, ["email"])
    with pytest.raises(ConfigError), gate.recorded():
        raise ConfigError("SENDGRID_API_KEY is not set")
    run = app.store.job_runs("digest")[0]
    assert run["outcome"] == "failed" and "SENDGRID_API_KEY" in run["error"]
    assert plan_run(app, ["email"]).channels == []  # tried again at its next time, not every run
    clock.now = datetime(2024, 12, 10, 9, 0, tzinfo=UTC)
    assert plan_run(app, ["email"]).channels == ["email"]
    app.close()
