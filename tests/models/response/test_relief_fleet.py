"""Relief trucks carried across epochs: round trips by hand, to the second, and the deliveries table."""

from __future__ import annotations

import numpy as np
import pytest

from models.response.allocation import dispatch_loads, split_loads
from tests.conftest import run_in_world
from tests.models.response.test_relief_process import DEPOT, run

R, H, F = 600.0, 1800.0, 0.5  # release, handling (loading + unloading, half each), truck speed factor
T = 200.0 / F  # depot (node 0) to the school (node 2): 2 km at 10 m/s x 0.5
C = 600.0  # payload: 100 sheltered people need 1500 l = 1500 kg of water = 2.5 C


@pytest.mark.parametrize("dt_s", [1800.0, 600.0])
@pytest.mark.parametrize("vehicles", [1, 2])
def test_one_depot_carries_two_and_a_half_loads_in_three_round_trips(vehicles, dt_s):
    world = run(
        items=["water"],
        vehicle_capacity_kg=C,
        vehicle_speed_factor=F,
        handling_s=H,
        dt_s=dt_s,
        depots=[dict(DEPOT, vehicles=vehicles)],
    )
    h = H / 2
    # trip k of one truck: loading starts at R + k (2h + 2T), it departs h later, arrives T later,
    # unloads for h and drives back T: arrivals R + h + T + k (2h + 2T)
    k = np.array([0, 1, 2]) if vehicles == 1 else np.array([0, 0, 1])
    arrive = R + h + T + k * (2 * h + 2 * T)
    assert arrive.tolist() == ([1900.0, 4500.0, 7100.0] if vehicles == 1 else [1900.0, 1900.0, 4500.0])
    d = world.tables["relief_deliveries"].columns
    assert d["kg"].tolist() == [C, C, 0.5 * C]
    assert d["arrive_s"].tolist() == arrive.tolist()
    assert d["depart_s"].tolist() == (arrive - T).tolist()
    assert d["vehicle"].tolist() == (
        ["county:1"] * 3 if vehicles == 1 else ["county:1", "county:2", "county:1"]
    )
    assert d["item"].tolist() == ["water"] * 3 and d["point"].tolist() == [0, 0, 0]
    assert (d["x0_m"].tolist(), d["x1_m"].tolist()) == ([0.0] * 3, [2000.0] * 3)
    kpis = {n: v.value for n, v in world.kpis.items()}
    assert kpis["relief_time_all_restored_s"] == arrive[-1] + h  # the last load unloaded
    assert kpis["relief_trips"] == 3 and kpis["relief_kg_waiting_end"] == 0.0
    assert "relief_all_restored_at_s" not in kpis


def test_loads_wait_for_a_truck_when_the_run_ends_first():
    world = run(
        items=["water"], vehicle_capacity_kg=C, handling_s=H, end_s=3600.0, depots=[dict(DEPOT, vehicles=1)]
    )
    kpis = {n: v.value for n, v in world.kpis.items()}
    # trips start at 600 and 600 + 1800 + 400 = 2800 s; the third could start at 5000 s, after the end
    assert kpis["relief_trips"] == 2 and kpis["relief_kg_waiting_end"] == 0.5 * C
    assert kpis["relief_unrestored_people_end"] == 100.0
    waiting = world.tables["relief_unmet"].columns["kg_waiting"]
    assert waiting[0] == 1.5 * C and waiting[-1] == 0.5 * C  # after the first trip, after the second


def test_split_loads_fills_items_in_order():
    ship, kg = split_loads([[1000.0, 500.0], [0.0, 0.0], [100.0, 0.0]], [600.0, 600.0, 50.0])
    assert ship.tolist() == [0, 0, 0, 2, 2]
    assert kg.tolist() == [[600.0, 0.0], [400.0, 200.0], [0.0, 300.0], [50.0, 0.0], [50.0, 0.0]]


def test_dispatch_takes_the_earliest_free_truck_and_stops_at_the_epoch_end():
    free = np.array([500.0, 100.0, 0.0])  # depot 0: trucks 0 and 1; depot 1: truck 2
    veh, dep, arr = dispatch_loads(
        np.array([0, 0, 0, 1, 1]),
        np.array([0.0, 0.0, 0.0, 0.0, 0.0]),
        np.array([50.0, 50.0, 50.0, np.inf, 10.0]),
        np.array([0, 2, 3]),
        free,
        5.0,
        5.0,
        0.0,
        400.0,
    )
    # load 0: truck 1 (free at 100): departs 105, arrives 155, free at 155 + 5 + 50 = 210;
    # load 1: truck 1 again (210 < 500): departs 215, arrives 265, free at 320;
    # load 2: earliest is truck 1 at 320 < 400: departs 325; load 3: unreachable; load 4: truck 2 at 0
    assert veh.tolist() == [1, 1, 1, -1, 2]
    assert dep[[0, 1, 2, 4]].tolist() == [105.0, 215.0, 325.0, 5.0]
    assert arr[[0, 1, 2, 4]].tolist() == [155.0, 265.0, 375.0, 15.0]
    assert free.tolist() == [500.0, 430.0, 30.0]
    veh, _, _ = dispatch_loads(
        np.array([0]), np.array([0.0]), np.array([50.0]), np.array([0, 2, 3]), free, 5.0, 5.0, 0.0, 400.0
    )
    assert veh.tolist() == [-1]  # both trucks of depot 0 are busy past the epoch's end


def test_loads_cut_off_by_a_closed_road_go_back_and_are_allocated_again_when_it_reopens():
    from engine.grid import Grid
    from engine.network import Network
    from engine.process import Process, ProcessConfig
    from engine.world import World
    from models.response.relief import ReliefConfig, ReliefProcess

    # nodes every 1 km on a line, 100 s per edge: depot at node 0, school at node 7 (T = 700 s);
    # closing edge 2-3 cuts the school's four nearest nodes (4-7) off from the depot
    net = Network.from_edges(
        "roads",
        np.arange(8) * 1000.0,
        np.zeros(8),
        src=np.arange(7),
        dst=np.arange(1, 8),
        attrs={"length_m": np.full(7, 1000.0), "speed_m_s": np.full(7, 10.0), "open": np.ones(7)},
        undirected=True,
    )

    class Landslide(Process):
        """Closes edge 2-3 at 1000 s and opens it again at 4000 s."""

        default_dt_s = 1000.0

        def advance(self, t_s, dt_s):
            cut = {(2, 3), (3, 2)}
            mask = np.array(
                [(int(a), int(b)) in cut for a, b in zip(net.edge_sources(), net.indices, strict=True)]
            )
            if t_s in (1000.0, 4000.0):
                net.edge_attrs["open"][mask] = 0.0 if t_s == 1000.0 else 1.0

    world = World(Grid(-100.0, -100.0, 100.0, 75, 3))
    world.networks["roads"] = net
    world.grid.add_layer("population", "1", "people", writer="test").data[1, 71] = 100.0  # centre (7050, 50)
    cf = world.grid.add_layer("building_collapse_fraction", "1", "collapsed", writer="test")
    cf.data[1, 71] = 1.0
    cfg = ReliefConfig(
        items=["water"],
        vehicle_capacity_kg=C,
        handling_s=H,
        depots=[dict(DEPOT, vehicles=1)],
        shelters=[{"name": "school", "x_m": 7000.0, "y_m": 0.0, "capacity": 1000}],
    )

    def build(kw):
        slide = Landslide(ProcessConfig(model="x"), name="slide", **kw)
        return [ReliefProcess(cfg, name="relief", **kw), slide]

    run_in_world(world, build, end_s=12 * 3600.0)
    h, t = H / 2, 700.0
    unmet = world.tables["relief_unmet"].columns
    # the first load left at 600 s; at 1800 s and 3600 s the other 900 kg are cut off: back to demand
    assert dict(zip(unmet["t_s"][:4], unmet["unmet_water"][:4], strict=True)) == {
        0.0: 0.0,
        1800.0: 900.0,
        3600.0: 900.0,
        5400.0: 0.0,
    }
    d = world.tables["relief_deliveries"].columns
    # reallocated at 5400 s, ready at 6000 s: the truck (free since 600 + 2h + 2T = 3800 s) goes then
    # and again once back at 6000 + 2h + 2T
    first = R + h + t
    again = 5400.0 + R + h + t
    assert d["arrive_s"].tolist() == [first, again, again + 2 * h + 2 * t]
    assert world.kpis["relief_time_all_restored_s"].value == again + 2 * h + 2 * t + h


def test_equally_due_loads_go_nearest_point_first():
    import math

    from engine.grid import Grid
    from engine.world import World
    from models.response.relief import ReliefConfig, ReliefProcess
    from tests.models.response.test_relief_process import line

    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = line()
    pop = world.grid.add_layer("population", "1", "people", writer="test")
    pop.data[1, 21] = 80.0  # far block, centre (2050, 50): 1200 kg of water, two loads; made first
    pop.data[1, 11] = 40.0  # near block, centre (1050, 50): 600 kg, one load
    world.grid.add_layer("building_collapse_fraction", "1", "collapsed", writer="test").data[1, [11, 21]] = (
        1.0
    )
    cfg = ReliefConfig(items=["water"], vehicle_capacity_kg=C, handling_s=H, depots=[dict(DEPOT, vehicles=1)])
    run_in_world(world, lambda kw: [ReliefProcess(cfg, name="relief", **kw)], end_s=12 * 3600.0)
    h, walk = H / 2, math.hypot(50.0, 50.0) / 1.4  # blocks' centres are 70.7 m off their nodes, on foot
    t1, t2 = 100.0 + walk, 200.0 + walk
    d = world.tables["relief_deliveries"].columns
    assert world.tables["relief_points"].columns["people"].tolist() == [80.0, 40.0]
    assert d["point"].tolist() == [1, 0, 0]  # both due at 10 h: the near point's load first
    near = R + h + t1
    far1 = R + 2 * h + 2 * t1 + h + t2
    far2 = far1 + 2 * h + 2 * t2
    np.testing.assert_allclose(d["arrive_s"], [near, far1, far2], rtol=0, atol=1e-9)
