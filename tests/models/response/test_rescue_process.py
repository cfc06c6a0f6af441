"""The rescue process on a hand-built 4-node network: arrivals to the second, rerouting, aviation, KPIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.grid import Grid
from engine.network import Network
from engine.rng import RandomStreams
from engine.scheduler import Scheduler
from engine.world import World
from models.response.rescue import RescueConfig, RescueProcess
from models.response.survival import GOLDEN_72_HOURS, RESCUE_S_PER_PERSON

# 0 (0,0) - 1 (1000,0) - 2 (2000,0) straight, 100 s per edge at 10 m/s;
# detour 0 - 3 (1000,1000) - 2: two edges of 1000*sqrt(2) m, 141.42 s each.
SQ2 = math.sqrt(2.0)


def square() -> Network:
    return Network.from_edges(
        "roads",
        [0.0, 1000.0, 2000.0, 1000.0],
        [0.0, 0.0, 0.0, 1000.0],
        src=[0, 1, 0, 3],
        dst=[1, 2, 3, 2],
        attrs={
            "length_m": [1000.0, 1000.0, 1000.0 * SQ2, 1000.0 * SQ2],
            "speed_m_s": [10.0] * 4,
            "open": [1.0] * 4,
        },
        undirected=True,
    )


def run(*, close_edge_at_s=None, end_s=4 * 3600.0, people=4, **cfg):
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    net = square()
    world.networks["roads"] = net
    world.add_table(
        "trapped_people",
        {
            "x_m": np.array([2000.0]),
            "y_m": np.array([0.0]),
            "people": np.array([people]),
            "building_type": np.array(["URML"]),
        },
    )
    sched = Scheduler(world, RandomStreams(1), end_s=end_s)
    defaults = {
        "bases": [
            {"name": "station", "x_m": 0.0, "y_m": 0.0},
            {"name": "airfield", "x_m": -28000.0, "y_m": -40000.0},
        ],
        "teams": [
            {"name": "usar", "kind": "professional_rescue", "base": "station", "readiness_s": 600.0},
            {
                "name": "heli",
                "kind": "helicopter",
                "base": "airfield",
                "readiness_s": 1800.0,
                "cruise_speed_m_s": 50.0,
            },
        ],
        "medevac_sites": 1,
    }
    defaults.update(cfg)
    proc = RescueProcess(
        RescueConfig(**defaults),
        name="rescue",
        world=world,
        scheduler=sched,
        rng=np.random.default_rng(0),
        base_dir=".",
    )
    proc.setup()
    sched.add_processes([proc])
    if close_edge_at_s is not None:  # close 1-2 (both directions) before the team leaves
        both = (net.edge_sources() + net.indices == 3) & (np.abs(net.edge_sources() - net.indices) == 1)
        net.edge_attrs["open"][both] = 0.0
    sched.start_process(proc, cause_id=-1)
    sched.run()
    sched.finish()
    return world


def _row(world, team):
    t = world.tables["team_tasks"].columns
    k = list(t["team"]).index(team)
    return {c: v[k] for c, v in t.items()}


def test_ground_arrival_is_readiness_plus_network_time_to_the_second():
    world = run()
    row = _row(world, "usar")
    assert row["arrive_s"] == pytest.approx(600.0 + 200.0, abs=1e-9)
    # 4 people, one crew, 1.5 h each (the survival module's stated professional rescue rate)
    assert row["end_s"] == pytest.approx(800.0 + 4 * RESCUE_S_PER_PERSON["professional_rescue"])


def test_closing_an_edge_reroutes_the_team_over_the_detour():
    world = run(close_edge_at_s=0.0)
    assert _row(world, "usar")["arrive_s"] == pytest.approx(600.0 + 2000.0 * SQ2 / 10.0, abs=1e-9)


def test_aviation_arrival_is_readiness_plus_distance_over_speed():
    world = run()
    row = _row(world, "heli")
    assert row["task_kind"] == "medical"
    assert row["arrive_s"] == pytest.approx(1800.0 + 50000.0 / 50.0)  # 3-4-5 triangle: 50 km
    k = world.kpis
    assert k["rescue_first_aviation_on_scene_s"].value == pytest.approx(2800.0)
    assert "heli" in k["rescue_first_aviation_on_scene_s"].description


def test_grounded_aircraft_never_arrive():
    world = run(weather={"wind_m_s": 30.0})
    assert math.isinf(world.kpis["rescue_first_aviation_on_scene_s"].value)


def test_lives_saved_against_the_no_response_baseline():
    world = run(people=1)
    k = {n: v.value for n, v in world.kpis.items()}
    # one person, freed 800 s + 1.5 h after the collapse; baseline: freed at 72 h (S = 0.25 at 60 h ... )
    alive = float(GOLDEN_72_HOURS(800.0 + 5400.0))
    assert k["rescue_people_rescued_alive"] == pytest.approx(alive)
    assert k["rescue_lives_saved"] == pytest.approx(alive - float(GOLDEN_72_HOURS(72 * 3600.0)))
    assert k["rescue_unmet_tasks"] == 0
    # hand check of the curve between its points: log-linear from 1 at 0 to 0.9 at 12 h
    assert alive == pytest.approx(0.9 ** (6200.0 / 43200.0))


def test_events_name_the_cause_and_no_team_means_unmet():
    world = run(teams=[{"name": "heli", "kind": "helicopter", "base": "airfield", "cruise_speed_m_s": 50.0}])
    assert world.kpis["rescue_unmet_tasks"].value == 1
    assert world.kpis["rescue_lives_saved"].value == 0.0
    world = run(people=1)
    kinds = [e.kind for e in world.events]
    assert {"team_dispatched", "team_arrived", "people_rescued"} <= set(kinds)
    arrived = world.events.of_kind("team_arrived")
    rescued = world.events.of_kind("people_rescued")[0]
    assert rescued.time_s == pytest.approx(800.0 + 5400.0)
    assert all(world.events[e.cause_id].kind == "team_dispatched" for e in arrived)
