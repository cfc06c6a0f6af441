"""Terrain and flood meet only through terrain_m: water released upstream runs down the generated river."""

from __future__ import annotations

import itertools

import numpy as np

from engine import Scenario, Simulation


def test_flood_released_upstream_arrives_later_further_down_the_generated_valley(tmp_path):
    text = """
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
generate = { seed = 4 }

[[hazards]]
model = "local_inertial_flood"
name = "flood"
manning_n = 0.035
open_boundaries = ["east"]
inflows = [{ x_m = 60.0, y_m = 600.0, hydrograph = [[0.0, 800.0], [900.0, 800.0]] }]
"""
    # The generated river runs west to east along the valley's middle (y ≈ 600 m);
    # the inflow is on it at the upstream end.
    sim = Simulation(Scenario.from_text(text, base_dir=tmp_path), seed=1)
    grid = sim.world.grid
    out = sim.run()
    arrival = out.maps["flood_arrival_time_s"].data
    river = out.maps["river_mask"].data > 0
    cols = [c for c in range(5, grid.nx - 5, 10) if np.isfinite(arrival[:, c][river[:, c]]).any()]
    firsts = [float(np.nanmin(arrival[:, c][river[:, c]])) for c in cols]
    assert len(firsts) >= 3
    assert all(b >= a for a, b in itertools.pairwise(firsts))
    assert out.kpis["flood_mass_balance_rel_error"].value < 1e-6
