"""Leaderboard: score a submission (results JSON + per-entity test predictions) and render the table.

The scorer trusts nothing in a submission but its predictions: it checks the schema and the dataset revision,
checks that the predictions cover exactly the test split's entities with finite numbers, recomputes every metric
against the released test targets, and rejects a results JSON whose metrics do not match its own predictions.
A scored entry carries the recomputed numbers only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.errors import SpacetimeError

from .metrics import score_predictions
from .results import PRED_PREFIX, PREDICTIONS_DIR, RESULTS_FILE, dataset_identity, write_json

ENTRY_FORMAT = "llm-spacetime-leaderboard-entry/1"
CONFIG_FIELDS: dict[str, type | tuple[type, ...]] = {
    "model_name": str,
    "model_sha": (str, type(None)),
    "model_dtype": (str, type(None)),
    "dataset_repo": str,
    "dataset_revision": str,
    "prompt": (str, dict),
    "layers": (list, dict),
    "probe": str,
    "alphas": list,
    "seed": int,
    "package_version": str,
    "random_init": bool,
}
# Metrics a submission's results JSON must state correctly at its best layer (those it states are all checked).
CHECKED_RELATIVE = 1e-6
CHECKED_ABSOLUTE = 1e-9
TABLE_METRICS = ("r2", "spearman", "mae", "haversine_km", "proximity_error")


class SubmissionError(SpacetimeError, ValueError):
    """A submission the scorer refuses; the message names the file and the problem."""


def score_submission(
    submission: Path, source: str | Path, revision: str | None = None, out: Path | None = None
) -> dict[str, Any]:
    """Verify ``submission`` (a folder with results.json and predictions/<dataset>.parquet) against the released
    test split of ``source``; returns the scored entry and writes it to ``out`` (a file) when given."""
    from spacetime.loaders.load import probing_data

    submission = Path(submission)
    results = _read_results(submission)
    config = results["config"]
    identity = dataset_identity(source, revision)
    if config["dataset_revision"] != identity["dataset_revision"]:
        raise SubmissionError(
            f"{submission / RESULTS_FILE}: dataset_revision {config['dataset_revision']!r} is not "
            f"the scored release's {identity['dataset_revision']!r} ({source}); probe that release"
        )
    scored: dict[str, Any] = {}
    files = {RESULTS_FILE: _sha256(submission / RESULTS_FILE)}
    for dataset, claimed in results["results"].items():
        path = submission / PREDICTIONS_DIR / f"{dataset}.parquet"
        data = probing_data(source, dataset, revision)
        test = np.asarray(data.split) == "test"
        test_ids = [e for e, s in zip(data.entity_ids, data.split) if s == "test"]
        pred, layer = read_predictions(path, test_ids, list(data.target_names))
        if layer != claimed.get("best_layer"):
            raise SubmissionError(
                f"{path}: predictions are of layer {layer}, results.json says best_layer {claimed.get('best_layer')}"
            )
        metrics = score_predictions(data.targets[test], pred, data.target_names)
        check_claims(path.parent.parent / RESULTS_FILE, dataset, claimed, metrics)
        scored[dataset] = {
            "layer": layer,
            "prompt": claimed.get("prompt") or _prompt(config, dataset),
            "test_rows": len(test_ids),
            **metrics,
        }
        files[f"{PREDICTIONS_DIR}/{dataset}.parquet"] = _sha256(path)
    from spacetime import __version__

    entry = {
        "format": ENTRY_FORMAT,
        "model_name": config["model_name"],
        "model_sha": config["model_sha"],
        "model_dtype": config["model_dtype"],
        "random_init": config["random_init"],
        "probe": config["probe"],
        "dataset_repo": identity["dataset_repo"],
        "dataset_revision": identity["dataset_revision"],
        "scored_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scorer_version": __version__,
        "submission_files": files,
        "results": scored,
    }
    if out is not None:
        write_json(Path(out), entry)
    return entry


def _read_results(submission: Path) -> dict[str, Any]:
    path = submission / RESULTS_FILE
    if not path.is_file():
        raise SubmissionError(f"{submission}: no {RESULTS_FILE}")
    try:
        results = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise SubmissionError(f"{path}: not valid JSON ({error})") from None
    if (
        not isinstance(results, dict)
        or not isinstance(results.get("config"), dict)
        or not isinstance(results.get("results"), dict)
    ):
        raise SubmissionError(f"{path}: needs objects 'config' and 'results' at the top level")
    config = results["config"]
    for name, kind in CONFIG_FIELDS.items():
        if name not in config:
            raise SubmissionError(f"{path}: config.{name} is missing")
        if not isinstance(config[name], kind) or (kind is int and isinstance(config[name], bool)):
            raise SubmissionError(f"{path}: config.{name} has type {type(config[name]).__name__}")
    if not results["results"]:
        raise SubmissionError(f"{path}: 'results' names no dataset")
    from spacetime.pipelines.registry import DATASETS

    for dataset, result in results["results"].items():
        if dataset not in DATASETS:
            raise SubmissionError(f"{path}: unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
        if not isinstance(result, dict) or not isinstance(result.get("best_layer"), int):
            raise SubmissionError(f"{path}: results.{dataset}.best_layer must be an integer")
    return results


def read_predictions(path: Path, test_ids: list[str], target_names: list[str]) -> tuple[np.ndarray, int]:
    """Predictions ``[test rows, targets]`` in ``test_ids`` order, and their layer; raises on any defect."""
    import pyarrow.parquet as pq

    if not path.is_file():
        raise SubmissionError(f"{path}: missing (one predictions file per dataset in results.json)")
    try:
        table = pq.read_table(path)
    except Exception as error:  # a damaged or non-Parquet file
        raise SubmissionError(f"{path}: not a readable Parquet file ({error})") from None
    expected = ["entity_id", "layer", *[PRED_PREFIX + t for t in target_names]]
    if sorted(table.column_names) != sorted(expected):
        raise SubmissionError(f"{path}: columns {table.column_names}, expected {expected}")
    import pandas as pd

    frame = table.to_pandas()
    for column in expected[1:]:
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            raise SubmissionError(f"{path}: column {column!r} is {frame[column].dtype}, not numeric")
    ids = frame["entity_id"].astype(str)
    duplicated = ids[ids.duplicated()].unique().tolist()
    if duplicated:
        raise SubmissionError(f"{path}: {len(duplicated)} entity ids appear more than once, e.g. {duplicated[:3]}")
    wanted = set(test_ids)
    have = set(ids)
    missing = [e for e in test_ids if e not in have]
    extra = sorted(have - wanted)
    if missing or extra:
        raise SubmissionError(
            f"{path}: predictions must cover exactly the {len(test_ids)} test entities: "
            f"{len(missing)} missing (e.g. {missing[:3]}), {len(extra)} extra (e.g. {extra[:3]})"
        )
    layers = frame["layer"].unique()
    if len(layers) != 1:
        raise SubmissionError(f"{path}: predictions mix layers {sorted(layers.tolist())}; submit one layer")
    frame = frame.set_index(ids).loc[test_ids]
    values = frame[expected[2:]].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = frame.index[bad.any(axis=1)][:3].tolist()
        raise SubmissionError(f"{path}: {int(bad.sum())} prediction(s) are NaN or infinite, e.g. entities {rows}")
    return values, int(layers[0])


def check_claims(path: Path, dataset: str, claimed: dict[str, Any], metrics: dict[str, float]) -> None:
    """Every metric the results JSON states must equal the one recomputed from its predictions."""
    for name, value in metrics.items():
        if name not in claimed:
            continue
        stated = claimed[name]
        if not isinstance(stated, (int, float)) or isinstance(stated, bool) or stated is None:
            raise SubmissionError(f"{path}: results.{dataset}.{name} is {stated!r}, not a number")
        if not math.isclose(stated, value, rel_tol=CHECKED_RELATIVE, abs_tol=CHECKED_ABSOLUTE):
            raise SubmissionError(
                f"{path}: results.{dataset}.{name} states {stated!r}, but the submitted predictions give {value!r}"
            )


def _prompt(config: dict[str, Any], dataset: str) -> Any:
    prompt = config.get("prompt")
    return prompt.get(dataset) if isinstance(prompt, dict) else prompt


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- the table ----------------------------------------------------------------------------------------------------


def load_entries(folder: Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted(Path(folder).glob("*.json")):
        entry = json.loads(path.read_text("utf-8"))
        if entry.get("format") != ENTRY_FORMAT:
            raise ValueError(
                f"{path}: not a scored leaderboard entry (format {entry.get('format')!r}); "
                f"run `spacetime score` on the submission first"
            )
        entries.append(entry)
    if not entries:
        raise ValueError(f"{folder}: no scored entries (*.json)")
    return entries


def leaderboard_rows(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows per dataset, best test R^2 first."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        for dataset, result in entry["results"].items():
            tables.setdefault(dataset, []).append(
                {
                    "model": entry["model_name"] + (" (random init)" if entry.get("random_init") else ""),
                    "model_sha": (entry.get("model_sha") or "")[:12],
                    "prompt": result.get("prompt"),
                    "layer": result["layer"],
                    "dataset_revision": entry["dataset_revision"][:24],
                    **{m: result.get(m) for m in TABLE_METRICS},
                }
            )
    for rows in tables.values():
        rows.sort(key=lambda r: -(r["r2"] if r["r2"] is not None else -math.inf))
    return tables


def render_leaderboard(folder: Path, out: Path) -> dict[str, Path]:
    """``leaderboard.md`` and ``leaderboard.png`` in ``out`` from the scored entries in ``folder``."""
    tables = leaderboard_rows(load_entries(folder))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    columns = ["model", "model_sha", "prompt", "layer", *TABLE_METRICS]
    lines = [
        "# llm-spacetime leaderboard",
        "",
        "Scored by `spacetime score`: every metric recomputed from the submitted test predictions.",
        "",
    ]
    for dataset in sorted(tables):
        rows = tables[dataset]
        lines += [
            f"## {dataset}",
            "",
            f"Dataset revision `{rows[0]['dataset_revision']}`",
            "",
            "| rank | " + " | ".join(columns) + " |",
            "|---" * (len(columns) + 1) + "|",
        ]
        lines += [
            "| " + " | ".join([str(i)] + [_cell(row[c]) for c in columns]) + " |" for i, row in enumerate(rows, 1)
        ]
        lines.append("")
    from spacetime.common import write_atomic

    markdown = out / "leaderboard.md"
    write_atomic(markdown, ("\n".join(lines) + "\n").encode("utf-8"))
    return {"markdown": markdown, "png": _table_png(out / "leaderboard.png", tables, columns)}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table_png(path: Path, tables: dict[str, list[dict[str, Any]]], columns: list[str]) -> Path:
    from .plots import _pyplot, _save

    plt = _pyplot()
    heights = [len(rows) + 2 for rows in tables.values()]
    fig, axes = plt.subplots(len(tables), 1, figsize=(11, 0.35 * sum(heights) + 0.5), dpi=120, squeeze=False)
    for ax, dataset in zip(axes[:, 0], sorted(tables)):
        ax.axis("off")
        ax.set_title(dataset, loc="left", fontsize=10)
        cells = [[_cell(row[c]) for c in columns] for row in tables[dataset]]
        table = ax.table(cellText=cells, colLabels=columns, loc="upper left", cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(8)
    return _save(fig, path)
