"""Thermal radiation of fires after a loss of containment: pool fire, jet fire, BLEVE fireball.

Each model gives the heat flux on a vertical target facing the fire (1 m above ground by
default), in kW/m², at receptor points (x east, y north, m): the grid field
``thermal_radiation_kw_m2``. Solid flames: ``q = SEP · F · τ`` (surface emissive power, view
factor, transmissivity); jet fire: point source ``q = τ χ_r Q / (4π d²)``. Receptors over a
pool or inside a flame get the SEP.

Sources ([seen]: checked in the cited public source; [recalled]: not checked in the original)
* Transmissivity: Wayne (1991) J. Loss Prev. Process Ind. 4:86, the TNO Yellow Book form
  [seen: coded in Sandia HyRAM+ phys/_flame.py]; Pietersen & Huerta (1985)
  ``τ = 2.02 (p_w x)^-0.09`` (CCPS 2000, CPQRA) [recalled].
* Pool fire: burning rate ``m''_∞ (1 − e^(−kβD))``, Babrauskas (1983) Fire Technol. 19:251
  [recalled; reproduces NUREG-1805 FDT heat release rates, seen]; flame length Thomas (1963)
  9th Symp. Combust. 844 [citation seen], wind form as in CCPS 2000 / Yellow Book [recalled];
  tilt AGA (1974) [recalled]; SEP Mudan & Croce (1988, SFPE Handbook) [recalled]; view factor
  of a vertical cylinder Mudan (1984) Prog. Energy Combust. Sci. 10:59 [recalled; checked in
  the tests by numerical integration].
* Jet fire: ``L = 0.00326 (ṁ ΔHc)^0.478`` (m, W), fit to API RP 521 flare data, point source
  at L/2 [recalled].
* Fireball: CCPS (1994, 2000) ``D = 5.8 M^(1/3)``, ``t = 0.45 M^(1/3)`` (M < 30 t) else
  ``2.6 M^(1/6)`` [seen: worksheet citing CCPS], centre at ``0.75 D`` [recalled]; radiative
  fraction ``0.27 P^0.32`` (P in MPa), Roberts (1981) Fire Saf. J. 4:197 [recalled].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np

from models.hazards.dispersion import wind_toward_unit_vector

__all__ = [
    "Fireball",
    "PoolFire",
    "atmospheric_transmissivity",
    "bleve_fireball",
    "fireball_radiation_kw_m2",
    "fireball_view_factor",
    "jet_fire_radiation_kw_m2",
    "jet_flame_length_m",
    "pool_burning_rate_kg_m2_s",
    "pool_fire",
    "pool_fire_radiation_kw_m2",
    "pool_flame_length_m",
    "pool_flame_tilt_rad",
    "tilted_cylinder_view_factor",
    "vertical_cylinder_view_factor",
]

G_M_S2, MMHG_PA = 9.80665, 133.322368

# Published coefficients (sources: module docstring). -----------------------------------------
WAYNE_1991 = (1.006, -0.01171, -0.02368, -0.03188, 0.001164)
"""τ = c0 + c1·lg X_H2O + c2·(lg X_H2O)² + c3·lg X_CO2 + c4·(lg X_CO2)² (Wayne 1991)."""
PIETERSEN = (2.02, -0.09)  # τ = a·(p_w·x)^b, p_w in Pa and x in m (Pietersen & Huerta 1985)
THOMAS_STILL, THOMAS_WIND = (42.0, 0.61), (55.0, 0.67, -0.21)
"""L/D = a·(m''/(ρa·√(gD)))^b, times u*^c in wind (Thomas 1963)."""
MUDAN_CROCE = (140.0, 20.0, 0.12)
"""(E_max kW/m², E_soot kW/m², s 1/m) of SEP = E_max e^(−sD) + E_soot (1 − e^(−sD))."""
API521_JET = (0.00326, 0.478)  # jet flame length L[m] = a·Q[W]^b
CCPS_FIREBALL = {"diameter": (5.8, 1 / 3), "short": (0.45, 1 / 3), "long": (2.6, 1 / 6), "split_kg": 30e3}
"""D = a·M^b; duration 'short' below ``split_kg``, else 'long' (M kg, D m, t s)."""
FIREBALL_HEIGHT_PER_DIAMETER = 0.75  # CCPS
ROBERTS_RADIATIVE_FRACTION = (0.27, 0.32)  # χ_r = a·P^b, P: absolute vessel pressure in MPa
JET_FLUX_CAP_KW_M2 = 350.0  # cap on point-source fluxes: CCPS's SEP of large hydrocarbon fires [seen]

_N_AZIMUTH, _N_HEIGHT = 128, 64  # finest quadrature of tilted flames (near receptors)


def _scalar(name: str, value: float, *, positive: bool = True) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0.0 or (positive and v == 0.0):
        raise ValueError(f"{name} must be finite and {'>' if positive else '>='} 0, got {value!r}")
    return v


def _receptors(x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.broadcast_arrays(np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64))
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("receptor coordinates x_m and y_m must be finite")
    return x, y


def _heat_release_W(rate: float, heat_of_combustion: float) -> float:
    return _scalar("mass_rate_kg_s", rate) * _scalar("heat_of_combustion_J_kg", heat_of_combustion)


def _water_saturation_pressure_Pa(temperature_K: float) -> float:
    """``ln p[mmHg] = 20.386 − 5132/T``, the fit HyRAM+ uses with Wayne's τ [seen]."""
    return MMHG_PA * math.exp(20.386 - 5132.0 / _scalar("temperature_K", temperature_K))


def atmospheric_transmissivity(
    path_length_m: np.ndarray | float,
    relative_humidity: float = 0.7,
    temperature_K: float = 293.15,
    *,
    method: Literal["wayne", "pietersen"] = "wayne",
) -> np.ndarray:
    """Fraction τ of thermal radiation transmitted over ``path_length_m`` of humid air, in [0, 1].

    ``path_length_m`` (any shape, ``>= 0``) runs from the flame surface to the target;
    ``relative_humidity`` is a fraction in (0, 1]. ``"wayne"`` (default; Wayne 1991, Yellow
    Book): H2O and CO2 (335 ppm) absorption, ``X_H2O = RH·x·p_sat[mmHg]·288.651/T``,
    ``X_CO2 = 273·x/T``; paths with ``X_H2O < 1`` (under about 8 cm), where the fit turns over,
    use ``X_H2O = 1``. ``"pietersen"``: ``τ = 2.02 (p_w·x)^−0.09``, ``p_w = RH·p_sat`` in Pa
    (fitted for 10⁴ < p_w·x < 10⁵ N/m).

    Examples
    --------
    >>> round(float(atmospheric_transmissivity(100.0)), 3)
    0.686
    >>> round(float(atmospheric_transmissivity(100.0, method="pietersen")), 3)
    0.685

    """
    x = np.asarray(path_length_m, dtype=np.float64)
    if not (np.all(np.isfinite(x)) and np.all(x >= 0.0)):
        raise ValueError("path_length_m must be finite and >= 0")
    rh = float(relative_humidity)
    if not 0.0 < rh <= 1.0:
        raise ValueError(f"relative_humidity must be in (0, 1], got {relative_humidity!r}")
    t = _scalar("temperature_K", temperature_K)
    p_sat = _water_saturation_pressure_Pa(t)
    if method == "wayne":
        h2o_per_m = rh * (p_sat / MMHG_PA) * 288.651 / t
        xe = np.maximum(x, 1.0 / h2o_per_m)
        u, v = np.log10(h2o_per_m * xe), np.log10(273.0 / t * xe)
        c0, c1, c2, c3, c4 = WAYNE_1991
        tau = c0 + c1 * u + c2 * u * u + c3 * v + c4 * v * v
    elif method == "pietersen":
        a, b = PIETERSEN
        with np.errstate(divide="ignore"):
            tau = a * (rh * p_sat * x) ** b
    else:
        raise ValueError(f"unknown transmissivity method {method!r}; expected 'wayne' or 'pietersen'")
    return np.clip(tau, 0.0, 1.0)


# Pool fire -----------------------------------------------------------------------------------
def pool_burning_rate_kg_m2_s(
    diameter_m: float, *, mass_burning_rate_inf_kg_m2_s: float, k_beta_per_m: float
) -> float:
    """Mass burning rate per area ``m'' = m''_∞ (1 − e^(−kβ·D))`` (Babrauskas 1983), kg/(m²·s).

    Examples
    --------
    >>> round(pool_burning_rate_kg_m2_s(1.0, mass_burning_rate_inf_kg_m2_s=0.055, k_beta_per_m=2.1), 4)
    0.0483

    """
    d, kb = _scalar("diameter_m", diameter_m), _scalar("k_beta_per_m", k_beta_per_m)
    return _scalar("mass_burning_rate_inf_kg_m2_s", mass_burning_rate_inf_kg_m2_s) * -math.expm1(-kb * d)


def _wind_ratio(diameter_m: float, burning_rate: float, wind_m_s: float, vapour_density) -> float:
    """u* = u / (g m'' D / ρ_v)^(1/3), at least 1 (the wind scaled by the plume's own velocity)."""
    if vapour_density is None:
        raise ValueError("vapour_density_kg_m3 is needed when wind_speed_m_s > 0")
    rho_v = _scalar("vapour_density_kg_m3", vapour_density)
    return max(wind_m_s / (G_M_S2 * burning_rate * diameter_m / rho_v) ** (1.0 / 3.0), 1.0)


def pool_flame_length_m(
    diameter_m: float,
    burning_rate_kg_m2_s: float,
    *,
    wind_speed_m_s: float = 0.0,
    air_density_kg_m3: float = 1.2,
    vapour_density_kg_m3: float | None = None,
) -> float:
    """Mean flame length of a pool fire (Thomas 1963), in m.

    Still air: ``L = 42 D (m''/(ρa √(gD)))^0.61``. Wind ``u`` (at 10 m) > 0:
    ``L = 55 D (m''/(ρa √(gD)))^0.67 u*^−0.21``, ``u* = u/(g m'' D/ρ_v)^(1/3)`` floored at 1.

    Examples
    --------
    >>> round(pool_flame_length_m(10.0, 0.055), 2)
    15.82

    """
    d, m = _scalar("diameter_m", diameter_m), _scalar("burning_rate_kg_m2_s", burning_rate_kg_m2_s)
    u = _scalar("wind_speed_m_s", wind_speed_m_s, positive=False)
    group = m / (_scalar("air_density_kg_m3", air_density_kg_m3) * math.sqrt(G_M_S2 * d))
    if u == 0.0:
        return THOMAS_STILL[0] * d * group ** THOMAS_STILL[1]
    a, b, c = THOMAS_WIND
    return a * d * group**b * _wind_ratio(d, m, u, vapour_density_kg_m3) ** c


def pool_flame_tilt_rad(
    diameter_m: float,
    burning_rate_kg_m2_s: float,
    *,
    wind_speed_m_s: float,
    vapour_density_kg_m3: float | None,
) -> float:
    """Flame tilt from the vertical, AGA (1974): ``cos θ = 1/√u*`` (``u*`` floored at 1).

    Examples
    --------
    >>> round(math.degrees(pool_flame_tilt_rad(10.0, 0.055, wind_speed_m_s=5, vapour_density_kg_m3=3.3)), 1)
    61.0

    """
    d, m = _scalar("diameter_m", diameter_m), _scalar("burning_rate_kg_m2_s", burning_rate_kg_m2_s)
    u = _scalar("wind_speed_m_s", wind_speed_m_s, positive=False)
    return 0.0 if u == 0.0 else math.acos(_wind_ratio(d, m, u, vapour_density_kg_m3) ** -0.5)


@dataclass(frozen=True)
class PoolFire:
    """Steady circular pool fire; build it with :func:`pool_fire`.

    Attributes: ``diameter_m``; ``burning_rate_kg_m2_s`` (kg/(m²·s)); ``flame_length_m`` along
    the flame axis; ``tilt_rad`` from the vertical, downwind; ``surface_emissive_power_kw_m2``;
    ``heat_release_rate_W`` (``m''·A·ΔHc``); ``duration_s``, the burn-out time ``M/(m''·A)``
    of the inventory (``inf`` without one).
    """

    diameter_m: float
    burning_rate_kg_m2_s: float
    flame_length_m: float
    tilt_rad: float
    surface_emissive_power_kw_m2: float
    heat_release_rate_W: float
    duration_s: float

    @property
    def radius_m(self) -> float:
        """Pool radius in m."""
        return 0.5 * self.diameter_m

    @property
    def flame_height_m(self) -> float:
        """Vertical extent ``L cos θ`` of the flame in m."""
        return self.flame_length_m * math.cos(self.tilt_rad)


def pool_fire(
    diameter_m: float,
    *,
    mass_burning_rate_inf_kg_m2_s: float,
    k_beta_per_m: float,
    heat_of_combustion_J_kg: float,
    wind_speed_m_s: float,
    air_density_kg_m3: float = 1.2,
    vapour_density_kg_m3: float | None = None,
    inventory_kg: float | None = None,
    emissive_power: Literal["mudan_croce", "radiative_fraction"] = "mudan_croce",
    radiative_fraction: float | None = None,
) -> PoolFire:
    """Burning rate, Thomas flame length, AGA tilt, emissive power and duration of a pool fire.

    Fuel data: Babrauskas ``m''_∞`` and ``kβ`` (``models/substances.toml``, block ``pool_fire``)
    and the lower heating value. ``wind_speed_m_s`` is taken at 10 m (0: vertical flame); in
    wind the fuel-vapour density at the boiling point is needed. ``inventory_kg`` (mass that can
    burn) gives :attr:`PoolFire.duration_s`. ``emissive_power``: ``"mudan_croce"`` (smoky
    hydrocarbons), ``SEP = 140 e^(−0.12 D) + 20 (1 − e^(−0.12 D))`` kW/m², or
    ``"radiative_fraction"``, ``SEP = χ_r m'' ΔHc / (1 + 4L/D)``.

    Examples
    --------
    >>> f = pool_fire(10.0, mass_burning_rate_inf_kg_m2_s=0.055, k_beta_per_m=2.1,
    ...               heat_of_combustion_J_kg=43.4e6, wind_speed_m_s=0.0, inventory_kg=5000.0)
    >>> round(f.flame_length_m, 1), round(f.surface_emissive_power_kw_m2, 1), round(f.duration_s)
    (15.8, 56.1, 1157)

    """
    d, hc = _scalar("diameter_m", diameter_m), _scalar("heat_of_combustion_J_kg", heat_of_combustion_J_kg)
    m = pool_burning_rate_kg_m2_s(
        d, mass_burning_rate_inf_kg_m2_s=mass_burning_rate_inf_kg_m2_s, k_beta_per_m=k_beta_per_m
    )
    wind = {"wind_speed_m_s": wind_speed_m_s, "vapour_density_kg_m3": vapour_density_kg_m3}
    length = pool_flame_length_m(d, m, air_density_kg_m3=air_density_kg_m3, **wind)
    if emissive_power == "mudan_croce":
        e_max, e_soot, s = MUDAN_CROCE
        sep = e_soot + (e_max - e_soot) * math.exp(-s * d)
    elif emissive_power == "radiative_fraction":
        if radiative_fraction is None or not 0.0 < radiative_fraction < 1.0:
            raise ValueError("emissive_power='radiative_fraction' needs radiative_fraction in (0, 1)")
        sep = radiative_fraction * m * hc / (1.0 + 4.0 * length / d) / 1000.0
    else:
        raise ValueError(f"unknown emissive_power {emissive_power!r}")
    rate_kg_s = m * math.pi * d * d / 4.0
    duration = math.inf if inventory_kg is None else _scalar("inventory_kg", inventory_kg) / rate_kg_s
    return PoolFire(d, m, length, pool_flame_tilt_rad(d, m, **wind), sep, rate_kg_s * hc, duration)


def vertical_cylinder_view_factor(
    distance_m: np.ndarray | float, *, radius_m: float, height_m: float
) -> np.ndarray:
    """View factor from a vertical target at the base level of a vertical cylinder, facing its axis.

    Mudan (1984), with ``S = r/R``, ``h = H/R`` and ``A = (h² + S² + 1)/(2S)``::

        π F = atan(h/√(S²−1))/S − (h/S)·atan√((S−1)/(S+1))
              + A·h/(S·√(A²−1)) · atan√((A+1)(S−1)/((A−1)(S+1)))

    ``distance_m`` (any shape) is measured from the axis and must exceed ``radius_m``; the
    cylinder reaches ``height_m`` (``>= 0``) above the target.

    Examples
    --------
    >>> round(float(vertical_cylinder_view_factor(10.0, radius_m=5.0, height_m=15.0)), 4)
    0.245

    """
    s = np.asarray(distance_m, dtype=np.float64) / radius_m
    h = _scalar("height_m", height_m, positive=False) / radius_m
    if np.any(~(s > 1.0)):
        raise ValueError("the target must lie outside the cylinder (distance_m > radius_m)")
    a = (h * h + s * s + 1.0) / (2.0 * s)
    last = np.arctan(np.sqrt((a + 1.0) * (s - 1.0) / ((a - 1.0) * (s + 1.0))))
    f = np.arctan(h / np.sqrt(s * s - 1.0)) / s - h / s * np.arctan(np.sqrt((s - 1.0) / (s + 1.0)))
    return (f + a * h / (s * np.sqrt(a * a - 1.0)) * last) / math.pi


@numba.njit(cache=True)
def tilted_cylinder_view_factor(
    rx, ry, target_height_m, radius_m, flame_length_m, tilt_rad, to_x, to_y, n_azimuth, n_height, out
):  # pragma: no cover - compiled; checked against an independent numpy quadrature in the tests
    """View factor from vertical targets to a sheared (tilted) cylinder, by midpoint quadrature.

    Flame surface (pool centre at the origin, ``e_φ = cos φ·to + sin φ·to⊥``, φ from downwind):
    ``R e_φ + z tanθ·to + z e_z``, ``0 ≤ z ≤ L cos θ``. Target ``i`` at (``rx[i]``, ``ry[i]``,
    ``target_height_m``) faces the horizontal direction of the vector sum of what it sees (a
    first sweep; toward the axis for a vertical flame, and the best-exposed vertical orientation
    while the flame lies in front of it). Surface elements facing the target (exact visibility:
    the body is convex) and in front of it add ``cos β1 cos β2 dA/(π s²)``. ``n_azimuth`` ×
    ``n_height`` (multiples of 8) is the finest grid; a target uses 1/2, 1/4 or 1/8 of the nodes
    (but at least 32 azimuths: the visibility edge costs ~1.6/n² relative) while the spacing
    stays below 0.15 × its distance from the flame. ``out`` receives F.
    """
    t, h = math.tan(tilt_rad), flame_length_m * math.cos(tilt_rad)
    ax, ay = flame_length_m * math.sin(tilt_rad) * to_x, flame_length_m * math.sin(tilt_rad) * to_y
    fine = min(n_azimuth / (2.0 * math.pi * radius_m), n_height / h)  # nodes per metre
    for i in range(rx.shape[0]):
        u = min(max((rx[i] * ax + ry[i] * ay) / (ax * ax + ay * ay), 0.0), 1.0)
        step = 1
        while step < 8 and 2 * step <= 0.15 * fine * (math.hypot(rx[i] - u * ax, ry[i] - u * ay) - radius_m):
            step *= 2
        na, nz = max(n_azimuth // step, min(n_azimuth, 32)), n_height // step
        gx = gy = acc = 0.0
        for sweep in range(2):  # 0: direction the flame is seen in; 1: F of a target facing it
            norm = math.hypot(gx, gy)
            nx, ny = (gx / norm, gy / norm) if norm > 0.0 else (-to_x, -to_y)
            for j in range(na):
                cl, sl = math.cos((j + 0.5) * 2.0 * math.pi / na), math.sin((j + 0.5) * 2.0 * math.pi / na)
                c, s = cl * to_x - sl * to_y, cl * to_y + sl * to_x  # e_φ in east/north components
                for k in range(nz):
                    z = (k + 0.5) * h / nz
                    sz = z - target_height_m
                    dx, dy = radius_m * c + z * t * to_x - rx[i], radius_m * s + z * t * to_y - ry[i]
                    c2 = t * cl * sz - c * dx - s * dy  # −(outward normal)·s / R
                    if c2 <= 0.0:
                        continue
                    r2 = dx * dx + dy * dy + sz * sz
                    w = c2 / (r2 * r2)
                    if sweep == 0:
                        gx, gy = gx + dx * w, gy + dy * w
                    elif nx * dx + ny * dy > 0.0:
                        acc += (nx * dx + ny * dy) * w
        out[i] = acc * (2.0 / na) * (h / nz) * radius_m


def pool_fire_radiation_kw_m2(
    x_m: np.ndarray | float,
    y_m: np.ndarray | float,
    fire: PoolFire,
    *,
    centre_x_m: float,
    centre_y_m: float,
    wind_from_deg: float,
    relative_humidity: float = 0.7,
    temperature_K: float = 293.15,
    target_height_m: float = 1.0,
) -> np.ndarray:
    """Heat flux (kW/m²) on vertical targets facing a pool fire, ``SEP · F · τ``.

    A vertical flame uses :func:`vertical_cylinder_view_factor` (split at the target height); a
    tilted one, leaning toward ``wind_from_deg + 180°`` (``wind_from_deg``: meteorological, the
    direction the wind comes FROM), the quadrature :func:`tilted_cylinder_view_factor` (a
    sheared cylinder; its targets face the way they are most exposed). τ runs over the
    horizontal distance to the vertical cylinder through the flame's centroid. Targets over the
    pool or inside the flame get the SEP; just downwind of the flame base, under its overhang,
    a vertical target sees less than one a few metres further out (it is not monotonic there).

    ``x_m``, ``y_m`` (m) broadcast together; the result has their shape. ``target_height_m`` is
    taken above the pool base; humidity and temperature go to :func:`atmospheric_transmissivity`.

    Examples
    --------
    >>> f = pool_fire(10.0, mass_burning_rate_inf_kg_m2_s=0.055, k_beta_per_m=2.1,
    ...               heat_of_combustion_J_kg=43.4e6, wind_speed_m_s=0.0)
    >>> q = pool_fire_radiation_kw_m2([0.0, 20.0], 0.0, f, centre_x_m=0.0, centre_y_m=0.0,
    ...                               wind_from_deg=270.0)
    >>> round(float(q[0]), 1), round(float(q[1]), 2)
    (56.1, 5.06)

    """
    x, y = _receptors(x_m, y_m)
    rx = np.ascontiguousarray((x - float(centre_x_m)).reshape(-1))
    ry = np.ascontiguousarray((y - float(centre_y_m)).reshape(-1))
    zt = _scalar("target_height_m", target_height_m, positive=False)
    to_x, to_y = wind_toward_unit_vector(wind_from_deg)
    r, height, tilt, length = fire.radius_m, fire.flame_height_m, fire.tilt_rad, fire.flame_length_m
    lean = zt * math.tan(tilt) if zt <= height else math.inf  # downwind offset of the flame at zt
    inside = (np.hypot(rx, ry) <= r) | (np.hypot(rx - lean * to_x, ry - lean * to_y) <= r)
    shift = 0.5 * length * math.sin(tilt)
    dist = np.hypot(rx - shift * to_x, ry - shift * to_y)
    if tilt == 0.0:
        safe = np.where(inside, 2.0 * r, dist)
        lower, upper = (zt, height - zt) if zt <= height else (zt - height, zt)
        sign = 1.0 if zt <= height else -1.0
        f = vertical_cylinder_view_factor(safe, radius_m=r, height_m=upper)
        f += sign * vertical_cylinder_view_factor(safe, radius_m=r, height_m=lower)
    else:
        f = np.empty_like(rx)
        tilted_cylinder_view_factor(rx, ry, zt, r, length, tilt, to_x, to_y, _N_AZIMUTH, _N_HEIGHT, f)
    tau = atmospheric_transmissivity(np.maximum(dist - r, 0.0), relative_humidity, temperature_K)
    sep = fire.surface_emissive_power_kw_m2
    return np.where(inside, sep, sep * np.minimum(f, 1.0) * tau).reshape(x.shape)


# Jet fire (point source) ---------------------------------------------------------------------
def jet_flame_length_m(mass_rate_kg_s: float, heat_of_combustion_J_kg: float) -> float:
    """Jet flame length ``L = 0.00326·(ṁ ΔHc)^0.478`` in m, heat release in W (API RP 521 fit).

    Examples
    --------
    >>> round(jet_flame_length_m(1.0, 46.35e6), 1)
    15.1

    """
    return API521_JET[0] * _heat_release_W(mass_rate_kg_s, heat_of_combustion_J_kg) ** API521_JET[1]


def jet_fire_radiation_kw_m2(
    x_m: np.ndarray | float,
    y_m: np.ndarray | float,
    *,
    mass_rate_kg_s: float,
    heat_of_combustion_J_kg: float,
    radiative_fraction: float,
    source_x_m: float,
    source_y_m: float,
    release_height_m: float = 0.0,
    flame_centre_height_m: float | None = None,
    target_height_m: float = 1.0,
    relative_humidity: float = 0.7,
    temperature_K: float = 293.15,
    max_flux_kw_m2: float = JET_FLUX_CAP_KW_M2,
) -> np.ndarray:
    """Heat flux (kW/m²) of a vertical jet fire as an API RP 521 point source, ``τ χ_r ṁ ΔHc/(4π d²)``.

    The source sits above the release point at half the :func:`jet_flame_length_m`, unless
    ``flame_centre_height_m`` is given; ``d`` is its distance to the target (which faces it) and
    τ is taken over ``d``. The model is poor within about one flame length; fluxes are capped
    at ``max_flux_kw_m2``.

    Examples
    --------
    >>> q = jet_fire_radiation_kw_m2(50.0, 0.0, mass_rate_kg_s=1.0, heat_of_combustion_J_kg=46.35e6,
    ...                              radiative_fraction=0.2, source_x_m=0.0, source_y_m=0.0)
    >>> round(float(q), 3)
    0.214

    """
    x, y = _receptors(x_m, y_m)
    rate_w = _heat_release_W(mass_rate_kg_s, heat_of_combustion_J_kg)
    if not 0.0 < radiative_fraction < 1.0:
        raise ValueError(f"radiative_fraction must be in (0, 1), got {radiative_fraction!r}")
    if flame_centre_height_m is None:
        release = _scalar("release_height_m", release_height_m, positive=False)
        flame_centre_height_m = release + 0.5 * jet_flame_length_m(mass_rate_kg_s, heat_of_combustion_J_kg)
    dz = float(flame_centre_height_m) - _scalar("target_height_m", target_height_m, positive=False)
    d2 = (x - float(source_x_m)) ** 2 + (y - float(source_y_m)) ** 2 + dz * dz
    tau = atmospheric_transmissivity(np.sqrt(d2), relative_humidity, temperature_K)
    with np.errstate(divide="ignore"):
        q = tau * radiative_fraction * rate_w / (4.0 * math.pi * d2) / 1000.0
    return np.minimum(q, _scalar("max_flux_kw_m2", max_flux_kw_m2))


# BLEVE fireball ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fireball:
    """Static BLEVE fireball (build with :func:`bleve_fireball`); lengths m, time s, SEP kW/m²."""

    mass_kg: float
    diameter_m: float
    duration_s: float
    centre_height_m: float
    radiative_fraction: float
    surface_emissive_power_kw_m2: float

    @property
    def radius_m(self) -> float:
        """Fireball radius in m."""
        return 0.5 * self.diameter_m


def bleve_fireball(mass_kg: float, *, heat_of_combustion_J_kg: float, vessel_pressure_Pa: float) -> Fireball:
    """CCPS fireball: ``D = 5.8 M^(1/3)``, duration, centre at ``0.75 D``, Roberts χ_r and SEP.

    ``SEP = χ_r M ΔHc / (π D² t)`` with ``χ_r = 0.27 P^0.32``, ``P`` the absolute vessel
    pressure at failure in MPa; ``M`` (kg) is the flammable mass in the fireball.

    Examples
    --------
    >>> fb = bleve_fireball(50_000.0, heat_of_combustion_J_kg=46.35e6, vessel_pressure_Pa=1.0e6)
    >>> round(fb.diameter_m, 1), round(fb.duration_s, 2), round(fb.centre_height_m, 1)
    (213.7, 15.78, 160.3)

    """
    m, hc = _scalar("mass_kg", mass_kg), _scalar("heat_of_combustion_J_kg", heat_of_combustion_J_kg)
    a, b = ROBERTS_RADIATIVE_FRACTION
    frac = a * (_scalar("vessel_pressure_Pa", vessel_pressure_Pa) / 1.0e6) ** b
    if frac >= 1.0:
        raise ValueError("vessel_pressure_Pa is far outside the Roberts fit (radiative fraction >= 1)")
    c = CCPS_FIREBALL
    diameter = c["diameter"][0] * m ** c["diameter"][1]
    coeff, power = c["short"] if m < c["split_kg"] else c["long"]
    duration = coeff * m**power
    sep = frac * m * hc / (math.pi * diameter * diameter * duration) / 1000.0
    return Fireball(m, diameter, duration, FIREBALL_HEIGHT_PER_DIAMETER * diameter, frac, sep)


def fireball_view_factor(
    horizontal_distance_m: np.ndarray | float,
    *,
    diameter_m: float,
    centre_height_m: float,
    target_height_m: float = 1.0,
    orientation: Literal["facing", "vertical"] = "facing",
) -> np.ndarray:
    """View factor from a target to a sphere: ``(R/L)²`` facing it, ``(R/L)²·X/L`` if vertical.

    ``L`` is the distance from the target to the centre, ``X`` the horizontal distance. Both
    are exact while the whole sphere lies in front of the target (always when ``"facing"``;
    while ``X ≥ R`` when ``"vertical"``). Targets inside the ball get 1.

    Examples
    --------
    >>> round(float(fireball_view_factor(100.0, diameter_m=132.6, centre_height_m=66.3,
    ...                                  target_height_m=0.0, orientation="vertical")), 4)
    0.2545

    """
    x = np.abs(np.asarray(horizontal_distance_m, dtype=np.float64))
    r = 0.5 * _scalar("diameter_m", diameter_m)
    dz = float(centre_height_m) - float(target_height_m)
    dist = np.sqrt(x * x + dz * dz)
    if orientation not in ("facing", "vertical"):
        raise ValueError(f"orientation must be 'facing' or 'vertical', got {orientation!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (r / dist) ** 2 * (x / dist if orientation == "vertical" else 1.0)
    return np.where(dist <= r, 1.0, f)


def fireball_radiation_kw_m2(
    x_m: np.ndarray | float,
    y_m: np.ndarray | float,
    fb: Fireball,
    *,
    centre_x_m: float,
    centre_y_m: float,
    relative_humidity: float = 0.7,
    temperature_K: float = 293.15,
    target_height_m: float = 1.0,
    orientation: Literal["facing", "vertical"] = "facing",
) -> np.ndarray:
    """Heat flux (kW/m²) of a fireball during its life, ``SEP · F · τ`` with τ over ``L − R``.

    ``centre_x_m``, ``centre_y_m`` locate the point under the ball; see
    :func:`fireball_view_factor` for ``orientation``.

    Examples
    --------
    >>> fb = bleve_fireball(50_000.0, heat_of_combustion_J_kg=46.35e6, vessel_pressure_Pa=1.0e6)
    >>> round(float(fireball_radiation_kw_m2(300.0, 0.0, fb, centre_x_m=0.0, centre_y_m=0.0)), 1)
    16.8

    """
    x, y = _receptors(x_m, y_m)
    horizontal = np.hypot(x - float(centre_x_m), y - float(centre_y_m))
    zt = _scalar("target_height_m", target_height_m, positive=False)
    geometry = {"diameter_m": fb.diameter_m, "centre_height_m": fb.centre_height_m, "target_height_m": zt}
    f = fireball_view_factor(horizontal, orientation=orientation, **geometry)
    path = np.maximum(np.hypot(horizontal, fb.centre_height_m - zt) - fb.radius_m, 0.0)
    tau = atmospheric_transmissivity(path, relative_humidity, temperature_K)
    return fb.surface_emissive_power_kw_m2 * f * tau
