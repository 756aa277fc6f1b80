"""Probe metrics on the fixed test split: R^2, Spearman, MAE, haversine distance and the proximity error, declared
once each in the registry :data:`METRICS` (point value, bootstrap form, direction, label, bounds, where it shows).

Coordinates are always ``(latitude, longitude)`` in degrees, in that order (the original code fed (lon, lat) to a
haversine that expects (lat, lon)). The proximity error of an entity is the share of the *other* entities whose
predictions lie closer to the entity's true value than its own prediction does; it is computed without an n x n
matrix: by sorting for time (one dimension), and in row blocks of a dot-product test on unit vectors for space.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

EARTH_RADIUS_KM = 6371.0
SPACE_TARGETS = ("latitude", "longitude")
# Float64 cells of one block of the spatial proximity computation (32 MB); bounds its peak memory.
PROXIMITY_BLOCK_CELLS = 1 << 22


def is_spatial(target_names: Sequence[str]) -> bool:
    """True for (latitude, longitude) targets, in that order."""
    return tuple(target_names) == SPACE_TARGETS


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given as (latitude, longitude) in degrees (broadcasts)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def r2_scores(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """R^2 per column (scikit-learn's ``r2_score``); NaN for a constant true column, where R^2 is undefined."""
    from sklearn.metrics import r2_score

    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = r2_score(_as_2d(y_true), _as_2d(y_pred), multioutput="raw_values", force_finite=False)
    r2 = np.asarray(r2, dtype=np.float64)
    return np.where(np.isfinite(r2), r2, np.nan)  # sklearn gives -inf (or NaN) when SS_tot is 0


def mae_scores(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Mean absolute error per column (scikit-learn's ``mean_absolute_error``)."""
    from sklearn.metrics import mean_absolute_error

    return np.asarray(mean_absolute_error(_as_2d(y_true), _as_2d(y_pred), multioutput="raw_values"), np.float64)


def spearman_scores(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Spearman rank correlation per column."""
    from scipy.stats import spearmanr

    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    return np.array([spearmanr(y_true[:, j], y_pred[:, j]).statistic for j in range(y_true.shape[1])], dtype=np.float64)


def proximity_errors(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    spatial: bool,
    rows: np.ndarray | None = None,
    block_cells: int = PROXIMITY_BLOCK_CELLS,
) -> np.ndarray:
    """Per entity: the share of the other entities whose predictions lie strictly closer to its true value than its
    own prediction. ``spatial``: rows are (lat, lon) and distance is haversine; else one column, absolute difference.
    ``rows``: compute it for these entities only (indices), still against every entity's prediction."""
    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"true values {y_true.shape} and predictions {y_pred.shape} differ in shape")
    n = len(y_true)
    if n < 2:
        raise ValueError("the proximity error needs at least two entities")
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    if spatial:
        counts = _closer_counts_sphere(y_true, y_pred, rows, block_cells)
    else:
        if y_true.shape[1] != 1:
            raise ValueError(f"a time proximity error takes one target column, not {y_true.shape[1]}")
        counts = _closer_counts_line(y_true[rows, 0], y_pred[rows, 0], y_pred[:, 0])
    return counts / (n - 1)


def _closer_counts_line(truth: np.ndarray, pred: np.ndarray, all_pred: np.ndarray) -> np.ndarray:
    """|p_j - t_i| < |p_i - t_i|  <=>  p_j in the open interval (t_i - r_i, t_i + r_i): two binary searches."""
    radius = np.abs(pred - truth)
    low, high = truth - radius, truth + radius
    ordered = np.sort(all_pred)
    # An empty interval (a perfect prediction, r = 0) makes the difference negative: nothing is closer.
    inside = np.maximum(np.searchsorted(ordered, high, side="left") - np.searchsorted(ordered, low, side="right"), 0)
    # The entity's own prediction sits on the boundary; rounding of t +- r can put it inside: never count it.
    own_inside = (pred > low) & (pred < high)
    return (inside - own_inside).astype(np.float64)


def _closer_counts_sphere(truth: np.ndarray, pred: np.ndarray, rows: np.ndarray, block_cells: int) -> np.ndarray:
    """On the unit sphere, haversine distance is monotone in the chord, hence decreasing in the dot product:
    d(p_j, t_i) < d(p_i, t_i)  <=>  u(t_i) . u(p_j) > u(t_i) . u(p_i). One block of rows at a time."""
    u_true, u_pred = _unit_vectors(truth[rows]), _unit_vectors(pred)
    n = len(pred)
    step = max(1, block_cells // n)
    counts = np.empty(len(rows), dtype=np.float64)
    dots = np.empty((min(step, len(rows)), n), dtype=np.float64)
    closer = np.empty(dots.shape, dtype=bool)
    for start in range(0, len(rows), step):
        stop = min(start + step, len(rows))
        block, mask = dots[: stop - start], closer[: stop - start]
        np.matmul(u_true[start:stop], u_pred.T, out=block)
        local, own_col = np.arange(stop - start), rows[start:stop]
        own = block[local, own_col].copy()  # from the same product, so equal predictions tie exactly
        np.greater(block, own[:, None], out=mask)
        mask[local, own_col] = False
        counts[start:stop] = np.count_nonzero(mask, axis=1)
    return counts


def _unit_vectors(latlon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(latlon[:, 0]), np.radians(latlon[:, 1])
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


# --- the registry -------------------------------------------------------------------------------------------------
#
# Every metric is declared once, as a :class:`Metric`: its point value, its bootstrap form, its direction, label, unit,
# bounds, the kinds of dataset it applies to and where it shows. score_predictions, the bootstrap, the results files'
# higher_is_better, the leaderboard's columns, bounds and labels and the report all read :data:`METRICS`.

DATASET_KINDS = ("space", "time")  # (latitude, longitude) targets; one year or date target


def dataset_kind(target_names: Sequence[str]) -> str:
    """``"space"`` for (latitude, longitude) targets, else ``"time"``."""
    return "space" if is_spatial(target_names) else "time"


@dataclass(frozen=True)
class Metric:
    """One probe metric.

    ``point(y_true, y_pred, kind)`` on ``[n, targets]`` arrays gives one value per target (``per_target``) or one
    value; ``replicates(w, y_true, y_pred, kind)`` gives the same on every resample at once from the counts matrix
    ``w`` (``[resamples, n]``, how often each entity is drawn): ``[targets, resamples]`` or ``[resamples]``. A metric
    that summarises one value per entity also has ``entities(y_true, y_pred, kind) -> [n]`` and ``summary`` (``"mean"``
    or ``"median"``); its bootstrap resamples those values. ``pairwise``: an entity's value depends on the other
    entities (it is computed once against the whole test set, needs two entities, and is skipped by
    ``score_predictions(..., proximity=False)``)."""

    name: str
    point: Callable[[np.ndarray, np.ndarray, str], Any]
    replicates: Callable[[np.ndarray, np.ndarray, np.ndarray, str], np.ndarray]
    higher_is_better: bool
    label: str  # short, for the leaderboard's site
    unit: str = ""
    bounds: tuple[float | None, float | None] = (0.0, None)  # a results file's value must lie within; None: unbounded
    kinds: tuple[str, ...] = DATASET_KINDS
    table: bool = False  # a column of the leaderboard
    kept: bool = False  # its replicates are kept in results files (to pair any two results)
    required: bool = False  # every results file must have it
    per_target: bool = False  # the mean over targets, and with several targets also ``{name}_{target}`` each
    entities: Callable[[np.ndarray, np.ndarray, str], np.ndarray] | None = None
    summary: str | None = None
    pairwise: bool = False

    def __post_init__(self) -> None:
        if not set(self.kinds) <= set(DATASET_KINDS) or not self.kinds:
            raise ValueError(f"metric {self.name}: kinds {self.kinds} are not among {DATASET_KINDS}")
        if self.required and not self.table:
            raise ValueError(f"metric {self.name}: a required metric is checked with the table's, so needs table=True")
        if (self.entities is None) != (self.summary is None) or (self.entities is not None and self.per_target):
            raise ValueError(f"metric {self.name}: entities and summary go together, and not with per_target")

    def applies(self, kind: str) -> bool:
        return kind in self.kinds

    def value(self, y_true: np.ndarray, y_pred: np.ndarray, kind: str) -> float:
        """The headline value (for a per-target metric, the mean over targets)."""
        return float(np.mean(self.point(_as_2d(y_true), _as_2d(y_pred), kind)))

    def summarise(self, values: np.ndarray) -> float:
        """The point value of an entity metric from its per-entity values."""
        return float(_SUMMARIES[self.summary][0](np.asarray(values, dtype=np.float64)))


def column_metric(
    name: str,
    score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    replicate: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    **fields: Any,
) -> Metric:
    """A per-target metric: ``score(y_true, y_pred) -> [targets]`` on all columns, ``replicate(w, t, p) ->
    [resamples]`` on one column."""

    def replicates(w: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, kind: str) -> np.ndarray:
        return np.stack([replicate(w, y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])])

    return Metric(name, lambda y_true, y_pred, kind: score(y_true, y_pred), replicates, per_target=True, **fields)


def entity_metric(
    name: str, entities: Callable[[np.ndarray, np.ndarray, str], np.ndarray], summary: str, **fields: Any
) -> Metric:
    """The mean or median of one value per entity; the bootstrap resamples the values computed once."""
    summarise, resample = _SUMMARIES[summary]

    def point(y_true: np.ndarray, y_pred: np.ndarray, kind: str) -> float:
        return float(summarise(entities(y_true, y_pred, kind)))

    def replicates(w: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, kind: str) -> np.ndarray:
        return resample(w, entities(y_true, y_pred, kind))

    return Metric(name, point, replicates, entities=entities, summary=summary, **fields)


def haversine_errors(y_true: np.ndarray, y_pred: np.ndarray, kind: str = "space") -> np.ndarray:
    """Per entity: the km between its true and predicted (latitude, longitude)."""
    y_true, y_pred = _as_2d(y_true), _as_2d(y_pred)
    return haversine_km(y_true[:, 0], y_true[:, 1], y_pred[:, 0], y_pred[:, 1])


def _proximity_entities(y_true: np.ndarray, y_pred: np.ndarray, kind: str) -> np.ndarray:
    return proximity_errors(y_true, y_pred, kind == "space")


def _r2_replicates(w: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    n = w.shape[1]
    ss_res = w @ (t - p) ** 2
    ss_tot = w @ t**2 - (w @ t) ** 2 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ss_tot > 1e-12 * np.maximum(w @ t**2, 1e-300), 1.0 - ss_res / ss_tot, np.nan)


def _spearman_replicates(w: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return _weighted_pearson(w, resample_ranks(w, t), resample_ranks(w, p), w.shape[1])


def _mae_replicates(w: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    return w @ np.abs(t - p) / w.shape[1]


def resample_ranks(w: np.ndarray, values: np.ndarray) -> np.ndarray:
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


def resample_means(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The mean of ``values`` over each resample."""
    return w @ values / w.shape[1]


def resample_medians(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The median of each resample (mean of the two middle drawn values when n is even), from cumulative counts."""
    n = int(round(w[0].sum()))
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(w[:, order], axis=1)
    low = values[order][np.argmax(cum > (n - 1) // 2, axis=1)]
    high = values[order][np.argmax(cum > n // 2, axis=1)]
    return (low + high) / 2


# summary -> (its point form on the values, its bootstrap form on the counts matrix and the values)
_SUMMARIES: dict[str, tuple[Callable[[np.ndarray], Any], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "mean": (np.mean, resample_means),
    "median": (np.median, resample_medians),
}

METRICS: tuple[Metric, ...] = (
    column_metric(
        "r2", r2_scores, _r2_replicates, higher_is_better=True, label="R² [95% CI]", bounds=(None, 1.0),
        table=True, kept=True, required=True,
    ),
    column_metric(
        "spearman", spearman_scores, _spearman_replicates, higher_is_better=True, label="Spearman",
        bounds=(-1.0, 1.0), table=True, kept=True, required=True,
    ),
    column_metric(
        "mae", mae_scores, _mae_replicates, higher_is_better=False, label="MAE", unit="degrees or years",
        table=True, kept=True, required=True,
    ),
    entity_metric(
        "haversine_km", haversine_errors, "mean", higher_is_better=False, label="km", unit="km", kinds=("space",),
        table=True, kept=True,
    ),
    entity_metric(
        "haversine_km_median", haversine_errors, "median", higher_is_better=False, label="median km", unit="km",
        kinds=("space",),
    ),
    entity_metric(
        "proximity_error", _proximity_entities, "mean", higher_is_better=False, label="proximity",
        unit="share of the other entities", bounds=(0.0, 1.0), table=True, kept=True, pairwise=True,
    ),
)  # fmt: skip
METRIC = {m.name: m for m in METRICS}
TABLE_METRICS = tuple(m.name for m in METRICS if m.table)
KEPT_REPLICATES = tuple(m.name for m in METRICS if m.kept)
REQUIRED_METRICS = tuple(m.name for m in METRICS if m.required)
BOUNDS = {m.name: m.bounds for m in METRICS}


def metric_of(key: str, metrics: Sequence[Metric] = METRICS) -> Metric:
    """The metric behind a score key: its name, or ``{name}_{target}`` of a per-target metric (``r2_latitude``)."""
    for metric in sorted(metrics, key=lambda m: -len(m.name)):
        if key == metric.name or (metric.per_target and key.startswith(f"{metric.name}_")):
            return metric
    raise KeyError(f"no registered metric gives the score {key!r} (known: {', '.join(m.name for m in metrics)})")


def keyed_values(
    metrics: Sequence[Metric], target_names: Sequence[str], compute: Callable[[Metric], Any]
) -> dict[str, Any]:
    """``{key: value}`` of the metrics, in the stable key order of results files: the mean over targets of each
    per-target metric, then with several targets each target's (``r2_latitude``, ``spearman_latitude``, ...,
    ``r2_longitude``, ...), then the other metrics; registry order within each."""
    computed = [(m, compute(m)) for m in metrics]
    out = {m.name: np.mean(values, axis=0) for m, values in computed if m.per_target}
    if len(target_names) > 1:
        for j, target in enumerate(target_names):
            out.update({f"{m.name}_{target}": values[j] for m, values in computed if m.per_target})
    out.update({m.name: values for m, values in computed if not m.per_target})
    return out


def score_predictions(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    target_names: Sequence[str],
    proximity: bool = True,
    metrics: Sequence[Metric] = METRICS,
    kind: str | None = None,
) -> dict[str, float]:
    """Every metric of one split that applies to its kind of dataset. Places: R^2 and Spearman are means over
    latitude and longitude (each also reported), MAE in degrees, haversine in km. Time: MAE in years. Keys are stable
    (the leaderboard reads them). ``proximity=False`` leaves out the pairwise metrics (the proximity error). ``kind``:
    the dataset's declared kind (``spec(dataset).kind``); without one, arrays alone are read by their targets."""
    y_true, y_pred = _as_2d(np.asarray(y_true, dtype=np.float64)), _as_2d(np.asarray(y_pred, dtype=np.float64))
    names = list(target_names)
    if y_true.shape != y_pred.shape or y_true.shape[1] != len(names):
        raise ValueError(f"true values {y_true.shape}, predictions {y_pred.shape} and targets {names} do not agree")
    kind = kind or dataset_kind(names)
    chosen = [m for m in metrics if m.applies(kind) and (not m.pairwise or (proximity and len(y_true) > 1))]
    values = keyed_values(chosen, names, lambda m: m.point(y_true, y_pred, kind))
    return {key: float(value) for key, value in values.items()}


def _as_2d(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[:, None] if values.ndim == 1 else values
