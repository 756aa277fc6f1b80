"""Click commands `submit`, `evaluate` and `leaderboard`: requests in, reference results out, a site from them.

    spacetime submit --model ORG/NAME --revision SHA --requests requests/
    spacetime evaluate --requests requests/ --data out/release --results results/
    spacetime leaderboard results/ --out site/

Heavy libraries are imported inside the command bodies, so ``spacetime --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from spacetime.layout import Layout
from spacetime.pipelines.registry import DATASETS

_REPO_HELP = "Hub dataset repo (ORG/NAME) holding the {what}; the local folder mirrors it and changes are pushed."


@click.command()
@click.option("--model", required=True, help="Hub model id (ORG/NAME), or 'smollm2' for the embedded SmolLM2-135M.")
@click.option(
    "--model-revision",
    "--revision",
    "revision",
    default=None,
    help="The model's commit sha (40 hex digits) [for smollm2: the sha256 of its GGUF file, filled in].",
)
@click.option(
    "--precision",
    type=click.Choice(["bfloat16", "float16", "float32"]),
    default="bfloat16",
    show_default=True,
    help="The dtype the model is run in.",
)
@click.option(
    "--datasets",
    default=",".join(DATASETS),
    show_default=True,
    help="Comma-separated datasets to evaluate on.",
)
@click.option("--prompt", "prompt_options", multiple=True, help="DATASET=PROMPT instead of a dataset's default prompt.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random-init control.")
@click.option("--no-baselines", is_flag=True, help="Do not file the random-init control and static baseline.")
@click.option(
    "--requests",
    "requests_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The requests folder.",
)
@click.option("--requests-repo", default=None, help=_REPO_HELP.format(what="requests"))
@click.option("--endpoint", envvar="HF_ENDPOINT", default=None, help="Hub endpoint [env: HF_ENDPOINT].")
def submit(
    model, revision, precision, datasets, prompt_options, seed, no_baselines, requests_dir, requests_repo, endpoint
) -> None:
    """File an evaluation request for MODEL at REVISION (results are computed by `spacetime evaluate`, never sent)."""
    from . import submissions as rq

    prompts = rq.parse_prompt_options(prompt_options)
    chosen = [d.strip() for d in datasets.split(",") if d.strip()]
    unknown = [d for d in chosen if d not in DATASETS]
    if unknown or not chosen:
        raise click.BadParameter(
            f"unknown dataset(s) {unknown} (known: {', '.join(DATASETS)})", param_hint="--datasets"
        )
    prompts = {d: prompts[d] for d in chosen}
    made = rq.make_requests(model, revision, precision, prompts, seed=seed, baselines=not no_baselines)
    if requests_repo:
        from .hub_repos import pull

        pull(requests_repo, requests_dir, endpoint)
    done = rq.submit(requests_dir, made)
    for path, written in done:
        click.echo(f"{'pending' if written else 'already filed'}: {path}")
    if requests_repo:
        from .hub_repos import push

        new = [path for path, written in done if written]
        sha = push(requests_repo, requests_dir, new, f"Request evaluation of {model} @ {made[0].revision}", endpoint)
        click.echo(f"pushed {len(new)} request(s) to {requests_repo}" + (f" ({sha})" if sha else ""))


@click.command()
@click.option(
    "--requests",
    "requests_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The requests folder (from `spacetime submit`).",
)
@click.option("--data", "source", required=True, help="The released dataset: a release folder or a Hub dataset repo.")
@click.option("--data-revision", default=None, help="Revision (tag or commit) of a Hub dataset repo given as --data.")
@click.option(
    "--data-repo",
    default=None,
    help="The Hub dataset repo a local --data folder is a release of (named in the results) "
    "[default: llm-spacetime/llm-spacetime].",
)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The results folder: one results file per request.",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Layout().evaluations,
    show_default=True,
    help="Activations and probe folders (a rerun resumes from them).",
)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--resamples", type=click.IntRange(min=100), default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--retry-failed", is_flag=True, help="Run FAILED requests again.")
@click.option("--model", "only", multiple=True, help="Only the requests of this model name (repeatable).")
@click.option("--requests-repo", default=None, help=_REPO_HELP.format(what="requests"))
@click.option("--results-repo", default=None, help=_REPO_HELP.format(what="results"))
@click.option("--endpoint", envvar="HF_ENDPOINT", default=None, help="Hub endpoint [env: HF_ENDPOINT].")
@click.option("--progress/--no-progress", default=True, help="Progress bars of the extraction.")
def evaluate(
    requests_dir,
    source,
    data_revision,
    data_repo,
    results_dir,
    work_dir,
    device,
    resamples,
    retry_failed,
    only,
    requests_repo,
    results_repo,
    endpoint,
    progress,
) -> None:
    """Run every pending request with the reference extraction and probes; write one results file per request."""
    from .evaluate import EvaluateOptions, evaluate_requests

    if requests_repo:
        from .hub_repos import pull

        pull(requests_repo, requests_dir, endpoint)
    options = EvaluateOptions(
        work_dir=work_dir,
        device=device,
        data_revision=data_revision,
        data_repo=data_repo,
        resamples=resamples,
        retry_failed=retry_failed,
        progress=progress,
        only=list(only),
    )
    summary = evaluate_requests(requests_dir, source, results_dir, options, echo=click.echo)
    if requests_repo or results_repo:
        _push_outcome(summary, requests_dir, results_dir, requests_repo, results_repo, endpoint)
    click.echo(
        f"{len(summary.finished)} finished, {len(summary.failed)} failed, {len(summary.skipped)} already done "
        f"-> {results_dir}"
    )
    if summary.failed:
        raise SystemExit(1)


def _push_outcome(summary, requests_dir, results_dir, requests_repo, results_repo, endpoint) -> None:
    from .hub_repos import files_under, push

    if results_repo and summary.finished:
        written = [p for f in summary.finished for p in [f, *files_under(f.parent / f"plots_{f.stem[8:]}")]]
        push(results_repo, results_dir, written, f"Results of {len(summary.finished)} request(s)", endpoint)
        click.echo(f"pushed {len(summary.finished)} results file(s) to {results_repo}")
    if requests_repo:
        from .submissions import find_requests

        push(requests_repo, requests_dir, find_requests(requests_dir), "Update request statuses", endpoint)
        click.echo(f"pushed request statuses to {requests_repo}")


@click.command()
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where index.html, leaderboard.md and leaderboard.png go [default: RESULTS/site].",
)
@click.option("--results-repo", default=None, help="Hub dataset repo of the results (pulled into RESULTS first).")
@click.option("--endpoint", envvar="HF_ENDPOINT", default=None, help="Hub endpoint [env: HF_ENDPOINT].")
def leaderboard(results, out, results_repo, endpoint) -> None:
    """Render the leaderboard (a static index.html, leaderboard.md, leaderboard.png) from the RESULTS folder."""
    from .site import render_site
    from .tables import render_leaderboard

    if results_repo:
        from .hub_repos import pull

        pull(results_repo, results, endpoint)
    if not Path(results).is_dir():
        raise click.BadParameter(f"{results}: no such folder", param_hint="RESULTS")
    out = out or Path(results) / "site"
    index = render_site(results, out)
    paths = render_leaderboard(results, out)
    click.echo(f"leaderboard: {index}, {paths['markdown']} and {paths['png']}")
