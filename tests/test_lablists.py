"""Lab lists as labs write them: status rule, names, titles, links, withdrawal, --strict.

The per-entry corpus is in test_labfiles.py; these tests pin each rule on its own and run
the CLI end to end for what an editor sees.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.names import display_name, split_bibtex_authors
from bot.sources.status import bib_verdict
from bot.text import title_case

# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "names", "et_al"),
    [
        (
            "Han, Woorim and Lee, Younghan and Jun, Sohee and Paek, Yunheung",
            ["Woorim Han", "Younghan Lee", "Sohee Jun", "Yunheung Paek"],
            False,
        ),
        ("King, Jr., Martin and {van der Maaten}, Laurens", ["Martin King Jr.", "Laurens van der Maaten"], False),
        ("Fing\\-scheidt, Tim and Wang, Wei", ["Tim Fingscheidt", "Wei Wang"], False),
        ("Wei Wang 0010 and Jane Doe 0002", ["Wei Wang", "Jane Doe"], False),
        ("Doe, Jane and others", ["Jane Doe"], True),
        ("MÜLLER, JONAS AND VAN DER BERG, LENA", ["Jonas Müller", "Lena van der Berg"], False),
        ('M{\\"u}ller, J{\\"o}rg and Y{\\i}lmaz, Elif', ["Jörg Müller", "Elif Yılmaz"], False),
        ("Schmidt*, Anna and Ferreira$^\\dagger$, Tomás", ["Anna Schmidt", "Tomás Ferreira"], False),
        ("Doe, Jane and and Roe, John", ["Jane Doe", "John Roe"], False),
        ("O'CONNOR, DANIEL", ["Daniel O'Connor"], False),
        ("王伟 and 김민지", ["王伟", "김민지"], False),
        ("de la Cruz, María and {Google DeepMind}", ["María de la Cruz", "Google DeepMind"], False),
    ],
)
def test_bibtex_author_lists(raw, names, et_al):
    assert split_bibtex_authors(raw) == (names, et_al)


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20), max_size=6))
def test_author_splitting_never_raises_and_gives_clean_names(parts):
    names, _ = split_bibtex_authors(" and ".join(parts))
    for name in names:
        assert name and name == name.strip()
        assert name.casefold() not in ("and", "others")


def test_display_name_leaves_initials_and_single_names_alone():
    assert display_name("J. R. R.") == "J. R. R."
    assert display_name("Doe, J.") == "J. Doe"
    assert display_name("Plato") == "Plato"


# --- titles -------------------------------------------------------------------------------


def test_all_caps_titles_keep_acronyms():
    abstract = "We train convolutional neural networks (CNNs) for MRI."
    assert (
        title_case("DEEP LEARNING FOR MRI RECONSTRUCTION WITH CNNS", context=abstract)
        == "Deep Learning for MRI Reconstruction with CNNs"
    )
    assert (
        title_case("TOWARDS REAL-TIME DNN SPEECH ENHANCEMENT", keep=("DNN",))
        == "Towards Real-Time DNN Speech Enhancement"
    )
    assert title_case("A SURVEY: THE STATE OF GPT4 AGENTS") == "A Survey: The State of GPT4 Agents"


# --- the status rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry_type", "fields", "container", "status", "reason"),
    [
        ("inproceedings", {}, "Advances in Neural Information Processing Systems", "published", ""),
        ("article", {"note": "Rejected"}, "Nature", "rejected", ""),
        ("inproceedings", {"note": "Accepted, oral"}, "ICML", "accepted", ""),
        ("inproceedings", {"note": "Withdrawn by the authors"}, "ICML", "withdrawn", ""),
        ("article", {"pubstate": "forthcoming"}, "Data Mining and Knowledge Discovery", "accepted", ""),
        ("article", {"pubstate": "prepublished"}, "SSRN Electronic Journal", "skip", "preprint"),
        ("article", {}, "arXiv preprint arXiv:2102.12037", "skip", "preprint"),
        ("article", {}, "CoRR", "skip", "preprint"),
        ("article", {}, "bioRxiv", "skip", "preprint"),
        ("article", {"note": "Under review"}, "Transactions on Machine Learning Research", "skip", "submitted"),
        ("article", {"keywords": "deep learning, Submitted"}, "Neural Networks", "skip", "submitted"),
        ("article", {"keywords": "submitted-papers-are-fun"}, "Neural Networks", "published", ""),
        ("article", {"annote": "Rejected from ICLR"}, "ICLR", "rejected", ""),
        ("inproceedings", {"note": "Submitted to ICLR 2025; accepted"}, "ICLR", "accepted", ""),
        ("misc", {"note": "Accepted at NeurIPS"}, "", "skip", "misc"),
        ("misc", {"eprint": "2401.00001"}, "", "skip", "preprint"),
        ("misc", {"howpublished": "Invited talk"}, "", "skip", "talk"),
        ("unpublished", {}, "", "skip", "misc"),
        ("techreport", {}, "", "skip", "misc"),
        ("phdthesis", {}, "", "skip", "thesis"),
        ("patent", {}, "", "skip", "patent"),
        ("article", {}, "US Patent 10,123,456", "skip", "patent"),
        ("inproceedings", {}, "", "skip", "no_venue"),
    ],
)
def test_status_rule(entry_type, fields, container, status, reason):
    verdict = bib_verdict(entry_type, fields, container)
    assert (verdict.status, verdict.reason) == (status, reason)


# --- end to end ---------------------------------------------------------------------------

BIB = r"""
@inproceedings{good,
  title = {Provable Guarantees for Decentralized Bandits},
  author = {Doe, Jane and Roe, Richard},
  booktitle = {Proceedings of the 39th International Conference on Machine Learning},
  year = {2022},
  pdf = {papers/good.pdf},
  url = {doi:<a href="https://doi.org/10.5555/1">10.5555/1</a>},
  selected = {true}, selected = {false},
}
@article{wrongid,
  title = {A Completely Different Study of Protein Folding},
  author = {Doe, Jane},
  journal = {Bioinformatics},
  year = {2023},
  eprint = {2405.01234},
}
@article{rightid,
  title = {Sparse Mixture-of-Experts Routing via Optimal Transport},
  author = {Doe, Jane},
  journal = {Transactions on Machine Learning Research},
  year = {2024},
  eprint = {2405.01234},
}
@misc{shared, title = {Someone Else's Paper}, author = {Other, Person}, year = {2024}, eprint = {2301.00001}}
@article{nonmember, title = {Not Ours}, author = {Other, Person}, journal = {Nature}, year = {2024}}
"""


def test_check_exits_0_on_a_healthy_file_and_strict_makes_warnings_fatal(project):
    project.source("papers.bib", BIB)
    code, out, err = project.run("check", "--json")
    data = json.loads(out)
    assert code == 0, err
    assert data["new"] == 3
    assert data["skipped_non_member"] == 1 and data["skipped_by_reason"]["preprint"] == 1
    levels = {(w["record"].split(" ")[1], w["field"], w["level"]) for w in data["warnings"]}
    assert levels == {
        ("'good'", "pdf", "warning"),  # a relative file with no base_url: dropped, paper kept
        ("'good'", "url", "warning"),  # HTML in url
        ("'good'", "selected", "warning"),  # given twice: first value wins
        ("'rightid'", "arxiv", "warning"),  # same arXiv id, other title: not merged
    }
    code, _, err = project.run("check", "--strict")
    assert code == 1 and "warning:" in err


def test_a_wrong_arxiv_id_never_swaps_papers(project):
    project.source("papers.bib", BIB)
    project.run("check")
    titles = {a.paper.title: a.paper for a in _due(project)}
    assert titles["A Completely Different Study of Protein Folding"].arxiv_id == "2405.01234"
    assert titles["Sparse Mixture-of-Experts Routing via Optimal Transport"].arxiv_id is None


def test_base_url_resolves_a_relative_pdf(project):
    project.source("papers.bib", BIB)
    project.extra = ""
    project.write_config()
    text = project.config.read_text().replace(
        'path = "papers.bib"\n', 'path = "papers.bib"\nbase_url = "https://lab.example/pubs/"\n'
    )
    project.config.write_text(text)
    from bot.config import load_config
    from bot.sources.files import FileSource

    cfg = load_config(project.config)
    result = FileSource(cfg.sources[0]).fetch()
    good = next(r.paper for r in result.records if r.paper.title.startswith("Provable"))
    assert good.links.pdf == "https://lab.example/pubs/papers/good.pdf"
    assert not any(p.field == "pdf" for p in result.problems)


WITHDRAW_BEFORE = """\
papers:
  - title: A Paper That Gets Withdrawn
    authors: [Jane Doe]
    venue: NeurIPS 2024
    arxiv: "2405.11111"
"""


def test_withdrawn_before_announcement_leaves_every_queue(project):
    project.source("papers.yaml", WITHDRAW_BEFORE)
    assert project.json("check")["new"] == 1
    project.source("papers.yaml", WITHDRAW_BEFORE + "    status: withdrawn\n")
    data = project.json("check")
    assert data["new"] == 0 and data["removed"] == 1
    assert _due(project) == []


def test_withdrawn_after_announcement_is_reported_never_deleted(project):
    project.source("papers.yaml", WITHDRAW_BEFORE)
    project.run("check")
    from bot.store import Store

    with Store(project.db) as store:
        ann = store.due("mastodon")[0]
        store.mark_announced(ann.paper.id, ann.event.key, "mastodon")
    project.source("papers.yaml", WITHDRAW_BEFORE + "    status: rejected\n")
    code, out, err = project.run("check")
    assert "announced, now rejected in source" in err
    status = project.json("status")
    assert status["attention"][0]["title"] == "A Paper That Gets Withdrawn"
    code, out, _ = project.run("status")
    assert "attention:" in out and "now rejected" in out


def test_members_are_shown_in_the_roster_spelling(project):
    project.source(
        "papers.yaml",
        """\
papers:
  - title: Cross-Lingual Retrieval
    authors: ["Schuetze, Hinrich", "Yvon, François"]
    venue: ACL 2024
""",
    )
    project.run("check")
    (ann,) = _due(project)
    assert [a.name for a in ann.paper.authors] == ["Hinrich Schütze", "François Yvon"]


def _due(project):
    from bot.store import Store

    with Store(project.db) as store:
        return store.due("mastodon")


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Xuefeng Bai, Sen Yang, Leyang Cui, Linfeng Song, Yue Zhang", 5),
        ("Akhilesh Adithya, Snigdha Tiwari, Sougata Sen, and Surjya Ghosh", 4),
        ("Jane Doe, John Roe and Max Moe", 3),
        ("van der Berg, Lena Marie and Doe, Jane Anne", 2),
        ("Doe, Jane", 1),
    ],
)
def test_comma_separated_author_lists_as_hugo_sites_write_them(raw, names):
    got, _ = split_bibtex_authors(raw)
    assert len(got) == names and all("," not in n for n in got)


def test_endnote_suffix_and_plus_markers():
    assert split_bibtex_authors("Kelleher, R. J., 3rd and Han+, Yoseob")[0] == ["R. J. Kelleher 3rd", "Yoseob Han"]


REAL_WORLD = r"""
@article{badge, title = {Dose Estimation with Transformers}, author = {Doe, Jane},
  abbr = {MI}, journal = {Physics in Medicine \& Biology}, year = {2025}}
@inproceedings{nodalida, title = {Tokenizers for Danish}, author = {Doe, Jane},
  booktitle = {Proceedings of the 24th Nordic Conference on Computational Linguistics (NoDaLiDa)}, year = {2023}}
@inproceedings{sac, title = {Fast Joins}, author = {Doe, Jane},
  booktitle = {Proceedings of the 39th ACM/SIGAPP Symposium on Applied Computing, {SAC} 2024, Avila, Spain,
               April 8-12, 2024},
  year = {2024}}
@article{royal, title = {Bees Count}, author = {Doe, Jane},
  journal = {Proceedings of the Royal Society B: Biological Sciences},
  year = {2021}}
@article{submitted, title = {A Kalman Filter}, author = {Doe, Jane}, journal = {submitted to WASPAA}, year = {2019}}
@article{report, title = {A Report}, author = {Doe, Jane}, journal = {UCLA Technical Report: TR-070020}, year = {2008}}
@article{procedia, title = {Smart Bins}, author = {Doe, Jane}, journal = {Procedia Computer Science}, year = {2020}}
@inproceedings{companion, title = {Wearable Sensing}, author = {Doe, Jane},
  booktitle = {Companion of the 2024 ACM International Joint Conference on Pervasive and Ubiquitous Computing},
  year = {2024}}
@inproceedings{demo, title = {Demo Abstract: A Sensor Board}, author = {Doe, Jane},
  booktitle = {Proceedings of the 17th ACM/IEEE International Conference on Information Processing in Sensor Networks},
  year = {2018}}
@inproceedings{dashes, title = {Machine Learning--Based Cyber---Physical Systems},
  author = {Hasegawa--Johnson, Mark and Doe, Jane},
  booktitle = {Fach\-tagung Sprachkommunikation}, year = {2016}, url = {{https://arxiv.org/abs/1610.06298}}}
"""


def test_real_world_venue_and_status_patterns(tmp_path):
    from bot.config import FileSourceConfig
    from bot.sources.files import FileSource

    (tmp_path / "l.bib").write_text(REAL_WORLD, encoding="utf-8")
    result = FileSource(FileSourceConfig(type="file", path=tmp_path / "l.bib")).fetch()
    labels = {r.label.split("'")[1]: r.paper.events[0].label for r in result.records}
    assert labels == {
        "badge": "Physics in Medicine & Biology 2025",  # al-folio's abbr badge is not the venue
        "nodalida": "NoDaLiDa 2023",
        "sac": "SAC 2024",
        "royal": "Proceedings of the Royal Society B: Biological Sciences 2021",
        "procedia": "Procedia Computer Science 2020",  # only a series: still where it appeared
        "companion": "UbiComp 2024 Companion",
        "demo": "IPSN 2018 Demo Track",
        "dashes": "Fachtagung Sprachkommunikation 2016",
    }
    assert dict(result.skipped) == {"submitted": 1, "misc": 1}
    dashes = next(r.paper for r in result.records if r.label.startswith("entry 'dashes'"))
    assert dashes.title == "Machine Learning–Based Cyber—Physical Systems"
    assert dashes.authors[0].name == "Mark Hasegawa-Johnson"
    assert dashes.links.url == "https://arxiv.org/abs/1610.06298"  # {{…}} around a URL
    assert result.problems == []
