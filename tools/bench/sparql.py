"""SPARQL paging against a real Virtuoso 7 (the server DBpedia runs), with generated places shaped like DBpedia's.

``generate_places`` makes a deterministic set of places (seeded): IRIs with non-ASCII names and unpadded numbers (so
string order differs from numeric order), one or two ``rdf:type`` rows per place, ``geo:lat``/``geo:long`` as
xsd:float, a population as xsd:nonNegativeInteger, a founding date (xsd:date) and year (xsd:gYear), some BCE.
The tests in tests/pipelines/test_virtuoso.py and the benchmark below share it.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RESOURCE = "http://example.org/resource/"
ONTOLOGY = "http://example.org/ontology/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PLACE, CITY = ONTOLOGY + "Place", ONTOLOGY + "City"

# Names as they appear in DBpedia IRIs: non-ASCII letters, commas, parentheses.
NAMES = (
    "Springfield",
    "Zürich",
    "São_Paulo",
    "Kraków",
    "Ōsaka",
    "Reykjavík",
    "Łódź",
    "Ürümqi",
    "Québec",
    "Accra",
    "Lima",
    "Oslo",
    "Hanoi",
    "Paris,_Texas",
    "Georgia_(country)",
    "Aachen",
    "ʻAʻā",
    "Île-de-France",
)


@dataclass(frozen=True)
class GeneratedPlace:
    iri: str
    label: str
    types: tuple[str, ...]
    lat: float
    long: float
    population: int | None
    founded: tuple[int, int, int] | None  # (year, month, day); a negative year is BCE as xsd:date writes it
    founding_year: int | None


def generate_places(n: int, seed: int = 0) -> list[GeneratedPlace]:
    """``n`` distinct places, the same for the same ``(n, seed)``. About 12% are also a City (two type rows)."""
    rng = random.Random(seed)
    places = []
    for i in range(n):
        name = f"{rng.choice(NAMES)}_{i}"
        types = (PLACE, CITY) if rng.random() < 0.12 else (PLACE,)
        bce = rng.random() < 0.05
        year = -rng.randint(1, 3000) if bce else rng.randint(1000, 2020)
        founded = (year, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.7 else None
        places.append(
            GeneratedPlace(
                iri=RESOURCE + name,
                label=name.replace("_", " "),
                types=types,
                lat=round(rng.uniform(-90, 90), 4),
                long=round(rng.uniform(-180, 180), 4),
                population=rng.randint(0, 20_000_000) if rng.random() < 0.8 else None,
                founded=founded,
                founding_year=year if rng.random() < 0.5 else None,
            )
        )
    return places


def xsd_year(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def place_ntriples(place: GeneratedPlace) -> str:
    s = f"<{place.iri}>"
    lines = [f"{s} <{RDF_TYPE}> <{t}> ." for t in place.types]
    lines.append(f'{s} <{RDFS_LABEL}> "{place.label}"@en .')
    lines.append(f'{s} <{GEO}lat> "{place.lat}"^^<{XSD}float> .')
    lines.append(f'{s} <{GEO}long> "{place.long}"^^<{XSD}float> .')
    if place.population is not None:
        lines.append(f'{s} <{ONTOLOGY}populationTotal> "{place.population}"^^<{XSD}nonNegativeInteger> .')
    if place.founded is not None:
        year, month, day = place.founded
        lines.append(f'{s} <{ONTOLOGY}foundingDate> "{xsd_year(year)}-{month:02d}-{day:02d}"^^<{XSD}date> .')
    if place.founding_year is not None:
        lines.append(f'{s} <{ONTOLOGY}foundingYear> "{xsd_year(place.founding_year)}"^^<{XSD}gYear> .')
    return "\n".join(lines) + "\n"


def generate_places_ntriples(n: int, seed: int = 0) -> str:
    """The N-Triples of :func:`generate_places` (UTF-8 IRIs and literals, as N-Triples allows)."""
    return "".join(place_ntriples(place) for place in generate_places(n, seed))


def places_query(name: str = "generated places"):
    """The PagedQuery that reads every (place, type) row with its typed values; keyed by ?place."""
    from spacetime.pipelines.sources.sparql import PagedQuery

    return PagedQuery(
        name=name,
        prefixes=f"PREFIX ex: <{ONTOLOGY}>\nPREFIX geo: <{GEO}>\n",
        select="?place ?type ?lat ?long ?population ?founded ?year",
        where=(
            "  ?place a ?type ; geo:lat ?lat ; geo:long ?long .\n"
            "  OPTIONAL { ?place ex:populationTotal ?population }\n"
            "  OPTIONAL { ?place ex:foundingDate ?founded }\n"
            "  OPTIONAL { ?place ex:foundingYear ?year }"
        ),
        key="place",
    )


def virtuoso_paging_benchmark(workdir: Path, places: int = 25_000, seed: int = 0, page_size: int = 10_000) -> dict:
    """Page every generated place out of a fresh Virtuoso with SparqlClient (no cache) and time it."""
    from spacetime.pipelines.sources.sparql import SparqlClient
    from tools.virtuoso import VirtuosoServer, virtuoso_available

    reason = virtuoso_available()
    if reason:
        return {"skipped": reason}
    generated = generate_places(places, seed)
    expected_rows = sum(len(place.types) for place in generated)
    text = "".join(place_ntriples(place) for place in generated)
    started = time.perf_counter()
    with VirtuosoServer(lambda path: path.write_text(text, "utf-8"), Path(workdir)) as server:
        start_seconds = time.perf_counter() - started
        client = SparqlClient(
            server.endpoint, default_graph=server.graph, page_size=page_size, progress=False, timeout=60
        )
        began = time.perf_counter()
        result = client.select_all(places_query())
        seconds = time.perf_counter() - began
    return {
        "places": places,
        "rows": len(result.rows),
        "expected_rows": expected_rows,  # rows == expected_rows when paging lost nothing
        "pages": result.pages,
        "queries": client.http_requests,
        "seconds": round(seconds, 3),
        "rows_per_second": round(len(result.rows) / seconds, 1) if seconds > 0 else None,
        "load_seconds": round(server.load_seconds or 0.0, 3),
        "start_seconds": round(start_seconds, 3),  # server start and load together
        "caps": server.caps,
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m tools.bench.sparql [places]``: print the benchmark's figures as JSON."""
    args = sys.argv[1:] if argv is None else argv
    places = int(args[0]) if args else 25_000
    with tempfile.TemporaryDirectory(prefix="spacetime-bench-") as workdir:
        print(json.dumps(virtuoso_paging_benchmark(Path(workdir), places), indent=2))


if __name__ == "__main__":
    main()
