"""`spacetime`: one command line for every stage (build, package, validate, publish, activations, demo, bench)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from spacetime.layout import DEFAULT_OUT, Layout
from spacetime.pipelines.registry import DATASETS, builder


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(package_name="llm-spacetime")
def main(verbose: int) -> None:
    """Build, validate and probe the space and time entity datasets."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("datasets", nargs=-1, type=click.Choice(DATASETS))
@click.option("--all", "build_all", is_flag=True, help="Build every dataset.")
@click.option("--sample", is_flag=True, help="Read the bundled sample snapshot (served by a local Oxigraph).")
@click.option("--sparql-endpoint", default=None, help="SPARQL endpoint [default: https://dbpedia.org/sparql].")
@click.option("--pageviews-url", default=None, help="Base URL of the Wikimedia REST API [default: wikimedia.org].")
@click.option(
    "--pageviews-dump",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of monthly pageview_complete dumps (pageviews-YYYYMM-user.bz2) instead of the REST API.",
)
@click.option("--soda-url", default=None, help="NYC Open Data (SODA) base URL [default: data.cityofnewyork.us].")
@click.option("--nyt-url", default=None, help="NYT Archive API base URL [default: api.nytimes.com].")
@click.option("--window-start", default=None, help="First month of the pageview window, YYYY-MM [default: 2021-01].")
@click.option("--window-months", type=int, default=None, help="Length of the pageview window [default: 36].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output root: datasets go to OUT/build/<dataset>/.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Response caches (resumable builds) [default: OUT/.cache].",
)
@click.option(
    "--contact",
    envvar="SPACETIME_CONTACT",
    default=None,
    help="Contact (e-mail or URL) for the User-Agent sent to the live services [env: SPACETIME_CONTACT].",
)
def build(
    datasets,
    build_all,
    sample,
    sparql_endpoint,
    pageviews_url,
    pageviews_dump,
    soda_url,
    nyt_url,
    window_start,
    window_months,
    out,
    cache_dir,
    contact,
) -> None:
    """Build DATASETS from the live sources (or the bundled sample) into OUT/build/<dataset>/."""
    if pageviews_url and pageviews_dump:
        raise click.UsageError("give --pageviews-url or --pageviews-dump, not both")
    names = list(DATASETS) if build_all else list(datasets)
    if not names:
        raise click.UsageError("name a dataset or pass --all")
    options = _source_options(
        sample, sparql_endpoint, pageviews_url, pageviews_dump, window_start, window_months, out, cache_dir, contact
    )
    options.soda_url, options.nyt_url = soda_url, nyt_url
    _run_builds(names, options, out)


def _source_options(
    sample, sparql_endpoint, pageviews_url, pageviews_dump, window_start, window_months, out, cache_dir, contact
):
    from spacetime.pipelines.sources import SourceOptions
    from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW, PageviewWindow

    window = PageviewWindow(window_start or DEFAULT_WINDOW.start, window_months or DEFAULT_WINDOW.months)
    options = SourceOptions(
        sample=sample,
        pageviews_url=pageviews_url,
        pageviews_dump=pageviews_dump,
        cache_dir=cache_dir or Layout(out).cache,
        window=window,
        contact=contact,
    )
    if sparql_endpoint:
        options.sparql_endpoint = sparql_endpoint
    return options


def _run_builds(names: list[str], options, out: Path) -> None:
    from spacetime.pipelines.sources import open_sources

    with open_sources(options) as sources:
        for name in names:
            folder = builder(name).build(sources, Layout(out).build(name))
            _print_summary(name, folder)


def _print_summary(name: str, folder: Path) -> None:
    meta = json.loads((folder / "metadata.json").read_text())
    splits = meta["splits"]
    click.echo(f"{name}: {meta['rows']} rows (train {splits['train']}, test {splits['test']}) -> {folder}")
    for rule, count in meta["drops"]["counts"].items():
        click.echo(f"  dropped {count:>7}  {rule}")


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Reads OUT/build/<dataset>/, writes the release folder OUT/release/.",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The previous release folder, for the changelog.",
)
@click.argument("configs", nargs=-1, type=click.Choice(DATASETS))
def package(out: Path, previous: Path | None, configs: tuple[str, ...]) -> None:
    """Write the Hub-layout release folder (card, Parquet per config and split, metadata) to OUT/release/."""
    _package(Layout(out), previous, configs)


def _package(layout: Layout, previous: Path | None, configs: tuple[str, ...]) -> Path:
    from spacetime.dist.package import package as write_release

    folder = write_release(layout.build_root(), layout.release, previous, configs or DATASETS)
    click.echo(f"release folder: {folder}")
    return folder


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Validates OUT/release/, writes OUT/validation/report.{md,json}.",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The previous release folder: row counts may not drop by more than the allowed share.",
)
@click.argument("configs", nargs=-1, type=click.Choice(DATASETS))
def validate(out: Path, previous: Path | None, configs: tuple[str, ...]) -> None:
    """Run the Great Expectations suites on the release folder; exit code 1 when any check fails."""
    if not _validate(Layout(out), previous, configs):
        sys.exit(1)


def _validate(layout: Layout, previous: Path | None, configs: tuple[str, ...]) -> bool:
    """Validate the release under ``layout``, print the outcome per config; True when every check passed."""
    from spacetime.validation.report import validate as run_validation

    report = run_validation(layout.release, layout.validation, previous, configs or DATASETS)
    for config, result in report["datasets"].items():
        failed = [c for c in result["checks"] if not c["success"]]
        click.echo(f"{config}: {'pass' if result['passed'] else 'FAIL'} ({len(result['checks'])} checks)")
        for check in failed:
            click.echo(
                f"  failed: {check['expectation']} {check['column'] or ''} {check['examples'] or check['observed']}"
            )
    click.echo(f"report: {layout.validation / 'report.md'}")
    return bool(report["passed"])


# The demo's baselines: the embedded model and its random-init control (the control the paper lacked).
DEMO_MODELS = {"smollm2": {}, "smollm2-random-init": {"random_init": True}}


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--skip-probing", is_flag=True, help="Stop after the validated release folder.")
def demo(out: Path, skip_probing: bool) -> None:
    """The main job on the embedded defaults: every stage from the bundled sample, no network, no GPU.

    build -> package -> validate -> activations (SmolLM2-135M and its random-init control) -> probe -> score ->
    leaderboard, all under OUT/.
    """
    layout = Layout(out)
    options = _source_options(True, None, None, None, None, None, out, None, None)
    _run_builds(list(DATASETS), options, out)
    _package(layout, None, ())
    if not _validate(layout, None, ()):
        raise click.ClickException(f"the sample release failed validation: see {layout.validation / 'report.md'}")
    if not skip_probing:
        _probe_baselines(layout)
    click.echo(f"demo finished: outputs under {out}/")


def _probe_baselines(layout: Layout) -> None:
    """Activations of each demo model on every dataset, probes (the control beside the model), scores, leaderboard."""
    from spacetime.probing.activations import dataset_rows, extract_dataset
    from spacetime.probing.leaderboard import render_leaderboard, score_submission
    from spacetime.probing.models import load_model
    from spacetime.probing.prompts import get_prompt
    from spacetime.probing.results import ProbeOptions, run_probe

    source = str(layout.release)
    prompts = {dataset: get_prompt(dataset) for dataset in DATASETS}
    rows = {dataset: dataset_rows(dataset, prompts[dataset], layout, source) for dataset in DATASETS}
    folders: dict[str, list[Path]] = {}
    for name, model_options in DEMO_MODELS.items():
        loaded = load_model("smollm2", **model_options)
        folders[name] = [
            extract_dataset(loaded, rows[d], prompts[d], layout, progress=False, echo=click.echo) for d in DATASETS
        ]
    for name, own in folders.items():
        controls = folders["smollm2-random-init"] if name == "smollm2" else []
        results = layout.probes(name)
        run_probe(own, source, results, controls, ProbeOptions(), echo=click.echo)
        entry = score_submission(results, source, out=layout.scored_entry(name))
        best = ", ".join(f"{d} {r['r2']:.3f}" for d, r in entry["results"].items())
        click.echo(f"{name}: test R^2 at the best layer: {best}")
    paths = render_leaderboard(layout.leaderboard, layout.leaderboard)
    click.echo(f"leaderboard: {paths['markdown']}")


BENCHMARKS = ("dump_reader", "virtuoso_paging", "activations", "ridge", "proximity")


@main.command()
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
def bench(out: Path, only: tuple[str, ...], dump_lines: int, places: int, names: int) -> None:
    """Benchmarks, each against a baseline measured in the same run (ratios, not absolute targets)."""
    out.mkdir(parents=True, exist_ok=True)
    chosen = only or BENCHMARKS
    results: dict[str, dict] = {}
    for name in chosen:
        click.echo(f"running {name} ...")
        results[name] = _run_benchmark(name, out, dump_lines=dump_lines, places=places, names=names)
        click.echo("  " + _bench_line(name, results[name]))
    (out / "bench.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    click.echo(f"full results: {out / 'bench.json'}")


def _run_benchmark(name: str, out: Path, *, dump_lines: int, places: int, names: int) -> dict:
    if name == "dump_reader":
        from spacetime.benchmarks.pageviews import dump_reader_benchmark

        return dump_reader_benchmark(out, lines=dump_lines)
    if name == "virtuoso_paging":
        from spacetime.benchmarks.sparql import virtuoso_paging_benchmark

        return virtuoso_paging_benchmark(out, places=places)
    if name == "activations":
        from spacetime.benchmarks.activations import activation_benchmark

        return activation_benchmark(out / "activations", names=names)
    if name == "ridge":
        from spacetime.benchmarks.probes import ridge_benchmark

        return ridge_benchmark()
    from spacetime.benchmarks.probes import proximity_benchmark

    return proximity_benchmark()


def _bench_line(name: str, r: dict) -> str:
    if "skipped" in r:
        return f"skipped ({r['skipped']})"
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
    if name == "ridge":
        return (
            f"LOO ridge sweep {r['ridge_loo_seconds']:.1f}s vs RidgeCV loop {r['ridgecv_seconds']:.1f}s: "
            f"{r['speedup_wall']:.1f}x (goal >= 2x), equal: {r['equal']}"
        )
    return (
        f"proximity error on {r['rows']} points: space {r['space']['seconds']:.1f}s, "
        f"{r['space']['peak_traced_bytes'] / 2**20:.0f} MB peak; time {r['time']['seconds']:.2f}s"
    )


def _register_stage_commands() -> None:
    from spacetime.dist.publish import publish_command
    from spacetime.probing.commands import activations
    from spacetime.probing.probe_commands import leaderboard, probe, score

    for command in (publish_command, activations, probe, score, leaderboard):
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
