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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "TRAJECTORY_COLUMNS",
    "TrajectorySampler",
    "frame_rate_of",
    "load_pedpy",
    "pedpy_dataframe",
    "trajectories_from_results",
    "walkable_polygon_from_results",
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
