"""Steady Gaussian plume over a million receptor points: public function, numba kernel, numpy.

A module-scope fixture builds the receptors and calls every variant once, so
numba's compile (or cache load) is not timed. The numba-versus-numpy speed-up
is measured by alternating the two inside one benchmark, so both see the same
machine load; only that ratio, not two separate timings, says which is faster.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from models.hazards.dispersion import (
    BRIGGS_SIGMA_COEFFICIENTS,
    gaussian_plume_field,
    steady_plume_concentration,
    wind_toward_unit_vector,
)

SIDE = 1000  # 1000 x 1000 receptors on a 10 m grid: 10 km x 10 km
CELL_M = 10.0
N_CELLS = SIDE * SIDE
SOURCE = {"source_x_m": 1000.0, "source_y_m": 5000.0}
PHYSICS = {
    "release_height_m": 2.0,
    "receptor_height_m": 1.5,
    "rate_kg_s": 10.0,
    "wind_speed_m_s": 3.0,
    "wind_from_deg": 260.0,
    "stability": "D",
    "terrain": "rural",
}


def plume_numpy(x, y, sx, sy0, h, z, q, u, tx, ty, sya, syb, syp, sza, szb, szp):
    """The kernel's formula as vectorised numpy (whole-array temporaries, boolean mask)."""
    dx = x - sx
    dy = y - sy0
    xd = dx * tx + dy * ty
    yd = dy * tx - dx * ty
    conc = np.zeros_like(x)
    down = xd > 0.0
    xp = xd[down]
    yp = yd[down]
    sig_y = sya * xp * (1.0 + syb * xp) ** syp
    sig_z = sza * xp * (1.0 + szb * xp) ** szp
    two_sz2 = 2.0 * sig_z * sig_z
    vertical = np.exp(-((z - h) ** 2) / two_sz2) + np.exp(-((z + h) ** 2) / two_sz2)
    lateral = np.exp(-(yp * yp) / (2.0 * sig_y * sig_y))
    conc[down] = q / (2.0 * math.pi * u) / (sig_y * sig_z) * lateral * vertical
    return conc, xd


@pytest.fixture(scope="module")
def receptors():
    """Flat receptor coordinates, the kernel's scalar arguments, and a warm-up of every variant."""
    xs = (np.arange(SIDE) + 0.5) * CELL_M
    xx, yy = np.meshgrid(xs, xs)
    x = np.ascontiguousarray(xx.ravel())
    y = np.ascontiguousarray(yy.ravel())
    (sya, syb, syp), (sza, szb, szp) = BRIGGS_SIGMA_COEFFICIENTS[PHYSICS["terrain"]][PHYSICS["stability"]]
    tx, ty = wind_toward_unit_vector(PHYSICS["wind_from_deg"])
    scalars = (
        SOURCE["source_x_m"],
        SOURCE["source_y_m"],
        PHYSICS["release_height_m"],
        PHYSICS["receptor_height_m"],
        PHYSICS["rate_kg_s"],
        PHYSICS["wind_speed_m_s"],
        tx,
        ty,
        sya,
        syb,
        syp,
        sza,
        szb,
        szp,
    )
    conc = np.empty_like(x)
    down = np.empty_like(x)
    # Warm-up: compile or load the numba kernel, fault in every array once.
    steady_plume_concentration(x, y, **SOURCE, **PHYSICS)
    gaussian_plume_field(x, y, *scalars, conc, down)
    ref, _ = plume_numpy(x, y, *scalars)
    # Same answer, or the comparison means nothing (a correctness check, not a timing one).
    np.testing.assert_allclose(ref, conc, rtol=1e-12, atol=0.0)
    return {"x": x, "y": y, "scalars": scalars, "conc": conc, "down": down}


def _cells_report(benchmark, t):
    if t is not None:
        benchmark.extra_info.update(
            n_cells=N_CELLS,
            mcells_per_s=N_CELLS / t / 1e6,
            ns_per_cell=t / N_CELLS * 1e9,
        )


@pytest.mark.benchmark(group="plume")
def test_steady_plume_concentration(benchmark, median_s, receptors):
    """The public function (checks, broadcasting, allocation and the kernel) on 10^6 points."""
    x, y = receptors["x"], receptors["y"]
    benchmark(steady_plume_concentration, x, y, **SOURCE, **PHYSICS)
    _cells_report(benchmark, median_s(benchmark))


@pytest.mark.benchmark(group="plume")
def test_plume_kernel_numba(benchmark, median_s, receptors):
    """The numba kernel alone, writing into preallocated outputs."""
    r = receptors
    benchmark(gaussian_plume_field, r["x"], r["y"], *r["scalars"], r["conc"], r["down"])
    _cells_report(benchmark, median_s(benchmark))


@pytest.mark.benchmark(group="plume")
def test_plume_numpy(benchmark, median_s, receptors):
    """The same formula as vectorised numpy, for reference."""
    r = receptors
    benchmark(plume_numpy, r["x"], r["y"], *r["scalars"])
    _cells_report(benchmark, median_s(benchmark))


@pytest.mark.benchmark(group="plume-ratio")
def test_plume_numba_vs_numpy_side_by_side(benchmark, receptors):
    """One round = one numpy call then one numba call, each timed; the ratio of medians."""
    r = receptors
    x, y, scalars, conc, down = r["x"], r["y"], r["scalars"], r["conc"], r["down"]
    times: dict[str, list[float]] = {"numpy": [], "numba": []}

    def pair() -> None:
        t0 = time.perf_counter()
        plume_numpy(x, y, *scalars)
        t1 = time.perf_counter()
        gaussian_plume_field(x, y, *scalars, conc, down)
        t2 = time.perf_counter()
        times["numpy"].append(t1 - t0)
        times["numba"].append(t2 - t1)

    benchmark.pedantic(pair, rounds=15, iterations=1)
    t_numpy = float(np.median(times["numpy"]))
    t_numba = float(np.median(times["numba"]))
    benchmark.extra_info.update(
        n_cells=N_CELLS,
        pairs=len(times["numba"]),
        numba_mcells_per_s=N_CELLS / t_numba / 1e6,
        numpy_mcells_per_s=N_CELLS / t_numpy / 1e6,
        numba_speedup_over_numpy=t_numpy / t_numba,
    )
