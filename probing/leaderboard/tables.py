"""The leaderboard: tables built from the results folder that `spacetime evaluate` writes, and nothing else.

Submitters send requests, never numbers (see requests.py); so the only trust boundary left is write access to the
results folder (or repo). Every results file is still read as untrusted input: size-limited, strict JSON, every field
checked (a best layer the model does not have, a metric out of its range, non-finite numbers are refused, naming the
file and the field).

One table per (dataset, dataset repo, revision), best test R^2 first. Each row shows the interval of every metric,
and for a model its paired difference to its random-init control and to its static-embedding baseline, and for every
row its paired difference to the lexical floor (bootstrap replicates drawn on the same resamples). A row whose R^2
difference to the row above has an interval containing zero is marked: the two ranks are not separated. Beside them:
the generalisation R^2 (block hold-out, ``robustness.generalisation_r2``) and the R^2 of the least and most popular
fifth of the test entities (``strata.strata_scores``).

Every point must lie in its own interval, and every interval must be the percentile interval of the bootstrap
replicates stored beside it (recomputed with ``bootstrap.interval``): an edited value or interval is refused.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.common import md_code, md_escape, regular_files
from spacetime.pipelines.registry import DATASETS
from spacetime.probing.probes.bootstrap import CONFIDENCE, interval, paired_difference
from spacetime.probing.probes.metrics import BOUNDS, REQUIRED_METRICS, TABLE_METRICS

from .inputs import InputError, is_layer, is_number, read_json, require
from .submissions import KINDS

RESULTS_FORMAT = "llm-spacetime-results/1"
MAX_RESULTS_BYTES = 4 * 1024 * 1024
MAX_NAME = 200
MAX_URL = 500
LINK_KEYS = {"release", "repo", "revision", "url"}
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,199}$")
SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9_.\-/%~]*)?$")
PREDICTIONS_PATH = re.compile(r"^predictions_[A-Za-z0-9_.\-]{1,100}/[a-z_]{1,40}\.parquet$")
MAX_ENTITY_NAME = 1000
MAX_WORST = 10
REPLICATE_TOLERANCE = 1e-5  # relative: stored replicates keep 6 significant digits (evaluate.SIGNIFICANT)
# The columns (TABLE_METRICS), the metrics every results file has (REQUIRED_METRICS) and the bounds a results file
# must respect (BOUNDS: (low, high), None for unbounded) come from the metric registry (probes/metrics.py).
RANK_METRIC = "r2"
NOT_SEPARATED = "≈"


# --- reading results files ----------------------------------------------------------------------------------------


def read_results(path: Path) -> dict[str, Any]:
    """One results file, checked field by field."""
    raw = read_json(path, MAX_RESULTS_BYTES)
    require(isinstance(raw, dict), path, "a results file is a JSON object")
    require(raw.get("format") == RESULTS_FORMAT, path, f"format is {raw.get('format')!r}, expected {RESULTS_FORMAT!r}")
    config, results = raw.get("config"), raw.get("results")
    require(isinstance(config, dict), path, "'config' must be an object")
    require(isinstance(results, dict) and bool(results), path, "'results' must name at least one dataset")
    require(config.get("kind") in KINDS, path, f"config.kind {config.get('kind')!r} is not one of {list(KINDS)}")
    no_model = config["kind"] == "lexical_floor"
    for name in ("model_name", "model_sha", "model_dtype", "base_model", "dataset_repo", "dataset_revision"):
        value = config.get(name)
        if name == "base_model" and no_model:
            require(value in (None, ""), path, "config.base_model of the lexical floor must be null or empty")
            continue
        require(isinstance(value, str) and 0 < len(value) <= MAX_NAME, path, f"config.{name} must be a short string")
    params = config.get("num_parameters")
    require(
        params is None or (is_layer(params) and params > 0 and not no_model),
        path,
        f"config.num_parameters {params!r} must be a positive integer, or null where there is no model",
    )
    _check_activations_link(path, config.get("activations"))
    layers = config.get("num_layers")
    require(is_layer(layers) and layers >= 1, path, f"config.num_layers {layers!r} is not a positive integer")
    for dataset, entry in results.items():
        _check_dataset(path, dataset, entry, layers)
    return raw


def _check_activations_link(path: Path, link: Any) -> None:
    """``config.activations`` (``evaluate --release-activations``): short names, and an http(s) URL if any."""
    if link is None:
        return
    require(
        isinstance(link, dict) and set(link) <= LINK_KEYS, path, f"config.activations must be an object of {LINK_KEYS}"
    )
    for key in ("release", "repo", "revision"):
        value = link.get(key)
        require(
            value is None or (isinstance(value, str) and SAFE_NAME.match(value) is not None),
            path,
            f"config.activations.{key} {str(value)[:80]!r} is not a plain name",
        )
    url = link.get("url")
    require(
        url is None or (isinstance(url, str) and len(url) <= MAX_URL and SAFE_URL.match(url) is not None),
        path,
        f"config.activations.url {str(url)[:80]!r} is not an http(s) URL",
    )


def _check_dataset(path: Path, dataset: str, entry: Any, num_layers: int) -> None:
    where = f"results.{dataset}"
    require(dataset in DATASETS, path, f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    require(isinstance(entry, dict), path, f"{where} must be an object")
    best = entry.get("best_layer")
    require(
        is_layer(best) and best < num_layers,
        path,
        f"{where}.best_layer {best!r} is out of range for a model of {num_layers} layers (0..{num_layers - 1})",
    )
    per_layer = entry.get("per_layer")
    require(isinstance(per_layer, list) and bool(per_layer), path, f"{where}.per_layer must be a non-empty list")
    for item in per_layer:
        require(
            isinstance(item, dict) and is_layer(item.get("layer")) and item["layer"] < num_layers,
            path,
            f"{where}.per_layer holds a layer out of range: {str(item)[:80]}",
        )
        require(is_number(item.get("r2,test")), path, f"{where}.per_layer layer {item['layer']}: r2,test not finite")
    require(best in [p["layer"] for p in per_layer], path, f"{where}.best_layer {best} is not among per_layer")
    _check_consistent(path, where, entry, per_layer)
    require(is_layer(entry.get("test_rows")) and entry["test_rows"] >= 2, path, f"{where}.test_rows must be >= 2")
    for metric in TABLE_METRICS:
        key = f"{metric},test"
        if metric in REQUIRED_METRICS:
            require(key in entry, path, f"{where} lacks {key!r}")
        if key not in entry:
            continue
        value, stderr, ci = entry[key], entry.get(f"{metric}_stderr,test"), entry.get(f"{metric}_ci,test")
        require(is_number(value), path, f"{where}.{key} is {value!r}, not a finite number")
        require(is_number(stderr) and stderr >= 0, path, f"{where}.{metric}_stderr,test is {stderr!r}")
        require(
            isinstance(ci, list) and len(ci) == 2 and all(map(is_number, ci)) and ci[0] <= ci[1],
            path,
            f"{where}.{metric}_ci,test must be [low, high] finite numbers, not {ci!r}",
        )
        low, high = BOUNDS[metric]
        require(
            (low is None or value >= low) and (high is None or value <= high),
            path,
            f"{where}.{key} = {value} is outside its range [{low}, {high}]",
        )
    boot = entry.get("bootstrap")
    require(isinstance(boot, dict), path, f"{where}.bootstrap must be an object")
    resamples = boot.get("resamples")
    require(is_layer(resamples) and resamples >= 1, path, f"{where}.bootstrap.resamples must be a positive integer")
    replicates = boot.get("replicates")
    require(isinstance(replicates, dict), path, f"{where}.bootstrap.replicates must be an object")
    for metric, values in replicates.items():
        require(
            isinstance(values, list) and len(values) == resamples and all(v is None or is_number(v) for v in values),
            path,
            f"{where}.bootstrap.replicates.{metric} must hold {resamples} numbers",
        )
    _check_intervals(path, where, entry)
    _check_meaning(path, where, dataset, entry)


def _check_intervals(path: Path, where: str, entry: dict[str, Any]) -> None:
    """Each point lies in its interval, and each interval is the percentile interval of its stored replicates."""
    confidence = entry["bootstrap"].get("confidence", CONFIDENCE)
    require(is_number(confidence) and 0 < confidence < 1, path, f"{where}.bootstrap.confidence must be in (0, 1)")
    replicates = entry["bootstrap"]["replicates"]
    for metric in TABLE_METRICS:
        if f"{metric},test" not in entry:
            continue
        value, ci = entry[f"{metric},test"], entry[f"{metric}_ci,test"]
        require(
            ci[0] <= value <= ci[1],
            path,
            f"{where}.{metric},test = {value} lies outside its own interval {metric}_ci,test {ci}",
        )
        if metric in replicates:
            values = np.array([np.nan if v is None else v for v in replicates[metric]], dtype=np.float64)
            expected = interval(values, confidence)
            require(
                all(math.isclose(a, b, rel_tol=REPLICATE_TOLERANCE, abs_tol=REPLICATE_TOLERANCE)
                    for a, b in zip(ci, expected)),
                path,
                f"{where}.{metric}_ci,test {ci} is not the {confidence:.0%} percentile interval of its stored "
                f"bootstrap replicates ({list(expected)})",
            )  # fmt: skip


def _is_interval(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(map(is_number, value)) and value[0] <= value[1]


def _check_meaning(path: Path, where: str, dataset: str, entry: dict[str, Any]) -> None:
    """The fields of what a score means (strata, generalisation, per-entity predictions), where present: results
    files written before them lack them."""
    strata = entry.get("strata,test", [])
    require(isinstance(strata, list) and len(strata) <= 10, path, f"{where}.strata,test must be a list")
    for item in strata:
        require(
            isinstance(item, dict)
            and isinstance(item.get("stratum"), str) and re.fullmatch(r"q[1-9]", item["stratum"]) is not None
            and isinstance(item.get("measure"), str) and SAFE_NAME.match(item["measure"]) is not None
            and _is_interval(item.get("range")) and is_layer(item.get("rows")) and item["rows"] >= 2
            and is_number(item.get("r2")) and item["r2"] <= 1 and _is_interval(item.get("r2_ci")),
            path,
            f"{where}.strata,test holds a malformed stratum: {str(item)[:120]}",
        )  # fmt: skip
    held, held_ci = entry.get("r2,block_holdout"), entry.get("r2_ci,block_holdout")
    require(
        (held is None and held_ci is None)
        or (is_number(held) and held <= 1 and _is_interval(held_ci) and held_ci[0] <= held <= held_ci[1]),
        path,
        f"{where}.r2,block_holdout {held!r} must be null or a number <= 1 inside r2_ci,block_holdout {held_ci!r}",
    )
    column = entry.get("block_column")
    require(column is None or (isinstance(column, str) and SAFE_NAME.match(column) is not None), path,
            f"{where}.block_column {str(column)[:80]!r} is not a column name")  # fmt: skip
    predictions = entry.get("predictions")
    require(
        predictions is None
        or (isinstance(predictions, str) and PREDICTIONS_PATH.match(predictions) is not None
            and predictions.endswith(f"/{dataset}.parquet")),
        path,
        f"{where}.predictions {str(predictions)[:80]!r} must be predictions_<name>/{dataset}.parquet",
    )  # fmt: skip
    worst = entry.get("worst,test", [])
    require(isinstance(worst, list) and len(worst) <= MAX_WORST, path, f"{where}.worst,test must be a short list")
    for item in worst:
        require(
            isinstance(item, dict)
            and all(isinstance(item.get(k), str) and len(item[k]) <= MAX_ENTITY_NAME for k in ("entity_id", "name"))
            and is_number(item.get("error")) and item["error"] >= 0,
            path,
            f"{where}.worst,test holds a malformed entity: {str(item)[:120]}",
        )  # fmt: skip


def _check_consistent(path: Path, where: str, entry: dict[str, Any], per_layer: list[dict[str, Any]]) -> None:
    """The headline must be the per-layer row that the selection rule picks (smallest leave-one-out error on
    train), with the same test R^2: a hand edit of one number without the other is caught."""
    losses = [p.get("loo_mse") for p in per_layer]
    require(all(is_number(x) for x in losses), path, f"{where}.per_layer: every layer needs a finite loo_mse")
    chosen = min(per_layer, key=lambda p: (p["loo_mse"], p["layer"]))
    require(
        chosen["layer"] == entry["best_layer"],
        path,
        f"{where}.best_layer is {entry['best_layer']}, but layer {chosen['layer']} has the smaller leave-one-out error",
    )
    require(
        is_number(entry.get("r2,test")) and math.isclose(chosen["r2,test"], entry["r2,test"], abs_tol=1e-9),
        path,
        f"{where}: r2,test {entry.get('r2,test')!r} is not the best layer's ({chosen['r2,test']!r})",
    )


def find_results(folder: Path) -> list[Path]:
    return regular_files(folder, "results_*.json")  # a symlink, FIFO or folder: skipped with a warning


def load_results(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    paths = find_results(folder)
    if not paths:
        raise InputError(f"{folder}: no results files (results_*.json); run `spacetime evaluate`")
    return [(path, read_results(path)) for path in paths]


# --- rows ---------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    model: str
    kind: str
    base_model: str
    revision: str
    dtype: str
    layer: int
    num_layers: int
    prompt: str
    metrics: dict[str, tuple[float, list[float]]]  # metric -> (value, [low, high])
    per_layer: list[tuple[int, float]]
    plots: list[Path]
    bootstrap: dict[str, Any]
    test_rows: int = 0
    activations: dict[str, str] = field(default_factory=dict)  # the model's activation release, when published
    rank: int = 0
    separated_from_above: bool | None = None  # None for the first row or when not comparable
    # "control" / "static" / "lexical" -> paired difference of r2 to that baseline row of the same table
    vs: dict[str, dict[str, Any]] = field(default_factory=dict)
    params: int | None = None  # the model's parameter count; None where there is no model (the lexical floor)
    strata: list[dict[str, Any]] = field(default_factory=list)  # R^2 per popularity quintile, least popular first
    generalisation: tuple[float, list[float] | None] | None = None  # block hold-out R^2 and its interval
    block_column: str | None = None  # the column whose values are the held-out blocks
    worst: list[dict[str, Any]] = field(default_factory=list)  # the worst-predicted test entities
    predictions: Path | None = None  # the per-entity test predictions (Parquet), when the file is there


@dataclass
class Table:
    dataset: str
    dataset_repo: str
    dataset_revision: str
    rows: list[Row]


def short_revision(revision: str) -> str:
    """``abcdef123456`` of a commit sha, ``gguf-sha256:abcdef123456`` of a prefixed digest (the prefix alone says
    nothing)."""
    prefix, sep, rest = revision.rpartition(":")
    return f"{prefix}{sep}{rest[:12]}"


def build_tables(folder: Path) -> list[Table]:
    """Rows per (dataset, dataset repo, revision), best test R^2 first, with paired differences and rank marks."""
    tables: dict[tuple[str, str, str], list[Row]] = {}
    for path, results in load_results(folder):
        config = results["config"]
        plots_dir = path.parent / f"plots_{path.stem.removeprefix('results_')}"
        for dataset, entry in results["results"].items():
            key = (dataset, config["dataset_repo"], config["dataset_revision"])
            tables.setdefault(key, []).append(_row(config, dataset, entry, plots_dir, path.parent))
    out = []
    for (dataset, repo, revision), rows in sorted(tables.items()):
        rows.sort(key=lambda r: (-r.metrics[RANK_METRIC][0], r.model))
        for rank, row in enumerate(rows, 1):
            row.rank = rank
            if rank > 1:
                diff = _paired(row, rows[rank - 2])
                row.separated_from_above = diff["separated"] if diff else None
        floors = [r for r in rows if r.kind == "lexical_floor"]
        for row in rows:
            floor = next((f for f in floors if f.prompt == row.prompt), None)
            if floor is not None and row is not floor:
                row.vs["lexical"] = _difference(row, floor)
            if row.kind == "model":
                for label, kind in (("control", "random_init"), ("static", "static_embeddings")):
                    other = next((o for o in rows if o.kind == kind and o.base_model == row.base_model), None)
                    if other is not None:
                        row.vs[label] = _difference(row, other)
        out.append(Table(dataset, repo, revision, rows))
    check_unique_models(out)
    return out


def _difference(row: Row, other: Row) -> dict[str, Any]:
    """``row.r2 - other.r2``, with its paired interval when both drew the same resamples."""
    out = {"model": other.model, **(_paired(row, other) or {})}
    out["difference"] = row.metrics[RANK_METRIC][0] - other.metrics[RANK_METRIC][0]
    return out


def _row(config: dict[str, Any], dataset: str, entry: dict[str, Any], plots_dir: Path, folder: Path) -> Row:
    metrics = {m: (entry[f"{m},test"], entry[f"{m}_ci,test"]) for m in TABLE_METRICS if f"{m},test" in entry}
    held = entry.get("r2,block_holdout")
    predictions = folder / entry["predictions"] if entry.get("predictions") else None
    return Row(
        model=config["model_name"],
        kind=config["kind"],
        base_model=config["base_model"],
        revision=config["model_sha"],
        dtype=config["model_dtype"],
        layer=entry["best_layer"],
        num_layers=config["num_layers"],
        prompt=str(entry.get("prompt", "")),
        metrics=metrics,
        per_layer=[(p["layer"], p["r2,test"]) for p in entry["per_layer"]],
        plots=sorted(plots_dir.glob(f"{dataset}_*.png")) if plots_dir.is_dir() else [],
        bootstrap=entry["bootstrap"],
        test_rows=entry["test_rows"],
        activations=dict(config.get("activations") or {}),
        params=config.get("num_parameters"),
        strata=list(entry.get("strata,test", [])),
        generalisation=None if held is None else (held, entry.get("r2_ci,block_holdout")),
        block_column=entry.get("block_column"),
        worst=list(entry.get("worst,test", [])),
        predictions=predictions if predictions is not None and predictions.is_file() else None,
    )


def _paired(a: Row, b: Row) -> dict[str, Any] | None:
    """The paired bootstrap of ``a.r2 - b.r2``, when both drew the same resamples of the same test entities."""
    same = all(a.bootstrap.get(k) == b.bootstrap.get(k) for k in ("resamples", "seed", "entities_sha256"))
    ra, rb = a.bootstrap["replicates"].get(RANK_METRIC), b.bootstrap["replicates"].get(RANK_METRIC)
    if not same or ra is None or rb is None:
        return None
    nan = float("nan")
    return paired_difference([nan if x is None else x for x in ra], [nan if x is None else x for x in rb])


# --- Markdown and PNG ---------------------------------------------------------------------------------------------


def format_value(value: float, ci: list[float] | None = None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"
    if ci:
        low, high = ci
        text += f" [{low:.{digits}f}, {high:.{digits}f}]" if abs(value) < 1000 else f" [{low:,.0f}, {high:,.0f}]"
    return text


def format_difference(vs: dict[str, Any] | None) -> str:
    if not vs or "difference" not in vs:
        return "-"
    text = f"{vs['difference']:+.3f}"
    if vs.get("ci"):
        low, high = vs["ci"]
        text += f" [{low:+.3f}, {high:+.3f}]" + ("" if vs.get("separated") else f" {NOT_SEPARATED}0")
    return text


def format_strata(strata: list[dict[str, Any]]) -> str:
    """R^2 of the least and of the most popular stratum, ``q1 0.120 / q5 0.610``; ``-`` without strata."""
    if not strata:
        return "-"
    low, high = strata[0], strata[-1]
    return f"{low['stratum']} {low['r2']:.3f} / {high['stratum']} {high['r2']:.3f}"


def layer_label(row: Row) -> str:
    """``best/depth``, or ``embeddings`` for the static baseline (it has no layer)."""
    if row.kind == "lexical_floor":
        return "tf-idf"
    return "embeddings" if row.kind == "static_embeddings" else f"{row.layer}/{row.num_layers}"


def rank_label(row: Row) -> str:
    return f"{row.rank}{NOT_SEPARATED}" if row.separated_from_above is False else str(row.rank)


def table_cells(table: Table) -> tuple[list[str], list[list[str]]]:
    """Column names and plain (unescaped) cell texts of a table, shared by the Markdown and the PNG."""
    metrics = [m for m in TABLE_METRICS if any(m in r.metrics for r in table.rows)]
    columns = [
        "rank", "model", "revision", "dtype", "layer", *metrics, "R^2 - control", "R^2 - static", "R^2 - lexical",
        "generalisation R^2", "R^2 q1 / q5",
    ]  # fmt: skip
    cells = [
        [
            rank_label(row),
            row.model,
            short_revision(row.revision),
            row.dtype,
            layer_label(row),
            *[format_value(*row.metrics[m]) if m in row.metrics else "-" for m in metrics],
            format_difference(row.vs.get("control")),
            format_difference(row.vs.get("static")),
            format_difference(row.vs.get("lexical")),
            format_value(*row.generalisation) if row.generalisation else "-",
            format_strata(row.strata),
        ]
        for row in table.rows
    ]
    return columns, cells


def resample_counts(tables: list[Table]) -> str:
    return ", ".join(f"{c:,}" for c in sorted({r.bootstrap.get("resamples") for t in tables for r in t.rows}))


def render_markdown(tables: list[Table]) -> str:
    lines = [
        "# llm-spacetime leaderboard",
        "",
        "Every number is computed by `spacetime evaluate` from a request (model, revision, precision, prompts); "
        "submitters send no results. Brackets: 95% bootstrap intervals over the test entities "
        f"({resample_counts(tables)} resamples). "
        f"A rank marked {NOT_SEPARATED} is not separated from the rank above (the interval of their paired R^2 "
        f"difference contains 0); a difference marked {NOT_SEPARATED}0 is not separated from zero. "
        "R^2 - lexical: the paired difference to the lexical floor (ridge on character n-gram TF-IDF of the same "
        "prompt text, no model): what surface form alone predicts. Generalisation R^2: the block hold-out R^2 at "
        "the chosen layer (each of the largest blocks, e.g. countries, predicted by a probe trained without it; "
        "predictions pooled). R^2 q1 / q5: the least and the most viewed fifth of the test entities.",
        "",
    ]
    for table in tables:
        columns, cells = table_cells(table)
        lines += [
            f"## {md_escape(table.dataset)}",
            "",
            f"Dataset {md_code(table.dataset_repo)} at revision {md_code(table.dataset_revision)}",
            "",
            "| " + " | ".join(columns) + " |",
            "|---" * len(columns) + "|",
        ]
        lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in cells]
        lines.append("")
    return "\n".join(lines) + "\n"


def render_leaderboard(folder: Path, out: Path) -> dict[str, Path]:
    """``leaderboard.md`` (for the Hub README) and ``leaderboard.png`` in ``out`` from the results in ``folder``."""
    from spacetime.common import write_atomic

    tables = build_tables(folder)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    markdown = out / "leaderboard.md"
    write_atomic(markdown, render_markdown(tables).encode("utf-8"))
    return {"markdown": markdown, "png": _table_png(out / "leaderboard.png", tables)}


def _table_png(path: Path, tables: list[Table]) -> Path:
    """The tables as an image; model names wrap instead of being cut, so a model and its control stay distinct."""
    from spacetime.probing.probes.plots import pyplot, save_figure

    plt = pyplot()
    heights = [2 + sum(_wrapped_lines(r.model) for r in t.rows) for t in tables]
    fig, axes = plt.subplots(len(tables), 1, figsize=(16, 0.3 * sum(heights) + 0.6), dpi=110, squeeze=False)
    for ax, table in zip(axes[:, 0], tables):
        ax.axis("off")
        ax.set_title(f"{table.dataset} ({short_revision(table.dataset_revision)})", loc="left", fontsize=10)
        columns, cells = table_cells(table)
        for row in cells:
            row[1] = "\n".join(textwrap.wrap(row[1], 34)) or "-"
        drawn = ax.table(cellText=cells, colLabels=columns, loc="upper left", cellLoc="left")
        drawn.auto_set_font_size(False)
        drawn.set_fontsize(7)
        for (r, _column), cell in drawn.get_celld().items():
            if r > 0:
                cell.set_height(cell.get_height() * _wrapped_lines(table.rows[r - 1].model))
        drawn.auto_set_column_width(list(range(len(columns))))
    return save_figure(fig, path)


def _wrapped_lines(name: str) -> int:
    return max(1, len(textwrap.wrap(name, 34)))


def check_unique_models(tables: list[Table]) -> None:
    """Two rows of one table with the same model name, revision and dtype would merge in any reader keyed by them."""
    for table in tables:
        seen: dict[tuple[str, str, str], str] = {}
        for row in table.rows:
            key = (row.model, row.revision, row.dtype)
            if key in seen:
                raise InputError(f"{table.dataset}: two results for {row.model} at {row.revision} in {row.dtype}")
            seen[key] = row.model
