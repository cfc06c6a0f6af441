"""People in floodwater: the worst depth × velocity hazard class each cell reaches, and who lives there.

Every step, each wet cell is put in one of the six combined flood hazard classes H1–H6 of
Australian Disaster Resilience Guideline 7-3 (AIDR 2017; Smith et al. 2014), which bound depth
``d``, speed ``v`` and their product ``d·v``:

=====  ==================================================  =======  =======  =========
class  meaning                                             d ≤ (m)  v ≤ m/s  d·v ≤ m²/s
=====  ==================================================  =======  =======  =========
H1     generally safe for people, vehicles and buildings   0.3      2.0      0.3
H2     unsafe for small vehicles                           0.5      2.0      0.6
H3     unsafe for vehicles, children and the elderly       1.2      2.0      0.6
H4     unsafe for vehicles and people                      2.0      2.0      1.0
H5     unsafe for vehicles and people; buildings need      4.0      4.0      4.0
       special engineering design and construction
H6     unsafe for vehicles and people; all building types  —        —        —
       considered vulnerable to failure
=====  ==================================================  =======  =======  =========

Water standing in a barrier lake counts too: where the field ``lake_depth_m`` exists (written by
``barrier_lake``), a cell's depth is the larger of the flood's and the lake's, at the flood's
speed (a filling lake is still water), so the people of a village drowned behind a landslide dam
are counted with those of the outburst flood below it.

A cell is in the lowest class whose three limits it meets (limits are inclusive), H6 if none;
this equals the largest of the classes that depth, speed and ``d·v`` give one at a time. A cell
whose depth does not exceed ``wet_depth_m`` is dry (class 0). The process keeps the highest class
each cell reaches (a map), and at the end counts the people of the ``population`` field by that
class (KPIs and a table).

Deaths are optional: ``mortality_by_class = [p1, ..., p6]`` gives the probability of death of a
person in a cell whose worst class is H1 … H6, and deaths are drawn binomially with the process's
own random stream. No default is offered: a published flood mortality function (Jonkman 2007,
2008) could not be checked here, so the scenario author states the rates they rely on.

Sources
-------
* Class limits [seen in public code]: the implementation of the NSW Flood Risk Management
  Guideline FB03 (2023) hazard categories, which restate AIDR Guideline 7-3's combined hazard
  curves, in Geoscience Australia's ``ptha`` repository (``compute_flood_hazard_categories.R``:
  ``d·v`` limits 0.3 / 0.6 / 0.6 / 1.0 / 4.0 m²/s, speed limits 2.0 and 4.0 m/s, depth limits
  0.3 / 0.5 / 1.2 / 2.0 / 4.0 m, all exclusive above). The class meanings are those of the
  guideline's legend as published on public flood-map services. They correct the project sheet
  (``hazard-models.md`` (h)), which omitted H2's 2 m/s speed limit.
* Smith, G.P., Davey, E.K., Cox, R.J. (2014). Flood hazard. Water Research Laboratory, UNSW,
  Technical Report 2014/07 [recalled, not read].
"""

from __future__ import annotations

import itertools
from typing import Literal

import numba
import numpy as np
from pydantic import Field, field_validator

from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register

__all__ = [
    "HAZARD_CLASS_LIMITS",
    "HAZARD_CLASS_NAMES",
    "FloodPeople",
    "FloodPeopleConfig",
    "hazard_class",
    "update_max_hazard_class",
]

#: Upper limits of H1..H5: rows ``(depth m, speed m/s, depth × speed m²/s)``; above H5 is H6.
HAZARD_CLASS_LIMITS = np.array(
    [
        [0.3, 2.0, 0.3],  # H1
        [0.5, 2.0, 0.6],  # H2
        [1.2, 2.0, 0.6],  # H3
        [2.0, 2.0, 1.0],  # H4
        [4.0, 4.0, 4.0],  # H5
    ]
)

#: What each class means (AIDR 2017 Guideline 7-3).
HAZARD_CLASS_NAMES = {
    1: "generally safe for people, vehicles and buildings",
    2: "unsafe for small vehicles",
    3: "unsafe for vehicles, children and the elderly",
    4: "unsafe for vehicles and people",
    5: "unsafe for vehicles and people; buildings need special engineering design",
    6: "unsafe for vehicles and people; all building types vulnerable to failure",
}


@numba.njit(cache=True)
def _class_of(d, v, wet_depth_m, limits):  # pragma: no cover - compiled
    if not d > wet_depth_m:
        return 0
    dv = d * v
    for k in range(limits.shape[0]):
        if d <= limits[k, 0] and v <= limits[k, 1] and dv <= limits[k, 2]:
            return k + 1
    return limits.shape[0] + 1


@numba.njit(cache=True)
def update_max_hazard_class(depth_m, speed_m_s, max_class, wet_depth_m, limits):  # pragma: no cover
    """Raise ``max_class`` (int8, flat) to each cell's current hazard class, in place.

    Compiled; checked against the plain-Python twin in ``tests/models/impact/test_flood_people.py``.
    """
    for k in range(depth_m.size):
        c = _class_of(depth_m[k], speed_m_s[k], wet_depth_m, limits)
        if c > max_class[k]:
            max_class[k] = c


def hazard_class(depth_m, speed_m_s, *, wet_depth_m: float = 0.0) -> np.ndarray:
    """Combined flood hazard class H1–H6 (1–6; 0 dry) of depth and speed (AIDR 2017 Guideline 7-3).

    Parameters
    ----------
    depth_m, speed_m_s : array_like
        Water depth (m) and depth-averaged speed (m/s), broadcastable to one shape.
    wet_depth_m : float
        Depths not above this are dry (class 0).

    Returns
    -------
    numpy.ndarray
        ``int8`` classes.

    Examples
    --------
    >>> hazard_class([0.3, 0.31, 0.5, 1.2, 2.0, 4.0, 4.01], 0.0).tolist()
    [1, 2, 2, 3, 4, 5, 6]
    >>> hazard_class([0.15, 0.15, 0.5, 0.5], [2.0, 2.01, 1.2, 1.21]).tolist()  # d·v 0.3, v 2, d·v 0.6
    [1, 5, 2, 4]
    """
    d, v = np.broadcast_arrays(np.asarray(depth_m, dtype=np.float64), np.asarray(speed_m_s, dtype=np.float64))
    out = np.zeros(d.size, dtype=np.int8)
    update_max_hazard_class(
        np.ascontiguousarray(d).ravel(),
        np.ascontiguousarray(v).ravel(),
        out,
        float(wet_depth_m),
        HAZARD_CLASS_LIMITS,
    )
    return out.reshape(d.shape)


class FloodPeopleConfig(ProcessConfig):
    """``[[impacts]] model = "flood_people"``."""

    model: Literal["flood_people"] = "flood_people"
    wet_depth_m: float = Field(0.05, ge=0, description="depths not above this count as dry")
    mortality_by_class: list[float] | None = Field(
        None,
        min_length=6,
        max_length=6,
        description="probability of death for people whose cell's worst class is H1..H6; no deaths if unset",
    )

    @field_validator("mortality_by_class")
    @classmethod
    def _rates(cls, rates: list[float] | None) -> list[float] | None:
        if rates is None:
            return rates
        if any(not 0.0 <= r <= 1.0 for r in rates):
            raise ValueError("every rate must lie in [0, 1]")
        if any(b < a for a, b in itertools.pairwise(rates)):
            raise ValueError("rates must not decrease from H1 to H6 (a worse class cannot be safer)")
        return rates


@register
class FloodPeople(Process):
    """The worst flood hazard class (H1–H6) per cell, and the people exposed to each class."""

    model_name = "flood_people"
    family = "impacts"
    Config = FloodPeopleConfig
    reads = (
        FieldSpec("water_depth_m", "m", "flood water depth"),
        FieldSpec("flow_speed_m_s", "m s-1", "depth-averaged flow speed"),
        FieldSpec("population", "1", "people per cell"),
        FieldSpec("lake_depth_m", "m", "barrier lake water depth (still water)", optional=True),
    )
    default_dt_s = 10.0

    def setup(self) -> None:
        """Allocate the per-cell maximum class."""
        super().setup()
        self.max_class = np.zeros(self.world.grid.nx * self.world.grid.ny, dtype=np.int8)

    def start(self, t_s: float) -> None:
        """Classify the water present at the start."""
        self._update()

    def advance(self, t_s: float, dt_s: float) -> None:
        """Classify the water at ``t_s`` and keep each cell's worst class."""
        self._update()

    def _update(self) -> None:
        layers = self.world.grid.layers
        depth_m = layers["water_depth_m"].data
        if "lake_depth_m" in layers:
            depth_m = np.maximum(depth_m, layers["lake_depth_m"].data)
        update_max_hazard_class(
            depth_m.ravel(),
            layers["flow_speed_m_s"].data.ravel(),
            self.max_class,
            self.config.wet_depth_m,  # type: ignore[attr-defined]
            HAZARD_CLASS_LIMITS,
        )

    def finish(self, t_s: float) -> None:
        """People and area by worst class (KPIs and a table), the class map and, if asked, deaths."""
        cfg: FloodPeopleConfig = self.config  # type: ignore[assignment]
        w = self.world
        shape = w.grid.shape
        pop = np.maximum(w.grid.layers["population"].data.ravel(), 0.0)
        classes = np.arange(1, 7)
        people = np.array([pop[self.max_class == k].sum() for k in classes])
        area_km2 = (
            np.array([np.count_nonzero(self.max_class == k) for k in classes]) * w.grid.cell_area_m2 / 1e6
        )
        for k, n in zip(classes, people, strict=True):
            w.report_kpi(
                f"flood_people_H{k}",
                n,
                "people",
                f"people where the worst flood class was H{k}: {HAZARD_CLASS_NAMES[k]}",
            )
        w.report_kpi(
            "flood_people_H4_or_worse",
            people[3:].sum(),
            "people",
            "people where the flood was unsafe for people",
        )
        w.report_kpi("flood_people_wet", people.sum(), "people", "people whose cell was wet at some time")
        w.add_map(
            "max_flood_hazard_class",
            self.max_class.reshape(shape).astype(np.float64),
            "1",
            "worst combined flood hazard class reached (1-6 = H1-H6, 0 dry; AIDR 2017 Guideline 7-3)",
            contours=(3.5,),
        )
        columns = {"hazard_class": classes, "people": people, "area_km2": area_km2}
        units = {"hazard_class": "1", "people": "1", "area_km2": "km2"}
        if cfg.mortality_by_class is not None:
            p_death = np.concatenate([[0.0], cfg.mortality_by_class])[self.max_class]
            deaths = self.rng.binomial(np.round(pop).astype(np.int64), p_death)
            expected = (pop * p_death).sum()
            columns["deaths"] = np.array([deaths[self.max_class == k].sum() for k in classes])
            units["deaths"] = "1"
            w.report_kpi("flood_deaths", deaths.sum(), "people", "people killed by the flood (sampled)")
            w.report_kpi("flood_deaths_expected", expected, "people", "expected flood deaths")
            w.add_map(
                "flood_deaths",
                deaths.reshape(shape).astype(np.float64),
                "1",
                "flood deaths per cell (sampled)",
            )
        w.add_table(
            "flood_people_by_hazard_class",
            columns,
            units,
            "people and area by the worst combined flood hazard class reached (H1-H6)",
            plot=("hazard_class", "people", "linear"),
        )
