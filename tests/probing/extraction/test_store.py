"""Activation folders end to end on a tiny model: layout, manifest, one-layer reads, resume, data-parallel, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from spacetime.layout import Layout
from spacetime.probing.extraction import store
from spacetime.probing.extraction.cli import activations
from spacetime.probing.extraction.entities import read_entities
from spacetime.probing.extraction.forward import encode_rows, extract
from spacetime.probing.extraction.models import load_model
from spacetime.probing.extraction.prompts import get_prompt
from spacetime.probing.extraction.run import extract_to_folder
from tests.tiny import tiny_model, tiny_tokenizer

NAMES = [
    "Paris",
    "São Paulo",
    "Golden Gate Bridge",
    "Xi'an",
    "Łódź",
    "Saint Petersburg",
    "Kathmandu",
    "Oslo",
    "Mount Everest",
    "New Orleans",
    "Reykjavík",
    "Lima",
    "Kraków",
    "Zürich",
    "Ōsaka",
    "Accra",
]
ROWS = 30
SHARD_ROWS = 8  # 4 shards
BATCH_TOKENS = 64  # 2-4 rows per batch


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-llama")
    tok = tiny_tokenizer(bos=True)
    tiny_model("llama", len(tok), seed=5).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def data_path(tmp_path_factory) -> Path:
    """Rows deliberately not sorted by length, ids not sorted either."""
    path = tmp_path_factory.mktemp("data") / "data.parquet"
    names = [f"{NAMES[i % len(NAMES)]}{' Hills' * (i % 3)}" for i in range(ROWS)]
    ids = [f"Q{(i * 7919) % 1000:03d}_{i}" for i in range(ROWS)]
    pd.DataFrame({"entity_id": ids, "name": names, "latitude": np.linspace(-60, 60, ROWS)}).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def loaded(model_dir):
    return load_model(str(model_dir))


def run(loaded, data_path, out, layers=(0, 2), **kwargs):
    rows = read_entities("world_places", data_path, ["name"])
    return extract_to_folder(
        loaded,
        rows,
        get_prompt("world_places", "coords"),
        list(layers),
        out,
        batch_tokens=BATCH_TOKENS,
        shard_rows=SHARD_ROWS,
        progress=False,
        echo=lambda s: None,
        **kwargs,
    )


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def reference_folder(loaded, data_path, tmp_path_factory) -> Path:
    return run(loaded, data_path, tmp_path_factory.mktemp("ref"))


def test_folder_layout_and_manifest(reference_folder, data_path):
    names = sorted(p.name for p in reference_folder.iterdir())
    assert names == ["entity_ids.json", "layer_000.safetensors", "layer_002.safetensors", "manifest.json"]
    assert reference_folder.parts[-3:] == (reference_folder.parts[-3], "world_places", "coords")
    manifest = store.load_manifest(reference_folder)
    assert manifest["layers"] == [0, 2] and manifest["rows"] == ROWS and manifest["hidden_size"] == 32
    assert manifest["num_model_layers"] == 3 and manifest["model_dtype"] == "float32"
    assert manifest["prompt"] == "coords"
    assert manifest["prompt_text"] == "What are the lat/lon coordinates of {name}"
    assert manifest["storage"]["dtype"] == "float16"
    assert manifest["extraction"]["cached_prefix_tokens"] >= 5
    assert manifest["extraction"]["prefix_cache_skipped"] is None
    assert manifest["model_revision"].startswith("files-sha256:")
    assert manifest["dataset_path"] == str(data_path.resolve())
    assert len(manifest["dataset_rows_sha256"]) == 64 and manifest["random_init"] is False
    assert set(manifest["files"]) == {"entity_ids.json", "layer_000.safetensors", "layer_002.safetensors"}
    store.verify_folder(reference_folder)
    ids = pd.read_parquet(data_path)["entity_id"].tolist()
    assert store.load_entity_ids(reference_folder) == ids  # the dataset's order, not sorted


def test_layer_files_describe_themselves(reference_folder, data_path, tmp_path):
    ids = pd.read_parquet(data_path)["entity_id"].tolist()
    manifest = store.load_manifest(reference_folder)
    path = reference_folder / store.layer_file(2)
    meta = store.check_layer(path, ids, dataset="world_places")
    assert meta == {
        "format": store.FORMAT,
        "model": manifest["model"],
        "model_revision": manifest["model_revision"],
        "random_init": "false",
        "layer": "2",
        "hook_point": "blocks.2.hook_resid_post",
        "dataset": "world_places",
        "dataset_revision": "",  # a bare Parquet file has none
        "prompt": "coords",
        "rows": str(ROWS),
        "entity_ids_sha256": store.entity_ids_sha256(ids),
    }
    assert manifest["entity_ids_sha256"] == store.entity_ids_sha256(ids)
    assert store.read_layer_metadata(reference_folder / store.layer_file(0))["hook_point"] == "blocks.0.hook_resid_post"
    # The file alone (no manifest, no entity_ids.json beside it) is checked against a dataset.
    alone = tmp_path / "alone.safetensors"
    alone.write_bytes(path.read_bytes())
    swapped = [ids[1], ids[0], *ids[2:]]
    with pytest.raises(ValueError, match="not the dataset's entity ids in the dataset's order"):
        store.check_layer(alone, swapped)
    with pytest.raises(ValueError, match=r"rows is '30', the dataset's is '29'"):
        store.check_layer(alone, ids[:-1])
    with pytest.raises(ValueError, match="dataset is 'world_places', the dataset's is 'us_places'"):
        store.check_layer(alone, ids, dataset="us_places")
    with pytest.raises(ValueError, match="dataset_revision is '', the dataset's is 'v1.0'"):
        store.check_layer(alone, ids, dataset_revision="v1.0")


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_parquet_export_loads_with_datasets_row_aligned(reference_folder, data_path, tmp_path, dtype):
    import datasets

    path = store.export_parquet(reference_folder, 2, tmp_path / "layer_002.parquet", dtype=dtype)
    loaded = datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))
    assert loaded.column_names == ["entity_id", "activation"]
    assert loaded["entity_id"] == pd.read_parquet(data_path)["entity_id"].tolist()
    feature = loaded.features["activation"]
    assert feature.length == 32 and feature.feature.dtype == dtype
    values = loaded.data.column("activation").combine_chunks().flatten().to_numpy().reshape(ROWS, 32)
    assert values.dtype == np.dtype(dtype)
    assert np.array_equal(values, store.load_layer(reference_folder, 2).astype(dtype))
    with pytest.raises(ValueError, match="dtype must be"):
        store.export_parquet(reference_folder, 2, tmp_path / "x.parquet", dtype="int8")


def test_stored_rows_match_the_extractor_in_dataset_order(reference_folder, loaded, data_path):
    frame = pd.read_parquet(data_path)
    encoded = encode_rows(loaded.tokenizer, get_prompt("world_places", "coords"), frame[["name"]].to_dict("records"))
    want = extract(loaded.model, loaded.tokenizer, encoded, [0, 2], batch_tokens=1)  # one row per batch
    for layer in (0, 2):
        stored = store.load_layer(reference_folder, layer, as_="torch")
        assert stored.dtype == torch.float16 and stored.shape == (ROWS, 32)
        torch.testing.assert_close(stored, want[layer].to(torch.float16), rtol=0, atol=2e-3)
        as_numpy = store.load_layer(reference_folder, layer)
        assert isinstance(as_numpy, np.ndarray) and as_numpy.dtype == np.float16
        assert np.array_equal(as_numpy, stored.numpy())


def test_one_layer_loads_without_the_others(reference_folder, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("manifest.json", "entity_ids.json", "layer_002.safetensors"):
        (copy / name).write_bytes((reference_folder / name).read_bytes())
    (copy / "layer_000.safetensors").write_bytes(b"not a safetensors file")  # never opened for layer 2
    assert np.array_equal(store.load_layer(copy, 2), store.load_layer(reference_folder, 2))
    with pytest.raises(FileNotFoundError, match=r"no layer 1 \(stored layers: \[0, 2\]\)"):
        store.load_layer(copy, 1)
    with pytest.raises(ValueError, match="layer_000.safetensors: sha256"):
        store.verify_folder(copy)


def test_disk_estimate_is_exact(reference_folder):
    for layer in (0, 2):
        path = reference_folder / store.layer_file(layer)
        header = int.from_bytes(path.read_bytes()[:8], "little")
        assert path.stat().st_size - 8 - header == ROWS * 32 * 2


def test_as_dataset(reference_folder):
    ds = store.as_dataset(reference_folder, 2)
    assert ds.column_names == ["entity_id", "activation"] and len(ds) == ROWS
    assert ds.features["activation"].length == 32
    assert ds[3]["entity_id"] == store.load_entity_ids(reference_folder)[3]
    values = ds.with_format("numpy")["activation"]
    assert np.array_equal(np.asarray(values), store.load_layer(reference_folder, 2))


def test_a_killed_run_resumes_at_the_first_unfinished_shard_with_identical_bytes(
    loaded, data_path, reference_folder, tmp_path
):
    full = []
    run(loaded, data_path, tmp_path / "count", on_batch=full.append)
    total = len(full)

    def die_after(n):
        def hook(done):
            if done == n:
                raise KeyboardInterrupt

        return hook

    with pytest.raises(KeyboardInterrupt):
        run(loaded, data_path, tmp_path / "resumed", on_batch=die_after(total // 2))
    folder = tmp_path / "resumed" / reference_folder.relative_to(reference_folder.parents[2])
    assert not (folder / "manifest.json").exists()
    shards = list(folder.glob(".shards-*/shard-*.safetensors"))
    assert 0 < len(shards) < 4 and not list(folder.glob(".shards-*/*.tmp"))

    again = []
    assert run(loaded, data_path, tmp_path / "resumed", on_batch=again.append) == folder
    assert 0 < len(again) < total  # the finished shards were not recomputed
    assert folder_bytes(folder) == folder_bytes(reference_folder)
    assert not list(folder.glob(".shards-*"))

    skipped = []
    run(loaded, data_path, tmp_path / "resumed", on_batch=skipped.append)
    assert skipped == []  # complete: nothing to do


def test_shards_of_another_run_are_not_reused(loaded, data_path, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run(loaded, data_path, tmp_path, layers=(0, 1), on_batch=lambda n: (_ for _ in ()).throw(KeyboardInterrupt))
    batches = []
    folder = run(loaded, data_path, tmp_path, layers=(0, 2), on_batch=batches.append)
    assert store.load_manifest(folder)["layers"] == [0, 2]
    assert len(list(folder.glob("layer_*.safetensors"))) == 2
    full = []
    run(loaded, data_path, tmp_path / "fresh", layers=(0, 2), on_batch=full.append)
    assert len(batches) == len(full)


def test_cli_writes_the_same_folder(model_dir, data_path, reference_folder, tmp_path):
    result = CliRunner().invoke(
        activations,
        [
            "--model",
            str(model_dir),
            "world_places",
            "--prompt",
            "coords",
            "--layers",
            "0,-1",
            "--out",
            str(tmp_path),
            "--data",
            str(data_path),
            "--batch-tokens",
            str(BATCH_TOKENS),
            "--shard-rows",
            str(SHARD_ROWS),
            "--device",
            "cpu",
            "--no-progress",
            "--export-parquet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"disk: 2 x {ROWS} rows x 32 x 2 B = 3.8 KB" in result.output
    assert "estimated time:" in result.output
    folder = Layout(tmp_path).activations / model_dir.name / "world_places" / "coords"
    assert f"activations: {folder}" in result.output
    assert folder_bytes(folder) == folder_bytes(reference_folder)
    assert sorted(p.name for p in (folder / "parquet").iterdir()) == ["layer_000.parquet", "layer_002.parquet"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--layers", "3"], "out of range for 3 layers"),
        (["--layers", "0:9"], "'0:9' is out of range for 3 layers"),
        (["--layers", "x"], "cannot parse 'x'"),
        (["--prompt", "when_did"], "no prompt 'when_did'"),
    ],
)
def test_cli_rejects_bad_options(model_dir, data_path, tmp_path, args, message):
    result = CliRunner().invoke(
        activations,
        [
            "--model",
            str(model_dir),
            "world_places",
            "--out",
            str(tmp_path),
            "--data",
            str(data_path),
            "--device",
            "cpu",
            *args,
        ],
    )
    assert result.exit_code == 2 and message in result.output


def test_bad_dataset_rows_are_named(tmp_path):
    path = tmp_path / "data.parquet"
    pd.DataFrame({"entity_id": ["a", "b", "a"], "name": ["x", "y", "z"]}).to_parquet(path)
    with pytest.raises(ValueError, match=r"duplicate entity_id\(s\) \['a'\]"):
        read_entities("world_places", path, ["name"])
    pd.DataFrame({"entity_id": ["a", "b"], "name": ["x", " "]}).to_parquet(path)
    with pytest.raises(ValueError, match=r"column 'name' is empty in 1 row\(s\), e.g. rows \[1\]"):
        read_entities("world_places", path, ["name"])
    with pytest.raises(ValueError, match="lacks column"):
        read_entities("art_entertainment", path, ["name", "creator"])
    with pytest.raises(FileNotFoundError, match="spacetime build headlines"):
        read_entities("headlines", tmp_path / "missing.parquet", ["name"])


def test_data_parallel_with_two_processes_gives_the_same_bytes(model_dir, data_path, reference_folder, tmp_path):
    """Two CPU processes over gloo, launched by accelerate; each writes its own shards, rank 0 merges."""
    accelerate = Path(sys.executable).with_name("accelerate")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        str(accelerate),
        "launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "spacetime.probing.extraction.cli",
        "--model",
        str(model_dir),
        "world_places",
        "--prompt",
        "coords",
        "--layers",
        "0,2",
        "--out",
        str(tmp_path),
        "--data",
        str(data_path),
        "--batch-tokens",
        str(BATCH_TOKENS),
        "--shard-rows",
        str(SHARD_ROWS),
        "--device",
        "cpu",
        "--no-progress",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "shards: 2 of 4 to do in this process (2 process(es))" in proc.stdout
    folder = Layout(tmp_path).activations / model_dir.name / "world_places" / "coords"
    assert folder_bytes(folder) == folder_bytes(reference_folder)


def test_a_second_run_into_a_folder_in_use_stops_naming_the_first(loaded, data_path, tmp_path):
    from spacetime.common import folder_in_use
    from spacetime.errors import SpacetimeError

    folder = store.activation_folder(tmp_path, loaded.slug, "world_places", "coords")
    with folder_in_use(folder, "a first extraction"):
        with pytest.raises(SpacetimeError, match=rf"is in use by PID {os.getpid()} \(spacetime activations\)"):
            run(loaded, data_path, tmp_path)
        assert not folder.exists() or not any(folder.iterdir())  # the second run wrote nothing
    assert run(loaded, data_path, tmp_path) == folder  # released: the next run goes ahead
