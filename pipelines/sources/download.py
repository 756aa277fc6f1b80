"""``spacetime download``: the pinned DBpedia release and the window's monthly pageview dumps, fetched and verified.

Everything lands in one folder that mirrors the servers' paths::

    DEST/<publisher>/<group>/<artifact>/<version>/<file>              the Databus
    DEST/other/pageview_complete/monthly/YYYY/YYYY-MM/<file>          dumps.wikimedia.org

What each file should be comes from its publisher:

- the Databus describes every file of an artifact's version in the version's JSON-LD (``GET`` the version IRI with
  ``Accept: application/ld+json``): a ``@graph`` whose ``Part`` nodes carry ``file`` (the Databus IRI of the file),
  ``downloadURL`` (dcat:downloadURL), ``byteSize`` (dcat:byteSize) and ``sha256sum`` (databus:sha256sum);
- the dumps server publishes no size for the monthly pageview files; a month folder's ``md5sums.txt`` or
  ``sha1sums.txt``, where there is one, gives a digest per file name. Without one, the size the server announces
  (Content-Length, or the total of Content-Range) is what a transfer is checked against.

A transfer writes ``.<file>.part`` next to its final place and resumes it with an HTTP Range request after a broken
connection, a retried 5xx or 429 (Retry-After honoured), or a killed run. The part is checked (size, digest) and
only then renamed to the final name, so a file under its final name is always a verified one: a rerun checks it
again locally and never fetches it again. A part that fails the check is kept aside as ``.<file>.bad`` (hidden, so
the dump readers skip it) and the run fails naming the file and both digests.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import requests
import urllib3

from spacetime.common import write_json_atomic
from spacetime.pipelines.sources.dbpedia_dump import DATABUS, DatabusFile, databus_files
from spacetime.pipelines.sources.errors import SourceError, TransientError
from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW, PageviewWindow, dump_url
from spacetime.pipelines.sources.retry import NETWORK_ERRORS, RetryPolicy, raise_for_status
from spacetime.pipelines.sources.useragent import user_agent
from spacetime.progress import progress_bar

log = logging.getLogger(__name__)

DATABUS_URL = DATABUS.rstrip("/")
DUMPS_URL = "https://dumps.wikimedia.org"
CHECKSUM_FILES = (("md5sums.txt", "md5"), ("sha1sums.txt", "sha1"))  # a month folder's published digests, if any
WORKERS = 2  # files in flight at once: the dumps server asks for no more than a few connections
CHUNK = 1 << 20
TIMEOUT = (10.0, 60.0)  # connect, read seconds (the read timeout is between two chunks, not for a whole file)


class DownloadError(SourceError):
    """Files that could not be fetched or verified; the message names each one."""


class ChecksumMismatch(SourceError):
    """A transferred file whose size or digest is not the published one."""


class MissingFile(SourceError):
    """A file the server does not have (HTTP 404)."""


# --- what to fetch ------------------------------------------------------------------------------------------------


def version_iri(item: DatabusFile, base: str = DATABUS_URL) -> str:
    """The Databus IRI of the artifact version ``item`` belongs to, on the Databus at ``base``."""
    return f"{base.rstrip('/')}/{item.path.parent}"


@dataclass(frozen=True)
class RemoteFile:
    """A file to fetch: where from, where to (relative to the destination), and what it must be."""

    url: str
    path: PurePosixPath
    size: int | None = None
    digests: dict[str, str] = field(default_factory=dict)  # hashlib name -> lower-case hex, as published
    source: str = ""  # where the size and digests were read, for messages


# --- the Databus's metadata ---------------------------------------------------------------------------------------

DCAT = "http://www.w3.org/ns/dcat#"
DATABUS_NS = "https://dataid.dbpedia.org/databus#"
# A version's JSON-LD is compacted with the Databus context (https://downloads.dbpedia.org/databus/context.jsonld):
# the short keys; the prefixed and full IRIs are what the same terms look like without that context.
_KEYS = {
    "file": ("file", "databus:file", f"{DATABUS_NS}file"),
    "downloadURL": ("downloadURL", "dcat:downloadURL", f"{DCAT}downloadURL"),
    "byteSize": ("byteSize", "dcat:byteSize", f"{DCAT}byteSize"),
    "sha256sum": ("sha256sum", "databus:sha256sum", f"{DATABUS_NS}sha256sum"),
}
_PART_TYPES = {"Part", "databus:Part", f"{DATABUS_NS}Part"}


def _term(node: dict[str, Any], key: str) -> str | None:
    """A node's single value for one of the terms above, whether compacted, prefixed or expanded."""
    for name in _KEYS[key]:
        value = node.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("@value", value.get("@id"))
        if value is not None:
            return str(value)
    return None


def _nodes(document: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object of a JSON-LD document (``@graph`` members and nested ``distribution`` nodes alike)."""
    if isinstance(document, dict):
        yield document
        for value in document.values():
            yield from _nodes(value)
    elif isinstance(document, list):
        for item in document:
            yield from _nodes(item)


def version_parts(document: Any, iri: str) -> dict[str, dict[str, str | None]]:
    """The files of a version's JSON-LD: file name -> its downloadURL, byteSize and sha256sum."""
    parts = {}
    for node in _nodes(document):
        types = node.get("@type", ())
        types = {types} if isinstance(types, str) else set(types)
        if not types & _PART_TYPES:
            continue
        where = _term(node, "file") or _term(node, "downloadURL")
        if where:
            parts[where.rstrip("/").rsplit("/", 1)[-1]] = {
                k: _term(node, k) for k in ("downloadURL", "byteSize", "sha256sum")
            }
    if not parts:
        raise SourceError(f"{iri}: the Databus's JSON-LD for this version lists no files (no Part node)")
    return parts


def databus_remote_files(
    session: requests.Session, wanted: Iterable[DatabusFile], base: str, retry: RetryPolicy
) -> list[RemoteFile]:
    """The release's files with the size and sha256 the Databus publishes, one metadata request per version."""
    documents: dict[str, dict[str, dict[str, str | None]]] = {}
    files = []
    for item in wanted:
        iri = version_iri(item, base)
        if iri not in documents:
            documents[iri] = version_parts(_get_json(session, iri, retry), iri)
        part = documents[iri].get(item.name)
        if part is None:
            known = ", ".join(sorted(documents[iri])[:20])
            raise SourceError(f"{iri}: the Databus lists no file {item.name} in this version (it has: {known})")
        files.append(_databus_remote(item, part, iri))
    return files


def _databus_remote(item: DatabusFile, part: dict[str, str | None], iri: str) -> RemoteFile:
    url, size, sha256 = part["downloadURL"], part["byteSize"], part["sha256sum"]
    if not url or size is None or not sha256:
        raise SourceError(f"{iri}: the metadata of {item.name} lacks its downloadURL, byteSize or sha256sum")
    try:
        byte_size = int(float(size))
    except ValueError:
        raise SourceError(f"{iri}: {item.name} has a byteSize that is not a number: {size!r}") from None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise SourceError(f"{iri}: {item.name} has a sha256sum that is not 64 hex digits: {sha256!r}")
    return RemoteFile(url, item.path, byte_size, {"sha256": sha256.lower()}, iri)


def _get_json(session: requests.Session, url: str, retry: RetryPolicy) -> Any:
    def attempt() -> Any:
        try:
            response = session.get(url, headers={"Accept": "application/ld+json"}, timeout=TIMEOUT)
        except NETWORK_ERRORS as err:
            raise TransientError(f"{url}: {err}") from err
        raise_for_status(response.status_code, url, response.headers.get("Retry-After"))
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{url}: the answer is not JSON-LD: {response.text[:80]!r}") from None

    return retry.call(attempt, url)


# --- the pageview dumps -------------------------------------------------------------------------------------------


def parse_checksums(text: str) -> dict[str, str]:
    """``md5sum``/``sha1sum`` output (``<hex>  <name>``, ``*<name>`` in binary mode) as file name -> hex digest."""
    digests = {}
    for line in text.splitlines():
        match = re.fullmatch(r"\s*([0-9a-fA-F]{32,128})\s+\*?(\S.*?)\s*", line)
        if match:
            digests[PurePosixPath(match.group(2)).name] = match.group(1).lower()
    return digests


def published_checksums(
    session: requests.Session, folder: str, retry: RetryPolicy
) -> tuple[dict[str, dict[str, str]], str]:
    """File name -> {algorithm: hex} from the month folder's checksum files (none where the folder has none)."""
    found: dict[str, dict[str, str]] = {}
    sources = []
    for name, algorithm in CHECKSUM_FILES:
        text = _get_text_or_none(session, folder + name, retry)
        if text is not None:
            sources.append(folder + name)
            for file_name, digest in parse_checksums(text).items():
                found.setdefault(file_name, {})[algorithm] = digest
    return found, " and ".join(sources)


def _get_text_or_none(session: requests.Session, url: str, retry: RetryPolicy) -> str | None:
    def attempt() -> str | None:
        try:
            response = session.get(url, timeout=TIMEOUT)
        except NETWORK_ERRORS as err:
            raise TransientError(f"{url}: {err}") from err
        if response.status_code == 404:
            return None
        raise_for_status(response.status_code, url, response.headers.get("Retry-After"))
        return response.text

    return retry.call(attempt, url)


def pageview_files(
    session: requests.Session, window: PageviewWindow, base: str, retry: RetryPolicy, agent: str = "user"
) -> list[RemoteFile]:
    """The window's monthly ``pageview_complete`` files, each with its published digests where the month has any."""
    files = []
    for year, month in window.month_list():
        path = PurePosixPath(urllib.parse.urlsplit(dump_url(year, month, agent)).path.lstrip("/"))  # the server's path
        folder = f"{base.rstrip('/')}/{path.parent}/"
        checksums, source = published_checksums(session, folder, retry)
        files.append(RemoteFile(folder + path.name, path, None, checksums.get(path.name, {}), source))
    return files


# --- fetching -----------------------------------------------------------------------------------------------------


def hidden_sibling(path: Path, suffix: str) -> Path:
    """``.<name><suffix>`` next to ``path``: hidden, so the dump readers never take it for a release file."""
    return path.with_name(f".{path.name}{suffix}")


def file_digest(path: Path, algorithm: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, algorithm).hexdigest()


def check_file(path: Path, remote: RemoteFile, size: int | None = None) -> None:
    """ChecksumMismatch naming the file and both values unless ``path`` has the expected size and every digest."""
    expected = remote.size if remote.size is not None else size
    actual = path.stat().st_size
    if expected is not None and actual != expected:
        raise ChecksumMismatch(f"{remote.path}: {actual} bytes, but {remote.source or remote.url} says {expected}")
    for algorithm, published in sorted(remote.digests.items()):
        digest = file_digest(path, algorithm)
        if digest != published:
            raise ChecksumMismatch(
                f"{remote.path}: {algorithm} {digest} does not match the published {published} "
                f"({remote.source or remote.url})"
            )


def _content_range(value: str | None) -> tuple[int, int | None] | None:
    """(first byte, total size or None) of a ``Content-Range: bytes a-b/total`` header."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-\d+/(\d+|\*)\s*", value or "")
    if not match:
        return None
    return int(match.group(1)), None if match.group(2) == "*" else int(match.group(2))


@dataclass
class DownloadReport:
    fetched: list[PurePosixPath] = field(default_factory=list)  # transferred (in whole or resumed) this run
    kept: list[PurePosixPath] = field(default_factory=list)  # already there and verified
    bytes_transferred: int = 0


class Downloader:
    """Fetches :class:`RemoteFile` s into ``dest``: ``workers`` at a time, resumable, verified (see the module doc)."""

    def __init__(
        self,
        dest: str | os.PathLike,
        session: requests.Session,
        retry: RetryPolicy | None = None,
        workers: int = WORKERS,
        progress: bool = True,
    ):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.dest = Path(dest)
        self.session = session
        self.retry = retry or RetryPolicy()
        self.workers = workers
        self.progress = progress
        self._lock = threading.Lock()
        self._stop = threading.Event()  # set when the run is interrupted: the transfers end at their next chunk

    def fetch(self, files: list[RemoteFile]) -> DownloadReport:
        """Every file; DownloadError naming each one that failed, after the others are done."""
        report = DownloadReport()
        known = [f.size for f in files if f.size is not None]
        total = sum(known) if len(known) == len(files) else None
        with progress_bar(enabled=self.progress, total=total, desc="download", unit="B", unit_scale=True) as bar:
            count = self._counter(bar, report)
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="download") as pool:
                futures = [(f, pool.submit(self._fetch_one, f, count)) for f in files]
                failures = []
                try:
                    for remote, future in futures:
                        try:
                            (report.fetched if future.result() else report.kept).append(remote.path)
                        except SourceError as err:
                            failures.append(str(err))
                except BaseException:  # Ctrl-C, SIGTERM: the parts stay for the next run to resume
                    self._stop.set()
                    for _, future in futures:
                        future.cancel()
                    raise
        if failures:
            raise DownloadError(f"{len(failures)} of {len(files)} files failed: " + "; ".join(failures))
        return report

    def _counter(self, bar: Any, report: DownloadReport) -> Callable[[int, bool], None]:
        def count(n: int, transferred: bool = True) -> None:
            with self._lock:
                bar.update(n)
                if transferred:
                    report.bytes_transferred += n

        return count

    def _fetch_one(self, remote: RemoteFile, count: Callable[[int, bool], None]) -> bool:
        """True when it was transferred, False when a verified copy was there already."""
        final = self.dest / remote.path
        if final.exists():
            try:
                check_file(final, remote)
                count(final.stat().st_size, False)
                return False
            except ChecksumMismatch as err:
                os.replace(final, hidden_sibling(final, ".bad"))
                log.warning("%s; fetching it again (the old copy is kept as %s)", err, hidden_sibling(final, ".bad"))
        final.parent.mkdir(parents=True, exist_ok=True)
        part = hidden_sibling(final, ".part")
        if part.exists():
            count(part.stat().st_size, False)
        size = self.retry.call(lambda: self._transfer(remote, part, count), remote.url)
        try:
            check_file(part, remote, size)
        except ChecksumMismatch as err:
            bad = hidden_sibling(final, ".bad")
            os.replace(part, bad)
            raise ChecksumMismatch(f"{err}; the download is kept aside as {bad}; run again to fetch it anew") from None
        os.replace(part, final)
        return True

    def _transfer(self, remote: RemoteFile, part: Path, count: Callable[[int, bool], None]) -> int | None:
        """One attempt: append to ``part`` from where it ends. Returns the file's size as the server announced it."""
        offset = part.stat().st_size if part.exists() else 0
        if remote.size is not None and offset >= remote.size:
            if offset == remote.size:
                return remote.size  # a killed run had it all but the rename
            part.unlink()
            offset = 0
        headers = {"Accept-Encoding": "identity"}  # the file's own bytes, which the sizes and digests are of
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            with self.session.get(remote.url, headers=headers, stream=True, timeout=TIMEOUT) as response:
                start = self._start(remote, part, response, offset)
                if start is None:
                    return offset
                offset, total = start
                with open(part, "ab" if offset else "wb") as out:
                    # read1: what has arrived, so the bytes before a broken connection are written, not lost
                    while not self._stop.is_set() and (chunk := response.raw.read1(CHUNK)):
                        out.write(chunk)
                        count(len(chunk), True)
        except (*NETWORK_ERRORS, urllib3.exceptions.HTTPError) as err:
            have = part.stat().st_size if part.exists() else 0
            raise TransientError(f"{remote.url}: the transfer broke off at byte {have} ({err})") from err
        have = part.stat().st_size
        if self._stop.is_set():
            raise SourceError(f"{remote.url}: interrupted at byte {have}; run again to resume")
        if total is not None and have < total:
            raise TransientError(f"{remote.url}: the transfer ended at byte {have} of {total}")
        return total

    def _start(
        self, remote: RemoteFile, part: Path, response: requests.Response, offset: int
    ) -> tuple[int, int | None] | None:
        """Where the answer's body starts in the file and the file's total size; None when the part is the whole
        file already; errors for answers without a body."""
        status = response.status_code
        if status == 416 and offset:
            whole = re.fullmatch(r"\s*bytes\s+\*/(\d+)\s*", response.headers.get("Content-Range") or "")
            if whole and int(whole.group(1)) == offset:
                return None  # a killed run had it all but the rename
            part.unlink()  # the part is longer than the file: start over
            raise TransientError(f"{remote.url}: HTTP 416 for a range from byte {offset}; starting over")
        if status == 404:
            raise MissingFile(f"{remote.path}: not on the server (HTTP 404): {remote.url}")
        if status == 206:
            content_range = _content_range(response.headers.get("Content-Range"))
            if content_range is None or content_range[0] != offset:
                part.unlink(missing_ok=True)
                raise TransientError(f"{remote.url}: a 206 answer without the range asked for; starting over")
            return offset, content_range[1]
        raise_for_status(status, remote.url, response.headers.get("Retry-After"))
        length = response.headers.get("Content-Length")  # a 200: the whole file, whatever was asked
        return 0, int(length) if length and length.isdigit() else None


# --- the command's work -------------------------------------------------------------------------------------------


def new_session(contact: str | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent(contact)
    return session


def download(
    dest: str | os.PathLike,
    *,
    dbpedia: bool = True,
    pageviews: bool = True,
    databus_url: str = DATABUS_URL,
    dumps_url: str = DUMPS_URL,
    window: PageviewWindow = DEFAULT_WINDOW,
    release: Iterable[DatabusFile] | None = None,
    workers: int = WORKERS,
    retry: RetryPolicy | None = None,
    progress: bool = True,
    contact: str | None = None,
) -> DownloadReport:
    """The pinned release and the window's pageview dumps into ``dest`` (see the module doc). ``release``: by
    default every file pipelines/sources/dbpedia_dump.py declares. ``dest/download-manifest.json`` lists what is
    there, from where, and its digests."""
    retry = retry or RetryPolicy()
    with new_session(contact) as session:
        files: list[RemoteFile] = []
        if dbpedia:
            files += databus_remote_files(session, databus_files() if release is None else release, databus_url, retry)
        if pageviews:
            files += pageview_files(session, window, dumps_url, retry)
        report = Downloader(dest, session, retry, workers, progress).fetch(files)
    write_manifest(Path(dest), files, window if pageviews else None)
    return report


MANIFEST = "download-manifest.json"


def write_manifest(dest: Path, files: list[RemoteFile], window: PageviewWindow | None) -> None:
    """What the folder holds and where each file came from (merged with an earlier run's entries)."""
    path = dest / MANIFEST
    entries = {}
    if path.exists():
        entries = {entry["path"]: entry for entry in json.loads(path.read_text("utf-8")).get("files", [])}
    for remote in files:
        size = (dest / remote.path).stat().st_size
        entries[str(remote.path)] = {
            "path": str(remote.path),
            "url": remote.url,
            "bytes": size,
            "digests": remote.digests,
            "published_by": remote.source or None,
        }
    manifest = {"window": window.as_dict() if window else None, "files": [entries[k] for k in sorted(entries)]}
    write_json_atomic(path, manifest)
