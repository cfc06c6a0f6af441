"""Shared fixtures and helpers of the benchmark suites.

The suites are plain ``test_bench_*.py`` files, so pytest collects them with its
default rules when the folder is named on the command line::

    .venv/bin/pytest benchmarks --benchmark-only

The project's ``testpaths = ["tests"]`` keeps them out of a bare ``pytest``
(the test run), and no second ini file is used, so rootdir and configuration
are the same as for the tests.

Timings are written (terminal table, ``--benchmark-json``), never asserted.
Each benchmark puts its headline number (events per second, million cells per
second, MB/s, a speed ratio) in ``benchmark.extra_info``, computed from the
median round, which is less sensitive than the mean to a neighbour's burst of
load on a shared machine.
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "chlorine_release_town.toml"


def _median_s(benchmark) -> float | None:
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return None
    return float(stats.stats.median)


@pytest.fixture
def median_s():
    """``median_s(benchmark)``: median seconds per call, ``None`` under ``--benchmark-disable``."""
    return _median_s


def pytest_configure(config):
    """Create the folder of ``--benchmark-json`` (pytest-benchmark does not), e.g. benchmarks/results/."""
    path = config.getoption("benchmark_json", None)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record what the numbers depend on beside the CPU: cores and library versions."""
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["python_implementation"] = platform.python_implementation()
    libs = {}
    for name in ("numpy", "numba", "mesa", "h5py", "hazchain"):
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = "not installed"
    machine_info["libraries"] = libs


@pytest.fixture(scope="session")
def flagship_scenario():
    """The flagship scenario, validated once."""
    from engine import Scenario

    return Scenario.load(FLAGSHIP)


@pytest.fixture(scope="session")
def flagship_output(flagship_scenario):
    """One real run of the flagship (seed 1); also warms imports and numba caches."""
    from engine import Simulation

    return Simulation(flagship_scenario, seed=1).run()
