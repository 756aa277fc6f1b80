"""Prompts per dataset, declared as data, and the token the model is read at.

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
from typing import Any

RANDOM_TOKENS = 10


@dataclass(frozen=True)
class Prompt:
    """One prompt of one dataset. ``entity`` is a format string over the row's columns."""

    name: str
    prefix: str = ""
    entity: str = "{name}"
    upper: bool = False  # upper-case the entity (the world_places "all_caps" control)
    strip_period: bool = False  # drop a final period from the entity (headlines: with/without their period)
    suffix: str = ""  # text after the entity; the read span is the suffix when read_suffix is set
    read_suffix: bool = False
    random_prefix: bool = False  # prefix = RANDOM_TOKENS random vocabulary tokens, decoded (fixed per seed)

    def template(self, random_text: str | None = None) -> str:
        """The prompt as a readable template (for manifests), e.g. ``'When did {name}'``."""
        prefix = f"{random_text} " if self.random_prefix else self.prefix
        entity = self.entity.upper() if self.upper else self.entity
        return f"{prefix}{entity}{self.suffix}"


PROMPTS: dict[str, dict[str, Prompt]] = {
    "world_places": {
        "empty": Prompt("empty"),
        "coords": Prompt("coords", prefix="What are the lat/lon coordinates of "),
        "random": Prompt("random", random_prefix=True),
        "all_caps": Prompt("all_caps", upper=True),
    },
    "us_places": {
        "empty": Prompt("empty"),
        "where_us": Prompt("where_us", prefix="Where in the United States is "),
    },
    "nyc_places": {
        "empty": Prompt("empty"),
        "where_nyc": Prompt("where_nyc", prefix="Where in New York City is "),
    },
    "historical_figures": {
        "empty": Prompt("empty"),
        "when_did": Prompt("when_did", prefix="When did "),
    },
    "art_entertainment": {
        "empty": Prompt("empty", entity="{name} by {creator}"),
        "release_date": Prompt("release_date", prefix="When was the release date of ", entity="{name} by {creator}"),
    },
    "headlines": {
        "period": Prompt("period", strip_period=True, suffix=".", read_suffix=True),
        "no_period": Prompt("no_period", strip_period=True),
        "publication_date": Prompt("publication_date", prefix="Publication date of: ", strip_period=True),
    },
}

DEFAULT_PROMPTS: dict[str, str] = {
    "world_places": "empty",
    "us_places": "where_us",
    "nyc_places": "where_nyc",
    "historical_figures": "when_did",
    "art_entertainment": "release_date",
    "headlines": "period",
}


def get_prompt(dataset: str, name: str | None = None) -> Prompt:
    """The named prompt of ``dataset`` (its default when ``name`` is None), with a clear error otherwise."""
    if dataset not in PROMPTS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(PROMPTS)}")
    name = name or DEFAULT_PROMPTS[dataset]
    try:
        return PROMPTS[dataset][name]
    except KeyError:
        raise ValueError(f"dataset {dataset!r} has no prompt {name!r}; known: {', '.join(PROMPTS[dataset])}") from None


def required_columns(prompt: Prompt) -> list[str]:
    """The dataset columns the prompt reads, besides ``entity_id``."""
    import string

    return [field for _, field, _, _ in string.Formatter().parse(prompt.entity) if field]


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


def render(prompt: Prompt, row: Mapping[str, Any], random_text: str | None = None) -> Rendered:
    """The text of ``prompt`` for one dataset row, and its read span."""
    if prompt.random_prefix and random_text is None:
        raise ValueError(f"prompt {prompt.name!r} needs its random prefix text (see random_prefix)")
    prefix = f"{random_text} " if prompt.random_prefix else prompt.prefix
    entity = prompt.entity.format(**{k: str(v) for k, v in row.items()})
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
