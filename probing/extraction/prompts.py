"""Prompts per dataset (declared as data in each dataset's spec), and the token the model is read at.

A prompt is ``prefix + entity (+ suffix)``. The entity text comes from the dataset's columns (``name``, and
``creator`` for art); the read position is the last token that overlaps the ``read`` span of the text: the entity
itself, or the final period for the headlines "with period" prompt. The span is located through the tokenizer's
offset mapping, so the position is right for any fast tokenizer, with or without BOS/EOS tokens and with any
padding (padding is added later, by the batcher, which shifts positions itself).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacetime.pipelines.registry import DATASETS, spec
from spacetime.pipelines.spec import Prompt

if TYPE_CHECKING:
    from spacetime.pipelines.spec import DatasetSpec

RANDOM_TOKENS = 10


def prompts(dataset: str) -> dict[str, Prompt]:
    """The prompts of ``dataset`` by name, as its spec declares them."""
    return {p.name: p for p in _spec(dataset).prompts}


def default_prompt(dataset: str) -> str:
    """The name of the prompt used when none is asked for."""
    return _spec(dataset).default_prompt


def default_prompts() -> dict[str, str]:
    """Every dataset's default prompt name, in release order."""
    return {dataset: default_prompt(dataset) for dataset in DATASETS}


def get_prompt(dataset: str, name: str | None = None) -> Prompt:
    """The named prompt of ``dataset`` (its default when ``name`` is None), with a clear error otherwise."""
    return _spec(dataset).prompt(name)


def _spec(dataset: str) -> DatasetSpec:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    return spec(dataset)


def required_columns(prompt: Prompt) -> list[str]:
    """The dataset columns the prompt reads, besides ``entity_id``."""
    return list(prompt.columns)


def random_prefix(tokenizer: Any, seed: int, n: int = RANDOM_TOKENS) -> str:
    """``n`` vocabulary tokens drawn with ``seed`` (special tokens excluded), decoded to text: fixed per seed."""
    special = set(tokenizer.all_special_ids)
    candidates = [i for i in range(len(tokenizer)) if i not in special]
    ids = random.Random(seed).sample(candidates, n)
    return tokenizer.decode(ids).strip()


@dataclass(frozen=True)
class Rendered:
    """A prompt text and the character span whose last token is read."""

    text: str
    start: int
    end: int


def normalise_whitespace(value: Any) -> str:
    """A field's text as the model reads it: newlines, tabs and runs of spaces become one space, ends trimmed."""
    return " ".join(str(value).split())


def render(prompt: Prompt, row: Mapping[str, Any], random_text: str | None = None) -> Rendered:
    """The text of ``prompt`` for one dataset row (whitespace in its fields normalised), and its read span."""
    if prompt.random_prefix and random_text is None:
        raise ValueError(f"prompt {prompt.name!r} needs its random prefix text (see random_prefix)")
    prefix = f"{random_text} " if prompt.random_prefix else prompt.prefix
    entity = prompt.entity.format(**{k: normalise_whitespace(v) for k, v in row.items()})
    if prompt.strip_period:
        entity = entity.rstrip().removesuffix(".")
    if prompt.upper:
        entity = entity.upper()
    text = prefix + entity + prompt.suffix
    if prompt.read_suffix:
        return Rendered(text, len(prefix) + len(entity), len(text))
    return Rendered(text, len(prefix), len(prefix) + len(entity))


def read_index(offsets: Sequence[tuple[int, int]], start: int, end: int) -> int:
    """Index of the last token whose characters overlap ``[start, end)``; special tokens (empty spans) never do."""
    for i in range(len(offsets) - 1, -1, -1):
        s, e = offsets[i]
        if e > s and s < end and e > start:
            return i
    raise ValueError(f"no token covers characters {start}..{end}")
