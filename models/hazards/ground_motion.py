"""Earthquake ground motion: a rectangular rupture, its finite-fault distances, and two NGA-West2 GMPEs.

A **rupture** is one planar rectangle: length ``L`` along strike, width ``W`` down dip, top edge
at depth ``ztor``. Strike is measured clockwise from north (grid +y) and the plane dips to the
right of the strike direction (Aki & Richards convention), so the hanging wall lies on the
``strike + 90°`` side. Unless given, ``L`` and ``W`` come from the Wells & Coppersmith (1994)
subsurface-length and width regressions for the rupture's mechanism; the hypocentre sits at the
middle of the plane along strike and down dip, and a plane that would cross the ground surface is
moved down dip until its top edge is at the surface (area kept, hypocentre still on it).

**Distances** (km), as the NGA-West2 models define them, for points on the ground surface:

* ``rjb``: to the surface projection of the plane (Joyner & Boore), 0 above it;
* ``rrup``: to the nearest point of the plane (3-D);
* ``rx``: horizontal distance to the top edge's trace, extended along strike to infinity,
  measured at right angles to strike: positive on the hanging wall (dip direction), negative on
  the footwall;
* ``ry0``: horizontal distance beyond the ends of the top edge, measured parallel to strike
  (0 between the ends).

**GMPEs** give ``ln`` of the median RotD50 5 %-damped spectral acceleration (g; period 0 is PGA)
and the standard deviations of ``ln`` motion split into between-event ``tau`` and within-event
``phi``: BSSA14 (Boore et al. 2014) and CY14 (Chiou & Youngs 2014), global/California versions,
coefficients in ``gmpe_tables/*.csv`` (transcribed from the US Geological Survey's public-domain
nshmp-haz tables; each file's header names the source). Periods between tabulated ones are
interpolated linearly in ``ln T`` on ``ln SA``, ``tau`` and ``phi``. The basin-depth terms are
zero unless a ``Z1.0`` is given: each model's own Vs30–Z1.0 relation is the default depth.

Sources
-------
* Boore, D.M., Stewart, J.P., Seyhan, E. & Atkinson, G.M. (2014) Earthquake Spectra
  30(3):1057-1085, doi:10.1193/070113EQS184M: eqs. (1)-(11) median, (12)-(17) sigma.
* Chiou, B.S.-J. & Youngs, R.R. (2014) Earthquake Spectra 30(3):1117-1153,
  doi:10.1193/072813EQS219M: eqs. (11)-(13) median, (1) Z1.0 reference, (4)-(5) E[Ztor],
  and the sigma model (between-event ``(1 + NL0)·tau``, within-event ``sigma_NL0``).
* Wells, D.L. & Coppersmith, K.J. (1994) Bull. Seismol. Soc. Am. 84(4):974-1002, Table 2A
  (RLD and RW regressions, checked in several independent transcriptions).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

import numpy as np

__all__ = [
    "BSSA14",
    "CY14",
    "GMPES",
    "Distances",
    "GroundMotion",
    "GroundMotionModel",
    "Rupture",
    "gmpe",
    "load_coefficients",
    "mechanism",
    "wells_coppersmith_1994",
]

TABLES_DIR = Path(__file__).with_name("gmpe_tables")

#: Wells & Coppersmith (1994) Table 2A: ``log10 RLD = a + b M`` and ``log10 RW = a + b M`` (km).
WELLS_COPPERSMITH_1994: dict[str, tuple[float, float, float, float]] = {
    #                (a_RLD, b_RLD, a_RW, b_RW)
    "strike_slip": (-2.57, 0.62, -0.76, 0.27),
    "reverse": (-2.42, 0.58, -1.61, 0.41),
    "normal": (-1.88, 0.50, -1.14, 0.35),
}


def mechanism(rake_deg: float) -> str:
    """Style of faulting: ``"reverse"`` (rake 45° to 135°), ``"normal"`` (−135° to −45°), else strike-slip.

    The classes of Wells & Coppersmith (1994); each GMPE applies its own rake limits.

    Examples
    --------
    >>> mechanism(90.0), mechanism(-90.0), mechanism(170.0)
    ('reverse', 'normal', 'strike_slip')

    """
    r = _wrap_rake(rake_deg)
    if 45.0 <= r <= 135.0:
        return "reverse"
    if -135.0 <= r <= -45.0:
        return "normal"
    return "strike_slip"


def wells_coppersmith_1994(magnitude: float, rake_deg: float) -> tuple[float, float]:
    """Median subsurface rupture length and down-dip width (km), Wells & Coppersmith (1994) Table 2A.

    Examples
    --------
    >>> [round(v, 1) for v in wells_coppersmith_1994(7.0, 0.0)]  # strike-slip
    [58.9, 13.5]
    >>> [round(v, 1) for v in wells_coppersmith_1994(6.0, 90.0)]  # reverse
    [11.5, 7.1]

    """
    a_l, b_l, a_w, b_w = WELLS_COPPERSMITH_1994[mechanism(rake_deg)]
    return 10.0 ** (a_l + b_l * magnitude), 10.0 ** (a_w + b_w * magnitude)


def _wrap_rake(rake_deg: float) -> float:
    return (float(rake_deg) + 180.0) % 360.0 - 180.0


# --- rupture geometry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Distances:
    """Source-to-site distances in km, arrays of one shape (see the module docstring)."""

    rjb_km: np.ndarray
    rrup_km: np.ndarray
    rx_km: np.ndarray
    ry0_km: np.ndarray


@dataclass(frozen=True)
class Rupture:
    """A rectangular fault plane; build it with :meth:`from_hypocentre`.

    Attributes
    ----------
    magnitude, strike_deg, dip_deg, rake_deg
        Moment magnitude and the plane's orientation and slip direction (degrees).
    length_km, width_km, ztor_km
        Along-strike length, down-dip width and depth of the top edge.
    top_x_m, top_y_m
        Start of the top edge (its end lies ``length_km`` along strike), grid coordinates.
    hypocentre_x_m, hypocentre_y_m, hypocentre_depth_km
        The hypocentre, on the plane.
    """

    magnitude: float
    strike_deg: float
    dip_deg: float
    rake_deg: float
    length_km: float
    width_km: float
    ztor_km: float
    top_x_m: float
    top_y_m: float
    hypocentre_x_m: float
    hypocentre_y_m: float
    hypocentre_depth_km: float

    @classmethod
    def from_hypocentre(
        cls,
        magnitude: float,
        x_m: float,
        y_m: float,
        depth_km: float,
        strike_deg: float,
        dip_deg: float,
        rake_deg: float,
        *,
        length_km: float | None = None,
        width_km: float | None = None,
        ztor_km: float | None = None,
    ) -> Rupture:
        """Place a plane around a hypocentre.

        Length and width default to Wells & Coppersmith (1994). The hypocentre is in the middle
        along strike. Without ``ztor_km`` it is also in the middle down dip, unless that puts the
        top edge above ground: the plane then starts at the surface. With ``ztor_km`` the plane
        starts there and must reach the hypocentre's depth (``ValueError`` otherwise).

        Examples
        --------
        >>> r = Rupture.from_hypocentre(6.5, 0.0, 0.0, 10.0, 0.0, 90.0, 0.0, length_km=20.0, width_km=12.0)
        >>> r.ztor_km, r.top_x_m, r.top_y_m  # vertical, north-striking: the top edge runs y -10..10 km
        (4.0, 0.0, -10000.0)
        >>> Rupture.from_hypocentre(6.5, 0.0, 0.0, 3.0, 0.0, 90.0, 0.0, width_km=12.0).ztor_km
        0.0

        """
        if not 0.0 < dip_deg <= 90.0:
            raise ValueError(f"dip_deg must be in (0, 90], got {dip_deg}")
        if not depth_km >= 0.0:
            raise ValueError(f"depth_km must be >= 0, got {depth_km}")
        length0, width0 = wells_coppersmith_1994(magnitude, rake_deg)
        length = float(length0 if length_km is None else length_km)
        width = float(width0 if width_km is None else width_km)
        if not (length > 0.0 and width > 0.0):
            raise ValueError(f"length_km and width_km must be > 0, got {length}, {width}")
        sin_d, cos_d = _sin_cos_deg(dip_deg)
        if ztor_km is None:
            ztor = max(depth_km - 0.5 * width * sin_d, 0.0)
        else:
            ztor = float(ztor_km)
            bottom = ztor + width * sin_d
            if not (0.0 <= ztor <= depth_km <= bottom + 1e-9):
                raise ValueError(
                    f"the plane from ztor_km={ztor:g} to {bottom:g} km depth does not contain the "
                    f"hypocentre at {depth_km:g} km"
                )
        down_dip_km = (depth_km - ztor) / sin_d  # hypocentre's distance from the top edge, in the plane
        sin_s, cos_s = _sin_cos_deg(strike_deg)
        horizontal_m = 1000.0 * down_dip_km * cos_d
        top_x = x_m - horizontal_m * cos_s - 500.0 * length * sin_s
        top_y = y_m + horizontal_m * sin_s - 500.0 * length * cos_s
        return cls(
            float(magnitude), float(strike_deg), float(dip_deg), float(rake_deg), length, width, ztor,
            top_x, top_y, float(x_m), float(y_m), float(depth_km),
        )  # fmt: skip

    @property
    def bottom_depth_km(self) -> float:
        """Depth of the bottom edge."""
        return self.ztor_km + self.width_km * _sin_cos_deg(self.dip_deg)[0]

    def corners(self) -> np.ndarray:
        """``(4, 3)`` corners ``(x_m, y_m, depth_km)``: top start, top end, bottom end, bottom start."""
        sin_s, cos_s = _sin_cos_deg(self.strike_deg)
        cos_d = _sin_cos_deg(self.dip_deg)[1]
        along = 1000.0 * self.length_km * np.array([sin_s, cos_s])
        down = 1000.0 * self.width_km * cos_d * np.array([cos_s, -sin_s])
        p0 = np.array([self.top_x_m, self.top_y_m])
        xy = np.array([p0, p0 + along, p0 + along + down, p0 + down])
        depth = np.array([self.ztor_km, self.ztor_km, self.bottom_depth_km, self.bottom_depth_km])
        return np.column_stack([xy, depth])

    def distances(self, x_m: np.ndarray, y_m: np.ndarray) -> Distances:
        """Rjb, Rrup, Rx and Ry0 (km) of ground-surface points ``(x_m, y_m)`` (arrays of one shape).

        Examples
        --------
        >>> r = Rupture.from_hypocentre(6.5, 0.0, 0.0, 10.0, 0.0, 90.0, 0.0, length_km=20.0, width_km=12.0)
        >>> d = r.distances(np.array([3000.0]), np.array([14000.0]))  # 3 km east, 4 km past the end
        >>> [round(float(v[0]), 4) for v in (d.rjb_km, d.rrup_km, d.rx_km, d.ry0_km)]
        [5.0, 6.4031, 3.0, 4.0]

        """
        sin_s, cos_s = _sin_cos_deg(self.strike_deg)
        sin_d, cos_d = _sin_cos_deg(self.dip_deg)
        dx = (np.asarray(x_m, dtype=np.float64) - self.top_x_m) * 1e-3
        dy = (np.asarray(y_m, dtype=np.float64) - self.top_y_m) * 1e-3
        u = dx * sin_s + dy * cos_s  # along strike from the top edge's start
        t = dx * cos_s - dy * sin_s  # horizontal, towards the dip direction, from the top edge's trace
        ry0 = np.maximum(np.maximum(-u, u - self.length_km), 0.0)
        across = np.maximum(np.maximum(-t, t - self.width_km * cos_d), 0.0)
        rjb = np.hypot(ry0, across)
        # In-plane (w, down dip from the top edge) and normal (n) coordinates of the site.
        w = t * cos_d - self.ztor_km * sin_d
        n = t * sin_d + self.ztor_km * cos_d
        dw = np.maximum(np.maximum(-w, w - self.width_km), 0.0)
        rrup = np.sqrt(ry0 * ry0 + dw * dw + n * n)
        return Distances(rjb_km=rjb, rrup_km=rrup, rx_km=t, ry0_km=ry0)


def _sin_cos_deg(angle_deg: float) -> tuple[float, float]:
    a = math.radians(angle_deg)
    s, c = math.sin(a), math.cos(a)
    if abs(c) < 1e-15:  # exactly vertical planes, north/east strikes: no round-off widths
        c = 0.0
    if abs(s) < 1e-15:
        s = 0.0
    return s, c


# --- ground-motion models ----------------------------------------------------------------------


@dataclass(frozen=True)
class GroundMotion:
    """Log-normal ground motion per site: ``ln`` median (of g) and standard deviations of ``ln``."""

    ln_median: np.ndarray
    tau: np.ndarray
    phi: np.ndarray

    @property
    def median_g(self) -> np.ndarray:
        """Median in g."""
        return np.exp(self.ln_median)

    @property
    def sigma(self) -> np.ndarray:
        """Total standard deviation ``sqrt(tau² + phi²)``."""
        return np.hypot(self.tau, self.phi)


@cache
def load_coefficients(name: str) -> dict[float, dict[str, float]]:
    """Coefficient table ``gmpe_tables/<name>.csv`` as ``{period_s: {column: value}}``; PGA is period 0.

    Examples
    --------
    >>> table = load_coefficients("BSSA14")
    >>> table[0.0]["e0"], table[1.0]["c1"]
    (0.4473, -1.193)

    """
    path = TABLES_DIR / f"{name}.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    table: dict[float, dict[str, float]] = {}
    for row in rows:
        period = 0.0 if row["T"] == "PGA" else float(row["T"])
        table[period] = {k: float(v) for k, v in row.items() if k != "T"}
    return table


class GroundMotionModel:
    """Base class of the GMPEs: coefficient lookup, period interpolation, the common signature.

    Subclasses set ``name``, ``magnitude_range``, ``vs30_range_m_s`` and implement
    :meth:`_evaluate` for one tabulated period.
    """

    name: ClassVar[str] = ""
    magnitude_range: ClassVar[tuple[float, float]] = (0.0, 10.0)
    vs30_range_m_s: ClassVar[tuple[float, float]] = (0.0, math.inf)

    def __init__(self) -> None:
        self.coefficients = load_coefficients(self.name)
        self.periods_s = np.array(sorted(p for p in self.coefficients if p > 0.0))

    def ground_motion(
        self,
        period_s: float,
        *,
        magnitude: float,
        rake_deg: float,
        distances: Distances,
        vs30_m_s: np.ndarray | float,
        dip_deg: float = 90.0,
        ztor_km: float = 0.0,
        z1_m: np.ndarray | float | None = None,
        vs30_measured: bool = False,
    ) -> GroundMotion:
        """Median and sigma at every site for one period (``0`` for PGA).

        Parameters
        ----------
        period_s
            0 for PGA, or a spectral period within the table (log-log interpolated between rows).
        magnitude, rake_deg, dip_deg, ztor_km
            The rupture (``dip_deg`` and ``ztor_km`` matter to CY14 only).
        distances
            From :meth:`Rupture.distances` (or built by hand).
        vs30_m_s
            Site Vs30, scalar or an array broadcastable to the distances.
        z1_m
            Depth to Vs = 1 km/s (m); ``None`` uses the model's Vs30–Z1.0 relation (no basin term).
        vs30_measured
            CY14's sigma: ``True`` for measured Vs30, ``False`` (default) for inferred.

        Returns
        -------
        GroundMotion
            ``ln`` median (g), ``tau`` and ``phi`` arrays of the distances' shape.
        """
        if not math.isfinite(magnitude):
            raise ValueError(f"magnitude must be finite, got {magnitude}")
        t = float(period_s)
        vs30 = np.broadcast_to(np.asarray(vs30_m_s, dtype=np.float64), np.shape(distances.rjb_km))
        z1 = None if z1_m is None else np.broadcast_to(np.asarray(z1_m, dtype=np.float64), vs30.shape)
        rake = _wrap_rake(rake_deg)
        args = (magnitude, rake, float(dip_deg), float(ztor_km), distances, vs30, z1, vs30_measured)
        exact = self._row(t)
        if exact is not None:
            return self._evaluate(t, exact, *args)
        lo_i = int(np.searchsorted(self.periods_s, t)) - 1
        lo, hi = float(self.periods_s[lo_i]), float(self.periods_s[lo_i + 1])
        a = self._evaluate(lo, self.coefficients[lo], *args)
        b = self._evaluate(hi, self.coefficients[hi], *args)
        f = math.log(t / lo) / math.log(hi / lo)
        return GroundMotion(
            (1 - f) * a.ln_median + f * b.ln_median, (1 - f) * a.tau + f * b.tau, (1 - f) * a.phi + f * b.phi
        )

    def _row(self, period_s: float) -> dict[str, float] | None:
        if period_s == 0.0:
            return self.coefficients[0.0]
        lo, hi = float(self.periods_s[0]), float(self.periods_s[-1])
        if not lo * (1 - 1e-9) <= period_s <= hi * (1 + 1e-9):
            raise ValueError(f"{self.name}: period {period_s} s outside 0 (PGA) or [{lo}, {hi}] s")
        near = self.periods_s[np.argmin(np.abs(np.log(self.periods_s / period_s)))]
        return self.coefficients[float(near)] if abs(near / period_s - 1) < 1e-9 else None

    def _evaluate(
        self, period_s, c, magnitude, rake_deg, dip_deg, ztor_km, distances, vs30, z1, vs30_measured
    ) -> GroundMotion:  # pragma: no cover - abstract
        raise NotImplementedError


class BSSA14(GroundMotionModel):
    """Boore, Stewart, Seyhan & Atkinson (2014), global version (Δc3 = 0, California/Taiwan).

    Mechanism: normal for −150° < rake < −30°, reverse for 30° < rake < 150°, else strike-slip.
    Reference-rock PGA for the nonlinear site term is the PGA median at Vs30 = 760 m/s.

    Examples
    --------
    >>> d = Distances(np.array([10.0]), np.array([10.0]), np.array([10.0]), np.array([0.0]))
    >>> gm = BSSA14().ground_motion(0.0, magnitude=6.0, rake_deg=0.0, distances=d, vs30_m_s=760.0)
    >>> round(float(gm.median_g[0]), 4), round(float(gm.tau[0]), 3), round(float(gm.phi[0]), 3)
    (0.1817, 0.348, 0.495)

    """

    name = "BSSA14"
    magnitude_range = (3.0, 8.5)
    vs30_range_m_s = (150.0, 1500.0)

    def _evaluate(
        self, period_s, c, magnitude, rake_deg, dip_deg, ztor_km, distances, vs30, z1, vs30_measured
    ) -> GroundMotion:
        rjb = np.asarray(distances.rjb_km, dtype=np.float64)
        ln_y = self._source_path(c, magnitude, rake_deg, rjb)
        ln_pga_rock = self._source_path(self.coefficients[0.0], magnitude, rake_deg, rjb)
        ln_y = ln_y + c["c"] * np.log(np.minimum(vs30, c["Vc"]) / c["Vref"])  # eq. 6
        f2 = c["f4"] * (np.exp(c["f5"] * (np.minimum(vs30, 760.0) - 360.0)) - math.exp(c["f5"] * 400.0))
        ln_y = ln_y + c["f1"] + f2 * np.log((np.exp(ln_pga_rock) + c["f3"]) / c["f3"])  # eqs. 7-8
        if z1 is not None and period_s >= 0.65:  # eqs. 9-11, basin depth relative to the Vs30 mean
            mu_z1_km = np.exp(-7.15 / 4.0 * np.log((vs30**4 + 570.94**4) / (1360.0**4 + 570.94**4))) / 1000.0
            dz1 = z1 / 1000.0 - mu_z1_km
            ln_y = ln_y + np.where(c["f6"] * dz1 <= c["f7"], c["f6"] * dz1, c["f7"])
        # Sigma, eqs. 13-17.
        m_frac = min(max(magnitude - 4.5, 0.0), 1.0)
        tau = c["tau1"] + (c["tau2"] - c["tau1"]) * m_frac
        phi_m = c["phi1"] + (c["phi2"] - c["phi1"]) * m_frac
        r_frac = np.clip(np.log(np.maximum(rjb, c["R1"]) / c["R1"]) / math.log(c["R2"] / c["R1"]), 0.0, 1.0)
        v_frac = np.clip(np.log(c["v2"] / np.minimum(vs30, c["v2"])) / math.log(c["v2"] / c["v1"]), 0.0, 1.0)
        phi = phi_m + c["dPhiR"] * r_frac - c["dPhiV"] * v_frac
        return GroundMotion(ln_y, np.full(rjb.shape, tau), phi)

    @staticmethod
    def _source_path(c: dict[str, float], magnitude: float, rake_deg: float, rjb: np.ndarray) -> np.ndarray:
        """``F_E + F_P`` (eqs. 2-4): source and path terms of ``ln Y`` at the reference site."""
        if -150.0 < rake_deg < -30.0:
            fe = c["e2"]
        elif 30.0 < rake_deg < 150.0:
            fe = c["e3"]
        else:
            fe = c["e1"]
        dm = magnitude - c["Mh"]
        fe += c["e4"] * dm + c["e5"] * dm * dm if dm <= 0.0 else c["e6"] * dm
        r = np.sqrt(rjb * rjb + c["h"] * c["h"])
        return (
            fe
            + (c["c1"] + c["c2"] * (magnitude - c["Mref"])) * np.log(r / c["Rref"])
            + (c["c3"] + c["Dc3CaTw"]) * (r - c["Rref"])
        )


class CY14(GroundMotionModel):
    """Chiou & Youngs (2014), California/global version, without directivity (ΔDPP = 0).

    Mechanism: reverse for 30° <= rake <= 150°, normal for −120° <= rake <= −60°, else
    strike-slip. Uses Rrup, Rjb and Rx (hanging-wall term for Rx >= 0), dip and Ztor.

    Examples
    --------
    >>> d = Distances(np.array([10.0]), np.array([10.0]), np.array([10.0]), np.array([0.0]))
    >>> gm = CY14().ground_motion(0.0, magnitude=6.0, rake_deg=0.0, distances=d, vs30_m_s=760.0)
    >>> round(float(gm.median_g[0]), 4)
    0.1509

    """

    name = "CY14"
    magnitude_range = (3.5, 8.5)
    vs30_range_m_s = (180.0, 1500.0)

    def _evaluate(
        self, period_s, c, magnitude, rake_deg, dip_deg, ztor_km, distances, vs30, z1, vs30_measured
    ) -> GroundMotion:
        rrup = np.asarray(distances.rrup_km, dtype=np.float64)
        rjb = np.asarray(distances.rjb_km, dtype=np.float64)
        rx = np.asarray(distances.rx_km, dtype=np.float64)
        m = magnitude
        f_rv = 1.0 if 30.0 <= rake_deg <= 150.0 else 0.0
        f_nm = 1.0 if -120.0 <= rake_deg <= -60.0 else 0.0
        cosh_m = math.cosh(2.0 * max(m - 4.5, 0.0))
        cos_dip = _sin_cos_deg(dip_deg)[1]
        if f_rv:  # eqs. 4-5: E[Ztor | M, mechanism]
            e_ztor = max(2.704 - 1.226 * max(m - 5.849, 0.0), 0.0) ** 2
        else:
            e_ztor = max(2.673 - 1.136 * max(m - 4.970, 0.0), 0.0) ** 2
        # Reference motion (Vs30 = 1130 m/s), eq. 11.
        ln_ref = (
            c["c1"]
            + (c["c1a"] + c["c1c"] / cosh_m) * f_rv
            + (c["c1b"] + c["c1d"] / cosh_m) * f_nm
            + (c["c7"] + c["c7b"] / cosh_m) * (ztor_km - e_ztor)
            + (c["c11"] + c["c11b"] / cosh_m) * cos_dip * cos_dip
            + c["c2"] * (m - 6.0)
            + (c["c2"] - c["c3"]) / c["cn"] * math.log1p(math.exp(c["cn"] * (c["cM"] - m)))
        )
        ln_ref = (
            ln_ref
            + c["c4"] * np.log(rrup + c["c5"] * math.cosh(c["c6"] * max(m - c["cHM"], 0.0)))
            + (c["c4a"] - c["c4"]) * np.log(np.sqrt(rrup * rrup + c["cRB"] * c["cRB"]))
            + (c["cgamma1"] + c["cgamma2"] / math.cosh(max(m - c["cgamma3"], 0.0))) * rrup
        )
        hanging_wall = (
            c["c9"]
            * cos_dip
            * (c["c9a"] + (1.0 - c["c9a"]) * np.tanh(np.maximum(rx, 0.0) / c["c9b"]))
            * (1.0 - np.sqrt(rjb * rjb + ztor_km * ztor_km) / (rrup + 1.0))
        )
        ln_ref = ln_ref + np.where(rx >= 0.0, hanging_wall, 0.0)
        y_ref = np.exp(ln_ref)
        # Site response, eq. 12: linear, nonlinear (at the median reference motion), basin depth.
        vs_nl = np.minimum(vs30, 1130.0)
        nl = c["phi2"] * (np.exp(c["phi3"] * (vs_nl - 360.0)) - math.exp(c["phi3"] * 770.0))
        ln_y = (
            ln_ref
            + c["phi1"] * np.minimum(np.log(vs30 / 1130.0), 0.0)
            + nl * np.log((y_ref + c["phi4"]) / c["phi4"])
        )
        if z1 is not None:
            z1_ref_m = np.exp(-7.15 / 4.0 * np.log((vs30**4 + 571.0**4) / (1360.0**4 + 571.0**4)))
            ln_y = ln_y + c["phi5"] * (1.0 - np.exp(-(z1 - z1_ref_m) / c["phi6"]))
        # Sigma: NL0 is the nonlinear term's slope at the median reference motion.
        nl0 = nl * y_ref / (y_ref + c["phi4"])
        m_frac = (min(max(m, 5.0), 6.5) - 5.0) / 1.5
        tau = c["tau1"] + (c["tau2"] - c["tau1"]) * m_frac
        sigma_m = c["sigma1"] + (c["sigma2"] - c["sigma1"]) * m_frac
        vs_term = 0.7 if vs30_measured else c["sigma3"]
        phi = sigma_m * np.sqrt(vs_term + (1.0 + nl0) ** 2)
        return GroundMotion(ln_y, tau * (1.0 + nl0), phi)


#: Registered GMPEs by name.
GMPES: dict[str, type[GroundMotionModel]] = {"BSSA14": BSSA14, "CY14": CY14}


@cache
def gmpe(name: str) -> GroundMotionModel:
    """The GMPE called ``name`` (``"BSSA14"`` or ``"CY14"``), built once.

    Examples
    --------
    >>> gmpe("CY14").periods_s[[0, -1]].tolist()
    [0.01, 10.0]

    """
    try:
        return GMPES[name]()
    except KeyError:
        raise ValueError(f"unknown GMPE {name!r}; choose one of {', '.join(GMPES)}") from None
