"""Where a build reads from: the live services by default, or the bundled sample served the same way."""

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
    """What the CLI's source flags say. ``sample`` overrides the endpoint and the pageview source."""

    sample: bool = False
    sparql_endpoint: str = DBPEDIA_ENDPOINT
    pageviews_url: str | None = None
    pageviews_dump: Path | None = None
    cache_dir: Path = Path(".cache/spacetime")
    window: PageviewWindow = DEFAULT_WINDOW
    contact: str | None = None
    soda_url: str | None = None  # NYC Open Data (SODA) base URL; None: the live service
    nyt_url: str | None = None  # NYT Archive API base URL; None: the live service


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
    sparql = SparqlClient(options.sparql_endpoint, cache_dir=options.cache_dir / "sparql", contact=options.contact)
    if options.pageviews_dump:
        pageviews: PageviewsAPI | PageviewDumps = PageviewDumps(options.pageviews_dump)
    else:
        kwargs = {"base_url": options.pageviews_url} if options.pageviews_url else {}
        pageviews = PageviewsAPI(cache_path=options.cache_dir / "pageviews.sqlite", contact=options.contact, **kwargs)
    yield Sources(sparql, pageviews, options.window, {"mode": "live"}, options)
