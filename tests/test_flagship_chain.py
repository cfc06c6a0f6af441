"""The flagship scenario, valley_earthquake_chain.toml, end to end: the whole chain, with causes.

One run of the scenario as shipped (seed 7: the gorge is dammed) checks that every link of
the chain happens in order and names its cause — earthquake → landslide → landslide dam →
lake overtopping → dam breach → outburst flood → a road closed by the water — and that the
numbers each link hands on agree with each other: the flood takes in the breach hydrograph's
volume, the lake that breached is the one the barrier-lake model filled, the arrival at the
town comes after the breach. The physics of each model is verified in its own tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Scenario, Simulation
from tests.conftest import FLAGSHIP


@pytest.fixture(scope="module")
def flagship():
    sim = Simulation(Scenario.load(FLAGSHIP))
    return sim, sim.run()


def _first(out, kind):
    return next(e for e in out.events if e.kind == kind)


def _visible_chain(out, event):
    """Kinds from the initiating event down to ``event``, without the engine's start links."""
    return [e.kind for e in reversed(list(_walk(out, event))) if e.kind != "process_started"]


def _walk(out, event):
    while True:
        yield event
        if event.cause_id < 0:
            return
        event = out.events[event.cause_id]


def test_the_log_holds_the_whole_chain_with_causes(flagship):
    _, out = flagship
    breach = _first(out, "dam_breach")
    assert _visible_chain(out, breach) == [
        "earthquake",
        "landslide",
        "landslide_dam",
        "lake_overtopping",
        "dam_breach",
    ]
    flood_start = next(e for e in out.events if e.kind == "process_started" and e.source == "outburst_flood")
    assert flood_start.cause_id == breach.id and flood_start.time_s == breach.time_s
    quake = _first(out, "earthquake")
    assert _first(out, "buildings_collapsed").cause_id == quake.id
    by_water = [e for e in out.events if e.kind == "road_closed" and e.data["reason"] == "water"]
    assert by_water and all(flood_start.id in (e.cause_id, out.events[e.cause_id].cause_id) for e in by_water)
    assert min(e.time_s for e in by_water) > breach.time_s


def test_each_link_hands_on_consistent_numbers(flagship):
    _, out = flagship
    k = {name: kpi.value for name, kpi in out.kpis.items()}
    breach = _first(out, "dam_breach")
    dam = _first(out, "landslide_dam")
    # The lake overtops at its capacity, fed at the scenario's 200 m³/s from the dam's formation.
    assert k["lake_time_to_overtopping_s"] == pytest.approx(k["lake_capacity_m3"] / 200.0, rel=1e-6)
    assert breach.time_s == pytest.approx(dam.time_s + k["lake_time_to_overtopping_s"], abs=1e-3)
    # The flood takes in the breach hydrograph (its trapezoid integral) and conserves mass.
    t = np.asarray(breach.data["hydrograph_t_s"])
    q = np.asarray(breach.data["hydrograph_q_m3_s"])
    released = float(np.sum(0.5 * (q[1:] + q[:-1]) * np.diff(t)))
    end = out.times_s[-1]
    if t[-1] <= end - breach.time_s:
        assert k["flood_inflow_volume_m3"] == pytest.approx(released, rel=1e-6)
    assert k["flood_mass_balance_rel_error"] < 1e-6
    assert k["breach_peak_outflow_m3_s"] == pytest.approx(q.max(), rel=1e-9)
    # The outburst reaches the town after the breach, and people there are in deep, fast water.
    assert breach.time_s < k["flood_arrival_town_site_s"] < end
    assert k["flood_people_H4_or_worse"] > 0
    # The shaking hurt people and trapped some: demand for the rescue models.
    trapped = out.tables["trapped_people"].columns["people"]
    assert k["earthquake_trapped"] == pytest.approx(float(np.sum(trapped))) and k["earthquake_trapped"] > 0
    # ... and the rescue teams' tasks are exactly those trapped people.
    assert k["rescue_people_trapped"] == k["earthquake_trapped"]
    assert math.isfinite(k["max_pga_g"]) and k["max_pga_g"] > 0.2
