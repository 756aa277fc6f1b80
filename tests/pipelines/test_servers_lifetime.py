"""No local server outlives the process that started it (pipelines/servers): a build killed with SIGKILL takes its
Oxigraph with it, a server left by an earlier run is stopped by the next start, and a full disk while Oxigraph loads
its store is named as such."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spacetime.errors import SpacetimeError
from spacetime.pipelines.servers import OxigraphServer
from tests.cli.test_cli_errors import _alive, _children
from tests.release.tmpfs import small_disk

pytestmark = [pytest.mark.server, pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")]

TRIPLES = [
    f'<http://dbpedia.org/resource/P{i}> <http://www.w3.org/2000/01/rdf-schema#label> "P{i}" .' for i in range(3000)
]


def _wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    return condition()


def test_sigkill_of_a_build_takes_its_oxigraph_server_with_it(tmp_path):
    code = "import sys; from spacetime.cli import main; sys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "build", "world_places", "--sample", "--out", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not servers:
            servers = _children(proc.pid, "serve-read-only")
            time.sleep(0.1)
        assert servers, "the build never started its Oxigraph server"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert _wait_for(lambda: not any(_alive(pid) for pid in servers), 30), "Oxigraph outlived its killed build"
    finally:
        for pid in servers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_server_left_by_an_earlier_run_is_stopped_by_the_next_start(tmp_path):
    triples = tmp_path / "places.nt"
    triples.write_text("\n".join(TRIPLES) + "\n")
    store = tmp_path / "store"
    # An earlier run whose server had no parent-death signal (another OS, an older version), then killed outright.
    earlier = (
        "import os, signal, sys\n"
        "from spacetime.pipelines import servers\n"
        "servers._child_dies_with_parent = lambda: None\n"
        f"server = servers.OxigraphServer([{str(triples)!r}], store_root={str(store)!r}).start()\n"
        "print(server.proc.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", earlier], capture_output=True, text=True, timeout=120)
    left = int(done.stdout.split()[0])
    try:
        assert _alive(left)  # the simulation holds: a server without its run
        with OxigraphServer([triples], store_root=store) as server:
            assert _wait_for(lambda: not _alive(left), 30), "the stale server was not stopped"
            assert server.proc is not None and _alive(server.proc.pid)
        assert list(store.glob("server-*.pid")) == []
    finally:
        if _alive(left):
            os.kill(left, signal.SIGKILL)


def test_a_live_servers_owner_keeps_it_running(tmp_path):
    triples = tmp_path / "places.nt"
    triples.write_text("\n".join(TRIPLES) + "\n")
    with OxigraphServer([triples], store_root=tmp_path / "store") as first:
        with OxigraphServer([triples], store_root=tmp_path / "store"):
            assert first.proc is not None and _alive(first.proc.pid)


def test_oxigraph_loading_on_a_full_disk_names_the_path(tmp_path):
    triples = tmp_path / "places.nt"
    triples.write_text("\n".join(TRIPLES * 1) + "\n")
    with small_disk(tmp_path / "disk", "64k") as disk:
        with pytest.raises(SpacetimeError, match=f"no space left on {disk}/store/[0-9a-f]+: its filesystem {disk} "):
            OxigraphServer([triples], store_root=disk / "store").load()
        assert list((disk / "store").glob("*/")) == []
