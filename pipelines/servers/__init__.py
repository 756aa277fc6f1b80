"""Real SPARQL servers on loopback: Oxigraph, the embedded default (Virtuoso, for tests and benchmarks: tools/).

Each server is started as a child process, waited for until it answers, and stopped by its process id.

No server outlives the process that started it: on Linux the kernel kills it when its parent dies (the parent-death
signal, even for a SIGKILL of the parent that no handler sees). The kernel sends it when the *thread* that started the
child exits, so start servers from a thread that outlives them (the CLI starts them from its main thread). A server
left by a run this did not cover (another OS, an older version) is found by its pid file and stopped by the next start
in the same store folder.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
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
from collections.abc import Callable, Sequence
from pathlib import Path

from filelock import FileLock

from spacetime.common import digest, disk_full_error, file_sha256, full_disk_named, says_disk_full
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
    """Whether ``pid`` runs; a zombie (dead, not reaped: a container's init may never reap it) does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _child_dies_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel SIGKILL the child when this process (the thread starting it) dies.

    It runs in the forked child before ``exec``: it only calls ``prctl``, looked up here, beforehand. A parent that
    died before the signal was armed is seen by the parent pid having changed."""
    if _libc is None:
        return None
    parent = os.getpid()
    prctl = _libc.prctl

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return arm


def _is_oxigraph_server(pid: int, location: str) -> bool:
    """Whether ``pid`` is an ``oxigraph serve-read-only`` of ``location`` (not a stranger that reused the pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"serve-read-only" in argv and location.encode() in argv and _alive(pid)


def stop_stale_servers(store_root: Path) -> list[int]:
    """Stop the Oxigraph servers of ``store_root`` whose owner is gone; returns their pids.

    Each server's owner holds a lock on its pid file (``server-<port>.pid``) while it runs; the kernel drops the lock
    when the owner dies, so a pid file that can be locked belongs to a server nobody will stop."""
    stopped = []
    for pid_file in sorted(Path(store_root).glob("server-*.pid")):
        with open(pid_file, "r+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its owner is alive
            try:
                record = json.loads(handle.read())
                pid, location = int(record["pid"]), str(record["location"])
            except (ValueError, KeyError, TypeError):
                continue  # being written by its owner, not locked yet
            if _is_oxigraph_server(pid, location):
                log.warning("stopping Oxigraph pid %d left running by an earlier run (%s)", pid, pid_file)
                stop_pid(pid)
                stopped.append(pid)
            pid_file.unlink(missing_ok=True)
    return stopped


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
        self._pid_file = None  # locked while this process owns the server

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
                preexec_fn=_child_dies_with_parent(),
            )
            if loaded.returncode != 0:
                shutil.rmtree(location, ignore_errors=True)
                if says_disk_full(loaded.stderr):
                    raise disk_full_error(location)
                message = _oxigraph_error(loaded.stderr) or f"exit code {loaded.returncode}"
                names = ", ".join(f.name for f in self.files)
                raise SpacetimeError(f"oxigraph could not load the RDF files ({names}): {message}")
            with full_disk_named(done):
                done.write_text("ok\n")
        return location

    def start(self) -> OxigraphServer:
        location = self.load()
        stop_stale_servers(self.store_root)
        log_path = location.parent / f"server-{self.port}.log"
        self._pid_file = self._claim_pid_file()
        with open(log_path, "wb") as log_file:
            self.proc = subprocess.Popen(
                [oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_child_dies_with_parent(),
            )
        _running.add(self.proc.pid)
        self._pid_file.write(json.dumps({"pid": self.proc.pid, "location": str(location), "owner": os.getpid()}))
        self._pid_file.flush()
        try:
            wait_for_sparql(self.endpoint, self.start_timeout, self.proc, log_path)
        except BaseException:
            self.stop()
            raise
        log.info("Oxigraph serving %s (pid %d)", self.endpoint, self.proc.pid)
        return self

    def _claim_pid_file(self):
        """This server's pid file, locked while this process owns the server (see :func:`stop_stale_servers`)."""
        handle = open(self.store_root / f"server-{self.port}.pid", "w", encoding="utf-8")
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    def stop(self) -> None:
        if self.proc is not None:
            stop_pid(self.proc.pid)
            _running.discard(self.proc.pid)
            self.proc = None
        if self._pid_file is not None:
            Path(self._pid_file.name).unlink(missing_ok=True)
            self._pid_file.close()
            self._pid_file = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
