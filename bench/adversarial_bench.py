"""Benchmark: 500 adversarial papers through `paperbot check` (twice) and `preview --json`.

    .venv/bin/python bench/adversarial_bench.py

The papers peers choke on: every fourth title 90-110 tokens long (longer than any post),
every fourth abstract in Chinese with no spaces, LaTeX math and macros, URLs, identifiers such
as H2O, x86-64 and GPT-4o, up to 12 authors. Prints wall and CPU seconds of each command in a
fresh process, and how many posts fill less than 90 % of the limit.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ZH = "我们提出了一种新的方法来解决长文本检索问题。实验表明，该方法在三个基准上优于现有方法，并且计算成本更低。"
WORDS = r"H2O x86-64 Llama-2-70B v1.5 2.8% GPT-4o e.g. model data learning neural $\alpha$ \emph{robust} https://example.org/x"
CONFIG = """[group]
name = "Lab"
[store]
path = "s.db"
[[sources]]
type = "file"
path = "papers.yaml"
[channels.mastodon]
api_base_url = "https://example.social"
"""


def write(folder: Path, n: int = 500) -> None:
    rng = random.Random(5)
    words = WORDS.split()
    papers = []
    for i in range(n):
        long_title = i % 4 == 0
        title = " ".join(rng.choice(words) for _ in range(rng.randint(90, 110) if long_title else 8))
        abstract = ZH * 6 if i % 4 == 1 else " ".join(rng.choice(words) for _ in range(300))
        authors = [f"Author{k} Name{i}" for k in range(rng.randint(2, 12))]
        papers.append(
            {"title": f"Paper {i}: {title}", "authors": authors, "venue": "NeurIPS 2024", "arxiv": f"2405.{i:05d}",
             "abstract": abstract}
        )  # fmt: skip
    (folder / "papers.yaml").write_text(yaml.safe_dump({"papers": papers}, allow_unicode=True), encoding="utf-8")
    (folder / "paperbot.toml").write_text(CONFIG, encoding="utf-8")


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "bot", "--config", "paperbot.toml", *args]
    result = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    wall = time.perf_counter() - start
    print(f"paperbot {' '.join(args):16} exit {result.returncode}  wall {wall:5.2f} s  cpu {cpu:5.2f} s")
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder)
        run(folder, "check")
        run(folder, "check")
        result = run(folder, "preview", "--json")
        posts = [m for m in json.loads(result.stdout)["messages"] if m["channel"] == "mastodon"]
        under = sum(m["length"] < 0.9 * m["limit"] for m in posts)
        print(f"{len(posts)} posts; {under} fill less than 90 % of the limit")


if __name__ == "__main__":
    main()
