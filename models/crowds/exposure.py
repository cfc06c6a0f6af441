"""Hazard coupling of a crowd: engine fields at pedestrians, water, toxic load, smoke, heat, crush.

Pure functions over agent arrays (numpy, or numba where a loop over agents is needed), used
by :mod:`models.crowds.evacuation` once per engine step; nothing here keeps simulation state
except :class:`CrushMonitor`, which remembers crush-risk episodes per place.

Fields at positions
    :func:`sample_field` interpolates an engine layer bilinearly between cell centres (the
    grid's cells hold cell averages; at the outer half cell the edge value is held) and gives
    NaN outside the grid.

Floodwater (``water_depth_m``, ``flow_speed_m_s``)
    *Instability.* A pedestrian loses footing when the combined flood hazard class of
    Australian Disaster Resilience Guideline 7-3 (AIDR 2017; limits as
    :data:`models.impact.flood_people.HAZARD_CLASS_LIMITS`, checked there against public
    code) at its position is above the highest class its group is safe in: H3 ("unsafe for
    vehicles, children and the elderly") is the last class safe for adults, H2 ("unsafe for
    small vehicles") the last for children and the elderly. So adults fall at depth > 1.2 m,
    ``d·v`` > 0.6 m²/s or speed > 2 m/s in water; vulnerable people already at depth > 0.5 m.
    The person is then *incapacitated* (cannot walk on).
    *Drowning.* Anyone on the floor in water deeper than ``drowning_depth_m`` (default 2.0 m,
    the depth limit of H4, beyond which the guideline has no class in which people can stand)
    dies. This is a stated assumption, not a published mortality function (Jonkman's could
    not be checked here).
    *Wading speed.* Free speed × a factor of depth, linear between the knots of
    :data:`WADING_SPEED_KNOTS`: 1 in dry conditions, 0.583 at 0.35 m, the mean of the speed
    losses of 38.6 % (men) and 44.8 % (women) that Li, Song, Zhang & Bode (2026, Acta
    Polytechnica 57, doi:10.14311/APP.2026.57.0226, abstract read) measured from dry to
    0.35 m, and 0.45 at 0.9 m, an **assumption** following their statement that deeper water
    slows people progressively less (their values at 0.6 and 0.9 m were not read). Flow slows
    too, by an **assumed** factor ``1 − p·min(d·v / 0.6 m²/s, 1)`` (``p`` =
    ``flow_speed_penalty``, default 0.5: half speed at the edge of instability); Mizuno &
    Nihei (2016, IAHR-APD) report that speed falls with both depth and flow velocity but
    their fit was not read.

Toxic gas (``gas_concentration_mg_m3``)
    The toxic load ``L = Σ (f·C)ⁿ Δt`` in the probit's own units (``f`` converts mg/m³ to
    ppm where the probit is in ppm; minutes) accumulates per pedestrian; the substance's
    lethality probit (``models/substances.toml``, e.g. Withers & Lees 1985 for chlorine)
    gives ``P = Φ(a + b ln L − 5)``. Each pedestrian draws once a tolerance quantile
    ``u ~ U(0, 1)`` and dies when ``P(L) >= u``, i.e. when its load reaches
    :func:`lethal_loads` ``(u)``: the probit read as the distribution of individual
    tolerances, so that out of many people exposed alike the probit's fraction die.
    *Guideline loads.* :func:`aegl_equivalent_load` turns an Acute Exposure Guideline Level
    for a duration into the load of that exposure in the probit's units, ``(f·C_AEGL)ⁿ·t``
    with the probit's exponent (the toxic-load reading of the AEGL, as the chlorine
    scenario's header counts "people above the 60-minute AEGL-2 load"). The process counts
    the people whose load passed the 60-minute AEGL-2 and AEGL-3 loads.
    *Incapacitation* by gas is optional (default off, so that gas only kills): at a stated
    load (``incapacitation_load``) or at the 60-minute AEGL-3 load (``incapacitation_aegl =
    3``). This is an **assumption**: AEGL-3 is the level above which the general population
    "could experience life-threatening health effects or death", not a measured
    incapacitation dose; Purser's fractional effective concentration for irritants
    (ISO 13571) was not available here with checked constants. An incapacitated person
    stops and keeps breathing where they stand (and may die later).

Smoke (``co_concentration_ppm``, ``hcn_concentration_ppm``, ``co2_volume_percent``, ``o2_volume_percent``)
    Purser's fractional effective dose in the form NIST FDS codes it (FDS User's Guide, NIST
    SP 1019, as summarised in ``/work/shared/reference/hazard-models.md`` (h)):
    ``FED = (FED_CO + FED_CN)·HV_CO2 + FED_O2`` with rates per minute
    ``2.764e-5 C_CO^1.036``, ``exp(C_CN/43)/220 − 0.0045`` (taken as 0 where negative),
    ``1/exp(8.13 − 0.54 (20.9 − C_O2))`` and ``HV_CO2 = exp(0.1903 C_CO2 + 2.0004)/7.1``
    (1 where no CO₂ field exists). NO/NO₂ and irritants are not modelled (no fields carry
    them); ``C_CN`` is the HCN field alone. Incapacitation at FED >= 1 (ISO 13571; 0.3
    protects sensitive people).

Radiant heat (``thermal_radiation_kw_m2``)
    The thermal dose ``D = Σ I^{4/3} Δt`` (W/m², s) and a lethality probit of
    :data:`models.impact.thermal.THERMAL_PROBITS` (Eisenberg by default), read as individual
    tolerances as for gas.

Crowd density and crush risk
    :func:`local_density` is a kernel estimate: each pedestrian spreads one person over a
    cone of base radius ``R`` (``3/(πR²)·(1 − d/R)``), summed at each pedestrian's position
    (itself included). Vacková & Bukáček (2022, arXiv:2205.10145, abstract read) find that a
    conic kernel of base radius 0.7–1.2 m gives smooth densities that keep the trends; the
    default 1.0 m averages over about 1–3 m²; on square and hexagonal lattices of 4–8
    persons/m² it is within 5 % of the lattice density (at 3 persons/m² within 10 %; the
    discrete sum then samples the cone coarsely). :class:`CrushMonitor` flags a place (a square
    cell of ``place_m``) while some pedestrian in it stands at a local density above the
    critical value, and reports one crush-risk episode when the time above it adds up to
    ``duration_s``; the episode ends when the place has stayed below 80 % of the value for
    ``duration_s`` (hysteresis: in the full stadium scenario, jams hovering at 5.6-5.9
    persons/m² otherwise gave a new episode every few seconds at the same place). A jam that
    spreads over neighbouring places (a door on the line between two) is reported once: a
    place whose neighbour has an ongoing reported episode joins it silently. The default
    critical density, 5.55 persons/m², is the moving-crowd value at which "potentially
    dangerous crowd forces begin to develop" in the chart Wirz et al. (2013, EPJ Data Science
    2:5, table 1) derive from Fruin (1993); G. K. Still (interviewed 2022) calls more than
    5 persons/m² dangerous. Static crowds tolerate more (7.1 persons/m² in the same chart).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from engine.grid import Grid
from models.impact.flood_people import hazard_class
from models.impact.probit import ToxicProbit
from models.impact.thermal import ThermalProbit, thermal_dose

__all__ = [
    "ADULT_SAFE_FLOOD_CLASS",
    "CAUSES",
    "CRITICAL_DENSITY_P_M2",
    "DEATH_CAUSES",
    "DEFAULT_DROWNING_DEPTH_M",
    "INCAPACITATION_CAUSES",
    "INSTABILITY_DV_M2_S",
    "VULNERABLE_SAFE_FLOOD_CLASS",
    "WADING_SPEED_KNOTS",
    "CrushEpisode",
    "CrushMonitor",
    "aegl_equivalent_load",
    "fed_rate_per_min",
    "flood_outcome",
    "hyperventilation_factor",
    "lethal_loads",
    "lethal_thermal_doses",
    "local_density",
    "sample_field",
    "thermal_dose_step",
    "toxic_load_step",
    "wading_speed_factor",
]

#: ``(depth m, speed factor)`` knots of the wading-speed factor (module docstring).
WADING_SPEED_KNOTS: tuple[tuple[float, float], ...] = ((0.0, 1.0), (0.35, 0.583), (0.9, 0.45))
#: Highest AIDR 2017 flood hazard class an adult can stand in (H3).
ADULT_SAFE_FLOOD_CLASS = 3
#: Highest class children and the elderly can stand in (H2).
VULNERABLE_SAFE_FLOOD_CLASS = 2
#: ``d·v`` limit of H2/H3 (m²/s), the reference of the flow-speed penalty.
INSTABILITY_DV_M2_S = 0.6
#: Depth above which a person on the floor drowns (assumption: AIDR H4's depth limit).
DEFAULT_DROWNING_DEPTH_M = 2.0
#: Critical local density (persons/m²): Fruin's moving-crowd value as charted by Wirz et al. 2013.
CRITICAL_DENSITY_P_M2 = 5.55

FLOOD_OK, FLOOD_INCAPACITATED, FLOOD_DROWNED = 0, 1, 2

#: Causes of incapacitation or death by code (0: none): floodwater (loss of footing), drowning,
#: toxic gas (probit), smoke (FED) and radiant heat (probit).
CAUSES = ("", "flood", "drowning", "toxic_gas", "smoke", "heat")
#: Causes that incapacitate, and causes that kill.
INCAPACITATION_CAUSES = ("flood", "toxic_gas", "smoke")
DEATH_CAUSES = ("drowning", "toxic_gas", "heat")


# --- fields at positions ------------------------------------------------------------------------


@numba.njit(cache=True)
def _bilinear(data, x0, y0, cell, x, y, out):  # pragma: no cover - compiled
    ny, nx = data.shape
    for k in range(x.shape[0]):
        fx = (x[k] - x0) / cell
        fy = (y[k] - y0) / cell
        if not (0.0 <= fx <= nx and 0.0 <= fy <= ny):
            out[k] = np.nan
            continue
        fx = min(max(fx - 0.5, 0.0), nx - 1.0)
        fy = min(max(fy - 0.5, 0.0), ny - 1.0)
        i0, j0 = int(fx), int(fy)
        i1, j1 = min(i0 + 1, nx - 1), min(j0 + 1, ny - 1)
        wx, wy = fx - i0, fy - j0
        out[k] = (1.0 - wy) * ((1.0 - wx) * data[j0, i0] + wx * data[j0, i1]) + wy * (
            (1.0 - wx) * data[j1, i0] + wx * data[j1, i1]
        )


def sample_field(data: np.ndarray, grid: Grid, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Bilinear value of an engine layer at points in grid coordinates; NaN outside the grid.

    Values sit at cell centres; between the outermost centres and the grid's edge the edge
    cells' values are held.

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 10.0, nx=3, ny=2)
    >>> layer = np.array([[0.0, 10.0, 20.0], [0.0, 10.0, 20.0]])
    >>> sample_field(layer, g, np.array([5.0, 10.0, 2.0, 31.0]), np.array([5.0, 5.0, 5.0, 5.0]))
    array([ 0.,  5.,  0., nan])
    """
    x = np.ascontiguousarray(x_m, np.float64).ravel()
    y = np.ascontiguousarray(y_m, np.float64).ravel()
    out = np.empty_like(x)
    _bilinear(
        np.ascontiguousarray(data, np.float64), grid.origin_x_m, grid.origin_y_m, grid.cell_size_m, x, y, out
    )
    return out


# --- floodwater -----------------------------------------------------------------------------------


def wading_speed_factor(
    depth_m: np.ndarray,
    speed_m_s: np.ndarray | float = 0.0,
    *,
    knots: tuple[tuple[float, float], ...] = WADING_SPEED_KNOTS,
    flow_speed_penalty: float = 0.5,
) -> np.ndarray:
    """Walking-speed factor in floodwater: depth knots (linear, held beyond) × flow penalty.

    Examples
    --------
    >>> wading_speed_factor(np.array([0.0, 0.35, 2.0])).round(3).tolist()
    [1.0, 0.583, 0.45]
    >>> float(wading_speed_factor(np.array([0.3]), np.array([1.0]))[0].round(4))  # d·v = 0.3: −25 %
    0.4819
    """
    d = np.nan_to_num(np.asarray(depth_m, np.float64), nan=0.0)
    v = np.nan_to_num(np.asarray(speed_m_s, np.float64), nan=0.0)
    kd, kf = np.array(knots, np.float64).T
    f = np.interp(np.maximum(d, 0.0), kd, kf)
    dv = np.maximum(d, 0.0) * np.maximum(v, 0.0)
    return f * (1.0 - flow_speed_penalty * np.minimum(dv / INSTABILITY_DV_M2_S, 1.0))


def flood_outcome(
    depth_m: np.ndarray,
    speed_m_s: np.ndarray,
    vulnerable: np.ndarray,
    *,
    wet_depth_m: float = 0.05,
    drowning_depth_m: float = DEFAULT_DROWNING_DEPTH_M,
) -> np.ndarray:
    """0 (can walk), 1 (loses footing: incapacitated) or 2 (drowns) per person.

    ``vulnerable`` marks children and the elderly (safe up to H2 instead of H3).

    Examples
    --------
    >>> d = np.array([1.2, 1.21, 0.5, 0.5, 0.51, 2.01])
    >>> v = np.array([0.0, 0.0, 1.2, 1.21, 0.0, 0.0])
    >>> flood_outcome(d, v, np.zeros(6, bool)).tolist()
    [0, 1, 0, 1, 0, 2]
    >>> flood_outcome(d, v, np.ones(6, bool)).tolist()
    [1, 1, 0, 1, 1, 2]
    """
    d = np.nan_to_num(np.asarray(depth_m, np.float64), nan=0.0)
    v = np.nan_to_num(np.asarray(speed_m_s, np.float64), nan=0.0)
    cls = hazard_class(d, v, wet_depth_m=wet_depth_m)
    safe = np.where(np.asarray(vulnerable, bool), VULNERABLE_SAFE_FLOOD_CLASS, ADULT_SAFE_FLOOD_CLASS)
    out = np.where(cls > safe, FLOOD_INCAPACITATED, FLOOD_OK)
    return np.where(d > drowning_depth_m, FLOOD_DROWNED, out).astype(np.int8)


# --- toxic gas and heat -------------------------------------------------------------------------


def toxic_load_step(
    load: np.ndarray, c_mg_m3: np.ndarray, dt_s: float, probit: ToxicProbit, mg_m3_to_unit: float
) -> None:
    """Add ``(f·C)ⁿ Δt`` (probit units, minutes) to ``load`` in place; NaN or negative C count as 0.

    Examples
    --------
    >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
    >>> load = np.zeros(1)
    >>> toxic_load_step(load, np.array([10.0]), 60.0, p, 1.0)
    >>> load.tolist()
    [100.0]
    """
    c = np.maximum(np.nan_to_num(np.asarray(c_mg_m3, np.float64), nan=0.0), 0.0) * mg_m3_to_unit
    load += c**probit.n * (dt_s / 60.0)


def lethal_loads(probit: ToxicProbit, tolerance: np.ndarray) -> np.ndarray:
    """Toxic load at which a person of tolerance quantile ``u`` dies: ``P(L) = u``.

    Examples
    --------
    >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
    >>> float(np.sqrt(lethal_loads(p, np.array([0.5]))[0] / 10.0).round())  # LC50 at 10 min, ppm
    433.0
    """
    u = np.clip(np.asarray(tolerance, np.float64), 0.0, 1.0)
    return np.asarray(probit.lethal_concentration(u, 1.0), np.float64) ** probit.n


def aegl_equivalent_load(
    aegl_ppm: float, duration_min: float, probit: ToxicProbit, ppm_to_unit: float = 1.0
) -> float:
    """Toxic load ``(f·C)ⁿ·t`` (probit units, minutes) of breathing ``aegl_ppm`` for ``duration_min``.

    ``ppm_to_unit`` converts ppm to the probit's concentration unit (1 for a ppm probit,
    ``M/V_m`` for a mg/m³ one).

    Examples
    --------
    >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
    >>> aegl_equivalent_load(20.0, 60.0, p), aegl_equivalent_load(2.0, 60.0, p)  # chlorine AEGL-3, -2
    (24000.0, 240.0)
    """
    return float((aegl_ppm * ppm_to_unit) ** probit.n * duration_min)


def thermal_dose_step(dose: np.ndarray, flux_kw_m2: np.ndarray, dt_s: float) -> None:
    """Add ``I^{4/3} Δt`` (W/m², s) to ``dose`` in place; the flux is given in kW/m².

    Examples
    --------
    >>> dose = np.zeros(1)
    >>> thermal_dose_step(dose, np.array([10.0]), 2.0)
    >>> round(float(dose[0]))
    430887
    """
    flux = np.maximum(np.nan_to_num(np.asarray(flux_kw_m2, np.float64), nan=0.0), 0.0) * 1000.0
    dose += thermal_dose(flux, np.full(flux.shape, float(dt_s)))


def lethal_thermal_doses(probit: ThermalProbit, tolerance: np.ndarray) -> np.ndarray:
    """Thermal dose at which a person of tolerance quantile ``u`` dies (``P(D) = u``)."""
    return np.asarray(probit.dose_for_probability(np.clip(np.asarray(tolerance, np.float64), 0.0, 1.0)))


# --- smoke ----------------------------------------------------------------------------------------


def hyperventilation_factor(co2_volume_percent: np.ndarray) -> np.ndarray:
    """Purser's CO₂ hyperventilation factor ``exp(0.1903 C + 2.0004) / 7.1`` (C in vol %).

    Examples
    --------
    >>> float(hyperventilation_factor(np.array([1.0]))[0].round(3))
    1.259
    """
    c = np.nan_to_num(np.asarray(co2_volume_percent, np.float64), nan=0.0)
    return np.exp(0.1903 * c + 2.0004) / 7.1


def fed_rate_per_min(
    co_ppm: np.ndarray | None = None,
    hcn_ppm: np.ndarray | None = None,
    co2_volume_percent: np.ndarray | None = None,
    o2_volume_percent: np.ndarray | None = None,
    *,
    size: int | None = None,
) -> np.ndarray:
    """Rate of Purser's fractional effective dose (per minute) from the gases given.

    Missing gases contribute nothing (``HV_CO2 = 1`` without a CO₂ field).

    Examples
    --------
    >>> round(float(fed_rate_per_min(np.array([1000.0]))[0] * 30.0), 3)  # 1000 ppm CO, 30 min
    1.063
    """
    given = [a for a in (co_ppm, hcn_ppm, co2_volume_percent, o2_volume_percent) if a is not None]
    n = size if size is not None else (np.asarray(given[0]).size if given else 0)

    def clean(a):
        return np.maximum(np.nan_to_num(np.asarray(a, np.float64).ravel(), nan=0.0), 0.0)

    rate = np.zeros(n)
    if co_ppm is not None:
        rate += 2.764e-5 * clean(co_ppm) ** 1.036
    if hcn_ppm is not None:
        rate += np.maximum(np.exp(clean(hcn_ppm) / 43.0) / 220.0 - 0.0045, 0.0)
    if co2_volume_percent is not None:
        rate *= hyperventilation_factor(clean(co2_volume_percent))
    if o2_volume_percent is not None:
        o2 = np.nan_to_num(np.asarray(o2_volume_percent, np.float64).ravel(), nan=20.9)
        rate += 1.0 / np.exp(8.13 - 0.54 * (20.9 - np.clip(o2, 0.0, 20.9)))
    return rate


# --- local density ----------------------------------------------------------------------------------


@numba.njit(cache=True)
def _cone_density(x, y, mask, radius, out):  # pragma: no cover - compiled
    n = x.shape[0]
    out[:] = 0.0
    idx = np.flatnonzero(mask)
    m = idx.shape[0]
    if m == 0:
        return
    x0, y0 = x[idx].min(), y[idx].min()
    nx = int((x[idx].max() - x0) / radius) + 1
    ny = int((y[idx].max() - y0) / radius) + 1
    start = np.zeros(nx * ny + 1, np.int64)
    cell = np.empty(m, np.int64)
    for k in range(m):
        i = idx[k]
        c = int((y[i] - y0) / radius) * nx + int((x[i] - x0) / radius)
        cell[k] = c
        start[c + 1] += 1
    for c in range(nx * ny):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(m, np.int64)
    for k in range(m):
        order[fill[cell[k]]] = idx[k]
        fill[cell[k]] += 1
    norm = 3.0 / (math.pi * radius * radius)
    for k in range(m):
        i = idx[k]
        ci, cj = cell[k] % nx, cell[k] // nx
        s = 0.0
        for rj in range(max(cj - 1, 0), min(cj + 2, ny)):
            for ri in range(max(ci - 1, 0), min(ci + 2, nx)):
                c = rj * nx + ri
                for q in range(start[c], start[c + 1]):
                    j = order[q]
                    d = math.hypot(x[j] - x[i], y[j] - y[i])
                    if d < radius:
                        s += 1.0 - d / radius
        out[i] = norm * s
    _ = n


def local_density(
    x_m: np.ndarray, y_m: np.ndarray, *, radius_m: float = 1.0, mask: np.ndarray | None = None
) -> np.ndarray:
    """Cone-kernel density (persons/m²) at each masked pedestrian, itself included; 0 elsewhere.

    Cell list of side ``radius_m``: O(N) for a bounded density.

    Examples
    --------
    >>> x, y = np.meshgrid(np.arange(0.0, 20.0, 0.5), np.arange(0.0, 20.0, 0.5))
    >>> rho = local_density(x.ravel(), y.ravel(), radius_m=1.0)
    >>> round(float(rho[(x.ravel() == 10.0) & (y.ravel() == 10.0)][0]), 2)  # square lattice of 4 /m²
    3.98
    """
    x = np.ascontiguousarray(x_m, np.float64).ravel()
    y = np.ascontiguousarray(y_m, np.float64).ravel()
    m = np.ones(x.shape, np.bool_) if mask is None else np.ascontiguousarray(mask, np.bool_).ravel()
    if not radius_m > 0:
        raise ValueError(f"radius_m must be > 0, got {radius_m}")
    out = np.empty_like(x)
    _cone_density(x, y, m, float(radius_m), out)
    return out


# --- crush risk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrushEpisode:
    """A place where the local density stayed above the critical value long enough."""

    t_s: float
    x_m: float
    y_m: float
    density_p_m2: float
    since_s: float
    place: int


@dataclass
class CrushMonitor:
    """Crush-risk episodes per place (square cells of ``place_m`` from ``origin``), one report each.

    Call :meth:`update` at every measurement with the pedestrians' positions and local
    densities; it returns the episodes reported at that moment. An episode of a place starts
    when a pedestrian in it stands above ``critical_p_m2``; it is reported once the time
    spent above that value during the episode reaches ``duration_s``; it ends when the place
    has stayed below ``release_fraction × critical_p_m2`` for ``duration_s`` (hysteresis, so
    that a jam whose density hovers around the critical value is one episode, not many).

    Examples
    --------
    >>> mon = CrushMonitor(5.55, 3.0, 5.0, (0.0, 0.0), (2, 2))
    >>> hot = lambda t: mon.update(t, np.array([1.0]), np.array([1.0]), np.array([6.0]))
    >>> [len(hot(t)) for t in (0.0, 1.0, 2.0, 3.0, 4.0)]
    [0, 0, 0, 1, 0]
    """

    critical_p_m2: float = CRITICAL_DENSITY_P_M2
    duration_s: float = 5.0
    place_m: float = 5.0
    origin: tuple[float, float] = (0.0, 0.0)
    shape: tuple[int, int] = (1, 1)
    release_fraction: float = 0.8
    episodes: list[CrushEpisode] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        n = self.shape[0] * self.shape[1]
        self.hot_since = np.full(n, np.nan)  # start of the ongoing episode (NaN: none)
        self.above_s = np.zeros(n)  # time above the critical density in the episode
        self.below_s = np.full(n, -1.0)  # time below the release density (-1: not below)
        self.reported = np.zeros(n, bool)
        self._last_t: float | None = None

    def place_of(self, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Index of the place holding each point (clipped to the monitored box)."""
        ny, nx = self.shape
        col = np.clip(((np.asarray(x_m) - self.origin[0]) // self.place_m).astype(np.int64), 0, nx - 1)
        row = np.clip(((np.asarray(y_m) - self.origin[1]) // self.place_m).astype(np.int64), 0, ny - 1)
        return row * nx + col

    def update(self, t_s: float, x_m: np.ndarray, y_m: np.ndarray, density: np.ndarray) -> list[CrushEpisode]:
        """Record one measurement; return the episodes reported now."""
        dt = 0.0 if self._last_t is None else t_s - self._last_t
        self._last_t = t_s
        x, y, d = np.asarray(x_m), np.asarray(y_m), np.asarray(density)
        over = d > self.critical_p_m2
        places = self.place_of(x[over], y[over])
        hot = np.zeros(self.hot_since.size, bool)
        hot[places] = True
        warm = np.zeros_like(hot)
        warm_pts = d > self.release_fraction * self.critical_p_m2
        warm[self.place_of(x[warm_pts], y[warm_pts])] = True
        active = ~np.isnan(self.hot_since)
        self.above_s[active & hot] += dt
        self.below_s[active & warm] = -1.0
        cooling = active & ~warm
        self.below_s[cooling] = np.where(self.below_s[cooling] < 0, 0.0, self.below_s[cooling] + dt)
        ended = cooling & (self.below_s >= self.duration_s)
        self.hot_since[ended] = np.nan
        self.reported[ended] = False
        self.below_s[ended] = -1.0
        start = hot & np.isnan(self.hot_since)
        self.hot_since[start] = t_s
        self.above_s[start] = 0.0
        due = np.flatnonzero(hot & ~self.reported & (self.above_s >= self.duration_s))
        new = []
        if due.size:
            xs, ys, ds = x[over], y[over], d[over]
            peak = {int(p): np.flatnonzero(places == p)[np.argmax(ds[places == p])] for p in due}
            for p in sorted(peak, key=lambda q: -ds[peak[q]]):
                joined = self._reported_neighbour(p)
                self.reported[p] = True
                if joined:  # the same jam, already reported from the place next door
                    continue
                k = peak[p]
                since = float(self.hot_since[p])
                new.append(CrushEpisode(t_s, float(xs[k]), float(ys[k]), float(ds[k]), since, p))
            self.episodes.extend(new)
        return new

    def _reported_neighbour(self, p: int) -> bool:
        """Whether a place next to ``p`` (8 neighbours) has an ongoing, reported episode."""
        ny, nx = self.shape
        r, c = divmod(p, nx)
        for rr in range(max(r - 1, 0), min(r + 2, ny)):
            for cc in range(max(c - 1, 0), min(c + 2, nx)):
                q = rr * nx + cc
                if q != p and self.reported[q] and not np.isnan(self.hot_since[q]):
                    return True
        return False
