"""Scheduler overhead: cost per engine event and per process step, with no model work.

Every round builds a fresh scheduler in its (untimed) set-up, because a run
consumes its queue. The numbers are the price the engine adds on top of the
models: Mesa's event list, the integer clock, the event log and rank ordering.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.events import SCENARIO_CAUSE
from engine.grid import Grid
from engine.process import Process, ProcessConfig
from engine.rng import RandomStreams
from engine.scheduler import Scheduler, to_ticks
from engine.world import World

N_EVENTS = 20_000
EVENT_SPACING_S = 0.001
STEP_END_S = 1000.0
MIXED_DT_S = (0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)


def _scheduler(end_s: float) -> Scheduler:
    world = World(Grid(0.0, 0.0, 1.0, 1, 1))
    return Scheduler(world, RandomStreams(1), end_s=end_s)


@pytest.mark.benchmark(group="scheduler-events")
@pytest.mark.parametrize("subscribers", [0, 1], ids=["no_subscriber", "one_subscriber"])
def test_event_overhead(benchmark, median_s, subscribers):
    """Schedule N events at distinct times and run them; µs per event (both phases)."""
    phases: dict[str, list[float]] = {"schedule": [], "run": []}
    seen = [0]

    def on_tick(event) -> None:
        seen[0] += 1

    def setup():
        seen[0] = 0
        s = _scheduler(N_EVENTS * EVENT_SPACING_S + 1.0)
        for _ in range(subscribers):
            s.subscribe("tick", on_tick)
        return (s,), {}

    def target(s: Scheduler) -> None:
        t0 = time.perf_counter()
        for i in range(1, N_EVENTS + 1):
            s.schedule_event("tick", at_s=i * EVENT_SPACING_S, source="bench", cause_id=SCENARIO_CAUSE)
        t1 = time.perf_counter()
        s.run()
        t2 = time.perf_counter()
        phases["schedule"].append(t1 - t0)
        phases["run"].append(t2 - t1)
        # A broken run must not pass for a fast one (checks of work done, not of time).
        assert len(s.world.events) == N_EVENTS
        assert seen[0] == subscribers * N_EVENTS

    benchmark.pedantic(target, setup=setup, rounds=5, iterations=1)
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            n_events=N_EVENTS,
            subscribers=subscribers,
            us_per_event=t / N_EVENTS * 1e6,
            events_per_s=N_EVENTS / t,
            schedule_us_per_event=float(np.median(phases["schedule"])) / N_EVENTS * 1e6,
            run_us_per_event=float(np.median(phases["run"])) / N_EVENTS * 1e6,
        )


class Noop(Process):
    """A process whose step does nothing: what is left is the scheduler's cost."""

    model_name = "bench_noop"
    family = "hazards"

    def advance(self, t_s: float, dt_s: float) -> None:
        pass


@pytest.mark.benchmark(group="scheduler-steps")
@pytest.mark.parametrize("dts", [(0.1,), MIXED_DT_S], ids=["1_process_dt0.1", "10_processes_mixed_dt"])
def test_process_step_overhead(benchmark, median_s, dts):
    """Run no-op processes for STEP_END_S simulated seconds; µs per process step."""
    steps: list[int] = []

    def setup():
        s = _scheduler(STEP_END_S)
        procs = [
            Noop(
                ProcessConfig(model=Noop.model_name, dt_s=dt),
                name=f"noop{i}",
                world=s.world,
                scheduler=s,
                rng=np.random.default_rng(i),
                base_dir=".",
            )
            for i, dt in enumerate(dts)
        ]
        s.add_processes(procs)
        for p in procs:
            s.start_process(p, cause_id=SCENARIO_CAUSE, log=False)
        return (s,), {}

    def target(s: Scheduler) -> None:
        s.run()
        steps.append(s.process_steps)

    benchmark.pedantic(target, setup=setup, rounds=5, iterations=1)
    n_steps = steps[-1]
    end = to_ticks(STEP_END_S)
    assert n_steps == sum(-(-end // to_ticks(dt)) for dt in dts)  # the last step is shortened
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            processes=len(dts),
            process_steps=n_steps,
            us_per_process_step=t / n_steps * 1e6,
            process_steps_per_s=n_steps / t,
        )
