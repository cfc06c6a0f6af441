"""Fire tasks of the ``rescue`` process: fire events turned into tasks, and the fire KPIs.

:class:`FireTasksMixin` holds the fire part of :class:`models.response.rescue.RescueProcess`:
the fire events logged since the last epoch become ``"fire"`` tasks for fire teams, and the
``rescue_fire*`` KPIs are reported at the end. The fire-task rules (people and lives at risk,
burn-out) are explained in the module text of :mod:`models.response.rescue`.
"""

from __future__ import annotations

import numpy as np

from models.response.dispatch import Tasks
from models.response.rescue_config import RescueConfig

__all__ = ["FireTasksMixin"]


class FireTasksMixin:
    """Fire tasks and fire KPIs of :class:`~models.response.rescue.RescueProcess`.

    A mixin: it uses the process's ``config``, ``world``, ``tasks``, ``arrive`` and ``burnt_out``,
    and advances ``_events_seen``.
    """

    def _new_fires(self) -> tuple[Tasks, np.ndarray] | None:
        """Fire events logged since the last look, as ``"fire"`` tasks and their event ids."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        events = self.world.events
        n = len(events)
        kinds = set(cfg.fire_event_kinds)
        fires = [events[i] for i in range(self._events_seen, n) if events[i].kind in kinds]
        self._events_seen = n
        fires = [e for e in fires if np.isfinite(e.x_m) and np.isfinite(e.y_m)]
        if not fires:
            return None
        data = [e.data or {} for e in fires]
        people = np.array([_number(d, "people_at_risk", cfg.fire_people_at_risk) for d in data])
        burn = np.array([_number(d, "burn_duration_s", cfg.fire_burn_duration_s) for d in data])
        t = np.array([e.time_s for e in fires])
        lives = people * cfg.fire_death_probability
        tasks = Tasks.build(
            x_m=[e.x_m for e in fires],
            y_m=[e.y_m for e in fires],
            kind="fire",
            people=people,
            priority=lives,
            created_s=t,
            deadline_s=t + burn,
            lives_at_risk=lives,
        )
        return tasks, np.array([e.id for e in fires], dtype=np.int64)

    def _fire_kpis(self, fire: np.ndarray, served: np.ndarray) -> None:
        """Fires, fires reached before they burnt out, first arrival after ignition, lives."""
        w = self.world
        tasks = self.tasks
        if tasks is None or not fire.any():
            reached = np.zeros(0, dtype=bool)
            delay = np.zeros(0)
            lives = 0.0
        else:
            reached = fire & served & (self.arrive <= tasks.deadline_s)  # type: ignore[operator]
            delay = (self.arrive - tasks.created_s)[reached]
            lives = float(tasks.lives_at_risk[reached].sum())  # type: ignore[index]
        w.report_kpi("rescue_fires", float(fire.sum()), "1", "fires that became tasks for fire teams")
        w.report_kpi(
            "rescue_fires_reached",
            float(reached.sum()),
            "1",
            "fires a fire team reached before they burnt out",
        )
        w.report_kpi(
            "rescue_fires_burnt_out",
            float(self.burnt_out[fire].sum()) if fire.size else 0.0,
            "1",
            "fires that burnt out before any team arrived",
        )
        w.report_kpi(
            "rescue_fire_first_arrival_s",
            float(delay.min()) if delay.size else np.inf,
            "s",
            "shortest time from a fire's ignition to the first fire team there",
        )
        w.report_kpi(
            "rescue_fire_lives_saved",
            lives,
            "people",
            "people at risk × the probability of dying unattended, summed over the fires reached in time",
        )


def _number(data: dict, key: str, default: float) -> float:
    """``data[key]`` as a float, or ``default`` when it is missing or null."""
    v = data.get(key)
    return default if v is None else float(v)
