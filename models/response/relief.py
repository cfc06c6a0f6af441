"""The ``relief`` process: displaced people, shelters, and supplies from depots at five levels.

``[[response]] model = "relief"`` runs an allocation epoch every ``dt_s`` (default 1800 s) from its
start (``start_s`` or a chain rule, e.g. on ``"buildings_collapsed"``):

1. **Displaced people** per cell, as they appear: ``population × min(1, displaced_per_collapse ×
   building_collapse_fraction)`` (the people of collapsed buildings lose their home; a stated
   assumption, in the spirit of HAZUS's displaced households from extensive and complete
   damage, which would need the damage states per cell), and the whole population of a cell once
   ``water_depth_m`` there has exceeded ``flood_displacement_depth_m``. Only the increase since
   the last epoch is new demand. New displaced people are grouped in blocks of ``block_m``.
2. **Shelters**: each group goes to the nearest shelter (straight line) with room left; people
   who find no room stay at their block and need tents.
3. **Demand** per point: :func:`models.response.allocation.relief_demand` for ``days`` days of
   the ``items`` (default tent, water, food; Sphere 2011 standards), without tents in shelters.
4. **Allocation** over the current roads: cost = depot release + outside travel + shortest time
   (:class:`~models.response.travel.TravelTimes`), min-cost with unmet-demand slack
   (:func:`models.response.allocation.allocate`); depot stocks are drawn down; vehicles of
   ``vehicle_capacity_kg`` carry the loads (:func:`models.response.allocation.delivery_schedule`;
   a depot's fleet is scheduled per epoch, not carried over between epochs: a simplification).
   Unmet demand stays for the next epoch. A depot with ``destroyed = true``, or whose cell's
   ``building_collapse_fraction`` exceeds ``destroyed_if_collapse_above``, loses its stock
   (event ``depot_destroyed``).

**Basic life restored** for a person: shelter (a shelter place or a tent) and water and food
delivered, i.e. the time the last load of everything their point needs has arrived. The plan's
clock (10 h) runs per person from the epoch in which they were displaced: a flood later in the
chain displaces people hours after the earthquake.

Written: field ``relief_unrestored_people`` (displaced people without basic life at the end, per
cell of their point), tables ``relief_unmet`` (per epoch: ``t_s``, ``people_displaced``,
``people_restored``, unmet quantity per item) and ``relief_points`` (x_m, y_m, people, sheltered,
displaced_s, restored_s), KPIs ``relief_displaced_people``, ``relief_share_restored_at_<h>h`` (within
``restored_at_s`` of displacement), ``relief_time_all_restored_s`` (the longest wait; ``inf`` when
someone still waits at the end), ``relief_all_restored_at_s`` (run clock), ``relief_unrestored_people_end``,
``relief_depots_destroyed``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.response.allocation import LEVELS, RELIEF_ITEMS, allocate, delivery_schedule, relief_demand
from models.response.rescue import points_to_cells
from models.response.travel import DEFAULT_OFFROAD_SPEED_M_S, TravelTimes

__all__ = ["DepotConfig", "ReliefConfig", "ReliefProcess", "ShelterConfig"]

Level = Literal["central", "provincial", "municipal", "county", "township"]


class DepotConfig(BaseModel):
    """A relief reserve depot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    level: Level
    x_m: float
    y_m: float
    stock: dict[str, float] = Field(description="quantity per item, in the item's unit")
    release_s: float = Field(0.0, ge=0, description="time to authorise and load after a request")
    outside_travel_s: float = Field(0.0, ge=0, description="road time from the depot to this point")
    vehicles: int = Field(2, ge=0)
    destroyed: bool = False
    destroyed_if_collapse_above: float | None = Field(None, ge=0, le=1)


class ShelterConfig(BaseModel):
    """A shelter (school, gymnasium, tent camp) with its capacity in people."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    x_m: float
    y_m: float
    capacity: int = Field(ge=0)


class ReliefConfig(ProcessConfig):
    """``[[response]] model = "relief"``."""

    model: Literal["relief"] = "relief"
    network: str = Field("roads", min_length=1)
    depots: list[DepotConfig] = Field(min_length=1)
    shelters: list[ShelterConfig] = Field(default_factory=list)
    items: list[str] = Field(["tent", "water", "food"], min_length=1)
    days: float = Field(1.0, gt=0, description="days of supplies each displaced person needs")
    displaced_per_collapse: float = Field(1.0, ge=0, description="displaced share per collapsed share")
    flood_displacement_depth_m: float = Field(0.5, gt=0)
    block_m: float = Field(250.0, gt=0, description="size of the blocks displaced people are grouped in")
    vehicle_capacity_kg: float = Field(5000.0, gt=0)
    handling_s: float = Field(1800.0, ge=0, description="loading plus unloading per trip")
    restored_at_s: float = Field(36000.0, gt=0, description="time after the origin for the share KPI")
    offroad_speed_m_s: float = Field(DEFAULT_OFFROAD_SPEED_M_S, gt=0)


@register
class ReliefProcess(Process):
    """Relief supplies and shelters for displaced people (see the module text)."""

    model_name = "relief"
    family = "response"
    Config = ReliefConfig
    reads = (
        FieldSpec("building_collapse_fraction", "1", "share of a cell's buildings collapsed", optional=True),
        FieldSpec("population", "1", "people per cell", optional=True),
        FieldSpec("water_depth_m", "m", "flood water depth", optional=True),
        FieldSpec("road_mask", "1", "cells a road crosses (orders this after the roads)", optional=True),
    )
    writes = (FieldSpec("relief_unrestored_people", "1", "displaced people without basic life at the end"),)
    emits = ("depot_destroyed",)
    default_dt_s = 1800.0

    @classmethod
    def check(cls, config: ReliefConfig, scenario, key: str) -> None:
        """Items and depot stocks must name known relief items."""
        known = sorted(RELIEF_ITEMS)
        for i, item in enumerate(config.items):
            if item not in RELIEF_ITEMS:
                raise ScenarioError(
                    f"unknown item {item!r}; items are {', '.join(known)}", key=f"{key}.items[{i}]"
                )
        for i, d in enumerate(config.depots):
            for item in d.stock:
                if item not in RELIEF_ITEMS:
                    raise ScenarioError(
                        f"unknown item {item!r}; items are {', '.join(known)}", key=f"{key}.depots[{i}].stock"
                    )

    def start(self, t_s: float) -> None:
        """Set up depots, shelters and the travel-time cache; run the first epoch."""
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        net = self.world.networks.get(cfg.network)
        if net is None:
            raise ValueError(f"relief needs the road network {cfg.network!r}; add road_network")
        self.travel = TravelTimes(net, offroad_speed_m_s=cfg.offroad_speed_m_s)
        self.items = list(cfg.items)
        self.unit_mass = np.array([RELIEF_ITEMS[i].unit_mass_kg for i in self.items])
        self.stock = np.array([[d.stock.get(i, 0.0) for i in self.items] for d in cfg.depots], dtype=float)
        self.alive_depot = np.ones(len(cfg.depots), dtype=bool)
        self.shelter_room = np.array([s.capacity for s in cfg.shelters], dtype=float)
        n_cells = self.world.grid.nx * self.world.grid.ny
        self.displaced = np.zeros(n_cells)
        # demand points: one list per column, appended as people appear
        self.pt: dict[str, list] = {
            k: [] for k in ("x_m", "y_m", "people", "sheltered", "displaced_s", "restored_s")
        }
        self.residual = np.zeros((0, len(self.items)))
        self.last_arrival = np.zeros(0)
        self.unmet_log: dict[str, list] = {"t_s": [], "people_displaced": [], "people_restored": []}
        for item in self.items:
            self.unmet_log[f"unmet_{item}"] = []
        self.t_origin = self._origin_time(t_s)
        self.n_destroyed = 0
        self._epoch(t_s)

    def advance(self, t_s: float, dt_s: float) -> None:
        """One allocation epoch."""
        self._epoch(t_s)

    def _origin_time(self, t_s: float) -> float:
        collapsed = self.world.events.of_kind("buildings_collapsed")
        if collapsed:
            return collapsed[0].time_s
        trigger = self.trigger_event()
        return trigger.time_s if trigger is not None else t_s

    # -- demand --------------------------------------------------------------------------------
    def _now_displaced(self) -> np.ndarray:
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        layers = self.world.grid.layers
        pop = layers["population"].data.ravel() if "population" in layers else np.zeros_like(self.displaced)
        out = np.zeros_like(self.displaced)
        if "building_collapse_fraction" in layers:
            cf = layers["building_collapse_fraction"].data.ravel()
            out = pop * np.minimum(1.0, cfg.displaced_per_collapse * cf)
        if "water_depth_m" in layers:
            wet = layers["water_depth_m"].data.ravel() > cfg.flood_displacement_depth_m
            out = np.where(wet, pop, out)
        return np.maximum(out, self.displaced)

    def _new_points(self) -> None:
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        now = self._now_displaced()
        new = np.floor(now) - np.floor(self.displaced)
        self.displaced = now
        cells = np.flatnonzero(new > 0)
        if cells.size == 0:
            return
        g = self.world.grid
        xs, ys = (a.ravel() for a in g.cell_centres())
        bx = np.floor((xs[cells] - g.origin_x_m) / cfg.block_m).astype(np.int64)
        by = np.floor((ys[cells] - g.origin_y_m) / cfg.block_m).astype(np.int64)
        key = by * (int(g.nx * g.cell_size_m / cfg.block_m) + 2) + bx
        _, inv = np.unique(key, return_inverse=True)
        w = new[cells]
        people = np.bincount(inv, weights=w)
        gx = np.bincount(inv, weights=w * xs[cells]) / people
        gy = np.bincount(inv, weights=w * ys[cells]) / people
        shel = cfg.shelters
        at_shelter = np.zeros(len(shel))
        for k in np.argsort(-people, kind="stable"):
            left = people[k]
            if shel:
                d = np.hypot(np.array([s.x_m for s in shel]) - gx[k], np.array([s.y_m for s in shel]) - gy[k])
                for s in np.argsort(d, kind="stable"):
                    take = min(left, self.shelter_room[s])
                    if take > 0:
                        self.shelter_room[s] -= take
                        at_shelter[s] += take
                        left -= take
                    if left <= 0:
                        break
            if left > 0:
                self._add_point(gx[k], gy[k], left, sheltered=False)
        for s in np.flatnonzero(at_shelter > 0):
            self._add_point(shel[s].x_m, shel[s].y_m, at_shelter[s], sheltered=True)

    def _add_point(self, x: float, y: float, people: float, *, sheltered: bool) -> None:
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        need = relief_demand([people], cfg.days, self.items)
        if sheltered and "tent" in self.items:
            need[:, self.items.index("tent")] = 0.0
        for k, v in zip(self.pt, (x, y, people, sheltered, self.now_s, np.inf), strict=True):
            self.pt[k].append(v)
        self.residual = np.vstack([self.residual, need])
        self.last_arrival = np.append(self.last_arrival, -np.inf)

    # -- epochs --------------------------------------------------------------------------------
    def _check_depots(self) -> None:
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        layer = self.world.grid.layers.get("building_collapse_fraction")
        g = self.world.grid
        for i, d in enumerate(cfg.depots):
            if not self.alive_depot[i]:
                continue
            hit = d.destroyed
            cause = self.cause_id
            if not hit and d.destroyed_if_collapse_above is not None and layer is not None:
                col = int((d.x_m - g.origin_x_m) // g.cell_size_m)
                row = int((d.y_m - g.origin_y_m) // g.cell_size_m)
                if (
                    0 <= row < g.ny
                    and 0 <= col < g.nx
                    and layer.data[row, col] > d.destroyed_if_collapse_above
                ):
                    hit, cause = True, layer.cause_event_id
            if hit:
                self.alive_depot[i] = False
                self.stock[i] = 0.0
                self.n_destroyed += 1
                self.emit(
                    "depot_destroyed",
                    cause_id=cause,
                    x_m=d.x_m,
                    y_m=d.y_m,
                    data={"depot": d.name, "level": d.level},
                )

    def _epoch(self, t_s: float) -> None:
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        self.now_s = t_s
        self._check_depots()
        self._new_points()
        n_p = self.residual.shape[0]
        open_pts = np.flatnonzero(self.residual.sum(axis=1) > 1e-9)
        if open_pts.size and self.alive_depot.any():
            dep = np.flatnonzero(self.alive_depot)
            dx = np.array([cfg.depots[i].x_m for i in dep])
            dy = np.array([cfg.depots[i].y_m for i in dep])
            node, leg = self.travel.from_points(dx, dy)
            pts = self.travel.snap(np.asarray(self.pt["x_m"])[open_pts], np.asarray(self.pt["y_m"])[open_pts])
            drive = self.travel.to_points(node, pts)
            drive += (leg + np.array([cfg.depots[i].outside_travel_s for i in dep]))[:, None]
            release = np.array([cfg.depots[i].release_s for i in dep])
            cost = drive + release[:, None]
            res = allocate(
                cost,
                self.stock[dep],
                self.residual[open_pts],
                depot_group=[LEVELS.index(cfg.depots[i].level) for i in dep],
            )
            if res.quantity.size:
                sched = delivery_schedule(
                    res,
                    np.where(np.isfinite(drive), drive, 1e12),
                    unit_mass_kg=self.unit_mass,
                    vehicle_capacity_kg=cfg.vehicle_capacity_kg,
                    vehicles_per_depot=[cfg.depots[i].vehicles for i in dep],
                    release_s=release,
                    now_s=t_s,
                    handling_s=cfg.handling_s,
                )
                last = np.full(open_pts.size, -np.inf)
                np.maximum.at(last, sched.point, sched.last_arrival_s)
                self.last_arrival[open_pts] = np.maximum(self.last_arrival[open_pts], last)
                self.stock[dep] -= res.shipped()
                np.maximum(self.stock, 0.0, out=self.stock)
            self.residual[open_pts] = res.unmet
        done = (self.residual.sum(axis=1) <= 1e-6) & np.isinf(np.asarray(self.pt["restored_s"], float))
        for j in np.flatnonzero(done):
            self.pt["restored_s"][j] = float(self.last_arrival[j]) if self.last_arrival[j] > -np.inf else t_s
        people = np.asarray(self.pt["people"], float)
        restored = np.asarray(self.pt["restored_s"], float)
        self.unmet_log["t_s"].append(t_s)
        self.unmet_log["people_displaced"].append(float(people.sum()) if n_p else 0.0)
        self.unmet_log["people_restored"].append(float(people[restored <= t_s].sum()) if n_p else 0.0)
        for k, item in enumerate(self.items):
            self.unmet_log[f"unmet_{item}"].append(float(self.residual[:, k].sum()) if n_p else 0.0)

    # -- results -------------------------------------------------------------------------------
    def finish(self, t_s: float) -> None:
        """KPIs on basic life restored, the unmet-demand table and the points."""
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        w = self.world
        people = np.asarray(self.pt["people"], float)
        restored = np.asarray(self.pt["restored_s"], float)
        restored = np.where(restored <= t_s, restored, np.inf)  # still on the road at the end: not yet
        total = float(people.sum())
        wait = restored - np.asarray(self.pt["displaced_s"], float)
        share = float(people[wait <= cfg.restored_at_s].sum() / total) if total > 0 else 1.0
        hours = f"{cfg.restored_at_s / 3600:g}"
        w.report_kpi("relief_displaced_people", total, "people", "people displaced (collapse or flood)")
        w.report_kpi(
            f"relief_share_restored_at_{hours}h",
            share,
            "1",
            f"share of displaced people with shelter, water and food within {hours} h of being displaced",
        )
        w.report_kpi(
            "relief_time_all_restored_s",
            float(wait.max()) if total > 0 else 0.0,
            "s",
            "longest wait from displacement to shelter, water and food (inf: someone still waits at the end)",
        )
        w.report_kpi(
            "relief_all_restored_at_s",
            float(restored.max()) if total > 0 else t_s,
            "s",
            "run time when the last displaced person had shelter, water and food",
        )
        w.report_kpi(
            "relief_unrestored_people_end",
            float(people[np.isinf(restored)].sum()),
            "people",
            "displaced people without basic life at the end of the run",
        )
        w.report_kpi("relief_depots_destroyed", self.n_destroyed, "1", "depots lost with their stock")
        for k, item in enumerate(self.items):
            w.report_kpi(
                f"relief_unmet_{item}_end",
                float(self.residual[:, k].sum()) if people.size else 0.0,
                RELIEF_ITEMS[item].unit,
                f"{item} still unallocated at the end",
            )
        w.add_table(
            "relief_unmet",
            {k: np.asarray(v, float) for k, v in self.unmet_log.items()},
            {"t_s": "s", "people_displaced": "people", "people_restored": "people"},
            "displaced and restored people, and unallocated demand per item, at each epoch",
            plot=("t_s", "people_restored", "linear"),
        )
        w.add_table(
            "relief_points",
            {
                "x_m": np.asarray(self.pt["x_m"], float),
                "y_m": np.asarray(self.pt["y_m"], float),
                "people": people,
                "sheltered": np.asarray(self.pt["sheltered"], bool).astype(np.int64),
                "displaced_s": np.asarray(self.pt["displaced_s"], float),
                "restored_s": restored,
            },
            {"x_m": "m", "y_m": "m", "people": "people", "displaced_s": "s", "restored_s": "s"},
            "demand points (shelters and blocks of unsheltered people) and when basic life was restored",
        )
        g = w.grid
        layer = g.layers["relief_unrestored_people"]
        m = np.isinf(restored)
        x, y = np.asarray(self.pt["x_m"], float), np.asarray(self.pt["y_m"], float)
        if m.any():
            layer.data[...] = points_to_cells(g, x[m], y[m], people[m])
            self.mark_written("relief_unrestored_people")
        w.add_map(
            "relief_unrestored_people", layer.data, "1", "displaced people without basic life at the end"
        )
        w.add_map(
            "relief_restored_people",
            points_to_cells(g, x[~m], y[~m], people[~m]),
            "1",
            "displaced people whose shelter, water and food were delivered here (cell of their point)",
        )
