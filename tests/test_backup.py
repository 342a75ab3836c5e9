"""``paperbot backup PATH``: a consistent, verified copy of the store, also while others write."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import bot.backup
from bot.store import Store

PAPERS = """\
papers:
  - title: "Variational Low-Rank Adaptation Using IVON"
    authors: [Bai Cong, Jane Doe]
    venue: "FITML @NeurIPS 2024"
    arxiv: "2411.04421"
  - title: "Targeted Sequential Indirect Experiment Design"
    authors: [Elisabeth Ailer, H. Schütze]
    venue: "NeurIPS 2024"
    arxiv: "2405.19985"
"""

# Another process on the store: commits rows, then keeps one write transaction open and goes on
# writing into it until told to stop (stdin closed), then commits.
WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    for i in range(200):
        db.execute("INSERT INTO kv VALUES (?, 'committed', '2024-12-05')", (f"writer:{i}",))
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO kv VALUES ('writer:open', 'uncommitted', '2024-12-05')")
    print("ready", flush=True)
    import threading
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    i = 0
    while not stop.is_set():
        db.execute("INSERT INTO kv VALUES (?, 'uncommitted', '2024-12-05')", (f"writer:open:{i}",))
        i += 1
        time.sleep(0.001)
    db.execute("COMMIT")
    print("committed", i, flush=True)
    """
)


def _kv(path: Path) -> dict[str, str]:
    with Store(path, readonly=True) as store:
        return {r[0]: r[1] for r in store.db.execute("SELECT key, value FROM kv")}


@pytest.fixture
def stored(project):
    project.source("papers.yaml", PAPERS)
    code, _, err = project.run("check")
    assert code == 0, err
    return project


def test_backup_is_verified_and_reports_what_it_holds(stored, tmp_path):
    target = tmp_path / "backups" / "paperbot.db"
    target.parent.mkdir()
    code, out, err = stored.run("backup", str(target), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["path"] == str(target) and data["integrity"] == "ok" and data["bytes"] == target.stat().st_size
    assert data["tables"]["papers"] == 2 and data["schema_version"] >= 1
    assert not Path(f"{target}.tmp").exists() and not Path(f"{target}-wal").exists()
    with Store(target, readonly=True) as copy:
        assert copy.counts()["papers"] == 2
    code, out, _ = stored.run("backup", str(tmp_path / "second.db"))
    assert code == 0 and "2 papers" in out and "integrity ok" in out


def test_backup_while_another_process_holds_a_write_transaction_and_writes(stored, tmp_path):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stored.db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        target = tmp_path / "copy.db"
        code, _, err = stored.run("backup", str(target))
        assert code == 0, err
    finally:
        writer.stdin.close()
        done = writer.stdout.readline()
        writer.wait(timeout=30)
        writer.stdout.close()
    assert done.startswith("committed")
    copied = _kv(target)
    assert all(copied[f"writer:{i}"] == "committed" for i in range(200))  # everything committed before
    assert not any(k.startswith("writer:open") for k in copied)  # nothing uncommitted
    assert len([k for k in _kv(stored.db) if k.startswith("writer:open")]) > 1  # the writer went on


def test_backup_while_another_connection_keeps_committing(stored, tmp_path):
    """A thread commits one row after another during the backup: the copy is one moment of them."""
    committed_before = 50
    db = sqlite3.connect(stored.db, isolation_level=None, timeout=30, check_same_thread=False)
    for i in range(committed_before):
        db.execute("INSERT INTO kv VALUES (?, 'x', 'now')", (f"t:{i:06d}",))
    stop = threading.Event()

    def keep_committing() -> None:
        i = committed_before
        while not stop.is_set():
            db.execute("INSERT INTO kv VALUES (?, 'x', 'now')", (f"t:{i:06d}",))
            i += 1

    thread = threading.Thread(target=keep_committing)
    thread.start()
    try:
        code, _, err = stored.run("backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        thread.join()
        db.close()
    assert code == 0, err
    keys = sorted(k for k in _kv(tmp_path / "copy.db") if k.startswith("t:"))
    assert len(keys) >= committed_before
    assert keys == [f"t:{i:06d}" for i in range(len(keys))]  # a prefix: no gap, nothing half-copied


def test_an_existing_file_is_replaced_only_with_force(stored, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    code, _, err = stored.run("backup", str(target))
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_text() == "precious"
    code, _, err = stored.run("backup", str(target), "--force")
    assert code == 0, err
    with Store(target, readonly=True) as copy:
        assert copy.counts()["papers"] == 2


def test_bad_targets_and_no_store(stored, project, tmp_path):
    code, _, err = stored.run("backup", str(tmp_path / "missing" / "copy.db"))
    assert code == 2 and "does not exist" in err
    code, _, err = stored.run("backup", str(tmp_path))
    assert code == 2 and "folder" in err
    code, _, err = stored.run("backup", str(stored.db), "--force")
    assert code == 2 and "the store itself" in err
    with Store(stored.db, readonly=True) as store:
        assert store.counts()["papers"] == 2
    shutil.move(stored.db, tmp_path / "moved.db")
    code, _, err = stored.run("backup", str(tmp_path / "copy.db"))
    assert code == 2 and "no store" in err


def test_a_copy_that_fails_verification_exits_1_and_leaves_nothing(stored, tmp_path, monkeypatch):
    copy = bot.backup._copy

    def copy_then_damage(store_path, tmp, busy_timeout):
        copy(store_path, tmp, busy_timeout)
        size = tmp.stat().st_size
        with open(tmp, "r+b") as f:  # garbage over every page but the first
            f.seek(4096)
            f.write(b"\xa5" * (size - 4096))

    monkeypatch.setattr(bot.backup, "_copy", copy_then_damage)
    target = tmp_path / "copy.db"
    code, _, err = stored.run("backup", str(target))
    assert code == 1 and "error:" in err
    assert not target.exists() and not Path(f"{target}.tmp").exists()


def test_restore(stored, tmp_path):
    target = tmp_path / "copy.db"
    assert stored.run("backup", str(target))[0] == 0
    assert stored.run("subscribers", "add", "late@lab.example")[0] == 0  # after the backup
    # restore as the README says: stop paperbot, move the store and its -wal/-shm away, copy back
    for suffix in ("", "-wal", "-shm"):
        p = Path(f"{stored.db}{suffix}")
        if p.exists():
            p.rename(tmp_path / f"old{suffix}")
    shutil.copy(target, stored.db)
    code, out, err = stored.run("status", "--json")
    assert code == 0, err
    with Store(stored.db, readonly=True) as store:
        assert store.counts()["papers"] == 2
        assert "late@lab.example" not in [r["email"] for r in store.subscribers(active_only=False)]
    assert stored.json("check")["unchanged"] is True  # the lab file did not change since: nothing to read
