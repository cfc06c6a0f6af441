"""Continuous toxic gas release dispersed as a steady Gaussian plume.

The release starts when the process starts (at ``start_s`` or when a chain
rule fires), lasts ``release.duration_s`` and is carried by a uniform wind.
Air at downwind distance ``x`` sees the steady plume concentration while
``x/u ≤ t − t_release ≤ x/u + duration`` (the plume front and tail travel at
the wind speed) and clean air otherwise. Formulas and coefficients are in
:mod:`models.hazards.dispersion`.

For ensembles, ``weather.wind_from_sd_deg`` and ``weather.wind_speed_cv``
draw each replica's wind from a normal distribution around the given values,
which is what makes casualties uncertain from one replica to the next.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.hazards.dispersion import steady_plume_concentration
from models.substances import get_substance


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Table):
    """Where the gas escapes."""

    x_m: float
    y_m: float
    height_m: float = Field(0.0, ge=0, description="effective release height")


class Release(_Table):
    """How much escapes, for how long."""

    rate_kg_s: float = Field(gt=0, description="mass release rate")
    duration_s: float = Field(gt=0, description="release duration")


class Weather(_Table):
    """Wind and atmospheric stability during the release."""

    wind_speed_m_s: float = Field(ge=0.5, le=30, description="mean wind speed (plume invalid in calms)")
    wind_from_deg: float = Field(ge=0, le=360, description="direction the wind blows from, from north")
    stability: Literal["A", "B", "C", "D", "E", "F"] = "D"
    terrain: Literal["rural", "urban"] = "rural"
    wind_from_sd_deg: float = Field(0.0, ge=0, le=90, description="replica spread of the direction")
    wind_speed_cv: float = Field(0.0, ge=0, le=0.5, description="replica coefficient of variation")


class PlumeConfig(ProcessConfig):
    """``[[hazards]] model = "gaussian_plume"``."""

    model: Literal["gaussian_plume"] = "gaussian_plume"
    substance: str
    source: Source
    release: Release
    weather: Weather
    receptor_height_m: float = Field(1.5, ge=0, description="breathing height")


@register
class GaussianPlume(Process):
    """Toxic gas concentration downwind of a continuous release."""

    model_name = "gaussian_plume"
    family = "hazards"
    Config = PlumeConfig
    writes = (
        FieldSpec(
            "gas_concentration_mg_m3",
            "mg m-3",
            "outdoor gas concentration at breathing height",
            record=True,
        ),
    )
    emits = ("release_started", "release_stopped")
    default_dt_s = 30.0

    @classmethod
    def check(cls, config: PlumeConfig, scenario, key: str) -> None:
        """The substance must be known and the source inside the grid."""
        try:
            get_substance(config.substance)
        except ValueError as exc:
            raise ScenarioError(str(exc), key=f"{key}.substance") from None
        if not scenario.grid_contains(config.source.x_m, config.source.y_m):
            raise ScenarioError(
                f"source ({config.source.x_m}, {config.source.y_m}) lies outside the grid; "
                "move it or enlarge [grid]",
                key=f"{key}.source",
            )

    def start(self, t_s: float) -> None:
        """Draw this replica's wind, compute the steady plume, log the release."""
        cfg: PlumeConfig = self.config  # type: ignore[assignment]
        w = cfg.weather
        self.wind_from_deg = float(
            (w.wind_from_deg + (self.rng.normal(0.0, w.wind_from_sd_deg) if w.wind_from_sd_deg else 0.0))
            % 360.0
        )
        factor = max(0.2, 1.0 + self.rng.normal(0.0, w.wind_speed_cv)) if w.wind_speed_cv else 1.0
        self.wind_speed_m_s = w.wind_speed_m_s * factor
        grid = self.world.grid
        xs, ys = grid.cell_centres()
        conc_kg_m3, downwind_m = steady_plume_concentration(
            xs,
            ys,
            source_x_m=cfg.source.x_m,
            source_y_m=cfg.source.y_m,
            release_height_m=cfg.source.height_m,
            receptor_height_m=cfg.receptor_height_m,
            rate_kg_s=cfg.release.rate_kg_s,
            wind_speed_m_s=self.wind_speed_m_s,
            wind_from_deg=self.wind_from_deg,
            stability=w.stability,
            terrain=w.terrain,
        )
        self.steady_mg_m3 = (conc_kg_m3 * 1e6).reshape(grid.shape)
        self.arrival_s = np.where(downwind_m > 0, downwind_m / self.wind_speed_m_s, np.inf).reshape(
            grid.shape
        )
        self.t_release_s = t_s
        self.release_event = self.emit(
            "release_started",
            x_m=cfg.source.x_m,
            y_m=cfg.source.y_m,
            data={
                "substance": cfg.substance,
                "rate_kg_s": cfg.release.rate_kg_s,
                "duration_s": cfg.release.duration_s,
                "wind_from_deg": self.wind_from_deg,
                "wind_speed_m_s": self.wind_speed_m_s,
                "stability": w.stability,
            },
        )
        self.scheduler.schedule_event(
            "release_stopped",
            at_s=t_s + cfg.release.duration_s,
            source=self.name,
            cause_id=self.release_event,
            x_m=cfg.source.x_m,
            y_m=cfg.source.y_m,
            data={"released_kg": cfg.release.rate_kg_s * cfg.release.duration_s},
        )
        self.cause_id = self.release_event
        self.mark_written("gas_concentration_mg_m3")

    def concentration_at(self, t_s: float) -> np.ndarray:
        """Outdoor concentration field (mg/m³) at time ``t_s``."""
        age = t_s - self.t_release_s
        dur = self.config.release.duration_s  # type: ignore[attr-defined]
        inside = (self.arrival_s <= age) & (age <= self.arrival_s + dur)
        return np.where(inside, self.steady_mg_m3, 0.0)

    def advance(self, t_s: float, dt_s: float) -> None:
        """Write the concentration field for time ``t_s``."""
        self.world.grid.layers["gas_concentration_mg_m3"].data[...] = self.concentration_at(t_s)

    def finish(self, t_s: float) -> None:
        """Keep the steady plume footprint and report the released mass."""
        cfg: PlumeConfig = self.config  # type: ignore[assignment]
        released = cfg.release.rate_kg_s * min(cfg.release.duration_s, t_s - self.t_release_s)
        self.world.report_kpi("released_mass_kg", released, "kg", "mass of gas released")
        self.world.add_map(
            "plume_steady_concentration_mg_m3",
            self.steady_mg_m3,
            "mg m-3",
            "steady plume concentration at breathing height (while the release lasts)",
        )
