"""world_places at DBpedia's scale: the SPARQL stage and the whole build on DBpedia-shaped graphs in Virtuoso.

For each size, a graph from :mod:`tools.bench.dbpedia_shaped` is loaded into Debian's Virtuoso 7 with its default
virtuoso.ini (10,000 rows per answer, 60 s per query), and two measurements run, each in a fresh child process so
that its peak memory is its own:

- ``source``: the queries of ``spacetime build world_places`` (places, types, the ontology): seconds, seconds per
  100k places, HTTP requests, the largest answer, peak RSS, and whether any query sorted the whole pattern;
- ``build``: the whole build (the same queries, then collapse, rules, pageviews from the generated dump, write):
  seconds per 100k places, in the queries and in the rest apart, and peak RSS.

The figure of merit is linearity: seconds per 100k places at the largest size over the same at the smallest (the
target is within 1.5x), and the build's peak memory at 1M places (target under 4 GB).

    python -m tools.bench.dbpedia_scale --sizes 100000 300000 1000000 --work /tmp/bench --out scale.json
    python -m tools.bench.dbpedia_scale --stages build --sizes 1000000 100000 300000 ...   # one pass per size
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

from tools.bench.dbpedia_shaped import generate
from tools.virtuoso import VirtuosoServer

log = logging.getLogger("dbpedia_scale")
GRAPH = "http://dbpedia.org"


def graph_for(work: Path, places: int, seed: int) -> dict:
    """The generated graph for ``places`` (reused when a previous run left it complete)."""
    folder = work / f"graph-{places}-{seed}"
    done = folder / "info.json"
    if done.exists():
        return json.loads(done.read_text())
    started = time.perf_counter()
    info = generate(folder, places, seed=seed, compression="gz")
    info.pop("places_by_country")
    info["generate_seconds"] = round(time.perf_counter() - started, 1)
    done.write_text(json.dumps(info, indent=2))
    return info


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_source(endpoint: str, keyset: bool) -> dict:
    """The world_places queries, as the build runs them (``keyset``: the old paging, for comparison)."""
    from spacetime.pipelines.builders.dbpedia import SUBCLASSES
    from spacetime.pipelines.datasets.world_places.build import PLACES, TYPES
    from spacetime.pipelines.sources.sparql import SparqlClient

    client = SparqlClient(endpoint, default_graph=GRAPH, progress=False, timeout=300)
    out = {"queries": {}}
    started = time.perf_counter()
    for query in (PLACES, TYPES, SUBCLASSES):
        if keyset:
            query = dataclasses.replace(query, split=None)
        before, t0 = client.http_requests, time.perf_counter()
        result = client.select_all(query)
        ranges = result.provenance.get("split", {}).get("ranges", [])
        out["queries"][query.name] = {
            "seconds": round(time.perf_counter() - t0, 2),
            "rows": len(result),
            "requests": client.http_requests - before,
            "cut": result.provenance.get("split", {}).get("cut"),
            "largest_answer": max((r["rows"] for r in ranges), default=None),
        }
        del result
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["requests"] = client.http_requests
    out["peak_rss_mb"] = round(peak_rss_mb())
    return out


class TimedClient:
    """The SPARQL client with the time spent in each select_all summed (the source stage of a build)."""

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
            "requests": self.client.http_requests - before,
            "cut": split.get("cut"),
            "largest_answer": max((r["rows"] for r in split.get("ranges", [])), default=None),
            "sorted": "ORDER BY" in query.template,
        }
        return result


def measure_build(endpoint: str, pageviews: str, window: list, out_dir: str) -> dict:
    """The whole world_places build; the time in its SPARQL queries (the source stage) and the rest, apart."""
    from spacetime.pipelines.datasets.world_places.build import build
    from spacetime.pipelines.sources import Sources
    from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
    from spacetime.pipelines.sources.sparql import SparqlClient

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(  # the steps' timings, for the reader of the figures
        filename=Path(out_dir) / "build.log", level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    sparql = TimedClient(SparqlClient(endpoint, default_graph=GRAPH, progress=False, timeout=300))
    window = PageviewWindow(window[0], window[1])
    sources = Sources(sparql, PageviewDumps(Path(pageviews).parent, progress=False), window)
    started = time.perf_counter()
    build(sources, Path(out_dir))
    seconds = time.perf_counter() - started
    meta = json.loads((Path(out_dir) / "metadata.json").read_text())
    return {
        "seconds": round(seconds, 2),
        "source_seconds": round(sparql.seconds, 2),
        "rest_seconds": round(seconds - sparql.seconds, 2),
        "requests": sparql.http_requests,
        "queries": sparql.queries,
        "rows_written": meta["rows"],
        "steps": {s["step"]: [s["rows_in"], s["rows_out"]] for s in meta["steps"]},
        "peak_rss_mb": round(peak_rss_mb()),
    }


def in_child(*args: str) -> dict:
    """Run one measurement in a fresh interpreter (its own peak memory) and return its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench.dbpedia_scale", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_size(work: Path, places: int, seed: int, stages: list[str], keyset: bool) -> dict:
    info = graph_for(work, places, seed)
    files = [p for a, p in info["files"].items()]
    result = {"places": places, "triples": info["triples"]}
    with VirtuosoServer(files, workdir=work / "virtuoso", graph=GRAPH, load_timeout=3600) as server:
        result["load_seconds"] = round(server.load_seconds, 1)
        result["virtuoso_caps"] = server.caps
        if "source" in stages:
            result["source"] = in_child("source", server.endpoint)
        if keyset:
            result["source_keyset"] = in_child("source", server.endpoint, "--keyset")
        if "build" in stages:
            out_dir = work / f"out-{places}"
            result["build"] = in_child(
                "build", server.endpoint, info["pageviews"], json.dumps(info["pageview_window"]), str(out_dir)
            )
    per = 100_000 / places
    for stage in ("source", "source_keyset", "build"):
        if stage in result:
            result[stage]["seconds_per_100k"] = round(result[stage]["seconds"] * per, 2)
    if "build" in result:
        for part in ("source", "rest"):
            result["build"][f"{part}_seconds_per_100k"] = round(result["build"][f"{part}_seconds"] * per, 2)
    return result


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "source":
        print(json.dumps(measure_source(argv[1], keyset="--keyset" in argv)))
        return
    if argv and argv[0] == "build":
        print(json.dumps(measure_build(argv[1], argv[2], json.loads(argv[3]), argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stages", nargs="+", default=["source", "build"], choices=["source", "build"])
    parser.add_argument(
        "--keyset-at", type=int, nargs="*", default=[], help="sizes at which to time the old paging too"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    report = scale_benchmark(args.work, args.sizes, args.seed, args.stages, args.keyset_at)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def scale_benchmark(
    work: Path,
    sizes: list[int],
    seed: int = 0,
    stages: tuple[str, ...] | list[str] = ("source", "build"),
    keyset_at: tuple[int, ...] | list[int] = (),
) -> dict:
    """Every size in the order given (the largest first when time is short), then the linearity ratios."""
    runs = []
    for places in sizes:
        log.info("size %d", places)
        runs.append(run_size(work, places, seed, list(stages), places in keyset_at))
        log.info("%s", json.dumps(runs[-1]))
    report: dict = {"runs": runs}
    smallest, largest = min(runs, key=lambda r: r["places"]), max(runs, key=lambda r: r["places"])
    if len(runs) > 1:
        for stage, figure in (
            ("source", "seconds_per_100k"),
            ("build", "source_seconds_per_100k"),
            ("build", "rest_seconds_per_100k"),
            ("build", "seconds_per_100k"),
        ):
            if stage in smallest and stage in largest:
                report[f"linearity {stage}.{figure}"] = round(largest[stage][figure] / smallest[stage][figure], 2)
    return report


if __name__ == "__main__":
    main()
