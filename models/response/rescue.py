"""The ``rescue`` process: teams from bases to trapped and injured people, epoch by epoch.

``[[response]] model = "rescue"`` runs decision epochs every ``dt_s`` (default 300 s) from its start
(at ``start_s``, or by a chain rule, e.g. on ``"buildings_collapsed"``). At each epoch:

1. **Tasks appear** as the earthquake chain produces them: from the table
   ``trapped_people`` (x_m, y_m, people, building_type) when it is there; otherwise, as soon as the
   field ``building_collapse_fraction`` has been written, one task per cell with
   ``round(population × indoor_share × collapse_fraction × trapped_share)`` people, where
   ``trapped_share`` (default 0.65) is the HAZUS share of occupants of collapsed buildings who
   survive injured: severity 1 + 2 + 3 casualty rates of 40 + 20 + 5 % at complete damage with
   collapse (FEMA HAZUS-MH MR5 Earthquake Technical Manual, tables 13.3–13.7; the same rates
   :func:`models.impact.buildings.trapped_people` uses). The ``medevac_sites`` largest sites also
   get a ``"medical"`` task each (evacuation of the injured by helicopter or a medical team).
   A later collapse (an aftershock) adds the cells' new trapped people as new tasks. The
   survival clock of a task starts at its origin event (the latest ``buildings_collapsed``
   when the task appeared, else the event that started this process).
2. **Arrival times** of every available team at every open task over the *current* road network
   (:func:`models.response.dispatch.arrival_matrix`: closed edges removed; the cache of
   :class:`~models.response.travel.TravelTimes` is rebuilt only when ``road_closed`` changed it);
   aircraft fly straight lines at cruise speed after their readiness, grounded by ``weather``.
3. **The policy** (``policy``: ``"nearest"`` closest unit by task priority, ``"earliest"`` global
   earliest pairs, ``"max_lives"`` the exact assignment maximising expected lives saved, ``"fixed"``
   the ``plan``) pairs teams and tasks; each team is then busy until arrival + work (ground:
   :func:`models.response.survival.rescue_duration_s`; air or medical: ``medevac_s``).

A team already on its way is not rerouted when a road closes after its departure (its time was
fixed at dispatch): a simplification.

**Survival and lives saved.** People at a rescued site come out alive in expectation
:func:`models.response.survival.expected_lives_saved` (curve ``survival``). The **no-response
baseline** frees everybody only at ``baseline_extrication_s`` after the collapse (default 72 h:
late help from neighbours and outside, a stated assumption), with the same curve; tasks left
unserved at the end of the run are given that baseline too, so ``rescue_lives_saved`` =
alive with the response − alive in the baseline.

Written: field ``rescued_alive`` (expected people brought out alive per cell), table
``team_tasks`` (team, kind, task, task_kind, people, start_s, arrive_s, end_s, alive: the Gantt
of the report) and map ``rescued_alive``, KPIs ``rescue_first_aviation_on_scene_s`` (after the
origin event, ``inf`` if none; its description names the aircraft and its readiness, distance and
speed, or why none flew), ``rescue_people_trapped``, ``rescue_people_rescued_alive``,
``rescue_lives_saved``, ``rescue_unmet_tasks``, ``rescue_first_arrival_s``. Events
``team_dispatched`` (cause: the task's origin event), ``team_arrived`` (cause: the dispatch) and
``people_rescued`` (cause: the task's origin event) when the site is cleared.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.response.dispatch import (
    TEAM_KINDS,
    FixedPlan,
    MaxLivesSaved,
    NearestAvailable,
    Tasks,
    Teams,
    Weather,
    arrival_matrix,
)
from models.response.survival import (
    GOLDEN_72_HOURS,
    RESCUE_S_PER_PERSON,
    SurvivalCurve,
    earthen_buildings_curve,
    expected_lives_saved,
)
from models.response.travel import DEFAULT_OFFROAD_SPEED_M_S, TravelTimes

__all__ = ["BaseConfig", "RescueConfig", "RescueProcess", "TeamConfig", "WeatherConfig", "points_to_cells"]

TeamKind = Literal[
    "fire_rescue", "professional_rescue", "medical", "engineering", "volunteer", "helicopter", "fixed_wing"
]

HAZUS_TRAPPED_SHARE = 0.65
"""Share of occupants of collapsed buildings trapped alive: HAZUS collapse severity 1-3 rates 40+20+5 %."""


class BaseConfig(BaseModel):
    """A base (fire station, airfield): where teams wait."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    x_m: float
    y_m: float
    outside_travel_s: float = Field(
        0.0, ge=0, description="road time from outside the domain to this point, paid on the first trip"
    )


class TeamConfig(BaseModel):
    """``count`` identical teams of one kind at one base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: TeamKind
    base: str = Field(min_length=1)
    count: int = Field(1, ge=1)
    readiness_s: float = Field(0.0, ge=0, description="from the call to leaving the base")
    speed_factor: float = Field(1.0, gt=0, description="ground speed relative to road speeds")
    cruise_speed_m_s: float | None = Field(None, gt=0, description="aircraft cruise speed")
    approach_s: float = Field(0.0, ge=0, description="aircraft approach and landing time")
    capacity: int = Field(1, ge=1, description="parallel crews (rescue) or stretchers (air)")
    shift_s: float | None = Field(None, gt=0, description="shift length; default unlimited")
    max_wind_m_s: float | None = Field(None, gt=0)
    min_visibility_m: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _aircraft_speed(self) -> TeamConfig:
        if self.kind in ("helicopter", "fixed_wing") and self.cruise_speed_m_s is None:
            raise ValueError(f"a {self.kind} team needs cruise_speed_m_s (e.g. 60 m/s)")
        return self


class WeatherConfig(BaseModel):
    """Flying weather during the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wind_m_s: float = Field(0.0, ge=0)
    visibility_m: float = Field(1.0e9, ge=0)


class RescueConfig(ProcessConfig):
    """``[[response]] model = "rescue"``."""

    model: Literal["rescue"] = "rescue"
    network: str = Field("roads", min_length=1, description="road network in world.networks")
    bases: list[BaseConfig] = Field(min_length=1)
    teams: list[TeamConfig] = Field(min_length=1)
    policy: Literal["nearest", "earliest", "max_lives", "fixed"] = "nearest"
    plan: list[int] | None = Field(None, description='task index of each team (policy = "fixed"), -1: stay')
    weather: WeatherConfig = WeatherConfig()
    survival: Literal["golden_72_hours", "earthen_buildings"] = "golden_72_hours"
    trapped_share: float = Field(HAZUS_TRAPPED_SHARE, ge=0, le=1)
    medevac_sites: int = Field(3, ge=0, description="largest sites that also get a medical task")
    medevac_s: float = Field(1800.0, ge=0, description="work time of an air or medical team at a task")
    baseline_extrication_s: float = Field(72 * 3600.0, gt=0, description="no-response rescue time")
    offroad_speed_m_s: float = Field(DEFAULT_OFFROAD_SPEED_M_S, gt=0)


@register
class RescueProcess(Process):
    """Rescue teams dispatched to trapped and injured people (see the module text)."""

    model_name = "rescue"
    family = "response"
    Config = RescueConfig
    reads = (
        FieldSpec("building_collapse_fraction", "1", "share of a cell's buildings collapsed", optional=True),
        FieldSpec("population", "1", "people per cell", optional=True),
        FieldSpec("indoor_fraction", "1", "share of people indoors", optional=True),
        FieldSpec("road_mask", "1", "cells a road crosses (orders this after the roads)", optional=True),
    )
    writes = (FieldSpec("rescued_alive", "1", "expected trapped people brought out alive per cell"),)
    emits = ("team_dispatched", "team_arrived", "people_rescued")
    default_dt_s = 300.0

    @classmethod
    def check(cls, config: RescueConfig, scenario, key: str) -> None:
        """Teams name known bases; a fixed plan lists every team."""
        bases = [b.name for b in config.bases]
        for i, t in enumerate(config.teams):
            if t.base not in bases:
                raise ScenarioError(
                    f"unknown base {t.base!r}; bases are {', '.join(bases)}", key=f"{key}.teams[{i}].base"
                )
        n = sum(t.count for t in config.teams)
        if config.policy == "fixed" and (config.plan is None or len(config.plan) != n):
            raise ScenarioError(
                f'policy = "fixed" needs a plan with one task index per team ({n})', key=f"{key}.plan"
            )

    # -- set-up --------------------------------------------------------------------------------
    def start(self, t_s: float) -> None:
        """Build the teams at their bases and run the first epoch."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        net = self.world.networks.get(cfg.network)
        self.travel = TravelTimes(net, offroad_speed_m_s=cfg.offroad_speed_m_s) if net is not None else None
        base = {b.name: b for b in cfg.bases}
        rows = [(t, k) for t in cfg.teams for k in range(t.count)]
        self.team_names = [t.name if t.count == 1 else f"{t.name}_{k + 1}" for t, k in rows]
        kinds = [t.kind for t, _ in rows]
        air = np.array([k in ("helicopter", "fixed_wing") for k in kinds])
        if (~air).any() and self.travel is None:
            raise ValueError(f"ground teams need the road network {cfg.network!r}; add road_network")
        col = lambda f, default=np.nan: [  # noqa: E731
            default if getattr(t, f) is None else getattr(t, f) for t, _ in rows
        ]
        self.teams = Teams.build(
            kinds,
            base_x_m=[base[t.base].x_m for t, _ in rows],
            base_y_m=[base[t.base].y_m for t, _ in rows],
            travel=self.travel,
            readiness_s=col("readiness_s"),
            speed_factor=col("speed_factor"),
            cruise_speed_m_s=col("cruise_speed_m_s"),
            approach_s=col("approach_s"),
            capacity=col("capacity"),
            shift_start_s=t_s,
            shift_s=col("shift_s", np.inf),
            free_at_s=t_s,
            max_wind_m_s=None
            if all(t.max_wind_m_s is None for t, _ in rows)
            else col("max_wind_m_s", np.inf),
            min_visibility_m=None
            if all(t.min_visibility_m is None for t, _ in rows)
            else col("min_visibility_m", 0.0),
        )
        self.outside_s = np.array([base[t.base].outside_travel_s for t, _ in rows])
        self.base_x = self.teams.x_m.copy()
        self.base_y = self.teams.y_m.copy()
        self.teams.leg_s += self.outside_s
        self.curve: SurvivalCurve = (
            GOLDEN_72_HOURS if cfg.survival == "golden_72_hours" else earthen_buildings_curve()
        )
        self.tasks: Tasks | None = None
        self.origin: np.ndarray = np.empty(0, np.int64)
        self.log: dict[str, list] = {
            k: []
            for k in ("team", "kind", "task", "task_kind", "people", "start_s", "arrive_s", "end_s", "alive")
        }
        self.alive = np.empty(0)
        self.arrive = np.empty(0)
        self._tasked = np.zeros(self.world.grid.nx * self.world.grid.ny)
        self._table_used = False
        self.t0_s = t_s
        self.t_origin = t_s
        self.air_why: dict[str, str] = {}
        self._epoch(t_s)

    def advance(self, t_s: float, dt_s: float) -> None:
        """One decision epoch at ``t_s``."""
        self._epoch(t_s)

    # -- tasks ---------------------------------------------------------------------------------
    def _origin_event(self) -> tuple[int, float]:
        collapsed = self.world.events.of_kind("buildings_collapsed")
        if collapsed:
            return collapsed[-1].id, collapsed[-1].time_s
        trigger = self.trigger_event()
        if trigger is not None:
            return trigger.id, trigger.time_s
        return self.cause_id, self.t0_s

    def _trapped_sites(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """People trapped since the last look: ``(x_m, y_m, people)`` of new sites, or ``None``.

        The ``trapped_people`` table is taken whole, once, if it is there before any estimate was
        made from the fields; otherwise each cell's estimate from the fields is compared with the
        people already turned into tasks there, so a later collapse (an aftershock) adds only
        its new trapped people.
        """
        tables = self.world.tables
        if "trapped_people" in tables and not self._tasked.any() and not self._table_used:
            self._table_used = True
            c = tables["trapped_people"].columns
            return (np.asarray(c["x_m"], float), np.asarray(c["y_m"], float), np.asarray(c["people"], float))
        layers = self.world.grid.layers
        if (
            self._table_used
            or "building_collapse_fraction" not in layers
            or layers["building_collapse_fraction"].cause_event_id < 0
        ):
            return None
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        cf = layers["building_collapse_fraction"].data.ravel()
        pop = layers["population"].data.ravel() if "population" in layers else np.zeros_like(cf)
        indoor = layers["indoor_fraction"].data.ravel() if "indoor_fraction" in layers else 1.0
        people = np.maximum(np.round(pop * indoor * cf * cfg.trapped_share) - self._tasked, 0.0)
        hit = np.flatnonzero(people >= 1)
        if hit.size == 0:
            return None
        self._tasked[hit] += people[hit]
        xs, ys = self.world.grid.cell_centres()
        return xs.ravel()[hit], ys.ravel()[hit], people[hit]

    def _add_tasks(self) -> None:
        sites = self._trapped_sites()
        if sites is None:
            return
        x, y, people = sites
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        origin, t_origin = self._origin_event()
        big = np.argsort(-people, kind="stable")[: cfg.medevac_sites]
        new = Tasks.build(
            x_m=np.concatenate([x, x[big]]),
            y_m=np.concatenate([y, y[big]]),
            kind=["rescue"] * x.size + ["medical"] * big.size,
            people=np.concatenate([people, people[big]]),
            priority=np.concatenate([people, people[big]]),
            created_s=t_origin,
        )
        old = self.tasks
        if old is None:
            self.tasks = new
            self.t_origin = t_origin
        else:
            self.tasks = Tasks(
                **{
                    f: np.concatenate([getattr(old, f), getattr(new, f)])
                    for f in ("x_m", "y_m", "kind", "people", "priority", "created_s", "open")
                }
            )
        self.origin = np.concatenate([self.origin, np.full(new.n, origin, dtype=np.int64)])
        self.alive = np.concatenate([self.alive, np.zeros(new.n)])
        self.arrive = np.concatenate([self.arrive, np.full(new.n, np.inf)])

    # -- epochs --------------------------------------------------------------------------------
    def _resnap_teams(self) -> None:
        """Tie ground teams to the nearest node still on an open road (a closure may cut theirs off).

        A team at base keeps its outside travel if it has not left yet; a team at a site walks the
        off-road leg to the nearest connected node, as a task's people would.
        """
        teams = self.teams
        ground = np.flatnonzero(~teams.is_air)
        if ground.size == 0:
            return
        x = np.where(teams.at_base[ground], self.base_x[ground], teams.x_m[ground])
        y = np.where(teams.at_base[ground], self.base_y[ground], teams.y_m[ground])
        node, leg = self.travel.from_points(x, y)
        teams.node[ground] = node
        teams.leg_s[ground] = leg + np.where(teams.at_base[ground], self.outside_s[ground], 0.0)

    def _policy(self):
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        if cfg.policy == "nearest":
            return NearestAvailable("priority")
        if cfg.policy == "earliest":
            return NearestAvailable("earliest")
        if cfg.policy == "max_lives":
            return MaxLivesSaved(self.curve)
        return FixedPlan(tuple(cfg.plan or ()))

    def _epoch(self, t_s: float) -> None:
        self._add_tasks()
        tasks = self.tasks
        if tasks is None or not tasks.open.any():
            return
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        if self.travel is not None:
            tasks = tasks.snap(self.travel)  # the current network's connected nodes
            self.tasks = tasks
            self._resnap_teams()
        weather = Weather(cfg.weather.wind_m_s, cfg.weather.visibility_m)
        arrival = arrival_matrix(self.teams, tasks, self.travel, t_s, weather=weather)
        pairs = self._policy().assign(arrival, self.teams, tasks, t_s)
        if pairs.n == 0:
            return
        kinds = self.teams.kind_names()
        teams = self.teams
        for i, j in zip(pairs.team.tolist(), pairs.task.tolist(), strict=True):
            if teams.is_air[i] and self.team_names[i] not in self.air_why:
                ready = teams.readiness_s[i] if teams.at_base[i] else 0.0
                dist = float(np.hypot(tasks.x_m[j] - teams.x_m[i], tasks.y_m[j] - teams.y_m[i]))
                self.air_why[self.team_names[i]] = (
                    f"{kinds[i]} {self.team_names[i]}: readiness {ready / 3600:.2g} h"
                    f" + {dist / 1000:.0f} km at {teams.cruise_speed_m_s[i] * 3.6:.0f} km/h"
                    + (f" + approach {teams.approach_s[i] / 60:.0f} min" if teams.approach_s[i] > 0 else "")
                    + (
                        f", called {t_s - self.t_origin:.0f} s after the collapse"
                        if t_s > self.t_origin
                        else ""
                    )
                )
        work = np.empty(pairs.n)
        for p, (i, j) in enumerate(zip(pairs.team.tolist(), pairs.task.tolist(), strict=True)):
            k = kinds[i]
            if tasks.kind[j] == 0 and k in RESCUE_S_PER_PERSON:  # "rescue"
                per = RESCUE_S_PER_PERSON[k]
                crews = self.teams.capacity[i]
                work[p] = np.ceil(tasks.people[j] / max(crews, 1.0)) * per
                self.alive[j] = float(
                    expected_lives_saved(
                        pairs.arrival_s[p],
                        tasks.created_s[j],
                        tasks.people[j],
                        per_person_s=per,
                        crews=crews,
                        curve=self.curve,
                    )
                )
            else:
                work[p] = cfg.medevac_s
        self.teams.commit(pairs, tasks, work)
        tasks.open[pairs.task] = False
        task_kind = ("rescue", "medical", "engineering", "airlift", "supply")
        for p, (i, j) in enumerate(zip(pairs.team.tolist(), pairs.task.tolist(), strict=True)):
            arrive = float(pairs.arrival_s[p])
            end = arrive + float(work[p])
            self.arrive[j] = arrive
            tk = task_kind[int(tasks.kind[j])]
            x, y = float(tasks.x_m[j]), float(tasks.y_m[j])
            data = {
                "team": self.team_names[i],
                "kind": kinds[i],
                "task": j,
                "task_kind": tk,
                "people": float(tasks.people[j]),
                "arrive_s": arrive,
            }
            sent = self.emit("team_dispatched", cause_id=int(self.origin[j]), x_m=x, y_m=y, data=data)
            if arrive <= self.scheduler.end_s:
                self.scheduler.schedule_event(
                    "team_arrived",
                    at_s=arrive,
                    source=self.name,
                    cause_id=sent,
                    x_m=x,
                    y_m=y,
                    data={"team": self.team_names[i], "task": j},
                )
            if tk == "rescue" and end <= self.scheduler.end_s:
                self.scheduler.schedule_event(
                    "people_rescued",
                    at_s=end,
                    source=self.name,
                    cause_id=int(self.origin[j]),
                    x_m=x,
                    y_m=y,
                    data={
                        "team": self.team_names[i],
                        "task": j,
                        "people": float(tasks.people[j]),
                        "expected_alive": float(self.alive[j]),
                    },
                )
            for col, v in zip(
                self.log,
                (
                    self.team_names[i],
                    kinds[i],
                    j,
                    tk,
                    float(tasks.people[j]),
                    t_s,
                    arrive,
                    end,
                    float(self.alive[j]),
                ),
                strict=True,
            ):
                self.log[col].append(v)

    def _no_aviation_reason(self) -> str:
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        teams = self.teams
        if not teams.is_air.any():
            return "none: no aircraft in the scenario"
        air = np.flatnonzero(teams.is_air)
        wind, vis = cfg.weather.wind_m_s, cfg.weather.visibility_m
        if np.all((wind > teams.max_wind_m_s[air]) | (vis < teams.min_visibility_m[air])):
            return (
                f"none: all aircraft grounded (wind {wind:g} m/s,"
                f" limit {teams.max_wind_m_s[air].max():g} m/s;"
                f" visibility {vis:g} m, minimum {teams.min_visibility_m[air].min():g} m)"
            )
        if self.tasks is None or not np.any(self.tasks.kind == 1):
            return "none: no task for aircraft (no medical evacuation sites)"
        return "none: no aircraft was dispatched"

    # -- results -------------------------------------------------------------------------------
    def finish(self, t_s: float) -> None:
        """KPIs, the ``team_tasks`` table and the ``rescued_alive`` field."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        w = self.world
        log = self.log
        kinds = np.asarray(log["kind"], dtype=str)
        arrive = np.asarray(log["arrive_s"], dtype=float)
        air = np.isin(kinds, ["helicopter", "fixed_wing"])
        t_origin = getattr(self, "t_origin", self.t0_s)
        first_air = float(arrive[air].min() - t_origin) if air.any() else np.inf
        if air.any():
            why = self.air_why[log["team"][int(np.flatnonzero(air)[np.argmin(arrive[air])])]]
        else:
            why = self._no_aviation_reason()
        w.report_kpi(
            "rescue_first_aviation_on_scene_s",
            first_air,
            "s",
            f"first aviation team on scene after the collapse ({why})",
        )
        w.report_kpi(
            "rescue_first_arrival_s",
            float(arrive.min() - t_origin) if arrive.size else np.inf,
            "s",
            "first team of any kind on scene after the collapse",
        )
        tasks = self.tasks
        if tasks is None:
            rescue = np.zeros(0, dtype=bool)
            people = np.zeros(0)
        else:
            rescue = tasks.kind == 0
            people = tasks.people
        base_alive = people * self.curve(cfg.baseline_extrication_s)
        served = np.isfinite(self.arrive) if tasks is not None else np.zeros(0, bool)
        with_resp = np.where(served, self.alive, base_alive)
        alive = float(self.alive[rescue & served].sum()) if tasks is not None else 0.0
        w.report_kpi("rescue_people_trapped", people[rescue].sum(), "people", "people trapped alive (tasks)")
        w.report_kpi(
            "rescue_people_rescued_alive",
            alive,
            "people",
            "expected trapped people brought out alive by the teams",
        )
        w.report_kpi(
            "rescue_lives_saved",
            float(with_resp[rescue].sum() - base_alive[rescue].sum()),
            "people",
            f"expected survivors minus the no-response baseline (everyone freed at "
            f"{cfg.baseline_extrication_s / 3600:g} h, same survival curve)",
        )
        w.report_kpi(
            "rescue_unmet_tasks",
            float(np.sum(rescue & ~served)),
            "1",
            "rescue sites no team reached by the end of the run",
        )
        layer = w.grid.layers["rescued_alive"]
        if tasks is not None and served.any():
            m = rescue & served
            layer.data += points_to_cells(w.grid, tasks.x_m[m], tasks.y_m[m], self.alive[m])
            self.mark_written("rescued_alive")
        w.add_map("rescued_alive", layer.data, "1", "expected trapped people brought out alive, per cell")
        w.add_table(
            "team_tasks",
            {
                "team": np.asarray(log["team"], dtype=str),
                "kind": kinds,
                "task": np.asarray(log["task"], dtype=np.int64),
                "task_kind": np.asarray(log["task_kind"], dtype=str),
                "people": np.asarray(log["people"], dtype=float),
                "start_s": np.asarray(log["start_s"], dtype=float),
                "arrive_s": arrive,
                "end_s": np.asarray(log["end_s"], dtype=float),
                "alive": np.asarray(log["alive"], dtype=float),
            },
            {"start_s": "s", "arrive_s": "s", "end_s": "s", "people": "1", "alive": "1"},
            "each team's tasks: dispatch, arrival on scene and end of work (the Gantt chart)",
        )


_ = TEAM_KINDS  # the kinds a TeamConfig accepts are these


def points_to_cells(grid, x_m, y_m, values) -> np.ndarray:
    """Sum point values into the grid's cells, shape ``(ny, nx)`` (points outside go to the edge cells).

    Examples
    --------
    >>> from engine.grid import Grid
    >>> grid = Grid(0.0, 0.0, 10.0, 2, 1)
    >>> points_to_cells(grid, [5.0, 15.0, 16.0], [5.0, 5.0, 5.0], [1.0, 2.0, 3.0]).tolist()
    [[1.0, 5.0]]
    """
    out = np.zeros(grid.shape)
    col = np.clip(
        ((np.asarray(x_m, float) - grid.origin_x_m) // grid.cell_size_m).astype(int), 0, grid.nx - 1
    )
    row = np.clip(
        ((np.asarray(y_m, float) - grid.origin_y_m) // grid.cell_size_m).astype(int), 0, grid.ny - 1
    )
    np.add.at(out, (row, col), np.asarray(values, float))
    return out
