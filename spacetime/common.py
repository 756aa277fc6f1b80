"""Small helpers every stage uses: atomic writes, digests, deterministic JSON, secrets kept out of text and logs."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
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
    handle = open(folder.parent / f".{folder.name}.in-use", "a+", encoding="utf-8")  # held until the block ends
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


# --- secrets ----------------------------------------------------------------------------------------------------
# One registry of secrets (API keys, tokens) and one log record factory that masks them in every record, whichever
# library logs it (urllib3 and httpcore print request lines and headers at DEBUG).

_masks: dict[str, str] = {}  # secret -> what replaces it
_masks_lock = threading.Lock()
_plain_record_factory: Any = None


def redact(text: str, *secrets: str | None, mask: str = "***") -> str:
    """``text`` with ``secrets`` replaced by ``mask`` and every secret registered by :func:`mask_in_logs` by its own."""
    with _masks_lock:
        masks = dict(_masks)
    masks.update({secret: mask for secret in secrets if secret})
    for secret in sorted(masks, key=len, reverse=True):
        text = text.replace(secret, masks[secret])
    return text


def mask_in_logs(secret: str, mask: str = "***") -> None:
    """Mask ``secret`` in every log record created from now on (message and exception text) and in :func:`redact`."""
    global _plain_record_factory
    with _masks_lock:
        _masks[secret] = mask
        if _plain_record_factory is None:
            _plain_record_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_masked_record)


@contextlib.contextmanager
def masked_in_logs(secret: str | None, mask: str = "***") -> Iterator[None]:
    """:func:`mask_in_logs` while the block runs, for a secret held only that long (nothing for an empty one)."""
    if not secret:
        yield
        return
    with _masks_lock:
        before = _masks.get(secret)
    mask_in_logs(secret, mask)
    try:
        yield
    finally:
        with _masks_lock:
            if before is None:
                _masks.pop(secret, None)
            else:
                _masks[secret] = before


def _masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _plain_record_factory(*args, **kwargs)
    if not _masks:
        return record
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a bad format string: logging reports it when the record is handled
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record
