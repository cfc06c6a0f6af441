"""Blast vulnerability: probits against hand computation, 50 % points, the indoor rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from models.impact.blast import (
    BLAST_PROBITS,
    blast_probit,
    indoor_overpressure_lethality,
    overpressure_lethality,
)


def phi(y: float) -> float:
    return float(norm.cdf(y - 5.0))


# --- hand computation of the probits (HyRAM+ probits.py forms, P in Pa, i in Pa·s) ------------


@pytest.mark.parametrize("p", [1.2e5, 1.6e5, 2.5e5])
def test_eisenberg_lung_hand_computation(p):
    y = -77.1 + 6.91 * math.log(p)
    assert float(blast_probit(p)) == pytest.approx(y, rel=1e-12)
    assert overpressure_lethality(p) == pytest.approx(phi(y), rel=1e-12)


def test_eisenberg_lung_50_1_and_99_percent_points():
    # Y = 5 at P = exp(82.1/6.91) = 144.5 kPa; 1 % at Y = 2.674 (103 kPa), 99 % at Y = 7.326 (202 kPa).
    assert math.exp(82.1 / 6.91) == pytest.approx(144.54e3, rel=1e-4)
    assert overpressure_lethality(144.54e3) == pytest.approx(0.5, abs=1e-4)
    assert overpressure_lethality(math.exp((77.1 + 5.0 - 2.3263) / 6.91)) == pytest.approx(0.01, abs=1e-4)
    assert overpressure_lethality(math.exp((77.1 + 5.0 + 2.3263) / 6.91)) == pytest.approx(0.99, abs=1e-4)


def test_hse_lung_hand_computation_and_50_percent_point():
    p = 1.3e5
    assert overpressure_lethality(p, model="hse_lung") == pytest.approx(phi(5.13 + 1.37 * math.log(1.3)))
    p50 = 1e5 * math.exp(-0.13 / 1.37)  # 90.95 kPa
    assert p50 == pytest.approx(90.95e3, rel=1e-4)
    assert overpressure_lethality(p50, model="hse_lung") == pytest.approx(0.5, abs=1e-9)


def test_tno_head_impact_hand_computation_and_50_percent_curve():
    p, i = 8.0e4, 3000.0
    y = 5.0 - 8.49 * math.log(2430.0 / p + 4.0e8 / (p * i))
    assert overpressure_lethality(p, i, model="tno_head_impact") == pytest.approx(phi(y), rel=1e-12)
    # Y = 5 where 2430/P + 4e8/(P·i) = 1, i.e. i = 4e8 / (P − 2430).
    for p50 in (5e4, 1e5, 3e5):
        i50 = 4.0e8 / (p50 - 2430.0)
        assert overpressure_lethality(p50, i50, model="tno_head_impact") == pytest.approx(0.5, abs=1e-9)


def test_tno_structural_collapse_hand_computation_and_50_percent_point():
    p, i = 3.0e4, 800.0
    y = 5.0 - 0.22 * math.log((40000.0 / p) ** 7.4 + (460.0 / i) ** 11.3)
    assert overpressure_lethality(p, i, model="tno_structural_collapse") == pytest.approx(phi(y), rel=1e-12)
    # Y = 5 where the two terms add to 1: each 0.5 at P = 40 kPa·2^(1/7.4), i = 460 Pa·s·2^(1/11.3).
    p50, i50 = 40000.0 * 2.0 ** (1 / 7.4), 460.0 * 2.0 ** (1 / 11.3)
    assert overpressure_lethality(p50, i50, model="tno_structural_collapse") == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize("model", list(BLAST_PROBITS))
def test_probability_increases_with_overpressure_and_vanishes_without_blast(model):
    p = np.geomspace(1e3, 1e6, 60)
    i = np.full_like(p, 2000.0)
    prob = overpressure_lethality(p, i, model=model)
    assert np.all(np.diff(prob) >= 0.0)
    assert prob[-1] > 0.9
    assert overpressure_lethality(0.0, 2000.0, model=model) == 0.0


def test_impulse_models_need_impulse_and_broadcast():
    with pytest.raises(ValueError, match="needs impulse"):
        overpressure_lethality(1e5, model="tno_head_impact")
    out = overpressure_lethality(
        np.array([[5e4], [1e5]]), np.array([1000.0, 4000.0]), model="tno_head_impact"
    )
    assert out.shape == (2, 2)
    assert out[1, 1] > out[0, 0]
    assert overpressure_lethality(1e5, 0.0, model="tno_structural_collapse") == 0.0


def test_probit_validation():
    with pytest.raises(ValueError, match="unknown blast probit"):
        overpressure_lethality(1e5, model="eisenberg")
    with pytest.raises(ValueError, match="p_pa"):
        overpressure_lethality(-1.0)
    with pytest.raises(ValueError, match="impulse_Pa_s"):
        overpressure_lethality(1e5, np.nan, model="tno_head_impact")


def test_probit_table_documents_each_model():
    for key, probit in BLAST_PROBITS.items():
        assert probit.key == key
        assert probit.source and probit.form.startswith("Y =")
    assert not BLAST_PROBITS["eisenberg_lung"].needs_impulse
    assert BLAST_PROBITS["tno_structural_collapse"].outcome == "building collapse"


# --- Purple Book indoor rule [recalled]: 1.0 from 0.3 bar, 0.025 from 0.1 bar, else 0 ---------


def test_indoor_rule_steps():
    p = np.array([0.0, 9.99e3, 1.0e4, 2.0e4, 2.999e4, 3.0e4, 2.0e5])
    np.testing.assert_array_equal(indoor_overpressure_lethality(p), [0, 0, 0.025, 0.025, 0.025, 1.0, 1.0])
    assert indoor_overpressure_lethality(3.0e4) == 1.0
    with pytest.raises(ValueError, match="p_pa"):
        indoor_overpressure_lethality(-5.0)


def test_indoors_is_worse_than_outdoors_at_moderate_overpressure():
    # At 0.35 bar the lung probits give (almost) nobody outdoors, while the building kills indoors:
    # the reason the Purple Book treats people indoors separately.
    assert overpressure_lethality(0.35e5) < 1e-6
    assert indoor_overpressure_lethality(0.35e5) == 1.0
