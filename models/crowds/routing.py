"""Routing on the walkable raster: travel distance by fast marching, desired directions, exit choice.

Travel distance
    For a target (an exit, a waypoint, or a group of exits) the travel distance ``T`` solves
    the eikonal equation ``|∇T| F = 1`` on the walkable cells, ``T = 0`` on the target, where
    ``F`` is a relative speed (1 on open level floor). ``T`` is in metres of free level
    walking: an agent with free speed ``v0`` needs ``T / v0`` seconds. It is solved by the
    fast marching method (Sethian 1996): cells are accepted in increasing ``T`` from a binary
    min-heap (with decrease-key), each trial cell solving the first-order upwind quadratic
    ``Σ_axes max((T − T_axis)/h, 0)² = 1/F²`` with the smaller *accepted* neighbour on each
    axis. ``second_order=True`` uses the two-point one-sided difference ``(3T − 4T₁ + T₂)/2h``
    where the second neighbour is accepted and not larger (Sethian 1999, ch. 8), falling back
    to first order where that quadratic has no upwind root. Cells whose centre lies within
    :data:`SEED_BAND_CELLS` cells of the target and sees it are seeded with the exact distance
    to the segment divided by their speed, so the error does not start at the source.

    First-order accuracy: the error is ``O(h)`` away from sources and ``O(h |log h|)`` for a
    point source (Zhao 2005, for the same discrete upwind equations); plane fronts along an
    axis or a diagonal are exact. ``tests/models/crowds/test_routing.py`` measures it.

Speed
    ``F`` is the product of (i) the stair factor (up or down: a stair is assumed to be walked
    one way to a given target; that way is the mean of the first solution's directions on
    the stair against its uphill direction, and the field is solved again if the guess
    ``up`` was wrong) and (ii) a **wall-avoidance ramp** ``F_wall = f_min + (1 − f_min)
    min(d/d₀, 1)`` of the exact distance ``d`` to the nearest wall, ``d₀ =``
    :data:`DEFAULT_WALL_AVOID_DISTANCE_M` (0.4 m, about a body width) and ``f_min =``
    :data:`DEFAULT_WALL_MIN_SPEED_FACTOR` (0.1). Paths then round corners and pass doors at
    a distance instead of grazing the frame, and the descent direction near a wall points
    away from it, so agents do not get stuck in corners. This is the idea of JuPedSim's
    floor-field router (Graf 2015; its ramp goes from 0.001 at the wall to 1 at
    ``wall_avoid_distance``). The price: ``T`` includes the detour, at most about
    ``d₀ (ln(1/f_min)/(1 − f_min) − 1) ≈ 0.6 m`` for a start against a wall, and more along
    corridors narrower than ``2 d₀``. ``wall_avoid_distance_m=0`` gives plain geodesic
    distance. The ramp uses the walls with all exits open, fixed for the router's life, so
    closing an exit changes only the fields that aimed at it.

    Same remedy elsewhere: a metric that grows near obstacles in the eikonal (Hartmann 2010,
    navigation fields for arbitrary metrics; Vadere's ``TimeCostFunctionObstacleDistance`` adds
    ``height (1 − d/width)`` to the slowness ``1/F`` within ``width`` of an obstacle [source read]).
    Where the straight line to the target stays ``d₀`` from every wall, ``T`` is the plain
    geodesic exactly; round an inner corner the descent path keeps about ``0.94 d₀`` (f_min
    0.1) from it, the clearance of the minimum-time path (``tests/models/crowds/
    test_routing_walls.py`` checks both against independent oracles).

    What it does not do: make a crowd use a corridor's width round a bend. Every path still
    converges on the same lane ``≈ d₀`` off the inner corner, so in RiMEA test 15 (6 m wide
    corridors of ``tests/models/crowds/test_rimea.py``, 100 people, collision-free speed model)
    the cornered corridor stays the slowest (long / short / corner, s, measured):

    ==============================  ======  =======  ========
    field                           long    short    corner
    ==============================  ======  =======  ========
    plain geodesic (d₀ = 0)         28.5    20.8     50.6
    default (0.4 m, f_min 0.1)      28.6    20.8     46.0
    d₀ = 1.0 m, f_min 0.1           30.4    22.6     43.1
    d₀ = 2.0 m, f_min 0.1           31.8    24.0     34.3
    d₀ = 3.0 m, f_min 0.3           35.8    27.8     33.6
    ==============================  ======  =======  ========

    Only a ramp across the whole half-width (centre-line routing) orders them, and by slowing
    the straight corridors, whose crowd it squeezes to the middle. The social force model
    (150 people) orders them from d₀ = 1.5 m (f_min 0.05: 28.4 / 19.1 / 26.7 s; default
    24.7 / 16.4 / 27.8 s). Other start jitters (seeds 0-4, default ramp, 100 people, csm)
    give the corner 45.6-48.2 s against 28.5 s long. Two further fields were tried and not
    adopted: a density-dependent speed in the eikonal (Hughes 2002, the quickest path of
    Kretz 2009; here Weidmann's v(ρ)/v0 of the agents smoothed over 0.5-2 m, fields re-solved
    every 1-2 s) gave corner 35-44 s against long 32-38 s; a ramp round reflex vertices only,
    ``F = 0.3 + 0.7 min(r/4 m, 1)`` (with ``F ∝ r`` every arc round the corner takes the same
    time, so the crowd keeps its lanes), gave corner 28.3-28.6 s against long 28.5-28.6 s
    (seeds 0-4): as slow as the long corridor, not between, and tuned to this 6 m corridor.
    The default stays 0.4 m: none of these orders the crowd without slowing the straight
    corridors or being tuned to this one corridor.

Direction
    The desired direction is ``−∇T / |∇T|`` with the upwind one-sided differences of the
    solver (toward the smaller neighbour on each axis; neighbours outside the area count as
    infinitely far), so it never points into a wall. In the seed band it is the exact unit
    vector to the nearest point of the target segment (for a cell centre on an exit, its
    outward normal). Outside the area ``ux = uy = 0`` and ``distance_m = inf``.
    :func:`sample_direction` interpolates bilinearly over walkable cells only and
    renormalises.

Exit choice (pure functions over arrays)
    :func:`nearest_exit` (smallest travel distance), :func:`assign_by_group` (fixed
    assignment by agent group, RiMEA test 10) and :func:`congestion_aware_choice`: the
    estimated time to leave by exit ``e`` is ``T_e / v + (q_e + ahead_e) / c_e`` with ``c_e``
    the exit's flow capacity (persons/s), ``q_e`` an extra queue (e.g. people not simulated)
    and ``ahead_e`` the agents already heading to ``e`` that reach it sooner; agents decide
    one after the other (nearest to their exit first), each switching only if it gains more
    than a margin, which settles near the user equilibrium of equal exit times (Wardrop
    1952) without the whole crowd flipping at once. Call it at intervals (a few seconds).

References
----------
Sethian, J. A. (1996). A fast marching level set method for monotonically advancing fronts.
*PNAS* 93(4), 1591–1595.
Sethian, J. A. (1999). *Level Set Methods and Fast Marching Methods*, 2nd ed. Cambridge
University Press [recalled: second-order upwind variant].
Zhao, H. (2005). A fast sweeping method for Eikonal equations. *Math. Comp.* 74, 603–627
[recalled: error order of the upwind scheme].
Graf, A. (2015). Floor-field router of JuPedSim (``FloorfieldViaFM``, ``setSpeed``: linear
speed ramp near walls) [source read in the JuPedSim repository].
Hartmann, D. (2010). Adaptive pedestrian dynamics based on geodesics. *New J. Phys.* 12,
043032 [abstract read].
Hughes, R. L. (2002). A continuum theory for the flow of pedestrians. *Transp. Res. B* 36(6),
507–535 [recalled: potential with ``|∇φ| = 1/f(ρ)``].
Kretz, T. (2009). Pedestrian traffic: on the quickest path. *J. Stat. Mech.* P03012,
arXiv:0901.0170 [abstract read: crowds round a corner keep a distance from it].
Wardrop, J. G. (1952). Some theoretical aspects of road traffic research. *Proc. ICE* 1(3),
325–378.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numba
import numpy as np
import shapely

from models.crowds.geometry import (
    DEFAULT_CELL_M,
    GEOMETRY_TOL_M,
    Exit,
    WalkableArea,
    WalkableRaster,
    Walls,
    wall_distance_raster,
)

__all__ = [
    "ALL_EXITS",
    "DEFAULT_WALL_AVOID_DISTANCE_M",
    "DEFAULT_WALL_MIN_SPEED_FACTOR",
    "IMO_SPECIFIC_FLOW_P_M_S",
    "SEED_BAND_CELLS",
    "DirectionField",
    "Router",
    "assign_by_group",
    "congestion_aware_choice",
    "descent_direction",
    "eikonal_distance",
    "exit_capacity_p_s",
    "fast_marching",
    "nearest_exit",
    "routing_speed_factor",
    "sample_direction",
    "sample_distance",
    "trace_paths",
]

#: Name of the exit group holding every open exit (the nearest-exit field).
ALL_EXITS = "all_exits"
#: Distance from a wall under which the routing speed ramps down (about one body width).
DEFAULT_WALL_AVOID_DISTANCE_M = 0.4
#: Routing speed factor right at a wall.
DEFAULT_WALL_MIN_SPEED_FACTOR = 0.1
#: Cells within this many cell sides of a target are seeded with their exact distance.
SEED_BAND_CELLS = 2.0
#: Door flow per metre of width, persons/(m s): IMO MSC/Circ.1238 as used for NIST Verif.5.2
#: (read in JuPedSim's verification notebooks, /work/shared/reference/pedestrian-validation.md; secondary).
IMO_SPECIFIC_FLOW_P_M_S = 1.33

_FAR, _TRIAL, _KNOWN = 0, 1, 2
_DROW = np.array([0, 0, -1, 1], dtype=np.int64)
_DCOL = np.array([-1, 1, 0, 0], dtype=np.int64)


# --- fast marching (kernels: arrays and scalars in; twin in tests/models/crowds/test_routing.py) --


@numba.njit(cache=True)
def _sift_up(heap, pos, key, i):  # pragma: no cover - compiled
    item = heap[i]
    k = key[item]
    while i > 0:
        parent = (i - 1) >> 1
        p = heap[parent]
        if key[p] <= k:
            break
        heap[i] = p
        pos[p] = i
        i = parent
    heap[i] = item
    pos[item] = i


@numba.njit(cache=True)
def _sift_down(heap, pos, key, size, i):  # pragma: no cover - compiled
    item = heap[i]
    k = key[item]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and key[heap[child + 1]] < key[heap[child]]:
            child += 1
        c = heap[child]
        if key[c] >= k:
            break
        heap[i] = c
        pos[c] = i
        i = child
    heap[i] = item
    pos[item] = i


@numba.njit(cache=True)
def _upwind(t, state, r, c, dr, dc, ny, nx, second_order):  # pragma: no cover - compiled
    """Smaller accepted neighbour along one axis, and the one beyond it (``inf`` if unusable)."""
    best = np.inf
    best2 = np.inf
    for s in (-1, 1):
        rr = r + s * dr
        cc = c + s * dc
        if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
            continue
        m = rr * nx + cc
        if state[m] != _KNOWN or t[m] >= best:
            continue
        best = t[m]
        best2 = np.inf
        r2 = rr + s * dr
        c2 = cc + s * dc
        if second_order and 0 <= r2 < ny and 0 <= c2 < nx:
            m2 = r2 * nx + c2
            if state[m2] == _KNOWN and t[m2] <= best:
                best2 = t[m2]
    return best, best2


@numba.njit(cache=True)
def _quadratic(a, a2, b, b2, hf):  # pragma: no cover - compiled
    """Upwind root for neighbours ``a`` (x) and ``b`` (y); ``a2``/``b2`` second-order or inf.

    Returns ``(T, two_sided_ok)``; when both axes are upwind but the root violates
    causality (or does not exist), falls back to the better one-sided value.
    """
    alpha_a = 2.25 if a2 < np.inf else 1.0
    ca = (4.0 * a - a2) / 3.0 if a2 < np.inf else a
    alpha_b = 2.25 if b2 < np.inf else 1.0
    cb = (4.0 * b - b2) / 3.0 if b2 < np.inf else b
    ta = ca + hf / math.sqrt(alpha_a) if a < np.inf else np.inf
    tb = cb + hf / math.sqrt(alpha_b) if b < np.inf else np.inf
    if a < np.inf and b < np.inf:
        big_a = alpha_a + alpha_b
        half_b = alpha_a * ca + alpha_b * cb
        c0 = alpha_a * ca * ca + alpha_b * cb * cb - hf * hf
        disc = half_b * half_b - big_a * c0
        if disc >= 0.0:
            root = (half_b + math.sqrt(disc)) / big_a
            if root >= max(a, b):
                return root, True
        return min(ta, tb), False
    return min(ta, tb), True


@numba.njit(cache=True)
def eikonal_update(a, a2, b, b2, hf):  # pragma: no cover - compiled
    """Trial value of a cell from its upwind neighbours; ``hf`` = cell side / speed."""
    t, ok = _quadratic(a, a2, b, b2, hf)
    if not ok and (a2 < np.inf or b2 < np.inf):
        t, _ = _quadratic(a, np.inf, b, np.inf, hf)
    return t


@numba.njit(cache=True)
def fast_marching(speed, t, nx, cell, second_order):  # pragma: no cover - compiled
    """Fast marching on flat ``(ny*nx)`` arrays; finite ``t`` on walkable cells are fixed seeds.

    ``speed`` ≤ 0 marks blocked cells. ``t`` is overwritten with the travel distance
    (``inf`` where blocked or unreachable). Returns the number of accepted cells.
    """
    n = t.shape[0]
    ny = n // nx
    state = np.zeros(n, np.int8)
    fixed = np.zeros(n, np.bool_)
    heap = np.empty(n, np.int64)
    pos = np.full(n, -1, np.int64)
    size = 0
    for k in range(n):
        if speed[k] > 0.0 and t[k] < np.inf:
            fixed[k] = True
            state[k] = _TRIAL
            heap[size] = k
            size += 1
            _sift_up(heap, pos, t, size - 1)
        else:
            t[k] = np.inf
    accepted = 0
    while size > 0:
        k = heap[0]
        size -= 1
        if size > 0:
            heap[0] = heap[size]
            pos[heap[0]] = 0
            _sift_down(heap, pos, t, size, 0)
        pos[k] = -1
        state[k] = _KNOWN
        accepted += 1
        r = k // nx
        c = k - r * nx
        for d in range(4):
            rr = r + _DROW[d]
            cc = c + _DCOL[d]
            if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                continue
            m = rr * nx + cc
            if state[m] == _KNOWN or fixed[m] or speed[m] <= 0.0:
                continue
            a, a2 = _upwind(t, state, rr, cc, 0, 1, ny, nx, second_order)
            b, b2 = _upwind(t, state, rr, cc, 1, 0, ny, nx, second_order)
            tn = eikonal_update(a, a2, b, b2, cell / speed[m])
            if tn < t[m]:
                t[m] = tn
                if state[m] == _FAR:
                    state[m] = _TRIAL
                    heap[size] = m
                    size += 1
                    _sift_up(heap, pos, t, size - 1)
                else:
                    _sift_up(heap, pos, t, pos[m])
    return accepted


@numba.njit(cache=True)
def descent_direction(t, ux, uy):  # pragma: no cover - compiled
    """Unit ``−∇t`` by upwind one-sided differences into ``ux``, ``uy`` (0 where ``t`` is inf)."""
    ny, nx = t.shape
    for r in range(ny):
        for c in range(nx):
            tc = t[r, c]
            ux[r, c] = 0.0
            uy[r, c] = 0.0
            if not tc < np.inf:
                continue
            tw = t[r, c - 1] if c > 0 else np.inf
            te = t[r, c + 1] if c < nx - 1 else np.inf
            ts = t[r - 1, c] if r > 0 else np.inf
            tn = t[r + 1, c] if r < ny - 1 else np.inf
            gx = 0.0
            if tw <= te:
                if tw < tc:
                    gx = tc - tw
            elif te < tc:
                gx = te - tc
            gy = 0.0
            if ts <= tn:
                if ts < tc:
                    gy = tc - ts
            elif tn < tc:
                gy = tn - tc
            norm = math.hypot(gx, gy)
            if norm > 0.0:
                ux[r, c] = -gx / norm
                uy[r, c] = -gy / norm


def eikonal_distance(
    speed_factor: np.ndarray, seeds: np.ndarray, cell_m: float, *, second_order: bool = False
) -> np.ndarray:
    """Travel distance ``T`` with ``|∇T| F = 1`` from the finite cells of ``seeds``.

    Parameters
    ----------
    speed_factor
        ``(ny, nx)`` relative speed ``F``; cells with ``F ≤ 0`` are blocked.
    seeds
        ``(ny, nx)``: fixed values where finite (usually the exact distance near a target),
        ``inf`` elsewhere.
    cell_m
        Cell side.
    second_order
        Use the second-order upwind stencil where possible.

    Examples
    --------
    >>> seeds = np.full((1, 5), np.inf)
    >>> seeds[0, 0] = 0.0
    >>> eikonal_distance(np.array([[1.0, 1.0, 0.5, 1.0, 1.0]]), seeds, 2.0)
    array([[ 0.,  2.,  6.,  8., 10.]])
    """
    speed = np.ascontiguousarray(speed_factor, np.float64)
    t = np.array(seeds, dtype=np.float64, order="C", copy=True)
    if speed.ndim != 2 or speed.shape != t.shape:
        raise ValueError(f"speed_factor {speed.shape} and seeds {t.shape} must be the same 2-D shape")
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a number > 0, got {cell_m}")
    t[np.isnan(t)] = np.inf
    fast_marching(speed.ravel(), t.ravel(), speed.shape[1], float(cell_m), bool(second_order))
    return t


def routing_speed_factor(
    raster: WalkableRaster,
    walls: Walls | np.ndarray,
    *,
    wall_avoid_distance_m: float = DEFAULT_WALL_AVOID_DISTANCE_M,
    wall_min_speed_factor: float = DEFAULT_WALL_MIN_SPEED_FACTOR,
    stair_factors: Sequence[float] | None = None,
) -> np.ndarray:
    """Relative routing speed per cell: wall-avoidance ramp × stair factor; 0 off the area.

    ``stair_factors[k]`` applies on stair ``k`` of the raster (default: its up factor).

    Examples
    --------
    >>> from models.crowds.geometry import WalkableArea
    >>> area = WalkableArea.from_coordinates([(0, 0), (2, 0), (2, 1), (0, 1)])
    >>> r = area.rasterize(0.25)
    >>> f = routing_speed_factor(r, area.walls(), wall_avoid_distance_m=0.25, wall_min_speed_factor=0.2)
    >>> float(f[r.walkable].min().round(6)), float(f[r.walkable].max())
    (0.6, 1.0)
    """
    if wall_avoid_distance_m < 0 or not (0 < wall_min_speed_factor <= 1):
        raise ValueError(
            "wall_avoid_distance_m must be ≥ 0 and wall_min_speed_factor in (0, 1], got "
            f"{wall_avoid_distance_m} and {wall_min_speed_factor}"
        )
    f = raster.walkable.astype(np.float64)
    if wall_avoid_distance_m > 0 and len(np.asarray(walls)):
        d = wall_distance_raster(raster, walls, wall_avoid_distance_m)
        f *= wall_min_speed_factor + (1.0 - wall_min_speed_factor) * (d / wall_avoid_distance_m)
    if raster.stairs:
        factors = np.array(
            [s.speed_factor_up for s in raster.stairs] if stair_factors is None else stair_factors, np.float64
        )
        on = raster.stair_index >= 0
        f[on] *= factors[raster.stair_index[on]]
    return f


# --- sampling ---------------------------------------------------------------------------------


@numba.njit(cache=True)
def sample_direction(ux, uy, origin_x, origin_y, cell, x, y):  # pragma: no cover - compiled
    """Bilinear direction at ``(x, y)`` over walkable cells only, renormalised; ``(0, 0)`` off-area.

    Callable from other numba kernels. Where the blend cancels (on a ridge between two
    routes) the direction of the nearest-weighted walkable cell is returned.
    """
    ny, nx = ux.shape
    fx = (x - origin_x) / cell - 0.5
    fy = (y - origin_y) / cell - 0.5
    i0 = math.floor(fx)
    j0 = math.floor(fy)
    tx = fx - i0
    ty = fy - j0
    sx = 0.0
    sy = 0.0
    best_w = -1.0
    bx = 0.0
    by = 0.0
    for dj in range(2):
        j = j0 + dj
        if j < 0 or j >= ny:
            continue
        wy = ty if dj == 1 else 1.0 - ty
        for di in range(2):
            i = i0 + di
            if i < 0 or i >= nx:
                continue
            vx = ux[j, i]
            vy = uy[j, i]
            if vx == 0.0 and vy == 0.0:
                continue
            w = wy * (tx if di == 1 else 1.0 - tx)
            sx += w * vx
            sy += w * vy
            if w > best_w:
                best_w = w
                bx = vx
                by = vy
    norm = math.hypot(sx, sy)
    if norm > 1e-9:
        return sx / norm, sy / norm
    return bx, by


@numba.njit(cache=True)
def sample_distance(distance, origin_x, origin_y, cell, x, y):  # pragma: no cover - compiled
    """Bilinear travel distance at ``(x, y)`` over finite cells only; ``inf`` off-area."""
    ny, nx = distance.shape
    fx = (x - origin_x) / cell - 0.5
    fy = (y - origin_y) / cell - 0.5
    i0 = math.floor(fx)
    j0 = math.floor(fy)
    tx = fx - i0
    ty = fy - j0
    s = 0.0
    wsum = 0.0
    for dj in range(2):
        j = j0 + dj
        if j < 0 or j >= ny:
            continue
        wy = ty if dj == 1 else 1.0 - ty
        for di in range(2):
            i = i0 + di
            if i < 0 or i >= nx or not distance[j, i] < np.inf:
                continue
            w = wy * (tx if di == 1 else 1.0 - tx)
            s += w * distance[j, i]
            wsum += w
    return s / wsum if wsum > 0.0 else np.inf


@numba.njit(cache=True)
def _sample_fields(ux, uy, distance, origin_x, origin_y, cell, x, y, ex, ey, d):  # pragma: no cover
    for k in range(x.shape[0]):
        ex[k], ey[k] = sample_direction(ux, uy, origin_x, origin_y, cell, x[k], y[k])
        d[k] = sample_distance(distance, origin_x, origin_y, cell, x[k], y[k])


@dataclass(frozen=True)
class DirectionField:
    """Desired directions and travel distance to one target (exit, waypoint or exit group).

    Attributes
    ----------
    target
        Name of the exit, waypoint or group.
    exits
        Names of the target lines it aims at (one, or the group's open exits).
    ux, uy
        ``(ny, nx)`` unit desired direction, 0 outside the walkable area.
    distance_m
        ``(ny, nx)`` travel distance in metres of free level walking (``inf`` off-area).
    origin_x_m, origin_y_m, cell_m
        The raster's south-west corner and cell side (cell centres at ``(i + ½)·cell_m``).
    """

    target: str
    exits: tuple[str, ...]
    ux: np.ndarray
    uy: np.ndarray
    distance_m: np.ndarray
    origin_x_m: float
    origin_y_m: float
    cell_m: float

    def sample(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ex, ey, distance_m)`` at points, by :func:`sample_direction` and :func:`sample_distance`."""
        x = np.ascontiguousarray(x_m, np.float64).ravel()
        y = np.ascontiguousarray(y_m, np.float64).ravel()
        ex, ey, d = np.empty_like(x), np.empty_like(x), np.empty_like(x)
        _sample_fields(
            self.ux, self.uy, self.distance_m, self.origin_x_m, self.origin_y_m, self.cell_m, x, y, ex, ey, d
        )
        return ex, ey, d


# --- router -----------------------------------------------------------------------------------


class Router:
    """Direction fields of an area's exits, waypoints and exit groups, kept up to date.

    Fields are computed on first use and cached. :meth:`close_exit` turns an exit into wall
    and recomputes only the fields that aimed at it.

    Parameters
    ----------
    area
        The walkable area.
    cell_m
        Raster cell size (default :data:`models.crowds.geometry.DEFAULT_CELL_M`, 0.1 m).
    exit_groups
        Extra named groups of exits; :data:`ALL_EXITS` (every open exit) always exists.
    wall_avoid_distance_m, wall_min_speed_factor
        The wall-avoidance ramp (module docstring); ``wall_avoid_distance_m=0`` turns it off.
    second_order
        Second-order fast marching.
    closed_exits
        Exits closed from the start.

    Examples
    --------
    >>> from models.crowds.geometry import Exit, WalkableArea
    >>> area = WalkableArea.from_coordinates(
    ...     [(0, 0), (10, 0), (10, 4), (0, 4)], exits=[Exit("w", (0, 1), (0, 3)), Exit("e", (10, 1), (10, 3))]
    ... )
    >>> router = Router(area, cell_m=0.2)
    >>> ex, ey, d = router.field(ALL_EXITS).sample([2.0, 9.0], [2.0, 2.0])
    >>> ex.round(3).tolist(), d.round(1).tolist()
    ([-1.0, 1.0], [2.0, 1.0])
    >>> sorted(router.close_exit("w")), router.open_exits
    (['all_exits'], ('e',))
    """

    def __init__(
        self,
        area: WalkableArea,
        *,
        cell_m: float = DEFAULT_CELL_M,
        exit_groups: Mapping[str, Sequence[str]] | None = None,
        wall_avoid_distance_m: float = DEFAULT_WALL_AVOID_DISTANCE_M,
        wall_min_speed_factor: float = DEFAULT_WALL_MIN_SPEED_FACTOR,
        second_order: bool = False,
        closed_exits: Iterable[str] = (),
    ) -> None:
        self.area = area
        self.raster = area.rasterize(cell_m)
        self.second_order = bool(second_order)
        self._closed: set[str] = set()
        for name in closed_exits:
            area.exit(name)
            self._closed.add(name)
        lines = {t.name for t in (*area.exits, *area.waypoints)}
        self.groups: dict[str, tuple[str, ...]] = {ALL_EXITS: area.exit_names}
        for group, members in (exit_groups or {}).items():
            if group in lines or group == ALL_EXITS:
                raise ValueError(f"exit group {group!r} clashes with an exit, waypoint or {ALL_EXITS!r}")
            for m in members:
                area.exit(m)
            self.groups[group] = tuple(members)
        self._ramp = routing_speed_factor(
            self.raster,
            area.walls(),
            wall_avoid_distance_m=wall_avoid_distance_m,
            wall_min_speed_factor=wall_min_speed_factor,
            stair_factors=np.ones(len(area.stairs)),
        )
        self._fields: dict[str, DirectionField] = {}

    # .. state ........................................................................

    @property
    def open_exits(self) -> tuple[str, ...]:
        """Names of the exits still open."""
        return tuple(n for n in self.area.exit_names if n not in self._closed)

    @property
    def walls(self) -> Walls:
        """Current walls: the boundary cut at the open exits (closed exits are wall)."""
        return self.area.walls(closed_exits=self._closed)

    @property
    def targets(self) -> tuple[str, ...]:
        """Names :meth:`field` accepts now: open exits, waypoints, groups with an open exit."""
        groups = tuple(g for g in self.groups if self._members(g))
        return (*self.open_exits, *(w.name for w in self.area.waypoints), *groups)

    def _members(self, name: str) -> tuple[str, ...]:
        if name in self.groups:
            return tuple(m for m in self.groups[name] if m not in self._closed)
        if name in self._closed:
            return ()
        self.area.target(name)
        return (name,)

    # .. fields .......................................................................

    def field(self, name: str) -> DirectionField:
        """The field toward exit, waypoint or group ``name`` (computed once, then cached)."""
        if name not in self._fields:
            members = self._members(name)
            if not members:
                raise ValueError(
                    f"{name!r} has no open exit (closed: {sorted(self._closed)}); choose another"
                )
            self._fields[name] = self._solve(name, members)
        return self._fields[name]

    def close_exit(self, name: str) -> dict[str, DirectionField]:
        """Close exit ``name``; return the recomputed fields of the groups that held it.

        The exit's own field is dropped; a group left without open exits is dropped too.
        Fields of other targets are untouched (the same objects).
        """
        self.area.exit(name)
        if name in self._closed:
            return {}
        self._closed.add(name)
        self._fields.pop(name, None)
        new: dict[str, DirectionField] = {}
        for group, members in self.groups.items():
            if name in members:
                self._fields.pop(group, None)
                if self._members(group):
                    new[group] = self.field(group)
        return new

    def stacked(self, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ux, uy, distance_m)`` of several targets stacked ``(k, ny, nx)`` for kernels."""
        fields = [self.field(n) for n in names]
        return (
            np.stack([f.ux for f in fields]),
            np.stack([f.uy for f in fields]),
            np.stack([f.distance_m for f in fields]),
        )

    def distances_at(self, names: Sequence[str], x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Travel distance ``(n, k)`` from each point to each named target."""
        return np.stack([self.field(n).sample(x_m, y_m)[2] for n in names], axis=1)

    def _solve(self, name: str, members: tuple[str, ...]) -> DirectionField:
        raster = self.raster
        lines = [self.area.target(m) for m in members]
        stairs = raster.stairs
        factors = np.array([s.speed_factor_up for s in stairs])
        for _ in range(3):  # a stair's way (up/down) is guessed, then checked
            speed = self._ramp.copy()
            if stairs:
                on = raster.stair_index >= 0
                speed[on] *= factors[raster.stair_index[on]]
            seeds, band_ux, band_uy, band = self._seeds(lines, speed)
            t = eikonal_distance(speed, seeds, raster.cell_m, second_order=self.second_order)
            ux, uy = np.zeros_like(t), np.zeros_like(t)
            descent_direction(t, ux, uy)
            walked = np.array(
                [s.factor_for_heading(*self._mean_heading(ux, uy, k)) for k, s in enumerate(stairs)]
            )
            if not stairs or np.array_equal(walked, factors):
                break
            factors = walked
        ux[band] = band_ux[band]
        uy[band] = band_uy[band]
        return DirectionField(name, members, ux, uy, t, raster.origin_x_m, raster.origin_y_m, raster.cell_m)

    def _mean_heading(self, ux: np.ndarray, uy: np.ndarray, k: int) -> tuple[float, float]:
        on = self.raster.stair_index == k
        return float(ux[on].sum()), float(uy[on].sum())

    def _seeds(self, lines, speed):
        """Exact distance (÷ speed) and direction to the nearest target line, in the seed band."""
        r = self.raster
        h = r.cell_m
        band_m = SEED_BAND_CELLS * h
        ny, nx = r.shape
        seeds = np.full((ny, nx), np.inf)
        best = np.full((ny, nx), np.inf)
        bux, buy = np.zeros((ny, nx)), np.zeros((ny, nx))
        region = self.area.polygon.buffer(GEOMETRY_TOL_M)
        shapely.prepare(region)
        for line in lines:
            x0, y0, x1, y1 = line.segment
            c0, c1 = np.searchsorted(r.x_m, [min(x0, x1) - band_m, max(x0, x1) + band_m])
            r0, r1 = np.searchsorted(r.y_m, [min(y0, y1) - band_m, max(y0, y1) + band_m])
            yy, xx = np.meshgrid(r.y_m[r0:r1], r.x_m[c0:c1], indexing="ij")
            dx, dy = x1 - x0, y1 - y0
            s = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
            qx, qy = x0 + s * dx, y0 + s * dy
            d = np.hypot(qx - xx, qy - yy)
            block = (slice(r0, r1), slice(c0, c1))
            cand = (d <= band_m) & r.walkable[block] & (d < best[block])
            rows, cols = np.nonzero(cand)
            sight = shapely.linestrings(
                np.stack([xx[cand], yy[cand], qx[cand], qy[cand]], axis=1).reshape(-1, 2, 2)
            )
            ok = shapely.covers(region, sight)
            rows, cols = rows[ok] + r0, cols[ok] + c0
            dd = d[cand][ok]
            best[rows, cols] = dd
            seeds[rows, cols] = dd / speed[rows, cols]
            with np.errstate(invalid="ignore", divide="ignore"):
                ex, ey = (qx[cand][ok] - xx[cand][ok]) / dd, (qy[cand][ok] - yy[cand][ok]) / dd
            normal = self.area.outward_normal(line.name) if isinstance(line, Exit) else (0.0, 0.0)
            on_line = dd <= GEOMETRY_TOL_M
            bux[rows, cols] = np.where(on_line, normal[0], ex)
            buy[rows, cols] = np.where(on_line, normal[1], ey)
        band = np.isfinite(best) & ((bux != 0) | (buy != 0))
        return seeds, bux, buy, band


# --- exit choice --------------------------------------------------------------------------------


def nearest_exit(distance_m: np.ndarray) -> np.ndarray:
    """Index of the smallest travel distance per row of ``(n, k)``; ``-1`` if all are inf.

    Examples
    --------
    >>> nearest_exit(np.array([[3.0, 2.0], [1.0, np.inf], [np.inf, np.inf]]))
    array([ 1,  0, -1])
    """
    d = np.asarray(distance_m, np.float64)
    if d.ndim != 2 or d.shape[1] == 0:
        raise ValueError(f"distance_m must be (agents, exits) with at least one exit, got shape {d.shape}")
    choice = np.argmin(d, axis=1)
    choice[~np.isfinite(d.min(axis=1))] = -1
    return choice


def assign_by_group(agent_group: np.ndarray, exit_of_group: Sequence[int] | np.ndarray) -> np.ndarray:
    """Fixed exit assignment: agent ``i`` uses ``exit_of_group[agent_group[i]]`` (RiMEA test 10).

    Examples
    --------
    >>> assign_by_group(np.array([0, 1, 1, 0]), [2, 0])
    array([2, 0, 0, 2])
    """
    groups = np.asarray(agent_group, np.int64)
    table = np.asarray(exit_of_group, np.int64)
    if groups.size and (groups.min() < 0 or groups.max() >= table.size):
        raise ValueError(f"agent groups must lie in 0..{table.size - 1}, got {groups.min()}..{groups.max()}")
    return table[groups]


def exit_capacity_p_s(width_m: np.ndarray | float, specific_flow_p_m_s: float = IMO_SPECIFIC_FLOW_P_M_S):
    """Flow capacity of exits in persons per second: specific flow × clear width.

    Examples
    --------
    >>> float(exit_capacity_p_s(1.2))
    1.596
    """
    return np.asarray(width_m, np.float64) * specific_flow_p_m_s


@numba.njit(cache=True)
def _fenwick_add(tree, i, v):  # pragma: no cover - compiled
    i += 1
    while i < tree.shape[0]:
        tree[i] += v
        i += i & (-i)


@numba.njit(cache=True)
def _fenwick_before(tree, i):  # pragma: no cover - compiled
    """Sum of entries with index < ``i``."""
    s = 0
    while i > 0:
        s += tree[i]
        i -= i & (-i)
    return s


@numba.njit(cache=True)
def congestion_choice_kernel(walk_s, capacity, queue, choice, margin_s, time_s):  # pragma: no cover
    """One sequential pass of congestion-aware exit choice; ``choice`` updated in place."""
    n, k = walk_s.shape
    rank = np.empty((n, k), np.int64)
    for e in range(k):
        order = np.argsort(walk_s[:, e], kind="mergesort")
        for p in range(n):
            rank[order[p], e] = p
    trees = np.zeros((k, n + 1), np.int64)
    current = np.full(n, np.inf)
    for i in range(n):
        if choice[i] >= 0:
            _fenwick_add(trees[choice[i]], rank[i, choice[i]], 1)
            current[i] = walk_s[i, choice[i]]
    for i in np.argsort(current, kind="mergesort"):
        c = choice[i]
        best = -1
        best_t = np.inf
        cur_t = np.inf
        for e in range(k):
            t = np.inf
            if walk_s[i, e] < np.inf:
                ahead = _fenwick_before(trees[e], rank[i, e])
                t = walk_s[i, e] + (queue[e] + ahead) / capacity[e]
            time_s[i, e] = t
            if t < best_t:
                best_t = t
                best = e
            if e == c:
                cur_t = t
        if best >= 0 and best != c and (c < 0 or best_t < cur_t - margin_s):
            if c >= 0:
                _fenwick_add(trees[c], rank[i, c], -1)
            _fenwick_add(trees[best], rank[i, best], 1)
            choice[i] = best


def congestion_aware_choice(
    distance_m: np.ndarray,
    speed_m_s: np.ndarray,
    capacity_p_s: np.ndarray,
    current: np.ndarray,
    *,
    queue: np.ndarray | None = None,
    switch_margin_s: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Reassign exits by estimated time ``T/v + (queue + agents ahead)/capacity``.

    Parameters
    ----------
    distance_m
        ``(n, k)`` travel distance of each agent to each exit (``inf``: closed/unreachable).
    speed_m_s
        ``(n,)`` free walking speed of each agent.
    capacity_p_s
        ``(k,)`` exit flow capacity, persons/s (:func:`exit_capacity_p_s`).
    current
        ``(n,)`` current exit index per agent, ``-1`` for none.
    queue
        ``(k,)`` extra persons waiting at each exit that are not among the agents.
    switch_margin_s
        An agent switches only if it saves more than this many seconds.

    Returns
    -------
    choice, time_s
        New exit index per agent, and the ``(n, k)`` estimates each agent saw when deciding.

    Examples
    --------
    >>> d = np.column_stack([np.full(100, 10.0), np.full(100, 30.0)])
    >>> start = np.zeros(100, int)  # everybody at the nearer exit
    >>> choice, _ = congestion_aware_choice(d, np.ones(100), np.ones(2), start, switch_margin_s=0)
    >>> np.bincount(choice).tolist()
    [60, 40]
    """
    d = np.ascontiguousarray(distance_m, np.float64)
    n, k = d.shape
    speed = np.asarray(speed_m_s, np.float64).reshape(-1)
    cap = np.ascontiguousarray(capacity_p_s, np.float64).reshape(-1)
    q = np.zeros(k) if queue is None else np.ascontiguousarray(queue, np.float64).reshape(-1)
    choice = np.array(current, dtype=np.int64).reshape(-1)
    if speed.shape != (n,) or choice.shape != (n,) or cap.shape != (k,) or q.shape != (k,):
        raise ValueError(
            f"shapes disagree: distance_m {d.shape}, speed_m_s {speed.shape}, current {choice.shape}, "
            f"capacity_p_s {cap.shape}, queue {q.shape}"
        )
    if np.any(speed <= 0) or np.any(cap <= 0) or np.any(choice >= k) or np.any(choice < -1):
        raise ValueError("speeds and capacities must be > 0 and current exits in -1..k-1")
    walk = np.ascontiguousarray(d / speed[:, None])
    time_s = np.empty_like(walk)
    congestion_choice_kernel(walk, cap, q, choice, float(switch_margin_s), time_s)
    return choice, time_s


# --- streamlines --------------------------------------------------------------------------------


def trace_paths(
    field: DirectionField,
    area: WalkableArea,
    x_m: np.ndarray,
    y_m: np.ndarray,
    *,
    step_m: float = 0.05,
    max_steps: int = 4000,
) -> tuple[np.ndarray, np.ndarray]:
    """Follow the desired directions from start points until each leaves the area.

    Explicit Euler steps of ``step_m`` along :func:`sample_direction`; a point stops once
    it is outside the walkable area (through an exit) or after ``max_steps``. Returns the
    paths ``(steps + 1, n)`` of x and y. For inspecting routes, not for moving agents.
    """
    x = np.array(x_m, np.float64).ravel()
    y = np.array(y_m, np.float64).ravel()
    xs, ys = [x.copy()], [y.copy()]
    moving = area.contains(x, y)
    for _ in range(max_steps):
        if not moving.any():
            break
        ex, ey, _ = field.sample(x[moving], y[moving])
        x[moving] += step_m * ex
        y[moving] += step_m * ey
        moving[moving] = area.contains(x[moving], y[moving]) & ((ex != 0) | (ey != 0))
        xs.append(x.copy())
        ys.append(y.copy())
    return np.array(xs), np.array(ys)
