"""``python -m tools.bench`` (run by `make bench`): the benchmarks, each against a baseline measured in the same run.

Run from the repository root; results go to ``--out``/bench.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

BENCHMARKS = (
    "dump_reader",
    "virtuoso_paging",
    "activations",
    "ridge",
    "proximity",
    "dbpedia_scale",
    "dbpedia_dump",
    "dbpedia_dates",
    "activation_release",
    "activation_storage",
)
SCALE_SIZES = "100000,300000,1000000"


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/bench"), show_default=True)
@click.option("--only", multiple=True, type=click.Choice(BENCHMARKS), help="Run only these (repeatable).")
@click.option(
    "--dump-lines",
    type=int,
    default=2_000_000,
    show_default=True,
    help="Lines in the synthetic pageview dump for the reader benchmark.",
)
@click.option("--places", type=int, default=25_000, show_default=True, help="Places loaded into Virtuoso.")
@click.option("--names", type=int, default=2_000, show_default=True, help="Names for the activation benchmark.")
@click.option(
    "--scale-sizes",
    default=SCALE_SIZES,
    show_default=True,
    help="DBpedia-shaped places for dbpedia_scale (Virtuoso) and dbpedia_dump (release files), comma-separated.",
)
def main(out: Path, only: tuple[str, ...], dump_lines: int, places: int, names: int, scale_sizes: str) -> None:
    """Benchmarks, each against a baseline measured in the same run (ratios, not absolute targets)."""
    out.mkdir(parents=True, exist_ok=True)
    chosen = only or BENCHMARKS
    results: dict[str, dict] = {}
    for name in chosen:
        click.echo(f"running {name} ...")
        sizes = [int(size) for size in scale_sizes.split(",")]
        results[name] = _run_benchmark(name, out, dump_lines=dump_lines, places=places, names=names, sizes=sizes)
        click.echo("  " + _bench_line(name, results[name]))
    (out / "bench.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    click.echo(f"full results: {out / 'bench.json'}")


def _run_benchmark(name: str, out: Path, *, dump_lines: int, places: int, names: int, sizes: list[int]) -> dict:
    if name == "dbpedia_scale":
        from tools.bench.dbpedia_scale import scale_benchmark

        return scale_benchmark(out / "dbpedia-scale", sizes)
    if name == "dbpedia_dump":
        from tools.bench.dbpedia_dump import dbpedia_dump_benchmark

        return dbpedia_dump_benchmark(out / "dbpedia-scale", tuple(sizes))  # the same generated graphs
    if name == "dbpedia_dates":
        from tools.bench.dbpedia_dates import dates_benchmark

        return dates_benchmark(out / "dbpedia-dates", [100_000, 300_000])
    if name == "dump_reader":
        from tools.bench.pageviews import dump_reader_benchmark

        return dump_reader_benchmark(out, lines=dump_lines)
    if name == "virtuoso_paging":
        from tools.bench.sparql import virtuoso_paging_benchmark

        return virtuoso_paging_benchmark(out, places=places)
    if name == "activations":
        from tools.bench.activations import activation_benchmark

        return activation_benchmark(out / "activations", names=names)
    if name == "activation_release":
        from tools.bench.activation_release import release_benchmark

        return release_benchmark(work=out)
    if name == "activation_storage":
        from tools.bench.activation_storage import storage_benchmark

        # The demo's world_places activations of SmolLM2 (`make demo` first), against its release.
        root = out.parent
        folders = sorted(
            (root / "evaluate" / "activations").glob("HuggingFaceTB--SmolLM2-135M-Instruct/world_places/*")
        )
        if not folders:
            return {"skipped": f"no demo activations under {root / 'evaluate'}: run `make demo` first"}
        return storage_benchmark(folders[0], str(root / "release"))
    if name == "ridge":
        from tools.bench.probes import ridge_benchmark

        return ridge_benchmark()
    from tools.bench.probes import proximity_benchmark

    return proximity_benchmark()


def _bench_line(name: str, r: dict) -> str:
    if "skipped" in r:
        return f"skipped ({r['skipped']})"
    if name in ("dbpedia_scale", "dbpedia_dump", "dbpedia_dates"):
        ratios = {k: v for k, v in r.items() if "ratio" in k or k.startswith(("linear", "every_", "same_rows"))}
        return f"{len(r['runs'])} sizes; per-100k ratios, largest over smallest (goal <= 1.5): {ratios}"
    if name == "dump_reader":
        return (
            f"{r['reader_seconds']:.2f}s vs bzip2 -dc {r['bzip2_seconds']:.2f}s on {r['file_mb']:.1f} MB: "
            f"ratio {r['ratio']:.2f} (goal >= 0.8)"
        )
    if name == "virtuoso_paging":
        return f"{r['rows']} rows in {r['queries']} queries, {r['seconds']:.2f}s ({r['rows_per_second']:.0f} rows/s)"
    if name == "activations":
        plain, ours = r["plain"], r["extractor"]
        return (
            f"extractor {ours['rows_per_second']:.0f} rows/s vs plain loop {plain['rows_per_second']:.0f}: "
            f"{plain['seconds'] / ours['seconds']:.2f}x (goal >= 1.5x); extra memory "
            f"{ours['maxrss_over_load_mb']:.0f} vs {plain['maxrss_over_load_mb']:.0f} MB; "
            f"{ours['share_of_matmul_rate']:.0%} of the fp32 matmul rate"
        )
    if name == "activation_release":
        from tools.bench.activation_release import summary_line

        return summary_line(r)
    if name == "activation_storage":
        from tools.bench.activation_storage import summary_lines

        return "\n  ".join(summary_lines(r))
    if name == "ridge":
        return (
            f"LOO ridge sweep {r['ridge_loo_seconds']:.1f}s vs RidgeCV loop {r['ridgecv_seconds']:.1f}s: "
            f"{r['speedup_wall']:.1f}x (goal >= 2x), equal: {r['equal']}"
        )
    return (
        f"proximity error on {r['rows']} points: space {r['space']['seconds']:.1f}s, "
        f"{r['space']['peak_traced_bytes'] / 2**20:.0f} MB peak; time {r['time']['seconds']:.2f}s"
    )


if __name__ == "__main__":
    sys.exit(main())
