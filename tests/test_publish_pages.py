"""The news page channel, and `run` (check, then publish) with and without --dry-run."""

import json
import os

from test_cli_foundation import PAPERS
from test_preview import _snapshot

PAGE = '[channels.page]\ndir = "site"\nbase_url = "https://lab.example/news"\n'


def test_pages_are_written_whole_and_once(project):
    project.source("papers.yaml", PAPERS)
    project.extra = PAGE
    project.run("check")
    code, out, err = project.run("publish")
    assert code == 0, err
    site = project.root / "site"
    assert sorted(os.listdir(site)) == ["feed.atom", "index.html", "neurips-2024.html"]
    page = (site / "neurips-2024.html").read_text()
    assert "2 papers at NeurIPS 2024" in page and page.rstrip().endswith("</html>")
    assert "https://lab.example/news/neurips-2024.html" in (site / "feed.atom").read_text()
    assert project.json("status")["venues"]["NeurIPS 2024"]["channels"]["page"] == {"announced": 2, "due": 0}
    before = {p: (site / p).stat().st_mtime_ns for p in os.listdir(site)}
    code, out, _ = project.run("publish")
    assert "sent 0" in out and {p: (site / p).stat().st_mtime_ns for p in os.listdir(site)} == before


def test_a_new_paper_rewrites_its_page_with_all_papers(project):
    project.source("papers.yaml", PAPERS)
    project.extra = PAGE
    project.run("check")
    project.run("publish")
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    project.run("check")
    project.run("publish")
    page = (project.root / "site" / "neurips-2024.html").read_text()
    assert "3 papers at NeurIPS 2024" in page and "Autoregressive Policy Optimization" in page
    assert not [p for p in os.listdir(project.root / "site") if p.endswith(".tmp")]


def test_run_checks_then_publishes(project):
    project.source("papers.yaml", PAPERS)
    project.extra = PAGE
    code, out, err = project.run("run", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["check"]["new"] == 2 and data["sent"] == 3 and data["failed"] == 0
    code, out, _ = project.run("run")
    assert code == 0 and "0 newly accepted papers" in out and "sent 0" in out


def test_run_dry_run_changes_nothing(project):
    project.source("papers.yaml", PAPERS)
    project.extra = PAGE
    project.run("init")  # a store exists, with nothing announced yet
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    before = _snapshot(project)
    code, out, err = project.run("run", "--dry-run", "--json")
    assert code == 0, err
    assert _snapshot(project) == before and not (project.root / "site").exists()
    pages = [m for m in json.loads(out)["messages"] if m["kind"] == "page" and m["path"] == "neurips-2024.html"]
    assert "3 papers at NeurIPS 2024" in pages[0]["text"]  # the new acceptance is included
