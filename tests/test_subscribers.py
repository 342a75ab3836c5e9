"""`paperbot subscribers add|remove|list|import|export` end to end, and what they mean for the digest."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from conftest import Project
from test_cli_foundation import PAPERS

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `tests.fakes` must import however pytest was started
    sys.path.insert(0, str(ROOT))

from tests.fakes.sendgrid_server import FakeSendGrid  # noqa: E402

KEY = "SG.subscribers-test.key"


@pytest.fixture
def sg():
    with FakeSendGrid(api_key=KEY) as fake:
        yield fake


def email_channel(project: Project, sg: FakeSendGrid) -> None:
    project.extra = (
        "[channels.email]\n"
        'from = "news@lab.example"\n'
        f'api_host = "{sg.url}"\n'
        'unsubscribe_url = "https://lab.example/unsubscribe?token={token}"\n'
        "request_timeout = 2\n"
    )


def publish(project: Project) -> tuple[int, str, str]:
    return project.run("publish", "--channel", "email", env={"SENDGRID_API_KEY": KEY})


def listed(project: Project, *flags: str) -> dict[str, str]:
    code, out, err = project.run("subscribers", "list", "--json", *flags)
    assert code == 0, err
    return {r["email"]: r["status"] for r in json.loads(out)}


def test_add_list_remove_and_readd(project, sg):
    project.source("papers.yaml", PAPERS)
    email_channel(project, sg)
    assert project.run("check")[0] == 0

    code, out, err = project.run("subscribers", "add", "ada@lab.example", "--name", "Ada Lovelace")
    assert (code, out.strip()) == (0, "ada@lab.example: added")
    code, out, err = project.run("subscribers", "add", "Grace@Lab.Example")
    assert code == 0 and out.strip() == "Grace@lab.example: added"
    code, out, err = project.run("subscribers", "list")
    assert code == 0
    assert out.splitlines() == ["ada@lab.example\tAda Lovelace\tactive", "grace@lab.example\t\tactive"]
    assert "2 subscriber(s)" in err

    code, out, err = project.run("subscribers", "add", "not-an-address")
    assert code == 2 and "'not-an-address' is not a valid address" in err
    assert "not-an-address" not in listed(project, "--all")

    # remove (any case): kept as unsubscribed, not mailed
    code, out, err = project.run("subscribers", "remove", "GRACE@LAB.EXAMPLE")
    assert (code, out.strip()) == (0, "1 address(es) unsubscribed")
    assert listed(project) == {"ada@lab.example": "active"}
    assert listed(project, "--all") == {"ada@lab.example": "active", "grace@lab.example": "unsubscribed"}
    code, out, err = publish(project)
    assert code == 0, out + err
    assert sg.delivered_addresses() == ["ada@lab.example"]

    # re-adding re-activates, and the next digest reaches them
    code, out, err = project.run("subscribers", "add", "grace@lab.example")
    assert (code, out.strip()) == (0, "grace@lab.example: reactivated")
    assert listed(project) == {"ada@lab.example": "active", "grace@lab.example": "active"}
    project.source("papers.yaml", PAPERS.replace("status: submitted", "status: accepted"))
    assert project.run("check")[0] == 0
    code, out, err = publish(project)
    assert code == 0, out + err
    assert sg.delivered_addresses() == ["ada@lab.example", "ada@lab.example", "grace@lab.example"]


BAD_CSV = """\
email,name
ada@lab.example,Ada Lovelace
not-an-address,Nobody
,Empty Email
hopper@lab.example,"Hopper, Grace"
ADA@LAB.EXAMPLE,Ada Again
"""


def test_import_reports_every_bad_row_and_loads_the_rest(project):
    path = project.write("people.csv", BAD_CSV)
    code, out, err = project.run("subscribers", "import", str(path))
    assert code == 1
    assert listed(project, "--all") == {"ada@lab.example": "active", "hopper@lab.example": "active"}
    assert out.startswith("2 added")
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert f"{path}, line 3, field 'email'" in warnings[0] and "'not-an-address'" in warnings[0]
    assert f"{path}, line 4, field 'email'" in warnings[1] and "''" in warnings[1]
    # the same address twice in one file (other case) is a mistake in the file: say so
    assert len(warnings) == 3, err
    assert f"{path}, line 6, field 'email'" in warnings[2] and "line 2" in warnings[2]


def test_import_is_idempotent(project):
    path = project.write("people.csv", "Email,Name\nada@lab.example,Ada\nbob@lab.example,\n")
    code, out, err = project.run("subscribers", "import", str(path))
    assert (code, out.strip()) == (0, "2 added, 0 re-activated, 0 with a new name, 0 already there, 0 invalid"), err
    code, out, err = project.run("subscribers", "import", str(path))
    assert (code, out.strip()) == (0, "0 added, 0 re-activated, 0 with a new name, 2 already there, 0 invalid"), err
    # a changed name is reported, never overwritten silently
    path = project.write("people.csv", "Email,Name\nada@lab.example,Ada Lovelace\n")
    code, out, err = project.run("subscribers", "import", str(path))
    assert (code, out.strip()) == (0, "0 added, 0 re-activated, 1 with a new name, 0 already there, 0 invalid"), err


def test_outbox_list_says_when_nothing_awaits_a_decision(project):
    code, out, err = project.run("outbox", "list")
    assert code == 0 and "nothing failed or uncertain" in out


@pytest.mark.parametrize("text", ["mail,name\nada@lab.example,Ada\n", "name\nAda\n", ""])
def test_import_without_an_email_column_exits_2(project, text):
    path = project.write("people.csv", text)
    code, out, err = project.run("subscribers", "import", str(path))
    assert code == 2 and "no 'email' column" in err and "Traceback" not in err
    assert listed(project, "--all") == {}


def test_export_round_trips(project, tmp_path, clock):
    rows = [
        ("ada@lab.example", "Ada Lovelace"),
        ("hopper@lab.example", "Hopper, Grace"),
        ("hinrich@lab.example", "Hinrich Schütze"),
        ("quote@lab.example", 'Said "hi"'),
        ("noname@lab.example", ""),
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([("email", "name"), *rows])
    path = project.write("people.csv", buf.getvalue())
    assert project.run("subscribers", "import", str(path))[0] == 0
    assert project.run("subscribers", "remove", "noname@lab.example")[0] == 0

    code, exported, err = project.run("subscribers", "export")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(exported))) == [["email", "name"], *map(list, rows[:-1])]
    code, everything, err = project.run("subscribers", "export", "--all")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(everything)))[-1] == ["noname@lab.example", "", "unsubscribed"]

    other = Project(tmp_path / "other", clock)
    back = other.write("back.csv", exported)
    code, out, err = other.run("subscribers", "import", str(back))
    assert (code, out.split(",")[0]) == (0, "4 added"), err
    assert other.run("subscribers", "export") == (0, exported, "")
