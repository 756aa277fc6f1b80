"""What the four clients share: one HTTP status rule, one JSON cache, one secret mask, one place that opens them."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import pytest

from spacetime.common import mask_in_logs, masked_in_logs, redact
from spacetime.pipelines.sources import SourceOptions, open_sources
from spacetime.pipelines.sources.cache import JsonCache
from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.retry import RETRYABLE_STATUS, RetryPolicy, raise_for_status
from spacetime.pipelines.sources.soda import SodaClient, SodaQuery
from tests.faults import FaultProxy, FaultySodaEmulator

pytestmark = pytest.mark.server  # this module's tests run against local servers

FAST = RetryPolicy(attempts=3, backoff_base=0.001, backoff_max=0.002)


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 507, 520, 524, 599])
def test_statuses_worth_retrying(status):
    assert status in RETRYABLE_STATUS
    with pytest.raises(TransientError, match=f"HTTP {status}") as err:
        raise_for_status(status, "a request", "7", "busy")
    assert err.value.retry_after == 7.0


@pytest.mark.parametrize("status", [201, 301, 400, 401, 403, 404, 410, 501, 505])
def test_statuses_that_fail_at_once(status):
    assert status not in RETRYABLE_STATUS
    with pytest.raises(SourceError, match=f"a request: HTTP {status}: no such thing") as err:
        raise_for_status(status, "a request", None, "no such thing")
    assert not isinstance(err.value, TransientError)
    raise_for_status(200, "a request")  # no error


def test_every_client_follows_the_rule(tmp_path):
    """The SODA client used to retry a 501 (and the NYT client to give up on a 520): one rule for all now."""
    rows = [{":id": f"row-{i}", "name": f"P{i}"} for i in range(3)]
    with FaultySodaEmulator({"rows": rows}) as emulator:
        with FaultProxy(emulator.resource_url("rows")) as proxy:
            proxy.plan("status:520:origin down")
            assert len(SodaClient(proxy.url, retry=FAST).fetch_all(SodaQuery("rows")).rows) == 3
            proxy.plan("status:501:not implemented")
            before = len(proxy.requests)
            with pytest.raises(SourceError, match="HTTP 501"):
                SodaClient(proxy.url, retry=FAST).fetch_all(SodaQuery("rows"))
            assert len(proxy.requests) == before + 1


def test_json_cache_fetches_once_and_keeps_nothing_on_failure(tmp_path):
    cache, calls = JsonCache(tmp_path), []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert cache.fetch(compute, "a", "b") == ({"n": 1}, False)
    assert cache.fetch(compute, "a", "b") == ({"n": 1}, True)

    def fail():
        raise TransientError("down")

    with pytest.raises(TransientError):
        cache.fetch(fail, "c")
    assert cache.get("c") is None
    assert JsonCache(None).fetch(compute, "a", "b") == ({"n": 2}, False)  # no root: nothing kept


def test_secrets_are_masked_in_every_logger_and_in_text(caplog):
    caplog.set_level(logging.DEBUG)
    mask_in_logs("key-123-permanent")
    with masked_in_logs("tok-456-for-a-while", mask="hf_***"):
        logging.getLogger("urllib3.connectionpool").debug("GET /x?api-key=%s HTTP/1.1", "key-123-permanent")
        logging.getLogger("httpcore").debug("header Authorization: Bearer tok-456-for-a-while")
        assert redact("a tok-456-for-a-while b") == "a hf_*** b"
    assert "api-key=*** HTTP/1.1" in caplog.text and "Bearer hf_***" in caplog.text
    assert "key-123-permanent" not in caplog.text and "tok-456-for-a-while" not in caplog.text
    assert redact("tok-456-for-a-while") == "tok-456-for-a-while"  # the block is over
    assert redact("key-123-permanent and x", "x") == "*** and ***"


def test_open_sources_gives_all_four_clients_and_stops_the_sample_servers(tmp_path):
    with open_sources(SourceOptions(sample=True, cache_dir=tmp_path)) as sources:
        assert {name: getattr(sources, name) is not None for name in ("sparql", "pageviews", "soda", "nyt")} == {
            "sparql": True,
            "pageviews": True,
            "soda": True,
            "nyt": True,
        }
        urls = [sources.sparql.endpoint, sources.soda.base_url, sources.nyt.base_url]
        assert all(url.startswith("http://127.0.0.1:") for url in urls)
        assert sources.client("soda") is sources.soda
    for url in urls:
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(url, timeout=5)
    with open_sources(SourceOptions(cache_dir=tmp_path)) as live:
        assert live.soda.base_url == "https://data.cityofnewyork.us" and live.nyt.base_url == "https://api.nytimes.com"
    empty = type(live)(None, None, live.window)
    with pytest.raises(SourceError, match="no nyt client"):
        empty.client("nyt")
