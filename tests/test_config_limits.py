"""Absurd settings are refused at load with the key and the allowed range (issue 10, item 20)."""

from __future__ import annotations

import pytest

from bot.config import load_config, parse_duration
from bot.errors import ConfigError


def load(tmp_path, text: str):
    path = tmp_path / "paperbot.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(
    ("table", "line", "key", "allowed"),
    [
        ("channels.mastodon", "request_timeout = inf", "request_timeout", "greater than 0 and at most 600"),
        ("channels.mastodon", "request_timeout = nan", "request_timeout", "greater than 0 and at most 600"),
        ("channels.mastodon", "request_timeout = -inf", "request_timeout", "greater than 0 and at most 600"),
        ("channels.mastodon", "request_timeout = 0", "request_timeout", "greater than 0 and at most 600"),
        ("channels.mastodon", "max_characters = 1_000_000_000", "max_characters", "from 50 to 100000"),
        ("channels.mastodon", "max_characters = inf", "max_characters", "from 50 to 100000"),
        ("channels.mastodon", "characters_reserved_per_url = 0", "characters_reserved_per_url", "from 1 to 1000"),
        ("channels.mastodon", "min_interval = -1", "min_interval", "from 0 to 3600"),
        ("channels.mastodon", "min_interval = 1e12", "min_interval", "from 0 to 3600"),
        ("channels.mastodon", "max_per_run = 0", "max_per_run", "from 1 to 10000"),
        ("channels.mastodon", "max_per_run = 99999999", "max_per_run", "from 1 to 10000"),
        ("channels.mastodon", "max_attempts = 1000", "max_attempts", "from 1 to 20"),
        ("channels.mastodon", "max_thread_parts = 1", "max_thread_parts", "from 2 to 20"),
        ("channels.email", "batch_size = 5000", "batch_size", "from 1 to 1000"),
        ("channels.email", "max_attempts = 0", "max_attempts", "from 1 to 20"),
        ("channels.email", "request_timeout = inf", "request_timeout", "greater than 0 and at most 600"),
        ("channels.email", "excerpt_chars = 1e15", "excerpt_chars", "from 50 to 100000"),
        ("channels.email", "subject_max_chars = 100000", "subject_max_chars", "from 20 to 998"),
        ("channels.email", "smtp_port = 70000", "smtp_port", "from 1 to 65535"),
        ("channels.email", "asm_group_id = -3", "asm_group_id", "from 1 to"),
        ("store", "busy_timeout = inf", "busy_timeout", "from 0 to 3600"),
    ],
)
def test_out_of_range_values_name_the_key_and_the_range(tmp_path, table, line, key, allowed):
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, f"[{table}]\n{line}\n")
    message = str(exc.value)
    assert f"{table}.{key}: must be a" in message and allowed in message, message
    assert "(got " in message and "Traceback" not in message


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load(
            tmp_path,
            "[channels.mastodon]\nrequest_timeout = inf\nmax_characters = 1_000_000_000\nmin_interval = nan\n",
        )
    assert "3 problem(s)" in str(exc.value)


def test_sensible_values_at_the_edges_are_accepted(tmp_path):
    config = load(
        tmp_path,
        "[channels.mastodon]\nrequest_timeout = 600\nmax_characters = 100000\nmin_interval = 0\nmax_per_run = 1\n"
        "[channels.email]\nbatch_size = 1000\nexcerpt_chars = 50\nsubject_max_chars = 998\n"
        '[run]\nalert_after = "30d"\n',
    )
    assert config.channels.mastodon.request_timeout == 600 and config.run.alert_after_seconds == 30 * 86400


@pytest.mark.parametrize(
    ("value", "seconds"), [("6h", 21600), ("30m", 1800), ("90s", 90), ("1d", 86400), ("1h30m", 5400), ("0s", 0)]
)
def test_alert_after_durations(tmp_path, value, seconds):
    assert parse_duration(value) == seconds
    assert load(tmp_path, f'[run]\nalert_after = "{value}"\n').run.alert_after_seconds == seconds


@pytest.mark.parametrize("value", ['"6 hours"', '"-1h"', '"31d"', '"h"', "6"])
def test_bad_alert_after_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match=r"run\.alert_after"):
        load(tmp_path, f"[run]\nalert_after = {value}\n")


def test_alert_after_defaults_to_six_hours(tmp_path):
    assert load(tmp_path, "").run.alert_after_seconds == 6 * 3600
