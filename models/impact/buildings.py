"""HAZUS-style building damage from peak ground acceleration, and the indoor casualties it causes.

Damage is one of five states, none / slight / moderate / extensive / complete. The "equivalent-PGA"
fragility curves (used when no response spectrum is available) give the probability of reaching
or exceeding each damaged state ``ds`` at peak ground acceleration ``PGA`` (in g) as a lognormal
CDF::

    P(DS ≥ ds | PGA) = Φ( ln(PGA / PGA̅_ds) / β ),     β = 0.64 for every type and state,

and the probability of being *in* a state is the difference of adjacent curves. Indoor casualties
are rates per damage state (percent of occupants, severity 1 to 4, 4 = killed); complete damage
is split into "without collapse" and "with collapse" by a type-specific collapse fraction.

Sources
-------
* Fragility medians [seen]: HAZUS-MH equivalent-PGA medians as tabulated in USGS ShakeCast V3,
  appendix E (https://github.com/klin-usgs/ShakeCast_V3, ``operator_appende.md``); copied from
  the project sheet ``shared/reference/hazard-models.md`` section (d), with its spot value
  (W1 moderate code at 0.5 g: 0.874 / 0.593 / 0.175 / 0.062) reproduced by the tests.
* Casualty rates and collapse fractions [recalled]: Hazus Earthquake Technical Manual, casualty
  chapter, as *recalled* on the same sheet and not checked against the Hazus 6.x tables. The
  sheet gives the full W1 table but, for other types, only the complete-with-collapse row
  ("most non-wood types": 40/20/5/10 %) and collapse fractions only for W1 (~3 %) and URML
  (~15 %). Where this module needs more it says so: see ``CASUALTY_RATES_PERCENT`` and
  ``COLLAPSE_FRACTION``. Check the Hazus tables before using the casualty numbers for decisions.

Building types are the sheet's: W1 light wood, S1L low-rise steel moment frame, C1L low-rise RC
moment frame, C2L low-rise RC shear wall, URML low-rise unreinforced masonry, MH mobile home.
Code levels are ``"high"``, ``"moderate"``, ``"low"`` and ``"pre"`` (pre-code); URML has only
low and pre-code entries.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = [
    "BETA",
    "BUILDING_TYPES",
    "CASUALTY_RATES_PERCENT",
    "CODE_LEVELS",
    "COLLAPSE_FRACTION",
    "DAMAGE_STATES",
    "PGA_MEDIANS_G",
    "SEVERITIES",
    "exceedance_probabilities",
    "expected_casualties",
    "sample_damage_states",
    "state_probabilities",
    "trapped_people",
]

DAMAGE_STATES: tuple[str, ...] = ("none", "slight", "moderate", "extensive", "complete")
SEVERITIES: tuple[str, ...] = ("severity1", "severity2", "severity3", "severity4")
CODE_LEVELS: tuple[str, ...] = ("high", "moderate", "low", "pre")

BETA: float = 0.64
"""Lognormal standard deviation of every equivalent-PGA fragility curve (all types and states)."""

# ---------------------------------------------------------------------------------------------
# Equivalent-PGA medians, g, slight / moderate / extensive / complete [seen; source: module
# docstring]. URML has no high- or moderate-code entries. MH is the same for high, moderate and
# low code ("same" in the sheet).
# ---------------------------------------------------------------------------------------------
type Medians = tuple[float, float, float, float]

_MH_CODED: Medians = (0.11, 0.18, 0.31, 0.60)

PGA_MEDIANS_G: dict[str, dict[str, Medians]] = {
    "W1": {
        "high": (0.26, 0.55, 1.28, 2.01),
        "moderate": (0.24, 0.43, 0.91, 1.34),
        "low": (0.20, 0.34, 0.61, 0.95),
        "pre": (0.18, 0.29, 0.51, 0.77),
    },
    "S1L": {
        "high": (0.19, 0.31, 0.64, 1.49),
        "moderate": (0.15, 0.22, 0.42, 0.80),
        "low": (0.12, 0.17, 0.30, 0.48),
        "pre": (0.09, 0.13, 0.22, 0.38),
    },
    "C1L": {
        "high": (0.21, 0.35, 0.70, 1.37),
        "moderate": (0.16, 0.23, 0.41, 0.77),
        "low": (0.12, 0.15, 0.27, 0.45),
        "pre": (0.10, 0.12, 0.21, 0.36),
    },
    "C2L": {
        "high": (0.24, 0.45, 0.90, 1.55),
        "moderate": (0.18, 0.30, 0.49, 0.87),
        "low": (0.14, 0.19, 0.30, 0.52),
        "pre": (0.11, 0.15, 0.24, 0.42),
    },
    "URML": {
        "low": (0.14, 0.20, 0.32, 0.46),
        "pre": (0.13, 0.17, 0.26, 0.37),
    },
    "MH": {
        "high": _MH_CODED,
        "moderate": _MH_CODED,
        "low": _MH_CODED,
        "pre": (0.08, 0.11, 0.18, 0.34),
    },
}
"""``PGA_MEDIANS_G[type][code_level]`` = medians (g) of slight, moderate, extensive, complete."""

BUILDING_TYPES: tuple[str, ...] = tuple(PGA_MEDIANS_G)

# ---------------------------------------------------------------------------------------------
# Indoor casualty rates, % of occupants, severity 1 / 2 / 3 / 4 (4 = killed) [recalled; source:
# module docstring]. Rows: slight, moderate, extensive, complete without collapse, complete with
# collapse.
#
# * W1: the sheet's full table [recalled].
# * Every other type: the complete-with-collapse row is the sheet's "most non-wood types" row
#   40/20/5/10 [recalled]. The sheet gives no other rows for them; the W1 rows are used for the
#   four non-collapse states [ASSUMPTION, not from the sheet]. MH is counted as non-wood.
# ---------------------------------------------------------------------------------------------
type Rates = tuple[float, float, float, float]

_W1_NON_COLLAPSE: tuple[Rates, Rates, Rates, Rates] = (
    (0.05, 0.0, 0.0, 0.0),  # slight
    (0.25, 0.03, 0.0, 0.0),  # moderate
    (1.0, 0.1, 0.001, 0.001),  # extensive
    (5.0, 1.0, 0.01, 0.01),  # complete without collapse
)
_W1_COLLAPSE: Rates = (40.0, 20.0, 3.0, 5.0)
_NON_WOOD_COLLAPSE: Rates = (40.0, 20.0, 5.0, 10.0)

CASUALTY_RATES_PERCENT: dict[str, tuple[Rates, ...]] = {
    t: (*_W1_NON_COLLAPSE, _W1_COLLAPSE if t == "W1" else _NON_WOOD_COLLAPSE) for t in BUILDING_TYPES
}
"""``CASUALTY_RATES_PERCENT[type]`` = five rows (slight, moderate, extensive, complete without
collapse, complete with collapse) of percent of occupants at severity 1, 2, 3, 4 [recalled]."""

COLLAPSE_FRACTION: dict[str, float] = {"W1": 0.03, "URML": 0.15}
"""Fraction of complete-damage buildings that collapse [recalled, "about"]; the sheet gives no
value for the other types, so the casualty functions need ``collapse_fraction=`` for them."""


def _medians(building_type: str, code_level: str) -> np.ndarray:
    bt = str(building_type).strip().upper()
    if bt not in PGA_MEDIANS_G:
        raise ValueError(
            f"unknown building type {building_type!r}; expected one of {', '.join(BUILDING_TYPES)}"
        )
    cl = str(code_level).strip().lower().removesuffix("-code").removesuffix("_code").removesuffix(" code")
    levels = PGA_MEDIANS_G[bt]
    if cl not in levels:
        raise ValueError(
            f"no equivalent-PGA fragility for building type {bt!r} at code level {code_level!r}; "
            f"valid code levels for {bt}: {', '.join(levels)}"
        )
    return np.asarray(levels[cl], dtype=np.float64)


def exceedance_probabilities(pga_g: np.ndarray | float, building_type: str, code_level: str) -> np.ndarray:
    """Probability of reaching or exceeding slight, moderate, extensive and complete damage.

    Parameters
    ----------
    pga_g : array_like
        Peak ground acceleration in g, any shape ``(...)``; must be non-negative (0 gives 0).
    building_type : str
        One of ``BUILDING_TYPES`` (case-insensitive).
    code_level : str
        ``"high"``, ``"moderate"``, ``"low"`` or ``"pre"`` (``"pre-code"`` also accepted).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., 4)``: ``Φ(ln(PGA / median) / β)`` for each damaged state, non-increasing
        along the last axis.

    Raises
    ------
    ValueError
        For an unknown type or code level (the message names the valid ones), or negative PGA.

    Examples
    --------
    >>> exceedance_probabilities(0.5, "W1", "moderate").round(3).tolist()
    [0.874, 0.593, 0.175, 0.062]
    >>> exceedance_probabilities([0.24, 1.34], "W1", "moderate")[[0, 1], [0, 3]].tolist()
    [0.5, 0.5]
    """
    medians = _medians(building_type, code_level)
    pga = np.asarray(pga_g, dtype=np.float64)
    if np.any(pga < 0.0):
        raise ValueError("pga_g must be non-negative")
    with np.errstate(divide="ignore"):
        z = np.log(pga[..., None] / medians) / BETA
    return ndtr(z)


def state_probabilities(pga_g: np.ndarray | float, building_type: str, code_level: str) -> np.ndarray:
    """Probability of being in each damage state (none, slight, moderate, extensive, complete).

    Differences of adjacent exceedance curves; the result is non-negative and sums to 1 along
    the last axis. Arguments as for :func:`exceedance_probabilities`.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., 5)``, states in the order of ``DAMAGE_STATES``.

    Examples
    --------
    >>> p = state_probabilities(0.5, "W1", "moderate")
    >>> p.round(3).tolist()
    [0.126, 0.281, 0.418, 0.113, 0.062]
    >>> float(p.sum())
    1.0
    """
    exc = exceedance_probabilities(pga_g, building_type, code_level)
    ones = np.ones((*exc.shape[:-1], 1))
    zeros = np.zeros_like(ones)
    upper = np.concatenate([ones, exc], axis=-1)
    lower = np.concatenate([exc, zeros], axis=-1)
    return np.maximum(upper - lower, 0.0)


def sample_damage_states(
    pga_g: np.ndarray | float,
    n_buildings: np.ndarray | int,
    building_type: str,
    code_level: str,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw how many of each cell's buildings end in each damage state.

    Parameters
    ----------
    pga_g : array_like
        Peak ground acceleration in g, shape ``(...)``.
    n_buildings : array_like of int
        Buildings per cell, broadcastable against ``pga_g``; non-negative.
    building_type, code_level : str
        As for :func:`exceedance_probabilities`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Integer counts of shape ``(broadcast shape, 5)`` (order of ``DAMAGE_STATES``), one
        multinomial draw per cell; each cell's counts sum to its ``n_buildings``.

    Examples
    --------
    >>> counts = sample_damage_states([0.1, 0.5], [10, 1000], "W1", "moderate", np.random.default_rng(0))
    >>> counts.shape, counts.sum(axis=-1).tolist()
    ((2, 5), [10, 1000])
    """
    n = np.asarray(n_buildings)
    if np.any(n < 0) or not np.all(n == np.round(n)):
        raise ValueError("n_buildings must be non-negative integers")
    p = state_probabilities(pga_g, building_type, code_level)
    shape = np.broadcast_shapes(p.shape[:-1], n.shape)
    p = np.broadcast_to(p, (*shape, 5))
    p = p / p.sum(axis=-1, keepdims=True)
    n = np.broadcast_to(n.astype(np.int64), shape)
    return rng.multinomial(n, p).astype(np.int64)


def _collapse_fraction(building_type: str, collapse_fraction: float | None) -> float:
    if collapse_fraction is not None:
        cf = float(collapse_fraction)
        if not 0.0 <= cf <= 1.0:
            raise ValueError("collapse_fraction must lie in [0, 1]")
        return cf
    if building_type not in COLLAPSE_FRACTION:
        raise ValueError(
            f"no collapse fraction on file for building type {building_type!r} (known: "
            f"{', '.join(COLLAPSE_FRACTION)}); pass collapse_fraction= explicitly"
        )
    return COLLAPSE_FRACTION[building_type]


def _casualty_inputs(
    state_probs: np.ndarray, occupants: np.ndarray | float, building_type: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    bt = str(building_type).strip().upper()
    if bt not in CASUALTY_RATES_PERCENT:
        raise ValueError(
            f"unknown building type {building_type!r}; expected one of {', '.join(BUILDING_TYPES)}"
        )
    p = np.asarray(state_probs, dtype=np.float64)
    if p.shape[-1:] != (5,):
        raise ValueError(f"state_probabilities must have a last axis of 5 states, got shape {p.shape}")
    occ = np.asarray(occupants, dtype=np.float64)
    rates = np.asarray(CASUALTY_RATES_PERCENT[bt], dtype=np.float64) / 100.0
    return p, occ, rates, bt


def expected_casualties(
    state_probabilities: np.ndarray,
    occupants: np.ndarray | float,
    building_type: str,
    *,
    collapse_fraction: float | None = None,
) -> np.ndarray:
    """Expected indoor casualties by severity, from damage-state probabilities.

    For occupants ``N`` and state probabilities ``P``::

        E[severity k] = N · ( Σ_{slight..extensive} P_ds r_ds,k
                              + P_complete · ((1 − c) r_complete,k + c r_collapse,k) )

    with rates ``r`` from ``CASUALTY_RATES_PERCENT`` (as fractions) and collapse fraction ``c``.

    Parameters
    ----------
    state_probabilities : array_like
        Shape ``(..., 5)``, as returned by :func:`state_probabilities` (or damage-state shares
        of a building stock, e.g. sampled counts divided by the number of buildings).
    occupants : array_like
        People indoors in these buildings, broadcastable against ``(...)``.
    building_type : str
        One of ``BUILDING_TYPES``.
    collapse_fraction : float, optional
        Share of complete-damage buildings that collapse; defaults to ``COLLAPSE_FRACTION``
        (only W1 and URML are on file; other types raise ``ValueError`` without it).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., 4)``: expected people at severity 1, 2, 3, 4 (4 = killed).

    Examples
    --------
    >>> expected_casualties([0, 0, 0, 0, 1], 100.0, "W1").round(4).tolist()
    [6.05, 1.57, 0.0997, 0.1597]
    """
    p, occ, rates, bt = _casualty_inputs(state_probabilities, occupants, building_type)
    cf = _collapse_fraction(bt, collapse_fraction)
    per_state = np.empty((5, 4))
    per_state[0] = 0.0
    per_state[1:4] = rates[0:3]
    per_state[4] = (1.0 - cf) * rates[3] + cf * rates[4]
    return occ[..., None] * (p @ per_state)


def trapped_people(
    state_probabilities: np.ndarray,
    occupants: np.ndarray | float,
    building_type: str,
    *,
    collapse_fraction: float | None = None,
) -> np.ndarray:
    """Expected people trapped alive in collapsed buildings, by severity 1–3.

    Definition: the occupants of *collapsed* buildings (the collapse share of complete damage)
    who survive the collapse injured, i.e. the severity 1, 2 and 3 casualties of the
    complete-with-collapse row::

        trapped_k = N · P_complete · c · r_collapse,k,     k = 1, 2, 3.

    Occupants of collapsed buildings who are uninjured by the rates (100 % minus the four
    severities) are *not* counted: they are assumed to leave unaided. People in damaged but
    uncollapsed buildings are not counted either. This is the demand for search-and-rescue
    models; the killed (severity 4) are excluded.

    Parameters and ``collapse_fraction`` are as for :func:`expected_casualties`.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., 3)``: expected trapped survivors at severity 1, 2, 3; sum the last axis
        for the total.

    Examples
    --------
    >>> trapped_people([0, 0, 0, 0, 1], 1000.0, "URML").round(6).tolist()
    [60.0, 30.0, 7.5]
    """
    p, occ, rates, bt = _casualty_inputs(state_probabilities, occupants, building_type)
    cf = _collapse_fraction(bt, collapse_fraction)
    return occ[..., None] * p[..., 4:5] * cf * rates[4, :3]
