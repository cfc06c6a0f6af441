"""Scenario-facing configuration of the ``rescue`` process: bases, teams, weather, landing, fires.

The pydantic models behind ``[[response]] model = "rescue"`` (:class:`RescueConfig` and the
tables it holds), and the vocabularies they use (team kinds, landing-site kinds, the event kinds
that become fire tasks). What each key does in the run is explained in the module text of
:mod:`models.response.rescue`, which holds the process and re-exports these names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.process import ProcessConfig
from models.response.travel import DEFAULT_OFFROAD_SPEED_M_S

__all__ = [
    "FIRE_EVENT_KINDS",
    "HAZUS_TRAPPED_SHARE",
    "LANDING_KINDS",
    "BaseConfig",
    "LandingSiteConfig",
    "OpenGroundConfig",
    "RescueConfig",
    "TeamConfig",
    "TeamKind",
    "WeatherConfig",
]

TeamKind = Literal[
    "fire_rescue", "professional_rescue", "medical", "engineering", "volunteer", "helicopter", "fixed_wing"
]

HAZUS_TRAPPED_SHARE = 0.65
"""Share of occupants of collapsed buildings trapped alive: HAZUS collapse severity 1-3 rates 40+20+5 %."""


class BaseConfig(BaseModel):
    """A base (fire station, airfield): where teams wait."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    x_m: float
    y_m: float
    outside_travel_s: float = Field(
        0.0, ge=0, description="road time from outside the domain to this point, paid on the first trip"
    )


class TeamConfig(BaseModel):
    """``count`` identical teams of one kind at one base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: TeamKind
    base: str = Field(min_length=1)
    count: int = Field(1, ge=1)
    readiness_s: float = Field(0.0, ge=0, description="from the call to leaving the base")
    speed_factor: float = Field(1.0, gt=0, description="ground speed relative to road speeds")
    cruise_speed_m_s: float | None = Field(None, gt=0, description="aircraft cruise speed")
    approach_s: float = Field(0.0, ge=0, description="aircraft approach and landing time")
    capacity: int = Field(1, ge=1, description="parallel crews (rescue) or stretchers (air)")
    shift_s: float | None = Field(None, gt=0, description="shift length; default unlimited")
    max_wind_m_s: float | None = Field(None, gt=0)
    min_visibility_m: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _aircraft_speed(self) -> TeamConfig:
        if self.kind in ("helicopter", "fixed_wing") and self.cruise_speed_m_s is None:
            raise ValueError(f"a {self.kind} team needs cruise_speed_m_s (e.g. 60 m/s)")
        return self


class WeatherConfig(BaseModel):
    """Flying weather during the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wind_m_s: float = Field(0.0, ge=0)
    visibility_m: float = Field(1.0e9, ge=0)


FIRE_EVENT_KINDS = ("building_fire", "pool_fire", "jet_fire", "fireball", "fire")
"""Event kinds that become fire tasks by default."""

LANDING_KINDS = ("helipad", "airstrip")


class LandingSiteConfig(BaseModel):
    """A helipad or airstrip: by coordinates, or a ``[[facilities]]`` entry named by ``facility``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["helipad", "airstrip"] = "helipad"
    facility: str | None = Field(None, min_length=1, description="a [[facilities]] name")
    x_m: float | None = None
    y_m: float | None = None

    @model_validator(mode="after")
    def _where(self) -> LandingSiteConfig:
        if self.facility is not None and (self.x_m is not None or self.y_m is not None):
            raise ValueError(f"landing site {self.name!r}: give either facility or x_m and y_m, not both")
        if self.facility is None and (self.x_m is None or self.y_m is None):
            raise ValueError(f"landing site {self.name!r} needs x_m and y_m, or facility = <a facility name>")
        return self


class OpenGroundConfig(BaseModel):
    """Where a helicopter may put down off a pad (see :func:`open_ground_mask` for the rule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_slope_deg: float = Field(8.0, gt=0, le=90, description="steepest ground slope for a landing")
    min_clear_m: float = Field(15.0, ge=0, description="radius of clear ground around the touchdown")
    max_people_per_cell: float = Field(1.0, ge=0, description="a cell with this many people is built up")


class RescueConfig(ProcessConfig):
    """``[[response]] model = "rescue"``."""

    model: Literal["rescue"] = "rescue"
    network: str = Field("roads", min_length=1, description="road network in world.networks")
    bases: list[BaseConfig] = Field(min_length=1)
    teams: list[TeamConfig] = Field(min_length=1)
    policy: Literal["nearest", "earliest", "max_lives", "fixed"] = "nearest"
    plan: list[int] | None = Field(None, description='task index of each team (policy = "fixed"), -1: stay')
    weather: WeatherConfig = WeatherConfig()
    survival: Literal["golden_72_hours", "earthen_buildings"] = "golden_72_hours"
    trapped_share: float = Field(HAZUS_TRAPPED_SHARE, ge=0, le=1)
    medevac_sites: int = Field(3, ge=0, description="largest sites that also get a medical task")
    medevac_s: float = Field(1800.0, ge=0, description="work time of an air or medical team at a task")
    baseline_extrication_s: float = Field(72 * 3600.0, gt=0, description="no-response rescue time")
    offroad_speed_m_s: float = Field(DEFAULT_OFFROAD_SPEED_M_S, gt=0)
    fire_event_kinds: list[str] = Field(default_factory=lambda: list(FIRE_EVENT_KINDS))
    fire_people_at_risk: float = Field(2.0, ge=0, description="people at risk when a fire event names none")
    fire_death_probability: float = Field(
        0.5, ge=0, le=1, description="share of the people at risk who die if no team reaches the fire"
    )
    fire_work_s: float = Field(3600.0, gt=0, description="a fire team's work at a fire")
    fire_burn_duration_s: float = Field(
        7200.0, gt=0, description="burn duration when a fire event gives no burn_duration_s"
    )
    landing_sites: list[LandingSiteConfig] = Field(default_factory=list)
    open_ground: OpenGroundConfig | None = None
    hoist: bool = Field(False, description="helicopters hoist at the task instead of landing nearby")
    landing_max_water_depth_m: float = Field(
        0.05, ge=0, description="deeper water at a pad or open-ground cell rules out a landing"
    )
