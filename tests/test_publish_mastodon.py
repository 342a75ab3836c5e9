"""Publishing to Mastodon exactly once, against real HTTP servers on 127.0.0.1.

The in-repo stub follows Mastodon's exact rules (length, 1-hour idempotency, ISO reset,
300 statuses / 3 h); mastodon-mock (PyPI) is used for the plain happy path.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import FrozenClock
from fakes.mastodon_stub import MastodonStub, iso_micro
from test_cli_foundation import PAPERS

TOKEN = "stub-token-secret-value"
ENV = {"MASTODON_ACCESS_TOKEN": TOKEN}
ABSTRACT = " ".join(f"Sentence {i} shows a {i}.5% gain over Llama-2, e.g. on GSM8K." for i in range(30))


def many_papers(n: int) -> str:
    lines = ["papers:"]
    for i in range(n):
        lines += [
            f"  - title: Paper number {i} on robust learning",
            "    authors: [Jane Doe, John Roe]",
            "    venue: NeurIPS 2024",
            f'    arxiv: "2405.{i:05d}"',
            f"    abstract: {ABSTRACT}",
        ]
    return "\n".join(lines) + "\n"


class Sleeper:
    """An injected sleep that advances the app's clock instead of waiting."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds=seconds)


@pytest.fixture
def stub():
    with MastodonStub(access_token=TOKEN) as s:
        yield s


@pytest.fixture
def live(project, stub):
    """A project whose clock starts now (Mastodon.py reports rate-limit resets in real time)."""
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
    return project


def publish(project, *args, env=ENV, sleep=None):
    return project.run("publish", "--channel", "mastodon", *args, env=env, sleep=sleep or Sleeper(project.clock))


def test_each_post_once_with_a_deterministic_key(live, stub):
    live.run("check")
    code, out, err = publish(live)
    assert code == 0, err
    assert len(stub.statuses) == 2 and "sent 2" in out
    keys = [r["headers"].get("Idempotency-Key") for r in stub.requests if r["method"] == "POST"]
    assert len(keys) == 2 and all(keys) and len(set(keys)) == 2
    # again: nothing new is sent
    code, out, _ = publish(live)
    assert code == 0 and len(stub.statuses) == 2
    # the outbox has the remote ids and URLs
    rows = json.loads(live.run("outbox", "list", "--json")[1])
    assert {r["state"] for r in rows} == {"sent"} and all(r["remote_url"].startswith(stub.url) for r in rows)
    status = live.json("status")["venues"]["NeurIPS 2024"]["channels"]["mastodon"]
    assert status == {"announced": 2, "due": 0}


def test_instance_limit_is_read_and_cached(live, stub):
    stub.max_characters = 1000
    live.source("papers.yaml", many_papers(1))
    live.run("check")
    assert publish(live)[0] == 0
    from bot.length import mastodon_length

    sent = [r for r in stub.requests if r["method"] == "POST"][0]["params"]["status"]
    assert 900 <= mastodon_length(sent) <= 1000
    # the cached limit is what preview uses from now on, offline
    live.source("papers.yaml", many_papers(2))
    live.run("check")
    post = next(m for m in live.json("preview")["messages"] if m["kind"] == "post")
    assert post["limit"] == 1000


def test_rate_limit_waits_until_the_iso_reset(live, stub):
    live.run("check")
    reset = datetime.now(UTC).timestamp() + 30
    stub.fail_next(
        429, headers={"X-RateLimit-Reset": iso_micro(reset), "X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "300"}
    )
    sleeper = Sleeper(live.clock)
    code, out, err = publish(live, sleep=sleeper)
    assert code == 0, out + err
    assert len(stub.statuses) == 2
    assert any(20 <= s <= 40 for s in sleeper.calls), sleeper.calls


def test_long_rate_limit_leaves_posts_waiting_for_the_next_run(live, stub):
    live.run("check")
    stub.fail_next(429, headers={"X-RateLimit-Reset": iso_micro(datetime.now(UTC).timestamp() + 7200)})
    code, out, _ = publish(live)
    assert code == 0 and "waiting 2" in out and not stub.statuses
    assert publish(live)[0] == 0 and len(stub.statuses) == 2


def test_server_errors_retry_with_the_same_key(live, stub):
    live.run("check")
    stub.fail_next(500)
    stub.fail_next(502)
    sleeper = Sleeper(live.clock)
    code, out, err = publish(live, sleep=sleeper)
    assert code == 0, out
    posts = [r for r in stub.requests if r["method"] == "POST"]
    assert len(posts) == 4 and len(stub.statuses) == 2
    assert (
        posts[0]["headers"]["Idempotency-Key"]
        == posts[1]["headers"]["Idempotency-Key"]
        == posts[2]["headers"]["Idempotency-Key"]
    )
    assert len(sleeper.calls) == 2 and all(0 < s <= 60 for s in sleeper.calls)


def test_timeout_after_the_server_posted_does_not_duplicate(live, stub):
    live.extra += "request_timeout = 0.5\n"
    live.run("check")
    stub.stall_next(1.5, create=True)  # the server posts, the client times out
    code, out, err = publish(live)
    assert code == 0, out
    assert len(stub.statuses) == 2  # the retry with the same key got the original back
    texts = [s["content"] for s in stub.statuses]
    assert len(set(texts)) == 2


def test_connection_dropped_before_processing_is_retried(live, stub):
    live.extra += "request_timeout = 0.5\n"
    live.run("check")
    stub.stall_next(0.1, create=False)  # the server closes the connection without posting
    code, out, _ = publish(live)
    assert code == 0 and len(stub.statuses) == 2


def test_gives_up_after_bounded_attempts_and_resumes_next_run(live, stub):
    live.extra += "max_attempts = 2\n"
    live.run("check")
    for _ in range(2):
        stub.fail_next(503)
    code, out, _ = publish(live)
    assert code == 1 and "waiting 2" in out and "gave up after 2 attempts" in out  # held back by errors
    assert publish(live)[0] == 0 and len(stub.statuses) == 2


def test_422_is_recorded_and_the_next_post_goes_out(live, stub):
    live.run("check")
    stub.fail_next(422, {"error": "Validation failed: Text character limit of 500 exceeded"})
    code, out, _ = publish(live)
    assert code == 1 and len(stub.statuses) == 1
    assert "Validation failed: Text character limit of 500 exceeded" in out
    failed = json.loads(live.run("outbox", "list", "--state", "failed", "--json")[1])
    assert len(failed) == 1 and "422" in failed[0]["error"]


def test_rejected_token_stops_the_channel_without_printing_it(live, stub):
    live.run("check")
    code, out, err = publish(live, env={"MASTODON_ACCESS_TOKEN": "wrong-token-value"})
    assert code == 1 and "access token was rejected (401)" in out
    assert "wrong-token-value" not in out + err and not stub.statuses
    assert len([r for r in stub.requests if r["method"] == "POST"]) == 1  # stopped after the first
    code, _, _ = publish(live)  # with the right token everything goes out
    assert code == 0 and len(stub.statuses) == 2


def test_missing_token_is_a_config_error(live):
    live.run("check")
    code, _, err = publish(live, env={})
    assert code == 2 and "MASTODON_ACCESS_TOKEN is not set" in err


def test_min_interval_paces_posts(live, stub):
    live.extra = live.extra.replace("min_interval = 0", "min_interval = 7")
    live.run("check")
    sleeper = Sleeper(live.clock)
    publish(live, sleep=sleeper)
    assert sleeper.calls == [7] and len(stub.statuses) == 2


def test_limit_caps_one_run(live, stub):
    live.source("papers.yaml", many_papers(5))
    live.run("check")
    code, out, _ = publish(live, "--limit", "2")
    assert code == 0 and len(stub.statuses) == 2 and "waiting 3" in out
    publish(live, "--limit", "2")
    publish(live)
    assert len(stub.statuses) == 5


def test_posting_hours_apply_only_when_asked(live, stub):
    now = live.clock.now.astimezone()
    start = (now + timedelta(hours=2)).strftime("%H:00")
    end = (now + timedelta(hours=3)).strftime("%H:00")
    live.extra += f'posting_hours = "{start}-{end}"\n'
    live.run("check")
    code, out, _ = publish(live, "--respect-hours")
    assert code == 0 and "waiting 2" in out and not stub.statuses
    assert publish(live)[0] == 0 and len(stub.statuses) == 2


def test_thread_parts_reply_in_order(live, stub):
    live.extra += "thread = true\nmax_thread_parts = 3\n"
    live.source("papers.yaml", many_papers(1))
    live.run("check")
    assert publish(live)[0] == 0
    assert len(stub.statuses) == 3
    first, second, third = stub.statuses
    assert first["in_reply_to_id"] is None
    assert second["in_reply_to_id"] == first["id"] and third["in_reply_to_id"] == second["id"]


def interrupt_first_post(project):
    """Record the first due post and claim it ("sending"), as a run killed mid-request leaves it."""
    from bot.app import App
    from bot.config import load_config
    from bot.publish import Publisher

    project.run("check")
    project.write_config()
    app = App(load_config(project.config), project.config, ENV, project.clock)
    try:
        messages, _ = Publisher(app, app.store, sleep=lambda s: None).plan(["mastodon"])
        app.store.enqueue_posts([messages[0]])
        app.store.mark_sending(messages[0].key)
    finally:
        app.close()
    return messages[0]


def test_a_post_left_sending_is_resent_with_its_key_and_not_duplicated(live, stub):
    """A crash after the request reached the server, before the result was stored."""
    from mastodon import Mastodon

    first = interrupt_first_post(live)
    # the server did get it
    Mastodon(access_token=TOKEN, api_base_url=stub.url, version_check_mode="none").status_post(
        first.text, idempotency_key=first.key
    )
    assert len(stub.statuses) == 1
    code, out, _ = publish(live)
    assert code == 0 and len(stub.statuses) == 2  # the interrupted one was not posted twice


def test_a_post_left_sending_past_the_idempotency_window_is_uncertain(live, stub):
    interrupt_first_post(live)
    live.clock.advance(hours=2)
    code, out, _ = publish(live)
    assert code == 1 and "uncertain 1" in out and len(stub.statuses) == 1
    key = json.loads(live.run("outbox", "list", "--state", "uncertain", "--json")[1])[0]["key"]
    assert live.run("outbox", "mark-sent", key)[0] == 0
    assert publish(live)[0] == 0 and len(stub.statuses) == 1


def test_status_quota_per_three_hours(live, stub, monkeypatch):
    import bot.publish

    monkeypatch.setattr(bot.publish, "STATUS_QUOTA", 3)
    live.source("papers.yaml", many_papers(5))
    live.run("check")
    code, out, _ = publish(live)
    assert len(stub.statuses) == 3 and "waiting 2" in out and "quota" in out
    live.clock.advance(hours=3)
    publish(live)
    assert len(stub.statuses) == 5


def test_mastodon_mock_happy_path(project, tmp_path):
    """The PyPI mastodon-mock server as a second, independent implementation."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mastodon_mock", "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v2/instance", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        req = urllib.request.Request(
            base + "/api/v1/_mock/dev_user", data=b'{"username": "bot"}', headers={"Content-Type": "application/json"}
        )
        token = json.loads(urllib.request.urlopen(req, timeout=5).read())["access_token"]
        project.clock.now = datetime.now(UTC)
        project.source("papers.yaml", PAPERS)  # short abstracts: the mock counts len() <= 500
        project.extra = f'[channels.mastodon]\napi_base_url = "{base}"\nmin_interval = 0\n'
        project.run("check")
        code, out, err = publish(project, env={"MASTODON_ACCESS_TOKEN": token})
        assert code == 0, out + err
        code, out, _ = publish(project, env={"MASTODON_ACCESS_TOKEN": token})
        assert "sent 0" in out
        auth = {"Authorization": f"Bearer {token}"}
        me = json.loads(
            urllib.request.urlopen(
                urllib.request.Request(base + "/api/v1/accounts/verify_credentials", headers=auth), timeout=5
            ).read()
        )
        statuses = json.loads(
            urllib.request.urlopen(
                urllib.request.Request(base + f"/api/v1/accounts/{me['id']}/statuses", headers=auth), timeout=5
            ).read()
        )
        assert len(statuses) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)
