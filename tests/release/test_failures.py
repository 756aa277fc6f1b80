"""What a person reads when a release step fails: a full disk during `package` (the previous release, or nothing, is
left), a build with an empty split, and every reason `validate` fails printed on the terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.common import file_sha256, visible_files
from spacetime.dist.package import package
from spacetime.errors import SpacetimeError

from .tmpfs import small_disk

CONFIG = "world_places"


def _snapshot(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): file_sha256(path) for path in visible_files(folder)}


def _release_bytes(sample_release: Path) -> int:
    return sum(path.stat().st_size for path in (sample_release / "release").rglob("*") if path.is_file())


def test_a_full_disk_during_package_leaves_no_release_and_names_the_path(sample_release, tmp_path):
    with small_disk(tmp_path / "disk", "64k") as disk:
        with pytest.raises(SpacetimeError, match=f"^no space left on {disk}/.*: its filesystem {disk} has ") as err:
            package(sample_release / "build", disk / "release", configs=[CONFIG])
        assert "\n" not in str(err.value)
        assert [p.name for p in disk.iterdir() if not p.name.endswith(".in-use")] == []  # no release, no temp files


def test_a_full_disk_during_package_leaves_the_previous_release_as_it_was(sample_release, tmp_path):
    size = _release_bytes(sample_release)
    with small_disk(tmp_path / "disk", str(size * 3 // 2)) as disk:
        shutil.copytree(sample_release / "release", disk / "release")
        (disk / "build").symlink_to(sample_release / "build")
        before = _snapshot(disk / "release")
        result = CliRunner().invoke(main, ["package", "--out", str(disk)])
        assert result.exit_code == 1
        assert f"Error: no space left on {disk}/" in result.output and "Errno" not in result.output
        assert _snapshot(disk / "release") == before
        assert sorted(p.name for p in disk.iterdir() if not p.name.endswith(".in-use")) == ["build", "release"]


def test_package_replaces_the_previous_release_whole(sample_release, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(sample_release / "release", out / "release")
    package(sample_release / "build", out / "release", configs=[CONFIG])
    assert sorted(p.name for p in (out / "release" / "data").iterdir()) == [CONFIG]  # no configs of the old one
    assert [p.name for p in out.iterdir() if not p.name.endswith(".in-use")] == ["release"]


@pytest.mark.parametrize("empty", ["train", "test", "both"])
def test_a_build_with_an_empty_split_is_refused_naming_the_file(sample_release, tmp_path, empty):
    build = tmp_path / "build" / CONFIG
    shutil.copytree(sample_release / "build" / CONFIG, build)
    frame = pd.read_parquet(build / "data.parquet")
    frame[frame["split"] != empty].iloc[: 0 if empty == "both" else None].to_parquet(build / "data.parquet")
    result = CliRunner().invoke(main, ["package", "--out", str(tmp_path), CONFIG])
    split = "train" if empty == "both" else empty
    assert result.exit_code == 1
    assert f"Error: {CONFIG}: {build / 'data.parquet'} has no {split} rows" in result.output, result.output
    assert f"rebuild {CONFIG}" in result.output
    assert not (tmp_path / "release").exists()


def _validated_copy(sample_release: Path, tmp_path: Path) -> Path:
    root = tmp_path / "o"
    shutil.copytree(sample_release / "release", root / "release")
    return root


def _validate(root: Path):
    return CliRunner().invoke(main, ["validate", "--out", str(root), CONFIG])


def test_validate_prints_a_missing_release_json(sample_release, tmp_path):
    root = _validated_copy(sample_release, tmp_path)
    (root / "release" / "release.json").unlink()
    result = _validate(root)
    assert result.exit_code == 1
    assert "release.json: FAIL" in result.output
    assert "  failed: release.json: missing; re-run `spacetime package`" in result.output


def test_validate_prints_a_changed_checksum(sample_release, tmp_path):
    root = _validated_copy(sample_release, tmp_path)
    with open(root / "release" / "README.md", "a", encoding="utf-8") as fh:
        fh.write("\nedited\n")
    result = _validate(root)
    assert result.exit_code == 1
    assert "  failed: README.md: sha256 differs from release.json (changed after packaging)" in result.output


def test_validate_prints_a_stray_file(sample_release, tmp_path):
    root = _validated_copy(sample_release, tmp_path)
    (root / "release" / "notes.txt").write_text("stray\n")
    result = _validate(root)
    assert result.exit_code == 1
    assert "  failed: notes.txt: not listed in release.json; remove it or re-run `spacetime package`" in result.output


def test_validate_prints_a_pass_line_for_release_json_when_it_holds(sample_release, tmp_path):
    result = _validate(_validated_copy(sample_release, tmp_path))
    assert result.exit_code == 0, result.output
    assert "release.json: pass" in result.output
