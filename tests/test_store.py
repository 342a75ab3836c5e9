"""The state store: identity, "new" vs "updated", baselines, read-only views, crash safety."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date

import pytest

from bot.errors import ConfigError
from bot.models import Author, Links, Paper, VenueEvent
from bot.store import MIGRATIONS, Store


def paper(title="Targeted Sequential Indirect Experiment Design", arxiv="2405.19985", **kw):
    events = kw.pop("events", (VenueEvent("NeurIPS", 2024),))
    return Paper(
        title=title,
        authors=(Author("Jane Doe", "jane"),),
        abstract=kw.pop("abstract", "An abstract."),
        events=events,
        arxiv_id=arxiv,
        links=Links(arxiv=f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        **kw,
    )


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "s.db", clock=clock) as s:
        yield s


def test_migrations_run_once_and_are_recorded(tmp_path, clock):
    Store(tmp_path / "s.db", clock=clock).close()
    with Store(tmp_path / "s.db", clock=clock) as s:
        assert s.migrate() == []
        names = [r[0] for r in s.db.execute("SELECT name FROM migrations")]
        assert names == [n for n, _ in MIGRATIONS]
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_store_is_refused(tmp_path, clock):
    with Store(tmp_path / "s.db", clock=clock) as s:
        s.db.execute("INSERT INTO migrations VALUES ('m999_future', 'x')")
    with pytest.raises(ConfigError, match="newer paperbot"):
        Store(tmp_path / "s.db", clock=clock)


def test_new_then_unchanged(store):
    first = store.upsert(paper(), source="lab")
    assert first.created and first.paper_id == "arxiv:2405.19985" and len(first.newly_accepted) == 1
    again = store.upsert(paper(), source="lab")
    assert not again.created and not again.updated and not again.newly_accepted


def test_editing_abstract_or_links_updates_without_making_new(store):
    store.upsert(paper(), source="lab")
    edited = replace(
        paper(abstract="A better abstract."),
        links=Links(arxiv="https://arxiv.org/abs/2405.19985", code=("https://github.com/x/y",)),
    )
    result = store.upsert(edited, source="lab")
    assert result.updated and not result.newly_accepted
    stored = store.paper(result.paper_id)
    assert stored.abstract == "A better abstract." and stored.links.code == ("https://github.com/x/y",)


def test_empty_fields_never_erase(store):
    store.upsert(paper(), source="lab")
    result = store.upsert(paper(abstract=""), source="other")
    assert store.paper(result.paper_id).abstract == "An abstract."


def test_submitted_then_accepted_becomes_new_then(store, clock):
    submitted = paper(events=(VenueEvent("ICLR", 2025, status="submitted"),))
    assert store.upsert(submitted, source="lab").newly_accepted == []
    assert store.due("mastodon") == []
    clock.advance(days=30)
    accepted = paper(events=(VenueEvent("ICLR", 2025, status="accepted", presentation="oral"),))
    result = store.upsert(accepted, source="lab")
    assert [e.key for e in result.newly_accepted] == ["iclr-2025"]
    due = store.due("mastodon")
    assert len(due) == 1 and due[0].event.presentation == "oral"
    assert due[0].accepted_seen_at == clock.now
    # accepted again later: not new a second time
    assert store.upsert(accepted, source="lab").newly_accepted == []


def test_dedupe_by_arxiv_doi_and_title(store):
    a = store.upsert(paper(), source="lab").paper_id
    # same paper, title spelled differently, found by arXiv id
    assert store.upsert(paper(title="Targeted sequential indirect experiment design."), source="x").paper_id == a
    # title only (no ids) finds it by normalised title
    assert (
        store.upsert(paper(arxiv=None, title="TARGETED Sequential Indirect Experiment-Design"), source="x").paper_id
        == a
    )
    # same title, different arXiv id: a different paper
    other = store.upsert(paper(arxiv="2501.00001"), source="x")
    assert other.created and other.paper_id != a
    # DOI
    d = store.upsert(paper(title="Another", arxiv=None, doi="10.1/abc"), source="x").paper_id
    assert store.upsert(paper(title="Another (renamed)", arxiv=None, doi="10.1/abc"), source="x").paper_id == d


def test_title_only_paper_keeps_its_id_when_it_gains_an_arxiv_id(store):
    pid = store.upsert(paper(arxiv=None), source="lab").paper_id
    assert pid.startswith("title:")
    assert store.upsert(paper(arxiv="2405.19985"), source="lab").paper_id == pid
    assert store.upsert(paper(arxiv="2405.19985", title="Renamed entirely"), source="lab").paper_id == pid


def test_workshop_and_main_are_two_announcements(store):
    ws = paper(events=(VenueEvent("NeurIPS", 2024, "workshop", "FITML"),))
    main = paper(events=(VenueEvent("ICLR", 2025),))
    r1 = store.upsert(ws, source="lab")
    r2 = store.upsert(main, source="lab")
    assert r1.paper_id == r2.paper_id and len(r1.newly_accepted) == len(r2.newly_accepted) == 1
    assert {a.event.key for a in store.due("mastodon")} == {"neurips-2024-workshop-fitml", "iclr-2025"}
    store.mark_announced(r1.paper_id, "neurips-2024-workshop-fitml", "mastodon", remote_id="1")
    assert [a.event.key for a in store.due("mastodon")] == ["iclr-2025"]
    assert len(store.due("email")) == 2


def test_retract_missing_spares_announced(store):
    keep = store.upsert(paper(), source="lab").paper_id
    gone = store.upsert(paper(title="Old", arxiv="2401.00001"), source="lab").paper_id
    sent = store.upsert(paper(title="Sent", arxiv="2401.00002"), source="lab").paper_id
    store.mark_announced(sent, "neurips-2024", "mastodon")
    assert store.retract_missing("lab", {(keep, "neurips-2024")}) == 1
    assert store.paper(gone).events[0].status == "removed"
    assert store.paper(sent).events[0].status == "accepted"
    assert {a.paper.id for a in store.due("email")} == {keep, sent}
    # listed again: accepted again, but not "new" a second time
    again = store.upsert(paper(title="Old", arxiv="2401.00001"), source="lab")
    assert again.newly_accepted == [] and store.paper(gone).events[0].status == "accepted"


def test_adopt_baseline(store):
    store.upsert(paper(events=(VenueEvent("NeurIPS", 2023, accepted_on=date(2023, 9, 1)),)), source="lab")
    store.upsert(
        paper(
            title="New one",
            arxiv="2410.00001",
            events=(VenueEvent("NeurIPS", 2024, accepted_on=date(2024, 9, 25)),),
        ),
        source="lab",
    )
    assert store.adopt_baseline(before=date(2024, 1, 1)) == 1
    assert [a.paper.title for a in store.due("mastodon")] == ["New one"]
    assert store.adopt_baseline() == 1
    assert store.due("mastodon") == []


def test_readonly_view_changes_nothing(tmp_path, clock):
    path = tmp_path / "s.db"
    with Store(path, clock=clock) as s:
        s.upsert(paper(), source="lab")
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(tmp_path)))
    with Store(path, clock=clock, readonly=True) as ro:
        assert len(ro.due("mastodon")) == 1
        with pytest.raises(sqlite3.OperationalError):
            ro.db.execute("DELETE FROM papers")
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(tmp_path))) == before


def test_readonly_view_of_missing_store_is_empty(tmp_path, clock):
    with Store(tmp_path / "none.db", clock=clock, readonly=True) as ro:
        assert ro.due("mastodon") == []
    assert not (tmp_path / "none.db").exists()


WRITER = """
import sys
from bot.models import Author, Links, Paper, VenueEvent
from bot.store import Store
s = Store(sys.argv[1])
i = 0
while True:
    i += 1
    s.upsert(Paper(title=f"Paper {i}", authors=(Author("Jane Doe", "jane"),), arxiv_id=f"2401.{i:05d}",
                   events=(VenueEvent("NeurIPS", 2024), VenueEvent("NeurIPS", 2024, "workshop", "W"))),
             source="lab")
    print(i, flush=True)
"""


def test_sigkill_mid_write_leaves_a_consistent_store(tmp_path):
    path = tmp_path / "s.db"
    for delay in (0.4, 0.7):
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(path)], stdout=subprocess.PIPE, text=True
        )
        proc.stdout.readline()  # at least one paper written
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    with Store(path) as s:
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        papers = s.db.execute("SELECT count(*) FROM papers").fetchone()[0]
        assert papers > 0
        # every paper is whole: both its events and its keys were committed with it
        assert s.db.execute("SELECT count(*) FROM venue_events").fetchone()[0] == 2 * papers
        assert s.db.execute("SELECT count(DISTINCT paper_id) FROM paper_keys").fetchone()[0] == papers


def test_readonly_view_of_an_older_store_is_upgraded_in_memory_only(tmp_path, clock):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    db.executescript(MIGRATIONS[0][1])
    db.execute("INSERT INTO migrations VALUES (?, 'x')", (MIGRATIONS[0][0],))
    db.commit()
    db.close()
    before = path.read_bytes()
    with Store(path, clock=clock, readonly=True) as ro:
        assert ro.outbox("mastodon") == [] and ro.due("email") == []
    assert path.read_bytes() == before


def test_a_transaction_inside_another_is_a_savepoint(store):
    with store.transaction():
        store.set_kv("a", "1")
        with pytest.raises(RuntimeError), store.transaction():
            store.set_kv("b", "2")
            raise RuntimeError("one record fails")
        store.set_kv("c", "3")
    assert (store.get_kv("a"), store.get_kv("b"), store.get_kv("c")) == ("1", None, "3")
    with pytest.raises(RuntimeError), store.transaction():
        store.set_kv("d", "4")
        raise RuntimeError("the whole batch fails")
    assert store.get_kv("d") is None and not store.db.in_transaction


def test_withdrawn_before_announcement_cancels_queued_posts(store):
    from bot.compose import Message

    first = store.upsert(paper(), source="lab")
    assert first.newly_accepted
    ann = store.due("mastodon")[0]
    store.enqueue_posts([Message("mastodon", "post", "k1", "text", ann.paper.id, "NeurIPS 2024", ann.event.key)])
    assert [r.key for r in store.outbox("mastodon")] == ["k1"]
    gone = store.upsert(paper(events=(VenueEvent("NeurIPS", 2024, status="withdrawn"),)), source="lab")
    assert [e.key for e in gone.withdrawn] == ["neurips-2024"] and not gone.withdrawn_after_announcement
    assert store.outbox("mastodon") == [] and store.due("mastodon") == []


def test_withdrawn_after_announcement_is_flagged_not_cancelled(store):
    store.upsert(paper(), source="lab")
    ann = store.due("mastodon")[0]
    store.mark_announced(ann.paper.id, ann.event.key, "mastodon")
    later = store.upsert(paper(events=(VenueEvent("NeurIPS", 2024, status="rejected"),)), source="lab")
    assert [e.status for e in later.withdrawn_after_announcement] == ["rejected"] and not later.withdrawn
    assert [r["title"] for r in store.withdrawn_announced()] == [ann.paper.title]


def test_et_al_is_stored(store):
    store.upsert(paper(et_al=True), source="lab")
    assert store.due("mastodon")[0].paper.et_al is True


def test_an_acceptance_renamed_by_the_venue_table_is_not_announced_again(store):
    """An older paperbot stored the raw booktitle as the series; today it reads COLING 2022."""
    raw = VenueEvent("Proceedings of the 29th International Conference on Computational Linguistics", 2022)
    first = store.upsert(paper(events=(raw,)), source="lab")
    store.mark_announced(first.paper_id, raw.key, "mastodon")
    again = store.upsert(paper(events=(VenueEvent("COLING", 2022),)), source="lab")
    assert again.newly_accepted == []
    assert store.due("mastodon") == []
    # not yet sent by e-mail under either name: due there once, under the new name
    assert [a.event.label for a in store.due("email")] == ["COLING 2022"]
    assert [a.event.label for a in store.listed({("COLING", 2022)})] == ["COLING 2022"]
    assert store.listed({(raw.series, 2022)}) == []
    # a real second acceptance of the same paper is still new
    assert store.upsert(paper(events=(VenueEvent("ACL", 2022),)), source="lab").newly_accepted


def test_due_order_is_venue_main_first_presentation_then_title_case_insensitively(store):
    def p(title, arxiv, event):
        return paper(title=title, arxiv=arxiv, events=(event,))

    store.upsert(p("zeta", "2401.00001", VenueEvent("NeurIPS", 2024, presentation="poster")), source="lab")
    store.upsert(p("Alpha", "2401.00002", VenueEvent("NeurIPS", 2024, presentation="poster")), source="lab")
    store.upsert(p("beta", "2401.00003", VenueEvent("NeurIPS", 2024, presentation="oral")), source="lab")
    store.upsert(p("Aaa", "2401.00004", VenueEvent("NeurIPS", 2024, "workshop", "FITML")), source="lab")
    store.upsert(p("Mid", "2401.00005", VenueEvent("NeurIPS", 2024, presentation="spotlight")), source="lab")
    store.upsert(p("first", "2401.00006", VenueEvent("eNeuro", 2021, "journal")), source="lab")
    titles = [a.paper.title for a in store.due("mastodon")]
    assert titles == ["first", "beta", "Mid", "Alpha", "zeta", "Aaa"]


def test_adopt_baseline_dates_undated_events_by_their_venue_year(store):
    store.upsert(paper(title="Old undated", arxiv="2201.00001", events=(VenueEvent("ICML", 2022),)), source="lab")
    store.upsert(paper(title="This year undated", arxiv="2401.00001", events=(VenueEvent("ICML", 2024),)), source="lab")
    assert store.adopt_baseline(before=date(2024, 9, 1)) == 1
    assert [a.paper.title for a in store.due("mastodon")] == ["This year undated"]
    assert store.undated_counts(date(2024, 9, 1)) == {"adopted": 1, "due": 1}
