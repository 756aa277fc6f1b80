"""What the two DBpedia place datasets (world_places, us_places) share: one row per place, and the coordinate rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spacetime.pipelines.builders.dbpedia import resources_only, title_or_none
from spacetime.pipelines.builders.steps import Build, Step


def collapse_places(df: pd.DataFrame, coordinate_tolerance: float) -> pd.DataFrame:
    """One row per place from a query's cross product of labels, coordinates, countries and populations.

    Several coordinate pairs within ``coordinate_tolerance`` degrees merge to their median; pairs further apart are
    flagged as a conflict, and a place whose only coordinates were malformed literals is flagged as such. Of several
    labels or countries the first by name is kept, of several populations the largest. Grouped aggregations, no loop
    over places.
    """
    uris = pd.Index(pd.unique(df["dbpedia_uri"])).sort_values()
    places = pd.DataFrame({"dbpedia_uri": uris.to_numpy(dtype=object)})
    places["entity_id"] = [title_or_none(uri) for uri in uris]
    places["name"] = _first_by_name(df, "name", uris)
    places["population"] = _largest_population(df, uris)
    lat, lon, conflicting, has_pair = _merged_coordinates(df, uris, coordinate_tolerance)
    places["latitude"], places["longitude"] = lat, lon
    bad_coordinate = df["malformed"].map(lambda m: "latitude" in m or "longitude" in m).to_numpy(dtype=bool)
    any_bad = pd.Series(bad_coordinate).groupby(df["dbpedia_uri"].to_numpy()).any().reindex(uris, fill_value=False)
    places["malformed_coordinates"] = any_bad.to_numpy(dtype=bool) & ~has_pair
    places["conflicting_coordinates"] = conflicting
    if "country" in df:
        places["country"] = _first_by_name(df, "country", uris)
    return places


def _first_by_name(df: pd.DataFrame, column: str, uris: pd.Index) -> np.ndarray:
    """Per place, the smallest of the non-missing values of ``column`` as strings (None when it has none).

    Sorted and deduplicated rather than a grouped min: pandas has no compiled min for strings and would loop.
    """
    values = df[column]
    present = values.notna().to_numpy()
    pairs = pd.DataFrame(
        {
            "uri": df["dbpedia_uri"].to_numpy(dtype=object)[present],
            "text": np.array([str(v) for v in values[present]], dtype=object),
        }
    )
    first = pairs.sort_values(["uri", "text"], kind="stable").drop_duplicates("uri")
    smallest = pd.Series(first["text"].to_numpy(dtype=object), index=first["uri"].to_numpy(dtype=object))
    out = smallest.reindex(uris).to_numpy(dtype=object).copy()
    out[pd.isna(out)] = None
    return out


def _largest_population(df: pd.DataFrame, uris: pd.Index) -> pd.Series:
    """Per place, the largest non-negative integer population (an Int64 column with gaps)."""
    values = df["population"]
    usable = np.fromiter((isinstance(p, int) and p >= 0 for p in values), dtype=bool, count=len(values))
    numbers = pd.Series(values[usable].to_list(), dtype="Int64")
    largest = numbers.groupby(df["dbpedia_uri"].to_numpy()[usable]).max()
    return largest.reindex(uris).astype("Int64").reset_index(drop=True)


def _merged_coordinates(
    df: pd.DataFrame, uris: pd.Index, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per place: median latitude and longitude of its distinct pairs (NaN when none or conflicting), whether the
    pairs lie further apart than ``tolerance``, and whether it has any pair at all."""
    pairs = pd.DataFrame(
        {
            "uri": df["dbpedia_uri"].to_numpy(),
            "lat": pd.to_numeric(df["latitude"], errors="coerce").astype("float64").to_numpy(),
            "lon": pd.to_numeric(df["longitude"], errors="coerce").astype("float64").to_numpy(),
        }
    )
    pairs = pairs.dropna(subset=["lat", "lon"]).drop_duplicates()
    stats = (
        pairs.groupby("uri")
        .agg(
            lat=("lat", "median"),
            lon=("lon", "median"),
            lat_min=("lat", "min"),
            lat_max=("lat", "max"),
            lon_min=("lon", "min"),
            lon_max=("lon", "max"),
        )
        .reindex(uris)
    )
    has_pair = stats["lat"].notna().to_numpy()
    conflicting = (
        (stats["lat_max"] - stats["lat_min"] > tolerance) | (stats["lon_max"] - stats["lon_min"] > tolerance)
    ).to_numpy(dtype=bool)
    lat = np.where(conflicting, np.nan, stats["lat"].to_numpy(dtype=float))
    lon = np.where(conflicting, np.nan, stats["lon"].to_numpy(dtype=float))
    return lat, lon, conflicting, has_pair


def coordinate_rules(run: Build) -> list[Step]:
    """A DBpedia resource with one valid coordinate pair, in that order of rules."""

    def consistent_coordinates(df: pd.DataFrame) -> pd.DataFrame:
        df = run.drop(df, df["malformed_coordinates"], "malformed_coordinate_literal")
        return run.drop(df, df["conflicting_coordinates"], "conflicting_coordinates")

    return [
        resources_only(run),
        consistent_coordinates,
        run.require("latitude", "missing_coordinates"),
        run.require("longitude", "missing_coordinates"),
        run.within("latitude", -90, 90, "coordinates_out_of_range"),
        run.within("longitude", -180, 180, "coordinates_out_of_range"),
    ]
