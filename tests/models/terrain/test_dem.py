"""DEM input: ESRI ASCII header variants and round trips, npy/HDF5 geometry, bilinear resampling."""

from __future__ import annotations

import numpy as np
import pytest

from models.terrain.dem import (
    Dem,
    read_esri_ascii,
    read_hdf5_dem,
    read_npy_dem,
    resample_to_grid,
    write_esri_ascii,
    write_hdf5_dem,
)

# Three rows written north first: the row "7 8 9" is the northern one.
ASC_BODY = "7 8 9\n4 5 6\n1 2 3\n"


def write(tmp_path, text, name="z.asc"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_esri_ascii_corner_header_flips_rows_to_south_first(tmp_path):
    p = write(tmp_path, "ncols 3\nnrows 3\nxllcorner 1000\nyllcorner 2000\ncellsize 30\n" + ASC_BODY)
    dem = read_esri_ascii(p)
    np.testing.assert_array_equal(dem.elevation_m, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert (dem.origin_x_m, dem.origin_y_m, dem.cell_size_m) == (1000.0, 2000.0, 30.0)
    assert dem.extent_m == (1000.0, 1090.0, 2000.0, 2090.0)


def test_esri_ascii_center_header_is_half_a_cell_from_the_corner(tmp_path):
    text = "NCOLS 3\nNROWS 3\nXLLCENTER 1015\nYLLCENTER 2015\nCELLSIZE 30\n" + ASC_BODY
    dem = read_esri_ascii(write(tmp_path, text))
    assert (dem.origin_x_m, dem.origin_y_m) == (1000.0, 2000.0)
    assert dem.x_m[0] == 1015.0 and dem.y_m[0] == 2015.0


def test_esri_ascii_nodata_becomes_nan(tmp_path):
    text = "ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999\n"
    text += "7 -9999 9\n4 5 6\n1 2 3\n"
    z = read_esri_ascii(write(tmp_path, text)).elevation_m
    assert np.isnan(z[2, 1])
    assert np.sum(np.isnan(z)) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ncols 3\nnrows 3\nxllcorner 0\ncellsize 1\n" + ASC_BODY, "yllcorner or yllcenter"),
        ("ncols 3\nnrows 3\nxllcorner 0\nxllcenter 0\nyllcorner 0\ncellsize 1\n" + ASC_BODY, "exactly one"),
        ("ncols 3\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n" + ASC_BODY, "holds 9"),
        ("ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize -1\n" + ASC_BODY, "cellsize must be > 0"),
        ("ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\ndx 1\ndy 2\n" + ASC_BODY, "non-square"),
        ("ncols 3\nnrows 3\nxllcorner 0\nyllcorner 0\ncellsize 1\n7 8 x\n4 5 6\n1 2 3\n", "not a number"),
    ],
)
def test_esri_ascii_errors_name_the_file_and_the_problem(tmp_path, text, message):
    with pytest.raises(ValueError, match=message) as info:
        read_esri_ascii(write(tmp_path, text, "bad.asc"))
    assert "bad.asc" in str(info.value)


def test_esri_ascii_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    z = rng.normal(800.0, 300.0, size=(7, 5))
    z[3, 2] = np.nan
    dem = Dem(z, 123.25, -456.5, 12.5)
    write_esri_ascii(tmp_path / "r.asc", dem)
    back = read_esri_ascii(tmp_path / "r.asc")
    np.testing.assert_array_equal(back.elevation_m, z)  # NaN compares equal here
    assert (back.origin_x_m, back.origin_y_m, back.cell_size_m) == (123.25, -456.5, 12.5)
    # The file itself is north-first: its first data row is the last array row.
    first_row = (tmp_path / "r.asc").read_text().splitlines()[6].split()
    assert float(first_row[0]) == z[-1, 0]


def test_npy_dem_geometry_and_north_first_option(tmp_path):
    z = np.arange(6.0).reshape(2, 3)
    np.save(tmp_path / "z.npy", z)
    south_first = read_npy_dem(tmp_path / "z.npy", 10.0, 20.0, 5.0)
    np.testing.assert_array_equal(south_first.elevation_m, z)
    north_first = read_npy_dem(tmp_path / "z.npy", 10.0, 20.0, 5.0, north_first=True)
    np.testing.assert_array_equal(north_first.elevation_m, z[::-1])
    assert north_first.extent_m == (10.0, 25.0, 20.0, 30.0)
    nodata = read_npy_dem(tmp_path / "z.npy", 0, 0, 1, nodata_value=4.0)
    assert np.isnan(nodata.elevation_m[1, 1])


def test_npy_dem_errors(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"cube\.npy.*2-D"):
        read_npy_dem(tmp_path / "cube.npy", 0, 0, 1)
    np.save(tmp_path / "ok.npy", np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"ok\.npy.*cell size"):
        read_npy_dem(tmp_path / "ok.npy", 0, 0, 0)


def test_hdf5_round_trip_and_missing_attribute(tmp_path):
    import h5py

    dem = Dem(np.arange(12.0).reshape(3, 4), 5.0, 6.0, 7.0)
    write_hdf5_dem(tmp_path / "d.h5", dem)
    back = read_hdf5_dem(tmp_path / "d.h5")
    np.testing.assert_array_equal(back.elevation_m, dem.elevation_m)
    assert (back.origin_x_m, back.origin_y_m, back.cell_size_m) == (5.0, 6.0, 7.0)
    with h5py.File(tmp_path / "bare.h5", "w") as f:
        f["elevation"] = np.zeros((2, 2))
        f["elevation"].attrs["origin_x_m"] = 0.0
    with pytest.raises(ValueError, match=r"bare\.h5.*'origin_y_m'"):
        read_hdf5_dem(tmp_path / "bare.h5")
    with pytest.raises(ValueError, match="no dataset 'dem'"):
        read_hdf5_dem(tmp_path / "d.h5", "dem")
    given = read_hdf5_dem(tmp_path / "bare.h5", origin_y_m=1.0, cell_size_m=2.0)
    assert given.extent_m == (0.0, 4.0, 1.0, 5.0)


def test_resample_reproduces_a_plane_at_another_resolution_and_extent():
    # Bilinear interpolation is exact for z = a x + b y + c away from the outer half cells.
    dem_x = 100.0 + (np.arange(40) + 0.5) * 25.0
    dem_y = 200.0 + (np.arange(30) + 0.5) * 25.0
    z = 0.2 * dem_x[None, :] - 0.05 * dem_y[:, None] + 500.0
    dem = Dem(z, 100.0, 200.0, 25.0)
    out = resample_to_grid(dem, origin_x_m=150.0, origin_y_m=250.0, cell_size_m=40.0, nx=20, ny=15)
    gx = 150.0 + (np.arange(20) + 0.5) * 40.0
    gy = 250.0 + (np.arange(15) + 0.5) * 40.0
    np.testing.assert_allclose(out, 0.2 * gx[None, :] - 0.05 * gy[:, None] + 500.0, rtol=0, atol=1e-9)


def test_resample_on_the_same_grid_is_the_identity_and_keeps_nodata_local():
    z = np.arange(20.0).reshape(4, 5)
    z[0, 0] = np.nan
    dem = Dem(z, 0.0, 0.0, 10.0)
    out = resample_to_grid(dem, origin_x_m=0.0, origin_y_m=0.0, cell_size_m=10.0, nx=5, ny=4)
    np.testing.assert_array_equal(out, z)


def test_resample_hand_value_between_four_centres():
    dem = Dem(np.array([[0.0, 10.0], [20.0, 30.0]]), 0.0, 0.0, 10.0)
    # Centre of the target cell at (10, 10): a quarter of each of the four values.
    out = resample_to_grid(dem, origin_x_m=7.5, origin_y_m=7.5, cell_size_m=5.0, nx=1, ny=1)
    assert out[0, 0] == pytest.approx(15.0)


def test_resample_refuses_a_grid_outside_the_dem():
    dem = Dem(np.zeros((10, 10)), 0.0, 0.0, 10.0, source="small.asc")
    with pytest.raises(ValueError, match=r"small\.asc: the DEM covers x 0…100 m"):
        resample_to_grid(dem, origin_x_m=50.0, origin_y_m=0.0, cell_size_m=10.0, nx=10, ny=10)
