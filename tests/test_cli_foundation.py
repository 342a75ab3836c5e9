"""End-to-end CLI runs of check, status and init on temporary folders."""

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLE, ROOT

from bot.cli import cli

PAPERS = """\
papers:
  - title: "Variational Low-Rank Adaptation Using IVON"
    authors: [Bai Cong, Jane Doe]
    venue: "FITML @NeurIPS 2024"
    arxiv: "2411.04421"
    abstract: "IVON improves accuracy by 2.8% and calibration by 4.6%."
  - title: "Targeted Sequential Indirect Experiment Design"
    authors: [Elisabeth Ailer, H. Schütze]
    venue: "NeurIPS 2024"
    arxiv: "2405.19985"
  - title: "Autoregressive Policy Optimization for Constrained Allocation Tasks"
    authors: [David Winkel, Niklas Strauß]
    venue: "NeurIPS 2024"
    status: submitted
"""


QUIET = {"skipped_non_member": 0, "skipped_not_accepted": 0, "skipped_by_reason": {}, "merged_duplicates": 0}


def test_check_reports_new_then_nothing(project):
    project.source("papers.yaml", PAPERS)
    code, out, err = project.run("check")
    assert code == 0, err
    assert out.strip() == "2 newly accepted papers: 2 at NeurIPS 2024, incl. 1 workshop paper"
    nothing = {"new": 0, "by_venue": {}, "updated": 0, "removed": 0, **QUIET, "warnings": []}
    assert project.json("check") == {"unchanged": True, **nothing}  # nothing read: test_unchanged_sources.py
    assert project.json("check", "--force") == nothing


def test_check_json_and_updates(project):
    project.source("papers.yaml", PAPERS)
    assert project.json("check")["by_venue"] == {"NeurIPS 2024": 2}
    project.source(
        "papers.yaml",
        PAPERS.replace("by 2.8%", "by 3.1%").replace('"2405.19985"', '"2405.19985"\n    code: https://github.com/x/y'),
    )
    assert project.json("check") == {"new": 0, "by_venue": {}, "updated": 2, "removed": 0, **QUIET, "warnings": []}
    # submitted -> accepted makes it new now
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    result = project.json("check")
    assert result["new"] == 1 and result["by_venue"] == {"NeurIPS 2024": 1}


def test_bad_records_are_reported_and_the_rest_load(project):
    project.source(
        "papers.yaml",
        PAPERS + "  - title: Broken\n    authors: [Jane Doe]\n    venue: NeurIPS 2024\n"
        "    accepted_on: next week\n  - title: Outsider\n    authors: [Nobody Known]\n"
        "    venue: NeurIPS 2024\n",
    )
    code, out, err = project.run("check", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["new"] == 2
    warnings = {(w["record"].split(" ")[0], w["field"]) for w in data["warnings"]}
    assert warnings == {("#4", "accepted_on")}
    assert data["skipped_non_member"] == 1  # not by a member: counted, not a warning
    assert all(set(w) >= {"source", "record", "field", "message"} for w in data["warnings"])
    # text mode: warnings go to stderr, naming file, record and field
    code, out, err = project.run("check")
    assert code == 1 and "papers.yaml, #4 (line 15) 'Broken', field 'accepted_on'" in err


def test_a_broken_file_loses_nothing_already_stored(project):
    project.source("papers.yaml", PAPERS)
    project.run("check")
    project.source("papers.yaml", "papers:\n  - title: [oops\n")
    code, out, err = project.run("check")
    assert code == 1 and "not valid YAML" in err
    status = project.json("status")
    assert status["papers"] == 3 and status["venues"]["NeurIPS 2024"]["events"] == 3


def test_several_sources_are_deduplicated(project):
    project.source("papers.yaml", PAPERS)
    project.source(
        "more.csv",
        "title,authors,venue,arxiv\n"
        "Targeted sequential indirect experiment design,Jane Doe,NeurIPS 2024,2405.19985v2\n",
    )
    assert project.json("check")["new"] == 2
    assert project.json("status")["papers"] == 3


def test_removed_record_is_withdrawn_not_announced(project):
    project.source("papers.yaml", PAPERS)
    project.run("check")
    project.source(
        "papers.yaml",
        PAPERS.replace('venue: "NeurIPS 2024"\n    arxiv: "2405', 'venue: "ICLR 2025"\n    arxiv: "2405'),
    )
    result = project.json("check")
    assert result["removed"] == 1 and result["by_venue"] == {"ICLR 2025": 1}


def test_init_mark_announced_prevents_first_run_flood(project):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.page]\ndir = "site"\n'
    code, out, err = project.run("init", "--mark-announced")
    assert code == 0 and "2 accepted venue event(s) adopted" in out
    status = project.json("status")
    venue = status["venues"]["NeurIPS 2024"]
    assert venue["adopted"] == 2 and venue["channels"]["page"] == {"announced": 0, "due": 0}
    # a paper accepted later is due as usual
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    assert project.json("check")["new"] == 1
    assert project.json("status")["venues"]["NeurIPS 2024"]["channels"]["page"] == {"announced": 0, "due": 1}


def test_status_text_and_json(project):
    project.source("papers.yaml", PAPERS)
    project.extra = '[channels.mastodon]\napi_base_url = "https://example.social"\n[channels.page]\ndir = "site"\n'
    project.run("check")
    code, out, _ = project.run("status")
    assert code == 0 and "NeurIPS 2024" in out and "mastodon sent/due" in out
    data = project.json("status")
    assert data["channels"] == ["mastodon", "page"]
    v = data["venues"]["NeurIPS 2024"]
    assert v["by_track"] == {"workshop": 1, "main": 2} and v["by_status"] == {"accepted": 2, "submitted": 1}
    assert v["channels"]["mastodon"] == {"announced": 0, "due": 2}


def test_status_never_writes(project):
    project.source("papers.yaml", PAPERS)
    code, out, _ = project.run("status")
    assert code == 0 and "no papers yet" in out and not project.db.exists()


def test_config_errors_exit_2(project):
    project.source("papers.yaml", PAPERS)
    project.extra = "[channels.mastodn]\n"
    code, out, err = project.run("check")
    assert code == 2 and "channels.mastodn: unknown key" in err and "did you mean 'mastodon'" in err
    assert "Traceback" not in err


def test_missing_config_exits_2(tmp_path):
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["check"], obj={"env": {}})
    assert result.exit_code == 2 and "config/paperbot.toml" in result.stderr


def test_paperbot_config_env(project):
    from click.testing import CliRunner

    project.source("papers.yaml", PAPERS)
    project.write_config()
    result = CliRunner().invoke(
        cli,
        ["check", "--json"],
        obj={"env": {"PAPERBOT_CONFIG": str(project.config)}, "clock": project.clock},
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["new"] == 2


def test_bundled_example_checks_clean(tmp_path):
    config = tmp_path / "example.toml"
    text = (ROOT / "config" / "paperbot.example.toml").read_text()
    text = text.replace('"../var/example.db"', f'"{tmp_path / "ex.db"}"').replace("../examples", str(ROOT / "examples"))
    config.write_text(text)
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--config", str(config), "check", "--json"], obj={"env": {}})
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["warnings"] == []
    due = {"email": 26, "mastodon": 26, "page": 26}  # what 'status' counts as due too
    assert data == {
        "new": 26,
        "by_venue": {"NeurIPS 2024": 26},
        "updated": 0,
        "removed": 0,
        **QUIET,
        "warnings": [],
        "due": due,
    }
    assert (EXAMPLE / "papers.yaml").exists()


def test_python_dash_m_and_console_script_help():
    out = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True).stdout
    for verb in ("check", "status", "init"):
        assert verb in out


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help(name):
    assert cli.commands[name].help


def test_without_a_roster_the_lab_list_is_taken_as_is(project):
    project.source("papers.yaml", PAPERS)
    project.write_config()
    project.config.write_text(project.config.read_text().replace('[roster]\npath = "roster.yaml"\n', ""))
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--config", str(project.config), "check", "--json"], obj={"env": {}})
    assert result.exit_code == 0 and json.loads(result.stdout)["new"] == 2
