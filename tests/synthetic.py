"""Synthetic entity releases and activation folders for the probing tests (no model needed): a small world_places
and historical_figures release written with the real packager, and activation folders written with
probing/extraction/store.py whose layers encode the targets with a known strength."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from spacetime.dist.package import package
from spacetime.probing.extraction import store

HIDDEN = 24
LAYERS = [0, 2, 4]
SIGNAL = {0: 0.0, 2: 0.4, 4: 1.5}  # how strongly each layer encodes the target (layer 0: not at all)
COUNTRIES = {"France": (46.5, 2.5), "Japan": (36.0, 138.0), "Brazil": (-12.0, -50.0), "Kenya": (0.5, 37.5)}


def world_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    names = list(COUNTRIES)
    country = np.array(names)[np.arange(n) % len(names)]
    centre = np.array([COUNTRIES[c] for c in country])
    lat, lon = centre[:, 0] + rng.normal(0, 3, n), centre[:, 1] + rng.normal(0, 3, n)
    return pd.DataFrame(
        {
            "entity_id": [f"Place_{i:04d}" for i in range(n)],
            "name": [f"Place {i}" for i in range(n)],
            "latitude": lat,
            "longitude": lon,
            "country": country,
            "place_class": "populated_place",
            "entity_type": "City",
            "population": np.arange(n, dtype=np.int64) * 100,
            "page_views": np.full(n, 9000),
            "dbpedia_uri": [f"http://dbpedia.org/resource/Place_{i:04d}" for i in range(n)],
            "split": np.where(np.arange(n) // 4 % 4 == 1, "test", "train"),  # a quarter of each country
        }
    )


def history_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    year = rng.integers(1000, 2000, n).astype(np.int32)
    return pd.DataFrame(
        {
            "entity_id": [f"Person_{i:04d}" for i in range(n)],
            "name": [f"Person {i}" for i in range(n)],
            "death_year": year,
            "death_decade": (year // 10 * 10).astype(np.int32),
            "death_date": None,
            "birth_year": (year - 60).astype(np.int32),
            "occupation": "Writer",
            "entity_type": "Writer",
            "page_views": np.full(n, 9000),
            "dbpedia_uri": [f"http://dbpedia.org/resource/Person_{i}" for i in range(n)],
            "split": np.where(np.arange(n) % 5 == 2, "test", "train"),
        }
    )


def write_release(root: Path, frames: dict[str, pd.DataFrame]) -> Path:
    for config, frame in frames.items():
        folder = root / "build" / config
        folder.mkdir(parents=True)
        frame.to_parquet(folder / "data.parquet", index=False)
        (folder / "metadata.json").write_text(json.dumps({"rows": len(frame), "built_at": "2024-01-01T00:00:00Z"}))
    return package(root / "build", root / "release", configs=list(frames))


def write_activations(
    folder: Path,
    dataset: str,
    frame: pd.DataFrame,
    targets: list[str],
    seed: int,
    random_init: bool = False,
    drop: int = 0,
) -> Path:
    """Layers whose activations encode the z-scored targets with strength SIGNAL[layer] (none for random init),
    rows in a shuffled order (the prober must align by entity id), ``drop`` rows left out."""
    import torch

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(frame))[drop:]
    values = frame[targets].to_numpy(dtype=np.float64)[order]
    latent = (values - values.mean(0)) / values.std(0)
    mixing = rng.normal(size=(len(targets), HIDDEN))
    for layer in LAYERS:
        strength = 0.0 if random_init else SIGNAL[layer]
        acts = strength * latent @ mixing + rng.normal(0, 1, (len(order), HIDDEN)) + 3.0
        store.save_tensors_atomic(
            folder / store.layer_file(layer), {store.TENSOR: torch.tensor(acts, dtype=torch.float16)}
        )
    manifest = {
        "model": "tiny/test-llama",
        "model_slug": "tiny--test-llama" + ("-random-init-seed0" if random_init else ""),
        "model_revision": "0123456789abcdef",
        "model_dtype": "float32",
        "random_init": random_init,
        "seed": 0,
        "dataset": dataset,
        "prompt": "empty",
        "layers": LAYERS,
        "num_model_layers": max(LAYERS) + 1,
        "rows": len(order),
        "hidden_size": HIDDEN,
    }
    return store.finish_folder(
        folder, f"fp-{dataset}-{seed}", frame["entity_id"].to_numpy()[order].tolist(), LAYERS, manifest
    )
