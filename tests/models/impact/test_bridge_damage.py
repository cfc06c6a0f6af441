"""Bridge damage: HAZUS fragility numbers by hand, sampled frequencies, closures that reroute, causes.

Published numbers: the HAZUS-MH highway-bridge medians of Sa(1.0 s) (Hazus 4.2 Technical Manual
Table 7-6, MR5 Table 7.9), the K_3D coefficients (Table 7-2), β = 0.6; the lognormal CDF is
computed here with math.erf, independently of scipy.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

import models.exposure.roads
import models.impact.bridge_damage  # noqa: F401  (registers "bridge_damage")
from engine import Scenario, ScenarioError, Simulation
from models.exposure.roads import BRIDGE_CLASS_NAMES, read_road_csv, segment_cells
from models.impact.bridge_damage import (
    BETA,
    HWB_I_SHAPE,
    HWB_K3D_EQUATION,
    HWB_MEDIANS_SA1_G,
    K3D_COEFFICIENTS,
    exceedance_probabilities,
    modified_medians,
    sample_damage_states,
)
from models.response.travel import TravelTimes


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


# Hazus 4.2 Technical Manual Table 7-6 (= pelicun's Hazus 5.1 HWB.GS.k): slight ... complete.
TABLE_7_6 = {
    "HWB1": (0.40, 0.50, 0.70, 0.90),
    "HWB2": (0.60, 0.90, 1.10, 1.70),
    "HWB3": (0.80, 1.00, 1.20, 1.70),
    "HWB4": (0.80, 1.00, 1.20, 1.70),
    "HWB5": (0.25, 0.35, 0.45, 0.70),
    "HWB6": (0.30, 0.50, 0.60, 0.90),
    "HWB7": (0.50, 0.80, 1.10, 1.70),
    "HWB10": (0.60, 0.90, 1.10, 1.50),
    "HWB11": (0.90, 0.90, 1.10, 1.50),
    "HWB15": (0.75, 0.75, 0.75, 1.10),
    "HWB16": (0.90, 0.90, 1.10, 1.50),
    "HWB17": (0.25, 0.35, 0.45, 0.70),
    "HWB22": (0.60, 0.90, 1.10, 1.50),
    "HWB26": (0.75, 0.75, 0.75, 1.10),
    "HWB28": (0.80, 1.00, 1.20, 1.70),
}


def test_the_table_holds_the_published_medians_and_modifiers():
    assert (
        tuple(HWB_MEDIANS_SA1_G)
        == BRIDGE_CLASS_NAMES[1:]
        == tuple(HWB_K3D_EQUATION)
        == tuple(sorted(HWB_I_SHAPE, key=lambda c: int(c[3:])))
    )
    for cls, medians in TABLE_7_6.items():
        assert HWB_MEDIANS_SA1_G[cls] == medians, cls
    assert BETA == 0.6
    # Table 7-2: K_3D = 1 + A / (N - B).
    assert K3D_COEFFICIENTS == {
        "EQ1": (0.25, 1.0),
        "EQ2": (0.33, 0.0),
        "EQ3": (0.33, 1.0),
        "EQ4": (0.09, 1.0),
        "EQ5": (0.05, 0.0),
        "EQ6": (0.20, 1.0),
        "EQ7": (0.10, 0.0),
    }
    assert [HWB_K3D_EQUATION[c] for c in ("HWB5", "HWB10", "HWB11", "HWB12", "HWB15", "HWB24", "HWB26")] == [
        "EQ1",
        "EQ2",
        "EQ3",
        "EQ4",
        "EQ5",
        "EQ6",
        "EQ7",
    ]
    assert [c for c, i in HWB_I_SHAPE.items() if i] == [
        f"HWB{k}" for k in (3, 4, 10, 11, 15, 16, 22, 23, 26, 27)
    ]


@pytest.mark.parametrize("sa", [0.1, 0.3, 0.45, 1.0, 2.0])
def test_fragility_is_the_lognormal_cdf_of_the_modified_medians(sa):
    # HWB5, 3 spans (EQ1: K_3D = 1 + 0.25 / 2 = 1.125), 45° skew (K_skew = sqrt(sin 45°)), I_shape = 0.
    k = math.sqrt(math.sin(math.radians(45.0))) * 1.125
    hand = [0.25, 0.35 * k, 0.45 * k, 0.70 * k]
    m = modified_medians(["HWB5"], np.array([3.0]), np.array([45.0]), np.array([2.0]), np.array([sa]))
    assert m[0] == pytest.approx(hand, rel=1e-12)
    p = exceedance_probabilities(np.array([sa]), m)[0]
    assert p == pytest.approx([phi(math.log(sa / h) / 0.6) for h in hand], abs=1e-12)


def test_shape_factor_lowers_the_slight_median_of_i_shape_classes_only():
    # Sa(1.0) / Sa(0.3) = 0.2: K_shape = 2.5 × 0.2 = 0.5. HWB10 (I_shape 1) halves its slight median,
    # HWB5 (I_shape 0) keeps it; single span, no skew: the other medians are the table's
    # (HWB5, EQ1 with N = 1: K_3D taken as 1; HWB10, EQ2: K_3D = 1 + 0.33 / 1).
    m = modified_medians(
        ["HWB10", "HWB5"], np.array([1.0, 1.0]), np.zeros(2), np.array([1.0, 1.0]), np.array([0.2, 0.2])
    )
    assert m[0] == pytest.approx([0.30, 0.90 * 1.33, 1.10 * 1.33, 1.50 * 1.33])
    assert m[1] == pytest.approx([0.25, 0.35, 0.45, 0.70])
    # A broad spectrum (K_shape = 2.5) never raises it.
    m = modified_medians(["HWB10"], np.array([1.0]), np.zeros(1), np.array([1.0]), np.array([1.0]))
    assert m[0, 0] == 0.60


def test_crossing_curves_keep_the_states_ordered():
    # HWB15 at 60° skew, 2 spans: moderate median 0.75 × sqrt(sin 30°) × 1.025 = 0.5436 < slight 0.75.
    m = modified_medians(["HWB15"], np.array([2.0]), np.array([60.0]), None, None)
    assert m[0, 1] == pytest.approx(0.75 * math.sqrt(0.5) * 1.025) and m[0, 1] < m[0, 0]
    p = exceedance_probabilities(np.array([0.6]), m)[0]
    assert p[0] == pytest.approx(phi(math.log(0.6 / m[0, 1]) / 0.6)) and np.all(np.diff(p) <= 0)


def test_sampled_state_frequencies_match_the_probabilities():
    n = 40_000
    m = modified_medians(["HWB5"] * n, np.full(n, 3.0), np.zeros(n), None, None)
    p = exceedance_probabilities(np.full(n, 0.45), m)
    states = sample_damage_states(p, np.random.default_rng(11))
    want = -np.diff(np.concatenate([[1.0], p[0], [0.0]]))  # none, slight, ..., complete
    got = np.bincount(states, minlength=5) / n
    assert np.all(np.abs(got - want) <= 4.0 * np.sqrt(want * (1 - want) / n) + 1e-12)


# --- through a scenario -------------------------------------------------------------------------

SCENARIO = """
[scenario]
name = "bridges"
duration_s = 60.0

[grid]
cell_size_m = 10.0
nx = 20
ny = 10

[[layers]]
name = "sa_1p0_g"
file = "sa1.npy"
units = "g"

[[exposure]]
model = "road_network"
nodes = "nodes.csv"
edges = "edges.csv"

[[events]]
kind = "earthquake"
at_s = 10.0
x_m = 100.0
y_m = 5.0

[[chains]]
when = "earthquake"
start = "bridges"

[[impacts]]
model = "bridge_damage"
name = "bridges"
{keys}
"""

# A (15, 15) -bridge- B (95, 15) -- C (175, 15): the short way; A -- D (15, 85) -- E (95, 85) -- B:
# the long way round. Bridge A-B is shaken at 4 g, bridge E-B (a weak HWB28 too) at 0.01 g.
NODES = "id,x_m,y_m\nA,15,15\nB,95,15\nC,175,15\nD,15,85\nE,95,85\n"
EDGES = (
    "src,dst,road_class,speed_m_s,capacity_veh_h,bridge_class,bridge_spans,bridge_skew_deg\n"
    "A,B,street,10,,HWB5,3,\n"
    "B,C,street,10,,,,\n"
    "A,D,street,10,,,,\n"
    "D,E,street,10,,,,\n"
    "E,B,street,10,,hwb28,,\n"
)


def write_files(tmp_path, edges: str = EDGES) -> None:
    (tmp_path / "nodes.csv").write_text(NODES)
    (tmp_path / "edges.csv").write_text(edges)
    sa = np.full((10, 20), 0.01)
    sa[0:3, 4:7] = 4.0  # around the middle of A-B, (55, 15)
    np.save(tmp_path / "sa1.npy", sa)


def test_csv_bridge_columns(tmp_path):
    write_files(tmp_path)
    roads = read_road_csv(tmp_path / "nodes.csv", tmp_path / "edges.csv")
    assert roads.bridge_class == ["HWB5", "", "", "", "HWB28"]
    assert roads.bridge_spans.tolist() == [3.0, 0.0, 0.0, 0.0, 3.0]  # E-B: 70 m at 30 m per span
    bad = EDGES.replace("HWB5,3,", "HWB55,3,")
    write_files(tmp_path, bad)
    with pytest.raises(ValueError, match=r"edges.csv, line 2, column 'bridge_class': unknown class 'HWB55'"):
        read_road_csv(tmp_path / "nodes.csv", tmp_path / "edges.csv")
    write_files(tmp_path, EDGES.replace("B,C,street,10,,,,", "B,C,street,10,,,2,"))
    with pytest.raises(ValueError, match="line 3, column 'bridge_spans': given for a segment without"):
        read_road_csv(tmp_path / "nodes.csv", tmp_path / "edges.csv")


def test_strong_shaking_closes_the_bridge_and_a_team_reroutes(tmp_path):
    write_files(tmp_path)
    sim = Simulation(Scenario.from_text(SCENARIO.format(keys=""), base_dir=tmp_path), seed=3)
    net = sim.world.networks["roads"]
    before = TravelTimes(net).from_nodes([0])[0]
    assert before[2] == pytest.approx(16.0)  # A-B-C, 160 m at 10 m/s
    out = sim.run()
    quake = next(e for e in out.events if e.kind == "earthquake")
    [closed] = [e for e in out.events if e.kind == "road_closed"]
    assert closed.cause_id == quake.id and closed.time_s == 10.0
    assert closed.data["edge"] == 0 and closed.data["reason"] == "bridge"
    assert closed.data["bridge_class"] == "HWB5" and closed.data["damage_state"] in ("extensive", "complete")
    assert (closed.x_m, closed.y_m) == (55.0, 15.0)
    a = net.edge_attrs
    assert a["open"][a["segment"] == 0].tolist() == [0.0, 0.0]  # both directions
    assert np.all(a["open"][a["segment"] != 0] == 1.0) and np.all(a["speed_factor"] == 1.0)
    # Travel times over the damaged network equal networkx's shortest paths without the bridge.
    g = nx.Graph()
    for s, d, length in ((0, 1, 80.0), (1, 2, 80.0), (0, 3, 70.0), (3, 4, 80.0), (4, 1, 70.0)):
        g.add_edge(s, d, weight=length / 10.0)
    g.remove_edge(0, 1)
    want = nx.single_source_dijkstra_path_length(g, 0)
    after = TravelTimes(net).from_nodes([0])[0]
    assert after.tolist() == pytest.approx([want[i] for i in range(5)])
    assert after[2] == pytest.approx(30.0)  # 300 m round by D and E at 10 m/s
    t = out.tables["bridge_damage"].columns
    assert t["segment"].tolist() == [0, 4] and t["damage_state"][1] == "none"
    assert t["sa_1p0_g"].tolist() == [4.0, 0.01] and t["closed"].tolist() == [1, 0]
    assert t["event"].tolist() == [closed.id, -1]
    assert out.kpis["bridges_closed"].value == 1 and out.kpis["bridges"].value == 2


def test_moderate_damage_slows_the_road_as_travel_times_see_it(tmp_path):
    # 60 bridges in a row, all at Sa = 0.4 g: some undamaged, some slowed, some closed.
    n = 60
    nodes = "id,x_m,y_m\n" + "".join(f"n{i},{5 + 3 * i},45\n" for i in range(n + 1))
    edges = "src,dst,road_class,speed_m_s,bridge_class,bridge_spans\n"
    edges += "".join(f"n{i},n{i + 1},street,10,HWB5,2\n" for i in range(n))
    (tmp_path / "nodes.csv").write_text(nodes)
    (tmp_path / "edges.csv").write_text(edges)
    np.save(tmp_path / "sa1.npy", np.full((10, 20), 0.4))
    out_sim = Simulation(
        Scenario.from_text(SCENARIO.format(keys="moderate_speed_factor = 0.25"), base_dir=tmp_path)
    )
    out = out_sim.run()
    net = out_sim.world.networks["roads"]
    a = net.edge_attrs
    states = out.tables["bridge_damage"].columns["damage_state"]
    assert {"none", "moderate"} <= set(states.tolist()) and {"extensive", "complete"} & set(states.tolist())
    t = TravelTimes(net).edge_time_s()
    for s, state in enumerate(states):
        on = a["segment"] == s
        if state in ("extensive", "complete"):
            assert np.all(a["open"][on] == 0.0) and np.all(np.isinf(t[on]))
        elif state == "moderate":
            assert np.all(a["speed_factor"][on] == 0.25) and t[on] == pytest.approx(3.0 / (10.0 * 0.25))
        else:
            assert np.all(a["open"][on] == 1.0) and t[on] == pytest.approx(0.3)
    slowed = [e for e in out.events if e.kind == "road_slowed"]
    assert len(slowed) == int(np.sum(states == "moderate")) == out.kpis["bridges_slowed"].value
    assert all(e.data["speed_factor"] == 0.25 and e.data["reason"] == "bridge" for e in slowed)


def test_bridge_damage_needs_shaking_and_roads(tmp_path):
    write_files(tmp_path)
    text = SCENARIO.format(keys="").replace('name = "sa_1p0_g"', 'name = "pga_g"')
    with pytest.raises(ScenarioError, match='reads field "sa_1p0_g"') as info:
        Scenario.from_text(text, base_dir=tmp_path)
    assert "impacts[0]" in str(info.value)
    with pytest.raises(ScenarioError, match="moderate_speed_factor"):
        Scenario.from_text(SCENARIO.format(keys="moderate_speed_factor = 0.0"), base_dir=tmp_path)


# --- generated bridges --------------------------------------------------------------------------

FLAT_RIVER = """
[scenario]
name = "bridges on a generated road"
duration_s = 10.0

[grid]
cell_size_m = 10.0
nx = 40
ny = 12

[[layers]]
name = "terrain_m"
file = "z.npy"
units = "m"

[[layers]]
name = "river_mask"
file = "river.npy"
units = "1"

[[facilities]]
name = "town"
kind = "town"
x_m = 355.0
y_m = 55.0

[[exposure]]
model = "road_network"
generate = { town = "town", bridge_class = "hwb17", street_spacing_m = 30.0, town_size_m = 60.0 }
"""


def test_generated_road_has_a_bridge_exactly_over_the_river(tmp_path):
    np.save(tmp_path / "z.npy", np.zeros((12, 40)))
    river = np.zeros((12, 40))
    river[:, 15:17] = 1.0  # a river two cells wide, north to south, between the west edge and the town
    np.save(tmp_path / "river.npy", river)
    sim = Simulation(Scenario.from_text(FLAT_RIVER, base_dir=tmp_path))
    world = sim.world
    net = world.networks["roads"]
    a = net.edge_attrs
    grid = world.grid
    src, dst = net.edge_sources(), net.indices
    ptr, cells, _, _ = segment_cells(
        net.node_x_m[src], net.node_y_m[src], net.node_x_m[dst], net.node_y_m[dst], grid
    )
    wet = np.array([river.ravel()[cells[ptr[e] : ptr[e + 1]]].any() for e in range(net.n_edges)])
    bridge = a["bridge_class"] > 0
    assert wet.any() and np.array_equal(bridge, wet)
    assert set(a["bridge_class"][bridge].tolist()) == {float(BRIDGE_CLASS_NAMES.index("HWB17"))}
    # One crossing, from the dry cell west of the river to the dry cell east of it: 30 m, one span
    # per 30 m; no node stands in the river.
    assert np.unique(a["segment"][bridge]).size == 1
    assert a["length_m"][bridge].tolist() == [30.0, 30.0] and a["bridge_spans"][bridge].tolist() == [1.0, 1.0]
    node_col = ((net.node_x_m - grid.origin_x_m) // grid.cell_size_m).astype(int)
    assert not np.any((node_col >= 15) & (node_col <= 16))
    # Every river cell under a road lies under the bridge.
    on_bridge = np.zeros(grid.nx * grid.ny, dtype=bool)
    for e in np.flatnonzero(bridge):
        on_bridge[cells[ptr[e] : ptr[e + 1]]] = True
    under = (world.grid.layers["road_mask"].data > 0) & (river > 0)
    assert under.any() and np.all(on_bridge.reshape(grid.shape)[under])
    out = sim.run()
    assert sorted(set(out.tables["roads"].columns["bridge"].tolist())) == ["", "HWB17"]


def test_side_streams_get_bridges_too(tmp_path):
    np.save(tmp_path / "z.npy", np.zeros((12, 40)))
    np.save(tmp_path / "river.npy", np.zeros((12, 40)))
    fa = np.full((12, 40), 1.0e4)
    fa[:, 20] = 3.0e5  # a side stream crossing the valley
    np.save(tmp_path / "fa.npy", fa)
    text = FLAT_RIVER.replace('bridge_class = "hwb17"', "bridge_area_m2 = 2.0e5")
    with pytest.raises(ScenarioError, match="flow_accumulation_m2"):
        Scenario.from_text(text, base_dir=tmp_path)
    text += '[[layers]]\nname = "flow_accumulation_m2"\nfile = "fa.npy"\nunits = "m2"\n'
    net = Simulation(Scenario.from_text(text, base_dir=tmp_path)).world.networks["roads"]
    bridge = net.edge_attrs["bridge_class"] > 0
    assert np.unique(net.edge_attrs["segment"][bridge]).size == 1
    assert set(net.edge_attrs["bridge_class"][bridge].tolist()) == {float(BRIDGE_CLASS_NAMES.index("HWB28"))}
    x = net.node_x_m[net.edge_sources()[bridge]]
    assert sorted(x.tolist()) == [195.0, 215.0]  # the banks: the cells either side of column 20


def test_started_by_the_scenario_it_still_names_the_earthquake_and_needs_a_road_network(tmp_path):
    write_files(tmp_path)
    # No chain rule: the process starts at 20 s, after the earthquake at 10 s, and finds it in the log.
    text = SCENARIO.format(keys="start_s = 20.0").replace(
        '[[chains]]\nwhen = "earthquake"\nstart = "bridges"\n', ""
    )
    out = Simulation(Scenario.from_text(text, base_dir=tmp_path), seed=3).run()
    quake = next(e for e in out.events if e.kind == "earthquake")
    [closed] = [e for e in out.events if e.kind == "road_closed"]
    assert closed.cause_id == quake.id and closed.time_s == 20.0
    text = SCENARIO.format(keys="").replace('model = "road_network"', 'model = "population_grid"')
    text = text.replace('nodes = "nodes.csv"\nedges = "edges.csv"', 'districts = []\nfile = "sa1.npy"')
    with pytest.raises(ScenarioError, match="no road network") as info:
        Scenario.from_text(text, base_dir=tmp_path)
    assert "impacts[0].network" in str(info.value)
