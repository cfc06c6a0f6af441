"""Toxic load indoors and outdoors against analytic integrals; casualties by probit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Scenario, Simulation
from models.impact.toxic_exposure import (
    _GL_W,
    _GL_X,
    _accumulate_toxic_load_reference,
    accumulate_toxic_load,
)
from models.substances import get_substance
from tests.conftest import SMALL, small_text


def run_steps(c_out_series, dt_min, lam_per_min, n, factor=1.0):
    size = len(c_out_series[0])
    state = [np.zeros(size) for _ in range(4)]  # c_in, load_out, load_in, c_max
    for c in c_out_series:
        accumulate_toxic_load(np.asarray(c, float), *state, dt_min, lam_per_min, n, factor, _GL_X, _GL_W)
    return state


def test_constant_outdoor_exposure_gives_c_to_the_n_times_t():
    c, minutes, n = 300.0, 30, 2.0
    _, load_out, _, c_max = run_steps([[c]] * minutes, 1.0, 1.0 / 60, n)
    assert load_out[0] == pytest.approx(c**n * minutes, rel=1e-12)
    assert c_max[0] == c


def test_indoor_load_matches_the_analytic_single_zone_integral_for_n_2():
    # Outdoor air steps to C at t=0 and stays: C_in = C(1 - e^{-λt}), and
    # ∫0^T C_in² dt = C² [T - 2(1-e^{-λT})/λ + (1-e^{-2λT})/(2λ)].
    c, lam, t_total, dt = 100.0, 1.0 / 60.0, 45.0, 0.5
    steps = int(t_total / dt)
    c_in, _, load_in, _ = run_steps([[c]] * steps, dt, lam, 2.0)
    exact = c**2 * (
        t_total - 2 * (1 - math.exp(-lam * t_total)) / lam + (1 - math.exp(-2 * lam * t_total)) / (2 * lam)
    )
    assert load_in[0] == pytest.approx(exact, rel=1e-9)
    assert c_in[0] == pytest.approx(c * (1 - math.exp(-lam * t_total)), rel=1e-12)


def test_indoor_air_keeps_dosing_after_the_cloud_has_passed():
    # After the cloud: C_in decays as C0 e^{-λt}; ∫0^∞ (C0 e^{-λt})² dt = C0²/(2λ).
    lam = 0.05
    c_in0 = 80.0
    size = 1
    c_in = np.full(size, c_in0)
    load_out, load_in, c_max = np.zeros(size), np.zeros(size), np.zeros(size)
    for _ in range(4000):
        accumulate_toxic_load(
            np.zeros(size), c_in, load_out, load_in, c_max, 0.5, lam, 2.0, 1.0, _GL_X, _GL_W
        )
    assert load_out[0] == 0.0
    assert load_in[0] == pytest.approx(c_in0**2 / (2 * lam), rel=1e-6)


def test_kernel_equals_its_python_twin_on_random_inputs():
    rng = np.random.default_rng(0)
    a = [rng.uniform(0, 50, 200) * (rng.random(200) > 0.3) for _ in range(3)]
    for n in (1.0, 2.0, 2.75):
        s_fast = [np.zeros(200) for _ in range(4)]
        s_ref = [np.zeros(200) for _ in range(4)]
        for c in a:
            accumulate_toxic_load(c, *s_fast, 0.3, 0.02, n, 0.345, _GL_X, _GL_W)
            _accumulate_toxic_load_reference(c, *s_ref, 0.3, 0.02, n, 0.345, _GL_X, _GL_W)
        for x, y in zip(s_fast, s_ref, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=0)


def briggs_d_rural(x):
    """Briggs open-country class D, written out from the reference sheet."""
    return 0.08 * x / math.sqrt(1 + 0.0001 * x), 0.06 * x / math.sqrt(1 + 0.0015 * x)


@pytest.fixture(scope="module")
def calm_run():
    text = small_text(**{", wind_from_sd_deg = 10.0": ""})
    sc = Scenario.from_text(text, base_dir=SMALL.parent)
    return sc, Simulation(sc, seed=1).run()


def test_pipeline_plume_and_casualties_match_hand_computation(calm_run):
    sc, out = calm_run
    grid = sc.make_grid()
    q, u, h, z = 5.0, 2.5, 1.0, 1.5  # the small scenario's release and weather
    src_x, src_y, t_release, duration = 200.0, 600.0, 30.0, 600.0
    cl2 = get_substance("chlorine")
    probit = cl2.lethality_probit()
    to_ppm = 8.314462618 * 298.15 / 101325.0 * 1e3 / cl2.molar_mass_g_mol  # ppm per mg/m³
    times = np.arange(40.0, 1200.0 + 1e-9, 10.0)  # the impact's step instants
    for x_cell in (510.0, 1010.0, 1490.0):  # cell centres on the plume axis row
        j, i = grid.index_of(x_cell, src_y + 10.0)
        x_down = grid.x_m[i] - src_x
        y_cross = grid.y_m[j] - src_y
        sy, sz = briggs_d_rural(x_down)
        c_kg = (
            q
            / (2 * math.pi * u * sy * sz)
            * math.exp(-(y_cross**2) / (2 * sy**2))
            * (math.exp(-((z - h) ** 2) / (2 * sz**2)) + math.exp(-((z + h) ** 2) / (2 * sz**2)))
        )
        steady = out.maps["plume_steady_concentration_mg_m3"].data[j, i]
        assert steady == pytest.approx(c_kg * 1e6, rel=1e-9)
        # Air at this cell is polluted from arrival x/u until x/u + duration.
        age = times - t_release
        on = (age >= x_down / u) & (age <= x_down / u + duration)
        load = ((c_kg * 1e6 * to_ppm) ** 2 * 10.0 / 60.0) * on.sum()
        assert out.maps["toxic_load_outdoor"].data[j, i] == pytest.approx(load, rel=1e-9)
        p = 0.5 * math.erfc(-(probit.a + probit.b * math.log(load) - 5) / math.sqrt(2))
        assert out.maps["lethality_outdoor"].data[j, i] == pytest.approx(p, rel=1e-9, abs=1e-15)


def test_concentration_field_arrives_and_leaves_with_the_wind(calm_run):
    sc, out = calm_run
    grid = sc.make_grid()
    field = out.series["gas_concentration_mg_m3"].data
    times = out.times_s
    j, i = grid.index_of(1010.0, 610.0)
    x_down = grid.x_m[i] - 200.0
    arrive, leave = 30.0 + x_down / 2.5, 30.0 + x_down / 2.5 + 600.0
    seen = field[:, j, i] > 0
    assert not seen[times < arrive].any()
    assert seen[(times >= arrive) & (times <= leave)].all()
    assert not seen[times > leave].any()


def test_deaths_are_sampled_around_the_expected_value_and_injuries_follow_the_aegl_load(calm_run):
    _sc, out = calm_run
    k = {n: v.value for n, v in out.kpis.items()}
    assert k["deaths"] == out.maps["deaths"].data.sum()
    assert k["deaths_expected"] == pytest.approx(out.maps["deaths_expected"].data.sum())
    # Binomial sampling: a 4-sigma band around the expected deaths.
    assert abs(k["deaths"] - k["deaths_expected"]) <= 4 * math.sqrt(k["deaths_expected"]) + 1
    assert k["injured"] > 0 and k["people_above_threshold"] > 0
    cl2 = get_substance("chlorine")
    injury_load = cl2.lethality_probit().load_for_constant(cl2.aegl_ppm(2, 60.0), 60.0)
    below = out.maps["toxic_load_outdoor"].data < injury_load
    below &= out.maps["toxic_load_indoor"].data < injury_load
    assert out.maps["injured"].data[below].sum() == 0
    chain = [e.kind for e in out.events]
    assert (
        chain.index("tank_rupture")
        < chain.index("release_started")
        < chain.index("toxic_threshold_reached_population")
        < chain.index("casualties_estimated")
    )
