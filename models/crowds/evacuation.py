"""Crowd evacuation as an engine process: pedestrians leave a walkable area while hazards act on them.

``[[evacuation]] model = "crowd_evacuation"`` puts a crowd in its own metric frame (the
frame of its geometry) on the engine grid: crowd point ``(x, y)`` lies at engine point
``(origin_x_m + x, origin_y_m + y)``. The process

1. builds the walkable area (inline coordinates, a WKT file or a GeoJSON file; see
   :mod:`models.crowds.geometry`) and its routing fields (:class:`models.crowds.routing.Router`,
   fast marching on ``routing_cell_m`` cells, slowed within ``routing_wall_avoid_m`` of walls);
2. places its population groups (a count, or a density over an area) on a jittered grid,
   draws desired speeds from the RiMEA/Weidmann speed groups (:mod:`models.crowds.agents`) and
   pre-movement times from a stated distribution, counted from the process start (a chain
   rule can start the process on an evacuation order);
3. advances them with the collision-free speed model or the social force model
   (:mod:`models.crowds.kernels`) in sub-steps of ``kernel_dt_s`` (0.01–0.05 s) inside each
   engine step ``dt_s`` (default 1 s);
4. after each engine step reads the hazard fields at every pedestrian's position and applies
   them (:mod:`models.crowds.exposure`): water slows, topples and drowns, toxic gas, smoke
   and heat incapacitate or kill; measures the local density and logs ``crush_risk`` events;
   closes exits on events, at times, or when a field at the exit passes a threshold (the
   router then recomputes only the fields that aimed at the exit, and the pedestrians
   heading there re-route);
5. re-evaluates the exit choice (``nearest``, ``fixed`` per population, RiMEA test 10, or
   ``congestion_aware`` every ``reevaluate_s``).

Conservation is asserted after every engine step: waiting + walking + evacuated +
incapacitated + dead equals the number placed.

Outputs (``<name>`` is the process name): tables ``<name>_agents`` (start, exit time, exit
used, fate and its cause per pedestrian), ``<name>_evacuation_curve`` (counts by state over
time), ``<name>_exit_flow`` (persons/s through each exit per engine step), ``<name>_exits``,
``<name>_trajectories`` (:mod:`models.crowds.outputs`; PedPy reads them),
``<name>_density_cells`` (highest local density per ``density_cell_m`` cell) and
``<name>_geometry``; maps ``<name>_max_density_p_m2``, ``<name>_dead`` and
``<name>_incapacitated`` on the engine grid; KPIs ``<name>_evacuation_time_s`` (from the
process start until the last person able to leave has left), ``<name>_evacuation_time_95_s``,
counts by fate and cause, and ``<name>_crush_risk_events``. ``<name>_exits`` also holds each
exit's segment (``x0_m, y0_m, x1_m, y1_m``, crowd frame).

Doses: where a coupling exists, ``<name>_agents`` carries each person's dose at the end
(``toxic_load`` in the probit's load units, ``smoke_fed``, ``heat_dose``), the table
``<name>_dose_thresholds`` their reference values (median lethal load, AEGL-2/-3 60-minute
loads, FED 0.3 and the incapacitation FED, the incapacitation load), and the KPIs
``<name>_people_dosed_aegl2`` / ``_aegl3`` (toxic load at or above the 60-minute AEGL load;
only for substances with AEGLs) and ``<name>_people_fed_0_3`` count people past them.
``gas.incapacitation_load`` or ``gas.incapacitation_aegl`` (default off) let gas incapacitate.
``times_from = "<event kind>"`` counts the evacuation-time KPIs from the first such event (an
evacuation order) instead of the process start.

The scenario keys are the pydantic models of :mod:`models.crowds.evacuation_config`; the
walkable area is built and the bodies placed by :mod:`models.crowds.placement`.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import shapely

from engine.errors import ScenarioError, did_you_mean
from engine.events import Event
from engine.process import FieldSpec, Process
from engine.registry import register
from models.crowds.agents import (
    DEAD,
    EVACUATED,
    INCAPACITATED,
    STATE_NAMES,
    WAITING,
    WALKING,
    Pedestrians,
    draw_group_parameters,
)
from models.crowds.evacuation_config import (
    CrowdEvacuationConfig,
    ExitClosureSpec,
    PopulationSpec,
    PreMovement,
)
from models.crowds.exposure import (
    CAUSES,
    FLOOD_DROWNED,
    FLOOD_INCAPACITATED,
    CrushMonitor,
    aegl_equivalent_load,
    fed_rate_per_min,
    flood_outcome,
    lethal_loads,
    lethal_thermal_doses,
    local_density,
    sample_field,
    thermal_dose_step,
    toxic_load_step,
    wading_speed_factor,
)
from models.crowds.geometry import WalkableArea
from models.crowds.kernels import DirectionRaster, PedestrianStepper
from models.crowds.outputs import AgentOutcome, EvacuationLog, TrajectorySampler, write_evacuation_results
from models.crowds.placement import _PLACEMENT_MARGIN_M, build_area, place_points
from models.crowds.routing import (
    ALL_EXITS,
    Router,
    congestion_aware_choice,
    nearest_exit,
)
from models.impact.probit import mg_m3_to_ppm, ppm_to_mg_m3
from models.impact.thermal import THERMAL_PROBITS
from models.substances import get_substance

__all__ = ["CrowdEvacuation", "CrowdEvacuationConfig", "PreMovement", "place_points"]

_FLOOD, _DROWNING, _GAS, _SMOKE, _HEAT = (CAUSES.index(c) for c in CAUSES[1:])
_SMOKE_FIELDS = ("co_concentration_ppm", "hcn_concentration_ppm", "co2_volume_percent", "o2_volume_percent")


# --- the process ----------------------------------------------------------------------------------


@register
class CrowdEvacuation(Process):
    """Pedestrians leaving a walkable area through its exits, coupled to the hazard fields."""

    model_name = "crowd_evacuation"
    family = "evacuation"
    Config = CrowdEvacuationConfig
    default_dt_s = 1.0
    reads = (
        FieldSpec("water_depth_m", "m", "flood water depth", optional=True),
        FieldSpec("flow_speed_m_s", "m s-1", "flood flow speed", optional=True),
        FieldSpec("gas_concentration_mg_m3", "mg m-3", "toxic gas concentration", optional=True),
        FieldSpec("thermal_radiation_kw_m2", "kW m-2", "radiant heat flux", optional=True),
        FieldSpec("co_concentration_ppm", "ppm", "CO in smoke", optional=True),
        FieldSpec("hcn_concentration_ppm", "ppm", "HCN in smoke", optional=True),
        FieldSpec("co2_volume_percent", "%", "CO2 in smoke (hyperventilation)", optional=True),
        FieldSpec("o2_volume_percent", "%", "O2 in smoke (hypoxia)", optional=True),
    )
    emits = ("exit_closed", "crush_risk", "evacuation_complete")

    # .. checks ......................................................................................

    @classmethod
    def check(cls, config: CrowdEvacuationConfig, scenario, key: str) -> None:
        """Geometry, populations, exits, closures and couplings against the scenario."""
        area = build_area(config.geometry, f"{key}.geometry")
        x0, y0, x1, y1 = area.polygon.bounds
        ox, oy = config.origin_x_m, config.origin_y_m
        if not (
            scenario.grid_contains(ox + x0, oy + y0)
            and scenario.grid_contains(ox + x1 - 1e-9, oy + y1 - 1e-9)
        ):
            raise ScenarioError(
                f"the crowd's area spans engine x {ox + x0:g}..{ox + x1:g}, y {oy + y0:g}..{oy + y1:g} m, "
                "which is not inside the grid; move origin_x_m/origin_y_m or enlarge [grid]",
                key=f"{key}.origin_x_m",
            )
        exits = set(area.exit_names)
        if not exits:
            raise ScenarioError("the geometry has no exit; add at least one", key=f"{key}.geometry")
        for group, members in config.exit_groups.items():
            for m in members:
                if m not in exits:
                    raise ScenarioError(
                        f'no exit "{m}"{did_you_mean(m, exits)}; exits are {sorted(exits)}',
                        key=f"{key}.exit_groups.{group}",
                    )
        targets = exits | set(config.exit_groups)
        for i, pop in enumerate(config.populations):
            pkey = f"{key}.populations[{i}]"
            if config.exit_choice == "fixed" and pop.exit is None:
                raise ScenarioError(
                    'exit_choice = "fixed" needs exit = "<exit or group>"', key=f"{pkey}.exit"
                )
            if pop.exit is not None and config.exit_choice != "fixed":
                raise ScenarioError(
                    'exit is used only with exit_choice = "fixed"; remove it', key=f"{pkey}.exit"
                )
            if pop.exit is not None and pop.exit not in targets:
                raise ScenarioError(
                    f'no exit or exit group "{pop.exit}"{did_you_mean(pop.exit, targets)}', key=f"{pkey}.exit"
                )
            region = cls._region(area, pop)
            if region.is_empty:
                raise ScenarioError("the area does not overlap the walkable floor", key=f"{pkey}.area")
            n = pop.count if pop.count is not None else pop.density_p_m2 * region.area
            inner = region.buffer(-(pop.radius_m + _PLACEMENT_MARGIN_M))
            most = int(inner.area / (2 * pop.radius_m + 0.01) ** 2)  # a square grid of bodies, 1 cm apart
            if n > most:
                raise ScenarioError(
                    f"{n:.0f} people of radius {pop.radius_m} m do not fit in {region.area:.1f} m² "
                    f"(at most about {most}); lower the count or enlarge the area",
                    key=pkey,
                )
        provided = {layer.name for layer in scenario.layers}
        provided.update(f.name for p in scenario.processes for f in p.cls.writes)
        kinds = {"process_started"} | {e.kind for e in scenario.events}
        for p in scenario.processes:
            kinds.update(p.cls.emits)
        for i, c in enumerate(config.close_exits):
            ckey = f"{key}.close_exits[{i}]"
            if c.exit not in exits:
                raise ScenarioError(f'no exit "{c.exit}"{did_you_mean(c.exit, exits)}', key=f"{ckey}.exit")
            if c.when is not None and c.when not in kinds:
                raise ScenarioError(
                    f'no event of kind "{c.when}" can happen{did_you_mean(c.when, kinds)}', key=f"{ckey}.when"
                )
            if c.field is not None and c.field not in provided:
                raise ScenarioError(
                    f'no field "{c.field}" is produced{did_you_mean(c.field, provided)}', key=f"{ckey}.field"
                )
        if "gas_concentration_mg_m3" in provided and config.gas.substance is None:
            raise ScenarioError(
                'the scenario has a gas_concentration_mg_m3 field; name its substance = "..." '
                "so that the crowd's toxic load has a probit",
                key=f"{key}.gas.substance",
            )
        if config.gas.substance is not None:
            try:
                get_substance(config.gas.substance).lethality_probit(config.gas.probit)
            except ValueError as exc:
                raise ScenarioError(str(exc), key=f"{key}.gas") from None
        gas = config.gas
        if gas.substance is None and (gas.incapacitation_load or gas.incapacitation_aegl):
            raise ScenarioError(
                'gas incapacitation needs the gas\'s substance = "..."', key=f"{key}.gas.substance"
            )
        if gas.incapacitation_aegl is not None and not get_substance(gas.substance).aegl_durations_min:
            raise ScenarioError(
                f"no AEGL values are tabulated for {gas.substance}; give incapacitation_load instead",
                key=f"{key}.gas.incapacitation_aegl",
            )
        if config.times_from != "start" and config.times_from not in kinds:
            raise ScenarioError(
                f'no event of kind "{config.times_from}" can happen{did_you_mean(config.times_from, kinds)}; '
                'use "start" or an event kind',
                key=f"{key}.times_from",
            )
        if config.heat.probit not in THERMAL_PROBITS:
            raise ScenarioError(
                f"unknown thermal probit; use one of {', '.join(THERMAL_PROBITS)}", key=f"{key}.heat.probit"
            )

    @staticmethod
    def _region(area: WalkableArea, pop: PopulationSpec):
        if pop.area is None:
            return area.polygon
        return shapely.Polygon(pop.area).buffer(0).intersection(area.polygon)

    # .. set-up ........................................................................................

    def setup(self) -> None:
        """Listen for the events that close exits (they may come before the start)."""
        super().setup()
        self.pending_closures: list[tuple[str, int, dict]] = []
        self._ready = False
        self.times_from_s = math.nan  # time of the first ``times_from`` event (KPI reference)
        if self.config.times_from != "start":  # type: ignore[attr-defined]
            self.scheduler.subscribe(self.config.times_from, self._times_from_handler)  # type: ignore[attr-defined]
        for c in self.config.close_exits:  # type: ignore[attr-defined]
            if c.when is not None:
                self.scheduler.subscribe(c.when, self._closure_handler(c))

    def _times_from_handler(self, event: Event) -> None:
        if math.isnan(self.times_from_s):
            self.times_from_s = event.time_s

    def _closure_handler(self, c: ExitClosureSpec):
        def handler(event: Event) -> None:
            if c.source is not None and event.source != c.source:
                return
            reason = {"exit": c.exit, "event": event.kind}
            if self._ready:
                self._close_exit(c.exit, event.id, reason)
            else:
                self.pending_closures.append((c.exit, event.id, reason))

        return handler

    def start(self, t_s: float) -> None:
        """Build the area, router, population and stepper; record the first frame."""
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        self.area = build_area(cfg.geometry, self.name)
        self.router = Router(
            self.area,
            cell_m=cfg.routing_cell_m,
            exit_groups=cfg.exit_groups,
            wall_avoid_distance_m=cfg.routing_wall_avoid_m,
        )
        self.t0 = t_s
        self.k = 0
        self.kdt = cfg.kernel_dt_s
        self.exit_names = list(self.area.exit_names)
        self.exit_segments = np.array([e.segment for e in self.area.exits]).reshape(-1, 4)
        self.exit_closed_s = np.full(len(self.exit_names), np.nan)
        self._populate(t_s)
        n = self.peds.size
        self.exit_of = np.full(n, -1, np.int64)
        self.incap_cause = np.zeros(n, np.int8)
        self.death_cause = np.zeros(n, np.int8)
        self.fate_s = np.full(n, np.nan)
        self.hazard_factor = np.ones(n)
        self._hazard_setup()
        self._routing_setup()
        ids = np.arange(n)
        if cfg.trajectory_max_agents is not None and n > cfg.trajectory_max_agents:
            ids = np.unique(np.linspace(0, n - 1, cfg.trajectory_max_agents).round().astype(np.int64))
        self.sampler = TrajectorySampler(ids, cfg.trajectory_interval_s)
        self.sample_every = round(cfg.trajectory_interval_s / self.kdt)
        self.stair_every = max(1, round(0.2 / self.kdt)) if self.area.stairs else 0
        bx0, by0, bx1, by1 = self.area.polygon.bounds
        pm = cfg.crush.place_cell_m
        self.crush = CrushMonitor(
            cfg.crush.critical_density_p_m2,
            cfg.crush.duration_s,
            pm,
            (bx0, by0),
            (max(1, math.ceil((by1 - by0) / pm)), max(1, math.ceil((bx1 - bx0) / pm))),
        )
        self.log = EvacuationLog(
            self.exit_names,
            n,
            (bx0, by0),
            (bx1, by1),
            cfg.density_cell_m,
            self.world.grid,
            (cfg.origin_x_m, cfg.origin_y_m),
        )
        self.last_reevaluation = t_s
        self.completed = False
        self.world.populations[self.name] = self.peds.population(self.name)
        self.sampler.sample(0, t_s, self.peds.x_m, self.peds.y_m, self.peds.state, EVACUATED)
        self.log.record(t_s, self.peds.state, np.zeros(len(self.exit_names)), 0.0)
        self._ready = True
        for name, cause, reason in self.pending_closures:
            self._close_exit(name, cause, reason)
        self.pending_closures.clear()

    def _populate(self, t_s: float) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        rng = self.rng
        xs, ys, pop_idx, groups, group_of, radius = [], [], [], [], [], []
        taken = np.zeros((0, 2))
        max_r = max(p.radius_m for p in cfg.populations)
        for i, pop in enumerate(cfg.populations):
            region = self._region(self.area, pop)
            n = pop.count if pop.count is not None else round(pop.density_p_m2 * region.area)
            try:
                x, y = place_points(region, n, pop.radius_m, rng, taken=taken, taken_radius_m=max_r)
            except ValueError as exc:
                raise ScenarioError(f"{exc}", key=f"{self.name}.populations[{i}]") from None
            taken = np.vstack([taken, np.c_[x, y]])
            mix = pop.groups()
            shares = np.array([s for s, _ in mix])
            local = rng.choice(len(mix), size=n, p=shares / shares.sum()) if n else np.zeros(0, int)
            group_of.append(len(groups) + local)
            groups.extend(g for _, g in mix)
            xs.append(x)
            ys.append(y)
            pop_idx.append(np.full(n, i))
            radius.append(np.full(n, pop.radius_m))
        x, y = np.concatenate(xs), np.concatenate(ys)
        self.pop_of = np.concatenate(pop_idx).astype(np.int64)
        default_tau = 1.0 if cfg.dynamics == "csm" else 0.5
        tau = np.array([p.time_gap_s or default_tau for p in cfg.populations])[self.pop_of]
        peds = Pedestrians.create(
            x, y, radius_m=np.concatenate(radius), tau_s=tau, group=np.concatenate(group_of)
        )
        draw_group_parameters(peds, groups, rng)
        for i, pop in enumerate(cfg.populations):
            members = np.flatnonzero(self.pop_of == i)
            peds.reaction_s[members] = t_s + pop.premovement.draw(rng, members.size)
        self.peds = peds
        self.x_start, self.y_start = x.copy(), y.copy()
        self.v0_base = peds.v0_m_s.copy()
        self.vulnerable = np.array([p.vulnerable for p in cfg.populations])[self.pop_of]

    def _hazard_setup(self) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        n = self.peds.size
        rng = self.rng
        self.gas_probit = None
        self.aegl_loads: dict[int, float] = {}  # AEGL level -> its 60-minute load (probit units)
        self.gas_incapacitation_load = math.inf
        if cfg.gas.substance is not None:
            sub = get_substance(cfg.gas.substance)
            self.gas_probit = sub.lethality_probit(cfg.gas.probit)
            ppm_probit = self.gas_probit.concentration_unit == "ppm"
            self.gas_unit = mg_m3_to_ppm(1.0, sub.molar_mass_g_mol) if ppm_probit else 1.0
            self.lethal_load = lethal_loads(self.gas_probit, rng.uniform(size=n))
            self.toxic_load = np.zeros(n)
            if sub.aegl_durations_min:
                to_unit = 1.0 if ppm_probit else ppm_to_mg_m3(1.0, sub.molar_mass_g_mol)
                for level in (2, 3):
                    ppm = sub.aegl_ppm(level, 60.0)
                    self.aegl_loads[level] = aegl_equivalent_load(ppm, 60.0, self.gas_probit, to_unit)
            if cfg.gas.incapacitation_load is not None:
                self.gas_incapacitation_load = cfg.gas.incapacitation_load
            elif cfg.gas.incapacitation_aegl is not None:
                self.gas_incapacitation_load = self.aegl_loads[cfg.gas.incapacitation_aegl]
        self.heat_probit = THERMAL_PROBITS[cfg.heat.probit]
        self.lethal_dose = lethal_thermal_doses(self.heat_probit, rng.uniform(size=n))
        self.heat_dose = np.zeros(n)
        self.fed = np.zeros(n)

    # .. routing ........................................................................................

    def _routing_setup(self) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        if cfg.exit_choice == "nearest":
            self.target_names = [ALL_EXITS]
            self.peds.target[:] = 0
        elif cfg.exit_choice == "fixed":
            names = list(dict.fromkeys(p.exit for p in cfg.populations))
            self.target_names = names  # type: ignore[assignment]
            index = np.array([names.index(p.exit) for p in cfg.populations])
            self.peds.target[:] = index[self.pop_of]
        else:
            self.target_names = list(self.router.open_exits)
            self.peds.target[:] = 0
            self._reevaluate(initial=True)
        self._build_stepper()

    def _build_stepper(self) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        r = self.router.raster
        if self.target_names:
            ux, uy, _ = self.router.stacked(self.target_names)
        else:  # no exit left: nobody has a direction
            ux = uy = np.zeros((1, *r.shape))
        raster = DirectionRaster(ux, uy, r.origin_x_m, r.origin_y_m, r.cell_m)
        open_ = [self.exit_names.index(e) for e in self.router.open_exits]
        self.stepper = PedestrianStepper(
            self.router.walls,
            raster,
            exits=self.exit_segments[open_],
            model=cfg.dynamics,
            parameters=cfg.csm if cfg.dynamics == "csm" else cfg.sfm,
            parallel=cfg.threads > 1,
            exit_max_flow_p_per_m_s=[self._exit_cap(n) for n in self.router.open_exits],
        )

    def _exit_cap(self, name: str) -> float | None:
        """The door-flow cap of exit ``name`` (persons/(m s)), ``None`` where it has none."""
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        return next((e.max_flow_p_per_m_s for e in cfg.geometry.exits if e.name == name), None)

    def _reevaluate(self, *, initial: bool = False) -> None:
        """Congestion-aware exit choice for the pedestrians still to leave."""
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        p = self.peds
        todo = np.flatnonzero((p.state == WAITING) | (p.state == WALKING))
        if todo.size == 0 or not self.target_names:
            return
        d = self.router.distances_at(self.target_names, p.x_m[todo], p.y_m[todo])
        current = nearest_exit(d) if initial else p.target[todo].astype(np.int64)
        width = np.array([self.area.exit(e).width_m for e in self.target_names])
        # a door-flow cap, where an exit has one, bounds its capacity in the estimate too
        caps = np.array([np.inf if (c := self._exit_cap(e)) is None else c for e in self.target_names])
        flow = np.minimum(cfg.specific_flow_p_m_s, caps)
        speed = np.maximum(self.v0_base[todo], 1e-3)
        choice, _ = congestion_aware_choice(
            d,
            speed,
            width * flow,
            current,
            switch_margin_s=cfg.switch_margin_s,
        )
        p.target[todo] = np.maximum(choice, 0)

    def _close_exit(self, name: str, cause_id: int, reason: dict) -> None:
        if name not in self.router.open_exits:
            return
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        self.router.close_exit(name)
        self.exit_closed_s[self.exit_names.index(name)] = self.scheduler.now_s
        valid = set(self.router.targets)
        if cfg.exit_choice == "congestion_aware":
            self.target_names = list(self.router.open_exits)
            self._reevaluate(initial=True)
            np.clip(self.peds.target, 0, max(len(self.target_names) - 1, 0), out=self.peds.target)
        else:
            fallback = ALL_EXITS if ALL_EXITS in valid else None
            new = [n if n in valid else fallback for n in self.target_names]
            names = list(dict.fromkeys(n for n in new if n is not None))
            remap = np.array([names.index(n) if n is not None else 0 for n in new])
            self.peds.target[:] = remap[self.peds.target]
            self.target_names = names
        self._build_stepper()
        (x0, y0), (x1, y1) = self.area.exit(name).start_m, self.area.exit(name).end_m
        cfg_o = (cfg.origin_x_m, cfg.origin_y_m)
        self.emit(
            "exit_closed",
            cause_id=cause_id,
            x_m=cfg_o[0] + 0.5 * (x0 + x1),
            y_m=cfg_o[1] + 0.5 * (y0 + y1),
            data={**reason, "open_exits": list(self.router.open_exits)},
        )

    # .. stepping ........................................................................................

    def advance(self, t_s: float, dt_s: float) -> None:
        """Sub-step the pedestrians to ``t_s``, then apply hazards, closures, choice and density."""
        p = self.peds
        n_target = math.floor((t_s - self.t0) / self.kdt + 1e-6)
        # the kernel runs only if someone walks or starts walking before t_s (standing crowds cost nothing)
        moving = bool(np.any((p.state == WALKING) | ((p.state == WAITING) & (p.reaction_s <= t_s))))
        p.v0_m_s[:] = self.v0_base * self.hazard_factor
        while self.k < n_target:
            stop = n_target
            if self.sample_every:
                stop = min(stop, (self.k // self.sample_every + 1) * self.sample_every)
            if self.stair_every:
                stop = min(stop, (self.k // self.stair_every + 1) * self.stair_every)
                self._apply_stairs()
            if moving:
                self._kernel(self.t0 + self.k * self.kdt, self.kdt, stop - self.k)
            self.k = stop
            if self.k % self.sample_every == 0:
                t = self.t0 + self.k * self.kdt
                self.sampler.sample(self.k // self.sample_every, t, p.x_m, p.y_m, p.state, EVACUATED)
        rest = t_s - (self.t0 + self.k * self.kdt)
        if rest > 1e-6 and moving:  # the run's (or process's) end cut the last engine step short
            self._kernel(self.t0 + self.k * self.kdt, rest, 1)
        self._after_step(t_s, dt_s)

    def _kernel(self, t: float, dt: float, steps: int) -> None:
        threads = self.config.threads  # type: ignore[attr-defined]
        if threads > 1:
            old = numba.get_num_threads()
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            try:
                self.stepper.advance(self.peds, t, dt, steps)
            finally:
                numba.set_num_threads(old)
        else:
            self.stepper.advance(self.peds, t, dt, steps)

    def _apply_stairs(self) -> None:
        p = self.peds
        f = self.router.raster.stair_speed_factor(p.x_m, p.y_m, p.vx_m_s, p.vy_m_s)
        p.v0_m_s[:] = self.v0_base * self.hazard_factor * f

    def _after_step(self, t_s: float, dt_s: float) -> None:
        p = self.peds
        new = np.flatnonzero((p.state == EVACUATED) & (self.exit_of < 0))
        flow = np.zeros(len(self.exit_names))
        if new.size:
            self.exit_of[new] = self._exit_at(p.x_m[new], p.y_m[new])
            flow = np.bincount(self.exit_of[new], minlength=len(self.exit_names)).astype(float)
        self._hazards(t_s, dt_s)
        self._field_closures(t_s)
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        if cfg.exit_choice == "congestion_aware" and t_s - self.last_reevaluation >= cfg.reevaluate_s - 1e-9:
            self._reevaluate()
            self.last_reevaluation = t_s
        self._density(t_s)
        self.log.record(t_s, p.state, flow, dt_s)
        counts = np.bincount(p.state, minlength=len(STATE_NAMES))
        if not self.completed and counts[WAITING] + counts[WALKING] == 0:
            self.completed = True
            self.emit(
                "evacuation_complete",
                data={"evacuated": int(counts[EVACUATED]), "time_since_start_s": t_s - self.t0},
            )

    def _exit_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the exit segment nearest to each point (where evacuees crossed)."""
        s = self.exit_segments
        dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
        u = ((x[:, None] - s[:, 0]) * dx + (y[:, None] - s[:, 1]) * dy) / (dx * dx + dy * dy)
        u = np.clip(u, 0.0, 1.0)
        d = np.hypot(s[:, 0] + u * dx - x[:, None], s[:, 1] + u * dy - y[:, None])
        d[:, np.isfinite(self.exit_closed_s)] += 1e-3  # prefer an open exit at a shared corner
        return np.argmin(d, axis=1)

    # .. hazards ........................................................................................

    def _hazards(self, t_s: float, dt_s: float) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        layers = self.world.grid.layers
        p = self.peds
        alive = np.flatnonzero((p.state == WAITING) | (p.state == WALKING) | (p.state == INCAPACITATED))
        if alive.size == 0:
            return
        gx, gy = p.x_m[alive] + cfg.origin_x_m, p.y_m[alive] + cfg.origin_y_m

        def at(name: str) -> np.ndarray | None:
            return sample_field(layers[name].data, self.world.grid, gx, gy) if name in layers else None

        depth = at("water_depth_m")
        if depth is not None:
            speed = at("flow_speed_m_s")
            speed = np.zeros_like(depth) if speed is None else speed
            fl = cfg.flood
            outcome = flood_outcome(
                depth,
                speed,
                self.vulnerable[alive],
                wet_depth_m=fl.wet_depth_m,
                drowning_depth_m=fl.drowning_depth_m,
            )
            self._incapacitate(alive[outcome == FLOOD_INCAPACITATED], _FLOOD, t_s)
            self._kill(alive[outcome == FLOOD_DROWNED], _DROWNING, t_s)
            wet = np.where(depth > fl.wet_depth_m, depth, 0.0)
            self.hazard_factor[alive] = wading_speed_factor(
                wet,
                speed,
                knots=tuple(map(tuple, fl.wading_speed_knots)),
                flow_speed_penalty=fl.flow_speed_penalty,
            )
        if self.gas_probit is not None and "gas_concentration_mg_m3" in layers:
            load = self.toxic_load[alive]
            toxic_load_step(load, at("gas_concentration_mg_m3"), dt_s, self.gas_probit, self.gas_unit)
            self.toxic_load[alive] = load
            self._incapacitate(alive[load >= self.gas_incapacitation_load], _GAS, t_s)
            self._kill(alive[load >= self.lethal_load[alive]], _GAS, t_s)
        if any(f in layers for f in _SMOKE_FIELDS):
            gases = [at(f) for f in _SMOKE_FIELDS]
            self.fed[alive] += fed_rate_per_min(*gases, size=alive.size) * dt_s / 60.0
            self._incapacitate(alive[self.fed[alive] >= cfg.smoke.incapacitation_fed], _SMOKE, t_s)
        if "thermal_radiation_kw_m2" in layers:
            dose = self.heat_dose[alive]
            thermal_dose_step(dose, at("thermal_radiation_kw_m2"), dt_s)
            self.heat_dose[alive] = dose
            self._kill(alive[dose >= self.lethal_dose[alive]], _HEAT, t_s)

    def _incapacitate(self, idx: np.ndarray, cause: int, t_s: float) -> None:
        p = self.peds
        idx = idx[(p.state[idx] == WAITING) | (p.state[idx] == WALKING)]
        p.state[idx] = INCAPACITATED
        p.vx_m_s[idx] = p.vy_m_s[idx] = 0.0
        self.incap_cause[idx] = cause
        self.fate_s[idx] = t_s

    def _kill(self, idx: np.ndarray, cause: int, t_s: float) -> None:
        p = self.peds
        idx = idx[p.state[idx] != DEAD]
        p.state[idx] = DEAD
        p.vx_m_s[idx] = p.vy_m_s[idx] = 0.0
        self.death_cause[idx] = cause
        self.fate_s[idx] = t_s

    def _field_closures(self, t_s: float) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        layers = self.world.grid.layers
        for c in cfg.close_exits:
            if c.exit not in self.router.open_exits:
                continue
            if c.at_s is not None and t_s >= c.at_s - 1e-9:
                self._close_exit(c.exit, self.cause_id, {"exit": c.exit, "at_s": c.at_s})
            elif c.field is not None and c.field in layers:
                e = self.area.exit(c.exit)
                s = np.linspace(0.0, 1.0, 5)
                ex = cfg.origin_x_m + e.start_m[0] + s * (e.end_m[0] - e.start_m[0])
                ey = cfg.origin_y_m + e.start_m[1] + s * (e.end_m[1] - e.start_m[1])
                value = float(
                    np.nanmax(np.append(sample_field(layers[c.field].data, self.world.grid, ex, ey), -np.inf))
                )
                if value > c.above:  # type: ignore[operator]
                    reason = {"exit": c.exit, "field": c.field, "value": value, "above": c.above}
                    self._close_exit(c.exit, layers[c.field].cause_event_id, reason)

    # .. density and results ..............................................................................

    def _density(self, t_s: float) -> None:
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        p = self.peds
        on_floor = p.state != EVACUATED
        floor = np.flatnonzero(on_floor)
        if floor.size == 0:
            return
        rho = local_density(p.x_m, p.y_m, radius_m=cfg.crush.kernel_radius_m, mask=on_floor)[floor]
        x, y = p.x_m[floor], p.y_m[floor]
        for ep in self.crush.update(t_s, x, y, rho):
            self.emit(
                "crush_risk",
                x_m=cfg.origin_x_m + ep.x_m,
                y_m=cfg.origin_y_m + ep.y_m,
                data={
                    "density_p_m2": round(ep.density_p_m2, 3),
                    "critical_density_p_m2": cfg.crush.critical_density_p_m2,
                    "above_since_s": ep.since_s,
                    "crowd_x_m": round(ep.x_m, 3),
                    "crowd_y_m": round(ep.y_m, 3),
                },
            )
        self.log.add_density(x, y, rho)

    def finish(self, t_s: float) -> None:
        """Write tables, maps and KPIs (:func:`models.crowds.outputs.write_evacuation_results`)."""
        cfg: CrowdEvacuationConfig = self.config  # type: ignore[assignment]
        p = self.peds
        outcome = AgentOutcome(
            population=np.array([pop.name for pop in cfg.populations])[self.pop_of],
            x0_m=self.x_start,
            y0_m=self.y_start,
            x_m=p.x_m,
            y_m=p.y_m,
            desired_speed_m_s=self.v0_base,
            start_s=np.where(p.reaction_s <= t_s, p.reaction_s, np.nan),
            exit_time_s=p.evacuated_at_s,
            exit_of=self.exit_of,
            state=p.state,
            incapacitation_cause=self.incap_cause,
            death_cause=self.death_cause,
            fate_time_s=self.fate_s,
        )
        write_evacuation_results(
            self.world,
            self.name,
            log=self.log,
            sampler=self.sampler,
            outcome=outcome,
            exit_widths_m=np.array([e.width_m for e in self.area.exits]),
            exit_closed_s=self.exit_closed_s,
            walkable_wkt=self.area.polygon.wkt,
            t0_s=self.t0 if cfg.times_from == "start" else self.times_from_s,
            crush_events=len(self.crush.episodes),
            critical_density_p_m2=cfg.crush.critical_density_p_m2,
        )
        self._dose_results()
        seg = self.exit_segments
        self._extend_table(
            f"{self.name}_exits",
            {"x0_m": seg[:, 0], "y0_m": seg[:, 1], "x1_m": seg[:, 2], "y1_m": seg[:, 3]},
            dict.fromkeys(("x0_m", "y0_m", "x1_m", "y1_m"), "m"),
        )
        if cfg.times_from != "start":
            since = f'from the first "{cfg.times_from}" event (NaN if none came)'
            whats = (
                ("evacuation_time_s", "the last person able to leave"),
                ("evacuation_time_95_s", "95 % of all"),
            )
            for key, what in whats:
                k = self.world.kpis[f"{self.name}_{key}"]
                self.world.report_kpi(k.name, k.value, k.units, f"{since} until {what} had left")

    def _extend_table(self, name: str, columns: dict[str, np.ndarray], units: dict[str, str]) -> None:
        """Add columns to a table :func:`write_evacuation_results` wrote (same rows)."""
        t = self.world.tables[name]
        self.world.add_table(name, t.columns | columns, t.units | units, t.description, plot=t.plot)

    def _dose_results(self) -> None:
        """Per-person doses in ``<name>_agents``, their thresholds, and the people past them."""
        layers, name, kpi = self.world.grid.layers, self.name, self.world.report_kpi
        cols: dict[str, np.ndarray] = {}
        units: dict[str, str] = {}
        thresholds: list[tuple[str, str, float, str]] = []
        if self.gas_probit is not None:
            pr = self.gas_probit
            u = f"{pr.concentration_unit}^{pr.n:g} min"
            cols["toxic_load"], units["toxic_load"] = self.toxic_load.copy(), u
            median = float(lethal_loads(pr, np.array([0.5]))[0])
            thresholds.append(("toxic_load", "median lethal load (probit)", median, u))
            for level, load in self.aegl_loads.items():
                thresholds.append(("toxic_load", f"AEGL-{level} 60-min load", load, u))
                kpi(
                    f"{name}_people_dosed_aegl{level}",
                    int(np.sum(self.toxic_load >= load)),
                    "people",
                    f"toxic load at or above the 60-minute AEGL-{level} load ({load:.4g} {u})",
                )
            if math.isfinite(self.gas_incapacitation_load):
                thresholds.append(("toxic_load", "incapacitation", self.gas_incapacitation_load, u))
        if any(f in layers for f in _SMOKE_FIELDS):
            cols["smoke_fed"], units["smoke_fed"] = self.fed.copy(), "1"
            inc = self.config.smoke.incapacitation_fed  # type: ignore[attr-defined]
            thresholds += [("smoke_fed", "FED 0.3 (sensitive people)", 0.3, "1")]
            thresholds += [("smoke_fed", "incapacitation", inc, "1")]
            kpi(f"{name}_people_fed_0_3", int(np.sum(self.fed >= 0.3)), "people", "smoke FED at or above 0.3")
        if "thermal_radiation_kw_m2" in layers:
            u = "(W m-2)^(4/3) s"
            cols["heat_dose"], units["heat_dose"] = self.heat_dose.copy(), u
            median = float(lethal_thermal_doses(self.heat_probit, np.array([0.5]))[0])
            thresholds.append(("heat_dose", "median lethal dose (probit)", median, u))
        if not cols:
            return
        self._extend_table(f"{name}_agents", cols, units)
        self.world.add_table(
            f"{name}_dose_thresholds",
            {
                "dose": np.array([t[0] for t in thresholds], dtype=str),
                "label": np.array([t[1] for t in thresholds], dtype=str),
                "value": np.array([t[2] for t in thresholds], np.float64),
                "units": np.array([t[3] for t in thresholds], dtype=str),
            },
            {},
            "reference values of the per-person doses in the agents table",
        )
