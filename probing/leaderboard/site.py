"""The web leaderboard: one self-contained static ``index.html`` (no CDN, no network), for a browser or a Hub Space.

One sortable table per dataset, the R^2-by-layer curves of its entries as inline SVG, and each entry's
predicted-vs-true plot embedded as a data: URI. Every string from a results file goes through Jinja2's autoescaping;
on top of that the page's Content-Security-Policy lets only its own script run (by hash), so even markup that slipped
through could not execute.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import textwrap
from importlib.resources import files
from pathlib import Path
from typing import Any

from spacetime.probing.probes.metrics import METRIC

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
LABELS = {name: METRIC[name].label for name in TABLE_METRICS}  # column headings, from the metric registry
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
DASHES = {"model": "", "random_init": "6 3", "static_embeddings": "2 3"}


def render_site(results: Path, out: Path) -> Path:
    """``out/index.html`` from the results folder; returns its path."""
    from jinja2 import Environment, select_autoescape

    from spacetime.common import write_atomic

    tables = build_tables(results)
    script = files("spacetime.probing.leaderboard").joinpath("templates", SCRIPT).read_text("utf-8")
    template_text = files("spacetime.probing.leaderboard").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    page = env.from_string(template_text).render(
        tables=[_table_context(t, i) for i, t in enumerate(tables)],
        resamples=resample_counts(tables),
        tie=NOT_SEPARATED,
        script=_Markup(script),
        script_hash="sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode(),
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    write_atomic(index, page.encode("utf-8"))
    return index


def _Markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


def _table_context(table: Table, index: int) -> dict[str, Any]:
    metrics = [m for m in TABLE_METRICS if any(m in r.metrics for r in table.rows)]
    return {
        "anchor": f"t{index}-{table.dataset}",
        "dataset": table.dataset,
        "dataset_repo": table.dataset_repo,
        "dataset_revision": table.dataset_revision,
        "test_rows": table.rows[0].test_rows,
        "columns": [
            "rank",
            "model",
            "revision",
            "dtype",
            "layer",
            *[LABELS[m] for m in metrics],
            "R² − control",
            "R² − static",
        ],  # fmt: skip
        "rows": [_row_context(row, metrics) for row in table.rows],
        "curves": _curves_svg(table),
    }


def _row_context(row: Row, metrics: list[str]) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "tie": row.separated_from_above is False,
        "model": row.model,
        "kind": KINDS.get(row.kind, row.kind),
        "revision": short_revision(row.revision),
        "revision_full": row.revision,
        "dtype": row.dtype,
        "layer": row.layer,
        "layer_label": layer_label(row),
        "metrics": [_metric_cell(row, m) for m in metrics],
        "differences": [_difference_cell(row.vs.get(label)) for label in ("control", "static")],
        "activations": row.activations.get("repo") or row.activations.get("release"),
        "activations_url": row.activations.get("url"),
        "plots": [{"uri": _data_uri(path), "alt": f"{row.model}: {path.stem.replace('_', ' ')}"} for path in row.plots],
    }


def _metric_cell(row: Row, metric: str) -> dict[str, Any]:
    if metric not in row.metrics:
        return {"value": "-", "ci": "", "sort": ""}
    value, ci = row.metrics[metric]
    return {"value": format_value(value), "ci": format_value(ci[0]) + " – " + format_value(ci[1]), "sort": value}


def _difference_cell(vs: dict[str, Any] | None) -> dict[str, Any]:
    if not vs or "difference" not in vs:
        return {"value": "-", "ci": "", "sort": ""}
    ci = vs.get("ci")
    text = f"{ci[0]:+.3f} – {ci[1]:+.3f}" + ("" if vs.get("separated") else f" ({NOT_SEPARATED} 0)") if ci else ""
    return {"value": f"{vs['difference']:+.3f}", "ci": text, "sort": vs["difference"]}


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _curves_svg(table: Table, width: int = 760, height: int = 300) -> Any:
    """Test R^2 by layer of every row, as an inline SVG (escaped labels, no script)."""
    from markupsafe import Markup

    left, right, top, bottom = 48, 330, 12, 34
    points = [(x, y) for row in table.rows for x, y in row.per_layer if math.isfinite(y)]
    xs = [x for x, _ in points] or [0]
    ys = [y for _, y in points] or [0.0]
    x0, x1 = min(xs), max(max(xs), min(xs) + 1)
    y0, y1 = min(min(ys), 0.0), max(max(ys), 0.1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y: float) -> float:
        return top + (y1 - y) / (y1 - y0) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="test R2 by layer, {html.escape(table.dataset)}" font-size="11" font-family="sans-serif">',
        f'<line x1="{left}" y1="{sy(0):.1f}" x2="{left + plot_w}" y2="{sy(0):.1f}" stroke="#bbb"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    for value in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<text x="{left - 4}" y="{sy(value) + 4:.1f}" text-anchor="end">{value:.2f}</text>')
    for value in sorted({x0, (x0 + x1) // 2, x1}):
        parts.append(f'<text x="{sx(value):.1f}" y="{top + plot_h + 14}" text-anchor="middle">{value}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">layer</text>')
    ly = top + 12
    for i, row in enumerate(table.rows):
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
        lines = textwrap.wrap(row.model, 46) or ["-"]  # whole names: a model and its
        spans = "".join(  # control differ only at the end
            f'<tspan x="{width - right + 30}" dy="{0 if j == 0 else 13}">{html.escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        parts.append(f'<text x="{width - right + 30}" y="{ly}">{spans}</text>')
        ly += 13 * len(lines) + 4
    parts.append(f"<title>{html.escape(table.dataset)}: test {RANK_METRIC} by layer</title></svg>")
    return Markup("".join(parts))
