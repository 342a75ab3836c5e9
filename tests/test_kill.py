"""SIGKILL at random moments while publishing; after restarts every post exists exactly once."""

import os
import random
import signal
import subprocess
import sys
import time

from fakes.mastodon_stub import MastodonStub
from test_publish_mastodon import TOKEN, many_papers


def test_sigkill_during_publishing_never_loses_or_duplicates(project):
    rng = random.Random(20261126)
    with MastodonStub(access_token=TOKEN, latency=0.02) as stub:
        project.source("papers.yaml", many_papers(100))
        project.extra = f'[channels.mastodon]\napi_base_url = "{stub.url}"\nmin_interval = 0\n'
        project.write_config()
        env = {**os.environ, "MASTODON_ACCESS_TOKEN": TOKEN, "PAPERBOT_CONFIG": str(project.config)}
        cmd = [sys.executable, "-m", "bot"]
        assert subprocess.run([*cmd, "check"], env=env, capture_output=True).returncode == 0
        kills = 0
        for _ in range(60):
            proc = subprocess.Popen(
                [*cmd, "publish", "--channel", "mastodon"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + rng.uniform(0.4, 1.6)
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                continue
            if proc.returncode == 0 and len(stub.statuses) == 100:
                break
        assert kills >= 2, "the test should have interrupted publishing at least twice"
        texts = [s["content"] for s in stub.statuses]
        assert len(texts) == 100 and len(set(texts)) == 100
        # a final run has nothing left to do
        done = subprocess.run([*cmd, "publish", "--channel", "mastodon"], env=env, capture_output=True, text=True)
        assert done.returncode == 0 and "sent 0" in done.stdout and len(stub.statuses) == 100
