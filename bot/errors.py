"""paperbot's exceptions.

BotError
├── ConfigError        bad or missing configuration: exit code 2
│   └── StoreError     the state store is damaged, foreign, newer or busy: exit code 2
├── SourceError        a whole source could not be read (the others still run)
├── ComposeError       a template failed to load or render
└── ChannelError       a channel could not deliver; ``retryable`` says whether trying again may help
"""

from __future__ import annotations


class BotError(Exception):
    """An error meant to be shown to the user as it is (no traceback)."""


class ConfigError(BotError):
    """The configuration (or a file it names) is missing or invalid."""


class StoreError(ConfigError):
    """The state store cannot be used: damaged, not paperbot's, written by a newer paperbot, or
    locked by another process for longer than ``[store] busy_timeout`` (exit code 2)."""


class SourceError(BotError):
    """A source as a whole could not be read; nothing it would have given is trusted."""


class ComposeError(BotError):
    """A template could not be loaded or rendered."""


class ChannelError(BotError):
    """A channel failed to deliver a message."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
