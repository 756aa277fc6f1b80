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
    labels or countries the first by name is kept, of several populations the largest.
    """
    bad_coordinate = df["malformed"].map(lambda m: "latitude" in m or "longitude" in m)
    has_country = "country" in df
    rows = []
    for uri, group in df.groupby("dbpedia_uri", sort=True):
        pairs = sorted(
            {(la, lo) for la, lo in zip(group["latitude"], group["longitude"]) if not pd.isna(la) and not pd.isna(lo)}
        )
        record = {
            "dbpedia_uri": uri,
            "entity_id": title_or_none(uri),
            "name": min((str(n) for n in group["name"].dropna()), default=None),
            "population": max((p for p in group["population"].dropna() if isinstance(p, int) and p >= 0), default=None),
            "latitude": np.nan,
            "longitude": np.nan,
            "malformed_coordinates": bool(bad_coordinate.loc[group.index].any()) and not pairs,
            "conflicting_coordinates": False,
        }
        if has_country:
            record["country"] = min((str(c) for c in group["country"].dropna()), default=None)
        if pairs:
            lats, lons = np.array(pairs, dtype=float).T
            if np.ptp(lats) > coordinate_tolerance or np.ptp(lons) > coordinate_tolerance:
                record["conflicting_coordinates"] = True
            else:
                record["latitude"], record["longitude"] = float(np.median(lats)), float(np.median(lons))
        rows.append(record)
    places = pd.DataFrame.from_records(rows, columns=list(record) if rows else None)
    places["population"] = places["population"].astype("Int64")
    return places


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
