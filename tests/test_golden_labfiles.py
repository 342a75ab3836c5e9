"""Golden files for the lab-file corpus: every post, the digest and every page it gives.

The corpus (tests/data/labfiles) holds eleven export styles with the defects real lab files
have; what paperbot composes from it is pinned here, so a change in names, venues, links or
hashtags shows up as a reviewed diff. Regenerate after an intended change with
``PAPERBOT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden_labfiles.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from conftest import FrozenClock

from bot.app import App
from bot.config import load_config
from bot.ingest import check

DATA = Path(__file__).parent / "data" / "labfiles"
GOLDEN = Path(__file__).parent / "golden" / "labfiles"
FILES = list(yaml.safe_load((DATA / "expected.yaml").read_text(encoding="utf-8")))

CONFIG = """
[group]
name = "Adaptive Learning Systems Lab"
url = "https://lab.example"
[store]
path = "{db}"
[roster]
path = "{data}/roster.yaml"
{sources}
[channels.mastodon]
api_base_url = "https://example.social"
hashtags = ["#MachineLearning"]
[channels.email]
from = "news@lab.example"
unsubscribe_url = "https://lab.example/unsubscribe?token={{token}}"
[channels.page]
dir = "{tmp}/public"
base_url = "https://lab.example/news"
title = "Lab news"
"""


@pytest.fixture(scope="module")
def messages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("golden-labfiles")
    sources = "".join(f'\n[[sources]]\ntype = "file"\npath = "{DATA / name}"\n' for name in FILES)
    config = tmp / "paperbot.toml"
    config.write_text(CONFIG.format(db=tmp / "lab.db", data=DATA, sources=sources, tmp=tmp), encoding="utf-8")
    app = App(load_config(config), config, {}, FrozenClock())
    check(app.sources(), app.roster, app.store, problems=app.roster_problems)
    app.store.add_subscriber("reader@example.org")
    msgs, errors = app.compose(app.store)
    assert not errors
    app.close()
    return msgs


def _outputs(messages) -> dict[str, str]:
    posts = "\n".join(
        f"=== {m.venue} {m.length}/{m.limit}{' shortened' if m.shortened else ''}\n{m.text}\n"
        for m in messages
        if m.channel == "mastodon"
    )
    digest = next(m for m in messages if m.kind == "digest")
    pages = sorted((m.path, m.text) for m in messages if m.kind == "page")
    return {
        "posts.txt": posts,
        "digest.txt": f"Subject: {digest.subject}\n\n{digest.text}\n",
        "pages.html": "".join(f"<!-- ===== {path} ===== -->\n{text}\n" for path, text in pages),
    }


@pytest.mark.parametrize("name", ["posts.txt", "digest.txt", "pages.html"])
def test_golden_labfiles(messages, name):
    actual = _outputs(messages)[name]
    path = GOLDEN / name
    if os.environ.get("PAPERBOT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with PAPERBOT_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_no_post_shows_a_raw_export(messages):
    """What a reader would notice: "Last, First", LaTeX, braces, "and others", raw booktitles."""
    for m in messages:
        if m.channel != "mastodon":
            continue
        authors = m.text.split("\n\n")[1]
        assert "{" not in m.text and "\\" not in m.text and " and others" not in authors
        assert not any(w in m.venue for w in ("Proceedings", "Proc.", "arXiv", "Patent"))
        assert all(len(tag) <= 25 for tag in m.text.split() if tag.startswith("#"))
