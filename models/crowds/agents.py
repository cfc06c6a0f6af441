"""Pedestrians as a structure of arrays, and their parameters by population group.

One :class:`Pedestrians` holds one contiguous column per quantity (positions, velocities,
body radius, desired speed, characteristic time, reaction time, state, group, target) that the
kernels of :mod:`models.crowds.kernels` advance in place; there is no Python object per
pedestrian. A state is one of :data:`WAITING` (before its reaction time), :data:`WALKING`,
:data:`EVACUATED` (crossed an exit, no longer on the floor), :data:`INCAPACITATED` and
:data:`DEAD` (both lie still and remain obstacles); the five always add up to the population.

Desired walking speeds are drawn by population group from the walking-speed table that the
RiMEA guideline quotes from Weidmann (1993) (RiMEA test 7: every assigned speed must lie in
its group's range), uniformly within the range; reaction (pre-movement) times uniformly
between two bounds, as RiMEA test 5 and NIST TN 1822 Verif.1.1 prescribe them.

Sources: Weidmann, U. (1993) *Transporttechnik der Fussgänger*, IVT Schriftenreihe 90, ETH
Zürich, as tabulated in RiMEA (test 7), and in Zhou, Klein, Mayer (2015) SIMULTECH table 1;
the per-age values of RiMEA 4.1.1 as implemented in JuPedSim's V&V notebooks (secondary).
See ``/work/shared/reference/pedestrian-validation.md`` sections 1 and 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.agents import Population

__all__ = [
    "DEAD",
    "EVACUATED",
    "INCAPACITATED",
    "RIMEA_SPEED_GROUPS",
    "STATE_NAMES",
    "WAITING",
    "WALKING",
    "GroupParameters",
    "Pedestrians",
    "draw_group_parameters",
    "jittered_grid",
]

WAITING = 0
WALKING = 1
EVACUATED = 2
INCAPACITATED = 3
DEAD = 4
STATE_NAMES = ("waiting", "walking", "evacuated", "incapacitated", "dead")


@dataclass
class Pedestrians:
    """Pedestrians stored column-wise, in SI units; every array has one entry per pedestrian.

    Attributes
    ----------
    x_m, y_m
        Position of the body centre.
    vx_m_s, vy_m_s
        Velocity during the last step.
    radius_m
        Body radius (the collision-free speed model's ``l`` is the sum of two radii).
    v0_m_s
        Desired (free walking) speed.
    tau_s
        Characteristic time: the time gap ``T`` of the collision-free speed model, the
        relaxation time ``τ`` of the social force model.
    reaction_s
        Time at which a waiting pedestrian starts walking (pre-movement time).
    state
        ``int8`` state code (:data:`WAITING` ... :data:`DEAD`).
    group
        ``int32`` population group index.
    target
        ``int32`` index of the desired-direction raster the pedestrian follows.
    evacuated_at_s
        Time the pedestrian crossed an exit (NaN until then).

    Examples
    --------
    >>> p = Pedestrians.create([1.0, 2.0], [0.5, 0.5], v0_m_s=1.34)
    >>> p.size, p.counts()["waiting"], p.nbytes_per_agent
    (2, 2, 81)
    """

    x_m: np.ndarray
    y_m: np.ndarray
    vx_m_s: np.ndarray
    vy_m_s: np.ndarray
    radius_m: np.ndarray
    v0_m_s: np.ndarray
    tau_s: np.ndarray
    reaction_s: np.ndarray
    state: np.ndarray
    group: np.ndarray
    target: np.ndarray
    evacuated_at_s: np.ndarray

    UNITS: ClassVar[dict[str, str]] = {
        "x_m": "m",
        "y_m": "m",
        "vx_m_s": "m s-1",
        "vy_m_s": "m s-1",
        "radius_m": "m",
        "v0_m_s": "m s-1",
        "tau_s": "s",
        "reaction_s": "s",
        "state": "1",
        "group": "1",
        "target": "1",
        "evacuated_at_s": "s",
    }
    DTYPES: ClassVar[dict[str, type]] = {"state": np.int8, "group": np.int32, "target": np.int32}

    @classmethod
    def create(
        cls,
        x_m,
        y_m,
        *,
        radius_m=0.2,
        v0_m_s=1.2,
        tau_s=1.0,
        reaction_s=0.0,
        state=WAITING,
        group=0,
        target=0,
    ) -> Pedestrians:
        """Build a population from positions; the other columns broadcast from scalars or arrays.

        Defaults are JuPedSim 1.4.2's collision-free speed model agent defaults (radius 0.2 m,
        desired speed 1.2 m/s, time gap 1 s); everybody starts at rest, waiting for its reaction
        time (0 s: walks from the first step).
        """
        x = np.array(x_m, dtype=np.float64, ndmin=1)
        n = x.size
        y = np.array(y_m, dtype=np.float64, ndmin=1)
        if x.ndim != 1 or y.shape != x.shape:
            raise ValueError(
                f"x_m and y_m must be 1-D arrays of the same length, got {x.shape} and {y.shape}"
            )

        def col(value, dtype=np.float64) -> np.ndarray:
            return np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=dtype), (n,))).copy()

        return cls(
            x_m=x.copy(),
            y_m=y.copy(),
            vx_m_s=np.zeros(n),
            vy_m_s=np.zeros(n),
            radius_m=col(radius_m),
            v0_m_s=col(v0_m_s),
            tau_s=col(tau_s),
            reaction_s=col(reaction_s),
            state=col(state, np.int8),
            group=col(group, np.int32),
            target=col(target, np.int32),
            evacuated_at_s=np.full(n, np.nan),
        )

    def __post_init__(self) -> None:
        n = np.asarray(self.x_m).shape[0]
        for f in fields(self):
            arr = getattr(self, f.name)
            dtype = self.DTYPES.get(f.name, np.float64)
            if not (isinstance(arr, np.ndarray) and arr.dtype == dtype and arr.shape == (n,)):
                raise ValueError(
                    f"column {f.name!r} must be a 1-D {np.dtype(dtype).name} array of length {n}"
                )
            if not arr.flags.c_contiguous:
                setattr(self, f.name, np.ascontiguousarray(arr))

    @property
    def size(self) -> int:
        """Number of pedestrians (in every state)."""
        return int(self.x_m.shape[0])

    @property
    def nbytes_per_agent(self) -> int:
        """Memory of one pedestrian across all columns, in bytes."""
        return sum(getattr(self, f.name).itemsize for f in fields(self))

    def counts(self) -> dict[str, int]:
        """Number of pedestrians in each state, by state name (they add up to :attr:`size`)."""
        c = np.bincount(self.state, minlength=len(STATE_NAMES))
        return {name: int(c[k]) for k, name in enumerate(STATE_NAMES)}

    def population(self, name: str = "pedestrians") -> Population:
        """The same columns (shared, not copied) as an :class:`engine.agents.Population`."""
        pop = Population(name, self.size)
        for f in fields(self):
            pop.columns[f.name] = getattr(self, f.name)
            pop.units[f.name] = self.UNITS[f.name]
        return pop


class GroupParameters(BaseModel):
    """Parameter distribution of one population group (all draws uniform between bounds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    speed_min_m_s: float = Field(gt=0, le=10, description="lowest desired walking speed")
    speed_max_m_s: float = Field(gt=0, le=10, description="highest desired walking speed")
    radius_m: float = Field(0.2, gt=0, le=1, description="body radius")
    reaction_min_s: float = Field(0.0, ge=0, description="earliest start (pre-movement time)")
    reaction_max_s: float = Field(0.0, ge=0, description="latest start (pre-movement time)")

    @model_validator(mode="after")
    def _ordered(self) -> GroupParameters:
        if self.speed_max_m_s < self.speed_min_m_s:
            raise ValueError("speed_max_m_s must be >= speed_min_m_s")
        if self.reaction_max_s < self.reaction_min_s:
            raise ValueError("reaction_max_s must be >= reaction_min_s")
        return self


def _speeds(lo: float, hi: float) -> GroupParameters:
    return GroupParameters(speed_min_m_s=lo, speed_max_m_s=hi)


#: Desired-speed ranges by group. The first four are Weidmann's ranges as the RiMEA guideline
#: quotes them (test 7, identical in Zhou et al. 2015 table 1 and JuPedSim's RiMEA test 7); the
#: ``age_*`` entries are RiMEA 4.1.1's per-age values as JuPedSim's V&V notebooks implement
#: them (secondary source; 60 and 70 years are single values).
RIMEA_SPEED_GROUPS: Mapping[str, GroupParameters] = {
    "under_30": _speeds(0.58, 1.61),
    "age_30_50": _speeds(1.41, 1.54),
    "over_50": _speeds(0.68, 1.41),
    "reduced_mobility": _speeds(0.46, 0.76),
    "age_20": _speeds(1.60, 1.64),
    "age_30": _speeds(1.52, 1.56),
    "age_40": _speeds(1.46, 1.50),
    "age_50": _speeds(1.39, 1.43),
    "age_60": _speeds(1.27, 1.27),
    "age_70": _speeds(1.07, 1.07),
}


def draw_group_parameters(
    peds: Pedestrians,
    groups: Sequence[GroupParameters],
    rng: np.random.Generator,
) -> None:
    """Draw desired speed, radius and reaction time of every pedestrian from its group, in place.

    ``peds.group[i]`` indexes ``groups``. Draws are made group by group in index order from
    ``rng``, so one seed gives the same population whatever else the scenario holds.

    Examples
    --------
    >>> p = Pedestrians.create(np.zeros(4), np.zeros(4), group=[0, 0, 1, 1])
    >>> g = [RIMEA_SPEED_GROUPS["under_30"], RIMEA_SPEED_GROUPS["reduced_mobility"]]
    >>> draw_group_parameters(p, g, np.random.default_rng(1))
    >>> bool(np.all((p.v0_m_s[2:] >= 0.46) & (p.v0_m_s[2:] <= 0.76)))
    True
    """
    if peds.size and (peds.group.min() < 0 or peds.group.max() >= len(groups)):
        raise ValueError(
            f"group indices must lie in [0, {len(groups)}), got {peds.group.min()}..{peds.group.max()}"
        )
    for k, g in enumerate(groups):
        members = np.flatnonzero(peds.group == k)
        peds.v0_m_s[members] = rng.uniform(g.speed_min_m_s, g.speed_max_m_s, members.size)
        peds.radius_m[members] = g.radius_m
        peds.reaction_s[members] = rng.uniform(g.reaction_min_s, g.reaction_max_s, members.size)


def jittered_grid(
    n: int,
    box_m: tuple[float, float, float, float],
    jitter_m: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` positions filling a box on a near-square lattice, each moved at random.

    The box ``(x0, y0, x1, y1)`` is cut into ``cols × rows >= n`` equal cells as close to
    square as the box allows (so the density is about ``n`` over the box's area); the points
    are the centres of the first ``n`` cells, row by row from the lower-left corner, each moved
    by a uniform draw in ``[-jitter, jitter]`` along each axis. Two points are at least
    ``min(cell width, cell height) - 2 jitter`` apart, and half a cell minus the jitter from
    the box's sides.

    Examples
    --------
    >>> x, y = jittered_grid(20_000, (0.0, 0.0, 100.0, 100.0), 0.1, np.random.default_rng(0))
    >>> x.size, bool(x.min() > 0.25 and x.max() < 99.75)
    (20000, True)
    >>> x, y = jittered_grid(4, (0.0, 0.0, 2.0, 2.0), 0.0, np.random.default_rng(0))
    >>> x.tolist(), y.tolist()
    ([0.5, 1.5, 0.5, 1.5], [0.5, 0.5, 1.5, 1.5])
    """
    x0, y0, x1, y1 = box_m
    if n < 1 or not (x1 > x0 and y1 > y0):
        raise ValueError(f"need n >= 1 and a box with x1 > x0, y1 > y0, got n={n}, box={box_m}")
    cols = max(1, round(math.sqrt(n * (x1 - x0) / (y1 - y0))))
    rows = math.ceil(n / cols)
    dx, dy = (x1 - x0) / cols, (y1 - y0) / rows
    k = np.arange(n)
    x = x0 + (k % cols + 0.5) * dx + rng.uniform(-jitter_m, jitter_m, n)
    y = y0 + (k // cols + 0.5) * dy + rng.uniform(-jitter_m, jitter_m, n)
    return x, y
