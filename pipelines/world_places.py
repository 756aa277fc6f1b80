"""world_places: populated places, natural places and architectural structures with coordinates and a country.

Target: latitude, longitude. One row per DBpedia resource (one Wikipedia page). Rules, in order:
coordinates and country present and valid, a clean title, more than ``min_views`` pageviews over the window, and
names shared by several places resolved by their dominant sense (or dropped as ambiguous).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .dbpedia import ONTOLOGY, Ontology, bindings_frame, local_name, title_of
from .pageviews import PageviewCounts
from .sources import Sources
from .sparql import PagedQuery
from .steps import TEST_SHARE, DropLog, StepRunner, assign_split, base_metadata, write_dataset

log = logging.getLogger(__name__)

DATASET = "world_places"

# Root class -> the value of the place_class column. Every place keeps its most specific type besides.
ROOT_CLASSES = {
    "PopulatedPlace": "populated_place",
    "NaturalPlace": "natural_place",
    "ArchitecturalStructure": "architectural_structure",
}
_ROOTS = " ".join(f"dbo:{name}" for name in ROOT_CLASSES)

PLACES = PagedQuery(
    name="world_places.places",
    select="DISTINCT ?place ?label ?lat ?long ?country ?countryLabel ?population",
    where=f"""  VALUES ?root {{ {_ROOTS} }}
  ?place a ?root ;
         geo:lat ?lat .
  OPTIONAL {{ ?place geo:long ?long }}
  OPTIONAL {{ ?place rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?place dbo:country ?country .
             OPTIONAL {{ ?country rdfs:label ?countryLabel . FILTER(LANGMATCHES(LANG(?countryLabel), "en")) }} }}
  OPTIONAL {{ ?place dbo:populationTotal ?population }}""",
    key="place",
)

TYPES = PagedQuery(
    name="world_places.types",
    select="DISTINCT ?place ?type",
    where=f"""  VALUES ?root {{ {_ROOTS} }}
  ?place a ?root ;
         geo:lat ?lat ;
         a ?type .
  FILTER(STRSTARTS(STR(?type), "{ONTOLOGY}"))""",
    key="place",
)

SCHEMA = pa.schema([
    ("entity_id", pa.string()),        # Wikipedia title, underscored: unique
    ("name", pa.string()),             # English label: the text the model reads
    ("latitude", pa.float64()),
    ("longitude", pa.float64()),
    ("country", pa.string()),
    ("place_class", pa.string()),      # populated_place | natural_place | architectural_structure
    ("entity_type", pa.string()),      # most specific DBpedia class, e.g. City, Mountain, Bridge
    ("population", pa.int64()),        # null where DBpedia has none (kept, unlike the original code)
    ("page_views", pa.int64()),        # English Wikipedia, summed over the pageview window
    ("dbpedia_uri", pa.string()),
    ("split", pa.string()),
])


@dataclass(frozen=True)
class WorldPlacesConfig:
    min_views: int = 5_000          # keep places with MORE than this many views over the window (as the paper)
    dominance: float = 10.0         # a shared name goes to the place with this many times the next one's views
    coordinate_tolerance: float = 0.1  # degrees within which two coordinate pairs of one place count as one
    test_share: float = TEST_SHARE


def build(sources: Sources, out_dir: Path, config: WorldPlacesConfig = WorldPlacesConfig()) -> Path:
    places = sources.sparql.select_all(PLACES)
    types = sources.sparql.select_all(TYPES)
    ontology, ontology_provenance = Ontology.fetch(sources.sparql)

    drops = DropLog(id_column="entity_id")
    runner = StepRunner(drops)
    query_rows = len(places.rows)
    frame = bindings_frame(places.rows, {"place": "dbpedia_uri", "label": "name", "lat": "latitude",
                                         "long": "longitude", "country": "country_uri",
                                         "countryLabel": "country", "population": "population"})
    type_sets = _types_by_place(types.rows)
    pageviews: dict[str, PageviewCounts] = {}

    def dbpedia_resources(df: pd.DataFrame) -> pd.DataFrame:
        return drops.drop(df, df["entity_id"].isna(), "not_a_dbpedia_resource")

    def valid_coordinates(df: pd.DataFrame) -> pd.DataFrame:
        df = drops.drop(df, df["malformed_coordinates"], "malformed_coordinate_literal")
        df = drops.drop(df, df["conflicting_coordinates"], "conflicting_coordinates")
        df = drops.drop(df, df["latitude"].isna() | df["longitude"].isna(), "missing_coordinates")
        out_of_range = (df["latitude"].abs() > 90) | (df["longitude"].abs() > 180) | ~np.isfinite(df["latitude"]) \
            | ~np.isfinite(df["longitude"])
        return drops.drop(df, out_of_range, "coordinates_out_of_range")

    def has_country_and_name(df: pd.DataFrame) -> pd.DataFrame:
        df = drops.drop(df, df["name"].isna() | (df["name"].str.strip() == ""), "no_english_label")
        return drops.drop(df, df["country"].isna(), "missing_country")

    def most_specific_type(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df["entity_type"] = [local_name(t) if (t := ontology.most_specific(type_sets.get(uri, set()))) else None
                             for uri in df["dbpedia_uri"]]
        df["place_class"] = [_place_class(type_sets.get(uri, set()), ontology) for uri in df["dbpedia_uri"]]
        return drops.drop(df, df["place_class"].isna(), "no_root_class")

    def pageview_filter(df: pd.DataFrame) -> pd.DataFrame:
        counts = sources.pageviews.fetch(df["entity_id"].tolist(), sources.window)
        pageviews["counts"] = counts
        df = drops.drop(df, df["entity_id"].isin(counts.bad_titles), "bad_title")
        df = df.assign(page_views=df["entity_id"].map(counts.views).fillna(0).astype("int64"))
        df = drops.drop(df, df["entity_id"].isin(counts.not_found) & (df["page_views"] <= config.min_views),
                        "no_pageviews")
        return drops.drop(df, df["page_views"] <= config.min_views, f"pageviews_at_most_{config.min_views}")

    def resolve_shared_names(df: pd.DataFrame) -> pd.DataFrame:
        minor, ambiguous = _homonyms(df, config.dominance)
        df = drops.drop(df, minor, "shared_name_minor_sense")
        return drops.drop(df, ambiguous.loc[~minor].to_numpy(), "shared_name_ambiguous")

    def split(df: pd.DataFrame) -> pd.DataFrame:
        # The group is the Wikipedia page itself: one row per page.
        return df.assign(split=assign_split(df["entity_id"], DATASET, config.test_share))

    frame = _collapse_places(frame, config)
    frame = runner.run(frame, [dbpedia_resources, valid_coordinates, has_country_and_name, most_specific_type,
                               pageview_filter, resolve_shared_names, split])
    frame = frame.sort_values("entity_id", kind="stable").reset_index(drop=True)

    counts = pageviews["counts"]
    metadata = base_metadata(
        DATASET, frame, runner,
        target=["latitude", "longitude"],
        sources={
            **sources.info,
            "dbpedia": [places.provenance, types.provenance, ontology_provenance],
            "pageviews": counts.source,
        },
        query_rows=query_rows,
        pageview_window=sources.window.as_dict(),
        parameters=asdict(config),
    )
    frame = frame.drop(columns=["malformed_coordinates", "conflicting_coordinates"])
    return write_dataset(frame, SCHEMA, metadata, out_dir)


def _types_by_place(rows: list[dict]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for row in rows:
        types.setdefault(row["place"]["value"], set()).add(row["type"]["value"])
    return types


def _place_class(types: set[str], ontology: Ontology) -> str | None:
    """The root class of the most specific type that falls under one (populated beats natural beats structure)."""
    for root, label in ROOT_CLASSES.items():
        root_iri = ONTOLOGY + root
        if any(t == root_iri or root_iri in ontology.ancestors(t) for t in types):
            return label
    return None


def _collapse_places(df: pd.DataFrame, config: WorldPlacesConfig) -> pd.DataFrame:
    """One row per place from the query's cross product of labels, coordinates, countries and populations.

    Several coordinate pairs within ``coordinate_tolerance`` merge to their median; pairs further apart are flagged
    as a conflict, and a place whose only coordinates were malformed literals is flagged as such.
    """
    bad_coordinate = df["malformed"].map(lambda m: "latitude" in m or "longitude" in m)
    rows = []
    for uri, group in df.groupby("dbpedia_uri", sort=True):
        pairs = sorted({(la, lo) for la, lo in zip(group["latitude"], group["longitude"])
                        if not pd.isna(la) and not pd.isna(lo)})
        record = {
            "dbpedia_uri": uri,
            "entity_id": _safe_title(uri),
            "name": min((str(n) for n in group["name"].dropna()), default=None),
            "country": min((str(c) for c in group["country"].dropna()), default=None),
            "population": max((p for p in group["population"].dropna() if isinstance(p, int)), default=None),
            "latitude": np.nan, "longitude": np.nan,
            "malformed_coordinates": bool(bad_coordinate.loc[group.index].any()) and not pairs,
            "conflicting_coordinates": False,
        }
        if pairs:
            lats, lons = np.array(pairs, dtype=float).T
            if np.ptp(lats) > config.coordinate_tolerance or np.ptp(lons) > config.coordinate_tolerance:
                record["conflicting_coordinates"] = True
            else:
                record["latitude"], record["longitude"] = float(np.median(lats)), float(np.median(lons))
        rows.append(record)
    places = pd.DataFrame.from_records(rows, columns=list(record) if rows else None)
    places["population"] = places["population"].astype("Int64")
    return places


def _safe_title(uri: str) -> str | None:
    try:
        return title_of(uri)
    except ValueError:
        return None


def _homonyms(df: pd.DataFrame, dominance: float) -> tuple[np.ndarray, pd.Series]:
    """Masks of places that lose a shared name to a dominant place, and of names with no dominant place."""
    key = df["name"].str.casefold().str.strip()
    order = df.assign(_key=key).sort_values(["_key", "page_views", "entity_id"], ascending=[True, False, True])
    minor = pd.Series(False, index=df.index)
    ambiguous = pd.Series(False, index=df.index)
    for _, group in order.groupby("_key", sort=False):
        if len(group) < 2:
            continue
        top, second = group["page_views"].iloc[0], group["page_views"].iloc[1]
        if top >= dominance * max(second, 1):
            minor.loc[group.index[1:]] = True
        else:
            ambiguous.loc[group.index] = True
    return minor.to_numpy(), ambiguous
