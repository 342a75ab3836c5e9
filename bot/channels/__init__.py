"""Channels: where messages go. Each translates its library's errors into one ``Outcome``.

The publisher decides what to do with an outcome (retry with the same idempotency key,
wait, record a failure, stop the channel), so the policy lives in one place and every
channel reports in the same terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["sent", "retry", "wait", "failed", "uncertain", "stop", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What happened to one send.

    sent       delivered (or queued by the provider); ``remote_id``/``remote_url`` set
    retry      not delivered, and safe to try again now (network refused, 5xx with an idempotency key)
    wait       rate limited: try again at ``retry_at`` (epoch seconds)
    failed     rejected for good (e.g. 422 validation): record ``error`` and go on
    uncertain  may or may not have been delivered (timeout after sending, no idempotency)
    stop       the channel cannot work (401/403, bad credentials): stop it for this run
    skipped    (the publisher's own) another run claimed the message first: nothing was sent
    """

    status: Status
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None
    retry_at: float | None = None


__all__ = ["Outcome", "Status"]
