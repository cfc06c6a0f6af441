"""Directed networks in compressed sparse row (CSR) arrays.

Roads, pipes and power lines are graphs whose kernels (shortest paths,
cascading failure) want flat arrays, not objects: node coordinates, the CSR
pair ``indptr``/``indices``, and one array per edge attribute, all in CSR edge
order. ``scipy.sparse.csgraph`` takes :meth:`Network.to_csr` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class Network:
    """A directed graph laid out in CSR order.

    Attributes
    ----------
    name
        Network name (``roads``).
    node_x_m, node_y_m
        Node coordinates, shape ``(n_nodes,)``.
    indptr, indices
        CSR structure: edges leaving node ``i`` are ``indptr[i]:indptr[i+1]``
        and go to ``indices[k]``.
    edge_attrs
        Per-edge arrays in CSR order (``length_m``, ``speed_m_s``, ``open``).

    Examples
    --------
    >>> net = Network.from_edges("r", [0, 1, 0], [0, 0, 1], src=[0, 1], dst=[1, 2],
    ...                          attrs={"length_m": [10.0, 5.0]})
    >>> net.n_edges, net.neighbours(0).tolist()
    (2, [1])
    """

    name: str
    node_x_m: np.ndarray
    node_y_m: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    edge_attrs: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_edges(
        cls,
        name: str,
        node_x_m,
        node_y_m,
        *,
        src,
        dst,
        attrs: dict[str, object] | None = None,
        undirected: bool = False,
    ) -> Network:
        """Build a network from edge lists (``undirected`` adds each reverse edge)."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        attrs = {k: np.asarray(v, dtype=np.float64) for k, v in (attrs or {}).items()}
        n = len(node_x_m)
        if src.shape != dst.shape:
            raise ValueError("src and dst must have the same length")
        if src.size and (src.min() < 0 or dst.min() < 0 or max(src.max(), dst.max()) >= n):
            raise ValueError(f"edge endpoints must be node numbers in 0..{n - 1}")
        for k, v in attrs.items():
            if v.shape != src.shape:
                raise ValueError(f"edge attribute {k!r} has {v.size} values for {src.size} edges")
        if undirected:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            attrs = {k: np.concatenate([v, v]) for k, v in attrs.items()}
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, src + 1, 1)
        np.cumsum(indptr, out=indptr)
        return cls(
            name,
            np.asarray(node_x_m, dtype=np.float64),
            np.asarray(node_y_m, dtype=np.float64),
            indptr,
            dst.copy(),
            {k: np.ascontiguousarray(v[order]) for k, v in attrs.items()},
        )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_x_m.size)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.size)

    def neighbours(self, node: int) -> np.ndarray:
        """Nodes reached by the edges leaving ``node``."""
        return self.indices[self.indptr[node] : self.indptr[node + 1]]

    def edge_sources(self) -> np.ndarray:
        """Source node of every edge, in CSR order."""
        return np.repeat(np.arange(self.n_nodes), np.diff(self.indptr))

    def to_csr(self, weight: str) -> sp.csr_array:
        """The graph as a ``scipy.sparse`` CSR array weighted by an edge attribute."""
        w = self.edge_attrs[weight]
        return sp.csr_array((w, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))
