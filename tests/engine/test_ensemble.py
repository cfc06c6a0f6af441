"""Ensembles give the same replicas whatever runs them: 1 worker, 2 workers or Dask."""

from __future__ import annotations

from typing import Literal

import h5py
import numpy as np
import pytest
import xarray as xr

from engine import ensemble
from engine.process import Process, ProcessConfig
from engine.registry import register


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


class _VerdictConfig(ProcessConfig):
    model: Literal["_test_verdict"] = "_test_verdict"


@register
class _Verdict(Process):
    """Test helper: a 0/1 KPI drawn per replica, whose description says why (like a plan target)."""

    model_name = "_test_verdict"
    family = "impacts"
    Config = _VerdictConfig

    def finish(self, t_s: float) -> None:
        late_h = float(self.rng.uniform(0.0, 4.0))
        met = late_h <= 2.0
        why = f"met: {late_h:.2f} h <= 2 h" if met else f"FAILED: {late_h:.2f} h > 2 h"
        self.world.report_kpi("target_test", float(met), "1", why)


def test_ensemble_report_counts_pass_fail_kpis_and_groups_their_reasons(tmp_path):
    from engine import Scenario
    from engine.report import make_report
    from tests.conftest import SMALL, small_text

    sc = Scenario.from_text(small_text() + '\n[[impacts]]\nmodel = "_test_verdict"\n', base_dir=SMALL.parent)
    out = tmp_path / "ens.h5"
    ensemble(sc, replicas=8, out=out, workers=1)
    met = summary(out)["target_test"]
    assert 0 < met.sum() < 8  # this seed gives both verdicts (the test needs them)
    summary_md = make_report(out, tmp_path / "rep").read_text()
    [row] = [line for line in summary_md.splitlines() if line.startswith("| target_test | ")]
    k = int(met.sum())
    assert f"| {k} of 8 | {100 * k / 8:.0f} % |" in row
    assert f"met ({k}), e.g. «met: " in row and f"FAILED ({8 - k}), e.g. «FAILED: " in row
    assert "| target_test — per replica: see below |" in summary_md
