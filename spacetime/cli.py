"""`spacetime`: one command line for every stage (build, package, validate, publish, activations, demo)."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from spacetime.errors import SpacetimeError
from spacetime.layout import DEFAULT_OUT, Layout
from spacetime.pipelines.registry import DATASETS, builder

# Failures a user can act on: printed as one line (the message names the thing and the fix), exit code 1; -v adds the
# traceback. OSError covers missing files and unreachable services, ValueError a bad value in a file or an option.
EXPECTED_ERRORS = (SpacetimeError, OSError, ValueError)
TERMINATE_GRACE = 10.0  # seconds a run has to unwind after SIGTERM before it is ended


class _Stages(click.Group):
    """The command group, printing expected errors without a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EXPECTED_ERRORS as error:
            if (ctx.obj or {}).get("verbose"):
                raise
            click.echo(f"Error: {_one_line(error)}", err=True)
            click.echo("(run with -v for the traceback)", err=True)
            ctx.exit(1)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    plain = (SpacetimeError, ValueError, FileNotFoundError)  # their messages name the thing already
    return text if isinstance(error, plain) else f"{type(error).__name__}: {text}"


def _terminate(signum: int, frame) -> None:
    """SIGTERM ends the run: the local servers a build started are stopped here, then the run unwinds as on Ctrl-C.

    Python drops an exception raised while a finalizer (``__del__``) runs, so a watchdog ends the process if the run
    has not unwound a few seconds later.
    """
    from spacetime.pipelines.servers import stop_all_servers

    stop_all_servers()
    watchdog = threading.Timer(TERMINATE_GRACE, os._exit, args=(128 + signum,))
    watchdog.daemon = True
    watchdog.start()
    raise SystemExit(128 + signum)


@click.group(cls=_Stages, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug) and tracebacks on errors.")
@click.version_option(package_name="llm-spacetime")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Build, validate and probe the space and time entity datasets."""
    ctx.obj = {"verbose": verbose}
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("spacetime.progress").setLevel(min(level, logging.INFO))  # progress lines without a terminal
    signal.signal(signal.SIGTERM, _terminate)


@main.command()
@click.argument("datasets", nargs=-1, type=click.Choice(DATASETS))
@click.option("--all", "build_all", is_flag=True, help="Build every dataset.")
@click.option("--sample", is_flag=True, help="Read the bundled sample snapshot (served by a local Oxigraph).")
@click.option("--sparql-endpoint", default=None, help="SPARQL endpoint [default: https://dbpedia.org/sparql].")
@click.option(
    "--dbpedia-dump",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of a DBpedia release downloaded from the Databus (N-Triples, .bz2/.gz/plain) instead of the endpoint.",
)
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
@click.option(
    "--window-months", type=click.IntRange(min=1), default=None, help="Length of the pageview window [default: 36]."
)
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
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=None,
    help="Seconds to wait for one answer from a live service [default: each client's own, SPARQL 120].",
)
@click.option(
    "--retry-deadline",
    type=click.FloatRange(min=1),
    default=None,
    help="Stop retrying one request after this many seconds in all [default: after 6 attempts].",
)
def build(
    datasets,
    build_all,
    sample,
    sparql_endpoint,
    dbpedia_dump,
    pageviews_url,
    pageviews_dump,
    soda_url,
    nyt_url,
    window_start,
    window_months,
    out,
    cache_dir,
    contact,
    timeout,
    retry_deadline,
) -> None:
    """Build DATASETS from the live sources (or the bundled sample, or a DBpedia release) into OUT/build/<dataset>/."""
    if pageviews_url and pageviews_dump:
        raise click.UsageError("give --pageviews-url or --pageviews-dump, not both")
    if sample:
        live = {
            "--sparql-endpoint": sparql_endpoint,
            "--pageviews-url": pageviews_url,
            "--pageviews-dump": pageviews_dump,
            "--soda-url": soda_url,
            "--nyt-url": nyt_url,
            "--dbpedia-dump": dbpedia_dump,
            "--timeout": timeout,
            "--retry-deadline": retry_deadline,
        }
        given = [flag for flag, value in live.items() if value]
        if given:
            raise click.UsageError(f"--sample reads the bundled sample; it cannot be combined with {', '.join(given)}")
    if dbpedia_dump and sparql_endpoint:
        raise click.UsageError("--dbpedia-dump replaces the SPARQL endpoint: give one of them, not both")
    names = list(DATASETS) if build_all else list(datasets)
    if not names:
        raise click.UsageError("name a dataset or pass --all")
    options = _source_options(
        sample, sparql_endpoint, pageviews_url, pageviews_dump, window_start, window_months, out, cache_dir, contact
    )
    options.soda_url, options.nyt_url = soda_url, nyt_url
    options.dbpedia_dump, options.datasets = dbpedia_dump, tuple(names)
    options.timeout, options.retry_deadline = timeout, retry_deadline
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

    folder = write_release(layout.builds, layout.release, previous, configs or DATASETS)
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


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--skip-probing", is_flag=True, help="Stop after the validated release folder.")
def demo(out: Path, skip_probing: bool) -> None:
    """The main job on the embedded defaults: every stage from the bundled sample, no network, no GPU.

    build -> package -> validate -> evaluate (requests for SmolLM2-135M, its random-init control and its
    static-embedding baseline: activations, probes, bootstrap intervals) -> leaderboard site, all under OUT/.
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
    """Requests for the embedded model, its random-init control and its static-embedding baseline, evaluated on
    every dataset of the release; the leaderboard site from the results."""
    from spacetime.probing.leaderboard.evaluate import demo_leaderboard

    index = demo_leaderboard(layout.root, layout.release, echo=click.echo, progress=True)
    click.echo(f"leaderboard: {index}")


def _register_stage_commands() -> None:
    from spacetime.dist.publish import publish_command
    from spacetime.probing.extraction.cli import activations
    from spacetime.probing.leaderboard.cli import evaluate, leaderboard, submit
    from spacetime.probing.probes.cli import probe

    for command in (publish_command, activations, probe, submit, evaluate, leaderboard):
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
