"""Earthquake-triggered landslides on the grid: infinite slope, Newmark displacement, failure odds.

The chain is the Newmark (1965) rigid sliding-block method as used for regional hazard maps
(Jibson et al. 2000), evaluated cell by cell on numpy arrays:

1. Static factor of safety of an infinite slope (Jibson et al. 2000)::

       FS = c′ / (γ t sin α) + tan φ′ / tan α − m γw tan φ′ / (γ tan α)

   with effective cohesion ``c′`` (Pa), friction angle ``φ′``, unit weight ``γ`` (N/m³), slab
   thickness ``t`` (m, measured normal to the slope), saturated fraction ``m`` of the slab,
   unit weight of water ``γw`` and slope angle ``α``.
2. Critical (yield) acceleration (Newmark 1965): ``ac = (FS − 1) sin α``, in g.
3. Newmark displacement from peak ground acceleration ``amax`` (Jibson 2007, Dn in cm)::

       eq. 6:  log10 Dn = 0.215 + log10[(1 − ac/amax)^2.341 · (ac/amax)^−1.438]
       eq. 7:  log10 Dn = −2.710 + log10[(1 − ac/amax)^2.335 · (ac/amax)^−1.478] + 0.424 M

   The scatter is about 0.51 log10 units (eq. 6); the values here are the median.
4. Probability of failure from the Northridge calibration (Jibson et al. 2000)::

       P(f) = 0.335 · [1 − exp(−0.048 · Dn^1.565)]

   which saturates at 0.335: even a large modelled displacement fails only about a third of
   the cells in the calibration inventory.
5. Slides: failed cells grouped into 8-connected slides (:func:`group_slides`), each with its
   planimetric area, in-place volume (area × slab thickness, see :class:`Slide`) and width.
6. Runout by the energy-line (Fahrböschung) rule: the reach ratio ``H/L`` falls with volume
   (:func:`reach_ratio`: Corominas 1996, Scheidegger 1973); the debris follows the D8
   steepest-descent path from the slide's crown until the line from the crown at slope ``H/L``
   meets the ground (:func:`energy_line_runout`), and is spread over the last part of that
   path (:func:`deposit_footprint`).
7. Landslide dams (debris reaching the river fills the valley section to a crest that holds
   its volume) and the process that chains all this: :mod:`models.hazards.landslide_process`.

The simple D8 runout of every failed cell (:func:`runout_path`) and :func:`dams_river` are
kept for callers that want a geometric sweep only.

Sources
-------
* Newmark, N.M. (1965) Effects of earthquakes on dams and embankments, *Géotechnique*
  15(2):139-160, doi:10.1680/geot.1965.15.2.139.
* Jibson, R.W., Harp, E.L. & Michael, J.A. (2000) A method for producing digital probabilistic
  seismic landslide hazard maps, *Eng. Geol.* 58:271-289, doi:10.1016/S0013-7952(00)00039-9.
* Jibson, R.W. (2007) Regression models for estimating coseismic landslide displacement,
  *Eng. Geol.* 91:209-218, doi:10.1016/j.enggeo.2007.01.013.
* Corominas, J. (1996) The angle of reach as a mobility index for small and large landslides,
  *Can. Geotech. J.* 33(2):260-271, doi:10.1139/t96-005 (Table 1).
* Scheidegger, A.E. (1973) On the prediction of the reach and velocity of catastrophic
  landslides, *Rock Mechanics* 5(4):231-236, doi:10.1007/BF01301796.
* Heim, A. (1932) *Bergsturz und Menschenleben*, Fretz & Wasmuth (the Fahrböschung).

The equations are as implemented in OpenQuake engine 3.26.2 ``openquake/sep/landslide`` (whose
docstrings cite these papers). OpenQuake floors ``ac`` at 1e-4 g and clamps ``ac/amax`` to
[0.05, 1]; those clamps are OpenQuake's choices, not part of the regressions, and are *not*
copied here (see :func:`newmark_displacement_cm` for the one floor used and why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy import ndimage

__all__ = [
    "DEFAULT_BULKING_FACTOR",
    "JIBSON_2000_WEIBULL",
    "JIBSON_2007_EQ6",
    "JIBSON_2007_EQ7",
    "MAGNITUDE_RANGE_EQ7",
    "RATIO_FLOOR",
    "REACH_RELATIONS",
    "WATER_UNIT_WEIGHT_N_M3",
    "Runout",
    "Slide",
    "critical_acceleration_g",
    "dams_river",
    "deposit_footprint",
    "energy_line_runout",
    "factor_of_safety",
    "failure_probability",
    "group_slides",
    "newmark_displacement_cm",
    "reach_ratio",
    "runout_path",
    "sample_failures",
    "trace_energy_line",
]

WATER_UNIT_WEIGHT_N_M3 = 9810.0
"""Unit weight of water γw = 1000 kg/m³ × 9.81 m/s², in N/m³."""

# ---------------------------------------------------------------------------------------------
# Jibson (2007) regression coefficients (source: see module docstring).
#   log10 Dn = c0 + log10[(1 − r)^p · r^q] (+ cM · M),  r = ac/amax, Dn in cm.
# ---------------------------------------------------------------------------------------------
JIBSON_2007_EQ6: tuple[float, float, float] = (0.215, 2.341, -1.438)
"""``(c0, p, q)`` of Jibson (2007) eq. 6 (ratio ac/amax only)."""

JIBSON_2007_EQ7: tuple[float, float, float, float] = (-2.710, 2.335, -1.478, 0.424)
"""``(c0, p, q, cM)`` of Jibson (2007) eq. 7 (ratio and moment magnitude)."""

MAGNITUDE_RANGE_EQ7: tuple[float, float] = (5.3, 7.6)
"""Moment magnitudes of the records behind eq. 7; outside it the fit is extrapolated."""

RATIO_FLOOR = 0.01
"""Smallest ``ac/amax`` fed to the Jibson (2007) regressions (numerical guard, see below)."""

# Jibson et al. (2000) Weibull fit, Northridge: P(f) = a · [1 − exp(−b · Dn^c)], Dn in cm.
JIBSON_2000_WEIBULL: tuple[float, float, float] = (0.335, 0.048, 1.565)
"""``(a, b, c)`` of the Jibson et al. (2000) probability-of-failure curve."""


def factor_of_safety(
    slope_deg: np.ndarray | float,
    cohesion_Pa: np.ndarray | float,
    friction_angle_deg: np.ndarray | float,
    unit_weight_N_m3: np.ndarray | float,
    thickness_m: np.ndarray | float,
    saturated_fraction: np.ndarray | float = 0.0,
    water_unit_weight_N_m3: float = WATER_UNIT_WEIGHT_N_M3,
) -> np.ndarray:
    """Static factor of safety of an infinite slope (Jibson et al. 2000).

    ``FS = c′/(γ t sin α) + tan φ′/tan α − m γw tan φ′/(γ tan α)``.

    Parameters
    ----------
    slope_deg
        Slope angle α in degrees, in ``[0, 90)``. Flat cells (α = 0) get ``+inf``: an infinite
        slope with no inclination cannot slide.
    cohesion_Pa
        Effective cohesion c′ in Pa, ``>= 0``.
    friction_angle_deg
        Effective friction angle φ′ in degrees, in ``[0, 90)``.
    unit_weight_N_m3
        Unit weight of the slope material γ in N/m³, ``> 0`` (dry density × g).
    thickness_m
        Slab thickness t normal to the slope, in m, ``> 0``.
    saturated_fraction
        Fraction m of the slab below the water table, in ``[0, 1]``.
    water_unit_weight_N_m3
        Unit weight of water γw in N/m³.

    Returns
    -------
    numpy.ndarray
        FS, broadcast shape of the inputs (0-d for scalars). May be below 1 (statically
        unstable) or even negative for very wet, weak, steep slabs; the formula is not clipped.

    Raises
    ------
    ValueError
        For inputs outside the ranges above.

    Examples
    --------
    >>> round(float(factor_of_safety(30.0, 0.0, 35.0, 18000.0, 2.0)), 4)  # tan35/tan30
    1.2128
    >>> float(factor_of_safety(0.0, 1e4, 30.0, 18000.0, 2.0))
    inf
    """
    alpha = np.asarray(slope_deg, dtype=np.float64)
    c = np.asarray(cohesion_Pa, dtype=np.float64)
    phi = np.asarray(friction_angle_deg, dtype=np.float64)
    gamma = np.asarray(unit_weight_N_m3, dtype=np.float64)
    t = np.asarray(thickness_m, dtype=np.float64)
    m = np.asarray(saturated_fraction, dtype=np.float64)
    gw = float(water_unit_weight_N_m3)
    if np.any(~(alpha >= 0.0)) or np.any(~(alpha < 90.0)):
        raise ValueError("slope_deg must be in [0, 90)")
    if np.any(~(c >= 0.0)) or not np.all(np.isfinite(c)):
        raise ValueError("cohesion_Pa must be finite and >= 0")
    if np.any(~(phi >= 0.0)) or np.any(~(phi < 90.0)):
        raise ValueError("friction_angle_deg must be in [0, 90)")
    if np.any(~(gamma > 0.0)) or not np.all(np.isfinite(gamma)):
        raise ValueError("unit_weight_N_m3 must be finite and > 0")
    if np.any(~(t > 0.0)) or not np.all(np.isfinite(t)):
        raise ValueError("thickness_m must be finite and > 0")
    if np.any(~(m >= 0.0)) or np.any(~(m <= 1.0)):
        raise ValueError("saturated_fraction must be in [0, 1]")
    if not (np.isfinite(gw) and gw >= 0.0):
        raise ValueError("water_unit_weight_N_m3 must be finite and >= 0")

    a = np.deg2rad(alpha)
    flat = alpha == 0.0
    sin_a = np.where(flat, 1.0, np.sin(a))
    tan_a = np.where(flat, 1.0, np.tan(a))
    tan_phi = np.tan(np.deg2rad(phi))
    fs = c / (gamma * t * sin_a) + tan_phi / tan_a - m * gw * tan_phi / (gamma * tan_a)
    return np.where(flat, np.inf, fs)


def critical_acceleration_g(
    factor_of_safety: np.ndarray | float, slope_deg: np.ndarray | float
) -> np.ndarray:
    """Newmark (1965) critical (yield) acceleration ``ac = (FS − 1) sin α``, in g.

    Parameters
    ----------
    factor_of_safety
        Static factor of safety (any shape; ``+inf`` allowed for flat cells).
    slope_deg
        Slope angle α in degrees, in ``[0, 90)``.

    Returns
    -------
    numpy.ndarray
        ``ac`` in units of g. Where ``FS <= 1`` the slope is already statically failing, so no
        extra shaking is needed to move it: ``ac`` is set to 0 (never negative). Flat cells
        (α = 0, FS = +inf) get ``+inf``: they never slide. No small positive floor is applied
        (OpenQuake uses 1e-4 g); :func:`newmark_displacement_cm` handles ``ac = 0``.

    Examples
    --------
    >>> round(float(critical_acceleration_g(1.5, 30.0)), 12)
    0.25
    >>> float(critical_acceleration_g(0.8, 30.0))
    0.0
    """
    fs = np.asarray(factor_of_safety, dtype=np.float64)
    alpha = np.asarray(slope_deg, dtype=np.float64)
    if np.any(np.isnan(fs)):
        raise ValueError("factor_of_safety must not be NaN")
    if np.any(~(alpha >= 0.0)) or np.any(~(alpha < 90.0)):
        raise ValueError("slope_deg must be in [0, 90)")
    flat = (alpha == 0.0) | np.isposinf(fs)
    sin_a = np.sin(np.deg2rad(alpha))
    with np.errstate(invalid="ignore"):
        ac = np.maximum((np.where(flat, 2.0, fs) - 1.0) * sin_a, 0.0)
    return np.where(flat, np.inf, ac)


def newmark_displacement_cm(
    pga_g: np.ndarray | float,
    critical_acceleration_g: np.ndarray | float,
    magnitude: float | None = None,
) -> np.ndarray:
    """Median Newmark displacement from PGA and critical acceleration (Jibson 2007).

    Without ``magnitude``, eq. 6::

        log10 Dn = 0.215 + log10[(1 − r)^2.341 · r^−1.438],   r = ac/amax

    with ``magnitude`` M, eq. 7::

        log10 Dn = −2.710 + log10[(1 − r)^2.335 · r^−1.478] + 0.424 M

    Parameters
    ----------
    pga_g
        Peak ground acceleration amax in g, ``>= 0``.
    critical_acceleration_g
        Critical acceleration ac in g, ``>= 0`` (``+inf`` allowed for flat cells).
    magnitude
        Moment magnitude; selects eq. 7. The records behind eq. 7 span M 5.3-7.6
        (:data:`MAGNITUDE_RANGE_EQ7`); outside it the result is an extrapolation and is
        returned without warning or clipping.

    Returns
    -------
    numpy.ndarray
        Dn in cm (broadcast shape). Exactly 0 where ``ac >= amax`` (the block never yields),
        which includes ``amax = 0``.

    Notes
    -----
    Validity. The regressions were fitted to rigid-block analyses of strong-motion records for
    ac between 0.02 and 0.4 g; they describe the median only (σ ≈ 0.51 log10 units for eq. 6),
    and do not extrapolate well when r is near 0 or near 1.

    Small ratios. As ``r → 0`` the factor ``r^q`` (q < 0) diverges, so the regression predicts
    unbounded displacement; this is a property of the fit, not of physics. ``ac = 0``
    (``FS <= 1``, see :func:`critical_acceleration_g`) would give infinity. To keep the
    outputs finite, r is floored at :data:`RATIO_FLOOR` (0.01) **only** for that purpose:
    for r below 0.01 the displacement returned is the (already very large, ≈ 12 m for eq. 6)
    value at r = 0.01. No other clamp is applied: in particular OpenQuake's lower clamp of r at
    0.05 is not used, so for 0.01 <= r < 1 the published formula is evaluated as is.

    Examples
    --------
    >>> round(float(newmark_displacement_cm(0.5, 0.1)), 3)  # r = 0.2
    9.846
    >>> float(newmark_displacement_cm(0.2, 0.3))
    0.0
    >>> newmark_displacement_cm([0.4, 0.4], [0.0, 0.004]).tolist() == [
    ...     float(newmark_displacement_cm(0.4, 0.004))] * 2
    True
    """
    amax = np.asarray(pga_g, dtype=np.float64)
    ac = np.asarray(critical_acceleration_g, dtype=np.float64)
    if np.any(~(amax >= 0.0)) or not np.all(np.isfinite(amax)):
        raise ValueError("pga_g must be finite and >= 0")
    if np.any(~(ac >= 0.0)):
        raise ValueError("critical_acceleration_g must be >= 0 (not NaN)")
    if magnitude is None:
        c0, p, q = JIBSON_2007_EQ6
        c_m, mag = 0.0, 0.0
    else:
        mag = float(magnitude)
        if not np.isfinite(mag):
            raise ValueError("magnitude must be finite")
        c0, p, q, c_m = JIBSON_2007_EQ7
    moves = ac < amax
    safe_amax = np.where(moves, amax, 1.0)
    r = np.where(moves, ac / safe_amax, 0.5)
    r = np.maximum(r, RATIO_FLOOR)
    log_dn = c0 + p * np.log10(1.0 - r) + q * np.log10(r) + c_m * mag
    return np.where(moves, 10.0**log_dn, 0.0)


def failure_probability(displacement_cm: np.ndarray | float) -> np.ndarray:
    """Probability of slope failure from Newmark displacement (Jibson et al. 2000).

    ``P(f) = 0.335 · [1 − exp(−0.048 · Dn^1.565)]``, Dn in cm.

    The Weibull curve was calibrated on the 1994 Northridge inventory and saturates at 0.335:
    it is a regional proportion of failed cells, not a per-slope certainty.

    Parameters
    ----------
    displacement_cm
        Newmark displacement Dn in cm, ``>= 0`` (``+inf`` gives 0.335).

    Returns
    -------
    numpy.ndarray
        P(f) in ``[0, 0.335]``, shape of the input.

    Examples
    --------
    >>> float(failure_probability(0.0))
    0.0
    >>> round(float(failure_probability(5.0)), 4)
    0.1504
    >>> float(failure_probability(1e6))
    0.335
    """
    dn = np.asarray(displacement_cm, dtype=np.float64)
    if np.any(~(dn >= 0.0)):
        raise ValueError("displacement_cm must be >= 0 (not NaN)")
    a, b, c = JIBSON_2000_WEIBULL
    return a * (1.0 - np.exp(-b * dn**c))


def sample_failures(
    probability: np.ndarray | float, rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Independent Bernoulli draw per cell: ``True`` where the cell fails.

    Parameters
    ----------
    probability
        Failure probability per cell, in ``[0, 1]``.
    rng
        A :class:`numpy.random.Generator`, or a seed passed to :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray
        Boolean mask of the shape of ``probability``.

    Examples
    --------
    >>> sample_failures([0.0, 1.0, 0.0], np.random.default_rng(1)).tolist()
    [False, True, False]
    """
    p = np.asarray(probability, dtype=np.float64)
    if np.any(~(p >= 0.0)) or np.any(~(p <= 1.0)):
        raise ValueError("probability must be in [0, 1]")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return gen.random(p.shape) < p


def runout_path(start_cells: np.ndarray, receiver: np.ndarray, max_cells: int) -> np.ndarray:
    """Cells swept by runouts that follow the D8 receivers from each failed cell.

    Each start cell and up to ``max_cells`` cells downstream of it (following ``receiver``,
    e.g. :attr:`models.terrain.analysis.Drainage.receiver`) are marked. A path stops early at
    a cell that drains off the grid (receiver −1). This is a geometric runout: the length
    limit stands in for a runout model (e.g. a travel-angle rule) supplied by the caller.

    Parameters
    ----------
    start_cells
        Boolean grid, ``True`` at failed cells.
    receiver
        Flat index (``row * nx + col``) of each cell's downstream cell, −1 off the grid; same
        shape as ``start_cells``.
    max_cells
        Greatest number of downstream steps, ``>= 0``.

    Returns
    -------
    numpy.ndarray
        Boolean grid of the swept cells (start cells included).

    Examples
    --------
    >>> rec = np.array([[-1, 0, 1, 2, 3]])  # a row draining west
    >>> runout_path(np.array([[0, 0, 0, 0, 1]], bool), rec, 2).astype(int).tolist()
    [[0, 0, 1, 1, 1]]
    """
    start = np.asarray(start_cells, dtype=bool)
    rec = np.asarray(receiver, dtype=np.int64)
    if start.shape != rec.shape:
        raise ValueError("start_cells and receiver must have the same shape")
    if int(max_cells) != max_cells or max_cells < 0:
        raise ValueError("max_cells must be an integer >= 0")
    flat_rec = rec.ravel()
    if np.any((flat_rec < -1) | (flat_rec >= flat_rec.size)):
        raise ValueError("receiver indices must be -1 or valid flat indices")
    swept = start.ravel().copy()
    front = np.flatnonzero(swept)
    for _ in range(int(max_cells)):
        front = flat_rec[front]
        front = np.unique(front[front >= 0])
        front = front[~swept[front]]  # cells already swept have been (or will be) followed
        if front.size == 0:
            break
        swept[front] = True
    return swept.reshape(start.shape)


def dams_river(runout_mask: np.ndarray, river_mask: np.ndarray) -> bool:
    """Whether any runout cell lies on a river cell (a possible landslide dam).

    Examples
    --------
    >>> dams_river(np.array([[1, 0]], bool), np.array([[0, 1]], bool))
    False
    """
    run = np.asarray(runout_mask, dtype=bool)
    riv = np.asarray(river_mask, dtype=bool)
    if run.shape != riv.shape:
        raise ValueError("runout_mask and river_mask must have the same shape")
    return bool(np.any(run & riv))


# ---------------------------------------------------------------------------------------------
# Slides, runout (energy line) and deposits
# ---------------------------------------------------------------------------------------------

REACH_RELATIONS: dict[str, tuple[float, float]] = {
    "corominas1996_debris": (-0.012, -0.105),
    "corominas1996_translational": (-0.159, -0.068),
    "scheidegger1973": (0.62419, -0.15666),
}
"""``(a, b)`` of ``log10(H/L) = a + b · log10(V)``, V in m³, per published volume–mobility fit.

* ``corominas1996_debris``: Corominas (1996) Table 1, "debris flows, debris slides and debris
  avalanches", all paths (N = 71, r² = 0.76). Seen in two independent public transcriptions
  of Table 1 that agree on this row (a CSV of the table in a public runout tool, and a model
  manual quoting it); their sub-path rows disagree, so sub-path fits are not offered.
* ``corominas1996_translational``: Corominas (1996) Table 1, translational slides, all paths
  (N = 69, r² = 0.67); seen in one public transcription only.
* ``scheidegger1973``: Scheidegger (1973), ``log10 f = −0.15666 log10 V + 0.62419`` (r = 0.82),
  fitted to large rock avalanches; seen in two public secondary sources, not in the paper.
  Below ~10⁵ m³ it gives ``H/L`` near or above 1 (outside its data).
"""

DEFAULT_BULKING_FACTOR = 1.2
"""Deposit volume over source volume. Jaboyedoff et al. (2019, *Earth Surf. Dynam.* 7:439)
found expansion of 10–25 % for the Kii Peninsula slides; 1.2 sits in that range."""


def reach_ratio(volume_m3: np.ndarray | float, relation: str = "corominas1996_debris") -> np.ndarray:
    """Reach ratio ``H/L`` (tangent of the Fahrböschung) from landslide volume.

    ``H/L = 10^a · V^b`` with ``(a, b)`` from :data:`REACH_RELATIONS`.

    Parameters
    ----------
    volume_m3
        Landslide volume V in m³, ``> 0``.
    relation
        A key of :data:`REACH_RELATIONS`.

    Returns
    -------
    numpy.ndarray
        ``H/L`` (fall height over horizontal travel distance, crown to toe).

    Examples
    --------
    >>> round(float(reach_ratio(1e6)), 4)  # 10^(−0.012 − 0.105·6)
    0.228
    >>> round(float(reach_ratio(1e6, "scheidegger1973")), 4)  # 10^(0.62419 − 0.15666·6)
    0.4833
    """
    if relation not in REACH_RELATIONS:
        raise ValueError(f"unknown reach relation {relation!r}; choose one of {sorted(REACH_RELATIONS)}")
    v = np.asarray(volume_m3, dtype=np.float64)
    if np.any(~(v > 0.0)) or not np.all(np.isfinite(v)):
        raise ValueError("volume_m3 must be finite and > 0")
    a, b = REACH_RELATIONS[relation]
    return 10.0 ** (a + b * np.log10(v))


@dataclass(frozen=True)
class Slide:
    """One landslide: an 8-connected group of failed cells.

    Attributes
    ----------
    cells
        Flat indices (``row * nx + col``) of its cells.
    area_m2
        Planimetric area (cells × cell area), as mapped in inventories.
    volume_m3
        In-place volume: a slab of thickness ``t`` normal to a slope α over a planimetric
        cell area ``Δx²`` holds ``Δx² t / cos α``, summed over the cells.
    crown
        Flat index of its highest cell (the top of the scarp, where ``H`` is measured from).
    centroid_rc
        Mean ``(row, col)`` of its cells.
    width_m
        Extent across the downslope direction (crown to lowest cell), plus one cell.
    """

    cells: np.ndarray
    area_m2: float
    volume_m3: float
    crown: int
    centroid_rc: tuple[float, float]
    width_m: float


def group_slides(
    failed: np.ndarray,
    terrain_m: np.ndarray,
    slope_deg: np.ndarray,
    thickness_m: np.ndarray | float,
    cell_size_m: float,
) -> list[Slide]:
    """Group failed cells into slides (8-connected components) with area, volume and width.

    Parameters
    ----------
    failed
        Boolean grid ``(ny, nx)``, ``True`` at failed cells.
    terrain_m
        Ground elevation.
    slope_deg
        Slope angle α in degrees, in ``[0, 90)``.
    thickness_m
        Slab (failure) thickness ``t`` normal to the slope, scalar or grid.
    cell_size_m
        Side of a cell.

    Returns
    -------
    list[Slide]
        In the order of their first cell in row-major order (deterministic).

    Examples
    --------
    >>> f = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [1, 1, 0]], bool)
    >>> s = group_slides(f, np.zeros((4, 3)), np.full((4, 3), 60.0), 1.0, 10.0)
    >>> [(len(x.cells), x.area_m2, round(x.volume_m3, 6)) for x in s]  # 2 diagonal cells join
    [(2, 200.0, 400.0), (2, 200.0, 400.0)]
    """
    fail = np.asarray(failed, dtype=bool)
    z = np.asarray(terrain_m, dtype=np.float64)
    alpha = np.asarray(slope_deg, dtype=np.float64)
    if fail.ndim != 2 or z.shape != fail.shape or alpha.shape != fail.shape:
        raise ValueError("failed, terrain_m and slope_deg must be 2-D grids of one shape")
    if np.any(~(alpha >= 0.0)) or np.any(~(alpha < 90.0)):
        raise ValueError("slope_deg must be in [0, 90)")
    t = np.broadcast_to(np.asarray(thickness_m, dtype=np.float64), fail.shape)
    if np.any(~(t > 0.0)):
        raise ValueError("thickness_m must be > 0")
    dx = float(cell_size_m)
    nx = fail.shape[1]
    cell_volume = dx * dx * t / np.cos(np.deg2rad(alpha))
    labels, _ = ndimage.label(fail, structure=np.ones((3, 3), dtype=bool))
    slides = []
    for i, box in enumerate(ndimage.find_objects(labels), start=1):
        rows, cols = np.nonzero(labels[box] == i)
        rows = rows + box[0].start
        cols = cols + box[1].start
        flat = rows * nx + cols
        zc = z[rows, cols]
        top, low = int(np.argmax(zc)), int(np.argmin(zc))
        down = np.array([cols[low] - cols[top], rows[low] - rows[top]], dtype=np.float64)
        norm = math.hypot(*down)
        if norm > 0.0:
            across = cols * (-down[1] / norm) + rows * (down[0] / norm)
            width = (float(across.max() - across.min()) + 1.0) * dx
        else:
            width = (max(int(np.ptp(rows)), int(np.ptp(cols))) + 1.0) * dx
        slides.append(
            Slide(
                cells=flat.astype(np.int64),
                area_m2=flat.size * dx * dx,
                volume_m3=float(cell_volume[rows, cols].sum()),
                crown=int(flat[top]),
                centroid_rc=(float(rows.mean()), float(cols.mean())),
                width_m=width,
            )
        )
    return slides


@numba.njit(cache=True)
def trace_energy_line(z, receiver, nx, start, reach_ratio, cell_size_m, path, s_m):  # pragma: no cover
    """Follow D8 receivers from ``start`` until the energy line from it meets the ground.

    ``z``, ``receiver``: flat grids; ``path``, ``s_m``: output buffers (their length caps
    the nodes). The energy line drops ``reach_ratio`` per metre of horizontal path; its height
    above the ground, ``Zδ = z(start) − z − reach_ratio · s``, is the kinetic-energy head.
    Returns ``(n, toe_m, truncated)``: ``path[:n]``, ``s_m[:n]`` are the nodes from the
    start to the cell holding the toe (the first point where ``Zδ`` falls to 0, found by linear
    interpolation between nodes; the node past it is kept if the toe lies past the half step);
    ``truncated`` is true when the path left the grid or ran out of buffer first (the toe is
    then the last node). Plain-Python twin in tests/models/hazards/test_landslides.py.
    """
    z0 = z[start]
    path[0] = start
    s_m[0] = 0.0
    n = 1
    k = start
    zd_prev = 0.0
    diagonal = cell_size_m * math.sqrt(2.0)
    while n < path.size:
        r = receiver[k]
        if r < 0:
            return n, s_m[n - 1], True
        step = cell_size_m if (r // nx == k // nx or r % nx == k % nx) else diagonal
        s_new = s_m[n - 1] + step
        zd = (z0 - z[r]) - reach_ratio * s_new
        if zd <= 0.0:
            toe = s_m[n - 1]
            if zd_prev - zd > 0.0:
                toe += step * zd_prev / (zd_prev - zd)
            if toe >= s_m[n - 1] + 0.5 * step:
                path[n] = r
                s_m[n] = s_new
                n += 1
            return n, toe, False
        path[n] = r
        s_m[n] = s_new
        n += 1
        k = r
        zd_prev = zd
    return n, s_m[n - 1], True


@dataclass(frozen=True)
class Runout:
    """The path of one slide's debris, crown to toe (see :func:`energy_line_runout`).

    Attributes
    ----------
    path
        Flat cell indices from the crown to the cell holding the toe.
    s_m
        Horizontal distance along the path of each node from the crown.
    runout_m
        Travel distance L from the crown to the toe.
    reach_ratio
        ``H/L`` used.
    deposit_from
        Index into ``path`` where the deposit stretch starts: the node after the one where the
        kinetic head ``Zδ`` peaks (the debris decelerates beyond it), or the last node.
    truncated
        The path left the grid (or hit the step limit) before the energy line met the ground.
    """

    path: np.ndarray
    s_m: np.ndarray
    runout_m: float
    reach_ratio: float
    deposit_from: int
    truncated: bool

    @property
    def deposit_cells(self) -> np.ndarray:
        """Flat indices of the path's deposit stretch."""
        return self.path[self.deposit_from :]


def energy_line_runout(
    terrain_m: np.ndarray,
    receiver: np.ndarray,
    crown: int,
    reach_ratio: float,
    cell_size_m: float,
    max_steps: int = 10_000,
) -> Runout:
    """Runout of a slide by the energy-line (Fahrböschung) rule along the D8 path.

    The debris follows the steepest-descent receivers from the crown; it stops where the drop
    from the crown over the horizontal path length falls to the reach ratio, i.e. where the
    line from the crown at slope ``H/L`` meets the ground (Heim 1932; Corominas 1996).
    Distances are along the D8 path (``Δx`` or ``√2 Δx`` per step), which is longer than
    the straight line where the path zig-zags.

    Parameters
    ----------
    terrain_m
        Ground elevation ``(ny, nx)``.
    receiver
        Flat index of each cell's D8 receiver, −1 off the grid (same shape, see
        :attr:`models.terrain.analysis.Drainage.receiver`).
    crown
        Flat index of the start cell.
    reach_ratio
        ``H/L`` (> 0), e.g. from :func:`reach_ratio`.
    cell_size_m
        Side of a cell.
    max_steps
        Largest number of steps followed.

    Examples
    --------
    >>> z = np.array([[0.0, 0.0, 0.0, 0.0, 10.0, 20.0, 30.0]])  # a 45° slope onto a flat
    >>> rec = np.array([[-1, 0, 1, 2, 3, 4, 5]])  # draining west
    >>> r = energy_line_runout(z, rec, 6, 0.6, 10.0)  # toe where 30 − 0.6 s = 0: s = 50 m
    >>> round(r.runout_m, 9), r.path.tolist(), r.deposit_cells.tolist()
    (50.0, [6, 5, 4, 3, 2, 1], [2, 1])
    """
    z = np.ascontiguousarray(terrain_m, dtype=np.float64)
    rec = np.ascontiguousarray(receiver, dtype=np.int64)
    if z.ndim != 2 or rec.shape != z.shape:
        raise ValueError("terrain_m and receiver must be 2-D grids of one shape")
    if not 0 <= crown < z.size:
        raise ValueError(f"crown {crown} is not a cell of the grid")
    if not (reach_ratio > 0.0 and math.isfinite(reach_ratio)):
        raise ValueError("reach_ratio must be finite and > 0")
    path = np.empty(int(max_steps) + 1, dtype=np.int64)
    s_m = np.empty(int(max_steps) + 1)
    zf = z.ravel()
    n, toe, truncated = trace_energy_line(
        zf, rec.ravel(), z.shape[1], int(crown), float(reach_ratio), float(cell_size_m), path, s_m
    )
    path, s_m = path[:n].copy(), s_m[:n].copy()
    head = (zf[crown] - zf[path]) - reach_ratio * s_m
    start = min(int(np.argmax(head)) + 1, n - 1)
    return Runout(path, s_m, float(toe), float(reach_ratio), start, bool(truncated))


def deposit_footprint(
    shape: tuple[int, int], cells: np.ndarray, width_m: float, cell_size_m: float
) -> np.ndarray:
    """Cells within ``width_m / 2`` of the polyline through ``cells`` (a band of that width).

    The band has round ends; the cells themselves are always in it. Spreading a volume
    uniformly over the band conserves it exactly.

    Examples
    --------
    >>> deposit_footprint((5, 7), np.array([15, 16, 17]), 20.0, 10.0).astype(int)
    array([[0, 0, 0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0, 0, 0],
           [1, 1, 1, 1, 1, 0, 0],
           [0, 1, 1, 1, 0, 0, 0],
           [0, 0, 0, 0, 0, 0, 0]])
    """
    ny, nx = shape
    idx = np.asarray(cells, dtype=np.int64)
    if idx.size == 0 or np.any((idx < 0) | (idx >= ny * nx)):
        raise ValueError("cells must be a non-empty list of flat indices inside the grid")
    rows, cols = np.divmod(idx, nx)
    half = 0.5 * float(width_m) / float(cell_size_m)
    pad = math.ceil(half)
    r0, r1 = max(int(rows.min()) - pad, 0), min(int(rows.max()) + pad + 1, ny)
    c0, c1 = max(int(cols.min()) - pad, 0), min(int(cols.max()) + pad + 1, nx)
    rr, cc = np.mgrid[r0:r1, c0:c1]
    ar, ac = rows[:, None, None], cols[:, None, None]
    if idx.size == 1:
        d2 = ((rr - ar) ** 2 + (cc - ac) ** 2).min(axis=0)
    else:
        br, bc = ar[1:] - ar[:-1], ac[1:] - ac[:-1]
        length2 = (br * br + bc * bc).astype(np.float64)
        u = ((rr - ar[:-1]) * br + (cc - ac[:-1]) * bc) / np.where(length2 > 0, length2, 1.0)
        u = np.clip(u, 0.0, 1.0)
        d2 = ((rr - ar[:-1] - u * br) ** 2 + (cc - ac[:-1] - u * bc) ** 2).min(axis=0)
    mask = np.zeros(shape, dtype=bool)
    mask[r0:r1, c0:c1] = d2 <= half * half + 1e-9
    mask.flat[idx] = True
    return mask
