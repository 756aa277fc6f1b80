"""Which files of a DBpedia release a build reads: the declared Databus files, found by name below the folder.

A release missing one of them is refused before any work, naming the file and its Databus artifact; the Databus
layout that ``spacetime download`` writes works as well as a flat folder; two different copies of one file, and files
of artifacts the builders do not read, are handled by rule (refused, and left alone).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from spacetime.pipelines.sources.dbpedia_dump import (
    RELEASE,
    RELEASE_VERSION,
    DbpediaDump,
    DumpError,
    DumpNeeds,
    databus_files,
    databus_key,
    files_for,
)
from tests.conftest import write_pageview_dumps
from tests.pipelines.test_dbpedia_dump import (
    FILES,
    GENERIC_ONLY,
    VERSION,
    VIEWS,
    WINDOW,
    cli_build,
    r,
    sparql_build,
    write_release,
)

pytestmark = pytest.mark.server

ARTIFACT_OF = {  # fixture file -> the Databus artifact that publishes it
    "specific": "dbpedia/mappings/instance-types",
    "transitive": "dbpedia/mappings/instance-types",
    "objects": "dbpedia/mappings/mappingbased-objects",
    "literals": "dbpedia/mappings/mappingbased-literals",
    "geo": "dbpedia/mappings/geo-coordinates-mappingbased",
    "generic_geo": "dbpedia/generic/geo-coordinates",
    "labels": "dbpedia/generic/labels",
    "ontology": "ontologies/dbpedia.org/ontology--DEV",
}


@pytest.fixture(scope="module")
def dumps(tmp_path_factory) -> Path:
    return write_pageview_dumps(tmp_path_factory.mktemp("pageviews"), WINDOW, VIEWS)


@pytest.fixture(scope="module")
def flat_rows(tmp_path_factory, dumps) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("flat-out")
    result = cli_build(write_release(tmp_path_factory.mktemp("flat")), dumps, out)
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out / "build" / "world_places" / "data.parquet")


def fixture_path(key: str) -> str:
    return FILES[key][0].format(v=VERSION)


@pytest.mark.parametrize("key", sorted(FILES))
def test_a_release_missing_a_file_is_refused_naming_the_file_and_its_artifact(key, tmp_path, dumps):
    folder = write_release(tmp_path / "release")
    (folder / fixture_path(key)).unlink()
    result = cli_build(folder, dumps, tmp_path / "out")
    assert result.exit_code == 1
    message = result.output.splitlines()[0]
    assert "the DBpedia release lacks 1 file" in message
    assert f"Databus artifact {ARTIFACT_OF[key]}," in message
    declared = next(f for f in RELEASE if databus_key(f.name) == databus_key(Path(fixture_path(key)).name))
    assert declared.name in message
    assert not (tmp_path / "out" / ".cache" / "dbpedia-release").exists()  # refused before any work
    assert not (tmp_path / "out" / "build").exists()


def test_every_missing_file_is_named_at_once(tmp_path):
    folder = write_release(tmp_path / "release")
    for key in ("geo", "ontology"):
        (folder / fixture_path(key)).unlink()
    with pytest.raises(DumpError, match="lacks 2 files") as refused:
        DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()
    assert "dbpedia/mappings/geo-coordinates-mappingbased" in str(refused.value)
    assert "ontologies/dbpedia.org/ontology--DEV" in str(refused.value)


def write_databus_layout(dest: Path) -> Path:
    """The fixture release as ``spacetime download`` saves it: DEST/<publisher>/<group>/<artifact>/<version>/<file>,
    with what else a download folder may hold beside the files."""
    flat = write_release(dest.parent / f"{dest.name}-flat")
    for key in FILES:
        declared = next(f for f in RELEASE if databus_key(f.name) == databus_key(Path(fixture_path(key)).name))
        target = dest / declared.artifact_id / declared.version / Path(fixture_path(key)).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(flat / fixture_path(key), target)
    (dest / "download-manifest.json").write_text('{"release": "2022.12.01"}\n')
    (dest / "dbpedia" / "README.txt").write_text("downloaded from the Databus\n")
    return dest


def test_the_databus_layout_builds_the_same_rows_as_a_flat_folder(tmp_path, dumps, flat_rows):
    dest = write_databus_layout(tmp_path / "dest")
    assert (dest / "dbpedia/mappings/geo-coordinates-mappingbased/2022.12.01").is_dir()
    result = cli_build(dest, dumps, tmp_path / "out")
    assert result.exit_code == 0, result.output
    built = tmp_path / "out" / "build" / "world_places"
    pd.testing.assert_frame_equal(pd.read_parquet(built / "data.parquet"), flat_rows)
    info = json.loads((built / "metadata.json").read_text())["sources"]["dbpedia_release"]
    assert info["versions"] == [RELEASE_VERSION]  # the ontology snapshot's version stays on its own file entry
    files = {f["databus"]: f for f in info["files"]}
    assert set(files) == set(ARTIFACT_OF.values())
    assert files["ontologies/dbpedia.org/ontology--DEV"]["version"] == "2022.12.09-011003"


def test_two_different_copies_of_a_file_are_refused_naming_both(tmp_path):
    folder = write_release(tmp_path / "release")
    labels = folder / fixture_path("labels")
    older = folder / "generic/labels/2022.09.01" / labels.name
    older.parent.mkdir(parents=True)
    older.write_bytes(labels.read_bytes()[:-40] + b"x" * 40)
    with pytest.raises(DumpError, match="two different copies of labels_lang=en.ttl.bz2") as refused:
        DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()
    message = str(refused.value)
    assert "generic/labels/2022.09.01/labels_lang=en.ttl.bz2" in message
    assert f"generic/labels/{VERSION}/labels_lang=en.ttl.bz2" in message


def test_an_identical_second_copy_is_read_once(tmp_path):
    folder = write_release(tmp_path / "release")
    shutil.copyfile(folder / fixture_path("labels"), folder / Path(fixture_path("labels")).name)
    prepared = DbpediaDump(folder, DumpNeeds.for_datasets(["world_places"]), tmp_path / "cache").prepare()
    assert sum("labels_lang=en" in f["name"] for f in prepared.report["files"]) == 1


def test_files_of_artifacts_the_builders_do_not_read_are_left_alone(tmp_path, dumps, flat_rows):
    """The endpoint does not serve mappingbased-objects-uncleaned, so its dbo:country must not give a place one."""
    folder = write_release(tmp_path / "release")
    uncleaned = (
        folder / "mappings/mappingbased-objects-uncleaned" / VERSION / "mappingbased-objects-uncleaned_lang=en.ttl"
    )
    uncleaned.parent.mkdir(parents=True)
    uncleaned.write_text(f"{r('Sample_no_country')} <http://dbpedia.org/ontology/country> {r('France')} .\n")
    result = cli_build(folder, dumps, tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = pd.read_parquet(tmp_path / "out" / "build" / "world_places" / "data.parquet")
    assert "Sample_no_country" not in set(rows["entity_id"])
    pd.testing.assert_frame_equal(rows, flat_rows)


def test_a_place_with_only_generic_coordinates_is_the_same_on_both_paths(tmp_path, dumps, flat_rows):
    from_sparql = pd.read_parquet(sparql_build(tmp_path, dumps) / "data.parquet")
    pd.testing.assert_frame_equal(flat_rows, from_sparql)
    for rows in (flat_rows, from_sparql):
        place = rows.set_index("entity_id").loc[sorted(GENERIC_ONLY)[0]]
        assert (round(place["latitude"], 4), round(place["longitude"], 4)) == (29.65, 91.1)


def test_the_declared_files_are_the_pinned_releases_databus_files():
    assert [(f.group, f.artifact, f.name) for f in databus_files(["world_places"])] == [
        ("mappings", "instance-types", "instance-types_inference=specific_lang=en.ttl.bz2"),
        ("mappings", "instance-types", "instance-types_inference=transitive_lang=en.ttl.bz2"),
        ("mappings", "mappingbased-objects", "mappingbased-objects_lang=en.ttl.bz2"),
        ("mappings", "mappingbased-literals", "mappingbased-literals_lang=en.ttl.bz2"),
        ("mappings", "geo-coordinates-mappingbased", "geo-coordinates-mappingbased_lang=en.ttl.bz2"),
        ("generic", "geo-coordinates", "geo-coordinates_lang=en.ttl.bz2"),
        ("generic", "labels", "labels_lang=en.ttl.bz2"),
        ("dbpedia.org", "ontology--DEV", "ontology--DEV_type=parsed.nt"),
    ]
    geo = databus_files(["world_places"])[4]
    assert geo.url == (
        "https://databus.dbpedia.org/dbpedia/mappings/geo-coordinates-mappingbased/2022.12.01/"
        "geo-coordinates-mappingbased_lang=en.ttl.bz2"
    )
    people = {f.artifact for f in databus_files(["historical_figures"])}
    assert "geo-coordinates" not in people and "geo-coordinates-mappingbased" not in people
    assert {f.artifact for f in databus_files(["nyc_places"])} == {"ontology--DEV"}
    assert databus_files() == files_for(
        DumpNeeds.for_datasets(["us_places", "historical_figures", "art_entertainment"])
    )


def test_a_needed_predicate_no_declared_file_carries_is_a_gap_in_the_declaration():
    needs = DumpNeeds(frozenset(), frozenset({"http://dbpedia.org/ontology/elevation"}))
    with pytest.raises(LookupError, match="elevation"):
        files_for(needs)


def test_databus_file_names_match_whatever_their_compression_and_variant_spelling():
    new = databus_key("instance-types_inference=specific_lang=en.ttl.bz2")
    assert (
        new
        == databus_key("instance-types_lang=en_specific.ttl.gz")
        == databus_key("instance-types_lang=en_specific.ttl")
    )
    assert new != databus_key("instance-types_inference=transitive_lang=en.ttl.bz2")
    assert databus_key("geo-coordinates_lang=en.ttl.bz2") != databus_key("geo-coordinates-mappingbased_lang=en.ttl.bz2")
    assert databus_key("ontology--DEV_type=parsed.nt") == ("ontology--DEV", frozenset({"parsed"}))
    assert databus_key("download-manifest.json") is None
