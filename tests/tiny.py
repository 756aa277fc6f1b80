"""Tiny random-init causal LMs and a tiny BPE tokenizer: for tests and smoke runs, no download needed."""

from __future__ import annotations

from typing import Any

ARCHITECTURES = ("llama", "gpt2", "gpt_neox", "qwen2", "mistral")

_CORPUS = [
    "What are the lat/lon coordinates of Paris",
    "Where in the United States is Springfield, Illinois",
    "Where in New York City is the Empire State Building",
    "When did Ada Lovelace",
    "Kathmandu Mount Everest",
    "When was the release date of Casablanca by Michael Curtiz",
    "Publication date of: Obama Wins Re-election.",
    "São Paulo Zürich Kraków Ōsaka Reykjavík Łódź Xi'an Golden Gate Bridge New Orleans Saint Petersburg",
]


def tiny_tokenizer(bos: bool = False, eos: bool = False, vocab_size: int = 320) -> Any:
    """A byte-level BPE trained in milliseconds on a few prompts; ``bos``/``eos`` add ``<s>``/``</s>`` to each text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<pad>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer)
    if bos or eos:
        single = " ".join(["<s>"] * bos + ["$A"] + ["</s>"] * eos)
        tok.post_processor = processors.TemplateProcessing(
            single=single,
            pair=f"{single} $B",
            special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))],
        )
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=True)
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>")


def tiny_config(arch: str, vocab_size: int, layers: int = 3, hidden: int = 32) -> Any:
    """A config of ``arch`` with a few layers and a small hidden size."""
    import transformers

    common = {"vocab_size": vocab_size}
    if arch == "gpt2":
        return transformers.GPT2Config(
            n_embd=hidden, n_layer=layers, n_head=4, n_positions=256, bos_token_id=1, eos_token_id=2, **common
        )
    if arch == "gpt_neox":
        return transformers.GPTNeoXConfig(
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=4,
            intermediate_size=2 * hidden,
            max_position_embeddings=256,
            **common,
        )
    classes = {
        "llama": transformers.LlamaConfig,
        "qwen2": transformers.Qwen2Config,
        "mistral": transformers.MistralConfig,
    }
    if arch not in classes:
        raise ValueError(f"unknown tiny architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")
    return classes[arch](
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        **common,
    )


def tiny_model(arch: str, vocab_size: int, seed: int = 0, layers: int = 3, hidden: int = 32) -> Any:
    """A random-init causal LM of ``arch`` (float32, eval mode), the same for the same seed."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_config(arch, vocab_size, layers, hidden), dtype=torch.float32)
    return model.eval()
