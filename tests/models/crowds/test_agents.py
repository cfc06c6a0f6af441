"""Pedestrian arrays and parameter draws by population group.

Published numbers: Weidmann's desired-speed ranges as RiMEA test 7 lists them (under 30 years
0.58-1.61 m/s, 30-50 years 1.41-1.54, over 50 years 0.68-1.41, reduced mobility 0.46-0.76;
pass criterion: every assigned speed inside its group's range) and uniform pre-movement times
(RiMEA test 5: 10-100 s; NIST TN 1822 Verif.1.1: realised times follow the prescribed
distribution, checked there with a Kolmogorov-Smirnov test at α = 0.05).
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats
from scipy.spatial import cKDTree

from models.crowds.agents import (
    DEAD,
    EVACUATED,
    RIMEA_SPEED_GROUPS,
    STATE_NAMES,
    WAITING,
    WALKING,
    GroupParameters,
    Pedestrians,
    draw_group_parameters,
    jittered_grid,
)

WEIDMANN_RANGES = {  # RiMEA test 7 (Weidmann 1993), m/s
    "under_30": (0.58, 1.61),
    "age_30_50": (1.41, 1.54),
    "over_50": (0.68, 1.41),
    "reduced_mobility": (0.46, 0.76),
}


def test_create_broadcasts_columns_with_their_dtypes():
    p = Pedestrians.create([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], v0_m_s=[1.0, 1.1, 1.2], group=2)
    assert p.size == 3
    assert p.state.dtype == np.int8 and p.group.dtype == np.int32 and p.target.dtype == np.int32
    assert p.v0_m_s.tolist() == [1.0, 1.1, 1.2] and p.group.tolist() == [2, 2, 2]
    assert p.radius_m.tolist() == [0.2] * 3 and p.tau_s.tolist() == [1.0] * 3  # JuPedSim CSM defaults
    assert np.isnan(p.evacuated_at_s).all() and (p.state == WAITING).all()
    assert p.nbytes_per_agent == 9 * 8 + 1 + 4 + 4


def test_columns_are_independent_copies():
    x = np.zeros(2)
    p = Pedestrians.create(x, x)
    p.x_m[0] = 5.0
    assert x[0] == 0.0 and p.y_m[0] == 0.0


def test_wrong_dtype_or_length_is_rejected():
    p = Pedestrians.create([0.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="state"):
        Pedestrians(**{**p.__dict__, "state": np.zeros(2)})
    with pytest.raises(ValueError, match="radius_m"):
        Pedestrians(**{**p.__dict__, "radius_m": np.zeros(3)})
    with pytest.raises(ValueError, match="same length"):
        Pedestrians.create([0.0, 1.0], [0.0])


def test_counts_add_up_and_population_shares_memory():
    p = Pedestrians.create(np.zeros(5), np.zeros(5), state=[WAITING, WALKING, WALKING, EVACUATED, DEAD])
    c = p.counts()
    assert list(c) == list(STATE_NAMES)
    assert c == {"waiting": 1, "walking": 2, "evacuated": 1, "incapacitated": 0, "dead": 1}
    pop = p.population()
    assert pop["x_m"] is p.x_m and pop.units["vx_m_s"] == "m s-1" and pop.nbytes_per_agent == 81


@pytest.mark.parametrize("name", sorted(WEIDMANN_RANGES))
def test_rimea_test7_speeds_lie_in_their_group_range(name):
    lo, hi = WEIDMANN_RANGES[name]
    g = RIMEA_SPEED_GROUPS[name]
    assert (g.speed_min_m_s, g.speed_max_m_s) == (lo, hi)
    p = Pedestrians.create(np.zeros(50), np.zeros(50))  # RiMEA test 7: 50 persons per group
    draw_group_parameters(p, [g], np.random.default_rng(7))
    assert p.v0_m_s.min() >= lo and p.v0_m_s.max() <= hi
    assert np.ptp(p.v0_m_s) > 0.5 * (hi - lo)  # really spread over the range, not a constant


def test_draws_follow_uniform_distributions_ks():
    """Many draws pass a KS test against the prescribed uniform laws (NIST Verif.1.1 style)."""
    groups = [
        GroupParameters(speed_min_m_s=0.58, speed_max_m_s=1.61, reaction_min_s=10.0, reaction_max_s=100.0),
        GroupParameters(speed_min_m_s=0.46, speed_max_m_s=0.76, radius_m=0.25),
    ]
    n = 4000
    p = Pedestrians.create(np.zeros(n), np.zeros(n), group=np.arange(n) % 2)
    draw_group_parameters(p, groups, np.random.default_rng(11))
    g0, g1 = p.group == 0, p.group == 1
    assert stats.kstest(p.v0_m_s[g0], stats.uniform(0.58, 1.61 - 0.58).cdf).pvalue > 0.05
    assert stats.kstest(p.reaction_s[g0], stats.uniform(10.0, 90.0).cdf).pvalue > 0.05
    assert stats.kstest(p.v0_m_s[g1], stats.uniform(0.46, 0.30).cdf).pvalue > 0.05
    assert (p.reaction_s[g1] == 0.0).all() and (p.radius_m[g1] == 0.25).all()
    # the draws are wrong if they ignore the group: group 1's speeds must not reach group 0's top
    assert p.v0_m_s[g1].max() <= 0.76 < p.v0_m_s[g0].max()


def test_same_seed_same_population():
    def draw(seed):
        p = Pedestrians.create(np.zeros(20), np.zeros(20), group=np.arange(20) % 3)
        draw_group_parameters(p, [RIMEA_SPEED_GROUPS[k] for k in ("under_30", "over_50", "age_70")], seed)
        return p.v0_m_s

    a, b = draw(np.random.default_rng(5)), draw(np.random.default_rng(5))
    assert np.array_equal(a, b) and not np.array_equal(a, draw(np.random.default_rng(6)))
    assert (a[2::3] == 1.07).all()  # RiMEA 4.1.1 70-year-olds: a single value


def test_group_index_out_of_range_and_bad_bounds_are_rejected():
    p = Pedestrians.create(np.zeros(2), np.zeros(2), group=[0, 1])
    with pytest.raises(ValueError, match="group indices"):
        draw_group_parameters(p, [RIMEA_SPEED_GROUPS["under_30"]], np.random.default_rng(0))
    with pytest.raises(ValidationError, match="speed_max_m_s"):
        GroupParameters(speed_min_m_s=1.5, speed_max_m_s=1.0)
    with pytest.raises(ValidationError, match="extra"):
        GroupParameters(speed_min_m_s=1.0, speed_max_m_s=1.2, colour="red")


def test_jittered_grid_density_spacing_and_bounds():
    rng = np.random.default_rng(0)
    x, y = jittered_grid(20_000, (0.0, 0.0, 100.0, 100.0), 0.1, rng)
    assert x.size == 20_000
    assert x.min() > 0.0 and x.max() < 100.0 and y.min() > 0.0 and y.max() < 100.0
    # 141 columns x 142 rows of 0.709 m x 0.704 m cells: 2.0 people per m2 over the room
    assert np.isclose(x[1] - x[0], 100.0 / 141, atol=0.2) and np.isclose(y[141] - y[0], 100.0 / 142, atol=0.2)
    pts = np.c_[x, y][:3000]
    d, _ = cKDTree(pts).query(pts, k=2)
    assert d[:, 1].min() >= 100.0 / 142 - 0.2 - 1e-9  # spacing minus twice the jitter
