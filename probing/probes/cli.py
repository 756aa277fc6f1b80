"""Click commands `probe`, `score` and `leaderboard`; the `spacetime` CLI registers them with ``main.add_command``.

numpy, scikit-learn, matplotlib and datasets are imported inside the command bodies, so ``spacetime --help`` stays
fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from spacetime.layout import DEFAULT_OUT, Layout
from spacetime.probing.extraction.cli import LAYERS_HELP

OUT_OPTION = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output root (see spacetime/layout.py).",
)
DATA_REVISION_OPTION = click.option(
    "--data-revision", default=None, help="Revision (a Hub tag or commit) of the dataset given as --data."
)


def _int_list(text: str | None, option: str) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}", param_hint=option) from None


def _float_list(text: str | None, option: str) -> list[float] | None:
    if not text:
        return None
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {text!r}", param_hint=option) from None
    if not values or any(v <= 0 for v in values):
        raise click.BadParameter("alphas must be positive", param_hint=option)
    return values


@click.command()
@click.option(
    "--activations",
    "activations",
    multiple=True,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Activation folder (OUT/activations/<model>/<dataset>/<prompt>/); repeat for several datasets.",
)
@click.option(
    "--data",
    "source",
    default=None,
    help="The released dataset: a release folder or a Hub dataset repo id [default: OUT/release].",
)
@DATA_REVISION_OPTION
@OUT_OPTION
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
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Activation folder of the random-init control for the same dataset (dashed line in the plots).",
)
@click.option("--layers", default=None, help=LAYERS_HELP + " [default: every stored layer]")
@click.option("--alphas", default=None, help="Comma-separated ridge alphas [default: 13 from 0.1 to 1e5, log-spaced].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the MLP probe and the map's sampling.")
@click.option("--mlp", is_flag=True, help="Also fit an MLP probe (one hidden layer of 256) at the best layer.")
@click.option("--pca", default=None, help="Also fit ridge probes on the top-k principal components, e.g. 2,4,8,16.")
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
def probe(
    activations,
    source,
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
) -> None:
    """Ridge probes on every layer of ACTIVATIONS, scored on the dataset's fixed test split."""
    from spacetime.probing.extraction.layers import check_layers_spec

    from .ridge import DEFAULT_ALPHAS
    from .run import ProbeOptions, run_probe, submission_name

    if layers is not None:
        try:
            check_layers_spec(layers)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--layers") from None
    options = ProbeOptions(
        alphas=_float_list(alphas, "--alphas") or DEFAULT_ALPHAS,
        layers=layers,
        seed=seed,
        revision=data_revision,
        mlp=mlp,
        pca=_int_list(pca, "--pca"),
        block_holdout=block_holdout,
        neuron_model=neuron_model,
        plots=not no_plots,
    )
    layout = Layout(out)
    try:
        folder = layout.probes(name or submission_name(activations[0]))
        payload = run_probe(
            list(activations), source or str(layout.release), folder, list(controls), options, echo=click.echo
        )
    except (ValueError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    for dataset, result in payload["results"].items():
        extra = f", {result['haversine_km']:.0f} km" if "haversine_km" in result else ""
        click.echo(
            f"{dataset}: best layer {result['best_layer']}: test R^2 {result['r2']:.3f}, "
            f"Spearman {result['spearman']:.3f}, MAE {result['mae']:.3g}{extra}, "
            f"proximity error {result.get('proximity_error', float('nan')):.3f}"
        )
    click.echo(f"results: {folder / 'results.json'}")
