"""The results file: readable by xarray, reproducible from itself, written atomically."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import xarray as xr

import engine.results as results_mod
from engine import Results, Scenario, Simulation, run
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def written(tmp_path_factory, small_scenario):
    out = tmp_path_factory.mktemp("res") / "run.h5"
    output = run(small_scenario, seed=5, out=out)
    return out, output


def test_fields_open_in_xarray_with_coordinates_and_units(written, small_scenario):
    path, output = written
    ds = xr.open_dataset(path, group="fields", engine="h5netcdf")
    c = ds["gas_concentration_mg_m3"]
    assert c.dims == ("time", "y", "x")
    assert c.attrs["units"] == "mg m-3"
    grid = small_scenario.make_grid()
    assert np.array_equal(ds["x"].values, grid.x_m) and np.array_equal(ds["y"].values, grid.y_m)
    assert ds["x"].attrs["units"] == "m" and ds["time"].attrs["units"] == "s"
    assert np.array_equal(ds["time"].values, output.times_s)
    assert ds["time"].values[0] == 0.0 and ds["time"].values[-1] == 1200.0
    np.testing.assert_allclose(c.values, output.series["gas_concentration_mg_m3"].data)
    ds.close()


def test_maps_events_and_kpis_open_in_xarray(written):
    path, output = written
    maps = xr.open_dataset(path, group="maps", engine="h5netcdf")
    assert maps["deaths"].dims == ("y", "x") and maps["population"].attrs["units"] == "1"
    ev = xr.open_dataset(path, group="events", engine="h5netcdf")
    assert list(ev["kind"].values) == [e.kind for e in output.events]
    assert ev["time_s"].attrs["units"] == "s"
    assert (ev["cause_id"].values < np.arange(ev.sizes["event"])).all()  # causes precede effects
    kp = xr.open_dataset(path, group="kpis", engine="h5netcdf")
    assert kp["deaths"].attrs["units"] == "people"
    assert float(kp["deaths"]) == output.kpis["deaths"].value
    for ds in (maps, ev, kp):
        ds.close()


def test_a_run_is_reproduced_from_its_own_results_file(written):
    path, output = written
    res = Results(path)
    assert res.seed == 5 and res.scenario_text == SMALL.read_text()
    again = Simulation(Scenario.from_text(res.scenario_text, base_dir=SMALL.parent), seed=res.seed).run()
    assert {k: v.value for k, v in again.kpis.items()} == {k: v.value for k, v in res.kpis.items()}
    np.testing.assert_array_equal(again.maps["deaths"].data, res.map("deaths")[0])
    assert [e.kind for e in res.events] == [e.kind for e in output.events]


def test_a_failed_write_leaves_nothing_under_the_final_name(tmp_path, small_scenario, monkeypatch):
    output = Simulation(small_scenario, seed=1).run()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(results_mod, "write_run_group", boom)
    target = tmp_path / "out.h5"
    with pytest.raises(RuntimeError, match="disk full"):
        results_mod.write_run(target, output)
    assert list(tmp_path.iterdir()) == []


def test_reading_something_else_is_a_clear_error(tmp_path):
    from engine import ResultsError

    with pytest.raises(ResultsError, match="no such results file"):
        Results(tmp_path / "nope.h5")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(ResultsError, match="not a hazchain results file"):
        Results(other)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(ResultsError, match="cannot be read"):
        Results(text)


def test_tables_and_contour_levels_round_trip(tmp_path, small_scenario):
    sim = Simulation(small_scenario, seed=2)
    out = sim.run()
    sim.world.add_table(
        "fn_curve",
        {
            "deaths": np.array([1.0, 10.0]),
            "frequency_per_year": np.array([1e-4, 1e-6]),
            "label": np.array(["a", "b"]),
        },
        {"frequency_per_year": "yr-1"},
        "societal risk",
        plot=("deaths", "frequency_per_year", "step-loglog"),
    )
    out.tables = dict(sim.world.tables)
    path = results_mod.write_run(tmp_path / "t.h5", out)
    res = Results(path)
    table = res.table("fn_curve")
    assert table["deaths"].tolist() == [1.0, 10.0] and table["label"].tolist() == ["a", "b"]
    assert list(res.attrs("tables", "fn_curve")["plot"]) == ["deaths", "frequency_per_year", "step-loglog"]
    levels = res.attrs("maps", "max_gas_concentration_mg_m3")["contour_levels"]
    assert levels.size == 1 and levels[0] > 0
    ds = xr.open_dataset(path, group="tables/fn_curve", engine="h5netcdf")
    assert ds["frequency_per_year"].attrs["units"] == "yr-1"
    ds.close()
    from engine.report import make_report

    make_report(path, tmp_path / "rep")
    names = {p.name for p in (tmp_path / "rep").glob("*.png")}
    assert {"table_fn_curve.png", "events_graph.png", "events_timeline.png"} <= names


def test_long_table_columns_are_compressed_and_round_trip(tmp_path, small_scenario):
    sim = Simulation(small_scenario, seed=2)
    out = sim.run()
    n = 100 * (results_mod.TABLE_COMPRESS_MIN_ROWS // 25)  # 100 people × frames, ≥ 4 × the threshold
    rng = np.random.default_rng(0)
    t_s = np.repeat(np.arange(n // 100, dtype=np.float64), 100)  # trajectory-like: repeated frames
    x_m = np.round(rng.uniform(0, 100, n), 2)
    sim.world.add_table("track", {"t_s": t_s, "x_m": x_m, "who": np.array(["p"] * n)}, {}, "a long table")
    out.tables = dict(sim.world.tables)
    path = results_mod.write_run(tmp_path / "t.h5", out)
    table = Results(path).table("track")
    np.testing.assert_array_equal(table["t_s"], t_s)
    np.testing.assert_array_equal(table["x_m"], x_m)
    with h5py.File(path) as f:
        names: list[str] = []
        f.visit(lambda name: names.append(name) if name.endswith("tables/track") else None)
        grp = f[names[0]]
        assert grp["t_s"].compression == "gzip" and grp["t_s"].id.get_storage_size() < t_s.nbytes / 4
        assert grp["row"].compression is None  # the dimension scale stays plain
    ds = xr.open_dataset(path, group=names[0], engine="h5netcdf")
    np.testing.assert_array_equal(ds["x_m"].values, x_m)
    ds.close()
