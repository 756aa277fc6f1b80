"""collapse_places, the shared one-row-per-place step, on hand-made query rows (each rule once)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from spacetime.pipelines.builders.places import collapse_places

R = "http://dbpedia.org/resource/"


def rows(*records) -> pd.DataFrame:
    columns = ["dbpedia_uri", "name", "latitude", "longitude", "country", "population", "malformed"]
    return pd.DataFrame.from_records(records, columns=columns).astype(object)


def test_one_row_per_place_with_each_rule():
    df = rows(
        (R + "B", "Bee", 10.0, 20.0, "Zland", 5, ()),
        (R + "B", "Abee", 10.05, 20.05, "Aland", 7, ()),  # close pair: median; first name and country by name
        (R + "B", "Bee", 10.0, 20.0, None, -3, ()),  # a negative population is no population
        (R + "A", "Aay", 1.0, 2.0, "X", None, ()),
        (R + "A", "Aay", 5.0, 2.0, "X", None, ()),  # 4 degrees apart: a conflict, no coordinates
        (R + "C", None, None, None, None, "12", ("latitude",)),  # only a malformed latitude; a string population
        (R + "D", "Dee", Decimal("3.5"), 4, None, 10**12, ()),  # decimals and integers are numbers too
        ("http://example.org/x", "Ex", 0.0, 0.0, "X", True, ()),
    )
    out = collapse_places(df, coordinate_tolerance=0.1).set_index("dbpedia_uri")
    assert list(out.index) == sorted(out.index)
    b, a, c, d = out.loc[R + "B"], out.loc[R + "A"], out.loc[R + "C"], out.loc[R + "D"]
    assert (b["name"], b["country"], b["population"]) == ("Abee", "Aland", 7)
    assert np.isclose(b["latitude"], 10.025) and np.isclose(b["longitude"], 20.025)
    assert not b["conflicting_coordinates"] and not b["malformed_coordinates"]
    assert a["conflicting_coordinates"] and np.isnan(a["latitude"]) and pd.isna(a["population"])
    assert c["malformed_coordinates"] and pd.isna(c["name"]) and pd.isna(c["country"]) and pd.isna(c["population"])
    assert (d["latitude"], d["longitude"], d["population"]) == (3.5, 4.0, 10**12)
    assert pd.isna(out.loc["http://example.org/x", "entity_id"]) and b["entity_id"] == "B"
    assert str(out["population"].dtype) == "Int64"
    assert list(out.reset_index().columns) == [
        "dbpedia_uri",
        "entity_id",
        "name",
        "population",
        "latitude",
        "longitude",
        "malformed_coordinates",
        "conflicting_coordinates",
        "country",
    ]


def test_no_rows_no_places():
    out = collapse_places(rows(), coordinate_tolerance=0.1)
    assert len(out) == 0 and "latitude" in out and "country" in out


def test_tolerance_and_coordinate_rules_at_their_boundaries():
    from spacetime.pipelines.builders.places import coordinate_rules
    from spacetime.pipelines.builders.steps import Build
    from spacetime.pipelines.registry import spec
    from spacetime.pipelines.sources import Sources
    from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW

    df = rows(
        (R + "North_pole", "N", 90.0, 180.0, "X", None, ()),  # both bounds included
        (R + "South_pole", "S", -90.0, -180.0, "X", None, ()),
        (R + "Too_far_north", "F", 90.001, 0.0, "X", None, ()),
        (R + "Too_far_south", "G", -90.001, 0.0, "X", None, ()),
        (R + "Too_far_east", "E", 0.0, 180.001, "X", None, ()),
        (R + "Too_far_west", "W", 0.0, -180.001, "X", None, ()),
        (R + "Within_tolerance", "T", 10.0, 20.0, "X", None, ()),
        (R + "Within_tolerance", "T", 10.1, 20.0, "X", None, ()),  # exactly the tolerance apart: one place
        (R + "Beyond_tolerance", "B", 10.0, 20.0, "X", None, ()),
        (R + "Beyond_tolerance", "B", 10.0, 20.1001, "X", None, ()),  # just over it: a conflict
        (R + "Malformed_longitude", "M", 1.0, None, "X", None, ("longitude",)),
        (R + "Missing_longitude", "L", 1.0, None, "X", None, ()),
    )
    run = Build(spec("world_places"), Sources(None, None, DEFAULT_WINDOW))
    out = run.run(collapse_places(df, coordinate_tolerance=0.1), coordinate_rules(run))
    assert sorted(out["entity_id"]) == ["North_pole", "South_pole", "Within_tolerance"]
    assert run.counts == {
        "coordinates_out_of_range": 4,
        "conflicting_coordinates": 1,
        "malformed_coordinate_literal": 1,
        "missing_coordinates": 1,
    }


def test_pairs_exactly_the_tolerance_apart_are_one_place():
    df = rows(
        (R + "Lat", "A", 10.0, 20.0, "X", None, ()),
        (R + "Lat", "A", 10.5, 20.0, "X", None, ()),  # 0.5 apart in latitude, exactly (binary fractions)
        (R + "Lon", "B", 10.0, 20.0, "X", None, ()),
        (R + "Lon", "B", 10.0, 20.5, "X", None, ()),
        (R + "Both", "C", 10.0, 20.0, "X", None, ()),
        (R + "Both", "C", 10.0, 20.5625, "X", None, ()),  # a sixteenth over
    )
    out = collapse_places(df, coordinate_tolerance=0.5).set_index("dbpedia_uri")
    assert list(out["conflicting_coordinates"]) == [True, False, False]  # Both, Lat, Lon
    assert (out.loc[R + "Lat", "latitude"], out.loc[R + "Lon", "longitude"]) == (10.25, 20.25)


def test_a_population_of_zero_is_a_population_and_a_negative_one_is_not():
    df = rows((R + "Zero", "Z", 1.0, 2.0, "X", 0, ()), (R + "Negative", "N", 1.0, 2.0, "X", -1, ()))
    out = collapse_places(df, coordinate_tolerance=0.1).set_index("dbpedia_uri")["population"]
    assert out[R + "Zero"] == 0 and pd.isna(out[R + "Negative"])
