"""Real SPARQL servers on loopback: Oxigraph (the embedded default) and, for tests and benchmarks, Virtuoso.

Each server is started as a child process, waited for until it answers, and stopped by its process id.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from filelock import FileLock

from spacetime.common import digest, file_sha256
from spacetime.errors import SpacetimeError

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
            self.proc = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- Virtuoso (Debian's virtuoso-opensource 7), the server DBpedia runs -------------------------------------------

VIRTUOSO_INI_CANDIDATES = (
    Path("/etc/virtuoso-opensource-7/virtuoso.ini"),  # the conffile Debian installs
    Path("/usr/share/virtuoso-opensource-7/virtuoso.ini"),  # the pristine copy it was made from
)
VIRTUOSO_INSTALL_HINT = "apt-get install virtuoso-opensource"
VIRTUOSO_CAP_KEYS = ("ResultSetMaxRows", "MaxSortedTopRows", "MaxQueryExecutionTime", "MaxQueryCostEstimationTime")


def virtuoso_available() -> str | None:
    """None when Debian's Virtuoso 7 can be started here, else the reason it cannot (for pytest skips)."""
    for binary in ("virtuoso-t", "isql-vt"):
        if shutil.which(binary) is None:
            return f"{binary} not found: {VIRTUOSO_INSTALL_HINT}"
    if virtuoso_default_ini() is None:
        return f"no default virtuoso.ini in {', '.join(map(str, VIRTUOSO_INI_CANDIDATES))}: {VIRTUOSO_INSTALL_HINT}"
    return None


def virtuoso_default_ini() -> Path | None:
    return next((path for path in VIRTUOSO_INI_CANDIDATES if path.is_file()), None)


def rewrite_ini(text: str, values: dict[tuple[str, str], str]) -> str:
    """Replace the value of each ``(section, key)`` in ``values``, keeping every other line (and its comment) as is.

    Every key asked for must be present: a Debian ini without one is a surprise worth failing on.
    """
    out, section, seen = [], "", set()
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
        elif "=" in stripped and not stripped.startswith(";"):
            key = stripped.split("=", 1)[0].strip()
            if (section, key) in values:
                comment = line.split(";", 1)[1].rstrip("\n") if ";" in line else ""
                line = f"{key} = {values[section, key]}" + (f"\t;{comment}" if comment else "") + "\n"
                seen.add((section, key))
        out.append(line)
    missing = set(values) - seen
    if missing:
        raise ValueError(f"virtuoso.ini lacks {sorted(missing)}; cannot relocate it safely")
    return "".join(out)


def ini_value(text: str, section: str, key: str) -> str | None:
    """The value of ``key`` in ``[section]`` (comment stripped), or None."""
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
        elif current == section and "=" in stripped and not stripped.startswith(";"):
            name, value = stripped.split("=", 1)
            if name.strip() == key:
                return value.split(";", 1)[0].strip()
    return None


class VirtuosoServer:
    """Debian's Virtuoso 7 in a private database folder on free loopback ports, loaded with N-Triples.

    The ini is Debian's default with only paths, ports and DirsAllowed changed, so the result caps DBpedia shows
    (10,000 rows per result, 10,000 sorted rows, 60 s execution) apply here too. Triples go into the named graph
    ``graph``; pass it as the client's default graph, as DBpedia's endpoint does with http://dbpedia.org.

    ``data`` is a list of N-Triples files, or a callable that writes N-Triples to the path it is given.

    >>> with VirtuosoServer(["places.nt"], workdir=tmp) as server:
    ...     client = SparqlClient(server.endpoint, default_graph=server.graph)
    """

    def __init__(
        self,
        data: Sequence[str | os.PathLike] | Callable[[Path], object],
        workdir: str | os.PathLike,
        graph: str = "urn:spacetime:test",
        start_timeout: float = 60.0,
        load_timeout: float = 300.0,
        keep_files: bool = False,
    ):
        self.data = data
        self.workdir = Path(workdir).resolve()  # virtuoso-t runs in its own folder
        self.graph = graph
        self.start_timeout = start_timeout
        self.load_timeout = load_timeout
        self.keep_files = keep_files
        self.sql_port = free_port()
        self.http_port = free_port()
        self.dbdir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.load_seconds: float | None = None
        self.triples: int | None = None
        self.caps: dict[str, str] = {}

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def log_path(self) -> Path:
        assert self.dbdir is not None, "start() first"
        return self.dbdir / "virtuoso.log"

    def write_ini(self, data_dirs: Sequence[Path]) -> Path:
        """Debian's default virtuoso.ini with paths, ports and DirsAllowed pointed at our folders."""
        source = virtuoso_default_ini()
        if source is None:
            raise RuntimeError(virtuoso_available() or "no default virtuoso.ini")
        text = source.read_text()
        db = self.dbdir
        dirs_allowed = ini_value(text, "Parameters", "DirsAllowed") or "."
        values = {
            ("Database", "DatabaseFile"): str(db / "virtuoso.db"),
            ("Database", "ErrorLogFile"): str(db / "virtuoso.log"),
            ("Database", "LockFile"): str(db / "virtuoso.lck"),
            ("Database", "TransactionFile"): str(db / "virtuoso.trx"),
            ("Database", "xa_persistent_file"): str(db / "virtuoso.pxa"),
            ("TempDatabase", "DatabaseFile"): str(db / "virtuoso-temp.db"),
            ("TempDatabase", "TransactionFile"): str(db / "virtuoso-temp.trx"),
            ("Parameters", "ServerPort"): f"127.0.0.1:{self.sql_port}",
            ("Parameters", "DirsAllowed"): ", ".join([dirs_allowed, *map(str, data_dirs)]),
            ("HTTPServer", "ServerPort"): f"127.0.0.1:{self.http_port}",
        }
        self.caps = {
            key: value
            for key in VIRTUOSO_CAP_KEYS
            for section in ("SPARQL", "Parameters")
            if (value := ini_value(text, section, key)) is not None
        }
        ini = db / "virtuoso.ini"
        ini.write_text(rewrite_ini(text, values))
        return ini

    def data_files(self) -> list[Path]:
        if callable(self.data):
            target = self.dbdir / "data" / "data.nt"
            target.parent.mkdir()
            self.data(target)
            return [target]
        files = [Path(f).resolve() for f in self.data]
        for path in files:
            if not path.is_file():
                raise FileNotFoundError(f"Virtuoso data file {path} does not exist")
        return files

    def start(self) -> VirtuosoServer:
        reason = virtuoso_available()
        if reason:
            raise RuntimeError(reason)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dbdir = Path(tempfile.mkdtemp(prefix="virtuoso-", dir=self.workdir))
        try:
            files = self.data_files()
            ini = self.write_ini(sorted({f.parent for f in files}))
            with open(self.dbdir / "stdout.log", "wb") as out:
                # cwd: the ini's relative names ('.' in DirsAllowed, striping segments) resolve inside our folder
                self.proc = subprocess.Popen(
                    ["virtuoso-t", "+foreground", "+configfile", str(ini)],
                    cwd=self.dbdir,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.wait_until_up()
            started = time.monotonic()
            self.load(files)
            self.load_seconds = time.monotonic() - started
        except BaseException:
            self.stop()
            raise
        log.info(
            "Virtuoso serving %s (pid %d): %d triples loaded in %.1fs",
            self.endpoint,
            self.proc.pid,
            self.triples,
            self.load_seconds,
        )
        return self

    def wait_until_up(self) -> None:
        try:
            wait_for_sparql(self.endpoint, self.start_timeout, self.proc)
        except (RuntimeError, TimeoutError) as err:
            raise RuntimeError(
                f"Virtuoso did not start: {err}\nconfig: {self.dbdir / 'virtuoso.ini'}\n"
                f"tail of {self.log_path}:\n{self.log_tail()}"
            ) from err

    def log_tail(self, chars: int = 3000) -> str:
        """The end of virtuoso.log, or of the console output when the server died before opening its log."""
        for path in (self.log_path, self.dbdir / "stdout.log"):
            text = path.read_text(errors="replace") if path.exists() else ""
            if text.strip():
                return text[-chars:]
        return "(empty)"

    def isql(self, *statements: str, timeout: float | None = None) -> str:
        """Run SQL statements through isql-vt as dba (the password of a fresh database); fail on any error."""
        script = "".join(f"{s.rstrip().rstrip(';')};\n" for s in statements)
        result = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", "PROMPT=OFF", "ERRORS=STDOUT"],
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout or self.load_timeout,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed (exit {result.returncode}) running:\n{script}\n{output[-2000:]}")
        return output

    def load(self, files: Sequence[Path]) -> None:
        """Bulk-load the files into ``graph`` (ld_add + rdf_loader_run + checkpoint); fail if any file failed."""
        graph = sql_string(self.graph)
        self.isql(*(f"ld_add({sql_string(str(f))}, {graph})" for f in files), "rdf_loader_run()", "checkpoint")
        counts = self.isql(  # the load list of this private database holds only our files
            "SELECT 'errors=' || CAST(COUNT(*) AS VARCHAR) FROM DB.DBA.load_list WHERE ll_error IS NOT NULL",
            f"SELECT 'triples=' || CAST(COUNT(*) AS VARCHAR) FROM DB.DBA.RDF_QUAD WHERE G = iri_to_id({graph})",
        )
        errors, triples = (re.search(rf"{name}=(\d+)", counts) for name in ("errors", "triples"))
        if errors is None or triples is None:
            raise RuntimeError(f"unexpected isql-vt output after loading:\n{counts[-2000:]}")
        if int(errors.group(1)):
            detail = self.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL")
            raise RuntimeError(f"Virtuoso could not load some N-Triples files:\n{detail[-3000:]}")
        self.triples = int(triples.group(1))

    def stop(self) -> None:
        if self.proc is not None:
            stop_pid(self.proc.pid, timeout=30.0)
            self.proc = None
        if self.dbdir is not None and not self.keep_files:
            shutil.rmtree(self.dbdir, ignore_errors=True)

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
