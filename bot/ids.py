"""Paper identifiers in canonical form: the keys de-duplication and announcements rest on.

v1 and v2 of an arXiv paper are one paper, ``https://doi.org/10.X`` and ``doi:10.x`` one
DOI, and an arXiv DOI (10.48550/arXiv.…) is an arXiv id, so every spelling is reduced to
one form here before anything is compared or stored.
"""

from __future__ import annotations

import re

_ARXIV_NEW = re.compile(r"(?<!\d)(?<!\d\.)(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z][a-z.\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
_ARXIV_CORR = re.compile(r"abs-(\d{4})-(\d{4,5})")
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_OPENREVIEW = re.compile(r"^[A-Za-z0-9_\-]{6,}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)


def arxiv_id(value: str) -> str:
    """The versionless arXiv id in ``value`` (an id, abs/pdf URL, "arXiv:" form or arXiv DOI).

    Raises ValueError when there is none.
    """
    text = value.strip()
    m = _ARXIV_NEW.search(text) or _ARXIV_OLD.search(text)
    if m:
        return m.group(1)
    m = _ARXIV_CORR.search(text)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    raise ValueError(f"not an arXiv id: {value!r} (expected e.g. 2405.01234 or https://arxiv.org/abs/2405.01234)")


def doi(value: str) -> str:
    """A DOI lowercased, without "doi:" or resolver prefixes. Raises ValueError when there is none."""
    text = value.strip()
    m = _DOI.search(text)
    if not m:
        raise ValueError(f"not a DOI: {value!r} (expected e.g. 10.1145/3726302.3729907)")
    return m.group(1).rstrip(".,;").lower()


def arxiv_from_doi(value: str) -> str | None:
    """The arXiv id behind an arXiv DOI (10.48550/arXiv.2405.01234), else None."""
    return arxiv_id(value) if value.lower().startswith("10.48550/arxiv.") else None


def openreview_id(value: str) -> str:
    """The forum id from an OpenReview id or URL."""
    text = value.strip()
    m = re.search(r"[?&]id=([A-Za-z0-9_\-]+)", text)
    if m:
        return m.group(1)
    if _OPENREVIEW.match(text):
        return text
    raise ValueError(f"not an OpenReview id: {value!r} (expected e.g. aVh9KRZdRk or a forum URL)")


def url(value: str) -> str:
    """An http(s) URL, stripped; raises ValueError otherwise."""
    text = value.strip()
    if not _URL.match(text):
        raise ValueError(f"not an http(s) URL: {value!r}")
    return text


def arxiv_abs_url(arxiv: str) -> str:
    return f"https://arxiv.org/abs/{arxiv}"


def arxiv_pdf_url(arxiv: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv}"


def doi_url(d: str) -> str:
    return f"https://doi.org/{d}"


def openreview_url(forum: str) -> str:
    return f"https://openreview.net/forum?id={forum}"
