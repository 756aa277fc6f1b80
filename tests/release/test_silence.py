"""A Hub named by ``--endpoint`` (or ``endpoint=``) is the only host contacted: `publish`, `publish-activations` and
the leaderboard's push/pull, each run in a child process against the local Hub server (tests/hubserver.py) while an
audit hook records every name looked up and every address connected to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spacetime.cli import main
from tests.hubserver import HubServer
from tests.release.test_publish import CARD, TEST, TOKEN, TRAIN, _parquet, write_report

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Installed before anything else is imported: the hook sees every lookup and connection of the whole run.
AUDITED = """
import json, socket, sys
contacted = set()

def audit(event, args):
    if event == "socket.getaddrinfo":
        contacted.add(str(args[0]))
    elif event == "socket.connect" and isinstance(args[1], tuple):
        contacted.add(str(args[1][0]))

sys.addaudithook(audit)
try:
{body}
finally:
    print("CONTACTED " + json.dumps(sorted(contacted)))
"""


def contacted_hosts(body: str, tmp_path: Path, **env: str) -> set[str]:
    """The hosts a child process running ``body`` (Python, indented by 4) looked up or connected to."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING")) and "TELEMETRY" not in k}
    clean.update(HF_HOME=str(tmp_path / "hf_home"), HF_TOKEN=TOKEN, **env)  # no cached copy of anything
    code = AUDITED.format(body=body)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("CONTACTED "))
    return set(json.loads(line.removeprefix("CONTACTED ")))


@pytest.fixture
def hub():
    with HubServer(token=TOKEN) as server:
        yield server


def test_publish_with_an_endpoint_contacts_no_other_host(hub, tmp_path):
    folder = tmp_path / "out" / "release"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(CARD)
    _parquet(folder / TRAIN, ["Paris", "Lima"], [48.86, -12.05])
    _parquet(folder / TEST, ["Quito"], [-0.18])
    write_report(folder, tmp_path / "out" / "validation" / "report.json")
    body = f"""
    from spacetime.cli import main
    main(["publish", "--repo-id", "org/entities", "--tag", "v1.0", "--out", {str(tmp_path / "out")!r},
          "--yes", "--endpoint", {hub.url!r}], standalone_mode=False)
"""
    hosts = contacted_hosts(body, tmp_path)
    assert hub.repo("org/entities").tags  # it did publish, to the local Hub
    assert hosts and hosts <= LOOPBACK, hosts


def test_the_leaderboards_push_and_pull_contact_no_other_host(hub, tmp_path):
    local = tmp_path / "requests"
    (local / "org").mkdir(parents=True)
    (local / "org" / "model.json").write_text('{"status": "PENDING"}\n')
    body = f"""
    from pathlib import Path
    from spacetime.probing.leaderboard import hub_repos
    local = Path({str(local)!r})
    hub_repos.push("org/requests", local, [local / "org" / "model.json"], "a request", endpoint={hub.url!r})
    hub_repos.pull("org/requests", Path({str(tmp_path / "mirror")!r}), endpoint={hub.url!r})
"""
    hosts = contacted_hosts(body, tmp_path)
    assert (tmp_path / "mirror" / "org" / "model.json").is_file()
    assert hosts and hosts <= LOOPBACK, hosts


def test_publish_activations_with_an_endpoint_contacts_no_other_host(hub, tmp_path):
    pytest.importorskip("torch")
    from tests.probing.artifacts.test_release import SLUG, write_model
    from tests.synthetic import history_frame, world_frame, write_release

    rng = np.random.default_rng(0)
    data = write_release(tmp_path, {"world_places": world_frame(20, rng), "historical_figures": history_frame(20, rng)})
    write_model(tmp_path, data)
    made = CliRunner().invoke(main, ["package-activations", SLUG, "--out", str(tmp_path), "--model-license", "mit"])
    assert made.exit_code == 0, made.output
    body = f"""
    from spacetime.cli import main
    main(["publish-activations", {SLUG!r}, "--repo-id", "org/activations", "--out", {str(tmp_path)!r}, "--yes",
          "--endpoint", {hub.url!r}], standalone_mode=False)
"""
    hosts = contacted_hosts(body, tmp_path)
    assert hub.repo("org/activations").head
    assert hosts and hosts <= LOOPBACK, hosts
