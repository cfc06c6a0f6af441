"""A chemical park whose units fail, burn, explode and leak — and set each other off.

The park is a process. It starts idle and reacts to three kinds of trigger:

* a ``loss_of_containment`` event naming a unit (``data = { unit = "P1" }``),
  scheduled by the scenario or emitted by another model;
* an earthquake event (``earthquake_event`` kind): each unit's release
  probability comes from the HAZUS tank fragility at the ``pga_g`` field under
  it, and units are drawn from the park's own random stream (Natech);
* a flood: at every step, a tank floats or slides when the ``water_depth_m``
  and ``flow_speed_m_s`` fields under it exceed the physical limits
  (:func:`models.chains.natech.tank_flood_failure`) (Natech).

A failed unit's outcome (pool fire, jet fire, fireball, vapour cloud
explosion, toxic release) is logged as an event with its cause, its effect
goes on the grid (``thermal_radiation_kw_m2``, ``overpressure_pa``,
``gas_concentration_mg_m3``), and the domino Monte Carlo of
:mod:`models.chains.domino` (one replica, from this process's stream) decides
which neighbours escalate and when. Each secondary failure is logged when it
happens, caused by the event of the unit that set it off, so the event log is
the escalation tree.

Simplification, stated: escalation is drawn once per triggering failure over
the units still intact; fires of two independent triggers do not add their
heat on a third unit.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import ScenarioError
from engine.events import Event
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.chains.domino import simulate_domino
from models.chains.natech import tank_flood_failure, tank_seismic_release_probability
from models.chains.park_units import FIRES, Unit, Weather, effect_matrices, unit_codes, unit_effect
from models.substances import get_substance

OUTCOME_EVENTS = ("pool_fire", "jet_fire", "fireball", "vapour_cloud_explosion", "toxic_release")


class Escalation(BaseModel):
    """Domino escalation settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    max_level: int | None = Field(None, ge=0, description="deepest escalation level; default none")
    # Landucci et al. 2009 is the default because its constants (and the ttf unit, minutes)
    # were checked in public code; the unit of ttf in the Cozzani 2005 probit is not verified.
    heat_probit: Literal["cozzani2005", "landucci2009"] = "landucci2009"


class ParkConfig(ProcessConfig):
    """``[[hazards]] model = "chemical_park"``."""

    model: Literal["chemical_park"] = "chemical_park"
    units: list[Unit] = Field(min_length=1)
    weather: Weather = Weather()
    escalation: Escalation = Escalation()
    earthquake_event: str | None = Field(
        "earthquake", description="event kind on which units are checked against pga_g"
    )

    @model_validator(mode="after")
    def _unique_names(self) -> ParkConfig:
        names = [u.name for u in self.units]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"unit names must be unique; repeated: {', '.join(sorted(dup))}")
        return self


@register
class ChemicalPark(Process):
    """Losses of containment in a chemical park, their effects and their domino escalation."""

    model_name = "chemical_park"
    family = "hazards"
    Config = ParkConfig
    reads = (
        FieldSpec("pga_g", "g", "peak ground acceleration", optional=True),
        FieldSpec("water_depth_m", "m", "flood water depth", optional=True),
        FieldSpec("flow_speed_m_s", "m s-1", "flood flow speed", optional=True),
    )
    writes = (
        FieldSpec("thermal_radiation_kw_m2", "kW m-2", "heat flux from fires", record=True),
        FieldSpec("overpressure_pa", "Pa", "peak blast overpressure in the step", record=True),
        FieldSpec("blast_impulse_pa_s", "Pa s", "positive-phase blast impulse in the step"),
        FieldSpec(
            "gas_concentration_mg_m3", "mg m-3", "toxic gas concentration at breathing height", record=True
        ),
    )
    emits = ("loss_of_containment", *OUTCOME_EVENTS)
    default_dt_s = 10.0

    @classmethod
    def check(cls, config: ParkConfig, scenario, key: str) -> None:
        """Units must stand inside the grid and name known substances."""
        for i, u in enumerate(config.units):
            if not scenario.grid_contains(u.x_m, u.y_m):
                raise ScenarioError(
                    f"unit {u.name} at ({u.x_m}, {u.y_m}) lies outside the grid; move it or enlarge [grid]",
                    key=f"{key}.units[{i}]",
                )
        for e in scenario.events:
            if e.kind == "loss_of_containment":
                unit = e.data.get("unit")
                names = [u.name for u in config.units]
                if unit not in names:
                    raise ScenarioError(
                        'loss_of_containment needs data = { unit = "..." } naming one of ' + ", ".join(names),
                        key=f"events[{scenario.events.index(e)}].data",
                    )

    def setup(self) -> None:
        """Compute every unit's effect once, register the units as facilities, subscribe to triggers."""
        super().setup()
        cfg: ParkConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        self.units = list(cfg.units)
        self.index = {u.name: i for i, u in enumerate(self.units)}
        xs, ys = grid.cell_centres()
        self.effects = [unit_effect(i, self.units, xs, ys, cfg.weather) for i in range(len(self.units))]
        self.flux_ij, self.over_ij, self.fire_s = effect_matrices(self.effects)
        self.categories, self.volumes = unit_codes(self.units)
        from engine.world import Facility

        for u in self.units:
            self.world.facilities[u.name] = Facility(
                u.name,
                u.category,
                u.x_m,
                u.y_m,
                {"park": self.name, "unit": u.model_dump(), "weather": cfg.weather.model_dump()},
            )
        self.failed = np.zeros(len(self.units), dtype=bool)
        self.scheduled: set[int] = set()
        self.pending: dict[int, list[tuple[int, float, int, str]]] = {}
        self.active: list[tuple[int, float, float]] = []  # (unit, start_s, end_s)
        self.blasts: list[tuple[int, float]] = []
        self.event_of_unit: dict[int, int] = {}
        self.scheduler.subscribe("loss_of_containment", self._on_loss)
        if cfg.earthquake_event:
            self.scheduler.subscribe(cfg.earthquake_event, self._on_earthquake)
        for kind in OUTCOME_EVENTS:
            self.scheduler.subscribe(kind, self._on_outcome)
        self.blasts_written: set[int] = set()

    # -- triggers -----------------------------------------------------------------
    def _on_loss(self, event: Event) -> None:
        unit = self.index.get(str(event.data.get("unit")))
        if unit is not None:
            self._fail_now(unit, event, trigger=event.source if event.source != self.name else "loss")

    def _on_earthquake(self, event: Event) -> None:
        layer = self.world.grid.layers.get("pga_g")
        if layer is None:
            return
        grid = self.world.grid
        for i, u in enumerate(self.units):
            if self.failed[i] or i in self.scheduled:
                continue
            pga = float(layer.data[grid.index_of(u.x_m, u.y_m)])
            p = float(tank_seismic_release_probability(pga, u.anchored, u.fill_fraction))
            if self.rng.random() < p:
                loc = self.scheduler.emit(
                    "loss_of_containment",
                    source=self.name,
                    cause_id=event.id,
                    x_m=u.x_m,
                    y_m=u.y_m,
                    data={"unit": u.name, "trigger": "earthquake", "pga_g": pga, "probability": p},
                )
                self._fail_now(i, self.world.events[loc], trigger="earthquake")

    def _check_flood(self) -> None:
        layers = self.world.grid.layers
        if "water_depth_m" not in layers:
            return
        grid = self.world.grid
        speed = layers.get("flow_speed_m_s")
        for i, u in enumerate(self.units):
            if self.failed[i] or i in self.scheduled:
                continue
            cell = grid.index_of(u.x_m, u.y_m)
            depth = float(layers["water_depth_m"].data[cell])
            v = float(speed.data[cell]) if speed is not None else 0.0
            if depth <= 0:
                continue
            sub = get_substance(u.substance)
            floats, slides = tank_flood_failure(
                depth,
                v,
                diameter_m=u.diameter_m,
                height_m=u.height_m,
                empty_mass_kg=u.shell_mass_kg,
                fill_fraction=u.fill_fraction,
                liquid_density_kg_m3=sub.liquid_density_kg_m3,
                anchored=u.anchored,
            )
            if floats or slides:
                loc = self.scheduler.emit(
                    "loss_of_containment",
                    source=self.name,
                    cause_id=layers["water_depth_m"].cause_event_id,
                    x_m=u.x_m,
                    y_m=u.y_m,
                    data={
                        "unit": u.name,
                        "trigger": "flood",
                        "depth_m": depth,
                        "speed_m_s": v,
                        "mode": "flotation" if floats else "sliding",
                    },
                )
                self._fail_now(i, self.world.events[loc], trigger="flood")

    # -- failures and escalation -------------------------------------------------------
    def _fail_now(self, unit: int, cause: Event, *, trigger: str) -> None:
        if self.failed[unit] or unit in self.scheduled:
            return
        self.scheduled.add(unit)
        u = self.units[unit]
        self.scheduler.emit(
            u.outcome,
            source=self.name,
            cause_id=cause.id,
            x_m=u.x_m,
            y_m=u.y_m,
            data={"unit": u.name, "level": 0, "trigger": trigger, "substance": u.substance},
        )

    def _on_outcome(self, event: Event) -> None:
        if event.source != self.name:
            return
        unit = self.index[event.data["unit"]]
        if self.failed[unit]:
            return
        self.failed[unit] = True
        self.event_of_unit[unit] = event.id
        t = event.time_s
        e = self.effects[unit]
        if e.outcome in FIRES or e.outcome == "toxic_release":
            self.active.append((unit, t, t + e.duration_s))
        else:
            self.blasts.append((unit, t))
        if event.data.get("level", 0) == 0:
            self._draw_escalation(unit, t)
        for target, when, level, vector in self.pending.pop(unit, []):
            if not self.failed[target]:
                u = self.units[target]
                self.scheduler.schedule_event(
                    u.outcome,
                    at_s=when,
                    source=self.name,
                    cause_id=event.id,
                    x_m=u.x_m,
                    y_m=u.y_m,
                    data={
                        "unit": u.name,
                        "level": level,
                        "trigger": vector,
                        "substance": u.substance,
                        "caused_by": self.units[unit].name,
                    },
                )

    def _draw_escalation(self, primary: int, t0: float) -> None:
        cfg: ParkConfig = self.config  # type: ignore[assignment]
        if not cfg.escalation.enabled:
            return
        flux, over = self.flux_ij.copy(), self.over_ij.copy()
        gone = self.failed | np.isin(np.arange(len(self.units)), list(self.scheduled))
        gone[primary] = False
        flux[:, gone] = 0.0
        over[:, gone] = 0.0
        res = simulate_domino(
            primary,
            flux,
            over,
            self.categories,
            self.volumes,
            1,
            self.rng,
            fire_duration_s=self.fire_s,
            max_level=cfg.escalation.max_level,
            heat_probit=cfg.escalation.heat_probit,
        )
        vectors = {1: "overpressure", 2: "heat"}
        for j in np.flatnonzero(res.level[0] >= 1):
            cause = int(res.cause[0, j])
            self.scheduled.add(int(j))
            self.pending.setdefault(cause, []).append(
                (
                    int(j),
                    t0 + float(res.time_s[0, j]),
                    int(res.level[0, j]),
                    vectors.get(int(res.vector[0, j]), "escalation"),
                )
            )

    # -- fields -----------------------------------------------------------------
    def advance(self, t_s: float, dt_s: float) -> None:
        """Write the heat, blast and gas fields of time ``t_s``; check flood triggers."""
        self._check_flood()
        layers = self.world.grid.layers
        flux = layers["thermal_radiation_kw_m2"].data.reshape(-1)
        over = layers["overpressure_pa"].data.reshape(-1)
        imp = layers["blast_impulse_pa_s"].data.reshape(-1)
        gas = layers["gas_concentration_mg_m3"].data.reshape(-1)
        flux[:] = 0.0
        over[:] = 0.0
        imp[:] = 0.0
        gas[:] = 0.0
        for unit, start, end in self.active:
            e = self.effects[unit]
            if e.flux_kw_m2 is not None and start <= t_s and start < end and (t_s - dt_s) < end:
                flux += e.flux_kw_m2
            elif e.outcome == "toxic_release" and start <= t_s:
                gas += e.concentration_at(t_s - start)
        for k, (unit, when) in enumerate(self.blasts):
            if k not in self.blasts_written and when <= t_s:  # each blast goes into one step
                self.blasts_written.add(k)
                e = self.effects[unit]
                np.maximum(over, e.overpressure_pa, out=over)
                np.maximum(imp, e.impulse_pa_s, out=imp)
        # Each field's content is caused by the latest failure that feeds it.
        for name, kinds in (
            ("thermal_radiation_kw_m2", FIRES),
            ("overpressure_pa", ("vapour_cloud_explosion",)),
            ("blast_impulse_pa_s", ("vapour_cloud_explosion",)),
            ("gas_concentration_mg_m3", ("toxic_release",)),
        ):
            ids = [ev for unit, ev in self.event_of_unit.items() if self.units[unit].outcome in kinds]
            layers[name].cause_event_id = max(ids, default=-1)

    def finish(self, t_s: float) -> None:
        """Report how many units failed and the escalation tree."""
        w = self.world
        w.report_kpi("units_failed", float(self.failed.sum()), "units", "process units that lost containment")
        levels = [
            e.data.get("level", 0) for e in w.events if e.source == self.name and e.kind in OUTCOME_EVENTS
        ]
        w.report_kpi(
            "escalation_depth",
            float(max(levels, default=-1)),
            "levels",
            "deepest domino level reached (0: primary only)",
        )
        rows = [e for e in w.events if e.source == self.name and e.kind in OUTCOME_EVENTS]
        causes = []
        for e in rows:
            c = w.events[e.cause_id] if e.cause_id >= 0 else None
            causes.append(
                c.data.get("unit", c.kind)
                if c is not None and c.kind in OUTCOME_EVENTS
                else (c.kind if c is not None else "scenario")
            )
        w.add_table(
            "escalation_tree",
            {
                "unit": np.array([e.data["unit"] for e in rows], dtype=object),
                "outcome": np.array([e.kind for e in rows], dtype=object),
                "level": np.array([e.data.get("level", 0) for e in rows], dtype=np.int64),
                "caused_by": np.array(causes, dtype=object),
                "time_s": np.array([e.time_s for e in rows]),
            },
            {"time_s": "s"},
            "units that failed, what set each off, and when",
        )
