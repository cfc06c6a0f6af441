"""Scenario configuration models of the crowd evacuation process (``model = "crowd_evacuation"``).

The pydantic models a scenario's crowd table is read into: the geometry (inline rings or a
file, exits with optional door-flow limits, waypoints, stairs), population groups and their
pre-movement time distributions, exit closures, the hazard couplings (flood, toxic gas,
radiant heat, smoke), crush-risk detection, and :class:`CrowdEvacuationConfig` that holds them
all. The process that uses them, and the explanation of the whole model, live in
:mod:`models.crowds.evacuation`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import did_you_mean
from engine.process import ProcessConfig
from engine.scenario import DataFile
from models.crowds.agents import RIMEA_SPEED_GROUPS, GroupParameters
from models.crowds.exposure import CRITICAL_DENSITY_P_M2, DEFAULT_DROWNING_DEPTH_M, WADING_SPEED_KNOTS
from models.crowds.kernels import CsmParameters, SfmParameters
from models.crowds.routing import DEFAULT_WALL_AVOID_DISTANCE_M, IMO_SPECIFIC_FLOW_P_M_S

__all__ = [
    "CrowdEvacuationConfig",
    "CrushSpec",
    "ExitClosureSpec",
    "ExitSpec",
    "FloodCoupling",
    "GasCoupling",
    "GeometrySpec",
    "HeatCoupling",
    "LineSpec",
    "PopulationSpec",
    "PreMovement",
    "SmokeCoupling",
    "StairSpec",
]

Point = tuple[float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- configuration ------------------------------------------------------------------------------


class LineSpec(_Strict):
    """An exit or waypoint: a named segment (crowd frame, metres)."""

    name: str = Field(min_length=1)
    start_m: Point
    end_m: Point


class ExitSpec(LineSpec):
    """An exit, optionally with a door-flow limit (NIST TN 1822 Verif.5.2; IMO uses 1.33)."""

    max_flow_p_per_m_s: float | None = Field(
        None,
        gt=0,
        description="most persons per metre of width per second through it; none = unlimited "
        "(a door nobody may pass is a closed exit: see close_exits)",
    )


class StairSpec(_Strict):
    """A stair: a polygon with plan speed factors up and down (see :class:`models.crowds.geometry.Stair`)."""

    name: str = Field(min_length=1)
    polygon: list[Point] = Field(min_length=3)
    speed_factor_up: float = Field(gt=0, le=1)
    speed_factor_down: float = Field(gt=0, le=1)
    uphill: Point = (0.0, 0.0)


class GeometrySpec(_Strict):
    """``geometry``: a file (``.geojson``/``.json`` with its own exits, or ``.wkt``) or inline rings."""

    file: DataFile | None = Field(None, description="GeoJSON or WKT file, relative to the scenario")
    walkable: list[Point] | None = Field(None, description="exterior ring of the walkable floor")
    holes: list[list[Point]] = Field(default_factory=list, description="obstacle rings")
    exits: list[ExitSpec] = Field(default_factory=list)
    waypoints: list[LineSpec] = Field(default_factory=list)
    stairs: list[StairSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> GeometrySpec:
        if (self.file is None) == (self.walkable is None):
            raise ValueError('give either file = "..." or walkable = [[x, y], ...], not both or neither')
        if self.file is not None and self.file.suffix.lower() in (".geojson", ".json"):
            if self.exits or self.waypoints or self.stairs or self.holes:
                raise ValueError(
                    "a GeoJSON file holds its own exits, waypoints, stairs and obstacles; "
                    "remove them here or use a WKT file"
                )
        return self


class PreMovement(_Strict):
    """Pre-movement (reaction) time distribution, seconds after the process start.

    ``fixed`` (``value_s``), ``uniform`` (``min_s``–``max_s``), ``lognormal`` (``median_s``,
    ``sigma`` of ln t), ``weibull`` (``shape``, ``scale_s``) or ``gamma`` (``shape``,
    ``scale_s``); ``shift_s`` is added, and ``max_s`` (if given) caps the draws.

    Examples
    --------
    >>> pre = PreMovement(distribution="lognormal", median_s=60.0, sigma=0.5)
    >>> t = pre.draw(np.random.default_rng(0), 4000)
    >>> round(float(np.median(t)) / 60.0, 1)
    1.0
    """

    distribution: Literal["fixed", "uniform", "lognormal", "weibull", "gamma"] = "fixed"
    value_s: float = Field(0.0, ge=0)
    min_s: float | None = Field(None, ge=0)
    max_s: float | None = Field(None, ge=0)
    median_s: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, ge=0)
    shape: float | None = Field(None, gt=0)
    scale_s: float | None = Field(None, gt=0)
    shift_s: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _parameters(self) -> PreMovement:
        need = {
            "fixed": (),
            "uniform": ("min_s", "max_s"),
            "lognormal": ("median_s", "sigma"),
            "weibull": ("shape", "scale_s"),
            "gamma": ("shape", "scale_s"),
        }[self.distribution]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.distribution} distribution needs {' and '.join(missing)}")
        if self.distribution == "uniform" and self.max_s < self.min_s:  # type: ignore[operator]
            raise ValueError("max_s must be >= min_s")
        return self

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` pre-movement times in seconds."""
        d = self.distribution
        if d == "fixed":
            t = np.full(n, self.value_s)
        elif d == "uniform":
            t = rng.uniform(self.min_s, self.max_s, n)
        elif d == "lognormal":
            t = self.median_s * np.exp(self.sigma * rng.standard_normal(n))  # type: ignore[operator]
        elif d == "weibull":
            t = self.scale_s * rng.weibull(self.shape, n)  # type: ignore[operator]
        else:
            t = rng.gamma(self.shape, self.scale_s, n)  # type: ignore[arg-type]
        t = t + self.shift_s
        if self.max_s is not None and d != "uniform":
            t = np.minimum(t, self.max_s)
        return t


class PopulationSpec(_Strict):
    """One population group: how many, where, how fast, how soon, where to."""

    name: str = Field(min_length=1)
    count: int | None = Field(None, ge=0, description="number of people")
    density_p_m2: float | None = Field(None, gt=0, le=6, description="people per m² of the area")
    area: list[Point] | None = Field(None, description="polygon they start in; default the whole floor")
    speed_groups: dict[str, float] | None = Field(
        None, description="RiMEA speed groups and their shares (sum 1); default age_30_50 only"
    )
    speed_range_m_s: tuple[float, float] | None = Field(None, description="uniform desired speed instead")
    radius_m: float = Field(0.2, gt=0, le=0.5)
    time_gap_s: float | None = Field(None, gt=0, le=5, description="csm time gap T / sfm τ; model default")
    premovement: PreMovement = PreMovement()
    exit: str | None = Field(None, description='exit or exit group (exit_choice = "fixed")')
    vulnerable: bool = Field(False, description="children or elderly: safe only up to flood class H2")

    @model_validator(mode="after")
    def _consistent(self) -> PopulationSpec:
        if (self.count is None) == (self.density_p_m2 is None):
            raise ValueError("give either count or density_p_m2")
        if self.speed_groups is not None and self.speed_range_m_s is not None:
            raise ValueError("give speed_groups or speed_range_m_s, not both")
        if self.speed_groups is not None:
            for g, share in self.speed_groups.items():
                if g not in RIMEA_SPEED_GROUPS:
                    raise ValueError(
                        f"unknown speed group {g!r}{did_you_mean(g, RIMEA_SPEED_GROUPS)}; "
                        f"groups are {', '.join(RIMEA_SPEED_GROUPS)}"
                    )
                if not share >= 0:
                    raise ValueError(f"share of {g!r} must be >= 0")
            if not math.isclose(sum(self.speed_groups.values()), 1.0, abs_tol=1e-6):
                raise ValueError("speed_groups shares must add up to 1")
        if self.speed_range_m_s is not None:
            lo, hi = self.speed_range_m_s
            if not 0 < lo <= hi <= 10:
                raise ValueError("speed_range_m_s must be [min, max] with 0 < min <= max <= 10")
        return self

    def groups(self) -> list[tuple[float, GroupParameters]]:
        """``(share, GroupParameters)`` of the population's speed groups, with its radius."""
        if self.speed_range_m_s is not None:
            lo, hi = self.speed_range_m_s
            return [(1.0, GroupParameters(speed_min_m_s=lo, speed_max_m_s=hi, radius_m=self.radius_m))]
        mix = self.speed_groups or {"age_30_50": 1.0}
        return [
            (share, RIMEA_SPEED_GROUPS[g].model_copy(update={"radius_m": self.radius_m}))
            for g, share in mix.items()
        ]


class ExitClosureSpec(_Strict):
    """Close ``exit`` on an event (``when``, ``source``), at ``at_s``, or when ``field`` > ``above``."""

    exit: str
    when: str | None = None
    source: str | None = None
    at_s: float | None = Field(None, ge=0)
    field: str | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_trigger(self) -> ExitClosureSpec:
        triggers = [self.when is not None, self.at_s is not None, self.field is not None]
        if sum(triggers) != 1:
            raise ValueError('give exactly one of when = "<event kind>", at_s = ..., field = "..."')
        if (self.field is None) != (self.above is None):
            raise ValueError("field and above go together")
        if self.source is not None and self.when is None:
            raise ValueError("source filters events; it needs when")
        return self


class FloodCoupling(_Strict):
    """Floodwater effects (:mod:`models.crowds.exposure`)."""

    wet_depth_m: float = Field(0.05, ge=0, description="shallower water is ignored")
    drowning_depth_m: float = Field(DEFAULT_DROWNING_DEPTH_M, gt=0)
    flow_speed_penalty: float = Field(0.5, ge=0, le=1, description="speed lost at d·v = 0.6 m²/s")
    wading_speed_knots: list[Point] = Field(default_factory=lambda: [list(k) for k in WADING_SPEED_KNOTS])


class GasCoupling(_Strict):
    """Toxic gas: the substance whose lethality probit applies to ``gas_concentration_mg_m3``.

    Gas kills by the probit; it also incapacitates (the person stops where they stand) when
    ``incapacitation_load`` (in the probit's load units, e.g. ppm² min) or
    ``incapacitation_aegl`` (the 60-minute AEGL-2 or AEGL-3 load of the substance) is given:
    an assumption, off by default (:mod:`models.crowds.exposure`).
    """

    substance: str | None = None
    probit: str | None = Field(None, description="probit key; the substance's default if omitted")
    incapacitation_load: float | None = Field(
        None, gt=0, description="toxic load (probit units, minutes) that incapacitates; none = off"
    )
    incapacitation_aegl: Literal[2, 3] | None = Field(
        None, description="incapacitate at this AEGL level's 60-minute load; none = off"
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> GasCoupling:
        if self.incapacitation_load is not None and self.incapacitation_aegl is not None:
            raise ValueError("give incapacitation_load or incapacitation_aegl, not both")
        return self


class HeatCoupling(_Strict):
    """Radiant heat: the lethality probit (``eisenberg``, ``tsao_perry``, ``tno``, ``lees``)."""

    probit: str = "eisenberg"


class SmokeCoupling(_Strict):
    """Smoke: FED at which a person is incapacitated (1; 0.3 for sensitive people)."""

    incapacitation_fed: float = Field(1.0, gt=0)


class CrushSpec(_Strict):
    """Crush-risk detection (:class:`models.crowds.exposure.CrushMonitor`)."""

    critical_density_p_m2: float = Field(CRITICAL_DENSITY_P_M2, gt=0)
    duration_s: float = Field(5.0, ge=0, description="how long the density must stay above")
    kernel_radius_m: float = Field(1.0, ge=0.3, le=3.0, description="cone kernel base radius")
    place_cell_m: float = Field(5.0, gt=0, description="size of a place (one event per episode)")


class CrowdEvacuationConfig(ProcessConfig):
    """``[[evacuation]] model = "crowd_evacuation"``."""

    model: Literal["crowd_evacuation"] = "crowd_evacuation"
    geometry: GeometrySpec
    origin_x_m: float = Field(0.0, description="engine x of the crowd frame's origin")
    origin_y_m: float = Field(0.0, description="engine y of the crowd frame's origin")
    exit_groups: dict[str, list[str]] = Field(default_factory=dict)
    routing_cell_m: float = Field(0.25, ge=0.02, le=2.0)
    routing_wall_avoid_m: float = Field(
        DEFAULT_WALL_AVOID_DISTANCE_M,
        ge=0.0,
        le=5.0,
        description="routing fields keep this far from walls (0: shortest paths)",
    )
    dynamics: Literal["csm", "sfm"] = "csm"
    csm: CsmParameters = CsmParameters()
    sfm: SfmParameters = SfmParameters()
    populations: list[PopulationSpec] = Field(min_length=1)
    exit_choice: Literal["nearest", "fixed", "congestion_aware"] = "nearest"
    reevaluate_s: float = Field(5.0, gt=0, description="congestion-aware re-evaluation interval")
    switch_margin_s: float = Field(2.0, ge=0)
    specific_flow_p_m_s: float = Field(IMO_SPECIFIC_FLOW_P_M_S, gt=0, description="door capacity per metre")
    kernel_dt_s: float = Field(0.05, ge=0.01, le=0.05, description="pedestrian sub-step")
    trajectory_interval_s: float = Field(1.0, gt=0)
    trajectory_max_agents: int | None = Field(2000, ge=0, description="follow at most this many; None: all")
    density_cell_m: float = Field(1.0, gt=0, description="cell of the fine density table")
    threads: int = Field(1, ge=1, le=256, description="numba threads for the pedestrian kernel")
    close_exits: list[ExitClosureSpec] = Field(default_factory=list)
    flood: FloodCoupling = FloodCoupling()
    gas: GasCoupling = GasCoupling()
    heat: HeatCoupling = HeatCoupling()
    smoke: SmokeCoupling = SmokeCoupling()
    crush: CrushSpec = CrushSpec()
    times_from: str = Field(
        "start",
        min_length=1,
        description='evacuation-time KPIs count from "start" (process start) or the first event of this kind',
    )

    @model_validator(mode="after")
    def _steps(self) -> CrowdEvacuationConfig:
        k = self.kernel_dt_s
        for key, value in (("dt_s", self.dt_s or 1.0), ("trajectory_interval_s", self.trajectory_interval_s)):
            n = value / k
            if n < 1 - 1e-9 or abs(n - round(n)) > 1e-6:
                raise ValueError(f"{key} = {value} must be a whole multiple of kernel_dt_s = {k}")
        return self
