"""The two operational models of the pedestrian step: constants and velocity rules (numba).

The collision-free speed model (Tordeux, Chraibi & Seyfried 2016, as JuPedSim 1.4.2 implements
it) and the social force model (Helbing, Farkas & Vicsek 2000, optional field of view of
Helbing & Molnár 1995): their scenario-facing constants (:class:`CsmParameters`,
:class:`SfmParameters`), the vectorisable exponential the sums over neighbours use, and the
velocity of one pedestrian from the neighbour buffer that :mod:`models.crowds.cell_list`
fills. The equations, the published values and what each choice does are explained in the
module docstring of :mod:`models.crowds.kernels`, which runs the step.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic
from pydantic import BaseModel, ConfigDict, Field

from models.crowds.cell_list import _D, _DX, _DY, _L, _nearest_on_segment

__all__ = ["SFM_FIELD_OF_VIEW", "CsmParameters", "SfmParameters", "fast_exp"]

#: Below this speed the social force model's field of view centres on the desired direction.
VIEW_MIN_SPEED_M_S = 0.05


class CsmParameters(BaseModel):
    """Collision-free speed model constants (JuPedSim 1.4.2 defaults)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strength_neighbour_repulsion: float = Field(8.0, ge=0, description="a: neighbour repulsion strength")
    range_neighbour_repulsion_m: float = Field(0.1, gt=0, description="D: neighbour repulsion range")
    strength_wall_repulsion: float = Field(5.0, ge=0, description="a_w: wall repulsion strength")
    range_wall_repulsion_m: float = Field(0.02, gt=0, description="D_w: wall repulsion range")
    cutoff_m: float = Field(3.0, gt=0, description="neighbours farther than this are ignored")

    def vector(self) -> np.ndarray:
        """The constants in the order the kernel reads them."""
        a, d = self.strength_neighbour_repulsion, self.range_neighbour_repulsion_m
        return np.array([self.cutoff_m, a, d, self.strength_wall_repulsion, self.range_wall_repulsion_m, 0.0])


class SfmParameters(BaseModel):
    """Social force model constants (Helbing, Farkas & Vicsek 2000; optional field of view).

    ``outside_view_weight = 1`` (default) is HFV 2000; :data:`SFM_FIELD_OF_VIEW` is the
    field-of-view variant the crowd tests run (see :mod:`models.crowds.kernels`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mass_kg: float = Field(80.0, gt=0, description="m: body mass")
    social_strength_n: float = Field(2000.0, ge=0, description="A: social repulsion strength")
    social_range_m: float = Field(0.08, gt=0, description="B: social repulsion range")
    body_stiffness_kg_s2: float = Field(1.2e5, ge=0, description="k: body compression coefficient")
    friction_kg_m_s: float = Field(2.4e5, ge=0, description="κ: sliding friction coefficient")
    cutoff_m: float = Field(3.0, gt=0, description="neighbours farther than this are ignored")
    view_angle_deg: float = Field(
        200.0, gt=0, le=360, description="2φ: field of view about the walking direction (H. & M. 1995)"
    )
    outside_view_weight: float = Field(
        1.0, ge=0, le=1, description="c: weight of the social force from neighbours outside the view"
    )

    def vector(self) -> np.ndarray:
        """The constants in the order the kernel reads them."""
        a, b, k, kappa = (
            self.social_strength_n,
            self.social_range_m,
            self.body_stiffness_kg_s2,
            self.friction_kg_m_s,
        )
        cos_view = math.cos(math.radians(self.view_angle_deg / 2))
        return np.array([self.cutoff_m, self.mass_kg, a, b, k, kappa, cos_view, self.outside_view_weight])


#: The social force model with Helbing & Molnár's (1995) field of view: 2φ = 200°, social push
#: from outside it weighed by c = 0.75 (chosen here: the RiMEA 12 and 13 behaviours appear for
#: c <= 0.75, the crowd still presses 1.4 persons/s through a 1 m door; c = 0.5 stops RiMEA 10's
#: standoff too but lets only 0.86 persons/s through that door).
SFM_FIELD_OF_VIEW = SfmParameters(outside_view_weight=0.75)


# --- vectorisable exponential -----------------------------------------------------------------

#: Reassociation lets LLVM vectorise the sums over neighbours; no ``nnan``/``ninf``, so NaN and
#: infinity keep their meaning (the sums' order, hence their last bits, may change).
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two (Cody & Waite 1980), fdlibm's constants
_LN2_LO = 1.90821492927058770002e-10
_EXP_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(14))


@intrinsic
def _reinterpret(typingctx, x):  # pragma: no cover - compiled
    """The same 64 bits as the other type: ``float64`` ↔ ``int64`` (an LLVM bitcast)."""
    other = {types.float64: types.int64, types.int64: types.float64}.get(x)
    if other is None:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(other))

    return other(x), codegen


_LOW63 = 0x7FFFFFFFFFFFFFFF
_INF_KEY = 0x7FF0000000000000  # the bits of +inf


@numba.njit(cache=True, error_model="numpy")
def _ordered_key(x):  # pragma: no cover - compiled
    """An ``int64`` that orders as the float ``x`` does (exact): minima over keys vectorise."""
    b = _reinterpret(x)
    return b ^ ((b >> 63) & _LOW63)


@numba.njit(cache=True, error_model="numpy")
def _from_ordered_key(k):  # pragma: no cover - compiled
    return _reinterpret(k ^ ((k >> 63) & _LOW63))


@numba.njit(cache=True, fastmath={"contract"}, error_model="numpy")
def fast_exp(x):  # pragma: no cover - compiled
    """``exp(x)`` within about 1 ulp for ``|x| <= 700`` (clamped outside), in a form LLVM vectorises.

    ``x = n ln 2 + r`` with ``|r| <= ln(2)/2`` (Cody & Waite reduction), ``e^r`` by its Taylor
    polynomial of degree 13 (truncation error below 1e-17), ``2^n`` written into the exponent
    bits.
    """
    x = min(max(x, -700.0), 700.0)
    n = math.floor(x * _LOG2E + 0.5)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    c = _EXP_TAYLOR
    p = c[13]
    for j in range(12, -1, -1):
        p = p * r + c[j]
    return p * _reinterpret((np.int64(n) + 1023) << 52)


# --- operational models -----------------------------------------------------------------------


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _csm_direction(nb, n, e0x, e0y, a, inv_range):  # pragma: no cover - compiled
    """``e0 + Σ_j −a exp((l − d)/D) u_ij`` (not normalised); keeps each ``d`` in ``nb``. SIMD loop."""
    dx_, dy_, l_, d_ = nb[_DX], nb[_DY], nb[_L], nb[_D]
    rx, ry = e0x, e0y
    for j in range(n):
        d2 = dx_[j] * dx_[j] + dy_[j] * dy_[j]
        d = math.sqrt(d2)
        d_[j] = d
        w = a * fast_exp((l_[j] - d) * inv_range) / d
        w = w if d2 > 0.0 else 0.0
        rx -= w * dx_[j]
        ry -= w * dy_[j]
    return rx, ry


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _csm_spacing(nb, n, ex, ey):  # pragma: no cover - compiled
    """Smallest ``d − l`` over neighbours ahead (``e·Δx >= 0``) in the corridor ``|e × Δx| <= l``.

    ``inf`` if none. The minimum runs over integer keys of the floats (exact), which LLVM
    vectorises; a float minimum it would not (without assuming no NaN).
    """
    dx_, dy_, l_, d_ = nb[_DX], nb[_DY], nb[_L], nb[_D]
    s = _INF_KEY
    for j in range(n):
        dx, dy, l_ij = dx_[j], dy_[j], l_[j]
        ahead = (ex * dx + ey * dy >= 0.0) & (abs(ex * dy - ey * dx) <= l_ij)
        s = min(s, _ordered_key(d_[j] - l_ij) if ahead else _INF_KEY)
    return _from_ordered_key(s)


@numba.njit(cache=True, error_model="numpy")
def _csm_velocity(xi, yi, ri, e0x, e0y, v0, gap_s, nb, n, walls, near, nw, params):  # pragma: no cover
    """Collision-free speed model velocity from the visible neighbours in ``nb``."""
    ex, ey = _csm_direction(nb, n, e0x, e0y, params[1], 1.0 / params[2])
    for q in range(nw):
        px, py = _nearest_on_segment(walls, near[q], xi, yi)
        dx, dy = px - xi, py - yi
        d = math.sqrt(dx * dx + dy * dy)
        if d > 0.0:
            w = params[3] * math.exp((ri - d) / params[4]) / d
            ex -= w * dx
            ey -= w * dy
    norm = math.sqrt(ex * ex + ey * ey)
    ex, ey = (ex / norm, ey / norm) if norm > 0.0 else (e0x, e0y)
    speed = min(v0, max(0.0, _csm_spacing(nb, n, ex, ey) / gap_s))
    return ex * speed, ey * speed


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _sfm_neighbour_force(nb, idx, n, svx, svy, a, inv_b, kb, kf, hx, hy, cos_view, c_out):  # pragma: no cover
    """Neighbour forces of Helbing, Farkas & Vicsek (2000) eq. 2 over ``nb``, friction split.

    Returns the normal forces plus the friction's part in the neighbours' velocities,
    ``Σ [w A e^{(l−d)/B} + k g] n + κ g (v_j · t) t`` (``w`` the field-of-view weight about
    the heading ``h``), and the friction matrix ``C = Σ κ g t tᵀ`` that multiplies the agent's
    own velocity (``−C v_i``). SIMD loop.
    """
    dx_, dy_, l_ = nb[_DX], nb[_DY], nb[_L]
    fx = fy = cxx = cxy = cyy = 0.0
    for j in range(n):
        d2 = dx_[j] * dx_[j] + dy_[j] * dy_[j]
        d = math.sqrt(d2)
        tx, ty = dy_[j] / d, -dx_[j] / d  # t = (−n_y, n_x), n = (x_i − x_j)/d
        overlap = l_[j] - d
        c = kf * max(overlap, 0.0)
        seen = dx_[j] * hx + dy_[j] * hy >= cos_view * d  # inside the field of view about h
        f = a * fast_exp(overlap * inv_b) * (1.0 if seen else c_out) + kb * max(overlap, 0.0)
        vt = c * (svx[idx[j]] * tx + svy[idx[j]] * ty)
        real = d2 > 0.0
        fx += (-f * dx_[j] / d + vt * tx) if real else 0.0
        fy += (-f * dy_[j] / d + vt * ty) if real else 0.0
        cxx += c * tx * tx if real else 0.0
        cxy += c * tx * ty if real else 0.0
        cyy += c * ty * ty if real else 0.0
    return fx, fy, cxx, cxy, cyy


@numba.njit(cache=True, error_model="numpy")
def _seen_before(px, py, q, walls, near, xi, yi):  # pragma: no cover - compiled
    """Whether an earlier wall in ``near`` has the same nearest point (a corner two segments share)."""
    for r in range(q):
        ox, oy = _nearest_on_segment(walls, near[r], xi, yi)
        if abs(ox - px) + abs(oy - py) <= 1e-9:
            return True
    return False


@numba.njit(cache=True, error_model="numpy")
def _sfm_velocity(
    k, e0x, e0y, v0, tau, dt, sr, svx, svy, nb, idx, n, walls, near, nw, xi, yi, params
):  # pragma: no cover
    """Social force model velocity of sorted pedestrian ``k`` after one step.

    Semi-implicit Euler: the sliding friction, linear in the agent's own velocity, is taken at
    the new velocity (a 2 × 2 solve), everything else at the old state. A wall point counts
    once: at a convex corner, the nearest point of both segments that meet there, HFV's wall
    (one body, one nearest point) pushes once, not twice. An explicit friction
    step diverges once ``κ g Δt / m > 2`` (overlap ``g`` above 6.7 cm with a wall, 3.3 cm between
    two agents, at Δt = 0.01 s); implicit, it only ever brakes the sliding.
    """
    mass, a, b, kb, kf = params[1], params[2], params[3], params[4], params[5]
    ri, vxi, vyi = sr[k], svx[k], svy[k]
    speed = math.sqrt(vxi * vxi + vyi * vyi)
    if speed >= VIEW_MIN_SPEED_M_S:  # the view looks where the agent walks (Johansson et al. 2007)
        hx, hy = vxi / speed, vyi / speed
    else:  # at rest: where it wants to go
        hx, hy = e0x, e0y
    fx, fy, cxx, cxy, cyy = _sfm_neighbour_force(
        nb, idx, n, svx, svy, a, 1.0 / b, kb, kf, hx, hy, params[6], params[7]
    )
    for q in range(nw):
        px, py = _nearest_on_segment(walls, near[q], xi, yi)
        dx, dy = xi - px, yi - py
        d = math.sqrt(dx * dx + dy * dy)
        if d == 0.0 or _seen_before(px, py, q, walls, near, xi, yi):
            continue
        nx, ny = dx / d, dy / d
        touch = max(ri - d, 0.0)
        f = a * math.exp((ri - d) / b) + kb * touch
        fx += f * nx
        fy += f * ny
        c = kf * touch  # wall friction −κ g (v_i · t) t, t = (−n_y, n_x)
        cxx += c * ny * ny
        cxy -= c * nx * ny
        cyy += c * nx * nx
    rx = vxi + dt * ((v0 * e0x - vxi) / tau + fx / mass)
    ry = vyi + dt * ((v0 * e0y - vyi) / tau + fy / mass)
    h = dt / mass  # (I + h C) v_new = r
    mxx, mxy, myy = 1.0 + h * cxx, h * cxy, 1.0 + h * cyy
    det = mxx * myy - mxy * mxy
    return (myy * rx - mxy * ry) / det, (mxx * ry - mxy * rx) / det
