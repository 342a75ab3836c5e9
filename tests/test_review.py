"""Review mode end to end through the CLI: [publishing] mode = "review" against the in-repo fake Mastodon
(and the fake SendGrid for the digest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.mastodon_stub import MastodonStub
from test_cli_foundation import PAPERS
from test_publish_email import KEY, FakeSendGrid, run, setup_lab

from bot.length import mastodon_length

TOKEN = "stub-token-secret-value"
ENV = {"MASTODON_ACCESS_TOKEN": TOKEN}
REVIEW = '\n[publishing]\nmode = "review"\n'


class NoSleep:
    def __call__(self, seconds: float) -> None:
        pass


@pytest.fixture
def stub():
    with MastodonStub(access_token=TOKEN) as s:
        yield s


@pytest.fixture
def lab(project, stub):
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n' + REVIEW
    assert project.run("check")[0] == 0
    return project


def publish(project, *args):
    return project.run("publish", "--channel", "mastodon", *args, env=ENV, sleep=NoSleep())


def queue(project, *args):
    code, out, err = project.run("review", "list", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def sent_texts(stub):
    return [r["params"]["status"] for r in stub.requests if r["method"] == "POST"]


def test_new_posts_wait_for_review_and_list_shows_text_and_length(lab, stub):
    code, out, err = publish(lab)
    assert code == 0, err
    assert not stub.statuses and "2 awaiting review" in out
    items = queue(lab)
    assert len(items) == 2 and {i["state"] for i in items} == {"pending"}
    for item in items:
        assert item["channel"] == "mastodon" and item["text"]
        assert item["length"] == mastodon_length(item["text"]) and item["limit"] == 500
    code, out, _ = lab.run("review", "list")
    assert code == 0 and f"#{items[0]['id']} mastodon" in out and items[0]["text"].splitlines()[0] in out
    assert f"{items[0]['length']}/500 characters" in out
    # the preview says why they wait
    preview = lab.json("preview", "--channel", "mastodon")
    posts = [m for m in preview["messages"] if m["channel"] == "mastodon"]
    assert len(posts) == 2 and all(m["held_back"]["reason"] == "awaiting_review" for m in posts)
    # publishing again proposes nothing twice
    publish(lab)
    assert len(queue(lab)) == 2


def test_approved_post_is_sent_once_rejected_never(lab, stub):
    publish(lab)
    first, second = queue(lab)
    code, out, err = lab.run("review", "approve", str(first["id"]), "--by", "editor-anna")
    assert code == 0 and "approved by editor-anna" in out, err
    code, _, err = lab.run("review", "reject", str(second["id"]), "--reason", "not ours")
    assert code == 0, err
    code, out, err = publish(lab)
    assert code == 0, err
    assert sent_texts(stub) == [first["text"]]
    # a second publish sends nothing, and the rejected one is never proposed again
    code, out, err = publish(lab)
    assert code == 0 and sent_texts(stub) == [first["text"]], err
    everything = {i["id"]: i for i in queue(lab, "--all")}
    assert everything[first["id"]]["state"] == "queued"
    assert everything[first["id"]]["decided_by"] == "editor-anna" and everything[first["id"]]["decided_at"]
    assert everything[second["id"]]["state"] == "rejected" and everything[second["id"]]["reason"] == "not ours"
    assert queue(lab) == []


def test_approve_all_defaults_to_the_login_name(lab, stub, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "loginname")
    publish(lab)
    code, out, err = lab.run("review", "approve", "--all")
    assert code == 0, err
    assert {i["decided_by"] for i in queue(lab)} == {"loginname"}
    assert publish(lab)[0] == 0 and len(stub.statuses) == 2


def test_edit_within_the_limit_is_what_is_sent(lab, stub, tmp_path):
    publish(lab)
    item = queue(lab)[0]
    edited = "Edited by hand: a shorter announcement https://arxiv.org/abs/" + "x" * 300
    path = tmp_path / "new.txt"
    path.write_text(edited + "\n", encoding="utf-8")
    code, out, err = lab.run("review", "edit", str(item["id"]), "--text-file", str(path), "--by", "bob")
    assert code == 0, err
    assert f"({mastodon_length(edited)}/500 characters)" in out
    now = next(i for i in queue(lab) if i["id"] == item["id"])
    assert now["text"] == edited and now["edited_by"] == "bob" and now["state"] == "pending"
    lab.run("review", "approve", str(item["id"]))
    assert publish(lab)[0] == 0
    assert sent_texts(stub) == [edited]


def test_too_long_edit_is_refused_with_its_count(lab, stub, tmp_path):
    publish(lab)
    item = queue(lab)[0]
    path = tmp_path / "long.txt"
    path.write_text("word " * 120, encoding="utf-8")  # 599 characters once stripped
    code, out, err = lab.run("review", "edit", str(item["id"]), "--text-file", str(path))
    assert code == 1
    assert "599 characters, over the limit of 500" in err and "unchanged" in err
    assert next(i for i in queue(lab) if i["id"] == item["id"])["text"] == item["text"]


def test_unknown_id_is_a_usage_error(lab):
    code, _, err = lab.run("review", "approve", "999")
    assert code == 2 and "no message '999'" in err


def test_auto_mode_is_unchanged(project, stub):
    project.clock.now = datetime.now(UTC)
    project.source("papers.yaml", PAPERS)
    project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
    project.run("check")
    code, out, err = publish(project)
    assert code == 0 and len(stub.statuses) == 2, err
    assert queue(project) == []


def test_mode_is_checked(project):
    project.extra = '[publishing]\nmode = "sometimes"\n'
    code, _, err = project.run("status")
    assert code == 2 and "mode" in err


@pytest.fixture
def sg(clock):
    with FakeSendGrid(api_key=KEY, clock=lambda: clock().timestamp()) as fake:
        yield fake


def test_the_digest_waits_for_approval_then_goes_out_once(project, sg):
    setup_lab(project, sg.url)
    project.extra += REVIEW
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0 and not [r for r in sg.requests if r.method == "POST"], out + err
    (digest,) = json.loads(run(project, "review", "list", "--json")[1])
    assert digest["kind"] == "digest" and digest["subject"] and digest["length"] == len(digest["text"])
    code, _, err = run(project, "review", "edit", str(digest["id"]), "--text-file", __file__)
    assert code == 2 and "cannot be edited" in err
    assert run(project, "review", "approve", str(digest["id"]))[0] == 0
    code, out, err = run(project, "publish", "--channel", "email")
    assert code == 0, out + err
    mails = [r for r in sg.requests if r.method == "POST" and "mail/send" in r.path]
    assert len(mails) == 1
    assert run(project, "publish", "--channel", "email")[0] == 0
    assert len([r for r in sg.requests if r.method == "POST" and "mail/send" in r.path]) == 1
    assert json.loads(run(project, "review", "list", "--json")[1]) == []


def test_an_approved_digest_goes_out_at_the_next_run_not_its_next_schedule(project, sg):
    setup_lab(project, sg.url)
    project.extra += REVIEW + '\n[schedule]\ntimezone = "UTC"\ndigest = "thu 09:00"\n'
    project.clock.advance(minutes=1)  # Thursday 09:01: the digest is due
    code, out, err = run(project, "run")
    assert code == 0, out + err
    assert not [r for r in sg.requests if r.method == "POST" and "mail/send" in r.path]
    (digest,) = json.loads(run(project, "review", "list", "--json")[1])
    assert run(project, "review", "approve", str(digest["id"]), "--by", "ed")[0] == 0
    project.clock.advance(hours=1)  # no longer the digest's time
    code, out, err = run(project, "run")
    assert code == 0, out + err
    assert len([r for r in sg.requests if r.method == "POST" and "mail/send" in r.path]) == 1
    assert run(project, "run")[0] == 0
    assert len([r for r in sg.requests if r.method == "POST" and "mail/send" in r.path]) == 1
