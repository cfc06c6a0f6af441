"""Walkable geometry: wall segments with exit gaps, exact wall distances, raster, loaders.

Oracles: hand geometry (segments of a rectangle with one door, distances at chosen points)
and shapely (``distance`` to the wall lines, polygon area and perimeter).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiLineString

from engine.errors import ScenarioError
from models.crowds.geometry import (
    Exit,
    Stair,
    WalkableArea,
    Walls,
    Waypoint,
    distance_to_walls,
    nearest_wall_points,
    wall_distance_raster,
)

RECT = [(0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0)]


def one_door_room() -> WalkableArea:
    """10 m × 5 m room, a 1 m door in the middle of the east wall."""
    return WalkableArea.from_coordinates(RECT, exits=[Exit("door", (10.0, 2.0), (10.0, 3.0))])


def as_set(walls: Walls) -> set[tuple[float, ...]]:
    """Segments without orientation, rounded, for comparison."""
    out = set()
    for x0, y0, x1, y1 in walls.segments:
        a, b = sorted([(round(x0, 9), round(y0, 9)), (round(x1, 9), round(y1, 9))])
        out.add((*a, *b))
    return out


# --- walls ------------------------------------------------------------------------------------


def test_rectangle_with_one_door_has_five_wall_segments():
    walls = one_door_room().walls()
    assert walls.segments.dtype == np.float64 and walls.segments.flags.c_contiguous
    assert walls.segments.shape == (5, 4)
    assert as_set(walls) == {
        (0, 0, 10, 0),  # south
        (0, 5, 10, 5),  # north
        (0, 0, 0, 5),  # west
        (10, 0, 10, 2),  # east, below the door
        (10, 3, 10, 5),  # east, above the door
    }


def test_closed_exit_is_wall_again_and_lengths_match_shapely():
    poly_room = WalkableArea.from_coordinates(
        RECT,
        holes=[[(4, 2), (6, 2), (6, 3), (4, 3)]],
        exits=[Exit("west", (0, 0), (0, 5)), Exit("d", (10, 2), (10, 3))],
    )
    open_walls = poly_room.walls()
    # the west exit spans its whole edge: that edge disappears; the hole keeps its 4 walls
    assert len(open_walls) == 3 + 1 + 4
    perimeter = poly_room.polygon.length  # shapely: exterior + hole
    assert open_walls.length_m.sum() == pytest.approx(perimeter - 5.0 - 1.0)
    closed = poly_room.walls(closed_exits=["west", "d"])
    assert closed.length_m.sum() == pytest.approx(perimeter)
    with pytest.raises(KeyError, match="did you mean"):
        poly_room.walls(closed_exits=["dd"])


# --- wall distance ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "expected", "nearest"),
    [
        (5.0, 2.5, 2.5, None),  # centre: north and south walls equally near
        (9.5, 2.5, math.sqrt(0.5), None),  # in the doorway: the door frames (10, 2), (10, 3)
        (10.5, 2.5, math.sqrt(0.5), None),  # just outside the door
        (9.9, 1.0, 0.1, (10.0, 1.0)),  # east wall below the door
        (-1.0, -1.0, math.sqrt(2.0), (0.0, 0.0)),  # outside the south-west corner
        (3.0, 4.0, 1.0, (3.0, 5.0)),
    ],
)
def test_distance_to_walls_at_hand_points(x, y, expected, nearest):
    walls = one_door_room().walls()
    d, idx, qx, qy = nearest_wall_points(walls, [x], [y])
    assert d[0] == pytest.approx(expected, abs=1e-12)
    assert distance_to_walls(walls, [x], [y])[0] == pytest.approx(expected, abs=1e-12)
    if nearest is not None:
        assert (qx[0], qy[0]) == pytest.approx(nearest, abs=1e-12)
        assert math.hypot(qx[0] - x, qy[0] - y) == pytest.approx(d[0])
        assert 0 <= idx[0] < len(walls)


def test_distance_to_walls_matches_shapely():
    area = WalkableArea.from_coordinates(
        RECT, holes=[[(4, 2), (6, 2), (5, 4)]], exits=[Exit("d", (10, 2), (10, 3))]
    )
    walls = area.walls()
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-2, 12, 500), rng.uniform(-2, 7, 500)
    lines = MultiLineString([[(s[0], s[1]), (s[2], s[3])] for s in walls.segments])
    assert np.allclose(walls.distance_m(x, y), shapely.distance(lines, shapely.points(x, y)), atol=1e-12)
    assert distance_to_walls(np.empty((0, 4)), [1.0], [1.0])[0] == np.inf


def test_wall_distance_raster_is_exact_inside_its_band():
    area = WalkableArea.from_coordinates(
        RECT, holes=[[(4, 2), (6, 2), (5, 4)]], exits=[Exit("d", (10, 2), (10, 3))]
    )
    raster = area.rasterize(0.1)
    walls = area.walls()
    band = wall_distance_raster(raster, walls, 0.7)
    xx, yy = np.meshgrid(raster.x_m, raster.y_m)
    exact = distance_to_walls(walls, xx.ravel(), yy.ravel()).reshape(raster.shape)
    assert np.allclose(band, np.minimum(exact, 0.7), atol=1e-12)


# --- raster -----------------------------------------------------------------------------------


def test_raster_counts_cells_of_area_hole_and_stair():
    stair = Stair("s", [(1, 1), (3, 1), (3, 4), (1, 4)], 0.5, 0.6, uphill=(0, 1))
    area = WalkableArea.from_coordinates(RECT, holes=[[(6, 1), (8, 1), (8, 2), (6, 2)]], stairs=[stair])
    r = area.rasterize(0.25)
    # area 50 − 2 m² at 0.0625 m² a cell; edges on multiples of the cell, so exact
    assert r.walkable.sum() == round(48 / 0.25**2)
    assert (r.stair_index == 0).sum() == round(6 / 0.25**2)
    assert not r.walkable[0].any() and not r.walkable[-1].any()
    assert not r.walkable[:, 0].any() and not r.walkable[:, -1].any()
    assert r.x_m[0] == pytest.approx(r.origin_x_m + 0.125)
    row, col = r.cell_of([7.0, 0.1], [1.5, 0.1])
    assert not r.walkable[row[0], col[0]] and r.walkable[row[1], col[1]]
    assert r.stair_speed_factor([2.0, 2.0, 5.0], [2.0, 2.0, 2.0], [0, 0, 0], [1, -1, 1]).tolist() == [
        0.5,
        0.6,
        1.0,
    ]


# --- validation and loaders ---------------------------------------------------------------------


def test_bad_geometry_errors_name_the_key_and_the_fix():
    with pytest.raises(ScenarioError, match=r"exits\[0\]: exit 'x' lies up to 1 m off"):
        WalkableArea.from_coordinates(RECT, exits=[Exit("x", (9, 2), (9, 3))])
    with pytest.raises(ScenarioError, match="used twice"):
        WalkableArea.from_coordinates(
            RECT, exits=[Exit("a", (10, 2), (10, 3))], waypoints=[Waypoint("a", (1, 1), (2, 1))]
        )
    with pytest.raises(ScenarioError, match="leaves the walkable area"):
        WalkableArea.from_coordinates(RECT, waypoints=[Waypoint("w", (9, 1), (11, 1))])
    with pytest.raises(ScenarioError, match="Self-intersection"):
        WalkableArea.from_coordinates([(0, 0), (2, 2), (2, 0), (0, 2)])
    with pytest.raises(ScenarioError, match="not valid WKT"):
        WalkableArea.from_wkt("POLYGON ((0 0, 1 0")
    with pytest.raises(ScenarioError, match="expected a Polygon"):
        WalkableArea.from_wkt("LINESTRING (0 0, 1 1)")
    with pytest.raises(ValueError, match="give uphill"):
        Stair("s", RECT, 0.5, 0.7)


def feature(kind, geometry, **props):
    return {"type": "Feature", "properties": {"kind": kind, **props}, "geometry": geometry}


def polygon(coords):
    return {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}


def line(a, b):
    return {"type": "LineString", "coordinates": [a, b]}


def test_geojson_round_trip(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("walkable", polygon([[0, 0], [6, 0], [6, 5], [0, 5]])),
            feature("walkable", polygon([[6, 0], [10, 0], [10, 5], [6, 5]])),
            feature("obstacle", polygon([[4, 2], [5, 2], [5, 3], [4, 3]]), name="pillar"),
            feature("exit", line([10, 2], [10, 3]), name="east"),
            feature("door", line([2, 1], [2, 2]), name="gate"),
            feature(
                "stair",
                polygon([[7, 0], [9, 0], [9, 5], [7, 5]]),
                name="ramp",
                speed_factor_up=0.4,
                speed_factor_down=0.6,
                uphill=[1, 0],
            ),
        ],
    }
    path = tmp_path / "floor.geojson"
    path.write_text(json.dumps(doc))
    area = WalkableArea.from_geojson(path)
    assert area.polygon.area == pytest.approx(49.0)
    assert area.exit_names == ("east",) and area.exit("east").width_m == 1.0
    assert area.outward_normal("east") == pytest.approx((1.0, 0.0))
    assert area.waypoints[0].name == "gate"
    assert area.stairs[0].speed_factor_down == 0.6 and area.stairs[0].uphill == (1.0, 0.0)
    walls = area.walls()  # merged floor, cut at the exit, plus the pillar
    assert walls.length_m.sum() == pytest.approx(area.polygon.length - 1.0)
    assert as_set(walls) >= {(10, 0, 10, 2), (10, 3, 10, 5), (4, 2, 5, 2), (4, 3, 5, 3)}


@pytest.mark.parametrize(
    ("features", "match"),
    [
        (
            [feature("walkabel", polygon([[0, 0], [1, 0], [1, 1]]))],
            r'features\[0\]\.properties\.kind: .*"walkable"',
        ),
        ([feature("exit", line([0, 0], [1, 0]))], r"features\[0\]\.properties\.name: an exit needs name"),
        (
            [feature("exit", line([0, 0], [1, 0]), name="e", widht=1)],
            r"properties\.widht: unknown key for an exit; allowed keys are kind, name",
        ),
        ([feature("walkable", line([0, 0], [1, 0]))], r"geometry\.type: a walkable must be a Polygon"),
        ([feature("exit", line([0, 0], [1, 0]), name="e")], r'no feature with "kind": "walkable"'),
    ],
)
def test_geojson_errors_name_file_and_key(tmp_path, features, match):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(ScenarioError, match=match) as info:
        WalkableArea.from_geojson(path)
    assert str(info.value).startswith(str(path))


def test_geojson_unreadable_files(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        WalkableArea.from_geojson(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"features": [}')
    with pytest.raises(ScenarioError, match="line 1, column 15"):
        WalkableArea.from_geojson(bad)
