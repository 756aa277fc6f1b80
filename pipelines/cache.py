"""A small on-disk JSON cache: one file per key, written atomically, so a killed build resumes where it stopped."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def digest(*parts: str) -> str:
    """sha256 of the parts, joined unambiguously."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


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


class JsonCache:
    """Values keyed by a tuple of strings (e.g. endpoint and query text)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, *parts: str) -> Any | None:
        path = self._path(digest(*parts))
        try:
            return json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None

    def put(self, value: Any, *parts: str) -> None:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        write_atomic(self._path(digest(*parts)), text.encode("utf-8"))
