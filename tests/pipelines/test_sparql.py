"""The SPARQL client against a real Oxigraph server, directly and behind a fault-injecting proxy."""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal

import pytest

from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources.errors import SourceError, TruncatedResult
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.sparql import (
    HistoricalDate,
    LangString,
    LiteralError,
    PagedQuery,
    SparqlClient,
    binding_value,
)
from tests.faults import FaultProxy

pytestmark = pytest.mark.server  # this module's tests run against local servers

FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05)
ITEMS = 230
EX = "http://example.org/"


def _ntriples() -> str:
    lines = []
    for i in range(ITEMS):
        s = f"<{EX}item/{i:04d}>"
        lines.append(f'{s} <{EX}value> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .')
        lines.append(f"{s} <{EX}type> <{EX}A> .")
        if i % 3 == 0:  # some keys carry two rows
            lines.append(f"{s} <{EX}type> <{EX}B> .")
    # Non-ASCII and quote characters in keys must survive the keyset filter.
    lines.append(f"<{EX}item/São_Paulo> <{EX}type> <{EX}A> .")
    lines.append(f"<{EX}item/Xi%27an> <{EX}type> <{EX}A> .")
    return "\n".join(lines) + "\n"


EXPECTED_ROWS = ITEMS + len(range(0, ITEMS, 3)) + 2

QUERY = PagedQuery(
    name="test.types", select="?item ?type", where=f"  ?item <{EX}type> ?type .", key="item", prefixes=""
)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oxigraph")
    data = folder / "items.nt"
    data.write_text(_ntriples(), encoding="utf-8")
    with OxigraphServer([data], store_root=folder / "store") as server:
        yield server


def _pairs(result) -> Counter:
    return Counter((r["item"]["value"], r["type"]["value"]) for r in result.rows)


def _client(url: str, **kwargs) -> SparqlClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("progress", False)
    return SparqlClient(url, **kwargs)


def test_pages_return_every_row_exactly_once(oxigraph):
    whole = _client(oxigraph.endpoint, page_size=10_000).select_all(QUERY)
    paged = _client(oxigraph.endpoint, page_size=7, min_page_size=1).select_all(QUERY)
    assert len(whole.rows) == EXPECTED_ROWS
    assert _pairs(paged) == _pairs(whole)
    assert max(_pairs(paged).values()) == 1
    assert paged.pages > EXPECTED_ROWS // 7
    assert paged.provenance["rows"] == EXPECTED_ROWS
    assert paged.provenance["query_sha256"] == QUERY.sha256


def test_a_key_that_fills_a_page_is_an_error_not_a_loop(oxigraph):
    with pytest.raises(SourceError, match="alone fills a page"):
        _client(oxigraph.endpoint, page_size=2, min_page_size=1).select_all(QUERY)


def test_announced_cap_is_detected_and_re_sliced(oxigraph):
    with FaultProxy(oxigraph.endpoint, cap=40) as proxy:
        client = _client(proxy.url, page_size=1000)
        result = client.select_all(QUERY)
        assert len(result.rows) == EXPECTED_ROWS and max(_pairs(result).values()) == 1
        with pytest.raises(TruncatedResult, match="capped the result at 40"):
            client.select(f"SELECT ?item ?type WHERE {{ ?item <{EX}type> ?type }}")


def test_silent_truncation_of_a_short_page_is_caught_by_the_end_check(oxigraph):
    # A cap with no header: the page looks short, as if it were the last one.
    with FaultProxy(oxigraph.endpoint, silent_cap=50) as proxy:
        result = _client(proxy.url, page_size=120, min_page_size=10).select_all(QUERY)
    assert len(result.rows) == EXPECTED_ROWS and max(_pairs(result).values()) == 1


@pytest.mark.parametrize("action", ["partial", "s1tat"])
def test_partial_results_shrink_the_page(oxigraph, action):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(action, action)
        client = _client(proxy.url, page_size=200, min_page_size=10)
        result = client.select_all(QUERY)
    assert len(result.rows) == EXPECTED_ROWS
    assert "LIMIT 50" in proxy.requests[2].replace("+", " ").replace("%20", " ")


def test_partial_results_forever_fail_loudly(oxigraph):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(*["partial"] * 20)
        with pytest.raises(TruncatedResult, match="test.types"):
            _client(proxy.url, page_size=200, min_page_size=50).select_all(QUERY)


@pytest.mark.parametrize("fault", ["status:503:busy", "reset", "truncate", "html", "status:502:bad gateway"])
def test_transient_faults_are_retried(oxigraph, fault):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(fault, fault)
        result = _client(proxy.url).select_all(QUERY)
    assert len(result.rows) == EXPECTED_ROWS
    assert len(proxy.requests) >= 3


def test_retry_after_is_honoured(oxigraph):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan("429:1")
        start = time.monotonic()
        result = _client(proxy.url).select_all(QUERY)
        waited = time.monotonic() - start
    assert len(result.rows) == EXPECTED_ROWS
    assert waited >= 1.0


def test_slow_response_times_out_and_is_retried(oxigraph):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan("slow:2")
        result = _client(proxy.url, timeout=0.5).select_all(QUERY)
    assert len(result.rows) == EXPECTED_ROWS


def test_persistent_failure_names_the_query(oxigraph):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(*["status:503:down"] * 10)
        with pytest.raises(SourceError, match=r"test\.types page 1.*gave up after 4 attempts"):
            _client(proxy.url).select_all(QUERY)


def test_sorted_offset_error_is_not_retried(oxigraph):
    body = (
        "Virtuoso 22023 Error SR353: Sorted TOP clause specifies more then 10001 rows to sort. Only 10000 are allowed."
    )
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(f"status:500:{body}")
        with pytest.raises(SourceError, match="SR353"):
            _client(proxy.url).select_all(QUERY)
        assert len(proxy.requests) == 1


def test_cache_resumes_without_the_server(oxigraph, tmp_path):
    first = _client(oxigraph.endpoint, cache_dir=tmp_path, page_size=50).select_all(QUERY)
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(*["status:503:down"] * 50)
        # Same source label and queries: every page comes from the cache, nothing reaches the server.
        client = _client(proxy.url, cache_dir=tmp_path, page_size=50, source_label=oxigraph.endpoint)
        again = client.select_all(QUERY)
    assert proxy.requests == [] and client.http_requests == 0
    assert again.rows == first.rows and again.provenance == first.provenance


def test_failed_pages_are_not_cached(oxigraph, tmp_path):
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan("truncate")
        _client(proxy.url, cache_dir=tmp_path).select_all(QUERY)
    files = list(tmp_path.rglob("*.json"))
    assert files and all(b'"bindings"' in f.read_bytes() for f in files)


# -- typed values --------------------------------------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize("kind", ["literal", "typed-literal"])
@pytest.mark.parametrize(
    "datatype, text, expected",
    [
        ("double", "4.85e1", 48.5),
        ("float", "-0.5", -0.5),
        ("decimal", "2.50", Decimal("2.50")),
        ("integer", "-12", -12),
        ("nonNegativeInteger", "2148000", 2148000),
        ("date", "1969-07-20", HistoricalDate(1969, 7, 20)),
        ("date", "-0044-03-15", HistoricalDate(-44, 3, 15)),
        ("date", "1900-01-01Z", HistoricalDate(1900, 1, 1)),
        ("date", "2000-02-29+02:00", HistoricalDate(2000, 2, 29)),
        ("date", "-0400-02-29", HistoricalDate(-400, 2, 29)),
        ("dateTime", "1815-06-18T12:00:00Z", HistoricalDate(1815, 6, 18)),
        ("gYear", "1066", 1066),
        ("gYear", "-0500", -500),
        ("gYearMonth", "1989-11", HistoricalDate(1989, 11)),
        ("boolean", "true", True),
    ],
)
def test_typed_literals(kind, datatype, text, expected):
    value = binding_value({"type": kind, "value": text, "datatype": XSD + datatype})
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "datatype, text",
    [
        ("float", "12.3.4"),
        ("double", ""),
        ("integer", "1.5"),
        ("nonNegativeInteger", "-3"),
        ("date", "1999-02-29"),
        ("date", "-0500-02-29"),  # no leap year BCE either way of counting years
        ("date", "-0101-02-29"),
        ("date", "2001-13-01"),
        ("date", "March 1990"),
        ("gYear", "19xx"),
    ],
)
def test_malformed_literals_raise(datatype, text):
    with pytest.raises(LiteralError, match=text.replace(".", r"\.") or "''"):
        binding_value({"type": "typed-literal", "value": text, "datatype": XSD + datatype})


def test_language_tags_and_plain_values():
    label = binding_value({"type": "literal", "value": "Paris", "xml:lang": "fr"})
    assert isinstance(label, LangString) and label == "Paris" and label.lang == "fr"
    assert binding_value({"type": "uri", "value": "http://dbpedia.org/resource/Paris"}).endswith("Paris")
    assert binding_value({"type": "literal", "value": "x", "datatype": "http://dbpedia.org/datatype/km"}) == "x"
    assert HistoricalDate(-44, 3, 15).isoformat() == "-0044-03-15"
