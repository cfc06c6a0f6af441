"""Wall avoidance in the routing field: ``F(d) = f + (1 − f) min(d/d₀, 1)`` slows the eikonal near walls.

Oracles (values obtained when the tests were written in brackets):

* Away from walls the field is still the Euclidean distance: a waypoint in the middle of a
  20 m × 20 m room with ``d₀ = 1 m``; for every cell whose straight segment to the nearest
  point of the waypoint stays at least ``d₀`` from every wall, the travel distance equals
  the shapely distance within the first-order bound of ``test_routing.py`` [81 % of the
  cells; max error 0.130 m at h = 0.1 m against the bound 0.40 m], and equals the field
  without the ramp there exactly; elsewhere the ramp only adds [up to 1.81 m].
* Next to a wall the exact travel distance of a point straight above the waypoint is
  ``D − (d₀ − d) + d₀/(1 − f) ln(1/F(d))`` (the path runs perpendicular to the wall, where
  ``∫ dx/F`` is elementary). Along an axis the upwind update is a quadrature of ``∫ dx/F``
  with ``1/F`` taken at the slower end of each cell, so fast marching lies above the exact
  value by at most ``h (1/F(d) − 1)`` [d₀ = 1 m, f = 0.2: exact 0.834 m extra at d = 0.05 m,
  fast marching 0.170 m above it against the bound 0.317 m].
* Round the inner corner of an L-shaped corridor 3 m wide, the path traced down the
  field's gradient keeps the clearance of the minimum-time path of an independent solver:
  Dijkstra on a 0.05 m lattice with 16 directions, edge cost ``length × mean(1/F)`` with
  ``F`` from shapely's exact wall distance, edges that leave the area dropped [clearance
  0.94 m traced against 0.95 m (d₀ = 1, f = 0.1), 0.38 against 0.39 m (the default 0.4 m,
  0.1); 0.02 against 0.04 m with the ramp off].
* RiMEA test 15 (100 people, collision-free speed model, the 6 m corridor of
  ``test_rimea.py``): the ramp shortens the cornered corridor's evacuation [46.0 s with the
  default ramp against 50.6 s on the plain geodesic]. It does not put the corner between the
  short and the long straight corridor (routing.py's module docstring has the measurements).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from models.crowds.agents import jittered_grid
from models.crowds.geometry import Exit, WalkableArea, Waypoint
from models.crowds.routing import (
    DEFAULT_WALL_AVOID_DISTANCE_M,
    DEFAULT_WALL_MIN_SPEED_FACTOR,
    Router,
    trace_paths,
)
from tests.models.crowds.conftest import people, run
from tests.models.crowds.test_rimea import rimea_15_floors
from tests.models.crowds.test_routing import cell_centres, log_bound

ROOM = [(0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0)]
WAYPOINT = Waypoint("middle", (8.0, 10.0), (12.0, 10.0))


def ramp(d_m: np.ndarray, d0_m: float, f_min: float) -> np.ndarray:
    """The wall-avoidance speed factor written out independently of the module."""
    return f_min + (1.0 - f_min) * np.minimum(np.asarray(d_m) / d0_m, 1.0)


@pytest.fixture(scope="module")
def room():
    return WalkableArea.from_coordinates(ROOM, waypoints=[WAYPOINT])


# --- (a) the Euclidean distance survives away from walls --------------------------------------


def test_away_from_walls_the_field_is_the_euclidean_distance(room):
    h, d0 = 0.1, 1.0
    plain = Router(room, cell_m=h, wall_avoid_distance_m=0.0)
    ramped = Router(room, cell_m=h, wall_avoid_distance_m=d0, wall_min_speed_factor=0.2)
    _, _, pts = cell_centres(ramped)
    d_plain = plain.field("middle").sample(pts[:, 0], pts[:, 1])[2]
    d = ramped.field("middle").sample(pts[:, 0], pts[:, 1])[2]
    points = shapely.points(pts[:, 0], pts[:, 1])
    line = WAYPOINT.line
    nearest = shapely.line_interpolate_point(line, shapely.line_locate_point(line, points))
    sight = shapely.linestrings(
        np.stack([pts, np.column_stack([shapely.get_x(nearest), shapely.get_y(nearest)])], axis=1)
    )
    clear = shapely.distance(room.polygon.exterior, sight) >= d0
    assert clear.mean() > 0.75  # most of the room is tested
    assert np.abs(d[clear] - shapely.distance(line, points[clear])).max() < log_bound(h, 20.0)
    assert np.array_equal(d[clear], d_plain[clear])  # the ramp adds no error where it is not crossed
    assert np.all(d >= d_plain - 1e-9) and (d - d_plain).max() > 1.0  # elsewhere it only adds


def test_next_to_a_wall_the_detour_follows_the_ramp_integral(room):
    h, d0, f = 0.1, 1.0, 0.2
    router = Router(room, cell_m=h, wall_avoid_distance_m=d0, wall_min_speed_factor=f)
    field = router.field("middle")
    y = 20.0 - np.array([0.05, 0.15, 0.35, 0.65, 0.95])  # cell centres below the north wall
    x = np.full(y.shape, 10.05)
    got = field.sample(x, y)[2]
    wall_d = 20.0 - y
    exact = (y - 10.0) - (d0 - wall_d) + d0 / (1 - f) * np.log(1.0 / ramp(wall_d, d0, f))
    assert np.all(got >= exact - 1e-9)
    assert np.all(got <= exact + h * (1.0 / ramp(wall_d, d0, f) - 1.0) + 1e-9)
    assert exact[0] - (y[0] - 10.0) > 0.8  # the ramp costs 0.83 m extra at the wall


# --- (b) clearance round an inner corner against an independent minimum-time solver ------------

W = 3.0
L_CORRIDOR = [(0.0, 0.0), (8.0, 0.0), (8.0, 8.0), (8.0 - W, 8.0), (8.0 - W, W), (0.0, W)]
INNER = np.array([8.0 - W, W])
START = np.array([0.5, W / 2])


def dijkstra_clearance(area: WalkableArea, d0: float, f: float, h: float = 0.05) -> float:
    """Closest approach to the inner corner of the minimum-time path from START to the top exit,
    on a lattice with 16 directions; speed from shapely's exact distance to the walls."""
    walls = shapely.difference(area.polygon.boundary, shapely.box(8.0 - W, 7.99, 8.0, 8.01))
    xs = np.arange(h / 2, 8.0, h)
    gx, gy = np.meshgrid(xs, xs)
    inside = shapely.contains_xy(area.polygon, gx, gy)
    px, py = gx[inside], gy[inside]
    index = np.full(gx.shape, -1)
    index[inside] = np.arange(px.size)
    wall_d = shapely.distance(walls, shapely.points(px, py))
    slow = 1.0 / ramp(wall_d, d0, f) if d0 > 0 else np.ones(px.size)
    rows, cols = np.nonzero(inside)
    src, dst, cost = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1)):
        r2, c2 = rows + dr, cols + dc
        ok = (r2 < gx.shape[0]) & (c2 >= 0) & (c2 < gx.shape[1])
        a, b = index[rows[ok], cols[ok]], index[r2[ok], c2[ok]]
        a, b = a[b >= 0], b[b >= 0]
        edges = shapely.linestrings(np.stack([np.c_[px[a], py[a]], np.c_[px[b], py[b]]], axis=1))
        keep = shapely.covers(area.polygon, edges)
        a, b = a[keep], b[keep]
        src.append(a)
        dst.append(b)
        cost.append(np.hypot(px[a] - px[b], py[a] - py[b]) * 0.5 * (slow[a] + slow[b]))
    n = px.size
    graph = coo_matrix((np.concatenate(cost), (np.concatenate(src), np.concatenate(dst))), shape=(n, n))
    s = int(np.argmin(np.hypot(px - START[0], py - START[1])))
    dist, pred = dijkstra(graph.tocsr(), directed=False, indices=s, return_predecessors=True)
    top = np.nonzero(py > 8.0 - h)[0]
    node, path = int(top[np.argmin(dist[top])]), []
    while node != s:
        path.append(node)
        node = int(pred[node])
    return float(np.hypot(px[path] - INNER[0], py[path] - INNER[1]).min())


@pytest.mark.parametrize(
    ("d0", "f"), [(0.0, 1.0), (DEFAULT_WALL_AVOID_DISTANCE_M, DEFAULT_WALL_MIN_SPEED_FACTOR), (1.0, 0.1)]
)
def test_the_gradient_path_keeps_the_minimum_time_clearance_round_an_inner_corner(d0, f):
    area = WalkableArea.from_coordinates(L_CORRIDOR, exits=[Exit("top", (8.0 - W, 8.0), (8.0, 8.0))])
    router = Router(area, cell_m=0.05, wall_avoid_distance_m=d0, wall_min_speed_factor=f)
    xs, ys = trace_paths(router.field("top"), area, [START[0]], [START[1]], step_m=0.02, max_steps=3000)
    assert ys[-1, 0] >= 8.0  # it left through the exit
    traced = float(np.hypot(xs[:, 0] - INNER[0], ys[:, 0] - INNER[1]).min())
    assert traced == pytest.approx(dijkstra_clearance(area, d0, f), abs=0.05)
    if d0 > 0:
        assert traced >= 0.9 * d0  # with f = 0.1 the path rounds the corner near d0 out
    else:
        assert traced < 0.1  # the plain geodesic grazes the corner


# --- (c) RiMEA 15: the ramp eases the corner ---------------------------------------------------


def corner_time_s(d0: float) -> float:
    floor = rimea_15_floors(0.3)["corner"]
    if d0 != DEFAULT_WALL_AVOID_DISTANCE_M:
        floor.router = Router(floor.area, cell_m=floor.cell_m, wall_avoid_distance_m=d0)
    x, dy = jittered_grid(100, (0.0, 0.0, 6.0, 8.0), 0.05, np.random.default_rng(15))
    p = people(x, 18.0 - dy, "csm")
    r = run(p, floor.stepper("csm"), t_max_s=300)
    assert math.isfinite(r.last_out_s)
    return r.last_out_s


def test_rimea_15_the_wall_ramp_shortens_the_crowds_corner_time():
    assert corner_time_s(DEFAULT_WALL_AVOID_DISTANCE_M) < 0.95 * corner_time_s(0.0)
