"""Ridge probes with efficient leave-one-out, checked against scikit-learn's RidgeCV; the robustness probes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV

from spacetime.probing.probes.ridge import DEFAULT_ALPHAS, RidgeLOO
from spacetime.probing.probes.robustness import mlp_probe, mlp_weights, neuron_search, pca_probes

ALPHAS = np.logspace(-2, 4, 13)


def problem(rows: int, features: int, targets: int = 2, seed: int = 0):
    """Features on very different scales with an offset, targets (lat/lon-like) with different variances."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features)) * rng.uniform(0.1, 10, size=features) + rng.normal(size=features) * 5
    W = rng.normal(size=(features, targets)) / np.sqrt(features)
    y = X @ W + rng.normal(size=(rows, targets)) * np.array([5, 50, 1][:targets]) + np.array([40, -70, 3][:targets])
    return X, y


def sklearn_reference(X, y, alphas):
    """RidgeCV on train-z-scored targets (its default LOO mode, one alpha for all targets), de-normalised."""
    mean, scale = y.mean(axis=0), y.std(axis=0)
    ref = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, (y - mean) / scale)
    return ref, lambda Z: ref.predict(Z) * scale + mean


@pytest.mark.parametrize("rows,features", [(300, 40), (40, 300), (120, 120), (121, 120)])
def test_matches_sklearn_ridgecv(rows, features):
    X, y = problem(rows, features)
    X_new, _ = problem(50, features, seed=9)
    ours = RidgeLOO(ALPHAS).fit(X, y)
    ref, ref_predict = sklearn_reference(X, y, ALPHAS)
    assert ours.solver_ == ("cov" if rows > features else "gram")
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.predict(X_new), ref_predict(X_new), rtol=1e-6)
    np.testing.assert_allclose(ours.predict(X), ref_predict(X), rtol=1e-6)
    # The LOO criterion per alpha: RidgeCV's squared LOO errors, averaged over rows and targets.
    np.testing.assert_allclose(ours.loo_mse_, ref.cv_results_.mean(axis=(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, ref.coef_ * y.std(axis=0)[:, None], rtol=1e-6, atol=1e-12)


def test_both_solvers_agree_and_a_1d_target_keeps_sklearn_shapes():
    X, y = problem(200, 30, targets=1, seed=3)
    y = y[:, 0]
    cov = RidgeLOO(ALPHAS, solver="cov").fit(X, y)
    gram = RidgeLOO(ALPHAS, solver="gram").fit(X, y)
    assert cov.alpha_ == gram.alpha_
    np.testing.assert_allclose(cov.loo_mse_, gram.loo_mse_, rtol=1e-8)
    np.testing.assert_allclose(cov.predict(X), gram.predict(X), rtol=1e-8)
    ref, ref_predict = sklearn_reference(X, y, ALPHAS)
    assert cov.coef_.shape == ref.coef_.shape == (30,) and isinstance(cov.intercept_, float)
    assert cov.predict(X).shape == (200,)
    np.testing.assert_allclose(cov.predict(X), ref_predict(X), rtol=1e-6)


def test_unnormalised_targets_match_ridgecv_on_raw_targets():
    X, y = problem(150, 20, seed=4)
    ours = RidgeLOO(ALPHAS, normalize_targets=False).fit(X, y)
    ref = RidgeCV(alphas=ALPHAS).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)


def test_one_alpha_is_shared_and_minimises_the_summed_loo_error():
    X, y = problem(200, 25, seed=5)
    ours = RidgeLOO(ALPHAS).fit(X, y)
    per_target_best = ours.loo_mse_per_target_.argmin(axis=0)
    summed = ours.loo_mse_per_target_.sum(axis=1)
    assert ours.alpha_ == ALPHAS[int(summed.argmin())]
    # The per-target optimum alone is a different question (sklearn's alpha_per_target=True).
    ref = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, (y - y.mean(0)) / y.std(0))
    assert list(ref.alpha_) == [ALPHAS[i] for i in per_target_best]


def test_loo_equals_refitting_without_each_row():
    """The closed form against its definition: refit n times with one row left out."""
    X, y = problem(30, 8, seed=6)
    alpha = 3.0
    ours = RidgeLOO([alpha]).fit(X, y)
    z = (y - y.mean(0)) / y.std(0)
    errors = []
    for i in range(len(X)):
        keep = np.arange(len(X)) != i
        Xk, zk = X[keep], z[keep]
        xm, zm = Xk.mean(0), zk.mean(0)
        w = np.linalg.solve((Xk - xm).T @ (Xk - xm) + alpha * np.eye(X.shape[1]), (Xk - xm).T @ (zk - zm))
        errors.append((z[i] - (zm + (X[i] - xm) @ w)) ** 2)
    np.testing.assert_allclose(ours.loo_mse_[0], np.mean(errors), rtol=1e-9)


def test_float16_activations_are_fit_in_float64():
    X, y = problem(100, 16, seed=7)
    X16 = X.astype(np.float16)
    ours = RidgeLOO(ALPHAS).fit(X16, y)
    ref, ref_predict = sklearn_reference(X16.astype(np.float64), y, ALPHAS)
    np.testing.assert_allclose(ours.predict(X16), ref_predict(X16.astype(np.float64)), rtol=1e-6)


def test_bad_inputs_are_named():
    X, y = problem(50, 5)
    with pytest.raises(ValueError, match="constant"):
        RidgeLOO().fit(X, np.column_stack([y[:, 0], np.ones(50)]))
    X_bad = X.copy()
    X_bad[7, 2] = np.nan
    with pytest.raises(ValueError, match=r"X has 1 non-finite value\(s\), in rows \[7\]"):
        RidgeLOO().fit(X_bad, y)
    with pytest.raises(ValueError, match="positive"):
        RidgeLOO([1.0, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="rows"):
        RidgeLOO().fit(X, y[:10])
    with pytest.raises(ValueError, match="5 features"):
        RidgeLOO().fit(X, y).predict(X[:, :3])


def test_default_alphas_are_a_log_grid():
    assert len(DEFAULT_ALPHAS) == 13 and DEFAULT_ALPHAS[0] == pytest.approx(0.1)
    assert DEFAULT_ALPHAS[-1] == pytest.approx(1e5)


# --- robustness probes --------------------------------------------------------------------------------------------


def test_pca_probe_on_all_components_equals_the_full_probe_and_few_components_do_worse():
    X, y = problem(300, 12, seed=8)
    X_test, y_test = problem(100, 12, seed=8)[0], None
    fits = pca_probes(X, y, X_test, [2, 12], ALPHAS)
    full = RidgeLOO(ALPHAS).fit(X, y)
    # A rotation of the centred features: ridge is rotation-invariant, so k = all gives the same probe.
    np.testing.assert_allclose(fits[12][1], full.predict(X_test), rtol=1e-6)
    assert fits[2][0].loo_mse_.min() > full.loo_mse_.min()
    with pytest.raises(ValueError, match="outside 1..12"):
        pca_probes(X, y, X_test, [13])
    del y_test


def test_mlp_probe_is_seeded_and_fits_a_nonlinear_target():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = np.column_stack([np.abs(X[:, 0]) * 10 + 1900, X[:, 1] ** 2])
    a = mlp_probe(X[:500], y[:500], X[500:], seed=1)
    b = mlp_probe(X[:500], y[:500], X[500:], seed=1)
    np.testing.assert_array_equal(a, b)
    linear = RidgeLOO(ALPHAS).fit(X[:500], y[:500]).predict(X[500:])
    mse = lambda p: ((p - y[500:]) ** 2).mean(axis=0)  # noqa: E731
    assert np.all(mse(a) < mse(linear))  # |x| and x^2 are invisible to a linear probe


def test_neuron_search_finds_a_planted_direction_in_a_tiny_llama():
    import torch

    from tests.tiny import tiny_model

    model = tiny_model("llama", 64, seed=0, layers=2, hidden=32)
    up = model.model.layers[1].mlp.up_proj.weight.detach().double().numpy()
    down = model.model.layers[0].mlp.down_proj.weight.detach().double().numpy()
    directions = np.stack([3.0 * up[5], -down[:, 7]])  # a neuron's input weights; another's output weights, negated
    found = neuron_search(model, directions, ["latitude", "longitude"], top=3)
    lat, lon = found["neurons"]["latitude"][0], found["neurons"]["longitude"][0]
    assert (lat["layer"], lat["weight"], lat["neuron"]) == (1, "up", 5) and lat["cosine"] == pytest.approx(1.0)
    assert (lon["layer"], lon["weight"], lon["neuron"]) == (0, "down", 7) and lon["cosine"] == pytest.approx(-1.0)
    assert 0 < found["random_max_abs_cosine"] < 0.99
    assert len(mlp_weights(model)) == 2
    with torch.no_grad():
        with pytest.raises(ValueError, match="hidden size is 32"):
            neuron_search(model, np.ones((1, 16)), ["year"])


def test_neuron_search_refuses_models_without_llama_mlps():
    from tests.tiny import tiny_model

    model = tiny_model("gpt2", 64, layers=1, hidden=32)
    with pytest.raises(ValueError, match=r"Llama-style MLP .* 'gpt2' model lacks mlp.up_proj"):
        neuron_search(model, np.ones((1, 32)), ["year"])


def test_benchmark_runs_small_and_reports_agreement():
    from tools.bench.probes import proximity_benchmark, ridge_benchmark

    ridge = ridge_benchmark(layers=2, rows=300, hidden=32)
    assert ridge["equal"] and ridge["alpha_equal_layers"] == 2 and ridge["max_relative_prediction_difference"] < 1e-6
    assert ridge["ridge_loo_seconds"] > 0 and ridge["ridgecv_seconds"] > 0
    proximity = proximity_benchmark(rows=500)
    assert proximity["space"]["peak_traced_bytes"] > 0 and 0 < proximity["time"]["mean_proximity_error"] < 1
