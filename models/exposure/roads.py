"""The road network: read from a node/edge CSV pair, or generated along a generated valley's floor.

The process ``road_network`` puts a :class:`engine.network.Network` named ``"roads"`` in
``world.networks`` at setup, before anything runs, so that every process finds it from its own
start on. Each physical road segment becomes two directed edges (one per direction) unless
``undirected = false``. Edge attributes, in CSR order: ``length_m`` (straight length between
the end nodes), ``speed_m_s``, ``capacity_veh_h``, ``travel_time_s``, ``road_class`` (index into
:data:`ROAD_CLASS_NAMES`), ``segment`` (the segment both directions share), ``open`` (1; 0
once a closure model closes it) and the bridge attributes ``bridge_class`` (index into
:data:`BRIDGE_CLASS_NAMES`: 0 no bridge, ``k`` the HAZUS class HWB<k>), ``bridge_spans``
and ``bridge_skew_deg`` (read by :mod:`models.impact.bridge_damage`). It also writes the field
``road_mask`` (1 on cells a road crosses) and, at the end, the table ``roads`` (one row per
segment, with its end points and its ``bridge`` class, ``""`` for none) from which the report
draws the roads.

**From files**::

    [[exposure]]
    model = "road_network"
    nodes = "nodes.csv"   # id,x_m,y_m
    edges = "edges.csv"   # src,dst,road_class[,speed_m_s,capacity_veh_h,bridge_class,...]

A blank speed or capacity takes the road class's value from :data:`ROAD_CLASSES`. A segment with a
``bridge_class`` (``HWB1`` … ``HWB28``, the HAZUS highway-bridge classes) is a bridge; its number
of spans defaults to one span per ``DEFAULT_BRIDGE_SPAN_M`` (30 m, an assumption) of its length
(always 1 for the single-span classes HWB3 and HWB4) and its skew to 0°. A mistake is reported
with the file, the line and the column.

**Generated**: ``generate = {}`` (with a ``terrain`` process or a ``terrain_m`` layer, and a
``town_site`` facility, which a generated valley adds) builds

* a valley road from the west edge (or ``entry`` side) to the town: the least-cost path over the
  grid's 8-neighbour graph (``scipy.sparse.csgraph.dijkstra``) with the cost of a step between
  two cells ``length × (1 + (g / g_ref)²) × (river_penalty if either cell is river)``, ``g`` the
  mean terrain gradient (tan of the slope) of the two cells and ``g_ref`` = ``reference_grade``
  (default 0.1). A gentle floor (1 %) costs 1.01 per metre, a 30° wall 34 times more, so the road
  keeps to the valley floor near the river, and crosses the river only where it must. The entry
  is the cell of the entry side with the least cost to the town. The path is sampled into nodes
  every ``node_spacing_m`` along its length (class ``road_class``, default ``"primary"``);
* town streets: a square lattice of ``street_spacing_m`` through the town centre, clipped to the
  town site's outline (or a square of ``town_size_m``), off river cells, and connected to the
  valley road's end (class ``"street"``);
* bridges: every segment whose cells (sampled as :func:`segment_cells` samples them, as the road
  mask and the closure models do) include a river cell is a bridge of class ``bridge_class``
  (default ``"HWB28"``, HAZUS's class for bridges not otherwise classified), with one span per
  ``bridge_span_m`` and no skew (square crossings: an assumption); with ``bridge_area_m2`` the
  side streams draining at least that area (``flow_accumulation_m2``) count as river cells for
  bridges (not for the path cost or the streets; where the path runs along a stream bed, the
  bridge runs from bank to bank of that stretch). So that a bridge is only as long as its
  crossing, the valley road gets a node on every dry cell of its path next to a river cell (the
  last before and the first after each crossing among them) and none on a river cell.

The speeds and capacities of :data:`ROAD_CLASSES` are typical free-flow speeds and per-direction
capacities (one lane each way, two on a motorway), stated here as assumptions, not taken from a
source; override them per edge in the CSV.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
from matplotlib.path import Path as Polygon
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from scipy.ndimage import binary_dilation
from scipy.sparse.csgraph import connected_components, dijkstra

from engine.errors import ScenarioError, did_you_mean
from engine.grid import Grid
from engine.network import Network
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from engine.scenario import DataFile
from models.terrain.analysis import slope_m_per_m

__all__ = [
    "BRIDGE_CLASS_NAMES",
    "DEFAULT_BRIDGE_SPAN_M",
    "ROAD_CLASSES",
    "ROAD_CLASS_NAMES",
    "RoadClass",
    "RoadNetwork",
    "RoadNetworkConfig",
    "Roads",
    "bridge_span_count",
    "close_edges",
    "generate_valley_roads",
    "least_cost_path",
    "network_named",
    "read_road_csv",
    "reopen_edges",
    "river_crossings",
    "segment_cells",
    "segment_edges",
]


@dataclass(frozen=True)
class RoadClass:
    """Free-flow speed and per-direction capacity of a road class."""

    speed_m_s: float
    capacity_veh_h: float


#: Road classes: typical free-flow speed and per-direction capacity [assumed; see module docstring].
ROAD_CLASSES: dict[str, RoadClass] = {
    "motorway": RoadClass(100 / 3.6, 4000.0),
    "primary": RoadClass(80 / 3.6, 1800.0),
    "secondary": RoadClass(60 / 3.6, 1500.0),
    "tertiary": RoadClass(50 / 3.6, 1200.0),
    "street": RoadClass(30 / 3.6, 800.0),
    "track": RoadClass(20 / 3.6, 300.0),
}
#: Names in the order of the ``road_class`` edge attribute's codes.
ROAD_CLASS_NAMES: tuple[str, ...] = tuple(ROAD_CLASSES)

#: HAZUS highway-bridge classes in the order of the ``bridge_class`` edge attribute's codes
#: (code 0, ``""``, is no bridge); their fragility curves are in :mod:`models.impact.bridge_damage`.
BRIDGE_CLASS_NAMES: tuple[str, ...] = ("", *(f"HWB{k}" for k in range(1, 29)))
#: Span length used to count a bridge's spans when none is given [assumed: a typical short
#: highway-bridge span, not taken from a source].
DEFAULT_BRIDGE_SPAN_M = 30.0
_SINGLE_SPAN = frozenset({"HWB3", "HWB4"})  # HAZUS's single-span classes


def bridge_span_count(
    length_m: np.ndarray, bridge_class: list[str], span_m: float = DEFAULT_BRIDGE_SPAN_M
) -> np.ndarray:
    """Number of spans of bridges whose spans are not given: ``ceil(length / span_m)``, at least 1.

    The single-span classes HWB3 and HWB4 always get 1; segments that are no bridge (``""``) 0.

    Examples
    --------
    >>> bridge_span_count(np.array([75.0, 75.0, 10.0, 75.0]), ["HWB5", "HWB3", "HWB5", ""]).tolist()
    [3.0, 1.0, 1.0, 0.0]
    """
    length = np.asarray(length_m, dtype=np.float64)
    n = np.maximum(np.ceil(length / span_m), 1.0)
    n[[c in _SINGLE_SPAN for c in bridge_class]] = 1.0
    n[[c == "" for c in bridge_class]] = 0.0
    return n


@dataclass
class Roads:
    """Road segments between nodes (one row per physical segment, before directing them).

    Attributes
    ----------
    node_id
        Node names (the CSV ids, or numbers for a generated network).
    x_m, y_m
        Node coordinates.
    src, dst
        Segment end nodes (indices into the node arrays).
    road_class
        Class name of each segment (a key of :data:`ROAD_CLASSES`).
    speed_m_s, capacity_veh_h
        Per segment.
    bridge_class
        HAZUS bridge class of each segment (:data:`BRIDGE_CLASS_NAMES`), ``""`` where it is no
        bridge; default none.
    bridge_spans
        Number of spans per segment (0 where no bridge); default :func:`bridge_span_count`.
    bridge_skew_deg
        Skew angle per segment (0 for a square crossing); default 0.
    """

    node_id: list[str]
    x_m: np.ndarray
    y_m: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    road_class: list[str]
    speed_m_s: np.ndarray
    capacity_veh_h: np.ndarray
    bridge_class: list[str] | None = None
    bridge_spans: np.ndarray | None = None
    bridge_skew_deg: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = int(np.asarray(self.src).size)
        if self.bridge_class is None:
            self.bridge_class = [""] * n
        if self.bridge_spans is None:
            self.bridge_spans = bridge_span_count(self.length_m, self.bridge_class)
        if self.bridge_skew_deg is None:
            self.bridge_skew_deg = np.zeros(n)
        self.bridge_spans = np.asarray(self.bridge_spans, dtype=np.float64)
        self.bridge_skew_deg = np.asarray(self.bridge_skew_deg, dtype=np.float64)

    @property
    def length_m(self) -> np.ndarray:
        """Straight length of every segment."""
        return np.hypot(self.x_m[self.dst] - self.x_m[self.src], self.y_m[self.dst] - self.y_m[self.src])

    def to_network(self, name: str = "roads", *, undirected: bool = True) -> Network:
        """The segments as a CSR :class:`~engine.network.Network` (both directions if ``undirected``).

        Examples
        --------
        >>> r = Roads(["a", "b"], np.array([0.0, 30.0]), np.array([0.0, 40.0]), np.array([0]),
        ...           np.array([1]), ["street"], np.array([10.0]), np.array([800.0]))
        >>> net = r.to_network()
        >>> net.n_edges, net.edge_attrs["length_m"].tolist(), net.edge_attrs["travel_time_s"].tolist()
        (2, [50.0, 50.0], [5.0, 5.0])
        """
        length = self.length_m
        attrs = {
            "length_m": length,
            "speed_m_s": self.speed_m_s,
            "capacity_veh_h": self.capacity_veh_h,
            "travel_time_s": length / self.speed_m_s,
            "road_class": np.array([ROAD_CLASS_NAMES.index(c) for c in self.road_class], dtype=np.float64),
            "segment": np.arange(self.src.size, dtype=np.float64),
            "open": np.ones(self.src.size),
            "bridge_class": np.array(
                [BRIDGE_CLASS_NAMES.index(c) for c in self.bridge_class or ()], dtype=np.float64
            ),
            "bridge_spans": self.bridge_spans,
            "bridge_skew_deg": self.bridge_skew_deg,
        }
        return Network.from_edges(
            name, self.x_m, self.y_m, src=self.src, dst=self.dst, attrs=attrs, undirected=undirected
        )


# ---------------------------------------------------------------------------------------------
# CSV files
# ---------------------------------------------------------------------------------------------


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...]):
    """Yield ``(line number, {column: text})`` of a CSV file with a header row, checking the header."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(
                f"{path.name}, line 1: the file is empty; expected a header {','.join(required)}"
            )
        header = [h.strip() for h in header]
        for col in header:
            if col not in required + optional:
                raise ValueError(
                    f"{path.name}, line 1, column {col!r}: unknown column"
                    f"{did_you_mean(col, required + optional)}; columns are {', '.join(required + optional)}"
                )
        missing = [c for c in required if c not in header]
        if missing:
            raise ValueError(
                f"{path.name}, line 1: missing column {missing[0]!r}; "
                f"the header must name {', '.join(required)}"
            )
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise ValueError(f"{path.name}, line {line}: {len(row)} values for {len(header)} columns")
            yield line, dict(zip(header, (c.strip() for c in row), strict=True))


def _number(path: Path, line: int, column: str, text: str, *, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"{path.name}, line {line}, column {column!r}: expected a number, got {text!r}"
        ) from None
    if not math.isfinite(value) or (positive and value <= 0):
        need = "a finite number > 0" if positive else "a finite number"
        raise ValueError(f"{path.name}, line {line}, column {column!r}: expected {need}, got {text!r}")
    return value


def _bridge(path: Path, line: int, row: dict[str, str]) -> tuple[str, float, float]:
    """The optional bridge columns of one edge row: ``(class, spans or 0 for the default, skew)``."""
    cls = row.get("bridge_class", "").upper()
    spans, skew = row.get("bridge_spans", ""), row.get("bridge_skew_deg", "")
    if not cls:
        for col, text in (("bridge_spans", spans), ("bridge_skew_deg", skew)):
            if text:
                raise ValueError(
                    f"{path.name}, line {line}, column {col!r}: given for a segment without a "
                    "bridge_class; give the class (HWB1 ... HWB28) or leave it blank"
                )
        return "", 0.0, 0.0
    if cls not in BRIDGE_CLASS_NAMES:
        raise ValueError(
            f"{path.name}, line {line}, column 'bridge_class': unknown class {row['bridge_class']!r}"
            f"{did_you_mean(cls, BRIDGE_CLASS_NAMES[1:])}; classes are HWB1 ... HWB28 (HAZUS)"
        )
    n = _number(path, line, "bridge_spans", spans, positive=True) if spans else 0.0
    if n != round(n):
        raise ValueError(
            f"{path.name}, line {line}, column 'bridge_spans': expected a whole number, got {spans!r}"
        )
    if n > 1 and cls in _SINGLE_SPAN:
        raise ValueError(
            f"{path.name}, line {line}, column 'bridge_spans': {cls} is a single-span class, got {spans!r}"
        )
    angle = _number(path, line, "bridge_skew_deg", skew) if skew else 0.0
    if not 0.0 <= angle < 90.0:
        raise ValueError(
            f"{path.name}, line {line}, column 'bridge_skew_deg': expected an angle in [0, 90), got {skew!r}"
        )
    return cls, n, angle


def read_road_csv(nodes_path: str | Path, edges_path: str | Path) -> Roads:
    """Read road nodes (``id,x_m,y_m``) and segments (``src,dst,road_class[,...]``).

    Optional edge columns: ``speed_m_s``, ``capacity_veh_h`` (blank: the road class's value),
    ``bridge_class`` (``HWB1`` ... ``HWB28``; blank: no bridge), ``bridge_spans`` (blank: one per
    :data:`DEFAULT_BRIDGE_SPAN_M` of length) and ``bridge_skew_deg`` (blank: 0).

    Raises
    ------
    ValueError
        Naming the file, the line and the column of the first mistake (an unknown column, a value
        that is not a number, a duplicate node id, an edge to an unknown node, an unknown road
        or bridge class, a loop or a zero-length segment).
    """
    nodes_path, edges_path = Path(nodes_path), Path(edges_path)
    ids: dict[str, int] = {}
    xs, ys = [], []
    for line, row in _rows(nodes_path, ("id", "x_m", "y_m"), ()):
        if row["id"] in ids:
            raise ValueError(
                f"{nodes_path.name}, line {line}, column 'id': node {row['id']!r} is listed twice"
            )
        ids[row["id"]] = len(xs)
        xs.append(_number(nodes_path, line, "x_m", row["x_m"]))
        ys.append(_number(nodes_path, line, "y_m", row["y_m"]))
    if not ids:
        raise ValueError(f"{nodes_path.name}: no nodes after the header")
    src, dst, classes, speeds, caps, bridges = [], [], [], [], [], []
    optional = ("speed_m_s", "capacity_veh_h", "bridge_class", "bridge_spans", "bridge_skew_deg")
    for line, row in _rows(edges_path, ("src", "dst", "road_class"), optional):
        ends = []
        for col in ("src", "dst"):
            if row[col] not in ids:
                raise ValueError(
                    f"{edges_path.name}, line {line}, column {col!r}: no node {row[col]!r} in "
                    f"{nodes_path.name}{did_you_mean(row[col], ids)}"
                )
            ends.append(ids[row[col]])
        if ends[0] == ends[1]:
            raise ValueError(
                f"{edges_path.name}, line {line}, column 'dst': the edge starts and ends at {row['src']!r}"
            )
        if xs[ends[0]] == xs[ends[1]] and ys[ends[0]] == ys[ends[1]]:
            raise ValueError(
                f"{edges_path.name}, line {line}: nodes {row['src']!r} and {row['dst']!r} are at one place"
            )
        cls = row["road_class"]
        if cls not in ROAD_CLASSES:
            raise ValueError(
                f"{edges_path.name}, line {line}, column 'road_class': unknown class {cls!r}"
                f"{did_you_mean(cls, ROAD_CLASSES)}; classes are {', '.join(ROAD_CLASSES)}"
            )
        speed, cap = row.get("speed_m_s", ""), row.get("capacity_veh_h", "")
        bridges.append(_bridge(edges_path, line, row))
        src.append(ends[0])
        dst.append(ends[1])
        classes.append(cls)
        speeds.append(
            _number(edges_path, line, "speed_m_s", speed, positive=True)
            if speed
            else ROAD_CLASSES[cls].speed_m_s
        )
        caps.append(
            _number(edges_path, line, "capacity_veh_h", cap, positive=True)
            if cap
            else ROAD_CLASSES[cls].capacity_veh_h
        )
    if not src:
        raise ValueError(f"{edges_path.name}: no edges after the header")
    roads = Roads(
        list(ids),
        np.array(xs),
        np.array(ys),
        np.array(src, dtype=np.int64),
        np.array(dst, dtype=np.int64),
        classes,
        np.array(speeds),
        np.array(caps),
        bridge_class=[b[0] for b in bridges],
        bridge_skew_deg=np.array([b[2] for b in bridges]),
    )
    given = np.array([b[1] for b in bridges])
    roads.bridge_spans = np.where(given > 0, given, roads.bridge_spans)  # type: ignore[arg-type]
    return roads


# ---------------------------------------------------------------------------------------------
# Geometry on the grid
# ---------------------------------------------------------------------------------------------


def segment_cells(
    x0_m: np.ndarray, y0_m: np.ndarray, x1_m: np.ndarray, y1_m: np.ndarray, grid: Grid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sample straight segments every cell size (ends included) and find the cells of the points.

    Returns
    -------
    ptr, cells, x_m, y_m : numpy.ndarray
        Points of segment ``s`` are ``ptr[s]:ptr[s+1]``; ``cells`` their flat cell indices
        (``row * nx + col``). Points outside the grid are dropped.

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 10.0, nx=5, ny=2)
    >>> ptr, cells, _, _ = segment_cells(np.array([5.0]), np.array([5.0]), np.array([45.0]),
    ...                                  np.array([5.0]), g)
    >>> ptr.tolist(), cells.tolist()
    ([0, 5], [0, 1, 2, 3, 4])
    """
    x0, y0, x1, y1 = (np.asarray(a, dtype=np.float64) for a in (x0_m, y0_m, x1_m, y1_m))
    length = np.hypot(x1 - x0, y1 - y0)
    n = np.maximum(np.ceil(length / grid.cell_size_m).astype(np.int64) + 1, 2)
    seg = np.repeat(np.arange(x0.size), n)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    t = (np.arange(seg.size) - start[seg]) / (n[seg] - 1)
    px = x0[seg] + t * (x1 - x0)[seg]
    py = y0[seg] + t * (y1 - y0)[seg]
    col = np.floor((px - grid.origin_x_m) / grid.cell_size_m).astype(np.int64)
    row = np.floor((py - grid.origin_y_m) / grid.cell_size_m).astype(np.int64)
    inside = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(seg[inside], minlength=x0.size))])
    return ptr, (row * grid.nx + col)[inside], px[inside], py[inside]


def segment_edges(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """Segment of every directed edge and the first edge (CSR order) of every segment.

    Edges without a ``segment`` attribute are each their own segment.

    Examples
    --------
    >>> r = Roads(["a", "b", "c"], np.array([0.0, 1.0, 2.0]), np.zeros(3), np.array([0, 1]),
    ...           np.array([1, 2]), ["street"] * 2, np.ones(2), np.ones(2))
    >>> seg, first = segment_edges(r.to_network())
    >>> seg.tolist(), first.tolist()
    ([0, 0, 1, 1], [0, 2])
    """
    n = network.n_edges
    attrs = network.edge_attrs
    seg = attrs["segment"].astype(np.int64) if "segment" in attrs else np.arange(n)
    first = np.full(int(seg.max()) + 1 if n else 0, -1, dtype=np.int64)
    first[seg[::-1]] = np.arange(n)[::-1]
    return seg, first


def network_named(world, name: str) -> Network:
    """The network ``name`` of ``world``; a missing one is a ``KeyError`` that lists those there are."""
    try:
        return world.networks[name]
    except KeyError:
        raise KeyError(f"no network {name!r}; networks are {sorted(world.networks)}") from None


def close_edges(network: Network, edges: np.ndarray) -> None:
    """Close ``edges`` (a boolean mask or indices): one more closure holds each of them.

    Several models may close the same road for different reasons (floodwater, debris, a damaged
    bridge). Each closure is counted in the edge attribute ``closures`` and ``open`` is 1 only
    where none holds, so one model reopening a road (the water has gone) does not reopen a
    bridge another model found broken.

    Examples
    --------
    >>> r = Roads(["a", "b"], np.array([0.0, 1.0]), np.zeros(2), np.array([0]), np.array([1]),
    ...           ["street"], np.ones(1), np.ones(1))
    >>> net = r.to_network()
    >>> close_edges(net, np.array([0, 1])); close_edges(net, np.array([0, 1]))  # water, bridge
    >>> reopen_edges(net, np.array([0, 1])); net.edge_attrs["open"].tolist()  # the water recedes
    [0.0, 0.0]
    >>> reopen_edges(net, np.array([0, 1])); net.edge_attrs["open"].tolist()
    [1.0, 1.0]
    """
    attrs = network.edge_attrs
    if "open" not in attrs:
        attrs["open"] = np.ones(network.n_edges)
    if "closures" not in attrs:
        attrs["closures"] = np.where(attrs["open"] > 0.0, 0.0, 1.0)
    attrs["closures"][edges] += 1.0
    attrs["open"][:] = attrs["closures"] <= 0.0  # in place: others hold the array


def reopen_edges(network: Network, edges: np.ndarray) -> None:
    """Release one closure of each of ``edges``; an edge opens when no closure holds it."""
    attrs = network.edge_attrs
    if "closures" not in attrs:
        return
    attrs["closures"][edges] = np.maximum(attrs["closures"][edges] - 1.0, 0.0)
    attrs["open"][:] = attrs["closures"] <= 0.0


def river_crossings(roads: Roads, grid: Grid, river_mask: np.ndarray) -> np.ndarray:
    """Whether each segment crosses a river cell, its cells sampled as :func:`segment_cells` does.

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 10.0, nx=5, ny=2)
    >>> river = np.zeros((2, 5)); river[:, 2] = 1.0  # a river down the middle column
    >>> r = Roads(["a", "b", "c"], np.array([5.0, 45.0, 45.0]), np.array([5.0, 5.0, 15.0]),
    ...           np.array([0, 1]), np.array([1, 2]), ["street"] * 2, np.ones(2), np.ones(2))
    >>> river_crossings(r, g, river).tolist()
    [True, False]
    """
    s, d = roads.src, roads.dst
    ptr, cells, _, _ = segment_cells(roads.x_m[s], roads.y_m[s], roads.x_m[d], roads.y_m[d], grid)
    wet = (np.asarray(river_mask) > 0).ravel()[cells]
    hits = np.bincount(np.repeat(np.arange(s.size), np.diff(ptr)), weights=wet, minlength=s.size)
    return hits > 0


# ---------------------------------------------------------------------------------------------
# Generated valley roads
# ---------------------------------------------------------------------------------------------

_STEPS = ((0, 1), (1, 0), (1, 1), (1, -1))  # each undirected 8-neighbour pair once


def least_cost_path(
    cost_per_m: np.ndarray, cell_size_m: float, target: tuple[int, int], sources: np.ndarray
) -> np.ndarray:
    """The cheapest 8-neighbour path from the best of ``sources`` to ``target`` over a cost raster.

    A step between two adjacent cells costs its length (``cell_size_m``, or √2 times it
    diagonally) times the mean of the two cells' ``cost_per_m``; paths are found by Dijkstra's
    algorithm (``scipy.sparse.csgraph.dijkstra``) from the target.

    Parameters
    ----------
    cost_per_m : numpy.ndarray
        ``(ny, nx)`` positive cost per metre of each cell.
    cell_size_m : float
        Cell side.
    target : tuple of int
        ``(row, col)`` where every path ends.
    sources : numpy.ndarray
        Flat indices of candidate start cells; the cheapest is used.

    Returns
    -------
    numpy.ndarray
        Flat cell indices from the chosen source to the target.

    Examples
    --------
    >>> cost = np.ones((3, 4)); cost[1, 1:3] = 100.0  # a wall in the middle row
    >>> least_cost_path(cost, 1.0, (2, 3), np.array([0, 4, 8])).tolist()
    [8, 9, 10, 11]
    """
    ny, nx = cost_per_m.shape
    idx = np.arange(ny * nx).reshape(ny, nx)
    a_list, b_list, w_list = [], [], []
    for dj, di in _STEPS:
        ra = slice(0, ny - dj)
        ca = slice(max(0, -di), nx - max(0, di))
        rb = slice(dj, ny)
        cb = slice(max(0, di), nx + min(0, di))
        step = cell_size_m * math.hypot(dj, di)
        a_list.append(idx[ra, ca].ravel())
        b_list.append(idx[rb, cb].ravel())
        w_list.append((0.5 * step * (cost_per_m[ra, ca] + cost_per_m[rb, cb])).ravel())
    a, b, w = (np.concatenate(v) for v in (a_list, b_list, w_list))
    graph = sp.csr_array(
        (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(ny * nx,) * 2
    )
    t = target[0] * nx + target[1]
    dist, pred = dijkstra(graph, directed=True, indices=t, return_predecessors=True)
    sources = np.asarray(sources)
    reachable = sources[np.isfinite(dist[sources])]
    if reachable.size == 0:
        raise ValueError("no path from the entry side reaches the target")
    node = int(reachable[np.argmin(dist[reachable])])
    path = [node]
    while node != t:
        node = int(pred[node])
        path.append(node)
    return np.array(path, dtype=np.int64)


def _side_cells(side: str, ny: int, nx: int) -> np.ndarray:
    idx = np.arange(ny * nx).reshape(ny, nx)
    return {"west": idx[:, 0], "east": idx[:, -1], "south": idx[0, :], "north": idx[-1, :]}[side]


def _street_lattice(
    cx: float, cy: float, spacing: float, outline: Polygon, keep_cell: np.ndarray, grid: Grid
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lattice nodes through ``(cx, cy)`` inside ``outline``; return node xy and 4-neighbour edges.

    Only the part connected to the centre node (index 0) is kept.
    """
    x0, y0, x1, y1 = *outline.vertices.min(axis=0), *outline.vertices.max(axis=0)
    ii = np.arange(math.floor((x0 - cx) / spacing), math.ceil((x1 - cx) / spacing) + 1)
    jj = np.arange(math.floor((y0 - cy) / spacing), math.ceil((y1 - cy) / spacing) + 1)
    gi, gj = np.meshgrid(ii, jj)
    px, py = cx + gi.ravel() * spacing, cy + gj.ravel() * spacing
    ok = outline.contains_points(np.column_stack([px, py])) | ((gi.ravel() == 0) & (gj.ravel() == 0))
    inside = (
        (px >= grid.extent_m[0])
        & (px < grid.extent_m[1])
        & (py >= grid.extent_m[2])
        & (py < grid.extent_m[3])
    )
    ok &= inside
    col = np.clip(((px - grid.origin_x_m) // grid.cell_size_m).astype(np.int64), 0, grid.nx - 1)
    row = np.clip(((py - grid.origin_y_m) // grid.cell_size_m).astype(np.int64), 0, grid.ny - 1)
    ok &= keep_cell[row, col] | ((gi.ravel() == 0) & (gj.ravel() == 0))
    number = -np.ones(gi.size, dtype=np.int64)
    order = np.flatnonzero(ok)
    centre = int(np.flatnonzero((gi.ravel() == 0) & (gj.ravel() == 0))[0])
    order = np.concatenate([[centre], order[order != centre]])
    number[order] = np.arange(order.size)
    grid_no = number.reshape(gi.shape)
    pairs = [(grid_no[:, :-1], grid_no[:, 1:]), (grid_no[:-1, :], grid_no[1:, :])]
    src = np.concatenate([a[(a >= 0) & (b >= 0)] for a, b in pairs])
    dst = np.concatenate([b[(a >= 0) & (b >= 0)] for a, b in pairs])
    n = order.size
    _, label = connected_components(
        sp.csr_array((np.ones(src.size), (src, dst)), shape=(n, n)), directed=False
    )
    keep = label == label[0]
    renumber = np.cumsum(keep) - 1
    good = keep[src] & keep[dst]
    return px[order][keep], py[order][keep], renumber[src[good]], renumber[dst[good]]


def generate_valley_roads(
    terrain_m: np.ndarray,
    grid: Grid,
    town_xy_m: tuple[float, float],
    *,
    river_mask: np.ndarray | None = None,
    town_outline_xy_m: np.ndarray | None = None,
    entry: str = "west",
    node_spacing_m: float = 100.0,
    street_spacing_m: float = 150.0,
    town_size_m: float = 600.0,
    reference_grade: float = 0.1,
    river_penalty: float = 20.0,
    road_class: str = "primary",
    street_class: str = "street",
    bridge_class: str = "HWB28",
    bridge_span_m: float = DEFAULT_BRIDGE_SPAN_M,
    flow_accumulation_m2: np.ndarray | None = None,
    bridge_area_m2: float | None = None,
) -> Roads:
    """A valley road from the ``entry`` side to the town along low, gentle ground, and town streets.

    The cost model and the sampling are described in the module docstring.

    Parameters
    ----------
    terrain_m : numpy.ndarray
        ``(ny, nx)`` ground elevation on ``grid``.
    grid : engine.grid.Grid
        The grid geometry.
    town_xy_m : tuple of float
        Town centre; the valley road ends in its cell.
    river_mask : numpy.ndarray, optional
        ``(ny, nx)``, nonzero on river cells (costed ``river_penalty`` times more; no streets).
    town_outline_xy_m : numpy.ndarray, optional
        ``(n, 2)`` polygon of the town site; default a square of ``town_size_m`` about the centre.
    entry : {"west", "east", "south", "north"}
        Grid side where the valley road starts.
    node_spacing_m, street_spacing_m : float
        Distance between nodes along the valley road; street lattice spacing.
    reference_grade : float
        ``g_ref`` of the cost ``1 + (g / g_ref)²``.
    river_penalty : float
        Cost factor of a step touching a river cell.
    road_class, street_class : str
        Classes of the valley road and the streets (keys of :data:`ROAD_CLASSES`).
    bridge_class : str
        HAZUS class (:data:`BRIDGE_CLASS_NAMES`) of the bridges where a segment crosses the river.
    bridge_span_m : float
        Span length that sets a bridge's number of spans (:func:`bridge_span_count`).
    flow_accumulation_m2 : numpy.ndarray, optional
        ``(ny, nx)`` upstream area of every cell (for ``bridge_area_m2``).
    bridge_area_m2 : float, optional
        Cells draining at least this area are watercourses too (side streams): a road crossing
        one is a bridge. Default: only river cells are.

    Returns
    -------
    Roads
        Nodes numbered from the entry along the valley road; the town centre is the road's last node.
    """
    z = np.asarray(terrain_m, dtype=np.float64)
    river = np.zeros(z.shape, dtype=bool) if river_mask is None else np.asarray(river_mask) > 0
    water = river.copy()
    if bridge_area_m2 is not None:
        if flow_accumulation_m2 is None:
            raise ValueError("bridge_area_m2 needs the flow_accumulation_m2 field")
        water |= np.asarray(flow_accumulation_m2) >= bridge_area_m2
    grade = slope_m_per_m(z, grid.cell_size_m)
    cost = (1.0 + (grade / reference_grade) ** 2) * np.where(river, river_penalty, 1.0)
    row, col = grid.index_of(*town_xy_m)
    path = least_cost_path(cost, grid.cell_size_m, (row, col), _side_cells(entry, grid.ny, grid.nx))
    prow, pcol = np.divmod(path, grid.nx)
    px, py = grid.x_m[pcol], grid.y_m[prow]
    along = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(px), np.diff(py)))])
    marks = np.floor(along / node_spacing_m)
    keep = np.unique(np.concatenate([[0], np.flatnonzero(np.diff(marks) > 0) + 1, [path.size - 1]]))
    wet = water.ravel()[path]
    if wet.any():
        # A node on every dry path cell next to water (the banks of each crossing among them), none
        # on water: a crossing is one segment from bank to bank, and the segments beside it are
        # single steps that do not cut across the water.
        near = binary_dilation(water, structure=np.ones((3, 3), dtype=bool)).ravel()[path]
        keep = np.union1d(keep, np.flatnonzero(near & ~wet))
        keep = keep[~wet[keep] | (keep == 0) | (keep == path.size - 1)]
    rx, ry = px[keep], py[keep]
    n_road = rx.size
    if town_outline_xy_m is None:
        h = 0.5 * town_size_m
        cx, cy = town_xy_m
        town_outline_xy_m = np.array([[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h]])
    outline = Polygon(np.asarray(town_outline_xy_m, dtype=np.float64))
    sx, sy, s_src, s_dst = _street_lattice(rx[-1], ry[-1], street_spacing_m, outline, ~river, grid)
    # Lattice node 0 is the road's last node; the others follow the road nodes.
    lattice_to_all = np.concatenate([[n_road - 1], n_road + np.arange(sx.size - 1)])
    x = np.concatenate([rx, sx[1:]])
    y = np.concatenate([ry, sy[1:]])
    src = np.concatenate([np.arange(n_road - 1), lattice_to_all[s_src]])
    dst = np.concatenate([np.arange(1, n_road), lattice_to_all[s_dst]])
    classes = [road_class] * (n_road - 1) + [street_class] * s_src.size
    roads = Roads(
        [str(i) for i in range(x.size)],
        x,
        y,
        src.astype(np.int64),
        dst.astype(np.int64),
        classes,
        np.array([ROAD_CLASSES[c].speed_m_s for c in classes]),
        np.array([ROAD_CLASSES[c].capacity_veh_h for c in classes]),
    )
    if water.any():
        roads.bridge_class = [bridge_class if c else "" for c in river_crossings(roads, grid, water)]
        roads.bridge_spans = bridge_span_count(roads.length_m, roads.bridge_class, bridge_span_m)
    return roads


# ---------------------------------------------------------------------------------------------
# The process
# ---------------------------------------------------------------------------------------------

_Class = Literal["motorway", "primary", "secondary", "tertiary", "street", "track"]


class GenerateRoads(BaseModel):
    """``generate = {...}``: a valley road to the town and town streets (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    town: str = Field("town_site", min_length=1, description="facility the valley road leads to")
    entry: Literal["west", "east", "south", "north"] = Field("west", description="side where the road enters")
    node_spacing_m: float = Field(100.0, gt=0, description="distance between nodes along the valley road")
    street_spacing_m: float = Field(150.0, gt=0, description="spacing of the town's street lattice")
    town_size_m: float = Field(
        600.0, gt=0, description="side of the street square if the town has no outline"
    )
    reference_grade: float = Field(0.1, gt=0, description="g_ref of the path cost 1 + (g / g_ref)^2")
    river_penalty: float = Field(20.0, ge=1, description="cost factor of a step touching a river cell")
    road_class: _Class = "primary"
    street_class: _Class = "street"
    bridge_class: str = Field(
        "HWB28", description="HAZUS class of the bridges where a road crosses the river"
    )
    bridge_span_m: float = Field(
        DEFAULT_BRIDGE_SPAN_M, gt=0, description="span length that sets a generated bridge's number of spans"
    )
    bridge_area_m2: float | None = Field(
        None,
        gt=0,
        description="side streams draining at least this area also get bridges (default: river only)",
    )

    @field_validator("bridge_class")
    @classmethod
    def _known_bridge_class(cls, value: str) -> str:
        name = value.strip().upper()
        if name not in BRIDGE_CLASS_NAMES[1:]:
            raise ValueError(
                f"unknown bridge class {value!r}{did_you_mean(name, BRIDGE_CLASS_NAMES[1:])}; "
                "classes are HWB1 ... HWB28 (HAZUS)"
            )
        return name


class RoadNetworkConfig(ProcessConfig):
    """``[[exposure]] model = "road_network"``."""

    model: Literal["road_network"] = "road_network"
    nodes: DataFile | None = Field(None, description="CSV of nodes: id,x_m,y_m")
    edges: DataFile | None = Field(
        None, description="CSV of edges: src,dst,road_class[,speed_m_s,capacity_veh_h,bridge_class,...]"
    )
    generate: GenerateRoads | None = Field(None, description="generate roads on the terrain")
    undirected: bool = Field(True, description="every segment is two-way (two directed edges)")

    @model_validator(mode="after")
    def _one_source(self) -> RoadNetworkConfig:
        files = self.nodes is not None or self.edges is not None
        if files == (self.generate is not None):
            raise ValueError('give either nodes = "nodes.csv" with edges = "edges.csv", or generate = {}')
        if files and (self.nodes is None or self.edges is None):
            raise ValueError("nodes and edges go together; give both CSV files")
        return self


@register
class RoadNetwork(Process):
    """The road network ``world.networks["roads"]``, from CSV files or generated on the terrain."""

    model_name = "road_network"
    family = "exposure"
    Config = RoadNetworkConfig
    reads = (
        FieldSpec("terrain_m", "m", "ground elevation (to generate roads)", optional=True),
        FieldSpec("river_mask", "1", "1 on river cells (to generate roads)", optional=True),
        FieldSpec(
            "flow_accumulation_m2", "m2", "upstream area (side-stream bridges, bridge_area_m2)", optional=True
        ),
    )
    writes = (FieldSpec("road_mask", "1", "1 on cells a road crosses, else 0"),)
    default_dt_s = None  # builds the network once, at setup

    #: Name of the network in ``world.networks``.
    NETWORK = "roads"

    @classmethod
    def check(cls, config: RoadNetworkConfig, scenario, key: str) -> None:
        """CSV files must parse and lie on the grid; generation needs terrain and a town."""
        if config.generate is None:
            try:
                roads = read_road_csv(config.nodes, config.edges)  # type: ignore[arg-type]
            except ValueError as exc:
                which = "edges" if str(exc).startswith(config.edges.name) else "nodes"  # type: ignore[union-attr]
                raise ScenarioError(str(exc), key=f"{key}.{which}") from None
            nodes_file = config.nodes.name  # type: ignore[union-attr]
            for i, (x, y) in enumerate(zip(roads.x_m, roads.y_m, strict=True)):
                if not scenario.grid_contains(x, y):
                    raise ScenarioError(
                        f"{nodes_file}: node {roads.node_id[i]!r} at ({x}, {y}) lies outside the grid; "
                        "move it or enlarge [grid]",
                        key=f"{key}.nodes",
                    )
            return
        provided = {layer.name for layer in scenario.layers}
        provided.update(f.name for p in scenario.processes for f in p.cls.writes)
        if "terrain_m" not in provided:
            raise ScenarioError(
                'generated roads need the field "terrain_m"; add a [[terrain]] model or a terrain_m layer',
                key=f"{key}.generate",
            )
        if config.generate.bridge_area_m2 is not None and "flow_accumulation_m2" not in provided:
            raise ScenarioError(
                'bridge_area_m2 needs the field "flow_accumulation_m2"; '
                "add a [[terrain]] model or remove the key",
                key=f"{key}.generate.bridge_area_m2",
            )
        town = config.generate.town
        generated_town = town == "town_site" and any(
            p.cls.model_name == "terrain" and getattr(p.config, "generate", None) is not None
            for p in scenario.processes
        )
        facility = next((f for f in scenario.facilities if f.name == town), None)
        if facility is None and not generated_town:
            raise ScenarioError(
                f'no facility named "{town}"; add one in [[facilities]] or generate a valley '
                '(which adds "town_site")',
                key=f"{key}.generate.town",
            )

    def setup(self) -> None:
        """Build the network and the road mask before anything runs."""
        super().setup()
        cfg: RoadNetworkConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        if cfg.generate is None:
            roads = read_road_csv(cfg.nodes, cfg.edges)  # type: ignore[arg-type]
        else:
            gen = cfg.generate
            town = self.world.facilities[gen.town]
            layers = grid.layers
            outline = None
            if "polygon_x_m" in town.attrs and "polygon_y_m" in town.attrs:
                outline = np.column_stack([town.attrs["polygon_x_m"], town.attrs["polygon_y_m"]])
            roads = generate_valley_roads(
                layers["terrain_m"].data,
                grid,
                (town.x_m, town.y_m),
                river_mask=layers["river_mask"].data if "river_mask" in layers else None,
                flow_accumulation_m2=(
                    layers["flow_accumulation_m2"].data if "flow_accumulation_m2" in layers else None
                ),
                town_outline_xy_m=outline,
                **gen.model_dump(exclude={"town"}),
            )
        self.roads = roads
        self.world.networks[self.NETWORK] = roads.to_network(self.NETWORK, undirected=cfg.undirected)
        s, d = roads.src, roads.dst
        _, cells, _, _ = segment_cells(roads.x_m[s], roads.y_m[s], roads.x_m[d], roads.y_m[d], grid)
        mask = np.zeros(grid.nx * grid.ny)
        mask[cells] = 1.0
        grid.layers["road_mask"].data[...] = mask.reshape(grid.shape)

    def start(self, t_s: float) -> None:
        """Attribute the road mask to what started the process (the scenario)."""
        self.mark_written("road_mask")

    def finish(self, t_s: float) -> None:
        """Keep the segments as the table ``roads`` and report the network's length."""
        r = self.roads
        self.world.add_table(
            "roads",
            {
                "segment": np.arange(r.src.size),
                "x0_m": r.x_m[r.src],
                "y0_m": r.y_m[r.src],
                "x1_m": r.x_m[r.dst],
                "y1_m": r.y_m[r.dst],
                "road_class": np.array(r.road_class, dtype=str),
                "length_m": r.length_m,
                "speed_m_s": r.speed_m_s,
                "bridge": np.array(r.bridge_class, dtype=str),
            },
            {"x0_m": "m", "y0_m": "m", "x1_m": "m", "y1_m": "m", "length_m": "m", "speed_m_s": "m s-1"},
            'road segments (both directions) with their end points and bridge class ("" if none)',
        )
        self.world.report_kpi(
            "road_network_length_km", r.length_m.sum() / 1e3, "km", "length of the road network"
        )
