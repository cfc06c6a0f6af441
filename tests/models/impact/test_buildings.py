"""HAZUS-style equivalent-PGA fragility and indoor casualties, against the sheet's numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from models.impact.buildings import (
    BETA,
    BUILDING_TYPES,
    PGA_MEDIANS_G,
    exceedance_probabilities,
    expected_casualties,
    sample_damage_states,
    state_probabilities,
    trapped_people,
)


def test_sheet_spot_value_w1_moderate_code_at_half_g():
    p = exceedance_probabilities(0.5, "W1", "moderate")
    assert p.shape == (4,)
    np.testing.assert_array_equal(np.round(p, 3), [0.874, 0.593, 0.175, 0.062])


def test_table_entries_as_on_the_sheet():
    assert BETA == 0.64
    assert PGA_MEDIANS_G["W1"]["high"] == (0.26, 0.55, 1.28, 2.01)
    assert PGA_MEDIANS_G["S1L"]["pre"] == (0.09, 0.13, 0.22, 0.38)
    assert PGA_MEDIANS_G["C1L"]["low"] == (0.12, 0.15, 0.27, 0.45)
    assert PGA_MEDIANS_G["C2L"]["moderate"] == (0.18, 0.30, 0.49, 0.87)
    assert PGA_MEDIANS_G["URML"]["low"] == (0.14, 0.20, 0.32, 0.46)
    assert PGA_MEDIANS_G["URML"]["pre"] == (0.13, 0.17, 0.26, 0.37)
    for level in ("high", "moderate", "low"):
        assert PGA_MEDIANS_G["MH"][level] == (0.11, 0.18, 0.31, 0.60)
    assert PGA_MEDIANS_G["MH"]["pre"] == (0.08, 0.11, 0.18, 0.34)
    for bt, levels in PGA_MEDIANS_G.items():
        for medians in levels.values():
            assert all(a < b for a, b in itertools.pairwise(medians)), bt


@pytest.mark.parametrize("bt", BUILDING_TYPES)
def test_medians_give_exactly_one_half(bt):
    for level, medians in PGA_MEDIANS_G[bt].items():
        p = exceedance_probabilities(np.array(medians), bt, level)  # (4, 4)
        np.testing.assert_allclose(np.diag(p), 0.5, rtol=0, atol=1e-15)


def test_one_beta_above_the_median_is_phi_of_one():
    pga = 0.43 * np.exp(BETA)
    assert exceedance_probabilities(pga, "W1", "moderate")[1] == pytest.approx(0.841344746, abs=1e-9)


def test_state_probabilities_sum_to_one_and_are_non_negative():
    pga = np.concatenate([[0.0], np.geomspace(1e-3, 5.0, 200)]).reshape(3, 67)
    for bt, levels in PGA_MEDIANS_G.items():
        for level in levels:
            p = state_probabilities(pga, bt, level)
            assert p.shape == (3, 67, 5)
            assert np.all(p >= 0)
            np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    p0 = state_probabilities(0.0, "W1", "low")
    np.testing.assert_array_equal(p0, [1, 0, 0, 0, 0])
    exc = exceedance_probabilities(0.5, "W1", "moderate")
    p = state_probabilities(0.5, "W1", "moderate")
    np.testing.assert_allclose(p[1:][::-1].cumsum()[::-1], exc, atol=1e-15)


def test_multinomial_sampling_frequencies_within_four_standard_errors():
    rng = np.random.default_rng(12)
    pga = np.array([0.1, 0.3, 0.5, 1.0])
    n = np.array([50_000, 50_000, 50_000, 50_000])
    counts = sample_damage_states(pga, n, "C2L", "low", rng)
    assert counts.shape == (4, 5)
    assert counts.dtype.kind == "i"
    np.testing.assert_array_equal(counts.sum(axis=-1), n)
    p = state_probabilities(pga, "C2L", "low")
    se = np.sqrt(p * (1 - p) / n[:, None])
    assert np.all(np.abs(counts / n[:, None] - p) <= 4 * se + 1e-12)
    # broadcasting a scalar count over a field, and zero buildings
    field = sample_damage_states(np.full((2, 3), 0.4), 7, "W1", "pre", rng)
    assert field.shape == (2, 3, 5)
    assert np.all(field.sum(axis=-1) == 7)
    assert np.all(sample_damage_states([0.5, 0.9], 0, "W1", "pre", rng) == 0)


def test_urml_has_no_high_or_moderate_code():
    for level in ("high", "moderate"):
        with pytest.raises(ValueError, match="low, pre"):
            exceedance_probabilities(0.3, "URML", level)


def test_unknown_type_or_level_names_the_valid_ones():
    with pytest.raises(ValueError, match="W1, S1L, C1L, C2L, URML, MH"):
        state_probabilities(0.3, "RM2", "low")
    with pytest.raises(ValueError, match="high, moderate, low, pre"):
        exceedance_probabilities(0.3, "W1", "special")
    with pytest.raises(ValueError, match="W1, S1L"):
        expected_casualties([1, 0, 0, 0, 0], 10.0, "XX")
    # pre-code spelled out is accepted
    np.testing.assert_array_equal(
        exceedance_probabilities(0.3, "w1", "pre-code"), exceedance_probabilities(0.3, "W1", "pre")
    )


def test_expected_casualties_by_hand_w1():
    p = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    occupants = 200.0
    cf = 0.03
    # % of occupants: slight .05/0/0/0, moderate .25/.03/0/0, extensive 1/.1/.001/.001,
    # complete w/o collapse 5/1/.01/.01, with collapse 40/20/3/5 (sheet, W1)
    complete = [
        (1 - cf) * 5 + cf * 40,
        (1 - cf) * 1 + cf * 20,
        (1 - cf) * 0.01 + cf * 3,
        (1 - cf) * 0.01 + cf * 5,
    ]
    by_hand = [
        200 * (0.2 * 0.05 + 0.3 * 0.25 + 0.25 * 1.0 + 0.15 * complete[0]) / 100,
        200 * (0.3 * 0.03 + 0.25 * 0.1 + 0.15 * complete[1]) / 100,
        200 * (0.25 * 0.001 + 0.15 * complete[2]) / 100,
        200 * (0.25 * 0.001 + 0.15 * complete[3]) / 100,
    ]
    # severity 1 = 2*(0.01+0.075+0.25+0.15*6.05) = 2.485
    assert by_hand[0] == pytest.approx(2.485)
    np.testing.assert_allclose(expected_casualties(p, occupants, "W1"), by_hand, rtol=1e-12)


def test_expected_casualties_shapes_and_collapse_fraction():
    p = state_probabilities(np.array([[0.2, 0.6], [1.0, 2.0]]), "URML", "pre")
    occ = np.array([[10.0, 20.0], [30.0, 40.0]])
    e = expected_casualties(p, occ, "URML")
    assert e.shape == (2, 2, 4)
    # non-wood collapse row 40/20/5/10 with URML collapse 15 %
    only_complete = expected_casualties([0, 0, 0, 0, 1], 100.0, "URML")
    np.testing.assert_allclose(
        only_complete, [0.85 * 5 + 6, 0.85 * 1 + 3, 0.85 * 0.01 + 0.75, 0.85 * 0.01 + 1.5]
    )
    with pytest.raises(ValueError, match="collapse_fraction"):
        expected_casualties(p, occ, "C1L")
    e_c1l = expected_casualties([0, 0, 0, 0, 1], 100.0, "C1L", collapse_fraction=0.0)
    np.testing.assert_allclose(e_c1l, [5, 1, 0.01, 0.01])
    assert np.all(expected_casualties([1, 0, 0, 0, 0], 1e6, "W1") == 0)


def test_trapped_people_are_injured_survivors_of_collapse():
    t = trapped_people([0.2, 0.2, 0.2, 0.2, 0.2], 500.0, "W1")
    # 500 occupants * 0.2 complete * 3 % collapse * (40, 20, 3) %
    np.testing.assert_allclose(t, [500 * 0.2 * 0.03 * 0.40, 500 * 0.2 * 0.03 * 0.20, 500 * 0.2 * 0.03 * 0.03])
    p = state_probabilities(np.array([0.3, 0.8]), "C1L", "pre")
    t2 = trapped_people(p, np.array([100.0, 100.0]), "C1L", collapse_fraction=0.1)
    assert t2.shape == (2, 3)
    assert t2[1].sum() > t2[0].sum() > 0
    # trapped severity-1..3 never exceed the expected severity-1..3 casualties
    e2 = expected_casualties(p, np.array([100.0, 100.0]), "C1L", collapse_fraction=0.1)
    assert np.all(t2 <= e2[:, :3])
