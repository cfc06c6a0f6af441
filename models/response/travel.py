"""Travel times over a road network whose edges can close or slow down.

A road :class:`engine.network.Network` carries, per directed edge, ``length_m``, ``speed_m_s``
and ``open`` (1 open, 0 closed; the ``road_closures`` process writes it). An optional edge
attribute ``speed_factor`` (and/or a factor given here) slows an edge without closing it:
debris on the carriageway, a damaged bridge at walking pace. One edge then takes::

    t_e = length_m / (speed_m_s * speed_factor)        (closed, or factor <= 0: no edge)

Shortest times come from :func:`scipy.sparse.csgraph.dijkstra` on the CSR graph of the open
edges only (a closed edge is dropped, not given an infinite weight), from many sources at once
(``indices``); ``min_only=True`` gives, for every node, the nearest of a set of sources and the
time from it in one sweep. Unreachable nodes get ``inf`` and a predecessor of ``-9999``.

Points off the network (a collapsed building, a shelter) are **snapped**: a :class:`scipy.spatial.
cKDTree` over the nodes that still touch an open edge finds the ``k`` nearest nodes, and the time
to a point is the least over those nodes of network time plus a straight off-road leg at
``offroad_speed_m_s`` (default 1.4 m/s, a walking pace: an assumption, set it per scenario).
Taking the best of several nodes keeps a point reachable when its very nearest node sits on a
road cut off by a closure. A source point (a base given by coordinates) uses its one nearest
connected node.

:class:`TravelTimes` caches the rows of shortest times per source node (with their shortest-path
trees, as predecessor rows, from the same sweep) and recomputes them only when the network
changes: before each query it compares a digest of the edge arrays that set the times (``open``,
``speed_m_s``, ``length_m``, ``speed_factor``, the graph structure) and the network's
``version`` attribute when it has one. Reading the digest costs one pass over the edges
(microseconds for 10⁵ edges), far less than one Dijkstra sweep.

Examples
--------
>>> from engine.network import Network
>>> net = Network.from_edges("roads", [0.0, 1000.0, 2000.0], [0.0, 0.0, 0.0], src=[0, 1], dst=[1, 2],
...                          attrs={"length_m": [1000.0, 1000.0], "speed_m_s": [10.0, 20.0],
...                                 "open": [1.0, 1.0]}, undirected=True)
>>> tt = TravelTimes(net)
>>> tt.from_nodes([0]).tolist()
[[0.0, 100.0, 150.0]]
>>> tt.path(0, 2).tolist()
[0, 1, 2]
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from engine.network import Network

__all__ = [
    "DEFAULT_OFFROAD_SPEED_M_S",
    "SnappedPoints",
    "TravelTimes",
    "edge_travel_time_s",
    "reconstruct_path",
]

DEFAULT_OFFROAD_SPEED_M_S = 1.4
"""Off-road leg speed (m/s): a walking pace over open ground. An assumption, not a measured value."""

_NO_PREDECESSOR = -9999  # scipy.sparse.csgraph's marker


def edge_travel_time_s(network: Network, speed_factor: np.ndarray | float | None = None) -> np.ndarray:
    """Time to traverse every edge, in CSR edge order; ``inf`` where the edge is closed.

    Parameters
    ----------
    network
        A network with edge attributes ``length_m`` and ``speed_m_s``; ``open`` (1/0) and
        ``speed_factor`` are optional (all open, factor 1).
    speed_factor
        Extra factor on every edge's speed (scalar or one per edge), multiplied with the edge
        attribute ``speed_factor``. A factor ``<= 0`` closes the edge.

    Returns
    -------
    numpy.ndarray
        Seconds per edge, ``inf`` for closed edges.

    Examples
    --------
    >>> net = Network.from_edges("r", [0.0, 1.0], [0.0, 0.0], src=[0], dst=[1],
    ...                          attrs={"length_m": [900.0], "speed_m_s": [15.0], "open": [1.0]})
    >>> edge_travel_time_s(net).tolist(), edge_travel_time_s(net, 0.5).tolist()
    ([60.0], [120.0])
    """
    attrs = network.edge_attrs
    for key in ("length_m", "speed_m_s"):
        if key not in attrs:
            raise ValueError(f"network {network.name!r} has no edge attribute {key!r}")
    length = np.asarray(attrs["length_m"], dtype=np.float64)
    speed = np.asarray(attrs["speed_m_s"], dtype=np.float64).copy()
    if "speed_factor" in attrs:
        speed *= np.asarray(attrs["speed_factor"], dtype=np.float64)
    if speed_factor is not None:
        speed *= np.broadcast_to(np.asarray(speed_factor, dtype=np.float64), speed.shape)
    is_open = speed > 0.0
    if "open" in attrs:
        is_open &= np.asarray(attrs["open"]) > 0
    t = np.full(length.shape, np.inf)
    np.divide(length, speed, out=t, where=is_open)
    return t


def reconstruct_path(predecessors: np.ndarray, source: int, target: int) -> np.ndarray:
    """Nodes from ``source`` to ``target`` along a predecessor row (empty if unreachable).

    Examples
    --------
    >>> reconstruct_path(np.array([-9999, 0, 1]), 0, 2).tolist()
    [0, 1, 2]
    >>> reconstruct_path(np.array([-9999, 0, -9999]), 0, 2).tolist()
    []
    """
    if target == source:
        return np.array([source], dtype=np.int64)
    if predecessors[target] < 0:
        return np.empty(0, dtype=np.int64)
    out = [int(target)]
    node = int(target)
    for _ in range(predecessors.size):
        node = int(predecessors[node])
        out.append(node)
        if node == source:
            return np.array(out[::-1], dtype=np.int64)
        if node < 0:
            break
    raise ValueError(f"predecessor row does not lead from {target} back to {source}")


@dataclass(frozen=True)
class SnappedPoints:
    """Points tied to the network: ``k`` candidate nodes each and the off-road time to them.

    Attributes
    ----------
    node
        ``(n_points, k)`` node numbers, nearest first.
    offroad_s
        ``(n_points, k)`` seconds of the straight off-road leg between point and node.
    distance_m
        ``(n_points, k)`` length of that leg.
    """

    node: np.ndarray
    offroad_s: np.ndarray
    distance_m: np.ndarray

    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.node.shape[0])


class TravelTimes:
    """Shortest travel times on a road network, cached until the network changes.

    Parameters
    ----------
    network
        The road network (edge attributes ``length_m``, ``speed_m_s``, optional ``open`` and
        ``speed_factor``). It is read, never written; closing an edge in it (``open`` to 0) is
        seen at the next query.
    speed_factor
        Optional factor on every edge's speed (scalar or per edge); see :meth:`set_speed_factor`.
    offroad_speed_m_s
        Speed of the off-road leg between a point and its network node.
    snap_k
        Number of candidate nodes per snapped target point.

    Attributes
    ----------
    n_recomputations
        How many times the graph was rebuilt (a test hook: it must not grow while the network
        is unchanged).
    n_sweeps
        How many single-source Dijkstra rows were computed.
    """

    def __init__(
        self,
        network: Network,
        *,
        speed_factor: np.ndarray | float | None = None,
        offroad_speed_m_s: float = DEFAULT_OFFROAD_SPEED_M_S,
        snap_k: int = 4,
    ) -> None:
        if not offroad_speed_m_s > 0:
            raise ValueError(f"offroad_speed_m_s must be > 0, got {offroad_speed_m_s}")
        if snap_k < 1:
            raise ValueError(f"snap_k must be >= 1, got {snap_k}")
        self.network = network
        self.offroad_speed_m_s = float(offroad_speed_m_s)
        self.snap_k = int(snap_k)
        self._speed_factor = None if speed_factor is None else np.asarray(speed_factor, dtype=np.float64)
        self._signature: bytes | None = None
        self._graph: sp.csr_array | None = None
        self._edge_time: np.ndarray | None = None
        self._rows: dict[int, np.ndarray] = {}
        self._preds: dict[int, np.ndarray] = {}
        self._tree: cKDTree | None = None
        self._tree_nodes: np.ndarray | None = None
        self.n_recomputations = 0
        self.n_sweeps = 0

    # -- cache -------------------------------------------------------------------------------
    def set_speed_factor(self, speed_factor: np.ndarray | float | None) -> None:
        """Replace the extra per-edge speed factor (the cache notices the change)."""
        self._speed_factor = None if speed_factor is None else np.asarray(speed_factor, dtype=np.float64)

    def _digest(self) -> bytes:
        net = self.network
        h = hashlib.blake2b(digest_size=16)
        h.update(repr(getattr(net, "version", None)).encode())
        for arr in (net.indptr, net.indices):
            h.update(np.ascontiguousarray(arr).view(np.uint8))
        for key in ("length_m", "speed_m_s", "open", "speed_factor"):
            if key in net.edge_attrs:
                h.update(key.encode())
                h.update(np.ascontiguousarray(net.edge_attrs[key], dtype=np.float64).view(np.uint8))
        if self._speed_factor is not None:
            h.update(b"factor")
            h.update(
                np.ascontiguousarray(np.broadcast_to(self._speed_factor, net.indices.shape)).view(np.uint8)
            )
        return h.digest()

    def _refresh(self) -> None:
        sig = self._digest()
        if sig == self._signature:
            return
        net = self.network
        t = edge_travel_time_s(net, self._speed_factor)
        keep = np.isfinite(t)
        src = net.edge_sources()[keep]
        dst = net.indices[keep]
        # csr_array from COO sums duplicate (parallel) edges: keep the fastest of each pair instead.
        order = np.lexsort((t[keep], dst, src))
        src, dst, w = src[order], dst[order], t[keep][order]
        first = np.ones(src.size, dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst, w = src[first], dst[first], w[first]
        n = net.n_nodes
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, src + 1, 1)
        np.cumsum(indptr, out=indptr)
        self._graph = sp.csr_array((w, dst.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
        self._edge_time = t
        connected = np.zeros(n, dtype=bool)
        connected[src] = True
        connected[dst] = True
        nodes = np.flatnonzero(connected)
        self._tree_nodes = nodes
        self._tree = (
            cKDTree(np.column_stack([net.node_x_m[nodes], net.node_y_m[nodes]])) if nodes.size else None
        )
        self._rows.clear()
        self._preds.clear()
        self._signature = sig
        self.n_recomputations += 1

    def graph(self) -> sp.csr_array:
        """The CSR graph of the open edges weighted by travel time (seconds)."""
        self._refresh()
        assert self._graph is not None
        return self._graph

    def edge_time_s(self) -> np.ndarray:
        """Current seconds per edge in the network's CSR order (``inf`` when closed)."""
        self._refresh()
        assert self._edge_time is not None
        return self._edge_time

    # -- queries -----------------------------------------------------------------------------
    def from_nodes(self, sources, *, limit_s: float = np.inf) -> np.ndarray:
        """Shortest times from each source node to every node, shape ``(n_sources, n_nodes)``.

        Rows are cached per source node (for an unlimited search) until the network changes;
        only the missing ones are computed, in one multi-source Dijkstra call.
        """
        self._refresh()
        src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        n = self.network.n_nodes
        if src.size and (src.min() < 0 or src.max() >= n):
            raise ValueError(f"source nodes must be in 0..{n - 1}")
        if np.isfinite(limit_s):
            self.n_sweeps += int(np.unique(src).size)
            uniq, inv = np.unique(src, return_inverse=True)
            rows = np.atleast_2d(dijkstra(self._graph, directed=True, indices=uniq, limit=limit_s))
            return rows[inv]
        missing = np.array(sorted({int(s) for s in src} - self._rows.keys()), dtype=np.int64)
        if missing.size:
            rows, preds = dijkstra(self._graph, directed=True, indices=missing, return_predecessors=True)
            self.n_sweeps += int(missing.size)
            for s, row, pred in zip(missing, np.atleast_2d(rows), np.atleast_2d(preds), strict=True):
                self._rows[int(s)] = row
                self._preds[int(s)] = pred
        if src.size == 0:
            return np.empty((0, n))
        return np.stack([self._rows[int(s)] for s in src])

    def nearest_source(self, sources) -> tuple[np.ndarray, np.ndarray]:
        """For every node, the time from the nearest of ``sources`` and that source's index.

        One ``min_only`` Dijkstra sweep. Returns ``(time_s, index)`` with index into
        ``sources`` (``-1`` and ``inf`` where no source reaches the node).

        Examples
        --------
        >>> net = Network.from_edges("r", [0.0, 1.0, 2.0], [0.0, 0.0, 0.0], src=[0, 1], dst=[1, 2],
        ...        attrs={"length_m": [10.0, 20.0], "speed_m_s": [1.0, 1.0]}, undirected=True)
        >>> t, i = TravelTimes(net).nearest_source([0, 2])
        >>> t.tolist(), i.tolist()
        ([0.0, 10.0, 0.0], [0, 0, 1])
        """
        self._refresh()
        src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        t, _, origin = dijkstra(
            self._graph, directed=True, indices=src, min_only=True, return_predecessors=True
        )
        index = np.full(origin.shape, -1, dtype=np.int64)
        ok = origin >= 0
        # the first occurrence of each node in ``sources`` stands for it
        first = {}
        for i, s in enumerate(src.tolist()):
            first.setdefault(s, i)
        lut = np.full(self.network.n_nodes, -1, dtype=np.int64)
        for s, i in first.items():
            lut[s] = i
        index[ok] = lut[origin[ok]]
        self.n_sweeps += 1
        return t, index

    def predecessors(self, source: int) -> np.ndarray:
        """The shortest-path tree from ``source`` as a predecessor row (cached with its times row)."""
        self.from_nodes([int(source)])
        return self._preds[int(source)]

    def path(self, source: int, target: int) -> np.ndarray:
        """Node sequence of a fastest route (empty when ``target`` cannot be reached)."""
        return reconstruct_path(self.predecessors(source), int(source), int(target))

    def path_time_s(self, path: np.ndarray) -> float:
        """Travel time along a node sequence on the current network (``inf`` if an edge is closed)."""
        path = np.asarray(path, dtype=np.int64)
        if path.size < 2:
            return 0.0 if path.size == 1 else np.inf
        g = self.graph()
        total = 0.0
        for a, b in itertools.pairwise(path):
            lo, hi = g.indptr[a], g.indptr[a + 1]
            hit = np.flatnonzero(g.indices[lo:hi] == b)
            if hit.size == 0:
                return np.inf
            total += float(g.data[lo + hit[0]])
        return total

    # -- points ------------------------------------------------------------------------------
    def snap(self, x_m, y_m, *, k: int | None = None) -> SnappedPoints:
        """Tie points to their ``k`` nearest nodes that still touch an open edge.

        Where fewer than ``k`` such nodes exist the extra columns repeat the last one found;
        with none at all every point gets node 0 at an infinite off-road time.
        """
        self._refresh()
        x = np.atleast_1d(np.asarray(x_m, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y_m, dtype=np.float64))
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("x_m and y_m must be 1-D arrays of equal length")
        k = self.snap_k if k is None else int(k)
        if self._tree is None:
            shape = (x.size, k)
            return SnappedPoints(np.zeros(shape, np.int64), np.full(shape, np.inf), np.full(shape, np.inf))
        kk = min(k, self._tree_nodes.size)
        dist, idx = self._tree.query(np.column_stack([x, y]), k=kk)
        dist = dist.reshape(x.size, kk)
        idx = idx.reshape(x.size, kk)
        if kk < k:
            dist = np.concatenate([dist, np.repeat(dist[:, -1:], k - kk, axis=1)], axis=1)
            idx = np.concatenate([idx, np.repeat(idx[:, -1:], k - kk, axis=1)], axis=1)
        return SnappedPoints(self._tree_nodes[idx], dist / self.offroad_speed_m_s, dist)

    def to_points(self, sources, points: SnappedPoints, *, scale=None) -> np.ndarray:
        """Times from source nodes to snapped points, shape ``(n_sources, n_points)``.

        Each entry is ``min_q(network_time(source, node_q) * scale + offroad_q)``; ``scale``
        (one per source, default 1) stretches the network part only (a slower vehicle); the
        off-road leg is on foot.
        """
        rows = self.from_nodes(sources)
        if scale is not None:
            rows = rows * np.asarray(scale, dtype=np.float64).reshape(-1, 1)
        out = np.full((rows.shape[0], points.n_points), np.inf)
        for q in range(points.node.shape[1]):
            np.minimum(out, rows[:, points.node[:, q]] + points.offroad_s[:, q], out=out)
        return out

    def from_points(self, x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
        """Nearest connected node of each source point and the off-road time to reach it."""
        snapped = self.snap(x_m, y_m, k=1)
        return snapped.node[:, 0], snapped.offroad_s[:, 0]
