"""The ``ground_motion`` process through the engine: fields, the earthquake event, residuals, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.hazards.shaking  # noqa: F401  (registers "ground_motion")
from engine import Scenario, ScenarioError, Simulation
from engine.grid import Grid
from models.hazards.ground_motion import BSSA14, CY14, Distances, Rupture, gmpe
from models.hazards.shaking import INTENSITY_MEASURES, PGA_CONTOURS_G, shaking_fields

DX, NX, NY = 250.0, 60, 40  # 15 km x 10 km
QUAKE = """
magnitude = 6.5
hypocentre_x_m = 3000.0
hypocentre_y_m = 2000.0
depth_km = 10.0
strike_deg = 0.0
dip_deg = 90.0
rake_deg = 0.0
"""


def scenario_text(keys: str = "", *, quake: str = QUAKE, extra: str = "") -> str:
    return f"""
[scenario]
name = "shaking test"
duration_s = 10.0

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}
{extra}
[[hazards]]
model = "ground_motion"
name = "quake"
{quake}
{keys}
"""


def run(text: str, base_dir=".", seed: int = 1):
    sim = Simulation(Scenario.from_text(text, base_dir=base_dir, path="s.toml"), seed=seed)
    return sim, sim.run()


def test_median_fields_event_maps_and_kpis_end_to_end():
    sim, out = run(scenario_text())
    layers = sim.world.grid.layers
    # A vertical strike-slip plane through the hypocentre, north-striking: Wells & Coppersmith
    # length 10^(-2.57 + 0.62·6.5) = 28.8 km, width 10^(-0.76 + 0.27·6.5) = 11.2 km, top edge
    # at 10 - 11.2/2 = 4.4 km. Cell (row 20, col 40) is 7.125 km east of the trace: Rjb = Rx =
    # 7.125 km, Rrup = sqrt(7.125² + 4.4²).
    length, width = 10 ** (-2.57 + 0.62 * 6.5), 10 ** (-0.76 + 0.27 * 6.5)
    ztor = 10.0 - width / 2
    rjb = 10125.0 / 1000 - 3.0
    d = Distances(np.array([rjb]), np.array([math.hypot(rjb, ztor)]), np.array([rjb]), np.zeros(1))
    for name, period in INTENSITY_MEASURES.items():
        layer = layers[name]
        assert layer.units == "g" and layer.data.shape == (NY, NX)
        expected = BSSA14().ground_motion(
            period, magnitude=6.5, rake_deg=0.0, distances=d, vs30_m_s=760.0, dip_deg=90.0, ztor_km=ztor
        )
        assert layer.data[20, 40] == pytest.approx(expected.median_g[0], rel=1e-12)
    pga = layers["pga_g"].data
    assert np.all(np.diff(pga[20, 12:], axis=-1) < 0)  # decays away from the trace (x = 3 km)
    np.testing.assert_allclose(pga[:, 11], pga[:, 12], rtol=1e-12)  # symmetric about the trace

    quakes = [e for e in out.events if e.kind == "earthquake"]
    assert len(quakes) == 1
    e = quakes[0]
    started = next(s for s in out.events if s.kind == "process_started" and s.source == "quake")
    assert (e.x_m, e.y_m, e.source, e.cause_id, e.time_s) == (3000.0, 2000.0, "quake", started.id, 0.0)
    assert started.cause_id == -1  # the scenario started the process
    assert all(layers[n].cause_event_id == e.id for n in INTENSITY_MEASURES)  # shaking caused by it
    assert e.data["magnitude"] == 6.5 and e.data["depth_km"] == 10.0 and e.data["gmpe"] == "BSSA14"
    assert e.data["length_km"] == pytest.approx(length) and e.data["width_km"] == pytest.approx(width)
    assert e.data["ztor_km"] == pytest.approx(ztor) and e.data["mechanism"] == "strike_slip"
    assert e.data["max_pga_g"] == pytest.approx(pga.max())

    assert out.maps["shakemap_pga_g"].contours == PGA_CONTOURS_G
    np.testing.assert_array_equal(out.maps["shakemap_sa_1p0_g"].data, layers["sa_1p0_g"].data)
    assert out.kpis["max_pga_g"].value == pytest.approx(pga.max()) and out.kpis["max_pga_g"].units == "g"
    area = np.count_nonzero(pga > 0.2) * DX * DX / 1e6
    assert out.kpis["area_pga_above_0p2g_km2"].value == pytest.approx(area)
    assert 0.0 < area < NX * NY * DX * DX / 1e6  # the 0.2 g contour crosses the grid


def test_vs30_field_and_cy14_on_a_dipping_reverse_fault(tmp_path):
    vs30 = np.tile(np.linspace(250.0, 900.0, NX), (NY, 1))
    np.save(tmp_path / "vs30.npy", vs30)
    layer = '[[layers]]\nname = "vs30_m_s"\nfile = "vs30.npy"\nunits = "m s-1"\n'
    quake = QUAKE.replace("dip_deg = 90.0", "dip_deg = 40.0").replace("rake_deg = 0.0", "rake_deg = 90.0")
    sim, _ = run(scenario_text('gmpe = "CY14"', quake=quake, extra=layer), base_dir=tmp_path)
    grid = sim.world.grid
    rupture = Rupture.from_hypocentre(6.5, 3000.0, 2000.0, 10.0, 0.0, 40.0, 90.0)
    direct = shaking_fields(Grid(0.0, 0.0, DX, NX, NY), rupture, CY14(), vs30)
    for name in INTENSITY_MEASURES:
        np.testing.assert_allclose(grid.layers[name].data, direct.fields[name], rtol=1e-12)
    # Hanging wall (east of the trace, dip direction) shakes more than the footwall at equal Rx.
    x_trace = rupture.top_x_m
    col_hw, col_fw = int((x_trace + 1500.0) // DX), int((x_trace - 1500.0) // DX)
    uniform = shaking_fields(Grid(0.0, 0.0, DX, NX, NY), rupture, CY14(), 500.0).fields["pga_g"]
    assert uniform[20, col_hw] > uniform[20, col_fw]


def test_sampled_residuals_share_one_normalised_field_and_respect_truncation():
    keys = 'residuals = "sampled"\ntruncation_sigma = 1.5'
    sim, out = run(scenario_text(keys), seed=7)
    layers = sim.world.grid.layers
    rupture = Rupture.from_hypocentre(6.5, 3000.0, 2000.0, 10.0, 0.0, 90.0, 0.0)
    median = shaking_fields(Grid(0.0, 0.0, DX, NX, NY), rupture, BSSA14(), 760.0)
    eta = next(e for e in out.events if e.kind == "earthquake").data["between_event_epsilon"]
    assert abs(eta) <= 1.5
    eps = [
        (np.log(layers[n].data) - gm.ln_median - gm.tau * eta) / gm.phi for n, gm in median.motions.items()
    ]
    np.testing.assert_allclose(eps[1], eps[0], atol=1e-9)  # the stated assumption: one field for all IMs
    np.testing.assert_allclose(eps[2], eps[0], atol=1e-9)
    assert np.abs(eps[0]).max() <= 1.5 + 1e-9 and eps[0].std() > 0.05
    # Neighbouring cells are strongly correlated (range 8.5 km, 250 m cells: rho = 0.915).
    assert np.corrcoef(eps[0][:, :-1].ravel(), eps[0][:, 1:].ravel())[0, 1] > 0.8
    again = run(scenario_text(keys), seed=7)[0].world.grid.layers["pga_g"].data
    np.testing.assert_array_equal(again, layers["pga_g"].data)
    other = run(scenario_text(keys), seed=8)[0].world.grid.layers["pga_g"].data
    assert not np.array_equal(other, layers["pga_g"].data)


def test_residual_statistics_follow_the_model():
    # 400 events on a 12 x 12 grid of 1 km cells: eta ~ N(0, 1); eps unit variance with the
    # Jayaram & Baker (2009) PGA correlation exp(-3h/8.5 km): 0.703 at 1 km, 0.243 at 4 km.
    grid = Grid(0.0, 0.0, 1000.0, 12, 12)
    rupture = Rupture.from_hypocentre(6.0, 6000.0, 6000.0, 8.0, 45.0, 90.0, 0.0)
    rng = np.random.default_rng(11)
    etas, eps = [], []
    for _ in range(400):
        out = shaking_fields(grid, rupture, gmpe("BSSA14"), 760.0, residuals="sampled", rng=rng)
        etas.append(out.between_event_epsilon)
        eps.append(out.within_event_epsilon)
    etas, eps = np.array(etas), np.array(eps)
    assert abs(etas.mean()) < 0.15 and abs(etas.std() - 1.0) < 0.1
    assert abs(eps[:, 6, 6].std() - 1.0) < 0.1
    for lag, rho in ((1, math.exp(-3 / 8.5)), (4, math.exp(-12 / 8.5))):
        r = np.corrcoef(eps[:, 6, 3], eps[:, 6, 3 + lag])[0, 1]
        assert abs(r - rho) < 0.1, (lag, r, rho)


@pytest.mark.parametrize(
    ("keys", "quake", "key", "match"),
    [
        ("", QUAKE.replace("dip_deg = 90.0", "dip_deg = 0.0"), "hazards[0].dip_deg", "greater than 0"),
        ("", QUAKE.replace("dip_deg = 90.0", "dip_deg = 95.0"), "hazards[0].dip_deg", "90"),
        ('gmpe = "CY14"', QUAKE.replace("magnitude = 6.5", "magnitude = 3.2"), "hazards[0].magnitude", "3.5"),
        ("ztor_km = 12.0", QUAKE, "hazards[0].ztor_km", "does not contain the hypocentre"),
        ("vs30_m_s = 100.0", QUAKE, "hazards[0].vs30_m_s", "150"),
        ('gmpe = "ASK14"', QUAKE, "hazards[0].gmpe", "BSSA14"),
        ('residuals = "mean"', QUAKE, "hazards[0].residuals", "median"),
    ],
)
def test_bad_keys_name_the_key(keys, quake, key, match):
    with pytest.raises(ScenarioError, match=match) as info:
        Scenario.from_text(scenario_text(keys, quake=quake), path="s.toml")
    assert info.value.key == key


def test_vs30_given_twice_is_an_error(tmp_path):
    np.save(tmp_path / "vs30.npy", np.full((NY, NX), 400.0))
    layer = '[[layers]]\nname = "vs30_m_s"\nfile = "vs30.npy"\nunits = "m s-1"\n'
    with pytest.raises(ScenarioError, match="remove one") as info:
        Scenario.from_text(scenario_text("vs30_m_s = 500.0", extra=layer), base_dir=tmp_path, path="s.toml")
    assert info.value.key == "hazards[0].vs30_m_s"
    np.save(tmp_path / "vs30.npy", np.full((NY, NX), 120.0))
    with pytest.raises(ScenarioError, match="needs 150-1500"):
        Scenario.from_text(scenario_text("", extra=layer), base_dir=tmp_path, path="s.toml")


def test_a_chain_rule_on_earthquake_starts_an_aftershock_caused_by_the_mainshock():
    after = QUAKE.replace("magnitude = 6.5", "magnitude = 5.5").replace("3000.0", "9000.0")
    text = scenario_text() + (
        f'\n[[hazards]]\nmodel = "ground_motion"\nname = "aftershock"\n{after}\n'
        '[[chains]]\nwhen = "earthquake"\nsource = "quake"\nstart = "aftershock"\n'
    )
    sim, out = run(text)
    main, second = (e for e in out.events if e.kind == "earthquake")
    assert (main.source, second.source) == ("quake", "aftershock")
    started = next(e for e in out.events if e.kind == "process_started" and e.source == "aftershock")
    chain = [e.id for e in sim.world.events.chain(second.id)]
    assert chain[1:] == [main.id, started.id, second.id]  # scenario start → mainshock → aftershock
    assert sim.world.grid.layers["pga_g"].cause_event_id == second.id  # the later shaking overwrote it


def test_long_range_on_a_fine_grid_is_sampled_on_coarser_nodes():
    # Clustered Vs30 (range 40.7 km) on 25 m cells needs a torus of ~8000² cells, over the 2²⁵
    # limit: the field is drawn on 50 m nodes and interpolated (see _within_event_field).
    grid = Grid(0.0, 0.0, 25.0, 40, 20)
    rupture = Rupture.from_hypocentre(6.0, 500.0, 250.0, 8.0, 0.0, 90.0, 0.0)
    kw = dict(residuals="sampled", vs30_clustered=True)
    eps = shaking_fields(
        grid, rupture, gmpe("BSSA14"), 760.0, rng=np.random.default_rng(3), **kw
    ).within_event_epsilon
    assert eps.shape == (20, 40) and np.isfinite(eps).all() and eps.std() > 0
    # Midpoints between nodes are the mean of their neighbours (bilinear), e.g. along a row.
    np.testing.assert_allclose(eps[0, 1:-1:2], 0.5 * (eps[0, 0:-2:2] + eps[0, 2::2]), atol=1e-12)
