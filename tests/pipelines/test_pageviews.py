"""The pageview clients: the REST client against a real local server that injects faults, and the dump reader on
small multi-stream bzip2 files written in the test."""

from __future__ import annotations

import bz2
import hashlib
import json
import time
import urllib.parse
from collections import defaultdict, deque
from pathlib import Path

import pytest

from spacetime import __version__
from spacetime.pipelines.servers.loopback import LoopbackServer, Request
from spacetime.pipelines.sources import useragent
from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.pageviews import (
    DEFAULT_WINDOW,
    BadTitle,
    DumpParser,
    PageviewDumps,
    PageviewsAPI,
    PageviewWindow,
    encode_title,
    normalise_title,
    read_dump,
    split_at_streams,
)
from spacetime.pipelines.sources.retry import RetryPolicy
from tests.faults import reset, send_cut_short

pytestmark = pytest.mark.server  # this module's tests run against local servers

FAST_RETRY = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05)
WINDOW = PageviewWindow("2021-01", 3)
PREFIX = "/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/"
MONTHLY = {
    "Paris": [100, 200, 300],
    "AC/DC": [1, 2, 3],
    "What?": [5, 5, 5],
    "100%_Love": [7, 0, 0],
    "C#": [10, 10, 10],
    "São_Paulo": [40, 50, 60],
    "Xi'an": [3, 3, 3],
}


# --- a per-article server on loopback -----------------------------------------------------------------------------


class PageviewServer(LoopbackServer):
    """Answers per-article requests from ``monthly`` (title -> views per month); 404 for other titles.

    ``faults[title]`` is a queue of actions used up one per request for that title; ``fail_all`` answers 500 to
    everything. Records each request's time, raw path and headers, and the most requests in flight at once.
    """

    name = "pageview server"

    def __init__(self, monthly: dict[str, list[int]], delay: float = 0.0):
        super().__init__()
        self.monthly = monthly
        self.delay = delay
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.fail_all = False
        self.requests: list[tuple[float, str, str]] = []  # (time, title, raw path)
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/rest_v1"

    def paths(self) -> list[str]:
        return [path for _, _, path in self.requests]

    def times(self, title: str) -> list[float]:
        return [t for t, name, _ in self.requests if name == title]

    def respond(self, request: Request) -> None:
        title = self._title(request.path)
        with self.lock:
            self.requests.append((time.monotonic(), title, request.path))
            self.headers.append(dict(request.headers))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            action = self.faults[title].popleft() if self.faults[title] else "ok"
        try:
            time.sleep(self.delay)
            self._answer(request, "500" if self.fail_all else action, title)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first (read timeout test)
            pass
        finally:
            with self.lock:
                self.in_flight -= 1

    @staticmethod
    def _title(path: str) -> str:
        assert path.startswith(PREFIX), path
        encoded, granularity, start, end = path[len(PREFIX) :].split("/")
        assert (granularity, start, end) == ("monthly", "2021010100", "2021033100"), path
        return urllib.parse.unquote(encoded)

    def _answer(self, request: Request, action: str, title: str) -> None:
        if action == "reset":  # close without a response, with an RST
            reset(request)
            request.connection.close()
            return
        if action.startswith("429:"):
            return request.send(429, b"{}", headers={"Retry-After": action[4:]})
        if action.isdigit():
            return request.send(int(action), b'{"detail": "injected"}')
        if action == "html":
            return request.send(200, b"<html><body>upstream error</body></html>", "text/html")
        if action.startswith("slow:"):
            time.sleep(float(action[5:]))
        if title not in self.monthly:
            return request.send(
                404,
                b'{"type": "not found", "detail": "The date(s) you used are valid, '
                b"but we either do not have data for those date(s), or the project "
                b'you asked for is not loaded yet."}',
            )
        body = json.dumps(
            {
                "items": [
                    {
                        "project": "en.wikipedia",
                        "article": title,
                        "granularity": "monthly",
                        "timestamp": f"2021{m + 1:02d}0100",
                        "access": "all-access",
                        "agent": "user",
                        "views": v,
                    }
                    for m, v in enumerate(self.monthly[title])
                ]
            }
        ).encode()
        if action == "truncate":  # a complete HTTP answer whose JSON is cut off
            return request.send(200, body[: len(body) // 2])
        if action == "short":  # Content-Length promises more than arrives, then the connection closes
            return send_cut_short(request, body)
        request.send(200, body)


@pytest.fixture
def server():
    with PageviewServer(MONTHLY) as srv:
        yield srv


def client(srv: PageviewServer, cache: Path, **kwargs) -> PageviewsAPI:
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeout", (2.0, 5.0))
    return PageviewsAPI(cache_path=cache, base_url=srv.base_url, contact="tests@example.org", progress=False, **kwargs)


# --- window and titles --------------------------------------------------------------------------------------------


def test_window_months_timestamps_and_dump_names():
    assert DEFAULT_WINDOW == PageviewWindow("2021-01", 36)
    assert DEFAULT_WINDOW.as_dict() == {"start": "2021-01", "end": "2023-12", "months": 36}
    window = PageviewWindow("2023-11", 4)
    assert window.month_list() == [(2023, 11), (2023, 12), (2024, 1), (2024, 2)]
    assert window.rest_range() == ("2023110100", "2024022900")  # leap year
    assert window.dump_names() == [
        "pageviews-202311-user.bz2",
        "pageviews-202312-user.bz2",
        "pageviews-202401-user.bz2",
        "pageviews-202402-user.bz2",
    ]
    for bad in ("2021-13", "2021-1", "21-01"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            PageviewWindow(bad)
    with pytest.raises(ValueError, match="positive"):
        PageviewWindow("2021-01", 0)


def test_titles_are_normalised_and_encoded():
    assert normalise_title("São Paulo") == normalise_title("São_Paulo") == "São_Paulo"
    assert normalise_title(" New  York_") == "New_York"
    assert encode_title("AC/DC") == "AC%2FDC"
    assert encode_title("What?") == "What%3F"
    assert encode_title("100% Love") == "100%25_Love"
    assert encode_title("C#") == "C%23"
    assert encode_title("Q&A + more") == "Q%26A_%2B_more"
    assert encode_title("São Paulo") == "S%C3%A3o_Paulo"
    assert encode_title("Xi'an") == "Xi%27an"


@pytest.mark.parametrize(
    "title, reason",
    [
        ("", "empty"),
        ("  _ ", "empty"),
        ("a<b", "'<'"),
        ("List [x]", "'\\['"),
        ("a{b}", "'{'"),
        ("a|b", "'\\|'"),
        ("tab\there", "control character U\\+0009"),
        ("S%C3%A3o_Paulo", "percent-encoded"),
        ("é" * 128, "256 bytes"),
    ],
)
def test_bad_titles_are_rejected_with_a_reason(title, reason):
    with pytest.raises(BadTitle, match=reason):
        normalise_title(title)


# --- the REST client ----------------------------------------------------------------------------------------------


def test_titles_are_requested_percent_encoded(server, tmp_path):
    titles = ["AC/DC", "What?", "100%_Love", "C#", "São Paulo", "Xi'an"]
    counts = client(server, tmp_path / "pv.sqlite").fetch(titles, WINDOW)
    assert counts.views == {"AC/DC": 6, "What?": 15, "100%_Love": 7, "C#": 30, "São Paulo": 150, "Xi'an": 9}
    assert counts.not_found == set() and counts.bad_titles == {}
    assert sorted(server.paths()) == sorted(
        f"{PREFIX}{enc}/monthly/2021010100/2021033100"
        for enc in ["AC%2FDC", "What%3F", "100%25_Love", "C%23", "S%C3%A3o_Paulo", "Xi%27an"]
    )
    assert counts.source["kind"] == "rest" and counts.source["window"] == WINDOW.as_dict()


def test_both_spellings_map_back_and_are_fetched_once(server, tmp_path):
    counts = client(server, tmp_path / "pv.sqlite").fetch(["São Paulo", "São_Paulo", "Paris"], WINDOW)
    assert counts.views == {"São Paulo": 150, "São_Paulo": 150, "Paris": 600}
    assert len(server.requests) == 2


def test_user_agent_names_the_contact(server, tmp_path):
    client(server, tmp_path / "pv.sqlite").fetch(["Paris"], WINDOW)
    assert server.headers[0]["User-Agent"] == f"llm-spacetime/{__version__} (tests@example.org)"


def test_without_a_contact_the_project_url_is_used_and_a_warning_given_once(server, tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("SPACETIME_CONTACT", raising=False)
    monkeypatch.setattr(useragent, "_warned", False)
    with caplog.at_level("WARNING"):
        first = PageviewsAPI(tmp_path / "a.sqlite", base_url=server.base_url, progress=False)
        PageviewsAPI(tmp_path / "b.sqlite", base_url=server.base_url, progress=False)
    assert first.user_agent == f"llm-spacetime/{__version__} (https://github.com/llm-spacetime/llm-spacetime)"
    assert sum("SPACETIME_CONTACT" in r.getMessage() for r in caplog.records) == 1
    monkeypatch.setenv("SPACETIME_CONTACT", "env@example.org")
    assert PageviewsAPI(tmp_path / "c.sqlite", progress=False).user_agent.endswith("(env@example.org)")


def test_retry_after_is_honoured(server, tmp_path):
    server.faults["Paris"].append("429:1")
    counts = client(server, tmp_path / "pv.sqlite").fetch(["Paris"], WINDOW)
    assert counts.views == {"Paris": 600}
    first, second = server.times("Paris")
    assert second - first >= 0.9  # the backoff alone would wait at most 0.05 s


@pytest.mark.parametrize("fault", ["503", "500", "reset", "slow:1.5", "truncate", "short", "html"])
def test_transient_faults_are_retried(server, tmp_path, fault):
    server.faults["Paris"].append(fault)
    api = client(server, tmp_path / "pv.sqlite", timeout=(2.0, 0.5))
    counts = api.fetch(["Paris", "C#"], WINDOW)
    assert counts.views == {"Paris": 600, "C#": 30}
    assert len(server.times("Paris")) == 2
    # What was cached is the good answer: a client that can only read the cache gets the same counts.
    server.fail_all = True
    again = client(server, tmp_path / "pv.sqlite").fetch(["Paris", "C#"], WINDOW)
    assert again.views == counts.views
    assert len(server.times("Paris")) == 2


def test_not_found_counts_zero_and_is_flagged(server, tmp_path):
    counts = client(server, tmp_path / "pv.sqlite").fetch(["Paris", "No such page"], WINDOW)
    assert counts.views == {"Paris": 600, "No such page": 0}
    assert counts.not_found == {"No such page"}


def test_persistent_failure_names_the_title(server, tmp_path):
    server.faults["What?"].extend(["503"] * 10)
    with pytest.raises(SourceError, match=r"'What\?'.*4 attempts"):
        client(server, tmp_path / "pv.sqlite").fetch(["What?"], WINDOW)
    assert len(server.times("What?")) == 4


def test_client_errors_are_not_retried(server, tmp_path):
    server.faults["AC/DC"].append("403")
    with pytest.raises(SourceError, match="'AC/DC'.*HTTP 403"):
        client(server, tmp_path / "pv.sqlite").fetch(["AC/DC"], WINDOW)
    assert len(server.times("AC/DC")) == 1


def test_bad_titles_are_reported_and_never_requested(server, tmp_path):
    counts = client(server, tmp_path / "pv.sqlite").fetch(["Paris", "", "a|b", "x" * 300], WINDOW)
    assert counts.views == {"Paris": 600}
    assert set(counts.bad_titles) == {"", "a|b", "x" * 300}
    assert "300 bytes" in counts.bad_titles["x" * 300]
    assert server.paths() == [f"{PREFIX}Paris/monthly/2021010100/2021033100"]


def test_at_most_three_requests_in_flight(tmp_path):
    monthly = {f"Title_{i}": [i, 1, 1] for i in range(15)}
    with PageviewServer(monthly, delay=0.1) as srv:
        counts = client(srv, tmp_path / "pv.sqlite").fetch(list(monthly), WINDOW)
    assert counts.views == {title: i + 2 for i, title in enumerate(monthly)}
    assert 2 <= srv.max_in_flight <= 3


def test_a_rerun_fetches_nothing_already_fetched(server, tmp_path):
    titles = ["Paris", "AC/DC", "São Paulo", "Missing page"]
    first = client(server, tmp_path / "pv.sqlite").fetch(titles, WINDOW)
    assert len(server.requests) == 4
    server.fail_all = True
    again = client(server, tmp_path / "pv.sqlite").fetch(titles, WINDOW)
    assert (
        (again.views, again.not_found)
        == (first.views, first.not_found)
        == ({"Paris": 600, "AC/DC": 6, "São Paulo": 150, "Missing page": 0}, {"Missing page"})
    )
    assert len(server.requests) == 4
    assert again.source["answers_from_cache"] == 4


# --- the dump reader ----------------------------------------------------------------------------------------------


def write_dump(path: Path, lines: list[str], streams: int = 3) -> Path:
    """A multi-stream bzip2 file: the lines split into ``streams`` separately compressed parts."""
    step = -(-len(lines) // streams)
    parts = [
        bz2.compress("".join(f"{line}\n" for line in lines[i : i + step]).encode()) for i in range(0, len(lines), step)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(parts))
    return path


JANUARY = [
    "de.wikipedia Paris 1 desktop 999 A999",
    "en.wikipedia AC/DC 11 desktop 5 A5",
    "en.wikipedia Paris 22989 desktop 100 A60B40",
    "en.wikipedia Paris 22989 mobile-web 20 C20",
    "en.wikipedia Paris 22989 mobile-app 3 D3",
    "en.wikipedia São_Paulo null desktop 7 A7",
    "en.wikipedia Xi'an 123 mobile-web 4 A4",
    "en.wiktionary Paris 5 desktop 50 A50",
]
FEBRUARY = [
    "en.wikipedia Paris 22989 desktop 1000 A1000",
    "en.wikipedia Paris 22989 tablet 5 A5",
    "en.wikipedia Broken_line 12 desktop",
    "en.wikipedia Bad_total 12 desktop many A1",
    "en.wikipedia Bad_id x12 desktop 5 A1",
    "en.wikipedia  12 desktop 5 A1",
    "fr.wikipedia Paris 7 desktop oops",  # another project's line is not checked
    "en.wikipedia São_Paulo 4 mobile-app 3",  # no daily counts field: still fine
    "en.wikipedia Paris 22989 desktop 12345678901234567890 A1",  # would overflow int64 downstream
]


@pytest.fixture
def dumps(tmp_path) -> Path:
    write_dump(tmp_path / "pageviews-202101-user.bz2", JANUARY)
    write_dump(tmp_path / "2021" / "2021-02" / "pageviews-202102-user.bz2", FEBRUARY)  # as below monthly/
    return tmp_path


def test_dump_sums_access_types_and_months_for_one_project(dumps):
    window = PageviewWindow("2021-01", 2)
    counts = PageviewDumps(dumps, progress=False).fetch(["Paris", "São Paulo", "AC/DC", "Xi'an", "Nowhere"], window)
    assert counts.views == {"Paris": 1123, "São Paulo": 10, "AC/DC": 5, "Xi'an": 4, "Nowhere": 0}
    assert counts.not_found == {"Nowhere"}
    files = counts.source["files"]
    assert [f["name"] for f in files] == window.dump_names()
    assert files[0]["sha256"] == hashlib.sha256((dumps / "pageviews-202101-user.bz2").read_bytes()).hexdigest()
    assert (files[0]["lines"], files[0]["project_lines"]) == (8, 6)


def test_dump_malformed_lines_are_counted_by_reason(dumps):
    counts = PageviewDumps(dumps, progress=False).fetch(["Paris"], PageviewWindow("2021-01", 2))
    assert counts.source["malformed_lines"] == {
        "unknown access type": 1,
        "fewer than 5 fields": 1,
        "monthly total not a non-negative integer": 1,
        "page id not an integer or null": 1,
        "empty title": 1,
        "monthly total has more than 15 digits": 1,
    }
    assert counts.views == {"Paris": 1123}  # the 20-digit total is not added
    examples = counts.source["malformed_examples"]
    assert len(examples) == 6 and examples[0] == {
        "file": "pageviews-202102-user.bz2",
        "reason": "unknown access type",
        "line": "en.wikipedia Paris 22989 tablet 5 A5",
        "line_number": 2,
    }


def test_dump_missing_months_are_named(dumps):
    with pytest.raises(SourceError, match="2 of 4 months: 2021-03, 2021-04"):
        PageviewDumps(dumps, progress=False).fetch(["Paris"], PageviewWindow("2021-01", 4))


def test_read_dump_filters_by_project_and_wanted_titles(dumps):
    path = dumps / "pageviews-202101-user.bz2"
    everything, _ = read_dump(path)
    assert everything == {b"AC/DC": 5, b"Paris": 123, "São_Paulo".encode(): 7, b"Xi'an": 4}
    wanted, _ = read_dump(path, wanted=["Paris", "Not_there"])
    assert wanted == {b"Paris": 123}
    german, _ = read_dump(path, project="de.wikipedia")
    assert german == {b"Paris": 999}


def test_dump_lines_across_chunks_streams_and_threads(tmp_path):
    lines = [
        f"en.wikipedia Title_{i % 500} {i} {('desktop', 'mobile-web', 'mobile-app')[i % 3]} {i} A{i}"
        for i in range(6000)
    ]
    text = "".join(f"{line}\n" for line in lines).encode()
    # Streams cut at arbitrary bytes, so lines run across stream (and hence thread range) boundaries.
    cuts = [0, 5, 6, 7000, 7001, 40_000, 99_999, 150_000, len(text)]
    path = tmp_path / "many.bz2"
    path.write_bytes(b"".join(bz2.compress(text[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a))
    expected: dict[bytes, int] = {}
    for i in range(6000):
        key = f"Title_{i % 500}".encode()
        expected[key] = expected.get(key, 0) + i
    for chunk_size, piece_size, threads in [
        (37, 1, 1),
        (37, 1, 8),
        (1000, 333, 3),
        (1 << 22, 1 << 20, 2),
        (5000, 1 << 20, 4),
    ]:
        totals: dict[bytes, int] = {}
        stats = DumpParser("en.wikipedia", None, totals, chunk_size, piece_size, threads).parse_file(path)
        assert totals == expected and stats.lines == 6000 and stats.malformed == {}, (chunk_size, threads)
        assert stats.decompressed_bytes == len(text) and stats.compressed_bytes == path.stat().st_size


def test_split_at_streams_finds_stream_starts(tmp_path):
    parts = [bz2.compress(f"en.wikipedia T{i} 1 desktop {i} A1\n".encode() * 300) for i in range(5)]
    path = tmp_path / "five.bz2"
    path.write_bytes(b"".join(parts))
    starts = [0]
    for part in parts[:-1]:
        starts.append(starts[-1] + len(part))
    size = path.stat().st_size
    for parts_wanted in (2, 3, 5, 9):
        ranges = split_at_streams(path, parts_wanted)
        assert ranges[0][0] == 0 and ranges[-1][1] == size
        assert all(end == next_start for (_, end), (next_start, _) in zip(ranges, ranges[1:]))
        assert {start for start, _ in ranges} <= set(starts)
        assert 2 <= len(ranges) <= parts_wanted
    # the split for two parts is the first stream start at or after the middle
    assert split_at_streams(path, 2)[1][0] == min(s for s in starts if s >= size // 2)
    assert split_at_streams(path, 1) == [(0, path.stat().st_size)]
    single = tmp_path / "one.bz2"
    single.write_bytes(parts[0])
    assert split_at_streams(single, 4) == [(0, len(parts[0]))]


def test_dump_without_final_newline(tmp_path):
    path = tmp_path / "x.bz2"
    path.write_bytes(bz2.compress(b"en.wikipedia A 1 desktop 2 A2\nen.wikipedia A 1 mobile-web 3 A3"))
    assert read_dump(path)[0] == {b"A": 5}


def test_truncated_or_invalid_dump_is_an_error(tmp_path):
    data = bz2.compress(("en.wikipedia Paris 1 desktop 5 A5\n" * 2000).encode())
    cut = tmp_path / "cut.bz2"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="cut.bz2: ends in the middle"):
        read_dump(cut)
    junk = tmp_path / "junk.bz2"
    junk.write_bytes(b"not bzip2 at all")
    with pytest.raises(SourceError, match="junk.bz2: not a valid bzip2"):
        read_dump(junk)


def test_dump_fetch_streams_each_month_once_keeping_only_wanted_titles(dumps, monkeypatch):
    """At a million candidate titles the reader must not re-read a month nor hold the counts of unwanted titles."""
    parsed, totals_seen = [], []
    parse_file = DumpParser.parse_file

    def recording(self, path, on_compressed=None):
        parsed.append(path.name)
        stats = parse_file(self, path, on_compressed)
        totals_seen.append(set(self.totals))
        assert stats.compressed_bytes == path.stat().st_size  # every byte read, and once
        return stats

    monkeypatch.setattr(DumpParser, "parse_file", recording)
    PageviewDumps(dumps, progress=False).fetch(["Paris", "Nowhere"], PageviewWindow("2021-01", 2))
    assert parsed == ["pageviews-202101-user.bz2", "pageviews-202102-user.bz2"]
    assert totals_seen[-1] == {b"Paris"}
