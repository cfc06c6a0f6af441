"""Natech: HAZUS tank fragility against its published medians, flood physics against hand formulas.

HAZUS 2.1 (p. 394) on-ground steel tanks, median PGA (g) / β per damage state slight, moderate,
extensive, complete: anchored 0.30/0.60, 0.70/0.60, 1.25/0.65, 1.60/0.60; unanchored 0.15/0.70,
0.35/0.75, 0.68/0.75, 0.95/0.70 (as tabulated in public HAZUS-based model code).
Flood: buoyancy ρ_w g π D²/4 h against the weight (m_t + φ V ρ_l) g; drag ½ ρ_w C_d D h v² against
the friction μ (W − B).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.chains.natech import (
    GRAVITY_M_S2,
    critical_flotation_depth_m,
    tank_flood_failure,
    tank_flood_failure_probability,
    tank_seismic_damage_probabilities,
    tank_seismic_release_probability,
    tank_seismic_state_probabilities,
)

HAZUS = {
    True: [(0.30, 0.60), (0.70, 0.60), (1.25, 0.65), (1.60, 0.60)],
    False: [(0.15, 0.70), (0.35, 0.75), (0.68, 0.75), (0.95, 0.70)],
}
STATES = ["slight", "moderate", "extensive", "complete"]


def phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


# --- earthquake -------------------------------------------------------------------------------


@pytest.mark.parametrize("anchored", [True, False])
@pytest.mark.parametrize("k", range(4))
def test_fragility_medians_give_fifty_percent(anchored, k):
    median, _ = HAZUS[anchored][k]
    assert tank_seismic_damage_probabilities(median, anchored)[k] == pytest.approx(0.5, abs=1e-12)
    assert tank_seismic_release_probability(median, anchored, release_state=STATES[k]) == pytest.approx(0.5)


@pytest.mark.parametrize("anchored", [True, False])
@pytest.mark.parametrize("pga", [0.05, 0.2, 0.5, 1.0, 2.0])
def test_fragility_matches_lognormal_hand(anchored, pga):
    expected = [phi(math.log(pga / m) / b) for m, b in HAZUS[anchored]]
    np.testing.assert_allclose(tank_seismic_damage_probabilities(pga, anchored), expected, rtol=1e-12)


def test_state_probabilities_sum_to_one_and_are_ordered():
    pga = np.array([0.0, 0.1, 0.4, 0.9, 3.0])
    for anchored in (True, False):
        exceed = tank_seismic_damage_probabilities(pga, anchored)
        assert exceed.shape == (5, 4)
        assert (np.diff(exceed, axis=-1) <= 0.0).all()
        states = tank_seismic_state_probabilities(pga, anchored)
        assert (states >= 0.0).all()
        np.testing.assert_allclose(states.sum(axis=-1), 1.0, rtol=1e-12)
        assert states[0, 0] == 1.0  # no shaking, no damage
    # anchoring makes a tank stronger at every intensity
    assert (
        tank_seismic_damage_probabilities(pga[1:], True) < tank_seismic_damage_probabilities(pga[1:], False)
    ).all()


def test_release_probability_defaults_and_empty_tank():
    # default release state is "extensive" (partial loss of contents): unanchored median 0.68 g
    assert tank_seismic_release_probability(0.68, anchored=False) == pytest.approx(0.5)
    p = tank_seismic_release_probability(0.68, anchored=False, fill_fraction=[0.0, 0.3, 1.0])
    np.testing.assert_allclose(p, [0.0, 0.5, 0.5])
    with pytest.raises(ValueError, match="fill_fraction"):
        tank_seismic_release_probability(0.5, True, fill_fraction=1.2)
    with pytest.raises(ValueError, match="release_state"):
        tank_seismic_release_probability(0.5, True, release_state="collapse")
    with pytest.raises(ValueError, match="pga_g"):
        tank_seismic_damage_probabilities(-0.1, True)


# --- flood ------------------------------------------------------------------------------------

TANK = {"diameter_m": 12.0, "height_m": 9.0, "empty_mass_kg": 45e3, "liquid_density_kg_m3": 850.0}


def hand_weight_and_buoyancy(depth, fill, rho_w=1000.0):
    area = math.pi * TANK["diameter_m"] ** 2 / 4.0
    weight = (
        TANK["empty_mass_kg"] + fill * area * TANK["height_m"] * TANK["liquid_density_kg_m3"]
    ) * GRAVITY_M_S2
    buoyancy = rho_w * GRAVITY_M_S2 * area * min(depth, TANK["height_m"])
    return weight, buoyancy


@pytest.mark.parametrize("fill", [0.0, 0.1, 0.3, 0.6])
@pytest.mark.parametrize("rho_w", [1000.0, 1150.0])
def test_critical_flotation_depth_equals_buoyancy_formula(fill, rho_w):
    area = math.pi * TANK["diameter_m"] ** 2 / 4.0
    liquid = fill * area * TANK["height_m"] * TANK["liquid_density_kg_m3"]
    expected = (TANK["empty_mass_kg"] + liquid) / (rho_w * area)
    h_cr = critical_flotation_depth_m(**TANK, fill_fraction=fill, water_density_kg_m3=rho_w)
    assert h_cr == pytest.approx(expected, rel=1e-12)
    floats, _ = tank_flood_failure(
        [h_cr * 0.99, h_cr * 1.01], 0.0, **TANK, fill_fraction=fill, water_density_kg_m3=rho_w
    )
    assert floats.tolist() == [False, True]


def test_heavy_tank_never_floats():
    # full of a liquid denser than water: h_cr > H, even a submerged tank stays down
    h_cr = critical_flotation_depth_m(**{**TANK, "liquid_density_kg_m3": 1200.0}, fill_fraction=1.0)
    assert h_cr == math.inf
    floats, _ = tank_flood_failure(20.0, 0.0, **{**TANK, "liquid_density_kg_m3": 1200.0}, fill_fraction=1.0)
    assert floats is False


@pytest.mark.parametrize(
    ("depth", "fill", "mu", "cd"), [(1.0, 0.5, 0.5, 1.0), (2.5, 0.4, 0.3, 0.8), (0.5, 0.9, 0.6, 1.2)]
)
def test_sliding_threshold_equals_force_balance(depth, fill, mu, cd):
    weight, buoyancy = hand_weight_and_buoyancy(depth, fill)
    assert weight > buoyancy
    # ½ ρ_w C_d D h v² = μ (W − B) solved for v
    v_crit = math.sqrt(2.0 * mu * (weight - buoyancy) / (1000.0 * cd * TANK["diameter_m"] * depth))
    floats, slides = tank_flood_failure(
        depth,
        [0.99 * v_crit, 1.01 * v_crit],
        **TANK,
        fill_fraction=fill,
        friction_coefficient=mu,
        drag_coefficient=cd,
    )
    assert slides.tolist() == [False, True]
    assert not floats.any()


def test_anchored_tank_neither_floats_nor_slides():
    floats, slides = tank_flood_failure([0.5, 5.0], 3.0, **TANK, fill_fraction=0.0, anchored=True)
    assert not floats.any() and not slides.any()
    assert tank_flood_failure_probability(5.0, 3.0, **TANK, anchored=True) == 0.0


def test_probability_is_fraction_of_uniform_fills_that_fail():
    area = math.pi * TANK["diameter_m"] ** 2 / 4.0
    capacity = area * TANK["height_m"] * TANK["liquid_density_kg_m3"]
    # still water: floats when φ < (ρ_w A h − m_t) / (V ρ_l); pick h so that the critical fill is 0.5
    depth = (TANK["empty_mass_kg"] + 0.5 * capacity) / (1000.0 * area)
    assert tank_flood_failure_probability(depth, 0.0, **TANK) == pytest.approx(0.5, rel=1e-12)
    assert tank_flood_failure_probability(depth, 0.0, **TANK, fill_range=(0.2, 0.6)) == pytest.approx(0.75)
    assert tank_flood_failure_probability(depth, 0.0, **TANK, fill_range=(0.6, 1.0)) == 0.0
    assert tank_flood_failure_probability(0.0, 2.0, **TANK) == 0.0
    # moving water: compare with the deterministic model on a fine grid of fills
    fills = (np.arange(20_000) + 0.5) / 20_000
    for d, v in [(1.0, 1.5), (2.0, 3.0), (3.5, 0.5)]:
        floats, slides = tank_flood_failure(d, v, **TANK, fill_fraction=fills)
        p = tank_flood_failure_probability(d, v, **TANK)
        assert p == pytest.approx(np.mean(floats | slides), abs=1e-4)


def test_flood_vectorised_and_validated():
    floats, slides = tank_flood_failure(
        np.array([[0.5], [4.0]]), np.array([0.0, 2.0, 4.0]), **TANK, fill_fraction=0.1
    )
    assert floats.shape == slides.shape == (2, 3)
    p = tank_flood_failure_probability(np.array([0.5, 4.0]), 1.0, **TANK)
    assert p.shape == (2,) and p[0] < p[1]
    with pytest.raises(ValueError, match="fill"):
        tank_flood_failure(1.0, 0.0, **TANK, fill_fraction=-0.1)
    with pytest.raises(ValueError, match="depth_m"):
        tank_flood_failure(-1.0, 0.0, **TANK, fill_fraction=0.1)
    with pytest.raises(ValueError, match="friction_coefficient"):
        tank_flood_failure(1.0, 0.0, **TANK, fill_fraction=0.1, friction_coefficient=0.0)
    with pytest.raises(ValueError, match="fill_range"):
        tank_flood_failure_probability(1.0, 0.0, **TANK, fill_range=(0.5, 0.5))
