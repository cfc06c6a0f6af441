"""Process units of a chemical park and the physical effects of their losses of containment.

One place turns a unit's description (what it holds, how it fails) into
effect fields on the grid — heat flux, blast overpressure, gas
concentration — and into the effects on every other unit, which drive domino
escalation. The simulation process (:mod:`models.chains.park`) and the risk
assessment (:mod:`models.impact.park_risk`) both use it, so a QRA and a
simulated accident of the same park can never disagree about the physics.

Defaults that a site survey would normally replace are stated next to the
keys (pool diameter, jet release rate, flammable mass in a cloud).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.chains.domino import category_code
from models.hazards.dispersion import steady_plume_concentration
from models.hazards.explosions import tno_multi_energy
from models.hazards.fires import (
    bleve_fireball,
    fireball_radiation_kw_m2,
    jet_fire_radiation_kw_m2,
    pool_fire,
    pool_fire_radiation_kw_m2,
)
from models.hazards.puff import instantaneous_puff_concentration
from models.impact.blast import indoor_overpressure_lethality, overpressure_lethality
from models.impact.probit import ToxicProbit, mg_m3_to_ppm
from models.impact.thermal import indoor_thermal_lethality, thermal_lethality
from models.impact.toxic_exposure import _GL_W, _GL_X, accumulate_toxic_load
from models.substances import get_substance

Outcome = Literal["pool_fire", "jet_fire", "fireball", "vapour_cloud_explosion", "toxic_release"]
FIRES = ("pool_fire", "jet_fire", "fireball")


class Unit(BaseModel):
    """One process unit (a tank, a sphere, a reactor) and the outcome of its loss of containment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    category: Literal["atmospheric", "pressurised", "elongated", "auxiliary"]
    x_m: float
    y_m: float
    diameter_m: float = Field(gt=0)
    height_m: float = Field(gt=0)
    substance: str
    inventory_kg: float = Field(gt=0, description="mass of substance held")
    outcome: Outcome
    pressure_Pa: float = Field(101325.0, gt=0, description="absolute storage pressure")
    temperature_K: float = Field(288.15, gt=0, description="storage temperature (recorded with the unit)")
    release_mode: Literal["continuous", "instantaneous"] = Field(
        "continuous",
        description="toxic release: a plume at release_rate_kg_s, or the whole inventory as a puff",
    )
    pool_diameter_m: float | None = Field(None, gt=0, description="bund/pool; default 1.5 × diameter")
    release_rate_kg_s: float | None = Field(
        None, gt=0, description="jet or toxic release rate; default inventory over 10 min (jet) or 30 min"
    )
    cloud_mass_kg: float | None = Field(
        None, gt=0, description="flammable mass in the congested cloud; default 10 % of the inventory"
    )
    blast_strength: int = Field(7, ge=1, le=10, description="TNO multi-energy class of the congestion")
    fill_fraction: float = Field(0.8, ge=0, le=1)
    anchored: bool = True
    empty_mass_kg: float | None = Field(None, gt=0, description="default: 8 mm steel shell, roof and bottom")
    loc_frequency_per_year: float = Field(0.0, ge=0, description="frequency of this loss of containment")

    @model_validator(mode="after")
    def _fits_outcome(self) -> Unit:
        sub = get_substance(self.substance)
        if self.outcome == "toxic_release" and not sub.is_toxic:
            raise ValueError(f"outcome toxic_release needs a toxic substance; {sub.name} has no probit")
        if self.outcome in (*FIRES, "vapour_cloud_explosion") and not sub.is_flammable:
            raise ValueError(f"outcome {self.outcome} needs a flammable substance; {sub.name} is not")
        if self.outcome == "pool_fire" and sub.mass_burning_rate_inf_kg_m2_s is None:
            raise ValueError(f"no pool-fire burning rate is tabulated for {sub.name}")
        return self

    @property
    def volume_m3(self) -> float:
        """Vessel volume (vertical cylinder, or sphere for spheres of equal height and diameter)."""
        return math.pi * self.diameter_m**2 / 4.0 * self.height_m

    @property
    def shell_mass_kg(self) -> float:
        """Empty mass: the given value or an 8 mm steel shell, bottom and roof."""
        if self.empty_mass_kg is not None:
            return self.empty_mass_kg
        area = math.pi * self.diameter_m * self.height_m + 2 * math.pi * self.diameter_m**2 / 4.0
        return 7850.0 * 0.008 * area


class Weather(BaseModel):
    """Wind and air of the park's effects (nominal values; no replica spread)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wind_speed_m_s: float = Field(3.0, ge=0.5, le=30)
    wind_from_deg: float = Field(270.0, ge=0, le=360)
    stability: Literal["A", "B", "C", "D", "E", "F"] = "D"
    relative_humidity: float = Field(0.7, gt=0, le=1)


@dataclass
class Effect:
    """Physical effect of one unit's loss of containment, on the grid and on the other units.

    ``flux_kw_m2`` / ``overpressure_pa`` / ``concentration_mg_m3`` are flat grid arrays (or
    ``None``); ``arrival_s`` is the plume travel time to each cell; ``*_at_units`` hold the
    effect at every unit's position (the unit itself included).
    """

    outcome: str
    duration_s: float
    flux_kw_m2: np.ndarray | None
    overpressure_pa: np.ndarray | None
    impulse_pa_s: np.ndarray | None
    concentration_mg_m3: np.ndarray | None
    arrival_s: np.ndarray | None
    flux_at_units_kw_m2: np.ndarray
    overpressure_at_units_pa: np.ndarray
    puff: Callable[[float], np.ndarray] | None = None

    def concentration_at(self, age_s: float) -> np.ndarray | None:
        """Gas concentration (mg/m³) at the receptors ``age_s`` after the release began."""
        if self.puff is not None:
            return self.puff(age_s)
        if self.concentration_mg_m3 is None:
            return None
        on = (self.arrival_s <= age_s) & (age_s <= self.arrival_s + self.duration_s)
        return np.where(on, self.concentration_mg_m3, 0.0)


def _shell_points(u: Unit, units: list[Unit]) -> tuple[np.ndarray, np.ndarray]:
    """Point of each other unit's shell nearest to ``u`` (targets of escalation)."""
    ux = np.array([v.x_m for v in units])
    uy = np.array([v.y_m for v in units])
    radius = np.array([v.diameter_m / 2 for v in units])
    d = np.hypot(ux - u.x_m, uy - u.y_m)
    pull = np.where(d > 0, np.minimum(radius, d) / np.where(d > 0, d, 1.0), 0.0)
    return ux - (ux - u.x_m) * pull, uy - (uy - u.y_m) * pull


def _fire_flux(u: Unit, x, y, w: Weather, target_height_m: float = 1.0) -> tuple[np.ndarray, float]:
    sub = get_substance(u.substance)
    hc = sub.heat_of_combustion_J_kg
    if u.outcome == "pool_fire":
        fire = pool_fire(
            u.pool_diameter_m or 1.5 * u.diameter_m,
            mass_burning_rate_inf_kg_m2_s=sub.mass_burning_rate_inf_kg_m2_s,
            k_beta_per_m=sub.k_beta_per_m,
            heat_of_combustion_J_kg=hc,
            wind_speed_m_s=w.wind_speed_m_s,
            vapour_density_kg_m3=sub.vapour_density_at_boiling_point_kg_m3,
            inventory_kg=u.inventory_kg,
        )
        flux = pool_fire_radiation_kw_m2(
            x,
            y,
            fire,
            centre_x_m=u.x_m,
            centre_y_m=u.y_m,
            wind_from_deg=w.wind_from_deg,
            relative_humidity=w.relative_humidity,
            target_height_m=target_height_m,
        )
        return flux, fire.duration_s
    if u.outcome == "jet_fire":
        rate = u.release_rate_kg_s or u.inventory_kg / 600.0
        flux = jet_fire_radiation_kw_m2(
            x,
            y,
            mass_rate_kg_s=rate,
            heat_of_combustion_J_kg=hc,
            radiative_fraction=0.2,
            source_x_m=u.x_m,
            source_y_m=u.y_m,
            release_height_m=u.height_m / 2,
            relative_humidity=w.relative_humidity,
            target_height_m=target_height_m,
        )
        return flux, u.inventory_kg / rate
    fb = bleve_fireball(
        u.inventory_kg * u.fill_fraction / max(u.fill_fraction, 1e-9),
        heat_of_combustion_J_kg=hc,
        vessel_pressure_Pa=u.pressure_Pa,
    )
    flux = fireball_radiation_kw_m2(
        x,
        y,
        fb,
        centre_x_m=u.x_m,
        centre_y_m=u.y_m,
        relative_humidity=w.relative_humidity,
        target_height_m=target_height_m,
    )
    return flux, fb.duration_s


def unit_effect(i: int, units: list[Unit], x: np.ndarray, y: np.ndarray, w: Weather) -> Effect:
    """Effects of unit ``i``'s loss of containment at receptor points ``(x, y)`` and at the units."""
    u = units[i]
    n = len(units)
    none = np.zeros(n)
    if u.outcome in FIRES:
        flux, duration = _fire_flux(u, x, y, w)
        # Escalation targets: each tank's nearest shell point at the height of its mid-shell.
        sx, sy = _shell_points(u, units)
        at_units = np.array(
            [
                float(_fire_flux(u, sx[j : j + 1], sy[j : j + 1], w, units[j].height_m / 2)[0][0])
                for j in range(n)
            ]
        )
        return Effect(u.outcome, duration, flux, None, None, None, None, at_units, none)
    if u.outcome == "vapour_cloud_explosion":
        sub = get_substance(u.substance)
        energy = (u.cloud_mass_kg or 0.1 * u.inventory_kg) * sub.heat_of_combustion_J_kg
        r = np.maximum(np.hypot(x - u.x_m, y - u.y_m), 0.5)
        wave = tno_multi_energy(r, energy, u.blast_strength)
        sx, sy = _shell_points(u, units)
        at = tno_multi_energy(np.maximum(np.hypot(sx - u.x_m, sy - u.y_m), 0.5), energy, u.blast_strength)
        return Effect(
            u.outcome,
            0.0,
            None,
            np.asarray(wave.overpressure_Pa),
            np.asarray(wave.impulse_Pa_s),
            None,
            None,
            none,
            np.asarray(at.overpressure_Pa),
        )
    if u.release_mode == "instantaneous":
        mass = u.inventory_kg

        def puff(age_s: float) -> np.ndarray:
            if age_s <= 0:
                return np.zeros(np.shape(x))
            c = instantaneous_puff_concentration(
                x,
                y,
                age_s,
                mass_kg=mass,
                source_x_m=u.x_m,
                source_y_m=u.y_m,
                release_height_m=u.height_m / 2,
                receptor_height_m=1.5,
                wind_speed_m_s=w.wind_speed_m_s,
                wind_from_deg=w.wind_from_deg,
                stability=w.stability,
            )
            return np.asarray(c) * 1e6

        reach = float(np.max(np.hypot(x - u.x_m, y - u.y_m), initial=0.0))
        duration = 1.5 * reach / w.wind_speed_m_s + 600.0  # until the puff has left the grid
        return Effect(u.outcome, duration, None, None, None, None, None, none, none, puff)
    rate = u.release_rate_kg_s or u.inventory_kg / 1800.0
    conc, downwind = steady_plume_concentration(
        x,
        y,
        source_x_m=u.x_m,
        source_y_m=u.y_m,
        release_height_m=u.height_m / 2,
        receptor_height_m=1.5,
        rate_kg_s=rate,
        wind_speed_m_s=w.wind_speed_m_s,
        wind_from_deg=w.wind_from_deg,
        stability=w.stability,
    )
    arrival = np.where(downwind > 0, downwind / w.wind_speed_m_s, np.inf)
    return Effect(u.outcome, u.inventory_kg / rate, None, None, None, conc * 1e6, arrival, none, none)


def effect_matrices(effects: list[Effect]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(flux I_ij, overpressure P_ij, fire duration_i)`` for domino escalation."""
    flux = np.array([e.flux_at_units_kw_m2 for e in effects])
    over = np.array([e.overpressure_at_units_pa for e in effects])
    np.fill_diagonal(flux, 0.0)
    np.fill_diagonal(over, 0.0)
    durations = np.array([e.duration_s if e.outcome in FIRES else 0.0 for e in effects])
    return flux, over, durations


def unit_codes(units: list[Unit]) -> tuple[np.ndarray, np.ndarray]:
    """Equipment category codes and volumes for :func:`models.chains.domino.simulate_domino`."""
    return (
        np.array([category_code(u.category) for u in units], dtype=np.int64),
        np.array([u.volume_m3 for u in units]),
    )


def lethality(
    effect: Effect, substance: str, *, outdoor_exposure_s: float = 20.0, air_changes_per_h: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Probability of death outdoors and indoors at each receptor for one unit's effect.

    Fires: Eisenberg probit with the exposure capped at ``outdoor_exposure_s`` (people flee)
    outdoors; indoors death only where the building ignites. Explosions: Eisenberg lung
    probit outdoors, the building rule indoors. Toxic releases: the substance's lethality
    probit for the steady plume held for the release duration, indoors through a single-zone
    air exchange.
    A puff's load is integrated over its passage in 10 s steps.
    """
    if effect.flux_kw_m2 is not None:
        flux_w = effect.flux_kw_m2 * 1e3
        t = min(effect.duration_s, outdoor_exposure_s)
        return np.asarray(thermal_lethality(flux_w, t)), np.asarray(indoor_thermal_lethality(flux_w))
    if effect.overpressure_pa is not None:
        p = effect.overpressure_pa
        return np.asarray(overpressure_lethality(p)), np.asarray(indoor_overpressure_lethality(p))
    sub = get_substance(substance)
    probit = sub.lethality_probit()
    factor = mg_m3_to_ppm(1.0, sub.molar_mass_g_mol) if probit.concentration_unit == "ppm" else 1.0
    if effect.puff is not None:
        return _puff_lethality(effect, probit, factor, air_changes_per_h)
    c = effect.concentration_mg_m3 * factor
    t_min = effect.duration_s / 60.0
    lam = air_changes_per_h / 60.0
    load_out = c**probit.n * t_min
    # Indoors: C_in = C (1 - e^{-λt}) during the release, then decays; integrate numerically.
    s = np.linspace(0.0, t_min + 10.0 / lam, 400)
    cin = np.where(s <= t_min, 1 - np.exp(-lam * s), (1 - np.exp(-lam * t_min)) * np.exp(-lam * (s - t_min)))
    weight = np.trapezoid(cin**probit.n, s)
    load_in = c**probit.n * weight
    return np.asarray(probit.probability(load_out)), np.asarray(probit.probability(load_in))


def _puff_lethality(
    effect: Effect, probit: ToxicProbit, factor: float, air_changes_per_h: float, dt_s: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """Lethality of a passing puff: toxic load integrated over its passage, outdoors and indoors."""
    first = effect.concentration_at(dt_s)
    size = first.size
    c_in, load_out, load_in, c_max = (np.zeros(size) for _ in range(4))
    t = dt_s
    while t <= effect.duration_s + dt_s:
        c = np.ascontiguousarray(effect.concentration_at(t), dtype=np.float64).reshape(-1)
        accumulate_toxic_load(
            c,
            c_in,
            load_out,
            load_in,
            c_max,
            dt_s / 60.0,
            air_changes_per_h / 60.0,
            float(probit.n),
            factor,
            _GL_X,
            _GL_W,
        )
        t += dt_s
    shape = np.shape(first)
    return (
        np.asarray(probit.probability(load_out)).reshape(shape),
        np.asarray(probit.probability(load_in)).reshape(shape),
    )
