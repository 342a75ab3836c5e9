"""``paperbot preview``: what publish would send, with no network and no change to the store."""

import os
import socket

import pytest
from test_cli_foundation import PAPERS

CHANNELS = """
[channels.mastodon]
api_base_url = "https://example.social"
[channels.email]
from = "news@example.org"
[channels.page]
dir = "site"
"""


@pytest.fixture
def checked(project):
    project.source("papers.yaml", PAPERS)
    project.extra = CHANNELS
    code, _, err = project.run("check")
    assert code == 0, err
    return project


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""

    class Forbidden(socket.socket):
        def __init__(self, *a, **kw):
            raise AssertionError("preview opened a socket")

    monkeypatch.setattr(socket, "socket", Forbidden)
    monkeypatch.setattr(
        socket,
        "create_connection",
        lambda *a, **kw: (_ for _ in ()).throw(AssertionError("preview opened a connection")),
    )


def _snapshot(project):
    folder = project.db.parent
    return {name: ((folder / name).read_bytes(), (folder / name).stat().st_mtime_ns) for name in os.listdir(folder)}


def test_preview_json_lists_every_message(checked, no_network):
    before = _snapshot(checked)
    data = checked.json("preview")
    assert _snapshot(checked) == before
    kinds = [(m["channel"], m["kind"]) for m in data["messages"]]
    assert kinds.count(("mastodon", "post")) == 2
    assert kinds.count(("email", "digest")) == 1
    assert ("page", "page") in kinds
    for m in data["messages"]:
        assert {"channel", "kind", "paper_id", "venue", "subject", "text", "html", "length", "limit"} <= set(m)
    post = next(m for m in data["messages"] if m["kind"] == "post")
    assert post["limit"] == 500 and post["length"] <= 500 and post["paper_id"].startswith("arxiv:")
    digest = next(m for m in data["messages"] if m["kind"] == "digest")
    assert digest["subject"] == "Our group: 2 new papers at NeurIPS 2024" and digest["html"].startswith("<!DOCTYPE")


def test_preview_terminal_shows_lengths(checked, no_network):
    before = _snapshot(checked)
    code, out, _ = checked.run("preview")
    assert code == 0 and _snapshot(checked) == before
    assert "/500" in out and "Subject: Our group: 2 new papers at NeurIPS 2024" in out
    assert "nothing was sent and nothing was changed" in out


def test_preview_channel_filter_and_out_dir(checked, no_network, tmp_path):
    out_dir = tmp_path / "pv"
    code, out, err = checked.run("preview", "--channel", "mastodon", "--out", str(out_dir))
    assert code == 0
    assert "email" not in out.split("──")[1]
    assert (out_dir / "index.html").exists() and (out_dir / "posts.html").exists()
    assert not (out_dir / "email-1.html").exists()
    code, _, _ = checked.run("preview", "--out", str(out_dir))
    assert (out_dir / "email-1.html").read_text().startswith("<!DOCTYPE html>")
    assert (out_dir / "pages" / "neurips-2024.html").exists() and (out_dir / "pages" / "feed.atom").exists()


def test_preview_matches_what_is_due(checked, no_network):
    """Identical input gives byte-identical output: the preview is deterministic."""
    assert checked.json("preview") == checked.json("preview")


def test_preview_of_unconfigured_channel_is_a_usage_error(project):
    project.source("papers.yaml", PAPERS)
    code, _, err = project.run("preview", "--channel", "email")
    assert code == 2 and "not enabled" in err


def test_preview_reports_template_errors_with_name_and_line(checked, tmp_path):
    tdir = checked.root / "tpl"
    tdir.mkdir()
    (tdir / "mastodon_post.txt.j2").write_text("{{ title }}\n{% if %}\n")
    checked.extra = CHANNELS + '[templates]\ndir = "tpl"\n'
    code, _, err = checked.run("preview")
    assert code == 1 and "mastodon_post.txt.j2, line 2" in err


def test_preview_without_store_shows_nothing_due(project, no_network):
    project.source("papers.yaml", PAPERS)
    project.extra = CHANNELS
    code, out, _ = project.run("preview")
    assert code == 0 and "nothing to send" in out and not project.db.exists()


def test_what_app_compose_does_with_the_collector_paused_leaves_no_cyclic_garbage(checked, monkeypatch):
    """App.compose pauses the cycle collector while it reads and composes; sound only without cycles."""
    import contextlib
    import gc

    import bot.compose
    from bot.app import App

    garbage: list[int] = []

    @contextlib.contextmanager
    def paused_and_checked():
        gc.collect()
        gc.disable()
        try:
            yield
        finally:
            garbage.append(gc.collect())
            gc.enable()

    monkeypatch.setattr(bot.compose, "gc_paused", paused_and_checked)
    checked.write_config()
    app = App.from_path(str(checked.config), env={})
    store = app.open_store_readonly()
    try:
        messages, errors = app.compose(store)
    finally:
        store.close()
    assert messages and not errors
    assert garbage == [0]
