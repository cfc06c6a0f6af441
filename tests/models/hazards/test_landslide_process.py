"""The newmark_landslides process: dam geometry by hand, and the earthquake → landslide → dam chain.

Hand numbers: the dam fills a trapezoidal valley section (floor of five 10 m cells, walls rising
5 m per cell); its volume is the along-channel width times the section area below the crest,
summed cell by cell (the midpoint rule, exact here) and compared with the continuous trapezoid
``A(h) = b h + h² / tan θ``. The end-to-end runs use the generated valley of
models/terrain/valley.py on a 120 × 60 grid of 20 m cells.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.hazards.landslide_process  # registers "newmark_landslides"
import models.terrain.terrain  # noqa: F401  (registers "terrain")
from engine import Results, Scenario, ScenarioError, Simulation
from engine.results import write_run
from models.hazards.landslide_process import channel_direction, landslide_dam
from models.hazards.landslides import (
    critical_acceleration_g,
    factor_of_safety,
    failure_probability,
    newmark_displacement_cm,
)
from models.terrain.analysis import route_flow, slope_deg
from models.terrain.valley import generate_valley

# ------------------------------------------------------------------ dam geometry


def _trapezoid_valley(nx=15, dx=10.0, floor_cells=5, rise_m=5.0, bed_m=100.0):
    """A valley along x: a flat floor of ``floor_cells`` rows, walls rising ``rise_m`` per row."""
    half = floor_cells // 2
    k = np.maximum(np.abs(np.arange(-20, 21)) - half, 0)
    return bed_m + np.repeat((k * rise_m)[:, None], nx, axis=1)  # 41 rows, centre row 20


def test_dam_in_a_trapezoidal_valley_has_the_hand_computed_height():
    z = _trapezoid_valley()
    # L = 50 m (5 cells along x). Section below a crest h (10 m cells, walls 5 m per cell):
    # A(h) = 10 [5 h + 2 Σ_k max(0, h − 5k)]. At h = 20: 10 [100 + 2 (15 + 10 + 5)] = 1600 m²,
    # V = 50 × 1600 = 80 000 m³; the crest meets the walls at |v| = 20 + 20 / 0.5 = 60 m.
    dam = landslide_dam(z, 10.0, 20, 7, (1.0, 0.0), 80_000.0, 50.0)
    assert dam.height_m == pytest.approx(20.0, rel=1e-9)
    assert dam.crest_elevation_m == pytest.approx(120.0, rel=1e-12)
    assert dam.bed_elevation_m == 100.0
    assert dam.width_m == pytest.approx(120.0, rel=1e-9)  # across the valley
    assert dam.length_m == 50.0  # along the river
    assert dam.thickness_m.sum() * 100.0 == pytest.approx(80_000.0, rel=1e-12)
    # the body: 20 m on the floor, 15/10/5 m on the walls, only in the five middle columns
    np.testing.assert_allclose(dam.thickness_m[18:23, 5:10], 20.0, rtol=1e-9)
    np.testing.assert_allclose(dam.thickness_m[[17, 16, 15], 7], [15.0, 10.0, 5.0], rtol=1e-9)
    assert not dam.thickness_m[:, :5].any() and not dam.thickness_m[:, 10:].any()
    assert not dam.thickness_m[:15].any() and not dam.thickness_m[26:].any()


def test_dam_height_between_wall_rows_and_against_the_continuous_trapezoid():
    z = _trapezoid_valley()
    # 10 ≤ h ≤ 15: A = 10 [5 h + 2 ((h − 5) + (h − 10))] = 10 (9 h − 30); 50 A = 50 000 -> h = 130/9.
    dam = landslide_dam(z, 10.0, 20, 7, (1.0, 0.0), 50_000.0, 50.0)
    assert dam.height_m == pytest.approx(130.0 / 9.0, rel=1e-9)
    assert dam.width_m == pytest.approx(2 * (20.0 + 2.0 * 130.0 / 9.0), rel=1e-9)
    # The terrain through the cell centres is a trapezoid of floor b = 40 m and walls tan θ = 0.5:
    # A = 40 h + 2 h², so 2 h² + 40 h − 1000 = 0 gives h = 14.495 m; the cell sum is 0.35 % lower.
    h_continuous = (-40.0 + math.sqrt(40.0**2 + 8.0 * 1000.0)) / 4.0
    assert dam.height_m == pytest.approx(h_continuous, rel=5e-3)


def test_dam_on_a_diagonal_valley_conserves_volume_and_is_symmetric():
    n = 41
    rows, cols = np.indices((n, n))
    across = np.abs(rows - cols) * 10.0 / math.sqrt(2.0)  # distance from the diagonal channel
    z = 0.5 * across  # V-valley, walls tan θ = 0.5
    d = landslide_dam(z, 10.0, 20, 20, (1.0, 1.0), 40_000.0, 60.0)
    assert d.thickness_m.sum() * 100.0 == pytest.approx(40_000.0, rel=1e-12)
    np.testing.assert_allclose(d.thickness_m, d.thickness_m.T, atol=1e-9)  # mirror about the channel
    # continuous V-section A = h² / tan θ = 2 h²; L A = V gives h = 18.26 m; cells within 6 %
    assert d.height_m == pytest.approx(math.sqrt(40_000.0 / 60.0 / 2.0), rel=0.06)
    assert d.width_m == pytest.approx(4.0 * d.height_m, rel=1e-9)


def test_no_dam_where_one_side_is_open():
    z = np.repeat((np.maximum(np.arange(21.0) - 10.0, 0.0) * 5.0)[:, None], 9, axis=1)  # wall north only
    assert landslide_dam(z, 10.0, 10, 4, (1.0, 0.0), 10_000.0, 30.0) is None
    with pytest.raises(ValueError):
        landslide_dam(z, 10.0, 30, 4, (1.0, 0.0), 10_000.0, 30.0)


def test_channel_direction_follows_the_drainage():
    y = np.abs(np.arange(11.0) - 5.0)
    z = np.add.outer(10.0 * y, 0.1 * np.arange(15.0))  # channel in row 5 draining west
    dr = route_flow(z, 10.0)
    assert channel_direction(dr.receiver, dr.accumulation_m2, 5, 7) == (-1.0, 0.0)
    zd = np.abs(np.subtract.outer(np.arange(15.0), np.arange(15.0))) + 0.1 * np.add.outer(
        np.arange(15.0), np.arange(15.0)
    )  # channel on the diagonal draining south-west
    dr = route_flow(zd, 10.0)
    e, n = channel_direction(dr.receiver, dr.accumulation_m2, 7, 7)
    assert (e, n) == pytest.approx((-math.sqrt(0.5), -math.sqrt(0.5)))


# ------------------------------------------------------------------ the process in a scenario

NX, NY, DX, PGA, MAGNITUDE = 120, 60, 20.0, 0.5, 6.5


def _scenario(tmp_path, hazard_keys: str = "", *, chain: bool = True, layers: dict | None = None) -> Scenario:
    arrays = {"pga_g": np.full((NY, NX), PGA), **(layers or {})}
    blocks = []
    for name, arr in arrays.items():
        np.save(tmp_path / f"{name}.npy", arr)
        blocks.append(f'[[layers]]\nname = "{name}"\nfile = "{name}.npy"\nunits = "1"\n')
    trigger = f"""
[[events]]
kind = "earthquake"
at_s = 10.0
x_m = 1200.0
y_m = 300.0
data = {{ magnitude = {MAGNITUDE} }}

[[chains]]
when = "earthquake"
start = "slides"
"""
    text = f"""
[scenario]
name = "landslide chain"
duration_s = 60.0

[grid]
cell_size_m = {DX}
nx = {NX}
ny = {NY}

{"".join(blocks)}
{trigger if chain else ""}
[[terrain]]
model = "terrain"
generate = {{ seed = 4 }}

[[hazards]]
model = "newmark_landslides"
name = "slides"
{hazard_keys}
"""
    return Scenario.from_text(text, base_dir=tmp_path)


def _valley():
    z = generate_valley(NX, NY, DX, seed=4)["terrain_m"]
    return z, slope_deg(z, DX)


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    sc = _scenario(tmp_path_factory.mktemp("sampled"))
    sim = Simulation(sc, seed=11)
    return sc, sim, sim.run()


def test_landslides_are_caused_by_the_earthquake_and_conserve_debris(sampled):
    _, sim, out = sampled
    quake = next(e for e in out.events if e.kind == "earthquake")
    slides = [e for e in out.events if e.kind == "landslide"]
    assert len(slides) > 20
    assert all(e.cause_id == quake.id and e.source == "slides" and e.time_s == 10.0 for e in slides)
    assert out.kpis["landslide_count"].value == len(slides)
    assert len(out.tables["landslides"].columns["event_id"]) == len(slides)
    # Deposit volume = source volume × bulking (1.2), over spread deposits and dams alike.
    debris = out.maps["landslide_debris_m"].data
    volume = sum(e.data["volume_m3"] for e in slides)
    washed = out.kpis["landslide_debris_washed_m3"].value
    assert debris.sum() * DX * DX + washed == pytest.approx(1.2 * volume, rel=1e-9)
    assert out.kpis["landslide_deposit_volume_m3"].value + washed == pytest.approx(1.2 * volume, rel=1e-9)
    # Debris that does not dam the river stays on its banks: river cells hold only dams.
    river = sim.world.grid.layers["river_mask"].data > 0.5
    n_dams = out.kpis["landslide_dam_count"].value
    assert n_dams > 0 or not np.any(debris[river] > 0.0)
    assert np.all(debris >= 0.0)
    assert all(e.data["runout_m"] >= 0.0 and 0.1 < e.data["reach_ratio"] < 1.0 for e in slides)
    assert sum(e.data["runout_m"] > 100.0 for e in slides) > len(slides) // 2
    # the debris field is attributed to the earthquake (road closures log that cause)
    layers = sim.world.grid.layers
    assert layers["landslide_debris_m"].cause_event_id == quake.id


def test_probability_field_is_the_newmark_chain_with_the_quake_magnitude(sampled):
    _, _, out = sampled
    _, slope = _valley()
    river = out.maps["river_mask"].data > 0.5
    fs = factor_of_safety(slope, 5e3, 32.0, 18e3, 2.5, 0.0)
    dn = newmark_displacement_cm(PGA, critical_acceleration_g(fs, slope), magnitude=MAGNITUDE)  # eq. 7
    np.testing.assert_allclose(out.maps["newmark_displacement_cm"].data, dn, rtol=1e-12)
    expected = np.where((slope >= 10.0) & ~river, failure_probability(dn), 0.0)
    np.testing.assert_allclose(out.maps["landslide_probability"].data, expected, rtol=1e-12)
    sources = out.maps["landslide_sources"].data > 0
    assert not sources[expected == 0.0].any()
    # the sampled share of failed cells is the mean probability (± 4 binomial standard errors)
    p = expected[expected > 0]
    share, se = sources[expected > 0].mean(), math.sqrt(np.sum(p * (1 - p))) / p.size
    assert abs(share - p.mean()) < 4 * se


def test_same_seed_repeats_another_differs(sampled):
    sc, _, out = sampled
    again = Simulation(sc, seed=11).run()
    other = Simulation(sc, seed=12).run()

    def key(o):
        return [
            (e.kind, e.x_m, e.y_m, e.data.get("volume_m3"))
            for e in o.events
            if e.kind.startswith("landslide")
        ]

    assert key(again) == key(out)
    np.testing.assert_array_equal(again.maps["landslide_debris_m"].data, out.maps["landslide_debris_m"].data)
    assert key(other) != key(out)


def _forced_slide_layers():
    """Weak, saturated soil (c′ = 0) on a patch of the north wall of the gorge; strong elsewhere."""
    z, slope = _valley()
    patch = np.zeros((NY, NX), bool)
    patch[33:38, 48:56] = True
    patch &= slope >= 20.0
    return {"cohesion_Pa": np.where(patch, 0.0, 1e7)}, patch, z, slope


def test_a_big_slide_next_to_the_river_dams_it(tmp_path):
    layers, patch, z, slope = _forced_slide_layers()
    keys = 'failure_model = "critical_displacement"\nsaturated_fraction = 1.0'
    out = Simulation(_scenario(tmp_path, keys, layers=layers), seed=1).run()
    quake = next(e for e in out.events if e.kind == "earthquake")
    (slide,) = [e for e in out.events if e.kind == "landslide"]
    (dam,) = [e for e in out.events if e.kind == "landslide_dam"]
    assert slide.cause_id == quake.id and dam.cause_id == slide.id
    # source: the patch, a 2.5 m slab normal to the slope: Σ Δx² t / cos α
    np.testing.assert_array_equal(out.maps["landslide_sources"].data > 0, patch)
    volume = float(np.sum(DX * DX * 2.5 / np.cos(np.radians(slope[patch]))))
    assert slide.data["volume_m3"] == pytest.approx(volume, rel=1e-12)
    assert slide.data["area_m2"] == patch.sum() * DX * DX and slide.data["dam"] is True
    d = dam.data
    assert set(d) >= {
        "row",
        "col",
        "crest_elevation_m",
        "dam_height_m",
        "volume_m3",
        "dam_length_m",
        "dam_width_m",
    }
    river = out.maps["river_mask"].data > 0.5
    assert river[d["row"], d["col"]]
    assert (dam.x_m, dam.y_m) == ((d["col"] + 0.5) * DX, (d["row"] + 0.5) * DX)
    assert d["crest_elevation_m"] == pytest.approx(z[d["row"], d["col"]] + d["dam_height_m"], rel=1e-12)
    assert d["volume_m3"] == pytest.approx(1.2 * volume, rel=1e-12)
    debris = out.maps["landslide_debris_m"].data
    assert debris.sum() * DX * DX == pytest.approx(1.2 * volume, rel=1e-9)
    # the debris field is the dam: ground + debris reaches the crest at the dam cell
    assert z[d["row"], d["col"]] + debris[d["row"], d["col"]] == pytest.approx(
        d["crest_elevation_m"], rel=1e-9
    )
    assert d["dam_height_m"] >= 2.0 and d["dam_length_m"] > 0.0  # dam_min_height_m
    assert out.kpis["landslide_dam_count"].value == 1


def test_results_file_keeps_slides_and_dam(tmp_path):
    layers, *_ = _forced_slide_layers()
    keys = 'failure_model = "critical_displacement"\nsaturated_fraction = 1.0'
    out = Simulation(_scenario(tmp_path, keys, layers=layers), seed=1).run()
    res = Results(write_run(tmp_path / "ls.h5", out))
    kinds = [e.kind for e in res.events]
    assert kinds.count("landslide") == 1 and kinds.count("landslide_dam") == 1


def test_start_s_without_a_chain_uses_eq6(tmp_path):
    out = Simulation(_scenario(tmp_path, "start_s = 0.0", chain=False), seed=3).run()
    _, slope = _valley()
    fs = factor_of_safety(slope, 5e3, 32.0, 18e3, 2.5, 0.0)
    dn = newmark_displacement_cm(PGA, critical_acceleration_g(fs, slope))  # eq. 6: no magnitude known
    np.testing.assert_allclose(out.maps["newmark_displacement_cm"].data, dn, rtol=1e-12)
    started = next(e for e in out.events if e.kind == "process_started" and e.source == "slides")
    assert all(e.cause_id == started.id for e in out.events if e.kind == "landslide")


def test_scenario_errors_name_the_key(tmp_path):
    with pytest.raises(ScenarioError, match=r"hazards\[0\]\.cohesion_Pa"):
        _scenario(tmp_path, "cohesion_Pa = 1000.0", layers={"cohesion_Pa": np.zeros((NY, NX))})
    with pytest.raises(ScenarioError, match="critical_displacement_cm"):
        _scenario(tmp_path, "critical_displacement_cm = 5.0")
    with pytest.raises(ScenarioError, match="runout_relation"):
        _scenario(tmp_path, 'runout_relation = "heim"')
