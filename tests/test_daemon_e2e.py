"""`paperbot daemon` as a real process against the in-repo fake Mastodon, on `every 2s` schedules."""

import os
import signal
import subprocess
import sys
import time

from fakes.mastodon_stub import MastodonStub
from test_publish_mastodon import TOKEN, many_papers

CMD = [sys.executable, "-m", "bot", "daemon"]


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_daemon_posts_once_refuses_a_second_daemon_and_stops_on_sigterm(project):
    with MastodonStub(access_token=TOKEN) as stub:
        project.source("papers.yaml", many_papers(5))
        project.extra = (
            f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n\n'
            '[schedule]\ntimezone = "UTC"\ncheck = "every 2s"\nposts = "every 2s"\n'
        )
        project.write_config()
        env = {**os.environ, "MASTODON_ACCESS_TOKEN": TOKEN, "PAPERBOT_CONFIG": str(project.config)}
        first = subprocess.Popen(CMD, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_for(lambda: len(stub.statuses) >= 5, 30), "the daemon should have posted every paper"
            # a second daemon on the same store refuses at once, naming the first
            started = time.monotonic()
            second = subprocess.run(CMD, env=env, capture_output=True, text=True, timeout=30)
            assert second.returncode == 1, second.stderr
            assert f"pid {first.pid} on host" in second.stderr and "since" in second.stderr
            assert time.monotonic() - started < 10
            # SIGHUP reloads, later runs send nothing again
            first.send_signal(signal.SIGHUP)
            time.sleep(4.5)
            assert first.poll() is None
            texts = [s["content"] for s in stub.statuses]
            assert len(texts) == 5 and len(set(texts)) == 5
            # SIGTERM: exit 0 within 10 s
            stopped = time.monotonic()
            first.send_signal(signal.SIGTERM)
            _, err = first.communicate(timeout=10)
            assert first.returncode == 0, err
            assert time.monotonic() - stopped < 10
            assert "reload: config and templates read again" in err and "posts: ok" in err
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        # the lock was released: a `run` now is not told a daemon is running
        done = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True)
        assert "daemon is running" not in done.stderr and len(stub.statuses) == 5


def test_sigkill_mid_publish_then_restart_posts_every_paper_exactly_once(project):
    """kill -9 while the daemon is posting; a restart on the same store takes the lock over at
    once (same host, holder gone) and finishes: every paper appears exactly once."""
    with MastodonStub(access_token=TOKEN, latency=0.15) as stub:
        project.source("papers.yaml", many_papers(12))
        project.extra = (
            f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n\n'
            '[schedule]\ntimezone = "UTC"\ncheck = "every 2s"\nposts = "every 2s"\n'
        )
        project.write_config()
        env = {**os.environ, "MASTODON_ACCESS_TOKEN": TOKEN, "PAPERBOT_CONFIG": str(project.config)}
        first = subprocess.Popen(CMD, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert wait_for(lambda: len(stub.statuses) >= 3, 30), "the daemon should have started posting"
            first.kill()  # SIGKILL: no cleanup, the lease stays in the store
            first.wait(timeout=10)
            assert len(stub.statuses) < 12, "killed before the end"
            second = subprocess.Popen(CMD, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                assert wait_for(lambda: len(stub.statuses) >= 12, 45), "the restarted daemon should finish"
                time.sleep(2.5)  # one more posts cycle: nothing more may go out
                second.send_signal(signal.SIGTERM)
                _, err = second.communicate(timeout=15)
                assert second.returncode == 0, err
            finally:
                if second.poll() is None:
                    second.kill()
                    second.wait()
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        texts = [s["content"] for s in stub.statuses]
        assert len(texts) == 12 and len(set(texts)) == 12


def test_daemon_sends_the_digest_once_through_sendgrid_and_stops_on_sigterm(project):
    """The digest job, on its schedule, against the fake SendGrid: one digest, once, even after
    later runs of the schedule and a restart."""
    import csv

    from fakes.sendgrid_server import FakeSendGrid

    key = "SG.test-key.abcdefghijklmnopqrstuvwxyz"
    with FakeSendGrid(api_key=key) as sg:
        project.source("papers.yaml", many_papers(3))
        project.extra = (
            "[channels.email]\n"
            'from = "news@lab.example"\n'
            f'api_host = "{sg.url}"\n'
            'unsubscribe_url = "https://lab.example/u?token={token}"\n\n'
            '[schedule]\ntimezone = "UTC"\ncheck = "every 2s"\nposts = "every 2s"\ndigest = "every 2s"\n'
        )
        project.write_config()
        people = project.root / "people.csv"
        with people.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["email"], ["ada@lab.example"], ["bob@lab.example"]])
        env = {**os.environ, "SENDGRID_API_KEY": key, "PAPERBOT_CONFIG": str(project.config)}
        imported = subprocess.run([sys.executable, "-m", "bot", "subscribers", "import", str(people)], env=env,
                                  capture_output=True, text=True)  # fmt: skip
        assert imported.returncode == 0, imported.stderr

        def sent() -> list[dict]:
            return [r.payload for r in sg.requests if r.method == "POST" and r.accepted]

        for _ in range(2):  # a restart must not send the digest again
            daemon = subprocess.Popen(CMD, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                assert wait_for(lambda: len(sent()) >= 1, 30), "the digest should go out"
                time.sleep(4.5)  # two more digest slots: nothing new, nothing sent
                daemon.send_signal(signal.SIGTERM)
                _, err = daemon.communicate(timeout=15)
                assert daemon.returncode == 0, err
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.wait()
        assert len(sent()) == 1
        recipients = [p["to"][0]["email"] for p in sent()[0]["personalizations"]]
        assert sorted(recipients) == ["ada@lab.example", "bob@lab.example"]
