"""Real SPARQL servers on loopback: Oxigraph, the embedded default (Virtuoso, for tests and benchmarks: tools/).

Each server is started as a child process, waited for until it answers, and stopped by its process id.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from filelock import FileLock

from spacetime.common import digest, file_sha256
from spacetime.errors import SpacetimeError

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Server processes this process started and has not stopped yet: what stop_all_servers stops on SIGTERM.
_running: set[int] = set()


def stop_all_servers() -> None:
    """Stop every server process still running (a signal handler's cleanup: no context manager runs for it)."""
    for pid in list(_running):
        stop_pid(pid, timeout=5.0)
        _running.discard(pid)


def stop_pid(pid: int, timeout: float = 15.0) -> None:
    """SIGTERM, wait, then SIGKILL the process ``pid`` (a child of ours)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child, or already reaped
            done = pid if not _alive(pid) else 0
        if done:
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_sparql(
    url: str, timeout: float, proc: subprocess.Popen | None = None, log_path: Path | None = None
) -> None:
    """Poll ``url`` with a trivial ASK query until it answers 200."""
    query = urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path and log_path.exists() else ""
            raise RuntimeError(f"SPARQL server for {url} exited with code {proc.returncode}:\n{tail}")
        try:
            req = urllib.request.Request(f"{url}?{query}", headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            last = err
        time.sleep(0.1)
    raise TimeoutError(f"SPARQL server at {url} did not answer within {timeout:.0f}s (last error: {last})")


def oxigraph_binary() -> str:
    """The `oxigraph` CLI installed by the PyPI package of that name (next to this interpreter, or on PATH)."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the `oxigraph` server is not installed: pip install oxigraph")
    return found


def _oxigraph_error(stderr: str) -> str:
    """Oxigraph's own error lines, without the Rust backtrace that follows them when RUST_BACKTRACE is set."""
    lines = stderr.split("Stack backtrace:")[0].strip().splitlines()
    return " ".join([line for line in lines if line.startswith("Error")] or lines[-2:])


class OxigraphServer:
    """Loads RDF files into a persistent store (once per set of files) and serves it read-only on loopback.

    >>> with OxigraphServer(files, store_root=".cache/oxigraph") as server:
    ...     client = SparqlClient(server.endpoint)
    """

    def __init__(
        self,
        files: Sequence[str | os.PathLike],
        store_root: str | os.PathLike,
        port: int | None = None,
        start_timeout: float = 60.0,
    ):
        self.files = [Path(f) for f in files]
        self.store_root = Path(store_root)
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def store_location(self) -> Path:
        """A store folder named by the content of the files, so a changed sample is loaded afresh."""
        parts = [part for f in sorted(self.files) for part in (f.name, file_sha256(f))]
        return self.store_root / digest(*parts)[:16]

    def load(self) -> Path:
        location = self.store_location()
        done = location / ".loaded"
        location.parent.mkdir(parents=True, exist_ok=True)
        # Two builds sharing a cache load the store once: the second waits for the first, then reuses its store.
        with FileLock(str(location) + ".lock"):
            if done.exists():
                return location
            if location.exists():
                shutil.rmtree(location)  # a load that was interrupted
            location.mkdir(parents=True)
            log.info("loading %d RDF files into Oxigraph at %s", len(self.files), location)
            loaded = subprocess.run(
                [oxigraph_binary(), "load", "--location", str(location), "--file", *map(str, self.files)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            if loaded.returncode != 0:
                shutil.rmtree(location, ignore_errors=True)
                message = _oxigraph_error(loaded.stderr) or f"exit code {loaded.returncode}"
                names = ", ".join(f.name for f in self.files)
                raise SpacetimeError(f"oxigraph could not load the RDF files ({names}): {message}")
            done.write_text("ok\n")
        return location

    def start(self) -> OxigraphServer:
        location = self.load()
        log_path = location.parent / f"server-{self.port}.log"
        with open(log_path, "wb") as log_file:
            self.proc = subprocess.Popen(
                [oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _running.add(self.proc.pid)
        try:
            wait_for_sparql(self.endpoint, self.start_timeout, self.proc, log_path)
        except BaseException:
            self.stop()
            raise
        log.info("Oxigraph serving %s (pid %d)", self.endpoint, self.proc.pid)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_pid(self.proc.pid)
            _running.discard(self.proc.pid)
            self.proc = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
