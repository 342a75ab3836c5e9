"""Concurrent runs claim their messages (issue 10, item 24).

Two or three `paperbot run`/`publish` processes started at once, against servers that do NOT honour
an idempotency key, never send one message twice, and none of them crashes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fakes.mastodon_stub import MastodonStub
from test_publish_mastodon import TOKEN, many_papers

from bot.store import Store

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.sendgrid_server import FakeSendGrid  # noqa: E402

CMD = [sys.executable, "-m", "bot"]


def start_all(commands: list[list[str]], env: dict[str, str]) -> list[tuple[int, str, str]]:
    procs = [
        subprocess.Popen([*CMD, *c], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append((p.returncode, stdout, stderr))
    return out


def test_mastodon_without_idempotency_keys_gets_each_post_once(project):
    with MastodonStub(access_token=TOKEN, latency=0.05, idempotency=False) as stub:
        project.source("papers.yaml", many_papers(30))
        project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
        project.write_config()
        env = {**os.environ, "MASTODON_ACCESS_TOKEN": TOKEN, "PAPERBOT_CONFIG": str(project.config)}
        for round_ in range(2):
            if round_:  # a second round with new papers, everything started at once again
                project.source("papers.yaml", many_papers(45))
                project.write_config()
            results = start_all(
                [["run"], ["publish", "--channel", "mastodon"], ["run"] if round_ else ["publish"]], env
            )
            for code, out, err in results:
                assert code == 0, out + err
                assert "Traceback" not in err
            texts = Counter(s["content"] for s in stub.statuses)
            assert len(texts) == (30 if round_ == 0 else 45) and max(texts.values()) == 1, texts.most_common(2)
            assert any("left to it" in out for _, out, _ in results)  # they did run at the same time
        posts = [r for r in stub.requests if r["method"] == "POST"]
        assert len(posts) == 45  # not one request more than posts


def test_email_batches_go_out_once_under_concurrent_runs(project):
    key = "SG.concurrency.Test"
    with FakeSendGrid(api_key=key, latency=0.05) as sg:
        project.source(
            "papers.yaml",
            'papers:\n  - title: "A Paper"\n    authors: [Jane Doe]\n    venue: "NeurIPS 2024"\n'
            '    arxiv: "2405.00001"\n',
        )
        project.extra = (
            "[channels.email]\n"
            f'from = "news@lab.example"\napi_host = "{sg.url}"\nbatch_size = 5\nrequest_timeout = 10\n'
            'unsubscribe_url = "https://lab.example/u?token={token}"\n'
        )
        project.write_config()
        env = {**os.environ, "SENDGRID_API_KEY": key, "PAPERBOT_CONFIG": str(project.config)}
        assert subprocess.run([*CMD, "check"], env=env, capture_output=True).returncode == 0
        with Store(project.db) as store:
            for i in range(23):
                store.add_subscriber(f"reader{i:02d}@lab.example")
        results = start_all([["publish", "--channel", "email"], ["run"], ["publish"]], env)
        for code, out, err in results:
            assert code == 0, out + err
        delivered = Counter(sg.delivered_addresses())
        assert len(delivered) == 23 and max(delivered.values()) == 1
        assert len([r for r in sg.requests if r.method == "POST"]) == 5


def test_a_claim_is_a_compare_and_set(tmp_path):
    """Two connections (two processes' view) claiming one message: exactly one wins."""
    from bot.compose import Message

    path = tmp_path / "s.db"
    a, b = Store(path), Store(path)
    try:
        a.enqueue_posts([Message(channel="mastodon", kind="post", key="k1", text="hello", paper_id="p", venue_key="v")])
        row_a, row_b = a.outbox_row("k1"), b.outbox_row("k1")
        assert a.mark_sending("k1", expect=(row_a.state, row_a.attempts))
        assert not b.mark_sending("k1", expect=(row_b.state, row_b.attempts))  # b read it before a's claim
        again = b.outbox_row("k1")  # the 'sending' row as b sees it now: a's retry still holds it
        assert a.mark_sending("k1", expect=("sending", 1))
        assert not b.mark_sending("k1", expect=(again.state, again.attempts))
        assert a.outbox_row("k1").attempts == 2
    finally:
        a.close()
        b.close()


def test_the_channel_lock_is_held_by_one_holder_at_a_time(tmp_path):
    path = tmp_path / "s.db"
    a, b = Store(path), Store(path)
    try:
        with (
            a.channel_lock("mastodon") as first,
            b.channel_lock("mastodon") as second,
            b.channel_lock("email") as other,
        ):
            assert first and not second and other
        with b.channel_lock("mastodon") as later:
            assert later
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("signal_name", ["SIGKILL"])
def test_a_killed_holder_releases_the_lock(tmp_path, signal_name):
    import signal
    import time

    path = tmp_path / "s.db"
    Store(path).close()
    code = (
        "import sys, time; from bot.store import Store\n"
        f"s = Store({str(path)!r})\n"
        "with s.channel_lock('mastodon') as ok:\n"
        "    print(ok, flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "True"
        with Store(path) as store, store.channel_lock("mastodon") as ours:
            assert not ours
        proc.send_signal(getattr(signal, signal_name))
        proc.wait(timeout=10)
        time.sleep(0.05)
        with Store(path) as store, store.channel_lock("mastodon") as ours:
            assert ours
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
