"""Small helpers every stage uses: atomic writes, digests, deterministic JSON."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spacetime.errors import SpacetimeError


def digest(*parts: str) -> str:
    """sha256 of the parts, joined unambiguously (each prefixed by its length)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def file_sha256(path: Path | str) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, value: Any, **dump_options: Any) -> None:
    """``value`` as indented UTF-8 JSON with a final newline, written atomically."""
    text = json.dumps(value, indent=2, ensure_ascii=False, **dump_options) + "\n"
    write_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def folder_in_use(folder: Path, what: str) -> Iterator[None]:
    """Hold ``folder`` for this process while ``what`` writes it; a second writer gets a clear error, not a crash.

    The lock (``.<folder>.in-use`` beside the folder, holding the owner's PID) is an advisory ``flock``: the kernel
    drops it when the process dies, so a killed run never leaves the folder locked.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    handle = open(folder.parent / f".{folder.name}.in-use", "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            raise SpacetimeError(
                f"{folder} is in use by {owner} ({what}); wait for it to finish or write elsewhere"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock
