"""Human vulnerability to heat radiation: thermal dose, lethality probits, indoor protection.

**Units.** Every function here takes the incident heat flux ``I`` in **W/m²** (not kW/m²; the
fire models in :mod:`models.hazards.fires` return kW/m², multiply by 1000) and the exposure
time ``t`` in **s**. The thermal dose is ``D = t·I^(4/3)`` in (W/m²)^(4/3)·s; for a flux that
varies in time it is ``D = Σ I_k^(4/3) Δt_k``. The "thermal dose unit" of the UK literature,
(kW/m²)^(4/3)·s, is ``D / 10⁴``.

**Lethality probits** ``Y = a + b·ln(f·D)``, ``P = Φ(Y − 5)`` (see
:func:`models.impact.probit.probit_to_probability`). The constants are kept as data in
:data:`THERMAL_PROBITS`; they were checked [seen] against Sandia HyRAM+
(``src/hyram/hyram/qra/probits.py``, https://github.com/sandialabs/hyram), the citations of the
original papers are [recalled]. Eisenberg is the default; Eisenberg's form is often written
``Y = −14.9 + 2.56·ln(t·I^(4/3)/10⁴)``, which is the same equation.

**Indoors** (TNO "Purple Book", CPR 18E, 1999/2005, section on heat radiation [recalled]): a
building protects its occupants completely while the flux stays below the flux at which it
catches fire, taken as 35 kW/m²; above that everyone inside dies. Outdoors, the Purple Book
takes everyone exposed to 35 kW/m² or more as killed and multiplies the probit probability
below that by 0.14 for the protection of clothing, with its probit
``Y = −36.38 + 2.56·ln(∫I^(4/3)dt)`` (the Tsao & Perry constants) and an exposure time of at
most 20 s for people who can flee [recalled]. :func:`purple_book_thermal_lethality` applies
these rules; :func:`thermal_lethality` is the bare probit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.impact.probit import probability_to_probit, probit_to_probability

__all__ = [
    "BUILDING_IGNITION_FLUX_W_M2",
    "PURPLE_BOOK_CLOTHING_FACTOR",
    "THERMAL_PROBITS",
    "ThermalProbit",
    "indoor_thermal_lethality",
    "purple_book_thermal_lethality",
    "thermal_dose",
    "thermal_dose_for_probability",
    "thermal_lethality",
    "thermal_probit",
]

BUILDING_IGNITION_FLUX_W_M2 = 35_000.0
"""Flux above which buildings catch fire and occupants die (Purple Book, CPR 18E) [recalled]."""

PURPLE_BOOK_CLOTHING_FACTOR = 0.14
"""Factor on the outdoor probit probability below 35 kW/m² for clothing (CPR 18E) [recalled]."""


@dataclass(frozen=True)
class ThermalProbit:
    """Thermal-dose lethality probit ``Y = a + b·ln(dose_factor·D)``, ``D = t·I^(4/3)`` (W/m², s).

    Examples
    --------
    >>> p = THERMAL_PROBITS["eisenberg"]
    >>> round(p.probability(p.dose_for_probability(0.5)), 6)
    0.5

    """

    a: float
    b: float
    dose_factor: float
    source: str

    def probit(self, dose: np.ndarray | float) -> np.ndarray | float:
        """Probit value of a thermal dose in (W/m²)^(4/3)·s; a dose of 0 gives ``−inf``."""
        d = np.asarray(dose, dtype=np.float64)
        positive = d > 0.0
        y = np.where(
            positive, self.a + self.b * np.log(np.where(positive, self.dose_factor * d, 1.0)), -np.inf
        )
        return float(y) if y.ndim == 0 else y

    def probability(self, dose: np.ndarray | float) -> np.ndarray | float:
        """Probability of death ``Φ(Y − 5)`` of a thermal dose in (W/m²)^(4/3)·s."""
        return probit_to_probability(self.probit(dose))

    def dose_for_probability(self, probability: np.ndarray | float) -> np.ndarray | float:
        """Thermal dose (W/m²)^(4/3)·s that gives ``probability`` of death (0.5: the LD50)."""
        y = np.asarray(probability_to_probit(probability), dtype=np.float64)
        d = np.exp((y - self.a) / self.b) / self.dose_factor
        return float(d) if d.ndim == 0 else d


# Constants as coded in Sandia HyRAM+ qra/probits.py [seen]; the papers' citations [recalled].
THERMAL_PROBITS: dict[str, ThermalProbit] = {
    "eisenberg": ThermalProbit(
        -38.48,
        2.56,
        1.0,
        "Eisenberg, N.A., Lynch, C.J. & Breeding, R.J. (1975) Vulnerability model: a simulation "
        "system for assessing damage resulting from marine spills, US Coast Guard CG-D-136-75",
    ),
    "tsao_perry": ThermalProbit(
        -36.38,
        2.56,
        1.0,
        "Tsao, C.K. & Perry, W.W. (1979) Modifications to the vulnerability model, US Coast Guard "
        "CG-D-38-79 (Eisenberg's probit refitted for infrared radiation); also the Purple Book probit",
    ),
    "tno": ThermalProbit(
        -37.23,
        2.56,
        1.0,
        "TNO (1992) Methods for the determination of possible damage ('Green Book'), CPR 16E",
    ),
    "lees": ThermalProbit(
        -29.02,
        1.99,
        0.5,
        "Lees, F.P. (1994) The assessment of major hazards: a model for fatal injury from burns, "
        "Process Saf. Environ. Prot. 72B:127-134 (dose halved for clothing)",
    ),
}
"""Lethality probits by key; ``Y = a + b·ln(dose_factor·t·I^(4/3))`` with I in W/m², t in s."""


def _get_probit(probit: str) -> ThermalProbit:
    key = str(probit).strip().lower()
    if key not in THERMAL_PROBITS:
        raise ValueError(f"unknown thermal probit {probit!r}; expected one of {', '.join(THERMAL_PROBITS)}")
    return THERMAL_PROBITS[key]


def _flux_and_time(
    flux_W_m2: np.ndarray | float, exposure_s: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    flux = np.asarray(flux_W_m2, dtype=np.float64)
    t = np.asarray(exposure_s, dtype=np.float64)
    if not (np.all(flux >= 0.0) and np.all(np.isfinite(flux))):
        raise ValueError("flux_W_m2 must be finite and >= 0 (W/m², not kW/m²)")
    if not (np.all(t >= 0.0) and np.all(np.isfinite(t))):
        raise ValueError("exposure_s must be finite and >= 0")
    return flux, t


def thermal_dose(flux_W_m2: np.ndarray | float, exposure_s: np.ndarray | float) -> np.ndarray | float:
    """Thermal dose ``D = t·I^(4/3)`` in (W/m²)^(4/3)·s of a constant flux.

    Parameters
    ----------
    flux_W_m2
        Incident heat flux I in **W/m²** (``>= 0``).
    exposure_s
        Exposure time t in s (``>= 0``); broadcasts with the flux.

    Returns
    -------
    float or numpy.ndarray
        Dose in (W/m²)^(4/3)·s (divide by 10⁴ for (kW/m²)^(4/3)·s "thermal dose units").

    Examples
    --------
    >>> round(thermal_dose(10_000.0, 30.0) / 1e4)  # 10 kW/m² for 30 s, in TDU
    646

    """
    flux, t = _flux_and_time(flux_W_m2, exposure_s)
    dose = t * flux ** (4.0 / 3.0)
    return float(dose) if dose.ndim == 0 else dose


def thermal_probit(
    flux_W_m2: np.ndarray | float, exposure_s: np.ndarray | float, probit: str = "eisenberg"
) -> np.ndarray | float:
    """Lethality probit value ``Y`` of a constant flux (W/m²) held for ``exposure_s`` (s).

    Examples
    --------
    >>> round(thermal_probit(10_000.0, 30.0), 2)  # Eisenberg: -38.48 + 2.56 ln(6.46e6)
    1.67

    """
    return _get_probit(probit).probit(thermal_dose(flux_W_m2, exposure_s))


def thermal_lethality(
    flux_W_m2: np.ndarray | float, exposure_s: np.ndarray | float, probit: str = "eisenberg"
) -> np.ndarray | float:
    """Probability of death of people exposed outdoors, unprotected, to a constant heat flux.

    Parameters
    ----------
    flux_W_m2
        Incident heat flux in **W/m²** (``>= 0``); any shape.
    exposure_s
        Exposure time in s (``>= 0``); broadcasts with the flux.
    probit
        Key of :data:`THERMAL_PROBITS`: ``"eisenberg"`` (default), ``"tsao_perry"``, ``"tno"``
        or ``"lees"``.

    Returns
    -------
    float or numpy.ndarray
        Probability in [0, 1] (0 where the flux or the time is 0).

    Examples
    --------
    >>> round(thermal_lethality(20_000.0, 40.0), 3)
    0.408
    >>> thermal_lethality(0.0, 60.0)
    0.0

    """
    return _get_probit(probit).probability(thermal_dose(flux_W_m2, exposure_s))


def thermal_dose_for_probability(
    probability: np.ndarray | float, probit: str = "eisenberg"
) -> np.ndarray | float:
    """Thermal dose (W/m²)^(4/3)·s that kills the fraction ``probability`` of people outdoors.

    Examples
    --------
    >>> round(thermal_dose_for_probability(0.5) / 1e4)  # Eisenberg LD50 in (kW/m²)^(4/3) s
    2378

    """
    return _get_probit(probit).dose_for_probability(probability)


def indoor_thermal_lethality(
    flux_W_m2: np.ndarray | float, *, ignition_flux_W_m2: float = BUILDING_IGNITION_FLUX_W_M2
) -> np.ndarray | float:
    """Probability of death indoors: 1 where the building ignites (flux ≥ 35 kW/m²), else 0.

    The Purple Book convention (CPR 18E [recalled]): walls and roof shield the occupants from
    radiation until the building itself catches fire. The dose does not matter.

    Examples
    --------
    >>> indoor_thermal_lethality([34_999.0, 35_000.0]).tolist()
    [0.0, 1.0]

    """
    flux, _ = _flux_and_time(flux_W_m2, 0.0)
    if not (ignition_flux_W_m2 > 0.0 and math.isfinite(ignition_flux_W_m2)):
        raise ValueError("ignition_flux_W_m2 must be finite and > 0")
    p = np.where(flux >= ignition_flux_W_m2, 1.0, 0.0)
    return float(p) if p.ndim == 0 else p


def purple_book_thermal_lethality(
    flux_W_m2: np.ndarray | float, exposure_s: np.ndarray | float, *, indoors: bool | np.ndarray
) -> np.ndarray | float:
    """Probability of death by the Purple Book rules (CPR 18E [recalled]), indoors or outdoors.

    Outdoors: 1 at 35 kW/m² or more; below, 0.14 × the probit probability with the
    ``"tsao_perry"`` constants (``Y = −36.38 + 2.56 ln D``). Indoors:
    :func:`indoor_thermal_lethality`. The Purple Book caps the exposure time of people outdoors
    at 20 s (they flee); pass the capped time yourself.

    Parameters
    ----------
    flux_W_m2
        Incident heat flux in **W/m²**.
    exposure_s
        Exposure time in s.
    indoors
        Boolean (scalar or array broadcasting with the flux): whether each person is inside.

    Examples
    --------
    >>> round(purple_book_thermal_lethality(20_000.0, 20.0, indoors=False), 4)
    0.0752
    >>> purple_book_thermal_lethality(20_000.0, 20.0, indoors=True)
    0.0

    """
    flux, t = _flux_and_time(flux_W_m2, exposure_s)
    outdoor = np.where(
        flux >= BUILDING_IGNITION_FLUX_W_M2,
        1.0,
        PURPLE_BOOK_CLOTHING_FACTOR * np.asarray(thermal_lethality(flux, t, "tsao_perry")),
    )
    p = np.where(np.asarray(indoors, dtype=bool), np.asarray(indoor_thermal_lethality(flux)), outdoor)
    return float(p) if p.ndim == 0 else p
