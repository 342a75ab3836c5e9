"""A check of files nobody changed reads, parses and writes nothing (bot/fingerprint.py).

Parsing is counted at the parsers (``load_yaml`` for YAML lists, ``bibtexparser.parse_string``
for BibTeX), writing at ``transaction()``, the only way anything changes the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import bibtexparser
import pytest

import bot.fingerprint
import bot.sources.files
from bot.store import Store
from bot.store.db import Database

YAML = """\
papers:
  - title: "Variational Low-Rank Adaptation Using IVON"
    authors: [Bai Cong, Jane Doe]
    venue: "FITML @NeurIPS 2024"
    arxiv: "2411.04421"
    code: "<a href='https://github.com/x/y'>code</a>"
  - title: "Targeted Sequential Indirect Experiment Design"
    authors: [Elisabeth Ailer, H. Schütze]
    venue: "NeurIPS 2024"
    arxiv: "2405.19985"
"""

BIB = """\
@inproceedings{winkel24,
  title = {Autoregressive Policy Optimization for Constrained Allocation Tasks},
  author = {Winkel, David and Strau{\\ss}, Niklas},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2024},
}
@article{nonmember, title = {Not Ours}, author = {Other, Person}, journal = {Nature}, year = {2024}}
"""


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each parser ran, files were hashed and the store was written."""
    seen = {"yaml": 0, "bibtex": 0, "hashed": 0, "writes": 0}

    def counting(name: str, fn):
        def wrapper(*args, **kwargs):
            seen[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(bot.sources.files, "load_yaml", counting("yaml", bot.sources.files.load_yaml))
    monkeypatch.setattr(bibtexparser, "parse_string", counting("bibtex", bibtexparser.parse_string))
    monkeypatch.setattr(bot.fingerprint, "_hashed", counting("hashed", bot.fingerprint._hashed))
    monkeypatch.setattr(Database, "transaction", counting("writes", Database.transaction))
    return seen


def _reset(counts: dict[str, int]) -> None:
    for k in counts:
        counts[k] = 0


def _age(*paths: Path, seconds: float = 100) -> None:
    """As if written a while ago (a file fingerprinted right after a change is always hashed)."""
    then = time.time() - seconds
    for p in paths:
        os.utime(p, (then, then))


def _lab(project) -> tuple[Path, Path]:
    yaml_file = project.source("papers.yaml", YAML)
    bib_file = project.source("papers.bib", BIB)
    _age(yaml_file, bib_file, project.root / "roster.yaml")
    return yaml_file, bib_file


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unchanged_check_reads_parses_and_writes_nothing(project, counts):
    _lab(project)
    code, out, err = project.run("check", "--json")
    first = json.loads(out)
    assert code == 0, err
    assert first["new"] == 3 and "unchanged" not in first
    assert counts["yaml"] == 1 and counts["bibtex"] == 1
    stored = _digest(project.db)
    _reset(counts)

    code, out, err = project.run("check", "--json")
    again = json.loads(out)
    assert code == 0, err
    assert counts == {"yaml": 0, "bibtex": 0, "hashed": 1, "writes": 0}  # only the small config is hashed
    assert _digest(project.db) == stored and not Path(f"{project.db}-wal").exists()
    # the same report as reading the same files again, minus what is new
    assert again["unchanged"] is True and again["new"] == 0 and again["updated"] == again["removed"] == 0
    assert again["warnings"] == first["warnings"] and any(w["field"] == "code" for w in again["warnings"])
    assert again["skipped_non_member"] == first["skipped_non_member"] == 1

    code, out, err = project.run("check")
    assert code == 0 and "nothing was read" in out and "warning:" in err
    code, _, _ = project.run("check", "--strict")
    assert code == 1  # the warnings of the files still stand


def test_force_reads_everything(project, counts):
    _lab(project)
    project.run("check")
    _reset(counts)
    data = project.json("check", "--force")
    assert "unchanged" not in data and data["updated"] == 0 and data["new"] == 0
    assert counts["yaml"] == 1 and counts["bibtex"] == 1


def test_a_touched_file_is_hashed_and_still_unchanged(project, counts):
    yaml_file, _ = _lab(project)
    project.run("check")
    _reset(counts)
    os.utime(yaml_file)  # saved again with the same bytes, checked out again, …
    assert project.json("check")["unchanged"] is True
    assert counts["yaml"] == counts["bibtex"] == counts["writes"] == 0
    assert counts["hashed"] == 2  # the config and the touched file; the roster and the .bib by size and mtime


def test_a_file_changed_right_before_its_check_is_always_hashed(project, counts):
    yaml_file = project.source("papers.yaml", YAML)  # written now: its mtime is no proof of anything
    _age(project.root / "roster.yaml")
    project.run("check")
    _reset(counts)
    assert project.json("check")["unchanged"] is True
    assert counts["hashed"] == 2 and counts["yaml"] == 0  # the config and the fresh file
    # same size, same mtime, other bytes (a change within the file system's timestamp tick)
    st = yaml_file.stat()
    yaml_file.write_text(YAML.replace("IVON", "IVAN"), encoding="utf-8")
    os.utime(yaml_file, ns=(st.st_atime_ns, st.st_mtime_ns))
    _reset(counts)
    data = project.json("check")
    assert "unchanged" not in data and data["updated"] == 1 and counts["yaml"] == 1


@pytest.mark.parametrize("same_size", [True, False])
def test_a_changed_file_means_a_full_check_of_every_file(project, counts, same_size):
    yaml_file, _ = _lab(project)
    project.run("check")
    _reset(counts)
    new = YAML.replace("IVON", "IVAN") if same_size else YAML.replace("IVON", "IVON (v2)")
    yaml_file.write_text(new, encoding="utf-8")
    data = project.json("check")
    assert "unchanged" not in data and data["updated"] == 1
    assert counts["yaml"] == 1 and counts["bibtex"] == 1  # the unchanged .bib too: records merge across files
    _reset(counts)
    assert project.json("check")["unchanged"] is True and counts["yaml"] == 0


def test_a_paper_in_two_files_stays_merged_when_one_file_changes(project, counts):
    """The reason for all-or-nothing: reading only the changed file would lose the other's record."""
    yaml_file, _ = _lab(project)
    project.source(
        "more.yaml",
        """\
        papers:
          - title: "Targeted Sequential Indirect Experiment Design"
            authors: [Elisabeth Ailer, H. Schütze]
            venue: "NeurIPS 2024"
            arxiv: "2405.19985"
            code: "https://github.com/lab/tsied"
        """,
    )
    assert project.json("check")["merged_duplicates"] == 1
    yaml_file.write_text(YAML.replace("IVON", "IVON (v2)"), encoding="utf-8")
    data = project.json("check")
    assert data["updated"] == 1 and data["removed"] == 0 and data["merged_duplicates"] == 1
    with Store(project.db, readonly=True) as store:
        row = store.db.execute(
            "SELECT links FROM papers WHERE title = 'Targeted Sequential Indirect Experiment Design'"
        ).fetchone()
    assert "github.com/lab/tsied" in row[0]


def test_a_roster_change_means_a_full_check(project, counts):
    _lab(project)
    project.run("check")
    _reset(counts)
    roster = project.root / "roster.yaml"
    roster.write_text(roster.read_text() + "  - name: Bai Cong\n", encoding="utf-8")
    data = project.json("check")
    assert "unchanged" not in data and counts["yaml"] == 1 and counts["bibtex"] == 1


def test_config_changes(project, counts):
    _lab(project)
    project.run("check")
    _reset(counts)
    project.extra = '[group]\nname = "Another name"\n'  # not read by check: no need to read the files
    assert project.json("check")["unchanged"] is True and counts["yaml"] == 0
    assert counts["writes"] == 1  # the new config's fingerprint, for the quick path next time
    _reset(counts)
    assert project.json("check")["unchanged"] is True and counts["writes"] == 0 and counts["hashed"] == 1
    project.extra += '\n[venues."NeurIPS 2024"]\nlocation = "Vancouver"\n'  # [venues]: read again
    data = project.json("check")
    assert "unchanged" not in data and counts["yaml"] == 1
    _reset(counts)
    project.sources.remove("papers.bib")  # one source fewer: read again
    data = project.json("check")
    assert "unchanged" not in data and counts["yaml"] == 1 and counts["bibtex"] == 0


def test_a_failed_source_or_record_is_read_again_next_time(project, counts):
    yaml_file, bib_file = _lab(project)
    bib_file.write_text(BIB + "@article{broken, title = {No author}, journal = {Nature}, year = {2024}}\n")
    _age(bib_file)
    code, _, _ = project.run("check")
    assert code == 1
    _reset(counts)
    code, _, err = project.run("check")
    assert code == 1 and "broken" in err and counts["bibtex"] == 1  # the error is reported again
    yaml_file.unlink()
    code, _, err = project.run("check")
    assert code == 1 and "not found" in err
    code, _, err = project.run("check")
    assert code == 1 and "not found" in err


def test_a_file_changed_while_it_is_read_is_read_again(project, counts, monkeypatch):
    yaml_file, _ = _lab(project)
    fetch = bot.sources.files.FileSource.fetch

    def fetch_then_edit(self, since=None):
        result = fetch(self, since)
        if self.path == yaml_file:
            with open(yaml_file, "a", encoding="utf-8") as f:
                f.write("# edited while paperbot read it\n")
        return result

    monkeypatch.setattr(bot.sources.files.FileSource, "fetch", fetch_then_edit)
    project.run("check")
    monkeypatch.setattr(bot.sources.files.FileSource, "fetch", fetch)
    _reset(counts)
    assert "unchanged" not in project.json("check") and counts["yaml"] == 1
    _reset(counts)
    assert project.json("check")["unchanged"] is True and counts["yaml"] == 0


def test_a_new_paperbot_reads_everything_again(project, counts, monkeypatch):
    _lab(project)
    project.run("check")
    monkeypatch.setattr(bot.fingerprint, "code_fingerprint", lambda: "another version")
    _reset(counts)
    assert "unchanged" not in project.json("check") and counts["yaml"] == 1


def test_the_store_records_what_was_read(project):
    yaml_file, _ = _lab(project)
    project.run("check")
    with Store(project.db, readonly=True) as store:
        fp = json.loads(store.get_kv("source-fingerprint:papers.yaml"))
        record = json.loads(store.get_kv("check-fingerprint"))
    st = yaml_file.stat()
    assert fp["path"] == str(yaml_file) and fp["size"] == st.st_size and fp["mtime_ns"] == st.st_mtime_ns
    assert fp["sha256"] == _digest(yaml_file)
    assert record["sources"] == ["papers.yaml", "papers.bib"] and record["roster"]["sha256"]


def test_a_moved_symbolic_link_is_a_change(project, counts):
    """A lab file reached through a link that now points at another copy (a deploy switching releases)."""
    for release, text in (("v1", YAML), ("v2", YAML.replace("IVON", "IVAN"))):
        project.write(f"{release}/papers.yaml", text)
        _age(project.root / release / "papers.yaml")
    _age(project.root / "roster.yaml")
    link = project.root / "papers.yaml"
    link.symlink_to(project.root / "v1" / "papers.yaml")
    project.sources.append("papers.yaml")
    project.run("check")
    _reset(counts)
    link.unlink()
    link.symlink_to(project.root / "v2" / "papers.yaml")
    data = project.json("check")
    assert "unchanged" not in data and data["updated"] == 1 and counts["yaml"] == 1
