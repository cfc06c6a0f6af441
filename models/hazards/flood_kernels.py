"""Numba kernels of the flood solver: one face or cell update each, arrays and scalars in.

The scheme they implement (local-inertial momentum of Bates et al. 2010 with de Almeida et al.
2012's θ-weighting, Stelling & Duinmeijer 2003 momentum/energy-head advection, positivity by
outflow limiting, exact continuity) is described in :mod:`models.hazards.flood`, whose
:class:`~models.hazards.flood.LocalInertialSolver` calls them; each has a plain-Python twin in
``tests/models/hazards/test_flood.py`` and ``test_flood_advection.py``. Nothing here allocates:
the solver owns every array.
"""

from __future__ import annotations

import math

import numba

__all__ = [
    "GRAVITY_M_S2",
    "SIDES",
    "advance_local_inertial",
    "advance_with_advection",
    "limit_outflow",
    "match_velocity_to_discharge",
    "max_wave_speed",
    "update_depth",
    "update_face_discharge",
    "update_face_velocity",
    "update_flood_maps",
    "upwind_face_discharge",
]

#: Gravitational acceleration used throughout (the value of the analytic references).
GRAVITY_M_S2 = 9.81
#: Names of the grid sides, in the order of the kernels' open-boundary flags.
SIDES = ("west", "east", "south", "north")


# --- kernels: arrays and scalars in, nothing allocated; twins in tests/models/hazards/test_flood.py


@numba.njit(cache=True)
def _momentum(q_old, q_avg, h_f, slope, n, dt_s, g):  # pragma: no cover - compiled
    num = q_avg - g * h_f * dt_s * slope
    if n > 0.0 and q_old != 0.0:  # the pow below is most of the kernel's time
        return num / (1.0 + g * dt_s * n * n * abs(q_old) / h_f ** (7.0 / 3.0))
    return num


@numba.njit(cache=True)
def _open_face(h, z, n, jb, ib, jk, ik, q_old, sign, dt_s, dx_m, min_depth, g):  # pragma: no cover
    # Free outflow through the side of boundary cell b: its depth, the surface slope of the
    # interior face between b and its neighbour k, outward only (sign +1 east/north, -1 west/south).
    h_b = h[jb, ib]
    if h_b <= min_depth:
        return 0.0
    slope = sign * (h_b + z[jb, ib] - h[jk, ik] - z[jk, ik]) / dx_m
    q = _momentum(q_old, q_old, h_b, slope, n[jb, ib], dt_s, g)
    return max(q, 0.0) if sign > 0.0 else min(q, 0.0)


@numba.njit(cache=True)
def update_face_discharge(
    h, z, n, qx, qy, row_buf, dt_s, dx_m, theta, min_flow_depth_m, open_w, open_e, open_s, open_n, g
):  # pragma: no cover - compiled; checked against the Python twin in tests
    """Advance face discharges ``qx``, ``qy`` (m²/s) by one step, in place.

    ``row_buf`` is a work array of length ``nx`` (the old discharges of the previous row of
    y-faces, for the θ-weighting); nothing is allocated.
    """
    ny, nx = h.shape
    w = 0.5 * (1.0 - theta)
    hmin = min_flow_depth_m
    for j in range(ny):
        prev_old = qx[j, 0]
        for i in range(1, nx):
            cur_old = qx[j, i]
            eta_l = h[j, i - 1] + z[j, i - 1]
            eta_r = h[j, i] + z[j, i]
            h_f = max(eta_l, eta_r) - max(z[j, i - 1], z[j, i])
            if h_f > hmin:
                q_avg = theta * cur_old + w * (prev_old + qx[j, i + 1])
                nf = 0.5 * (n[j, i - 1] + n[j, i])
                qx[j, i] = _momentum(cur_old, q_avg, h_f, (eta_r - eta_l) / dx_m, nf, dt_s, g)
            else:
                qx[j, i] = 0.0
            prev_old = cur_old
        if open_w:
            qx[j, 0] = _open_face(h, z, n, j, 0, j, min(1, nx - 1), qx[j, 0], -1.0, dt_s, dx_m, hmin, g)
        if open_e:
            k = max(nx - 2, 0)
            qx[j, nx] = _open_face(h, z, n, j, nx - 1, j, k, qx[j, nx], 1.0, dt_s, dx_m, hmin, g)
    for i in range(nx):
        row_buf[i] = qy[0, i]
    for j in range(1, ny):
        for i in range(nx):
            cur_old = qy[j, i]
            eta_s = h[j - 1, i] + z[j - 1, i]
            eta_n = h[j, i] + z[j, i]
            h_f = max(eta_s, eta_n) - max(z[j - 1, i], z[j, i])
            if h_f > hmin:
                q_avg = theta * cur_old + w * (row_buf[i] + qy[j + 1, i])
                nf = 0.5 * (n[j - 1, i] + n[j, i])
                qy[j, i] = _momentum(cur_old, q_avg, h_f, (eta_n - eta_s) / dx_m, nf, dt_s, g)
            else:
                qy[j, i] = 0.0
            row_buf[i] = cur_old
    for i in range(nx):
        if open_s:
            qy[0, i] = _open_face(h, z, n, 0, i, min(1, ny - 1), i, qy[0, i], -1.0, dt_s, dx_m, hmin, g)
        if open_n:
            k = max(ny - 2, 0)
            qy[ny, i] = _open_face(h, z, n, ny - 1, i, k, i, qy[ny, i], 1.0, dt_s, dx_m, hmin, g)


@numba.njit(cache=True)
def limit_outflow(h, qx, qy, scale, dt_s, dx_m):  # pragma: no cover - compiled
    """Scale each cell's outgoing discharges so that it cannot lose more water than it holds.

    ``scale`` is a ``(ny, nx)`` work array; ``qx`` and ``qy`` are changed in place.
    """
    ny, nx = h.shape
    c = dt_s / dx_m
    for j in range(ny):
        for i in range(nx):
            out = c * (
                max(qx[j, i + 1], 0.0) + max(-qx[j, i], 0.0) + max(qy[j + 1, i], 0.0) + max(-qy[j, i], 0.0)
            )
            scale[j, i] = h[j, i] / out if out > h[j, i] else 1.0
    for j in range(ny):
        for i in range(nx + 1):
            q = qx[j, i]
            if q > 0.0 and i > 0:
                qx[j, i] = q * scale[j, i - 1]
            elif q < 0.0 and i < nx:
                qx[j, i] = q * scale[j, i]
    for j in range(ny + 1):
        for i in range(nx):
            q = qy[j, i]
            if q > 0.0 and j > 0:
                qy[j, i] = q * scale[j - 1, i]
            elif q < 0.0 and j < ny:
                qy[j, i] = q * scale[j, i]


@numba.njit(cache=True)
def update_depth(h, qx, qy, dt_s, dx_m):  # pragma: no cover - compiled
    """Continuity: update ``h`` in place; return ``(h_max_m, outflow_m3)`` through the sides."""
    ny, nx = h.shape
    c = dt_s / dx_m
    h_max = 0.0
    for j in range(ny):
        for i in range(nx):
            # grouped per direction, so that mirrored or transposed flows round alike
            v = h[j, i] + c * ((qx[j, i] - qx[j, i + 1]) + (qy[j, i] - qy[j + 1, i]))
            v = max(v, 0.0)  # only rounding can make it negative after limit_outflow
            h[j, i] = v
            h_max = max(h_max, v)
    out = 0.0
    for j in range(ny):
        out += qx[j, nx] - qx[j, 0]
    for i in range(nx):
        out += qy[ny, i] - qy[0, i]
    return h_max, out * dt_s * dx_m


@numba.njit(cache=True)
def advance_local_inertial(
    h, z, n, qx, qy, scale, row_buf, dt_s, dx_m, theta, min_flow_depth_m, open_w, open_e, open_s, open_n, g
):  # pragma: no cover - compiled
    """One full step: face discharges, positivity limiter, continuity; ``(h_max_m, outflow_m3)``."""
    update_face_discharge(
        h, z, n, qx, qy, row_buf, dt_s, dx_m, theta, min_flow_depth_m, open_w, open_e, open_s, open_n, g
    )
    limit_outflow(h, qx, qy, scale, dt_s, dx_m)
    return update_depth(h, qx, qy, dt_s, dx_m)


# --- momentum advection (Stelling & Duinmeijer 2003): velocities on faces, upwind face depths


@numba.njit(cache=True)
def _upwind_momentum(u0, u_lo, u_hi, q_lo, q_hi, h_bar, dx_m):  # pragma: no cover - compiled
    # Momentum-conservative u ∂u/∂x: (1/h̄)[(q̄ u*)_hi − (q̄ u*)_lo − u (q̄_hi − q̄_lo)]/Δx, which
    # reduces to the inflowing cell-centre discharges times the velocity jump they bring in.
    return (max(q_lo, 0.0) * (u0 - u_lo) + max(-q_hi, 0.0) * (u0 - u_hi)) / (h_bar * dx_m)


@numba.njit(cache=True)
def _advection_along(u0, u_lo, u_hi, q_lo, q_hi, h_bar, dx_m):  # pragma: no cover - compiled
    # Where the flow speeds up along itself (a contraction), the energy-head form ∂(u²/2)/∂x
    # upwind; elsewhere (expansions, bores, stagnation) the momentum-conservative form.
    if u0 > 0.0 and 0.0 <= u_lo < u0:
        return (u0 * u0 - u_lo * u_lo) / (2.0 * dx_m)
    if u0 < 0.0 and u0 < u_hi <= 0.0:
        return (u_hi * u_hi - u0 * u0) / (2.0 * dx_m)
    return _upwind_momentum(u0, u_lo, u_hi, q_lo, q_hi, h_bar, dx_m)


@numba.njit(cache=True)
def _velocity(u0, adv, h_fric, slope, n, dt_s, g):  # pragma: no cover - compiled
    num = u0 - dt_s * (adv + g * slope)
    if n > 0.0 and u0 != 0.0:
        return num / (1.0 + g * dt_s * n * n * abs(u0) / h_fric ** (4.0 / 3.0))
    return num


@numba.njit(cache=True)
def _outflow_velocity(u0, u_in, q_out, q_cell, h_b, z_b, eta_k, n_b, high, dt_s, dx_m, g):  # pragma: no cover
    # Free outflow through the side of boundary cell b: its depth, the surface slope of the
    # interior face (b to its neighbour k), advection from that face's velocity u_in with a ghost
    # cell copying b (discharge q_out, as the side's); outward only (high: the east/north side).
    slope = (h_b + z_b - eta_k) / dx_m
    if high:
        adv = _advection_along(u0, u_in, u0, q_cell, q_out, h_b, dx_m)
        return max(_velocity(u0, adv, h_b, slope, n_b, dt_s, g), 0.0)
    adv = _advection_along(u0, u0, u_in, q_out, q_cell, h_b, dx_m)
    return min(_velocity(u0, adv, h_b, -slope, n_b, dt_s, g), 0.0)


@numba.njit(cache=True)
def update_face_velocity(
    h, z, n, ux, uy, qx, qy, ux_new, uy_new, dt_s, dx_m, min_flow_depth_m, open_w, open_e, open_s, open_n, g
):  # pragma: no cover - compiled; checked against the Python twin in tests
    """Face velocities ``ux_new``, ``uy_new`` (m/s) one step on, with momentum advection.

    ``ux``, ``uy`` are the old velocities and ``qx``, ``qy`` the discharges of the last
    continuity update; all are read only. Along the face normal the advection is
    :func:`_advection_along`, across it the momentum-conservative form with discharges
    averaged to the face's corners. A face is wet where ``max(η) − max(z) > min_flow_depth_m``.
    """
    ny, nx = h.shape
    hmin = min_flow_depth_m
    for j in range(ny):
        for i in range(1, nx):
            eta_l = h[j, i - 1] + z[j, i - 1]
            eta_r = h[j, i] + z[j, i]
            h_f = max(eta_l, eta_r) - max(z[j, i - 1], z[j, i])
            if h_f <= hmin:
                ux_new[j, i] = 0.0
                continue
            u0, u_w, u_e = ux[j, i], ux[j, i - 1], ux[j, i + 1]
            h_bar = 0.5 * (h[j, i - 1] + h[j, i])
            adv = _advection_along(
                u0, u_w, u_e, 0.5 * (qx[j, i - 1] + qx[j, i]), 0.5 * (qx[j, i] + qx[j, i + 1]), h_bar, dx_m
            )
            u_s = ux[j - 1, i] if j > 0 else u0
            u_n = ux[j + 1, i] if j < ny - 1 else u0
            p_s = 0.5 * (qy[j, i - 1] + qy[j, i])
            p_n = 0.5 * (qy[j + 1, i - 1] + qy[j + 1, i])
            adv += _upwind_momentum(u0, u_s, u_n, p_s, p_n, h_bar, dx_m)
            nf = 0.5 * (n[j, i - 1] + n[j, i])
            ux_new[j, i] = _velocity(u0, adv, h_f, (eta_r - eta_l) / dx_m, nf, dt_s, g)
        ux_new[j, 0] = ux_new[j, nx] = 0.0
        if open_w and h[j, 0] > hmin:
            k = min(1, nx - 1)
            ux_new[j, 0] = _outflow_velocity(
                ux[j, 0], ux[j, 1], qx[j, 0], 0.5 * (qx[j, 0] + qx[j, 1]), h[j, 0], z[j, 0],
                h[j, k] + z[j, k], n[j, 0], False, dt_s, dx_m, g,
            )  # fmt: skip
        if open_e and h[j, nx - 1] > hmin:
            k = max(nx - 2, 0)
            ux_new[j, nx] = _outflow_velocity(
                ux[j, nx], ux[j, nx - 1], qx[j, nx], 0.5 * (qx[j, nx - 1] + qx[j, nx]), h[j, nx - 1],
                z[j, nx - 1], h[j, k] + z[j, k], n[j, nx - 1], True, dt_s, dx_m, g,
            )  # fmt: skip
    for j in range(1, ny):
        for i in range(nx):
            eta_s = h[j - 1, i] + z[j - 1, i]
            eta_n = h[j, i] + z[j, i]
            h_f = max(eta_s, eta_n) - max(z[j - 1, i], z[j, i])
            if h_f <= hmin:
                uy_new[j, i] = 0.0
                continue
            v0, v_s, v_n = uy[j, i], uy[j - 1, i], uy[j + 1, i]
            h_bar = 0.5 * (h[j - 1, i] + h[j, i])
            adv = _advection_along(
                v0, v_s, v_n, 0.5 * (qy[j - 1, i] + qy[j, i]), 0.5 * (qy[j, i] + qy[j + 1, i]), h_bar, dx_m
            )
            v_w = uy[j, i - 1] if i > 0 else v0
            v_e = uy[j, i + 1] if i < nx - 1 else v0
            p_w = 0.5 * (qx[j - 1, i] + qx[j, i])
            p_e = 0.5 * (qx[j - 1, i + 1] + qx[j, i + 1])
            adv += _upwind_momentum(v0, v_w, v_e, p_w, p_e, h_bar, dx_m)
            nf = 0.5 * (n[j - 1, i] + n[j, i])
            uy_new[j, i] = _velocity(v0, adv, h_f, (eta_n - eta_s) / dx_m, nf, dt_s, g)
    for i in range(nx):
        uy_new[0, i] = uy_new[ny, i] = 0.0
        if open_s and h[0, i] > hmin:
            k = min(1, ny - 1)
            uy_new[0, i] = _outflow_velocity(
                uy[0, i], uy[1, i], qy[0, i], 0.5 * (qy[0, i] + qy[1, i]), h[0, i], z[0, i],
                h[k, i] + z[k, i], n[0, i], False, dt_s, dx_m, g,
            )  # fmt: skip
        if open_n and h[ny - 1, i] > hmin:
            k = max(ny - 2, 0)
            uy_new[ny, i] = _outflow_velocity(
                uy[ny, i], uy[ny - 1, i], qy[ny, i], 0.5 * (qy[ny - 1, i] + qy[ny, i]), h[ny - 1, i],
                z[ny - 1, i], h[k, i] + z[k, i], n[ny - 1, i], True, dt_s, dx_m, g,
            )  # fmt: skip


@numba.njit(cache=True)
def upwind_face_discharge(h, z, ux, uy, qx, qy, hx, hy):  # pragma: no cover - compiled
    """Discharges ``q = h* u`` with the upwind face depth ``h* = max(η_up − max(z), 0)``.

    ``hx``, ``hy`` (face-shaped) receive ``h*``; on an open side it is the boundary cell's depth.
    """
    ny, nx = h.shape
    for j in range(ny):
        for i in range(nx + 1):
            u = ux[j, i]
            hs = 0.0
            if i == 0 or i == nx:
                if u != 0.0:
                    hs = h[j, 0] if i == 0 else h[j, nx - 1]
            elif u > 0.0:
                hs = max(h[j, i - 1] + z[j, i - 1] - max(z[j, i - 1], z[j, i]), 0.0)
            elif u < 0.0:
                hs = max(h[j, i] + z[j, i] - max(z[j, i - 1], z[j, i]), 0.0)
            hx[j, i] = hs
            qx[j, i] = hs * u
    for j in range(ny + 1):
        for i in range(nx):
            v = uy[j, i]
            hs = 0.0
            if j == 0 or j == ny:
                if v != 0.0:
                    hs = h[0, i] if j == 0 else h[ny - 1, i]
            elif v > 0.0:
                hs = max(h[j - 1, i] + z[j - 1, i] - max(z[j - 1, i], z[j, i]), 0.0)
            elif v < 0.0:
                hs = max(h[j, i] + z[j, i] - max(z[j - 1, i], z[j, i]), 0.0)
            hy[j, i] = hs
            qy[j, i] = hs * v


@numba.njit(cache=True)
def match_velocity_to_discharge(ux, uy, qx, qy, hx, hy):  # pragma: no cover - compiled
    """After the positivity limiter: ``u = q / h*`` (0 where ``h* = 0``), in place."""
    for j in range(ux.shape[0]):
        for i in range(ux.shape[1]):
            ux[j, i] = qx[j, i] / hx[j, i] if hx[j, i] > 0.0 else 0.0
    for j in range(uy.shape[0]):
        for i in range(uy.shape[1]):
            uy[j, i] = qy[j, i] / hy[j, i] if hy[j, i] > 0.0 else 0.0


@numba.njit(cache=True)
def max_wave_speed(h, ux, uy, g):  # pragma: no cover - compiled
    """Largest ``max(|u_w|, |u_e|) + max(|v_s|, |v_n|) + √(g h)`` over the cells (m/s).

    The step ``α Δx`` over it keeps both the gravity waves and the upwind advection stable
    (a Courant number ≤ α in every cell).
    """
    ny, nx = h.shape
    top = 0.0
    for j in range(ny):
        for i in range(nx):
            u = max(abs(ux[j, i]), abs(ux[j, i + 1]))
            v = max(abs(uy[j, i]), abs(uy[j + 1, i]))
            top = max(top, u + v + math.sqrt(g * h[j, i]))
    return top


@numba.njit(cache=True)
def advance_with_advection(
    h, z, n, ux, uy, qx, qy, ux_new, uy_new, hx, hy, scale, dt_s, dx_m, min_flow_depth_m,
    open_w, open_e, open_s, open_n, g,
):  # pragma: no cover - compiled  # fmt: skip
    """One step with advection: velocities, upwind discharges, limiter, continuity.

    The new velocities land in ``ux_new``, ``uy_new`` (the caller swaps them with ``ux``,
    ``uy``). Returns ``(h_max_m, outflow_m3, wave_speed_m_s)``, the last from
    :func:`max_wave_speed`.
    """
    update_face_velocity(
        h, z, n, ux, uy, qx, qy, ux_new, uy_new, dt_s, dx_m, min_flow_depth_m,
        open_w, open_e, open_s, open_n, g,
    )  # fmt: skip
    upwind_face_discharge(h, z, ux_new, uy_new, qx, qy, hx, hy)
    limit_outflow(h, qx, qy, scale, dt_s, dx_m)
    match_velocity_to_discharge(ux_new, uy_new, qx, qy, hx, hy)
    h_max, out = update_depth(h, qx, qy, dt_s, dx_m)
    return h_max, out, max_wave_speed(h, ux_new, uy_new, g)


@numba.njit(cache=True)
def update_flood_maps(
    h, qx, qy, speed, max_h, max_speed, arrival, t_s, arrival_depth_m, min_flow_depth_m
):  # pragma: no cover - compiled
    """Cell-centred speed from face discharges; running maxima; first time above ``arrival_depth_m``."""
    ny, nx = h.shape
    for j in range(ny):
        for i in range(nx):
            d = h[j, i]
            s = 0.0
            if d > min_flow_depth_m:
                ux = 0.5 * (qx[j, i] + qx[j, i + 1]) / d
                uy = 0.5 * (qy[j, i] + qy[j + 1, i]) / d
                s = math.sqrt(ux * ux + uy * uy)
            speed[j, i] = s
            max_h[j, i] = max(max_h[j, i], d)
            max_speed[j, i] = max(max_speed[j, i], s)
            if d > arrival_depth_m and math.isnan(arrival[j, i]):
                arrival[j, i] = t_s
