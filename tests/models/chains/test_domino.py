"""Domino escalation: probits against hand computations, Monte Carlo against analytic probabilities.

Reference formulas, typed in by hand from the papers' published form (see the module docstring
for what was checked): Cozzani & Salzano 2004 overpressure probits, Cozzani et al. 2005 time to
failure, Cozzani et al. 2005 / Landucci et al. 2009 probits of ttf (ttf in min), thresholds of
Cozzani, Gubinelli & Salzano 2006.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from models.chains.domino import (
    ATMOSPHERIC,
    AUXILIARY,
    ELONGATED,
    PRESSURISED,
    DominoResult,
    _counter_uniform,
    _counter_uniform_reference,
    _domino_sequences_reference,
    _key_from_seed,
    _ttf_parameters,
    category_code,
    domino_sequences,
    escalation_tree,
    heat_escalation_probability,
    overpressure_escalation_probability,
    simulate_domino,
    time_to_failure_s,
)


def phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


OP_PROBIT = {
    ATMOSPHERIC: lambda p: -18.96 + 2.44 * math.log(p),
    PRESSURISED: lambda p: -42.44 + 4.33 * math.log(p),
    ELONGATED: lambda p: -28.07 + 3.16 * math.log(p),
    AUXILIARY: lambda p: -17.79 + 2.18 * math.log(p),
}
OP_THRESHOLD_PA = {ATMOSPHERIC: 22e3, PRESSURISED: 16e3, ELONGATED: 31e3, AUXILIARY: 37e3}
HEAT_THRESHOLD = {ATMOSPHERIC: 15.0, PRESSURISED: 45.0, ELONGATED: 45.0, AUXILIARY: 45.0}


def ttf_hand(flux: float, volume: float, category: int) -> float:
    if category == ATMOSPHERIC:
        return math.exp(-1.128 * math.log(flux) - 2.667e-5 * volume + 9.877)
    return math.exp(-0.947 * math.log(flux) + 8.835 * volume**0.032)


def p_op_hand(p: float, category: int) -> float:
    return phi(OP_PROBIT[category](p) - 5.0) if p >= OP_THRESHOLD_PA[category] else 0.0


def p_heat_hand(flux: float, volume: float, category: int, k1: float = 12.54) -> float:
    if flux < HEAT_THRESHOLD[category]:
        return 0.0
    return phi(k1 - 1.847 * math.log(ttf_hand(flux, volume, category) / 60.0) - 5.0)


# --- probits -----------------------------------------------------------------------------


@pytest.mark.parametrize("category", [ATMOSPHERIC, PRESSURISED, ELONGATED, AUXILIARY])
@pytest.mark.parametrize("factor", [1.0, 1.3, 2.0, 4.0, 10.0])
def test_overpressure_probit_matches_hand(category, factor):
    p = OP_THRESHOLD_PA[category] * factor
    expected = phi(OP_PROBIT[category](p) - 5.0)
    assert overpressure_escalation_probability(p, category) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_overpressure_probit_spot_values():
    # Y = -18.96 + 2.44 ln(30000) = 6.1938 -> P = 0.8837; Y_press(100 kPa) = -42.44 + 4.33 ln 1e5 = 7.41
    assert overpressure_escalation_probability(30e3, ATMOSPHERIC) == pytest.approx(0.88373, abs=1e-5)
    assert overpressure_escalation_probability(1e5, PRESSURISED) == pytest.approx(phi(2.4105), abs=1e-4)


@pytest.mark.parametrize("category", [ATMOSPHERIC, PRESSURISED, ELONGATED, AUXILIARY])
def test_overpressure_zero_below_threshold(category):
    below = np.array([0.0, 1.0, 5e3, OP_THRESHOLD_PA[category] * 0.999])
    np.testing.assert_array_equal(overpressure_escalation_probability(below, category), 0.0)
    assert overpressure_escalation_probability(OP_THRESHOLD_PA[category], category) > 0.0


def test_overpressure_vectorised_over_categories():
    p = np.array([[30e3], [60e3]])
    cats = np.array([ATMOSPHERIC, PRESSURISED, ELONGATED, AUXILIARY])
    out = overpressure_escalation_probability(p, cats)
    assert out.shape == (2, 4)
    for (i, j), value in np.ndenumerate(out):
        assert value == pytest.approx(p_op_hand(float(p[i, 0]), int(cats[j])), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("category", [ATMOSPHERIC, PRESSURISED, ELONGATED, AUXILIARY])
@pytest.mark.parametrize(("flux", "volume"), [(10.0, 50.0), (20.0, 1000.0), (50.0, 5000.0), (120.0, 30e3)])
def test_time_to_failure_matches_hand(category, flux, volume):
    assert time_to_failure_s(flux, volume, category) == pytest.approx(
        ttf_hand(flux, volume, category), rel=1e-12
    )


def test_time_to_failure_spot_values_and_zero_flux():
    # exp(-1.128 ln 20 - 2.667e-5 * 1000 + 9.877) = 646.2 s; exp(-0.947 ln 60 + 8.835 * 100**0.032) = 578.5 s
    assert time_to_failure_s(20.0, 1000.0, ATMOSPHERIC) == pytest.approx(646.22, abs=0.01)
    assert time_to_failure_s(60.0, 100.0, PRESSURISED) == pytest.approx(578.51, abs=0.01)
    assert time_to_failure_s(0.0, 100.0, ATMOSPHERIC) == math.inf


@pytest.mark.parametrize("category", [ATMOSPHERIC, PRESSURISED, ELONGATED, AUXILIARY])
@pytest.mark.parametrize("factor", [1.0, 1.5, 3.0])
@pytest.mark.parametrize("volume", [30.0, 800.0, 12e3])
def test_heat_probit_matches_hand(category, factor, volume):
    flux = HEAT_THRESHOLD[category] * factor
    assert heat_escalation_probability(flux, volume, category) == pytest.approx(
        p_heat_hand(flux, volume, category), rel=1e-12, abs=1e-300
    )
    assert heat_escalation_probability(flux, volume, category, heat_probit="landucci2009") == pytest.approx(
        p_heat_hand(flux, volume, category, k1=9.25), rel=1e-12, abs=1e-300
    )


@pytest.mark.parametrize("category", [ATMOSPHERIC, PRESSURISED, ELONGATED, AUXILIARY])
def test_heat_zero_below_threshold(category):
    below = np.array([0.0, 1.0, HEAT_THRESHOLD[category] * 0.999])
    np.testing.assert_array_equal(heat_escalation_probability(below, 500.0, category), 0.0)
    assert heat_escalation_probability(HEAT_THRESHOLD[category], 500.0, category) > 0.0


@pytest.mark.parametrize(("ttf_min", "expected"), [(5.0, 0.90), (20.0, 0.10)])
def test_landucci_probit_calibration(ttf_min, expected):
    # Landucci et al. 2009 probit: 90 % at ttf = 5 min, 10 % at 20 min (the calibration quoted with it).
    volume = 5000.0  # pressurised: ln ttf = -0.947 ln I + 8.835 V^0.032, solved for I
    flux = math.exp((8.835 * volume**0.032 - math.log(60.0 * ttf_min)) / 0.947)
    assert flux > 45.0
    p = heat_escalation_probability(flux, volume, PRESSURISED, heat_probit="landucci2009")
    assert p == pytest.approx(expected, abs=1e-3)


def test_heat_needs_fire_longer_than_ttf():
    ttf = time_to_failure_s(30.0, 1000.0, ATMOSPHERIC)
    p = heat_escalation_probability(30.0, 1000.0, ATMOSPHERIC, exposure_duration_s=[ttf * 0.99, ttf * 1.01])
    assert p[0] == 0.0
    assert p[1] == pytest.approx(p_heat_hand(30.0, 1000.0, ATMOSPHERIC), rel=1e-12)


def test_probit_input_validation():
    with pytest.raises(ValueError, match="category"):
        overpressure_escalation_probability(30e3, 4)
    with pytest.raises(ValueError, match="p_pa"):
        overpressure_escalation_probability(-1.0, 0)
    with pytest.raises(ValueError, match="volume_m3"):
        time_to_failure_s(20.0, 0.0, 0)
    with pytest.raises(ValueError, match="heat_probit"):
        heat_escalation_probability(20.0, 10.0, 0, heat_probit="eisenberg")
    assert category_code("pressurized") == PRESSURISED
    with pytest.raises(ValueError, match="category"):
        category_code("sphere")


# --- Monte Carlo: analytic probabilities ------------------------------------------------------


def binomial_ok(count: int, n: int, p: float) -> bool:
    return abs(count / n - p) <= 4.0 * math.sqrt(max(p * (1.0 - p), 1e-12) / n)


@pytest.mark.parametrize("heat_probit", ["cozzani2005", "landucci2009"])
def test_first_level_frequencies_equal_probits(heat_probit):
    k1 = 12.54 if heat_probit == "cozzani2005" else 9.25
    n = 6
    cats = np.array([ATMOSPHERIC, ATMOSPHERIC, PRESSURISED, ATMOSPHERIC, ELONGATED, AUXILIARY])
    vols = np.array([500.0, 800.0, 100.0, 2000.0, 60.0, 5.0])
    flux, op = np.zeros((n, n)), np.zeros((n, n))
    op[0, 1] = 30e3  # overpressure only
    flux[0, 2] = 90.0  # heat only
    op[0, 3], flux[0, 3] = 25e3, 17.0  # both vectors
    op[0, 4] = 40e3
    op[0, 5], flux[0, 5] = 45e3, 50.0
    # only the primary acts: no row but 0 has effects, so nothing escalates beyond level 1
    res = simulate_domino(0, flux, op, cats, vols, 20_000, seed=11, heat_probit=heat_probit)
    assert res.level.max() <= 1
    for j in range(1, n):
        p_op = p_op_hand(op[0, j], int(cats[j]))
        p_heat = p_heat_hand(flux[0, j], vols[j], int(cats[j]), k1) if flux[0, j] > 0 else 0.0
        p = 1.0 - (1.0 - p_op) * (1.0 - p_heat)
        assert 0.0 < p < 1.0
        assert binomial_ok(int(res.failed[:, j].sum()), res.n_replicas, p), (j, p)
        by_op = int((res.vector[:, j] == 1).sum())
        assert binomial_ok(by_op, res.n_replicas, p_op)
        heat_times = res.time_s[res.vector[:, j] == 2, j]
        if heat_times.size:
            np.testing.assert_allclose(heat_times, ttf_hand(flux[0, j], vols[j], int(cats[j])), rtol=1e-12)
        np.testing.assert_array_equal(res.time_s[res.vector[:, j] == 1, j], 0.0)
    assert (res.cause[:, 1:][res.failed[:, 1:]] == 0).all()


def three_unit_case():
    # Overpressure only: p01, p02 from the primary; p12 (1 -> 2) and p21 (2 -> 1) at the next level.
    cats = np.array([ATMOSPHERIC, ATMOSPHERIC, ELONGATED])
    op = np.zeros((3, 3))
    op[0, 1], op[0, 2], op[1, 2], op[2, 1] = 24e3, 32e3, 36e3, 26e3
    p01, p02 = p_op_hand(24e3, ATMOSPHERIC), p_op_hand(32e3, ELONGATED)
    p12, p21 = p_op_hand(36e3, ELONGATED), p_op_hand(26e3, ATMOSPHERIC)
    return cats, op, (p01, p02, p12, p21)


def test_two_level_path_probabilities():
    cats, op, (p01, p02, p12, p21) = three_unit_case()
    res = simulate_domino(0, np.zeros((3, 3)), op, cats, [100.0, 100.0, 100.0], 20_000, seed=2024)
    r = res.n_replicas
    # hand: unit 2 fails at level 1 (p02) or through 1 at level 2 ((1 - p02) p01 p12), and vice versa
    assert binomial_ok(int(res.failed[:, 2].sum()), r, p02 + (1 - p02) * p01 * p12)
    assert binomial_ok(int(res.failed[:, 1].sum()), r, p01 + (1 - p01) * p02 * p21)
    assert binomial_ok(int((res.level[:, 2] == 2).sum()), r, (1 - p02) * p01 * p12)
    assert binomial_ok(int((res.level[:, 1] == 2).sum()), r, (1 - p01) * p02 * p21)
    both = p01 * p02 + p01 * (1 - p02) * p12 + p02 * (1 - p01) * p21
    assert binomial_ok(int(res.failed.all(axis=1).sum()), r, both)
    second = res.level[:, 2] == 2
    assert (res.cause[second, 2] == 1).all()


def test_fluxes_add_up_and_overpressures_take_the_maximum():
    n = 5
    flux, op = np.zeros((n, n)), np.zeros((n, n))
    op[0, 1] = op[0, 2] = 1e7  # 1 and 2 fail at level 1 with certainty
    flux[1, 3], flux[2, 3] = 11.0, 9.0  # each below 15 kW/m², together 20 kW/m²
    op[1, 4], op[2, 4] = 23e3, 25e3  # atmospheric target: max 25 kPa, not the 48 kPa sum
    cats, vols = np.zeros(n, dtype=int), np.full(n, 1000.0)
    res = simulate_domino(0, flux, op, cats, vols, 20_000, seed=5, heat_probit="landucci2009")
    assert res.failed[:, 1:3].all()
    assert binomial_ok(int(res.failed[:, 3].sum()), res.n_replicas, p_heat_hand(20.0, 1000.0, 0, k1=9.25))
    assert (res.cause[res.failed[:, 3], 3] == 1).all()  # dominant flux
    np.testing.assert_allclose(res.time_s[res.failed[:, 3], 3], ttf_hand(20.0, 1000.0, 0), rtol=1e-12)
    assert binomial_ok(int(res.failed[:, 4].sum()), res.n_replicas, p_op_hand(25e3, 0))
    assert (res.cause[res.failed[:, 4], 4] == 2).all()  # largest overpressure


def test_short_fires_cannot_escalate_by_heat():
    flux = np.zeros((2, 2))
    flux[0, 1] = 40.0
    ttf = ttf_hand(40.0, 500.0, ATMOSPHERIC)
    short = simulate_domino(
        0, flux, np.zeros((2, 2)), [0, 0], [500.0, 500.0], 2000, 1, fire_duration_s=[ttf * 0.999, 1e9]
    )
    assert not short.failed[:, 1].any()
    longer = simulate_domino(
        0, flux, np.zeros((2, 2)), [0, 0], [500.0, 500.0], 2000, 1, fire_duration_s=[ttf * 1.001, 0]
    )
    assert longer.failed[:, 1].any()


def test_max_level_limits_the_chain():
    cats, op, _ = three_unit_case()
    res = simulate_domino(0, np.zeros((3, 3)), op, cats, [1.0] * 3, 5000, seed=3, max_level=1)
    assert res.level.max() == 1
    res0 = simulate_domino(0, np.zeros((3, 3)), op, cats, [1.0] * 3, 10, seed=3, max_level=0)
    assert res0.failed.sum() == 10


# --- determinism, kernel twin, tree --------------------------------------------------------------


def random_plant(n: int, seed: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, 150.0, (n, 2))
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) + 5.0
    fire = rng.random(n) < 0.7
    flux = np.where(fire[:, None], scale * 3000.0 / dist**1.2, 0.0)
    op = np.where(~fire[:, None], scale * 5e6 / dist**1.5, 0.0)
    cats = rng.integers(0, 4, n)
    vols = rng.uniform(10.0, 8000.0, n)
    dur = rng.uniform(300.0, 7200.0, n)
    return flux, op, cats, vols, dur


def test_same_seed_same_result_and_generators():
    flux, op, cats, vols, dur = random_plant(12, 1)
    a = simulate_domino(3, flux, op, cats, vols, 500, seed=99, fire_duration_s=dur)
    b = simulate_domino(3, flux, op, cats, vols, 500, seed=99, fire_duration_s=dur)
    c = simulate_domino(3, flux, op, cats, vols, 500, seed=100, fire_duration_s=dur)
    for name in ("level", "cause", "time_s", "vector"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.level, c.level)
    g1 = simulate_domino(3, flux, op, cats, vols, 200, np.random.default_rng(7), fire_duration_s=dur)
    g2 = simulate_domino(3, flux, op, cats, vols, 200, np.random.default_rng(7), fire_duration_s=dur)
    np.testing.assert_array_equal(g1.time_s, g2.time_s)


def test_replicas_do_not_depend_on_their_number():
    # counter-based uniforms: replica r is the same whether 50 or 500 replicas are run
    flux, op, cats, vols, dur = random_plant(10, 4)
    small = simulate_domino(0, flux, op, cats, vols, 50, seed=8, fire_duration_s=dur)
    large = simulate_domino(0, flux, op, cats, vols, 500, seed=8, fire_duration_s=dur)
    np.testing.assert_array_equal(small.level, large.level[:50])
    np.testing.assert_array_equal(small.time_s, large.time_s[:50])


def test_counter_uniforms_kernel_equals_reference_and_are_uniform():
    key = _key_from_seed(12345)
    counters = [0, 1, 2, 17, 2**40 + 3, 2**63 + 11]
    for c in counters:
        assert _counter_uniform(key, np.uint64(c)) == _counter_uniform_reference(int(key), c)
    u = np.array([_counter_uniform_reference(int(key), c) for c in range(20_000)])
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / u.size)
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 1800


@pytest.mark.parametrize(("k1", "plant", "scale"), [(12.54, 23, 1.0), (9.25, 23, 1.5), (9.25, 21, 3.0)])
def test_kernel_equals_python_twin_exactly(k1, plant, scale):
    flux, op, cats, vols, dur = random_plant(8, plant, scale)
    np.fill_diagonal(flux, 0.0)
    np.fill_diagonal(op, 0.0)
    op_p = np.asarray(overpressure_escalation_probability(op, cats[None, :]))
    slope, intercept, threshold = _ttf_parameters(vols, cats)
    params = np.ascontiguousarray(np.stack([slope, intercept, threshold, dur]))
    key = _key_from_seed(77)
    out_k = np.empty((4, 300, 8))
    out_p = np.empty((4, 300, 8))
    domino_sequences(2, flux, op, op_p, params, k1, 1.847, key, 7, out_k)
    _domino_sequences_reference(2, flux, op, op_p, params, k1, 1.847, key, 7, out_p)
    np.testing.assert_array_equal(out_k, out_p)
    assert (out_k[3] == 1).any() and (out_k[3] == 2).any()  # both vectors escalate in this case


def test_escalation_tree_is_a_tree():
    flux, op, cats, vols, dur = random_plant(15, 9, 1.3)
    res = simulate_domino(4, flux, op, cats, vols, 400, seed=1, fire_duration_s=dur)
    assert res.level.max() >= 2
    for r in range(res.n_replicas):
        edges = escalation_tree(res, r)
        assert edges[0] == (4, 0, -1, 0.0)
        assert len(edges) == int(res.failed[r].sum())
        by_unit = {e.unit: e for e in edges}
        for e in edges[1:]:
            parent = by_unit[e.cause]  # the cause failed in this replica
            assert parent.level == e.level - 1
            assert parent.time_s <= e.time_s
            assert res.vector[r, e.unit] in (1, 2)
            steps, u = 0, e.unit  # following causes reaches the primary: no cycles
            while u != 4:
                u, steps = by_unit[u].cause, steps + 1
            assert steps == e.level
        assert [(e.level, e.time_s) for e in edges] == sorted((e.level, e.time_s) for e in edges)
        intact = ~res.failed[r]
        assert (res.cause[r, intact] == -1).all() and np.isnan(res.time_s[r, intact]).all()


def test_result_helpers():
    cats, op, _ = three_unit_case()
    res = simulate_domino(0, np.zeros((3, 3)), op, cats, [1.0] * 3, 1000, seed=3)
    assert isinstance(res, DominoResult)
    assert res.failure_probability().shape == (3,)
    assert res.failure_probability()[0] == 1.0
    assert res.level_probability().sum() == pytest.approx(1.0)


def test_ten_thousand_replicas_of_twenty_units_are_fast():
    flux, op, cats, vols, dur = random_plant(20, 3)
    simulate_domino(0, flux, op, cats, vols, 10, seed=0, fire_duration_s=dur)  # compile / load cache
    start = time.perf_counter()
    res = simulate_domino(0, flux, op, cats, vols, 10_000, seed=0, fire_duration_s=dur)
    elapsed = time.perf_counter() - start
    assert res.failed.shape == (10_000, 20)
    assert elapsed < 1.0, elapsed


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"flux_kw_m2": np.zeros((3, 2))}, ValueError, "square"),
        ({"overpressure_pa": np.zeros((2, 2))}, ValueError, "overpressure_pa"),
        ({"flux_kw_m2": -np.ones((3, 3))}, ValueError, "flux_kw_m2"),
        ({"categories": [0, 1]}, ValueError, "categories"),
        ({"categories": [0, 1, 7]}, ValueError, "category"),
        ({"volumes_m3": [1.0, 0.0, 1.0]}, ValueError, "volumes_m3"),
        ({"fire_duration_s": [1.0, 1.0]}, ValueError, "fire_duration_s"),
        ({"primary": 3}, ValueError, "primary"),
        ({"primary": 1.0}, TypeError, None),
        ({"n_replicas": 0}, ValueError, "n_replicas"),
        ({"seed": 1.5}, TypeError, None),
        ({"max_level": -1}, ValueError, "max_level"),
        ({"heat_probit": "x"}, ValueError, "heat_probit"),
    ],
)
def test_simulate_domino_validation(kwargs, error, match):
    args = {
        "primary": 0,
        "flux_kw_m2": np.zeros((3, 3)),
        "overpressure_pa": np.zeros((3, 3)),
        "categories": [0, 1, 2],
        "volumes_m3": [1.0, 1.0, 1.0],
        "n_replicas": 5,
        "seed": 1,
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        simulate_domino(**args)


def test_escalation_tree_rejects_bad_replica():
    res = simulate_domino(0, np.zeros((2, 2)), np.zeros((2, 2)), [0, 0], [1.0, 1.0], 2, seed=0)
    with pytest.raises(IndexError):
        escalation_tree(res, 2)
