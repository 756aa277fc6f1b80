"""Small helpers every stage uses: atomic writes, digests, deterministic JSON, the visible files of a folder, sizes
and Markdown table cells for people, secrets kept out of text and logs."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import html
import json
import logging
import math
import os
import shutil
import stat
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
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half of one.

    A full disk is a :class:`SpacetimeError` naming ``path`` and its filesystem (see :func:`full_disk_named`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with full_disk_named(path, len(data)):
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


# --- a full disk ----------------------------------------------------------------------------------------------

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` says the disk (or the user's quota) is full; Arrow's errors carry the errno in their text."""
    if not isinstance(error, OSError):
        return False
    return error.errno in DISK_FULL_ERRNOS or says_disk_full(str(error))


def says_disk_full(text: str) -> bool:
    """Whether ``text`` (an error message, a child process's stderr) holds the C library's text for a full disk."""
    return any(os.strerror(n) in text for n in DISK_FULL_ERRNOS)


def disk_full_error(path: Path | str, needed: int | None = None) -> SpacetimeError:
    """The one-line error for a write to ``path`` (of ``needed`` bytes, when known) that found its filesystem full:
    the path, the filesystem's mount point and its free space, and what to do."""
    mount = filesystem_of(path)
    usage = shutil.disk_usage(mount)
    size = f" ({human_size(needed)} to write)" if needed is not None else ""
    return SpacetimeError(
        f"no space left on {path}{size}: its filesystem {mount} has {human_size(usage.free)} free of "
        f"{human_size(usage.total)}; free some space there or choose another output folder"
    )


def filesystem_of(path: Path | str) -> Path:
    """The mount point of the filesystem that holds ``path`` (or would hold it: its nearest existing folder)."""
    found = Path(os.path.abspath(path))
    while not found.exists():
        found = found.parent
    while not os.path.ismount(found):
        found = found.parent
    return found


@contextlib.contextmanager
def full_disk_named(path: Path | str, needed: int | None = None) -> Iterator[None]:
    """A full disk (ENOSPC) or quota (EDQUOT) while the block writes ``path`` becomes :func:`disk_full_error`."""
    try:
        yield
    except OSError as error:
        if not is_disk_full(error):
            raise
        raise disk_full_error(path, needed) from error


@contextlib.contextmanager
def replaced_folder(target: Path, what: str) -> Iterator[Path]:
    """:func:`swapped_folder` with ``target`` held by this process (:func:`folder_in_use`): a second writer gets a
    clear error instead of sharing the temp folders."""
    with folder_in_use(target, what), swapped_folder(target) as staging:
        yield staging


@contextlib.contextmanager
def swapped_folder(target: Path) -> Iterator[Path]:
    """A new hidden folder beside ``target`` for the block to write the next ``target`` into; when the block ends
    without error it takes ``target``'s place, else it is removed and ``target`` is left as it was.

    Two renames swap it in (the old folder moved aside, then the new one moved in): a run killed between them leaves
    the old folder at ``.<name>.old``, put back by the next run, which also removes the temp folders of dead runs (so
    one writer at a time: :func:`replaced_folder`).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and old.is_dir():
        os.rename(old, target)
    for stale in target.parent.glob(f".{target.name}.new-*"):
        logging.getLogger(__name__).info("removing %s, left by an interrupted run", stale)
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        yield staging
        os.chmod(staging, 0o755)  # mkdtemp creates 0700; outputs are meant to be shared
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.rename(target, old)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_json_atomic(path: Path, value: Any, **dump_options: Any) -> None:
    """``value`` as indented UTF-8 JSON with a final newline, written atomically.

    ``value`` goes through :func:`json_safe` first (numpy scalars and arrays to Python, NaN and infinities to null),
    so the file is always strict JSON; ``dump_options`` go to :func:`json.dumps` (``default=`` for other types,
    ``ensure_ascii=True`` for ASCII-only text)."""
    write_atomic(path, json_bytes(value, **dump_options))


def json_bytes(value: Any, **dump_options: Any) -> bytes:
    """The bytes :func:`write_json_atomic` writes for ``value`` (for a file sent elsewhere, e.g. in a Hub commit)."""
    options = {"indent": 2, "ensure_ascii": False, "allow_nan": False, **dump_options}
    return (json.dumps(json_safe(value), **options) + "\n").encode("utf-8")


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


# --- files that come from outside: regular files only, read within a limit ---------------------------------------


class FileRefused(SpacetimeError, ValueError):
    """A file that is not read: not a regular file, missing, or over its size limit (the message names it)."""


_NOT_REGULAR = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_kind(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, for a message: ``a regular file``, ``a FIFO``, ..."""
    return next((name for test, name in _NOT_REGULAR if test(mode)), "a regular file")


def read_limited(path: Path | str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, refused (:class:`FileRefused`) when it is anything else or holds more
    than ``max_bytes``.

    A symlink, FIFO, device or folder is never opened for reading or waited on (``lstat``, then ``O_NOFOLLOW |
    O_NONBLOCK`` and ``fstat`` on what was opened, so a swap in between is caught too), and the limit is enforced on
    the bytes read (at most ``max_bytes + 1``), not on what ``stat`` says."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISREG(mode):
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise FileRefused(f"{path}: cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise FileRefused(f"{path}: {file_kind(mode)}, not a regular file; only regular files are read")
    with os.fdopen(fd, "rb") as fh:
        opened = os.fstat(fh.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise FileRefused(f"{path}: {file_kind(opened.st_mode)}, not a regular file; only regular files are read")
        if opened.st_size > max_bytes:
            raise FileRefused(
                f"{path}: {opened.st_size:,} bytes, over the limit of {max_bytes:,} for this kind of file"
            )
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"{path}: more than {max_bytes:,} bytes, over the limit for this kind of file")
    return data


def regular_files(folder: Path | str, pattern: str = "*") -> list[Path]:
    """The regular files under ``folder`` whose names match ``pattern`` (hidden ones left out, as in
    :func:`visible_files`), sorted. Anything else with a matching name (a symlink, FIFO, device, folder) is left out
    with a one-line warning naming it, so one bad entry never stops the files after it."""
    folder = Path(folder)
    files = []
    for path in sorted(folder.rglob(pattern)):
        if any(name.startswith(".") for name in path.relative_to(folder).parts):
            continue
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:  # gone since the listing
            continue
        if stat.S_ISREG(mode):
            files.append(path)
        else:
            logging.getLogger(__name__).warning("skipped %s: %s, not a regular file", path, file_kind(mode))
    return files


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
