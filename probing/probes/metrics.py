"""Probe metrics on the fixed test split: R^2, Spearman, MAE, haversine distance and the proximity error.

Coordinates are always ``(latitude, longitude)`` in degrees, in that order (the original code fed (lon, lat) to a
haversine that expects (lat, lon)). The proximity error of an entity is the share of the *other* entities whose
predictions lie closer to the entity's true value than its own prediction does; it is computed without an n x n
matrix: by sorting for time (one dimension), and in row blocks of a dot-product test on unit vectors for space.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def score_predictions(
    y_true: np.ndarray, y_pred: np.ndarray, target_names: Sequence[str], proximity: bool = True
) -> dict[str, float]:
    """Every metric of one split. Places: R^2 and Spearman are means over latitude and longitude (each also
    reported), MAE in degrees, haversine in km. Time: MAE in years. Keys are stable (the leaderboard reads them)."""
    y_true, y_pred = _as_2d(np.asarray(y_true, dtype=np.float64)), _as_2d(np.asarray(y_pred, dtype=np.float64))
    names = list(target_names)
    if y_true.shape != y_pred.shape or y_true.shape[1] != len(names):
        raise ValueError(f"true values {y_true.shape}, predictions {y_pred.shape} and targets {names} do not agree")
    r2, rho = r2_scores(y_true, y_pred), spearman_scores(y_true, y_pred)
    mae = mae_scores(y_true, y_pred)
    out: dict[str, float] = {"r2": float(r2.mean()), "spearman": float(rho.mean()), "mae": float(mae.mean())}
    if len(names) > 1:
        for j, name in enumerate(names):
            out[f"r2_{name}"], out[f"spearman_{name}"], out[f"mae_{name}"] = float(r2[j]), float(rho[j]), float(mae[j])
    spatial = is_spatial(names)
    if spatial:
        km = haversine_km(y_true[:, 0], y_true[:, 1], y_pred[:, 0], y_pred[:, 1])
        out["haversine_km"] = float(km.mean())
        out["haversine_km_median"] = float(np.median(km))
    if proximity and len(y_true) > 1:
        out["proximity_error"] = float(proximity_errors(y_true, y_pred, spatial).mean())
    return out


def _as_2d(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[:, None] if values.ndim == 1 else values
