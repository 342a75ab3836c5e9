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
        env = obj.get("env") or load_env()
        obj["app"] = App.from_path(obj.get("config"), env, clock=obj.get("clock") or _default_clock())
        ctx.call_on_close(obj["app"].close)
    return obj["app"]


def _default_clock() -> Callable[[], Any]:
    from .store import utc_now

    return utc_now


def handles_errors(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Show BotErrors as one clear message (no traceback) with the right exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs) or 0
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            code = 2
        except BotError as exc:
            click.echo(f"error: {exc}", err=True)
            code = 1
        sys.exit(code) if code else None

    return wrapper


def _echo_problems(problems: list[Any]) -> None:
    for p in problems:
        click.echo(f"warning: {p}", err=True)


def _json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Config file (default: $PAPERBOT_CONFIG, else config/paperbot.toml).",
)
@click.version_option(package_name="paperbot")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """paperbot: announce your group's newly accepted papers by e-mail, on Mastodon and on a news page."""
    ctx.ensure_object(dict)["config"] = config_path


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def check(ctx: click.Context, as_json: bool) -> int:
    """Read all sources and report newly accepted papers (stores them; announces nothing)."""
    from .ingest import check as run_check

    app = _app(ctx)
    report = run_check(app.sources(), app.roster, app.store, problems=app.roster_problems)
    if as_json:
        _json(report.as_json())
    else:
        _echo_problems(report.problems)
        click.echo(report.summary())
        updated = len(report.updated - report.created)
        if updated:
            click.echo(f"{updated} known paper{'s' if updated != 1 else ''} updated")
        if report.removed:
            click.echo(
                f"{report.removed} unannounced venue event(s) no longer listed by their source: withdrawn"
            )
    return 1 if report.failed else 0


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@handles_errors
def status(ctx: click.Context, as_json: bool) -> int:
    """Papers by venue and their announcement state per channel (read-only)."""
    from .status import collect, render

    app = _app(ctx)
    with app.open_store_readonly() as store:
        data = collect(store, app.config.enabled_channels(), path=app.config.store.path)
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

    app = _app(ctx)
    store = app.store
    report = run_check(app.sources(), app.roster, store, problems=app.roster_problems)
    adopted = store.adopt_baseline(before=before.date() if before else None) if mark_announced else 0
    if as_json:
        _json(
            {
                "store": str(app.config.store.path),
                "papers": store.counts()["papers"],
                "adopted": adopted,
                "warnings": [p.as_dict() for p in report.problems],
            }
        )
    else:
        _echo_problems(report.problems)
        click.echo(f"store ready at {app.config.store.path} ({store.counts()['papers']} papers)")
        if mark_announced:
            click.echo(
                f"{adopted} accepted venue event(s) adopted as already announced; they will not be posted"
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
@click.pass_context
@handles_errors
def preview(ctx: click.Context, as_json: bool, out_dir: str | None, channel: str | None) -> int:
    """Show exactly what publish would send now. Sends nothing, changes nothing, needs no network."""
    from pathlib import Path

    from .preview import terminal, write_html

    app = _app(ctx)
    channels = _channels(app, channel)
    with app.open_store_readonly() as store:
        messages, errors = app.compose(store, channels)
    if out_dir:
        written = write_html(messages, Path(out_dir))
        if not as_json:
            click.echo(f"preview written to {Path(out_dir) / 'index.html'} ({len(written)} files)", err=True)
    if as_json:
        _json({"messages": [m.as_json() for m in messages], "errors": errors})
    else:
        if not channels:
            click.echo("no channels enabled: add [channels.mastodon], [channels.email] or [channels.page]")
        click.echo(terminal(messages))
        for e in errors:
            click.echo(f"error: {e}", err=True)
    return 1 if errors else 0


def main() -> None:
    cli(prog_name="paperbot")
