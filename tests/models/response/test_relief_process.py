"""The relief process on a hand-built line network: delivery time to the second, shortages, a lost depot."""

from __future__ import annotations

import math

import pytest

from engine.grid import Grid
from engine.network import Network
from engine.world import World
from models.response.relief import ReliefConfig, ReliefProcess
from tests.conftest import run_in_world


def line() -> Network:
    """0 (0,0) - 1 (1000,0) - 2 (2000,0): 100 s per edge."""
    return Network.from_edges(
        "roads",
        [0.0, 1000.0, 2000.0],
        [0.0, 0.0, 0.0],
        src=[0, 1],
        dst=[1, 2],
        attrs={"length_m": [1000.0, 1000.0], "speed_m_s": [10.0, 10.0], "open": [1.0, 1.0]},
        undirected=True,
    )


DEPOT = {
    "name": "county",
    "level": "county",
    "x_m": 0.0,
    "y_m": 0.0,
    "release_s": 600.0,
    "vehicles": 1,
    "stock": {"tent": 100.0, "water": 1.0e5, "food": 1.0e4},
}
SHELTER = {"name": "school", "x_m": 2000.0, "y_m": 0.0, "capacity": 1000}


def run(*, end_s=12 * 3600.0, collapse=1.0, **cfg):
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = line()
    pop = world.grid.add_layer("population", "1", "people", writer="test")
    pop.data[1, 21] = 100.0  # cell centre (2050, 50)
    cf = world.grid.add_layer("building_collapse_fraction", "1", "collapsed", writer="test")
    cf.data[1, 21] = collapse
    cf.cause_event_id = 0
    cfg = {"depots": [DEPOT], "shelters": [SHELTER], **cfg}
    run_in_world(world, lambda kw: [ReliefProcess(ReliefConfig(**cfg), name="relief", **kw)], end_s=end_s)
    return world


def test_sheltered_people_are_restored_at_release_plus_drive_plus_handling():
    world = run()
    k = {n: v.value for n, v in world.kpis.items()}
    assert k["relief_displaced_people"] == 100.0
    # one truck (1500 l water + 100 rations x 0.6 kg = 1560 kg < 5 t): 600 s + 200 s + 1800 s
    assert k["relief_time_all_restored_s"] == pytest.approx(2600.0)
    assert k["relief_share_restored_at_10h"] == 1.0
    pts = world.tables["relief_points"].columns
    assert pts["sheltered"].tolist() == [1]


def test_without_shelter_room_tents_are_needed_and_a_short_stock_fails():
    world = run(shelters=[])  # the block's centre (2050, 50) is 70.7 m off node 2, walked at 1.4 m/s
    k = {n: v.value for n, v in world.kpis.items()}
    assert k["relief_time_all_restored_s"] == pytest.approx(
        600.0 + 200.0 + math.hypot(50.0, 50.0) / 1.4 + 1800.0
    )
    short = dict(DEPOT, stock={"tent": 1.0, "water": 1.0e5, "food": 1.0e4})
    k = {n: v.value for n, v in run(shelters=[], depots=[short]).kpis.items()}
    assert k["relief_share_restored_at_10h"] == 0.0
    assert math.isinf(k["relief_time_all_restored_s"])
    assert k["relief_unmet_tent_end"] == 22.0 - 1.0  # ceil(100 x 3.5 / 16) tents (Sphere 3.5 m2 each)


def test_a_destroyed_depot_delivers_nothing_and_the_next_level_steps_in():
    far = dict(DEPOT, name="province", level="provincial", release_s=3600.0, outside_travel_s=36000.0)
    lost = dict(DEPOT, destroyed=True)
    world = run(depots=[lost, far])
    k = {n: v.value for n, v in world.kpis.items()}
    assert k["relief_depots_destroyed"] == 1
    assert k["relief_time_all_restored_s"] == pytest.approx(3600.0 + 36000.0 + 200.0 + 1800.0)
    assert k["relief_share_restored_at_10h"] == 0.0
    assert world.events.of_kind("depot_destroyed")[0].data["depot"] == "county"


def test_unknown_items_are_named_with_their_key():
    from engine.errors import ScenarioError

    bad = ReliefConfig(depots=[dict(DEPOT, stock={"tents": 1.0})])
    with pytest.raises(ScenarioError, match=r"response\[2\]\.depots\[0\]\.stock: unknown item 'tents'"):
        ReliefProcess.check(bad, None, "response[2]")
