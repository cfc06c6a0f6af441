"""The clock: Mesa's event list, wrapped for exact, deterministic interleaving.

Discrete events (a rupture, a breach, an order) and processes with their own
time steps (flood seconds, crowd tenths of a second) share one time-ordered
queue: the event list of a :class:`mesa.Model`. Mesa agents that a later
model adds (rescue teams, command posts) schedule into the same list through
``scheduler.model.schedule_event`` and are interleaved with everything else.

Three things are added on top of Mesa, and this is why it is wrapped rather
than used bare:

* **Exact instants.** Time is kept as integer microseconds. A process with
  ``dt_s = 0.1`` steps at ``start + k·dt`` computed in integers, never by
  adding floats, so after a million steps it is still on the grid of its
  instants and two processes due "at the same time" really are (Mesa's
  recurring schedule adds the interval to the float clock and drifts).
* **Writer-before-reader order at one instant.** All processes due at the
  same instant run from one Mesa event, in rank order: a process that writes a
  field runs before one that reads it (ranks come from the field tables, see
  :func:`rank_processes`). Mesa alone would order them by a process-global
  creation counter.
* **Events carry data and causes.** Mesa events are weak references to
  callbacks without arguments; engine events are logged with time, kind,
  place and cause, then handed to subscribers (chain rules).

At one instant the order is: engine events (Mesa ``Priority.HIGH``) in the
order they were scheduled, then the processes due (``Priority.DEFAULT``) in
rank order. A process never reads a field from the future: a writer due at
``t`` has run before any reader due at ``t``, and one due later has not.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import mesa
from mesa.time import Priority

from engine.events import Event
from engine.rng import RandomStreams

if TYPE_CHECKING:
    from engine.process import Process
    from engine.world import World

#: Resolution of the clock: one tick is a microsecond.
TICKS_PER_S = 1_000_000


def to_ticks(t_s: float) -> int:
    """Seconds to integer clock ticks (rounded to the nearest microsecond)."""
    return round(t_s * TICKS_PER_S)


def to_seconds(ticks: int) -> float:
    """Integer clock ticks to seconds."""
    return ticks / TICKS_PER_S


def rank_processes(processes: Sequence[Process]) -> list[Process]:
    """Order processes so that writers of a field come before its readers.

    A stable topological sort of the graph "A writes a field B reads"; ties and
    cycles (two processes that feed each other) fall back to declaration order.
    """
    n = len(processes)
    writers: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(processes):
        for f in p.writes:
            writers[f.name].append(i)
    after: list[set[int]] = [set() for _ in range(n)]  # after[i]: who must run before i
    for i, p in enumerate(processes):
        for f in p.reads:
            after[i].update(w for w in writers.get(f.name, ()) if w != i)
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < n:
        ready = [i for i in range(n) if i not in placed and after[i] <= placed]
        nxt = ready[0] if ready else min(i for i in range(n) if i not in placed)
        order.append(nxt)
        placed.add(nxt)
    return [processes[i] for i in order]


class _Clock(mesa.Model):
    """The Mesa model whose event list is the engine's clock."""

    def __init__(self, rng) -> None:
        super().__init__(rng=rng)
        # Mesa starts a recurring "step" every 1.0 time unit; the engine has no
        # global step (each process has its own), so that generator is stopped.
        default = getattr(self, "_default_schedule", None)
        if default is not None:
            default.stop()


class _Instant:
    """All processes due at one tick, fired by a single Mesa event."""

    __slots__ = ("__weakref__", "processes", "scheduler", "ticks")

    def __init__(self, scheduler: Scheduler, ticks: int) -> None:
        self.scheduler = scheduler
        self.ticks = ticks
        self.processes: list[Process] = []

    def fire(self) -> None:
        self.scheduler._run_instant(self)


class _PendingEvent:
    """An engine event waiting in Mesa's queue (held strongly until it fires)."""

    __slots__ = (
        "__weakref__",
        "cause_id",
        "data",
        "kind",
        "scheduler",
        "source",
        "ticks",
        "x_m",
        "y_m",
    )

    def __init__(self, scheduler, ticks, kind, source, cause_id, x_m, y_m, data) -> None:
        self.scheduler = scheduler
        self.ticks = ticks
        self.kind = kind
        self.source = source
        self.cause_id = cause_id
        self.x_m = x_m
        self.y_m = y_m
        self.data = data

    def fire(self) -> None:
        self.scheduler._fire_event(self)


class _Dispatch:
    """Hands an already-logged event to its subscribers after the current instant."""

    __slots__ = ("__weakref__", "event", "scheduler")

    def __init__(self, scheduler: Scheduler, event: Event) -> None:
        self.scheduler = scheduler
        self.event = event

    def fire(self) -> None:
        self.scheduler._dispatch(self)


class Scheduler:
    """Runs processes and events of one world in exact, deterministic order.

    Parameters
    ----------
    world
        The shared state (its event log receives every event).
    streams
        Random streams of this replica; Mesa's own generators use stream ``"mesa"``.
    end_s
        End of the run.

    Examples
    --------
    >>> from engine.grid import Grid
    >>> from engine.world import World
    >>> s = Scheduler(World(Grid(0, 0, 1, 1, 1)), RandomStreams(0), end_s=10.0)
    >>> _ = s.schedule_event("bell", at_s=2.5, source="doc", cause_id=-1)
    >>> s.run()
    >>> [(e.time_s, e.kind) for e in s.world.events]
    [(2.5, 'bell')]
    """

    def __init__(self, world: World, streams: RandomStreams, *, end_s: float) -> None:
        if not end_s > 0:
            raise ValueError(f"end_s must be > 0, got {end_s}")
        self.world = world
        self.streams = streams
        self.model = _Clock(rng=streams.sequence("mesa"))
        self.end_ticks = to_ticks(end_s)
        self.now_ticks = 0
        self.processes: list[Process] = []
        self._rank: dict[int, int] = {}
        self._instants: dict[int, _Instant] = {}
        self._pending: set[Any] = set()
        self._subscribers: dict[str, list[Callable[[Event], None]]] = defaultdict(list)
        self._next_tick: dict[int, int] = {}
        self._start_tick: dict[int, int] = {}
        self._steps: dict[int, int] = {}
        self._stop_tick: dict[int, int] = {}
        self._last: dict[int, int] = {}
        #: Number of process steps taken so far (for benchmarks and progress).
        self.process_steps = 0

    # -- set-up ---------------------------------------------------------------
    @property
    def now_s(self) -> float:
        """Current simulation time in seconds."""
        return to_seconds(self.now_ticks)

    @property
    def end_s(self) -> float:
        """End of the run in seconds."""
        return to_seconds(self.end_ticks)

    def add_processes(self, processes: Sequence[Process]) -> None:
        """Register the run's processes (ranked writers-before-readers) and set them up."""
        self.processes = rank_processes(list(processes))
        self._rank = {id(p): r for r, p in enumerate(self.processes)}
        for p in self.processes:
            p.setup()

    def subscribe(self, kind: str, handler: Callable[[Event], None]) -> None:
        """Call ``handler(event)`` after every logged event of ``kind``."""
        self._subscribers[kind].append(handler)

    # -- events ---------------------------------------------------------------
    def schedule_event(
        self,
        kind: str,
        *,
        at_s: float,
        source: str,
        cause_id: int,
        x_m: float = math.nan,
        y_m: float = math.nan,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Put an event in the queue for time ``at_s`` (logged when it fires)."""
        ticks = to_ticks(at_s)
        if ticks < self.now_ticks:
            raise ValueError(f"cannot schedule {kind!r} at {at_s} s, before now ({self.now_s} s)")
        pending = _PendingEvent(self, ticks, kind, source, cause_id, x_m, y_m, data)
        self._pending.add(pending)
        self.model.schedule_event(pending.fire, at=to_seconds(ticks), priority=Priority.HIGH)

    def emit(
        self,
        kind: str,
        *,
        source: str,
        cause_id: int,
        x_m: float = math.nan,
        y_m: float = math.nan,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Log an event at the current time and return its id.

        Subscribers see it after the current instant's work is done, so a
        chain rule never interrupts a process half-way through a step.
        """
        event = self.world.events.append(
            self.now_s, kind, source, cause_id=cause_id, x_m=x_m, y_m=y_m, data=data
        )
        if self._subscribers.get(kind):
            dispatch = _Dispatch(self, event)
            self._pending.add(dispatch)
            self.model.schedule_event(dispatch.fire, at=to_seconds(self.now_ticks), priority=Priority.HIGH)
        return event.id

    def _fire_event(self, pending: _PendingEvent) -> None:
        self._pending.discard(pending)
        self.now_ticks = pending.ticks
        event = self.world.events.append(
            self.now_s,
            pending.kind,
            pending.source,
            cause_id=pending.cause_id,
            x_m=pending.x_m,
            y_m=pending.y_m,
            data=pending.data,
        )
        for handler in list(self._subscribers.get(event.kind, ())):
            handler(event)

    def _dispatch(self, dispatch: _Dispatch) -> None:
        self._pending.discard(dispatch)
        for handler in list(self._subscribers.get(dispatch.event.kind, ())):
            handler(dispatch.event)

    # -- processes ------------------------------------------------------------
    def start_process(
        self, process: Process, *, at_s: float | None = None, cause_id: int, log: bool = True
    ) -> None:
        """Start ``process`` now (or at ``at_s``), logging a ``process_started`` event.

        ``log=False`` is for the engine's own bookkeeping processes (the recorder).
        """
        if process.started:
            return
        if at_s is not None and to_ticks(at_s) > self.now_ticks:
            self.schedule_event(
                "process_started",
                at_s=at_s,
                source=process.name,
                cause_id=cause_id,
                data={"process": process.name, "model": process.model_name},
            )
            self.subscribe_start(process)
            return
        self._start_now(process, cause_id, log=log)

    def subscribe_start(self, process: Process) -> None:
        """Start ``process`` when its own scheduled ``process_started`` event fires."""

        def on_started(event: Event) -> None:
            if event.source == process.name and not process.started:
                self._start_now(process, event.id, log=False)

        self.subscribe("process_started", on_started)

    def _start_now(self, process: Process, cause_id: int, *, log: bool) -> None:
        if log:
            cause_id = self.emit(
                "process_started",
                source=process.name,
                cause_id=cause_id,
                data={"process": process.name, "model": process.model_name},
            )
        process.cause_id = cause_id
        process.started = True
        key = id(process)
        end_s = process.config.end_s
        self._stop_tick[key] = self.end_ticks if end_s is None else min(self.end_ticks, to_ticks(end_s))
        self._start_tick[key] = self.now_ticks
        self._steps[key] = 0
        process.start(self.now_s)
        self._schedule_next_step(process)

    def stop_process(self, process: Process) -> None:
        """Take ``process`` out of the queue after its current step."""
        self._stop_tick[id(process)] = self.now_ticks

    def _schedule_next_step(self, process: Process) -> None:
        key = id(process)
        dt_s = process.next_dt_s()
        if dt_s is None or self.now_ticks >= self._stop_tick[key]:
            return
        if dt_s <= 0:
            raise ValueError(f"process {process.name!r} asked for a time step of {dt_s} s")
        if process.dt_s is not None and dt_s == process.dt_s:
            # Fixed step: instants are start + k·dt in integer ticks, no drift.
            nxt = self._start_tick[key] + (self._steps[key] + 1) * to_ticks(dt_s)
        else:
            nxt = self.now_ticks + max(1, to_ticks(dt_s))
        nxt = min(nxt, self._stop_tick[key])
        self._next_tick[key] = nxt
        instant = self._instants.get(nxt)
        if instant is None:
            instant = _Instant(self, nxt)
            self._instants[nxt] = instant
            self.model.schedule_event(instant.fire, at=to_seconds(nxt), priority=Priority.DEFAULT)
        instant.processes.append(process)

    def _run_instant(self, instant: _Instant) -> None:
        del self._instants[instant.ticks]
        self.now_ticks = instant.ticks
        due = sorted(instant.processes, key=lambda p: self._rank[id(p)])
        for p in due:
            key = id(p)
            last = self._last.get(key, self._start_tick[key])
            p.advance(self.now_s, to_seconds(self.now_ticks - last))
            self._steps[key] += 1
            self._last[key] = self.now_ticks
            self.process_steps += 1
        for p in due:
            self._schedule_next_step(p)

    # -- running --------------------------------------------------------------
    def run(self, progress: Callable[[float], None] | None = None, chunks: int = 100) -> None:
        """Run to the end, calling ``progress(t_s)`` after each of ``chunks`` slices."""
        done = 0
        for k in range(1, chunks + 1):
            until = self.end_ticks * k // chunks
            if until > done:
                self.model.run_until(to_seconds(until))
                done = until
            if progress is not None:
                progress(to_seconds(until))
        self.now_ticks = self.end_ticks

    def finish(self) -> None:
        """Call ``finish`` on every started process, in rank order."""
        for p in self.processes:
            if p.started:
                p.finish(self.end_s)
