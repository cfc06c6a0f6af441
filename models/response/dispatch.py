"""Response teams, tasks, arrival times and the assignment of teams to tasks per decision epoch.

**Teams** are a structure of arrays (:class:`Teams`): kind (:data:`TEAM_KINDS`), current node and
position, whether idle at base, readiness (time from being called to rolling out, paid only when
leaving base idle), a ground speed factor (a heavy engineering convoy drives slower than a fire
engine: the network part of its trip is divided by it) or an air cruise speed, an approach and
landing time, a capacity (parallel rescue crews, or seats), a shift, and the time it is free.

**Arrival time** of team ``i`` at task ``j``, decided at ``now``::

    ground: max(now, free_at_i) + readiness_i [if idle at base] + leg_i
            + min_q( T(node_i, node_jq) / speed_factor_i + offroad_jq )
    air:    max(now, free_at_i) + readiness_i [if idle at base]
            + hypot(xl_j - x_i, yl_j - y_i) / cruise_speed_i + approach_i + ground_j

``T`` is the shortest time over the *current* network (:class:`~models.response.travel.TravelTimes`:
closed edges removed, slowed edges slower), ``leg_i`` the off-road leg from a base given by
coordinates to its node, ``offroad_jq`` the leg from the task's ``q``-th nearest connected node.
Aircraft fly straight lines on the projected plane (no great circle: scenario domains are tens of
kilometres) to the task's landing place ``(xl_j, yl_j)`` (:class:`Landing`: a helipad or open
ground near the task for helicopters, an airstrip for fixed-wing aircraft; the crew covers the
remaining ``ground_j`` seconds on foot) or, without a landing model or when hoisting, to the
task itself (``ground_j = 0``). They are **grounded** (arrival ``inf``) when the wind exceeds
their limit or the visibility is below theirs. A team that cannot serve a task's kind
(:data:`SERVES`: fires only by ``fire_rescue`` teams), is off shift, or is not free within the
look-ahead gets ``inf``, and so does an arrival after a task's ``deadline_s`` (a fire burnt out).

**Policies** (:class:`DispatchPolicy`) turn the ``(n_teams, n_tasks)`` arrival matrix into at most
one task per team and one team per task per epoch:

* :class:`NearestAvailable` — what a dispatch centre does: tasks in priority order (then oldest
  first), each gets the free team that arrives earliest (``order="priority"``); or the global
  greedy over pairs by earliest arrival (``order="earliest"``). Greedy, not optimal: it is the
  rule being modelled. Both run as numba loops over the few candidates that can matter: in the
  pair greedy a team's task is always among its ``n_teams`` earliest (every earlier pair of that
  team was skipped only because one of the other ``n_teams - 1`` teams took the task), so each
  row is cut to those with ``argpartition`` before sorting — the result is identical to sorting
  every pair (tested).
* :class:`MaxLivesSaved` — the assignment that maximises ``sum people_j * S(arrival_ij -
  collapse_j)`` over the epoch (:mod:`models.response.survival`; a fire counts its fixed
  ``lives_at_risk`` when reached before it burns out), solved exactly by
  :func:`scipy.optimize.linear_sum_assignment`: unlike greedy, it gives a far site to the one
  team that can reach it in time and the near ones to the others. Its cost grows as
  ``n_teams² × n_tasks``, about 0.1 s for 500 × 10 000.
* :class:`FixedPlan` — the plan's own assignment (team ``i`` goes to task ``plan[i]``) for every
  team that is available and whose task is open and reachable.

Examples
--------
>>> teams = Teams.build(["helicopter"], base_x_m=[0.0], base_y_m=[0.0], readiness_s=[900.0],
...                     cruise_speed_m_s=[50.0])
>>> tasks = Tasks.build(x_m=[30000.0], y_m=[40000.0], kind=["airlift"], people=[3])
>>> arrival_matrix(teams, tasks, None, now_s=0.0).tolist()
[[1900.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numba
import numpy as np
from scipy.optimize import linear_sum_assignment

from models.response.survival import GOLDEN_72_HOURS, SurvivalCurve
from models.response.travel import SnappedPoints, TravelTimes

__all__ = [
    "AIR_KINDS",
    "SERVES",
    "TASK_KINDS",
    "TEAM_KINDS",
    "Assignment",
    "DispatchPolicy",
    "FixedPlan",
    "Landing",
    "MaxLivesSaved",
    "NearestAvailable",
    "Tasks",
    "Teams",
    "Weather",
    "arrival_matrix",
    "dispatch",
    "greedy_by_task_order",
    "greedy_earliest_pairs",
    "nearest_landing",
]

TEAM_KINDS: tuple[str, ...] = (
    "fire_rescue",
    "professional_rescue",
    "medical",
    "engineering",
    "volunteer",
    "helicopter",
    "fixed_wing",
)
AIR_KINDS: frozenset[str] = frozenset({"helicopter", "fixed_wing"})
TASK_KINDS: tuple[str, ...] = ("rescue", "medical", "engineering", "airlift", "supply", "fire")

SERVES: dict[str, frozenset[str]] = {
    "rescue": frozenset({"fire_rescue", "professional_rescue", "engineering", "volunteer"}),
    "medical": frozenset({"medical", "helicopter"}),
    "engineering": frozenset({"engineering"}),
    "airlift": frozenset({"helicopter", "fixed_wing"}),
    "supply": frozenset({"helicopter", "fixed_wing", "volunteer", "engineering"}),
    "fire": frozenset({"fire_rescue"}),
}
"""Which team kinds can take which task kind (an assumption; scenarios may pass their own)."""

# Aircraft weather limits (assumptions, not regulatory values: set them per aircraft type).
DEFAULT_MAX_WIND_M_S = {"helicopter": 20.0, "fixed_wing": 25.0}
DEFAULT_MIN_VISIBILITY_M = {"helicopter": 1500.0, "fixed_wing": 5000.0}


def _kind_codes(kinds, names: tuple[str, ...], what: str) -> np.ndarray:
    arr = np.asarray(kinds)
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < 0 or arr.max() >= len(names)):
            raise ValueError(f"{what} codes must be in 0..{len(names) - 1}")
        return arr.astype(np.int8)
    lut = {n: i for i, n in enumerate(names)}
    bad = sorted({str(k) for k in arr.ravel()} - lut.keys())
    if bad:
        raise ValueError(f"unknown {what} {bad}; expected one of {list(names)}")
    return np.array([lut[str(k)] for k in arr.ravel()], dtype=np.int8)


def _column(value, n: int, default: float, name: str) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=np.float64)
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    if np.isnan(arr).any() and not np.isnan(default):
        raise ValueError(f"{name} has NaN values")
    return arr


@dataclass
class Teams:
    """Response teams as a structure of arrays (one entry per team).

    Build with :meth:`build`; the arrays may be edited in place between epochs (or through
    :meth:`commit`). ``node`` is ``-1`` for aircraft and for ground teams not yet snapped.
    """

    kind: np.ndarray
    node: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    leg_s: np.ndarray
    at_base: np.ndarray
    readiness_s: np.ndarray
    speed_factor: np.ndarray
    cruise_speed_m_s: np.ndarray
    approach_s: np.ndarray
    capacity: np.ndarray
    shift_start_s: np.ndarray
    shift_s: np.ndarray
    free_at_s: np.ndarray
    max_wind_m_s: np.ndarray
    min_visibility_m: np.ndarray

    @property
    def n(self) -> int:
        """Number of teams."""
        return int(self.kind.size)

    @property
    def is_air(self) -> np.ndarray:
        """Boolean mask of aircraft."""
        air = np.array([k in AIR_KINDS for k in TEAM_KINDS])
        return air[self.kind]

    def kind_names(self) -> list[str]:
        """Kinds as names."""
        return [TEAM_KINDS[k] for k in self.kind]

    @classmethod
    def build(
        cls,
        kind,
        *,
        base_node=None,
        base_x_m=None,
        base_y_m=None,
        travel: TravelTimes | None = None,
        readiness_s=None,
        speed_factor=None,
        cruise_speed_m_s=None,
        approach_s=None,
        capacity=None,
        shift_start_s=None,
        shift_s=None,
        free_at_s=None,
        max_wind_m_s=None,
        min_visibility_m=None,
    ) -> Teams:
        """Make a team table.

        Parameters
        ----------
        kind
            Team kinds (names from :data:`TEAM_KINDS`, or their codes).
        base_node
            Base node of each ground team (``-1`` for aircraft or to snap ``base_x_m/y_m``).
        base_x_m, base_y_m
            Base coordinates. Required for aircraft; for ground teams without a base node they
            are snapped to the nearest connected node of ``travel``, with an off-road leg.
        readiness_s
            Time from call to departure when idle at base (default 0).
        speed_factor
            Ground speed relative to the road speeds (default 1).
        cruise_speed_m_s
            Air cruise speed (required for aircraft).
        approach_s
            Air approach and landing time added to each flight (default 0).
        capacity
            Parallel rescue crews, or seats (default 1).
        shift_start_s, shift_s
            When the team's shift began and its length (default 0 and unlimited).
        free_at_s
            When the team is next free (default 0).
        max_wind_m_s, min_visibility_m
            Aircraft weather limits (defaults per kind: :data:`DEFAULT_MAX_WIND_M_S`,
            :data:`DEFAULT_MIN_VISIBILITY_M`, assumptions).
        """
        codes = _kind_codes(kind, TEAM_KINDS, "team kind")
        n = codes.size
        air = np.array([TEAM_KINDS[c] in AIR_KINDS for c in codes], dtype=bool)
        node = np.full(n, -1, dtype=np.int64) if base_node is None else np.array(base_node, dtype=np.int64)
        if node.shape != (n,):
            raise ValueError(f"base_node needs {n} values")
        x = _column(base_x_m, n, np.nan, "base_x_m")
        y = _column(base_y_m, n, np.nan, "base_y_m")
        leg = np.zeros(n)
        need_snap = ~air & (node < 0)
        if need_snap.any():
            if travel is None or np.isnan(x[need_snap]).any() or np.isnan(y[need_snap]).any():
                raise ValueError("ground teams without base_node need base_x_m, base_y_m and travel")
            node[need_snap], leg[need_snap] = travel.from_points(x[need_snap], y[need_snap])
        if travel is not None:
            fill = ~air & np.isnan(x)
            x[fill] = travel.network.node_x_m[node[fill]]
            y[fill] = travel.network.node_y_m[node[fill]]
        if air.any() and (np.isnan(x[air]).any() or np.isnan(y[air]).any()):
            raise ValueError("aircraft need base_x_m and base_y_m")
        node[air] = -1
        cruise = _column(cruise_speed_m_s, n, np.nan, "cruise_speed_m_s")
        if air.any() and not (cruise[air] > 0).all():
            raise ValueError("aircraft need a cruise_speed_m_s > 0")
        factor = _column(speed_factor, n, 1.0, "speed_factor")
        if not (factor[~air] > 0).all():
            raise ValueError("speed_factor must be > 0")
        names = [TEAM_KINDS[c] for c in codes]
        wind = _column(max_wind_m_s, n, np.inf, "max_wind_m_s")
        vis = _column(min_visibility_m, n, 0.0, "min_visibility_m")
        if max_wind_m_s is None:
            wind = np.array([DEFAULT_MAX_WIND_M_S.get(k, np.inf) for k in names])
        if min_visibility_m is None:
            vis = np.array([DEFAULT_MIN_VISIBILITY_M.get(k, 0.0) for k in names])
        return cls(
            kind=codes,
            node=node,
            x_m=x,
            y_m=y,
            leg_s=leg,
            at_base=np.ones(n, dtype=bool),
            readiness_s=_column(readiness_s, n, 0.0, "readiness_s"),
            speed_factor=factor,
            cruise_speed_m_s=cruise,
            approach_s=_column(approach_s, n, 0.0, "approach_s"),
            capacity=_column(capacity, n, 1.0, "capacity"),
            shift_start_s=_column(shift_start_s, n, 0.0, "shift_start_s"),
            shift_s=_column(shift_s, n, np.inf, "shift_s"),
            free_at_s=_column(free_at_s, n, 0.0, "free_at_s"),
            max_wind_m_s=wind,
            min_visibility_m=vis,
        )

    def commit(self, assignment: Assignment, tasks: Tasks, work_s) -> None:
        """Send the assigned teams: each is busy until ``arrival + work_s`` at the task's place.

        ``work_s`` is one value per assignment (or a scalar). A ground team ends at the task's
        nearest node (its off-road leg back is included in the next trip via ``leg_s``).
        """
        i, j = assignment.team, assignment.task
        work = np.broadcast_to(np.asarray(work_s, dtype=np.float64), i.shape)
        self.free_at_s[i] = assignment.arrival_s + work
        self.at_base[i] = False
        self.x_m[i] = tasks.x_m[j]
        self.y_m[i] = tasks.y_m[j]
        ground = ~self.is_air[i]
        if tasks.snapped is not None:
            gi, gj = i[ground], j[ground]
            self.node[gi] = tasks.snapped.node[gj, 0]
            self.leg_s[gi] = tasks.snapped.offroad_s[gj, 0]


@dataclass
class Tasks:
    """Demands for teams as a structure of arrays: where, what kind, how many people, how urgent.

    ``created_s`` is when the need arose (for trapped people: the collapse, the origin of the
    survival clock). ``snapped`` ties the tasks to a network (:meth:`snap`). ``deadline_s`` is
    when reaching the task stops mattering (a fire burnt out; ``inf``: never): an arrival after it
    is ``inf`` in :func:`arrival_matrix`. ``lives_at_risk`` (``NaN``: use the survival curve) is the
    fixed benefit of reaching the task in time, for tasks whose people do not follow the trapped
    survival curve (a fire: people at risk × the probability of dying unattended).
    """

    x_m: np.ndarray
    y_m: np.ndarray
    kind: np.ndarray
    people: np.ndarray
    priority: np.ndarray
    created_s: np.ndarray
    open: np.ndarray
    snapped: SnappedPoints | None = field(default=None, repr=False)
    deadline_s: np.ndarray | None = None
    lives_at_risk: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of tasks."""
        return int(self.x_m.size)

    @classmethod
    def build(
        cls,
        *,
        x_m,
        y_m,
        kind,
        people=None,
        priority=None,
        created_s=None,
        deadline_s=None,
        lives_at_risk=None,
    ) -> Tasks:
        """Make a task table (kinds by name from :data:`TASK_KINDS` or code)."""
        x = np.atleast_1d(np.asarray(x_m, dtype=np.float64))
        y = np.atleast_1d(np.asarray(y_m, dtype=np.float64))
        n = x.size
        if y.shape != x.shape:
            raise ValueError("x_m and y_m must have the same length")
        codes = _kind_codes(np.broadcast_to(np.asarray(kind), (n,)), TASK_KINDS, "task kind")
        return cls(
            x_m=x,
            y_m=y,
            kind=codes,
            people=_column(people, n, 1.0, "people"),
            priority=_column(priority, n, 0.0, "priority"),
            created_s=_column(created_s, n, 0.0, "created_s"),
            open=np.ones(n, dtype=bool),
            deadline_s=_column(deadline_s, n, np.inf, "deadline_s"),
            lives_at_risk=_column(lives_at_risk, n, np.nan, "lives_at_risk"),
        )

    def snap(self, travel: TravelTimes) -> Tasks:
        """The same tasks tied to the current network (``k`` nearest connected nodes each)."""
        return replace(self, snapped=travel.snap(self.x_m, self.y_m))


@dataclass(frozen=True)
class Weather:
    """Flying weather at the decision time: mean wind and visibility."""

    wind_m_s: float = 0.0
    visibility_m: float = np.inf


@dataclass(frozen=True)
class Landing:
    """Where aircraft put down for each task, and the time from there to the task on the ground.

    One entry per task. ``heli_*`` for helicopters (a helipad or open ground near the task, or the
    task itself when hoisting), ``wing_*`` for fixed-wing aircraft (an airstrip). A ground time of
    ``inf`` means no usable landing place: the aircraft cannot serve that task.
    """

    heli_x_m: np.ndarray
    heli_y_m: np.ndarray
    heli_ground_s: np.ndarray
    wing_x_m: np.ndarray
    wing_y_m: np.ndarray
    wing_ground_s: np.ndarray

    @classmethod
    def on_the_spot(cls, tasks: Tasks) -> Landing:
        """Every aircraft lands (or hoists) at the task itself: no ground leg."""
        zero = np.zeros(tasks.n)
        return cls(tasks.x_m, tasks.y_m, zero, tasks.x_m, tasks.y_m, zero)


def nearest_landing(
    x_m, y_m, site_x_m, site_y_m, walk_speed_m_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The landing place nearest each point and the straight walk from it, ``(x, y, walk_s)``.

    Points with no site at all get ``NaN`` coordinates and an infinite walk.

    Examples
    --------
    >>> x, y, s = nearest_landing([0.0], [0.0], [300.0, 50.0], [400.0, 120.0], 1.3)
    >>> x.tolist(), y.tolist(), s.tolist()
    ([50.0], [120.0], [100.0])
    """
    from scipy.spatial import cKDTree

    x = np.atleast_1d(np.asarray(x_m, dtype=np.float64))
    y = np.atleast_1d(np.asarray(y_m, dtype=np.float64))
    sx = np.atleast_1d(np.asarray(site_x_m, dtype=np.float64))
    sy = np.atleast_1d(np.asarray(site_y_m, dtype=np.float64))
    if sx.size == 0:
        return np.full(x.size, np.nan), np.full(x.size, np.nan), np.full(x.size, np.inf)
    dist, k = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([x, y]))
    return sx[k], sy[k], np.asarray(dist, dtype=np.float64) / walk_speed_m_s


def _compatible(teams: Teams, tasks: Tasks, serves: dict[str, frozenset[str]]) -> np.ndarray:
    table = np.zeros((len(TEAM_KINDS), len(TASK_KINDS)), dtype=bool)
    for tk, team_kinds in serves.items():
        for kk in team_kinds:
            table[TEAM_KINDS.index(kk), TASK_KINDS.index(tk)] = True
    return table[teams.kind][:, tasks.kind]


def arrival_matrix(
    teams: Teams,
    tasks: Tasks,
    travel: TravelTimes | None,
    now_s: float,
    *,
    weather: Weather | None = None,
    lookahead_s: float = 0.0,
    serves: dict[str, frozenset[str]] | None = None,
    landing: Landing | None = None,
) -> np.ndarray:
    """Arrival time of every team at every task, ``(n_teams, n_tasks)``, ``inf`` where impossible.

    See the module text for the formula. Ground teams need ``travel``; tasks are snapped to it
    here unless they already are. A team is available when ``free_at_s <= now_s + lookahead_s``
    and its shift has not ended; closed tasks get ``inf`` columns, and so does an arrival after a
    task's ``deadline_s``. With ``landing``, aircraft fly to the task's landing place and the
    crew covers the rest on the ground (:class:`Landing`); without it they land on the spot.
    """
    weather = weather or Weather()
    serves = SERVES if serves is None else serves
    n_i, n_j = teams.n, tasks.n
    out = np.full((n_i, n_j), np.inf)
    start = np.maximum(now_s, teams.free_at_s) + np.where(teams.at_base, teams.readiness_s, 0.0)
    available = (teams.free_at_s <= now_s + lookahead_s) & (now_s < teams.shift_start_s + teams.shift_s)
    air = teams.is_air
    ground = np.flatnonzero(~air & available)
    if ground.size:
        if travel is None:
            raise ValueError("ground teams need a TravelTimes")
        snapped = tasks.snapped if tasks.snapped is not None else travel.snap(tasks.x_m, tasks.y_m)
        key = np.column_stack([teams.node[ground].astype(np.float64), teams.speed_factor[ground]])
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        net = travel.to_points(uniq[:, 0].astype(np.int64), snapped, scale=1.0 / uniq[:, 1])
        out[ground] = net[inv.ravel()] + (start[ground] + teams.leg_s[ground])[:, None]
    flying = np.flatnonzero(air & available)
    if flying.size:
        grounded = (weather.wind_m_s > teams.max_wind_m_s[flying]) | (
            weather.visibility_m < teams.min_visibility_m[flying]
        )
        land = landing or Landing.on_the_spot(tasks)
        wing = (teams.kind[flying] == TEAM_KINDS.index("fixed_wing"))[:, None]
        lx = np.where(wing, land.wing_x_m[None, :], land.heli_x_m[None, :])
        ly = np.where(wing, land.wing_y_m[None, :], land.heli_y_m[None, :])
        ground_s = np.where(wing, land.wing_ground_s[None, :], land.heli_ground_s[None, :])
        dist = np.hypot(lx - teams.x_m[flying, None], ly - teams.y_m[flying, None])
        t = start[flying, None] + dist / teams.cruise_speed_m_s[flying, None] + teams.approach_s[flying, None]
        t += ground_s
        t[~np.isfinite(t)] = np.inf
        t[grounded] = np.inf
        out[flying] = t
    out[~_compatible(teams, tasks, serves)] = np.inf
    out[:, ~tasks.open] = np.inf
    if tasks.deadline_s is not None and np.isfinite(tasks.deadline_s).any():
        late = np.flatnonzero(np.isfinite(tasks.deadline_s))
        sub = out[:, late]
        sub[sub > tasks.deadline_s[None, late]] = np.inf
        out[:, late] = sub
    return out


@dataclass(frozen=True)
class Assignment:
    """Pairs chosen in one epoch: team indices, task indices, and the arrival times."""

    team: np.ndarray
    task: np.ndarray
    arrival_s: np.ndarray

    @property
    def n(self) -> int:
        """Number of pairs."""
        return int(self.team.size)

    @classmethod
    def empty(cls) -> Assignment:
        """No pairs."""
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))


class DispatchPolicy(Protocol):
    """Turns an arrival matrix into one epoch's assignment (at most one task per team and vice versa)."""

    def assign(self, arrival_s: np.ndarray, teams: Teams, tasks: Tasks, now_s: float) -> Assignment:
        """Choose pairs from ``arrival_s`` (``inf`` = impossible)."""
        ...


@numba.njit(cache=True)
def greedy_earliest_pairs(pair_team, pair_task, n_teams, n_tasks):  # pragma: no cover - numba
    """Scan pairs in the given order; take a pair when both its team and task are still free."""
    team_used = np.zeros(n_teams, dtype=np.bool_)
    task_used = np.zeros(n_tasks, dtype=np.bool_)
    out = np.empty(min(n_teams, n_tasks), dtype=np.int64)
    m = 0
    for p in range(pair_team.size):
        i = pair_team[p]
        j = pair_task[p]
        if team_used[i] or task_used[j]:
            continue
        team_used[i] = True
        task_used[j] = True
        out[m] = p
        m += 1
        if m == out.size:
            break
    return out[:m]


@numba.njit(cache=True)
def greedy_by_task_order(arrival, task_order):  # pragma: no cover - numba
    """Each task in ``task_order`` takes the free team with the earliest finite arrival.

    Ties go to the lower team index. Returns ``team_of_task`` (``-1``: none).
    """
    n_i = arrival.shape[0]
    used = np.zeros(n_i, dtype=np.bool_)
    team_of = np.full(arrival.shape[1], -1, dtype=np.int64)
    left = n_i
    for j in task_order:
        if left == 0:
            break
        best = -1
        best_t = np.inf
        for i in range(n_i):
            if not used[i] and arrival[i, j] < best_t:
                best_t = arrival[i, j]
                best = i
        if best >= 0:
            used[best] = True
            team_of[j] = best
            left -= 1
    return team_of


@dataclass(frozen=True)
class NearestAvailable:
    """Closest-unit dispatch: ``order="priority"`` (most urgent task first) or ``"earliest"`` pairs.

    Ties in ``"earliest"`` go to the higher-priority task, then the lower team and task index.
    """

    order: Literal["priority", "earliest"] = "priority"

    def assign(self, arrival_s: np.ndarray, teams: Teams, tasks: Tasks, now_s: float) -> Assignment:
        """Greedy assignment (see the class text)."""
        n_i, n_j = arrival_s.shape
        if n_i == 0 or n_j == 0:
            return Assignment.empty()
        if self.order == "priority":
            # Most urgent first; among equals the oldest, then the lowest index.
            order = np.lexsort((np.arange(n_j), tasks.created_s, -tasks.priority))
            team_of = greedy_by_task_order(np.ascontiguousarray(arrival_s), order.astype(np.int64))
            j = np.flatnonzero(team_of >= 0)
            i = team_of[j]
        elif self.order == "earliest":
            k = min(n_i, n_j)
            if k < n_j:
                cand = np.argpartition(arrival_s, k - 1, axis=1)[:, :k]
            else:
                cand = np.broadcast_to(np.arange(n_j), (n_i, n_j))
            pi = np.repeat(np.arange(n_i), cand.shape[1])
            pj = cand.ravel()
            t = arrival_s[pi, pj]
            finite = np.isfinite(t)
            pi, pj, t = pi[finite], pj[finite], t[finite]
            order = np.lexsort((pj, pi, -tasks.priority[pj], t))
            chosen = greedy_earliest_pairs(pi[order], pj[order], n_i, n_j)
            i, j = pi[order][chosen], pj[order][chosen]
        else:
            raise ValueError(f"order must be 'priority' or 'earliest', got {self.order!r}")
        return Assignment(i.astype(np.int64), j.astype(np.int64), arrival_s[i, j])


@dataclass(frozen=True)
class MaxLivesSaved:
    """Assignment maximising ``sum people_j * S(arrival_ij - created_j)`` (exact, Hungarian-type)."""

    curve: SurvivalCurve = GOLDEN_72_HOURS

    def benefit(self, arrival_s: np.ndarray, tasks: Tasks) -> np.ndarray:
        """Expected lives saved by each pair (0 where the arrival is ``inf``).

        Tasks with a finite ``lives_at_risk`` (fires) count that value for any finite arrival
        (the deadline already turned late arrivals to ``inf``) instead of the survival curve.
        """
        b = tasks.people[None, :] * self.curve(arrival_s - tasks.created_s[None, :])
        if tasks.lives_at_risk is not None:
            fixed = np.isfinite(tasks.lives_at_risk)
            if fixed.any():
                b[:, fixed] = np.where(
                    np.isfinite(arrival_s[:, fixed]), tasks.lives_at_risk[None, fixed], 0.0
                )
        return b

    def assign(self, arrival_s: np.ndarray, teams: Teams, tasks: Tasks, now_s: float) -> Assignment:
        """Solve the rectangular assignment with :func:`scipy.optimize.linear_sum_assignment`."""
        if arrival_s.size == 0:
            return Assignment.empty()
        b = self.benefit(arrival_s, tasks)
        i, j = linear_sum_assignment(b, maximize=True)
        keep = np.isfinite(arrival_s[i, j])
        i, j = i[keep], j[keep]
        return Assignment(i.astype(np.int64), j.astype(np.int64), arrival_s[i, j])


@dataclass(frozen=True)
class FixedPlan:
    """The plan's own assignment: ``task_of_team[i]`` (``-1``: stay) when available and reachable."""

    task_of_team: tuple[int, ...]

    def assign(self, arrival_s: np.ndarray, teams: Teams, tasks: Tasks, now_s: float) -> Assignment:
        """Keep the planned pairs whose arrival is finite; a task listed twice goes to the earlier team."""
        plan = np.asarray(self.task_of_team, dtype=np.int64)
        if plan.size != arrival_s.shape[0]:
            raise ValueError(f"the plan lists {plan.size} teams, the epoch has {arrival_s.shape[0]}")
        i = np.flatnonzero((plan >= 0) & (plan < arrival_s.shape[1]))
        j = plan[i]
        ok = np.isfinite(arrival_s[i, j])
        i, j = i[ok], j[ok]
        _, first = np.unique(j, return_index=True)
        i, j = i[np.sort(first)], j[np.sort(first)]
        return Assignment(i, j, arrival_s[i, j])


def dispatch(
    teams: Teams,
    tasks: Tasks,
    travel: TravelTimes | None,
    now_s: float,
    policy: DispatchPolicy,
    *,
    weather: Weather | None = None,
    lookahead_s: float = 0.0,
) -> Assignment:
    """One decision epoch: arrival matrix over the current network, then the policy's pairs."""
    arrival = arrival_matrix(teams, tasks, travel, now_s, weather=weather, lookahead_s=lookahead_s)
    return policy.assign(arrival, teams, tasks, now_s)
