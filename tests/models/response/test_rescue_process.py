"""The rescue process on a hand-built 4-node network: arrivals to the second, rerouting, aviation, KPIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import ScenarioError
from engine.grid import Grid
from engine.network import Network
from engine.process import FieldSpec, Process, ProcessConfig
from engine.rng import RandomStreams
from engine.scheduler import Scheduler
from engine.world import World
from models.response.rescue import RescueConfig, RescueProcess
from models.response.survival import GOLDEN_72_HOURS, RESCUE_S_PER_PERSON
from tests.conftest import run_in_world

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

    def close_edge() -> None:
        if close_edge_at_s is not None:  # close 1-2 (both directions) before the team leaves
            both = (net.edge_sources() + net.indices == 3) & (np.abs(net.edge_sources() - net.indices) == 1)
            net.edge_attrs["open"][both] = 0.0

    def build(kw):
        return [RescueProcess(RescueConfig(**defaults), name="rescue", **kw)]

    run_in_world(world, build, end_s=end_s, before_start=close_edge)
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


class _CloseAt(Process):
    """Test helper: closes the road 1-2 (both directions) at ``at_s``, as road_closures would."""

    model_name = "t_close_at"
    family = "impacts"
    default_dt_s = 60.0
    at_s = 600.0

    def advance(self, t_s, dt_s):
        net = self.world.networks["roads"]
        src = net.edge_sources()
        if t_s >= self.at_s:
            net.edge_attrs["open"][
                (np.minimum(src, net.indices) == 1) & (np.maximum(src, net.indices) == 2)
            ] = 0.0


def test_a_road_closed_during_the_run_reroutes_the_next_trip_and_the_cache_rebuilds_once():
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = square()
    world.add_table(
        "trapped_people",
        {"x_m": np.array([1000.0, 2000.0]), "y_m": np.array([0.0, 0.0]), "people": np.array([2, 1])},
    )
    sched = Scheduler(world, RandomStreams(1), end_s=4 * 3600.0)
    kw = {"world": world, "scheduler": sched, "rng": np.random.default_rng(0), "base_dir": "."}
    cfg = RescueConfig(
        bases=[{"name": "station", "x_m": 0.0, "y_m": 0.0}],
        teams=[{"name": "usar", "kind": "professional_rescue", "base": "station", "readiness_s": 600.0}],
        medevac_sites=0,
    )
    rescue = RescueProcess(cfg, name="rescue", **kw)
    closer = _CloseAt(ProcessConfig(model="t_close_at"), name="closer", **kw)
    sched.add_processes([closer, rescue])
    sched.start_process(closer, cause_id=-1)
    sched.start_process(rescue, cause_id=-1)
    sched.run()
    sched.finish()
    t = world.tables["team_tasks"].columns
    # first the bigger site at node 1 (readiness 600 s + 100 s), 2 people x 1.5 h of work
    assert t["task"].tolist() == [0, 1]
    assert t["arrive_s"][0] == pytest.approx(700.0)
    free = 700.0 + 2 * 5400.0
    epoch = math.ceil(free / 300.0) * 300.0  # the first decision epoch after the team is free
    # then node 1 -> 0 -> 3 -> 2 around the closed edge: 100 s + 2 x 141.42 s, no readiness
    assert t["start_s"][1] == epoch
    assert t["arrive_s"][1] == pytest.approx(epoch + 100.0 + 2000.0 * SQ2 / 10.0, abs=1e-9)
    assert rescue.travel.n_recomputations == 2  # once at the start, once after the closure


def test_the_report_draws_a_gantt_of_team_tasks(tmp_path):
    from engine.report import draw_gantt

    table = run(people=1).tables["team_tasks"].columns
    path = draw_gantt(table, tmp_path / "gantt.png")
    assert (tmp_path / "gantt.png").stat().st_size > 1000
    assert path.endswith("gantt.png")


def _two_sites(**cfg):
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = square()
    world.add_table(
        "trapped_people",
        {"x_m": np.array([1000.0, 2000.0]), "y_m": np.array([0.0, 0.0]), "people": np.array([2, 1])},
    )
    sched = Scheduler(world, RandomStreams(1), end_s=3600.0)
    base = {
        "bases": [{"name": "station", "x_m": 0.0, "y_m": 0.0}],
        "teams": [{"name": "usar", "kind": "professional_rescue", "base": "station"}],
        "medevac_sites": 0,
    }
    proc = RescueProcess(
        RescueConfig(**{**base, **cfg}),
        name="rescue",
        world=world,
        scheduler=sched,
        rng=np.random.default_rng(0),
        base_dir=".",
    )
    sched.add_processes([proc])
    sched.start_process(proc, cause_id=-1)
    sched.run()
    sched.finish()
    return world.tables["team_tasks"].columns


@pytest.mark.parametrize(
    ("policy", "plan", "task"), [("nearest", None, 0), ("max_lives", None, 0), ("fixed", [1], 1)]
)
def test_policies_are_pluggable(policy, plan, task):
    t = _two_sites(policy=policy, plan=plan)
    assert t["task"].tolist() == [task]


def test_bad_configurations_name_the_key_and_the_fix():
    cfg = RescueConfig(
        bases=[{"name": "station", "x_m": 0.0, "y_m": 0.0}],
        teams=[{"name": "usar", "kind": "fire_rescue", "base": "statoin"}],
    )
    with pytest.raises(ScenarioError, match=r"response\[1\]\.teams\[0\]\.base: unknown base 'statoin'"):
        RescueProcess.check(cfg, None, "response[1]")
    fixed = cfg.model_copy(
        update={"teams": [cfg.teams[0].model_copy(update={"base": "station"})], "policy": "fixed"}
    )
    with pytest.raises(ScenarioError, match="needs a plan"):
        RescueProcess.check(fixed, None, "response[1]")
    with pytest.raises(ValueError, match="cruise_speed_m_s"):
        RescueConfig(
            bases=[{"name": "a", "x_m": 0.0, "y_m": 0.0}],
            teams=[{"name": "h", "kind": "helicopter", "base": "a"}],
        )


class _Quakes(Process):
    """Test helper: a collapse at 0 s in the cell at (1000, 0), an aftershock at 3600 s at (2000, 0)."""

    model_name = "t_quakes"
    family = "impacts"
    default_dt_s = 600.0
    writes = (
        FieldSpec("building_collapse_fraction", "1", "collapsed"),
        FieldSpec("population", "1", "people"),
    )

    def start(self, t_s):
        self.world.grid.layers["population"].data[1, 11] = 20.0
        self.world.grid.layers["population"].data[1, 21] = 20.0
        self._collapse(1, 11)

    def advance(self, t_s, dt_s):
        if t_s == 3600.0:
            self._collapse(1, 21)

    def _collapse(self, row, col):
        self.world.grid.layers["building_collapse_fraction"].data[row, col] = 1.0
        self.mark_written("building_collapse_fraction")
        self.emit("buildings_collapsed")


def test_an_aftershock_adds_only_its_new_trapped_people_as_tasks_caused_by_it():
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = square()
    sched = Scheduler(world, RandomStreams(1), end_s=3 * 3600.0)
    kw = {"world": world, "scheduler": sched, "rng": np.random.default_rng(0), "base_dir": "."}
    cfg = RescueConfig(
        bases=[{"name": "station", "x_m": 0.0, "y_m": 0.0}],
        teams=[{"name": "fire", "kind": "fire_rescue", "base": "station", "count": 2, "capacity": 20}],
        medevac_sites=0,
    )
    quakes = _Quakes(ProcessConfig(model="t_quakes"), name="quakes", **kw)
    rescue = RescueProcess(cfg, name="rescue", **kw)
    sched.add_processes([quakes, rescue])
    sched.start_process(quakes, cause_id=-1)
    sched.start_process(rescue, cause_id=-1)
    sched.run()
    sched.finish()
    t = world.tables["team_tasks"].columns
    # 20 people x 1 indoors x 1 collapsed x 0.65 (HAZUS 40 + 20 + 5 %) = 13 trapped per cell
    assert t["people"].tolist() == [13.0, 13.0]
    assert t["start_s"].tolist() == [0.0, 3600.0]
    collapses = world.events.of_kind("buildings_collapsed")
    dispatched = world.events.of_kind("team_dispatched")
    assert [e.cause_id for e in dispatched] == [collapses[0].id, collapses[1].id]
    assert world.kpis["rescue_people_trapped"].value == 26.0
