"""Explosions: Kinney & Graham spot values, a Kingery–Bulmash cross-check, TNO multi-energy fits."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from models.hazards.explosions import (
    TNO_DURATION_FITS,
    TNO_MIN_SCALED_DISTANCE,
    TNO_OVERPRESSURE_FITS,
    cloud_combustion_energy_J,
    kinney_graham_overpressure_ratio,
    kinney_graham_scaled_duration,
    kinney_graham_scaled_impulse,
    scaled_distance,
    tno_multi_energy,
    tno_scaled_duration,
    tno_scaled_overpressure,
    tnt_blast,
    tnt_equivalent_mass_kg,
    tnt_overpressure_pa,
    vessel_burst_energy_J,
)

P0 = 101325.0
STRENGTHS = range(1, 11)


# --- Kinney & Graham (1985) -----------------------------------------------------------------

# Spot values printed in /work/shared/reference/hazard-models.md (b), three significant figures.
KG_SPOT = [(1.0, 9.96), (2.0, 2.05), (5.0, 0.289), (10.0, 0.0986), (20.0, 0.0434)]


@pytest.mark.parametrize(("z", "ratio"), KG_SPOT)
def test_kinney_graham_reference_spot_values(z, ratio):
    assert float(kinney_graham_overpressure_ratio(z)) == pytest.approx(ratio, rel=0.003)


def test_kinney_graham_formulas_typed_by_hand():
    # KG85 eq. 6-2 and the impulse and duration fits, typed independently of the module.
    for z in (0.3, 0.9, 3.7, 12.0, 45.0):
        p = (
            808
            * (1 + (z / 4.5) ** 2)
            / math.sqrt(1 + (z / 0.048) ** 2)
            / math.sqrt(1 + (z / 0.32) ** 2)
            / math.sqrt(1 + (z / 1.35) ** 2)
        )
        i_bar_ms = 0.067 * math.sqrt(1 + (z / 0.23) ** 4) / (z**2 * (1 + (z / 1.55) ** 3) ** (1 / 3))
        t_ms = (
            980
            * (1 + (z / 0.54) ** 10)
            / ((1 + (z / 0.02) ** 3) * (1 + (z / 0.74) ** 6) * math.sqrt(1 + (z / 6.9) ** 2))
        )
        assert float(kinney_graham_overpressure_ratio(z)) == pytest.approx(p, rel=1e-12)
        assert float(kinney_graham_scaled_impulse(z)) == pytest.approx(i_bar_ms * 1e5 * 1e-3, rel=1e-12)
        assert float(kinney_graham_scaled_duration(z)) == pytest.approx(t_ms * 1e-3, rel=1e-12)


def test_kingery_bulmash_published_example_cross_check():
    # Independent correlation: Kingery–Bulmash as simplified by Swisdak (1994), hemispherical
    # surface burst of 10 000 kg TNT at 500 m, printed in the `kingery-bulmash` PyPI README:
    # incident pressure 5.0550 kPa, incident impulse 295.88 kPa·ms, positive phase 133.23 ms.
    # Kinney–Graham with 2W gives 4.81 kPa (−5 %), 289 Pa·s (−2 %) and 107 ms (−20 %).
    p, t, i = tnt_blast(500.0, 10000.0, ground_burst=True)
    assert float(p) == pytest.approx(5055.0, rel=0.10)
    assert float(i) == pytest.approx(295.88, rel=0.10)
    assert float(t) == pytest.approx(0.13323, rel=0.25)
    assert float(tnt_overpressure_pa(500.0, 10000.0)) == pytest.approx(float(p), rel=1e-12)


def test_ground_burst_is_twice_the_charge_in_free_air():
    r = np.array([20.0, 80.0, 400.0])
    ground = tnt_overpressure_pa(r, 300.0, ground_burst=True)
    free = tnt_overpressure_pa(r, 600.0, ground_burst=False)
    np.testing.assert_allclose(ground, free, rtol=1e-12)
    assert np.all(ground > tnt_overpressure_pa(r, 300.0, ground_burst=False))


def test_tnt_overpressure_scales_with_ambient_pressure_and_decreases_with_distance():
    r = np.geomspace(5.0, 5000.0, 50)
    p = tnt_overpressure_pa(r, 1000.0)
    assert np.all(np.diff(p) < 0.0)
    np.testing.assert_allclose(tnt_overpressure_pa(r, 1000.0, ambient_pressure_Pa=0.8 * P0), 0.8 * p)


def test_hopkinson_cranz_scaling():
    assert float(scaled_distance(100.0, 1000.0)) == pytest.approx(10.0)
    # Same Z, same overpressure; duration and impulse scale with W^(1/3).
    a = tnt_blast(50.0, 100.0)
    b = tnt_blast(100.0, 800.0)
    assert float(b.overpressure_Pa) == pytest.approx(float(a.overpressure_Pa), rel=1e-12)
    assert float(b.duration_s) == pytest.approx(2.0 * float(a.duration_s), rel=1e-12)
    assert float(b.impulse_Pa_s) == pytest.approx(2.0 * float(a.impulse_Pa_s), rel=1e-12)


def test_tnt_equivalence_worked_example():
    # Crowl & Louvar problem (butane cloud, windows broken 2 miles away), worked solution
    # published at wizedu.com/questions/214217: E_TNT = 4686 kJ/kg, η = 5 %, butane ΔHc =
    # 2657.5 kJ/mol and 58 g/mol; the chart gives ze = 32 m/kg^(1/3) at r = 3218.69 m, so
    # m_TNT = (r/ze)³ = 1.0176e6 kg, and the solution finds m = 2.08e6 kg of butane.
    m_tnt = (3218.69 / 32.0) ** 3
    w = tnt_equivalent_mass_kg(2.08e6, 2657.5e3 / 0.058, yield_factor=0.05, tnt_energy_J_kg=4686e3)
    assert float(w) == pytest.approx(m_tnt, rel=0.005)


def test_tnt_equivalence_defaults_and_validation():
    assert float(tnt_equivalent_mass_kg(1000.0, 46.35e6)) == pytest.approx(0.03 * 1000 * 46.35e6 / 4.68e6)
    np.testing.assert_allclose(tnt_equivalent_mass_kg([0.0, 2.0], 1e6, 0.5, 1e6), [0.0, 1.0])
    with pytest.raises(ValueError, match="yield_factor"):
        tnt_equivalent_mass_kg(1.0, 1e6, yield_factor=1.5)
    with pytest.raises(ValueError, match="fuel_mass_kg"):
        tnt_equivalent_mass_kg(-1.0, 1e6)
    with pytest.raises(ValueError, match="tnt_mass_kg"):
        tnt_overpressure_pa(10.0, 0.0)
    with pytest.raises(ValueError, match="distance_m"):
        tnt_overpressure_pa(0.0, 1.0)
    with pytest.raises(ValueError, match="z"):
        kinney_graham_overpressure_ratio([1.0, np.nan])


# --- TNO multi-energy: Johansson (2017, MSB B06-105) fits of the van den Berg (1985) charts ---

# Table 4.1 of Johansson (2017): the approximate peak overpressure of each strength class,
# which is the in-cloud plateau of the charts: P̄ = 0.01, 0.02, 0.05, 0.1, ... 5 (class 10: > 10).
PLATEAU = {1: 0.01, 2: 0.02, 3: 0.05, 4: 0.1, 5: 0.2, 6: 0.5, 7: 1.0, 8: 2.0, 9: 5.0}


@pytest.mark.parametrize(("strength", "p_bar"), PLATEAU.items())
def test_near_field_plateau_is_the_class_overpressure(strength, p_bar):
    assert float(tno_scaled_overpressure(0.2, strength)) == pytest.approx(p_bar, rel=0.01)
    assert float(tno_scaled_overpressure(0.0, strength)) == pytest.approx(p_bar, rel=0.01)


def test_class_10_exceeds_1000_kpa_at_the_charge():
    # Table 4.1: class 10 ">1000 kPa"; the charge edge of a hemispherical cloud is R̄ ≈ 0.24.
    assert float(tno_scaled_overpressure(0.24, 10)) * P0 > 1.0e6
    assert float(tno_scaled_overpressure(0.0, 10)) == float(
        tno_scaled_overpressure(TNO_MIN_SCALED_DISTANCE, 10)
    )


@pytest.mark.parametrize(
    ("strength", "r_bar", "p_bar"),
    [  # P̄ = a·R̄^b with (a, b) of Table 4.2, computed by hand
        (10, 0.5, 0.43 * 0.5**-2.35),
        (10, 2.0, 0.47 * 2.0**-1.46),
        (9, 1.0, 0.47),
        (7, 0.72, 0.48 / 0.72),
        (7, 10.0, 0.32 * 10.0**-1.13),
        (6, 1.5, 0.32 * 1.5**-1.01),
        (5, 4.0, 0.12 / 4.0),
        (4, 10.0, 0.064 * 10.0**-0.97),
        (3, 2.0, 0.031 * 2.0**-0.96),
        (1, 3.0, 0.007 * 3.0**-0.98),
    ],
)
def test_overpressure_fit_hand_values(strength, r_bar, p_bar):
    assert float(tno_scaled_overpressure(r_bar, strength)) == pytest.approx(p_bar, rel=1e-12)


@pytest.mark.parametrize(
    ("strength", "r_bar", "t_bar"),
    [  # t̄ = c·R̄^d with (c, d) of Table 4.3, computed by hand
        (10, 0.3, 0.13 * 0.3**-0.22),
        (10, 20.0, 0.35 * 20.0**0.11),
        (8, 1.0, 0.27),
        (7, 1.0, 0.30),
        (7, 5.0, 0.32 * 5.0**0.15),
        (7, 10.0, 0.29 * 10.0**0.19),  # footnote 1: 0.29·R̄^0.19 up to 10.49
        (6, 3.0, 0.38 * 3.0**0.07),
        (5, 2.0, 0.7),
        (1, 0.3, 3.83 * 0.3**-0.34),
        (1, 50.0, 4.85),
    ],
)
def test_duration_fit_hand_values(strength, r_bar, t_bar):
    assert float(tno_scaled_duration(r_bar, strength)) == pytest.approx(t_bar, rel=1e-12)


@pytest.mark.parametrize("fits", [TNO_OVERPRESSURE_FITS, TNO_DURATION_FITS], ids=["pressure", "duration"])
def test_published_segments_join_within_one_percent(fits):
    # The fits are rounded to two figures; adjacent segments meet within 2 % (largest gaps:
    # 1.5 % for class 9 pressure at R̄ = 0.20, 0.9 % for class 7 duration at R̄ = 9.40).
    for strength, segments in fits.items():
        for (a1, b1, edge), (a2, b2, _) in itertools.pairwise(segments):
            assert a2 * edge**b2 == pytest.approx(a1 * edge**b1, rel=0.02), (strength, edge)


R_GRID = np.geomspace(0.05, 200.0, 400)


@pytest.mark.parametrize("strength", STRENGTHS)
def test_overpressure_decreases_with_distance(strength):
    p = tno_scaled_overpressure(R_GRID, strength)
    assert np.all(np.diff(p) <= 1e-12)
    assert np.all(p > 0.0)


def test_overpressure_does_not_decrease_with_strength():
    # Up to the rounding of the fits: class 7 exceeds class 8 by 0.08 % just below R̄ = 0.96.
    for weak, strong in zip(range(1, 10), range(2, 11), strict=True):
        p_weak = tno_scaled_overpressure(R_GRID, weak)
        assert np.all(tno_scaled_overpressure(R_GRID, strong) >= p_weak * (1.0 - 0.002)), (weak, strong)
        assert np.any(tno_scaled_overpressure(R_GRID, strong) > 1.5 * p_weak)


def test_strong_classes_merge_far_away():
    # Johansson §5.1: classes 6–10 give the same overpressure beyond R̄ ≈ 2 and the same duration
    # beyond R̄ ≈ 10 (exactly: beyond the last class-specific segment, 2.35 and 10.49).
    far_p = np.geomspace(2.36, 100.0, 50)
    far_t = np.geomspace(10.5, 100.0, 50)
    for s in (6, 7, 8, 9):
        np.testing.assert_array_equal(tno_scaled_overpressure(far_p, s), tno_scaled_overpressure(far_p, 10))
        np.testing.assert_array_equal(tno_scaled_duration(far_t, s), tno_scaled_duration(far_t, 10))


@pytest.mark.parametrize("strength", [1, 2, 3, 4, 5])
def test_weak_blasts_decay_acoustically(strength):
    # Deflagrations 1–5 decay like sound waves, P̄ ∝ 1/R̄, with a constant duration.
    r = np.array([1.0, 2.0, 4.0, 8.0])
    p = tno_scaled_overpressure(r, strength)
    np.testing.assert_allclose(p[1:] / p[:-1], 0.5, rtol=0.03)
    np.testing.assert_allclose(tno_scaled_duration(r, strength), tno_scaled_duration(1.0, strength))


def test_independent_reading_of_the_charts_agrees_within_15_percent():
    # A second, independent power-law reading of the same charts for classes 1, 4, 5 and 6 in
    # public code (J. Currie 2021, Strathclyde MSc hydrogen-safety script; provenance of its
    # coefficients not stated, probably Díaz Alonso et al. 2006): P̄ = a·R̄^b beyond the plateau.
    other = {1: (6.4e-3, -0.97), 4: (6.44e-2, -0.99), 5: (0.117, -0.99), 6: (0.301, -1.11)}
    r = np.array([1.0, 2.0, 5.0, 10.0, 30.0])
    for strength, (a, b) in other.items():
        np.testing.assert_allclose(tno_scaled_overpressure(r, strength), a * r**b, rtol=0.15)


def test_class_10_approaches_tnt_of_the_same_energy_far_away():
    # Far from a detonating cloud the blast is that of TNT of the same energy: the class-10
    # curve agrees with Kinney–Graham free-air TNT with W = E / 4.68 MJ/kg within 10 % for
    # 2 <= R̄ <= 20 (it is 17 % weaker at R̄ = 50, and TNT is 2–5 times stronger near the charge).
    energy = 1.0e9
    w = energy / 4.68e6
    length = (energy / P0) ** (1.0 / 3.0)
    r_bar = np.geomspace(2.0, 20.0, 25)
    p_tno = tno_multi_energy(r_bar * length, energy, 10).overpressure_Pa
    p_tnt = tnt_overpressure_pa(r_bar * length, w, ground_burst=False)
    np.testing.assert_allclose(p_tno / p_tnt, 1.0, atol=0.10)


def test_energy_scaling_and_published_distances():
    # Johansson §5.1: R̄ = 2 lies at r = 20 m for E = 100 MJ and at r = 43 m for E = 1000 MJ.
    for energy, r in ((1e8, 20.0), (1e9, 43.0)):
        p = tno_multi_energy(r, energy, 7, ambient_pressure_Pa=101.3e3).overpressure_Pa
        assert float(p) == pytest.approx(float(tno_scaled_overpressure(2.0, 7)) * 101.3e3, rel=0.03)
    # Sachs scaling: E × k³ at R × k gives the same overpressure and k times the duration.
    a = tno_multi_energy(30.0, 2e8, 8)
    b = tno_multi_energy(60.0, 16e8, 8)
    assert float(b.overpressure_Pa) == pytest.approx(float(a.overpressure_Pa), rel=1e-12)
    assert float(b.duration_s) == pytest.approx(2.0 * float(a.duration_s), rel=1e-12)


def test_multi_energy_dimensional_values_and_triangular_impulse():
    energy, r = 3.5e9, np.array([40.0, 150.0, 900.0])
    length = (energy / P0) ** (1.0 / 3.0)
    p, t, i = tno_multi_energy(r, energy, 7)
    np.testing.assert_allclose(p, tno_scaled_overpressure(r / length, 7) * P0, rtol=1e-12)
    np.testing.assert_allclose(t, tno_scaled_duration(r / length, 7) * length / 340.3, rtol=1e-12)
    np.testing.assert_allclose(i, 0.5 * p * t, rtol=1e-12)
    assert p.shape == t.shape == i.shape == (3,)


def test_cloud_energy_and_vessel_burst():
    assert float(cloud_combustion_energy_J(1000.0)) == pytest.approx(3.5e9)
    assert float(cloud_combustion_energy_J(10.0, 3.1e6)) == pytest.approx(3.1e7)
    # Brode: (p1 − p0) V / (γ − 1), 20 bar absolute nitrogen in 5 m³.
    assert vessel_burst_energy_J(20e5, 5.0) == pytest.approx((20e5 - P0) * 5.0 / 0.4)
    with pytest.raises(ValueError, match="exceed"):
        vessel_burst_energy_J(0.5e5, 1.0)
    with pytest.raises(ValueError, match="gamma"):
        vessel_burst_energy_J(5e5, 1.0, gamma=1.0)


@pytest.mark.parametrize("bad", [0, 11, 7.5, True, "7"])
def test_strength_must_be_a_class(bad):
    with pytest.raises(ValueError, match="strength"):
        tno_multi_energy(10.0, 1e9, bad)


def test_multi_energy_validation():
    with pytest.raises(ValueError, match="energy_J"):
        tno_multi_energy(10.0, 0.0, 7)
    with pytest.raises(ValueError, match="distance_m"):
        tno_multi_energy(-1.0, 1e9, 7)
    assert np.all(np.isfinite(tno_multi_energy(0.0, 1e9, 10)))
