"""Residual-stream activations at one token per row, from any Hugging Face causal LM.

Forward hooks on the decoder blocks collect each selected block's output hidden state at the read positions. The base
model is called (no LM head, no logits), without a KV cache, under ``torch.inference_mode``; the hook of the last
selected block raises :class:`_StopForward`, so blocks after it never run. Batches are formed by a token budget over
rows sorted by length (little padding); results come back in the rows' own order.

Prompts share their first tokens ("What are the lat/lon coordinates of"): the longest common prefix of all rows is run
once, its key/value cache is repeated across each batch, and only the rest of each row goes through the model. Causal
attention makes this exact (up to float rounding). Where it cannot be applied (a forward without a cache argument or
position ids), every row runs in full and the reason is logged and written to the manifest, never skipped silently.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .models import decoder_blocks
from .prompts import Prompt, normalise_whitespace, read_index, render, required_columns

log = logging.getLogger(__name__)

# The KV-cache keyword of a base model's forward: transformers 4.x and early 5.x say past_key_values, later 5.x cache.
CACHE_ARGUMENTS = ("past_key_values", "cache")


def cache_argument(params: Mapping[str, inspect.Parameter]) -> str | None:
    """The name under which ``forward`` (given its signature's parameters) takes a KV cache, or None."""
    return next((name for name in CACHE_ARGUMENTS if name in params), None)


@dataclass
class Encoded:
    """Token ids per row (unpadded, special tokens included) and the index of the read token in each."""

    input_ids: list[list[int]]
    read_index: list[int]
    whitespace_normalised: int = 0  # rows whose prompt fields had newlines, tabs or repeated spaces (normalised)

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


def encode_rows(
    tokenizer: Any,
    prompt: Prompt,
    rows: Sequence[dict[str, Any]],
    random_text: str | None = None,
    ids: Sequence[str] | None = None,
) -> Encoded:
    """Render and tokenize every row; find each read token through the offset mapping."""
    rendered = [render(prompt, row, random_text) for row in rows]
    fields = required_columns(prompt)
    odd = sum(1 for row in rows if any(normalise_whitespace(row[c]) != str(row[c]) for c in fields if c in row))
    enc = tokenizer(
        [r.text for r in rendered],
        add_special_tokens=True,
        return_offsets_mapping=True,
        padding=False,
        truncation=False,
    )
    positions = []
    for i, (r, offsets) in enumerate(zip(rendered, enc["offset_mapping"])):
        try:
            positions.append(read_index(offsets, r.start, r.end))
        except ValueError as error:
            who = ids[i] if ids is not None else f"row {i}"
            raise ValueError(f"{who}: {error} in prompt {r.text!r}") from None
    if odd:
        log.warning(
            "%s: whitespace normalised in the prompt fields of %d rows (newlines, tabs, runs)", prompt.name, odd
        )
    return Encoded([list(x) for x in enc["input_ids"]], positions, odd)


CPU_BATCH_TOKENS = 1024  # measured on a 2-core AVX-512 VM: 256..1024 fastest; 4096 ~25% slower (cache misses)
GPU_BATCH_TOKENS = 16384


def default_batch_tokens(device: str) -> int:
    """Padded tokens per batch when none is given: small on CPU (activations stay in cache), large on GPU."""
    return CPU_BATCH_TOKENS if str(device).startswith("cpu") else GPU_BATCH_TOKENS


def plan_batches(lengths: Sequence[int], batch_tokens: int, max_rows: int | None = None) -> list[list[int]]:
    """Row indices grouped so each padded batch (rows x longest) fits ``batch_tokens``; longest rows first.

    Sorting by length keeps padding small; a row longer than the budget gets a batch of its own. The plan depends
    only on the lengths, so a rerun forms the same batches (and gives the same bytes).
    """
    if batch_tokens < 1:
        raise ValueError("batch_tokens must be positive")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[current[0]] if current else lengths[i]
        if current and ((len(current) + 1) * longest > batch_tokens or (max_rows and len(current) >= max_rows)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


@dataclass
class Batch:
    input_ids: Any  # [B, T] long
    attention_mask: Any  # [B, T] long
    position_ids: Any  # [B, T] long: 0.. along the real tokens, whichever side the padding is on
    positions: Any  # [B] long: the read token's column in the padded batch


def collate(encoded: Encoded, rows: Sequence[int], pad_id: int, padding_side: str = "right", skip: int = 0) -> Batch:
    """Pad the given rows to a common length on ``padding_side``, leaving out their first ``skip`` tokens (a cached
    shared prefix: positions then start at ``skip``)."""
    import torch

    if padding_side not in ("left", "right"):
        raise ValueError(f"padding_side must be 'left' or 'right', not {padding_side!r}")
    width = max(len(encoded.input_ids[i]) for i in rows) - skip
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    pos = torch.zeros((len(rows), width), dtype=torch.long)
    read = torch.empty(len(rows), dtype=torch.long)
    for b, i in enumerate(rows):
        seq = encoded.input_ids[i][skip:]
        if encoded.read_index[i] < skip:
            raise ValueError(f"row {i}: read token {encoded.read_index[i]} lies in the skipped prefix ({skip})")
        offset = width - len(seq) if padding_side == "left" else 0
        ids[b, offset : offset + len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[b, offset : offset + len(seq)] = 1
        pos[b, offset : offset + len(seq)] = torch.arange(skip, skip + len(seq))
        read[b] = offset + encoded.read_index[i] - skip
    return Batch(ids, mask, pos, read)


def shared_prefix(encoded: Encoded) -> int:
    """Tokens every row starts with, stopping before the earliest read token (which must be computed per row)."""
    if not len(encoded):
        return 0
    first = encoded.input_ids[0]
    n = min(min(encoded.read_index), len(first))
    for ids in encoded.input_ids[1:]:
        k = 0
        while k < n and ids[k] == first[k]:
            k += 1
        n = k
        if n == 0:
            break
    return n


class _StopForward(Exception):
    """Raised by the last selected block's hook: nothing after it is needed."""


class ActivationExtractor:
    """Collects the output of the selected blocks at one position per row.

    ``extractor(batch)`` returns ``{layer: tensor [B, hidden]}`` on the CPU, in ``out_dtype`` (float32 by default).
    """

    def __init__(self, model: Any, layers: Sequence[int], prefix: Sequence[int] = (), out_dtype: Any = None):
        import torch

        self.model = model
        self.out_dtype = out_dtype or torch.float32  # cast on the model's device: float16 halves the copy to host
        self.base = model.base_model  # LlamaModel, GPT2Model, ...: the blocks without the LM head
        blocks = decoder_blocks(model)
        if not layers:
            raise ValueError("no layers selected")
        bad = [i for i in layers if not 0 <= i < len(blocks)]
        if bad:
            raise ValueError(f"layers {bad} out of range for {len(blocks)} blocks")
        self.layers = sorted(set(layers))
        self.blocks = blocks
        params = inspect.signature(self.base.forward).parameters
        self.takes_position_ids = "position_ids" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
        )
        self._positions: Any = None
        self._row_index: Any = None
        self._store: dict[int, Any] = {}
        self.prefix: list[int] = []
        self._prefix_kv: list[tuple[Any, Any]] = []
        # Why the shared prefix runs with every row instead of once (None when it is cached or there is none).
        self.prefix_cache_skipped: str | None = None
        self.cache_argument = cache_argument(params)
        if len(prefix) >= 2:
            if not self.takes_position_ids:
                self._skip_prefix_cache(f"{type(self.base).__name__}.forward takes no position_ids")
            elif self.cache_argument is None:
                self._skip_prefix_cache(
                    f"{type(self.base).__name__}.forward takes no KV cache argument "
                    f"(looked for {' or '.join(CACHE_ARGUMENTS)})"
                )
            else:
                self._cache_prefix(list(prefix))

    def _skip_prefix_cache(self, reason: str) -> None:
        self.prefix_cache_skipped = reason
        log.warning("prompt-prefix cache not applied, every row runs in full: %s", reason)

    def _cache_prefix(self, prefix: list[int]) -> None:
        """Run the shared prefix once and keep each needed block's keys and values (batch of one)."""
        import torch
        from transformers import DynamicCache

        device = self.device()
        ids = torch.tensor([prefix], device=device)
        cache = DynamicCache(config=self.model.config)
        with torch.inference_mode():
            self.base(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                use_cache=True,
                position_ids=torch.arange(len(prefix), device=device)[None],
                **{self.cache_argument: cache},
            )
        layers = getattr(cache, "layers", None)
        if not layers or len(layers) < self.layers[-1] + 1 or not all(hasattr(x, "keys") for x in layers):
            self._skip_prefix_cache(f"unknown {type(cache).__name__} layout (no per-layer keys and values)")
            return
        self._prefix_kv = [(layer.keys, layer.values) for layer in layers[: self.layers[-1] + 1]]
        self.prefix = prefix

    def _hook(self, layer: int, last: bool):
        def hook(module, args, output):
            hidden = output[0] if isinstance(output, (tuple, list)) else output
            positions = self._positions.to(hidden.device)
            rows = self._row_index.to(hidden.device)
            self._store[layer] = hidden[rows, positions]  # stays on its device: one copy per batch, below
            if last:
                raise _StopForward

        return hook

    def _prefix_inputs(self, rows: int, mask: Any) -> dict[str, Any]:
        """A cache holding the shared prefix for ``rows`` rows, and the attention mask extended over it."""
        import torch
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        for index, (keys, values) in enumerate(self._prefix_kv):
            cache.update(keys.expand(rows, -1, -1, -1), values.expand(rows, -1, -1, -1), index)
        ones = torch.ones((rows, len(self.prefix)), dtype=mask.dtype, device=mask.device)
        return {self.cache_argument: cache, "use_cache": True, "attention_mask": torch.cat([ones, mask], dim=1)}

    def device(self) -> Any:
        return self.base.get_input_embeddings().weight.device

    def __call__(self, batch: Batch) -> dict[int, Any]:
        import torch

        device = self.device()
        self._positions = batch.positions
        self._row_index = torch.arange(len(batch.positions))
        self._store = {}
        handles = [self.blocks[i].register_forward_hook(self._hook(i, i == self.layers[-1])) for i in self.layers]
        kwargs = {
            "input_ids": batch.input_ids.to(device),
            "attention_mask": batch.attention_mask.to(device),
            "use_cache": False,
        }
        if self.takes_position_ids:
            kwargs["position_ids"] = batch.position_ids.to(device)
        if self.prefix:
            kwargs.update(self._prefix_inputs(len(batch.positions), kwargs["attention_mask"]))
        try:
            with torch.inference_mode():
                self.base(**kwargs)
        except _StopForward:
            pass
        finally:
            for handle in handles:
                handle.remove()
        missing = [i for i in self.layers if i not in self._store]
        if missing:
            raise RuntimeError(f"blocks {missing} never ran; the model's forward skipped them")
        return self._to_cpu(self._store)

    def _to_cpu(self, store: dict[int, Any]) -> dict[int, Any]:
        """CPU tensors in ``out_dtype``, moved together (one device sync per batch and device, not one per layer)."""
        import torch

        by_device: dict[Any, list[int]] = {}
        for layer, values in store.items():
            by_device.setdefault(values.device, []).append(layer)
        out = {}
        for layers in by_device.values():
            stacked = torch.stack([store[layer] for layer in layers]).to(self.out_dtype).cpu()
            out.update(zip(layers, stacked.unbind(0)))
        return out


def pad_token_id(tokenizer: Any) -> int:
    """Any id works (padded positions are masked); prefer the tokenizer's pad, then eos, then 0."""
    for name in ("pad_token_id", "eos_token_id"):
        value = getattr(tokenizer, name, None)
        if isinstance(value, int):
            return value
    return 0


def iter_activations(
    extractor: ActivationExtractor,
    encoded: Encoded,
    rows: Sequence[int],
    batch_tokens: int,
    pad_id: int,
    padding_side: str = "right",
) -> Iterator[tuple[list[int], dict[int, Any]]]:
    """(row indices, activations) per batch over ``rows`` (indices into ``encoded``), in the plan's order.

    The token budget counts whole rows, cached prefix included: each row's keys and values span all of its tokens,
    so memory grows with the full length even where only the rest of the row is computed."""
    skip = len(extractor.prefix)
    lengths = [len(encoded.input_ids[i]) for i in rows]
    for local in plan_batches(lengths, batch_tokens):
        chosen = [rows[j] for j in local]
        yield chosen, extractor(collate(encoded, chosen, pad_id, padding_side, skip))


def extract(
    model: Any,
    tokenizer: Any,
    encoded: Encoded,
    layers: Sequence[int],
    batch_tokens: int = CPU_BATCH_TOKENS,
    padding_side: str = "right",
    share_prefix: bool = True,
) -> dict[int, Any]:
    """All rows of ``encoded`` at once: ``{layer: float32 tensor [rows, hidden]}`` in the rows' order."""
    import torch

    prefix = encoded.input_ids[0][: shared_prefix(encoded)] if share_prefix and len(encoded) else []
    extractor = ActivationExtractor(model, layers, prefix)
    hidden = model.config.get_text_config().hidden_size
    out = {layer: torch.empty((len(encoded), hidden), dtype=torch.float32) for layer in extractor.layers}
    rows = list(range(len(encoded)))
    for chosen, acts in iter_activations(extractor, encoded, rows, batch_tokens, pad_token_id(tokenizer), padding_side):
        index = torch.tensor(chosen)
        for layer, values in acts.items():
            out[layer][index] = values
    return out
