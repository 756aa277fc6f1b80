"""The overall score of a leaderboard entry: the mean over datasets of its test R^2, with a paired-bootstrap interval.

An entry is one model name, revision and precision, evaluated on one dataset release (repo and revision): a mean
across releases would mix different test sets.

A missing dataset: an entry gets an overall score only when it has a result on every dataset that some entry of its
release has. The datasets differ a lot in difficulty (world places reach a far higher R^2 than NYC places or
headlines), so a mean over the datasets an entry happens to have would let an entry that skipped a hard dataset
outrank a better one that did not. Such an entry is listed as partial ("k of n datasets"), with its per-dataset
scores, but without an overall score or a rank.

The interval: replicate r of the overall score is the mean over datasets of replicate r of each dataset's R^2. The
test sets of the datasets are resampled independently, so this is a bootstrap of the mean; and since every entry of a
dataset drew the same resamples (same seed, count and test entities, checked), the difference of two entries'
overall replicates is the paired bootstrap of the difference of their overall scores: that is what marks a rank as
not separated from the rank above.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spacetime.probing.probes.bootstrap import interval, paired_difference

from .tables import RANK_METRIC, Row, Table

PAIRING_KEYS = ("resamples", "seed", "entities_sha256")  # two bootstraps with equal values drew the same resamples


@dataclass
class Entry:
    model: str
    kind: str
    revision: str
    dtype: str
    params: int | None
    family: str
    scores: dict[str, float]  # dataset -> test R^2
    missing: list[str]  # datasets of the release this entry has no result on
    score: float | None = None  # the mean over datasets; None when a dataset is missing
    ci: tuple[float, float] | None = None  # None also when a dataset's replicates are absent
    replicates: np.ndarray | None = field(default=None, repr=False)
    pairing: tuple | None = field(default=None, repr=False)  # the bootstrap of each dataset, for paired comparisons
    rank: int | None = None  # complete entries only
    separated_from_above: bool | None = None  # None for the first rank or when not comparable


@dataclass
class OverallTable:
    dataset_repo: str
    dataset_revision: str
    datasets: list[str]
    entries: list[Entry]  # ranked complete entries first (best first), then the partial ones


def family(model: str) -> str:
    """The organisation prefix of a model name (every request's model name is ``org/name``)."""
    return model.split("/", 1)[0] if "/" in model else model


def overall_tables(tables: list[Table]) -> list[OverallTable]:
    """One overall table per dataset release, its entries ranked by their mean test R^2."""
    releases: dict[tuple[str, str], list[Table]] = {}
    for table in tables:
        releases.setdefault((table.dataset_repo, table.dataset_revision), []).append(table)
    return [_overall_table(repo, revision, group) for (repo, revision), group in sorted(releases.items())]


def _overall_table(repo: str, revision: str, tables: list[Table]) -> OverallTable:
    datasets = sorted({t.dataset for t in tables})
    rows: dict[tuple[str, str, str], dict[str, Row]] = {}
    for table in tables:
        for row in table.rows:
            rows.setdefault((row.model, row.revision, row.dtype), {})[table.dataset] = row
    entries = [_entry(by_dataset, datasets) for by_dataset in rows.values()]
    complete = sorted((e for e in entries if e.score is not None), key=lambda e: (-e.score, e.model))
    partial = sorted((e for e in entries if e.score is None), key=lambda e: (-len(e.scores), e.model))
    for rank, entry in enumerate(complete, 1):
        entry.rank = rank
        if rank > 1:
            entry.separated_from_above = _separated(entry, complete[rank - 2])
    return OverallTable(repo, revision, datasets, complete + partial)


def _entry(by_dataset: dict[str, Row], datasets: list[str]) -> Entry:
    first = next(iter(by_dataset.values()))
    entry = Entry(
        model=first.model,
        kind=first.kind,
        revision=first.revision,
        dtype=first.dtype,
        params=first.params,
        family=family(first.model),
        scores={d: by_dataset[d].metrics[RANK_METRIC][0] for d in datasets if d in by_dataset},
        missing=[d for d in datasets if d not in by_dataset],
    )
    if entry.missing:
        return entry
    entry.score = float(np.mean([entry.scores[d] for d in datasets]))
    replicates = [by_dataset[d].bootstrap["replicates"].get(RANK_METRIC) for d in datasets]
    if all(r is not None for r in replicates) and len({len(r) for r in replicates}) == 1:
        stacked = np.array([[np.nan if x is None else x for x in r] for r in replicates], dtype=np.float64)
        entry.replicates = stacked.mean(axis=0)  # a degenerate resample of one dataset leaves that replicate NaN
        entry.ci = interval(entry.replicates)
        entry.pairing = tuple(tuple(by_dataset[d].bootstrap.get(k) for k in PAIRING_KEYS) for d in datasets)
    return entry


def _separated(entry: Entry, above: Entry) -> bool | None:
    if entry.pairing is None or entry.pairing != above.pairing:
        return None
    return paired_difference(entry.replicates, above.replicates)["separated"]
