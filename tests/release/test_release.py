"""The release folder: built from the sample, packaged, validated, and read back with the real `datasets`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.dist.package import data_file, package
from spacetime.loaders.features import features, targets
from spacetime.loaders.load import load_config, probing_data
from spacetime.pipelines.registry import DATASETS
from spacetime.validation.report import validate


@pytest.fixture(scope="module")
def out(sample_release) -> Path:
    """All six datasets built from the bundled sample and packaged (the demo's first stages)."""
    return sample_release


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.mark.parametrize("config", DATASETS)
def test_load_dataset_reads_every_config_offline(out, offline, config):
    import datasets

    ds = datasets.load_dataset(str(out / "release"), config)
    meta = json.loads((out / "build" / config / "metadata.json").read_text())
    assert {s: ds[s].num_rows for s in ("train", "test")} == meta["splits"]
    assert ds["train"].features == features(config)
    assert ds["train"].num_rows > 0 and ds["test"].num_rows > 0
    # The loader helper agrees, and its targets are numbers.
    data = probing_data(out / "release", config)
    assert len(data) == meta["rows"] and data.targets.shape == (meta["rows"], len(targets(config)))
    assert not pd.isna(data.targets).any()
    assert list(data.split[: meta["splits"]["train"]]) == ["train"] * meta["splits"]["train"]


def test_card_front_matter_lists_configs_and_features(out):
    import yaml

    text = (out / "release" / "README.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert [c["config_name"] for c in front["configs"]] == list(DATASETS)
    assert {i["config_name"] for i in front["dataset_info"]} == set(DATASETS)
    assert "bundled sample" in text.lower()
    for config in DATASETS:
        assert f"## `{config}`" in text


def test_validation_passes_on_the_release(out):
    report = validate(out / "release", out / "validation")
    failures = {c: [k for k in d["checks"] if not k["success"]] for c, d in report["datasets"].items()}
    assert report["passed"], failures
    data_files = {data_file(c, s) for c in DATASETS for s in ("train", "test")}
    metadata = {f"metadata/{c}.json" for c in DATASETS}
    released = data_files | metadata | {"README.md", "LICENSE.md"}
    assert set(report["files"]) == released | {"release.json"}
    assert report["release_integrity"] == {"passed": True, "files": len(released), "problems": []}
    assert "PASSED" in (out / "validation" / "report.md").read_text()


def test_a_latitude_moved_by_one_degree_fails_against_release_json(out, tmp_path):
    folder = _copy_release(out, tmp_path)
    path = data_file("world_places", "train")
    _rewrite(
        folder,
        "world_places",
        "train",
        lambda t: t.set_column(
            t.schema.get_field_index("latitude"),
            t.schema.field("latitude"),
            pa.array([t["latitude"][0].as_py() + 1.0, *t["latitude"].to_pylist()[1:]], pa.float64()),
        ),
    )
    report = validate(folder, tmp_path / "v", configs=("world_places",))
    assert report["datasets"]["world_places"]["passed"]  # still a plausible latitude: only the checksum tells
    assert not report["passed"]
    assert report["release_integrity"]["problems"] == [
        f"{path}: sha256 differs from release.json (changed after packaging); re-run `spacetime package` "
        f"(or restore the release folder as packaged)"
    ]
    assert "Release integrity failed" in (tmp_path / "v" / "report.md").read_text()


@pytest.mark.parametrize("edit", ["README.md", "LICENSE.md", "metadata/world_places.json", "extra.txt"])
def test_the_card_metadata_and_unlisted_files_are_checked_too(out, tmp_path, edit):
    folder = _copy_release(out, tmp_path)
    with open(folder / edit, "a", encoding="utf-8") as fh:
        fh.write("\nedited after packaging\n")
    report = validate(folder, tmp_path / "v", configs=("world_places",))
    assert not report["passed"] and report["release_integrity"]["problems"][0].startswith(f"{edit}: ")


def _copy_release(out: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "release"
    shutil.copytree(out / "release", folder)
    return folder


def _rewrite(folder: Path, config: str, split: str, change) -> None:
    path = folder / data_file(config, split)
    table = pq.read_table(path)
    pq.write_table(change(table), path)


def _failed(report: dict, config: str) -> dict[str, dict]:
    return {f"{c['expectation']}:{c['column']}": c for c in report["datasets"][config]["checks"] if not c["success"]}


def test_wrong_type_fails_naming_the_column(out, tmp_path):
    folder = _copy_release(out, tmp_path)
    _rewrite(
        folder,
        "world_places",
        "train",
        lambda t: t.set_column(
            t.schema.get_field_index("latitude"), "latitude", pa.array([str(v) for v in t["latitude"].to_pylist()])
        ),
    )
    failed = _failed(validate(folder, tmp_path / "v", configs=("world_places",)), "world_places")
    assert "expect_column_values_to_be_of_type:latitude" in failed
    assert any("latitude" in e for e in failed["parquet_schema_matches_features:None"]["examples"])


def test_missing_column_fails(out, tmp_path):
    folder = _copy_release(out, tmp_path)
    _rewrite(folder, "world_places", "test", lambda t: t.drop_columns(["country"]))
    failed = _failed(validate(folder, tmp_path / "v", configs=("world_places",)), "world_places")
    assert any("country" in e for e in failed["parquet_schema_matches_features:None"]["examples"])
    _rewrite(folder, "world_places", "train", lambda t: t.drop_columns(["country"]))
    failed = _failed(validate(folder, tmp_path / "v", configs=("world_places",)), "world_places")
    assert "expect_table_columns_to_match_ordered_list:None" in failed


def test_duplicated_ids_fail_with_examples(out, tmp_path):
    folder = _copy_release(out, tmp_path)
    first = pq.read_table(folder / data_file("world_places", "train")).slice(0, 1)
    _rewrite(folder, "world_places", "test", lambda t: pa.concat_tables([t, first.cast(t.schema)]))
    failed = _failed(validate(folder, tmp_path / "v", configs=("world_places",)), "world_places")
    duplicate = first["entity_id"][0].as_py()
    assert duplicate in json.dumps(failed["expect_column_values_to_be_unique:entity_id"]["examples"])
    # The same page on both sides of the split is also a leak.
    assert duplicate in json.dumps(failed["expect_column_values_to_be_between:_group_sides"]["examples"])


def test_group_leaking_into_train_fails(out, tmp_path):
    folder = _copy_release(out, tmp_path)
    test_rows = pq.read_table(folder / data_file("art_entertainment", "test"))
    group = test_rows["split_group"][0].as_py()
    # A new work of the same group (same creator) in train: ids stay unique, the group is now on both sides.
    leaked = test_rows.slice(0, 1).set_column(0, "entity_id", pa.array(["Leaked_work_(film)"]))
    _rewrite(folder, "art_entertainment", "train", lambda t: pa.concat_tables([t, leaked.cast(t.schema)]))
    failed = _failed(validate(folder, tmp_path / "v", configs=("art_entertainment",)), "art_entertainment")
    assert "expect_column_values_to_be_between:_group_sides" in failed
    assert "Leaked_work_(film)" in json.dumps(failed["expect_column_values_to_be_between:_group_sides"]["examples"])
    assert group


def test_row_count_drop_against_previous_release_fails(out, tmp_path):
    folder = _copy_release(out, tmp_path)
    _rewrite(folder, "world_places", "train", lambda t: t.slice(0, len(t) // 2))
    report = validate(folder, tmp_path / "v", previous=out / "release", configs=("world_places",))
    assert "expect_table_row_count_to_be_between:None" in _failed(report, "world_places")


def test_validate_command_exit_code(out, tmp_path):
    root = tmp_path / "o"
    shutil.copytree(out / "release", root / "release")
    assert CliRunner().invoke(main, ["validate", "--out", str(root), "world_places"]).exit_code == 0
    _rewrite(root / "release", "world_places", "train", lambda t: t.drop_columns(["name"]))
    result = CliRunner().invoke(main, ["validate", "--out", str(root), "world_places"])
    assert result.exit_code == 1 and "FAIL" in result.output


def test_changelog_against_previous_release(out, tmp_path):
    previous = _copy_release(out, tmp_path)
    _rewrite(previous, "world_places", "train", lambda t: t.slice(1))  # one entity is new in the next release
    folder = package(out / "build", tmp_path / "next", previous=previous, configs=["world_places"])
    manifest = json.loads((folder / "release.json").read_text())
    assert manifest["configs"]["world_places"]["changes"]["added"] == 1
    assert "Changes since the previous release" in (folder / "README.md").read_text()


def test_load_config_on_a_local_folder(out, offline):
    ds = load_config(out / "release", "world_places")
    assert ds["train"].features["latitude"].dtype == "float64"
