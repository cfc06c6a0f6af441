"""Gaussian puffs: CCPS puff σ, mass conservation, convergence of a puff train to the plume."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.hazards.dispersion import briggs_sigmas, steady_plume_concentration
from models.hazards.puff import (
    PUFF_SIGMA_COEFFICIENTS,
    PuffTrain,
    _sum_gaussian_puffs_reference,
    instantaneous_puff_concentration,
    puff_sigmas,
    sum_gaussian_puffs,
    time_varying_release_concentration,
)

WEST_WIND = {"source_x_m": 0.0, "source_y_m": 0.0, "wind_from_deg": 270.0}  # puffs travel toward +x


# --- CCPS (1999) puff σ ---------------------------------------------------------------------

# σy = σx and σz at a travel of 1.2 m, from the test suite of aefarrell/GasDispersion.jl
# (test/utils/ccps_tests.jl), which implements the CCPS 1999 puff table.
GASDISPERSION_AT_1_2_M = {
    "A": (0.21287234847910436, 0.6879188103871441),
    "B": (0.16556738215041453, 0.6054498545741843),
    "C": (0.11826241582172466, 0.3869880921561032),
    "D": (0.07095744949303479, 0.17041904657983328),
    "E": (0.047304966328689864, 0.11258170198247626),
    "F": (0.023523465599668385, 0.05588182287353654),
}


@pytest.mark.parametrize(("cls", "expected"), GASDISPERSION_AT_1_2_M.items())
def test_puff_sigmas_match_published_implementation(cls, expected):
    sx, sy, sz = puff_sigmas(1.2, cls)
    assert float(sy) == pytest.approx(expected[0], rel=1e-12)
    assert float(sx) == float(sy)
    assert float(sz) == pytest.approx(expected[1], rel=1e-12)


def test_puff_sigmas_are_not_the_plume_sigmas():
    # Puffs spread less than a time-averaged plume: class D at 1 km, puff σy 34.5 m, plume 76.3 m.
    _, sy_puff, _ = puff_sigmas(1000.0, "D")
    sy_plume, _ = briggs_sigmas(1000.0, "D")
    assert float(sy_puff) == pytest.approx(0.06 * 1000.0**0.92, rel=1e-12)
    assert float(sy_puff) < 0.5 * float(sy_plume)
    assert set(PUFF_SIGMA_COEFFICIENTS) == set("ABCDEF")


def test_ccps_worked_example_puff_centre():
    # CCPS (1999) p. 101 puff example as reproduced in GasDispersion.jl's gaussian_puff_tests.jl:
    # 1 kg, class F, u = 2 m/s, at x = 500 m after 250 s: σy = 5.0479 m, σz = 2.2148 m (the book
    # prints σy = 6.1 m, a mistake noted by GasDispersion.jl), and the ground-level centre
    # concentration of a ground release is M / (√(2π)·π·σy²·σz).
    sigma_y, sigma_z = 5.047929716825321, 2.214836678536473
    _, sy, sz = puff_sigmas(500.0, "F")
    assert float(sy) == pytest.approx(sigma_y, rel=1e-12)
    assert float(sz) == pytest.approx(sigma_z, rel=1e-12)
    args = dict(WEST_WIND, mass_kg=1.0, release_height_m=0.0, receptor_height_m=0.0, wind_speed_m_s=2.0)
    c = instantaneous_puff_concentration(500.0, 0.0, 250.0, stability="F", **args)
    assert float(c) == pytest.approx(
        1.0 / (math.sqrt(2 * math.pi) * math.pi * sigma_y**2 * sigma_z), rel=1e-12
    )
    before = instantaneous_puff_concentration(500.0, 0.0, -250.0, stability="F", **args)
    assert float(before) == 0.0


def test_instantaneous_puff_hand_computation_off_centre():
    m, u, t, h, z = 4.0, 3.0, 200.0, 15.0, 1.5
    sx, sy, sz = (float(s) for s in puff_sigmas(u * t, "C"))
    x, y = 620.0, -25.0
    expected = (
        m
        / ((2 * math.pi) ** 1.5 * sx * sy * sz)
        * math.exp(-((x - u * t) ** 2) / (2 * sx**2))
        * math.exp(-(y**2) / (2 * sy**2))
        * (math.exp(-((z - h) ** 2) / (2 * sz**2)) + math.exp(-((z + h) ** 2) / (2 * sz**2)))
    )
    c = instantaneous_puff_concentration(
        x,
        y,
        t,
        mass_kg=m,
        release_height_m=h,
        receptor_height_m=z,
        wind_speed_m_s=u,
        stability="C",
        **WEST_WIND,
    )
    assert float(c) == pytest.approx(expected, rel=1e-12)


def test_puff_moves_with_the_wind():
    # A north wind (from 0°) carries the puff toward −y (south).
    args = dict(mass_kg=1.0, source_x_m=0.0, source_y_m=0.0, release_height_m=0.0, receptor_height_m=0.0)
    c = instantaneous_puff_concentration(
        [0.0, 0.0], [-300.0, 300.0], 100.0, wind_speed_m_s=3.0, wind_from_deg=0.0, **args
    )
    assert c[0] > 0.0
    assert c[1] == 0.0


# --- mass conservation ----------------------------------------------------------------------


@pytest.mark.parametrize(("stability", "height_m"), [("D", 20.0), ("F", 0.0), ("A", 5.0)])
def test_instantaneous_puff_integrates_to_the_released_mass(stability, height_m):
    # ∫∫∫ C dx dy dz over the half-space z >= 0 equals M (ground reflection keeps all the mass).
    m, u, t = 3.0, 5.0, 120.0
    sx, sy, sz = (float(s) for s in puff_sigmas(u * t, stability))
    xs = np.linspace(u * t - 7 * sx, u * t + 7 * sx, 141)
    ys = np.linspace(-7 * sy, 7 * sy, 141)
    zs = np.linspace(0.0, height_m + 7 * sz, 141)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    layers = []
    for z in zs:
        c = instantaneous_puff_concentration(
            gx,
            gy,
            t,
            mass_kg=m,
            release_height_m=height_m,
            receptor_height_m=z,
            wind_speed_m_s=u,
            stability=stability,
            **WEST_WIND,
        )
        layers.append(np.trapezoid(np.trapezoid(c, ys, axis=1), xs))
    assert np.trapezoid(layers, zs) == pytest.approx(m, rel=0.01)


def test_puff_train_carries_the_released_mass():
    # Table: ramp 0 → 2 kg/s over 100 s, hold to 400 s, ramp down to 0 at 500 s: 800 kg exactly.
    table = ([0.0, 100.0, 400.0, 500.0], [0.0, 2.0, 2.0, 0.0])
    train = PuffTrain.from_rate(
        table, puff_interval_s=7.0, wind_speed_m_s=4.0, release_height_m=0.0, **_src()
    )
    assert float(train.masses_kg.sum()) == pytest.approx(800.0, rel=1e-12)
    assert train.release_times_s[0] == pytest.approx(3.5) and train.release_times_s[-1] < 500.0
    # A linear rate function is integrated exactly by the midpoint rule: ∫0^60 (1 + t/60) dt = 90 kg.
    train = PuffTrain.from_rate(
        lambda t: 1.0 + t / 60.0,
        start_s=0.0,
        end_s=60.0,
        puff_interval_s=7.0,
        wind_speed_m_s=4.0,
        release_height_m=0.0,
        **_src(),
    )
    assert float(train.masses_kg.sum()) == pytest.approx(90.0, rel=1e-12)


def _src() -> dict:
    return {"source_x_m": 0.0, "source_y_m": 0.0, "wind_from_deg": 270.0}


# --- a constant release converges to the steady plume ---------------------------------------


def _plume_sigmas(travel_m):
    sy, sz = briggs_sigmas(travel_m, "D")
    return sy, sy, sz


RECEPTORS_X = np.array([500.0, 1000.0, 1000.0, 2000.0])
RECEPTORS_Y = np.array([0.0, 0.0, 76.3, 0.0])  # 76.3 m = plume σy at 1 km (class D)


def _train_over_plume(puff_interval_s: float) -> np.ndarray:
    q, u, h = 2.0, 4.0, 10.0
    plume, _ = steady_plume_concentration(
        RECEPTORS_X,
        RECEPTORS_Y,
        source_x_m=0.0,
        source_y_m=0.0,
        release_height_m=h,
        receptor_height_m=0.0,
        rate_kg_s=q,
        wind_speed_m_s=u,
        wind_from_deg=270.0,
        stability="D",
    )
    puffs = time_varying_release_concentration(
        RECEPTORS_X,
        RECEPTORS_Y,
        2500.0,
        rate_kg_s=lambda t: np.full_like(t, q),
        start_s=0.0,
        end_s=3000.0,
        release_height_m=h,
        receptor_height_m=0.0,
        wind_speed_m_s=u,
        puff_interval_s=puff_interval_s,
        sigmas=_plume_sigmas,
        **WEST_WIND,
    )
    return puffs / plume


def test_constant_release_converges_to_the_steady_plume():
    # With the plume's σ (σx = σy), close puffs reproduce the steady plume within 1 %.
    np.testing.assert_allclose(_train_over_plume(5.0), 1.0, atol=0.01)
    np.testing.assert_allclose(_train_over_plume(2.0), _train_over_plume(5.0), rtol=1e-3)


def test_too_coarse_a_puff_train_is_lumpy():
    # 200 m between puffs against σx ≈ 40 m at 500 m: far from the plume. Convergence matters.
    coarse = _train_over_plume(50.0)
    assert np.max(np.abs(coarse - 1.0)) > 0.1
    assert np.max(np.abs(_train_over_plume(20.0) - 1.0)) < np.max(np.abs(coarse - 1.0))


def test_crosswind_integrated_concentration_matches_the_plume():
    # ∫ C dy of a steady ground-level plume from height H is Q/(√(2π) u σz)·2·exp(−H²/2σz²).
    q, u, h, x = 1.5, 6.0, 0.0, 1200.0
    _, sz = briggs_sigmas(x, "D")
    ys = np.linspace(-600.0, 600.0, 2401)
    c = time_varying_release_concentration(
        np.full_like(ys, x),
        ys,
        1800.0,
        rate_kg_s=([0.0, 2400.0], [q, q]),
        release_height_m=h,
        receptor_height_m=0.0,
        wind_speed_m_s=u,
        puff_interval_s=3.0,
        sigmas=_plume_sigmas,
        **WEST_WIND,
    )
    expected = q / (math.sqrt(2 * math.pi) * u * float(sz)) * 2.0 * math.exp(-(h**2) / (2 * float(sz) ** 2))
    assert np.trapezoid(c, ys) == pytest.approx(expected, rel=0.01)


def test_finite_release_passes_and_leaves():
    # 600 s at 1 kg/s, wind 5 m/s: a receptor 1 km downwind sees nothing before the cloud
    # arrives (t ≈ 200 s), the steady value in the middle of the passage, nothing after.
    kw = dict(release_height_m=0.0, wind_speed_m_s=5.0, puff_interval_s=2.0, **_src())
    train = PuffTrain.from_rate(([0.0, 600.0], [1.0, 1.0]), stability="D", **kw)
    c = train.concentration_series(1000.0, 0.0, [60.0, 500.0, 1400.0])
    steady = PuffTrain.from_rate(([0.0, 5000.0], [1.0, 1.0]), stability="D", **kw).concentration(
        1000.0, 0.0, 500.0
    )
    assert c.shape == (3,)
    assert c[0] == 0.0 and c[2] == 0.0
    assert c[1] == pytest.approx(float(steady), rel=0.01)


def test_concentration_series_equals_single_evaluations():
    train = PuffTrain.from_rate(
        lambda t: 0.5 + 0.5 * np.sin(t / 100.0) ** 2,
        start_s=0.0,
        end_s=900.0,
        stability="E",
        release_height_m=3.0,
        wind_speed_m_s=2.5,
        **_src(),
    )
    gx, gy = np.meshgrid(np.linspace(-200.0, 3000.0, 17), np.linspace(-400.0, 400.0, 9))
    times = [100.0, 450.0, 1000.0]
    series = train.concentration_series(gx, gy, times, receptor_height_m=1.5)
    assert series.shape == (3, *gx.shape)
    for j, t in enumerate(times):
        np.testing.assert_array_equal(series[j], train.concentration(gx, gy, t, receptor_height_m=1.5))
    assert np.all(series >= 0.0) and series.max() > 0.0


def test_rate_function_of_a_float_is_accepted():
    train = PuffTrain.from_rate(
        lambda t: 2.0 if t < 50.0 else 0.0,
        start_s=0.0,
        end_s=100.0,
        puff_interval_s=10.0,
        release_height_m=0.0,
        wind_speed_m_s=3.0,
        **_src(),
    )
    np.testing.assert_allclose(train.masses_kg, [20.0] * 5 + [0.0] * 5)


# --- kernel against its Python twin -----------------------------------------------------------


def test_kernel_matches_python_twin():
    rng = np.random.default_rng(7)
    n, m = 40, 25
    x, y = rng.uniform(-500, 500, n), rng.uniform(-500, 500, n)
    cx, cy = rng.uniform(-400, 400, m), rng.uniform(-400, 400, m)
    amp = rng.uniform(0.0, 1e-3, m)
    amp[3] = 0.0
    sx, sy = rng.uniform(5.0, 120.0, m), rng.uniform(5.0, 120.0, m)
    sx[5] = 0.0
    to_x, to_y = math.cos(0.7), math.sin(0.7)
    fast, slow = np.empty(n), np.empty(n)
    sum_gaussian_puffs(x, y, cx, cy, amp, sx, sy, to_x, to_y, fast)
    _sum_gaussian_puffs_reference(x, y, cx, cy, amp, sx, sy, to_x, to_y, slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=0.0)
    assert np.count_nonzero(slow) > n // 2


# --- validation ------------------------------------------------------------------------------


def test_validation_messages():
    kw = dict(release_height_m=0.0, wind_speed_m_s=3.0, **_src())
    with pytest.raises(ValueError, match="start_s and end_s"):
        PuffTrain.from_rate(lambda t: t, **kw)
    with pytest.raises(ValueError, match="strictly increasing"):
        PuffTrain.from_rate(([0.0, 0.0], [1.0, 1.0]), **kw)
    with pytest.raises(ValueError, match="rates finite and >= 0"):
        PuffTrain.from_rate(([0.0, 10.0], [1.0, -1.0]), **kw)
    with pytest.raises(ValueError, match="stability"):
        PuffTrain.from_rate(([0.0, 10.0], [1.0, 1.0]), stability="G", **kw)
    with pytest.raises(ValueError, match="wind_speed_m_s"):
        instantaneous_puff_concentration(
            0.0,
            0.0,
            1.0,
            mass_kg=1.0,
            release_height_m=0.0,
            receptor_height_m=0.0,
            wind_speed_m_s=0.0,
            **WEST_WIND,
        )
    with pytest.raises(ValueError, match="mass_kg"):
        instantaneous_puff_concentration(
            0.0,
            0.0,
            1.0,
            mass_kg=-1.0,
            release_height_m=0.0,
            receptor_height_m=0.0,
            wind_speed_m_s=2.0,
            **WEST_WIND,
        )
    with pytest.raises(ValueError, match="sigmas"):
        PuffTrain.from_rate(([0.0, 10.0], [1.0, 1.0]), sigmas=lambda s: (s, s), **kw).concentration(
            5.0, 0.0, 20.0
        )
