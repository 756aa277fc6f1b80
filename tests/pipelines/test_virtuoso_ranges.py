"""world_places' range-split queries against Debian's Virtuoso 7 (default caps) on a DBpedia-shaped graph: every
place and every place/type pair comes back exactly once, and no query sorts the pattern."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from spacetime.pipelines.builders.dbpedia import ONTOLOGY
from spacetime.pipelines.datasets.world_places.build import PLACES, ROOT_CLASSES, TYPES
from spacetime.pipelines.sources.sparql import SparqlClient
from tests.faults import FaultProxy, query_text
from tools.bench.dbpedia_shaped import generate
from tools.virtuoso import VirtuosoServer, virtuoso_available

REASON = virtuoso_available()
pytestmark = [pytest.mark.virtuoso, pytest.mark.server, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

PLACES_N, PAGE = 6_000, 500  # small pages: the ranges must be cut, as 10,000-row ones are on a million places
TRIPLE = re.compile(r"^<([^>]+)> <([^>]+)> (.+) \.$")
GEO_LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def triples(path: str):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            found = TRIPLE.match(line.strip())
            assert found, line
            yield found.groups()


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> dict:
    return generate(tmp_path_factory.mktemp("graph"), PLACES_N, seed=5, compression="none")


@pytest.fixture(scope="module")
def truth(graph) -> dict:
    """The places the world_places pattern matches (a root class and geo:lat) and their dbo: types, from the files."""
    types: dict[str, set[str]] = {}
    for artifact in ("instance_types", "instance_types_transitive"):
        for s, _, o in triples(graph["files"][artifact]):
            types.setdefault(s, set()).add(o.strip("<>"))
    with_lat = {s for s, p, _ in triples(graph["files"]["geo"]) if p == GEO_LAT}
    roots = {ONTOLOGY + name for name in ROOT_CLASSES}
    places = {s for s in with_lat if types.get(s, set()) & roots}
    pairs = Counter((s, t) for s in places for t in types[s] if t.startswith(ONTOLOGY))
    return {"places": places, "pairs": pairs}


@pytest.fixture(scope="module")
def server(graph, tmp_path_factory):
    files = [Path(p) for p in graph["files"].values()]
    with VirtuosoServer(files, tmp_path_factory.mktemp("virtuoso"), graph="http://dbpedia.org") as running:
        yield running


@pytest.fixture(scope="module")
def fetched(server):
    with FaultProxy(server.endpoint) as proxy:
        client = SparqlClient(proxy.url, default_graph=server.graph, page_size=PAGE, timeout=60, progress=False)
        places, types = client.select_all(PLACES), client.select_all(TYPES)
    return {"places": places, "types": types, "queries": [query_text(path) for path in proxy.requests]}


def test_every_place_comes_back_exactly_once(fetched, truth):
    rows = fetched["places"].rows
    assert {r["place"]["value"] for r in rows} == truth["places"]
    # A place has one row per combination of its values (here one label, country and population; a few have two
    # coordinate pairs): the same row never twice.
    as_tuples = [tuple(sorted((k, v["value"]) for k, v in r.items())) for r in rows]
    assert len(as_tuples) == len(set(as_tuples))
    split = fetched["places"].provenance["split"]
    assert split["counted"] > 0 and len(split["ranges"]) > len(PLACES.split.initial())  # cut to size by counts


def test_every_place_type_pair_comes_back_exactly_once(fetched, truth):
    pairs = Counter((r["place"]["value"], r["type"]["value"]) for r in fetched["types"].rows)
    assert pairs == truth["pairs"]


def test_no_query_sorts_the_pattern_or_repeats(fetched):
    queries = fetched["queries"]
    assert len(queries) > 10
    assert not any("ORDER BY" in q for q in queries)
    assert max(Counter(queries).values()) == 1
    assert all(re.search(r"FILTER\(.*\?lat", q) for q in queries)  # every query asks for one range of latitudes
