"""Read an activation release back, from its folder or its Hub repo, aligned with the entity dataset.

``load_activation_layer`` returns one layer as a float32 matrix in the entity dataset's row order, after checking
the layer's files against ``activations.json`` (sha256) and, when the entity data is given, the data revision and
the row order. ``materialise_folder`` writes one (dataset, prompt) of a release as a regular activation folder
(probing/extraction/store.py's format), which ``spacetime probe --activations`` reads unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.probing.extraction import store

from .release import CARD, METADATA, SPLITS, ActivationReleaseError, config_dir, read_release, verify_release

REPO_TYPE = "dataset"


@dataclass
class ReleasedLayer:
    """One layer of a release: ``values[i]`` is the activation of ``entity_ids[i]``, in the entity dataset's order."""

    values: np.ndarray  # [rows, hidden], float32 unless another dtype was asked for
    entity_ids: list[str]
    split: np.ndarray  # "train" | "test" per row
    layer: int
    config: str
    entry: dict[str, Any]  # the (dataset, prompt)'s entry in activations.json
    folder: Path  # the release folder (a snapshot of the Hub repo's files for a repo id)


def release_folder(source: str | Path, revision: str | None = None, patterns: tuple[str, ...] = ()) -> Path:
    """A local folder holding the release's metadata (and ``patterns``): ``source`` itself, or a snapshot of those
    files of the Hub repo ``source`` at ``revision``."""
    if Path(source).is_dir():
        return Path(source)
    if Path(source).exists() or str(source).startswith((".", "/")) or str(source).count("/") != 1:
        raise ActivationReleaseError(f"{source}: neither a release folder nor a Hub repo id (ORG/NAME)")
    from huggingface_hub import snapshot_download

    path = snapshot_download(
        str(source), repo_type=REPO_TYPE, revision=revision, allow_patterns=[METADATA, CARD, *patterns]
    )
    return Path(path)


def find_entry(release: dict[str, Any], dataset: str, prompt: str | None, where: Path) -> dict[str, Any]:
    entries = [e for e in release["datasets"] if e["dataset"] == dataset and prompt in (None, e["prompt"])]
    if not entries:
        held = sorted(f"{e['dataset']}/{e['prompt']}" for e in release["datasets"])
        raise ActivationReleaseError(f"{where}: no activations of {dataset}/{prompt or '*'} (it holds {held})")
    if len(entries) > 1:
        prompts = [e["prompt"] for e in entries]
        raise ActivationReleaseError(f"{where}: {dataset} has several prompts {prompts}; name one")
    return entries[0]


def load_activation_layer(
    source: str | Path,
    dataset: str,
    layer: int,
    prompt: str | None = None,
    revision: str | None = None,
    data: str | Path | None = None,
    data_revision: str | None = None,
    split: str | None = None,
    dtype: Any = np.float32,
) -> ReleasedLayer:
    """Layer ``layer`` of ``dataset`` (and ``prompt``, needed when the release has several) from a release folder or
    Hub repo, as float32 (``dtype``; None: as stored) in the entity dataset's row order (``split``: only that
    split's rows).

    With ``data`` (an entity release folder or Hub repo, as ``--data`` takes), refuses activations made against
    another data revision or rows in another order than that data's."""
    folder = release_folder(source, revision)
    entry = find_entry(read_release(folder), dataset, prompt, folder / METADATA)
    if layer not in entry["layers"]:
        raise ActivationReleaseError(f"{folder / METADATA}: {dataset} has no layer {layer} (layers {entry['layers']})")
    directory = config_dir(entry["dataset"], entry["prompt"], layer)
    if folder != Path(source):  # a Hub snapshot (snapshots/<commit>/): fetch this layer's files at that commit
        folder = release_folder(source, folder.name, (f"{directory}/*",))
    release = read_release(folder)
    paths = sorted(p for p in release["files"] if p.startswith(f"{directory}/"))
    if not paths:
        raise ActivationReleaseError(f"{folder / directory}: no files listed for layer {layer} in {METADATA}")
    verify_release(folder, paths)
    ids, splits, values = _read_config(folder, paths)
    where = folder / directory
    if store.entity_ids_sha256(ids) != entry["entity_ids_sha256"]:
        raise ActivationReleaseError(f"{where}: rows are not in the order {METADATA} records (row-order hash differs)")
    if data is not None:
        check_against_data(entry, ids, data, data_revision, where)
    if split is not None:
        keep = splits == split
        ids, splits, values = [e for e, k in zip(ids, keep) if k], splits[keep], values[keep]
    values = values if dtype is None else values.astype(dtype, copy=False)
    return ReleasedLayer(values, ids, splits, layer, entry["configs"][str(layer)], entry, folder)


def _read_config(folder: Path, paths: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One config's files read with pyarrow: ids, splits and values (storage dtype), train rows then test rows, each
    split's shards in order. The files are those ``activations.json`` lists and the caller verified, not the card's
    globs, which would also pick up a stray shard; nothing is copied into a cache."""
    import pyarrow.parquet as pq

    ids: list[str] = []
    splits, values = [], []
    for name in SPLITS:
        for path in sorted(p for p in paths if Path(p).name.startswith(f"{name}-")):
            table = pq.read_table(folder / path, columns=["entity_id", "split", "activation"])
            ids += table.column("entity_id").to_pylist()
            splits.append(np.asarray(table.column("split").to_pylist(), dtype=object))
            column = table.column("activation").combine_chunks()
            values.append(column.flatten().to_numpy(zero_copy_only=False).reshape(len(table), column.type.list_size))
    return ids, np.concatenate(splits).astype(str), np.concatenate(values)


def check_against_data(
    entry: dict[str, Any], ids: list[str], data: str | Path, data_revision: str | None, where: Path
) -> None:
    from spacetime.loaders.identity import dataset_identity
    from spacetime.loaders.load import probing_data

    identity = dataset_identity(data, revision=data_revision)
    if identity["dataset_revision"] != entry["dataset_revision"]:
        raise ActivationReleaseError(
            f"{where}: made against {entry['dataset']} revision {entry['dataset_revision']!r}, but {data} is "
            f"{identity['dataset_revision']!r}; load the matching entity data"
        )
    if ids != list(probing_data(data, entry["dataset"], revision=data_revision).entity_ids):
        raise ActivationReleaseError(f"{where}: rows are not {data}'s {entry['dataset']} entities in its order")


def materialise_folder(
    source: str | Path,
    dataset: str,
    out: Path,
    prompt: str | None = None,
    layers: list[int] | None = None,
    revision: str | None = None,
    data: str | Path | None = None,
    data_revision: str | None = None,
) -> Path:
    """Write one (dataset, prompt) of a release as an activation folder in the store's format (layer safetensors,
    ``entity_ids.json``, ``manifest.json`` with the fields the extractor wrote), one layer at a time; returns it."""
    import torch

    folder = release_folder(source, revision)
    entry = find_entry(read_release(folder), dataset, prompt, folder / METADATA)
    layers = sorted(layers if layers is not None else entry["layers"])
    missing = sorted(set(layers) - set(entry["layers"]))
    if missing:
        raise ActivationReleaseError(f"{folder / METADATA}: {dataset} has no layers {missing}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    store.start_folder(out)
    manifest = {
        **entry["source_manifest"],
        "dataset_repo": entry["dataset_repo"],
        "dataset_revision": entry["dataset_revision"],
        "layers": layers,
        "rows": entry["rows"],
        "hidden_size": entry["hidden_size"],
        "entity_ids_sha256": entry["entity_ids_sha256"],
        "release": {"source": str(source), "revision": revision},
    }
    ids: list[str] | None = None
    for layer in layers:
        # The data is checked once: every layer's rows are then held to the same recorded row-order hash.
        checked = data if layer == layers[0] else None
        part = load_activation_layer(
            source, dataset, layer, entry["prompt"], revision, checked, data_revision, dtype=None
        )
        ids = part.entity_ids
        tensor = torch.from_numpy(part.values.astype(np.float16, copy=False))
        store.save_tensors_atomic(
            out / store.layer_file(layer), {store.TENSOR: tensor}, store.layer_metadata(manifest, layer)
        )
    fingerprint = hashlib.sha256(f"{source}\0{revision}\0{entry['entity_ids_sha256']}\0{layers}".encode()).hexdigest()
    return store.finish_folder(out, fingerprint, ids or [], layers, manifest)


def is_activation_folder(path: str | Path) -> bool:
    """A folder in the store's format (``spacetime activations`` writes them; :func:`materialise_folder` too)."""
    return (Path(path) / store.MANIFEST).is_file()


def is_activation_release(path: str | Path) -> bool:
    """A local folder written by ``spacetime package-activations``."""
    return (Path(path) / METADATA).is_file()


def release_folders(
    source: str | Path,
    out_root: Path,
    revision: str | None = None,
    data: str | Path | None = None,
    data_revision: str | None = None,
) -> list[Path]:
    """Every dataset of an activation release (a folder or a Hub repo id) as a store-format folder under
    ``out_root/<dataset>/<prompt>``: the dataset's only prompt in the release, or its default prompt when it holds
    several. Each is checked against ``data`` (revision and row order) when given."""
    from spacetime.pipelines.registry import spec

    folder = release_folder(source, revision)
    release = read_release(folder)
    pinned = folder.name if folder != Path(source) else revision  # a Hub snapshot's folder is named by its commit
    out = []
    for dataset in sorted({e["dataset"] for e in release["datasets"]}):
        prompts = [e["prompt"] for e in release["datasets"] if e["dataset"] == dataset]
        prompt = prompts[0] if len(prompts) == 1 else spec(dataset).default_prompt
        target = Path(out_root) / dataset / prompt
        out.append(materialise_folder(source, dataset, target, prompt, None, pinned, data, data_revision))
    return out
