"""Probit vulnerability: published LC50s, the standard probit table, unit conversions, AEGLs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from models.impact.probit import (
    ToxicProbit,
    mg_m3_to_ppm,
    ppm_to_mg_m3,
    probability_to_probit,
    probit_to_probability,
)
from models.substances import get_substance

WITHERS_LEES = ToxicProbit(
    a=-8.29, b=0.92, n=2.0, concentration_unit="ppm", time_unit="min", source="W&L 1985"
)


# --- Withers & Lees (1985) chlorine -------------------------------------------------------


@pytest.mark.parametrize(("c_ppm", "t_min"), [(433.0, 10.0), (250.0, 30.0)])
def test_withers_lees_published_lc50(c_ppm, t_min):
    load = WITHERS_LEES.load_for_constant(c_ppm, t_min)
    assert load == pytest.approx(c_ppm**2 * t_min)
    assert WITHERS_LEES.probability(load) == pytest.approx(0.50, abs=0.01)


@pytest.mark.parametrize(("t_min", "lc50_ppm"), [(10.0, 433.0), (30.0, 250.0)])
def test_withers_lees_lethal_concentration(t_min, lc50_ppm):
    assert WITHERS_LEES.lethal_concentration(0.5, t_min) == pytest.approx(lc50_ppm, rel=0.005)


def test_chlorine_default_probit_is_withers_lees():
    probit = get_substance("chlorine").lethality_probit()
    assert (probit.a, probit.b, probit.n, probit.concentration_unit) == (-8.29, 0.92, 2.0, "ppm")
    assert probit.lethal_concentration(0.5, 10.0) == pytest.approx(433.0, rel=0.005)


def test_lethal_concentration_round_trip_and_limits():
    c = WITHERS_LEES.lethal_concentration(np.array([0.0, 0.1, 0.9, 1.0]), 20.0)
    assert c[0] == 0.0 and math.isinf(c[3])
    p = WITHERS_LEES.probability(WITHERS_LEES.load_for_constant(c[1:3], 20.0))
    np.testing.assert_allclose(p, [0.1, 0.9], rtol=1e-10)
    with pytest.raises(ValueError):
        WITHERS_LEES.lethal_concentration(1.5, 10.0)
    with pytest.raises(ValueError):
        WITHERS_LEES.lethal_concentration(0.5, 0.0)


def test_probit_hand_computation():
    # Y = -8.29 + 0.92 ln(100^2 * 60) by hand
    expected = -8.29 + 0.92 * math.log(100.0**2 * 60.0)
    assert WITHERS_LEES.probit(600000.0) == pytest.approx(expected, rel=1e-14)


def test_load_units():
    assert WITHERS_LEES.load_units == "ppm^2 min"
    assert get_substance("chlorine").lethality_probit("tno_purple_book").load_units == ("mg/m3^2.75 min")


# --- probit <-> probability (standard probit table, Finney) -------------------------------


@pytest.mark.parametrize(
    ("y", "p"),
    [(5.0, 0.50), (6.28, 0.90), (3.72, 0.10), (2.67, 0.01), (7.33, 0.99), (4.16, 0.20)],
)
def test_probit_table(y, p):
    assert probit_to_probability(y) == pytest.approx(p, abs=0.001)
    assert probability_to_probit(p) == pytest.approx(y, abs=0.005)


def test_probit_to_probability_exact_centre_and_arrays():
    assert probit_to_probability(5.0) == 0.5
    out = probit_to_probability(np.array([-np.inf, 5.0, np.inf]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


def test_probability_to_probit_rejects_out_of_range():
    with pytest.raises(ValueError):
        probability_to_probit(-0.1)
    with pytest.raises(ValueError):
        probability_to_probit(np.array([0.5, np.nan]))


def test_zero_or_negative_load_gives_zero_probability_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            assert WITHERS_LEES.probability(0.0) == 0.0
            assert WITHERS_LEES.probit(0.0) == -math.inf
            p = WITHERS_LEES.probability(np.array([0.0, -3.0, 1.0e7]))
    assert p[0] == 0.0 and p[1] == 0.0 and 0.0 < p[2] < 1.0


# --- ToxicProbit validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"concentration_unit": "g/m3"},
        {"time_unit": "s"},
        {"b": 0.0},
        {"n": -1.0},
        {"a": math.nan},
    ],
)
def test_toxic_probit_validation(kwargs):
    base = {
        "a": -8.29,
        "b": 0.92,
        "n": 2.0,
        "concentration_unit": "ppm",
        "time_unit": "min",
        "source": "x",
    }
    base.update(kwargs)
    with pytest.raises(ValueError):
        ToxicProbit(**base)


# --- ppm <-> mg/m3 -----------------------------------------------------------------------


def test_chlorine_ppm_to_mg_m3_at_25_c():
    # Tables: 1 ppm Cl2 = 70.906 / 24.45 = 2.90 mg/m3 (24.45 L/mol at 25 °C, 1 atm).
    assert ppm_to_mg_m3(1.0, 70.906) == pytest.approx(70.906 / 24.45, rel=1e-3)
    assert round(ppm_to_mg_m3(1.0, 70.906), 2) == 2.90
    # Exact ideal gas by hand: V_m = R T / p.
    vm_l = 8.314462618 * 298.15 / 101325.0 * 1000.0
    assert ppm_to_mg_m3(1.0, 70.906) == pytest.approx(70.906 / vm_l, rel=1e-12)
    assert mg_m3_to_ppm(70.906 / vm_l, 70.906) == pytest.approx(1.0, rel=1e-12)


def test_ppm_conversion_other_conditions_and_arrays():
    # 0 °C, 1 atm: V_m = 22.414 L/mol
    assert ppm_to_mg_m3(100.0, 17.031, temperature_K=273.15) == pytest.approx(
        100.0 * 17.031 / 22.414, rel=1e-4
    )
    c = np.array([1.0, 10.0, 1000.0])
    np.testing.assert_allclose(mg_m3_to_ppm(ppm_to_mg_m3(c, 48.0), 48.0), c, rtol=1e-14)
    with pytest.raises(ValueError):
        ppm_to_mg_m3(1.0, 0.0)


def test_tno_and_withers_lees_chlorine_lc50_in_the_same_range():
    # Two independent fits should give 10-min LC50s within a factor 2 of each other.
    cl2 = get_substance("chlorine")
    tno = cl2.lethality_probit("tno_purple_book")
    lc50_tno_ppm = mg_m3_to_ppm(tno.lethal_concentration(0.5, 10.0), cl2.molar_mass_g_mol)
    assert 433.0 / 2 < lc50_tno_ppm < 433.0 * 2


# --- AEGL interpolation -------------------------------------------------------------------

DURATIONS_MIN = [10.0, 30.0, 60.0, 240.0, 480.0]
CHLORINE_AEGL = {
    1: [0.5, 0.5, 0.5, 0.5, 0.5],
    2: [2.8, 2.8, 2.0, 1.0, 0.71],
    3: [50.0, 28.0, 20.0, 10.0, 7.1],
}


@pytest.mark.parametrize("level", [1, 2, 3])
def test_aegl_returns_tabulated_values_at_tabulated_durations(level):
    cl2 = get_substance("chlorine")
    got = [cl2.aegl_ppm(level, t) for t in DURATIONS_MIN]
    assert got == CHLORINE_AEGL[level]


def test_ammonia_aegl_tabulated_and_interpolated():
    nh3 = get_substance("ammonia")
    assert nh3.aegl_ppm(3, 60.0) == 1100.0
    assert nh3.aegl_ppm(1, 100.0) == pytest.approx(30.0, rel=1e-12)


def test_aegl_log_log_interpolation_and_clamping():
    cl2 = get_substance("chlorine")
    # 20 min between (10, 50) and (30, 28), straight line in log-log space, by hand:
    w = math.log(20 / 10) / math.log(30 / 10)
    assert cl2.aegl_ppm(3, 20.0) == pytest.approx(math.exp((1 - w) * math.log(50) + w * math.log(28)))
    assert 28.0 < cl2.aegl_ppm(3, 20.0) < 50.0
    assert cl2.aegl_ppm(3, 1.0) == 50.0  # clamped below 10 min
    assert cl2.aegl_ppm(3, 1440.0) == 7.1  # clamped above 8 h
    with pytest.raises(ValueError):
        cl2.aegl_ppm(4, 60.0)
    with pytest.raises(ValueError):
        cl2.aegl_ppm(2, 0.0)
    with pytest.raises(ValueError):
        get_substance("propane").aegl_ppm(1, 60.0)
