"""The machinery every dataset builder shares: counted drops with per-step stats, splits, provenance and output.

A builder fetches its source rows, collapses them to one row per entity, and runs a list of small steps, each a
function ``DataFrame -> DataFrame``. :class:`Build` runs them and records rows in and out per step; a step that
removes rows says why through :meth:`Build.drop`, so every lost row is counted under a named rule with a few
example ids. The rules shared by several datasets are step factories on :class:`Build`; what differs between
datasets is declared in each dataset's module, and what every stage needs (name, schema, targets, group column) in
its :class:`~spacetime.pipelines.spec.DatasetSpec`, which :class:`Build` is given.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from spacetime import __version__
from spacetime.common import write_atomic, write_json_atomic
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.sparql import PagedQuery, QueryResult
from spacetime.pipelines.spec import SPLITS, TEST_SHARE

if TYPE_CHECKING:
    from spacetime.pipelines.spec import DatasetSpec

log = logging.getLogger(__name__)

EXAMPLES_PER_RULE = 5

Step = Callable[[pd.DataFrame], pd.DataFrame]


def named(name: str, fn: Step) -> Step:
    """Give a step made by a factory the name its stats are recorded under."""
    fn.__name__ = name
    return fn


def split_of(group_key: str, dataset: str, test_share: float = TEST_SHARE) -> str:
    """'test' or 'train' from a hash of the group key: stable across releases and machines, no RNG state."""
    h = hashlib.sha256(f"{dataset}\x00{group_key}".encode()).digest()
    return "test" if int.from_bytes(h[:8], "big") / 2**64 < test_share else "train"


def build_time() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), as ISO 8601 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.isoformat(timespec="seconds")


@dataclass
class Build:
    """One dataset build: its declaration and sources, the provenance gathered so far, the drop counts per rule and
    per step."""

    spec: DatasetSpec
    sources: Sources
    id_column: str = "entity_id"
    provenance: dict[str, Any] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    stats: list[dict[str, Any]] = field(default_factory=list)
    repairs: Counter = field(default_factory=Counter)  # rows kept by filling a value in, per rule
    repair_examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def dataset(self) -> str:
        return self.spec.name

    # -- sources -------------------------------------------------------------------------------------------------------

    def select_all(self, query: PagedQuery) -> QueryResult:
        """All rows of a SPARQL query, its provenance recorded under ``sources.dbpedia``."""
        result = self.sources.sparql.select_all(query)
        self.provenance.setdefault("dbpedia", []).append(result.provenance)
        return result

    # -- drops and steps -------------------------------------------------------------------------------------------

    def drop(self, df: pd.DataFrame, mask: pd.Series | np.ndarray, rule: str) -> pd.DataFrame:
        """Remove the rows where ``mask`` is true, counting them under ``rule``."""
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if n:
            self.counts[rule] += n
            room = EXAMPLES_PER_RULE - len(self.examples.get(rule, []))
            self.examples.setdefault(rule, []).extend(df.loc[mask, self.id_column].astype(str).head(room).tolist())
            log.info("%s: dropped %d rows: %s", self.dataset, n, rule)
        return df.loc[~mask].reset_index(drop=True)

    def note_repair(self, rule: str, ids: Sequence[str]) -> None:
        """Count the entities ``ids`` kept under ``rule`` by filling a missing value in instead of dropping them."""
        if ids:
            self.repairs[rule] += len(ids)
            room = EXAMPLES_PER_RULE - len(self.repair_examples.get(rule, []))
            self.repair_examples.setdefault(rule, []).extend(list(ids)[:room])
            log.info("%s: repaired %d rows: %s", self.dataset, len(ids), rule)

    def run(self, df: pd.DataFrame, steps: Iterable[Step]) -> pd.DataFrame:
        """Run ``steps`` in order; each one's rows in, rows out and drops by rule go into the metadata."""
        for step in steps:
            before = Counter(self.counts)
            rows_in, start = len(df), time.perf_counter()
            df = step(df)
            dropped = {rule: n - before[rule] for rule, n in self.counts.items() if n != before[rule]}
            self.stats.append({"step": step.__name__, "rows_in": rows_in, "rows_out": len(df), "dropped": dropped})
            log.info(
                "%s: step %s: %d -> %d rows in %.2fs",
                self.dataset,
                step.__name__,
                rows_in,
                len(df),
                time.perf_counter() - start,
            )
            unexplained = rows_in - len(df) - sum(dropped.values())
            if unexplained > 0:
                raise AssertionError(f"{self.dataset}: step {step.__name__} lost {unexplained} rows without a rule")
        return df

    # -- rules shared by several datasets ------------------------------------------------------------------------

    def require(self, column: str, rule: str) -> Step:
        """Drop rows whose ``column`` is missing or blank."""

        def step(df: pd.DataFrame) -> pd.DataFrame:
            values = df[column]
            blank = values.isna() | values.map(lambda v: isinstance(v, str) and not v.strip())
            return self.drop(df, blank, rule)

        return named(f"require_{column}", step)

    def within(self, column: str, low: float, high: float, rule: str) -> Step:
        """Drop rows whose ``column`` lies outside [low, high] (or is not finite)."""

        def step(df: pd.DataFrame) -> pd.DataFrame:
            values = pd.to_numeric(df[column], errors="coerce").astype("float64")
            return self.drop(df, ~values.between(low, high), rule)

        return named(f"{column}_within_{low:g}_{high:g}", step)

    def year_range(self, column: str, first: int, last: int) -> Step:
        """Keep rows whose year ``column`` lies in [first, last], both included.

        The two sides are counted apart (``{column}_before_{first}``, ``{column}_after_{last}``), so a missing upper
        bound would show; a missing year is counted as ``{column}_missing``.
        """

        def step(df: pd.DataFrame) -> pd.DataFrame:
            years = pd.to_numeric(df[column], errors="coerce").astype("float64")
            df = self.drop(df, years.isna(), f"{column}_missing")
            years = pd.to_numeric(df[column]).astype("float64")
            df = self.drop(df, years < first, f"{column}_before_{first}")
            years = pd.to_numeric(df[column]).astype("float64")
            return self.drop(df, years > last, f"{column}_after_{last}")

        return named(f"{column}_from_{first}_to_{last}", step)

    def pageview_filter(self, min_views: int, title_column: str = "entity_id") -> Step:
        """Join English Wikipedia views over the window; drop bad titles and pages with ``min_views`` or fewer."""

        def step(df: pd.DataFrame) -> pd.DataFrame:
            counts = self.sources.pageviews.fetch(df[title_column].tolist(), self.sources.window)
            self.provenance["pageviews"] = counts.source
            df = self.drop(df, df[title_column].isin(counts.bad_titles), "bad_title")
            df = df.assign(page_views=df[title_column].map(counts.views).fillna(0).astype("int64"))
            df = self.drop(
                df, df[title_column].isin(counts.not_found) & (df["page_views"] <= min_views), "no_pageviews"
            )
            return self.drop(df, df["page_views"] <= min_views, f"pageviews_at_most_{min_views}")

        return named("pageview_filter", step)

    def shared_names(self, dominance: float, within: Sequence[str] = ()) -> Step:
        """Resolve entities that share a name (within the same values of ``within``, e.g. a state).

        The most viewed keeps the name when it has at least ``dominance`` times the views of the next; the others are
        dropped as minor senses. When no entity dominates, the name is ambiguous and all of them are dropped.
        """

        def step(df: pd.DataFrame) -> pd.DataFrame:
            key = [df[c].astype(str) for c in within] + [df["name"].str.casefold().str.strip()]
            order = df.assign(_views=df["page_views"]).sort_values(["_views", self.id_column], ascending=[False, True])
            groups = order.groupby([k.loc[order.index] for k in key], sort=False)
            views = order["_views"]
            rank = groups.cumcount()  # 0: the most viewed of its name
            top = groups["_views"].transform("first")
            second = views.where(rank == 1).groupby(groups.ngroup()).transform("max")
            shared = groups["_views"].transform("size") >= 2
            dominant = top >= dominance * second.clip(lower=1)
            minor = (shared & dominant & (rank >= 1)).reindex(df.index, fill_value=False)
            ambiguous = (shared & ~dominant).reindex(df.index, fill_value=False)
            df = self.drop(df, minor, "shared_name_minor_sense")
            return self.drop(df, ambiguous.loc[~minor].to_numpy(), "shared_name_ambiguous")

        return named("resolve_shared_names", step)

    def split(self, test_share: float = TEST_SHARE) -> Step:
        """~``test_share`` of groups (the spec's group column) to test, by hash of the group key: related rows stay on
        one side."""
        group_column = self.spec.group_column

        def step(df: pd.DataFrame) -> pd.DataFrame:
            splits = df[group_column].map(lambda g: split_of(str(g), self.dataset, test_share))
            return df.assign(split=splits.astype("string"))

        return named("split", step)

    # -- output ----------------------------------------------------------------------------------------------------

    def write(self, df: pd.DataFrame, out_dir: Path, **extra: Any) -> Path:
        """``data.parquet`` (the spec's schema, sorted by id, deterministic bytes) and ``metadata.json`` in
        ``out_dir``; ``extra`` goes into the metadata after the targets."""
        schema = self.spec.schema
        df = df.sort_values(self.id_column, kind="stable").reset_index(drop=True)
        table = pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)
        sink = pa.BufferOutputStream()
        pq.write_table(table.replace_schema_metadata(None), sink, compression="zstd")
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(out_dir / "data.parquet", sink.getvalue().to_pybytes())
        write_json_atomic(out_dir / "metadata.json", self.metadata(df, **extra), default=_json_default)
        return out_dir

    def metadata(self, df: pd.DataFrame, **extra: Any) -> dict[str, Any]:
        splits = df["split"].value_counts().to_dict() if "split" in df else {}
        return {
            "dataset": self.dataset,
            "package_version": __version__,
            "built_at": build_time(),
            "rows": len(df),
            "splits": {k: int(splits.get(k, 0)) for k in SPLITS},
            "target": list(self.spec.targets),
            **extra,
            "sources": {**self.sources.info, **self.provenance},
            "pageview_window": self.sources.window.as_dict(),
            "drops": {"counts": dict(sorted(self.counts.items())), "examples": dict(sorted(self.examples.items()))},
            "repairs": {
                "counts": dict(sorted(self.repairs.items())),
                "examples": dict(sorted(self.repair_examples.items())),
            },
            "steps": self.stats,
        }


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
