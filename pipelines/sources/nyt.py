"""Client for the New York Times Archive API: one call per month, throttled, retried, cached, and key-safe.

``GET {base}/svc/archive/v1/{year}/{month}.json?api-key=KEY`` returns every article of one month as
``{"copyright": ..., "response": {"docs": [...], "meta": {"hits": N}}}``. The service allows about 5 calls a minute
and 500 a day, so calls are spaced by a minimum interval (12 s by default), 429 answers are retried after their
Retry-After, and every month is cached on disk as soon as it arrives: a build that stops halfway resumes where it
stopped and asks only for the months it lacks. A body that is not the archive's JSON (truncated, an HTML error page,
no ``response.docs``) is retried, then fails naming the month.

The key never leaves this module in clear: URLs in logs, errors, the cache and the provenance carry no key, and a
logging filter redacts it from urllib3's debug lines.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from spacetime.pipelines.sources.cache import JsonCache
from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from spacetime.pipelines.sources.useragent import user_agent

from spacetime.common import digest, file_sha256

log = logging.getLogger(__name__)

NYT_BASE_URL = "https://api.nytimes.com"
ARCHIVE_PATH = "/svc/archive/v1/{year}/{month}.json"
KEY_ENV = "NYT_API_KEY"
MIN_INTERVAL = 12.0  # seconds between calls: the service allows about 5 a minute (and 500 a day)
TIMEOUT = (10.0, 180.0)  # connect, read: a month is tens of megabytes
RETRY = RetryPolicy(attempts=6, backoff_base=5.0, backoff_max=120.0)
SAMPLE_KEY = "sample-key"  # what the client sends to the local sample server, which only checks that a key is sent
TERMS_URL = "https://developer.nytimes.com/terms"

# The fields of each doc kept in the cache (a live month is tens of megabytes, most of it abstracts, keywords and
# multimedia). They are part of the cache key, so asking for more fields refetches instead of serving stale docs.
DOC_FIELDS = (
    "_id",
    "uri",
    "headline",
    "pub_date",
    "document_type",
    "type_of_material",
    "news_desk",
    "section_name",
    "subsection_name",
    "print_page",
    "print_section",
    "web_url",
    "word_count",
)

_KEY_PARAM = re.compile(r"(api-key=)[^&\s'\"]+", re.IGNORECASE)


class NytAuthError(SourceError):
    """The service refused the key (401/403), or no key was given where one is needed."""


# --- keeping the key out of text ----------------------------------------------------------------------------------

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def redact(text: str, key: str | None = None) -> str:
    """``text`` with ``api-key=...`` values and any known key replaced by ``***``."""
    text = _KEY_PARAM.sub(r"\1***", text)
    with _secrets_lock:
        secrets = set(_secrets) | ({key} if key else set())
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class _RedactKey(logging.Filter):
    """Rewrites a record's message without the key. urllib3 logs request lines, query string included, at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_REDACTOR = _RedactKey()


def _guard_logs(key: str) -> None:
    with _secrets_lock:
        _secrets.add(key)
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.response", "urllib3", "requests", __name__):
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


# --- months -------------------------------------------------------------------------------------------------------


def month_range(first: str, last: str) -> list[tuple[int, int]]:
    """The months from ``first`` to ``last`` ("YYYY-MM"), both included."""
    (y0, m0), (y1, m1) = _parse_month(first), _parse_month(last)
    if (y1, m1) < (y0, m0):
        raise ValueError(f"month range {first}..{last} is empty")
    return [(y, m) for y in range(y0, y1 + 1) for m in range(1, 13) if (y0, m0) <= (y, m) <= (y1, m1)]


def _parse_month(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return int(match.group(1)), int(match.group(2))


def month_label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# --- the client ---------------------------------------------------------------------------------------------------


@dataclass
class ArchiveMonth:
    """One month of the archive: its docs (trimmed to :data:`DOC_FIELDS`) and where they came from."""

    year: int
    month: int
    docs: list[dict[str, Any]]
    hits: int | None
    copyright: str | None
    fetched_at: str
    from_cache: bool = False

    @property
    def label(self) -> str:
        return month_label(self.year, self.month)


class Throttle:
    """At least ``interval`` seconds between the starts of consecutive calls (every attempt counts)."""

    def __init__(self, interval: float):
        self.interval = max(0.0, interval)
        self._last: float | None = None
        self.slept = 0.0

    def wait(self) -> None:
        if self._last is not None:
            pause = self._last + self.interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
                self.slept += pause
        self._last = time.monotonic()


@dataclass
class ArchiveClient:
    """Fetches archive months with explicit timeouts, retries, a throttle, and a per-month disk cache.

    ``api_key`` may be None when every month asked for is cached; the first network call then fails clearly.
    ``source_label`` names the data in the cache key and the provenance instead of the base URL (the bundled
    sample is served on a different port every run).
    """

    base_url: str = NYT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    cache_dir: Path | None = None
    min_interval: float = MIN_INTERVAL
    retry: RetryPolicy = RETRY
    timeout: tuple[float, float] = TIMEOUT
    contact: str | None = None
    source_label: str | None = None
    fields: tuple[str, ...] = DOC_FIELDS

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if _KEY_PARAM.search(self.base_url) or "?" in self.base_url:
            raise ValueError("the NYT base URL must not carry a query string (pass the key as api_key)")
        if self.api_key:
            _guard_logs(self.api_key)
        self.source_label = self.source_label or self.base_url
        self.cache = JsonCache(self.cache_dir) if self.cache_dir else None
        self.throttle = Throttle(self.min_interval)
        self.session = requests.Session()
        self.session.headers.update(
            {"User-Agent": user_agent(self.contact), "Accept": "application/json", "Accept-Encoding": "gzip"}
        )
        self.calls = 0  # network attempts made (each counts against the service's quota)
        self.fetched: dict[str, dict[str, Any]] = {}  # month -> docs, hits, fetch time, copyright (not the docs)

    def url(self, year: int, month: int) -> str:
        """The month's URL as recorded (no key): under the source label, which is the base URL unless set."""
        return self.source_label + ARCHIVE_PATH.format(year=year, month=month)

    def month(self, year: int, month: int) -> ArchiveMonth:
        """One month: from the cache when it holds it (no call, no wait), else from the service, then cached."""
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} out of range")
        key = (self.url(year, month), "fields=" + ",".join(self.fields))
        cached = self.cache.get(*key) if self.cache else None
        if cached is not None:
            result = ArchiveMonth(
                year, month, cached["docs"], cached["hits"], cached["copyright"], cached["fetched_at"], from_cache=True
            )
        else:
            result = self.retry.call(lambda: self._fetch(year, month), f"NYT archive {month_label(year, month)}")
            if self.cache:
                self.cache.put(
                    {
                        "url": key[0],
                        "fields": list(self.fields),
                        "fetched_at": result.fetched_at,
                        "hits": result.hits,
                        "copyright": result.copyright,
                        "docs": result.docs,
                    },
                    *key,
                )
        log.info("NYT archive %s: %d docs%s", result.label, len(result.docs), " (cached)" if result.from_cache else "")
        self.fetched[result.label] = {
            "docs": len(result.docs),
            "hits": result.hits,
            "fetched_at": result.fetched_at,
            "copyright": result.copyright,
        }
        return result

    def fetch_months(self, months: Iterable[tuple[int, int]]) -> Iterator[ArchiveMonth]:
        """The months in order, one at a time (a live month holds thousands of docs)."""
        for year, month in months:
            yield self.month(year, month)

    def provenance(self) -> dict[str, Any]:
        """What was fetched, without the key: base URL, endpoint, months with docs and fetch times, copyright."""
        months = dict(sorted(self.fetched.items()))
        return {
            "service": "New York Times Archive API",
            "base_url": self.source_label,
            "endpoint": self.source_label + ARCHIVE_PATH,
            "months": {label: {k: m[k] for k in ("docs", "hits", "fetched_at")} for label, m in months.items()},
            "docs": sum(m["docs"] for m in months.values()),
            "copyright": sorted({m["copyright"] for m in months.values() if m["copyright"]}),
            "doc_fields": list(self.fields),
            "min_interval_s": self.min_interval,
            "terms_of_use": TERMS_URL,
        }

    # -- one network attempt -------------------------------------------------------------------------------------

    def _fetch(self, year: int, month: int) -> ArchiveMonth:
        what = f"NYT archive {month_label(year, month)} ({self.url(year, month)})"
        if not self.api_key:
            raise NytAuthError(f"{what}: not cached and no API key: set {KEY_ENV} (https://developer.nytimes.com)")
        self.throttle.wait()
        self.calls += 1
        real_url = self.base_url + ARCHIVE_PATH.format(year=year, month=month)
        try:
            response = self.session.get(real_url, params={"api-key": self.api_key}, timeout=self.timeout)
            body = response.content
        except requests.RequestException as err:  # reset, timeout, a body cut off mid-transfer, bad gzip
            # `from None`: the original exception's text holds the URL with the key
            raise TransientError(f"{what}: {type(err).__name__}: {redact(str(err), self.api_key)}") from None
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        status = response.status_code
        if status in (401, 403):
            raise NytAuthError(
                f"{what}: the service refused the API key (HTTP {status}); check {KEY_ENV} and that "
                "the key is enabled for the Archive API"
            )
        if status in RETRYABLE_STATUS:
            raise TransientError(
                f"{what}: HTTP {status}: {_snippet(body)}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status != 200:
            raise SourceError(f"{what}: HTTP {status}: {_snippet(body)}")
        docs, hits, copyright_line = self._parse(body, what)
        return ArchiveMonth(year, month, docs, hits, copyright_line, fetched_at)

    def _parse(self, body: bytes, what: str) -> tuple[list[dict], int | None, str | None]:
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise TransientError(
                f"{what}: body is not JSON ({err.msg if hasattr(err, 'msg') else err}; "
                f"{len(body)} bytes: {_snippet(body)})"
            ) from None
        response = data.get("response") if isinstance(data, dict) else None
        docs = response.get("docs") if isinstance(response, dict) else None
        if not isinstance(docs, list):
            raise TransientError(f"{what}: body has no response.docs list: {_snippet(body)}")
        bad = [i for i, doc in enumerate(docs) if not isinstance(doc, dict)]
        if bad:
            raise TransientError(f"{what}: response.docs[{bad[0]}] is not an object ({len(bad)} such docs)")
        meta = response.get("meta") if isinstance(response.get("meta"), dict) else {}
        hits = meta.get("hits") if isinstance(meta.get("hits"), int) else None
        if hits is not None and hits != len(docs):
            log.warning("%s: meta.hits says %d docs, the body holds %d", what, hits, len(docs))
        copyright_line = data.get("copyright") if isinstance(data.get("copyright"), str) else None
        return [{k: doc[k] for k in self.fields if k in doc} for doc in docs], hits, copyright_line


def _snippet(body: bytes, size: int = 120) -> str:
    text = body[:size].decode("utf-8", errors="replace").replace("\n", " ")
    return redact(text + ("..." if len(body) > size else ""))


# --- the bundled sample, served like the service ------------------------------------------------------------------


class ArchiveFileServer:
    """Serves ``{root}/{year}/{month}.json.gz`` files at ``/svc/archive/v1/{year}/{month}.json`` on loopback.

    Like the service it answers 401 without an ``api-key`` parameter, 404 for a month it does not hold, and sends
    the JSON gzip-encoded. Runs in a thread of this process; stopped on exit from the ``with`` block.
    """

    PATH = re.compile(r"^/svc/archive/v1/(\d{4})/(\d{1,2})\.json$")

    def __init__(self, root: Path):
        self.root = Path(root)
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def file_for(self, path: str) -> Path | None:
        match = self.PATH.match(path)
        if not match:
            return None
        return self.root / match.group(1) / f"{int(match.group(2))}.json.gz"

    def label(self) -> str:
        """A name for the served content (not the port): the hash of every file's name and bytes."""
        files = sorted(self.root.rglob("*.json.gz"))
        return digest(*[part for f in files for part in (str(f.relative_to(self.root)), file_sha256(f))])[:16]

    def __enter__(self) -> ArchiveFileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handler(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                from urllib.parse import parse_qs, urlsplit

                parts = urlsplit(self.path)
                owner.requests.append(parts.path)
                if not parse_qs(parts.query).get("api-key"):
                    return self._send(401, b'{"fault":{"faultstring":"Failed to resolve API Key variable"}}')
                path = owner.file_for(parts.path)
                if path is None or not path.is_file():
                    return self._send(404, b'{"fault":{"faultstring":"not found"}}')
                self._send(200, path.read_bytes(), {"Content-Encoding": "gzip"})

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def sample_archive_dir() -> Path:
    from spacetime.pipelines.sample import SAMPLE_DIR

    folder = SAMPLE_DIR / "nyt" / "archive"
    if not folder.is_dir():
        raise FileNotFoundError(f"no sample NYT archive at {folder}; run `python -m tools.sample` in the repository")
    return folder


@contextlib.contextmanager
def open_archive(
    options: Any, min_interval: float = MIN_INTERVAL, retry: RetryPolicy = RETRY
) -> Iterator[ArchiveClient]:
    """The archive client a build uses: the live service (key from ``NYT_API_KEY``) or the bundled sample.

    ``options`` is a :class:`~spacetime.pipelines.sources.SourceOptions`. In sample mode a local server serves the
    sample months and the same client reads them with a dummy key and no throttle.
    """
    cache_dir = Path(options.cache_dir) / "nyt"
    if options.sample:
        server = ArchiveFileServer(sample_archive_dir())
        with server:
            yield ArchiveClient(
                server.url,
                SAMPLE_KEY,
                cache_dir=cache_dir,
                min_interval=0.0,
                retry=retry,
                contact=options.contact or "offline sample build",
                source_label=f"bundled-sample:nyt:{server.label()}",
            )
        return
    key = os.environ.get(KEY_ENV, "").strip() or None
    yield ArchiveClient(
        options.nyt_url or NYT_BASE_URL,
        key,
        cache_dir=cache_dir,
        min_interval=min_interval,
        retry=retry,
        contact=options.contact,
    )


def gzip_json(value: Any) -> bytes:
    """Deterministic gzip of a JSON value (no timestamp), as the sample's month files are stored."""
    import io

    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return buf.getvalue()
