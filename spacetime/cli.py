"""`spacetime`: one command line for every stage.

build, package, validate and demo are defined here; the other commands are registered from their stages: publish
(dist/publish.py), activations (probing/extraction/cli.py), package-activations and publish-activations
(probing/artifacts/cli.py), probe (probing/probes/cli.py), submit, evaluate and leaderboard
(probing/leaderboard/cli.py), download (pipelines/download_cli.py). The options they share (``--out``, the positional
DATASETS, ``--progress/--no-progress``, ``--data``, ``--layers``...) are declared once, in spacetime/options.py.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from spacetime import options as opt
from spacetime.errors import SpacetimeError
from spacetime.layout import Layout
from spacetime.pipelines.registry import DATASETS, builder
from spacetime.progress import quiet_library_progress

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
    quiet_library_progress()  # the libraries' own bars off: ours report the work
    signal.signal(signal.SIGTERM, _terminate)


@main.command()
@opt.datasets_argument(all_flag=True)
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
@opt.window_options()
@opt.out_option("Output root: datasets go to OUT/build/<dataset>/.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Response caches (resumable builds) [default: OUT/.cache].",
)
@opt.contact_option()
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
@opt.progress_option()
def build(datasets, all_, out, window_start, window_months, cache_dir, **sources) -> None:
    """Build DATASETS (or --all) from the live sources (or the bundled sample, or a DBpedia release) into
    OUT/build/<dataset>/."""
    names = opt.chosen_datasets(datasets, all_)
    options = _source_options(out, window_start, window_months, cache_dir, datasets=tuple(names), **sources)
    _run_builds(names, options, out)


def _source_options(out: Path, window_start=None, window_months=None, cache_dir=None, **given):
    """The SourceOptions of one build, built once; a conflict between its flags is a usage error."""
    from spacetime.pipelines.sources import ConflictingSourceOptions, SourceOptions

    window = opt.chosen_window(window_start, window_months)
    try:
        return SourceOptions(window=window, cache_dir=cache_dir or Layout(out).cache, **given)
    except ConflictingSourceOptions as error:
        raise click.UsageError(str(error)) from None


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
@opt.out_option("Reads OUT/build/<dataset>/, writes the release folder OUT/release/.")
@click.option(
    "--previous",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The previous release folder, for the changelog.",
)
@opt.datasets_argument()
def package(out: Path, previous: Path | None, datasets: tuple[str, ...]) -> None:
    """Write the Hub-layout release folder (card, Parquet per config and split, metadata) of DATASETS [default: all]
    to OUT/release/."""
    _package(Layout(out), previous, datasets)


def _package(layout: Layout, previous: Path | None, configs: tuple[str, ...]) -> Path:
    from spacetime.dist.package import package as write_release

    folder = write_release(layout.builds, layout.release, previous, configs or DATASETS)
    click.echo(f"release folder: {folder}")
    return folder


@main.command()
@opt.out_option("Validates OUT/release/, writes OUT/validation/report.{md,json}.")
@click.option(
    "--previous",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The previous release folder: row counts may not drop by more than the allowed share.",
)
@opt.datasets_argument()
def validate(out: Path, previous: Path | None, datasets: tuple[str, ...]) -> None:
    """Run the Great Expectations suites on the release folder's DATASETS [default: all]; exit code 1 when any check
    fails."""
    if not _validate(Layout(out), previous, datasets):
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
    integrity = report["release_integrity"]
    click.echo(f"release.json: {'pass' if integrity['passed'] else 'FAIL'} ({integrity.get('files', 0)} files listed)")
    for problem in integrity["problems"]:
        click.echo(f"  failed: {problem}")
    click.echo(f"report: {layout.validation / 'report.md'}")
    return bool(report["passed"])


@main.command()
@opt.out_option("Output root: every stage's outputs go under OUT/ (see spacetime/layout.py).")
@click.option("--skip-probing", is_flag=True, help="Stop after the validated release folder.")
@opt.progress_option()
def demo(out: Path, skip_probing: bool, progress: bool) -> None:
    """The main job on the embedded defaults: every stage from the bundled sample, no network, no GPU.

    build -> package -> validate -> evaluate (requests for SmolLM2-135M, its random-init control and its
    static-embedding baseline: activations, probes, bootstrap intervals) -> leaderboard site, all under OUT/.
    """
    layout = Layout(out)
    options = _source_options(out, sample=True, progress=progress)
    _run_builds(list(DATASETS), options, out)
    _package(layout, None, ())
    if not _validate(layout, None, ()):
        raise click.ClickException(f"the sample release failed validation: see {layout.validation / 'report.md'}")
    if not skip_probing:
        _probe_baselines(layout, progress)
    click.echo(f"demo finished: outputs under {out}/")


def _probe_baselines(layout: Layout, progress: bool) -> None:
    """Requests for the embedded model, its random-init control and its static-embedding baseline, evaluated on
    every dataset of the release; the leaderboard site from the results."""
    from spacetime.probing.leaderboard.evaluate import demo_leaderboard

    index = demo_leaderboard(layout.root, layout.release, echo=click.echo, progress=progress)
    click.echo(f"leaderboard: {index}")


def _register_stage_commands() -> None:
    from spacetime.dist.publish import publish_command
    from spacetime.pipelines.download_cli import download_command
    from spacetime.probing.artifacts.cli import package_activations_command, publish_activations_command
    from spacetime.probing.extraction.cli import activations
    from spacetime.probing.leaderboard.cli import evaluate, leaderboard, submit
    from spacetime.probing.probes.cli import probe

    for command in (publish_command, activations, probe, submit, evaluate, leaderboard):
        main.add_command(command)
    for command in (package_activations_command, publish_activations_command, download_command):
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
