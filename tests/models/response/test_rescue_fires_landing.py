"""Fires as tasks for fire teams; helicopters landing at helipads or open ground, to the second."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from engine.errors import ScenarioError
from engine.grid import Grid
from engine.process import Process, ProcessConfig
from engine.world import Facility, World
from models.response.dispatch import Landing, MaxLivesSaved, Tasks, Teams, arrival_matrix
from models.response.rescue import OpenGroundConfig, RescueConfig, RescueProcess, open_ground_mask
from tests.conftest import run_in_world
from tests.models.response.test_rescue_process import square

WALK = 1.4  # the off-road walking speed (m/s), models.response.travel.DEFAULT_OFFROAD_SPEED_M_S


class _Fires(Process):
    """Emits the fire events of the contract with H6a (kind, x_m, y_m, t_s, optional data) at 0 s."""

    model_name = "t_fires"
    family = "hazards"
    fires: tuple[tuple[str, float, float, dict], ...] = ()

    def start(self, t_s):
        for kind, x, y, data in self.fires:
            self.emit(kind, x_m=x, y_m=y, data=data)


def run(*, fires=(), trapped=None, layers=None, facilities=None, end_s=3 * 3600.0, **cfg):
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = square()
    for name, data in (layers or {}).items():
        world.grid.add_layer(
            name, {"slope_deg": "degree"}.get(name, "m" if name.endswith("_m") else "1"), data=data
        )
    for f in facilities or ():
        world.facilities[f.name] = f
    if trapped is not None:
        world.add_table("trapped_people", {k: np.array(v) for k, v in trapped.items()})

    def build(kw):
        src = _Fires(ProcessConfig(model="t_fires"), name="fires", **kw)
        src.fires = tuple(fires)
        return [src, RescueProcess(RescueConfig(**cfg), name="rescue", **kw)]

    run_in_world(world, build, end_s=end_s)
    return world


STATION = {"name": "station", "x_m": 0.0, "y_m": 0.0}
FIRE_TEAM = {"name": "engine", "kind": "fire_rescue", "base": "station", "readiness_s": 600.0}
USAR = {"name": "usar", "kind": "professional_rescue", "base": "station"}


def test_a_fire_is_a_task_for_fire_teams_only():
    fires = [("building_fire", 2000.0, 0.0, {"people_at_risk": 3.0, "burn_duration_s": 3600.0})]
    world = run(fires=fires, bases=[STATION], teams=[USAR, FIRE_TEAM], medevac_sites=0)
    t = world.tables["team_tasks"].columns
    assert t["team"].tolist() == ["engine"] and t["task_kind"].tolist() == ["fire"]
    # readiness 600 s + 0-1-2 at 10 m/s (200 s); work 1 h, cut at the burn-out at 3600 s
    assert t["arrive_s"][0] == 800.0 and t["end_s"][0] == 3600.0
    k = {n: v.value for n, v in world.kpis.items()}
    assert (k["rescue_fires"], k["rescue_fires_reached"], k["rescue_fires_burnt_out"]) == (1, 1, 0)
    assert k["rescue_fire_first_arrival_s"] == 800.0
    assert k["rescue_fire_lives_saved"] == 3.0 * 0.5  # people at risk x the stated death probability
    dispatched = world.events.of_kind("team_dispatched")[0]
    assert world.events[dispatched.cause_id].kind == "building_fire"


def test_a_fire_that_burns_out_before_any_team_can_arrive_is_unmet():
    fires = [
        ("pool_fire", 2000.0, 0.0, {"burn_duration_s": 500.0}),  # out before the 800 s arrival
        ("fire", 1000.0, 0.0, {}),  # defaults: 2 people at risk, 2 h burn
    ]
    world = run(fires=fires, bases=[STATION], teams=[FIRE_TEAM], medevac_sites=0)
    k = {n: v.value for n, v in world.kpis.items()}
    assert (k["rescue_fires"], k["rescue_fires_reached"], k["rescue_fires_burnt_out"]) == (2, 1, 1)
    assert k["rescue_fire_first_arrival_s"] == 700.0
    assert world.tables["team_tasks"].columns["task"].tolist() == [1]


def test_max_lives_counts_a_fire_as_its_lives_at_risk_and_never_after_burn_out():
    tasks = Tasks.build(
        x_m=[0.0, 0.0],
        y_m=[0.0, 0.0],
        kind="fire",
        people=[4.0, 4.0],
        deadline_s=[1e9, 100.0],
        lives_at_risk=[2.0, 2.0],
    )
    assert MaxLivesSaved().benefit(np.array([[500.0, 500.0]]), tasks).tolist() == [[2.0, 2.0]]
    # the arrival matrix turns an arrival after the burn-out into inf: no benefit
    heli = Teams.build(
        ["helicopter"], base_x_m=[0.0], base_y_m=[0.0], readiness_s=[500.0], cruise_speed_m_s=[50.0]
    )
    a = arrival_matrix(heli, tasks, None, 0.0, serves={"fire": frozenset({"helicopter"})})
    assert a.tolist() == [[500.0, np.inf]]
    assert MaxLivesSaved().benefit(a, tasks).tolist() == [[2.0, 0.0]]


HELI = {"name": "heli", "kind": "helicopter", "base": "air", "readiness_s": 1800.0, "cruise_speed_m_s": 50.0}
TRAPPED = {"x_m": [2000.0], "y_m": [0.0], "people": [4]}


def _heli(world):
    t = world.tables["team_tasks"].columns
    k = list(t["team"]).index("heli")
    return {c: v[k] for c, v in t.items()}


def test_a_helicopter_lands_at_the_helipad_and_the_crew_walks_to_the_task():
    # pad 420 m north of the task (300 s on foot); base 30 km west and 40 km south of the pad
    pad = Facility("town_pad", "helipad", 2000.0, 420.0)
    air = {"name": "air", "x_m": 2000.0 - 30000.0, "y_m": 420.0 - 40000.0}
    world = run(trapped=TRAPPED, facilities=[pad], bases=[STATION, air], teams=[HELI], medevac_sites=1)
    row = _heli(world)
    assert row["task_kind"] == "medical"
    assert row["arrive_s"] == pytest.approx(1800.0 + 50000.0 / 50.0 + 420.0 / WALK, abs=1e-9)  # 3100 s
    assert (row["land_x_m"], row["land_y_m"]) == (2000.0, 420.0)
    assert world.kpis["rescue_first_aviation_on_scene_s"].value == pytest.approx(3100.0)
    # hoisting on the spot: readiness + distance to the task / speed
    world = run(
        trapped=TRAPPED, facilities=[pad], bases=[STATION, air], teams=[HELI], medevac_sites=1, hoist=True
    )
    assert _heli(world)["arrive_s"] == pytest.approx(1800.0 + math.hypot(30000.0, 39580.0) / 50.0, abs=1e-9)


def test_a_landing_site_may_name_a_facility():
    # the same hand check as above, the pad given as a [[facilities]] entry named in landing_sites
    pad = Facility("school_pad", "helipad", 2000.0, 420.0)
    air = {"name": "air", "x_m": 2000.0 - 30000.0, "y_m": 420.0 - 40000.0}
    sites = [{"name": "pad", "facility": "school_pad"}]
    world = run(
        trapped=TRAPPED,
        facilities=[pad],
        bases=[STATION, air],
        teams=[HELI],
        medevac_sites=1,
        landing_sites=sites,
    )
    assert _heli(world)["arrive_s"] == pytest.approx(3100.0, abs=1e-9)
    # a scenario with [[facilities]] but none to land at, and no landing sites: fixed wing is fine
    wing = {"name": "plane", "kind": "fixed_wing", "base": "station", "cruise_speed_m_s": 80.0}
    cfg = RescueConfig(bases=[STATION], teams=[wing])
    RescueProcess.check(cfg, SimpleNamespace(facilities=(SimpleNamespace(name="h", kind="hospital"),)), "r")


def test_a_flooded_helipad_is_not_used():
    air = {"name": "air", "x_m": -28000.0, "y_m": -39580.0}
    sites = [
        {"name": "near", "x_m": 2000.0, "y_m": 420.0},
        {"name": "far", "x_m": 1160.0, "y_m": 420.0},
    ]
    water = np.zeros((15, 25))
    water[5, 21] = 0.6  # the cell of (2000, 420)
    world = run(
        trapped=TRAPPED,
        layers={"water_depth_m": water},
        bases=[STATION, air],
        teams=[HELI],
        medevac_sites=1,
        landing_sites=sites,
    )
    row = _heli(world)
    assert (row["land_x_m"], row["land_y_m"]) == (1160.0, 420.0)
    fly = math.hypot(1160.0 + 28000.0, 420.0 + 39580.0) / 50.0
    assert row["arrive_s"] == pytest.approx(1800.0 + fly + math.hypot(840.0, 420.0) / WALK, abs=1e-9)


def test_open_ground_is_found_on_a_flat_cell_and_not_on_a_steep_one():
    slope = np.full((15, 25), 30.0)
    slope[3, 18] = 4.0  # centre (1750, 250)
    slope[1, 21] = 12.0  # next to the task but steeper than 8 degrees
    air = {"name": "air", "x_m": -28000.0, "y_m": -40000.0}
    world = run(
        trapped=TRAPPED,
        layers={"slope_deg": slope},
        bases=[STATION, air],
        teams=[HELI],
        medevac_sites=1,
        open_ground={"max_slope_deg": 8.0, "min_clear_m": 0.0},
    )
    row = _heli(world)
    assert (row["land_x_m"], row["land_y_m"]) == (1750.0, 250.0)
    fly = math.hypot(1750.0 + 28000.0, 250.0 + 40000.0) / 50.0
    assert row["arrive_s"] == pytest.approx(1800.0 + fly + math.hypot(250.0, 250.0) / WALK, abs=1e-9)


def test_open_ground_rule_excludes_water_debris_collapse_people_and_needs_clearance():
    grid = Grid(0.0, 0.0, 10.0, 7, 7)
    grid.add_layer("slope_deg", "degree", data=np.full((7, 7), 2.0))
    for name, units in (("water_depth_m", "m"), ("landslide_debris_m", "m")):
        grid.add_layer(name, units)
    grid.add_layer("building_collapse_fraction", "1")
    grid.add_layer("population", "1")
    grid.layers["water_depth_m"].data[0, 0] = 0.5
    grid.layers["landslide_debris_m"].data[0, 1] = 0.2
    grid.layers["building_collapse_fraction"].data[0, 2] = 0.1
    grid.layers["population"].data[0, 3] = 5.0
    grid.layers["slope_deg"].data[0, 4] = 9.0
    ok = open_ground_mask(grid, OpenGroundConfig(min_clear_m=0.0))
    assert ok[0].tolist() == [False, False, False, False, False, True, True]
    assert ok[1:].all()
    # 10 m of clearance: a cell's four neighbours must pass too (and the grid edge does not)
    clear = open_ground_mask(grid, OpenGroundConfig(min_clear_m=10.0))
    assert clear[1].tolist() == [False, False, False, False, False, True, False]
    assert clear[3, 3] and not clear[6, 3] and not clear[3, 0]


def test_fixed_wing_lands_at_an_airstrip_and_goes_on_by_ground():
    teams = Teams.build(
        ["fixed_wing"], base_x_m=[0.0], base_y_m=[0.0], readiness_s=[600.0], cruise_speed_m_s=[80.0]
    )
    tasks = Tasks.build(x_m=[40000.0], y_m=[0.0], kind=["supply"])
    land = Landing(
        heli_x_m=np.array([np.nan]),
        heli_y_m=np.array([np.nan]),
        heli_ground_s=np.array([np.inf]),
        wing_x_m=np.array([32000.0]),
        wing_y_m=np.array([0.0]),
        wing_ground_s=np.array([8000.0 / WALK]),
    )
    a = arrival_matrix(teams, tasks, None, 0.0, landing=land)
    assert a[0, 0] == pytest.approx(600.0 + 32000.0 / 80.0 + 8000.0 / WALK)
    no_strip = Landing(
        land.heli_x_m, land.heli_y_m, land.heli_ground_s, *(np.array([v]) for v in (np.nan, np.nan, np.inf))
    )
    assert np.isinf(arrival_matrix(teams, tasks, None, 0.0, landing=no_strip)[0, 0])


def test_bad_landing_configurations_name_the_key_and_the_fix():
    cfg = RescueConfig(
        bases=[STATION],
        teams=[USAR],
        landing_sites=[{"name": "pad", "facility": "town_pad"}],
    )
    scenario = SimpleNamespace(facilities=(SimpleNamespace(name="school", kind="shelter"),))
    with pytest.raises(
        ScenarioError, match=r"response\[2\]\.landing_sites\[0\]\.facility: unknown landing facility"
    ):
        RescueProcess.check(cfg, scenario, "response[2]")
    scenario = SimpleNamespace(facilities=(SimpleNamespace(name="town_pad", kind="shelter"),))
    with pytest.raises(ScenarioError, match="of kind 'shelter', not 'helipad'"):
        RescueProcess.check(cfg, scenario, "response[2]")
    with pytest.raises(ValueError, match="either facility or x_m"):
        RescueConfig(
            bases=[STATION], teams=[USAR], landing_sites=[{"name": "p", "facility": "f", "x_m": 1.0}]
        )
    with pytest.raises(ValueError, match="needs x_m and y_m"):
        RescueConfig(bases=[STATION], teams=[USAR], landing_sites=[{"name": "p"}])
    wing = {"name": "plane", "kind": "fixed_wing", "base": "station", "cruise_speed_m_s": 80.0}
    cfg = RescueConfig(bases=[STATION], teams=[wing], landing_sites=[{"name": "p", "x_m": 0.0, "y_m": 0.0}])
    with pytest.raises(ScenarioError, match="fixed-wing aircraft need a runway"):
        RescueProcess.check(cfg, SimpleNamespace(facilities=()), "response[2]")
