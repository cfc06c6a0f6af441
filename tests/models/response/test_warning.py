"""Warning diffusion: Bass (1969) closed form, independent channels, time of day, infrastructure."""

from __future__ import annotations

import numpy as np
import pytest

from models.response.warning import (
    DEFAULT_CHANNELS,
    Channel,
    bass_share,
    channel_penetration,
    official_share,
    time_to_share,
    warned_share,
)

FULL = Channel("full", delay_s=0.0, rate_per_s=1.0 / 600.0, reach_day=1.0, reach_night=1.0)


@pytest.mark.parametrize(
    ("p", "q"), [(1 / 600.0, 1 / 300.0), (1 / 3000.0, 1 / 200.0), (1 / 100.0, 1 / 5000.0)]
)
def test_word_of_mouth_integration_reproduces_the_bass_solution(p, q):
    ch = (Channel("c", 0.0, p, 1.0, 1.0),)
    t = np.linspace(0.0, 7200.0, 49)
    got = warned_share(t, ch, word_of_mouth_per_s=q)[:, 0]
    np.testing.assert_allclose(got, bass_share(t, p, q), atol=1e-6)  # RK4, 10 s steps


def test_bass_90_percent_time_matches_the_analytic_inverse():
    p, q = 1 / 1200.0, 1 / 400.0
    t = np.linspace(0.0, 10_000.0, 2001)
    overall, _ = time_to_share(t, warned_share(t, (Channel("c", 0.0, p, 1.0, 1.0),), word_of_mouth_per_s=q))
    # F = 0.9  <=>  e^{-(p+q)t} = (1 - F) / (1 + F q / p)
    expect = -np.log(0.1 / (1 + 0.9 * q / p)) / (p + q)
    assert overall == pytest.approx(expect, abs=0.5)


def test_independent_channels_combine_as_a_product_with_delays():
    a = Channel("a", 120.0, 1 / 300.0, 0.8, 0.8)
    b = Channel("b", 600.0, 1 / 60.0, 0.5, 0.5)
    t = np.array([0.0, 120.0, 420.0, 900.0])
    got = warned_share(t, (a, b), issue_s=0.0)[:, 0]
    pa = np.where(t > 120, 0.8 * (1 - np.exp(-(t - 120) / 300.0)), 0.0)
    pb = np.where(t > 600, 0.5 * (1 - np.exp(-(t - 600) / 60.0)), 0.0)
    np.testing.assert_allclose(got, 1 - (1 - pa) * (1 - pb), rtol=1e-13)
    # word of mouth never lowers the share, and the integrator agrees with q = 0 when q -> 0
    slow = warned_share(t, (a, b), word_of_mouth_per_s=1e-12)[:, 0]
    np.testing.assert_allclose(slow, got, atol=1e-8)
    assert np.all(warned_share(t, (a, b), word_of_mouth_per_s=1 / 600.0)[:, 0] >= got - 1e-12)


def test_issue_time_shifts_the_curve():
    t = np.array([0.0, 1000.0, 1600.0])
    got = warned_share(t, (FULL,), issue_s=1000.0)[:, 0]
    np.testing.assert_allclose(got, [0.0, 0.0, 1 - np.exp(-1.0)], rtol=1e-13)


def test_night_and_outages_reduce_penetration():
    cb, siren, _media, door = DEFAULT_CHANNELS
    assert channel_penetration(siren, 14.0, True, True) > channel_penetration(siren, 2.0, True, True)
    assert channel_penetration(cb, 12.0, True, False) == 0.0  # no telecom, no cell broadcast
    assert channel_penetration(cb, 12.0, False, True) == cb.reach_day  # phones have batteries
    assert channel_penetration(siren, 12.0, False, True) == siren.reach_day * siren.backup_share
    assert channel_penetration(door, 3.0, False, False) == door.reach_night  # needs nothing
    t = np.linspace(0, 4 * 3600.0, 97)
    cells = warned_share(t, hour_of_day=14.0, power_up=[True, False, True], telecom_up=[True, True, False])
    assert np.all(cells[:, 0] >= cells[:, 1]) and np.all(cells[:, 0] >= cells[:, 2])
    night = warned_share(t, hour_of_day=2.0, power_up=[True], telecom_up=[True])
    assert np.all(cells[:, 0] >= night[:, 0]) and cells[-1, 0] > night[-1, 0]


def test_ninety_percent_time_per_cell_and_people_weighted():
    t = np.linspace(0, 6 * 3600.0, 721)
    share = warned_share(t, power_up=[True, True], telecom_up=[True, False], word_of_mouth_per_s=1 / 1800.0)
    assert np.all(np.diff(share, axis=0) >= -1e-12) and share.max() <= 1.0
    overall, per_cell = time_to_share(t, share, 0.9, weights=[1000.0, 10.0])
    assert per_cell[0] < per_cell[1]  # the cell without telecom is slower
    assert per_cell[0] <= overall <= per_cell[1]
    never, cells = time_to_share(t, official_share(t, (Channel("weak", 0.0, 1e-3, 0.5, 0.5),)))
    assert np.isinf(never) and np.isinf(cells).all()


def test_bad_channels_are_rejected():
    with pytest.raises(ValueError, match="reach_day"):
        Channel("x", 0.0, 1.0, 1.5, 0.5)
    with pytest.raises(ValueError, match="increasing"):
        warned_share([10.0, 0.0])
