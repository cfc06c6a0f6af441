"""Terrain analysis on the grid: slope, aspect, depression filling, D8 drainage.

Conventions are the engine's (:mod:`engine.grid`): arrays are ``(ny, nx)``,
row 0 is the **southern** row (``y`` grows with the row index), columns go
east. Elevations are metres, cells square.

Slope and aspect
    Gradients by the 3×3 finite differences of Horn (1981), the weighting
    used by ArcGIS and GDAL: for the window ``a b c / d e f / g h i`` (``a``
    north-west)::

        ∂z/∂x = ((c + 2f + i) − (a + 2d + g)) / (8 Δx)
        ∂z/∂y = ((a + 2b + c) − (g + 2h + i)) / (8 Δx)      (y positive north)

    Edge cells use a linear extrapolation of the surface one cell outwards
    (``z₋₁ = 2z₀ − z₁``), so the result is exact for planes everywhere.
    Slope is ``atan(|∇z|)``; **aspect** is the compass direction the slope
    faces, i.e. the *downslope* direction ``−∇z``, in degrees clockwise from
    north in ``[0, 360)``; on flat cells (``|∇z| ≤ flat_slope_m_per_m``) it is
    ``NaN``.

Drainage
    1. Depressions are filled by Priority-Flood (Barnes, Lehman & Mulla 2014,
       Algorithm 2 "improved Priority-Flood"): cells are flooded inwards from
       the grid's edge in order of elevation, and a cell lower than the cell
       that reaches it is raised to that cell's level (its spill elevation).
       Afterwards every cell has a non-ascending path to the edge.
    2. D8 flow directions (O'Callaghan & Mark 1984): each cell drains to the
       one of its 8 neighbours with the steepest descent, drop divided by the
       centre distance (``Δx`` or ``√2 Δx``); ties go to the first in the order
       E, NE, N, NW, W, SW, S, SE. An edge cell with no lower neighbour drains
       off the grid (direction :data:`OUTLET`). Cells on flats (filled pits,
       level floors) have no lower neighbour; they drain by a breadth-first
       search towards the nearest flat cell that does have an exit, so every
       cell reaches the edge. ``flat_steps`` counts the steps to that exit.
    3. Flow accumulation: cells are visited from high to low (filled)
       elevation, more flat steps first among equals, each adding what it
       has gathered to its receiver: cells draining through each cell, itself
       included, times the cell area is the contributing area in m².
    4. The river network: cells whose contributing area reaches a threshold.

Each loop over cells is a numba kernel with a plain-Python twin used by the
tests.

References
----------
Horn, B. K. P. (1981). Hill shading and the reflectance map. *Proceedings of
the IEEE* 69(1), 14–47.

O'Callaghan, J. F. & Mark, D. M. (1984). The extraction of drainage networks
from digital elevation data. *Computer Vision, Graphics, and Image
Processing* 28(3), 323–344.

Barnes, R., Lehman, C. & Mulla, D. (2014). Priority-flood: an optimal
depression-filling and watershed-labeling algorithm for digital elevation
models. *Computers & Geosciences* 62, 117–127.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numba
import numpy as np

#: Row offset (north positive) of D8 direction ``k`` = 0…7: E, NE, N, NW, W, SW, S, SE.
D8_DROW = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
#: Column offset (east positive) of D8 direction ``k``.
D8_DCOL = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
#: Centre distance to the neighbour in direction ``k``, in cells.
D8_DISTANCE = np.array([1.0, math.sqrt(2.0)] * 4)
#: Compass azimuth of direction ``k`` (degrees clockwise from north).
D8_AZIMUTH_DEG = np.array([90.0, 45.0, 0.0, 315.0, 270.0, 225.0, 180.0, 135.0])
#: ArcGIS flow-direction code of direction ``k`` (1 = E, 2 = SE, 4 = S, …, 128 = NE).
D8_ESRI_CODE = np.array([1, 128, 64, 32, 16, 8, 4, 2], dtype=np.int64)
#: Direction code of a cell that drains off the grid (or, on an unfilled surface, a pit).
OUTLET = -1
_UNRESOLVED = -2


def _as_surface(z_m: np.ndarray, name: str = "z_m") -> np.ndarray:
    z = np.ascontiguousarray(z_m, dtype=np.float64)
    if z.ndim != 2 or z.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D (ny, nx) array, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name} holds {int(np.sum(~np.isfinite(z)))} non-finite values; fill no-data first")
    return z


def _check_cell_size(cell_size_m: float) -> float:
    if not (math.isfinite(cell_size_m) and cell_size_m > 0):
        raise ValueError(f"cell_size_m must be a positive number, got {cell_size_m}")
    return float(cell_size_m)


# ---------------------------------------------------------------------------
# slope and aspect (Horn 1981)
# ---------------------------------------------------------------------------


def horn_gradient(z_m: np.ndarray, cell_size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Surface gradient ``(∂z/∂x, ∂z/∂y)`` by Horn's (1981) 3×3 differences.

    ``x`` points east, ``y`` north (row index); edges use a linear
    extrapolation, so planes are exact everywhere.

    Examples
    --------
    >>> x = np.arange(4) * 10.0
    >>> z = 0.3 * x[None, :] - 0.1 * np.arange(3)[:, None] * 10.0  # z = 0.3 x − 0.1 y
    >>> gx, gy = horn_gradient(z, 10.0)
    >>> np.allclose(gx, 0.3), np.allclose(gy, -0.1)
    (True, True)
    """
    z = _as_surface(z_m)
    dx = _check_cell_size(cell_size_m)
    zp = np.pad(z, 1, mode="reflect", reflect_type="odd") if min(z.shape) > 1 else np.pad(z, 1, mode="edge")
    south, mid, north = zp[:-2], zp[1:-1], zp[2:]
    west, centre, east = slice(0, -2), slice(1, -1), slice(2, None)
    dz_dx = (
        (north[:, east] + 2.0 * mid[:, east] + south[:, east])
        - (north[:, west] + 2.0 * mid[:, west] + south[:, west])
    ) / (8.0 * dx)
    dz_dy = (
        (north[:, west] + 2.0 * north[:, centre] + north[:, east])
        - (south[:, west] + 2.0 * south[:, centre] + south[:, east])
    ) / (8.0 * dx)
    return dz_dx, dz_dy


def slope_m_per_m(z_m: np.ndarray, cell_size_m: float) -> np.ndarray:
    """Slope as rise over run, ``|∇z|`` (m/m), by Horn's method.

    Examples
    --------
    >>> z = np.add.outer(np.zeros(3), 0.5 * 30.0 * np.arange(3))  # 0.5 m/m eastwards
    >>> float(slope_m_per_m(z, 30.0)[1, 1])
    0.5
    """
    gx, gy = horn_gradient(z_m, cell_size_m)
    return np.hypot(gx, gy)


def slope_deg(z_m: np.ndarray, cell_size_m: float) -> np.ndarray:
    """Slope angle in degrees, ``atan(|∇z|)``, by Horn's method.

    Examples
    --------
    >>> z = np.add.outer(np.zeros(3), 10.0 * np.arange(3))  # rises 10 m per 10 m cell
    >>> float(slope_deg(z, 10.0)[1, 1])
    45.0
    """
    return np.degrees(np.arctan(slope_m_per_m(z_m, cell_size_m)))


def aspect_deg(z_m: np.ndarray, cell_size_m: float, *, flat_slope_m_per_m: float = 0.0) -> np.ndarray:
    """Direction a slope faces (its downslope direction), degrees clockwise from north.

    Parameters
    ----------
    z_m
        Elevations ``(ny, nx)``, row 0 south.
    cell_size_m
        Side of a cell.
    flat_slope_m_per_m
        Cells with ``|∇z|`` at or below this are flat and get ``NaN``.

    Returns
    -------
    numpy.ndarray
        Aspect in ``[0, 360)``: 0 faces north (the ground falls northwards),
        90 east, 180 south, 270 west; ``NaN`` on flat cells.

    Examples
    --------
    >>> z = np.add.outer(np.zeros(3), -np.arange(3.0))  # falls towards the east
    >>> float(aspect_deg(z, 1.0)[1, 1])
    90.0
    >>> float(aspect_deg(np.zeros((3, 3)), 1.0)[1, 1])
    nan
    """
    gx, gy = horn_gradient(z_m, cell_size_m)
    az = np.degrees(np.arctan2(-gx, -gy)) % 360.0
    az = np.where(az >= 360.0, 0.0, az)  # -tiny % 360 rounds to 360
    return np.where(np.hypot(gx, gy) <= flat_slope_m_per_m, np.nan, az)


# ---------------------------------------------------------------------------
# Priority-Flood depression filling (Barnes et al. 2014, Algorithm 2)
# ---------------------------------------------------------------------------


@numba.njit(cache=True)
def heap_push(keys, items, size, key, item):  # pragma: no cover - compiled
    """Add ``item`` with ``key`` to the min-heap ``keys[:size]``, ``items[:size]``; return the new size.

    The arrays are preallocated by the caller (Priority-Flood here, the barrier lake's
    storage curve); ties pop in no particular order.
    """
    i = size
    keys[i] = key
    items[i] = item
    while i > 0:
        parent = (i - 1) // 2
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        items[parent], items[i] = items[i], items[parent]
        i = parent
    return size + 1


@numba.njit(cache=True)
def heap_pop(keys, items, size):  # pragma: no cover - compiled
    """Remove the root; return the new size (the caller has read ``items[0]``)."""
    size -= 1
    keys[0] = keys[size]
    items[0] = items[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[i] <= keys[child]:
            break
        keys[child], keys[i] = keys[i], keys[child]
        items[child], items[i] = items[i], items[child]
        i = child
    return size


@numba.njit(cache=True)
def priority_flood_fill(z, nx, ny, filled):  # pragma: no cover - compiled; twin in tests
    """Fill depressions of the flat ``(ny*nx)`` surface ``z`` into ``filled`` (Priority-Flood)."""
    n = nx * ny
    for k in range(n):
        filled[k] = z[k]
    closed = np.zeros(n, dtype=np.bool_)
    keys = np.empty(n, dtype=np.float64)
    items = np.empty(n, dtype=np.int64)
    size = 0
    pit = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for k in range(n):
        r = k // nx
        c = k - r * nx
        if r == 0 or r == ny - 1 or c == 0 or c == nx - 1:
            closed[k] = True
            size = heap_push(keys, items, size, filled[k], k)
    while size > 0 or head < tail:
        if head < tail:
            k = pit[head]
            head += 1
        else:
            k = items[0]
            size = heap_pop(keys, items, size)
        r = k // nx
        c = k - r * nx
        for d in range(8):
            rr = r + D8_DROW[d]
            cc = c + D8_DCOL[d]
            if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                continue
            m = rr * nx + cc
            if closed[m]:
                continue
            closed[m] = True
            if filled[m] <= filled[k]:
                filled[m] = filled[k]
                pit[tail] = m
                tail += 1
            else:
                size = heap_push(keys, items, size, filled[m], m)


def _priority_flood_fill_reference(z: list[float], nx: int, ny: int) -> list[float]:
    """Plain-Python twin of :func:`priority_flood_fill` (tests only)."""
    filled = [float(v) for v in z]
    closed = [False] * (nx * ny)
    open_: list[tuple[float, int]] = []
    pit: deque[int] = deque()
    for k in range(nx * ny):
        r, c = divmod(k, nx)
        if r in (0, ny - 1) or c in (0, nx - 1):
            closed[k] = True
            heapq.heappush(open_, (filled[k], k))
    while open_ or pit:
        k = pit.popleft() if pit else heapq.heappop(open_)[1]
        r, c = divmod(k, nx)
        for dr, dc in zip(D8_DROW, D8_DCOL, strict=True):
            rr, cc = r + int(dr), c + int(dc)
            if not (0 <= rr < ny and 0 <= cc < nx) or closed[rr * nx + cc]:
                continue
            m = rr * nx + cc
            closed[m] = True
            if filled[m] <= filled[k]:
                filled[m] = filled[k]
                pit.append(m)
            else:
                heapq.heappush(open_, (filled[m], m))
    return filled


def fill_depressions(z_m: np.ndarray) -> np.ndarray:
    """Raise every pit to its spill elevation (Priority-Flood, Barnes et al. 2014).

    The result is the lowest surface ``≥ z_m`` on which every cell has a
    non-ascending 8-connected path to the grid's edge.

    Examples
    --------
    >>> z = np.full((5, 5), 10.0); z[2, 2] = 1.0; z[2, 0] = 7.0   # pit, and a notch in the rim
    >>> float(fill_depressions(z)[2, 2])
    10.0
    >>> z[2, 1] = 7.0                                             # a channel to the notch
    >>> float(fill_depressions(z)[2, 2])
    7.0
    """
    z = _as_surface(z_m)
    ny, nx = z.shape
    filled = np.empty(z.size)
    priority_flood_fill(z.ravel(), nx, ny, filled)
    return filled.reshape(ny, nx)


# ---------------------------------------------------------------------------
# D8 flow directions (O'Callaghan & Mark 1984) with flat resolution
# ---------------------------------------------------------------------------


@numba.njit(cache=True)
def d8_flow_directions(z, nx, ny, direction, flat_steps):  # pragma: no cover - compiled; twin in tests
    """Steepest-descent receiver direction of every cell of the flat surface ``z``.

    Writes ``direction`` (int8 code 0…7 or ``OUTLET``) and ``flat_steps``
    (steps across a flat to its exit, 0 off flats).
    """
    n = nx * ny
    queue = np.empty(n, dtype=np.int64)
    head = 0
    tail = 0
    for k in range(n):
        r = k // nx
        c = k - r * nx
        best = 0.0
        best_d = -1
        for d in range(8):
            rr = r + D8_DROW[d]
            cc = c + D8_DCOL[d]
            if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                continue
            drop = (z[k] - z[rr * nx + cc]) / D8_DISTANCE[d]
            if drop > best:
                best = drop
                best_d = d
        flat_steps[k] = 0
        if best_d >= 0:
            direction[k] = best_d
        elif r == 0 or r == ny - 1 or c == 0 or c == nx - 1:
            direction[k] = OUTLET
        else:
            direction[k] = _UNRESOLVED
    # Multi-source breadth-first search from every resolved cell into level unresolved cells.
    for k in range(n):
        if direction[k] != _UNRESOLVED:
            queue[tail] = k
            tail += 1
    while head < tail:
        k = queue[head]
        head += 1
        r = k // nx
        c = k - r * nx
        for d in range(8):
            rr = r + D8_DROW[d]
            cc = c + D8_DCOL[d]
            if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                continue
            m = rr * nx + cc
            if direction[m] == _UNRESOLVED and z[m] == z[k]:
                direction[m] = (d + 4) % 8  # from m back towards k
                flat_steps[m] = flat_steps[k] + 1
                queue[tail] = m
                tail += 1
    for k in range(n):
        if direction[k] == _UNRESOLVED:
            direction[k] = OUTLET  # a pit of an unfilled surface


def _d8_flow_directions_reference(z: list[float], nx: int, ny: int) -> tuple[list[int], list[int]]:
    """Plain-Python twin of :func:`d8_flow_directions` (tests only)."""
    n = nx * ny
    direction = [_UNRESOLVED] * n
    steps = [0] * n

    def neighbours(k: int):
        r, c = divmod(k, nx)
        for d in range(8):
            rr, cc = r + int(D8_DROW[d]), c + int(D8_DCOL[d])
            if 0 <= rr < ny and 0 <= cc < nx:
                yield d, rr * nx + cc

    for k in range(n):
        drops = [((z[k] - z[m]) / float(D8_DISTANCE[d]), d) for d, m in neighbours(k)]
        best = max((dr for dr, _ in drops), default=0.0)
        r, c = divmod(k, nx)
        if best > 0.0:
            direction[k] = next(d for dr, d in drops if dr == best)
        elif r in (0, ny - 1) or c in (0, nx - 1):
            direction[k] = OUTLET
    queue = deque(k for k in range(n) if direction[k] != _UNRESOLVED)
    while queue:
        k = queue.popleft()
        for d, m in neighbours(k):
            if direction[m] == _UNRESOLVED and z[m] == z[k]:
                direction[m] = (d + 4) % 8
                steps[m] = steps[k] + 1
                queue.append(m)
    return [OUTLET if d == _UNRESOLVED else d for d in direction], steps


def flow_direction_d8(z_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """D8 flow directions of a surface (O'Callaghan & Mark 1984), flats resolved.

    Give a depression-filled surface (:func:`fill_depressions`) so that every
    cell drains to the edge; on an unfilled one the bottom of a pit is
    :data:`OUTLET` too. The cell size does not matter: every cell has the
    same neighbour distances.

    Returns
    -------
    direction : numpy.ndarray
        ``(ny, nx)`` int8: ``k`` = 0…7 for E, NE, N, NW, W, SW, S, SE (see
        :data:`D8_DROW`, :data:`D8_DCOL`, :data:`D8_AZIMUTH_DEG`), or
        :data:`OUTLET` (−1) for a cell draining off the grid.
    flat_steps : numpy.ndarray
        ``(ny, nx)`` int64: on a flat, the number of steps to the flat's exit.

    Examples
    --------
    >>> z = np.add.outer(np.zeros(3), np.arange(4.0))   # rises eastwards
    >>> flow_direction_d8(z)[0][1]                     # 4 = west; the west edge is the outlet
    array([-1,  4,  4,  4], dtype=int8)
    """
    z = _as_surface(z_m)
    ny, nx = z.shape
    direction = np.empty(z.size, dtype=np.int8)
    steps = np.empty(z.size, dtype=np.int64)
    d8_flow_directions(z.ravel(), nx, ny, direction, steps)
    return direction.reshape(ny, nx), steps.reshape(ny, nx)


def receivers(direction: np.ndarray) -> np.ndarray:
    """Flat index (``row * nx + col``) of each cell's downstream cell; −1 where it drains off the grid.

    Examples
    --------
    >>> receivers(np.array([[-1, 4, 4]], dtype=np.int8))
    array([[-1,  0,  1]])
    """
    d = np.asarray(direction)
    ny, nx = d.shape
    rows, cols = np.indices((ny, nx))
    k = np.clip(d, 0, 7).astype(np.int64)
    out = (rows + D8_DROW[k]) * nx + cols + D8_DCOL[k]
    return np.where(d >= 0, out, -1)


# ---------------------------------------------------------------------------
# flow accumulation and river network
# ---------------------------------------------------------------------------


@numba.njit(cache=True)
def accumulate_flow(order, receiver, weight, out):  # pragma: no cover - compiled; twin in tests
    """Sum ``weight`` down the receiver tree; ``order`` lists every cell upstream-first."""
    for k in range(out.size):
        out[k] = weight[k]
    for t in range(order.size):
        k = order[t]
        r = receiver[k]
        if r >= 0:
            out[r] += out[k]


def _accumulate_flow_reference(order, receiver, weight) -> list[float]:
    """Plain-Python twin of :func:`accumulate_flow` (tests only)."""
    out = [float(w) for w in weight]
    for k in order:
        if receiver[k] >= 0:
            out[receiver[k]] += out[k]
    return out


def drainage_order(filled_m: np.ndarray, flat_steps: np.ndarray) -> np.ndarray:
    """Flat cell indices from high to low elevation, more flat steps first among equals.

    Every cell comes before its receiver: a receiver is strictly lower, or on
    the same flat one step nearer its exit.
    """
    z = np.asarray(filled_m, dtype=np.float64).ravel()
    return np.lexsort((-np.asarray(flat_steps).ravel(), -z))


def flow_accumulation(
    filled_m: np.ndarray, direction: np.ndarray, flat_steps: np.ndarray, cell_area_m2: float = 1.0
) -> np.ndarray:
    """Cells draining through each cell (itself included), times ``cell_area_m2``.

    With ``cell_area_m2 = cell_size_m²`` this is the contributing area in m².

    Examples
    --------
    >>> z = np.add.outer(np.zeros(2), np.arange(3.0))   # two rows draining west
    >>> d, s = flow_direction_d8(z)
    >>> flow_accumulation(z, d, s)
    array([[3., 2., 1.],
           [3., 2., 1.]])
    """
    z = _as_surface(filled_m, "filled_m")
    order = drainage_order(z, flat_steps)
    receiver = receivers(direction).ravel()
    out = np.empty(z.size)
    accumulate_flow(order, receiver, np.full(z.size, float(cell_area_m2)), out)
    return out.reshape(z.shape)


def river_mask(accumulation_m2: np.ndarray, threshold_m2: float) -> np.ndarray:
    """Cells whose contributing area reaches ``threshold_m2`` (the river network).

    Examples
    --------
    >>> river_mask(np.array([[1e5, 2e6]]), 1e6)
    array([[False,  True]])
    """
    if not threshold_m2 > 0:
        raise ValueError(f"threshold_m2 must be > 0, got {threshold_m2}")
    return np.asarray(accumulation_m2) >= threshold_m2


@dataclass(frozen=True)
class Drainage:
    """Depression-filled surface, D8 directions and contributing areas of a DEM.

    Attributes
    ----------
    filled_m
        Depression-filled elevations ``(ny, nx)``.
    direction
        D8 codes (see :func:`flow_direction_d8`).
    flat_steps
        Steps across flats to their exits.
    accumulation_m2
        Contributing area of each cell, itself included.
    cell_size_m
        Side of a cell.
    """

    filled_m: np.ndarray
    direction: np.ndarray
    flat_steps: np.ndarray
    accumulation_m2: np.ndarray
    cell_size_m: float

    @property
    def upstream_cells(self) -> np.ndarray:
        """Number of cells draining through each cell, itself included."""
        return np.rint(self.accumulation_m2 / self.cell_size_m**2).astype(np.int64)

    @property
    def receiver(self) -> np.ndarray:
        """Flat index of each cell's downstream cell, −1 off the grid."""
        return receivers(self.direction)

    def river_mask(self, threshold_m2: float) -> np.ndarray:
        """Cells whose contributing area reaches ``threshold_m2``."""
        return river_mask(self.accumulation_m2, threshold_m2)


def route_flow(z_m: np.ndarray, cell_size_m: float) -> Drainage:
    """Fill depressions, route D8 and accumulate contributing area, in one call.

    Examples
    --------
    >>> y = np.abs(np.arange(5.0) - 2.0)                 # a V across rows, channel in row 2
    >>> z = np.add.outer(10.0 * y, np.arange(4.0))        # and falling westwards
    >>> dr = route_flow(z, 10.0)
    >>> float(dr.accumulation_m2[2, 0]) == z.size * 100.0  # the outlet collects everything
    True
    """
    dx = _check_cell_size(cell_size_m)
    filled = fill_depressions(z_m)
    direction, steps = flow_direction_d8(filled)
    acc = flow_accumulation(filled, direction, steps, dx * dx)
    return Drainage(filled, direction, steps, acc, dx)
