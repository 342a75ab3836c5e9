"""Benchmark: a new install with a big backlog, end to end through the CLI.

    .venv/bin/python bench/backlog_bench.py                # 5,000 papers
    .venv/bin/python bench/backlog_bench.py --papers 20000
    .venv/bin/python bench/backlog_bench.py --format bibtex   # the same list as an exported .bib

Writes a lab list of N papers (YAML, 200-word abstracts, four venues) and a config in a
temporary folder, then runs `paperbot check` and `paperbot preview --json` as a user would,
each in its own process: wall time and peak resident memory (ru_maxrss of the child).
Between them, what a scheduled check mostly does: `check` of the unchanged list (nothing
read), of the list touched without a change (hashed, nothing read), and `check --force`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

WORDS = "model data learning neural training results method approach large language graph causal robust".split()
VENUES = ["NeurIPS 2024", "ICML 2024 (oral)", "ICLR 2025", "FITML @ NeurIPS 2024"]
CONFIG = """
[group]
name = "Bench Lab"
[store]
path = "bench.db"
[[sources]]
type = "file"
path = "papers.yaml"
name = "lab"
[channels.mastodon]
api_base_url = "https://example.social"
[channels.email]
from = "news@lab.example"
unsubscribe_url = "https://lab.example/u/{token}"
[channels.page]
dir = "public"
"""


BOOKTITLES = [
    "Advances in Neural Information Processing Systems",
    "Proceedings of the 41st International Conference on Machine Learning",
    "The Thirteenth International Conference on Learning Representations",
    "Workshop on Fine-Tuning in Modern Machine Learning (FITML @ NeurIPS 2024)",
]


def write_bibtex(folder: Path, papers: list[dict]) -> None:
    """The list as a lab's export: "Last, First" authors, long booktitles, notes and links."""
    entries = []
    for i, p in enumerate(papers):
        authors = " and ".join(", ".join(reversed(a.split(" ", 1))) for a in p["authors"])
        entries.append(
            f"@inproceedings{{p{i},\n  title = {{{p['title']}}},\n  author = {{{authors}}},\n"
            f"  booktitle = {{{BOOKTITLES[i % len(BOOKTITLES)]}}},\n  year = {{2024}},\n"
            f"  eprint = {{{p['arxiv']}}}, archivePrefix = {{arXiv}},\n  code = {{{p['code']}}},\n"
            f"  abstract = {{{p['abstract']}}},\n  note = {{Accepted}},\n}}\n"
        )
    (folder / "papers.bib").write_text("\n".join(entries), encoding="utf-8")


def write_lab(folder: Path, n: int, fmt: str = "yaml") -> None:
    rng = random.Random(2)
    papers = [
        {
            "title": " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(5, 12))),
            "authors": [f"Author{k} Name{i}" for k in range(rng.randint(2, 9))],
            "venue": rng.choice(VENUES),
            "arxiv": f"2405.{i:05d}",
            "code": f"https://github.com/lab/p{i}",
            "abstract": " ".join(rng.choice(WORDS) + ("." if j % 17 == 16 else "") for j in range(200)),
        }
        for i in range(n)
    ]
    if fmt == "bibtex":
        write_bibtex(folder, papers)
        (folder / "paperbot.toml").write_text(CONFIG.replace("papers.yaml", "papers.bib"))
        return
    (folder / "papers.yaml").write_text(yaml.safe_dump({"papers": papers}, allow_unicode=True))
    (folder / "paperbot.toml").write_text(CONFIG)


def timed(folder: Path, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one paperbot command in a fresh process."""
    cmd = [sys.executable, "-m", "bot", "--config", str(folder / "paperbot.toml"), *args]
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    start = time.perf_counter()
    # wait4: this child's peak alone (RUSAGE_CHILDREN is the largest of all children so far)
    pid = os.posix_spawn(sys.executable, cmd, os.environ, file_actions=quiet)
    _, _, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--format", choices=("yaml", "bibtex"), default="yaml")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.chdir(folder)  # the commands run here, as a user would run them
        # written by a child process: this one stays small, and so does every command it starts
        # (a child's peak RSS counts the memory of its parent until exec)
        writer = multiprocessing.get_context("fork").Process(target=write_lab, args=(folder, args.papers, args.format))
        writer.start()
        writer.join()
        lab = folder / ("papers.bib" if args.format == "bibtex" else "papers.yaml")
        then = time.time() - 3600
        os.utime(lab, (then, then))  # as a list last edited an hour ago
        steps = (
            ("check", ("check",), None),
            ("check (unchanged)", ("check",), None),
            ("check (touched)", ("check",), lambda: os.utime(lab)),  # same bytes, new mtime: hashed
            ("check --force", ("check", "--force"), None),
            ("preview --json", ("preview", "--json"), None),
        )
        for label, cmd, before in steps:
            if before is not None:
                before()
            wall, peak = timed(folder, *cmd)
            print(f"{args.papers} papers ({args.format}): paperbot {label:18} {wall:6.2f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
