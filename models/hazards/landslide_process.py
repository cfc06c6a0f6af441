"""Earthquake-triggered landslides as a process: failures, slides, runout, deposits and dams.

The ``newmark_landslides`` process (family ``hazards``) is started by a chain rule on
``"earthquake"`` (or at ``start_s``) and acts once, at its start:

1. Newmark per cell (:mod:`models.hazards.landslides`): infinite-slope factor of safety from
   the soil constants or fields, critical acceleration, Jibson (2007) displacement from
   ``pga_g`` (eq. 7 when a magnitude is known: the ``magnitude`` key, else the triggering
   event's ``data["magnitude"]``; eq. 6 otherwise), and the failure probability.
2. Failures: by default an independent draw per cell with the Jibson et al. (2000) probability,
   from the process's own random stream (replicas differ, a seed repeats). With
   ``failure_model = "critical_displacement"`` a cell fails where its displacement reaches
   ``critical_displacement_cm`` (deterministic; 5–10 cm are the usual choices in the
   literature [recalled, not checked]). Cells flatter than ``min_slope_deg`` and river cells
   never fail.
3. Slides: 8-connected groups of failed cells, volume = Σ cell area × slab thickness / cos α.
4. Runout: the energy-line rule with the reach ratio ``H/L`` of a published volume–mobility
   fit (``runout_relation``; default Corominas 1996, debris slides/avalanches, all paths)
   along the D8 path from the slide's crown. The debris, its volume times ``bulking_factor``,
   is spread uniformly over the path's deposit stretch (beyond the peak of the kinetic head)
   widened to the slide's width: ``landslide_debris_m`` conserves the volume exactly.
5. Dams: when the runout path reaches a river cell and the deposit holds at least
   ``dam_min_volume_m3``, the debris is placed instead as a dam on the first river cell it
   reaches: a prism as long along the channel as the slide is wide, filling the valley section
   up to the crest that holds the whole deposit volume (:func:`landslide_dam`). A dam lower than
   ``dam_min_height_m`` is not counted (the debris is spread as in 4); these two thresholds are
   our documented choices, not a published criterion (the published geomorphic indices, e.g.
   the Dimensionless Blockage Index of Ermini & Casagli 2003, judge a dam's *stability*
   once formed, and their thresholds were not verified here).

Events: one ``"landslide"`` per slide at its centroid (cause: the triggering event, normally
the earthquake) with data ``{volume_m3, area_m2, runout_m, deposit_volume_m3, reach_ratio,
cells, dam}``, each followed, if it dams the river, by a ``"landslide_dam"`` (cause: that
landslide event) at the dam cell's centre with data ``{row, col, crest_elevation_m,
dam_height_m, volume_m3, dam_length_m, dam_width_m, bed_elevation_m, catchment_area_m2}``.

Approximations (stated once here): the D8 path follows the channel downstream after reaching
it (real debris crosses the valley and runs up the far wall); each slide runs out on the
original terrain (deposits of other slides are not in its way); debris thickness is uniform
over a deposit; the dam's faces are vertical (a prism), so its height is a lower bound for a
dam of the same volume with sloping faces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field, model_validator
from scipy import ndimage

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.hazards.landslides import (
    DEFAULT_BULKING_FACTOR,
    WATER_UNIT_WEIGHT_N_M3,
    critical_acceleration_g,
    deposit_footprint,
    energy_line_runout,
    factor_of_safety,
    failure_probability,
    group_slides,
    newmark_displacement_cm,
    reach_ratio,
    sample_failures,
)
from models.terrain.analysis import D8_DCOL, D8_DROW, route_flow

__all__ = [
    "LandslideDam",
    "NewmarkLandslides",
    "NewmarkLandslidesConfig",
    "channel_direction",
    "landslide_dam",
]

#: Soil constants a scenario may give as fields instead (name = config key = field name, units).
SOIL_FIELDS: dict[str, str] = {
    "cohesion_Pa": "Pa",
    "friction_angle_deg": "degree",
    "unit_weight_N_m3": "N m-3",
    "failure_depth_m": "m",
    "saturated_fraction": "1",
}


# ---------------------------------------------------------------------------------------------
# Landslide dam geometry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandslideDam:
    """A landslide dam across a valley (see :func:`landslide_dam`).

    Attributes
    ----------
    row, col
        The dam cell: the river cell the debris reached first.
    bed_elevation_m
        Ground (channel bed) elevation at the dam cell.
    crest_elevation_m, height_m
        Crest elevation and its height above the bed.
    length_m
        Extent along the river (the flow direction), as landslide-dam inventories measure it.
    width_m
        Crest width across the valley, between the walls on the section through the dam cell.
    volume_m3
        Debris volume in the dam.
    thickness_m
        ``(ny, nx)`` debris thickness of the dam body (crest minus ground, 0 outside).
    """

    row: int
    col: int
    bed_elevation_m: float
    crest_elevation_m: float
    height_m: float
    length_m: float
    width_m: float
    volume_m3: float
    thickness_m: np.ndarray


@dataclass
class _DamSite:
    """A dam being built: its river cell, the slides in it, its length and geometry."""

    cell: int
    members: list[int]
    length_m: float
    geometry: LandslideDam


def channel_direction(
    receiver: np.ndarray, accumulation_m2: np.ndarray, row: int, col: int, steps: int = 3
) -> tuple[float, float]:
    """Unit vector ``(east, north)`` of the channel through a cell.

    From the cell ``steps`` donors upstream (following the donor with the largest contributing
    area) to the cell ``steps`` receivers downstream; ``(1, 0)`` for an isolated cell.

    Examples
    --------
    >>> rec = np.array([[-1, 0, 1, 2, 3]])  # a row draining west
    >>> channel_direction(rec, np.array([[5.0, 4, 3, 2, 1]]), 0, 2)
    (-1.0, 0.0)
    """
    rec = np.asarray(receiver).ravel()
    acc = np.asarray(accumulation_m2, dtype=np.float64).ravel()
    ny, nx = np.shape(receiver)
    down = row * nx + col
    for _ in range(steps):
        if rec[down] < 0:
            break
        down = int(rec[down])
    up = row * nx + col
    for _ in range(steps):
        r, c = divmod(up, nx)
        rr, cc = r + D8_DROW, c + D8_DCOL
        ok = (rr >= 0) & (rr < ny) & (cc >= 0) & (cc < nx)
        nb = rr[ok] * nx + cc[ok]
        donors = nb[rec[nb] == up]
        if donors.size == 0:
            break
        up = int(donors[np.argmax(acc[donors])])
    (r1, c1), (r0, c0) = divmod(down, nx), divmod(up, nx)
    e, n = float(c1 - c0), float(r1 - r0)
    norm = math.hypot(e, n)
    return (1.0, 0.0) if norm == 0.0 else (e / norm, n / norm)


def landslide_dam(
    terrain_m: np.ndarray,
    cell_size_m: float,
    row: int,
    col: int,
    direction_xy: tuple[float, float],
    volume_m3: float,
    length_m: float,
) -> LandslideDam | None:
    """Height of a dam of given volume filling the valley section at a river cell.

    Geometry: with ``u`` the distance along the channel (``direction_xy``) and ``v`` across it,
    both from the dam cell's centre, the dam occupies the cells with ``|u| ≤ length_m / 2``
    whose ``v`` lies between the valley walls, and fills them from the ground up to a flat
    crest ``c``. The walls are where the terrain profile across the channel through the dam
    cell (sampled every half cell, bilinear) first rises to ``c`` on either side. The crest is
    the one whose fill holds ``volume_m3`` (bisection; the fill is then scaled by a factor
    within 1e-9 of 1 so that the volume is exact). For a valley uniform along the channel this
    is ``volume_m3 = length_m × A(h)`` with ``A(h)`` the area of the valley section below the
    crest, e.g. ``A = b h + h² / tan θ`` for a trapezoid of floor ``b`` and walls at θ.

    Parameters
    ----------
    terrain_m
        Ground elevation ``(ny, nx)``.
    cell_size_m
        Side of a cell.
    row, col
        The dam cell (on the river).
    direction_xy
        Channel direction ``(east, north)`` (normalised here), e.g. :func:`channel_direction`.
    volume_m3
        Debris volume of the dam, ``> 0``.
    length_m
        Dam extent along the channel, ``> 0``.

    Returns
    -------
    LandslideDam or None
        ``None`` when a wall on one side stays below the crest up to the grid's edge (the
        valley cannot hold the debris as a dam here).

    Examples
    --------
    >>> z = np.repeat((np.abs(np.arange(9.0) - 4) * 5.0)[:, None], 5, axis=1)  # V-valley along x
    >>> d = landslide_dam(z, 10.0, 4, 2, (1.0, 0.0), 3 * 10 * 10 * 10 * 2.0, 30.0)
    >>> round(d.height_m, 6), d.length_m, round(d.width_m, 6)  # A(h) = 2 h² (walls 1:2)
    (10.0, 30.0, 40.0)
    """
    z = np.asarray(terrain_m, dtype=np.float64)
    ny, nx = z.shape
    dx = float(cell_size_m)
    if not (0 <= row < ny and 0 <= col < nx):
        raise ValueError(f"dam cell ({row}, {col}) lies outside the grid {z.shape}")
    if not (volume_m3 > 0.0 and length_m > 0.0):
        raise ValueError("volume_m3 and length_m must be > 0")
    norm = math.hypot(*direction_xy)
    if not norm > 0.0:
        raise ValueError("direction_xy must be a non-zero vector")
    te, tn = direction_xy[0] / norm, direction_xy[1] / norm
    rows, cols = np.indices(z.shape)
    east, north = (cols - col) * dx, (rows - row) * dx
    u = east * te + north * tn
    v = -east * tn + north * te  # positive to the left of the flow
    strip = np.abs(u) <= 0.5 * length_m + 1e-9 * dx
    v_strip, z_strip = v[strip], z[strip]
    z_bed = float(z[row, col])

    # terrain profile across the channel, each side, while inside the grid
    step = 0.5 * dx
    vk = step * np.arange(1, 2 * (nx + ny) + 1)
    sides = []
    for sign in (1.0, -1.0):
        rr = row + sign * vk * te / dx
        cc = col - sign * vk * tn / dx
        inside = (rr >= 0) & (rr <= ny - 1) & (cc >= 0) & (cc <= nx - 1)
        count = int(np.argmin(inside)) if not inside.all() else inside.size
        prof = ndimage.map_coordinates(z, [rr[:count], cc[:count]], order=1)
        sides.append(np.concatenate(([z_bed], prof)))

    def wall(prof: np.ndarray, crest: float) -> float | None:
        above = prof >= crest
        if not above.any():
            return None
        k = int(np.argmax(above))  # k >= 1 because prof[0] = bed < crest
        return step * (k - 1 + (crest - prof[k - 1]) / (prof[k] - prof[k - 1]))

    def fill(height: float) -> tuple[np.ndarray, float, float] | None:
        crest = z_bed + height
        left, right = wall(sides[0], crest), wall(sides[1], crest)
        if left is None or right is None:
            return None
        inside = (v_strip <= left) & (v_strip >= -right)
        return np.where(inside, np.maximum(crest - z_strip, 0.0), 0.0), left, right

    def volume(height: float) -> float:
        f = fill(height)
        return math.inf if f is None else float(f[0].sum()) * dx * dx

    lo, hi = 0.0, 1.0
    relief = float(z.max()) - z_bed
    while volume(hi) < volume_m3:
        lo, hi = hi, 2.0 * hi
        if lo > relief:
            return None
    if fill(hi) is None:
        return None
    for _ in range(200):
        if hi - lo <= 1e-12 * hi:
            break
        mid = 0.5 * (lo + hi)
        if volume(mid) < volume_m3:
            lo = mid
        else:
            hi = mid
    filled, left, right = fill(hi)  # type: ignore[misc]
    thickness = np.zeros(z.shape)
    thickness[strip] = filled * (volume_m3 / (float(filled.sum()) * dx * dx))
    return LandslideDam(
        row=int(row),
        col=int(col),
        bed_elevation_m=z_bed,
        crest_elevation_m=z_bed + float(hi),
        height_m=float(hi),
        length_m=float(length_m),
        width_m=float(left + right),
        volume_m3=float(volume_m3),
        thickness_m=thickness,
    )


# ---------------------------------------------------------------------------------------------
# The process
# ---------------------------------------------------------------------------------------------


class NewmarkLandslidesConfig(ProcessConfig):
    """``[[hazards]] model = "newmark_landslides"``; soil keys are overridden by fields of that name."""

    model: Literal["newmark_landslides"] = "newmark_landslides"
    cohesion_Pa: float = Field(5.0e3, ge=0, description="effective cohesion c′ (Pa)")
    friction_angle_deg: float = Field(32.0, ge=0, lt=90, description="effective friction angle φ′")
    unit_weight_N_m3: float = Field(18.0e3, gt=0, description="unit weight γ of the soil (N/m³)")
    failure_depth_m: float = Field(2.5, gt=0, description="slab thickness t normal to the slope")
    saturated_fraction: float = Field(0.0, ge=0, le=1, description="fraction m of the slab saturated")
    water_unit_weight_N_m3: float = Field(WATER_UNIT_WEIGHT_N_M3, gt=0, description="γw (N/m³)")
    magnitude: float | None = Field(
        None, description="moment magnitude for Jibson 2007 eq. 7; default the cause event's, else eq. 6"
    )
    failure_model: Literal["jibson2000", "critical_displacement"] = Field(
        "jibson2000", description="sample P(f) of Jibson et al. 2000, or fail where Dn ≥ critical"
    )
    critical_displacement_cm: float = Field(10.0, gt=0, description="Dn at which a cell fails (critical)")
    min_slope_deg: float = Field(10.0, ge=0, lt=90, description="flatter cells never fail")
    bulking_factor: float = Field(DEFAULT_BULKING_FACTOR, ge=1, le=2, description="deposit / source volume")
    runout_relation: Literal["corominas1996_debris", "corominas1996_translational", "scheidegger1973"] = (
        Field("corominas1996_debris", description="volume–mobility fit giving the reach ratio H/L")
    )
    max_runout_m: float = Field(20_000.0, gt=0, description="longest path followed")
    dam_min_volume_m3: float = Field(1.0e4, ge=0, description="smaller deposits reaching the river never dam")
    dam_min_height_m: float = Field(2.0, gt=0, description="lower dams are not counted (debris spread)")

    @model_validator(mode="after")
    def _critical_only_when_used(self) -> NewmarkLandslidesConfig:
        if (
            "critical_displacement_cm" in self.model_fields_set
            and self.failure_model != "critical_displacement"
        ):
            raise ValueError(
                'critical_displacement_cm applies only with failure_model = "critical_displacement"; '
                "remove it or set failure_model"
            )
        return self


@register
class NewmarkLandslides(Process):
    """Earthquake-triggered landslides: Newmark failures, slides, energy-line runout, deposits, dams."""

    model_name = "newmark_landslides"
    family = "hazards"
    Config = NewmarkLandslidesConfig
    reads = (
        FieldSpec("terrain_m", "m", "ground elevation"),
        FieldSpec("slope_deg", "degree", "ground slope"),
        FieldSpec("river_mask", "1", "1 on river cells"),
        FieldSpec("flow_accumulation_m2", "m2", "contributing area (channel direction, dam catchment)"),
        FieldSpec("pga_g", "1", "peak ground acceleration in units of g"),
        *(
            FieldSpec(n, u, f"soil {n} per cell, overrides the key", optional=True)
            for n, u in SOIL_FIELDS.items()
        ),
    )
    writes = (
        FieldSpec("landslide_probability", "1", "probability of slope failure (Jibson et al. 2000)"),
        FieldSpec("newmark_displacement_cm", "cm", "median Newmark displacement (Jibson 2007)"),
        FieldSpec(
            "landslide_debris_m", "m", "landslide deposit thickness (dams included), 0 elsewhere", record=True
        ),
    )
    emits = ("landslide", "landslide_dam")
    default_dt_s = None  # acts once, at its start

    @classmethod
    def check(cls, config: NewmarkLandslidesConfig, scenario, key: str) -> None:
        """Each soil parameter given one way only: as a key or as a field."""
        provided = {layer.name for layer in scenario.layers}
        provided.update(f.name for p in scenario.processes for f in p.cls.writes)
        for name in SOIL_FIELDS:
            if name in provided and name in config.model_fields_set:
                raise ScenarioError(
                    f'a "{name}" field is provided, so the key would be ignored; remove one of them',
                    key=f"{key}.{name}",
                )

    def _trigger_id(self) -> int:
        """The event that started this process (the earthquake), or its own cause if none."""
        ev = self.trigger_event()
        return self.cause_id if ev is None else ev.id

    def _magnitude(self, trigger: int) -> float | None:
        cfg: NewmarkLandslidesConfig = self.config  # type: ignore[assignment]
        if cfg.magnitude is not None:
            return cfg.magnitude
        if trigger >= 0:
            mag = self.world.events[trigger].data.get("magnitude")
            if isinstance(mag, int | float) and math.isfinite(mag):
                return float(mag)
        return None

    def start(self, t_s: float) -> None:
        """Fail cells, group slides, run them out, deposit the debris, dam the river; log it all."""
        cfg: NewmarkLandslidesConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        layers = grid.layers
        dx = grid.cell_size_m
        z = layers["terrain_m"].data
        slope = layers["slope_deg"].data
        soil = {n: layers[n].data if n in layers else getattr(cfg, n) for n in SOIL_FIELDS}
        trigger = self._trigger_id()
        self._rows: list[tuple[float, ...]] = []

        fs = factor_of_safety(
            slope, soil["cohesion_Pa"], soil["friction_angle_deg"], soil["unit_weight_N_m3"],
            soil["failure_depth_m"], soil["saturated_fraction"], cfg.water_unit_weight_N_m3,
        )  # fmt: skip
        ac = critical_acceleration_g(fs, slope)
        dn = newmark_displacement_cm(layers["pga_g"].data, ac, self._magnitude(trigger))
        eligible = (slope >= cfg.min_slope_deg) & ~(layers["river_mask"].data > 0.5)
        if cfg.failure_model == "jibson2000":
            prob = np.where(eligible, failure_probability(dn), 0.0)
            failed = sample_failures(prob, self.rng)
        else:
            failed = eligible & (dn >= cfg.critical_displacement_cm)
            prob = failed.astype(np.float64)
        slides = group_slides(failed, z, slope, soil["failure_depth_m"], dx)
        receiver = route_flow(z, dx).receiver
        max_steps = max(1, math.ceil(cfg.max_runout_m / dx))
        ratios = [float(reach_ratio(s.volume_m3, cfg.runout_relation)) for s in slides]
        runs = [
            energy_line_runout(z, receiver, s.crown, f, dx, max_steps)
            for s, f in zip(slides, ratios, strict=True)
        ]
        debris, dams = self._deposit(slides, runs, receiver)

        dammed = {i for d in dams for i in d.members}
        event_ids = []
        for i, (slide, run, f) in enumerate(zip(slides, runs, ratios, strict=True)):
            r, c = slide.centroid_rc
            x, y = grid.origin_x_m + (c + 0.5) * dx, grid.origin_y_m + (r + 0.5) * dx
            v_dep = slide.volume_m3 * cfg.bulking_factor
            data = {"volume_m3": slide.volume_m3, "area_m2": slide.area_m2, "runout_m": run.runout_m}
            data |= {
                "deposit_volume_m3": v_dep,
                "reach_ratio": f,
                "cells": int(slide.cells.size),
                "dam": i in dammed,
            }
            event_ids.append(self.emit("landslide", cause_id=trigger, x_m=x, y_m=y, data=data))
            self._rows.append(
                (x, y, slide.area_m2, slide.volume_m3, v_dep, run.runout_m, f, float(i in dammed))
            )
        for d in dams:  # largest first: a chain rule on "landslide_dam" sees the main dam first
            g = d.geometry
            cause = max(d.members, key=lambda i: slides[i].volume_m3)
            data = {"row": g.row, "col": g.col, "crest_elevation_m": g.crest_elevation_m}
            data |= {"dam_height_m": g.crest_elevation_m - float(z[g.row, g.col]), "volume_m3": g.volume_m3}
            data |= {
                "dam_length_m": g.length_m,
                "dam_width_m": g.width_m,
                "bed_elevation_m": float(z[g.row, g.col]),
            }
            data |= {"catchment_area_m2": float(layers["flow_accumulation_m2"].data[g.row, g.col])}
            data |= {"slides": len(d.members)}
            x, y = float(grid.x_m[g.col]), float(grid.y_m[g.row])
            self.emit("landslide_dam", cause_id=event_ids[cause], x_m=x, y_m=y, data=data)
        self._event_ids = event_ids

        layers["landslide_probability"].data[...] = prob
        layers["newmark_displacement_cm"].data[...] = dn
        layers["landslide_debris_m"].data[...] = debris
        for spec in self.writes:
            layers[spec.name].cause_event_id = trigger
        self._failed = failed

    def _deposit(self, slides, runs, receiver) -> tuple[np.ndarray, list[_DamSite]]:
        """Debris of every slide: spread along its path, or, where it reaches the river, a dam.

        Slides whose path reaches a river cell with at least ``dam_min_volume_m3`` of debris are
        dam candidates, grouped by that cell. Groups are built largest first on the terrain plus
        the debris placed so far; a group whose cell lies under a dam already built joins it (the
        dam is rebuilt with both volumes; its length along the river is the widest slide's
        width). A site that cannot hold a dam at least ``dam_min_height_m`` above the original
        bed gets its debris spread.
        """
        cfg: NewmarkLandslidesConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        layers = grid.layers
        dx, shape = grid.cell_size_m, grid.shape
        z = layers["terrain_m"].data
        river = (layers["river_mask"].data > 0.5).ravel()
        acc = layers["flow_accumulation_m2"].data
        spread = np.zeros(shape)

        river_2d = river.reshape(shape)
        self._washed_m3 = 0.0

        def spread_out(i: int) -> None:
            # Debris that does not dam the river stays on its banks: the river keeps its channel
            # open (it carries away what falls in), so only dams raise the channel bed.
            mask = deposit_footprint(shape, runs[i].deposit_cells, slides[i].width_m, dx)
            on_land = mask & ~river_2d
            v = slides[i].volume_m3 * cfg.bulking_factor
            if on_land.any():
                spread[on_land] += v / (np.count_nonzero(on_land) * dx * dx)
            else:
                self._washed_m3 += v

        sites: dict[int, list[int]] = {}
        for i, (slide, run) in enumerate(zip(slides, runs, strict=True)):
            wet = np.flatnonzero(river[run.path])
            if wet.size and slide.volume_m3 * cfg.bulking_factor >= cfg.dam_min_volume_m3:
                sites.setdefault(int(run.path[wet[0]]), []).append(i)
            else:
                spread_out(i)

        def volume(members: list[int]) -> float:
            return sum(slides[i].volume_m3 for i in members) * cfg.bulking_factor

        dams: list[_DamSite] = []
        dam_debris = np.zeros(shape)
        for cell, members in sorted(sites.items(), key=lambda kv: -volume(kv[1])):
            host = next((d for d in dams if d.geometry.thickness_m.flat[cell] > 0.0), None)
            site = host or _DamSite(cell, [], 0.0, None)  # type: ignore[arg-type]
            base = z + spread + dam_debris - (0.0 if host is None else host.geometry.thickness_m)
            row, col = divmod(site.cell, shape[1])
            length = max([site.length_m] + [slides[i].width_m for i in members])
            geom = landslide_dam(
                base,
                dx,
                row,
                col,
                channel_direction(receiver, acc, row, col),
                volume(site.members + members),
                length,
            )
            if geom is None or geom.crest_elevation_m - z[row, col] < cfg.dam_min_height_m:
                for i in members:
                    spread_out(i)
                continue
            if host is not None:
                dam_debris -= host.geometry.thickness_m
                dams.remove(host)
            dam_debris += geom.thickness_m
            dams.append(_DamSite(site.cell, site.members + members, length, geom))
        dams.sort(key=lambda d: -d.geometry.volume_m3)
        return spread + dam_debris, dams

    def finish(self, t_s: float) -> None:
        """Maps of probability, displacement, sources and debris; KPIs; the table of slides."""
        w = self.world
        layers = w.grid.layers
        area = w.grid.cell_area_m2
        w.add_map(
            "landslide_probability", layers["landslide_probability"].data, "1", "probability of failure"
        )
        w.add_map(
            "newmark_displacement_cm", layers["newmark_displacement_cm"].data, "cm", "Newmark displacement"
        )
        w.add_map("landslide_sources", self._failed.astype(np.float64), "1", "1 where a cell failed")
        debris = layers["landslide_debris_m"].data
        w.add_map("landslide_debris_m", debris, "m", "landslide deposit thickness", contours=(0.5, 2.0, 5.0))
        table = np.array(self._rows, dtype=np.float64).reshape(-1, 8)
        w.report_kpi("landslide_count", len(self._rows), "1", "slides (8-connected groups of failed cells)")
        w.report_kpi("landslide_volume_m3", table[:, 3].sum(), "m3", "source volume of all slides, in place")
        w.report_kpi("landslide_deposit_volume_m3", float(debris.sum()) * area, "m3", "debris deposited")
        w.report_kpi(
            "landslide_debris_washed_m3", self._washed_m3, "m3", "debris that fell wholly into the river"
        )
        dams = sum(1 for e in w.events if e.kind == "landslide_dam" and e.source == self.name)
        w.report_kpi("landslide_dam_count", dams, "1", "landslide dams formed (debris of one or more slides)")
        w.report_kpi("landslide_max_debris_m", float(debris.max()), "m", "thickest deposit")
        names = ("x_m", "y_m", "area_m2", "volume_m3", "deposit_volume_m3", "runout_m", "reach_ratio", "dam")
        units = ("m", "m", "m2", "m3", "m3", "m", "1", "1")
        cols = {n: table[:, i] for i, n in enumerate(names)} | {
            "event_id": np.array(self._event_ids, np.int64)
        }
        w.add_table("landslides", cols, dict(zip(names, units, strict=True)), "one row per slide")
