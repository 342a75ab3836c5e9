"""Showing composed messages to an editor: terminal, JSON, or a browsable HTML folder.

Only presentation lives here; the messages come from ``App.compose``, the same call
publishing makes, so the preview is exactly what would be sent.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .compose import Message


def terminal(messages: list[Message], held: Mapping[str, Any] | None = None) -> str:
    """Each message with its counted length against its limit; shortened ones marked; what this run
    would not send marked "held back: <why>" (``held``: key -> bot.holdback.HeldBack)."""
    held = held or {}
    if not messages:
        return "nothing to send: no announcement is due on the selected channels"
    out = []
    for m in messages:
        head = f"── {m.channel} {m.kind}" if m.kind != "page" else f"── {page_heading(m)}"
        if m.parts > 1:
            head += f" {m.part}/{m.parts}"
        if m.paper_id:
            head += f" · {m.paper_id}"
        if m.venue and m.kind != "page":
            head += f" · {m.venue}"
        if m.limit:
            head += f" · {m.length}/{m.limit}"
        if m.shortened:
            head += " · shortened"
        out.append(head + " " + "─" * max(3, 78 - len(head)))
        if m.key in held:
            out.append(f"[{held[m.key].text()}]")
        if m.kind == "page":
            markup = "Atom XML" if (m.path or "").endswith(".atom") else "HTML"
            out.append(f"{m.path} ({len(m.text):,} characters of {markup}; see --out DIR to browse)")
        else:
            if m.subject:
                out.append(f"Subject: {m.subject}\n")
            if m.spoiler_text:
                out.append(f"CW: {m.spoiler_text}")
            out.append(m.text)
        out.extend(f"  note: {note}" for note in getattr(m, "notes", ()))
        out.append("")
    posts = sum(1 for m in messages if m.channel == "mastodon")
    digests = sum(1 for m in messages if m.kind == "digest")
    pages = sum(1 for m in messages if m.kind == "page")
    batches = sum(1 for m in messages if m.kind == "email_batch")
    what = f"{posts} Mastodon post(s), {digests} digest(s), {pages} page file(s)"
    if batches:
        what += f", {batches} e-mail batch(es)"
    kept = sum(1 for m in messages if m.key in held)
    if kept:
        what += f"; {kept} held back, {len(messages) - kept} this run would send"
    out.append(f"{len(messages)} message(s): {what} — nothing was sent and nothing was changed")
    return "\n".join(out)


def page_heading(m: Message) -> str:
    """What a page-channel file is: "news page: 2 papers at NeurIPS 2024", "Atom feed, 3 entries"."""
    if m.path in ("index.html", "feed.atom"):
        return m.subject or m.path
    return f"news page: {m.subject or m.path}"


_STYLE = """
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;max-width:900px;margin:0 auto;
padding:24px 16px;color:#1f2937;background:#f9fafb}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:14px 16px;margin:14px 0}
.card pre{white-space:pre-wrap;word-wrap:break-word;font-family:inherit;margin:8px 0 0}
.meta{color:#6b7280;font-size:13px}.over{color:#b91c1c}.short{color:#92400e}
.reply{margin-left:32px;border-left:3px solid #c7d2fe}
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>\n"
    )


def write_html(messages: list[Message], out: Path, held: Mapping[str, Any] | None = None) -> list[Path]:
    """A browsable preview: index, the e-mail as it will look, posts as cards, the news pages."""
    held = held or {}
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    posts = [m for m in messages if m.channel == "mastodon"]
    digests = [m for m in messages if m.kind == "digest"]
    pages = [m for m in messages if m.kind == "page"]
    links = []
    if posts:
        write("posts.html", _page("Mastodon posts", _cards(posts, held)))
        links.append(f'<li><a href="posts.html">{len(posts)} Mastodon post(s)</a></li>')
    for i, d in enumerate(digests, start=1):
        write(f"email-{i}.html", d.html or "")
        write(f"email-{i}.txt", f"Subject: {d.subject}\n\n{d.text}\n")
        links.append(
            f'<li><a href="email-{i}.html">E-mail digest: {html.escape(d.subject or "")}</a> '
            f'(<a href="email-{i}.txt">plain text</a>)</li>'
        )
    for p in pages:
        write(f"pages/{p.path}", p.text + "\n")
        what = page_heading(p)
        links.append(f'<li><a href="pages/{p.path}">{html.escape(what[:1].upper() + what[1:])}</a></li>')
    body = (
        '<h1>paperbot preview</h1><p class="meta">What <code>paperbot publish</code> would send now. '
        "Nothing was sent and nothing was changed.</p><ul>" + "".join(links) + "</ul>"
    )
    if not messages:
        body += "<p>Nothing is due on the selected channels.</p>"
    write("index.html", _page("paperbot preview", body))
    return written


def _cards(posts: Iterable[Message], held: Mapping[str, Any]) -> str:
    cards = ['<h1>Mastodon posts</h1><p><a href="index.html">← preview index</a></p>']
    for m in posts:
        cls = "card reply" if m.kind == "thread_part" else "card"
        over = " over" if m.limit and m.length > m.limit else ""
        meta = (
            f'<span class="meta{over}">{m.length} / {m.limit}</span>'
            + (' <span class="meta short">shortened</span>' if m.shortened else "")
            + (f' <span class="meta">part {m.part}/{m.parts}</span>' if m.parts > 1 else "")
            + f' <span class="meta">· {html.escape(m.venue or "")} · {html.escape(m.paper_id or "")}</span>'
        )
        if m.key in held:
            meta += f' <span class="meta short">{html.escape(held[m.key].text())}</span>'
        cw = f"<p><strong>CW:</strong> {html.escape(m.spoiler_text)}</p>" if m.spoiler_text else ""
        cards.append(f'<div class="{cls}">{meta}{cw}<pre>{html.escape(m.text)}</pre></div>')
    return "".join(cards)
