"""Barrier lake: storage curve on the flagship-sized valley, the flood-fill kernel, the breach.

* ``start`` work on a generated valley of 300 × 150 cells of 20 m (the flagship's 6 km × 3 km):
  D8 routing of the pre-slide terrain and the basin (:func:`locate_dam_site`), then the
  Priority-Flood storage curve (:func:`lake_storage`) behind a 40 m dam at the gorge.
* the flood-fill kernel alone on a 1000 × 1000 V-shaped valley with the whole upstream half
  under the lake (Mcells/s of lake).
* one parametric breach (Froehlich 2008, weir outflow, RK4) of that valley's lake.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.hazards.barrier_lake import (
    breach_parameters,
    flood_lake,
    lake_storage,
    locate_dam_site,
    simulate_weir_breach,
)
from models.terrain.analysis import route_flow
from models.terrain.valley import generate_valley

DX = 20.0


@pytest.fixture(scope="module")
def gorge_dam():
    v = generate_valley(300, 150, DX, seed=1)
    z = v["terrain_m"]
    col = int(v["gorge_xy_m"][0] // DX)
    row = int(np.argmax(route_flow(z, DX).accumulation_m2[:, col]))
    crest = float(z[row, col] + 40.0)
    debris = np.zeros_like(z)
    debris[:, col - 2 : col + 3] = np.maximum(crest - z[:, col - 2 : col + 3], 0.0)
    site = locate_dam_site(z, debris, row, col, DX)  # compile or load the kernels
    lake_storage(z + debris, site.seed, site.basin, crest, DX)
    return z, debris, row, col, crest


def test_lake_start_on_flagship_valley(benchmark, gorge_dam):
    z, debris, row, col, crest = gorge_dam

    def start():
        site = locate_dam_site(z, debris, row, col, DX)
        return lake_storage(z + debris, site.seed, site.basin, crest, DX)

    st = benchmark(start)
    assert st.capacity_m3 > 1e6 and np.isinf(st.spill_m)
    benchmark.extra_info["cells"] = z.size
    benchmark.extra_info["lake_cells"] = int(np.count_nonzero(st.join_level_m < st.top_m))
    benchmark.extra_info["capacity_m3"] = st.capacity_m3
    benchmark.extra_info["median_ms"] = benchmark.stats.stats.median * 1e3


def test_flood_fill_kernel_million_cells(benchmark):
    n = 1000
    x, y = np.meshgrid(np.arange(n) * 10.0, np.arange(n) * 10.0)
    bed = (0.02 * (5000.0 - x) + 0.3 * np.abs(y - 5000.0)).ravel()
    basin = np.ones(n * n, dtype=np.bool_)
    seed = 500 * n + 499
    join, order = np.empty(n * n), np.empty(n * n, dtype=np.int64)
    flood_lake(bed, basin, seed, n, n, 1e9, join, order)  # compile or load

    def fill():
        join.fill(np.inf)
        return flood_lake(bed, basin, seed, n, n, 1e9, join, order)

    count, _ = benchmark(fill)
    assert count == n * n
    benchmark.extra_info["mcells_per_s"] = count / benchmark.stats.stats.median / 1e6


def test_parametric_breach(benchmark, gorge_dam):
    z, debris, row, col, crest = gorge_dam
    site = locate_dam_site(z, debris, row, col, DX)
    st = lake_storage(z + debris, site.seed, site.basin, crest, DX)
    p = breach_parameters(st, st.top_m, crest - 40.0)
    hyd = benchmark(simulate_weir_breach, st, p, net_inflow_m3_s=50.0)
    assert hyd.released_volume_m3 > 0.99 * p.volume_m3
    benchmark.extra_info["rk4_steps"] = int(hyd.t_s.size - 1)
    benchmark.extra_info["peak_outflow_m3_s"] = hyd.peak_outflow_m3_s
    benchmark.extra_info["median_ms"] = benchmark.stats.stats.median * 1e3
