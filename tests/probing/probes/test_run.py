"""`spacetime probe` end to end, on a small hand-built release and activation folders
written with probing/extraction/store.py (synthetic activations with a known signal per layer; no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.linear_model import RidgeCV

from spacetime.cli import main
from spacetime.layout import Layout
from spacetime.loaders.identity import dataset_identity
from spacetime.loaders.load import probing_data
from spacetime.probing.extraction import store
from spacetime.probing.probes.cli import probe
from spacetime.probing.probes.metrics import score_predictions
from spacetime.probing.probes.ridge import DEFAULT_ALPHAS
from tests.synthetic import (
    COUNTRIES,
    LAYERS,
    history_frame,
    world_frame,
    write_activations,
    write_release,
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe")
    rng = np.random.default_rng(0)
    world, history = world_frame(480, rng), history_frame(300, rng)
    release = write_release(root, {"world_places": world, "historical_figures": history})
    acts = root / "activations"
    folders = {
        "world": write_activations(acts / "world", "world_places", world, ["latitude", "longitude"], 1),
        "history": write_activations(acts / "history", "historical_figures", history, ["death_year"], 2),
        "control": write_activations(acts / "control", "world_places", world, ["latitude", "longitude"], 3, True),
    }
    out = Layout(root).probes("tiny")
    result = CliRunner().invoke(
        probe,
        [
            "--activations",
            str(folders["world"]),
            "--activations",
            str(folders["history"]),
            "--control",
            str(folders["control"]),
            "--data",
            str(release),
            "--out",
            str(root),
            "--name",
            "tiny",
            "--mlp",
            "--pca",
            "2,8",
            "--block-holdout",
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return {
        "root": root,
        "release": release,
        "out": out,
        "folders": folders,
        "world": world,
        "history": history,
        "output": result.output,
    }


def load_results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


# --- probe --------------------------------------------------------------------------------------------------------


def test_results_json_follows_the_leaderboard_convention(setup):
    results = load_results(setup["out"])
    config = results["config"]
    assert config["model_name"] == "tiny/test-llama" and config["model_sha"] == "0123456789abcdef"
    assert config["model_dtype"] == "float32" and config["random_init"] is False
    assert config["dataset_repo"] == "llm-spacetime/llm-spacetime"  # the repo the folder stands for, not its name
    assert config["dataset_revision"] == dataset_identity(setup["release"])["dataset_revision"]
    assert config["dataset_revision"].startswith("data-sha256:")
    assert config["prompt"] == "empty" and config["layers"] == LAYERS and config["probe"] == "ridge"
    assert config["alphas"] == list(DEFAULT_ALPHAS) and config["seed"] == 0 and config["package_version"]
    assert set(results["results"]) == {"world_places", "historical_figures"}
    world = results["results"]["world_places"]
    assert [p["layer"] for p in world["per_layer"]] == LAYERS
    assert world["best_layer"] == 4
    by_layer = {p["layer"]: p for p in world["per_layer"]}
    assert by_layer[0]["test"]["r2"] < 0.1 < by_layer[2]["test"]["r2"] < by_layer[4]["test"]["r2"]
    assert world["r2"] == by_layer[4]["test"]["r2"] > 0.8
    for key in ("spearman", "mae", "haversine_km", "haversine_km_median", "proximity_error", "r2_latitude"):
        assert key in world and key in by_layer[4]["test"]
    assert {"r2", "mae"} <= set(by_layer[4]["train"]) and by_layer[4]["alpha"] in DEFAULT_ALPHAS
    history = results["results"]["historical_figures"]
    assert history["best_layer"] == 4 and history["r2"] > 0.8 and "haversine_km" not in history
    assert "world_places: best layer 4" in setup["output"]


def test_per_layer_metrics_equal_sklearn_on_the_aligned_rows(setup):
    """Independent recomputation: align the shuffled activation rows by id, fit RidgeCV, score."""
    data = probing_data(setup["release"], "world_places")
    folder = setup["folders"]["world"]
    X = store.load_layer(folder, 2).astype(np.float64)[store.align_rows(store.load_entity_ids(folder), data.entity_ids)]
    train, test = data.split == "train", data.split == "test"
    y = data.targets
    mean, scale = y[train].mean(0), y[train].std(0)
    ref = RidgeCV(alphas=DEFAULT_ALPHAS).fit(X[train], (y[train] - mean) / scale)
    expected = score_predictions(y[test], ref.predict(X[test]) * scale + mean, data.target_names)
    layer2 = next(p for p in load_results(setup["out"])["results"]["world_places"]["per_layer"] if p["layer"] == 2)
    assert layer2["alpha"] == ref.alpha_
    for key, value in expected.items():
        assert layer2["test"][key] == pytest.approx(value, rel=1e-6), key


def test_control_and_robustness_results(setup):
    world = load_results(setup["out"])["results"]["world_places"]
    control = world["control"]
    assert control["random_init"] is True and [p["layer"] for p in control["per_layer"]] == LAYERS
    assert max(p["test_r2"] for p in control["per_layer"]) < 0.1
    robust = world["robustness"]
    assert robust["layer"] == 4
    assert robust["mlp"]["hidden"] == 256 and robust["mlp"]["test"]["r2"] > 0.5
    assert [p["k"] for p in robust["pca"]] == [2, 8]
    blocks = robust["block_holdout"]
    assert blocks["column"] == "country"
    assert {b["block"] for b in blocks["blocks"]} == set(COUNTRIES)  # 30 test rows each, all >= 20
    for block in blocks["blocks"]:
        assert block["test_rows"] == 30 and block["train_rows_without_block"] == 360 - 90
        # Never trained on the block, the probe misses it by more than the standard probe does.
        assert block["holdout"]["haversine_km"] > block["standard"]["haversine_km"]
        assert 0 <= block["holdout"]["proximity_error"] <= 1
    history = load_results(setup["out"])["results"]["historical_figures"]["robustness"]
    assert history["block_holdout"]["column"] == "death_year"
    assert all(b["block"].endswith("00s") for b in history["block_holdout"]["blocks"])


def test_predictions_parquet_holds_the_test_entities_at_the_best_layer(setup):
    results = load_results(setup["out"])
    for dataset, frame_name, targets in (
        ("world_places", "world", ["latitude", "longitude"]),
        ("historical_figures", "history", ["death_year"]),
    ):
        pred = pd.read_parquet(setup["out"] / "predictions" / f"{dataset}.parquet")
        source = setup[frame_name]
        test = source[source["split"] == "test"].set_index("entity_id")
        assert list(pred.columns) == ["entity_id", "layer", *[f"pred_{t}" for t in targets]]
        assert sorted(pred["entity_id"]) == sorted(test.index)
        assert set(pred["layer"]) == {results["results"][dataset]["best_layer"]}
        truth = test.loc[pred["entity_id"], targets].to_numpy(dtype=np.float64)
        recomputed = score_predictions(truth, pred[[f"pred_{t}" for t in targets]].to_numpy(), targets)
        assert recomputed["r2"] == pytest.approx(results["results"][dataset]["r2"], rel=1e-9)


def test_plots_and_report(setup):
    out = setup["out"]
    for name in (
        "world_places_r2_by_layer",
        "world_places_map",
        "historical_figures_r2_by_layer",
        "historical_figures_years",
    ):
        path = out / "plots" / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000, name
    report = (out / "report.md").read_text()
    assert "![world_places](plots/world_places_map.png)" in report
    assert "Random-init control" in report and "## historical_figures" in report
    assert "Block holdout by `country`" in report and "| Japan | 30 |" in report and "MLP probe (hidden 256)" in report


def test_activations_that_do_not_match_the_dataset_fail_clearly(setup, tmp_path):
    short = write_activations(tmp_path / "short", "world_places", setup["world"], ["latitude", "longitude"], 5, drop=3)
    result = CliRunner().invoke(
        main,
        [
            "probe",
            "--activations",
            str(short),
            "--data",
            str(setup["release"]),
            "--out",
            str(tmp_path / "out"),
            "--no-plots",
        ],
    )
    assert result.exit_code != 0
    assert "3 dataset entities have no activations" in result.output and "0 activation rows" in result.output
    with pytest.raises(ValueError, match=r"1 activation rows are not in the dataset \(e.g. \['Ghost'\]\)"):
        store.align_rows(["a", "b", "Ghost"], ["b", "a"])
    result = CliRunner().invoke(
        main,
        [
            "probe",
            "--activations",
            str(setup["folders"]["world"]),
            "--data",
            str(setup["release"]),
            "--layers",
            "1",
            "--out",
            str(tmp_path / "o2"),
        ],
    )
    assert result.exit_code != 0 and "layer(s) [1] are not stored" in result.output
    base = ["--activations", str(setup["folders"]["world"]), "--data", str(setup["release"]), "--no-plots"]
    result = CliRunner().invoke(main, ["probe", *base, "--layers", "0:9", "--out", str(tmp_path / "o3")])
    assert result.exit_code != 0 and "'0:9' is out of range for 5 layers" in result.output
    result = CliRunner().invoke(probe, [*base, "--layers", "x:", "--out", str(tmp_path / "o4")])
    assert result.exit_code == 2 and "cannot parse 'x:'" in result.output
    result = CliRunner().invoke(probe, [*base, "--layers", "2:5:2", "--out", str(tmp_path / "o5"), "--name", "r"])
    assert result.exit_code == 0, result.output
    per_layer = load_results(Layout(tmp_path / "o5").probes("r"))["results"]["world_places"]["per_layer"]
    assert [p["layer"] for p in per_layer] == [2, 4]
