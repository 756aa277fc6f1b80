"""Typed ``datasets.Features`` per config, and what the release says about each column, read from the dataset's spec.

Each dataset's spec (``pipelines/datasets/<name>/spec.py``) is the one declaration of its columns, types, class
labels and targets; this module turns it into what the release needs. It imports no build code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from spacetime.pipelines.registry import spec

if TYPE_CHECKING:
    import datasets


def release_schema(config: str) -> pa.Schema:
    """The Arrow schema of a released split: the spec's columns without the build-only ones."""
    return spec(config).release_schema


def targets(config: str) -> list[str]:
    """What a probe predicts, in order. Dates are read as decimal years by the loader."""
    return list(spec(config).targets)


def class_labels(config: str) -> dict[str, list[str]]:
    """The columns released as ClassLabel, each with its names in code order."""
    return {column: list(names) for column, names in spec(config).class_labels.items()}


def features(config: str) -> datasets.Features:
    """The typed features of one config, as written to the Hub and read back by ``load_dataset``."""
    import datasets

    feats = datasets.Features.from_arrow_schema(release_schema(config))
    for column, names in class_labels(config).items():
        feats[column] = datasets.ClassLabel(names=names)
    return feats


def column_docs(config: str) -> dict[str, dict[str, str]]:
    """Each released column's field metadata (``description``, and ``unit`` where one applies), as text."""
    return {
        f.name: {k.decode("utf-8"): v.decode("utf-8") for k, v in (f.metadata or {}).items()}
        for f in release_schema(config)
    }
