"""Which number format an activation release should store: bytes per layer and the change in test R^2.

Three formats of one layer, each written as the release writes a layer (a Parquet column of fixed-size lists, the
same compression) and read back:

- ``float16``: the activation store's own format (the reference here: the store keeps float16);
- ``bfloat16``: the same values rounded to bfloat16 (8 bits of mantissa instead of 11; Arrow has no bfloat16 type,
  so the bits travel as uint16 and a reader must reinterpret them);
- ``int8``: symmetric per-channel quantisation (one float32 scale per hidden dimension, max |x| / 127 over the
  layer's rows), what the paper's code stored.

For each, a ridge probe per layer (:class:`RidgeLOO`, the same alphas and split as ``spacetime probe``) is fitted on the
decoded values and scored on the test split; reported: bytes per layer, and the largest change in test R^2 over the
layers against float16, and at the layer float16 picks.

Inputs: an activation folder of the sample (``spacetime activations world_places``) and its release, and a
random-init model of Llama-2-7B's width (4,096; fewer layers, on the CPU) extracted over the same places.

Run: ``python -m tools.bench.activation_storage --folder OUT/activations/<model>/world_places/empty --data OUT/release``
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = ("float16", "bfloat16", "int8")
COMPRESSION = "zstd"


# --- the three formats --------------------------------------------------------------------------------------------


def bfloat16_bits(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (uint16), rounded to nearest even as torch does."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + np.uint32(0x7FFF)
    return ((bits + rounding) >> 16).astype(np.uint16)


def from_bfloat16_bits(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def int8_per_channel(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel int8: ``q = round(x / scale)``, ``scale = max|x| / 127`` per column (1 for a zero one)."""
    values = np.asarray(values, dtype=np.float32)
    scale = np.abs(values).max(axis=0) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(values / scale), -127, 127).astype(np.int8), scale


def encode(values: np.ndarray, fmt: str) -> tuple[Any, dict[str, Any]]:
    """The stored column values and the side data (scales) of one layer in ``fmt``."""
    if fmt == "float16":
        return values.astype(np.float16), {}
    if fmt == "bfloat16":
        return bfloat16_bits(values), {}
    if fmt == "int8":
        q, scale = int8_per_channel(values)
        return q, {"scale": scale}
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def decode(stored: np.ndarray, fmt: str, side: dict[str, Any]) -> np.ndarray:
    if fmt == "float16":
        return stored.astype(np.float32)
    if fmt == "bfloat16":
        return from_bfloat16_bits(stored)
    return stored.astype(np.float32) * side["scale"]


def parquet_bytes(entity_ids: list[str], stored: np.ndarray, side: dict[str, Any]) -> tuple[int, np.ndarray]:
    """Write one layer as a Parquet table (entity_id, activation as a fixed-size list) and read it back: its size in
    bytes and the stored values as read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, hidden = stored.shape
    column = pa.FixedSizeListArray.from_arrays(pa.array(stored.reshape(-1)), hidden)
    table = pa.table({"entity_id": pa.array(entity_ids, pa.string()), "activation": column})
    metadata = {b"scale": np.asarray(side["scale"]).tobytes()} if "scale" in side else {}
    table = table.replace_schema_metadata(metadata)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=COMPRESSION)
    size = sink.tell()
    back = pq.read_table(io.BytesIO(sink.getvalue()))
    flat = back.column("activation").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return size, flat.reshape(rows, hidden)


# --- the comparison -----------------------------------------------------------------------------------------------


def compare_formats(
    layers: dict[int, np.ndarray],
    entity_ids: list[str],
    targets: np.ndarray,
    split: np.ndarray,
    target_names: list[str],
) -> dict[str, Any]:
    """Bytes per layer and test R^2 per layer of each format, against float16 (layers are float32 arrays holding
    float16 values, as the store keeps them)."""
    from spacetime.probing.probes.metrics import score_predictions
    from spacetime.probing.probes.ridge import DEFAULT_ALPHAS, RidgeLOO

    train, test = split == "train", split == "test"
    out: dict[str, Any] = {fmt: {"bytes": [], "r2": [], "seconds": 0.0} for fmt in FORMATS}
    for _layer, values in sorted(layers.items()):
        for fmt in FORMATS:
            started = time.perf_counter()
            stored, side = encode(values, fmt)
            size, read_back = parquet_bytes(entity_ids, stored, side)
            decoded = decode(read_back, fmt, side).astype(np.float64)
            out[fmt]["seconds"] += time.perf_counter() - started
            ridge = RidgeLOO(DEFAULT_ALPHAS).fit(decoded[train], targets[train])
            pred = ridge.predict(decoded[test]).reshape(int(test.sum()), -1)
            out[fmt]["bytes"].append(size)
            out[fmt]["r2"].append(score_predictions(targets[test], pred, target_names, proximity=False)["r2"])
    reference = np.asarray(out["float16"]["r2"])
    best = int(np.argmax(reference))
    for fmt in FORMATS:
        r2 = np.asarray(out[fmt]["r2"])
        out[fmt]["bytes_per_layer"] = float(np.mean(out[fmt]["bytes"]))
        out[fmt]["max_abs_r2_change"] = float(np.max(np.abs(r2 - reference)))
        out[fmt]["r2_change_at_best_float16_layer"] = float(r2[best] - reference[best])
    out["layers"] = sorted(layers)
    out["rows"], out["hidden"] = len(entity_ids), int(next(iter(layers.values())).shape[1])
    return out


def sample_layers(folder: Path, data: str) -> tuple[dict[int, np.ndarray], list[str], np.ndarray, np.ndarray, list]:
    """Every stored layer of an activation folder, aligned with the released dataset's rows."""
    from spacetime.loaders.load import probing_data
    from spacetime.probing.extraction import store

    manifest = store.load_manifest(folder)
    probing = probing_data(data, manifest["dataset"])
    index = store.align_rows(store.load_entity_ids(folder), probing.entity_ids, str(folder))
    layers = {
        layer: np.asarray(store.load_layer(folder, layer, as_="numpy"), dtype=np.float32)[index]
        for layer in manifest["layers"]
    }
    targets = np.asarray(probing.targets, dtype=np.float64)
    return layers, list(probing.entity_ids), targets, np.asarray(probing.split), list(probing.target_names)


def wide_random_layers(
    data: str, rows: int, layers: int, hidden: int = 4096, intermediate: int = 11008, seed: int = 0
) -> tuple[dict[int, np.ndarray], list[str], np.ndarray, np.ndarray, list]:
    """A random-init model of Llama-2-7B's width (``layers`` blocks) over the first ``rows`` world places of the
    release (both splits kept in proportion), on the CPU in float32, stored as float16 like the store does."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig

    from spacetime.loaders.load import load_config, probing_data
    from spacetime.probing.extraction.forward import encode_rows, extract
    from spacetime.probing.extraction.models import embedded_model_folder, random_init_model
    from spacetime.probing.extraction.prompts import get_prompt

    probing = probing_data(data, "world_places")
    pick = np.random.default_rng(seed).permutation(len(probing.entity_ids))[:rows]
    pick.sort()
    ds = load_config(data, "world_places")
    name_of = {e: n for split in ds for e, n in zip(ds[split]["entity_id"], ds[split]["name"])}
    names = [name_of[probing.entity_ids[i]] for i in pick]
    tok = AutoTokenizer.from_pretrained(embedded_model_folder())
    config = LlamaConfig(
        hidden_size=hidden,
        intermediate_size=intermediate,
        num_hidden_layers=layers,
        num_attention_heads=32,
        num_key_value_heads=32,
        vocab_size=len(tok),
    )
    model = random_init_model(config, seed, torch.float32, "cpu").eval()
    encoded = encode_rows(tok, get_prompt("world_places", "empty"), [{"name": n} for n in names])
    acts = extract(model, tok, encoded, list(range(layers)))
    stored = {layer: values.to(torch.float16).float().numpy() for layer, values in acts.items()}
    targets = np.asarray(probing.targets, dtype=np.float64)[pick]
    ids = [probing.entity_ids[i] for i in pick]
    return stored, ids, targets, np.asarray(probing.split)[pick], list(probing.target_names)


def storage_benchmark(folder: Path, data: str, wide_rows: int = 1500, wide_layers: int = 2) -> dict[str, Any]:
    results = {"sample": compare_formats(*sample_layers(folder, data))}
    if wide_rows:
        started = time.perf_counter()
        wide = wide_random_layers(data, wide_rows, wide_layers)
        results["wide_random_init"] = compare_formats(*wide)
        results["wide_random_init"]["extract_seconds"] = time.perf_counter() - started
    return results


def summary_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    for name, result in results.items():
        lines.append(f"{name}: {result['rows']} rows x {result['hidden']} dims, {len(result['layers'])} layers")
        for fmt in FORMATS:
            r = result[fmt]
            lines.append(
                f"  {fmt:>8}: {r['bytes_per_layer'] / 1e6:7.2f} MB per layer, max |dR^2| {r['max_abs_r2_change']:.4f}, "
                f"dR^2 at the best float16 layer {r['r2_change_at_best_float16_layer']:+.4f}"
            )
    return lines


def main(argv: list[str] | None = None, echo: Callable[[str], None] = print) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True, help="an activation folder of world_places")
    parser.add_argument("--data", default="out/release", help="the release the folder was extracted from")
    parser.add_argument("--wide-rows", type=int, default=1500, help="rows for the 4096-wide model (0: skip it)")
    parser.add_argument("--wide-layers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    results = storage_benchmark(args.folder, args.data, args.wide_rows, args.wide_layers)
    for line in summary_lines(results):
        echo(line)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":  # pragma: no cover
    main()
