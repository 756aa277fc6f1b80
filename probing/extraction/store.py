"""On-disk activation folders: one safetensors file per layer, the entity ids, and a manifest.

Layout of ``<root>/<model>/<dataset>/<prompt>/``::

    layer_000.safetensors   tensor "activations", float16 [rows, hidden]: block 0's output at each row's read token
    layer_004.safetensors   ... one file per selected layer
    entity_ids.json         the dataset's entity_id column, in the dataset's order (row i of every layer file)
    manifest.json           model, dataset, prompt, layers, rows, sha256 of every file; written last

Why safetensors per layer: reading one layer maps one file (``safe_open``) and touches no other layer's bytes; the
format is a JSON header plus raw little-endian data, so it is safe to load (no pickle) and byte-deterministic. For
``datasets`` users, :func:`as_dataset` wraps one layer and the ids in a ``datasets.Dataset`` (Arrow, zero extra files).

Each layer file describes itself in its safetensors metadata (:data:`LAYER_KEYS`): model and revision, layer and its
TransformerLens hook point (``blocks.{layer}.hook_resid_post``), dataset and revision, prompt, and the sha256 of the
entity ids in row order, so :func:`check_layer` can match one file against a dataset without the manifest.
:func:`export_parquet` writes one layer as Parquet (``entity_id`` + a fixed-size list column) for ``datasets`` users.

While a run is in progress, finished work sits in ``.shards-<fingerprint>/shard-NNNNN.safetensors`` (all selected
layers of a contiguous block of rows); every shard and every final file is written to a temp file and moved into
place with ``os.replace``, so a killed run leaves whole files only and resumes at the first missing shard.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from spacetime.common import file_sha256, write_atomic

FORMAT = "llm-spacetime-activations/1"
TENSOR = "activations"
MANIFEST = "manifest.json"
ENTITY_IDS = "entity_ids.json"
HOOK_POINT = "blocks.{layer}.hook_resid_post"
PARQUET_DIR = "parquet"  # optional per-layer Parquet exports (spacetime activations --export-parquet)


# The safetensors metadata of every layer file (all values are strings, as safetensors requires).
LAYER_KEYS = (
    "format",
    "model",
    "model_revision",
    "random_init",
    "layer",
    "hook_point",
    "dataset",
    "dataset_revision",
    "prompt",
    "rows",
    "entity_ids_sha256",
)


def activation_folder(root: Path, model_slug: str, dataset: str, prompt: str) -> Path:
    return Path(root) / model_slug / dataset / prompt


def hook_point(layer: int) -> str:
    """TransformerLens' name for the residual stream after block ``layer``: what a layer file holds."""
    return HOOK_POINT.format(layer=layer)


def entity_ids_sha256(entity_ids: Sequence[str]) -> str:
    """sha256 of the entity ids in row order (one per line, UTF-8): changes with any id or any reordering."""
    h = hashlib.sha256()
    for entity_id in entity_ids:
        h.update(entity_id.encode("utf-8") + b"\n")
    return h.hexdigest()


def layer_metadata(run: dict[str, Any], layer: int) -> dict[str, str]:
    """The metadata of one layer file, from the run's description (``model``, ``model_revision``, ``random_init``,
    ``dataset``, ``dataset_revision``, ``prompt``, ``rows``, ``entity_ids_sha256``)."""
    meta = {
        "format": FORMAT,
        **{k: run.get(k) for k in LAYER_KEYS[1:]},
        "layer": layer,
        "hook_point": hook_point(layer),
    }
    return {k: _metadata_text(meta[k]) for k in LAYER_KEYS}


def _metadata_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def layer_file(layer: int) -> str:
    return f"layer_{layer:03d}.safetensors"


def save_tensors_atomic(path: Path, tensors: dict[str, Any], metadata: dict[str, str] | None = None) -> None:
    """``safetensors.torch.save_file`` into a temp file beside ``path``, then ``os.replace``."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file({k: v.contiguous() for k, v in tensors.items()}, tmp, metadata=metadata)
        with open(tmp, "rb+") as fh:
            _sort_header(fh)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sort_header(fh: Any) -> None:
    """Rewrite a safetensors file's JSON header in place with sorted keys: safetensors writes the metadata in hash
    order, which changes between runs, and the files must be byte-deterministic. Same length (the format pads the
    header with spaces), so the tensor data does not move."""
    size = int.from_bytes(fh.read(8), "little")
    header = json.loads(fh.read(size))
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(text) > size:  # cannot happen for the header safetensors wrote; guard against a format change
        raise ValueError(f"safetensors header grew from {size} to {len(text)} bytes when sorted")
    fh.seek(8)
    fh.write(text + b" " * (size - len(text)))


# --- shards (work in progress) -------------------------------------------------------------------------------------


def shard_dir(folder: Path, fingerprint: str) -> Path:
    return Path(folder) / f".shards-{fingerprint[:16]}"


def shard_path(folder: Path, fingerprint: str, index: int) -> Path:
    return shard_dir(folder, fingerprint) / f"shard-{index:05d}.safetensors"


def shard_ranges(rows: int, shard_rows: int) -> list[tuple[int, int]]:
    """Contiguous ``[start, stop)`` row blocks of ``shard_rows`` rows (the last may be shorter)."""
    if shard_rows < 1:
        raise ValueError("shard_rows must be positive")
    return [(start, min(start + shard_rows, rows)) for start in range(0, rows, shard_rows)]


def split_for_rank(n_items: int, rank: int, world: int) -> range:
    """The ``rank``-th of ``world`` contiguous, disjoint, near-equal slices of ``range(n_items)``."""
    base, extra = divmod(n_items, world)
    start = rank * base + min(rank, extra)
    return range(start, start + base + (1 if rank < extra else 0))


def write_shard(folder: Path, fingerprint: str, index: int, start: int, stop: int, layers: dict[int, Any]) -> Path:
    path = shard_path(folder, fingerprint, index)
    meta = {"fingerprint": fingerprint, "start": str(start), "stop": str(stop)}
    save_tensors_atomic(path, {f"layer.{layer}": values for layer, values in layers.items()}, meta)
    return path


def shard_done(folder: Path, fingerprint: str, index: int, start: int, stop: int) -> bool:
    """True when the shard file exists and says it holds exactly these rows of this run."""
    from safetensors import safe_open

    path = shard_path(folder, fingerprint, index)
    if not path.is_file():
        return False
    try:
        with safe_open(path, framework="pt") as fh:
            meta = fh.metadata() or {}
    except Exception:  # a damaged file is redone, not trusted
        return False
    return meta.get("fingerprint") == fingerprint and meta.get("start") == str(start) and meta.get("stop") == str(stop)


def merge_shards(
    folder: Path,
    fingerprint: str,
    ranges: Sequence[tuple[int, int]],
    layers: Sequence[int],
    hidden: int,
    run: dict[str, Any],
) -> dict[str, int]:
    """One float16 file per layer from the shards (one layer in memory at a time), each with its metadata
    (:func:`layer_metadata` of ``run``); returns non-finite counts."""
    import torch
    from safetensors import safe_open

    rows = ranges[-1][1] if ranges else 0
    nonfinite = {}
    for layer in layers:
        out = torch.empty((rows, hidden), dtype=torch.float16)
        for index, (start, stop) in enumerate(ranges):
            with safe_open(shard_path(folder, fingerprint, index), framework="pt") as fh:
                out[start:stop] = fh.get_tensor(f"layer.{layer}")
        nonfinite[str(layer)] = int((~torch.isfinite(out)).sum())
        save_tensors_atomic(Path(folder) / layer_file(layer), {TENSOR: out}, layer_metadata(run, layer))
    return nonfinite


def finish_folder(
    folder: Path, fingerprint: str, entity_ids: Sequence[str], layers: Sequence[int], manifest: dict[str, Any]
) -> Path:
    """Write ``entity_ids.json`` and the manifest (with checksums), drop stale layer files and the shards."""
    folder = Path(folder)
    write_atomic(folder / ENTITY_IDS, (json.dumps(list(entity_ids), ensure_ascii=False) + "\n").encode("utf-8"))
    names = [layer_file(layer) for layer in layers] + [ENTITY_IDS]
    for stale in folder.glob("layer_*.safetensors"):
        if stale.name not in names:
            stale.unlink()
    manifest = {
        **manifest,
        "format": FORMAT,
        "fingerprint": fingerprint,
        "files": {name: file_sha256(folder / name) for name in names},
    }
    write_atomic(folder / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    shutil.rmtree(shard_dir(folder, fingerprint), ignore_errors=True)
    return folder


def one_layer_folder(
    folder: Path,
    fingerprint: str,
    rows: Any,
    layer: int,
    compute: Callable[[], Any],
    manifest: dict[str, Any],
) -> Path:
    """A baseline's activation folder (the static embeddings, the lexical floor): one "layer" of ``compute()``'s
    ``[rows, width]`` vectors, stored in float16, and the manifest with the dataset's identity taken from ``rows``
    (``extraction.entities.EntityRows``). Kept as it is when a run with the same fingerprint completed it."""
    import torch

    from spacetime import __version__

    if is_complete(folder, fingerprint):
        return folder
    start_folder(folder)
    vectors = compute()
    save_tensors_atomic(Path(folder) / layer_file(layer), {TENSOR: torch.from_numpy(vectors).to(torch.float16)})
    manifest = {
        "package_version": __version__,
        **manifest,
        "random_init": False,
        "seed": None,
        "hidden_size": int(vectors.shape[1]),
        "dataset": rows.dataset,
        "dataset_repo": rows.source.get("repo"),
        "dataset_revision": rows.source.get("revision"),
        "dataset_rows_sha256": rows.source.get("rows_sha256"),
        "layers": [layer],
        "rows": len(rows),
    }
    return finish_folder(folder, fingerprint, rows.entity_ids, [layer], manifest)


def is_complete(folder: Path, fingerprint: str) -> bool:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return False
    return json.loads(path.read_text("utf-8")).get("fingerprint") == fingerprint


def start_folder(folder: Path) -> None:
    """Before a run writes into ``folder``: a manifest from another run must not vouch for files being replaced, nor
    stale Parquet exports sit beside them."""
    (Path(folder) / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(Path(folder) / PARQUET_DIR, ignore_errors=True)


# --- reading -------------------------------------------------------------------------------------------------------


def load_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder}: no {MANIFEST} (the run did not finish, or this is not an activation folder)"
        )
    return json.loads(path.read_text("utf-8"))


def load_entity_ids(folder: Path) -> list[str]:
    return json.loads((Path(folder) / ENTITY_IDS).read_text("utf-8"))


def load_layer(folder: Path, layer: int, as_: str = "numpy") -> Any:
    """One layer, float16 ``[rows, hidden]``, as a numpy array or a torch tensor; other layers are not read."""
    from safetensors import safe_open

    frameworks = {"numpy": "np", "torch": "pt"}
    if as_ not in frameworks:
        raise ValueError(f"as_ must be 'numpy' or 'torch', not {as_!r}")
    path = Path(folder) / layer_file(layer)
    if not path.is_file():
        layers = load_manifest(folder).get("layers") if (Path(folder) / MANIFEST).is_file() else None
        raise FileNotFoundError(f"{folder}: no layer {layer} (stored layers: {layers})")
    with safe_open(path, framework=frameworks[as_]) as fh:
        return fh.get_tensor(TENSOR)


def read_layer_metadata(path: Path) -> dict[str, str]:
    """The safetensors metadata of one layer file (see :data:`LAYER_KEYS`)."""
    from safetensors import safe_open

    with safe_open(Path(path), framework="np") as fh:
        return dict(fh.metadata() or {})


def check_layer(
    path: Path, entity_ids: Sequence[str], dataset: str | None = None, dataset_revision: str | None = None
) -> dict[str, str]:
    """Check one layer file against a dataset, from the file alone: its rows must be ``entity_ids`` in this order
    (and, when given, of ``dataset`` at ``dataset_revision``). Returns the metadata; raises ValueError naming the
    first disagreement."""
    meta = read_layer_metadata(path)
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a self-describing layer file (format {meta.get('format')!r}, want {FORMAT!r})")
    expected = {"dataset": dataset, "dataset_revision": dataset_revision, "rows": str(len(entity_ids))}
    for key, value in expected.items():
        if value is not None and meta.get(key) != value:
            raise ValueError(f"{path}: {key} is {meta.get(key)!r}, the dataset's is {value!r}")
    if meta.get("entity_ids_sha256") != entity_ids_sha256(entity_ids):
        raise ValueError(
            f"{path}: rows are not the dataset's entity ids in the dataset's order (entity_ids_sha256 differs)"
        )
    return meta


def stored_layers(folder: Path) -> list[int]:
    return list(load_manifest(folder)["layers"])


def verify_folder(folder: Path, files: Iterable[str] | None = None) -> None:
    """Check the files against the manifest's sha256s; raise ValueError naming the first mismatch."""
    manifest = load_manifest(folder)
    for name, expected in manifest["files"].items():
        if files is not None and name not in files:
            continue
        actual = file_sha256(Path(folder) / name)
        if actual != expected:
            raise ValueError(f"{folder}/{name}: sha256 {actual} does not match the manifest's {expected}")


def layer_table(folder: Path, layer: int, dtype: str = "float16") -> Any:
    """One layer as an Arrow table: ``entity_id`` (string) and ``activation`` (fixed-size list of ``dtype``), in
    row order, with the layer file's metadata in the schema."""
    import numpy as np
    import pyarrow as pa

    if dtype not in ("float16", "float32"):
        raise ValueError(f"dtype must be 'float16' or 'float32', not {dtype!r}")
    values = np.ascontiguousarray(load_layer(folder, layer, as_="numpy"), dtype=dtype)
    flat = pa.array(values.reshape(-1), type=pa.float16() if dtype == "float16" else pa.float32())
    table = pa.table(
        {
            "entity_id": pa.array(load_entity_ids(folder), type=pa.string()),
            "activation": pa.FixedSizeListArray.from_arrays(flat, values.shape[1]),
        }
    )
    meta = read_layer_metadata(Path(folder) / layer_file(layer))
    return table.replace_schema_metadata({f"spacetime.{k}": v for k, v in meta.items()})


def export_parquet(folder: Path, layer: int, path: Path | None = None, dtype: str = "float16") -> Path:
    """Write one layer as a Parquet file that ``datasets.load_dataset("parquet", data_files=path)`` reads back
    row-aligned with the dataset (columns ``entity_id``, ``activation``) [default path:
    ``<folder>/parquet/layer_NNN.parquet``]; returns the path."""
    import pyarrow.parquet as pq

    path = Path(path) if path else Path(folder) / PARQUET_DIR / f"{Path(layer_file(layer)).stem}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(layer_table(folder, layer, dtype), tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def as_dataset(folder: Path, layer: int) -> Any:
    """One layer as a ``datasets.Dataset`` with columns ``entity_id`` and ``activation`` (float16, fixed length)."""
    import datasets

    table = layer_table(folder, layer)
    hidden = table.schema.field("activation").type.list_size
    features = datasets.Features(
        {
            "entity_id": datasets.Value("string"),
            "activation": datasets.List(datasets.Value("float16"), length=hidden),
        }
    )
    return datasets.Dataset(
        datasets.table.InMemoryTable(table.cast(features.arrow_schema)),
        info=datasets.DatasetInfo(features=features, description=f"layer {layer} activations from {folder}"),
    )


def align_rows(activation_ids: Sequence[str], dataset_ids: Sequence[str], where: str = "") -> Any:
    """For each dataset id, its row in the activation folder; raises naming missing and extra ids."""
    position = {e: i for i, e in enumerate(activation_ids)}
    if len(position) != len(activation_ids):
        raise ValueError(f"{where}: the activation folder repeats entity ids")
    missing = [e for e in dataset_ids if e not in position]
    wanted = set(dataset_ids)
    extra = [e for e in activation_ids if e not in wanted]
    if missing or extra:
        raise ValueError(
            f"{where}: activations and dataset disagree: {len(missing)} dataset entities have no "
            f"activations (e.g. {missing[:3]}), {len(extra)} activation rows are not in the dataset "
            f"(e.g. {extra[:3]}); extract activations from the same dataset revision"
        )
    import numpy as np

    return np.array([position[e] for e in dataset_ids], dtype=np.int64)
