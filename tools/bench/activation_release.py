"""Packaging and loading an activation release at Llama-2-7B's width, against the same bytes copied and read plainly.

One synthetic activation folder of a 7B-shaped model (default 40,000 world places x 4,096 dims x 4 layers, float16
as the store keeps it) and a synthetic entity release of the same places. Measured, each in a fresh process so that
peak memory is its own:

- ``copy``: ``shutil.copyfile`` of the folder's layer files (the baseline: the same bytes, no conversion);
- ``package``: ``package_activations`` (Parquet shards per layer and split, sha256 of every file, card, metadata);
  its throughput in activation bytes per second against the copy's (goal: at least 0.5x), and its peak RSS above a
  process that only imports the same modules, against one layer's bytes (goal: one layer plus a constant);
- ``load``: one layer back from the release (``load_activation_layer``: sha256 verified, aligned, float32) against
  ``store.load_layer`` on the local safetensors (each a layer the other has not read).

Run from the repository root: ``python -m tools.bench.activation_release [--rows 40000 --hidden 4096 --layers 4]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

SLUG = "bench--llama-2-7b-shape"
IMPORTS = (
    "import numpy, pyarrow, pyarrow.parquet, torch, datasets, safetensors;"
    "import spacetime.probing.artifacts.release, spacetime.probing.artifacts.load"
)


def make_inputs(root: Path, rows: int, hidden: int, layers: int, seed: int = 0) -> Path:
    """An entity release of ``rows`` world places and one activation folder of ``layers`` float16 layers."""
    import torch

    from spacetime.loaders.identity import dataset_identity
    from spacetime.loaders.load import probing_data
    from spacetime.probing.extraction import store
    from tests.synthetic import world_frame, write_release

    rng = np.random.default_rng(seed)
    data = write_release(root, {"world_places": world_frame(rows, rng)})
    ids = list(probing_data(data, "world_places").entity_ids)
    folder = store.activation_folder(root / "activations", SLUG, "world_places", "empty")
    run = {
        "model": "bench/llama-2-7b-shape",
        "model_slug": SLUG,
        "model_revision": "0" * 40,
        "model_dtype": "bfloat16",
        "random_init": True,
        "seed": seed,
        "dataset": "world_places",
        "dataset_repo": "llm-spacetime/llm-spacetime",
        "dataset_revision": dataset_identity(data)["dataset_revision"],
        "prompt": "empty",
        "prompt_text": "",
        "read_position": "last token of the entity",
        "activation": "residual stream after each decoder block (block output; no final norm)",
        "layers": list(range(layers)),
        "num_model_layers": 32,
        "rows": rows,
        "hidden_size": hidden,
        "hook_point": store.HOOK_POINT,
        "entity_ids_sha256": store.entity_ids_sha256(ids),
    }
    for layer in range(layers):
        values = torch.from_numpy(rng.standard_normal((rows, hidden), dtype=np.float32)).to(torch.float16)
        store.save_tensors_atomic(
            folder / store.layer_file(layer), {store.TENSOR: values}, store.layer_metadata(run, layer)
        )
        del values
    store.finish_folder(folder, f"bench-{rows}-{hidden}-{layers}", ids, list(range(layers)), run)
    return data


def _child(code: str) -> dict[str, Any]:
    """Run ``code`` (which prints one JSON object) in a fresh interpreter; its result and its peak RSS in bytes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # ru_maxrss of the children is the largest of any child so far: only a new maximum is this child's own.
    result["peak_rss"] = peak_kb * 1024 if peak_kb > before else None
    return result


def release_benchmark(rows: int = 40_000, hidden: int = 4_096, layers: int = 4, work: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        root = Path(tmp)
        data = make_inputs(root, rows, hidden, layers)
        folder = root / "activations" / SLUG / "world_places" / "empty"
        layer_bytes = [p.stat().st_size for p in sorted(folder.glob("layer_*.safetensors"))]
        # The import-only process first: the smallest peak, so the later children's peaks register as new maxima.
        imports = _child(f"{IMPORTS}; import json; print(json.dumps({{}}))")
        copy = _child(
            "import json, shutil, time, pathlib;"
            f"src = pathlib.Path({str(folder)!r}); dst = pathlib.Path({str(root / 'copy')!r}); dst.mkdir();"
            "t = time.perf_counter();"
            "[shutil.copyfile(p, dst / p.name) for p in sorted(src.glob('layer_*.safetensors'))];"
            "print(json.dumps({'seconds': time.perf_counter() - t}))"
        )
        package = _child(
            f"{IMPORTS}; import json, time, pathlib;"
            "from spacetime.probing.artifacts.release import package_activations;"
            "t = time.perf_counter();"
            f"package_activations(pathlib.Path({str(root / 'activations')!r}), {SLUG!r},"
            f" pathlib.Path({str(root / 'release-act')!r}), {str(data)!r});"
            "print(json.dumps({'seconds': time.perf_counter() - t}))"
        )
        release = str(root / "release-act")
        load = _child(
            f"{IMPORTS}; import json, time, pathlib;"
            "from spacetime.probing.artifacts.load import load_activation_layer;"
            "from spacetime.probing.extraction import store;"
            f"t = time.perf_counter(); store.load_layer(pathlib.Path({str(folder)!r}), 0, as_='numpy');"
            "local = time.perf_counter() - t; t = time.perf_counter();"
            f"load_activation_layer(pathlib.Path({release!r}), 'world_places', 1);"
            "print(json.dumps({'local_seconds': local, 'release_seconds': time.perf_counter() - t}))"
        )
        released = sum(p.stat().st_size for p in (root / "release-act").rglob("*.parquet"))
    total = sum(layer_bytes)
    result = {
        "rows": rows,
        "hidden": hidden,
        "layers": layers,
        "layer_bytes": layer_bytes[0],
        "activation_bytes": total,
        "release_parquet_bytes": released,
        "copy_seconds": copy["seconds"],
        "package_seconds": package["seconds"],
        "copy_mb_per_s": total / copy["seconds"] / 1e6,
        "package_mb_per_s": total / package["seconds"] / 1e6,
        "package_vs_copy": copy["seconds"] / package["seconds"],
        "imports_peak_rss": imports["peak_rss"],
        "package_peak_rss": package["peak_rss"],
        "load_local_seconds": load["local_seconds"],
        "load_release_seconds": load["release_seconds"],
    }
    if package["peak_rss"] and imports["peak_rss"]:
        result["package_extra_rss_in_layers"] = (package["peak_rss"] - imports["peak_rss"]) / layer_bytes[0]
    return result


def summary_line(result: dict[str, Any]) -> str:
    extra = result.get("package_extra_rss_in_layers")
    return (
        f"{result['rows']:,} rows x {result['hidden']} x {result['layers']} layers "
        f"({result['activation_bytes'] / 1e9:.2f} GB): package {result['package_mb_per_s']:.0f} MB/s vs copy "
        f"{result['copy_mb_per_s']:.0f} MB/s = {result['package_vs_copy']:.2f}x (goal 0.5); peak "
        + (f"{extra:.2f} layers above imports" if extra is not None else "n/a")
        + f"; one layer: from the release {result['load_release_seconds']:.2f} s (verified, aligned, float32), "
        f"local safetensors {result['load_local_seconds']:.2f} s"
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--hidden", type=int, default=4_096)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--work", type=Path, default=None, help="folder for the temporary files (GBs)")
    args = parser.parse_args(argv)
    from spacetime.progress import quiet_library_progress

    quiet_library_progress()
    result = release_benchmark(args.rows, args.hidden, args.layers, args.work)
    print(summary_line(result))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":  # pragma: no cover
    main()
