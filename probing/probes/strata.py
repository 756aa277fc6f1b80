"""Scores by popularity stratum, and per-entity errors: where on the test set a probe's score comes from.

Coordinate error follows how often an entity appears in training data (Godey et al. 2024); the datasets built from
Wikipedia carry the page views of the pageview window, so a probe's R^2 on the least and most viewed fifth of the
test entities costs nothing to report. A dataset without a popularity column (NYC places, headlines) has no strata.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .bootstrap import RESAMPLES, SEED, bootstrap_scores
from .metrics import METRIC, haversine_errors

POPULARITY_COLUMNS = ("page_views",)  # the first of these a dataset's spec declares is its popularity measure
STRATA = 5  # quintiles
WORST = 10


def popularity_measure(dataset: str) -> str | None:
    """The column that measures an entity's popularity in ``dataset``, or None where it has none."""
    from spacetime.pipelines.registry import spec

    names = {c.name for c in spec(dataset).columns}
    return next((c for c in POPULARITY_COLUMNS if c in names), None)


def stratum_labels(popularity: np.ndarray, strata: int = STRATA) -> np.ndarray:
    """``0..strata-1`` per entity, least to most popular, in groups of equal size (sizes differ by at most one);
    entities with equal popularity are ordered by their position in the test split."""
    order = np.argsort(np.asarray(popularity, dtype=np.float64), kind="stable")
    labels = np.empty(len(order), dtype=np.int64)
    labels[order] = np.arange(len(order)) * strata // len(order)
    return labels


def strata_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    target_names: Sequence[str],
    popularity: np.ndarray,
    measure: str,
    kind: str,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    strata: int = STRATA,
) -> list[dict[str, Any]]:
    """R^2 (the registry's, with its bootstrap interval) of each popularity stratum of the test entities:
    ``[{"stratum": "q1".., "measure", "range": [low, high], "rows", "r2", "r2_ci"}]``, least popular first.
    Empty when the test split has fewer than two entities per stratum."""
    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    popularity = np.asarray(popularity, dtype=np.float64)
    if len(y_true) < 2 * strata or not np.isfinite(popularity).all():
        return []
    labels = stratum_labels(popularity, strata)
    out = []
    for q in range(strata):
        rows = labels == q
        boot = bootstrap_scores(y_true[rows], y_pred[rows], target_names, resamples, seed,
                                metrics=(METRIC["r2"],), kind=kind)  # fmt: skip
        r2 = boot["metrics"]["r2"]
        out.append(
            {
                "stratum": f"q{q + 1}",
                "measure": measure,
                "range": [float(popularity[rows].min()), float(popularity[rows].max())],
                "rows": int(rows.sum()),
                "r2": r2["value"],
                "r2_ci": r2["ci"],
            }
        )
    return out


def entity_errors(y_true: np.ndarray, y_pred: np.ndarray, kind: str) -> np.ndarray:
    """One error per entity in the dataset's unit: km between true and predicted place, else |years|."""
    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    if kind == "space":
        return haversine_errors(y_true, y_pred)
    return np.abs(y_pred - y_true).mean(axis=1)


def entity_frame(
    ids: Sequence[str], names: Sequence[str], y_true: np.ndarray, y_pred: np.ndarray, target_names: Sequence[str],
    kind: str,
) -> Any:  # fmt: skip
    """The test predictions, one row per entity: ``entity_id``, ``name``, per target ``<target>`` (true),
    ``pred_<target>`` and ``error_<target>`` (predicted - true), and ``error`` (:func:`entity_errors`)."""
    import pandas as pd

    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    frame = pd.DataFrame({"entity_id": list(ids), "name": list(names)})
    for j, target in enumerate(target_names):
        frame[target] = y_true[:, j]
        frame[f"pred_{target}"] = y_pred[:, j]
        frame[f"error_{target}"] = y_pred[:, j] - y_true[:, j]
    frame["error"] = entity_errors(y_true, y_pred, kind)
    return frame


def worst_entities(frame: Any, n: int = WORST) -> list[dict[str, Any]]:
    """The ``n`` entities with the largest ``error`` of an :func:`entity_frame`, largest first."""
    worst = frame.sort_values(["error", "entity_id"], ascending=[False, True], kind="stable").head(n)
    return [
        {"entity_id": str(e), "name": str(name), "error": float(err)}
        for e, name, err in zip(worst["entity_id"], worst["name"], worst["error"])
    ]


def _as_2d(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[:, None] if values.ndim == 1 else values
