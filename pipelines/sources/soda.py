"""NYC Open Data through the Socrata SODA 2 API: a paging client, and a small local emulator of the service.

The client asks ``GET {base}/resource/{dataset}.json`` for pages with ``$limit``, ``$offset`` and an ``$order``
(``:id`` by default: without an order SODA's row order is unspecified, so offset paging would lose and repeat rows).
It never trusts a short page: paging stops only when a page at the next offset comes back empty, so a page cut short
by the server is followed by the rest. Every page is cached on disk under its URL, so a rerun resumes where a failed
run stopped. An app token (argument or ``NYC_APP_TOKEN``) goes in the ``X-App-Token`` header and nowhere else.

:class:`SodaEmulator` serves rows (the bundled sample, or a test's fixture) on loopback with the service's
``$limit``/``$offset``/``$order``/``$select`` semantics, so the same client code runs against both.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import random
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacetime.pipelines.sources.cache import JsonCache
from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from spacetime.pipelines.sources.useragent import user_agent

from spacetime.common import digest

if TYPE_CHECKING:
    from spacetime.pipelines.sources import SourceOptions

log = logging.getLogger(__name__)

SODA_BASE = "https://data.cityofnewyork.us"
POINTS_OF_INTEREST = "rxuy-2muj"  # NYC Open Data "Points of Interest"
APP_TOKEN_ENV = "NYC_APP_TOKEN"
DEFAULT_PAGE_SIZE = 10_000  # SODA 2.0 endpoints allow up to 50,000; smaller pages are kinder to the service
SAMPLE_FOLDER = "soda"  # under the sample's data/: soda/<dataset id>/*.json.gz


# --------------------------------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------------------------------


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
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        contact: str | None = None,
        source_label: str | None = None,
    ):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.source_label = source_label or self.base_url
        self.cache = JsonCache(cache_dir) if cache_dir else None
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
        params = urllib.parse.urlencode(query.page_params(self.page_size, offset))
        cache_key = (self.source_label, f"{query.path}?{params}")
        if self.cache is not None:
            cached = self.cache.get(*cache_key)
            if cached is not None:
                return cached["rows"], cached["fetched_at"]
        what = f"SODA {query.dataset} rows {offset}..{offset + self.page_size - 1}"
        url = f"{self.base_url}{query.path}?{params}"
        rows = self.retry.call(lambda: self._request(url, what), what=f"{what} at {self.source_label}")
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        if self.cache is not None:
            self.cache.put(
                {"source": self.source_label, "url": cache_key[1], "fetched_at": fetched_at, "rows": rows}, *cache_key
            )
        return rows, fetched_at

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
        import requests

        session = self._session_for_requests()
        self.http_requests += 1
        try:
            response = session.get(url, timeout=self.timeout)
            body = response.content
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as err:
            raise TransientError(f"{what}: {type(err).__name__}: {err}") from err
        status = response.status_code
        if status in RETRYABLE_STATUS or status >= 500:
            raise TransientError(f"{what}: HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if status != 200:
            raise SourceError(f"{what}: HTTP {status} from {self.source_label}: {_snippet(body)}")
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


@contextlib.contextmanager
def open_soda(options: SourceOptions, dataset: str = POINTS_OF_INTEREST) -> Iterator[SodaClient]:
    """A client for the live service (``options.soda_url`` or NYC Open Data), or, in sample mode, for an emulator
    serving the bundled sample on loopback while the block runs."""
    cache_dir = Path(options.cache_dir) / "soda"
    if options.sample:
        with SodaEmulator.from_folder(sample_folder()) as emulator:
            label = f"bundled-sample:soda:{emulator.content_id}"
            client = SodaClient(
                emulator.base_url,
                cache_dir=cache_dir,
                source_label=label,
                contact=options.contact or "offline sample build",
            )
            try:
                yield client
            finally:
                client.close()
        return
    client = SodaClient(options.soda_url or SODA_BASE, cache_dir=cache_dir, contact=options.contact)
    try:
        yield client
    finally:
        client.close()


def sample_folder() -> Path:
    from spacetime.pipelines.sample import SAMPLE_DIR

    folder = SAMPLE_DIR / SAMPLE_FOLDER
    if not folder.is_dir():
        raise FileNotFoundError(f"no SODA sample at {folder}; run `python -m tools.sample` in the repository")
    return folder


# --------------------------------------------------------------------------------------------------------------------
# Emulator
# --------------------------------------------------------------------------------------------------------------------

SODA_DEFAULT_LIMIT = 1000  # what the service returns when no $limit is given
SUPPORTED_PARAMS = {"$limit", "$offset", "$order", "$select"}


class SoqlError(ValueError):
    """A query the emulator refuses, as the service answers a malformed query: HTTP 400 with a JSON error."""


@dataclass
class EmulatorRequest:
    path: str
    params: dict[str, str]
    app_token: bool  # whether an X-App-Token header came with it (its value is never kept)


class SodaEmulator:
    """A loopback HTTP server answering ``/resource/<dataset>.json`` from rows in memory.

    Rows are stored as ``$select=:*,*`` would return them: data fields plus system fields such as ``:id``. They are
    served with SODA's paging semantics: ``$limit`` (default 1000), ``$offset``, ``$order`` (fields or ``:id``,
    ``ASC``/``DESC``, comma-separated) and ``$select`` (``*``, ``:*, *`` or a list of fields). System fields are left
    out unless selected. Without ``$order`` each request sees the rows in a different order, as the service does not
    promise one. ``max_rows`` cuts pages short without saying so (a fault for the tests); with ``app_token`` set, a
    request carrying a different token is refused with 403.
    """

    def __init__(
        self,
        datasets: dict[str, Sequence[dict[str, Any]]],
        *,
        max_rows: int | None = None,
        app_token: str | None = None,
        content_id: str = "memory",
    ):
        self.datasets = {name: [dict(r) for r in rows] for name, rows in datasets.items()}
        self.max_rows = max_rows
        self._app_token = app_token
        self.content_id = content_id
        self.requests: list[EmulatorRequest] = []
        self._lock = threading.Lock()
        self._unordered_calls = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @classmethod
    def from_folder(cls, folder: Path, **kwargs: Any) -> SodaEmulator:
        """Rows from ``<folder>/<dataset>/*.json[.gz]`` (pages of rows, read in file-name order)."""
        datasets: dict[str, list[dict[str, Any]]] = {}
        hashes: list[str] = []
        for sub in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
            rows: list[dict[str, Any]] = []
            for path in sorted(sub.glob("*.json*")):
                data = path.read_bytes()
                hashes += [f"{sub.name}/{path.name}", digest(data.hex())]
                text = gzip.decompress(data) if path.suffix == ".gz" else data
                rows.extend(parse_page(text, f"SODA sample file {path}"))
            datasets[sub.name] = rows
        if not datasets:
            raise FileNotFoundError(f"no SODA dataset folders under {folder}")
        kwargs.setdefault("content_id", digest(*hashes)[:16])
        return cls(datasets, **kwargs)

    @property
    def base_url(self) -> str:
        if self.server is None:
            raise RuntimeError("the emulator is not running; use it as a context manager")
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def resource_url(self, dataset: str) -> str:
        return f"{self.base_url}/resource/{dataset}.json"

    def start(self) -> SodaEmulator:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="soda-emulator", daemon=True
        )
        self.thread.start()
        log.info("SODA emulator serving %s", self.base_url)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    def __enter__(self) -> SodaEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- query semantics -------------------------------------------------------------------------------------------

    def answer(self, dataset: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """The rows the service would return for ``params``; raises :class:`SoqlError` or KeyError (no dataset)."""
        rows = self.datasets[dataset]
        unknown = set(params) - SUPPORTED_PARAMS
        if unknown:
            raise SoqlError(f"the emulator does not support {sorted(unknown)}")
        limit = _non_negative(params, "$limit", SODA_DEFAULT_LIMIT)
        offset = _non_negative(params, "$offset", 0)
        if "$order" in params:
            ordered = _ordered(rows, params["$order"])
        else:
            with self._lock:
                self._unordered_calls += 1
                seed = self._unordered_calls
            ordered = list(rows)
            random.Random(seed).shuffle(ordered)
        if self.max_rows is not None:
            limit = min(limit, self.max_rows)
        page = ordered[offset : offset + limit]
        return [_selected(row, params.get("$select")) for row in page]

    def _handler(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                token = self.headers.get("X-App-Token")
                with emulator._lock:
                    emulator.requests.append(EmulatorRequest(parsed.path, params, token is not None))
                if emulator._app_token is not None and token is not None and token != emulator._app_token:
                    return self._json(
                        403, {"code": "invalid_app_token", "error": True, "message": "Invalid app_token specified"}
                    )
                name = parsed.path.removeprefix("/resource/").removesuffix(".json")
                if not parsed.path.startswith("/resource/") or not parsed.path.endswith(".json"):
                    return self._json(404, {"code": "not_found", "error": True, "message": "Not found"})
                try:
                    rows = emulator.answer(name, params)
                except KeyError:
                    return self._json(
                        404, {"code": "dataset.missing", "error": True, "message": f"Cannot find view with id {name}"}
                    )
                except SoqlError as err:
                    return self._json(400, {"code": "query.soql.invalid", "error": True, "message": str(err)})
                self._json(200, rows)

            def _json(self, status: int, value: Any) -> None:
                body = json.dumps(value, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _non_negative(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.strip().isdigit():
        raise SoqlError(f"{name} must be a non-negative integer, got {text!r}")
    return int(text)


def _ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Rows sorted by a SoQL ``$order``: comma-separated fields, each optionally ASC or DESC; missing values first."""
    keys = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise SoqlError(f"cannot parse $order {order!r}")
        keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    out = list(rows)
    for name, descending in reversed(keys):  # stable sorts, last key first
        out.sort(key=lambda r: (r.get(name) is not None, _sort_value(r.get(name))), reverse=descending)
    return out


def _sort_value(value: Any) -> tuple:
    """Numbers sort as numbers (SODA's number columns arrive as strings), everything else as text."""
    if value is None:
        return (0, 0.0, "")
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    try:
        return (1, float(text), "")
    except ValueError:
        return (2, 0.0, text)


def _selected(row: dict[str, Any], select: str | None) -> dict[str, Any]:
    fields = [f.strip() for f in (select or "*").split(",") if f.strip()]
    if not fields:
        raise SoqlError(f"cannot parse $select {select!r}")
    out: dict[str, Any] = {}
    for name in fields:
        if name == "*":
            out.update({k: v for k, v in row.items() if not k.startswith(":")})
        elif name == ":*":
            out.update({k: v for k, v in row.items() if k.startswith(":")})
        elif name in row:
            out[name] = row[name]
        elif not name.replace("_", "").replace(":", "").isalnum():
            raise SoqlError(f"the emulator supports only plain field names in $select, not {name!r}")
    return out
