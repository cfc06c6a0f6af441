"""Landslides: hand computations of the published formulas, with the constants written out here.

References (restated in each test): infinite-slope FS and the Weibull P(f) of Jibson, Harp &
Michael (2000), Eng. Geol. 58:271-289; Newmark (1965) ac = (FS − 1) sin α; Jibson (2007) eqs. 6
and 7, Eng. Geol. 91:209-218. The constants are copied from /work/shared/reference/hazard-models.md
section (c) and deliberately *not* imported from the module under test. Reach ratios: Corominas
(1996) Table 1 and Scheidegger (1973), coefficients written out below; runout geometry by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.hazards.landslides import (
    RATIO_FLOOR,
    critical_acceleration_g,
    dams_river,
    deposit_footprint,
    energy_line_runout,
    factor_of_safety,
    failure_probability,
    group_slides,
    newmark_displacement_cm,
    reach_ratio,
    runout_path,
    sample_failures,
)
from models.terrain.analysis import route_flow
from models.terrain.valley import generate_valley

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


# ------------------------------------------------------------------ reach ratio (Fahrböschung)

# log10(H/L) = a + b log10(V): Corominas (1996) Table 1 rows and Scheidegger (1973), written out.
COROMINAS_DEBRIS_ALL = (-0.012, -0.105)  # debris flows/slides/avalanches, all paths, N = 71
COROMINAS_TRANSLATIONAL_ALL = (-0.159, -0.068)  # translational slides, all paths, N = 69
SCHEIDEGGER = (0.62419, -0.15666)


@pytest.mark.parametrize(
    ("relation", "coef", "volume"),
    [
        ("corominas1996_debris", COROMINAS_DEBRIS_ALL, 1e3),
        ("corominas1996_debris", COROMINAS_DEBRIS_ALL, 1e6),
        ("corominas1996_translational", COROMINAS_TRANSLATIONAL_ALL, 1e4),
        ("scheidegger1973", SCHEIDEGGER, 1e7),
    ],
)
def test_reach_ratio_is_the_published_regression(relation, coef, volume):
    a, b = coef
    assert float(reach_ratio(volume, relation)) == pytest.approx(
        10 ** (a + b * math.log10(volume)), rel=1e-12
    )


def test_reach_ratio_hand_numbers_and_trend():
    # debris, V = 1e3 m³: 10^(−0.012 − 0.315) = 10^−0.327 = 0.4710
    assert float(reach_ratio(1e3)) == pytest.approx(0.47098, rel=1e-4)
    # Scheidegger, V = 1e7 m³: 10^(0.62419 − 1.09662) = 10^−0.47243 = 0.33695
    assert float(reach_ratio(1e7, "scheidegger1973")) == pytest.approx(0.33695, rel=1e-4)
    v = np.logspace(2, 9, 30)
    for name in ("corominas1996_debris", "corominas1996_translational", "scheidegger1973"):
        assert np.all(np.diff(reach_ratio(v, name)) < 0.0)  # bigger slides travel relatively farther
    with pytest.raises(ValueError):
        reach_ratio(0.0)
    with pytest.raises(ValueError):
        reach_ratio(1e4, "heim1932")


# ------------------------------------------------------------------ slides


def test_slides_are_8_connected_groups_with_slab_volume():
    failed = np.zeros((6, 7), bool)
    failed[1, 1] = failed[2, 2] = failed[3, 3] = True  # a diagonal chain: one slide
    failed[1, 5] = failed[1, 6] = True  # a second one
    failed[5, 0] = True  # a third, single cell
    slope = np.full(failed.shape, 60.0)  # cos 60° = 0.5: a 2 m slab holds 4 m³ per m² of map
    z = np.add.outer(np.arange(6.0), np.zeros(7))
    slides = group_slides(failed, z, slope, 2.0, 10.0)
    assert [s.cells.size for s in slides] == [3, 2, 1]
    assert [s.area_m2 for s in slides] == [300.0, 200.0, 100.0]
    assert [s.volume_m3 for s in slides] == pytest.approx([1200.0, 800.0, 400.0], rel=1e-12)
    assert slides[0].crown == 3 * 7 + 3  # the highest cell (z grows with the row)
    assert slides[0].centroid_rc == (2.0, 2.0)
    assert group_slides(np.zeros((3, 3), bool), np.zeros((3, 3)), np.zeros((3, 3)), 1.0, 1.0) == []


def test_slide_width_is_its_extent_across_the_slope():
    failed = np.zeros((8, 9), bool)
    failed[2:5, 1:6] = True  # 3 rows (downslope) × 5 columns (across)
    z = np.add.outer(10.0 * np.arange(8.0), np.zeros(9))  # rises northwards: downslope is south
    (slide,) = group_slides(failed, z, np.full(failed.shape, 45.0), 1.0, 20.0)
    assert slide.width_m == pytest.approx(5 * 20.0)
    assert slide.crown == 4 * 9 + 1  # top row, first column among equals
    assert slide.volume_m3 == pytest.approx(15 * 400.0 / math.cos(math.radians(45.0)), rel=1e-12)


# ------------------------------------------------------------------ energy-line runout


def _trace_reference(z, receiver, nx, start, f, dx, max_nodes):
    """Plain-Python twin of trace_energy_line: the same rule written out."""
    path, s = [start], [0.0]
    zd_prev, k = 0.0, start
    while len(path) < max_nodes:
        r = int(receiver[k])
        if r < 0:
            return path, s, s[-1], True
        step = dx if (r // nx == k // nx or r % nx == k % nx) else dx * math.sqrt(2.0)
        zd = (z[start] - z[r]) - f * (s[-1] + step)
        if zd <= 0.0:
            toe = s[-1] + (step * zd_prev / (zd_prev - zd) if zd_prev - zd > 0 else 0.0)
            if toe >= s[-1] + 0.5 * step:
                path.append(r)
                s.append(s[-1] + step)
            return path, s, toe, False
        path.append(r)
        s.append(s[-1] + step)
        k, zd_prev = r, zd
    return path, s, s[-1], True


def _v_valley(nx=40, ny=25, dx=10.0, tan_wall=0.6, gradient=0.01, channel_row=12):
    """Planar walls at tan θ either side of a one-row channel falling westwards at ``gradient``."""
    rows, cols = np.indices((ny, nx))
    return np.abs(rows - channel_row) * dx * tan_wall + cols * dx * gradient


def test_runout_stops_where_the_energy_line_meets_the_ground_in_a_v_valley():
    dx, tan_wall, eps, f, k_rows = 10.0, 0.6, 0.01, 0.2, 10
    z = _v_valley(dx=dx, tan_wall=tan_wall, gradient=eps)
    receiver = route_flow(z, dx).receiver
    crown = (12 + k_rows) * 40 + 35
    run = energy_line_runout(z, receiver, crown, f, dx)
    # Down the wall (south, k_rows steps), then west along the channel. The energy line
    # z0 − f s meets the channel bed z_foot − ε (s − s_foot) at s = s_foot (tan θ − ε) / (f − ε).
    s_foot = k_rows * dx
    expected = s_foot * (tan_wall - eps) / (f - eps)
    assert expected == pytest.approx(310.526, rel=1e-5)
    assert run.runout_m == pytest.approx(expected, rel=1e-12)
    rows, cols = np.divmod(run.path, 40)
    assert rows[: k_rows + 1].tolist() == list(range(22, 11, -1)) and np.all(cols[: k_rows + 1] == 35)
    assert np.all(rows[k_rows:] == 12) and np.all(np.diff(cols[k_rows:]) == -1)
    assert run.s_m[-1] - expected < 0.5 * dx + 1e-9 and expected - run.s_m[-1] <= 0.5 * dx
    # the deposit starts past the foot, where the kinetic head Zδ peaks
    assert run.deposit_from == k_rows + 1
    assert not run.truncated


def test_runout_kernel_matches_its_python_twin_on_a_rough_valley():
    v = generate_valley(60, 30, 25.0, seed=3)
    z = v["terrain_m"]
    receiver = route_flow(z, 25.0).receiver
    rng = np.random.default_rng(5)
    for crown in rng.choice(z.size, 25, replace=False):
        for f in (0.15, 0.3, 0.6):
            run = energy_line_runout(z, receiver, int(crown), f, 25.0, max_steps=400)
            path, s, toe, truncated = _trace_reference(
                z.ravel(), receiver.ravel(), 60, int(crown), f, 25.0, 401
            )
            assert run.path.tolist() == path
            np.testing.assert_allclose(run.s_m, s, rtol=1e-15)
            assert run.runout_m == pytest.approx(toe, rel=1e-13)
            assert run.truncated == truncated


def test_runout_truncated_at_the_grid_edge_and_flat_start():
    z = np.array([[0.0, 10.0, 20.0, 30.0]])
    rec = np.array([[-1, 0, 1, 2]])
    run = energy_line_runout(z, rec, 3, 0.1, 10.0)  # the line at 0.1 never meets this 45° slope
    assert run.truncated and run.path.tolist() == [3, 2, 1, 0] and run.runout_m == 30.0
    flat = energy_line_runout(np.zeros((1, 4)), rec, 3, 0.3, 10.0)  # nothing to fall: no travel
    assert flat.runout_m == 0.0 and flat.path.tolist() == [3] and flat.deposit_cells.tolist() == [3]
    with pytest.raises(ValueError):
        energy_line_runout(z, rec, 3, 0.0, 10.0)


def test_deposit_band_has_the_stated_width():
    shape = (21, 30)
    path = 10 * 30 + np.arange(5, 25)  # a straight west-east stretch along row 10
    for width_m, rows in ((10.0, 1), (30.0, 3), (50.0, 5), (70.0, 7)):
        mask = deposit_footprint(shape, path, width_m, 10.0)
        cols = mask[:, 15]
        assert cols.sum() == rows  # across the middle of the band: width / Δx cells
        assert mask[10, 5:25].all()
    with pytest.raises(ValueError):
        deposit_footprint(shape, np.array([], np.int64), 10.0, 10.0)
