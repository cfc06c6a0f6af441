"""Flood hazard classes H1–H6 at the guideline's threshold points, the kernel's twin, and the process."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

import models.impact.flood_people  # noqa: F401  (registers "flood_people")
from engine import Scenario, ScenarioError, Simulation
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.impact.flood_people import HAZARD_CLASS_LIMITS, hazard_class, update_max_hazard_class

EPS = 1e-9

# (depth m, speed m/s, class) on and just past the limits of AIDR 2017 Guideline 7-3 / NSW FB03:
# depth 0.3 / 0.5 / 1.2 / 2.0 / 4.0 m, speed 2.0 / 4.0 m/s, d·v 0.3 / 0.6 / 1.0 / 4.0 m²/s (inclusive).
THRESHOLD_POINTS = [
    (0.3, 0.0, 1),
    (0.3 + EPS, 0.0, 2),
    (0.5, 0.0, 2),
    (0.5 + EPS, 0.0, 3),
    (1.2, 0.0, 3),
    (1.2 + EPS, 0.0, 4),
    (2.0, 0.0, 4),
    (2.0 + EPS, 0.0, 5),
    (4.0, 0.0, 5),
    (4.0 + EPS, 0.0, 6),
    (0.125, 2.0, 1),  # v = 2.0 (and d·v 0.25): still H1
    (0.125, 2.0 + EPS, 5),  # faster than 2 m/s: H5 whatever the depth
    (0.125, 4.0, 5),
    (0.125, 4.0 + EPS, 6),
    (0.15, 2.0, 1),  # d·v = 0.3
    (0.15 + EPS, 2.0, 2),  # d·v just above 0.3
    (0.3, 2.0, 2),  # d·v = 0.6, d = 0.3
    (0.5, 1.0, 2),  # d·v = 0.5, d = 0.5
    (0.5, 1.25, 4),  # d·v = 0.625 > 0.6: past H2 and H3
    (1.2, 0.5, 3),  # d·v = 0.6 at H3's depth limit
    (1.2, 0.5 + EPS, 4),
    (0.5, 2.0, 4),  # d·v = 1.0
    (2.0, 0.5, 4),  # d·v = 1.0 at H4's depth limit
    (2.0, 0.5 + EPS, 5),
    (2.0, 2.0, 5),  # d·v = 4.0
    (2.0, 2.0 + EPS, 6),  # d·v above 4
    (4.0, 1.0, 5),
    (4.0, 1.0 + EPS, 6),
]


@pytest.mark.parametrize(("depth", "speed", "expected"), THRESHOLD_POINTS)
def test_class_at_published_threshold_points(depth, speed, expected):
    assert hazard_class(depth, speed).item() == expected


def test_dry_below_wet_depth():
    assert hazard_class([0.0, 0.05, 0.0500001], 3.0, wet_depth_m=0.05).tolist() == [0, 0, 5]


def _class_twin(d: float, v: float, wet: float) -> int:
    """Plain-Python twin of the kernel: the largest of the per-criterion classes (as FB03 codes it)."""
    if not d > wet:
        return 0
    dv = d * v
    by_dv = 1 if dv <= 0.3 else 2 if dv <= 0.6 else 4 if dv <= 1.0 else 5 if dv <= 4.0 else 6
    by_v = 1 if v <= 2.0 else 5 if v <= 4.0 else 6
    by_d = 1 if d <= 0.3 else 2 if d <= 0.5 else 3 if d <= 1.2 else 4 if d <= 2.0 else 5 if d <= 4.0 else 6
    return max(by_dv, by_v, by_d)


def test_kernel_matches_twin_and_keeps_the_maximum():
    rng = np.random.default_rng(7)
    d = rng.uniform(0, 5, 5000) * (rng.random(5000) < 0.8)
    v = rng.uniform(0, 5, 5000)
    got = hazard_class(d, v, wet_depth_m=0.01)
    assert got.tolist() == [_class_twin(a, b, 0.01) for a, b in zip(d, v, strict=True)]
    assert set(np.unique(got)) == set(range(7))
    running = np.zeros(d.size, dtype=np.int8)
    update_max_hazard_class(d, v, running, 0.01, HAZARD_CLASS_LIMITS)
    update_max_hazard_class(np.zeros_like(d), v, running, 0.01, HAZARD_CLASS_LIMITS)  # the water goes
    np.testing.assert_array_equal(running, got)


class _PulseConfig(ProcessConfig):
    model: Literal["_test_flood_pulse"] = "_test_flood_pulse"


@register
class _FloodPulse(Process):
    """Test helper: 3 m of still water on the eastern column between 20 s and 40 s only."""

    model_name = "_test_flood_pulse"
    family = "hazards"
    Config = _PulseConfig
    writes = (
        FieldSpec("water_depth_m", "m", "depth"),
        FieldSpec("flow_speed_m_s", "m s-1", "speed"),
    )
    default_dt_s = 10.0

    def advance(self, t_s: float, dt_s: float) -> None:
        self.world.grid.layers["water_depth_m"].data[:, -1] = 3.0 if 20.0 <= t_s < 40.0 else 0.0


SCENARIO = """
[scenario]
name = "flood people test"
duration_s = 60.0

[grid]
cell_size_m = 10.0
nx = 3
ny = 2

[[layers]]
name = "population"
file = "pop.npy"
units = "1"

[[hazards]]
model = "_test_flood_pulse"

[[impacts]]
model = "flood_people"
{keys}
"""


def run(tmp_path, keys: str = "", seed: int = 1):
    np.save(tmp_path / "pop.npy", np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]))
    sc = Scenario.from_text(SCENARIO.format(keys=keys), base_dir=tmp_path)
    return Simulation(sc, seed=seed).run()


def test_process_keeps_the_worst_class_after_the_water_has_gone(tmp_path):
    out = run(tmp_path)
    np.testing.assert_array_equal(out.maps["max_flood_hazard_class"].data, [[0, 0, 5], [0, 0, 5]])
    k = out.kpis
    assert k["flood_people_H5"].value == 90 and k["flood_people_H4_or_worse"].value == 90
    assert k["flood_people_wet"].value == 90 and k["flood_people_H1"].value == 0
    t = out.tables["flood_people_by_hazard_class"].columns
    assert t["people"].tolist() == [0, 0, 0, 0, 90, 0] and "deaths" not in t
    assert "flood_deaths" not in k


def test_deaths_by_class(tmp_path):
    out = run(tmp_path, "mortality_by_class = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]")
    assert out.kpis["flood_deaths"].value == 90 == out.kpis["flood_deaths_expected"].value
    np.testing.assert_array_equal(out.maps["flood_deaths"].data, [[0, 0, 30], [0, 0, 60]])
    out = run(tmp_path, "mortality_by_class = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]")
    assert out.kpis["flood_deaths"].value == 0


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ("mortality_by_class = [0.0, 0.0, 0.0, 0.5, 0.2, 1.0]", "decrease"),
        ("mortality_by_class = [0.0, 0.0, 0.0, 0.5, 1.0, 1.5]", r"\[0, 1\]"),
        ("mortality_by_class = [0.0, 1.0]", "at least 6"),
    ],
)
def test_bad_mortality_rates(tmp_path, keys, match):
    np.save(tmp_path / "pop.npy", np.zeros((2, 3)))
    with pytest.raises(ScenarioError, match=match) as info:
        Scenario.from_text(SCENARIO.format(keys=keys), base_dir=tmp_path)
    assert "impacts[0].mortality_by_class" in str(info.value)


class _LakeConfig(ProcessConfig):
    model: Literal["_test_still_lake"] = "_test_still_lake"


@register
class _StillLake(Process):
    """Test helper: a barrier lake 2.5 m deep over the western column from 10 s on."""

    model_name = "_test_still_lake"
    family = "hazards"
    Config = _LakeConfig
    writes = (FieldSpec("lake_depth_m", "m", "lake depth"),)
    default_dt_s = 10.0

    def advance(self, t_s: float, dt_s: float) -> None:
        self.world.grid.layers["lake_depth_m"].data[:, 0] = 2.5 if t_s >= 10.0 else 0.0


def test_people_under_a_barrier_lake_are_counted_as_in_still_deep_water(tmp_path):
    np.save(tmp_path / "pop.npy", np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]))
    text = SCENARIO.replace("[[impacts]]", '[[hazards]]\nmodel = "_test_still_lake"\n\n[[impacts]]', 1)
    out = Simulation(Scenario.from_text(text.format(keys=""), base_dir=tmp_path), seed=1).run()
    # 2.5 m of still water: above H4's 2.0 m depth limit, within H5's 4.0 m (AIDR 2017 table); the
    # flood's 3 m pulse on the east column is H5 as before.
    np.testing.assert_array_equal(out.maps["max_flood_hazard_class"].data, [[5, 0, 5], [5, 0, 5]])
    assert out.kpis["flood_people_H5"].value == 10 + 40 + 90
