"""`spacetime probe`: ridge probes on every stored layer of activation folders, scored on the fixed test split,
written as a results JSON in the leaderboard convention, per-entity test predictions (Parquet), plots and a report.

Layout of the output folder (`spacetime evaluate` runs this stage for every leaderboard request)::

    results.json                      {"config": {...}, "results": {"<dataset>": {"best_layer", metrics, "per_layer"}}}
    predictions/<dataset>.parquet     entity_id, layer (= best_layer), pred_<target>... for every test entity
    block_holdout/<dataset>.parquet   (--block-holdout) entity_id, block, pred_<target>... of held-out test entities
    weights/<dataset>.safetensors     every layer's fitted ridge (coef, intercept, alpha, centring; see weights.py)
    plots/<dataset>_r2_by_layer.png   and <dataset>_map.png (places) or <dataset>_years.png (time)
    report.md

The best layer is the one with the smallest leave-one-out error on the train split, so it is chosen without looking
at the test split; its test metrics are the dataset's headline numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.common import write_json_atomic
from spacetime.loaders.identity import dataset_identity
from spacetime.pipelines.registry import spec
from spacetime.probing.extraction import store

from .metrics import score_predictions
from .ridge import DEFAULT_ALPHAS, RidgeLOO

log = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
PREDICTIONS_DIR = "predictions"
PRED_PREFIX = "pred_"
HOLDOUT_DIR = "block_holdout"


@dataclass
class LayerFit:
    layer: int
    probe: RidgeLOO
    train: dict[str, float]
    test: dict[str, float]
    test_pred: np.ndarray  # [test rows, targets]

    @property
    def loo_mse(self) -> float:
        return float(self.probe.loo_mse_[self.probe.best_index_])

    def summary(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "alpha": self.probe.alpha_,
            "loo_mse": self.loo_mse,
            "train": self.train,
            "test": self.test,
        }


@dataclass
class DatasetProbe:
    """All layers of one activation folder, aligned to the released dataset."""

    dataset: str
    manifest: dict[str, Any]
    entity_ids: list[str]  # the dataset's order (ProbingData)
    split: np.ndarray
    targets: np.ndarray
    target_names: list[str]
    row_index: np.ndarray  # activation row of each dataset row
    fits: list[LayerFit] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``space`` or ``time``, as the dataset's spec declares it."""
        return spec(self.dataset).kind

    @property
    def test_ids(self) -> list[str]:
        return [e for e, s in zip(self.entity_ids, self.split) if s == "test"]

    def best(self) -> LayerFit:
        return min(self.fits, key=lambda f: (f.loo_mse, f.layer))

    def layer_matrix(self, folder: Path, layer: int) -> np.ndarray:
        return np.asarray(store.load_layer(folder, layer, as_="numpy"), dtype=np.float64)[self.row_index]


# --- alignment and the sweep --------------------------------------------------------------------------------------


def prepare(folder: Path, data: Any) -> DatasetProbe:
    """Check an activation folder against the dataset (``loaders.load.ProbingData``) and align its rows."""
    manifest = store.load_manifest(folder)
    if manifest.get("dataset") != data.config:
        raise ValueError(f"{folder}: activations are of {manifest.get('dataset')!r}, the data is {data.config!r}")
    index = store.align_rows(store.load_entity_ids(folder), data.entity_ids, str(folder))
    bad = ~np.isfinite(data.targets)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))[:3]
        raise ValueError(
            f"{data.config}: {int(bad.any(axis=1).sum())} rows have no target value, "
            f"e.g. {[data.entity_ids[i] for i in rows]}"
        )
    return DatasetProbe(
        data.config,
        manifest,
        list(data.entity_ids),
        np.asarray(data.split),
        np.asarray(data.targets, dtype=np.float64),
        list(data.target_names),
        index,
    )


def submission_name(folder: Path) -> str:
    """The default name of a probe run on activation folder ``folder``: its model's folder name."""
    manifest = store.load_manifest(folder)
    if manifest.get("model_slug"):
        return manifest["model_slug"]
    raise ValueError(f"{folder}: the manifest does not name the model's folder (model_slug); pass --name")


def select_layers(folder: Path, spec: str | None) -> list[int]:
    """The layers of ``folder`` that ``spec`` (``--layers`` syntax, resolved against the model's depth) names;
    every stored layer when ``spec`` is None. A layer the folder does not hold is an error."""
    from spacetime.probing.extraction.layers import parse_layers

    manifest = store.load_manifest(folder)
    stored = list(manifest["layers"])
    if spec is None:
        return stored
    depth = manifest.get("num_model_layers")
    if not depth:
        raise ValueError(f"{folder}: the manifest does not record the model's depth (num_model_layers)")
    chosen = parse_layers(spec, int(depth))
    unknown = [layer for layer in chosen if layer not in stored]
    if unknown:
        raise ValueError(f"{folder}: layer(s) {unknown} are not stored (stored: {stored})")
    return chosen


def sweep(
    folder: Path,
    probe: DatasetProbe,
    layers: Sequence[int] | None = None,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    echo: Callable[[str], None] | None = None,
) -> DatasetProbe:
    """A ridge probe per layer (all stored layers by default), scored on train (in-sample) and test."""
    stored = store.stored_layers(folder)
    chosen = list(stored if layers is None else layers)
    unknown = [layer for layer in chosen if layer not in stored]
    if unknown:
        raise ValueError(f"{folder}: layer(s) {unknown} are not stored (stored: {stored})")
    train, test = probe.split == "train", probe.split == "test"
    if train.sum() < 3 or test.sum() < 2:
        raise ValueError(f"{probe.dataset}: {int(train.sum())} train and {int(test.sum())} test rows are too few")
    y_train, y_test = probe.targets[train], probe.targets[test]
    for layer in chosen:
        X = probe.layer_matrix(folder, layer)
        if not np.isfinite(X).all():
            raise ValueError(f"{folder}: layer {layer} holds non-finite activations (float16 overflow?)")
        ridge = RidgeLOO(alphas).fit(X[train], y_train)
        test_pred = ridge.predict(X[test]).reshape(len(y_test), -1)
        fit = LayerFit(
            layer,
            ridge,
            score_predictions(y_train, ridge.predict(X[train]), probe.target_names, proximity=False, kind=probe.kind),
            score_predictions(y_test, test_pred, probe.target_names, kind=probe.kind),
            test_pred,
        )
        probe.fits.append(fit)
        if echo:
            echo(f"  {probe.dataset} layer {layer:>3}: alpha {ridge.alpha_:.3g}, test R^2 {fit.test['r2']:.3f}")
    return probe


# --- artifacts ----------------------------------------------------------------------------------------------------


def predictions_frame(probe: DatasetProbe, fit: LayerFit) -> Any:
    import pandas as pd

    frame = pd.DataFrame({"entity_id": probe.test_ids, "layer": np.full(len(fit.test_pred), fit.layer, np.int64)})
    for j, name in enumerate(probe.target_names):
        frame[PRED_PREFIX + name] = fit.test_pred[:, j]
    return frame


def dataset_result(probe: DatasetProbe) -> dict[str, Any]:
    best = probe.best()
    return {
        "best_layer": best.layer,
        "prompt": probe.manifest.get("prompt"),
        "targets": probe.target_names,
        "test_rows": int((probe.split == "test").sum()),
        "train_rows": int((probe.split == "train").sum()),
        "alpha": best.probe.alpha_,
        **best.test,
        "per_layer": [f.summary() for f in probe.fits],
    }


def control_result(probe: DatasetProbe) -> dict[str, Any]:
    m = probe.manifest
    return {
        "model_name": m.get("model"),
        "model_sha": m.get("model_revision"),
        "random_init": m.get("random_init"),
        "seed": m.get("seed"),
        "per_layer": [
            {"layer": f.layer, "alpha": f.probe.alpha_, "test_r2": f.test["r2"], "test": f.test} for f in probe.fits
        ],
    }


def run_config(
    manifests: Sequence[dict[str, Any]], identity: dict[str, str], alphas: Sequence[float], seed: int
) -> dict[str, Any]:
    """The results JSON's ``config`` block; every activation folder must come from the same model run settings."""
    from spacetime import __version__

    keys = ("model", "model_revision", "model_dtype", "random_init")
    first = manifests[0]
    for other in manifests[1:]:
        differing = [k for k in keys if other.get(k) != first.get(k)]
        if differing:
            raise ValueError(
                f"activation folders come from different models: {differing} differ "
                f"({[first.get(k) for k in differing]} vs {[other.get(k) for k in differing]})"
            )
    prompts = {m["dataset"]: m.get("prompt") for m in manifests}
    layers = {m["dataset"]: list(m.get("layers", [])) for m in manifests}
    same_layers = all(v == next(iter(layers.values())) for v in layers.values())
    return {
        "model_name": first.get("model"),
        "model_sha": first.get("model_revision"),
        "model_dtype": first.get("model_dtype"),
        **identity,
        "prompt": next(iter(prompts.values())) if len(set(prompts.values())) == 1 else prompts,
        "layers": next(iter(layers.values())) if same_layers else layers,
        "probe": "ridge",
        "alphas": [float(a) for a in alphas],
        "seed": seed,
        "package_version": __version__,
        "random_init": bool(first.get("random_init", False)),
    }


def write_parquet(path: Path, frame: Any, compression: str = "snappy") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False, compression=compression)
    tmp.replace(path)


# --- the whole stage ----------------------------------------------------------------------------------------------


@dataclass
class ProbeOptions:
    alphas: Sequence[float] = DEFAULT_ALPHAS
    layers: str | None = None  # ``--layers`` syntax (all, 0,4,8, 0:32:2, -1); None: every stored layer
    seed: int = 0
    revision: str | None = None
    mlp: bool = False
    pca: Sequence[int] = ()
    block_holdout: bool = False
    neuron_model: str | None = None  # a model id / folder / "smollm2" for the neuron search
    plots: bool = True


def run_probe(
    activations: Sequence[Path],
    source: str | Path,
    out: Path,
    controls: Sequence[Path] = (),
    options: ProbeOptions | None = None,
    echo: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Probe every folder in ``activations`` (one per dataset) against ``source``; write the results folder."""
    from spacetime.loaders.load import probing_data

    from .weights import WEIGHTS_DIR, save_probe_weights

    options = options or ProbeOptions()
    out = Path(out)
    if not activations:
        raise ValueError("give at least one activation folder")
    identity = dataset_identity(source, options.revision)
    data_cache: dict[str, Any] = {}

    def data_for(folder: Path) -> Any:
        dataset = store.load_manifest(folder).get("dataset")
        if dataset not in data_cache:
            data_cache[dataset] = probing_data(source, dataset, options.revision)
        return data_cache[dataset]

    probes: dict[str, tuple[Path, DatasetProbe]] = {}
    for folder in map(Path, activations):
        probe = prepare(folder, data_for(folder))
        if probe.dataset in probes:
            raise ValueError(f"two activation folders for {probe.dataset}: {probes[probe.dataset][0]} and {folder}")
        layers = select_layers(folder, options.layers)
        probes[probe.dataset] = (folder, sweep(folder, probe, layers, options.alphas, echo))
    control_probes: dict[str, DatasetProbe] = {}
    for folder in map(Path, controls):
        probe = prepare(folder, data_for(folder))
        if probe.dataset not in probes:
            raise ValueError(f"control {folder} is of {probe.dataset}, which no --activations folder probes")
        layers = select_layers(folder, options.layers)
        control_probes[probe.dataset] = sweep(folder, probe, layers, options.alphas, echo)

    results: dict[str, Any] = {}
    for dataset, (folder, probe) in probes.items():
        results[dataset] = dataset_result(probe)
        if dataset in control_probes:
            results[dataset]["control"] = control_result(control_probes[dataset])
        robustness = run_robustness(folder, probe, source, options, out)
        if robustness:
            results[dataset]["robustness"] = robustness
        write_parquet(out / PREDICTIONS_DIR / f"{dataset}.parquet", predictions_frame(probe, probe.best()))
        save_probe_weights(out / WEIGHTS_DIR / f"{dataset}.safetensors", probe, folder, identity)
    payload = {
        "config": run_config([p.manifest for _, p in probes.values()], identity, options.alphas, options.seed),
        "results": results,
    }
    write_json_atomic(out / RESULTS_FILE, payload)  # numpy scalars to numbers, NaN to null
    if options.plots:
        from .plots import write_plots_and_report

        write_plots_and_report(out, payload, {d: p for d, (_, p) in probes.items()})
    return payload


def run_robustness(
    folder: Path, probe: DatasetProbe, source: str | Path, options: ProbeOptions, out_dir: Path | None = None
) -> dict[str, Any]:
    """The optional checks, at the best layer; with ``out_dir``, the block hold-out's predictions of each held-out
    test entity go to ``out_dir/block_holdout/<dataset>.parquet`` (``robustness.held_out_frame``)."""
    from . import robustness as rb

    if not (options.mlp or options.pca or options.block_holdout or options.neuron_model):
        return {}
    best = probe.best()
    X = probe.layer_matrix(folder, best.layer)
    train, test = probe.split == "train", probe.split == "test"
    y_train, y_test = probe.targets[train], probe.targets[test]
    names = probe.target_names
    out: dict[str, Any] = {"layer": best.layer}
    if options.mlp:
        pred = rb.mlp_probe(X[train], y_train, X[test], seed=options.seed)
        out["mlp"] = {
            "hidden": rb.MLP_HIDDEN,
            "seed": options.seed,
            "test": score_predictions(y_test, pred, names, kind=probe.kind),
            "ridge_test": best.test,
        }
    if options.pca:
        fits = rb.pca_probes(X[train], y_train, X[test], options.pca, options.alphas)
        out["pca"] = [
            {"k": k, "alpha": ridge.alpha_, "test": score_predictions(y_test, pred, names, kind=probe.kind)}
            for k, (ridge, pred) in fits.items()
        ]
    if options.block_holdout:
        blocks = rb.block_labels(source, probe.dataset, probe.entity_ids, options.revision)
        fits = rb.held_out_blocks(X, probe.targets, probe.split, blocks, options.alphas)
        out["block_holdout"] = {
            "column": spec(probe.dataset).block.column,
            "blocks": rb.block_holdout(
                X, probe.targets, probe.split, blocks, names, best.test_pred, options.alphas, kind=probe.kind, fits=fits
            ),
        }
        if out_dir is not None:
            frame = rb.held_out_frame(fits, probe.test_ids, names)
            write_parquet(out_dir / HOLDOUT_DIR / f"{probe.dataset}.parquet", frame)
    if options.neuron_model:
        from spacetime.probing.extraction.models import load_model

        loaded = load_model(options.neuron_model)
        coef = np.asarray(best.probe.coef_).reshape(len(names), -1)
        out["neurons"] = rb.neuron_search(loaded.model, coef, names, seed=options.seed)
        out["neurons"]["model"] = options.neuron_model
    return out
