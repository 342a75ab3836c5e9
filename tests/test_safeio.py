"""Reading user files safely: non-regular files, size limits, encodings and hostile YAML."""

import os
import sys
from pathlib import Path

import pytest
import yaml

from bot import safeio
from bot.safeio import InputError, MissingFileError, load_yaml, read_text_limited

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_reads_utf8_and_strips_a_bom(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_bytes("\ufefftitle: Müller\n".encode())
    assert read_text_limited(path, max_bytes=100) == "title: Müller\n"


def test_missing_file(tmp_path: Path):
    with pytest.raises(MissingFileError, match="roster file not found") as exc:
        read_text_limited(tmp_path / "nope.yaml", max_bytes=100, what="roster file")
    assert str(tmp_path / "nope.yaml") in str(exc.value) and isinstance(exc.value, InputError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_hanging(tmp_path: Path):
    fifo = tmp_path / "papers.yaml"
    os.mkfifo(fifo)  # nobody writes: opening it for reading would block forever
    with pytest.raises(InputError, match=r"named pipe \(FIFO\), not a regular file") as exc:
        read_text_limited(fifo, max_bytes=1000)
    assert exc.value.source == str(fifo)


def test_directory_is_refused(tmp_path: Path):
    with pytest.raises(InputError, match="is a directory, not a regular file"):
        read_text_limited(tmp_path, max_bytes=1000)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_character_device_is_refused(device):
    with pytest.raises(InputError, match="is a device"):
        read_text_limited(Path(device), max_bytes=1000)


def test_symlink_to_a_regular_file_is_read(tmp_path: Path):
    (tmp_path / "real.yaml").write_text("x: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_text_limited(tmp_path / "link.yaml", max_bytes=100) == "x: 1\n"


def test_oversize_is_refused(tmp_path: Path):
    path = tmp_path / "big.bib"
    path.write_bytes(b"x" * 2001)
    with pytest.raises(InputError, match=r"2\.0 kB, above the limit of 2\.0 kB"):
        read_text_limited(path, max_bytes=2000)
    assert len(read_text_limited(path, max_bytes=2001)) == 2001


def test_a_file_growing_after_the_check_is_cut_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "grows.csv"
    path.write_bytes(b"y" * 50)
    real_stat, real_fstat = os.stat, os.fstat

    def small(st: os.stat_result) -> os.stat_result:  # as if the file was 10 bytes when checked
        return os.stat_result((st.st_mode, *st[1:6], 10, *st[7:10]))

    monkeypatch.setattr(safeio.os, "stat", lambda p: small(real_stat(p)))
    monkeypatch.setattr(safeio.os, "fstat", lambda fd: small(real_fstat(fd)))
    with pytest.raises(InputError, match="grew beyond the limit"):
        read_text_limited(path, max_bytes=20)


def test_invalid_utf8_names_offset_and_line(tmp_path: Path):
    path = tmp_path / "papers.csv"
    path.write_bytes(b"title,authors\nCaf\xe9 Paper,Jane Doe\n")
    with pytest.raises(InputError) as exc:
        read_text_limited(path, max_bytes=1000, what="paper list")
    message = str(exc.value)
    assert str(path) in message
    assert "not valid UTF-8 at byte 17 (line 2, column 4, byte 0xe9)" in message
    assert "re-save the paper list as UTF-8" in message


def test_binary_file(tmp_path: Path):
    path = tmp_path / "roster.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="looks like a binary file"):
        read_text_limited(path, max_bytes=1000)


def test_utf16_is_named(tmp_path: Path):
    path = tmp_path / "papers.bib"
    path.write_bytes("@article{a, title={X}}".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text; re-save it as UTF-8"):
        read_text_limited(path, max_bytes=1000)


# --- YAML -------------------------------------------------------------------------------


def test_normal_yaml_keeps_dates_as_text_and_has_line_numbers():
    data, root = load_yaml("papers:\n  - title: A\n    date: 2024-12-10\n  - title: B\n", source="p.yaml")
    assert data == {"papers": [{"title": "A", "date": "2024-12-10"}, {"title": "B"}]}
    papers = root.value[0][1].value
    assert [n.start_mark.line + 1 for n in papers] == [2, 4]


def test_empty_yaml():
    assert load_yaml("", source="p.yaml") == (None, None)
    assert load_yaml("# only a comment\n", source="p.yaml") == (None, None)


def test_ordinary_aliases_still_work():
    data, _ = load_yaml("a: &x [Jane Doe, John Doe]\nb: *x\nc: {<<: {k: 1}, j: 2}\n", source="p.yaml")
    assert data == {"a": ["Jane Doe", "John Doe"], "b": ["Jane Doe", "John Doe"], "c": {"k": 1, "j": 2}}


def test_billion_laughs_is_refused():
    with pytest.raises(InputError, match=r"aliases expand to more than 1,000,000 nodes \(an alias bomb\?\)") as exc:
        load_yaml(BILLION_LAUGHS, source="bomb.yaml")
    assert str(exc.value).startswith("bomb.yaml: ")


def test_alias_limit_is_a_parameter():
    text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
    assert load_yaml(text, source="p.yaml", max_nodes=12)[0]["b"][2] == [1, 2, 3]
    with pytest.raises(InputError, match="more than 11 nodes"):
        load_yaml(text, source="p.yaml", max_nodes=11)


def test_self_referring_alias_is_refused():
    with pytest.raises(InputError, match="refers to the node that contains it"):
        load_yaml("a: &a [1, *a]\n", source="p.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000 + "1" + "}" * 10_000,
        "- " * 10_000 + "x\n",
        "".join(" " * i + "a:\n" for i in range(2_000)) + " " * 2_000 + "b\n",
        "[" * 150 + "]" * 150,  # under libyaml's own cap of 1000, over ours
    ],
    ids=["flow-seq", "flow-map", "block-seq", "block-map", "150"],
)
def test_deep_nesting_is_refused_cleanly(text):
    with pytest.raises(InputError, match=r"nested too deeply at line \d+, column \d+ \(more than 100 levels\)"):
        load_yaml(text, source="deep.yaml")


def test_nesting_through_an_alias_counts():
    inner = "[" * 60 + "]" * 60
    with pytest.raises(InputError, match="nested too deeply"):
        load_yaml(f"a: &a {inner}\nb: {'[' * 50}*a{']' * 50}\n", source="p.yaml")


def test_deep_nesting_with_the_pure_python_parser(monkeypatch: pytest.MonkeyPatch):
    class Loader(yaml.SafeLoader):
        pass

    monkeypatch.setattr(safeio, "_LOADER", Loader)
    with pytest.raises(InputError, match="nested too deeply"):
        load_yaml("[" * 5_000 + "]" * 5_000, source="deep.yaml")
    with pytest.raises(InputError, match="alias bomb"):
        load_yaml(BILLION_LAUGHS, source="bomb.yaml")
    assert sys.getrecursionlimit() >= 1000  # nothing was raised to get there


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("papers: [\n", "not valid YAML at line 2, column 1"),
        ("a: 1\n---\nb: 2\n", "expected a single document"),
        ("a: *nowhere\n", "found undefined alias"),
        ("a: b: c\n", "not valid YAML at line 1"),
    ],
)
def test_syntax_errors_name_the_line(text, expected):
    with pytest.raises(InputError, match="p.yaml: ") as exc:
        load_yaml(text, source="p.yaml")
    assert expected in str(exc.value)
