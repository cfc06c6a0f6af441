"""Blast waves of explosions: TNT equivalence (Kinney & Graham), TNO multi-energy, vessel bursts.

Three pure-physics routes from an explosion to the side-on blast wave at receptor distances:

* **TNT equivalence.** A vapour cloud of flammable mass ``m`` with heat of combustion ``ΔHc``
  is replaced by ``W = η·m·ΔHc / E_TNT`` kg of TNT (yield ``η`` ≈ 0.01–0.10, 0.03 a common
  default). The blast then follows Hopkinson–Cranz scaling, ``Z = R / W^{1/3}``, and the
  Kinney & Graham (1985) free-air fits for overpressure, positive-phase duration and impulse.
  A burst on the ground doubles the charge (``2W``: the ground reflects the half of the energy
  that would go downwards).
* **TNO multi-energy** (van den Berg 1985). Only the congested or confined part of a cloud
  explodes strongly; its combustion energy ``E`` (3.5 MJ per m³ of stoichiometric
  hydrocarbon–air mixture) and a blast strength class 1 (weak deflagration) .. 10 (detonation)
  give the side-on overpressure and positive-phase duration from Sachs-scaled charts,
  ``R̄ = R / (E/p0)^{1/3}``, ``ΔP = P̄·p0``, ``t+ = t̄·(E/p0)^{1/3} / c0``. The charts are
  graphs; this module uses the piecewise power-law fits of Johansson (2017), who fitted them to
  the Gexcon parametrisation of the published curves and reports agreement within "one or a
  few per cent". The impulse is that of a triangular pulse, ``i = ΔP·t+/2`` (Johansson eq. 4.7).
* **Vessel burst** (Brode 1959): the stored energy of a gas at ``p1`` in a volume ``V``,
  ``E = (p1 − p0)·V / (γ − 1)``, for use with the strength-10 multi-energy curve or TNT.

Sources
-------
* Kinney, G.F. & Graham, K.J. (1985) *Explosive Shocks in Air*, 2nd ed., Springer, eq. 6-2
  (overpressure) [seen in public code citing it, see ``/work/shared/reference/hazard-models.md``]
  and the companion fits for impulse and duration [seen in two independent public codes citing
  KG85, which agree on the constants and give the impulse in bar·ms·kg^{-1/3}; the book itself
  was not checked].
* van den Berg, A.C. (1985) The multi-energy method — a framework for vapour cloud explosion
  blast prediction, *J. Hazard. Mater.* 12:1-10.
* Johansson, M. (2017) *B06-105 Beräkningsstöd: Gasexplosion i det fria*, MSB (Swedish Civil
  Contingencies Agency) series *Beräkning av impulsbelastad konstruktion*, Tables 4.2 and 4.3,
  eqs. 4.1-4.7 [seen]. Johansson notes that the earlier fits of Díaz Alonso et al. (2006,
  *J. Hazard. Mater.* A137:734-741) are wrong for some strength classes, so those are not used.
* Brode, H.L. (1959) Blast wave from a spherical charge, *Phys. Fluids* 2:217 [recalled; the
  formula is the one printed by CCPS (2010) *Guidelines for Vapor Cloud Explosion, Pressure
  Vessel Burst, BLEVE and Flash Fire Hazards*].

Grid fields a blast process would write: ``overpressure_pa`` (Pa, peak side-on),
``blast_impulse_pa_s`` (Pa·s, positive phase) and ``blast_duration_s`` (s, positive phase).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "SOUND_SPEED_15C_M_S",
    "STOICHIOMETRIC_ENERGY_DENSITY_J_M3",
    "TNO_DURATION_FITS",
    "TNO_HYDROCARBON_ENERGY_DENSITY_J_M3",
    "TNO_MIN_SCALED_DISTANCE",
    "TNO_OVERPRESSURE_FITS",
    "TNT_ENERGY_J_KG",
    "BlastWave",
    "cloud_combustion_energy_J",
    "kinney_graham_overpressure_ratio",
    "kinney_graham_scaled_duration",
    "kinney_graham_scaled_impulse",
    "scaled_distance",
    "tno_multi_energy",
    "tno_scaled_duration",
    "tno_scaled_overpressure",
    "tnt_blast",
    "tnt_equivalent_mass_kg",
    "tnt_overpressure_pa",
    "vessel_burst_energy_J",
]

TNT_ENERGY_J_KG = 4.68e6
"""Blast energy of TNT used for equivalence, J/kg (sources quote 4.6–4.7 MJ/kg)."""

TNO_HYDROCARBON_ENERGY_DENSITY_J_M3 = 3.5e6
"""Combustion energy of a stoichiometric hydrocarbon–air mixture, J/m³ (van den Berg 1985)."""

STOICHIOMETRIC_ENERGY_DENSITY_J_M3: dict[str, float] = {
    # Johansson (2017) Table 2.1, after Almgren (2007) and Forsén (1998): combustion energy of
    # the stoichiometric fuel–air mixture. The multi-energy method itself uses 3.5 MJ/m³ for
    # every gas; these are for users who want the gas-specific value.
    "hydrogen": 3.1e6,
    "methane": 3.2e6,
    "propane": 3.5e6,
    "propene": 3.7e6,
    "acetylene": 3.9e6,
}
"""Combustion energy per m³ of stoichiometric mixture with air, J/m³ (Johansson 2017, Tab. 2.1)."""

SOUND_SPEED_15C_M_S = 340.3
"""Speed of sound in air at 15 °C, m/s (the ``c0`` of the multi-energy scaling, Johansson 2017)."""

_KG_IMPULSE_PA_S = 6.7  # 0.067 bar·ms = 6.7 Pa·s (per kg^{1/3})
_KG_DURATION_S = 0.980  # 980 ms (per kg^{1/3})


class BlastWave(NamedTuple):
    """Peak side-on overpressure (Pa), positive-phase duration (s) and impulse (Pa·s)."""

    overpressure_Pa: np.ndarray
    duration_s: np.ndarray
    impulse_Pa_s: np.ndarray


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------
def _positive_scalar(name: str, value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return v


def _nonnegative_array(name: str, value: np.ndarray | float) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0.0):
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def _positive_array(name: str, value: np.ndarray | float) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(a)) or np.any(a <= 0.0):
        raise ValueError(f"{name} must be finite and > 0")
    return a


# ---------------------------------------------------------------------------------------------
# TNT equivalence, Hopkinson–Cranz scaling, Kinney & Graham (1985)
# ---------------------------------------------------------------------------------------------
def tnt_equivalent_mass_kg(
    fuel_mass_kg: np.ndarray | float,
    heat_of_combustion_J_kg: float,
    yield_factor: float = 0.03,
    tnt_energy_J_kg: float = TNT_ENERGY_J_KG,
) -> np.ndarray:
    """TNT mass with the blast energy of a vapour cloud, ``W = η·m·ΔHc / E_TNT``.

    Parameters
    ----------
    fuel_mass_kg
        Flammable mass ``m`` in the cloud, kg (``>= 0``).
    heat_of_combustion_J_kg
        Heat of combustion ``ΔHc`` (lower heating value), J/kg (``> 0``).
    yield_factor
        Explosion yield ``η`` in (0, 1]; 0.01–0.10 for vapour clouds, 0.03 a common default.
    tnt_energy_J_kg
        Blast energy of TNT, J/kg (4.6–4.7 MJ/kg in the literature).

    Returns
    -------
    numpy.ndarray
        Equivalent TNT mass in kg, of the shape of ``fuel_mass_kg``.

    Examples
    --------
    >>> round(float(tnt_equivalent_mass_kg(1000.0, 46.35e6)), 1)  # 1 t of propane, 3 % yield
    297.1

    """
    m = _nonnegative_array("fuel_mass_kg", fuel_mass_kg)
    dhc = _positive_scalar("heat_of_combustion_J_kg", heat_of_combustion_J_kg)
    eta = _positive_scalar("yield_factor", yield_factor)
    if eta > 1.0:
        raise ValueError(f"yield_factor must lie in (0, 1], got {yield_factor!r}")
    e_tnt = _positive_scalar("tnt_energy_J_kg", tnt_energy_J_kg)
    return eta * m * dhc / e_tnt


def scaled_distance(distance_m: np.ndarray | float, tnt_mass_kg: float) -> np.ndarray:
    """Hopkinson–Cranz scaled distance ``Z = R / W^{1/3}`` in m·kg^{-1/3}.

    Examples
    --------
    >>> float(scaled_distance(100.0, 1000.0))
    10.0

    """
    r = _nonnegative_array("distance_m", distance_m)
    w = _positive_scalar("tnt_mass_kg", tnt_mass_kg)
    return r / np.cbrt(w)


def kinney_graham_overpressure_ratio(z: np.ndarray | float) -> np.ndarray:
    """Kinney & Graham (1985, eq. 6-2) free-air TNT peak side-on overpressure ``p_s / p_a``.

    ``p_s/p_a = 808·[1 + (Z/4.5)²] / (√(1+(Z/0.048)²)·√(1+(Z/0.32)²)·√(1+(Z/1.35)²))``.

    Parameters
    ----------
    z
        Scaled distance ``Z`` in m·kg^{-1/3} (``> 0``).

    Examples
    --------
    >>> [round(float(kinney_graham_overpressure_ratio(z)), 4) for z in (1.0, 10.0)]
    [9.956, 0.0985]

    """
    zz = _positive_array("z", z)
    num = 808.0 * (1.0 + (zz / 4.5) ** 2)
    den = np.sqrt(1.0 + (zz / 0.048) ** 2) * np.sqrt(1.0 + (zz / 0.32) ** 2) * np.sqrt(1.0 + (zz / 1.35) ** 2)
    return num / den


def kinney_graham_scaled_impulse(z: np.ndarray | float) -> np.ndarray:
    """Kinney & Graham (1985) positive-phase impulse per cube-root charge mass, Pa·s·kg^{-1/3}.

    ``i/W^{1/3} = 0.067·√(1 + (Z/0.23)⁴) / (Z²·∛(1 + (Z/1.55)³))`` bar·ms·kg^{-1/3}
    (0.067 bar·ms = 6.7 Pa·s).

    Examples
    --------
    >>> round(float(kinney_graham_scaled_impulse(10.0)), 2)
    19.61

    """
    zz = _positive_array("z", z)
    return _KG_IMPULSE_PA_S * np.sqrt(1.0 + (zz / 0.23) ** 4) / (zz**2 * np.cbrt(1.0 + (zz / 1.55) ** 3))


def kinney_graham_scaled_duration(z: np.ndarray | float) -> np.ndarray:
    """Kinney & Graham (1985) positive-phase duration per cube-root charge mass, s·kg^{-1/3}.

    ``t_d/W^{1/3} = 980·[1 + (Z/0.54)¹⁰] / ([1 + (Z/0.02)³]·[1 + (Z/0.74)⁶]·√(1 + (Z/6.9)²))`` ms.

    Examples
    --------
    >>> round(float(kinney_graham_scaled_duration(10.0)) * 1000.0, 2)  # ms per kg^(1/3)
    3.47

    """
    zz = _positive_array("z", z)
    num = _KG_DURATION_S * (1.0 + (zz / 0.54) ** 10)
    den = (1.0 + (zz / 0.02) ** 3) * (1.0 + (zz / 0.74) ** 6) * np.sqrt(1.0 + (zz / 6.9) ** 2)
    return num / den


def _charge_mass(tnt_mass_kg: float, ground_burst: bool) -> float:
    w = _positive_scalar("tnt_mass_kg", tnt_mass_kg)
    return 2.0 * w if ground_burst else w


def tnt_overpressure_pa(
    distance_m: np.ndarray | float,
    tnt_mass_kg: float,
    ambient_pressure_Pa: float = 101325.0,
    ground_burst: bool = True,
) -> np.ndarray:
    """Peak side-on overpressure of a TNT charge (Kinney & Graham 1985), Pa.

    Parameters
    ----------
    distance_m
        Distance(s) from the charge, m (``> 0``; any shape).
    tnt_mass_kg
        TNT mass ``W``, kg (``> 0``), e.g. from :func:`tnt_equivalent_mass_kg`.
    ambient_pressure_Pa
        Ambient pressure ``p_a``, Pa.
    ground_burst
        ``True`` for a charge on the ground: the free-air fit is used with ``2W``.

    Returns
    -------
    numpy.ndarray
        Overpressure in Pa, of the shape of ``distance_m``.

    Examples
    --------
    >>> round(float(tnt_overpressure_pa(100.0, 500.0)))  # 2W = 1000 kg at 100 m, Z = 10
    9985

    """
    w = _charge_mass(tnt_mass_kg, ground_burst)
    pa = _positive_scalar("ambient_pressure_Pa", ambient_pressure_Pa)
    r = _positive_array("distance_m", distance_m)
    return pa * kinney_graham_overpressure_ratio(r / np.cbrt(w))


def tnt_blast(
    distance_m: np.ndarray | float,
    tnt_mass_kg: float,
    ambient_pressure_Pa: float = 101325.0,
    ground_burst: bool = True,
) -> BlastWave:
    """Overpressure, positive-phase duration and impulse of a TNT charge (Kinney & Graham 1985).

    Same parameters as :func:`tnt_overpressure_pa`. The duration and impulse fits are for
    standard sea-level air; ``ambient_pressure_Pa`` only scales the overpressure.

    Returns
    -------
    BlastWave
        ``(overpressure_Pa, duration_s, impulse_Pa_s)``, arrays of the shape of ``distance_m``.

    Examples
    --------
    >>> p, t, i = tnt_blast(500.0, 10000.0)  # 10 t on the ground at 500 m
    >>> round(float(p)), round(float(t) * 1000.0), round(float(i))
    (4809, 107, 289)

    """
    w = _charge_mass(tnt_mass_kg, ground_burst)
    pa = _positive_scalar("ambient_pressure_Pa", ambient_pressure_Pa)
    r = _positive_array("distance_m", distance_m)
    z = r / np.cbrt(w)
    cbrt_w = np.cbrt(w)
    return BlastWave(
        pa * kinney_graham_overpressure_ratio(z),
        kinney_graham_scaled_duration(z) * cbrt_w,
        kinney_graham_scaled_impulse(z) * cbrt_w,
    )


# ---------------------------------------------------------------------------------------------
# TNO multi-energy method: Johansson (2017) fits to the van den Berg (1985) charts.
#
# Each strength class is a list of segments (coefficient, exponent, upper bound of R̄): on the
# segment, P̄ = a·R̄^b (Table 4.2) or t̄ = c·R̄^d (Table 4.3); the last segment is open-ended.
# Johansson states the overpressure fits for P̄ >= 0.001 (the bottom of the charts); beyond,
# the last power law is extrapolated here. For class 7 the duration table has a gap (9.40 to
# 10.49) which footnote 1 closes: the 0.29·R̄^0.19 segment runs to 10.49, then 0.35·R̄^0.11.
# ---------------------------------------------------------------------------------------------
type Segment = tuple[float, float, float]

_INF = math.inf
_FAR_P: tuple[Segment, ...] = ((0.47, -1.46, 3.21), (0.32, -1.13, _INF))
_FAR_T: tuple[Segment, ...] = ((0.29, 0.19, 10.49), (0.35, 0.11, _INF))

TNO_OVERPRESSURE_FITS: dict[int, tuple[Segment, ...]] = {
    10: ((0.43, -2.35, 0.90), *_FAR_P),
    9: ((5.0, 0.0, 0.20), *_FAR_P),
    8: ((2.0, 0.0, 0.37), *_FAR_P),
    7: ((1.0, 0.0, 0.48), (0.48, -1.00, 0.96), *_FAR_P),
    6: ((0.5, 0.0, 0.64), (0.32, -1.01, 2.35), *_FAR_P),
    5: ((0.2, 0.0, 0.60), (0.12, -1.00, _INF)),
    4: ((0.1, 0.0, 0.63), (0.064, -0.97, _INF)),
    3: ((0.05, 0.0, 0.61), (0.031, -0.96, _INF)),
    2: ((0.02, 0.0, 0.64), (0.013, -0.97, _INF)),
    1: ((0.01, 0.0, 0.69), (0.007, -0.98, _INF)),
}
"""``{strength: ((a, b, R̄_max), ...)}``, ``P̄ = a·R̄^b`` (Johansson 2017, Table 4.2)."""

TNO_DURATION_FITS: dict[int, tuple[Segment, ...]] = {
    10: ((0.13, -0.22, 0.51), (0.22, 0.57, 2.07), *_FAR_T),
    9: ((0.13, -0.51, 0.53), (0.24, 0.46, 2.02), *_FAR_T),
    8: ((0.17, -0.40, 0.58), (0.27, 0.45, 1.32), *_FAR_T),
    7: ((0.21, -0.46, 0.62), (0.30, 0.29, 1.59), (0.32, 0.15, 9.40), *_FAR_T),
    6: ((0.26, -0.46, 0.49), (0.38, 0.07, 7.81), (0.35, 0.11, _INF)),
    5: ((0.52, -0.44, 0.51), (0.7, 0.0, _INF)),
    4: ((1.02, -0.38, 0.53), (1.3, 0.0, _INF)),
    3: ((1.56, -0.38, 0.52), (2.0, 0.0, _INF)),
    2: ((2.44, -0.34, 0.54), (3.0, 0.0, _INF)),
    1: ((3.83, -0.34, 0.50), (4.85, 0.0, _INF)),
}
"""``{strength: ((c, d, R̄_max), ...)}``, ``t̄ = c·R̄^d`` (Johansson 2017, Table 4.3)."""

TNO_MIN_SCALED_DISTANCE = 0.2
"""Smallest R̄ evaluated: closer receptors get the values at R̄ = 0.2 (a hazchain choice).

0.2 is the smallest segment bound of Johansson's Table 4.2 (end of the class-9 plateau). It
lies inside the exploding cloud, whose edge is at R̄ = (3·p0 / (2π·3.5 MJ/m³))^{1/3} ≈ 0.24 for a
hemispherical hydrocarbon charge; there the charts say nothing. The clamp keeps the class-10
near field (P̄ ∝ R̄^-2.35, so P̄ ≈ 18.6 at the clamp) and the near-field durations
(t̄ ∝ R̄^-0.2..-0.5) finite at the centre of the source.
"""


def _check_strength(strength: int) -> int:
    if isinstance(strength, bool) or not isinstance(strength, int | np.integer) or not 1 <= strength <= 10:
        raise ValueError(f"strength must be an integer blast strength class 1..10, got {strength!r}")
    return int(strength)


def _piecewise_power(r_bar: np.ndarray, segments: tuple[Segment, ...]) -> np.ndarray:
    out = np.empty_like(r_bar)
    lower = -_INF
    for coef, expo, upper in segments:
        sel = (r_bar > lower) & (r_bar <= upper)
        out[sel] = coef * r_bar[sel] ** expo
        lower = upper
    return out


def tno_scaled_overpressure(r_bar: np.ndarray | float, strength: int) -> np.ndarray:
    """Multi-energy scaled side-on overpressure ``P̄ = ΔP/p0`` at scaled distance(s) ``R̄``.

    Parameters
    ----------
    r_bar
        Sachs-scaled distance ``R̄ = R/(E/p0)^{1/3}`` (``>= 0``); values below
        :data:`TNO_MIN_SCALED_DISTANCE` are evaluated there.
    strength
        Blast strength class, 1 (weak deflagration) .. 10 (detonation).

    Examples
    --------
    >>> [round(float(tno_scaled_overpressure(r, 7)), 3) for r in (0.3, 0.72, 5.0)]
    [1.0, 0.667, 0.052]

    """
    s = _check_strength(strength)
    r = np.maximum(_nonnegative_array("r_bar", r_bar), TNO_MIN_SCALED_DISTANCE)
    return _piecewise_power(r, TNO_OVERPRESSURE_FITS[s])


def tno_scaled_duration(r_bar: np.ndarray | float, strength: int) -> np.ndarray:
    """Multi-energy scaled positive-phase duration ``t̄ = t+·c0/(E/p0)^{1/3}`` at ``R̄``.

    Parameters are as for :func:`tno_scaled_overpressure`.

    Examples
    --------
    >>> [round(float(tno_scaled_duration(r, 1)), 2) for r in (0.3, 5.0)]
    [5.77, 4.85]

    """
    s = _check_strength(strength)
    r = np.maximum(_nonnegative_array("r_bar", r_bar), TNO_MIN_SCALED_DISTANCE)
    return _piecewise_power(r, TNO_DURATION_FITS[s])


def cloud_combustion_energy_J(
    volume_m3: np.ndarray | float,
    energy_density_J_m3: float = TNO_HYDROCARBON_ENERGY_DENSITY_J_M3,
) -> np.ndarray:
    """Combustion energy of the exploding part of a cloud, ``E = E_v·V`` (TNO multi-energy).

    Parameters
    ----------
    volume_m3
        Volume of the congested/confined region filled with (assumed stoichiometric)
        fuel–air mixture, m³ (``>= 0``). Count only the cloud inside the obstructed region.
    energy_density_J_m3
        Combustion energy per m³ of mixture: 3.5 MJ/m³ for hydrocarbons (van den Berg 1985); see
        :data:`STOICHIOMETRIC_ENERGY_DENSITY_J_M3` for specific gases.

    Examples
    --------
    >>> float(cloud_combustion_energy_J(1000.0))
    3500000000.0

    """
    v = _nonnegative_array("volume_m3", volume_m3)
    return v * _positive_scalar("energy_density_J_m3", energy_density_J_m3)


def tno_multi_energy(
    distance_m: np.ndarray | float,
    energy_J: float,
    strength: int,
    ambient_pressure_Pa: float = 101325.0,
    sound_speed_m_s: float = SOUND_SPEED_15C_M_S,
) -> BlastWave:
    """Side-on blast of a vapour cloud explosion by the TNO multi-energy method.

    ``R̄ = R/(E/p0)^{1/3}``; ``ΔP = P̄(R̄)·p0``; ``t+ = t̄(R̄)·(E/p0)^{1/3}/c0``;
    ``i = ΔP·t+/2`` (triangular pulse). Curves: Johansson (2017) fits of the van den Berg
    (1985) charts (module docstring).

    Parameters
    ----------
    distance_m
        Distance(s) from the centre of the blast source, m (``>= 0``; any shape).
    energy_J
        Combustion energy ``E`` of the blast source (the cloud in the congested region), J
        (``> 0``); see :func:`cloud_combustion_energy_J`. Used as is, not doubled for the ground.
    strength
        Blast strength class 1..10 (7 is a common choice for congested process plant, 10 for a
        detonation; 1–3 for open, unobstructed areas).
    ambient_pressure_Pa, sound_speed_m_s
        Ambient pressure ``p0`` and speed of sound ``c0``.

    Returns
    -------
    BlastWave
        ``(overpressure_Pa, duration_s, impulse_Pa_s)``, arrays of the shape of ``distance_m``.

    Notes
    -----
    Receptors closer than ``R̄ =`` :data:`TNO_MIN_SCALED_DISTANCE` (inside the cloud) get the
    values there; below ``P̄ = 0.001``, where the charts end, the last power law is extrapolated.

    Examples
    --------
    >>> p, t, i = tno_multi_energy([50.0, 200.0], 3.5e9, 7)  # 1000 m³ of cloud, class 7
    >>> [round(float(v)) for v in p], [round(float(v), 3) for v in t]
    ([25467, 4170], [0.033, 0.04])

    """
    s = _check_strength(strength)
    e = _positive_scalar("energy_J", energy_J)
    p0 = _positive_scalar("ambient_pressure_Pa", ambient_pressure_Pa)
    c0 = _positive_scalar("sound_speed_m_s", sound_speed_m_s)
    length_m = (e / p0) ** (1.0 / 3.0)
    r_bar = _nonnegative_array("distance_m", distance_m) / length_m
    overpressure = tno_scaled_overpressure(r_bar, s) * p0
    duration = tno_scaled_duration(r_bar, s) * length_m / c0
    return BlastWave(overpressure, duration, 0.5 * overpressure * duration)


def vessel_burst_energy_J(
    burst_pressure_Pa: float,
    volume_m3: float,
    gamma: float = 1.4,
    ambient_pressure_Pa: float = 101325.0,
) -> float:
    """Brode (1959) stored energy of a bursting gas vessel, ``E = (p1 − p0)·V / (γ − 1)``.

    Parameters
    ----------
    burst_pressure_Pa
        Absolute gas pressure ``p1`` at burst, Pa (``> ambient_pressure_Pa``).
    volume_m3
        Gas-filled volume ``V``, m³ (``> 0``).
    gamma
        Ratio of specific heats of the gas (``> 1``; 1.4 for air and nitrogen).
    ambient_pressure_Pa
        Ambient pressure ``p0``, Pa.

    Examples
    --------
    >>> round(vessel_burst_energy_J(11.0e5 + 101325.0, 10.0))  # 11 bar gauge air, 10 m³
    27500000

    """
    p1 = _positive_scalar("burst_pressure_Pa", burst_pressure_Pa)
    p0 = _positive_scalar("ambient_pressure_Pa", ambient_pressure_Pa)
    v = _positive_scalar("volume_m3", volume_m3)
    g = float(gamma)
    if not (math.isfinite(g) and g > 1.0):
        raise ValueError(f"gamma must be finite and > 1, got {gamma!r}")
    if p1 <= p0:
        raise ValueError("burst_pressure_Pa must exceed ambient_pressure_Pa (both absolute)")
    return (p1 - p0) * v / (g - 1.0)
