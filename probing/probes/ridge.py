"""Ridge probes with exact, efficient leave-one-out (LOO) over an alpha grid.

One symmetric eigendecomposition per fit serves every alpha and every target: of the covariance ``Xc' Xc`` when
there are more rows than features, else of the Gram matrix ``Xc Xc'`` (``Xc`` = X centred on the train rows).
With an unpenalised intercept the fitted values are a linear smoother ``H = 11'/n + Xc (Xc'Xc + aI)^-1 Xc'``, so the
LOO residual of row i is ``(y_i - yhat_i) / (1 - H_ii)`` exactly. Both the diagonals and the fitted values of all
alphas come out of two matrix products, where scikit-learn's RidgeCV loops over alphas.

Targets are z-scored on the train rows (as in the paper), one alpha is chosen for all targets together (the one with
the smallest LOO squared error summed over targets; the first such alpha on ties), and predictions are returned in
the targets' own units. With the same alphas and z-scored targets this is scikit-learn's
``RidgeCV(alphas, fit_intercept=True)`` in its default LOO mode with ``alpha_per_target=False``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Log-spaced, wide enough for hidden sizes from 64 to 8192 (the paper used 10^0.8 .. 10^4.1 for Llama-2-7B).
DEFAULT_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-1, 5, 13))
SOLVERS = ("auto", "cov", "gram")


class RidgeLOO:
    """Ridge regression with the alpha chosen by exact leave-one-out; a scikit-learn-like estimator.

    After ``fit``: ``alpha_`` (chosen alpha), ``coef_`` (``[targets, features]``, or ``[features]`` for a 1-D y) and
    ``intercept_`` in the targets' units, ``loo_mse_`` (``[alphas]``: mean squared LOO error of the z-scored targets,
    averaged over rows and targets: RidgeCV's criterion), ``loo_mse_per_target_`` (``[alphas, targets]``),
    ``y_mean_`` and ``y_scale_`` (the train z-scoring), ``x_mean_`` (``[features]``: the train centring of X, already
    folded into ``intercept_``), ``solver_`` (``cov`` or ``gram``). ``predict`` is :func:`linear_predict` of
    ``coef_`` and ``intercept_`` alone, so those two arrays (as ``probes.weights`` saves them) reproduce it exactly.
    """

    def __init__(
        self, alphas: Sequence[float] = DEFAULT_ALPHAS, normalize_targets: bool = True, solver: str = "auto"
    ) -> None:
        self.alphas = alphas
        self.normalize_targets = normalize_targets
        self.solver = solver

    def fit(self, X: np.ndarray, y: np.ndarray) -> RidgeLOO:
        alphas = _check_alphas(self.alphas)
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        one_d = y.ndim == 1
        Y = y[:, None] if one_d else y
        _check_inputs(X, Y)
        n, p = X.shape
        x_mean = X.mean(axis=0)
        Xc = X - x_mean
        y_mean = Y.mean(axis=0)
        y_scale = Y.std(axis=0) if self.normalize_targets else np.ones(Y.shape[1])
        if np.any(y_scale == 0):
            raise ValueError(f"target column(s) {np.flatnonzero(y_scale == 0).tolist()} are constant on the train rows")
        Yc = (Y - y_mean) / y_scale
        solver = self.solver if self.solver != "auto" else ("cov" if n > p else "gram")
        if solver == "cov":
            loo, coef_z = _loo_cov(Xc, Yc, alphas)
        elif solver == "gram":
            loo, coef_z = _loo_gram(Xc, Yc, alphas)
        else:
            raise ValueError(f"solver must be one of {SOLVERS}, not {self.solver!r}")
        self.loo_mse_per_target_ = loo
        self.loo_mse_ = loo.mean(axis=1)
        best = int(np.argmin(self.loo_mse_))  # first minimum, as RidgeCV keeps the first best score
        self.best_index_ = best
        self.alpha_ = float(alphas[best])
        coef = coef_z(best) * y_scale[:, None]  # [targets, features], in target units
        intercept = y_mean - coef @ x_mean
        self.coef_ = coef[0] if one_d else coef
        self.intercept_ = float(intercept[0]) if one_d else intercept
        self.y_mean_, self.y_scale_ = (y_mean[0], y_scale[0]) if one_d else (y_mean, y_scale)
        self.x_mean_ = x_mean
        self.solver_ = solver
        self.n_features_in_ = p
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise RuntimeError("RidgeLOO: call fit before predict")
        return linear_predict(X, self.coef_, self.intercept_)


def linear_predict(X: np.ndarray, coef: np.ndarray, intercept: np.ndarray | float) -> np.ndarray:
    """``X @ coef.T + intercept`` in float64: the one prediction path of a fitted probe, live or loaded from disk."""
    X = np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef)
    if X.ndim != 2 or X.shape[1] != coef.shape[-1]:
        raise ValueError(f"X has shape {X.shape}; the probe was fit on {coef.shape[-1]} features")
    return X @ coef.T + intercept


def _loo_cov(Xc: np.ndarray, Yc: np.ndarray, alphas: np.ndarray):
    """Rows > features: eigh of Xc'Xc = V diag(lam) V'; with Z = Xc V, H_ii = 1/n + sum_j Z_ij^2 / (lam_j + a)."""
    n = len(Xc)
    lam, V = np.linalg.eigh(Xc.T @ Xc)
    lam = np.clip(lam, 0.0, None)  # round-off can make the smallest eigenvalues slightly negative
    Z = Xc @ V
    ZtY = Z.T @ Yc  # [r, k]
    inv = 1.0 / (lam[:, None] + alphas[None, :])  # [r, A]
    leverage = (Z * Z) @ inv + 1.0 / n  # [n, A]
    fitted = Z @ (inv[:, :, None] * ZtY[:, None, :]).reshape(len(lam), -1)  # [n, A*k]
    loo = _loo_mse(Yc, fitted.reshape(n, len(alphas), -1), leverage)

    def coef(index: int) -> np.ndarray:
        return (V @ (inv[:, index, None] * ZtY)).T

    return loo, coef


def _loo_gram(Xc: np.ndarray, Yc: np.ndarray, alphas: np.ndarray):
    """Rows <= features: eigh of Xc Xc' = Q diag(lam) Q'. With G = Xc Xc' + aI, the LOO residual is c_i / d_i where
    c = G^-1 y and d = diag(G^-1) - (G^-1 1)/n: the same ratio as (y - yhat)_i / (1 - H_ii), both scaled by 1/a,
    without the cancellation in 1 - H_ii when H_ii is close to 1 (small alphas, nearly interpolating)."""
    n = len(Xc)
    lam, Q = np.linalg.eigh(Xc @ Xc.T)
    lam = np.clip(lam, 0.0, None)
    QtY = Q.T @ Yc
    Qt1 = Q.sum(axis=0)
    inv = 1.0 / (lam[:, None] + alphas[None, :])  # [n, A]
    c = (Q @ (inv[:, :, None] * QtY[:, None, :]).reshape(n, -1)).reshape(n, len(alphas), -1)
    d = (Q * Q) @ inv - (Q @ (inv * Qt1[:, None])) / n  # [n, A]
    loo = ((c / d[:, :, None]) ** 2).mean(axis=0)

    def coef(index: int) -> np.ndarray:
        dual = Q @ (QtY * inv[:, index, None])  # (Xc Xc' + aI)^-1 y
        return (Xc.T @ dual).T

    return loo, coef


def _loo_mse(Yc: np.ndarray, fitted: np.ndarray, leverage: np.ndarray) -> np.ndarray:
    """Mean over rows of squared LOO residuals, per alpha and target: ``[A, k]``."""
    residual = (Yc[:, None, :] - fitted) / (1.0 - leverage)[:, :, None]
    return (residual**2).mean(axis=0)


def _check_alphas(alphas: Sequence[float]) -> np.ndarray:
    values = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if values.ndim != 1 or not len(values) or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"alphas must be a non-empty list of positive numbers, not {alphas!r}")
    return values


def _check_inputs(X: np.ndarray, Y: np.ndarray) -> None:
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D [rows, features], not shape {X.shape}")
    if Y.ndim != 2 or len(Y) != len(X):
        raise ValueError(f"y has {len(Y)} rows, X has {len(X)}")
    if len(X) < 3:
        raise ValueError("ridge LOO needs at least three rows")
    for name, values in (("X", X), ("y", Y)):
        bad = ~np.isfinite(values)
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1))
            raise ValueError(f"{name} has {int(bad.sum())} non-finite value(s), in rows {rows[:5].tolist()}...")
