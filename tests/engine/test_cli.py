"""The command line as a user meets it: help, run, report, kill and resume."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from engine import Results, Simulation
from engine.ensemble import parts_dir
from tests.conftest import SMALL, hazchain, small_text


def test_help_of_every_command_is_clear():
    res = hazchain("--help")
    assert res.returncode == 0
    for cmd in ("run", "validate", "report", "ensemble"):
        assert cmd in res.stdout
        sub = hazchain(cmd, "--help")
        assert sub.returncode == 0 and sub.stdout.startswith(f"usage: hazchain {cmd}")
        assert len(sub.stdout.splitlines()) > 4
    assert "not yet" not in res.stdout.lower()


def test_run_then_report_writes_results_and_figures(tmp_path):
    out = tmp_path / "r.h5"
    res = hazchain("run", str(SMALL), "--out", str(out), "--seed", "4", "--quiet")
    assert res.returncode == 0, res.stderr
    assert f"results written to {out}" in res.stdout and "deaths" in res.stdout
    rep = hazchain("report", str(out), "--out", str(tmp_path / "rep"))
    assert rep.returncode == 0, rep.stderr
    pngs = {p.name for p in (tmp_path / "rep").glob("*.png")}
    assert {
        "events_timeline.png",
        "kpis.png",
        "map_deaths.png",
        "map_max_gas_concentration_mg_m3.png",
        "field_gas_concentration_mg_m3.png",
    } <= pngs
    summary = (tmp_path / "rep" / "summary.md").read_text()
    assert "| deaths" in summary and "tank_rupture" in summary


def test_report_of_a_missing_file_is_one_line(tmp_path):
    res = hazchain("report", str(tmp_path / "missing.h5"))
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


def long_scenario(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(
        small_text(**{"duration_s = 1200": "duration_s = 2000000", "interval_s = 60": "interval_s = 100000"})
    )
    return path


def catches_sigterm(pid: int) -> bool:
    """Whether process ``pid`` has a SIGTERM handler (Linux: the SigCgt mask of /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(mask >> (signal.SIGTERM - 1) & 1)


def wait_for(predicate, timeout=60.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the caught-signal mask in /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_run_midway_leaves_no_file_under_the_final_name(tmp_path, sig):
    out = tmp_path / "final.h5"
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", str(long_scenario(tmp_path)), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait until the run is under way: its SIGTERM handler is installed (the kernel lists caught
    # signals in /proc). A fixed sleep was not enough on a loaded machine (imports alone took > 4 s).
    assert wait_for(lambda: catches_sigterm(proc.pid), timeout=120.0), proc.poll()
    time.sleep(0.5)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.toml"]
    if sig == signal.SIGTERM:  # a polite kill says what happened
        assert proc.returncode == 130 and "interrupted" in err


def test_killed_ensemble_resumes_without_redoing_finished_replicas(tmp_path):
    scen = tmp_path / "s.toml"
    scen.write_text(small_text(**{"duration_s = 1200": "duration_s = 6000"}))
    out = tmp_path / "ens.h5"
    parts = parts_dir(out)
    cmd = [
        sys.executable,
        "-m",
        "engine.cli",
        "ensemble",
        str(scen),
        "--replicas",
        "6",
        "--out",
        str(out),
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert wait_for(lambda: len(list(parts.glob("r*.h5"))) >= 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not out.exists()
    done_before = {}
    for p in parts.glob("r*.h5"):
        with h5py.File(p, "r") as f:
            done_before[int(p.stem[1:])] = float(f.attrs["wall_time_s"])
    assert 2 <= len(done_before) < 6
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert not parts.exists()
    with h5py.File(out, "r") as f:
        assert sorted(f["replicas"]) == [f"r{i:05d}" for i in range(6)]
        assert list(f["summary/replica"][()]) == list(range(6))
        for r, wall in done_before.items():  # finished replicas were kept, not recomputed
            assert float(f[f"replicas/r{r:05d}"].attrs["wall_time_s"]) == wall
    # Every replica equals a fresh run of that replica.
    from engine import Scenario

    sc = Scenario.load(scen)
    for r in (0, 5):
        fresh = Simulation(sc, replica=r).run()
        got = Results(out, replica=r).kpis
        assert {k: v.value for k, v in got.items()} == {k: v.value for k, v in fresh.kpis.items()}
    # Asking for more replicas extends the finished ensemble.
    more = subprocess.run(
        [*cmd[:-4], "8", "--out", str(out), "--quiet"], capture_output=True, text=True, timeout=600
    )
    assert more.returncode == 0, more.stderr
    with h5py.File(out, "r") as f:
        assert len(f["replicas"]) == 8 and np.isfinite(f["summary/deaths"][()]).all()
        for r, wall in done_before.items():
            assert float(f[f"replicas/r{r:05d}"].attrs["wall_time_s"]) == wall
