"""DBpedia-shaped graphs of any size, written as the Databus release files are, for benchmarks at DBpedia's scale.

The shape is what makes DBpedia slow to query, so the generator copies it. Every place carries its materialised
type chain, in one of two shapes (``shape``):

- ``full-types`` (the default; what the live endpoint holds): every dbo: superclass and every equivalent class of
  the other vocabularies the endpoint carries: owl:Thing, geo:SpatialThing, schema.org, Wikidata, DUL, UMBEL and
  YAGO (its WordNet synsets, their top classes and the ``Wikicat`` categories of the place's class and country, plus
  a few drawn from a pool of thousands): 30-45 ``rdf:type`` triples per place (the endpoint has 20-60), most of
  them not dbo: ones, so the type triples outnumber every other kind by far, as on DBpedia;
- ``dbo-only`` (what the release's instance-types files hold): the same dbo: classes alone, 3-7 per place.

Besides its types, every place has an English label (a few lack one), coordinates (a few have two pairs, a few none), a
``dbo:country`` link to one of ~200 country resources with a Zipf skew (the largest holds about a quarter of all
places; a few countries have no English label) and often a population. Non-place resources (people born in the
places) sit beside them, as on DBpedia, so a type pattern is never the whole graph. The ontology file places
dbo:ArchitecturalStructure directly under owl:Thing, as DBpedia has since the 2020-12 release.

>>> info = generate(Path("graph"), places=100_000)
>>> info["files"]["labels"]   # graph/labels_lang=en.ttl.bz2

Also written: one month of ``pageview_complete`` dump (``pageviews-202101-user.bz2``) with views for every
generated title, so the whole world_places build can run on the graph (window ``PAGEVIEW_WINDOW``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import re
import urllib.parse
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import numpy as np

DBO = "http://dbpedia.org/ontology/"
DBR = "http://dbpedia.org/resource/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
OWL_CLASS = "<http://www.w3.org/2002/07/owl#Class>"
OWL_THING = "http://www.w3.org/2002/07/owl#Thing"
SCHEMA = "http://schema.org/"
WIKIDATA = "http://www.wikidata.org/entity/"
DUL = "http://www.ontologydesignpatterns.org/ont/dul/DUL.owl#"
UMBEL = "http://umbel.org/umbel/rc/"
YAGO = "http://dbpedia.org/class/yago/"
SPATIAL_THING = "http://www.w3.org/2003/01/geo/wgs84_pos#SpatialThing"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEORSS_POINT = "<http://www.georss.org/georss/point>"
XSD = "http://www.w3.org/2001/XMLSchema#"

PAGEVIEW_WINDOW = ("2021-01", 1)  # start month and months of the pageview dump written beside the graph

# Release artifact -> file stem, as the Databus names the English files.
ARTIFACTS = {
    "instance_types": "instance-types_lang=en_specific",
    "instance_types_transitive": "instance-types_lang=en_transitive",
    "objects": "mappingbased-objects_lang=en",
    "literals": "mappingbased-literals_lang=en",
    "geo": "geo-coordinates-mappingbased_lang=en",
    "geo_generic": "geo-coordinates_lang=en",  # the generic extractor's coordinates, the same as the mapping-based here
    "labels": "labels_lang=en",
    "ontology": "ontology--DEV_type=parsed",
}
SUFFIX = {"bz2": ".bz2", "gz": ".gz", "none": ""}

# dbo: class -> its parent (None: directly under owl:Thing). DBpedia's own tree, abridged.
PARENT: dict[str, str | None] = {
    "Location": None,
    "Place": None,
    "PopulatedPlace": "Place",
    "Settlement": "PopulatedPlace",
    "City": "Settlement",
    "Town": "Settlement",
    "Village": "Settlement",
    "Hamlet": "Settlement",
    "CityDistrict": "Settlement",
    "Region": "PopulatedPlace",
    "AdministrativeRegion": "Region",
    "Country": "PopulatedPlace",
    "Island": "PopulatedPlace",
    "Territory": "PopulatedPlace",
    "NaturalPlace": "Place",
    "Mountain": "NaturalPlace",
    "MountainRange": "NaturalPlace",
    "MountainPass": "NaturalPlace",
    "Volcano": "NaturalPlace",
    "Cave": "NaturalPlace",
    "Glacier": "NaturalPlace",
    "Valley": "NaturalPlace",
    "BodyOfWater": "NaturalPlace",
    "Lake": "BodyOfWater",
    "Stream": "BodyOfWater",
    "River": "Stream",
    "Canal": "Stream",
    "ProtectedArea": "Place",
    "Park": "Place",
    "HistoricPlace": "Place",
    "ArchitecturalStructure": None,
    "Building": "ArchitecturalStructure",
    "HistoricBuilding": "Building",
    "Hospital": "Building",
    "Hotel": "Building",
    "Museum": "Building",
    "Castle": "Building",
    "ReligiousBuilding": "Building",
    "Church": "ReligiousBuilding",
    "Mosque": "ReligiousBuilding",
    "Infrastructure": "ArchitecturalStructure",
    "Airport": "Infrastructure",
    "Dam": "Infrastructure",
    "PowerStation": "Infrastructure",
    "RouteOfTransportation": "Infrastructure",
    "Road": "RouteOfTransportation",
    "Bridge": "RouteOfTransportation",
    "RailwayLine": "RouteOfTransportation",
    "Station": "Infrastructure",
    "RailwayStation": "Station",
    "Tower": "ArchitecturalStructure",
    "Lighthouse": "Tower",
    "Venue": "ArchitecturalStructure",
    "Stadium": "Venue",
    "Agent": None,
    "Organisation": "Agent",
    "EducationalInstitution": "Organisation",
    "University": "EducationalInstitution",
    "College": "EducationalInstitution",
    "Person": "Agent",
}

# The most specific class of a generated place, with its weight (villages and streams are common, volcanoes rare).
PLACE_CLASSES: dict[str, float] = {
    "Village": 30,
    "Town": 10,
    "City": 4,
    "Hamlet": 6,
    "CityDistrict": 3,
    "AdministrativeRegion": 8,
    "Island": 1.5,
    "Territory": 0.2,
    "Mountain": 5,
    "MountainRange": 0.6,
    "MountainPass": 0.4,
    "Volcano": 0.3,
    "Cave": 0.3,
    "Glacier": 0.2,
    "Valley": 0.5,
    "Lake": 3,
    "River": 4,
    "Canal": 0.3,
    "Stream": 1,
    "ProtectedArea": 1.5,
    "Park": 1,
    "HistoricPlace": 1.5,
    "Building": 2,
    "HistoricBuilding": 2,
    "Hospital": 0.8,
    "Hotel": 0.6,
    "Museum": 0.8,
    "Castle": 0.6,
    "Church": 2,
    "Mosque": 0.3,
    "Airport": 1,
    "Dam": 0.4,
    "PowerStation": 0.5,
    "Road": 2,
    "Bridge": 1,
    "RailwayLine": 0.6,
    "RailwayStation": 3,
    "Lighthouse": 0.4,
    "Stadium": 1,
    "University": 0.8,
    "College": 0.4,
}

# Extra classes every resource under a dbo: class carries on DBpedia (schema:, wikidata:, dbo:Location).
EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "Place": (SCHEMA + "Place", WIKIDATA + "Q2221906", DBO + "Location"),
    "PopulatedPlace": (WIKIDATA + "Q486972",),
    "Settlement": (WIKIDATA + "Q486972",),
    "City": (SCHEMA + "City", WIKIDATA + "Q515"),
    "Town": (WIKIDATA + "Q3957",),
    "Village": (WIKIDATA + "Q532",),
    "Country": (SCHEMA + "Country", WIKIDATA + "Q6256"),
    "AdministrativeRegion": (SCHEMA + "AdministrativeArea", WIKIDATA + "Q3455524"),
    "Mountain": (SCHEMA + "Mountain", WIKIDATA + "Q8502"),
    "Lake": (SCHEMA + "LakeBodyOfWater", WIKIDATA + "Q23397"),
    "BodyOfWater": (SCHEMA + "BodyOfWater", WIKIDATA + "Q15324"),
    "River": (SCHEMA + "RiverBodyOfWater", WIKIDATA + "Q4022"),
    "NaturalPlace": (WIKIDATA + "Q1286517",),
    "ArchitecturalStructure": (SCHEMA + "Place", WIKIDATA + "Q811979", DBO + "Location"),
    "Building": (WIKIDATA + "Q41176",),
    "Infrastructure": (WIKIDATA + "Q121359",),
    "Bridge": (WIKIDATA + "Q12280",),
    "Airport": (SCHEMA + "Airport", WIKIDATA + "Q1248784"),
    "Museum": (SCHEMA + "Museum", WIKIDATA + "Q33506"),
    "Hospital": (SCHEMA + "Hospital", WIKIDATA + "Q16917"),
    "Stadium": (SCHEMA + "StadiumOrArena", WIKIDATA + "Q483110"),
    "Church": (SCHEMA + "Church", WIKIDATA + "Q16970"),
    "Agent": (WIKIDATA + "Q24229398", DUL + "Agent"),
    "Organisation": (SCHEMA + "Organization", WIKIDATA + "Q43229"),
    "EducationalInstitution": (SCHEMA + "EducationalOrganization", WIKIDATA + "Q2385804"),
    "University": (SCHEMA + "CollegeOrUniversity", WIKIDATA + "Q3918"),
    "Person": (SCHEMA + "Person", WIKIDATA + "Q5", "http://xmlns.com/foaf/0.1/Person"),
}

SYLLABLES = (
    "ka la mo ri sa to na be ven dor lin ham ford burg ville wick ton stad ber gen mar ost aki yo "
    "el ra qu ith ob ul ze ny ar os ské ø ü é ã ō"
).split()
NO_LABEL_SHARE = 0.02  # places without an English label
NO_COORDINATES_SHARE = 0.02  # places of the root classes without geo:lat/long
TWO_COORDINATES_SHARE = 0.005  # places with a second, nearby coordinate pair
POPULATION_SHARE = 0.7  # populated places with dbo:populationTotal
COUNTRIES = 200
UNLABELLED_COUNTRIES = 3
PEOPLE_SHARE = 0.25  # people per place: non-place resources in the same graph


SHAPES = ("full-types", "dbo-only")
# Classes of the other vocabularies on every resource under a dbo: root (as the live endpoint types places).
ROOT_EXTRAS: dict[str, tuple[str, ...]] = {
    "Place": (SPATIAL_THING, DUL + "Place", UMBEL + "Location_Underspecified", UMBEL + "PopulatedPlace"),
    "ArchitecturalStructure": (DUL + "PhysicalObject", DUL + "PhysicalArtifact", UMBEL + "Artifact"),
    "Agent": (DUL + "SocialPerson",),
}
# YAGO's top classes over every located entity.
YAGO_TOP = tuple(
    YAGO + name
    for name in (
        "PhysicalEntity100001930",
        "Object100002684",
        "Location100027167",
        "YagoGeoEntity",
        "YagoPermanentlyLocatedEntity",
        "YagoLegalActorGeo",
    )
)
WIKICAT_POOL = 5_000  # YAGO Wikicat categories shared across places ("LakesOfX", "1850sEstablishmentsInY" ...)
WIKICATS_PER_PLACE = (2, 14)  # a place's draw from the pool: uniform in [low, high)


def chain(cls: str) -> list[str]:
    """``cls`` and its dbo: ancestors, most specific first."""
    out = [cls]
    while (parent := PARENT[out[-1]]) is not None:
        out.append(parent)
    return out


def populated(cls: str) -> bool:
    return "PopulatedPlace" in chain(cls)


def _synset(cls: str) -> str:
    """A YAGO WordNet class for a dbo: class, named as YAGO names them (the noun and a nine-digit synset id)."""
    return f"{YAGO}{cls}1{zlib.crc32(cls.encode()) % 100_000_000:08d}"


def type_iris(cls: str, shape: str = "full-types", country: str = "", wikicats: tuple[int, ...] = ()) -> list[str]:
    """Every rdf:type of a resource whose most specific class is ``cls``: the materialised closure, as DBpedia's, in
    the given ``shape``; ``country`` and ``wikicats`` (indexes into the pool) name its YAGO categories."""
    found = [DBO + c for c in chain(cls)]
    for c in chain(cls):
        extras = (*EQUIVALENTS.get(c, ()), *ROOT_EXTRAS.get(c, ()), UMBEL + c, _synset(c))
        found.extend(e for e in extras if e not in found)
    if shape == "dbo-only":  # the same dbo: classes (dbo:Location included), nothing else
        return [t for t in found if t.startswith(DBO)]
    found.extend(YAGO_TOP)
    if country:
        found.append(f"{YAGO}Wikicat{cls}sIn{country}")
    found.extend(f"{YAGO}WikicatCategory{k}" for k in sorted(set(wikicats)))
    return [*found, OWL_THING]


def _open(path: Path, compression: str) -> IO[bytes]:
    if compression == "bz2":
        return bz2.open(path, "wb", compresslevel=6)
    if compression == "gz":
        return gzip.open(path, "wb", compresslevel=3)
    return open(path, "wb")


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _iri(title: str) -> str:
    """DBpedia's English IRIs keep letters as they are and percent-encode what an IRI may not hold."""
    return DBR + _IRI_UNSAFE.sub(lambda m: urllib.parse.quote(m.group(0), safe=""), title)


_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\%?#]')


class _Names:
    """Deterministic place names from syllables; titles made unique the Wikipedia way (", Country", then " (n)")."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.taken: set[str] = set()

    def name(self) -> str:
        parts = self.rng.choice(len(SYLLABLES), size=int(self.rng.integers(2, 5)))
        word = "".join(SYLLABLES[i] for i in parts)
        if self.rng.random() < 0.15:
            word += " " + "".join(SYLLABLES[i] for i in self.rng.choice(len(SYLLABLES), size=2))
        return word[:1].upper() + word[1:]

    def title(self, name: str, qualifier: str, index: int) -> str:
        for candidate in (name, f"{name}, {qualifier}", f"{name} ({index})"):
            title = candidate.replace(" ", "_")
            if title not in self.taken:
                self.taken.add(title)
                return title
        raise AssertionError("index-qualified titles are unique")


def _countries(rng: np.random.Generator, names: _Names) -> list[dict]:
    out = []
    for rank in range(COUNTRIES):
        name = names.name() + ("land" if rank % 3 == 0 else "")
        title = names.title(name, "country", rank)
        out.append(
            {
                "title": title,
                "name": name,
                "labelled": rank not in range(COUNTRIES - UNLABELLED_COUNTRIES, COUNTRIES),
                "lat": float(rng.uniform(-55, 70)),
                "long": float(rng.uniform(-170, 175)),
                "spread": float(rng.uniform(1, 12)),
            }
        )
    return out


def _place_lines(place: dict, country_iri: str | None) -> Iterator[tuple[str, str]]:
    """(artifact, line) pairs for one place."""
    s = f"<{place['iri']}>"
    cls = place["class"]
    yield "instance_types", f"{s} {RDF_TYPE} <{DBO}{cls}> .\n"
    for t in place["types"][1:]:
        yield "instance_types_transitive", f"{s} {RDF_TYPE} <{t}> .\n"
    if place["labelled"]:
        yield "labels", f"{s} {RDFS_LABEL} {_literal(place['name'])}@en .\n"
    if country_iri is not None:
        yield "objects", f"{s} <{DBO}country> <{country_iri}> .\n"
    for lat, long in place["coordinates"]:
        for artifact in ("geo", "geo_generic"):
            yield artifact, f'{s} <{GEO}lat> "{lat:.4f}"^^<{XSD}float> .\n'
            yield artifact, f'{s} <{GEO}long> "{long:.4f}"^^<{XSD}float> .\n'
            yield artifact, f'{s} {GEORSS_POINT} "{lat:.4f} {long:.4f}" .\n'
    if place["population"] is not None:
        yield "literals", f'{s} <{DBO}populationTotal> "{place["population"]}"^^<{XSD}nonNegativeInteger> .\n'


def _coordinates(rng: np.random.Generator, country: dict, has: bool, two: bool) -> list[tuple[float, float]]:
    if not has:
        return []
    lat = float(np.clip(country["lat"] + rng.normal(0, country["spread"]), -89.9, 89.9))
    long = float((country["long"] + rng.normal(0, country["spread"]) + 180) % 360 - 180)
    pairs = [(lat, long)]
    if two:
        pairs.append((lat + 0.01, long - 0.01))
    return pairs


def generate(out_dir: Path, places: int, seed: int = 0, compression: str = "bz2", shape: str = "full-types") -> dict:
    """Write a DBpedia-shaped graph of ``places`` places (plus ~200 countries and some people) into ``out_dir``, typed
    in the given ``shape`` (see the module docstring). Both shapes hold the same places, labels and coordinates.

    Returns ``{"files": {artifact: path}, "pageviews": path, "pageview_window": (start, months), "places": n,
    "countries": n, "people": n, "triples": n, "classes": {class: n}, "located": {class: n with coordinates},
    "places_by_country": {iri: n}, "shape": shape, "type_triples": n}``.
    The same arguments always write the same triples.
    """
    if compression not in SUFFIX:
        raise ValueError(f"compression must be one of {sorted(SUFFIX)}, got {compression!r}")
    if places < 0:
        raise ValueError(f"places must be >= 0, got {places}")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    categories = np.random.default_rng([seed, 1])  # the YAGO categories: a stream of their own, same places either way
    names = _Names(rng)
    countries = _countries(rng, names)
    for c in countries:
        c["iri"] = _iri(c["title"])
    weights = 1.0 / np.arange(1, COUNTRIES + 1) ** 1.1
    country_of = rng.choice(COUNTRIES, size=places, p=weights / weights.sum())
    classes = list(PLACE_CLASSES)
    class_p = np.array(list(PLACE_CLASSES.values()))
    class_of = rng.choice(len(classes), size=places, p=class_p / class_p.sum())
    views = np.round(rng.lognormal(mean=7.5, sigma=2.0, size=places + COUNTRIES)).astype(np.int64)

    paths = {a: out_dir / f"{stem}.ttl{SUFFIX[compression]}" for a, stem in ARTIFACTS.items()}
    paths["ontology"] = out_dir / f"{ARTIFACTS['ontology']}.nt{SUFFIX[compression]}"
    counts = {"triples": 0, "types": 0}
    class_counts: dict[str, int] = {}
    located = {"Country": COUNTRIES}  # resources with geo:lat, by class (every country has coordinates)
    by_country: dict[str, int] = {}
    pageview_path = out_dir / f"pageviews-{PAGEVIEW_WINDOW[0].replace('-', '')}-user.bz2"
    with ExitStack() as stack:
        files = {a: stack.enter_context(_open(p, compression)) for a, p in paths.items()}
        buffers: dict[str, io.StringIO] = {a: io.StringIO() for a in paths}
        views_out = stack.enter_context(bz2.open(pageview_path, "wt", encoding="utf-8", compresslevel=6))

        def emit(pairs: Iterator[tuple[str, str]]) -> None:
            for artifact, line in pairs:
                buffers[artifact].write(line)
                counts["triples"] += 1
                counts["types"] += artifact.startswith("instance_types")

        def flush() -> None:
            for artifact, buffer in buffers.items():
                files[artifact].write(buffer.getvalue().encode("utf-8"))
                buffer.seek(0)
                buffer.truncate()

        emit(_ontology_lines())
        for k, country in enumerate(countries):
            place = {
                "iri": country["iri"],
                "class": "Country",
                "types": type_iris("Country", shape),
                "name": country["name"],
                "labelled": country["labelled"],
                "coordinates": [(country["lat"], country["long"])],
                "population": int(rng.integers(10_000, 300_000_000)),
            }
            emit(_place_lines(place, None))
            views_out.write(f"en.wikipedia {country['title']} {k + 1} desktop {views[places + k]} A1\n")
        people = 0
        for i in range(places):
            country = countries[country_of[i]]
            cls = classes[class_of[i]]
            name = names.name()
            title = names.title(name, country["name"], i)
            u = rng.random(4)
            draw = categories.integers(0, WIKICAT_POOL, size=int(categories.integers(*WIKICATS_PER_PLACE)))
            place = {
                "iri": _iri(title),
                "class": cls,
                "types": type_iris(cls, shape, _camel(country["name"]), tuple(draw.tolist())),
                "name": name,
                "labelled": u[0] >= NO_LABEL_SHARE,
                "coordinates": _coordinates(rng, country, u[1] >= NO_COORDINATES_SHARE, u[2] < TWO_COORDINATES_SHARE),
                "population": int(rng.lognormal(8, 2)) if populated(cls) and u[3] < POPULATION_SHARE else None,
            }
            emit(_place_lines(place, country["iri"]))
            views_out.write(f"en.wikipedia {title} {COUNTRIES + i + 1} desktop {views[i]} A1\n")
            class_counts[cls] = class_counts.get(cls, 0) + 1
            if place["coordinates"]:
                located[cls] = located.get(cls, 0) + 1
            by_country[country["iri"]] = by_country.get(country["iri"], 0) + 1
            if rng.random() < PEOPLE_SHARE:
                people += 1
                emit(_person_lines(f"Person_{people}_of_{title}", name, place["iri"], shape))
            if i % 20_000 == 19_999:
                flush()
        flush()
    return {
        "files": {a: str(p) for a, p in paths.items()},
        "pageviews": str(pageview_path),
        "pageview_window": PAGEVIEW_WINDOW,
        "places": places,
        "countries": COUNTRIES,
        "people": people,
        "triples": counts["triples"],
        "classes": dict(sorted(class_counts.items())),
        "located": dict(sorted(located.items())),
        "places_by_country": by_country,
        "shape": shape,
        "type_triples": counts["types"],
    }


def _camel(name: str) -> str:
    """A name as YAGO writes it inside a class name (``Saint Kora`` -> ``SaintKora``), IRI-safe."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[^\W_]+", name))


def _person_lines(title: str, place_name: str, birth_place: str, shape: str) -> Iterator[tuple[str, str]]:
    s = f"<{_iri(title)}>"
    for t in type_iris("Person", shape):
        yield "instance_types_transitive", f"{s} {RDF_TYPE} <{t}> .\n"
    yield "labels", f"{s} {RDFS_LABEL} {_literal(title.replace('_', ' '))}@en .\n"
    yield "objects", f"{s} <{DBO}birthPlace> <{birth_place}> .\n"


def _ontology_lines() -> Iterator[tuple[str, str]]:
    for cls, parent in PARENT.items():
        yield "ontology", f"<{DBO}{cls}> {RDF_TYPE} {OWL_CLASS} .\n"
        yield "ontology", f"<{DBO}{cls}> {SUBCLASS} <{DBO + parent if parent else OWL_THING}> .\n"


def main(argv: list[str] | None = None) -> None:
    """python -m tools.bench.dbpedia_shaped OUT --places N"""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compression", choices=sorted(SUFFIX), default="bz2")
    parser.add_argument("--shape", choices=SHAPES, default=SHAPES[0], help="the types each place carries")
    args = parser.parse_args(argv)
    info = generate(args.out_dir, args.places, args.seed, args.compression, args.shape)
    info.pop("places_by_country")
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
