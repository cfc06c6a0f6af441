"""Earthquake-triggered landslides: the whole process on a flagship-size valley, and its parts.

The flagship earthquake chain runs on a generated valley of about 6 km × 3 km; here 240 × 120
cells of 25 m, uniform PGA 0.5 g, M 6.5 (Jibson 2007 eq. 7), default soil. One engine run of
terrain + ``newmark_landslides`` (the terrain part is the same in every round), then the energy-
line runout alone (2 000 crowns) and one dam solved on that valley.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import models.hazards.landslide_process  # registers "newmark_landslides"
import models.terrain.terrain  # noqa: F401  (registers "terrain")
from engine import Scenario, Simulation
from models.hazards.landslide_process import channel_direction, landslide_dam
from models.hazards.landslides import energy_line_runout
from models.terrain.analysis import route_flow
from models.terrain.valley import generate_valley

NX, NY, DX = 240, 120, 25.0

TEXT = f"""
[scenario]
name = "landslide benchmark"
duration_s = 60.0

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}

[[layers]]
name = "pga_g"
file = "pga.npy"
units = "1"

[[events]]
kind = "earthquake"
at_s = 1.0
data = {{ magnitude = 6.5 }}

[[chains]]
when = "earthquake"
start = "slides"

[[terrain]]
model = "terrain"
generate = {{ seed = 7 }}

[[hazards]]
model = "newmark_landslides"
name = "slides"
"""


@pytest.fixture(scope="module")
def valley():
    z = generate_valley(NX, NY, DX, seed=7)["terrain_m"]
    dr = route_flow(z, DX)
    energy_line_runout(z, dr.receiver, z.size // 2, 0.3, DX)  # compile or load the kernel
    return z, dr


def test_landslide_process_on_a_flagship_size_valley(benchmark, tmp_path):
    np.save(tmp_path / "pga.npy", np.full((NY, NX), 0.5))
    sc = Scenario.from_text(TEXT, base_dir=tmp_path)
    Simulation(sc, seed=1).run()  # warm-up: numba caches, imports
    out = benchmark.pedantic(lambda: Simulation(sc, seed=1).run(), rounds=5, iterations=1)
    slides = sum(e.kind == "landslide" for e in out.events)
    assert slides > 0
    benchmark.extra_info.update(
        slides=slides,
        dams=int(out.kpis["landslide_dam_count"].value),
        failed_cells=int(out.maps["landslide_sources"].data.sum()),
        wall_time_s=benchmark.stats.stats.median,
    )


def test_energy_line_runouts(benchmark, valley):
    z, dr = valley
    receiver = dr.receiver  # a property computed on each access: take it once
    crowns = np.random.default_rng(0).choice(z.size, 2000, replace=False)

    def run_all():
        return sum(energy_line_runout(z, receiver, int(c), 0.3, DX).path.size for c in crowns)

    nodes = benchmark(run_all)
    assert nodes > crowns.size
    benchmark.extra_info.update(
        us_per_runout=benchmark.stats.stats.median / crowns.size * 1e6, mean_nodes=nodes / crowns.size
    )


def test_dam_geometry(benchmark, valley):
    z, dr = valley
    river = dr.river_mask(1e6)
    k = int(np.flatnonzero(river.ravel())[river.sum() // 3])
    row, col = divmod(k, NX)
    direction = channel_direction(dr.receiver, dr.accumulation_m2, row, col)
    t0 = time.perf_counter()
    dam = benchmark(landslide_dam, z, DX, row, col, direction, 2e5, 200.0)
    assert dam is not None and time.perf_counter() > t0
    benchmark.extra_info.update(ms_per_dam=benchmark.stats.stats.median * 1e3, height_m=dam.height_m)
