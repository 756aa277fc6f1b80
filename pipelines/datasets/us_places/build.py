"""us_places: populated places, counties, colleges and universities, structures and natural places in the
contiguous United States and DC, each with its state.

Target: latitude, longitude. One row per DBpedia resource (one Wikipedia page). A place is in scope when it has
``dbo:country dbr:United_States`` or links to a US state or territory through ``dbo:isPartOf``, ``dbo:subdivision``,
``dbo:state`` or ``dbo:location``. Rules, in order: valid coordinates, an English label and a place class; exactly
one US state among its links, and that state one of the 48 contiguous states or DC (Alaska, Hawaii and the
territories are dropped and counted), with coordinates inside a box around the contiguous US as a second check; more
than ``min_views`` pageviews; names shared by several places resolved per state (Springfield in Illinois and
Springfield in Missouri both stay) by their dominant sense, or dropped as ambiguous.

ZIP codes are NOT included: the paper's ZIP rows came from a third-party table (simplemaps), not DBpedia, and the
public US Census Gazetteer's ZIP Code Tabulation Areas have no Wikipedia page to filter on by pageviews or to group
the split by. Counties are the DBpedia county pages (``dbo:AdministrativeRegion`` named "... County" or
"... Parish"); the county column of other places comes from their ``dbo:county`` or ``dbo:isPartOf`` links.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from spacetime.pipelines.builders.dbpedia import (
    ONTOLOGY,
    RESOURCE,
    Ontology,
    bindings_frame,
    local_name,
    title_of,
    types_query,
    values_by_key,
)
from spacetime.pipelines.builders.places import collapse_places, coordinate_rules
from spacetime.pipelines.builders.steps import TEST_SHARE, Build
from spacetime.pipelines.datasets.us_places.spec import SPEC
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.sparql import PagedQuery, RangeSplit


class UsState(NamedTuple):
    code: str  # USPS postal code
    name: str  # the value of the state column
    title: str  # the Wikipedia title of its article: its DBpedia resource


# The 48 contiguous states and DC: the only values the state column takes.
CONTIGUOUS_STATES: tuple[UsState, ...] = (
    UsState("AL", "Alabama", "Alabama"),
    UsState("AZ", "Arizona", "Arizona"),
    UsState("AR", "Arkansas", "Arkansas"),
    UsState("CA", "California", "California"),
    UsState("CO", "Colorado", "Colorado"),
    UsState("CT", "Connecticut", "Connecticut"),
    UsState("DE", "Delaware", "Delaware"),
    UsState("DC", "District of Columbia", "Washington,_D.C."),
    UsState("FL", "Florida", "Florida"),
    UsState("GA", "Georgia", "Georgia_(U.S._state)"),
    UsState("ID", "Idaho", "Idaho"),
    UsState("IL", "Illinois", "Illinois"),
    UsState("IN", "Indiana", "Indiana"),
    UsState("IA", "Iowa", "Iowa"),
    UsState("KS", "Kansas", "Kansas"),
    UsState("KY", "Kentucky", "Kentucky"),
    UsState("LA", "Louisiana", "Louisiana"),
    UsState("ME", "Maine", "Maine"),
    UsState("MD", "Maryland", "Maryland"),
    UsState("MA", "Massachusetts", "Massachusetts"),
    UsState("MI", "Michigan", "Michigan"),
    UsState("MN", "Minnesota", "Minnesota"),
    UsState("MS", "Mississippi", "Mississippi"),
    UsState("MO", "Missouri", "Missouri"),
    UsState("MT", "Montana", "Montana"),
    UsState("NE", "Nebraska", "Nebraska"),
    UsState("NV", "Nevada", "Nevada"),
    UsState("NH", "New Hampshire", "New_Hampshire"),
    UsState("NJ", "New Jersey", "New_Jersey"),
    UsState("NM", "New Mexico", "New_Mexico"),
    UsState("NY", "New York", "New_York_(state)"),
    UsState("NC", "North Carolina", "North_Carolina"),
    UsState("ND", "North Dakota", "North_Dakota"),
    UsState("OH", "Ohio", "Ohio"),
    UsState("OK", "Oklahoma", "Oklahoma"),
    UsState("OR", "Oregon", "Oregon"),
    UsState("PA", "Pennsylvania", "Pennsylvania"),
    UsState("RI", "Rhode Island", "Rhode_Island"),
    UsState("SC", "South Carolina", "South_Carolina"),
    UsState("SD", "South Dakota", "South_Dakota"),
    UsState("TN", "Tennessee", "Tennessee"),
    UsState("TX", "Texas", "Texas"),
    UsState("UT", "Utah", "Utah"),
    UsState("VT", "Vermont", "Vermont"),
    UsState("VA", "Virginia", "Virginia"),
    UsState("WA", "Washington", "Washington_(state)"),
    UsState("WV", "West Virginia", "West_Virginia"),
    UsState("WI", "Wisconsin", "Wisconsin"),
    UsState("WY", "Wyoming", "Wyoming"),
)
# US states and territories outside the contiguous US: recognised so that their places are dropped with a reason.
OTHER_US_REGIONS: tuple[UsState, ...] = (
    UsState("AK", "Alaska", "Alaska"),
    UsState("HI", "Hawaii", "Hawaii"),
    UsState("PR", "Puerto Rico", "Puerto_Rico"),
    UsState("GU", "Guam", "Guam"),
    UsState("VI", "U.S. Virgin Islands", "United_States_Virgin_Islands"),
    UsState("AS", "American Samoa", "American_Samoa"),
    UsState("MP", "Northern Mariana Islands", "Northern_Mariana_Islands"),
)
US_REGIONS = CONTIGUOUS_STATES + OTHER_US_REGIONS
REGION_BY_TITLE = {s.title: s for s in US_REGIONS}
CONTIGUOUS_CODES = frozenset(s.code for s in CONTIGUOUS_STATES)

# The box around the contiguous US of the spec: a second check on places whose state is right but whose coordinates
# are not. The release validation checks the same box.
CONTIGUOUS_LATITUDE = SPEC.range_of("latitude")
CONTIGUOUS_LONGITUDE = SPEC.range_of("longitude")

# Words that end the name of a county or county-equivalent in the contiguous US.
COUNTY_SUFFIXES = (" County", " Parish")

# place_class -> the dbo: classes it covers, in order of precedence (a university that is also a building is a
# college; a county is a populated place but gets its own class).
COLLEGE_CLASSES = ("University", "College")
PLACE_CLASSES = ("college", "county", "populated_place", "natural_place", "structure")
ROOT_CLASSES = {
    "PopulatedPlace": "populated_place",
    "NaturalPlace": "natural_place",
    "ArchitecturalStructure": "structure",
}

_ROOTS = " ".join(f"dbo:{name}" for name in (*ROOT_CLASSES, *COLLEGE_CLASSES))
_REGIONS = " ".join(f"<{RESOURCE}{s.title}>" for s in US_REGIONS)
_REGION_LINK = "dbo:isPartOf|dbo:subdivision|dbo:state|dbo:location"
_PLACE_WITH_COORDINATES = f"""  VALUES ?root {{ {_ROOTS} }}
  ?place a ?root ;
         geo:lat ?lat ."""
# Each branch of the union carries the type and coordinate patterns: Oxigraph (the sample's server) evaluates a
# union joined to them afterwards some fifty times slower.
_IN_US = f"""  VALUES ?root {{ {_ROOTS} }}
  {{ ?place dbo:country dbr:United_States ; a ?root ; geo:lat ?lat }}
  UNION {{ VALUES ?usRegion {{ {_REGIONS} }} ?place {_REGION_LINK} ?usRegion ; a ?root ; geo:lat ?lat }}"""

# Every place has geo:lat, which Virtuoso indexes: ranges of it cut the queries into pieces that cost what they return.
LATITUDE_SPLIT = RangeSplit("lat", -90.0, 90.0)

PLACES = PagedQuery(
    name="us_places.places",
    select="DISTINCT ?place ?label ?lat ?long ?population",
    where=f"""{_IN_US}
  OPTIONAL {{ ?place geo:long ?long }}
  OPTIONAL {{ ?place rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?place dbo:populationTotal ?population }}""",
    key="place",
    split=LATITUDE_SPLIT,
)

TYPES = types_query("us_places.types", _IN_US, "place", LATITUDE_SPLIT)

STATES = PagedQuery(
    name="us_places.states",
    select="DISTINCT ?place ?state",
    where=f"""{_PLACE_WITH_COORDINATES}
  VALUES ?state {{ {_REGIONS} }}
  ?place {_REGION_LINK} ?state .""",
    key="place",
    split=LATITUDE_SPLIT,
)

COUNTIES = PagedQuery(
    name="us_places.counties",
    select="DISTINCT ?place ?county ?countyLabel",
    where=f"""{_PLACE_WITH_COORDINATES}
  ?place dbo:county|dbo:isPartOf ?county .
  ?county rdfs:label ?countyLabel .
  FILTER(LANGMATCHES(LANG(?countyLabel), "en"))
  FILTER(CONTAINS(STR(?countyLabel), " County") || CONTAINS(STR(?countyLabel), " Parish"))""",
    key="place",
    split=LATITUDE_SPLIT,
)

PLACE_COLUMNS = {
    "place": "dbpedia_uri",
    "label": "name",
    "lat": "latitude",
    "long": "longitude",
    "population": "population",
}


@dataclass(frozen=True)
class UsPlacesConfig:
    min_views: int = 5_000  # keep places with MORE than this many views over the window (as the paper)
    dominance: float = 10.0  # within a state, a shared name goes to the place with this many times the views
    coordinate_tolerance: float = 0.1  # degrees within which two coordinate pairs of one place count as one
    test_share: float = TEST_SHARE


def build(sources: Sources, out_dir: Path, config: UsPlacesConfig = UsPlacesConfig()) -> Path:
    run = Build(SPEC, sources)
    places = run.select_all(PLACES)
    type_sets = values_by_key(run.select_all(TYPES), "place", "type")
    state_links = values_by_key(run.select_all(STATES), "place", "state")
    county_links = _county_names(run.select_all(COUNTIES).rows)
    ontology = Ontology.fetch(run)
    county_outcomes: dict[str, int] = {}

    def most_specific_type(df: pd.DataFrame) -> pd.DataFrame:
        types = [type_sets.get(uri, frozenset()) for uri in df["dbpedia_uri"]]
        df = df.assign(
            entity_type=[local_name(t) if (t := ontology.most_specific(ts)) else None for ts in types],
            place_class=[place_class(ts, name, ontology) for ts, name in zip(types, df["name"])],
        )
        return run.drop(df, df["place_class"].isna(), "no_place_class")

    def in_contiguous_state(df: pd.DataFrame) -> pd.DataFrame:
        df = run.drop(df, df["entity_id"].isin(REGION_BY_TITLE), "is_a_us_state")
        regions = [_regions(state_links.get(uri, ())) for uri in df["dbpedia_uri"]]
        df = df.assign(
            _links=[len(r) for r in regions],
            _region=pd.Series([next(iter(r)) if len(r) == 1 else None for r in regions], index=df.index, dtype=object),
        )
        df = run.drop(df, df["_links"] == 0, "no_us_state")
        df = run.drop(df, df["_links"] > 1, "several_states")
        df = run.drop(df, [r.code not in CONTIGUOUS_CODES for r in df["_region"]], "outside_contiguous_us")
        return df.assign(
            state=pd.Series([r.name for r in df["_region"]], index=df.index, dtype="string"),
            state_code=pd.Series([r.code for r in df["_region"]], index=df.index, dtype="string"),
        ).drop(columns=["_links", "_region"])

    def plain_names(df: pd.DataFrame) -> pd.DataFrame:
        """Live DBpedia labels mirror titles ("Springfield, Illinois"): the state is a column, not part of the name."""
        return df.assign(name=[strip_state(n, s) for n, s in zip(df["name"], df["state"])])

    def counties(df: pd.DataFrame) -> pd.DataFrame:
        """The county a place links to; a county's own name; null (counted) for none or several."""
        values = []
        for uri, name, state, cls in zip(df["dbpedia_uri"], df["name"], df["state"], df["place_class"]):
            found = {strip_state(c, state) for c in county_links.get(uri, ()) if in_state(c, state)}
            if cls == "county":
                outcome, value = "county_itself", name
            elif len(found) == 1:
                outcome, value = "one_county", next(iter(found))
            else:
                outcome, value = ("no_county_link" if not found else "several_counties"), None
            county_outcomes[outcome] = county_outcomes.get(outcome, 0) + 1
            values.append(value)
        return df.assign(county=pd.Series(values, index=df.index, dtype="string"))

    frame = collapse_places(bindings_frame(places, PLACE_COLUMNS), config.coordinate_tolerance)
    lat_low, lat_high = CONTIGUOUS_LATITUDE
    lon_low, lon_high = CONTIGUOUS_LONGITUDE
    frame = run.run(
        frame,
        [
            *coordinate_rules(run),
            run.require("name", "no_english_label"),
            most_specific_type,
            in_contiguous_state,
            run.within("latitude", lat_low, lat_high, "coordinates_outside_contiguous_us"),
            run.within("longitude", lon_low, lon_high, "coordinates_outside_contiguous_us"),
            plain_names,
            run.pageview_filter(config.min_views),
            run.shared_names(config.dominance, within=["state"]),
            counties,  # after the filters, so that its counts describe the rows written
            run.split(config.test_share),  # one row per Wikipedia page: the page is the group
        ],
    )
    return run.write(
        frame,
        out_dir,
        query_rows=len(places),
        parameters={
            **asdict(config),
            "contiguous_latitude": CONTIGUOUS_LATITUDE,
            "contiguous_longitude": CONTIGUOUS_LONGITUDE,
        },
        zip_codes="not included (see the module docstring)",
        county_links=dict(sorted(county_outcomes.items())),
    )


def place_class(types: set[str], name: str | None, ontology: Ontology) -> str | None:
    """The class of a place by precedence: college, county, populated place, natural place, structure."""

    def under(root: str) -> bool:
        iri = ONTOLOGY + root
        return any(t == iri or iri in ontology.ancestors(t) for t in types)

    if any(under(c) for c in COLLEGE_CLASSES):
        return "college"
    if under("AdministrativeRegion") and name and strip_any_state(name).endswith(COUNTY_SUFFIXES):
        return "county"
    for root, label in ROOT_CLASSES.items():
        if under(root):
            return label
    return None


def strip_state(name: str | None, state: str | None) -> str | None:
    """ "Springfield, Illinois" -> "Springfield" when the place is in Illinois; other names unchanged."""
    if name and state and name.endswith(f", {state}") and len(name) > len(state) + 2:
        return name[: -len(state) - 2]
    return name


def strip_any_state(name: str) -> str:
    for region in US_REGIONS:
        stripped = strip_state(name, region.name)
        if stripped != name:
            return stripped
    return name


def in_state(county_label: str, state: str) -> bool:
    """A county label names its own state or none (a link to another state's county is not the place's county)."""
    stripped = strip_any_state(county_label)
    return stripped == county_label or strip_state(county_label, state) == stripped


def _regions(iris) -> frozenset[UsState]:
    found = set()
    for iri in iris:
        try:
            region = REGION_BY_TITLE.get(title_of(iri))
        except ValueError:
            continue
        if region is not None:
            found.add(region)
    return frozenset(found)


def _county_names(rows: list[dict]) -> dict[str, set[str]]:
    """Place IRI -> the English labels of the counties it links to (labels that end like a county's name)."""
    names: dict[str, set[str]] = {}
    for row in rows:
        label = row["countyLabel"]["value"].strip()
        if strip_any_state(label).endswith(COUNTY_SUFFIXES):
            names.setdefault(row["place"]["value"], set()).add(label)
    return names
