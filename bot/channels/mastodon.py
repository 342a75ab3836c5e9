"""Mastodon via Mastodon.py: posts with a deterministic Idempotency-Key, errors as Outcomes.

``ratelimit_method="throw"`` so paperbot, not the library, decides how long to wait;
``version_check_mode="none"`` so constructing the client makes no request.
"""

from __future__ import annotations

from typing import Any

from ..compose import Limits
from . import Outcome


class MastodonChannel:
    name = "mastodon"

    def __init__(
        self,
        api_base_url: str,
        token: str,
        *,
        timeout: float,
        visibility: str,
        language: str | None,
        client: Any = None,
    ) -> None:
        from mastodon import Mastodon

        self.api = client or Mastodon(
            access_token=token,
            api_base_url=api_base_url.rstrip("/"),
            session=_session(api_base_url),
            ratelimit_method="throw",
            request_timeout=timeout,
            version_check_mode="none",
            user_agent="paperbot",
        )
        self.visibility = visibility
        self.language = language

    def instance_limits(self) -> Limits | None:
        """``max_characters`` and ``characters_reserved_per_url`` from ``GET /api/v2/instance``."""
        from mastodon import MastodonError

        try:
            info = self.api.instance_v2()
            statuses = info["configuration"]["statuses"]
            return Limits(int(statuses["max_characters"]), int(statuses["characters_reserved_per_url"]))
        except (MastodonError, KeyError, TypeError, ValueError):
            return None

    def post(self, text: str, *, key: str, spoiler_text: str = "", in_reply_to_id: str | None = None) -> Outcome:
        from mastodon import (
            MastodonAPIError,
            MastodonIllegalArgumentError,
            MastodonNetworkError,
            MastodonNotFoundError,
            MastodonRatelimitError,
            MastodonServerError,
            MastodonUnauthorizedError,
        )

        try:
            status = self.api.status_post(
                text,
                in_reply_to_id=in_reply_to_id,
                visibility=self.visibility,
                spoiler_text=spoiler_text or None,
                language=self.language,
                idempotency_key=key,
            )
        except MastodonRatelimitError:
            return Outcome(
                "wait",
                retry_at=float(getattr(self.api, "ratelimit_reset", 0) or 0),
                error="rate limited (429)",
            )
        except MastodonUnauthorizedError as exc:
            return Outcome("stop", error=f"the access token was rejected (401): {_server_text(exc)}")
        except MastodonNotFoundError as exc:
            return Outcome("failed", error=f"404: {_server_text(exc)} (the post replied to is gone?)")
        except MastodonServerError as exc:
            return Outcome("retry", error=f"server error {_status(exc)}: {_server_text(exc)}")
        except MastodonAPIError as exc:
            code = _status(exc)
            if code == 403:
                return Outcome("stop", error=f"not permitted (403): {_server_text(exc)}")
            return Outcome("failed", error=f"{code}: {_server_text(exc)}")
        except MastodonNetworkError as exc:
            return Outcome("retry", error=f"network error: {_short(exc)}")
        except MastodonIllegalArgumentError as exc:
            return Outcome("failed", error=f"invalid request: {exc}")
        return Outcome("sent", remote_id=str(status["id"]), remote_url=status.get("url") or status.get("uri"))


def _session(url: str) -> Any:
    """A requests session with the proxy settings resolved once, not re-read from the environment per call."""
    import requests

    session = requests.Session()
    settings = session.merge_environment_settings(url, {}, None, None, None)  # proxies, CA bundle
    session.proxies = settings["proxies"]
    session.verify = settings["verify"]
    session.trust_env = False
    return session


def _status(exc: Exception) -> int | None:
    args = getattr(exc, "args", ())
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _server_text(exc: Exception) -> str:
    args = getattr(exc, "args", ())
    return str(args[3]) if len(args) > 3 else _short(exc)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:300] + "…"
