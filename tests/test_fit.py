"""Shortening at sentence and word boundaries; prefix measurement."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.fit import ELLIPSIS, Measure, _tight_boundaries, sentence_ends, shorten, split_parts
from bot.length import grapheme_boundaries, mastodon_length, protected_spans

TEXT = (
    "We use e.g. Llama-2 and GPT-4 v1.5, as in Fig. 2 of Smith et al. The gain is 2.8%. It works! "
    "Does it? Yes (mostly). Final sentence here."
)


def test_sentence_ends_skip_abbreviations_numbers_and_initials():
    ends = [TEXT[:e].rsplit(" ", 1)[-1] for e in sentence_ends(TEXT)]
    assert ends == ["2.8%.", "works!", "it?", "(mostly).", "here."]
    assert sentence_ends("As shown by J. Doe and i.e. others. Next.") == [35, 41]


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        (
            100,
            "We use e.g. Llama-2 and GPT-4 v1.5, as in Fig. 2 of Smith et al. The gain is 2.8%. It works! …",
        ),
        (80, "We use e.g. Llama-2 and GPT-4 v1.5, as in Fig. 2 of Smith et al. The gain is…"),
        (20, "We use e.g. Llama-2…"),
        (5, "We…"),
        (2, ""),
    ],
)
def test_shorten_prefers_sentences_that_fill_90_percent(budget, expected):
    cut = shorten(TEXT, budget, min_fill=int(0.9 * budget))
    assert cut.text == expected and cut.cut and cut.length <= budget


def test_no_cut_when_it_fits():
    cut = shorten(TEXT, 500)
    assert cut.text == TEXT and not cut.cut


def test_never_cuts_inside_a_url_and_counts_it_as_23():
    text = "Code at https://github.com/very-long-organisation-name/an-even-longer-repository-name-here now."
    m = Measure(text)
    assert m.total() == mastodon_length(text) == len("Code at ") + 23 + len(" now.")
    cut = shorten(text, 33, measure=m)
    # a space before the mark: Mastodon would take a glued "…" into the link
    assert cut.text == "Code at https://github.com/very-long-organisation-name/an-even-longer-repository-name-here …"
    assert mastodon_length(cut.text) == 33
    assert shorten(text, 32, measure=m).text == "Code at…"


def test_trailing_punctuation_is_dropped_before_the_ellipsis():
    assert shorten("alpha, beta; gamma delta", 12).text == "alpha, beta…"


def test_thread_parts_cover_the_text_in_order():
    parts = split_parts(TEXT, 60, 60, max_parts=5)
    assert all(p.length <= 60 for p in parts)
    joined = " ".join(p.text.rstrip(ELLIPSIS) for p in parts)
    assert joined.split() == TEXT.split()


def test_thread_stops_at_max_parts_with_ellipsis():
    parts = split_parts(TEXT * 5, 80, 80, max_parts=3)
    assert len(parts) == 3 and parts[-1].text.endswith(ELLIPSIS)


words = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12),
    st.sampled_from(
        [
            "e.g.",
            "et al.",
            "2.8%.",
            "Llama-2",
            "v1.5",
            "Fig. 2",
            "👨‍👩‍👧‍👦",
            "🇺🇸",
            "é",
            "漢字",
            "שלום",
            "https://arxiv.org/abs/2405.01234",
            "#NeurIPS2024",
            "@jane@example.social",
            "End.",
            "Why?",
            "(see",
            "x).",
        ]
    ),
)
texts = st.lists(words, min_size=1, max_size=80).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(min_value=1, max_value=400))
def test_shorten_properties(text, budget):
    cut = shorten(text, budget, min_fill=int(0.9 * budget))
    assert cut.length <= budget
    assert mastodon_length(cut.text) <= budget
    if not cut.cut:
        assert cut.text == text
        return
    if not cut.text:
        return
    assert cut.text.endswith(ELLIPSIS)
    kept = cut.text[: -len(ELLIPSIS)]
    if kept.endswith(" ") and not text.startswith(kept):  # " …" after a URL
        kept = kept[:-1]
    assert text.startswith(kept)
    end = len(kept.rstrip())
    # a word boundary: what follows in the original is whitespace or punctuation then whitespace,
    # or, next to a script written without spaces, a Unicode (UAX #29) word boundary
    follows = text[end:].lstrip(",;:–—-([{/、，：；（「『【〔《〈")
    tight = end in _tight_boundaries(text, 0, len(text)) or any(
        b in _tight_boundaries(text, 0, len(text)) for b in range(end, len(text) - len(follows) + 1)
    )
    assert follows[:1].isspace() or tight
    assert end in grapheme_boundaries(text)
    assert not any(s < end < e for s, e in protected_spans(text))


@settings(max_examples=200, deadline=None)
@given(texts)
def test_measure_prefix_matches_the_server_count(text):
    m = Measure(text)
    for i in range(1, len(text) + 1):
        if i < len(text) and not text[i].isspace():
            continue
        if text[:i].rstrip() != text[:i] or text[:i].lstrip() != text[:i]:
            continue
        if any(s < i < e for s, e in protected_spans(text)):
            continue
        assert m.prefix(i) == mastodon_length(text[:i]), (text, i)


@given(texts)
def test_whole_text_measure(text):
    assume(text == text.strip())
    assert Measure(text).total() == mastodon_length(text)


long_texts = st.lists(words, min_size=20, max_size=200).map(lambda ws: " ".join(ws))
separators = st.sampled_from([" ", "  ", "\n", " - ", ", ", "\u0301 ", " \u0301"])


@settings(max_examples=400, deadline=None)
@given(st.lists(words, min_size=20, max_size=200), separators, st.integers(min_value=1, max_value=300), st.booleans())
def test_a_measure_of_a_prefix_cuts_exactly_like_the_whole_text(ws, sep, budget, mastodon):
    text = sep.join(ws)
    window = Measure.for_budget(text, budget, mastodon=mastodon)
    whole = Measure(text, mastodon=mastodon)
    for fill in (0, (9 * budget) // 10):
        expected = shorten(text, budget, measure=whole, min_fill=fill)
        assert shorten(text, budget, measure=window, min_fill=fill) == expected


def test_a_long_text_is_measured_by_a_prefix_only():
    text = "A sentence with several words in it. " * 100
    assert Measure.for_budget(text, 300).n < len(text) // 2
    assert Measure.for_budget(text[:420], 300).n == 420  # short texts are measured whole
