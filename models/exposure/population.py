"""Residential population on the grid, from districts or a raster file.

Writes the number of people per cell and the share of them indoors, the two
fields impact models need to turn a hazard field into casualties.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from engine.scenario import DataFile


class Rectangle(BaseModel):
    """A named axis-aligned rectangle of the grid (districts of people, buildings, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    x_min_m: float
    x_max_m: float
    y_min_m: float
    y_max_m: float

    @model_validator(mode="after")
    def _rectangle(self) -> Rectangle:
        if not (self.x_max_m > self.x_min_m and self.y_max_m > self.y_min_m):
            raise ValueError("expected x_max_m > x_min_m and y_max_m > y_min_m")
        return self


class District(Rectangle):
    """A rectangle of uniform population density."""

    people: float | None = Field(None, ge=0, description="people in the district")
    density_per_km2: float | None = Field(None, ge=0, description="people per km²")

    @model_validator(mode="after")
    def _one_of(self) -> District:
        if (self.people is None) == (self.density_per_km2 is None):
            raise ValueError("give exactly one of people or density_per_km2")
        return self


class PopulationConfig(ProcessConfig):
    """``[[exposure]] model = "population_grid"``."""

    model: Literal["population_grid"] = "population_grid"
    districts: list[District] = Field(default_factory=list)
    file: DataFile | None = Field(None, description=".npy raster of people per cell, (ny, nx)")
    indoor_fraction: float = Field(0.8, ge=0, le=1, description="share of people indoors")

    @model_validator(mode="after")
    def _some_people(self) -> PopulationConfig:
        if not self.districts and self.file is None:
            raise ValueError('give districts = [...] or file = "people.npy" (or both)')
        return self


def rasterise_districts(
    districts: list[District], x_m: np.ndarray, y_m: np.ndarray, cell_size_m: float
) -> np.ndarray:
    """Whole people per cell from rectangular districts (cells whose centre lies inside).

    A district given by ``people`` spreads them evenly over its cells; one given
    by density gets ``density × cell area`` per cell. Each district's total is
    rounded once and handed out in whole people by largest remainder (ties to
    the lower cell index), so no district gains or loses people to rounding.

    Examples
    --------
    >>> d = District(x_min_m=0, x_max_m=30, y_min_m=0, y_max_m=10, people=100)
    >>> rasterise_districts([d], np.array([5.0, 15.0, 25.0, 35.0]), np.array([5.0]), 10.0)
    array([[34., 33., 33.,  0.]])
    """
    out = np.zeros((y_m.size, x_m.size))
    for d in districts:
        cols = (x_m >= d.x_min_m) & (x_m < d.x_max_m)
        rows = (y_m >= d.y_min_m) & (y_m < d.y_max_m)
        mask = np.outer(rows, cols)
        n = int(mask.sum())
        if n == 0:
            continue
        share = d.people / n if d.people is not None else d.density_per_km2 * cell_size_m**2 / 1e6
        total = round(share * n)
        whole = np.full(n, np.floor(share))
        extra = total - int(whole.sum())
        order = np.argsort(-(share - np.floor(share)) * np.ones(n), kind="stable")
        whole[order[:extra]] += 1.0
        out[mask] += whole
    return out


@register
class PopulationGrid(Process):
    """People per cell, and the share indoors, at the start of the run."""

    model_name = "population_grid"
    family = "exposure"
    Config = PopulationConfig
    writes = (
        FieldSpec("population", "1", "people per cell"),
        FieldSpec("indoor_fraction", "1", "share of the people in a cell who are indoors"),
    )
    default_dt_s = None  # acts once, at the start

    @classmethod
    def check(cls, config: PopulationConfig, scenario, key: str) -> None:
        """Every district must overlap the grid, and a raster must match its shape."""
        for i, d in enumerate(config.districts):
            g = scenario.grid
            x1 = g.origin_x_m + g.nx * g.cell_size_m
            y1 = g.origin_y_m + g.ny * g.cell_size_m
            if d.x_max_m <= g.origin_x_m or d.x_min_m >= x1 or d.y_max_m <= g.origin_y_m or (d.y_min_m >= y1):
                raise ScenarioError(
                    "district lies entirely outside the grid; move it or enlarge [grid]",
                    key=f"{key}.districts[{i}]",
                )
        if config.file is not None:
            arr = np.load(config.file, mmap_mode="r", allow_pickle=False)
            shape = (scenario.grid.ny, scenario.grid.nx)
            if arr.shape != shape:
                raise ScenarioError(
                    f"{config.file.name} has shape {arr.shape} but the grid is (ny, nx) = {shape}",
                    key=f"{key}.file",
                )

    def start(self, t_s: float) -> None:
        """Fill the population fields."""
        grid = self.world.grid
        cfg: PopulationConfig = self.config  # type: ignore[assignment]
        people = rasterise_districts(cfg.districts, grid.x_m, grid.y_m, grid.cell_size_m)
        if cfg.file is not None:
            people += np.round(np.load(cfg.file, allow_pickle=False))  # whole people per cell
        grid.layers["population"].data[...] = people
        grid.layers["indoor_fraction"].data[...] = cfg.indoor_fraction
        self.mark_written("population")

    def finish(self, t_s: float) -> None:
        """Report the population and keep its map."""
        pop = self.world.grid.layers["population"].data
        self.world.report_kpi("population", pop.sum(), "people", "people in the scenario area")
        self.world.add_map("population", pop, "1", "people per cell")
