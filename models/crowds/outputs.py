"""Crowd outputs: sampled trajectories, counts over time, and an export that PedPy reads.

:class:`TrajectorySampler` keeps, at a fixed interval, the position and state of a chosen
set of pedestrians while they are on the floor (waiting, walking, incapacitated or dead; an
evacuated pedestrian's trajectory ends). The process writes it to the results file as the
table ``<process>_trajectories`` with columns ``id``, ``frame``, ``time_s``, ``x_m``,
``y_m`` (metres in the crowd's own frame, the frame of its geometry) and ``state`` (the codes
of :data:`models.crowds.agents.STATE_NAMES`). Frame ``k`` is ``k`` intervals after the
process started; each pedestrian's frames are consecutive.

PedPy (Boltes et al., the trajectory-analysis package of the pedestrian-dynamics community)
reads trajectories as a table ``id, frame, x, y`` with a frame rate, from a DataFrame or from
its plain-text format (whitespace-separated ``id frame x y z`` rows after ``#`` comment lines
that give the frame rate and the unit). :func:`pedpy_dataframe` and :func:`write_pedpy_txt`
produce both; :func:`load_pedpy` returns a ``pedpy.TrajectoryData`` when PedPy is installed
(``pip install pedpy``; it is a development dependency, never needed to run hazchain).
:func:`trajectories_from_results` reads the table back from a results file, and
:func:`walkable_polygon_from_results` the geometry (``<process>_geometry``, as WKT) for
``pedpy.WalkableArea``.

:class:`EvacuationLog` keeps what the process records once per engine step (counts by
state, with the conservation check, flows through the exits, peak local densities), and
:func:`write_evacuation_results` turns it, the sampled trajectories and the pedestrians'
outcomes into the results file's tables, maps and KPIs (listed in
:mod:`models.crowds.evacuation`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.grid import Grid
from engine.world import World
from models.crowds.agents import DEAD, EVACUATED, INCAPACITATED, STATE_NAMES
from models.crowds.exposure import CAUSES, DEATH_CAUSES, INCAPACITATION_CAUSES

__all__ = [
    "TRAJECTORY_COLUMNS",
    "AgentOutcome",
    "EvacuationLog",
    "TrajectorySampler",
    "frame_rate_of",
    "load_pedpy",
    "pedpy_dataframe",
    "trajectories_from_results",
    "walkable_polygon_from_results",
    "write_evacuation_results",
    "write_pedpy_txt",
]

#: Column names and units of the trajectory table.
TRAJECTORY_COLUMNS: dict[str, str] = {
    "id": "1",
    "frame": "1",
    "time_s": "s",
    "x_m": "m",
    "y_m": "m",
    "state": "1",
}


class TrajectorySampler:
    """Collects frames of ``(id, x, y, state)`` for a fixed subset of pedestrians.

    Parameters
    ----------
    ids
        Pedestrian indices to follow (sorted, unique).
    interval_s
        Time between frames.

    Examples
    --------
    >>> s = TrajectorySampler(np.array([0, 2]), 0.5)
    >>> s.sample(0, 0.0, np.array([0.0, 1.0, 2.0]), np.zeros(3), np.array([1, 1, 2], np.int8))
    >>> s.sample(1, 0.5, np.array([0.5, 1.0, 2.0]), np.zeros(3), np.array([2, 1, 2], np.int8))
    >>> t = s.columns()
    >>> t["id"].tolist(), t["frame"].tolist(), t["x_m"].tolist()
    ([0], [0], [0.0])
    """

    def __init__(self, ids: np.ndarray, interval_s: float) -> None:
        self.ids = np.asarray(ids, np.int64)
        self.interval_s = float(interval_s)
        self._chunks: list[tuple[np.ndarray, ...]] = []

    def sample(
        self, frame: int, t_s: float, x_m: np.ndarray, y_m: np.ndarray, state: np.ndarray, evacuated: int = 2
    ) -> None:
        """Keep frame ``frame`` at time ``t_s``: the followed pedestrians not yet evacuated."""
        st = state[self.ids]
        keep = self.ids[st != evacuated]
        n = keep.size
        self._chunks.append(
            (
                keep.copy(),
                np.full(n, frame, np.int64),
                np.full(n, t_s),
                x_m[keep].copy(),
                y_m[keep].copy(),
                state[keep].astype(np.int8),
            )
        )

    def columns(self) -> dict[str, np.ndarray]:
        """The frames so far as table columns (:data:`TRAJECTORY_COLUMNS`), sorted by id then frame."""
        if not self._chunks:
            return {
                k: np.zeros(0, np.int64 if k in ("id", "frame") else np.float64) for k in TRAJECTORY_COLUMNS
            }
        parts = [np.concatenate(c) for c in zip(*self._chunks, strict=True)]
        order = np.lexsort((parts[1], parts[0]))
        return {k: p[order] for k, p in zip(TRAJECTORY_COLUMNS, parts, strict=True)}


def frame_rate_of(columns: dict[str, np.ndarray]) -> float:
    """Frames per second of a trajectory table (1 if it holds a single frame).

    Examples
    --------
    >>> frame_rate_of({"frame": np.array([0, 1, 2]), "time_s": np.array([10.0, 10.5, 11.0])})
    2.0
    """
    frames, times = np.asarray(columns["frame"]), np.asarray(columns["time_s"])
    if frames.size == 0 or frames.max() == frames.min():
        return 1.0
    i, j = np.argmin(frames), np.argmax(frames)
    return float((frames[j] - frames[i]) / (times[j] - times[i]))


def pedpy_dataframe(columns: dict[str, np.ndarray]) -> Any:
    """The trajectory table as the pandas DataFrame PedPy expects (``id, frame, x, y`` in m)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "id": np.asarray(columns["id"], np.int64),
            "frame": np.asarray(columns["frame"], np.int64),
            "x": np.asarray(columns["x_m"], np.float64),
            "y": np.asarray(columns["y_m"], np.float64),
        }
    )


def write_pedpy_txt(
    path: str | Path, columns: dict[str, np.ndarray], frame_rate: float | None = None
) -> Path:
    """Write trajectories in PedPy's text format (``pedpy.load_trajectory_from_txt`` reads it).

    Examples
    --------
    >>> import tempfile, os
    >>> cols = {"id": np.array([0, 0]), "frame": np.array([0, 1]), "time_s": np.array([0.0, 0.5]),
    ...         "x_m": np.array([1.0, 1.5]), "y_m": np.array([2.0, 2.0])}
    >>> p = write_pedpy_txt(os.path.join(tempfile.mkdtemp(), "t.txt"), cols)
    >>> p.read_text().splitlines()[-1]
    '0 1 1.500000 2.000000 0.0'
    """
    rate = frame_rate_of(columns) if frame_rate is None else float(frame_rate)
    path = Path(path)
    ids, frames = np.asarray(columns["id"], np.int64), np.asarray(columns["frame"], np.int64)
    x, y = np.asarray(columns["x_m"], np.float64), np.asarray(columns["y_m"], np.float64)
    with path.open("w", encoding="utf-8") as f:
        f.write(f"# framerate: {rate:g}\n# written by hazchain's crowd evacuation\n# id frame x/m y/m z/m\n")
        for row in zip(ids, frames, x, y, strict=True):
            f.write(f"{row[0]} {row[1]} {row[2]:.6f} {row[3]:.6f} 0.0\n")
    return path


def load_pedpy(columns: dict[str, np.ndarray], frame_rate: float | None = None) -> Any:
    """A ``pedpy.TrajectoryData`` of the table (ImportError naming the package if PedPy is missing)."""
    try:
        import pedpy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("PedPy is not installed; pip install pedpy (a development dependency)") from exc
    rate = frame_rate_of(columns) if frame_rate is None else float(frame_rate)
    return pedpy.TrajectoryData(data=pedpy_dataframe(columns), frame_rate=rate)


def trajectories_from_results(
    path: str | Path, process: str, replica: int | None = None
) -> dict[str, np.ndarray]:
    """The trajectory table of evacuation process ``process`` from a results file."""
    from engine.results import Results

    return Results(path, replica).table(f"{process}_trajectories")


def walkable_polygon_from_results(path: str | Path, process: str, replica: int | None = None) -> Any:
    """The crowd's walkable area (a shapely polygon in the crowd frame) from a results file."""
    import shapely

    from engine.results import Results

    table = Results(path, replica).table(f"{process}_geometry")
    return shapely.from_wkt(str(table["walkable_wkt"][0]))


# --- what the process records, and the results it writes ----------------------------------------


@dataclass
class EvacuationLog:
    """Counts by state, exit flows and peak densities, recorded once per engine step.

    Parameters
    ----------
    exit_names
        Exits in the order of the ``flow`` vectors.
    n
        Pedestrians placed (the conservation check's total).
    lower, upper
        Crowd-frame corners of the box the fine density cells cover.
    cell_m
        Side of a fine density cell.
    grid
        The engine grid (for the density map).
    offset
        Engine coordinates of the crowd frame's origin.

    Examples
    --------
    >>> log = EvacuationLog(["door"], 3, (0.0, 0.0), (4.0, 4.0), 1.0, Grid(0, 0, 2.0, 2, 2), (0.0, 0.0))
    >>> log.record(1.0, np.array([1, 2, 2], np.int8), np.array([2.0]), 1.0)
    >>> log.add_density(np.array([0.5, 3.5]), np.array([0.5, 0.5]), np.array([1.0, 4.0]))
    >>> log.curve[-1], log.grid_density[0].tolist()
    ((1.0, 0, 1, 2, 0, 0), [1.0, 4.0])
    """

    exit_names: list[str]
    n: int
    lower: tuple[float, float]
    upper: tuple[float, float]
    cell_m: float
    grid: Grid
    offset: tuple[float, float]
    curve: list[tuple[float, ...]] = field(default_factory=list)
    flows: list[np.ndarray] = field(default_factory=list)
    flow_times: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        nx = max(1, math.ceil((self.upper[0] - self.lower[0]) / self.cell_m))
        ny = max(1, math.ceil((self.upper[1] - self.lower[1]) / self.cell_m))
        self.fine_density = np.zeros((ny, nx))
        self.grid_density = np.zeros(self.grid.shape)

    def record(self, t_s: float, state: np.ndarray, flow: np.ndarray, dt_s: float) -> None:
        """Counts by state at ``t_s`` (RuntimeError if they do not add up to ``n``) and the step's flows."""
        counts = np.bincount(state, minlength=len(STATE_NAMES))
        if counts.sum() != self.n:
            raise RuntimeError(
                f"conservation violated at t = {t_s} s: states add up to {counts.sum()}, not {self.n}"
            )
        self.curve.append((t_s, *counts.tolist()))
        if dt_s > 0:
            self.flow_times.append(t_s)
            self.flows.append(np.asarray(flow, np.float64) / dt_s)

    def add_density(self, x_m: np.ndarray, y_m: np.ndarray, density: np.ndarray) -> None:
        """Raise the peak density of the fine cells and engine cells holding the points."""
        ny, nx = self.fine_density.shape
        row = np.clip(((y_m - self.lower[1]) // self.cell_m).astype(np.int64), 0, ny - 1)
        col = np.clip(((x_m - self.lower[0]) // self.cell_m).astype(np.int64), 0, nx - 1)
        np.maximum.at(self.fine_density, (row, col), density)
        row, col, inside = self.engine_cells(x_m, y_m)
        np.maximum.at(self.grid_density, (row[inside], col[inside]), density[inside])

    def engine_cells(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(row, col, inside)`` of crowd-frame points on the engine grid."""
        g = self.grid
        col = np.floor((x_m + self.offset[0] - g.origin_x_m) / g.cell_size_m).astype(np.int64)
        row = np.floor((y_m + self.offset[1] - g.origin_y_m) / g.cell_size_m).astype(np.int64)
        return row, col, (col >= 0) & (col < g.nx) & (row >= 0) & (row < g.ny)


@dataclass
class AgentOutcome:
    """Per pedestrian at the end of a run (crowd frame; causes as codes of ``CAUSES``)."""

    population: np.ndarray
    x0_m: np.ndarray
    y0_m: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    desired_speed_m_s: np.ndarray
    start_s: np.ndarray
    exit_time_s: np.ndarray
    exit_of: np.ndarray
    state: np.ndarray
    incapacitation_cause: np.ndarray
    death_cause: np.ndarray
    fate_time_s: np.ndarray


def write_evacuation_results(
    world: World,
    name: str,
    *,
    log: EvacuationLog,
    sampler: TrajectorySampler,
    outcome: AgentOutcome,
    exit_widths_m: np.ndarray,
    exit_closed_s: np.ndarray,
    walkable_wkt: str,
    t0_s: float,
    crush_events: int,
    critical_density_p_m2: float,
) -> None:
    """Tables, maps and KPIs of one crowd evacuation process, named ``<name>_...``."""
    o, exits = outcome, log.exit_names
    state = o.state
    cause = np.where(
        state == DEAD, o.death_cause, np.where(state == INCAPACITATED, o.incapacitation_cause, 0)
    )
    s = "s"
    world.add_table(
        f"{name}_agents",
        {
            "id": np.arange(state.size),
            "population": o.population,
            "x0_m": o.x0_m,
            "y0_m": o.y0_m,
            "desired_speed_m_s": o.desired_speed_m_s,
            "start_s": o.start_s,
            "exit_time_s": o.exit_time_s,
            "exit": np.array([*exits, ""])[np.where(o.exit_of >= 0, o.exit_of, len(exits))],
            "fate": np.array(["inside", "inside", "evacuated", "incapacitated", "dead"])[state],
            "cause": np.array(CAUSES)[cause],
            "fate_time_s": np.where(state == EVACUATED, o.exit_time_s, o.fate_time_s),
        },
        {
            "x0_m": "m",
            "y0_m": "m",
            "desired_speed_m_s": "m s-1",
            "start_s": s,
            "exit_time_s": s,
            "fate_time_s": s,
        },
        "per pedestrian: start, exit time, exit used, fate and its cause (crowd frame coordinates)",
    )
    curve = np.array(log.curve)
    world.add_table(
        f"{name}_evacuation_curve",
        {"time_s": curve[:, 0]} | {st: curve[:, k + 1].astype(np.int64) for k, st in enumerate(STATE_NAMES)},
        {"time_s": s} | {st: "people" for st in STATE_NAMES},
        "people in each state over time",
        plot=("time_s", "evacuated", "linear"),
    )
    flows = np.array(log.flows).reshape(-1, len(exits))
    cols = {"time_s": np.array(log.flow_times)} | {
        f"{e.replace('/', '_')}_p_s": flows[:, k] for k, e in enumerate(exits)
    }
    world.add_table(
        f"{name}_exit_flow",
        cols,
        {c: (s if c == "time_s" else "people s-1") for c in cols},
        "mean flow through each exit over each engine step",
    )
    used = np.bincount(o.exit_of[o.exit_of >= 0], minlength=len(exits))
    times = [o.exit_time_s[o.exit_of == k] for k in range(len(exits))]
    world.add_table(
        f"{name}_exits",
        {
            "exit": np.array(exits),
            "width_m": np.asarray(exit_widths_m, np.float64),
            "evacuated": used,
            "first_s": np.array([t.min() if t.size else np.nan for t in times]),
            "last_s": np.array([t.max() if t.size else np.nan for t in times]),
            "closed_s": np.asarray(exit_closed_s, np.float64),
        },
        {"width_m": "m", "evacuated": "people", "first_s": s, "last_s": s, "closed_s": s},
        "use of each exit",
    )
    world.add_table(f"{name}_trajectories", sampler.columns(), TRAJECTORY_COLUMNS, "sampled trajectories")
    rows, colz = np.nonzero(log.fine_density)
    world.add_table(
        f"{name}_density_cells",
        {
            "x_m": log.lower[0] + (colz + 0.5) * log.cell_m,
            "y_m": log.lower[1] + (rows + 0.5) * log.cell_m,
            "max_density_p_m2": log.fine_density[rows, colz],
        },
        {"x_m": "m", "y_m": "m", "max_density_p_m2": "m-2"},
        f"highest local density in each {log.cell_m:g} m cell (crowd frame)",
    )
    world.add_table(
        f"{name}_geometry",
        {
            "walkable_wkt": np.array([walkable_wkt]),
            "origin_x_m": np.array([log.offset[0]]),
            "origin_y_m": np.array([log.offset[1]]),
        },
        {"origin_x_m": "m", "origin_y_m": "m"},
        "walkable area (crowd frame) and where it lies on the engine grid",
    )
    world.add_map(
        f"{name}_max_density_p_m2",
        log.grid_density,
        "m-2",
        "highest local crowd density in each cell",
        contours=(critical_density_p_m2,),
    )
    row, col, inside = log.engine_cells(o.x_m, o.y_m)
    for st, label in ((DEAD, "dead"), (INCAPACITATED, "incapacitated")):
        grid = np.zeros(log.grid.shape)
        k = inside & (state == st)
        np.add.at(grid, (row[k], col[k]), 1.0)
        world.add_map(f"{name}_{label}", grid, "1", f"pedestrians {label} in each cell")
    _kpis(world, name, o, t0_s, crush_events, float(log.fine_density.max()))


def _kpis(world: World, name: str, o: AgentOutcome, t0_s: float, crush_events: int, peak: float) -> None:
    n = o.state.size
    counts = np.bincount(o.state, minlength=len(STATE_NAMES))
    left = np.sort(o.exit_time_s[np.isfinite(o.exit_time_s)]) - t0_s
    still = int(counts[0] + counts[1])
    total = float(left[-1]) if still == 0 and left.size else math.nan
    k95 = math.ceil(0.95 * n)
    t95 = float(left[k95 - 1]) if n and left.size >= k95 else math.nan
    kpi = world.report_kpi
    kpi(f"{name}_people", n, "people", "pedestrians placed")
    kpi(f"{name}_evacuated", counts[EVACUATED], "people", "pedestrians who left through an exit")
    kpi(f"{name}_still_inside", still, "people", "pedestrians able to walk but still inside at the end")
    kpi(
        f"{name}_evacuation_time_s",
        total,
        "s",
        "from the process start until the last person able to leave had left (NaN: some still inside)",
    )
    kpi(f"{name}_evacuation_time_95_s", t95, "s", "from the process start until 95 % of all had left")
    kpi(f"{name}_incapacitated", counts[INCAPACITATED], "people", "incapacitated, all causes")
    kpi(f"{name}_dead", counts[DEAD], "people", "dead, all causes")
    for c in INCAPACITATION_CAUSES:
        k = int(np.sum((o.state == INCAPACITATED) & (o.incapacitation_cause == CAUSES.index(c))))
        kpi(f"{name}_incapacitated_{c}", k, "people", f"incapacitated by {c.replace('_', ' ')}")
    for c in DEATH_CAUSES:
        k = int(np.sum((o.state == DEAD) & (o.death_cause == CAUSES.index(c))))
        kpi(f"{name}_dead_{c}", k, "people", f"dead by {c.replace('_', ' ')}")
    kpi(f"{name}_crush_risk_events", crush_events, "1", "crush-risk episodes logged")
    kpi(f"{name}_max_density_p_m2", peak, "m-2", "highest local density anywhere")
