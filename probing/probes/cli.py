"""Click command `probe`; the `spacetime` CLI registers it with ``main.add_command``.

numpy, scikit-learn, matplotlib and datasets are imported inside the command body, so ``spacetime --help`` stays
fast. Errors follow the CLI's rule (one line; ``-v`` for the traceback), raised by the group, not here.
"""

from __future__ import annotations

from pathlib import Path

import click

from spacetime import options as opt
from spacetime.layout import Layout


@click.command()
@click.option(
    "--activations",
    "activations",
    multiple=True,
    required=True,
    help="An activation folder (OUT/activations/<model>/<dataset>/<prompt>/), or an activation release (a folder "
    "from `spacetime package-activations`, or its Hub dataset repo id): every dataset in it, each at its prompt; "
    "repeatable.",
)
@click.option("--activations-revision", default=None, help="Hub revision of an activation release given by repo id.")
@opt.data_option("The released dataset: a release folder or a Hub dataset repo id [default: OUT/release].")
@opt.data_revision_option()
@opt.out_option("Output root: results go to OUT/probes/NAME/; the dataset is read from OUT/release by default.")
@click.option(
    "--name",
    default=None,
    help="Results go to OUT/probes/NAME/ (results.json, predictions/, plots/, report.md) [default: the model's "
    "folder name, as under OUT/activations/].",
)
@click.option(
    "--control",
    "controls",
    multiple=True,
    help="Activation folder (or release) of the random-init control for the same datasets (dashed in the plots).",
)
@opt.layers_option(None, opt.LAYERS_HELP + " [default: every stored layer]")
@click.option(
    "--alphas",
    type=opt.NumberList(float, min=0, min_open=True),
    default=None,
    help="Comma-separated ridge alphas, each > 0 [default: 13 from 0.1 to 1e5, log-spaced].",
)
@opt.seed_option("Seed of the MLP probe and the map's sampling.")
@click.option("--mlp", is_flag=True, help="Also fit an MLP probe (one hidden layer of 256) at the best layer.")
@click.option(
    "--pca",
    type=opt.NumberList(int, min=1),
    default=None,
    help="Also fit ridge probes on the top-k principal components, e.g. 2,4,8,16.",
)
@click.option(
    "--block-holdout",
    is_flag=True,
    help="Also hold out whole blocks (country, state, borough, century, decade, year) at the best layer.",
)
@click.option(
    "--neuron-model",
    default=None,
    help="Also search the MLP neurons of this model (Llama-style) for the best layer's probe directions.",
)
@click.option("--no-plots", is_flag=True, help="Skip the plots and the report.")
@click.option(
    "--weights",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Apply the probes saved by an earlier run instead of fitting: its folder (OUT/probes/NAME, or a "
    "leaderboard weights_<name>/ folder); writes the best layer's test predictions and metrics to OUT/probes/NAME/.",
)
def probe(
    activations,
    activations_revision,
    data,
    data_revision,
    out,
    name,
    controls,
    layers,
    alphas,
    seed,
    mlp,
    pca,
    block_holdout,
    neuron_model,
    no_plots,
    weights,
) -> None:
    """Ridge probes on every layer of ACTIVATIONS, scored on the dataset's fixed test split."""
    from .ridge import DEFAULT_ALPHAS
    from .run import ProbeOptions, run_probe, submission_name

    options = ProbeOptions(
        alphas=alphas or DEFAULT_ALPHAS,
        layers=layers,
        seed=seed,
        revision=data_revision,
        mlp=mlp,
        pca=pca or [],
        block_holdout=block_holdout,
        neuron_model=neuron_model,
        plots=not no_plots,
    )
    layout = Layout(out)
    data = data or str(layout.release)
    folders = activation_folders(activations, layout, activations_revision, data, data_revision)
    control_folders = activation_folders(controls, layout, activations_revision, data, data_revision)
    folder = layout.probes(name or submission_name(folders[0]))
    if weights is not None:
        from .weights import apply_saved_probes

        payload = apply_saved_probes(folders, weights, data, folder, data_revision)
    else:
        payload = run_probe(folders, data, folder, control_folders, options, echo=click.echo)
    for dataset, result in payload["results"].items():
        click.echo(f"{dataset}: {summary_line(result)}")
    click.echo(f"results: {folder / 'results.json'}")


def activation_folders(
    values: tuple[str, ...], layout: Layout, revision: str | None, data: str, data_revision: str | None
) -> list[Path]:
    """The activation folders that ``--activations`` (or ``--control``) names: folders as they are, and each
    release (folder or Hub repo) materialised per dataset under OUT/.cache/activation-releases/."""
    from spacetime.common import digest
    from spacetime.probing.artifacts.load import is_activation_folder, is_activation_release, release_folders

    folders: list[Path] = []
    for value in values:
        if is_activation_folder(value):
            folders.append(Path(value))
            continue
        if Path(value).is_dir() and not is_activation_release(value):
            raise FileNotFoundError(
                f"{value}: neither an activation folder (no manifest.json) nor an activation release "
                "(no activations.json); run `spacetime activations` or `spacetime package-activations`"
            )
        cache = layout.cache / "activation-releases" / digest(str(Path(value).resolve()), revision or "")[:16]
        folders += release_folders(value, cache, revision, data, data_revision)
    return folders


def summary_line(result: dict) -> str:
    """One dataset's headline: the layer, then every table metric of the registry that it has."""
    from .metrics import TABLE_METRICS

    shown = ", ".join(f"{m} {result[m]:.4g}" for m in TABLE_METRICS if result.get(m) is not None)
    return f"best layer {result['best_layer']}: {shown}"
