"""Log lines: a timestamp and a level on each, human-readable or one JSON object per line.

``setup(verbosity, fmt)`` is called once per command by the CLI (``-v``/``-q``/``--log-format``):

- verbosity -1 (``-q``): errors only; 0: warnings and errors (``paperbot daemon``: also its
  INFO lines, what ran when); 1 (``-v``): every step.
- ``text``: ``2026-01-05T09:00:00+0000 WARNING paperbot.publish: …``;
  ``json``: ``{"time": …, "level": …, "logger": …, "message": …[, "exception": …]}``.

Secrets never reach a log line: records are redacted as they are created
(``redact.install_log_redaction``) and each formatted line is redacted once more, traceback
included, so a record made before the App registered its secrets is covered too.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from .redact import install_log_redaction, redact

FORMATS = ("text", "json")
_MARK = "_paperbot_handler"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (a test runner swaps it per command)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info or record.exc_text:
            line += "\n" + (record.exc_text or self.formatException(record.exc_info))  # type: ignore[arg-type]
        return redact(line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info or record.exc_text:
            data["exception"] = redact(record.exc_text or self.formatException(record.exc_info))  # type: ignore[arg-type]
        return json.dumps(data, ensure_ascii=False)


def setup(verbosity: int = 0, fmt: str = "text", *, daemon: bool = False) -> logging.Handler:
    """Install (or replace) paperbot's one stderr handler on the root logger."""
    install_log_redaction()
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, _MARK, False):
            root.removeHandler(h)
    handler = _Stderr()
    setattr(handler, _MARK, True)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    if verbosity < 0:
        handler.setLevel(logging.ERROR)
    elif verbosity > 0 or daemon:
        handler.setLevel(logging.INFO)
        root.setLevel(min(root.level or logging.WARNING, logging.INFO))
        logging.getLogger("paperbot").setLevel(logging.INFO)
    else:
        handler.setLevel(logging.WARNING)
    root.addHandler(handler)
    return handler
