"""Bootstrap confidence intervals for the probe metrics, and for paired differences between two probes.

The test entities are resampled with replacement (seeded; :data:`RESAMPLES` resamples by default) and every metric of
:func:`~.metrics.score_predictions` is recomputed on each resample, all resamples at once (a ``[resamples, entities]``
count matrix; no Python loop per resample). The proximity error resamples the per-entity errors computed once against
the whole test set (recomputing it per resample would cost an n x n pass each time).

Two results whose bootstraps share the seed, the number of resamples and the test entities (in the same order) drew
the same resamples, so the difference of their replicates is the *paired* bootstrap of their difference: that is how
the leaderboard compares a model with its random-init control, and neighbouring ranks with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .metrics import haversine_km, is_spatial, proximity_errors, score_predictions

RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 0
# Metrics whose replicates a results file keeps, so that the leaderboard can pair any two results.
KEPT_REPLICATES = ("r2", "spearman", "mae", "haversine_km", "proximity_error")


def higher_is_better(metric: str) -> bool:
    return metric.startswith(("r2", "spearman"))


def resample_indices(n: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """``[resamples, n]`` indices into the test entities, drawn with replacement; fixed by (n, resamples, seed)."""
    if n < 2:
        raise ValueError(f"a bootstrap needs at least two test entities, not {n}")
    if resamples < 1:
        raise ValueError(f"resamples must be positive, not {resamples}")
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n), dtype=np.int64)


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """``[resamples, n]``: how often each entity is drawn in each resample."""
    rows = np.arange(len(indices))[:, None] * n
    return np.bincount((indices + rows).ravel(), minlength=len(indices) * n).reshape(len(indices), n).astype(np.float64)


def metric_replicates(
    y_true: np.ndarray, y_pred: np.ndarray, target_names: Sequence[str], indices: np.ndarray
) -> dict[str, np.ndarray]:
    """Every metric of :func:`score_predictions` (same keys) on each resample: ``{metric: [resamples]}``.

    A resample is a vector of counts per entity, so sums become matrix products (``counts @ values``) and ranks and
    medians come from one sort of the whole test set plus cumulative counts: no per-resample sort or gather."""
    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    names = list(target_names)
    n = len(y_true)
    w = resample_counts(indices, n)
    r2, rho, mae = [], [], []
    for j in range(y_true.shape[1]):
        t, p = y_true[:, j], y_pred[:, j]
        ss_res = w @ (t - p) ** 2
        ss_tot = w @ t**2 - (w @ t) ** 2 / n
        with np.errstate(divide="ignore", invalid="ignore"):
            r2.append(np.where(ss_tot > 1e-12 * np.maximum(w @ t**2, 1e-300), 1.0 - ss_res / ss_tot, np.nan))
            rho.append(_weighted_pearson(w, _resample_ranks(w, t), _resample_ranks(w, p), n))
        mae.append(w @ np.abs(t - p) / n)
    out = {"r2": np.mean(r2, axis=0), "spearman": np.mean(rho, axis=0), "mae": np.mean(mae, axis=0)}
    if len(names) > 1:
        for j, name in enumerate(names):
            out[f"r2_{name}"], out[f"spearman_{name}"], out[f"mae_{name}"] = r2[j], rho[j], mae[j]
    spatial = is_spatial(names)
    if spatial:
        km = haversine_km(y_true[:, 0], y_true[:, 1], y_pred[:, 0], y_pred[:, 1])
        out["haversine_km"] = w @ km / n
        out["haversine_km_median"] = _resample_medians(w, km)
    out["proximity_error"] = w @ proximity_errors(y_true, y_pred, spatial) / n
    return out


def _resample_ranks(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``[resamples, n]``: the average rank (1-based, ties averaged, as scipy's rankdata) each entity's value has
    within each resample: the count of drawn values below it plus (count of drawn values equal to it + 1) / 2."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first position of each distinct value
    group = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    per_group = np.add.reduceat(w[:, order], starts, axis=1)  # [resamples, distinct values]
    below = np.cumsum(per_group, axis=1) - per_group
    ranks_sorted = (below + (per_group + 1) / 2)[:, group]
    ranks = np.empty_like(ranks_sorted)
    ranks[:, order] = ranks_sorted
    return ranks


def _weighted_pearson(w: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    ma = (w * a).sum(axis=1, keepdims=True) / n
    mb = (w * b).sum(axis=1, keepdims=True) / n
    da, db = a - ma, b - mb
    with np.errstate(divide="ignore", invalid="ignore"):
        return (w * da * db).sum(axis=1) / np.sqrt((w * da * da).sum(axis=1) * (w * db * db).sum(axis=1))


def _resample_medians(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The median of each resample (mean of the two middle drawn values when n is even), from cumulative counts."""
    n = int(round(w[0].sum()))
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(w[:, order], axis=1)
    low = values[order][np.argmax(cum > (n - 1) // 2, axis=1)]
    high = values[order][np.argmax(cum > n // 2, axis=1)]
    return (low + high) / 2


def interval(replicates: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile interval of the replicates (NaN replicates, from a degenerate resample, left out)."""
    finite = replicates[np.isfinite(replicates)]
    if not len(finite):
        return (float("nan"), float("nan"))
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return (float(low), float(high))


def stderr(replicates: np.ndarray) -> float:
    finite = replicates[np.isfinite(replicates)]
    return float(np.std(finite, ddof=1)) if len(finite) > 1 else float("nan")


def bootstrap_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    target_names: Sequence[str],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """Point value, standard error and interval of every metric, and the kept replicates::

    {"metrics": {metric: {"value", "stderr", "ci": [low, high]}}, "replicates": {metric: [...]}, "resamples",
     "seed", "confidence", "n"}
    """
    point = score_predictions(y_true, y_pred, target_names)
    reps = metric_replicates(y_true, y_pred, target_names, resample_indices(len(y_true), resamples, seed))
    metrics = {
        name: {"value": value, "stderr": stderr(reps[name]), "ci": list(interval(reps[name], confidence))}
        for name, value in point.items()
        if name in reps
    }
    return {
        "metrics": metrics,
        "replicates": {k: reps[k] for k in KEPT_REPLICATES if k in reps},
        "resamples": resamples,
        "seed": seed,
        "confidence": confidence,
        "n": len(y_true),
    }


def paired_difference(
    replicates_a: Sequence[float], replicates_b: Sequence[float], confidence: float = CONFIDENCE
) -> dict[str, Any]:
    """Interval and standard error of ``a - b`` from replicates drawn on the same resamples; ``separated`` is True
    when the interval excludes zero."""
    a, b = np.asarray(replicates_a, dtype=np.float64), np.asarray(replicates_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"replicates differ in number ({a.shape} vs {b.shape}); they are not paired")
    diff = a - b
    low, high = interval(diff, confidence)
    return {
        "ci": [low, high],
        "stderr": stderr(diff),
        "separated": bool(np.isfinite(low) and (low > 0 or high < 0)),
    }


def _as_2d(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[:, None] if values.ndim == 1 else values
