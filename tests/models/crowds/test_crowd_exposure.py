"""Hazard coupling of the crowd: fields at positions, floodwater, toxic load, heat, smoke, density, crush.

What each test checks against:

* Bilinear sampling reproduces a linear field exactly (analytic), holds edge values in the
  outer half cell and is NaN off the grid.
* Wading speed: 0.35 m of still water costs 41.7 % of the speed, the mean of the 38.6 % (men)
  and 44.8 % (women) that Li, Song, Zhang & Bode (2026) measured (abstract).
* Flood instability at the limits of AIDR Guideline 7-3's classes H2/H3 typed here from the
  guideline's table (d 0.5 / 1.2 m, d·v 0.6 m²/s, v 2 m/s), on both sides of each limit.
* Toxic load with individual tolerances: of 20 000 people breathing chlorine at Withers &
  Lees' (1985) LC50s, 433 ppm for 10 min and 250 ppm for 30 min, half die (± 1.5 %).
* Heat: with Eisenberg's constants (a = −38.48, b = 2.56, typed from the project sheet, as
  HyRAM+ codes them) half die at the dose exp((5 + 38.48)/2.56) and 1 % at the 1 % dose.
* Smoke FED: the sheet's spot values, 1000 ppm CO for 30 min gives 1.063 and
  ``HV_CO2(1 %)`` = 1.259.
* Cone-kernel density (radius 1 m) equals the number density of square and hexagonal
  lattices of 4-8 people/m² (analytic) within 5 %, and a plain all-pairs twin on random
  points to 1e-12.
* Crush monitor: one report per place and episode, none for short peaks, a new one only
  after the place has stayed below 80 % of the critical density for the duration; a jam
  spanning neighbouring places, or hovering around the critical value, is one episode.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.grid import Grid
from models.crowds.exposure import (
    CrushMonitor,
    fed_rate_per_min,
    flood_outcome,
    hyperventilation_factor,
    lethal_loads,
    lethal_thermal_doses,
    local_density,
    sample_field,
    thermal_dose_step,
    toxic_load_step,
    wading_speed_factor,
)
from models.impact.probit import ppm_to_mg_m3
from models.impact.thermal import THERMAL_PROBITS
from models.substances import get_substance


def test_sample_field_is_exact_for_linear_fields_and_nan_outside():
    g = Grid(100.0, 50.0, 10.0, nx=6, ny=4)
    xc, yc = np.meshgrid(g.x_m, g.y_m)
    layer = 2.0 * xc - 3.0 * yc + 7.0
    rng = np.random.default_rng(0)
    x = rng.uniform(105.0, 155.0, 200)  # between the outermost centres
    y = rng.uniform(55.0, 85.0, 200)
    assert np.allclose(sample_field(layer, g, x, y), 2 * x - 3 * y + 7.0, rtol=0, atol=1e-9)
    edge = sample_field(layer, g, np.array([101.0, 159.0]), np.array([55.0, 55.0]))
    assert edge.tolist() == pytest.approx([layer[0, 0], layer[0, -1]])  # held in the outer half cell
    off = sample_field(layer, g, np.array([99.0, 161.0, 120.0]), np.array([60.0, 60.0, 91.0]))
    assert np.isnan(off).all()


def test_wading_speed_at_the_measured_depth_and_flow_penalty():
    loss_at_035 = (0.386 + 0.448) / 2  # Li et al. 2026: men and women, dry -> 0.35 m
    f = wading_speed_factor(np.array([0.0, 0.35, 0.175]))
    assert f[0] == 1.0 and f[1] == pytest.approx(1 - loss_at_035, abs=1e-3)
    assert f[2] == pytest.approx(1 - loss_at_035 / 2, abs=1e-3)  # linear between knots
    assert np.all(np.diff(wading_speed_factor(np.linspace(0, 3, 50))) <= 0)  # deeper is never faster
    slowed = wading_speed_factor(np.array([0.35, 0.35]), np.array([0.0, 0.6 / 0.35]), flow_speed_penalty=0.5)
    assert slowed[1] == pytest.approx(slowed[0] / 2)  # at d·v = 0.6 m²/s the assumed penalty halves it


@pytest.mark.parametrize(
    ("depth", "speed", "adult", "child"),
    [
        (0.04, 3.0, 0, 0),  # not wet (wet depth 0.05 m)
        (0.30, 2.0, 0, 0),  # v = 2 m/s is still inside H1-H3
        (0.30, 2.01, 1, 1),  # v above 2 m/s: H5 (d·v 0.6)
        (0.50, 1.20, 0, 0),  # d·v = 0.6 exactly: H2
        (0.50, 1.21, 1, 1),  # d·v above 0.6: H4
        (0.51, 0.0, 0, 1),  # H3: unsafe for children and the elderly
        (1.20, 0.0, 0, 1),
        (1.21, 0.0, 1, 1),  # H4: unsafe for people
        (2.00, 0.0, 1, 1),
        (2.01, 0.0, 2, 2),  # deeper than the assumed drowning depth
    ],
)
def test_flood_outcome_follows_the_aidr_class_limits(depth, speed, adult, child):
    got = flood_outcome(np.array([depth, depth]), np.array([speed, speed]), np.array([False, True]))
    assert got.tolist() == [adult, child]


@pytest.mark.parametrize(("ppm", "minutes"), [(433.0, 10.0), (250.0, 30.0)])
def test_chlorine_tolerances_give_half_deaths_at_withers_lees_lc50(ppm, minutes):
    cl2 = get_substance("chlorine")
    probit = cl2.lethality_probit("withers_lees_1985")
    n = 20_000
    threshold = lethal_loads(probit, np.random.default_rng(5).uniform(size=n))
    load = np.zeros(n)
    c_mg_m3 = np.full(n, ppm_to_mg_m3(ppm, cl2.molar_mass_g_mol))
    to_ppm = ppm / c_mg_m3[0]
    for _ in range(round(minutes * 6)):  # 10 s steps
        toxic_load_step(load, c_mg_m3, 10.0, probit, to_ppm)
    assert load[0] == pytest.approx(ppm**2 * minutes, rel=1e-9)
    assert np.mean(load >= threshold) == pytest.approx(0.5, abs=0.015)


def test_heat_tolerances_follow_eisenberg():
    a, b = -38.48, 2.56  # Eisenberg et al. 1975, Y = a + b ln(t I^(4/3)), I in W/m2
    flux_kw = 10.0
    rate = (flux_kw * 1000.0) ** (4 / 3)
    n = 20_000
    doses = lethal_thermal_doses(THERMAL_PROBITS["eisenberg"], np.random.default_rng(9).uniform(size=n))
    for p, z in ((0.5, 0.0), (0.01, -2.3263478740408408)):
        t = math.exp((5 + z - a) / b) / rate
        dose = np.zeros(n)
        steps = 100
        for _ in range(steps):
            thermal_dose_step(dose, np.full(n, flux_kw), t / steps)
        assert dose[0] == pytest.approx(rate * t, rel=1e-9)
        assert np.mean(dose >= doses) == pytest.approx(p, abs=max(0.015, 0.2 * p))


def test_smoke_fed_spot_values():
    assert fed_rate_per_min(np.array([1000.0]))[0] * 30.0 == pytest.approx(1.063, abs=5e-4)
    assert hyperventilation_factor(np.array([1.0]))[0] == pytest.approx(1.259, abs=5e-4)
    both = fed_rate_per_min(np.array([1000.0]), None, np.array([1.0]))[0]
    assert both == pytest.approx(fed_rate_per_min(np.array([1000.0]))[0] * 1.259, rel=1e-3)
    clean = fed_rate_per_min(None, np.array([0.0]), None, np.array([20.9]))[0]
    assert clean < 1e-3  # fresh air: far from incapacitation in an hour


def _density_twin(x, y, radius):
    out = np.zeros(x.size)
    for i in range(x.size):
        d = np.hypot(x - x[i], y - y[i])
        out[i] = np.sum(np.where(d < radius, 1.0 - d / radius, 0.0)) * 3.0 / (math.pi * radius**2)
    return out


@pytest.mark.parametrize("a", [0.38, 0.42, 0.45, 0.5])
def test_cone_density_matches_lattice_densities_near_the_critical_value(a):
    """Square and hexagonal lattices of 4-8 people/m2 (spacing a), kernel radius 1 m: within 5 %."""
    xs, ys = np.meshgrid(np.arange(0.0, 20.0, a), np.arange(0.0, 20.0, a))
    rho = local_density(xs.ravel(), ys.ravel(), radius_m=1.0)
    centre = np.hypot(xs.ravel() - 10.0, ys.ravel() - 10.0) < 3.0
    assert rho[centre] == pytest.approx(np.full(centre.sum(), 1 / a**2), rel=0.05)
    rows, cols = np.meshgrid(np.arange(60), np.arange(60), indexing="ij")
    hx = (cols + 0.5 * (rows % 2)) * a
    hy = rows * a * math.sqrt(3) / 2
    rho = local_density(hx.ravel(), hy.ravel(), radius_m=1.0)
    mid = np.hypot(hx.ravel() - hx.mean(), hy.ravel() - hy.mean()) < 3.0
    assert rho[mid] == pytest.approx(np.full(mid.sum(), 2 / (math.sqrt(3) * a**2)), rel=0.05)


def test_cone_density_matches_an_all_pairs_twin():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 8, 300), rng.uniform(0, 5, 300)
    mask = rng.uniform(size=300) < 0.8
    got = local_density(x, y, radius_m=0.9, mask=mask)
    assert np.max(np.abs(got[mask] - _density_twin(x[mask], y[mask], 0.9))) < 1e-12
    assert (got[~mask] == 0).all()


def test_crush_monitor_reports_once_per_place_and_episode():
    mon = CrushMonitor(5.55, 3.0, 5.0, (0.0, 0.0), (2, 4))
    x = np.array([1.0, 12.0])
    y = np.array([1.0, 6.0])

    def step(t, d0, d1):
        return mon.update(t, x, y, np.array([d0, d1]))

    reported = []
    for t in range(0, 7):  # a 2 s peak at place 0 (t = 1, 2), then 4 s below: no report
        reported += step(float(t), 6.0 if t in (1, 2) else 3.0, 3.0)
    assert reported == []
    for t in range(7, 15):  # a long jam at both places
        reported += step(float(t), 6.0, 6.0)
    assert [(e.t_s, e.place) for e in reported] == [(10.0, 0), (10.0, 6)]
    assert reported[0].x_m == 1.0 and reported[0].since_s == 7.0
    for t in range(15, 17):  # place 0 dips for 2 s (< 3 s) and is dense again: the same episode
        reported += step(float(t), 3.0, 6.0)
    for t in range(17, 23):
        reported += step(float(t), 6.0, 6.0)
    assert len(reported) == 2
    for t in range(23, 27):  # place 0 stays below for 3 s: the episode ends
        reported += step(float(t), 3.0, 6.0)
    for t in range(27, 31):
        reported += step(float(t), 6.0, 6.0)
    assert [(e.t_s, e.place) for e in reported[2:]] == [(30.0, 0)]


def test_a_jam_across_neighbouring_places_is_one_episode():
    """A door on the line between two places: both get dense together, one report."""
    mon = CrushMonitor(5.55, 2.0, 5.0, (0.0, 0.0), (3, 4))
    x, y = np.array([7.0, 7.0, 18.0]), np.array([4.9, 5.1, 14.0])  # places 1 and 5 touch; 11 is apart
    reports = []
    for t in range(6):
        reports += mon.update(float(t), x, y, np.array([6.0, 6.5, 3.0 if t < 4 else 7.0]))
    assert [(e.t_s, e.place, e.density_p_m2) for e in reports] == [(2.0, 5, 6.5)]
    for t in range(6, 9):
        reports += mon.update(float(t), x, y, np.array([6.0, 6.5, 7.0]))
    assert [(e.t_s, e.place) for e in reports[1:]] == [(6.0, 11)]  # the far place is its own episode


def test_a_jam_hovering_around_the_critical_density_is_one_episode():
    """Above 5.55 every other second, never below 80 % of it: time above adds up, one report."""
    mon = CrushMonitor(5.55, 3.0, 5.0, (0.0, 0.0), (1, 1))
    reports = []
    for t in range(40):
        reports += mon.update(float(t), np.array([1.0]), np.array([1.0]), np.array([6.0 if t % 2 else 4.5]))
    assert [e.t_s for e in reports] == [7.0]  # above during 1-2, 3-4, 5-6: 3 s at t = 7
    for t in range(40, 44):  # below 4.44 for 3 s ends it; the next jam is new
        reports += mon.update(float(t), np.array([1.0]), np.array([1.0]), np.array([4.0]))
    for t in range(44, 48):
        reports += mon.update(float(t), np.array([1.0]), np.array([1.0]), np.array([6.0]))
    assert [e.t_s for e in reports] == [7.0, 47.0]
