"""Claims: one worker runs a request, however many `spacetime evaluate` processes share its requests folder or repo.

A worker runs a request only while it holds both

- the request's file lock (``filelock``: an ``flock`` on ``.<file name>.lock`` beside the request file), so two
  processes on one requests folder never run one request. The kernel drops the lock of a process that dies, so a
  RUNNING request whose lock is free is a killed run, taken over at once;
- with a Hub requests repo, a claim commit: the request file set to RUNNING with the worker's claim (worker id,
  host, pid, started, last beat), committed with ``parent_commit`` = the revision the worker read. Of two workers
  that read one revision only the first commit lands; the Hub answers the other 412 ("A commit has happened
  since"), and that worker reads the repo again. The claim's beat is renewed every ``expiry / 4`` seconds while the
  request runs; a claim whose last beat is older than ``expiry`` (its worker died or lost the network) is taken over
  by the next worker that reads it. The workers' clocks must agree to well within ``expiry``.

Every later change of a claimed request in the repo (a beat, FINISHED, FAILED) is committed only while the repo
still holds this worker's claim, on top of the revision in which the worker just saw it; a worker whose claim was
taken over records nothing. The finished request keeps its claim: who ran it.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import logging
import os
import secrets
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacetime.errors import SpacetimeError

if TYPE_CHECKING:
    from .submissions import Request

log = logging.getLogger(__name__)

DEFAULT_EXPIRY_S = 600.0  # a claim without a beat for this long is taken over
POLL_S = 10.0  # at most this long between looks at requests other workers run
COMMIT_TRIES = 20  # conditional commits that may lose to other workers' commits before giving up
CLAIM_FIELDS = {"worker": str, "host": str, "pid": int, "started": str, "beat": str}


def worker_id() -> str:
    """An id for this process's claims: host, pid and a random part (a pid is reused, a host name is shared)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def new_claim(worker: str) -> dict[str, Any]:
    now = _now()
    return {"worker": worker, "host": socket.gethostname(), "pid": os.getpid(), "started": now, "beat": now}


def claim_problem(value: Any) -> str | None:
    """What is wrong with a request file's ``claim`` field (None: nothing; null is a valid claim field)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(CLAIM_FIELDS):
        return f"must be null or an object with exactly the keys {sorted(CLAIM_FIELDS)}"
    for key, kind in CLAIM_FIELDS.items():
        if not isinstance(value[key], kind) or isinstance(value[key], bool):
            return f"{key} must be a{'n integer' if kind is int else ' string'}"
    for key in ("started", "beat"):
        try:
            _parse_time(value[key])
        except ValueError:
            return f"{key} {value[key]!r} is not an ISO 8601 time with a time zone"
    return None


def _parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


def claim_age(claim: dict[str, Any]) -> float:
    """Seconds since the claim's last beat."""
    return (dt.datetime.now(dt.UTC) - _parse_time(claim["beat"])).total_seconds()


def describe(claim: dict[str, Any]) -> str:
    return f"worker {claim['worker']} (pid {claim['pid']} on {claim['host']}), last beat {claim_age(claim):.0f} s ago"


class Claims:
    """One worker's claims on a requests folder and, with ``repo``, on the Hub requests repo the folder mirrors."""

    def __init__(
        self,
        folder: Path,
        *,
        repo: str | None = None,
        endpoint: str | None = None,
        expiry_s: float = DEFAULT_EXPIRY_S,
        worker: str | None = None,
    ):
        self.folder = Path(folder)
        self.repo = repo
        self.endpoint = endpoint
        self.expiry_s = expiry_s
        self.worker = worker or worker_id()
        self.revision: str | None = None  # the repo commit the folder mirrors

    @property
    def beat_s(self) -> float:
        return self.expiry_s / 4

    @property
    def poll_s(self) -> float:
        """How often a waiting worker looks again at requests others run."""
        return min(self.beat_s, POLL_S)

    def refresh(self) -> list[Path]:
        """The request files, as of the repo's head commit now when there is a repo."""
        from .submissions import find_requests

        if self.repo:
            from .hub_repos import pull_head

            self.revision = pull_head(self.repo, self.folder, self.endpoint)
            if self.revision is None:  # no such repo yet: no requests in it
                return []
        return find_requests(self.folder)

    @contextlib.contextmanager
    def locked(self, path: Path) -> Iterator[bool]:
        """Whether this process now holds ``path``'s lock (False: another live process holds it), for the block."""
        from filelock import FileLock, Timeout

        lock = FileLock(path.with_name(f".{path.name}.lock"))
        try:
            lock.acquire(blocking=False)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def running_elsewhere(self, request: Request) -> str | None:
        """Who else runs ``request`` (for a message), or None when it is free to take. Called with its lock held: a
        RUNNING request with a free lock is a killed run, unless a repo holds another worker's live claim on it."""
        claim = request.claim
        if request.status != "RUNNING" or not self.repo or claim is None or claim["worker"] == self.worker:
            return None
        return describe(claim) if claim_age(claim) <= self.expiry_s else None

    def take(self, path: Path, request: Request) -> bool:
        """Mark ``request`` RUNNING under this worker's claim; False when another worker's commit landed first."""
        from .submissions import request_bytes, write_request

        taken = copy.deepcopy(request)
        taken.status, taken.error, taken.claim = "RUNNING", None, new_claim(self.worker)
        if self.repo:
            from .hub_repos import commit_file

            in_repo = self._in_repo(path)
            message = f"Claim {in_repo} ({self.worker})"
            if commit_file(self.repo, in_repo, request_bytes(taken), message, self.revision, self.endpoint) is None:
                return False
        write_request(path, taken)
        request.status, request.error, request.claim = taken.status, taken.error, taken.claim
        return True

    @contextlib.contextmanager
    def beating(self, path: Path, request: Request) -> Iterator[threading.Event]:
        """Renew the claim every ``beat_s`` seconds while the block runs; the event is set once the claim is found
        taken over (the worker's outcome is then not recorded)."""
        stop, lost = threading.Event(), threading.Event()

        def beat() -> None:
            while not stop.wait(self.beat_s):
                renewed = copy.deepcopy(request)
                renewed.claim["beat"] = _now()
                try:
                    still_ours = self._record(path, renewed, "Beat")
                except Exception:  # noqa: BLE001 - a missed beat is retried; expiry allows for a few
                    log.warning("could not renew the claim on %s", path, exc_info=True)
                    continue
                if not still_ours:
                    lost.set()
                    return

        thread = threading.Thread(target=beat, name=f"claim beat {path.name}", daemon=True)
        thread.start()
        try:
            yield lost
        finally:
            stop.set()
            thread.join()

    def finish(self, path: Path, request: Request) -> bool:
        """Record ``request``'s outcome (FINISHED or FAILED); False when its claim was taken over meanwhile."""
        request.claim = {**request.claim, "beat": _now()}
        return self._record(path, request, request.status.title())

    def _record(self, path: Path, request: Request, what: str) -> bool:
        from .submissions import read_request, request_bytes, write_request

        if not self.repo:  # the lock is held: the file is this worker's
            write_request(path, request)
            return True
        from .hub_repos import commit_file, head_file

        in_repo = self._in_repo(path)
        for _ in range(COMMIT_TRIES):
            with tempfile.TemporaryDirectory(prefix="spacetime-claim-") as tmp:
                head, current_path = head_file(self.repo, in_repo, Path(tmp), self.endpoint)
                current = read_request(current_path)
            if current.status != "RUNNING" or (current.claim or {}).get("worker") != self.worker:
                log.warning("%s: claim lost to %s", path, describe(current.claim) if current.claim else current.status)
                return False
            message = f"{what} {in_repo} ({self.worker})"
            if commit_file(self.repo, in_repo, request_bytes(request), message, head, self.endpoint) is not None:
                if what != "Beat":
                    write_request(path, request)
                return True
        raise SpacetimeError(f"{self.repo}: {COMMIT_TRIES} commits landed before this worker's update of {in_repo}")

    def _in_repo(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()
