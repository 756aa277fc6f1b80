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
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Activation folder (OUT/activations/<model>/<dataset>/<prompt>/); repeat for several datasets.",
)
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
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Activation folder of the random-init control for the same dataset (dashed line in the plots).",
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
def probe(
    activations,
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
    folder = layout.probes(name or submission_name(activations[0]))
    payload = run_probe(
        list(activations), data or str(layout.release), folder, list(controls), options, echo=click.echo
    )
    for dataset, result in payload["results"].items():
        extra = f", {result['haversine_km']:.0f} km" if "haversine_km" in result else ""
        click.echo(
            f"{dataset}: best layer {result['best_layer']}: test R^2 {result['r2']:.3f}, "
            f"Spearman {result['spearman']:.3f}, MAE {result['mae']:.3g}{extra}, "
            f"proximity error {result.get('proximity_error', float('nan')):.3f}"
        )
    click.echo(f"results: {folder / 'results.json'}")
