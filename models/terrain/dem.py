"""Digital elevation models: read, write and fit them to the scenario grid.

Three on-disk forms are read:

* **ESRI ASCII grid** (``.asc``), the lowest common denominator of GIS
  exports: a header of ``ncols``, ``nrows``, ``xllcorner``/``xllcenter``,
  ``yllcorner``/``yllcenter``, ``cellsize`` and an optional
  ``NODATA_value``, then ``nrows`` rows of numbers, **north row first**.
* a plain **NumPy** array (``.npy``) with the origin and cell size given
  alongside (they are not in the file);
* an **HDF5** dataset (``elevation`` by default) whose attributes
  ``origin_x_m``, ``origin_y_m`` and ``cell_size_m`` locate it.

Whatever the source, a :class:`Dem` holds its elevations in the engine's
convention (:mod:`engine.grid`): shape ``(ny, nx)``, **row 0 is the southern
row**, ``origin`` is the south-west corner of the south-west cell, and cells
without data are ``NaN``. :func:`resample_to_grid` then interpolates a DEM of
another resolution or extent bilinearly onto the scenario grid.

Every reader raises :class:`ValueError` naming the file and what is wrong with
it, so the terrain process can turn it into a one-line scenario error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.grid import Grid

#: Header keys of an ESRI ASCII grid (lower case).
_ESRI_KEYS = (
    "ncols",
    "nrows",
    "xllcorner",
    "xllcenter",
    "yllcorner",
    "yllcenter",
    "cellsize",
    "nodata_value",
)


@dataclass(frozen=True)
class Dem:
    """A regular elevation raster in the engine's south-first layout.

    Attributes
    ----------
    elevation_m
        ``(ny, nx)`` float64 elevations; row 0 is the southern row; ``NaN`` where
        the source had no data.
    origin_x_m, origin_y_m
        South-west corner of the south-west cell.
    cell_size_m
        Side of a square cell.
    source
        Where the DEM came from (a file name), for error messages.

    Examples
    --------
    >>> dem = Dem(np.array([[1.0, 2.0], [3.0, 4.0]]), 100.0, 200.0, 10.0)
    >>> dem.extent_m
    (100.0, 120.0, 200.0, 220.0)
    >>> dem.y_m  # cell centres, south to north
    array([205., 215.])
    """

    elevation_m: np.ndarray
    origin_x_m: float
    origin_y_m: float
    cell_size_m: float
    source: str = "<array>"

    def __post_init__(self) -> None:
        z = np.ascontiguousarray(self.elevation_m, dtype=np.float64)
        if z.ndim != 2 or z.size == 0:
            raise ValueError(f"{self.source}: expected a non-empty 2-D elevation array, got shape {z.shape}")
        if not (np.isfinite(self.cell_size_m) and self.cell_size_m > 0):
            raise ValueError(f"{self.source}: cell size must be a positive number, got {self.cell_size_m}")
        if not (np.isfinite(self.origin_x_m) and np.isfinite(self.origin_y_m)):
            raise ValueError(
                f"{self.source}: origin must be finite, got ({self.origin_x_m}, {self.origin_y_m})"
            )
        object.__setattr__(self, "elevation_m", z)

    @property
    def ny(self) -> int:
        """Number of rows (south to north)."""
        return int(self.elevation_m.shape[0])

    @property
    def nx(self) -> int:
        """Number of columns (west to east)."""
        return int(self.elevation_m.shape[1])

    @property
    def geometry(self) -> Grid:
        """The DEM's raster as an (empty) :class:`engine.grid.Grid`: one place for coordinates."""
        return Grid(self.origin_x_m, self.origin_y_m, self.cell_size_m, self.nx, self.ny)

    @property
    def x_m(self) -> np.ndarray:
        """Cell-centre x coordinates, shape ``(nx,)``."""
        return self.geometry.x_m

    @property
    def y_m(self) -> np.ndarray:
        """Cell-centre y coordinates, shape ``(ny,)``, south to north."""
        return self.geometry.y_m

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` of the outer cell edges."""
        return self.geometry.extent_m


# ---------------------------------------------------------------------------
# ESRI ASCII grid
# ---------------------------------------------------------------------------


def _parse_esri_header(lines: list[str], name: str) -> tuple[dict[str, float], int]:
    """Read header ``key value`` lines; return the values and the number of header lines."""
    header: dict[str, float] = {}
    n = 0
    for line in lines:
        parts = line.split()
        if not parts:
            n += 1
            continue
        key = parts[0].lower()
        if key[0].isdigit() or key[0] in "+-.":
            break  # first data row
        if key not in _ESRI_KEYS:
            raise ValueError(
                f"{name}: unknown ESRI ASCII header key {parts[0]!r} on line {n + 1}; "
                "expected ncols, nrows, xllcorner/xllcenter, yllcorner/yllcenter, cellsize, NODATA_value"
                + (" (non-square dx/dy cells are not supported)" if key in ("dx", "dy") else "")
            )
        if len(parts) != 2:
            raise ValueError(f"{name}: header line {n + 1} should be 'key value', got {line.strip()!r}")
        if key in header:
            raise ValueError(f"{name}: header key {parts[0]!r} is given twice")
        try:
            header[key] = float(parts[1])
        except ValueError:
            raise ValueError(f"{name}: header {parts[0]} = {parts[1]!r} is not a number") from None
        n += 1
    for key in ("ncols", "nrows", "cellsize"):
        if key not in header:
            raise ValueError(f"{name}: the ESRI ASCII header has no {key}")
    for axis in ("x", "y"):
        given = [k for k in (f"{axis}llcorner", f"{axis}llcenter") if k in header]
        if len(given) != 1:
            raise ValueError(
                f"{name}: the header needs exactly one of {axis}llcorner or {axis}llcenter, "
                f"got {given or 'none'}"
            )
    for key in ("ncols", "nrows"):
        if header[key] < 1 or header[key] != int(header[key]):
            raise ValueError(f"{name}: {key} must be a positive whole number, got {header[key]}")
    if not header["cellsize"] > 0:
        raise ValueError(f"{name}: cellsize must be > 0, got {header['cellsize']}")
    return header, n


def read_esri_ascii(path: str | Path) -> Dem:
    r"""Read an ESRI ASCII grid (``.asc``) into a south-first :class:`Dem`.

    Parameters
    ----------
    path
        The file. Header keys are case-insensitive; ``xllcenter``/``yllcenter``
        (centre of the lower-left cell) are converted to the corner;
        ``NODATA_value`` cells become ``NaN``.

    Returns
    -------
    Dem
        Rows flipped from the file's north-first order to the engine's
        south-first order.

    Raises
    ------
    ValueError
        Naming the file: a missing or unknown header key, a value that is not
        a number, or a number of values different from ``nrows × ncols``.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 10\n1 2\n3 4\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "z.asc")
    ...     _ = open(p, "w").write(text)
    ...     read_esri_ascii(p).elevation_m  # the north row "1 2" becomes row 1
    array([[3., 4.],
           [1., 2.]])
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="ascii", errors="strict")
    except FileNotFoundError:
        raise ValueError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{p}: cannot read as an ESRI ASCII grid ({exc})") from None
    lines = text.splitlines()
    header, n_header = _parse_esri_header(lines, p.name)
    ncols, nrows = int(header["ncols"]), int(header["nrows"])
    try:
        values = np.array(" ".join(lines[n_header:]).split(), dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"{p.name}: the data rows hold something that is not a number ({exc})") from None
    if values.size != ncols * nrows:
        raise ValueError(
            f"{p.name}: the header says {nrows} rows × {ncols} columns = {nrows * ncols} values "
            f"but the file holds {values.size}"
        )
    z = values.reshape(nrows, ncols)[::-1].copy()  # north-first → south-first
    if "nodata_value" in header:
        z[z == header["nodata_value"]] = np.nan
    cell = header["cellsize"]
    x0 = header["xllcorner"] if "xllcorner" in header else header["xllcenter"] - 0.5 * cell
    y0 = header["yllcorner"] if "yllcorner" in header else header["yllcenter"] - 0.5 * cell
    return Dem(z, float(x0), float(y0), float(cell), source=p.name)


def write_esri_ascii(
    path: str | Path, dem: Dem, *, nodata_value: float = -9999.0, fmt: str = "%.17g"
) -> None:
    """Write a :class:`Dem` as an ESRI ASCII grid (corner header, north row first).

    Parameters
    ----------
    path
        Output file.
    dem
        The DEM; its ``NaN`` cells are written as ``nodata_value``.
    nodata_value
        Marker for cells without data (must not occur among real elevations).
    fmt
        ``printf`` format of each value; the default round-trips float64 exactly.

    Examples
    --------
    >>> import tempfile, os
    >>> dem = Dem(np.array([[1.5, np.nan]]), 0.0, 0.0, 25.0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_esri_ascii(os.path.join(d, "z.asc"), dem)
    ...     read_esri_ascii(os.path.join(d, "z.asc")).elevation_m
    array([[1.5, nan]])
    """
    z = dem.elevation_m
    if np.any(z == nodata_value):
        raise ValueError(
            f"{dem.source}: nodata_value {nodata_value} occurs among the elevations; choose another"
        )
    out = np.where(np.isnan(z), nodata_value, z)[::-1]
    header = (
        f"ncols {dem.nx}\nnrows {dem.ny}\nxllcorner {dem.origin_x_m!r}\nyllcorner {dem.origin_y_m!r}\n"
        f"cellsize {dem.cell_size_m!r}\nNODATA_value {nodata_value!r}"
    )
    np.savetxt(Path(path), out, fmt=fmt, header=header, comments="")


# ---------------------------------------------------------------------------
# NumPy and HDF5 arrays
# ---------------------------------------------------------------------------


def _from_array(
    z: np.ndarray,
    name: str,
    origin_x_m: float,
    origin_y_m: float,
    cell_size_m: float,
    north_first: bool,
    nodata_value: float | None,
) -> Dem:
    if z.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D elevation array (ny, nx), got shape {z.shape}")
    if not (np.issubdtype(z.dtype, np.floating) or np.issubdtype(z.dtype, np.integer)):
        raise ValueError(f"{name}: expected numbers, got dtype {z.dtype}")
    arr = np.array(z, dtype=np.float64)
    if north_first:
        arr = arr[::-1].copy()
    if nodata_value is not None:
        arr[arr == nodata_value] = np.nan
    arr[~np.isfinite(arr)] = np.nan
    try:
        return Dem(arr, float(origin_x_m), float(origin_y_m), float(cell_size_m), source=name)
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc) if name in str(exc) else f"{name}: {exc}") from None


def read_npy_dem(
    path: str | Path,
    origin_x_m: float,
    origin_y_m: float,
    cell_size_m: float,
    *,
    north_first: bool = False,
    nodata_value: float | None = None,
) -> Dem:
    """Read a ``.npy`` elevation array whose geometry is given by the caller.

    Parameters
    ----------
    path
        A ``.npy`` file holding a 2-D numeric array.
    origin_x_m, origin_y_m
        South-west corner of the south-west cell.
    cell_size_m
        Side of a square cell.
    north_first
        ``False`` (default): row 0 is the southern row, as in the engine and its
        ``[[layers]]`` files. ``True``: row 0 is the northern row, as in images
        and most GIS exports.
    nodata_value
        Value marking cells without data (``NaN`` and infinities always do).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     np.save(os.path.join(d, "z.npy"), np.arange(6.0).reshape(2, 3))
    ...     dem = read_npy_dem(os.path.join(d, "z.npy"), 500.0, 0.0, 30.0)
    >>> dem.extent_m
    (500.0, 590.0, 0.0, 60.0)
    """
    p = Path(path)
    try:
        z = np.load(p, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"{p}: file not found") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{p.name}: cannot read as a .npy array ({exc})") from None
    return _from_array(z, p.name, origin_x_m, origin_y_m, cell_size_m, north_first, nodata_value)


#: Attributes an HDF5 elevation dataset (or its file) must carry.
HDF5_ATTRS = ("origin_x_m", "origin_y_m", "cell_size_m")


def read_hdf5_dem(
    path: str | Path,
    dataset: str = "elevation",
    *,
    origin_x_m: float | None = None,
    origin_y_m: float | None = None,
    cell_size_m: float | None = None,
) -> Dem:
    """Read an elevation dataset from an HDF5 file.

    The geometry comes from the dataset's attributes ``origin_x_m``,
    ``origin_y_m``, ``cell_size_m`` (or the file's root attributes), unless
    given as arguments. Optional attributes: ``north_first`` (bool, default
    false) and ``nodata_value``.

    Examples
    --------
    >>> import tempfile, os, h5py
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "dem.h5")
    ...     write_hdf5_dem(p, Dem(np.ones((2, 3)), 0.0, 0.0, 5.0))
    ...     read_hdf5_dem(p).cell_size_m
    5.0
    """
    import h5py

    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{p}: file not found")
    try:
        with h5py.File(p, "r") as f:
            if dataset not in f or not isinstance(f[dataset], h5py.Dataset):
                found = [k for k in f if isinstance(f[k], h5py.Dataset)]
                raise ValueError(
                    f"{p.name}: has no dataset {dataset!r}; datasets at the top level are {found or 'none'}"
                )
            ds = f[dataset]
            z = ds[()]
            attrs = {**dict(f.attrs), **dict(ds.attrs)}
    except OSError as exc:
        raise ValueError(f"{p.name}: cannot read as HDF5 ({exc})") from None
    given = {"origin_x_m": origin_x_m, "origin_y_m": origin_y_m, "cell_size_m": cell_size_m}
    geo: dict[str, float] = {}
    for key in HDF5_ATTRS:
        value = given[key] if given[key] is not None else attrs.get(key)
        if value is None:
            raise ValueError(
                f"{p.name}: dataset {dataset!r} has no attribute {key!r}; add it to the file or give it"
            )
        geo[key] = float(np.asarray(value).reshape(()))
    nodata = attrs.get("nodata_value")
    return _from_array(
        np.asarray(z),
        p.name,
        geo["origin_x_m"],
        geo["origin_y_m"],
        geo["cell_size_m"],
        bool(attrs.get("north_first", False)),
        None if nodata is None else float(np.asarray(nodata).reshape(())),
    )


def write_hdf5_dem(path: str | Path, dem: Dem, dataset: str = "elevation") -> None:
    """Write a :class:`Dem` to HDF5 (south-first rows, geometry in the dataset's attributes).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_hdf5_dem(os.path.join(d, "dem.h5"), Dem(np.zeros((1, 1)), 1.0, 2.0, 3.0))
    """
    import h5py

    with h5py.File(Path(path), "w") as f:
        ds = f.create_dataset(dataset, data=dem.elevation_m)
        ds.attrs["origin_x_m"] = dem.origin_x_m
        ds.attrs["origin_y_m"] = dem.origin_y_m
        ds.attrs["cell_size_m"] = dem.cell_size_m
        ds.attrs["units"] = "m"


# ---------------------------------------------------------------------------
# fitting a DEM to the scenario grid
# ---------------------------------------------------------------------------


def resample_to_grid(
    dem: Dem,
    *,
    origin_x_m: float,
    origin_y_m: float,
    cell_size_m: float,
    nx: int,
    ny: int,
) -> np.ndarray:
    """Bilinearly interpolate a DEM at the centres of a target grid's cells.

    The DEM's values sit at its cell centres. A target centre between the DEM's
    outermost centres and its outer edge (within half a DEM cell of the edge)
    takes the value of the nearest edge centre along that axis. ``NaN`` (no
    data) spreads to every target cell that interpolates from it.

    Parameters
    ----------
    dem
        The source DEM.
    origin_x_m, origin_y_m, cell_size_m, nx, ny
        The target grid, as in ``[grid]`` (south-west corner, square cells).

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` float64 elevations, row 0 south.

    Raises
    ------
    ValueError
        If the target grid reaches outside the DEM's extent (naming both extents).

    Examples
    --------
    >>> dem = Dem(np.array([[0.0, 10.0], [20.0, 30.0]]), 0.0, 0.0, 10.0)
    >>> resample_to_grid(dem, origin_x_m=5.0, origin_y_m=5.0, cell_size_m=5.0, nx=2, ny=1)
    array([[ 7.5, 12.5]])
    """
    x0, x1, y0, y1 = dem.extent_m
    gx0, gy0 = float(origin_x_m), float(origin_y_m)
    gx1, gy1 = gx0 + nx * cell_size_m, gy0 + ny * cell_size_m
    tol = 1e-9 * max(abs(x1 - x0), abs(y1 - y0), cell_size_m * max(nx, ny))
    if gx0 < x0 - tol or gx1 > x1 + tol or gy0 < y0 - tol or gy1 > y1 + tol:
        raise ValueError(
            f"{dem.source}: the DEM covers x {x0:g}…{x1:g} m, y {y0:g}…{y1:g} m but the grid needs "
            f"x {gx0:g}…{gx1:g} m, y {gy0:g}…{gy1:g} m; use a larger DEM or a smaller grid"
        )
    tx = gx0 + (np.arange(nx) + 0.5) * cell_size_m
    ty = gy0 + (np.arange(ny) + 0.5) * cell_size_m
    i0, wx = _bilinear_weights(tx, dem.origin_x_m, dem.cell_size_m, dem.nx)
    j0, wy = _bilinear_weights(ty, dem.origin_y_m, dem.cell_size_m, dem.ny)
    i1 = np.minimum(i0 + 1, dem.nx - 1)
    j1 = np.minimum(j0 + 1, dem.ny - 1)
    z = dem.elevation_m
    wx_, wy_ = wx[None, :], wy[:, None]
    south = _lerp(z[np.ix_(j0, i0)], z[np.ix_(j0, i1)], wx_)
    north = _lerp(z[np.ix_(j1, i0)], z[np.ix_(j1, i1)], wx_)
    out = _lerp(south, north, wy_)
    return np.ascontiguousarray(out)


def _bilinear_weights(t: np.ndarray, origin: float, cell: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower source index and weight of the upper one for target coordinates ``t``."""
    f = np.clip((t - origin) / cell - 0.5, 0.0, n - 1.0)
    i0 = np.minimum(np.floor(f).astype(np.int64), max(n - 2, 0))
    w = f - i0
    if n == 1:
        w = np.zeros_like(f)
    return i0, w


def _lerp(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``a (1 - w) + b w``, exactly ``a`` or ``b`` at ``w`` = 0 or 1 (a NaN with no weight stays out)."""
    mixed = a * (1.0 - w) + b * w
    return np.where(w == 0.0, a, np.where(w == 1.0, b, mixed))
