"""Report pieces that need no results file: the plan-targets section, the road network, the relief figures."""

from __future__ import annotations

import numpy as np

from models.response.report import _targets_section


class _Res:
    table_names = ("plan_targets",)

    def table(self, name):
        return {
            "target": np.array(["aviation_2h", "basic_life_10h"]),
            "passed": np.array([1, 0]),
            "value": np.array([3526.0, np.inf]),
            "limit": np.array([7200.0, 36000.0]),
            "reason": np.array(["first aviation team 0.98 h <= 2 h", "267 people still without shelter"]),
        }


def test_plan_targets_section_says_pass_or_fail_and_why():
    lines = _targets_section(_Res())
    assert lines[0] == "## Plan targets"
    body = [line for line in lines if line.startswith("| aviation") or line.startswith("| basic")]
    assert "**pass**" in body[0] and "0.98 h <= 2 h" in body[0]
    assert "**FAIL**" in body[1] and "without shelter" in body[1]


def test_no_targets_table_no_section():
    class Empty:
        table_names = ()

    assert _targets_section(Empty()) == []


def _roads():
    return {
        "segment": np.array([0, 1, 2]),
        "x0_m": np.array([0.0, 100.0, 200.0]),
        "y0_m": np.zeros(3),
        "x1_m": np.array([100.0, 200.0, 300.0]),
        "y1_m": np.zeros(3),
        "bridge": np.array(["", "HWB17", ""]),  # a bridge's HAZUS class, empty for none
    }


def _closure(i, segment, reason):
    from engine.events import Event

    return Event(
        i, 10.0 * i, "road_closed", "road_closures", -1, 50.0, 0.0, {"edge": segment, "reason": reason}
    )


def test_bridges_are_marked_and_closed_segments_red_with_the_reason_in_the_legend():
    import matplotlib.pyplot as plt

    from engine.report import draw_network

    fig, ax = plt.subplots()
    events = [_closure(0, 2, "debris"), _closure(1, 0, "water"), _closure(2, 2, "debris")]
    draw_network(ax, _roads(), events)
    labels = ax.get_legend_handles_labels()[1]
    plt.close(fig)
    # segment 2 closed twice counts once; the bridge is the middle segment, marked at its middle
    assert labels == ["bridge (1)", "road closed: debris (1)", "road closed: water (1)"]


class _ReliefRes:
    """A results file's relief tables: one depot, one shelter, one delivery, one point still waiting."""

    table_names = ("relief_deliveries", "relief_depots", "relief_shelters", "relief_points", "relief_unmet")
    map_names = ()

    def table(self, name):
        return {
            "relief_deliveries": {
                "depot": np.array(["county", "county"]),
                "kg": np.array([600.0, 300.0]),
                "x0_m": np.zeros(2),
                "y0_m": np.zeros(2),
                "x1_m": np.full(2, 300.0),
                "y1_m": np.zeros(2),
            },
            "relief_depots": {
                "name": np.array(["county", "province"]),
                "level": np.array(["county", "provincial"]),
                "x_m": np.zeros(2),
                "y_m": np.zeros(2),
                "destroyed": np.array([0, 1]),
            },
            "relief_shelters": {
                "name": np.array(["school"]),
                "x_m": np.array([300.0]),
                "y_m": np.array([0.0]),
            },
            "relief_points": {
                "x_m": np.array([300.0, 200.0]),
                "y_m": np.array([0.0, 50.0]),
                "people": np.array([100.0, 7.0]),
                "restored_s": np.array([7000.0, np.inf]),
            },
            "relief_unmet": {
                "t_s": np.array([0.0, 1800.0]),
                "people_displaced": np.array([107.0, 107.0]),
                "people_restored": np.array([0.0, 100.0]),
                "unmet_water": np.array([105.0, 105.0]),
                "undelivered_water": np.array([1605.0, 105.0]),
                "kg_waiting": np.array([900.0, 0.0]),
            },
        }[name]


def test_response_figures_draw_the_deliveries_the_unmet_demand_and_its_series(tmp_path):
    from models.response.report import response_figures

    x = y = np.arange(0.0, 400.0, 25.0)
    events = [_closure(0, 1, "debris")]
    figs = response_figures(_ReliefRes(), x, y, None, _roads(), events, tmp_path)
    assert [f for _, f in figs] == ["relief_deliveries.png", "relief_unmet_map.png", "relief_unmet.png"]
    assert all((tmp_path / f).stat().st_size > 10_000 for _, f in figs)
