"""`spacetime evaluate`: run every pending request with the reference extraction and probes; write its results.

Per request: load the model at the requested revision and precision (or its random-init control, or only its input
embeddings for the static baseline), extract activations for each dataset of its prompt set (resumable shards),
probe every layer with ``run_probe``, add bootstrap intervals, and write one results file::

    <results>/<org>/<name>/results_<revision[:12]>_<precision>.json
    <results>/<org>/<name>/plots_<revision[:12]>_<precision>/<dataset>_*.png   (the probe's map / years plots)
    <results>/<org>/<name>/weights_<revision[:12]>_<precision>/<dataset>.safetensors   (every layer's fitted probe)

The request file is marked RUNNING under the worker's claim, then FINISHED (naming its results file) or FAILED (with
the reason); one request failing does not stop the others. Several workers may share a requests folder or a Hub
requests repo: each request runs in one of them (``claims.py``), and a request whose worker was killed is taken over
(at once on one host, after the claim expires through a repo) and resumed where its extraction stopped. Results
files use the keys of lm-evaluation-harness (``"r2,test"``, ``"r2_stderr,test"``, ``higher_is_better``,
``n-samples``, ``versions``, ``date``) inside the leaderboard convention's ``config`` block.
"""

from __future__ import annotations

import logging
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacetime.common import digest, write_json_atomic
from spacetime.layout import Layout
from spacetime.loaders.identity import dataset_identity
from spacetime.pipelines.registry import spec
from spacetime.probing.probes.bootstrap import RESAMPLES, SEED, bootstrap_scores, higher_is_better
from spacetime.probing.probes.run import PREDICTIONS_DIR

from .claims import DEFAULT_EXPIRY_S
from .inputs import InputError
from .submissions import Request, read_request

log = logging.getLogger(__name__)

RESULTS_FORMAT = "llm-spacetime-results/1"
RESULTS_VERSION = 1  # per dataset, as lm-eval's "versions": bumps when a dataset's scoring changes
SIGNIFICANT = 6  # digits kept of each bootstrap replicate
ENTITIES_DIR = "entities"  # in the probe folder: per-entity test predictions, copied to predictions_<name>/
# The embedded SmolLM2 ships as bf16 (dequantized from its GGUF), and bfloat16 is a precision leaderboard readers know.
DEMO_PRECISION = "bfloat16"


@dataclass
class EvaluateOptions:
    work_dir: Path = Path("out/evaluate")  # activations and probe folders (resumable)
    device: str = "auto"
    data_revision: str | None = None
    data_repo: str | None = None  # the Hub repo a local release folder stands for
    resamples: int = RESAMPLES
    seed: int = SEED
    retry_failed: bool = False
    cache_dir: Path | None = None
    batch_tokens: int | None = None
    progress: bool = False
    only: list[str] = field(default_factory=list)  # model names; empty: every pending request
    # Opt-in: package each finished request's activations under this folder (<slug>/), linked from its results file;
    # with ``activations_org``, also publish each to the Hub as ``<org>/<slug with __ for -->`` (HF_TOKEN from the env).
    activation_releases: Path | None = None
    activations_org: str | None = None
    endpoint: str | None = None
    # Workers (claims.py): the Hub requests repo claimed in (mirrored in the requests folder), the results repo each
    # finished request is pushed to, how long a claim lives without a beat, whether to wait for requests others run.
    requests_repo: str | None = None
    results_repo: str | None = None
    claim_expiry_s: float = DEFAULT_EXPIRY_S
    wait: bool = True
    worker: str | None = None  # the claims' worker id [default: host-pid-random]


@dataclass
class Summary:
    finished: list[Path] = field(default_factory=list)  # results files
    failed: list[tuple[Path, str]] = field(default_factory=list)  # request files and why
    skipped: list[Path] = field(default_factory=list)  # already finished (or failed, without retry)
    elsewhere: list[tuple[Path, str]] = field(default_factory=list)  # left running in another worker (no wait)
    lost: list[Path] = field(default_factory=list)  # claims taken over while this worker ran them: not recorded


def results_file_name(request: Request) -> str:
    stem = request.file_name.split("_eval_request_")[0]
    short = request.file_name.split("_eval_request_")[1].removesuffix(".json")
    return f"{stem}/results_{short}.json"


def evaluate_requests(
    requests_dir: Path,
    source: str | Path,
    results_dir: Path,
    options: EvaluateOptions | None = None,
    echo: Callable[[str], None] = print,
) -> Summary:
    """Run every runnable request under ``requests_dir`` (with ``options.requests_repo``: of that Hub repo, mirrored
    there) against the released data ``source``, each under this worker's claim (``claims.py``). Requests other
    workers are running are waited for (``options.wait``) and taken over if their claim expires."""
    from .claims import Claims

    options = options or EvaluateOptions()
    claims = Claims(
        requests_dir,
        repo=options.requests_repo,
        endpoint=options.endpoint,
        expiry_s=options.claim_expiry_s,
        worker=options.worker,
    )
    summary = Summary()
    done: set[Path] = set()  # recorded by this run: never looked at again
    paths = claims.refresh()
    if not paths:
        where = options.requests_repo or requests_dir
        raise FileNotFoundError(f"{where}: no request files (*_eval_request_*.json); run `spacetime submit`")
    announced: set[Path] = set()
    while True:
        elsewhere: dict[Path, str] = {}
        moved = False  # this worker ran a request or lost a race: the folder (and the repo) changed, read it again
        for path in paths:
            if path in done:
                continue
            turn = _take_turn(path, claims, source, Path(results_dir), options, summary, echo)
            if turn in (RAN, DONE):
                done.add(path)
            if turn in (RAN, LOST_RACE):
                moved = True
                break
            if turn != DONE:
                elsewhere[path] = turn
        if not moved:
            if not elsewhere:
                return summary
            if not options.wait:
                summary.elsewhere.extend(elsewhere.items())
                return summary
            for path in elsewhere.keys() - announced:
                echo(f"waiting: {path.name} is running in {elsewhere[path]}")
            announced |= elsewhere.keys()
            time.sleep(claims.poll_s)
        paths = claims.refresh()


RAN, DONE, LOST_RACE = "ran", "done", "lost race"


def _take_turn(
    path: Path,
    claims: Any,
    source: str | Path,
    results_dir: Path,
    options: EvaluateOptions,
    summary: Summary,
    echo: Callable[[str], None],
) -> str:
    """Run ``path`` if it is runnable and this worker gets it: RAN; DONE when there is nothing to run; LOST_RACE
    when another worker's claim landed first; otherwise who else is running it."""
    with claims.locked(path) as held:
        if not held:
            return "another process on this host (it holds the request's lock)"
        try:
            request = read_request(path)  # read again under the lock: another process may have run it meanwhile
        except InputError as error:  # unreadable: it cannot be marked, but it is reported
            summary.failed.append((path, str(error)))
            echo(f"FAILED {path}: {error}")
            return DONE
        if options.only and request.model not in options.only:
            return DONE
        if request.status == "FINISHED" or (request.status == "FAILED" and not options.retry_failed):
            summary.skipped.append(path)
            return DONE
        who = claims.running_elsewhere(request)
        if who:
            return who
        if request.status == "RUNNING":
            echo(f"taking over {path.name}: its run stopped ({request.claim and request.claim['worker']})")
        if not claims.take(path, request):
            return LOST_RACE
        _run_claimed(path, request, claims, source, results_dir, options, summary, echo)
        return RAN


def _run_claimed(path, request, claims, source, results_dir, options, summary, echo) -> None:
    """Evaluate a request this worker holds, renewing its claim, and record the outcome while the claim is its own."""
    echo(f"evaluating {request.model} @ {request.revision} ({request.precision}) ...")
    with claims.beating(path, request) as lost:
        try:
            written = evaluate_one(request, source, results_dir, options, echo)
            if options.results_repo and not lost.is_set():
                _push_results(written, results_dir, options)
        except Exception as error:  # noqa: BLE001 - one request's failure is recorded, the others still run
            log.debug("request %s failed", path, exc_info=True)
            request.status, request.error, written = "FAILED", _reason(error), None
        else:
            request.status, request.results = "FINISHED", written.relative_to(results_dir).as_posix()
    if lost.is_set() or not claims.finish(path, request):
        summary.lost.append(path)
        echo(f"claim lost: {request.model} was taken over by another worker; this run's outcome is not recorded")
    elif written is None:
        summary.failed.append((path, request.error))
        echo(f"FAILED {request.model}: {request.error}")
    else:
        summary.finished.append(written)
        echo(f"finished {request.model}: {written}")


def _push_results(written: Path, results_dir: Path, options: EvaluateOptions) -> None:
    """The results file and its folders beside it (``plots_``, ``weights_``, ... ``<name>``) to the results repo,
    before the request says FINISHED."""
    from .hub_repos import files_under, push

    name = written.stem.removeprefix("results_")
    beside = [p for folder in written.parent.glob(f"*_{name}") if folder.is_dir() for p in files_under(folder)]
    push(options.results_repo, results_dir, [written, *beside], f"Results of {written.name}", options.endpoint)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    at = (
        f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where and not isinstance(error, ValueError) else ""
    )
    return f"{type(error).__name__}: {text}{at}"[:2000]


def evaluate_one(
    request: Request, source: str | Path, results_dir: Path, options: EvaluateOptions, echo: Callable[[str], None]
) -> Path:
    """Extract, probe and bootstrap one request; returns its results file."""
    from spacetime.probing.probes.run import ProbeOptions, run_probe

    loaded, device = _load(request, options)
    check_revision(request, loaded.info)
    layers = request_layers(request, loaded.info["num_layers"])
    folders = [_activations(request, loaded, dataset, prompt, layers, source, device, options, echo)
               for dataset, prompt in request.prompts.items()]  # fmt: skip
    probe_dir = options.work_dir / "probes" / digest(request.file_name)[:16]
    probe_options = ProbeOptions(revision=options.data_revision, block_holdout=True)  # the generalisation column
    payload = run_probe(folders, source, probe_dir, options=probe_options, echo=None)
    identity = dataset_identity(source, options.data_revision, repo=options.data_repo)
    results = build_results(request, loaded.info, payload, probe_dir, source, identity, options, device)
    target = results_dir / results_file_name(request)
    _copy_plots(probe_dir, target.parent / f"plots_{target.stem.removeprefix('results_')}")
    _copy_weights(probe_dir, weights_folder(target), list(payload["results"]))
    _copy_entities(probe_dir, predictions_folder(target), list(payload["results"]))
    if options.activation_releases:
        # Released before the results file is written, so a failed release leaves no results file behind; the card
        # reads a copy in the probe folder, beside the probe's R^2-by-layer plots.
        staged = probe_dir / target.name
        write_json_atomic(staged, results)
        results["config"]["activations"] = release_activations(folders, staged, source, options, echo)
    write_json_atomic(target, results)
    return target


def release_activations(
    folders: list[Path], results_file: Path, source: str | Path, options: EvaluateOptions, echo: Callable[[str], None]
) -> dict[str, str]:
    """Package the request's activations (every folder of its model under the work dir) as an activation release,
    with its results in the card; publish it when an organisation is given. Returns the link for the results file:
    ``{"release": slug}``, plus ``repo``, ``revision`` and ``url`` once published."""
    from spacetime.probing.artifacts.release import package_activations

    model_root = Path(folders[0]).parent.parent
    slug = model_root.name
    folder = package_activations(
        model_root.parent,
        slug,
        Path(options.activation_releases) / slug,
        source,
        results=results_file,
        data_revision=options.data_revision,
        command=f"spacetime evaluate --release-activations (request {results_file.name})",
    )
    echo(f"activations released: {folder}")
    link = {"release": slug}
    if options.activations_org:
        from spacetime.probing.artifacts.publish import publish_activation_release

        repo = f"{options.activations_org}/{slug.replace('--', '__')}"  # the Hub refuses "--" in a repo name
        plan = publish_activation_release(folder, repo, yes=True, endpoint=options.endpoint, echo=lambda line: None)
        base = (options.endpoint or "https://huggingface.co").rstrip("/")
        link.update(repo=repo, revision=plan["commit_oid"], url=f"{base}/datasets/{repo}")
        echo(f"activations published: {link['url']}")
    return link


def _load(request: Request, options: EvaluateOptions) -> tuple[Any, str]:
    """The request's model (its ``info`` gains ``num_parameters``); for the lexical floor, no model: its info."""
    if request.kind == "lexical_floor":
        from spacetime.probing.extraction.models import LoadedModel
        from spacetime.probing.probes.lexical import lexical_info

        return LoadedModel(None, None, lexical_info(request.revision)), "cpu"
    import torch

    from spacetime.probing.extraction.models import load_model

    device = options.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    loaded = load_model(
        request.base_model,
        revision=None if request.base_model == "smollm2" else request.revision,
        dtype=request.precision,
        device=device,
        random_init=request.kind == "random_init",
        seed=request.seed,
        cache_dir=options.cache_dir,
    )
    loaded.info["num_parameters"] = int(sum(p.numel() for p in loaded.model.parameters()))
    return loaded, device


def check_revision(request: Request, info: dict[str, Any]) -> None:
    """The loaded weights must be the requested revision (a moved branch or a wrong sha is refused)."""
    loaded = info.get("model_revision")
    if loaded != request.revision:
        raise InputError(
            f"{request.model}: requested revision {request.revision!r}, but the loaded model is {loaded!r}"
        )


def request_layers(request: Request, num_layers: int) -> list[int]:
    if request.kind == "static_embeddings":
        return [0]
    if request.layers == "all":
        return list(range(num_layers))
    out_of_range = [x for x in request.layers if x >= num_layers]
    if out_of_range:
        raise InputError(
            f"{request.model}: layer(s) {out_of_range} are out of range: the model has {num_layers} layers "
            f"(0..{num_layers - 1})"
        )
    return sorted(set(request.layers))


def _activations(request, loaded, dataset, prompt_name, layers, source, device, options, echo) -> Path:
    from spacetime.probing.extraction.entities import read_entities
    from spacetime.probing.extraction.prompts import get_prompt, required_columns
    from spacetime.probing.extraction.run import extract_to_folder
    from spacetime.probing.extraction.static_embeddings import write_static_folder

    prompt = get_prompt(dataset, prompt_name)
    rows = read_entities(dataset, source, required_columns(prompt), options.data_revision)
    root = options.work_dir / "activations"
    if request.kind == "lexical_floor":
        from spacetime.loaders.load import probing_data
        from spacetime.probing.probes.lexical import write_lexical_folder

        data = probing_data(source, dataset, options.data_revision)
        split_of = dict(zip(data.entity_ids, data.split))
        return write_lexical_folder(rows, [split_of[e] for e in rows.entity_ids], prompt, root, loaded.info)
    if request.kind == "static_embeddings":
        return write_static_folder(loaded, rows, prompt, root)
    return extract_to_folder(
        loaded,
        rows,
        prompt,
        layers,
        root,
        batch_tokens=options.batch_tokens,
        seed=request.seed,
        device=device,
        progress=options.progress,
        echo=lambda line: log.info(line),
    )


def build_results(
    request: Request,
    info: dict[str, Any],
    payload: dict[str, Any],
    probe_dir: Path,
    source: str | Path,
    identity: dict[str, str],
    options: EvaluateOptions,
    device: str,
) -> dict[str, Any]:
    """The results file of one request (lm-eval keys inside the leaderboard convention)."""
    from spacetime import __version__

    results, better, samples = {}, {}, {}
    for dataset, probed in payload["results"].items():
        truth, pred, ids = test_predictions(probe_dir, source, dataset, options.data_revision)
        kind = spec(dataset).kind
        boot = bootstrap_scores(truth, pred, probed["targets"], options.resamples, options.seed, kind=kind)
        entry: dict[str, Any] = {
            "best_layer": probed["best_layer"],
            "alpha": probed["alpha"],
            "prompt": request.prompts[dataset],
            "targets": probed["targets"],
            "test_rows": probed["test_rows"],
            "train_rows": probed["train_rows"],
        }
        for metric, stats in boot["metrics"].items():
            entry[f"{metric},test"] = stats["value"]
            entry[f"{metric}_stderr,test"] = stats["stderr"]
            entry[f"{metric}_ci,test"] = stats["ci"]
        entry["per_layer"] = [
            {"layer": p["layer"], "alpha": p["alpha"], "loo_mse": p["loo_mse"], "r2,test": p["test"]["r2"]}
            for p in probed["per_layer"]
        ]
        entry["bootstrap"] = {
            "resamples": boot["resamples"],
            "seed": boot["seed"],
            "confidence": boot["confidence"],
            "entities_sha256": digest(*ids),
            "replicates": {k: [_round(x) for x in v] for k, v in boot["replicates"].items()},
        }
        entry.update(_meaning(request, dataset, probed, (truth, pred, ids), probe_dir, source, options))
        results[dataset] = entry
        better[dataset] = {m: higher_is_better(m) for m in boot["metrics"]}
        samples[dataset] = {"original": len(ids), "effective": len(ids)}
    return {
        "format": RESULTS_FORMAT,
        "config": {
            "model_name": request.model,
            "model_sha": request.revision,
            "model_dtype": info["model_dtype"],
            "base_model": "" if request.kind == "lexical_floor" else request.base_model,
            "num_parameters": info.get("num_parameters"),
            "kind": request.kind,
            "model_type": request.model_type,
            "seed": request.seed if request.kind == "random_init" else None,
            "num_layers": info["num_layers"],
            "hidden_size": info["hidden_size"],
            **identity,
            "prompts": dict(request.prompts),
            "probe": "ridge",
            "alphas": payload["config"]["alphas"],
            "bootstrap": {"resamples": options.resamples, "seed": options.seed},
            "device": device.split(":")[0],
            "package_version": __version__,
            "request": request.file_name,
        },
        "results": results,
        "higher_is_better": better,
        "n-samples": samples,
        "versions": {dataset: RESULTS_VERSION for dataset in results},
        "date": time.time(),
    }


def _meaning(
    request: Request,
    dataset: str,
    probed: dict[str, Any],
    tested: tuple[np.ndarray, np.ndarray, list[str]],
    probe_dir: Path,
    source: str | Path,
    options: EvaluateOptions,
) -> dict[str, Any]:
    """What a dataset's score means: R^2 by popularity stratum, the generalisation R^2 (block hold-out), the
    per-entity predictions (written to ``probe_dir/entities/<dataset>.parquet``, copied beside the results file by
    ``evaluate_one``) and the worst-predicted entities."""
    from spacetime.probing.probes.run import write_parquet
    from spacetime.probing.probes.strata import entity_frame, popularity_measure, strata_scores, worst_entities

    truth, pred, ids = tested
    kind, names = spec(dataset).kind, probed["targets"]
    measure = popularity_measure(dataset)
    columns = _entity_columns(source, dataset, options.data_revision, ["name", *([measure] if measure else [])], ids)
    frame = entity_frame(ids, columns["name"].tolist(), truth, pred, names, kind)
    write_parquet(probe_dir / ENTITIES_DIR / f"{dataset}.parquet", frame, compression="zstd")
    strata = []
    if measure:
        popularity = columns[measure].to_numpy(dtype=np.float64)
        strata = strata_scores(truth, pred, names, popularity, measure, kind, options.resamples, options.seed)
    held = _generalisation(dataset, probed, tested, probe_dir, options)
    results_file = Path(results_file_name(request))
    return {
        "popularity": measure or "none",
        "strata,test": strata,
        "block_column": spec(dataset).block.column,
        "r2,block_holdout": held["r2"] if held else None,
        "r2_ci,block_holdout": held["r2_ci"] if held else None,
        "r2_standard,block_holdout": held["standard_r2"] if held else None,
        "rows,block_holdout": held["rows"] if held else 0,
        "predictions": f"{predictions_folder(results_file).name}/{dataset}.parquet",
        "worst,test": worst_entities(frame),
    }


def _generalisation(
    dataset: str,
    probed: dict[str, Any],
    tested: tuple[np.ndarray, np.ndarray, list[str]],
    probe_dir: Path,
    options: EvaluateOptions,
) -> dict[str, Any] | None:
    """``robustness.generalisation_r2`` of the block hold-out predictions ``run_probe`` wrote for ``dataset``."""
    import pandas as pd

    from spacetime.probing.probes.robustness import generalisation_r2
    from spacetime.probing.probes.run import HOLDOUT_DIR, PRED_PREFIX

    path = probe_dir / HOLDOUT_DIR / f"{dataset}.parquet"
    if not path.is_file():
        return None
    truth, pred, ids = tested
    held = pd.read_parquet(path)
    if not len(held):
        return None
    position = {e: i for i, e in enumerate(ids)}
    rows = np.array([position[e] for e in held["entity_id"]], dtype=np.int64)
    held_pred = held[[PRED_PREFIX + t for t in probed["targets"]]].to_numpy(dtype=np.float64)
    return generalisation_r2(truth[rows], held_pred, pred[rows], truth, options.resamples, options.seed)


def _entity_columns(source: str | Path, dataset: str, revision: str | None, columns: list[str], ids: list[str]) -> Any:
    """``columns`` of the released rows of ``ids``, in that order."""
    import pandas as pd

    from spacetime.loaders.load import load_config

    ds = load_config(source, dataset, revision)
    frame = pd.concat([ds[split].select_columns(["entity_id", *columns]).to_pandas() for split in ds])
    return frame.set_index("entity_id").loc[ids]


def _round(value: float) -> float | None:
    return float(f"{value:.{SIGNIFICANT}g}") if np.isfinite(value) else None


def test_predictions(
    probe_dir: Path, source: str | Path, dataset: str, revision: str | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """True targets and the probe's predictions of the test entities, in the release's test order."""
    import pandas as pd

    from spacetime.loaders.load import probing_data
    from spacetime.probing.probes.run import PRED_PREFIX

    data = probing_data(source, dataset, revision)
    test = np.asarray(data.split) == "test"
    ids = [e for e, t in zip(data.entity_ids, test) if t]
    frame = pd.read_parquet(probe_dir / PREDICTIONS_DIR / f"{dataset}.parquet").set_index("entity_id").loc[ids]
    pred = frame[[PRED_PREFIX + t for t in data.target_names]].to_numpy(dtype=np.float64)
    return data.targets[test], pred, ids


def _copy_plots(probe_dir: Path, target: Path) -> None:
    """The probe's prediction plots (maps, years), beside the results file, for the leaderboard site."""
    from spacetime.probing.probes.plots import PLOTS_DIR

    target.mkdir(parents=True, exist_ok=True)
    for png in sorted((probe_dir / PLOTS_DIR).glob("*.png")):
        if "r2_by_layer" not in png.name:  # the site draws the layer curves itself, every entry on one chart
            shutil.copyfile(png, target / png.name)


def predictions_folder(results_file: Path) -> Path:
    """Where the per-entity test predictions of ``results_<name>.json`` are kept: ``predictions_<name>/`` beside
    it, one zstd Parquet per dataset (``strata.entity_frame``)."""
    return results_file.parent / f"predictions_{results_file.stem.removeprefix('results_')}"


def _copy_entities(probe_dir: Path, target: Path, datasets: list[str]) -> None:
    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for dataset in datasets:
        shutil.copyfile(probe_dir / ENTITIES_DIR / f"{dataset}.parquet", target / f"{dataset}.parquet")


def weights_folder(results_file: Path) -> Path:
    """Where the fitted probes of ``results_<name>.json`` are kept: ``weights_<name>/`` beside it."""
    return results_file.parent / f"weights_{results_file.stem.removeprefix('results_')}"


def _copy_weights(probe_dir: Path, target: Path, datasets: list[str]) -> None:
    """The probe's fitted weights (``probes.weights``, one safetensors file per dataset), beside the results file,
    so they are published with it; only this run's datasets, none left from an earlier run."""
    from spacetime.probing.probes.weights import WEIGHTS_DIR

    if target.is_dir():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for dataset in datasets:
        shutil.copyfile(probe_dir / WEIGHTS_DIR / f"{dataset}.safetensors", target / f"{dataset}.safetensors")


def demo_leaderboard(
    out_root: Path, release_folder: Path, echo: Callable[[str], None] = print, progress: bool = False
) -> Path:
    """The demo's leaderboard: request the embedded SmolLM2 (with its random-init control, its static baseline and
    the lexical floor of its prompts) on every dataset, evaluate the requests against ``release_folder``, render the
    site; returns its ``index.html``.

    Layout under ``out_root/leaderboard/``: ``requests/``, ``results/``, ``site/`` (index.html, leaderboard.md and
    .png); activations and probe folders under ``out_root/evaluate/``; each request's activation release (Hub
    dataset layout, linked from its results file) under ``out_root/activation-releases/<model>/``.
    """
    from spacetime.errors import SpacetimeError

    from .site import render_site
    from .submissions import make_requests, submit
    from .tables import render_leaderboard

    layout = Layout(Path(out_root))
    submit(layout.requests, make_requests("smollm2", None, precision=DEMO_PRECISION))
    options = EvaluateOptions(
        work_dir=layout.evaluations, progress=progress, activation_releases=layout.activation_releases
    )
    summary = evaluate_requests(layout.requests, release_folder, layout.results, options, echo)
    if summary.failed:
        raise SpacetimeError("; ".join(f"{path}: {why}" for path, why in summary.failed))
    index = render_site(layout.results, layout.site)
    render_leaderboard(layout.results, layout.site)
    return index
