"""The event log: an append-only table in which every event names its cause.

Following the causes from any event back to an initiating one (cause ``-1``)
gives the disaster chain, which is why the cause is mandatory.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

#: Cause id of events that the scenario itself schedules (initiating events).
SCENARIO_CAUSE = -1


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened.

    Attributes
    ----------
    id
        Position in the log (0, 1, 2, …).
    time_s
        Simulation time of the event.
    kind
        What happened, a snake_case verb phrase (``release_started``).
    source
        The process or scenario entry that emitted it.
    cause_id
        Id of the event that caused it, or ``-1`` for an initiating event.
    x_m, y_m
        Where it happened (NaN if nowhere in particular).
    data
        Small JSON-serialisable details (amounts, names).
    """

    id: int
    time_s: float
    kind: str
    source: str
    cause_id: int
    x_m: float = math.nan
    y_m: float = math.nan
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def data_json(self) -> str:
        """The details as a compact JSON string (sorted keys, stable bytes)."""
        return json.dumps(self.data, sort_keys=True, separators=(",", ":"), default=float)


class EventLog:
    """Append-only list of :class:`Event` with integrity checks on causes.

    Examples
    --------
    >>> log = EventLog()
    >>> a = log.append(0.0, "release_started", "leak", cause_id=-1)
    >>> b = log.append(60.0, "plume_arrival", "exposure", cause_id=a.id)
    >>> [e.kind for e in log.chain(b.id)]
    ['release_started', 'plume_arrival']
    """

    def __init__(self) -> None:
        self._events: list[Event] = []

    def append(
        self,
        time_s: float,
        kind: str,
        source: str,
        *,
        cause_id: int,
        x_m: float = math.nan,
        y_m: float = math.nan,
        data: dict[str, Any] | None = None,
    ) -> Event:
        """Record an event; its cause must already be in the log (or be ``-1``)."""
        if cause_id != SCENARIO_CAUSE and not 0 <= cause_id < len(self._events):
            raise ValueError(f"event {kind!r}: cause id {cause_id} is not in the log")
        if self._events and time_s < self._events[-1].time_s:
            raise ValueError(
                f"event {kind!r} at t={time_s} s is earlier than the last logged event "
                f"at t={self._events[-1].time_s} s"
            )
        event = Event(
            len(self._events),
            float(time_s),
            kind,
            source,
            int(cause_id),
            float(x_m),
            float(y_m),
            dict(data or {}),
        )
        self._events.append(event)
        return event

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self):
        return iter(self._events)

    def __getitem__(self, i: int) -> Event:
        return self._events[i]

    def of_kind(self, kind: str) -> list[Event]:
        """All events of one kind, in time order."""
        return [e for e in self._events if e.kind == kind]

    def chain(self, event_id: int) -> list[Event]:
        """The causal chain from the initiating event down to ``event_id``."""
        out = []
        i = event_id
        while i != SCENARIO_CAUSE:
            out.append(self._events[i])
            i = self._events[i].cause_id
        return out[::-1]
