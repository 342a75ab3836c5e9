"""The ``paperbot`` command line: parse, build the App, call it, map errors to exit codes.

Exit codes: 0 success, 1 partial failure (some records, sources or messages failed),
2 usage or configuration error. Heavy libraries are imported inside commands so that
``paperbot --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from .errors import BotError, ConfigError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def _app(ctx: click.Context) -> Any:
    from .app import App, load_env

    obj = ctx.ensure_object(dict)
    if "app" not in obj:
        env = obj.get("env") or load_env(config=obj.get("config"))
        obj["app"] = App.from_path(obj.get("config"), env, clock=obj.get("clock") or _default_clock())
        ctx.call_on_close(obj["app"].close)
    return obj["app"]


def _default_clock() -> Callable[[], Any]:
    from .store import utc_now

    return utc_now


def handles_errors(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Show BotErrors as one clear message (no traceback, secrets redacted) with the right exit code.

    A damaged, foreign or busy store is reported the same way (exit 2) wherever it shows up.
    """

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from .redact import redact

        try:
            code = fn(*args, **kwargs) or 0
        except ConfigError as exc:
            click.echo(f"error: {redact(exc)}", err=True)
            code = 2
        except BotError as exc:
            click.echo(f"error: {redact(exc)}", err=True)
            code = 1
        except Exception as exc:
            store_error = _store_error(exc)
            if store_error is None:
                raise
            click.echo(f"error: {redact(store_error)}", err=True)
            code = 2
        sys.exit(code) if code else None

    return wrapper


def _store_error(exc: Exception) -> Exception | None:
    """An SQLite error that says the store is damaged, foreign or busy, as a clear StoreError."""
    import sqlite3

    if not isinstance(exc, sqlite3.Error):
        return None
    from .store import describe_sqlite_error

    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    app = obj.get("app") if isinstance(obj, dict) else None
    return describe_sqlite_error(exc, app.config.store.path if app is not None else None)


class _GlobalOptionsAnywhere(click.Group):
    """``--config PATH`` and ``-v`` work before or after the subcommand (``paperbot check --config X``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _hoist_global_options(args))


def _hoist_global_options(args: list[str]) -> list[str]:
    """Move ``--config PATH``/``--config=PATH``/``-v``/``-q``/``--log-format F`` given after the command in front."""
    front: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):  # global options already in front
        front.append(args[i])
        if args[i] in ("--config", "--log-format") and i + 1 < len(args):
            front.append(args[i + 1])
            i += 1
        i += 1
    rest: list[str] = []
    tail = args[i:]
    j = 0
    while j < len(tail):
        arg = tail[j]
        if arg == "--":
            rest += tail[j:]
            break
        if arg in ("-v", "--verbose", "-q", "--quiet") or arg.startswith(("--config=", "--log-format=")):
            front.append(arg)
        elif arg in ("--config", "--log-format") and j + 1 < len(tail):
            front += [arg, tail[j + 1]]
            j += 1
        else:
            rest.append(arg)
        j += 1
    return front + rest


def _echo_problems(problems: list[Any]) -> None:
    for p in problems:
        click.echo(f"{getattr(p, 'level', 'error')}: {p}", err=True)


def _json(data: object) -> None:
    """Pretty JSON on stdout, written as it is encoded (a 5,000-paper preview never exists twice in memory)."""
    out = sys.stdout
    json.dump(data, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")


@click.group(cls=_GlobalOptionsAnywhere, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Config file (default: $PAPERBOT_CONFIG, else config/paperbot.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each step (sources, posts, batches) to stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Log errors only.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines as text or as one JSON object per line.",
)
@click.version_option(package_name="paperbot")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool, quiet: bool, log_format: str) -> None:
    """paperbot: announce your group's newly accepted papers by e-mail, on Mastodon and on a news page.

    --config, -v, -q and --log-format may also follow the command: paperbot check --config PATH.
    """
    from .logs import setup

    obj = ctx.ensure_object(dict)
    obj["config"] = config_path
    obj["verbosity"] = 1 if verbose else -1 if quiet else 0
    obj["log_format"] = log_format
    setup(obj["verbosity"], log_format)


def _config_file(ctx: click.Context) -> Any:
    """The config file ``_app`` loads (``find_config`` over ``load_env``), found without importing them.

    Only the quick path of ``check`` relies on it, and only when the store's record of the last
    check names this same file: a mismatch costs a full check, never a wrong answer.
    """
    import os
    from pathlib import Path

    obj = ctx.ensure_object(dict)
    if obj.get("config"):
        return Path(obj["config"])
    env = obj.get("env")
    if env:
        value = env.get("PAPERBOT_CONFIG")
    elif "PAPERBOT_CONFIG" in os.environ:
        value = os.environ["PAPERBOT_CONFIG"]
    else:
        value = None
        if Path(".env").is_file():
            from dotenv import dotenv_values

            value = dotenv_values(".env").get("PAPERBOT_CONFIG")
    return Path(value) if value else Path("config/paperbot.toml")


def _config_fingerprint(ctx: click.Context) -> Any:
    """The config file's fingerprint, taken before ``_app`` loads it (bot/fingerprint.py)."""
    from .fingerprint import config_fingerprint

    return config_fingerprint(_config_file(ctx))


def _check_inputs(app: Any, config_fp: Any) -> Any:
    """What a check depends on besides its sources; call it before ``app.roster`` reads the roster."""
    from .fingerprint import check_inputs

    return check_inputs(app.config, app.config_path, config_fp)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (a dropped link, a duplicated field, …).")
@click.option("--force", is_flag=True, help="Read every source again even if nothing changed since the last check.")
@click.pass_context
@handles_errors
def check(ctx: click.Context, as_json: bool, strict: bool, force: bool) -> int:
    """Read all sources and report newly accepted papers (stores them; announces nothing).

    When no source file, the roster, the config and paperbot itself changed since the last check
    without errors, nothing is read or stored: the report says "unchanged" and repeats that
    check's warnings (--force reads everything anyway). Exit 0 when every source and record was
    read (warnings are printed), 1 when a source or a record could not be (or, with --strict, on
    any warning), 2 for a config or roster error.
    """
    from .fingerprint import quick_check
    from .ingest import check as run_check
    from .ingest import unchanged_report

    config_fp = _config_fingerprint(ctx)  # before the config is loaded
    last = None if force else quick_check(config_fp)  # needs no config validation, parser or roster
    if last is not None:
        report, due = unchanged_report(last), {}
    else:
        from .status import due_counts

        app = _app(ctx)
        inputs = _check_inputs(app, config_fp)
        report = run_check(
            app.sources(), app.roster, app.store, problems=app.roster_problems, inputs=inputs, force=force
        )
        due = due_counts(app.store, app.config.enabled_channels())  # the same count as 'paperbot status'
    if as_json:
        _json({**report.as_json(), **({"due": due} if due else {})})
    else:
        _echo_problems(report.problems)
        click.echo(report.summary())
        if due:
            click.echo("due: " + ", ".join(f"{n} on {c}" for c, n in due.items()) + " (paperbot status)")
        updated = len(report.updated - report.created)
        if updated:
            click.echo(f"{updated} known paper{'s' if updated != 1 else ''} updated")
        if report.removed:
            click.echo(
                f"{report.removed} unannounced venue event(s) withdrawn, rejected or no longer listed by their "
                "source: taken out of every queue"
            )
        skipped = report.skipped_summary()
        if skipped:
            click.echo(skipped)
    return 1 if report.failed or (strict and report.problems) else 0


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def status(ctx: click.Context, as_json: bool) -> int:
    """Papers by venue and their announcement state per channel (read-only).

    Per enabled channel: what is due, what the next 'paperbot run' would hold back and why,
    what awaits a decision, and when something will next be sent.
    """
    from .status import collect, render

    app = _app(ctx)
    with app.open_store_readonly() as store:
        data = collect(
            store, app.config.enabled_channels(), path=app.config.store.path, app=app, pacing=_run_pacing(app)
        )
    if as_json:
        _json(data)
    else:
        click.echo(render(data))
    return 0


@cli.command()
@click.option(
    "--mark-announced",
    is_flag=True,
    help="Adopt every accepted paper found now as already announced (no first-run flood).",
)
@click.option(
    "--before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="With --mark-announced: only papers accepted before this date.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def init(ctx: click.Context, mark_announced: bool, before: Any, as_json: bool) -> int:
    """Create the store and read all sources; with --mark-announced adopt them as already announced."""
    from .ingest import check as run_check

    config_fp = _config_fingerprint(ctx)
    app = _app(ctx)
    store = app.store
    inputs = _check_inputs(app, config_fp)
    report = run_check(app.sources(), app.roster, store, problems=app.roster_problems, inputs=inputs, force=True)
    adopted = store.adopt_baseline(before=before.date() if before else None) if mark_announced else 0
    undated = store.undated_counts(before.date()) if mark_announced and before else None
    if as_json:
        _json(
            {
                "store": str(app.config.store.path),
                "papers": store.counts()["papers"],
                "adopted": adopted,
                **({"undated": undated} if undated is not None else {}),
                "warnings": [p.as_dict() for p in report.problems],
            }
        )
    else:
        _echo_problems(report.problems)
        click.echo(f"store ready at {app.config.store.path} ({store.counts()['papers']} papers)")
        if mark_announced:
            click.echo(f"{adopted} accepted venue event(s) adopted as already announced; they will not be posted")
            if undated and (undated["adopted"] or undated["due"]):
                click.echo(
                    f"undated (no accepted_on): {undated['adopted']} from years before {before.year} adopted, "
                    f"{undated['due']} from {before.year} or later left to announce"
                )
        else:
            click.echo(
                f"{len(report.new)} accepted venue event(s) are due to be announced; run "
                "'paperbot init --mark-announced' instead to adopt them as already announced"
            )
    return 1 if report.failed else 0


CHANNELS = ("mastodon", "email", "page")


def _channels(app: Any, channel: str | None) -> list[str]:
    enabled = app.config.enabled_channels()
    if channel is None:
        return enabled
    if channel not in enabled:
        shown = ", ".join(enabled) or "none"
        raise ConfigError(f"channel {channel!r} is not enabled in {app.config_path}; enabled: {shown}")
    return [channel]


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Also write a browsable HTML preview into DIR.",
)
@click.option("--channel", type=click.Choice(CHANNELS), help="Only this channel.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N", help="As 'publish --limit N'.")
@click.option("--respect-hours", is_flag=True, help="As 'publish --respect-hours'.")
@click.option("--as-run", is_flag=True, help="As 'paperbot run' would publish: posting_hours and max_per_run.")
@click.pass_context
@handles_errors
def preview(
    ctx: click.Context,
    as_json: bool,
    out_dir: str | None,
    channel: str | None,
    limit: int | None,
    respect_hours: bool,
    as_run: bool,
) -> int:
    """Show exactly what publish would send now, and why anything due is held back.

    Sends nothing, changes nothing, needs no network. Without options it shows a plain
    'publish'; --limit, --respect-hours and --as-run show that run instead.
    """
    app = _app(ctx)
    channels = _channels(app, channel)
    pacing = _run_pacing(app) if as_run else _pacing(limit, respect_hours)
    with app.open_store_readonly() as store:
        messages, errors, held = _plan(app, store, channels, pacing)
    return _show_preview(messages, errors, as_json=as_json, out_dir=out_dir, channels=channels, held=held)


def _pacing(limit: int | None, respect_hours: bool) -> Any:
    from .publish import Pacing

    return Pacing(limit=limit, respect_hours=respect_hours)


def _run_pacing(app: Any) -> Any:
    """What a scheduled 'paperbot run' keeps to: posting_hours and max_per_run."""
    from .publish import Pacing

    masto = app.config.channels.mastodon
    return Pacing(limit=masto.max_per_run if masto else None, respect_hours=True, limit_name="max_per_run")


def _plan(app: Any, store: Any, channels: list[str], pacing: Any) -> tuple[list[Any], list[str], dict[str, Any]]:
    from .publish import Publisher

    return Publisher(app, store, sleep=lambda s: None).preview_plan(channels, pacing)


def _show_preview(
    messages: list[Any],
    errors: list[str],
    *,
    as_json: bool,
    out_dir: str | None,
    channels: list[str],
    held: dict[str, Any] | None = None,
) -> int:
    from pathlib import Path

    from .preview import terminal, write_html

    held = held or {}
    if out_dir:
        written = write_html(messages, Path(out_dir), held)
        if not as_json:
            click.echo(f"preview written to {Path(out_dir) / 'index.html'} ({len(written)} files)", err=True)
    if as_json:
        _json(
            {
                "messages": [
                    {**m.as_json(), **({"held_back": held[m.key].as_json()} if m.key in held else {})} for m in messages
                ],
                "errors": errors,
            }
        )
    else:
        if not channels:
            click.echo("no channels enabled: add [channels.mastodon], [channels.email] or [channels.page]")
        click.echo(terminal(messages, held))
        for e in errors:
            click.echo(f"error: {e}", err=True)
    return 1 if errors else 0


@cli.command()
@click.option("--channel", type=click.Choice(CHANNELS), help="Only this channel.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Post at most N papers on Mastodon in this run.",
)
@click.option("--respect-hours", is_flag=True, help="Keep to [channels.mastodon] posting_hours.")
@click.option("--dry-run", is_flag=True, help="Show what would be sent (exactly 'preview'); send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary (or the dry run) as JSON.")
@click.pass_context
@handles_errors
def publish(
    ctx: click.Context,
    channel: str | None,
    limit: int | None,
    respect_hours: bool,
    dry_run: bool,
    as_json: bool,
) -> int:
    """Send what is due: Mastodon posts, the e-mail digest, news pages. Each message exactly once."""
    app = _app(ctx)
    channels = _require_channels(app, _channels(app, channel))
    if dry_run:
        with app.open_store_readonly() as store:
            messages, errors, held = _plan(app, store, channels, _pacing(limit, respect_hours))
        return _show_preview(messages, errors, as_json=as_json, out_dir=None, channels=channels, held=held)
    return _publish(ctx, app, channels, pacing=_pacing(limit, respect_hours), as_json=as_json)


def _require_channels(app: Any, channels: list[str]) -> list[str]:
    """publish and run with no channel enabled are a configuration error, not a silent success."""
    if not channels:
        raise ConfigError(
            f"{app.config_path}: no channel is enabled, so there is nothing to publish: add"
            " [channels.mastodon], [channels.email] or [channels.page] (or set enabled = true in one)"
        )
    return channels


def _publish(
    ctx: click.Context,
    app: Any,
    channels: list[str],
    *,
    pacing: Any,
    as_json: bool,
    extra: dict[str, Any] | None = None,
) -> int:
    import time

    from .publish import Publisher
    from .redact import redact, redact_data

    sleep = ctx.obj.get("sleep")
    if sleep is None:
        sleep = time.sleep
    publisher = Publisher(
        app,
        app.store,
        sleep=sleep,
        channel_factory=ctx.obj.get("channel_factory"),
        notify=lambda line: click.echo(redact(line), err=True),  # waits and progress: stderr, also with --json
    )
    summary = publisher.publish(channels, pacing)
    if as_json:
        _json(redact_data({**(extra or {}), **summary.as_json()}))
    else:
        click.echo(redact(summary.text()))
    return 0 if summary.ok else 1


@cli.command()
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check and preview on a copy of the store: shows what would be sent, changes nothing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--force", is_flag=True, help="Run even while a paperbot daemon holds the store.")
@click.pass_context
@handles_errors
def run(ctx: click.Context, dry_run: bool, as_json: bool, force: bool) -> int:
    """Check all sources, then publish what is due (the job to run from cron).

    While a paperbot daemon runs on the store it only says so and exits 0 (--force: run anyway).
    With a [schedule] table the digest goes out only when [schedule] digest says so.
    """
    from .daemon.gate import daemon_holding, plan_run
    from .ingest import check as run_check

    config_fp = _config_fingerprint(ctx)
    app = _app(ctx)
    channels = _require_channels(app, app.config.enabled_channels())
    held = None if dry_run or force else daemon_holding(app)
    if held:
        click.echo(held, err=True)
        return 0
    if dry_run:
        with app.open_store_readonly() as ro:
            scratch = ro.copy_to_memory()
        inputs = _check_inputs(app, config_fp)
        report = run_check(app.sources(), app.roster, scratch, problems=app.roster_problems, inputs=inputs)
        if not as_json:
            _echo_problems(report.problems)
            click.echo(report.summary(), err=True)
        messages, errors, held = _plan(app, scratch, channels, _run_pacing(app))
        code = _show_preview(messages, errors, as_json=as_json, out_dir=None, channels=channels, held=held)
        return max(code, 1 if report.failed else 0)
    inputs = _check_inputs(app, config_fp)
    report = run_check(app.sources(), app.roster, app.store, problems=app.roster_problems, inputs=inputs)
    if not as_json:
        _echo_problems(report.problems)
        click.echo(report.summary())
    gate = plan_run(app, channels)  # the digest only when [schedule] digest says so
    for note in gate.notes:
        click.echo(note, err=True)
    with gate.recorded():
        code = _publish(
            ctx,
            gate.app,
            gate.channels,
            pacing=_run_pacing(app),
            as_json=as_json,
            extra={"check": report.as_json()},
        )
        gate.done(code == 0)
    return max(code, 1 if report.failed else 0)


@cli.command()
@click.pass_context
@handles_errors
def daemon(ctx: click.Context) -> int:
    """Run on the [schedule]: check, post, send the digest and write the pages, until stopped.

    One daemon per store (a second one exits 1 naming the first). SIGTERM or SIGINT: finish the
    message in flight and exit 0. SIGHUP: read the config and templates again.
    """
    from .app import App, load_env
    from .daemon.runner import serve
    from .logs import setup

    app = _app(ctx)  # a config error stops it here (exit 2), before anything runs
    obj = ctx.obj
    setup(obj.get("verbosity", 0), obj.get("log_format", "text"), daemon=True)
    first = [app]

    def load_app() -> Any:
        if first:
            return first.pop()
        env = obj.get("env") or load_env(config=obj.get("config"))
        return App.from_path(obj.get("config"), env, clock=app.clock)

    return serve(load_app, app.clock)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check config, templates, store, page folder and each channel's credentials; say what to fix.

    Exit 0 when all is good, 1 when something needs fixing. Nothing is sent.
    """
    from . import doctor as d

    checks = d.run_checks(lambda: _app(ctx))
    if as_json:
        _json(d.as_json(checks))
    else:
        click.echo(d.render(checks))
    sys.exit(0 if all(c.ok for c in checks) else 1)


@cli.command()
@click.argument("channel", type=click.Choice(CHANNELS))
@click.pass_context
@handles_errors
def resume(ctx: click.Context, channel: str) -> int:
    """Resume CHANNEL, paused because its credentials were refused run after run (see 'status')."""
    app = _app(ctx)
    if app.store.resume_channel(channel):
        click.echo(f"{channel}: resumed; the next run tries it again")
    else:
        click.echo(f"{channel} was not paused")
    return 0


# --- news pages ------------------------------------------------------------------------------


@cli.group()
def pages() -> None:
    """The news pages, their index and the Atom feed ([channels.page])."""


@pages.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def pages_rebuild(ctx: click.Context, as_json: bool) -> int:
    """Regenerate every news page, the index and the feed from the store (after a template change).

    Shows what has been published on the page channel (nothing new is announced), writes each
    file atomically and leaves a file alone when its bytes would not change. Exit 0 when done,
    1 when a file could not be written or a template failed, 2 without [channels.page].
    """
    from .channels.page import PageChannel

    app = _app(ctx)
    page = app.config.channels.page
    if page is None:
        raise ConfigError(f"{app.config_path}: no [channels.page], so there are no news pages to rebuild")
    with app.open_store_readonly() as store:
        messages = app.rebuild_pages(store)
    channel = PageChannel(page.dir)
    outcome = channel.write([(m.path, m.text + "\n") for m in messages]) if messages else None
    venues = sum(1 for m in messages if m.path not in ("index.html", "feed.atom"))
    if as_json:
        _json(
            {
                "dir": str(page.dir),
                "venue_pages": venues,
                "written": channel.written,
                "unchanged": channel.unchanged,
                "error": outcome.error if outcome else None,
            }
        )
    elif not messages:
        click.echo("nothing has been published on the page channel yet: no pages to rebuild")
    elif outcome and outcome.status != "sent":
        click.echo(f"error: {outcome.error}", err=True)
    else:
        click.echo(
            f"rebuilt {venues} news page{'s' if venues != 1 else ''}, the index and the Atom feed in {page.dir}:"
            f" {len(channel.written)} written, {len(channel.unchanged)} unchanged"
        )
    return 1 if outcome and outcome.status != "sent" else 0


# --- subscribers and outbox ----------------------------------------------------------------


@cli.group()
def subscribers() -> None:
    """Manage the digest's subscribers (stored in the state store)."""


def _validate_email(address: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc)) from None


@subscribers.command("add")
@click.argument("email")
@click.option("--name", default=None, help="The subscriber's name, for the To: line.")
@click.pass_context
@handles_errors
def subscribers_add(ctx: click.Context, email: str, name: str | None) -> int:
    """Add a subscriber (or re-activate one who had unsubscribed)."""
    try:
        address = _validate_email(email)
    except click.BadParameter as exc:
        raise ConfigError(f"{email!r} is not a valid address: {exc.message}") from None
    result = _app(ctx).store.add_subscriber(address, name)
    click.echo(f"{address}: {result}")
    return 0


@subscribers.command("remove")
@click.argument("emails", nargs=-1, required=True)
@click.pass_context
@handles_errors
def subscribers_remove(ctx: click.Context, emails: tuple[str, ...]) -> int:
    """Unsubscribe addresses (kept as unsubscribed, so they are never mailed again).

    With SendGrid and an ``asm_group_id`` they are also added to the ASM group's suppressions;
    if that fails the local unsubscribe still holds (a warning, same exit code).
    """
    from .redact import redact
    from .unsubscribe import asm_mirror

    app = _app(ctx)
    n = app.store.unsubscribe(list(emails))
    click.echo(f"{n} address(es) unsubscribed")
    email = app.config.channels.email
    mirror, why_not = asm_mirror(email, app.env)
    if why_not:
        click.echo(f"warning: {why_not}", err=True)
    if mirror is not None:
        error = mirror(list(emails))
        if error:
            click.echo(
                f"warning: not mirrored into the SendGrid ASM group {email.asm_group_id}: {redact(error)}", err=True
            )
        else:
            click.echo(f"also suppressed in the SendGrid ASM group {email.asm_group_id}")
    return 0


@subscribers.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include unsubscribed addresses.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handles_errors
def subscribers_list(ctx: click.Context, show_all: bool, as_json: bool) -> int:
    """List subscribers (active ones unless --all)."""
    app = _app(ctx)
    with app.open_store_readonly() as store:
        rows = [
            {"email": r["email"], "name": r["name"], "status": r["status"], "since": r["created_at"]}
            for r in store.subscribers(active_only=not show_all)
        ]
    if as_json:
        _json(rows)
    else:
        for r in rows:
            click.echo(f"{r['email']}\t{r['name'] or ''}\t{r['status']}")
        click.echo(f"{len(rows)} subscriber(s)", err=True)
    return 0


@subscribers.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
@handles_errors
def subscribers_import(ctx: click.Context, path: str) -> int:
    """Import a CSV file with a header row: column 'email', optional 'name'."""
    import csv

    store = _app(ctx).store
    counts = {"added": 0, "reactivated": 0, "renamed": 0, "exists": 0}
    bad = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "email" not in header:
            raise ConfigError(f"{path}: the header row has no 'email' column (found: {', '.join(header) or 'none'})")
        reader.fieldnames = header
        seen: dict[str, int] = {}
        for row in reader:
            raw = (row.get("email") or "").strip()
            where = f"{path}, line {reader.line_num}, field 'email'"
            try:
                address = _validate_email(raw)
            except click.BadParameter as exc:
                click.echo(f"warning: {where}: {raw!r} skipped: {exc.message}", err=True)
                bad += 1
                continue
            if address.lower() in seen:
                click.echo(
                    f"warning: {where}: {raw!r} skipped: the same address as line {seen[address.lower()]}", err=True
                )
                bad += 1
                continue
            seen[address.lower()] = reader.line_num
            counts[store.add_subscriber(address, (row.get("name") or "").strip() or None)] += 1
    click.echo(
        f"{counts['added']} added, {counts['reactivated']} re-activated, {counts['renamed']} with a new name,"
        f" {counts['exists']} already there, {bad} invalid"
    )
    return 1 if bad else 0


@subscribers.command("export")
@click.option("--all", "show_all", is_flag=True, help="Include unsubscribed addresses (with a status column).")
@click.pass_context
@handles_errors
def subscribers_export(ctx: click.Context, show_all: bool) -> int:
    """Write the subscribers as CSV (email,name) to standard output."""
    import csv

    app = _app(ctx)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["email", "name", "status"] if show_all else ["email", "name"])
    with app.open_store_readonly() as store:
        for r in store.subscribers(active_only=not show_all):
            out.writerow([r["email"], r["name"] or ""] + ([r["status"]] if show_all else []))
    return 0


@cli.command("unsubscribe-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (behind your HTTPS proxy).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port to listen on (0: any free)."
)
@click.pass_context
@handles_errors
def unsubscribe_server(ctx: click.Context, host: str, port: int) -> int:
    """Serve the one-click unsubscribe endpoint that [channels.email] unsubscribe_url points at.

    POST (RFC 8058 one-click, or the button on the page) unsubscribes the token's address; GET
    only shows that button, since mail scanners fetch every link. Runs until interrupted.
    """
    import contextlib
    import logging

    from .unsubscribe import build, make_server

    app = _app(ctx)
    wsgi, why_not = build(app.config, app.env, clock=app.clock)
    try:
        server = make_server(wsgi, host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    logger = logging.getLogger("paperbot.unsubscribe")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        if why_not:
            click.echo(f"warning: {why_not}", err=True)
        click.echo(
            f"serving one-click unsubscribe for {wsgi.rule.url} on http://{host}:{server.server_port} (Ctrl-C to stop)",
            err=True,
        )
        ready = ctx.obj.get("on_serving")  # tests: gets the server, ends it with server.shutdown()
        if ready is not None:
            ready(server)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        click.echo("stopped", err=True)
    finally:
        server.server_close()
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    return 0


@cli.group()
def outbox() -> None:
    """Inspect and resolve messages in the outbox (failed or uncertain sends)."""


@outbox.command("list")
@click.option(
    "--state",
    type=click.Choice(["pending", "sending", "sent", "failed", "uncertain"]),
    multiple=True,
    help="Only these states (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handles_errors
def outbox_list(ctx: click.Context, state: tuple[str, ...], as_json: bool) -> int:
    """List outbox messages with their state, attempts and last error."""
    from .redact import redact_optional

    app = _app(ctx)
    with app.open_store_readonly() as store:
        rows = store.all_outbox(state or None)
        problems = store.recipient_problems()  # SMTP recipients deferred (4xx) or refused (5xx), per batch
    data = [
        {
            "key": r.key,
            "channel": r.channel,
            "kind": r.kind,
            "state": r.state,
            "paper_id": r.paper_id,
            "part": r.part,
            "attempts": r.attempts,
            "error": redact_optional(r.last_error),  # stored redacted; older stores may hold raw replies
            "remote_id": r.remote_id,
            "remote_url": r.remote_url,
            "recipients": r.recipients,
            "delivered_through": r.delivered_through,
            "recipient_problems": problems.get(r.key, []),
        }
        for r in rows
    ]
    if as_json:
        _json(data)
    elif not data:
        wanted = "/".join(state) if state else "failed or uncertain"
        click.echo(f"nothing {wanted} in the outbox: no message awaits a decision")
    else:
        for d in data:
            what = d["paper_id"] or f"{d['recipients']} recipient(s)"
            click.echo(f"{d['key']}\t{d['channel']}\t{d['state']}\t{what}\t{d['error'] or ''}")
            for p in d["recipient_problems"]:
                how = {
                    "deferred": "deferred (temporary refusal; tried again at the next run)",
                    "failed": "refused for good",
                    "unsubscribed": "deferred, since unsubscribed (not tried again)",
                }[str(p["state"])]
                click.echo(f"    {p['email']}: {how}: {p['error']} (attempts: {p['attempts']})")
    return 0


@outbox.command("retry")
@click.argument("key")
@click.pass_context
@handles_errors
def outbox_retry(ctx: click.Context, key: str) -> int:
    """Send a failed or uncertain message again on the next publish (may duplicate an uncertain one)."""
    store = _app(ctx).store
    row = store.outbox_row(key)
    if row is None or row.state not in ("failed", "uncertain"):
        raise ConfigError(f"no failed or uncertain message with key {key!r} (see 'paperbot outbox list')")
    store.mark_state(key, "pending", f"retry requested after: {row.last_error}")
    if row.state == "failed" and store.reopen_recipients(key):  # SMTP recipients refused for good: again too
        click.echo(f"{key}: its refused recipients are tried again too")
    click.echo(f"{key}: pending again")
    return 0


@outbox.command("mark-sent")
@click.argument("key")
@click.pass_context
@handles_errors
def outbox_mark_sent(ctx: click.Context, key: str) -> int:
    """Record an uncertain message as delivered (after checking the account or the provider)."""
    store = _app(ctx).store
    row = store.outbox_row(key)
    if row is None or row.state not in ("uncertain", "failed", "pending", "sending"):
        raise ConfigError(f"no unsent message with key {key!r} (see 'paperbot outbox list')")
    store.mark_sent(key, remote_id=row.remote_id)
    click.echo(f"{key}: marked sent")
    return 0


@cli.command("health")
@click.option("--max-age", default=60.0, show_default=True, metavar="SECONDS", help="Oldest heartbeat still healthy.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def health_command(ctx: click.Context, max_age: float, as_json: bool) -> int:
    """Exit 0 when a daemon holds the store with a heartbeat younger than --max-age, else 1 (read-only).

    For the Docker HEALTHCHECK and monitoring; see deploy/README.md.
    """
    from .daemon.health import daemon_health

    app = _app(ctx)
    result = daemon_health(app.config.store.path, app.clock(), max_age)
    _json(result) if as_json else click.echo(("healthy: " if result["healthy"] else "unhealthy: ") + result["reason"])
    return 0 if result["healthy"] else 1


@cli.command("backup")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def backup_command(ctx: click.Context, path: str, force: bool, as_json: bool) -> int:
    """Write a consistent, verified copy of the store to PATH, safe while the daemon or a run writes.

    To restore: stop the daemon (and cron), move the store and its -wal and -shm files away, copy
    the backup to [store] path, then run 'paperbot status'. Exit 0 when the copy was written and
    verified, 1 when it could not be made or failed verification (nothing is left at PATH), 2 for
    a config error or a bad PATH (it exists and --force was not given, or its folder is missing).
    """
    from pathlib import Path

    from .backup import backup

    app = _app(ctx)
    store = app.config.store
    result = backup(store.path, Path(path), force=force, busy_timeout=store.busy_timeout)
    if as_json:
        _json(result.as_json())
    else:
        click.echo(result.text())
    return 0


def _register_review() -> None:
    from .review import review  # the editor's side of [publishing] mode = "review"

    cli.add_command(review)


_register_review()


def main() -> None:
    from .redact import redacting_excepthook

    sys.excepthook = redacting_excepthook(sys.excepthook)  # an unexpected traceback shows no secret
    cli(prog_name="paperbot")
