"""The art_entertainment builder on a small readable fixture, through a real Oxigraph and real dump files; and an
end-to-end build from the bundled sample."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spacetime.pipelines.builders.steps import split_of
from spacetime.pipelines.datasets.art_entertainment import build as art
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.sparql import HistoricalDate, SparqlClient
from tests.conftest import build_from_sample

pytestmark = pytest.mark.server  # this module's tests run against local servers

FIXTURE = Path(__file__).parent / "fixtures" / "art_entertainment.ttl"
WINDOW = PageviewWindow("2021-01", 2)
KEPT = {
    "Inception",
    "Interstellar_(film)",
    "Under_Pressure",
    "Bohemian_Rhapsody",
    "Space_Oddity",
    '"Heroes"_(David_Bowie_song)',
    "It_(novel)",
    "Good_Omens",
    "Sample_song_with_only_a_writer",
    "Monsters,_Inc.",
    "Surfin'_U.S.A.",
    "Sample_film_with_a_stray_period",
    "Pulp_Fiction",
    "E.T._the_Extra-Terrestrial",
    "Rashomon",
}
VIEWS = {title: 20_000 for title in KEPT} | {  # per month; two months in the window
    "Casablanca_(film)": 20_000,
    "Oppenheimer_(film)": 20_000,
    "Sample_song_malformed_release_date": 9_000,
    "Sample_book_no_english_label": 9_000,
    "Sample_film_without_director": 9_000,
    "Sample_film_few_views": 1_000,
}
DROPS = {
    "release_year_before_1950": 1,
    "release_year_after_2020": 1,
    "malformed_release_date": 1,
    "no_english_label": 1,
    "missing_creator": 1,
    "bad_title": 1,
    "no_pageviews": 1,
    "pageviews_at_most_5000": 1,
}
# 15 rows: the Queen-Bowie component (4 rows) is more than a quarter, Nolan's (2 rows) is not.
CONFIG = art.ArtEntertainmentConfig(max_component_share=0.25)


def _sources(endpoint: str, dumps: Path) -> Sources:
    client = SparqlClient(endpoint, progress=False, retry=RetryPolicy(attempts=2, backoff_base=0.01, backoff_max=0.02))
    return Sources(client, PageviewDumps(dumps, progress=False), WINDOW, {"mode": "test"})


@pytest.fixture(scope="module")
def built(oxigraph, dumps, tmp_path_factory):
    folder = art.build(_sources(oxigraph.endpoint, dumps), tmp_path_factory.mktemp("out"), CONFIG)
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text()), folder


def _creator_sides(df: pd.DataFrame) -> dict[str, set[str]]:
    sides: dict[str, set[str]] = defaultdict(set)
    for ids, split in zip(df["creator_ids"], df["split"]):
        for creator in ids:
            sides[creator].add(split)
    return sides


# ----------------------------------------------------------------------------------------------- small rules


@pytest.mark.parametrize(
    "label, name",
    [
        ("Titanic (1997 film)", "Titanic"),
        ("It (novel)", "It"),
        ("Hello (Adele song)", "Hello"),
        ("Twilight (Meyer novel)", "Twilight"),
        ('"Heroes" (David Bowie song)', "Heroes"),
        ("\u201cSample Quoted\u201d", "Sample Quoted"),
        ("Sample Stray Period.", "Sample Stray Period"),
        ("Monsters, Inc.", "Monsters, Inc."),
        ("Surfin' U.S.A.", "Surfin' U.S.A."),
        ("W. (film)", "W."),
        ("Sample Ellipsis...", "Sample Ellipsis..."),
        ("(I Can't Get No) Satisfaction", "(I Can't Get No) Satisfaction"),
        ("Don't You (Forget About Me)", "Don't You (Forget About Me)"),
        ("'Salem's Lot", "'Salem's Lot"),
        ("  Blade   Runner  ", "Blade Runner"),
    ],
)
def test_clean_title(label, name):
    assert art.clean_title(label) == name


def test_creator_names_join_as_prose_and_lose_their_disambiguator():
    assert art.join_names(["Queen"]) == "Queen"
    assert art.join_names(["David Bowie", "Queen"]) == "David Bowie and Queen"
    assert art.join_names(["Jay-Z", "Kanye West", "Rihanna"]) == "Jay-Z, Kanye West and Rihanna"
    assert art.plain_name("Queen (band)") == "Queen"
    assert art.title_label("http://dbpedia.org/resource/Nirvana_(band)") == "Nirvana"


def test_first_release_is_the_earliest_and_keeps_its_precision():
    assert art.first_release([HistoricalDate(1994, 10, 14), HistoricalDate(1994, 5, 21)], False) == art.Release(
        1994, "1994-05-21", "day"
    )
    assert art.first_release([1982, HistoricalDate(1982, 6, 11)], False) == art.Release(1982, "1982-06-11", "day")
    assert art.first_release([HistoricalDate(1986, 9)], False) == art.Release(1986, "1986-09", "month")
    assert art.first_release([1990], False) == art.Release(1990, "1990", "year")
    assert art.first_release([1991, HistoricalDate(1992, 1, 1)], False).date == "1991"
    assert art.first_release([], True) == art.Release(malformed=True)
    assert art.first_release(["1999"], False).malformed  # a literal of another datatype


def test_connected_groups_join_works_through_shared_creators_in_any_order():
    links = [("C", ["y"]), ("A", ["x"]), ("B", ["x", "y"]), ("D", ["z"]), ("E", [])]
    groups = art.connected_groups(links)
    assert groups == {"A": "A", "B": "A", "C": "A", "D": "D", "E": "E"}
    assert art.connected_groups(reversed(links)) == groups


# ----------------------------------------------------------------------------------------------- the fixture build


def test_rules_keep_and_drop_the_right_works(built):
    df, meta, _ = built
    assert set(df["entity_id"]) == KEPT
    assert meta["drops"]["counts"] == DROPS
    assert meta["steps"][0]["rows_in"] == len(KEPT) + sum(DROPS.values())
    # the upper bound the original code lacked
    assert meta["drops"]["examples"]["release_year_after_2020"] == ["Oppenheimer_(film)"]
    assert meta["drops"]["examples"]["missing_creator"] == ["Sample_film_without_director"]


def test_values_titles_creators_and_dates(built):
    df, meta, folder = built
    row = df.set_index("entity_id")
    # a song by two artists: one row naming both; the songwriters are not creators when performers are known
    assert row.loc["Under_Pressure", "creator"] == "David Bowie and Queen"
    assert list(row.loc["Under_Pressure", "creators"]) == ["David Bowie", "Queen"]
    assert list(row.loc["Under_Pressure", "creator_ids"]) == [
        "http://dbpedia.org/resource/David_Bowie",
        "http://dbpedia.org/resource/Queen_(band)",
    ]
    assert row.loc["Good_Omens", "creator"] == "Neil Gaiman and Terry Pratchett"
    assert row.loc["Pulp_Fiction", "creator"] == "Quentin Tarantino"  # a film's writers are not its creators
    assert row.loc["Sample_song_with_only_a_writer", "creator"] == "Sample songwriter"  # fallback tier, no label
    assert row.loc["Space_Oddity", "creator"] == "David Bowie"  # dbo:musicalArtist, a dbo:Single
    # titles
    assert row.loc["Interstellar_(film)", "name"] == "Interstellar"
    assert row.loc["Interstellar_(film)", "title"] == "Interstellar (film)"
    assert row.loc['"Heroes"_(David_Bowie_song)', "name"] == "Heroes"
    assert row.loc["Monsters,_Inc.", "name"] == "Monsters, Inc."
    assert row.loc["Surfin'_U.S.A.", "name"] == "Surfin' U.S.A."
    assert row.loc["Sample_film_with_a_stray_period", "name"] == "Sample Film With A Stray Period"
    # kinds and dates
    assert row.loc["It_(novel)", "entity_type"] == "book"
    assert row.loc["It_(novel)", ["release_date", "release_year", "date_precision"]].tolist() == [
        "1986-09",
        1986,
        "month",
    ]
    assert row.loc["Pulp_Fiction", "release_date"] == "1994-05-21"
    assert row.loc["E.T._the_Extra-Terrestrial", ["release_date", "date_precision"]].tolist() == ["1982-06-11", "day"]
    assert row.loc["Rashomon", ["release_date", "date_precision"]].tolist() == ["1950", "year"]
    assert row.loc["Space_Oddity", "entity_type"] == "song" and row.loc["Inception", "entity_type"] == "film"
    assert row.loc["Inception", "page_views"] == 40_000
    schema = pq.read_schema(folder / "data.parquet")
    assert schema.names == art.SPEC.schema.names
    assert str(schema.field("release_year").type) == "int32"
    assert str(schema.field("creators").type) == "list<element: string>"
    assert meta["creator_properties"]["song"] == [["musicalArtist", "artist"], ["writer"]]


def test_split_keeps_each_component_on_one_side_and_reports_the_one_too_big(built):
    df, meta, _ = built
    row = df.set_index("entity_id")
    queen_bowie = {"Under_Pressure", "Bohemian_Rhapsody", "Space_Oddity", '"Heroes"_(David_Bowie_song)'}
    assert set(row.loc[list(queen_bowie), "split_group"]) == {'"Heroes"_(David_Bowie_song)'}
    assert set(row.loc[list(queen_bowie), "split"]) == {"train"}  # too big: put in train, reported
    reported = meta["components"]["too_big_assigned_to_train"]
    assert [(c["key"], c["rows"], c["creators"]) for c in reported] == [('"Heroes"_(David_Bowie_song)', 4, 2)]
    assert row.loc["Inception", "split_group"] == row.loc["Interstellar_(film)", "split_group"] == "Inception"
    assert (
        row.loc["Inception", "split"]
        == row.loc["Interstellar_(film)", "split"]
        == split_of("Inception", "art_entertainment")
    )
    assert all(len(sides) == 1 for sides in _creator_sides(df).values())
    others = df[~df["entity_id"].isin(queen_bowie)]
    assert all(s == split_of(g, "art_entertainment") for g, s in zip(others["split_group"], others["split"]))
    assert meta["components"]["count"] == df["split_group"].nunique() == 11  # 9 single works, Nolan, Queen-Bowie


# ----------------------------------------------------------------------------------------------- the bundled sample


def test_builds_from_the_bundled_sample(tmp_path):
    folder = build_from_sample(art.build, tmp_path)
    df = pd.read_parquet(folder / "data.parquet")
    meta = json.loads((folder / "metadata.json").read_text())
    assert len(df) >= 200
    assert set(df["entity_type"]) == {"film", "book", "song"}
    assert df["release_year"].between(1950, 2020).all()
    counts = meta["drops"]["counts"]
    for rule in (
        "release_year_before_1950",
        "release_year_after_2020",
        "malformed_release_date",
        "missing_creator",
        "pageviews_at_most_5000",
    ):
        assert counts.get(rule, 0) >= 1, rule
    assert not any(e.startswith("Sample_") for e in df["entity_id"])
    row = df.set_index("entity_id")
    assert row.loc["Under_Pressure", "creator"] == "David Bowie and Queen"
    assert row.loc["Titanic_(1997_film)", "name"] == "Titanic"
    # No creator on both sides; and creators with several works are common enough that a split by page would leak.
    sides = _creator_sides(df)
    assert all(len(s) == 1 for s in sides.values())
    by_page = defaultdict(set)
    for ids, entity in zip(df["creator_ids"], df["entity_id"]):
        for creator in ids:
            by_page[creator].add(split_of(entity, "art_entertainment"))
    assert sum(len(s) > 1 for s in by_page.values()) >= 5
    assert 0.1 < (df["split"] == "test").mean() < 0.35
    assert meta["components"]["count"] > 50
