"""The local-inertial flood as an engine process: scenario keys, recorded fields, maps and KPIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.hazards.flood  # noqa: F401  (registers "local_inertial_flood")
from engine import Results, Scenario, ScenarioError, Simulation
from engine.results import write_run
from models.hazards.flood import GRAVITY_M_S2 as G

DX, NX, NY = 10.0, 80, 5
H_L, DAM_X = 2.0, 200.0


def _write_layers(tmp_path, *, reservoir=True, manning=False):
    x = (np.arange(NX) + 0.5) * DX
    np.save(tmp_path / "terrain.npy", np.zeros((NY, NX)))
    if reservoir:
        np.save(tmp_path / "reservoir.npy", np.tile(np.where(x < DAM_X, H_L, 0.0), (NY, 1)))
    if manning:
        np.save(tmp_path / "manning.npy", np.full((NY, NX), 0.02))


LOCAL_INERTIAL = 'advection = false\ntheta = 0.7\nmanning_n = 0.0\nopen_boundaries = ["east"]'


def dam_break_text(flood_keys: str = LOCAL_INERTIAL) -> str:
    return f"""
[scenario]
name = "flood test"
duration_s = 120.0

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}

[output]
interval_s = 20.0

[[layers]]
name = "terrain_m"
file = "terrain.npy"
units = "m"

[[layers]]
name = "initial_depth_m"
file = "reservoir.npy"
units = "m"

[[hazards]]
model = "local_inertial_flood"
name = "flood"
{flood_keys}
"""


@pytest.fixture
def dam_break_output(tmp_path):
    _write_layers(tmp_path)
    scenario = Scenario.from_text(dam_break_text(), base_dir=tmp_path)
    return Simulation(scenario, seed=1).run()


def local_inertial_bore_speed(h_l: float) -> float:
    """Dry-bed bore speed of the local-inertial equations (see test_flood.py): 0.5557 √(g h_l)."""
    h_m = (2 / 3 / (math.sqrt(0.5) + 2 / 3)) ** (2 / 3) * h_l
    return math.sqrt(G * h_m / 2)


def test_recorded_fields_maps_and_kpis(dam_break_output):
    out = dam_break_output
    np.testing.assert_array_equal(out.times_s, np.arange(0.0, 121.0, 20.0))
    depth = out.series["water_depth_m"]
    assert depth.data.shape == (7, NY, NX) and depth.units == "m"
    assert out.series["flow_speed_m_s"].data.shape == (7, NY, NX)
    volumes = depth.data.astype(np.float64).sum(axis=(1, 2)) * DX * DX
    np.testing.assert_allclose(volumes, H_L * DAM_X * NY * DX, rtol=1e-5)  # float32 snapshots
    assert depth.data[0, 2, 25] == 0.0 and depth.data[-1, 2, 25] > 0.1  # water reached 255 m

    max_depth = out.maps["max_water_depth_m"].data
    assert np.all(max_depth >= depth.data.max(axis=0) - 1e-6)
    assert np.all(out.maps["max_flow_speed_m_s"].data >= out.series["flow_speed_m_s"].data.max(axis=0) - 1e-5)
    assert out.maps["max_water_depth_m"].contours[0] == 0.1
    area = np.count_nonzero(max_depth > 0.1) * DX * DX / 1e6
    assert out.kpis["flood_area_km2"].value == pytest.approx(area)
    assert out.kpis["flood_area_km2"].units == "km2"
    assert 0.011 < area < 0.03  # reservoir 0.01 km²; the bore has not reached 600 m
    assert out.kpis["flood_mass_balance_rel_error"].value < 1e-6
    assert out.kpis["flood_inflow_volume_m3"].value == 0.0
    assert out.kpis["flood_outflow_volume_m3"].value == 0.0  # the east side is far beyond the front
    assert any(e.kind == "process_started" and e.source == "flood" for e in out.events)


def test_arrival_time_follows_the_front_speed(dam_break_output):
    arrival = dam_break_output.maps["flood_arrival_time_s"].data[2]
    x = (np.arange(NX) + 0.5) * DX
    assert np.all(arrival[x < DAM_X] == 0.0)  # the reservoir is wet from the start
    assert np.all(np.isnan(arrival[x > 650.0]))  # never reached in 120 s
    reached = ~np.isnan(arrival)
    assert np.all(np.diff(arrival[reached]) >= 0.0)  # later further downstream
    # 200 m below the dam. The local-inertial equations' bore runs at 0.556 √(g h_l) = 2.46 m/s
    # (81 s); the discrete bore runs ~20 % ahead of it and the 5 cm threshold is met at its toe
    # (the Ritter test's front is 25 m ahead of that bore after 20 s), so the flood arrives
    # early: 65 s on this 10 m grid, 70 s on 2.5 m cells. Nothing may beat the shallow-water
    # front at 2 √(g h_l) = 8.9 m/s (23 s).
    d = 200.0
    t_arrival = float(np.interp(DAM_X + d, x[reached], arrival[reached]))
    t_bore = d / local_inertial_bore_speed(H_L)
    assert t_arrival > d / (2 * math.sqrt(G * H_L))
    assert 0.70 < t_arrival / t_bore < 0.95, (t_arrival, t_bore)
    levels = dam_break_output.maps["flood_arrival_time_s"].contours
    assert levels == (60.0,)


def test_results_file_keeps_nan_arrival_and_contours(dam_break_output, tmp_path):
    path = write_run(tmp_path / "flood.h5", dam_break_output)
    res = Results(path)
    arrival, units = res.map("flood_arrival_time_s")
    assert units == "s" and np.isnan(arrival).any() and np.nanmax(arrival) <= 120.0
    assert list(res.attrs("maps", "max_water_depth_m")["contour_levels"])[:2] == [0.1, 0.3]
    assert res.kpis["flood_mass_balance_rel_error"].units == "1"


def test_fixed_coupling_step_sub_steps_to_the_same_flood(tmp_path, dam_break_output):
    _write_layers(tmp_path)
    text = dam_break_text(LOCAL_INERTIAL + "\ndt_s = 10.0")
    out = Simulation(Scenario.from_text(text, base_dir=tmp_path), seed=1).run()
    assert out.process_steps < dam_break_output.process_steps / 3  # 12 flood calls instead of 65
    assert out.kpis["flood_mass_balance_rel_error"].value < 1e-6
    a, b = out.maps["max_water_depth_m"].data, dam_break_output.maps["max_water_depth_m"].data
    assert np.abs(a - b).max() < 0.1 * H_L  # same physics; only the sub-step sequence differs


BREACH = """
[scenario]
name = "breach then flood"
duration_s = 150.0

[grid]
cell_size_m = 5.0
nx = 24
ny = 20

[output]
interval_s = 10.0

[[layers]]
name = "terrain_m"
file = "terrain.npy"
units = "m"

[[layers]]
name = "manning_n"
file = "manning.npy"
units = "s m-1/3"

[[events]]
kind = "dam_breach"
at_s = 40.0
x_m = 12.0
y_m = 50.0

[[chains]]
when = "dam_breach"
start = "outburst"
delay_s = 10.0

[[hazards]]
model = "local_inertial_flood"
name = "outburst"
open_boundaries = ["east"]
inflows = [{ x_m = 12.0, y_m = 50.0, hydrograph = [[0.0, 0.0], [20.0, 5.0], [60.0, 0.0]] }]
"""


def test_chain_started_flood_counts_hydrograph_time_from_its_start(tmp_path):
    rng = np.random.default_rng(5)
    terrain = rng.uniform(0.0, 0.05, (20, 24)) + 0.01 * (24 - np.arange(24))[None, :]
    np.save(tmp_path / "terrain.npy", terrain)
    np.save(tmp_path / "manning.npy", np.full((20, 24), 0.035))
    out = Simulation(Scenario.from_text(BREACH, base_dir=tmp_path), seed=1).run()
    depth = out.series["water_depth_m"].data
    assert np.all(depth[out.times_s <= 50.0] == 0.0)  # started at 40 + 10 s, hydrograph from 0
    assert depth[out.times_s == 70.0].max() > 0.0
    assert out.kpis["flood_inflow_volume_m3"].value == pytest.approx(0.5 * 60.0 * 5.0, rel=1e-9)
    assert out.kpis["flood_mass_balance_rel_error"].value < 1e-6
    arrival = out.maps["flood_arrival_time_s"].data
    assert np.nanmin(arrival) > 50.0 and arrival[10, 2] < 75.0  # the inflow cell fills first
    started = next(e for e in out.events if e.kind == "process_started" and e.source == "outburst")
    breach = next(e for e in out.events if e.kind == "dam_breach")
    assert started.time_s == 50.0 and started.cause_id == breach.id


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ("manning = 0.03", r"hazards\[0\]\.manning: unknown key.*manning_n"),
        ('open_boundaries = ["up"]', r"hazards\[0\]\.open_boundaries\[0\]"),
        ("inflows = [{ x_m = 5000.0, y_m = 10.0, hydrograph = [[0, 1], [10, 1]] }]", "outside the grid"),
        (
            "inflows = [{ x_m = 5.0, y_m = 10.0, hydrograph = [[10, 1], [5, 1]] }]",
            "must be >= 0 and increase",
        ),
        ("initial_depth_m = 1.0", r"initial_depth_m: a \"initial_depth_m\" field is provided"),
        ("cfl_alpha = 1.5", "cfl_alpha"),
        (
            "theta = 0.7",
            r"hazards\[0\]\.theta: weights the local-inertial momentum only; set advection = false",
        ),
    ],
)
def test_bad_keys_are_one_clear_error(tmp_path, keys, match):
    _write_layers(tmp_path)
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_text(dam_break_text(keys), base_dir=tmp_path)


def test_terrain_is_required(tmp_path):
    _write_layers(tmp_path)
    text = dam_break_text().replace('name = "terrain_m"', 'name = "elevation_m"')
    with pytest.raises(ScenarioError, match='reads field "terrain_m"'):
        Scenario.from_text(text, base_dir=tmp_path)


def test_field_table_documents_reads_and_writes():
    from models.hazards.flood import LocalInertialFlood

    table = LocalInertialFlood.field_table()
    assert "| reads | `terrain_m` | m |" in table
    assert "| writes | `water_depth_m` | m |" in table
    optional = {f.name for f in LocalInertialFlood.reads if f.optional}
    assert optional == {"manning_n", "initial_depth_m", "landslide_debris_m"}
