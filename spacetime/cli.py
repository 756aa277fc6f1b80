"""`spacetime`: one command line for every stage (build, package, validate, publish, activations, demo, bench)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

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
@click.option("--pageviews-dump", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of monthly pageview_complete dumps (pageviews-YYYYMM-user.bz2) instead of the REST API.")
@click.option("--window-start", default=None, help="First month of the pageview window, YYYY-MM [default: 2021-01].")
@click.option("--window-months", type=int, default=None, help="Length of the pageview window [default: 36].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Output root: datasets go to OUT/build/<dataset>/.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Response caches (resumable builds) [default: OUT/.cache].")
@click.option("--contact", envvar="SPACETIME_CONTACT", default=None,
              help="Contact (e-mail or URL) for the User-Agent sent to the live services [env: SPACETIME_CONTACT].")
def build(datasets, build_all, sample, sparql_endpoint, pageviews_url, pageviews_dump, window_start, window_months,
          out, cache_dir, contact) -> None:
    """Build DATASETS from the live sources (or the bundled sample) into OUT/build/<dataset>/."""
    if pageviews_url and pageviews_dump:
        raise click.UsageError("give --pageviews-url or --pageviews-dump, not both")
    names = list(DATASETS) if build_all else list(datasets)
    if not names:
        raise click.UsageError("name a dataset or pass --all")
    options = _source_options(sample, sparql_endpoint, pageviews_url, pageviews_dump, window_start, window_months,
                              out, cache_dir, contact)
    _run_builds(names, options, out)


def _source_options(sample, sparql_endpoint, pageviews_url, pageviews_dump, window_start, window_months, out,
                    cache_dir, contact):
    from spacetime.pipelines.pageviews import DEFAULT_WINDOW, PageviewWindow
    from spacetime.pipelines.sources import SourceOptions

    window = PageviewWindow(window_start or DEFAULT_WINDOW.start, window_months or DEFAULT_WINDOW.months)
    options = SourceOptions(sample=sample, pageviews_url=pageviews_url, pageviews_dump=pageviews_dump,
                            cache_dir=cache_dir or out / ".cache", window=window, contact=contact)
    if sparql_endpoint:
        options.sparql_endpoint = sparql_endpoint
    return options


def _run_builds(names: list[str], options, out: Path) -> None:
    from spacetime.pipelines.sources import open_sources

    with open_sources(options) as sources:
        for name in names:
            folder = builder(name).build(sources, out / "build" / name)
            _print_summary(name, folder)


def _print_summary(name: str, folder: Path) -> None:
    meta = json.loads((folder / "metadata.json").read_text())
    splits = meta["splits"]
    click.echo(f"{name}: {meta['rows']} rows (train {splits['train']}, test {splits['test']}) -> {folder}")
    for rule, count in meta["drops"]["counts"].items():
        click.echo(f"  dropped {count:>7}  {rule}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Reads OUT/build/<dataset>/, writes the release folder OUT/release/.")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The previous release folder, for the changelog.")
@click.argument("configs", nargs=-1, type=click.Choice(DATASETS))
def package(out: Path, previous: Path | None, configs: tuple[str, ...]) -> None:
    """Write the Hub-layout release folder (card, Parquet per config and split, metadata) to OUT/release/."""
    from spacetime.dist.package import package as write_release

    folder = write_release(out / "build", out / "release", previous, configs or DATASETS)
    click.echo(f"release folder: {folder}")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Validates OUT/release/, writes OUT/validation/report.{md,json}.")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The previous release folder: row counts may not drop by more than the allowed share.")
@click.argument("configs", nargs=-1, type=click.Choice(DATASETS))
def validate(out: Path, previous: Path | None, configs: tuple[str, ...]) -> None:
    """Run the Great Expectations suites on the release folder; exit code 1 when any check fails."""
    from spacetime.validation.report import validate as run_validation

    report = run_validation(out / "release", out / "validation", previous, configs or DATASETS)
    for config, result in report["datasets"].items():
        failed = [c for c in result["checks"] if not c["success"]]
        click.echo(f"{config}: {'pass' if result['passed'] else 'FAIL'} ({len(result['checks'])} checks)")
        for check in failed:
            click.echo(f"  failed: {check['expectation']} {check['column'] or ''} "
                       f"{check['examples'] or check['observed']}")
    click.echo(f"report: {out / 'validation' / 'report.md'}")
    if not report["passed"]:
        sys.exit(1)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True)
@click.pass_context
def demo(ctx: click.Context, out: Path) -> None:
    """The main job on the embedded defaults: every stage from the bundled sample, no network, no GPU."""
    options = _source_options(True, None, None, None, None, None, out, None, None)
    _run_builds(list(DATASETS), options, out)
    ctx.invoke(package, out=out, previous=None, configs=())
    ctx.invoke(validate, out=out, previous=None, configs=())
    click.echo(f"demo finished: outputs under {out}/")


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/bench"), show_default=True)
@click.option("--dump-lines", type=int, default=2_000_000, show_default=True,
              help="Lines in the synthetic pageview dump for the reader benchmark.")
@click.option("--places", type=int, default=25_000, show_default=True, help="Places loaded into Virtuoso.")
def bench(out: Path, dump_lines: int, places: int) -> None:
    """Benchmarks, each against a baseline measured in the same run: the dump reader and SPARQL paging."""
    from spacetime.benchmarks.pageviews import dump_reader_benchmark
    from spacetime.benchmarks.sparql import virtuoso_paging_benchmark

    out.mkdir(parents=True, exist_ok=True)
    results = {
        "pageview_dump_reader": dump_reader_benchmark(out, lines=dump_lines),
        "virtuoso_paging": virtuoso_paging_benchmark(out, places=places),
    }
    (out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    reader = results["pageview_dump_reader"]
    click.echo(f"dump reader: {reader['reader_seconds']:.2f}s vs bzip2 -dc {reader['bzip2_seconds']:.2f}s "
               f"on {reader['file_mb']:.1f} MB -> ratio {reader['ratio']:.2f} (goal >= 0.8)")
    paging = results["virtuoso_paging"]
    if "skipped" in paging:
        click.echo(f"virtuoso paging: skipped ({paging['skipped']})")
    else:
        click.echo(f"virtuoso paging: {paging['rows']} rows in {paging['queries']} queries, "
                   f"{paging['seconds']:.2f}s ({paging['rows_per_second']:.0f} rows/s)")
    click.echo(f"full results: {out / 'bench.json'}")


def _register_stage_commands() -> None:
    from spacetime.dist.publish import publish_command
    from spacetime.probing.commands import activations
    from spacetime.probing.probe_commands import leaderboard, probe, score

    for command in (publish_command, activations, probe, score, leaderboard):
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
