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
   (:class:`~models.response.travel.TravelTimes`, the road part divided by
   ``vehicle_speed_factor``), min-cost with unmet-demand slack
   (:func:`models.response.allocation.allocate`, exact); depot stocks are drawn down. Unmet
   demand stays for the next epoch. A depot with ``destroyed = true``, or whose cell's
   ``building_collapse_fraction`` exceeds ``destroyed_if_collapse_above``, loses its stock,
   its vehicles and the loads waiting there (their demand returns to the points; event
   ``depot_destroyed``). A waiting load whose point a closed road has cut off from its depot
   goes back to the depot's stock and the point's demand, to be allocated again.
5. **Vehicles carried across epochs.** Each depot owns ``vehicles`` trucks of
   ``vehicle_capacity_kg`` (the depot's own or the process's), each with the time it is free
   again. A depot-point shipment is cut into loads (:func:`~models.response.allocation.split_loads`,
   items in their order), ready ``release_s`` after the epoch that allocated them. All loads
   waiting at a depot, old and new, are taken **earliest due first** (due = the point's
   displacement time + ``restored_at_s``; ties: nearest point, then the earlier load), each by
   the depot's earliest-free truck (:func:`~models.response.allocation.dispatch_loads`):
   loading starts at ``max(truck free, load ready)``, which must be before the epoch's end
   (else the load waits for the next epoch, where newer, more urgent loads may go first); the
   truck departs ``handling_s / 2`` later, arrives after the drive over the network as it is
   at dispatch, unloads for ``handling_s / 2`` and drives back the same time (roads taken as
   the same both ways), and is free again then. One vehicle of capacity C carrying 2.5 C to a
   point T away makes three trips, arriving at ``ready + h + T``, ``ready + 3h + 3T`` and
   ``ready + 5h + 5T`` (``h = handling_s / 2``; each round trip takes ``2h + 2T``).

**Basic life restored** for a person: shelter (a shelter place or a tent) and water and food
delivered, i.e. the time the last load of everything their point needs has been unloaded. The plan's
clock (10 h) runs per person from the epoch in which they were displaced: a flood later in the
chain displaces people hours after the earthquake.

Written: field ``relief_unrestored_people`` (displaced people without basic life at the end, per
cell of their point), tables ``relief_unmet`` (per epoch: ``t_s``, ``people_displaced``,
``people_restored``, per item the quantity not allocated ``unmet_<item>`` and not yet unloaded
``undelivered_<item>`` (unallocated + waiting + on the road), and ``kg_waiting``: loads allocated
but not yet on a truck), ``relief_points`` (x_m, y_m, people, sheltered, displaced_s, restored_s),
``relief_depots`` (name, level, x_m, y_m, vehicles, destroyed), ``relief_shelters`` (name, x_m, y_m,
capacity, occupied) and ``relief_deliveries`` (one row per load and item: depot, point (row of
``relief_points``), item, kg, vehicle (``depot:number``), depart_s, arrive_s, x0_m, y0_m (depot),
x1_m, y1_m (point)); KPIs ``relief_displaced_people``, ``relief_share_restored_at_<h>h`` (within
``restored_at_s`` of displacement), ``relief_time_all_restored_s`` (the plan's clock: the longest
wait from displacement to basic life; ``inf`` when someone still waits at the end),
``relief_unrestored_people_end``, ``relief_unmet_<item>_end``, ``relief_kg_waiting_end``,
``relief_trips``, ``relief_depots_destroyed``.

Still simplified: direct trips only (no multi-stop routes); a truck on the road keeps the times
it was dispatched with when a road closes behind it; the way back takes the way out's time;
trucks do not move between depots; allocation does not see the trucks' queue (its cost is
release + drive, the exact min-cost flow as before).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.response.allocation import (
    LEVELS,
    RELIEF_ITEMS,
    allocate,
    dispatch_loads,
    relief_demand,
    split_loads,
)
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
    vehicles: int = Field(2, ge=0, description="trucks based here, carried from epoch to epoch")
    vehicle_capacity_kg: float | None = Field(None, gt=0, description="payload; default the process's")
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
    vehicle_speed_factor: float = Field(1.0, gt=0, description="trucks' speed as a share of the road speed")
    handling_s: float = Field(1800.0, ge=0, description="loading plus unloading per trip (half each)")
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
            self.unmet_log[f"undelivered_{item}"] = []
        self.unmet_log["kg_waiting"] = []
        n_veh = np.array([d.vehicles for d in cfg.depots], dtype=np.int64)
        self.vehicle_offset = np.concatenate([[0], np.cumsum(n_veh)]).astype(np.int64)
        self.vehicle_free = np.full(int(n_veh.sum()), float(t_s))
        self.capacity = np.array([d.vehicle_capacity_kg or cfg.vehicle_capacity_kg for d in cfg.depots])
        # loads allocated and waiting for a truck, in the order they were made
        self.q_depot = np.zeros(0, dtype=np.int64)
        self.q_point = np.zeros(0, dtype=np.int64)
        self.q_kg = np.zeros((0, len(self.items)))
        self.q_ready = np.zeros(0)
        self.sent_kg = np.zeros((0, len(self.items)))  # loads on trucks, and when they are unloaded
        self.sent_done_s = np.zeros(0)
        # chunks of delivery rows, one array per column and dispatch
        self.deliveries: dict[str, list[np.ndarray]] = {
            k: [] for k in ("depot", "point", "item", "kg", "vehicle", "depart_s", "arrive_s")
        }
        self.n_trips = 0
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
                self.vehicle_free[self.vehicle_offset[i] : self.vehicle_offset[i + 1]] = np.inf
                lost = self.q_depot == i  # loads waiting here are lost: their points need them again
                np.add.at(self.residual, self.q_point[lost], self.q_kg[lost] / self.unit_mass)
                self._keep_queue(~lost)
                self.emit(
                    "depot_destroyed",
                    cause_id=cause,
                    x_m=d.x_m,
                    y_m=d.y_m,
                    data={"depot": d.name, "level": d.level},
                )

    def _keep_queue(self, keep: np.ndarray) -> None:
        self.q_depot, self.q_point, self.q_kg, self.q_ready = (
            a[keep] for a in (self.q_depot, self.q_point, self.q_kg, self.q_ready)
        )

    def _drive_s(self, dep: np.ndarray, pts: np.ndarray) -> np.ndarray:
        """Truck times ``(depots, points)`` over the roads as they are now, outside travel included."""
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        dx = np.array([cfg.depots[i].x_m for i in dep])
        dy = np.array([cfg.depots[i].y_m for i in dep])
        node, leg = self.travel.from_points(dx, dy)
        snapped = self.travel.snap(np.asarray(self.pt["x_m"])[pts], np.asarray(self.pt["y_m"])[pts])
        drive = self.travel.to_points(node, snapped, scale=np.full(dep.size, 1.0 / cfg.vehicle_speed_factor))
        return drive + (leg + np.array([cfg.depots[i].outside_travel_s for i in dep]))[:, None]

    def _allocate(self, t_s: float, dep: np.ndarray, open_pts: np.ndarray, drive: np.ndarray) -> None:
        """Allocate the open demand; the shipments join the queue as truck loads."""
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        release = np.array([cfg.depots[i].release_s for i in dep])
        res = allocate(
            drive + release[:, None],
            self.stock[dep],
            self.residual[open_pts],
            depot_group=[LEVELS.index(cfg.depots[i].level) for i in dep],
        )
        self.residual[open_pts] = res.unmet
        if not res.quantity.size:
            return
        self.stock[dep] -= res.shipped()
        np.maximum(self.stock, 0.0, out=self.stock)
        key = res.depot * open_pts.size + res.point
        uniq, inv = np.unique(key, return_inverse=True)
        mass = np.zeros((uniq.size, len(self.items)))
        np.add.at(mass, (inv, res.item), res.quantity * self.unit_mass[res.item])
        d_row, p_col = uniq // open_pts.size, uniq % open_pts.size
        ship, kg = split_loads(mass, self.capacity[dep[d_row]])
        self.q_depot = np.concatenate([self.q_depot, dep[d_row][ship]])
        self.q_point = np.concatenate([self.q_point, open_pts[p_col][ship]])
        self.q_kg = np.vstack([self.q_kg, kg])
        self.q_ready = np.concatenate([self.q_ready, t_s + release[d_row][ship]])

    def _return_unreachable(self, dep: np.ndarray, pts: np.ndarray, drive: np.ndarray) -> None:
        """Loads whose point a closed road now cuts off from their depot go back to stock and demand."""
        if not self.q_depot.size:
            return
        row = np.full(self.alive_depot.size, -1)
        row[dep] = np.arange(dep.size)
        cut = ~np.isfinite(drive[row[self.q_depot], np.searchsorted(pts, self.q_point)])
        if cut.any():
            qty = self.q_kg[cut] / self.unit_mass
            np.add.at(self.stock, self.q_depot[cut], qty)
            np.add.at(self.residual, self.q_point[cut], qty)
            self._keep_queue(~cut)

    def _dispatch(self, t_s: float, dep: np.ndarray, pts: np.ndarray, drive: np.ndarray) -> None:
        """Waiting loads onto the depots' trucks, earliest due first, up to the epoch's end."""
        cfg: ReliefConfig = self.config  # type: ignore[assignment]
        if not self.q_depot.size:
            return
        row = np.full(len(cfg.depots), -1)
        row[dep] = np.arange(dep.size)
        col = np.searchsorted(pts, self.q_point)
        t_drive = drive[row[self.q_depot], col]
        due = np.asarray(self.pt["displaced_s"], float)[self.q_point] + cfg.restored_at_s
        order = np.lexsort((np.arange(due.size), t_drive, due))
        half = cfg.handling_s / 2.0
        until = min(t_s + float(self.dt_s or 0.0), self.scheduler.end_s)
        veh, depart, arrive = dispatch_loads(
            self.q_depot[order],
            self.q_ready[order],
            t_drive[order],
            self.vehicle_offset,
            self.vehicle_free,
            half,
            half,
            t_s,
            until,
        )
        went = np.zeros(due.size, dtype=bool)
        went[order[veh >= 0]] = True
        sent = order[veh >= 0]
        done_s = arrive[veh >= 0] + half
        np.maximum.at(self.last_arrival, self.q_point[sent], done_s)
        self.sent_kg = np.vstack([self.sent_kg, self.q_kg[sent]])
        self.sent_done_s = np.concatenate([self.sent_done_s, done_s])
        r, i = np.nonzero(self.q_kg[sent] > 0)  # one row per load and item it carries
        ok = veh >= 0
        for col, v in zip(
            self.deliveries,
            (
                self.q_depot[sent][r],
                self.q_point[sent][r],
                i,
                self.q_kg[sent][r, i],
                veh[ok][r],
                depart[ok][r],
                arrive[ok][r],
            ),
            strict=True,
        ):
            self.deliveries[col].append(v)
        self.n_trips += int(sent.size)
        self._keep_queue(~went)

    def _epoch(self, t_s: float) -> None:
        self.now_s = t_s
        self._check_depots()
        self._new_points()
        n_p = self.residual.shape[0]
        open_pts = np.flatnonzero(self.residual.sum(axis=1) > 1e-9)
        if self.alive_depot.any() and (open_pts.size or self.q_depot.size):
            dep = np.flatnonzero(self.alive_depot)
            pts = np.union1d(open_pts, self.q_point)
            drive = self._drive_s(dep, pts)
            self._return_unreachable(dep, pts, drive)
            open_pts = np.flatnonzero(self.residual.sum(axis=1) > 1e-9)
            if open_pts.size:
                self._allocate(t_s, dep, open_pts, drive[:, np.searchsorted(pts, open_pts)])
            self._dispatch(t_s, dep, pts, drive)
        waiting = np.bincount(self.q_point, minlength=n_p) > 0
        done = (
            (self.residual.sum(axis=1) <= 1e-6)
            & ~waiting
            & np.isinf(np.asarray(self.pt["restored_s"], float))
        )
        for j in np.flatnonzero(done):
            self.pt["restored_s"][j] = float(self.last_arrival[j]) if self.last_arrival[j] > -np.inf else t_s
        people = np.asarray(self.pt["people"], float)
        restored = np.asarray(self.pt["restored_s"], float)
        self.unmet_log["t_s"].append(t_s)
        self.unmet_log["people_displaced"].append(float(people.sum()) if n_p else 0.0)
        self.unmet_log["people_restored"].append(float(people[restored <= t_s].sum()) if n_p else 0.0)
        on_road = self.sent_kg[self.sent_done_s > t_s].sum(axis=0) / self.unit_mass
        queued = self.q_kg.sum(axis=0) / self.unit_mass
        for k, item in enumerate(self.items):
            unmet = float(self.residual[:, k].sum()) if n_p else 0.0
            self.unmet_log[f"unmet_{item}"].append(unmet)
            self.unmet_log[f"undelivered_{item}"].append(unmet + float(queued[k] + on_road[k]))
        self.unmet_log["kg_waiting"].append(float(self.q_kg.sum()))

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
            "plan's clock: longest wait from displacement to shelter, water and food "
            "(inf: someone still waits at the end)",
        )
        w.report_kpi(
            "relief_unrestored_people_end",
            float(people[np.isinf(restored)].sum()),
            "people",
            "displaced people without basic life at the end of the run",
        )
        w.report_kpi("relief_depots_destroyed", self.n_destroyed, "1", "depots lost with their stock")
        w.report_kpi(
            "relief_kg_waiting_end",
            float(self.q_kg.sum()),
            "kg",
            "supplies allocated but still waiting for a truck at the end",
        )
        w.report_kpi("relief_trips", self.n_trips, "1", "truck trips dispatched")
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
            {"t_s": "s", "people_displaced": "people", "people_restored": "people", "kg_waiting": "kg"},
            "displaced and restored people, unallocated demand per item and loads waiting, at each epoch",
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
        dv = {
            k: np.concatenate(v)
            if v
            else np.zeros(0, np.int64 if k in ("depot", "point", "item", "vehicle") else float)
            for k, v in self.deliveries.items()
        }
        names = np.array([d.name for d in cfg.depots], dtype=str)
        dep_i, pt_idx = dv["depot"].astype(np.int64), dv["point"].astype(np.int64)
        number = (dv["vehicle"].astype(np.int64) - self.vehicle_offset[dep_i] + 1).astype(str)
        w.add_table(
            "relief_deliveries",
            {
                "depot": names[dep_i],
                "point": pt_idx,
                "item": np.array(self.items, dtype=str)[dv["item"].astype(np.int64)],
                "kg": dv["kg"].astype(float),
                "vehicle": np.char.add(np.char.add(names[dep_i], ":"), number),
                "depart_s": dv["depart_s"].astype(float),
                "arrive_s": dv["arrive_s"].astype(float),
                "x0_m": np.array([d.x_m for d in cfg.depots], float)[dep_i],
                "y0_m": np.array([d.y_m for d in cfg.depots], float)[dep_i],
                "x1_m": np.asarray(self.pt["x_m"], float)[pt_idx],
                "y1_m": np.asarray(self.pt["y_m"], float)[pt_idx],
            },
            {
                "kg": "kg",
                "depart_s": "s",
                "arrive_s": "s",
                "x0_m": "m",
                "y0_m": "m",
                "x1_m": "m",
                "y1_m": "m",
            },
            "truck loads per item: depot, point (row of relief_points), vehicle, departure and arrival "
            "(unloading takes handling_s / 2 more)",
        )
        w.add_table(
            "relief_depots",
            {
                "name": np.array([d.name for d in cfg.depots], dtype=str),
                "level": np.array([d.level for d in cfg.depots], dtype=str),
                "x_m": np.array([d.x_m for d in cfg.depots], float),
                "y_m": np.array([d.y_m for d in cfg.depots], float),
                "vehicles": np.array([d.vehicles for d in cfg.depots], dtype=np.int64),
                "destroyed": (~self.alive_depot).astype(np.int64),
            },
            {"x_m": "m", "y_m": "m"},
            "relief depots: level, place, trucks, and whether they were destroyed",
        )
        w.add_table(
            "relief_shelters",
            {
                "name": np.array([sh.name for sh in cfg.shelters], dtype=str),
                "x_m": np.array([sh.x_m for sh in cfg.shelters], float),
                "y_m": np.array([sh.y_m for sh in cfg.shelters], float),
                "capacity": np.array([sh.capacity for sh in cfg.shelters], dtype=np.int64),
                "occupied": np.array(
                    [sh.capacity - r for sh, r in zip(cfg.shelters, self.shelter_room, strict=True)], float
                ),
            },
            {"x_m": "m", "y_m": "m", "capacity": "people", "occupied": "people"},
            "shelters: place, capacity and people sheltered at the end",
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
