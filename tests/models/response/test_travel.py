"""Travel times against networkx on random graphs, rerouting around closures, snapping, the cache."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from engine.network import Network
from models.response.travel import TravelTimes, edge_travel_time_s, reconstruct_path


def random_network(seed: int, n: int = 25, m: int = 70, closed_share: float = 0.2) -> Network:
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    return Network.from_edges(
        "roads",
        rng.uniform(0, 5000, n),
        rng.uniform(0, 5000, n),
        src=src,
        dst=dst,
        attrs={
            "length_m": rng.uniform(50, 3000, src.size),
            "speed_m_s": rng.choice([5.0, 10.0, 16.7, 25.0], src.size),
            "open": (rng.random(src.size) > closed_share).astype(float),
            "speed_factor": rng.choice([1.0, 1.0, 0.5, 0.25], src.size),
        },
    )


def to_networkx(net: Network) -> nx.DiGraph:
    """Independent oracle: edge times computed here, closed edges left out, parallel edges -> fastest."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    a = net.edge_attrs
    for u, v, length, speed, is_open, f in zip(
        net.edge_sources(),
        net.indices,
        a["length_m"],
        a["speed_m_s"],
        a["open"],
        a["speed_factor"],
        strict=True,
    ):
        if is_open:
            t = length / (speed * f)
            if not g.has_edge(u, v) or g[u][v]["t"] > t:
                g.add_edge(int(u), int(v), t=t)
    return g


@pytest.mark.parametrize("seed", range(8))
def test_shortest_times_match_networkx(seed):
    net = random_network(seed)
    g = to_networkx(net)
    tt = TravelTimes(net)
    sources = [0, 3, 7, 11]
    rows = tt.from_nodes(sources)
    for s, row in zip(sources, rows, strict=True):
        ref = nx.single_source_dijkstra_path_length(g, s, weight="t")
        expect = np.array([ref.get(v, np.inf) for v in range(net.n_nodes)])
        np.testing.assert_allclose(row, expect, rtol=1e-12)
        assert np.array_equal(np.isinf(row), np.isinf(expect))


@pytest.mark.parametrize("seed", range(6))
def test_nearest_source_matches_networkx_multisource(seed):
    net = random_network(seed, closed_share=0.1)
    g = to_networkx(net)
    sources = [2, 9, 17]
    t, idx = TravelTimes(net).nearest_source(sources)
    ref = nx.multi_source_dijkstra_path_length(g, set(sources), weight="t")
    expect = np.array([ref.get(v, np.inf) for v in range(net.n_nodes)])
    np.testing.assert_allclose(t, expect, rtol=1e-12)
    reached = np.isfinite(expect)
    assert np.all(idx[~reached] == -1)
    # the reported source really is at that distance
    rows = TravelTimes(net).from_nodes(sources)
    np.testing.assert_allclose(rows[idx[reached], np.flatnonzero(reached)], t[reached], rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_reconstructed_paths_are_shortest_routes(seed):
    net = random_network(seed)
    g = to_networkx(net)
    tt = TravelTimes(net)
    for target in range(net.n_nodes):
        path = tt.path(0, target)
        if not nx.has_path(g, 0, target):
            assert path.size == 0
            continue
        assert path[0] == 0 and path[-1] == target
        assert all(g.has_edge(int(a), int(b)) for a, b in itertools.pairwise(path))
        assert tt.path_time_s(path) == pytest.approx(
            nx.dijkstra_path_length(g, 0, target, weight="t"), rel=1e-12
        )


def square() -> Network:
    """0 -> 1 -> 2 direct (2 x 100 s) and a detour 0 -> 3 -> 2 (2 x 150 s), both ways."""
    x = [0.0, 1000.0, 2000.0, 1000.0]
    y = [0.0, 0.0, 0.0, 1000.0]
    return Network.from_edges(
        "roads",
        x,
        y,
        src=[0, 1, 0, 3],
        dst=[1, 2, 3, 2],
        attrs={
            "length_m": [1000.0, 1000.0, 1500.0, 1500.0],
            "speed_m_s": [10.0, 10.0, 10.0, 10.0],
            "open": [1.0, 1.0, 1.0, 1.0],
        },
        undirected=True,
    )


def test_closing_an_edge_reroutes_and_the_cache_notices():
    net = square()
    tt = TravelTimes(net)
    assert tt.from_nodes([0])[0, 2] == 200.0
    assert tt.path(0, 2).tolist() == [0, 1, 2]
    assert tt.n_recomputations == 1
    tt.from_nodes([0])
    tt.from_nodes([0, 0])
    assert tt.n_recomputations == 1  # unchanged network: no new graph, no new sweep
    assert tt.n_sweeps == 1  # the row of node 0 and its predecessor tree come from one sweep
    # close 1 -> 2 (and only that direction) in place, as the road_closures process does
    src = net.edge_sources()
    net.edge_attrs["open"][(src == 1) & (net.indices == 2)] = 0.0
    assert tt.from_nodes([0])[0, 2] == 300.0
    assert tt.path(0, 2).tolist() == [0, 3, 2]
    assert tt.from_nodes([2])[0, 0] == 200.0  # the other direction is still open
    assert tt.n_recomputations == 2
    # close the detour as well: 2 is unreachable from 0
    net.edge_attrs["open"][(src == 3) & (net.indices == 2)] = 0.0
    assert np.isinf(tt.from_nodes([0])[0, 2])
    assert tt.path(0, 2).size == 0
    assert np.isinf(tt.path_time_s([0, 1, 2]))


def test_speed_factor_slows_edges_and_a_zero_factor_closes():
    net = square()
    factor = np.ones(net.n_edges)
    src = net.edge_sources()
    factor[(src == 0) & (net.indices == 1)] = 0.5  # 0 -> 1 now takes 200 s, still the best
    tt = TravelTimes(net, speed_factor=factor)
    assert tt.from_nodes([0])[0, 1] == 200.0
    assert tt.from_nodes([1])[0, 0] == 100.0  # the reverse edge keeps its speed
    factor[(src == 0) & (net.indices == 1)] = 0.0  # closed: 0 -> 3 -> 2 -> 1 = 150 + 150 + 100
    tt.set_speed_factor(factor)
    assert tt.from_nodes([0])[0, 1] == 400.0
    assert np.isinf(edge_travel_time_s(net, factor)[(src == 0) & (net.indices == 1)]).all()


def test_version_attribute_alone_invalidates():
    net = square()
    net.version = 1
    tt = TravelTimes(net)
    tt.from_nodes([0])
    net.version = 2
    tt.from_nodes([0])
    assert tt.n_recomputations == 2


def test_unreachable_and_parallel_edges():
    net = Network.from_edges(
        "roads",
        [0.0, 10.0, 20.0, 30.0],
        [0.0, 0.0, 0.0, 0.0],
        src=[0, 0, 2],
        dst=[1, 1, 3],
        attrs={"length_m": [100.0, 100.0, 5.0], "speed_m_s": [1.0, 4.0, 1.0], "open": [1.0, 1.0, 1.0]},
    )
    row = TravelTimes(net).from_nodes([0])[0]
    assert row.tolist()[:2] == [0.0, 25.0]  # the faster of two parallel edges
    assert np.isinf(row[2:]).all()
    assert reconstruct_path(TravelTimes(net).predecessors(0), 0, 3).size == 0


def test_snapping_matches_brute_force_and_skips_cut_off_nodes():
    rng = np.random.default_rng(3)
    net = random_network(4, n=40, m=120, closed_share=0.0)
    tt = TravelTimes(net, offroad_speed_m_s=2.0, snap_k=3)
    px, py = rng.uniform(0, 5000, 50), rng.uniform(0, 5000, 50)
    snapped = tt.snap(px, py)
    touched = np.zeros(net.n_nodes, bool)
    touched[net.edge_sources()] = True
    touched[net.indices] = True
    cand = np.flatnonzero(touched)
    d = np.hypot(px[:, None] - net.node_x_m[cand], py[:, None] - net.node_y_m[cand])
    np.testing.assert_allclose(snapped.distance_m, np.sort(d, axis=1)[:, :3], rtol=1e-12)
    np.testing.assert_allclose(snapped.offroad_s, snapped.distance_m / 2.0)
    # a point right on node 1 of the square, after every edge at node 1 closes, goes to another node
    sq = square()
    t2 = TravelTimes(sq, snap_k=1)
    assert t2.snap([1000.0], [1.0]).node[0, 0] == 1
    src = sq.edge_sources()
    sq.edge_attrs["open"][(src == 1) | (sq.indices == 1)] = 0.0
    assert t2.snap([1000.0], [1.0]).node[0, 0] != 1


def test_time_to_points_is_best_of_the_candidate_nodes():
    net = square()
    tt = TravelTimes(net, offroad_speed_m_s=1.0, snap_k=2)
    # a point 100 m above node 1 (900 m from node 3): via node 1: 100 + 100 s
    pts = tt.snap([1000.0], [100.0])
    assert tt.to_points([0], pts)[0, 0] == 200.0
    assert tt.to_points([0], pts, scale=[2.0])[0, 0] == 300.0  # the slower vehicle, the same walk
    src = net.edge_sources()
    net.edge_attrs["open"][(src == 0) & (net.indices == 1)] = 0.0
    pts = tt.snap([1000.0], [100.0])
    # via 3 -> 2 -> 1 (400 s) + 100 s, or via node 3 (150 s) + 900 s: the first
    assert tt.to_points([0], pts)[0, 0] == 500.0
