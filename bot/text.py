"""Text normalisation done once, at ingest: LaTeX and HTML become clean Unicode.

Sources hand us titles and abstracts as LaTeX (BibTeX, arXiv), HTML fragments (feeds) or
Markdown with ``$…$`` math (OpenReview). Everything downstream (length counting,
shortening, templates) works on the cleaned text, so this is the one place that knows
about markup. The raw text is kept beside the result by the caller.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# A tag-like thing: "<i>", "</sub>", "<br/>", "<a href=…>". Not "a < b" or "x<y".
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_LATEX_HINT = re.compile(r"[\\$]|\{[^{}]*\}")
_UNESCAPED = re.compile(r"(?<!\\)([%&#])")
_DOLLAR = re.compile(r"(?<!\\)\$")
# Macros pylatexenc mishandles (drops or crashes on): rewrite them first.
_HREF = re.compile(r"\\href\{([^{}]*)\}\{([^{}]*)\}")
_URL = re.compile(r"\\(?:url|texttt|path)\{([^{}]*)\}")
_FORMAT_MACRO = re.compile(r"\\(?:emph|textbf|textit|textsc|textrm|textsf|texttt|mathrm|mathbf|text)\{([^{}]*)\}")
_MARKUP = re.compile(r"\\[A-Za-z]+|[{}$]")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)])")


def _keep_punctuation(m: re.Match[str]) -> str:  # a function: a template is parsed again on every call
    return m.group(1)


@lru_cache(maxsize=1)
def _latex2text():  # imported lazily: pylatexenc costs ~50 ms at start-up
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def strip_html(text: str) -> str:
    """Turn an HTML fragment into text: tags dropped, entities decoded."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return text


def latex_to_unicode(text: str) -> str:
    """Convert LaTeX markup to Unicode without letting plain-text characters eat the rest.

    A literal ``%`` would start a LaTeX comment and silently drop the rest of an abstract,
    and an unbalanced ``$`` would shift the math pairing; both are escaped first. If the
    converter fails or loses most of the text, fall back to the text minus formatting macros.
    """
    if not _LATEX_HINT.search(text):
        return text
    prepared = _HREF.sub(r"\2 (\1)", text)
    prepared = _URL.sub(lambda m: m.group(1).replace("%", "\\%").replace("_", "\\_"), prepared)
    prepared = _UNESCAPED.sub(r"\\\1", prepared)
    if len(_DOLLAR.findall(prepared)) % 2:
        prepared = _DOLLAR.sub(r"\\$", prepared)
    try:
        out = _latex2text().latex_to_text(prepared)
    except Exception:  # pylatexenc raises assorted errors on malformed input
        out = ""
    out = out.replace("\xa0", " ").replace("<cit.>", "").replace("<ref>", "?")
    if len(out.strip()) < 0.5 * len(_MARKUP.sub("", text).strip()):
        out = _FORMAT_MACRO.sub(r"\1", text)
    return out


def clean_text(raw: str | None) -> str:
    """The display form of a title or abstract: no markup, single spaces, NFC."""
    if not raw:
        return ""
    text = latex_to_unicode(strip_html(raw))
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(_keep_punctuation, text)
    return unicodedata.normalize("NFC", text).strip()


_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


def fold(text: str) -> str:
    """Accent- and case-insensitive form: "Müller" and "Muller" both give "muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def fold_variants(text: str) -> set[str]:
    """All folded spellings of a name: "Müller" gives {"muller", "mueller"}.

    German (and Nordic) names are commonly transliterated ü→ue, ö→oe, ß→ss; keeping
    both forms lets "Mueller" match "Müller" without folding "ue" to "u" everywhere
    (which would make "Samuel" and "Saml" collide).
    """
    lowered = unicodedata.normalize("NFC", text).casefold()
    return {fold(text), fold(lowered.translate(_TRANSLIT))}


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_title(title: str) -> str:
    """The de-duplication key of a title: folded, punctuation as spaces, collapsed."""
    return _NON_WORD.sub(" ", fold(clean_text(title))).strip()


def slugify(text: str, max_len: int = 60) -> str:
    """A lowercase ASCII slug for ids and file names."""
    ascii_text = text.lower() if text.isascii() else fold(text).encode("ascii", "ignore").decode()
    return _NON_WORD.sub("-", ascii_text).strip("-")[:max_len].strip("-") or "x"
