"""Review mode: ``[publishing] mode = "review"`` holds new posts and digests until an editor decides.

Publishing (``publish``, ``run``, the daemon's posts and digest jobs) composes as always; in review
mode the composed messages are recorded in the store's review queue (bot/store/review.py) instead
of the outbox, and only approved ones, with their edited text if edited, are handed to the outbox
(or become the open digest), once. Pending ones are held back as "awaiting review"; rejected ones
are never sent and, since a message's key is deterministic per (paper, venue) pair, never proposed
again. Pages are not reviewed: they list the group's papers rather than tell anyone about them.

``paperbot review list|approve|reject|edit`` is the editor's side (registered in bot/cli.py).
"""

from __future__ import annotations

import getpass
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

import click

from .errors import BotError, ConfigError
from .holdback import HeldBack

HOLD = "awaiting_review"


def enabled(app: Any) -> bool:
    publishing = getattr(app.config, "publishing", None)
    return bool(publishing and publishing.mode == "review")


def held(state: str | None) -> HeldBack:
    what = "rejected in review" if state == "rejected" else "awaiting review (paperbot review list)"
    return HeldBack(HOLD, what)


def gate(store: Any, channel: str, messages: list[Any], hold: Callable[[str, int], None]) -> list[Any]:
    """Propose the composed messages; the approved ones ready to go out (edited text and all)."""
    store.propose(messages)
    waiting = store.review_count(channel, "pending")
    if waiting:
        hold(HOLD, waiting)
    return [row.to_message() for row in store.approved(channel)]


def measure(app: Any, store: Any, row: Any, text: str) -> tuple[int, int, str | None]:
    """(length, limit, problem): the channel's exact rule for this message's new text."""
    if row.channel == "mastodon":
        from .length import mastodon_length

        limits = app.compose_settings(store).limits
        spoiler = row.composed.get("spoiler_text") or ""
        n = mastodon_length(text, spoiler, url_length=limits.url_length)
        if not text.strip():
            return n, limits.max_characters, "the text is empty"
        if n > limits.max_characters:
            return n, limits.max_characters, f"{n} characters, over the limit of {limits.max_characters}"
        return n, limits.max_characters, None
    return len(text), 0, None


def describe(app: Any, store: Any, row: Any) -> dict[str, Any]:
    length, limit, _ = measure(app, store, row, row.text)
    composed = row.composed
    return {
        "id": row.id,
        "key": row.key,
        "channel": row.channel,
        "kind": row.kind,
        "state": row.state,
        "paper_id": row.paper_id,
        "venue_key": row.venue_key,
        "part": row.part,
        "parts": row.parts,
        "subject": composed.get("subject"),
        "text": row.text,
        "length": length,
        "limit": limit or None,
        "edited": row.edited_at is not None,
        "edited_by": row.edited_by,
        "edited_at": row.edited_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "reason": row.reason,
        "proposed_at": row.created_at,
    }


# --- the command line ------------------------------------------------------------------------


def _cli() -> Any:
    from . import cli

    return cli


def _by(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


def _rows(store: Any, ids: tuple[str, ...], every: bool, states: tuple[str, ...]) -> list[Any]:
    if every:
        if ids:
            raise ConfigError("give message IDs or --all, not both")
        return store.review_rows(("pending",))
    if not ids:
        raise ConfigError("which messages? give their IDs (see 'paperbot review list') or --all")
    rows = []
    for ident in ids:
        row = store.review_row(ident)
        if row is None:
            raise ConfigError(f"no message {ident!r} in the review queue (see 'paperbot review list')")
        if row.state not in states:
            raise ConfigError(f"message {row.id} is {row.state}: only a {' or '.join(states)} one can be changed")
        rows.append(row)
    return rows


@click.group()
def review() -> None:
    """Review new posts and digests before they go out ([publishing] mode = "review")."""


@review.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every message ever proposed, not only those awaiting review.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review_list(ctx: click.Context, show_all: bool, as_json: bool) -> None:
    """Messages awaiting review, with their text and counted length."""
    cli = _cli()

    @cli.handles_errors
    def body() -> int:
        app = cli._app(ctx)
        with app.open_store_readonly() as store:
            rows = store.review_rows(None if show_all else ("pending", "approved"))
            data = [describe(app, store, r) for r in rows]
        if as_json:
            cli._json(data)
            return 0
        if not data:
            mode = "" if enabled(app) else ' ([publishing] mode is "auto": nothing is held for review)'
            click.echo(f"nothing awaits review{mode}")
            return 0
        for d in data:
            what = d["paper_id"] or "digest"
            part = f" part {d['part']}/{d['parts']}" if d["parts"] > 1 else ""
            size = f"{d['length']}/{d['limit']} characters" if d["limit"] else f"{d['length']} characters"
            edited = f", edited by {d['edited_by']}" if d["edited"] else ""
            decided = f" by {d['decided_by']} at {d['decided_at']}" if d["decided_by"] else ""
            click.echo(f"#{d['id']} {d['channel']} {d['kind']} {what}{part}: {d['state']}{decided} ({size}{edited})")
            if d["subject"]:
                click.echo(f"  Subject: {d['subject']}")
            click.echo("  " + d["text"].replace("\n", "\n  "))
            click.echo("")
        return 0

    body()


def _decide(
    ctx: click.Context, ids: tuple[str, ...], every: bool, state: str, by: str | None, reason: str | None
) -> None:
    cli = _cli()

    @cli.handles_errors
    def body() -> int:
        store = cli._app(ctx).store
        rows = _rows(store, ids, every, ("pending", "approved", "rejected"))
        who = _by(by)
        for row in rows:
            store.decide(row.id, state, by=who, reason=reason)
            click.echo(f"#{row.id} {row.channel} {row.kind} {row.paper_id or ''}: {state} by {who}".rstrip())
        if not rows:
            click.echo("nothing awaits review")
        return 0

    body()


@review.command("approve")
@click.argument("ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Approve every message awaiting review.")
@click.option("--by", help="Who approves (default: your login name).")
@click.pass_context
def review_approve(ctx: click.Context, ids: tuple[str, ...], every: bool, by: str | None) -> None:
    """Approve messages: they go out at the next scheduled run, in order, once."""
    _decide(ctx, ids, every, "approved", by, None)


@review.command("reject")
@click.argument("ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Reject every message awaiting review.")
@click.option("--reason", help="Why (kept with the message).")
@click.option("--by", help="Who rejects (default: your login name).")
@click.pass_context
def review_reject(ctx: click.Context, ids: tuple[str, ...], every: bool, reason: str | None, by: str | None) -> None:
    """Reject messages: they are never sent, and their papers are not proposed again on that channel."""
    _decide(ctx, ids, every, "rejected", by, reason)


@review.command("edit")
@click.argument("ident", metavar="ID")
@click.option("--text-file", type=click.Path(exists=True, dir_okay=False), help="Take the new text from this file.")
@click.option("--by", help="Who edits (default: your login name).")
@click.pass_context
def review_edit(ctx: click.Context, ident: str, text_file: str | None, by: str | None) -> None:
    """Change a post's text (in $EDITOR, or from --text-file); it must still fit the channel's limit."""
    cli = _cli()

    @cli.handles_errors
    def body() -> int:
        app = cli._app(ctx)
        store = app.store
        (row,) = _rows(store, (ident,), False, ("pending", "approved"))
        if row.channel != "mastodon":
            raise ConfigError(
                "a digest cannot be edited here (its text and HTML come from the templates):"
                f" change templates and let a new digest be proposed, or 'paperbot review reject {row.id}'"
            )
        if text_file:
            with open(text_file, encoding="utf-8") as f:
                text = f.read()
        else:
            text = _in_editor(row.text, app.env)
        text = text.rstrip("\n")
        if text == row.text:
            click.echo(f"#{row.id}: unchanged")
            return 0
        length, limit, problem = measure(app, store, row, text)
        if problem:
            raise BotError(f"edit refused: {problem}; #{row.id} is unchanged")
        store.edit_review(row.id, text, by=_by(by))
        click.echo(f"#{row.id}: edited ({length}/{limit} characters); still {row.state}")
        return 0

    body()


def _in_editor(text: str, env: Any) -> str:
    editor = env.get("VISUAL") or env.get("EDITOR") or os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise ConfigError("set $EDITOR (or give --text-file FILE)")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(text + "\n")
        path = f.name
    try:
        if subprocess.call([*shlex.split(editor), path]) != 0:
            raise BotError(f"{editor} exited with an error; nothing changed")
        with open(path, encoding="utf-8") as f:
            return f.read()
    finally:
        os.unlink(path)
