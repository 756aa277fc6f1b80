"""The NYT Archive API client against a real HTTP server on loopback that injects faults.

Each request to the scripted server is answered by the next action of its script ("pass" serves the month), so a
test can say "429 with Retry-After: 1, then pass" and check what the client made of it.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from spacetime.common import mask_in_logs, redact
from spacetime.pipelines.servers.loopback import LoopbackServer, Request
from spacetime.pipelines.sources import SourceOptions, nyt, open_sources
from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.nyt import ArchiveClient, NytAuthError, month_range
from spacetime.pipelines.sources.retry import RetryPolicy
from tests.faults import reset, send_cut_short

pytestmark = pytest.mark.server  # this module's tests run against local servers

KEY = "k3y-SECRET-0123456789abcdef"
FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.02)


def month_body(year: int, month: int, n: int = 2) -> dict:
    docs = [
        {
            "_id": f"nyt://article/{year}-{month}-{i}",
            "uri": f"nyt://article/{year}-{month}-{i}",
            "headline": {"main": f"Headline {i} of {year}-{month:02d}", "kicker": None},
            "pub_date": f"{year}-{month:02d}-{i + 1:02d}T05:00:00+0000",
            "document_type": "article",
            "type_of_material": "News",
            "news_desk": "Foreign",
            "section_name": "World",
            "print_page": "1",
            "abstract": "not kept by the client",
            "multimedia": [{"url": "x.jpg"}],
        }
        for i in range(n)
    ]
    return {
        "copyright": f"Copyright (c) {year} The New York Times Company. All Rights Reserved.",
        "response": {"docs": docs, "meta": {"hits": n}},
    }


class ScriptedArchive(LoopbackServer):
    """Serves ``/svc/archive/v1/{y}/{m}.json`` from month bodies, each request answered by the script's next action."""

    name = "scripted NYT archive"

    def __init__(self, months: list[tuple[int, int]]):
        super().__init__()
        self.bodies = {(y, m): json.dumps(month_body(y, m)).encode() for y, m in months}
        self.script: deque[str] = deque()
        self.requests: list[tuple[float, str, str | None]] = []  # (monotonic time, path, api-key sent)

    def plan(self, *actions: str) -> None:
        self.script.extend(actions)

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]

    def respond(self, request: Request) -> None:
        parts = urlsplit(request.path)
        key = parse_qs(parts.query).get("api-key", [None])[0]
        self.requests.append((time.monotonic(), parts.path, key))
        action = self.script.popleft() if self.script else "pass"
        y, m = (int(x) for x in parts.path.removesuffix(".json").split("/")[-2:])
        body = self.bodies.get((y, m))
        if action == "pass" and body is None:
            action = "404"
        if action == "reset":
            reset(request)
        elif action.startswith("429:"):
            request.send(429, b'{"fault":"rate limit"}', headers={"Retry-After": action[4:]})
        elif action.isdigit():
            request.send(int(action), b'{"fault":{"faultstring":"error"}}')
        elif action == "html":
            request.send(200, b"<html><body>Service Unavailable</body></html>", "text/html")
        elif action == "truncated":  # a complete response whose JSON stops halfway
            request.send(200, body[: len(body) // 2])
        elif action == "cut":  # the connection drops mid-body
            send_cut_short(request, body)
        elif action == "nodocs":
            request.send(200, b'{"status": "OK", "response": {"meta": {"hits": 0}}}')
        else:
            request.send(200, body)


@pytest.fixture
def archive():
    with ScriptedArchive([(2015, m) for m in range(1, 7)]) as server:
        yield server


def client(url: str, cache: Path | None = None, key: str | None = KEY, **kwargs) -> ArchiveClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("min_interval", 0.0)
    return ArchiveClient(url, key, cache_dir=cache, **kwargs)


def all_text(err: BaseException) -> str:
    return "".join(traceback.format_exception(err))


# ------------------------------------------------------------------------------------------------ fetching


def test_month_docs_are_trimmed_and_provenance_names_no_key(archive, tmp_path):
    c = client(archive.url, tmp_path)
    month = c.month(2015, 3)
    assert len(month.docs) == 2 and month.hits == 2 and not month.from_cache
    assert month.docs[0]["headline"]["main"] == "Headline 0 of 2015-03"
    assert "abstract" not in month.docs[0] and "multimedia" not in month.docs[0]
    assert archive.requests[0][1:] == ("/svc/archive/v1/2015/3.json", KEY)
    prov = c.provenance()
    assert prov["base_url"] == archive.url
    assert prov["months"]["2015-03"]["docs"] == 2
    assert prov["copyright"] == ["Copyright (c) 2015 The New York Times Company. All Rights Reserved."]
    assert KEY not in json.dumps(prov)


def test_base_url_with_a_key_is_refused():
    with pytest.raises(ValueError, match="query string"):
        ArchiveClient(f"https://api.nytimes.com?api-key={KEY}", KEY)


def test_429_waits_for_retry_after(archive):
    archive.plan("429:1")
    started = time.monotonic()
    month = client(archive.url).month(2015, 1)
    assert len(month.docs) == 2
    (t0, _, _), (t1, _, _) = archive.requests
    assert t1 - t0 >= 0.95  # the server's word, not the 10 ms backoff
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("fault", ["503", "reset", "truncated", "cut", "html", "nodocs", "500"])
def test_transient_faults_are_retried(archive, fault):
    archive.plan(fault, fault)
    month = client(archive.url).month(2015, 2)
    assert [d["uri"] for d in month.docs] == ["nyt://article/2015-2-0", "nyt://article/2015-2-1"]
    assert len(archive.requests) == 3


def test_bad_body_fails_loudly_naming_the_month_then_the_rerun_resumes(archive, tmp_path):
    archive.plan(*["html"] * FAST.attempts)
    with pytest.raises(SourceError) as caught:
        list(client(archive.url, tmp_path).fetch_months([(2015, 4), (2015, 5)]))
    message = str(caught.value)
    assert "NYT archive 2015-04" in message and "not JSON" in message and "gave up after 4 attempts" in message
    assert len(archive.requests) == FAST.attempts  # 2015-05 was never asked for
    months = list(client(archive.url, tmp_path).fetch_months([(2015, 4), (2015, 5)]))
    assert [m.label for m in months] == ["2015-04", "2015-05"]


def test_a_month_the_service_does_not_have_is_an_error_naming_it(archive):
    with pytest.raises(SourceError, match=r"NYT archive 2014-12 .*HTTP 404"):
        client(archive.url).month(2014, 12)
    assert len(archive.requests) == 1  # not retried


def test_401_is_a_clear_error_and_not_retried(archive):
    archive.plan("401")
    with pytest.raises(NytAuthError) as caught:
        client(archive.url).month(2015, 1)
    assert "refused the API key (HTTP 401)" in str(caught.value) and "NYT_API_KEY" in str(caught.value)
    assert KEY not in all_text(caught.value)
    assert len(archive.requests) == 1


def test_no_key_is_needed_for_cached_months_and_asked_for_otherwise(archive, tmp_path):
    client(archive.url, tmp_path).month(2015, 1)
    keyless = client(archive.url, tmp_path, key=None)
    assert len(keyless.month(2015, 1).docs) == 2
    with pytest.raises(NytAuthError, match="NYT_API_KEY"):
        keyless.month(2015, 2)
    assert len(archive.requests) == 1


def test_a_cdn_origin_error_is_retried_and_not_implemented_is_not(archive):
    archive.plan("520")
    assert len(client(archive.url).month(2015, 1).docs) == 2
    assert len(archive.requests) == 2
    archive.plan("501")
    with pytest.raises(SourceError, match="HTTP 501"):
        client(archive.url).month(2015, 2)
    assert len(archive.requests) == 3


# ------------------------------------------------------------------------------------------------ the key


def test_the_key_never_reaches_logs_errors_cache_or_provenance(archive, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3 logs every request line, query string included, at DEBUG
    c = client(archive.url, tmp_path)
    archive.plan("429:0", "reset", "cut")
    c.month(2015, 1)
    archive.plan(*["html"] * FAST.attempts)
    with pytest.raises(SourceError) as bad_body:
        c.month(2015, 2)
    archive.plan(*["reset"] * FAST.attempts)
    with pytest.raises(SourceError) as reset:
        c.month(2015, 3)
    archive.plan("401")
    with pytest.raises(NytAuthError) as refused:
        c.month(2015, 4)
    assert "api-key=***" in caplog.text  # the request lines were logged, redacted
    assert "Connection" in all_text(reset.value)  # the reset's own message is kept, minus the key
    for text in (
        caplog.text,
        all_text(bad_body.value),
        all_text(reset.value),
        all_text(refused.value),
        json.dumps(c.provenance()),
        repr(c),
    ):
        assert KEY not in text
    cached = [p.read_text() for p in tmp_path.rglob("*.json")]
    assert cached and not any(KEY in text for text in cached)
    assert {k for _, _, k in archive.requests} == {KEY}


def test_a_key_echoed_in_the_body_is_redacted_before_docs_and_cache(archive, tmp_path):
    echoed = month_body(2015, 5)
    echoed["response"]["docs"][0]["headline"]["main"] = f"Echo of api-key={KEY} in a field"
    archive.bodies[(2015, 5)] = json.dumps(echoed).encode()
    month = client(archive.url, tmp_path).month(2015, 5)
    assert month.docs[0]["headline"]["main"] == "Echo of api-key=*** in a field"
    cached = [p.read_text() for p in tmp_path.rglob("*.json")]
    assert cached and not any(KEY in text for text in cached)


def test_redact():
    mask_in_logs(KEY)  # what a client with a key does
    assert (
        redact(f"GET /svc/archive/v1/2015/3.json?api-key={KEY}&x=1")
        == "GET /svc/archive/v1/2015/3.json?api-key=***&x=1"
    )
    assert redact("bad key other-key here", "other-key") == "bad key *** here"


# ------------------------------------------------------------------------------------------------ throttle, cache


def test_calls_are_spaced_by_the_minimum_interval_and_cached_months_do_not_wait(archive, tmp_path):
    months = [(2015, 1), (2015, 2), (2015, 3)]
    started = time.monotonic()
    list(client(archive.url, tmp_path, min_interval=0.3).fetch_months(months))
    assert time.monotonic() - started >= 0.6
    times = [t for t, _, _ in archive.requests]  # as the server saw them: less exact than the total above
    assert all(b - a >= 0.2 for a, b in zip(times, times[1:]))

    started = time.monotonic()
    again = client(archive.url, tmp_path, min_interval=30.0)
    assert [m.from_cache for m in again.fetch_months(months)] == [True, True, True]
    assert again.calls == 0 and again.throttle.slept == 0 and len(archive.requests) == 3
    assert time.monotonic() - started < 10  # 30 s between calls would take a minute


def test_retries_count_against_the_interval_too(archive):
    archive.plan("503")
    started = time.monotonic()
    client(archive.url, min_interval=0.3).month(2015, 1)
    assert time.monotonic() - started >= 0.3  # the retry waited for the interval, not the 10 ms backoff
    (t0, _, _), (t1, _, _) = archive.requests
    assert t1 - t0 >= 0.2


def test_interrupted_run_resumes_from_the_cache(archive, tmp_path):
    months = month_range("2015-01", "2015-06")
    archive.plan("pass", "pass", "pass", *["503"] * FAST.attempts)
    with pytest.raises(SourceError, match="NYT archive 2015-04"):
        list(client(archive.url, tmp_path).fetch_months(months))
    before = len(archive.requests)
    result = list(client(archive.url, tmp_path).fetch_months(months))
    assert [m.from_cache for m in result] == [True, True, True, False, False, False]
    assert archive.paths()[before:] == [f"/svc/archive/v1/2015/{m}.json" for m in (4, 5, 6)]
    first = list(client(archive.url, tmp_path).fetch_months(months))
    assert [m.docs for m in first] == [m.docs for m in result]
    assert [m.fetched_at for m in first] == [m.fetched_at for m in result]  # provenance survives the cache


def test_the_cache_is_keyed_by_source_not_key(archive, tmp_path):
    client(archive.url, tmp_path).month(2015, 1)
    assert client(archive.url, tmp_path, key="another-key").month(2015, 1).from_cache
    assert not client(archive.url, tmp_path, source_label="elsewhere").month(2015, 1).from_cache


def test_month_range():
    assert month_range("2010-11", "2011-02") == [(2010, 11), (2010, 12), (2011, 1), (2011, 2)]
    assert len(month_range("2010-01", "2020-12")) == 132
    with pytest.raises(ValueError):
        month_range("2011-01", "2010-12")
    with pytest.raises(ValueError):
        month_range("2010-13", "2011-01")


# ------------------------------------------------------------------------------------------------ open_sources


def test_live_mode_reads_the_key_from_the_environment(archive, tmp_path, monkeypatch):
    monkeypatch.setenv(nyt.KEY_ENV, KEY)
    options = SourceOptions(nyt_url=archive.url, cache_dir=tmp_path, nyt_min_interval=0.0)
    with open_sources(options) as sources:
        sources.nyt.month(2015, 6)
    assert archive.requests[0][2] == KEY
    assert list((tmp_path / "nyt").rglob("*.json"))


def test_live_mode_without_a_key_fails_clearly(archive, tmp_path, monkeypatch):
    monkeypatch.delenv(nyt.KEY_ENV, raising=False)
    with open_sources(SourceOptions(nyt_url=archive.url, cache_dir=tmp_path, nyt_min_interval=0.0)) as sources:
        with pytest.raises(NytAuthError, match="set NYT_API_KEY"):
            sources.nyt.month(2015, 6)
    assert archive.requests == []


def test_sample_mode_serves_the_bundled_months_like_the_service(tmp_path):
    with open_sources(SourceOptions(sample=True, cache_dir=tmp_path)) as sources:
        c = sources.nyt
        month = c.month(2011, 5)
        base = c.base_url
        assert c.source_label.startswith("bundled-sample:nyt:")
        assert c.min_interval == 0.0
        with pytest.raises(urllib.error.HTTPError) as no_key:
            urllib.request.urlopen(f"{base}/svc/archive/v1/2011/5.json", timeout=5)
        assert no_key.value.code == 401
        with pytest.raises(SourceError, match="HTTP 404"):
            c.month(2009, 12)
    headlines = {d["headline"]["main"] for d in month.docs}
    assert "Osama bin Laden Killed by U.S. Forces in Pakistan" in headlines
    assert month.copyright.startswith("SAMPLE")
