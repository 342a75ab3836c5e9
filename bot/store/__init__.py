"""The state store: SQLite with WAL, append-only migrations, one transaction per change.

It remembers every paper and venue event ever seen, when each was first seen and first seen
accepted, and per (paper, venue event, channel) whether it was announced. Nothing is ever
deleted, so a bad run can only add or update, never lose what was known.

``Store`` is the one object callers use. Each concern lives in its own module, as a mixin that
uses only the connection (``db``), ``transaction()`` and ``now()`` of ``Database``:

- ``db.py``: the file, the connection, transactions, running the migrations, damage and busy errors;
- ``migrations.py``: the schema, append-only;
- ``papers.py``: papers and venue events (identity, merging, withdrawal, renamed venues);
- ``announcements.py``: the one order, what is due and listed, what went out, the baseline;
- ``outbox.py``: messages recorded before they are sent, claims and their states;
- ``digests.py``: e-mail digests, their batches and SMTP recipients;
- ``subscribers.py``: the digest's subscribers;
- ``runs.py``: source state, kv settings, the per-channel publishing lock;
- ``jobs.py``: the daemon's job runs and its lease (one daemon per store);
- ``review.py``: the review queue (``[publishing] mode = "review"``);
- ``health.py``: channels paused for refused credentials, and how often a job failed in a row.

Timestamps are ISO 8601 UTC strings from the injected clock.
"""

from __future__ import annotations

from ..errors import ConfigError, StoreError
from .announcements import AnnouncementsMixin, announcement_order
from .db import (
    APPLICATION_ID,
    BUSY_NOTICE,
    SQLITE_HEADER,
    Clock,
    Database,
    describe_sqlite_error,
    utc_now,
)
from .digests import DigestsMixin
from .health import HealthMixin
from .jobs import JobsMixin
from .migrations import MIGRATIONS, migration
from .outbox import OutboxMixin, OutboxRow
from .papers import PapersMixin, UpsertResult, content_hash, new_paper_id, paper_keys
from .review import ReviewMixin, ReviewRow
from .runs import RunsMixin
from .subscribers import SubscribersMixin

__all__ = [
    "APPLICATION_ID",
    "BUSY_NOTICE",
    "MIGRATIONS",
    "SQLITE_HEADER",
    "Clock",
    "ConfigError",
    "OutboxRow",
    "ReviewRow",
    "Store",
    "StoreError",
    "UpsertResult",
    "announcement_order",
    "content_hash",
    "describe_sqlite_error",
    "migration",
    "new_paper_id",
    "paper_keys",
    "utc_now",
]


class Store(
    PapersMixin,
    AnnouncementsMixin,
    OutboxMixin,
    DigestsMixin,
    SubscribersMixin,
    RunsMixin,
    JobsMixin,
    ReviewMixin,
    HealthMixin,
    Database,
):
    """All persistent state. Safe against a crash at any point: every change is one transaction."""
