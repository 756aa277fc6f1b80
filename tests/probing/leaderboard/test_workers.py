"""Several `spacetime evaluate` workers on one requests folder or Hub requests repo: each request runs exactly once,
a killed worker's request is taken over; request and results files are read only when they are regular files; model
ids are checked as the Hub checks them.

The workers are real processes; the requests repo, the results repo and the model (a tiny random Llama from
tests/tiny.py, at a commit sha of its own) live on the local Hub server of tests/hubserver.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.probing.leaderboard.claims import Claims
from spacetime.probing.leaderboard.inputs import InputError, read_json
from spacetime.probing.leaderboard.submissions import make_requests, read_request, request_bytes, submit
from tests.hubserver import HubServer
from tests.synthetic import world_frame, write_release

TOKEN = "hf_WORKERSECRET42"
SHA = "0123456789abcdef0123456789abcdef01234567"
MODEL = "tiny/llama"
REQUESTS_REPO = "board/requests"
WAIT_S = 600  # a worker that runs longer than this is stuck: the test fails instead of hanging


# --- fixtures: a small release, a tiny model on the Hub server, workers as processes ---------------------------------


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release")
    return write_release(root, {"world_places": world_frame(48, np.random.default_rng(0))})


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory) -> dict[str, bytes]:
    from tests.tiny import tiny_model, tiny_tokenizer

    folder = tmp_path_factory.mktemp("tiny")
    tokenizer = tiny_tokenizer()
    tiny_model("llama", len(tokenizer)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def hub(tiny_files):
    with HubServer(token=TOKEN) as server:
        server.model_sha = server.seed_repo(MODEL, tiny_files, repo_type="model").head.oid
        yield server


def tiny_requests(sha: str, seeds: int) -> list:
    """The tiny model's request, its static baseline and ``seeds`` random-init controls (no lexical floor)."""
    found = {}
    for seed in range(seeds):
        for request in make_requests(MODEL, sha, "float32", {"world_places": "empty"}, seed=seed):
            if request.kind != "lexical_floor":
                found[request.file_name] = request
    return list(found.values())


def seed_requests_repo(hub: HubServer, requests: list) -> None:
    hub.seed_repo(REQUESTS_REPO, {r.file_name: request_bytes(r) for r in requests})


def remote_requests(hub: HubServer) -> dict[str, dict]:
    files = hub.repo(REQUESTS_REPO).head.files
    return {p: json.loads(data) for p, data in files.items() if "_eval_request_" in p}


def commits(hub: HubServer, repo: str, verb: str) -> list[str]:
    """The request file of every commit of ``verb`` (Claim, Beat, Finished, Failed) to ``repo``."""
    return [c.summary.split()[1] for c in hub.repo(repo).commits if c.summary.startswith(f"{verb} ")]


class Worker:
    """`spacetime evaluate` in a process of its own, its output in a file."""

    def __init__(self, hub: HubServer, root: Path, name: str, release: Path, *args: str):
        self.log = root / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HUGGING_FACE_HUB_TOKEN")}
        env.update(HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN, HF_HOME=str(root / f"hf-{name}"), PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "spacetime.cli", "evaluate", "--data", str(release), "--device", "cpu"]
        command += ["--resamples", "100", "--endpoint", hub.url, *args]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self) -> int:
        return self.process.wait(timeout=WAIT_S)

    def finished(self) -> list[str]:
        return [line.split()[1].rstrip(":") for line in self.output().splitlines() if line.startswith("finished ")]


def worker_args(root: Path, name: str, *extra: str) -> list[str]:
    return ["--out", str(root / name), *extra]


def until(condition, what: str) -> None:
    """Poll ``condition`` until it holds; fail (not hang) after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


# --- the Hub requests repo: claims with a parent commit -----------------------------------------------------------


def test_of_two_claims_on_one_revision_only_one_lands(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    requests = tiny_requests(hub.model_sha, seeds=1)
    seed_requests_repo(hub, requests)
    one, two = (Claims(tmp_path / name, repo=REQUESTS_REPO, endpoint=hub.url, worker=name) for name in ("one", "two"))
    paths = [one.refresh(), two.refresh()]  # both read the same revision
    assert one.revision == two.revision == hub.repo(REQUESTS_REPO).head.oid
    taken = [claims.take(p[0], read_request(p[0])) for claims, p in zip((one, two), paths)]
    assert taken == [True, False]
    assert len(commits(hub, REQUESTS_REPO, "Claim")) == 1
    assert len(hub.calls("POST", "/commit/")) == 2  # the second was answered 412
    remote = remote_requests(hub)[paths[0][0].relative_to(tmp_path / "one").as_posix()]
    assert remote["status"] == "RUNNING" and remote["claim"]["worker"] == "one"


def test_an_expired_claim_is_taken_over_and_its_old_worker_records_nothing(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    seed_requests_repo(hub, tiny_requests(hub.model_sha, seeds=1))
    old = Claims(tmp_path / "old", repo=REQUESTS_REPO, endpoint=hub.url, expiry_s=600, worker="old")
    path = old.refresh()[0]
    request = read_request(path)
    assert old.take(path, request)
    new = Claims(tmp_path / "new", repo=REQUESTS_REPO, endpoint=hub.url, expiry_s=600, worker="new")
    seen = read_request(new.refresh()[0])
    assert "worker old" in new.running_elsewhere(seen)  # a live claim is left alone
    new.expiry_s = 0.001  # as if the old worker's beats had stopped long ago
    assert new.running_elsewhere(seen) is None
    assert new.take(new.folder / request.file_name, seen)
    request.status = "FINISHED"
    assert old.finish(path, request) is False  # the old worker's outcome is not recorded
    assert remote_requests(hub)[request.file_name]["claim"]["worker"] == "new"


def test_three_workers_evaluate_every_request_exactly_once(hub, release, tmp_path):
    requests = tiny_requests(hub.model_sha, seeds=4)  # the model, its static baseline, four random-init controls
    seed_requests_repo(hub, requests)
    repos = ["--requests-repo", REQUESTS_REPO, "--results-repo", "board/results", "--claim-expiry", "120"]
    workers = [Worker(hub, tmp_path, name, release, *worker_args(tmp_path, name, *repos)) for name in "abc"]
    codes = [w.wait() for w in workers]
    assert codes == [0, 0, 0], [w.output()[-3000:] for w in workers]
    finished = [model for w in workers for model in w.finished()]
    assert sorted(finished) == sorted(r.model for r in requests)  # each once, whoever ran it
    assert sorted(commits(hub, REQUESTS_REPO, "Finished")) == sorted(r.file_name for r in requests)
    assert {r["status"] for r in remote_requests(hub).values()} == {"FINISHED"}
    results = [p for p in hub.repo("board/results").head.files if p.endswith(".json")]
    assert len(results) == len(requests)


def test_a_killed_workers_request_is_finished_by_another_after_its_claim_expires(hub, release, tmp_path):
    requests = tiny_requests(hub.model_sha, seeds=1)
    seed_requests_repo(hub, requests)
    repos = ["--requests-repo", REQUESTS_REPO, "--claim-expiry", "10"]
    hub.hold[f"/{MODEL}/resolve/"] = threading.Event()  # the model's files: the first worker stops inside its request
    first = Worker(hub, tmp_path, "first", release, *worker_args(tmp_path, "first", *repos))
    until(lambda: commits(hub, REQUESTS_REPO, "Claim") and hub.calls(contains=f"/{MODEL}/resolve/"), "the claim")
    first.process.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL
    (claimed,) = commits(hub, REQUESTS_REPO, "Claim")
    killed = remote_requests(hub)[claimed]["claim"]["worker"]
    hub.hold.pop(f"/{MODEL}/resolve/").set()

    others = [Worker(hub, tmp_path, name, release, *worker_args(tmp_path, name, *repos)) for name in ("b", "c")]
    codes = [w.wait() for w in others]
    assert codes == [0, 0], [w.output()[-3000:] for w in others]
    assert sorted(m for w in others for m in w.finished()) == sorted(r.model for r in requests)
    assert sorted(commits(hub, REQUESTS_REPO, "Finished")) == sorted(r.file_name for r in requests)
    final = remote_requests(hub)[claimed]
    assert final["status"] == "FINISHED" and final["claim"]["worker"] != killed
    assert any(f"taking over {Path(claimed).name}" in w.output() for w in others)


# --- one local requests folder: a file lock per request -------------------------------------------------------------


def test_two_processes_started_together_on_one_folder_run_each_request_once(hub, release, tmp_path):
    requests = tiny_requests(hub.model_sha, seeds=2)
    submit(tmp_path / "requests", requests)
    args = worker_args(tmp_path, "shared", "--requests", str(tmp_path / "requests"))
    workers = [Worker(hub, tmp_path, name, release, *args) for name in ("one", "two")]
    codes = [w.wait() for w in workers]
    assert codes == [0, 0], [w.output()[-3000:] for w in workers]
    assert sorted(m for w in workers for m in w.finished()) == sorted(r.model for r in requests)
    assert not any("FAILED" in w.output() for w in workers)
    statuses = {read_request(p).status for p in (tmp_path / "requests").rglob("*_eval_request_*.json")}
    assert statuses == {"FINISHED"}


def test_a_second_process_waits_for_the_request_the_first_is_running(hub, release, tmp_path):
    requests = tiny_requests(hub.model_sha, seeds=1)[:1]
    submit(tmp_path / "requests", requests)
    args = worker_args(tmp_path, "shared", "--requests", str(tmp_path / "requests"), "--claim-expiry", "4")
    args += ["--results-repo", "board/results"]
    hub.hold["/api/datasets/board/results/"] = threading.Event()  # the first stops before it records FINISHED
    first = Worker(hub, tmp_path, "first", release, *args)
    probes = tmp_path / "shared" / "evaluate" / "probes"
    until(lambda: probes.is_dir() and any(probes.iterdir()) and hub.calls(contains="board/results"), "the probes")
    second = Worker(hub, tmp_path, "second", release, *args)
    until(lambda: "waiting: " in second.output(), "the second to wait")
    hub.hold.pop("/api/datasets/board/results/").set()
    assert first.wait() == 0, first.output()[-3000:]
    assert second.wait() == 0, second.output()[-3000:]
    assert first.finished() == [requests[0].model] and second.finished() == []
    assert "evaluating" not in second.output() and "FAILED" not in first.output() + second.output()
    assert "0 finished, 0 failed, 1 already done" in second.output()


# --- request and results files: regular files only ------------------------------------------------------------------


def bad_entries(folder: Path, pattern: str) -> list[Path]:
    """A symlink to /dev/zero, a FIFO, a folder and a dangling symlink, each named like a file ``pattern`` finds."""
    folder.mkdir(parents=True, exist_ok=True)
    zero, fifo, directory, dangling = (folder / pattern.replace("*", name) for name in ("a0", "a1", "a2", "a3"))
    zero.symlink_to("/dev/zero")
    os.mkfifo(fifo)
    directory.mkdir()
    dangling.symlink_to(folder / "nowhere")
    return [zero, fifo, directory, dangling]


def test_the_reader_refuses_what_is_not_a_regular_file_without_reading_it(tmp_path):
    zero, fifo, directory, dangling = bad_entries(tmp_path, "x_*.json")
    for path, kind in [(zero, "a symbolic link"), (fifo, "a FIFO"), (directory, "a folder"), (dangling, "a symbolic")]:
        with pytest.raises(InputError, match=f"{path.name}: {kind}"):
            read_json(path, max_bytes=1000)
    with pytest.raises(InputError, match="a character device"):
        read_json(Path("/dev/zero"), max_bytes=1000)


def test_evaluate_skips_bad_request_entries_with_a_warning_and_runs_the_rest(hub, release, tmp_path):
    requests = tmp_path / "requests"
    (request,) = tiny_requests(hub.model_sha, seeds=1)[:1]
    bad = bad_entries(requests / "tiny", "*_eval_request_0123456789ab_float32.json")  # sorted before the request
    submit(requests, [request])
    worker = Worker(hub, tmp_path, "one", release, *worker_args(tmp_path, "one", "--requests", str(requests)))
    assert worker.wait() == 0, worker.output()[-3000:]
    for path in bad:
        assert f"skipped {path}: " in worker.output()
    assert worker.finished() == [request.model]


def test_leaderboard_skips_bad_results_entries_with_a_warning(tmp_path, caplog):
    bad = bad_entries(tmp_path / "results" / "org" / "m", "results_*.json")
    done = CliRunner().invoke(main, ["leaderboard", str(tmp_path / "results"), "--out", str(tmp_path / "site")])
    for path in bad:
        assert f"skipped {path}: " in caplog.text
    assert "no results files" in done.output


# --- model ids: as the Hub checks them ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["org/model\n", "a../b", "org/a--b", "org/model."])
def test_model_ids_the_hub_refuses_are_refused_at_submission(tmp_path, model):
    with pytest.raises(InputError, match="is not a Hub model id"):
        make_requests(model, SHA, prompts={"world_places": "empty"})
    done = CliRunner().invoke(
        main, ["submit", "--model", model, "--model-revision", SHA, "--requests", str(tmp_path / "rq"), "world_places"]
    )
    assert done.exit_code == 1 and "is not a Hub model id" in done.output
    assert not (tmp_path / "rq").exists() or not any((tmp_path / "rq").rglob("*.json"))
