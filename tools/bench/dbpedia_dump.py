"""How the world_places source stage scales through a DBpedia release's files (``--dbpedia-dump``).

For each size, a DBpedia-shaped release (``tools.bench.dbpedia_shaped``: the Databus files, ~10 materialised types
per place, labels, coordinates, countries with and without an English label, populations, people beside the places)
goes through the same code as ``spacetime build world_places --dbpedia-dump``: the two filtering passes, the bulk
load into Oxigraph, and the builder's three queries through the SPARQL client (no row cap). Each size runs in a fresh
process, so its peak memory (``getrusage``: the process, and its largest Oxigraph child) is its own.

The target is linear cost: seconds per 100k places at the largest size within 1.5x of those at the smallest.

    python -m tools.bench.dbpedia_dump --sizes 100000 300000 1000000 --workdir out/bench/dbpedia-dump
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

LINEAR_TOLERANCE = 1.5  # seconds per 100k places, largest size over smallest


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its finished children (the Oxigraph loader and server)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def release_for(workdir: Path, places: int, seed: int = 0) -> Path:
    """The release folder of the generated graph for ``places`` (shared with :mod:`tools.bench.dbpedia_scale`), with
    the generic geo-coordinates file that a build reads beside the mapping-based one."""
    from tools.bench.dbpedia_scale import graph_for

    release = Path(graph_for(workdir, places, seed)["release"])
    with_generic_coordinates(release)
    return release


def with_generic_coordinates(release: Path) -> None:
    """Give a generated release the ``generic/geo-coordinates`` file, as a link to its mapping-based coordinates:
    the generator writes one geo file, and on DBpedia the generic one holds (at least) the same coordinates."""
    for mapped in release.glob("geo-coordinates-mappingbased_lang=en.*"):
        generic = mapped.with_name(mapped.name.replace("geo-coordinates-mappingbased_", "geo-coordinates_", 1))
        if not generic.exists():
            os.link(mapped, generic)


def measure_one(workdir: Path, places: int, filter_only: bool = False) -> dict[str, Any]:
    """The source stage for one size, from scratch (a fresh cache): filter, load and serve, query (or the filter
    alone: the part this package's own code does, and the one whose memory must stay bounded)."""
    from spacetime.pipelines.builders.dbpedia import SUBCLASSES
    from spacetime.pipelines.datasets.world_places.build import PLACES, TYPES
    from spacetime.pipelines.sources import SourceOptions, open_sources
    from spacetime.pipelines.sources.dbpedia_dump import DbpediaDump, DumpNeeds

    release = release_for(workdir, places)
    cache = workdir / f"cache-{places}"
    if cache.exists():
        shutil.rmtree(cache)
    options = SourceOptions(dbpedia_dump=release, datasets=("world_places",), cache_dir=cache)
    needs = DumpNeeds.for_datasets(options.datasets)

    cpu_started, started = cpu_seconds(), time.perf_counter()
    dump = DbpediaDump(release, needs, cache / "dbpedia-release", progress=False)
    prepared = dump.prepare()  # open_sources below finds it in the cache
    cpu_filtered, filtered = cpu_seconds(), time.perf_counter()
    rows, loaded = {}, filtered
    if not filter_only:
        with open_sources(options) as sources:
            loaded = time.perf_counter()
            sources.sparql.progress = False
            for query in (PLACES, TYPES, SUBCLASSES):
                rows[query.name] = len(sources.sparql.select_all(query))
    cpu_queried, queried = cpu_seconds(), time.perf_counter()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest Oxigraph (load or serve)
    report = prepared.report
    return {
        "places": places,
        "seconds": {
            "filter": round(filtered - started, 2),
            "load_and_start": round(loaded - filtered, 2),
            "queries": round(queried - loaded, 2),
            "total": round(queried - started, 2),
        },
        "seconds_per_100k_places": round((queried - started) / places * 100_000, 2),
        # CPU time is what a busy shared machine distorts least; the Oxigraph child counts once it has exited
        "cpu_seconds": {"filter": round(cpu_filtered - cpu_started, 2), "total": round(cpu_queried - cpu_started, 2)},
        "cpu_seconds_per_100k_places": round((cpu_queried - cpu_started) / places * 100_000, 2),
        "peak_rss_mib": {"process": round(own / 1024, 1), "oxigraph_child": round(children / 1024, 1)},
        "files": len(report["files"]),  # the files the build reads (the generated graph's pageview dump lies beside)
        "release_bytes": sum(f["bytes"] for f in report["files"]),
        "compressed_bytes_read": dump.bytes_read,
        "lines": sum(f["lines"] for f in report["files"]),
        "kept_triples": report["kept_triples"],
        "entities": report["entities"],
        "query_rows": rows,
    }


def dbpedia_dump_benchmark(workdir: Path, sizes: tuple[int, ...] = (100_000, 300_000, 1_000_000)) -> dict[str, Any]:
    """Each size in its own process; the ratio of seconds per 100k places, largest size over smallest."""
    workdir.mkdir(parents=True, exist_ok=True)
    runs = []
    for places in sizes:
        release_for(workdir, places)  # generating is not part of the measurement
        out = subprocess.run(
            [sys.executable, "-m", "tools.bench.dbpedia_dump", "--one", str(places), "--workdir", str(workdir)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), file=sys.stderr)
    smallest, largest = runs[0], runs[-1]
    ratio = largest["seconds_per_100k_places"] / smallest["seconds_per_100k_places"]
    cpu_ratio = largest["cpu_seconds_per_100k_places"] / smallest["cpu_seconds_per_100k_places"]
    return {
        "runs": runs,
        "sizes": [smallest["places"], largest["places"]],
        "per_100k_ratio": round(ratio, 2),
        "cpu_per_100k_ratio": round(cpu_ratio, 2),
        "linear": ratio <= LINEAR_TOLERANCE and cpu_ratio <= LINEAR_TOLERANCE,
    }


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("out/bench/dbpedia-dump"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--one", type=int, default=None, help="measure one size in this process (used internally)")
    parser.add_argument("--filter-only", action="store_true", help="with --one: stop after the filtering passes")
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(measure_one(args.workdir, args.one, args.filter_only)))
        return
    print(json.dumps(dbpedia_dump_benchmark(args.workdir, tuple(args.sizes)), indent=2))


if __name__ == "__main__":
    main()
