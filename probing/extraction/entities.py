"""The entity rows the probing stage reads: one small function, so a Hub loader can replace it later."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spacetime.common import digest, file_sha256
from spacetime.pipelines.spec import SPLITS


@dataclass
class EntityRows:
    """Rows in the dataset's order: ``entity_id`` plus the text columns a prompt reads, and where they came from."""

    dataset: str
    frame: pd.DataFrame
    source: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def entity_ids(self) -> list[str]:
        return self.frame["entity_id"].tolist()

    def records(self) -> list[dict[str, Any]]:
        return self.frame.to_dict("records")


def rows_sha256(frame: pd.DataFrame) -> str:
    """sha256 over the rows' columns (names and values), in order: changes with any row, column or order."""
    lines = [json.dumps(list(frame.columns), ensure_ascii=False)]
    lines += [json.dumps(row, ensure_ascii=False) for row in frame.astype(str).itertuples(index=False, name=None)]
    return digest(*lines)


def read_entities(dataset: str, source: str | Path, columns: list[str], revision: str | None = None) -> EntityRows:
    """``entity_id`` and ``columns`` of a dataset, checked: ids unique and present, text columns non-empty.

    ``source`` is a Parquet file (a build's ``data.parquet``: its ``metadata.json`` is recorded as the revision), a
    release folder, or a Hub dataset repo id; the last two are read with the loaders, train rows then test rows, and
    the repo and revision recorded are those of the leaderboard convention.
    """
    path = Path(source)
    if path.is_dir() or (not path.suffix and not path.exists()):
        return _read_release(dataset, str(source), columns, revision)
    if not path.is_file():
        raise FileNotFoundError(
            f"{dataset}: no dataset file at {path} (run `spacetime build {dataset}` or pass --data)"
        )
    import pyarrow.parquet as pq

    wanted = ["entity_id", *[c for c in columns if c != "entity_id"]]
    available = pq.read_schema(path).names
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(f"{dataset}: {path} lacks column(s) {', '.join(missing)} (has {', '.join(available)})")
    frame = pq.read_table(path, columns=wanted).to_pandas()
    _check_rows(dataset, frame, wanted)
    source = {
        "path": str(path.resolve()),
        "repo": None,
        "file_sha256": file_sha256(path),
        "rows_sha256": rows_sha256(frame),
        "revision": None,
    }
    meta_path = path.parent / "metadata.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text("utf-8"))
        source["revision"] = meta.get("revision") or meta.get("version") or f"metadata-sha256:{file_sha256(meta_path)}"
    return EntityRows(dataset, frame.reset_index(drop=True), source)


def _read_release(dataset: str, source: str, columns: list[str], revision: str | None) -> EntityRows:
    from spacetime.loaders.identity import dataset_identity
    from spacetime.loaders.load import load_config

    wanted = ["entity_id", *[c for c in columns if c != "entity_id"]]
    ds = load_config(source, dataset, revision)
    frame = pd.concat([ds[split].select_columns(wanted).to_pandas() for split in SPLITS], ignore_index=True)
    _check_rows(dataset, frame, wanted)
    identity = dataset_identity(source, revision)
    return EntityRows(
        dataset,
        frame,
        {
            "path": source,
            "repo": identity["dataset_repo"],
            "file_sha256": None,
            "rows_sha256": rows_sha256(frame),
            "revision": identity["dataset_revision"],
        },
    )


def _check_rows(dataset: str, frame: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        bad = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if bad.any():
            where = frame.index[bad][:5].tolist()
            raise ValueError(f"{dataset}: column {column!r} is empty in {int(bad.sum())} row(s), e.g. rows {where}")
    dupes = frame["entity_id"][frame["entity_id"].duplicated()]
    if len(dupes):
        raise ValueError(f"{dataset}: duplicate entity_id(s) {dupes.head(5).tolist()}")
