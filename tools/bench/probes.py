"""Ridge probe sweep and proximity error, each against its baseline in the same run.

``ridge_benchmark``: the full sweep (every layer, every target, the alpha grid) of ``probing.ridge.RidgeLOO`` against
a loop of scikit-learn's ``RidgeCV`` (default LOO mode, one alpha for all targets) on the same synthetic activations
(default 30 layers x 5,000 rows x 576 dims, float32 like stored activations after loading, converted to float64 for
both). The layers are generated one at a time (seeded) and both methods run on each layer back to back, so load on a
shared machine hits both alike. Reported: wall and process CPU seconds of each, their ratios, and the agreement
(chosen alphas equal on every layer; largest relative difference of the test predictions).

``proximity_benchmark``: the chunked proximity error on 40,000 places (time, peak traced memory via tracemalloc,
which sees numpy's allocations), against what the n x n distance matrix of the original code would need.

Run: ``python -m tools.bench.probes [--threads N] [--out bench.json]``.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Sequence
from typing import Any

import numpy as np


def synthetic_layer(layer: int, layers: int, rows: int, hidden: int, targets: np.ndarray, seed: int) -> np.ndarray:
    """Activations of one layer: the z-scored targets mixed into ``hidden`` dims with a strength that rises with
    depth, plus anisotropic noise (a few dims with large variance, as residual streams have) and offsets."""
    rng = np.random.default_rng([seed, layer])
    latent = (targets - targets.mean(axis=0)) / targets.std(axis=0)
    mixing = rng.normal(size=(targets.shape[1], hidden))
    scales = np.exp(rng.normal(0.0, 1.0, hidden))
    strength = 2.0 * layer / max(layers - 1, 1)
    acts = strength * latent @ mixing + rng.normal(size=(rows, hidden)) * scales + rng.normal(0, 3, hidden)
    return acts.astype(np.float32)


def synthetic_places(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(-55, 70, rows), rng.uniform(-180, 180, rows)])


def ridge_benchmark(
    layers: int = 30,
    rows: int = 5_000,
    hidden: int = 576,
    alphas: Sequence[float] | None = None,
    test_share: float = 0.2,
    seed: int = 0,
    threads: int | None = 1,
) -> dict[str, Any]:
    """``threads``: BLAS threads for both methods (None: the library default). One thread by default: on a shared
    machine multi-threaded LAPACK calls (``eigh``, ``svd``) slow down by up to 10x when other jobs hold the cores."""
    from sklearn import __version__ as sklearn_version
    from sklearn.linear_model import RidgeCV
    from threadpoolctl import threadpool_limits

    from spacetime.probing.probes.ridge import DEFAULT_ALPHAS, RidgeLOO

    alphas = list(alphas or DEFAULT_ALPHAS)
    targets = synthetic_places(rows, seed)
    test = np.random.default_rng([seed, 99]).random(rows) < test_share
    train = ~test
    y_train = targets[train]
    mean, scale = y_train.mean(axis=0), y_train.std(axis=0)
    ours = {"wall": 0.0, "cpu": 0.0}
    sk = {"wall": 0.0, "cpu": 0.0}
    same_alpha, max_rel, alphas_chosen = 0, 0.0, []
    with threadpool_limits(limits=threads):
        for layer in range(layers):
            acts = synthetic_layer(layer, layers, rows, hidden, targets, seed)

            start, cpu = time.perf_counter(), time.process_time()
            X = acts.astype(np.float64)
            probe = RidgeLOO(alphas).fit(X[train], y_train)
            pred_ours = probe.predict(X[test])
            ours["wall"] += time.perf_counter() - start
            ours["cpu"] += time.process_time() - cpu

            start, cpu = time.perf_counter(), time.process_time()
            X = acts.astype(np.float64)
            ref = RidgeCV(alphas=alphas).fit(X[train], (y_train - mean) / scale)
            pred_sk = ref.predict(X[test]) * scale + mean
            sk["wall"] += time.perf_counter() - start
            sk["cpu"] += time.process_time() - cpu

            same_alpha += int(probe.alpha_ == ref.alpha_)
            alphas_chosen.append(probe.alpha_)
            max_rel = max(max_rel, float(np.max(np.abs(pred_ours - pred_sk) / np.maximum(np.abs(pred_sk), 1e-12))))
    return {
        "layers": layers,
        "rows": rows,
        "train_rows": int(train.sum()),
        "hidden": hidden,
        "targets": 2,
        "alphas": len(alphas),
        "threads": threads,
        "sklearn_version": sklearn_version,
        "ridge_loo_seconds": ours["wall"],
        "ridgecv_seconds": sk["wall"],
        "ridge_loo_cpu_seconds": ours["cpu"],
        "ridgecv_cpu_seconds": sk["cpu"],
        "speedup_wall": sk["wall"] / ours["wall"],
        "speedup_cpu": sk["cpu"] / max(ours["cpu"], 1e-9),
        "goal_speedup": 2.0,
        "alpha_equal_layers": same_alpha,
        "max_relative_prediction_difference": max_rel,
        "equal": same_alpha == layers and max_rel <= 1e-6,
        "chosen_alphas": alphas_chosen,
    }


def proximity_benchmark(rows: int = 40_000, seed: int = 0, noise_degrees: float = 20.0) -> dict[str, Any]:
    from spacetime.probing.probes.metrics import proximity_errors

    truth = synthetic_places(rows, seed)
    pred = truth + np.random.default_rng([seed, 1]).normal(0, noise_degrees, truth.shape)
    years = truth[:, :1] * 10 + 1500
    years_pred = pred[:, :1] * 10 + 1500
    out: dict[str, Any] = {"rows": rows, "dense_matrix_bytes": rows * rows * 8}
    for name, (t, p, spatial) in {"space": (truth, pred, True), "time": (years, years_pred, False)}.items():
        tracemalloc.start()
        start = time.perf_counter()
        errors = proximity_errors(t, p, spatial)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[name] = {"seconds": seconds, "peak_traced_bytes": peak, "mean_proximity_error": float(errors.mean())}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=30)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--hidden", type=int, default=576)
    parser.add_argument("--proximity-rows", type=int, default=40_000)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both methods (0: library default).")
    parser.add_argument("--out", default=None, help="Also write the JSON here.")
    args = parser.parse_args(argv)
    results = {
        "ridge": ridge_benchmark(args.layers, args.rows, args.hidden, threads=args.threads or None),
        "proximity": proximity_benchmark(args.proximity_rows),
    }
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
