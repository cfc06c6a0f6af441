"""The terrain process through the engine: scenario validation, fields written, facilities, results."""

from __future__ import annotations

import math

import numpy as np
import pytest

import models.terrain.terrain  # noqa: F401  (registers the "terrain" model)
from engine import Results, Scenario, ScenarioError, Simulation
from engine.registry import families
from engine.results import write_run
from models.terrain.analysis import route_flow, slope_deg
from models.terrain.dem import Dem, write_esri_ascii, write_hdf5_dem
from models.terrain.valley import generate_valley

HEAD = """
[scenario]
name = "terrain test"
duration_s = 60

[grid]
origin_x_m = {x0}
origin_y_m = {y0}
cell_size_m = {dx}
nx = {nx}
ny = {ny}
"""


def scenario_text(entry: str, *, x0=1000.0, y0=2000.0, dx=50.0, nx=80, ny=40, extra: str = "") -> str:
    head = HEAD.format(x0=x0, y0=y0, dx=dx, nx=nx, ny=ny)
    return f'{head}{extra}\n[[terrain]]\nmodel = "terrain"\n{entry}\n'


def run(text: str, base_dir="."):
    sim = Simulation(Scenario.from_text(text, base_dir=base_dir, path="t.toml"))
    return sim, sim.run()


def test_terrain_is_a_scenario_section():
    assert "terrain" in families()


def test_generated_valley_fields_and_facilities_through_an_engine_run(tmp_path):
    sim, out = run(scenario_text("generate = { seed = 4 }\nriver_threshold_m2 = 2.0e5"))
    layers = sim.world.grid.layers
    valley = generate_valley(80, 40, 50.0, seed=4, origin_x_m=1000.0, origin_y_m=2000.0)
    z = layers["terrain_m"].data
    np.testing.assert_array_equal(z, valley["terrain_m"])
    np.testing.assert_array_equal(layers["slope_deg"].data, slope_deg(z, 50.0))
    acc = layers["flow_accumulation_m2"].data
    np.testing.assert_array_equal(acc, route_flow(z, 50.0).accumulation_m2)
    np.testing.assert_array_equal(layers["river_mask"].data, (acc >= 2.0e5).astype(float))
    assert set(np.unique(layers["river_mask"].data)) == {0.0, 1.0}
    units = {n: layers[n].units for n in ("terrain_m", "slope_deg", "aspect_deg", "flow_accumulation_m2")}
    assert units == {
        "terrain_m": "m",
        "slope_deg": "degree",
        "aspect_deg": "degree",
        "flow_accumulation_m2": "m2",
    }
    aspect = layers["aspect_deg"].data
    assert np.all((aspect[np.isfinite(aspect)] >= 0) & (aspect[np.isfinite(aspect)] < 360))
    gorge, town = sim.world.facilities["gorge"], sim.world.facilities["town_site"]
    assert (gorge.kind, town.kind) == ("gorge", "town_site")
    assert (gorge.x_m, gorge.y_m) == tuple(valley["gorge_xy_m"])
    assert (town.x_m, town.y_m) == tuple(valley["town_centre_xy_m"])
    assert town.attrs["area_m2"] == valley["town_mask"].sum() * 2500.0
    assert len(town.attrs["polygon_x_m"]) == len(valley["town_polygon_xy_m"])
    # The river network runs along the generated channel.
    assert np.mean(valley["river_mask"][acc >= 0.3 * acc.max()]) > 0.9
    # Static fields kept once in the results file.
    assert {"terrain_m", "slope_deg", "river_mask"} <= set(out.maps)
    assert out.kpis["terrain_relief_m"].value == pytest.approx(z.max() - z.min())
    path = write_run(tmp_path / "r.h5", out)
    data, units_ = Results(path).map("terrain_m")
    np.testing.assert_allclose(data, z)
    assert units_ == "m"


def test_dem_from_esri_ascii_of_another_resolution_is_resampled_exactly_for_a_plane(tmp_path):
    # DEM: 25 m cells, larger than the grid; z = 0.2 x − 0.1 y + 800 (centre-registered header).
    xs = 900.0 + (np.arange(60) + 0.5) * 25.0
    ys = 1900.0 + (np.arange(50) + 0.5) * 25.0
    dem = Dem(0.2 * xs[None, :] - 0.1 * ys[:, None] + 800.0, 900.0, 1900.0, 25.0)
    write_esri_ascii(tmp_path / "plane.asc", dem)
    text = scenario_text('dem = { file = "plane.asc" }', dx=40.0, nx=20, ny=15)
    sim, _ = run(text, base_dir=tmp_path)
    layers = sim.world.grid.layers
    g = sim.world.grid
    expected = 0.2 * g.x_m[None, :] - 0.1 * g.y_m[:, None] + 800.0
    np.testing.assert_allclose(layers["terrain_m"].data, expected, atol=1e-9)
    np.testing.assert_allclose(layers["slope_deg"].data, math.degrees(math.atan(math.hypot(0.2, 0.1))))
    # Rises east, falls north: faces west-north-west.
    np.testing.assert_allclose(layers["aspect_deg"].data, math.degrees(math.atan2(-0.2, 0.1)) % 360.0)
    assert not sim.world.facilities  # a DEM brings no gorge or town site


def test_dem_from_npy_and_hdf5(tmp_path):
    z = np.add.outer(np.arange(15.0), np.arange(20.0))  # (ny, nx), row 0 south
    np.save(tmp_path / "z.npy", z)
    write_hdf5_dem(tmp_path / "z.h5", Dem(z, 1000.0, 2000.0, 50.0))
    npy = 'dem = { file = "z.npy", origin_x_m = 1000.0, origin_y_m = 2000.0, cell_size_m = 50.0 }'
    for entry in (npy, 'dem = { file = "z.h5", format = "hdf5" }'):
        sim, _ = run(scenario_text(entry, nx=20, ny=15), base_dir=tmp_path)
        np.testing.assert_array_equal(sim.world.grid.layers["terrain_m"].data, z)
    flipped = npy.replace(" }", ", north_first = true }")
    sim, _ = run(scenario_text(flipped, nx=20, ny=15), base_dir=tmp_path)
    np.testing.assert_array_equal(sim.world.grid.layers["terrain_m"].data, z[::-1])


def error_for(text: str, base_dir=".") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_text(text, base_dir=base_dir, path="t.toml")
    return info.value


def test_a_dem_that_does_not_cover_the_grid_is_a_scenario_error(tmp_path):
    write_esri_ascii(tmp_path / "small.asc", Dem(np.zeros((10, 10)), 1000.0, 2000.0, 50.0))
    err = error_for(scenario_text('dem = { file = "small.asc" }', nx=20, ny=10), tmp_path)
    assert err.key == "terrain[0].dem.file"
    assert "small.asc: the DEM covers x 1000…1500 m" in str(err)
    assert str(err).startswith("t.toml: terrain[0].dem.file: ")


def test_nodata_inside_the_grid_is_a_scenario_error(tmp_path):
    z = np.zeros((10, 10))
    z[4, 4] = np.nan
    write_esri_ascii(tmp_path / "holes.asc", Dem(z, 1000.0, 2000.0, 50.0))
    err = error_for(scenario_text('dem = { file = "holes.asc" }', nx=10, ny=10), tmp_path)
    assert err.key == "terrain[0].dem.file" and "no-data" in err.message


@pytest.mark.parametrize(
    ("entry", "key", "message"),
    [
        ("", "terrain[0]", "exactly one of dem"),
        (
            'generate = { seed = 1 }\ndem = { file = "z.npy", origin_x_m = 0, origin_y_m = 0, '
            "cell_size_m = 50 }",
            "terrain[0]",
            "exactly one of dem",
        ),
        ('dem = { file = "missing.asc" }', "terrain[0].dem.file", "does not exist"),
        ('dem = { file = "z.npy" }', "terrain[0].dem", "origin_x_m, origin_y_m and cell_size_m"),
        ('dem = { file = "z.dat" }', "terrain[0].dem", "cannot tell the format"),
        ("generate = { seed = 1, relief = 900.0 }", "terrain[0].generate.relief", "relief_m"),
        ("generate = { seed = 1, relief_m = 4000.0 }", "terrain[0].generate", "steeper than 45°"),
        ("generate = { seed = -2 }", "terrain[0].generate.seed", "greater than or equal to 0"),
        ("generate = { seed = 1 }\nriver_threshold_m2 = 0.0", "terrain[0].river_threshold_m2", "greater"),
    ],
)
def test_configuration_mistakes_name_the_key(tmp_path, entry, key, message):
    np.save(tmp_path / "z.npy", np.zeros((40, 80)))
    (tmp_path / "z.dat").write_text("")
    err = error_for(scenario_text(entry), tmp_path)
    assert err.key == key
    assert message in err.message


def test_generated_valley_needs_room_and_its_facility_names(tmp_path):
    err = error_for(scenario_text("generate = { seed = 1 }", nx=30, ny=40))
    assert err.key == "terrain[0].generate" and "at least 40 × 20" in err.message
    clash = '[[facilities]]\nname = "gorge"\nkind = "bridge"\nx_m = 1100.0\ny_m = 2100.0\n'
    err = error_for(scenario_text("generate = { seed = 1 }", extra=clash))
    assert err.key == "terrain[0].generate" and '"gorge"' in err.message
