"""world_places: populated places, natural places and architectural structures with coordinates and a country.

Target: latitude, longitude. One row per DBpedia resource (one Wikipedia page). Rules, in order:
coordinates and country present and valid, a clean title, more than ``min_views`` pageviews over the window, and
names shared by several places resolved by their dominant sense (or dropped as ambiguous).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from spacetime.pipelines.builders.countries import country_from_iri
from spacetime.pipelines.builders.dbpedia import (
    ONTOLOGY,
    Ontology,
    bindings_frame,
    local_name,
    types_query,
    values_by_key,
)
from spacetime.pipelines.builders.places import collapse_places, coordinate_rules
from spacetime.pipelines.builders.steps import TEST_SHARE, Build
from spacetime.pipelines.datasets.world_places.spec import SPEC
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.sparql import PagedQuery, RangeSplit

# Root class -> the value of the place_class column. Every place keeps its most specific type besides.
ROOT_CLASSES = {
    "PopulatedPlace": "populated_place",
    "NaturalPlace": "natural_place",
    "ArchitecturalStructure": "architectural_structure",
}
_ROOTS = " ".join(f"dbo:{name}" for name in ROOT_CLASSES)
# Every place has geo:lat, which Virtuoso indexes: ranges of it cut the queries into pieces that cost what they return.
LATITUDE_SPLIT = RangeSplit("lat", -90.0, 90.0)

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
    split=LATITUDE_SPLIT,
)

TYPES = types_query(
    "world_places.types",
    f"""  VALUES ?root {{ {_ROOTS} }}
  ?place a ?root ;
         geo:lat ?lat .""",
    "place",
    LATITUDE_SPLIT,
)

PLACE_COLUMNS = {
    "place": "dbpedia_uri",
    "label": "name",
    "lat": "latitude",
    "long": "longitude",
    "country": "country_uri",
    "countryLabel": "country",
    "population": "population",
}


@dataclass(frozen=True)
class WorldPlacesConfig:
    min_views: int = 5_000  # keep places with MORE than this many views over the window (as the paper)
    dominance: float = 10.0  # a shared name goes to the place with this many times the next one's views
    coordinate_tolerance: float = 0.1  # degrees within which two coordinate pairs of one place count as one
    test_share: float = TEST_SHARE


def build(sources: Sources, out_dir: Path, config: WorldPlacesConfig = WorldPlacesConfig()) -> Path:
    run = Build(SPEC, sources)
    places = run.select_all(PLACES)
    type_sets = values_by_key(run.select_all(TYPES), "place", "type")
    ontology = Ontology.fetch(run)

    def most_specific_type(df: pd.DataFrame) -> pd.DataFrame:
        types = [type_sets.get(uri, frozenset()) for uri in df["dbpedia_uri"]]
        classes = {ts: _classes(ts, ontology) for ts in set(types)}  # places share a few hundred type sets
        df = df.assign(
            entity_type=[classes[ts][0] for ts in types],
            place_class=[classes[ts][1] for ts in types],
        )
        return run.drop(df, df["place_class"].isna(), "no_root_class")

    rows = country_from_iri(run, bindings_frame(places, PLACE_COLUMNS))  # a country without an English label
    frame = collapse_places(rows, config.coordinate_tolerance)
    frame = run.run(
        frame,
        [
            *coordinate_rules(run),
            run.require("name", "no_english_label"),
            run.require("country", "missing_country"),
            most_specific_type,
            run.pageview_filter(config.min_views),
            run.shared_names(config.dominance),
            run.split(config.test_share),  # one row per Wikipedia page: the page is the group
        ],
    )
    return run.write(frame, out_dir, query_rows=len(places), parameters=asdict(config))


def _classes(types: frozenset[str], ontology: Ontology) -> tuple[str | None, str | None]:
    """The entity_type and place_class of a place with these types."""
    specific = ontology.most_specific(set(types))
    return (local_name(specific) if specific else None), _place_class(types, ontology)


def _place_class(types: frozenset[str], ontology: Ontology) -> str | None:
    """The root class of the most specific type that falls under one (populated beats natural beats structure)."""
    for root, label in ROOT_CLASSES.items():
        root_iri = ONTOLOGY + root
        if any(t == root_iri or root_iri in ontology.ancestors(t) for t in types):
            return label
    return None
