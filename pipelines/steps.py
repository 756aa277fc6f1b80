"""The machinery every dataset builder shares: counted drops with per-step stats, splits, provenance and output.

A builder is a list of small steps, each a function ``DataFrame -> DataFrame`` run by :class:`StepRunner`, which
records rows in and out per step. A step that removes rows says why through :meth:`DropLog.drop`, so every lost row
is counted under a named rule with a few example ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from spacetime import __version__

from .cache import write_atomic

log = logging.getLogger(__name__)

TEST_SHARE = 0.2
EXAMPLES_PER_RULE = 5


@dataclass
class DropLog:
    """Rows removed, counted per rule, with a few example ids per rule."""

    id_column: str
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def drop(self, df: pd.DataFrame, mask: pd.Series | np.ndarray, rule: str) -> pd.DataFrame:
        """Remove the rows where ``mask`` is true, counting them under ``rule``."""
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if n:
            self.counts[rule] += n
            ids = df.loc[mask, self.id_column].astype(str).head(EXAMPLES_PER_RULE).tolist()
            self.examples.setdefault(rule, []).extend(ids[: EXAMPLES_PER_RULE - len(self.examples.get(rule, []))])
            log.info("dropped %d rows: %s", n, rule)
        return df.loc[~mask].reset_index(drop=True)

    def as_dict(self) -> dict[str, Any]:
        return {"counts": dict(sorted(self.counts.items())), "examples": dict(sorted(self.examples.items()))}


Step = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass
class StepRunner:
    """Runs steps in order and keeps each one's stats (rows in, rows out, drops by rule); timings go to the log."""

    drops: DropLog
    stats: list[dict[str, Any]] = field(default_factory=list)

    def run(self, df: pd.DataFrame, steps: Iterable[Step]) -> pd.DataFrame:
        for step in steps:
            before = Counter(self.drops.counts)
            rows_in, start = len(df), time.perf_counter()
            df = step(df)
            dropped = {rule: n - before.get(rule, 0) for rule, n in self.drops.counts.items() if n != before.get(rule, 0)}
            self.stats.append({"step": step.__name__, "rows_in": rows_in, "rows_out": len(df), "dropped": dropped})
            log.info("step %s: %d -> %d rows in %.2fs", step.__name__, rows_in, len(df), time.perf_counter() - start)
            unexplained = rows_in - len(df) - sum(dropped.values())
            if unexplained > 0:
                raise AssertionError(f"step {step.__name__} lost {unexplained} rows without a drop rule")
        return df


def split_of(group_key: str, dataset: str, test_share: float = TEST_SHARE) -> str:
    """'test' or 'train' from a hash of the group key: stable across releases and machines, no RNG state."""
    h = hashlib.sha256(f"{dataset}\x00{group_key}".encode("utf-8")).digest()
    return "test" if int.from_bytes(h[:8], "big") / 2**64 < test_share else "train"


def assign_split(groups: pd.Series, dataset: str, test_share: float = TEST_SHARE) -> pd.Series:
    return groups.map(lambda g: split_of(str(g), dataset, test_share)).astype("string")


def build_time() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), as ISO 8601 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.isoformat(timespec="seconds")


def write_dataset(df: pd.DataFrame, schema: pa.Schema, metadata: dict[str, Any], out_dir: Path) -> Path:
    """``<out_dir>/data.parquet`` (rows in the given order, deterministic bytes) and ``metadata.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False).replace_schema_metadata(None)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    write_atomic(out_dir / "data.parquet", sink.getvalue().to_pybytes())
    text = json.dumps(metadata, indent=2, ensure_ascii=False, sort_keys=False, default=_json_default) + "\n"
    write_atomic(out_dir / "metadata.json", text.encode("utf-8"))
    return out_dir


def base_metadata(dataset: str, df: pd.DataFrame, runner: StepRunner, **extra: Any) -> dict[str, Any]:
    splits = df["split"].value_counts().to_dict() if "split" in df else {}
    return {
        "dataset": dataset,
        "package_version": __version__,
        "built_at": build_time(),
        "rows": len(df),
        "splits": {k: int(splits.get(k, 0)) for k in ("train", "test")},
        **extra,
        "drops": runner.drops.as_dict(),
        "steps": runner.stats,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
