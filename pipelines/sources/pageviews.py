"""Wikipedia pageviews per article over a fixed window, from the Wikimedia REST API or the monthly dumps.

Both clients take a list of titles and return a :class:`PageviewCounts`:

>>> counts = PageviewsAPI(cache_path=".cache/pageviews.sqlite").fetch(["Paris", "São Paulo"], DEFAULT_WINDOW)
>>> counts = PageviewDumps("dumps").fetch(["Paris", "São Paulo"], DEFAULT_WINDOW)

The REST client is polite (descriptive User-Agent, a few workers, Retry-After honoured) and resumable (every
complete answer is kept in a SQLite cache). The dump reader streams the monthly ``pageview_complete`` files
(``pageviews-YYYYMM-user.bz2``, found anywhere below the folder given, e.g. a mirror of
``https://dumps.wikimedia.org/other/``): the file is split at bzip2 stream starts, background threads decompress
the parts (bz2 releases the GIL) and the calling thread parses large byte pieces with one regular expression, so on
two cores it reads a dump faster than ``bzip2 -dc`` alone (see ``tools.bench.pageviews``).
"""

from __future__ import annotations

import bz2
import calendar
import json
import logging
import os
import queue
import re
import threading
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.retry import NETWORK_ERRORS, RetryPolicy, raise_for_status
from spacetime.pipelines.sources.useragent import user_agent

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://wikimedia.org/api/rest_v1"
DEFAULT_PROJECT = "en.wikipedia"
ACCESS_TYPES = ("desktop", "mobile-web", "mobile-app")
MAX_TITLE_BYTES = 255
TIMEOUT = (10.0, 60.0)  # connect, read seconds for one REST request
# English Wikipedia as a whole has about 1e10 views a month: a page's total with more digits than this is corrupt
# (and would overflow the int64 page_views column).
MAX_VIEW_DIGITS = 15


# --- the window ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageviewWindow:
    """``months`` consecutive calendar months from ``start`` ("YYYY-MM"), both ends included.

    The datasets use :data:`DEFAULT_WINDOW`, January 2021 to December 2023, and record it in their metadata.
    """

    start: str
    months: int = 36

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", self.start):
            raise ValueError(f"window start must be 'YYYY-MM', got {self.start!r}")
        if not isinstance(self.months, int) or self.months < 1:
            raise ValueError(f"window months must be a positive integer, got {self.months!r}")

    def month_list(self) -> list[tuple[int, int]]:
        """The (year, month) pairs of the window, in order; month is 1..12."""
        first = int(self.start[:4]) * 12 + int(self.start[5:]) - 1
        return [(i // 12, i % 12 + 1) for i in range(first, first + self.months)]

    @property
    def end(self) -> str:
        """The last month of the window, "YYYY-MM"."""
        year, month = self.month_list()[-1]
        return f"{year:04d}-{month:02d}"

    def rest_range(self) -> tuple[str, str]:
        """Start and end timestamps for the REST API: first day of the first month, last day of the last."""
        (y0, m0), (y1, m1) = self.month_list()[0], self.month_list()[-1]
        last_day = calendar.monthrange(y1, m1)[1]
        return f"{y0:04d}{m0:02d}0100", f"{y1:04d}{m1:02d}{last_day:02d}00"

    def dump_names(self, agent: str = "user") -> list[str]:
        """File names of the monthly pageview_complete dumps, e.g. ``pageviews-202101-user.bz2``."""
        return [dump_name(y, m, agent) for y, m in self.month_list()]

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "months": self.months}


DEFAULT_WINDOW = PageviewWindow("2021-01", 36)
"""The pageview window of every dataset: 36 months, 2021-01 .. 2023-12."""


def dump_name(year: int, month: int, agent: str = "user") -> str:
    return f"pageviews-{year:04d}{month:02d}-{agent}.bz2"


DUMPS_URL = "https://dumps.wikimedia.org/other/pageview_complete"


def dump_url(year: int, month: int, agent: str = "user") -> str:
    """Where Wikimedia serves a month's dump: the ``monthly/`` tree (``YYYY/YYYY-MM/`` directly under
    ``pageview_complete/`` holds the daily files)."""
    return f"{DUMPS_URL}/monthly/{year:04d}/{year:04d}-{month:02d}/{dump_name(year, month, agent)}"


# --- the result ---------------------------------------------------------------------------------------------------


@dataclass
class PageviewCounts:
    """Views per title over a window, keyed by the titles exactly as the caller gave them.

    ``not_found``: titles the source has no record of (counted as 0 in ``views``).
    ``bad_titles``: titles that are not valid MediaWiki titles, with the reason; never requested, not in ``views``.
    ``source``: provenance (kind "rest" or "dump", where from, project, access, agent, window, files, malformed lines).
    """

    views: dict[str, int] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    bad_titles: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)


# --- titles -------------------------------------------------------------------------------------------------------


class BadTitle(ValueError):
    """A title MediaWiki would not accept; the message is the reason."""


_FORBIDDEN_CHARS = frozenset("<>[]{}|\ufffd")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def normalise_title(title: str) -> str:
    """The title as it appears in pageview URLs and dumps: underscores for spaces, no leading, trailing or doubled
    underscores. Raises :class:`BadTitle` naming the problem. The first letter's case is left alone (it is per wiki).
    """
    if not isinstance(title, str):
        raise BadTitle(f"not a string: {type(title).__name__}")
    name = re.sub(r"_+", "_", title.replace(" ", "_")).strip("_")
    if not name:
        raise BadTitle("empty title")
    for char in name:
        if char in _FORBIDDEN_CHARS:
            raise BadTitle(f"character {char!r} is not allowed in titles")
        if unicodedata.category(char) == "Cc":
            raise BadTitle(f"control character U+{ord(char):04X} in title")
    escape = _PERCENT_ESCAPE.search(name)
    if escape:  # MediaWiki forbids these; it is almost always a title that was URL-encoded twice
        raise BadTitle(f"title looks percent-encoded ({escape.group()}); pass the decoded title")
    size = len(name.encode("utf-8"))
    if size > MAX_TITLE_BYTES:
        raise BadTitle(f"title is {size} bytes in UTF-8, more than {MAX_TITLE_BYTES}")
    return name


def encode_title(title: str) -> str:
    """The normalised title, percent-encoded (UTF-8) for one URL path segment; '/' '?' '#' '%' '&' '+' included."""
    return urllib.parse.quote(normalise_title(title), safe="")


def group_titles(titles: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Normalised title -> the caller's spellings of it, and the caller's bad titles -> reason."""
    groups: dict[str, list[str]] = {}
    bad: dict[str, str] = {}
    for title in titles:
        try:
            name = normalise_title(title)
        except BadTitle as err:
            bad[title] = str(err)
            continue
        spellings = groups.setdefault(name, [])
        if title not in spellings:
            spellings.append(title)
    if bad:
        log.warning("%d bad titles will not be looked up, e.g. %r: %s", len(bad), *next(iter(bad.items())))
    return groups, bad


def _spread(groups: dict[str, list[str]], totals: dict[str, int], found: set[str]) -> tuple[dict[str, int], set[str]]:
    """Views and not-found titles in the caller's spellings."""
    views: dict[str, int] = {}
    not_found: set[str] = set()
    for name, spellings in groups.items():
        for title in spellings:
            views[title] = totals.get(name, 0)
            if name not in found:
                not_found.add(title)
    return views, not_found


# --- the REST API -------------------------------------------------------------------------------------------------


def views_in_body(content: bytes) -> int:
    """Sum of ``views`` in a per-article answer; ValueError when the body is not a complete, valid answer."""
    try:
        body = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        snippet = content[:80].decode("utf-8", "replace")
        raise ValueError(f"body is not JSON ({err}): {snippet!r}") from None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ValueError("JSON body has no 'items' list")
    total = 0
    for item in items:
        views = item.get("views") if isinstance(item, dict) else None
        if not isinstance(views, int) or isinstance(views, bool) or views < 0:
            raise ValueError(f"item without a non-negative integer 'views': {item!r}")
        if views >= 10**MAX_VIEW_DIGITS:
            raise ValueError(f"item with an implausible 'views' (more than {MAX_VIEW_DIGITS} digits): {item!r}")
        total += views
    return total


def _is_complete_answer(response: requests.Response) -> bool:
    """Whether requests-cache may keep ``response``: a 404, or a 200 whose body is a complete, valid answer."""
    if response.status_code == 404:
        return True
    if response.status_code != 200:
        return False
    try:
        views_in_body(response.content)
    except ValueError:
        return False
    return True


class PageviewsAPI:
    """Monthly views per article from the Wikimedia REST API, cached in SQLite so a rerun fetches nothing twice.

    ``cache_path``: the SQLite file (".sqlite" is appended when the path has no suffix). Answers never expire: the
    window is in the past. Only complete answers (valid JSON 200s and 404s) are stored.
    """

    def __init__(
        self,
        cache_path: str | os.PathLike,
        base_url: str = DEFAULT_BASE_URL,
        project: str = DEFAULT_PROJECT,
        access: str = "all-access",
        agent: str = "user",
        contact: str | None = None,
        workers: int = 3,
        timeout: tuple[float, float] = TIMEOUT,
        retry: RetryPolicy | None = None,
        progress: bool = True,
    ):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.cache_path = Path(cache_path)
        self.base_url = base_url.rstrip("/")
        self.project = project
        self.access = access
        self.agent = agent
        self.workers = workers
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.progress = progress
        self.user_agent = user_agent(contact)
        self.session = self._make_session()

    def _make_session(self):
        import requests.adapters
        import requests_cache

        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        session = requests_cache.CachedSession(
            str(self.cache_path),
            backend="sqlite",
            serializer="json",
            allowable_codes=(200, 404),
            allowable_methods=("GET",),
            expire_after=requests_cache.NEVER_EXPIRE,
            cache_control=False,
            filter_fn=_is_complete_answer,
        )
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=self.workers, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})
        return session

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> PageviewsAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def article_url(self, title: str, window: PageviewWindow) -> str:
        start, end = window.rest_range()
        return (
            f"{self.base_url}/metrics/pageviews/per-article/{self.project}/{self.access}/{self.agent}/"
            f"{encode_title(title)}/monthly/{start}/{end}"
        )

    def article_views(self, title: str, window: PageviewWindow = DEFAULT_WINDOW) -> tuple[int | None, bool]:
        """Views of one title over the window (None on 404), and whether the answer came from the cache."""
        url = self.article_url(title, window)
        return self.retry.call(lambda: self._get(url, title), what=f"pageviews of {title!r}")

    def _get(self, url: str, title: str) -> tuple[int | None, bool]:
        try:
            response = self.session.get(url, timeout=self.timeout)
        except NETWORK_ERRORS as err:
            raise TransientError(f"pageviews of {title!r}: {type(err).__name__}: {err}") from err
        cached = bool(getattr(response, "from_cache", False))
        status = response.status_code
        if status == 404:
            return None, cached
        detail = f"from {url}: {response.content[:200].decode('utf-8', 'replace')}" if status != 200 else ""
        raise_for_status(status, f"pageviews of {title!r}", response.headers.get("Retry-After"), detail)
        try:
            return views_in_body(response.content), cached
        except ValueError as err:  # truncated or an error page; the cache filter kept it out of the cache
            raise TransientError(f"pageviews of {title!r}: {err}") from err

    def fetch(self, titles: Iterable[str], window: PageviewWindow = DEFAULT_WINDOW) -> PageviewCounts:
        """Views over ``window`` for every valid title; a title that keeps failing raises a SourceError naming it."""
        from spacetime.progress import progress_bar

        groups, bad = group_titles(titles)
        totals: dict[str, int] = {}
        found: set[str] = set()
        from_cache = 0
        with (
            ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="pageviews") as pool,
            progress_bar(enabled=self.progress, total=len(groups), desc="pageviews (REST)", unit="title") as bar,
        ):
            futures = {pool.submit(self.article_views, name, window): name for name in groups}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    if future.exception() is not None:
                        for other in pending:
                            other.cancel()
                        raise future.exception()  # type: ignore[misc]
                    views, cached = future.result()
                    name = futures[future]
                    if views is not None:
                        totals[name] = views
                        found.add(name)
                    from_cache += cached
                    bar.update(1)
        views_by_title, not_found = _spread(groups, totals, found)
        source = {
            "kind": "rest",
            "base_url": self.base_url,
            "project": self.project,
            "access": self.access,
            "agent": self.agent,
            "granularity": "monthly",
            "window": window.as_dict(),
            "user_agent": self.user_agent,
            "titles_requested": len(groups),
            "answers_from_cache": from_cache,
        }
        return PageviewCounts(views=views_by_title, not_found=not_found, bad_titles=bad, source=source)


# --- the monthly dumps --------------------------------------------------------------------------------------------

# Large decompression steps: CPython's bz2 takes the GIL back once per output buffer block (the blocks grow
# geometrically), so few large steps contend less with the parsing thread than many small ones. The parser works
# on smaller pieces so that it hands the GIL back often.
_CHUNK = 8 << 20  # decompressed bytes per decompression step
_BLOCK = 4 << 20  # compressed bytes per read
_PIECE = 256 << 10  # decompressed bytes per parse step
_MAX_EXAMPLES = 10
_ACCESS_BYTES = frozenset(a.encode() for a in ACCESS_TYPES)
# A stream header ("BZh" and the block size digit) followed by the first block's magic number. Inside compressed
# data these 10 bytes turn up by chance with odds of about 2**-77 per position; a false split would fail its CRC.
_STREAM_START = re.compile(rb"BZh[1-9]1AY&SY")
_SPLIT_SEARCH_LIMIT = 64 << 20  # look this far past a split point for the next stream, then split less


def usable_cpus() -> int:
    """Cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """Decompression threads: one per usable core, at most 4 (more outruns the single parsing thread)."""
    return max(1, min(4, usable_cpus()))


@dataclass
class DumpFileStats:
    """What reading one dump file found: lines by kind, malformed lines by reason, a few examples, the file's hash."""

    name: str
    sha256: str = ""
    compressed_bytes: int = 0
    decompressed_bytes: int = 0
    lines: int = 0
    project_lines: int = 0
    malformed: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    # (decompression range, newlines of that range before the line) of each example, until number_examples
    example_places: list[tuple[int, int]] = field(default_factory=list, repr=False)

    @property
    def well_formed_project_lines(self) -> int:
        return self.project_lines - sum(self.malformed.values())

    def number_examples(self, newlines_per_range: list[int]) -> None:
        """Give each example its line number in the file (1-based), once every range's newlines are counted."""
        before = [sum(newlines_per_range[:i]) for i in range(len(newlines_per_range))]
        for example, (index, newlines) in zip(self.examples, self.example_places):
            example["line_number"] = before[index] + newlines + 1
        self.examples.sort(key=lambda example: example["line_number"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "bytes": self.compressed_bytes,
            "decompressed_bytes": self.decompressed_bytes,
            "lines": self.lines,
            "project_lines": self.project_lines,
            "malformed": dict(self.malformed),
        }


def split_at_streams(path: Path, parts: int) -> list[tuple[int, int]]:
    """About ``parts`` byte ranges of a multi-stream bzip2 file, each starting at a stream, so that they can be
    decompressed independently (fewer when the file has fewer streams)."""
    size = path.stat().st_size
    starts = [0]
    with open(path, "rb") as fh:
        for k in range(1, parts):
            found = _next_stream_start(fh, max(size * k // parts, starts[-1] + 1), size)
            if found is None:
                break
            starts.append(found)
    return list(zip(starts, starts[1:] + [size]))


def _next_stream_start(fh, offset: int, size: int, window: int = 1 << 20) -> int | None:
    limit = min(size, offset + _SPLIT_SEARCH_LIMIT)
    while offset < limit:
        fh.seek(offset)
        found = _STREAM_START.search(fh.read(window + 9))  # the overlap catches a header across the window edge
        if found:
            return offset + found.start()
        offset += window
    return None


def iter_decompressed(path: Path, threads: int = 1, chunk_size: int = _CHUNK) -> Iterator[tuple[int, bytes, int]]:
    """The decompressed bytes of a multi-stream bzip2 file as (range index, chunk, compressed bytes read).

    The file is split at stream starts into up to ``threads`` ranges, each decompressed by a background thread
    (bz2 releases the GIL); chunks of one range come in order, ranges interleave. At most a few chunks are held at
    once. Raises SourceError naming the file when it is not valid bzip2 or ends inside a stream.
    """
    ranges = split_at_streams(path, threads)
    chunks: queue.Queue = queue.Queue(maxsize=len(ranges) + 1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(index: int, start: int, end: int) -> None:
        try:
            for chunk, read in _decompress_range(path, start, end, chunk_size):
                if not put((index, chunk, read)):
                    return
            put((index, None, 0))
        except BaseException as err:  # handed to the consumer, which raises it
            put((index, err, 0))

    workers = [
        threading.Thread(target=produce, args=(i, start, end), name=f"bunzip2 {path.name} [{i}]", daemon=True)
        for i, (start, end) in enumerate(ranges)
    ]
    for worker in workers:
        worker.start()
    try:
        running = len(workers)
        while running:
            index, item, read = chunks.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield index, item, read
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def _decompress_range(path: Path, start: int, end: int, chunk_size: int) -> Iterator[tuple[bytes, int]]:
    """(decompressed chunk, compressed bytes read since the last chunk) for the streams in ``path[start:end]``."""
    decompressor = bz2.BZ2Decompressor()
    in_stream = False  # the current decompressor has been fed data
    unreported = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        while start < end and (data := fh.read(min(_BLOCK, end - start))):
            start += len(data)
            unreported += len(data)
            while data:
                if decompressor.eof:  # the next stream
                    data, decompressor, in_stream = decompressor.unused_data, bz2.BZ2Decompressor(), False
                    continue
                try:
                    out = decompressor.decompress(data, chunk_size)
                    in_stream, data = True, b""
                    while out:
                        yield out, unreported
                        unreported = 0
                        if decompressor.eof or decompressor.needs_input:
                            break
                        out = decompressor.decompress(b"", chunk_size)
                except OSError as err:
                    raise SourceError(f"{path}: not a valid bzip2 file ({err}); download it again") from err
                if decompressor.eof:
                    data = decompressor.unused_data
    if end == 0:
        raise SourceError(f"{path}: empty file, not a bzip2 dump; download it again")
    if in_stream and not decompressor.eof:
        raise SourceError(f"{path}: ends in the middle of a bzip2 stream (truncated download?); download it again")
    if unreported:
        yield b"", unreported


@lru_cache(maxsize=16)
def _line_pattern(project: bytes) -> re.Pattern[bytes]:
    """A well-formed line of ``project``, preceded by its newline; groups: title, monthly total."""
    access = b"|".join(a.encode() for a in ACCESS_TYPES)
    return re.compile(
        rb"\n"
        + re.escape(project)
        + rb" ([^ \n]+) (?:\d+|null) (?:"
        + access
        + rb") (\d{1,%d})(?: [^ \n]*)?(?=\n)" % MAX_VIEW_DIGITS
    )


def line_problem(line: bytes) -> str | None:
    """Why a dump line is malformed, or None when it is fine."""
    fields = line.split(b" ")
    if len(fields) < 5:
        return "fewer than 5 fields"
    if len(fields) > 6:
        return "more than 6 fields"
    if not fields[1]:
        return "empty title"
    if fields[2] != b"null" and not fields[2].isdigit():
        return "page id not an integer or null"
    if fields[3] not in _ACCESS_BYTES:
        return "unknown access type"
    if not fields[4].isdigit():
        return "monthly total not a non-negative integer"
    if len(fields[4]) > MAX_VIEW_DIGITS:
        return f"monthly total has more than {MAX_VIEW_DIGITS} digits"
    return None


# Since the dump jobs moved to Spark SQL (February 2023) the files are written by Spark's CSV writer (univocity) with
# a space as separator and its defaults: a field holding a double quote is wrapped in double quotes, with every '"'
# in it written as '\"' and every '\' as '\\'; other fields, backslashes alone included, are written as they are.
# Titles hold no space or newline, the only other characters that trigger quoting. Earlier files (Hive) wrote every
# title bare, so a window across 2023 holds both spellings of such a title.
_QUOTED_TITLE = re.compile(rb'"((?:[^"\\]|\\["\\])*\\"(?:[^"\\]|\\["\\])*)"')
_QUOTE_ESCAPE = re.compile(rb'\\(["\\])')


def quote_dump_title(title: bytes) -> bytes:
    """``title`` as the Spark-written dumps spell it: quoted and escaped when it holds a double quote."""
    if b'"' not in title:
        return title
    return b'"' + title.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def unquote_dump_title(field: bytes) -> bytes:
    """The title in a dump's title field: the field itself, unless it is a quoted title (which always holds an
    escaped double quote, so a bare title from the earlier files, even one like ``"Heroes"``, is left alone)."""
    quoted = _QUOTED_TITLE.fullmatch(field)
    return field if quoted is None else _QUOTE_ESCAPE.sub(rb"\1", quoted.group(1))


def dump_spellings(titles: Iterable[bytes]) -> dict[bytes, bytes]:
    """Every spelling a dump may use for each title (bare, and quoted where it differs) -> the title."""
    return {spelling: title for title in titles for spelling in (title, quote_dump_title(title))}


class _RangeText:
    """Undelivered text of one decompressed range: its first, partial line (ranges after the first may start
    mid-line), the bytes after its last newline so far, and how many newlines of the range were parsed."""

    def __init__(self, first: bool):
        self.head: bytes | None = b"" if first else None  # None: the range's first newline is still to come
        self.carry = b""
        self.newlines = 0


class DumpParser:
    """Sums the monthly totals of one project's lines (all access types) into ``totals``, keyed by title bytes
    (unquoted: a title is counted under one key whichever way a month's file spells it)."""

    def __init__(
        self,
        project: str,
        wanted: set[bytes] | None,
        totals: dict[bytes, int],
        chunk_size: int = _CHUNK,
        piece_size: int = _PIECE,
        threads: int | None = None,
    ):
        self.chunk_size = chunk_size
        self.piece_size = max(1, piece_size)
        self.threads = threads or default_threads()
        self.prefix = b"\n" + project.encode("utf-8") + b" "
        self.pattern = _line_pattern(project.encode("utf-8"))
        self.wanted = None if wanted is None else dump_spellings(wanted)
        self.totals = totals

    def parse_file(self, path: Path, on_compressed=None) -> DumpFileStats:
        """Read one dump; ``on_compressed(n)`` reports progress in compressed bytes."""
        from spacetime.common import file_sha256

        stats = DumpFileStats(name=path.name)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256") as hasher:
            digest = hasher.submit(file_sha256, path)
            ranges: dict[int, _RangeText] = {}
            for index, chunk, read in iter_decompressed(path, self.threads, self.chunk_size):
                stats.compressed_bytes += read
                if on_compressed is not None and read:
                    on_compressed(read)
                stats.decompressed_bytes += len(chunk)
                self._parse_chunk(index, ranges.setdefault(index, _RangeText(first=index == 0)), chunk, stats)
            ordered = [ranges[i] for i in sorted(ranges)]
            self._parse_range_joins(ordered, stats)
            stats.number_examples([state.newlines + state.carry.count(b"\n") for state in ordered])
            stats.sha256 = digest.result()
        return stats

    def _parse_chunk(self, index: int, state: _RangeText, chunk: bytes, stats: DumpFileStats) -> None:
        text = state.carry + chunk
        start = 0
        if state.head is None:
            start = text.find(b"\n") + 1
            if not start:
                state.carry = text
                return
            state.head = text[: start - 1]
            state.newlines = 1
        while (end := text.find(b"\n", start + self.piece_size - 1)) >= 0:
            state.newlines += self.parse_lines(b"\n" + text[start : end + 1], stats, (index, state.newlines))
            start = end + 1
        state.carry = text[start:]

    def _parse_range_joins(self, ranges: list[_RangeText], stats: DumpFileStats) -> None:
        """The lines left at the ends of the ranges: each range's tail, joined to the next range's first line."""
        pending, where = b"", (0, 0)  # where the pending text starts: (range, newlines of the range before it)
        for index, state in enumerate(ranges):
            if state.head is None:  # no newline in the whole range
                pending += state.carry
                continue
            if pending or state.head:
                self.parse_lines(b"\n" + pending + state.head + b"\n", stats, where)
            pending, where = state.carry, (index, state.newlines)
        if pending:
            self.parse_lines(b"\n" + pending + (b"" if pending.endswith(b"\n") else b"\n"), stats, where)

    def parse_lines(self, body: bytes, stats: DumpFileStats, where: tuple[int, int] = (0, 0)) -> int:
        """``body``: whole lines, starting and ending with a newline; ``where``: (range, newlines of the range
        before the body), for the line numbers of malformed examples. Returns the number of lines."""
        lines = body.count(b"\n") - 1
        stats.lines += lines
        expected = body.count(self.prefix)
        stats.project_lines += expected
        matches = self.pattern.findall(body)
        if len(matches) != expected:
            self.note_malformed(body, stats, where)
        totals, wanted = self.totals, self.wanted
        if wanted is None:
            for title, total in matches:
                if title[:1] == b'"':
                    title = unquote_dump_title(title)
                totals[title] = totals.get(title, 0) + int(total)
        else:
            for spelling, total in matches:
                title = wanted.get(spelling)
                if title is not None:
                    totals[title] = totals.get(title, 0) + int(total)
        return lines

    def note_malformed(self, body: bytes, stats: DumpFileStats, where: tuple[int, int] = (0, 0)) -> None:
        """The slow path, only for chunks where some of the project's lines did not match the line pattern."""
        head = self.prefix[1:]
        for offset, line in enumerate(body[1:-1].split(b"\n")):
            if not line.startswith(head) or self.pattern.match(b"\n" + line + b"\n"):
                continue
            reason = line_problem(line) or "malformed line"
            stats.malformed[reason] = stats.malformed.get(reason, 0) + 1
            if len(stats.examples) < _MAX_EXAMPLES:
                stats.examples.append(
                    {"file": stats.name, "reason": reason, "line": line[:300].decode("utf-8", "replace")}
                )
                stats.example_places.append((where[0], where[1] + offset))


def read_dump(
    path: str | os.PathLike,
    project: str = DEFAULT_PROJECT,
    wanted: Iterable[str] | None = None,
    totals: dict[bytes, int] | None = None,
    threads: int | None = None,
) -> tuple[dict[bytes, int], DumpFileStats]:
    """Views per title (UTF-8 bytes, underscore form) in one dump file, summed over access types."""
    wanted_bytes = None if wanted is None else {t.encode("utf-8") for t in wanted}
    totals = {} if totals is None else totals
    stats = DumpParser(project, wanted_bytes, totals, threads=threads).parse_file(Path(path))
    return totals, stats


# pageview_complete file names: pageviews-YYYYMM-AGENT.bz2 (monthly), pageviews-YYYYMMDD-AGENT.bz2 (daily)
_DUMP_FILE = re.compile(r"pageviews-(\d{4})(\d{2})(\d{2})?-([a-z]+)\.bz2")


@dataclass
class DumpFolder:
    """The ``pageview_complete`` files of one agent found anywhere below ``root``, by (year, month): the layout
    of the dumps server (``other/pageview_complete/monthly/YYYY/YYYY-MM/``), any part of it, or a flat folder."""

    root: Path
    monthly: dict[tuple[int, int], list[Path]] = field(default_factory=dict)
    daily: dict[tuple[int, int], list[Path]] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path, agent: str = "user") -> DumpFolder:
        if not root.is_dir():
            raise SourceError(f"{root}: not a folder; --pageviews-dump takes the folder the monthly dumps are in")
        found = cls(root)
        for folder, subfolders, names in os.walk(root):
            subfolders.sort()
            for name in sorted(names):
                match = _DUMP_FILE.fullmatch(name)
                if match is not None and match[4] == agent:
                    by_month = found.daily if match[3] else found.monthly
                    by_month.setdefault((int(match[1]), int(match[2])), []).append(Path(folder, name))
        return found

    def month_file(self, year: int, month: int) -> Path | None:
        """The month's monthly file; SourceError naming the paths when two different files claim the month (one
        file reached twice, through a link, is one file)."""
        paths = list({_file_identity(p): p for p in self.monthly.get((year, month), [])}.values())
        if len(paths) > 1:
            raise SourceError(
                f"the pageview dump for {year:04d}-{month:02d} is below {self.root} {len(paths)} times: "
                f"{' and '.join(map(str, paths))}; keep one of them (move or delete the others)"
            )
        return paths[0] if paths else None

    def daily_count(self) -> int:
        return sum(len(paths) for paths in self.daily.values())


def _file_identity(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError as err:  # e.g. a link to a file that is gone
        raise SourceError(f"{path}: cannot be read ({err.strerror}); remove it or make it a readable file") from err
    return stat.st_dev, stat.st_ino


class PageviewDumps:
    """Monthly views from the ``pageview_complete`` dumps found anywhere below ``dump_dir``.

    Only the monthly files (``pageviews-YYYYMM-user.bz2``) are read; daily files (``pageviews-YYYYMMDD-user.bz2``,
    which Wikimedia keeps in ``pageview_complete/YYYY/YYYY-MM/``) hold the same views again, so they are counted and
    left out, and a month that has only daily files is refused as missing. A month found in two files, and a
    month's file without one well-formed line of ``project``, are refused too. Only ``project``'s lines are parsed;
    other projects' lines are counted, not checked.
    """

    def __init__(
        self,
        dump_dir: str | os.PathLike,
        project: str = DEFAULT_PROJECT,
        agent: str = "user",
        progress: bool = True,
        threads: int | None = None,
    ):
        self.dump_dir = Path(dump_dir)
        self.threads = threads
        self.project = project
        self.agent = agent
        self.progress = progress

    def files_for(self, window: PageviewWindow, folder: DumpFolder | None = None) -> list[Path]:
        """The window's monthly dump files; SourceError naming every missing month (and any month found twice)."""
        folder = folder or DumpFolder.scan(self.dump_dir, self.agent)
        paths = {ym: folder.month_file(*ym) for ym in window.month_list()}
        missing = [ym for ym, path in paths.items() if path is None]
        if missing:
            raise SourceError(self._missing_message(folder, missing, window))
        return [path for path in paths.values() if path is not None]

    def _missing_message(self, folder: DumpFolder, missing: list[tuple[int, int]], window: PageviewWindow) -> str:
        months = ", ".join(f"{y:04d}-{m:02d}" for y, m in missing)
        head = f"pageview dumps missing below {self.dump_dir} for {len(missing)} of {window.months} months: {months}"
        daily = [path for ym in missing for path in folder.daily.get(ym, [])]
        if daily:
            return (
                f"{head}: found only daily files for them ({len(daily)}, e.g. {daily[0]}), which the reader does "
                f"not add up; download the monthly files, e.g. {dump_url(*missing[0], self.agent)}"
            )
        return (
            f"{head} (looked for {dump_name(*missing[0], self.agent)} and the like anywhere below it); "
            f"download them from {DUMPS_URL}/monthly/, e.g. {dump_url(*missing[0], self.agent)}"
        )

    def check_month(self, path: Path, year: int, month: int, stats: DumpFileStats) -> None:
        """SourceError when a month's file would silently count no views: no well-formed line of the project."""
        again = f"download it again from {dump_url(year, month, self.agent)}"
        if stats.project_lines == 0:
            raise SourceError(
                f"{path}: no {self.project} line among its {stats.lines:,} lines, so every title would get 0 views "
                f"for {year:04d}-{month:02d}; it is not a complete monthly pageview_complete dump: {again}"
            )
        if stats.well_formed_project_lines == 0:
            example = stats.examples[0]
            raise SourceError(
                f"{path}: none of its {stats.project_lines:,} {self.project} lines is in the pageview_complete "
                f"monthly format (line {example['line_number']}: {example['reason']}: {example['line'][:120]!r}); "
                f"{again}"
            )

    def fetch(self, titles: Iterable[str], window: PageviewWindow = DEFAULT_WINDOW) -> PageviewCounts:
        from spacetime.progress import progress_bar

        groups, bad = group_titles(titles)
        folder = DumpFolder.scan(self.dump_dir, self.agent)
        paths = self.files_for(window, folder)
        if folder.daily_count():
            log.info(
                "pageview dumps: %d daily files below %s left out (the monthly files are read)",
                folder.daily_count(),
                self.dump_dir,
            )
        wanted = {name.encode("utf-8") for name in groups}
        totals: dict[bytes, int] = {}
        parser = DumpParser(self.project, wanted, totals, threads=self.threads)
        files = []
        malformed: dict[str, int] = {}
        examples: list[dict[str, Any]] = []
        total_bytes = sum(p.stat().st_size for p in paths)
        with progress_bar(
            enabled=self.progress, total=total_bytes, desc="pageviews (dumps)", unit="B", unit_scale=True
        ) as bar:
            for (year, month), path in zip(window.month_list(), paths):
                stats = parser.parse_file(path, on_compressed=bar.update)
                self.check_month(path, year, month, stats)
                files.append(stats.as_dict())
                for reason, n in stats.malformed.items():
                    malformed[reason] = malformed.get(reason, 0) + n
                examples.extend(stats.examples[: _MAX_EXAMPLES - len(examples)])
        if malformed:
            log.warning(
                "pageview dumps: %d malformed %s lines skipped (%s); e.g. %s",
                sum(malformed.values()),
                self.project,
                malformed,
                examples[:1],
            )
        by_name = {name: totals.get(name.encode("utf-8"), 0) for name in groups}
        found = {name for name in groups if name.encode("utf-8") in totals}
        views, not_found = _spread(groups, by_name, found)
        source = {
            "kind": "dump",
            "dump_dir": str(self.dump_dir),
            "project": self.project,
            "access": "all-access",
            "agent": self.agent,
            "window": window.as_dict(),
            "files": files,
            "daily_files_left_out": folder.daily_count(),
            "malformed_lines": malformed,
            "malformed_examples": examples,
        }
        return PageviewCounts(views=views, not_found=not_found, bad_titles=bad, source=source)
