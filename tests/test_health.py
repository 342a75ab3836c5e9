"""``paperbot health``: exit 0 while a daemon's heartbeat is fresh, 1 when stale or absent; read-only."""

from __future__ import annotations

import json
import os
import socket

from test_cli_foundation import PAPERS

from bot.store import Store


def test_health_without_a_store_or_a_daemon_is_1(project):
    project.source("papers.yaml", PAPERS)
    code, out, _ = project.run("health")
    assert code == 1 and "no store yet" in out
    assert not project.db.exists()  # read-only: nothing created
    project.run("check")
    code, out, _ = project.run("health", "--json")
    assert code == 1 and json.loads(out)["healthy"] is False and "no daemon" in json.loads(out)["reason"]


def test_health_follows_the_heartbeat(project, clock):
    project.source("papers.yaml", PAPERS)
    project.run("check")
    with Store(project.db, clock=clock) as s:
        s.acquire_lease(token="d", pid=os.getpid(), host=socket.gethostname(), ttl=30)
    code, out, _ = project.run("health", "--json")
    data = json.loads(out)
    assert code == 0 and data["healthy"] is True and data["pid"] == os.getpid() and data["age"] == 0
    clock.advance(seconds=59)
    assert project.run("health")[0] == 0
    clock.advance(seconds=2)
    code, out, _ = project.run("health")
    assert code == 1 and "61 s old" in out
    assert project.run("health", "--max-age", "120")[0] == 0
    with Store(project.db, clock=clock) as s:
        assert s.renew_lease(token="d", ttl=30)  # the daemon beats again: healthy again
    assert project.run("health")[0] == 0
    with Store(project.db, clock=clock) as s:
        s.release_lease(token="d")  # stopped
    assert project.run("health")[0] == 1
