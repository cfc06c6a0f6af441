"""Ensembles give the same replicas whatever runs them: 1 worker, 2 workers or Dask."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import xarray as xr

from engine import ensemble


def summary(path):
    with h5py.File(path, "r") as f:
        return {k: f["summary"][k][()] for k in f["summary"] if k != "replica"}


@pytest.fixture(scope="module")
def serial(tmp_path_factory, small_scenario):
    out = tmp_path_factory.mktemp("ens") / "serial.h5"
    ensemble(small_scenario, replicas=4, out=out, workers=1)
    return out


def test_two_workers_give_the_same_replicas_as_one(serial, small_scenario, tmp_path):
    out = ensemble(small_scenario, replicas=4, out=tmp_path / "par.h5", workers=2)
    a, b = summary(serial), summary(out)
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert np.unique(a["deaths_expected"]).size == 4  # replicas differ from each other


def test_dask_cluster_gives_the_same_replicas(serial, small_scenario, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        out = ensemble(
            small_scenario, replicas=4, out=tmp_path / "dask.h5", dask_address=cluster.scheduler_address
        )
    a, b = summary(serial), summary(out)
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_summary_opens_in_xarray(serial):
    ds = xr.open_dataset(serial, group="summary", engine="h5netcdf")
    assert ds["deaths"].dims == ("replica",) and ds["deaths"].attrs["units"] == "people"
    assert list(ds["replica"].values) == [0, 1, 2, 3]
    ds.close()
    rep = xr.open_dataset(serial, group="replicas/r00002/kpis", engine="h5netcdf")
    assert float(rep["deaths"]) == float(summary(serial)["deaths"][2])
    rep.close()


def test_another_scenario_in_the_way_is_refused(serial, tmp_path):
    from engine import HazchainError, Scenario
    from tests.conftest import SMALL, small_text

    other = Scenario.from_text(small_text(**{"rate_kg_s = 5.0": "rate_kg_s = 6.0"}), base_dir=SMALL.parent)
    with pytest.raises(HazchainError, match="not an ensemble of this scenario"):
        ensemble(other, replicas=2, out=serial)
