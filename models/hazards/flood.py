"""2-D flood inundation on a staggered grid: local-inertial (LISFLOOD-FP) or full shallow water.

Depth ``h`` lives at cell centres, discharge per unit width on faces: ``qx`` ``(ny, nx+1)``
(positive east; ``qx[j, i]`` between cells ``(j, i-1)`` and ``(j, i)``) and ``qy``
``(ny+1, nx)`` (positive north). One step of length ``Δt``:

1. **Momentum** on every face (Bates et al. 2010: convective acceleration neglected, friction
   semi-implicit), with the optional θ-weighting of de Almeida et al. (2012)::

       q⁺ = [θ q + (1−θ)/2 (q₋ + q₊) − g h_f Δt ∂η/∂x] / [1 + g Δt n² |q| / h_f^{7/3}]

   ``q₋``, ``q₊``: old discharges of the two neighbouring faces in the same direction;
   η = h + z; ``h_f = max(η_i, η_j) − max(z_i, z_j)``; ``n`` the mean of the two cells. A face
   with ``h_f ≤ min_flow_depth_m`` carries no flow: this moves wet/dry fronts and keeps water
   at rest against higher dry ground. θ = 1 is Bates 2010; θ ≈ 0.7 damps the checkerboard
   oscillations of low-friction flow. Friction uses the face's own ``|q|``.
2. **Positivity**: a cell whose outgoing face volumes exceed its water scales all of them
   down by one factor. A face has one donor cell, so the scaled flux leaves one cell and
   enters the other exactly: depth never goes negative and mass stays exact (to rounding).
3. **Continuity**: ``h⁺ = h + Δt/Δx (q_w − q_e + q_s − q_n)``; point inflows add the volume
   of their piecewise-linear hydrograph over the step, integrated exactly.

The step is ``min(α Δx / √(g h_max), max_dt_s)``, α = ``cfl_alpha``. Sides are walls unless
named open; an open side is a free outflow whose faces use the depth of the boundary cell
and the surface slope of the adjacent interior face (zero gradient), outward only. A lake
at rest stays at rest, also against an open side.

Dropping advection makes the model inexact for fast flow. In a frictionless dam break it
gets the rarefaction running into the reservoir (speed √(g h_l)) but not the rest: its own
Riemann solution is rarefaction, plateau and bore (dry bed: h ≈ 0.62 h_l, bore at 0.56 c0)
where the shallow-water one has Ritter's fan (front at 2 c0) or Stoker's lower plateau, and
``g h_f ∂η/∂x`` with ``h_f = max(...)`` is not in conservation form, so the computed plateau
is about 5 % lower still. ``tests/models/hazards/test_flood.py`` states these errors (the
kernels' plain-Python twins live there too, to keep this module one idea under 600 lines).

**With advection** (``advection=True``) the same grid, limiter, continuity, inflows and open
sides solve the full shallow-water equations in the staggered scheme of Stelling & Duinmeijer
(2003): the face unknown is the velocity ``u``,

    u⁺ = [u − Δt (A + g ∂η/∂x)] / [1 + g Δt n² |u| / h_f^{4/3}]

(the same wet test and semi-implicit friction), and the continuity flux is ``q = h* u⁺`` with
the *upwind* face depth ``h* = max(η_up − max(z_i, z_j), 0)`` (``η_up`` of the cell the flow
comes from), so a cell never gives water it does not stand above the sill with. The
advection ``A = u ∂u/∂x + v ∂u/∂y`` is first-order upwind in one of two forms:

* momentum-conservative, ``(1/h̄) [(q̄ u*)_{i+1} − (q̄ u*)_i − u (q̄_{i+1} − q̄_i)] / Δx`` with
  ``h̄`` the mean depth of the two cells, ``q̄`` the discharge averaged to the cell centre and
  ``u*`` the upwind face velocity there; it reduces to ``Σ max(±q̄, 0) (u − u_upwind) / (h̄ Δx)``
  over the inflowing sides. With ``g h̄ ∂η/∂x`` this conserves ``h̄ u`` across a jump, so
  bores and hydraulic jumps move at the Rankine–Hugoniot speed;
* energy-head-conservative, ``(u² − u_upwind²) / (2 Δx)``, which keeps Bernoulli's head
  ``u²/2g + η`` along a steady streamline.

Stelling & Duinmeijer prescribe the momentum form in flow *expansions* (the flow decelerates
along itself: bores, jumps, spreading) and the energy-head form in *contractions* (it
accelerates). A face uses the energy-head form when its upwind neighbour carries flow in the
same direction but slower (``0 ≤ u_upwind < u``), else the momentum form; the cross term
``v ∂u/∂y`` is always momentum-conservative, with discharges averaged to the face's corners.
Swapping the two (energy head in the decelerating bore) puts the Stoker bore 10 cells behind;
``tests/models/hazards/test_flood_advection.py`` states the errors against Ritter, Stoker
and a transcritical bump. The step becomes ``α Δx / (max|u| + max|v| + √(g h_max))``. θ is
not applied: the upwind terms damp the checkerboard (θ = 0.7 measured worse, L1 0.015 vs
0.008 on Ritter), so the solver refuses θ ≠ 1 with advection.

Sources: Bates, P.D., Horritt, M.S., Fewtrell, T.J. (2010) J. Hydrol. 387:33–45 (momentum,
``h_f``, continuity, step; ``/work/shared/reference/hazard-models.md`` section (g)).
de Almeida, G.A.M., Bates, P., Freer, J.E., Souvignet, M. (2012) Water Resour. Res. 48,
W05528 (θ-weighting) [recalled, not checked against the paper].
Stelling, G.S., Duinmeijer, S.P.A. (2003) Int. J. Numer. Meth. Fluids 43:1329–1354 (the
expansion/momentum, contraction/Bernoulli rule: from the abstract; upwind ``h*``, ``h̄``, ``q̄``
and ``u*`` and the two advection forms [recalled, not checked against the paper's equations]).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.hazards.flood_kernels import (
    GRAVITY_M_S2,
    SIDES,
    advance_local_inertial,
    advance_with_advection,
    limit_outflow,
    update_depth,
    update_face_discharge,
    update_flood_maps,
)

__all__ = [
    "GRAVITY_M_S2",
    "SIDES",
    "LocalInertialFlood",
    "LocalInertialSolver",
    "PointInflow",
    "advance_local_inertial",
    "hydrograph_volume_m3",
    "limit_outflow",
    "stable_time_step_s",
    "update_depth",
    "update_face_discharge",
    "update_flood_maps",
]


# --- helpers and the solver ----------------------------------------------------------------------


def stable_time_step_s(h_max_m: float, dx_m: float, cfl_alpha: float = 0.7, max_dt_s: float = 5.0) -> float:
    """Adaptive step of Bates et al. 2010: ``min(α Δx / √(g h_max), max_dt_s)``.

    Examples
    --------
    >>> round(stable_time_step_s(10.0, 2.5), 4)
    0.1767
    >>> stable_time_step_s(0.0, 2.5, max_dt_s=3.0)
    3.0
    """
    if h_max_m <= 0.0:
        return max_dt_s
    return min(max_dt_s, cfl_alpha * dx_m / math.sqrt(GRAVITY_M_S2 * h_max_m))


def hydrograph_volume_m3(times_s: np.ndarray, discharge_m3_s: np.ndarray, t0_s: float, t1_s: float) -> float:
    """Exact volume of a piecewise-linear hydrograph between ``t0_s`` and ``t1_s``.

    The discharge is interpolated linearly between the table's rows and is zero before
    the first time and after the last.

    Examples
    --------
    >>> t, q = np.array([0.0, 100.0, 200.0]), np.array([0.0, 10.0, 0.0])
    >>> hydrograph_volume_m3(t, q, 0.0, 200.0)
    1000.0
    >>> hydrograph_volume_m3(t, q, 50.0, 150.0)
    750.0
    """
    a, b = max(t0_s, float(times_s[0])), min(t1_s, float(times_s[-1]))
    if b <= a:
        return 0.0
    ts = np.concatenate(([a], times_s[(times_s > a) & (times_s < b)], [b]))
    qs = np.interp(ts, times_s, discharge_m3_s)
    return float(np.sum(0.5 * (qs[1:] + qs[:-1]) * np.diff(ts)))


@dataclass(frozen=True)
class PointInflow:
    """Discharge entering one cell: ``(times_s, discharge_m3_s)`` interpolated linearly.

    Times count from the solver's start; the discharge is zero outside the table.
    """

    row: int
    col: int
    times_s: np.ndarray
    discharge_m3_s: np.ndarray


class LocalInertialSolver:
    """State, kernels and mass budget of one flood on a square-cell grid (local-inertial or advective).

    Parameters
    ----------
    terrain_m
        ``(ny, nx)`` bed elevation; kept by reference (a float64 C-contiguous array is not
        copied) and read at every step, so a changing terrain is followed.
    cell_size_m
        Side of a square cell.
    depth_m
        Initial water depth, scalar or ``(ny, nx)`` (copied).
    manning_n
        Manning coefficient (s m^-1/3), scalar or ``(ny, nx)`` (kept by reference).
    inflows
        Point inflow hydrographs.
    open_boundaries
        Sides (``"west"``, ``"east"``, ``"south"``, ``"north"``) with free outflow.
    cfl_alpha, max_dt_s
        Time step ``min(α Δx/√(g h_max), max_dt_s)``; with advection
        ``min(α Δx / max(|u| + |v| + √(g h)), max_dt_s)`` over the cells.
    theta
        de Almeida et al. (2012) weighting; 1 is Bates et al. (2010). Must be 1 with advection.
    advection
        Solve the full shallow-water momentum equation on the same grid: face velocities with
        the advection of Stelling & Duinmeijer (2003) and upwind face depths (see the module
        docstring). ``False`` (the keyword's default, kept so that this class alone stays the
        Bates et al. 2010 model) is local-inertial; the scenario key defaults to ``true``.
    min_flow_depth_m
        Faces with a smaller flow depth carry no water; cells with less have zero speed.
    arrival_depth_m
        Depth that marks the arrival of the flood in a cell.

    Examples
    --------
    >>> z = np.zeros((1, 50))
    >>> s = LocalInertialSolver(z, 10.0, depth_m=np.where(np.arange(50) < 25, 2.0, 0.0))
    >>> s.advance(30.0) > 1
    True
    >>> bool(s.depth_m[0, 30] > 0) and abs(s.mass_balance_error) < 1e-12
    True
    >>> a = LocalInertialSolver(z, 10.0, depth_m=np.where(np.arange(50) < 25, 2.0, 0.0), advection=True)
    >>> a.advance(30.0) > s.steps  # smaller steps: the flow speed counts
    True
    """

    def __init__(
        self,
        terrain_m: np.ndarray,
        cell_size_m: float,
        *,
        depth_m: float | np.ndarray = 0.0,
        manning_n: float | np.ndarray = 0.0,
        inflows: Sequence[PointInflow] = (),
        open_boundaries: Sequence[str] = (),
        cfl_alpha: float = 0.7,
        max_dt_s: float = 5.0,
        theta: float = 1.0,
        advection: bool = False,
        min_flow_depth_m: float = 1e-3,
        arrival_depth_m: float = 0.05,
    ) -> None:
        z = np.ascontiguousarray(terrain_m, dtype=np.float64)
        if z.ndim != 2 or not np.all(np.isfinite(z)):
            raise ValueError(f"terrain_m must be a finite 2-D array, got shape {z.shape}")
        if not set(open_boundaries) <= set(SIDES):
            raise ValueError(f"open_boundaries {list(open_boundaries)}: sides are {', '.join(SIDES)}")
        if not (cell_size_m > 0 and 0 < cfl_alpha <= 1 and max_dt_s > 0 and 0 <= theta <= 1):
            raise ValueError("need cell_size_m > 0, 0 < cfl_alpha <= 1, max_dt_s > 0, 0 <= theta <= 1")
        if advection and theta != 1.0:
            raise ValueError("theta weights the local-inertial momentum only; with advection leave it at 1")
        shape = z.shape
        self.terrain_m = z
        self.dx_m = float(cell_size_m)
        nn = np.asarray(manning_n, dtype=np.float64)
        self.manning_n = np.full(shape, float(nn)) if nn.ndim == 0 else np.ascontiguousarray(nn)
        self.depth_m = np.array(np.broadcast_to(np.asarray(depth_m, dtype=np.float64), shape))
        if self.manning_n.shape != shape or np.any(self.depth_m < 0) or np.any(self.manning_n < 0):
            raise ValueError("depth_m and manning_n must be >= 0 and match the terrain's shape")
        ny, nx = shape
        for f in inflows:
            if not (0 <= f.row < ny and 0 <= f.col < nx):
                raise ValueError(f"inflow cell ({f.row}, {f.col}) lies outside the grid {shape}")
        self.inflows = tuple(inflows)
        self.open = tuple(side in open_boundaries for side in SIDES)
        self.cfl_alpha, self.max_dt_s, self.theta = float(cfl_alpha), float(max_dt_s), float(theta)
        self.min_flow_depth_m, self.arrival_depth_m = float(min_flow_depth_m), float(arrival_depth_m)
        self.qx_m2_s, self.qy_m2_s = np.zeros((ny, nx + 1)), np.zeros((ny + 1, nx))
        self._scale, self._row_buf = np.empty(shape), np.empty(nx)  # kernel work arrays
        self.advection = bool(advection)
        if self.advection:
            #: Face velocities (m/s), east and north positive (advection only).
            self.ux_m_s, self.uy_m_s = np.zeros((ny, nx + 1)), np.zeros((ny + 1, nx))
            self._u_next = (np.zeros((ny, nx + 1)), np.zeros((ny + 1, nx)))  # written, then swapped
            self._h_face = (np.zeros((ny, nx + 1)), np.zeros((ny + 1, nx)))  # upwind face depths
        #: With advection: largest ``|u| + |v| + √(g h)`` of a cell after the last step (m/s).
        self.wave_speed_m_s = math.sqrt(GRAVITY_M_S2 * float(self.depth_m.max())) if self.advection else 0.0
        self.speed_m_s = np.zeros(shape)
        self.max_depth_m = self.depth_m.copy()
        self.max_speed_m_s = np.zeros(shape)
        #: First time (s since the start) the depth exceeded ``arrival_depth_m``; NaN if never.
        self.arrival_time_s = np.where(self.depth_m > arrival_depth_m, 0.0, np.nan)
        self.time_s, self.steps = 0.0, 0
        self.h_max_m = float(self.depth_m.max())
        self.initial_volume_m3 = self.volume_m3
        self.inflow_volume_m3 = self.outflow_volume_m3 = 0.0

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell."""
        return self.dx_m * self.dx_m

    @property
    def volume_m3(self) -> float:
        """Water volume now on the grid."""
        return float(self.depth_m.sum()) * self.cell_area_m2

    @property
    def mass_balance_error(self) -> float:
        """``(V − V0 − inflow + outflow) / (V0 + inflow)``: zero up to rounding."""
        expected = self.initial_volume_m3 + self.inflow_volume_m3
        err = self.volume_m3 - expected + self.outflow_volume_m3
        return err / expected if expected > 0 else err

    def stable_dt_s(self) -> float:
        """Largest stable step: Bates et al. (2010), or with advection ``α Δx / max(|u| + |v| + √(g h))``."""
        if not self.advection:
            return stable_time_step_s(self.h_max_m, self.dx_m, self.cfl_alpha, self.max_dt_s)
        if self.wave_speed_m_s <= 0.0:
            return self.max_dt_s
        return min(self.max_dt_s, self.cfl_alpha * self.dx_m / self.wave_speed_m_s)

    def _cell_wave_speed(self, row: int, col: int) -> float:
        u = max(abs(self.ux_m_s[row, col]), abs(self.ux_m_s[row, col + 1]))
        v = max(abs(self.uy_m_s[row, col]), abs(self.uy_m_s[row + 1, col]))
        return u + v + math.sqrt(GRAVITY_M_S2 * self.depth_m[row, col])

    def advance(self, dt_s: float) -> int:
        """Advance by ``dt_s`` in stable sub-steps; return how many were taken."""
        t_end = self.time_s + dt_s
        taken = 0
        while t_end - self.time_s > 1e-12 * max(1.0, t_end):
            step = self.stable_dt_s()
            t1 = t_end if step >= (t_end - self.time_s) * (1.0 - 1e-9) else self.time_s + step
            self._step(t1)
            taken += 1
        self.time_s = t_end
        return taken

    def _step(self, t1_s: float) -> None:
        t0_s, dt_s = self.time_s, t1_s - self.time_s
        h, qx, qy = self.depth_m, self.qx_m2_s, self.qy_m2_s
        h_max = 0.0
        if self.h_max_m > 0.0 and self.advection:
            ux_new, uy_new = self._u_next
            h_max, out, wave_speed = advance_with_advection(
                h, self.terrain_m, self.manning_n, self.ux_m_s, self.uy_m_s, qx, qy, ux_new, uy_new,
                *self._h_face, self._scale, dt_s, self.dx_m, self.min_flow_depth_m, *self.open, GRAVITY_M_S2,
            )  # fmt: skip
            self._u_next = (self.ux_m_s, self.uy_m_s)
            self.ux_m_s, self.uy_m_s = ux_new, uy_new
            self.wave_speed_m_s = wave_speed
            self.outflow_volume_m3 += out
        elif self.h_max_m > 0.0:
            h_max, out = advance_local_inertial(
                h, self.terrain_m, self.manning_n, qx, qy, self._scale, self._row_buf, dt_s, self.dx_m,
                self.theta, self.min_flow_depth_m, *self.open, GRAVITY_M_S2,
            )  # fmt: skip
            self.outflow_volume_m3 += out
        elif qx.any() or qy.any() or self.wave_speed_m_s > 0.0:  # everything dry: no face can carry water
            qx[...] = 0.0
            qy[...] = 0.0
            if self.advection:
                self.ux_m_s[...] = 0.0
                self.uy_m_s[...] = 0.0
                self.wave_speed_m_s = 0.0
        for f in self.inflows:
            v = hydrograph_volume_m3(f.times_s, f.discharge_m3_s, t0_s, t1_s)
            if v > 0.0:
                h[f.row, f.col] += v / self.cell_area_m2
                self.inflow_volume_m3 += v
                h_max = max(h_max, h[f.row, f.col])
                if self.advection:  # the deeper cell's own wave speed, faces as they are
                    self.wave_speed_m_s = max(self.wave_speed_m_s, self._cell_wave_speed(f.row, f.col))
        update_flood_maps(
            h, qx, qy, self.speed_m_s, self.max_depth_m, self.max_speed_m_s, self.arrival_time_s,
            t1_s, self.arrival_depth_m, self.min_flow_depth_m,
        )  # fmt: skip
        self.h_max_m = h_max
        self.time_s = t1_s
        self.steps += 1


# --- the process ---------------------------------------------------------------------------------

#: Depth (m) and speed (m/s) contour levels of the summary maps: the depth and velocity limits
#: of the Australian combined hazard curves H1–H6 (hazard-models.md section (h)).
DEPTH_CONTOURS_M = (0.1, 0.3, 0.5, 1.2, 2.0, 4.0)
SPEED_CONTOURS_M_S = (0.5, 1.0, 2.0, 4.0)
_SOLVER_KEYS = {
    "open_boundaries", "cfl_alpha", "max_dt_s", "theta", "advection", "min_flow_depth_m", "arrival_depth_m"
}  # fmt: skip
#: Keys of a starting event's data that ``inflow_from_cause`` reads.
HYDROGRAPH_KEYS = ("hydrograph_t_s", "hydrograph_q_m3_s")
_ARRIVAL_LEVELS_S = (60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0)


def arrival_near(arrival_time_s: np.ndarray, grid: Any, facility: Any, radius_m: float) -> float:
    """Earliest arrival time in the cells within ``radius_m`` of a facility (its own cell at least).

    Parameters
    ----------
    arrival_time_s
        ``(ny, nx)`` arrival times, NaN where the water never arrived.
    grid
        The :class:`engine.grid.Grid` the times live on.
    facility
        Anything with ``x_m`` and ``y_m``.
    radius_m
        Search radius around the facility.

    Returns
    -------
    float
        The earliest time, NaN if the flood arrived nowhere in reach.
    """
    near = np.hypot(grid.x_m[None, :] - facility.x_m, grid.y_m[:, None] - facility.y_m) <= radius_m
    near[grid.index_of(facility.x_m, facility.y_m)] = True
    times = arrival_time_s[near]
    times = times[np.isfinite(times)]
    return float(times.min()) if times.size else math.nan


class Inflow(BaseModel):
    """``inflows = [{ x_m, y_m, hydrograph = [[t_s, q_m3_s], ...] }]``: a point inflow."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    x_m: float
    y_m: float
    hydrograph: list[tuple[float, float]] = Field(
        min_length=2, description="[[t_s, q_m3_s], ...]: times since the flood's start, discharges"
    )

    @field_validator("hydrograph")
    @classmethod
    def _increasing(cls, rows: list[tuple[float, float]]) -> list[tuple[float, float]]:
        t, q = np.array(rows, dtype=np.float64).T
        if not np.all(np.isfinite(t)) or t[0] < 0 or np.any(np.diff(t) <= 0) or not np.all(q >= 0):
            raise ValueError("hydrograph times must be >= 0 and increase; discharges finite and >= 0")
        return rows


def _hydrograph_of(data: dict, x_m: float | None, y_m: float | None, inside) -> tuple[np.ndarray, np.ndarray]:
    """``(t_s, q_m3_s)`` from an event's data; ValueError saying what is wrong.

    ``inside(x_m, y_m)`` tells whether the event's point lies in the grid.

    Examples
    --------
    >>> data = {"hydrograph_t_s": [0, 60], "hydrograph_q_m3_s": [5, 0]}
    >>> t, q = _hydrograph_of(data, 1.0, 2.0, lambda x, y: True)
    >>> t.tolist(), q.tolist()
    ([0.0, 60.0], [5.0, 0.0])
    """
    missing = [k for k in HYDROGRAPH_KEYS if k not in data]
    if missing:
        raise ValueError(
            f"its data lacks {' and '.join(missing)} (times since the event in s, discharges in m3/s)"
        )
    try:
        t, q = (np.asarray(data[k], dtype=np.float64) for k in HYDROGRAPH_KEYS)
    except (TypeError, ValueError):
        raise ValueError(f"{' and '.join(HYDROGRAPH_KEYS)} must be lists of numbers") from None
    if t.ndim != 1 or t.shape != q.shape or t.size < 2:
        raise ValueError(f"{' and '.join(HYDROGRAPH_KEYS)} must be lists of the same length, at least 2")
    if not (np.all(np.isfinite(t)) and np.all(np.diff(t) > 0) and np.all(np.isfinite(q)) and np.all(q >= 0)):
        raise ValueError("hydrograph times must be finite and increase; discharges finite and >= 0")
    if x_m is None or y_m is None or not (math.isfinite(x_m) and math.isfinite(y_m)) or not inside(x_m, y_m):
        raise ValueError(f"its point ({x_m}, {y_m}) is not inside the grid")
    return t, q


class FloodConfig(ProcessConfig):
    """``[[hazards]] model = "local_inertial_flood"``."""

    model: Literal["local_inertial_flood"] = "local_inertial_flood"
    manning_n: float = Field(0.03, ge=0, le=1, description="Manning n (s m^-1/3) if no manning_n field")
    initial_depth_m: float = Field(0.0, ge=0, description="initial water depth if no initial_depth_m field")
    inflows: list[Inflow] = Field(default_factory=list, description="point inflow hydrographs")
    open_boundaries: list[Literal["west", "east", "south", "north"]] = Field(
        default_factory=list, description="grid sides with free outflow; the others are walls"
    )
    cfl_alpha: float = Field(0.7, gt=0, le=1, description="α of the step α Δx / √(g h_max)")
    max_dt_s: float = Field(5.0, gt=0, description="longest step (dry or shallow grids)")
    advection: bool = Field(
        True,
        description="full shallow-water momentum (Stelling & Duinmeijer 2003); false: local-inertial",
    )
    theta: float = Field(
        1.0, ge=0, le=1, description="de Almeida θ (advection = false only); 1 is Bates 2010, 0.7 damps"
    )
    inflow_from_cause: bool = Field(
        False,
        description="add the starting event's hydrograph (data hydrograph_t_s, hydrograph_q_m3_s, times "
        "since the event) as a point inflow at the event's (x_m, y_m)",
    )
    min_flow_depth_m: float = Field(1e-3, gt=0, le=0.1, description="faces shallower carry no flow")
    arrival_depth_m: float = Field(0.05, gt=0, description="depth that marks the flood's arrival")
    flooded_depth_m: float = Field(0.1, gt=0, description="depth that counts a cell as flooded")
    arrival_at: list[str] = Field(
        default_factory=list,
        description="facilities whose flood arrival time is a KPI (flood_arrival_<name>_s; NaN: never)",
    )
    arrival_radius_m: float = Field(
        250.0, ge=0, description="the earliest arrival within this distance of a facility counts"
    )

    @field_validator("theta")
    @classmethod
    def _theta_without_advection(cls, theta: float, info: ValidationInfo) -> float:
        if theta != 1.0 and info.data.get("advection", True):
            raise ValueError(
                "weights the local-inertial momentum only; set advection = false or remove theta"
            )
        return theta


@register
class LocalInertialFlood(Process):
    """2-D flood inundation on the shared grid: full shallow water (default) or local-inertial.

    ``advection = true`` (the default) solves the full shallow-water momentum equation
    (Stelling & Duinmeijer 2003, see the module docstring); ``false`` is the local-inertial
    model of Bates et al. (2010). The default is measured, for the flagship's outburst flood
    down a steep valley: the local-inertial model puts Ritter's dam break at L1 0.15 and cannot
    carry supercritical flow (a transcritical bump is off by a factor 2; in the generated
    valley its front runs 39 % early against ANUGA and thin films reach 1000 m/s), while the
    advective scheme's Ritter L1 is 0.008 and its valley front 18 % early, for about twice the
    steps and twice the cost per step (benchmarks/README.md).

    In the earthquake chain a ``[[chains]]`` rule starts the flood on ``"dam_breach"``; with
    ``inflow_from_cause = true`` the starting event's data (``hydrograph_t_s``,
    ``hydrograph_q_m3_s``, times since the event) become a point inflow at the event's
    ``(x_m, y_m)``, moved to the flood's clock (a rule's ``delay_s`` skips the hydrograph's
    first seconds). The optional ``landslide_debris_m`` is added to ``terrain_m`` when the flood
    starts, so a landslide dam still holds its lake; the bed then stays fixed (without debris
    the terrain layer is used by reference and followed).

    Time stepping: by default (``dt_s`` unset) every stable step of the solver is an
    engine step (:meth:`next_dt_s` returns the solver's ``α Δx/(U + √(g h_max))``, floored to
    the clock's microsecond), so a process reading ``water_depth_m`` always sees the flood at
    the latest stable step not after its own time, and events land between flood steps. The
    scheduler costs about 10 µs a step, small beside the kernels on any useful grid. With
    ``dt_s`` set, the engine calls the flood every ``dt_s`` and it sub-steps internally (fewer,
    coarser updates of the fields for readers). Either way the field is exact at the step's
    end. Inflow hydrograph times count from the process start, so a chain rule can start the
    flood at a breach; ``flood_arrival_time_s`` is in run time.
    """

    model_name = "local_inertial_flood"
    family = "hazards"
    Config = FloodConfig
    reads = (
        FieldSpec("terrain_m", "m", "bed elevation"),
        FieldSpec("manning_n", "s m-1/3", "Manning roughness coefficient", optional=True),
        FieldSpec("initial_depth_m", "m", "water depth when the flood starts", optional=True),
        FieldSpec(
            "landslide_debris_m", "m", "deposit thickness, added to the bed at the start", optional=True
        ),
    )
    writes = (
        FieldSpec("water_depth_m", "m", "flood water depth", record=True),
        FieldSpec("flow_speed_m_s", "m s-1", "depth-averaged flow speed at cell centres", record=True),
    )

    @classmethod
    def check(cls, config: FloodConfig, scenario, key: str) -> None:
        """Inflows inside the grid; manning_n, initial_depth_m given one way only; a cause's hydrograph."""
        known = {f.name for f in scenario.facilities}
        for p in scenario.processes:
            known.update(p.cls.FACILITY_NAMES)
        for i, name in enumerate(config.arrival_at):
            if name not in known:
                raise ScenarioError(
                    f'no facility "{name}"; name one of {sorted(known)} or add it under [[facilities]]',
                    key=f"{key}.arrival_at[{i}]",
                )
        for i, f in enumerate(config.inflows):
            if not scenario.grid_contains(f.x_m, f.y_m):
                raise ScenarioError(
                    f"inflow point ({f.x_m}, {f.y_m}) lies outside the grid; move it or enlarge [grid]",
                    key=f"{key}.inflows[{i}]",
                )
        provided = {layer.name for layer in scenario.layers}
        provided.update(f.name for p in scenario.processes for f in p.cls.writes)
        for name in ("manning_n", "initial_depth_m"):
            if name in provided and name in config.model_fields_set:
                raise ScenarioError(
                    f'a "{name}" field is provided, so the key would be ignored; remove one of them',
                    key=f"{key}.{name}",
                )
        if config.inflow_from_cause:
            cls._check_causes(scenario, key)

    @classmethod
    def _check_causes(cls, scenario, key: str) -> None:
        """A chain rule starts the flood, and the scenario's own events it listens to carry a hydrograph."""
        name = next(p.name for p in scenario.processes if p.key == key)
        rules = [r for r in scenario.chains if r.start == name]
        if not rules or name in {p.name for p in scenario.processes if p.config.start_s is not None}:
            raise ScenarioError(
                "is true, so the flood must be started by an event: add a [[chains]] rule with "
                f'start = "{name}" (and no start_s), or set inflow_from_cause = false',
                key=f"{key}.inflow_from_cause",
            )
        for k, ev in enumerate(scenario.events):
            if not any(r.when == ev.kind and r.source in (None, "scenario") for r in rules):
                continue
            try:
                _hydrograph_of(ev.data, ev.x_m, ev.y_m, scenario.grid_contains)
            except ValueError as exc:
                raise ScenarioError(
                    f'{exc}; the flood "{name}" takes its inflow from this event (inflow_from_cause)',
                    key=f"events[{k}]",
                ) from None

    def start(self, t_s: float) -> None:
        """Build the solver from the bed (terrain plus any debris), the initial water and the inflows."""
        cfg: FloodConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        layers = grid.layers
        inflows = [
            PointInflow(*grid.index_of(f.x_m, f.y_m), *np.array(f.hydrograph, dtype=np.float64).T.copy())
            for f in cfg.inflows
        ]
        if cfg.inflow_from_cause:
            inflows.append(self._inflow_from_cause(t_s))
        bed = layers["terrain_m"].data  # by reference: a changing terrain is followed
        if "landslide_debris_m" in layers:
            bed = bed + layers["landslide_debris_m"].data  # the deposit as of the flood's start
        self.solver = LocalInertialSolver(
            bed,
            grid.cell_size_m,
            depth_m=layers["initial_depth_m"].data if "initial_depth_m" in layers else cfg.initial_depth_m,
            manning_n=layers["manning_n"].data if "manning_n" in layers else cfg.manning_n,
            inflows=inflows,
            **cfg.model_dump(include=_SOLVER_KEYS),
        )
        self.t_start_s = t_s
        self._publish()

    def _inflow_from_cause(self, t_s: float) -> PointInflow:
        """The starting event's hydrograph as a point inflow; its times move to the flood's clock."""
        ev = self.trigger_event()
        if ev is None:
            raise ScenarioError(
                f'process "{self.name}" has inflow_from_cause = true but was started by the scenario, '
                "not by an event; start it with a [[chains]] rule or set inflow_from_cause = false"
            )
        try:
            t, q = _hydrograph_of(ev.data, ev.x_m, ev.y_m, self.world.grid.contains)
        except ValueError as exc:
            raise ScenarioError(
                f'process "{self.name}" (inflow_from_cause = true) was started by event {ev.id} "{ev.kind}" '
                f'from "{ev.source}" at t = {ev.time_s} s, which cannot give its inflow: {exc}'
            ) from None
        # hydrograph times count from the event; the solver's from its own start (a rule's delay_s
        # later): what ran before the start is not added
        return PointInflow(*self.world.grid.index_of(ev.x_m, ev.y_m), t - (t_s - ev.time_s), q)

    def next_dt_s(self) -> float | None:
        """The fixed ``dt_s`` if set, else the solver's stable step (whole microseconds)."""
        if self.config.dt_s is not None:
            return self.config.dt_s
        return max(math.floor(self.solver.stable_dt_s() * 1e6) / 1e6, 1e-6)

    def advance(self, t_s: float, dt_s: float) -> None:
        """Advance the flood from ``t_s - dt_s`` to ``t_s`` and write the fields."""
        self.solver.advance(dt_s)
        self._publish()

    def _publish(self) -> None:
        layers = self.world.grid.layers
        layers["water_depth_m"].data[...] = self.solver.depth_m
        layers["flow_speed_m_s"].data[...] = self.solver.speed_m_s
        self.mark_written("water_depth_m")
        self.mark_written("flow_speed_m_s")

    def finish(self, t_s: float) -> None:
        """Keep the maximum depth, speed and arrival maps; report area and mass balance."""
        cfg: FloodConfig = self.config  # type: ignore[assignment]
        s, w = self.solver, self.world
        elapsed = t_s - self.t_start_s
        w.add_map("max_water_depth_m", s.max_depth_m, "m", "maximum flood depth", contours=DEPTH_CONTOURS_M)
        w.add_map(
            "max_flow_speed_m_s", s.max_speed_m_s, "m s-1", "maximum flow speed", contours=SPEED_CONTOURS_M_S
        )
        w.add_map(
            "flood_arrival_time_s",
            s.arrival_time_s + self.t_start_s,
            "s",
            f"run time when the depth first exceeded {cfg.arrival_depth_m} m (NaN: never)",
            contours=tuple(lv + self.t_start_s for lv in _ARRIVAL_LEVELS_S if lv <= elapsed),
        )
        area_km2 = np.count_nonzero(s.max_depth_m > cfg.flooded_depth_m) * s.cell_area_m2 / 1e6
        w.report_kpi("flood_area_km2", area_km2, "km2", f"area where depth exceeded {cfg.flooded_depth_m} m")
        w.report_kpi(
            "flood_mass_balance_rel_error",
            abs(s.mass_balance_error),
            "1",
            "|volume − initial − inflow + outflow| / (initial + inflow)",
        )
        w.report_kpi("flood_inflow_volume_m3", s.inflow_volume_m3, "m3", "water added by inflow hydrographs")
        w.report_kpi("flood_outflow_volume_m3", s.outflow_volume_m3, "m3", "water lost through open sides")
        w.report_kpi("flood_max_depth_m", float(s.max_depth_m.max()), "m", "largest depth anywhere")
        arrival = s.arrival_time_s + self.t_start_s
        for name in cfg.arrival_at:
            if name not in w.facilities:
                raise RuntimeError(f'{self.name}: arrival_at names "{name}", which no model or entry created')
            t_arr = arrival_near(arrival, w.grid, w.facilities[name], cfg.arrival_radius_m)
            w.report_kpi(
                f"flood_arrival_{name}_s",
                t_arr,
                "s",
                f"run time when the flood (> {cfg.arrival_depth_m} m) first came within "
                f"{cfg.arrival_radius_m:g} m of {name} (NaN: never)",
            )
