"""Probe weights as artifacts (probing/probes/weights.py): every layer's fitted ridge of a probe run, saved as
safetensors beside the results, read back and applied without refitting to reproduce the run's predictions exactly.

Synthetic release and activation folders come from tests/synthetic.py (no model needed)."""

from __future__ import annotations

import json
import pickle
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spacetime.errors import SpacetimeError
from spacetime.loaders.identity import dataset_identity
from spacetime.loaders.load import probing_data
from spacetime.probing.extraction import store
from spacetime.probing.probes import weights as weights_module
from spacetime.probing.probes.ridge import DEFAULT_ALPHAS, RidgeLOO
from spacetime.probing.probes.run import ProbeOptions, run_probe
from spacetime.probing.probes.weights import (
    FORMAT,
    METADATA_KEYS,
    TENSORS,
    FittedRidge,
    WeightsError,
    load_probe_weights,
    predict,
    reproduce_predictions,
    weights_metadata,
)
from tests.synthetic import HIDDEN, LAYERS, history_frame, world_frame, write_activations, write_release

DATASETS = {"world_places": ("world", ["latitude", "longitude"]), "historical_figures": ("history", ["death_year"])}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("weights")
    rng = np.random.default_rng(0)
    frames = {"world": world_frame(480, rng), "history": history_frame(300, rng)}
    release = write_release(root, {"world_places": frames["world"], "historical_figures": frames["history"]})
    acts = root / "activations"
    folders = {
        "world_places": write_activations(
            acts / "world", "world_places", frames["world"], DATASETS["world_places"][1], 1
        ),
        "historical_figures": write_activations(
            acts / "history", "historical_figures", frames["history"], DATASETS["historical_figures"][1], 2
        ),
    }
    out = root / "probe"
    payload = run_probe(list(folders.values()), release, out, options=ProbeOptions(plots=False))
    return {"root": root, "release": release, "folders": folders, "frames": frames, "out": out, "payload": payload}


def weights_file(run, dataset: str) -> Path:
    return run["out"] / "weights" / f"{dataset}.safetensors"


def aligned_layer(run, dataset: str, layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Independently of run.py: the layer's rows in dataset order, the split, the targets."""
    data = probing_data(run["release"], dataset)
    folder = run["folders"][dataset]
    X = store.load_layer(folder, layer).astype(np.float64)[
        store.align_rows(store.load_entity_ids(folder), data.entity_ids)
    ]
    return X, np.asarray(data.split), data.targets


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_best_layer_predictions_reproduce_the_parquet_bit_for_bit(run, dataset):
    expected = pd.read_parquet(run["out"] / "predictions" / f"{dataset}.parquet")
    got = reproduce_predictions(weights_file(run, dataset), run["folders"][dataset], run["release"])
    assert list(got.columns) == list(expected.columns)
    assert got["entity_id"].tolist() == expected["entity_id"].tolist()
    assert (got["layer"] == run["payload"]["results"][dataset]["best_layer"]).all()
    for column in expected.columns[2:]:
        a, b = got[column].to_numpy(), expected[column].to_numpy()
        assert a.dtype == b.dtype == np.float64
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), column  # the same bits, not merely close
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_weights_file_with_other_coefficients_does_not_reproduce(run, tmp_path):
    """The exactness check can fail: one coefficient nudged by one ulp changes the predictions' bits."""
    dataset = "world_places"
    path = weights_file(run, dataset)
    meta = weights_metadata(path)
    best = meta["best_layer"]
    tensors = _read_all(path)
    tensors[f"layer_{best:03d}.coef"][0, 0] = np.nextafter(tensors[f"layer_{best:03d}.coef"][0, 0], np.inf)
    nudged = _write(tmp_path / "nudged.safetensors", tensors, _raw_metadata(path))
    expected = pd.read_parquet(run["out"] / "predictions" / f"{dataset}.parquet")
    got = reproduce_predictions(nudged, run["folders"][dataset], run["release"])
    assert not np.array_equal(got["pred_latitude"].to_numpy(), expected["pred_latitude"].to_numpy())
    np.testing.assert_allclose(got["pred_latitude"], expected["pred_latitude"], rtol=1e-9)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_every_layer_reproduces_ridge_loo(run, dataset):
    fitted = load_probe_weights(weights_file(run, dataset))
    assert list(fitted) == LAYERS
    for layer in LAYERS:
        X, split, y = aligned_layer(run, dataset, layer)
        train = split == "train"
        ridge = RidgeLOO(DEFAULT_ALPHAS).fit(X[train], y[train])
        probe = fitted[layer]
        assert isinstance(probe, FittedRidge) and probe.layer == layer and probe.n_features == HIDDEN
        assert probe.alpha == ridge.alpha_
        assert np.array_equal(probe.coef, ridge.coef_) and np.array_equal(probe.intercept, ridge.intercept_)
        assert np.array_equal(probe.x_mean, X[train].mean(0))
        assert np.array_equal(probe.y_mean, y[train].mean(0)) and np.array_equal(probe.y_scale, y[train].std(0))
        assert np.array_equal(probe.predict(X), ridge.predict(X))  # every row, train and test
        assert np.array_equal(predict(fitted, layer, X), ridge.predict(X))
        # The saved pieces are the model as solved: z-scored targets from centred activations.
        coef_z = probe.coef / probe.y_scale[:, None]
        z = (X - probe.x_mean) @ coef_z.T
        np.testing.assert_allclose(z * probe.y_scale + probe.y_mean, ridge.predict(X), rtol=1e-9, atol=1e-9)
    with pytest.raises(WeightsError, match=r"no probe of layer 1 \(probed layers: \[0, 2, 4\]\)"):
        predict(fitted, 1, X)
    with pytest.raises(ValueError, match=f"{HIDDEN} features"):
        fitted[LAYERS[0]].predict(X[:, :5])


def test_metadata_names_what_the_probes_apply_to(run):
    config = run["payload"]["config"]
    for dataset, (_frame, targets) in DATASETS.items():
        path = weights_file(run, dataset)
        meta = weights_metadata(path)
        assert set(METADATA_KEYS) <= set(meta)
        result = run["payload"]["results"][dataset]
        folder = run["folders"][dataset]
        assert meta["format"] == FORMAT and meta["probe"] == "ridge" and meta["dataset"] == dataset
        assert meta["targets"] == targets and meta["layers"] == LAYERS
        assert meta["best_layer"] == result["best_layer"] == 4
        assert meta["alphas"] == {p["layer"]: p["alpha"] for p in result["per_layer"]}
        assert meta["alpha_grid"] == list(DEFAULT_ALPHAS)
        assert meta["model"] == config["model_name"] == "tiny/test-llama"
        assert meta["model_revision"] == config["model_sha"] == "0123456789abcdef"
        assert meta["model_dtype"] == "float32" and meta["random_init"] is False and meta["prompt"] == "empty"
        assert meta["hook_point"] == store.HOOK_POINT == "blocks.{layer}.hook_resid_post"
        assert meta["dataset_repo"] == config["dataset_repo"]
        assert meta["dataset_revision"] == dataset_identity(run["release"])["dataset_revision"]
        assert meta["dataset_revision"].startswith("data-sha256:")
        dataset_order = probing_data(run["release"], dataset).entity_ids
        assert meta["entity_ids_sha256"] == store.entity_ids_sha256(dataset_order)
        assert meta["entity_ids_sha256"] != store.entity_ids_sha256(store.load_entity_ids(folder))  # not the folder's
        assert meta["train_rows"] == result["train_rows"] and meta["test_rows"] == result["test_rows"]
        assert meta["package_version"]
        with _open(path) as fh:
            names = set(fh.keys())
        assert names == {f"layer_{layer:03d}.{t}" for layer in LAYERS for t in TENSORS}
        assert "layer_004.coef" in names and "layer_000.y_scale" in names


def test_the_same_run_writes_the_same_bytes(run, tmp_path):
    again = tmp_path / "again"
    run_probe([run["folders"]["world_places"]], run["release"], again, options=ProbeOptions(plots=False))
    assert (again / "weights" / "world_places.safetensors").read_bytes() == weights_file(
        run, "world_places"
    ).read_bytes()


def test_the_same_entities_in_another_storage_order_give_the_same_predictions(run, tmp_path):
    import torch

    original = run["folders"]["world_places"]
    manifest, ids = store.load_manifest(original), store.load_entity_ids(original)
    order = np.random.default_rng(9).permutation(len(ids))
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for layer in manifest["layers"]:
        values = torch.from_numpy(store.load_layer(original, layer)[order])
        store.save_tensors_atomic(shuffled / store.layer_file(layer), {store.TENSOR: values})
    manifest = {k: v for k, v in manifest.items() if k not in ("files", "fingerprint")}
    reordered = [ids[i] for i in order]
    store.finish_folder(shuffled, "shuffled", reordered, manifest["layers"], manifest)
    path = weights_file(run, "world_places")
    assert reordered != ids
    again = reproduce_predictions(path, shuffled, run["release"])
    pd.testing.assert_frame_equal(again, reproduce_predictions(path, run["folders"]["world_places"], run["release"]))


def test_weights_of_other_entities_or_order_are_refused(run, tmp_path):
    path = weights_file(run, "world_places")
    meta = _raw_metadata(path)
    meta["entity_ids_sha256"] = "0" * 64
    relabelled = _write(tmp_path / "other_rows.safetensors", _read_all(path), meta)
    with pytest.raises(WeightsError, match=re.escape(str(relabelled)) + ".*another order") as caught:
        reproduce_predictions(relabelled, run["folders"]["world_places"], run["release"])
    assert isinstance(caught.value, SpacetimeError) and isinstance(caught.value, ValueError)


def test_weights_of_another_dataset_revision_are_refused(run, tmp_path):
    path = weights_file(run, "world_places")
    folder = run["folders"]["world_places"]
    with pytest.raises(WeightsError, match=re.escape(str(path)) + ".*dataset revision.*'v2'"):
        reproduce_predictions(path, folder, run["release"], revision="v2")
    # The file's own claim is checked, too: the same probes, relabelled as fitted on another release.
    meta = _raw_metadata(path)
    meta["dataset_revision"] = "data-sha256:" + "0" * 64
    relabelled = _write(tmp_path / "other_revision.safetensors", _read_all(path), meta)
    with pytest.raises(
        WeightsError, match=re.escape(str(relabelled)) + ".*fitted on dataset revision 'data-sha256:000"
    ):
        reproduce_predictions(relabelled, folder, run["release"])


def test_weights_of_another_dataset_or_model_are_refused(run, tmp_path):
    path = weights_file(run, "historical_figures")
    with pytest.raises(WeightsError, match=re.escape(str(path)) + ".*dataset 'historical_figures'.*'world_places'"):
        reproduce_predictions(path, run["folders"]["world_places"], run["release"])
    meta = _raw_metadata(weights_file(run, "world_places"))
    meta["model_revision"] = "f" * 40
    other = _write(tmp_path / "other_model.safetensors", _read_all(weights_file(run, "world_places")), meta)
    with pytest.raises(WeightsError, match="fitted on model_revision 'fff"):
        reproduce_predictions(other, run["folders"]["world_places"], run["release"])


def test_broken_or_foreign_files_are_refused_naming_them(run, tmp_path):
    path = weights_file(run, "world_places")
    meta = _raw_metadata(path)
    tensors = _read_all(path)
    foreign = store.layer_file(4)  # an activation layer file is safetensors, but not a weights file
    with pytest.raises(WeightsError, match="not a probe weights file"):
        load_probe_weights(run["folders"]["world_places"] / foreign)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(WeightsError, match=re.escape(str(truncated)) + ": not a readable safetensors file"):
        load_probe_weights(truncated)
    missing = _write(
        tmp_path / "missing.safetensors", {k: v for k, v in tensors.items() if k != "layer_002.x_mean"}, meta
    )
    with pytest.raises(WeightsError, match=r"layer 2 lacks tensor\(s\) \['layer_002.x_mean'\]"):
        load_probe_weights(missing)
    single = _write(
        tmp_path / "f32.safetensors", {**tensors, "layer_002.coef": tensors["layer_002.coef"].astype(np.float32)}, meta
    )
    with pytest.raises(WeightsError, match=r"layer 2: tensor\(s\) \['coef'\] are not float64"):
        load_probe_weights(single)


def test_safetensors_only_no_pickle(run, monkeypatch):
    """Every file under weights/ is a plain safetensors file (an 8-byte header length, a JSON header, raw bytes);
    loading and reproducing never unpickle; the module does not use pickle or torch.load."""
    files = sorted((run["out"] / "weights").rglob("*"))
    assert [f.name for f in files] == ["historical_figures.safetensors", "world_places.safetensors"]
    for path in files:
        blob = path.read_bytes()
        (size,) = struct.unpack("<Q", blob[:8])
        header = json.loads(blob[8 : 8 + size])
        assert header.pop("__metadata__")["format"] == FORMAT
        assert {v["dtype"] for v in header.values()} == {"F64"}
        assert max(v["data_offsets"][1] for v in header.values()) == len(blob) - 8 - size  # nothing else in the file
        assert blob[8:9] == b"{"  # a JSON header right after its length, where a pickle would start b"\x80"

    def refuse(*args, **kwargs):
        raise AssertionError("unpickling")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert len(load_probe_weights(files[1])) == len(LAYERS)
    reproduce_predictions(files[1], run["folders"]["world_places"], run["release"])
    source = Path(weights_module.__file__).read_text()
    for banned in ("import pickle", "torch.load", "allow_pickle", "joblib", "np.load("):
        assert banned not in source, banned


# --- helpers: rewrite a weights file with changed tensors or metadata ------------------------------------------------


def _open(path: Path):
    from safetensors import safe_open

    return safe_open(path, framework="np")


def _read_all(path: Path) -> dict[str, np.ndarray]:
    with _open(path) as fh:
        return {k: fh.get_tensor(k).copy() for k in fh.keys()}


def _raw_metadata(path: Path) -> dict[str, str]:
    with _open(path) as fh:
        return dict(fh.metadata())


def _write(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> Path:
    from safetensors.numpy import save_file

    save_file(tensors, str(path), metadata=metadata)
    return path


def test_evaluate_keeps_the_weights_beside_the_results_file(run, tmp_path):
    """`spacetime evaluate` copies this run's weights to weights_<name>/ beside results_<name>.json (as plots_<name>/),
    replacing what an earlier evaluation left there."""
    from spacetime.probing.leaderboard.evaluate import _copy_weights, weights_folder

    results_file = tmp_path / "org" / "model" / "results_0123456789ab_float32.json"
    target = weights_folder(results_file)
    assert target == tmp_path / "org" / "model" / "weights_0123456789ab_float32"
    target.mkdir(parents=True)
    (target / "stale.safetensors").write_bytes(b"old")
    _copy_weights(run["out"], target, ["world_places"])
    assert [p.name for p in target.iterdir()] == ["world_places.safetensors"]
    assert (target / "world_places.safetensors").read_bytes() == weights_file(run, "world_places").read_bytes()
    got = reproduce_predictions(target / "world_places.safetensors", run["folders"]["world_places"], run["release"])
    pd.testing.assert_frame_equal(got, pd.read_parquet(run["out"] / "predictions" / "world_places.parquet"))


def test_probe_with_weights_applies_the_saved_probes_without_refitting(run, tmp_path):
    from click.testing import CliRunner

    from spacetime.cli import main

    args = ["probe", "--data", str(run["release"]), "--out", str(tmp_path), "--name", "applied"]
    for folder in run["folders"].values():
        args += ["--activations", str(folder)]
    result = CliRunner().invoke(main, [*args, "--weights", str(run["out"])])
    assert result.exit_code == 0, result.output
    applied = tmp_path / "probes" / "applied"
    results = json.loads((applied / "results.json").read_text())["results"]
    for dataset, fitted in run["payload"]["results"].items():
        same = pd.read_parquet(applied / "predictions" / f"{dataset}.parquet")
        pd.testing.assert_frame_equal(same, pd.read_parquet(run["out"] / "predictions" / f"{dataset}.parquet"))
        assert results[dataset]["best_layer"] == fitted["best_layer"]
        for metric in ("r2", "spearman", "mae", "proximity_error"):
            assert results[dataset][metric] == fitted[metric]  # the fitted run's test metrics, exactly
    # A folder without saved probes of a dataset is named in a one-line error.
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, [*args, "--weights", str(empty)])
    assert result.exit_code == 1 and f"{empty}: no saved probes of" in result.output
