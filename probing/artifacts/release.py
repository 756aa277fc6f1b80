"""Package every activation folder of one model as a Hub dataset folder: `spacetime package-activations`.

Layout of ``OUT/activation-releases/<model_slug>/``::

    README.md                                            the card (card.py): YAML ``configs:``, provenance, terms
    activations.json                                     release metadata and every other file's sha256; written last
    plots/<dataset>_r2_by_layer.png                      only when a probe results.json was given
    data/<dataset>/<prompt>/layer_012/train-00000-of-00001.parquet
    data/<dataset>/<prompt>/layer_012/test-00000-of-00001.parquet

Each Parquet file holds ``entity_id``, ``split``, the dataset's target columns (float64, dates as decimal years, as
``loaders.load.probing_data`` gives them) and ``activation``, a fixed-size list of float16 (the storage dtype is a
parameter). Rows are in the entity dataset's order (train rows, then test rows, each in file order), whatever order
the activation folder stored them in; a layer bigger than ``max_shard_bytes`` is split into several files.

Config naming: one config per (dataset, prompt, layer), ``<dataset>--<prompt>--layer_012``, each with the entity
dataset's ``train`` and ``test`` splits. Why:

- ``datasets.load_dataset(repo, config, split=...)`` downloads and prepares every split of the config it is asked
  for, so a config must be the unit a user wants: one layer. Layers as splits of a (dataset, prompt) config would
  fetch all 80 layers of a Llama-2-70B run to read one.
- The Hub's dataset viewer expects at most three splits per config (train/validation/test) and has broken on repos
  with more (datasets issue 7155: 32 splits), so layers cannot be splits either way.
- The viewer handles at most 3,000 configs per repo (dataset-viewer issue 1367, ``DatasetWithTooManyConfigsError``):
  80 layers x 6 datasets x 6 prompts is 2,880. Above that, ``datasets`` still loads every config; only the viewer
  stops (a warning is logged).
- ``--`` never occurs in dataset or prompt names (checked), so a config name splits back into its parts, and each
  config's files sit in a folder of their own, so its ``data_files`` glob matches nothing else.

Atomicity: everything is written into a hidden temp folder beside the release and swapped in with two renames at
the end (``spacetime.common.swapped_folder``), so an interrupted run leaves the previous release (or, if killed
between the renames, the previous release under ``.<slug>.old``, which the next run puts back; it also removes temp
folders of dead runs, so run one packager per model at a time). Only one layer is in memory at a time.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacetime.common import file_sha256, swapped_folder, write_atomic
from spacetime.errors import SpacetimeError
from spacetime.pipelines.spec import SPLITS
from spacetime.probing.extraction import store

log = logging.getLogger(__name__)

FORMAT = "llm-spacetime-activation-release/1"
METADATA = "activations.json"
CARD = "README.md"
DATA_DIR = "data"
PLOTS_DIR = "plots"
STORAGE_DTYPES = ("float16", "float32")
DEFAULT_MAX_SHARD_BYTES = 500 * 1000**2  # what datasets' push_to_hub uses
ROW_GROUP_BYTES = 64 * 1000**2  # row groups small enough for the viewer to read the first rows
# zstd at level 1 keeps SmolLM2's float16 activations in 93% of their bytes (snappy: 101%), at 80% of the speed of
# writing them uncompressed.
COMPRESSION, COMPRESSION_LEVEL = "zstd", 1
TEXT_COLUMNS = ["entity_id", "split"]
VIEWER_MAX_CONFIGS = 3000
NAME = re.compile(r"^[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*$")  # a path segment with no "--", "/" or leading dot
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # model slugs hold "--" (org--name)


class ActivationReleaseError(SpacetimeError):
    """An activation folder, a release or a file in one cannot be used; the message names the file."""


def config_name(dataset: str, prompt: str, layer: int) -> str:
    return f"{dataset}--{prompt}--layer_{layer:03d}"


def config_dir(dataset: str, prompt: str, layer: int) -> str:
    return f"{DATA_DIR}/{dataset}/{prompt}/layer_{layer:03d}"


def shard_name(split: str, index: int, count: int) -> str:
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


@dataclass
class Source:
    """One activation folder (``<root>/<model>/<dataset>/<prompt>/``), checked against its manifest."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def dataset(self) -> str:
        return self.manifest["dataset"]

    @property
    def prompt(self) -> str:
        return self.manifest["prompt"]

    @property
    def model_key(self) -> tuple:
        m = self.manifest
        return (m.get("model"), m.get("model_revision"), bool(m.get("random_init")))


# --- reading the activation folders -------------------------------------------------------------------------------


def find_sources(model_root: Path) -> list[Source]:
    """Every finished activation folder under ``model_root`` (``<dataset>/<prompt>/manifest.json``), verified."""
    model_root = Path(model_root)
    manifests = sorted(model_root.glob(f"*/*/{store.MANIFEST}"))
    if not manifests:
        raise ActivationReleaseError(
            f"{model_root}: no finished activation folders (<dataset>/<prompt>/{store.MANIFEST}); "
            f"run `spacetime activations` first"
        )
    sources = [read_source(path.parent) for path in manifests]
    first = sources[0]
    for source in sources[1:]:
        if source.model_key != first.model_key:
            raise ActivationReleaseError(
                f"{source.folder / store.MANIFEST}: activations of {_model_text(source.model_key)}, but "
                f"{first.folder / store.MANIFEST} has {_model_text(first.model_key)}; a release holds one model"
            )
    return sources


def _model_text(key: tuple) -> str:
    model, revision, random_init = key
    return f"{model!r} at {revision!r}" + (" (random init)" if random_init else "")


def read_source(folder: Path) -> Source:
    path = folder / store.MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ActivationReleaseError(f"{path}: not readable JSON ({err})") from None
    if not isinstance(manifest, dict):
        raise ActivationReleaseError(f"{path}: not a JSON object")
    for key, expected in (("dataset", folder.parent.name), ("prompt", folder.name)):
        value = manifest.get(key)
        if value != expected:
            raise ActivationReleaseError(f"{path}: {key} is {value!r} but the folder is named {expected!r}")
        if not NAME.match(value):
            raise ActivationReleaseError(f"{path}: {key} {value!r} is not a plain name (letters, digits, _ . -)")
    if not isinstance(manifest.get("layers"), list) or not manifest["layers"]:
        raise ActivationReleaseError(f"{path}: no layers listed")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ActivationReleaseError(f"{path}: lists no file checksums")
    for name, expected in files.items():
        target = folder / name
        if not target.is_file():
            raise ActivationReleaseError(f"{target}: missing (listed in {path})")
        if file_sha256(target) != expected:
            raise ActivationReleaseError(f"{target}: sha256 does not match {path}; the file is corrupt or changed")
    for layer in manifest["layers"]:
        if store.layer_file(layer) not in files:
            raise ActivationReleaseError(f"{folder / store.layer_file(layer)}: layer {layer} has no checksum in {path}")
    return Source(folder, manifest)


def check_data_revision(source: Source, identity: dict[str, str], data: Any) -> None:
    made_against = source.manifest.get("dataset_revision")
    if made_against != identity["dataset_revision"]:
        raise ActivationReleaseError(
            f"{source.folder / store.MANIFEST}: activations were made against {source.dataset} revision "
            f"{made_against!r}, but {data} is {identity['dataset_revision']!r}; extract again or pass that data"
        )


# --- writing ------------------------------------------------------------------------------------------------------


def package_activations(
    activations_root: Path,
    model_slug: str,
    out: Path,
    data: str | Path,
    results: Path | None = None,
    leaderboard_url: str | None = None,
    model_license: str | None = None,
    command: str | None = None,
    storage_dtype: str = "float16",
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    data_revision: str | None = None,
) -> Path:
    """Write the release of ``<activations_root>/<model_slug>/`` (every dataset, prompt and layer) to ``out``,
    replacing any previous release there at the end; returns ``out``."""
    from spacetime.loaders.identity import dataset_identity
    from spacetime.loaders.load import probing_data

    from .card import read_results, render_card

    if storage_dtype not in STORAGE_DTYPES:
        raise ActivationReleaseError(f"storage dtype must be one of {STORAGE_DTYPES}, not {storage_dtype!r}")
    if not SLUG.match(model_slug):
        raise ActivationReleaseError(f"model slug {model_slug!r} is not a plain name (letters, digits, _ . -)")
    sources = find_sources(Path(activations_root) / model_slug)
    identity = dataset_identity(data, revision=data_revision)
    for source in sources:
        check_data_revision(source, identity, data)
    summary = read_results(Path(results), sources[0].manifest) if results else None
    out = Path(out)
    with swapped_folder(out) as tmp:
        files: dict[str, str] = {}
        entries = []
        for dataset in sorted({s.dataset for s in sources}):
            rows = probing_data(data, dataset, revision=data_revision)
            for source in (s for s in sources if s.dataset == dataset):
                entries.append(write_source(tmp, source, rows, identity, storage_dtype, max_shard_bytes, files))
        release = release_metadata(sources[0].manifest, model_slug, storage_dtype, entries, command, model_license)
        release["dataset_repo"], release["dataset_revision"] = identity["dataset_repo"], identity["dataset_revision"]
        if summary:
            released = {entry["dataset"] for entry in entries}
            kept = {d: result for d, result in summary["datasets"].items() if d in released}
            release["results"] = {"leaderboard_url": leaderboard_url, "datasets": kept}
            for name, plot in summary["plots"].items():
                if name not in {result.get("plot") for result in kept.values()}:
                    continue
                target = tmp / PLOTS_DIR / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(plot, target)
                files[f"{PLOTS_DIR}/{name}"] = file_sha256(target)
        elif leaderboard_url:
            release["results"] = {"leaderboard_url": leaderboard_url, "datasets": {}}
        _write_text(tmp / CARD, render_card(release))
        files[CARD] = file_sha256(tmp / CARD)
        release["files"] = dict(sorted(files.items()))
        _write_text(tmp / METADATA, json.dumps(release, indent=2, ensure_ascii=False) + "\n")
        configs = sum(len(e["layers"]) for e in entries)
        if configs > VIEWER_MAX_CONFIGS:
            log.warning(
                "%d configs: above the Hub viewer's %d, the viewer will not show this release",
                configs,
                VIEWER_MAX_CONFIGS,
            )
    return out


def write_source(
    folder: Path,
    source: Source,
    rows: Any,
    identity: dict[str, str],
    storage_dtype: str,
    max_shard_bytes: int,
    files: dict[str, str],
) -> dict[str, Any]:
    """Every layer of one activation folder as Parquet under ``folder``, in the entity dataset's row order; adds
    the files' sha256 to ``files`` and returns the folder's entry in ``activations.json``."""
    import numpy as np

    ids_path = source.folder / store.ENTITY_IDS
    try:
        index = store.align_rows(store.load_entity_ids(source.folder), rows.entity_ids, str(ids_path))
    except ValueError as err:
        raise ActivationReleaseError(" ".join(str(err).split())) from None
    split = np.asarray(rows.split)
    ids = np.asarray(rows.entity_ids, dtype=object)
    layers = sorted(int(layer) for layer in source.manifest["layers"])
    configs, sizes, hidden = {}, {}, None
    for layer in layers:
        values = store.load_layer(source.folder, layer)
        if values.ndim != 2 or hidden not in (None, values.shape[1]):
            raise ActivationReleaseError(f"{source.folder / store.layer_file(layer)}: shape {values.shape} is wrong")
        hidden = values.shape[1]
        directory = config_dir(source.dataset, source.prompt, layer)
        written = []
        for name in SPLITS:
            mask = split == name
            targets = {t: rows.targets[mask, i] for i, t in enumerate(rows.target_names)}
            part = values[index[mask]].astype(storage_dtype, copy=False)  # one copy: aligned and split at once
            written += write_split(folder / directory, name, ids[mask], targets, part, max_shard_bytes)
            del part
        del values
        sizes[str(layer)] = 0
        for path in written:
            relative = path.relative_to(folder).as_posix()
            files[relative] = file_sha256(path)
            sizes[str(layer)] += path.stat().st_size
        configs[str(layer)] = config_name(source.dataset, source.prompt, layer)
    manifest = source.manifest
    return {
        "dataset": source.dataset,
        "prompt": source.prompt,
        "prompt_text": manifest.get("prompt_text"),
        "read_position": manifest.get("read_position"),
        "dataset_repo": identity["dataset_repo"],
        "dataset_revision": identity["dataset_revision"],
        "layers": layers,
        "rows": len(rows.entity_ids),
        "splits": {name: int((split == name).sum()) for name in SPLITS},
        "hidden_size": hidden,
        "targets": list(rows.target_names),
        "entity_ids_sha256": store.entity_ids_sha256(rows.entity_ids),
        "configs": configs,
        "bytes_per_layer": sizes,
        "source_manifest": {k: v for k, v in manifest.items() if k not in ("files", "fingerprint")},
    }


def write_split(
    directory: Path, split: str, ids: Any, targets: dict[str, Any], values: Any, max_shard_bytes: int
) -> list[Path]:
    """One split of one layer as Parquet files of at most ``max_shard_bytes`` of activations each (at least one
    file, empty if the split is)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, hidden = values.shape
    row_bytes = max(1, hidden * values.dtype.itemsize)
    per_shard = max(1, max_shard_bytes // row_bytes)
    count = max(1, math.ceil(rows / per_shard))
    value_type = pa.float16() if values.dtype.itemsize == 2 else pa.float32()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        part = slice(index * per_shard, min((index + 1) * per_shard, rows))
        flat = pa.array(values[part].reshape(-1), type=value_type)
        table = pa.table(
            {
                "entity_id": pa.array(list(ids[part]), type=pa.string()),
                "split": pa.array([split] * len(ids[part]), type=pa.string()),
                **{name: pa.array(column[part], type=pa.float64()) for name, column in targets.items()},
                "activation": pa.FixedSizeListArray.from_arrays(flat, hidden),
            }
        )
        path = directory / shard_name(split, index, count)
        pq.write_table(
            table,
            path,
            row_group_size=max(1, ROW_GROUP_BYTES // row_bytes),
            compression=COMPRESSION,
            compression_level=COMPRESSION_LEVEL,
            # Dictionaries and min/max statistics of the activation column cost more time than its encoding and
            # save nothing: only the small columns keep them.
            use_dictionary=TEXT_COLUMNS,
            write_statistics=[*TEXT_COLUMNS, *targets],
        )
        paths.append(path)
    return paths


def release_metadata(
    manifest: dict[str, Any],
    model_slug: str,
    storage_dtype: str,
    entries: list[dict[str, Any]],
    command: str | None,
    model_license: str | None,
) -> dict[str, Any]:
    from spacetime import __version__

    return {
        "format": FORMAT,
        "model": manifest.get("model"),
        "model_slug": model_slug,
        "model_revision": manifest.get("model_revision"),
        "model_dtype": manifest.get("model_dtype"),
        "model_license": model_license,
        "random_init": bool(manifest.get("random_init")),
        "storage_dtype": storage_dtype,
        "hook_point": store.HOOK_POINT,
        "read_position": manifest.get("read_position") or "last token of the entity",
        "activation": manifest.get("activation"),
        "command": command or f"spacetime package-activations {model_slug}",
        "package_version": __version__,
        "datasets": entries,
    }


def _write_text(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def release_files(folder: Path) -> list[str]:
    """The folder's files as repo paths, sorted; hidden files and folders (temp files, caches) are not released."""
    folder = Path(folder)
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def read_release(folder: Path) -> dict[str, Any]:
    """``activations.json`` of a release folder; a missing or unreadable one is an error naming it."""
    path = Path(folder) / METADATA
    if not path.is_file():
        raise ActivationReleaseError(f"{path}: missing; not an activation release (run spacetime package-activations)")
    try:
        release = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ActivationReleaseError(f"{path}: not readable JSON ({err})") from None
    if not isinstance(release, dict) or release.get("format") != FORMAT or not isinstance(release.get("files"), dict):
        raise ActivationReleaseError(f"{path}: not an activation release's metadata (format {FORMAT})")
    return release


def verify_release(
    folder: Path, paths: list[str] | None = None, on_file: Callable[[str], Any] | None = None
) -> dict[str, Any]:
    """Check ``paths`` (default: every file and no others) against ``activations.json``'s sha256s; returns it."""
    folder = Path(folder)
    release = read_release(folder)
    listed = release["files"]
    if paths is None:
        extra = sorted(set(release_files(folder)) - set(listed) - {METADATA})
        if extra:
            raise ActivationReleaseError(f"{folder / extra[0]}: not listed in {folder / METADATA}")
        paths = list(listed)
    for name in paths:
        target = folder / name
        if name not in listed:
            raise ActivationReleaseError(f"{target}: not listed in {folder / METADATA}")
        if not target.is_file():
            raise ActivationReleaseError(f"{target}: missing (listed in {folder / METADATA})")
        if file_sha256(target) != listed[name]:
            raise ActivationReleaseError(
                f"{target}: sha256 does not match {folder / METADATA}; the file is corrupt or was changed"
            )
        if on_file:
            on_file(name)
    return release
