"""Instructions per paper for composing, counted by valgrind: a measure this noisy VM cannot blur.

    for ch in posts digest pages; do
      for n in 0 200; do
        valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
          .venv/bin/python bench/compose_instructions.py $ch $n 2>&1 | grep Collected
      done
    done

(instructions with 200 papers - instructions with 0) / 200 is the cost of one paper on that
channel; the 0-paper run pays the same imports, synthetic data and template compilation.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compose_bench import _compose, synthetic  # noqa: E402

from bot.compose import Limits, Settings, Templates, compose_digest, compose_pages, compose_posts  # noqa: E402


def main() -> None:
    channel, n = sys.argv[1], int(sys.argv[2])
    anns = synthetic(200, 200)
    templates = Templates()
    settings = Settings(group_name="Bench Lab", limits=Limits(500, 23), handles={"m1": "@m@example.social"})
    _compose(anns[:5], templates, settings)  # templates compiled, tables built: not counted
    anns = anns[:n]
    if not anns:
        return
    if channel == "posts":
        compose_posts(anns, templates, settings)
    elif channel == "digest":
        compose_digest(anns, templates, settings)
    elif channel == "pages":
        compose_pages(anns, anns, templates, settings)
    else:
        raise SystemExit("channel: posts, digest or pages")


if __name__ == "__main__":
    main()
