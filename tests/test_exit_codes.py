"""Exit codes carry the truth (issue 10, item 22).

A run exits 1 while any message has failed or is uncertain and awaits a decision, every time; a
rate-limit wait is normal (exit 0, resume time shown) until the channel has been held back for
longer than [run] alert_after.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.mastodon_stub import MastodonStub, iso_micro
from test_cli_foundation import PAPERS
from test_publish_mastodon import ENV, TOKEN, Sleeper, interrupt_first_post


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


def publish(project, *args):
    return project.run("publish", "--channel", "mastodon", *args, env=ENV, sleep=Sleeper(project.clock))


def cron_run(project, *args):
    return project.run("run", *args, env=ENV, sleep=Sleeper(project.clock))


def rate_limit_for(stub, seconds: float) -> None:
    stub.fail_next(429, headers={"X-RateLimit-Reset": iso_micro(datetime.now(UTC).timestamp() + seconds)})


def test_a_failed_message_keeps_every_run_at_exit_1_until_decided(live, stub):
    live.run("check")
    stub.fail_next(422, {"error": "Validation failed: Text character limit of 500 exceeded"})
    code, out, _ = cron_run(live)
    assert code == 1 and "failed 1" in out
    for _ in range(2):  # nothing new, nothing sent: still 1, so cron keeps flagging it
        code, out, _ = cron_run(live)
        assert code == 1 and "1 message failed or uncertain, awaiting your decision" in out and "sent 0" in out
    data = json.loads(publish(live, "--json")[1])
    assert len(data["awaiting_decision"]) == 1
    key = data["awaiting_decision"][0]
    assert live.run("outbox", "mark-sent", key)[0] == 0
    assert cron_run(live)[0] == 0


def test_a_retried_failure_clears_the_exit_code(live, stub):
    live.run("check")
    stub.fail_next(422)
    assert publish(live)[0] == 1
    key = json.loads(live.run("outbox", "list", "--state", "failed", "--json")[1])[0]["key"]
    assert live.run("outbox", "retry", key)[0] == 0
    code, out, _ = publish(live)
    assert code == 0 and "sent 1" in out and len(stub.statuses) == 2


def test_an_uncertain_message_keeps_exit_1(live, stub):
    interrupt_first_post(live)
    live.clock.advance(hours=2)
    assert publish(live)[0] == 1
    code, out, _ = publish(live)
    assert code == 1 and "awaiting your decision" in out


def test_only_the_published_channels_count(live, stub):
    live.extra += '[channels.page]\ndir = "public"\n'
    live.run("check")
    stub.fail_next(422)
    assert publish(live)[0] == 1
    code, _, err = live.run("publish", "--channel", "page", env=ENV)
    assert code == 0, err


def test_a_rate_limit_is_normal_and_shows_when_it_resumes(live, stub):
    live.run("check")
    rate_limit_for(stub, 7200)
    code, out, _ = publish(live)
    assert code == 0 and "waiting 2" in out and not stub.statuses
    assert "waiting: rate limited until 20" in out and "the next run resumes" in out


def test_rate_limited_for_longer_than_alert_after_exits_1(live, stub):
    live.run("check")
    rate_limit_for(stub, 3600)
    assert publish(live)[0] == 0
    live.clock.advance(hours=5)
    rate_limit_for(stub, 8 * 3600)
    code, out, _ = publish(live)
    assert code == 0, out  # 5 h: still under the default 6 h
    live.clock.advance(hours=1, minutes=1)
    rate_limit_for(stub, 8 * 3600)
    code, out, _ = publish(live)
    assert code == 1 and "ALERT: mastodon has been in trouble since" in out and "alert_after = '6h'" in out
    rate_limit_for(stub, 8 * 3600)
    code, out, _ = publish(live, "--json")
    channel = json.loads(out)["channels"]["mastodon"]
    assert code == 1 and channel["alert"] and channel["trouble"].startswith("rate limited until")
    # the rate limit is over: everything goes out, the trouble is forgotten
    code, out, _ = publish(live)
    assert code == 0 and len(stub.statuses) == 2 and "ALERT" not in out


def test_alert_after_is_configurable(live, stub):
    live.extra = '[run]\nalert_after = "30m"\n' + live.extra
    live.run("check")
    rate_limit_for(stub, 7200)
    assert publish(live)[0] == 0
    live.clock.advance(minutes=31)
    rate_limit_for(stub, 7200)
    code, out, _ = publish(live)
    assert code == 1 and "alert_after = '30m'" in out


def test_trouble_resets_after_a_good_run(live, stub):
    live.source("papers.yaml", PAPERS)
    live.run("check")
    rate_limit_for(stub, 3600)
    assert publish(live)[0] == 0
    assert publish(live)[0] == 0 and len(stub.statuses) == 2  # through: trouble cleared
    live.clock.advance(hours=7)
    live.source(
        "papers.yaml",
        PAPERS + '  - title: "A Later Paper"\n    authors: [Jane Doe]\n    venue: "ICLR 2025"\n'
        '    arxiv: "2501.00001"\n',
    )
    live.run("check")
    rate_limit_for(stub, 7200)
    code, out, _ = publish(live)
    assert code == 0 and "ALERT" not in out  # a new episode starts now, not 7 h ago


def test_the_account_quota_is_a_normal_wait_with_its_resume_time(live, stub, monkeypatch):
    import bot.publish

    monkeypatch.setattr(bot.publish, "STATUS_QUOTA", 1)
    live.run("check")
    code, out, _ = publish(live)
    assert code == 0 and len(stub.statuses) == 1 and "quota" in out and "reached until 20" in out
