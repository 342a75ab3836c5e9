"""Config loading: where it is found, what is rejected and how errors read."""

import os
from pathlib import Path

import pytest

from bot.app import load_env
from bot.config import find_config, load_config
from bot.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "paperbot.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_find_config_precedence():
    assert find_config("a.toml", {"PAPERBOT_CONFIG": "b.toml"}) == Path("a.toml")
    assert find_config(None, {"PAPERBOT_CONFIG": "b.toml"}) == Path("b.toml")
    assert find_config(None, {}) == Path("config/paperbot.toml")


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    path = write(
        tmp_path,
        '[store]\npath = "state/x.db"\n[roster]\npath = "../roster.yaml"\n'
        '[[sources]]\ntype = "file"\npath = "papers.yaml"\n[channels.page]\ndir = "site"\n',
    )
    cfg = load_config(path)
    assert cfg.store.path == tmp_path / "conf" / "state" / "x.db"
    assert cfg.roster.path == tmp_path / "roster.yaml"
    assert cfg.sources[0].path == tmp_path / "conf" / "papers.yaml"
    assert cfg.channels.page.dir == tmp_path / "conf" / "site"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[store]\npth = "x"\n', "store.pth: unknown key 'pth'; did you mean 'path'?"),
        ('[roster]\npath = "r"\nmatch_initals = true\n', "did you mean 'match_initials'?"),
        (
            '[[sources]]\ntype = "file"\npth = "p.yaml"\n',
            "sources[0].pth: unknown key 'pth'; did you mean 'path'?",
        ),
        ('[[sources]]\ntype = "rss"\npath = "p"\n', "sources[0].type: unknown type 'rss'"),
        ("[channels.mastodon]\nmax_characters = 'many'\n", "channels.mastodon.max_characters"),
        ("[channels.mastodon]\nposting_hours = '8-20'\n", "posting hours must look like '08:00-20:00'"),
        ('[venues."NeurIPS 2024"]\nhashtag = ["#x"]\n', "did you mean 'hashtags'?"),
        ("[storr]\n", "storr: unknown key 'storr'; did you mean 'store'?"),
        ("[store\n", "not valid TOML"),
    ],
)
def test_errors_name_file_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(path) in str(exc.value) and expected in str(exc.value)


def test_missing_default_config_explains_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="paperbot.example.toml"):
        load_config(Path("config/paperbot.toml"))


def test_dotenv_is_loaded_and_real_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("SENDGRID_API_KEY=from-file\nMASTODON_ACCESS_TOKEN=file-token\n")
    env = load_env(tmp_path, {"MASTODON_ACCESS_TOKEN": "real-token"})
    assert env["SENDGRID_API_KEY"] == "from-file" and env["MASTODON_ACCESS_TOKEN"] == "real-token"
    assert load_env(tmp_path / "nowhere", {}) == {}


# --- input limits and file sources (issue 9, item 8) ------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'[group]\nname = "M\xfcnchen"\n', "not valid UTF-8 at byte 17 (line 2, column 10, byte 0xfc)"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "looks like a binary file"),
        (b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "not valid TOML: arrays or tables nested too deeply"),
        (b"a = " + b"{b = " * 100_000 + b"1" + b"}" * 100_000 + b"\n", "nested too deeply"),
        (b"# " + b"x" * 1_000_001, "above the limit of 1.0 MB"),
        (b"\xef\xbb\xbf[store\n", "not valid TOML"),  # a BOM is stripped; the error is the TOML's
    ],
    ids=["latin-1", "binary", "deep-array", "deep-table", "oversize", "bom"],
)
def test_unreadable_config_files_are_config_errors(tmp_path, content, expected):
    path = tmp_path / "paperbot.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(f"{path}: ") and expected in str(exc.value)


def test_a_bom_is_fine(tmp_path):
    path = tmp_path / "paperbot.toml"
    path.write_bytes(b'\xef\xbb\xbf[group]\nname = "Lab"\n')
    assert load_config(path).group.name == "Lab"


def test_non_regular_config_files_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="is a directory, not a regular file"):
        load_config(tmp_path)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # nothing writes to it: reading it would hang
    with pytest.raises(ConfigError, match=r"named pipe \(FIFO\)"):
        load_config(fifo)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing" / "paperbot.toml")


def test_file_source_base_url_and_size_limit(tmp_path):
    source = '[[sources]]\ntype = "file"\npath = "papers.bib"\n'
    cfg = load_config(write(tmp_path, source))
    assert cfg.sources[0].base_url is None and cfg.sources[0].max_source_bytes == 50_000_000
    cfg = load_config(write(tmp_path, source + 'base_url = " https://lab.example/papers/ "\nmax_source_bytes = 1000\n'))
    assert cfg.sources[0].base_url == "https://lab.example/papers/" and cfg.sources[0].max_source_bytes == 1000


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('base_url = "lab.example/papers"', "sources[0].base_url: expected an http(s) URL"),
        ('base_url = "ftp://lab.example/"', "sources[0].base_url: expected an http(s) URL"),
        ('base_url = "https://"', "sources[0].base_url: expected an http(s) URL"),
        ("max_source_bytes = 0", "sources[0].max_source_bytes"),
        ("max_source_bytes = -5", "sources[0].max_source_bytes"),
        ("max_sources_bytes = 5", "did you mean 'max_source_bytes'?"),
        ('base_ur = "https://lab.example/"', "did you mean 'base_url'?"),
    ],
)
def test_file_source_limits_are_validated(tmp_path, line, expected):
    path = write(tmp_path, f'[[sources]]\ntype = "file"\npath = "papers.bib"\n{line}\n')
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert expected in str(exc.value)
