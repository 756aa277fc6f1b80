"""Small helpers every stage uses: atomic writes, digests, deterministic JSON, the visible files of a folder, sizes
and Markdown table cells for people, secrets kept out of text and logs."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import html
import json
import logging
import math
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
    """``value`` as indented UTF-8 JSON with a final newline, written atomically.

    ``value`` goes through :func:`json_safe` first (numpy scalars and arrays to Python, NaN and infinities to null),
    so the file is always strict JSON; ``dump_options`` go to :func:`json.dumps` (``default=`` for other types,
    ``ensure_ascii=True`` for ASCII-only text)."""
    options = {"indent": 2, "ensure_ascii": False, "allow_nan": False, **dump_options}
    text = json.dumps(json_safe(value), **options) + "\n"
    write_atomic(path, text.encode("utf-8"))


def json_safe(value: Any) -> Any:
    """``value`` with what JSON cannot hold made plain: numpy scalars and arrays to Python numbers and lists, NaN and
    infinities to None, tuples to lists, dict keys that JSON does not take (numpy integers, ...) to strings."""
    if isinstance(value, dict):
        return {_json_key(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":  # numpy scalars and arrays, without numpy
        return json_safe(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def _json_key(key: Any) -> Any:
    if isinstance(key, (str, int, float, bool)) or key is None:
        return key
    return str(json_safe(key))


# --- files and text for people ----------------------------------------------------------------------------------


def visible_files(folder: Path | str, pattern: str = "*", *, in_hidden_folders: bool = False) -> list[Path]:
    """The files under ``folder`` whose names match ``pattern`` (at any depth), sorted; hidden ones (a name starting
    with ".": temporary files, huggingface_hub's ``.cache/``) left out. A file inside a hidden folder below
    ``folder`` is left out too, unless ``in_hidden_folders`` is true (then only the file's own name counts)."""
    folder = Path(folder)
    files = []
    for path in folder.rglob(pattern):
        names = [path.name] if in_hidden_folders else path.relative_to(folder).parts
        if not any(name.startswith(".") for name in names) and path.is_file():
            files.append(path)
    return sorted(files)


def human_size(n: float) -> str:
    """A byte count for people, in powers of 1000: ``512 B``, ``3.8 KB``, ``1,234.5 TB``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return str(n)


MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()#|~!$:")


def md_escape(value: Any) -> str:
    """``value`` as inert inline Markdown (a table cell, a line of a card): one line, Markdown punctuation
    backslashed (``:`` too, which stops GFM autolinks such as ``javascript:``), then ``&``, ``<`` and ``>`` HTML
    escaped (in that order, so that the ``#`` of an entity is not backslashed; quotes are harmless here)."""
    text = "".join("\\" + c if c in MARKDOWN_PUNCTUATION else c for c in " ".join(str(value).split()))
    return html.escape(text, quote=False)


def md_code(value: Any) -> str:
    """``value`` as an inline code span: one line, backticks replaced (nothing else is interpreted inside one)."""
    return "`" + " ".join(str(value).split()).replace("`", "'") + "`"


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
