"""Relief needs from the Sphere standards; allocation against networkx min-cost flow and brute force.

Both solvers (the OR-tools min-cost flow and the HiGHS LP) are checked against the same oracles.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from models.response.allocation import (
    DEFAULT_ITEMS,
    LEVELS,
    RELIEF_ITEMS,
    allocate,
    delivery_schedule,
    relief_demand,
)


def test_needs_follow_the_sphere_minimum_standards():
    need = relief_demand([1000], days=3.0)[0]
    col = {name: need[k] for k, name in enumerate(DEFAULT_ITEMS)}
    assert col["water"] == 1000 * 15.0 * 3  # 15 l per person per day
    assert col["food"] * 2100 == 1000 * 2100 * 3  # one 2,100 kcal ration per person per day
    assert col["tent"] * 16.0 >= 1000 * 3.5 > (col["tent"] - 1) * 16.0  # 3.5 m2 per person, whole tents
    assert col["quilt"] == 1000 and col["medical_kit"] == 1
    assert relief_demand([0]).tolist() == [[0.0] * 5]
    assert LEVELS == ("central", "provincial", "municipal", "county", "township")
    assert all(RELIEF_ITEMS[name].unit_mass_kg > 0 for name in DEFAULT_ITEMS)


def networkx_objective(cost, stock, demand, penalty):
    """Min-cost flow oracle: S -> depot (cap stock) -> point, plus S -> point slack at the penalty."""
    g = nx.DiGraph()
    total = int(demand.sum())
    g.add_node("S", demand=-total)
    for j, d in enumerate(demand):
        g.add_node(("p", j), demand=int(d))
        g.add_edge("S", ("slack", j), weight=int(penalty))
        g.add_edge(("slack", j), ("p", j), weight=0)
    for i, s in enumerate(stock):
        g.add_edge("S", ("d", i), capacity=int(s), weight=0)
        for j in range(demand.size):
            if np.isfinite(cost[i, j]):
                g.add_edge(("d", i), ("p", j), weight=int(cost[i, j]))
    flow_cost, flow = nx.network_simplex(g)
    unmet = sum(flow["S"][("slack", j)] for j in range(demand.size))
    return flow_cost, unmet


def random_instance(seed, n_d, n_p, n_i=2):
    rng = np.random.default_rng(seed)
    cost = rng.integers(60, 5000, (n_d, n_p)).astype(float)
    cost[rng.random(cost.shape) < 0.25] = np.inf
    demand = rng.integers(0, 40, (n_p, n_i)).astype(float)
    stock = rng.integers(0, 60, (n_d, n_i)).astype(float)
    return cost, stock, demand


SOLVERS = ["network", "highs"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(10))
def test_allocation_matches_networkx_min_cost_flow(seed, solver):
    cost, stock, demand = random_instance(seed, 4, 9)
    penalty = (cost.shape[0] + 1) * cost[np.isfinite(cost)].max() + 1
    res = allocate(cost, stock, demand, solver=solver)
    for item in range(stock.shape[1]):
        ref_cost, ref_unmet = networkx_objective(cost, stock[:, item], demand[:, item], penalty)
        x = res.flow_matrix(item)
        ours = float(np.sum(np.where(x > 0, cost, 0.0) * x) + penalty * res.unmet[:, item].sum())
        assert ours == pytest.approx(ref_cost, rel=1e-9, abs=1e-6)
        assert res.unmet[:, item].sum() == pytest.approx(ref_unmet, abs=1e-6)
        # flows respect stocks, never exceed demand, and use only existing routes
        assert np.all(x.sum(axis=1) <= stock[:, item] + 1e-6)
        np.testing.assert_allclose(x.sum(axis=0) + res.unmet[:, item], demand[:, item], atol=1e-6)
        assert np.all(x[~np.isfinite(cost)] == 0)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(10))
def test_pricing_from_few_candidates_reaches_the_full_optimum(seed, solver):
    cost, stock, demand = random_instance(100 + seed, 6, 25, n_i=1)
    penalty = (cost.shape[0] + 1) * cost[np.isfinite(cost)].max() + 1
    ref_cost, ref_unmet = networkx_objective(cost, stock[:, 0], demand[:, 0], penalty)
    full = allocate(cost, stock, demand, solver=solver)
    priced = allocate(cost, stock, demand, candidates_per_point=1, solver=solver)
    assert priced.cost == pytest.approx(full.cost, rel=1e-9, abs=1e-6)
    assert priced.cost + penalty * priced.unmet.sum() == pytest.approx(ref_cost, rel=1e-12)
    assert priced.unmet.sum() == pytest.approx(ref_unmet)
    np.testing.assert_allclose(priced.unmet, full.unmet, atol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_network_pricing_over_items_and_levels_matches_networkx(seed):
    # Several items share the carried-over arcs; short stocks make pricing work for several rounds.
    rng = np.random.default_rng(300 + seed)
    n_d, n_p, n_i = 12, 60, 3
    cost = rng.integers(60, 20_000, (n_d, n_p)).astype(float)
    cost[rng.random(cost.shape) < 0.1] = np.inf
    demand = rng.integers(0, 50, (n_p, n_i)).astype(float)
    stock = rng.integers(0, 200, (n_d, n_i)).astype(float)
    penalty = (n_d + 1) * cost[np.isfinite(cost)].max() + 1
    res = allocate(
        cost, stock, demand, candidates_per_point=2, depot_group=np.arange(n_d) % 3, add_per_round=1
    )
    assert res.n_rounds >= 2
    par = allocate(
        cost,
        stock,
        demand,
        candidates_per_point=2,
        depot_group=np.arange(n_d) % 3,
        add_per_round=1,
        workers=2,
    )
    for name in ("depot", "point", "item", "quantity", "unmet"):
        np.testing.assert_array_equal(getattr(par, name), getattr(res, name))
    for item in range(n_i):
        ref_cost, ref_unmet = networkx_objective(cost, stock[:, item], demand[:, item], penalty)
        x = res.flow_matrix(item)
        ours = float(np.sum(np.where(x > 0, cost, 0.0) * x) + penalty * res.unmet[:, item].sum())
        assert ours == pytest.approx(ref_cost, rel=1e-12)
        assert res.unmet[:, item].sum() == pytest.approx(ref_unmet)
    # the round limit falls back to the whole problem, still optimal
    capped = allocate(cost, stock, demand, candidates_per_point=1, max_rounds=1)
    assert capped.cost == pytest.approx(res.cost, rel=1e-12) and capped.n_rounds == 2
    np.testing.assert_allclose(capped.unmet, res.unmet)


def test_network_with_fractional_costs_and_quantities_is_within_its_rounding_of_the_lp():
    # Travel times are not whole seconds and two-day needs of 0.5 ration are fractional: the
    # network solver rounds costs to 1 s and counts quantities in thousandths (floored).
    rng = np.random.default_rng(5)
    cost = rng.uniform(100.0, 9000.0, (7, 40))
    demand = rng.integers(0, 30, (40, 2)) * np.array([1.5, 0.25])
    stock = rng.uniform(0.0, 60.0, (7, 2))
    lp = allocate(cost, stock, demand, solver="highs")
    net = allocate(cost, stock, demand, solver="network")
    penalty = (7 + 1) * cost.max() + 1
    shipped = lp.quantity.sum()
    assert net.unmet.sum() == pytest.approx(lp.unmet.sum(), abs=2 * 7 * 2e-3)  # floors of the stocks
    gap = (net.cost + penalty * net.unmet.sum()) - (lp.cost + penalty * lp.unmet.sum())
    assert -1e-9 * lp.cost <= gap <= 1.0 * shipped + penalty * 2 * 7 * 1e-3
    assert np.all(net.shipped() <= stock + 1e-9) and np.all(net.delivered() <= demand + 1e-9)
    # finer units close the gap accordingly (the net solution is feasible, so never below the LP)
    fine = allocate(cost, stock, demand, cost_resolution_s=1e-3, quantity_unit=1e-6)
    lp_obj = lp.cost + penalty * lp.unmet.sum()
    fine_gap = (fine.cost + penalty * fine.unmet.sum()) - lp_obj
    assert -1e-9 * lp_obj <= fine_gap <= 1e-3 * shipped + penalty * 2 * 7 * 1e-6


def test_tiny_case_against_brute_force_enumeration():
    cost = np.array([[100.0, 900.0], [500.0, 200.0]])
    stock = np.array([3.0, 2.0])
    demand = np.array([2.0, 4.0])
    penalty = 10_000.0
    best = np.inf
    for x00, x01, x10, x11 in itertools.product(range(4), range(4), range(3), range(3)):
        if x00 + x01 > stock[0] or x10 + x11 > stock[1]:
            continue
        if x00 + x10 > demand[0] or x01 + x11 > demand[1]:
            continue
        unmet = demand.sum() - (x00 + x01 + x10 + x11)
        best = min(best, 100 * x00 + 900 * x01 + 500 * x10 + 200 * x11 + penalty * unmet)
    res = allocate(cost, stock[:, None], demand[:, None], penalty_s=penalty)
    assert res.cost + penalty * res.unmet.sum() == pytest.approx(best)
    assert res.flow_matrix(0).tolist() == [[2.0, 1.0], [0.0, 2.0]]


def test_infeasible_case_reports_unmet_demand_per_item_and_point():
    # Point 2 is cut off from every depot; item 1 (water) is short by 30 at the others.
    cost = np.array([[100.0, 300.0, np.inf], [200.0, 100.0, np.inf]])
    stock = np.array([[10.0, 50.0], [10.0, 40.0]])
    demand = np.array([[5.0, 60.0], [5.0, 60.0], [7.0, 11.0]])
    res = allocate(cost, stock, demand)
    np.testing.assert_allclose(res.unmet[2], [7.0, 11.0])  # unreachable: all of it
    np.testing.assert_allclose(res.unmet[:2, 0], [0.0, 0.0])
    assert res.unmet[:2, 1].sum() == pytest.approx(30.0)
    np.testing.assert_allclose(res.delivered() + res.unmet, demand, atol=1e-9)
    np.testing.assert_allclose(res.shipped()[:, 1], [50.0, 40.0], atol=1e-9)


def test_allocate_rejects_inconsistent_input():
    with pytest.raises(ValueError, match="shapes disagree"):
        allocate(np.ones((2, 3)), np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="penalty_s"):
        allocate(np.full((1, 1), 50.0), [[1.0]], [[1.0]], penalty_s=10.0)
    with pytest.raises(ValueError, match="solver"):
        allocate(np.full((1, 1), 50.0), [[1.0]], [[1.0]], solver="simplex")


def test_delivery_schedule_by_hand():
    # One depot, released after 1 h, two trucks of 1000 kg; three points 600 s, 1200 s, 300 s away.
    cost = np.array([[600.0, 1200.0, 300.0]])
    res = allocate(cost, stock=[[5000.0]], demand=[[1500.0], [800.0], [700.0]])
    sched = delivery_schedule(
        res,
        cost,
        unit_mass_kg=[1.0],
        vehicle_capacity_kg=1000.0,
        vehicles_per_depot=2,
        release_s=3600.0,
        handling_s=0.0,
    )
    got = dict(
        zip(
            sched.point.tolist(),
            zip(sched.trips.tolist(), sched.last_arrival_s.tolist(), strict=True),
            strict=True,
        )
    )
    # nearest first: point 2 (1 trip) on truck A at 3600 -> 3900, back 4200; point 0's two trips
    # on truck B (3600 -> 4200, back 4800) and truck A (4200 -> 4800, back 5400); point 1 on
    # truck B at 4800 -> 6000.
    assert got == {2: (1, 3900.0), 0: (2, 4800.0), 1: (1, 6000.0)}
    assert sched.point_complete_s.tolist() == [4800.0, 6000.0, 3900.0]
    assert sched.vehicle_hours == pytest.approx((600 + 2 * 1200 + 2400) / 3600.0)
    short = allocate(cost, stock=[[100.0]], demand=[[1500.0], [0.0], [0.0]])
    s2 = delivery_schedule(short, cost, unit_mass_kg=[1.0], vehicle_capacity_kg=1000.0, vehicles_per_depot=1)
    assert np.isinf(s2.point_complete_s[0]) and s2.point_complete_s[1] == 0.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_restricted_candidates_without_pricing_and_the_level_groups(solver):
    # a township depot next to both points with little stock; a central depot far away with plenty
    cost = np.array([[100.0, 120.0], [5000.0, 5200.0]])
    stock = np.array([[10.0], [1000.0]])
    demand = np.array([[30.0], [30.0]])
    full = allocate(cost, stock, demand, solver=solver)
    assert full.unmet.sum() == 0.0
    cut = allocate(cost, stock, demand, candidates_per_point=1, price=False, solver=solver)
    assert cut.unmet.sum() == pytest.approx(50.0)  # the central stock is out of reach
    grouped = allocate(
        cost, stock, demand, candidates_per_point=1, price=False, depot_group=[4, 0], solver=solver
    )
    assert grouped.unmet.sum() == 0.0 and grouped.cost == pytest.approx(full.cost)
    priced = allocate(cost, stock, demand, candidates_per_point=1, solver=solver)
    assert priced.cost == pytest.approx(full.cost) and priced.n_rounds >= 2


def test_network_serves_fractional_needs_in_full_and_never_more():
    # A third of a day's rations (7/3 per 7 people) is not a whole number of thousandths: the
    # demand is rounded up for the flow and the over-served fraction trimmed, so an ample stock
    # leaves nothing unmet (a point would otherwise never count as supplied) and nothing extra.
    need = relief_demand([7, 13, 1], days=1.0 / 3.0)
    cost = np.array([[300.0, 500.0, 900.0], [800.0, 200.0, 400.0]])
    stock = np.full((2, need.shape[1]), 1e4) + 1e-10  # float noise on whole stocks
    res = allocate(cost, stock, need, solver="network")
    assert np.all(res.unmet <= 1e-12)
    np.testing.assert_allclose(res.delivered(), need, rtol=1e-12)
    assert np.all(res.delivered() <= need * (1 + 1e-15))
    assert res.cost == pytest.approx(allocate(cost, stock, need, solver="highs").cost, rel=1e-9)
