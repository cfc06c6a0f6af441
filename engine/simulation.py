"""Build a world from a scenario and run it: the researcher's entry point.

>>> from engine import Scenario, Simulation
>>> sim = Simulation(Scenario.load("scenarios/chlorine_release_town.toml"), seed=1)  # doctest: +SKIP
>>> out = sim.run()                                                  # doctest: +SKIP
>>> out.kpis["deaths"].value                                         # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.events import SCENARIO_CAUSE, Event
from engine.grid import Layer
from engine.process import FieldSpec, Process, ProcessConfig
from engine.rng import RandomStreams
from engine.scenario import Scenario
from engine.scheduler import Scheduler
from engine.world import KPI, Facility, Table, World


@dataclass
class FieldSeries:
    """A field recorded over time: ``data`` has shape ``(time, y, x)``."""

    name: str
    data: np.ndarray
    units: str
    description: str


@dataclass
class RunOutput:
    """Everything one run produced, in memory (write it with :func:`engine.results.write_run`).

    Attributes
    ----------
    scenario
        The validated scenario (its text goes into the results file).
    seed, replica
        Reproduce the run with ``Simulation(scenario, seed=seed, replica=replica)``.
    times_s
        Times of the field snapshots.
    series
        Fields over time.
    maps
        Summary fields (maxima, totals, casualties per cell).
    events
        The event log.
    kpis
        Key performance indicators with units.
    tables
        Small result tables (curves, trees).
    """

    scenario: Scenario
    seed: int
    replica: int
    times_s: np.ndarray
    series: dict[str, FieldSeries]
    maps: dict[str, Layer]
    events: list[Event]
    kpis: dict[str, KPI]
    tables: dict[str, Table] = field(default_factory=dict)
    wall_time_s: float = 0.0
    process_steps: int = 0
    extra: dict[str, object] = field(default_factory=dict)


class _Recorder(Process):
    """Engine bookkeeping: snapshots recorded fields at the output interval."""

    model_name = "_recorder"
    family = "_engine"

    def __init__(self, names: list[str], interval_s: float, **kw) -> None:
        super().__init__(ProcessConfig(model="_recorder", dt_s=interval_s), **kw)
        self.reads = tuple(FieldSpec(n, "", "") for n in names)  # type: ignore[misc]
        self.names = names
        self.times: list[float] = []
        self.frames: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def setup(self) -> None:  # writes nothing
        pass

    def _snapshot(self, t_s: float) -> None:
        self.times.append(t_s)
        for n in self.names:
            self.frames[n].append(self.world.grid.layers[n].data.astype(np.float32))

    def start(self, t_s: float) -> None:
        self._snapshot(t_s)

    def advance(self, t_s: float, dt_s: float) -> None:
        self._snapshot(t_s)


class Simulation:
    """One run of a scenario with one seed.

    Parameters
    ----------
    scenario
        A validated :class:`~engine.scenario.Scenario`.
    seed
        Seed of the run; defaults to the scenario's ``[scenario] seed``.
    replica
        Replica number inside an ensemble (streams differ per replica).

    Examples
    --------
    >>> out = Simulation(scenario, seed=3).run()   # doctest: +SKIP
    >>> sorted(out.kpis)                            # doctest: +SKIP
    """

    def __init__(self, scenario: Scenario, *, seed: int | None = None, replica: int = 0) -> None:
        self.scenario = scenario
        self.seed = scenario.meta.seed if seed is None else int(seed)
        self.replica = int(replica)
        self.streams = RandomStreams(self.seed, self.replica)
        self.world = World(scenario.make_grid())
        self.scheduler = Scheduler(self.world, self.streams, end_s=scenario.meta.duration_s)
        self.processes: dict[str, Process] = {}
        self._build()

    def _build(self) -> None:
        sc, world = self.scenario, self.world
        for layer in sc.layers:
            world.grid.add_layer(
                layer.name,
                layer.units,
                layer.description,
                data=np.load(layer.file, allow_pickle=False).astype(np.float64),
                writer="scenario",
            )
        for f in sc.facilities:
            world.facilities[f.name] = Facility(f.name, f.kind, f.x_m, f.y_m, dict(f.attrs))
        for entry in sc.processes:
            self.processes[entry.name] = entry.cls(
                entry.config,
                name=entry.name,
                world=world,
                scheduler=self.scheduler,
                rng=self.streams.generator(f"process:{entry.name}"),
                base_dir=sc.base_dir,
            )
        procs = list(self.processes.values())
        written = {f.name: f for p in procs for f in p.writes}
        if sc.output.fields is not None:
            recorded = list(sc.output.fields)
        else:
            recorded = [n for n, f in written.items() if f.record]
        self.recorder = _Recorder(
            recorded,
            sc.output_interval_s,
            name="_recorder",
            world=world,
            scheduler=self.scheduler,
            rng=self.streams.generator("recorder"),
            base_dir=sc.base_dir,
        )
        self.scheduler.add_processes([*procs, self.recorder])

    def _wire(self) -> None:
        sc, sched = self.scenario, self.scheduler
        chained = {rule.start for rule in sc.chains}
        for i, rule in enumerate(sc.chains):
            sched.subscribe(rule.when, self._chain_handler(i))
        for ev in sc.events:
            sched.schedule_event(
                ev.kind,
                at_s=ev.at_s,
                source="scenario",
                cause_id=SCENARIO_CAUSE,
                x_m=np.nan if ev.x_m is None else ev.x_m,
                y_m=np.nan if ev.y_m is None else ev.y_m,
                data=dict(ev.data),
            )
        for entry in sc.processes:
            start_s = entry.config.start_s
            if start_s is None and entry.name in chained:
                continue  # waits for its chain rule
            sched.start_process(self.processes[entry.name], at_s=start_s or 0.0, cause_id=SCENARIO_CAUSE)
        sched.start_process(self.recorder, cause_id=SCENARIO_CAUSE, log=False)

    def _chain_handler(self, i: int) -> Callable[[Event], None]:
        rule = self.scenario.chains[i]
        rng = self.streams.generator(f"chain:{i}")
        target = self.processes[rule.start]

        def handler(event: Event) -> None:
            if rule.source is not None and event.source != rule.source:
                return
            if rng.random() >= rule.probability or target.started:
                return
            self.scheduler.start_process(target, at_s=self.scheduler.now_s + rule.delay_s, cause_id=event.id)

        return handler

    def run(self, progress: Callable[[float], None] | None = None) -> RunOutput:
        """Run to the scenario's end and return the in-memory output.

        Parameters
        ----------
        progress
            Called with the simulated time after each 1 % of the run.
        """
        t0 = time.perf_counter()
        self._wire()
        self.scheduler.run(progress)
        self.scheduler.finish()
        rec = self.recorder
        series = {}
        for n in rec.names:
            layer = self.world.grid.layers[n]
            series[n] = FieldSeries(n, np.stack(rec.frames[n]), layer.units, layer.description)
        return RunOutput(
            scenario=self.scenario,
            seed=self.seed,
            replica=self.replica,
            times_s=np.asarray(rec.times, dtype=np.float64),
            series=series,
            maps=dict(self.world.maps),
            events=list(self.world.events),
            kpis=dict(self.world.kpis),
            tables=dict(self.world.tables),
            wall_time_s=time.perf_counter() - t0,
            process_steps=self.scheduler.process_steps,
        )


def run(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    out: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> RunOutput:
    """Run a scenario once; write the results file if ``out`` is given.

    Examples
    --------
    >>> output = run("scenarios/chlorine_release_town.toml", seed=1, out="r.h5")  # doctest: +SKIP
    """
    sc = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    output = Simulation(sc, seed=seed).run(progress)
    if out is not None:
        from engine.results import write_run

        write_run(out, output)
    return output
