"""Barrier lake behind a landslide dam: storage curve, filling, overtopping and breach outflow.

**Storage curve.** The bed is ``terrain_m + landslide_debris_m``. The lake at level ``z`` is the
8-connected set of cells reachable from the seed (the first channel cell above the deposit,
found by walking the pre-slide D8 river upstream from the dam cell) through cells with bed
below ``z``. One Priority-Flood pass (Barnes et al. 2014) from the seed gives every cell the
level at which it joins the lake (the lowest "highest bed" over paths from the seed); the
cells in join order then give, with one cumulative sum, the exact piecewise-linear ``V(z)``
(slope = lake area) from the seed's bed to the crest. A cell that joins behind a sill (a pit)
adds its volume below the sill at once: ``V(z)`` jumps there and ``z(V)`` is flat.

**The lake cannot leak past the dam.** Cells whose pre-slide D8 path passes through the dam's
deposit (or the dam cell) are the dam's basin. The flood fill stops at the first cell outside
the basin it reaches: that level is where water would pass the dam (around a deposit that does
not span the valley, or between two deposit cells that touch only at a corner), and the lake
tops out at the lower of it and ``crest_elevation_m``. A divide lower than the crest, between
the basin and a neighbouring valley, is a spill point too (the breach is still put at the dam).
The grid's edge is a wall: a lake reaching it is cut off there (the overtopping event says so).

**Filling.** ``dV/dt = Q_in − Q_seep`` (the seepage never exceeds the inflow); the level is
``z(V)``; at constant inflow the lake overtops at ``V(top) / (Q_in − Q_seep)`` after the dam
forms, and the process steps exactly onto that instant.

**Breach.** Two published models, both started at overtopping:

* ``"froehlich2008_weir"`` (default), a parametric breach: a trapezoid whose bottom sinks
  linearly from the lake level to its final elevation and whose bottom width grows linearly
  over the formation time ``tf``, with Froehlich's (2008) average width, side slopes and
  ``tf``. Outflow is critical flow at the breach control section, the rectangular and
  triangular parts added (Fread's breach weir, coefficients from critical-flow theory)::

      Q = (2/3)^1.5 √g · b · H^1.5 + 0.8^2.5 √(g/2) · z · H^2.5      (1.705 b H^1.5 + 1.268 z H^2.5)

  with ``H`` the lake level above the breach bottom and ``z`` the side slope (H:V). The lake
  volume is integrated with RK4 (``dV/dt = Q_in − Q_seep − Q``), ``z(V)`` from the storage curve,
  so the outflow volume equals the fall in storage plus the inflow, to rounding.
* ``"froehlich1995_triangle"``: Froehlich's (1995a) peak-outflow regression
  ``Qp = 0.607 Vw^0.295 Hw^1.24`` (SI) as the peak of a triangular hydrograph that releases
  ``Vw`` (rising over ``tf``), on top of the river's base flow.

Froehlich 2008, with ``Vw`` the lake volume above the breach bottom and ``hb`` the breach
height (SI, seconds): ``B_avg = 0.27 k_o Vw^0.32 hb^0.04``; ``k_o = 1.3`` for overtopping
(1.0 piping); side slope ``z = 1.0`` overtopping (0.7 piping); ``tf = 63.2 √(Vw / (g hb²))``.

**Landslide dams are not embankment dams.** Both regressions were fitted to failures of
embankment dams (74 for Froehlich 2008): compacted, often zoned, short in the flow direction.
A landslide dam is an uncompacted, poorly sorted deposit, but hundreds of metres long in the
flow direction (``dam_length_m``), often armoured by boulders, and it often breaches only part
of its height. At Tangjiashan (2008) the breach eroded ~30 m of a ~110 m dam in about 12 h
(Liu et al. 2010), against 3.2 h from Froehlich 2008: with that ``tf`` the weir model puts the
peak at 2.6× the observed 6 500 m³/s, with the observed duration within −15 % (tests). So
``formation_time_s``, ``breach_width_m`` and ``breach_depth_fraction`` can override the
embankment values; the default (full height, embankment ``tf``) is the conservative choice.

Sources
-------
* Froehlich, D.C. (2008) Embankment dam breach parameters and their uncertainties, J. Hydraul.
  Eng. 134(12):1708-1721, doi:10.1061/(ASCE)0733-9429(2008)134:12(1708). The three equations
  and k_o, z as above were seen alike in several public implementations (e.g. the repository
  mstphayassin/EEDBCTool, ``components/eqnList.ts``), not checked against the paper's text.
* Froehlich, D.C. (1995a) Peak outflow from breached embankment dam, J. Water Resour. Plann.
  Manage. 121(1):90-97: ``0.607 Vw^0.295 Hw^1.24`` seen in the same file, which lists a
  standard deviation of 0.48 for its (logarithmic) error; Wahl (2004, J. Hydraul. Eng.
  130(5):389-397) gives about ±0.3 log cycles [recalled]: a factor of about 2.
* Fread, D.L. (1988) BREACH: an erosion model for earthen dam failures, NWS (trapezoid weir as
  the sum of rectangular and triangular parts) [recalled]; critical-flow coefficients derived
  from the minimum specific energy (Henderson 1966, Open Channel Flow, ch. 2).
* Barnes, R., Lehman, C., Mulla, D. (2014) Priority-flood, Comput. Geosci. 62:117-127.
* Liu, N. et al. (2010) Draining the Tangjiashan barrier lake, J. Hydraul. Eng.
  136(11):914-923, doi:10.1061/(ASCE)HY.1943-7900.0000241 (abstract seen).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numba
import numpy as np
from pydantic import Field, model_validator
from scipy import ndimage

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.terrain.analysis import D8_DCOL, D8_DROW, drainage_order, heap_pop, heap_push, route_flow

__all__ = [
    "FROEHLICH_1995_PEAK",
    "FROEHLICH_2008_OVERTOPPING",
    "FROEHLICH_2008_PIPING",
    "RECTANGULAR_WEIR_COEFF",
    "TRIANGULAR_WEIR_COEFF",
    "BarrierLake",
    "BreachHydrograph",
    "BreachParameters",
    "Dam",
    "DamSite",
    "LakeStorage",
    "breach_parameters",
    "flood_lake",
    "froehlich_1995_peak_outflow_m3_s",
    "froehlich_2008_breach",
    "lake_depth_m",
    "lake_storage",
    "locate_dam_site",
    "mark_upstream",
    "simulate_weir_breach",
    "thin_hydrograph",
    "time_to_overtopping_s",
    "triangular_breach",
    "weir_outflow_m3_s",
]

#: Gravitational acceleration (the flood model's value).
G = 9.81
#: Froehlich (1995a): ``Qp = a Vw^b Hw^c`` (m³/s, m³, m).
FROEHLICH_1995_PEAK = (0.607, 0.295, 1.24)
#: Froehlich (2008) ``(k_o, side slope z H:V)`` for overtopping and piping failures.
FROEHLICH_2008_OVERTOPPING = (1.3, 1.0)
FROEHLICH_2008_PIPING = (1.0, 0.7)
#: Critical flow through a rectangle of width b under head H: Q = (2/3)^1.5 √g b H^1.5.
RECTANGULAR_WEIR_COEFF = (2.0 / 3.0) ** 1.5 * math.sqrt(G)
#: Critical flow through a V of side slopes z (H:V) under head H: Q = 0.8^2.5 √(g/2) z H^2.5.
TRIANGULAR_WEIR_COEFF = 0.8**2.5 * math.sqrt(G / 2.0)
#: Data keys of a ``"landslide_dam"`` event (the first four are required).
DAM_KEYS = ("row", "col", "crest_elevation_m", "dam_height_m", "volume_m3", "dam_length_m", "dam_width_m")


# --- kernels (plain-Python twins in tests/models/hazards/test_barrier_lake.py) -------------------


@numba.njit(cache=True)
def mark_upstream(order, receiver, source, out):  # pragma: no cover - compiled
    """``out[k]`` = whether the receiver path from ``k`` (itself included) meets a ``source`` cell.

    ``order`` lists every cell before its receiver (:func:`models.terrain.analysis.drainage_order`).
    """
    for t in range(order.size - 1, -1, -1):
        k = order[t]
        r = receiver[k]
        out[k] = source[k] or (r >= 0 and out[r])


@numba.njit(cache=True)
def flood_lake(bed, basin, seed, nx, ny, top_m, join, order):  # pragma: no cover - compiled
    """Priority-Flood from ``seed`` over 8 neighbours: join levels of the lake cells.

    Cells pop in order of ``key = max(bed, key of the cell that reached them)``, the level at
    which they join the lake. Stops at the first key ``>= top_m`` or at the first cell outside
    ``basin`` (water past the dam). Writes ``join`` (NaN untouched) and ``order`` for the first
    ``count`` cells; returns ``(count, spill_m)`` with ``spill_m = inf`` if no cell outside the
    basin was reached below ``top_m``.
    """
    n = nx * ny
    closed = np.zeros(n, dtype=np.bool_)
    keys = np.empty(n, dtype=np.float64)
    items = np.empty(n, dtype=np.int64)
    size = heap_push(keys, items, 0, bed[seed], seed)
    closed[seed] = True
    count = 0
    spill = np.inf
    while size > 0:
        key = keys[0]
        k = items[0]
        size = heap_pop(keys, items, size)
        if key >= top_m:
            break
        if not basin[k]:
            spill = key
            break
        join[k] = key
        order[count] = k
        count += 1
        r = k // nx
        c = k - r * nx
        for d in range(8):
            rr = r + D8_DROW[d]
            cc = c + D8_DCOL[d]
            if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                continue
            m = rr * nx + cc
            if not closed[m]:
                closed[m] = True
                size = heap_push(keys, items, size, max(bed[m], key), m)
    return count, spill


# --- the dam and its basin -----------------------------------------------------------------------


@dataclass(frozen=True)
class Dam:
    """A landslide dam as the ``"landslide_dam"`` event describes it (see :data:`DAM_KEYS`)."""

    row: int
    col: int
    crest_elevation_m: float
    dam_height_m: float
    volume_m3: float = math.nan
    dam_length_m: float = math.nan
    dam_width_m: float = math.nan

    @classmethod
    def from_event_data(cls, data: dict[str, Any], shape: tuple[int, int]) -> Dam:
        """Validate an event's data; ``ValueError`` says which key is wrong and what is expected.

        Examples
        --------
        >>> data = {"row": 2, "col": 3, "crest_elevation_m": 120.0, "dam_height_m": 20}
        >>> Dam.from_event_data(data, (5, 5)).col
        3
        """
        missing = [k for k in DAM_KEYS[:4] if k not in data]
        if missing:
            raise ValueError(
                f"the dam event's data lacks {', '.join(missing)} (it needs {', '.join(DAM_KEYS)})"
            )
        try:
            vals = {k: float(data[k]) for k in DAM_KEYS if k in data}
        except (TypeError, ValueError):
            raise ValueError(f"the dam event's data must hold numbers for {', '.join(DAM_KEYS)}") from None
        row, col = vals.pop("row"), vals.pop("col")
        if row != int(row) or col != int(col) or not (0 <= row < shape[0] and 0 <= col < shape[1]):
            raise ValueError(f"dam cell (row {row:g}, col {col:g}) is not a cell of the grid {shape}")
        if not (math.isfinite(vals["crest_elevation_m"]) and vals["dam_height_m"] > 0):
            raise ValueError("the dam needs a finite crest_elevation_m and dam_height_m > 0")
        return cls(int(row), int(col), **vals)


@dataclass(frozen=True)
class DamSite:
    """Where a dam sits in the pre-slide drainage.

    Attributes
    ----------
    seed
        ``(row, col)`` of the first channel cell above the deposit: where the lake starts.
    outlet
        ``(row, col)`` of the first channel cell below the deposit: where the breach flood enters.
    basin
        ``(ny, nx)`` bool: cells whose pre-slide D8 path meets the deposit or the dam cell.
    """

    seed: tuple[int, int]
    outlet: tuple[int, int]
    basin: np.ndarray


def locate_dam_site(
    terrain_m: np.ndarray,
    debris_m: np.ndarray | None,
    row: int,
    col: int,
    cell_size_m: float,
    *,
    max_reach_m: float | None = None,
) -> DamSite:
    """Seed, outlet and basin of a dam at ``(row, col)`` from D8 on the pre-slide terrain.

    The deposit is the 8-connected patch of ``debris_m > 0`` holding the dam cell (other
    slides' debris elsewhere does not count), cut to the cells within ``max_reach_m`` of the
    dam cell when given: after a strong earthquake debris can line the river for kilometres,
    and only the dam's own length of it holds the lake. The seed is found by walking the river upstream
    (the donor with the largest contributing area) until leaving the deposit; the outlet by
    following the receivers downstream past it (or to the grid's edge).

    Examples
    --------
    >>> z = np.add.outer(np.abs(np.arange(5.0) - 2), 10.0 - np.arange(8.0))  # a V draining east
    >>> debris = np.zeros_like(z); debris[:, 4] = 5.0
    >>> s = locate_dam_site(z, debris, 2, 4, 10.0)
    >>> s.seed, s.outlet, bool(s.basin[2, 0]), bool(s.basin[2, 6])
    ((2, 3), (2, 5), True, False)
    """
    ny, nx = terrain_m.shape
    drainage = route_flow(terrain_m, cell_size_m)
    receiver = drainage.receiver.ravel()
    dam = row * nx + col
    deposit = np.zeros(ny * nx, dtype=bool)
    if debris_m is not None and debris_m[row, col] > 0:
        near = debris_m > 0
        if max_reach_m is not None:
            rr, cc = np.ogrid[:ny, :nx]
            near &= np.hypot(rr - row, cc - col) * cell_size_m <= max_reach_m
        labels, _ = ndimage.label(near, structure=np.ones((3, 3), dtype=int))
        deposit = (labels == labels[row, col]).ravel()
    source = deposit.copy()
    source[dam] = True
    basin = np.zeros(ny * nx, dtype=np.bool_)
    mark_upstream(drainage_order(drainage.filled_m, drainage.flat_steps), receiver, source, basin)
    acc = drainage.accumulation_m2.ravel()
    k = dam
    while True:
        r, c = divmod(k, nx)
        donors = [
            m
            for d in range(8)
            if 0 <= (rr := r + int(D8_DROW[d])) < ny
            and 0 <= (cc := c + int(D8_DCOL[d])) < nx
            and receiver[m := rr * nx + cc] == k
        ]
        if not donors:
            if k == dam:
                raise ValueError(f"no cell drains into the dam cell ({row}, {col}): it impounds nothing")
            break
        k = max(donors, key=lambda m: acc[m])
        if not deposit[k]:
            break
    seed = k
    k = dam
    while receiver[k] >= 0:
        k = int(receiver[k])
        if not deposit[k]:
            break
    return DamSite(divmod(seed, nx), divmod(k, nx), basin.reshape(ny, nx))


# --- storage curve ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LakeStorage:
    """Storage–elevation curve of a barrier lake and the level at which each cell joins it.

    Attributes
    ----------
    level_m, volume_m3
        Breakpoints of the piecewise-linear ``V(z)``: levels non-decreasing (a repeated level
        is a jump, a pit joining behind a sill), volumes strictly increasing. Between two
        breakpoints the slope ``dV/dz`` is the lake area.
    top_m
        Highest level: the crest, or lower where water first passes the dam (``spill_m``).
    top_area_m2
        Lake area just below ``top_m``; the curve is extended above it with this area.
    spill_m
        Level at which the flood fill first left the dam's basin; ``inf`` if not below the crest.
    join_level_m
        ``(ny, nx)``: level above which a cell is under the lake, ``inf`` if never below
        ``top_m`` (``None`` for a curve given as a table).
    """

    level_m: np.ndarray
    volume_m3: np.ndarray
    top_m: float
    top_area_m2: float
    spill_m: float = math.inf
    join_level_m: np.ndarray | None = None

    @property
    def capacity_m3(self) -> float:
        """Volume at ``top_m``: what the lake holds when it overtops."""
        return float(self.volume_m3[-1])

    def _segment(self, level_m: float) -> int:
        """Index of the last breakpoint at or below ``level_m`` (−1 below the table)."""
        return int(np.searchsorted(self.level_m, level_m, side="right")) - 1

    def area_at(self, level_m: float) -> float:
        """Lake area at level ``z``: the slope of ``V(z)`` just above it."""
        z, v = self.level_m, self.volume_m3
        i = self._segment(level_m)
        if i < 0:
            return 0.0
        return self.top_area_m2 if i >= z.size - 1 else float((v[i + 1] - v[i]) / (z[i + 1] - z[i]))

    def volume_at(self, level_m: float) -> float:
        """``V(z)``; 0 below the lowest bed; extended above ``top_m`` with the top area."""
        i = self._segment(level_m)
        if i < 0:
            return 0.0
        return float(self.volume_m3[i] + self.area_at(level_m) * (level_m - self.level_m[i]))

    def level_at(self, volume_m3: float) -> float:
        """``z(V)`` by linear interpolation; extended with the end areas outside the table."""
        z, v = self.level_m, self.volume_m3
        if volume_m3 > v[-1]:
            return float(z[-1] + (volume_m3 - v[-1]) / self.top_area_m2)
        if volume_m3 < 0.0 and v.size > 1:
            return float(z[0] + volume_m3 * (z[1] - z[0]) / (v[1] - v[0]))
        return float(np.interp(volume_m3, v, z))


def lake_storage(
    bed_m: np.ndarray, seed: tuple[int, int], basin: np.ndarray, crest_m: float, cell_size_m: float
) -> LakeStorage:
    """Storage curve of the lake held at ``seed`` below ``crest_m`` within ``basin`` (one pass).

    Examples
    --------
    >>> bed = np.full((5, 6), 50.0); bed[1:4, 1:4] = 10.0; bed[2, 4] = 30.0; bed[2, 5] = 10.0
    >>> basin = np.ones((5, 6), bool); basin[2, 5] = False            # past the dam at (2, 4)
    >>> s = lake_storage(bed, (2, 3), basin, 30.0, 10.0)               # 9 cells of 100 m²
    >>> s.capacity_m3, s.volume_at(20.0), s.level_at(9000.0), s.spill_m
    (18000.0, 9000.0, 20.0, inf)
    """
    bed = np.ascontiguousarray(bed_m, dtype=np.float64)
    ny, nx = bed.shape
    join = np.full(ny * nx, np.inf)
    order = np.empty(ny * nx, dtype=np.int64)
    seed_k = seed[0] * nx + seed[1]
    count, spill = flood_lake(
        bed.ravel(), np.ascontiguousarray(basin, dtype=np.bool_).ravel(), seed_k, nx, ny, float(crest_m),
        join, order,
    )  # fmt: skip
    top = min(float(crest_m), float(spill))
    a = float(cell_size_m) ** 2
    popped, count = count, int(np.searchsorted(join[order[:count]], top, side="left"))
    join[order[count:popped]] = np.inf  # cells joining at the spill level itself stay dry
    cells = order[:count]
    j, b = join[cells], bed.ravel()[cells]
    if count == 0:
        level, volume = np.array([top]), np.array([0.0])
    else:
        k = np.arange(count, dtype=np.float64)
        rise = np.diff(j, prepend=j[0]) * k * a  # k cells already under water below j[k]
        jump = (j - b) * a  # cell k joins behind a sill with this much water
        inc = np.column_stack((rise, jump)).ravel()
        level = np.append(np.repeat(j, 2), top)
        volume = np.append(np.cumsum(inc), 0.0)
        volume[-1] = volume[-2] + count * a * (top - j[-1])
        keep = np.concatenate(([True], np.diff(volume) > 0.0))
        level, volume = level[keep], volume[keep]
    return LakeStorage(level, volume, top, max(count, 1) * a, float(spill), join.reshape(ny, nx))


def lake_depth_m(
    storage: LakeStorage, bed_m: np.ndarray, level_m: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Water depth ``level − bed`` on the lake's cells, 0 elsewhere (written into ``out`` if given)."""
    if storage.join_level_m is None:
        raise ValueError("this storage curve was given as a table: it has no lake cells")
    depth = np.where(storage.join_level_m < level_m, level_m - bed_m, 0.0)
    if out is None:
        return depth
    out[...] = depth
    return out


def time_to_overtopping_s(capacity_m3: float, net_inflow_m3_s: float) -> float:
    """Time for a constant net inflow to fill the lake: ``V(top) / (Q_in − Q_seep)``; inf if never.

    Examples
    --------
    >>> time_to_overtopping_s(3.6e6, 100.0)
    36000.0
    """
    if capacity_m3 <= 0.0:
        return 0.0
    return capacity_m3 / net_inflow_m3_s if net_inflow_m3_s > 0.0 else math.inf


# --- breach ---------------------------------------------------------------------------------------


def froehlich_1995_peak_outflow_m3_s(volume_m3: float, head_m: float) -> float:
    """Froehlich (1995a) peak breach outflow ``0.607 Vw^0.295 Hw^1.24`` (SI).

    Examples
    --------
    >>> round(froehlich_1995_peak_outflow_m3_s(1.0e6, 10.0), 1)
    621.1
    """
    a, b, c = FROEHLICH_1995_PEAK
    return a * max(volume_m3, 0.0) ** b * max(head_m, 0.0) ** c


def froehlich_2008_breach(
    volume_m3: float, height_m: float, failure_mode: Literal["overtopping", "piping"] = "overtopping"
) -> tuple[float, float, float]:
    """Froehlich (2008) ``(average width m, side slope H:V, formation time s)``.

    Examples
    --------
    >>> w, z, tf = froehlich_2008_breach(1.0e6, 10.0)
    >>> round(w, 1), z, round(tf)
    (32.0, 1.0, 2018)
    """
    ko, slope = FROEHLICH_2008_OVERTOPPING if failure_mode == "overtopping" else FROEHLICH_2008_PIPING
    width = 0.27 * ko * volume_m3**0.32 * height_m**0.04
    return width, slope, 63.2 * math.sqrt(volume_m3 / (G * height_m * height_m))


def weir_outflow_m3_s(head_m: float, bottom_width_m: float, side_slope: float) -> float:
    """Critical-flow discharge of a trapezoidal breach: rectangular plus triangular parts.

    Examples
    --------
    >>> round(weir_outflow_m3_s(2.0, 10.0, 0.0), 2), round(weir_outflow_m3_s(2.0, 0.0, 1.0), 3)
    (48.22, 7.172)
    """
    if head_m <= 0.0:
        return 0.0
    return (
        RECTANGULAR_WEIR_COEFF * bottom_width_m + TRIANGULAR_WEIR_COEFF * side_slope * head_m
    ) * head_m**1.5


@dataclass(frozen=True)
class BreachParameters:
    """A trapezoidal breach from ``top_m`` down to ``bottom_m`` formed in ``formation_time_s``."""

    top_m: float
    bottom_m: float
    volume_m3: float
    average_width_m: float
    bottom_width_m: float
    side_slope: float
    formation_time_s: float

    @property
    def depth_m(self) -> float:
        """Breach height ``hb``."""
        return self.top_m - self.bottom_m


def breach_parameters(
    storage: LakeStorage,
    top_m: float,
    bottom_m: float,
    *,
    formation_time_s: float | None = None,
    average_width_m: float | None = None,
) -> BreachParameters:
    """Froehlich (2008) overtopping breach of the lake, with optional overrides.

    ``Vw`` is the lake volume between the breach bottom and ``top_m``; the bottom width is
    ``B_avg − z hb`` (0 if negative: a V-shaped breach).
    """
    if not bottom_m < top_m:
        raise ValueError(f"breach bottom {bottom_m} m must lie below its top {top_m} m")
    depth = top_m - bottom_m
    volume = storage.volume_at(top_m) - storage.volume_at(bottom_m)
    width, slope, tf = froehlich_2008_breach(max(volume, 1.0), depth)
    width = average_width_m if average_width_m is not None else width
    tf = max(formation_time_s if formation_time_s is not None else tf, 1.0)
    return BreachParameters(top_m, bottom_m, volume, width, max(width - slope * depth, 0.0), slope, tf)


@dataclass(frozen=True)
class BreachHydrograph:
    """Outflow and lake state from the breach's start (``t_s = 0``).

    ``released_volume_m3`` is the integral of the outflow as the scheme computed it, so that
    ``volume_m3[0] − volume_m3[-1] + net inflow × t_s[-1] = released_volume_m3`` to rounding.
    """

    model: str
    t_s: np.ndarray
    outflow_m3_s: np.ndarray
    volume_m3: np.ndarray
    level_m: np.ndarray
    released_volume_m3: float

    @property
    def peak_outflow_m3_s(self) -> float:
        """Largest outflow."""
        return float(self.outflow_m3_s.max())

    @property
    def time_to_peak_s(self) -> float:
        """Time of the largest outflow after the breach started."""
        return float(self.t_s[int(np.argmax(self.outflow_m3_s))])


def _equilibrium_volume(storage: LakeStorage, p: BreachParameters, q_in: float) -> float:
    """Lake volume at which the finished breach passes exactly ``q_in``."""
    if q_in <= 0.0:
        return storage.volume_at(p.bottom_m)
    if p.bottom_width_m <= 0.0 and p.side_slope <= 0.0:
        return math.inf
    lo, hi = 0.0, 1.0
    while weir_outflow_m3_s(hi, p.bottom_width_m, p.side_slope) < q_in:
        hi *= 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if weir_outflow_m3_s(mid, p.bottom_width_m, p.side_slope) < q_in else (lo, mid)
    return storage.volume_at(p.bottom_m + hi)


def simulate_weir_breach(
    storage: LakeStorage,
    params: BreachParameters,
    *,
    net_inflow_m3_s: float = 0.0,
    steps_per_formation: int = 400,
    drain_tolerance: float = 1e-3,
    max_duration_factor: float = 100.0,
) -> BreachHydrograph:
    """Parametric breach growing linearly over ``tf``, weir outflow, lake level from ``storage``.

    RK4 on the lake volume: ``tf / steps_per_formation`` during formation, then steps of 1 % of
    the elapsed time. Ends after ``tf`` once the volume above the equilibrium with the inflow is
    below ``drain_tolerance`` of its start, or at ``max_duration_factor × tf``.
    """
    top, depth, tf = params.top_m, params.depth_m, params.formation_time_s
    b, z = params.bottom_width_m, params.side_slope
    q_in = max(net_inflow_m3_s, 0.0)

    def outflow(volume: float, t: float) -> float:
        f = min(t / tf, 1.0)
        return weir_outflow_m3_s(storage.level_at(volume) - (top - depth * f), b * f, z)

    v0 = storage.volume_at(top)
    v_eq = min(_equilibrium_volume(storage, params, q_in), v0)
    h0 = tf / steps_per_formation
    t, v, released = 0.0, v0, 0.0
    ts, qs, vs = [0.0], [outflow(v0, 0.0)], [v0]
    while True:
        h = h0 if t < tf else max(h0, 0.01 * t)
        if t < tf:
            h = min(h, tf - t)
        q1 = outflow(v, t)
        q2 = outflow(v + 0.5 * h * (q_in - q1), t + 0.5 * h)
        q3 = outflow(v + 0.5 * h * (q_in - q2), t + 0.5 * h)
        q4 = outflow(v + h * (q_in - q3), t + h)
        q_bar = (q1 + 2.0 * q2 + 2.0 * q3 + q4) / 6.0
        v += h * (q_in - q_bar)
        released += h * q_bar
        t = tf if abs(t + h - tf) < 1e-9 * tf else t + h
        ts.append(t)
        qs.append(outflow(v, t))
        vs.append(v)
        if t >= tf and (v - v_eq <= drain_tolerance * (v0 - v_eq) or t >= max_duration_factor * tf):
            break
    vol = np.array(vs)
    level = np.array([storage.level_at(x) for x in vs])
    return BreachHydrograph("froehlich2008_weir", np.array(ts), np.array(qs), vol, level, released)


def triangular_breach(
    storage: LakeStorage, params: BreachParameters, *, net_inflow_m3_s: float = 0.0, samples: int = 201
) -> BreachHydrograph:
    """Froehlich (1995a) peak as a triangle releasing ``Vw`` over the base flow, peak at ``tf``.

    The base time is ``2 Vw / (Qp − Q_base)``; the peak comes at ``tf`` or half the base time,
    whichever is earlier.
    """
    q_in = max(net_inflow_m3_s, 0.0)
    vw = max(params.volume_m3, 0.0)
    amp = max(froehlich_1995_peak_outflow_m3_s(vw, params.depth_m) - q_in, 0.0)
    base = 2.0 * vw / amp if amp > 0.0 else params.formation_time_s
    t_peak = min(params.formation_time_s, 0.5 * base)
    t = np.union1d(np.linspace(0.0, base, samples), [t_peak])
    extra = np.interp(t, [0.0, t_peak, base], [0.0, amp, 0.0])
    released_extra = np.concatenate(([0.0], np.cumsum(0.5 * (extra[1:] + extra[:-1]) * np.diff(t))))
    vol = storage.volume_at(params.top_m) - released_extra
    level = np.array([storage.level_at(x) for x in vol])
    released = float(released_extra[-1] + q_in * t[-1])
    return BreachHydrograph("froehlich1995_triangle", t, extra + q_in, vol, level, released)


def thin_hydrograph(
    t_s: np.ndarray, q_m3_s: np.ndarray, max_points: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` samples: half even in time, half even in released volume, the peak.

    Examples
    --------
    >>> t = np.linspace(0.0, 100.0, 1001); q = np.interp(t, [0, 20, 100], [0, 50, 0])
    >>> tt, qq = thin_hydrograph(t, q, 50)
    >>> len(tt) <= 50, float(qq.max())
    (True, 50.0)
    """
    if t_s.size <= max_points:
        return t_s.copy(), q_m3_s.copy()
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (q_m3_s[1:] + q_m3_s[:-1]) * np.diff(t_s))))
    n_t = (max_points - 3) // 2
    by_time = np.searchsorted(t_s, np.linspace(t_s[0], t_s[-1], n_t))
    by_volume = np.searchsorted(cum, np.linspace(0.0, cum[-1], max_points - 3 - n_t))
    idx = np.unique(np.concatenate((by_time, by_volume, [0, int(np.argmax(q_m3_s)), t_s.size - 1])))
    idx = idx[idx < t_s.size]
    return t_s[idx], q_m3_s[idx]


# --- the process ----------------------------------------------------------------------------------

BREACH_MODELS = ("froehlich2008_weir", "froehlich1995_triangle")


class BarrierLakeConfig(ProcessConfig):
    """``[[hazards]] model = "barrier_lake"``, started by a chain rule on ``"landslide_dam"``."""

    model: Literal["barrier_lake"] = "barrier_lake"
    inflow_m3_s: float | None = Field(None, ge=0, description="constant river inflow into the lake")
    runoff_mm_per_h: float | None = Field(
        None, ge=0, description="runoff rate over the dam's contributing area (flow_accumulation_m2)"
    )
    seepage_m3_s: float = Field(
        0.0, ge=0, description="constant seepage through the dam (at most the inflow)"
    )
    breach_model: Literal["froehlich2008_weir", "froehlich1995_triangle"] = Field(
        "froehlich2008_weir", description="parametric weir breach, or Froehlich 1995 peak as a triangle"
    )
    breach_depth_fraction: float = Field(
        1.0, gt=0, le=1, description="share of dam_height_m the breach erodes (landslide dams: often < 1)"
    )
    formation_time_s: float | None = Field(
        None, gt=0, description="breach formation time; default Froehlich 2008"
    )
    breach_width_m: float | None = Field(
        None, gt=0, description="average breach width; default Froehlich 2008"
    )
    breach_dt_s: float = Field(60.0, gt=0, description="time step of the lake field while it drains")
    min_lake_volume_m3: float = Field(
        1.0e4, ge=0, description="a lake holding less than this spills over its dam without breaching it"
    )
    hydrograph_points: int = Field(200, ge=10, le=2000, description="most points of the event's hydrograph")

    @model_validator(mode="after")
    def _one_inflow(self) -> BarrierLakeConfig:
        if (self.inflow_m3_s is None) == (self.runoff_mm_per_h is None):
            raise ValueError("give exactly one of inflow_m3_s = ... or runoff_mm_per_h = ...")
        return self


@register
class BarrierLake(Process):
    """A lake filling behind a landslide dam, its overtopping and the breach outflow hydrograph.

    Started by a chain rule on ``"landslide_dam"``; the dam is that event's data (keys in
    :data:`DAM_KEYS`). Emits ``"lake_overtopping"`` (cause: the dam event) at the dam, then at
    once ``"dam_breach"`` (cause: the overtopping) just below the deposit on the river, with
    the hydrograph (times from the breach) for a flood model to route. ``lake_depth_m`` shows
    the lake filling every ``dt_s`` and draining every ``breach_dt_s``.
    """

    model_name = "barrier_lake"
    family = "hazards"
    Config = BarrierLakeConfig
    default_dt_s = 600.0
    reads = (
        FieldSpec("terrain_m", "m", "ground elevation before the landslide"),
        FieldSpec("landslide_debris_m", "m", "landslide deposit thickness (the dam)", optional=True),
        FieldSpec("flow_accumulation_m2", "m2", "contributing area (for runoff_mm_per_h)", optional=True),
    )
    writes = (FieldSpec("lake_depth_m", "m", "barrier lake water depth", record=True),)
    emits = ("lake_overtopping", "dam_breach")

    @classmethod
    def check(cls, config: BarrierLakeConfig, scenario: Any, key: str) -> None:
        """A chain rule on ``"landslide_dam"`` must start it; scenario dam events must be valid."""
        name = config.name or cls.model_name
        rules = [(i, r) for i, r in enumerate(scenario.chains) if r.start == name]
        fix = f'add [[chains]] when = "landslide_dam", start = "{name}"'
        if not rules:
            raise ScenarioError(f"the lake needs a dam: no chain rule starts it; {fix}", key=f"{key}.model")
        for i, rule in rules:
            if rule.when != "landslide_dam":
                raise ScenarioError(
                    f'"{name}" reads its dam from a "landslide_dam" event; {fix}', key=f"chains[{i}].when"
                )
        if config.start_s is not None:
            raise ScenarioError("the lake starts when its dam forms; remove start_s", key=f"{key}.start_s")
        provided = {layer.name for layer in scenario.layers} | {
            f.name for p in scenario.processes for f in p.cls.writes
        }
        if config.runoff_mm_per_h is not None and "flow_accumulation_m2" not in provided:
            raise ScenarioError(
                'runoff_mm_per_h needs the field "flow_accumulation_m2" (the terrain model writes it); '
                "add it or give inflow_m3_s",
                key=f"{key}.runoff_mm_per_h",
            )
        shape = (scenario.grid.ny, scenario.grid.nx)
        for i, ev in enumerate(scenario.events):
            if ev.kind == "landslide_dam":
                try:
                    Dam.from_event_data(dict(ev.data), shape)
                except ValueError as exc:
                    raise ScenarioError(str(exc), key=f"events[{i}].data") from None

    # -- life cycle ---------------------------------------------------------------------------
    def _dam_event(self):
        event = self.trigger_event()
        if event is None or event.kind != "landslide_dam":
            what = "the scenario" if event is None else f'a "{event.kind}" event'
            raise ValueError(f'"{self.name}" must be started by a "landslide_dam" event, not by {what}')
        return event

    def start(self, t_s: float) -> None:
        """Locate the dam, build the storage curve and start filling."""
        cfg: BarrierLakeConfig = self.config  # type: ignore[assignment]
        grid, layers = self.world.grid, self.world.grid.layers
        event = self._dam_event()
        self.dam_event_id, self.t_dam_s = event.id, event.time_s
        self.dam = Dam.from_event_data(event.data, grid.shape)
        terrain = layers["terrain_m"].data
        debris = layers["landslide_debris_m"].data if "landslide_debris_m" in layers else None
        self.bed = terrain + debris if debris is not None else terrain.copy()
        reach = self.dam.dam_length_m if math.isfinite(self.dam.dam_length_m) else None
        self.site = locate_dam_site(
            terrain, debris, self.dam.row, self.dam.col, grid.cell_size_m, max_reach_m=reach
        )
        self.storage = lake_storage(
            self.bed, self.site.seed, self.site.basin, self.dam.crest_elevation_m, grid.cell_size_m
        )
        if cfg.inflow_m3_s is not None:
            self.inflow_m3_s = cfg.inflow_m3_s
        else:
            area = float(layers["flow_accumulation_m2"].data[self.dam.row, self.dam.col])
            self.inflow_m3_s = cfg.runoff_mm_per_h * 1e-3 / 3600.0 * area  # type: ignore[operator]
        self.net_inflow_m3_s = max(self.inflow_m3_s - cfg.seepage_m3_s, 0.0)
        self.volume_m3, self.max_volume_m3 = 0.0, 0.0
        self.phase, self.t_overtop_s, self.hydrograph = "filling", math.nan, None
        self.max_depth_m = np.zeros(grid.shape)
        self._publish(self.storage.level_at(0.0))
        if self.storage.capacity_m3 <= 0.0:
            self._overtop(t_s)

    def next_dt_s(self) -> float | None:
        """Fill steps of ``dt_s``, shortened to land on the overtopping; drain steps; then none."""
        if self.phase == "filling":
            left = time_to_overtopping_s(self.storage.capacity_m3 - self.volume_m3, self.net_inflow_m3_s)
            if not left < self.dt_s:  # type: ignore[operator]
                return self.dt_s
            return max(math.ceil(left * 1e6) / 1e6, 1e-6)  # whole microseconds, not before the instant
        if self.phase == "breach":
            return self.config.breach_dt_s  # type: ignore[attr-defined]
        return None

    def advance(self, t_s: float, dt_s: float) -> None:
        """Fill the lake, or drain it along the breach solution."""
        if self.phase == "filling":
            self.volume_m3 += self.net_inflow_m3_s * dt_s
            if self.volume_m3 >= self.storage.capacity_m3 - 1e-6 * self.net_inflow_m3_s:
                self.volume_m3 = self.storage.capacity_m3
                self._overtop(t_s)
            else:
                self._publish(self.storage.level_at(self.volume_m3))
        elif self.phase == "breach":
            h = self.hydrograph
            tau = t_s - self.t_overtop_s
            self.volume_m3 = float(np.interp(tau, h.t_s, h.volume_m3))
            self._publish(self.storage.level_at(self.volume_m3))
            if tau >= h.t_s[-1]:
                self.phase = "drained"

    def _publish(self, level_m: float) -> None:
        depth = self.world.grid.layers["lake_depth_m"].data
        lake_depth_m(self.storage, self.bed, level_m, out=depth)
        np.maximum(self.max_depth_m, depth, out=self.max_depth_m)
        self.max_volume_m3 = max(self.max_volume_m3, self.volume_m3)
        self.world.grid.layers["lake_depth_m"].cause_event_id = self.dam_event_id

    def _overtop(self, t_s: float) -> None:
        cfg: BarrierLakeConfig = self.config  # type: ignore[assignment]
        grid, st, dam = self.world.grid, self.storage, self.dam
        self.t_overtop_s = t_s
        self.volume_m3 = st.capacity_m3
        self._publish(st.top_m)
        j = st.join_level_m
        over_id = self.emit(
            "lake_overtopping",
            cause_id=self.dam_event_id,
            x_m=float(grid.x_m[dam.col]),
            y_m=float(grid.y_m[dam.row]),
            data={
                "lake_level_m": st.top_m,
                "lake_volume_m3": st.capacity_m3,
                "crest_elevation_m": dam.crest_elevation_m,
                "spill_elevation_m": st.spill_m if math.isfinite(st.spill_m) else None,
                "time_since_dam_s": t_s - self.t_dam_s,
                "lake_reaches_grid_edge": bool(
                    np.isfinite(np.concatenate((j[0], j[-1], j[:, 0], j[:, -1]))).any()
                ),
                "inflow_m3_s": self.inflow_m3_s,
            },
        )
        bottom = min(dam.crest_elevation_m - cfg.breach_depth_fraction * dam.dam_height_m, st.top_m)
        if not bottom < st.top_m or st.capacity_m3 < cfg.min_lake_volume_m3:
            # The water passes below the eroding part, or there is next to no lake (the dam
            # sits where the valley cannot hold water behind it): nothing to breach.
            self.phase = "spilling"
            return
        params = breach_parameters(
            st, st.top_m, bottom, formation_time_s=cfg.formation_time_s, average_width_m=cfg.breach_width_m
        )
        if cfg.breach_model == "froehlich2008_weir":
            hyd = simulate_weir_breach(st, params, net_inflow_m3_s=self.net_inflow_m3_s)
        else:
            hyd = triangular_breach(st, params, net_inflow_m3_s=self.net_inflow_m3_s)
        self.hydrograph, self.breach = hyd, params
        t_out, q_out = thin_hydrograph(hyd.t_s, hyd.outflow_m3_s, cfg.hydrograph_points)
        orow, ocol = self.site.outlet
        self.emit(
            "dam_breach",
            cause_id=over_id,
            x_m=float(grid.x_m[ocol]),
            y_m=float(grid.y_m[orow]),
            data={
                "hydrograph_t_s": [float(x) for x in t_out],
                "hydrograph_q_m3_s": [float(x) for x in q_out],
                "peak_outflow_m3_s": hyd.peak_outflow_m3_s,
                "time_to_peak_s": hyd.time_to_peak_s,
                "lake_volume_m3": st.capacity_m3,
                "lake_level_m": st.top_m,
                "breach_model": hyd.model,
                "released_volume_m3": hyd.released_volume_m3,
                "breach_bottom_m": params.bottom_m,
                "breach_average_width_m": params.average_width_m,
                "breach_side_slope": params.side_slope,
                "formation_time_s": params.formation_time_s,
                "peak_outflow_froehlich1995_m3_s": froehlich_1995_peak_outflow_m3_s(
                    params.volume_m3, params.depth_m
                ),
            },
        )
        self.phase = "breach"

    def finish(self, t_s: float) -> None:
        """KPIs (time to overtopping, lake volume, peak outflow) and the maximum-depth map."""
        w = self.world
        if math.isfinite(self.t_overtop_s):
            t_over = self.t_overtop_s - self.t_dam_s
        else:
            t_over = time_to_overtopping_s(self.storage.capacity_m3, self.net_inflow_m3_s)
        w.report_kpi(
            "lake_time_to_overtopping_s",
            t_over if math.isfinite(t_over) else math.nan,
            "s",
            "from the dam's formation to overtopping (projected at the inflow if after the run; NaN: never)",
        )
        w.report_kpi("lake_volume_m3", self.max_volume_m3, "m3", "largest volume the barrier lake held")
        w.report_kpi(
            "lake_capacity_m3", self.storage.capacity_m3, "m3", "lake volume at the overtopping level"
        )
        peak = self.hydrograph.peak_outflow_m3_s if self.hydrograph is not None else 0.0
        w.report_kpi(
            "breach_peak_outflow_m3_s", peak, "m3 s-1", "peak breach outflow (0: no breach in the run)"
        )
        w.add_map("max_lake_depth_m", self.max_depth_m, "m", "maximum barrier lake depth")
