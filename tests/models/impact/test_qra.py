"""QRA outputs on small hand-made event sets, computed by hand.

Definitions (CCPS 2000, Guidelines for Chemical Process QRA; TNO CPR 18E "Purple Book"):
IR(x, y) = Σ f_i P_i(x, y); F(N) = Σ_{N_i ≥ N} f_i; PLL = Σ f_i N_i. Example criterion line
(Dutch guideline value for establishments): F = 10⁻³ / N² per year.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.impact.qra import (
    RISK_CONTOUR_LEVELS_PER_YEAR,
    exceeds_fn_criterion,
    expected_deaths_per_year,
    fn_criterion_line,
    fn_curve,
    individual_risk,
    risk_contour_levels,
)

FREQ = [1e-4, 1e-5, 1e-6]
DEATHS = [1, 10, 100]


def test_individual_risk_by_hand():
    lethality = np.array(
        [
            [[1.0, 0.5, 0.0], [0.1, 0.0, 0.0]],
            [[1.0, 1.0, 0.2], [1.0, 0.3, 0.0]],
            [[1.0, 1.0, 1.0], [1.0, 1.0, 0.5]],
        ]
    )
    expected = np.array(
        [
            [1e-4 + 1e-5 + 1e-6, 0.5e-4 + 1e-5 + 1e-6, 0.2e-5 + 1e-6],
            [0.1e-4 + 1e-5 + 1e-6, 0.3e-5 + 1e-6, 0.5e-6],
        ]
    )
    ir = individual_risk(FREQ, lethality)
    assert ir.shape == (2, 3)
    np.testing.assert_allclose(ir, expected, rtol=1e-13)


def test_individual_risk_validation():
    with pytest.raises(ValueError, match="lethality_maps"):
        individual_risk(FREQ, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="probabilities"):
        individual_risk([1e-4], np.full((1, 2, 2), 1.5))
    with pytest.raises(ValueError, match="frequencies"):
        individual_risk([-1e-4], np.zeros((1, 2, 2)))


def test_contour_levels():
    np.testing.assert_array_equal(risk_contour_levels(), [1e-4, 1e-5, 1e-6, 1e-7, 1e-8])
    assert tuple(risk_contour_levels()) == RISK_CONTOUR_LEVELS_PER_YEAR


def test_fn_curve_three_outcomes_by_hand():
    n, f = fn_curve(FREQ, DEATHS)
    np.testing.assert_array_equal(n, [1.0, 10.0, 100.0])
    # F(1) = 1e-4 + 1e-5 + 1e-6 = 1.11e-4; F(10) = 1.1e-5; F(100) = 1e-6
    np.testing.assert_allclose(f, [1.11e-4, 1.1e-5, 1e-6], rtol=1e-13)


def test_fn_curve_unsorted_duplicates_and_zero_deaths():
    freq = [2e-6, 1e-4, 3e-5, 5e-7, 1e-3]
    deaths = [30, 2, 30, 200, 0]  # the no-death outcome never counts
    n, f = fn_curve(freq, deaths)
    np.testing.assert_array_equal(n, [2.0, 30.0, 200.0])
    np.testing.assert_allclose(f, [1e-4 + 3e-5 + 2e-6 + 5e-7, 3e-5 + 2e-6 + 5e-7, 5e-7], rtol=1e-13)
    assert (np.diff(f) <= 0).all()


def test_fn_curve_fractional_expected_deaths_on_a_grid():
    freq = [1e-4, 1e-5, 1e-6]
    deaths = [0.4, 2.5, 37.2]
    n, f = fn_curve(freq, deaths)
    np.testing.assert_allclose(f, [1.11e-4, 1.1e-5, 1e-6], rtol=1e-13)
    grid = [0.1, 1.0, 2.5, 3.0, 37.2, 50.0]
    n, f = fn_curve(freq, deaths, n_values=grid)
    np.testing.assert_array_equal(n, grid)
    np.testing.assert_allclose(f, [1.11e-4, 1.1e-5, 1.1e-5, 1e-6, 1e-6, 0.0], rtol=1e-13)


def test_fn_curve_validation_and_empty():
    n, f = fn_curve([1e-4], [0.0])
    assert n.size == 0 and f.size == 0
    with pytest.raises(ValueError, match="deaths"):
        fn_curve(FREQ, [1, 2])
    with pytest.raises(ValueError, match="n_values"):
        fn_curve(FREQ, DEATHS, n_values=[0.0, 1.0])
    with pytest.raises(ValueError, match="deaths"):
        fn_curve(FREQ, [1, -2, 3])


def test_expected_deaths_per_year_by_hand():
    # 1e-4·1 + 1e-5·10 + 1e-6·100 = 3e-4 per year
    assert expected_deaths_per_year(FREQ, DEATHS) == pytest.approx(3e-4, rel=1e-13)
    assert expected_deaths_per_year([1e-3, 1e-4], [0.25, 0.0]) == pytest.approx(2.5e-4, rel=1e-13)


def test_dutch_criterion_line_and_exceedance():
    np.testing.assert_allclose(
        fn_criterion_line([1.0, 10.0, 100.0, 1000.0]), [1e-3, 1e-5, 1e-7, 1e-9], rtol=1e-13
    )
    assert fn_criterion_line(10.0, constant_per_year=1e-2, exponent=1.0) == pytest.approx(1e-3)
    n, f = fn_curve(FREQ, DEATHS)
    # F(10) = 1.1e-5 > 1e-5 and F(100) = 1e-6 > 1e-7: above the line; N = 1 is below n_min = 10
    assert exceeds_fn_criterion(n, f, n_min=10.0).tolist() == [False, True, True]
    assert exceeds_fn_criterion(n, f, constant_per_year=1e-1, n_min=1.0).tolist() == [False, False, False]
    with pytest.raises(ValueError, match="n_values"):
        fn_criterion_line([0.0])
