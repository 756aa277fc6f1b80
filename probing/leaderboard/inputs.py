"""Reading files that come from outside (request files, results files from a shared repo): bounded and strict.

Every such file must be a regular file (never a symlink, FIFO or device) and is read only up to its size limit; it
must be UTF-8, JSON without NaN or Infinity literals and without deep nesting; a failure is an :class:`InputError`
naming the file and the problem.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from spacetime.common import FileRefused, read_limited
from spacetime.errors import SpacetimeError

MAX_DEPTH = 12


class InputError(SpacetimeError, ValueError):
    """A submitted or shared file that cannot be used; the message names the file and the defect."""


def read_json(path: Path, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in the regular file ``path`` (``common.read_limited``: no symlink, FIFO or device, at most
    ``max_bytes`` read), after checking its encoding, literals and depth."""
    path = Path(path)
    try:
        data = read_limited(path, max_bytes)
    except FileRefused as error:
        raise InputError(str(error)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply (limit {max_depth} levels)") from None
    except _NonFinite as error:
        raise InputError(f"{path}: holds {error.args[0]}, which is not a number JSON allows") from None
    depth = json_depth(value)
    if depth > max_depth:
        raise InputError(f"{path}: JSON nested {depth} levels deep (limit {max_depth})")
    return value


class _NonFinite(Exception):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def json_depth(value: Any) -> int:
    """How many containers are nested in a parsed JSON value (a scalar is 0, ``[1]`` and ``[]`` are 1)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth + 1)
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def require(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise InputError(f"{path}: {message}")


def is_number(value: Any) -> bool:
    """A finite JSON number (booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_layer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
