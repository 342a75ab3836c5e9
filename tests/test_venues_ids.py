import pytest

from bot import ids
from bot.models import VenueEvent
from bot.venues import long_name_series, parse_venue, venue_key


@pytest.mark.parametrize(
    ("text", "series", "year", "track", "workshop", "presentation"),
    [
        ("NeurIPS 2024", "NeurIPS", 2024, "main", None, None),
        ("FITML @NeurIPS 2024", "NeurIPS", 2024, "workshop", "FITML", None),
        ("FITML@NeurIPS 2024", "NeurIPS", 2024, "workshop", "FITML", None),
        ("NeurIPS 2024 oral", "NeurIPS", 2024, "main", None, "oral"),
        ("NeurIPS 2024 (Spotlight)", "NeurIPS", 2024, "main", None, "spotlight"),
        ("ICLR 2025 Poster", "ICLR", 2025, "main", None, "poster"),
        ("NeurIPS 2024 Datasets and Benchmarks Track", "NeurIPS", 2024, "datasets", None, None),
        ("Findings of EMNLP 2024", "EMNLP", 2024, "findings", None, None),
        ("ICML'24", "ICML", 2024, "main", None, None),
        ("nips 2019", "NeurIPS", 2019, "main", None, None),
        ("TMLR 2024", "TMLR", 2024, "journal", None, None),
        (
            "NeurIPS 2024 - Workshop on Machine Learning and Compression",
            "NeurIPS",
            2024,
            "workshop",
            "Workshop on Machine Learning and Compression",
            None,
        ),
        (
            "Workshop on Efficient Systems at NeurIPS 2024",
            "NeurIPS",
            2024,
            "workshop",
            "Workshop on Efficient Systems",
            None,
        ),
    ],
)
def test_parse_venue(text, series, year, track, workshop, presentation):
    v = parse_venue(text)
    assert (v.series, v.year, v.track, v.workshop, v.presentation) == (
        series,
        year,
        track,
        workshop,
        presentation,
    )


def test_submitted_venue():
    assert parse_venue("Submitted to ICLR 2025").status == "submitted"


def test_venue_without_series_is_an_error():
    with pytest.raises(ValueError, match="expected e.g."):
        parse_venue("2024")


def test_keys_separate_workshop_and_main():
    main = VenueEvent("NeurIPS", 2024)
    ws = VenueEvent("NeurIPS", 2024, "workshop", "FITML")
    assert main.key == "neurips-2024" and ws.key == "neurips-2024-workshop-fitml"
    assert main.conference == ws.conference == "NeurIPS 2024"
    assert ws.label == "FITML @ NeurIPS 2024"
    assert VenueEvent("NeurIPS", 2024, presentation="oral").label == "NeurIPS 2024 (oral)"
    assert venue_key("NeurIPS", 2024, "datasets", None) == "neurips-2024-datasets"


def test_long_names():
    assert long_name_series("Advances in Neural Information Processing Systems 37") == "NeurIPS"
    assert long_name_series("Proceedings of the 41st International Conference on Machine Learning") == "ICML"
    assert long_name_series("Some Local Symposium") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2405.01234", "2405.01234"),
        ("2405.01234v3", "2405.01234"),
        ("https://arxiv.org/abs/2405.01234v2", "2405.01234"),
        ("https://arxiv.org/pdf/2405.01234.pdf", "2405.01234"),
        ("arXiv:2405.01234", "2405.01234"),
        ("10.48550/arXiv.2405.01234", "2405.01234"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("journals/corr/abs-2405-01234", "2405.01234"),
    ],
)
def test_arxiv_ids(value, expected):
    assert ids.arxiv_id(value) == expected


def test_bad_ids():
    with pytest.raises(ValueError, match="not an arXiv id"):
        ids.arxiv_id("soon")
    with pytest.raises(ValueError, match="not a DOI"):
        ids.doi("n/a")
    with pytest.raises(ValueError, match="http"):
        ids.url("github.com/x/y")


def test_doi_normalised():
    assert ids.doi("https://doi.org/10.1145/3726302.3729907") == "10.1145/3726302.3729907"
    assert ids.doi("doi:10.52202/079017-ABC.") == "10.52202/079017-abc"
    assert ids.arxiv_from_doi("10.48550/arxiv.2405.01234") == "2405.01234"
    assert ids.openreview_id("https://openreview.net/forum?id=aVh9KRZdRk") == "aVh9KRZdRk"
