"""world_places at DBpedia's scale: the whole build through Virtuoso and through the release files, on one graph.

For each graph shape and size, one DBpedia-shaped graph from :mod:`tools.bench.dbpedia_shaped` (the Databus files,
gzipped, and a month of pageview dump beside them) goes through ``spacetime build world_places`` twice, each in a
fresh child process so that its peak memory is its own. The shapes (``--shapes``) are ``full-types`` (every place
typed as the live endpoint types it: 20-60 classes of dbo:, schema.org, Wikidata, DUL, UMBEL, YAGO, owl:Thing) and
``dbo-only`` (the dbo: chain alone, as the release's instance-types files have it): Virtuoso picks its join orders
from the graph's statistics, so a plan that is linear on one shape may not be on the other.

- ``virtuoso``: the graph loaded into Debian's Virtuoso 7 with its default virtuoso.ini (10,000 rows per answer,
  60 s per query; ``--virtuoso-buffers`` changes only its buffer pool), the build's queries sent to its endpoint;
- ``dump``: the same files given to ``--dbpedia-dump`` (filtered, bulk-loaded into Oxigraph, queried without caps).

Each reports seconds per 100k places for the source stage (queries; for the dump also the filter and load) and
the rest of the build apart, HTTP requests, the largest answer, peak RSS, and a check that the places query
returned every generated place exactly once. The two builds must write the same rows. The figure of merit is
linearity: seconds per 100k places at the largest size over the same at the smallest (the target is within 1.5x),
and peak memory at 1M places (target under 4 GB).

    python -m tools.bench.dbpedia_scale --sizes 100000 300000 1000000 --work /tmp/bench --out scale.json
    python -m tools.bench.dbpedia_scale --shapes full-types --sizes 100000 1000000 ...     # one shape only
    python -m tools.bench.dbpedia_scale --paths dump --sizes 1000000 ...     # one path only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc

from tools.bench.dbpedia_shaped import SHAPES, chain, generate
from tools.virtuoso import VirtuosoServer

log = logging.getLogger("dbpedia_scale")
GRAPH = "http://dbpedia.org"
PATHS = ("virtuoso", "dump")
LINEAR_TOLERANCE = 1.5


def graph_for(work: Path, places: int, seed: int, shape: str = SHAPES[0]) -> dict:
    """The generated graph for ``places`` in ``shape``: ``release/`` holds only the Databus files, the pageview dump
    lies beside it (a release folder with other files is refused). Reused when a previous run left it complete."""
    folder = work / f"graph-{shape}-{places}-{seed}"
    done = folder / "info.json"
    if done.exists():
        return json.loads(done.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    started = time.perf_counter()
    info = generate(folder / "release", places, seed=seed, compression="gz", shape=shape)
    pageviews = Path(info["pageviews"])
    info["pageviews"] = str(pageviews.rename(folder / pageviews.name))
    info.pop("places_by_country")
    info["release"] = str(folder / "release")
    info["generate_seconds"] = round(time.perf_counter() - started, 1)
    done.write_text(json.dumps(info, indent=2))
    return info


def expected_places(info: dict) -> int:
    """The generated resources the places query must return: those with coordinates under one of the root classes."""
    from spacetime.pipelines.datasets.world_places.build import ROOT_CLASSES

    return sum(n for cls, n in info["located"].items() if set(chain(cls)) & set(ROOT_CLASSES))


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


class TimedClient:
    """The SPARQL client with the time spent in each select_all summed (the source stage of a build), and the number
    of distinct keys each query returned (every generated place must come back)."""

    def __init__(self, client):
        self.client = client
        self.seconds = 0.0
        self.queries: dict[str, dict] = {}

    def __getattr__(self, name):
        return getattr(self.client, name)

    def select_all(self, query):
        before, started = self.client.http_requests, time.perf_counter()
        result = self.client.select_all(query)
        seconds = time.perf_counter() - started
        self.seconds += seconds
        split = result.provenance.get("split", {})
        self.queries[query.name] = {
            "seconds": round(seconds, 2),
            "rows": len(result),
            "distinct_keys": pc.count_distinct(result.table.column(query.key)).as_py(),
            "requests": self.client.http_requests - before,
            "cut": split.get("cut"),
            "largest_answer": max((r["rows"] for r in split.get("ranges", [])), default=None),
            "sorted": query.split is None,
        }
        return result


def measure_build(path: str, info: dict, out_dir: Path, endpoint: str | None = None) -> dict:
    """The whole world_places build through one path; the source stage and the rest timed apart."""
    from spacetime.pipelines.datasets.world_places.build import build
    from spacetime.pipelines.sources import SourceOptions, Sources, open_sources
    from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
    from spacetime.pipelines.sources.sparql import SparqlClient

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    logging.basicConfig(  # the steps' timings, for the reader of the figures
        filename=out_dir / "build.log", level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    window = PageviewWindow(*info["pageview_window"])
    data = out_dir / "data"
    started = time.perf_counter()
    if path == "virtuoso":
        sparql = TimedClient(SparqlClient(endpoint, default_graph=GRAPH, progress=False, timeout=300))
        build(Sources(sparql, PageviewDumps(Path(info["pageviews"]).parent, progress=False), window), data)
        prepare_seconds = 0.0
    else:
        options = SourceOptions(
            dbpedia_dump=Path(info["release"]),
            datasets=("world_places",),
            cache_dir=out_dir / "cache",  # a fresh cache: the filter and the load are measured
            window=window,
            pageviews_dump=Path(info["pageviews"]).parent,
        )
        with open_sources(options) as sources:
            prepare_seconds = time.perf_counter() - started  # both filtering passes, the bulk load, the server start
            sources.sparql.progress = False
            sparql = TimedClient(sources.sparql)
            build(dataclasses.replace(sources, sparql=sparql), data)
    seconds = time.perf_counter() - started
    meta = json.loads((data / "metadata.json").read_text())
    places_query = sparql.queries["world_places.places"]
    source_seconds = prepare_seconds + sparql.seconds
    expected = expected_places(info)
    return {
        "seconds": round(seconds, 2),
        "source_seconds": round(source_seconds, 2),
        "prepare_seconds": round(prepare_seconds, 2),
        "query_seconds": round(sparql.seconds, 2),
        "rest_seconds": round(seconds - source_seconds, 2),
        "requests": sparql.http_requests,
        "queries": sparql.queries,
        "expected_places": expected,
        "every_place_once": places_query["distinct_keys"] == expected,
        "rows_written": meta["rows"],
        "steps": {s["step"]: [s["rows_in"], s["rows_out"]] for s in meta["steps"]},
        "peak_rss_mb": round(peak_rss_mb()),
        "peak_rss_child_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN)),  # the Oxigraph loader or server
    }


def compare_outputs(a: Path, b: Path) -> dict:
    """Whether two builds wrote the same rows. Coordinates are compared within 1e-3 degrees: Virtuoso keeps an
    xsd:float in single precision and writes it back with six significant digits (126.7078 -> "126.708"), while the
    release files keep DBpedia's lexical form."""
    import numpy as np
    import pyarrow.parquet as pq

    left, right = pq.read_table(a / "data.parquet"), pq.read_table(b / "data.parquet")
    if left.schema != right.schema or left.num_rows != right.num_rows:
        return {"same_rows": False, "why": f"{left.num_rows} vs {right.num_rows} rows or a different schema"}
    coordinates = ("latitude", "longitude")
    differ = [c for c in left.column_names if c not in coordinates and not left[c].equals(right[c])]
    gap = max(float(np.max(np.abs(left[c].to_numpy() - right[c].to_numpy()), initial=0.0)) for c in coordinates)
    return {"same_rows": not differ and gap <= 1e-3, "columns_differing": differ, "max_coordinate_gap": gap}


def in_child(*args: str) -> dict:
    """Run one measurement in a fresh interpreter (its own peak memory) and return its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench.dbpedia_scale", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement {args[:2]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_size(work: Path, places: int, seed: int, paths: list[str], buffers: int | None, shape: str) -> dict:
    info = graph_for(work, places, seed, shape)
    result: dict = {
        "shape": shape,
        "places": places,
        "triples": info["triples"],
        "type_triples": info.get("type_triples"),
        "generate_seconds": info.get("generate_seconds"),
    }
    work = work / shape
    info_arg = json.dumps(info)
    if "virtuoso" in paths:
        settings = {}
        if buffers:  # Virtuoso's own ini comments size these to the free memory; the default is 10,000 (80 MB)
            settings = {
                ("Parameters", "NumberOfBuffers"): str(buffers),
                ("Parameters", "MaxDirtyBuffers"): str(buffers * 3 // 4),
            }
        files = list(info["files"].values())
        with VirtuosoServer(
            files, workdir=work / "virtuoso", graph=GRAPH, load_timeout=3600, settings=settings
        ) as server:
            result["virtuoso_load_seconds"] = round(server.load_seconds, 1)
            result["virtuoso_settings"] = {**server.caps, **{k: v for (_, k), v in settings.items()}}
            result["virtuoso"] = in_child("virtuoso", info_arg, str(work / f"out-virtuoso-{places}"), server.endpoint)
    if "dump" in paths:
        result["dump"] = in_child("dump", info_arg, str(work / f"out-dump-{places}"))
    per = 100_000 / places
    for path in PATHS:
        if path in result:
            for part in ("", "source_", "rest_"):
                result[path][f"{part}seconds_per_100k"] = round(result[path][f"{part}seconds"] * per, 2)
    if "virtuoso" in result and "dump" in result:
        result["comparison"] = compare_outputs(
            work / f"out-virtuoso-{places}" / "data", work / f"out-dump-{places}" / "data"
        )
    return result


def scale_benchmark(
    work: Path,
    sizes: list[int],
    seed: int = 0,
    paths: tuple[str, ...] | list[str] = PATHS,
    buffers: int | None = None,
    shapes: tuple[str, ...] | list[str] = SHAPES,
) -> dict:
    """Every shape, and every size in the order given (the largest first when time is short), then the linearity
    ratios per shape; the top-level verdicts hold for every shape."""
    reports = {shape: shape_benchmark(work, sizes, seed, paths, buffers, shape) for shape in shapes}
    report: dict = {"shapes": reports}
    for key in ("every_place_once", "same_rows", *(f"linear {path}" for path in paths)):
        if all(key in r for r in reports.values()):
            report[key] = all(r[key] for r in reports.values())
    return report


def shape_benchmark(
    work: Path, sizes: list[int], seed: int, paths: tuple[str, ...] | list[str], buffers: int | None, shape: str
) -> dict:
    runs = []
    for places in sizes:
        log.info("shape %s, size %d", shape, places)
        runs.append(run_size(work, places, seed, list(paths), buffers, shape))
        log.info("%s", json.dumps(runs[-1]))
    report: dict = {"runs": runs}
    smallest, largest = min(runs, key=lambda r: r["places"]), max(runs, key=lambda r: r["places"])
    if len(runs) > 1:
        for path in paths:
            for figure in ("source_seconds_per_100k", "rest_seconds_per_100k", "seconds_per_100k"):
                report[f"linearity {path}.{figure}"] = round(largest[path][figure] / smallest[path][figure], 2)
            report[f"linear {path}"] = report[f"linearity {path}.seconds_per_100k"] <= LINEAR_TOLERANCE
        report["peak_rss_mb at largest"] = {p: largest[p]["peak_rss_mb"] for p in paths}
    report["every_place_once"] = all(run[p]["every_place_once"] for run in runs for p in paths)
    report["same_rows"] = all(run.get("comparison", {}).get("same_rows", True) for run in runs)
    return report


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PATHS:  # one measurement, in a child process
        path, info, out_dir, *endpoint = argv
        print(json.dumps(measure_build(path, json.loads(info), Path(out_dir), *endpoint)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--paths", nargs="+", default=list(PATHS), choices=PATHS)
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES, help="graph shapes to run")
    parser.add_argument(
        "--virtuoso-buffers", type=int, help="Virtuoso's NumberOfBuffers (8 KB pages; Debian's default: 10,000)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    report = scale_benchmark(args.work, args.sizes, args.seed, args.paths, args.virtuoso_buffers, args.shapes)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
