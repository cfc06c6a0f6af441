"""Breach of a barrier lake's dam: Froehlich's (1995a, 2008) regressions and the outflow models.

Holds the published coefficients, Froehlich's peak outflow and breach parameters, the
critical-flow discharge of a trapezoidal breach, the two breach models started at overtopping
(:func:`simulate_weir_breach`, the parametric breach with weir outflow integrated by RK4 on
the lake volume, and :func:`triangular_breach`, Froehlich 1995a's peak as a triangular
hydrograph) and :func:`thin_hydrograph` for the event's data. The lake level comes from a
:class:`~models.hazards.barrier_lake_storage.LakeStorage`. The equations, and why these
embankment-dam regressions are a conservative default for landslide dams, are explained in
:mod:`models.hazards.barrier_lake`.

Sources
-------
* Froehlich, D.C. (2008) Embankment dam breach parameters and their uncertainties, J. Hydraul.
  Eng. 134(12):1708-1721, doi:10.1061/(ASCE)0733-9429(2008)134:12(1708). The three equations
  and k_o, z (as in :mod:`models.hazards.barrier_lake`) were seen alike in several public
  implementations (e.g. the repository mstphayassin/EEDBCTool, ``components/eqnList.ts``), not
  checked against the paper's text.
* Froehlich, D.C. (1995a) Peak outflow from breached embankment dam, J. Water Resour. Plann.
  Manage. 121(1):90-97: ``0.607 Vw^0.295 Hw^1.24`` seen in the same file, which lists a
  standard deviation of 0.48 for its (logarithmic) error; Wahl (2004, J. Hydraul. Eng.
  130(5):389-397) gives about ±0.3 log cycles [recalled]: a factor of about 2.
* Fread, D.L. (1988) BREACH: an erosion model for earthen dam failures, NWS (trapezoid weir as
  the sum of rectangular and triangular parts) [recalled]; critical-flow coefficients derived
  from the minimum specific energy (Henderson 1966, Open Channel Flow, ch. 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.hazards.barrier_lake_storage import LakeStorage

__all__ = [
    "FROEHLICH_1995_PEAK",
    "FROEHLICH_2008_OVERTOPPING",
    "FROEHLICH_2008_PIPING",
    "RECTANGULAR_WEIR_COEFF",
    "TRIANGULAR_WEIR_COEFF",
    "BreachHydrograph",
    "BreachParameters",
    "breach_parameters",
    "froehlich_1995_peak_outflow_m3_s",
    "froehlich_2008_breach",
    "simulate_weir_breach",
    "thin_hydrograph",
    "triangular_breach",
    "weir_outflow_m3_s",
]

#: Gravitational acceleration (the flood model's value).
G = 9.81
#: Froehlich (1995a): ``Qp = a Vw^b Hw^c`` (m³/s, m³, m).
FROEHLICH_1995_PEAK = (0.607, 0.295, 1.24)
#: Froehlich (2008) ``(k_o, side slope z H:V)`` for overtopping and piping failures.
FROEHLICH_2008_OVERTOPPING = (1.3, 1.0)
FROEHLICH_2008_PIPING = (1.0, 0.7)
#: Critical flow through a rectangle of width b under head H: Q = (2/3)^1.5 √g b H^1.5.
RECTANGULAR_WEIR_COEFF = (2.0 / 3.0) ** 1.5 * math.sqrt(G)
#: Critical flow through a V of side slopes z (H:V) under head H: Q = 0.8^2.5 √(g/2) z H^2.5.
TRIANGULAR_WEIR_COEFF = 0.8**2.5 * math.sqrt(G / 2.0)


def froehlich_1995_peak_outflow_m3_s(volume_m3: float, head_m: float) -> float:
    """Froehlich (1995a) peak breach outflow ``0.607 Vw^0.295 Hw^1.24`` (SI).

    Examples
    --------
    >>> round(froehlich_1995_peak_outflow_m3_s(1.0e6, 10.0), 1)
    621.1
    """
    a, b, c = FROEHLICH_1995_PEAK
    return a * max(volume_m3, 0.0) ** b * max(head_m, 0.0) ** c


def froehlich_2008_breach(
    volume_m3: float, height_m: float, failure_mode: Literal["overtopping", "piping"] = "overtopping"
) -> tuple[float, float, float]:
    """Froehlich (2008) ``(average width m, side slope H:V, formation time s)``.

    Examples
    --------
    >>> w, z, tf = froehlich_2008_breach(1.0e6, 10.0)
    >>> round(w, 1), z, round(tf)
    (32.0, 1.0, 2018)
    """
    ko, slope = FROEHLICH_2008_OVERTOPPING if failure_mode == "overtopping" else FROEHLICH_2008_PIPING
    width = 0.27 * ko * volume_m3**0.32 * height_m**0.04
    return width, slope, 63.2 * math.sqrt(volume_m3 / (G * height_m * height_m))


def weir_outflow_m3_s(head_m: float, bottom_width_m: float, side_slope: float) -> float:
    """Critical-flow discharge of a trapezoidal breach: rectangular plus triangular parts.

    Examples
    --------
    >>> round(weir_outflow_m3_s(2.0, 10.0, 0.0), 2), round(weir_outflow_m3_s(2.0, 0.0, 1.0), 3)
    (48.22, 7.172)
    """
    if head_m <= 0.0:
        return 0.0
    return (
        RECTANGULAR_WEIR_COEFF * bottom_width_m + TRIANGULAR_WEIR_COEFF * side_slope * head_m
    ) * head_m**1.5


@dataclass(frozen=True)
class BreachParameters:
    """A trapezoidal breach from ``top_m`` down to ``bottom_m`` formed in ``formation_time_s``."""

    top_m: float
    bottom_m: float
    volume_m3: float
    average_width_m: float
    bottom_width_m: float
    side_slope: float
    formation_time_s: float

    @property
    def depth_m(self) -> float:
        """Breach height ``hb``."""
        return self.top_m - self.bottom_m


def breach_parameters(
    storage: LakeStorage,
    top_m: float,
    bottom_m: float,
    *,
    formation_time_s: float | None = None,
    average_width_m: float | None = None,
) -> BreachParameters:
    """Froehlich (2008) overtopping breach of the lake, with optional overrides.

    ``Vw`` is the lake volume between the breach bottom and ``top_m``; the bottom width is
    ``B_avg − z hb`` (0 if negative: a V-shaped breach).
    """
    if not bottom_m < top_m:
        raise ValueError(f"breach bottom {bottom_m} m must lie below its top {top_m} m")
    depth = top_m - bottom_m
    volume = storage.volume_at(top_m) - storage.volume_at(bottom_m)
    width, slope, tf = froehlich_2008_breach(max(volume, 1.0), depth)
    width = average_width_m if average_width_m is not None else width
    tf = max(formation_time_s if formation_time_s is not None else tf, 1.0)
    return BreachParameters(top_m, bottom_m, volume, width, max(width - slope * depth, 0.0), slope, tf)


@dataclass(frozen=True)
class BreachHydrograph:
    """Outflow and lake state from the breach's start (``t_s = 0``).

    ``released_volume_m3`` is the integral of the outflow as the scheme computed it, so that
    ``volume_m3[0] − volume_m3[-1] + net inflow × t_s[-1] = released_volume_m3`` to rounding.
    """

    model: str
    t_s: np.ndarray
    outflow_m3_s: np.ndarray
    volume_m3: np.ndarray
    level_m: np.ndarray
    released_volume_m3: float

    @property
    def peak_outflow_m3_s(self) -> float:
        """Largest outflow."""
        return float(self.outflow_m3_s.max())

    @property
    def time_to_peak_s(self) -> float:
        """Time of the largest outflow after the breach started."""
        return float(self.t_s[int(np.argmax(self.outflow_m3_s))])


def _equilibrium_volume(storage: LakeStorage, p: BreachParameters, q_in: float) -> float:
    """Lake volume at which the finished breach passes exactly ``q_in``."""
    if q_in <= 0.0:
        return storage.volume_at(p.bottom_m)
    if p.bottom_width_m <= 0.0 and p.side_slope <= 0.0:
        return math.inf
    lo, hi = 0.0, 1.0
    while weir_outflow_m3_s(hi, p.bottom_width_m, p.side_slope) < q_in:
        hi *= 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if weir_outflow_m3_s(mid, p.bottom_width_m, p.side_slope) < q_in else (lo, mid)
    return storage.volume_at(p.bottom_m + hi)


def simulate_weir_breach(
    storage: LakeStorage,
    params: BreachParameters,
    *,
    net_inflow_m3_s: float = 0.0,
    steps_per_formation: int = 400,
    drain_tolerance: float = 1e-3,
    max_duration_factor: float = 100.0,
) -> BreachHydrograph:
    """Parametric breach growing linearly over ``tf``, weir outflow, lake level from ``storage``.

    RK4 on the lake volume: ``tf / steps_per_formation`` during formation, then steps of 1 % of
    the elapsed time. Ends after ``tf`` once the volume above the equilibrium with the inflow is
    below ``drain_tolerance`` of its start, or at ``max_duration_factor × tf``.
    """
    top, depth, tf = params.top_m, params.depth_m, params.formation_time_s
    b, z = params.bottom_width_m, params.side_slope
    q_in = max(net_inflow_m3_s, 0.0)

    def outflow(volume: float, t: float) -> float:
        f = min(t / tf, 1.0)
        return weir_outflow_m3_s(storage.level_at(volume) - (top - depth * f), b * f, z)

    v0 = storage.volume_at(top)
    v_eq = min(_equilibrium_volume(storage, params, q_in), v0)
    h0 = tf / steps_per_formation
    t, v, released = 0.0, v0, 0.0
    ts, qs, vs = [0.0], [outflow(v0, 0.0)], [v0]
    while True:
        h = h0 if t < tf else max(h0, 0.01 * t)
        if t < tf:
            h = min(h, tf - t)
        q1 = outflow(v, t)
        q2 = outflow(v + 0.5 * h * (q_in - q1), t + 0.5 * h)
        q3 = outflow(v + 0.5 * h * (q_in - q2), t + 0.5 * h)
        q4 = outflow(v + h * (q_in - q3), t + h)
        q_bar = (q1 + 2.0 * q2 + 2.0 * q3 + q4) / 6.0
        v += h * (q_in - q_bar)
        released += h * q_bar
        t = tf if abs(t + h - tf) < 1e-9 * tf else t + h
        ts.append(t)
        qs.append(outflow(v, t))
        vs.append(v)
        if t >= tf and (v - v_eq <= drain_tolerance * (v0 - v_eq) or t >= max_duration_factor * tf):
            break
    vol = np.array(vs)
    level = np.array([storage.level_at(x) for x in vs])
    return BreachHydrograph("froehlich2008_weir", np.array(ts), np.array(qs), vol, level, released)


def triangular_breach(
    storage: LakeStorage, params: BreachParameters, *, net_inflow_m3_s: float = 0.0, samples: int = 201
) -> BreachHydrograph:
    """Froehlich (1995a) peak as a triangle releasing ``Vw`` over the base flow, peak at ``tf``.

    The base time is ``2 Vw / (Qp − Q_base)``; the peak comes at ``tf`` or half the base time,
    whichever is earlier.
    """
    q_in = max(net_inflow_m3_s, 0.0)
    vw = max(params.volume_m3, 0.0)
    amp = max(froehlich_1995_peak_outflow_m3_s(vw, params.depth_m) - q_in, 0.0)
    base = 2.0 * vw / amp if amp > 0.0 else params.formation_time_s
    t_peak = min(params.formation_time_s, 0.5 * base)
    t = np.union1d(np.linspace(0.0, base, samples), [t_peak])
    extra = np.interp(t, [0.0, t_peak, base], [0.0, amp, 0.0])
    released_extra = np.concatenate(([0.0], np.cumsum(0.5 * (extra[1:] + extra[:-1]) * np.diff(t))))
    vol = storage.volume_at(params.top_m) - released_extra
    level = np.array([storage.level_at(x) for x in vol])
    released = float(released_extra[-1] + q_in * t[-1])
    return BreachHydrograph("froehlich1995_triangle", t, extra + q_in, vol, level, released)


def thin_hydrograph(
    t_s: np.ndarray, q_m3_s: np.ndarray, max_points: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` samples: half even in time, half even in released volume, the peak.

    Examples
    --------
    >>> t = np.linspace(0.0, 100.0, 1001); q = np.interp(t, [0, 20, 100], [0, 50, 0])
    >>> tt, qq = thin_hydrograph(t, q, 50)
    >>> len(tt) <= 50, float(qq.max())
    (True, 50.0)
    """
    if t_s.size <= max_points:
        return t_s.copy(), q_m3_s.copy()
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (q_m3_s[1:] + q_m3_s[:-1]) * np.diff(t_s))))
    n_t = (max_points - 3) // 2
    by_time = np.searchsorted(t_s, np.linspace(t_s[0], t_s[-1], n_t))
    by_volume = np.searchsorted(cum, np.linspace(0.0, cum[-1], max_points - 3 - n_t))
    idx = np.unique(np.concatenate((by_time, by_volume, [0, int(np.argmax(q_m3_s)), t_s.size - 1])))
    idx = idx[idx < t_s.size]
    return t_s[idx], q_m3_s[idx]
