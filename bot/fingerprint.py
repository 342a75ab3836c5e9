"""Has anything ``check`` reads changed since the last successful check?

A scheduled check of lab files nobody edited should cost almost nothing. After a check that
committed without an error, ``check`` records in the store's kv table what it read:

- per file source, key ``source-fingerprint:<name>``: path, size, mtime_ns and SHA-256;
- key ``check-fingerprint``: everything else the stored result depends on: the roster file (the
  same fingerprint), the config's ``[[sources]]``, ``[venues]`` and ``[roster]`` tables as
  validated (``tables``), the config file's bytes, the store's path, and paperbot's code and
  installed libraries (``code``), plus when that check ran and its warnings and skipped counts,
  which an unchanged check reports again.

The next check reads, parses, matches and writes **nothing** when every one of these is
unchanged. If any one changed, every source is read again as before: records of one paper in
two files are merged across files, so reading only the changed file could flip such a paper.

A file is unchanged when its size and mtime_ns equal the recorded ones; when only the mtime
differs (touched, saved again, checked out again) its SHA-256 decides. A fingerprint taken
less than ``RACY_NS`` after the file's last change is never trusted by size and mtime alone
(a change within the file system's timestamp tick can keep both): such a file is hashed each
time. Each fingerprint is taken *before* the file is read, and a source's fingerprint is kept
only if size and mtime are the same after reading, so a record never claims content newer than
what was stored.

This module imports nothing heavy: ``paperbot check`` calls ``quick_check`` before validating
the config (pydantic) or importing the parsers, so an unchanged check costs a few stat calls,
one small TOML file and one read-only look into the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CHECK_KEY = "check-fingerprint"
FORMAT = 1  # of the recorded fingerprints; another value is never taken as "unchanged"
RACY_NS = 2_000_000_000  # a file changed this shortly before it was fingerprinted is always hashed
DEFAULT_STORE = "state/paperbot.db"  # bot.config.StoreConfig.path; a mismatch only costs a full check

Fingerprint = dict[str, Any]


def source_key(name: str) -> str:
    return f"source-fingerprint:{name}"


def file_fingerprint(
    path: Path | str,
    previous: Mapping[str, Any] | None = None,
    *,
    max_bytes: int | None = None,
    hash_if_resized: bool = True,
) -> Fingerprint | None:
    """Path, size, mtime_ns and SHA-256 of a regular file; None if missing, not regular or too large.

    The SHA-256 of ``previous`` is reused, without reading the file, when path, size and mtime_ns
    are the previous ones and ``previous`` was not taken right after a change. With
    ``hash_if_resized=False`` a file whose size differs from ``previous`` is not read at all
    (its ``sha256`` is None: it has changed, whatever its bytes).
    """
    path = str(path)
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or (max_bytes is not None and st.st_size > max_bytes):
        return None
    # The file system's clock, not the app's: what matters is how close to its last change we looked.
    fp: Fingerprint = {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "seen_ns": time.time_ns()}
    if previous and previous.get("path") == path and previous.get("size") == st.st_size:
        if previous.get("mtime_ns") == st.st_mtime_ns and not racy(previous) and previous.get("sha256"):
            fp["sha256"] = previous["sha256"]
            return fp
    elif previous and not hash_if_resized:
        fp["sha256"] = None
        return fp
    return _hashed(path, fp, max_bytes)


def _hashed(path: str, fp: Fingerprint, max_bytes: int | None) -> Fingerprint | None:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)  # the file hashed is the file described
        if not stat.S_ISREG(st.st_mode) or (max_bytes is not None and st.st_size > max_bytes):
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)
    return {**fp, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}


def racy(fp: Mapping[str, Any]) -> bool:
    """Taken so soon after the file's last change that a same-size change could keep its mtime."""
    return int(fp.get("seen_ns") or 0) - int(fp.get("mtime_ns") or 0) < RACY_NS


def same_content(current: Mapping[str, Any] | None, previous: Mapping[str, Any] | None) -> bool:
    """Both fingerprints describe the same bytes at the same path."""
    if not current or not previous or not current.get("sha256"):
        return False
    return all(current.get(k) == previous.get(k) for k in ("path", "size", "sha256"))


def same_stat(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """No change between two looks at one file (read in between)."""
    if not a or not b:
        return False
    return all(a.get(k) == b.get(k) for k in ("path", "size", "mtime_ns"))


def code_fingerprint() -> str:
    """paperbot's own files (size and mtime) and the installed distributions (name and version).

    An upgrade of paperbot or of a parser library changes what a file yields, so the next check
    reads everything again.
    """
    h = hashlib.sha256(sys.version.encode())
    root = Path(__file__).resolve().parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".toml")):
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                h.update(f"{os.path.relpath(full, root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            h.update("\n".join(sorted(n for n in os.listdir(entry) if n.endswith(".dist-info"))).encode())
    return h.hexdigest()


def config_tables(config: Any) -> str:
    """SHA-256 of the validated config's ``[[sources]]``, ``[venues]`` and ``[roster]`` tables."""
    data = {
        "sources": [s.model_dump(mode="json") for s in config.sources],
        "venues": {k: v.model_dump(mode="json") for k, v in config.venues.items()},
        "roster": config.roster.model_dump(mode="json") if config.roster else None,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def check_inputs(config: Any, config_path: Path, config_fp: Fingerprint | None) -> Fingerprint:
    """What a check's result depends on besides its sources; take it before the roster is read.

    ``config_fp`` is the config file's fingerprint taken before the config was loaded (kept only
    if it is of the file that was loaded).
    """
    if config_fp and config_fp.get("path") != str(Path(config_path).resolve()):
        config_fp = None
    return {
        "format": FORMAT,
        "code": code_fingerprint(),
        "tables": config_tables(config),
        "config": config_fp,
        "store": str(config.store.path),
        "roster": file_fingerprint(config.roster.path) if config.roster else None,
    }


def inputs_unchanged(record: Mapping[str, Any] | None, inputs: Mapping[str, Any], names: list[str]) -> bool:
    """The last successful check had these inputs (the roster compared by content) and sources."""
    if not isinstance(record, Mapping) or record.get("format") != FORMAT or record.get("sources") != names:
        return False
    if any(record.get(k) != inputs.get(k) for k in ("code", "tables", "store")):
        return False
    if record.get("roster") is None or inputs.get("roster") is None:
        return record.get("roster") is None and inputs.get("roster") is None and "roster" in record
    return same_content(inputs["roster"], record["roster"])


def load_json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


# --- the quick path of `paperbot check` ---------------------------------------------------


def config_fingerprint(path: Path | str) -> Fingerprint | None:
    """The config file's fingerprint, always hashed (it is small and read anyway)."""
    return file_fingerprint(Path(path).resolve(), max_bytes=1_000_000)


def quick_check(config_fp: Fingerprint | None) -> Fingerprint | None:
    """The last check's record if nothing it read has changed since; None to check in full.

    ``config_fp``: the config file's fingerprint (``config_fingerprint``). The config is read as
    plain TOML, only to find the store and the files; its bytes must equal those of the last
    check recorded, so it was valid then, and its paths must still lead to the files recorded
    (a symbolic link may have been moved). Anything unexpected gives None: the full check then
    decides, and reports whatever is wrong.
    """
    if not config_fp:
        return None
    try:
        import tomllib

        from .store import Store

        with open(config_fp["path"], "rb") as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() != config_fp["sha256"]:
            return None  # changed since it was fingerprinted a moment ago
        raw = tomllib.loads(data.decode("utf-8"))
        base = Path(config_fp["path"]).parent
        store_path = _resolve(base, raw.get("store", {}).get("path", DEFAULT_STORE))
        if not store_path.is_file():
            return None
        with Store(store_path, readonly=True) as store:
            record = load_json(store.get_kv(CHECK_KEY))
            if not isinstance(record, dict) or record.get("format") != FORMAT or "roster" not in record:
                return None
            if record.get("store") != str(store_path) or not same_content(config_fp, record.get("config")):
                return None
            files = [load_json(store.get_kv(source_key(name))) for name in record.get("sources", [])]
        if record.get("code") != code_fingerprint():
            return None
        paths = [str(_resolve(base, s["path"])) for s in raw.get("sources", [])]
        if record["roster"] is not None:
            files.append(record["roster"])
            paths.append(str(_resolve(base, raw["roster"]["path"])))
        if [fp.get("path") if isinstance(fp, dict) else None for fp in files] != paths:
            return None
        for fp in files:
            if not same_content(file_fingerprint(fp["path"], fp, hash_if_resized=False), fp):
                return None
        return record
    except Exception:  # noqa: BLE001 - the full check decides, and reports whatever this is
        return None


def _resolve(base: Path, given: Any) -> Path:
    """A path from the config as ``bot.config`` resolves it (relative to the config's folder)."""
    if not isinstance(given, str):
        raise TypeError(f"not a path: {given!r}")
    p = Path(given)
    return p if p.is_absolute() else (base / p.expanduser()).resolve()
