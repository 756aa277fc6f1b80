"""The historical_figures builder on a small readable fixture, through a real Oxigraph and real dump files; and an
end-to-end build from the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spacetime.pipelines.builders.steps import split_of
from spacetime.pipelines.datasets.historical_figures import build as hf
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.sparql import HistoricalDate, SparqlClient
from tests.conftest import build_from_sample

pytestmark = pytest.mark.server  # this module's tests run against local servers

FIXTURE = Path(__file__).parent / "fixtures" / "historical_figures.ttl"
WINDOW = PageviewWindow("2021-01", 2)
VIEWS = {  # per month; two months in the window
    "Julius_Caesar": 90_000,
    "Marcus_Junius_Brutus": 40_000,
    "Cicero": 10_000,
    "Augustus": 50_000,
    "Sample_died_1_BCE": 9_000,
    "Sample_died_1000_BCE": 9_000,
    "Isaac_Newton": 60_000,
    "Charles_M._Schulz": 20_000,
    "Albert_Einstein": 80_000,
    "Joan_of_Arc": 30_000,
    "Mark_Twain": 30_000,
    "Leo_Tolstoy": 30_000,
    "Sample_conflicting_birth_years": 9_000,
    "Ramesses_II": 30_000,
    "Muhammad_Ali": 70_000,
    "Sample_malformed_death_date": 9_000,
    "Sample_conflicting_death_dates": 9_000,
    "Sample_no_english_label": 9_000,
    "Sample_no_occupation": 9_000,
    "Sample_born_after_death": 9_000,
    "Sample_few_views": 1_000,
}
KEPT = {
    "Julius_Caesar",
    "Marcus_Junius_Brutus",
    "Augustus",
    "Sample_died_1_BCE",
    "Sample_died_1000_BCE",
    "Isaac_Newton",
    "Charles_M._Schulz",
    "Albert_Einstein",
    "Joan_of_Arc",
    "Mark_Twain",
    "Leo_Tolstoy",
    "Sample_conflicting_birth_years",
}
DROPS = {
    "malformed_death_date": 1,
    "conflicting_death_dates": 1,
    "death_year_before_-1000": 1,
    "death_year_after_2000": 1,
    "no_english_label": 1,
    "no_occupation_or_person_type": 1,
    "born_after_death": 1,
    "bad_title": 1,
    "no_pageviews": 1,
    "pageviews_at_most_5000": 1,
    "beyond_2_most_viewed_in_decade": 1,
}
TWO_PER_DECADE = hf.HistoricalFiguresConfig(top_per_decade=2)


# Another project's line with a real title: the dump reader must skip it.
OTHER_PROJECT_LINES = ("de.wikipedia Cicero 1 desktop 999999 A1\n",)


def _sources(endpoint: str, dumps: Path) -> Sources:
    client = SparqlClient(endpoint, progress=False, retry=RetryPolicy(attempts=2, backoff_base=0.01, backoff_max=0.02))
    return Sources(client, PageviewDumps(dumps, progress=False), WINDOW, {"mode": "test"})


def _build(sources: Sources, out: Path, config=TWO_PER_DECADE) -> tuple[pd.DataFrame, dict]:
    folder = hf.build(sources, out, config)
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())


@pytest.fixture(scope="module")
def built(oxigraph, dumps, tmp_path_factory):
    return _build(_sources(oxigraph.endpoint, dumps), tmp_path_factory.mktemp("out"))


# ----------------------------------------------------------------------------------------------- years


def test_bce_literals_read_astronomically_give_historical_years():
    assert hf.historical_year(-43) == -44  # "-0043": 44 BCE
    assert hf.historical_year(0) == -1  # "0000": 1 BCE
    assert hf.historical_year(1) == 1
    assert hf.historical_year(-44, "historical") == -44
    assert hf.historical_year(0, "historical") is None  # no year 0 in XML Schema 1.0
    assert [hf.astronomical_year(y) for y in (-44, -1, 1, 1969)] == [-43, 0, 1, 1969]
    assert [hf.decade_of(y) for y in (-44, -41, -1, 1, 9, 10, 1999, 2000)] == [-50, -50, -10, 0, 0, 10, 1990, 2000]
    assert hf.iso_date(-44, 3, 15) == "-0043-03-15"


def test_resolve_year_prefers_the_full_date_within_a_year_and_flags_conflicts():
    def resolve(dates=(), years=(), malformed=False):
        return hf.resolve_year(dates, years, malformed, "astronomical", 1)

    assert resolve([HistoricalDate(1727, 3, 31)], [1726]) == hf.Resolved(1727, "1727-03-31")
    assert resolve([HistoricalDate(-43, 3, 15)]) == hf.Resolved(-44, "-0043-03-15")
    assert resolve(years=[-41]) == hf.Resolved(-42)
    # two full dates (Julian and Gregorian): the earliest
    assert resolve([HistoricalDate(1616, 5, 3), HistoricalDate(1616, 4, 23)]).date == "1616-04-23"
    assert resolve([HistoricalDate(1700, 5, 1)], [1750]).problem == "conflicting"
    assert resolve(malformed=True).problem == "malformed"
    assert resolve([HistoricalDate(1800, 1, 1)], malformed=True) == hf.Resolved(1800, "1800-01-01")
    assert resolve(["1850"]).problem == "malformed"  # a literal of another datatype
    assert hf.resolve_year([], [0], False, "historical", 1).problem == "malformed"


# ----------------------------------------------------------------------------------------------- the fixture build


def test_rules_keep_and_drop_the_right_people(built):
    df, meta = built
    assert set(df["entity_id"]) == KEPT
    assert meta["drops"]["counts"] == DROPS
    assert meta["steps"][0]["rows_in"] == len(KEPT) + sum(DROPS.values())  # every queried person accounted for
    assert meta["drops"]["examples"]["death_year_after_2000"] == ["Muhammad_Ali"]
    assert meta["drops"]["examples"]["death_year_before_-1000"] == ["Ramesses_II"]


def test_decade_selection_keeps_the_most_viewed_not_the_first_in_file_order(built):
    df, meta = built
    # Decade -50 holds Cicero (10k views a month), Julius Caesar (90k) and Brutus (40k). The query returns them
    # sorted by IRI, Cicero first: "the first two rows of the decade" would keep Cicero and Caesar.
    assert meta["drops"]["examples"]["beyond_2_most_viewed_in_decade"] == ["Cicero"]
    assert {"Julius_Caesar", "Marcus_Junius_Brutus"} <= set(df["entity_id"])
    decades = {d["decade"]: d for d in meta["per_decade"]}
    assert decades[-50] == {"decade": -50, "candidates": 3, "kept": 2}
    assert decades[10] == {"decade": 10, "candidates": 1, "kept": 1}
    assert sum(d["kept"] for d in meta["per_decade"]) == len(df)
    assert [d["decade"] for d in meta["per_decade"]] == sorted(decades)


def test_top_per_decade_ties_are_broken_by_title(oxigraph, dumps, tmp_path):
    df, meta = _build(
        _sources(oxigraph.endpoint, dumps), tmp_path / "out", hf.HistoricalFiguresConfig(top_per_decade=1)
    )
    kept = set(df["entity_id"])
    assert "Julius_Caesar" in kept and not {"Marcus_Junius_Brutus", "Cicero"} & kept
    # Leo Tolstoy and Mark Twain died in the 1910s with equal views: the first title wins.
    assert "Leo_Tolstoy" in kept and "Mark_Twain" not in kept
    assert meta["drops"]["counts"]["beyond_1_most_viewed_in_decade"] == 3
    assert {d["decade"]: d["kept"] for d in meta["per_decade"]}[1910] == 1


def test_columns_types_and_bce_values(built, tmp_path):
    df, meta = built
    row = df.set_index("entity_id")
    assert row.loc["Julius_Caesar", "death_year"] == -44
    assert row.loc["Julius_Caesar", "death_date"] == "-0043-03-15"
    assert row.loc["Julius_Caesar", "death_decade"] == -50
    assert row.loc["Julius_Caesar", "birth_year"] == -100
    assert row.loc["Marcus_Junius_Brutus", "death_year"] == -42
    assert pd.isna(row.loc["Marcus_Junius_Brutus", "death_date"])
    assert row.loc["Augustus", "death_year"] == 14 and row.loc["Augustus", "birth_year"] == -63
    assert row.loc["Sample_died_1_BCE", "death_year"] == -1 and row.loc["Sample_died_1_BCE", "death_decade"] == -10
    assert row.loc["Sample_died_1000_BCE", "death_year"] == -1000
    assert row.loc["Isaac_Newton", "death_year"] == 1727 and row.loc["Isaac_Newton", "death_date"] == "1727-03-31"
    assert row.loc["Charles_M._Schulz", "death_year"] == 2000
    assert row.loc["Albert_Einstein", "occupation"] == "Physicist"
    assert row.loc["Albert_Einstein", "entity_type"] == "Scientist"
    assert row.loc["Joan_of_Arc", "entity_type"] == "Person" and row.loc["Joan_of_Arc", "occupation"] == "Soldier"
    assert row.loc["Mark_Twain", "entity_type"] == "Writer" and pd.isna(row.loc["Mark_Twain", "occupation"])
    assert pd.isna(row.loc["Sample_conflicting_birth_years", "birth_year"])
    assert meta["birth_year_nulls"] == {"conflicting": 1}
    assert row.loc["Julius_Caesar", "page_views"] == 180_000
    assert row.loc["Julius_Caesar", "name"] == "Julius Caesar"
    assert all(s == split_of(e, "historical_figures") for e, s in zip(df["entity_id"], df["split"]))
    assert list(df["entity_id"]) == sorted(df["entity_id"])
    assert meta["target"] == ["death_year"] and meta["parameters"]["top_per_decade"] == 2
    assert {q["name"] for q in meta["sources"]["dbpedia"]} == {
        "historical_figures.deaths",
        "historical_figures.occupations",
        "historical_figures.types",
        "ontology.subclasses",
    }


def test_schema_is_declared_and_typed(tmp_path, oxigraph, dumps):
    folder = hf.build(_sources(oxigraph.endpoint, dumps), tmp_path / "out", TWO_PER_DECADE)
    schema = pq.read_schema(folder / "data.parquet")
    assert schema.names == hf.SPEC.schema.names
    assert str(schema.field("death_year").type) == "int32" and str(schema.field("birth_year").type) == "int32"


def test_year_numbering_is_a_declared_choice(oxigraph, dumps, tmp_path):
    df, meta = _build(
        _sources(oxigraph.endpoint, dumps),
        tmp_path / "out",
        hf.HistoricalFiguresConfig(top_per_decade=2, literal_years="historical"),
    )
    row = df.set_index("entity_id")
    assert row.loc["Julius_Caesar", "death_year"] == -43  # "-0043" read as XML Schema 1.0: 43 BCE
    assert row.loc["Julius_Caesar", "death_date"] == "-0042-03-15"  # written back astronomically
    assert "Sample_died_1_BCE" not in row.index  # year 0000 is no year in that numbering
    assert meta["drops"]["counts"]["malformed_death_date"] == 2
    with pytest.raises(ValueError):
        hf.HistoricalFiguresConfig(literal_years="julian")


# ----------------------------------------------------------------------------------------------- the bundled sample


def test_builds_from_the_bundled_sample(tmp_path):
    folder = build_from_sample(hf.build, tmp_path)
    df = pd.read_parquet(folder / "data.parquet")
    meta = json.loads((folder / "metadata.json").read_text())
    assert len(df) >= 200
    assert df["death_year"].between(-1000, 2000).all()
    assert (df["death_year"] < 0).sum() >= 30  # BCE people are there
    row = df.set_index("entity_id")
    assert row.loc["Julius_Caesar", "death_year"] == -44 and row.loc["Julius_Caesar", "death_date"] == "-0043-03-15"
    assert row.loc["Abraham_Lincoln", "death_date"] == "1865-04-15"
    counts = meta["drops"]["counts"]
    for rule in (
        "malformed_death_date",
        "conflicting_death_dates",
        "death_year_before_-1000",
        "death_year_after_2000",
        "no_occupation_or_person_type",
        "pageviews_at_most_5000",
    ):
        assert counts.get(rule, 0) >= 1, rule
    assert not any(e.startswith("Sample_") for e in df["entity_id"])
    assert len(meta["per_decade"]) >= 60
    assert 0.1 < (df["split"] == "test").mean() < 0.3
