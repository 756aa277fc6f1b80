"""The world_places builder on a small readable fixture, through a real Oxigraph and real dump files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spacetime.pipelines.builders.steps import split_of
from spacetime.pipelines.datasets.world_places import build as world_places
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.sparql import SparqlClient
from tests.faults import FaultProxy

pytestmark = pytest.mark.server  # this module's tests run against local servers

FIXTURE = Path(__file__).parent / "fixtures" / "world_places.ttl"
WINDOW = PageviewWindow("2021-01", 2)
VIEWS = {  # per month; two months in the window
    "Paris": 200_000,
    "Paris,_Texas": 9_000,
    "Springfield,_Illinois": 12_000,
    "Springfield,_Massachusetts": 10_000,
    "Kathmandu": 30_000,
    "Mount_Everest": 50_000,
    "Golden_Gate_Bridge": 40_000,
    "São_Paulo": 80_000,
    "Xi'an": 20_000,
    "Sample_malformed_latitude": 9_000,
    "Sample_missing_longitude": 9_000,
    "Sample_latitude_out_of_range": 9_000,
    "Sample_conflicting_coordinates": 9_000,
    "Sample_no_country": 9_000,
    "Sample_no_english_label": 9_000,
    "Sample_few_views": 1_000,
}
KEPT = {"Paris", "Kathmandu", "Mount_Everest", "Golden_Gate_Bridge", "São_Paulo", "Xi'an"}
DROPS = {
    "malformed_coordinate_literal": 1,
    "missing_coordinates": 1,
    "coordinates_out_of_range": 1,
    "conflicting_coordinates": 1,
    "missing_country": 1,
    "no_english_label": 1,
    "bad_title": 1,
    "no_pageviews": 1,
    "pageviews_at_most_5000": 1,
    "shared_name_minor_sense": 1,
    "shared_name_ambiguous": 2,
}


# Another project's line with a real title: the dump reader must skip it.
OTHER_PROJECT_LINES = ("de.wikipedia Paris 1 desktop 999999 A1\n",)


def _sources(endpoint: str, dumps: Path, cache: Path | None = None, label: str | None = None) -> Sources:
    client = SparqlClient(
        endpoint,
        cache_dir=cache,
        progress=False,
        source_label=label,
        retry=RetryPolicy(attempts=2, backoff_base=0.01, backoff_max=0.02),
    )
    return Sources(client, PageviewDumps(dumps, progress=False), WINDOW, {"mode": "test"})


def _build(sources: Sources, out: Path) -> tuple[pd.DataFrame, dict]:
    folder = world_places.build(sources, out)
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())


def test_rules_keep_and_drop_the_right_places(oxigraph, dumps, tmp_path):
    df, meta = _build(_sources(oxigraph.endpoint, dumps), tmp_path / "out")
    assert set(df["entity_id"]) == KEPT
    assert meta["drops"]["counts"] == DROPS
    assert meta["rows"] == len(df) == len(KEPT)
    # Every place that came out of the query is either kept or counted under a rule.
    assert meta["steps"][0]["rows_in"] == len(KEPT) + sum(DROPS.values())
    assert meta["drops"]["examples"]["shared_name_ambiguous"] == ["Springfield,_Illinois", "Springfield,_Massachusetts"]


def test_columns_types_and_values(oxigraph, dumps, tmp_path):
    df, meta = _build(_sources(oxigraph.endpoint, dumps), tmp_path / "out")
    schema = pq.read_schema(tmp_path / "out" / "data.parquet")
    assert schema.names == world_places.SPEC.schema.names
    assert str(schema.field("latitude").type) == "double"
    row = df.set_index("entity_id")
    assert row.loc["Paris", "name"] == "Paris" and row.loc["Paris", "country"] == "France"
    assert row.loc["Paris", ["latitude", "longitude"]].tolist() == pytest.approx([48.8534, 2.3488])
    assert row.loc["Paris", "entity_type"] == "City" and row.loc["Paris", "place_class"] == "populated_place"
    assert row.loc["Paris", "page_views"] == 400_000
    assert pd.isna(row.loc["Kathmandu", "population"])  # kept without a population
    assert row.loc["Paris", "population"] == 2138551  # and the others keep theirs
    assert row.loc["Mount_Everest", "entity_type"] == "Mountain"
    assert row.loc["Mount_Everest", "place_class"] == "natural_place"
    assert row.loc["Mount_Everest", "latitude"] == pytest.approx(27.9882)  # the two close pairs merged
    assert row.loc["Mount_Everest", "country"] == "China"  # of two countries, the first by name
    assert row.loc["Golden_Gate_Bridge", "entity_type"] == "Bridge"
    assert row.loc["Golden_Gate_Bridge", "place_class"] == "architectural_structure"
    assert row.loc["Xi'an", "name"] == "Xi'an"
    assert list(df["entity_id"]) == sorted(df["entity_id"])
    assert set(df["split"]) <= {"train", "test"}
    assert all(s == split_of(e, "world_places") for e, s in zip(df["entity_id"], df["split"]))
    assert meta["pageview_window"]["months"] == 2
    assert {q["name"] for q in meta["sources"]["dbpedia"]} == {
        "world_places.places",
        "world_places.types",
        "ontology.subclasses",
    }
    assert all(len(q["query_sha256"]) == 64 for q in meta["sources"]["dbpedia"])


def test_split_is_deterministic_and_near_a_fifth():
    keys = [f"Place_{i}" for i in range(20_000)]
    splits = [split_of(k, "world_places") for k in keys]
    assert splits == [split_of(k, "world_places") for k in keys]
    assert 0.19 < splits.count("test") / len(splits) < 0.21
    # Other datasets draw independently from the same keys.
    assert splits != [split_of(k, "us_places") for k in keys]


def test_interrupted_build_resumes_from_cache_byte_identical(oxigraph, dumps, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    label = "fixture-endpoint"
    with FaultProxy(oxigraph.endpoint) as proxy:
        # The first attempt dies on its third request, after two pages were cached.
        proxy.plan("pass", "pass", "status:503:gone", "status:503:gone")  # two attempts, both fail
        with pytest.raises(SourceError):
            _build(_sources(proxy.url, dumps, tmp_path / "cache", label), tmp_path / "resumed")
        requests_before = len(proxy.requests)
        _build(_sources(proxy.url, dumps, tmp_path / "cache", label), tmp_path / "resumed")
        resumed_requests = len(proxy.requests) - requests_before
    # A rerun from the now complete cache gives the same bytes again, with no request at all.
    _build(_sources("http://127.0.0.1:9/unreachable", dumps, tmp_path / "cache", label), tmp_path / "rerun")
    for name in ("data.parquet", "metadata.json"):
        assert (tmp_path / "resumed" / name).read_bytes() == (tmp_path / "rerun" / name).read_bytes()
    # An uninterrupted build from scratch gives the same data; only the fetch times in the metadata differ.
    with FaultProxy(oxigraph.endpoint) as proxy:
        _build(_sources(proxy.url, dumps, tmp_path / "fresh-cache", label), tmp_path / "fresh")
        fresh_requests = len(proxy.requests)
    assert (tmp_path / "resumed" / "data.parquet").read_bytes() == (tmp_path / "fresh" / "data.parquet").read_bytes()
    fresh = json.loads((tmp_path / "fresh" / "metadata.json").read_text())
    resumed = json.loads((tmp_path / "resumed" / "metadata.json").read_text())
    for meta in (fresh, resumed):
        for query in meta["sources"]["dbpedia"]:
            query.pop("fetched_first"), query.pop("fetched_last")
    assert resumed == fresh
    assert resumed_requests == fresh_requests - 2  # the two answers cached before the failure were not refetched
