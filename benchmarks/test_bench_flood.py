"""Local-inertial flood: kernel cell-updates per second, and a dam break beside ANUGA.

The kernel benchmarks time one step of :func:`advance_local_inertial` (momentum on every
face, positivity limiter, continuity) on a fully wet 500×500 and 1000×1000 grid, and one
step of the solver (the kernel plus the speed/maximum/arrival maps and the inflow). A
module-scope fixture compiles (or loads from the cache) every kernel first.

The ANUGA comparison runs the same frictionless dam break (h_l = 10 m over a dry bed, 1 km ×
100 m, 5 m cells; ANUGA's rectangular cross mesh has 4 triangles per cell) to t = 20 s in both
codes, alternating them inside one benchmark so both see the same machine load, and reports
the ratio of median wall times together with each code's L1 error against Ritter: ANUGA
solves the full shallow-water equations with a finite-volume scheme, the local-inertial
model drops advection, so the speed-up is bought with accuracy on this (supercritical)
test. It is skipped when ANUGA is not installed; hazchain never depends on it
(``pip install anuga`` to run it).
"""

from __future__ import annotations

import importlib.util
import math
import os
import time

import numpy as np
import pytest

from models.hazards.flood import (
    GRAVITY_M_S2,
    LocalInertialSolver,
    advance_local_inertial,
    stable_time_step_s,
)

SIZES = (500, 1000)
CELL_M = 10.0


def wet_case(side: int) -> LocalInertialSolver:
    """Rough terrain under a sloshing water surface (2 ± 0.5 m): every face flows, none dries.

    Friction is on everywhere, so every face pays for the ``h_f^(7/3)`` power, which is most
    of the kernel's time (without friction a step is about 4× faster).
    """
    rng = np.random.default_rng(0)
    z = rng.uniform(0.0, 1.0, (side, side))
    y, x = np.mgrid[0:side, 0:side] / side
    level = 2.0 + 0.5 * np.sin(2 * np.pi * x) * np.sin(2 * np.pi * y)
    return LocalInertialSolver(z, CELL_M, depth_m=level - z, manning_n=0.03, theta=0.8)


@pytest.fixture(scope="module")
def solvers():
    cases = {side: wet_case(side) for side in SIZES}
    for s in cases.values():  # compile or load every kernel; fault in the arrays
        s.advance(s.stable_dt_s())
    return cases


def _report(benchmark, t, n_cells):
    if t is not None:
        benchmark.extra_info.update(
            n_cells=n_cells,
            mcell_updates_per_s=n_cells / t / 1e6,
            ns_per_cell=t / n_cells * 1e9,
        )


@pytest.mark.benchmark(group="flood-kernel")
@pytest.mark.parametrize("side", SIZES)
def test_flood_kernel_step(benchmark, median_s, solvers, side):
    """One step of the fused kernel (faces, limiter, continuity) on side × side cells."""
    s = solvers[side]
    dt = stable_time_step_s(2.5, CELL_M)
    args = (s.depth_m, s.terrain_m, s.manning_n, s.qx_m2_s, s.qy_m2_s, s._scale, s._row_buf, dt, CELL_M)
    volume = s.volume_m3
    benchmark(advance_local_inertial, *args, s.theta, s.min_flow_depth_m, *s.open, GRAVITY_M_S2)
    assert s.volume_m3 == pytest.approx(volume, rel=1e-9)  # work done, mass kept (closed sides)
    _report(benchmark, median_s(benchmark), side * side)


@pytest.mark.benchmark(group="flood-solver")
@pytest.mark.parametrize("side", SIZES)
def test_flood_solver_step(benchmark, median_s, solvers, side):
    """One stable step of the solver: kernel, maps (speed, maxima, arrival) and bookkeeping."""
    s = solvers[side]
    benchmark(lambda: s.advance(s.stable_dt_s()))
    _report(benchmark, median_s(benchmark), side * side)


# --- ANUGA side by side --------------------------------------------------------------------

H_L, X0, T_END = 10.0, 500.0, 20.0
NXA, NYA, DXA = 200, 20, 5.0


def ritter_depth(x):
    c0 = math.sqrt(GRAVITY_M_S2 * H_L)
    xi = (x - X0) / T_END
    return np.where(xi <= -c0, H_L, np.where(xi < 2 * c0, (2 * c0 - xi) ** 2 / (9 * GRAVITY_M_S2), 0.0))


def run_hazchain():
    x = (np.arange(NXA) + 0.5) * DXA
    depth = np.tile(np.where(x < X0, H_L, 0.0), (NYA, 1))
    s = LocalInertialSolver(np.zeros((NYA, NXA)), DXA, depth_m=depth, theta=0.7)
    steps = s.advance(T_END)
    exact = ritter_depth(x)
    return steps, float(np.abs(s.depth_m[NYA // 2] - exact).sum() / exact.sum())


def run_anuga(workdir):
    import anuga

    domain = anuga.rectangular_cross_domain(NXA, NYA, len1=NXA * DXA, len2=NYA * DXA)
    domain.set_name("dam_break")
    domain.set_datadir(str(workdir))
    domain.set_store(False)
    domain.set_quantity("elevation", 0.0)
    domain.set_quantity("friction", 0.0)
    domain.set_quantity("stage", lambda x, y: np.where(x < X0, H_L, 0.0))
    wall = anuga.Reflective_boundary(domain)
    domain.set_boundary({"left": wall, "right": wall, "top": wall, "bottom": wall})
    for _ in domain.evolve(yieldstep=T_END, finaltime=T_END):
        pass
    x = domain.centroid_coordinates[:, 0]
    h = domain.quantities["stage"].centroid_values - domain.quantities["elevation"].centroid_values
    exact = ritter_depth(x)
    return domain.number_of_steps, domain.number_of_elements, float(np.abs(h - exact).sum() / exact.sum())


@pytest.mark.benchmark(group="flood-vs-anuga")
@pytest.mark.skipif(
    importlib.util.find_spec("anuga") is None,
    reason="ANUGA is not installed (optional comparison; `pip install anuga` to run it)",
)
def test_flood_vs_anuga_side_by_side(benchmark, tmp_path):
    """One round = one ANUGA run then one hazchain run of the same dam break, each timed."""
    run_hazchain()  # warm the numba cache outside the timing
    times: dict[str, list[float]] = {"anuga": [], "hazchain": []}
    found: dict[str, tuple] = {}

    def pair() -> None:
        t0 = time.perf_counter()
        found["anuga"] = run_anuga(tmp_path)
        t1 = time.perf_counter()
        found["hazchain"] = run_hazchain()
        t2 = time.perf_counter()
        times["anuga"].append(t1 - t0)
        times["hazchain"].append(t2 - t1)

    benchmark.pedantic(pair, rounds=3, iterations=1)
    t_anuga, t_hazchain = float(np.median(times["anuga"])), float(np.median(times["hazchain"]))
    anuga_steps, triangles, anuga_l1 = found["anuga"]
    hazchain_steps, hazchain_l1 = found["hazchain"]
    assert anuga_l1 < 0.05 and hazchain_l1 < 0.25  # both ran the dam break
    benchmark.extra_info.update(
        hazchain_s=t_hazchain,
        anuga_s=t_anuga,
        hazchain_speedup_over_anuga=t_anuga / t_hazchain,
        hazchain_cells=NXA * NYA,
        anuga_triangles=triangles,
        hazchain_steps=hazchain_steps,
        anuga_steps=anuga_steps,
        hazchain_l1_vs_ritter=hazchain_l1,
        anuga_l1_vs_ritter=anuga_l1,
        omp_num_threads=os.environ.get("OMP_NUM_THREADS", "unset"),
    )
