"""The shared casualty draw is unbiased for the expected deaths."""

from __future__ import annotations

import numpy as np

from models.impact.casualties import draw_casualties, expected_deaths


def test_sampled_deaths_average_to_the_expected_value_even_for_one_person_cells():
    pop = np.array([1.0, 1.0, 7.0, 120.0])
    f_in = np.array([0.8, 0.2, 0.5, 0.9])
    p_out = np.array([0.6, 0.3, 0.05, 0.9])
    p_in = np.array([0.1, 0.0, 0.02, 0.2])
    rng = np.random.default_rng(4)
    n = 20_000
    total = np.zeros(4)
    outdoors = np.zeros(4)
    for _ in range(n):
        c = draw_casualties(pop, f_in, p_out, p_in, rng)
        total += c.deaths
        outdoors += c.dead_outdoors + c.alive_outdoors
        assert np.all(c.dead_outdoors + c.alive_outdoors + c.dead_indoors + c.alive_indoors == pop)
    exact = expected_deaths(pop, f_in, p_out, p_in)
    sd = np.sqrt(pop * 0.25 / n) + 1e-12  # generous: variance per person ≤ 1/4
    assert np.all(np.abs(total / n - exact) < 4 * sd)
    assert np.all(np.abs(outdoors / n - pop * (1 - f_in)) < 4 * np.sqrt(pop * 0.25 / n))
