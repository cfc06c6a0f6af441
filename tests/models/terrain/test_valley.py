"""The procedural valley: deterministic, a river below its banks descending downstream, a gorge, a town."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path as PolygonPath

from models.terrain.analysis import route_flow, slope_deg
from models.terrain.valley import VALLEY_KEYS, fractal_noise, generate_valley

NX, NY, DX = 160, 80, 40.0
SEEDS = [0, 1, 2, 3]


@pytest.fixture(scope="module", params=SEEDS)
def valley(request):
    return generate_valley(NX, NY, DX, seed=request.param, origin_x_m=500_000.0, origin_y_m=3_000_000.0)


def test_same_seed_same_valley_other_seed_other_valley():
    a = generate_valley(NX, NY, DX, seed=11)
    b = generate_valley(NX, NY, DX, seed=11)
    c = generate_valley(NX, NY, DX, seed=12)
    assert set(a) == set(VALLEY_KEYS)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert not np.array_equal(a["terrain_m"], c["terrain_m"])
    assert not np.array_equal(a["gorge_xy_m"], c["gorge_xy_m"])


def test_shapes_and_positions_are_in_world_coordinates(valley):
    assert valley["terrain_m"].shape == (NY, NX)
    for key in ("river_mask", "gorge_mask", "town_mask"):
        assert valley[key].dtype == bool and valley[key].shape == (NY, NX)
    x0, y0 = 500_000.0, 3_000_000.0
    for key in ("gorge_xy_m", "town_centre_xy_m"):
        x, y = valley[key]
        assert x0 < x < x0 + NX * DX and y0 < y < y0 + NY * DX
    assert np.all(np.isfinite(valley["terrain_m"]))


def test_relief_is_that_of_a_mountain_valley(valley):
    z = valley["terrain_m"]
    assert 500.0 < z.max() - z.min() < 1700.0
    slope = slope_deg(z, DX)
    walls = ~(valley["river_mask"] | (slope < 5.0))
    assert 15.0 < np.median(slope[walls]) < 45.0  # steep, but ground, not cliffs everywhere


def test_river_lies_below_its_banks_in_every_column(valley):
    z, river = valley["terrain_m"], valley["river_mask"]
    assert np.all(river.any(axis=0)), "every column has a river cell"
    for col in range(NX):
        assert z[river[:, col], col].max() < z[~river[:, col], col].min()
    # And below every non-river 8-neighbour.
    pad = np.pad(z, 1, constant_values=np.inf)
    rpad = np.pad(river, 1, constant_values=False)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            nb = pad[1 + dr : 1 + dr + NY, 1 + dc : 1 + dc + NX]
            nb_river = rpad[1 + dr : 1 + dr + NY, 1 + dc : 1 + dc + NX]
            assert np.all(z[river & ~nb_river] < nb[river & ~nb_river])


def test_river_profile_descends_monotonically_downstream(valley):
    z, river = valley["terrain_m"], valley["river_mask"]
    profile = np.array([z[river[:, col], col].min() for col in range(NX)])
    assert np.all(np.diff(profile) < 0.0)
    np.testing.assert_array_equal(profile, valley["river_bed_m"])
    rows = np.array([np.nonzero(river[:, c])[0].mean() for c in range(NX)])
    centre = (valley["river_centreline_y_m"] - 3_000_000.0) / DX - 0.5
    assert np.max(np.abs(rows - centre)) <= 1.0  # the mask follows the centre line


def test_d8_drainage_of_the_valley_follows_the_river_to_the_east_edge(valley):
    dr = route_flow(valley["terrain_m"], DX)
    acc = dr.accumulation_m2
    row, col = np.unravel_index(np.argmax(acc), acc.shape)
    assert col == NX - 1 and valley["river_mask"][row, col]
    assert acc[row, col] > 0.8 * NX * NY * DX * DX  # most of the grid drains out of the valley mouth
    trunk = acc >= 0.3 * acc.max()
    assert np.mean(valley["river_mask"][trunk]) > 0.9


def test_gorge_is_narrower_than_the_valley_elsewhere(valley):
    z = valley["terrain_m"]
    x = 500_000.0 + (np.arange(NX) + 0.5) * DX
    width = (z < valley["river_bed_m"][None, :] + 60.0).sum(axis=0) * DX  # valley width 60 m up
    xg = valley["gorge_xy_m"][0]
    at_gorge = width[np.argmin(np.abs(x - xg))]
    elsewhere = np.median(width[np.abs(x - xg) > 0.15 * NX * DX])
    assert at_gorge < 0.6 * elsewhere
    floor = 2.0 * valley["valley_floor_half_width_m"]
    assert floor[np.argmin(np.abs(x - xg))] < 0.5 * np.median(floor)
    # The gorge mask is the floor beside the river, around the gorge point.
    _, cols = np.nonzero(valley["gorge_mask"])
    assert np.all(np.abs(x[cols] - xg) <= 0.05 * NX * DX)
    assert not np.any(valley["gorge_mask"] & valley["river_mask"])


def test_town_site_is_flat_low_downstream_of_the_gorge_and_beside_the_river(valley):
    z, town, river = valley["terrain_m"], valley["town_mask"], valley["river_mask"]
    assert valley["town_centre_xy_m"][0] > valley["gorge_xy_m"][0] + 0.15 * NX * DX
    assert town.sum() * DX * DX > 0.1e6  # at least 0.1 km²
    assert not np.any(town & river)
    assert slope_deg(z, DX)[town].max() < 3.0
    bed = np.broadcast_to(valley["river_bed_m"], z.shape)
    assert np.all(z[town] - bed[town] < 25.0)  # a terrace just above the river
    rows, cols = np.nonzero(town)
    r_rows, r_cols = np.nonzero(river)
    nearest = np.min(np.hypot(rows[:, None] - r_rows[None, :], cols[:, None] - r_cols[None, :]), axis=1)
    assert nearest.min() <= 2.0  # next to the river
    # The outline contains the centre and the mask's cells.
    outline = PolygonPath(valley["town_polygon_xy_m"])
    assert outline.contains_point(valley["town_centre_xy_m"])
    xc = 500_000.0 + (cols + 0.5) * DX
    yc = 3_000_000.0 + (rows + 0.5) * DX
    assert np.mean(outline.contains_points(np.column_stack([xc, yc]))) > 0.9


def test_fractal_noise_is_seeded_and_has_a_red_spectrum():
    a = fractal_noise(128, 128, np.random.default_rng(3))
    b = fractal_noise(128, 128, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    # Rough (H small) surfaces change more from cell to cell than smooth ones.
    rough = fractal_noise(128, 128, np.random.default_rng(3), hurst=0.2)
    assert np.std(np.diff(rough, axis=1)) > 2.0 * np.std(np.diff(a, axis=1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nx": 30}, "at least 40"),
        ({"relief_m": 3000.0}, "steeper than 45°"),
        ({"seed": -1}, "seed"),
        ({"gorge_width_m": 2000.0}, "gorge half-width"),
        ({"river_gradient_m_per_m": 0.0}, "river_gradient"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    args = {"nx": NX, "ny": NY, "cell_size_m": DX, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        generate_valley(**args)
