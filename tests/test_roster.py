import os
from pathlib import Path

import pytest
from conftest import ROOT

from bot.errors import ConfigError
from bot.roster import Member, MemberRecord, Roster, load_roster, orcid_checksum_ok

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


def write_roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def roster_error(tmp_path: Path, text: str) -> str:
    path = write_roster(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_roster(path)
    message = str(exc.value)
    assert message.startswith(f"{path}: ")
    return message


def test_every_roster_problem_is_reported_at_once_and_no_member_is_dropped(tmp_path: Path):
    message = roster_error(
        tmp_path,
        "members:\n"
        "  - name: Jane Doe\n    mastodon: '@jane@example.social'\n"
        "  - name: Bad Handle\n    mastodon: 'jane'\n"
        "  - nmae: Typo Key\n"
        "  - name: Jane Doe\n"
        "  - name: Ok Person\n    orcid: https://orcid.org/0000-0002-1825-0097\n"
        "  - name: Bad Orcid\n    orcid: 0000-0002-1825-0098\n",
    )
    assert "invalid roster (5 problem(s))" in message
    lines = message.splitlines()[1:]
    assert lines[0].strip().startswith("member #2 (line 4) 'Bad Handle', mastodon: expected a Mastodon handle")
    assert "member #3 (line 6), name: this key is required" in message
    assert "member #3 (line 6), nmae: unknown key; did you mean 'name'?" in message
    assert "member #4 (line 7) 'Jane Doe', id: id 'jane-doe'" in message and "member #1 (line 2)" in message
    assert "member #6 (line 10) 'Bad Orcid', orcid: ORCID iD 0000-0002-1825-0098 has a wrong check digit" in message


def test_valid_roster_loads_every_field(tmp_path: Path):
    path = write_roster(
        tmp_path,
        "members:\n"
        "  - name: '  Jane   Doe '\n"
        "    id: jd\n"
        "    aliases: [J. Doe, Jane Smith]\n"
        "    former: true\n"
        "    openreview: ~Jane_Doe1\n"
        "    dblp: 26/1234\n"
        "    orcid: https://orcid.org/0000-0002-1694-233x\n"
        "    arxiv_query: 'au:Doe_J'\n"
        "    mastodon: '@jane@example.social'\n"
        "    url: https://lab.example/people/jane\n"
        "  - name: Ok Person\n    aliases:\n    former:\n",
    )
    roster, problems = load_roster(path)
    assert problems == []
    jane, ok = roster.members
    assert jane == Member(
        "jd",
        "Jane Doe",
        ("J. Doe", "Jane Smith"),
        True,
        "~Jane_Doe1",
        "26/1234",
        "0000-0002-1694-233X",
        "au:Doe_J",
        "@jane@example.social",
        "https://lab.example/people/jane",
    )
    assert jane.url == "https://lab.example/people/jane" and jane.mastodon == "@jane@example.social"
    assert ok == Member("ok-person", "Ok Person") and ok.url is None


@pytest.mark.parametrize(
    ("orcid", "valid"),
    [
        ("0000-0002-1825-0097", True),
        ("0000-0001-5109-3700", True),
        ("0000-0002-1694-233X", True),
        ("https://orcid.org/0000-0002-1825-0097", True),
        ("0000-0002-1825-0098", False),  # wrong check digit
        ("0000-0002-1825-009X", False),
        ("0000-0002-1694-2339", False),
        ("0000-0002-1825-97", False),  # malformed
        ("orcid 0000-0002-1825-0097", False),
    ],
)
def test_orcid_format_and_checksum(orcid, valid):
    assert orcid_checksum_ok("0000-0002-1825-0097") and not orcid_checksum_ok("0000-0002-1825-0096")
    if valid:
        assert MemberRecord(name="A", orcid=orcid).orcid == orcid.removeprefix("https://orcid.org/")
    else:
        with pytest.raises(ValueError, match="ORCID iD"):
            MemberRecord(name="A", orcid=orcid)


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("name: 12345", "name: expected text (a name or id; put numbers in quotes), got the number 12345"),
        ("name: [Jane, Doe]", "name: expected text (a name or id; put numbers in quotes), got a list"),
        ("name: ''", "name: is empty; write the member's full name"),
        ("name: '   '", "name: is empty; write the member's full name"),
        ("name:", "name: expected text (a name or id; put numbers in quotes), got nothing"),
        ("name: A\n    id: 7", "id: expected text (a name or id; put numbers in quotes), got the number 7"),
        ("name: A\n    aliases: Jane", "aliases: expected a list of names, e.g. [J. Doe, Jane Smith], got 'Jane'"),
        ("name: A\n    aliases: [J. Doe, 7]", "aliases[1]: expected text"),
        ("name: A\n    aliases: ['']", "aliases: an alias is empty"),
        ("name: A\n    former: 'no'", "former: expected true or false, got 'no'"),
        ("name: A\n    former: 1", "former: expected true or false, got the number 1"),
        ("name: A\n    dblp: 1234", "dblp: expected text"),
        ("name: A\n    mastodon: jane@example.social", "mastodon: expected a Mastodon handle like '@user@host.social'"),
        ("name: A\n    url: lab.example/jane", "url: expected the member's web page as an http(s) URL"),
        ("name: A\n    url: ftp://lab.example/jane", "url: expected the member's web page as an http(s) URL"),
        ("name: A\n    homepage: https://lab.example/a", "homepage: unknown key; did you mean 'url'?"),
        ("name: A\n    alias: [B]", "alias: unknown key; did you mean 'aliases'?"),
        ("name: A\n    orcd: 0000-0002-1825-0097", "orcd: unknown key; did you mean 'orcid'?"),
        ("name: A\n    name: B", "key 'name' is given twice (line 4); keep one"),
    ],
)
def test_members_are_validated_strictly(tmp_path: Path, member, expected):
    message = roster_error(tmp_path, f"members:\n  - name: First\n  - {member}\n")
    assert "member #2 (line 3)" in message and expected in message


def test_a_non_mapping_member_and_unknown_top_level_key(tmp_path: Path):
    message = roster_error(tmp_path, "members:\n  - Jane Doe\n  - 42\nmembrs: []\n")
    assert "member #1 (line 2): expected a mapping such as '- name: Jane Doe', got 'Jane Doe'" in message
    assert "member #2 (line 3): expected a mapping such as '- name: Jane Doe', got the number 42" in message
    assert "top level: unknown key 'membrs'; did you mean 'members'?" in message


def test_duplicate_names_and_ids(tmp_path: Path):
    message = roster_error(
        tmp_path,
        "members:\n  - name: Jane Doe\n    id: jd\n  - name: jane doe\n  - name: John Roe\n    id: jd\n",
    )
    assert "member #2 (line 4) 'jane doe', name: 'jane doe' is already the name of member #1 (line 2)" in message
    assert "member #3 (line 5) 'John Roe', id: id 'jd' is already used by member #1 (line 2) 'Jane Doe'" in message


def test_two_people_of_one_name_with_explicit_ids_are_fine(tmp_path: Path):
    path = write_roster(tmp_path, "members:\n  - name: Wei Zhang\n    id: wz1\n  - name: Wei Zhang\n    id: wz2\n")
    roster, _ = load_roster(path)
    assert [m.id for m in roster.members] == ["wz1", "wz2"]
    assert roster.match("Wei Zhang").member is None and len(roster.match("Wei Zhang").ambiguous) == 2


def test_names_without_latin_letters_get_distinct_ids(tmp_path: Path):
    path = write_roster(tmp_path, "members:\n  - name: 王伟\n  - name: 김민지\n  - name: 李娜\n")
    roster, _ = load_roster(path)
    ids = [m.id for m in roster.members]
    assert len(set(ids)) == 3 and all(i.startswith("member-") for i in ids)
    assert roster.match("王伟").member.name == "王伟"


def test_merge_keys_are_not_duplicate_keys(tmp_path: Path):
    path = write_roster(
        tmp_path,
        "members:\n  - &base\n    name: Jane Doe\n    former: true\n  - <<: *base\n    name: John Roe\n",
    )
    roster, _ = load_roster(path)
    assert [(m.name, m.former) for m in roster.members] == [("Jane Doe", True), ("John Roe", True)]


def test_long_lists_of_problems_are_cut(tmp_path: Path):
    message = roster_error(tmp_path, "members:\n" + "  - name: 1\n" * 80)
    assert "invalid roster (80 problem(s))" in message and "… and 30 more" in message


@pytest.mark.parametrize(
    "fixture",
    [ROOT / "tests" / "data" / "labfiles" / "roster.yaml", ROOT / "examples" / "neurips-2024" / "roster.yaml"],
    ids=["labfiles", "example"],
)
def test_shipped_rosters_load(fixture: Path):
    roster, problems = load_roster(fixture)
    assert problems == [] and roster.members
    if "labfiles" in str(fixture):
        anna = roster.match("SCHMIDT, ANNA").member
        assert anna.url == "https://lab.example/people/anna-schmidt" and anna.mastodon == "@anna@example.social"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        (b"members:\n  - name: M\xfcller\n", "not valid UTF-8 at byte 20 (line 2, column 12"),
        (b"members: " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (
            b'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
            + b"".join(
                f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n".encode()
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
            + b"members: [*i]\n",
            "alias bomb",
        ),
        (b"\xef\xbb\xbfmembers:\n  - name: \n", "got nothing"),  # a BOM is fine, the empty name is not
    ],
    ids=["binary", "latin-1", "deep", "bomb", "bom"],
)
def test_hostile_roster_files_are_config_errors(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "roster.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=str(path)) as exc:
        load_roster(path)
    assert expected in str(exc.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_roster_fifo_is_refused(tmp_path: Path):
    path = tmp_path / "roster.yaml"
    os.mkfifo(path)
    with pytest.raises(ConfigError, match="named pipe"):
        load_roster(path)


def test_binary_roster_exits_2_with_one_message(project):
    (project.root / "roster.yaml").write_bytes(b"\x00\x01\x02binary\xff\xfe")
    code, out, err = project.run("check")
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert err.startswith("error: ") and "roster.yaml: looks like a binary file" in err
    assert len(err.strip().splitlines()) == 1


def test_invalid_roster_exits_2_listing_every_problem(project):
    project.write("roster.yaml", "members:\n  - name: Jane Doe\n    orcid: 0000-0002-1825-0098\n  - nme: X\n")
    code, _, err = project.run("check")
    assert code == 2 and "Traceback" not in err
    assert "invalid roster (3 problem(s))" in err and "wrong check digit" in err and "did you mean 'name'" in err


@pytest.mark.parametrize("text", ["members: 3\n", "- a\n", "members: [\n"])
def test_load_roster_bad_file(tmp_path: Path, text):
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="roster.yaml"):
        load_roster(path)


def test_missing_roster_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load_roster(tmp_path / "nope.yaml")
