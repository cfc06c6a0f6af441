"""Probit vulnerability: probit ↔ probability and toxic-load lethality probits.

A probit ``Y`` maps to a probability through the standard normal CDF, ``P = Φ(Y − 5)``
(Finney's convention of adding 5 so that probits are positive in practice). A toxic-load
probit has the form ``Y = a + b·ln(Σ Cⁿ Δt)`` with the concentration ``C`` and time ``t`` in
the units the constants were fitted in (see e.g. CCPS 2000, *Guidelines for Chemical Process
Quantitative Risk Analysis*, and TNO CPR 18E "Purple Book"). The constants for each substance
live in ``models/substances.toml``.

Gas concentrations convert between volume fraction (ppm) and mass concentration (mg/m³) with
the ideal-gas molar volume ``V_m = R·T / p`` (24.465 L/mol at 25 °C and 1 atm; tables often
round it to 24.45).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = [
    "MOLAR_GAS_CONSTANT_J_MOL_K",
    "ToxicProbit",
    "mg_m3_to_ppm",
    "molar_volume_m3_mol",
    "ppm_to_mg_m3",
    "probability_to_probit",
    "probit_to_probability",
]

MOLAR_GAS_CONSTANT_J_MOL_K = 8.314462618
"""CODATA 2018 molar gas constant R (J mol⁻¹ K⁻¹, exact in the 2019 SI)."""

_CONCENTRATION_UNITS = ("ppm", "mg/m3")
_TIME_UNITS = ("min",)


def _as_output(value: np.ndarray) -> np.ndarray | float:
    """Return a Python float for 0-d results and the array otherwise."""
    return float(value) if np.ndim(value) == 0 else value


def probit_to_probability(y: np.ndarray | float) -> np.ndarray | float:
    """Probability ``P = Φ(Y − 5)`` of a probit value (``−inf`` → 0, ``+inf`` → 1).

    Parameters
    ----------
    y
        Probit value(s).

    Returns
    -------
    float or numpy.ndarray
        Probability in [0, 1]; a float for scalar input.

    Examples
    --------
    >>> probit_to_probability(5.0)
    0.5
    >>> round(probit_to_probability(6.28), 3)
    0.9

    """
    return _as_output(ndtr(np.asarray(y, dtype=np.float64) - 5.0))


def probability_to_probit(p: np.ndarray | float) -> np.ndarray | float:
    """Probit ``Y = 5 + Φ⁻¹(P)`` of a probability (0 → ``−inf``, 1 → ``+inf``).

    Parameters
    ----------
    p
        Probability (or probabilities) in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        Probit value(s); a float for scalar input.

    Raises
    ------
    ValueError
        If any probability lies outside [0, 1] or is NaN.

    Examples
    --------
    >>> probability_to_probit(0.5)
    5.0
    >>> round(probability_to_probit(0.1), 2)
    3.72

    """
    prob = np.asarray(p, dtype=np.float64)
    if np.any(~((prob >= 0.0) & (prob <= 1.0))):
        raise ValueError("probabilities must lie in [0, 1]")
    return _as_output(5.0 + ndtri(prob))


def molar_volume_m3_mol(temperature_K: float = 298.15, pressure_Pa: float = 101325.0) -> float:
    """Ideal-gas molar volume ``R·T/p`` in m³/mol.

    Examples
    --------
    >>> round(molar_volume_m3_mol() * 1000.0, 3)  # L/mol at 25 °C, 1 atm
    24.465

    """
    if not (temperature_K > 0.0 and pressure_Pa > 0.0):
        raise ValueError("temperature_K and pressure_Pa must be > 0")
    return MOLAR_GAS_CONSTANT_J_MOL_K * float(temperature_K) / float(pressure_Pa)


def _check_molar_mass(molar_mass_g_mol: float) -> float:
    m = float(molar_mass_g_mol)
    if not (m > 0.0 and math.isfinite(m)):
        raise ValueError(f"molar_mass_g_mol must be finite and > 0, got {molar_mass_g_mol!r}")
    return m


def mg_m3_to_ppm(
    c_mg_m3: np.ndarray | float,
    molar_mass_g_mol: float,
    temperature_K: float = 298.15,
    pressure_Pa: float = 101325.0,
) -> np.ndarray | float:
    """Convert a gas mass concentration (mg/m³) to a volume fraction (ppm, µmol/mol).

    ``ppm = C[mg/m³] · V_m[L/mol] / M[g/mol]`` with the ideal-gas molar volume ``V_m``.

    Parameters
    ----------
    c_mg_m3
        Mass concentration(s) in mg/m³.
    molar_mass_g_mol
        Molar mass of the gas in g/mol.
    temperature_K, pressure_Pa
        Conditions of the air (default 25 °C, 1 atm).

    Returns
    -------
    float or numpy.ndarray
        Volume fraction in ppm; a float for scalar input.

    Examples
    --------
    >>> round(mg_m3_to_ppm(2.9, 70.906), 3)  # chlorine
    1.001

    """
    m = _check_molar_mass(molar_mass_g_mol)
    vm_l_mol = molar_volume_m3_mol(temperature_K, pressure_Pa) * 1000.0
    return _as_output(np.asarray(c_mg_m3, dtype=np.float64) * vm_l_mol / m)


def ppm_to_mg_m3(
    c_ppm: np.ndarray | float,
    molar_mass_g_mol: float,
    temperature_K: float = 298.15,
    pressure_Pa: float = 101325.0,
) -> np.ndarray | float:
    """Convert a gas volume fraction (ppm) to a mass concentration (mg/m³).

    ``C[mg/m³] = ppm · M[g/mol] / V_m[L/mol]``, the inverse of :func:`mg_m3_to_ppm`.

    Parameters
    ----------
    c_ppm
        Volume fraction(s) in ppm.
    molar_mass_g_mol
        Molar mass of the gas in g/mol.
    temperature_K, pressure_Pa
        Conditions of the air (default 25 °C, 1 atm).

    Returns
    -------
    float or numpy.ndarray
        Mass concentration in mg/m³; a float for scalar input.

    Examples
    --------
    >>> round(ppm_to_mg_m3(1.0, 70.906), 2)  # chlorine
    2.9

    """
    m = _check_molar_mass(molar_mass_g_mol)
    vm_l_mol = molar_volume_m3_mol(temperature_K, pressure_Pa) * 1000.0
    return _as_output(np.asarray(c_ppm, dtype=np.float64) * m / vm_l_mol)


@dataclass(frozen=True)
class ToxicProbit:
    """Toxic-load lethality probit ``Y = a + b·ln(Cⁿ·t)``.

    Parameters
    ----------
    a, b, n
        Probit constants (``b > 0``, ``n > 0``).
    concentration_unit
        Unit of ``C`` the constants were fitted in: ``"ppm"`` or ``"mg/m3"``.
    time_unit
        Unit of ``t``: ``"min"``.
    source
        Citation of the constants.

    Examples
    --------
    >>> cl2 = ToxicProbit(a=-8.29, b=0.92, n=2.0, concentration_unit="ppm",
    ...                   time_unit="min", source="Withers & Lees 1985")
    >>> round(cl2.probability(cl2.load_for_constant(433.0, 10.0)), 2)
    0.5
    >>> cl2.load_units
    'ppm^2 min'

    """

    a: float
    b: float
    n: float
    concentration_unit: str
    time_unit: str
    source: str

    def __post_init__(self) -> None:
        if self.concentration_unit not in _CONCENTRATION_UNITS:
            raise ValueError(
                f"concentration_unit must be one of {_CONCENTRATION_UNITS}, got {self.concentration_unit!r}"
            )
        if self.time_unit not in _TIME_UNITS:
            raise ValueError(f"time_unit must be one of {_TIME_UNITS}, got {self.time_unit!r}")
        if not all(math.isfinite(v) for v in (self.a, self.b, self.n)):
            raise ValueError("probit constants a, b, n must be finite")
        if self.b <= 0.0 or self.n <= 0.0:
            raise ValueError("probit constants b and n must be > 0")

    @property
    def load_units(self) -> str:
        """Units of the toxic load ``Cⁿ·t``, e.g. ``"ppm^2 min"``."""
        return f"{self.concentration_unit}^{self.n:g} {self.time_unit}"

    def probit(self, toxic_load: np.ndarray | float) -> np.ndarray | float:
        """Probit value ``a + b·ln(load)``; a load ``<= 0`` gives ``−inf`` (no warning).

        Parameters
        ----------
        toxic_load
            Toxic load(s) ``Σ Cⁿ·Δt`` in :attr:`load_units`.

        Returns
        -------
        float or numpy.ndarray
            Probit value(s); a float for scalar input.

        Examples
        --------
        >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
        >>> p.probit(0.0)
        -inf

        """
        load = np.asarray(toxic_load, dtype=np.float64)
        positive = load > 0.0
        safe = np.where(positive, load, 1.0)
        y = np.where(positive, self.a + self.b * np.log(safe), -np.inf)
        y = np.where(np.isnan(load), np.nan, y)
        return _as_output(y)

    def probability(self, toxic_load: np.ndarray | float) -> np.ndarray | float:
        """Probability of death ``Φ(probit − 5)`` for the toxic load(s) (0 for load ``<= 0``).

        Examples
        --------
        >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
        >>> p.probability(0.0)
        0.0

        """
        return probit_to_probability(self.probit(toxic_load))

    def load_for_constant(
        self, concentration: np.ndarray | float, duration_min: np.ndarray | float
    ) -> np.ndarray | float:
        """Toxic load ``Cⁿ·t`` of a constant exposure.

        Parameters
        ----------
        concentration
            Concentration in :attr:`concentration_unit` (``>= 0``).
        duration_min
            Exposure duration in minutes (``>= 0``).

        Examples
        --------
        >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
        >>> p.load_for_constant(10.0, 30.0)
        3000.0

        """
        c = np.asarray(concentration, dtype=np.float64)
        t = np.asarray(duration_min, dtype=np.float64)
        if np.any(c < 0.0) or np.any(t < 0.0):
            raise ValueError("concentration and duration_min must be >= 0")
        return _as_output(c**self.n * t)

    def lethal_concentration(
        self, probability: np.ndarray | float, duration_min: np.ndarray | float
    ) -> np.ndarray | float:
        """Constant concentration that gives ``probability`` of death over ``duration_min``.

        Solves ``a + b·ln(Cⁿ t) = 5 + Φ⁻¹(P)`` for ``C``; ``probability=0.5`` gives the LC50.

        Parameters
        ----------
        probability
            Probability of death in [0, 1] (0 → concentration 0, 1 → ``inf``).
        duration_min
            Exposure duration in minutes (``> 0``).

        Returns
        -------
        float or numpy.ndarray
            Concentration in :attr:`concentration_unit`; a float for scalar input.

        Examples
        --------
        >>> p = ToxicProbit(-8.29, 0.92, 2.0, "ppm", "min", "Withers & Lees 1985")
        >>> round(p.lethal_concentration(0.5, 10.0))  # LC50 of chlorine, 10 min
        433

        """
        t = np.asarray(duration_min, dtype=np.float64)
        if np.any(~(t > 0.0)):
            raise ValueError("duration_min must be > 0")
        y = np.asarray(probability_to_probit(probability), dtype=np.float64)
        load = np.exp((y - self.a) / self.b)
        return _as_output((load / t) ** (1.0 / self.n))
