"""The static-embedding baseline: the model's own input token embeddings, averaged over each entity's tokens.

No context and no transformer block: what a probe finds here is in the vocabulary, not computed by the model. A
critique of the paper reports static word embeddings reaching R^2 0.71-0.87 on city coordinates, so a model's probe
is only as informative as its distance above this line. The vectors are written as an activation folder with one
"layer" (0), so ``run_probe`` probes them exactly as it probes a model's layers.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np

from spacetime.common import digest

from . import store
from .entities import EntityRows
from .models import LoadedModel
from .prompts import Prompt, render

STATIC_LAYER = 0
SUFFIX = "-static-embeddings"


def entity_texts(prompt: Prompt, records: list[dict]) -> list[str]:
    """The entity part of each prompt (no prefix, no suffix), cased and trimmed as the prompt does it."""
    bare = dataclasses.replace(prompt, prefix="", suffix="", read_suffix=False, random_prefix=False)
    return [render(bare, row).text for row in records]


def mean_token_embeddings(loaded: LoadedModel, texts: list[str], batch: int = 4096) -> np.ndarray:
    """``[len(texts), hidden]`` float32: the mean of each text's input token embeddings (no special tokens)."""
    import torch

    table = loaded.model.get_input_embeddings().weight.detach().to("cpu", torch.float32)
    out = np.empty((len(texts), table.shape[1]), dtype=np.float32)
    for start in range(0, len(texts), batch):
        ids = loaded.tokenizer(texts[start : start + batch], add_special_tokens=False)["input_ids"]
        for i, tokens in enumerate(ids, start):
            if not tokens:
                raise ValueError(f"entity text {texts[i]!r} has no tokens")
            out[i] = table[torch.tensor(tokens)].mean(dim=0).numpy()
    return out


def write_static_folder(loaded: LoadedModel, rows: EntityRows, prompt: Prompt, out_root: Path) -> Path:
    """The baseline's activation folder ``out_root/<model>-static-embeddings/<dataset>/<prompt>/`` (one layer)."""

    info = loaded.info
    folder = store.activation_folder(out_root, loaded.slug + SUFFIX, rows.dataset, prompt.name)
    texts = entity_texts(prompt, rows.records())
    fingerprint = digest(
        json.dumps({k: info.get(k) for k in ("model", "model_revision", "model_dtype")}, sort_keys=True),
        rows.dataset,
        rows.source.get("rows_sha256", ""),
        *texts,
    )
    manifest = {
        "model": info["model"] + SUFFIX,
        "model_revision": info["model_revision"],
        "model_dtype": info["model_dtype"],
        "baseline": "static input token embeddings, mean over the entity's tokens",
        "prompt": prompt.name,
        "prompt_text": "(entity tokens only)",
    }
    compute = functools.partial(mean_token_embeddings, loaded, texts)
    return store.one_layer_folder(folder, fingerprint, rows, STATIC_LAYER, compute, manifest)
