"""Load a released config from a local release folder or a Hub repository, as `datasets` or as probing inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from spacetime.pipelines.spec import SPLITS

from .features import features, targets

if TYPE_CHECKING:
    import datasets


def load_config(source: str | Path, config: str, revision: str | None = None) -> datasets.DatasetDict:
    """``datasets.load_dataset`` on a release folder or a Hub repo id (pin ``revision`` to a release tag)."""
    import datasets

    return datasets.load_dataset(str(source), config, revision=revision, features=features(config))


@dataclass
class ProbingData:
    """A config's rows in release order: ids, numeric targets and the split."""

    config: str
    entity_ids: list[str]
    targets: np.ndarray  # float64 [rows, len(target_names)]
    target_names: list[str]
    split: np.ndarray  # "train" | "test" per row

    def __len__(self) -> int:
        return len(self.entity_ids)


def probing_data(source: str | Path, config: str, revision: str | None = None) -> ProbingData:
    """The shape the probing module needs, train rows first then test rows, each in file order."""
    ds = load_config(source, config, revision)
    ids: list[str] = []
    target_names = targets(config)
    values: list[np.ndarray] = []
    split: list[str] = []
    for name in SPLITS:
        part = ds[name]
        ids += part.data.column("entity_id").to_pylist()
        values.append(np.column_stack([column_numbers(part, c) for c in target_names]))
        split += [name] * len(part)
    return ProbingData(config, ids, np.concatenate(values), target_names, np.array(split))


def column_numbers(part: Any, column: str) -> np.ndarray:
    """A column of a split as float64: numbers straight from Arrow (nulls as NaN), dates through :func:`as_number`."""
    import pyarrow as pa

    values = part.data.column(column)
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        return values.to_numpy().astype(np.float64)
    return as_number(values.to_pylist())


def as_number(values: list) -> np.ndarray:
    """Numbers as float64; dates (``datetime.date`` or ISO strings of a year, month or day) as decimal years."""
    return np.array([decimal_year(v) for v in values], dtype=np.float64)


def decimal_year(value) -> float:
    """A date as a decimal year at the start of its period: 1990 -> 1990.0, "1990-07" -> 1990.496, "-0044-03-15"."""
    if value is None:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, dt.date):
        year, month, day = value.year, value.month, value.day
    else:
        text = str(value)
        sign = -1 if text.startswith("-") else 1
        parts = text.lstrip("-").split("-")
        year = sign * int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
    calendar_year = year if 1 <= year <= 9999 else 2001  # datetime has no BCE years; 2001 is not a leap year
    days_before = (dt.date(calendar_year, month, day) - dt.date(calendar_year, 1, 1)).days
    return year + days_before / 365.25
