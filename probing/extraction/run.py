"""One activation run: a model, a dataset, a prompt, some layers -> one activation folder (see store.py).

Work is cut into shards of contiguous rows. With ``accelerate launch`` each process takes a contiguous run of shards
(its own rows), writes each finished shard atomically, and the main process merges them once all are done. A rerun
skips the shards already on disk, so a killed run resumes at its first unfinished shard; batches depend only on the
shard's rows and the token budget, so the resumed run ends with the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from spacetime import __version__
from spacetime.common import digest, folder_in_use, human_size
from spacetime.layout import Layout

from . import store
from .entities import EntityRows, read_entities
from .forward import (
    ActivationExtractor,
    Encoded,
    default_batch_tokens,
    encode_rows,
    iter_activations,
    pad_token_id,
    plan_batches,
    shared_prefix,
)
from .models import LoadedModel
from .prompts import Prompt, random_prefix, required_columns

log = logging.getLogger(__name__)

SHARD_ROWS = 2048


@dataclass
class RunPlan:
    """What a run will do, for the estimate printed before it starts."""

    rows: int
    layers: list[int]
    hidden: int
    pending_shards: int
    total_shards: int
    pending_tokens: int  # padded tokens in this process's pending batches

    @property
    def disk_bytes(self) -> int:
        """Exactly the data of the final files (float16): rows x hidden x 2 bytes per layer (headers aside)."""
        return self.rows * self.hidden * 2 * len(self.layers)


def _padded_tokens(encoded: Encoded, rows: Sequence[int], batch_tokens: int) -> int:
    lengths = [len(encoded.input_ids[i]) for i in rows]
    return sum(len(b) * lengths[b[0]] for b in plan_batches(lengths, batch_tokens))


def run_fingerprint(
    info: dict[str, Any],
    rows: EntityRows,
    prompt_text: str,
    layers: Sequence[int],
    batch_tokens: int,
    shard_rows: int,
    padding_side: str,
    device: str,
    prefix_tokens: int,
) -> str:
    """Everything that changes the stored bytes; shards from a run with another fingerprint are never reused."""
    return digest(
        store.FORMAT,
        json.dumps(
            {k: info.get(k) for k in ("model", "model_revision", "model_dtype", "random_init", "seed", "tokenizer")},
            sort_keys=True,
        ),
        rows.dataset,
        rows.source.get("rows_sha256", ""),
        prompt_text,
        json.dumps(list(layers)),
        str(batch_tokens),
        str(shard_rows),
        padding_side,
        device.split(":")[0],
        str(prefix_tokens),
    )


def extract_to_folder(
    loaded: LoadedModel, rows: EntityRows, prompt: Prompt, layers: Sequence[int], out_root: Path, **options: Any
) -> Path:
    """Extract ``layers`` for every row into ``out_root/<model>/<dataset>/<prompt>/``; returns that folder.

    The folder is held for this run: a second run into it stops with an error naming the first one's PID. Options
    are those of :func:`_extract_to_folder`.
    """
    from accelerate import PartialState

    folder = store.activation_folder(out_root, loaded.slug, rows.dataset, prompt.name)
    main = PartialState(cpu=options.get("device", "cpu") == "cpu").is_main_process  # other ranks share the folder
    with folder_in_use(folder, "spacetime activations") if main else contextlib.nullcontext():
        return _extract_to_folder(loaded, rows, prompt, layers, out_root, **options)


@dataclass
class _Run:
    """One run's context: what it reads, how it batches, where it writes."""

    loaded: LoadedModel
    rows: EntityRows
    prompt: Prompt
    layers: list[int]
    folder: Path
    state: Any  # accelerate's PartialState
    device: str
    batch_tokens: int
    shard_rows: int
    padding_side: str
    random_text: str | None
    encoded: Encoded
    prefix: list[int]  # the prompt's first tokens, shared by every row and computed once

    @property
    def main(self) -> bool:
        return self.state.is_main_process

    @property
    def prompt_text(self) -> str:
        return self.prompt.template(self.random_text)

    @cached_property
    def fingerprint(self) -> str:
        return run_fingerprint(
            self.loaded.info,
            self.rows,
            self.prompt_text,
            self.layers,
            self.batch_tokens,
            self.shard_rows,
            self.padding_side,
            self.device,
            len(self.prefix),
        )


def _extract_to_folder(
    loaded: LoadedModel,
    rows: EntityRows,
    prompt: Prompt,
    layers: Sequence[int],
    out_root: Path,
    *,
    batch_tokens: int | None = None,
    shard_rows: int = SHARD_ROWS,
    padding_side: str = "right",
    seed: int = 0,
    device: str = "cpu",
    share_prefix: bool = True,
    progress: bool = True,
    estimate: bool = True,
    on_batch: Callable[[int], None] | None = None,
    echo: Callable[[str], None] = print,
) -> Path:
    """Extract ``layers`` for every row into ``out_root/<model>/<dataset>/<prompt>/``; returns that folder.

    ``on_batch(n)`` is called after each batch with the count so far (progress hooks, tests). Works alone or under
    ``accelerate launch`` (each process its own rows; the main process merges).
    """
    import torch
    from accelerate import PartialState

    _check_inputs(rows, prompt)
    state = PartialState(cpu=device == "cpu")
    random_text = random_prefix(loaded.tokenizer, seed) if prompt.random_prefix else None
    encoded = encode_rows(loaded.tokenizer, prompt, rows.records(), random_text, rows.entity_ids)  # all rows
    run = _Run(
        loaded=loaded,
        rows=rows,
        prompt=prompt,
        layers=list(layers),
        folder=store.activation_folder(out_root, loaded.slug, rows.dataset, prompt.name),
        state=state,
        device=device,
        batch_tokens=batch_tokens or default_batch_tokens(device),
        shard_rows=shard_rows,
        padding_side=padding_side,
        random_text=random_text,
        encoded=encoded,
        prefix=encoded.input_ids[0][: shared_prefix(encoded)] if share_prefix else [],  # the prefix is global
    )
    if store.is_complete(run.folder, run.fingerprint):
        if run.main:
            echo(f"already complete: {run.folder}")
        return run.folder

    ranges, pending = _plan_shards(run)
    extractor = ActivationExtractor(loaded.model, run.layers, run.prefix, out_dtype=torch.float16)  # what is stored
    if run.main:
        store.start_folder(run.folder)
    state.wait_for_everyone()
    if estimate:
        _print_estimate(run, extractor, ranges, pending, echo)
    _extract_shards(run, extractor, ranges, pending, progress=progress, on_batch=on_batch)
    state.wait_for_everyone()
    if run.main:
        _merge(run, extractor, ranges)
    state.wait_for_everyone()
    return run.folder


def _check_inputs(rows: EntityRows, prompt: Prompt) -> None:
    """Refuse a run with no rows, or whose prompt reads a column the rows lack."""
    if not len(rows):
        raise ValueError(f"{rows.dataset}: no rows to extract")
    missing = [c for c in required_columns(prompt) if c not in rows.frame.columns]
    if missing:
        raise ValueError(f"{rows.dataset}: prompt {prompt.name!r} needs column(s) {missing}")


def _plan_shards(run: _Run) -> tuple[list[tuple[int, int]], list[int]]:
    """Every shard's row range, and the indexes of this process's shards not yet on disk."""
    ranges = store.shard_ranges(len(run.rows), run.shard_rows)
    mine = store.split_for_rank(len(ranges), run.state.process_index, run.state.num_processes)
    return ranges, [i for i in mine if not store.shard_done(run.folder, run.fingerprint, i, *ranges[i])]


def _print_estimate(
    run: _Run,
    extractor: ActivationExtractor,
    ranges: list[tuple[int, int]],
    pending: list[int],
    echo: Callable[[str], None],
) -> None:
    """What the run will write and, timed on a warm-up batch, how long it will take."""
    plan = RunPlan(
        len(run.rows),
        extractor.layers,
        run.loaded.info["hidden_size"],
        len(pending),
        len(ranges),
        sum(_padded_tokens(run.encoded, list(range(*ranges[i])), run.batch_tokens) for i in pending),
    )
    if run.main:
        echo(_describe(plan, run.loaded, run.rows, run.prompt, run.folder, run.state.num_processes))
    if not pending:
        return
    pad_id = pad_token_id(run.loaded.tokenizer)
    first = list(range(*ranges[pending[0]]))
    seconds = _warmup_seconds(extractor, run.encoded, first, run.batch_tokens, pad_id, run.padding_side)
    if run.main:
        echo(
            f"estimated time: {_duration(seconds * plan.pending_tokens)} "
            f"({plan.pending_tokens:,} padded tokens at {1 / max(seconds, 1e-12):,.0f} tokens/s, "
            "from a warm-up batch)"
        )


def _extract_shards(
    run: _Run,
    extractor: ActivationExtractor,
    ranges: list[tuple[int, int]],
    pending: list[int],
    *,
    progress: bool,
    on_batch: Callable[[int], None] | None,
) -> None:
    """Run the model over the pending shards' rows, writing each shard once it is done."""
    import torch

    from spacetime.progress import progress_bar

    hidden = run.loaded.info["hidden_size"]
    pad_id = pad_token_id(run.loaded.tokenizer)
    done = 0
    bar = progress_bar(
        enabled=progress and run.main,
        total=sum(stop - start for start, stop in (ranges[i] for i in pending)),
        unit="row",
        desc=f"{run.rows.dataset}/{run.prompt.name}",
    )
    for index in pending:
        start, stop = ranges[index]
        buffers = {layer: torch.empty((stop - start, hidden), dtype=torch.float16) for layer in extractor.layers}
        for chosen, acts in iter_activations(
            extractor, run.encoded, list(range(start, stop)), run.batch_tokens, pad_id, run.padding_side
        ):
            where = torch.tensor(chosen) - start
            for layer, values in acts.items():
                buffers[layer][where] = values.to(torch.float16)
            done += 1
            bar.update(len(chosen))
            if on_batch:
                on_batch(done)
        store.write_shard(run.folder, run.fingerprint, index, start, stop, buffers)
    bar.close()


def _merge(run: _Run, extractor: ActivationExtractor, ranges: list[tuple[int, int]]) -> None:
    """Merge the shards into the layer files and finish the folder with its manifest (the main process's job)."""
    manifest = _manifest(run, extractor)
    manifest["extraction"]["whitespace_normalised_rows"] = run.encoded.whitespace_normalised
    hidden = run.loaded.info["hidden_size"]
    nonfinite = store.merge_shards(run.folder, run.fingerprint, ranges, extractor.layers, hidden, manifest)
    manifest["nonfinite_values"] = nonfinite
    store.finish_folder(run.folder, run.fingerprint, run.rows.entity_ids, extractor.layers, manifest)
    if any(nonfinite.values()):
        log.warning("float16 overflow: non-finite values per layer %s", nonfinite)


def dataset_rows(
    dataset: str, prompt: Prompt, out: Layout, data: str | None = None, data_revision: str | None = None
) -> EntityRows:
    """The rows ``prompt`` reads from ``data`` (default: the release under ``out``, else the build); checked."""
    rows = read_entities(dataset, data or out.data_source(dataset), required_columns(prompt), data_revision)
    if not len(rows):
        raise ValueError(f"{dataset}: the dataset has no rows")
    return rows


def extract_dataset(
    loaded: LoadedModel,
    rows: EntityRows,
    prompt: Prompt,
    out: Layout,
    layers: Sequence[int] | None = None,
    **options: Any,
) -> Path:
    """Activations of ``loaded`` on ``rows`` into ``out.activations/<model>/<dataset>/<prompt>/``; returns that
    folder. ``layers`` defaults to every block; ``options`` go to :func:`extract_to_folder`."""
    selected = list(range(loaded.info["num_layers"])) if layers is None else list(layers)
    return extract_to_folder(loaded, rows, prompt, selected, out.activations, **options)


def _warmup_seconds(
    extractor: ActivationExtractor, encoded: Encoded, rows: list[int], batch_tokens: int, pad_id: int, padding_side: str
) -> float:
    """Seconds per padded token, from one full batch (the first of the first pending shard); its output is dropped."""
    from .forward import collate

    skip = len(extractor.prefix)
    lengths = [len(encoded.input_ids[i]) for i in rows]
    first = [rows[j] for j in plan_batches(lengths, batch_tokens)[0]]
    batch = collate(encoded, first, pad_id, padding_side, skip)
    extractor(batch)  # the first call pays one-off costs (allocator, kernels)
    started = time.perf_counter()
    extractor(batch)
    rows_in_batch, width = batch.input_ids.shape
    return (time.perf_counter() - started) / (rows_in_batch * (width + skip))  # per planned (padded) token


def _describe(plan: RunPlan, loaded: LoadedModel, rows: EntityRows, prompt: Prompt, folder: Path, world: int) -> str:
    layers = plan.layers
    shown = ",".join(map(str, layers)) if len(layers) <= 12 else f"{layers[0]}..{layers[-1]} ({len(layers)} layers)"
    per_layer = plan.rows * plan.hidden * 2
    return (
        f"{loaded.info['model']} ({loaded.info['model_dtype']}{', random init' if loaded.info['random_init'] else ''})"
        f" on {rows.dataset} ({plan.rows:,} rows), prompt {prompt.name!r}, layers {shown}\n"
        f"disk: {len(layers)} x {plan.rows:,} rows x {plan.hidden} x 2 B = {human_size(plan.disk_bytes)} "
        f"({human_size(per_layer)} per layer; shards hold as much again until merged)\n"
        f"shards: {plan.pending_shards} of {plan.total_shards} to do in this process ({world} process(es))"
        f" -> {folder}"
    )


def _manifest(run: _Run, extractor: ActivationExtractor) -> dict[str, Any]:
    """The folder's manifest.json, before the merge adds what it finds (see :func:`_merge`)."""
    loaded, rows, prompt = run.loaded, run.rows, run.prompt
    info = loaded.info
    return {
        "package_version": __version__,
        "model": info["model"],
        "model_slug": loaded.slug,
        "model_revision": info["model_revision"],
        "model_dtype": info["model_dtype"],
        "model_source": info.get("model_source"),
        "random_init": info["random_init"],
        "seed": info["seed"],
        "tokenizer": info["tokenizer"],
        "tokenizer_class": info.get("tokenizer_class"),
        "num_model_layers": info["num_layers"],
        "hidden_size": info["hidden_size"],
        "dataset": rows.dataset,
        "dataset_path": rows.source.get("path"),
        "dataset_repo": rows.source.get("repo"),
        "dataset_revision": rows.source.get("revision"),
        "dataset_file_sha256": rows.source.get("file_sha256"),
        "dataset_rows_sha256": rows.source.get("rows_sha256"),
        "entity_ids_sha256": store.entity_ids_sha256(rows.entity_ids),
        "prompt": prompt.name,
        "prompt_text": run.prompt_text,
        "random_prefix": run.random_text,
        "read_position": "final period" if prompt.read_suffix else "last token of the entity",
        "activation": "residual stream after each decoder block (block output; no final norm)",
        "layers": extractor.layers,
        "rows": len(rows),
        "storage": {
            "dtype": "float16",
            "tensor": store.TENSOR,
            "shape": [len(rows), info["hidden_size"]],
            "layer_file": "layer_{layer:03d}.safetensors",
        },
        "hook_point": store.HOOK_POINT,
        "nonfinite_values": {},  # filled in once the layer files are merged
        "extraction": {
            "batch_tokens": run.batch_tokens,
            "shard_rows": run.shard_rows,
            "padding_side": run.padding_side,
            "cached_prefix_tokens": len(extractor.prefix),
            "prefix_cache_skipped": extractor.prefix_cache_skipped,
        },
    }


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
