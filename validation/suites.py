"""What each released config must satisfy, and the Great Expectations suite built from it.

Types and columns come from the config's features (loaders/features.py); ranges, required columns, targets and the
split's group column from the dataset's spec; the bounds below are the same for every config. Two checks need a
per-group view of the data, so they run on derived columns: ``_group_sides`` (how many splits a group's rows fall in:
must be 1) and ``_is_test`` (its mean is the test share).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacetime.loaders.features import features
from spacetime.pipelines.registry import spec
from spacetime.pipelines.spec import SPLITS, TEST_SHARE

if TYPE_CHECKING:
    import great_expectations as gx

MIN_ROWS = 100
MAX_ROWS = 2_000_000
# The test share a release may show: the builders' TEST_SHARE, give or take this much (hashing is not exact).
TEST_SHARE_TOLERANCE = 0.05
TEST_SHARE_BAND = (round(TEST_SHARE - TEST_SHARE_TOLERANCE, 6), round(TEST_SHARE + TEST_SHARE_TOLERANCE, 6))
MAX_DROP_VS_PREVIOUS = 0.10  # a release may lose at most this share of the previous one's rows

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
    declared = spec(config)
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
    for column in dict.fromkeys([*declared.required, *declared.targets, declared.group_column]):
        expectations.append(E.ExpectColumnValuesToNotBeNull(column=column))
    expectations.append(E.ExpectColumnValuesToBeUnique(column="entity_id"))
    for column, (low, high) in declared.ranges.items():
        expectations.append(E.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high))
    expectations.append(E.ExpectColumnValuesToBeInSet(column="split", value_set=list(SPLITS)))
    expectations.append(E.ExpectColumnValuesToBeBetween(column="_group_sides", min_value=1, max_value=1))
    expectations.append(
        E.ExpectColumnMeanToBeBetween(column="_is_test", min_value=TEST_SHARE_BAND[0], max_value=TEST_SHARE_BAND[1])
    )
    low = MIN_ROWS
    if previous_rows is not None:
        low = max(low, int(previous_rows * (1 - MAX_DROP_VS_PREVIOUS)))
    expectations.append(E.ExpectTableRowCountToBeBetween(min_value=low, max_value=MAX_ROWS))
    result = gx.ExpectationSuite(name=config)
    for expectation in expectations:
        result.add_expectation(expectation)
    return result
