"""Configuration: one TOML file, validated at load, secrets only from the environment.

Where the file is: ``--config PATH``, else ``$PAPERBOT_CONFIG``, else ``config/paperbot.toml``.
Unknown keys are errors (with the intended key suggested), every error names the file
and the key, and relative paths resolve against the config file's folder, so the bot
behaves the same from cron as from a shell.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .safeio import InputError, MissingFileError, read_text_limited

DEFAULT_CONFIG = Path("config/paperbot.toml")
CONFIG_ENV = "PAPERBOT_CONFIG"
MAX_CONFIG_BYTES = 1_000_000  # a config is a few kB; anything near this is not a config


class _Strict(BaseModel):
    # allow_inf_nan=False: TOML's inf and nan are never a timeout, an interval or a size
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _http_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL with a host (surrounding spaces removed)."""
    if value is None:
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError(f"expected an http(s) URL like 'https://lab.example/papers/', got {value!r}")
    return value


class StoreConfig(_Strict):
    path: Path = Path("state/paperbot.db")
    busy_timeout: float = Field(30.0, ge=0, le=3600)  # seconds to wait for another process's write, then exit 2


class RosterConfig(_Strict):
    path: Path
    match_initials: bool = True  # "J. Doe" may match member "Jane Doe" when no other member fits
    transliterate: bool = True  # "Mueller" matches "Müller"


class FileSourceConfig(_Strict):
    type: Literal["file"]
    path: Path
    name: str | None = None
    format: Literal["yaml", "csv", "bibtex"] | None = None  # default: from the file extension
    base_url: str | None = None  # a relative `pdf` in the file resolves against it, e.g. "https://lab.example/"
    max_source_bytes: int = Field(50_000_000, gt=0, le=2_000_000_000)  # larger files are refused, not read

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return _http_url(value)

    @property
    def label(self) -> str:
        return self.name or self.path.name


SourceConfig = Annotated[FileSourceConfig, Field(discriminator="type")]


class TemplatesConfig(_Strict):
    dir: Path | None = None  # templates here override the built-in ones of the same name


class VenueConfig(_Strict):
    """``[venues."NeurIPS 2024"]`` (one event: a key ending in a year) or ``[venues.MLHC]`` (a series,
    extending or overriding the built-in venue table in bot/venues.toml)."""

    hashtags: list[str] = []  # event: ["#NeurIPS2024"]; series: ["#MLHC{year}"]; default: the venue table's
    name: str | None = None  # event: long name, e.g. "38th Conference on Neural Information Processing Systems"
    location: str | None = None  # event only
    dates: str | None = None  # event only
    names: list[str] = []  # series: long names as booktitle/journal fields write them
    aliases: list[str] = []  # series: other short forms
    kind: Literal["conference", "journal", "workshop"] | None = None  # series (required for a new one)
    conference: str | None = None  # series, workshops: the conference it is always held at


_EVENT_ONLY = ("name", "location", "dates")
_SERIES_ONLY = ("names", "aliases", "kind", "conference")


def _check_venues(venues: dict[str, VenueConfig]) -> dict[str, VenueConfig]:
    from .venues import VenueTableError, is_event_key, table_from_config

    for key, v in venues.items():
        event = is_event_key(key)
        wrong = [f for f in (_SERIES_ONLY if event else _EVENT_ONLY) if f in v.model_fields_set]
        if wrong and event:
            series = key.strip()[:-4].strip()
            raise ValueError(
                f"[venues.{key!r}] configures one event (its key ends with a year); {wrong[0]!r} belongs in"
                f" a series entry without the year, e.g. [venues.{series!r}]"
            )
        if wrong:
            raise ValueError(
                f"[venues.{key!r}] configures a series (its key has no year); {wrong[0]!r} belongs to one"
                f' event, e.g. [venues."{key} 2025"]'
            )
    try:
        table_from_config(venues)
    except VenueTableError as exc:
        raise ValueError(str(exc)) from None
    return venues


class MastodonConfig(_Strict):
    enabled: bool = True
    api_base_url: str | None = None
    max_characters: int = Field(500, ge=50, le=100_000)  # used until the instance has told us its own
    characters_reserved_per_url: int = Field(23, ge=1, le=1000)
    visibility: Literal["public", "unlisted", "private", "direct"] = "public"
    language: str | None = "en"
    spoiler_text: str = ""
    thread: bool = False  # continue a long abstract as numbered replies instead of cutting it
    max_thread_parts: int = Field(4, ge=2, le=20)
    mentions: bool = True  # mention members' Mastodon handles
    hashtags: list[str] = []  # added to every post, e.g. ["#MachineLearning"]
    min_interval: float = Field(5.0, ge=0, le=3600)
    posting_hours: str | None = None  # "08:00-20:00", local time
    max_per_run: int | None = Field(None, ge=1, le=10_000)
    request_timeout: float = Field(30.0, gt=0, le=600)
    max_attempts: int = Field(5, ge=1, le=20)

    @field_validator("posting_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None:
            from .scheduler import parse_hours

            parse_hours(value)
        return value


class EmailConfig(_Strict):
    enabled: bool = True
    provider: Literal["sendgrid", "smtp"] = "sendgrid"
    from_: str | None = Field(None, alias="from")
    from_name: str | None = None
    reply_to: str | None = None
    subject: str | None = None  # a Jinja2 template; default: the built-in subject.txt.j2
    subject_max_chars: int = Field(150, ge=20, le=998)  # 998: RFC 5322's line length
    excerpt_chars: int | None = Field(600, ge=50, le=100_000)  # abstract excerpt per paper; unset = full
    api_host: str = "https://api.sendgrid.com"
    asm_group_id: int | None = Field(None, ge=1, le=2**31 - 1)
    sandbox_mode: bool = False
    categories: list[str] = ["paperbot"]
    unsubscribe_url: str | None = None  # e.g. "https://lab.example/unsubscribe?token={token}"
    # optional second List-Unsubscribe method: "unsubscribe@lab.example" -> <mailto:…?subject=unsubscribe>
    unsubscribe_mailto: str | None = None
    uncertain_policy: Literal["hold", "resend"] = "hold"
    batch_size: int = Field(1000, ge=1, le=1000)
    request_timeout: float = Field(30.0, gt=0, le=600)
    max_attempts: int = Field(4, ge=1, le=20)
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    @field_validator("from_", "reply_to", "unsubscribe_mailto")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and (not value.isascii() or "@" not in value or any(c.isspace() for c in value)):
            raise ValueError(f"{value!r} is not a plain ASCII e-mail address (SendGrid refuses others)")
        return value

    @field_validator("unsubscribe_mailto")
    @classmethod
    def _mailto(cls, value: str | None) -> str | None:
        if value is not None and any(c in value for c in '<>(),;:?&"%'):
            raise ValueError(f"{value!r} must be a bare address like 'unsubscribe@lab.example', not a mailto: URL")
        return value

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        if len(value) > 10 or len(set(value)) != len(value):
            raise ValueError("at most 10 categories, each once (SendGrid's limit)")
        for c in value:
            if not c or not c.isascii() or len(c) > 255:
                raise ValueError(f"category {c!r} must be 1-255 ASCII characters")
        return value


class PageConfig(_Strict):
    enabled: bool = True
    dir: Path = Path("public")
    base_url: str | None = None  # where the pages are served, for the Atom feed's links
    title: str = "Papers"
    feed_entries: int = Field(50, ge=1, le=10_000)  # the Atom feed keeps this many newest venue entries


class ChannelsConfig(_Strict):
    mastodon: MastodonConfig | None = None
    email: EmailConfig | None = None
    page: PageConfig | None = None


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_ALERT_AFTER = 30 * 86400


def parse_duration(value: str) -> int:
    """Seconds in ``"90s"``, ``"30m"``, ``"6h"``, ``"1d"`` or ``"1h30m"``; ValueError otherwise."""
    text = value.strip().lower().replace(" ", "")
    parts = re.fullmatch(r"(?:\d+[smhd])+", text)
    if not parts:
        raise ValueError(f'expected a duration such as "30m", "6h" or "1d", got {value!r}')
    return sum(int(n) * DURATION_UNITS[u] for n, u in re.findall(r"(\d+)([smhd])", text))


class RunConfig(_Strict):
    """``[run]``: how a ``run`` or ``publish`` reports trouble."""

    # a channel rate-limited or failing for longer than this makes run/publish exit 1
    alert_after: str = "6h"

    @field_validator("alert_after")
    @classmethod
    def _alert_after(cls, value: str) -> str:
        seconds = parse_duration(value)
        if seconds > MAX_ALERT_AFTER:
            raise ValueError(f'must be between "0s" and "30d" (got {value!r})')
        return value

    @property
    def alert_after_seconds(self) -> int:
        return parse_duration(self.alert_after)


class ScheduleConfig(_Strict):
    """``[schedule]``: when ``paperbot daemon`` runs each job (and when ``run`` sends the digest).

    Each job is ``"every N s|m|h"``, a 5-field crontab (``"0 9 * * mon"``) or ``"mon 09:00"`` /
    ``"daily 09:00"``; see bot/daemon/schedule.py.
    """

    timezone: str | None = None  # IANA name, e.g. "Europe/Berlin"; default: the system's
    check: str = "every 30m"  # read the sources
    posts: str = "every 10m"  # post on Mastodon (within posting_hours, up to max_per_run each time)
    digest: str = "mon 09:00"  # the e-mail digest
    pages: str = "after check"  # the news pages: right after a check that found something, or a schedule
    digest_min_papers: int = Field(1, ge=1, le=100_000)  # a digest with fewer new papers waits for its next time
    catch_up: str = "12h"  # a digest that fell due while the daemon was down is sent if this recent

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        from .daemon.schedule import check_timezone

        return value if value is None else check_timezone(value)

    @field_validator("check", "posts", "digest")
    @classmethod
    def _spec(cls, value: str) -> str:
        from .daemon.schedule import parse_spec

        parse_spec(value)
        return value

    @field_validator("pages")
    @classmethod
    def _pages(cls, value: str) -> str:
        from .daemon.schedule import check_pages

        return check_pages(value)

    @field_validator("catch_up")
    @classmethod
    def _catch_up(cls, value: str) -> str:
        if parse_duration(value) > MAX_ALERT_AFTER:
            raise ValueError(f'must be between "0s" and "30d" (got {value!r})')
        return value


class PublishingConfig(_Strict):
    """``[publishing]``: whether new posts and digests go out at once or wait for an editor."""

    mode: Literal["auto", "review"] = "auto"  # review: 'paperbot review approve' before anything is sent


class GroupConfig(_Strict):
    name: str = "Our group"  # e.g. "MCML"
    url: str | None = None


class Config(_Strict):
    group: GroupConfig = GroupConfig()
    store: StoreConfig = StoreConfig()
    roster: RosterConfig | None = None
    sources: list[SourceConfig] = []
    templates: TemplatesConfig = TemplatesConfig()
    venues: dict[str, VenueConfig] = {}  # "NeurIPS 2024" (an event) or "MLHC" (a series, extends the venue table)
    channels: ChannelsConfig = ChannelsConfig()
    run: RunConfig = RunConfig()
    publishing: PublishingConfig = PublishingConfig()
    schedule: ScheduleConfig | None = None  # [schedule]: the daemon's jobs; absent: defaults, and run sends every time

    @field_validator("venues")
    @classmethod
    def _venues(cls, value: dict[str, VenueConfig]) -> dict[str, VenueConfig]:
        return _check_venues(value)

    @model_validator(mode="after")
    def _unique_source_names(self) -> Config:
        labels = [s.label for s in self.sources]
        dupes = sorted({x for x in labels if labels.count(x) > 1})
        if dupes:
            raise ValueError(f"two sources share the name {dupes[0]!r}; give each a distinct 'name'")
        return self

    def enabled_channels(self) -> list[str]:
        """Names of the channels configured and enabled, in publishing order."""
        chans = self.channels
        return [
            name
            for name, c in (("mastodon", chans.mastodon), ("email", chans.email), ("page", chans.page))
            if c is not None and c.enabled
        ]


def find_config(cli_path: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    if cli_path:
        return Path(cli_path)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return DEFAULT_CONFIG


def load_config(path: Path) -> Config:
    """Read and validate the config file; raise ConfigError naming the file and key."""
    try:
        raw = tomllib.loads(read_text_limited(path, max_bytes=MAX_CONFIG_BYTES, what="config file"))
    except MissingFileError:
        hint = ""
        if path == DEFAULT_CONFIG:
            hint = (
                " Copy config/paperbot.example.toml to config/paperbot.toml, or pass --config PATH"
                f" or set {CONFIG_ENV}."
            )
        raise ConfigError(f"{path}: config file not found.{hint}") from None
    except InputError as exc:  # not a regular file, too large, binary or not UTF-8
        raise ConfigError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    return _resolve_paths(config, path)


def _resolve_paths(config: Config, path: Path) -> Config:
    base = path.resolve().parent

    def res(p: Path) -> Path:
        return p if p.is_absolute() else (base / p.expanduser()).resolve()

    chans = config.channels
    return config.model_copy(
        update={
            "store": config.store.model_copy(update={"path": res(config.store.path)}),
            "roster": config.roster and config.roster.model_copy(update={"path": res(config.roster.path)}),
            "sources": [s.model_copy(update={"path": res(s.path)}) for s in config.sources],
            "templates": config.templates.model_copy(
                update={"dir": config.templates.dir and res(config.templates.dir)}
            ),
            "channels": chans.model_copy(
                update={"page": chans.page and chans.page.model_copy(update={"dir": res(chans.page.dir)})}
            ),
        }
    )


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration ({exc.error_count()} problem(s)):"]
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p != "file"]
        key = _key_path(err["loc"])
        if err["type"] == "extra_forbidden":
            msg = f"unknown key '{loc[-1]}'"
            suggestion = _suggest(err["loc"])
            if suggestion:
                msg += f"; did you mean '{suggestion}'?"
        elif err["type"] == "missing":
            msg = "this key is required"
        elif err["type"] == "union_tag_invalid":
            ctx = err.get("ctx", {})
            key += ".type"
            msg = f"unknown type {ctx.get('tag')!r}; expected one of: {ctx.get('expected_tags')}"
        elif err["type"] in _RANGE_ERRORS and (allowed := _allowed_range(err["loc"])):
            msg = f"must be {allowed} (got {err.get('input')!r})"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            shown = err.get("input")
            if shown is not None and not isinstance(shown, dict | list) and repr(shown) not in msg:
                msg += f" (got {shown!r})"
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


_RANGE_ERRORS = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
    | {"finite_number", "int_from_float", "int_parsing_size"}
)


def _allowed_range(loc: tuple[Any, ...]) -> str | None:
    """The allowed range of the numeric key at ``loc``, in words: "a whole number from 1 to 20"."""
    import annotated_types as at

    model = _model_at(loc)
    field = model.model_fields.get(str(loc[-1])) if model else None
    if field is None:
        return None
    low = high = None
    low_open = high_open = False
    for m in field.metadata:
        if isinstance(m, at.Ge):
            low = m.ge
        elif isinstance(m, at.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, at.Le):
            high = m.le
        elif isinstance(m, at.Lt):
            high, high_open = m.lt, True
    if low is None and high is None:
        return None
    kind = "a whole number" if int in (field.annotation, *getattr(field.annotation, "__args__", ())) else "a number"
    if low is not None and high is not None:
        if not low_open and not high_open:
            return f"{kind} from {low} to {high}"
        return f"{kind} greater than {low} and at most {high}"
    if low is not None:
        return f"{kind} {'greater than' if low_open else 'of at least'} {low}"
    return f"{kind} {'less than' if high_open else 'of at most'} {high}"


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("file",):  # the discriminator tag pydantic adds for [[sources]]
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the key at ``loc`` (for typo suggestions)."""
    model: Any = Config
    in_mapping = False
    for part in loc[:-1]:
        if isinstance(part, int) or part == "file":
            model = FileSourceConfig if part == "file" else model
            continue
        if in_mapping:  # a user-chosen key such as "NeurIPS 2024"
            in_mapping = False
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return None
        in_mapping = getattr(field.annotation, "__origin__", None) is dict
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """The model inside ``X | None``, ``list[X]`` or ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return None


def _suggest(loc: tuple[Any, ...]) -> str | None:
    model = _model_at(loc)
    if model is None:
        return None
    names = [f.alias or n for n, f in model.model_fields.items()]
    matches = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
    return matches[0] if matches else None
