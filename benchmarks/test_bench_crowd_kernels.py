"""Crowd kernels: agent-steps per second of one pedestrian step, and JuPedSim 1.4.2 side by side.

The scene is the one of ``benchmarks/crowd_vs_jupedsim.py``: a 100 m × 100 m room with one
2.4 m door, 20 000 pedestrians on a jittered grid (2 per m²), Δt = 0.01 s, JuPedSim's
collision-free speed model constants. A module fixture builds the room (fast-marching
direction field included) once and compiles the kernels; each benchmark round advances the
same crowd by one more step, so the crowd drifts towards the door across rounds (a few
hundred steps at most: the work per step hardly changes).

The side-by-side benchmark alternates 20 JuPedSim iterations and 20 hazchain steps of the
same crowd inside each round, so both see the same machine load, and reports the ratio of
agent-steps per second. It is skipped when JuPedSim is not installed (the ``bench`` extra).
"""

from __future__ import annotations

import importlib.util
import time

import numba
import numpy as np
import pytest
from crowd_vs_jupedsim import DT_S, crowd_positions, hazchain_people, hazchain_room, jupedsim_room, on_floor

N_AGENTS = 20_000


@pytest.fixture(scope="module")
def crowd():
    x, y = crowd_positions(N_AGENTS, seed=1)
    cases = {}
    for model, parallel in (("csm", False), ("csm", True), ("sfm", False)):
        stepper = hazchain_room(model, threads=2 if parallel else 1)
        people = hazchain_people(model, x, y)
        stepper.advance(people, 0.0, DT_S)  # compile or load the kernel
        cases[model, parallel] = (stepper, people)
    return x, y, cases


@pytest.mark.benchmark(group="crowd-step")
@pytest.mark.parametrize(("model", "parallel"), [("csm", False), ("csm", True), ("sfm", False)])
def test_crowd_step(benchmark, median_s, crowd, model, parallel):
    """One step of the pedestrian kernel for 20 000 people (serial, or prange on all threads)."""
    stepper, people = crowd[2][model, parallel]
    clock = {"t": DT_S}

    def step():
        clock["t"] = stepper.advance(people, clock["t"], DT_S)

    benchmark(step)
    n = on_floor(people)
    assert n > N_AGENTS * 0.99 and np.isfinite(people.x_m).all()  # really stepped, nobody lost
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            agents=n,
            threads=numba.get_num_threads() if parallel else 1,
            magent_steps_per_s=n / t / 1e6,
            ns_per_agent_step=t / n * 1e9,
            scratch_bytes_per_agent=stepper.scratch_bytes_per_agent(),
            state_bytes_per_agent=people.nbytes_per_agent,
        )


@pytest.mark.benchmark(group="crowd-vs-jupedsim")
@pytest.mark.skipif(
    importlib.util.find_spec("jupedsim") is None,
    reason="JuPedSim is not installed (optional comparison; `pip install jupedsim==1.4.2`, the bench extra)",
)
def test_crowd_vs_jupedsim_side_by_side(benchmark, crowd):
    """One round = 20 JuPedSim iterations then 20 hazchain serial steps of the same crowd, each timed."""
    x, y, _ = crowd
    stepper = hazchain_room("csm", threads=1)
    people = hazchain_people("csm", x, y)
    stepper.advance(people, 0.0, DT_S)
    sim = jupedsim_room("csm", x, y)
    sim.iterate()
    k = 20
    times: dict[str, list[float]] = {"jupedsim": [], "hazchain": []}
    agents: dict[str, list[float]] = {"jupedsim": [], "hazchain": []}
    clock = {"t": DT_S}

    def pair() -> None:
        n0, t0 = sim.agent_count(), time.perf_counter()
        for _ in range(k):
            sim.iterate()
        t1 = time.perf_counter()
        agents["jupedsim"].append(0.5 * (n0 + sim.agent_count()))
        n0 = on_floor(people)
        clock["t"] = stepper.advance(people, clock["t"], DT_S, k)
        t2 = time.perf_counter()
        agents["hazchain"].append(0.5 * (n0 + on_floor(people)))
        times["jupedsim"].append(t1 - t0)
        times["hazchain"].append(t2 - t1)

    benchmark.pedantic(pair, rounds=3, iterations=1)
    rates = {c: k * np.median(agents[c]) / np.median(times[c]) for c in times}
    assert min(agents["jupedsim"]) > N_AGENTS * 0.99 and min(agents["hazchain"]) > N_AGENTS * 0.99
    benchmark.extra_info.update(
        agents=N_AGENTS,
        steps_per_round=k,
        jupedsim_magent_steps_per_s=rates["jupedsim"] / 1e6,
        hazchain_magent_steps_per_s=rates["hazchain"] / 1e6,
        hazchain_speedup_over_jupedsim=rates["hazchain"] / rates["jupedsim"],
    )
