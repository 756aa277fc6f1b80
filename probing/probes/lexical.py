"""The lexical floor: what surface form alone predicts, with no model.

Character n-gram TF-IDF (scikit-learn's ``TfidfVectorizer``, ``analyzer="char_wb"``, n-grams of
:data:`NGRAM_RANGE`, sublinear term frequency) of the exact prompt text of each entity, fitted on the train rows
only, then reduced to at most :data:`WIDTH` dimensions by ``TruncatedSVD`` (also fitted on train rows only). The
reduced vectors are written as an activation folder with one "layer" (0), so ``run_probe`` probes them with our own
ridge (same alpha grid, same leave-one-out, same splits) and ``spacetime evaluate`` bootstraps them on the same
resamples as every model: a model's paired R^2 difference to this row is its score above the lexical floor.

Why an SVD and not ridge on the sparse matrix itself: the ridge's kernel (Gram) form would need the dense
``n x n`` Gram matrix (12 GiB of float64 at the paper's 40,000 places), and its covariance form a dense
``features x features`` matrix (hundreds of thousands of n-grams). The SVD keeps ``rows x WIDTH`` floats (320 MB
at 40,000 rows) and loses nothing where the train matrix has rank <= WIDTH: ridge with an intercept depends on X
only through its row space, so on those data it gives exactly the sparse ridge's predictions
(tests/probing/probes/test_lexical.py checks this against ``sklearn.linear_model.Ridge`` on the sparse matrix).
Above that rank it is ridge on the top WIDTH singular directions: a floor a little below the full sparse ridge's.

An independent replication found a TF-IDF model of the entity names beating every LLM on NYC places (R^2 0.389
against the paper's 0.359 for Llama-2-70B); a score above this row is the claim worth making.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

NGRAM_RANGE = (1, 4)  # characters, within word boundaries (char_wb pads words with a space)
WIDTH = 1024  # SVD components kept (fewer when the train rows or n-grams are fewer)
SVD_SEED = 0
LEXICAL_LAYER = 0
LEXICAL_MODEL = "llm-spacetime/lexical-floor"  # the request's model and base model: a name, not a Hub model
LEXICAL_DTYPE = "float16"  # the request's precision: the reduced vectors are stored (and probed) in float16
DESCRIPTION = (
    f"ridge on character n-gram TF-IDF (char_wb, n={NGRAM_RANGE[0]}..{NGRAM_RANGE[1]}, sublinear tf) of the prompt "
    f"text, TruncatedSVD to <= {WIDTH} dimensions, both fitted on train rows only"
)


def lexical_revision(prompts: dict[str, str]) -> str:
    """A 40-hex revision of the lexical floor: the sha1 of its definition and the prompt of each dataset, so one
    prompt set has one floor (one request file, filed once) and another prompt set another."""
    text = json.dumps({"method": DESCRIPTION, "prompts": dict(sorted(prompts.items()))}, sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def prompt_texts(prompt: Any, records: Sequence[dict[str, Any]]) -> list[str]:
    """The text of the prompt for each row, as the model reads it. A random-token prefix (drawn from a model's
    vocabulary) is left out: it is the same for every entity and there is no model here."""
    from spacetime.probing.extraction.prompts import render

    if prompt.random_prefix:
        prompt = dataclasses.replace(prompt, random_prefix=False, prefix="")
    return [render(prompt, row).text for row in records]


def lexical_features(texts: Sequence[str], train: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """``[rows, k]`` float64: TF-IDF of every text with the vocabulary and idf of the train rows, projected on the
    top ``k = min(width, train rows - 1, n-grams - 1)`` right singular vectors of the train TF-IDF matrix."""
    return _svd(_tfidf(texts, train), train, width)


def _tfidf(texts: Sequence[str], train: np.ndarray) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = np.asarray(train, dtype=bool)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, dtype=np.float64)
    vectorizer.fit([t for t, keep in zip(texts, train) if keep])
    return vectorizer.transform(list(texts))


def _svd(matrix: Any, train: np.ndarray, width: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD

    train = np.asarray(train, dtype=bool)
    k = max(1, min(width, int(train.sum()) - 1, matrix.shape[1] - 1))
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=SVD_SEED)
    svd.fit(matrix[train])
    return np.asarray(svd.transform(matrix), dtype=np.float64)


def write_lexical_folder(
    rows: Any, split: Sequence[str], prompt: Any, out_root: Path, info: dict[str, Any], width: int = WIDTH
) -> Path:
    """The floor's activation folder ``out_root/<slug>/<dataset>/<prompt>/`` (one layer), like the static
    baseline's. ``rows``: ``extraction.entities.EntityRows``; ``split``: train/test per row, in the same order."""
    from spacetime.common import digest
    from spacetime.probing.extraction import store

    folder = store.activation_folder(out_root, info["slug"], rows.dataset, prompt.name)
    texts = prompt_texts(prompt, rows.records())
    train = np.asarray(split) == "train"
    fingerprint = digest(DESCRIPTION, str(width), rows.dataset, rows.source.get("rows_sha256", ""), *texts,
                         *np.asarray(split).astype(str))  # fmt: skip
    manifest = {
        "model": info["model"],
        "model_slug": info["slug"],
        "model_revision": info["model_revision"],
        "model_dtype": info["model_dtype"],
        "baseline": DESCRIPTION,
        "prompt": prompt.name,
        "prompt_text": prompt.template(""),
    }
    compute = functools.partial(lexical_features, texts, train, width)
    return store.one_layer_folder(folder, fingerprint, rows, LEXICAL_LAYER, compute, manifest)


def lexical_info(revision: str) -> dict[str, Any]:
    """What ``spacetime evaluate`` records of the floor in place of a loaded model's info."""
    return {
        "model": LEXICAL_MODEL,
        "slug": LEXICAL_MODEL.replace("/", "--") + "-" + revision[:12],
        "model_revision": revision,
        "model_dtype": LEXICAL_DTYPE,
        "num_layers": 1,
        "hidden_size": WIDTH,
        "num_parameters": None,
        "random_init": False,
    }
