"""The crowd kernels beside JuPedSim 1.4.2: one room, one crowd, one time step, side by side.

Both codes simulate the same evacuation in one process: a 100 m × 100 m room with one 2.4 m
door in the middle of its east wall, N = 20 000 pedestrians on a jittered grid filling it
(2 people per m²), Δt = 0.01 s, the collision-free speed model with JuPedSim's defaults
(T = 1 s, v0 = 1.2 m/s, r = 0.2 m, neighbour repulsion 8 / 0.1 m, wall repulsion 5 / 0.02 m,
cut-off 3 m). A pedestrian leaves when it passes the door line (JuPedSim: when it is inside
the exit polygon just behind the door). JuPedSim steers by its navigation mesh towards the
exit's centroid; hazchain by the fast-marching field of :class:`models.crowds.routing.Router`
towards the door line, so trajectories are alike but not identical (the speed of a step does
not depend on it).

The two runs advance in alternating chunks of ``--chunk`` steps, each chunk timed, so that a
shared machine's load falls on both alike. Agent-steps count the pedestrians on the floor
during each chunk (the mean of its first and last step, times its steps). The script prints
agent-steps per second for each code and, as its last line, ``ratio=<hazchain/jupedsim>``.

First (unless ``--no-sfm``) both run their social force model in the same room for the same
number of steps (JuPedSim's ``SocialForceModel`` with its defaults, hazchain's with the same
Helbing-Farkas-Vicsek 2000 constants, v0 = 0.8 m/s, τ = 0.5 s, r = 0.3 m; the grid's jitter
is 0.05 m so that no two bodies overlap at the start) and the script reports whether each
completed, and how many positions ended outside the room.

Usage (JuPedSim is the ``bench`` extra: ``.venv/bin/pip install jupedsim==1.4.2``)::

    .venv/bin/python benchmarks/crowd_vs_jupedsim.py --quick            # about 3 minutes
    .venv/bin/python benchmarks/crowd_vs_jupedsim.py --threads 2        # prange kernel, 2 threads
    .venv/bin/python benchmarks/crowd_vs_jupedsim.py --steps 3000 --no-sfm
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.crowds.agents import EVACUATED, Pedestrians, jittered_grid
from models.crowds.geometry import Exit, WalkableArea
from models.crowds.kernels import PedestrianStepper, SfmParameters
from models.crowds.routing import ALL_EXITS, Router

SIDE_M, DOOR_M, DT_S = 100.0, 2.4, 0.01
DOOR = ((SIDE_M, SIDE_M / 2 - DOOR_M / 2), (SIDE_M, SIDE_M / 2 + DOOR_M / 2))
BEHIND_DOOR_M = 0.5  # JuPedSim: a short stub behind the door holds the exit polygon


def crowd_positions(n: int, seed: int, jitter_m: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` people filling the room on a jittered grid, at least 0.35 m − jitter from the walls.

    At 2 per m² the grid spacing is 0.70 m: a jitter of 0.1 m keeps the collision-free speed
    model's bodies (r = 0.2 m) apart, 0.05 m the social force model's (r = 0.3 m).
    """
    return jittered_grid(n, (0.0, 0.0, SIDE_M, SIDE_M), jitter_m, np.random.default_rng(seed))


def hazchain_room(model: str, threads: int) -> PedestrianStepper:
    area = WalkableArea.from_coordinates(
        [(0, 0), (SIDE_M, 0), (SIDE_M, SIDE_M), (0, SIDE_M)], exits=[Exit("door", *DOOR)]
    )
    field = Router(area).field(ALL_EXITS)
    parameters = SfmParameters() if model == "sfm" else None
    return PedestrianStepper(
        area.walls(),
        field,
        exits=[[*DOOR[0], *DOOR[1]]],
        model=model,
        parameters=parameters,
        parallel=threads > 1,
    )


def jupedsim_room(model: str, x: np.ndarray, y: np.ndarray):
    import jupedsim as jps
    import shapely

    (dx, y0), (_, y1) = DOOR
    room = shapely.Polygon(
        [(0, 0), (SIDE_M, 0), (SIDE_M, y0), (dx + BEHIND_DOOR_M, y0), (dx + BEHIND_DOOR_M, y1), (SIDE_M, y1),
         (SIDE_M, SIDE_M), (0, SIDE_M)]
    )  # fmt: skip
    operational = jps.SocialForceModel() if model == "sfm" else jps.CollisionFreeSpeedModel()
    sim = jps.Simulation(model=operational, geometry=room, dt=DT_S)
    exit_id = sim.add_exit_stage(shapely.box(dx, y0, dx + BEHIND_DOOR_M, y1))
    journey = sim.add_journey(jps.JourneyDescription([exit_id]))
    if model == "sfm":
        make = jps.SocialForceModelAgentParameters  # JuPedSim's defaults: v0 0.8, τ 0.5, r 0.3, m 80
    else:
        make = jps.CollisionFreeSpeedModelAgentParameters  # T 1, v0 1.2, r 0.2
    for xy in zip(x, y, strict=True):
        sim.add_agent(make(journey_id=journey, stage_id=exit_id, position=(float(xy[0]), float(xy[1]))))
    return sim


def hazchain_people(model: str, x: np.ndarray, y: np.ndarray) -> Pedestrians:
    if model == "sfm":
        return Pedestrians.create(x, y, radius_m=0.3, v0_m_s=0.8, tau_s=0.5)
    return Pedestrians.create(x, y)  # JuPedSim's CSM agent defaults


def on_floor(p: Pedestrians) -> int:
    return int(np.count_nonzero(p.state != EVACUATED))


def side_by_side(model: str, n: int, steps: int, chunk: int, threads: int, seed: int) -> dict:
    """Alternate chunks of both codes; return totals of time and agent-steps, and the end state."""
    x, y = crowd_positions(n, seed, 0.05 if model == "sfm" else 0.1)
    stepper = hazchain_room(model, threads)
    people = hazchain_people(model, x, y)
    warm = hazchain_people(model, x[:200], y[:200])
    stepper.advance(warm, 0.0, DT_S, 2)  # compile (or load) the kernel outside the timing
    sim = jupedsim_room(model, x, y)
    out = {"jps_s": 0.0, "jps_cpu_s": 0.0, "jps_agent_steps": 0.0, "haz_s": 0.0, "haz_cpu_s": 0.0}
    out |= {"haz_agent_steps": 0.0, "jps_error": None, "jps_steps": 0, "haz_steps": 0}
    t_s = 0.0
    while out["haz_steps"] < steps:
        k = min(chunk, steps - out["haz_steps"])
        if out["jps_error"] is None:
            before, w0, c0 = sim.agent_count(), time.perf_counter(), time.process_time()
            try:
                for _ in range(k):
                    sim.iterate()
                    out["jps_steps"] += 1
            except Exception as err:  # JuPedSim stops the run with a SimulationError
                out["jps_error"] = f"{type(err).__name__} at step {out['jps_steps']}: {err}"
            out["jps_s"] += time.perf_counter() - w0
            out["jps_cpu_s"] += time.process_time() - c0
            out["jps_agent_steps"] += 0.5 * (before + sim.agent_count()) * k
        before, w0, c0 = on_floor(people), time.perf_counter(), time.process_time()
        t_s = stepper.advance(people, t_s, DT_S, k)
        out["haz_s"] += time.perf_counter() - w0
        out["haz_cpu_s"] += time.process_time() - c0
        out["haz_agent_steps"] += 0.5 * (before + on_floor(people)) * k
        out["haz_steps"] += k
    out["jps_left"] = n - sim.agent_count()
    out["haz_left"] = n - on_floor(people)
    stay = people.state != EVACUATED
    out["haz_outside"] = int(
        np.count_nonzero(
            stay & ((people.x_m <= 0) | (people.x_m >= SIDE_M) | (people.y_m <= 0) | (people.y_m >= SIDE_M))
        )
    )
    out["jps_outside"] = None
    if out["jps_error"] is None:
        pos = np.array([a.position for a in sim.agents()]).reshape(-1, 2)
        inside = (
            (pos[:, 0] > 0) & (pos[:, 1] > 0) & (pos[:, 1] < SIDE_M) & (pos[:, 0] < SIDE_M + BEHIND_DOOR_M)
        )
        out["jps_outside"] = int(np.count_nonzero(~inside))
    return out


def rate(agent_steps: float, seconds: float) -> float:
    return agent_steps / seconds if seconds > 0 else math.nan


def report(label: str, r: dict) -> tuple[float, float]:
    """Print one model's two result lines; return (jupedsim, hazchain) agent-steps per second."""
    jps, haz = rate(r["jps_agent_steps"], r["jps_s"]), rate(r["haz_agent_steps"], r["haz_s"])
    jps_cpu, haz_cpu = rate(r["jps_agent_steps"], r["jps_cpu_s"]), rate(r["haz_agent_steps"], r["haz_cpu_s"])
    end = r["jps_error"] or f"completed {r['jps_steps']} steps, {r['jps_outside']} positions outside the room"
    print(f"{label} jupedsim: {end}; {r['jps_left']} left")
    haz_end = f"completed {r['haz_steps']} steps, {r['haz_outside']} positions outside the room"
    print(f"{label} hazchain: {haz_end}; {r['haz_left']} left")
    for name, wall, cpu, s in (
        ("jupedsim", jps, jps_cpu, r["jps_s"]),
        ("hazchain", haz, haz_cpu, r["haz_s"]),
    ):
        print(f"{label} {name}: {wall / 1e6:.3f} M agent-steps/s ({cpu / 1e6:.3f} per CPU s), {s:.1f} s wall")
    return jps, haz


def main(argv: list[str] | None = None) -> float:
    """Run the comparison; return the collision-free speed model's speed ratio."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="500 steps (5 s simulated): under five minutes")
    ap.add_argument("--steps", type=int, default=None, help="steps for each code (default 3000, --quick 500)")
    ap.add_argument("--agents", type=int, default=20_000, help="pedestrians (default 20 000, 2 per m²)")
    ap.add_argument("--threads", type=int, default=1, help="hazchain threads: 1 = serial kernel, >1 = prange")
    ap.add_argument("--chunk", type=int, default=50, help="steps per alternating chunk")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-sfm", action="store_true", help="skip the social force model run")
    args = ap.parse_args(argv)
    steps = args.steps or (500 if args.quick else 3000)
    if args.threads > 1:
        numba.set_num_threads(args.threads)
    import jupedsim

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load}")
    print(f"jupedsim {jupedsim.__version__}, numba {numba.__version__}, numpy {np.__version__}")
    print(
        f"room {SIDE_M:g} m x {SIDE_M:g} m, one {DOOR_M} m door; N = {args.agents} on a jittered grid "
        f"({args.agents / SIDE_M**2:.1f} per m2); dt = {DT_S} s; {steps} steps in chunks of {args.chunk}"
    )
    kernel = "prange" if args.threads > 1 else "serial"
    print(f"hazchain: {args.threads} thread(s), {kernel} kernel; JuPedSim: one thread (C++)")
    if not args.no_sfm:
        report("SFM", side_by_side("sfm", args.agents, steps, args.chunk, args.threads, args.seed))
    jps, haz = report("CSM", side_by_side("csm", args.agents, steps, args.chunk, args.threads, args.seed))
    ratio = haz / jps
    print(f"ratio={ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
