"""NYC Open Data through the Socrata SODA 2 API: a paging client.

The client asks ``GET {base}/resource/{dataset}.json`` for pages with ``$limit``, ``$offset`` and an ``$order``
(``:id`` by default: without an order SODA's row order is unspecified, so offset paging would lose and repeat rows).
It never trusts a short page: paging stops only when a page at the next offset comes back empty, so a page cut short
by the server is followed by the rest. Every page is cached on disk under its URL, so a rerun resumes where a failed
run stopped. An app token (argument or ``NYC_APP_TOKEN``) goes in the ``X-App-Token`` header and nowhere else.

:class:`~spacetime.pipelines.servers.soda.SodaEmulator` serves rows (the bundled sample, or a test's fixture) on
loopback with the service's ``$limit``/``$offset``/``$order``/``$select`` semantics, so the same client code runs
against both.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spacetime.common import digest
from spacetime.pipelines.sources.cache import JsonCache
from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.retry import NETWORK_ERRORS, RetryPolicy, raise_for_status
from spacetime.pipelines.sources.useragent import user_agent

log = logging.getLogger(__name__)

SODA_BASE = "https://data.cityofnewyork.us"
POINTS_OF_INTEREST = "rxuy-2muj"  # NYC Open Data "Points of Interest"
APP_TOKEN_ENV = "NYC_APP_TOKEN"
TIMEOUT = (10.0, 120.0)  # connect, read seconds
DEFAULT_PAGE_SIZE = 10_000  # SODA 2.0 endpoints allow up to 50,000; smaller pages are kinder to the service


@dataclass(frozen=True)
class SodaQuery:
    """One dataset's rows, in a stable ``order``; ``select``/``where`` are SoQL clauses passed through as written."""

    dataset: str
    order: str = ":id"
    select: str | None = None
    where: str | None = None

    def __post_init__(self) -> None:
        if not self.order or not self.order.strip():
            raise ValueError(
                f"SODA {self.dataset}: paging needs an $order (at least ':id'); without one the "
                "service's row order is unspecified and pages lose and repeat rows"
            )

    @property
    def path(self) -> str:
        return f"/resource/{self.dataset}.json"

    def clauses(self) -> dict[str, str]:
        """The query's own parameters (no paging), as recorded in the provenance."""
        params = {"$order": self.order}
        if self.select:
            params["$select"] = self.select
        if self.where:
            params["$where"] = self.where
        return params

    def page_params(self, limit: int, offset: int) -> dict[str, str]:
        return {**self.clauses(), "$limit": str(limit), "$offset": str(offset)}


@dataclass
class SodaResult:
    rows: list[dict[str, Any]]
    pages: int
    provenance: dict[str, Any] = field(default_factory=dict)


class SodaClient:
    """Fetches every row of a :class:`SodaQuery`, page by page, with retries, a resumable cache and provenance.

    ``source_label`` names the data in the cache keys and the provenance instead of ``base_url`` (the sample's
    emulator listens on a new port each run). ``timeout`` is (connect, read) seconds for every request.
    """

    def __init__(
        self,
        base_url: str = SODA_BASE,
        *,
        cache_dir: str | os.PathLike | None = None,
        app_token: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout: tuple[float, float] = TIMEOUT,
        retry: RetryPolicy | None = None,
        contact: str | None = None,
        source_label: str | None = None,
    ):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.source_label = source_label or self.base_url
        self.cache = JsonCache(cache_dir or None)
        self._app_token = app_token if app_token is not None else os.environ.get(APP_TOKEN_ENV) or None
        self.page_size = page_size
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.user_agent = user_agent(contact)
        self.http_requests = 0
        self._session = None

    def __repr__(self) -> str:  # never show the token
        token = "set" if self._app_token else "none"
        return f"SodaClient({self.source_label!r}, page_size={self.page_size}, app_token={token})"

    # -- public API ------------------------------------------------------------------------------------------------

    def fetch_all(self, query: SodaQuery) -> SodaResult:
        """Every row of ``query`` in its order, each once. Stops at the first empty page, never at a short one."""
        rows: list[dict[str, Any]] = []
        fetched: list[str] = []
        short_pages = 0
        offset, pages = 0, 0
        previous: list[dict[str, Any]] = []
        while True:
            page, fetched_at = self._page(query, offset)
            fetched.append(fetched_at)
            if not page:
                break
            if page == previous:
                raise SourceError(
                    f"SODA {query.dataset}: the page at offset {offset} repeats the one before it; "
                    "the service seems to ignore $offset"
                )
            previous = page
            pages += 1
            if len(page) < self.page_size:
                short_pages += 1  # the end, or a cut-short page: the next request tells which
            rows.extend(page)
            offset += len(page)
        if short_pages > 1:
            log.warning(
                "SODA %s: %d pages came back shorter than %d rows before the end; paging went on past them",
                query.dataset,
                short_pages - 1,
                self.page_size,
            )
        _check_unique_ids(rows, query)
        return SodaResult(rows, pages, self._provenance(query, pages, len(fetched), rows, fetched, short_pages))

    def url(self, query: SodaQuery, limit: int, offset: int) -> str:
        return f"{self.base_url}{query.path}?{urllib.parse.urlencode(query.page_params(limit, offset))}"

    # -- one page --------------------------------------------------------------------------------------------------

    def _page(self, query: SodaQuery, offset: int) -> tuple[list[dict[str, Any]], str]:
        resource = f"{query.path}?{urllib.parse.urlencode(query.page_params(self.page_size, offset))}"
        what = f"SODA {query.dataset} rows {offset}..{offset + self.page_size - 1}"

        def fetch() -> dict[str, Any]:
            rows = self.retry.call(
                lambda: self._request(self.base_url + resource, what), what=f"{what} at {self.source_label}"
            )
            fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            return {"source": self.source_label, "url": resource, "fetched_at": fetched_at, "rows": rows}

        page, _ = self.cache.fetch(fetch, self.source_label, resource)
        return page["rows"], page["fetched_at"]

    def _session_for_requests(self):
        import requests

        if self._session is None:
            session = requests.Session()
            session.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})
            if self._app_token:
                session.headers["X-App-Token"] = self._app_token
            self._session = session
        return self._session

    def _request(self, url: str, what: str) -> list[dict[str, Any]]:
        session = self._session_for_requests()
        self.http_requests += 1
        try:
            response = session.get(url, timeout=self.timeout)
            body = response.content
        except NETWORK_ERRORS as err:
            raise TransientError(f"{what}: {type(err).__name__}: {err}") from err
        detail = f"from {self.source_label}: {_snippet(body)}"
        raise_for_status(response.status_code, what, response.headers.get("Retry-After"), detail)
        return parse_page(body, what)

    def _provenance(
        self, query: SodaQuery, pages: int, requests_made: int, rows: list, fetched: list[str], short_pages: int
    ) -> dict[str, Any]:
        return {
            "service": "Socrata SODA 2 (NYC Open Data)",
            "source": self.source_label,
            "dataset": query.dataset,
            "resource": query.path,
            "query": query.clauses(),
            "query_sha256": digest(*(f"{k}={v}" for k, v in sorted(query.clauses().items()))),
            "page_size": self.page_size,
            "pages": pages,
            "requests": requests_made,  # pages plus the empty page that confirmed the end
            "short_pages": short_pages,
            "rows": len(rows),
            "app_token_used": bool(self._app_token),
            "fetched_first": min(fetched) if fetched else None,
            "fetched_last": max(fetched) if fetched else None,
        }

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def parse_page(body: bytes, what: str) -> list[dict[str, Any]]:
    """The rows of one SODA JSON answer. A truncated or non-JSON body is transient; a JSON error object is not."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise TransientError(
            f"{what}: the response is not complete JSON ({type(err).__name__}): {_snippet(body)}"
        ) from err
    if isinstance(data, dict) and data.get("error"):
        raise SourceError(f"{what}: the service answered with an error: {data.get('message') or data}")
    if not isinstance(data, list):
        raise SourceError(f"{what}: expected a JSON array of rows, got {type(data).__name__}: {_snippet(body)}")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise SourceError(f"{what}: row {i} is a {type(row).__name__}, not an object")
    return data


def _check_unique_ids(rows: list[dict[str, Any]], query: SodaQuery) -> None:
    """Where the rows carry the system field ``:id``, a repeat means the order was not stable across pages."""
    seen: set[str] = set()
    for row in rows:
        row_id = row.get(":id")
        if row_id is None:
            continue
        if row_id in seen:
            raise SourceError(
                f"SODA {query.dataset}: row {row_id!r} came back on two pages; the order {query.order!r} is not stable"
            )
        seen.add(row_id)


def _snippet(body: bytes | str, width: int = 300) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width] + "…"
