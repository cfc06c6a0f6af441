"""The flood in the earthquake chain: a dam-breach event's hydrograph as inflow, debris on the bed.

The inflow volume is checked against the trapezoid integral of the event's hydrograph worked by
hand (0–20 s rising to 5 m³/s, falling to 0 at 60 s: ½ · 60 s · 5 m³/s = 150 m³).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.hazards.flood  # noqa: F401  (registers "local_inertial_flood")
from engine import Scenario, ScenarioError, Simulation

NX, NY, DX = 24, 20, 5.0
BREACH_X, BREACH_Y = 12.0, 50.0  # cell (row 10, col 2)
HYDROGRAPH_VOLUME_M3 = 0.5 * 60.0 * 5.0


def chain_text(*, delay_s: float = 0.0, data: str | None = None, flood_keys: str = "") -> str:
    if data is None:
        data = "{ hydrograph_t_s = [0.0, 20.0, 60.0], hydrograph_q_m3_s = [0.0, 5.0, 0.0], peak_m3_s = 5.0 }"
    return f"""
[scenario]
name = "breach starts the flood"
duration_s = 150.0

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}

[output]
interval_s = 10.0

[[layers]]
name = "terrain_m"
file = "terrain.npy"
units = "m"

[[events]]
kind = "dam_breach"
at_s = 40.0
x_m = {BREACH_X}
y_m = {BREACH_Y}
data = {data}

[[chains]]
when = "dam_breach"
start = "outburst"
delay_s = {delay_s}

[[hazards]]
model = "local_inertial_flood"
name = "outburst"
manning_n = 0.035
open_boundaries = ["east"]
inflow_from_cause = true
{flood_keys}
"""


@pytest.fixture
def valley_floor(tmp_path):
    rng = np.random.default_rng(5)
    np.save(tmp_path / "terrain.npy", rng.uniform(0.0, 0.05, (NY, NX)) + 0.01 * (NX - np.arange(NX))[None, :])
    return tmp_path


def run(text: str, base_dir):
    return Simulation(Scenario.from_text(text, base_dir=base_dir), seed=1).run()


def test_a_breach_event_starts_the_flood_with_its_hydrograph(valley_floor):
    out = run(chain_text(), valley_floor)
    assert out.kpis["flood_inflow_volume_m3"].value == pytest.approx(HYDROGRAPH_VOLUME_M3, rel=1e-9)
    assert out.kpis["flood_mass_balance_rel_error"].value < 1e-6
    depth = out.series["water_depth_m"].data
    assert np.all(depth[out.times_s <= 40.0] == 0.0) and depth[out.times_s == 60.0].max() > 0.0
    arrival = out.maps["flood_arrival_time_s"].data
    row, col = int(BREACH_Y // DX), int(BREACH_X // DX)
    assert arrival[row, col] == np.nanmin(arrival) > 40.0  # the breach cell fills first
    breach = next(e for e in out.events if e.kind == "dam_breach")
    started = next(e for e in out.events if e.kind == "process_started" and e.source == "outburst")
    assert started.cause_id == breach.id and started.time_s == 40.0


def test_hydrograph_times_count_from_the_event_not_from_a_delayed_start(valley_floor):
    # Started 10 s after the breach, the flood misses the hydrograph's first 10 s: ½ · 10 · 2.5 m³.
    out = run(chain_text(delay_s=10.0), valley_floor)
    assert out.kpis["flood_inflow_volume_m3"].value == pytest.approx(HYDROGRAPH_VOLUME_M3 - 12.5, rel=1e-9)


def test_debris_on_the_bed_holds_the_water_back(tmp_path):
    # A 2 m lake against a deposit across the valley: 3 m of debris hold it at rest, 1 m does not.
    x = (np.arange(40) + 0.5) * DX
    np.save(tmp_path / "terrain.npy", np.zeros((4, 40)))
    np.save(tmp_path / "lake.npy", np.tile(np.where(x < 100.0, 2.0, 0.0), (4, 1)))
    text = f"""
[scenario]
name = "landslide dam"
duration_s = 60.0
[grid]
cell_size_m = {DX}
nx = 40
ny = 4
[[layers]]
name = "terrain_m"
file = "terrain.npy"
units = "m"
[[layers]]
name = "initial_depth_m"
file = "lake.npy"
units = "m"
[[layers]]
name = "landslide_debris_m"
file = "debris.npy"
units = "m"
[[hazards]]
model = "local_inertial_flood"
manning_n = 0.03
"""
    below = x > 110.0
    for thickness, held in ((3.0, True), (1.0, False)):
        np.save(tmp_path / "debris.npy", np.tile(np.where((x > 100.0) & (x < 110.0), thickness, 0.0), (4, 1)))
        out = run(text, tmp_path)
        downstream = out.maps["max_water_depth_m"].data[:, below].max()
        assert (downstream == 0.0) if held else (downstream > 0.3), (thickness, downstream)
        assert out.kpis["flood_mass_balance_rel_error"].value < 1e-6
    assert held is False  # both cases ran


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("{ peak_outflow_m3_s = 5.0 }", r"events\[0\]: its data lacks hydrograph_t_s and hydrograph_q_m3_s"),
        (
            "{ hydrograph_t_s = [0.0, 20.0], hydrograph_q_m3_s = [0.0, 5.0, 0.0] }",
            r"events\[0\]: .*same length",
        ),
        ("{ hydrograph_t_s = [0.0, 0.0], hydrograph_q_m3_s = [1.0, 5.0] }", r"events\[0\]: .*increase"),
    ],
)
def test_a_breach_event_without_a_usable_hydrograph_is_refused_before_the_run(valley_floor, data, match):
    with pytest.raises(ScenarioError, match=match) as err:
        Scenario.from_text(chain_text(data=data), base_dir=valley_floor)
    assert '"outburst"' in str(err.value)


def test_inflow_from_cause_needs_a_chain_rule(valley_floor):
    text = chain_text().replace('start = "outburst"', 'start = "nothing"')
    text = text.replace(
        "[[hazards]]", '[[hazards]]\nmodel = "local_inertial_flood"\nname = "nothing"\n\n[[hazards]]', 1
    )
    with pytest.raises(
        ScenarioError, match=r"hazards\[1\]\.inflow_from_cause: is true, so the flood must be started"
    ):
        Scenario.from_text(text, base_dir=valley_floor)


def test_an_event_from_another_process_without_a_hydrograph_stops_the_run_with_one_clear_error(valley_floor):
    # Events emitted at run time (by barrier_lake, say) cannot be checked beforehand.
    # the scenario's own breach comes too late to matter; the chain rule only hears barrier_lake
    text = (
        chain_text()
        .replace("at_s = 40.0", "at_s = 140.0")
        .replace("delay_s = 0.0", 'source = "barrier_lake"')
    )
    sim = Simulation(Scenario.from_text(text, base_dir=valley_floor), seed=1)
    sim.scheduler.schedule_event(
        "dam_breach", at_s=30.0, source="barrier_lake", cause_id=-1, x_m=BREACH_X, y_m=BREACH_Y, data={}
    )
    with pytest.raises(
        ScenarioError, match=r'process "outburst" .* event 0 "dam_breach" from "barrier_lake"'
    ):
        sim.run()
    sim = Simulation(Scenario.from_text(text, base_dir=valley_floor), seed=1)
    data = {"hydrograph_t_s": [0.0, 60.0], "hydrograph_q_m3_s": [5.0, 0.0]}
    sim.scheduler.schedule_event(
        "dam_breach", at_s=30.0, source="barrier_lake", cause_id=-1, x_m=math.nan, data=data
    )
    with pytest.raises(ScenarioError, match=r"point \(nan, nan\) is not inside the grid"):
        sim.run()


FACILITIES = """
[[facilities]]
name = "school"
kind = "school"
x_m = {x}
y_m = 50.0
"""


def test_arrival_at_a_facility_is_the_earliest_arrival_within_the_radius(valley_floor):
    keys = 'arrival_at = ["school"]\narrival_radius_m = 12.0'
    text = chain_text(flood_keys=keys) + FACILITIES.format(x=27.5)
    out = run(text, valley_floor)
    arrival = out.maps["flood_arrival_time_s"].data
    x = (np.arange(NX) + 0.5) * DX
    y = (np.arange(NY) + 0.5) * DX
    near = np.hypot(x[None, :] - 27.5, y[:, None] - 50.0) <= 12.0
    expected = np.nanmin(np.where(near, arrival, np.nan))
    assert math.isfinite(expected) and expected > 40.0
    assert out.kpis["flood_arrival_school_s"].value == expected
    # Beyond the water's reach the KPI is NaN ("never"), not an error.
    far = run(
        chain_text(flood_keys='arrival_at = ["school"]\narrival_radius_m = 0.0') + FACILITIES.format(x=117.5),
        valley_floor,
    )
    at_school = far.maps["flood_arrival_time_s"].data[10, 23]  # its own cell, NaN if never flooded
    np.testing.assert_equal(far.kpis["flood_arrival_school_s"].value, at_school)


def test_arrival_at_an_unknown_facility_names_the_key(valley_floor):
    with pytest.raises(ScenarioError, match=r"hazards\[0\]\.arrival_at\[0\]: no facility \"town\""):
        Scenario.from_text(chain_text(flood_keys='arrival_at = ["town"]'), base_dir=valley_floor)
