"""Plots of a probe run (matplotlib, Agg backend, PNG) and the Markdown report that embeds them.

- ``<dataset>_r2_by_layer.png``: test R^2 by layer, the chosen layer (smallest leave-one-out error on train) marked,
  a zero line, and the random-init control dashed and labelled when there is one;
- ``<dataset>_map.png``: true positions (black) and predictions (coloured by true longitude, with a colorbar) of the
  test entities, with faint lines from each true position to its prediction, on a projected Natural Earth basemap:
  Equal Earth for the world, Albers equal-area for the contiguous US, and a local equirectangular view with the
  right aspect (cos of the mean latitude) elsewhere (NYC, where a 1:110m basemap would show nothing);
- ``<dataset>_years.png``: predicted against true year, with the identity line.

The basemap is Natural Earth's 1:110m countries (public domain), shipped as ``basemap/ne_110m_countries.json``
(made once by ``tools/natural_earth.py``); projections are a few lines of numpy, so nothing is downloaded at run time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.pipelines.registry import spec

from .metrics import METRICS

PLOTS_DIR = "plots"
REPORT_FILE = "report.md"
MAX_LINES = 3000  # error lines drawn on a map (a sample beyond that keeps the figure readable)
BASEMAP = "basemap/ne_110m_countries.json"
R2_FLOOR = -0.5  # R^2 below this is drawn at the floor (a bad control would squash the model's curve)

Projection = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def r2_by_layer(
    path: Path,
    dataset: str,
    per_layer: list[dict],
    control: list[dict] | None = None,
    model_name: str = "",
    best_layer: int | None = None,
) -> Path:
    """Test R^2 by layer: the model, the chosen layer marked, a zero line, and the random-init control if given."""
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=150)
    layers = [p["layer"] for p in per_layer]
    r2 = [p["test"]["r2"] for p in per_layer]
    shown = [r2]
    ax.axhline(0.0, color="black", linewidth=0.8, zorder=1)
    ax.plot(layers, np.maximum(r2, R2_FLOOR), marker="o", ms=3.5, color="C0", label=model_name or "model", zorder=3)
    if control:
        values = [p["test_r2"] for p in control]
        shown.append(values)
        ax.plot(
            [p["layer"] for p in control],
            np.maximum(values, R2_FLOOR),
            linestyle="--",
            marker="o",
            ms=2.5,
            color="grey",
            label="control: same architecture, random weights",
            zorder=2,
        )
    if best_layer is not None and best_layer in layers:
        value = r2[layers.index(best_layer)]
        ax.plot(
            [best_layer],
            [max(value, R2_FLOOR)],
            marker="*",
            ms=14,
            color="C3",
            zorder=4,
            linestyle="none",
            label=f"chosen layer {best_layer} (train leave-one-out): $R^2$ = {value:.2f}",
        )
    low = min(min(v) for v in shown)
    ax.set_ylim(max(min(low, 0.0), R2_FLOOR) - 0.05, max(1.0, max(max(v) for v in shown)) + 0.02)
    if low < R2_FLOOR:
        ax.text(
            0.99,
            0.02,
            f"values below {R2_FLOOR} drawn at {R2_FLOOR}",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="0.4",
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer (residual stream after block)")
    ax.set_ylabel("test $R^2$")
    ax.set_title(f"{dataset}: linear (ridge) probe, test $R^2$ by layer", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best", framealpha=0.9)
    return save_figure(fig, path)


# --- maps ---------------------------------------------------------------------------------------------------------


@cache
def basemap_rings() -> tuple[np.ndarray, ...]:
    """Every ring (outer boundaries and holes) of the Natural Earth countries, as [points, (lon, lat)] arrays."""
    data = json.loads(files("spacetime.probing.probes").joinpath(BASEMAP).read_text("utf-8"))
    rings = []
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            rings.extend(np.asarray(ring, dtype=np.float64) for ring in polygon)
    return tuple(rings)


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Equal Earth projection (Šavrič, Patterson and Jenny 2018), central meridian 0, unit sphere."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    lam, phi = np.radians(lon), np.radians(lat)
    theta = np.arcsin(np.sqrt(3) / 2 * np.sin(phi))
    t2 = theta**2
    t6 = t2**3
    x = 2 * np.sqrt(3) * lam * np.cos(theta) / (3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1))
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x, y


def albers_usa(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic for the contiguous US (standard parallels 29.5 and 45.5 N, origin 37.5 N 96 W)."""
    phi1, phi2, phi0, lam0 = np.radians([29.5, 45.5, 37.5, -96.0])
    n = (np.sin(phi1) + np.sin(phi2)) / 2
    c = np.cos(phi1) ** 2 + 2 * n * np.sin(phi1)
    rho0 = np.sqrt(c - 2 * n * np.sin(phi0)) / n
    rho = np.sqrt(c - 2 * n * np.sin(np.radians(lat))) / n
    theta = n * (np.radians(lon) - lam0)
    return rho * np.sin(theta), rho0 - rho * np.cos(theta)


PROJECTIONS: dict[str, Projection] = {"equal_earth": equal_earth, "albers_usa": albers_usa}


def map_view(dataset: str, truth: np.ndarray, pred: np.ndarray) -> tuple[Projection | None, tuple[float, ...]]:
    """Projection (None: plain lon/lat axes) and extent (lon_min, lon_max, lat_min, lat_max) for ``dataset``."""
    declared = spec(dataset)
    if declared.map_projection and declared.plot_extent:
        return PROJECTIONS[declared.map_projection], declared.plot_extent
    lon0, lon1 = np.percentile(np.r_[truth[:, 1], pred[:, 1]], [0.5, 99.5])
    lat0, lat1 = np.percentile(np.r_[truth[:, 0], pred[:, 0]], [0.5, 99.5])
    pad_lon, pad_lat = 0.05 * (lon1 - lon0), 0.05 * (lat1 - lat0)
    return None, (lon0 - pad_lon, lon1 + pad_lon, lat0 - pad_lat, lat1 + pad_lat)


def _frame(project: Projection, extent: tuple[float, ...], steps: int = 181) -> np.ndarray:
    """The outline of the lon/lat box ``extent``, projected: a closed [points, 2] curve."""
    lon0, lon1, lat0, lat1 = extent
    lon, lat = np.linspace(lon0, lon1, steps), np.linspace(lat0, lat1, steps)
    ring_lon = np.r_[lon, np.full(steps, lon1), lon[::-1], np.full(steps, lon0)]
    ring_lat = np.r_[np.full(steps, lat0), lat, np.full(steps, lat1), lat[::-1]]
    return np.column_stack(project(ring_lon, ring_lat))


def _graticule(ax: Any, project: Projection, extent: tuple[float, ...], step: float, clip: Any) -> None:
    lon0, lon1, lat0, lat1 = extent
    lat = np.linspace(lat0, lat1, 181)
    lon = np.linspace(lon0, lon1, 361)
    lines = [
        np.column_stack(project(np.full_like(lat, v), lat)) for v in np.arange(-180, 180.1, step) if lon0 <= v <= lon1
    ]
    lines += [
        np.column_stack(project(lon, np.full_like(lon, v))) for v in np.arange(-90, 90.1, step) if lat0 <= v <= lat1
    ]
    _add_clipped(ax, lines, clip, "lines", colors="0.8", linewidths=0.4, zorder=0.5)


def _basemap(ax: Any, project: Projection, extent: tuple[float, ...], clip: Any) -> None:
    """Land in light grey, country borders in a darker grey; rings far outside ``extent`` are skipped (a ring round
    the pole, like Antarctica's, would wrap a conic projection's whole plane)."""
    lon0, lon1, lat0, lat1 = extent
    margin = 10.0
    rings = [
        ring
        for ring in basemap_rings()
        if ring[:, 0].max() >= lon0 - margin
        and ring[:, 0].min() <= lon1 + margin
        and ring[:, 1].max() >= lat0 - margin
        and ring[:, 1].min() <= lat1 + margin
    ]
    polygons = [np.column_stack(project(ring[:, 0], ring[:, 1])) for ring in rings]
    _add_clipped(ax, polygons, clip, "polygons", facecolors="0.9", edgecolors="0.6", linewidths=0.4, zorder=0)


def _add_clipped(ax: Any, shapes: list[np.ndarray], clip: Any, kind: str, **style: Any) -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    collection = (PolyCollection if kind == "polygons" else LineCollection)(shapes, **style)
    ax.add_collection(collection)
    collection.set_clip_path(clip)


def prediction_map(path: Path, dataset: str, truth: np.ndarray, pred: np.ndarray, layer: int, seed: int = 0) -> Path:
    """True positions and predictions (both (lat, lon) in degrees) of the test entities on a projected map."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Polygon

    plt = pyplot()
    project, extent = map_view(dataset, truth, pred)
    lat_mid = (extent[2] + extent[3]) / 2
    if project is None:  # a city: lon/lat axes, stretched so that a degree of longitude has its true length
        aspect = 1 / np.cos(np.radians(lat_mid))
        width, height = extent[1] - extent[0], (extent[3] - extent[2]) * aspect
    else:
        frame = _frame(project, extent)
        width, height = np.ptp(frame[:, 0]), np.ptp(frame[:, 1])
    fig_width = 10.0
    fig, ax = plt.subplots(figsize=(fig_width, fig_width * height / width + 1.2), dpi=150)
    tx, ty = (truth[:, 1], truth[:, 0]) if project is None else project(truth[:, 1], truth[:, 0])
    px, py = (pred[:, 1], pred[:, 0]) if project is None else project(pred[:, 1], pred[:, 0])
    if project is None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect(aspect)
        ax.grid(color="0.88", linewidth=0.5)
        ax.set_xlabel("longitude (degrees)")
        ax.set_ylabel("latitude (degrees)")
    else:
        outline = Polygon(frame, closed=True, facecolor="none", edgecolor="0.4", linewidth=0.8, zorder=0.6)
        ax.add_patch(outline)  # also the clip path of the basemap and graticule
        _basemap(ax, project, extent, outline)
        _graticule(ax, project, extent, spec(dataset).graticule_degrees, outline)
        ax.set_xlim(frame[:, 0].min(), frame[:, 0].max())
        ax.set_ylim(frame[:, 1].min(), frame[:, 1].max())
        ax.set_aspect("equal")
        ax.set_axis_off()
    lines = np.arange(len(truth))
    if len(lines) > MAX_LINES:
        lines = np.sort(np.random.default_rng(seed).choice(len(truth), MAX_LINES, replace=False))
    segments = np.stack([np.column_stack([tx, ty])[lines], np.column_stack([px, py])[lines]], axis=1)
    ax.add_collection(LineCollection(segments, colors="0.45", linewidths=0.3, alpha=0.45, zorder=1))
    ax.scatter(tx, ty, s=3, c="black", linewidths=0, zorder=2, label="true position")
    points = ax.scatter(
        px,
        py,
        c=truth[:, 1],
        cmap="turbo",
        s=8,
        linewidths=0.2,
        edgecolors="white",
        zorder=3,
        label="prediction (colour: true longitude)",
    )
    bar = fig.colorbar(
        points, ax=ax, orientation="horizontal", fraction=0.035, pad=0.04 if project else 0.07, aspect=50
    )
    bar.set_label("true longitude of the entity (degrees)")
    ax.legend(loc="lower left", fontsize=8, markerscale=2.5, framealpha=0.9)
    ax.set_title(f"{dataset}: test entities, true position and ridge-probe prediction at layer {layer}", fontsize=11)
    return save_figure(fig, path)


def years_scatter(path: Path, dataset: str, truth: np.ndarray, pred: np.ndarray, layer: int, unit: str) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    ax.scatter(truth, pred, s=3, alpha=0.4)
    low, high = float(np.min(truth)), float(np.max(truth))
    ax.plot([low, high], [low, high], color="black", linewidth=0.8)
    ax.set_xlabel(f"true {unit}")
    ax.set_ylabel(f"predicted {unit}")
    ax.set_title(f"{dataset}: test predictions at layer {layer}")
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def save_figure(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png", bbox_inches="tight", pad_inches=0.1)  # nothing clipped, no empty margins
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
                result.get("best_layer"),
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
    metrics = [m.name for m in METRICS if m.name in result]
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
