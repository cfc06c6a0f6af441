"""Local-inertial flood solver: dam-break verification, mass balance, lake at rest, kernel twins.

Error norms and tolerances (h_l = 10 m, dam at x0 = 500 m, 1 km strip of 400 cells, t = 20 s,
frictionless, θ = 0.7 as de Almeida et al. recommend for low friction; obtained values in
brackets, measured when the tests were written):

* Ritter (dry bed). L1 relative error of h(x) < 0.20 [0.154]. Rarefaction head within 20 m of
  x0 − c0 t = 301.9 m [286.2 m: θ smears it]. Depth at the dam section within 40 % of
  4 h_l/9 = 4.444 m [5.878 m, +32 %]. Wet front within 300 m of x0 + 2 c0 t = 896.2 m
  [635 m, −261 m].
* Stoker (h_r = 1 m). Middle depth within 65 % of h_m = 3.9617 m [6.189 m, +56 %]; bore
  (half-way between h_m and h_r) within 80 m of 696.39 m [635 m, −61 m].

Those tolerances are wide because the model is not the shallow-water equations: it drops
advection, so a dam break forms a plateau and a bore instead of Ritter's fan (the Froude number
of the Ritter solution is 1 at the dam and grows downstream, far outside the local-inertial
range). What the scheme must get right is its own equations: the Riemann solution of
h_t + q_x = 0, q_t + (g h²/2)_x = 0 (a 1-rarefaction with q + ⅔√g h^{3/2} constant, then a
bore with s² = g (h_m + h_r)/2), solved with brentq below. Against it: plateau within 7 %
(dry bed) [5.878 vs 6.175 m, −4.8 %] and 6 % (h_r = 1) [6.189 vs 6.381 m, −3.0 %]; front
within 40 m [+25 m] and bore within 30 m [+15 m]. The remaining plateau deficit is the scheme's
``h_f = max(η) − max(z)``, which is not the conservative flux g (h_i + h_j)/2 ∂h/∂x at a bore.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from models.hazards.flood import (
    GRAVITY_M_S2,
    LocalInertialSolver,
    PointInflow,
    advance_local_inertial,
    hydrograph_volume_m3,
    limit_outflow,
    stable_time_step_s,
    update_depth,
    update_face_discharge,
    update_flood_maps,
)

G = GRAVITY_M_S2
H_L, X0, T_S, NX, DX = 10.0, 500.0, 20.0, 400, 2.5
X = (np.arange(NX) + 0.5) * DX
C0 = math.sqrt(G * H_L)


# --- analytic solutions ----------------------------------------------------------------------


def ritter_depth(x, t):
    """Ritter (1892) dry-bed dam break (dam-break-analytic.md)."""
    xi = (x - X0) / t
    return np.where(xi <= -C0, H_L, np.where(xi < 2 * C0, (2 * C0 - xi) ** 2 / (9 * G), 0.0))


def stoker_state(h_r):
    """Stoker wet-bed dam break: (h_m, u_m, bore speed S) by brentq on the bore speed."""

    def middle(s):
        h_m = 0.5 * h_r * (math.sqrt(1 + 8 * s * s / (G * h_r)) - 1)
        return h_m, s * (1 - h_r / h_m)

    def residual(s):
        h_m, u_m = middle(s)
        return u_m + 2 * math.sqrt(G * h_m) - 2 * C0

    s = brentq(residual, math.sqrt(G * h_r) * (1 + 1e-12), 2 * C0, xtol=1e-14)
    return (*middle(s), s)


def local_inertial_riemann(h_r):
    """Plateau depth and bore speed of the local-inertial equations' own dam-break solution."""

    def residual(h_m):
        return math.sqrt(G * (h_m + h_r) / 2) * (h_m - h_r) - 2 / 3 * math.sqrt(G) * (H_L**1.5 - h_m**1.5)

    h_m = brentq(residual, h_r + 1e-9, H_L, xtol=1e-14)
    return h_m, math.sqrt(G * (h_m + h_r) / 2)


def dam_break(h_r, theta=0.7):
    depth = np.repeat(np.where(X < X0, H_L, h_r)[None, :], 3, axis=0)
    s = LocalInertialSolver(np.zeros((3, NX)), DX, depth_m=depth, theta=theta)
    s.advance(T_S)
    assert np.all(s.depth_m == s.depth_m[1])  # closed sides: the strip stays 1-D
    return s


# --- dam breaks -------------------------------------------------------------------------------


def test_stoker_reference_numbers():
    h_m, u_m, s = stoker_state(1.0)
    assert h_m == pytest.approx(3.9617, abs=1e-4)
    assert u_m == pytest.approx(7.3408, abs=1e-4)
    assert s == pytest.approx(9.8193, abs=1e-4)
    assert X0 + s * T_S == pytest.approx(696.39, abs=0.01)
    assert X0 - C0 * T_S == pytest.approx(301.9, abs=0.05)
    assert X0 + 2 * C0 * T_S == pytest.approx(896.2, abs=0.05)


def test_ritter_dry_bed_dam_break():
    s = dam_break(0.0)
    h = s.depth_m[1]
    exact = ritter_depth(X, T_S)
    l1 = np.abs(h - exact).sum() / exact.sum()
    assert l1 < 0.20, l1
    head = X[np.argmax(h < 0.99 * H_L)]
    assert abs(head - (X0 - C0 * T_S)) < 20.0, head
    h_dam = float(np.interp(X0, X, h))
    assert abs(h_dam - 4 * H_L / 9) / (4 * H_L / 9) < 0.40, h_dam
    front = X[h > 1e-3].max() + DX / 2
    assert abs(front - (X0 + 2 * C0 * T_S)) < 300.0, front
    # against the local-inertial equations' own solution: much tighter
    h_li, s_li = local_inertial_riemann(0.0)
    assert abs(h_dam - h_li) / h_li < 0.07, (h_dam, h_li)
    assert abs(front - (X0 + s_li * T_S)) < 40.0, front
    assert abs(s.mass_balance_error) < 1e-12


def test_stoker_wet_bed_dam_break():
    h_r = 1.0
    h_m, _, bore_speed = stoker_state(h_r)
    s = dam_break(h_r)
    h = s.depth_m[1]
    h_li, s_li = local_inertial_riemann(h_r)
    xi = (X - X0) / T_S
    plateau = float(h[(xi > -math.sqrt(G * h_li) + 1) & (xi < s_li - 1)].mean())
    bore = X[h > 0.5 * (h_li + h_r)].max() + DX / 2
    assert abs(plateau - h_m) / h_m < 0.65, plateau
    assert abs(bore - (X0 + bore_speed * T_S)) < 80.0, bore
    assert abs(plateau - h_li) / h_li < 0.06, (plateau, h_li)
    assert abs(bore - (X0 + s_li * T_S)) < 30.0, bore
    assert h.min() >= h_r - 1e-9  # the bore runs into still water, which stays at h_r ahead of it


def test_theta_weighting_damps_the_checkerboard():
    tv = {}
    for theta in (1.0, 0.7):
        h = dam_break(1.0, theta).depth_m[1]
        plateau = h[(X > 380) & (X < 600)]
        tv[theta] = np.abs(np.diff(plateau)).sum()
    assert tv[0.7] < 0.25 * tv[1.0], tv


# --- plain-Python twins of the kernels (whole-array numpy, written from the equations) --------


def _momentum_reference(q_old, q_avg, h_f, slope, n, dt_s, g):
    den = 1.0 + g * dt_s * n * n * np.abs(q_old) / np.where(h_f > 0, h_f, 1.0) ** (7.0 / 3.0)
    return (q_avg - g * h_f * dt_s * slope) / den


def _update_face_discharge_reference(h, z, n, qx, qy, dt_s, dx_m, theta, min_depth, open_sides, g):
    """Twin of :func:`update_face_discharge`; ``open_sides`` is a set of side names."""
    qx0, qy0 = qx.copy(), qy.copy()
    eta = h + z
    for q, q0, e, zz, nn, ax in ((qx, qx0, eta, z, n, 1), (qy, qy0, eta.T, z.T, n.T, 0)):
        q0v = q0 if ax == 1 else q0.T
        qv = q if ax == 1 else q.T  # a view: writes land in q
        h_f = np.maximum(e[:, :-1], e[:, 1:]) - np.maximum(zz[:, :-1], zz[:, 1:])
        q_avg = theta * q0v[:, 1:-1] + 0.5 * (1 - theta) * (q0v[:, :-2] + q0v[:, 2:])
        new = _momentum_reference(
            q0v[:, 1:-1], q_avg, h_f, (e[:, 1:] - e[:, :-1]) / dx_m, 0.5 * (nn[:, :-1] + nn[:, 1:]), dt_s, g
        )
        qv[:, 1:-1] = np.where(h_f > min_depth, new, 0.0)
        hh = h if ax == 1 else h.T
        low, high = ("west", "east") if ax == 1 else ("south", "north")
        for side, f, b, k, sign in ((low, 0, 0, 1, -1.0), (high, -1, -1, -2, 1.0)):
            if side not in open_sides:
                qv[:, f] = 0.0
                continue
            slope = sign * (e[:, b] - e[:, k]) / dx_m if e.shape[1] > 1 else 0.0 * e[:, b]
            qb = _momentum_reference(q0v[:, f], q0v[:, f], hh[:, b], slope, nn[:, b], dt_s, g)
            qb = np.maximum(qb, 0.0) if sign > 0 else np.minimum(qb, 0.0)
            qv[:, f] = np.where(hh[:, b] > min_depth, qb, 0.0)


def _limit_outflow_reference(h, qx, qy, dt_s, dx_m):
    """Twin of :func:`limit_outflow`."""
    out = (dt_s / dx_m) * (
        np.maximum(qx[:, 1:], 0)
        + np.maximum(-qx[:, :-1], 0)
        + np.maximum(qy[1:], 0)
        + np.maximum(-qy[:-1], 0)
    )
    scale = np.where(out > h, h / np.where(out > 0, out, 1.0), 1.0)
    qx[:, 1:] = np.where(qx[:, 1:] > 0, qx[:, 1:] * scale, qx[:, 1:])
    qx[:, :-1] = np.where(qx[:, :-1] < 0, qx[:, :-1] * scale, qx[:, :-1])
    qy[1:] = np.where(qy[1:] > 0, qy[1:] * scale, qy[1:])
    qy[:-1] = np.where(qy[:-1] < 0, qy[:-1] * scale, qy[:-1])


def _update_depth_reference(h, qx, qy, dt_s, dx_m):
    """Twin of :func:`update_depth`."""
    h[...] = np.maximum(h + dt_s / dx_m * (qx[:, :-1] - qx[:, 1:] + qy[:-1] - qy[1:]), 0.0)
    out = qx[:, -1].sum() - qx[:, 0].sum() + qy[-1].sum() - qy[0].sum()
    return float(h.max()), float(out * dt_s * dx_m)


def _update_flood_maps_reference(h, qx, qy, speed, max_h, max_speed, arrival, t_s, arrival_m, min_depth):
    """Twin of :func:`update_flood_maps`."""
    wet = h > min_depth
    d = np.where(wet, h, 1.0)
    ux = 0.5 * (qx[:, :-1] + qx[:, 1:]) / d
    uy = 0.5 * (qy[:-1] + qy[1:]) / d
    speed[...] = np.where(wet, np.hypot(ux, uy), 0.0)
    np.maximum(max_h, h, out=max_h)
    np.maximum(max_speed, speed, out=max_speed)
    arrival[(h > arrival_m) & np.isnan(arrival)] = t_s


SIDES = ("west", "east", "south", "north")


@pytest.fixture
def random_case():
    rng = np.random.default_rng(42)
    ny, nx = 7, 9
    h = np.where(rng.random((ny, nx)) < 0.3, 0.0, rng.uniform(0.0, 2.0, (ny, nx)))
    h[0, 0] = 5e-4  # below min_flow_depth_m
    z = rng.uniform(0.0, 1.5, (ny, nx))
    n = np.where(rng.random((ny, nx)) < 0.2, 0.0, rng.uniform(0.01, 0.08, (ny, nx)))
    qx = rng.normal(0.0, 1.0, (ny, nx + 1))
    qy = rng.normal(0.0, 1.0, (ny + 1, nx))
    qx[:, 0] = 0.0  # closed west side: the kernels keep walls at zero, never write them
    qy[-1] = 0.0  # closed north side
    qx[:, -1] = np.abs(qx[:, -1])  # open sides carry outflow only
    qy[0] = -np.abs(qy[0])
    return {"h": h, "z": z, "n": n, "qx": qx, "qy": qy, "open": ("east", "south")}


def _flags(open_sides):
    return tuple(side in open_sides for side in SIDES)


def test_kernels_match_their_python_twins(random_case):
    c = random_case
    dt, dx, theta, hmin = 0.07, 2.0, 0.8, 1e-3
    qx_k, qy_k, qx_r, qy_r = c["qx"].copy(), c["qy"].copy(), c["qx"].copy(), c["qy"].copy()
    row = np.empty(c["h"].shape[1])
    update_face_discharge(c["h"], c["z"], c["n"], qx_k, qy_k, row, dt, dx, theta, hmin, *_flags(c["open"]), G)
    _update_face_discharge_reference(c["h"], c["z"], c["n"], qx_r, qy_r, dt, dx, theta, hmin, c["open"], G)
    np.testing.assert_allclose(qx_k, qx_r, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(qy_k, qy_r, rtol=1e-12, atol=1e-14)
    assert np.count_nonzero(qx_k) > 20 and np.count_nonzero(qy_k) > 20

    dt_big = 5.0  # large enough for the limiter to bite
    scale = np.empty_like(c["h"])
    qx_r, qy_r = qx_k.copy(), qy_k.copy()
    limit_outflow(c["h"], qx_k, qy_k, scale, dt_big, dx)
    _limit_outflow_reference(c["h"], qx_r, qy_r, dt_big, dx)
    np.testing.assert_allclose(qx_k, qx_r, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(qy_k, qy_r, rtol=1e-12, atol=1e-14)
    assert np.count_nonzero(scale < 1.0) > 5

    h_k, h_r = c["h"].copy(), c["h"].copy()
    hmax_k, out_k = update_depth(h_k, qx_k, qy_k, dt_big, dx)
    hmax_r, out_r = _update_depth_reference(h_r, qx_r, qy_r, dt_big, dx)
    np.testing.assert_allclose(h_k, h_r, rtol=1e-12, atol=1e-14)
    assert hmax_k == pytest.approx(hmax_r, rel=1e-12) and out_k == pytest.approx(out_r, rel=1e-12)
    assert h_k.min() >= 0.0  # the limited cells emptied, none below zero

    maps_k = [np.zeros_like(h_k), np.full_like(h_k, 0.3), np.zeros_like(h_k), np.full_like(h_k, np.nan)]
    maps_k[3][0, :3] = 1.0
    maps_r = [m.copy() for m in maps_k]
    update_flood_maps(h_k, qx_k, qy_k, *maps_k, 12.5, 0.05, hmin)
    _update_flood_maps_reference(h_k, qx_k, qy_k, *maps_r, 12.5, 0.05, hmin)
    for mk, mr in zip(maps_k, maps_r, strict=True):
        np.testing.assert_allclose(mk, mr, rtol=1e-12, atol=1e-14)
    assert np.any(maps_k[3] == 12.5) and np.any(np.isnan(maps_k[3])) and np.all(maps_k[3][0, :3] == 1.0)


@pytest.mark.parametrize("open_sides", [(), ("west", "north"), SIDES])
def test_fused_step_matches_the_twins_over_many_steps(random_case, open_sides):
    c = random_case
    h_k, h_r = c["h"].copy(), c["h"].copy()
    qx_k, qy_k = np.zeros_like(c["qx"]), np.zeros_like(c["qy"])
    qx_r, qy_r = qx_k.copy(), qy_k.copy()
    scale, row = np.empty_like(h_k), np.empty(h_k.shape[1])
    dx, theta, hmin = 2.0, 0.9, 1e-3
    out_k = out_r = 0.0
    for _ in range(50):
        dt = stable_time_step_s(float(h_k.max()), dx)
        _, o = advance_local_inertial(
            h_k, c["z"], c["n"], qx_k, qy_k, scale, row, dt, dx, theta, hmin, *_flags(open_sides), G
        )
        out_k += o
        _update_face_discharge_reference(h_r, c["z"], c["n"], qx_r, qy_r, dt, dx, theta, hmin, open_sides, G)
        _limit_outflow_reference(h_r, qx_r, qy_r, dt, dx)
        out_r += _update_depth_reference(h_r, qx_r, qy_r, dt, dx)[1]
    np.testing.assert_allclose(h_k, h_r, rtol=1e-10, atol=1e-12)
    assert out_k == pytest.approx(out_r, rel=1e-10, abs=1e-12)
    assert (out_k > 0) == bool(open_sides)


# --- mass balance, lake at rest, positivity ---------------------------------------------------

HYDROGRAPH = (np.array([0.0, 60.0, 240.0]), np.array([0.0, 20.0, 0.0]))  # 2400 m³ in 240 s


def rough_terrain(shape, seed, slope_east=0.0):
    rng = np.random.default_rng(seed)
    nx = shape[1]
    return rng.uniform(0.0, 1.5, shape) + slope_east * (nx - np.arange(nx))[None, :]


def test_mass_conserved_with_closed_walls_and_inflow():
    z = rough_terrain((30, 40), 1)
    inflow = PointInflow(15, 20, *HYDROGRAPH)
    s = LocalInertialSolver(z, 5.0, manning_n=0.03, inflows=[inflow], theta=0.8)
    assert s.advance(300.0) > 100
    assert s.inflow_volume_m3 == pytest.approx(2400.0, rel=1e-12)
    assert abs(s.volume_m3 - 2400.0) / 2400.0 < 1e-6
    assert abs(s.mass_balance_error) < 1e-6
    assert s.outflow_volume_m3 == 0.0
    assert s.depth_m.min() >= 0.0
    assert np.count_nonzero(s.depth_m > 0.01) > 20  # the water spread


def test_mass_conserved_with_open_boundary():
    z = rough_terrain((20, 40), 2, slope_east=0.05)
    inflow = PointInflow(10, 2, np.array([0.0, 30.0, 600.0]), np.array([0.0, 10.0, 10.0]))
    s = LocalInertialSolver(z, 5.0, manning_n=0.03, inflows=[inflow], open_boundaries=["east"], depth_m=0.2)
    s.advance(900.0)
    assert s.outflow_volume_m3 > 0.3 * s.inflow_volume_m3  # the open side really drains
    balance = s.volume_m3 + s.outflow_volume_m3 - s.initial_volume_m3 - s.inflow_volume_m3
    assert abs(balance) / (s.initial_volume_m3 + s.inflow_volume_m3) < 1e-6
    assert s.depth_m.min() >= 0.0
    assert np.all(s.qx_m2_s[:, -1] >= 0.0) and np.all(s.qx_m2_s[:, 0] == 0.0)  # out only; west closed


def test_steep_drain_down_never_goes_negative():
    z = rough_terrain((16, 16), 3) * 20.0  # 0–30 m relief on 2 m cells: violent wetting and drying
    s = LocalInertialSolver(z, 2.0, depth_m=1.0, open_boundaries=["west", "south"], max_dt_s=0.5)
    for _ in range(40):
        s.advance(1.0)
        assert s.depth_m.min() >= 0.0
    assert abs(s.mass_balance_error) < 1e-10
    assert s.outflow_volume_m3 > 0.0


@pytest.mark.parametrize("open_sides", [(), ("west", "east", "south", "north")])
def test_lake_at_rest_stays_at_rest(open_sides):
    ny, nx, dx = 24, 30, 10.0
    y, x = np.mgrid[0:ny, 0:nx] * dx
    z = 4.0 * (((x - 150.0) / 150.0) ** 2 + ((y - 120.0) / 120.0) ** 2)  # bowl; rim 4–8 m
    level = 5.0  # above the rim's low points: the lake touches all four sides
    h0 = np.maximum(level - z, 0.0)
    assert h0[:, 0].max() > 0 and h0[0].max() > 0 and np.count_nonzero(h0 == 0) > 10
    s = LocalInertialSolver(z, dx, depth_m=h0, manning_n=0.03, open_boundaries=open_sides)
    s.advance(600.0)
    assert np.abs(s.depth_m - h0).max() < 1e-10
    assert s.max_speed_m_s.max() < 1e-10
    assert s.outflow_volume_m3 == pytest.approx(0.0, abs=1e-9)


def test_open_boundary_passes_a_uniform_flow():
    # Steady uniform flow down a slope: the open side must not reflect or hold back water.
    nx, dx, slope, n = 60, 10.0, 1e-3, 0.03
    z = np.tile(slope * dx * (nx - np.arange(nx)), (3, 1))
    h_n, q_in = 1.0, 1.0 / n * 1.0 ** (5 / 3) * math.sqrt(slope)  # Manning normal depth 1 m
    s = LocalInertialSolver(
        z, dx, depth_m=h_n, manning_n=n, open_boundaries=["east"],
        inflows=[PointInflow(j, 0, np.array([0.0, 1e6]), np.array([q_in * dx] * 2)) for j in range(3)],
    )  # fmt: skip
    s.advance(3000.0)
    assert np.abs(s.depth_m[1, 5:] - h_n).max() < 0.05, s.depth_m[1]
    assert s.qx_m2_s[1, -1] == pytest.approx(q_in, rel=0.05)


# --- time step and hydrograph -----------------------------------------------------------------


def test_adaptive_step_follows_the_deepest_water():
    s = LocalInertialSolver(np.zeros((2, 10)), 4.0, depth_m=np.linspace(0.0, 9.0, 20).reshape(2, 10))
    assert s.stable_dt_s() == pytest.approx(0.7 * 4.0 / math.sqrt(G * 9.0), rel=1e-12)
    assert stable_time_step_s(9.0, 4.0, 0.35, 5.0) == pytest.approx(0.5 * s.stable_dt_s(), rel=1e-12)
    assert stable_time_step_s(0.0, 4.0, 0.7, 2.5) == 2.5
    n = s.advance(10.0)
    assert n >= math.ceil(10.0 / s.stable_dt_s()) - 1
    assert s.time_s == 10.0 and s.steps == n


def test_hydrograph_volume_is_exact_and_zero_outside_the_table():
    t, q = np.array([10.0, 40.0, 100.0, 130.0]), np.array([5.0, 20.0, 20.0, 0.0])
    # trapezoids by hand: 375 + 1200 + 300 over the table; partial windows below
    cases = {
        (0.0, 200.0): 1875.0,
        (15.0, 17.5): (7.5 + 8.75) / 2 * 2.5,
        (35.0, 120.0): (17.5 + 20.0) / 2 * 5 + 1200.0 + (20.0 + 20.0 / 3) / 2 * 20,
        (125.0, 300.0): 10.0 / 3 / 2 * 5,
        (-5.0, 10.0): 0.0,
        (130.0, 500.0): 0.0,
    }
    for (a, b), expected in cases.items():
        assert hydrograph_volume_m3(t, q, a, b) == pytest.approx(expected, rel=1e-13, abs=1e-12)
    parts = sum(hydrograph_volume_m3(t, q, k * 7.3, (k + 1) * 7.3) for k in range(30))
    assert parts == pytest.approx(1875.0, rel=1e-13)


def test_invalid_inputs_are_refused():
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match="sides are"):
        LocalInertialSolver(z, 1.0, open_boundaries=["up"])
    with pytest.raises(ValueError, match="outside the grid"):
        LocalInertialSolver(z, 1.0, inflows=[PointInflow(3, 0, *HYDROGRAPH)])
    with pytest.raises(ValueError, match=">= 0"):
        LocalInertialSolver(z, 1.0, depth_m=-1.0)
