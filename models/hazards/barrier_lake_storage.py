"""Barrier lake basin and storage curve: where a landslide dam sits and what it holds behind it.

Holds the two numba kernels (the upstream mark over the pre-slide D8 drainage and the
Priority-Flood fill of the lake), the dam as the ``"landslide_dam"`` event gives it
(:class:`Dam`, :data:`DAM_KEYS`), its place in the drainage (:class:`DamSite`,
:func:`locate_dam_site`), and the storage curve ``V(z)`` with the lake's depth map
(:class:`LakeStorage`, :func:`lake_storage`, :func:`lake_depth_m`). How the curve is built and
why the lake cannot leak past the dam is explained in :mod:`models.hazards.barrier_lake`, whose
:class:`~models.hazards.barrier_lake.BarrierLake` process calls these.

Sources
-------
* Barnes, R., Lehman, C., Mulla, D. (2014) Priority-flood, Comput. Geosci. 62:117-127.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from scipy import ndimage

from models.terrain.analysis import D8_DCOL, D8_DROW, drainage_order, heap_pop, heap_push, route_flow

__all__ = [
    "DAM_KEYS",
    "Dam",
    "DamSite",
    "LakeStorage",
    "flood_lake",
    "lake_depth_m",
    "lake_storage",
    "locate_dam_site",
    "mark_upstream",
]

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
