import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import clean_text, fold_variants, latex_to_unicode, normalize_title, strip_html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a literal % must not comment out the rest (the IVON abstract pitfall)
        (
            "IVON improves accuracy by 2.8% and calibration by 4.6%.",
            "IVON improves accuracy by 2.8% and calibration by 4.6%.",
        ),
        (r"by 2.8\% and $\ell_2$ loss", "by 2.8% and ℓ₂ loss"),
        # an unbalanced $ must not swallow the text
        (
            r"It costs $5 and saves time. We use $\ell_2$ loss.",
            "It costs $5 and saves time. We use $ℓ_2$ loss.",
        ),
        (r"Schr\"odinger and Erd\H{o}s", "Schrödinger and Erdős"),
        (r"runs in $O(n \log n)$ time", "runs in O(n log n) time"),
        (r"\emph{very} \textbf{bold} and \texttt{code}", "very bold and code"),
        (r"see \href{https://x.org/a}{our site}", "see our site (https://x.org/a)"),
        (r"Fig.~2 shows \cite{smith}.", "Fig. 2 shows."),
        ("Tom &amp; Jerry <i>in</i> <b>bold</b>", "Tom & Jerry in bold"),
        ("x < y and a<b", "x < y and a<b"),
        ("A & B # 1", "A & B # 1"),
        ("Llama-2 and GPT-4 v1.5, e.g. et al.", "Llama-2 and GPT-4 v1.5, e.g. et al."),
        ("  many\n  spaces\t here ", "many spaces here"),
        ("{BERT} models", "BERT models"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_broken_latex_falls_back_to_text():
    out = latex_to_unicode(r"\href{https://y.org}{text and more words} \begin{unclosed} words")
    assert "words" in out


def test_strip_html_keeps_comparisons():
    assert strip_html("a <b>c</b> &lt; d") == "a c < d"
    assert strip_html("(<i>Homo</i>) H<sub>2</sub>O") == "(Homo) H₂O"


def test_fold_variants_transliterates():
    assert {"muller", "mueller"} <= fold_variants("Müller")
    assert "mueller" in fold_variants("Mueller")


def test_normalize_title():
    assert (
        normalize_title(r"Shaving Weights with Occam's Razor: {B}ayesian")
        == "shaving weights with occam s razor bayesian"
    )
    assert normalize_title("Über-Große  Modelle!") == "uber grosse modelle"


plain = st.text(alphabet=st.characters(blacklist_characters="\\${}<>&~", blacklist_categories=("Cs", "Cc")))


@given(plain)
def test_plain_text_is_kept(text):
    """Text with no markup characters comes out as itself, whitespace normalised."""
    expected = re.sub(r"\s+([.,;:!?)])", r"\1", " ".join(text.split()))
    assert clean_text(text) == unicodedata.normalize("NFC", expected).strip()


@given(st.text())
def test_clean_text_never_raises_and_is_single_line(text):
    out = clean_text(text)
    assert "\n" not in out and out == out.strip()


@given(st.lists(st.sampled_from(["2.8%", "$5", r"$\ell_2$", "50%", "word", r"\%", "&amp;", "x"]), max_size=12))
def test_percent_and_dollar_never_drop_words(parts):
    """Every plain word survives conversion, whatever %, $ and LaTeX surround it."""
    text = " ".join(parts + ["END"])
    assert clean_text(text).endswith("END")
    assert clean_text(text).count("word") == parts.count("word")
