"""Client for the New York Times Archive API: one call per month, throttled, retried, cached, and key-safe.

``GET {base}/svc/archive/v1/{year}/{month}.json?api-key=KEY`` returns every article of one month as
``{"copyright": ..., "response": {"docs": [...], "meta": {"hits": N}}}``. The service allows about 5 calls a minute
and 500 a day, so calls are spaced by a minimum interval (12 s by default), 429 answers are retried after their
Retry-After, and every month is cached on disk as soon as it arrives: a build that stops halfway resumes where it
stopped and asks only for the months it lacks. A body that is not the archive's JSON (truncated, an HTML error page,
no ``response.docs``) is retried, then fails naming the month.

The key never leaves this module in clear: URLs in errors, the cache and the provenance carry no key, and it is
masked in every log record (urllib3 logs request lines, query string included, at DEBUG): see
:func:`spacetime.common.mask_in_logs`.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from spacetime.common import mask_in_logs, redact
from spacetime.pipelines.sources.cache import JsonCache
from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.retry import RetryPolicy, raise_for_status
from spacetime.pipelines.sources.useragent import user_agent

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
            mask_in_logs(self.api_key)
        self.source_label = self.source_label or self.base_url
        self.cache = JsonCache(self.cache_dir)
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

        def fetch() -> dict[str, Any]:
            got = self.retry.call(lambda: self._fetch(year, month), f"NYT archive {month_label(year, month)}")
            fields = {"fetched_at": got.fetched_at, "hits": got.hits, "copyright": got.copyright, "docs": got.docs}
            return {"url": key[0], "fields": list(self.fields), **fields}

        kept, from_cache = self.cache.fetch(fetch, *key)
        result = ArchiveMonth(
            year, month, kept["docs"], kept["hits"], kept["copyright"], kept["fetched_at"], from_cache=from_cache
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
            # A service that echoes the request (an error page, a doc's web_url) must not carry the key into the
            # docs, the cache or an error message.
            body = response.content.replace(self.api_key.encode("utf-8"), b"***")
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
        raise_for_status(status, what, response.headers.get("Retry-After"), _snippet(body))
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
