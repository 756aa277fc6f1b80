"""Click commands `package-activations` and `publish-activations`; the `spacetime` CLI registers them."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from spacetime import options as opt
from spacetime.layout import Layout


@click.command("package-activations")
@click.argument("model_slug")
@opt.out_option("Output root: reads OUT/activations/MODEL_SLUG/, writes OUT/activation-releases/MODEL_SLUG/.")
@opt.data_option("The entity release the activations were made from [default: OUT/release].")
@opt.data_revision_option()
@click.option(
    "--results",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A probe results.json of this model: its R^2 by layer (and plot) go into the card.",
)
@click.option("--leaderboard-url", default=None, help="Link to the model's leaderboard entry, for the card.")
@click.option("--model-license", default=None, help="The model's licence, for the card (e.g. llama2).")
@click.option("--max-shard-mb", type=click.IntRange(min=1), default=500, show_default=True, help="Parquet file size.")
def package_activations_command(
    model_slug, out, data, data_revision, results, leaderboard_url, model_license, max_shard_mb
) -> None:
    """Package OUT/activations/MODEL_SLUG (every dataset, prompt and layer) as a Hub dataset folder in
    OUT/activation-releases/MODEL_SLUG."""
    from .release import package_activations

    layout = Layout(out)
    data = data or str(layout.release)
    command = ["spacetime", "package-activations", model_slug, "--data", data]
    if data_revision:
        command += ["--data-revision", data_revision]
    folder = package_activations(
        layout.activations,
        model_slug,
        layout.activation_release(model_slug),
        data,
        results=results,
        leaderboard_url=leaderboard_url,
        model_license=model_license,
        command=shlex.join(command),
        max_shard_bytes=max_shard_mb * 1000**2,
        data_revision=data_revision,
    )
    click.echo(f"Wrote {folder} (card README.md, metadata activations.json)")


@click.command("publish-activations")
@click.argument("model_slug")
@opt.out_option("Output root: publishes OUT/activation-releases/MODEL_SLUG/.")
@opt.publish_options()
@click.option("--files-per-commit", type=click.IntRange(min=1), default=None, help="Checkpoint every N data files.")
def publish_activations_command(model_slug, out, repo_id, yes, private, endpoint, files_per_commit) -> None:
    """Publish OUT/activation-releases/MODEL_SLUG to the Hub (dry run unless --yes); re-run to resume.

    The token comes from HF_TOKEN; it is never printed.
    """
    from .publish import publish_activation_release

    publish_activation_release(
        Layout(out).activation_release(model_slug),
        repo_id,
        yes=yes,
        endpoint=endpoint,
        private=private,
        files_per_commit=files_per_commit,
        echo=click.echo,
    )
