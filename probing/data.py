"""The entity rows the probing stage reads: one small function, so a Hub loader can replace it later."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from spacetime.pipelines.cache import digest
from spacetime.pipelines.servers import file_sha256


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


def default_data_path(dataset: str, out: Path = Path("out")) -> Path:
    """Where ``spacetime build`` writes a dataset: ``OUT/build/<dataset>/data.parquet``."""
    return out / "build" / dataset / "data.parquet"


def rows_sha256(frame: pd.DataFrame) -> str:
    """sha256 over the rows' columns (names and values), in order: changes with any row, column or order."""
    lines = [json.dumps(list(frame.columns), ensure_ascii=False)]
    lines += [json.dumps(row, ensure_ascii=False) for row in frame.astype(str).itertuples(index=False, name=None)]
    return digest(*lines)


def read_entities(dataset: str, path: Path, columns: list[str]) -> EntityRows:
    """``entity_id`` and ``columns`` of a Parquet file, checked: ids unique and present, text columns non-empty.

    A ``metadata.json`` beside the file (as ``spacetime build`` writes) is recorded as the dataset's revision.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{dataset}: no dataset file at {path} (run `spacetime build {dataset}` or pass --data)")
    import pyarrow.parquet as pq

    wanted = ["entity_id", *[c for c in columns if c != "entity_id"]]
    available = pq.read_schema(path).names
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(f"{dataset}: {path} lacks column(s) {', '.join(missing)} (has {', '.join(available)})")
    frame = pq.read_table(path, columns=wanted).to_pandas()
    _check_rows(dataset, frame, wanted)
    source = {"path": str(path.resolve()), "repo": None, "file_sha256": file_sha256(path),
              "rows_sha256": rows_sha256(frame), "revision": None}
    meta_path = path.parent / "metadata.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text("utf-8"))
        source["revision"] = meta.get("revision") or meta.get("version") or f"metadata-sha256:{file_sha256(meta_path)}"
    return EntityRows(dataset, frame.reset_index(drop=True), source)


def _check_rows(dataset: str, frame: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        bad = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if bad.any():
            where = frame.index[bad][:5].tolist()
            raise ValueError(f"{dataset}: column {column!r} is empty in {int(bad.sum())} row(s), e.g. rows {where}")
    dupes = frame["entity_id"][frame["entity_id"].duplicated()]
    if len(dupes):
        raise ValueError(f"{dataset}: duplicate entity_id(s) {dupes.head(5).tolist()}")
