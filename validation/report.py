"""`spacetime validate`: run every config's suite on a release folder; write a Markdown and a JSON report.

The JSON report lists the sha256 of every data file it validated, so `spacetime publish` can refuse files that
changed afterwards. Great Expectations is imported here only, with an ephemeral context (nothing written to disk).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from spacetime.common import file_sha256, md_escape, write_atomic
from spacetime.dist.package import data_file
from spacetime.dist.publish import local_files
from spacetime.loaders.features import features
from spacetime.pipelines.registry import DATASETS, spec
from spacetime.pipelines.spec import SPLITS

from .suites import suite

log = logging.getLogger(__name__)
EXAMPLES = 5
REPACKAGE = "re-run `spacetime package` (or restore the release folder as packaged)"


@dataclass
class Check:
    expectation: str
    column: str | None
    success: bool
    observed: Any
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)


def load_release_frame(folder: Path, config: str) -> pd.DataFrame:
    """Both splits of a config as one frame with a ``split`` column and the derived columns the suite checks."""
    parts = []
    for split in SPLITS:
        path = folder / data_file(config, split)
        if not path.exists():
            raise FileNotFoundError(f"{config}: {path} is missing")
        parts.append(pd.read_parquet(path, dtype_backend="numpy_nullable").assign(split=split))
    frame = pd.concat(parts, ignore_index=True)
    group = spec(config).group_column
    if group in frame:
        frame["_group_sides"] = frame.groupby(group, dropna=False)["split"].transform("nunique").astype("int64")
    else:
        log.error("%s: the group column %r is missing; the leakage check will fail", config, group)
    frame["_is_test"] = (frame["split"] == "test").astype("int64")
    return frame


def schema_check(folder: Path, config: str) -> list[Check]:
    """The Parquet files' Arrow types against the config's features (dates and lists included)."""
    expected = features(config).arrow_schema
    checks = []
    for split in SPLITS:
        path = folder / data_file(config, split)
        actual = pq.read_schema(path)
        wrong = [
            f"{f.name}: {actual.field(f.name).type if f.name in actual.names else 'missing'} != {f.type}"
            for f in expected
            if f.name not in actual.names or actual.field(f.name).type != f.type
        ]
        extra = [name for name in actual.names if name not in expected.names]
        checks.append(
            Check(
                "parquet_schema_matches_features",
                None,
                not wrong and not extra,
                f"{split}: {len(actual.names)} columns",
                len(wrong) + len(extra),
                (wrong + [f"unexpected column {e}" for e in extra])[:EXAMPLES],
            )
        )
    return checks


def run_suite(frame: pd.DataFrame, config: str, previous_rows: int | None) -> list[Check]:
    import great_expectations as gx

    # Its INFO lines say nothing to our users; GX sets the level of some of its own loggers, so each is raised.
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no "Calculating Metrics" bars: ours report
    batch = (
        context.data_sources.add_pandas(config)
        .add_dataframe_asset(config)
        .add_batch_definition_whole_dataframe("release")
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=config, data=batch, suite=context.suites.add(suite(config, previous_rows)))
    )
    # The derived columns are part of the frame the suite sees; the ordered column list names them too.
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["entity_id"],
            "partial_unexpected_count": 20,
        },
    )
    checks = []
    for r in result.results:
        kwargs = r.expectation_config.kwargs
        res = r.result or {}
        examples = _examples(res)
        error = (r.exception_info or {}).get("exception_message") if r.exception_info else None
        checks.append(
            Check(
                r.expectation_config.type,
                kwargs.get("column"),
                bool(r.success),
                error or res.get("observed_value"),
                res.get("unexpected_count"),
                examples,
            )
        )
    return checks


def _examples(result: dict) -> list[Any]:
    """Failing rows as (entity_id, value) where GX can name them, else the values."""
    indexed = result.get("unexpected_index_list") or []
    if indexed and isinstance(indexed[0], dict):
        return [{k: _plain(v) for k, v in row.items()} for row in indexed[:EXAMPLES]]
    return [_plain(v) for v in (result.get("partial_unexpected_list") or [])[:EXAMPLES]]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def validate(
    folder: Path, report_dir: Path, previous: Path | None = None, configs: tuple[str, ...] = DATASETS
) -> dict[str, Any]:
    """Validate ``configs`` in the release ``folder``; write ``report.json`` and ``report.md`` to ``report_dir``."""
    folder = folder.resolve()
    datasets: dict[str, Any] = {}
    for config in configs:
        if not (folder / data_file(config, "train")).exists():
            datasets[config] = {
                "passed": False,
                "checks": [Check("config_present", None, False, f"{config} is not in {folder}").__dict__],
            }
            continue
        frame = load_release_frame(folder, config)
        previous_rows = _previous_rows(previous, config)
        checks = schema_check(folder, config) + run_suite(frame, config, previous_rows)
        datasets[config] = {
            "passed": all(c.success for c in checks),
            "rows": len(frame),
            "previous_rows": previous_rows,
            "checks": [c.__dict__ for c in checks],
        }
    integrity = release_integrity(folder)
    report = {
        "passed": all(d["passed"] for d in datasets.values()) and integrity["passed"],
        "folder": str(folder),
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        # publish checks these against the same listing (local_files) and the same digest (file_sha256)
        "files": {path: file_sha256(folder / path) for path in local_files(folder)},
        "release_integrity": integrity,
        "datasets": datasets,
    }
    report_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(report_dir / "report.json", (json.dumps(report, indent=2, default=str) + "\n").encode())
    write_atomic(report_dir / "report.md", render_markdown(report).encode("utf-8"))
    return report


def release_integrity(folder: Path) -> dict[str, Any]:
    """Every file against ``release.json``: each listed file present with its sha256, and no file it does not list."""
    manifest_path = folder / "release.json"
    try:
        listed = json.loads(manifest_path.read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        reason = "missing" if isinstance(err, FileNotFoundError) else f"unreadable ({type(err).__name__}: {err})"
        return {"passed": False, "problems": [f"release.json: {reason}; {REPACKAGE}"]}
    problems = []
    for path, expected in sorted(listed.items()):
        target = folder / path
        if not target.is_file():
            problems.append(f"{path}: listed in release.json but missing; {REPACKAGE}")
        elif file_sha256(target) != expected:
            problems.append(f"{path}: sha256 differs from release.json (changed after packaging); {REPACKAGE}")
    unlisted = sorted(set(local_files(folder)) - set(listed) - {"release.json"})
    problems.extend(f"{path}: not listed in release.json; remove it or {REPACKAGE}" for path in unlisted)
    return {"passed": not problems, "files": len(listed), "problems": problems}


def _previous_rows(previous: Path | None, config: str) -> int | None:
    if previous is None or not (previous / data_file(config, "train")).exists():
        return None
    return sum(pq.read_metadata(previous / data_file(config, s)).num_rows for s in SPLITS)


def render_markdown(report: dict[str, Any]) -> str:
    verdict = "PASSED" if report["passed"] else "FAILED"
    lines = [
        f"# Validation report: {verdict}\n",
        f"Folder: `{report['folder']}`  ",
        f"Validated: {report['validated_at']}\n",
        "| config | result | rows | failed checks |",
        "|---|---|---|---|",
    ]
    for config, d in report["datasets"].items():
        failed = sum(1 for c in d["checks"] if not c["success"])
        lines.append(f"| `{config}` | {'pass' if d['passed'] else '**FAIL**'} | {d.get('rows', '')} | {failed} |")
    integrity = report.get("release_integrity") or {}
    if not integrity.get("passed", True):
        lines += ["", "**Release integrity failed** (files against `release.json`):", ""]
        lines += [f"- {_cell(problem)}" for problem in integrity["problems"]]
        lines.append("")
    for config, d in report["datasets"].items():
        lines += [
            "",
            f"## `{config}`",
            "",
            "| | expectation | column | observed | unexpected | examples |",
            "|---|---|---|---|---|---|",
        ]
        for c in sorted(d["checks"], key=lambda c: c["success"]):
            mark = "ok" if c["success"] else "**FAIL**"
            observed = _cell(c["observed"])
            examples = _cell(c["examples"]) if c["examples"] else ""
            lines.append(
                f"| {mark} | `{c['expectation']}` | {c['column'] or ''} | {observed} | "
                f"{c['unexpected_count'] if c['unexpected_count'] is not None else ''} | {examples} |"
            )
    return "\n".join(lines) + "\n"


def _cell(value: Any, width: int = 120) -> str:
    """``value`` (JSON unless text) in a Markdown table cell, escaped by :func:`md_escape`, cut at ``width``."""
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
    text = text if len(text) <= width else text[:width] + "…"
    return md_escape(text)
