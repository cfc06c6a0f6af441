"""The flagship scenario end to end, and writing its results file.

``flagship_output`` (session fixture, see conftest) runs the chlorine scenario
once before anything here is timed, which also loads the numba caches.
"""

from __future__ import annotations

import pytest

from engine import Simulation
from engine.results import write_run

MB = 1e6  # bytes


def _payload_bytes(output) -> int:
    """Bytes of array data handed to the writer (fields and maps, before compression)."""
    fields = sum(s.data.nbytes for s in output.series.values())
    return fields + sum(m.data.nbytes for m in output.maps.values())


@pytest.mark.benchmark(group="results")
def test_write_run(benchmark, median_s, flagship_output, tmp_path):
    """``write_run`` of one flagship run (gzip-4 fields, event table, KPIs) to a local file."""
    path = tmp_path / "chlorine.h5"
    benchmark.pedantic(write_run, args=(path, flagship_output), rounds=5, warmup_rounds=1, iterations=1)
    file_bytes = path.stat().st_size
    payload = _payload_bytes(flagship_output)
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            file_mb=file_bytes / MB,
            payload_mb=payload / MB,
            file_mb_per_s=file_bytes / MB / t,
            payload_mb_per_s=payload / MB / t,
            events=len(flagship_output.events),
            snapshots=len(flagship_output.times_s),
        )


@pytest.mark.benchmark(group="flagship")
def test_flagship_run(benchmark, median_s, flagship_scenario, flagship_output):
    """One ``Simulation(scenario, seed=1).run()`` of scenarios/chlorine_release_town.toml."""
    outputs = []

    def run_once() -> None:
        outputs.append(Simulation(flagship_scenario, seed=1).run())

    benchmark.pedantic(run_once, rounds=3, iterations=1)
    steps = outputs[-1].process_steps
    assert steps == flagship_output.process_steps  # same seed, same run
    t = median_s(benchmark)
    if t is not None:
        grid = flagship_scenario.make_grid()
        benchmark.extra_info.update(
            wall_time_s=t,
            process_steps=steps,
            process_steps_per_s=steps / t,
            simulated_s_per_wall_s=flagship_scenario.meta.duration_s / t,
            cells=grid.nx * grid.ny,
        )
