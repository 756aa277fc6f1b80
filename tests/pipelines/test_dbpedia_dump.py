"""Building from a DBpedia release's files (--dbpedia-dump): the same rows as the SPARQL path on the same triples."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.dist.card import _provenance_lines
from spacetime.pipelines.builders.countries import name_from_iri
from spacetime.pipelines.datasets.world_places import build as world_places
from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.dbpedia_dump import DbpediaDump, DumpError, DumpFilter, DumpNeeds
from spacetime.pipelines.sources.pageviews import PageviewDumps, PageviewWindow
from spacetime.pipelines.sources.sparql import SparqlClient
from tests.conftest import write_pageview_dumps

pytestmark = pytest.mark.server  # this module's tests run against local servers

WINDOW = PageviewWindow("2021-01", 1)
VERSION = "2022.12.01"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
XSD_FLOAT = "<http://www.w3.org/2001/XMLSchema#float>"


def r(name: str) -> str:
    return f"<http://dbpedia.org/resource/{name}>"


def o(name: str) -> str:
    return f"<http://dbpedia.org/ontology/{name}>"


CHAIN = {  # the materialised type chain of each most specific class, as the transitive file holds it
    "City": ["Settlement", "PopulatedPlace", "Place", "Location"],
    "Town": ["Settlement", "PopulatedPlace", "Place", "Location"],
    "Country": ["PopulatedPlace", "Place", "Location"],
    "Mountain": ["NaturalPlace", "Place", "Location"],
    "Bridge": ["RouteOfTransportation", "Infrastructure", "ArchitecturalStructure", "Location"],
    "Person": ["Agent"],
}
ONTOLOGY = [
    ("Place", None),
    ("Location", None),
    ("PopulatedPlace", "Place"),
    ("Settlement", "PopulatedPlace"),
    ("City", "Settlement"),
    ("Town", "Settlement"),
    ("Country", "PopulatedPlace"),
    ("NaturalPlace", "Place"),
    ("Mountain", "NaturalPlace"),
    ("ArchitecturalStructure", None),
    ("Infrastructure", "ArchitecturalStructure"),
    ("RouteOfTransportation", "Infrastructure"),
    ("Bridge", "RouteOfTransportation"),
    ("Agent", None),
    ("Person", "Agent"),
]
# (title, class, English label, coordinates, country, population)
PLACES = [
    ("Paris", "City", "Paris", [(48.8534, 2.3488)], "France", 2138551),
    ("Kathmandu", "City", "Kathmandu", [(27.7017, 85.3206)], "Nepal", None),
    ("Mount_Everest", "Mountain", "Mount Everest", [(27.9881, 86.925), (27.9883, 86.925)], "Nepal", None),
    ("Golden_Gate_Bridge", "Bridge", "Golden Gate Bridge", [(37.8199, -122.4783)], "United_States", None),
    ("São_Paulo", "City", "São Paulo", [(-23.5475, -46.6361)], "Brazil", 12325232),
    ("Xi%27an", "City", "Xi'an", [(34.2583, 108.9286)], "China", None),
    ("Fooville", "Town", "Fooville", [(10.5, 20.5)], "Kingdom_of_F%C3%B6o", 1200),  # country without an English label
    ("Sample_no_country", "Town", "Sample no country", [(10.0, 10.0)], None, None),
    ("Sample_few_views", "Town", "Sample few views", [(11.0, 11.0)], "France", None),
    ("Lhasa", "City", "Lhasa", [(29.65, 91.1)], "China", None),  # coordinates from its article's template only
]
GENERIC_ONLY = {"Lhasa"}  # places whose coordinates only the generic geo-coordinates artifact holds
COUNTRIES = {
    "France": "France",
    "Nepal": "Nepal",
    "United_States": "United States",
    "Brazil": "Brazil",
    "China": "China",
}
VIEWS = {
    "Paris": 200_000,
    "Kathmandu": 30_000,
    "Mount_Everest": 50_000,
    "Golden_Gate_Bridge": 40_000,
    "São_Paulo": 80_000,
    "Xi'an": 20_000,
    "Fooville": 9_000,
    "Sample_no_country": 9_000,
    "Sample_few_views": 1_000,
    "Lhasa": 25_000,
}


def release_lines() -> dict[str, list[str]]:
    """artifact -> N-Triples lines, as the Databus splits a release."""
    artifacts = ("specific", "transitive", "objects", "literals", "geo", "generic_geo", "labels")
    files: dict[str, list[str]] = {k: [] for k in artifacts}
    files["ontology"] = [f"{o(c)} {RDF_TYPE} <http://www.w3.org/2002/07/owl#Class> ." for c, _ in ONTOLOGY] + [
        f"{o(c)} {SUBCLASS} {o(p) if p else '<http://www.w3.org/2002/07/owl#Thing>'} ." for c, p in ONTOLOGY
    ]

    def typed(s: str, cls: str) -> None:
        files["specific"].append(f"{s} {RDF_TYPE} {o(cls)} .")
        files["transitive"] += [f"{s} {RDF_TYPE} {o(c)} ." for c in CHAIN[cls]]
        files["transitive"] += [
            f"{s} {RDF_TYPE} <http://www.w3.org/2002/07/owl#Thing> .",
            f"{s} {RDF_TYPE} <http://www.wikidata.org/entity/Q486972> .",
        ]

    for title, label in COUNTRIES.items():
        typed(r(title), "Country")
        files["labels"].append(f'{r(title)} {LABEL} "{label}"@en .')
    typed(r("Kingdom_of_F%C3%B6o"), "Country")
    files["labels"].append(f'{r("Kingdom_of_F%C3%B6o")} {LABEL} "Royaume de Föo"@fr .')
    for title, cls, label, coordinates, country, population in PLACES:
        s = r(title)
        typed(s, cls)
        files["labels"] += [f'{s} {LABEL} "{label}"@en .', f'{s} {LABEL} "{label} (de)"@de .']
        for lat, long in coordinates:
            lines = [
                f'{s} <{GEO}lat> "{lat}"^^{XSD_FLOAT} .',
                f'{s} <{GEO}long> "{long}"^^{XSD_FLOAT} .',
                f'{s} <http://www.georss.org/georss/point> "{lat} {long}" .',
            ]
            if title not in GENERIC_ONLY:
                files["geo"] += lines
            files["generic_geo"] += [*lines, f"{s} {RDF_TYPE} <{GEO}SpatialThing> ."]  # as the generic file has
        if country:
            files["objects"].append(f"{s} {o('country')} {r(country)} .")
        files["objects"].append(f"{s} {o('wikiPageWikiLink')} {r('Somewhere')} .")
        if population:
            files["literals"].append(
                f'{s} {o("populationTotal")} "{population}"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .'
            )
    typed(r("Sample_person"), "Person")  # not a place: none of its triples is kept
    files["labels"].append(f'{r("Sample_person")} {LABEL} "Sample person"@en .')
    files["geo"].append(f'{r("Sample_person")} <{GEO}lat> "1.0"^^{XSD_FLOAT} .')
    files["objects"].append(f"{r('Sample_person')} {o('birthPlace')} {r('Paris')} .")
    return files


MALFORMED = {  # artifact -> lines a release might hold that no parser accepts
    "geo": ['<http://dbpedia.org/resource/Paris> <http://www.w3.org/2003/01/geo/wgs84_pos#lat> "48.8 .'],
    "labels": [
        "this is not a triple",
        '<http://dbpedia.org/resource/Bad iri> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .',
    ],
}

FILES = {  # artifact -> (path in the Databus layout, compression)
    "specific": ("mappings/instance-types/{v}/instance-types_lang=en_specific.ttl.gz", "gzip"),
    "transitive": ("mappings/instance-types/{v}/instance-types_lang=en_transitive.ttl.bz2", "bz2"),
    "objects": ("mappings/mappingbased-objects/{v}/mappingbased-objects_lang=en.ttl", "none"),
    "literals": ("mappings/mappingbased-literals/{v}/mappingbased-literals_lang=en.ttl.gz", "gzip"),
    "geo": ("mappings/geo-coordinates-mappingbased/{v}/geo-coordinates-mappingbased_lang=en.ttl.bz2", "bz2-multi"),
    "generic_geo": ("generic/geo-coordinates/{v}/geo-coordinates_lang=en.ttl.bz2", "bz2"),
    "labels": ("generic/labels/{v}/labels_lang=en.ttl.bz2", "bz2"),
    "ontology": ("ontology/ontology--DEV_type=parsed.nt", "none"),
}


def compress(text: bytes, how: str) -> bytes:
    if how == "bz2":
        return bz2.compress(text)
    if how == "bz2-multi":  # two concatenated streams, as parallel compressors write
        half = text.index(b"\n", len(text) // 2) + 1
        return bz2.compress(text[:half]) + bz2.compress(text[half:])
    if how == "gzip":
        return gzip.compress(text, mtime=0)
    return text


def write_release(folder: Path, malformed: bool = True) -> Path:
    lines = release_lines()
    for artifact, (path, how) in FILES.items():
        body = lines[artifact] + (MALFORMED.get(artifact, []) if malformed else [])
        text = ("# started 2022-12-01\n" + "\n".join(body) + "\n# completed\n").encode("utf-8")
        target = folder / path.format(v=VERSION)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(compress(text, how))
    return folder


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    return write_release(tmp_path_factory.mktemp("release"))


@pytest.fixture(scope="module")
def dumps(tmp_path_factory) -> Path:
    return write_pageview_dumps(tmp_path_factory.mktemp("pageviews"), WINDOW, VIEWS)


def cli_build(release: Path, dumps: Path, out: Path, *extra: str):
    args = ["build", "world_places", "--dbpedia-dump", str(release), "--pageviews-dump", str(dumps), "--out", str(out)]
    args += ["--window-start", WINDOW.start, "--window-months", str(WINDOW.months), *extra]
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture(scope="module")
def dump_build(release, dumps, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = cli_build(release, dumps, out)
    assert result.exit_code == 0, result.output
    return out / "build" / "world_places"


def sparql_build(tmp_path: Path, dumps: Path) -> Path:
    """The same valid triples, served whole by Oxigraph and read through the paged SPARQL path."""
    plain = tmp_path / "all.nt"
    plain.write_text("\n".join(line for lines in release_lines().values() for line in lines) + "\n", "utf-8")
    with OxigraphServer([plain], store_root=tmp_path / "store") as server:
        client = SparqlClient(server.endpoint, progress=False, page_size=10)  # small pages: really paged
        sources = Sources(client, PageviewDumps(dumps, progress=False), WINDOW, {"mode": "test"})
        return world_places.build(sources, tmp_path / "sparql-out")


def test_release_gives_the_same_rows_as_the_sparql_path(dump_build, dumps, tmp_path):
    from_dump = pd.read_parquet(dump_build / "data.parquet")
    from_sparql = pd.read_parquet(sparql_build(tmp_path, dumps) / "data.parquet")
    pd.testing.assert_frame_equal(from_dump, from_sparql)
    assert set(from_dump["entity_id"]) == {
        "Paris",
        "Kathmandu",
        "Mount_Everest",
        "Golden_Gate_Bridge",
        "São_Paulo",
        "Xi'an",
        "Fooville",
        "Lhasa",
    }
    meta = json.loads((dump_build / "metadata.json").read_text())
    sparql_meta = json.loads((tmp_path / "sparql-out" / "metadata.json").read_text())
    assert meta["drops"] == sparql_meta["drops"]
    queries = [{k: q[k] for k in ("name", "query", "query_sha256", "rows")} for q in meta["sources"]["dbpedia"]]
    assert queries == [
        {k: q[k] for k in ("name", "query", "query_sha256", "rows")} for q in sparql_meta["sources"]["dbpedia"]
    ]
    assert meta["drops"]["counts"]["missing_country"] == 1


def test_a_country_without_an_english_label_is_named_from_its_iri(dump_build):
    df = pd.read_parquet(dump_build / "data.parquet").set_index("entity_id")
    assert df.loc["Fooville", "country"] == "Kingdom of Föo"
    assert df.loc["Paris", "country"] == "France"
    meta = json.loads((dump_build / "metadata.json").read_text())
    assert meta["repairs"] == {"counts": {"country_from_iri": 1}, "examples": {"country_from_iri": ["Fooville"]}}


def test_name_from_iri():
    assert name_from_iri("http://dbpedia.org/resource/Kingdom_of_Foo") == "Kingdom of Foo"
    assert name_from_iri("http://dbpedia.org/resource/C%C3%B4te_d%27Ivoire") == "Côte d'Ivoire"
    assert name_from_iri("http://example.org/x/Some_Land") == "Some Land"


def test_the_release_is_recorded_in_the_metadata_and_the_card(dump_build, release):
    meta = json.loads((dump_build / "metadata.json").read_text())
    info = meta["sources"]["dbpedia_release"]
    assert meta["sources"]["mode"] == "dbpedia-release"
    assert info["versions"] == [VERSION]  # the ontology's path carries none
    names = {f["name"]: f for f in info["files"]}
    assert set(names) == {path.format(v=VERSION) for path, _ in FILES.values()}
    for name, f in names.items():
        assert f["bytes"] == (release / name).stat().st_size
        assert len(f["sha256"]) == 64
    labels = names[FILES["labels"][0].format(v=VERSION)]
    assert labels["compression"] == "bz2" and labels["predicates"] == ["http://www.w3.org/2000/01/rdf-schema#label"]
    assert sum(labels["malformed"].values()) == 2
    assert {e["line"] for e in labels["malformed_examples"]} == {
        len(release_lines()["labels"]) + 2,
        len(release_lines()["labels"]) + 3,
    }
    assert sum(names[FILES["geo"][0].format(v=VERSION)]["malformed"].values()) == 1
    card = "\n".join(_provenance_lines(meta))
    assert f"**DBpedia release:** {VERSION}" in card
    assert labels["sha256"] in card and "fetched" not in card


def test_the_filtered_release_is_reused(release, dumps, tmp_path, monkeypatch):
    assert cli_build(release, dumps, tmp_path).exit_code == 0
    stores = list((tmp_path / ".cache" / "dbpedia-release").iterdir())

    def refilter(*args):
        raise AssertionError("the release was filtered again")

    monkeypatch.setattr(DbpediaDump, "_filter_into", refilter)
    assert cli_build(release, dumps, tmp_path).exit_code == 0
    assert list((tmp_path / ".cache" / "dbpedia-release").iterdir()) == stores


def test_an_interrupted_filter_restarts_and_writes_the_same_bytes(release, tmp_path, monkeypatch):
    needs = DumpNeeds.for_datasets(["world_places"])
    clean = DbpediaDump(release, needs, tmp_path / "clean", progress=False).prepare()
    keep, calls = DumpFilter.keep, []

    def dies_on_the_third_file(self, piece, report):
        calls.append(report.name)
        if len(set(calls)) == 3:
            raise KeyboardInterrupt
        return keep(self, piece, report)

    monkeypatch.setattr(DumpFilter, "keep", dies_on_the_third_file)
    with pytest.raises(KeyboardInterrupt):
        DbpediaDump(release, needs, tmp_path / "killed", progress=False).prepare()
    assert [p.name for p in (tmp_path / "killed").iterdir()] == [f".{clean.folder.name}.partial"]
    monkeypatch.setattr(DumpFilter, "keep", keep)
    rerun = DbpediaDump(release, needs, tmp_path / "killed", progress=False).prepare()
    assert [p.name for p in (tmp_path / "killed").iterdir()] == [clean.folder.name]
    assert [p.name for p in rerun.files] == [p.name for p in clean.files]
    for a, b in zip(rerun.files, clean.files):
        assert a.read_bytes() == b.read_bytes()
    assert (rerun.folder / "report.json").read_bytes() == (clean.folder / "report.json").read_bytes()


def test_a_file_from_another_source_under_a_release_name_is_refused_by_name(tmp_path):
    folder = write_release(tmp_path / "release", malformed=False)
    (folder / FILES["labels"][0].format(v=VERSION)).write_text(
        '<http://www.wikidata.org/entity/Q90> <http://schema.org/name> "Paris" .\n'
    )
    with pytest.raises(DumpError, match=r"labels_lang=en\.ttl\.bz2: not part of a DBpedia release"):
        DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()


def test_a_pageview_dump_under_a_release_name_is_refused_by_name(tmp_path, dumps):
    folder = write_release(tmp_path / "release", malformed=False)
    (folder / FILES["geo"][0].format(v=VERSION)).write_bytes(next(dumps.iterdir()).read_bytes())
    with pytest.raises(DumpError, match=r"geo-coordinates-mappingbased_lang=en\.ttl\.bz2: not N-Triples"):
        DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()


def test_a_truncated_bz2_names_the_file_and_the_offset(tmp_path):
    folder = write_release(tmp_path / "release", malformed=False)
    labels = folder / FILES["labels"][0].format(v=VERSION)
    whole = labels.read_bytes()
    labels.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(DumpError, match=rf"labels_lang=en\.ttl\.bz2: truncated: .* at byte {len(whole) * 2 // 3}\b"):
        DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()


def test_corrupt_gzip_data_names_the_file_and_the_offset(tmp_path):
    folder = write_release(tmp_path / "release", malformed=False)
    literals = folder / FILES["literals"][0].format(v=VERSION)
    data = bytearray(literals.read_bytes())
    data[20:40] = b"\xff" * 20
    literals.write_bytes(bytes(data))
    with pytest.raises(
        DumpError, match=r"mappingbased-literals_lang=en\.ttl\.gz: corrupt gzip data in compressed bytes 0\.\."
    ):
        DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()


def test_the_needs_come_from_the_builders_queries():
    needs = DumpNeeds.for_datasets(["world_places"])
    dbo, geo = "http://dbpedia.org/ontology/", GEO
    assert needs.classes == {dbo + "PopulatedPlace", dbo + "NaturalPlace", dbo + "ArchitecturalStructure"}
    assert needs.predicates == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://www.w3.org/2000/01/rdf-schema#subClassOf",
        geo + "lat",
        geo + "long",
        dbo + "country",
        dbo + "populationTotal",
    }
    every = DumpNeeds.for_datasets(["us_places", "historical_figures", "art_entertainment"])
    assert {dbo + "Person", dbo + "Film", dbo + "University"} <= every.classes
    assert {dbo + "deathDate", dbo + "director", dbo + "county", dbo + "releaseDate"} <= every.predicates


def test_dump_and_endpoint_flags_exclude_each_other(release, tmp_path):
    cases = {"--sample": "cannot be combined with --dbpedia-dump", "--sparql-endpoint": "replaces the SPARQL endpoint"}
    for flag, message in cases.items():
        extra = [flag] if flag == "--sample" else [flag, "http://127.0.0.1:9/sparql"]
        result = CliRunner().invoke(main, ["build", "world_places", "--dbpedia-dump", str(release), *extra])
        assert result.exit_code == 2 and message in result.output


def test_kept_lines_the_parser_refuses_are_counted_and_the_rest_kept():
    from spacetime.pipelines.sources.dbpedia_dump import FileReport

    good = [f'{r(f"P{i}")} {LABEL} "P {i}"@en .'.encode() for i in range(4)]
    bad = [f'{r("Q")} {LABEL} "unterminated@en .'.encode(), f"{r('R')} {LABEL} <not an iri> .".encode()]
    kept = [good[0], bad[0], good[1], good[2], bad[1], good[3]]
    report = FileReport(name="labels.ttl", bytes=0, sha256="", compression="none")
    out = DumpFilter(DumpNeeds(frozenset(), frozenset()))._parsed(kept, [10, 11, 12, 13, 14, 15], report)
    assert out == b"".join(line + b"\n" for line in good)
    assert report.kept == 4 and sum(report.malformed.values()) == 2
    assert [e["line"] for e in report.malformed_examples] == [11, 14]
