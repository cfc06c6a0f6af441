"""The world: everything a simulation's processes share.

Processes never hold references to each other; they meet here, through the
grid's layers, networks, populations, facilities, the event log and the KPIs
they report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.agents import Population
from engine.events import EventLog
from engine.grid import Grid, Layer
from engine.network import Network


@dataclass
class Facility:
    """A named point asset: a tank, hospital, depot, shelter or exit."""

    name: str
    kind: str
    x_m: float
    y_m: float
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class KPI:
    """A key performance indicator with its unit and meaning."""

    name: str
    value: float
    units: str
    description: str = ""


@dataclass
class Table:
    """A small table of results (an F–N curve, an escalation tree): named columns of one length."""

    name: str
    columns: dict[str, np.ndarray]
    units: dict[str, str]
    description: str = ""
    plot: tuple[str, str, str] | None = None

    def __post_init__(self) -> None:
        lengths = {k: len(v) for k, v in self.columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"table {self.name!r} has columns of different lengths: {lengths}")


@dataclass
class World:
    """Shared state of one simulation run.

    Attributes
    ----------
    grid
        The raster on which fields live.
    networks, populations, facilities
        Named graphs, agent populations and point assets.
    events
        The append-only event log.
    kpis
        Indicators reported by processes at the end of the run.
    maps
        Summary fields kept once per run (maxima, totals), same shape as the grid.
    tables
        Small result tables (curves, trees) kept once per run.
    """

    grid: Grid
    networks: dict[str, Network] = field(default_factory=dict)
    populations: dict[str, Population] = field(default_factory=dict)
    facilities: dict[str, Facility] = field(default_factory=dict)
    events: EventLog = field(default_factory=EventLog)
    kpis: dict[str, KPI] = field(default_factory=dict)
    maps: dict[str, Layer] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def report_kpi(self, name: str, value: float, units: str, description: str = "") -> None:
        """Record (or overwrite) a KPI."""
        self.kpis[name] = KPI(name, float(value), units, description)

    def add_map(
        self,
        name: str,
        data: np.ndarray,
        units: str,
        description: str = "",
        *,
        contours: tuple[float, ...] = (),
    ) -> None:
        """Keep a summary field (a maximum, a total) for the results file.

        ``contours`` are threshold levels the report draws as labelled lines.
        """
        arr = np.ascontiguousarray(data, dtype=np.float64)
        if arr.shape != self.grid.shape:
            raise ValueError(f"map {name!r} has shape {arr.shape}, the grid is {self.grid.shape}")
        self.maps[name] = Layer(name, arr, units, description, contours=tuple(contours))

    def add_table(
        self,
        name: str,
        columns: dict[str, np.ndarray],
        units: dict[str, str] | None = None,
        description: str = "",
        *,
        plot: tuple[str, str, str] | None = None,
    ) -> None:
        """Keep a small result table; ``units`` maps column names to units ("" if none).

        ``plot = (x_column, y_column, scale)`` asks the report to draw it, with
        scale ``"linear"``, ``"loglog"`` or ``"step-loglog"`` (an F–N curve).
        """
        cols = {k: np.asarray(v) for k, v in columns.items()}
        units_ = {k: (units or {}).get(k, "") for k in cols}
        if plot is not None and not {plot[0], plot[1]} <= cols.keys():
            raise ValueError(f"table {name!r}: plot columns {plot[:2]} are not among {list(cols)}")
        self.tables[name] = Table(name, cols, units_, description, plot)
