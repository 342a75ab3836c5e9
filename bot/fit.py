"""Shortening text to a length budget at sentence or word boundaries.

The cut never falls inside a URL, hashtag, mention, token ("H2O", "x86-64", "v1.5") or
grapheme cluster, and is marked with "…". Text in scripts written without spaces (Chinese,
Japanese, Thai, Lao, Khmer, Myanmar, Tibetan) is cut at Unicode word boundaries (UAX #29,
the ``regex`` module's word mode) and sentence ends (。！？), so it fills the room like text
with spaces. A cut at a sentence end is preferred while it still fills the space the caller
asks for (``min_fill``); otherwise the last word boundary that fits. Lengths are measured
by a ``Measure`` (Mastodon's rule or plain graphemes), computed once per text so the
search costs O(log n) lookups instead of re-rendering and re-counting per word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import regex

from .length import URL_LENGTH, cluster_joins, find_entities, protected_spans

ELLIPSIS = "…"

# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "et al",
    "al",
    "fig",
    "figs",
    "eq",
    "eqs",
    "sec",
    "secs",
    "tab",
    "cf",
    "vs",
    "resp",
    "approx",
    "ref",
    "refs",
    "thm",
    "lem",
    "def",
    "alg",
    "ch",
    "vol",
    "pp",
    "no",
    "nos",
    "incl",
    "dr",
    "prof",
    "mr",
    "ms",
    "mrs",
    "st",
    "jr",
    "sr",
    "w.r.t",
    "wrt",
    "viz",
    "ca",
    "appx",
    "app",
    "c.f",
    "u.s",
    "ph.d",
    "etc.,",
}
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace and a
# character that can start a sentence; "2.8%", "v1.5" and "Llama-2" have no space after the dot.
_SENTENCE_END = re.compile(r"""[.!?][)"'’”\]]*(?=\s+[\(\["'‘“A-Z0-9À-ÖØ-Þ\u0370-\u03ff\u0400-\u042f]|\s*$)""")
_WORD_BEFORE = re.compile(r"([\w.\-]+)[.!?][)\"'’”\]]*$")
_SPACE = re.compile(r"\s+")
_TRAILING = " \t\n,;:–—-([{/"
_WINDOW_END = re.compile(r"[^\s,;:–—\-(\[{/]\s")  # a character a word cut keeps, then whitespace


# Scripts written without spaces between words, and their punctuation (CJK and full-width forms).
_NO_SPACE = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}\u3000-\u303f\uff00-\uffef\u30fc]"
)
_WORD_BOUNDARY = regex.compile(r"\b", flags=regex.WORD)
_TIGHT_SENTENCE_END = frozenset("。！？．｡!?")
_TIGHT_TRAILING = "、，,：:；;（(「『【〔《〈"


def _tight_boundaries(text: str, lo: int, hi: int) -> list[int]:
    """Word boundaries in ``text[lo:hi]`` with no space at them, next to a no-space script character."""
    if not _NO_SPACE.search(text, lo, hi):
        return []
    out = []
    for m in _WORD_BOUNDARY.finditer(text, lo, hi):
        p = m.start()
        spaced = not (0 < p < len(text)) or text[p - 1].isspace() or text[p].isspace()
        if not spaced and (_NO_SPACE.match(text, p - 1) or _NO_SPACE.match(text, p)):
            out.append(p)
    # a sentence end inside a no-space run ("。" then the next sentence) is a boundary too
    for i in range(max(lo, 1), hi):
        ch = text[i - 1]
        if ch in _TIGHT_SENTENCE_END and not text[i].isspace() and (ch in "。！？．｡" or _NO_SPACE.match(text, i)):
            out.append(i)
    return sorted(set(out))


@dataclass(frozen=True)
class Cut:
    text: str  # what to show: a prefix of the original plus "…", or the original when it fits
    cut: bool
    length: int  # measured length of ``text``


class Measure:
    """Counted length of any prefix of one text, in O(log n) per query after O(n) setup.

    ``mastodon=True`` counts like the server: URLs as ``url_length``, ``@user@domain`` as
    ``@user``, everything else in grapheme clusters. Otherwise grapheme clusters only.
    """

    def __init__(self, text: str, *, mastodon: bool = True, url_length: int = URL_LENGTH) -> None:
        self.text = text
        self.n = len(text)
        self._join_set = cluster_joins(text)
        self._joins: list[int] = sorted(self._join_set)
        # (end, saving) per URL/mention: from ``end`` on, the prefix counts ``saving`` less.
        self._ends: list[int] = []
        self._savings: list[int] = []
        self._entities: list[tuple[int, int]] | None = None  # URL and mention spans, when known
        if mastodon:
            self._entities = []
            if "://" in text or "@" in text:
                total = 0
                for s, e, counted in find_entities(text, url_length=url_length):
                    total += self._graphemes(s, e) - counted
                    self._ends.append(e)
                    self._savings.append(total)
                    self._entities.append((s, e))

    def _graphemes(self, start: int, end: int) -> int:
        if not self._joins:
            return end - start
        joined = bisect.bisect_left(self._joins, end) - bisect.bisect_left(self._joins, start)
        return end - start - joined

    def prefix(self, i: int) -> int:
        """Counted length of ``text[:i]`` (``i`` must not fall inside a URL or mention)."""
        k = bisect.bisect_right(self._ends, i)
        return self._graphemes(0, i) - (self._savings[k - 1] if k else 0)

    def total(self) -> int:
        return self.prefix(self.n)

    @classmethod
    def for_budget(cls, text: str, budget: int, *, mastodon: bool = True, url_length: int = URL_LENGTH) -> Measure:
        """A Measure for shortening ``text`` to at most ``budget``: of a prefix when that is enough.

        A long abstract is cut within its first few hundred characters, so indexing all of it
        is wasted. The prefix ends at whitespace after a word (tokens, URLs and mentions are
        whole; no cut beyond it can keep less than all of it) and already counts more than
        ``budget``, so every cut that fits lies inside it and comes out the same. Its
        ``total()`` is then only known to exceed ``budget``.
        """
        start = budget + budget // 4 + 16  # a margin for joined graphemes; URLs usually count less
        if len(text) > start + 64:
            end = _WINDOW_END.search(text, start)
            if end is not None:
                window = cls(text[: end.start() + 1], mastodon=mastodon, url_length=url_length)
                if window.total() > budget:
                    return window
        return cls(text, mastodon=mastodon, url_length=url_length)

    @cached_property
    def protected(self) -> list[tuple[int, int]]:
        return protected_spans(self.text, entities=self._entities, joins=self._join_set)


_CLOSERS = ")\"'’”]"
# whitespace that may follow a sentence end: after ". ! ?" or a closing quote or bracket
_SENTENCE_PUNCTUATION = frozenset(".!?" + _CLOSERS)
_SENTENCE_SPACE = re.compile(r"(?<=[.!?" + re.escape(_CLOSERS) + r"])\s+")
_STARTER = re.compile(r"""[\(\["'‘“A-Z0-9À-ÖØ-Þ\u0370-\u03ff\u0400-\u042f]""")


def _sentence_end_at(text: str, ws: int) -> bool:
    """Whether the whitespace at ``ws`` follows the end of a sentence.

    ". ! ?" (plus closing quotes or brackets) then a character that can start a sentence;
    not after "e.g.", "et al.", "Fig." or an initial, and "2.8%" or "v1.5" have no space.
    """
    j = ws
    while j > 0 and text[j - 1] in _CLOSERS:
        j -= 1
    if j == 0 or text[j - 1] not in ".!?":
        return False
    k = ws
    while k < len(text) and text[k].isspace():
        k += 1
    if k < len(text) and not _STARTER.match(text, k):
        return False
    if text[j - 1] == ".":
        word = _WORD_BEFORE.search(text, max(0, j - 24), ws)
        token = word.group(1).lower() if word else ""
        if token in _ABBREVIATIONS or token.rstrip(".") in _ABBREVIATIONS:
            return False
        if len(token) == 1 and token.isalpha():  # an initial: "J. Doe"
            return False
    return True


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end, robust to "e.g.", "et al.", "Fig. 2", "2.8%"."""
    ends = [ws.start() for ws in _SPACE.finditer(text) if ws.start() and _sentence_end_at(text, ws.start())]
    stripped = text.rstrip()
    if stripped and _SENTENCE_END.search(stripped, max(0, len(stripped) - 4)):
        ends.append(len(stripped))
    return ends


def _inside(spans: list[tuple[int, int]], i: int) -> bool:
    k = bisect.bisect_right(spans, (i, float("inf"))) - 1
    return k >= 0 and spans[k][0] < i < spans[k][1]


def _cuts_backwards(m: Measure, budget: int, *, floor: int | None = None) -> Iterator[tuple[int, str, bool, int]]:
    """Allowed cuts whose result fits ``budget``, from the longest down: (keep, mark, at_sentence, length).

    A cut is at whitespace, never inside a URL, mention, hashtag or grapheme cluster.
    At a sentence end the kept text is "X. " and the mark "…"; at a word boundary trailing
    punctuation is dropped, and after a URL the mark is " …" (Mastodon would take a glued
    "…" into the link). The walk starts at the last offset that could fit, so its cost
    follows the budget, not the length of the text. With a ``floor``, only the first cut
    may be a word cut: after it come only sentence ends, and the walk stops where every cut
    left would be shorter than ``floor`` (for a caller that wants the longest cut, else a
    sentence end that fills at least ``floor``).
    """
    text, n = m.text, m.n
    spans = m.protected
    span_ends = {e for _, e in spans}
    saving = m._savings[-1] if m._savings else 0
    end = min(n - 1, budget + len(m._joins) + saving + 1) + 1
    window = 64  # most searches end within a few words; later windows grow
    found = False
    while end > 0:
        if found and floor is not None and m.prefix(end) + 2 < floor:
            return  # a prefix never counts more than a longer one
        lo = max(0, end - window)
        window = min(2 * window, 1024)
        spaces = _SENTENCE_SPACE if found and floor is not None else _SPACE
        starts = [w.start() for w in spaces.finditer(text, lo, end)]
        if starts and starts[0] == lo and lo and text[lo - 1].isspace():
            starts = starts[1:]  # the run began before this window: seen in the next one
        tight = set(_tight_boundaries(text, lo, end))
        candidates = sorted(set(starts) | tight)
        end = lo
        for ws in reversed(candidates):
            if ws in tight and ws not in starts:
                if found and floor is not None and text[ws - 1] not in _TIGHT_SENTENCE_END:
                    continue
                cut = _tight_cut_at(m, ws, budget)
            else:
                if found and floor is not None and text[ws - 1] not in _SENTENCE_PUNCTUATION:
                    continue
                cut = _cut_at(m, ws, span_ends, budget)
            if cut is not None:
                found = True
                yield cut


def _cut_at(m: Measure, ws: int, span_ends: set[int], budget: int) -> tuple[int, str, bool, int] | None:
    """The cut at the whitespace starting at ``ws``, if it is allowed and fits."""
    text, spans = m.text, m.protected
    if not ws or ws in m._join_set or (spans and _inside(spans, ws)):
        return None
    after = ws
    while after < m.n and text[after].isspace():
        after += 1
    if after == m.n:
        return None
    if _sentence_end_at(text, ws):
        keep, mark, sentence = ws + 1, ELLIPSIS, True
    else:
        keep = ws
        while keep and text[keep - 1] in _TRAILING:
            keep -= 1
        if not keep or (spans and _inside(spans, keep)):
            return None
        mark, sentence = (" " + ELLIPSIS if keep in span_ends else ELLIPSIS), False
    length = m.prefix(keep) + len(mark)
    return (keep, mark, sentence, length) if length <= budget else None


def _tight_cut_at(m: Measure, p: int, budget: int) -> tuple[int, str, bool, int] | None:
    """A cut between two characters of a no-space script (no whitespace to drop)."""
    text, spans = m.text, m.protected
    if p in m._join_set or (spans and _inside(spans, p)):
        return None
    sentence = text[p - 1] in _TIGHT_SENTENCE_END
    keep = p
    if not sentence:
        while keep and text[keep - 1] in _TIGHT_TRAILING:
            keep -= 1
        if not keep or keep in m._join_set or (spans and _inside(spans, keep)):
            return None
    length = m.prefix(keep) + len(ELLIPSIS)
    return (keep, ELLIPSIS, sentence, length) if length <= budget else None


def shorten(text: str, budget: int, *, measure: Measure | None = None, min_fill: int = 0) -> Cut:
    """The longest allowed prefix of ``text`` plus "…" whose length is at most ``budget``.

    Prefers the last sentence end whose length is at least ``min_fill``; otherwise takes
    the last word boundary that fits. Returns ``Cut("", True, 0)`` when nothing fits.
    """
    m = measure or Measure(text)
    full = m.total()
    if full <= budget:
        return Cut(text, False, full)
    first = None
    for cut in _cuts_backwards(m, budget, floor=min_fill):
        keep, mark, sentence, length = cut
        first = first or cut
        if sentence:
            if length >= min_fill:
                return Cut(text[:keep] + mark, True, length)
            break
        if length < min_fill:
            break
    if first is None:
        return Cut("", True, 0)
    keep, mark, _, length = first
    return Cut(text[:keep] + mark, True, length)


def split_parts(
    text: str,
    first_budget: int,
    budget: int,
    *,
    max_parts: int,
    url_length: int = URL_LENGTH,
    min_fill: int = 0,
) -> list[Cut]:
    """Split ``text`` into consecutive parts for a thread, cutting at sentence ends when possible.

    A part cut at a sentence end carries no mark; one cut mid-sentence ends with "…". The
    last allowed part is shortened with "…" when the text does not end within ``max_parts``.
    """
    parts: list[Cut] = []
    rest = text
    while rest:
        cap = first_budget if not parts else budget
        m = Measure(rest, url_length=url_length)
        if m.total() <= cap:
            parts.append(Cut(rest, False, m.total()))
            break
        if len(parts) == max_parts - 1:
            parts.append(shorten(rest, cap, measure=m, min_fill=min_fill))
            break
        piece = _split_once(m, cap, min_fill)
        if piece is None:
            parts.append(shorten(rest, cap, measure=m, min_fill=min_fill))
            break
        keep, shown, length = piece
        parts.append(Cut(shown, True, length))
        rest = rest[keep:].lstrip()
    return parts


def _split_once(m: Measure, cap: int, min_fill: int) -> tuple[int, str, int] | None:
    """A thread part: a whole-sentence cut (no mark) when it fills enough, else a word cut with "…"."""
    first = None
    for keep, mark, sentence, length in _cuts_backwards(m, cap + 1):
        if sentence:
            shown = m.text[:keep].rstrip()
            real = m.prefix(len(shown))
            if real > cap:
                continue
            if real >= min_fill or first is None:
                return keep, shown, real
            return first
        if length > cap:
            continue
        first = first or (keep, m.text[:keep] + mark, length)
        if length < min_fill:
            break
    return first
