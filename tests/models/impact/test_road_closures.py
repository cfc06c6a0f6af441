"""Road closures: a hand-built 3-edge network under synthetic water and debris, causes and reopening."""

from __future__ import annotations

import numpy as np
import pytest

import models.exposure.population  # registers "population_grid"
import models.exposure.roads  # registers "road_network"
import models.impact.road_closures  # noqa: F401  (registers "road_closures")
from engine import Scenario, ScenarioError, Simulation
from engine.grid import Grid
from engine.process import FieldSpec, Process, ProcessConfig
from engine.rng import RandomStreams
from engine.scheduler import Scheduler
from engine.world import World
from models.exposure.roads import Roads, close_edges
from models.impact.road_closures import RoadClosures, RoadClosuresConfig

DX, N = 10.0, 10


class Hazards(Process):
    """Test helper: a dam breach floods the middle of the north row at 120 s (0.5 m) and drains at 300 s;
    a landslide drops 0.6 m of debris on the middle of the south row at 180 s."""

    model_name = "t_hazards"
    family = "hazards"
    writes = (
        FieldSpec("water_depth_m", "m", "depth"),
        FieldSpec("flow_speed_m_s", "m s-1", "speed"),
        FieldSpec("landslide_debris_m", "m", "debris"),
    )

    def __init__(self, *a, depth_m=0.5, speed_m_s=0.0, **kw):
        super().__init__(*a, **kw)
        self.depth_m, self.speed_m_s = depth_m, speed_m_s

    def start(self, t_s):
        self.breach = self.emit("dam_breach")
        self.slide = self.emit("landslide")

    def advance(self, t_s, dt_s):
        layers = self.world.grid.layers
        wet = 120.0 <= t_s < 300.0
        layers["water_depth_m"].data[N - 1, 3:7] = self.depth_m if wet else 0.0
        layers["flow_speed_m_s"].data[N - 1, 3:7] = self.speed_m_s if wet else 0.0
        layers["water_depth_m"].cause_event_id = self.breach
        if t_s >= 180.0:
            layers["landslide_debris_m"].data[0, 4:6] = 0.6
            layers["landslide_debris_m"].cause_event_id = self.slide


def three_edge_network() -> Roads:
    """Square path: 0 (5,5) → 1 (95,5) → 2 (95,95) → 3 (5,95); segments 0 south, 1 east, 2 north."""
    return Roads(
        ["0", "1", "2", "3"],
        np.array([5.0, 95.0, 95.0, 5.0]),
        np.array([5.0, 5.0, 95.0, 95.0]),
        np.array([0, 1, 2]),
        np.array([1, 2, 3]),
        ["street"] * 3,
        np.full(3, 8.0),
        np.full(3, 800.0),
    )


def run(end_s=600.0, broken_bridge_segment=None, **cfg):
    world = World(Grid(0.0, 0.0, DX, N, N))
    world.networks["roads"] = three_edge_network().to_network()
    if broken_bridge_segment is not None:  # as models.impact.bridge_damage closes a bridge
        net = world.networks["roads"]
        close_edges(net, net.edge_attrs["segment"] == broken_bridge_segment)
    sched = Scheduler(world, RandomStreams(1), end_s=end_s)
    kw = {"world": world, "scheduler": sched, "rng": np.random.default_rng(0), "base_dir": "."}
    haz_keys = {k: cfg.pop(k) for k in ("depth_m", "speed_m_s") if k in cfg}
    hazards = Hazards(ProcessConfig(model="t_hazards", dt_s=60.0), name="hazards", **haz_keys, **kw)
    closures = RoadClosures(RoadClosuresConfig(dt_s=60.0, **cfg), name="closures", **kw)
    sched.add_processes([closures, hazards])
    sched.start_process(hazards, cause_id=-1)
    sched.start_process(closures, cause_id=-1)
    sched.run()
    sched.finish()
    return world, hazards


def segment_open(world) -> list[float]:
    a = world.networks["roads"].edge_attrs
    return [float(a["open"][a["segment"] == s].max()) for s in range(3)]


def test_water_closes_exactly_the_covered_edge_with_the_breach_as_cause():
    world, hz = run(end_s=150.0)
    [closed] = world.events.of_kind("road_closed")
    assert closed.cause_id == hz.breach and closed.time_s == 120.0
    assert closed.data == {"edge": 2, "src": 2, "dst": 3, "reason": "water", "depth_m": 0.5}
    assert 35.0 <= closed.x_m <= 65.0 and closed.y_m == 95.0
    assert segment_open(world) == [1.0, 1.0, 0.0]  # both directions of segment 2, nothing else
    assert world.kpis["roads_closed_km"].value == pytest.approx(0.09)


def test_debris_closes_its_edge_with_the_landslide_as_cause_and_each_closure_is_logged_once():
    world, hz = run(end_s=600.0)
    events = world.events.of_kind("road_closed")
    assert [(e.data["edge"], e.data["reason"], e.cause_id, e.time_s) for e in events] == [
        (2, "water", hz.breach, 120.0),
        (0, "debris", hz.slide, 180.0),
    ]
    assert events[1].data["depth_m"] == 0.6
    assert segment_open(world) == [0.0, 1.0, 0.0]  # no reopening by default, though the water went
    t = world.tables["road_closures"].columns
    assert t["segment"].tolist() == [2, 0] and t["event"].tolist() == [e.id for e in events]
    assert world.kpis["roads_ever_closed_km"].value == pytest.approx(0.18)


def test_reopen_when_the_water_goes():
    world, _ = run(end_s=600.0, reopen=True)
    [reopened] = world.events.of_kind("road_reopened")
    water = world.events.of_kind("road_closed")[0]
    assert reopened.time_s == 300.0 and reopened.cause_id == water.id and reopened.data["edge"] == 2
    assert segment_open(world) == [0.0, 1.0, 1.0]
    assert world.kpis["roads_closed_km"].value == pytest.approx(0.09)


def test_a_road_closed_by_its_broken_bridge_stays_closed_when_the_water_on_it_goes():
    world, _ = run(end_s=600.0, reopen=True, broken_bridge_segment=2)
    assert len(world.events.of_kind("road_reopened")) == 1  # the water's closure is released …
    assert segment_open(world) == [0.0, 1.0, 0.0]  # … but the bridge's still holds segment 2
    world, _ = run(end_s=600.0, reopen=True, broken_bridge_segment=1)
    assert segment_open(world) == [0.0, 0.0, 1.0]


def test_shallow_water_stays_open_unless_its_energy_head_is_too_high():
    # 0.2 m at 2 m/s: depth under 0.3 m, but the head 0.2 + 2²/(2·9.81) = 0.404 m is over it.
    world, _ = run(end_s=150.0, depth_m=0.2, speed_m_s=2.0)
    assert not world.events.of_kind("road_closed")
    world, _ = run(end_s=150.0, depth_m=0.2, speed_m_s=2.0, criterion="energy_head")
    [closed] = world.events.of_kind("road_closed")
    assert closed.data["depth_m"] == pytest.approx(0.2 + 4.0 / (2 * 9.81))
    world, _ = run(end_s=150.0, depth_m=0.2, speed_m_s=1.0, criterion="energy_head")  # head 0.251 m
    assert not world.events.of_kind("road_closed")


SCENARIO = """
[scenario]
name = "closures"
duration_s = 120.0

[grid]
cell_size_m = 10.0
nx = 10
ny = 10

{layers}
[[exposure]]
model = "road_network"
nodes = "nodes.csv"
edges = "edges.csv"

[[impacts]]
model = "road_closures"
{keys}
"""


def write_files(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,x_m,y_m\nA,5,5\nB,95,5\nC,95,95\n")
    (tmp_path / "edges.csv").write_text("src,dst,road_class\nA,B,street\nB,C,street\n")
    depth = np.zeros((10, 10))
    depth[4:6, 9] = 1.0  # across B-C
    np.save(tmp_path / "depth.npy", depth)


DEPTH_LAYER = '[[layers]]\nname = "water_depth_m"\nfile = "depth.npy"\nunits = "m"\n'


def test_through_a_scenario(tmp_path):
    write_files(tmp_path)
    out = Simulation(
        Scenario.from_text(SCENARIO.format(layers=DEPTH_LAYER, keys=""), base_dir=tmp_path)
    ).run()
    [closed] = [e for e in out.events if e.kind == "road_closed"]
    assert closed.time_s == 0.0 and closed.cause_id == -1 and closed.data["edge"] == 1
    assert out.tables["road_closures"].columns["reason"].tolist() == ["water"]
    assert out.kpis["roads_closed_km"].value == pytest.approx(0.09)


@pytest.mark.parametrize(
    ("layers", "keys", "match"),
    [
        ("", "", "nothing can close a road"),
        (DEPTH_LAYER, 'criterion = "energy_head"', "flow_speed_m_s"),
        (DEPTH_LAYER, "max_water_depth_m = 0.0", "greater than 0"),
    ],
)
def test_scenario_mistakes(tmp_path, layers, keys, match):
    write_files(tmp_path)
    with pytest.raises(ScenarioError, match=match) as info:
        Scenario.from_text(SCENARIO.format(layers=layers, keys=keys), base_dir=tmp_path)
    assert "impacts[0]" in str(info.value)


def test_closures_need_a_road_network(tmp_path):
    write_files(tmp_path)
    text = SCENARIO.format(layers=DEPTH_LAYER, keys="").replace(
        'model = "road_network"', 'model = "population_grid"'
    )
    text = text.replace('nodes = "nodes.csv"\nedges = "edges.csv"', 'districts = []\nfile = "depth.npy"')
    with pytest.raises(ScenarioError, match="no road network") as info:
        Scenario.from_text(text, base_dir=tmp_path)
    assert "impacts[0].network" in str(info.value)
