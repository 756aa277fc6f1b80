"""The SODA client against a real loopback server (the emulator), with faults injected by a proxy in front of it
and by the tests' own emulator (pages cut short, a token check)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
import requests

from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.soda import APP_TOKEN_ENV, SodaClient, SodaQuery
from tests.faults import FaultProxy, reset
from tests.faults import FaultySodaEmulator as SodaEmulator

pytestmark = pytest.mark.server  # this module's tests run against local servers

DATASET = "test-rows"
QUERY = SodaQuery(DATASET)
FAST = RetryPolicy(attempts=6, backoff_base=0.001, backoff_max=0.002)


def rows(n: int) -> list[dict]:
    """n rows as the service stores them: a system :id, number fields as strings. Stored out of :id order."""
    out = [{":id": f"row-{i:04d}", "name": f"PLACE {i}", "placeid": str(1000 + i)} for i in range(n)]
    return out[::2] + out[1::2]


def ids(result_rows: list[dict]) -> list[str]:
    return [r["placeid"] for r in result_rows]


def expected(n: int) -> list[str]:
    return [str(1000 + i) for i in range(n)]  # the :id order


def client(base: str, **kwargs) -> SodaClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("page_size", 5)
    return SodaClient(base, **kwargs)


@pytest.fixture
def emulator():
    with SodaEmulator({DATASET: rows(23)}) as server:
        yield server


# ------------------------------------------------------------------------------------------------ paging


@pytest.mark.parametrize("n", [0, 1, 5, 23, 25])
def test_paging_is_complete_and_exact_across_page_boundaries(n):
    with SodaEmulator({DATASET: rows(n)}) as server:
        result = client(server.base_url).fetch_all(QUERY)
        sent = [r.params for r in server.requests]
    assert ids(result.rows) == expected(n)
    # every page is ordered by :id, and the offsets follow the rows received; the last request finds nothing
    assert all(p["$order"] == ":id" and p["$limit"] == "5" for p in sent)
    assert [int(p["$offset"]) for p in sent] == list(range(0, n, 5)) + [n]
    assert result.pages == -(-n // 5)
    assert result.provenance["requests"] == len(sent) == result.pages + 1
    assert result.provenance["rows"] == n


def test_a_short_page_is_not_taken_for_the_end():
    # The server silently returns at most 3 rows per page although 5 are asked for: a client that stops at the
    # first short page would return 3 of 23 rows.
    with SodaEmulator({DATASET: rows(23)}, max_rows=3) as server:
        result = client(server.base_url).fetch_all(QUERY)
        offsets = [int(r.params["$offset"]) for r in server.requests]
    assert ids(result.rows) == expected(23)
    assert offsets == list(range(0, 23, 3)) + [23]
    assert result.provenance["short_pages"] == result.pages


def test_paging_without_an_order_loses_and_repeats_rows(emulator):
    """The original defect: OFFSET/LIMIT with no ORDER. The service promises no order, nor does the emulator."""
    seen = []
    for offset in range(0, 25, 5):
        page = requests.get(f"{emulator.resource_url(DATASET)}?$limit=5&$offset={offset}", timeout=10).json()
        seen += [r["placeid"] for r in page]
    assert len(seen) == 23
    assert len(set(seen)) < 23  # repeats, hence losses
    with pytest.raises(ValueError, match="order"):
        SodaQuery(DATASET, order="")


def test_rows_repeated_across_pages_are_refused():
    # An order that is not stable (here: a field with ties) can hand one row to two pages; :id exposes it.
    data = [{":id": f"row-{i:02d}", "kind": "same", "placeid": str(i)} for i in range(12)]
    with SodaEmulator({DATASET: data}) as server:
        flaky = SodaQuery(DATASET, order="kind", select=":*, *")
        original = server.answer

        def ties_in_a_new_order(name, params):  # the service may break ties differently on each request
            server.datasets[name].reverse()
            return original(name, params)

        server.answer = ties_in_a_new_order
        with pytest.raises(SourceError, match="two pages"):
            client(server.base_url).fetch_all(flaky)


# ------------------------------------------------------------------------------------------------ faults


def test_transient_faults_are_retried(emulator):
    with FaultProxy(emulator.resource_url(DATASET)) as proxy:
        proxy.plan("429:0", reset, "status:503:busy", "truncate", "html")  # then every request passes
        result = client(proxy.url, retry=FAST).fetch_all(QUERY)
    assert ids(result.rows) == expected(23)
    assert len(proxy.requests) == 5 + 6  # five failures, then five pages and the empty one


def test_retry_after_is_honoured(emulator):
    with FaultProxy(emulator.resource_url(DATASET)) as proxy:
        proxy.plan("429:1")
        start = time.monotonic()
        result = client(proxy.url, page_size=50).fetch_all(QUERY)
    assert time.monotonic() - start >= 1.0
    assert len(result.rows) == 23


def test_client_errors_are_not_retried(emulator):
    with FaultProxy(emulator.resource_url(DATASET)) as proxy:
        proxy.plan("status:400:query.soql.invalid")
        with pytest.raises(SourceError, match="HTTP 400.*query.soql.invalid"):
            client(proxy.url).fetch_all(QUERY)
    assert len(proxy.requests) == 1


def test_retries_run_out_with_a_clear_error(emulator):
    with FaultProxy(emulator.resource_url(DATASET)) as proxy:
        proxy.plan(*["status:503:down"] * 3)
        with pytest.raises(SourceError, match=r"gave up after 3 attempts.*HTTP 503"):
            client(proxy.url, retry=RetryPolicy(attempts=3, backoff_base=0.001, backoff_max=0.002)).fetch_all(QUERY)


def test_service_error_objects_name_the_problem(emulator):
    with pytest.raises(SourceError, match="HTTP 404.*Cannot find view with id no-such"):
        client(emulator.base_url).fetch_all(SodaQuery("no-such"))
    with pytest.raises(SourceError, match=r"HTTP 400.*\$where"):
        client(emulator.base_url).fetch_all(SodaQuery(DATASET, where="borough = '1'"))


# ------------------------------------------------------------------------------------------------ cache


def test_a_rerun_resumes_from_the_cache(emulator, tmp_path):
    cache = tmp_path / "soda"
    with FaultProxy(emulator.resource_url(DATASET)) as proxy:
        proxy.plan("pass", "pass", "status:400:stop here")  # the third page fails for good
        with pytest.raises(SourceError):
            client(proxy.url, cache_dir=cache, source_label="test-source").fetch_all(QUERY)
    before = len(emulator.requests)
    assert before == 2
    # A new client with the same cache asks only for what is missing: pages 3, 4, 5 and the empty one.
    result = client(emulator.base_url, cache_dir=cache, source_label="test-source").fetch_all(QUERY)
    assert ids(result.rows) == expected(23)
    assert [r.params["$offset"] for r in emulator.requests[before:]] == ["10", "15", "20", "23"]
    # And once everything is cached, no server is needed at all.
    emulator.stop()
    again = client("http://127.0.0.1:9", cache_dir=cache, source_label="test-source").fetch_all(QUERY)
    assert again.rows == result.rows and again.pages == result.pages


# ------------------------------------------------------------------------------------------------ app token


def test_app_token_goes_in_the_header_and_nowhere_else(monkeypatch, tmp_path, caplog):
    secret = "s3cr3t-app-token"
    monkeypatch.setenv(APP_TOKEN_ENV, secret)
    caplog.set_level(logging.DEBUG)
    with SodaEmulator({DATASET: rows(7)}, app_token=secret) as server:
        soda = client(server.base_url, cache_dir=tmp_path / "cache")
        result = soda.fetch_all(QUERY)
        assert all(r.app_token for r in server.requests)
        assert all(secret not in json.dumps(r.params) for r in server.requests)
    assert result.provenance["app_token_used"] is True
    assert secret not in json.dumps(result.provenance) + repr(soda) + caplog.text
    assert not any(secret in p.read_text() for p in Path(tmp_path / "cache").rglob("*.json"))


def test_a_wrong_app_token_is_refused(monkeypatch):
    monkeypatch.delenv(APP_TOKEN_ENV, raising=False)
    with SodaEmulator({DATASET: rows(3)}, app_token="right") as server:
        with pytest.raises(SourceError, match="HTTP 403.*Invalid app_token"):
            client(server.base_url, app_token="wrong").fetch_all(QUERY)
        assert client(server.base_url).fetch_all(QUERY).provenance["app_token_used"] is False


# ------------------------------------------------------------------------------------------------ emulator


def test_emulator_follows_the_service_semantics(emulator):
    url = emulator.resource_url(DATASET)
    default = requests.get(f"{url}?$order=:id", timeout=10).json()
    assert len(default) == 23 and ":id" not in default[0]  # system fields only when selected
    with_system = requests.get(f"{url}?$order=:id&$select=:*, *&$limit=2", timeout=10).json()
    assert [r[":id"] for r in with_system] == ["row-0000", "row-0001"] and "name" in with_system[0]
    # numbers stored as strings sort as numbers; DESC reverses
    top = requests.get(f"{url}?$order=placeid DESC&$limit=1&$select=placeid", timeout=10).json()
    assert top == [{"placeid": "1022"}]
    bad = requests.get(f"{url}?$limit=ten", timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] is True


def test_a_service_that_ignores_the_offset_is_caught(emulator):
    original = emulator.answer
    emulator.answer = lambda name, params: original(name, {**params, "$offset": "0"})
    with pytest.raises(SourceError, match="ignore \\$offset"):
        client(emulator.base_url).fetch_all(QUERY)
