"""Debian's Virtuoso 7 (the server DBpedia runs) on loopback, for the tests and benchmarks (not installed).

Started as a child process in a private database folder, waited for until it answers, stopped by its process id.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacetime.pipelines.servers import free_port, stop_pid, wait_for_sparql

log = logging.getLogger(__name__)


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
        settings: dict[tuple[str, str], str] | None = None,
    ):
        self.data = data
        self.settings = dict(settings or {})  # (section, key) -> value, over Debian's default ini (e.g. buffers)
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
            **self.settings,
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

    def explain(self, *queries: str, default_graph: str | None = None) -> list[str]:
        """Virtuoso's plan for each SPARQL query (``explain()`` through one isql run): the join order it would run,
        with its estimate of the rows of each index access (see :func:`plan_scans`). ``default_graph`` is the graph
        the queries read, as the endpoint's ``default-graph-uri`` (by default the one the data was loaded into)."""
        graph = default_graph or self.graph
        texts = [f"sparql define input:default-graph-uri <{graph}> {query}" for query in queries]
        output = self.isql(*(f"explain({sql_string(text)})" for text in texts), timeout=120 + len(texts))
        plans = _PLAN_HEADER.split(output)[1:]  # each plan is printed as a one-column result set named REPORT
        if len(plans) != len(queries):
            raise RuntimeError(f"isql-vt printed {len(plans)} plans for {len(queries)} queries:\n{output[-2000:]}")
        return plans

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


@dataclass(frozen=True)
class PlanScan:
    """One index access of a Virtuoso plan, in the plan's order: the quad index read, the predicate it reads (the
    local name as ``explain`` prints it: ``type``, ``lat``), whether the subject and the object are bound (given by an
    earlier step, a constant or a range) and the optimizer's estimate of the rows it reads per lookup."""

    index: str
    predicate: str | None
    subject_bound: bool
    object_bound: bool
    rows: float

    @property
    def whole_predicate(self) -> bool:
        """Whether it reads every triple of its predicate: neither the subject nor the object limits it."""
        return not self.subject_bound and not self.object_bound


_PLAN_HEADER = re.compile(r"^REPORT\s*\nVARCHAR\s*\n_+\s*$", re.MULTILINE)
_PLAN_NODE = re.compile(r"^\s*(RDF_QUAD\w*)\s+([0-9.e+-]+)\s+rows\(")
_PLAN_PREDICATE = re.compile(r'\bP\s*=\s*IRI_ID"(?:\.\.\.)?([^"]*)"')


def plan_scans(plan: str) -> list[PlanScan]:
    """The index accesses of a plan printed by :meth:`VirtuosoServer.explain`, in order. Each access is printed as a
    line ``RDF_QUAD_POGS  37 rows(...)`` followed by one line of key conditions (``P = IRI_ID"...lat" , O >= 10 <
    10.5 , G = ...``)."""
    lines = plan.splitlines()
    scans = []
    for i, line in enumerate(lines):
        node = _PLAN_NODE.match(line)
        if node is None:
            continue
        keys = lines[i + 1] if i + 1 < len(lines) else ""
        predicate = _PLAN_PREDICATE.search(keys)
        scans.append(
            PlanScan(
                index=node.group(1),
                predicate=predicate.group(1) if predicate else None,
                subject_bound=re.search(r"\bS\s*=", keys) is not None,
                object_bound=re.search(r"\bO\s*(=|>=|>|<=|<)", keys) is not None,
                rows=float(node.group(2)),
            )
        )
    return scans
