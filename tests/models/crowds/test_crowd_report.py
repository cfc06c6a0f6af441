"""The crowd's dose outputs and the report's crowd section.

What each test checks against:

* Gas incapacitation on a hand-built field: chlorine at a uniform 100 ppm over the west half
  of a room and 40 ppm over the east half, people who never start walking, 10 s engine steps
  for 10 minutes. The Withers & Lees (1985) probit's exponent n = 2 gives the load by hand:
  ``C² t`` = 100² × 10 = 100 000 ppm² min in the west, 40² × 10 = 16 000 in the east, growing
  by 100² × 10/60 = 1 666.7 per step in the west. With ``incapacitation_load = 46 000``
  exactly the west people pass it, at step ceil(46 000 / 1 666.7) = 28 (t = 280 s); with
  ``incapacitation_aegl = 3`` (chlorine's 60-minute AEGL-3, 20 ppm, as a load 20² × 60 =
  24 000) the west at step 15 (150 s), the east never (16 000 < 24 000); without either,
  nobody is incapacitated (gas only kills). The 60-minute AEGL-2 load (2² × 60 = 240) is
  passed by everyone, AEGL-3 by the west only: the KPIs count exactly those. The agents
  table's ``toxic_load`` column equals the process's in-memory load and the hand values.
* ``times_from = "evacuation_order"``: the evacuation-time KPI is the last exit time minus
  the order's time, not the process start.
* The report draws a crowd section for a small walking crowd: the four PNGs exist and are
  named in summary.md; the map draws at most the trajectory cap (and at least one line);
  the stacked state counts reach the number placed at every time (conservation as drawn);
  the exit-flow plot sums the exits beyond the top few into "others".
* Mistakes in the new keys name the key: an unknown ``times_from`` event kind (with the
  nearest kind), gas incapacitation without a substance, both incapacitation thresholds.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.results import write_run
from engine.scenario import Scenario
from engine.simulation import Simulation
from models.impact.probit import ppm_to_mg_m3
from tests.models.crowds.test_evacuation import room

CL2_G_MOL = 70.906


def _room(head: str, populations: str, extra: str = "", duration: float = 600.0, exits: str = "") -> str:
    """A 10 m x 10 m room at engine (2, 2) on 1 m cells (test_evacuation's), 10 s engine steps."""
    return room(
        populations=populations,
        exits=exits or '{name = "door", start_m = [10, 4], end_m = [10, 6]}',
        extra="dt_s = 10.0\ntrajectory_interval_s = 10.0\n" + extra,
        head=head,
        duration=duration,
        size=(10.0, 10.0),
    )


_ZONE = """
[[evacuation.populations]]
name = "{name}"
count = {n}
area = [[{lo}, 0], [{hi}, 0], [{hi}, 10], [{lo}, 10]]
premovement = {{ distribution = "fixed", value_s = 100000.0 }}
"""


def _gas_run(tmp_path, gas: str = ""):
    """100 ppm west of engine x = 7 m (crowd x = 5 m), 40 ppm east; 60 people each side, standing."""
    x = np.arange(14) + 0.5
    field = np.tile(np.where(x < 7.0, ppm_to_mg_m3(100.0, CL2_G_MOL), ppm_to_mg_m3(40.0, CL2_G_MOL)), (14, 1))
    np.save(tmp_path / "gas.npy", field)
    head = '[[layers]]\nname = "gas_concentration_mg_m3"\nfile = "gas.npy"\nunits = "mg m-3"\n'
    pops = _ZONE.format(name="west", n=60, lo=0.5, hi=4.0) + _ZONE.format(name="east", n=60, lo=6.0, hi=9.5)
    extra = f'[evacuation.gas]\nsubstance = "chlorine"\n{gas}'
    sim = Simulation(Scenario.from_text(_room(head, pops, extra), base_dir=tmp_path), seed=3)
    return sim, sim.run()


@pytest.fixture(scope="module")
def gas_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("gas")
    return {
        "load": _gas_run(d, "incapacitation_load = 46000.0"),
        "aegl": _gas_run(d, "incapacitation_aegl = 3"),
        "off": _gas_run(d),
    }


def test_toxic_load_column_is_the_process_load_and_the_hand_value(gas_runs):
    sim, out = gas_runs["off"]
    a = out.tables["room_agents"].columns
    west = a["population"] == "west"
    np.testing.assert_array_equal(a["toxic_load"], sim.processes["room"].toxic_load)
    np.testing.assert_allclose(a["toxic_load"][west], 100.0**2 * 10.0, rtol=1e-9)
    np.testing.assert_allclose(a["toxic_load"][~west], 40.0**2 * 10.0, rtol=1e-9)
    assert out.tables["room_agents"].units["toxic_load"] == "ppm^2 min"
    assert out.kpis["room_people_dosed_aegl2"].value == 120  # everyone above 2² × 60 = 240
    assert out.kpis["room_people_dosed_aegl3"].value == 60  # the west only: 16 000 < 24 000
    assert out.kpis["room_incapacitated"].value == 0  # default: gas kills, never incapacitates
    th = out.tables["room_dose_thresholds"].columns
    aegl = dict(zip(th["label"], th["value"], strict=True))
    assert aegl["AEGL-2 60-min load"] == pytest.approx(240.0) and aegl["AEGL-3 60-min load"] == pytest.approx(
        24e3
    )


@pytest.mark.parametrize(("run", "t_incapacitated"), [("load", 280.0), ("aegl", 150.0)])
def test_gas_incapacitates_exactly_those_past_the_threshold(gas_runs, run, t_incapacitated):
    _, out = gas_runs[run]
    a = out.tables["room_agents"].columns
    west = a["population"] == "west"
    hit = (a["fate"] == "incapacitated") | (a["fate"] == "dead")
    assert hit[west].all() and not hit[~west].any()
    inc = a["fate"] == "incapacitated"
    assert inc.sum() > 50  # a few of the west may also die (probit at 100 000 ppm² min: P ≈ 0.004)
    assert set(a["cause"][inc]) == {"toxic_gas"}
    np.testing.assert_allclose(a["fate_time_s"][inc], t_incapacitated)
    assert out.kpis["room_incapacitated_toxic_gas"].value == inc.sum()


def test_times_from_an_order_event():
    pops = """
[[evacuation.populations]]
name = "all"
count = 20
premovement = { distribution = "fixed", value_s = 0.0 }
"""
    head = '[[events]]\nkind = "evacuation_order"\nat_s = 20.0\n'
    text = _room(head, pops, 'times_from = "evacuation_order"', duration=120.0).replace(
        "dt_s = 10.0\ntrajectory_interval_s = 10.0", "dt_s = 1.0\ntrajectory_interval_s = 1.0"
    )
    out = Simulation(Scenario.from_text(text), seed=1).run()
    last = np.nanmax(out.tables["room_agents"].columns["exit_time_s"])
    assert out.kpis["room_evacuation_time_s"].value == pytest.approx(last - 20.0)
    assert "evacuation_order" in out.kpis["room_evacuation_time_s"].description


# --- the report -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """40 people walking out of the room through one of ten 0.8 m doors on its east wall, in weak gas."""
    d = tmp_path_factory.mktemp("walk")
    np.save(d / "gas.npy", np.full((14, 14), ppm_to_mg_m3(5.0, CL2_G_MOL)))
    head = '[[layers]]\nname = "gas_concentration_mg_m3"\nfile = "gas.npy"\nunits = "mg m-3"\n'
    pops = '[[evacuation.populations]]\nname = "all"\ncount = 40\n'
    doors = ", ".join(
        f'{{name = "d{k}", start_m = [10, {k + 0.1}], end_m = [10, {k + 0.9}]}}' for k in range(10)
    )
    extra = '[[evacuation.close_exits]]\nexit = "d9"\nat_s = 5.0\n[evacuation.gas]\nsubstance = "chlorine"'
    text = _room(head, pops, extra, duration=60.0, exits=doors).replace(
        "dt_s = 10.0\ntrajectory_interval_s = 10.0", "dt_s = 1.0\ntrajectory_interval_s = 1.0"
    )
    out = Simulation(Scenario.from_text(text, base_dir=d), seed=2).run()
    path = write_run(d / "walk.h5", out)
    return out, path


def test_report_draws_the_crowd_section(walked, tmp_path):
    from engine.report import make_report

    _, path = walked
    summary = make_report(path, tmp_path).read_text()
    assert "## Crowd `room`" in summary
    for part in ("map", "states", "exit_flow", "doses"):
        assert (tmp_path / f"crowd_room_{part}.png").stat().st_size > 5000
        assert f"crowd_room_{part}.png" in summary
    assert "table_room_evacuation_curve.png" not in summary  # replaced by the five-state plot


def test_crowd_figures_hold_the_data(walked):
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from models.crowds.report import crowd_map_figure, evacuation_states_figure, exit_flow_figure

    out, _ = walked
    t = {k: v.columns for k, v in out.tables.items()}
    cap = 7
    fig = crowd_map_figure(
        "room",
        t["room_geometry"],
        t["room_exits"],
        t["room_trajectories"],
        t["room_agents"],
        t["room_density_cells"],
        out.events,
        cap=cap,
    )
    lines = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    drawn = sum(len(c.get_segments()) for c in lines if (c.get_gid() or "").startswith("trajectories"))
    assert 1 <= drawn <= cap
    texts = [x.get_text() for x in fig.axes[0].texts]
    assert any(s.startswith("d9 closed") for s in texts)  # the closed door, with its time
    plt.close(fig)

    fig = evacuation_states_figure(t["room_evacuation_curve"], t["room_agents"], "room")
    top = next(p for p in fig.axes[0].collections if p.get_gid() == "state_dead")
    y = top.get_paths()[0].vertices[:, 1]
    assert np.allclose(y[y > 0.5].max(), 40) and np.allclose(y[len(y) // 2 + 1 : -1], 40)
    plt.close(fig)

    fig = exit_flow_figure(t["room_exit_flow"], t["room_exits"], "room", max_exits=3)
    gids = [line.get_gid() for line in fig.axes[0].lines if line.get_gid()]
    assert len(gids) == 4 and gids[-1] == "exit_others"
    plt.close(fig)


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ('times_from = "evacuation_ordr"', "evacuation[0].times_from", "evacuation_order"),
        ("[evacuation.gas]\nincapacitation_aegl = 3", "evacuation[0].gas.substance", "substance"),
        (
            '[evacuation.gas]\nsubstance = "chlorine"\nincapacitation_aegl = 3\nincapacitation_load = 1.0',
            "evacuation[0].gas",
            "not both",
        ),
    ],
)
def test_mistakes_name_the_key(extra, key, words):
    from engine.errors import ScenarioError

    pops = '[[evacuation.populations]]\nname = "all"\ncount = 10\n'
    head = '[[events]]\nkind = "evacuation_order"\nat_s = 20.0\n'
    with pytest.raises(ScenarioError) as err:
        Scenario.from_text(_room(head, pops, extra))
    assert key in str(err.value) and words in str(err.value)
