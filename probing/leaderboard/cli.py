"""Click commands `submit`, `evaluate` and `leaderboard`: requests in, reference results out, a site from them.

    spacetime submit --model ORG/NAME --model-revision SHA [DATASETS...]   # -> OUT/leaderboard/requests/
    spacetime evaluate                                 # OUT/leaderboard/requests/ + OUT/release -> .../results/
    spacetime leaderboard results/ --out site/

``--requests``, ``--results``, ``--data`` and ``--work-dir`` default to their places under ``--out`` (spacetime/
layout.py). Heavy libraries are imported inside the command bodies, so ``spacetime --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from spacetime import options as opt
from spacetime.layout import Layout

from .claims import DEFAULT_EXPIRY_S

_REPO_HELP = "Hub dataset repo (ORG/NAME) holding the {what}; the local folder mirrors it and changes are pushed."


def _requests_option():
    return click.option(
        "--requests",
        "requests_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The requests folder (`spacetime submit` files, `spacetime evaluate` runs) "
        "[default: OUT/leaderboard/requests].",
    )


@click.command()
@click.option("--model", required=True, help="Hub model id (ORG/NAME), or 'smollm2' for the embedded SmolLM2-135M.")
@opt.model_revision_option(
    "The model's commit sha (40 hex digits) [for smollm2: the sha256 of its GGUF file, filled in]."
)
@click.option(
    "--precision",
    type=click.Choice(["bfloat16", "float16", "float32"]),
    default="bfloat16",
    show_default=True,
    help="The dtype the model is run in.",
)
@opt.datasets_argument()
@click.option("--prompt", "prompt_options", multiple=True, help="DATASET=PROMPT instead of a dataset's default prompt.")
@opt.seed_option("Seed of the random-init control.")
@click.option("--no-baselines", is_flag=True, help="Do not file the random-init control and static baseline.")
@opt.out_option("Output root: requests go to OUT/leaderboard/requests/ unless --requests names a folder.")
@_requests_option()
@click.option("--requests-repo", default=None, help=_REPO_HELP.format(what="requests"))
@opt.endpoint_option()
def submit(
    model,
    model_revision,
    precision,
    datasets,
    prompt_options,
    seed,
    no_baselines,
    out,
    requests_dir,
    requests_repo,
    endpoint,
) -> None:
    """File evaluation requests for MODEL at --model-revision on DATASETS [default: all] (results are computed by
    `spacetime evaluate`, never sent)."""
    from . import submissions as rq

    requests_dir = requests_dir or Layout(out).requests
    prompts = rq.parse_prompt_options(prompt_options)
    if datasets:
        prompts = {d: prompts[d] for d in dict.fromkeys(datasets)}
    made = rq.make_requests(model, model_revision, precision, prompts, seed=seed, baselines=not no_baselines)
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
@opt.out_option(
    "Output root: reads OUT/leaderboard/requests/ and OUT/release/, writes OUT/leaderboard/results/ and works in "
    "OUT/evaluate/ (each overridable below)."
)
@_requests_option()
@opt.data_option("The released dataset: a release folder or a Hub dataset repo [default: OUT/release].")
@opt.data_revision_option()
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
    default=None,
    help="The results folder: one results file per request [default: OUT/leaderboard/results].",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Activations and probe folders (a rerun resumes from them) [default: OUT/evaluate].",
)
@opt.device_option()
@click.option("--resamples", type=click.IntRange(min=100), default=1000, show_default=True, help="Bootstrap resamples.")
@click.option("--retry-failed", is_flag=True, help="Run FAILED requests again.")
@click.option("--only-model", "only", multiple=True, help="Only the requests of this model name (repeatable).")
@click.option("--requests-repo", default=None, help=_REPO_HELP.format(what="requests"))
@click.option("--results-repo", default=None, help=_REPO_HELP.format(what="results"))
@click.option(
    "--release-activations",
    is_flag=True,
    help="Also package each evaluated request's activations as a Hub dataset folder "
    "(OUT/activation-releases/<model>/), linked from its results file and the leaderboard page.",
)
@click.option(
    "--activations-org",
    default=None,
    help="With --release-activations: publish each release to the Hub as ORG/<model> (token from HF_TOKEN).",
)
@click.option(
    "--claim-expiry",
    type=click.FloatRange(min=1),
    default=DEFAULT_EXPIRY_S,
    show_default=True,
    help="Seconds without a heartbeat after which another worker's claim on a request (in --requests-repo) is taken "
    "over; the claim's beat is renewed every quarter of this while its request runs.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Leave requests other workers are running and exit, instead of waiting for them to finish (or for their "
    "claims to expire and taking them over).",
)
@opt.endpoint_option()
@opt.progress_option()
def evaluate(
    out,
    requests_dir,
    data,
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
    release_activations,
    activations_org,
    claim_expiry,
    no_wait,
    endpoint,
    progress,
) -> None:
    """Run every pending request with the reference extraction and probes; write one results file per request.

    Several `evaluate` processes (workers) may share one requests folder or --requests-repo: each request is run by
    one of them, under a claim (a file lock; in a repo, a claim commit with a heartbeat)."""
    from .evaluate import EvaluateOptions, evaluate_requests

    layout = Layout(out)
    requests_dir = requests_dir or layout.requests
    results_dir = results_dir or layout.results
    options = EvaluateOptions(
        work_dir=work_dir or layout.evaluations,
        device=device,
        data_revision=data_revision,
        data_repo=data_repo,
        resamples=resamples,
        retry_failed=retry_failed,
        progress=progress,
        only=list(only),
        activation_releases=layout.activation_releases if release_activations else None,
        activations_org=activations_org,
        endpoint=endpoint,
        requests_repo=requests_repo,
        results_repo=results_repo,
        claim_expiry_s=claim_expiry,
        wait=not no_wait,
    )
    if activations_org and not release_activations:
        raise click.UsageError("--activations-org publishes the releases of --release-activations: give both")
    summary = evaluate_requests(requests_dir, data or str(layout.release), results_dir, options, echo=click.echo)
    for path, who in summary.elsewhere:
        click.echo(f"left to the worker running it: {path} ({who})")
    click.echo(
        f"{len(summary.finished)} finished, {len(summary.failed)} failed, {len(summary.skipped)} already done"
        + (f", {len(summary.elsewhere)} running elsewhere" if summary.elsewhere else "")
        + (f", {len(summary.lost)} taken over by another worker" if summary.lost else "")
        + f" -> {results_dir}"
    )
    if summary.failed:
        raise SystemExit(1)


@click.command()
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option(  # the documented exception to spacetime/options.py's --out: the site folder a Hub Space serves
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where index.html, leaderboard.md and leaderboard.png go [default: RESULTS/site].",
)
@click.option("--results-repo", default=None, help="Hub dataset repo of the results (pulled into RESULTS first).")
@opt.endpoint_option()
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
