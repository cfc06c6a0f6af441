"""Arrival times to the second on hand-checkable networks; policies against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.network import Network
from models.response.dispatch import (
    Assignment,
    FixedPlan,
    MaxLivesSaved,
    NearestAvailable,
    Tasks,
    Teams,
    Weather,
    arrival_matrix,
    dispatch,
)
from models.response.survival import GOLDEN_72_HOURS
from models.response.travel import TravelTimes


def line_with_detour() -> Network:
    """Base at node 0. 0 -> 1: 1200 m at 12 m/s (100 s); 1 -> 2: 1500 m at 25 m/s (60 s).
    Detour 0 -> 3 -> 2: 2 x 2000 m at 10 m/s (400 s). Every edge both ways."""
    return Network.from_edges(
        "roads",
        [0.0, 1200.0, 2700.0, 1350.0],
        [0.0, 0.0, 0.0, 1500.0],
        src=[0, 1, 0, 3],
        dst=[1, 2, 3, 2],
        attrs={
            "length_m": [1200.0, 1500.0, 2000.0, 2000.0],
            "speed_m_s": [12.0, 25.0, 10.0, 10.0],
            "open": [1.0, 1.0, 1.0, 1.0],
        },
        undirected=True,
    )


def test_ground_arrival_is_readiness_plus_network_time_to_the_second():
    net = line_with_detour()
    tt = TravelTimes(net, offroad_speed_m_s=1.5, snap_k=1)
    teams = Teams.build(["fire_rescue"], base_node=[0], readiness_s=[900.0])
    # a collapsed building 30 m north of node 2: 20 s on foot
    tasks = Tasks.build(x_m=[2700.0], y_m=[30.0], kind=["rescue"], people=[4], created_s=[0.0]).snap(tt)
    now = 3600.0
    a = arrival_matrix(teams, tasks, tt, now)
    assert a[0, 0] == 3600.0 + 900.0 + 100.0 + 60.0 + 20.0  # 4680 s, exactly
    # the road 1 -> 2 closes: the same team goes round by node 3
    src = net.edge_sources()
    net.edge_attrs["open"][(src == 1) & (net.indices == 2)] = 0.0
    assert arrival_matrix(teams, tasks, tt, now)[0, 0] == 3600.0 + 900.0 + 400.0 + 20.0
    # a team busy until 2 h: it starts then (readiness still due: it is idle at base then)
    teams.free_at_s[:] = 7200.0
    assert arrival_matrix(teams, tasks, tt, now, lookahead_s=3600.0)[0, 0] == 7200.0 + 900.0 + 420.0
    assert np.isinf(arrival_matrix(teams, tasks, tt, now)[0, 0])  # not free within the look-ahead


def test_slower_vehicle_scales_only_the_network_part():
    net = line_with_detour()
    tt = TravelTimes(net, offroad_speed_m_s=1.5, snap_k=1)
    teams = Teams.build(["engineering"], base_node=[0], readiness_s=[0.0], speed_factor=[0.5])
    tasks = Tasks.build(x_m=[2700.0], y_m=[30.0], kind=["engineering"]).snap(tt)
    assert arrival_matrix(teams, tasks, tt, 0.0)[0, 0] == 2 * 160.0 + 20.0


def test_team_based_off_the_road_walks_to_its_node_and_no_readiness_after_a_task():
    net = line_with_detour()
    tt = TravelTimes(net, offroad_speed_m_s=2.0, snap_k=1)
    teams = Teams.build(["volunteer"], base_x_m=[-40.0], base_y_m=[0.0], travel=tt, readiness_s=[300.0])
    assert teams.node.tolist() == [0] and teams.leg_s.tolist() == [20.0]
    tasks = Tasks.build(x_m=[1200.0, 2700.0], y_m=[0.0, 0.0], kind=["rescue", "rescue"]).snap(tt)
    a = arrival_matrix(teams, tasks, tt, 0.0)
    assert a.tolist() == [[300.0 + 20.0 + 100.0, 300.0 + 20.0 + 160.0]]
    teams.commit(Assignment(np.array([0]), np.array([0]), a[0, :1]), tasks, work_s=3600.0)
    assert teams.free_at_s[0] == 420.0 + 3600.0 and not teams.at_base[0] and teams.node[0] == 1
    # from the first site to the second: no readiness, no walk (the site is on the node)
    assert arrival_matrix(teams, tasks, tt, 5000.0, lookahead_s=0.0)[0, 1] == 5000.0 + 60.0


def test_aviation_arrival_is_readiness_plus_distance_over_speed_and_grounded_by_weather():
    teams = Teams.build(
        ["helicopter", "helicopter"],
        base_x_m=[0.0, 10_000.0],
        base_y_m=[0.0, 0.0],
        readiness_s=[1200.0, 600.0],
        cruise_speed_m_s=[60.0, 50.0],
        approach_s=[0.0, 180.0],
    )
    tasks = Tasks.build(x_m=[36_000.0], y_m=[48_000.0], kind=["airlift"])  # 60 km from (0, 0)
    a = arrival_matrix(teams, tasks, None, 0.0)
    assert a[0, 0] == 1200.0 + 60_000.0 / 60.0  # 2200 s: inside the 2 h aviation target
    assert a[1, 0] == 600.0 + np.hypot(26_000.0, 48_000.0) / 50.0 + 180.0
    windy = arrival_matrix(teams, tasks, None, 0.0, weather=Weather(wind_m_s=21.0))
    assert np.isinf(windy).all()  # above the 20 m/s assumed helicopter limit
    foggy = arrival_matrix(teams, tasks, None, 0.0, weather=Weather(visibility_m=1000.0))
    assert np.isinf(foggy).all()
    calm = arrival_matrix(teams, tasks, None, 0.0, weather=Weather(wind_m_s=20.0, visibility_m=1500.0))
    np.testing.assert_array_equal(calm, a)


def test_kind_shift_and_closed_tasks_make_pairs_impossible():
    net = line_with_detour()
    tt = TravelTimes(net)
    teams = Teams.build(
        ["medical", "fire_rescue"], base_node=[0, 0], shift_start_s=[0.0, 0.0], shift_s=[np.inf, 3600.0]
    )
    tasks = Tasks.build(x_m=[1200.0, 1200.0], y_m=[0.0, 0.0], kind=["rescue", "medical"]).snap(tt)
    a = arrival_matrix(teams, tasks, tt, 0.0)
    assert np.isinf(a[0, 0]) and np.isfinite(a[0, 1])  # medical team, rescue task
    assert np.isfinite(a[1, 0]) and np.isinf(a[1, 1])
    assert np.isinf(arrival_matrix(teams, tasks, tt, 3600.0)[1]).all()  # shift over
    tasks.open[1] = False
    assert np.isinf(arrival_matrix(teams, tasks, tt, 0.0)[:, 1]).all()


def brute_force_pair_greedy(arrival, priority):
    pairs = [
        (arrival[i, j], -priority[j], i, j) for i in range(arrival.shape[0]) for j in range(arrival.shape[1])
    ]
    pairs = [p for p in pairs if np.isfinite(p[0])]
    pairs.sort()
    ti, tj, out = set(), set(), []
    for _, _, i, j in pairs:
        if i not in ti and j not in tj:
            ti.add(i)
            tj.add(j)
            out.append((i, j))
    return sorted(out)


def random_problem(seed, n_i, n_j, inf_share=0.2):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 10_000, (n_i, n_j))
    a[rng.random(a.shape) < inf_share] = np.inf
    tasks = Tasks.build(
        x_m=np.zeros(n_j),
        y_m=np.zeros(n_j),
        kind="rescue",
        people=rng.integers(1, 20, n_j),
        priority=rng.integers(0, 3, n_j),
        created_s=rng.uniform(-7200, 0, n_j),
    )
    return a, tasks


@pytest.mark.parametrize(
    ("seed", "n_i", "n_j"), [(s, ni, nj) for s in range(6) for ni, nj in [(4, 30), (12, 9), (7, 7)]]
)
def test_pruned_earliest_greedy_equals_the_full_sort(seed, n_i, n_j):
    a, tasks = random_problem(seed, n_i, n_j)
    got = NearestAvailable("earliest").assign(a, None, tasks, 0.0)
    assert sorted(zip(got.team.tolist(), got.task.tolist(), strict=True)) == brute_force_pair_greedy(
        a, tasks.priority
    )
    np.testing.assert_array_equal(got.arrival_s, a[got.team, got.task])


@pytest.mark.parametrize("seed", range(6))
def test_priority_order_sends_the_nearest_free_team_to_the_most_urgent_task(seed):
    a, tasks = random_problem(seed, 5, 12)
    got = NearestAvailable("priority").assign(a, None, tasks, 0.0)
    order = sorted(range(12), key=lambda j: (-tasks.priority[j], tasks.created_s[j], j))
    free = set(range(5))
    expect = {}
    for j in order:
        cands = [(a[i, j], i) for i in free if np.isfinite(a[i, j])]
        if cands:
            _, i = min(cands)
            expect[j] = i
            free.discard(i)
    assert dict(zip(got.task.tolist(), got.team.tolist(), strict=True)) == expect


@pytest.mark.parametrize("seed", range(8))
def test_max_lives_saved_is_optimal_by_enumeration(seed):
    a, tasks = random_problem(seed, 3, 5)
    a = a * 30  # spread arrivals over days so the survival curve matters
    policy = MaxLivesSaved(GOLDEN_72_HOURS)
    got = policy.assign(a, None, tasks, 0.0)
    b = policy.benefit(a, tasks)
    best = max(sum(b[i, perm[i]] for i in range(3)) for perm in itertools.permutations(range(5), 3))
    assert b[got.team, got.task].sum() == pytest.approx(best, rel=1e-12)
    greedy = NearestAvailable("earliest").assign(a, None, tasks, 0.0)
    assert b[got.team, got.task].sum() >= b[greedy.team, greedy.task].sum() - 1e-9


def test_lives_saved_beats_nearest_first_on_a_hand_case():
    # Team 0 is nearest to both sites; team 1 can only reach site 0 late. Site 1 holds 10 people.
    a = np.array([[3600.0, 7200.0], [30 * 3600.0, np.inf]])
    tasks = Tasks.build(x_m=[0.0, 0.0], y_m=[0.0, 0.0], kind="rescue", people=[2, 10], priority=[1, 0])
    near = NearestAvailable("earliest").assign(a, None, tasks, 0.0)
    assert dict(zip(near.team.tolist(), near.task.tolist(), strict=True)) == {0: 0}
    best = MaxLivesSaved().assign(a, None, tasks, 0.0)
    assert dict(zip(best.team.tolist(), best.task.tolist(), strict=True)) == {0: 1, 1: 0}


def test_fixed_plan_keeps_reachable_planned_pairs():
    a = np.array([[10.0, 20.0, 30.0], [np.inf, 5.0, 6.0], [1.0, 2.0, 3.0], [4.0, 4.0, 4.0]])
    got = FixedPlan((2, 0, 2, -1)).assign(a, None, None, 0.0)
    # team 1 cannot reach task 0; team 2's task 2 was taken by team 0; team 3 stays
    assert got.team.tolist() == [0] and got.task.tolist() == [2] and got.arrival_s.tolist() == [30.0]
    with pytest.raises(ValueError, match="lists 2 teams"):
        FixedPlan((0, 1)).assign(a, None, None, 0.0)


def test_dispatch_one_epoch_end_to_end():
    net = line_with_detour()
    tt = TravelTimes(net, snap_k=1)
    teams = Teams.build(["fire_rescue", "professional_rescue"], base_node=[0, 2], readiness_s=[600.0, 1800.0])
    tasks = Tasks.build(x_m=[0.0, 2700.0], y_m=[0.0, 0.0], kind="rescue", people=[3, 3]).snap(tt)
    got = dispatch(teams, tasks, tt, 0.0, NearestAvailable("earliest"))
    assert dict(zip(got.team.tolist(), got.task.tolist(), strict=True)) == {0: 0, 1: 1}
    assert got.arrival_s.tolist() == [600.0, 1800.0]


def test_build_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown team kind"):
        Teams.build(["firefighters"], base_node=[0])
    with pytest.raises(ValueError, match="cruise_speed"):
        Teams.build(["helicopter"], base_x_m=[0.0], base_y_m=[0.0])
    with pytest.raises(ValueError, match="unknown task kind"):
        Tasks.build(x_m=[0.0], y_m=[0.0], kind=["dig"])
