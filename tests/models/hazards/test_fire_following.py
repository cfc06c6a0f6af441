"""Fire following earthquake: HAZUS ignition regression (Scawthorn 2009) by hand, Poisson counts, events."""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.impact.building_damage  # noqa: F401  (registers "building_damage")
from engine import Scenario, ScenarioError, Simulation
from models.hazards.fire_following import (
    FIRE_EVENT_KINDS,
    M2_PER_MSF,
    expected_ignitions,
    ignition_rate_per_msf,
    sample_fires,
)

NX, NY, DX = 5, 4, 100.0
QUAKE_S = 5.0

# Scawthorn (2009), abstract: Ign./TFA = 0.581895 PGA^2 - 0.029444 PGA (per million ft^2 of floor area),
# evaluated by hand at spot accelerations.
SPOT_RATES = [
    (0.2, 0.0232758 - 0.0058888),  # 0.581895 * 0.04 - 0.029444 * 0.2 = 0.017387
    (0.5, 0.14547375 - 0.014722),  # 0.581895 * 0.25 - 0.029444 * 0.5 = 0.13075175
    (1.0, 0.581895 - 0.029444),  # 0.552451
    (1.5, 1.30926375 - 0.044166),  # 0.581895 * 2.25 - 0.029444 * 1.5 = 1.26509775
]


@pytest.mark.parametrize(("pga", "rate"), SPOT_RATES)
def test_ignition_rate_equals_the_published_polynomial(pga, rate):
    assert float(ignition_rate_per_msf(pga)) == pytest.approx(rate, rel=1e-12)


def test_rate_is_zero_without_shaking_and_where_the_polynomial_is_negative():
    # The polynomial crosses zero at 0.029444 / 0.581895 = 0.05060 g.
    assert ignition_rate_per_msf(np.array([0.0, 0.03, 0.05, -0.2])).tolist() == [0.0] * 4
    assert float(ignition_rate_per_msf(0.051)) > 0.0


def test_floor_area_conversion_is_one_million_square_feet():
    assert M2_PER_MSF == pytest.approx(92_903.04, rel=1e-12)  # (0.3048 m)^2 * 1e6
    assert float(expected_ignitions(1.0, 2 * 92_903.04)) == pytest.approx(2 * 0.552451, rel=1e-12)


def test_mean_of_sampled_ignitions_over_many_seeds_matches_the_expectation():
    pga = np.array([0.0, 0.2, 0.5, 1.0])
    area = np.full(4, 3 * M2_PER_MSF)
    mu = expected_ignitions(pga, area)
    seeds = 3000
    totals = np.zeros(4)
    delays = []
    for seed in range(seeds):
        f = sample_fires(pga, area, np.random.default_rng(seed), delay_mean_s=1800.0)
        totals += f.counts
        delays.append(f.delay_s)
        assert np.all(np.bincount(f.cell, minlength=4) == f.counts)
        assert np.all(np.abs(f.dx) <= 0.5) and np.all(np.abs(f.dy) <= 0.5)
    assert totals[0] == 0
    # A sum of independent Poisson counts is Poisson: 4 sigma of seeds * mu.
    for k in range(1, 4):
        n_mu = seeds * mu[k]
        assert abs(totals[k] - n_mu) < 4.0 * math.sqrt(n_mu), (k, totals[k], n_mu)
    d = np.concatenate(delays)
    assert abs(d.mean() - 1800.0) < 4.0 * 1800.0 / math.sqrt(d.size)  # exponential: sd = mean


def scenario_text(
    *, chain: bool = True, quake: bool = True, collapse: bool = False, fire: str = "", duration_s=21600.0
) -> str:
    chain_part = '[[chains]]\nwhen = "earthquake"\nstart = "fire_following_earthquake"\n' if chain else ""
    quake_part = (
        f'[[events]]\nkind = "earthquake"\nat_s = {QUAKE_S}\nx_m = 250.0\ny_m = 150.0\n' if quake else ""
    )
    collapse_part = (
        '[[layers]]\nname = "building_collapse_fraction"\nfile = "collapse.npy"\nunits = "1"\n'
        if collapse
        else ""
    )
    return f"""
[scenario]
name = "fire following earthquake test"
duration_s = {duration_s}

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}

[[layers]]
name = "pga_g"
file = "pga.npy"
units = "g"

[[layers]]
name = "population"
file = "pop.npy"
units = "1"

{collapse_part}
{quake_part}
{chain_part}
[[hazards]]
model = "fire_following_earthquake"
{fire}
"""


def run(tmp_path, *, pga=1.0, pop=10_000.0, seed=1, collapse=None, **kw):
    np.save(tmp_path / "pga.npy", np.broadcast_to(np.asarray(pga, dtype=float), (NY, NX)).copy())
    np.save(tmp_path / "pop.npy", np.broadcast_to(np.asarray(pop, dtype=float), (NY, NX)).copy())
    if collapse is not None:
        np.save(tmp_path / "collapse.npy", np.full((NY, NX), float(collapse)))
    sc = Scenario.from_text(scenario_text(collapse=collapse is not None, **kw), base_dir=tmp_path)
    return Simulation(sc, seed=seed).run()


def test_chain_rule_starts_it_and_every_fire_carries_the_contract(tmp_path):
    out = run(tmp_path, collapse=0.5)
    [quake] = [e for e in out.events if e.kind == "earthquake"]
    started = [
        e for e in out.events if e.kind == "process_started" and e.source == "fire_following_earthquake"
    ]
    assert len(started) == 1 and started[0].cause_id == quake.id and started[0].time_s == quake.time_s
    fires = [e for e in out.events if e.kind == "building_fire"]
    assert "building_fire" in FIRE_EVENT_KINDS
    k = out.kpis
    assert len(fires) == k["fires_ignited"].value == out.maps["fire_ignitions"].data.sum() > 0
    # 10 000 people x 40 m2 = 4e5 m2 per cell at 1 g: 20 cells x 0.552451 x 4e5 / 92 903.04.
    mu = 20 * 0.552451 * 4.0e5 / 92_903.04
    assert k["fires_ignited_expected"].value == pytest.approx(mu, rel=1e-12)
    assert abs(len(fires) - mu) < 4.0 * math.sqrt(mu)
    counts = np.zeros((NY, NX))
    for e in fires:
        assert e.cause_id == quake.id and e.time_s > quake.time_s
        assert e.time_s == pytest.approx(quake.time_s + e.data["ignition_delay_s"], abs=1e-6)
        r, c = e.data["row"], e.data["col"]
        assert c * DX <= e.x_m <= (c + 1) * DX and r * DX <= e.y_m <= (r + 1) * DX
        counts[r, c] += 1
        # 500 m2 burning at 40 m2 per person: 12.5 -> 13 people; half of them trapped (collapse 0.5).
        assert e.data["people_at_risk"] == 13 and e.data["people_trapped"] == 7
        assert e.data["burn_duration_s"] == 3600.0 and e.data["floor_area_m2"] == 500.0
        assert e.data["pga_g"] == 1.0 and e.data["cell_floor_area_m2"] == 4.0e5
        assert e.data["collapse_fraction"] == 0.5
    np.testing.assert_array_equal(counts, out.maps["fire_ignitions"].data)
    assert k["fires_people_at_risk"].value == 13 * len(fires)


def test_no_shaking_no_fires(tmp_path):
    out = run(tmp_path, pga=0.0)
    assert not [e for e in out.events if e.kind == "building_fire"]
    assert out.kpis["fires_ignited"].value == 0 == out.kpis["fires_ignited_expected"].value
    assert not out.maps["fire_ignitions"].data.any()


def test_a_chain_rule_on_an_earthquake_that_cannot_happen_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="earthquake"):
        run(tmp_path, quake=False)


def test_keys_change_people_delay_and_without_collapse_field_nobody_is_trapped(tmp_path):
    fire = "floor_area_per_person_m2 = 50.0\nbuilding_floor_area_m2 = 200.0\nignition_delay_mean_s = 0.0\n"
    out = run(tmp_path, pop=3.0, pga=1.5, fire=fire)
    fires = [e for e in out.events if e.kind == "building_fire"]
    mu = 20 * 1.26509775 * 150.0 / 92_903.04
    assert out.kpis["fires_ignited_expected"].value == pytest.approx(mu, rel=1e-12)
    for e in fires:  # 200 / 50 = 4 people per burning building, but only 3 live in the cell
        assert e.data["people_at_risk"] == 3 and e.data["people_trapped"] == 0
        assert e.data["collapse_fraction"] is None and e.time_s == QUAKE_S


def test_same_seed_same_fires_other_seed_other_fires(tmp_path):
    def key(out):
        return [(e.time_s, e.x_m, e.y_m) for e in out.events if e.kind == "building_fire"]

    a, b, c = run(tmp_path, seed=7), run(tmp_path, seed=7), run(tmp_path, seed=8)
    assert key(a) == key(b) and key(a) != key(c)


def test_bad_keys_name_the_key(tmp_path):
    with pytest.raises(ScenarioError, match="ignition_delay_mean_s"):
        run(tmp_path, fire="ignition_delay_mean_s = -1.0")
    with pytest.raises(ScenarioError, match="floor_area_per_person"):
        run(tmp_path, fire="floor_area_per_person = 40.0")


DAMAGE = """
[[chains]]
when = "earthquake"
start = "building_damage"

[[impacts]]
model = "building_damage"
people_per_building = 3.0
mix = [{ building_type = "URML", code_level = "pre", share = 1.0 }]
"""


@pytest.mark.parametrize("damage_first", [True, False])
def test_collapse_written_by_building_damage_is_read_when_its_rule_comes_first(tmp_path, damage_first):
    np.save(tmp_path / "pga.npy", np.full((NY, NX), 1.0))
    np.save(tmp_path / "pop.npy", np.full((NY, NX), 10_000.0))
    text = scenario_text()
    text = text.replace("[[chains]]", DAMAGE + "\n[[chains]]", 1) if damage_first else text + DAMAGE
    out = Simulation(Scenario.from_text(text, base_dir=tmp_path), seed=2).run()
    frac = out.maps["building_collapse_fraction"].data
    assert frac.max() > 0
    fires = [e for e in out.events if e.kind == "building_fire"]
    assert fires
    for e in fires:
        if damage_first:
            f = frac[e.data["row"], e.data["col"]]
            assert e.data["collapse_fraction"] == f
            assert e.data["people_trapped"] == math.floor(13 * f + 0.5)
        else:
            assert e.data["collapse_fraction"] is None and e.data["people_trapped"] == 0
