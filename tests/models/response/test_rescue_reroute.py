"""Teams on the road reroute around a road that closes after they left, to the second (vs networkx)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from engine.grid import Grid
from engine.network import Network
from engine.process import Process, ProcessConfig
from engine.world import World
from models.response.rescue import RescueConfig, RescueProcess
from models.response.survival import RESCUE_S_PER_PERSON
from tests.conftest import run_in_world

A, B, C, D, E = 0, 1, 2, 3, 4
# A-B 100 s, B-C 100 s (the first path A-B-C: 200 s); B-D 60 s, D-C 90 s (the detour: 150 s);
# A-D 200 s; C-E 100 s. All at 10 m/s, both ways.
EDGES = [(A, B, 1000.0), (B, C, 1000.0), (B, D, 600.0), (D, C, 900.0), (A, D, 2000.0), (C, E, 1000.0)]


def network(edges=EDGES) -> Network:
    src, dst, length = zip(*edges, strict=True)
    return Network.from_edges(
        "roads",
        [0.0, 1000.0, 2000.0, 1500.0, 2300.0],
        [0.0, 0.0, 0.0, 600.0, 0.0],
        src=list(src),
        dst=list(dst),
        attrs={"length_m": list(length), "speed_m_s": [10.0] * len(edges), "open": [1.0] * len(edges)},
        undirected=True,
    )


class _Close(Process):
    """Closes the listed roads (both ways) at ``at_s`` and logs ``road_closed`` as road_closures does."""

    model_name = "t_close_roads"
    family = "impacts"
    default_dt_s = 60.0
    at_s = 660.0
    roads: tuple[tuple[int, int], ...] = ()

    def advance(self, t_s, dt_s):
        if t_s != self.at_s:
            return
        net = self.world.networks["roads"]
        src = net.edge_sources()
        for a, b in self.roads:
            both = (np.minimum(src, net.indices) == min(a, b)) & (np.maximum(src, net.indices) == max(a, b))
            net.edge_attrs["open"][both] = 0.0
            self.emit("road_closed", data={"edge": 0, "src": a, "dst": b, "reason": "debris"})


def run(roads, edges=EDGES, end_s=3 * 3600.0):
    world = World(Grid(-100.0, -100.0, 100.0, 25, 15))
    world.networks["roads"] = network(edges)
    world.add_table(
        "trapped_people", {"x_m": np.array([2000.0]), "y_m": np.array([0.0]), "people": np.array([1])}
    )
    cfg = RescueConfig(
        bases=[{"name": "station", "x_m": 0.0, "y_m": 0.0}],
        teams=[{"name": "usar", "kind": "professional_rescue", "base": "station", "readiness_s": 600.0}],
        medevac_sites=0,
        dt_s=60.0,
    )

    def build(kw):
        closer = _Close(ProcessConfig(model="t_close_roads"), name="closer", **kw)
        closer.roads = tuple(roads)
        return [closer, RescueProcess(cfg, name="rescue", **kw)]

    _, rescue = run_in_world(world, build, end_s=end_s)
    return world, rescue


def _nx_time(edges, closed, a, b) -> float:
    g = nx.Graph()
    for u, v, length in edges:
        if (u, v) not in closed and (v, u) not in closed:
            g.add_edge(u, v, weight=length / 10.0)
    return nx.shortest_path_length(g, a, b, weight="weight")


def test_unhindered_team_arrives_over_the_first_path():
    world, _ = run(roads=())
    t = world.tables["team_tasks"].columns
    assert t["arrive_s"].tolist() == [600.0 + _nx_time(EDGES, set(), A, C)]  # 800 s
    assert not world.events.of_kind("team_rerouted")


def test_a_road_closed_ahead_reroutes_the_team_from_the_next_node():
    # Dispatched at 0 s along A-B-C (at A at 600 s, B at 700 s, C at 800 s); B-C closes at 660 s,
    # while the team is between A and B: it drives on to B and goes B-D-C, 60 + 90 = 150 s.
    world, _ = run(roads=[(B, C)])
    detour = _nx_time(EDGES, {(B, C)}, B, C)
    assert detour == 150.0
    new = 700.0 + detour
    t = world.tables["team_tasks"].columns
    assert t["arrive_s"].tolist() == [pytest.approx(new, abs=1e-9)]
    assert t["end_s"][0] == pytest.approx(new + RESCUE_S_PER_PERSON["professional_rescue"], abs=1e-9)
    (ev,) = world.events.of_kind("team_rerouted")
    assert ev.time_s == 660.0
    assert ev.data == {"team": "usar", "task": 0, "old_arrive_s": 800.0, "new_arrive_s": pytest.approx(new)}
    closed = world.events[ev.cause_id]
    assert closed.kind == "road_closed" and {closed.data["src"], closed.data["dst"]} == {B, C}
    (arrived,) = world.events.of_kind("team_arrived")
    assert arrived.time_s == pytest.approx(new, abs=1e-6)


def test_a_road_closed_under_the_team_sends_it_back_to_the_last_node():
    # A-B closes at 660 s with the team 60 s past A: it turns back (at A at 720 s) and goes A-D-C.
    world, _ = run(roads=[(A, B)])
    new = 660.0 + 60.0 + _nx_time(EDGES, {(A, B)}, A, C)
    assert new == 720.0 + 290.0
    assert world.tables["team_tasks"].columns["arrive_s"].tolist() == [pytest.approx(new, abs=1e-9)]


def test_no_road_left_the_team_gives_up_at_the_node_and_the_task_reopens():
    # Only A-B-C-E: A-B and B-C close under the team; A is cut off from every road.
    line = [EDGES[0], EDGES[1], EDGES[5]]
    world, _ = run(roads=[(A, B), (B, C)], edges=line)
    (ev,) = world.events.of_kind("team_rerouted")
    assert ev.data["new_arrive_s"] is None and ev.data["old_arrive_s"] == 800.0
    t = world.tables["team_tasks"].columns
    assert t["reached"].tolist()[0] == 0.0 and t["arrive_s"][0] == t["end_s"][0] == 720.0  # back at A
    # the task reopened: the team, free at 720 s, walks from A to the nearest open road next epoch
    assert t["task"].tolist() == [0, 0]
    assert t["start_s"][1] == 720.0
