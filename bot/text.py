"""Text normalisation done once, at ingest: LaTeX and HTML become clean Unicode.

Sources hand us titles and abstracts as LaTeX (BibTeX, arXiv), HTML fragments (feeds) or
Markdown with ``$…$`` math (OpenReview). Everything downstream (length counting,
shortening, templates) works on the cleaned text, so this is the one place that knows
about markup. The raw text is kept beside the result by the caller.
"""

from __future__ import annotations

import difflib
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


_SCRIPT_TAG = re.compile(r"<(sub|sup)\b[^<>]*>([^<>]*)</\1\s*>", re.I)
_INLINE_TAG = re.compile(
    r"</?(?:i|b|em|strong|u|s|span|a|code|tt|small|big|font|mark|abbr|cite|q|var|kbd|samp|dfn|bdi|bdo)\b[^<>]*>", re.I
)


def _html_script(m: re.Match[str]) -> str:
    """ "H<sub>2</sub>O" → "H₂O", "x<sup>2</sup>" → "x²"; else the text in parentheses after ^/_."""
    kind, inner = m.group(1).lower(), m.group(2)
    plain = inner.strip()
    ok, table, mark = (_SUPER_OK, _SUPER, "^") if kind == "sup" else (_SUB_OK, _SUB, "_")
    if plain and set(plain) <= ok:
        return plain.translate(table)
    return f"{mark}({plain})" if len(plain) > 1 else f"{mark}{plain}"


def strip_html(text: str) -> str:
    """Turn an HTML fragment into text: sub/superscripts as Unicode, inline tags dropped without a
    gap ("(<i>Homo</i>)" → "(Homo)"), other tags as spaces, entities decoded."""
    if "<" in text:
        text = _SCRIPT_TAG.sub(_html_script, text)
        text = _INLINE_TAG.sub("", text)
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
    prepared = _MATH.sub(_math_scripts, text) if len(_DOLLAR.findall(text)) % 2 == 0 else text
    prepared = _HREF.sub(r"\2 (\1)", prepared)
    prepared = _URL.sub(lambda m: m.group(1).replace("%", "\\%").replace("_", "\\_"), prepared)
    prepared = _UNESCAPED.sub(r"\\\1", prepared)
    if len(_DOLLAR.findall(prepared)) % 2:
        prepared = _DOLLAR.sub(r"\\$", prepared)
    out = _by_islands(prepared)
    if out is None:  # markup the island scan cannot delimit: the whole text through pylatexenc
        out = _convert(prepared)
    out = out.replace("\xa0", " ").replace("<cit.>", "").replace("<ref>", "?")
    out = _SPACE_BEFORE_SCRIPT.sub("", out)
    if len(out.strip()) < 0.5 * len(_MARKUP.sub("", text).strip()):
        out = re.sub(r"(?<!\\)[{}]", "", _FORMAT_MACRO.sub(r"\1", text))
    return out


# LaTeX "islands" in otherwise plain text: math, a macro with its arguments, an accent or
# escape, a brace group (three levels of nesting). Converting only these, each once (cached),
# makes a 2,000-character abstract with a few macros cost microseconds instead of the ~30 ms
# pylatexenc needs to tokenise all of it; the output is the same.
_GROUP = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"
_ISLAND = re.compile(
    r"\$\$.+?\$\$|(?<!\\)\$[^$]*\$|\\\(.+?\\\)|\\\[.+?\\\]"
    rf"|\\[A-Za-z]+\*?(?:\s*\[[^\[\]]*\])?(?:\s*{_GROUP})*"
    r"|\\[^A-Za-z\s](?:\s*\{[^{}]*\}|[A-Za-z])?"
    rf"|{_GROUP}",
    re.S,
)
_PLAIN_TEX = (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("~", " "))


def _by_islands(prepared: str) -> str | None:
    out = []
    last = 0
    for m in _ISLAND.finditer(prepared):
        out.append(_plain(prepared[last : m.start()]))
        out.append(_convert(m.group(0)))
        last = m.end()
    out.append(_plain(prepared[last:]))
    if any(c in piece for piece in out[::2] for c in "\\{}$"):
        return None
    return "".join(out)


def _plain(text: str) -> str:
    for tex, uni in _PLAIN_TEX:
        if tex in text:
            text = text.replace(tex, uni)
    return text


@lru_cache(maxsize=4096)
def _convert(latex: str) -> str:
    try:
        return _latex2text().latex_to_text(latex)
    except Exception:  # pylatexenc raises assorted errors on malformed input
        return ""


_MATH = re.compile(r"(?<!\\)\$([^$]+)\$|\\\((.+?)\\\)")
_DEGREE = re.compile(r"\^\s*\{?\\circ\}?")
_SCRIPT = re.compile(r"([_^])\s*(?:\{([^{}]*)\}|(\\?[A-Za-z0-9+\-=()]))")
_SUPER = str.maketrans("0123456789+-=()niaeoxhijklmnoprstuvwy", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵉᵒˣʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷʸ")
_SUB = str.maketrans("0123456789+-=()aeoxhiklmnprstjuv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕᵢₖₗₘₙₚᵣₛₜⱼᵤᵥ")
_SCRIPT_CHARS = "\u2070-\u209c\u00b9\u00b2\u00b3\u1d2c-\u1d6a\u02b0-\u02b8\u02e1-\u02e3\u2c7c"
_SPACE_BEFORE_SCRIPT = re.compile(f"(?<=[^\\s]) (?=[{_SCRIPT_CHARS}])")
_MACRO_BEFORE_SCRIPT = re.compile(r"(\\[A-Za-z]+)(?=\s*[_^])")
_SUPER_OK = set("0123456789+-=()niaeoxhijklmnoprstuvwy")
_SUB_OK = set("0123456789+-=()aeoxhiklmnprstjuv")


def _math_scripts(m: re.Match[str]) -> str:
    """Sub- and superscripts inside math as Unicode ("x^2" → "x²", "360^\\circ" → "360°", "H_2O" → "H₂O").

    A script that has no Unicode form keeps its grouping in parentheses ("x_{ij+k}" → "x_(ij+k)")
    instead of losing its braces.
    """
    body = m.group(1) if m.group(1) is not None else m.group(2)
    body = _DEGREE.sub("°", body)

    def script(s: re.Match[str]) -> str:
        kind, group = s.group(1), s.group(2) if s.group(2) is not None else s.group(3)
        plain = group.replace(" ", "")
        ok, table = (_SUPER_OK, _SUPER) if kind == "^" else (_SUB_OK, _SUB)
        if plain and set(plain) <= ok:
            return plain.translate(table)
        return f"{kind}({group})" if len(plain) > 1 else f"{kind}{group}"

    body = _SCRIPT.sub(script, _MACRO_BEFORE_SCRIPT.sub(r"\1 ", body))
    return f"${body}$" if _LATEX_HINT.search(body) or "\\" in body else body


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


_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or over per the to up via vs with "
    "und der die das für von zu mit im".split()
)
_WORD = re.compile(r"[^\W_][\w'’]*", re.UNICODE)
_VOWELS = frozenset("aeiouyäöüáéíóúàèìòùâêîôûAEIOUYÄÖÜ")


def is_shouting(text: str) -> bool:
    """True when a title (or name) is written in capitals, as some repository exports do."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return len(cased) >= 8 and sum(c.isupper() for c in cased) >= 0.9 * len(cased)


def title_case(text: str, *, keep: tuple[str, ...] = (), context: str = "") -> str:
    """An all-caps title in title case, keeping acronyms.

    A word stays as written when the raw title protected it with braces (``keep``), when
    ``context`` (the abstract) writes it with two or more capitals ("CNNs", "MRI"), or when it
    looks like an acronym (digits, or no vowels: "DNN", "GPT4"). Small words are lowercase
    except at the start and after a colon.
    """
    spelled = {w.casefold(): w for w in _WORD.findall(context) if sum(c.isupper() for c in w) >= 2}
    protected = {w.casefold() for k in keep for w in _WORD.findall(k)}
    out: list[str] = []
    last = 0
    start = True
    for m in _WORD.finditer(text):
        word = m.group(0)
        between = text[last : m.start()]
        out.append(between)
        last = m.end()
        folded = word.casefold()
        if folded in protected:
            new = word
        elif folded in spelled:
            new = spelled[folded]
        elif any(c.isdigit() for c in word) or (len(word) > 1 and not _VOWELS.intersection(word)):
            new = word
        elif folded in _SMALL_WORDS and not start and not between.rstrip().endswith((":", "—", "-", "?")):
            new = folded
        else:
            new = word[:1].upper() + word[1:].lower()
        out.append(new)
        start = False
    out.append(text[last:])
    return "".join(out)


def titles_disagree(a: str, b: str) -> bool:
    """Clearly different titles (not a subtitle added, a typo fixed or the case changed)."""
    x, y = normalize_title(a), normalize_title(b)
    if not x or not y or x == y or x in y or y in x:
        return False
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() < 0.6
