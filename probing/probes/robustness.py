"""Robustness probes of the paper, as options of `spacetime probe`: a nonlinear (MLP) probe, probes on the top
principal components, block holdout (train without one country / state / borough / century / decade / year, test on
it), and the neuron search (cosine of probe directions with the model's MLP input and output weights)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.pipelines.registry import DATASETS, spec

from .metrics import METRIC, dataset_kind, proximity_errors
from .ridge import DEFAULT_ALPHAS, RidgeLOO

MLP_HIDDEN = 256


# --- nonlinear probe ----------------------------------------------------------------------------------------------


def mlp_probe(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    seed: int = 0,
    hidden: int = MLP_HIDDEN,
    max_iter: int = 200,
) -> np.ndarray:
    """Test predictions of a one-hidden-layer MLP (sklearn ``MLPRegressor``, seeded, early stopping) trained on
    standardised activations and z-scored targets; returned in the targets' units."""
    from sklearn.neural_network import MLPRegressor

    x_mean, x_scale = X_train.mean(axis=0), X_train.std(axis=0)
    x_scale[x_scale == 0] = 1.0
    y_train = np.asarray(y_train, dtype=np.float64).reshape(len(y_train), -1)
    y_mean, y_scale = y_train.mean(axis=0), y_train.std(axis=0)
    model = MLPRegressor(hidden_layer_sizes=(hidden,), random_state=seed, early_stopping=True, max_iter=max_iter)
    model.fit(
        (X_train - x_mean) / x_scale,
        (y_train - y_mean) / y_scale if y_train.shape[1] > 1 else ((y_train - y_mean) / y_scale)[:, 0],
    )
    pred = model.predict((X_test - x_mean) / x_scale).reshape(len(X_test), -1)
    return pred * y_scale + y_mean


# --- principal components -----------------------------------------------------------------------------------------


def pca_probes(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    ks: Sequence[int],
    alphas: Sequence[float] = DEFAULT_ALPHAS,
) -> dict[int, tuple[RidgeLOO, np.ndarray]]:
    """For each k: a ridge probe on the top-k principal components of the train activations; (probe, test preds)."""
    mean = X_train.mean(axis=0)
    centred = X_train - mean
    eigvals, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(eigvals)[::-1]
    out = {}
    for k in ks:
        if not 1 <= k <= X_train.shape[1]:
            raise ValueError(f"PCA probe: k={k} is outside 1..{X_train.shape[1]} (the hidden size)")
        basis = vectors[:, order[:k]]
        probe = RidgeLOO(alphas).fit(centred @ basis, y_train)
        out[k] = (probe, probe.predict((X_test - mean) @ basis).reshape(len(X_test), -1))
    return out


# --- block holdout ------------------------------------------------------------------------------------------------


def block_labels(source: str | Path, config: str, entity_ids: Sequence[str], revision: str | None = None) -> np.ndarray:
    """The block of every entity (in ``entity_ids`` order), from the released dataset's column for ``config``."""
    from spacetime.loaders.load import load_config

    if config not in DATASETS:
        raise ValueError(f"no block column for {config!r}; known: {', '.join(DATASETS)}")
    block = spec(config).block  # the column a block comes from, and how a value becomes a block label
    column = block.column
    ds = load_config(source, config, revision)
    by_id: dict[str, str] = {}
    for split in ds:
        part = ds[split]
        feature = part.features[column]
        values = part[column]
        if hasattr(feature, "int2str"):  # ClassLabel (e.g. the NYC borough)
            values = [feature.int2str(v) if v is not None else None for v in values]
        for entity, value in zip(part["entity_id"], values):
            by_id[entity] = None if value is None else block.label(value)
    missing = [e for e in entity_ids if e not in by_id]
    if missing:
        raise ValueError(f"{config}: {len(missing)} entities have no {column!r} in the dataset, e.g. {missing[:3]}")
    return np.array([by_id[e] if by_id[e] is not None else "" for e in entity_ids], dtype=object)


def block_holdout(
    X: np.ndarray,
    y: np.ndarray,
    split: np.ndarray,
    blocks: np.ndarray,
    target_names: Sequence[str],
    baseline_test_pred: np.ndarray,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    min_test_rows: int = 20,
    max_blocks: int = 10,
    kind: str | None = None,
    fits: list[tuple[str, np.ndarray, np.ndarray, RidgeLOO]] | None = None,
) -> list[dict[str, Any]]:
    """For each of the ``max_blocks`` largest blocks with at least ``min_test_rows`` test rows: a probe trained on
    the train rows outside the block, scored on the block's test rows, beside the standard probe on the same rows.

    The proximity error of the block's rows is measured among all test predictions (the block's from the holdout
    probe, the others from the standard probe), so it says how far the block moved relative to everything else.
    ``fits``: :func:`held_out_blocks` of the same arguments, when already computed."""
    train, test = split == "train", split == "test"
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    spatial = (kind or dataset_kind(target_names)) == "space"
    labels = blocks.astype(str)
    y_test = y[test]
    baseline = np.asarray(baseline_test_pred, dtype=np.float64).reshape(len(y_test), -1)
    out = []
    if fits is None:
        fits = held_out_blocks(X, y, split, blocks, alphas, min_test_rows, max_blocks)
    for block, rows, held, probe in fits:
        inside = labels == block
        mixed = baseline.copy()
        mixed[rows] = held
        holdout = _block_metrics(y_test[rows], held, spatial)
        holdout["proximity_error"] = float(proximity_errors(y_test, mixed, spatial, rows).mean())
        standard = _block_metrics(y_test[rows], baseline[rows], spatial)
        standard["proximity_error"] = float(proximity_errors(y_test, baseline, spatial, rows).mean())
        out.append(
            {
                "block": block,
                "test_rows": int(len(rows)),
                "train_rows_without_block": int((train & ~inside).sum()),
                "alpha": probe.alpha_,
                "holdout": holdout,
                "standard": standard,
            }
        )
    return out


def held_out_blocks(
    X: np.ndarray,
    y: np.ndarray,
    split: np.ndarray,
    blocks: np.ndarray,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    min_test_rows: int = 20,
    max_blocks: int = 10,
) -> list[tuple[str, np.ndarray, np.ndarray, RidgeLOO]]:
    """``(block, rows, predictions, probe)`` for each of the ``max_blocks`` largest blocks (by test rows, then
    name) with at least ``min_test_rows`` test rows: ``probe`` is trained on the train rows outside the block,
    ``rows`` are the block's positions within the test split and ``predictions`` its test rows' ``[rows, targets]``."""
    train, test = split == "train", split == "test"
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    labels = blocks.astype(str)
    names, counts = np.unique(labels[test], return_counts=True)
    chosen = sorted(
        ((c, b) for b, c in zip(names, counts) if c >= min_test_rows and b != ""), key=lambda cb: (-cb[0], cb[1])
    )
    out = []
    for _, block in chosen[:max_blocks]:
        inside = labels == block
        probe = RidgeLOO(alphas).fit(X[train & ~inside], y[train & ~inside])
        rows = np.flatnonzero(inside[test])
        out.append((str(block), rows, probe.predict(X[test & inside]).reshape(len(rows), -1), probe))
    return out


def held_out_frame(
    fits: list[tuple[str, np.ndarray, np.ndarray, RidgeLOO]], test_ids: Sequence[str], target_names: Sequence[str]
) -> Any:
    """The held-out predictions of :func:`held_out_blocks` as one frame: ``entity_id``, ``block``,
    ``pred_<target>`` for every test entity of a held-out block (the blocks in order, each in test order)."""
    import pandas as pd

    parts = []
    for block, rows, held, _ in fits:
        part = pd.DataFrame({"entity_id": [test_ids[i] for i in rows], "block": block})
        for j, target in enumerate(target_names):
            part[f"pred_{target}"] = held[:, j]
        parts.append(part)
    columns = ["entity_id", "block", *[f"pred_{t}" for t in target_names]]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def generalisation_r2(
    y_held: np.ndarray, held: np.ndarray, standard: np.ndarray, y_test: np.ndarray, resamples: int, seed: int
) -> dict[str, Any] | None:
    """The generalisation R^2 of a probe: ``1 - MSE / Var``, averaged over targets (places: latitude and
    longitude), where MSE is the mean squared error of the pooled block hold-out predictions ``held`` of the rows
    ``y_held`` (every test entity of the held-out blocks of :func:`held_out_blocks`: the 10 largest blocks of the
    dataset's spec Block column with >= 20 test rows, each predicted by the probe trained at the chosen layer on the
    train rows outside its own block), and Var is the variance of the whole test split ``y_test``: the headline
    R^2's denominator. So it reads on the headline's scale: the R^2 the probe would have if every test entity were
    as far from its prediction as an entity of a block never seen in training; and it stays defined with a single
    held-out block (an R^2 within one block would divide by that block's own small spread).

    With its percentile bootstrap interval (the rows resampled, ``resamples`` and ``seed``; Var held fixed) and
    ``standard_r2``: the same number for the usual probe's predictions of the same rows, for the gap. None with
    fewer than two held-out rows."""
    from .bootstrap import interval, resample_counts, resample_indices

    y_held, held = _as_2d(y_held), _as_2d(held)
    if len(y_held) < 2:
        return None
    variance = _as_2d(y_test).var(axis=0)
    counts = resample_counts(resample_indices(len(y_held), resamples, seed), len(y_held))
    replicates = (1.0 - (counts @ (y_held - held) ** 2 / len(y_held)) / variance).mean(axis=1)
    return {
        "r2": _variance_r2(y_held, held, variance),
        "r2_ci": list(interval(replicates)),
        "standard_r2": _variance_r2(y_held, _as_2d(standard), variance),
        "rows": int(len(y_held)),
    }


def _variance_r2(truth: np.ndarray, pred: np.ndarray, variance: np.ndarray) -> float:
    return float(np.mean(1.0 - ((truth - pred) ** 2).mean(axis=0) / variance))


def _as_2d(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[:, None] if values.ndim == 1 else values


def _block_metrics(truth: np.ndarray, pred: np.ndarray, spatial: bool) -> dict[str, float]:
    out = {"mae": float(np.abs(truth - pred).mean())}
    if spatial:
        out["haversine_km"] = METRIC["haversine_km"].value(truth, pred, "space")
    return out


# --- neuron search ------------------------------------------------------------------------------------------------


def mlp_weights(model: Any) -> list[dict[str, np.ndarray]]:
    """Per decoder block: the MLP's input directions (rows of ``up_proj`` and ``gate_proj``) and output directions
    (columns of ``down_proj``), each ``[intermediate, hidden]`` float64. Llama-style MLPs only."""
    from spacetime.probing.extraction.models import decoder_blocks

    blocks = decoder_blocks(model)
    out = []
    for index, block in enumerate(blocks):
        mlp = getattr(block, "mlp", None)
        parts = {name: getattr(mlp, name, None) for name in ("up_proj", "gate_proj", "down_proj")}
        missing = [name for name, module in parts.items() if module is None or not hasattr(module, "weight")]
        if missing:
            arch = getattr(model.config, "model_type", type(model).__name__)
            raise ValueError(
                f"neuron search needs a Llama-style MLP (mlp.up_proj, mlp.gate_proj, mlp.down_proj); "
                f"block {index} of this {arch!r} model lacks {', '.join(f'mlp.{m}' for m in missing)}"
            )
        weight = {
            name: module.weight.detach().float().cpu().numpy().astype(np.float64) for name, module in parts.items()
        }
        out.append({"up": weight["up_proj"], "gate": weight["gate_proj"], "down": weight["down_proj"].T})
    return out


def neuron_search(
    model: Any, directions: np.ndarray, target_names: Sequence[str], top: int = 10, seed: int = 0
) -> dict[str, Any]:
    """Neurons whose input (``up``/``gate``) or output (``down``) weights are most aligned with each probe direction
    (``[targets, hidden]``, in activation space), over every block of the model; by absolute cosine similarity.

    ``random_max_abs_cosine`` is the same search for a seeded random direction: the level chance alone reaches."""
    weights = mlp_weights(model)
    directions = np.asarray(directions, dtype=np.float64).reshape(len(target_names), -1)
    hidden = weights[0]["up"].shape[1]
    if directions.shape[1] != hidden:
        raise ValueError(f"probe directions have {directions.shape[1]} dimensions, the model's hidden size is {hidden}")
    random_direction = np.random.default_rng(seed).standard_normal(hidden)
    found: dict[str, list[dict[str, Any]]] = {}
    for name, direction in zip(target_names, directions):
        found[name] = _aligned_neurons(weights, direction, top)[:top]
    chance = _aligned_neurons(weights, random_direction, 1)
    return {
        "neurons": found,
        "random_max_abs_cosine": chance[0]["abs_cosine"] if chance else None,
        "weights": "raw MLP weights (input: up_proj/gate_proj rows, output: down_proj columns); norms not folded",
    }


def _aligned_neurons(
    weights: list[dict[str, np.ndarray]], direction: np.ndarray, per_matrix: int = 10
) -> list[dict[str, Any]]:
    unit = direction / np.linalg.norm(direction)
    hits = []
    for layer, block in enumerate(weights):
        for kind, matrix in block.items():
            norms = np.linalg.norm(matrix, axis=1)
            cosine = (matrix @ unit) / np.where(norms > 0, norms, 1.0)
            for neuron in np.argsort(-np.abs(cosine))[:per_matrix]:
                hits.append(
                    {
                        "layer": layer,
                        "weight": kind,
                        "neuron": int(neuron),
                        "cosine": float(cosine[neuron]),
                        "abs_cosine": float(abs(cosine[neuron])),
                    }
                )
    hits.sort(key=lambda h: -h["abs_cosine"])
    return hits
