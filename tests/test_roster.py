from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.roster import Member, Roster, load_roster

MEMBERS = (
    Member("jane", "Jane Doe"),
    Member("john", "John Doe"),
    Member("hs", "Hinrich Schütze"),
    Member("sg", "Stephan Günnemann", aliases=("Stephan Guennemann",)),
    Member("vdb", "Anna van der Berg"),
    Member("tm", "Thomas Möllenhoff", former=True),
)


@pytest.fixture
def roster():
    return Roster(MEMBERS)


@pytest.mark.parametrize(
    ("name", "member", "how"),
    [
        ("Jane Doe", "jane", "exact"),
        ("JANE DOE", "jane", "exact"),
        ("Doe, Jane", "jane", "exact"),
        ("Hinrich Schuetze", "hs", "exact"),
        ("Hinrich Schutze", "hs", "exact"),
        ("Schütze, Hinrich", "hs", "exact"),
        ("H. Schütze", "hs", "initials"),
        ("S. Gunnemann", "sg", "initials"),
        ("Jane A. Doe", "jane", "initials"),
        ("A. van der Berg", "vdb", "initials"),
        ("Thomas Mollenhoff", "tm", "exact"),
    ],
)
def test_tolerant_matching(roster, name, member, how):
    result = roster.match(name)
    assert result.member is not None and result.member.id == member and result.how == how


@pytest.mark.parametrize("name", ["Jon Doe", "Berg", "Jane Smith", "Anna Berg"])
def test_different_people_never_match(roster, name):
    result = roster.match(name)
    assert result.member is None and not result.ambiguous


def test_ambiguous_initials_are_reported_not_guessed(roster):
    result = roster.match("J. Doe")
    assert result.member is None
    assert {m.id for m in result.ambiguous} == {"jane", "john"}
    authors, problems = roster.resolve(["J. Doe", "Jane Doe"], source="papers.yaml", record="#1")
    assert [a.member_id for a in authors] == [None, "jane"]
    assert len(problems) == 1 and problems[0].field == "authors" and "J. Doe" in problems[0].message


def test_initials_can_be_switched_off():
    strict = Roster(MEMBERS, match_initials=False, transliterate=False)
    assert strict.match("H. Schütze").member is None
    assert strict.match("Hinrich Schuetze").member is None
    assert strict.match("Hinrich Schütze").member.id == "hs"


def test_same_name_twice_is_ambiguous():
    r = Roster((Member("a", "Wei Zhang"), Member("b", "Wei Zhang", aliases=())))
    assert r.match("Wei Zhang").member is None and len(r.match("Wei Zhang").ambiguous) == 2


def test_former_members_are_marked(roster):
    authors, _ = roster.resolve(["Thomas Möllenhoff"], source="s", record="r")
    assert authors[0].former and authors[0].is_member


def test_load_roster_reports_bad_members_and_keeps_the_rest(tmp_path: Path):
    path = tmp_path / "roster.yaml"
    path.write_text(
        "members:\n"
        "  - name: Jane Doe\n    mastodon: '@jane@example.social'\n"
        "  - name: Bad Handle\n    mastodon: 'jane'\n"
        "  - nmae: Typo Key\n"
        "  - name: Jane Doe\n"
        "  - name: Ok Person\n    orcid: https://orcid.org/0000-0002-1825-0097\n",
        encoding="utf-8",
    )
    roster, problems = load_roster(path)
    assert [m.id for m in roster.members] == ["jane-doe", "ok-person"]
    assert roster.members[1].orcid == "0000-0002-1825-0097"
    fields = {(p.record.split(" ")[1], p.field) for p in problems}
    assert ("#2", "mastodon") in fields and ("#3", "nmae") in fields and ("#4", "id") in fields
    assert all(p.source == str(path) for p in problems)


@pytest.mark.parametrize("text", ["members: 3\n", "- a\n", "members: [\n"])
def test_load_roster_bad_file(tmp_path: Path, text):
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="roster.yaml"):
        load_roster(path)


def test_missing_roster_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load_roster(tmp_path / "nope.yaml")
