"""Survival of the trapped against the published day-by-day rates; expected lives by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from models.response.survival import (
    GOLDEN_72_HOURS,
    RESCUE_S_PER_PERSON,
    SurvivalCurve,
    earthen_buildings_curve,
    expected_lives_saved,
    rescue_duration_s,
)

H = 3600.0
DAY = 24 * H


@pytest.mark.parametrize(
    ("day", "low", "high"),
    [
        (1, 0.85, 0.95),  # "90 % on the first day"
        (2, 0.50, 0.60),  # "50-60 % on the second day"
        (3, 0.20, 0.30),  # "20-30 % on the third day"
        (4, 0.0, 0.10),  # "under 10 % after 72 hours"
    ],
)
def test_daily_mean_survival_lies_in_the_published_range(day, low, high):
    mean = GOLDEN_72_HOURS.mean_over((day - 1) * DAY, day * DAY)
    assert low <= mean <= high


def test_curve_passes_its_points_and_decays_monotonically():
    np.testing.assert_allclose(
        GOLDEN_72_HOURS(np.array(GOLDEN_72_HOURS.t_s)), GOLDEN_72_HOURS.survival, rtol=1e-12
    )
    t = np.linspace(-H, 10 * DAY, 5000)
    s = GOLDEN_72_HOURS(t)
    assert s[0] == 1.0 and np.all(np.diff(s) <= 0) and np.all(s > 0)
    assert GOLDEN_72_HOURS(np.inf) == 0.0
    # log-linear between points: the geometric mean at the midpoint
    assert GOLDEN_72_HOURS(24 * H) == pytest.approx(np.sqrt(0.90 * 0.55), rel=1e-12)


def test_earthen_building_curve_halves_within_two_to_six_hours():
    # Noji (1997) after Coburn et al.: "within 2 to 6 hours less than 50 % of those buried are still alive"
    c = earthen_buildings_curve()
    assert c(2 * H) > 0.5 > c(6 * H)
    assert c(4 * H) == pytest.approx(0.5, rel=1e-12)
    assert c(8 * H) == pytest.approx(0.25, rel=1e-12)


def test_bad_curves_are_rejected():
    with pytest.raises(ValueError):
        SurvivalCurve((0.0, 10.0), (1.0, 1.2))
    with pytest.raises(ValueError):
        SurvivalCurve((5.0, 10.0), (1.0, 0.5))
    with pytest.raises(ValueError):
        earthen_buildings_curve(0.0)


@pytest.mark.parametrize(
    ("people", "crews", "per_person_h"), [(1, 1, 2.0), (7, 2, 1.5), (12, 3, 4.0), (5, 8, 1.0)]
)
def test_expected_lives_saved_equals_the_person_by_person_sum(people, crews, per_person_h):
    arrival, collapse = 30 * H, 2 * H
    got = expected_lives_saved(arrival, collapse, people, per_person_s=per_person_h * H, crews=crews)
    finish = [arrival + (k // crews + 1) * per_person_h * H for k in range(people)]
    expect = sum(float(GOLDEN_72_HOURS(t - collapse)) for t in finish)
    assert float(got) == pytest.approx(expect, rel=1e-12)


def test_expected_lives_saved_vectorises_and_unreachable_saves_nobody():
    got = expected_lives_saved(np.array([12 * H, np.inf]), 0.0, np.array([10, 10]))
    np.testing.assert_allclose(got, [9.0, 0.0])


def test_rescue_duration():
    assert float(rescue_duration_s("volunteer", 3, crews=1)) == 3 * RESCUE_S_PER_PERSON["volunteer"]
    assert float(rescue_duration_s("professional_rescue", 0)) == 0.0
    with pytest.raises(ValueError, match="no rescue duration"):
        rescue_duration_s("helicopter", 1)
