"""Walkable geometry of a crowd simulation: area, exits, stairs, walls, raster, wall distance.

A :class:`WalkableArea` is a shapely polygon (or multipolygon) with holes, in metres of a
projected plane. Every ring of it (exterior and holes) is wall, except where an **exit**
lies on it: an exit is a straight segment on the boundary, and the boundary under it is a
gap (people leave through it). **Waypoints** (doors, intermediate targets) are segments
inside the area that routing can aim at. **Stairs** are sub-areas on which people walk
slower, by one factor going up and another going down; *up* is the plan direction
``uphill``. Speed factors act on the horizontal (plan) speed: a stair 10 m long along its
slope that covers 8 m of plan (RiMEA test 2) walked at 0.6 m/s along the slope has a plan
speed of 0.48 m/s, so with a level free speed ``v0`` its factor is ``0.48 / v0``.

From the area come

* :meth:`WalkableArea.walls`: the wall segments, an ``(n, 4)`` array ``(x0, y0, x1, y1)``
  (:class:`Walls`), every ring cut at the open exits;
* :meth:`WalkableArea.rasterize`: a :class:`WalkableRaster`, the walkable mask at a chosen
  cell size (default :data:`DEFAULT_CELL_M` = 0.1 m, ten cells across a 1 m door) with the
  stairs' cells marked. A cell is walkable when its centre lies inside the area; cell
  ``(j, i)`` has its centre at ``(origin_x_m + (i + ½)·cell_m, origin_y_m + (j + ½)·cell_m)``,
  row 0 south, as on the engine's grids (:mod:`engine.grid`). The raster has at least one
  non-walkable cell around the area;
* :func:`distance_to_walls` (exact point-to-segment distances, numba, for any points) and
  :func:`wall_distance_raster` (the same at cell centres, only within a band near walls,
  visiting for each wall the cells of its bounding box grown by the band).

Areas come from coordinates, WKT or a GeoJSON file (:meth:`WalkableArea.from_geojson`
documents the file's layout); mistakes raise :class:`engine.errors.ScenarioError` naming
the file, the key and the fix.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numba
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.validation import explain_validity

from engine.errors import ScenarioError, did_you_mean, key_path

__all__ = [
    "DEFAULT_CELL_M",
    "GEOMETRY_TOL_M",
    "Exit",
    "Stair",
    "WalkableArea",
    "WalkableRaster",
    "Walls",
    "Waypoint",
    "distance_to_walls",
    "nearest_wall_points",
    "point_segment_distance",
    "wall_distance_raster",
]

#: Default raster cell size: ten cells across a 1 m door, 10⁶ cells for a 100 m × 100 m floor.
DEFAULT_CELL_M = 0.1
#: Distance under which a point counts as lying on a line (exits on the boundary, wall cuts).
GEOMETRY_TOL_M = 1e-6


# --- target lines and stairs ------------------------------------------------------------------


def _point2(value: Sequence[float], what: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair (x, y) of numbers in metres, got {value!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return x, y


@dataclass(frozen=True)
class _TargetLine:
    name: str
    start_m: tuple[float, float]
    end_m: tuple[float, float]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a {type(self).__name__.lower()} needs a non-empty name, got {self.name!r}")
        object.__setattr__(self, "start_m", _point2(self.start_m, f"{self.name}.start_m"))
        object.__setattr__(self, "end_m", _point2(self.end_m, f"{self.name}.end_m"))

    @property
    def width_m(self) -> float:
        """Length of the segment (the clear width of a door or exit)."""
        return math.dist(self.start_m, self.end_m)

    @property
    def segment(self) -> np.ndarray:
        """``(x0, y0, x1, y1)`` as a float64 array."""
        return np.array([*self.start_m, *self.end_m])

    @property
    def line(self) -> LineString:
        """The segment as a shapely line."""
        return LineString([self.start_m, self.end_m])


class Exit(_TargetLine):
    """An exit: a straight segment lying on the boundary of the walkable area.

    Examples
    --------
    >>> Exit("east door", (10.0, 2.0), (10.0, 3.2)).width_m
    1.2000000000000002
    """


class Waypoint(_TargetLine):
    """An intermediate target (a door between rooms, a checkpoint): a segment inside the area.

    Examples
    --------
    >>> Waypoint("door 3", (4.0, 6.0), (4.9, 6.0)).segment
    array([4. , 6. , 4.9, 6. ])
    """


@dataclass(frozen=True)
class Stair:
    """A stair: a sub-area where the plan walking speed is scaled by a factor.

    Parameters
    ----------
    name
        Unique name.
    polygon
        The stair's plan area (a shapely polygon, or exterior coordinates).
    speed_factor_up, speed_factor_down
        Plan speed on the stair over free level speed, walking up and down (> 0).
    uphill
        Plan direction pointing up the stair; normalised. Needed when the two factors differ.

    Examples
    --------
    >>> s = Stair("s", [(0, 0), (8, 0), (8, 2), (0, 2)], 0.5, 0.7, uphill=(2.0, 0.0))
    >>> s.uphill, s.factor_for_heading(-1.0, 0.0)
    ((1.0, 0.0), 0.7)
    """

    name: str
    polygon: Polygon
    speed_factor_up: float
    speed_factor_down: float
    uphill: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        poly = self.polygon if isinstance(self.polygon, Polygon) else Polygon(self.polygon)
        object.__setattr__(self, "polygon", poly)
        for key in ("speed_factor_up", "speed_factor_down"):
            value = float(getattr(self, key))
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"stair {self.name!r}: {key} must be a number > 0, got {value}")
            object.__setattr__(self, key, value)
        ux, uy = _point2(self.uphill, f"stair {self.name!r}: uphill")
        norm = math.hypot(ux, uy)
        if norm == 0 and self.speed_factor_up != self.speed_factor_down:
            raise ValueError(
                f"stair {self.name!r}: speed factors up and down differ, so give uphill = (dx, dy), "
                "the plan direction pointing up the stair"
            )
        object.__setattr__(self, "uphill", (ux / norm, uy / norm) if norm > 0 else (0.0, 0.0))

    def factor_for_heading(self, heading_x: float, heading_y: float) -> float:
        """Speed factor for walking in plan direction ``(heading_x, heading_y)`` (up if it climbs)."""
        climbing = heading_x * self.uphill[0] + heading_y * self.uphill[1] > 0
        return self.speed_factor_up if climbing else self.speed_factor_down


# --- walls and wall distance --------------------------------------------------------------------


@numba.njit(cache=True)
def point_segment_distance(px, py, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Distance from ``(px, py)`` to segment ``(x0, y0)–(x1, y1)`` and the nearest point on it.

    Returns ``(distance, qx, qy)``; a zero-length segment is its point. Callable from other
    numba kernels.
    """
    dx = x1 - x0
    dy = y1 - y0
    length2 = dx * dx + dy * dy
    s = 0.0
    if length2 > 0.0:
        s = ((px - x0) * dx + (py - y0) * dy) / length2
        s = min(1.0, max(0.0, s))
    qx = x0 + s * dx
    qy = y0 + s * dy
    return math.hypot(px - qx, py - qy), qx, qy


@numba.njit(cache=True)
def nearest_wall_kernel(segments, x, y, distance, index, qx, qy):  # pragma: no cover - compiled
    """For each point, the nearest of ``segments`` ``(n, 4)``: distance, index, nearest point."""
    for k in range(x.shape[0]):
        best = np.inf
        best_i = -1
        bx = np.nan
        by = np.nan
        for i in range(segments.shape[0]):
            d, sx, sy = point_segment_distance(
                x[k], y[k], segments[i, 0], segments[i, 1], segments[i, 2], segments[i, 3]
            )
            if d < best:
                best = d
                best_i = i
                bx = sx
                by = sy
        distance[k] = best
        index[k] = best_i
        qx[k] = bx
        qy[k] = by


@numba.njit(cache=True)
def wall_distance_raster_kernel(segments, origin_x, origin_y, cell, max_distance, out):  # pragma: no cover
    """Lower ``out`` ``(ny, nx)`` to the exact distance from each cell centre to ``segments``.

    Only cells within ``max_distance`` of a segment's bounding box are visited; ``out``
    should start at ``max_distance`` (or ``inf``).
    """
    ny, nx = out.shape
    for i in range(segments.shape[0]):
        x0, y0, x1, y1 = segments[i, 0], segments[i, 1], segments[i, 2], segments[i, 3]
        c0 = max(0, math.floor((min(x0, x1) - max_distance - origin_x) / cell - 0.5))
        c1 = min(nx - 1, math.ceil((max(x0, x1) + max_distance - origin_x) / cell - 0.5))
        r0 = max(0, math.floor((min(y0, y1) - max_distance - origin_y) / cell - 0.5))
        r1 = min(ny - 1, math.ceil((max(y0, y1) + max_distance - origin_y) / cell - 0.5))
        for r in range(r0, r1 + 1):
            py = origin_y + (r + 0.5) * cell
            for c in range(c0, c1 + 1):
                px = origin_x + (c + 0.5) * cell
                d, _, _ = point_segment_distance(px, py, x0, y0, x1, y1)
                if d < out[r, c]:
                    out[r, c] = d


def _segments_array(segments: Any) -> np.ndarray:
    arr = np.ascontiguousarray(segments.segments if isinstance(segments, Walls) else segments, np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"wall segments must be an (n, 4) array (x0, y0, x1, y1), got shape {arr.shape}")
    return arr


def nearest_wall_points(
    walls: Walls | np.ndarray, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest wall of each point: ``(distance_m, wall_index, nearest_x_m, nearest_y_m)``.

    Exact segment geometry, every wall tried (``O(points × walls)``); with no walls the
    distance is ``inf`` and the index ``-1``.

    Examples
    --------
    >>> d, i, qx, qy = nearest_wall_points(np.array([[0.0, 0.0, 4.0, 0.0]]), [1.0], [3.0])
    >>> float(d[0]), int(i[0]), float(qx[0]), float(qy[0])
    (3.0, 0, 1.0, 0.0)
    """
    seg = _segments_array(walls)
    x = np.ascontiguousarray(x_m, np.float64).ravel()
    y = np.ascontiguousarray(y_m, np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x_m and y_m differ in size: {x.size} vs {y.size}")
    distance = np.empty_like(x)
    index = np.empty(x.shape, np.int64)
    qx = np.empty_like(x)
    qy = np.empty_like(x)
    nearest_wall_kernel(seg, x, y, distance, index, qx, qy)
    return distance, index, qx, qy


def distance_to_walls(walls: Walls | np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Exact distance from each point to the nearest wall segment (``inf`` with no walls).

    Examples
    --------
    >>> square = Walls.from_rings([[(0, 0), (4, 0), (4, 4), (0, 4)]])
    >>> distance_to_walls(square, [1.0, 5.0], [2.0, 5.0]).round(4)
    array([1.    , 1.4142])
    """
    return nearest_wall_points(walls, x_m, y_m)[0]


@dataclass(frozen=True)
class Walls:
    """Wall segments ``(x0, y0, x1, y1)`` in metres: a C-contiguous float64 ``(n, 4)`` array.

    ``np.asarray(walls)`` is :attr:`segments`.

    Examples
    --------
    >>> w = Walls.from_rings([[(0, 0), (2, 0), (2, 1)]])
    >>> len(w), w.segments.flags.c_contiguous, float(w.length_m.sum())
    (3, True, 5.23606797749979)
    """

    segments: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", _segments_array(self.segments))

    @classmethod
    def from_rings(cls, rings: Iterable[Sequence[Sequence[float]]]) -> Walls:
        """Walls along closed rings of vertices (the closing edge is added)."""
        rows = []
        for ring in rings:
            pts = np.asarray(ring, np.float64)
            if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
                pts = pts[:-1]
            nxt = np.roll(pts, -1, axis=0)
            rows.extend(np.hstack([pts, nxt])[np.any(pts != nxt, axis=1)])
        return cls(np.array(rows, np.float64).reshape(-1, 4))

    def __len__(self) -> int:
        return self.segments.shape[0]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.segments if dtype is None else self.segments.astype(dtype)

    @property
    def length_m(self) -> np.ndarray:
        """Length of each segment."""
        s = self.segments
        return np.hypot(s[:, 2] - s[:, 0], s[:, 3] - s[:, 1])

    def distance_m(self, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Exact distance from each point to the nearest wall (:func:`distance_to_walls`)."""
        return distance_to_walls(self, x_m, y_m)


def _cut_edge(p: np.ndarray, q: np.ndarray, gaps: Sequence[np.ndarray], tol: float) -> list[np.ndarray]:
    """Pieces of edge ``p→q`` left after removing the gaps (segments) collinear with it."""
    d = q - p
    length = float(np.hypot(*d))
    if length <= tol:
        return []
    u = d / length
    cut: list[tuple[float, float]] = []
    for g in gaps:
        a, b = g[:2], g[2:]
        off_a = abs(u[0] * (a[1] - p[1]) - u[1] * (a[0] - p[0]))
        off_b = abs(u[0] * (b[1] - p[1]) - u[1] * (b[0] - p[0]))
        if off_a > tol or off_b > tol:
            continue
        sa, sb = float(np.dot(a - p, u)), float(np.dot(b - p, u))
        lo, hi = max(min(sa, sb), 0.0), min(max(sa, sb), length)
        if hi - lo > tol:
            cut.append((lo, hi))
    pieces, at = [], 0.0
    for lo, hi in sorted(cut):
        if lo - at > tol:
            pieces.append(np.concatenate([p + at * u, p + lo * u]))
        at = max(at, hi)
    if length - at > tol:
        pieces.append(np.concatenate([p + at * u, q]))
    return pieces


def wall_distance_raster(
    raster: WalkableRaster, walls: Walls | np.ndarray, max_distance_m: float
) -> np.ndarray:
    """Exact distance from every cell centre to the nearest wall, up to ``max_distance_m``.

    Cells farther than ``max_distance_m`` from every wall hold ``max_distance_m``. Cost is
    the sum over walls of the cells in each wall's bounding box grown by the band, not
    cells × walls.

    Examples
    --------
    >>> area = WalkableArea.from_coordinates([(0, 0), (2, 0), (2, 1), (0, 1)])
    >>> r = area.rasterize(0.5)
    >>> wall_distance_raster(r, area.walls(), 1.0)[r.walkable]
    array([0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25])
    """
    if not (math.isfinite(max_distance_m) and max_distance_m > 0):
        raise ValueError(f"max_distance_m must be a number > 0, got {max_distance_m}")
    out = np.full(raster.shape, float(max_distance_m))
    seg = _segments_array(walls)
    wall_distance_raster_kernel(
        seg, raster.origin_x_m, raster.origin_y_m, raster.cell_m, float(max_distance_m), out
    )
    return out


# --- raster -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkableRaster:
    """The walkable area on a regular grid of square cells (``(ny, nx)`` arrays, row 0 south).

    Attributes
    ----------
    walkable
        ``True`` where the cell centre lies inside the area.
    origin_x_m, origin_y_m, cell_m
        South-west corner of the grid and cell side.
    stair_index
        Index into :attr:`stairs` of the stair covering the cell centre, ``-1`` elsewhere.
    stairs
        The area's stairs, in :attr:`stair_index` order.
    """

    walkable: np.ndarray
    origin_x_m: float
    origin_y_m: float
    cell_m: float
    stair_index: np.ndarray
    stairs: tuple[Stair, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return self.walkable.shape

    @property
    def x_m(self) -> np.ndarray:
        """Cell-centre x coordinates ``(nx,)``."""
        return self.origin_x_m + (np.arange(self.shape[1]) + 0.5) * self.cell_m

    @property
    def y_m(self) -> np.ndarray:
        """Cell-centre y coordinates ``(ny,)``."""
        return self.origin_y_m + (np.arange(self.shape[0]) + 0.5) * self.cell_m

    def cell_of(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row, col)`` of the cells holding the points, clipped to the grid."""
        col = np.floor((np.asarray(x_m, np.float64) - self.origin_x_m) / self.cell_m).astype(np.int64)
        row = np.floor((np.asarray(y_m, np.float64) - self.origin_y_m) / self.cell_m).astype(np.int64)
        return np.clip(row, 0, self.shape[0] - 1), np.clip(col, 0, self.shape[1] - 1)

    def stair_speed_factor(
        self, x_m: np.ndarray, y_m: np.ndarray, heading_x: np.ndarray, heading_y: np.ndarray
    ) -> np.ndarray:
        """Speed factor at each point for its heading: 1 off stairs, up or down factor on them.

        Examples
        --------
        >>> stair = Stair("s", [(2, 0), (4, 0), (4, 1), (2, 1)], 0.5, 0.8, uphill=(1, 0))
        >>> area = WalkableArea.from_coordinates([(0, 0), (6, 0), (6, 1), (0, 1)], stairs=[stair])
        >>> area.rasterize(0.5).stair_speed_factor([1.0, 3.0, 3.0], [0.5] * 3, [1, 1, -1], [0, 0, 0])
        array([1. , 0.5, 0.8])
        """
        row, col = self.cell_of(x_m, y_m)
        k = self.stair_index[row, col]
        out = np.ones(k.shape)
        if not self.stairs:
            return out
        up = np.array([s.speed_factor_up for s in self.stairs])
        down = np.array([s.speed_factor_down for s in self.stairs])
        uphill = np.array([s.uphill for s in self.stairs]).reshape(-1, 2)
        on = k >= 0
        ks = k[on]
        climb = (
            np.asarray(heading_x, np.float64)[on] * uphill[ks, 0]
            + np.asarray(heading_y, np.float64)[on] * uphill[ks, 1]
        ) > 0
        out[on] = np.where(climb, up[ks], down[ks])
        return out


# --- area -------------------------------------------------------------------------------------


@dataclass
class WalkableArea:
    """Where people can walk, where they leave, and where they walk slower.

    Parameters
    ----------
    polygon
        A valid shapely ``Polygon`` or ``MultiPolygon`` (holes are obstacles), metres.
    exits
        :class:`Exit` segments, each lying on the polygon's boundary.
    waypoints
        :class:`Waypoint` segments inside the polygon.
    stairs
        :class:`Stair` sub-areas; where two overlap the later one wins.
    source
        Where the geometry came from (a file name), used in error messages.

    Examples
    --------
    >>> area = WalkableArea.from_coordinates(
    ...     [(0, 0), (10, 0), (10, 5), (0, 5)], exits=[Exit("door", (10, 2), (10, 3))]
    ... )
    >>> area.walls().segments.shape, area.exit_names
    ((5, 4), ('door',))
    """

    polygon: Polygon | MultiPolygon
    exits: Sequence[Exit] = ()
    waypoints: Sequence[Waypoint] = ()
    stairs: Sequence[Stair] = ()
    source: str | None = None
    _exit_normals: dict[str, tuple[float, float]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.exits = tuple(self.exits)
        self.waypoints = tuple(self.waypoints)
        self.stairs = tuple(self.stairs)
        self._check()

    # .. validation ....................................................................

    def _error(self, message: str, key: str) -> ScenarioError:
        return ScenarioError(message, path=self.source, key=key)

    def _check(self) -> None:
        poly = self.polygon
        if not isinstance(poly, Polygon | MultiPolygon):
            raise self._error(
                f"expected a Polygon or MultiPolygon, got {type(poly).__name__}; "
                "give the walkable floor as a polygon (holes for obstacles)",
                "walkable",
            )
        if not poly.is_empty and not poly.is_valid:
            raise self._error(
                f"the walkable polygon is not valid ({explain_validity(poly)}); fix the rings "
                "(no self-intersections, holes inside the exterior) or repair it with shapely.make_valid",
                "walkable",
            )
        if poly.is_empty or poly.area <= 0:
            raise self._error("the walkable polygon is empty; give at least three vertices", "walkable")
        names: set[str] = set()
        boundary = poly.boundary
        for kind, lines in (("exits", self.exits), ("waypoints", self.waypoints)):
            for i, line in enumerate(lines):
                key = f"{kind}[{i}]"
                if line.name in names:
                    raise self._error(
                        f"name {line.name!r} is used twice; give every exit and waypoint its own", key
                    )
                names.add(line.name)
                if line.width_m <= GEOMETRY_TOL_M:
                    raise self._error(f"{line.name!r} has zero width; give two distinct end points", key)
                probes = shapely.line_interpolate_point(line.line, np.linspace(0, 1, 11), normalized=True)
                if kind == "exits":
                    off = float(np.max(shapely.distance(boundary, probes)))
                    if off > GEOMETRY_TOL_M:
                        raise self._error(
                            f"exit {line.name!r} lies up to {off:.3g} m off the walkable area's boundary; "
                            "an exit is a gap in a wall, so put both end points on one boundary edge",
                            key,
                        )
                    self._exit_normals[line.name] = self._outward_normal(line)
                elif not bool(np.all(shapely.covers(poly.buffer(GEOMETRY_TOL_M), probes))):
                    raise self._error(
                        f"waypoint {line.name!r} leaves the walkable area; keep it inside the polygon", key
                    )
        for i, stair in enumerate(self.stairs):
            if stair.name in names:
                raise self._error(
                    f"name {stair.name!r} is used twice; give every stair its own", f"stairs[{i}]"
                )
            names.add(stair.name)
            if not stair.polygon.is_valid or stair.polygon.intersection(poly).area <= 0:
                raise self._error(
                    f"stair {stair.name!r} is not a valid polygon overlapping the walkable area; "
                    "draw it inside the floor",
                    f"stairs[{i}]",
                )

    def _outward_normal(self, line: Exit) -> tuple[float, float]:
        (x0, y0), (x1, y1) = line.start_m, line.end_m
        w = line.width_m
        nx_, ny_ = (y1 - y0) / w, -(x1 - x0) / w
        mx, my = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        eps = min(1e-3, 0.1 * w)
        if self.polygon.contains(Point(mx + eps * nx_, my + eps * ny_)):
            nx_, ny_ = -nx_, -ny_
        return nx_, ny_

    # .. queries ......................................................................

    @property
    def exit_names(self) -> tuple[str, ...]:
        """Names of the exits, in order."""
        return tuple(e.name for e in self.exits)

    def exit(self, name: str) -> Exit:
        """The exit called ``name``; ``KeyError`` naming the exits otherwise."""
        for e in self.exits:
            if e.name == name:
                return e
        raise KeyError(
            f"no exit {name!r}{did_you_mean(name, self.exit_names)}; exits are {list(self.exit_names)}"
        )

    def target(self, name: str) -> Exit | Waypoint:
        """The exit or waypoint called ``name``."""
        for t in (*self.exits, *self.waypoints):
            if t.name == name:
                return t
        names = [t.name for t in (*self.exits, *self.waypoints)]
        raise KeyError(f"no exit or waypoint {name!r}{did_you_mean(name, names)}; there are {names}")

    def outward_normal(self, name: str) -> tuple[float, float]:
        """Unit normal of exit ``name`` pointing out of the walkable area."""
        self.exit(name)
        return self._exit_normals[name]

    def contains(self, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Whether each point lies inside the walkable area (boundary excluded)."""
        return shapely.contains_xy(self.polygon, np.asarray(x_m, np.float64), np.asarray(y_m, np.float64))

    def walls(self, closed_exits: Iterable[str] = ()) -> Walls:
        """Wall segments of every ring, cut at the open exits (closed exits stay walls).

        Examples
        --------
        >>> area = WalkableArea.from_coordinates(
        ...     [(0, 0), (4, 0), (4, 4), (0, 4)], exits=[Exit("e", (1, 0), (2, 0))]
        ... )
        >>> len(area.walls()), len(area.walls(closed_exits=["e"]))
        (5, 4)
        """
        closed = set(closed_exits)
        for name in closed:
            self.exit(name)
        gaps = [e.segment for e in self.exits if e.name not in closed]
        polys = self.polygon.geoms if isinstance(self.polygon, MultiPolygon) else [self.polygon]
        rows: list[np.ndarray] = []
        for poly in polys:
            for ring in (poly.exterior, *poly.interiors):
                pts = np.asarray(ring.coords, np.float64)
                for p, q in itertools.pairwise(pts):
                    rows.extend(_cut_edge(p, q, gaps, GEOMETRY_TOL_M))
        return Walls(np.array(rows, np.float64).reshape(-1, 4))

    def rasterize(self, cell_m: float = DEFAULT_CELL_M) -> WalkableRaster:
        """The walkable mask on square cells of side ``cell_m`` (cell centre inside the area).

        The grid's origin is a multiple of ``cell_m`` and at least one cell lies outside the
        area's bounds on every side.

        Examples
        --------
        >>> r = WalkableArea.from_coordinates([(0, 0), (1, 0), (1, 0.5), (0, 0.5)]).rasterize(0.25)
        >>> r.shape, int(r.walkable.sum()), r.origin_x_m
        ((4, 6), 8, -0.25)
        """
        if not (math.isfinite(cell_m) and cell_m > 0):
            raise ValueError(f"cell_m must be a number > 0, got {cell_m}")
        x0, y0, x1, y1 = self.polygon.bounds
        ox = (math.floor(x0 / cell_m + 1e-9) - 1) * cell_m
        oy = (math.floor(y0 / cell_m + 1e-9) - 1) * cell_m
        nx = math.ceil((x1 - ox) / cell_m - 1e-9) + 1
        ny = math.ceil((y1 - oy) / cell_m - 1e-9) + 1
        xc = ox + (np.arange(nx) + 0.5) * cell_m
        yc = oy + (np.arange(ny) + 0.5) * cell_m
        shapely.prepare(self.polygon)
        walkable = shapely.contains_xy(self.polygon, xc[None, :], yc[:, None])
        stair_index = np.full((ny, nx), -1, np.int32)
        for k, stair in enumerate(self.stairs):
            sx0, sy0, sx1, sy1 = stair.polygon.bounds
            c0, c1 = np.searchsorted(xc, [sx0, sx1])
            r0, r1 = np.searchsorted(yc, [sy0, sy1])
            inside = shapely.contains_xy(stair.polygon, xc[None, c0:c1], yc[r0:r1, None])
            block = stair_index[r0:r1, c0:c1]
            block[inside & walkable[r0:r1, c0:c1]] = k
        return WalkableRaster(walkable, ox, oy, float(cell_m), stair_index, self.stairs)

    # .. constructors ..................................................................

    @classmethod
    def from_coordinates(
        cls,
        exterior: Sequence[Sequence[float]],
        holes: Sequence[Sequence[Sequence[float]]] = (),
        **kwargs: Any,
    ) -> WalkableArea:
        """Area from an exterior ring and hole rings of ``(x, y)`` vertices in metres.

        Other keyword arguments (``exits``, ``waypoints``, ``stairs``, ``source``) go to the
        constructor.
        """
        try:
            poly = Polygon(exterior, holes)
        except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
            raise ScenarioError(
                f"cannot build a polygon from these coordinates ({exc}); give rings of at least "
                "three (x, y) pairs",
                path=kwargs.get("source"),
                key="walkable",
            ) from None
        return cls(poly, **kwargs)

    @classmethod
    def from_wkt(cls, text: str, **kwargs: Any) -> WalkableArea:
        """Area from a WKT ``POLYGON`` or ``MULTIPOLYGON`` (coordinates in metres).

        Examples
        --------
        >>> wkt = "POLYGON ((0 0, 4 0, 4 3, 0 3, 0 0), (1 1, 2 1, 2 2, 1 2, 1 1))"
        >>> WalkableArea.from_wkt(wkt).polygon.area
        11.0
        """
        try:
            geom = shapely.from_wkt(text)
        except (shapely.errors.GEOSException, TypeError) as exc:
            raise ScenarioError(
                f"not valid WKT ({exc}); expected e.g. POLYGON ((0 0, 10 0, 10 5, 0 5, 0 0))",
                path=kwargs.get("source"),
                key="walkable",
            ) from None
        return cls(geom, **kwargs)

    @classmethod
    def from_geojson(cls, path: str | Path) -> WalkableArea:
        """Area from a GeoJSON ``FeatureCollection`` in a projected plane (metres).

        Each feature has ``properties.kind``:

        ``"walkable"`` (Polygon or MultiPolygon)
            Floor; several are merged.
        ``"obstacle"`` (Polygon)
            Cut out of the floor (a pillar, a counter).
        ``"exit"`` (LineString of two points, ``name``)
            A gap in the floor's boundary.
        ``"waypoint"`` or ``"door"`` (LineString of two points, ``name``)
            An intermediate target inside the floor.
        ``"stair"`` (Polygon, ``name``, ``speed_factor_up``, ``speed_factor_down``, ``uphill``)
            A slower sub-area; ``uphill`` = [dx, dy] (plan direction up the stair) is needed
            when the two factors differ.
        """
        path = Path(path)
        src = str(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScenarioError(
                "geometry file not found; check the path (relative to the scenario file)", path=src
            ) from None
        except json.JSONDecodeError as exc:
            raise ScenarioError(
                f"not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); "
                "fix the GeoJSON syntax",
                path=src,
            ) from None
        features = raw.get("features") if isinstance(raw, dict) else None
        if not isinstance(features, list):
            raise ScenarioError(
                'expected a GeoJSON FeatureCollection with a "features" list', path=src, key="features"
            )
        floors, obstacles, exits, waypoints, stairs = [], [], [], [], []
        for i, feat in enumerate(features):
            geom, props = _feature_parts(feat, i, src)
            kind = props["kind"]
            if kind == "walkable":
                floors.append(geom)
            elif kind == "obstacle":
                obstacles.append(geom)
            elif kind == "stair":
                stairs.append(_stair_from_feature(geom, props, i, src))
            else:
                start, end = _two_points(geom, i, src)
                (exits if kind == "exit" else waypoints).append(
                    (Exit if kind == "exit" else Waypoint)(props["name"], start, end)
                )
        if not floors:
            raise ScenarioError(
                'no feature with "kind": "walkable"; add the floor polygon', path=src, key="features"
            )
        floor = shapely.union_all(floors)
        if obstacles:
            floor = floor.difference(shapely.union_all(obstacles))
        return cls(floor, exits, waypoints, stairs, source=src)


_FEATURE_KEYS = {
    "walkable": ({"kind", "name"}, set(), ("Polygon", "MultiPolygon")),
    "obstacle": ({"kind", "name"}, set(), ("Polygon", "MultiPolygon")),
    "exit": ({"kind", "name"}, {"name"}, ("LineString",)),
    "waypoint": ({"kind", "name"}, {"name"}, ("LineString",)),
    "door": ({"kind", "name"}, {"name"}, ("LineString",)),
    "stair": (
        {"kind", "name", "speed_factor_up", "speed_factor_down", "uphill"},
        {"name", "speed_factor_up", "speed_factor_down"},
        ("Polygon",),
    ),
}


def _feature_parts(feat: Any, i: int, src: str) -> tuple[Any, dict[str, Any]]:
    where = ("features", i)
    props = feat.get("properties") if isinstance(feat, dict) else None
    if not isinstance(props, dict):
        raise ScenarioError("a feature needs a properties object", path=src, key=key_path(where))
    kind = props.get("kind")
    if kind not in _FEATURE_KEYS:
        raise ScenarioError(
            f"unknown kind {kind!r}{did_you_mean(str(kind), _FEATURE_KEYS)}; "
            f"use one of {', '.join(_FEATURE_KEYS)}",
            path=src,
            key=key_path((*where, "properties", "kind")),
        )
    allowed, required, geom_types = _FEATURE_KEYS[kind]
    article = "an" if kind[0] in "aeiou" else "a"
    for key in props:
        if key not in allowed:
            raise ScenarioError(
                f"unknown key for {article} {kind}{did_you_mean(key, allowed)}; "
                f"allowed keys are {', '.join(sorted(allowed))}",
                path=src,
                key=key_path((*where, "properties", key)),
            )
    for key in sorted(required - set(props)):
        raise ScenarioError(
            f"{article} {kind} needs {key}; add it", path=src, key=key_path((*where, "properties", key))
        )
    gtype = (feat.get("geometry") or {}).get("type")
    if gtype not in geom_types:
        raise ScenarioError(
            f"{article} {kind} must be a {' or '.join(geom_types)}, got {gtype!r}",
            path=src,
            key=key_path((*where, "geometry", "type")),
        )
    try:
        geom = shape(feat["geometry"])
    except (ValueError, TypeError, KeyError, shapely.errors.GEOSException) as exc:
        raise ScenarioError(
            f"cannot read the coordinates ({exc}); give [x, y] pairs in metres",
            path=src,
            key=key_path((*where, "geometry", "coordinates")),
        ) from None
    return geom, props


def _two_points(geom: LineString, i: int, src: str) -> tuple[tuple[float, float], tuple[float, float]]:
    coords = list(geom.coords)
    if len(coords) != 2:
        raise ScenarioError(
            f"an exit or waypoint is one straight segment, got {len(coords)} points; split it into features",
            path=src,
            key=key_path(("features", i, "geometry", "coordinates")),
        )
    return coords[0][:2], coords[1][:2]


def _stair_from_feature(geom: Polygon, props: dict[str, Any], i: int, src: str) -> Stair:
    try:
        return Stair(
            props["name"],
            geom,
            props["speed_factor_up"],
            props["speed_factor_down"],
            tuple(props.get("uphill", (0.0, 0.0))),
        )
    except (ValueError, TypeError) as exc:
        raise ScenarioError(str(exc), path=src, key=key_path(("features", i, "properties"))) from None
