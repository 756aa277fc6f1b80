"""The web leaderboard: a static site (``index.html`` plus the files it links), for a browser or a Hub Space.

``index.html`` holds the tables only, so it grows by kilobytes per entry: an overall table (mean test R^2 over the
datasets, see overall.py) and one sortable table per dataset, filterable by model family and size. Everything heavy
is a separate file under ``plots/`` and ``files/``, loaded only when opened: the R^2-by-layer curves and the
R^2-against-parameters plot of each dataset (SVG, drawn here), each entry's predicted-vs-true plots (PNG, copied from
the results folder, in a ``<details>`` with ``loading="lazy"``) and its test predictions (Parquet, linked).

Every string from a results file goes through Jinja2's autoescaping; on top of that the page's Content-Security-Policy
lets only its own script run (by hash) and images come only from the site itself, so even markup that slipped
through could not execute or fetch anything. Copied files must be regular files inside the results folder: a
symlink, a FIFO or a path leading out of the folder is refused, naming the file.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import os
import re
import shutil
import stat
import textwrap
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

from spacetime.pipelines.registry import spec
from spacetime.probing.probes.metrics import METRIC, dataset_kind

from .inputs import InputError
from .overall import Entry, OverallTable, family, overall_tables
from .submissions import KINDS
from .tables import (
    NOT_SEPARATED,
    RANK_METRIC,
    TABLE_METRICS,
    Row,
    Table,
    build_tables,
    format_value,
    layer_label,
    resample_counts,
    short_revision,
)

TEMPLATE = "leaderboard.html"
SCRIPT = "leaderboard.js"
PLOTS = "plots"  # the site's folders of copied and drawn images, and of copied predictions
FILES = "files"
MARK = ".spacetime-site"  # in the site's own folders: only a folder with it is removed when the site is rebuilt
MAX_COPY_BYTES = 64 * 1024 * 1024  # one plot or predictions file copied into the site
LABELS = {name: METRIC[name].label for name in TABLE_METRICS}  # column headings, from the metric registry
DIFFERENCES = {"control": "R² − control", "static": "R² − static", "lexical": "R² − lexical"}
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
DASHES = {"model": "", "random_init": "6 3", "static_embeddings": "2 3"}
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def render_site(results: Path, out: Path) -> Path:
    """``out/index.html`` and its ``plots/`` and ``files/`` from the results folder; returns the index's path."""
    from jinja2 import Environment, select_autoescape

    from spacetime.common import write_atomic

    results, out = Path(results), Path(out)
    tables = build_tables(results)
    out.mkdir(parents=True, exist_ok=True)
    site = _SiteFiles(results, out)
    script = files("spacetime.probing.leaderboard").joinpath("templates", SCRIPT).read_text("utf-8")
    template_text = files("spacetime.probing.leaderboard").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    page = env.from_string(template_text).render(
        overall=[_overall_context(t) for t in overall_tables(tables)],
        tables=[_table_context(t, i, site) for i, t in enumerate(tables)],
        families=sorted({family(r.model) for t in tables for r in t.rows}),
        resamples=resample_counts(tables),
        tie=NOT_SEPARATED,
        script=_Markup(script),
        script_hash="sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode(),
    )
    index = out / "index.html"
    write_atomic(index, page.encode("utf-8"))
    return index


def _Markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


# --- files of the site --------------------------------------------------------------------------------------------


class _SiteFiles:
    """Copies files from the results folder into the site and writes drawn ones; returns their relative URLs."""

    def __init__(self, results: Path, out: Path) -> None:
        self.root = results.resolve()
        self.out = out
        for folder in (PLOTS, FILES):  # rebuilt, so no file of a removed entry stays
            _renew(out / folder)

    def copy(self, source: Path, folder: str, entry: str) -> str:
        copy_regular_file(source, self.root, self.out / folder / entry / source.name)
        return f"{folder}/{entry}/{quote(source.name)}"

    def write(self, name: str, text: str) -> str:
        (self.out / PLOTS / name).write_text(text, encoding="utf-8")
        return f"{PLOTS}/{name}"


def _renew(folder: Path) -> None:
    """An empty ``folder``, marked as the site's; an existing one is removed only if it carries that mark."""
    mark = folder / MARK
    if folder.is_symlink() or folder.exists():
        if folder.is_symlink() or not mark.is_file():
            raise InputError(f"{folder}: exists and was not written by `spacetime leaderboard`; choose another --out")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    mark.write_text("written by `spacetime leaderboard`; rebuilt on every run\n", encoding="utf-8")


def copy_regular_file(source: Path, root: Path, target: Path, max_bytes: int = MAX_COPY_BYTES) -> None:
    """Copy ``source`` to ``target`` if it is a regular file (not a symlink, FIFO, device...) inside ``root``."""
    source = Path(source)
    if not source.resolve().is_relative_to(Path(root).resolve()):
        raise InputError(f"{source}: leads out of the results folder {root} (a symlink?); remove it")
    try:  # O_NOFOLLOW: a symlink is refused even inside the folder; O_NONBLOCK: opening a FIFO does not wait
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise InputError(f"{source}: cannot be copied into the site ({error.strerror}); a symlink? remove it") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{source}: not a regular file; remove it from the results folder")
        if info.st_size > max_bytes:
            raise InputError(f"{source}: {info.st_size:,} bytes, over the limit of {max_bytes:,} for a site file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as copy:
            shutil.copyfileobj(fh, copy)


def entry_folder(row: Row, dataset_revision: str) -> str:
    """A file-system-safe folder name per entry: its readable name plus a hash of (name, revision, precision,
    dataset revision)."""
    key = "\0".join((row.model, row.revision, row.dtype, dataset_revision))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    name = UNSAFE.sub("-", row.model).strip(".-")[:60]
    return f"{name}-{digest}" if name else digest


# --- contexts -----------------------------------------------------------------------------------------------------


def params_label(params: int | None) -> str:
    """135M, 1.7B, 70B."""
    if params is None:
        return "-"
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if params >= scale:
            value = params / scale
            return f"{value:.{1 if value < 10 else 0}f}{unit}".replace(".0", "")
    return str(params)


def sort_key(value: float) -> str:
    """A cell's ``data-sort``: enough digits to order any two values the page shows apart, and no more."""
    return f"{value:.6g}"


def _overall_context(table: OverallTable) -> dict[str, Any]:
    return {
        "dataset_repo": table.dataset_repo,
        "dataset_revision": table.dataset_revision,
        "datasets": table.datasets,
        "entries": [_entry_context(entry, table.datasets) for entry in table.entries],
    }


def _entry_context(entry: Entry, datasets: list[str]) -> dict[str, Any]:
    score = {"value": "-", "ci": f"{len(entry.scores)} of {len(datasets)} datasets", "sort": ""}
    if entry.score is not None:
        ci = _span(entry.ci) if entry.ci else ""
        score = {"value": format_value(entry.score), "ci": ci, "sort": sort_key(entry.score)}
    return {
        "rank": entry.rank if entry.rank is not None else "",
        "tie": entry.separated_from_above is False,
        "model": entry.model,
        "kind": KINDS.get(entry.kind, entry.kind),
        "family": entry.family,
        "params": entry.params if entry.params is not None else "",
        "params_label": params_label(entry.params),
        "score": score,
        "partial": bool(entry.missing),
        "missing": ", ".join(entry.missing),
        "scores": [
            {"value": format_value(entry.scores[d]), "sort": sort_key(entry.scores[d])}
            if d in entry.scores
            else {"value": "-", "sort": ""}
            for d in datasets
        ],
    }


def _table_context(table: Table, index: int, site: _SiteFiles) -> dict[str, Any]:
    metrics = [m for m in TABLE_METRICS if any(m in r.metrics for r in table.rows)]
    anchor = f"t{index}-{table.dataset}"
    return {
        "anchor": anchor,
        "dataset": table.dataset,
        "dataset_repo": table.dataset_repo,
        "dataset_revision": table.dataset_revision,
        "test_rows": table.rows[0].test_rows,
        "columns": [
            "rank",
            "model",
            "params",
            "revision",
            "dtype",
            "layer",
            *[LABELS[m] for m in metrics],
            *DIFFERENCES.values(),
            "R² held-out blocks",
            "R² by popularity, q1 (least) → q5",
        ],  # fmt: skip
        "rows": [_row_context(row, table, metrics, site) for row in table.rows],
        "curves": site.write(f"curves-{anchor}.svg", curves_svg(table)),
        "sizes": site.write(f"size-{anchor}.svg", size_svg(table)) if _sized_models(table) else None,
    }


def _row_context(row: Row, table: Table, metrics: list[str], site: _SiteFiles) -> dict[str, Any]:
    entry = entry_folder(row, table.dataset_revision)
    return {
        "rank": row.rank,
        "tie": row.separated_from_above is False,
        "model": row.model,
        "kind": KINDS.get(row.kind, row.kind),
        "family": family(row.model),
        "params": row.params if row.params is not None else "",
        "params_label": params_label(row.params),
        "revision": short_revision(row.revision),
        "revision_full": row.revision,
        "dtype": row.dtype,
        "layer": row.layer,
        "layer_label": layer_label(row),
        "metrics": [_metric_cell(row, m) for m in metrics],
        "differences": [_difference_cell(row.vs.get(label)) for label in DIFFERENCES],
        "generalisation": _generalisation_cell(row),
        "strata": _strata_context(row),
        "worst": _worst_context(row, table.dataset),
        "activations": row.activations.get("repo") or row.activations.get("release"),
        "activations_url": row.activations.get("url"),
        "predictions": site.copy(row.predictions, FILES, entry) if row.predictions else None,
        "plots": [
            {"src": site.copy(path, PLOTS, entry), "alt": f"{row.model}: {path.stem.replace('_', ' ')}"}
            for path in row.plots
        ],
        "details": _details_label(row),
    }


def _details_label(row: Row) -> str:
    """What an entry's details hold (the summary of its ``<details>``); empty when nothing."""
    held = {
        "predicted vs true": row.plots,
        "R² by popularity": row.strata,
        "worst-predicted entities": row.worst,
        "test predictions (Parquet)": row.predictions,
    }
    return ", ".join(name for name, present in held.items() if present)


def _metric_cell(row: Row, metric: str) -> dict[str, Any]:
    if metric not in row.metrics:
        return {"value": "-", "ci": "", "sort": ""}
    value, ci = row.metrics[metric]
    return {
        "value": format_value(value),
        "ci": _span(ci),
        "sort": sort_key(value),
    }


def _span(ci: list[float]) -> str:
    return format_value(ci[0]) + " – " + format_value(ci[1])


def _difference_cell(vs: dict[str, Any] | None) -> dict[str, Any]:
    if not vs or "difference" not in vs:
        return {"value": "-", "ci": "", "sort": ""}
    ci = vs.get("ci")
    text = f"{ci[0]:+.3f} – {ci[1]:+.3f}" + ("" if vs.get("separated") else f" ({NOT_SEPARATED} 0)") if ci else ""
    return {"value": f"{vs['difference']:+.3f}", "ci": text, "sort": sort_key(vs["difference"])}


def _generalisation_cell(row: Row) -> dict[str, Any]:
    """The R^2 on test blocks (e.g. countries) no training entity shares, where the results have it."""
    if not row.generalisation:
        return {"value": "-", "ci": "", "sort": ""}
    value, ci = row.generalisation
    text = _span(ci) if ci else ""
    return {"value": format_value(value), "ci": text, "sort": sort_key(value), "block": row.block_column or ""}


def _strata_context(row: Row) -> list[dict[str, Any]]:
    return [
        {
            "name": stratum["stratum"],
            "r2": format_value(stratum["r2"]),
            "ci": _span(stratum["r2_ci"]),
            "rows": stratum["rows"],
            "measure": stratum["measure"],
            "range": f"{stratum['range'][0]:,.0f} – {stratum['range'][1]:,.0f}",
        }
        for stratum in row.strata
    ]


def error_unit(dataset: str) -> str:
    """The unit of a prediction error: km for places, years for the rest."""
    return "km" if dataset_kind(spec(dataset).targets) == "space" else "years"


def _worst_context(row: Row, dataset: str) -> dict[str, Any]:
    return {
        "unit": error_unit(dataset),
        "entities": [{"id": w["entity_id"], "name": w["name"], "error": format_value(w["error"])} for w in row.worst],
    }


# --- SVG plots ----------------------------------------------------------------------------------------------------


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{html.escape(label)}" font-size="11" font-family="sans-serif">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
    )


def _axes(left: float, top: float, plot_w: float, plot_h: float, zero_y: float | None) -> list[str]:
    parts = [
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    if zero_y is not None:
        parts.append(f'<line x1="{left}" y1="{zero_y:.1f}" x2="{left + plot_w}" y2="{zero_y:.1f}" stroke="#bbb"/>')
    return parts


def curves_svg(table: Table, width: int = 760) -> str:
    """Test R^2 by layer of every row of a table (a standalone SVG file: escaped labels, no script)."""
    left, right, top, bottom = 48, 330, 12, 34
    legend = [textwrap.wrap(row.model, 46) or ["-"] for row in table.rows]  # whole names: a model and its
    height = max(300, top + 16 + sum(13 * len(lines) + 4 for lines in legend))  # control differ only at the end
    points = [(x, y) for row in table.rows for x, y in row.per_layer if math.isfinite(y)]
    xs = [x for x, _ in points] or [0]
    ys = [y for _, y in points] or [0.0]
    x0, x1 = min(xs), max(max(xs), min(xs) + 1)
    y0, y1 = min(min(ys), 0.0), max(max(ys), 0.1)
    plot_w, plot_h = width - left - right, 300 - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return top + (y1 - y) / (y1 - y0) * plot_h

    parts = [_svg_open(width, height, f"test R2 by layer, {table.dataset}"), *_axes(left, top, plot_w, plot_h, sy(0))]
    for value in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<text x="{left - 4}" y="{sy(value) + 4:.1f}" text-anchor="end">{value:.2f}</text>')
    for value in sorted({x0, (x0 + x1) // 2, x1}):
        parts.append(f'<text x="{sx(value):.1f}" y="{top + plot_h + 14}" text-anchor="middle">{value}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{300 - 4}" text-anchor="middle">layer</text>')
    ly = top + 12
    for i, (row, lines) in enumerate(zip(table.rows, legend)):
        colour = COLOURS[i % len(COLOURS)]
        dash = DASHES.get(row.kind, "")
        coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in row.per_layer if math.isfinite(y))
        if len(row.per_layer) == 1:
            x, y = row.per_layer[0]
            parts.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + plot_w}" y2="{sy(y):.1f}" '
                         f'stroke="{colour}" stroke-dasharray="{dash or "2 3"}"/>')  # fmt: skip
        else:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" stroke-dasharray="{dash}" '
                         f'points="{coords}"/>')  # fmt: skip
        parts.append(f'<line x1="{width - right + 8}" y1="{ly - 4}" x2="{width - right + 26}" y2="{ly - 4}" '
                     f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')  # fmt: skip
        spans = "".join(
            f'<tspan x="{width - right + 30}" dy="{0 if j == 0 else 13}">{html.escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        parts.append(f'<text x="{width - right + 30}" y="{ly}">{spans}</text>')
        ly += 13 * len(lines) + 4
    parts.append(f"<title>{html.escape(table.dataset)}: test {RANK_METRIC} by layer</title></svg>")
    return "".join(parts)


def _sized_models(table: Table) -> list[tuple[int, float, Row]]:
    """(parameters, test R^2, row) of the models (not baselines) of a table whose size is known."""
    return [
        (params, row.metrics[RANK_METRIC][0], row)
        for row in table.rows
        if row.kind == "model" and (params := row.params) is not None
    ]


def size_svg(table: Table, width: int = 560, height: int = 320) -> str:
    """Test R^2 against the parameter count (log axis) of the models of a table, each point labelled."""
    left, right, top, bottom = 48, 150, 12, 34
    points = _sized_models(table)
    logs = [math.log10(p) for p, _, _ in points]
    ys = [y for _, y, _ in points]
    x0, x1 = math.floor(min(logs) - 0.25), math.ceil(max(logs) + 0.25)
    y0, y1 = min(min(ys), 0.0), max(max(ys), 0.1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(log: float) -> float:
        return left + (log - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return top + (y1 - y) / (y1 - y0) * plot_h

    parts = [_svg_open(width, height, f"test R2 against parameters, {table.dataset}")]
    parts += _axes(left, top, plot_w, plot_h, sy(0))
    for value in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<text x="{left - 4}" y="{sy(value) + 4:.1f}" text-anchor="end">{value:.2f}</text>')
    for decade in range(x0, x1 + 1):
        x = sx(decade)
        parts.append(f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" stroke="#333"/>')
        label = params_label(10**decade)
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">parameters (log)</text>')
    families = sorted({family(row.model) for _, _, row in points})
    colour = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(families)}
    for (_, y, row), log in zip(points, logs):
        name = html.escape(row.model.split("/", 1)[-1][:28])
        parts.append(f'<circle cx="{sx(log):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{colour[family(row.model)]}"/>'
                     f'<text x="{sx(log) + 5:.1f}" y="{sy(y) - 5:.1f}" font-size="9">{name}</text>')  # fmt: skip
    for i, name in enumerate(families):
        ly = top + 12 + 15 * i
        parts.append(f'<circle cx="{width - right + 14}" cy="{ly - 4}" r="4" fill="{colour[name]}"/>'
                     f'<text x="{width - right + 22}" y="{ly}">{html.escape(name[:20])}</text>')  # fmt: skip
    parts.append(f"<title>{html.escape(table.dataset)}: test {RANK_METRIC} against parameters</title></svg>")
    return "".join(parts)
