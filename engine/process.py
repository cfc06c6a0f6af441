"""The process contract: how a model plugs into the scheduler.

A process owns its time step and declares, in one table at the top of its
class, the fields it reads and writes (name, units, meaning) — the habit of
Landlab components. The engine uses those tables to check a scenario before it
runs (every field read is written by someone), to order processes that are
due at the same instant (writers before readers, so nobody reads a stale
value), and to document each model.

Life cycle, all driven by :class:`engine.scheduler.Scheduler`:

``setup()``
    once, before the run, for every process: create the layers it writes.
``start(t_s)``
    when the process starts (at ``start_s`` or when a chain rule fires).
``advance(t_s, dt_s)``
    repeatedly: bring the state from ``t_s - dt_s`` to ``t_s``. The last step
    is shortened so that every process ends exactly at the run's end.
``finish(t_s)``
    once at the end of the run, if started: report KPIs and summary maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from engine.events import Event
    from engine.scenario import Scenario
    from engine.scheduler import Scheduler
    from engine.world import World


@dataclass(frozen=True)
class FieldSpec:
    """One row of a process's field table.

    Attributes
    ----------
    name
        Grid layer name.
    units
        Units of the layer (UDUNITS style).
    description
        One-line meaning.
    record
        For written fields: keep a time series in the results file by default.
    optional
        For read fields: the process copes when no one provides it.
    """

    name: str
    units: str
    description: str
    record: bool = False
    optional: bool = False


class ProcessConfig(BaseModel):
    """Keys every process entry in a scenario accepts.

    Models subclass this with their own keys; unknown keys are errors.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(description="registered model name")
    name: str | None = Field(None, description="unique name; defaults to the model name")
    start_s: float | None = Field(
        None, ge=0, description="start time; default 0, or when a chain rule starts it"
    )
    end_s: float | None = Field(None, gt=0, description="stop time; default end of the run")
    dt_s: float | None = Field(None, gt=0, description="time step; default is the model's")


class Process:
    """Base class of every model the engine runs.

    Subclasses set the class attributes and override the life-cycle methods
    they need. Inside, ``self.world`` is the shared state, ``self.rng`` the
    process's own random generator and ``self.config`` its validated entry.
    """

    #: Registered model name (the scenario's ``model = "..."``).
    model_name: ClassVar[str] = ""
    #: Scenario section the model belongs to (``hazards``, ``exposure``, ``impacts``).
    family: ClassVar[str] = ""
    #: Validated configuration class.
    Config: ClassVar[type[ProcessConfig]] = ProcessConfig
    #: Fields read and written (Landlab-style table).
    reads: ClassVar[tuple[FieldSpec, ...]] = ()
    writes: ClassVar[tuple[FieldSpec, ...]] = ()
    #: Event kinds this process may emit (lets the scenario check chain rules).
    emits: ClassVar[tuple[str, ...]] = ()
    #: Names of the facilities this model may add to the world at setup (a generated valley's
    #: town site), so that other entries of a scenario can refer to them before anything runs.
    FACILITY_NAMES: ClassVar[tuple[str, ...]] = ()
    #: Default time step; ``None`` means the process only acts at start and finish.
    default_dt_s: ClassVar[float | None] = None

    def __init__(
        self,
        config: ProcessConfig,
        *,
        name: str,
        world: World,
        scheduler: Scheduler,
        rng: np.random.Generator,
        base_dir: Path,
    ) -> None:
        self.config = config
        self.name = name
        self.world = world
        self.scheduler = scheduler
        self.rng = rng
        self.base_dir = base_dir
        #: Id of the event that started this process (set by the scheduler).
        self.cause_id: int = -1
        self.started = False

    # -- scenario checks ----------------------------------------------------
    @classmethod
    def check(cls, config: Any, scenario: Scenario, key: str) -> None:
        """Cross-check a validated config against the scenario (grid fit, files).

        Raise :class:`engine.errors.ScenarioError` with a key path below ``key``.
        """

    # -- life cycle ---------------------------------------------------------
    @property
    def dt_s(self) -> float | None:
        """This process's time step (``None`` for start/finish-only processes)."""
        return self.config.dt_s if self.config.dt_s is not None else self.default_dt_s

    def next_dt_s(self) -> float | None:
        """Length of the next step; override for adaptive time stepping."""
        return self.dt_s

    def setup(self) -> None:
        """Create written layers; called once before the run for every process."""
        for spec in self.writes:
            self.world.grid.add_layer(spec.name, spec.units, spec.description, writer=self.name)

    def start(self, t_s: float) -> None:
        """Begin acting at ``t_s``."""

    def advance(self, t_s: float, dt_s: float) -> None:
        """Advance the state from ``t_s - dt_s`` to ``t_s``."""

    def finish(self, t_s: float) -> None:
        """Report KPIs and summary maps at the end of the run."""

    # -- helpers for subclasses ---------------------------------------------
    def emit(
        self,
        kind: str,
        *,
        cause_id: int | None = None,
        x_m: float = math.nan,
        y_m: float = math.nan,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Log an event now (cause defaults to what started this process); return its id."""
        return self.scheduler.emit(
            kind,
            source=self.name,
            cause_id=self.cause_id if cause_id is None else cause_id,
            x_m=x_m,
            y_m=y_m,
            data=data,
        )

    def trigger_event(self) -> Event | None:
        """The event that started this process, past the engine's ``process_started`` link.

        A chain rule starts a process with a ``process_started`` event whose cause is the
        triggering event (a dam, a breach): that is the event returned, with its data.
        ``None`` when the scenario started the process.
        """
        events = self.world.events
        i = self.cause_id
        while i >= 0 and events[i].kind == "process_started":
            i = events[i].cause_id
        return events[i] if i >= 0 else None

    def mark_written(self, layer_name: str) -> None:
        """Tag a layer's content as caused by this process's cause."""
        self.world.grid.layers[layer_name].cause_event_id = self.cause_id

    @classmethod
    def field_table(cls) -> str:
        """The reads/writes table as Markdown, for documentation."""
        rows = ["| direction | field | units | meaning |", "|---|---|---|---|"]
        rows += [f"| reads | `{f.name}` | {f.units} | {f.description} |" for f in cls.reads]
        rows += [f"| writes | `{f.name}` | {f.units} | {f.description} |" for f in cls.writes]
        return "\n".join(rows)
