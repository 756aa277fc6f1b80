"""Every dataset rule at its boundary, with each dataset's own default configuration.

The values are the paper's (more than 5,000 views over the window; a shared name goes to a sense with ten times the
views of the next; the year and extent bounds of each spec, both ends included), so a change to a rule or to a
default fails here, on the exact value where the rule flips.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spacetime.pipelines.builders.steps import EXAMPLES_PER_RULE, Build, split_of
from spacetime.pipelines.datasets.art_entertainment.build import ArtEntertainmentConfig
from spacetime.pipelines.datasets.historical_figures.build import HistoricalFiguresConfig
from spacetime.pipelines.datasets.us_places.build import UsPlacesConfig
from spacetime.pipelines.datasets.world_places.build import WorldPlacesConfig
from spacetime.pipelines.registry import spec
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
from tests.conftest import write_pageview_dumps

WINDOW = PageviewWindow("2021-01", 1)  # one month: a title's monthly total is its total over the window

PAGEVIEW_RULES = {  # dataset -> its default configuration
    "world_places": WorldPlacesConfig(),
    "us_places": UsPlacesConfig(),
    "historical_figures": HistoricalFiguresConfig(),
    "art_entertainment": ArtEntertainmentConfig(),
}
SHARED_NAME_RULES = {"world_places": (WorldPlacesConfig(), ()), "us_places": (UsPlacesConfig(), ("state",))}


def _build(dataset: str, dumps: Path | None = None) -> Build:
    pageviews = PageviewDumps(dumps, progress=False) if dumps else None
    return Build(spec(dataset), Sources(None, pageviews, WINDOW))


@pytest.mark.parametrize("dataset", sorted(PAGEVIEW_RULES))
def test_pageview_filter_keeps_more_than_5000_views(dataset, tmp_path):
    config = PAGEVIEW_RULES[dataset]
    assert config.min_views == 5_000  # the paper: pages with more than 5,000 views
    views = {"At_the_threshold": 5_000, "One_above": 5_001, "Far_above": 80_000, "One_view": 1}
    run = _build(dataset, write_pageview_dumps(tmp_path / "dumps", WINDOW, views))
    frame = pd.DataFrame({"entity_id": [*views, "Never_viewed"]})
    kept = run.run(frame, [run.pageview_filter(config.min_views)])
    assert sorted(kept["entity_id"]) == ["Far_above", "One_above"]
    assert dict(zip(kept["entity_id"], kept["page_views"], strict=True)) == {"Far_above": 80_000, "One_above": 5_001}
    assert run.counts == {"pageviews_at_most_5000": 2, "no_pageviews": 1}


def _shared(dataset: str, rows: list[tuple[str, str, int, str]]) -> tuple[list[str], dict[str, int]]:
    config, within = SHARED_NAME_RULES[dataset]
    frame = pd.DataFrame(rows, columns=["entity_id", "name", "page_views", "state"])
    run = _build(dataset)
    kept = run.run(frame, [run.shared_names(config.dominance, within=within)])
    return sorted(kept["entity_id"]), dict(run.counts)


@pytest.mark.parametrize("dataset", sorted(SHARED_NAME_RULES))
def test_a_shared_name_goes_to_a_sense_with_ten_times_the_views_of_the_next(dataset):
    assert SHARED_NAME_RULES[dataset][0].dominance == 10.0
    kept, counts = _shared(
        dataset,
        [
            ("Exactly_ten_times", "Alpha", 50_000, "IL"),  # 10x the next: keeps the name
            ("Alpha_minor", "Alpha", 5_000, "IL"),
            ("Third_sense", "alpha ", 4_000, "IL"),  # names compare case- and space-insensitively
            ("Just_under_ten_times", "Beta", 49_999, "IL"),  # 9.9998x: nobody dominates
            ("Beta_other", "Beta", 5_000, "IL"),
            ("Unique", "Gamma", 6_000, "IL"),
        ],
    )
    assert kept == ["Exactly_ten_times", "Unique"]
    assert counts == {"shared_name_minor_sense": 2, "shared_name_ambiguous": 2}


def test_us_places_resolve_a_shared_name_within_each_state_only():
    kept, counts = _shared(
        "us_places",
        [
            ("Springfield,_Illinois", "Springfield", 60_000, "IL"),
            ("Springfield,_Missouri", "Springfield", 50_000, "MO"),  # another state: its own name
            ("Springfield,_Ohio", "Springfield", 9_000, "OH"),
            ("Springfield_Township,_Ohio", "Springfield", 8_000, "OH"),  # ambiguous within Ohio
        ],
    )
    assert kept == ["Springfield,_Illinois", "Springfield,_Missouri"]
    assert counts == {"shared_name_ambiguous": 2}


@pytest.mark.parametrize(
    ("dataset", "column", "bounds"),
    [
        ("historical_figures", "death_year", (-1000, 2000)),  # died 1000 BCE .. 2000 CE (historical numbering)
        ("art_entertainment", "release_year", (1950, 2020)),  # the paper's range; the original had no upper bound
        ("headlines", "pub_year", (2010, 2020)),
    ],
)
def test_year_bounds_include_both_ends(dataset, column, bounds):
    assert spec(dataset).range_of(column) == bounds
    first, last = bounds
    run = _build(dataset)
    years = [first - 1, first, first + 1, last - 1, last, last + 1, None]
    frame = pd.DataFrame({"entity_id": [f"e{i}" for i in range(len(years))], column: years})
    kept = run.run(frame, [run.year_range(column, first, last)])
    assert sorted(kept[column].astype(int)) == [first, first + 1, last - 1, last]
    assert run.counts == {f"{column}_before_{first}": 1, f"{column}_after_{last}": 1, f"{column}_missing": 1}


@pytest.mark.parametrize(
    ("dataset", "extent"),
    [
        ("world_places", {"latitude": (-90, 90), "longitude": (-180, 180)}),
        ("us_places", {"latitude": (24.4, 49.4), "longitude": (-124.85, -66.9)}),  # the contiguous US and DC
        ("nyc_places", {"latitude": (40.4774, 40.9176), "longitude": (-74.2591, -73.7004)}),  # the five boroughs
    ],
)
def test_extent_bounds_include_both_ends(dataset, extent):
    for column, (low, high) in extent.items():
        assert spec(dataset).range_of(column) == (low, high)
        run = _build(dataset)
        values = [low - 1e-4, low, (low + high) / 2, high, high + 1e-4, float("nan")]
        frame = pd.DataFrame({"entity_id": [f"e{i}" for i in range(len(values))], column: values})
        kept = run.run(frame, [run.within(column, low, high, "outside")])
        assert list(kept[column]) == [low, (low + high) / 2, high]
        assert run.counts == {"outside": 3}


def test_the_split_of_an_entity_never_changes():
    """Golden values: a release keeps every staying entity on its side, so the hash, its input and the share are
    fixed (changing any of them moves entities between train and test)."""
    assert [i for i in range(40) if split_of(str(i), "world_places") == "test"] == [2, 3, 4, 9, 15, 16, 28, 36, 38, 39]
    assert [i for i in range(40) if split_of(str(i), "headlines") == "test"] == [7, 8, 11, 12, 16, 23, 29, 32]
    assert sum(split_of(str(i), "world_places") == "test" for i in range(2000)) == 437
    assert split_of("Albert_Einstein", "historical_figures") == "test"
    assert split_of("Paris", "world_places") == "train"


def test_drops_add_up_per_rule_with_a_few_examples():
    run = _build("world_places")
    frame = pd.DataFrame(
        {"entity_id": [f"e{i}" for i in range(12)], "latitude": [95.0] * 7 + [0.0] * 5, "name": [""] * 12}
    )
    frame = run.run(frame, [run.within("latitude", -90, 90, "outside"), run.require("name", "outside")])
    assert run.counts == {"outside": 12}  # seven, then five more under the same rule
    assert [stats["dropped"] for stats in run.stats] == [{"outside": 7}, {"outside": 5}]
    assert run.examples == {"outside": [f"e{i}" for i in range(EXAMPLES_PER_RULE)]}
    assert EXAMPLES_PER_RULE == 5


def test_each_step_records_rows_in_and_out_and_its_drops_by_rule():
    run = _build("world_places")
    frame = pd.DataFrame({"entity_id": ["a", "b", "c"], "latitude": [95.0, 0.0, 1.0], "name": ["A", " ", "C"]})
    run.run(frame, [run.within("latitude", -90, 90, "outside"), run.require("name", "no_name")])
    assert run.stats == [
        {"step": "latitude_within_-90_90", "rows_in": 3, "rows_out": 2, "dropped": {"outside": 1}},
        {"step": "require_name", "rows_in": 2, "rows_out": 1, "dropped": {"no_name": 1}},
    ]


def test_a_step_that_loses_a_row_without_a_rule_stops_the_build():
    run = _build("world_places")

    def silent(df: pd.DataFrame) -> pd.DataFrame:
        return df.iloc[1:]

    with pytest.raises(AssertionError, match="silent lost 1 rows without a rule"):
        run.run(pd.DataFrame({"entity_id": ["a", "b"]}), [silent])


def test_repairs_add_up_per_rule_with_a_few_examples():
    run = _build("world_places")
    run.note_repair("population_filled", [f"p{i}" for i in range(4)])
    run.note_repair("population_filled", [f"q{i}" for i in range(3)])
    run.note_repair("nothing", [])
    assert run.repairs == {"population_filled": 7}
    assert run.repair_examples == {"population_filled": ["p0", "p1", "p2", "p3", "q0"]}
