"""Plots of a probe run (matplotlib, Agg backend, PNG) and the Markdown report that embeds them.

- ``<dataset>_r2_by_layer.png``: test R^2 by layer, the random-init control dashed when there is one;
- ``<dataset>_map.png``: test predictions against true positions on plain lon/lat axes with a light grid (no basemap
  package), each point coloured by its true longitude, with faint lines from true to predicted positions;
- ``<dataset>_years.png``: predicted against true year, with the identity line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from spacetime.pipelines.registry import spec

PLOTS_DIR = "plots"
REPORT_FILE = "report.md"
MAX_LINES = 3000  # error lines drawn on a map (a sample beyond that keeps the figure readable)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def r2_by_layer(
    path: Path, dataset: str, per_layer: list[dict], control: list[dict] | None = None, model_name: str = ""
) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    ax.plot(
        [p["layer"] for p in per_layer],
        [p["test"]["r2"] for p in per_layer],
        marker="o",
        ms=3,
        label=model_name or "model",
    )
    if control:
        ax.plot(
            [p["layer"] for p in control],
            [p["test_r2"] for p in control],
            linestyle="--",
            color="grey",
            label="random-init control",
        )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer")
    ax.set_ylabel("test $R^2$")
    ax.set_title(f"{dataset}: ridge probe, test $R^2$ by layer")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def prediction_map(path: Path, dataset: str, truth: np.ndarray, pred: np.ndarray, layer: int, seed: int = 0) -> Path:
    """Truth (lat, lon) and predictions (lat, lon) of the test entities; lon on x, lat on y."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=120)
    lines = np.arange(len(truth))
    if len(lines) > MAX_LINES:
        lines = np.sort(np.random.default_rng(seed).choice(len(truth), MAX_LINES, replace=False))
    segments = np.stack([truth[lines][:, ::-1], pred[lines][:, ::-1]], axis=1)
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(segments, colors="lightgrey", linewidths=0.4, zorder=1))
    ax.scatter(pred[:, 1], pred[:, 0], c=truth[:, 1], cmap="turbo", s=4, zorder=2, label="prediction")
    extent = spec(dataset).plot_extent  # (lon_min, lon_max, lat_min, lat_max); None: fit the data
    if extent is not None:
        x0, x1, y0, y1 = extent
    else:
        x0, x1 = np.percentile(np.r_[truth[:, 1], pred[:, 1]], [0.5, 99.5])
        y0, y1 = np.percentile(np.r_[truth[:, 0], pred[:, 0]], [0.5, 99.5])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal" if dataset != "world_places" else "auto")
    ax.grid(color="0.9", linewidth=0.5)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(f"{dataset}: test predictions at layer {layer} (colour: true longitude; grey: error)")
    return _save(fig, path)


def years_scatter(path: Path, dataset: str, truth: np.ndarray, pred: np.ndarray, layer: int, unit: str) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    ax.scatter(truth, pred, s=3, alpha=0.4)
    low, high = float(np.min(truth)), float(np.max(truth))
    ax.plot([low, high], [low, high], color="black", linewidth=0.8)
    ax.set_xlabel(f"true {unit}")
    ax.set_ylabel(f"predicted {unit}")
    ax.set_title(f"{dataset}: test predictions at layer {layer}")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def write_plots_and_report(out: Path, payload: dict[str, Any], probes: Mapping[str, Any]) -> Path:
    """Every plot of a results payload (``probes``: results.DatasetProbe per dataset, for the predictions), and
    ``report.md`` embedding them."""
    out = Path(out)
    config = payload["config"]
    sections = []
    for dataset, result in payload["results"].items():
        probe = probes[dataset]
        best = probe.best()
        truth = probe.targets[probe.split == "test"]
        images = [
            r2_by_layer(
                out / PLOTS_DIR / f"{dataset}_r2_by_layer.png",
                dataset,
                result["per_layer"],
                (result.get("control") or {}).get("per_layer"),
                config.get("model_name") or "",
            )
        ]
        if tuple(probe.target_names) == ("latitude", "longitude"):
            images.append(
                prediction_map(
                    out / PLOTS_DIR / f"{dataset}_map.png",
                    dataset,
                    truth,
                    best.test_pred,
                    best.layer,
                    config.get("seed", 0),
                )
            )
        else:
            images.append(
                years_scatter(
                    out / PLOTS_DIR / f"{dataset}_years.png",
                    dataset,
                    truth[:, 0],
                    best.test_pred[:, 0],
                    best.layer,
                    probe.target_names[0].replace("_", " "),
                )
            )
        sections.append(_section(dataset, result, [p.relative_to(out) for p in images]))
    report = out / REPORT_FILE
    header = [
        f"# Probe report: {config.get('model_name')}",
        "",
        f"- model revision: `{config.get('model_sha')}`, dtype {config.get('model_dtype')}"
        f"{', random init' if config.get('random_init') else ''}",
        f"- dataset: `{config.get('dataset_repo')}` at `{config.get('dataset_revision')}`",
        f"- probe: ridge, alphas {_alphas(config.get('alphas', []))}, targets z-scored on train, one alpha per "
        f"layer chosen by leave-one-out; best layer = smallest leave-one-out error on train",
        f"- llm-spacetime {config.get('package_version')}",
        "",
    ]
    from spacetime.common import write_atomic

    write_atomic(report, ("\n".join(header + sections) + "\n").encode("utf-8"))
    return report


def _section(dataset: str, result: dict[str, Any], images: list[Path]) -> str:
    metrics = [
        k for k in ("r2", "spearman", "mae", "haversine_km", "haversine_km_median", "proximity_error") if k in result
    ]
    lines = [
        f"## {dataset}",
        "",
        f"Prompt `{result.get('prompt')}`, best layer {result['best_layer']} "
        f"(alpha {result['alpha']:.3g}); {result['train_rows']} train and {result['test_rows']} test rows.",
        "",
        "| metric (test) | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {result[k]:.4g} |" for k in metrics if result[k] is not None]
    control = result.get("control")
    if control:
        best = max(p["test_r2"] for p in control["per_layer"])
        lines += ["", f"Random-init control: best test R^2 {best:.3f}."]
    lines += _robustness_lines(result.get("robustness") or {})
    lines.append("")
    lines += [f"![{dataset}]({image.as_posix()})" for image in images]
    lines.append("")
    return "\n".join(lines)


def _robustness_lines(robust: dict[str, Any]) -> list[str]:
    lines = []
    if "mlp" in robust:
        lines += [
            "",
            f"MLP probe (hidden {robust['mlp']['hidden']}) at layer {robust['layer']}: test R^2 "
            f"{robust['mlp']['test']['r2']:.3f} (ridge {robust['mlp']['ridge_test']['r2']:.3f}).",
        ]
    if "pca" in robust:
        lines += [
            "",
            "Ridge on the top-k principal components: "
            + ", ".join(f"k={p['k']}: R^2 {p['test']['r2']:.3f}" for p in robust["pca"])
            + ".",
        ]
    if "block_holdout" in robust:
        blocks = robust["block_holdout"]["blocks"]
        error = "haversine_km" if blocks and "haversine_km" in blocks[0]["holdout"] else "mae"
        lines += [
            "",
            f"Block holdout by `{robust['block_holdout']['column']}` (test rows of the block):",
            "",
            f"| block | rows | {error} held out | {error} standard | proximity held out | proximity standard |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {b['block']} | {b['test_rows']} | {b['holdout'][error]:.4g} | {b['standard'][error]:.4g} | "
            f"{b['holdout']['proximity_error']:.3f} | {b['standard']['proximity_error']:.3f} |"
            for b in blocks
        ]
    if "neurons" in robust:
        for target, hits in robust["neurons"]["neurons"].items():
            if hits:
                top = hits[0]
                lines += [
                    "",
                    f"Neuron most aligned with the {target} direction: layer {top['layer']} "
                    f"{top['weight']} #{top['neuron']}, cosine {top['cosine']:.3f} (a random direction "
                    f"reaches {robust['neurons']['random_max_abs_cosine']:.3f}).",
                ]
    return lines


def _alphas(alphas: list[float]) -> str:
    if not alphas:
        return "?"
    return f"{len(alphas)} from {min(alphas):.3g} to {max(alphas):.3g}"
