"""The ``rescue`` process: teams from bases to trapped and injured people and to fires, epoch by epoch.

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
   **Fires**: every event logged since the last epoch whose kind is in ``fire_event_kinds``
   (default ``building_fire``, ``pool_fire``, ``jet_fire``, ``fireball``, ``fire``) and that has
   coordinates becomes a ``"fire"`` task (cause: the fire event) that only ``fire_rescue`` teams
   serve. Its people are ``data.people_at_risk`` (default ``fire_people_at_risk`` = 2) and its
   lives at risk, the benefit the ``max_lives`` policy counts and the ``nearest`` priority, are
   people × ``fire_death_probability`` (default 0.5: an assumption, not a published rate). It
   burns out at ignition + ``data.burn_duration_s`` (default ``fire_burn_duration_s`` = 2 h, an
   assumption): a fire no team reached by then is closed as burnt out (unmet), and no team is
   sent that would arrive after it. A team works ``fire_work_s`` (1 h) or until the burn-out.
2. **Arrival times** of every available team at every open task over the *current* road network
   (:func:`models.response.dispatch.arrival_matrix`: closed edges removed; the cache of
   :class:`~models.response.travel.TravelTimes` is rebuilt only when ``road_closed`` changed it);
   aircraft fly straight lines at cruise speed after their readiness, grounded by ``weather``,
   to a **landing place** (below).
3. **The policy** (``policy``: ``"nearest"`` closest unit by task priority, ``"earliest"`` global
   earliest pairs, ``"max_lives"`` the exact assignment maximising expected lives saved, ``"fixed"``
   the ``plan``) pairs teams and tasks; each team is then busy until arrival + work (ground:
   :func:`models.response.survival.rescue_duration_s`; air or medical: ``medevac_s``).

**Landing.** Landing sites are the ``landing_sites`` listed (``{name, kind = "helipad" |
"airstrip", x_m, y_m}`` or ``{name, kind, facility = <a [[facilities]] name>}``) plus every
facility of kind ``"helipad"`` or ``"airstrip"``; with ``open_ground = {max_slope_deg,
min_clear_m, max_people_per_cell}`` a helicopter may also land on any cell that passes
:func:`open_ground_mask`. A site or cell under more than ``landing_max_water_depth_m`` of water
or under landslide debris is not used. A helicopter flies to the usable landing place nearest
the task (helipad or open-ground cell) and its crew walks the straight line from there to the
task at ``offroad_speed_m_s`` (the same off-road pace as the road legs; roads are not used for
this leg, a simplification); with ``hoist = true`` it hoists on the spot (arrival = readiness +
distance / speed + approach). Fixed-wing aircraft land only at an airstrip and go on by the same
off-road leg; they serve airlift and supply tasks, not trapped people
(:data:`~models.response.dispatch.SERVES`). A scenario with no landing site and no
``open_ground`` keeps the older rule: aircraft land at the task. The place used is recorded in
``team_tasks`` (``land_x_m``, ``land_y_m``; NaN for ground teams).

**Rerouting.** A ground team's path (nodes and the time at each, over the network at dispatch)
is kept. When the network has changed, each team still on its way whose remaining path has a
closed edge is rerouted: it finishes the edge it is on and goes round from the next node (or,
when the edge it is on closed under it, turns back to the last node it passed, taking the time
it has spent on that edge again; or, if it has not reached its first node, goes round from
there), over the current network to the task's current nodes; its arrival and end move, the
rescue's survival is recomputed, and ``team_rerouted`` is logged (cause: the ``road_closed``
event of the blocking edge; data {team, task, old_arrive_s, new_arrive_s}). With no way left the
team stops at that node, free from then, and the task reopens (``new_arrive_s`` null; the Gantt
row gets ``reached = 0`` and ends there, ``arrive_s = end_s``). Closures are seen at epochs only
(every ``dt_s``), and a slowed (not closed) edge does not trigger a reroute. Because arrivals can
move, ``team_arrived`` and ``people_rescued`` are queued only for times before the next epoch.

**Survival and lives saved.** People at a rescued site come out alive in expectation
:func:`models.response.survival.expected_lives_saved` (curve ``survival``). The **no-response
baseline** frees everybody only at ``baseline_extrication_s`` after the collapse (default 72 h:
late help from neighbours and outside, a stated assumption), with the same curve; tasks left
unserved at the end of the run are given that baseline too, so ``rescue_lives_saved`` =
alive with the response − alive in the baseline.

Written: field ``rescued_alive`` (expected people brought out alive per cell), table
``team_tasks`` (team, kind, task, task_kind, people, start_s, arrive_s, end_s, alive, land_x_m,
land_y_m, reached: the Gantt of the report; fire rows have ``task_kind = "fire"`` and ``alive = 0``) and
map ``rescued_alive``, KPIs ``rescue_first_aviation_on_scene_s`` (after the origin event,
``inf`` if none; its description names the aircraft and its readiness, distance, speed and walk,
or why none flew), ``rescue_people_trapped``, ``rescue_people_rescued_alive``,
``rescue_lives_saved``, ``rescue_unmet_tasks``, ``rescue_first_arrival_s`` (fires apart),
``rescue_fires``, ``rescue_fires_reached`` (before burning out), ``rescue_fires_burnt_out``,
``rescue_fire_first_arrival_s`` (shortest ignition-to-arrival), ``rescue_fire_lives_saved``
(lives at risk of the fires reached). Events ``team_dispatched`` (cause: the task's origin
event), ``team_arrived`` (cause: the dispatch), ``people_rescued`` (cause: the task's origin
event) when the site is cleared, ``team_rerouted`` (above).

The configuration models live in :mod:`models.response.rescue_config`, the landing part in
:mod:`models.response.rescue_landing` and the fire tasks in :mod:`models.response.rescue_fires`;
this module re-exports their public names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process
from engine.registry import register
from models.response.dispatch import (
    TASK_KINDS,
    TEAM_KINDS,
    FixedPlan,
    Landing,
    MaxLivesSaved,
    NearestAvailable,
    Tasks,
    Teams,
    Weather,
    arrival_matrix,
)
from models.response.rescue_config import (
    FIRE_EVENT_KINDS,
    LANDING_KINDS,
    BaseConfig,
    LandingSiteConfig,
    OpenGroundConfig,
    RescueConfig,
    TeamConfig,
    WeatherConfig,
)
from models.response.rescue_fires import FireTasksMixin
from models.response.rescue_landing import LandingMixin, open_ground_mask
from models.response.survival import (
    GOLDEN_72_HOURS,
    RESCUE_S_PER_PERSON,
    SurvivalCurve,
    earthen_buildings_curve,
    expected_lives_saved,
)
from models.response.travel import TravelTimes, reconstruct_path

__all__ = [
    "FIRE_EVENT_KINDS",
    "BaseConfig",
    "LandingSiteConfig",
    "OpenGroundConfig",
    "RescueConfig",
    "RescueProcess",
    "TeamConfig",
    "WeatherConfig",
    "open_ground_mask",
    "points_to_cells",
]


@dataclass
class _Route:
    """A ground team's trip as dispatched (or last rerouted): nodes and the time at each."""

    task: int
    row: int
    nodes: np.ndarray
    times_s: np.ndarray
    offroad_s: float
    work_s: float
    sent: int


@register
class RescueProcess(LandingMixin, FireTasksMixin, Process):
    """Rescue teams dispatched to trapped and injured people and to fires (see the module text)."""

    model_name = "rescue"
    family = "response"
    Config = RescueConfig
    reads = (
        FieldSpec("building_collapse_fraction", "1", "share of a cell's buildings collapsed", optional=True),
        FieldSpec("population", "1", "people per cell", optional=True),
        FieldSpec("indoor_fraction", "1", "share of people indoors", optional=True),
        FieldSpec("road_mask", "1", "cells a road crosses (orders this after the roads)", optional=True),
        FieldSpec("slope_deg", "degree", "ground slope (open-ground landing)", optional=True),
        FieldSpec("water_depth_m", "m", "water depth (no landing in water)", optional=True),
        FieldSpec("landslide_debris_m", "m", "landslide deposit (no landing on debris)", optional=True),
    )
    writes = (FieldSpec("rescued_alive", "1", "expected trapped people brought out alive per cell"),)
    emits = ("team_dispatched", "team_arrived", "people_rescued", "team_rerouted")
    default_dt_s = 300.0

    @classmethod
    def check(cls, config: RescueConfig, scenario, key: str) -> None:
        """Teams name known bases; a fixed plan lists every team; landing facilities exist."""
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
        facilities = {f.name: f for f in getattr(scenario, "facilities", ())}
        names: set[str] = set()
        for i, site in enumerate(config.landing_sites):
            k = f"{key}.landing_sites[{i}]"
            if site.name in names:
                raise ScenarioError(f"landing site {site.name!r} is listed twice", key=f"{k}.name")
            names.add(site.name)
            if site.facility is None or scenario is None:
                continue
            fac = facilities.get(site.facility)
            if fac is None:
                known = [f.name for f in facilities.values() if f.kind in LANDING_KINDS]
                raise ScenarioError(
                    f"unknown landing facility {site.facility!r}; add a [[facilities]] entry of kind"
                    f" {site.kind!r} or name one of: {', '.join(known) or '(none)'}",
                    key=f"{k}.facility",
                )
            if fac.kind != site.kind:
                raise ScenarioError(
                    f"facility {site.facility!r} is of kind {fac.kind!r}, not {site.kind!r}",
                    key=f"{k}.facility",
                )
        if any(t.kind == "fixed_wing" for t in config.teams) and not (
            any(s.kind == "airstrip" for s in config.landing_sites)
            or any(f.kind == "airstrip" for f in facilities.values())
            or (
                not config.landing_sites
                and not any(f.kind in LANDING_KINDS for f in facilities.values())
                and config.open_ground is None
            )  # no landing model at all: aircraft land at the task, as before
        ):
            raise ScenarioError(
                "fixed-wing aircraft need a runway: add a landing site (or facility) of kind 'airstrip'",
                key=f"{key}.landing_sites",
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
        self._landing_sites()
        self.tasks: Tasks | None = None
        self.origin: np.ndarray = np.empty(0, np.int64)
        self.log: dict[str, list] = {
            k: []
            for k in (
                "team",
                "kind",
                "task",
                "task_kind",
                "people",
                "start_s",
                "arrive_s",
                "end_s",
                "alive",
                "land_x_m",
                "land_y_m",
                "reached",
            )
        }
        self.alive = np.empty(0)
        self.arrive = np.empty(0)
        self.burnt_out = np.empty(0, dtype=bool)
        self._tasked = np.zeros(self.world.grid.nx * self.world.grid.ny)
        self._table_used = False
        self._events_seen = 0
        self._routes: dict[int, _Route] = {}
        self._pending: dict[int, list[tuple[float, str, int, dict]]] = {}
        self._network_seen = -1
        self.t0_s = t_s
        self.t_origin = t_s
        self.air_why: dict[str, str] = {}
        self._no_landing = False
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
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        batches: list[tuple[Tasks, np.ndarray]] = []
        sites = self._trapped_sites()
        if sites is not None:
            x, y, people = sites
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
            batches.append((new, np.full(new.n, origin, dtype=np.int64)))
            if self.tasks is None or np.all(self.tasks.kind == TASK_KINDS.index("fire")):
                self.t_origin = t_origin
        fires = self._new_fires()
        if fires is not None:
            batches.append(fires)
        for new, origin in batches:
            old = self.tasks
            if old is None:
                self.tasks = new
            else:
                self.tasks = Tasks(
                    **{
                        f: np.concatenate([getattr(old, f), getattr(new, f)])
                        for f in (
                            "x_m",
                            "y_m",
                            "kind",
                            "people",
                            "priority",
                            "created_s",
                            "open",
                            "deadline_s",
                            "lives_at_risk",
                        )
                    }
                )
            self.origin = np.concatenate([self.origin, origin])
            self.alive = np.concatenate([self.alive, np.zeros(new.n)])
            self.arrive = np.concatenate([self.arrive, np.full(new.n, np.inf)])
            self.burnt_out = np.concatenate([self.burnt_out, np.zeros(new.n, dtype=bool)])

    # -- rerouting -----------------------------------------------------------------------------
    def _route(self, i: int, j: int, depart_s: float, dist, pred, k: int) -> _Route:
        """The node path and node times of ground team ``i`` to task ``j`` (before the commit)."""
        teams, snapped = self.teams, self.tasks.snapped  # type: ignore[union-attr]
        cand = snapped.node[j]
        cost = dist[k, cand] / teams.speed_factor[i] + snapped.offroad_s[j]
        q = int(np.argmin(cost))
        nodes = reconstruct_path(pred[k], int(teams.node[i]), int(cand[q]))
        times = depart_s + _cumulative_s(self.travel.graph(), nodes) / teams.speed_factor[i]  # type: ignore[union-attr]
        return _Route(j, -1, nodes, times, float(snapped.offroad_s[j, q]), 0.0, -1)

    def _reroute(self, t_s: float) -> None:
        """Teams on the road whose remaining path has a closed edge go round it, or give up."""
        travel = self.travel
        for i, route in list(self._routes.items()):
            if route.times_s[-1] + route.offroad_s <= t_s:
                del self._routes[i]  # arrived
        if travel is None or not self._routes:
            return
        graph = travel.graph()
        if travel.n_recomputations == self._network_seen:
            return
        self._network_seen = travel.n_recomputations
        keys = _edge_keys(graph)
        teams, tasks = self.teams, self.tasks
        for i, route in list(self._routes.items()):
            nodes, times = route.nodes, route.times_s
            passed = int(np.searchsorted(times, t_s, side="right"))  # nodes reached by t_s
            if passed >= nodes.size:
                continue  # on foot from the last node
            first = max(passed - 1, 0)
            gone = ~_has_edges(keys, graph.shape[0], nodes[first:-1], nodes[first + 1 :])
            closed = (first + np.flatnonzero(gone)).tolist()
            if not closed:
                continue
            if passed == 0:
                node, at = int(nodes[0]), float(times[0])
            elif closed[0] == passed - 1:  # the edge it is on closed: turn back to the last node
                node, at = int(nodes[passed - 1]), t_s + (t_s - float(times[passed - 1]))
            else:  # finish the edge it is on, then go round
                node, at = int(nodes[passed]), float(times[passed])
            j = route.task
            sf = teams.speed_factor[i]
            row = travel.from_nodes([node])[0]
            cand, off = tasks.snapped.node[j], tasks.snapped.offroad_s[j]  # type: ignore[union-attr]
            cost = row[cand] / sf + off
            q = int(np.argmin(cost))
            old = float(self.arrive[j])
            cause = self._closure_cause(nodes[closed[0]], nodes[closed[0] + 1], route.sent)
            log = self.log
            if not np.isfinite(cost[q]):
                del self._routes[i]
                self._pending.pop(route.row, None)
                teams.free_at_s[i] = at
                teams.node[i] = node
                teams.leg_s[i] = 0.0
                teams.x_m[i] = travel.network.node_x_m[node]
                teams.y_m[i] = travel.network.node_y_m[node]
                tasks.open[j] = True  # type: ignore[union-attr]
                self.arrive[j] = np.inf
                self.alive[j] = 0.0
                log["arrive_s"][route.row] = at
                log["reached"][route.row] = 0.0
                log["end_s"][route.row] = at
                log["alive"][route.row] = 0.0
                self.emit(
                    "team_rerouted",
                    cause_id=cause,
                    x_m=float(teams.x_m[i]),
                    y_m=float(teams.y_m[i]),
                    data={"team": self.team_names[i], "task": j, "old_arrive_s": old, "new_arrive_s": None},
                )
                continue
            path = reconstruct_path(travel.predecessors(node), node, int(cand[q]))
            new_times = at + _cumulative_s(graph, path) / sf
            new = float(new_times[-1] + off[q])
            route.nodes, route.times_s, route.offroad_s = path, new_times, float(off[q])
            teams.node[i] = int(cand[q])
            teams.leg_s[i] = float(off[q])
            self._settle(i, j, new, route)
            self.emit(
                "team_rerouted",
                cause_id=cause,
                x_m=float(travel.network.node_x_m[node]),
                y_m=float(travel.network.node_y_m[node]),
                data={"team": self.team_names[i], "task": j, "old_arrive_s": old, "new_arrive_s": new},
            )

    def _closure_cause(self, a: int, b: int, fallback: int) -> int:
        """The latest ``road_closed`` event of the edge a-b (either way), else the latest one."""
        closed = self.world.events.of_kind("road_closed")
        for e in reversed(closed):
            d = e.data or {}
            if {d.get("src"), d.get("dst")} == {int(a), int(b)}:
                return e.id
        return closed[-1].id if closed else fallback

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

    def _work_and_alive(self, i: int, j: int, arrive_s: float) -> float:
        """Work time of team ``i`` at task ``j`` reached at ``arrive_s``; sets the task's ``alive``."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        tasks = self.tasks
        k = TEAM_KINDS[int(self.teams.kind[i])]
        task_kind = TASK_KINDS[int(tasks.kind[j])]  # type: ignore[union-attr]
        if task_kind == "rescue" and k in RESCUE_S_PER_PERSON:
            per = RESCUE_S_PER_PERSON[k]
            crews = self.teams.capacity[i]
            self.alive[j] = float(
                expected_lives_saved(
                    arrive_s,
                    tasks.created_s[j],  # type: ignore[union-attr]
                    tasks.people[j],  # type: ignore[union-attr]
                    per_person_s=per,
                    crews=crews,
                    curve=self.curve,
                )
            )
            return float(np.ceil(tasks.people[j] / max(crews, 1.0)) * per)  # type: ignore[union-attr]
        if task_kind == "fire":  # fought until put out, or until it burns out
            return float(max(min(cfg.fire_work_s, tasks.deadline_s[j] - arrive_s), 0.0))  # type: ignore[index,union-attr]
        return cfg.medevac_s

    def _settle(self, i: int, j: int, arrive_s: float, route: _Route | None) -> None:
        """(Re)set team ``i``'s arrival at task ``j``: busy time, log row and the events it will emit."""
        tasks = self.tasks
        work = self._work_and_alive(i, j, arrive_s)
        end = arrive_s + work
        self.teams.free_at_s[i] = end
        self.arrive[j] = arrive_s
        row = route.row if route is not None else len(self.log["team"]) - 1
        self.log["arrive_s"][row] = arrive_s
        self.log["end_s"][row] = end
        self.log["alive"][row] = float(self.alive[j])
        sent = route.sent if route is not None else self._last_sent
        x, y = float(tasks.x_m[j]), float(tasks.y_m[j])  # type: ignore[union-attr]
        pending = [(arrive_s, "team_arrived", sent, {"team": self.team_names[i], "task": j})]
        if TASK_KINDS[int(tasks.kind[j])] == "rescue":  # type: ignore[union-attr]
            pending.append(
                (
                    end,
                    "people_rescued",
                    int(self.origin[j]),
                    {
                        "team": self.team_names[i],
                        "task": j,
                        "people": float(tasks.people[j]),  # type: ignore[union-attr]
                        "expected_alive": float(self.alive[j]),
                        "x_m": x,
                        "y_m": y,
                    },
                )
            )
        self._pending[row] = pending
        if route is not None:
            route.work_s = work

    def _flush(self, t_s: float) -> None:
        """Schedule the arrivals and rescues due before the next epoch (later ones may still move)."""
        horizon = t_s + (self.dt_s or self.default_dt_s)
        end_s = self.scheduler.end_s
        for row in list(self._pending):
            keep = []
            for at, kind, cause, data in self._pending[row]:
                if at > end_s:
                    continue
                if at < horizon:
                    d = dict(data)
                    x, y = (d.pop("x_m"), d.pop("y_m")) if "x_m" in d else self._task_xy(int(d["task"]))
                    self.scheduler.schedule_event(
                        kind, at_s=at, source=self.name, cause_id=cause, x_m=x, y_m=y, data=d
                    )
                else:
                    keep.append((at, kind, cause, data))
            if keep:
                self._pending[row] = keep
            else:
                del self._pending[row]

    def _task_xy(self, j: int) -> tuple[float, float]:
        return float(self.tasks.x_m[j]), float(self.tasks.y_m[j])  # type: ignore[union-attr]

    def _epoch(self, t_s: float) -> None:
        self._add_tasks()
        tasks = self.tasks
        if tasks is None:
            return
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        late = tasks.open & (tasks.deadline_s <= t_s)  # type: ignore[operator]
        tasks.open[late] = False
        self.burnt_out[late] = True
        if self.travel is not None:
            tasks = tasks.snap(self.travel)  # the current network's connected nodes
            self.tasks = tasks
            self._reroute(t_s)
            self._resnap_teams()
        if tasks.open.any():
            self._dispatch(t_s, tasks, cfg)
        self._flush(t_s)

    def _dispatch(self, t_s: float, tasks: Tasks, cfg: RescueConfig) -> None:
        weather = Weather(cfg.weather.wind_m_s, cfg.weather.visibility_m)
        landing = self._landing(tasks)
        arrival = arrival_matrix(self.teams, tasks, self.travel, t_s, weather=weather, landing=landing)
        pairs = self._policy().assign(arrival, self.teams, tasks, t_s)
        if pairs.n == 0:
            return
        kinds = self.teams.kind_names()
        teams = self.teams
        spot = landing or Landing.on_the_spot(tasks)
        wing = TEAM_KINDS.index("fixed_wing")
        land: dict[int, tuple[float, float, float]] = {}
        for i, j in zip(pairs.team.tolist(), pairs.task.tolist(), strict=True):
            if not teams.is_air[i]:
                continue
            if teams.kind[i] == wing:
                land[i] = (float(spot.wing_x_m[j]), float(spot.wing_y_m[j]), float(spot.wing_ground_s[j]))
            else:
                land[i] = (float(spot.heli_x_m[j]), float(spot.heli_y_m[j]), float(spot.heli_ground_s[j]))
            if self.team_names[i] not in self.air_why:
                lx, ly, walk = land[i]
                ready = teams.readiness_s[i] if teams.at_base[i] else 0.0
                dist = float(np.hypot(lx - teams.x_m[i], ly - teams.y_m[i]))
                self.air_why[self.team_names[i]] = (
                    f"{kinds[i]} {self.team_names[i]}: readiness {ready / 3600:.2g} h"
                    f" + {dist / 1000:.0f} km at {teams.cruise_speed_m_s[i] * 3.6:.0f} km/h"
                    + (f" + approach {teams.approach_s[i] / 60:.0f} min" if teams.approach_s[i] > 0 else "")
                    + (f" + {walk / 60:.0f} min on foot from the landing place" if walk > 0 else "")
                    + (
                        f", called {t_s - self.t_origin:.0f} s after the collapse"
                        if t_s > self.t_origin
                        else ""
                    )
                )
        # ground routes: one multi-source sweep with predecessors for the dispatched teams' nodes
        routes: dict[int, _Route] = {}
        ground = [
            (i, j, a)
            for i, j, a in zip(pairs.team, pairs.task, pairs.arrival_s, strict=True)
            if not teams.is_air[i]
        ]
        if ground and self.travel is not None:
            src = np.unique([int(teams.node[i]) for i, _, _ in ground])
            dist = self.travel.from_nodes(src)  # cached by the arrival matrix, trees with them
            pred = np.stack([self.travel.predecessors(int(n)) for n in src])
            for i, j, _ in ground:
                depart = max(t_s, teams.free_at_s[i]) + (teams.readiness_s[i] if teams.at_base[i] else 0.0)
                depart += teams.leg_s[i]
                k = int(np.searchsorted(src, teams.node[i]))
                routes[int(i)] = self._route(int(i), int(j), float(depart), dist, pred, k)
        self.teams.commit(pairs, tasks, 0.0)
        tasks.open[pairs.task] = False
        for i, (lx, ly, _) in land.items():
            teams.x_m[i], teams.y_m[i] = lx, ly
        for i, j, a in zip(pairs.team.tolist(), pairs.task.tolist(), pairs.arrival_s.tolist(), strict=True):
            tk = TASK_KINDS[int(tasks.kind[j])]
            x, y = float(tasks.x_m[j]), float(tasks.y_m[j])
            data = {
                "team": self.team_names[i],
                "kind": kinds[i],
                "task": j,
                "task_kind": tk,
                "people": float(tasks.people[j]),
                "arrive_s": a,
            }
            self._last_sent = self.emit(
                "team_dispatched", cause_id=int(self.origin[j]), x_m=x, y_m=y, data=data
            )
            lx, ly, _ = land.get(i, (np.nan, np.nan, 0.0))
            for col, v in zip(
                self.log,
                (self.team_names[i], kinds[i], j, tk, float(tasks.people[j]), t_s, a, a, 0.0, lx, ly, 1.0),
                strict=True,
            ):
                self.log[col].append(v)
            route = routes.get(i)
            if route is not None:
                route.row = len(self.log["team"]) - 1
                route.sent = self._last_sent
                self._routes[i] = route
            else:
                self._routes.pop(i, None)
            self._settle(i, j, a, route)

    # -- results -------------------------------------------------------------------------------
    def finish(self, t_s: float) -> None:
        """KPIs, the ``team_tasks`` table and the ``rescued_alive`` field."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        w = self.world
        log = self.log
        kinds = np.asarray(log["kind"], dtype=str)
        arrive = np.asarray(log["arrive_s"], dtype=float)
        task_kind = np.asarray(log["task_kind"], dtype=str)
        reached = np.asarray(log["reached"], dtype=float) > 0
        air = np.isin(kinds, ["helicopter", "fixed_wing"]) & reached
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
        not_fire = (task_kind != "fire") & reached
        w.report_kpi(
            "rescue_first_arrival_s",
            float(arrive[not_fire].min() - t_origin) if not_fire.any() else np.inf,
            "s",
            "first team of any kind on scene after the collapse (fires apart)",
        )
        tasks = self.tasks
        if tasks is None:
            rescue = np.zeros(0, dtype=bool)
            fire = np.zeros(0, dtype=bool)
            people = np.zeros(0)
        else:
            rescue = tasks.kind == TASK_KINDS.index("rescue")
            fire = tasks.kind == TASK_KINDS.index("fire")
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
        self._fire_kpis(fire, served)
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
                "task_kind": task_kind,
                "people": np.asarray(log["people"], dtype=float),
                "start_s": np.asarray(log["start_s"], dtype=float),
                "arrive_s": arrive,
                "end_s": np.asarray(log["end_s"], dtype=float),
                "alive": np.asarray(log["alive"], dtype=float),
                "land_x_m": np.asarray(log["land_x_m"], dtype=float),
                "land_y_m": np.asarray(log["land_y_m"], dtype=float),
                "reached": np.asarray(log["reached"], dtype=float),
            },
            {
                "start_s": "s",
                "arrive_s": "s",
                "end_s": "s",
                "people": "1",
                "alive": "1",
                "land_x_m": "m",
                "land_y_m": "m",
                "reached": "1",
            },
            "each team's tasks: dispatch, arrival on scene and end of work (the Gantt chart); aircraft's"
            " landing place (NaN for ground teams); reached 0: the team gave up on the way (at end_s)",
        )


def _edge_keys(graph) -> np.ndarray:
    """Sorted keys ``src * n + dst`` of the edges of a CSR graph."""
    n = graph.shape[0]
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.indptr))
    return np.sort(src * n + graph.indices.astype(np.int64))


def _has_edges(keys: np.ndarray, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether edges ``a[k] -> b[k]`` are among ``keys`` (:func:`_edge_keys`)."""
    want = np.asarray(a, dtype=np.int64) * n + np.asarray(b, dtype=np.int64)
    if keys.size == 0:
        return np.zeros(want.size, dtype=bool)
    at = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    return keys[at] == want


def _cumulative_s(graph, nodes: np.ndarray) -> np.ndarray:
    """Cumulative time at each node of a path over the open-edge graph (``0`` at the first)."""
    out = np.zeros(nodes.size)
    if nodes.size > 1:
        out[1:] = np.cumsum(np.asarray(graph[nodes[:-1], nodes[1:]], dtype=np.float64).ravel())
    return out


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
