"""The road network: CSV files (and their errors), least-cost paths, roads generated in a valley."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

import models.exposure.roads  # registers "road_network"
import models.terrain.terrain  # noqa: F401  (registers "terrain")
from engine import Scenario, ScenarioError, Simulation
from engine.grid import Grid
from models.exposure.roads import ROAD_CLASSES, least_cost_path, read_road_csv, segment_cells

HEAD = """
[scenario]
name = "roads test"
duration_s = 10.0

[grid]
cell_size_m = {dx}
nx = {nx}
ny = {ny}
"""

NODES = "id,x_m,y_m\na,50,50\nb,450,50\nc,450,250\n"
EDGES = "src,dst,road_class,speed_m_s,capacity_veh_h\na,b,primary,,\nb,c,street,5.0,\n"


def write_csv(tmp_path, nodes: str = NODES, edges: str = EDGES) -> None:
    (tmp_path / "nodes.csv").write_text(nodes)
    (tmp_path / "edges.csv").write_text(edges)


def csv_scenario(extra: str = "") -> str:
    head = HEAD.format(dx=50.0, nx=10, ny=6)
    return f'{head}\n[[exposure]]\nmodel = "road_network"\nnodes = "nodes.csv"\nedges = "edges.csv"\n{extra}'


def test_csv_network_attributes_mask_and_table(tmp_path):
    write_csv(tmp_path)
    sim = Simulation(Scenario.from_text(csv_scenario(), base_dir=tmp_path))
    net = sim.world.networks["roads"]  # built at setup, before the run
    assert net.n_nodes == 3 and net.n_edges == 4  # two-way
    assert net.neighbours(1).tolist() == [0, 2]
    a = net.edge_attrs
    order = np.argsort(a["segment"] * 10 + net.edge_sources())
    assert a["length_m"][order].tolist() == [400.0, 400.0, 200.0, 200.0]
    assert a["speed_m_s"][order].tolist() == [ROAD_CLASSES["primary"].speed_m_s] * 2 + [5.0, 5.0]
    assert a["capacity_veh_h"][order].tolist() == [1800.0] * 2 + [800.0] * 2
    assert a["travel_time_s"][order][2] == 40.0 and np.all(a["open"] == 1.0)
    mask = sim.world.grid.layers["road_mask"].data
    # Cells are 50 m: a (50, 50) lies in row 1, column 1; b and c in column 9.
    assert mask[1].tolist() == [0.0] + [1.0] * 9 and mask[1:6, 9].tolist() == [1.0] * 5
    assert mask.sum() == 13
    out = sim.run()
    t = out.tables["roads"].columns
    assert t["x0_m"].tolist() == [50.0, 450.0] and t["y1_m"].tolist() == [50.0, 250.0]
    assert t["road_class"].tolist() == ["primary", "street"]
    assert out.kpis["road_network_length_km"].value == pytest.approx(0.6)


def test_one_way_network(tmp_path):
    write_csv(tmp_path)
    sim = Simulation(Scenario.from_text(csv_scenario("undirected = false"), base_dir=tmp_path))
    assert sim.world.networks["roads"].n_edges == 2


@pytest.mark.parametrize(
    ("nodes", "edges", "key", "match"),
    [
        (
            "id,x_m,y_m\na,50,50\nb,x,50\n",
            EDGES,
            "nodes",
            "nodes.csv, line 3, column 'x_m': expected a number, got 'x'",
        ),
        (
            "id,x_m,y_m\na,50,50\na,60,50\n",
            EDGES,
            "nodes",
            "nodes.csv, line 3, column 'id': node 'a' is listed twice",
        ),
        ("id,x,y_m\na,50,50\n", EDGES, "nodes", "nodes.csv, line 1, column 'x': unknown column"),
        (NODES, "src,dst,road_class\na,d,primary\n", "edges", "edges.csv, line 2, column 'dst': no node 'd'"),
        (
            NODES,
            "src,dst,road_class\na,b,primari\n",
            "edges",
            "line 2, column 'road_class'.*did you mean \"primary\"",
        ),
        (NODES, "src,dst,road_class,speed_m_s\na,b,primary,-3\n", "edges", "line 2, column 'speed_m_s'.*> 0"),
        (NODES, "src,dst\na,b\n", "edges", "edges.csv, line 1: missing column 'road_class'"),
        (NODES, "src,dst,road_class\na,a,primary\n", "edges", "line 2, column 'dst'.*starts and ends"),
        (
            NODES,
            "src,dst,road_class\n\na,b,primary,1\n",
            "edges",
            "edges.csv, line 3: 4 values for 3 columns",
        ),
        (
            "id,x_m,y_m\na,50,50\nb,5000,50\n",
            EDGES.replace("b,c", "a,b"),
            "nodes",
            "node 'b'.*outside the grid",
        ),
    ],
)
def test_csv_mistakes_name_file_line_and_column(tmp_path, nodes, edges, key, match):
    write_csv(tmp_path, nodes, edges)
    with pytest.raises(ScenarioError, match=match) as info:
        Scenario.from_text(csv_scenario(), base_dir=tmp_path)
    assert f"exposure[0].{key}" in str(info.value)


def test_config_needs_one_source(tmp_path):
    write_csv(tmp_path)
    with pytest.raises(ScenarioError, match="either nodes"):
        Scenario.from_text(csv_scenario("generate = {}"), base_dir=tmp_path)
    with pytest.raises(ScenarioError, match="terrain_m"):
        Scenario.from_text(
            HEAD.format(dx=50.0, nx=10, ny=6) + '[[exposure]]\nmodel = "road_network"\ngenerate = {}\n'
        )


def test_segment_cells_samples_every_cell_along_a_diagonal():
    g = Grid(0.0, 0.0, 10.0, nx=4, ny=4)
    ptr, cells, _, _ = segment_cells(np.array([5.0, 5.0]), np.array([5.0, 5.0]), np.array([35.0, 5.0]),
                                     np.array([35.0, 95.0]), g)  # fmt: skip
    first = cells[ptr[0] : ptr[1]]
    assert {0, 5, 10, 15} <= set(first.tolist()) and ptr[1] - ptr[0] == 6  # ceil(42.4/10) + 1 points
    assert cells[ptr[1] : ptr[2]].tolist() == [0, 4, 8, 12]  # the rest lies north of the grid


def test_least_cost_path_matches_networkx_dijkstra():
    rng = np.random.default_rng(3)
    ny, nx_, dx = 12, 15, 10.0
    cost = rng.uniform(1.0, 20.0, (ny, nx_))
    g = nx.Graph()
    for j in range(ny):
        for i in range(nx_):
            for dj, di in ((0, 1), (1, 0), (1, 1), (1, -1)):
                jj, ii = j + dj, i + di
                if 0 <= jj < ny and 0 <= ii < nx_:
                    w = 0.5 * dx * math.hypot(dj, di) * (cost[j, i] + cost[jj, ii])
                    g.add_edge(j * nx_ + i, jj * nx_ + ii, weight=w)
    target = (6, 14)
    sources = np.arange(ny) * nx_  # west column
    path = least_cost_path(cost, dx, target, sources)
    lengths = nx.single_source_dijkstra_path_length(g, target[0] * nx_ + target[1])
    best = min(lengths[s] for s in sources)
    ours = sum(g.edges[a, b]["weight"] for a, b in itertools.pairwise(path))
    assert path[0] in sources and path[-1] == target[0] * nx_ + target[1]
    assert ours == pytest.approx(best, rel=1e-12)


VALLEY = (
    HEAD.format(dx=50.0, nx=120, ny=60)
    + """
[[terrain]]
model = "terrain"
generate = {{ seed = 2 }}
river_threshold_m2 = 5.0e5

[[exposure]]
model = "road_network"
generate = {{ {keys} }}
"""
)


def test_generated_valley_road_runs_along_the_floor_to_the_town():
    sim = Simulation(Scenario.from_text(VALLEY.format(keys="node_spacing_m = 150.0")))
    world = sim.world
    net, town = world.networks["roads"], world.facilities["town_site"]
    grid = world.grid
    layers = grid.layers
    cls = net.edge_attrs["road_class"]
    primary = cls == list(ROAD_CLASSES).index("primary")
    street = cls == list(ROAD_CLASSES).index("street")
    assert primary.any() and street.any() and np.all(primary | street)
    # One connected network: the valley road reaches the town's streets.
    n_parts, _ = connected_components(net.to_csr("length_m"), directed=False)
    assert n_parts == 1
    # It starts in the west edge's column and ends in the town's cell.
    src = net.edge_sources()
    road_nodes = np.unique(np.concatenate([src[primary], net.indices[primary]]))
    assert net.node_x_m[road_nodes].min() == grid.x_m[0]
    end = road_nodes.max()
    assert grid.index_of(net.node_x_m[end], net.node_y_m[end]) == grid.index_of(town.x_m, town.y_m)
    # Nodes about every 150 m along the road (diagonal steps make gaps of up to ~150 m + a diagonal).
    lengths = net.edge_attrs["length_m"][primary]
    assert lengths.max() <= 150.0 + 50.0 * math.sqrt(2) and np.median(lengths) > 100.0
    # The road keeps to gentle ground: cells under it far flatter than the valley on average.
    on_road = layers["road_mask"].data > 0
    slope = layers["slope_deg"].data
    assert np.percentile(slope[on_road], 90) < 5.0 < slope.mean()
    # Streets lie in the town site.
    from matplotlib.path import Path

    outline = Path(np.column_stack([town.attrs["polygon_x_m"], town.attrs["polygon_y_m"]]))
    street_nodes = np.unique(np.concatenate([src[street], net.indices[street]]))
    inside = outline.contains_points(
        np.column_stack([net.node_x_m[street_nodes], net.node_y_m[street_nodes]])
    )
    assert inside.sum() >= street_nodes.size - 1  # all but the road's end, which is the town centre cell


def test_generated_roads_need_a_town(tmp_path):
    np.save(tmp_path / "z.npy", np.zeros((6, 10)))
    text = HEAD.format(dx=50.0, nx=10, ny=6) + '[[layers]]\nname = "terrain_m"\nfile = "z.npy"\nunits = "m"\n'
    text += '[[exposure]]\nmodel = "road_network"\ngenerate = { town = "harbour" }\n'
    with pytest.raises(ScenarioError, match='no facility named "harbour"') as info:
        Scenario.from_text(text, base_dir=tmp_path)
    assert "exposure[0].generate.town" in str(info.value)
    text += '[[facilities]]\nname = "harbour"\nkind = "town"\nx_m = 420.0\ny_m = 160.0\n'
    net = Simulation(Scenario.from_text(text, base_dir=tmp_path)).world.networks["roads"]
    # Flat ground: the straight row from the west edge, then a 600 m street square about the town.
    assert net.n_nodes > 4 and net.node_x_m.min() == 25.0


def test_read_road_csv_defaults(tmp_path):
    write_csv(tmp_path)
    roads = read_road_csv(tmp_path / "nodes.csv", tmp_path / "edges.csv")
    assert roads.node_id == ["a", "b", "c"] and roads.road_class == ["primary", "street"]
    assert roads.speed_m_s.tolist() == [80 / 3.6, 5.0]
