"""What each released config must satisfy, declared once, and the Great Expectations suite built from it.

Types and columns come from the config's features (loaders/features.py); ranges, the split and the row counts are
declared here. Two checks need a per-group view of the data, so they run on derived columns: ``_group_sides`` (how
many splits a group's rows fall in: must be 1) and ``_is_test`` (its mean is the test share).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spacetime.loaders.features import TARGETS, features

if TYPE_CHECKING:
    import great_expectations as gx

# The contiguous United States and DC (with the Florida Keys and Lake of the Woods), and New York City's five boroughs.
CONTIGUOUS_US = {"latitude": (24.4, 49.4), "longitude": (-124.85, -66.9)}
NYC = {"latitude": (40.47, 40.93), "longitude": (-74.27, -73.68)}


@dataclass(frozen=True)
class Checks:
    ranges: dict[str, tuple[float, float]]
    group_column: str = "entity_id"  # rows sharing it must sit on one side of the split
    min_rows: int = 100
    max_rows: int = 2_000_000
    test_share: tuple[float, float] = (0.15, 0.25)
    max_drop_vs_previous: float = 0.10  # a release may lose at most this share of the previous one's rows
    required: tuple[str, ...] = field(default=("entity_id", "name"))


CHECKS: dict[str, Checks] = {
    "world_places": Checks(ranges={"latitude": (-90, 90), "longitude": (-180, 180)}),
    "us_places": Checks(ranges=CONTIGUOUS_US),
    "nyc_places": Checks(ranges=NYC, group_column="split_group"),
    "historical_figures": Checks(ranges={"death_year": (-1000, 2000)}),
    "art_entertainment": Checks(ranges={"release_year": (1950, 2020)}, group_column="split_group"),
    "headlines": Checks(ranges={"pub_year": (2010, 2020)}, group_column="split_group"),
}

# Added by the validation to the released columns: the split (from the file) and two per-group views.
DERIVED_COLUMNS = ("split", "_group_sides", "_is_test")

# Observed pandas dtype names (read with dtype_backend="numpy_nullable") for each feature dtype.
_GX_TYPES = {
    "string": "str",
    "large_string": "str",
    "float64": "float64",
    "float32": "float32",
    "int64": "int64",
    "int32": "int32",
    "int16": "int16",
    "int8": "int8",
    "bool": "bool",
}


def suite(config: str, previous_rows: int | None = None) -> gx.ExpectationSuite:
    import great_expectations as gx

    E = gx.expectations
    checks = CHECKS[config]
    feats = features(config)
    expectations = [E.ExpectTableColumnsToMatchOrderedList(column_list=[*feats, *DERIVED_COLUMNS])]
    for name, feature in feats.items():
        dtype = "int64" if type(feature).__name__ == "ClassLabel" else getattr(feature, "dtype", None)
        if dtype in _GX_TYPES:
            expectations.append(E.ExpectColumnValuesToBeOfType(column=name, type_=_GX_TYPES[dtype]))
        if type(feature).__name__ == "ClassLabel":
            expectations.append(
                E.ExpectColumnValuesToBeBetween(column=name, min_value=0, max_value=len(feature.names) - 1)
            )
    for column in dict.fromkeys([*checks.required, *TARGETS[config], checks.group_column]):
        expectations.append(E.ExpectColumnValuesToNotBeNull(column=column))
    expectations.append(E.ExpectColumnValuesToBeUnique(column="entity_id"))
    for column, (low, high) in checks.ranges.items():
        expectations.append(E.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high))
    expectations.append(E.ExpectColumnValuesToBeInSet(column="split", value_set=["train", "test"]))
    expectations.append(E.ExpectColumnValuesToBeBetween(column="_group_sides", min_value=1, max_value=1))
    expectations.append(
        E.ExpectColumnMeanToBeBetween(column="_is_test", min_value=checks.test_share[0], max_value=checks.test_share[1])
    )
    low = checks.min_rows
    if previous_rows is not None:
        low = max(low, int(previous_rows * (1 - checks.max_drop_vs_previous)))
    expectations.append(E.ExpectTableRowCountToBeBetween(min_value=low, max_value=checks.max_rows))
    result = gx.ExpectationSuite(name=config)
    for expectation in expectations:
        result.add_expectation(expectation)
    return result
