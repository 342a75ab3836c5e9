"""Held back, and said so: preview and status name why a due message is not sent by a run, and a
run that waits says what for and until when (issue 10, item 13).

Real HTTP against the Mastodon stub; the clock and sleep are injected, so nothing sleeps for real.
"""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import FrozenClock
from fakes.mastodon_stub import MastodonStub, iso_micro
from test_cli_foundation import PAPERS
from test_publish_mastodon import ENV, TOKEN, Sleeper, publish

# five papers whose case-insensitive title order is not their file order
TITLES = ["beta study of things", "Alpha study of things", "delta study of things", "Charlie study", "echo study"]
ORDER = ["Alpha study of things", "beta study of things", "Charlie study", "delta study of things", "echo study"]


def papers(titles: list[str]) -> str:
    lines = ["papers:"]
    for i, title in enumerate(titles):
        lines += [
            f"  - title: {title}",
            "    authors: [Jane Doe]",
            "    venue: NeurIPS 2024",
            f'    arxiv: "2405.{i:05d}"',
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def stub():
    with MastodonStub(access_token=TOKEN) as s:
        yield s


@pytest.fixture
def live(project, stub):
    project.clock.now = datetime.now(UTC)  # Mastodon.py reports rate-limit resets in real time
    project.source("papers.yaml", papers(TITLES))
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
    return project


def posts(project, *args: str) -> list[dict]:
    return [m for m in project.json("preview", *args)["messages"] if m["channel"] == "mastodon"]


def sent_titles(stub) -> list[str]:
    texts = [r["params"]["status"] for r in stub.requests if r["method"] == "POST"]
    return [next(t for t in ORDER if t in text) for text in texts]


def title_of(message: dict) -> str:
    return next(t for t in ORDER if t in message["text"])


def queue(project, channel: str = "mastodon") -> dict:
    return project.json("status")["queues"][channel]


# --- posting hours ---------------------------------------------------------------------------


def closed_window(project) -> tuple[str, datetime]:
    """posting_hours that exclude now; and when they next open (local time)."""
    now = project.clock.now.astimezone()
    start, end = now + timedelta(hours=2), now + timedelta(hours=3)
    project.extra += f'posting_hours = "{start:%H}:00-{end:%H}:00"\n'
    opens = now.replace(hour=start.hour, minute=0, second=0, microsecond=0)
    return f"{start:%H}:00–{end:%H}:00", opens if opens > now else opens + timedelta(days=1)


def test_posting_hours_closed_preview_says_why_and_publish_says_when_it_resumes(live, stub):
    window, opens = closed_window(live)
    live.run("check")
    # a plain preview is a plain publish: it keeps to no posting hours
    assert all("held_back" not in m for m in posts(live))
    held = [m["held_back"] for m in posts(live, "--respect-hours")]
    assert len(held) == 5 and {h["reason"] for h in held} == {"posting_hours"}
    assert datetime.fromisoformat(held[0]["until"]) == opens
    assert held[0]["detail"].startswith(f"outside posting hours (next window {window} ")
    assert held[0]["detail"].endswith(f", opens {opens:%Y-%m-%d %H:%M})")
    code, out, _ = live.run("preview", "--respect-hours")
    assert code == 0 and out.count("[held back: outside posting hours (next window") == 5
    assert "5 held back, 0 this run would send" in out

    code, out, err = publish(live, "--respect-hours")
    assert code == 0, out + err
    assert not stub.statuses
    assert "held back: 5 outside posting hours" in out
    assert f"opens {opens:%Y-%m-%d %H:%M}): resumes in " in out
    # run keeps to posting hours too, and status says when something will next be sent
    code, out, _ = live.run("run", env=ENV, sleep=Sleeper(live.clock))
    assert code == 0 and not stub.statuses and "outside posting hours" in out
    q = queue(live)
    assert q["due"] == 5 and q["held_back"] == {"posting_hours": 5}
    assert datetime.fromisoformat(q["next_send"]) == opens
    assert (
        f"mastodon: 5 due; held back: 5 outside posting hours; next send: {opens:%Y-%m-%d %H:%M}"
        in live.run("status")[1]
    )


# --- max_per_run and --limit -----------------------------------------------------------------


def test_max_per_run_holds_back_all_but_the_first_in_preview_order(live, stub):
    live.extra += "max_per_run = 2\n"
    live.run("check")
    assert all("held_back" not in m for m in posts(live))  # a plain publish has no max_per_run
    shown = posts(live, "--as-run")
    assert [title_of(m) for m in shown] == ORDER
    assert ["held_back" in m for m in shown] == [False, False, True, True, True]
    detail = "max_per_run = 2 (this is #{} in order)"
    assert [m["held_back"] for m in shown[2:]] == [
        {"reason": "max_per_run", "detail": detail.format(n), "until": None} for n in (3, 4, 5)
    ]
    code, out, _ = live.run("preview", "--as-run")
    assert "[held back: max_per_run = 2 (this is #3 in order)]" in out
    assert "[held back" not in out.split(ORDER[1])[0]  # the first two are not marked
    q = queue(live)
    assert q["due"] == 5 and q["held_back"] == {"max_per_run": 3}

    code, out, err = live.run("run", env=ENV, sleep=Sleeper(live.clock))
    assert code == 0, out + err
    assert sent_titles(stub) == ORDER[:2]
    assert "held back: 3 by max_per_run" in out
    q = queue(live)
    assert q["due"] == 3 and q["held_back"] == {"max_per_run": 1} and q["next_send"]
    assert "mastodon: 3 due; held back: 1 by max_per_run; next send: at the next run" in live.run("status")[1]
    # the next run posts the next two of the same order
    live.run("run", env=ENV, sleep=Sleeper(live.clock))
    assert sent_titles(stub) == ORDER[:4]


def test_limit_holds_back_past_the_first_n(live, stub):
    live.run("check")
    shown = posts(live, "--limit", "3")
    assert [m.get("held_back", {}).get("detail") for m in shown] == [
        None,
        None,
        None,
        "--limit 3 (this is #4 in order)",
        "--limit 3 (this is #5 in order)",
    ]
    assert {m["held_back"]["reason"] for m in shown[3:]} == {"limit"}
    code, out, _ = live.run("publish", "--dry-run", "--limit", "3", "--channel", "mastodon")
    assert code == 0 and out.count("[held back: --limit 3") == 2
    code, out, _ = publish(live, "--limit", "3")
    assert code == 0 and sent_titles(stub) == ORDER[:3] and "held back: 2 by --limit" in out


# --- failed, awaiting a decision -------------------------------------------------------------


def test_a_failed_post_shows_its_redacted_error_as_the_reason(live, stub):
    live.run("check")
    stub.fail_next(422, lambda headers: {"error": f"Validation failed; you sent {headers.get('Authorization')}"})
    code, out, _ = publish(live)
    assert code == 1 and len(stub.statuses) == 4
    shown = posts(live)
    held = [m for m in shown if "held_back" in m]
    assert len(shown) == 1 and len(held) == 1 and title_of(held[0]) == ORDER[0]
    reason = held[0]["held_back"]
    assert reason["reason"] == "failed" and reason["until"] is None
    assert reason["detail"].startswith("failed, awaiting a decision: ") and "Validation failed" in reason["detail"]
    assert reason["detail"].endswith("(see paperbot outbox list)")
    code, out, _ = live.run("preview")
    assert TOKEN not in out and "[held back: failed, awaiting a decision: " in out
    q = queue(live)
    assert q["due"] == 1 and q["held_back"] == {"failed": 1} and q["awaiting_decision"] == {"failed": 1, "uncertain": 0}
    assert q["next_send"] is None
    assert "1 failed, awaiting a decision (paperbot outbox list)" in live.run("status")[1]


# --- waits and progress ----------------------------------------------------------------------


WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(in \d+ s\)"


def test_pacing_waits_say_what_and_until_when(live, stub):
    live.extra = live.extra.replace("min_interval = 0", "min_interval = 7")
    live.run("check")
    sleeper = Sleeper(live.clock)
    code, out, err = publish(live, "--json", sleep=sleeper)
    assert code == 0 and json.loads(out)["sent"] == 5  # stdout stays JSON; the waits go to stderr
    assert sleeper.calls == [7, 7, 7, 7]
    lines = [line for line in err.splitlines() if "pacing" in line]
    assert len(lines) == 4
    assert re.fullmatch(r"mastodon: pacing \(min_interval = 7 s\): next post at " + WHEN, lines[0]), lines[0]
    assert "(in 7 s)" in lines[0]


def test_short_waits_are_not_announced(live, stub):
    live.extra = live.extra.replace("min_interval = 0", "min_interval = 1")
    live.run("check")
    code, _, err = publish(live)
    assert code == 0 and "pacing" not in err


def test_rate_limit_wait_says_until_when(live, stub):
    live.run("check")
    reset = datetime.now(UTC).timestamp() + 30
    stub.fail_next(429, headers={"X-RateLimit-Reset": iso_micro(reset), "X-RateLimit-Remaining": "0"})
    code, out, err = publish(live)
    assert code == 0 and len(stub.statuses) == 5
    line = next(line for line in err.splitlines() if "rate limited" in line)
    assert re.fullmatch(r"mastodon: rate limited by the server: waiting until " + WHEN + ", then resuming", line), line


def test_long_rate_limit_is_held_back_until_the_reset(live, stub):
    live.run("check")
    reset = datetime.now(UTC).timestamp() + 7200
    stub.fail_next(429, headers={"X-RateLimit-Reset": iso_micro(reset), "X-RateLimit-Remaining": "0"})
    code, out, err = publish(live)
    assert code == 0 and not stub.statuses and "held back: 5 by a rate limit" in out
    assert re.search(r"mastodon: rate limited until .* \(in (1 h 59 min|2 h)\), longer than a run waits", err), err
    held = [m["held_back"] for m in posts(live)]
    assert len(held) == 5 and {h["reason"] for h in held} == {"rate_limit"}
    until = datetime.fromisoformat(held[0]["until"]).timestamp()
    assert abs(until - reset) < 5 and held[0]["detail"].startswith("rate limited until ")
    q = queue(live)
    assert q["held_back"] == {"rate_limit": 5} and abs(datetime.fromisoformat(q["next_send"]).timestamp() - reset) < 5
    # once the reset has passed, nothing is held back any more
    live.clock.advance(hours=2, minutes=1)
    assert all("held_back" not in m for m in posts(live))


def test_long_runs_show_progress(project, stub):
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", papers([f"Paper {i:02d} on things" for i in range(26)]))
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
    project.run("check")
    code, out, err = publish(project, "--json")
    assert code == 0 and json.loads(out)["sent"] == 26
    assert [line for line in err.splitlines() if line.startswith("posted")] == [
        "posted 10 of 26 on mastodon",
        "posted 20 of 26 on mastodon",
    ]


def test_progress_every_30_seconds_on_slow_runs(project, stub):
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", papers([f"Paper {i:02d} on things" for i in range(12)]))
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 20\n'
    project.run("check")
    code, _, err = publish(project)
    assert code == 0
    progress = [line for line in err.splitlines() if line.startswith("posted")]
    assert progress[:2] == ["posted 3 of 12 on mastodon", "posted 5 of 12 on mastodon"]  # at 40 s and 80 s


# --- check and status agree ------------------------------------------------------------------


def test_check_and_status_count_due_alike(project, clock: FrozenClock):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.page]\ndir = "site"\n[channels.mastodon]\napi_base_url = "https://m.example"\n'
    code, out, _ = project.run("check")
    assert out.startswith("2 newly accepted papers") and "\ndue: 2 on mastodon, 2 on page (paperbot status)" in out
    status = project.json("status")
    for channel in ("mastodon", "page"):
        venues = sum(v["channels"][channel]["due"] for v in status["venues"].values())
        assert status["queues"][channel]["due"] == venues == 2
    # the page channel is published, then one more paper is accepted: 1 new, and both count what
    # is due the same way
    assert project.run("publish", "--channel", "page")[0] == 0
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    data = project.json("check")
    assert data["new"] == 1 and data["due"] == {"mastodon": 3, "page": 1}
    status = project.json("status")
    assert {c: q["due"] for c, q in status["queues"].items()} == data["due"]
    out = project.run("status")[1]
    assert "mastodon: 3 due; next send: at the next run" in out and "page: 1 due; next send: at the next run" in out
