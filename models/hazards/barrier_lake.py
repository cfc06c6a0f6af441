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
The breach regressions and the weir (Froehlich 1995a, 2008; Wahl 2004; Fread 1988; Henderson
1966) are cited in :mod:`models.hazards.barrier_lake_breach`, the Priority-Flood (Barnes et al.
2014) in :mod:`models.hazards.barrier_lake_storage`.

* Liu, N. et al. (2010) Draining the Tangjiashan barrier lake, J. Hydraul. Eng.
  136(11):914-923, doi:10.1061/(ASCE)HY.1943-7900.0000241 (abstract seen).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.hazards.barrier_lake_breach import (
    FROEHLICH_1995_PEAK,
    FROEHLICH_2008_OVERTOPPING,
    FROEHLICH_2008_PIPING,
    RECTANGULAR_WEIR_COEFF,
    TRIANGULAR_WEIR_COEFF,
    BreachHydrograph,
    BreachParameters,
    breach_parameters,
    froehlich_1995_peak_outflow_m3_s,
    froehlich_2008_breach,
    simulate_weir_breach,
    thin_hydrograph,
    triangular_breach,
    weir_outflow_m3_s,
)
from models.hazards.barrier_lake_storage import (
    Dam,
    DamSite,
    LakeStorage,
    flood_lake,
    lake_depth_m,
    lake_storage,
    locate_dam_site,
    mark_upstream,
)

# The process and time_to_overtopping_s live here; the other names are re-exported from
# barrier_lake_storage and barrier_lake_breach so that existing imports keep working.
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
    :data:`~models.hazards.barrier_lake_storage.DAM_KEYS`). Emits ``"lake_overtopping"``
    (cause: the dam event) at the dam, then at once ``"dam_breach"`` (cause: the overtopping)
    just below the deposit on the river, with the hydrograph (times from the breach) for a flood
    model to route. ``lake_depth_m`` shows the lake filling every ``dt_s`` and draining every
    ``breach_dt_s``.
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
