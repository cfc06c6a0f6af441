"""Vulnerability of people and buildings to blast: overpressure probits and an indoor rule.

Each probit maps the peak side-on overpressure ``P`` (Pa) and, for some, the positive-phase
impulse ``i`` (Pa·s) to a probit ``Y``; the probability is ``Φ(Y − 5)``
(:func:`models.impact.probit.probit_to_probability`). The four models are kept as data in
:data:`BLAST_PROBITS`:

* ``eisenberg_lung`` — death from lung haemorrhage, ``Y = −77.1 + 6.91·ln P``;
* ``hse_lung`` — death from lung haemorrhage (UK HSE), ``Y = 5.13 + 1.37·ln(P/10⁵)``;
* ``tno_head_impact`` — death from head impact after displacement by the blast,
  ``Y = 5 − 8.49·ln(2430/P + 4·10⁸/(P·i))``;
* ``tno_structural_collapse`` — collapse of a (brick) building,
  ``Y = 5 − 0.22·ln((40000/P)^7.4 + (460/i)^11.3)``; HyRAM+ uses it as the fatality probit of
  the occupants.

People indoors are mostly killed by the building, not by the blast itself. The TNO "Purple
Book" rule for vapour cloud explosions takes lethality indoors as 1.0 at overpressures of at
least 0.3 bar and 0.025 between 0.1 and 0.3 bar (and 0 below): :func:`indoor_overpressure_lethality`.

Sources
-------
* Probits: as coded in Sandia HyRAM+ ``src/hyram/hyram/qra/probits.py``
  (https://github.com/sandialabs/hyram) [seen], after Eisenberg et al. (1975) *Vulnerability
  model*, US Coast Guard CG-D-136-75; HSE; and TNO (1992) *Green Book* CPR 16E.
* Indoor rule: CPR 18E (1999) *Guidelines for quantitative risk assessment* ("Purple Book"),
  explosion section [recalled, not checked against the book].

Grid fields a blast-impact process would read and write: ``overpressure_pa`` (Pa),
``blast_impulse_pa_s`` (Pa·s), ``population`` and ``indoor_fraction``; it would write the
probability of death ``blast_lethality`` (outdoors) and ``blast_lethality_indoor`` (1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.impact.probit import probit_to_probability

__all__ = [
    "BLAST_PROBITS",
    "PURPLE_BOOK_INDOOR_LETHALITY",
    "BlastProbit",
    "blast_probit",
    "indoor_overpressure_lethality",
    "overpressure_lethality",
]


@dataclass(frozen=True)
class BlastProbit:
    """One overpressure probit.

    Attributes
    ----------
    key
        Name used by :func:`overpressure_lethality` (``model=``).
    form
        The formula, in words a reader can check against the source.
    outcome
        What the probability is of (``"death"`` or ``"building collapse"``).
    needs_impulse
        ``True`` when the probit uses the impulse ``i`` as well as the overpressure ``P``.
    source
        Citation.
    """

    key: str
    form: str
    outcome: str
    needs_impulse: bool
    source: str


_HYRAM = "Sandia HyRAM+ src/hyram/hyram/qra/probits.py"

BLAST_PROBITS: dict[str, BlastProbit] = {
    p.key: p
    for p in (
        BlastProbit(
            "eisenberg_lung",
            "Y = -77.1 + 6.91 ln P",
            "death",
            False,
            f"Eisenberg et al. 1975 (lung haemorrhage), as in {_HYRAM}",
        ),
        BlastProbit(
            "hse_lung",
            "Y = 5.13 + 1.37 ln(P / 1e5)",
            "death",
            False,
            f"UK HSE (lung haemorrhage), as in {_HYRAM}",
        ),
        BlastProbit(
            "tno_head_impact",
            "Y = 5 - 8.49 ln(2430/P + 4e8/(P i))",
            "death",
            True,
            f"TNO Green Book CPR 16E (head impact), as in {_HYRAM}",
        ),
        BlastProbit(
            "tno_structural_collapse",
            "Y = 5 - 0.22 ln((40000/P)^7.4 + (460/i)^11.3)",
            "building collapse",
            True,
            f"TNO Green Book CPR 16E (structural collapse), as in {_HYRAM}",
        ),
    )
}
"""Overpressure probits by key (P in Pa, i in Pa·s)."""

PURPLE_BOOK_INDOOR_LETHALITY: tuple[tuple[float, float], ...] = (
    # (lower bound of peak overpressure in Pa, lethality indoors), highest bound first
    (0.3e5, 1.0),
    (0.1e5, 0.025),
)
"""Purple Book (CPR 18E) indoor lethality steps for explosions [recalled]; 0 below 0.1 bar."""


def _probit_values(model: str, p: np.ndarray, i: np.ndarray | None) -> np.ndarray:
    """Probit for validated ``p`` (>= 0) and ``i`` (>= 0); ``−inf`` where ``p`` or ``i`` is 0."""
    safe_p = np.where(p > 0.0, p, 1.0)
    if model == "eisenberg_lung":
        y = -77.1 + 6.91 * np.log(safe_p)
        return np.where(p > 0.0, y, -np.inf)
    if model == "hse_lung":
        y = 5.13 + 1.37 * np.log(safe_p * 1e-5)
        return np.where(p > 0.0, y, -np.inf)
    assert i is not None
    ok = (p > 0.0) & (i > 0.0)
    safe_i = np.where(i > 0.0, i, 1.0)
    if model == "tno_head_impact":
        y = 5.0 - 8.49 * np.log(2430.0 / safe_p + 4.0e8 / (safe_p * safe_i))
    else:  # tno_structural_collapse
        with np.errstate(over="ignore"):
            v = (40000.0 / safe_p) ** 7.4 + (460.0 / safe_i) ** 11.3
        y = 5.0 - 0.22 * np.log(v)
    return np.where(ok, y, -np.inf)


def blast_probit(
    p_pa: np.ndarray | float,
    impulse_Pa_s: np.ndarray | float | None = None,
    model: str = "eisenberg_lung",
) -> np.ndarray:
    """Probit value of an overpressure model (``−inf`` where there is no blast).

    Parameters
    ----------
    p_pa
        Peak side-on overpressure(s), Pa (``>= 0``).
    impulse_Pa_s
        Positive-phase impulse(s), Pa·s (``>= 0``); required by the TNO models, ignored by the
        lung models. Broadcast against ``p_pa``.
    model
        A key of :data:`BLAST_PROBITS`.

    Returns
    -------
    numpy.ndarray
        Probit values, of the broadcast shape.

    Raises
    ------
    ValueError
        For an unknown model, a missing impulse, or negative or non-finite inputs.

    Examples
    --------
    >>> round(float(blast_probit(1.0e5, model="hse_lung")), 2)
    5.13

    """
    if model not in BLAST_PROBITS:
        raise ValueError(f"unknown blast probit {model!r}; expected one of {', '.join(BLAST_PROBITS)}")
    p = np.asarray(p_pa, dtype=np.float64)
    if not np.all(np.isfinite(p)) or np.any(p < 0.0):
        raise ValueError("p_pa must be finite and >= 0")
    i = None
    if BLAST_PROBITS[model].needs_impulse:
        if impulse_Pa_s is None:
            raise ValueError(f"blast probit {model!r} needs impulse_Pa_s")
        i = np.asarray(impulse_Pa_s, dtype=np.float64)
        if not np.all(np.isfinite(i)) or np.any(i < 0.0):
            raise ValueError("impulse_Pa_s must be finite and >= 0")
        p, i = np.broadcast_arrays(p, i)
    return _probit_values(model, p, i)


def overpressure_lethality(
    p_pa: np.ndarray | float,
    impulse_Pa_s: np.ndarray | float | None = None,
    model: str = "eisenberg_lung",
) -> np.ndarray | float:
    """Probability ``Φ(Y − 5)`` of the model's outcome for a blast of ``p_pa`` and ``impulse_Pa_s``.

    For people outdoors; for people in buildings see :func:`indoor_overpressure_lethality`.
    Parameters are as for :func:`blast_probit`.

    Returns
    -------
    float or numpy.ndarray
        Probability in [0, 1]; a float for scalar input. 0 where there is no blast.

    Examples
    --------
    >>> round(overpressure_lethality(144.5e3), 2)  # Eisenberg lung haemorrhage, 50 % point
    0.5
    >>> round(overpressure_lethality(40e3, 1000.0, model="tno_structural_collapse"), 3)
    0.5

    """
    return probit_to_probability(blast_probit(p_pa, impulse_Pa_s, model))


def indoor_overpressure_lethality(p_pa: np.ndarray | float) -> np.ndarray | float:
    """Lethality of people indoors by the Purple Book rule (building damage kills).

    1.0 for ``P >= 0.3 bar``, 0.025 for ``0.1 <= P < 0.3 bar``, 0 below [recalled: CPR 18E].

    Parameters
    ----------
    p_pa
        Peak side-on overpressure(s) at the building, Pa (``>= 0``).

    Returns
    -------
    float or numpy.ndarray
        Probability of death indoors; a float for scalar input.

    Examples
    --------
    >>> [indoor_overpressure_lethality(p) for p in (5e3, 2e4, 3e4)]
    [0.0, 0.025, 1.0]

    """
    p = np.asarray(p_pa, dtype=np.float64)
    if not np.all(np.isfinite(p)) or np.any(p < 0.0):
        raise ValueError("p_pa must be finite and >= 0")
    out = np.zeros_like(p)
    for lower, lethality in reversed(PURPLE_BOOK_INDOOR_LETHALITY):
        out = np.where(p >= lower, lethality, out)
    return float(out) if out.ndim == 0 else out
