"""The ``--layers`` syntax, one for every command: ``all``, ``0,4,8``, ``0:32:2`` (a Python slice), ``-1`` or a mix."""

from __future__ import annotations


def parse_layers(spec: str, n_layers: int) -> list[int]:
    """Block indices from ``all``, ``0,4,8``, ``0:32:2`` (a Python slice), ``-1`` or a mix (``0,10:20,-1``).

    Returns sorted, unique indices in ``[0, n_layers)``; anything else is a ValueError naming the bad item. A range
    reaching past the model (``0:99`` on 30 layers) is refused, not clipped.
    """
    spec = spec.strip()
    if spec == "all":
        return list(range(n_layers))
    chosen: set[int] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            raise ValueError(f"--layers {spec!r}: empty item")
        bounds = _layer_item(spec, item)
        if len(bounds) == 1:
            index = bounds[0]
            if index is None or not -n_layers <= index < n_layers:
                raise ValueError(f"--layers {spec!r}: layer {item} is out of range for {n_layers} layers")
            chosen.add(index % n_layers)
            continue
        outside = [b for b in bounds[:2] if b is not None and not -n_layers <= b <= n_layers]
        if outside:
            raise ValueError(
                f"--layers {spec!r}: {item!r} is out of range for {n_layers} layers "
                f"(0..{n_layers - 1}, or -{n_layers}..-1 from the end)"
            )
        picked = range(n_layers)[slice(*bounds)]
        if not picked:
            raise ValueError(f"--layers {spec!r}: {item!r} selects no layer of {n_layers}")
        chosen.update(picked)
    return sorted(chosen)


def check_layers_spec(spec: str) -> None:
    """Raise ValueError if ``spec`` is not valid ``--layers`` syntax (before the model's depth is known)."""
    if spec.strip() == "all":
        return
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            raise ValueError(f"--layers {spec!r}: empty item")
        _layer_item(spec, item)


def _layer_item(spec: str, item: str) -> list[int | None]:
    """``'5'`` -> [5]; ``'0:32:2'`` -> [0, 32, 2]; empty slice parts -> None."""
    parts = item.split(":")
    try:
        bounds = [int(p) if p.strip() else None for p in parts]
    except ValueError:
        bounds = []
    if (
        not 1 <= len(parts) <= 3
        or not bounds
        or (len(parts) == 3 and bounds[2] == 0)
        or (len(parts) == 1 and bounds[0] is None)
    ):
        raise ValueError(f"--layers {spec!r}: cannot parse {item!r} (use all, 0,4,8 or start:stop:step)")
    return bounds
