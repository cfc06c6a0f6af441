"""Grid, event log, random streams, networks and populations."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from engine.agents import Population
from engine.events import EventLog
from engine.grid import Grid
from engine.network import Network
from engine.rng import RandomStreams


def test_grid_geometry_and_layers():
    g = Grid(100.0, 200.0, 10.0, nx=5, ny=3)
    assert g.extent_m == (100.0, 150.0, 200.0, 230.0)
    assert g.index_of(100.0, 200.0) == (0, 0)
    assert g.index_of(149.99, 229.99) == (2, 4)
    with pytest.raises(ValueError, match="outside"):
        g.index_of(150.0, 210.0)
    xs, ys = g.cell_centres()
    assert xs[:2].tolist() == [105.0, 115.0] and ys[5] == 215.0
    layer = g.add_layer("depth_m", "m", "water depth")
    assert layer.data.shape == (3, 5) and layer.data.flags.c_contiguous
    assert g.add_layer("depth_m", "m") is layer
    with pytest.raises(ValueError, match="units"):
        g.add_layer("depth_m", "cm")
    with pytest.raises(KeyError, match="depth_m"):
        g.layer("depth")


def test_event_log_is_append_only_with_known_causes_and_time_order():
    log = EventLog()
    a = log.append(0.0, "quake", "scenario", cause_id=-1)
    b = log.append(5.0, "landslide", "slopes", cause_id=a.id, x_m=1.0, y_m=2.0, data={"volume_m3": 3.0})
    with pytest.raises(ValueError, match="not in the log"):
        log.append(6.0, "dam", "river", cause_id=7)
    with pytest.raises(ValueError, match="earlier"):
        log.append(1.0, "dam", "river", cause_id=b.id)
    assert [e.kind for e in log.chain(b.id)] == ["quake", "landslide"]
    assert b.data_json == '{"volume_m3":3.0}'


def test_random_streams_are_reproducible_independent_and_keyed_by_name():
    s = RandomStreams(42)
    a1 = s.generator("plume").random(5)
    assert np.array_equal(a1, RandomStreams(42).generator("plume").random(5))
    assert not np.array_equal(a1, s.generator("fire").random(5))
    assert not np.array_equal(a1, RandomStreams(42, replica=1).generator("plume").random(5))
    assert not np.array_equal(a1, RandomStreams(43).generator("plume").random(5))
    with pytest.raises(ValueError):
        RandomStreams(-1)


def test_network_csr_matches_networkx_shortest_paths():
    rng = np.random.default_rng(3)
    n = 30
    src = rng.integers(0, n, 120)
    dst = rng.integers(0, n, 120)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    length = rng.uniform(1, 10, src.size)
    net = Network.from_edges(
        "roads", rng.random(n), rng.random(n), src=src, dst=dst, attrs={"length_m": length}
    )
    g = nx.DiGraph()
    for s_, d_, w_ in zip(src, dst, length, strict=True):
        if not g.has_edge(s_, d_) or g[s_][d_]["w"] > w_:
            g.add_edge(int(s_), int(d_), w=float(w_))
    ours = dijkstra(net.to_csr("length_m"), indices=0)
    ref = nx.single_source_dijkstra_path_length(g, 0, weight="w")
    for node in range(n):
        assert ours[node] == pytest.approx(ref.get(node, np.inf))
    assert net.edge_sources().size == net.n_edges
    und = Network.from_edges("u", [0, 1], [0, 0], src=[0], dst=[1], undirected=True)
    assert und.n_edges == 2 and list(und.neighbours(1)) == [0]
    with pytest.raises(ValueError, match="node numbers"):
        Network.from_edges("bad", [0], [0], src=[0], dst=[3])


def test_population_columns_and_memory_per_agent():
    p = Population("crowd", 10)
    p.add_column("x_m", "m")
    p.add_column("state", "1", dtype=np.int8)
    assert p.nbytes_per_agent == 9
    with pytest.raises(ValueError):
        p.add_column("x_m", "m")


def test_a_redefined_model_replaces_itself_but_a_different_one_cannot_take_its_name():
    from engine.process import Process
    from engine.registry import get_model, register

    def define():
        class Redefined(Process):  # as a notebook cell run twice defines it
            model_name = "t_redefined"
            family = "hazards"

        return Redefined

    first = register(define())
    second = register(define())
    assert second is not first and get_model("t_redefined") is second

    class Other(Process):
        model_name = "t_redefined"
        family = "hazards"

    with pytest.raises(ValueError, match="already taken"):
        register(Other)
