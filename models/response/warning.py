"""How fast a warning reaches people: official channels, word of mouth, time of day, infrastructure.

**Basis.** Rogers & Sorensen (1991, "Diffusion of emergency warning: comparing empirical and
simulation results", Oak Ridge National Laboratory, CONF-8810249-1) model the share of people
warned over time by a logistic function per warning system, each system constrained by its
judged *maximum penetration* in each kind of location and by the likelihood of people being in
those places at the time of day. Their later work (Rogers & Sorensen 1988, 1989; Sorensen 2000,
*Natural Hazards Review* 1(2):119–125) separates two processes: the **official broadcast** from
authorities through channels, and the **informal contagion** from people already warned. This
module keeps that structure:

* Each official channel ``c`` starts ``delay_s`` after the decision to warn and reaches, among the
  people it can reach at all (its penetration ``M_c``), a constant share per unit time ``k_c``::

      P_c(t) = M_c (1 - exp(-k_c (t - issue - delay_c)))     for t > issue + delay_c

  ``M_c`` depends on the hour (asleep at night: sirens and media reach fewer, a cell broadcast
  still rings) and on the infrastructure of each cell: a channel that needs power or telecom
  keeps only its ``backup_share`` of penetration where that service is down.
* Channels act independently, so the official share is ``F_off = 1 - prod_c (1 - P_c)``, and
  its hazard rate is ``g(t) = sum_c P_c'(t) / (1 - P_c(t))``.
* Word of mouth adds the imitation term of Bass's (1969) diffusion model: the unwarned learn
  from the warned at rate ``q F`` (``q`` = ``word_of_mouth_per_s``, reduced to
  ``face_to_face_share`` where telecom is down)::

      dF/dt = (g(t) + q F) (1 - F)

  With one channel of full penetration (``g = p``) this is exactly Bass's equation, whose
  solution ``F = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` is the test of the integrator
  (classical RK4, vectorised over cells); with ``q = 0`` it returns ``F_off`` exactly.

The channel numbers in :data:`DEFAULT_CHANNELS` (delays, rates, penetrations) are assumptions of
the right order for a modern system, not values from the papers: the papers give the model's
form, not numbers that could be checked here. The target of the national plan is a warning that
reaches 90 % of people (:func:`time_to_share`).

Examples
--------
>>> ch = (Channel("siren", delay_s=0.0, rate_per_s=1e-3, reach_day=1.0, reach_night=1.0),)
>>> t = np.array([0.0, 693.147])
>>> np.round(warned_share(t, ch, hour_of_day=12.0), 4).tolist()
[[0.0], [0.5]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CHANNEL_NAMES",
    "DEFAULT_CHANNELS",
    "Channel",
    "bass_share",
    "channel_penetration",
    "official_share",
    "time_to_share",
    "warned_share",
]

CHANNEL_NAMES = ("cell_broadcast", "siren", "broadcast_media", "door_to_door")


@dataclass(frozen=True)
class Channel:
    """One official warning channel.

    Parameters
    ----------
    name
        Label.
    delay_s
        From the decision to warn to the channel's first message.
    rate_per_s
        Share of the not-yet-reached penetrable people reached per second.
    reach_day, reach_night
        Maximum penetration (0–1) by day and by night (22:00–06:00).
    needs_power, needs_telecom
        Whether the channel fails without power or telecom in a cell.
    backup_share
        Share of penetration kept where a needed service is down (battery sirens, radios).
    """

    name: str
    delay_s: float
    rate_per_s: float
    reach_day: float
    reach_night: float
    needs_power: bool = False
    needs_telecom: bool = False
    backup_share: float = 0.0

    def __post_init__(self) -> None:
        for key in ("reach_day", "reach_night", "backup_share"):
            v = getattr(self, key)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"channel {self.name!r}: {key} must be in [0, 1], got {v}")
        if self.rate_per_s < 0 or self.delay_s < 0:
            raise ValueError(f"channel {self.name!r}: rate_per_s and delay_s must be >= 0")


DEFAULT_CHANNELS: tuple[Channel, ...] = (
    Channel("cell_broadcast", 300.0, 1.0 / 60.0, 0.85, 0.75, needs_power=False, needs_telecom=True),
    Channel("siren", 120.0, 1.0 / 120.0, 0.70, 0.40, needs_power=True, backup_share=0.5),
    Channel("broadcast_media", 600.0, 1.0 / 900.0, 0.60, 0.15, needs_power=True, backup_share=0.2),
    Channel("door_to_door", 900.0, 1.0 / 3600.0, 0.90, 0.90),
)
"""Assumed channel parameters (see the module text); scenarios set their own."""

DEFAULT_WORD_OF_MOUTH_PER_S = 1.0 / 1800.0
DEFAULT_FACE_TO_FACE_SHARE = 0.3


def _is_night(hour_of_day: float) -> bool:
    h = float(hour_of_day) % 24.0
    return h >= 22.0 or h < 6.0


def channel_penetration(channel: Channel, hour_of_day: float, power_up, telecom_up) -> np.ndarray:
    """Maximum penetration of one channel in each cell at this hour and infrastructure state.

    Examples
    --------
    >>> siren = DEFAULT_CHANNELS[1]
    >>> channel_penetration(siren, 3.0, [True, False], [True, True]).tolist()
    [0.4, 0.2]
    """
    base = channel.reach_night if _is_night(hour_of_day) else channel.reach_day
    power = np.asarray(power_up, dtype=bool)
    telecom = np.asarray(telecom_up, dtype=bool)
    ok = np.ones(np.broadcast(power, telecom).shape, dtype=bool)
    if channel.needs_power:
        ok &= power
    if channel.needs_telecom:
        ok &= telecom
    return np.where(ok, base, base * channel.backup_share)


def _channel_terms(t_rel, channel, m):
    """``P_c`` and ``P_c'`` at times ``t_rel`` (since issue) for penetrations ``m`` (cells)."""
    tau = np.maximum(t_rel - channel.delay_s, 0.0)[..., None]
    e = np.exp(-channel.rate_per_s * tau)
    started = (t_rel > channel.delay_s)[..., None]
    p = m * (1.0 - e)
    dp = np.where(started, m * channel.rate_per_s * e, 0.0)
    return p, dp


def official_share(t_s, channels, *, issue_s=0.0, hour_of_day=12.0, power_up=True, telecom_up=True):
    """Share warned by the official channels alone, ``(n_times, n_cells)``: ``1 - prod (1 - P_c)``."""
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64)) - issue_s
    cells = np.broadcast(np.atleast_1d(power_up), np.atleast_1d(telecom_up)).shape
    unreached = np.ones((t.size, *cells))
    for ch in channels:
        p, _ = _channel_terms(t, ch, channel_penetration(ch, hour_of_day, power_up, telecom_up))
        unreached *= 1.0 - p
    return 1.0 - unreached


def _hazard(t_rel: float, channels, pens, *, right: bool) -> np.ndarray:
    """``g = sum_c P_c' / (1 - P_c)`` at one time; ``right`` picks the limit from above at a channel start.

    ``1 - P_c = (1 - M_c) + M_c e`` is formed without cancellation, so ``g`` stays finite.
    """
    g = 0.0
    for ch, m in zip(channels, pens, strict=True):
        tau = t_rel - ch.delay_s
        if tau < 0.0 or (tau == 0.0 and not right):
            continue
        e = np.exp(-ch.rate_per_s * tau)
        g = g + m * ch.rate_per_s * e / ((1.0 - m) + m * e)
    return np.asarray(g)


def warned_share(
    t_s,
    channels=DEFAULT_CHANNELS,
    *,
    issue_s: float = 0.0,
    hour_of_day: float = 12.0,
    power_up=True,
    telecom_up=True,
    word_of_mouth_per_s: float = 0.0,
    face_to_face_share: float = DEFAULT_FACE_TO_FACE_SHARE,
    max_step_s: float = 10.0,
) -> np.ndarray:
    """Share of people warned at each time in each cell, ``(n_times, n_cells)``.

    Parameters
    ----------
    t_s
        Increasing output times (s, same clock as ``issue_s``).
    channels
        Official channels.
    issue_s
        When the decision to warn was taken.
    hour_of_day
        Local hour at issue (night is 22:00–06:00).
    power_up, telecom_up
        Per cell (or scalar) whether power and telecom work.
    word_of_mouth_per_s
        Bass imitation coefficient ``q``; ``0`` for official channels only (exact, no integration).
    face_to_face_share
        Share of ``q`` left where telecom is down.
    max_step_s
        Largest RK4 step of the word-of-mouth integration.
    """
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
    if t.size > 1 and np.any(np.diff(t) < 0):
        raise ValueError("t_s must be increasing")
    if word_of_mouth_per_s == 0.0:
        return official_share(
            t, channels, issue_s=issue_s, hour_of_day=hour_of_day, power_up=power_up, telecom_up=telecom_up
        )
    cells = np.broadcast(np.atleast_1d(power_up), np.atleast_1d(telecom_up)).shape
    pens = [channel_penetration(ch, hour_of_day, power_up, telecom_up) * np.ones(cells) for ch in channels]
    q = word_of_mouth_per_s * np.where(
        np.broadcast_to(np.asarray(telecom_up, bool), cells), 1.0, face_to_face_share
    )

    def rhs(tr, f, right=True):
        return (_hazard(tr, channels, pens, right=right) + q * f) * (1.0 - f)

    out = np.zeros((t.size, *cells))
    f = np.zeros(cells)
    tr = 0.0  # time since issue; nobody is warned before it
    for k, target in enumerate(t - issue_s):
        while tr < target:
            nxt = min(target, tr + max_step_s)
            kinks = [ch.delay_s for ch in channels if tr < ch.delay_s < nxt]
            if kinks:  # land on each channel's start, where its rate jumps
                nxt = min(kinks)
            h = nxt - tr
            k1 = rhs(tr, f)
            k2 = rhs(tr + h / 2, f + h / 2 * k1)
            k3 = rhs(tr + h / 2, f + h / 2 * k2)
            k4 = rhs(nxt, f + h * k3, right=False)  # a step ends at a channel start, never past it
            f = np.clip(f + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), 0.0, 1.0)
            tr = nxt
        out[k] = f
    return out


def bass_share(t_s, p: float, q: float) -> np.ndarray:
    """Bass (1969) cumulative share ``(1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` (``t < 0``: 0).

    Examples
    --------
    >>> float(np.round(bass_share(1000.0, 1e-3, 0.0), 6))
    0.632121
    """
    t = np.maximum(np.asarray(t_s, dtype=np.float64), 0.0)
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def time_to_share(t_s, share, target: float = 0.9, weights=None) -> tuple[float, np.ndarray]:
    """When ``target`` of the people are warned: overall (people-weighted) and per cell.

    Linear interpolation between output times; ``inf`` where the target is never reached
    within ``t_s``.

    Parameters
    ----------
    t_s
        Output times ``(n_times,)``.
    share
        ``(n_times, n_cells)`` from :func:`warned_share`.
    target
        Share to reach (the national plan: 0.9).
    weights
        People per cell for the overall time (default equal).

    Examples
    --------
    >>> t = np.array([0.0, 10.0, 20.0])
    >>> overall, per_cell = time_to_share(t, np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 1.0]]))
    >>> overall, per_cell.tolist()
    (16.0, [18.0, 9.0])
    """
    t = np.asarray(t_s, dtype=np.float64)
    s = np.asarray(share, dtype=np.float64)
    if s.ndim == 1:
        s = s[:, None]
    w = np.ones(s.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    overall = s @ w / w.sum()

    def cross(col):
        hit = np.flatnonzero(col >= target)
        if hit.size == 0:
            return np.inf
        k = hit[0]
        if k == 0:
            return float(t[0])
        return float(t[k - 1] + (target - col[k - 1]) / (col[k] - col[k - 1]) * (t[k] - t[k - 1]))

    per_cell = np.array([cross(s[:, c]) for c in range(s.shape[1])])
    return cross(overall), per_cell
