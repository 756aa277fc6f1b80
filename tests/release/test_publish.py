"""`spacetime publish` against a real local Hub-compatible HTTP server (tests/hubserver.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.dist.publish import (
    PublishError,
    ValidationNotPassed,
    check_validated,
    local_files,
    publish,
)
from tests.hubserver import GITATTRIBUTES, HubServer

pytestmark = pytest.mark.server  # this module's tests run against local servers

TOKEN = "hf_TESTSECRET123"
REPO = "spacetime-test/entities"
TRAIN = "data/world_places/train-00000-of-00001.parquet"
TEST = "data/world_places/test-00000-of-00001.parquet"
CARD = """---
license: mit
configs:
- config_name: world_places
  data_files:
  - split: train
    path: data/world_places/train-00000-of-00001.parquet
  - split: test
    path: data/world_places/test-00000-of-00001.parquet
---
# Space and time entities (test card)
"""


def _parquet(path: Path, names: list[str], lats: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"name": names, "latitude": lats}), path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_report(folder: Path, report_path: Path, passed: bool = True, overrides: dict | None = None) -> dict:
    files = {p: _sha256(folder / p) for p in local_files(folder)}
    report = {
        "passed": passed,
        "folder": str(folder.resolve()),
        "files": files,
        "datasets": {"world_places": {"passed": passed}},
        "validated_at": "2025-01-01T00:00:00Z",
    }
    report.update(overrides or {})
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report))
    return report


@pytest.fixture
def release(tmp_path) -> Path:
    """A tiny packaged folder and a passing report at the default place, ``<folder>/../validation/report.json``."""
    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "README.md").write_text(CARD)
    _parquet(folder / TRAIN, ["Paris", "Lima", "Oslo"], [48.86, -12.05, 59.91])
    _parquet(folder / TEST, ["Quito"], [-0.18])
    (folder / "metadata").mkdir()
    (folder / "metadata" / "world_places.json").write_text('{"rows": 4}\n')
    (folder / "release.json").write_text('{"configs": {"world_places": {}}}\n')
    write_report(folder, tmp_path / "validation" / "report.json")
    return folder


@pytest.fixture
def hub():
    with HubServer(token=TOKEN) as server:
        yield server


@pytest.fixture(autouse=True)
def isolated_hub_env(monkeypatch, tmp_path):
    """No real endpoint, token or stored login leaks into a test."""
    from huggingface_hub import constants

    for name in ("HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf_home" / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "hf_home" / "stored_tokens"))


def _lines(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


# --- dry run --------------------------------------------------------------------------------------------------


def test_dry_run_prints_the_operations_and_sends_nothing(release, hub):
    out: list[str] = []
    plan = publish(release, REPO, "v1.0", endpoint=hub.url, token=TOKEN, echo=out.append)
    text = "\n".join(out)
    assert plan["dry_run"] is True and plan["commit_oid"] is None
    assert hub.requests == []
    assert f"create the dataset repo {REPO} if it does not exist" in text
    for path in ("README.md", TRAIN, TEST, "metadata/world_places.json", "release.json"):
        assert f"add or replace {path}" in text
    assert "would delete stale files found on the remote" in text
    assert '"Release v1.0"' in text and "tag v1.0" in text
    assert plan["files"] == sorted(["README.md", TRAIN, TEST, "metadata/world_places.json", "release.json"])


def test_dry_run_check_remote_lists_exact_deletions_and_writes_nothing(release, hub):
    hub.seed_repo(REPO, {"data/us_places/train-00000-of-00001.parquet": b"old"})
    out: list[str] = []
    plan = publish(release, REPO, "v1.0", endpoint=hub.url, token=TOKEN, echo=out.append, check_remote=True)
    assert plan["delete"] == ["data/us_places/train-00000-of-00001.parquet"]
    assert "delete data/us_places/train-00000-of-00001.parquet" in "\n".join(out)
    assert {r.method for r in hub.requests} == {"GET"}
    assert len(hub.repo(REPO).commits) == 2  # initial + seed, untouched


def test_hidden_files_are_not_published(release, hub):
    (release / ".README.md.tmp").write_text("half-written")
    plan = publish(release, REPO, "v1.0", endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    assert ".README.md.tmp" not in plan["files"]


# --- publishing -----------------------------------------------------------------------------------------------


def test_yes_makes_one_commit_with_every_file_and_stale_deletions_then_tags_it(release, hub):
    stale = "data/us_places/train-00000-of-00001.parquet"
    seeded = hub.seed_repo(
        REPO, {stale: b"stale rows", "README.md": b"---\nold: card\n---\n", "notes/keep.txt": b"not under data/"}
    )
    parent = seeded.head.oid
    out: list[str] = []
    result = publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, token=TOKEN, echo=out.append)

    commits = hub.calls("POST", "/commit/")
    assert len(commits) == 1
    assert commits[0].path == f"/api/datasets/{REPO}/commit/main"
    lines = _lines(commits[0].body)
    assert lines[0] == {
        "key": "header",
        "value": {"summary": "Release v1.0", "description": result["commit_description"], "parentCommit": parent},
    }
    sent = {
        line["value"]["path"]: base64.b64decode(line["value"]["content"]) for line in lines if line["key"] == "file"
    }
    expected = {
        p: (release / p).read_bytes() for p in ("README.md", TRAIN, TEST, "metadata/world_places.json", "release.json")
    }
    assert sent == expected
    assert [line["value"]["path"] for line in lines if line["key"] == "deletedFile"] == [stale]
    assert not [line for line in lines if line["key"] not in ("header", "file", "deletedFile")]

    repo = hub.repo(REPO)
    head = repo.head
    assert len(repo.commits) == 3  # initial, seed, the release
    assert head.files == {**expected, ".gitattributes": GITATTRIBUTES, "notes/keep.txt": b"not under data/"}
    assert head.deleted == [stale]
    assert result["commit_oid"] == head.oid and result["new_commit"] is True
    assert repo.tags == {"v1.0": head.oid}
    tag_calls = hub.calls("POST", "/tag/")
    assert [c.path for c in tag_calls] == [f"/api/datasets/{REPO}/tag/{head.oid}"]
    assert json.loads(tag_calls[0].body)["tag"] == "v1.0"
    assert hub.requests.index(tag_calls[0]) > hub.requests.index(commits[0])
    text = "\n".join(out)
    assert f"{hub.url}/datasets/{REPO}/commit/{head.oid}" in text and f"v1.0 -> {head.oid}" in text


def test_yes_creates_a_missing_private_dataset_repo(release, hub):
    publish(release, REPO, "v0.1", yes=True, private=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    create = hub.calls("POST", "/api/repos/create")
    assert len(create) == 1
    assert json.loads(create[0].body) == {
        "name": "entities",
        "organization": "spacetime-test",
        "visibility": "private",
        "type": "dataset",
    }
    repo = hub.repo(REPO)
    assert repo.private and repo.tags == {"v0.1": repo.head.oid}
    assert set(repo.head.files) == {
        ".gitattributes",
        "README.md",
        TRAIN,
        TEST,
        "metadata/world_places.json",
        "release.json",
    }


def test_republishing_identical_files_tags_the_current_head_without_a_commit(release, hub):
    first = publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    second = publish(release, REPO, "v1.1", yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    repo = hub.repo(REPO)
    assert second["new_commit"] is False and second["commit_oid"] == first["commit_oid"]
    assert repo.tags == {"v1.0": first["commit_oid"], "v1.1": first["commit_oid"]}
    assert len(repo.commits) == 2


def test_existing_tag_is_refused_before_committing(release, hub):
    hub.seed_repo(REPO, {"README.md": b"---\n---\n"}, tags=("v1.0",))
    commits_before = list(hub.repo(REPO).commits)
    with pytest.raises(PublishError, match="tag v1.0 already exists.*Nothing was committed"):
        publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    assert hub.calls("POST", "/commit/") == [] and hub.calls("POST", "/preupload/") == []
    assert hub.calls("POST", "/tag/") == []
    assert hub.repo(REPO).commits == commits_before


# --- refusals: validation has not passed on exactly these files -----------------------------------------------


def _fail_report(folder: Path, report: Path) -> None:
    write_report(folder, report, passed=False)


def _change_file(folder: Path, report: Path) -> None:
    _parquet(folder / TRAIN, ["Paris", "Lima", "Oslo"], [48.86, -12.05, 0.0])


def _add_file(folder: Path, report: Path) -> None:
    _parquet(folder / "data/world_places/validation-00000-of-00001.parquet", ["Rome"], [41.9])


def _remove_file(folder: Path, report: Path) -> None:
    (folder / TEST).unlink()


def _drop_report(folder: Path, report: Path) -> None:
    report.unlink()


def _edit(name: str):
    def edit(folder: Path, report: Path) -> None:
        with open(folder / name, "a", encoding="utf-8") as fh:
            fh.write("\nedited after validation\n")

    edit.__name__ = f"edit_{name}"
    return edit


def _unvalidated_config(folder: Path, report: Path) -> None:
    _parquet(folder / "data/us_places/train-00000-of-00001.parquet", ["Ohio"], [40.4])
    report_data = json.loads(report.read_text())
    report_data["files"]["data/us_places/train-00000-of-00001.parquet"] = _sha256(
        folder / "data/us_places/train-00000-of-00001.parquet"
    )
    report.write_text(json.dumps(report_data))


@pytest.mark.parametrize(
    "spoil, message",
    [
        (_fail_report, "validation did not pass"),
        (_change_file, f"changed since validation: {TRAIN}"),
        (_add_file, "added since validation: data/world_places/validation-00000-of-00001.parquet"),
        (_remove_file, f"removed since validation: {TEST}"),
        (_drop_report, "no validation report at"),
        (_edit("README.md"), "changed since validation: README.md"),
        (_edit("release.json"), "changed since validation: release.json"),
        (_edit("metadata/world_places.json"), "changed since validation: metadata/world_places.json"),
        (_unvalidated_config, "configs under data/ the report does not cover: us_places"),
    ],
)
def test_publish_is_refused_unless_validation_passed_on_exactly_these_files(release, hub, spoil, message):
    report = release.parent / "validation" / "report.json"
    spoil(release, report)
    with pytest.raises(ValidationNotPassed, match=message):
        publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    assert hub.requests == []


def test_check_validated_lists_every_difference(release):
    report = release.parent / "validation" / "report.json"
    _change_file(release, report)
    _add_file(release, report)
    _remove_file(release, report)
    with pytest.raises(ValidationNotPassed) as err:
        check_validated(release)
    text = str(err.value)
    assert "changed since validation" in text and "added since validation" in text
    assert "removed since validation" in text


def test_a_copied_release_folder_publishes_when_every_checksum_matches(release, tmp_path):
    copy = tmp_path / "copied" / "release"
    shutil.copytree(release, copy)
    report = check_validated(copy, release.parent / "validation" / "report.json")
    assert report["passed"] is True and Path(report["folder"]) != copy


def test_check_validated_accepts_an_explicit_report_path(release, tmp_path):
    moved = tmp_path / "elsewhere.json"
    (release.parent / "validation" / "report.json").rename(moved)
    assert check_validated(release, moved)["passed"] is True


def test_cli_refuses_with_a_clear_message_and_nonzero_exit(release, hub):
    (release.parent / "validation" / "report.json").unlink()
    result = CliRunner().invoke(
        main,
        ["publish", "--repo-id", REPO, "--tag", "v1.0", "--out", str(release.parent), "--yes", "--endpoint", hub.url],
        env={"HF_TOKEN": TOKEN},
    )
    assert result.exit_code == 1
    assert "no validation report at" in result.output
    assert hub.requests == []


@pytest.mark.parametrize("repo_id, tag", [("no-namespace", "v1.0"), (REPO, "1.0"), (REPO, "latest")])
def test_bad_repo_id_or_tag_is_refused(release, hub, repo_id, tag):
    with pytest.raises(PublishError, match="--repo-id|--tag"):
        publish(release, repo_id, tag, yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    assert hub.requests == []


# --- token, endpoint, timeouts --------------------------------------------------------------------------------


def test_token_from_env_reaches_the_server_and_never_the_output_or_logs(release, hub, caplog):
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(
        main,
        ["publish", "--repo-id", REPO, "--tag", "v1.0", "--out", str(release.parent), "--yes"],
        env={"HF_TOKEN": TOKEN, "HF_ENDPOINT": hub.url},
    )
    assert result.exit_code == 0, result.output
    assert hub.repo(REPO).tags["v1.0"] == hub.repo(REPO).head.oid  # HF_ENDPOINT was honoured
    assert hub.requests and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in hub.requests)
    assert TOKEN not in result.output
    assert caplog.records and not [r for r in caplog.records if TOKEN in r.getMessage()]
    assert TOKEN not in caplog.text


def test_token_from_the_stored_login_is_used(release, hub, tmp_path):
    from huggingface_hub import constants

    Path(constants.HF_TOKEN_PATH).parent.mkdir(parents=True, exist_ok=True)
    Path(constants.HF_TOKEN_PATH).write_text(TOKEN)
    publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, echo=lambda line: None)
    assert hub.calls("POST", "/commit/")[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_no_token_is_refused_before_any_request(release, hub):
    with pytest.raises(PublishError, match="no Hugging Face token"):
        publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, echo=lambda line: None)
    assert hub.requests == []


def test_token_echoed_by_a_failing_server_is_masked_in_errors_and_output(release, hub, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    hub.fail["commit"] = (403, "refused for {authorization}")
    with pytest.raises(PublishError) as err:
        publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None)
    text = str(err.value)
    assert "committing failed" in text and "Nothing was committed" in text
    assert "Bearer hf_***" in text  # the server did echo it; we masked it
    assert TOKEN not in text and err.value.__cause__ is None and err.value.__suppress_context__
    assert hub.repo(REPO).tags == {}

    result = CliRunner().invoke(
        main,
        ["publish", "--repo-id", REPO, "--tag", "v1.0", "--out", str(release.parent), "--yes", "--endpoint", hub.url],
        env={"HF_TOKEN": TOKEN},
    )
    assert result.exit_code == 1 and "hf_***" in result.output and TOKEN not in result.output
    assert TOKEN not in caplog.text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_a_stalled_server_times_out_instead_of_hanging(release, hub):
    hub.stall["refs"] = 5.0
    started = time.monotonic()
    with pytest.raises(PublishError, match="reading the remote's tags failed.*Timeout"):
        publish(release, REPO, "v1.0", yes=True, endpoint=hub.url, token=TOKEN, echo=lambda line: None, timeout=0.5)
    assert time.monotonic() - started < 4.0
    assert hub.calls("POST", "/commit/") == []
