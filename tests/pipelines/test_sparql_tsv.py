"""Answers read as TSV in batches (the release store's path) give the same columns as the same answers read as JSON,
for every kind of term Oxigraph writes: IRIs with non-ASCII letters, blank nodes, language tags, escapes, typed and
ill-typed literals, the bare numbers and booleans of TSV, and unbound variables."""

from __future__ import annotations

import io
import urllib.parse
import urllib.request

import pytest

from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources.errors import TransientError, TruncatedResult
from spacetime.pipelines.sources.sparql import SparqlClient, tsv_table
from tests.faults import FaultProxy

pytestmark = pytest.mark.server  # this module's tests run against local servers

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TIMEOUT = "status:500:Virtuoso S1T00 Error SR171: Transaction timed out"
OBJECTS = [
    f"<{EX}São_Paulo>",
    "_:b1",
    '"Café"@fr',
    '"Tab\\there, quote \\" and back\\\\slash, new\\nline, \\u00e9"@en-GB',
    '"plain"',
    '""',
    f'"12"^^<{XSD}integer>',
    f'"-7"^^<{XSD}integer>',
    f'"1.50"^^<{XSD}decimal>',
    f'"1.5e3"^^<{XSD}double>',
    f'"126.7078"^^<{XSD}float>',
    f'"true"^^<{XSD}boolean>',
    f'"2001-02-30"^^<{XSD}date>',  # no such day: kept as written
    f'"-0044-03-15"^^<{XSD}date>',
    f'"x"^^<{EX}custom>',
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tsv")
    lines = [f"<{EX}s{i}> <{EX}p> {o} ." for i, o in enumerate(OBJECTS)] + [f"<{EX}lonely> <{EX}q> <{EX}o> ."]
    (folder / "terms.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with OxigraphServer([folder / "terms.nt"], store_root=folder / "store") as running:
        yield running


QUERY = f"SELECT ?s ?o ?none WHERE {{ ?s ?p ?x . OPTIONAL {{ ?s <{EX}p> ?o }} }} ORDER BY ?s"


def test_tsv_gives_the_columns_json_gives(server):
    client = SparqlClient(server.endpoint, progress=False)
    as_json, as_tsv = client.select(QUERY), client.select_tsv(QUERY)
    assert as_tsv.table.num_rows == len(OBJECTS) + 1
    for name in as_json.table.column_names:  # ?none is unbound everywhere: no column from JSON
        assert as_tsv.table.column(name).to_pylist() == as_json.table.column(name).to_pylist(), name
    assert as_tsv.rows == as_json.rows


def test_small_blocks_give_the_same_table(server):
    request = urllib.request.Request(
        f"{server.endpoint}?{urllib.parse.urlencode({'query': QUERY})}", headers={"Accept": "text/tab-separated-values"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    whole = tsv_table(io.BytesIO(body))
    assert tsv_table(io.BytesIO(body), block_size=256).equals(whole)  # a block per few rows
    assert whole.equals(SparqlClient(server.endpoint, progress=False).select_tsv(QUERY).table)


def test_a_column_of_numbers_may_hold_other_terms_further_on():
    body = "?x\n" + "12\n" * 200 + f"<{EX}a>\n" + f'"1.5"^^<{XSD}double>\n'
    table = tsv_table(io.BytesIO(body.encode()), block_size=128)
    assert table.column("x").to_pylist()[-3:] == ["12", f"{EX}a", "1.5"]
    assert table.column("x#datatype").to_pylist()[-3:] == [XSD + "integer", None, XSD + "double"]


def test_an_empty_answer_has_the_variables_and_no_rows():
    table = tsv_table(io.BytesIO(b"?a\t?b\n"))
    assert table.num_rows == 0
    assert table.column_names == [f"{v}{p}" for v in "ab" for p in ("", "#type", "#datatype", "#lang")]


def test_an_answer_cut_short_is_a_transient_error():
    with pytest.raises(TransientError, match="not complete"):
        tsv_table(io.BytesIO(f"?a\t?b\n<{EX}x>\t<{EX}y>\n<{EX}z>".encode()))


def test_an_endpoint_time_limit_is_a_truncated_result(server):
    with FaultProxy(server.endpoint, rule=lambda text: TIMEOUT) as proxy:
        with pytest.raises(TruncatedResult, match="cut its answer short"):
            SparqlClient(proxy.url, progress=False).select_tsv(QUERY)
    assert len(proxy.requests) == 1  # not retried


def test_an_unknown_bare_token_is_an_error():
    with pytest.raises(TransientError, match="neither an IRI"):
        tsv_table(io.BytesIO(b"?x\nwhat\n"))
