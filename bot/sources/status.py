"""Is a BibTeX entry an accepted paper? The rule paperbot announces by (see README "What gets announced").

An entry is announced only when its *type* is a paper type (article, inproceedings,
conference, incollection, inbook), its container (journal / booktitle) is a venue and not a
preprint server or a patent office, and nothing in its status fields says otherwise:

1. rejected / withdrawn / desk reject / retracted anywhere in the status fields → rejected or
   withdrawn (a paper that turns so before it is announced leaves every queue);
2. accepted / to appear / forthcoming / in press / camera-ready / published → accepted;
3. submitted / under review / in preparation / preprint / manuscript / … → not yet (skipped);
4. nothing said → the entry's type and venue decide: a paper at a venue is published.

Status fields: note, pubstate, pubstatus, status, keywords (whole keywords only), annote,
annotation, howpublished, addendum.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PAPER_TYPES = {"article", "inproceedings", "conference", "incollection", "inbook"}
THESIS_TYPES = {"phdthesis", "mastersthesis", "thesis", "bachelorsthesis"}
STATUS_FIELDS = ("note", "pubstate", "pubstatus", "status", "annote", "annotation", "howpublished", "addendum")

_REJECTED = re.compile(r"\b(?:rejected|desk[- ]?reject(?:ed|ion)?|not accepted)\b", re.I)
_WITHDRAWN = re.compile(r"\b(?:withdrawn|retracted)\b", re.I)
_ACCEPTED = re.compile(
    r"\b(?:accepted|to appear|to be published|forthcoming|in ?press|camera[- ]ready|published|"
    r"conditionally accepted)\b",
    re.I,
)
_PENDING = re.compile(
    r"\b(?:submitted|under (?:review|submission|revision)|in review|in preparation|in prep\.?|"
    r"prepublished|preprint|pre-print|manuscript|working paper|draft|revise and resubmit|"
    r"major revision|minor revision|unpublished)\b",
    re.I,
)
_PENDING_CONTAINER = re.compile(
    r"^\s*(?:submitted|under review|in review|in preparation|to be submitted|under revision)\b", re.I
)
_REPORT_CONTAINER = re.compile(
    r"\b(?:technical\s+report|tech\.?\s+rep(?:ort)?\.?|research\s+report|working\s+papers?|white\s*paper)\b", re.I
)
_PATENT = re.compile(r"\bpatent", re.I)
_TALK = re.compile(r"\b(?:talk|keynote|invited (?:talk|lecture)|tutorial|slides|seminar|lecture)\b", re.I)
PREPRINT_CONTAINER = re.compile(
    r"^\s*(?:arxiv|corr|biorxiv|medrxiv|chemrxiv|techrxiv|psyarxiv|socarxiv|edarxiv|eartharxiv|ssrn|"
    r"research square|preprints(?:\.org)?|osf preprints|authorea|openreview(?:\.net)?|hal|zenodo|"
    r"arxiv preprint|arxiv e-?prints?|ssrn electronic journal|cold spring harbor laboratory)\b"
    r"|\barxiv:\s*\d{4}\.\d{4,5}|\babs/\d{4}\.\d{4,5}|\bpreprint\b|\be-?prints?\b",
    re.I,
)


@dataclass(frozen=True)
class Verdict:
    status: str  # accepted | published | rejected | withdrawn | skip
    reason: str = ""  # why it is skipped: preprint, submitted, thesis, patent, talk, misc, …


def _keywords(value: str) -> list[str]:
    return [k.strip() for k in re.split(r"[,;]", value) if k.strip()]


def bib_verdict(entry_type: str, fields: Mapping[str, str], container: str) -> Verdict:
    """What an entry is, from its type, container and status fields (values already plain text)."""
    text = " | ".join(str(fields.get(k) or "") for k in STATUS_FIELDS)
    keywords = _keywords(str(fields.get("keywords") or ""))
    kw_text = " | ".join(
        k
        for k in keywords
        if _REJECTED.fullmatch(k) or _WITHDRAWN.fullmatch(k) or _ACCEPTED.fullmatch(k) or _PENDING.fullmatch(k)
    )
    said = f"{text} | {kw_text}"
    if entry_type == "patent" or _PATENT.search(" ".join((container, str(fields.get("publisher") or ""), said))):
        return Verdict("skip", "patent")
    if entry_type in THESIS_TYPES:
        return Verdict("skip", "thesis")
    if _WITHDRAWN.search(said):
        return Verdict("withdrawn")
    if _REJECTED.search(said):
        return Verdict("rejected")
    accepted = bool(_ACCEPTED.search(said))
    if entry_type not in PAPER_TYPES:
        if _TALK.search(" ".join((said, str(fields.get("type") or ""), entry_type))):
            return Verdict("skip", "talk")
        if PREPRINT_CONTAINER.search(container) or fields.get("eprint") or fields.get("archiveprefix"):
            return Verdict("skip", "preprint")
        return Verdict("skip", "misc")
    if container and PREPRINT_CONTAINER.search(container):
        return Verdict("skip", "preprint")
    if _PENDING_CONTAINER.match(container):  # journal = {submitted to WASPAA}
        return Verdict("skip", "submitted")
    if _REPORT_CONTAINER.search(container):  # journal = {UCLA Technical Report: TR-070020}
        return Verdict("skip", "misc")
    if _PENDING.search(said) and not accepted:
        return Verdict("skip", "preprint" if re.search(r"pre-?print|prepublished", said, re.I) else "submitted")
    if not container:
        return Verdict("skip", "no_venue")
    return Verdict("accepted" if accepted else "published")
