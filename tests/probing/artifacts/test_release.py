"""Activation releases (probing/artifacts/): packaging, the card, loading back, and publishing to a local Hub server
(tests/hubserver.py), including a publish killed midway and resumed. Small synthetic activation folders written with
probing/extraction/store.py, against a small entity release (tests/synthetic.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.common import file_sha256, md_escape
from spacetime.errors import SpacetimeError
from spacetime.layout import Layout
from spacetime.loaders.identity import dataset_identity
from spacetime.loaders.load import probing_data
from spacetime.probing.artifacts import release as rel
from spacetime.probing.artifacts.load import load_activation_layer, materialise_folder
from spacetime.probing.artifacts.publish import publish_activation_release
from spacetime.probing.extraction import store
from tests.hubserver import HubServer
from tests.synthetic import history_frame, world_frame, write_release

TOKEN = "hf_ACTIVATIONSECRET42"
REPO = "spacetime-test/tiny-activations"
SLUG = "tiny--test-llama"
MODEL = "tiny/test-llama"
REVISION = "0123456789abcdef0123456789abcdef01234567"
HIDDEN = 8
LAYERS = [0, 2, 4]
FOLDERS = [("world_places", "empty"), ("world_places", "coords"), ("historical_figures", "when")]


def number(entity_id: str) -> int:
    return int(entity_id.rsplit("_", 1)[1])


def write_folder(
    root: Path,
    slug: str,
    dataset: str,
    prompt: str,
    ids: list[str],
    data_revision: str,
    model: str = MODEL,
    prompt_text: str = "What is ",
    seed: int = 0,
) -> Path:
    """An activation folder as the extractor writes it, rows shuffled; column 0 holds the entity's number and
    column 1 the layer, so alignment can be checked exactly (float16 holds these integers exactly)."""
    import torch

    folder = store.activation_folder(root, slug, dataset, prompt)
    rng = np.random.default_rng(seed)
    order = [ids[i] for i in rng.permutation(len(ids))]
    run = {
        "model": model,
        "model_slug": slug,
        "model_revision": REVISION,
        "model_dtype": "float32",
        "random_init": False,
        "seed": 0,
        "dataset": dataset,
        "dataset_repo": "llm-spacetime/llm-spacetime",
        "dataset_revision": data_revision,
        "prompt": prompt,
        "prompt_text": prompt_text,
        "read_position": "last token of the entity",
        "activation": "residual stream after each decoder block (block output; no final norm)",
        "layers": LAYERS,
        "num_model_layers": max(LAYERS) + 1,
        "rows": len(order),
        "hidden_size": HIDDEN,
        "hook_point": store.HOOK_POINT,
        "entity_ids_sha256": store.entity_ids_sha256(order),
    }
    for layer in LAYERS:
        values = rng.normal(size=(len(order), HIDDEN))
        values[:, 0] = [number(e) for e in order]
        values[:, 1] = layer
        store.save_tensors_atomic(
            folder / store.layer_file(layer),
            {store.TENSOR: torch.tensor(values, dtype=torch.float16)},
            store.layer_metadata(run, layer),
        )
    return store.finish_folder(folder, f"fp-{dataset}-{prompt}-{seed}", order, LAYERS, run)


def write_model(root: Path, data: Path, slug: str = SLUG, **kwargs) -> Path:
    revision = dataset_identity(data)["dataset_revision"]
    for dataset, prompt in FOLDERS:
        ids = list(probing_data(data, dataset).entity_ids)
        write_folder(root / "activations", slug, dataset, prompt, ids, revision, **kwargs)
    return root / "activations" / slug


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """OUT/release (the entity release), OUT/activations/<slug>/..., and OUT/activation-releases/<slug>."""
    root = tmp_path_factory.mktemp("out")
    rng = np.random.default_rng(0)
    frames = {"world_places": world_frame(40, rng), "historical_figures": history_frame(30, rng)}
    data = write_release(root, frames)
    write_model(root, data)
    result = CliRunner().invoke(
        main, ["package-activations", SLUG, "--out", str(root), "--model-license", "apache-2.0"]
    )
    assert result.exit_code == 0, result.output
    return {"root": root, "data": data, "frames": frames, "folder": Layout(root).activation_release(SLUG)}


def copy_release(made, tmp_path) -> Path:
    return Path(shutil.copytree(made["folder"], tmp_path / "release-copy"))


def one_line_error(excinfo, *parts: str) -> str:
    text = str(excinfo.value)
    assert "\n" not in text, text
    for part in parts:
        assert part in text, text
    return text


@pytest.fixture(autouse=True)
def isolated_hub_env(monkeypatch, tmp_path):
    from huggingface_hub import constants

    for name in ("HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf_home" / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "hf_home" / "stored_tokens"))


# --- packaging ----------------------------------------------------------------------------------------------------


def test_layout_metadata_and_checksums(made):
    folder = made["folder"]
    files = rel.release_files(folder)
    expected_data = {
        f"data/{d}/{p}/layer_{layer:03d}/{split}-00000-of-00001.parquet"
        for d, p in FOLDERS
        for layer in LAYERS
        for split in ("train", "test")
    }
    assert set(files) == expected_data | {"README.md", "activations.json"}
    release = json.loads((folder / "activations.json").read_text())
    assert set(release["files"]) == set(files) - {"activations.json"}
    assert all(file_sha256(folder / p) == sha for p, sha in release["files"].items())
    assert release["model"] == MODEL and release["model_revision"] == REVISION and release["storage_dtype"] == "float16"
    assert release["hook_point"] == "blocks.{layer}.hook_resid_post" and release["model_license"] == "apache-2.0"
    assert release["read_position"] == "last token of the entity"
    revision = dataset_identity(made["data"])["dataset_revision"]
    assert release["dataset_revision"] == revision and revision.startswith("data-sha256:")
    world = next(e for e in release["datasets"] if (e["dataset"], e["prompt"]) == ("world_places", "coords"))
    rows = probing_data(made["data"], "world_places")
    assert world["rows"] == 40 and world["splits"] == {"train": 28, "test": 12} and world["layers"] == LAYERS
    assert world["entity_ids_sha256"] == store.entity_ids_sha256(rows.entity_ids)
    assert world["dataset_revision"] == revision and world["targets"] == ["latitude", "longitude"]
    assert world["configs"]["2"] == "world_places--coords--layer_002"
    assert world["source_manifest"]["prompt_text"] == "What is " and world["hidden_size"] == HIDDEN
    size = sum((folder / p).stat().st_size for p in files if p.startswith("data/world_places/coords/layer_002/"))
    assert world["bytes_per_layer"]["2"] == size
    assert release["command"].startswith(f"spacetime package-activations {SLUG} --data ")
    assert not list(folder.parent.glob(".*"))  # no temp folders left


def test_parquet_rows_follow_the_entity_dataset_and_shard_by_size(made, tmp_path):
    import pyarrow.parquet as pq

    rows = probing_data(made["data"], "world_places")
    tables = [
        pq.read_table(made["folder"] / f"data/world_places/empty/layer_004/{s}-00000-of-00001.parquet")
        for s in ("train", "test")
    ]
    ids = tables[0]["entity_id"].to_pylist() + tables[1]["entity_id"].to_pylist()
    assert ids == rows.entity_ids
    assert tables[1].column_names == ["entity_id", "split", "latitude", "longitude", "activation"]
    assert str(tables[1].schema.field("activation").type) == "fixed_size_list<element: halffloat>[8]"
    assert tables[1]["latitude"].to_pylist() == pytest.approx(list(rows.targets[rows.split == "test", 0]))
    # A small shard size splits each layer's split into several files, all listed in the card's data_files glob.
    out = tmp_path / "sharded"
    rel.package_activations(made["root"] / "activations", SLUG, out, made["data"], max_shard_bytes=16 * 7)
    shards = sorted((out / "data/world_places/empty/layer_000").glob("train-*.parquet"))
    assert [p.name for p in shards][:2] == ["train-00000-of-00004.parquet", "train-00001-of-00004.parquet"]
    assert sum(pq.read_metadata(p).num_rows for p in shards) == 28


def test_datasets_loads_any_layer_offline_and_streaming(made, tmp_path):
    import datasets

    folder = str(made["folder"])
    test = datasets.load_dataset(folder, "historical_figures--when--layer_002", split="test", cache_dir=str(tmp_path))
    rows = probing_data(made["data"], "historical_figures")
    assert test["entity_id"] == [e for e, s in zip(rows.entity_ids, rows.split) if s == "test"]
    assert test.features["activation"] == datasets.List(datasets.Value("float16"), length=HIDDEN)
    values = np.array(test["activation"])
    assert values.shape == (6, HIDDEN) and (values[:, 1] == 2).all()
    assert [int(v) for v in values[:, 0]] == [number(e) for e in test["entity_id"]]
    streamed = datasets.load_dataset(folder, "world_places--empty--layer_004", split="train", streaming=True)
    first = next(iter(streamed))
    assert first["entity_id"] == rows_of(made, "world_places")[0] and len(first["activation"]) == HIDDEN
    assert first["activation"][1] == 4


def rows_of(made, dataset: str) -> list[str]:
    return list(probing_data(made["data"], dataset).entity_ids)


def test_loader_aligns_with_the_entity_dataset(made, tmp_path):
    layer = load_activation_layer(made["folder"], "world_places", 2, prompt="coords", data=made["data"])
    assert layer.values.dtype == np.float32 and layer.values.shape == (40, HIDDEN)
    assert layer.entity_ids == rows_of(made, "world_places")
    assert [int(v) for v in layer.values[:, 0]] == [number(e) for e in layer.entity_ids] and (
        layer.values[:, 1] == 2
    ).all()
    assert list(layer.split) == list(probing_data(made["data"], "world_places").split)
    test = load_activation_layer(made["folder"], "historical_figures", 0, split="test")
    assert (
        len(test.entity_ids) == 6
        and set(test.split) == {"test"}
        and test.config == "historical_figures--when--layer_000"
    )
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(made["folder"], "world_places", 2)
    one_line_error(err, "several prompts", "activations.json")
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(made["folder"], "world_places", 3, prompt="empty")
    one_line_error(err, "has no layer 3")


def test_loader_refuses_missing_corrupt_or_misordered_files(made, tmp_path):
    folder = copy_release(made, tmp_path)
    name = "data/world_places/empty/layer_002/test-00000-of-00001.parquet"
    (folder / name).unlink()
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(folder, "world_places", 2, prompt="empty")
    one_line_error(err, str(folder / name), "missing")
    shutil.copyfile(made["folder"] / name, folder / name)
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / name).write_bytes(bytes(data))
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(folder, "world_places", 2, prompt="empty")
    one_line_error(err, str(folder / name), "sha256 does not match")
    shutil.copyfile(made["folder"] / name, folder / name)
    meta = json.loads((folder / "activations.json").read_text())
    meta["datasets"][0]["entity_ids_sha256"] = "0" * 64  # the recorded row order is not the files' order
    (folder / "activations.json").write_text(json.dumps(meta))
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(folder, meta["datasets"][0]["dataset"], 0, prompt=meta["datasets"][0]["prompt"])
    one_line_error(err, "row-order hash differs", "/layer_000:")
    (folder / "activations.json").unlink()
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(folder, "world_places", 2)
    one_line_error(err, str(folder / "activations.json"), "missing")


def test_loader_refuses_another_data_revision(made, tmp_path):
    frames = {k: v.copy() for k, v in made["frames"].items()}
    frames["world_places"].loc[0, "latitude"] += 1.0
    other = write_release(tmp_path / "other", frames)
    with pytest.raises(rel.ActivationReleaseError) as err:
        load_activation_layer(made["folder"], "world_places", 0, prompt="empty", data=other)
    one_line_error(err, "made against world_places revision", str(other))


def test_packaging_refuses_bad_activation_folders(made, tmp_path):
    data = made["data"]
    revision = dataset_identity(data)["dataset_revision"]
    ids = rows_of(made, "world_places")

    def refused(root: Path, *parts: str) -> None:
        with pytest.raises(rel.ActivationReleaseError) as err:
            rel.package_activations(root, SLUG, tmp_path / "never", data)
        one_line_error(err, *parts)
        assert not (tmp_path / "never").exists()

    # A layer file that no longer matches its manifest's checksum.
    bad = tmp_path / "corrupt"
    folder = write_folder(bad, SLUG, "world_places", "empty", ids, revision)
    (folder / store.layer_file(2)).write_bytes((folder / store.layer_file(2)).read_bytes()[:-4] + b"\0\0\0\0")
    refused(bad, str(folder / store.layer_file(2)), "sha256 does not match")
    # A missing layer file.
    (folder / store.layer_file(2)).unlink()
    refused(bad, str(folder / store.layer_file(2)), "missing")
    # Activations made against another revision of the data.
    stale = tmp_path / "stale"
    folder = write_folder(stale, SLUG, "world_places", "empty", ids, "data-sha256:" + "1" * 64)
    refused(stale, str(folder / "manifest.json"), "made against world_places revision 'data-sha256:111")
    # Two models under one slug.
    mixed = tmp_path / "mixed"
    write_folder(mixed, SLUG, "world_places", "empty", ids, revision)
    folder = write_folder(mixed, SLUG, "world_places", "coords", ids, revision, model="other/model")
    refused(mixed, str(folder / "manifest.json"), "a release holds one model", "'other/model'")
    # Rows that are not the dataset's entities.
    short = tmp_path / "short"
    folder = write_folder(short, SLUG, "world_places", "empty", ids[:-2], revision)
    refused(short, str(folder / "entity_ids.json"), "2 dataset entities have no activations")
    # A prompt name that would escape its folder or break config names.
    weird = tmp_path / "weird"
    folder = write_folder(weird, SLUG, "world_places", "a--b", ids, revision)
    refused(weird, str(folder / "manifest.json"), "not a plain name")


def test_an_interrupted_packaging_leaves_the_previous_release(made, tmp_path, monkeypatch):
    out = tmp_path / "releases" / SLUG
    rel.package_activations(made["root"] / "activations", SLUG, out, made["data"])
    before = {p: file_sha256(out / p) for p in rel.release_files(out)}
    calls = []

    def fail_on_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    real = rel.write_split
    monkeypatch.setattr(rel, "write_split", fail_on_fourth)
    with pytest.raises(KeyboardInterrupt):
        rel.package_activations(made["root"] / "activations", SLUG, out, made["data"], storage_dtype="float32")
    assert {p: file_sha256(out / p) for p in rel.release_files(out)} == before
    assert sorted(p.name for p in out.parent.iterdir()) == [SLUG]
    # Killed between the two renames of the swap: the next run puts the old release back, then replaces it.
    os.rename(out, out.with_name(f".{SLUG}.old"))
    monkeypatch.setattr(rel, "write_split", real)
    rel.package_activations(made["root"] / "activations", SLUG, out, made["data"], storage_dtype="float32")
    assert json.loads((out / "activations.json").read_text())["storage_dtype"] == "float32"
    assert sorted(p.name for p in out.parent.iterdir()) == [SLUG]


# --- the card -----------------------------------------------------------------------------------------------------


def front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("\n---\n", 1)[0][4:])


def test_card_configs_terms_and_results(made, tmp_path):
    from huggingface_hub import DatasetCard

    card = (made["folder"] / "README.md").read_text()
    meta = front_matter(card)
    assert meta["license"] == "other" and "interpretability" in meta["tags"]
    configs = {c["config_name"]: c["data_files"] for c in meta["configs"]}
    assert len(configs) == len(FOLDERS) * len(LAYERS)
    assert configs["world_places--coords--layer_004"] == [
        {"split": "train", "path": "data/world_places/coords/layer_004/train-*.parquet"},
        {"split": "test", "path": "data/world_places/coords/layer_004/test-*.parquet"},
    ]
    assert DatasetCard(card).data.license == "other"
    body = card.split("\n---\n", 1)[1]
    assert "blocks.\\{layer\\}.hook\\_resid\\_post" in body and "apache-2.0" in body and '| "What is " |' in body
    assert "GeoNames" in body or "DBpedia" in body  # the data's terms, from the datasets' specs
    # With a probe results.json of this model: the R^2-by-layer table and its plot, copied into the release.
    probes = tmp_path / "probes" / "tiny"
    (probes / "plots").mkdir(parents=True)
    (probes / "plots" / "world_places_r2_by_layer.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    per_layer = [{"layer": layer, "test": {"r2": 0.1 * layer}} for layer in LAYERS]
    results = {
        "config": {"model_name": MODEL, "model_sha": REVISION, "prompt": "empty"},
        "results": {"world_places": {"best_layer": 4, "per_layer": per_layer}},
    }
    (probes / "results.json").write_text(json.dumps(results))
    out = tmp_path / "with-results"
    rel.package_activations(
        made["root"] / "activations",
        SLUG,
        out,
        made["data"],
        results=probes / "results.json",
        leaderboard_url="https://example.org/board#tiny",
    )
    card = (out / "README.md").read_text()
    assert "| 4 | 0.4000* |" in card and "![world\\_places R^2 by layer](plots/world_places_r2_by_layer.png)" in card
    assert "(https://example.org/board#tiny)" in card
    assert (out / "plots" / "world_places_r2_by_layer.png").read_bytes().startswith(b"\x89PNG")
    assert "plots/world_places_r2_by_layer.png" in json.loads((out / "activations.json").read_text())["files"]
    results["config"]["model_name"] = "someone/else"
    (probes / "results.json").write_text(json.dumps(results))
    with pytest.raises(Exception) as err:
        rel.package_activations(made["root"] / "activations", SLUG, out, made["data"], results=probes / "results.json")
    one_line_error(err, str(probes / "results.json"), "not of this release's model")


def test_card_escapes_untrusted_strings(made, tmp_path):
    evil_model = 'evil/m<script>alert(1)</script>\n---\nlicense: mit\n"x": [1'
    evil_prompt = "</td><img src=x onerror=alert(1)> | [click](javascript:alert(1)) # `code`"
    root = tmp_path / "evil"
    write_model(root, made["data"], model=evil_model, prompt_text=evil_prompt)
    out = rel.package_activations(
        root / "activations",
        SLUG,
        tmp_path / "evil-release",
        made["data"],
        leaderboard_url="javascript:alert(1)",
        model_license="<b>x</b>\n---",
    )
    card = (out / "README.md").read_text()
    meta = front_matter(card)
    assert meta["license"] == "other" and set(meta) == {
        "license",
        "license_name",
        "license_details",
        "task_categories",
        "tags",
        "size_categories",
        "pretty_name",
        "configs",
    }
    assert meta["pretty_name"].startswith("evil/m<script>alert(1)</script> --- license: mit")
    body = card.split("\n---\n", 1)[1]
    for raw in ("<script", "<img", "<b>", "](javascript", "javascript:alert", "\n---", "| [click]"):
        assert raw not in body, raw
    assert "&lt;img src=x onerror=alert\\(1\\)&gt; \\| \\[click\\]" in body
    assert md_escape("a\nb|c<d>") == "a b\\|c&lt;d&gt;"


# --- materialising and probing ------------------------------------------------------------------------------------


def test_materialised_folder_is_a_store_folder_that_probe_reads(made, tmp_path):
    from spacetime.probing.probes.cli import probe

    folder = materialise_folder(made["folder"], "world_places", tmp_path / "acts", prompt="coords", data=made["data"])
    manifest = store.load_manifest(folder)
    ids = rows_of(made, "world_places")
    assert store.load_entity_ids(folder) == ids and manifest["layers"] == LAYERS and manifest["rows"] == 40
    assert manifest["model"] == MODEL and manifest["model_revision"] == REVISION and manifest["prompt"] == "coords"
    assert manifest["dataset_revision"] == dataset_identity(made["data"])["dataset_revision"]
    store.verify_folder(folder)
    store.check_layer(folder / store.layer_file(4), ids, "world_places", manifest["dataset_revision"])
    original = store.activation_folder(made["root"] / "activations", SLUG, "world_places", "coords")
    index = [store.load_entity_ids(original).index(e) for e in ids]
    assert np.array_equal(store.load_layer(folder, 4), store.load_layer(original, 4)[index])
    result = CliRunner().invoke(
        probe,
        [
            "--activations",
            str(folder),
            "--data",
            str(made["data"]),
            "--out",
            str(tmp_path),
            "--name",
            "m",
            "--no-plots",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads((Layout(tmp_path).probes("m") / "results.json").read_text())
    assert [p["layer"] for p in results["results"]["world_places"]["per_layer"]] == LAYERS


def probe_results(root: Path, name: str, *args: str) -> dict:
    from spacetime.probing.probes.cli import probe

    result = CliRunner().invoke(probe, [*args, "--out", str(root), "--name", name, "--no-plots"])
    assert result.exit_code == 0, result.output
    return json.loads((Layout(root).probes(name) / "results.json").read_text())["results"]


def test_probe_on_a_release_reproduces_the_probe_on_the_original_folders(made, tmp_path):
    data = ["--data", str(made["data"])]
    originals = [
        store.activation_folder(made["root"] / "activations", SLUG, "world_places", "empty"),
        store.activation_folder(made["root"] / "activations", SLUG, "historical_figures", "when"),
    ]
    expected = probe_results(tmp_path, "original", *data, *(a for f in originals for a in ("--activations", str(f))))
    got = probe_results(tmp_path, "release", *data, "--activations", str(made["folder"]))
    assert got == expected  # every layer's alpha, loss and metrics, to the last bit (world_places: its default prompt)
    # Activations made against other data are refused before any probe is fitted.
    other = write_release(tmp_path / "other", {"world_places": world_frame(40, np.random.default_rng(5))})
    result = CliRunner().invoke(
        main, ["probe", "--activations", str(made["folder"]), "--data", str(other), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1 and result.output.count("\n") <= 2 and "Error:" in result.output


# --- publishing ---------------------------------------------------------------------------------------------------


@pytest.fixture
def hub():
    with HubServer(token=TOKEN) as server:
        yield server


def test_dry_run_sends_nothing_and_a_release_that_does_not_verify_is_refused(made, hub, tmp_path):
    out: list[str] = []
    plan = publish_activation_release(made["folder"], REPO, endpoint=hub.url, token=TOKEN, echo=out.append)
    assert plan["dry_run"] and hub.requests == [] and len(plan["data_files"]) == 18
    assert plan["last_commit"] == ["README.md", "activations.json"] and "Dry run" in out[0]
    folder = copy_release(made, tmp_path)
    (folder / "data/stray.parquet").write_bytes(b"x")
    with pytest.raises(rel.ActivationReleaseError) as err:
        publish_activation_release(folder, REPO, yes=True, endpoint=hub.url, token=TOKEN, echo=out.append)
    one_line_error(err, str(folder / "data/stray.parquet"), "not listed")
    (folder / "data/stray.parquet").unlink()
    name = "data/historical_figures/when/layer_000/train-00000-of-00001.parquet"
    (folder / name).write_bytes(b"changed")
    with pytest.raises(rel.ActivationReleaseError) as err:
        publish_activation_release(folder, REPO, yes=True, endpoint=hub.url, token=TOKEN, echo=out.append)
    one_line_error(err, str(folder / name), "sha256 does not match")
    assert hub.requests == []


def test_publish_then_load_from_the_hub(made, hub, tmp_path, monkeypatch):
    out: list[str] = []
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    plan = publish_activation_release(made["folder"], REPO, yes=True, endpoint=hub.url, echo=out.append)
    head = hub.repo(REPO).head
    local = {p: (made["folder"] / p).read_bytes() for p in rel.release_files(made["folder"])}
    assert {p: d for p, d in head.files.items() if p != ".gitattributes"} == local
    assert plan["commit_oid"] == head.oid and head.added == ["README.md", "activations.json"]
    assert TOKEN not in "\n".join(out)
    # Publishing again sends no file content: everything is already there.
    before = len(hub.requests)
    publish_activation_release(made["folder"], REPO, yes=True, endpoint=hub.url, echo=out.append)
    assert all(b'"key": "file"' not in r.body and b'"key":"file"' not in r.body for r in hub.requests[before:])
    # Reading one layer back through huggingface_hub and datasets, from the server.
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    layer = load_activation_layer(REPO, "world_places", 4, prompt="empty", data=made["data"])
    assert layer.entity_ids == rows_of(made, "world_places") and (layer.values[:, 1] == 4).all()
    fetched = {p.relative_to(layer.folder).as_posix() for p in layer.folder.rglob("*") if p.is_file()}
    # `spacetime probe` on the Hub repo gives what it gives on the local release.
    local = probe_results(tmp_path / "local", "p", "--activations", str(made["folder"]), "--data", str(made["data"]))
    remote = probe_results(tmp_path / "remote", "p", "--activations", REPO, "--data", str(made["data"]))
    assert remote == local
    assert fetched == {
        "README.md",
        "activations.json",
        "data/world_places/empty/layer_004/train-00000-of-00001.parquet",
        "data/world_places/empty/layer_004/test-00000-of-00001.parquet",
    }


PUBLISH_SCRIPT = """
import sys
from spacetime.probing.artifacts.publish import publish_activation_release
publish_activation_release(sys.argv[1], sys.argv[2], yes=True, endpoint=sys.argv[3], files_per_commit=2)
"""


def committed_paths(body: bytes) -> list[str]:
    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    return [line["value"]["path"] for line in lines if line["key"] == "file"]


def test_a_killed_publish_resumes_without_sending_committed_files_again(made, hub, tmp_path):
    env = {**os.environ, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": str(Path.cwd())}
    hub.stall["commit"] = 0.5
    command = [sys.executable, "-c", PUBLISH_SCRIPT, str(made["folder"]), REPO, hub.url]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if ("dataset", REPO) in hub.repos and len(hub.repo(REPO).commits) >= 4:
                break
            time.sleep(0.05)
        assert process.poll() is None, process.stdout.read().decode()
        process.kill()
    finally:
        process.kill()
        process.wait()
    time.sleep(1.0)  # a commit in flight when the client died still lands, as on the Hub
    repo = hub.repo(REPO)
    landed = set(repo.head.files) - {".gitattributes"}
    assert 6 <= len(landed) < 18 and "activations.json" not in landed  # the metadata only ever comes last
    sent_before = [p for r in hub.calls("POST", "/commit/") for p in committed_paths(r.body)]
    assert sorted(sent_before) == sorted(landed)
    hub.stall.clear()
    before = len(hub.requests)
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    resent = [
        p for r in hub.requests[before:] if r.method == "POST" and "/commit/" in r.path for p in committed_paths(r.body)
    ]
    assert not set(resent) & landed
    assert sorted(resent) == sorted(set(rel.release_files(made["folder"])) - landed)
    local = {p: (made["folder"] / p).read_bytes() for p in rel.release_files(made["folder"])}
    assert {p: d for p, d in repo.head.files.items() if p != ".gitattributes"} == local


def test_publish_command_is_a_dry_run_by_default_and_errors_are_one_line(made, hub):
    base = ["publish-activations", SLUG, "--out", str(made["root"]), "--endpoint", hub.url]
    result = CliRunner().invoke(main, [*base, "--repo-id", REPO])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was sent" in result.output and "18 data files" in result.output and hub.requests == []
    result = CliRunner().invoke(main, [*base, "--repo-id", "not a repo"])
    assert result.exit_code == 1 and result.output.count("Error:") == 1 and "ORG/NAME" in result.output
    result = CliRunner().invoke(main, [*base, "--repo-id", REPO, "--yes"])
    assert result.exit_code == 1 and "set HF_TOKEN" in result.output and hub.requests == []


def test_card_reads_leaderboard_results_files_too(tmp_path):
    from spacetime.probing.artifacts.card import read_results

    per_layer = [{"layer": 0, "r2,test": 0.25}, {"layer": 2, "r2,test": 0.5}]
    path = tmp_path / "results_x.json"
    path.write_text(
        json.dumps(
            {
                "config": {"model_name": MODEL, "model_sha": REVISION},
                "results": {"world_places": {"best_layer": 2, "prompt": "empty", "per_layer": per_layer}},
            }
        )
    )
    summary = read_results(path, {"model": MODEL, "model_revision": REVISION})
    assert summary["datasets"]["world_places"] == {
        "prompt": "empty",
        "best_layer": 2,
        "r2_by_layer": {"0": 0.25, "2": 0.5},
    }
    assert summary["plots"] == {}


def test_card_takes_a_controls_results_for_the_controls_release_only(tmp_path):
    from spacetime.probing.artifacts.card import read_results

    path = tmp_path / "results_control.json"
    config = {"model_name": f"{MODEL}-random-init-seed0", "base_model": "smollm2", "model_sha": REVISION}
    results = {"world_places": {"best_layer": 0, "per_layer": [{"layer": 0, "r2,test": 0.1}]}}
    path.write_text(json.dumps({"config": {**config, "kind": "random_init"}, "results": results}))
    control = {
        "model": MODEL,
        "model_slug": f"{SLUG}-random-init-seed0",
        "model_revision": REVISION,
        "random_init": True,
    }
    assert read_results(path, control)["datasets"]["world_places"]["r2_by_layer"] == {"0": 0.1}
    with pytest.raises(SpacetimeError, match="not of this release's model"):
        read_results(path, {"model": MODEL, "model_slug": SLUG, "model_revision": REVISION})  # the trained model's
