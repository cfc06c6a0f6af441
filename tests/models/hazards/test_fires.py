"""Fire radiation: published worked examples, hand computations, numerical view factors, physics.

References used for expected numbers (each test says which):

* CCPS (1994) *Guidelines for Evaluating the Characteristics of VCEs, Flash Fires and BLEVEs*,
  propane tank-truck BLEVE sample problem, as reproduced in A. Srivastava's public worksheet
  "BLEVE Fireball Dia, Duration and Radiation Estimation" (scribd 529343808) [seen: the
  worksheet; the CCPS original recalled]: 22.7 m³ tank, 90 % full, 585.3 kg/m³ -> 11 957.7 kg,
  D 132.6 m, t 10.3 s, view factor 0.255 at X = 100 m, q = 89.1 kW/m² with SEP 350 kW/m².
* US NRC NUREG-1805 Fire Dynamics Tools, chapter 5 spreadsheet "Heat Flux Calculations
  Wind-Free" (two stored copies on scribd) [seen]: heat release rates 472 403.60 kW and
  771.52 kW from m''_∞ (1 − e^(−kβD)) ΔHc A.
* Everything else: hand computations of the published formulas (restated in each test), an
  independent numerical integration of the view factor, and physical limits (far field 1/r²,
  energy conservation, monotonic decay).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.hazards.fires import (
    PoolFire,
    atmospheric_transmissivity,
    bleve_fireball,
    fireball_radiation_kw_m2,
    fireball_view_factor,
    jet_fire_radiation_kw_m2,
    jet_flame_length_m,
    pool_burning_rate_kg_m2_s,
    pool_fire,
    pool_fire_radiation_kw_m2,
    pool_flame_length_m,
    pool_flame_tilt_rad,
    tilted_cylinder_view_factor,
    vertical_cylinder_view_factor,
)
from models.substances import get_substance

G = 9.80665
GASOLINE = {"mass_burning_rate_inf_kg_m2_s": 0.055, "k_beta_per_m": 2.1, "heat_of_combustion_J_kg": 43.4e6}


def reference_view_factor(target, radius, length, tilt, to=(1.0, 0.0), normal=None, n_phi=720, n_z=400):
    """Independent numpy midpoint quadrature of the view factor of a sheared cylinder.

    Surface (pool centre at the origin): P = (R cos φ + z tanθ to_x, R sin φ + z tanθ to_y, z),
    0 <= z <= L cos θ; outward normal times area N = (R cos φ, R sin φ, −R tanθ (cos φ to_x +
    sin φ to_y)) dφ dz. F = Σ max(0, n·s) max(0, −N·s) / (π |s|⁴), s = P − T. Without a
    normal, the target faces the horizontal part of Σ s (−N·s)/|s|⁴ over the visible surface.
    """
    h, t = length * math.cos(tilt), math.tan(tilt)
    phi = (np.arange(n_phi) + 0.5) * 2 * math.pi / n_phi
    z = (np.arange(n_z) + 0.5) * h / n_z
    p, zz = np.meshgrid(phi, z)
    pos = np.stack([radius * np.cos(p) + zz * t * to[0], radius * np.sin(p) + zz * t * to[1], zz])
    area = np.stack(
        [radius * np.cos(p), radius * np.sin(p), -radius * t * (np.cos(p) * to[0] + np.sin(p) * to[1])]
    )
    area *= (2 * math.pi / n_phi) * (h / n_z)
    s = pos - np.asarray(target, dtype=float)[:, None, None]
    c2 = np.maximum(-np.einsum("ijk,ijk->jk", area, s), 0.0)
    w = c2 / np.einsum("ijk,ijk->jk", s, s) ** 2 / math.pi
    if normal is None:
        g = np.array([np.sum(s[0] * w), np.sum(s[1] * w), 0.0])
        normal = g / np.linalg.norm(g)
    c1 = np.maximum(np.einsum("i,ijk->jk", np.asarray(normal, dtype=float), s), 0.0)
    return float(np.sum(c1 * w))


# --- transmissivity ------------------------------------------------------------------------


def test_wayne_transmissivity_hand_computation():
    # Wayne (1991) as coded in HyRAM+ [seen]; 100 m, RH 0.7, 293.15 K:
    # p_sat = exp(20.386 - 5132/293.15) mmHg = 17.805 mmHg; X_H2O = 0.7*100*17.805*288.651/293.15;
    # X_CO2 = 100*273/293.15.
    p_sat = math.exp(20.386 - 5132 / 293.15)
    u = math.log10(0.7 * 100 * p_sat * 288.651 / 293.15)
    v = math.log10(100 * 273 / 293.15)
    tau = 1.006 - 0.01171 * u - 0.02368 * u**2 - 0.03188 * v + 0.001164 * v**2
    assert float(atmospheric_transmissivity(100.0)) == pytest.approx(tau, rel=1e-12)
    assert tau == pytest.approx(0.6856, abs=1e-4)


def test_pietersen_transmissivity_hand_computation():
    # tau = 2.02 (p_w x)^-0.09, p_w = RH p_sat(T) in Pa; 50 m, RH 0.5, 293.15 K
    p_w = 0.5 * 133.322368 * math.exp(20.386 - 5132 / 293.15)
    tau = 2.02 * (p_w * 50.0) ** -0.09
    assert float(atmospheric_transmissivity(50.0, 0.5, method="pietersen")) == pytest.approx(tau, rel=1e-12)


def test_saturation_pressure_fit_against_steam_tables():
    # Water boils at 373.15 K under 101 325 Pa; p_sat(20 °C) = 2339 Pa (steam tables) [recalled].
    from models.hazards.fires import _water_saturation_pressure_Pa

    assert _water_saturation_pressure_Pa(373.15) == pytest.approx(101325.0, rel=0.003)
    assert _water_saturation_pressure_Pa(293.15) == pytest.approx(2339.0, rel=0.02)


@pytest.mark.parametrize("rh", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("temperature", [273.15, 293.15, 303.15])
def test_two_published_transmissivity_correlations_agree(rh, temperature):
    # Independent fits (Wayne 1991; Pietersen & Huerta 1985) agree within 8 % over 20-200 m.
    x = np.array([20.0, 50.0, 100.0, 200.0])
    wayne = atmospheric_transmissivity(x, rh, temperature)
    pietersen = atmospheric_transmissivity(x, rh, temperature, method="pietersen")
    np.testing.assert_allclose(wayne, pietersen, rtol=0.08)


@pytest.mark.parametrize("method", ["wayne", "pietersen"])
def test_transmissivity_in_unit_interval_and_decreasing(method):
    x = np.concatenate([[0.0, 1e-3, 0.01, 0.05], np.geomspace(0.1, 5000.0, 400)])
    tau = atmospheric_transmissivity(x, 0.7, 293.15, method=method)
    assert tau[0] == 1.0
    assert np.all((tau > 0.0) & (tau <= 1.0))
    assert np.all(np.diff(tau) <= 0.0)
    assert tau[-1] < 0.7
    # drier air transmits more
    assert atmospheric_transmissivity(100.0, 0.3, method=method) > atmospheric_transmissivity(
        100.0, 0.9, method=method
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"path_length_m": -1.0}, {"path_length_m": math.nan}, {"relative_humidity": 0.0}, {"method": "x"}],
)
def test_transmissivity_validation(kwargs):
    base = {"path_length_m": 10.0, "relative_humidity": 0.7}
    with pytest.raises(ValueError):
        atmospheric_transmissivity(**(base | kwargs))


# --- pool fire: burning rate, flame, SEP ------------------------------------------------------

FT2_M2 = 0.09290304


@pytest.mark.parametrize(
    ("m_inf", "hc_kj_kg", "k_beta", "area_ft2", "hrr_kw"),
    [(0.045, 44400.0, 2.1, 2545.0, 472403.60), (0.039, 46000.0, 0.7, 9.0, 771.52)],
)
def test_heat_release_rate_matches_nureg_1805_spreadsheet(m_inf, hc_kj_kg, k_beta, area_ft2, hrr_kw):
    # NUREG-1805 FDT ch. 5 "Heat Flux Calculations Wind-Free" [seen]: Q = m''_∞(1 − e^(−kβD)) ΔHc A
    diameter = math.sqrt(4.0 * area_ft2 * FT2_M2 / math.pi)
    fire = pool_fire(
        diameter,
        mass_burning_rate_inf_kg_m2_s=m_inf,
        k_beta_per_m=k_beta,
        heat_of_combustion_J_kg=hc_kj_kg * 1e3,
        wind_speed_m_s=0.0,
    )
    assert fire.heat_release_rate_W / 1e3 == pytest.approx(hrr_kw, rel=2e-5)


def test_burning_rate_limits():
    kw = {"mass_burning_rate_inf_kg_m2_s": 0.055, "k_beta_per_m": 2.1}
    assert pool_burning_rate_kg_m2_s(100.0, **kw) == pytest.approx(0.055, rel=1e-12)
    assert pool_burning_rate_kg_m2_s(1e-4, **kw) == pytest.approx(0.055 * 2.1 * 1e-4, rel=1e-3)
    assert pool_burning_rate_kg_m2_s(1.0, **kw) == pytest.approx(0.055 * (1 - math.exp(-2.1)), rel=1e-12)


def test_thomas_flame_length_still_air_hand():
    # L = 42 D (m''/(ρa sqrt(g D)))^0.61; D = 10 m, m'' = 0.055, ρa = 1.2
    expected = 42 * 10 * (0.055 / (1.2 * math.sqrt(G * 10))) ** 0.61
    assert pool_flame_length_m(10.0, 0.055) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(15.82, abs=0.01)  # L/D ~ 1.6, typical of hydrocarbon pools


def test_thomas_wind_and_aga_tilt_hand():
    # u* = u / (g m'' D / ρv)^(1/3); L = 55 D (m''/(ρa √(gD)))^0.67 u*^-0.21; cos θ = u*^-1/2
    d, m, u, rho_v = 10.0, 0.055, 5.0, 3.3
    u_star = u / (G * m * d / rho_v) ** (1 / 3)
    assert u_star == pytest.approx(4.245, abs=1e-3)
    length = 55 * d * (m / (1.2 * math.sqrt(G * d))) ** 0.67 * u_star**-0.21
    kw = {"wind_speed_m_s": u, "vapour_density_kg_m3": rho_v}
    assert pool_flame_length_m(d, m, **kw) == pytest.approx(length, rel=1e-12)
    assert pool_flame_tilt_rad(d, m, **kw) == pytest.approx(math.acos(u_star**-0.5), rel=1e-12)
    assert math.degrees(pool_flame_tilt_rad(d, m, **kw)) == pytest.approx(60.97, abs=0.01)


def test_light_wind_floors_u_star_at_one():
    # u* < 1: vertical flame (AGA) and the wind length formula with u* = 1
    d, m, rho_v = 10.0, 0.055, 3.3
    u = 0.5 * (G * m * d / rho_v) ** (1 / 3)
    kw = {"wind_speed_m_s": u, "vapour_density_kg_m3": rho_v}
    assert pool_flame_tilt_rad(d, m, **kw) == 0.0
    assert pool_flame_length_m(d, m, **kw) == pytest.approx(55 * d * (m / (1.2 * math.sqrt(G * d))) ** 0.67)
    with pytest.raises(ValueError, match="vapour_density"):
        pool_flame_length_m(d, m, wind_speed_m_s=3.0)


@pytest.mark.parametrize(("diameter", "sep"), [(10.0, 56.143), (1e-6, 140.0), (200.0, 20.0)])
def test_mudan_croce_emissive_power(diameter, sep):
    # SEP = 140 e^(-0.12 D) + 20 (1 - e^(-0.12 D)); D = 10: 140*0.30119 + 20*0.69881 = 56.143
    fire = pool_fire(diameter, wind_speed_m_s=0.0, **GASOLINE)
    assert fire.surface_emissive_power_kw_m2 == pytest.approx(sep, abs=2e-3)


def test_radiative_fraction_emissive_power_and_duration_hand():
    # SEP = χ m'' ΔHc / (1 + 4 L/D); duration = M / (m'' π D²/4)
    fire = pool_fire(
        10.0, wind_speed_m_s=0.0, inventory_kg=20_000.0, emissive_power="radiative_fraction",
        radiative_fraction=0.35, **GASOLINE,
    )  # fmt: skip
    m = 0.055 * (1 - math.exp(-21.0))
    assert fire.surface_emissive_power_kw_m2 == pytest.approx(
        0.35 * m * 43.4e6 / (1 + 4 * fire.flame_length_m / 10.0) / 1e3, rel=1e-12
    )
    assert fire.duration_s == pytest.approx(20_000.0 / (m * math.pi * 25.0), rel=1e-12)
    assert pool_fire(10.0, wind_speed_m_s=0.0, **GASOLINE).duration_s == math.inf
    with pytest.raises(ValueError):
        pool_fire(10.0, wind_speed_m_s=0.0, emissive_power="radiative_fraction", **GASOLINE)


def test_substance_pool_fire_data():
    # Babrauskas (1983) table values [recalled], as stored in models/substances.toml
    for name, (m_inf, k_beta) in {
        "gasoline": (0.055, 2.1),
        "propane": (0.099, 1.4),
        "lpg": (0.099, 1.4),
    }.items():
        s = get_substance(name)
        assert (s.mass_burning_rate_inf_kg_m2_s, s.k_beta_per_m) == (m_inf, k_beta)
        assert "Babrauskas" in s.pool_fire_source
    assert get_substance("chlorine").mass_burning_rate_inf_kg_m2_s is None
    # ideal-gas vapour density at the boiling point: M p / (R T_b), propane 44.097 g/mol, 231.04 K
    propane = get_substance("propane")
    assert propane.vapour_density_at_boiling_point_kg_m3 == pytest.approx(
        0.044097 * 101325 / (8.314462618 * 231.04), rel=1e-9
    )
    fire = pool_fire(
        15.0,
        mass_burning_rate_inf_kg_m2_s=propane.mass_burning_rate_inf_kg_m2_s,
        k_beta_per_m=propane.k_beta_per_m,
        heat_of_combustion_J_kg=propane.heat_of_combustion_J_kg,
        wind_speed_m_s=4.0,
        vapour_density_kg_m3=propane.vapour_density_at_boiling_point_kg_m3,
    )
    assert 0.0 < fire.tilt_rad < math.pi / 2 and fire.burning_rate_kg_m2_s < 0.099


# --- view factors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "h"), [(1.2, 1.0), (1.5, 2.0), (2.0, 3.0), (3.96, 2.43), (10.0, 3.0), (50.0, 0.5)]
)
def test_mudan_vertical_cylinder_against_numerical_integration(s, h):
    radius = 4.0
    closed = float(vertical_cylinder_view_factor(s * radius, radius_m=radius, height_m=h * radius))
    numeric = reference_view_factor((s * radius, 0.0, 0.0), radius, h * radius, 0.0, normal=(-1.0, 0.0, 0.0))
    assert closed == pytest.approx(numeric, rel=2e-5)


def test_vertical_cylinder_far_field_is_projected_area_over_pi_r2():
    # Far away F -> D H / (π r²), the projected flame area seen edge-on; the error is O(R/r)
    # (the visible half of the cylinder is nearer than its axis).
    radius, height = 5.0, 15.0
    for r, tol in [(3e3, 3e-3), (3e4, 3e-4), (3e5, 3e-5)]:
        f = float(vertical_cylinder_view_factor(r, radius_m=radius, height_m=height))
        assert f == pytest.approx(2 * radius * height / (math.pi * r * r), rel=tol)
    assert float(vertical_cylinder_view_factor(20.0, radius_m=5.0, height_m=0.0)) == 0.0
    with pytest.raises(ValueError):
        vertical_cylinder_view_factor(4.0, radius_m=5.0, height_m=10.0)


def _kernel(rx, ry, zt, radius, length, tilt, to=(1.0, 0.0), n_phi=128, n_z=64):
    out = np.empty(len(rx))
    rx, ry = np.asarray(rx, float), np.asarray(ry, float)
    tilted_cylinder_view_factor(rx, ry, zt, radius, length, tilt, to[0], to[1], n_phi, n_z, out)
    return out


@pytest.mark.parametrize("tilt_deg", [30.0, 50.0, 65.0])
@pytest.mark.parametrize("azimuth_deg", [0.0, 45.0, 90.0, 180.0, 250.0])
@pytest.mark.parametrize("distance", [8.0, 12.0, 25.0, 80.0])
def test_tilted_kernel_against_numerical_integration(tilt_deg, azimuth_deg, distance):
    radius, length, zt = 5.0, 14.0, 1.0
    tilt, a = math.radians(tilt_deg), math.radians(azimuth_deg)
    rx, ry = distance * math.cos(a), distance * math.sin(a)
    lean = zt * math.tan(tilt)
    assert math.hypot(rx - lean, ry) > radius, "the parameter grid must keep targets outside the flame"
    ref = reference_view_factor((rx, ry, zt), radius, length, tilt)
    assert _kernel([rx], [ry], zt, radius, length, tilt)[0] == pytest.approx(ref, rel=0.01)


def test_tilted_kernel_any_wind_direction_and_vertical_limit():
    # rotating wind and receptor together changes nothing; tilt -> 0 gives Mudan's closed form
    radius, length, tilt = 6.0, 18.0, math.radians(40.0)
    east = _kernel([30.0, 0.0], [0.0, 30.0], 1.0, radius, length, tilt, to=(1.0, 0.0))
    south = _kernel([0.0, 30.0], [-30.0, 0.0], 1.0, radius, length, tilt, to=(0.0, -1.0))
    np.testing.assert_allclose(east, south, rtol=1e-9)
    near_vertical = _kernel([9.0, 20.0, 60.0], [0.0, 5.0, -3.0], 0.0, radius, length, 1e-9)
    closed = vertical_cylinder_view_factor(
        np.hypot([9.0, 20.0, 60.0], [0.0, 5.0, -3.0]), radius_m=6.0, height_m=18.0
    )
    np.testing.assert_allclose(near_vertical, closed, rtol=3e-3)


def test_tilted_target_faces_its_best_vertical_orientation():
    # Beyond the flame's reach, no other horizontal orientation of the target sees more flame.
    radius, length, tilt = 5.0, 14.0, math.radians(50.0)
    for rx, ry in [(30.0, 4.0), (-15.0, 10.0), (5.0, -20.0)]:
        best = _kernel([rx], [ry], 1.0, radius, length, tilt, n_phi=512, n_z=256)[0]
        others = [
            reference_view_factor((rx, ry, 1.0), radius, length, tilt, normal=(math.cos(b), math.sin(b), 0.0))
            for b in np.radians(np.arange(0.0, 360.0, 10.0))
        ]
        assert best >= max(others) * (1 - 2e-3)


# --- pool fire radiation -----------------------------------------------------------------


def _gasoline_fire(wind: float, diameter: float = 20.0) -> PoolFire:
    return pool_fire(diameter, wind_speed_m_s=wind, vapour_density_kg_m3=3.3, **GASOLINE)


def test_pool_radiation_equals_sep_factor_tau_for_vertical_flame():
    fire = _gasoline_fire(0.0)
    r = np.array([15.0, 40.0, 150.0])
    q = pool_fire_radiation_kw_m2(r, 0.0, fire, centre_x_m=0.0, centre_y_m=0.0, wind_from_deg=270.0)
    # target at 1 m: cylinder split into 1 m below and H - 1 above the target's level
    f = vertical_cylinder_view_factor(r, radius_m=10.0, height_m=fire.flame_height_m - 1.0)
    f += vertical_cylinder_view_factor(r, radius_m=10.0, height_m=1.0)
    np.testing.assert_allclose(
        q, fire.surface_emissive_power_kw_m2 * f * atmospheric_transmissivity(r - 10.0)
    )


def test_pool_radiation_target_above_flame_top():
    fire = PoolFire(10.0, 0.05, 0.5, 0.0, 50.0, 1.0, math.inf)  # a 0.5 m high flame
    q = pool_fire_radiation_kw_m2(20.0, 0.0, fire, centre_x_m=0.0, centre_y_m=0.0, wind_from_deg=0.0)
    f = reference_view_factor((20.0, 0.0, 1.0), 5.0, 0.5, 0.0, normal=(-1.0, 0.0, 0.0))
    assert float(q) == pytest.approx(50.0 * f * float(atmospheric_transmissivity(15.0)), rel=1e-4)


@pytest.mark.parametrize("wind", [0.0, 6.0])
def test_inside_pool_gets_sep_and_grid_shape_is_kept(wind):
    fire = _gasoline_fire(wind)
    x, y = np.meshgrid(np.linspace(-60, 60, 13), np.linspace(-50, 50, 11))
    q = pool_fire_radiation_kw_m2(
        x + 100.0, y - 20.0, fire, centre_x_m=100.0, centre_y_m=-20.0, wind_from_deg=200.0
    )
    assert q.shape == x.shape
    inside = np.hypot(x, y) <= 10.0
    np.testing.assert_allclose(q[inside], fire.surface_emissive_power_kw_m2)
    assert np.all(q[~inside] < fire.surface_emissive_power_kw_m2) and np.all(q > 0.0)


@pytest.mark.parametrize("azimuth_deg", range(0, 360, 30))
def test_vertical_flame_flux_decreases_along_every_ray(azimuth_deg):
    fire = _gasoline_fire(0.0)
    r = np.linspace(10.01, 1000.0, 800)
    a = math.radians(azimuth_deg)
    q = pool_fire_radiation_kw_m2(
        r * math.cos(a), r * math.sin(a), fire, centre_x_m=0, centre_y_m=0, wind_from_deg=0
    )
    assert np.all(np.diff(q) < 0.0)


@pytest.mark.parametrize("azimuth_deg", range(0, 360, 30))
def test_tilted_flame_flux_decreases_beyond_the_flame(azimuth_deg):
    # Upwind and crosswind from the pool edge; downwind from beyond the flame's horizontal reach
    # (under the overhang a vertical target is not monotonic, see pool_fire_radiation_kw_m2).
    fire = _gasoline_fire(6.0)
    reach = fire.radius_m + fire.flame_length_m * math.sin(fire.tilt_rad)
    a = math.radians(azimuth_deg)  # wind from 270°: the flame leans toward +x (azimuth 0)
    start = fire.radius_m + 0.01 if math.cos(a) <= 0.0 else reach + 0.5
    r = np.linspace(start, 1000.0, 600)
    q = pool_fire_radiation_kw_m2(
        r * math.cos(a), r * math.sin(a), fire, centre_x_m=0, centre_y_m=0, wind_from_deg=270
    )
    assert np.all(np.diff(q) < 0.0)


def test_tilted_flame_is_hotter_downwind_and_symmetric_crosswind():
    fire = _gasoline_fire(6.0)
    assert fire.tilt_rad > math.radians(45.0)
    args = {"centre_x_m": 0.0, "centre_y_m": 0.0, "wind_from_deg": 270.0}
    down, up = pool_fire_radiation_kw_m2([40.0, -40.0], 0.0, fire, **args)
    assert down > 2.0 * up
    left, right = pool_fire_radiation_kw_m2(0.0, [30.0, -30.0], fire, **args)
    assert left == pytest.approx(right, rel=1e-12)
    # wind from north: the same fire rotated by 90°
    rotated = pool_fire_radiation_kw_m2(0.0, -40.0, fire, centre_x_m=0.0, centre_y_m=0.0, wind_from_deg=0.0)
    assert float(rotated) == pytest.approx(down, rel=1e-9)


@pytest.mark.parametrize("wind", [0.0, 6.0])
def test_pool_far_field_is_point_source_like(wind):
    # Far away: q r² / τ -> SEP · D · H / π (projected flame area D·H, 1/r² law).
    fire = _gasoline_fire(wind)
    r = np.array([1500.0, 3000.0])
    q = pool_fire_radiation_kw_m2(0.0, r, fire, centre_x_m=0.0, centre_y_m=0.0, wind_from_deg=270.0)
    tau = atmospheric_transmissivity(r - fire.radius_m)
    limit = fire.surface_emissive_power_kw_m2 * fire.diameter_m * fire.flame_height_m / math.pi
    np.testing.assert_allclose(q * r**2 / tau, limit, rtol=0.01)


# --- jet fire ----------------------------------------------------------------------------


def test_jet_flame_length_hand():
    # L = 0.00326 Q^0.478, Q = 2 kg/s * 46.35 MJ/kg = 9.27e7 W -> 0.00326 * e^(0.478 ln 9.27e7)
    expected = 0.00326 * (2.0 * 46.35e6) ** 0.478
    assert jet_flame_length_m(2.0, 46.35e6) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(20.96, abs=0.01)


def test_jet_point_source_hand_and_inverse_square():
    kw = {
        "mass_rate_kg_s": 2.0, "heat_of_combustion_J_kg": 46.35e6, "radiative_fraction": 0.2,
        "source_x_m": 10.0, "source_y_m": 5.0,
    }  # fmt: skip
    centre = 0.5 * jet_flame_length_m(2.0, 46.35e6)  # release at ground, target at 1 m
    x = 10.0 + np.array([30.0, 60.0, 120.0, 240.0])
    q = jet_fire_radiation_kw_m2(x, 5.0, **kw)
    d = np.hypot(x - 10.0, centre - 1.0)
    expected = atmospheric_transmissivity(d) * 0.2 * 2.0 * 46.35e6 / (4 * math.pi * d**2) / 1e3
    np.testing.assert_allclose(q, expected, rtol=1e-12)
    assert np.all(np.diff(q) < 0.0)
    # given centre height; cap at the source
    q0 = jet_fire_radiation_kw_m2(10.0, 5.0, flame_centre_height_m=1.0, **kw)
    assert float(q0) == 350.0


def test_jet_validation():
    with pytest.raises(ValueError):
        jet_fire_radiation_kw_m2(
            0.0, 0.0, mass_rate_kg_s=1.0, heat_of_combustion_J_kg=46e6, radiative_fraction=1.5,
            source_x_m=0.0, source_y_m=0.0,
        )  # fmt: skip


# --- BLEVE fireball ------------------------------------------------------------------------


def test_ccps_propane_tank_truck_bleve_example():
    # CCPS (1994) sample problem via Srivastava's worksheet [seen]: 22.7 m³, 90 % full, 585.3 kg/m³
    mass = 22.7 * 585.3 * 0.9
    assert mass == pytest.approx(11957.7, abs=0.05)
    fb = bleve_fireball(mass, heat_of_combustion_J_kg=46.35e6, vessel_pressure_Pa=1.0e6)
    assert fb.diameter_m == pytest.approx(132.6, abs=0.05)
    assert fb.duration_s == pytest.approx(10.3, abs=0.05)
    # The worksheet puts the ball on the ground (centre at D/2) with a vertical target at ground
    # level, X = 100 m: F = (D/2)² X / (X² + (D/2)²)^1.5 = 0.255, q = 350 F = 89.1 kW/m².
    f = float(
        fireball_view_factor(
            100.0, diameter_m=132.6, centre_height_m=66.3, target_height_m=0.0, orientation="vertical"
        )
    )
    assert f == pytest.approx(0.255, abs=6e-4)
    assert 350.0 * f == pytest.approx(89.1, abs=0.1)


def test_fireball_50_tonnes_hand():
    # M = 50 000 kg (> 30 000 kg): D = 5.8 M^(1/3), t = 2.6 M^(1/6), H = 0.75 D, χ = 0.27 P^0.32
    m, p_mpa, hc = 50_000.0, 1.9, 46.35e6
    fb = bleve_fireball(m, heat_of_combustion_J_kg=hc, vessel_pressure_Pa=p_mpa * 1e6)
    d, t = 5.8 * m ** (1 / 3), 2.6 * m ** (1 / 6)
    assert (fb.diameter_m, fb.duration_s, fb.centre_height_m) == pytest.approx((d, t, 0.75 * d), rel=1e-12)
    assert (d, t) == pytest.approx((213.67, 15.78), abs=0.01)
    assert fb.radiative_fraction == pytest.approx(0.27 * 1.9**0.32, rel=1e-12)
    assert fb.surface_emissive_power_kw_m2 == pytest.approx(
        fb.radiative_fraction * m * hc / (math.pi * d * d * t) / 1e3, rel=1e-12
    )
    assert bleve_fireball(m, heat_of_combustion_J_kg=hc, vessel_pressure_Pa=1e6).radiative_fraction == 0.27


def test_fireball_duration_switches_at_30_tonnes():
    below = bleve_fireball(29_999.0, heat_of_combustion_J_kg=46e6, vessel_pressure_Pa=1e6)
    above = bleve_fireball(30_000.0, heat_of_combustion_J_kg=46e6, vessel_pressure_Pa=1e6)
    assert below.duration_s == pytest.approx(0.45 * 29_999.0 ** (1 / 3), rel=1e-12)
    assert above.duration_s == pytest.approx(2.6 * 30_000.0 ** (1 / 6), rel=1e-12)
    assert abs(above.duration_s / below.duration_s - 1) < 0.05  # the two fits nearly meet


def test_fireball_energy_conservation_through_the_flux():
    # A sphere radiating SEP over its surface for t gives, on a facing target at distance L and
    # with τ removed, q 4π L² t = χ M ΔHc (all radiated energy), whatever L.
    fb = bleve_fireball(20_000.0, heat_of_combustion_J_kg=46.35e6, vessel_pressure_Pa=1.5e6)
    x = np.array([200.0, 500.0, 2000.0])
    q = fireball_radiation_kw_m2(x, 0.0, fb, centre_x_m=0.0, centre_y_m=0.0, target_height_m=0.0)
    dist = np.hypot(x, fb.centre_height_m)
    tau = atmospheric_transmissivity(dist - fb.radius_m)
    energy = q * 1e3 / tau * 4 * math.pi * dist**2 * fb.duration_s
    np.testing.assert_allclose(energy, fb.radiative_fraction * 20_000.0 * 46.35e6, rtol=1e-12)


def test_fireball_flux_decreases_and_vertical_is_below_facing():
    fb = bleve_fireball(50_000.0, heat_of_combustion_J_kg=46.35e6, vessel_pressure_Pa=1.0e6)
    x = np.linspace(0.0, 3000.0, 500)
    facing = fireball_radiation_kw_m2(x, 0.0, fb, centre_x_m=0.0, centre_y_m=0.0)
    vertical = fireball_radiation_kw_m2(x, 0.0, fb, centre_x_m=0.0, centre_y_m=0.0, orientation="vertical")
    assert np.all(np.diff(facing) < 0.0) and np.all(facing < fb.surface_emissive_power_kw_m2)
    # vertical = facing · X/L (cosine between the horizontal normal and the line to the centre)
    cos_beta = x / np.hypot(x, fb.centre_height_m - 1.0)
    np.testing.assert_allclose(vertical, facing * cos_beta, rtol=1e-12)
    f_inside = fireball_view_factor(0.0, diameter_m=100.0, centre_height_m=30.0, target_height_m=0.0)
    assert float(f_inside) == 1.0
    with pytest.raises(ValueError):
        fireball_view_factor(10.0, diameter_m=10.0, centre_height_m=7.5, orientation="up")
    with pytest.raises(ValueError):
        bleve_fireball(1e4, heat_of_combustion_J_kg=46e6, vessel_pressure_Pa=1e9)
