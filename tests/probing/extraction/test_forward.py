"""The extractor against transformers' own output_hidden_states, on tiny random-init models of several families."""

from __future__ import annotations

import pytest
import torch

from spacetime.probing.extraction.forward import (
    ActivationExtractor,
    Encoded,
    cache_argument,
    collate,
    encode_rows,
    extract,
    plan_batches,
    shared_prefix,
)
from spacetime.probing.extraction.models import decoder_blocks, load_model
from spacetime.probing.extraction.prompts import get_prompt
from tests.tiny import tiny_model, tiny_tokenizer

NAMES = [
    "Paris",
    "São Paulo",
    "Golden Gate Bridge",
    "Xi'an",
    "Łódź",
    "Saint Petersburg",
    "Kathmandu",
    "Mount Everest",
    "New Orleans",
    "Oslo",
    "Reykjavík Kraków Zürich",
    "Lima",
]
ROWS = [{"name": n} for n in NAMES]
BATCH_TOKENS = 120  # several rows of different lengths per batch


def reference(model, ids: list[int], read: int) -> list[torch.Tensor]:
    """Block outputs at ``read`` for one unpadded row: hidden_states[i + 1] for all blocks but the last (which HF
    passes through the final norm), and the last block's own output captured by a hook."""
    blocks = decoder_blocks(model)
    captured = {}
    hook = blocks[-1].register_forward_hook(
        lambda m, a, out: captured.__setitem__("last", out[0] if isinstance(out, tuple) else out)
    )
    try:
        with torch.no_grad():
            out = model(torch.tensor([ids]), output_hidden_states=True)
    finally:
        hook.remove()
    states = [out.hidden_states[i + 1][0, read] for i in range(len(blocks) - 1)]
    return states + [captured["last"][0, read]]


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gpt_neox", "qwen2", "mistral"])
@pytest.mark.parametrize("bos", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_activations_equal_output_hidden_states(arch, bos, padding_side):
    tok = tiny_tokenizer(bos=bos)
    model = tiny_model(arch, len(tok), seed=1)
    encoded = encode_rows(tok, get_prompt("world_places", "coords"), ROWS)
    batches = plan_batches(encoded.lengths, BATCH_TOKENS)
    # the test is only meaningful if batches mix lengths (padding) and reorder the rows
    assert any(len({encoded.lengths[i] for i in b}) > 1 for b in batches)
    assert [i for b in batches for i in b] != list(range(len(ROWS)))

    # the prompt's shared first tokens are computed once and cached, for every family here
    prefix = encoded.input_ids[0][: shared_prefix(encoded)]
    assert len(prefix) >= 5 and ActivationExtractor(model, [0, 2], prefix).prefix == prefix

    got = extract(model, tok, encoded, [0, 1, 2], batch_tokens=BATCH_TOKENS, padding_side=padding_side)
    full = extract(
        model, tok, encoded, [0, 1, 2], batch_tokens=BATCH_TOKENS, padding_side=padding_side, share_prefix=False
    )
    for row, (ids, read) in enumerate(zip(encoded.input_ids, encoded.read_index)):
        want = reference(model, ids, read)
        for layer in range(3):
            torch.testing.assert_close(got[layer][row], want[layer], rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(full[layer][row], want[layer], rtol=1e-5, atol=1e-5)
    # the last block's output is not the post-norm state HF reports as hidden_states[-1]
    with torch.no_grad():
        final = model(torch.tensor([encoded.input_ids[0]]), output_hidden_states=True).hidden_states[-1]
    assert not torch.allclose(got[2][0], final[0, encoded.read_index[0]], atol=1e-3)


def test_cache_argument_of_either_forward_signature():
    import inspect

    def forward_4x(input_ids=None, attention_mask=None, position_ids=None, past_key_values=None, use_cache=None):
        pass

    def forward_5x(input_ids=None, attention_mask=None, position_ids=None, cache=None, use_cache=None, **kwargs):
        pass

    def forward_without(input_ids=None, attention_mask=None, position_ids=None):
        pass

    assert cache_argument(inspect.signature(forward_4x).parameters) == "past_key_values"
    assert cache_argument(inspect.signature(forward_5x).parameters) == "cache"
    assert cache_argument(inspect.signature(forward_without).parameters) is None


def test_a_prefix_cache_that_cannot_apply_is_reported_not_skipped_silently(caplog):
    tok = tiny_tokenizer()
    model = tiny_model("llama", len(tok), seed=1)
    encoded = encode_rows(tok, get_prompt("world_places", "coords"), ROWS)
    prefix = encoded.input_ids[0][: shared_prefix(encoded)]
    assert ActivationExtractor(model, [0], prefix).prefix_cache_skipped is None  # the installed transformers

    inner = model.base_model.forward

    def no_cache_forward(input_ids=None, attention_mask=None, position_ids=None, use_cache=None):
        return inner(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=use_cache)

    model.base_model.forward = no_cache_forward
    with caplog.at_level("WARNING"):
        extractor = ActivationExtractor(model, [0], prefix)
    assert extractor.prefix == [] and "no KV cache argument" in extractor.prefix_cache_skipped
    assert "prompt-prefix cache not applied" in caplog.text


def test_shared_prefix_stops_at_the_first_difference_and_before_any_read_token():
    assert shared_prefix(Encoded([[1, 5, 6, 7, 8], [1, 5, 6, 9], [1, 5, 6, 7]], [4, 3, 3])) == 3
    assert shared_prefix(Encoded([[1, 5, 6, 7, 8], [1, 5, 6, 7, 9]], [4, 2])) == 2  # row 2 reads token 2
    assert shared_prefix(Encoded([[2, 5], [1, 5]], [1, 1])) == 0
    assert shared_prefix(Encoded([[1, 2, 3]], [2])) == 2
    assert shared_prefix(Encoded([], [])) == 0


def test_collate_skips_the_cached_prefix():
    encoded = Encoded([[1, 5, 6, 7, 8], [1, 5, 6, 9]], [4, 3])
    batch = collate(encoded, [0, 1], pad_id=0, padding_side="left", skip=3)
    assert batch.input_ids.tolist() == [[7, 8], [0, 9]]
    assert batch.position_ids.tolist() == [[3, 4], [0, 3]]
    assert batch.positions.tolist() == [1, 1]
    with pytest.raises(ValueError, match="lies in the skipped prefix"):
        collate(encoded, [0], pad_id=0, skip=5)


def test_left_padding_shifts_the_read_position():
    tok = tiny_tokenizer(bos=True)
    encoded = encode_rows(tok, get_prompt("world_places", "empty"), ROWS[:3])
    rows = [0, 1, 2]
    width = max(encoded.lengths)
    right = collate(encoded, rows, pad_id=0, padding_side="right")
    left = collate(encoded, rows, pad_id=0, padding_side="left")
    for b, i in enumerate(rows):
        pad = width - encoded.lengths[i]
        assert right.positions[b] == encoded.read_index[i]
        assert left.positions[b] == pad + encoded.read_index[i]
        assert left.input_ids[b, left.positions[b]] == right.input_ids[b, right.positions[b]]
        assert left.position_ids[b, left.positions[b]] == encoded.read_index[i]


def test_forward_stops_after_the_last_selected_block_and_never_computes_logits():
    tok = tiny_tokenizer()
    model = tiny_model("llama", len(tok), layers=4)
    calls = {"block3": 0, "norm": 0, "lm_head": 0, "block1": 0}
    count = lambda name: lambda *args: calls.__setitem__(name, calls[name] + 1)  # noqa: E731
    model.model.layers[1].register_forward_hook(count("block1"))
    model.model.layers[3].register_forward_hook(count("block3"))
    model.model.norm.register_forward_hook(count("norm"))
    model.lm_head.register_forward_hook(count("lm_head"))
    encoded = encode_rows(tok, get_prompt("world_places", "empty"), ROWS)
    out = extract(model, tok, encoded, [0, 2], batch_tokens=BATCH_TOKENS)
    assert sorted(out) == [0, 2] and calls["block1"] > 0
    assert calls["block3"] == calls["norm"] == calls["lm_head"] == 0
    # the hooks are removed afterwards: a plain forward runs every block again
    model(torch.tensor([encoded.input_ids[0]]))
    assert calls["block3"] == 1 and calls["lm_head"] == 1


def test_plan_batches_respects_the_token_budget_and_covers_every_row_once():
    lengths = [5, 17, 3, 9, 9, 40, 1, 12, 7, 8]
    batches = plan_batches(lengths, 36)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        longest = max(lengths[i] for i in b)
        assert len(b) * longest <= 36 or len(b) == 1
    assert batches[0] == [5]  # longer than the budget: alone
    assert plan_batches(lengths, 36) == batches  # deterministic


def test_extractor_rejects_layers_out_of_range():
    tok = tiny_tokenizer()
    with pytest.raises(ValueError, match=r"layers \[3\] out of range for 3 blocks"):
        ActivationExtractor(tiny_model("gpt2", len(tok)), [0, 3])


@pytest.mark.parametrize(
    "arch,path",
    [("llama", "model.layers"), ("gpt2", "transformer.h"), ("gpt_neox", "gpt_neox.layers"), ("qwen2", "model.layers")],
)
def test_decoder_blocks_found_for_each_family(arch, path):
    model = tiny_model(arch, 64)
    expected = model
    for part in path.split("."):
        expected = getattr(expected, part)
    assert decoder_blocks(model) is expected


def test_random_init_is_reproducible_by_seed_and_differs_from_the_trained_weights(tmp_path):
    tok = tiny_tokenizer()
    trained = tiny_model("llama", len(tok), seed=123)
    trained.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    loaded = load_model(str(tmp_path))
    a = load_model(str(tmp_path), random_init=True, seed=7)
    b = load_model(str(tmp_path), random_init=True, seed=7)
    c = load_model(str(tmp_path), random_init=True, seed=8)
    assert a.info["random_init"] and a.info["seed"] == 7 and a.slug.endswith("-random-init-seed7")
    assert type(a.model) is type(loaded.model)
    sd_trained, sd_a, sd_b, sd_c = (m.model.state_dict() for m in (loaded, a, b, c))
    assert sd_a.keys() == sd_trained.keys()
    assert all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a)
    assert all(torch.equal(sd_trained[k], trained.state_dict()[k]) for k in sd_trained)
    weight = "model.layers.0.mlp.up_proj.weight"
    assert not torch.equal(sd_a[weight], sd_c[weight])
    assert not torch.equal(sd_a[weight], sd_trained[weight])
