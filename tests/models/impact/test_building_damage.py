"""The building_damage process: inventory, sampled damage against the HAZUS sheet numbers, causes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.impact.building_damage  # noqa: F401  (registers "building_damage")
from engine import Scenario, ScenarioError, Simulation
from models.impact.building_damage import apportion_buildings, outcome_probabilities, sample_building_damage

NX, NY, DX = 5, 4, 100.0

# Sheet (hazard-models.md (d)) medians of W1 moderate code and β; spot value at 0.5 g.
W1_MODERATE_MEDIANS_G = (0.24, 0.43, 0.91, 1.34)
SHEET_SPOT_EXCEEDANCE = (0.874, 0.593, 0.175, 0.062)


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def sheet_state_probabilities(pga_g: float) -> list[float]:
    """P(none..complete) of W1 moderate code from the sheet's formula, written out independently."""
    exc = [_phi(math.log(pga_g / m) / 0.64) for m in W1_MODERATE_MEDIANS_G]
    return [1.0 - exc[0], exc[0] - exc[1], exc[1] - exc[2], exc[2] - exc[3], exc[3]]


def scenario_text(impact: str, *, chain: bool = True, population_layer: bool = True) -> str:
    chain_part = '[[chains]]\nwhen = "earthquake"\nstart = "building_damage"\n' if chain else ""
    pop_part = '[[layers]]\nname = "population"\nfile = "pop.npy"\nunits = "1"\n' if population_layer else ""
    return f"""
[scenario]
name = "building damage test"
duration_s = 60.0

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}

[[layers]]
name = "pga_g"
file = "pga.npy"
units = "g"

{pop_part}
[[events]]
kind = "earthquake"
at_s = 5.0
x_m = 250.0
y_m = 150.0

{chain_part}
[[impacts]]
model = "building_damage"
{impact}
"""


def run(tmp_path, impact: str, *, pga=0.5, pop=4.0, seed=1, **kw):
    np.save(tmp_path / "pga.npy", np.broadcast_to(np.asarray(pga, dtype=float), (NY, NX)).copy())
    np.save(tmp_path / "pop.npy", np.broadcast_to(np.asarray(pop, dtype=float), (NY, NX)).copy())
    sc = Scenario.from_text(scenario_text(impact, **kw), base_dir=tmp_path)
    return Simulation(sc, seed=seed).run()


BIG_DISTRICT = """
indoor_fraction = 1.0
districts = [{{ x_min_m = 0.0, x_max_m = {x}, y_min_m = 0.0, y_max_m = {y}, buildings = [
    {{ building_type = "W1", code_level = "moderate", count = {n}, collapse_fraction = 0.5 }} ] }}]
"""


def test_sheet_formula_oracle_reproduces_the_sheet_spot_value():
    p = sheet_state_probabilities(0.5)
    exc = [sum(p[i:]) for i in range(1, 5)]
    assert [round(e, 3) for e in exc] == list(SHEET_SPOT_EXCEEDANCE)


def test_damage_states_and_collapses_match_hazus_within_binomial_tolerance(tmp_path):
    n = 20_000
    out = run(tmp_path, BIG_DISTRICT.format(x=NX * DX, y=NY * DX, n=n), pop=n / (NX * NY))
    k = out.kpis
    p = sheet_state_probabilities(0.5)
    complete = k["buildings_complete"].value
    observed = [k["buildings_none"].value, k["buildings_slight"].value, k["buildings_moderate"].value]
    observed += [k["buildings_extensive"].value, complete]
    assert sum(observed) == n == k["buildings_total"].value
    for obs, pi in zip(observed, p, strict=True):
        assert abs(obs - n * pi) < 4.0 * math.sqrt(n * pi * (1 - pi)), (obs, n * pi)
    # Each building collapses independently with P(complete) × collapse_fraction.
    pc = p[4] * 0.5
    assert k["buildings_collapsed_expected"].value == pytest.approx(n * pc, rel=1e-9)
    assert abs(k["buildings_collapsed"].value - n * pc) < 4.0 * math.sqrt(n * pc * (1 - pc))


def test_deaths_and_trapped_match_hazus_rates(tmp_path):
    # One occupant per building on average, everyone indoors.
    n = 20_000
    out = run(tmp_path, BIG_DISTRICT.format(x=NX * DX, y=NY * DX, n=n), pop=n / (NX * NY))
    p = sheet_state_probabilities(0.5)
    # Sheet W1 rates (% of occupants, severity 1/2/3/4), complete split half/half by collapse_fraction 0.5.
    rate_death = p[3] * 0.001e-2 + p[4] * (0.5 * 0.01e-2 + 0.5 * 5e-2)
    rate_trapped = p[4] * 0.5 * (40 + 20 + 3) / 100
    k = out.kpis
    assert k["earthquake_deaths_expected"].value == pytest.approx(n * rate_death, rel=1e-9)
    assert k["earthquake_trapped_expected"].value == pytest.approx(n * rate_trapped, rel=1e-9)
    # People share buildings' states, so allow twice the binomial variance.
    for name, rate in (("earthquake_deaths", rate_death), ("earthquake_trapped", rate_trapped)):
        sigma = math.sqrt(2.0 * n * rate * (1 - rate))
        assert abs(k[name].value - n * rate) < 4.0 * sigma, (name, k[name].value, n * rate)
    assert out.maps["earthquake_deaths"].data.sum() == k["earthquake_deaths"].value


def test_fields_event_table_and_cause(tmp_path):
    impact = """
people_per_building = 3.0
mix = [{ building_type = "URML", code_level = "pre", share = 0.6 },
       { building_type = "W1", code_level = "low", share = 0.4 }]
"""
    out = run(tmp_path, impact, pga=np.linspace(0.2, 1.2, NX)[None, :] * np.ones((NY, 1)), pop=60.0)
    quake = next(e for e in out.events if e.kind == "earthquake")
    [collapsed] = [e for e in out.events if e.kind == "buildings_collapsed"]
    assert collapsed.cause_id == quake.id and collapsed.time_s == quake.time_s
    k = out.kpis
    assert collapsed.data["buildings_collapsed"] == k["buildings_collapsed"].value > 0
    assert collapsed.data["trapped"] == k["earthquake_trapped"].value
    # 60 people at 3 per building: 20 buildings per cell, 12 URML and 8 W1.
    assert k["buildings_total"].value == 20 * NX * NY
    frac = out.maps["building_collapse_fraction"].data
    assert frac.min() >= 0.0 and frac.max() <= 1.0
    assert frac.sum() * 20 == pytest.approx(k["buildings_collapsed"].value)
    assert frac[:, -1].sum() > frac[:, 0].sum()  # stronger shaking to the east
    mean_state = out.maps["mean_damage_state"].data
    assert (
        np.all((mean_state >= 0) & (mean_state <= 4)) and mean_state[:, -1].mean() > mean_state[:, 0].mean()
    )
    t = out.tables["trapped_people"].columns
    assert set(t) == {"x_m", "y_m", "people", "building_type"}
    assert t["people"].sum() == k["earthquake_trapped"].value and np.all(t["people"] > 0)
    assert set(t["building_type"]) <= {"URML", "W1"}
    assert np.all(np.isin(t["x_m"], (np.arange(NX) + 0.5) * DX))


def test_same_seed_same_damage_other_seed_other_damage(tmp_path):
    impact = 'people_per_building = 2.0\nmix = [{ building_type = "URML", code_level = "pre", share = 1.0 }]'
    a = run(tmp_path, impact, pga=0.6, pop=50.0, seed=3)
    b = run(tmp_path, impact, pga=0.6, pop=50.0, seed=3)
    c = run(tmp_path, impact, pga=0.6, pop=50.0, seed=4)
    np.testing.assert_array_equal(
        a.maps["building_collapse_fraction"].data, b.maps["building_collapse_fraction"].data
    )
    assert not np.array_equal(
        a.maps["building_collapse_fraction"].data, c.maps["building_collapse_fraction"].data
    )


def test_no_shaking_no_damage_no_event(tmp_path):
    out = run(
        tmp_path,
        'people_per_building = 2.0\nmix = [{ building_type = "W1", code_level = "pre", share = 1.0 }]',
        pga=0.0,
    )
    assert out.kpis["buildings_none"].value == out.kpis["buildings_total"].value
    assert (
        out.kpis["earthquake_deaths"].value == 0 and not out.tables["trapped_people"].columns["people"].size
    )
    assert not [e for e in out.events if e.kind == "buildings_collapsed"]


def test_sample_building_damage_limits():
    rng = np.random.default_rng(0)
    # Far beyond every median: all buildings complete; with collapse fraction 1 all collapse.
    b, c, trapped = sample_building_damage(
        np.array([50.0]), np.array([1000]), np.array([10_000]), "W1", "high", 1.0, rng
    )
    assert b.tolist() == [[0, 0, 0, 0, 0, 1000]]
    # Sheet complete-with-collapse rates for W1: 40 / 20 / 3 / 5 %, the rest unhurt.
    expected = np.array([0.40, 0.20, 0.03, 0.05, 0.32]) * 10_000
    assert np.all(np.abs(c[0] - expected) < 4.0 * np.sqrt(expected * (1 - expected / 10_000)))
    assert trapped[0] == c[0, :3].sum()
    b, c, trapped = sample_building_damage(
        np.array([0.0]), np.array([10]), np.array([30]), "URML", "low", 0.15, rng
    )
    assert (
        b.tolist() == [[10, 0, 0, 0, 0, 0]] and c.tolist() == [[0, 0, 0, 0, 30]] and trapped.tolist() == [0]
    )
    with pytest.raises(ValueError, match="without buildings"):
        sample_building_damage(np.array([0.1]), np.array([0]), np.array([3]), "W1", "low", 0.03, rng)


def test_apportion_and_outcomes():
    total = np.array([[0, 1, 7], [100, 33, 2]])
    counts = apportion_buildings(total, np.array([0.5, 0.3, 0.2]))
    np.testing.assert_array_equal(counts.sum(axis=0), total)
    assert counts[:, 1, 0].tolist() == [50, 30, 20]
    assert np.all(np.abs(counts - total * np.array([0.5, 0.3, 0.2])[:, None, None]) < 1.0)
    p = outcome_probabilities("URML")
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0].tolist() == [0, 0, 0, 0, 1] and p[5, :4].tolist() == [0.40, 0.20, 0.05, 0.10]


@pytest.mark.parametrize(
    ("impact", "match"),
    [
        (
            'people_per_building = 2.0\nmix = [{ building_type = "W9", code_level = "low", share = 1.0 }]',
            "W9",
        ),
        (
            'people_per_building = 2.0\nmix = [{ building_type = "URML", code_level = "high", share = 1.0 }]',
            "URML",
        ),
        (
            'people_per_building = 2.0\nmix = [{ building_type = "C1L", code_level = "low", share = 1.0 }]',
            "collapse",
        ),
        (
            'people_per_building = 2.0\nmix = [{ building_type = "W1", code_level = "low", share = 0.7 }]',
            "add up",
        ),
        ("people_per_building = 2.0", "together"),
        ("", "inventory"),
    ],
)
def test_bad_inventories_are_scenario_errors(tmp_path, impact, match):
    np.save(tmp_path / "pga.npy", np.zeros((NY, NX)))
    np.save(tmp_path / "pop.npy", np.zeros((NY, NX)))
    with pytest.raises(ScenarioError, match=match) as info:
        Scenario.from_text(scenario_text(impact), base_dir=tmp_path)
    assert "impacts[0]" in str(info.value)


def test_district_outside_grid_and_doubled_indoor_share(tmp_path):
    np.save(tmp_path / "pga.npy", np.zeros((NY, NX)))
    np.save(tmp_path / "pop.npy", np.zeros((NY, NX)))
    far = (
        BIG_DISTRICT.format(x=NX * DX, y=NY * DX, n=5)
        .replace("x_min_m = 0.0", "x_min_m = 9000.0")
        .replace(f"x_max_m = {NX * DX}", "x_max_m = 9500.0")
    )
    with pytest.raises(ScenarioError, match="outside the grid"):
        Scenario.from_text(scenario_text(far), base_dir=tmp_path)
    np.save(tmp_path / "inside.npy", np.ones((NY, NX)))
    text = scenario_text(BIG_DISTRICT.format(x=NX * DX, y=NY * DX, n=5))
    text += '\n[[layers]]\nname = "indoor_fraction"\nfile = "inside.npy"\nunits = "1"\n'
    with pytest.raises(ScenarioError, match="indoor_fraction"):
        Scenario.from_text(text, base_dir=tmp_path)
