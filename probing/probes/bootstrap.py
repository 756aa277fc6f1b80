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

from .metrics import KEPT_REPLICATES as KEPT_REPLICATES  # the registry's: metrics whose replicates results keep
from .metrics import METRICS, Metric, dataset_kind, keyed_values, metric_of, score_predictions

RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 0


def higher_is_better(metric: str) -> bool:
    """Of a score key (``r2``, ``r2_latitude``, ``haversine_km``...), from the metric registry."""
    return metric_of(metric).higher_is_better


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
    y_true: np.ndarray,
    y_pred: np.ndarray,
    target_names: Sequence[str],
    indices: np.ndarray,
    metrics: Sequence[Metric] = METRICS,
    kind: str | None = None,
) -> dict[str, np.ndarray]:
    """Every metric of :func:`score_predictions` (same keys) on each resample: ``{metric: [resamples]}``.

    A resample is a vector of counts per entity, so sums become matrix products (``counts @ values``) and ranks and
    medians come from one sort of the whole test set plus cumulative counts: no per-resample sort or gather. Each
    metric's form is its registry entry's ``replicates``."""
    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    names = list(target_names)
    kind = kind or dataset_kind(names)
    w = resample_counts(indices, len(y_true))
    return keyed_values([m for m in metrics if m.applies(kind)], names, lambda m: m.replicates(w, y_true, y_pred, kind))


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
    metrics: Sequence[Metric] = METRICS,
    kind: str | None = None,
) -> dict[str, Any]:
    """Point value, standard error and interval of every metric, and the kept replicates::

    {"metrics": {metric: {"value", "stderr", "ci": [low, high]}}, "replicates": {metric: [...]}, "resamples",
     "seed", "confidence", "n"}
    """
    point = score_predictions(y_true, y_pred, target_names, metrics=metrics, kind=kind)
    indices = resample_indices(len(y_true), resamples, seed)
    reps = metric_replicates(y_true, y_pred, target_names, indices, metrics, kind=kind)
    scored = {
        name: {"value": value, "stderr": stderr(reps[name]), "ci": list(interval(reps[name], confidence))}
        for name, value in point.items()
        if name in reps
    }
    return {
        "metrics": scored,
        "replicates": {m.name: reps[m.name] for m in metrics if m.kept and m.name in reps},
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
