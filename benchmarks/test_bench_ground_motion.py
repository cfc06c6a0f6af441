"""Earthquake ground motion on a million cells: distances, GMPE, correlated residuals, end to end.

A 1000 x 1000 grid of 100 m cells (100 km x 100 km) around an M 7 reverse rupture:

* ``Rupture.distances`` for every cell (Rjb, Rrup, Rx, Ry0);
* BSSA14 and CY14 for PGA, SA(0.3 s), SA(1.0 s) from precomputed distances;
* ``shaking_fields`` end to end with sampled residuals (distances + BSSA14 + one spatially
  correlated within-event field by circulant embedding, 2000 x 2000 torus).

Timings are written, never asserted; the only checks are that finite fields were produced.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.grid import Grid
from models.hazards.ground_motion import Rupture, gmpe
from models.hazards.shaking import INTENSITY_MEASURES, shaking_fields

SIDE, CELL_M = 1000, 100.0
N_CELLS = SIDE * SIDE
GRID = Grid(0.0, 0.0, CELL_M, SIDE, SIDE)
RUPTURE = Rupture.from_hypocentre(7.0, 50_000.0, 50_000.0, 12.0, 30.0, 40.0, 90.0)


@pytest.fixture(scope="module")
def sites():
    x, y = np.meshgrid(GRID.x_m, GRID.y_m)
    return x, y, RUPTURE.distances(x, y)


def _report(benchmark, median_s, **extra) -> None:
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(n_cells=N_CELLS, seconds=t, mcells_per_s=N_CELLS / t / 1e6, **extra)


@pytest.mark.benchmark(group="ground-motion")
def test_distances_1000x1000(benchmark, median_s, sites):
    x, y, _ = sites
    d = benchmark(RUPTURE.distances, x, y)
    assert np.isfinite(d.rrup_km).all() and (d.rjb_km == 0).any()
    _report(benchmark, median_s)


@pytest.mark.benchmark(group="ground-motion")
@pytest.mark.parametrize("name", ["BSSA14", "CY14"])
def test_gmpe_three_ims_1000x1000(benchmark, median_s, sites, name):
    _, _, d = sites
    model = gmpe(name)

    def three_ims():
        return [
            model.ground_motion(
                p,
                magnitude=7.0,
                rake_deg=90.0,
                distances=d,
                vs30_m_s=400.0,
                dip_deg=40.0,
                ztor_km=RUPTURE.ztor_km,
            )
            for p in INTENSITY_MEASURES.values()
        ]

    out = benchmark(three_ims)
    assert all(np.isfinite(gm.ln_median).all() for gm in out)
    _report(benchmark, median_s, n_ims=3)


@pytest.mark.benchmark(group="ground-motion")
def test_shaking_fields_sampled_end_to_end_1000x1000(benchmark, median_s):
    rng = np.random.default_rng(5)
    out = benchmark.pedantic(
        shaking_fields,
        args=(GRID, RUPTURE, gmpe("BSSA14"), 400.0),
        kwargs={"residuals": "sampled", "rng": rng},
        rounds=3,
        iterations=1,
    )
    assert all(np.isfinite(f).all() for f in out.fields.values())
    _report(benchmark, median_s, n_ims=3)
