"""Landslides: hand computations of the published formulas, with the constants written out here.

References (restated in each test): infinite-slope FS and the Weibull P(f) of Jibson, Harp &
Michael (2000), Eng. Geol. 58:271-289; Newmark (1965) ac = (FS − 1) sin α; Jibson (2007) eqs. 6
and 7, Eng. Geol. 91:209-218. The constants are copied from /work/shared/reference/hazard-models.md
section (c) and deliberately *not* imported from the module under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.hazards.landslides import (
    RATIO_FLOOR,
    critical_acceleration_g,
    dams_river,
    factor_of_safety,
    failure_probability,
    newmark_displacement_cm,
    runout_path,
    sample_failures,
)
from models.terrain.analysis import route_flow

G_W = 9810.0


def _fs_by_hand(alpha_deg, c, phi_deg, gamma, t, m, gw=G_W):
    a, p = math.radians(alpha_deg), math.radians(phi_deg)
    return (
        c / (gamma * t * math.sin(a))
        + math.tan(p) / math.tan(a)
        - m * gw * math.tan(p) / (gamma * math.tan(a))
    )


# ------------------------------------------------------------------ factor of safety


def test_dry_cohesionless_fs_is_tan_phi_over_tan_alpha():
    alpha = np.array([10.0, 25.0, 40.0, 60.0])
    fs = factor_of_safety(alpha, 0.0, 32.0, 17000.0, 1.5)
    np.testing.assert_allclose(fs, np.tan(np.radians(32.0)) / np.tan(np.radians(alpha)), rtol=1e-12)


@pytest.mark.parametrize(
    ("alpha", "c", "phi", "gamma", "t", "m"),
    [
        (30.0, 10_000.0, 30.0, 18_000.0, 2.0, 0.0),
        (35.0, 5_000.0, 28.0, 19_000.0, 2.4, 0.5),
        (20.0, 20_000.0, 36.0, 17_500.0, 3.0, 1.0),
    ],
)
def test_fs_matches_sheet_formula_by_hand(alpha, c, phi, gamma, t, m):
    expected = _fs_by_hand(alpha, c, phi, gamma, t, m)
    assert float(factor_of_safety(alpha, c, phi, gamma, t, m)) == pytest.approx(expected, rel=1e-12)


def test_fs_hand_numbers_first_point():
    # α = 30°, c′ = 10 kPa, φ′ = 30°, γ = 18 kN/m³, t = 2 m, dry:
    # 10000/(18000·2·0.5) + tan30/tan30 = 0.5556 + 1 = 1.5556
    assert float(factor_of_safety(30.0, 10_000.0, 30.0, 18_000.0, 2.0)) == pytest.approx(
        10_000.0 / 18_000.0 + 1.0, rel=1e-12
    )


def test_saturation_lowers_fs_and_cohesion_raises_it():
    dry = factor_of_safety(30.0, 5e3, 30.0, 18e3, 2.0, 0.0)
    wet = factor_of_safety(30.0, 5e3, 30.0, 18e3, 2.0, 1.0)
    strong = factor_of_safety(30.0, 10e3, 30.0, 18e3, 2.0, 0.0)
    assert wet < dry < strong
    # the water term is m γw tanφ/(γ tanα) = 9810/18000 for φ = α
    assert float(dry - wet) == pytest.approx(G_W / 18e3, rel=1e-12)


def test_flat_cells_are_infinitely_safe_and_grid_shapes_broadcast():
    slope = np.array([[0.0, 10.0], [30.0, 0.0]])
    fs = factor_of_safety(slope, np.full((2, 2), 1e3), 30.0, 18e3, 1.0, 0.2)
    assert fs.shape == (2, 2)
    assert np.isposinf(fs[0, 0]) and np.isposinf(fs[1, 1])
    assert np.all(np.isfinite(fs[[0, 1], [1, 0]]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"slope_deg": 90.0},
        {"slope_deg": -1.0},
        {"cohesion_Pa": -1.0},
        {"unit_weight_N_m3": 0.0},
        {"thickness_m": 0.0},
        {"saturated_fraction": 1.5},
        {"friction_angle_deg": float("nan")},
    ],
)
def test_fs_rejects_bad_inputs(kwargs):
    base = {
        "slope_deg": 30.0,
        "cohesion_Pa": 0.0,
        "friction_angle_deg": 30.0,
        "unit_weight_N_m3": 18e3,
        "thickness_m": 2.0,
    }
    base.update(kwargs)
    with pytest.raises(ValueError):
        factor_of_safety(**base)


# ------------------------------------------------------------------ critical acceleration


def test_critical_acceleration_sheet_point():
    # (1.5 − 1)·sin 30° = 0.5·0.5 = 0.25 g
    assert float(critical_acceleration_g(1.5, 30.0)) == pytest.approx(0.25, rel=1e-12)


def test_critical_acceleration_zero_when_failing_inf_when_flat():
    ac = critical_acceleration_g(np.array([0.5, 1.0, 2.0, np.inf]), np.array([40.0, 40.0, 40.0, 0.0]))
    assert ac[0] == 0.0 and ac[1] == 0.0
    assert ac[2] == pytest.approx(math.sin(math.radians(40.0)), rel=1e-12)
    assert np.isposinf(ac[3])
    assert np.all(ac >= 0.0)


# ------------------------------------------------------------------ Newmark displacement


def _eq6(r):
    return 10 ** (0.215 + math.log10((1 - r) ** 2.341 * r**-1.438))


def _eq7(r, mag):
    return 10 ** (-2.710 + math.log10((1 - r) ** 2.335 * r**-1.478) + 0.424 * mag)


@pytest.mark.parametrize(("amax", "ac"), [(0.5, 0.1), (0.4, 0.2)])  # r = 0.2, 0.5
def test_jibson_2007_eq6_by_hand(amax, ac):
    assert float(newmark_displacement_cm(amax, ac)) == pytest.approx(_eq6(ac / amax), rel=1e-12)


def test_jibson_2007_eq6_hand_numbers():
    # r = 0.5: 0.215 + 2.341·log10(0.5) − 1.438·log10(0.5) = 0.215 − 0.903·0.30103 = −0.05683
    assert float(newmark_displacement_cm(0.4, 0.2)) == pytest.approx(10**-0.0568301, rel=1e-5)
    # r = 0.2: 0.215 + 2.341·(−0.09691) − 1.438·(−0.69897) = 0.99326 -> 9.846 cm
    assert float(newmark_displacement_cm(0.5, 0.1)) == pytest.approx(9.8458, rel=1e-4)


@pytest.mark.parametrize("mag", [5.3, 6.5, 7.6])
def test_jibson_2007_eq7_by_hand(mag):
    assert float(newmark_displacement_cm(0.6, 0.15, magnitude=mag)) == pytest.approx(
        _eq7(0.25, mag), rel=1e-12
    )


def test_displacement_decreases_with_ratio_and_is_zero_above_pga():
    amax = 0.5
    ac = np.linspace(0.01, 0.49, 60)
    dn = newmark_displacement_cm(amax, ac)
    assert np.all(np.diff(dn) < 0.0)
    assert np.all(dn > 0.0)
    above = newmark_displacement_cm(amax, np.array([0.5, 0.6, np.inf]))
    np.testing.assert_array_equal(above, 0.0)
    assert float(newmark_displacement_cm(0.0, 0.0)) == 0.0


def test_small_ratio_is_floored_only_below_documented_floor():
    assert RATIO_FLOOR == 0.01
    at_floor = _eq6(0.01)
    assert float(newmark_displacement_cm(1.0, 0.0)) == pytest.approx(at_floor, rel=1e-12)
    assert float(newmark_displacement_cm(1.0, 0.005)) == pytest.approx(at_floor, rel=1e-12)
    # no OpenQuake-style clamp at 0.05: r = 0.02 is evaluated as published
    assert float(newmark_displacement_cm(1.0, 0.02)) == pytest.approx(_eq6(0.02), rel=1e-12)
    assert _eq6(0.02) > _eq6(0.05)


def test_displacement_rejects_negative_inputs():
    with pytest.raises(ValueError):
        newmark_displacement_cm(-0.1, 0.1)
    with pytest.raises(ValueError):
        newmark_displacement_cm(0.3, -0.1)


# ------------------------------------------------------------------ probability of failure


def test_failure_probability_limits_and_hand_point():
    assert float(failure_probability(0.0)) == 0.0
    assert float(failure_probability(1e4)) == pytest.approx(0.335, abs=1e-12)
    assert float(failure_probability(np.inf)) == pytest.approx(0.335, abs=1e-15)
    # Dn = 10 cm: 0.335·(1 − exp(−0.048·10^1.565)), 10^1.565 = 36.728 -> 0.335·(1 − e^−1.76296)
    expected = 0.335 * (1.0 - math.exp(-0.048 * 10**1.565))
    assert float(failure_probability(10.0)) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.27754, rel=1e-4)
    dn = np.linspace(0.0, 50.0, 101)
    assert np.all(np.diff(failure_probability(dn)) > 0.0)
    assert np.all(failure_probability(dn) <= 0.335)


def test_sampling_frequency_within_four_standard_errors():
    n = 200_000
    rng = np.random.default_rng(20240601)
    for p in (0.05, 0.2, 0.335):
        hits = sample_failures(np.full(n, p), rng)
        assert hits.dtype == bool and hits.shape == (n,)
        se = math.sqrt(p * (1 - p) / n)
        assert abs(hits.mean() - p) < 4 * se


def test_sampling_extremes_seed_and_validation():
    grid = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(sample_failures(grid, 3), grid.astype(bool))
    np.testing.assert_array_equal(sample_failures(grid * 0.5, 7), sample_failures(grid * 0.5, 7))
    with pytest.raises(ValueError):
        sample_failures(np.array([1.2]), 0)


# ------------------------------------------------------------------ chain, runout, damming


def test_full_chain_on_a_grid():
    slope = np.array([[0.0, 15.0, 30.0, 45.0]])
    fs = factor_of_safety(slope, 8e3, 30.0, 18e3, 2.0, 0.5)
    ac = critical_acceleration_g(fs, slope)
    dn = newmark_displacement_cm(0.4, ac)
    pf = failure_probability(dn)
    assert pf[0, 0] == 0.0  # flat never slides
    assert np.all(np.diff(pf[0]) >= 0.0)  # steeper -> more likely
    assert pf[0, 3] > 0.0


def test_runout_follows_receivers_on_a_valley():
    y = np.abs(np.arange(5.0) - 2.0)
    z = np.add.outer(10.0 * y, np.arange(6.0))  # V across rows, channel in row 2 draining west
    dr = route_flow(z, 10.0)
    start = np.zeros(z.shape, bool)
    start[0, 5] = True
    swept = runout_path(start, dr.receiver, 100)
    # the path reaches the channel and ends at its outlet
    assert swept[0, 5] and swept[2].any() and swept[2, 0]
    short = runout_path(start, dr.receiver, 1)
    assert short.sum() == 2
    none = runout_path(start, dr.receiver, 0)
    np.testing.assert_array_equal(none, start)
    river = dr.river_mask(10 * 100.0)
    assert dams_river(swept, river)
    assert not dams_river(none, river)


def test_runout_budget_counts_from_the_nearest_start():
    rec = np.array([[-1, 0, 1, 2, 3, 4, 5]])  # a row draining west
    start = np.array([[0, 0, 0, 1, 0, 0, 1]], bool)
    np.testing.assert_array_equal(runout_path(start, rec, 2)[0].astype(int), [0, 1, 1, 1, 1, 1, 1])
    with pytest.raises(ValueError):
        runout_path(start, rec, -1)
