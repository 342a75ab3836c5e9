"""A damaged, foreign, newer or busy store (issue 10, item 23).

Every command answers a clear error with exit 2, never a traceback; a store locked by another
writer is waited for, with a message; two processes creating one store at once both succeed.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
from test_cli_foundation import PAPERS

from bot.store import APPLICATION_ID, MIGRATIONS, Store

COMMANDS = [
    ["check"],
    ["status"],
    ["status", "--json"],
    ["init"],
    ["preview"],
    ["publish"],
    ["run"],
    ["subscribers", "list"],
    ["subscribers", "add", "ada@lab.example"],
    ["subscribers", "remove", "ada@lab.example"],
    ["subscribers", "export"],
    ["pages", "rebuild"],
    ["outbox", "list"],
    ["outbox", "retry", "nothing"],
    ["outbox", "mark-sent", "nothing"],
]


@pytest.fixture
def lab(project):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.page]\ndir = "public"\n'
    return project


def stored(lab) -> bytes:
    code, _, err = lab.run("check")
    assert code == 0, err
    return lab.db.read_bytes()


def assert_clear_error(lab, args, *needles):
    code, out, err = lab.run(*args)
    assert code == 2, (args, out, err)
    assert "Traceback" not in out + err and err.startswith("error: "), err
    assert any(n in err for n in needles), (args, err)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_file_that_is_not_sqlite(lab, args):
    lab.db.parent.mkdir(parents=True, exist_ok=True)
    lab.db.write_bytes(b"PK\x03\x04 this is a zip file, not a store" * 50)
    assert_clear_error(lab, args, "is not a paperbot store: it is not an SQLite database")
    assert lab.db.read_bytes().startswith(b"PK")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_truncated_store(lab, args):
    data = stored(lab)
    lab.db.write_bytes(data[: len(data) // 2])
    assert_clear_error(lab, args, "is truncated")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_store_cut_inside_its_header(lab, args):
    lab.db.parent.mkdir(parents=True, exist_ok=True)
    lab.db.write_bytes(stored(lab)[:60])
    assert_clear_error(lab, args, "is truncated")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_corrupted_schema_page(lab, args):
    data = bytearray(stored(lab))
    data[100:3000] = os.urandom(2900)  # page 1 after the header: the schema table
    lab.db.write_bytes(bytes(data))
    assert_clear_error(lab, args, "is damaged or not a paperbot store", "is not a paperbot store")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_sqlite_database_of_another_program_is_refused_and_left_alone(lab, args):
    lab.db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(lab.db)) as db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
        db.execute("INSERT INTO photos (path) VALUES ('a.jpg')")
        db.commit()
    before = lab.db.read_bytes()
    assert_clear_error(lab, args, "is not a paperbot store: it is an SQLite database of another program")
    assert lab.db.read_bytes() == before
    with closing(sqlite3.connect(lab.db)) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["photos"]


def test_a_foreign_migrations_table_is_not_taken_for_ours(lab):
    lab.db.parent.mkdir(parents=True)
    with closing(sqlite3.connect(lab.db)) as db:
        db.execute("CREATE TABLE migrations (id INTEGER PRIMARY KEY, version TEXT)")
        db.commit()
    assert_clear_error(lab, ["check"], "another program")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_store_written_by_a_newer_paperbot_is_refused_clearly(lab, args):
    stored(lab)
    with closing(sqlite3.connect(lab.db)) as db:
        db.execute("INSERT INTO migrations VALUES ('m999_from_the_future', '2030-01-01')")
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
        db.commit()
    before = lab.db.read_bytes()
    assert_clear_error(lab, args, "was written by a newer paperbot")
    _, _, err = lab.run(*args)
    assert f"schema version {len(MIGRATIONS) + 1}" in err and "upgrade paperbot" in err
    assert lab.db.read_bytes() == before


def test_a_folder_where_the_store_should_be(lab):
    lab.db.mkdir(parents=True)
    assert_clear_error(lab, ["check"], "is a folder")
    assert_clear_error(lab, ["status"], "is a folder")


def test_the_store_records_its_schema_version(tmp_path):
    with Store(tmp_path / "s.db") as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        names = [r[0] for r in store.db.execute("SELECT name FROM migrations ORDER BY name")]
        assert names == sorted(name for name, _ in MIGRATIONS)


def test_an_existing_store_without_the_header_marks_is_adopted(tmp_path):
    """Stores written before the schema version was kept in the header are upgraded in place."""
    with Store(tmp_path / "s.db") as store:
        store.db.execute("PRAGMA user_version = 0")
        store.db.execute("PRAGMA application_id = 0")
    with Store(tmp_path / "s.db") as store:
        assert store.schema_version() == len(MIGRATIONS)


# --- busy ---------------------------------------------------------------------------------------


@pytest.fixture
def quick_notice(monkeypatch):
    import bot.store

    monkeypatch.setattr(bot.store, "BUSY_NOTICE", 0.2)


def with_busy_timeout(lab, seconds: float) -> None:
    write = lab.write_config

    def write_with_timeout() -> None:
        write()
        store = '[store]\npath = "state/paperbot.db"\n'
        lab.config.write_text(lab.config.read_text().replace(store, f"{store}busy_timeout = {seconds}\n", 1))

    lab.write_config = write_with_timeout


def hold_write_lock(path, seconds: float | None = None):
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO kv VALUES ('held', '1', 'now')")
    if seconds is not None:

        def release():
            time.sleep(seconds)
            db.execute("COMMIT")
            db.close()

        threading.Thread(target=release, daemon=True).start()
    return db


def test_a_busy_store_is_waited_for_with_a_message(lab, quick_notice):
    stored(lab)
    with_busy_timeout(lab, 10)
    hold_write_lock(lab.db, seconds=1.0)
    code, out, err = lab.run("subscribers", "add", "ada@lab.example")
    assert code == 0, err
    assert "waiting: the store" in err and "another paperbot process" in err and "Traceback" not in err


def test_a_store_locked_past_busy_timeout_is_exit_2(lab, quick_notice):
    stored(lab)
    with_busy_timeout(lab, 1)
    holder = hold_write_lock(lab.db)
    try:
        started = time.monotonic()
        code, out, err = lab.run("check", "--force")  # an unchanged check would write nothing
        assert code == 2 and "locked by another paperbot process" in err and "busy_timeout" in err, err
        assert "waiting: the store" in err and "Traceback" not in err
        assert 0.8 < time.monotonic() - started < 10
        code, out, err = lab.run("status")  # readers are never blocked by a writer (WAL)
        assert code == 0, err
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# --- two processes create one store at once --------------------------------------------------------


def test_processes_creating_a_new_store_at_once_all_succeed(lab):
    lab.write_config()
    env = {**os.environ, "PAPERBOT_CONFIG": str(lab.config)}
    for round_ in range(3):
        for path in lab.db.parent.glob("*") if lab.db.parent.exists() else []:
            path.unlink()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", *(["init"] if i % 2 else ["subscribers", "add", f"r{i}@lab.example"])],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(4)
        ]
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        assert all(code == 0 for code, _, _ in results), (round_, results)
        with Store(lab.db) as store:
            assert store.schema_version() == len(MIGRATIONS)
            assert store.db.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)
            assert store.counts()["papers"] == 3  # two accepted, one submitted: each once
            assert store.subscriber_counts() == {"active": 2}
