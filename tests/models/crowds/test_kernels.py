"""Pedestrian kernels: cell list, collision-free speed model, social force model, walls, exits.

What each test checks against:

* JuPedSim 1.4.2 (the reference implementation of the collision-free speed model, run as an
  oracle when installed: ``pip install jupedsim==1.4.2``, the ``bench`` extra): the same agents
  in the same room, with an obstacle hiding neighbours from each other, give the same
  trajectories to 1e-6 m after 4 s (measured when written: 7e-9 m).
* Plain-Python twins (all pairs, no cell list, ``math.exp``) of both models' velocity
  formulas (Tordeux et al. 2016 in JuPedSim's form; Helbing, Farkas & Vicsek 2000 eqs. 1-3),
  on a random crowd around internal walls: the kernels agree to 1e-12.
* Hand-derived consequences of the formulas: free walking covers 10 m in 10/v0 (RiMEA test 1
  style); a walker stops behind a standing agent where the neighbour repulsion equals the
  desired direction, ``d* = l + D ln a`` (0.608 m > 2r); a single-file line settles at the
  leader's speed with gap ``d − l = v T``; two social-force agents pushing into each other
  settle at ``d* = r_ij + B ln(A τ / (m v0))`` (0.7875 m), with ``A = 0`` at the body-force
  balance ``r_ij − m v0 / (τ k)``; wall contact forces and friction after one step equal
  HFV's ``(A e^{(r−d)/B} + k (r − d)) Δt / m`` and the friction ``−κ (r − d) v_t`` taken at the
  new velocity.
* Invariants: states add up to N every step; no recorded move crosses a wall while a dense
  room empties through a door (both models); serial and ``prange`` kernels agree to 1e-12 on
  1 and 2 threads.
"""

from __future__ import annotations

import importlib.util
import math

import numba
import numpy as np
import pytest

from models.crowds.agents import DEAD, EVACUATED, INCAPACITATED, WAITING, WALKING, Pedestrians, jittered_grid
from models.crowds.kernels import (
    CsmParameters,
    DirectionRaster,
    PedestrianStepper,
    SfmParameters,
    build_wall_cells,
    fast_exp,
    segments_touch,
)

DT = 0.01
CSM = CsmParameters()
SFM = SfmParameters()


def rect(x0, y0, x1, y1):
    """Closed rectangle as four wall segments."""
    return [[x0, y0, x1, y0], [x1, y0, x1, y1], [x1, y1, x0, y1], [x0, y1, x0, y0]]


def uniform_field(ux, uy, box=(-20.0, -20.0, 40.0, 40.0), cell=0.5):
    """The same desired direction everywhere (exactly, no interpolation error)."""
    nx, ny = round((box[2] - box[0]) / cell), round((box[3] - box[1]) / cell)
    return DirectionRaster(np.full((ny, nx), float(ux)), np.full((ny, nx), float(uy)), box[0], box[1], cell)


def walking(x, y, **kw):
    return Pedestrians.create(x, y, state=WALKING, **kw)


# --- building blocks ---------------------------------------------------------------------------


def test_fast_exp_within_two_ulp_of_libm():
    x = np.concatenate([np.random.default_rng(0).uniform(-700, 700, 20_000), [-30.0, -1e-9, 0.0, 1.0, 5.0]])
    ours = np.array([fast_exp(v) for v in x])
    assert np.max(np.abs(ours / np.exp(x) - 1.0)) <= 2 * np.finfo(float).eps
    assert fast_exp(-1e6) == pytest.approx(math.exp(-700.0))  # clamped, no garbage


@pytest.mark.parametrize(
    ("seg", "touch"),
    [
        ((0, 0, 2, 2, 0, 2, 2, 0), True),  # proper crossing
        ((0, 0, 1, 1, 1, 1, 2, 0), True),  # shared end point
        ((0, 0, 2, 0, 1, 0, 3, 0), True),  # collinear overlap
        ((0, 0, 1, 0, 0, 1, 1, 1), False),  # parallel
        ((0, 0, 1, 0, 2, -1, 2, 1), False),  # would cross if extended
        ((0, 0, 1, 1, 1.0000001, 1, 2, 0), False),  # near miss at a corner
    ],
)
def test_segments_touch(seg, touch):
    assert segments_touch(*map(float, seg)) is touch


def test_wall_cells_match_brute_force_box_test():
    shapely = pytest.importorskip("shapely")
    rng = np.random.default_rng(3)
    walls = np.ascontiguousarray(rng.uniform(0, 30, (25, 4)))
    walls[0] = [5.0, 5.0, 5.0, 5.0]  # a degenerate point wall still lands in its cells
    gx0, gy0, cell, gnx, gny, reach = -3.0, -3.0, 3.0, 12, 12, 3.0
    start, idx = build_wall_cells(walls, gx0, gy0, cell, gnx, gny, reach)
    for r in range(gny):
        for c in range(gnx):
            box = shapely.box(
                gx0 + c * cell - reach,
                gy0 + r * cell - reach,
                gx0 + (c + 1) * cell + reach,
                gy0 + (r + 1) * cell + reach,
            )
            expected = [
                w for w in range(len(walls)) if box.intersects(shapely.LineString(walls[w].reshape(2, 2)))
            ]
            k = r * gnx + c
            assert idx[start[k] : start[k + 1]].tolist() == expected


# --- plain-Python twins of the velocity formulas ---------------------------------------------


def _cross(a, b, c):
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _hidden(p, q, walls):
    for w in walls:
        a, b = w[:2], w[2:]
        o = [_cross(a, b, p), _cross(a, b, q), _cross(p, q, a), _cross(p, q, b)]
        if o[0] * o[1] < 0 and o[2] * o[3] < 0:
            return True
    return False


def _nearest(w, p):
    a, b = np.array(w[:2]), np.array(w[2:])
    u = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0)
    return a + u * (b - a)


def csm_twin(x, y, r, v0, t_gap, e0, walls, prm=CSM):
    """Tordeux et al. (2016) as JuPedSim 1.4.2 computes it, for every agent, all pairs."""
    pos = np.c_[x, y]
    out = np.zeros_like(pos)
    for i, p in enumerate(pos):
        nbrs = [
            j
            for j in range(len(pos))
            if j != i and math.dist(p, pos[j]) <= prm.cutoff_m and not _hidden(p, pos[j], walls)
        ]
        e = np.array(e0[i], float)
        for j in nbrs:
            d = math.dist(p, pos[j])
            e -= (
                prm.strength_neighbour_repulsion
                * math.exp((r[i] + r[j] - d) / prm.range_neighbour_repulsion_m)
                * (pos[j] - p)
                / d
            )
        for w in walls:
            q = _nearest(w, p)
            d = math.dist(p, q)
            e -= prm.strength_wall_repulsion * math.exp((r[i] - d) / prm.range_wall_repulsion_m) * (q - p) / d
        e /= np.linalg.norm(e)
        s = math.inf
        for j in nbrs:
            dp = pos[j] - p
            if e @ dp >= 0 and abs(e[0] * dp[1] - e[1] * dp[0]) <= r[i] + r[j]:
                s = min(s, math.dist(p, pos[j]) - r[i] - r[j])
        out[i] = e * min(v0[i], max(0.0, s / t_gap[i]))
    return out


def sfm_twin(x, y, vx, vy, r, v0, tau, e0, walls, dt, prm=SFM):
    """Helbing, Farkas & Vicsek (2000) eqs. 1-3, all pairs, one Euler step with the sliding
    friction taken at the agent's new velocity: (I + Δt/m Σ κ g t tᵀ) v' = v + Δt/m F_rest."""
    a, b, k, kappa, m = (
        prm.social_strength_n,
        prm.social_range_m,
        prm.body_stiffness_kg_s2,
        prm.friction_kg_m_s,
        prm.mass_kg,
    )
    pos, vel = np.c_[x, y], np.c_[vx, vy]
    out = np.zeros_like(pos)
    for i, p in enumerate(pos):
        f = m * (v0[i] * np.asarray(e0[i]) - vel[i]) / tau[i]
        c = np.zeros((2, 2))
        for j in range(len(pos)):
            d = math.dist(p, pos[j])
            if j == i or d > prm.cutoff_m or _hidden(p, pos[j], walls):
                continue
            n = (p - pos[j]) / d
            t = np.array([-n[1], n[0]])
            g = max(r[i] + r[j] - d, 0.0)
            f += (a * math.exp((r[i] + r[j] - d) / b) + k * g) * n + kappa * g * (vel[j] @ t) * t
            c += kappa * g * np.outer(t, t)  # the −κ g (v_i · t) t part, implicit
        seen = []
        for w in walls:
            q = _nearest(w, p)
            if any(np.allclose(q, o, rtol=0, atol=1e-9) for o in seen):
                continue  # a corner shared by two segments is one wall point
            seen.append(q)
            d = math.dist(p, q)
            n = (p - q) / d
            t = np.array([-n[1], n[0]])
            g = max(r[i] - d, 0.0)
            f += (a * math.exp((r[i] - d) / b) + k * g) * n
            c += kappa * g * np.outer(t, t)
        out[i] = np.linalg.solve(np.eye(2) + dt / m * c, vel[i] + f / m * dt)
    return out


def bilinear(field, x, y):
    """Desired directions sampled between cell centres and normalised (no NaN in the field)."""
    fx = np.clip((x - field.origin_x_m) / field.cell_m - 0.5, 0, field.ux.shape[2] - 1)
    fy = np.clip((y - field.origin_y_m) / field.cell_m - 0.5, 0, field.ux.shape[1] - 1)
    i, j = fx.astype(int), fy.astype(int)
    wx, wy = fx - i, fy - j
    i1, j1 = np.minimum(i + 1, field.ux.shape[2] - 1), np.minimum(j + 1, field.ux.shape[1] - 1)
    out = []
    for u in (field.ux[0], field.uy[0]):
        out.append(
            (1 - wy) * ((1 - wx) * u[j, i] + wx * u[j, i1]) + wy * ((1 - wx) * u[j1, i] + wx * u[j1, i1])
        )
    e = np.c_[out[0], out[1]]
    return e / np.linalg.norm(e, axis=1)[:, None]


def scattered_crowd(n, seed):
    """A random crowd in a 12 m x 12 m room split by two internal walls (some pairs hidden)."""
    rng = np.random.default_rng(seed)
    x, y = jittered_grid(n, (0.6, 0.6, 11.4, 11.4), 0.15, rng)
    walls = [*rect(0, 0, 12, 12), [4.0, 3.05, 4.0, 6.0], [4.0, 6.0, 4.0, 9.0], [6.0, 6.05, 11.0, 6.05]]
    keep = np.array(
        [
            min(np.linalg.norm(_nearest(w, np.array(p)) - p) for w in walls) > 0.4
            for p in zip(x, y, strict=True)
        ]
    )
    return x[keep], y[keep], np.array(walls, float), rng


def test_csm_velocities_match_all_pairs_twin():
    x, y, walls, rng = scattered_crowd(70, 1)
    p = walking(
        x,
        y,
        radius_m=rng.uniform(0.18, 0.25, x.size),
        v0_m_s=rng.uniform(0.8, 1.5, x.size),
        tau_s=rng.uniform(0.8, 1.3, x.size),
    )
    field = DirectionRaster.towards_point((30.0, 6.0), (-5, -5, 40, 20), 0.25)
    e0 = bilinear(field, x, y)
    expected = csm_twin(x, y, p.radius_m, p.v0_m_s, p.tau_s, e0, walls)
    PedestrianStepper(walls, field).advance(p, 0.0, DT)
    assert np.max(np.abs(np.c_[p.vx_m_s, p.vy_m_s] - expected)) < 1e-12
    assert np.ptp(np.hypot(p.vx_m_s, p.vy_m_s)) > 0.3  # neighbours really slowed some of them


def test_sfm_velocities_match_all_pairs_twin():
    x, y, walls, rng = scattered_crowd(60, 2)
    n = x.size
    r = rng.uniform(0.25, 0.35, n)  # HFV 2000 radii
    x[1], y[1] = x[0] + 0.45, y[0] + 0.05  # a body contact between agents 0 and 1 (r >= 0.25)
    x[2], y[2] = 11.8, 2.0  # agent 2 presses on the east wall
    x[3], y[3] = 4.3, 6.0  # agent 3 faces the joint of two wall segments: one wall point
    p = walking(x, y, radius_m=r, v0_m_s=rng.uniform(0.6, 1.5, n), tau_s=0.5)
    p.vx_m_s[:], p.vy_m_s[:] = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    expected = sfm_twin(x, y, p.vx_m_s, p.vy_m_s, r, p.v0_m_s, p.tau_s, [(1.0, 0.0)] * n, walls, DT)
    PedestrianStepper(walls, uniform_field(1, 0), model="sfm").advance(p, 0.0, DT)
    got = np.c_[p.vx_m_s, p.vy_m_s]
    assert np.max(np.abs(got - expected)) < 1e-12 * max(1.0, np.abs(expected).max())
    kick = 1.2e5 * 0.02 / 80 * DT  # k g Δt / m for a 2 cm overlap: contacts were exercised
    assert np.abs(got[:3] - np.c_[p.v0_m_s[:3], 0 * x[:3]]).max(axis=1).min() > kick


# --- JuPedSim 1.4.2 as an oracle --------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("jupedsim") is None, reason="jupedsim is not installed (bench extra)"
)
def test_csm_trajectories_match_jupedsim_with_hidden_neighbours():
    import jupedsim as jps
    import shapely

    width, height, target = 20.0, 10.0, (19.5, 5.0)
    hole = [(4.0, 4.9), (8.0, 4.9), (8.0, 5.1), (4.0, 5.1)]  # hides the rows above and below it
    ring = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    sim = jps.Simulation(
        model=jps.CollisionFreeSpeedModel(), geometry=shapely.Polygon(ring, holes=[hole]), dt=DT
    )
    exit_id = sim.add_exit_stage(shapely.box(19.0, 4.0, 20.0, 6.0))
    journey = sim.add_journey(jps.JourneyDescription([exit_id]))
    x = np.array([5.0, 5.6, 6.2, 5.0, 5.6, 6.2, 4.5, 5.3, 2.0, 2.5])
    y = np.array([5.45, 5.5, 5.6, 4.55, 4.5, 4.4, 6.3, 3.7, 6.5, 3.4])  # all see the target
    ids = [
        sim.add_agent(
            jps.CollisionFreeSpeedModelAgentParameters(journey_id=journey, stage_id=exit_id, position=xy)
        )
        for xy in zip(x, y, strict=True)
    ]
    walls = [[*ring[i], *ring[(i + 1) % 4]] for i in range(4)] + [
        [*hole[i], *hole[(i + 1) % 4]] for i in range(4)
    ]
    p = Pedestrians.create(x, y)
    stepper = PedestrianStepper(walls, DirectionRaster.towards_point(target, (0, 0, width, height), 0.02))
    for _ in range(400):
        sim.iterate()
    stepper.advance(p, 0.0, DT, 400)
    jx = np.array([sim.agent(i).position[0] for i in ids])
    jy = np.array([sim.agent(i).position[1] for i in ids])
    assert np.max(np.hypot(p.x_m - jx, p.y_m - jy)) < 1e-6
    assert np.min(p.x_m - x) > 2.5  # everybody walked


# --- collision-free speed model: published behaviour --------------------------------------------


@pytest.mark.parametrize("model", ["csm", "sfm"])
def test_free_walking_covers_10_m_in_10_over_v0(model):
    v0 = 1.33  # RiMEA test 1 speed
    p = walking([0.0], [0.0], v0_m_s=v0, tau_s=1.0 if model == "csm" else 0.5)
    p.vx_m_s[:] = v0  # already at speed (the social force model accelerates from rest otherwise)
    stepper = PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0), model=model)
    steps = 0
    while p.x_m[0] < 10.0:
        stepper.advance(p, steps * DT, DT)
        steps += 1
    assert abs(steps * DT - 10.0 / v0) <= DT
    assert p.y_m[0] == 0.0 and p.vx_m_s[0] == pytest.approx(v0, rel=1e-12)


def test_sfm_accelerates_from_rest_as_the_relaxation_law():
    """Alone, m dv/dt = m (v0 − v)/τ: x(t) = v0 (t − τ (1 − e^{−t/τ})); Euler error O(Δt)."""
    v0, tau = 1.2, 0.5
    p = walking([0.0], [0.0], v0_m_s=v0, tau_s=tau)
    PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0), model="sfm").advance(p, 0.0, DT, 300)
    t = 3.0
    assert p.x_m[0] == pytest.approx(v0 * (t - tau * (1 - math.exp(-t / tau))), abs=v0 * DT)
    assert p.vx_m_s[0] == pytest.approx(v0 * (1 - math.exp(-t / tau)), rel=1e-3)


def test_csm_walker_stops_behind_standing_agent():
    """Repulsion a·exp((l − d)/D) equals the unit desired direction at d* = l + D ln a = 0.608 m."""
    p = Pedestrians.create([0.0, 5.0], [0.0, 0.0], state=[WALKING, INCAPACITATED])
    stepper = PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0))
    gaps = []
    for s in range(1500):
        stepper.advance(p, s * DT, DT)
        gaps.append(p.x_m[1] - p.x_m[0])
    d_star = 0.4 + 0.1 * math.log(8.0)
    assert min(gaps) >= 2 * 0.2  # never touches
    assert abs(gaps[-1] - d_star) <= 1.2 * DT + 1e-9  # hovers within one step of d*
    assert p.x_m[1] == 5.0 and p.y_m[0] == 0.0  # the standing agent never moved


def test_csm_single_file_keeps_the_time_gap():
    """Followers settle at the leader's speed v with spacing d − l = v T (V(s) = (s − l)/T)."""
    n, v_lead, t_gap = 6, 0.6, 1.0
    x = -2.0 * np.arange(n)
    p = walking(x, np.zeros(n), v0_m_s=[v_lead] + [1.2] * (n - 1), tau_s=t_gap)
    PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0, box=(-20, -5, 80, 5))).advance(p, 0.0, DT, 4000)
    gaps = -np.diff(p.x_m)
    assert np.allclose(p.vx_m_s, v_lead, rtol=0, atol=1e-9)
    assert np.allclose(gaps - 0.4, v_lead * t_gap, rtol=0, atol=1e-9)
    assert (p.vy_m_s == 0).all()


def test_csm_wall_deflects_the_direction_as_computed_by_hand():
    """e = N(e0 + a_w exp((r − d)/D_w) n) for an agent 0.21 m from a wall, heading into it at 45°."""
    d = 0.21
    p = walking([5.0], [d])
    stepper = PedestrianStepper([[0.0, 0.0, 10.0, 0.0]], uniform_field(1 / math.sqrt(2), -1 / math.sqrt(2)))
    stepper.advance(p, 0.0, DT)
    e = np.array([1, -1]) / math.sqrt(2) + np.array([0.0, 5.0 * math.exp((0.2 - d) / 0.02)])
    e /= np.linalg.norm(e)
    assert np.allclose([p.vx_m_s[0], p.vy_m_s[0]], 1.2 * e, rtol=0, atol=1e-14)
    assert p.vy_m_s[0] > 0  # pushed away from the wall


def test_hidden_neighbour_does_not_repel():
    """Two agents 0.5 m apart across a wall walk as if alone (JuPedSim drops hidden neighbours)."""
    wall = [[0.0, 0.0, 20.0, 0.0]]
    pair = walking([5.0, 5.0], [0.25, -0.25])
    PedestrianStepper(wall, uniform_field(1, 0)).advance(pair, 0.0, DT)
    for k, y in enumerate([0.25, -0.25]):
        alone = walking([5.0], [y])
        PedestrianStepper(wall, uniform_field(1, 0)).advance(alone, 0.0, DT)
        assert (pair.vx_m_s[k], pair.vy_m_s[k]) == (alone.vx_m_s[0], alone.vy_m_s[0])
    free = walking([5.0, 5.0], [0.25, -0.25])
    PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0)).advance(free, 0.0, DT)
    assert free.vy_m_s[0] > 0.5 and free.vy_m_s[1] < -0.5  # without the wall they push apart


# --- social force model: force balances by hand --------------------------------------------------


def _head_on(model_params, radius, v0=1.2, tau=0.5):
    """Two agents walking into each other along x; desired direction flips at x = 5."""
    nx = 100
    ux = np.where((np.arange(nx) + 0.5) * 0.1 < 5.0, 1.0, -1.0)[None, :].repeat(20, axis=0)
    field = DirectionRaster(ux, np.zeros_like(ux), 0.0, 4.0, 0.1)
    p = walking([4.0, 6.0], [5.0, 5.0], radius_m=radius, v0_m_s=v0, tau_s=tau)
    PedestrianStepper(np.zeros((0, 4)), field, model="sfm", parameters=model_params).advance(p, 0.0, DT, 2000)
    return p


def test_sfm_equilibrium_distance_of_two_agents():
    """A exp((r_ij − d)/B) = m v0/τ → d* = 0.6 + 0.08 ln(2000·0.5/(80·1.2)) = 0.7875 m."""
    p = _head_on(SFM, 0.3)
    d_star = 0.6 + 0.08 * math.log(2000 * 0.5 / (80 * 1.2))
    assert p.x_m[1] - p.x_m[0] == pytest.approx(d_star, abs=1e-6)
    assert np.abs(p.vx_m_s).max() < 1e-6 and p.y_m.tolist() == [5.0, 5.0]


def test_sfm_body_force_balance_without_social_force():
    """With A = 0 only the body force holds them: k (r_ij − d) = m v0/τ → d* = 0.6 − 0.0016 m."""
    p = _head_on(SfmParameters(social_strength_n=0.0), 0.3)
    assert p.x_m[1] - p.x_m[0] == pytest.approx(0.6 - 80 * 1.2 / (0.5 * 1.2e5), abs=1e-6)


def test_sfm_wall_contact_pushes_out_and_friction_brakes_sliding():
    """One step against a wall (d = 0.25 m < r = 0.3 m), sliding along it at 0.5 m/s, v0 = 0.

    Normal: Δv = (A e^{g/B} + k g) Δt/m. Tangential: v' = (v − v Δt/τ)/(1 + κ g Δt/m), the
    friction −κ g v_t taken at the new velocity (explicitly, 0.5 m/s would become −0.26 m/s).
    """
    p = walking([5.0], [0.25], radius_m=0.3, v0_m_s=0.0, tau_s=0.5)
    p.vx_m_s[:] = 0.5
    PedestrianStepper([[0.0, 0.0, 10.0, 0.0]], uniform_field(1, 0), model="sfm").advance(p, 0.0, DT)
    g = 0.3 - 0.25
    push = (2000 * math.exp(g / 0.08) + 1.2e5 * g) / 80 * DT
    slid = (0.5 - 0.5 / 0.5 * DT) / (1 + 2.4e5 * g * DT / 80)
    assert p.vy_m_s[0] == pytest.approx(push, rel=1e-12) and p.vy_m_s[0] > 0
    assert p.vx_m_s[0] == pytest.approx(slid, rel=1e-12) and 0 < p.vx_m_s[0] < 0.5


def test_sfm_convex_corner_pushes_once():
    """Two segments meeting at a corner share its nearest point: one wall point, one HFV force."""
    corner = [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, -1.0]]
    p = walking([1.3], [0.3], radius_m=0.3, v0_m_s=0.0, tau_s=0.5)
    PedestrianStepper(corner, uniform_field(1, 0), model="sfm").advance(p, 0.0, DT)
    d = math.hypot(0.3, 0.3)
    push = 2000 * math.exp((0.3 - d) / 0.08) / 80 * DT
    assert p.vx_m_s[0] == pytest.approx(push / math.sqrt(2), rel=1e-12)
    assert p.vy_m_s[0] == pytest.approx(push / math.sqrt(2), rel=1e-12)


def test_sfm_contact_friction_opposes_relative_sliding():
    """Overlapping agents sliding past each other: κ g Δv^t_ji t_ij slows both (HFV eq. 2).

    With c = κ g Δt/m and the own velocity implicit: v_i' = (v_i + c v_j)/(1 + c) along t.
    """
    nx = 20
    up = DirectionRaster(
        np.zeros((2, 20, nx)), np.stack([np.ones((20, nx)), -np.ones((20, nx))]), 0.0, 0.0, 0.5
    )
    p = walking([5.0, 5.5], [5.0, 5.0], radius_m=0.3, v0_m_s=0.1, tau_s=0.5, target=[0, 1])
    p.vy_m_s[:] = [0.1, -0.1]  # at desired speed: only the contact acts
    PedestrianStepper(np.zeros((0, 4)), up, model="sfm").advance(p, 0.0, DT)
    g = 0.6 - 0.5
    normal = (2000 * math.exp(g / 0.08) + 1.2e5 * g) / 80 * DT
    c = 2.4e5 * g * DT / 80
    assert p.vx_m_s.tolist() == pytest.approx([-normal, normal], rel=1e-12)
    assert p.vy_m_s.tolist() == pytest.approx(
        [(0.1 - c * 0.1) / (1 + c), (-0.1 + c * 0.1) / (1 + c)], rel=1e-12
    )
    assert abs(p.vy_m_s[0] - p.vy_m_s[1]) < 0.2  # the sliding speed dropped


# --- states, exits, walls ----------------------------------------------------------------------


def nist_room(door_m=1.0):
    """NIST Verif.5.2 room, 8 m x 5 m, with one exit centred on the east wall."""
    y0, y1 = 2.5 - door_m / 2, 2.5 + door_m / 2
    walls = [[0, 0, 8, 0], [8, 0, 8, y0], [8, y1, 8, 5], [8, 5, 0, 5], [0, 5, 0, 0]]
    exits = [[8.0, y0, 8.0, y1]]
    field = DirectionRaster.towards_point((8.6, 2.5), (-1, -1, 10, 6), 0.05)
    return np.array(walls, float), np.array(exits, float), field


def _crossings(p0, p1, walls):
    """For every move p0 → p1 (arrays (n, 2)), does it touch any wall? (numpy, independent)."""
    hit = np.zeros(len(p0), bool)
    for x0, y0, x1, y1 in walls:
        a, b = np.array([x0, y0]), np.array([x1, y1])

        def cross(u, v, w):
            return (v[..., 0] - u[..., 0]) * (w[..., 1] - u[..., 1]) - (v[..., 1] - u[..., 1]) * (
                w[..., 0] - u[..., 0]
            )

        o1, o2 = cross(a, b, p0), cross(a, b, p1)
        o3, o4 = cross(p0, p1, a[None]), cross(p0, p1, b[None])
        hit |= (o1 * o2 <= 0) & (o3 * o4 <= 0) & ~((o1 == 0) & (o2 == 0) & (o3 == 0))
    return hit


@pytest.mark.parametrize(("model", "n", "radius", "door"), [("csm", 100, 0.2, 1.0), ("sfm", 60, 0.25, 1.2)])
def test_dense_room_empties_without_anyone_crossing_a_wall(model, n, radius, door):
    walls, exits, field = nist_room(door)
    rng = np.random.default_rng(4)
    x, y = jittered_grid(n, (0.0, 0.0, 7.8, 5.0), 0.05, rng)
    states = np.full(n, WAITING, np.int8)
    states[:2] = [INCAPACITATED, DEAD]  # lying in the room's back corner
    tau = 1.0 if model == "csm" else 0.5
    p = Pedestrians.create(x, y, radius_m=radius, reaction_s=rng.uniform(0, 5, n), state=states, tau_s=tau)
    stepper = PedestrianStepper(walls, field, exits=exits, model=model)
    t, history = 0.0, []
    while p.counts()["evacuated"] < n - 2 and t < 200.0:
        before, was, t0 = np.c_[p.x_m, p.y_m], p.state.copy(), t
        t = stepper.advance(p, t, DT)
        counts = np.bincount(p.state, minlength=5)
        history.append(counts)
        assert counts.sum() == n
        moved = np.hypot(p.x_m - before[:, 0], p.y_m - before[:, 1]) > 0
        assert not moved[p.reaction_s > t0].any() and not moved[:2].any()  # nobody moves before reacting
        on_floor = was != EVACUATED
        assert not _crossings(before[on_floor], np.c_[p.x_m, p.y_m][on_floor], walls).any()
        inside = p.state != EVACUATED
        assert ((p.x_m[inside] > 0) & (p.x_m[inside] < 8) & (p.y_m[inside] > 0) & (p.y_m[inside] < 5)).all()
    history = np.array(history)
    assert p.counts() == {"waiting": 0, "walking": 0, "evacuated": n - 2, "incapacitated": 1, "dead": 1}
    assert (np.diff(history[:, EVACUATED]) >= 0).all()
    left = np.isfinite(p.evacuated_at_s)
    assert left.sum() == n - 2 and (p.evacuated_at_s[left] > p.reaction_s[left]).all()
    assert (p.x_m[left] >= 8.0).all()  # they left through the door


def test_reaction_times_start_walking_on_time():
    """RiMEA test 5: each person starts at its assigned time (here within one step)."""
    reaction = np.array([1.0, 2.0, 3.5])
    p = Pedestrians.create([1.0, 1.0, 1.0], [1.0, 3.0, 5.0], reaction_s=reaction)
    stepper = PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0))
    start = np.full(3, np.nan)
    for s in range(500):
        stepper.advance(p, s * DT, DT)
        start[np.isnan(start) & (p.x_m > 1.0)] = s * DT
    assert np.allclose(start, reaction, atol=DT + 1e-9)


def test_evacuated_agents_leave_the_neighbour_grid():
    """A walker right behind someone who has just evacuated is not slowed by them."""
    exit_line = [[10.0, -5.0, 10.0, 5.0]]
    p = walking([9.995, 9.5], [0.0, 0.0])
    PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0), exits=exit_line).advance(p, 0.0, DT, 2)
    assert p.state.tolist() == [EVACUATED, WALKING]
    assert p.evacuated_at_s[0] == pytest.approx(DT) and np.isnan(p.evacuated_at_s[1])
    assert p.vx_m_s[1] == pytest.approx(1.2)  # second step: nobody ahead any more


def test_exit_region_evacuates():
    p = walking([1.0], [0.0])
    PedestrianStepper(np.zeros((0, 4)), uniform_field(1, 0), exit_regions=[[2.0, -1.0, 3.0, 1.0]]).advance(
        p, 0.0, DT, 100
    )
    assert p.state[0] == EVACUATED and p.x_m[0] == pytest.approx(2.0, abs=0.013)


@pytest.mark.parametrize("model", ["csm", "sfm"])
def test_a_fast_push_into_a_wall_is_stopped_at_the_wall(model):
    """Even a 100 m/s velocity (one step crosses 1 m) never takes a centre through a wall."""
    wall = [[0.0, -5.0, 0.0, 5.0], [0.0, 5.0, -10.0, 5.0]]
    prm = (
        CsmParameters(strength_wall_repulsion=0.0) if model == "csm" else SfmParameters(social_strength_n=0.0)
    )
    p = walking([-0.3], [4.0], v0_m_s=100.0, tau_s=0.5)
    p.vx_m_s[:] = 100.0
    stepper = PedestrianStepper(wall, uniform_field(1, 1), model=model, parameters=prm)
    for s in range(30):
        stepper.advance(p, s * DT, DT)
        assert p.x_m[0] < 0.0 and p.y_m[0] < 5.0
    assert p.y_m[0] > 4.2  # it slid along the wall towards the corner
    assert abs(p.vy_m_s[0]) < 100.0  # and the wall friction did not blow up


def test_no_desired_direction_stands_still():
    ux = np.full((4, 4), np.nan)
    ux[:, 2:] = 1.0
    field = DirectionRaster(ux, np.zeros((4, 4)), 0.0, 0.0, 1.0)
    p = walking([0.5, 3.5], [2.0, 2.0])
    PedestrianStepper(np.zeros((0, 4)), field).advance(p, 0.0, DT)
    assert p.vx_m_s.tolist() == [0.0, pytest.approx(1.2)]


def test_bilinear_direction_between_cells():
    field = DirectionRaster(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), 0.0, 0.0, 1.0)
    p = walking([1.0], [0.5])  # half-way between the two cell centres
    PedestrianStepper(np.zeros((0, 4)), field).advance(p, 0.0, DT)
    assert p.vx_m_s[0] == pytest.approx(p.vy_m_s[0]) and math.hypot(
        p.vx_m_s[0], p.vy_m_s[0]
    ) == pytest.approx(1.2)


# --- serial and parallel kernels ------------------------------------------------------------------


@pytest.mark.parametrize("model", ["csm", "sfm"])
def test_serial_and_parallel_agree_on_any_thread_count(model):
    walls, exits, field = nist_room(1.2)
    x, y = jittered_grid(80, (0.0, 0.0, 7.8, 5.0), 0.05, np.random.default_rng(9))
    radius = 0.2 if model == "csm" else 0.25
    runs = []
    for parallel, threads in ((False, 1), (True, 1), (True, min(2, numba.config.NUMBA_NUM_THREADS))):
        p = walking(x, y, radius_m=radius, tau_s=1.0 if model == "csm" else 0.5)
        stepper = PedestrianStepper(walls, field, exits=exits, model=model, parallel=parallel)
        old = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            stepper.advance(p, 0.0, DT, 300)
        finally:
            numba.set_num_threads(old)
        runs.append(p)
    for q in runs[1:]:
        for name in ("x_m", "y_m", "vx_m_s", "vy_m_s"):
            assert np.max(np.abs(getattr(q, name) - getattr(runs[0], name))) <= 1e-12
        assert np.array_equal(q.state, runs[0].state)
    assert runs[0].counts()["evacuated"] > 0  # the run did something


def test_bad_inputs_are_rejected():
    field = uniform_field(1, 0)
    with pytest.raises(ValueError, match="model"):
        PedestrianStepper(np.zeros((0, 4)), field, model="gcfm")
    with pytest.raises(TypeError, match="SfmParameters"):
        PedestrianStepper(np.zeros((0, 4)), field, model="sfm", parameters=CSM)
    with pytest.raises(ValueError, match="walls"):
        PedestrianStepper(np.zeros((3, 3)), field)
    with pytest.raises(ValueError, match="targets"):
        PedestrianStepper(np.zeros((0, 4)), field).advance(
            Pedestrians.create([0.0], [0.0], target=1), 0.0, DT
        )
