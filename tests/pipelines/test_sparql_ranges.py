"""Range-split queries against a real Oxigraph, directly and behind the fault-injecting proxy: every row once, a
range cut smaller when its answer fills the page, is capped, comes back partial or times out (never asked again as
it was), and no query sorts the pattern."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from spacetime.pipelines.builders.dbpedia import bindings_frame
from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources.errors import SourceError, TruncatedResult
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.sparql import PagedQuery, Range, RangeSplit, SparqlClient
from tests.faults import FaultProxy, query_text

pytestmark = pytest.mark.server  # this module's tests run against local servers

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
FAST = RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.05)
TIMEOUT = "status:500:Virtuoso S1T00 Error SR171: Transaction timed out"


def _items() -> dict[str, dict]:
    """item IRI -> its values (lexical form, datatype) and types: the ground truth of the test graph."""
    items = {}
    for i in range(300):
        x = (i * 37 % 1000) / 10
        values = [(repr(x), "double")]
        if i % 10 == 0:  # a second value, in another range: the row of each value once, the key's types once
            values.append((repr((x + 50) % 100), "double"))
        types = ["A", "B"] if i % 7 == 0 else ["A"]
        items[f"{EX}item/{i:03d}"] = {"values": values, "types": types}
    # Values outside [0, 100), no numbers at all, and a key with non-ASCII letters.
    for name, value, datatype in [
        ("neg", "-5.0", "double"),
        ("big", "150.0", "double"),
        ("huge", "1.0e300", "double"),
        ("nan", "NaN", "double"),
        ("text", "abc", None),
        ("int", "42", "integer"),
        ("São_Paulo", "23.5", "double"),
    ]:
        items[f"{EX}item/{name}"] = {"values": [(value, datatype)], "types": ["A"]}
    return items


ITEMS = _items()
SAME = 30  # keys that share one value: a range no cut can make smaller


def _ntriples() -> str:
    lines = []
    for iri, item in ITEMS.items():
        for value, datatype in item["values"]:
            literal = f'"{value}"^^<{XSD}{datatype}>' if datatype else f'"{value}"'
            lines.append(f"<{iri}> <{EX}value> {literal} .")
        lines.extend(f"<{iri}> <{EX}type> <{EX}{t}> ." for t in item["types"])
        lines.append(f'<{iri}> <{EX}label> "{iri.rsplit("/", 1)[1]}"@en .')
    lines.extend(f'<{EX}same/{i}> <{EX}same> "7.0"^^<{XSD}double> .' for i in range(SAME))
    return "\n".join(lines) + "\n"


SPLIT = RangeSplit("v", 0.0, 100.0, parts=2, fanout=2)
ROWS = PagedQuery(
    name="test.rows",
    select="?item ?v ?type",
    where=f"  ?item <{EX}value> ?v ; <{EX}type> ?type .",
    key="item",
    prefixes="",
    split=SPLIT,
)
TYPES = PagedQuery(
    name="test.types",
    select="DISTINCT ?item ?type ?label",
    where=f"  ?item <{EX}value> ?v ; <{EX}type> ?type ; <{EX}label> ?label .",
    key="item",
    prefixes="",
    split=SPLIT,
)
SAME_VALUE = PagedQuery(
    name="test.same", select="?s ?v", where=f"  ?s <{EX}same> ?v .", key="s", prefixes="", split=SPLIT
)


def expected_rows() -> Counter:
    return Counter(
        (iri, value, f"{EX}{t}") for iri, item in ITEMS.items() for value, _ in item["values"] for t in item["types"]
    )


def expected_types() -> Counter:
    return Counter((iri, f"{EX}{t}") for iri, item in ITEMS.items() for t in item["types"])


def got_rows(result) -> Counter:
    return Counter((r["item"]["value"], r["v"]["value"], r["type"]["value"]) for r in result.rows)


def normalised(counter: Counter) -> Counter:
    """Oxigraph writes doubles in its canonical form (1.0e300 -> 1E300): compare numbers as numbers."""

    def key(value: str):
        try:
            number = float(value)
        except ValueError:
            return value
        return "NaN" if number != number else number

    return Counter({(i, key(v), t): n for (i, v, t), n in counter.items()})


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranges")
    data = folder / "items.nt"
    data.write_text(_ntriples(), encoding="utf-8")
    with OxigraphServer([data], store_root=folder / "store") as server:
        yield server


def client(endpoint: str, page_size: int = 20, **kwargs) -> SparqlClient:
    return SparqlClient(endpoint, page_size=page_size, progress=False, retry=FAST, **kwargs)


@pytest.mark.parametrize("count_ranges", [True, False])
def test_ranges_return_every_row_exactly_once_without_sorting(oxigraph, count_ranges):
    with FaultProxy(oxigraph.endpoint) as proxy:
        result = client(proxy.url, count_ranges=count_ranges).select_all(ROWS)
    assert normalised(got_rows(result)) == normalised(expected_rows())
    split = result.provenance["split"]
    if count_ranges:  # 20-row pages: the first ranges are counted and cut to size before any is fetched
        assert split["counted"] == SPLIT.parts  # every bounded first range
        assert len(split["ranges"]) > len(SPLIT.initial()) and split["cut"] == 0  # no full answer thrown away
    else:  # cut after their answers fill the page
        assert split["counted"] == 0 and split["cut"] > 0
    assert result.provenance["rows"] == sum(expected_rows().values())
    texts = [query_text(path) for path in proxy.requests]
    assert texts and not any("ORDER BY" in text for text in texts)
    assert max(Counter(texts).values()) == 1  # no query asked twice


def test_rows_without_a_number_come_back_once_through_the_rest(oxigraph):
    rows = got_rows(client(oxigraph.endpoint).select_all(ROWS))
    for name in ("nan", "text", "neg", "big", "huge", "int", "São_Paulo"):
        assert sum(n for (iri, _, _), n in rows.items() if iri == f"{EX}item/{name}") == 1, name


def test_distinct_rows_seen_in_two_ranges_are_kept_once(oxigraph):
    result = client(oxigraph.endpoint).select_all(TYPES)
    pairs = Counter((r["item"]["value"], r["type"]["value"]) for r in result.rows)
    assert pairs == expected_types()
    assert result.table.num_rows == sum(expected_types().values())
    keys = [r["item"]["value"] for r in result.rows]
    assert keys == sorted(keys)  # sorted by key, as the keyset pages were


def test_announced_cap_lowers_the_limit_and_cuts_ranges(oxigraph):
    with FaultProxy(oxigraph.endpoint, cap=25) as proxy:
        result = client(proxy.url, page_size=1_000).select_all(ROWS)
    assert normalised(got_rows(result)) == normalised(expected_rows())
    assert any("LIMIT 25" in query_text(path) for path in proxy.requests)


def _wider_than(width: float, action: str):
    """A proxy rule: ``action`` for every query whose range of ?v is wider than ``width``."""

    def rule(text: str) -> str | None:
        found = re.search(r"\?v >= (\S+) && \?v < (\S+)\)", text)
        return action if found and float(found.group(2)) - float(found.group(1)) > width else None

    return rule


def test_timeout_cuts_the_range_instead_of_asking_again(oxigraph):
    with FaultProxy(oxigraph.endpoint, rule=_wider_than(30, TIMEOUT)) as proxy:
        result = client(proxy.url, page_size=1_000, count_ranges=False).select_all(ROWS)
    assert normalised(got_rows(result)) == normalised(expected_rows())
    texts = [query_text(path) for path in proxy.requests]
    assert max(Counter(texts).values()) == 1  # a timed-out query is never repeated as it was
    timed_out = [t for t in texts if _wider_than(30, TIMEOUT)(t)]
    assert len(timed_out) == 2  # the two initial halves (50 wide); their four quarters (25 wide) answer
    assert sum("?v >= 25.0 && ?v < 50.0" in t or "?v >= 75.0 && ?v < 100.0" in t for t in texts) == 2


def test_a_count_that_times_out_leaves_the_range_to_be_fetched(oxigraph):
    def counts_time_out(text: str) -> str | None:
        return TIMEOUT if "COUNT(*)" in text else None

    with FaultProxy(oxigraph.endpoint, rule=counts_time_out) as proxy:
        result = client(proxy.url).select_all(ROWS)
    assert normalised(got_rows(result)) == normalised(expected_rows())
    assert result.provenance["split"]["cut"] > 0  # cut after full answers instead, as without counts
    texts = [query_text(path) for path in proxy.requests]
    assert sum("COUNT(*)" in t for t in texts) == SPLIT.parts and max(Counter(texts).values()) == 1


@pytest.mark.parametrize("action", ["partial", "s1tat"])
def test_partial_answers_cut_the_range(oxigraph, action):
    with FaultProxy(oxigraph.endpoint, rule=_wider_than(30, action)) as proxy:
        result = client(proxy.url, page_size=1_000).select_all(ROWS)
    assert normalised(got_rows(result)) == normalised(expected_rows())
    assert max(Counter(query_text(p) for p in proxy.requests).values()) == 1


def test_a_range_no_cut_can_shrink_is_paged_by_key(oxigraph):
    with FaultProxy(oxigraph.endpoint) as proxy:
        result = client(proxy.url, page_size=SAME - 5).select_all(SAME_VALUE)
    assert sorted(r["s"]["value"] for r in result.rows) == sorted(f"{EX}same/{i}" for i in range(SAME))
    assert [r["key_pages"] for r in result.provenance["split"]["ranges"] if "key_pages" in r] == [2]
    sorted_queries = [query_text(path) for path in proxy.requests if "ORDER BY" in query_text(path)]
    assert sorted_queries and all("?v >= " in text for text in sorted_queries)  # only the one range is sorted


def test_a_key_alone_over_a_page_fails_loudly(oxigraph):
    one_key = PagedQuery(
        name="test.one",
        select="?k ?s ?v",
        where=f"  ?s <{EX}same> ?v . BIND(1 AS ?k)",
        key="k",
        prefixes="",
        split=SPLIT,
    )
    with pytest.raises(SourceError, match=r"alone fills a page"):
        client(oxigraph.endpoint, page_size=SAME - 5).select_all(one_key)


def test_timeouts_of_an_unsplit_query_fail_without_retries(oxigraph):
    plain = PagedQuery(name="test.plain", select="?item ?v", where=f"  ?item <{EX}value> ?v .", key="item", prefixes="")
    with FaultProxy(oxigraph.endpoint) as proxy:
        proxy.plan(*[TIMEOUT] * 20)
        with pytest.raises(TruncatedResult):
            client(proxy.url, page_size=100, min_page_size=50).select_all(plain)
    assert len(proxy.requests) == 2  # pages of 100 and of 50: smaller each time, never the same query twice


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="not in the pattern"):
        PagedQuery(name="x", select="?s", where="  ?s <p> ?o .", key="s", split=RangeSplit("lat", 0, 1))
    with pytest.raises(ValueError, match="needs SELECT DISTINCT"):
        PagedQuery(name="x", select="?s", where="  ?s <p> ?lat .", key="s", split=RangeSplit("lat", 0, 1))
    PagedQuery(name="x", select="DISTINCT ?s", where="  ?s <p> ?lat .", key="s", split=RangeSplit("lat", 0, 1))


def test_columns_rebuild_the_json_bindings_and_the_same_frame(oxigraph):
    result = client(oxigraph.endpoint).select_all(TYPES)
    rows = result.rows
    assert rows[0]["label"]["xml:lang"] == "en" and rows[0]["item"]["type"] == "uri"
    columns = {"item": "uri", "label": "name", "type": "type"}
    pd.testing.assert_frame_equal(bindings_frame(result, columns), bindings_frame(rows, columns))
    typed = client(oxigraph.endpoint).select_all(ROWS)
    frame = bindings_frame(typed, {"item": "uri", "v": "value"})
    by_item = dict(zip(frame["uri"], frame["value"]))
    assert by_item[f"{EX}item/int"] == 42 and isinstance(by_item[f"{EX}item/int"], int)
    assert by_item[f"{EX}item/text"] == "abc" and by_item[f"{EX}item/huge"] == 1e300


def test_date_and_year_boundaries_stay_within_years_1_to_9999():
    dates = RangeSplit("d", 1, 2041, datatype="date")
    assert dates.term(1950.5) == f'"1950-07-02"^^<{XSD}date>'
    assert dates.term(1) == f'"0001-01-01"^^<{XSD}date>'
    assert RangeSplit("y", 1, 2041, datatype="gYear").term(44.9) == f'"0044"^^<{XSD}gYear>'
    assert dates.pieces(Range(None, 1)) is None  # BCE values: no year boundary may cut them (paged by key)
    assert dates.pieces(Range(None, 500)) == [Range(None, 1), Range(1, 500)]
    assert dates.pieces(Range(8000, None)) == [Range(8000, 9999), Range(9999, None)]
    assert dates.pieces(Range(1950, 1950 + 1 / 400)) is None  # narrower than a day
    with pytest.raises(ValueError, match="outside what date allows"):
        RangeSplit("d", -800, 2041, datatype="date")
    with pytest.raises(ValueError, match="is not one of"):
        RangeSplit("d", 1, 2041, datatype="time")


DATED = [  # (item, predicate, lexical form, datatype): dates and years, BCE ones, and a date that does not exist
    *((f"{EX}dated/{i}", "date", f"{1900 + i // 3:04d}-{i % 12 + 1:02d}-15", "date") for i in range(120)),
    *((f"{EX}dated/{i}", "year", f"{1850 + i:04d}", "gYear") for i in range(0, 120, 2)),
    (f"{EX}dated/bce", "date", "-0044-03-15", "date"),
    (f"{EX}dated/bce", "year", "-0044", "gYear"),
    (f"{EX}dated/bad", "date", "2001-02-30", "date"),
]
UNION = f"{{ ?item <{EX}date> ?d }} UNION {{ ?item <{EX}year> ?y }}"
DATED_QUERY = PagedQuery(
    name="test.dated", select="DISTINCT ?item ?d ?y", where=f"  ?item <{EX}kind> <{EX}Dated> .\n  {UNION}", key="item"
)


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    lines = {f"<{item}> <{EX}kind> <{EX}Dated> ." for item, *_ in DATED}
    lines |= {f'<{item}> <{EX}{p}> "{v}"^^<{XSD}{t}> .' for item, p, v, t in DATED}
    (folder / "dated.nt").write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    with OxigraphServer([folder / "dated.nt"], store_root=folder / "store") as server:
        yield server


def test_a_union_is_fetched_branch_by_branch_with_its_own_splits(dated):
    query = DATED_QUERY.split_union(
        UNION,
        {
            f"?item <{EX}date> ?d .": RangeSplit("d", 1800, 2041, parts=4, datatype="date"),
            f"?item <{EX}year> ?y .": RangeSplit("y", 1800, 2041, parts=4, datatype="gYear"),
        },
    )
    with FaultProxy(dated.endpoint) as proxy:
        result = client(proxy.url, page_size=15).select_all(query)
    whole = client(dated.endpoint, page_size=1_000).select_all(DATED_QUERY)  # the UNION in one page
    as_set = lambda r: Counter(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in r.rows)  # noqa: E731
    assert as_set(result) == as_set(whole)
    assert result.table.num_rows == len(DATED)  # the BCE values and the impossible date included, each once
    assert all(len(b["split"]["ranges"]) > 4 + 3 for b in result.provenance["branches"])  # cut to size
    texts = [query_text(path) for path in proxy.requests]
    assert not any(" UNION " in text for text in texts)
    assert max(Counter(texts).values()) == 1


def test_union_splits_are_checked():
    date = RangeSplit("d", 1, 2041, datatype="date")
    with pytest.raises(ValueError, match="is not in its pattern"):
        DATED_QUERY.split_union("{ ?a } UNION { ?b }", {"?a .": date, "?b .": date})
    with pytest.raises(ValueError, match="every branch"):
        DATED_QUERY.split_union(UNION, {f"?item <{EX}date> ?d .": date})
