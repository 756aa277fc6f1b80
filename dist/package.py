"""`spacetime package`: the Hub-layout release folder, one config per dataset with Parquet per split.

    <release>/README.md                                   dataset card (YAML front matter: configs, features, license)
    <release>/LICENSE.md                                  each config's sources and terms (the card's license_link)
    <release>/data/<config>/{train,test}-00000-of-00001.parquet
    <release>/metadata/<config>.json                      the build's metadata (sources, queries, drops, steps)
    <release>/release.json                                what went in: files and their sha256, versions, changes

``datasets.load_dataset(<release>, "<config>")`` reads the folder exactly as it would read the Hub repository.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from spacetime import __version__
from spacetime.common import file_sha256, full_disk_named, replaced_folder, write_atomic, write_json_atomic
from spacetime.errors import SpacetimeError
from spacetime.loaders.features import class_labels, features
from spacetime.pipelines.registry import DATASETS
from spacetime.pipelines.spec import BUILD_ONLY_COLUMNS, SPLITS

from .card import LICENSE_FILE, license_text, render_card

log = logging.getLogger(__name__)

CHANGE_EXAMPLES = 5


def data_file(config: str, split: str) -> str:
    return f"data/{config}/{split}-00000-of-00001.parquet"


@dataclass
class ConfigRelease:
    config: str
    frame: pd.DataFrame  # the build's rows, split column included
    metadata: dict[str, Any]
    changes: dict[str, Any] | None
    split_bytes: dict[str, int] | None = None  # Arrow size of each split, for the card's dataset_info


def package(build_root: Path, out: Path, previous: Path | None = None, configs: Iterable[str] = DATASETS) -> Path:
    """Write the release folder for ``configs`` from their build folders under ``build_root``.

    The release is written into a temp folder beside ``out`` and moved into place at the end: a failure (a full disk
    included) leaves the previous release as it was, or no release."""
    releases = [read_build(build_root / config, config, previous) for config in configs]
    previous_release = _read_json(previous / "release.json") if previous else None
    with full_disk_named(out), replaced_folder(out, "spacetime package") as staging:
        write_release(releases, staging, previous, previous_release)
    return out


def read_build(folder: Path, config: str, previous: Path | None) -> ConfigRelease:
    """One config's build, refused when a split is empty (a release without train or test rows probes nothing)."""
    if not (folder / "data.parquet").exists():
        raise FileNotFoundError(f"{config}: no build at {folder}; run `spacetime build {config}` first")
    frame = pd.read_parquet(folder / "data.parquet")
    for split in SPLITS:
        if not (frame["split"] == split).any():
            raise SpacetimeError(
                f"{config}: {folder / 'data.parquet'} has no {split} rows ({len(frame)} rows in all); a release needs "
                f"rows in every split: rebuild {config} (its metadata.json counts the rows each rule dropped)"
            )
    metadata = json.loads((folder / "metadata.json").read_text("utf-8"))
    return ConfigRelease(config, frame, metadata, changes_since(previous, config, frame))


def write_release(
    releases: list[ConfigRelease], out: Path, previous: Path | None, previous_release: dict | None
) -> None:
    """The release files of ``releases`` in the folder ``out``, release.json last."""
    files: dict[str, str] = {}
    for release in releases:
        release.split_bytes = {}
        for split in SPLITS:
            path = out / data_file(release.config, split)
            release.split_bytes[split] = write_split(
                release.config, release.frame[release.frame["split"] == split], path
            )
            files[data_file(release.config, split)] = file_sha256(path)
        meta_path = out / "metadata" / f"{release.config}.json"
        write_json_atomic(meta_path, release.metadata)
        files[f"metadata/{release.config}.json"] = file_sha256(meta_path)

    write_atomic(out / "README.md", render_card(releases, previous_release).encode("utf-8"))
    files["README.md"] = file_sha256(out / "README.md")
    write_atomic(out / LICENSE_FILE, license_text(releases).encode("utf-8"))
    files[LICENSE_FILE] = file_sha256(out / LICENSE_FILE)
    manifest = {
        "package_version": __version__,
        "configs": {
            r.config: {
                "rows": {s: int((r.frame["split"] == s).sum()) for s in SPLITS},
                "built_at": r.metadata.get("built_at"),
                "changes": r.changes,
            }
            for r in releases
        },
        "previous": {"folder": str(previous), "configs": sorted(previous_release.get("configs", {}))}
        if previous_release
        else None,
        "files": dict(sorted(files.items())),
    }
    write_json_atomic(out / "release.json", manifest, ensure_ascii=True)


def write_split(config: str, rows: pd.DataFrame, path: Path) -> int:
    """One split as Parquet with the config's features embedded, so ``datasets`` reads the exact types back.

    Returns the split's size in Arrow bytes."""
    import datasets
    import pyarrow as pa

    rows = rows.drop(columns=[c for c in BUILD_ONLY_COLUMNS if c in rows]).reset_index(drop=True)
    feats = features(config)
    for column in class_labels(config):
        rows[column] = _encode_labels(config, column, rows[column], feats[column])
    table = datasets.Dataset.from_pandas(rows[list(feats)], features=feats, preserve_index=False)
    # Parquet is made in memory, then written like every other file: pyarrow aborts the process when a file write
    # fails inside its content-defined chunking (a full disk), instead of raising.
    buffer = pa.BufferOutputStream()
    table.to_parquet(buffer)
    write_atomic(path, buffer.getvalue().to_pybytes())
    return table.data.nbytes


def _encode_labels(config: str, column: str, values: pd.Series, label) -> list[int]:
    unknown = sorted(set(values.dropna()) - set(label.names))
    if unknown or values.isna().any():
        raise ValueError(
            f"{config}.{column}: values outside the declared class labels {label.names}: "
            f"{unknown[:5] or ['<null>']}; add them to the class labels of pipelines/datasets/{config}/spec.py"
        )
    return [label.str2int(v) for v in values]


def changes_since(previous: Path | None, config: str, frame: pd.DataFrame) -> dict[str, Any] | None:
    """Entities added, removed and changed against the previous release's files (None when there is none)."""
    if previous is None:
        return None
    paths = [previous / data_file(config, s) for s in SPLITS]
    if not all(p.exists() for p in paths):
        return {"note": f"{config} is new in this release", "added": len(frame), "removed": 0, "changed": 0}
    old = pd.concat([_decoded(config, p) for p in paths], ignore_index=True).set_index("entity_id")
    new = frame.drop(columns=[c for c in BUILD_ONLY_COLUMNS if c in frame]).set_index("entity_id")
    added = new.index.difference(old.index)
    removed = old.index.difference(new.index)
    common = new.index.intersection(old.index)
    shared_columns = [c for c in new.columns if c in old.columns]
    before = old.loc[common, shared_columns].astype("string").fillna("<null>")
    after = new.loc[common, shared_columns].astype("string").fillna("<null>")
    changed = common[(before != after).any(axis=1).to_numpy()]
    return {
        "added": len(added),
        "removed": len(removed),
        "changed": len(changed),
        "examples": {
            "added": list(added[:CHANGE_EXAMPLES]),
            "removed": list(removed[:CHANGE_EXAMPLES]),
            "changed": list(changed[:CHANGE_EXAMPLES]),
        },
    }


def _decoded(config: str, path: Path) -> pd.DataFrame:
    """A released split with its class labels turned back into names."""
    frame = pd.read_parquet(path)
    for column, names in class_labels(config).items():
        if column in frame:
            frame[column] = frame[column].map(lambda i, names=names: names[i] if pd.notna(i) else None)
    return frame


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}
