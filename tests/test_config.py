"""Config loading: where it is found, what is rejected and how errors read."""

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
