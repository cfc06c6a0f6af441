"""The chemical park in the engine: escalation chain, Natech triggers, QRA outputs."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Scenario, ScenarioError, Simulation
from models.chains.domino import (
    heat_escalation_probability,
    overpressure_escalation_probability,
    simulate_domino,
)
from models.chains.park_units import Unit, Weather, effect_matrices, lethality, unit_codes, unit_effect
from tests.conftest import SCENARIOS

PARK = SCENARIOS / "chemical_park_domino.toml"
NATECH = SCENARIOS / "chemical_park_natech.toml"


def small_park(
    extra: str = "", units: str | None = None, events: str | None = None, impacts: str = ""
) -> str:
    units = units or (
        '    { name = "P1", category = "elongated", x_m = 200.0, y_m = 200.0, diameter_m = 3.0, '
        'height_m = 20.0, substance = "propane", inventory_kg = 20000.0, outcome = "vapour_cloud_explosion", '
        "loc_frequency_per_year = 1e-5 },\n"
        '    { name = "T1", category = "atmospheric", x_m = 250.0, y_m = 200.0, diameter_m = 20.0, '
        'height_m = 12.0, substance = "gasoline", inventory_kg = 2.0e6, outcome = "pool_fire", '
        "anchored = false },\n"
    )
    events = (
        events
        if events is not None
        else ('[[events]]\nkind = "loss_of_containment"\nat_s = 10.0\ndata = { unit = "P1" }\n')
    )
    return f"""
[scenario]
name = "test park"
duration_s = 120
seed = 3

[grid]
cell_size_m = 10.0
nx = 60
ny = 40

{events}
{extra}
[[hazards]]
model = "chemical_park"
name = "park"
dt_s = 5.0
units = [
{units}]

[[exposure]]
model = "population_grid"
districts = [{{ x_min_m = 300.0, x_max_m = 600.0, y_min_m = 0.0, y_max_m = 400.0, people = 1200.0 }}]
{impacts}
"""


def run_text(text: str, seed: int, base_dir=SCENARIOS):
    return Simulation(Scenario.from_text(text, base_dir=base_dir), seed=seed).run()


def test_the_event_log_is_a_tree_of_causes_rooted_in_the_initiating_event():
    out = Simulation(Scenario.load(PARK), seed=42).run()
    events = out.events
    outcomes = [e for e in events if e.source == "park" and e.kind != "process_started"]
    assert len(outcomes) >= 2  # the VCE escalates in this seed
    for e in outcomes:
        cause = events[e.cause_id]
        assert cause.time_s <= e.time_s and cause.id < e.id
        if e.data["level"] == 0:
            assert cause.kind == "loss_of_containment"
        else:
            assert cause.source == "park" and cause.data["level"] == e.data["level"] - 1
            assert e.data["caused_by"] == cause.data["unit"]
    tree = out.tables["escalation_tree"]
    assert sorted(tree.columns["unit"].tolist()) == sorted(e.data["unit"] for e in outcomes)
    assert out.kpis["units_failed"].value == len(outcomes)


def test_single_level_escalation_frequency_matches_the_probits_on_the_park_itself():
    units = [Unit(**u) for u in Scenario.load(PARK).process("park").config.model_dump()["units"]]
    w = Weather(wind_speed_m_s=4.0, wind_from_deg=255.0, relative_humidity=0.6)
    xs = np.array([0.0])
    effects = [unit_effect(i, units, xs, xs, w) for i in range(len(units))]
    flux, over, fire_s = effect_matrices(effects)
    cats, vols = unit_codes(units)
    primary = 0  # the VCE at P1
    res = simulate_domino(primary, flux, over, cats, vols, 20_000, 11, fire_duration_s=fire_s, max_level=1)
    p_over = np.asarray(overpressure_escalation_probability(over[primary], cats))
    p_heat = np.asarray(
        heat_escalation_probability(
            flux[primary], vols, cats, exposure_duration_s=fire_s[primary], heat_probit="cozzani2005"
        )
    )
    analytic = p_over + (1 - p_over) * p_heat
    analytic[primary] = 1.0
    freq = res.failure_probability()
    se = np.sqrt(np.maximum(analytic * (1 - analytic), 1e-12) / 20_000)
    assert np.all(np.abs(freq - analytic) <= 4 * se + 1e-9), (freq, analytic)
    assert 0.05 < analytic[1:].max() < 1.0  # the test exercises real, uncertain escalation


def test_deaths_and_escalation_are_reproducible_from_the_seed():
    sc = Scenario.load(PARK)
    a = Simulation(sc, seed=5).run()
    b = Simulation(sc, seed=5).run()
    assert {k: v.value for k, v in a.kpis.items()} == {k: v.value for k, v in b.kpis.items()}
    assert np.array_equal(a.maps["fire_blast_deaths"].data, b.maps["fire_blast_deaths"].data)
    assert [(e.kind, e.data.get("unit")) for e in a.events] == [
        (e.kind, e.data.get("unit")) for e in b.events
    ]
    text = PARK.read_text()
    no_qra = Scenario.from_text(text[: text.index('[[impacts]]\nmodel = "park_risk"')], base_dir=SCENARIOS)
    stories = {
        tuple(sorted(Simulation(no_qra, seed=s).run().tables["escalation_tree"].columns["unit"]))
        for s in range(1, 7)
    }
    assert len(stories) > 1  # escalation is stochastic


def test_qra_of_a_single_unit_equals_the_hand_sum_of_frequency_times_lethality():
    units = (
        '    { name = "T1", category = "atmospheric", x_m = 250.0, y_m = 200.0, diameter_m = 20.0, '
        'height_m = 12.0, substance = "gasoline", inventory_kg = 2.0e6, outcome = "pool_fire", '
        "loc_frequency_per_year = 2e-5 },\n"
    )
    text = small_park(
        units=units, events="", impacts='[[impacts]]\nmodel = "park_risk"\npark = "park"\nreplicas = 50\n'
    )
    sc = Scenario.from_text(text, base_dir=SCENARIOS)
    out = Simulation(sc, seed=1).run()
    grid = sc.make_grid()
    xs, ys = grid.cell_centres()
    unit = Unit(**sc.process("park").config.model_dump()["units"][0])
    effect = unit_effect(0, [unit], xs, ys, Weather())
    p_out, p_in = lethality(effect, "gasoline")
    np.testing.assert_allclose(
        out.maps["individual_risk_per_year"].data.reshape(-1), 2e-5 * p_out, rtol=1e-12
    )
    pop = out.maps["population"].data.reshape(-1)
    n_expected = float(np.sum(pop * (0.2 * p_out + 0.8 * p_in)))
    fn = out.tables["risk_outcomes"].columns
    assert fn["frequency_per_year"].tolist() == [2e-5]
    assert fn["expected_deaths"][0] == pytest.approx(n_expected)


def test_an_earthquake_makes_tanks_release_with_the_earthquake_as_cause(tmp_path):
    (tmp_path / "pga.npy").write_bytes(b"")
    np.save(tmp_path / "pga.npy", np.full((40, 60), 2.0))
    quake = '[[events]]\nkind = "earthquake"\nat_s = 5.0\n'
    layer = '[[layers]]\nname = "pga_g"\nfile = "pga.npy"\nunits = "g"\n'
    out = run_text(small_park(extra=layer, events=quake), 1, base_dir=tmp_path)
    quake_id = next(e.id for e in out.events if e.kind == "earthquake")
    losses = [e for e in out.events if e.kind == "loss_of_containment"]
    assert losses and all(e.cause_id == quake_id and e.data["trigger"] == "earthquake" for e in losses)
    assert any(e.data["unit"] == "T1" for e in losses)  # unanchored tank at 2 g: P ≈ 0.98
    np.save(tmp_path / "pga.npy", np.zeros((40, 60)))
    calm = run_text(small_park(extra=layer, events=quake), 1, base_dir=tmp_path)
    assert not [e for e in calm.events if e.kind == "loss_of_containment"]


def test_a_flood_floats_a_light_tank(tmp_path):
    np.save(tmp_path / "depth.npy", np.full((40, 60), 3.0))
    layer = '[[layers]]\nname = "water_depth_m"\nfile = "depth.npy"\nunits = "m"\n'
    units = (
        '    { name = "T1", category = "atmospheric", x_m = 250.0, y_m = 200.0, diameter_m = 20.0, '
        'height_m = 12.0, substance = "gasoline", inventory_kg = 2.0e5, fill_fraction = 0.1, '
        'outcome = "pool_fire", anchored = false },\n'
    )
    out = run_text(small_park(extra=layer, units=units, events=""), 1, base_dir=tmp_path)
    losses = [e for e in out.events if e.kind == "loss_of_containment"]
    assert len(losses) == 1 and losses[0].data["trigger"] == "flood" and losses[0].data["mode"] == "flotation"
    assert out.events[-1].kind == "pool_fire" or any(e.kind == "pool_fire" for e in out.events)


def test_park_mistakes_are_named():
    bad_event = small_park(
        events='[[events]]\nkind = "loss_of_containment"\nat_s = 1.0\ndata = { unit = "P9" }\n'
    )
    with pytest.raises(ScenarioError, match=r"events\[0\]\.data: .*P1, T1"):
        Scenario.from_text(bad_event, base_dir=SCENARIOS)
    outside = small_park().replace("x_m = 250.0", "x_m = 2500.0")
    with pytest.raises(ScenarioError, match=r"hazards\[0\]\.units\[1\]: unit T1"):
        Scenario.from_text(outside, base_dir=SCENARIOS)
    toxic_fire = small_park().replace('substance = "gasoline"', 'substance = "chlorine"')
    with pytest.raises(ScenarioError, match=r"hazards\[0\]\.units\[1\]: .*flammable"):
        Scenario.from_text(toxic_fire, base_dir=SCENARIOS)


def test_park_report_draws_effect_zones_escalation_and_fn_curve(tmp_path):
    from engine.report import make_report
    from engine.results import write_run

    out = Simulation(Scenario.load(PARK), seed=42).run()
    path = write_run(tmp_path / "park.h5", out)
    make_report(path, tmp_path / "rep")
    names = {p.name for p in (tmp_path / "rep").glob("*.png")}
    assert {
        "table_fn_curve.png",
        "events_graph.png",
        "map_individual_risk_per_year.png",
        "map_peak_thermal_radiation_kw_m2.png",
        "map_peak_overpressure_pa.png",
    } <= names
    fn = out.tables["fn_curve"].columns
    assert np.all(np.diff(fn["frequency_per_year"]) <= 0) and fn["deaths_N"][0] == 1.0


def test_an_instantaneous_toxic_release_is_a_puff_drifting_with_the_wind():
    units = (
        '    { name = "C1", category = "pressurised", x_m = 50.0, y_m = 200.0, diameter_m = 3.0, '
        'height_m = 4.0, substance = "chlorine", inventory_kg = 5000.0, outcome = "toxic_release", '
        'release_mode = "instantaneous" },\n'
    )
    events = '[[events]]\nkind = "loss_of_containment"\nat_s = 0.0\ndata = { unit = "C1" }\n'
    text = small_park(units=units, events=events).replace("duration_s = 120", "duration_s = 150")
    text = text.replace("[[hazards]]", "[output]\ninterval_s = 30\n\n[[hazards]]")
    out = run_text(text.replace('name = "park"\ndt_s = 5.0', 'name = "park"\ndt_s = 30.0'), 1)
    gas = out.series["gas_concentration_mg_m3"].data
    grid = Scenario.from_text(text, base_dir=SCENARIOS).make_grid()
    times = out.times_s
    # Centre of mass of the puff along x moves at the wind speed (3 m/s by default), from x = 50 m.
    for k in (2, 3, 4):
        mass_x = gas[k].sum(axis=0)
        centre = float((mass_x * grid.x_m).sum() / mass_x.sum())
        assert centre == pytest.approx(50.0 + 3.0 * times[k], abs=20.0)


def test_a_simulated_flood_floats_a_tank_and_the_release_traces_back_to_the_flood(tmp_path):
    np.save(tmp_path / "terrain.npy", np.zeros((40, 60)))
    extra = (
        '[[layers]]\nname = "terrain_m"\nfile = "terrain.npy"\nunits = "m"\n\n'
        '[[events]]\nkind = "levee_breach"\nat_s = 0.0\n\n'
        '[[chains]]\nwhen = "levee_breach"\nstart = "flood"\n\n'
        '[[hazards]]\nmodel = "local_inertial_flood"\nname = "flood"\nmanning_n = 0.03\n'
        "inflows = [{ x_m = 150.0, y_m = 200.0, hydrograph = [[0.0, 1000.0], [600.0, 1000.0]] }]\n"
    )
    units = (
        '    { name = "T1", category = "atmospheric", x_m = 250.0, y_m = 200.0, diameter_m = 20.0, '
        'height_m = 12.0, substance = "gasoline", inventory_kg = 2.0e5, fill_fraction = 0.1, '
        'outcome = "pool_fire", anchored = false },\n'
    )
    text = small_park(extra=extra, units=units, events="").replace("duration_s = 120", "duration_s = 600")
    out = run_text(text, 1, base_dir=tmp_path)
    events = out.events
    loss = [e for e in events if e.kind == "loss_of_containment"]
    assert len(loss) == 1 and loss[0].data["trigger"] == "flood"
    chain = [events[i].kind for i in _causes(events, loss[0].id)]
    assert chain == ["levee_breach", "process_started", "loss_of_containment"]
    # The tank floated when the water reached the physical flotation depth (Archimedes).
    from models.chains.natech import critical_flotation_depth_m

    unit = Unit(
        name="T1",
        category="atmospheric",
        x_m=250.0,
        y_m=200.0,
        diameter_m=20.0,
        height_m=12.0,
        substance="gasoline",
        inventory_kg=2.0e5,
        fill_fraction=0.1,
        outcome="pool_fire",
        anchored=False,
    )
    from models.substances import get_substance

    critical = critical_flotation_depth_m(
        diameter_m=20.0,
        height_m=12.0,
        empty_mass_kg=unit.shell_mass_kg,
        fill_fraction=0.1,
        liquid_density_kg_m3=get_substance("gasoline").liquid_density_kg_m3,
    )
    assert loss[0].data["depth_m"] >= critical


def _causes(events, i):
    out = []
    while i >= 0:
        out.append(i)
        i = events[i].cause_id
    return out[::-1]
