"""Flood solver with momentum advection (Stelling & Duinmeijer 2003) against analytic solutions.

Error norms and tolerances, frictionless, g = 9.81, h_l = 10 m, dam at x0 = 500 m on a 1 km
strip of 3 × 400 cells (Δx = 2.5 m), t = 20 s, α = 0.7 (202 steps dry, 159 wet); obtained values
in brackets, measured when the tests were written (the local-inertial mode's are in
test_flood.py):

* Ritter (dry bed): relative L1 of h(x) < 0.010 [0.0083]; depth at the dam section within 1 % of
  4 h_l/9 = 4.444 m [4.444 m] and velocity there within 1 % of 2 c0/3 = 6.603 m/s [6.609 m/s];
  rarefaction head within 2 cells of x0 − c0 t = 301.9 m [298.75 m]; the 0.1 m depth contour of
  the wet tongue within 10 m of x0 + t (2 c0 − √(0.9 g)) = 836.8 m [835.0 m]. The last 1–10 cm
  of Ritter's tip (front 896.2 m) lag: the numerical front (h > 1 mm) is at 850.0 m.
* Stoker (h_r = 1 m): relative L1 < 0.0070 [0.0057]; middle state 3.9617 m within 1 % [3.9705 m,
  +0.22 %] and u_m = 7.3408 m/s within 1 % [7.335 m/s]; bore (half-way between h_m and h_r)
  within 2 cells of 696.39 m [697.5 m].
* Refinement Δx = 10, 5, 2.5 m: L1 Ritter [0.0240, 0.0143, 0.0083], Stoker [0.0166, 0.0107,
  0.0057]: each halving must cut the error by at least 1.4×.
* Transcritical flow over a bump without a shock (Goutal & Maurel 1997, the SWASHES case of
  Delestre et al. 2013): q = 1.53 m²/s, bed 0.2 − 0.05 (x − 10)² on 8 < x < 12 m, 25 m channel.
  Critical depth at the crest fixes the energy head E = 0.2 + 1.5 (q²/g)^{1/3} = 1.1304 m; the
  exact depth solves h + q²/(2 g h²) + z = E (subcritical upstream of the crest, supercritical
  below). At Δx = 0.125 m: L1 < 0.023 [0.0194]; upstream 1.0144 m within 3 % [0.9935], crest
  0.6203 m within 4 % [0.6034], downstream 0.4058 m within 3 % [0.4122]; at Δx = 0.25 m L1 is
  [0.0374]. This is a supercritical flow the local-inertial model cannot represent.

Which advection form is used where matters at the bore: with the energy-head form also in the
decelerating flow the Stoker bore lands 26 m (10 cells) behind (670 m) and L1 is 0.034, because
only the momentum-conservative form satisfies the Rankine–Hugoniot jump condition there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from models.hazards.flood import GRAVITY_M_S2, LocalInertialSolver, PointInflow
from models.hazards.flood_kernels import (
    advance_with_advection,
    match_velocity_to_discharge,
    max_wave_speed,
    update_face_velocity,
    upwind_face_discharge,
)
from tests.models.hazards.test_flood import (
    C0,
    H_L,
    HYDROGRAPH,
    SIDES,
    T_S,
    X0,
    _flags,
    _limit_outflow_reference,
    _update_depth_reference,
    ritter_depth,
    rough_terrain,
    stoker_state,
)

G = GRAVITY_M_S2


def dam_break(h_r: float, dx: float = 2.5, length_m: float = 1000.0):
    nx = round(length_m / dx)
    x = (np.arange(nx) + 0.5) * dx
    depth = np.repeat(np.where(x < X0, H_L, h_r)[None, :], 3, axis=0)
    s = LocalInertialSolver(np.zeros((3, nx)), dx, depth_m=depth, advection=True)
    s.advance(T_S)
    assert np.all(s.depth_m == s.depth_m[1])  # closed sides: the strip stays 1-D
    return x, s


def stoker_depth(x: np.ndarray, h_r: float) -> np.ndarray:
    h_m, u_m, bore_speed = stoker_state(h_r)
    xi = (x - X0) / T_S
    fan = ritter_depth(x, T_S)
    return np.where(xi <= u_m - math.sqrt(G * h_m), fan, np.where(xi <= bore_speed, h_m, h_r))


def l1(h: np.ndarray, exact: np.ndarray) -> float:
    return float(np.abs(h - exact).sum() / exact.sum())


# --- dam breaks against Ritter and Stoker ---------------------------------------------------------


def test_ritter_dry_bed_dam_break():
    x, s = dam_break(0.0)
    h = s.depth_m[1]
    assert l1(h, ritter_depth(x, T_S)) < 0.010
    dam_face = round(X0 / 2.5)
    assert abs(float(np.interp(X0, x, h)) - 4 * H_L / 9) < 0.01 * 4 * H_L / 9
    assert abs(s.ux_m_s[1, dam_face] - 2 * C0 / 3) < 0.01 * 2 * C0 / 3
    head = x[np.argmax(h < 0.99 * H_L)]
    assert abs(head - (X0 - C0 * T_S)) < 2 * 2.5, head
    tongue = x[h > 0.1].max() + 1.25
    assert abs(tongue - (X0 + T_S * (2 * C0 - math.sqrt(0.9 * G)))) < 10.0, tongue
    assert x[h > 1e-3].max() < X0 + 2 * C0 * T_S  # nothing outruns the exact front
    assert abs(s.mass_balance_error) < 1e-12


def test_stoker_wet_bed_dam_break():
    h_r = 1.0
    h_m, u_m, bore_speed = stoker_state(h_r)
    x, s = dam_break(h_r)
    h = s.depth_m[1]
    assert l1(h, stoker_depth(x, h_r)) < 0.0070
    xi = (x - X0) / T_S
    middle = (xi > u_m - math.sqrt(G * h_m) + 1) & (xi < bore_speed - 1)
    assert abs(h[middle].mean() - h_m) < 0.01 * h_m, h[middle].mean()
    faces = (np.arange(x.size + 1) * 2.5 - X0) / T_S
    u_middle = s.ux_m_s[1][(faces > u_m - math.sqrt(G * h_m) + 1) & (faces < bore_speed - 1)]
    assert abs(u_middle.mean() - u_m) < 0.01 * u_m, u_middle.mean()
    bore = x[h > 0.5 * (h_m + h_r)].max() + 1.25
    assert abs(bore - (X0 + bore_speed * T_S)) < 2 * 2.5, bore
    assert h.min() >= h_r - 1e-9
    assert abs(s.mass_balance_error) < 1e-12


def test_dam_break_errors_fall_when_the_grid_is_refined():
    for h_r, exact in ((0.0, lambda x: ritter_depth(x, T_S)), (1.0, lambda x: stoker_depth(x, 1.0))):
        errors = []
        for dx in (10.0, 5.0, 2.5):
            x, s = dam_break(h_r, dx)
            errors.append(l1(s.depth_m[1], exact(x)))
        assert errors[0] > 1.4 * errors[1] > 1.4 * 1.4 * errors[2], (h_r, errors)


# --- steady transcritical flow over a bump (energy head across an accelerating flow) ----------------

Q_BUMP = 1.53


def bump_m(x):
    return np.where((x > 8.0) & (x < 12.0), 0.2 - 0.05 * (x - 10.0) ** 2, 0.0)


def bump_exact_depth(x):
    """Goutal & Maurel (1997) transcritical case: Bernoulli from the critical crest."""
    h_c = (Q_BUMP**2 / G) ** (1 / 3)
    head = 0.2 + 1.5 * h_c
    out = []
    for xi, z in zip(x, bump_m(x), strict=True):

        def resid(h, z=z):
            return h + Q_BUMP**2 / (2 * G * h * h) + z - head

        out.append(brentq(resid, h_c, 5.0) if xi < 10.0 else brentq(resid, 1e-3, h_c))
    return np.array(out)


def bump_flow(dx):
    nx = round(25.0 / dx)
    x = (np.arange(nx) + 0.5) * dx
    inflow = PointInflow(0, 0, np.array([0.0, 1e6]), np.array([Q_BUMP * dx] * 2))
    s = LocalInertialSolver(
        bump_m(x)[None, :], dx, inflows=[inflow], open_boundaries=["east"], advection=True
    )
    s.advance(60.0)  # from a dry channel; steady after ~30 s
    return x, s


def test_transcritical_flow_over_a_bump_keeps_bernoullis_head():
    x, s = bump_flow(0.125)
    h = s.depth_m[0]
    np.testing.assert_allclose(s.qx_m2_s[0, 1:], Q_BUMP, rtol=1e-4)  # steady: one discharge throughout
    exact = bump_exact_depth(x)
    inner = (x > 1.0) & (x < 24.0)  # away from the inflow cell (still water) and the outlet
    err = l1(h[inner], exact[inner])
    assert err < 0.023, err
    for lo, hi in ((2.0, 7.0), (15.0, 23.0)):
        part = (x > lo) & (x < hi)
        assert abs(h[part].mean() / exact[part].mean() - 1) < 0.03, (lo, h[part].mean(), exact[part].mean())
    h_c = (Q_BUMP**2 / G) ** (1 / 3)
    assert abs(float(np.interp(10.0, x, h)) / h_c - 1) < 0.04
    x2, s2 = bump_flow(0.25)
    inner2 = (x2 > 1.0) & (x2 < 24.0)
    assert l1(s2.depth_m[0][inner2], bump_exact_depth(x2)[inner2]) > 1.6 * err  # converges


# --- mass, rest, symmetry, boundaries ----------------------------------------------------------------


def test_mass_conserved_with_closed_walls_and_inflow():
    z = rough_terrain((30, 40), 1)
    s = LocalInertialSolver(
        z, 5.0, manning_n=0.03, inflows=[PointInflow(15, 20, *HYDROGRAPH)], advection=True
    )
    assert s.advance(300.0) > 100
    assert s.inflow_volume_m3 == pytest.approx(2400.0, rel=1e-12)
    assert abs(s.volume_m3 - 2400.0) / 2400.0 < 1e-6
    assert abs(s.mass_balance_error) < 1e-6
    assert s.outflow_volume_m3 == 0.0 and s.depth_m.min() >= 0.0
    assert np.count_nonzero(s.depth_m > 0.01) > 20


def test_mass_conserved_with_open_boundary_and_steep_drain_down():
    z = rough_terrain((20, 40), 2, slope_east=0.05)
    inflow = PointInflow(10, 2, np.array([0.0, 30.0, 600.0]), np.array([0.0, 10.0, 10.0]))
    s = LocalInertialSolver(
        z, 5.0, manning_n=0.03, inflows=[inflow], open_boundaries=["east"], depth_m=0.2, advection=True
    )
    s.advance(900.0)
    assert s.outflow_volume_m3 > 0.3 * s.inflow_volume_m3
    assert abs(s.mass_balance_error) < 1e-6
    assert np.all(s.qx_m2_s[:, -1] >= 0.0) and np.all(s.qx_m2_s[:, 0] == 0.0)
    steep = LocalInertialSolver(
        rough_terrain((16, 16), 3) * 20.0, 2.0, depth_m=1.0, open_boundaries=["west", "south"], advection=True
    )
    for _ in range(40):
        steep.advance(1.0)
        assert steep.depth_m.min() >= 0.0
    assert abs(steep.mass_balance_error) < 1e-10 and steep.outflow_volume_m3 > 0.0


@pytest.mark.parametrize("open_sides", [(), SIDES])
def test_lake_at_rest_stays_at_rest(open_sides):
    ny, nx, dx = 24, 30, 10.0
    y, x = np.mgrid[0:ny, 0:nx] * dx
    z = 4.0 * (((x - 150.0) / 150.0) ** 2 + ((y - 120.0) / 120.0) ** 2)
    h0 = np.maximum(5.0 - z, 0.0)  # touches all four sides; dry corners
    s = LocalInertialSolver(z, dx, depth_m=h0, manning_n=0.03, open_boundaries=open_sides, advection=True)
    s.advance(600.0)
    assert np.abs(s.depth_m - h0).max() < 1e-10
    assert s.max_speed_m_s.max() < 1e-10
    assert s.wave_speed_m_s == pytest.approx(math.sqrt(G * h0.max()), rel=1e-12)  # no flow
    assert s.outflow_volume_m3 == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("h_out", [1.0, 0.0])
def test_radial_dam_break_stays_symmetric(h_out):
    # 10 m of water in a 25 m radius column, 1 m (or nothing) around it, 80 × 80 cells of 2.5 m,
    # 4 s. The arithmetic is mirror- and transpose-symmetric, so the result is bitwise so. The
    # square grid's anisotropy shows as axis vs diagonal profiles out to r = 90 m: measured L1
    # difference 0.040 (wet) and 0.037 (dry); bore at 61 m on both (wet), front at 79 vs 81 m (dry).
    n, dx = 80, 2.5
    c = (np.arange(n) + 0.5) * dx - n * dx / 2
    r = np.hypot(*np.meshgrid(c, c))
    s = LocalInertialSolver(np.zeros((n, n)), dx, depth_m=np.where(r < 25.0, 10.0, h_out), advection=True)
    s.advance(4.0)
    h = s.depth_m
    assert np.array_equal(h, h[:, ::-1]) and np.array_equal(h, h[::-1]) and np.array_equal(h, h.T)
    radii = np.arange(0.0, 90.0, 1.0)
    axis = np.interp(radii, c[n // 2 :], h[n // 2, n // 2 :])
    k = np.arange(n // 2)
    diagonal = np.interp(radii, np.hypot(c[n // 2 :], c[n // 2 :]), h[n // 2 + k, n // 2 + k])
    assert np.abs(axis - diagonal).sum() / axis.sum() < 0.05
    level = 0.5 * (h_out + 2.0) if h_out else 0.1
    assert abs(radii[axis > level].max() - radii[diagonal > level].max()) <= dx
    assert abs(s.mass_balance_error) < 1e-12


def test_open_boundary_passes_a_uniform_flow():
    nx, dx, slope, n = 60, 10.0, 1e-3, 0.03
    z = np.tile(slope * dx * (nx - np.arange(nx)), (3, 1))
    h_n, q_in = 1.0, 1.0 / n * math.sqrt(slope)  # Manning normal depth 1 m
    inflows = [PointInflow(j, 0, np.array([0.0, 1e6]), np.array([q_in * dx] * 2)) for j in range(3)]
    s = LocalInertialSolver(
        z, dx, depth_m=h_n, manning_n=n, open_boundaries=["east"], inflows=inflows, advection=True
    )
    s.advance(3000.0)
    assert np.abs(s.depth_m[1, 5:] - h_n).max() < 0.05, s.depth_m[1]
    assert s.qx_m2_s[1, -1] == pytest.approx(q_in, rel=0.05)


def test_step_follows_the_local_wave_speed_and_theta_is_refused():
    # The Courant condition of the upwind advection and the gravity waves, cell by cell:
    # Δt = α Δx / max(|u| + |v| + √(g h)); in the dam break the largest is at the Ritter front
    # (u → 2 c0 over a thin layer), well above the still reservoir's c0.
    _, s = dam_break(0.0, dx=10.0)
    assert C0 * 1.5 < s.wave_speed_m_s < C0 * 2.5
    assert s.stable_dt_s() == pytest.approx(0.7 * 10.0 / s.wave_speed_m_s, rel=1e-12)
    fresh = LocalInertialSolver(np.zeros((1, 4)), 10.0, depth_m=[[9.0, 0.0, 4.0, 0.0]], advection=True)
    assert fresh.stable_dt_s() == pytest.approx(0.7 * 10.0 / math.sqrt(G * 9.0), rel=1e-12)
    with pytest.raises(ValueError, match="theta"):
        LocalInertialSolver(np.zeros((2, 2)), 1.0, theta=0.7, advection=True)


# --- plain-Python twins of the advective kernels (whole-array numpy, from the equations) -----------


def _along_reference(u0, u_lo, u_hi, q_lo, q_hi, h_bar, dx):
    h_bar = np.where(h_bar > 0, h_bar, 1.0)  # dry faces: masked by the caller
    momentum = (np.maximum(q_lo, 0) * (u0 - u_lo) + np.maximum(-q_hi, 0) * (u0 - u_hi)) / (h_bar * dx)
    speeding_east = (u0 > 0) & (u_lo >= 0) & (u_lo < u0)
    speeding_west = (u0 < 0) & (u_hi <= 0) & (u0 < u_hi)
    return np.where(
        speeding_east,
        (u0**2 - u_lo**2) / (2 * dx),
        np.where(speeding_west, (u_hi**2 - u0**2) / (2 * dx), momentum),
    )


def _across_reference(u0, u_s, u_n, p_s, p_n, h_bar, dx):
    h_bar = np.where(h_bar > 0, h_bar, 1.0)
    return (np.maximum(p_s, 0) * (u0 - u_s) + np.maximum(-p_n, 0) * (u0 - u_n)) / (h_bar * dx)


def _new_velocity(u0, adv, h_fric, slope, n, dt, g):
    num = u0 - dt * (adv + g * slope)
    safe = np.where(h_fric > 0, h_fric, 1.0)
    return np.where((n > 0) & (u0 != 0), num / (1 + g * dt * n * n * np.abs(u0) / safe ** (4 / 3)), num)


def _face_velocity_reference(h, z, n, u, q, p, dt, dx, hmin, low_open, high_open, g):
    """One direction of the momentum update, faces along axis 1: ``u``, ``q`` ``(ny, nx+1)``, ``p``
    the other direction's discharges ``(ny+1, nx)``."""
    e = h + z
    h_f = np.maximum(e[:, :-1], e[:, 1:]) - np.maximum(z[:, :-1], z[:, 1:])
    u0 = u[:, 1:-1]
    h_bar = 0.5 * (h[:, :-1] + h[:, 1:])
    adv = _along_reference(
        u0, u[:, :-2], u[:, 2:], 0.5 * (q[:, :-2] + q[:, 1:-1]), 0.5 * (q[:, 1:-1] + q[:, 2:]), h_bar, dx
    )
    u_s = np.vstack([u0[:1], u0[:-1]])
    u_n = np.vstack([u0[1:], u0[-1:]])
    adv += _across_reference(
        u0, u_s, u_n, 0.5 * (p[:-1, :-1] + p[:-1, 1:]), 0.5 * (p[1:, :-1] + p[1:, 1:]), h_bar, dx
    )
    out = np.zeros_like(u)
    new = _new_velocity(u0, adv, h_f, (e[:, 1:] - e[:, :-1]) / dx, 0.5 * (n[:, :-1] + n[:, 1:]), dt, g)
    out[:, 1:-1] = np.where(h_f > hmin, new, 0.0)
    nx = h.shape[1]
    k_lo, k_hi = min(1, nx - 1), max(nx - 2, 0)
    q_cell = 0.5 * (q[:, :-1] + q[:, 1:])
    for is_open, f, b, k, sign in ((low_open, 0, 0, k_lo, -1.0), (high_open, -1, -1, k_hi, 1.0)):
        if not is_open:
            continue
        ub = u[:, f]
        if sign < 0:
            adv_b = _along_reference(ub, ub, u[:, 1], q[:, 0], q_cell[:, 0], h[:, 0], dx)
        else:
            adv_b = _along_reference(ub, u[:, -2], ub, q_cell[:, -1], q[:, -1], h[:, -1], dx)
        vb = _new_velocity(ub, adv_b, h[:, b], sign * (e[:, b] - e[:, k]) / dx, n[:, b], dt, g)
        vb = np.maximum(vb, 0.0) if sign > 0 else np.minimum(vb, 0.0)
        out[:, f] = np.where(h[:, b] > hmin, vb, 0.0)
    return out


def _update_face_velocity_reference(h, z, n, ux, uy, qx, qy, dt, dx, hmin, open_sides, g):
    """Twin of :func:`update_face_velocity`: the y direction is the x one on transposed arrays."""
    west, east, south, north = (side in open_sides for side in SIDES)
    ux_new = _face_velocity_reference(h, z, n, ux, qx, qy, dt, dx, hmin, west, east, g)
    uy_new = _face_velocity_reference(h.T, z.T, n.T, uy.T, qy.T, qx.T, dt, dx, hmin, south, north, g).T
    return ux_new, uy_new


def _upwind_discharge_reference(h, z, ux, uy):
    """Twin of :func:`upwind_face_discharge`: ``(qx, qy, hx, hy)``."""
    out = []
    for hh, zz, u in ((h, z, ux), (h.T, z.T, uy.T)):
        e = hh + zz
        zf = np.maximum(zz[:, :-1], zz[:, 1:])
        hs = np.zeros_like(u)
        inner = u[:, 1:-1]
        up = np.where(inner > 0, e[:, :-1], np.where(inner < 0, e[:, 1:], zf))
        hs[:, 1:-1] = np.maximum(up - zf, 0.0)
        hs[:, 0] = np.where(u[:, 0] != 0, hh[:, 0], 0.0)
        hs[:, -1] = np.where(u[:, -1] != 0, hh[:, -1], 0.0)
        out.append((hs * u, hs))
    (qx, hx), (qy, hy) = out
    return qx, qy.T, hx, hy.T


@pytest.fixture
def moving_case():
    rng = np.random.default_rng(7)
    ny, nx = 7, 9
    h = np.where(rng.random((ny, nx)) < 0.25, 0.0, rng.uniform(0.0, 2.0, (ny, nx)))
    z = rng.uniform(0.0, 1.5, (ny, nx))
    n = np.where(rng.random((ny, nx)) < 0.2, 0.0, rng.uniform(0.01, 0.08, (ny, nx)))
    ux, uy = rng.normal(0.0, 1.5, (ny, nx + 1)), rng.normal(0.0, 1.5, (ny + 1, nx))
    ux[:, 0] = np.minimum(ux[:, 0], 0.0)  # open west: outflow only
    ux[:, -1] = 0.0  # closed east
    uy[0], uy[-1] = 0.0, np.maximum(uy[-1], 0.0)  # closed south, open north
    ux[:, 2] = np.abs(ux[:, 2])
    ux[:, 3] = ux[:, 2] + 0.5  # faces speeding up along the flow (energy-head form)
    uy[4] = -np.abs(uy[4])
    uy[3] = uy[4] - 0.5
    qx, qy = rng.normal(0.0, 1.0, ux.shape), rng.normal(0.0, 1.0, uy.shape)
    return {"h": h, "z": z, "n": n, "ux": ux, "uy": uy, "qx": qx, "qy": qy, "open": ("west", "north")}


def test_advective_kernels_match_their_python_twins(moving_case):
    c = moving_case
    dt, dx, hmin = 0.05, 2.0, 1e-3
    ux_new, uy_new = np.full_like(c["ux"], np.nan), np.full_like(c["uy"], np.nan)
    args = (c["h"], c["z"], c["n"], c["ux"], c["uy"], c["qx"], c["qy"])
    update_face_velocity(*args, ux_new, uy_new, dt, dx, hmin, *_flags(c["open"]), G)
    ux_ref, uy_ref = _update_face_velocity_reference(*args, dt, dx, hmin, c["open"], G)
    np.testing.assert_allclose(ux_new, ux_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(uy_new, uy_ref, rtol=1e-12, atol=1e-14)
    assert np.count_nonzero(ux_new) > 20 and np.count_nonzero(uy_new) > 20
    assert np.any(ux_new[:, 0] < 0) and np.any(uy_new[-1] > 0)  # open sides carry outflow

    qx, qy, hx, hy = (np.full_like(a, np.nan) for a in (ux_new, uy_new, ux_new, uy_new))
    upwind_face_discharge(c["h"], c["z"], ux_new, uy_new, qx, qy, hx, hy)
    for got, ref in zip(
        (qx, qy, hx, hy), _upwind_discharge_reference(c["h"], c["z"], ux_new, uy_new), strict=True
    ):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)
    assert np.all(
        hx <= np.maximum(np.pad(c["h"], ((0, 0), (1, 0))), np.pad(c["h"], ((0, 0), (0, 1)))) + 1e-12
    )

    qx[:, 4] *= 0.5  # as if the limiter had scaled these faces
    match_velocity_to_discharge(ux_new, uy_new, qx, qy, hx, hy)
    safe = np.where(hx > 0, hx, 1.0)
    np.testing.assert_allclose(ux_new, np.where(hx > 0, qx / safe, 0.0), rtol=1e-14)

    speed = np.maximum(np.abs(ux_new[:, :-1]), np.abs(ux_new[:, 1:])) + np.maximum(
        np.abs(uy_new[:-1]), np.abs(uy_new[1:])
    )
    assert max_wave_speed(c["h"], ux_new, uy_new, G) == pytest.approx(
        (speed + np.sqrt(G * c["h"])).max(), rel=1e-14
    )


@pytest.mark.parametrize("open_sides", [(), ("west", "north"), SIDES])
def test_fused_advective_step_matches_the_twins_over_many_steps(moving_case, open_sides):
    c = moving_case
    ny, nx = c["h"].shape
    state = {
        k: [
            c["h"].copy(),
            np.zeros((ny, nx + 1)),
            np.zeros((ny + 1, nx)),
            np.zeros((ny, nx + 1)),
            np.zeros((ny + 1, nx)),
        ]
        for k in ("kernel", "twin")
    }
    work = [np.empty((ny, nx + 1)), np.empty((ny + 1, nx)), np.empty((ny, nx + 1)), np.empty((ny + 1, nx))]
    scale = np.empty((ny, nx))
    dx, hmin = 2.0, 1e-3
    out_k = out_r = 0.0
    wave = math.sqrt(G * c["h"].max())
    for _ in range(60):
        h, ux, uy, qx, qy = state["kernel"]
        dt = 0.7 * dx / wave
        ux_new, uy_new, hx, hy = work
        _, o, wave = advance_with_advection(
            h,
            c["z"],
            c["n"],
            ux,
            uy,
            qx,
            qy,
            ux_new,
            uy_new,
            hx,
            hy,
            scale,
            dt,
            dx,
            hmin,
            *_flags(open_sides),
            G,
        )
        work[0], work[1] = ux, uy
        state["kernel"][1:3] = [ux_new, uy_new]
        out_k += o

        hr, uxr, uyr, qxr, qyr = state["twin"]
        uxr, uyr = _update_face_velocity_reference(
            hr, c["z"], c["n"], uxr, uyr, qxr, qyr, dt, dx, hmin, open_sides, G
        )
        qxr, qyr, hxr, hyr = _upwind_discharge_reference(hr, c["z"], uxr, uyr)
        _limit_outflow_reference(hr, qxr, qyr, dt, dx)
        uxr = np.where(hxr > 0, qxr / np.where(hxr > 0, hxr, 1.0), 0.0)
        uyr = np.where(hyr > 0, qyr / np.where(hyr > 0, hyr, 1.0), 0.0)
        out_r += _update_depth_reference(hr, qxr, qyr, dt, dx)[1]
        state["twin"] = [hr, uxr, uyr, qxr, qyr]
    for got, ref in zip(state["kernel"], state["twin"], strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-11)
    assert out_k == pytest.approx(out_r, rel=1e-9, abs=1e-12)
    assert (out_k > 0) == bool(open_sides)
    assert wave > math.sqrt(G * state["kernel"][0].max()) + 0.1  # the water moved
