"""bot.length must agree with Mastodon 4.5's StatusLengthValidator character for character.

The vectors come from docs/platform-rules (shared reference, section 1.2); the other cases
follow from the upstream regexes (twitter-text 3.1.0 + Mastodon's overrides) that
bot/length.py ports. A wrong count either wastes room or gets the post rejected (422).
"""

from __future__ import annotations

import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.length import (
    URL_LENGTH,
    find_mentions,
    find_urls,
    grapheme_boundaries,
    mastodon_length,
    protected_spans,
)

MAX = 500
RUBY_STRIP = "\x00\t\n\x0b\x0c\r "

# --- platform-rules.md §1.2 test vectors (max_characters 500) ----------------------------
VECTORS = [
    pytest.param("a" * 520, "", 520, False, id="1-plain-520"),
    pytest.param("b" * 251, "a" * 250, 501, False, id="2-cw-counts"),
    pytest.param("a" * 476 + " http://" + "b" * 30 + ".com/example", "", 500, True, id="3-url-23"),
    pytest.param("a" * 476 + "http://" + "b" * 30 + ".com/example", "", 525, False, id="4-glued-url"),
    pytest.param("a" * 475 + " @alice@" + "b" * 30 + ".com", "", 482, True, id="5-remote-mention"),
    pytest.param("@alice@" + "b" * 500 + ".com", "", 511, False, id="6-domain-over-253"),
    pytest.param("http://example.com/valid?" + "#foo?" * 1000, "", 5025, False, id="7-url-over-4096"),
    pytest.param("👨\u200d👩\u200d👧\u200d👦", "", 1, True, id="8a-zwj-family"),
    pytest.param("🇺🇸", "", 1, True, id="8b-flag"),
    pytest.param("e\u0301", "", 1, True, id="8c-combining"),
    pytest.param("see https://arxiv.org/abs/2405.01234.", "", 28, True, id="9-trailing-dot"),
    pytest.param("see arxiv.org/abs/2405.01234", "", 28, True, id="10-no-scheme"),
    pytest.param("hi @al.ice@example.org", "", 10, True, id="11-dotted-user"),
]


@pytest.mark.parametrize(("text", "cw", "count", "accepted"), VECTORS)
def test_reference_vectors(text: str, cw: str, count: int, accepted: bool) -> None:
    assert mastodon_length(text, cw) == count
    assert (mastodon_length(text, cw) <= MAX) is accepted  # the server rejects on ">"


# --- cases derived from the twitter-text / Mastodon regexes ------------------------------
U = URL_LENGTH
CASES = [
    # valid_url_preceding_chars: "(" is fine; a letter, digit, $, # or @ glued before is not
    ("(https://example.com)", 1 + U + 1),
    ("seehttps://example.com", 22),
    ("1https://example.com", 20),
    ("$https://example.com", 20),
    ("#https://example.com", 20),
    ("@https://example.com", 20),
    # balanced parentheses stay in the path; an unbalanced closing one does not
    ("(see https://en.wikipedia.org/wiki/Foo_(bar))", 5 + U + 1),
    ("(https://example.com/a).", 1 + U + 2),
    # valid_url_path_ending_chars: trailing punctuation is text
    ("https://github.com/org/repo.", U + 1),
    ("https://example.com/a,", U + 1),
    ("https://example.com/a;", U + 1),
    ("https://example.com/a:", U + 1),
    ("https://example.com/a!", U + 1),
    ("https://example.com/a?", U + 1),
    ("https://example.com/a'", U + 1),
    # query strings and fragments
    ("https://example.com/p?q=1&r=2#frag", U),
    ("https://example.com/a?b=c&d=", U),
    ("https://example.com/a?b=c.", U + 1),
    ("https://example.com:8080/x", U),
    # several URLs
    ("https://a.com https://b.org", U + 1 + U),
    ("https://a.com,https://b.org", U + 1 + U),
    ("https://a.com @bob@c.org", U + 1 + 4),
    # Unicode paths and domains (IDN::Idna.toASCII must accept the domain)
    ("https://ja.wikipedia.org/wiki/日本語", U),
    ("https://example.com/日本語?q=検索", U),
    ("https://例え.みんな/p", U),
    ("https://🍕.ws", 12),  # unassigned in Unicode 3.2: libidn refuses, so no URL
    # Mastodon keeps twitter-text's old parens class in the path ending: a final
    # parenthesis of non-Latin text is not part of the URL
    ("https://example.com/wiki/Foo_(日本)", U + 4),
    # what is not a URL with a scheme counts literally
    ("http://", 7),
    ("ftp://example.org/x", 19),
    ("http://localhost:3000/paper", 27),
    ("http://127.0.0.1/x", 18),
    ("http://example.invalid/x", 24),
    ("https://" + "a" * 64 + ".com", 76),  # a DNS label over 63 characters
    ("example.com/https://x.org", 25),  # the scheme-less match swallows the real URL
    # Mastodon's extra schemes; t.co URLs end after the slug
    ("gemini://example.org/x", U),
    ("ipfs://example.org/x", U),
    ("https://t.co/abc/def", U + 4),
    # mentions: Account::MENTION_RE and twitter-text's end_mention_match
    ("@alice@example.org hi", 9),
    ("(@alice@example.org)", 8),
    ("RT:@alice@example.org", 9),
    ("foo@bar@baz.org", 15),  # after a letter: an e-mail address, not a mention
    ("x=@alice@example.org", 20),
    ("a/@alice@example.org", 20),
    ("@al.ice@example.org", 7),
    ("@Alice@Example.ORG", 6),
    ("@a_b-c.d@host.example", 8),
    ("@alice@example.org@x", 20),  # followed by "@": skipped
    ("@alice@@bob", 7 + 4),
    ("@alice@日本.jp", 6),
    ("https://example.com/a,@bob@remote.org", U),  # a mention inside a URL is not rewritten
    # grapheme clusters as Ruby 3.4 (Unicode 15.0) counts them
    ("a\r\nb", 3),
    ("क्ष", 2),  # no GB9c (Unicode 15.1) in Ruby 3.4: two clusters
    ("🏳️\u200d🌈 🇺🇸🇫", 4),  # rainbow flag, space, one flag, a lone indicator
    # the server strips ASCII whitespace from text (Status#prepare_contents)
    ("  hello\n\n", 5),
    ("", 0),
]


@pytest.mark.parametrize(("text", "count"), CASES)
def test_derived_cases(text: str, count: int) -> None:
    assert mastodon_length(text) == count


def test_cw_counts_in_full_and_unrewritten() -> None:
    assert mastodon_length("hi", "⚠️ spoilers") == 1 + 9 + 2
    assert mastodon_length("x", "https://example.com @a@b.org") == 28 + 1
    assert mastodon_length("", "  cw  ") == 2  # the CW is stripped too


def test_url_length_is_a_parameter() -> None:
    assert mastodon_length("see https://example.com/x", url_length=10) == 4 + 10
    assert mastodon_length("see https://example.com/x", url_length=0) == 4


def test_find_urls_offsets() -> None:
    assert find_urls("see https://arxiv.org/abs/2405.01234.") == [(4, 36)]
    text = "(https://a.com/x_(y)), https://b.org?q=1 and c.org/d"
    assert [text[s:e] for s, e in find_urls(text)] == ["https://a.com/x_(y)", "https://b.org?q=1"]
    assert find_urls("no links here, arxiv.org/abs/1") == []


def test_find_mentions_offsets_and_counts() -> None:
    assert find_mentions("hi @al.ice@example.org") == [(3, 22, 7)]
    assert find_mentions("@bob and @carol@x.social.") == [(0, 4, 4), (9, 24, 6)]
    assert find_mentions("https://x.org/a,@bob@y.org") == []


def test_protected_spans() -> None:
    text = "New: #NeurIPS2024 https://x.org/p :blobcat: by @a@b.org, #機械学習!"
    spans = protected_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "#NeurIPS2024",
        "https://x.org/p",
        ":blobcat:",
        "@a@b.org",
        "#機械学習",
    ]
    # widened to whole clusters: the combining mark belongs to the URL's last letter
    text = "https://x.org/e\u0301 z"
    assert protected_spans(text) == [(0, 16)]


def test_grapheme_boundaries() -> None:
    assert grapheme_boundaries("") == [0]
    assert grapheme_boundaries("ab") == [0, 1, 2]
    assert grapheme_boundaries("e\u0301x") == [0, 2, 3]
    assert grapheme_boundaries("a\r\nb") == [0, 1, 3, 4]
    assert grapheme_boundaries("🇺🇸🇫🇷") == [0, 2, 4]


# --- properties ---------------------------------------------------------------------------
_X = regex.compile(r"\X")
_LINKER = regex.compile(r"\p{InCB=Linker}")  # GB9c (Unicode 15.1+) differs from Ruby 3.4


def _graphemes(s: str) -> int:
    """Independent oracle: regex's \\X, valid where GB9c cannot apply."""
    return len(_X.findall(s))


# Whole clusters that neither start nor end with something that joins a neighbour, from
# many scripts; no URL or mention syntax ("@", "://").
ATOMS = [
    *"abcxyzABC019",
    "é",
    "e\u0301",
    "n\u0303\u0301",
    "👨\u200d👩\u200d👧\u200d👦",
    "👍🏽",
    "🇺🇸",
    "🇯🇵",
    "⚠️",
    "❤️",
    "中",
    "文",
    "한국어",
    "\u1100\u1161\u11a8",  # conjoining jamo: one syllable
    "עברית",
    "العربية",
    "ไทย",
    "—",
    "“",
    "”",
    ",",
    ".",
    "!",
    "?",
    "(",
    ")",
    "#tag",
    ":emoji:",
    "x.org",
]
WORD = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=8).map("".join)
SPACES = st.sampled_from([" ", "  ", "\n", "\n\n", " \u3000 "])
PHRASE = st.builds(
    lambda first, rest: first + "".join(sep + w for sep, w in rest),
    WORD,
    st.lists(st.tuples(SPACES, WORD), max_size=6),
)


@given(PHRASE, PHRASE)
def test_concatenation_is_additive(a: str, b: str) -> None:
    assert mastodon_length(a + " " + b) == mastodon_length(a) + 1 + mastodon_length(b)


PLAIN_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cn"), blacklist_characters="@"),
    max_size=60,
)


@given(PLAIN_TEXT)
def test_without_urls_or_mentions_length_is_grapheme_count(text: str) -> None:
    assume("://" not in text and not _LINKER.search(text))
    stripped = text.strip(RUBY_STRIP)
    assert mastodon_length(text) == _graphemes(stripped)
    assert len(grapheme_boundaries(stripped)) - 1 == _graphemes(stripped)


@given(PLAIN_TEXT, PLAIN_TEXT)
def test_additive_for_arbitrary_text_at_a_clean_join(a: str, b: str) -> None:
    """Any a, b without URL or mention syntax, if the join cannot glue clusters."""
    joined = a + " " + b
    assume("://" not in joined and not _LINKER.search(joined))
    assume(a == a.strip(RUBY_STRIP) != "" and b == b.strip(RUBY_STRIP) != "")
    assume(len(_X.findall(joined)) == len(_X.findall(a)) + 1 + len(_X.findall(b)))
    assert mastodon_length(joined) == mastodon_length(a) + 1 + mastodon_length(b)


FRAGMENTS = st.sampled_from(
    [
        *ATOMS,
        " ",
        "\n",
        "https://",
        "http://",
        "gemini://",
        "://",
        "example.com",
        "arxiv.org/abs/2405.01234",
        "/",
        "?q=1",
        "#frag",
        "(",
        ")",
        "@",
        "@alice",
        "@al.ice@example.org",
        "#NeurIPS",
        ":blob:",
        "\u0301",
        "\u200d",
        "\ufe0f",
        "🇺",
        "\r",
        "\u0600",
    ]
)
MIXED = st.lists(FRAGMENTS, max_size=30).map("".join)


@settings(max_examples=300)
@given(MIXED)
def test_protected_spans_never_split_a_cluster(text: str) -> None:
    bounds = set(grapheme_boundaries(text))
    spans = protected_spans(text)
    assert spans == sorted(spans)
    for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert start in bounds and end in bounds


@settings(max_examples=300)
@given(MIXED)
def test_find_urls_spans_are_inside_and_disjoint(text: str) -> None:
    urls = find_urls(text)
    previous_end = 0
    for start, end in urls:
        assert previous_end <= start < end <= len(text)
        assert "://" in text[start:end]
        previous_end = end
    mentions = find_mentions(text)
    for start, end, counted in mentions:
        assert text[start] == "@" and counted <= end - start
        assert all(end <= s or start >= e for s, e in urls)


@settings(max_examples=300)
@given(MIXED)
def test_length_matches_the_rewrite(text: str) -> None:
    """The count is the grapheme count of the text with entities rewritten."""
    stripped = text.strip(RUBY_STRIP)
    entities = sorted(
        [(s, e, "x" * URL_LENGTH) for s, e in find_urls(stripped)]
        + [(s, e, "@" + stripped[s + 1 : e].split("@")[0]) for s, e, _ in find_mentions(stripped)]
    )
    out, pos = [], 0
    for start, end, replacement in entities:
        out += [stripped[pos:start], replacement]
        pos = end
    rewritten = "".join(out) + stripped[pos:]
    assume(not _LINKER.search(rewritten))
    assert mastodon_length(text) == _graphemes(rewritten)


# --- the plain-link fast path must agree with the full twitter-text scan -------------------
_LABEL = st.text("abcxyzXQ0189-_é", min_size=0, max_size=8) | st.sampled_from(["a" * 63, "b" * 64, "xn--p1ai"])
_TLD = st.sampled_from(["org", "com", "COM", "de", "io", "ai", "example", "invalid", "co", "zzz", "github", "рф"])
_PATH = st.text("abz09/._-~(),;:!'?#=&é%+", max_size=14)


@st.composite
def _link_tokens(draw) -> str:
    sep = draw(st.sampled_from(["", " ", "\n", "\t", "\x85"]))
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "https:/"]))
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3))
    port = draw(st.sampled_from(["", "", "", ":8080"]))
    path = draw(st.sampled_from(["", "/"]) | _PATH.map(lambda p: "/" + p))
    return sep + scheme + ".".join([*labels, draw(_TLD)]) + port + path


@settings(max_examples=3000)
@given(_link_tokens())
def test_plain_link_fast_path_agrees_with_the_full_scan(token: str) -> None:
    from bot.length import _full_scan, _plain_link

    plain = _plain_link(token)
    if plain is not None:
        assert plain == _full_scan(token)


def test_common_links_take_the_fast_path() -> None:
    from bot.length import _plain_link

    for token in (
        " https://arxiv.org/abs/2405.01234",
        "https://github.com/org/repo-name",
        "\nhttps://doi.org/10.1/x.y",
    ):
        assert _plain_link(token) is not None
    for token in (
        " https://t.co/abc",
        " https://x.org/a.",
        " https://x.org/a_(b)",
        " https://x.org:80/a",
        " https://x.zzz",
    ):
        assert _plain_link(token) is None
