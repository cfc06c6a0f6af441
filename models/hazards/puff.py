"""Gaussian puffs: instantaneous releases, and time-varying releases as trains of puffs.

An instantaneous release of mass ``M`` (kg) at height ``H`` travels with a uniform wind ``u``;
after a time ``t`` its centre is ``s = u·t`` downwind of the source and, with total reflection
at the ground, the concentration is::

    C = M / ((2π)^{3/2} σx σy σz) · exp(−(x' − s)² / 2σx²) · exp(−y'² / 2σy²)
        · [exp(−(z − H)² / 2σz²) + exp(−(z + H)² / 2σz²)]

with ``x'``, ``y'`` the along-wind and crosswind coordinates of the receptor. The dispersion
coefficients of a puff are not those of a plume (a plume's σy also contains the meandering of
the wind over the averaging time): by default this module uses the puff set of CCPS (1999),
after Slade (1968), as functions of the travel distance ``s`` (m)::

    σx = σy = a·s^b,   σz = c·s^d

A release whose rate varies in time is represented as a train of puffs: the emission is cut into
intervals of ``puff_interval_s``; each puff carries the mass released in its interval and leaves
the source at the interval midpoint. The field at time ``t`` is the sum over the puffs already
released. As the interval shrinks, a constant release converges to the steady plume when the
same σ are used (tested). A puff appears with all its mass at its release time, so the airborne
mass lags the emitted mass by at most one puff.

Evaluation is a compiled loop over receptors × puffs (:func:`sum_gaussian_puffs`), skipping
pairs more than 8 σ apart (weight < 1e-13), so a field at many times is cheap.

Sources
-------
* Puff σ: AIChE/CCPS (1999) *Guidelines for Consequence Analysis of Chemical Releases*,
  puff dispersion coefficients after Slade, D.H. (1968) *Meteorology and Atomic Energy*, USAEC
  [seen as coded in aefarrell/GasDispersion.jl ``src/utils/equation_sets/ccps.jl``, citing CCPS
  1999; the CCPS table itself was not checked]; one set for rural and urban terrain.
* Puff formula: the textbook Gaussian puff with ground reflection, see
  ``/work/shared/reference/hazard-models.md`` section (a) and CCPS (1999).

The wind is steady (speed and direction) for the whole release; a field written on the grid by a
process would be ``gas_concentration_mg_m3`` (the same field as the steady plume).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from models.hazards.dispersion import STABILITY_CLASSES, wind_toward_unit_vector

__all__ = [
    "PUFF_SIGMA_COEFFICIENTS",
    "PuffTrain",
    "instantaneous_puff_concentration",
    "puff_sigmas",
    "sum_gaussian_puffs",
    "time_varying_release_concentration",
]

type SigmaPair = tuple[float, float]
type SigmaFunction = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
type RateTable = tuple[np.ndarray | list[float], np.ndarray | list[float]]

PUFF_SIGMA_COEFFICIENTS: dict[str, tuple[SigmaPair, SigmaPair]] = {
    #      σx = σy = a s^b     σz = c s^d      (CCPS 1999, after Slade 1968)
    "A": ((0.18, 0.92), (0.60, 0.75)),
    "B": ((0.14, 0.92), (0.53, 0.73)),
    "C": ((0.10, 0.92), (0.34, 0.71)),
    "D": ((0.06, 0.92), (0.15, 0.70)),
    "E": ((0.04, 0.92), (0.10, 0.65)),
    "F": ((0.02, 0.89), (0.05, 0.61)),
}
"""``PUFF_SIGMA_COEFFICIENTS[class] = ((a, b), (c, d))``: σx = σy = a·s^b, σz = c·s^d (s, σ in m)."""

_CUTOFF_SIGMAS = 8.0
_TWO_PI_POW_1_5 = (2.0 * math.pi) ** 1.5


def _check_stability(stability: str) -> str:
    cls = str(stability).strip().upper()
    if cls not in STABILITY_CLASSES:
        raise ValueError(
            f"unknown Pasquill–Gifford stability class {stability!r}; "
            f"expected one of {', '.join(STABILITY_CLASSES)}"
        )
    return cls


def _finite(name: str, value: float, *, minimum: float | None = None, positive: bool = False) -> float:
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0.0) or (minimum is not None and v < minimum):
        bound = " and > 0" if positive else (f" and >= {minimum}" if minimum is not None else "")
        raise ValueError(f"{name} must be finite{bound}, got {value!r}")
    return v


def puff_sigmas(travel_m: np.ndarray | float, stability: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CCPS (1999) puff dispersion coefficients σx, σy, σz after a travel of ``travel_m``.

    Parameters
    ----------
    travel_m
        Distance travelled by the puff centre, m (``>= 0``; any shape).
    stability
        Pasquill–Gifford class ``"A"`` .. ``"F"`` (case-insensitive).

    Returns
    -------
    sigma_x_m, sigma_y_m, sigma_z_m
        Arrays of the shape of ``travel_m``, in m (``σx = σy``).

    Examples
    --------
    >>> sx, sy, sz = puff_sigmas(500.0, "F")
    >>> round(float(sy), 3), round(float(sz), 3)
    (5.048, 2.215)

    """
    (a, b), (c, d) = PUFF_SIGMA_COEFFICIENTS[_check_stability(stability)]
    s = np.asarray(travel_m, dtype=np.float64)
    if not np.all(np.isfinite(s)) or np.any(s < 0.0):
        raise ValueError("travel_m must be finite and >= 0")
    sigma_y = a * s**b
    return sigma_y, sigma_y.copy(), c * s**d


@numba.njit(cache=True)
def sum_gaussian_puffs(
    x_m,
    y_m,
    centre_x_m,
    centre_y_m,
    amplitude_kg_m3,
    sigma_x_m,
    sigma_y_m,
    wind_to_x,
    wind_to_y,
    out_conc_kg_m3,
):  # pragma: no cover - compiled; checked against the Python twin in tests
    """Sum of horizontal Gaussian puffs at receptor points (numba kernel, no allocation).

    ``out[i] = Σ_k A_k · exp(−a_ik² / 2σx_k² − c_ik² / 2σy_k²)`` where ``a_ik`` and ``c_ik`` are the
    along-wind and crosswind offsets of receptor ``i`` from the centre of puff ``k``. Pairs more
    than 8 σ apart along or across the wind, and puffs with ``A_k <= 0`` or a σ ``<= 0``, add 0.

    Parameters
    ----------
    x_m, y_m
        1-D float64 receptor coordinates, m (x east, y north).
    centre_x_m, centre_y_m
        1-D float64 puff centres, m.
    amplitude_kg_m3
        1-D float64 ``A_k``: the peak concentration of each puff at the receptor height
        (mass, normalisation and vertical factor), kg/m³.
    sigma_x_m, sigma_y_m
        1-D float64 along-wind and crosswind σ of each puff, m.
    wind_to_x, wind_to_y
        Unit vector of the direction the wind blows toward.
    out_conc_kg_m3
        1-D float64 output, one value per receptor.

    Examples
    --------
    >>> import numpy as np
    >>> one = np.ones(1); out = np.empty(1)
    >>> sum_gaussian_puffs(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1),
    ...                    2.0 * one, one, one, 1.0, 0.0, out)
    >>> float(out[0])
    2.0

    """
    n = x_m.shape[0]
    m = centre_x_m.shape[0]
    for i in range(n):
        total = 0.0
        for k in range(m):
            amp = amplitude_kg_m3[k]
            sx = sigma_x_m[k]
            sy = sigma_y_m[k]
            if not (amp > 0.0 and sx > 0.0 and sy > 0.0):
                continue
            dx = x_m[i] - centre_x_m[k]
            dy = y_m[i] - centre_y_m[k]
            along = dx * wind_to_x + dy * wind_to_y
            if abs(along) > _CUTOFF_SIGMAS * sx:
                continue
            cross = dy * wind_to_x - dx * wind_to_y
            if abs(cross) > _CUTOFF_SIGMAS * sy:
                continue
            total += amp * math.exp(-(along * along) / (2.0 * sx * sx) - (cross * cross) / (2.0 * sy * sy))
        out_conc_kg_m3[i] = total


def _sum_gaussian_puffs_reference(
    x_m,
    y_m,
    centre_x_m,
    centre_y_m,
    amplitude_kg_m3,
    sigma_x_m,
    sigma_y_m,
    wind_to_x,
    wind_to_y,
    out_conc_kg_m3,
) -> None:
    """Plain-Python twin of :func:`sum_gaussian_puffs`, used by the tests only."""
    for i in range(len(x_m)):
        total = 0.0
        for k in range(len(centre_x_m)):
            amp, sx, sy = float(amplitude_kg_m3[k]), float(sigma_x_m[k]), float(sigma_y_m[k])
            if amp <= 0.0 or sx <= 0.0 or sy <= 0.0:
                continue
            dx = float(x_m[i]) - float(centre_x_m[k])
            dy = float(y_m[i]) - float(centre_y_m[k])
            along = dx * wind_to_x + dy * wind_to_y
            cross = dy * wind_to_x - dx * wind_to_y
            if abs(along) > _CUTOFF_SIGMAS * sx or abs(cross) > _CUTOFF_SIGMAS * sy:
                continue
            total += amp * math.exp(-(along**2) / (2.0 * sx**2) - cross**2 / (2.0 * sy**2))
        out_conc_kg_m3[i] = total


def _rate_table_cumulative(times: np.ndarray, rates: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Mass released up to ``t`` by a piecewise-linear rate table (0 outside it), exactly."""
    cum_nodes = np.concatenate(([0.0], np.cumsum(0.5 * (rates[1:] + rates[:-1]) * np.diff(times))))
    tc = np.clip(t, times[0], times[-1])
    idx = np.clip(np.searchsorted(times, tc, side="right") - 1, 0, len(times) - 2)
    dt = tc - times[idx]
    slope = (rates[idx + 1] - rates[idx]) / (times[idx + 1] - times[idx])
    return cum_nodes[idx] + rates[idx] * dt + 0.5 * slope * dt * dt


def _evaluate_rate(rate: Callable, t: np.ndarray) -> np.ndarray:
    """``rate`` at the times ``t``: called once on the array, else once per time."""
    try:
        values = np.broadcast_to(np.asarray(rate(t), dtype=np.float64), t.shape).astype(np.float64)
    except (TypeError, ValueError):
        values = np.array([float(rate(float(tk))) for tk in t])
    return values


@dataclass(frozen=True, eq=False)
class PuffTrain:
    """Puffs released from one point into a steady, uniform wind.

    Build it once (:meth:`from_rate` for a release rate, or directly from release times and
    masses) and evaluate the concentration field at as many times as needed.

    Attributes
    ----------
    source_x_m, source_y_m, release_height_m
        Source position and effective release height, m.
    wind_speed_m_s, wind_from_deg
        Wind speed (m/s, > 0) and the direction it blows FROM (degrees from north).
    release_times_s, masses_kg
        1-D arrays: when each puff leaves the source (s) and its mass (kg).
    stability
        Pasquill–Gifford class for the default CCPS puff σ (ignored when ``sigmas`` is given).
    sigmas
        Optional function ``travel_m -> (σx, σy, σz)`` on arrays (e.g. plume σ for a comparison
        with the steady plume); defaults to :func:`puff_sigmas` of ``stability``.

    Examples
    --------
    >>> train = PuffTrain.from_rate((np.array([0.0, 600.0]), np.array([1.0, 1.0])),
    ...                             source_x_m=0.0, source_y_m=0.0, release_height_m=0.0,
    ...                             wind_speed_m_s=5.0, wind_from_deg=270.0, stability="D")
    >>> len(train.masses_kg), float(train.masses_kg.sum())
    (60, 600.0)

    """

    source_x_m: float
    source_y_m: float
    release_height_m: float
    wind_speed_m_s: float
    wind_from_deg: float
    release_times_s: np.ndarray
    masses_kg: np.ndarray
    stability: str = "D"
    sigmas: SigmaFunction | None = None

    def __post_init__(self) -> None:
        _finite("source_x_m", self.source_x_m)
        _finite("source_y_m", self.source_y_m)
        _finite("release_height_m", self.release_height_m, minimum=0.0)
        _finite("wind_speed_m_s", self.wind_speed_m_s, positive=True)
        _finite("wind_from_deg", self.wind_from_deg)
        if self.sigmas is None:
            object.__setattr__(self, "stability", _check_stability(self.stability))
        times = np.ascontiguousarray(self.release_times_s, dtype=np.float64).reshape(-1)
        masses = np.ascontiguousarray(self.masses_kg, dtype=np.float64).reshape(-1)
        if times.shape != masses.shape:
            raise ValueError("release_times_s and masses_kg must have the same length")
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(masses))) or np.any(masses < 0.0):
            raise ValueError("release times must be finite and masses finite and >= 0")
        object.__setattr__(self, "release_times_s", times)
        object.__setattr__(self, "masses_kg", masses)

    @classmethod
    def from_rate(
        cls,
        rate_kg_s: Callable[[np.ndarray], np.ndarray] | RateTable,
        *,
        source_x_m: float,
        source_y_m: float,
        release_height_m: float,
        wind_speed_m_s: float,
        wind_from_deg: float,
        stability: str = "D",
        puff_interval_s: float = 10.0,
        start_s: float | None = None,
        end_s: float | None = None,
        sigmas: SigmaFunction | None = None,
    ) -> PuffTrain:
        """Cut a release rate into puffs of ``puff_interval_s`` (the last one may be shorter).

        The parameters not listed below are the attributes of :class:`PuffTrain`.

        Parameters
        ----------
        rate_kg_s
            Either a function of time (s, called with an array of puff mid-times; a function
            of a float is also accepted) returning the rate in kg/s, or a table
            ``(times_s, rates_kg_s)`` read as piecewise linear and 0 outside its times.
        start_s, end_s
            Emission window, s. Required for a function; default to the table's first and last
            times.
        puff_interval_s
            Emission interval per puff, s (``> 0``). Keep ``u·Δt`` well below the σx of the
            puffs at the receptors (e.g. ``u·Δt <= σx/2``) for a smooth field.

        Notes
        -----
        A table's masses are its exact integral over each interval (the total equals the area
        under the table); a function is integrated by the midpoint rule.
        """
        dt = _finite("puff_interval_s", puff_interval_s, positive=True)
        if callable(rate_kg_s):
            if start_s is None or end_s is None:
                raise ValueError("start_s and end_s are required when rate_kg_s is a function")
            t0, t1 = _finite("start_s", start_s), _finite("end_s", end_s)
        else:
            times = np.asarray(rate_kg_s[0], dtype=np.float64).reshape(-1)
            rates = np.asarray(rate_kg_s[1], dtype=np.float64).reshape(-1)
            if times.shape != rates.shape or times.size < 2:
                raise ValueError("a rate table needs two arrays of equal length >= 2 (times_s, rates_kg_s)")
            if not (np.all(np.isfinite(times)) and np.all(np.isfinite(rates))) or np.any(rates < 0.0):
                raise ValueError("rate table times must be finite and rates finite and >= 0")
            if np.any(np.diff(times) <= 0.0):
                raise ValueError("rate table times must be strictly increasing")
            t0 = float(times[0]) if start_s is None else _finite("start_s", start_s)
            t1 = float(times[-1]) if end_s is None else _finite("end_s", end_s)
        if not t1 > t0:
            raise ValueError(f"end_s must be after start_s, got {t0} .. {t1}")
        edges = np.append(np.arange(t0, t1, dt), t1)
        if edges.size > 2 and edges[-1] - edges[-2] < 1e-9 * dt:
            edges = np.delete(edges, -2)
        mids = 0.5 * (edges[1:] + edges[:-1])
        if callable(rate_kg_s):
            rate = _evaluate_rate(rate_kg_s, mids)
            if not np.all(np.isfinite(rate)) or np.any(rate < 0.0):
                raise ValueError("rate_kg_s must return finite rates >= 0")
            masses = rate * np.diff(edges)
        else:
            masses = np.diff(_rate_table_cumulative(times, rates, edges))
        return cls(
            source_x_m=source_x_m,
            source_y_m=source_y_m,
            release_height_m=release_height_m,
            wind_speed_m_s=wind_speed_m_s,
            wind_from_deg=wind_from_deg,
            release_times_s=mids,
            masses_kg=np.maximum(masses, 0.0),
            stability=stability,
            sigmas=sigmas,
        )

    def concentration(
        self,
        x_m: np.ndarray | float,
        y_m: np.ndarray | float,
        t_s: float,
        *,
        receptor_height_m: float = 0.0,
    ) -> np.ndarray:
        """Concentration field (kg/m³) at time ``t_s`` at receptors ``(x_m, y_m)``.

        Parameters
        ----------
        x_m, y_m
            Receptor coordinates, m; any shapes that broadcast together.
        t_s
            Time, s, on the clock of ``release_times_s``.
        receptor_height_m
            Receptor height, m (``>= 0``), the same for every point.

        Returns
        -------
        numpy.ndarray
            Concentration in kg/m³, of the broadcast shape of ``x_m`` and ``y_m``.
        """
        t = _finite("t_s", t_s)
        return self.concentration_series(x_m, y_m, [t], receptor_height_m=receptor_height_m)[0]

    def concentration_series(
        self,
        x_m: np.ndarray | float,
        y_m: np.ndarray | float,
        times_s: np.ndarray | list[float],
        *,
        receptor_height_m: float = 0.0,
    ) -> np.ndarray:
        """Concentration fields (kg/m³) at several times: shape ``(len(times_s), *receptor shape)``.

        The receptors are checked once; each time costs one kernel call (for dose integration).
        Parameters are as for :meth:`concentration`.
        """
        x_flat, y_flat, shape = _receptors(x_m, y_m)
        z = _finite("receptor_height_m", receptor_height_m, minimum=0.0)
        times = np.asarray(times_s, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(times)):
            raise ValueError("times_s must be finite")
        out = np.empty((times.size, x_flat.size))
        for j, t in enumerate(times):
            self._evaluate(x_flat, y_flat, float(t), z, out[j])
        return out.reshape((times.size, *shape))

    def _evaluate(self, x_flat: np.ndarray, y_flat: np.ndarray, t: float, z: float, out: np.ndarray) -> None:
        """Prepare the puffs airborne at ``t`` (centres, amplitudes, σ) and sum them into ``out``."""
        active = self.release_times_s < t
        travel = self.wind_speed_m_s * (t - self.release_times_s[active])
        if self.sigmas is None:
            sx, sy, sz = puff_sigmas(travel, self.stability)
        else:
            result = tuple(self.sigmas(travel))
            if len(result) != 3:
                raise ValueError("sigmas(travel) must return three arrays (σx, σy, σz)")
            sx, sy, sz = (np.asarray(s, dtype=np.float64) for s in result)
            if not (sx.shape == sy.shape == sz.shape == travel.shape):
                raise ValueError("sigmas(travel) must return three arrays of the shape of travel")
            if not (np.all(np.isfinite(sx)) and np.all(np.isfinite(sy)) and np.all(np.isfinite(sz))):
                raise ValueError("sigmas(travel) must return finite values")
        good = (sx > 0.0) & (sy > 0.0) & (sz > 0.0)
        two_sz2 = 2.0 * np.where(good, sz, 1.0) ** 2
        h = self.release_height_m
        vertical = np.exp(-((z - h) ** 2) / two_sz2) + np.exp(-((z + h) ** 2) / two_sz2)
        volume = _TWO_PI_POW_1_5 * np.where(good, sx * sy * sz, 1.0)
        amplitude = np.where(good, self.masses_kg[active] * vertical / volume, 0.0)
        to_x, to_y = wind_toward_unit_vector(self.wind_from_deg)
        sum_gaussian_puffs(
            x_flat,
            y_flat,
            np.ascontiguousarray(self.source_x_m + travel * to_x),
            np.ascontiguousarray(self.source_y_m + travel * to_y),
            np.ascontiguousarray(amplitude),
            np.ascontiguousarray(sx, dtype=np.float64),
            np.ascontiguousarray(sy, dtype=np.float64),
            to_x,
            to_y,
            out,
        )


def _receptors(x_m: np.ndarray | float, y_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, tuple]:
    x_b, y_b = np.broadcast_arrays(np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64))
    x_flat = np.ascontiguousarray(x_b.reshape(-1))
    y_flat = np.ascontiguousarray(y_b.reshape(-1))
    if not (np.all(np.isfinite(x_flat)) and np.all(np.isfinite(y_flat))):
        raise ValueError("receptor coordinates x_m and y_m must be finite")
    return x_flat, y_flat, x_b.shape


def instantaneous_puff_concentration(
    x_m: np.ndarray | float,
    y_m: np.ndarray | float,
    t_s: float,
    *,
    mass_kg: float,
    source_x_m: float,
    source_y_m: float,
    release_height_m: float,
    receptor_height_m: float,
    wind_speed_m_s: float,
    wind_from_deg: float,
    stability: str = "D",
    release_time_s: float = 0.0,
    sigmas: SigmaFunction | None = None,
) -> np.ndarray:
    """Concentration (kg/m³) of an instantaneous release, a Gaussian puff with ground reflection.

    Parameters
    ----------
    x_m, y_m
        Receptor coordinates, m (x east, y north); any shapes that broadcast together.
    t_s
        Time, s; the puff leaves the source at ``release_time_s`` (0 concentration until then).
    mass_kg
        Released mass ``M``, kg (``>= 0``).
    source_x_m, source_y_m, release_height_m, receptor_height_m
        Source position, effective release height ``H`` and receptor height ``z`` (``>= 0``), m.
    wind_speed_m_s, wind_from_deg
        Wind speed ``u`` (m/s, > 0) and the direction it blows FROM (degrees from north).
    stability
        Pasquill–Gifford class for the CCPS puff σ.
    sigmas
        Optional ``travel_m -> (σx, σy, σz)`` replacing the CCPS puff σ.

    Returns
    -------
    numpy.ndarray
        Concentration in kg/m³, of the broadcast shape of ``x_m`` and ``y_m``.

    Examples
    --------
    >>> c = instantaneous_puff_concentration(
    ...     500.0, 0.0, 250.0, mass_kg=1.0, source_x_m=0.0, source_y_m=0.0,
    ...     release_height_m=0.0, receptor_height_m=0.0, wind_speed_m_s=2.0,
    ...     wind_from_deg=270.0, stability="F")  # centre of the puff, on the ground
    >>> f"{float(c):.4e}"
    '2.2500e-03'

    """
    train = PuffTrain(
        source_x_m=source_x_m,
        source_y_m=source_y_m,
        release_height_m=release_height_m,
        wind_speed_m_s=wind_speed_m_s,
        wind_from_deg=wind_from_deg,
        release_times_s=np.array([_finite("release_time_s", release_time_s)]),
        masses_kg=np.array([_finite("mass_kg", mass_kg, minimum=0.0)]),
        stability=stability,
        sigmas=sigmas,
    )
    return train.concentration(x_m, y_m, t_s, receptor_height_m=receptor_height_m)


def time_varying_release_concentration(
    x_m: np.ndarray | float,
    y_m: np.ndarray | float,
    t_s: float,
    *,
    rate_kg_s: Callable[[np.ndarray], np.ndarray] | RateTable,
    source_x_m: float,
    source_y_m: float,
    release_height_m: float,
    receptor_height_m: float,
    wind_speed_m_s: float,
    wind_from_deg: float,
    stability: str = "D",
    puff_interval_s: float = 10.0,
    start_s: float | None = None,
    end_s: float | None = None,
    sigmas: SigmaFunction | None = None,
) -> np.ndarray:
    """Concentration (kg/m³) at time ``t_s`` of a release whose rate varies, as a train of puffs.

    One-shot convenience around :meth:`PuffTrain.from_rate` and :meth:`PuffTrain.concentration`;
    to evaluate many times, build the :class:`PuffTrain` once instead. The parameters not listed
    below are those of :func:`instantaneous_puff_concentration` and :meth:`PuffTrain.from_rate`.

    Parameters
    ----------
    rate_kg_s
        A function of time returning kg/s (then ``start_s`` and ``end_s`` are required), or a
        table ``(times_s, rates_kg_s)`` read as piecewise linear and 0 outside its times.
    puff_interval_s
        Emission interval per puff, s.

    Returns
    -------
    numpy.ndarray
        Concentration in kg/m³, of the broadcast shape of ``x_m`` and ``y_m``.

    Examples
    --------
    >>> c = time_varying_release_concentration(
    ...     [1000.0, -1000.0], [0.0, 0.0], 900.0, rate_kg_s=([0.0, 1800.0], [1.0, 1.0]),
    ...     source_x_m=0.0, source_y_m=0.0, release_height_m=0.0, receptor_height_m=0.0,
    ...     wind_speed_m_s=5.0, wind_from_deg=270.0, stability="D", puff_interval_s=2.0)
    >>> bool(c[0] > 0.0), float(c[1])
    (True, 0.0)

    """
    train = PuffTrain.from_rate(
        rate_kg_s,
        source_x_m=source_x_m,
        source_y_m=source_y_m,
        release_height_m=release_height_m,
        wind_speed_m_s=wind_speed_m_s,
        wind_from_deg=wind_from_deg,
        stability=stability,
        puff_interval_s=puff_interval_s,
        start_s=start_s,
        end_s=end_s,
        sigmas=sigmas,
    )
    return train.concentration(x_m, y_m, t_s, receptor_height_m=receptor_height_m)
