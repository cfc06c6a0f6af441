"""The ``terrain`` process: ground elevation and its derivatives on the scenario grid.

A scenario gets its terrain from a DEM file or from the procedural valley
generator, in a ``[[terrain]]`` entry::

    [[terrain]]
    model = "terrain"
    dem = { file = "valley.asc", format = "esri_ascii" }

    [[terrain]]
    model = "terrain"
    generate = { seed = 1, relief_m = 1200.0 }

At setup, before anything runs, it writes the elevation, slope, aspect,
contributing area and river network (see the ``writes`` table), so every
other process finds them from its own setup on; for a generated valley it also
adds the gorge and the town site as facilities (kinds ``"gorge"`` and
``"town_site"``). It then does nothing more (no time step); at the end it keeps
the elevation, slope and river network as summary maps in the results file.

A DEM of another resolution or extent is interpolated bilinearly onto the
grid (:func:`models.terrain.dem.resample_to_grid`); it must cover the whole
grid, without no-data cells inside it.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from engine.scenario import DataFile
from engine.world import Facility
from models.terrain.analysis import aspect_deg, route_flow, slope_deg
from models.terrain.dem import Dem, read_esri_ascii, read_hdf5_dem, read_npy_dem, resample_to_grid
from models.terrain.valley import MIN_NX, MIN_NY, generate_valley

_SUFFIX_FORMATS = {".asc": "esri_ascii", ".txt": "esri_ascii", ".npy": "npy", ".h5": "hdf5", ".hdf5": "hdf5"}


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemSource(_Table):
    """``dem = {...}``: elevations from a file."""

    file: DataFile = Field(description="DEM file, relative to the scenario file")
    format: Literal["esri_ascii", "npy", "hdf5"] | None = Field(
        None, description="file format; default from the suffix (.asc, .npy, .h5/.hdf5)"
    )
    origin_x_m: float | None = Field(None, description="south-west corner x (npy; overrides hdf5 attrs)")
    origin_y_m: float | None = Field(None, description="south-west corner y (npy; overrides hdf5 attrs)")
    cell_size_m: float | None = Field(None, gt=0, description="cell side (npy; overrides hdf5 attrs)")
    dataset: str = Field("elevation", min_length=1, description="HDF5 dataset name")
    north_first: bool = Field(False, description="npy: row 0 is the northern row")
    nodata_value: float | None = Field(None, description="npy: value marking cells without data")

    @model_validator(mode="after")
    def _geometry(self) -> DemSource:
        fmt = self.resolved_format
        geo = (self.origin_x_m, self.origin_y_m, self.cell_size_m)
        if fmt is None:
            raise ValueError(
                f"cannot tell the format of {self.file.name} from its suffix; "
                'add format = "esri_ascii", "npy" or "hdf5"'
            )
        if fmt == "npy" and any(v is None for v in geo):
            raise ValueError("a .npy DEM needs origin_x_m, origin_y_m and cell_size_m")
        if fmt == "esri_ascii" and any(v is not None for v in geo):
            raise ValueError("an ESRI ASCII DEM takes its origin and cell size from its header; remove them")
        if fmt != "npy" and (self.north_first or self.nodata_value is not None):
            raise ValueError("north_first and nodata_value apply to .npy DEMs only")
        return self

    @property
    def resolved_format(self) -> str | None:
        """The format given, or guessed from the file's suffix."""
        return self.format or _SUFFIX_FORMATS.get(self.file.suffix.lower())

    def read(self) -> Dem:
        """Read the DEM (``ValueError`` naming the file if it is unusable)."""
        fmt = self.resolved_format
        if fmt == "esri_ascii":
            return read_esri_ascii(self.file)
        if fmt == "npy":
            return read_npy_dem(
                self.file,
                self.origin_x_m,  # type: ignore[arg-type]
                self.origin_y_m,  # type: ignore[arg-type]
                self.cell_size_m,  # type: ignore[arg-type]
                north_first=self.north_first,
                nodata_value=self.nodata_value,
            )
        return read_hdf5_dem(
            self.file,
            self.dataset,
            origin_x_m=self.origin_x_m,
            origin_y_m=self.origin_y_m,
            cell_size_m=self.cell_size_m,
        )


class GenerateSource(_Table):
    """``generate = {...}``: a procedural valley (see :func:`models.terrain.valley.generate_valley`)."""

    seed: int = Field(ge=0, description="seed of the valley (the same in every replica)")
    relief_m: float | None = Field(None, gt=0, le=5000, description="ridge height above the valley floor")
    base_elevation_m: float = Field(300.0, description="river bed elevation at the downstream (east) edge")
    river_gradient_m_per_m: float = Field(0.008, gt=0, le=0.2, description="mean river bed gradient")
    valley_floor_width_m: float | None = Field(None, gt=0, description="valley floor width")
    gorge_width_m: float | None = Field(None, gt=0, description="valley floor width at the gorge")
    channel_width_m: float = Field(20.0, gt=0, description="river channel width")
    channel_depth_m: float = Field(4.0, gt=0, description="river channel depth below its banks")
    roughness_m: float | None = Field(None, ge=0, description="fractal roughness at full wall height")
    hurst: float = Field(0.8, gt=0, lt=1, description="Hurst exponent of the roughness")


class TerrainConfig(ProcessConfig):
    """``[[terrain]] model = "terrain"``."""

    model: Literal["terrain"] = "terrain"
    dem: DemSource | None = Field(None, description="read the elevation from a DEM file")
    generate: GenerateSource | None = Field(None, description="generate a mountain valley")
    river_threshold_m2: float = Field(
        1.0e6, gt=0, description="contributing area from which a cell counts as river"
    )

    @model_validator(mode="after")
    def _one_source(self) -> TerrainConfig:
        if (self.dem is None) == (self.generate is None):
            raise ValueError('give exactly one of dem = { file = "..." } or generate = { seed = ... }')
        return self


def _grid_kwargs(grid: Any) -> dict[str, Any]:
    return {
        "origin_x_m": grid.origin_x_m,
        "origin_y_m": grid.origin_y_m,
        "cell_size_m": grid.cell_size_m,
        "nx": grid.nx,
        "ny": grid.ny,
    }


def dem_on_grid(source: DemSource, grid: Any) -> np.ndarray:
    """Read a DEM and fit it to ``grid``; ``ValueError`` naming the file if it cannot be used."""
    dem = source.read()
    z = resample_to_grid(dem, **_grid_kwargs(grid))
    bad = int(np.sum(~np.isfinite(z)))
    if bad:
        raise ValueError(
            f"{dem.source}: {bad} grid cells fall on no-data cells of the DEM; "
            "fill the gaps or use a grid inside the covered area"
        )
    return z


def generate_on_grid(source: GenerateSource, grid: Any) -> dict[str, np.ndarray]:
    """Generate the valley on ``grid`` from the configured parameters."""
    return generate_valley(
        grid.nx,
        grid.ny,
        grid.cell_size_m,
        origin_x_m=grid.origin_x_m,
        origin_y_m=grid.origin_y_m,
        **source.model_dump(),
    )


@register
class Terrain(Process):
    """Ground elevation, slope, aspect, drainage area and rivers, set once before the run."""

    model_name = "terrain"
    family = "terrain"
    Config = TerrainConfig
    writes = (
        FieldSpec("terrain_m", "m", "ground elevation above the datum"),
        FieldSpec("slope_deg", "degree", "ground slope (Horn 1981)"),
        FieldSpec("aspect_deg", "degree", "direction the slope faces, clockwise from north; NaN where flat"),
        FieldSpec(
            "flow_accumulation_m2",
            "m2",
            "area draining through the cell, itself included (D8 on the depression-filled surface)",
        ),
        FieldSpec("river_mask", "1", "1 where the contributing area reaches river_threshold_m2, else 0"),
    )
    default_dt_s = None  # acts once

    #: Names of the facilities a generated valley adds.
    FACILITY_NAMES = ("gorge", "town_site")

    @classmethod
    def check(cls, config: TerrainConfig, scenario: Any, key: str) -> None:
        """The DEM must be readable and cover the grid; a generated valley must fit the grid."""
        if config.dem is not None:
            try:
                dem_on_grid(config.dem, scenario.grid)
            except ValueError as exc:
                raise ScenarioError(str(exc), key=f"{key}.dem.file") from None
            return
        g = scenario.grid
        if g.nx < MIN_NX or g.ny < MIN_NY:
            raise ScenarioError(
                f"the generated valley needs a grid of at least {MIN_NX} × {MIN_NY} cells, "
                f"the grid is {g.nx} × {g.ny}; enlarge [grid] or use a DEM",
                key=f"{key}.generate",
            )
        taken = [f.name for f in scenario.facilities if f.name in cls.FACILITY_NAMES]
        if taken:
            raise ScenarioError(
                f'the generated valley adds facilities named "gorge" and "town_site", but [[facilities]] '
                f'already has "{taken[0]}"; rename it',
                key=f"{key}.generate",
            )
        try:
            # Parameter ranges that depend on the grid (widths, relief against wall room).
            generate_valley(
                g.nx,
                g.ny,
                g.cell_size_m,
                **{**config.generate.model_dump(), "roughness_m": 0.0},  # type: ignore[union-attr]
            )
        except ValueError as exc:
            raise ScenarioError(str(exc), key=f"{key}.generate") from None

    def setup(self) -> None:
        """Compute every field (and, for a generated valley, the facilities)."""
        super().setup()
        cfg: TerrainConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        if cfg.dem is not None:
            z = dem_on_grid(cfg.dem, grid)
        else:
            valley = generate_on_grid(cfg.generate, grid)  # type: ignore[arg-type]
            z = valley["terrain_m"]
            self._add_facilities(valley)
        drainage = route_flow(z, grid.cell_size_m)
        layers = grid.layers
        layers["terrain_m"].data[...] = z
        layers["slope_deg"].data[...] = slope_deg(z, grid.cell_size_m)
        layers["aspect_deg"].data[...] = aspect_deg(z, grid.cell_size_m)
        layers["flow_accumulation_m2"].data[...] = drainage.accumulation_m2
        layers["river_mask"].data[...] = drainage.river_mask(cfg.river_threshold_m2)

    def _add_facilities(self, valley: dict[str, np.ndarray]) -> None:
        cell_area = self.world.grid.cell_area_m2
        gx, gy = (float(v) for v in valley["gorge_xy_m"])
        ix = self.world.grid.index_of(gx, gy)[1]
        self.world.facilities["gorge"] = Facility(
            "gorge",
            "gorge",
            gx,
            gy,
            {
                "floor_width_m": float(2.0 * valley["valley_floor_half_width_m"][ix]),
                "river_bed_m": float(valley["river_bed_m"][ix]),
            },
        )
        tx, ty = (float(v) for v in valley["town_centre_xy_m"])
        poly = valley["town_polygon_xy_m"]
        self.world.facilities["town_site"] = Facility(
            "town_site",
            "town_site",
            tx,
            ty,
            {
                "polygon_x_m": [float(v) for v in poly[:, 0]],
                "polygon_y_m": [float(v) for v in poly[:, 1]],
                "area_m2": float(valley["town_mask"].sum() * cell_area),
            },
        )

    def start(self, t_s: float) -> None:
        """Attribute the fields to what started the process (the scenario)."""
        for spec in self.writes:
            self.mark_written(spec.name)

    def finish(self, t_s: float) -> None:
        """Keep the static fields as summary maps and report the relief."""
        layers = self.world.grid.layers
        for name in ("terrain_m", "slope_deg", "river_mask"):
            layer = layers[name]
            self.world.add_map(name, layer.data, layer.units, layer.description)
        z = layers["terrain_m"].data
        self.world.report_kpi(
            "terrain_relief_m", float(z.max() - z.min()), "m", "highest minus lowest ground"
        )
