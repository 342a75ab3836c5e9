"""Lab files: every format, and bad records that cost only themselves."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import FileSourceConfig
from bot.sources.files import FileSource


def fetch(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return FileSource(FileSourceConfig(type="file", path=path)).fetch(None)


YAML = """\
papers:
  - title: "Variational Low-Rank Adaptation Using {IVON}"
    authors: [Bai Cong, Jane Doe]
    venue: "FITML @NeurIPS 2024"
    workshop_name: "Workshop on Fine-Tuning in Modern Machine Learning"
    arxiv: "https://arxiv.org/abs/2411.04421v2"
    code: https://github.com/team-approx-bayes/ivon-lora
    accepted_on: 2024-10-09
    abstract: >-
      IVON improves accuracy by 2.8% and calibration by 4.6%. We use $\\ell_2$ loss.
  - title: "Missing authors"
    venue: NeurIPS 2024
  - authors: [Jane Doe]
    venue: NeurIPS 2024
  - title: Bad date
    authors: [Jane Doe]
    venue: NeurIPS 2024
    accepted_on: 2024-13-45
  - title: Typo key
    authors: [Jane Doe]
    venue: NeurIPS 2024
    abstrct: oops
  - title: "Main track paper"
    authors: "Jane Doe and John Roe"
    venue: "NeurIPS 2024 spotlight"
    doi: https://doi.org/10.52202/079017-0001
  - title: "A preprint"
    authors: [Jane Doe]
    status: preprint
"""


def test_yaml_loads_good_records_and_reports_each_bad_one(tmp_path):
    result = fetch(tmp_path, "papers.yaml", YAML)
    assert result.ok and result.snapshot
    titles = [r.paper.title for r in result.records]
    assert titles == ["Variational Low-Rank Adaptation Using IVON", "Main track paper"]
    ivon = result.records[0].paper
    assert ivon.arxiv_id == "2411.04421"
    assert ivon.links.arxiv == "https://arxiv.org/abs/2411.04421"
    assert ivon.links.code == ("https://github.com/team-approx-bayes/ivon-lora",)
    assert ivon.abstract == "IVON improves accuracy by 2.8% and calibration by 4.6%. We use ℓ₂ loss."
    ev = ivon.events[0]
    assert (ev.track, ev.workshop, ev.key, str(ev.accepted_on)) == (
        "workshop",
        "FITML",
        "neurips-2024-workshop-fitml",
        "2024-10-09",
    )
    main = result.records[1].paper
    assert [a.name for a in main.authors] == ["Jane Doe", "John Roe"]
    assert main.events[0].presentation == "spotlight" and main.doi == "10.52202/079017-0001"
    by_field = {(p.record.split(" ")[0], p.field) for p in result.problems}
    assert by_field == {("#2", "authors"), ("#3", "title"), ("#4", "accepted_on"), ("#5", "abstrct")}
    typo = next(p for p in result.problems if p.field == "abstrct")
    assert "did you mean 'abstract'" in typo.message
    date = next(p for p in result.problems if p.field == "accepted_on")
    assert "(line 15)" in date.record and "'Bad date'" in date.record and "YYYY-MM-DD" in date.message
    assert all(p.source == "papers.yaml" for p in result.problems)


def test_broken_yaml_fails_the_source_as_a_whole(tmp_path):
    result = fetch(tmp_path, "papers.yaml", "papers:\n  - title: [unclosed\n")
    assert not result.ok and not result.records and "not valid YAML" in result.problems[0].message


def test_yaml_without_papers_key(tmp_path):
    result = fetch(tmp_path, "papers.yaml", "- title: x\n")
    assert not result.ok and "'papers:'" in result.problems[0].message


def test_missing_file(tmp_path):
    result = FileSource(FileSourceConfig(type="file", path=tmp_path / "gone.yaml")).fetch(None)
    assert not result.ok and "not found" in result.problems[0].message


def test_unknown_extension(tmp_path):
    result = fetch(tmp_path, "papers.txt", "x")
    assert not result.ok and "format" in result.problems[0].message


CSV = """\
title,authors,venue,track,presentation,status,abstract,arxiv,doi,code,url,accepted_on
Paper One,Jane Doe; John Roe,NeurIPS 2024,,oral,,An abstract with 50% gains.,2405.01234,,https://github.com/a/b,,2024-09-25
,Jane Doe,NeurIPS 2024,,,,,,,,,
Paper Three,Jane Doe,ICLR 2025,,,submitted,,,,,,
"Paper, Four",Jane Doe,NeurIPS 2024,,,,,,,,not-a-url,
"""


def test_csv(tmp_path):
    result = fetch(tmp_path, "papers.csv", CSV)
    # a bad optional link costs the link, not the paper
    assert [r.paper.title for r in result.records] == ["Paper One", "Paper Three", "Paper, Four"]
    assert result.records[2].paper.links.url is None
    one = result.records[0].paper
    assert [a.name for a in one.authors] == ["Jane Doe", "John Roe"]
    assert one.events[0].presentation == "oral" and one.abstract == "An abstract with 50% gains."
    assert result.records[1].paper.events[0].status == "submitted"
    assert {(p.field) for p in result.problems} == {"title", "url"}
    assert any("line 3" in p.record for p in result.problems)


def test_csv_unknown_column_fails_whole_file(tmp_path):
    result = fetch(tmp_path, "papers.csv", "title,authros,venue\nA,Jane Doe,NeurIPS 2024\n")
    assert not result.ok and "'authros'" in result.problems[0].message


BIB = r"""
@inproceedings{cong2024ivon,
  title = {Variational Low-Rank Adaptation Using {IVON}},
  author = {Cong, Bai and Doe, Jane and M{\"o}llenhoff, Thomas},
  booktitle = {Workshop on Fine-Tuning in Modern Machine Learning (FITML @ NeurIPS 2024)},
  year = {2024},
  eprint = {2411.04421}, archivePrefix = {arXiv},
  abstract = {improves by 2.8% and 4.6%. More $\ell_2$ text here.},
  code = {https://github.com/team-approx-bayes/ivon-lora},
}
@article{broken,
  title = {Oops
  author = {x}
}
@inproceedings{neurips,
  title = {Shaving Weights with {O}ccam's Razor},
  author = {Doe, Jane},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2024},
  note = {Spotlight},
  doi = {10.52202/079017-0002},
}
@misc{preprint, title = {Only on arXiv}, author = {Doe, Jane}, year = 2024, eprint = {2401.00001}}
@article{tmlr, title = {Journal Paper}, author = {Doe, Jane}, year = {2025}, note = {Under review},
  journal = {Transactions on Machine Learning Research}}
@inproceedings{neurips, title = {Duplicate key}, author = {Doe, Jane}, booktitle = {NeurIPS}, year = 2024}
"""


def test_bibtex(tmp_path):
    result = fetch(tmp_path, "papers.bib", BIB)
    papers = {r.paper.title: r.paper for r in result.records}
    assert set(papers) == {  # "Under review" and an arXiv-only @misc are not announced
        "Variational Low-Rank Adaptation Using IVON",
        "Shaving Weights with Occam's Razor",
    }
    assert dict(result.skipped) == {"submitted": 1, "preprint": 1}
    ivon = papers["Variational Low-Rank Adaptation Using IVON"]
    assert [a.name for a in ivon.authors] == ["Bai Cong", "Jane Doe", "Thomas Möllenhoff"]
    assert ivon.abstract == "improves by 2.8% and 4.6%. More ℓ₂ text here."
    assert ivon.events[0].key == "neurips-2024-workshop-fitml" and ivon.arxiv_id == "2411.04421"
    assert ivon.events[0].workshop_name == "Workshop on Fine-Tuning in Modern Machine Learning"
    shaving = papers["Shaving Weights with Occam's Razor"].events[0]
    assert (shaving.series, shaving.year, shaving.presentation) == ("NeurIPS", 2024, "spotlight")
    records = sorted(p.record for p in result.problems)
    assert any("'broken'" in r for r in records) and any("'neurips'" in r for r in records)
    assert len(result.problems) == 2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5))
def test_any_titles_never_crash_the_yaml_reader(tmp_path_factory, titles):
    """Arbitrary titles either load or come back as problems; the reader never raises."""
    import yaml

    doc = {"papers": [{"title": t, "authors": ["Jane Doe"], "venue": "NeurIPS 2024"} for t in titles]}
    result = fetch(tmp_path_factory.mktemp("h"), "p.yaml", yaml.safe_dump(doc, allow_unicode=True))
    assert len(result.records) + len({p.record for p in result.problems}) == len(titles)
