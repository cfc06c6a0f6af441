"""Flood solver: kernel cell-updates per second with and without advection, and beside ANUGA.

The kernel benchmarks time one step of :func:`advance_local_inertial` (momentum on every
face, positivity limiter, continuity) and of :func:`advance_with_advection` (velocities with
Stelling & Duinmeijer advection, upwind discharges, limiter, continuity) on a fully wet
500×500 and 1000×1000 grid, one step of the solver (the kernel plus the speed/maximum/arrival
maps and the inflow), and both kernels alternated inside one benchmark for their ratio. A
module-scope fixture compiles (or loads from the cache) every kernel first.

The ANUGA comparison runs the same frictionless dam break (h_l = 10 m over a dry bed, 1 km ×
100 m, 5 m cells; ANUGA's rectangular cross mesh has 4 triangles per cell) to t = 20 s in ANUGA
and in hazchain with and without advection, alternating them inside one benchmark so all see
the same machine load, and reports the ratios of median wall times together with each run's
L1 error against Ritter: ANUGA solves the full shallow-water equations with a finite-volume
scheme, the local-inertial model drops advection. A second comparison floods the generated
valley of ``tests/models/terrain/test_valley_flood.py`` (120 × 60 cells of 20 m, 800 m³/s for
900 s) in all three and reports how far each hazchain mode's flood front is from ANUGA's down
the valley. Both are skipped when ANUGA is not installed; hazchain never depends on it
(install it beside the venv, e.g. ``pip install --target DIR anuga`` and ``PYTHONPATH=DIR``).
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
    advance_with_advection,
    stable_time_step_s,
)

HAS_ANUGA = importlib.util.find_spec("anuga") is not None
NO_ANUGA = "ANUGA is not installed (optional comparison; install it beside the venv to run it)"

SIZES = (500, 1000)
CELL_M = 10.0


def wet_case(side: int, advection: bool = False) -> LocalInertialSolver:
    """Rough terrain under a sloshing water surface (2 ± 0.5 m): every face flows, none dries.

    Friction is on everywhere, so every face pays for the ``h_f^(7/3)`` (``^(4/3)`` with
    advection) power, which is most of the kernel's time (without friction a step is about 4×
    faster). θ = 0.8 without advection (θ does not apply with it).
    """
    rng = np.random.default_rng(0)
    z = rng.uniform(0.0, 1.0, (side, side))
    y, x = np.mgrid[0:side, 0:side] / side
    level = 2.0 + 0.5 * np.sin(2 * np.pi * x) * np.sin(2 * np.pi * y)
    theta = 1.0 if advection else 0.8
    return LocalInertialSolver(z, CELL_M, depth_m=level - z, manning_n=0.03, theta=theta, advection=advection)


@pytest.fixture(scope="module")
def solvers():
    cases = {(side, adv): wet_case(side, adv) for side in SIZES for adv in (False, True)}
    for s in cases.values():  # compile or load every kernel; fault in the arrays; start the flow
        for _ in range(3):
            s.advance(s.stable_dt_s())
    return cases


def kernel_call(s: LocalInertialSolver, dt: float):
    """A no-argument call of one fused kernel step of ``s`` (its arrays, fixed ``dt``)."""
    if s.advection:
        ux_new, uy_new = s._u_next
        args = (s.depth_m, s.terrain_m, s.manning_n, s.ux_m_s, s.uy_m_s, s.qx_m2_s, s.qy_m2_s, ux_new, uy_new)
        rest = (*s._h_face, s._scale, dt, CELL_M, s.min_flow_depth_m, *s.open, GRAVITY_M_S2)
        # the new velocities land in the spare arrays; the state's own stay put: same work each call
        return lambda: advance_with_advection(*args, *rest)
    args = (s.depth_m, s.terrain_m, s.manning_n, s.qx_m2_s, s.qy_m2_s, s._scale, s._row_buf, dt, CELL_M)
    return lambda: advance_local_inertial(*args, s.theta, s.min_flow_depth_m, *s.open, GRAVITY_M_S2)


def _report(benchmark, t, n_cells):
    if t is not None:
        benchmark.extra_info.update(
            n_cells=n_cells,
            mcell_updates_per_s=n_cells / t / 1e6,
            ns_per_cell=t / n_cells * 1e9,
        )


@pytest.mark.benchmark(group="flood-kernel")
@pytest.mark.parametrize("advection", [False, True], ids=["local-inertial", "advection"])
@pytest.mark.parametrize("side", SIZES)
def test_flood_kernel_step(benchmark, median_s, solvers, side, advection):
    """One step of the fused kernel (faces, limiter, continuity) on side × side cells."""
    s = solvers[side, advection]
    volume = s.volume_m3
    benchmark(kernel_call(s, 0.8 * stable_time_step_s(2.5, CELL_M)))
    assert s.volume_m3 == pytest.approx(volume, rel=1e-9)  # work done, mass kept (closed sides)
    _report(benchmark, median_s(benchmark), side * side)


@pytest.mark.benchmark(group="flood-solver")
@pytest.mark.parametrize("advection", [False, True], ids=["local-inertial", "advection"])
@pytest.mark.parametrize("side", SIZES)
def test_flood_solver_step(benchmark, median_s, solvers, side, advection):
    """One stable step of the solver: kernel, maps (speed, maxima, arrival) and bookkeeping."""
    s = solvers[side, advection]
    benchmark(lambda: s.advance(s.stable_dt_s()))
    _report(benchmark, median_s(benchmark), side * side)


@pytest.mark.benchmark(group="flood-advection-cost")
def test_flood_kernel_with_and_without_advection_side_by_side(benchmark, solvers):
    """One round = one local-inertial kernel step then one advective one, 500 × 500, each timed."""
    side = SIZES[0]
    dt = 0.8 * stable_time_step_s(2.5, CELL_M)
    calls = {adv: kernel_call(solvers[side, adv], dt) for adv in (False, True)}
    times: dict[bool, list[float]] = {False: [], True: []}

    def pair() -> None:
        for adv in (False, True):
            t0 = time.perf_counter()
            calls[adv]()
            times[adv].append(time.perf_counter() - t0)

    benchmark.pedantic(pair, rounds=40, iterations=1, warmup_rounds=2)
    t_li, t_adv = float(np.median(times[False])), float(np.median(times[True]))
    benchmark.extra_info.update(
        n_cells=side * side,
        local_inertial_mcell_updates_per_s=side * side / t_li / 1e6,
        advection_mcell_updates_per_s=side * side / t_adv / 1e6,
        advection_cost_per_step_ratio=t_adv / t_li,
    )


# --- ANUGA side by side --------------------------------------------------------------------

H_L, X0, T_END = 10.0, 500.0, 20.0
NXA, NYA, DXA = 200, 20, 5.0


def ritter_depth(x):
    c0 = math.sqrt(GRAVITY_M_S2 * H_L)
    xi = (x - X0) / T_END
    return np.where(xi <= -c0, H_L, np.where(xi < 2 * c0, (2 * c0 - xi) ** 2 / (9 * GRAVITY_M_S2), 0.0))


def run_hazchain(advection: bool = False):
    x = (np.arange(NXA) + 0.5) * DXA
    depth = np.tile(np.where(x < X0, H_L, 0.0), (NYA, 1))
    theta = 1.0 if advection else 0.7
    s = LocalInertialSolver(np.zeros((NYA, NXA)), DXA, depth_m=depth, theta=theta, advection=advection)
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
@pytest.mark.skipif(not HAS_ANUGA, reason=NO_ANUGA)
def test_flood_vs_anuga_side_by_side(benchmark, tmp_path):
    """One round = ANUGA, then hazchain local-inertial, then with advection, the same dam break."""
    run_hazchain(False), run_hazchain(True)  # warm the numba cache outside the timing
    runs = {"anuga": lambda: run_anuga(tmp_path), "li": run_hazchain, "adv": lambda: run_hazchain(True)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    found: dict[str, tuple] = {}

    def rounds() -> None:
        for name, run in runs.items():
            t0 = time.perf_counter()
            found[name] = run()
            times[name].append(time.perf_counter() - t0)

    benchmark.pedantic(rounds, rounds=3, iterations=1)
    t = {k: float(np.median(v)) for k, v in times.items()}
    anuga_steps, triangles, anuga_l1 = found["anuga"]
    (li_steps, li_l1), (adv_steps, adv_l1) = found["li"], found["adv"]
    assert anuga_l1 < 0.05 and li_l1 < 0.25 and adv_l1 < 0.05  # all ran the dam break
    benchmark.extra_info.update(
        anuga_s=t["anuga"],
        hazchain_s=t["li"],
        hazchain_advection_s=t["adv"],
        hazchain_speedup_over_anuga=t["anuga"] / t["li"],
        hazchain_advection_speedup_over_anuga=t["anuga"] / t["adv"],
        hazchain_cells=NXA * NYA,
        anuga_triangles=triangles,
        hazchain_steps=li_steps,
        hazchain_advection_steps=adv_steps,
        anuga_steps=anuga_steps,
        hazchain_l1_vs_ritter=li_l1,
        hazchain_advection_l1_vs_ritter=adv_l1,
        anuga_l1_vs_ritter=anuga_l1,
        omp_num_threads=os.environ.get("OMP_NUM_THREADS", "unset"),
    )


# --- the generated valley beside ANUGA ---------------------------------------------------------

VALLEY = """
[scenario]
name = "valley flood"
duration_s = 900
seed = 1
[grid]
cell_size_m = 20.0
nx = 120
ny = 60
[[terrain]]
model = "terrain"
generate = {{ seed = 4 }}
[[hazards]]
model = "local_inertial_flood"
name = "flood"
manning_n = 0.035
open_boundaries = ["east"]
advection = {advection}
inflows = [{{ x_m = 60.0, y_m = 600.0, hydrograph = [[0.0, 800.0], [900.0, 800.0]] }}]
"""
FRONT_COLUMNS = tuple(range(20, 120, 15))  # 400 m to 2.3 km below the inflow


def run_valley(advection: bool):
    """The valley flood in hazchain: ``(terrain, arrival time map, wall s)``."""
    import models  # noqa: F401  (registers terrain and flood)
    from engine import Scenario, Simulation

    text = VALLEY.format(advection=str(advection).lower())
    sim = Simulation(Scenario.from_text(text, base_dir="."), seed=1)
    t0 = time.perf_counter()
    out = sim.run()
    wall = time.perf_counter() - t0
    return sim.world.grid.layers["terrain_m"].data.copy(), out.maps["flood_arrival_time_s"].data, wall


def run_anuga_valley(z, workdir, dx=20.0, sample_s=5.0):
    """The same flood in ANUGA (cell-sized inlet, reflective sides, transmissive east side)."""
    import anuga

    ny, nx = z.shape
    domain = anuga.rectangular_cross_domain(nx, ny, len1=nx * dx, len2=ny * dx)
    domain.set_name("valley")
    domain.set_datadir(str(workdir))
    domain.set_store(False)

    def cell(x, y):
        return np.clip((y // dx).astype(int), 0, ny - 1), np.clip((x // dx).astype(int), 0, nx - 1)

    domain.set_quantity("elevation", lambda x, y: z[cell(x, y)], location="centroids")
    domain.set_quantity("friction", 0.035)
    domain.set_quantity("stage", expression="elevation")
    wall, out = anuga.Reflective_boundary(domain), anuga.Transmissive_boundary(domain)
    domain.set_boundary({"left": wall, "right": out, "top": wall, "bottom": wall})
    inlet = [[60.0, 600.0], [80.0, 600.0], [80.0, 620.0], [60.0, 620.0]]  # the inflow's cell
    anuga.Inlet_operator(domain, anuga.Region(domain, polygon=inlet), Q=800.0)
    rows, cols = cell(domain.centroid_coordinates[:, 0], domain.centroid_coordinates[:, 1])
    arrival = np.full((ny, nx), np.nan)
    t0 = time.perf_counter()
    for t in domain.evolve(yieldstep=sample_s, finaltime=900.0):
        h = domain.quantities["stage"].centroid_values - domain.quantities["elevation"].centroid_values
        mean = np.zeros((ny, nx))
        np.add.at(mean, (rows, cols), h / 4.0)  # 4 triangles per cell
        arrival[(mean > 0.05) & np.isnan(arrival)] = t
    return arrival, time.perf_counter() - t0


def first_arrival(arrival):
    return np.array(
        [np.nanmin(arrival[:, c]) if np.isfinite(arrival[:, c]).any() else np.nan for c in FRONT_COLUMNS]
    )


@pytest.mark.benchmark(group="flood-vs-anuga")
@pytest.mark.skipif(not HAS_ANUGA, reason=NO_ANUGA)
def test_flood_valley_vs_anuga(benchmark, tmp_path):
    """One round: the valley flood in ANUGA (about a minute) and in hazchain's two modes."""
    run_valley(True)  # warm imports and the numba cache
    found = {}

    def once() -> None:
        z, found["li"], found["li_s"] = run_valley(False)
        _, found["adv"], found["adv_s"] = run_valley(True)
        found["anuga"], found["anuga_s"] = run_anuga_valley(z, tmp_path)

    benchmark.pedantic(once, rounds=1, iterations=1)
    ref = first_arrival(found["anuga"])
    assert np.isfinite(ref[-1])  # ANUGA's front reached the last column
    info = {"anuga_s": found["anuga_s"], "front_columns_m": [c * 20.0 + 10.0 for c in FRONT_COLUMNS]}
    info["anuga_arrival_s"] = ref.tolist()
    for mode in ("li", "adv"):
        mine = first_arrival(found[mode])
        name = "local_inertial" if mode == "li" else "advection"
        info[f"{name}_s"] = found[f"{mode}_s"]
        info[f"{name}_arrival_s"] = mine.tolist()
        info[f"{name}_arrival_rel_error_last"] = float(mine[-1] / ref[-1] - 1)
        info[f"{name}_arrival_rel_error_mean"] = float(np.nanmean(mine / ref - 1))
    benchmark.extra_info.update(info)
