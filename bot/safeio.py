"""Reading user-supplied files without letting one bad file hang, exhaust or crash the bot.

Every file paperbot reads on the user's behalf (config, roster, lab paper lists) goes through
here: only regular files are opened (a FIFO or a device could block forever or never end),
sizes are capped, text must be UTF-8 and not binary, and YAML is refused when its aliases
expand into an "alias bomb" or it nests deeper than any paper list needs. Every refusal is an
``InputError`` whose message names the file and says what to do; callers turn it into their
own error (``ConfigError`` for config and roster, a failed source for paper lists).
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Any

__all__ = ["InputError", "MissingFileError", "decode_text", "load_yaml", "read_text_limited", "yaml_loader"]

_CHUNK = 1 << 20


class InputError(Exception):
    """A file that cannot be used as it is; ``str(exc)`` is the user-facing message.

    ``source`` is the file as named in the message and ``reason`` the message without it,
    for callers that print the file name themselves.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class MissingFileError(InputError):
    """The file (or a folder on its path) does not exist."""


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} kB"
    return f"{n} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_text_limited(path: Path, *, max_bytes: int, what: str = "file", stray_nul: bool = False) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes, decoded as UTF-8 (BOM removed).

    ``stray_nul``: a few NUL bytes are left to the caller (a paper list reports the one record
    that has one); a file that is more than 1 % NUL is still refused as binary.

    Raises InputError for a missing, unreadable, non-regular, oversized, binary or non-UTF-8
    file. Never blocks on a FIFO or device, even one swapped in after the first check.
    """
    source = str(path)
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise MissingFileError(source, f"{what} not found") from None
    except OSError as exc:
        raise InputError(source, f"cannot read the {what}: {exc.strerror or exc}") from None
    _check_stat(source, st, max_bytes, what)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        raise MissingFileError(source, f"{what} not found") from None
    except OSError as exc:
        raise InputError(source, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        _check_stat(source, os.fstat(fd), max_bytes, what)  # the file opened is the file checked
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(_CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise InputError(source, f"cannot read the {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise InputError(source, f"the {what} grew beyond the limit of {_size(max_bytes)} while being read")
    return decode_text(data, source=source, what=what, stray_nul=stray_nul)


def _check_stat(source: str, st: os.stat_result, max_bytes: int, what: str) -> None:
    kind = _kind(st.st_mode)
    if kind is not None:
        raise InputError(source, f"is {kind}, not a regular file; point paperbot at the {what} itself")
    if st.st_size > max_bytes:
        raise InputError(
            source,
            f"the {what} is {_size(st.st_size)}, above the limit of {_size(max_bytes)}; "
            "split it, or raise the limit if it really is that large",
        )


def decode_text(data: bytes, *, source: str, what: str = "file", stray_nul: bool = False) -> str:
    """``data`` as text: UTF-8 with an optional BOM; binary, UTF-16 and invalid UTF-8 are refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        raise InputError(source, f"the {what} is UTF-16 text; re-save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0 and (not stray_nul or data.count(b"\x00") * 100 > len(data)):
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(
            source,
            f"looks like a binary file, not text (a NUL byte at byte {nul}, line {line}); "
            f"is this the right {what}? It must be UTF-8 text",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            source,
            f"not valid UTF-8 at byte {exc.start} (line {line}, column {column}, byte "
            f"0x{data[exc.start]:02x}); re-save the {what} as UTF-8 (in most editors: "
            "'Save with encoding' → UTF-8)",
        ) from None


# --- YAML -------------------------------------------------------------------------------

_LOADER: type | None = None


def yaml_loader() -> type:
    """A safe loader that keeps dates as text, so one bad date cannot fail the whole file.

    libyaml's parser when PyYAML has it (its wheels do): the pure-Python one takes seconds per
    thousand papers.
    """
    global _LOADER
    if _LOADER is None:
        import yaml

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            pass

        Loader.yaml_implicit_resolvers = {
            ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        _LOADER = Loader
    return _LOADER


def load_yaml(text: str, *, source: str, max_nodes: int = 1_000_000, max_depth: int = 100) -> tuple[Any, Any]:
    """Parse one YAML document safely: ``(data, root_node)``, both None for an empty document.

    Nodes carry ``start_mark.line`` (0-based) for messages. Dates stay strings. Refused with
    InputError naming ``source`` and the line: syntax errors, more than one document, aliases
    that refer to themselves or expand to more than ``max_nodes`` nodes (an alias bomb), and
    collections nested deeper than ``max_depth``.
    """
    import yaml

    loader = yaml_loader()(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_graph(root, source=source, max_nodes=max_nodes, max_depth=max_depth)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        raise InputError(source, _describe_yaml_error(exc, max_depth)) from None
    except yaml.YAMLError as exc:
        raise InputError(source, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise InputError(
            source, f"YAML nested too deeply (a paper list needs far fewer than {max_depth} levels)"
        ) from None
    except MemoryError:
        raise InputError(source, "YAML too large to load into memory") from None
    finally:
        loader.dispose()
    return data, root


def _describe_yaml_error(exc: Any, max_depth: int) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = " ".join(str(exc.problem or "").split())
    if "maximum nesting depth" in problem:  # libyaml's own cap (1000 levels)
        return f"YAML nested too deeply{where} (more than {max_depth} levels); a paper list needs only a few"
    context = " ".join(str(exc.context or "").split())
    detail = "; ".join(p for p in (context, problem) if p) or str(exc)
    return f"not valid YAML{where}: {detail}"


def _where(node: Any) -> str:
    mark = getattr(node, "start_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _check_graph(root: Any, *, source: str, max_nodes: int, max_depth: int) -> None:
    """Refuse alias bombs, self-referring aliases and deep nesting in a composed node graph.

    The composer shares one node for an anchor and all its aliases, so the graph is as small as
    the text; what explodes is every consumer that walks it as a tree. This walks it once
    (iteratively, in document order: the first time a node is met is its anchor, every later
    time an alias) and adds up, from memoised subtree sizes, how many nodes the aliases stand
    for, stopping as soon as that passes ``max_nodes``.
    """
    import yaml

    size: dict[int, int] = {}  # id(node) -> nodes in its subtree, aliases expanded
    height: dict[int, int] = {}  # id(node) -> collections nested inside it, itself included
    open_: set[int] = set()  # nodes whose subtree is being walked (an alias to one is a cycle)
    via_aliases = 0

    def children(node: Any) -> list[Any]:
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        return []

    # frames: [node, children, next child index, depth of node, size so far, tallest child]
    stack: list[list[Any]] = []

    def enter(node: Any, depth: int) -> None:
        if isinstance(node, yaml.ScalarNode):
            size[id(node)] = 1
            height[id(node)] = 0
            return
        depth += 1
        if depth > max_depth:
            raise InputError(
                source, f"YAML nested too deeply{_where(node)} (more than {max_depth} levels); a paper list needs a few"
            )
        open_.add(id(node))
        stack.append([node, children(node), 0, depth, 1, 0])

    def seen(node: Any, depth: int) -> tuple[int, int]:
        nonlocal via_aliases
        key = id(node)
        if key in open_:
            raise InputError(source, f"a YAML alias{_where(node)} refers to the node that contains it")
        if depth + height[key] > max_depth:
            raise InputError(
                source, f"YAML nested too deeply{_where(node)} (more than {max_depth} levels); a paper list needs a few"
            )
        via_aliases += size[key]
        if via_aliases > max_nodes:
            raise InputError(
                source,
                f"YAML aliases expand to more than {max_nodes:,} nodes (an alias bomb?); "
                "write the values out instead of repeating '*' aliases",
            )
        return size[key], height[key]

    enter(root, 0)
    while stack:
        frame = stack[-1]
        node, kids, index, depth = frame[0], frame[1], frame[2], frame[3]
        if index < len(kids):
            frame[2] = index + 1
            child = kids[index]
            key = id(child)
            if key in size or key in open_:
                child_size, child_height = seen(child, depth)
                frame[4] += child_size
                frame[5] = max(frame[5], child_height)
            elif isinstance(child, yaml.ScalarNode):
                size[key], height[key] = 1, 0
                frame[4] += 1
            else:
                enter(child, depth)
            continue
        stack.pop()
        key = id(node)
        open_.discard(key)
        size[key] = frame[4]
        height[key] = frame[5] + 1
        if stack:
            parent = stack[-1]
            parent[4] += frame[4]
            parent[5] = max(parent[5], height[key])
