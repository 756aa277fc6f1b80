"""The lexical floor (probes/lexical.py): character n-gram TF-IDF of the prompt text, fitted on train rows only,
reduced by an SVD that loses nothing below its width, probed by our own ridge."""

from __future__ import annotations

import numpy as np
import pytest

from spacetime.probing.extraction.prompts import get_prompt
from spacetime.probing.probes.lexical import _tfidf, lexical_features, lexical_revision, prompt_texts
from spacetime.probing.probes.ridge import RidgeLOO

CITIES = [
    "Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Tokyo", "Osaka", "Kyoto", "Nagoya", "Sapporo",
    "Kobe", "Sao Paulo", "Rio de Janeiro", "Brasilia", "Salvador", "Fortaleza", "Recife", "Nairobi", "Mombasa",
    "Kisumu", "Nakuru", "Eldoret", "Malindi", "Bordeaux", "Lille", "Fukuoka", "Sendai", "Manaus", "Curitiba",
]  # fmt: skip


def _corpus() -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    texts = [f"{city} {suffix}" for city in CITIES for suffix in ("city", "town")]
    y = np.column_stack([rng.normal(size=len(texts)), rng.normal(size=len(texts))]) + np.array(
        [[len(t) % 7, t.count("a")] for t in texts], dtype=np.float64
    )
    train = np.arange(len(texts)) % 4 != 1
    return texts, y, train


def test_ridge_on_the_svd_is_sklearn_ridge_on_the_sparse_tfidf_when_the_width_covers_the_rank():
    from sklearn.linear_model import Ridge

    texts, y, train = _corpus()
    features = lexical_features(texts, train)  # width 1024 > 45 train rows: no direction of the train rows is lost
    probe = RidgeLOO().fit(features[train], y[train])
    ours = probe.predict(features[~train])
    # The same alpha on the z-scored targets, on the full sparse TF-IDF matrix (scikit-learn, exact solver).
    tfidf = _tfidf(texts, train)
    mean, scale = y[train].mean(axis=0), y[train].std(axis=0)
    sk = Ridge(alpha=probe.alpha_, fit_intercept=True, solver="cholesky").fit(
        tfidf[train].toarray(), (y[train] - mean) / scale
    )
    theirs = sk.predict(tfidf[~train].toarray()) * scale + mean
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)


def test_the_features_are_fitted_on_train_rows_only():
    texts, _, train = _corpus()
    other = [t if keep else "Zzyzx Qwerty" for t, keep in zip(texts, train)]  # only test texts change
    a, b = lexical_features(texts, train), lexical_features(other, train)
    np.testing.assert_array_equal(a[train], b[train])
    # Test texts of characters no train row has share only the word-boundary space with the vocabulary.
    one = lexical_features([*texts[:1], "\u4e2d\u6587", *texts[2:]], train)
    two = lexical_features([*texts[:1], "\u0416\u0436", *texts[2:]], train)
    assert not train[1]
    np.testing.assert_allclose(one[1], two[1])


def test_the_floor_reads_the_exact_prompt_text():
    prompt = get_prompt("world_places", "coords")
    texts = prompt_texts(prompt, [{"name": "Paris  France"}])
    assert texts == [f"{prompt.prefix}Paris France{prompt.suffix}"]


def test_one_prompt_set_has_one_floor_revision():
    a = lexical_revision({"world_places": "empty", "historical_figures": "when_did"})
    assert a == lexical_revision({"historical_figures": "when_did", "world_places": "empty"})
    assert a != lexical_revision({"world_places": "coords", "historical_figures": "when_did"})
    assert len(a) == 40 and int(a, 16) >= 0


@pytest.mark.parametrize("width", [3, 8])
def test_a_narrow_width_keeps_that_many_dimensions(width):
    texts, _, train = _corpus()
    assert lexical_features(texts, train, width=width).shape == (len(texts), width)
