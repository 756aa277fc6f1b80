"""Where a build reads from: the live services by default, the bundled sample served the same way, or the files of
a DBpedia release (filtered, then served the same way).

:func:`open_sources` is the one place that decides between them; every builder takes its clients from the
:class:`Sources` it yields.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spacetime.pipelines.sample import dbpedia_files, manifest, nyt_archive_dir, pageview_dump_dir, soda_dir
from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.servers.nyt import ArchiveFileServer
from spacetime.pipelines.servers.soda import SodaEmulator
from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.nyt import KEY_ENV, MIN_INTERVAL, NYT_BASE_URL, SAMPLE_KEY, ArchiveClient
from spacetime.pipelines.sources.nyt import RETRY as NYT_RETRY
from spacetime.pipelines.sources.nyt import TIMEOUT as NYT_TIMEOUT
from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW, PageviewDumps, PageviewsAPI, PageviewWindow
from spacetime.pipelines.sources.pageviews import TIMEOUT as PAGEVIEWS_TIMEOUT
from spacetime.pipelines.sources.retry import RetryPolicy
from spacetime.pipelines.sources.soda import SODA_BASE, SodaClient
from spacetime.pipelines.sources.soda import TIMEOUT as SODA_TIMEOUT
from spacetime.pipelines.sources.sparql import DBPEDIA_ENDPOINT, SparqlClient

log = logging.getLogger(__name__)

SAMPLE_CONTACT = "offline sample build"


class ConflictingSourceOptions(ValueError):
    """Two source options that exclude each other (the CLI shows it as a usage error)."""


@dataclass(frozen=True, kw_only=True)
class SourceOptions:
    """What the CLI's source flags say, built once with keywords and checked on construction. ``sample`` reads the
    bundled sample instead of every live service (so it takes no endpoint, URL, dump or timeout); ``dbpedia_dump``
    replaces the SPARQL endpoint by a release's files; ``pageviews_dump`` replaces the pageviews REST API."""

    sample: bool = False
    sparql_endpoint: str | None = None  # None: DBpedia's public endpoint (DBPEDIA_ENDPOINT)
    pageviews_url: str | None = None
    pageviews_dump: Path | None = None
    cache_dir: Path = Path(".cache/spacetime")
    window: PageviewWindow = DEFAULT_WINDOW
    contact: str | None = None
    soda_url: str | None = None  # NYC Open Data (SODA) base URL; None: the live service
    nyt_url: str | None = None  # NYT Archive API base URL; None: the live service
    nyt_min_interval: float = MIN_INTERVAL  # seconds between calls to the live NYT service (the sample: none)
    dbpedia_dump: Path | None = None  # a DBpedia release downloaded from the Databus, instead of the endpoint
    timeout: float | None = None  # seconds to wait for one answer from a live service; None: each client's own
    retry_deadline: float | None = None  # stop retrying one request after this many seconds; None: attempts only
    datasets: tuple[str, ...] = ()  # the datasets to build (what a release is filtered for); () means all
    progress: bool = True  # progress bars of the clients (log lines without a terminal)

    def __post_init__(self) -> None:
        if self.pageviews_url and self.pageviews_dump:
            raise ConflictingSourceOptions("give --pageviews-url or --pageviews-dump, not both")
        if self.sample:
            live = {
                "--sparql-endpoint": self.sparql_endpoint,
                "--pageviews-url": self.pageviews_url,
                "--pageviews-dump": self.pageviews_dump,
                "--soda-url": self.soda_url,
                "--nyt-url": self.nyt_url,
                "--dbpedia-dump": self.dbpedia_dump,
                "--timeout": self.timeout,
                "--retry-deadline": self.retry_deadline,
            }
            given = [flag for flag, value in live.items() if value]
            if given:
                raise ConflictingSourceOptions(
                    f"--sample reads the bundled sample; it cannot be combined with {', '.join(given)}"
                )
        if self.dbpedia_dump and self.sparql_endpoint:
            raise ConflictingSourceOptions("--dbpedia-dump replaces the SPARQL endpoint: give one of them, not both")
        object.__setattr__(self, "datasets", tuple(self.datasets))

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint a live build queries."""
        return self.sparql_endpoint or DBPEDIA_ENDPOINT

    def retry_policy(self, default: RetryPolicy | None = None) -> RetryPolicy:
        return replace(default or RetryPolicy(), deadline=self.retry_deadline)

    def read_timeout(self, default: tuple[float, float]) -> tuple[float, float]:
        """(connect, read) seconds for a requests-based client: the read timeout replaced by ``timeout``."""
        return default if self.timeout is None else (min(default[0], self.timeout), self.timeout)


@dataclass
class Sources:
    """The four clients a build reads through, and the pageview window. A test may leave out the ones it does not use
    (None); a builder asks for its own with :meth:`client`, which names a missing one."""

    sparql: SparqlClient | None
    pageviews: PageviewsAPI | PageviewDumps | None
    window: PageviewWindow
    info: dict[str, Any] = field(default_factory=dict)
    options: SourceOptions = field(default_factory=SourceOptions)
    soda: SodaClient | None = None
    nyt: ArchiveClient | None = None

    def client(self, name: str) -> Any:
        found = getattr(self, name)
        if found is None:
            raise SourceError(f"this build reads from {name}, and the sources it was given have no {name} client")
        return found


@contextlib.contextmanager
def open_sources(options: SourceOptions) -> Iterator[Sources]:
    """Clients for one build: the live services, or in sample mode local servers over the bundled sample (Oxigraph
    for DBpedia, the SODA emulator, the NYT archive file server), running while the block runs."""
    with contextlib.ExitStack() as stack:
        sources = _sample_sources(options, stack) if options.sample else _live_sources(options, stack)
        stack.callback(sources.soda.close)
        yield sources


def _live_sources(options: SourceOptions, stack: contextlib.ExitStack) -> Sources:
    """The live services; with ``dbpedia_dump``, a local store over the release's files in place of the endpoint."""
    cache = options.cache_dir
    info: dict[str, Any] = {"mode": "live"}
    if options.dbpedia_dump:
        sparql, info = _release_client(options, stack)
    else:
        sparql_timeout = {"timeout": options.timeout} if options.timeout is not None else {}
        sparql = SparqlClient(
            options.endpoint,
            cache_dir=cache / "sparql",
            contact=options.contact,
            retry=options.retry_policy(),
            progress=options.progress,
            **sparql_timeout,
        )
    if options.pageviews_dump:
        pageviews: PageviewsAPI | PageviewDumps = PageviewDumps(options.pageviews_dump, progress=options.progress)
    else:
        kwargs = {"base_url": options.pageviews_url} if options.pageviews_url else {}
        pageviews = PageviewsAPI(
            cache_path=cache / "pageviews.sqlite",
            contact=options.contact,
            timeout=options.read_timeout(PAGEVIEWS_TIMEOUT),
            retry=options.retry_policy(),
            progress=options.progress,
            **kwargs,
        )
    soda = SodaClient(
        options.soda_url or SODA_BASE,
        cache_dir=cache / "soda",
        contact=options.contact,
        timeout=options.read_timeout(SODA_TIMEOUT),
        retry=options.retry_policy(),
    )
    nyt = ArchiveClient(
        options.nyt_url or NYT_BASE_URL,
        os.environ.get(KEY_ENV, "").strip() or None,
        cache_dir=cache / "nyt",
        min_interval=options.nyt_min_interval,
        retry=options.retry_policy(NYT_RETRY),
        timeout=options.read_timeout(NYT_TIMEOUT),
        contact=options.contact,
    )
    return Sources(sparql, pageviews, options.window, info, options, soda, nyt)


def _release_client(options: SourceOptions, stack: contextlib.ExitStack) -> tuple[Any, dict[str, Any]]:
    """A DBpedia release from the Databus, filtered for the datasets and served by a local Oxigraph."""
    from spacetime.pipelines.registry import DATASETS
    from spacetime.pipelines.sources.dbpedia_dump import DbpediaDump, DumpNeeds, ReleaseStoreClient

    needs = DumpNeeds.for_datasets(options.datasets or DATASETS)
    dump = DbpediaDump(options.dbpedia_dump, needs, options.cache_dir / "dbpedia-release", progress=options.progress)
    prepared = dump.prepare()
    server = stack.enter_context(OxigraphServer(prepared.files, store_root=prepared.folder / "oxigraph"))
    sparql = ReleaseStoreClient(
        server.endpoint,
        source_label=f"dbpedia-release:{prepared.folder.name}",
        contact=options.contact or "offline build from a DBpedia release",
    )
    return sparql, {"mode": "dbpedia-release", "dbpedia_release": dump.info(prepared)}


def _sample_sources(options: SourceOptions, stack: contextlib.ExitStack) -> Sources:
    """Every client pointed at a local server over the bundled sample. The servers listen on new ports each run, so
    the caches and the provenance name the sample's content instead (``source_label``)."""
    cache, contact = options.cache_dir, options.contact or SAMPLE_CONTACT
    oxigraph = stack.enter_context(OxigraphServer(dbpedia_files(), store_root=cache / "oxigraph"))
    sparql = SparqlClient(
        oxigraph.endpoint,
        source_label=f"bundled-sample:oxigraph:{oxigraph.store_location().name}",
        cache_dir=cache / "sparql",
        contact=contact,
        progress=options.progress,
    )
    emulator = stack.enter_context(SodaEmulator.from_folder(soda_dir()))
    soda = SodaClient(
        emulator.base_url,
        cache_dir=cache / "soda",
        source_label=f"bundled-sample:soda:{emulator.content_id}",
        contact=contact,
    )
    archive = stack.enter_context(ArchiveFileServer(nyt_archive_dir()))
    nyt = ArchiveClient(
        archive.url,
        SAMPLE_KEY,
        cache_dir=cache / "nyt",
        min_interval=0.0,
        contact=contact,
        source_label=f"bundled-sample:nyt:{archive.label()}",
    )
    about = manifest()
    info = {
        "mode": "sample",
        "note": "bundled sample snapshot, not a DBpedia extract; see pipelines/sample/README.md",
        "sample": {k: about[k] for k in ("what", "generator", "files")},
    }
    pageviews = PageviewDumps(pageview_dump_dir(), progress=options.progress)
    return Sources(sparql, pageviews, options.window, info, options, soda, nyt)
