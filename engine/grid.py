"""Regular raster grid with named, unit-carrying layers.

The grid is the shared state through which processes meet (Landlab's idea):
a hazard writes ``gas_concentration_mg_m3`` and an impact model reads it,
neither importing the other. Cell ``(j, i)`` covers
``[x0 + i·dx, x0 + (i+1)·dx) × [y0 + j·dx, y0 + (j+1)·dx)``; rows go north
(increasing ``y``), columns east, so arrays are ``(ny, nx)`` and line up with
xarray's ``(y, x)`` dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Layer:
    """One named field on the grid.

    Attributes
    ----------
    name
        Field name, with its unit in the name where ambiguous (``water_depth_m``).
    data
        ``(ny, nx)`` float64 array, C-contiguous, written in place by processes.
    units
        UDUNITS-style unit string (``"m"``, ``"mg m-3"``, ``"1"``).
    description
        One line saying what the field is.
    writer
        Name of the process that last declared it writes this layer.
    cause_event_id
        Id of the event that caused the field's current content (``-1`` if none),
        so a model reacting to the field can record the right cause.
    contours
        Threshold levels worth drawing as contour lines (effect zones, risk contours).
    """

    name: str
    data: np.ndarray
    units: str
    description: str = ""
    writer: str = ""
    cause_event_id: int = -1
    contours: tuple[float, ...] = ()


@dataclass
class Grid:
    """A regular grid of square cells, coordinates in metres.

    Parameters
    ----------
    origin_x_m, origin_y_m
        Lower-left (south-west) corner of the grid.
    cell_size_m
        Side of a square cell.
    nx, ny
        Number of columns (east) and rows (north).

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 10.0, nx=4, ny=3)
    >>> g.x_m
    array([ 5., 15., 25., 35.])
    >>> g.index_of(12.0, 29.0)
    (2, 1)
    """

    origin_x_m: float
    origin_y_m: float
    cell_size_m: float
    nx: int
    ny: int
    layers: dict[str, Layer] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """Array shape ``(ny, nx)``."""
        return (self.ny, self.nx)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell."""
        return self.cell_size_m * self.cell_size_m

    @property
    def x_m(self) -> np.ndarray:
        """Cell-centre x coordinates, shape ``(nx,)``."""
        return self.origin_x_m + (np.arange(self.nx) + 0.5) * self.cell_size_m

    @property
    def y_m(self) -> np.ndarray:
        """Cell-centre y coordinates, shape ``(ny,)``."""
        return self.origin_y_m + (np.arange(self.ny) + 0.5) * self.cell_size_m

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` of the grid's outer edges."""
        return (
            self.origin_x_m,
            self.origin_x_m + self.nx * self.cell_size_m,
            self.origin_y_m,
            self.origin_y_m + self.ny * self.cell_size_m,
        )

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return flattened cell-centre coordinates ``(x, y)``, each ``(ny*nx,)``."""
        xx, yy = np.meshgrid(self.x_m, self.y_m)
        return np.ascontiguousarray(xx.ravel()), np.ascontiguousarray(yy.ravel())

    def contains(self, x_m: float, y_m: float) -> bool:
        """Whether a point lies inside the grid's extent."""
        x0, x1, y0, y1 = self.extent_m
        return x0 <= x_m < x1 and y0 <= y_m < y1

    def index_of(self, x_m: float, y_m: float) -> tuple[int, int]:
        """Return ``(row, col)`` of the cell containing a point; ValueError outside."""
        if not self.contains(x_m, y_m):
            raise ValueError(f"point ({x_m}, {y_m}) lies outside the grid {self.extent_m}")
        col = int((x_m - self.origin_x_m) // self.cell_size_m)
        row = int((y_m - self.origin_y_m) // self.cell_size_m)
        return row, col

    def add_layer(
        self,
        name: str,
        units: str,
        description: str = "",
        *,
        fill: float = 0.0,
        data: np.ndarray | None = None,
        writer: str = "",
    ) -> Layer:
        """Create (or return the existing) layer ``name``.

        An existing layer keeps its data; a unit clash is an error because two
        processes would then disagree on what the numbers mean.
        """
        if name in self.layers:
            layer = self.layers[name]
            if layer.units != units:
                raise ValueError(f"layer {name!r} already has units {layer.units!r}, not {units!r}")
            if data is not None:
                layer.data[...] = data
            return layer
        if data is None:
            arr = np.full(self.shape, fill, dtype=np.float64)
        else:
            arr = np.ascontiguousarray(data, dtype=np.float64)
            if arr.shape != self.shape:
                raise ValueError(f"layer {name!r} has shape {arr.shape}, the grid is {self.shape}")
        layer = Layer(name, arr, units, description, writer)
        self.layers[name] = layer
        return layer

    def layer(self, name: str) -> Layer:
        """Return layer ``name``; KeyError listing the layers that exist."""
        try:
            return self.layers[name]
        except KeyError:
            raise KeyError(f"no grid layer {name!r}; layers are {sorted(self.layers)}") from None
