"""Fitted probes as artifacts: every layer's ridge of a probe run, saved as safetensors (no pickle) beside the results.

One file per dataset, ``<probe folder>/weights/<dataset>.safetensors``, float64 tensors, per probed layer ``L``
(``layer_{L:03d}.<name>``)::

    coef       [targets, features]   in the targets' units (the z-scoring folded in)
    intercept  [targets]             in the targets' units (the centring of X folded in)
    alpha      [1]                   the alpha chosen by leave-one-out
    x_mean     [features]            the train mean of X (RidgeLOO centres X before solving)
    y_mean     [targets]             the train mean of the targets (they are z-scored before solving)
    y_scale    [targets]             the train standard deviation of the targets

Predictions are ``X @ coef.T + intercept`` (:func:`ridge.linear_predict`, the very function ``RidgeLOO.predict``
calls), with X the layer's float16 activations as float64, so a loaded probe reproduces the run's predictions bit for
bit on the same numpy/BLAS build (another BLAS may differ in the last bits, ~1e-12 relative). The model as solved:
``(y - y_mean) / y_scale = (coef / y_scale[:, None]) @ (x - x_mean)``, so ``intercept = y_mean - coef @ x_mean``.

The safetensors metadata (strings; lists and mappings as JSON) say what the probes apply to: :data:`METADATA_KEYS`.
``entity_ids_sha256`` is the sha256 of the entity ids the probes were fitted on, in the dataset's row order (the rows
of X; ``store.entity_ids_sha256``), so the weights apply to any activation folder of those entities, whatever order it
stores them in (an activation release stores the dataset's order); :func:`reproduce_predictions` refuses activations,
or a dataset, that the weights were not fitted on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.errors import SpacetimeError
from spacetime.probing.extraction import store

from .ridge import RidgeLOO, linear_predict

FORMAT = "llm-spacetime-probe-weights/1"
WEIGHTS_DIR = "weights"
TENSORS = ("coef", "intercept", "alpha", "x_mean", "y_mean", "y_scale")
METADATA_KEYS = (
    "format",
    "probe",
    "dataset",
    "targets",  # JSON list, the order of the coef rows and of the pred_<target> columns
    "layers",  # JSON list of the probed layers
    "alphas",  # JSON {layer: chosen alpha}
    "alpha_grid",  # JSON list of the alphas leave-one-out chose from
    "best_layer",
    "model",
    "model_revision",
    "model_dtype",
    "random_init",
    "prompt",
    "hook_point",  # the template, e.g. blocks.{layer}.hook_resid_post; empty for the static-embedding baseline
    "dataset_repo",
    "dataset_revision",
    "entity_ids_sha256",  # the entities fitted on, in the dataset's row order
    "train_rows",
    "test_rows",
    "package_version",
)


class WeightsError(SpacetimeError, ValueError):
    """A weights file that is unreadable, or that does not belong to the activations or dataset it is applied to."""


@dataclass(frozen=True)
class FittedRidge:
    """One layer's fitted ridge, as saved: predicts exactly as the ``RidgeLOO`` it was taken from."""

    layer: int
    coef: np.ndarray  # [targets, features]
    intercept: np.ndarray  # [targets]
    alpha: float
    x_mean: np.ndarray  # [features]
    y_mean: np.ndarray  # [targets]
    y_scale: np.ndarray  # [targets]

    @classmethod
    def from_ridge(cls, layer: int, ridge: RidgeLOO) -> FittedRidge:
        p = ridge.n_features_in_
        return cls(
            layer,
            np.asarray(ridge.coef_, dtype=np.float64).reshape(-1, p),
            np.atleast_1d(np.asarray(ridge.intercept_, dtype=np.float64)),
            float(ridge.alpha_),
            np.asarray(ridge.x_mean_, dtype=np.float64),
            np.atleast_1d(np.asarray(ridge.y_mean_, dtype=np.float64)),
            np.atleast_1d(np.asarray(ridge.y_scale_, dtype=np.float64)),
        )

    @property
    def n_features(self) -> int:
        return int(self.coef.shape[1])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``[rows, targets]`` in the targets' units."""
        return linear_predict(X, self.coef, self.intercept)


def predict(weights: Mapping[int, FittedRidge], layer: int, X: np.ndarray) -> np.ndarray:
    """The predictions of ``weights``' probe of ``layer`` on activations ``X`` ``[rows, features]``."""
    if layer not in weights:
        raise WeightsError(f"no probe of layer {layer} (probed layers: {sorted(weights)})")
    return weights[layer].predict(X)


def tensor_name(layer: int, name: str) -> str:
    return f"layer_{layer:03d}.{name}"


# --- writing -------------------------------------------------------------------------------------------------------


def save_probe_weights(path: Path, probe: Any, folder: Path, identity: Mapping[str, str]) -> Path:
    """Save every fitted layer of ``probe`` (a swept ``run.DatasetProbe``) of activation folder ``folder``, probed
    against the dataset ``identity`` (``dataset_repo``, ``dataset_revision``), to ``path`` (atomically, with a
    sorted header: the same fits give the same bytes)."""
    import torch

    from spacetime import __version__

    if not probe.fits:
        raise ValueError(f"{probe.dataset}: no fitted layers to save")
    fitted = [FittedRidge.from_ridge(fit.layer, fit.probe) for fit in probe.fits]
    tensors: dict[str, Any] = {}
    for f in fitted:
        arrays = {
            "coef": f.coef,
            "intercept": f.intercept,
            "alpha": np.array([f.alpha]),
            "x_mean": f.x_mean,
            "y_mean": f.y_mean,
            "y_scale": f.y_scale,
        }
        for name, array in arrays.items():
            tensors[tensor_name(f.layer, name)] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))
    manifest = probe.manifest
    split = np.asarray(probe.split)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "probe": "ridge",
        "dataset": probe.dataset,
        "targets": list(probe.target_names),
        "layers": [f.layer for f in fitted],
        "alphas": {str(f.layer): f.alpha for f in fitted},
        "alpha_grid": [float(a) for a in np.atleast_1d(probe.fits[0].probe.alphas)],
        "best_layer": probe.best().layer,
        "model": manifest.get("model"),
        "model_revision": manifest.get("model_revision"),
        "model_dtype": manifest.get("model_dtype"),
        "random_init": bool(manifest.get("random_init", False)),
        "prompt": manifest.get("prompt"),
        "hook_point": manifest.get("hook_point") or ("" if manifest.get("baseline") else store.HOOK_POINT),
        "dataset_repo": identity.get("dataset_repo"),
        "dataset_revision": identity.get("dataset_revision"),
        "entity_ids_sha256": store.entity_ids_sha256(probe.entity_ids),
        "train_rows": int((split == "train").sum()),
        "test_rows": int((split == "test").sum()),
        "package_version": __version__,
    }
    store.save_tensors_atomic(Path(path), tensors, {k: _text(meta[k]) for k in METADATA_KEYS})
    return Path(path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


# --- reading -------------------------------------------------------------------------------------------------------


def weights_metadata(path: Path) -> dict[str, Any]:
    """The metadata of a weights file, decoded: lists and mappings from JSON, layers as ints, ``random_init`` a bool."""
    from safetensors import safe_open

    path = Path(path)
    try:
        with safe_open(path, framework="np") as fh:
            raw = dict(fh.metadata() or {})
    except Exception as error:  # safetensors raises its own error types for a truncated or foreign file
        raise WeightsError(f"{path}: not a readable safetensors file ({error})") from error
    if raw.get("format") != FORMAT:
        raise WeightsError(f"{path}: not a probe weights file (format {raw.get('format')!r}, want {FORMAT!r})")
    missing = [k for k in METADATA_KEYS if k not in raw]
    if missing:
        raise WeightsError(f"{path}: metadata lacks {missing}")
    meta: dict[str, Any] = dict(raw)
    try:
        for key in ("targets", "layers", "alphas", "alpha_grid"):
            meta[key] = json.loads(raw[key])
        meta["alphas"] = {int(k): float(v) for k, v in meta["alphas"].items()}
        meta["layers"] = [int(x) for x in meta["layers"]]
        for key in ("best_layer", "train_rows", "test_rows"):
            meta[key] = int(raw[key])
    except (ValueError, TypeError, AttributeError) as error:
        raise WeightsError(f"{path}: malformed metadata ({error})") from error
    meta["random_init"] = raw["random_init"] == "true"
    return meta


def load_probe_weights(path: Path) -> dict[int, FittedRidge]:
    """Every layer's fitted probe in a weights file, ``{layer: FittedRidge}`` in the file's layer order."""
    from safetensors import safe_open

    path = Path(path)
    meta = weights_metadata(path)
    k = len(meta["targets"])
    out: dict[int, FittedRidge] = {}
    with safe_open(path, framework="np") as fh:
        names = set(fh.keys())
        for layer in meta["layers"]:
            wanted = [tensor_name(layer, t) for t in TENSORS]
            absent = [n for n in wanted if n not in names]
            if absent:
                raise WeightsError(f"{path}: layer {layer} lacks tensor(s) {absent}")
            arrays = {t: fh.get_tensor(tensor_name(layer, t)) for t in TENSORS}
            bad = [t for t, a in arrays.items() if a.dtype != np.float64]
            if bad:
                raise WeightsError(f"{path}: layer {layer}: tensor(s) {bad} are not float64")
            coef = arrays["coef"]
            p = coef.shape[-1] if coef.ndim == 2 else -1
            shapes = {"coef": (k, p), "intercept": (k,), "alpha": (1,), "x_mean": (p,), "y_mean": (k,), "y_scale": (k,)}
            wrong = [t for t, shape in shapes.items() if arrays[t].shape != shape]
            if wrong:
                raise WeightsError(
                    f"{path}: layer {layer}: tensor(s) {wrong} have the wrong shape for {k} target(s) "
                    f"({ {t: arrays[t].shape for t in wrong} })"
                )
            out[layer] = FittedRidge(
                layer,
                coef,
                arrays["intercept"],
                float(arrays["alpha"][0]),
                arrays["x_mean"],
                arrays["y_mean"],
                arrays["y_scale"],
            )
    return out


# --- reproducing a run's predictions --------------------------------------------------------------------------------


def reproduce_predictions(
    weights_path: Path,
    activation_folder: Path,
    data_source: str | Path,
    revision: str | None = None,
    layer: int | None = None,
) -> Any:
    """Recompute a probe run's test predictions from its saved weights, without refitting.

    ``weights_path`` (``<probe folder>/weights/<dataset>.safetensors``) is applied to ``activation_folder``'s layer
    ``layer`` (default: the run's best layer) for the test entities of ``data_source`` at ``revision`` (a release
    folder or Hub dataset repo, as ``spacetime probe --data``/``--revision``). Returns the frame of
    ``predictions/<dataset>.parquet`` (``entity_id``, ``layer``, ``pred_<target>``...), equal to it bit for bit for
    the best layer. Raises :class:`WeightsError` (a ``SpacetimeError`` and a ``ValueError``) naming the file when
    the weights were fitted on another model, dataset, dataset revision, target list or activation row order.
    """
    import pandas as pd

    from spacetime.loaders.identity import dataset_identity
    from spacetime.loaders.load import probing_data

    from .run import PRED_PREFIX, prepare

    weights_path, folder = Path(weights_path), Path(activation_folder)
    meta = weights_metadata(weights_path)
    manifest = store.load_manifest(folder)
    for key in ("dataset", "model", "model_revision"):
        if _text(manifest.get(key)) != meta[key]:
            raise WeightsError(
                f"{weights_path}: fitted on {key} {meta[key]!r}, but {folder} holds {key} {manifest.get(key)!r}"
            )
    identity = dataset_identity(data_source, revision)
    if identity["dataset_revision"] != meta["dataset_revision"]:
        raise WeightsError(
            f"{weights_path}: fitted on dataset revision {meta['dataset_revision']!r}, "
            f"not {identity['dataset_revision']!r} ({data_source})"
        )
    data = probing_data(data_source, meta["dataset"], revision)
    if list(data.target_names) != meta["targets"]:
        raise WeightsError(f"{weights_path}: targets {meta['targets']}, the dataset's are {list(data.target_names)}")
    layer = meta["best_layer"] if layer is None else int(layer)
    weights = load_probe_weights(weights_path)
    if layer not in weights:
        raise WeightsError(f"{weights_path}: no probe of layer {layer} (probed layers: {sorted(weights)})")
    store.verify_folder(folder, [store.layer_file(layer), store.ENTITY_IDS])
    probe = prepare(folder, data)  # aligns the folder's rows to the dataset's, by entity id
    rows = store.entity_ids_sha256(probe.entity_ids)
    if rows != meta["entity_ids_sha256"]:
        raise WeightsError(
            f"{weights_path}: fitted on other entities or another order of the dataset's rows "
            f"(entity_ids_sha256 {meta['entity_ids_sha256'][:12]}..., {data_source} gives {rows[:12]}...)"
        )
    test = probe.split == "test"
    X = probe.layer_matrix(folder, layer)  # the very matrix the run fitted on (float16 -> float64, dataset order)
    pred = predict(weights, layer, X[test]).reshape(int(test.sum()), -1)
    frame = pd.DataFrame({"entity_id": probe.test_ids, "layer": np.full(len(pred), layer, np.int64)})
    for j, name in enumerate(probe.target_names):
        frame[PRED_PREFIX + name] = pred[:, j]
    return frame


def weights_file(weights_dir: Path, dataset: str) -> Path:
    """``<dataset>.safetensors`` in a probe folder's ``weights/`` or in a folder of weights (a leaderboard
    ``weights_<name>/``)."""
    for path in (
        Path(weights_dir) / WEIGHTS_DIR / f"{dataset}.safetensors",
        Path(weights_dir) / f"{dataset}.safetensors",
    ):
        if path.is_file():
            return path
    raise WeightsError(f"{weights_dir}: no saved probes of {dataset} ({WEIGHTS_DIR}/{dataset}.safetensors)")


def apply_saved_probes(
    folders: list[Path], weights_dir: Path, data_source: str | Path, out: Path, revision: str | None = None
) -> dict[str, Any]:
    """The saved probes of ``weights_dir`` applied to each activation folder, without refitting: the best layer's
    test predictions (``out/predictions/<dataset>.parquet``) and their metrics (``out/results.json``)."""
    from spacetime.common import write_json_atomic
    from spacetime.loaders.load import probing_data
    from spacetime.pipelines.registry import spec

    from .metrics import score_predictions
    from .run import PRED_PREFIX, PREDICTIONS_DIR, RESULTS_FILE, write_parquet

    results: dict[str, Any] = {}
    for folder in folders:
        dataset = store.load_manifest(folder).get("dataset")
        path = weights_file(weights_dir, dataset)
        frame = reproduce_predictions(path, folder, data_source, revision)
        data = probing_data(data_source, dataset, revision)
        truth = dict(zip(data.entity_ids, data.targets))
        y_true = np.array([truth[e] for e in frame["entity_id"]])
        y_pred = frame[[PRED_PREFIX + t for t in data.target_names]].to_numpy(np.float64)
        layer = int(frame["layer"].iloc[0])
        results[dataset] = {
            "best_layer": layer,
            "weights": str(path),
            **score_predictions(y_true, y_pred, data.target_names, kind=spec(dataset).kind),
        }
        write_parquet(Path(out) / PREDICTIONS_DIR / f"{dataset}.parquet", frame)
    payload = {"config": {"probe": "ridge (saved)", "weights": str(weights_dir)}, "results": results}
    write_json_atomic(Path(out) / RESULTS_FILE, payload)
    return payload
