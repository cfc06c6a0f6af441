"""Slope, aspect, Priority-Flood and D8 drainage against analytic surfaces and hand numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.terrain.analysis import (
    D8_DCOL,
    D8_DROW,
    OUTLET,
    _accumulate_flow_reference,
    _d8_flow_directions_reference,
    _priority_flood_fill_reference,
    accumulate_flow,
    aspect_deg,
    drainage_order,
    fill_depressions,
    flow_accumulation,
    flow_direction_d8,
    horn_gradient,
    receivers,
    route_flow,
    slope_deg,
    slope_m_per_m,
)


def plane(a, b, nx=9, ny=7, dx=10.0, c=1000.0):
    x = (np.arange(nx) + 0.5) * dx
    y = (np.arange(ny) + 0.5) * dx
    return a * x[None, :] + b * y[:, None] + c


# -- slope and aspect ----------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "aspect"),
    [
        (0.0, 1.0, 180.0),  # rises to the north: faces south
        (0.0, -0.5, 0.0),  # falls to the north: faces north
        (1.0, 0.0, 270.0),  # rises east: faces west
        (-0.2, 0.0, 90.0),
        (-1.0, -1.0, 45.0),  # falls towards the north-east
        (0.3, -0.4, math.degrees(math.atan2(-0.3, 0.4)) % 360.0),
        (0.7, 0.7, 225.0),
    ],
)
def test_slope_and_aspect_of_planes_are_exact_everywhere_edges_included(a, b, aspect):
    z = plane(a, b)
    gx, gy = horn_gradient(z, 10.0)
    np.testing.assert_allclose(gx, a, atol=1e-12)
    np.testing.assert_allclose(gy, b, atol=1e-12)
    np.testing.assert_allclose(slope_m_per_m(z, 10.0), math.hypot(a, b), atol=1e-12)
    np.testing.assert_allclose(slope_deg(z, 10.0), math.degrees(math.atan(math.hypot(a, b))), atol=1e-10)
    np.testing.assert_allclose(aspect_deg(z, 10.0), aspect, atol=1e-9)


def test_horn_slope_matches_the_arcgis_worked_example():
    # ESRI "How Slope works": window 50 45 50 / 30 30 30 / 8 10 10 (north row first), 5 m
    # cells: rise/run = 3.8003, slope 75.25762°.
    z = np.array([[8.0, 10.0, 10.0], [30.0, 30.0, 30.0], [50.0, 45.0, 50.0]])  # south row first
    assert slope_m_per_m(z, 5.0)[1, 1] == pytest.approx(math.hypot(0.05, 3.8), rel=1e-12)
    assert slope_deg(z, 5.0)[1, 1] == pytest.approx(75.25762, abs=1e-4)  # ESRI rounds rise/run first


def test_horn_aspect_matches_the_arcgis_worked_example():
    # ESRI "How Aspect works": window 101 92 85 / 101 92 85 / 101 91 84 → 92.64°.
    z = np.array([[101.0, 91.0, 84.0], [101.0, 92.0, 85.0], [101.0, 92.0, 85.0]])
    assert aspect_deg(z, 1.0)[1, 1] == pytest.approx(92.6425, abs=1e-4)


def test_flat_cells_have_nan_aspect_and_zero_slope():
    z = np.full((4, 5), 12.0)
    assert np.all(np.isnan(aspect_deg(z, 3.0)))
    assert np.all(slope_deg(z, 3.0) == 0.0)
    tilted = plane(1e-6, 0.0)
    assert np.all(np.isnan(aspect_deg(tilted, 10.0, flat_slope_m_per_m=1e-5)))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_cone_slope_and_aspect_point_away_from_or_to_the_apex(sign):
    # z = H - sign * s r: a peak (sign +1) faces away from its apex, a funnel towards it.
    n, dx, s = 41, 10.0, 0.6
    c = (np.arange(n) + 0.5) * dx
    xc = yc = c[n // 2]
    xx, yy = np.meshgrid(c - xc, c - yc)
    r = np.hypot(xx, yy)
    z = 1000.0 - sign * s * r
    ring = (r > 5 * dx) & (r < 15 * dx)
    np.testing.assert_allclose(slope_m_per_m(z, dx)[ring], s, rtol=0.02)
    outward = np.degrees(np.arctan2(xx, yy)) % 360.0
    expected = outward if sign > 0 else (outward + 180.0) % 360.0
    diff = (aspect_deg(z, dx)[ring] - expected[ring] + 180.0) % 360.0 - 180.0
    assert np.max(np.abs(diff)) < 0.5


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="non-finite"):
        slope_deg(np.array([[1.0, np.nan], [1.0, 1.0]]), 1.0)
    with pytest.raises(ValueError, match="cell_size_m"):
        slope_deg(np.zeros((3, 3)), 0.0)
    with pytest.raises(ValueError, match="2-D"):
        fill_depressions(np.zeros(4))


# -- depression filling --------------------------------------------------------


def test_priority_flood_fills_a_pit_to_its_spill_elevation():
    z = np.full((7, 7), 20.0)
    z[1:6, 1:6] = 9.0  # a rim ...
    z[2:5, 2:5] = [[5.0, 4.0, 5.0], [4.0, 1.0, 4.0], [5.0, 4.0, 5.0]]  # ... around a bowl
    z[3, 1] = 6.0  # lowest point of the rim
    z[3, 0] = 3.0  # a notch in the outer wall below it
    filled = fill_depressions(z)
    np.testing.assert_array_equal(filled[2:5, 2:5], 6.0)  # the spill elevation
    mask = np.ones_like(z, dtype=bool)
    mask[2:5, 2:5] = False
    np.testing.assert_array_equal(filled[mask], z[mask])  # nothing else moves


def test_nested_pits_fill_to_the_outer_spill_and_sloping_ground_is_untouched():
    z = plane(0.1, 0.05, nx=12, ny=10)
    before = z.copy()
    assert np.array_equal(fill_depressions(z), before)
    z[4, 4] = z[4, 4] - 50.0  # a deep pit
    z[4, 5] = z[4, 5] - 20.0  # next to a shallower one
    filled = fill_depressions(z)
    spill = min(before[r, c] for r, c in [(3, 3), (3, 4), (3, 5), (5, 3), (5, 4), (4, 3)])
    assert filled[4, 4] == filled[4, 5] == pytest.approx(spill)


def test_every_cell_drains_to_the_edge_after_filling():
    rng = np.random.default_rng(5)
    z = np.round(rng.normal(0.0, 3.0, size=(30, 40)))  # rough, pitted, with ties
    dr = route_flow(z, 1.0)
    rec = dr.receiver.ravel()
    ny, nx = z.shape
    for start in range(z.size):
        k, steps = start, 0
        while rec[k] >= 0:
            k = rec[k]
            steps += 1
            assert steps <= z.size, "cycle in the flow directions"
        r, c = divmod(k, nx)
        assert r in (0, ny - 1) or c in (0, nx - 1)
    # Each receiver comes after its donor in the drainage order, and mass is conserved.
    order = drainage_order(dr.filled_m, dr.flat_steps)
    position = np.empty(z.size, dtype=np.int64)
    position[order] = np.arange(z.size)
    donors = np.nonzero(rec >= 0)[0]
    assert np.all(position[donors] < position[rec[donors]])
    assert dr.accumulation_m2.ravel()[rec < 0].sum() == pytest.approx(z.size)


# -- D8 directions and accumulation --------------------------------------------


def test_d8_on_a_plane_falling_west():
    z = plane(0.1, 0.0)
    direction, steps = flow_direction_d8(z)
    assert np.all(direction[:, 0] == OUTLET)
    assert np.all(direction[:, 1:] == 4)  # west
    assert not steps.any()
    acc = route_flow(z, 10.0).accumulation_m2
    np.testing.assert_allclose(acc, (9 - np.arange(9))[None, :] * 100.0 * np.ones((7, 1)))


def test_d8_on_a_plane_falling_south_west_uses_the_diagonal():
    z = plane(0.1, 0.1, nx=6, ny=5)
    direction, _ = flow_direction_d8(z)
    assert np.all(direction[1:, 1:] == 5)  # SW: drop 2·0.1·dx over √2 dx beats 0.1
    assert np.all(direction[0, 1:] == 4) and np.all(direction[1:, 0] == 6)
    assert direction[0, 0] == OUTLET
    dr = route_flow(z, 10.0)
    assert dr.upstream_cells[0, 0] == 30
    # Cell (1, 1) gathers the diagonal line above it: (2,2), (3,3), (4,4) and itself.
    assert dr.upstream_cells[1, 1] == 4


def test_v_shaped_valley_sends_everything_to_the_channel_and_out_of_its_mouth():
    ny, nx, dx = 11, 15, 20.0
    rows, cols = np.indices((ny, nx))
    channel = 5
    z = 1.0 * np.abs(rows - channel) * dx + 0.1 * cols * dx  # side slope 1, channel falls west
    dr = route_flow(z, dx)
    np.testing.assert_array_equal(dr.filled_m, z)
    assert np.all(dr.direction[channel, 1:] == 4)
    assert np.all(dr.direction[:channel, :] == 2)  # south side flows north, straight down the slope
    assert np.all(dr.direction[channel + 1 :, :] == 6)
    assert dr.accumulation_m2[channel, 0] == pytest.approx(ny * nx * dx * dx)  # the whole area
    np.testing.assert_array_equal(dr.upstream_cells[channel], (nx - np.arange(nx)) * ny)
    mask = dr.river_mask((nx - 2) * ny * dx * dx)
    assert mask.sum() == 3 and np.all(mask[channel, :3])


def test_flats_drain_to_their_exit_by_the_shortest_route():
    z = np.full((5, 7), 10.0)
    z[:, 0] = 20.0
    z[0, :] = z[-1, :] = z[:, -1] = 20.0
    z[2, -1] = 5.0  # the only way out of the flat is the east edge in the middle row
    direction, steps = flow_direction_d8(fill_depressions(z))
    assert direction[2, 5] == 0  # next to the exit: east, into the lower edge cell
    assert steps[2, 5] == 0 and steps[2, 1] == 4 and steps[1, 1] == 4
    assert direction[2, 4] in (7, 0, 1) and steps[2, 4] == 1  # SE, E, NE are equally short
    # Following the directions from any flat cell takes steps + 1 moves to the exit (2, 6).
    rec = receivers(direction).ravel()
    for r in range(1, 4):
        for c in range(1, 6):
            k, moves = r * 7 + c, 0
            while k != 2 * 7 + 6:
                k, moves = rec[k], moves + 1
            assert moves == steps[r, c] + 1
    acc = route_flow(z, 1.0).accumulation_m2
    # The higher rim drains inwards (an edge cell with a lower neighbour flows to it), so all 35.
    assert acc[2, 6] == pytest.approx(z.size)


def test_receivers_follow_the_direction_codes():
    direction = np.full((3, 3), OUTLET, dtype=np.int8)
    for k in range(8):
        r, c = 1 + D8_DROW[k], 1 + D8_DCOL[k]
        direction[1, 1] = k
        assert receivers(direction)[1, 1] == r * 3 + c
    assert receivers(direction)[0, 0] == -1


# -- kernels against their Python twins ----------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernels_match_their_python_twins(seed):
    rng = np.random.default_rng(seed)
    ny, nx = 9, 13
    z = np.round(rng.normal(0.0, 2.0, size=(ny, nx)) + 0.3 * np.arange(nx)[None, :])
    filled = fill_depressions(z)
    assert filled.ravel().tolist() == _priority_flood_fill_reference(z.ravel().tolist(), nx, ny)
    assert np.all(filled >= z)
    direction, steps = flow_direction_d8(filled)
    ref_dir, ref_steps = _d8_flow_directions_reference(filled.ravel().tolist(), nx, ny)
    assert direction.ravel().tolist() == ref_dir
    assert steps.ravel().tolist() == ref_steps
    order = drainage_order(filled, steps)
    rec = receivers(direction).ravel()
    weight = rng.uniform(0.5, 2.0, size=z.size)
    out = np.empty(z.size)
    accumulate_flow(order, rec, weight, out)
    np.testing.assert_allclose(
        out, _accumulate_flow_reference(order.tolist(), rec.tolist(), weight), rtol=1e-12
    )
    np.testing.assert_allclose(
        flow_accumulation(filled, direction, steps, 4.0) / 4.0, route_flow(z, 2.0).upstream_cells
    )
