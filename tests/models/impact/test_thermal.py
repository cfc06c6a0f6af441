"""Thermal vulnerability: probit constants, hand-computed doses at 1/50/99 %, Purple Book rules.

The probit constants are checked against the values coded in Sandia HyRAM+
(``qra/probits.py``), typed in here by hand; every other expected number is a hand computation
of the published formulas (stated next to each test), so a wrong unit (kW/m² for W/m²), a wrong
exponent or a wrong constant makes a test fail.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from models.impact.probit import probit_to_probability
from models.impact.thermal import (
    BUILDING_IGNITION_FLUX_W_M2,
    PURPLE_BOOK_CLOTHING_FACTOR,
    THERMAL_PROBITS,
    indoor_thermal_lethality,
    purple_book_thermal_lethality,
    thermal_dose,
    thermal_dose_for_probability,
    thermal_lethality,
    thermal_probit,
)

# Sandia HyRAM+ qra/probits.py [seen]: Y = a + b ln(f * t * I^(4/3)), I in W/m², t in s.
HYRAM = {
    "eisenberg": (-38.48, 2.56, 1.0),
    "tsao_perry": (-36.38, 2.56, 1.0),
    "tno": (-37.23, 2.56, 1.0),
    "lees": (-29.02, 1.99, 0.5),
}


@pytest.mark.parametrize("key", sorted(HYRAM))
def test_probit_table_matches_hyram(key):
    p = THERMAL_PROBITS[key]
    assert (p.a, p.b, p.dose_factor) == HYRAM[key]
    assert p.source


def test_thermal_dose_units_w_m2_and_seconds():
    # 10 kW/m² = 1e4 W/m² for 30 s: D = 30 * (1e4)^(4/3) = 30 * 215443.469 = 6.4633e6 (W/m²)^(4/3) s
    assert thermal_dose(1.0e4, 30.0) == pytest.approx(30.0 * 215443.469, rel=1e-8)
    # 646 thermal dose units (kW/m²)^(4/3) s
    assert thermal_dose(1.0e4, 30.0) / 1e4 == pytest.approx(646.33, abs=0.01)
    # a dose is additive in time at constant flux
    assert thermal_dose(2.0e4, 12.0) + thermal_dose(2.0e4, 8.0) == pytest.approx(thermal_dose(2.0e4, 20.0))
    d = thermal_dose(np.array([0.0, 5e3, 1e4]), np.array([10.0, 10.0, 0.0]))
    assert d[0] == 0.0 and d[2] == 0.0 and d[1] == pytest.approx(10.0 * 5e3 ** (4 / 3))


def test_eisenberg_probit_hand_computation():
    # Y = -38.48 + 2.56 ln(30 * 1e4^(4/3)) = -38.48 + 2.56 * 15.6816 = 1.6650
    expected = -38.48 + 2.56 * math.log(30.0 * 1e4 ** (4 / 3))
    assert thermal_probit(1.0e4, 30.0) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(1.665, abs=1e-3)


def test_eisenberg_alternative_form_is_the_same_equation():
    # Often printed as Y = -14.9 + 2.56 ln(t I^(4/3) / 1e4) (I in W/m²): -14.9 - 2.56 ln 1e4 = -38.478
    for flux, t in [(5e3, 60.0), (2e4, 20.0), (4e4, 5.0)]:
        alt = -14.9 + 2.56 * math.log(t * flux ** (4 / 3) / 1e4)
        assert thermal_probit(flux, t) == pytest.approx(alt, abs=0.01)


def test_eisenberg_50_percent_dose_by_hand():
    # Y = 5 -> ln D = (5 + 38.48) / 2.56 = 16.984375 -> D = 2.378e7 (W/m²)^(4/3) s = 2378 TDU.
    d50 = math.exp((5.0 + 38.48) / 2.56)
    assert d50 == pytest.approx(2.378e7, rel=1e-3)
    assert thermal_dose_for_probability(0.5) == pytest.approx(d50, rel=1e-12)
    # A constant flux that delivers it in 30 s: I = (D/t)^(3/4)
    flux = (d50 / 30.0) ** 0.75
    assert thermal_lethality(flux, 30.0) == pytest.approx(0.5, abs=1e-9)
    assert flux / 1000.0 == pytest.approx(26.57, abs=0.01)  # kW/m²: (2.378e7/30)^0.75 / 1000


@pytest.mark.parametrize(("y", "p"), [(2.67, 0.01), (7.33, 0.99)])
def test_eisenberg_1_and_99_percent_from_probit_table(y, p):
    # Finney's probit table: 1 % <-> 2.67, 99 % <-> 7.33. Dose by hand: exp((Y + 38.48) / 2.56).
    dose = math.exp((y + 38.48) / 2.56)
    flux = (dose / 20.0) ** 0.75  # delivered in 20 s
    assert thermal_lethality(flux, 20.0) == pytest.approx(p, abs=0.0015)
    assert thermal_dose_for_probability(p) == pytest.approx(dose, rel=0.005)


def test_dose_tdu_values_by_hand():
    # Eisenberg doses for 1 / 50 / 99 % in (kW/m²)^(4/3) s, from Y = 5 + z_p (z = ∓2.3263):
    # exp((2.6737 + 38.48)/2.56)/1e4 = exp(16.0757)/1e4 = 958.4;
    # exp((7.3263 + 38.48)/2.56)/1e4 = exp(17.8931)/1e4 = 5900.
    tdu = np.asarray(thermal_dose_for_probability(np.array([0.01, 0.5, 0.99]))) / 1e4
    np.testing.assert_allclose(tdu, [958.4, 2378.0, 5900.3], rtol=2e-4)


def test_hse_dangerous_dose_is_about_one_percent():
    # HSE's "dangerous dose" of about 1000 TDU is meant as roughly 1 % lethality [recalled].
    p = thermal_lethality((1.0e7 / 30.0) ** 0.75, 30.0)
    assert 0.005 < p < 0.03


def test_other_probits_hand_computation_and_order():
    flux, t = 1.5e4, 30.0
    dose = t * flux ** (4 / 3)
    assert thermal_probit(flux, t, "tsao_perry") == pytest.approx(-36.38 + 2.56 * math.log(dose))
    assert thermal_probit(flux, t, "tno") == pytest.approx(-37.23 + 2.56 * math.log(dose))
    assert thermal_probit(flux, t, "lees") == pytest.approx(-29.02 + 1.99 * math.log(0.5 * dose))
    # Same slope, larger constant -> more lethal: Tsao & Perry > TNO > Eisenberg
    p = [thermal_lethality(flux, t, k) for k in ("tsao_perry", "tno", "eisenberg")]
    assert p[0] > p[1] > p[2]
    assert thermal_lethality(flux, t, "Eisenberg") == p[2]  # case-insensitive key


def test_lethality_increases_with_flux_and_time():
    flux = np.linspace(1e3, 6e4, 50)
    p = thermal_lethality(flux, 30.0)
    assert np.all(np.diff(p) > 0.0) and 0.0 < p[0] < 1e-6 and p[-1] > 0.99
    assert thermal_lethality(2e4, 60.0) > thermal_lethality(2e4, 30.0)


def test_zero_flux_or_time_gives_zero_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            assert thermal_lethality(0.0, 60.0) == 0.0
            assert thermal_lethality(3e4, 0.0) == 0.0
            assert thermal_probit(0.0, 10.0) == -math.inf
            p = thermal_lethality(np.array([0.0, 1e4, 5e4]), 20.0)
    assert p[0] == 0.0 and 0.0 < p[1] < p[2] < 1.0


@pytest.mark.parametrize(
    ("flux", "t", "probit"),
    [(-1.0, 10.0, "eisenberg"), (1e4, -1.0, "eisenberg"), (math.nan, 10.0, "eisenberg"), (1e4, 10.0, "x")],
)
def test_validation(flux, t, probit):
    with pytest.raises(ValueError):
        thermal_lethality(flux, t, probit)


def test_indoor_protection_purple_book_threshold():
    assert BUILDING_IGNITION_FLUX_W_M2 == 35_000.0
    out = indoor_thermal_lethality(np.array([0.0, 20_000.0, 34_999.0, 35_000.0, 80_000.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 1.0, 1.0])
    assert indoor_thermal_lethality(20_000.0, ignition_flux_W_m2=10_000.0) == 1.0


def test_purple_book_rules():
    assert PURPLE_BOOK_CLOTHING_FACTOR == 0.14
    # Outdoors below 35 kW/m²: 0.14 * Phi(-36.38 + 2.56 ln(t I^(4/3)) - 5), by hand.
    flux, t = 20_000.0, 20.0
    y = -36.38 + 2.56 * math.log(t * flux ** (4 / 3))
    expected = 0.14 * probit_to_probability(y)
    assert purple_book_thermal_lethality(flux, t, indoors=False) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.0752, abs=1e-4)
    # 35 kW/m² or more: everyone, indoors or out; indoors below: nobody
    assert purple_book_thermal_lethality(35_000.0, 1.0, indoors=False) == 1.0
    assert purple_book_thermal_lethality(35_000.0, 1.0, indoors=True) == 1.0
    assert purple_book_thermal_lethality(30_000.0, 600.0, indoors=True) == 0.0
    mixed = purple_book_thermal_lethality(np.array([2e4, 2e4]), 20.0, indoors=np.array([False, True]))
    np.testing.assert_allclose(mixed, [expected, 0.0])
