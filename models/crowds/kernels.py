"""Pedestrian dynamics kernels: a cell list and two operational models behind one step.

One step of length ``Δt`` for every pedestrian on the floor (waiting, walking, incapacitated,
dead; evacuated pedestrians have left it):

1. **Cell list** (serial, O(N)): waiting pedestrians whose reaction time has come start
   walking; everybody on the floor is counting-sorted into square cells of side
   ``>= cutoff_m``, in row order and, inside a cell, by sub-column (``SUBCOLUMNS`` per cell);
   positions and radii (and velocities, for the social force model) are copied in that order.
   The part of a row of cells that lies within the cut-off in x is then one contiguous slice.
2. **Velocities and moves** (one loop over pedestrians, serial or ``prange``): a walking
   pedestrian's neighbours within ``cutoff_m`` of the 3 × 3 cells around it, minus those hidden
   behind a wall segment (as JuPedSim does), are copied into a small buffer, and its new
   velocity is computed from the copies of step 1 only: a Jacobi step, every new velocity from
   the old state, whatever the order or the thread count. It then moves by ``v Δt``. Waiting,
   incapacitated and dead pedestrians stand still and remain obstacles.
3. **No wall crossing**: a move whose path touches a wall segment, or that ends closer than
   ``WALL_SKIN_M`` to one, is replaced by its component along that wall (sliding); if the slide
   is blocked too, the pedestrian stays. Its velocity becomes the move actually made. Centres
   therefore never cross a wall, whatever the model's forces (the walls checked are those
   within the cut-off of the pedestrian's cell: any move shorter than the cut-off is covered).
4. **Exits**: a pedestrian whose move touches an exit segment, or who ends inside an exit
   region (an axis-aligned box), is evacuated at the end of the step and leaves the floor.
   An exit segment may have a door-flow limit (``exit_max_flow_p_per_m_s``): its crossers are
   then held, and a serial pass after the moves lets them out one token each from the exit's
   token bucket (``cap × width`` tokens per second, at most one token stored); the others stay
   where the step began, just before the line, and try again (:func:`_grant_exit_tokens`).

**Collision-free speed model** (``model="csm"``; Tordeux, Chraibi & Seyfried 2016, as JuPedSim
1.4.2 implements it, ``libsimulator/src/CollisionFreeSpeedModel.cpp``)::

    e_i = N( e0_i + Σ_j −a exp((l_ij − d_ij)/D) u_ij + Σ_w −a_w exp((r_i − d_iw)/D_w) u_iw )
    v_i = min(v0_i, max(0, s_i / T_i)) e_i,     s_i = min_j (d_ij − l_ij)

``u_ij`` is the unit vector from ``i`` to ``j`` (to the nearest point of wall ``w``),
``l_ij = r_i + r_j``, ``N`` normalises (a zero vector falls back to ``e0``), and the spacing
``s_i`` runs over neighbours ahead (``e_i · (x_j − x_i) >= 0``) inside the corridor of half
width ``l_ij`` about ``e_i``. Defaults (JuPedSim 1.4.2): ``a = 8``, ``D = 0.1 m``, ``a_w = 5``,
``D_w = 0.02 m``, cut-off 3 m; agents ``T = 1 s``, ``v0 = 1.2 m/s``, ``r = 0.2 m``. The
discrete model is collision-free for ``Δt <= min(T/2, l (√2 − 1)/(√2 v0))`` (0.072 s for the
defaults; pedestriandynamics.org, CSM page).

**Social force model** (``model="sfm"``; driving term of Helbing & Molnár 1995, body force and
sliding friction of Helbing, Farkas & Vicsek 2000, eqs. 1-3)::

    m dv_i/dt = m (v0_i e0_i − v_i)/τ_i + Σ_j f_ij + Σ_w f_iw
    f_ij = [A exp((r_ij − d_ij)/B) + k g(r_ij − d_ij)] n_ij + κ g(r_ij − d_ij) Δv^t_ji t_ij
    f_iw = [A exp((r_i − d_iw)/B) + k g(r_i − d_iw)] n_iw − κ g(r_i − d_iw) (v_i · t_iw) t_iw

with ``g(x) = max(x, 0)``, ``n_ij`` the unit vector from ``j`` to ``i`` (from the wall's
nearest point to ``i``), ``t = (−n_y, n_x)`` and ``Δv^t_ji = (v_j − v_i) · t_ij``, integrated
as ``v ← v + a Δt``, ``x ← x + v Δt`` (as JuPedSim does), except that the sliding friction is
taken at the new velocity (see :func:`models.crowds.operational_models._sfm_velocity`), and a
wall point shared by two segments (a corner) pushes once. Unlike JuPedSim's social force model,
neighbours hidden behind a wall exert no force, and wall friction brakes (HFV's sign; the
``SocialForceModel.cpp`` read adds it with a plus sign). The collision-free speed model keeps
JuPedSim's sum over segments.
HFV 2000 values: ``m = 80 kg``, ``τ = 0.5 s``, ``A = 2000 N``, ``B = 0.08 m``,
``k = 1.2e5 kg s⁻²``, ``κ = 2.4e5 kg m⁻¹ s⁻¹``, radii 0.25-0.35 m (as pedestriandynamics.org's
SFM page, which follows HFV 2000, lists them; the paper itself was not read).

**Field of view** (optional, off by default): Helbing & Molnár (1995, the direction-dependent
weight of their eq. 7 [recalled], field of view ``2φ = 200°``) weigh the social (exponential)
term of ``f_ij`` by ``w = 1`` if ``j`` lies within ``φ`` of the way ``i`` looks, else by
``c`` (``0 <= c <= 1``)::

    f_ij = [w_ij A exp((r_ij − d_ij)/B) + k g(r_ij − d_ij)] n_ij + κ g(r_ij − d_ij) Δv^t_ji t_ij
    w_ij = 1 if h_i · (x_j − x_i) >= d_ij cos φ else c

The agent looks where it walks, ``h_i = v_i/|v_i|`` (the "direction of motion" of Johansson,
Helbing & Shukla 2007's angular weight [recalled]), or along its desired direction ``e0_i``
below ``VIEW_MIN_SPEED_M_S``. Body force, friction and walls stay isotropic. ``c = 1`` (the
default, :class:`SfmParameters`) is HFV 2000 exactly. What it does (measured, c = 0.75, the
crowd tests' set-ups): those ahead push harder than those behind, so a crowd walking together
slows with density (periodic corridor 10 m × 3 m: 1.34 / 1.32 / 0.87 / ≈0 m/s at 0.5 / 1 / 2
/ 3 persons/m²) and queues walk slowly, and the crowd presses less into a door (1 m door,
100 people: 1.40 persons/s, against 2.05 with c = 1). Referring the view to the desired
direction instead (as Helbing & Molnár do) makes a dense periodic crowd walk backwards (−2
m/s at 4 persons/m², c = 0.75); the walking direction turns the view round and stops it near 0.

Speed (``benchmarks/crowd_vs_jupedsim.py`` runs the step beside JuPedSim 1.4.2; the profile
and the measured effect of each choice are in ``benchmarks/README.md``): each pedestrian's
neighbours within the cut-off are first copied, without a data-dependent branch, into a small
per-thread buffer, and the sums over them run as SIMD loops over its rows. The exponentials
go through :func:`fast_exp`, which LLVM vectorises (the library ``exp`` is a call that stops
the vectoriser); the spacing's minimum runs over integer keys of the floats (exact), which
LLVM vectorises where it would not a float minimum. Sums are reassociated, so they differ
from a plain loop's in the last bits (the same in the serial and the parallel kernel).

Layout: this module holds the step (desired direction, wall-safe moves, exits and the door-flow
cap, the serial and ``prange`` kernels) and :class:`PedestrianStepper`;
:mod:`models.crowds.cell_list` the segment tests, walls per cell, the cell list and the
neighbour gather; :mod:`models.crowds.operational_models` the two models' constants and
velocity rules (and :func:`~models.crowds.operational_models.fast_exp`). The names in
``__all__`` stay importable from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

import numba
import numpy as np

from models.crowds.agents import EVACUATED, WALKING, Pedestrians
from models.crowds.cell_list import (
    SUBCOLUMNS,
    WALL_SKIN_M,
    _blocking_wall,
    _drop_hidden,
    _gather_neighbours,
    _neighbour_capacity,
    _sort_into_cells,
    _wall_cell,
    _walls_within,
    build_wall_cells,
    segments_touch,
)
from models.crowds.operational_models import (
    SFM_FIELD_OF_VIEW,
    CsmParameters,
    SfmParameters,
    _csm_velocity,
    _sfm_velocity,
    fast_exp,
)

__all__ = [
    "MODELS",
    "SFM_FIELD_OF_VIEW",
    "SUBCOLUMNS",
    "WALL_SKIN_M",
    "CsmParameters",
    "DirectionRaster",
    "PedestrianStepper",
    "SfmParameters",
    "advance_pedestrians",
    "advance_pedestrians_parallel",
    "build_wall_cells",
    "fast_exp",
    "segments_touch",
]

MODELS = {"csm": 0, "sfm": 1}
#: A pedestrian held at a capped exit stops this far (along its move) before the exit line.
HOLD_GAP_M = 1e-3
#: Most sort keys (cells × sub-columns); larger floors get larger cells.
MAX_KEYS = 16_000_000
#: The parallel loop runs over this many blocks of pedestrians (each with its own buffers).
N_BLOCKS = 64


@dataclass
class DirectionRaster:
    """Desired walking direction on a raster, one ``(ny, nx)`` layer per target.

    Values sit at cell centres: cell ``(j, i)`` covers ``[origin_x_m + i·cell_m, … + cell_m) ×
    [origin_y_m + j·cell_m, …)`` (as :class:`engine.grid.Grid`). It is sampled bilinearly
    between centres (clamped at the edges; NaN corners are left out of the weights) and
    normalised; a pedestrian where no corner is finite, or the vector is zero, has no desired
    direction (it stands still in the collision-free speed model, brakes in the social force
    model). ``ux``/``uy`` may be ``(ny, nx)`` (one target) or ``(n_targets, ny, nx)``.
    """

    ux: np.ndarray
    uy: np.ndarray
    origin_x_m: float
    origin_y_m: float
    cell_m: float

    def __post_init__(self) -> None:
        ux = np.asarray(self.ux, dtype=np.float64)
        uy = np.asarray(self.uy, dtype=np.float64)
        if ux.ndim == 2:
            ux, uy = ux[None], uy[None]
        if ux.ndim != 3 or ux.shape != uy.shape or min(ux.shape) < 1:
            raise ValueError(f"ux and uy must share a (ny, nx) or (n_targets, ny, nx) shape, got {ux.shape}")
        if not self.cell_m > 0:
            raise ValueError(f"cell_m must be > 0, got {self.cell_m}")
        self.ux, self.uy = np.ascontiguousarray(ux), np.ascontiguousarray(uy)

    @classmethod
    def of(cls, field) -> DirectionRaster:
        """The raster of any object with ``ux``, ``uy``, ``origin_x_m``, ``origin_y_m``, ``cell_m``.

        For example a :class:`models.crowds.routing.DirectionField` (its off-area zeros drop
        out of the bilinear sample, as in :func:`models.crowds.routing.sample_direction`).
        """
        if isinstance(field, cls):
            return field
        return cls(field.ux, field.uy, field.origin_x_m, field.origin_y_m, field.cell_m)

    @classmethod
    def towards_point(
        cls, target_xy: tuple[float, float], box_m: tuple[float, float, float, float], cell_m: float
    ) -> DirectionRaster:
        """Unit vectors towards one point on a raster covering ``box_m`` (a stand-in for routing).

        Examples
        --------
        >>> f = DirectionRaster.towards_point((10.0, 0.25), (0.0, 0.0, 4.0, 1.0), 0.5)
        >>> f.ux.shape, float(f.ux[0, 0, 0]), float(f.uy[0, 1, 0]) < 0
        ((1, 2, 8), 1.0, True)
        """
        x0, y0, x1, y1 = box_m
        nx, ny = math.ceil((x1 - x0) / cell_m), math.ceil((y1 - y0) / cell_m)
        yc, xc = np.mgrid[0:ny, 0:nx] * cell_m
        dx, dy = target_xy[0] - (x0 + xc + cell_m / 2), target_xy[1] - (y0 + yc + cell_m / 2)
        norm = np.hypot(dx, dy)
        norm[norm == 0] = 1.0
        return cls(dx / norm, dy / norm, x0, y0, cell_m)


# --- desired direction ------------------------------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def _desired_direction(ux, uy, t, x, y, ox, oy, h):  # pragma: no cover - compiled
    """Bilinear sample of layer ``t`` at ``(x, y)``, normalised; ``(0, 0)`` where undefined."""
    ny, nx = ux.shape[1], ux.shape[2]
    fx = min(max((x - ox) / h - 0.5, 0.0), nx - 1.0)
    fy = min(max((y - oy) / h - 0.5, 0.0), ny - 1.0)
    i0, j0 = int(fx), int(fy)
    i1, j1 = min(i0 + 1, nx - 1), min(j0 + 1, ny - 1)
    wx, wy = fx - i0, fy - j0
    ex = ey = 0.0
    for j, w_y in ((j0, 1.0 - wy), (j1, wy)):
        for i, w_x in ((i0, 1.0 - wx), (i1, wx)):
            a, b = ux[t, j, i], uy[t, j, i]
            if w_x * w_y > 0.0 and math.isfinite(a) and math.isfinite(b):
                ex += w_x * w_y * a
                ey += w_x * w_y * b
    norm = math.sqrt(ex * ex + ey * ey)
    if norm == 0.0:
        return 0.0, 0.0
    return ex / norm, ey / norm


# --- moves and the step -----------------------------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def _wall_safe_move(px, py, mx, my, walls, wall_idx, wlo, whi):  # pragma: no cover - compiled
    """The move ``(mx, my)`` from P, slid along the first wall it would cross, or zero."""
    w = _blocking_wall(px, py, px + mx, py + my, walls, wall_idx, wlo, whi)
    if w < 0:
        return mx, my, False
    tx, ty = walls[w, 2] - walls[w, 0], walls[w, 3] - walls[w, 1]
    tl2 = tx * tx + ty * ty
    along = (mx * tx + my * ty) / tl2
    mx, my = along * tx, along * ty
    if _blocking_wall(px, py, px + mx, py + my, walls, wall_idx, wlo, whi) >= 0:
        return 0.0, 0.0, True
    return mx, my, True


@numba.njit(cache=True, error_model="numpy")
def _exit_touched(px, py, qx, qy, exits, exit_boxes):  # pragma: no cover - compiled
    """The exit the move P→Q touches: segment ``e`` (``e``), box ``b`` (``n_segments + b``), none (−1)."""
    for e in range(exits.shape[0]):
        x0, y0, x1, y1 = exits[e, 0], exits[e, 1], exits[e, 2], exits[e, 3]
        if max(px, qx) < min(x0, x1) or min(px, qx) > max(x0, x1):
            continue  # bounding boxes apart in x (the common case, cheap)
        if max(py, qy) < min(y0, y1) or min(py, qy) > max(y0, y1):
            continue
        if segments_touch(px, py, qx, qy, x0, y0, x1, y1):
            return e
    for e in range(exit_boxes.shape[0]):
        if exit_boxes[e, 0] <= qx <= exit_boxes[e, 2] and exit_boxes[e, 1] <= qy <= exit_boxes[e, 3]:
            return exits.shape[0] + e
    return -1


@numba.njit(cache=True, error_model="numpy")
def _short_of_line(px, py, qx, qy, seg, gap):  # pragma: no cover - compiled
    """The point of the move P→Q ``gap`` metres before the line through ``seg``.

    P itself if the move meets the line within ``gap`` of P, or runs along it.
    """
    sx_, sy_ = seg[2] - seg[0], seg[3] - seg[1]
    mx, my = qx - px, qy - py
    toward = mx * sy_ - my * sx_  # rate at which the move approaches the line (× the line's length)
    if toward == 0.0:
        return px, py
    u = ((seg[0] - px) * sy_ - (seg[1] - py) * sx_) / toward  # fraction of the move at the line
    u -= gap / math.sqrt(mx * mx + my * my)
    if not u > 0.0:
        return px, py
    u = min(u, 1.0)
    return px + u * mx, py + u * my


@numba.njit(cache=True, error_model="numpy")
def _grant_exit_tokens(n_floor, t, dt, agents, scratch, geometry, gates):  # pragma: no cover - compiled
    """Let through the pedestrians held at capped exits while tokens last; stop the others.

    Serial, after every block has moved (so the same in the serial and the parallel kernel):
    each capped exit's bucket gains ``rate Δt`` tokens; the held pedestrians are taken in
    sorted order (cell row, then sub-column: a fixed order, whatever the thread count), one
    token each; one without a token makes only the part of its move that ends ``HOLD_GAP_M``
    before the exit line (or none: it stays where the step began), stops (zero velocity) and
    tries again next step. A part of a move that touched no wall touches none, and the
    collision-free speed model's moves stay collision-free when shortened. Buckets then hold at most one
    token, so an idle exit lets one person through at once and never a burst.
    """
    x, y, vx, vy, _, _, _, _, state, _, evacuated_at = agents
    order, sx, sy = scratch[2], scratch[3], scratch[4]
    rate, tokens, want = gates
    exits = geometry[4]
    for e in range(rate.shape[0]):
        if rate[e] < np.inf:
            tokens[e] += rate[e] * dt
    for k in range(n_floor):
        e = want[k]
        if e < 0:
            continue
        want[k] = -1
        i = order[k]
        if tokens[e] >= 1.0:
            tokens[e] -= 1.0
            state[i] = EVACUATED
            evacuated_at[i] = t + dt
        else:
            x[i], y[i] = _short_of_line(sx[k], sy[k], x[i], y[i], exits[e], HOLD_GAP_M)
            vx[i] = vy[i] = 0.0
    for e in range(rate.shape[0]):
        tokens[e] = min(tokens[e], 1.0)


@numba.njit(cache=True, error_model="numpy")
def _block(
    b, n_floor, most, t, dt, model, agents, scratch, grid, geometry, field, params, gates
):  # pragma: no cover
    """Step block ``b`` of ``N_BLOCKS`` equal blocks of the sorted pedestrians, with its own buffers.

    For each walking pedestrian: desired direction, visible neighbours, new velocity, wall-safe
    move, exit test. The loop body stays in this one function: a call per pedestrian that
    passes the tuples of arrays costs as much as its neighbour search.
    """
    x, y, vx, vy, _, v0, tau, _, state, target, evacuated_at = agents
    key_of, key_start, order, sx, sy, sr, svx, svy = scratch
    walls, wall_start, wall_idx, max_walls, exits, exit_boxes = geometry
    ux, uy, ox, oy, h = field
    cutoff = params[0]
    size = _neighbour_capacity(most, grid, cutoff)
    nb, idx = np.empty((4, size)), np.empty(size if model == 1 else 0, np.int64)
    near, side = np.empty(max_walls, np.int64), np.empty(max_walls)
    for k in range(b * n_floor // N_BLOCKS, (b + 1) * n_floor // N_BLOCKS):
        i = order[k]
        if state[i] != WALKING:
            vx[i] = vy[i] = 0.0
            continue
        c = _wall_cell(key_of[i], grid[3])
        wlo, whi = wall_start[c], wall_start[c + 1]
        px, py = sx[k], sy[k]
        e0x, e0y = _desired_direction(ux, uy, target[i], px, py, ox, oy, h)
        if model == 0 and e0x == 0.0 and e0y == 0.0:
            nvx = nvy = 0.0  # nowhere to go: stand still
        else:
            n = _gather_neighbours(k, key_start, sx, sy, sr, grid, cutoff, nb, idx)
            nw = _walls_within(px, py, cutoff, walls, wall_idx, wlo, whi, near, side)
            if nw > 0:
                n = _drop_hidden(px, py, nb, idx, n, walls, near, side, nw)
            if model == 0:
                nvx, nvy = _csm_velocity(
                    px, py, sr[k], e0x, e0y, v0[i], tau[i], nb, n, walls, near, nw, params
                )
            else:
                nvx, nvy = _sfm_velocity(
                    k, e0x, e0y, v0[i], tau[i], dt, sr, svx, svy, nb, idx, n, walls, near, nw, px, py, params
                )
        mx, my, clipped = _wall_safe_move(px, py, nvx * dt, nvy * dt, walls, wall_idx, wlo, whi)
        if clipped:
            nvx, nvy = mx / dt, my / dt
        x[i], y[i], vx[i], vy[i] = px + mx, py + my, nvx, nvy
        e = _exit_touched(px, py, px + mx, py + my, exits, exit_boxes)
        if e >= 0:
            if e < exits.shape[0] and gates[0][e] < np.inf:
                gates[2][k] = e  # a capped exit: held until the serial pass hands out tokens
            else:
                state[i] = EVACUATED
                evacuated_at[i] = t + dt


@numba.njit(cache=True, error_model="numpy")
def advance_pedestrians(
    t0, dt, n_steps, model, agents, scratch, grid, geometry, field, params, gates
):  # pragma: no cover
    """Advance ``n_steps`` steps of ``dt`` from ``t0``, serially; see the module docstring.

    ``agents = (x, y, vx, vy, radius, v0, tau, reaction, state, target, evacuated_at)`` is
    updated in place; ``scratch = (key_of, key_start, order, sx, sy, sr, svx, svy)``;
    ``grid = (x0, y0, cell, nx, ny)``; ``geometry = (walls, wall_start, wall_idx, max_walls,
    exits, exit_boxes)``; ``field = (ux, uy, origin_x, origin_y, cell)``; ``params`` from
    :meth:`CsmParameters.vector` / :meth:`SfmParameters.vector`; ``model`` 0 (csm) or 1 (sfm).
    Returns the number of pedestrians on the floor at the start of the last step.
    """
    n_floor = 0
    for s in range(n_steps):
        t = t0 + s * dt
        n_floor, most = _sort_into_cells(agents, scratch, grid, t, model == 1)
        for b in range(N_BLOCKS):
            _block(b, n_floor, most, t, dt, model, agents, scratch, grid, geometry, field, params, gates)
        if gates[2].shape[0] > 0:
            _grant_exit_tokens(n_floor, t, dt, agents, scratch, geometry, gates)
    return n_floor


@numba.njit(cache=True, parallel=True, error_model="numpy")
def advance_pedestrians_parallel(
    t0, dt, n_steps, model, agents, scratch, grid, geometry, field, params, gates
):  # pragma: no cover
    """:func:`advance_pedestrians` with the blocks of pedestrians spread over threads (same result)."""
    n_floor = 0
    for s in range(n_steps):
        t = t0 + s * dt
        n_floor, most = _sort_into_cells(agents, scratch, grid, t, model == 1)
        for b in numba.prange(N_BLOCKS):
            _block(b, n_floor, most, t, dt, model, agents, scratch, grid, geometry, field, params, gates)
        if gates[2].shape[0] > 0:
            _grant_exit_tokens(n_floor, t, dt, agents, scratch, geometry, gates)
    return n_floor


# --- Python interface -------------------------------------------------------------------------


def _segments(name: str, value, width: int = 4) -> np.ndarray:
    arr = np.zeros((0, width)) if value is None else np.asarray(value, dtype=np.float64)
    if arr.size == 0:
        arr = arr.reshape(0, width)
    if arr.ndim != 2 or arr.shape[1] != width or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite (n, {width}) array, got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _exit_rates(max_flow, exits: np.ndarray) -> np.ndarray:
    """Tokens per second of each exit segment: cap × its length; ``inf`` where uncapped."""
    m = exits.shape[0]
    if max_flow is None:
        return np.full(m, np.inf)
    caps = np.array([np.inf if c is None else float(c) for c in max_flow], dtype=np.float64)
    if caps.shape != (m,):
        raise ValueError(f"exit_max_flow_p_per_m_s needs one value per exit ({m}), got {caps.shape[0]}")
    if np.isnan(caps).any() or (caps < 0).any():
        raise ValueError(f"exit_max_flow_p_per_m_s must be >= 0 (None = unlimited), got {caps.tolist()}")
    return caps * np.hypot(exits[:, 2] - exits[:, 0], exits[:, 3] - exits[:, 1])


class PedestrianStepper:
    """Advances :class:`~models.crowds.agents.Pedestrians` through walls towards exits.

    Parameters
    ----------
    walls
        ``(n, 4)`` wall segments ``(x0, y0, x1, y1)`` in metres; exits are gaps between them.
    direction
        Desired direction raster(s) (:class:`DirectionRaster`, or anything :meth:`DirectionRaster.of`
        takes, such as a routing field); pedestrian ``i`` follows layer ``target[i]``.
    exits
        ``(m, 4)`` exit segments (usually across a door gap): a move touching one evacuates.
    exit_regions
        ``(b, 4)`` boxes ``(x0, y0, x1, y1)``: ending a step inside one evacuates.
    model
        ``"csm"`` (collision-free speed model) or ``"sfm"`` (social force model).
    parameters
        Model constants; the published defaults when omitted.
    parallel
        Use the ``prange`` kernel (the same trajectories, to rounding, on any number of threads).
    exit_max_flow_p_per_m_s
        Optional door-flow limit per exit segment (one entry per row of ``exits``; ``None`` or
        ``inf`` = unlimited, the default for all), persons per metre of the segment's length per
        second: a token bucket per exit (see :func:`_grant_exit_tokens`). NIST TN 1822 Verif.5.2
        lets a model impose such a maximum specific flow; the IMO MSC/Circ.1238 value is 1.33.

    Examples
    --------
    >>> from models.crowds.agents import Pedestrians
    >>> walls = np.array([[0.0, 0.0, 20.0, 0.0], [0.0, 2.0, 20.0, 2.0]])
    >>> field = DirectionRaster.towards_point((100.0, 1.0), (0.0, 0.0, 20.0, 2.0), 0.5)
    >>> stepper = PedestrianStepper(walls, field, exits=[[12.0, 0.0, 12.0, 2.0]])
    >>> p = Pedestrians.create([0.0], [1.0])
    >>> stepper.advance(p, 0.0, 0.01, 500)
    5.0
    >>> round(float(p.x_m[0]), 6), p.counts()["walking"]
    (6.0, 1)
    """

    #: The constants a stepper uses when none are given, per model (published defaults).
    DEFAULT_PARAMETERS: ClassVar[dict[str, CsmParameters | SfmParameters]] = {
        "csm": CsmParameters(),
        "sfm": SfmParameters(),
    }

    def __init__(
        self,
        walls,
        direction,
        *,
        exits=None,
        exit_regions=None,
        model: Literal["csm", "sfm"] = "csm",
        parameters: CsmParameters | SfmParameters | None = None,
        parallel: bool = False,
        exit_max_flow_p_per_m_s=None,
    ) -> None:
        if model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
        expected = CsmParameters if model == "csm" else SfmParameters
        parameters = self.DEFAULT_PARAMETERS[model] if parameters is None else parameters
        if not isinstance(parameters, expected):
            raise TypeError(f"model {model!r} takes {expected.__name__}, got {type(parameters).__name__}")
        direction = DirectionRaster.of(direction)
        self.model, self.parameters, self.parallel, self.direction = model, parameters, parallel, direction
        self.walls = _segments("walls", walls)
        self.exits = _segments("exits", exits)
        self.exit_regions = _segments("exit_regions", exit_regions)
        self.exit_rate_p_s = _exit_rates(exit_max_flow_p_per_m_s, self.exits)
        self.exit_tokens = np.ones(self.exits.shape[0])  # full buckets: one person each
        self._want = np.full(0, -1, np.int32)
        self._params = parameters.vector()
        reach = parameters.cutoff_m
        pts = np.concatenate([a.reshape(-1, 2) for a in (self.walls, self.exits, self.exit_regions)])
        if pts.size == 0:  # open floor: the raster's extent
            ny, nx = direction.ux.shape[1:]
            corner = np.array([direction.origin_x_m, direction.origin_y_m])
            pts = np.array([corner, corner + direction.cell_m * np.array([nx, ny])])
        lo, hi = pts.min(axis=0) - reach, pts.max(axis=0) + reach
        cell = reach
        while math.ceil((hi[0] - lo[0]) / cell) * math.ceil((hi[1] - lo[1]) / cell) * SUBCOLUMNS > MAX_KEYS:
            cell *= 2.0
        gnx, gny = math.ceil((hi[0] - lo[0]) / cell), math.ceil((hi[1] - lo[1]) / cell)
        self.grid = (float(lo[0]), float(lo[1]), float(cell), int(gnx), int(gny))
        wall_start, wall_idx = build_wall_cells(self.walls, lo[0], lo[1], cell, gnx, gny, reach)
        max_walls = max(int(np.diff(wall_start).max()), 1)
        self._geometry = (self.walls, wall_start, wall_idx, max_walls, self.exits, self.exit_regions)
        d = direction
        self._field = (d.ux, d.uy, float(d.origin_x_m), float(d.origin_y_m), float(d.cell_m))
        self._scratch: tuple[np.ndarray, ...] | None = None

    def scratch_bytes_per_agent(self) -> int:
        """Working memory the kernels keep per pedestrian: sort key, order, sorted copies."""
        return 4 + 4 + 8 * (5 if self.model == "sfm" else 3)

    def _scratch_for(self, n: int) -> tuple[np.ndarray, ...]:
        if self._scratch is None or self._scratch[0].shape[0] != n:
            m = n if self.model == "sfm" else 0
            n_keys = self.grid[3] * self.grid[4] * SUBCOLUMNS
            self._scratch = (
                np.empty(n, np.int32),
                np.zeros(n_keys + 2, np.int32),
                np.empty(n, np.int32),
                *(np.empty(n) for _ in range(3)),
                np.empty(m),
                np.empty(m),
            )
        return self._scratch

    def advance(self, peds: Pedestrians, t_s: float, dt_s: float, n_steps: int = 1) -> float:
        """Advance ``peds`` in place by ``n_steps`` steps of ``dt_s`` from ``t_s``; return the new time."""
        if not dt_s > 0 or n_steps < 0:
            raise ValueError(f"need dt_s > 0 and n_steps >= 0, got {dt_s} and {n_steps}")
        n_targets = self.direction.ux.shape[0]
        if peds.size and (peds.target.min() < 0 or peds.target.max() >= n_targets):
            raise ValueError(f"targets must lie in [0, {n_targets}) (one direction layer each)")
        agents = (
            *(peds.x_m, peds.y_m, peds.vx_m_s, peds.vy_m_s, peds.radius_m, peds.v0_m_s, peds.tau_s),
            *(peds.reaction_s, peds.state, peds.target, peds.evacuated_at_s),
        )
        kernel = advance_pedestrians_parallel if self.parallel else advance_pedestrians
        capped = bool(np.isfinite(self.exit_rate_p_s).any())
        if self._want.shape[0] != (peds.size if capped else 0):
            self._want = np.full(peds.size if capped else 0, -1, np.int32)
        gates = (self.exit_rate_p_s, self.exit_tokens, self._want)
        scratch = self._scratch_for(peds.size)
        args = (agents, scratch, self.grid, self._geometry, self._field, self._params, gates)
        kernel(float(t_s), float(dt_s), int(n_steps), MODELS[self.model], *args)
        return float(t_s) + n_steps * float(dt_s)
