"""Composing: stored announcements in, the exact messages each channel will send out.

Pure: no network, no store, no clock (the caller passes ``now`` where a date is shown).
Preview and publish both call ``compose`` so what an editor sees is byte for byte what
goes out. Posts are fitted to the channel's exact length rule by measuring the template
with the abstract left out and shortening the abstract to what remains; the final text is
always re-rendered and re-counted before it is accepted.
"""

from __future__ import annotations

import gc
import hashlib
import math
import re
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ComposeError
from .fit import ELLIPSIS, Measure, shorten, split_parts
from .length import URL_LENGTH, mastodon_length
from .models import Announcement, Author, Links, Paper, VenueEvent
from .text import slugify
from .venues import hashtags_for

BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # running from a source checkout
    BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

TEMPLATE_NAMES = {
    "mastodon_post": "mastodon_post.txt.j2",
    "mastodon_thread": "mastodon_thread.txt.j2",
    "email_subject": "email_subject.txt.j2",
    "email_text": "email_digest.txt.j2",
    "email_html": "email_digest.html.j2",
    "page": "page.html.j2",
    "index": "index.html.j2",
    "feed": "feed.atom.j2",
}
UNSUBSCRIBE_PLACEHOLDER = "%unsubscribe_url%"  # replaced per recipient when sending
UNSUBSCRIBE_PLACEHOLDER_HTML = "%unsubscribe_url_html%"  # the same link, HTML-escaped
_SLOT = "\ue000"  # a private-use character marks where the abstract goes while measuring
_BLANK_LINES = re.compile(r"\n{3,}")
_MIN_TITLE_ROOM = 40  # a title always keeps at least this much room; a longer venue label is shortened
_MIN_ABSTRACT_SHARE = 0.3  # drop authors to "et al." before squeezing the abstract below this
_MIN_THREAD_ROOM = 20  # a thread's first post carries at least this much of the abstract


@dataclass(frozen=True)
class Message:
    """One thing a channel sends: a post, a thread part, a digest or a page."""

    channel: str
    kind: str  # "post" | "thread_part" | "digest" | "page"
    key: str  # deterministic: the outbox key and, for Mastodon, the idempotency key
    text: str
    paper_id: str | None = None
    venue: str | None = None  # event label for posts, conference for digests and pages
    venue_key: str | None = None
    subject: str | None = None
    html: str | None = None
    length: int = 0
    limit: int | None = None
    shortened: bool = False
    part: int = 1
    parts: int = 1
    spoiler_text: str = ""
    path: str | None = None  # pages: file name inside the page folder
    pairs: tuple[tuple[str, str], ...] = ()  # the (paper id, venue key) pairs this message announces
    notes: tuple[str, ...] = ()  # what was left out or shortened and why, for the preview

    def as_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "kind": self.kind,
            "paper_id": self.paper_id,
            "venue": self.venue,
            "venue_key": self.venue_key,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "length": self.length,
            "limit": self.limit,
            "shortened": self.shortened,
            "notes": list(self.notes),
            "part": self.part,
            "parts": self.parts,
            "spoiler_text": self.spoiler_text,
            "path": self.path,
            "key": self.key,
        }


@dataclass(frozen=True)
class Limits:
    """Mastodon's limits: from the instance (cached in the store) or the config."""

    max_characters: int = 500
    url_length: int = URL_LENGTH


@dataclass(frozen=True)
class Settings:
    """Everything composing needs from the config, as plain values."""

    group_name: str = "Our group"
    group_url: str | None = None
    limits: Limits = Limits()
    spoiler_text: str = ""
    thread: bool = False
    max_thread_parts: int = 4
    mentions: bool = True
    post_hashtags: tuple[str, ...] = ()
    venue_hashtags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    venue_info: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    handles: Mapping[str, str] = field(default_factory=dict)  # member id -> @user@host
    member_urls: Mapping[str, str] = field(default_factory=dict)  # member id -> their web page (roster `url`)
    excerpt_chars: int | None = 600
    subject_template: str | None = None
    subject_max_chars: int = 150
    page_title: str = "Papers"
    page_base_url: str | None = None
    feed_entries: int = 50  # the Atom feed's newest venue entries


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for a block or, as ``@gc_paused()``, a function.

    Composing (and reading what it composes from the store) allocates a great many small,
    short-lived objects and creates no reference cycles (a test checks this), so the
    collector's passes over the growing heap free nothing: for 5,000 papers they took about
    a third of the time. Reference counting still frees everything as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- templates ----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _wrap_pattern(width: int) -> re.Pattern[str]:
    # the longest run of whole words that fits, or one word longer than the width
    return re.compile(rf" ?(\S{{{width + 1},}}|\S.{{0,{width - 1}}}(?= |$))")


def wrap(text: str, width: int = 76) -> str:
    """Greedy word wrap that never breaks a word or a URL (plain-text e-mail)."""
    words = " ".join(text.split())
    return "\n".join(_wrap_pattern(max(1, width)).findall(words))


_LOOP_ATTRIBUTES = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth"})


MAX_RENDER_CHARS = 20_000_000  # a news page of 5,000 papers is ~5 MB
MAX_RENDER_SECONDS = 60.0


def _bounded(tpl: Any, context: Mapping[str, Any]) -> str:
    """Render, stopping a template that builds a gigantic string or loops for minutes with a clear error."""
    import time

    parts: list[str] = []
    size = 0
    start = time.monotonic()
    for i, chunk in enumerate(tpl.generate(context)):
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_RENDER_CHARS:
            raise ComposeError(f"the template produces more than {MAX_RENDER_CHARS:,} characters; is a loop unbounded?")
        if i % 1024 == 1023 and time.monotonic() - start > MAX_RENDER_SECONDS:
            raise ComposeError(
                f"the template takes longer than {MAX_RENDER_SECONDS:.0f} s to render; is a loop unbounded?"
            )
    return "".join(parts)


def _environment_class() -> type:
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import SandboxedEnvironment

    class Environment(SandboxedEnvironment):
        """The sandbox, with a fast path for what paperbot's templates look up most.

        Looking up a key of a plain dict is what the sandbox ends up doing for ``p.title``
        anyway (after a failed attribute lookup), and ``loop.last`` is a plain property the
        sandbox would allow; answering both first saves the sandbox's checks per lookup.
        """

        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            """ "x" * 10**9 or 10**10**10 in a user template: refused before it eats the machine."""
            if operator == "**" and isinstance(right, int) and abs(right) > 1000:
                raise ComposeError(f"a power with exponent {right} is too large for a template")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_RENDER_CHARS:
                        raise ComposeError(f"repeating a value {n} times would exceed {MAX_RENDER_CHARS:,} characters")
            return super().call_binop(context, operator, left, right)

        def getattr(self, obj: Any, attribute: str) -> Any:
            kind = type(obj)
            if kind is dict and attribute in obj:
                return obj[attribute]
            if kind is LoopContext and attribute in _LOOP_ATTRIBUTES:
                return getattr(obj, attribute)
            return super().getattr(obj, attribute)

    return Environment


class Templates:
    """Jinja2 templates in a sandbox with StrictUndefined; a user folder overrides built-ins."""

    def __init__(self, user_dir: Path | None = None) -> None:
        from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined

        loaders = [FileSystemLoader(str(user_dir))] if user_dir else []
        loaders.append(FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.env = _environment_class()(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=lambda name: bool(name) and name.endswith((".html.j2", ".atom.j2", ".xml.j2")),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["slug"] = slugify
        self.env.filters["wrap"] = wrap
        self._cache: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in self._cache:
            from jinja2 import TemplateError, TemplateSyntaxError

            try:
                template = self.env.get_template(name)
                # Jinja keeps a template's globals in a ChainMap and copies it into every
                # render's context; a plain dict of the same globals copies much faster.
                template.globals = dict(template.globals)
                self._cache[name] = template
            except TemplateSyntaxError as exc:
                raise ComposeError(f"template {exc.name or name}, line {exc.lineno}: {exc.message}") from None
            except TemplateError as exc:
                raise ComposeError(f"template {name}: {exc}") from None
        return self._cache[name]

    def from_string(self, source: str, name: str) -> Any:
        from jinja2 import TemplateSyntaxError

        try:
            return self.env.from_string(source)
        except TemplateSyntaxError as exc:
            raise ComposeError(f"{name}, line {exc.lineno}: {exc.message}") from None

    def render(self, name: str, context: Mapping[str, Any], template: Any = None) -> str:
        """Render, turning any template error into a ComposeError naming template and line."""
        tpl = template or self.get(name)
        try:
            return _bounded(tpl, context)
        except Exception as exc:  # jinja raises UndefinedError, SecurityError, TypeError, …
            line = _template_line(exc, tpl)
            where = f"template {name}" + (f", line {line}" if line else "")
            raise ComposeError(f"{where}: {exc}") from None

    def verbatim(self, name: str, context: Mapping[str, Any], slot: str) -> bool:
        """Whether the template shows ``slot`` verbatim (no filter or test on its value).

        Then a text can be fitted by rendering once with a marker in the slot and putting
        the shortened text in its place, instead of rendering again for every post.
        """
        key = f"verbatim:{name}:{slot}"
        if key not in self._cache:
            ok = True
            for probe in ("Probe one. Probe two with 2.8% and e.g. Llama-2…", "x"):
                marked = self.render(name, {**context, slot: _SLOT})
                ok = (
                    ok
                    and marked.count(_SLOT) == 1
                    and (marked.replace(_SLOT, probe) == self.render(name, {**context, slot: probe}))
                )
            self._cache[key] = ok
        return bool(self._cache[key])


def _template_line(exc: BaseException, template: Any) -> int | None:
    filename = getattr(template, "filename", None) or "<template>"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == filename or frame.filename == "<template>":
            return frame.lineno
    return None


# --- view models --------------------------------------------------------------------------


def default_hashtags(event: VenueEvent) -> tuple[str, ...]:
    """The venue's hashtags from the venue table (and the config's series entries); none for unknown venues."""
    return hashtags_for(event.series, event.year)


def _authors_text(authors: list[dict[str, Any]], et_al: bool) -> str:
    names = [a["display"] for a in authors]
    if et_al:
        return ", ".join(names) + " et al."
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


_PING = re.compile(r"(?<![\w/)])([@#＠＃])(?=\w)")


def defuse(text: str) -> str:
    """Text from a source never pings anyone: "@user@host" and "#tag" in a title or abstract get a
    zero-width space after "@"/"#", so Mastodon links neither; mentions come only from the roster."""
    return _PING.sub("\\1\u200b", text) if ("@" in text or "#" in text or "＠" in text or "＃" in text) else text


def profile_url(handle: str | None) -> str | None:
    """ "@user@host.social" → "https://host.social/@user" (the profile a handle names)."""
    if not handle or handle.count("@") != 2:
        return None
    user, host = handle[1:].split("@")
    return f"https://{host}/@{user}"


def paper_context(ann: Announcement, s: Settings, *, mentions: bool = False) -> dict[str, Any]:
    """The variables every template sees for one (paper, venue event)."""
    p, e = ann.paper, ann.event
    handles = s.handles
    authors = []
    for a in p.authors:
        handle = handles.get(a.member_id) if a.member_id else None
        url = (s.member_urls.get(a.member_id) or profile_url(handle)) if a.member_id else None
        authors.append(
            {
                "name": a.name,
                "member": a.member_id is not None,
                "former": a.former,
                "handle": handle,
                "url": url,
                "display": handle if (handle and mentions) else a.name,
            }
        )
    links = p.links
    hashtags = s.venue_hashtags.get(e.conference) or default_hashtags(e)
    return {
        "id": p.id,
        "title": p.title,
        "abstract": p.abstract,
        "authors": authors,
        "authors_text": _authors_text(authors, p.et_al),
        "author_names": ", ".join([a.name for a in p.authors]) + (" et al." if p.et_al else ""),
        "et_al": p.et_al,
        "members": [a for a in authors if a["member"]],
        "mentions": [a["handle"] for a in authors if a["handle"]] if mentions else [],
        "link": links.primary or "",
        "links": {
            "arxiv": links.arxiv,
            "pdf": links.pdf,
            "code": list(links.code),
            "doi": links.doi,
            "openreview": links.openreview,
            "url": links.url,
            "project": links.project,
        },
        "code": links.code[0] if links.code else None,
        "arxiv_id": p.arxiv_id,
        "doi": p.doi,
        "venue": dict(_venue(e)),
        "hashtags": list(dict.fromkeys([*hashtags, *s.post_hashtags])),
        "group": {"name": s.group_name, "url": s.group_url},
        "part": 1,
        "parts": 1,
    }


@lru_cache(maxsize=256)
def _venue(e: VenueEvent) -> dict[str, Any]:
    """Shared between the papers of one event: callers copy it."""
    return {
        "label": e.label,
        "conference": e.conference,
        "series": e.series,
        "year": e.year,
        "track": e.track,
        "workshop": e.workshop,
        "workshop_name": e.workshop_name,
        "presentation": e.presentation,
        "key": e.key,
        "accepted_on": e.accepted_on.isoformat() if e.accepted_on else None,
    }


def _normalise(text: str) -> str:
    """Trailing spaces and runs of blank lines from optional template parts are dropped."""
    if " \n" in text or "\t\n" in text:
        text = "\n".join([line.rstrip(" \t") for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _on_own_line(marked: str) -> bool:
    i = marked.find(_SLOT)
    return i > 0 and marked[i - 1] == "\n" and marked[i + 1 : i + 2] == "\n"


def message_key(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


# --- Mastodon posts -----------------------------------------------------------------------


class _PostFitter:
    """Fits one paper into one post (or a thread) under the exact Mastodon count."""

    def __init__(self, templates: Templates, s: Settings) -> None:
        self.t = templates
        self.s = s
        self.limit = s.limits.max_characters
        self.url_length = s.limits.url_length
        self.spoiler = s.spoiler_text

    def count(self, text: str) -> int:
        return mastodon_length(text, self.spoiler, url_length=self.url_length)

    def render(self, name: str, ctx: dict[str, Any]) -> str:
        return _normalise(self.t.render(TEMPLATE_NAMES[name], ctx))

    def base(self, name: str, ctx: dict[str, Any], slot: str = "abstract") -> tuple[str, int]:
        """The message with a marker in ``slot``, and its length with the slot left empty."""
        rendered = self.render(name, {**ctx, slot: _SLOT})
        return rendered, self.count(rendered.replace(_SLOT, ""))

    def author_levels(self, ctx: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The author list in steps: all; first author + members et al.; first author et al."""
        yield ctx
        authors = ctx["authors"]
        if len(authors) > 1:
            keep = [authors[0]] + [a for a in authors[1:] if a["member"]]
            if len(keep) < len(authors):
                yield {**ctx, "authors": keep, "authors_text": _authors_text(keep, True), "et_al": True}
            yield {**ctx, "authors": authors[:1], "authors_text": _authors_text(authors[:1], True), "et_al": True}

    def level(self, ctx: dict[str, Any], wanted: int) -> tuple[dict[str, Any], str, int]:
        """The fullest author list that leaves ``wanted`` for the abstract (else the shortest),
        with the marked post and its length without the abstract."""
        for level in self.author_levels(ctx):
            marked, base = self.base("mastodon_post", level)
            if self.limit - base >= wanted:
                break
        return level, marked, base

    def fit(self, ann: Announcement) -> list[Message]:
        ctx = paper_context(ann, self.s, mentions=self.s.mentions)
        ctx["title"] = defuse(ctx["title"])
        ctx["abstract"] = defuse(ctx["abstract"])
        abstract = ctx["abstract"]
        if self.s.thread:  # every part of the abstract may be needed
            measure = Measure(abstract, url_length=self.url_length)
        else:
            measure = Measure.for_budget(abstract, self.limit, url_length=self.url_length)
        wanted = min(measure.total(), math.ceil(_MIN_ABSTRACT_SHARE * self.limit))
        chosen, marked, base = self.level(ctx, wanted)
        if self.s.thread and measure.total() > self.limit - base:
            # numbered "1/N": measured with the widest numbering; a first post with no room
            # for a few words of the abstract is a single post with its title shortened
            numbered, _, numbered_base = self.level({**ctx, "parts": 99}, wanted)
            if self.limit - numbered_base >= _MIN_THREAD_ROOM:
                return self._thread(ann, numbered, numbered_base, abstract)
        return [self._single(ann, chosen, marked, base, abstract, measure)]

    def _single(
        self, ann: Announcement, ctx: dict[str, Any], marked: str, base: int, abstract: str, measure: Measure
    ) -> Message:
        """One post: the abstract shortened to fill the room; with no room for a word of it, "…" in its
        place and the title (then the venue label) shortened until the post fits. Title and link stay."""
        min_fill = math.ceil(0.9 * self.limit) - base
        budget = self.limit - base
        verbatim = self.t.verbatim(TEMPLATE_NAMES["mastodon_post"], ctx, "abstract")
        # With the slot on a line of its own nothing can join across its edges (a newline
        # ends every URL, mention and grapheme cluster), so lengths simply add up.
        additive = verbatim and _on_own_line(marked)
        for _ in range(4):
            cut = shorten(abstract, budget, measure=measure, min_fill=min_fill)
            if cut.text and verbatim:
                text = marked.replace(_SLOT, cut.text)
                length = base + cut.length if additive else self.count(text)
                if length <= self.limit:
                    return self._message(ann, text, length, cut.cut)
                budget -= length - self.limit  # a boundary effect (e.g. a URL next to the slot): retry smaller
                continue
            if cut.text:
                text = self.render("mastodon_post", {**ctx, "abstract": cut.text})
                length = self.count(text)
                if length <= self.limit:
                    return self._message(ann, text, length, cut.cut)
                budget -= length - self.limit
                continue
            break
        return self._without_abstract(ann, ctx, abstract)

    def _without_abstract(self, ann: Announcement, ctx: dict[str, Any], abstract: str) -> Message:
        """No word of the abstract fits: "…" says it was left out (when even that fits), and the
        title, then the venue label, are shortened at word boundaries to fit exactly."""
        notes = []
        for shown in (ELLIPSIS, "") if abstract else ("",):
            try:
                final, notes = self._fit_title({**ctx, "abstract": shown})
            except ComposeError:
                continue
            if abstract:
                notes = ["abstract left out: not even one word of it fits after title, authors and link", *notes]
            text = self.render("mastodon_post", final)
            return self._message(ann, text, self.count(text), bool(abstract) or bool(notes), notes=tuple(notes))
        raise ComposeError(
            f"paper {ann.paper.id}: even the link and a shortened venue do not fit into {self.limit} "
            "characters; shorten the post template"
        )

    def _fit_title(self, ctx: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The whole title if it fits, else the title shortened to fill the room (a sentence end
        only when it fills 90 % of it), then the venue label as well when even that is not enough."""
        if self.count(self.render("mastodon_post", ctx)) <= self.limit:
            return ctx, []
        notes = []
        venue = ctx.get("venue") or {}
        label = venue.get("label", "") if isinstance(venue, dict) else ""
        _, base = self.base("mastodon_post", ctx, slot="title")
        if self.limit - base < _MIN_TITLE_ROOM and label:
            # a venue label too long for any post: shortened like text, never a compose error
            probe = {**ctx, "title": "", "venue": {**venue, "label": _SLOT}}
            venue_base = self.count(self.render("mastodon_post", probe).replace(_SLOT, ""))
            room = self.limit - venue_base - _MIN_TITLE_ROOM
            label_cut = shorten(label, max(room, 0), measure=Measure(label, url_length=self.url_length))
            if label_cut.text:
                ctx = {**ctx, "venue": {**venue, "label": label_cut.text}}
                notes.append("venue label shortened: it is too long for a post")
                _, base = self.base("mastodon_post", ctx, slot="title")
        title = ctx["title"]
        measure = Measure(title, url_length=self.url_length)
        room = self.limit - base
        for _ in range(4):
            cut = shorten(title, room, measure=measure, min_fill=math.ceil(0.9 * room))
            if not cut.text:
                break
            fitted = {**ctx, "title": cut.text}
            length = self.count(self.render("mastodon_post", fitted))
            if length <= self.limit:
                return fitted, [*notes, "title shortened: it is too long for a post"]
            room -= length - self.limit  # a boundary effect: try again a little shorter
        raise ComposeError(f"paper {ctx['id']}: the title does not fit into {self.limit} characters")

    def _thread(self, ann: Announcement, ctx: dict[str, Any], base: int, abstract: str) -> list[Message]:
        reply_ctx = {**ctx, "text": _SLOT, "part": 99, "parts": 99}
        reply_base = self.count(self.render("mastodon_thread", reply_ctx).replace(_SLOT, ""))
        min_fill = math.ceil(0.9 * self.limit)
        pieces = split_parts(
            abstract,
            self.limit - base,
            self.limit - reply_base,
            max_parts=self.s.max_thread_parts,
            url_length=self.url_length,
            min_fill=min_fill - max(base, reply_base),
        )
        n = len(pieces)
        messages = []
        for i, piece in enumerate(pieces, start=1):
            if i == 1:
                text = self.render("mastodon_post", {**ctx, "abstract": piece.text, "part": 1, "parts": n})
            else:
                text = self.render("mastodon_thread", {**ctx, "text": piece.text, "part": i, "parts": n})
            length = self.count(text)
            if length > self.limit:
                raise ComposeError(f"paper {ann.paper.id}: thread part {i} does not fit into {self.limit}")
            messages.append(self._message(ann, text, length, piece.cut, part=i, parts=n))
        return messages

    def _message(
        self,
        ann: Announcement,
        text: str,
        length: int,
        shortened: bool,
        *,
        part: int = 1,
        parts: int = 1,
        notes: tuple[str, ...] = (),
    ) -> Message:
        pid, vkey = ann.paper.id or "", ann.event.key
        return Message(
            channel="mastodon",
            kind="post" if part == 1 else "thread_part",
            key=message_key(pid, vkey, "mastodon", part),
            text=text,
            paper_id=pid,
            venue=ann.event.label,
            venue_key=vkey,
            length=length,
            limit=self.limit,
            shortened=shortened,
            part=part,
            parts=parts,
            spoiler_text=self.spoiler,
            pairs=((pid, vkey),),
            notes=notes,
        )


@gc_paused()
def compose_posts(
    announcements: Iterable[Announcement], templates: Templates, s: Settings
) -> tuple[list[Message], list[str]]:
    """One post (or thread) per announcement; a paper that cannot be composed is reported, not fatal."""
    fitter = _PostFitter(templates, s)
    messages, errors = [], []
    for ann in announcements:
        try:
            messages.extend(fitter.fit(ann))
        except ComposeError as exc:
            if "template " in str(exc):
                raise
            errors.append(str(exc))
    return messages, errors


# --- e-mail digest ------------------------------------------------------------------------


def _excerpt(abstract: str, limit: int | None) -> tuple[str, bool]:
    if limit is None or not abstract:
        return abstract, False
    m = Measure.for_budget(abstract, limit, mastodon=False)
    cut = shorten(abstract, limit, measure=m, min_fill=math.ceil(0.9 * limit))
    return cut.text, cut.cut


def presentation_counts(events: Iterable[VenueEvent]) -> dict[str, int]:
    counts = Counter(e.presentation for e in events if e.presentation)
    return {k: counts[k] for k in ("oral", "spotlight", "poster") if counts.get(k)}


def group_by_conference(
    announcements: Iterable[Announcement], s: Settings, *, excerpt: int | None
) -> list[dict[str, Any]]:
    """Digest and page sections: one per conference, main tracks first, workshops by name."""
    by_conf: dict[tuple[str, int], list[Announcement]] = defaultdict(list)
    for ann in announcements:
        by_conf[(ann.event.series, ann.event.year)].append(ann)
    sections = []
    for (series, year), anns in sorted(by_conf.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
        conference = f"{series} {year}"
        papers = []
        for ann in anns:
            ctx = paper_context(ann, s)
            ctx["excerpt"], ctx["excerpt_cut"] = _excerpt(ctx["abstract"], excerpt)
            papers.append(ctx)
        main = [p for p in papers if p["venue"]["track"] != "workshop"]
        workshops: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in papers:
            if p["venue"]["track"] == "workshop":
                workshops[p["venue"]["workshop_name"] or p["venue"]["workshop"] or "Workshop"].append(p)
        ws_groups = [
            {"workshop": True, "name": name, "short": ps[0]["venue"]["workshop"], "papers": ps}
            for name, ps in workshops.items()
        ]
        info = s.venue_info.get(conference, {})
        presentations = presentation_counts(a.event for a in anns)
        sections.append(
            {
                "conference": conference,
                "series": series,
                "year": year,
                "count": len(papers),
                "workshop_count": sum(len(v) for v in workshops.values()),
                "presentations": presentations,
                "presentations_text": ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in presentations.items()),
                "main": main,
                "workshops": ws_groups,
                # main tracks, then each workshop: one loop in a template shows them all in order
                "listings": ([{"workshop": False, "name": None, "short": None, "papers": main}] if main else [])
                + ws_groups,
                "papers": papers,
                "slug": slugify(conference),
                "name": info.get("name"),
                "location": info.get("location"),
                "dates": info.get("dates"),
                "hashtags": list(s.venue_hashtags.get(conference) or default_hashtags(anns[0].event)),
            }
        )
    return sections


@gc_paused()
def compose_digest(announcements: list[Announcement], templates: Templates, s: Settings) -> Message | None:
    """The e-mail digest of everything not yet mailed; None when there is nothing."""
    if not announcements:
        return None
    sections = group_by_conference(announcements, s, excerpt=s.excerpt_chars)
    ctx = {
        "sections": sections,
        "count": len(announcements),
        "group": {"name": s.group_name, "url": s.group_url},
        # replaced per recipient when sending (SendGrid substitutions, or per SMTP message)
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
    }
    subject = _subject(templates, s, ctx)
    ctx["subject"] = subject
    text = _normalise(templates.render(TEMPLATE_NAMES["email_text"], ctx))
    html = templates.render(TEMPLATE_NAMES["email_html"], {**ctx, "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER_HTML})
    html = html.strip()
    pairs = tuple((a.paper.id or "", a.event.key) for a in announcements)
    return Message(
        channel="email",
        kind="digest",
        key=message_key("digest", *sorted(f"{p}|{v}" for p, v in pairs)),
        text=text,
        html=html,
        subject=subject,
        venue=", ".join(sec["conference"] for sec in sections),
        length=len(text),
        limit=None,
        pairs=pairs,
    )


def _subject(templates: Templates, s: Settings, ctx: dict[str, Any]) -> str:
    if s.subject_template:
        raw = templates.render(
            "[channels.email] subject",
            ctx,
            templates.from_string(s.subject_template, "[channels.email] subject"),
        )
    else:
        raw = templates.render(TEMPLATE_NAMES["email_subject"], ctx)
    one_line = " ".join(raw.split())  # never a CR or LF in a header
    cut = shorten(one_line, s.subject_max_chars, measure=Measure(one_line, mastodon=False))
    return cut.text or one_line[: s.subject_max_chars]


# --- news pages ---------------------------------------------------------------------------


def atom_date(dt: datetime) -> str:
    """An RFC 3339 date for Atom, in UTC to the second: "2024-12-05T09:00:00Z"."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _papers_at(count: int, conference: str) -> str:
    return f"{count} paper{'s' if count != 1 else ''} at {conference}"


@gc_paused()
def compose_pages(
    due: list[Announcement],
    listed: list[Announcement],
    templates: Templates,
    s: Settings,
    *,
    history: Mapping[tuple[str, int], tuple[datetime, datetime]] | None = None,
    now: datetime | None = None,
    rebuild: bool = False,
) -> list[Message]:
    """The news pages: a page per conference, the index of all of them and the Atom feed.

    ``listed`` is every announcement the pages show (already published ones included), so a
    page is always whole. ``history`` says when each conference (series, year) was first and
    last announced on the page channel (``Store.announced_conferences``); the conferences in
    ``due`` are announced at ``now``. Publishing writes the pages of the conferences in
    ``due``, then the index and the feed, which list every conference in ``history``;
    ``rebuild`` writes every page. Every date comes from ``history`` and ``now``, never the
    wall clock, so the same store always gives the same bytes.
    """
    if not due and not rebuild:
        return []
    known = dict(history or {})
    if now is None:  # no clock given: when the newest due paper was seen accepted
        now = max((a.accepted_seen_at or a.first_seen_at) for a in due) if due else datetime(1970, 1, 1, tzinfo=UTC)
    due_by_conf: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a in due:
        due_by_conf[a.event.conference].append((a.paper.id or "", a.event.key))
        conf = (a.event.series, a.event.year)
        known[conf] = (known[conf][0] if conf in known else now, now)
    sections = [sec for sec in group_by_conference(listed, s, excerpt=None) if (sec["series"], sec["year"]) in known]
    if not sections:
        return []
    for sec in sections:
        first, last = known[(sec["series"], sec["year"])]
        sec["date"] = first.astimezone(UTC).date()  # the day the venue was first announced
        sec["first_announced"], sec["last_announced"] = first, last
        sec["published"], sec["updated"] = atom_date(first), atom_date(last)
        sec["path"] = f"{sec['slug']}.html"
        sec["heading"] = _papers_at(sec["count"], sec["conference"])
    common = {
        "group": {"name": s.group_name, "url": s.group_url},
        "title": s.page_title,
        "base_url": (s.page_base_url or "").rstrip("/"),
    }
    messages = []
    for sec in sections:
        if not rebuild and sec["conference"] not in due_by_conf:
            continue
        html = templates.render(TEMPLATE_NAMES["page"], {**common, "section": sec}).strip()
        messages.append(
            Message(
                channel="page",
                kind="page",
                key=message_key("page", sec["path"], html),
                text=html,
                html=html,
                venue=sec["conference"],
                subject=sec["heading"],
                path=sec["path"],
                length=len(html),
                pairs=tuple(due_by_conf.get(sec["conference"], ())),
            )
        )
    # newest first; sorting is stable, so venues announced at the same moment keep the sections' order
    newest = sorted(sections, key=lambda sec: sec["first_announced"], reverse=True)
    entries = sorted(sections, key=lambda sec: (sec["last_announced"], sec["first_announced"]), reverse=True)
    entries = entries[: max(1, s.feed_entries)]
    index = templates.render(TEMPLATE_NAMES["index"], {**common, "sections": newest}).strip()
    feed = templates.render(
        TEMPLATE_NAMES["feed"],
        {**common, "sections": entries, "updated": entries[0]["updated"]},
    ).strip()
    pages = len(newest)
    shown = len(entries)
    for path, body, what in (
        ("index.html", index, f"news index, {pages} venue page{'s' if pages != 1 else ''}"),
        ("feed.atom", feed, f"Atom feed, {shown} entr{'ies' if shown != 1 else 'y'}"),
    ):
        messages.append(
            Message(
                channel="page",
                kind="page",
                key=message_key("page", path, body),
                text=body,
                html=body if path.endswith(".html") else None,
                path=path,
                subject=what,
                length=len(body),
            )
        )
    return messages


# --- all channels ---------------------------------------------------------------------------


def sample_announcement() -> Announcement:
    """A realistic paper used to check every template at load time."""
    event = VenueEvent("NeurIPS", 2024, "workshop", "FITML", "Fine-Tuning Workshop", "poster")
    paper = Paper(
        id="arxiv:2411.04421",
        title="Variational Low-Rank Adaptation Using IVON",
        authors=(
            Author("Bai Cong"),
            Author("Yuesong Shen", "yuesong-shen"),
            Author("Thomas Möllenhoff", "tm", True),
        ),
        abstract="IVON improves accuracy by 2.8% and calibration by 4.6%. See https://github.com/x/y.",
        events=(event,),
        arxiv_id="2411.04421",
        links=Links(arxiv="https://arxiv.org/abs/2411.04421", code=("https://github.com/x/y",)),
    )
    now = datetime(2024, 12, 5, tzinfo=UTC)
    return Announcement(paper, event, now, now)


def check_templates(templates: Templates, s: Settings, channels: Iterable[str]) -> None:
    """Render every template of the enabled channels once with a sample paper.

    A syntax error or unknown variable surfaces now, naming template and line, instead of
    in the middle of publishing.
    """
    sample = [sample_announcement()]
    for channel in channels:
        if channel == "mastodon":
            compose_posts(sample, templates, s)
            if s.thread:
                templates.render(
                    TEMPLATE_NAMES["mastodon_thread"],
                    {**paper_context(sample[0], s), "text": "x", "part": 2, "parts": 2},
                )
        elif channel == "email":
            compose_digest(sample, templates, s)
        elif channel == "page":
            compose_pages(sample, sample, templates, s, now=sample[0].first_seen_at)
