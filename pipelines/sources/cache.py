"""A small on-disk JSON cache: one file per key, written atomically, so a killed build resumes where it stopped."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spacetime.common import digest, write_atomic


class JsonCache:
    """Values keyed by a tuple of strings (e.g. endpoint and query text). With no ``root`` nothing is kept."""

    def __init__(self, root: str | os.PathLike | None):
        self.root = Path(root) if root is not None else None

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def fetch(self, compute: Callable[[], Any], *parts: str) -> tuple[Any, bool]:
        """The value under ``parts`` and whether it came from the cache; on a miss ``compute()``'s, then kept.
        A failing ``compute`` keeps nothing, so a rerun asks again."""
        value = self.get(*parts)
        if value is not None:
            return value, True
        value = compute()
        self.put(value, *parts)
        return value, False

    def get(self, *parts: str) -> Any | None:
        if self.root is None:
            return None
        path = self._path(digest(*parts))
        try:
            return json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None

    def put(self, value: Any, *parts: str) -> None:
        if self.root is None:
            return
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        write_atomic(self._path(digest(*parts)), text.encode("utf-8"))
