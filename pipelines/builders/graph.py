"""Connected components, for the builders that keep linked rows together (scipy's csgraph does the work)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components


def component_labels(size: int, edges: Iterable[tuple[int, int]]) -> np.ndarray:
    """The component number of each of the ``size`` nodes of the undirected graph whose edges are ``edges``."""
    pairs = np.array(list(edges), dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(size, size))
    return connected_components(graph, directed=False)[1]
