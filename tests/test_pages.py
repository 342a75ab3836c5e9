"""News pages that grow: index, feed and every venue page after several venues in turn (issue 10, §2).

The reproducer: publish the bundled NeurIPS example to the page channel, then an ICLR 2025
source, then an ICML 2025 paper, then a late NeurIPS paper. Every venue page stays listed,
newest first, dated by the day its venue was first announced; the feed keeps its entries
with stable ids and real times; ``pages rebuild`` writes the very same bytes.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from conftest import ROOT, FrozenClock

from bot.cli import cli

SITE_FILES = ["feed.atom", "iclr-2025.html", "icml-2025.html", "index.html", "neurips-2024.html"]

ICLR = """\
papers:
  - title: "Probabilistic Hierarchies for Graphs"
    authors: [Stephan Günnemann, Ada Lovelace]
    venue: "ICLR 2025"
    status: accepted
"""

ICML = """\
  - title: 'Credal Sets & "Conformal" Prediction when p < 0.05'
    authors: [Eyke Hüllermeier]
    venue: "ICML 2025"
    status: accepted
    arxiv: "2502.00001"
    abstract: "We study credal sets."
"""

LATE = """\
  - title: "A Late NeurIPS Workshop Paper"
    authors: [Zeynep Akata]
    venue: "NeurIPS 2024"
    status: accepted
    arxiv: "2412.00002"
"""


class Example:
    """The bundled example config in a temp folder, its pages written to ``site/``."""

    def __init__(self, root: Path, clock: FrozenClock) -> None:
        self.root = root
        self.clock = clock
        root.mkdir(parents=True, exist_ok=True)
        text = (ROOT / "config" / "paperbot.example.toml").read_text(encoding="utf-8")
        text = text.replace('"../var/example.db"', '"state/example.db"')
        text = text.replace('"../examples', f'"{ROOT / "examples"}')
        text = text.replace('dir = "../var/public"', 'dir = "site"')
        assert 'dir = "site"' in text and "state/example.db" in text
        self.base = text
        self.extra = ""
        self.site = root / "site"
        self.write_config()

    def write_config(self) -> None:
        (self.root / "paperbot.toml").write_text(self.base + self.extra, encoding="utf-8")

    def add_source(self, name: str, text: str) -> None:
        path = self.root / name
        if not path.exists():
            self.extra += f'\n[[sources]]\ntype = "file"\npath = "{name}"\n'
            self.write_config()
        path.write_text(text, encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(
            cli,
            ["--config", str(self.root / "paperbot.toml"), *args],
            obj={"env": {"X": "1"}, "clock": self.clock},
            catch_exceptions=False,
        )
        return result.exit_code, result.stdout, result.stderr

    def publish(self) -> str:
        code, out, err = self.run("check")
        assert code == 0, err
        code, out, err = self.run("publish", "--channel", "page")
        assert code == 0, out + err
        return out

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.site.iterdir())}

    def feed(self):
        parsed = feedparser.parse((self.site / "feed.atom").read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        return parsed


T1 = datetime(2024, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def example(tmp_path: Path) -> Example:
    return Example(tmp_path / "lab", FrozenClock(T1))


def _index(site: Path) -> list[tuple[str, str, str]]:
    """(date, link, heading) of each index entry, in order."""
    html = (site / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<time class="date" datetime="([^"]+)">[^<]*</time> <a href="([^"]+)">([^<]+)</a>', html)


def _three_venues_and_a_late_paper(example: Example) -> dict[str, dict[str, bytes]]:
    snapshots = {}
    example.publish()  # 1. the NeurIPS example
    snapshots["neurips"] = example.files()
    example.clock.now = datetime(2025, 1, 14, 10, 30, tzinfo=UTC)
    example.add_source("more.yaml", ICLR)  # 2. an ICLR 2025 source
    example.publish()
    snapshots["iclr"] = example.files()
    example.clock.now = datetime(2025, 2, 3, 8, 15, tzinfo=UTC)
    example.add_source("more.yaml", ICLR + ICML)  # 3. a third venue
    example.publish()
    snapshots["icml"] = example.files()
    example.clock.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    example.add_source("more.yaml", ICLR + ICML + LATE)  # 4. a late paper for NeurIPS 2024
    example.publish()
    snapshots["late"] = example.files()
    return snapshots


def test_index_and_feed_keep_every_venue(example):
    snaps = _three_venues_and_a_late_paper(example)

    # after step 2 (the reproducer): both venues listed, the NeurIPS page untouched
    iclr = snaps["iclr"]
    assert sorted(iclr) == ["feed.atom", "iclr-2025.html", "index.html", "neurips-2024.html"]
    assert iclr["neurips-2024.html"] == snaps["neurips"]["neurips-2024.html"]
    assert b"<title>1 paper at ICLR 2025 \xc2\xb7 MCML</title>" in iclr["iclr-2025.html"]

    # at the end: every page exists, the index lists all three venues newest first
    assert sorted(example.files()) == SITE_FILES
    assert _index(example.site) == [
        ("2025-02-03", "icml-2025.html", "1 paper at ICML 2025"),
        ("2025-01-14", "iclr-2025.html", "1 paper at ICLR 2025"),
        ("2024-12-05", "neurips-2024.html", "27 papers at NeurIPS 2024"),
    ]
    index = (example.site / "index.html").read_text(encoding="utf-8")
    assert "03.02.2025" in index and "14.01.2025" in index and "05.12.2024" in index

    # the late paper updated the NeurIPS page; its date is still the day NeurIPS was first announced
    page = (example.site / "neurips-2024.html").read_text(encoding="utf-8")
    assert "A Late NeurIPS Workshop Paper" in page and "<h1>27 papers at NeurIPS 2024</h1>" in page
    assert '<time datetime="2024-12-05">05.12.2024</time>' in page
    assert snaps["late"]["iclr-2025.html"] == snaps["iclr"]["iclr-2025.html"]
    assert snaps["late"]["icml-2025.html"] == snaps["icml"]["icml-2025.html"]


def test_feed_is_valid_atom_with_stable_ids_and_real_times(example):
    ids_by_step = []
    example.publish()
    feed = example.feed()
    ids_by_step.append({e.title: e.id for e in feed.entries})
    for when, text in (
        (datetime(2025, 1, 14, 10, 30, tzinfo=UTC), ICLR),
        (datetime(2025, 2, 3, 8, 15, tzinfo=UTC), ICLR + ICML),
        (datetime(2025, 3, 1, 12, 0, tzinfo=UTC), ICLR + ICML + LATE),
    ):
        example.clock.now = when
        example.add_source("more.yaml", text)
        example.publish()
        feed = example.feed()
        ids_by_step.append({e.link: e.id for e in feed.entries})

    base = "https://example.org/news/"
    assert feed.feed.title == "MCML papers · MCML"
    assert feed.feed.updated == "2025-03-01T12:00:00Z"
    # newest update first: the late paper brought NeurIPS 2024 to the top
    assert [e.title for e in feed.entries] == [
        "27 papers at NeurIPS 2024",
        "1 paper at ICML 2025",
        "1 paper at ICLR 2025",
    ]
    by_link = {e.link: e for e in feed.entries}
    neurips, icml, iclr = (
        by_link[base + "neurips-2024.html"],
        by_link[base + "icml-2025.html"],
        by_link[base + "iclr-2025.html"],
    )
    assert (neurips.published, neurips.updated) == ("2024-12-05T09:00:00Z", "2025-03-01T12:00:00Z")
    assert (icml.published, icml.updated) == ("2025-02-03T08:15:00Z", "2025-02-03T08:15:00Z")
    assert (iclr.published, iclr.updated) == ("2025-01-14T10:30:00Z", "2025-01-14T10:30:00Z")
    # ids never change from one publish to the next
    assert ids_by_step[0] == {"26 papers at NeurIPS 2024": base + "neurips-2024.html"}
    for step in ids_by_step[1:]:
        for link, entry_id in step.items():
            assert entry_id == link
    assert len({e.id for e in feed.entries}) == 3

    # an HTML summary: every paper, linked when it has a link, escaped
    assert icml.summary_detail.type == "text/html"
    assert (
        '<a href="https://arxiv.org/abs/2502.00001">Credal Sets &amp; "Conformal" Prediction when p &lt; 0.05</a>'
        in (icml.summary)
    )
    assert "<li>Probabilistic Hierarchies for Graphs<br />" in iclr.summary  # no link: no empty anchor
    assert neurips.summary.count("<li>") == 27


def test_rebuild_is_byte_identical_and_atomic(example):
    _three_venues_and_a_late_paper(example)
    written = example.files()
    mtimes = {p.name: p.stat().st_mtime_ns for p in example.site.iterdir()}
    example.clock.now = datetime(2026, 6, 1, tzinfo=UTC)  # no date of "now" gets into any file

    code, out, err = example.run("pages", "rebuild")
    assert code == 0, err
    assert "rebuilt 3 news pages, the index and the Atom feed" in out and "0 written, 5 unchanged" in out
    assert example.files() == written
    assert {p.name: p.stat().st_mtime_ns for p in example.site.iterdir()} == mtimes

    # from nothing: the same bytes publishing wrote, and no temporary file left behind
    for p in example.site.iterdir():
        p.unlink()
    code, out, err = example.run("pages", "rebuild", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert sorted(data["written"]) == SITE_FILES and data["unchanged"] == [] and data["venue_pages"] == 3
    assert example.files() == written


def test_rebuild_leaves_out_what_is_not_published_yet(example):
    example.publish()
    written = example.files()
    example.add_source("more.yaml", ICLR + LATE)
    code, _, err = example.run("check")
    assert code == 0, err
    code, out, err = example.run("pages", "rebuild")
    assert code == 0, err
    assert example.files() == written  # the new papers wait for publish, which announces them
    example.publish()
    assert "27 papers at NeurIPS 2024" in (example.site / "neurips-2024.html").read_text(encoding="utf-8")


def test_late_paper_is_posted_like_any_new_paper(example):
    _three_venues_and_a_late_paper(example)
    code, out, err = example.run("preview", "--channel", "mastodon", "--json")
    assert code == 0, err
    titles = " ".join(m["text"] for m in json.loads(out)["messages"])
    assert "A Late NeurIPS Workshop Paper" in titles
    code, out, _ = example.run("publish", "--channel", "page")
    assert code == 0 and "sent 0" in out  # exactly once: nothing left for the page channel


def test_feed_entries_trims_the_feed(example):
    _three_venues_and_a_late_paper(example)
    example.base = example.base.replace("feed_entries = 50", "feed_entries = 2")
    assert "feed_entries = 2" in example.base
    example.write_config()
    code, out, err = example.run("pages", "rebuild")
    assert code == 0, err
    feed = example.feed()
    assert [e.title for e in feed.entries] == ["27 papers at NeurIPS 2024", "1 paper at ICML 2025"]
    assert len(_index(example.site)) == 3  # the index still lists every page
    assert sorted(example.files()) == SITE_FILES


@pytest.mark.parametrize("value", ["0", "-3", '"many"'])
def test_feed_entries_must_be_positive(example, value):
    example.base = example.base.replace("feed_entries = 50", f"feed_entries = {value}")
    example.write_config()
    code, _, err = example.run("pages", "rebuild")
    assert code == 2 and "feed_entries" in err


def test_rebuild_without_page_channel_or_before_any_publish(example):
    code, out, err = example.run("pages", "rebuild")
    assert code == 0 and "nothing has been published" in out and not example.site.exists()
    example.base = example.base.split("[channels.page]")[0]
    example.write_config()
    code, _, err = example.run("pages", "rebuild")
    assert code == 2 and "[channels.page]" in err


def test_no_dangling_labels_for_missing_fields(example):
    example.publish()
    example.add_source("more.yaml", ICLR)  # no link, no abstract, no [venues."ICLR 2025"] details
    example.publish()
    page = (example.site / "iclr-2025.html").read_text(encoding="utf-8")
    article = page.split("<article")[1]
    assert (
        '<p class="links">' not in article
        and "Abstract" not in article
        and "<a href" not in article.split('<p class="members">')[0]
    )
    assert '<p class="meta">' not in page.split("<article")[0]  # no empty venue details line
    assert "<h1>1 paper at ICLR 2025</h1>" in page and "represented with 1 paper at ICLR 2025:" in page
    assert '<p class="authors">Stephan Günnemann, Ada Lovelace</p>' in page


def test_a_failed_write_leaves_whole_pages_and_announces_nothing(example, monkeypatch):
    example.publish()
    before = example.files()
    example.add_source("more.yaml", ICLR)
    code, _, err = example.run("check")
    assert code == 0, err

    import bot.channels.page as page_channel

    real_replace = os.replace
    calls = []

    def crash_on_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(page_channel.os, "replace", crash_on_second)
    code, out, err = example.run("publish", "--channel", "page")
    assert code == 1
    monkeypatch.undo()
    after = example.files()
    assert not [n for n in after if n.endswith(".tmp")]
    assert after["index.html"] == before["index.html"]  # the old index, whole
    # nothing was recorded as announced: the next publish writes every file again
    example.publish()
    assert [t[1] for t in _index(example.site)] == ["iclr-2025.html", "neurips-2024.html"]


def test_preview_says_what_each_page_file_is(example):
    assert example.run("check")[0] == 0
    code, out, err = example.run("preview", "--channel", "page")
    assert code == 0, err
    assert "── news page: 26 papers at NeurIPS 2024" in out
    assert "── news index, 1 venue page" in out and "── Atom feed, 1 entry" in out
    assert "characters of Atom XML" in out
