"""Probe metrics: haversine in the right order, R^2 / Spearman against sklearn and scipy, the chunked proximity
error against its brute-force definition, and its memory on 40,000 entities; the metric registry: every bootstrap form
against its point metric on materialised resamples, and every consumer derived from it."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import mean_absolute_error, r2_score

from spacetime.probing.leaderboard import site, tables
from spacetime.probing.probes import bootstrap
from spacetime.probing.probes.bootstrap import bootstrap_scores, metric_replicates, resample_counts, resample_indices
from spacetime.probing.probes.metrics import (
    BOUNDS,
    KEPT_REPLICATES,
    METRICS,
    REQUIRED_METRICS,
    TABLE_METRICS,
    Metric,
    column_metric,
    entity_metric,
    haversine_km,
    mae_scores,
    metric_of,
    proximity_errors,
    r2_scores,
    score_predictions,
)


def proximity_errors_brute(y_true: np.ndarray, y_pred: np.ndarray, spatial: bool) -> np.ndarray:
    """The definition, with the full n x n distance matrix (small inputs only): the oracle for the chunked code."""
    y_true, y_pred = (np.asarray(v, dtype=np.float64).reshape(len(v), -1) for v in (y_true, y_pred))
    if spatial:
        dist = haversine_km(y_true[:, None, 0], y_true[:, None, 1], y_pred[None, :, 0], y_pred[None, :, 1])
    else:
        dist = np.abs(y_true[:, None, 0] - y_pred[None, :, 0])
    closer = dist < np.diag(dist)[:, None]
    np.fill_diagonal(closer, False)
    return closer.sum(axis=1) / (len(y_true) - 1)


NEW_YORK = (40.7128, -74.0060)
LONDON = (51.5074, -0.1278)


def places(n: int, noise: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = np.column_stack([rng.uniform(-60, 75, n), rng.uniform(-180, 180, n)])
    return truth, truth + rng.normal(0, noise, truth.shape)


def years(n: int, noise: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(1000, 2000, (n, 1))
    return truth, truth + rng.normal(0, noise, truth.shape)


def test_haversine_new_york_to_london():
    assert haversine_km(*NEW_YORK, *LONDON) == pytest.approx(5570, abs=10)
    assert haversine_km(*LONDON, *NEW_YORK) == pytest.approx(haversine_km(*NEW_YORK, *LONDON))
    # (lon, lat) fed where (lat, lon) belongs gives another, wrong distance: the original code's defect.
    swapped = haversine_km(NEW_YORK[1], NEW_YORK[0], LONDON[1], LONDON[0])
    assert abs(swapped - 5570) > 1000
    assert haversine_km(0, 0, 0, 180) == pytest.approx(np.pi * 6371.0)
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(haversine_km(0, 0, 0, 1))  # across the date line


def test_r2_spearman_mae_match_sklearn_and_scipy():
    truth, pred = places(300, 15)
    scores = score_predictions(truth, pred, ["latitude", "longitude"])
    lat_r2, lon_r2 = r2_score(truth, pred, multioutput="raw_values")
    assert scores["r2_latitude"] == pytest.approx(lat_r2) and scores["r2_longitude"] == pytest.approx(lon_r2)
    assert scores["r2"] == pytest.approx((lat_r2 + lon_r2) / 2)
    assert scores["spearman_longitude"] == pytest.approx(spearmanr(truth[:, 1], pred[:, 1]).statistic)
    assert scores["mae_latitude"] == pytest.approx(mean_absolute_error(truth[:, 0], pred[:, 0]))
    km = [haversine_km(t[0], t[1], p[0], p[1]) for t, p in zip(truth, pred)]
    assert scores["haversine_km"] == pytest.approx(np.mean(km))
    assert scores["haversine_km_median"] == pytest.approx(np.median(km))
    assert scores["proximity_error"] == pytest.approx(proximity_errors_brute(truth, pred, True).mean())

    t, p = years(200, 30)
    timed = score_predictions(t, p, ["death_year"])
    assert set(timed) == {"r2", "spearman", "mae", "proximity_error"}
    assert timed["r2"] == pytest.approx(r2_score(t, p)) and timed["mae"] == pytest.approx(np.abs(t - p).mean())
    with pytest.raises(ValueError, match="do not agree"):
        score_predictions(truth, pred[:, :1], ["latitude", "longitude"])
    assert np.isnan(r2_scores(np.ones(5), np.arange(5.0)))[0]


def test_r2_and_mae_against_hand_computed_values():
    truth = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    pred = np.array([[1.0, 12.0], [2.0, 18.0], [3.0, 30.0], [5.0, 40.0]])
    # column 0: SS_res 1, SS_tot 5; column 1: SS_res 8, SS_tot 500
    assert r2_scores(truth, pred) == pytest.approx([0.8, 1 - 8 / 500])
    assert mae_scores(truth, pred) == pytest.approx([0.25, 1.0])


@pytest.mark.parametrize("noise", [0.5, 20, 200])
def test_spatial_proximity_error_equals_brute_force(noise):
    truth, pred = places(400, noise, seed=int(noise))
    expected = proximity_errors_brute(truth, pred, spatial=True)
    for cells in (1, 997, 1 << 22):  # one row per block, uneven blocks, one block
        np.testing.assert_array_equal(proximity_errors(truth, pred, True, block_cells=cells), expected)
    assert 0 < expected.mean() < 1


@pytest.mark.parametrize("noise", [1, 50, 1000])
def test_time_proximity_error_equals_brute_force(noise):
    truth, pred = years(500, noise, seed=int(noise))
    np.testing.assert_array_equal(proximity_errors(truth, pred, False), proximity_errors_brute(truth, pred, False))


def test_time_proximity_error_where_rounding_puts_an_own_prediction_inside_its_interval():
    # Predictions a thousand times smaller than the truths: t - r and t + r round so that p_i falls strictly inside
    # (t_i - r_i, t_i + r_i) for most rows; the brute force never counts an entity against itself.
    rng = np.random.default_rng(3)
    truth, pred = rng.normal(0, 1, (300, 1)), rng.normal(0, 1e-3, (300, 1))
    radius = np.abs(pred - truth)
    assert ((pred > truth - radius) & (pred < truth + radius)).sum() > 100
    np.testing.assert_array_equal(proximity_errors(truth, pred, False), proximity_errors_brute(truth, pred, False))


def test_proximity_error_of_two_entities():
    truth, pred = np.array([[0.0], [10.0]]), np.array([[9.0], [1.0]])  # each prediction nearer the other's truth
    np.testing.assert_array_equal(proximity_errors(truth, pred, False), [1.0, 1.0])
    with pytest.raises(ValueError, match="at least two entities"):
        proximity_errors(truth[:1], pred[:1], False)


def test_proximity_error_edge_cases():
    # Integer years, many ties: strictly closer only, and one's own prediction never counts.
    truth = np.array([[1900.0], [1900.0], [1950.0], [2000.0], [1950.0]])
    pred = np.array([[1910.0], [1890.0], [1950.0], [1990.0], [1940.0]])
    np.testing.assert_array_equal(proximity_errors(truth, pred, False), proximity_errors_brute(truth, pred, False))
    # entity 0 (true 1900, off by 10): prediction 1890 is also 10 away (a tie, not closer); none closer.
    assert proximity_errors(truth, pred, False)[0] == 0.0
    # entity 4 (true 1950, predicted 1940): 1950 (entity 2) is closer: 1 of 4 others.
    assert proximity_errors(truth, pred, False)[4] == pytest.approx(0.25)
    # Identical predictions for every entity: nobody is strictly closer.
    flat = np.tile([[10.0, 20.0]], (6, 1))
    spots, _ = places(6, 1)
    assert proximity_errors(spots, flat, True).sum() == 0
    # Perfect predictions: error 0.
    assert proximity_errors(spots, spots, True).sum() == 0
    # A subset of rows, still measured against everyone.
    truth2, pred2 = places(50, 30, seed=3)
    rows = np.array([3, 17, 40])
    np.testing.assert_array_equal(
        proximity_errors(truth2, pred2, True, rows=rows), proximity_errors_brute(truth2, pred2, True)[rows]
    )
    with pytest.raises(ValueError, match="at least two"):
        proximity_errors(truth[:1], pred[:1], False)


def test_proximity_error_on_40000_entities_needs_no_n_by_n_matrix():
    truth, pred = places(40_000, 25, seed=11)
    tracemalloc.start()
    try:
        errors = proximity_errors(truth, pred, True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert errors.shape == (40_000,) and 0 < errors.mean() < 0.2
    # An n x n float64 matrix alone would be 12.8 GB; the blocks keep the peak near 40 MB.
    assert peak < 100e6, f"peak traced memory {peak / 1e6:.0f} MB"
    # Spot-check some rows against the definition, one row at a time.
    for i in (0, 12_345, 39_999):
        dist = haversine_km(truth[i, 0], truth[i, 1], pred[:, 0], pred[:, 1])
        closer = np.count_nonzero(dist < dist[i])
        assert errors[i] == pytest.approx(closer / 39_999)


# --- the metric registry ------------------------------------------------------------------------------------------

SPACE_KEYS = [
    "r2", "spearman", "mae",
    "r2_latitude", "spearman_latitude", "mae_latitude", "r2_longitude", "spearman_longitude", "mae_longitude",
    "haversine_km", "haversine_km_median", "proximity_error",
]  # fmt: skip


def registry_case(kind: str, n: int = 90, seed: int = 5):
    """Truth, predictions and target names of one kind of dataset, with tied values (as integer years have) and an
    entity 0 whose truth is exactly representable (so a resample of it alone is exactly constant)."""
    if kind == "space":
        truth, pred = places(n, 15, seed=seed)
        truth[:12, 0] = 5.0
        truth[0] = (5.0, 10.0)
        return truth, pred, ["latitude", "longitude"]
    truth, pred = years(n, 40, seed=seed)
    return np.round(truth), np.round(pred), ["death_year"]


def registry_counts(n: int) -> np.ndarray:
    """Resamples as counts ``[resamples, n]``: random ones, the identity, and a degenerate one (entity 0, n times)."""
    degenerate = np.zeros(n)
    degenerate[0] = n
    return np.vstack([resample_counts(resample_indices(n, 6, seed=2), n), np.ones(n), degenerate])


@pytest.mark.parametrize("n", [90, 91])  # an even and an odd number of entities (the median's two middles)
@pytest.mark.parametrize("kind", ["space", "time"])
def test_each_bootstrap_form_equals_its_point_metric_on_the_materialised_resample(kind, n):
    truth, pred, names = registry_case(kind, n)
    w = registry_counts(len(truth))
    applicable = [m for m in METRICS if m.applies(kind)]
    every = ("r2", "spearman", "mae", "haversine_km", "haversine_km_median", "proximity_error")
    assert [m.name for m in applicable] == [name for name in every if kind == "space" or "haversine" not in name]
    for metric in applicable:
        replicates = np.asarray(metric.replicates(w, truth, pred, kind))
        assert replicates.shape == ((len(names), len(w)) if metric.per_target else (len(w),)), metric.name
        for r in range(len(w)):
            rows = np.repeat(np.arange(len(truth)), w[r].astype(np.int64))  # the resample, one row per draw
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a constant resample: R^2 and Spearman are undefined (NaN)
                if metric.pairwise:  # per-entity values computed once against the whole test set, then resampled
                    expected = metric.summarise(metric.entities(truth, pred, kind)[rows])
                else:
                    expected = metric.point(truth[rows], pred[rows], kind)
            np.testing.assert_allclose(replicates[..., r], expected, rtol=1e-9, atol=1e-12, err_msg=metric.name)
        # The identity resample is the point value itself, pairwise metrics included.
        np.testing.assert_allclose(replicates[..., -2], metric.point(truth, pred, kind), rtol=1e-9, err_msg=metric.name)
    # The degenerate resample really is one: R^2 and Spearman are NaN on both sides.
    assert np.isnan(applicable[0].replicates(w, truth, pred, kind)[:, -1]).all()


def test_the_registry_is_what_every_consumer_reads():
    derived = {
        "table": tuple(m.name for m in METRICS if m.table),
        "kept": tuple(m.name for m in METRICS if m.kept),
        "required": tuple(m.name for m in METRICS if m.required),
    }
    assert TABLE_METRICS == tables.TABLE_METRICS == derived["table"]
    assert KEPT_REPLICATES == bootstrap.KEPT_REPLICATES == derived["kept"]
    assert REQUIRED_METRICS == tables.REQUIRED_METRICS == derived["required"]
    assert BOUNDS == tables.BOUNDS == {m.name: m.bounds for m in METRICS}
    assert site.LABELS == {m.name: m.label for m in METRICS if m.table}
    # What results files, tables and the site show today (changing one of these changes published output).
    assert derived["table"] == derived["kept"] == ("r2", "spearman", "mae", "haversine_km", "proximity_error")
    assert derived["required"] == ("r2", "spearman", "mae")
    assert site.LABELS["r2"] == "R² [95% CI]" and site.LABELS["haversine_km"] == "km"
    assert BOUNDS["r2"] == (None, 1.0) and BOUNDS["proximity_error"] == (0.0, 1.0) and BOUNDS["mae"] == (0.0, None)
    for key in SPACE_KEYS:
        assert bootstrap.higher_is_better(key) is key.startswith(("r2", "spearman")), key
    with pytest.raises(KeyError, match="no registered metric"):
        bootstrap.higher_is_better("accuracy")

    truth, pred, names = registry_case("space")
    assert list(score_predictions(truth, pred, names)) == SPACE_KEYS
    assert list(metric_replicates(truth, pred, names, resample_indices(len(truth), 4))) == SPACE_KEYS
    t, p, year = registry_case("time")
    assert list(score_predictions(t, p, year)) == ["r2", "spearman", "mae", "proximity_error"]
    assert list(score_predictions(t, p, year, proximity=False)) == ["r2", "spearman", "mae"]


def test_a_metric_added_to_the_registry_shows_everywhere():
    mse = column_metric(
        "mse",
        lambda t, p: ((t - p) ** 2).mean(axis=0),
        lambda w, t, p: w @ (t - p) ** 2 / w.shape[1],
        higher_is_better=False,
        label="MSE",
        kept=True,
        table=True,
    )
    within = entity_metric(
        "within_50y", lambda t, p, kind: (np.abs(t - p)[:, 0] <= 50).astype(float), "mean",
        higher_is_better=True, label="≤ 50 years", bounds=(0.0, 1.0), kinds=("time",),
    )  # fmt: skip
    registry = (*METRICS, mse, within)
    truth, pred, names = registry_case("space")
    scores = score_predictions(truth, pred, names, metrics=registry)
    assert list(scores) == [*SPACE_KEYS[:3], "mse", *SPACE_KEYS[3:6], "mse_latitude", *SPACE_KEYS[6:9],
                            "mse_longitude", *SPACE_KEYS[9:]]  # fmt: skip
    assert scores["mse_longitude"] == pytest.approx(((truth[:, 1] - pred[:, 1]) ** 2).mean())
    assert list(metric_replicates(truth, pred, names, resample_indices(len(truth), 4), registry)) == list(scores)
    boot = bootstrap_scores(truth, pred, names, resamples=20, metrics=registry)
    assert list(boot["metrics"]) == list(scores) and boot["metrics"]["mse"]["value"] == scores["mse"]
    assert list(boot["replicates"]) == [*KEPT_REPLICATES, "mse"]  # registry order
    assert metric_of("mse_latitude", registry) is mse and metric_of("within_50y", registry) is within

    t, p, year = registry_case("time")
    timed = bootstrap_scores(t, p, year, resamples=20, metrics=registry)
    assert list(timed["metrics"]) == ["r2", "spearman", "mae", "mse", "proximity_error", "within_50y"]
    assert timed["metrics"]["within_50y"]["value"] == pytest.approx((np.abs(t - p) <= 50).mean())
    assert "within_50y" not in timed["replicates"]  # not kept
    # The defaults are untouched by a copy of the registry.
    assert "mse" not in score_predictions(t, p, year)
    with pytest.raises(ValueError, match="required"):
        Metric("bad", mse.point, mse.replicates, higher_is_better=False, label="bad", required=True)
