"""The SPARQL client against Debian's Virtuoso 7 with its default caps, the server DBpedia runs.

One Virtuoso per module holds 25,000 generated places (about 27,800 place/type rows: more than the 10,000-row cap).
The raw-HTTP tests pin down the server behaviour the client is built against; the client tests show it copes.
"""

from __future__ import annotations

import json
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from spacetime.pipelines.sources.errors import TruncatedResult
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.sparql import HistoricalDate, SparqlClient, binding_value
from tools.bench.sparql import (
    generate_places,
    generate_places_ntriples,
    places_query,
    virtuoso_paging_benchmark,
)
from tools.virtuoso import VirtuosoServer, virtuoso_available

REASON = virtuoso_available()
needs_virtuoso = pytest.mark.skipif(REASON is not None, reason=REASON or "")
pytestmark = [pytest.mark.virtuoso, pytest.mark.server]

N_PLACES, SEED, CAP = 25_000, 7, 10_000
GEO = "PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
PLACE_ROWS = GEO + "SELECT ?place ?lat WHERE { ?place a ?type ; geo:lat ?lat }"


@pytest.fixture(scope="module")
def places():
    return generate_places(N_PLACES, SEED)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    text = generate_places_ntriples(N_PLACES, SEED)
    with VirtuosoServer(lambda path: path.write_text(text, "utf-8"), tmp_path_factory.mktemp("virtuoso")) as running:
        yield running


def client_for(server, **kwargs) -> SparqlClient:
    return SparqlClient(server.endpoint, default_graph=server.graph, timeout=60, progress=False, **kwargs)


def expected_rows(places) -> Counter:
    return Counter((p.iri, t) for p in places for t in p.types)


def row_keys(rows) -> Counter:
    return Counter((r["place"]["value"], r["type"]["value"]) for r in rows)


def raw_get(server, query: str, **params):
    """(status, headers, body) of one GET to the endpoint, error statuses included."""
    url = server.endpoint + "?" + urllib.parse.urlencode({"query": query, "default-graph-uri": server.graph, **params})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# -- what the server does (the defects the client works around) --------------------------------------------------


@needs_virtuoso
def test_server_keeps_debians_caps_and_holds_every_triple(server):
    assert server.caps["ResultSetMaxRows"] == str(CAP)
    assert server.caps["MaxQueryExecutionTime"] == "60"
    assert server.triples == generate_places_ntriples(N_PLACES, SEED).count("\n")


@needs_virtuoso
def test_naive_limit_is_silently_capped(server, places):
    status, headers, body = raw_get(server, PLACE_ROWS + " LIMIT 100000")
    assert status == 200
    assert headers["X-SPARQL-MaxRows"] == str(CAP)
    assert len(json.loads(body)["results"]["bindings"]) == CAP < sum(expected_rows(places).values())


@needs_virtuoso
def test_sorted_deep_offset_fails_with_sr353(server):
    status, _, body = raw_get(server, PLACE_ROWS + " ORDER BY ?place OFFSET 20000 LIMIT 1000")
    assert status == 500
    assert b"SR353" in body


@needs_virtuoso
def test_sorted_limit_above_cap_fails_even_without_offset(server):
    # The sorted-rows cap counts OFFSET + LIMIT: a single sorted query for more than 10,000 rows is refused too.
    status, _, body = raw_get(server, PLACE_ROWS + f" ORDER BY ?place LIMIT {CAP + 1}")
    assert status == 500 and b"SR353" in body
    status, headers, body = raw_get(server, PLACE_ROWS + f" ORDER BY ?place LIMIT {CAP}")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == CAP
    assert headers["X-SPARQL-MaxRows"] == str(CAP)  # sent for a result that merely reaches the cap


@needs_virtuoso
def test_timeout_returns_partial_result_with_s1tat(server):
    # Virtuoso's "anytime" queries: at the time limit it answers 200 with what it has and says so only in headers.
    # (DBpedia's limit is MaxQueryExecutionTime; the `timeout` parameter lowers it here, to about 2 s at least.)
    pairs = GEO + "SELECT (COUNT(*) AS ?n) WHERE { ?a geo:lat ?x . ?b geo:lat ?y FILTER(?x < ?y) }"
    status, headers, body = raw_get(server, pairs, timeout="500")  # milliseconds
    assert status == 200
    assert headers["X-SQL-State"] == "S1TAT"
    # What comes back looks like an answer: a count far below the true one, or (on a busy machine) no row at all.
    counts = [int(b["n"]["value"]) for b in json.loads(body)["results"]["bindings"] if "n" in b]
    assert all(count < N_PLACES * (N_PLACES - 1) // 2 for count in counts)


@needs_virtuoso
def test_expensive_query_is_refused_by_cost_estimate(server):
    triples = GEO + "SELECT (COUNT(*) AS ?n) WHERE { ?a geo:lat ?x . ?b geo:lat ?y . ?c geo:lat ?z FILTER(?x < ?y) }"
    status, _, body = raw_get(server, triples)
    assert status == 500
    assert b"42000" in body and b"estimated execution time" in body  # MaxQueryCostEstimationTime, before running


@needs_virtuoso
def test_non_ascii_iri_keys_need_an_iri_on_both_sides(server, places):
    # The keyset step "first key at or after K" must return K itself. STR() of a stored IRI is a UTF-8 byte string
    # and a query's string literal is Unicode; Virtuoso compares the two inconsistently once the key has a non-ASCII
    # letter, so the literal form skips keys such as Zürich_... . Comparing against STR(<iri>) does not.
    names = sorted({p.iri.rsplit("_", 1)[0] for p in places if not p.iri.isascii()})
    keys = [next(p.iri for p in places if p.iri.startswith(name + "_")) for name in names]

    def first_at_or_after(term: str) -> str | None:
        query = f"SELECT ?place WHERE {{ ?place a ?type FILTER(STR(?place) >= {term}) }} ORDER BY STR(?place) LIMIT 1"
        rows = json.loads(raw_get(server, query)[2])["results"]["bindings"]
        return rows[0]["place"]["value"] if rows else None

    assert all(first_at_or_after(f"STR(<{key}>)") == key for key in keys)
    skipped = [key for key in keys if first_at_or_after(json.dumps(key, ensure_ascii=False)) != key]
    assert any("Zürich" in key for key in skipped), skipped


# -- the client ------------------------------------------------------------------------------------------------------


@needs_virtuoso
def test_select_raises_on_capped_result(server):
    with pytest.raises(TruncatedResult):
        client_for(server).select(PLACE_ROWS + " LIMIT 100000")


@needs_virtuoso
def test_select_all_returns_every_row_once(server, places):
    client = client_for(server)
    result = client.select_all(places_query())
    assert row_keys(result.rows) == expected_rows(places)
    assert len(result.rows) == sum(expected_rows(places).values())
    assert result.pages >= 3
    assert result.provenance["rows"] == len(result.rows)


@needs_virtuoso
def test_select_all_with_page_size_above_cap(server, places):
    client = client_for(server, page_size=50_000)
    result = client.select_all(places_query())
    assert row_keys(result.rows) == expected_rows(places)
    assert len(result.rows) == sum(expected_rows(places).values())


def typed_values(server, iris: list[str]) -> dict[str, dict]:
    """The raw JSON bindings of the listed places, independent of paging. Batches of 50 keep each GET short:
    Virtuoso 7.2 garbles a GET whose encoded query exceeds about 9 KB (HTTP 400, SP030)."""
    query, client, rows = places_query(), client_for(server), {}
    for start in range(0, len(iris), 50):
        values = " ".join(f"<{iri}>" for iri in iris[start : start + 50])
        text = f"{query.prefixes}SELECT {query.select} WHERE {{\n  VALUES ?place {{ {values} }}\n{query.where}\n}}"
        rows.update((row["place"]["value"], row) for row in client.select(text).rows)
    return rows


@needs_virtuoso
def test_typed_literals_parse_to_numbers_and_dates(server, places):
    sample = [p for p in places if p.founded and p.founded[0] > 0 and p.founding_year and p.population][:500]
    values_by_place = typed_values(server, [p.iri for p in sample])
    assert len(values_by_place) == len(sample) == 500
    for place in sample:
        row = values_by_place[place.iri]
        assert row["lat"]["type"] == "typed-literal"  # Virtuoso's JSON, not "literal"
        lat, long = binding_value(row["lat"]), binding_value(row["long"])
        # Virtuoso writes xsd:float (DBpedia's geo:lat/long type) with 6 significant digits: -159.1204 -> "-159.12"
        assert isinstance(lat, float) and math.isclose(lat, place.lat, rel_tol=1e-5), (place.iri, row["lat"])
        assert math.isclose(long, place.long, rel_tol=1e-5), (place.iri, row["long"])
        assert binding_value(row["population"]) == place.population
        assert binding_value(row["founded"]) == HistoricalDate(*place.founded)
        assert binding_value(row["year"]) == place.founding_year


@needs_virtuoso
def test_bce_dates_parse(server, places):
    # Virtuoso writes BCE years with three digits ("-044-03-15", "-044"), not XSD's "-0044".
    bce = [p for p in places if p.founded and p.founded[0] < 0 and p.founding_year is not None][:50]
    values_by_place = typed_values(server, [p.iri for p in bce])
    assert len(values_by_place) == len(bce) == 50
    for place in bce:
        row = values_by_place[place.iri]
        assert binding_value(row["founded"]) == HistoricalDate(*place.founded), row["founded"]
        assert binding_value(row["year"]) == place.founding_year, row["year"]


@needs_virtuoso
def test_cached_run_needs_no_server(tmp_path):
    text = generate_places_ntriples(3_000, seed=11)
    cache = tmp_path / "cache"
    with VirtuosoServer(lambda path: path.write_text(text, "utf-8"), tmp_path / "db") as running:
        endpoint, graph = running.endpoint, running.graph
        first = SparqlClient(endpoint, default_graph=graph, cache_dir=cache, page_size=1_000, progress=False)
        fetched = first.select_all(places_query())
    assert first.http_requests >= 4 and len(fetched.rows) > 2_000  # several pages (exactness: tests above)

    again = SparqlClient(
        endpoint, default_graph=graph, cache_dir=cache, page_size=1_000, progress=False, retry=RetryPolicy(attempts=1)
    )  # a request would fail at once: the server is gone
    cached = again.select_all(places_query())
    assert again.http_requests == 0
    assert cached.rows == fetched.rows


@needs_virtuoso
def test_failed_start_names_the_cause_from_virtuoso_log(tmp_path):
    server = VirtuosoServer(lambda path: path.write_text("<urn:a> <urn:b> <urn:c> .\n"), tmp_path, start_timeout=60)
    with socket.socket() as blocker:  # hold the SQL port so the server cannot listen on it
        blocker.bind(("127.0.0.1", server.sql_port))
        blocker.listen()
        with pytest.raises(RuntimeError, match="Virtuoso did not start") as failure:
            server.start()
    assert "Failed to start listening" in str(failure.value)
    assert server.proc is None


@needs_virtuoso
def test_bad_n_triples_fail_the_load_with_the_line(tmp_path):
    broken = '<urn:a> <urn:b> "fine" .\n<urn:a> <urn:b> "unterminated .\n'
    server = VirtuosoServer(lambda path: path.write_text(broken), tmp_path)
    with pytest.raises(RuntimeError, match="could not load") as failure:
        server.start()
    assert "data.nt" in str(failure.value) and "Unterminated" in str(failure.value)  # the file and the loader's words
    assert server.proc is None


@needs_virtuoso
def test_benchmark_pages_every_row(tmp_path):
    figures = virtuoso_paging_benchmark(tmp_path, places=3_000, seed=3, page_size=1_000)
    assert figures["rows"] == figures["expected_rows"] > 3_000
    assert figures["pages"] >= 4 and figures["queries"] >= figures["pages"]
    assert figures["rows_per_second"] > 0 and figures["caps"]["ResultSetMaxRows"] == str(CAP)


def test_without_virtuoso_everything_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no virtuoso-t, no isql-vt
    assert "apt-get install virtuoso-opensource" in virtuoso_available()
    assert "apt-get install" in virtuoso_paging_benchmark(tmp_path)["skipped"]
    with pytest.raises(RuntimeError, match="virtuoso-t not found"):
        VirtuosoServer([], tmp_path).start()
