"""Shortening in every script: exact fit, ≥ 90 % fill, cuts only between tokens, "…" iff cut.

Text is generated from tokens of Latin identifiers that must never be split (H2O, x86-64,
Llama-2-70B, v1.5, 2.8%, GPT-4o, e.g., URLs, e-mail addresses) and words in scripts written
without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar), joined the way each script is
written. The shortener may cut only where one token ends and the next begins.
"""

from __future__ import annotations

import math

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fit import ELLIPSIS, Measure, shorten
from bot.length import grapheme_boundaries, mastodon_length

LATIN = [
    "H2O", "x86-64", "Llama-2-70B", "v1.5", "2.8%", "GPT-4o", "e.g.", "i.e.", "model", "data",
    "https://example.org/a/b", "jane@example.org", "results", "the", "method",
]  # fmt: skip
SCRIPTS = {
    "zh": ["我们", "提出", "了", "一种", "新的", "方法", "实验", "表明", "模型", "数据", "。", "，"],
    "ja": ["これは", "日本語", "の", "テキスト", "です", "カタカナ", "単語", "。", "、"],
    "th": ["ภาษา", "ไทย", "ไม่มี", "ช่องว่าง", "ระหว่าง", "คำ", "แบบจำลอง", "ข้อมูล"],
    "lo": ["ພາສາ", "ລາວ", "ບໍ່ມີ", "ຊ່ອງຫວ່າງ", "ຂໍ້ມູນ"],
    "km": ["ភាសា", "ខ្មែរ", "គ្មាន", "ចន្លោះ", "ទិន្នន័យ"],
    "my": ["မြန်မာ", "ဘာသာ", "စကား", "ကွက်လပ်", "မရှိ", "ဒေတာ"],
}


@st.composite
def texts(draw):
    """(text, token end offsets): runs of one no-space script, Latin tokens between them."""
    script = draw(st.sampled_from(sorted(SCRIPTS)))
    pieces: list[str] = []
    ends: set[int] = set()
    pos = 0
    for _ in range(draw(st.integers(min_value=30, max_value=160))):
        if draw(st.integers(0, 4)) == 0:
            tok, sep = draw(st.sampled_from(LATIN)), " "
        else:
            tok, sep = draw(st.sampled_from(SCRIPTS[script])), ""
        if pieces and (sep or pieces[-1][-1:].isascii()):
            pieces.append(" ")
            pos += 1
        pieces.append(tok)
        pos += len(tok)
        ends.add(pos)
    return "".join(pieces), ends


@settings(max_examples=400, deadline=None)
@given(texts(), st.integers(min_value=250, max_value=500))  # a post's room; the longest token stays < 10 %
def test_shortening_in_every_script(sample, budget):
    text, ends = sample
    m = Measure.for_budget(text, budget)
    cut = shorten(text, budget, measure=m, min_fill=math.ceil(0.9 * budget))
    assert cut.length == mastodon_length(cut.text) <= budget  # fits the exact limit
    total = mastodon_length(text)
    if total <= budget:
        assert not cut.cut and cut.text == text and ELLIPSIS not in cut.text
        return
    assert cut.cut and cut.text.endswith(ELLIPSIS)  # "…" iff cut
    assert cut.length >= 0.9 * budget, (cut.length, budget)  # fills the room like English
    kept = cut.text[: -len(ELLIPSIS)].rstrip()
    assert text.startswith(kept)
    stripped = kept.rstrip("、，,：:；;（(「『【〔《〈")
    # only between tokens: where a Latin token ends, or at a Unicode (UAX #29) word boundary
    # inside a run of a script written without spaces
    at = len(stripped)
    uax29 = {mm.start() for mm in regex.finditer(r"\b", text, flags=regex.WORD)}
    no_space = (at < len(text) and ord(text[at]) > 0x0E00) or (at > 0 and ord(text[at - 1]) > 0x0E00)
    assert len(kept) in ends or at in ends or (no_space and at in uax29), kept[-20:]
    assert len(kept) in grapheme_boundaries(text)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(SCRIPTS)), st.lists(st.integers(0, 100), min_size=40, max_size=120))
def test_no_abstract_is_dropped_for_lack_of_spaces(script, picks):
    """A text with no space at all still gives a cut that fills the room."""
    # katakana words are never glued to each other in real text (UAX #29 keeps a katakana run whole)
    words = [w for w in SCRIPTS[script] if not all("\u30a0" <= c <= "\u30ff" for c in w)]
    run = "".join(words[i % len(words)] for i in picks)
    cut = shorten(run, 100, min_fill=90)
    if mastodon_length(run) > 100:
        assert cut.text and cut.length >= 90
