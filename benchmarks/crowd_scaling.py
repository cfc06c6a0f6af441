"""Scaling curve of the crowd kernel: cost per agent-step for N = 1 000 … 1 000 000 pedestrians.

For each N, one square room holds the crowd at 2 people per m² on a jittered grid (jitter
0.1 m), as in ``benchmarks/crowd_vs_jupedsim.py``: side ``sqrt(N / 2)`` m (22.4 m at
N = 1 000, 707 m at N = 10⁶), and **one door in the middle of the east wall whose width grows
with the room** (2.4 m per 100 m of side, as in that script's 100 m room; at least 1.2 m).
The collision-free speed model with JuPedSim's defaults steps the crowd with Δt = 0.01 s
(:class:`models.crowds.kernels.PedestrianStepper`, built as that script builds it, steered by
the fast-marching field of :class:`models.crowds.routing.Router`).

Routing raster: the finest of 0.1, 0.2, 0.25, 0.5 and 1 m cells that keeps the fast-marching
raster at or below 4·10⁶ cells (0.1 m up to N = 30 000, 0.2 m at 100 000 and 300 000,
0.5 m at 10⁶). The room is empty, so a coarser field changes nobody's direction
much; its cost is set-up time, not step time.

Each N runs a fixed number of steps, fewer at large N (``min(1000, max(5, 3·10⁶ / N))``:
1 000 steps up to N = 3 000, 5 at 10⁶), after one untimed warm-up step of the same crowd
(it compiles or loads the kernel and touches every array). The serial kernel and the
``prange`` kernel on ``--threads`` threads run the same crowd from the same start, one after
the other. The grid puts the pedestrians in memory row by row, so neighbours in the room are
mostly neighbours in the arrays too; ``--shuffled`` adds a serial run of the same crowd stored
in random order, where the kernel's gather into cell order (and its scatter back) jumps
around memory: the case in which a crowd larger than the caches should show it. Agent-steps
count the pedestrians on the floor (the mean of the first and the last step, times the
steps), as in ``crowd_vs_jupedsim.py``; wall-clock and process CPU-time rates are both
printed (on a shared machine the wall clock includes time the process waited for a core; the
CPU time of the ``prange`` run counts every thread).

Memory per agent is measured from the arrays' ``nbytes``: the pedestrians' state
(:class:`models.crowds.agents.Pedestrians`), the kernel's scratch arrays of N entries, the
floor's sort keys (4 bytes per cell and sub-column of the cell list), and the routing raster
(the two direction layers of float64 the kernel reads), each divided by N.

Usage::

    .venv/bin/python benchmarks/crowd_scaling.py --quick              # N up to 100 000
    .venv/bin/python benchmarks/crowd_scaling.py --threads 2          # N up to 10⁶
    .venv/bin/python benchmarks/crowd_scaling.py --shuffled           # and the crowd in random order
    .venv/bin/python benchmarks/crowd_scaling.py --threads 1          # serial kernel only

The table goes to stdout and, with every number, to ``benchmarks/results/crowd_scaling.json``
(``--out``; that folder's JSON files are git-ignored).
"""

from __future__ import annotations

import argparse
import json
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
from models.crowds.kernels import PedestrianStepper
from models.crowds.routing import ALL_EXITS, Router

DENSITY_P_M2, DT_S, JITTER_M = 2.0, 0.01, 0.1
DOOR_PER_SIDE, MIN_DOOR_M = 0.024, 1.2  # 2.4 m per 100 m of wall, as the 100 m benchmark room
MAX_RASTER_CELLS = 4_000_000
ROUTING_CELLS_M = (0.1, 0.2, 0.25, 0.5, 1.0)
SIZES = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
QUICK_MAX_N = 100_000


def room_side_m(n: int) -> float:
    """Side of the square room holding ``n`` people at 2 per m²."""
    return math.sqrt(n / DENSITY_P_M2)


def routing_cell_m(side_m: float) -> float:
    """The finest routing cell whose raster over the room stays at or below 4·10⁶ cells."""
    for cell in ROUTING_CELLS_M:
        if (side_m / cell + 4) ** 2 <= MAX_RASTER_CELLS:  # the raster adds a border of cells
            return cell
    return ROUTING_CELLS_M[-1]


def steps_for(n: int) -> int:
    """Timed steps at ``n`` pedestrians: about 3·10⁶ agent-steps, between 5 and 1 000 steps."""
    return int(min(1000, max(5, round(3e6 / n))))


def build_room(n: int, threads: int) -> dict:
    """Room, door, routing field and the steppers (serial, and prange if ``threads`` > 1)."""
    side = room_side_m(n)
    door = max(MIN_DOOR_M, DOOR_PER_SIDE * side)
    seg = ((side, side / 2 - door / 2), (side, side / 2 + door / 2))
    area = WalkableArea.from_coordinates(
        [(0, 0), (side, 0), (side, side), (0, side)], exits=[Exit("door", *seg)]
    )
    cell = routing_cell_m(side)
    t0 = time.perf_counter()
    field = Router(area, cell_m=cell).field(ALL_EXITS)
    routing_s = time.perf_counter() - t0
    variants = {"serial": False} | ({f"prange x{threads}": True} if threads > 1 else {})
    steppers = {
        name: PedestrianStepper(area.walls(), field, exits=[[*seg[0], *seg[1]]], model="csm", parallel=par)
        for name, par in variants.items()
    }
    return {"side_m": side, "door_m": door, "cell_m": cell, "routing_s": routing_s, "steppers": steppers}


def on_floor(p: Pedestrians) -> int:
    return int(np.count_nonzero(p.state != EVACUATED))


def memory_per_agent(people: Pedestrians, stepper: PedestrianStepper) -> dict:
    """Bytes per pedestrian, from the arrays' ``nbytes``."""
    n = people.size
    state = sum(a.nbytes for a in vars(people).values() if isinstance(a, np.ndarray))
    scratch = stepper._scratch  # filled by the first advance()
    per_agent = sum(a.nbytes for a in scratch if a.shape[0] == n and a is not scratch[1])
    keys = scratch[1].nbytes
    d = stepper.direction
    raster = d.ux.nbytes + d.uy.nbytes
    return {
        "state_B": state / n,
        "scratch_B": per_agent / n,
        "sort_keys_B": keys / n,
        "routing_raster_B": raster / n,
        "total_B": (state + per_agent + keys + raster) / n,
    }


def time_variant(stepper: PedestrianStepper, x: np.ndarray, y: np.ndarray, steps: int) -> dict:
    """One warm-up step, then ``steps`` timed steps of a fresh crowd at ``x, y``."""
    people = Pedestrians.create(x, y)  # JuPedSim's CSM agent defaults: T 1 s, v0 1.2 m/s, r 0.2 m
    t_s = stepper.advance(people, 0.0, DT_S, 1)
    before = on_floor(people)
    w0, c0 = time.perf_counter(), time.process_time()
    stepper.advance(people, t_s, DT_S, steps)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    agent_steps = 0.5 * (before + on_floor(people)) * steps
    return {
        "steps": steps,
        "agent_steps": agent_steps,
        "wall_s": wall,
        "cpu_s": cpu,
        "agent_steps_per_s": agent_steps / wall,
        "agent_steps_per_cpu_s": agent_steps / cpu if cpu > 0 else math.nan,
        "us_per_agent_step": 1e6 * wall / agent_steps,
        "cpu_us_per_agent_step": 1e6 * cpu / agent_steps,
        "left": before - on_floor(people),
        "memory": memory_per_agent(people, stepper),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the curve; print the table and write the JSON; return the rows."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"stop at N = {QUICK_MAX_N:,}")
    ap.add_argument("--threads", type=int, default=2, help="threads of the prange run (1: serial only)")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="crowd sizes (default 1e3 … 1e6)")
    ap.add_argument(
        "--shuffled",
        action="store_true",
        help="also time the serial kernel on the same crowd stored in random order",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results" / "crowd_scaling.json"
    )
    args = ap.parse_args(argv)
    sizes = args.sizes or [n for n in SIZES if not args.quick or n <= QUICK_MAX_N]
    if args.threads > 1:
        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    header = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": load,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "threads": args.threads,
        "dt_s": DT_S,
        "density_p_m2": DENSITY_P_M2,
    }
    print(
        f"machine: {header['machine']}, load average {load}; "
        f"numba {numba.__version__}, numpy {np.__version__}"
    )
    print(
        f"square rooms at {DENSITY_P_M2:g} per m2 (jittered grid), one east door of 2.4 m per 100 m of side; "
        f"CSM, dt = {DT_S} s; routing raster <= {MAX_RASTER_CELLS:.0e} cells"
    )
    cols = (
        f"{'N':>9} {'side m':>7} {'door m':>6} {'route m':>7} {'kernel':>10} {'steps':>5} "
        f"{'M a-s/s':>8} {'per CPU s':>9} {'us/a-s':>7} {'CPU us':>7} {'B/agent':>8}"
    )
    print(cols)
    rows = []
    for n in sizes:
        room = build_room(n, args.threads)
        runs = [(name, stepper, False) for name, stepper in room["steppers"].items()]
        if args.shuffled:
            runs.append(("shuffled", room["steppers"]["serial"], True))
        x, y = jittered_grid(
            n, (0.0, 0.0, room["side_m"], room["side_m"]), JITTER_M, np.random.default_rng(args.seed)
        )
        steps = steps_for(n)
        for name, stepper, shuffle in runs:
            order = np.random.default_rng(args.seed).permutation(n) if shuffle else slice(None)
            r = time_variant(stepper, x[order], y[order], steps)
            row = {"n": n, "kernel": name} | {k: v for k, v in room.items() if k != "steppers"} | r
            rows.append(row)
            print(
                f"{n:>9,} {room['side_m']:>7.1f} {room['door_m']:>6.2f} {room['cell_m']:>7.2f} {name:>10} "
                f"{steps:>5} {r['agent_steps_per_s'] / 1e6:>8.3f} {r['agent_steps_per_cpu_s'] / 1e6:>9.3f} "
                f"{r['us_per_agent_step']:>7.3f} {r['cpu_us_per_agent_step']:>7.3f} "
                f"{r['memory']['total_B']:>8.0f}",
                flush=True,
            )
        del room
    m = rows[-1]["memory"]
    print(
        f"memory per agent at N = {rows[-1]['n']:,}: state {m['state_B']:.0f} B, kernel scratch "
        f"{m['scratch_B']:.0f} B, sort keys {m['sort_keys_B']:.1f} B, "
        f"routing raster {m['routing_raster_B']:.1f} B"
    )
    header["load_average_after"] = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average after: {header['load_average_after']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"header": header, "rows": rows}, indent=1))
    print(f"wrote {args.out}")
    return rows


if __name__ == "__main__":
    main()
