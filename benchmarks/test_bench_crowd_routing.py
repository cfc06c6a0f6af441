"""Crowd routing: fast marching on a 100 m × 100 m room at 0.1 m cells (1000 × 1000 = 10⁶ cells).

* ``test_fast_marching_kernel``: :func:`eikonal_distance` alone (heap, upwind updates), first
  and second order, from the seeded cells of a 2 m exit in the middle of the south wall.
* ``test_direction_field_end_to_end``: ``Router(area, cell_m=0.1).field("exit")``: raster,
  wall-distance ramp, seeds, fast marching and the direction field, as a user pays it.
* ``test_routing_vs_jupedsim_side_by_side``: hazchain's one field plus a lookup per agent
  against JuPedSim 1.4.2's ``RoutingEngine.compute_waypoints`` (navigation mesh + funnel, one
  query per agent), alternated in one benchmark, for 2 000 agents in the same room with a
  pillar. The two answer different questions (a field for every cell against one path per
  query; JuPedSim keeps a clearance of about 0.14 m at corners) so the ratio says when a field
  pays off, not which is faster at the same work. Skipped without JuPedSim (``pip install
  jupedsim``); hazchain never depends on it.

Cost of the wall-avoidance ramp (measured 2026-11-29 with a timing loop, not this file: the
same room with the pillar, 0.1 m cells, median of 5, on the shared 2-core machine at load 9):
``Router(...)`` plus its first field took 1.016 s without the ramp (``wall_avoid_distance_m=0``)
and 1.024 / 1.020 / 1.038 s with ``d₀`` = 0.4 (the default) / 1.0 / 3.0 m; the ramp itself
(``routing_speed_factor``) costs 17.5 / 18.1 / 27.6 ms of that, about 2-3 %.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import pytest

from models.crowds.geometry import Exit, WalkableArea
from models.crowds.routing import Router, eikonal_distance

SIDE_M = 100.0
CELL_M = 0.1
ROOM = [(0.0, 0.0), (SIDE_M, 0.0), (SIDE_M, SIDE_M), (0.0, SIDE_M)]
PILLAR = [(30.0, 30.0), (70.0, 30.0), (70.0, 60.0), (30.0, 60.0)]
EXIT = Exit("exit", (49.0, 0.0), (51.0, 0.0))
N_AGENTS = 2000


@pytest.fixture(scope="module")
def room_router():
    router = Router(WalkableArea.from_coordinates(ROOM, exits=[EXIT]), cell_m=CELL_M)
    router.field("exit")  # compile or load every kernel
    return router


def _report(benchmark, median_s, n_cells):
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            n_cells=n_cells, seconds=t, mcells_per_s=n_cells / t / 1e6, ns_per_cell=t / n_cells * 1e9
        )


@pytest.mark.benchmark(group="crowd-routing")
@pytest.mark.parametrize("second_order", [False, True], ids=["first-order", "second-order"])
def test_fast_marching_kernel(benchmark, median_s, room_router, second_order):
    """Fast marching alone on 10⁶ cells (speed ramp and seeds prepared outside the timing)."""
    field = room_router.field("exit")
    speed = room_router._ramp
    seeds = np.where(field.distance_m <= 2 * CELL_M + 1e-9, field.distance_m, np.inf)
    t = benchmark(eikonal_distance, speed, seeds, CELL_M, second_order=second_order)
    assert np.isfinite(t[room_router.raster.walkable]).all()  # every walkable cell reached
    _report(benchmark, median_s, speed.size)


@pytest.mark.benchmark(group="crowd-routing")
def test_direction_field_end_to_end(benchmark, median_s, room_router):
    """Rasterise, wall ramp, seeds, fast marching, directions: a new Router and its first field."""
    area = room_router.area
    field = benchmark(lambda: Router(area, cell_m=CELL_M).field("exit"))
    assert field.distance_m[-2, 1] > 105.0  # the north-west corner: about √(49² + 100²) ≈ 111 m
    _report(benchmark, median_s, field.ux.size)


@pytest.mark.benchmark(group="crowd-routing-vs-jupedsim")
@pytest.mark.skipif(
    importlib.util.find_spec("jupedsim") is None,
    reason="JuPedSim is not installed (optional comparison; `pip install jupedsim` to run it)",
)
def test_routing_vs_jupedsim_side_by_side(benchmark):
    """One round = hazchain (field + lookups) then JuPedSim (mesh + one query per agent)."""
    import jupedsim as jps

    area = WalkableArea.from_coordinates(ROOM, holes=[PILLAR], exits=[EXIT])
    rng = np.random.default_rng(0)
    pts = rng.uniform(1.0, SIDE_M - 1.0, (3 * N_AGENTS, 2))
    pts = pts[area.contains(pts[:, 0], pts[:, 1])][:N_AGENTS]
    Router(area, cell_m=1.0).field("exit")  # warm the numba cache outside the timing
    times: dict[str, list[float]] = {"hazchain": [], "jupedsim": []}
    found: dict[str, np.ndarray] = {}

    def pair() -> None:
        t0 = time.perf_counter()
        router = Router(area, cell_m=CELL_M)
        found["hazchain"] = router.field("exit").sample(pts[:, 0], pts[:, 1])[2]
        t1 = time.perf_counter()
        engine = jps.RoutingEngine(area.polygon)
        paths = [np.asarray(engine.compute_waypoints(tuple(p), (50.0, 0.01))) for p in pts]
        found["jupedsim"] = np.array([np.hypot(*np.diff(w, axis=0).T).sum() for w in paths])
        t2 = time.perf_counter()
        times["hazchain"].append(t1 - t0)
        times["jupedsim"].append(t2 - t1)

    benchmark.pedantic(pair, rounds=3, iterations=1)
    t_h, t_j = float(np.median(times["hazchain"])), float(np.median(times["jupedsim"]))
    gap = found["hazchain"] - found["jupedsim"]
    assert np.all(np.isfinite(found["hazchain"])) and np.median(np.abs(gap)) < 1.0  # same routes
    benchmark.extra_info.update(
        hazchain_s=t_h,
        jupedsim_s=t_j,
        agents=len(pts),
        jupedsim_us_per_query=t_j / len(pts) * 1e6,
        break_even_agents=t_h / (t_j / len(pts)),
        median_distance_gap_m=float(np.median(gap)),
    )
