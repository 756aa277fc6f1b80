"""A small on-disk JSON cache: one file per key, written atomically, so a killed build resumes where it stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from spacetime.common import digest, write_atomic


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
