"""Where a build reads from: the live services by default, the bundled sample served the same way, or the files of
a DBpedia release (filtered, then served the same way)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW, PageviewDumps, PageviewsAPI, PageviewWindow
from spacetime.pipelines.sources.sparql import DBPEDIA_ENDPOINT, SparqlClient

log = logging.getLogger(__name__)


@dataclass
class SourceOptions:
    """What the CLI's source flags say. ``sample`` overrides the endpoint and the pageview source; ``dbpedia_dump``
    replaces the endpoint by a release's files."""

    sample: bool = False
    sparql_endpoint: str = DBPEDIA_ENDPOINT
    pageviews_url: str | None = None
    pageviews_dump: Path | None = None
    cache_dir: Path = Path(".cache/spacetime")
    window: PageviewWindow = DEFAULT_WINDOW
    contact: str | None = None
    soda_url: str | None = None  # NYC Open Data (SODA) base URL; None: the live service
    nyt_url: str | None = None  # NYT Archive API base URL; None: the live service
    dbpedia_dump: Path | None = None  # a DBpedia release downloaded from the Databus, instead of the endpoint
    datasets: tuple[str, ...] = ()  # the datasets to build (what a release is filtered for); () means all


@dataclass
class Sources:
    """The clients every DBpedia-based builder uses, and the options for the builders with sources of their own."""

    sparql: SparqlClient
    pageviews: PageviewsAPI | PageviewDumps
    window: PageviewWindow
    info: dict[str, Any] = field(default_factory=dict)
    options: SourceOptions = field(default_factory=SourceOptions)


@contextlib.contextmanager
def open_sources(options: SourceOptions) -> Iterator[Sources]:
    """Clients for one build; in sample mode a local Oxigraph serves the bundled DBpedia sample meanwhile."""
    if options.sample:
        from spacetime.pipelines.sample import dbpedia_files, manifest, pageview_dump_dir

        server = OxigraphServer(dbpedia_files(), store_root=options.cache_dir / "oxigraph")
        with server:
            # The port changes from run to run; the cache and the provenance name the sample's content instead.
            label = f"bundled-sample:oxigraph:{server.store_location().name}"
            sparql = SparqlClient(
                server.endpoint,
                source_label=label,
                cache_dir=options.cache_dir / "sparql",
                contact=options.contact or "offline sample build",
            )
            pageviews = PageviewDumps(pageview_dump_dir())
            about = manifest()
            info = {
                "mode": "sample",
                "note": "bundled sample snapshot, not a DBpedia extract; see pipelines/sample/README.md",
                "sample": {k: about[k] for k in ("what", "generator", "files")},
            }
            yield Sources(sparql, pageviews, options.window, info, options)
        return
    if options.dbpedia_dump:
        with _release_sources(options) as sources:
            yield sources
        return
    sparql = SparqlClient(options.sparql_endpoint, cache_dir=options.cache_dir / "sparql", contact=options.contact)
    yield Sources(sparql, _pageviews(options), options.window, {"mode": "live"}, options)


def _pageviews(options: SourceOptions) -> PageviewsAPI | PageviewDumps:
    if options.pageviews_dump:
        return PageviewDumps(options.pageviews_dump)
    kwargs = {"base_url": options.pageviews_url} if options.pageviews_url else {}
    return PageviewsAPI(cache_path=options.cache_dir / "pageviews.sqlite", contact=options.contact, **kwargs)


@contextlib.contextmanager
def _release_sources(options: SourceOptions) -> Iterator[Sources]:
    """A DBpedia release from the Databus, filtered for the datasets and served by a local Oxigraph."""
    from spacetime.pipelines.registry import DATASETS
    from spacetime.pipelines.sources.dbpedia_dump import DbpediaDump, DumpNeeds, ReleaseStoreClient

    needs = DumpNeeds.for_datasets(options.datasets or DATASETS)
    dump = DbpediaDump(options.dbpedia_dump, needs, options.cache_dir / "dbpedia-release")
    prepared = dump.prepare()
    with OxigraphServer(prepared.files, store_root=prepared.folder / "oxigraph") as server:
        sparql = ReleaseStoreClient(
            server.endpoint,
            source_label=f"dbpedia-release:{prepared.folder.name}",
            contact=options.contact or "offline build from a DBpedia release",
        )
        info = {"mode": "dbpedia-release", "dbpedia_release": dump.info(prepared)}
        yield Sources(sparql, _pageviews(options), options.window, info, options)
