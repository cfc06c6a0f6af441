"""The scheduler: exact instants, deterministic interleaving, chains."""

from __future__ import annotations

import numpy as np
import pytest

from engine.grid import Grid
from engine.process import FieldSpec, Process, ProcessConfig
from engine.rng import RandomStreams
from engine.scheduler import TICKS_PER_S, Scheduler, rank_processes
from engine.world import World


class Writer(Process):
    model_name = "t_writer"
    family = "hazards"
    writes = (FieldSpec("level", "1", "test field"),)

    def advance(self, t_s, dt_s):
        self.world.grid.layers["level"].data[...] = t_s
        self.trace.append(("w", t_s, dt_s))


class Reader(Process):
    model_name = "t_reader"
    family = "impacts"
    reads = (FieldSpec("level", "1", "test field"),)

    def advance(self, t_s, dt_s):
        seen = float(self.world.grid.layers["level"].data[0, 0])
        self.trace.append(("r", t_s, dt_s, seen))


def make(end_s=1.0):
    world = World(Grid(0, 0, 1.0, 2, 2))
    return world, Scheduler(world, RandomStreams(1), end_s=end_s)


def proc(cls, sched, name, dt_s, trace):
    p = cls(
        ProcessConfig(model=cls.model_name, dt_s=dt_s),
        name=name,
        world=sched.world,
        scheduler=sched,
        rng=np.random.default_rng(0),
        base_dir=".",
    )
    p.trace = trace
    return p


def test_writer_runs_before_reader_at_the_same_instant_whatever_the_declaration_order():
    trace = []
    _world, s = make(1.0)
    r = proc(Reader, s, "r", 0.25, trace)
    w = proc(Writer, s, "w", 0.5, trace)
    s.add_processes([r, w])  # reader declared first
    s.start_process(r, cause_id=-1)
    s.start_process(w, cause_id=-1)
    s.run()
    # At 0.5 and 1.0 both are due: the writer's value of that very instant is seen.
    reads = {t: seen for tag, t, *rest in trace if tag == "r" for seen in rest[1:]}
    assert reads == {0.25: 0.0, 0.5: 0.5, 0.75: 0.5, 1.0: 1.0}
    # Nobody ever reads a value from the future.
    assert all(seen <= t for t, seen in reads.items())
    assert [p.name for p in rank_processes([r, w])] == ["w", "r"]


def test_fixed_steps_land_on_exact_instants_without_drift():
    trace = []
    _world, s = make(1000.0)
    w = proc(Writer, s, "w", 0.1, trace)
    s.add_processes([w])
    s.start_process(w, cause_id=-1)
    s.run()
    times = np.array([t for _, t, _ in trace])
    assert times.size == 10_000
    # Every instant is exactly k * 0.1 s in integer ticks (float addition would drift).
    ticks = np.round(times * TICKS_PER_S).astype(np.int64)
    assert np.array_equal(ticks, np.arange(1, 10_001) * 100_000)
    assert times[-1] == 1000.0


def test_last_step_is_shortened_to_end_exactly():
    trace = []
    _world, s = make(1.0)
    w = proc(Writer, s, "w", 0.3, trace)
    s.add_processes([w])
    s.start_process(w, cause_id=-1)
    s.run()
    assert [round(t, 9) for _, t, _ in trace] == [0.3, 0.6, 0.9, 1.0]
    assert trace[-1][2] == pytest.approx(0.1)
    assert sum(dt for *_, dt in trace) == pytest.approx(1.0)


def test_events_fire_before_processes_due_at_the_same_instant_and_in_scheduling_order():
    trace = []
    world, s = make(1.0)
    w = proc(Writer, s, "w", 0.5, trace)
    s.add_processes([w])
    s.start_process(w, cause_id=-1)
    for kind in ("b", "a", "c"):
        s.schedule_event(kind, at_s=0.5, source="test", cause_id=-1)
    s.subscribe("b", lambda e: trace.append(("event", e.kind, float(world.grid.layers["level"].data[0, 0]))))
    s.run()
    kinds = [e.kind for e in world.events if e.kind != "process_started"]
    assert kinds == ["b", "a", "c"]
    assert trace.index(("event", "b", 0.0)) < trace.index(("w", 0.5, 0.5))


class Adaptive(Process):
    model_name = "t_adaptive"
    family = "hazards"

    def next_dt_s(self):
        return 0.1 * 2 ** len(self.trace)

    def advance(self, t_s, dt_s):
        self.trace.append((t_s, dt_s))


def test_adaptive_step_lengths_are_honoured_and_clamped_to_the_end():
    trace = []
    _world, s = make(1.0)
    a = proc(Adaptive, s, "a", None, trace)
    s.add_processes([a])
    s.start_process(a, cause_id=-1)
    s.run()
    assert [round(t, 6) for t, _ in trace] == [0.1, 0.3, 0.7, 1.0]


class Trigger(Process):
    model_name = "t_trigger"
    family = "hazards"
    emits = ("threshold_crossed",)

    def advance(self, t_s, dt_s):
        if t_s == 0.4:
            self.emit("threshold_crossed", x_m=1.0, y_m=1.0)


def test_a_process_event_starts_another_process_and_the_log_records_the_causes():
    trace = []
    world, s = make(1.0)
    trig = proc(Trigger, s, "trig", 0.2, trace)
    follower = proc(Writer, s, "follower", 0.25, trace)
    s.add_processes([trig, follower])
    s.subscribe("threshold_crossed", lambda e: s.start_process(follower, cause_id=e.id))
    s.start_process(trig, cause_id=-1)
    s.run()
    log = list(world.events)
    crossed = next(e for e in log if e.kind == "threshold_crossed")
    started = [e for e in log if e.kind == "process_started" and e.source == "follower"]
    assert crossed.time_s == 0.4 and crossed.cause_id == 0  # caused by trig's start
    assert len(started) == 1 and started[0].cause_id == crossed.id and started[0].time_s == 0.4
    # The follower steps from 0.4 on its own grid of instants: 0.65, 0.9, then the end.
    assert [round(t, 9) for tag, t, _ in trace if tag == "w"] == [0.65, 0.9, 1.0]
    assert [e.kind for e in world.events.chain(started[0].id)] == [
        "process_started",
        "threshold_crossed",
        "process_started",
    ]
    assert follower.trigger_event() == crossed  # past its own process_started link
    assert trig.trigger_event() is None  # started by the scenario


def test_scheduling_into_the_past_is_refused():
    _world, s = make(1.0)
    s.schedule_event("late", at_s=0.5, source="t", cause_id=-1)
    s.subscribe("late", lambda e: s.schedule_event("earlier", at_s=0.1, source="t", cause_id=e.id))
    with pytest.raises(ValueError, match="before now"):
        s.run()


def test_mesa_callbacks_interleave_with_engine_events_on_one_clock():
    trace = []
    _world, s = make(2.0)
    w = proc(Writer, s, "w", 1.0, trace)
    s.add_processes([w])
    s.start_process(w, cause_id=-1)

    class Team:
        def arrive(self):
            trace.append(("mesa", s.model.time))

    team = Team()
    s.model.schedule_event(team.arrive, at=1.5)
    s.run()
    assert [x[0] for x in trace] == ["w", "mesa", "w"]
    assert trace[1] == ("mesa", 1.5)
