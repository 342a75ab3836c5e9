"""The daemon's scheduled check takes ``paperbot check``'s skip-unchanged path (bot/fingerprint.py),
and the roster it keeps in memory is the one fingerprinted: an edited roster is read again."""

from __future__ import annotations

import json

from conftest import ROSTER
from test_unchanged_sources import _age, _digest, _lab, _reset, counts  # noqa: F401

from bot.app import App
from bot.daemon import jobs as J
from bot.daemon.plan import Due
from bot.daemon.runner import Daemon


def _daemon(project, clock) -> Daemon:
    project.extra = '[schedule]\ntimezone = "UTC"\ncheck = "every 30s"\n'
    project.write_config()
    return Daemon(lambda: App.from_path(str(project.config), {}, clock), clock=clock)


def test_a_scheduled_check_of_unchanged_files_reads_and_writes_nothing(project, clock, counts):  # noqa: F811
    _lab(project)
    daemon = _daemon(project, clock)
    try:
        assert daemon.run_job(Due("check", clock())) == "ok"
        first = daemon.app.store.last_job_run("check")["counts"]
        assert first["new"] == 3 and "unchanged" not in first
        assert counts["yaml"] == 1 and counts["bibtex"] == 1
        roster = daemon.app.roster
        _reset(counts)

        outcome, got, error = J.check(daemon.app)
        assert (outcome, error) == ("ok", None) and got == {"new": 0, "updated": 0, "removed": 0, "unchanged": True}
        assert counts == {"yaml": 0, "bibtex": 0, "hashed": 1, "writes": 0}  # stat calls and the small roster
        assert daemon.app.roster is roster  # kept in memory, not read again

        # the CLI's quick path still works after the daemon's checks (it records the config itself)
        code, out, _ = project.run("check", "--json")
        assert code == 0 and json.loads(out)["unchanged"] is True
        stored = _digest(project.db)
        _reset(counts)
        assert J.check(daemon.app)[1]["unchanged"] is True
        assert counts["writes"] == 0 and _digest(project.db) == stored
    finally:
        daemon.app.close()


def test_an_edited_roster_is_read_again_and_the_check_runs_in_full(project, clock, counts):  # noqa: F811
    _lab(project)
    daemon = _daemon(project, clock)
    try:
        assert J.check(daemon.app)[0] == "ok"
        before = daemon.app.roster
        assert not any(m.name == "Niklas Strauß" for m in before.members)
        roster_file = project.root / "roster.yaml"
        roster_file.write_text(ROSTER + "  - name: Niklas Strauß\n", encoding="utf-8")
        _age(roster_file, seconds=50)
        _reset(counts)

        outcome, got, _ = J.check(daemon.app)
        assert outcome == "ok" and "unchanged" not in got
        assert counts["yaml"] == 1 and counts["bibtex"] == 1  # everything read again
        assert daemon.app.roster is not before and any(m.name == "Niklas Strauß" for m in daemon.app.roster.members)
        _reset(counts)
        assert J.check(daemon.app)[1].get("unchanged") is True and counts["writes"] == 0
    finally:
        daemon.app.close()
