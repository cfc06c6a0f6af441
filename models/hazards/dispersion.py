"""Steady Gaussian plume from a continuous point source, with Briggs dispersion coefficients.

The plume is the textbook steady-state solution for a constant release ``Q`` (kg/s) into a
uniform wind ``u`` (m/s), with total reflection at the ground::

    C(x, y, z) = Q / (2π u σy σz) · exp(−y² / 2σy²)
                 · [exp(−(z − H)² / 2σz²) + exp(−(z + H)² / 2σz²)]

where ``x`` is the downwind distance, ``y`` the crosswind distance, ``z`` the receptor height and
``H`` the effective release height. The dispersion coefficients σy(x), σz(x) are the Briggs
(1973) fits for open country (rural) and urban terrain, stability classes A (very unstable) to
F (moderately stable); the stability class comes from the Pasquill (1961) table of wind speed
against insolation or night cloud cover.

Sources
-------
* Briggs, G.A. (1973) *Diffusion estimation for small emissions*, ATDL contribution 79,
  doi:10.2172/5118833, as tabulated in CCPS (1999) *Guidelines for Chemical Process
  Quantitative Risk Analysis / Consequence Analysis*. Valid roughly for 100 m < x < 10 km.
* Pasquill, F. (1961) The estimation of the dispersion of windborne material, *Meteorol. Mag.*
  90:33-49, as tabulated by NOAA ARL READY (https://www.ready.noaa.gov/READYpgclass.php).

The model is not valid in calm or very light winds (u below about 1 m/s), for dense gases, or
close to the source (x below about 100 m, where Briggs σ are extrapolated).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "BRIGGS_SIGMA_COEFFICIENTS",
    "PASQUILL_TABLE",
    "briggs_sigmas",
    "gaussian_plume_field",
    "pasquill_stability",
    "steady_plume_concentration",
    "wind_toward_unit_vector",
]

STABILITY_CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
TERRAINS: tuple[str, ...] = ("rural", "urban")

# ---------------------------------------------------------------------------------------------
# Briggs (1973) dispersion coefficients (source: see module docstring).
#
# Every formula of both sets has the form  σ = a · x · (1 + b · x)^p  (x in m, σ in m), so each
# class is stored as two triples ((a, b, p) for σy, (a, b, p) for σz). A pure-linear formula such
# as rural A σz = 0.20 x is (0.20, 0.0, 0.0). The urban set pairs classes A–B and E–F.
# ---------------------------------------------------------------------------------------------
type SigmaTriple = tuple[float, float, float]

_RURAL: dict[str, tuple[SigmaTriple, SigmaTriple]] = {
    #       σy = a x (1 + b x)^p          σz = a x (1 + b x)^p
    "A": ((0.22, 0.0001, -0.5), (0.20, 0.0, 0.0)),
    "B": ((0.16, 0.0001, -0.5), (0.12, 0.0, 0.0)),
    "C": ((0.11, 0.0001, -0.5), (0.08, 0.0002, -0.5)),
    "D": ((0.08, 0.0001, -0.5), (0.06, 0.0015, -0.5)),
    "E": ((0.06, 0.0001, -0.5), (0.03, 0.0003, -1.0)),
    "F": ((0.04, 0.0001, -0.5), (0.016, 0.0003, -1.0)),
}

_URBAN_AB = ((0.32, 0.0004, -0.5), (0.24, 0.001, 0.5))
_URBAN_EF = ((0.11, 0.0004, -0.5), (0.08, 0.0015, -0.5))
_URBAN: dict[str, tuple[SigmaTriple, SigmaTriple]] = {
    "A": _URBAN_AB,
    "B": _URBAN_AB,
    "C": ((0.22, 0.0004, -0.5), (0.20, 0.0, 0.0)),
    "D": ((0.16, 0.0004, -0.5), (0.14, 0.0003, -0.5)),
    "E": _URBAN_EF,
    "F": _URBAN_EF,
}

BRIGGS_SIGMA_COEFFICIENTS: dict[str, dict[str, tuple[SigmaTriple, SigmaTriple]]] = {
    "rural": _RURAL,
    "urban": _URBAN,
}
"""``BRIGGS_SIGMA_COEFFICIENTS[terrain][class] = ((a, b, p) of σy, (a, b, p) of σz)``."""

# ---------------------------------------------------------------------------------------------
# Pasquill (1961) stability table (source: see module docstring). Rows are surface (10 m) wind
# speed bands; a row applies while ``wind < upper`` (the 5–6 m/s row while ``wind <= 6``).
# Two-class cells ("A–B") are kept as published; ``pasquill_stability`` resolves them.
# ---------------------------------------------------------------------------------------------
_PASQUILL_CONDITIONS: tuple[str, ...] = (
    "strong",
    "moderate",
    "slight",
    "night_cloudy",
    "night_clear",
)

PASQUILL_TABLE: tuple[tuple[float, bool, tuple[str, ...]], ...] = (
    # (upper wind m/s, upper bound inclusive?, classes for the conditions above)
    (2.0, False, ("A", "A–B", "B", "E", "F")),
    (3.0, False, ("A–B", "B", "C", "E", "F")),
    (5.0, False, ("B", "B–C", "C", "D", "E")),
    (6.0, True, ("C", "C–D", "D", "D", "D")),
    (math.inf, True, ("C", "D", "D", "D", "D")),
)
"""Rows ``(upper wind speed m/s, inclusive, classes)``; class order as ``_PASQUILL_CONDITIONS``."""


def _normalise_class_and_terrain(stability: str, terrain: str) -> tuple[str, str]:
    cls = str(stability).strip().upper()
    ter = str(terrain).strip().lower()
    if cls not in STABILITY_CLASSES:
        raise ValueError(
            f"unknown Pasquill–Gifford stability class {stability!r}; "
            f"expected one of {', '.join(STABILITY_CLASSES)}"
        )
    if ter not in TERRAINS:
        raise ValueError(f"unknown terrain {terrain!r}; expected one of {', '.join(TERRAINS)}")
    return cls, ter


def _sigma_coefficients(stability: str, terrain: str) -> tuple[SigmaTriple, SigmaTriple]:
    cls, ter = _normalise_class_and_terrain(stability, terrain)
    return BRIGGS_SIGMA_COEFFICIENTS[ter][cls]


def briggs_sigmas(
    x_m: np.ndarray | float, stability: str, terrain: str = "rural"
) -> tuple[np.ndarray, np.ndarray]:
    """Briggs (1973) horizontal and vertical dispersion coefficients.

    Parameters
    ----------
    x_m
        Downwind distance(s) from the source in m, ``>= 0`` (any shape). The fits are meant for
        roughly 100 m to 10 km.
    stability
        Pasquill–Gifford class, ``"A"`` (very unstable) to ``"F"`` (moderately stable);
        case-insensitive.
    terrain
        ``"rural"`` (open country) or ``"urban"``.

    Returns
    -------
    sigma_y_m, sigma_z_m
        Arrays of the shape of ``x_m`` (0-d for a scalar), in m.

    Raises
    ------
    ValueError
        For an unknown class or terrain, or a negative or non-finite distance.

    Examples
    --------
    >>> sy, sz = briggs_sigmas(1000.0, "D")
    >>> round(float(sy), 1), round(float(sz), 1)
    (76.3, 37.9)
    >>> briggs_sigmas([100.0, 1000.0], "F", terrain="urban")[0].shape
    (2,)

    """
    (ya, yb, yp), (za, zb, zp) = _sigma_coefficients(stability, terrain)
    x = np.asarray(x_m, dtype=np.float64)
    if not np.all(np.isfinite(x)) or np.any(x < 0.0):
        raise ValueError("downwind distances x_m must be finite and >= 0")
    sigma_y = ya * x * (1.0 + yb * x) ** yp
    sigma_z = za * x * (1.0 + zb * x) ** zp
    return sigma_y, sigma_z


def pasquill_stability(wind_speed_m_s: float, condition: str) -> str:
    """Pasquill stability class from the 10 m wind speed and insolation or night cloud.

    Parameters
    ----------
    wind_speed_m_s
        Surface (10 m) wind speed in m/s, ``>= 0``. Bands: ``< 2``, ``[2, 3)``, ``[3, 5)``,
        ``[5, 6]``, ``> 6``.
    condition
        ``"strong"``, ``"moderate"`` or ``"slight"`` daytime insolation; ``"night_cloudy"``
        (thin overcast or at least 4/8 low cloud); ``"night_clear"`` (at most 3/8 cloud);
        ``"overcast"`` (heavy overcast day or night, or within an hour of sunrise/sunset:
        always D).

    Returns
    -------
    str
        One class letter ``"A"`` .. ``"F"``. Where the table gives a two-class cell
        (``A–B``, ``B–C``, ``C–D``) the **more unstable** letter of the pair is returned
        (``A``, ``B``, ``C``): this gives wider, more dilute plumes near the source, which is
        *not* conservative for ground-level concentrations of elevated releases; pick the other
        letter explicitly if that matters.

    Examples
    --------
    >>> pasquill_stability(1.5, "strong")
    'A'
    >>> pasquill_stability(2.5, "strong")  # table cell A–B
    'A'
    >>> pasquill_stability(4.0, "night_clear")
    'E'
    >>> pasquill_stability(1.0, "overcast")
    'D'

    """
    u = float(wind_speed_m_s)
    if not math.isfinite(u) or u < 0.0:
        raise ValueError(f"wind_speed_m_s must be finite and >= 0, got {wind_speed_m_s!r}")
    cond = str(condition).strip().lower()
    if cond == "overcast":
        return "D"
    if cond not in _PASQUILL_CONDITIONS:
        raise ValueError(
            f"unknown condition {condition!r}; expected one of "
            f"{', '.join((*_PASQUILL_CONDITIONS, 'overcast'))}"
        )
    column = _PASQUILL_CONDITIONS.index(cond)
    for upper, inclusive, classes in PASQUILL_TABLE:
        if u < upper or (inclusive and u == upper):
            return classes[column][0]  # "A–B"[0] == "A": the more unstable letter
    raise AssertionError("unreachable: the last Pasquill row is open-ended")


@numba.njit(cache=True)
def gaussian_plume_field(
    x_m,
    y_m,
    source_x_m,
    source_y_m,
    release_height_m,
    receptor_height_m,
    rate_kg_s,
    wind_speed_m_s,
    wind_to_x,
    wind_to_y,
    sy_a,
    sy_b,
    sy_p,
    sz_a,
    sz_b,
    sz_p,
    out_conc_kg_m3,
    out_downwind_m,
):
    """Steady Gaussian plume concentration at receptor points (numba kernel, no allocation).

    Parameters
    ----------
    x_m, y_m
        1-D float64 receptor coordinates in m (x east, y north).
    source_x_m, source_y_m, release_height_m, receptor_height_m
        Source position and effective height, and the receptor height, in m.
    rate_kg_s, wind_speed_m_s
        Release rate (kg/s) and wind speed (m/s, > 0).
    wind_to_x, wind_to_y
        Unit vector of the direction the wind blows **toward**.
    sy_a, sy_b, sy_p, sz_a, sz_b, sz_p
        Briggs coefficients, ``σ = a·x·(1 + b·x)^p`` (see ``BRIGGS_SIGMA_COEFFICIENTS``).
    out_conc_kg_m3, out_downwind_m
        1-D float64 outputs, same length as ``x_m``: concentration (kg/m³, 0 at and upwind of
        the source) and downwind distance (m, negative upwind).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1000.0]); y = np.zeros(1); c = np.empty(1); d = np.empty(1)
    >>> gaussian_plume_field(x, y, 0.0, 0.0, 0.0, 0.0, 1.0, 5.0, 1.0, 0.0,
    ...                      0.08, 1e-4, -0.5, 0.06, 1.5e-3, -0.5, c, d)
    >>> float(d[0]), bool(c[0] > 0)
    (1000.0, True)

    """
    n = x_m.shape[0]
    dz_minus = receptor_height_m - release_height_m
    dz_plus = receptor_height_m + release_height_m
    prefactor = rate_kg_s / (2.0 * math.pi * wind_speed_m_s)
    for i in range(n):
        dx = x_m[i] - source_x_m
        dy = y_m[i] - source_y_m
        xd = dx * wind_to_x + dy * wind_to_y
        yd = dy * wind_to_x - dx * wind_to_y
        out_downwind_m[i] = xd
        if not xd > 0.0:
            out_conc_kg_m3[i] = 0.0
            continue
        sy = sy_a * xd * (1.0 + sy_b * xd) ** sy_p
        sz = sz_a * xd * (1.0 + sz_b * xd) ** sz_p
        if not (sy > 0.0 and sz > 0.0):  # only for xd so small that σ underflows
            out_conc_kg_m3[i] = 0.0
            continue
        two_sy2 = 2.0 * sy * sy
        two_sz2 = 2.0 * sz * sz
        vertical = math.exp(-(dz_minus * dz_minus) / two_sz2) + math.exp(-(dz_plus * dz_plus) / two_sz2)
        out_conc_kg_m3[i] = prefactor / (sy * sz) * math.exp(-(yd * yd) / two_sy2) * vertical


def _gaussian_plume_field_reference(
    x_m,
    y_m,
    source_x_m,
    source_y_m,
    release_height_m,
    receptor_height_m,
    rate_kg_s,
    wind_speed_m_s,
    wind_to_x,
    wind_to_y,
    sy_a,
    sy_b,
    sy_p,
    sz_a,
    sz_b,
    sz_p,
    out_conc_kg_m3,
    out_downwind_m,
) -> None:
    """Plain-Python twin of :func:`gaussian_plume_field`, used by the tests only."""
    for i in range(len(x_m)):
        dx = float(x_m[i]) - source_x_m
        dy = float(y_m[i]) - source_y_m
        xd = dx * wind_to_x + dy * wind_to_y
        yd = dy * wind_to_x - dx * wind_to_y
        out_downwind_m[i] = xd
        if xd <= 0.0:
            out_conc_kg_m3[i] = 0.0
            continue
        sy = sy_a * xd * math.pow(1.0 + sy_b * xd, sy_p)
        sz = sz_a * xd * math.pow(1.0 + sz_b * xd, sz_p)
        if sy <= 0.0 or sz <= 0.0:
            out_conc_kg_m3[i] = 0.0
            continue
        lateral = math.exp(-(yd**2) / (2.0 * sy**2))
        vertical = math.exp(-((receptor_height_m - release_height_m) ** 2) / (2.0 * sz**2))
        vertical += math.exp(-((receptor_height_m + release_height_m) ** 2) / (2.0 * sz**2))
        out_conc_kg_m3[i] = rate_kg_s / (2.0 * math.pi * wind_speed_m_s * sy * sz) * lateral * vertical


def wind_toward_unit_vector(wind_from_deg: float) -> tuple[float, float]:
    """Return the (east, north) unit vector a wind blowing FROM ``wind_from_deg`` goes toward.

    Meteorological convention: degrees clockwise from north, the direction the wind comes
    *from*; the air moves toward ``wind_from_deg + 180°``.

    Examples
    --------
    >>> tx, ty = wind_toward_unit_vector(270.0)  # a west wind blows toward the east
    >>> round(tx, 12), round(ty, 12)
    (1.0, 0.0)

    """
    theta = math.radians(float(wind_from_deg) % 360.0)
    return -math.sin(theta), -math.cos(theta)


def _check_scalar(name: str, value: float, *, positive: bool = False) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and v <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if not positive and v < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return v


def steady_plume_concentration(
    x_m: np.ndarray | float,
    y_m: np.ndarray | float,
    *,
    source_x_m: float,
    source_y_m: float,
    release_height_m: float,
    receptor_height_m: float,
    rate_kg_s: float,
    wind_speed_m_s: float,
    wind_from_deg: float,
    stability: str,
    terrain: str = "rural",
) -> tuple[np.ndarray, np.ndarray]:
    """Steady Gaussian plume concentration of a continuous point source, with ground reflection.

    Parameters
    ----------
    x_m, y_m
        Receptor coordinates in m (x east, y north); any shapes that broadcast together.
    source_x_m, source_y_m
        Source position in m.
    release_height_m
        Effective release height H in m (``>= 0``; include any plume rise yourself).
    receptor_height_m
        Receptor height z in m (``>= 0``), the same for every point.
    rate_kg_s
        Continuous release rate Q in kg/s (``>= 0``).
    wind_speed_m_s
        Mean wind speed u in m/s (``> 0``; the model is poor below about 1 m/s).
    wind_from_deg
        Meteorological wind direction: degrees clockwise from north that the wind blows
        FROM. The plume travels toward ``wind_from_deg + 180°`` (e.g. 270° = west wind →
        plume toward +x, the east).
    stability
        Pasquill–Gifford class ``"A"`` .. ``"F"`` (see :func:`pasquill_stability`).
    terrain
        ``"rural"`` or ``"urban"`` Briggs coefficient set.

    Returns
    -------
    concentration_kg_m3, downwind_distance_m
        Arrays of the broadcast shape of ``x_m`` and ``y_m``. The concentration is 0 at and
        upwind of the source; the downwind distance is negative upwind.

    Raises
    ------
    ValueError
        For a non-positive wind speed, negative rate or heights, non-finite inputs, or an
        unknown stability class or terrain.

    Examples
    --------
    >>> c, xd = steady_plume_concentration(
    ...     [1000.0, -1000.0], [0.0, 0.0], source_x_m=0.0, source_y_m=0.0,
    ...     release_height_m=0.0, receptor_height_m=0.0, rate_kg_s=1.0,
    ...     wind_speed_m_s=5.0, wind_from_deg=270.0, stability="D")
    >>> f"{c[0]:.3e}", float(c[1])
    ('2.199e-05', 0.0)

    """
    (sy_a, sy_b, sy_p), (sz_a, sz_b, sz_p) = _sigma_coefficients(stability, terrain)
    wind = _check_scalar("wind_speed_m_s", wind_speed_m_s, positive=True)
    rate = _check_scalar("rate_kg_s", rate_kg_s)
    height = _check_scalar("release_height_m", release_height_m)
    z = _check_scalar("receptor_height_m", receptor_height_m)
    sx = float(source_x_m)
    sy_ = float(source_y_m)
    direction = float(wind_from_deg)
    if not (math.isfinite(sx) and math.isfinite(sy_) and math.isfinite(direction)):
        raise ValueError("source_x_m, source_y_m and wind_from_deg must be finite")

    x_b, y_b = np.broadcast_arrays(np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64))
    shape = x_b.shape
    x_flat = np.ascontiguousarray(x_b.reshape(-1))
    y_flat = np.ascontiguousarray(y_b.reshape(-1))
    if not (np.all(np.isfinite(x_flat)) and np.all(np.isfinite(y_flat))):
        raise ValueError("receptor coordinates x_m and y_m must be finite")

    to_x, to_y = wind_toward_unit_vector(direction)
    conc = np.empty_like(x_flat)
    downwind = np.empty_like(x_flat)
    gaussian_plume_field(
        x_flat,
        y_flat,
        sx,
        sy_,
        height,
        z,
        rate,
        wind,
        to_x,
        to_y,
        sy_a,
        sy_b,
        sy_p,
        sz_a,
        sz_b,
        sz_p,
        conc,
        downwind,
    )
    return conc.reshape(shape), downwind.reshape(shape)
