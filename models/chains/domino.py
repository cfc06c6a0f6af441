"""Domino escalation between process units: equipment damage probits and a Monte Carlo of sequences.

A loss of containment at a *source* unit ``i`` exposes every other unit ``j`` to a heat flux
``I_ij`` (kW/m²) and a peak static overpressure ``P_ij`` (Pa). The *target* fails (secondary
event) with the probability of an equipment-specific probit, ``P = Φ(Y − 5)``, and its own loss of
containment then exposes the remaining units, and so on.

Equipment category codes: ``0`` atmospheric vessels, ``1`` pressurised vessels, ``2`` elongated
equipment (columns, long horizontal vessels), ``3`` auxiliary / small equipment (pumps, ...).

Models
------
* Overpressure: ``Y = a + b·ln(P/Pa)`` per category (Cozzani & Salzano 2004, J. Hazard. Mater.
  A107:67-80; ``OVERPRESSURE_PROBITS``).
* Heat: time to failure ``ln(ttf/s) = s·ln(I/kW m⁻²) + c(V/m³)`` of atmospheric and pressurised
  vessels (Cozzani et al. 2005, J. Hazard. Mater. A127:14-30; ``TTF_COEFFICIENTS``), then
  ``Y = k1 − k2·ln(ttf/min)``: Cozzani et al. 2005 (default) or Landucci et al. 2009 (Accid. Anal.
  Prev. 41:1206-1215; ``HEAT_TTF_PROBITS``). hazchain treats elongated and auxiliary equipment as
  pressurised for heat (``HEAT_CLASS_OF_CATEGORY``, an assumption: the papers give no others).
* Escalation thresholds: 15 / 45 kW/m² (atmospheric / pressurised) and 22 / 16 / 31 / 37 kPa
  (atmospheric / pressurised / elongated / auxiliary) (Cozzani, Gubinelli & Salzano 2006,
  J. Hazard. Mater. A129:1-21; Cozzani & Salzano 2004, J. Loss Prev. Process Ind. 17:437-447).

What was checked, and where
---------------------------
* Overpressure probits and all thresholds: **[recalled]**. The stored copies of both 2004 papers
  (https://www.scribd.com/document/521184744 and https://www.scribd.com/document/712560866) show
  only their first page (titles and abstracts: probit models "for several categories of process
  equipment", threshold values "for different categories"); the tables were not reachable. Note
  that the atmospheric probit already gives P = 0.67 at its 22 kPa threshold.
* Seen in public code citing Landucci et al. 2009 (github.com/ramon-quiza/qra-domino-fuel-storage,
  ``escalation.m``): the atmospheric ``ttf = exp(9.877 − 1.13 ln I − 2.667e-5 V)`` s (1.13 is 1.128
  rounded; the pressurised correlation is **[recalled]**) and ``Y = 9.25 − 1.847 ln(ttf/60 s)``,
  which by hand gives P = 0.90 at 5 min and 0.10 at 20 min, the calibration the code states.
* The Cozzani et al. 2005 constant 12.54 and **the unit of ttf in it** were not found in any stored
  source: hazchain follows the reference sheet (minutes; P = 0.49 at ttf = 1 h). If the paper
  means seconds, the default overstates escalation; ``heat_probit="landucci2009"`` is the checked,
  less conservative alternative.

Monte Carlo of domino sequences (:func:`simulate_domino`)
--------------------------------------------------------
Level 0 is the primary unit, failed at t = 0. At level ℓ ≥ 1 the units that failed at level ℓ − 1,
and only they, act on every intact unit ``j``: overpressures take the **maximum** over sources;
heat fluxes of simultaneous fires **add up** (synergy, as in Cozzani et al. 2005). Heat can fail
``j`` only if the summed flux reaches its threshold and ``ttf`` is shorter than the fire duration of
the dominant heat source (largest ``I_ij``). One uniform ``u`` per target and level: overpressure
failure if ``u < p_op``, else heat failure if ``u < p_op + (1 − p_op)·p_heat`` (in total
``1 − (1 − p_op)(1 − p_heat)``). An overpressure failure is immediate, at the failure time of the
source of the largest ``P_ij`` (its cause); a heat failure happens ``ttf`` after the dominant heat
source failed. Units of earlier levels are not applied again. Uniforms are counter-based
(SplitMix64 of key, replica, level, target): results do not depend on the replica order.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from models.impact.probit import probit_to_probability

__all__ = [
    "CATEGORY_NAMES",
    "DominoResult",
    "EscalationEdge",
    "category_code",
    "domino_sequences",
    "escalation_tree",
    "heat_escalation_probability",
    "overpressure_escalation_probability",
    "simulate_domino",
    "time_to_failure_s",
]

ATMOSPHERIC = 0
PRESSURISED = 1
ELONGATED = 2
AUXILIARY = 3
CATEGORY_NAMES: tuple[str, ...] = ("atmospheric", "pressurised", "elongated", "auxiliary")
"""Names of the equipment category codes 0..3."""

# --- Data tables (sources and what was checked: see the module docstring) ------------------
OVERPRESSURE_PROBITS: tuple[tuple[float, float], ...] = (
    # (a, b) of Y = a + b ln(P / Pa); Cozzani & Salzano 2004 [recalled]
    (-18.96, 2.44),  # atmospheric vessels
    (-42.44, 4.33),  # pressurised vessels
    (-28.07, 3.16),  # elongated equipment
    (-17.79, 2.18),  # auxiliary / small equipment
)
OVERPRESSURE_THRESHOLDS_PA: tuple[float, ...] = (22.0e3, 16.0e3, 31.0e3, 37.0e3)
"""No overpressure escalation below these peak static overpressures (Pa), by category [recalled]."""

HEAT_CLASS_OF_CATEGORY: tuple[int, ...] = (0, 1, 1, 1)
"""Heat class (0 atmospheric, 1 pressurised) of each category; elongated/auxiliary → pressurised."""

HEAT_THRESHOLDS_KW_M2: tuple[float, ...] = (15.0, 45.0)
"""No heat escalation below these fluxes (kW/m²), by heat class (Cozzani et al. 2006) [recalled]."""

TTF_COEFFICIENTS: tuple[tuple[float, float, float, float], ...] = (
    # ln(ttf/s) = s·ln(I / kW m⁻²) + c0 + c1·(V / m³)^c2, by heat class
    (-1.128, 9.877, -2.667e-5, 1.0),  # atmospheric (seen, via Landucci et al. 2009 code)
    (-0.947, 0.0, 8.835, 0.032),  # pressurised [recalled]
)

HEAT_TTF_PROBITS: dict[str, tuple[float, float]] = {
    # (k1, k2) of Y = k1 − k2·ln(ttf / min)
    "cozzani2005": (12.54, 1.847),  # [recalled], unit of ttf doubtful (see module docstring)
    "landucci2009": (9.25, 1.847),  # seen in public code citing the paper
}

_LN_60 = math.log(60.0)
_SQRT_2 = math.sqrt(2.0)


def category_code(name: str) -> int:
    """Integer code of an equipment category name.

    Examples
    --------
    >>> category_code("Pressurised"), category_code("auxiliary")
    (1, 3)

    """
    key = str(name).strip().lower().replace("pressurized", "pressurised")
    if key not in CATEGORY_NAMES:
        raise ValueError(f"unknown equipment category {name!r}; expected one of {', '.join(CATEGORY_NAMES)}")
    return CATEGORY_NAMES.index(key)


def _as_output(value: np.ndarray) -> np.ndarray | float:
    return float(value) if np.ndim(value) == 0 else value


def _check_categories(category: np.ndarray | int | Sequence[int]) -> np.ndarray:
    cat = np.asarray(category)
    integral = np.issubdtype(cat.dtype, np.integer) or (
        np.issubdtype(cat.dtype, np.floating) and np.all(cat == np.round(cat))
    )
    if not integral or np.any((cat < 0) | (cat >= len(CATEGORY_NAMES))):
        raise ValueError("category must hold integer codes 0..3 (see CATEGORY_NAMES)")
    return cat.astype(np.int64)


def _check_array(name: str, value: object, *, positive: bool = False, finite: bool = True) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    bad = np.isnan(arr) | (arr <= 0.0 if positive else arr < 0.0)
    if finite:
        bad |= ~np.isfinite(arr)
    if np.any(bad):
        raise ValueError(f"{name} must be {'finite and ' if finite else ''}{'> 0' if positive else '>= 0'}")
    return arr


def overpressure_escalation_probability(
    p_pa: np.ndarray | float, category: np.ndarray | int
) -> np.ndarray | float:
    """Probability that a blast of peak static overpressure ``p_pa`` damages equipment (escalation).

    ``P = Φ(a + b·ln P − 5)`` with the Cozzani & Salzano (2004) coefficients of the category, and
    0 below the category's escalation threshold.

    Parameters
    ----------
    p_pa, category
        Peak static overpressure(s) in Pa (``>= 0``) and equipment category code(s) 0..3.

    Returns
    -------
    float or numpy.ndarray
        Probability in [0, 1]; a float for scalar inputs.

    Examples
    --------
    >>> round(overpressure_escalation_probability(30.0e3, ATMOSPHERIC), 4)
    0.8837
    >>> overpressure_escalation_probability(15.0e3, PRESSURISED)  # below the 16 kPa threshold
    0.0

    """
    p, cat = np.broadcast_arrays(_check_array("p_pa", p_pa, finite=False), _check_categories(category))
    table = np.asarray(OVERPRESSURE_PROBITS)
    above = (p >= np.asarray(OVERPRESSURE_THRESHOLDS_PA)[cat]) & (p > 0.0)
    y = np.where(above, table[cat, 0] + table[cat, 1] * np.log(np.where(above, p, 1.0)), -np.inf)
    return _as_output(np.asarray(probit_to_probability(y)))


def _ttf_parameters(volume_m3: np.ndarray, category: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slope ``s``, intercept ``c(V)`` of ``ln ttf = s ln I + c(V)`` and heat threshold, per unit."""
    heat_class = np.asarray(HEAT_CLASS_OF_CATEGORY)[category]
    coef = np.asarray(TTF_COEFFICIENTS)[heat_class]
    intercept = coef[..., 1] + coef[..., 2] * volume_m3 ** coef[..., 3]
    return coef[..., 0], intercept, np.asarray(HEAT_THRESHOLDS_KW_M2)[heat_class]


def time_to_failure_s(
    flux_kw_m2: np.ndarray | float, volume_m3: np.ndarray | float, category: np.ndarray | int
) -> np.ndarray | float:
    """Time to failure (s) of a vessel under a constant heat flux (Cozzani et al. 2005 correlations).

    Parameters
    ----------
    flux_kw_m2, volume_m3, category
        Incident heat flux(es) in kW/m² (``>= 0``; zero gives ``inf``), vessel volume(s) in m³
        (``> 0``) and category code(s) 0..3 (elongated, auxiliary: the pressurised correlation).

    Returns
    -------
    float or numpy.ndarray
        Time to failure in s, also below the escalation threshold; a float for scalar inputs.

    Examples
    --------
    >>> round(time_to_failure_s(20.0, 1000.0, ATMOSPHERIC))  # exp(-1.128 ln 20 - 0.02667 + 9.877)
    646
    >>> round(time_to_failure_s(60.0, 100.0, PRESSURISED))  # exp(-0.947 ln 60 + 8.835 * 100**0.032)
    579

    """
    flux, vol, cat = np.broadcast_arrays(
        _check_array("flux_kw_m2", flux_kw_m2, finite=False),
        _check_array("volume_m3", volume_m3, positive=True),
        _check_categories(category),
    )
    slope, intercept, _ = _ttf_parameters(vol, cat)
    positive = flux > 0.0
    ttf = np.where(positive, np.exp(slope * np.log(np.where(positive, flux, 1.0)) + intercept), np.inf)
    return _as_output(ttf)


def _heat_probit_constants(heat_probit: str) -> tuple[float, float]:
    if heat_probit not in HEAT_TTF_PROBITS:
        raise ValueError(f"unknown heat_probit {heat_probit!r}; expected {' or '.join(HEAT_TTF_PROBITS)}")
    return HEAT_TTF_PROBITS[heat_probit]


def heat_escalation_probability(
    flux_kw_m2: np.ndarray | float,
    volume_m3: np.ndarray | float,
    category: np.ndarray | int,
    *,
    exposure_duration_s: np.ndarray | float | None = None,
    heat_probit: str = "cozzani2005",
) -> np.ndarray | float:
    """Probability that a vessel fails under a constant heat flux (escalation by fire).

    ``P = Φ(k1 − k2·ln(ttf/min) − 5)`` with ``ttf`` from :func:`time_to_failure_s`; 0 below the
    heat escalation threshold of the category, and 0 where ``ttf >= exposure_duration_s``.

    Parameters
    ----------
    flux_kw_m2, volume_m3, category
        Incident heat flux(es) in kW/m² (the sum over simultaneous fires, ``>= 0``), vessel
        volume(s) in m³ (``> 0``) and equipment category code(s) 0..3.
    exposure_duration_s
        Optional fire duration(s) in s; failure needs ``ttf`` shorter than it. ``None``: unlimited.
    heat_probit
        ``"cozzani2005"`` (default) or ``"landucci2009"``; see ``HEAT_TTF_PROBITS``.

    Returns
    -------
    float or numpy.ndarray
        Probability in [0, 1]; a float for scalar inputs.

    Examples
    --------
    >>> heat_escalation_probability(14.9, 1000.0, ATMOSPHERIC)  # below 15 kW/m²
    0.0
    >>> round(heat_escalation_probability(20.0, 1000.0, ATMOSPHERIC, heat_probit="landucci2009"), 3)
    0.444

    """
    k1, k2 = _heat_probit_constants(heat_probit)
    duration = np.inf if exposure_duration_s is None else exposure_duration_s
    flux, vol, cat, dur = np.broadcast_arrays(
        _check_array("flux_kw_m2", flux_kw_m2, finite=False),
        _check_array("volume_m3", volume_m3, positive=True),
        _check_categories(category),
        _check_array("exposure_duration_s", duration, finite=False),
    )
    slope, intercept, threshold = _ttf_parameters(vol, cat)
    above = (flux >= threshold) & (flux > 0.0)
    ln_ttf_s = slope * np.log(np.where(above, flux, 1.0)) + intercept
    possible = above & (np.exp(ln_ttf_s) < dur)
    y = np.where(possible, k1 - k2 * (ln_ttf_s - _LN_60), -np.inf)
    return _as_output(np.asarray(probit_to_probability(y)))


# --- Counter-based uniforms: SplitMix64 (Steele, Lea & Flood 2014) of (key, replica, level, target) ---
_MASK64 = (1 << 64) - 1
_SM = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)
_U_GAMMA, _U_MUL1, _U_MUL2 = (np.uint64(c) for c in _SM)
_U30, _U27, _U31, _U11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_M53 = 2.0**-53


@numba.njit(cache=True)
def _splitmix64(x):
    z = x + _U_GAMMA
    z = (z ^ (z >> _U30)) * _U_MUL1
    z = (z ^ (z >> _U27)) * _U_MUL2
    return z ^ (z >> _U31)


@numba.njit(cache=True)
def _counter_uniform(key, counter):
    return float(_splitmix64(key + _splitmix64(counter)) >> _U11) * _TWO_M53


def _splitmix64_reference(x: int) -> int:
    z = (x + _SM[0]) & _MASK64
    z = ((z ^ (z >> 30)) * _SM[1]) & _MASK64
    z = ((z ^ (z >> 27)) * _SM[2]) & _MASK64
    return z ^ (z >> 31)


def _counter_uniform_reference(key: int, counter: int) -> float:
    return float(_splitmix64_reference((key + _splitmix64_reference(counter)) & _MASK64) >> 11) * _TWO_M53


# --- Monte Carlo kernel and its plain-Python twin ------------------------------------------
@numba.njit(cache=True)
def domino_sequences(
    primary, flux_kw_m2, overpressure_pa, op_probability, unit_params, heat_k1, heat_k2, key, max_level, out
):
    """Monte Carlo of domino sequences over replicas (numba kernel, serial, no allocation per step).

    ``flux_kw_m2``, ``overpressure_pa`` and ``op_probability`` (the overpressure escalation
    probability of ``overpressure_pa[i, j]`` for target ``j``) are (n, n) float64 with a zero
    diagonal. ``unit_params`` (4, n) holds per unit ``s`` and ``c`` of ``ln ttf = s·ln I + c``, the
    heat threshold (kW/m²) and the fire duration (s). ``heat_k1, heat_k2``: the ttf probit
    ``Y = k1 − k2·ln(ttf/min)``. ``key``: uint64 key of the uniforms. ``out`` (4, R, n) float64
    receives level (−1 intact), cause (−1 none), failure time in s (NaN intact) and vector
    (0 none, 1 overpressure, 2 heat).
    """
    n_rep, n = out.shape[1], out.shape[2]
    frontier = np.empty(n, dtype=np.int64)
    grown = np.empty(n, dtype=np.int64)
    for r in range(n_rep):
        level, cause, time, vector = out[0, r], out[1, r], out[2, r], out[3, r]
        level[:] = -1.0
        cause[:] = -1.0
        time[:] = np.nan
        vector[:] = 0.0
        level[primary] = 0.0
        time[primary] = 0.0
        frontier[0] = primary
        n_front = 1
        depth = 0
        while n_front > 0 and depth < max_level:
            depth += 1
            n_new = 0
            base = (np.uint64(r) * np.uint64(n) + np.uint64(depth)) * np.uint64(n)
            for j in range(n):
                if level[j] >= 0.0:
                    continue
                op_cause, p_max, heat_cause, flux_max, flux_sum = -1, 0.0, -1, 0.0, 0.0
                for k in range(n_front):
                    i = frontier[k]
                    if overpressure_pa[i, j] > p_max:
                        p_max, op_cause = overpressure_pa[i, j], i
                    if flux_kw_m2[i, j] > 0.0:
                        flux_sum += flux_kw_m2[i, j]
                        if flux_kw_m2[i, j] > flux_max:
                            flux_max, heat_cause = flux_kw_m2[i, j], i
                p_op = op_probability[op_cause, j] if op_cause >= 0 else 0.0
                p_heat, ttf = 0.0, 0.0
                if heat_cause >= 0 and flux_sum >= unit_params[2, j]:
                    ln_ttf = unit_params[0, j] * math.log(flux_sum) + unit_params[1, j]
                    ttf = math.exp(ln_ttf)
                    if ttf < unit_params[3, heat_cause]:
                        y = heat_k1 - heat_k2 * (ln_ttf - _LN_60)
                        p_heat = 0.5 * math.erfc(-(y - 5.0) / _SQRT_2)
                if p_op <= 0.0 and p_heat <= 0.0:
                    continue
                u = _counter_uniform(key, base + np.uint64(j))
                if u < p_op:
                    cause[j], time[j], vector[j] = op_cause, time[op_cause], 1.0
                elif u < p_op + (1.0 - p_op) * p_heat:
                    cause[j], time[j], vector[j] = heat_cause, time[heat_cause] + ttf, 2.0
                else:
                    continue
                level[j] = depth
                grown[n_new] = j
                n_new += 1
            frontier[:n_new] = grown[:n_new]
            n_front = n_new


def _domino_sequences_reference(
    primary, flux_kw_m2, overpressure_pa, op_probability, unit_params, heat_k1, heat_k2, key, max_level, out
) -> None:
    """Plain-Python twin of :func:`domino_sequences`, used by the tests only."""
    n_rep, n = out.shape[1], out.shape[2]
    for r in range(n_rep):
        level, cause, time, vector = out[0, r], out[1, r], out[2, r], out[3, r]
        level[:], cause[:], time[:], vector[:] = -1.0, -1.0, np.nan, 0.0
        level[primary], time[primary] = 0.0, 0.0
        frontier, depth = [int(primary)], 0
        while frontier and depth < max_level:
            depth += 1
            grown = []
            for j in (j for j in range(n) if level[j] < 0.0):
                pressures = [float(overpressure_pa[i, j]) for i in frontier]
                fluxes = [float(flux_kw_m2[i, j]) for i in frontier]
                op_cause = frontier[pressures.index(max(pressures))] if max(pressures) > 0.0 else -1
                heat_cause = frontier[fluxes.index(max(fluxes))] if max(fluxes) > 0.0 else -1
                flux_sum = 0.0
                for f in fluxes:
                    flux_sum += f if f > 0.0 else 0.0
                p_op = float(op_probability[op_cause, j]) if op_cause >= 0 else 0.0
                p_heat, ttf = 0.0, 0.0
                if heat_cause >= 0 and flux_sum >= unit_params[2, j]:
                    ln_ttf = float(unit_params[0, j]) * math.log(flux_sum) + float(unit_params[1, j])
                    ttf = math.exp(ln_ttf)
                    if ttf < unit_params[3, heat_cause]:
                        p_heat = 0.5 * math.erfc(-(heat_k1 - heat_k2 * (ln_ttf - _LN_60) - 5.0) / _SQRT_2)
                if p_op <= 0.0 and p_heat <= 0.0:
                    continue
                u = _counter_uniform_reference(int(key), ((r * n + depth) * n + j) & _MASK64)
                if u < p_op:
                    cause[j], time[j], vector[j] = op_cause, time[op_cause], 1.0
                elif u < p_op + (1.0 - p_op) * p_heat:
                    cause[j], time[j], vector[j] = heat_cause, time[heat_cause] + ttf, 2.0
                else:
                    continue
                level[j] = depth
                grown.append(j)
            frontier = grown


# --- Public wrapper and results ------------------------------------------------------------
@dataclass(frozen=True)
class DominoResult:
    """Outcome of :func:`simulate_domino`: ``primary`` and arrays of shape (R replicas, n units).

    ``level`` int16: 0 primary, 1 secondary, ..., −1 intact. ``cause`` int32: the unit whose
    failure caused this one (−1: primary or intact). ``time_s`` float64: failure time in s after
    the primary event (NaN: intact). ``vector`` int8: 0 none, 1 overpressure, 2 heat.
    """

    primary: int
    level: np.ndarray
    cause: np.ndarray
    time_s: np.ndarray
    vector: np.ndarray

    @property
    def failed(self) -> np.ndarray:
        """(R, n) bool: the unit failed in that replica (the primary always has)."""
        return self.level >= 0

    @property
    def n_replicas(self) -> int:
        """Number of replicas R."""
        return int(self.level.shape[0])

    def failure_probability(self) -> np.ndarray:
        """(n,) fraction of replicas in which each unit failed."""
        return self.failed.mean(axis=0)

    def level_probability(self) -> np.ndarray:
        """Fraction of replicas whose deepest escalation level is 0, 1, 2, ..."""
        deepest = self.level.max(axis=1)
        return np.bincount(deepest, minlength=int(deepest.max()) + 1) / self.n_replicas


class EscalationEdge(NamedTuple):
    """One failed unit of a replica: ``cause`` → ``unit`` at ``level`` and time ``time_s``."""

    unit: int
    level: int
    cause: int
    time_s: float


def _key_from_seed(seed: int | np.random.Generator) -> np.uint64:
    if isinstance(seed, np.random.Generator):
        return np.uint64(seed.integers(0, 2**64, dtype=np.uint64))
    return np.uint64(_splitmix64_reference(operator.index(seed) & _MASK64))


def simulate_domino(
    primary: int,
    flux_kw_m2: np.ndarray,
    overpressure_pa: np.ndarray,
    categories: np.ndarray | Sequence[int],
    volumes_m3: np.ndarray | Sequence[float],
    n_replicas: int,
    seed: int | np.random.Generator,
    *,
    fire_duration_s: np.ndarray | Sequence[float] | None = None,
    max_level: int | None = None,
    heat_probit: str = "cozzani2005",
) -> DominoResult:
    """Monte Carlo of the domino sequences started by the failure of ``primary``.

    The rules (levels, synergy, causes and times) are stated in the module docstring.

    Parameters
    ----------
    primary
        Index of the unit whose loss of containment starts the chain (level 0, t = 0).
    flux_kw_m2, overpressure_pa
        (n, n) heat flux ``I_ij`` (kW/m², 0 where ``i`` has no fire) and peak static overpressure
        ``P_ij`` (Pa) at unit ``j`` from the failure of unit ``i``; the diagonal is ignored.
    categories, volumes_m3
        (n,) equipment category codes 0..3 and vessel volumes in m³ (``> 0``).
    n_replicas, seed
        Number of replicas (``>= 1``); an int seed or a ``numpy.random.Generator`` (one 64-bit
        key is drawn from it).
    fire_duration_s
        (n,) duration (s) of each unit's fire once failed; a heat escalation needs ``ttf`` below
        the duration of its dominant source. ``None``: fires last indefinitely.
    max_level, heat_probit
        Deepest escalation level simulated (``>= 0``; ``None``: no limit); the ttf probit,
        ``"cozzani2005"`` (default) or ``"landucci2009"``.

    Returns
    -------
    DominoResult
        Levels, causes, failure times and escalation vectors per replica and unit.

    Examples
    --------
    >>> flux = np.zeros((3, 3)); flux[0, 1] = 40.0
    >>> op = np.zeros((3, 3)); op[0, 2] = 60.0e3
    >>> res = simulate_domino(0, flux, op, [0, 0, 1], [500.0, 500.0, 100.0], 1000, seed=1)
    >>> res.failed.shape, bool(res.failed[:, 0].all())
    ((1000, 3), True)
    >>> bool((res.cause[res.failed[:, 2], 2] == 0).all())
    True

    """
    flux = np.array(flux_kw_m2, dtype=np.float64)
    n = flux.shape[0] if flux.ndim == 2 else -1
    pressure = np.array(overpressure_pa, dtype=np.float64)
    for name, arr in (("flux_kw_m2", flux), ("overpressure_pa", pressure)):
        if arr.shape != (n, n):
            raise ValueError(f"{name} must be a square (n, n) array matching flux_kw_m2, got {arr.shape}")
        _check_array(name, arr)
        np.fill_diagonal(arr, 0.0)
    cat = _check_categories(categories)
    vol = _check_array("volumes_m3", volumes_m3, positive=True)
    duration = _check_array(
        "fire_duration_s", np.inf if fire_duration_s is None else fire_duration_s, finite=False
    )
    duration = np.broadcast_to(duration, (n,)) if duration.ndim == 0 else duration
    for name, arr in (("categories", cat), ("volumes_m3", vol), ("fire_duration_s", duration)):
        if arr.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    if not 0 <= operator.index(primary) < n:
        raise ValueError(f"primary must lie in 0..{n - 1}, got {primary}")
    if operator.index(n_replicas) < 1:
        raise ValueError(f"n_replicas must be >= 1, got {n_replicas}")
    levels = n - 1 if max_level is None else operator.index(max_level)
    if levels < 0:
        raise ValueError(f"max_level must be >= 0, got {max_level}")
    k1, k2 = _heat_probit_constants(heat_probit)

    op_probability = np.asarray(overpressure_escalation_probability(pressure, cat[np.newaxis, :]))
    slope, intercept, threshold = _ttf_parameters(vol, cat)
    unit_params = np.ascontiguousarray(np.stack([slope, intercept, threshold, duration]), dtype=np.float64)
    out = np.empty((4, int(n_replicas), n), dtype=np.float64)
    key, depth = _key_from_seed(seed), min(levels, n - 1)
    domino_sequences(int(primary), flux, pressure, op_probability, unit_params, k1, k2, key, depth, out)
    return DominoResult(
        int(primary), out[0].astype(np.int16), out[1].astype(np.int32), out[2], out[3].astype(np.int8)
    )


def escalation_tree(result: DominoResult, replica: int) -> list[EscalationEdge]:
    """Failed units of one replica as ``(unit, level, cause, time_s)`` edges, for drawing and logs.

    The first edge is the primary (level 0, cause −1, t = 0); the others follow by level, then
    time, then unit index. Every non-primary unit has exactly one cause, failed one level earlier.

    Examples
    --------
    >>> flux = np.zeros((2, 2)); op = np.zeros((2, 2)); op[0, 1] = 1.0e6
    >>> res = simulate_domino(0, flux, op, [0, 0], [100.0, 100.0], 3, seed=0)
    >>> for edge in escalation_tree(res, 0):
    ...     print(edge)
    EscalationEdge(unit=0, level=0, cause=-1, time_s=0.0)
    EscalationEdge(unit=1, level=1, cause=0, time_s=0.0)

    """
    if not -result.n_replicas <= operator.index(replica) < result.n_replicas:
        raise IndexError(f"replica {replica} out of range for {result.n_replicas} replicas")
    level, cause, time_s = result.level[replica], result.cause[replica], result.time_s[replica]
    edges = [
        EscalationEdge(int(u), int(level[u]), int(cause[u]), float(time_s[u]))
        for u in np.flatnonzero(level >= 0)
    ]
    return sorted(edges, key=lambda e: (e.level, e.time_s, e.unit))
