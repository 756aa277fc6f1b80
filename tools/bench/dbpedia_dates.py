"""historical_figures' queries at scale: dated people in Debian's Virtuoso 7 (default virtuoso.ini), fetched by ranges
of death dates and years (one UNION branch at a time), against the old paging by key at the smallest size.

DBpedia-shaped people: ~80% died after 1850, the rest back to 800 BCE; 60% with a death date, 60% with a death year
(some both), nine rdf:types each (five dbo: classes, owl:Thing, schema:, foaf: and wikidata), a quarter with an
occupation. Each query must return every expected row; the figure of merit is seconds per 100k people at the largest
size over the smallest (target: at most 1.5x).

    python -m tools.bench.dbpedia_dates --sizes 100000 300000 --work /tmp/bench-dates
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

from tools.virtuoso import VirtuosoServer

GRAPH = "http://dbpedia.org"
DBO, DBR, XSD = "http://dbpedia.org/ontology/", "http://dbpedia.org/resource/", "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
OTHER_TYPES = (
    "http://www.w3.org/2002/07/owl#Thing",
    "http://schema.org/Person",
    "http://xmlns.com/foaf/0.1/Person",
    "http://www.wikidata.org/entity/Q5",
)
KINDS = ("Scientist", "Artist", "Politician", "Athlete", "Writer")


def year_text(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def write_people(path: Path, people: int, seed: int = 0) -> dict[str, int]:
    """N-Triples (gzipped) of ``people`` dated people; returns the rows each query must give."""
    rng = np.random.default_rng(seed)
    recent = rng.random(people) < 0.8
    years = np.where(recent, rng.integers(1850, 2025, people), rng.integers(-800, 1850, people))
    has_date, has_year = rng.random(people) < 0.6, rng.random(people) < 0.6
    has_year |= ~has_date  # every person has one or the other
    expected = {"deaths": 0, "occupations": 0, "types": 0}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for i in range(people):
            s = f"<{DBR}Person_{i}>"
            kind = KINDS[i % len(KINDS)]
            for cls in ("Person", "Agent", "Animal", "Eukaryote", kind):
                out.write(f"{s} {RDF_TYPE} <{DBO}{cls}> .\n")
            out.writelines(f"{s} {RDF_TYPE} <{t}> .\n" for t in OTHER_TYPES)
            out.write(f'{s} {LABEL} "Person {i}"@en .\n')
            year = int(years[i])
            if has_date[i]:
                date = f"{year_text(year)}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
                out.write(f'{s} <{DBO}deathDate> "{date}"^^<{XSD}date> .\n')
            if has_year[i]:
                out.write(f'{s} <{DBO}deathYear> "{year_text(year)}"^^<{XSD}gYear> .\n')
            branches = int(has_date[i]) + int(has_year[i])
            expected["deaths"] += branches
            expected["types"] += 5
            if i % 4 == 0:
                out.write(f"{s} <{DBO}occupation> <{DBR}Occupation_{i % 50}> .\n")
                expected["occupations"] += 1
    return expected


def measure(endpoint: str, keyset: bool) -> dict:
    from spacetime.pipelines.datasets.historical_figures.build import DEATHS, OCCUPATIONS, TYPES
    from spacetime.pipelines.sources.sparql import SparqlClient

    client = SparqlClient(endpoint, default_graph=GRAPH, progress=False, timeout=300)
    out = {}
    for query in (DEATHS, OCCUPATIONS, TYPES):
        if keyset:
            query = dataclasses.replace(query, branches=())
        before, started = client.http_requests, time.perf_counter()
        try:
            rows = len(client.select_all(query))
        except Exception as err:  # the old paging's failure is a figure too
            out[query.name] = {"failed": f"{type(err).__name__}: {str(err)[:200]}"}
            continue
        out[query.name] = {
            "seconds": round(time.perf_counter() - started, 2),
            "rows": rows,
            "requests": client.http_requests - before,
        }
    return out


def dates_benchmark(work: Path, sizes: list[int], keyset_at: list[int] | None = None) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    keyset_at = [min(sizes)] if keyset_at is None else keyset_at
    runs = []
    for people in sizes:
        data = work / f"people-{people}.nt.gz"
        expected_file = work / f"people-{people}.json"
        if not expected_file.exists():
            expected_file.write_text(json.dumps(write_people(data, people)))
        expected = json.loads(expected_file.read_text())
        run: dict = {"people": people}
        with VirtuosoServer([data], workdir=work / "virtuoso", graph=GRAPH, load_timeout=3600) as server:
            run["load_seconds"] = round(server.load_seconds, 1)
            run["ranges"] = measure(server.endpoint, keyset=False)
            if people in keyset_at:
                run["keyset"] = measure(server.endpoint, keyset=True)
        got = {name.split(".")[-1]: q.get("rows") for name, q in run["ranges"].items()}
        run["every_row_once"] = got == expected
        run["expected"] = expected
        seconds = sum(q["seconds"] for q in run["ranges"].values())
        run["seconds_per_100k"] = round(seconds / people * 100_000, 2)
        runs.append(run)
        print(json.dumps(run), file=sys.stderr)
    report: dict = {"runs": runs, "every_row_once": all(r["every_row_once"] for r in runs)}
    if len(runs) > 1:
        smallest, largest = min(runs, key=lambda r: r["people"]), max(runs, key=lambda r: r["people"])
        report["linearity seconds_per_100k"] = round(largest["seconds_per_100k"] / smallest["seconds_per_100k"], 2)
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--keyset-at", type=int, nargs="*", help="sizes to time key paging at (default: smallest)")
    args = parser.parse_args(argv)
    print(json.dumps(dates_benchmark(args.work, args.sizes, args.keyset_at), indent=2))


if __name__ == "__main__":
    main()
