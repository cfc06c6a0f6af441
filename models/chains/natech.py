"""Losses of containment of storage tanks triggered by natural hazards (Natech): earthquakes and floods.

Earthquake
----------
Lognormal fragility of on-ground steel storage tanks against peak ground acceleration (PGA, in g),
``P(DS ≥ ds | PGA) = Φ(ln(PGA / median) / β)``, from HAZUS-MH (potable-water storage tanks,
HAZUS 2.1 technical manual, p. 394, which also lists them for fuel tank farms):

====================  ===============  ===============  ===============  ===============
tank                  slight           moderate         extensive        complete
====================  ===============  ===============  ===============  ===============
anchored steel        0.30 g, β 0.60   0.70 g, β 0.60   1.25 g, β 0.65   1.60 g, β 0.60
unanchored steel      0.15 g, β 0.70   0.35 g, β 0.75   0.68 g, β 0.75   0.95 g, β 0.70
====================  ===============  ===============  ===============  ===============

Checked: the medians and dispersions were **seen** in public HAZUS-based model code (the Rts
regional simulation code, ``RFuelTankFarmModel.cpp`` / ``RWaterStorageTankModel.cpp``, "Refer to
HAZUS 2.1 pg. 394 - same as for water"). The damage-state meanings are **[recalled]** from HAZUS:
slight, roof damage and minor loss of contents; moderate, elephant-foot buckling without leak;
extensive, elephant-foot buckling with partial loss of contents; complete, collapse and total loss.
hazchain therefore calls a *release* ``DS ≥ extensive`` by default. The curves are for tanks that
are full or nearly full (water tanks are usually kept 80-100 % full, Eidinger et al. 2001 as
quoted by the JRC RAPID-N tool, https://rapidn.jrc.ec.europa.eu/FR/propriete/fill-percent): a
partly filled tank is treated as full (conservative), an empty one releases nothing. The Salzano
et al. (2003) probits and the fill-dependent ALA (2001) curves could not be checked and are not used.

Flood
-----
Physics of an unanchored vertical cylindrical tank in still or flowing water, in the style of
Landucci et al. (2012, Reliab. Eng. Syst. Saf. 106:200-216, [recalled]) and of the limit-state
equations of Khakzad & van Gelder (2017, Process Saf. Environ. Prot. 111:75-84, abstract seen):

* weight ``W = (m_t + φ·V·ρ_l)·g`` with ``V = π D²/4 · H``; buoyancy ``B = ρ_w·g·π D²/4·min(h, H)``;
* **flotation** when ``B ≥ W``, i.e. above the critical depth ``h_cr = (m_t + φ V ρ_l)/(ρ_w π D²/4)``
  (never, if ``h_cr > H``);
* **sliding** when the drag on the wetted projection, ``F = ½·ρ_w·C_d·D·min(h, H)·v²``, exceeds
  the friction ``μ·(W − B)``.

Assumptions: the water level is the same on all sides (no net hydrostatic push), the flow is
uniform over the depth, the tank does not deform (shell buckling under external pressure, the
governing mode of anchored and nearly empty tanks in Landucci et al., is not modelled) and an
anchored tank neither floats nor slides. The probabilistic version treats the fill fraction as
uniformly distributed over a range, as Landucci et al. (2012) treat the unknown filling level
[recalled]: the failure probability is the chance that the fill lies below the critical one.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

__all__ = [
    "TANK_SEISMIC_DAMAGE_STATES",
    "TANK_SEISMIC_FRAGILITY",
    "critical_flotation_depth_m",
    "tank_flood_failure",
    "tank_flood_failure_probability",
    "tank_seismic_damage_probabilities",
    "tank_seismic_release_probability",
    "tank_seismic_state_probabilities",
]

GRAVITY_M_S2 = 9.80665
WATER_DENSITY_KG_M3 = 1000.0

TANK_SEISMIC_DAMAGE_STATES: tuple[str, ...] = ("slight", "moderate", "extensive", "complete")
TANK_SEISMIC_FRAGILITY: dict[str, tuple[tuple[float, float], ...]] = {
    # (median PGA in g, lognormal β) per damage state; HAZUS 2.1 p. 394 (seen in public code)
    "anchored": ((0.30, 0.60), (0.70, 0.60), (1.25, 0.65), (1.60, 0.60)),
    "unanchored": ((0.15, 0.70), (0.35, 0.75), (0.68, 0.75), (0.95, 0.70)),
}


def _as_output(value: np.ndarray) -> np.ndarray | float:
    return float(value) if np.ndim(value) == 0 else value


def _nonnegative(name: str, value: np.ndarray | float, *, positive: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0.0 if positive else arr < 0.0):
        raise ValueError(f"{name} must be finite and {'> 0' if positive else '>= 0'}")
    return arr


def tank_seismic_damage_probabilities(pga_g: np.ndarray | float, anchored: bool) -> np.ndarray:
    """Probabilities of reaching or exceeding each HAZUS damage state of a steel tank.

    Parameters
    ----------
    pga_g
        Peak ground acceleration(s) in g, ``>= 0``.
    anchored
        Anchored (``True``) or unanchored (``False``) on-ground steel tank.

    Returns
    -------
    numpy.ndarray
        Shape ``pga_g.shape + (4,)``: ``P(DS ≥ slight, moderate, extensive, complete)``, made
        non-increasing across states where the curves of different β would cross (far tails).

    Examples
    --------
    >>> np.round(tank_seismic_damage_probabilities(0.35, anchored=False), 3)
    array([0.887, 0.5  , 0.188, 0.077])

    """
    pga = _nonnegative("pga_g", pga_g)
    table = np.asarray(TANK_SEISMIC_FRAGILITY["anchored" if anchored else "unanchored"])
    with np.errstate(divide="ignore"):
        z = (np.log(pga)[..., np.newaxis] - np.log(table[:, 0])) / table[:, 1]
    return np.minimum.accumulate(ndtr(z), axis=-1)


def tank_seismic_state_probabilities(pga_g: np.ndarray | float, anchored: bool) -> np.ndarray:
    """Probabilities of being in each state: none, slight, moderate, extensive, complete.

    Examples
    --------
    >>> p = tank_seismic_state_probabilities([0.1, 1.0], anchored=True)
    >>> p.shape, bool(np.allclose(p.sum(axis=-1), 1.0))
    ((2, 5), True)

    """
    exceed = tank_seismic_damage_probabilities(pga_g, anchored)
    edge = (*exceed.shape[:-1], 1)
    bounds = np.concatenate([np.ones(edge), exceed, np.zeros(edge)], axis=-1)
    return bounds[..., :-1] - bounds[..., 1:]


def tank_seismic_release_probability(
    pga_g: np.ndarray | float,
    anchored: bool,
    fill_fraction: np.ndarray | float = 1.0,
    *,
    release_state: str = "extensive",
) -> np.ndarray | float:
    """Probability that an earthquake makes a steel storage tank release its contents.

    ``P(DS ≥ release_state | PGA)`` from the HAZUS tank fragility; 0 for an empty tank.

    Parameters
    ----------
    pga_g
        Peak ground acceleration(s) in g, ``>= 0``.
    anchored
        Anchored or unanchored on-ground steel tank.
    fill_fraction
        Filled fraction of the volume in [0, 1]. The HAZUS curves hold for (nearly) full tanks and
        are applied unchanged to any fill above 0 (conservative); an empty tank gives 0.
    release_state
        Least damage state that releases contents: ``"slight"``, ``"moderate"``, ``"extensive"``
        (default: partial loss of contents) or ``"complete"``.

    Returns
    -------
    float or numpy.ndarray
        Probability in [0, 1]; broadcast shape of ``pga_g`` and ``fill_fraction``.

    Examples
    --------
    >>> tank_seismic_release_probability(0.68, anchored=False)  # the median of "extensive"
    0.5
    >>> round(tank_seismic_release_probability(0.68, anchored=True), 3)
    0.174

    """
    if release_state not in TANK_SEISMIC_DAMAGE_STATES:
        raise ValueError(f"release_state must be one of {', '.join(TANK_SEISMIC_DAMAGE_STATES)}")
    fill = np.asarray(fill_fraction, dtype=np.float64)
    if np.any(~((fill >= 0.0) & (fill <= 1.0))):
        raise ValueError("fill_fraction must lie in [0, 1]")
    exceed = tank_seismic_damage_probabilities(pga_g, anchored)
    p = exceed[..., TANK_SEISMIC_DAMAGE_STATES.index(release_state)]
    return _as_output(np.where(fill > 0.0, p, 0.0))


def _tank_forces(depth_m, velocity_m_s, diameter_m, height_m, water_density, drag_coefficient):
    """Buoyancy (N) and drag (N) on the wetted part of a vertical cylinder."""
    wetted = np.minimum(depth_m, height_m)
    buoyancy = water_density * GRAVITY_M_S2 * math.pi * diameter_m**2 / 4.0 * wetted
    drag = 0.5 * water_density * drag_coefficient * diameter_m * wetted * velocity_m_s**2
    return buoyancy, drag


def critical_flotation_depth_m(
    *,
    diameter_m: float | np.ndarray,
    height_m: float | np.ndarray,
    empty_mass_kg: float | np.ndarray,
    fill_fraction: float | np.ndarray,
    liquid_density_kg_m3: float | np.ndarray,
    water_density_kg_m3: float = WATER_DENSITY_KG_M3,
) -> np.ndarray | float:
    """Flood depth at which an unanchored vertical tank starts to float.

    ``h_cr = (m_t + φ·V·ρ_l) / (ρ_w·π D²/4)`` with ``V = π D²/4 · H``; ``inf`` when ``h_cr`` exceeds
    the tank height (even a submerged tank is too heavy to float).

    Examples
    --------
    >>> round(critical_flotation_depth_m(diameter_m=10.0, height_m=10.0, empty_mass_kg=30e3,
    ...                                  fill_fraction=0.2, liquid_density_kg_m3=800.0), 4)
    1.982

    """
    d = _nonnegative("diameter_m", diameter_m, positive=True)
    h = _nonnegative("height_m", height_m, positive=True)
    m_t = _nonnegative("empty_mass_kg", empty_mass_kg)
    rho_l = _nonnegative("liquid_density_kg_m3", liquid_density_kg_m3)
    rho_w = float(_nonnegative("water_density_kg_m3", water_density_kg_m3, positive=True))
    fill = _fill(fill_fraction)
    area = math.pi * d**2 / 4.0
    h_cr = (m_t + fill * area * h * rho_l) / (rho_w * area)
    return _as_output(np.where(h_cr <= h, h_cr, np.inf))


def _fill(fill_fraction: float | np.ndarray) -> np.ndarray:
    fill = np.asarray(fill_fraction, dtype=np.float64)
    if np.any(~((fill >= 0.0) & (fill <= 1.0))):
        raise ValueError("fill fractions must lie in [0, 1]")
    return fill


def tank_flood_failure(
    depth_m: np.ndarray | float,
    velocity_m_s: np.ndarray | float,
    *,
    diameter_m: float,
    height_m: float,
    empty_mass_kg: float,
    fill_fraction: float | np.ndarray,
    liquid_density_kg_m3: float,
    anchored: bool = False,
    friction_coefficient: float = 0.5,
    drag_coefficient: float = 1.0,
    water_density_kg_m3: float = WATER_DENSITY_KG_M3,
) -> tuple[np.ndarray | bool, np.ndarray | bool]:
    """Whether a flood makes a vertical storage tank float and whether it makes it slide.

    Parameters
    ----------
    depth_m, velocity_m_s
        Flood water depth (m, ``>= 0``) and depth-averaged velocity (m/s, ``>= 0``) at the tank;
        broadcast together (and with ``fill_fraction``).
    diameter_m, height_m
        Tank diameter and shell height in m.
    empty_mass_kg
        Mass of the empty tank (shell, roof, bottom) in kg.
    fill_fraction
        Filled fraction of the tank volume, in [0, 1].
    liquid_density_kg_m3
        Density of the stored liquid.
    anchored
        An anchored tank is assumed to neither float nor slide (both ``False``).
    friction_coefficient
        Static friction coefficient ``μ`` between tank bottom and foundation (``> 0``).
    drag_coefficient
        Drag coefficient ``C_d`` of the cylinder in the flow (about 0.6-1.2 for cylinders).
    water_density_kg_m3
        Density of the flood water (1000; about 1100-1200 with heavy sediment load).

    Returns
    -------
    floats, slides
        Booleans (arrays for array inputs): ``B ≥ W``; ``F > μ·(W − B)``. A floating tank in
        moving water also slides.

    Examples
    --------
    >>> kw = dict(diameter_m=10.0, height_m=10.0, empty_mass_kg=30e3, fill_fraction=0.2,
    ...           liquid_density_kg_m3=800.0)
    >>> tank_flood_failure([1.9, 2.1], 0.0, **kw)
    (array([False,  True]), array([False,  True]))
    >>> tank_flood_failure(1.0, 2.0, **kw)  # drag 20 kN < friction 0.5 x (W - B) = 378 kN
    (False, False)

    """
    depth = _nonnegative("depth_m", depth_m)
    velocity = _nonnegative("velocity_m_s", velocity_m_s)
    d = float(_nonnegative("diameter_m", diameter_m, positive=True))
    h = float(_nonnegative("height_m", height_m, positive=True))
    m_t = float(_nonnegative("empty_mass_kg", empty_mass_kg))
    rho_l = float(_nonnegative("liquid_density_kg_m3", liquid_density_kg_m3))
    mu = float(_nonnegative("friction_coefficient", friction_coefficient, positive=True))
    c_d = float(_nonnegative("drag_coefficient", drag_coefficient))
    rho_w = float(_nonnegative("water_density_kg_m3", water_density_kg_m3, positive=True))
    depth, velocity, fill = np.broadcast_arrays(depth, velocity, _fill(fill_fraction))
    weight = (m_t + fill * math.pi * d**2 / 4.0 * h * rho_l) * GRAVITY_M_S2
    buoyancy, drag = _tank_forces(depth, velocity, d, h, rho_w, c_d)
    floats = (buoyancy >= weight) & (depth > 0.0)
    slides = drag > mu * (weight - buoyancy)
    if anchored:
        floats = np.zeros_like(floats)
        slides = np.zeros_like(slides)
    if floats.ndim == 0:
        return bool(floats), bool(slides)
    return floats, slides


def tank_flood_failure_probability(
    depth_m: np.ndarray | float,
    velocity_m_s: np.ndarray | float,
    *,
    diameter_m: float,
    height_m: float,
    empty_mass_kg: float,
    liquid_density_kg_m3: float,
    fill_range: tuple[float, float] = (0.0, 1.0),
    anchored: bool = False,
    friction_coefficient: float = 0.5,
    drag_coefficient: float = 1.0,
    water_density_kg_m3: float = WATER_DENSITY_KG_M3,
) -> np.ndarray | float:
    """Probability that a flood floats or slides a tank whose fill fraction is uniformly unknown.

    With the fill ``φ ~ U(fill_range)``, the tank fails (floats or slides) when ``φ`` lies below
    the critical fill ``φ_c = ((B + F/μ)/g − m_t)/(V ρ_l)`` at which ``F = μ(W − B)`` (flotation
    alone when ``v = 0``), so ``P = clip((φ_c − φ_min)/(φ_max − φ_min), 0, 1)``. Other arguments
    as in :func:`tank_flood_failure`.

    Examples
    --------
    >>> kw = dict(diameter_m=10.0, height_m=10.0, empty_mass_kg=30e3, liquid_density_kg_m3=800.0)
    >>> round(tank_flood_failure_probability(4.38197, 0.0, **kw), 3)  # floats if φ < 0.5
    0.5

    """
    lo, hi = (float(v) for v in fill_range)
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError("fill_range must be (low, high) with 0 <= low < high <= 1")
    depth = _nonnegative("depth_m", depth_m)
    velocity = _nonnegative("velocity_m_s", velocity_m_s)
    d = float(_nonnegative("diameter_m", diameter_m, positive=True))
    h = float(_nonnegative("height_m", height_m, positive=True))
    m_t = float(_nonnegative("empty_mass_kg", empty_mass_kg))
    rho_l = float(_nonnegative("liquid_density_kg_m3", liquid_density_kg_m3, positive=True))
    mu = float(_nonnegative("friction_coefficient", friction_coefficient, positive=True))
    c_d = float(_nonnegative("drag_coefficient", drag_coefficient))
    rho_w = float(_nonnegative("water_density_kg_m3", water_density_kg_m3, positive=True))
    depth, velocity = np.broadcast_arrays(depth, velocity)
    buoyancy, drag = _tank_forces(depth, velocity, d, h, rho_w, c_d)
    liquid_capacity_kg = math.pi * d**2 / 4.0 * h * rho_l
    phi_c = ((buoyancy + drag / mu) / GRAVITY_M_S2 - m_t) / liquid_capacity_kg
    p = np.clip((phi_c - lo) / (hi - lo), 0.0, 1.0)
    p = np.where(depth > 0.0, p, 0.0)
    return _as_output(np.zeros_like(p) if anchored else p)
