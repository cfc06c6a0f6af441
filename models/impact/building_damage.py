"""Earthquake damage to the building stock of every cell, and the deaths, injuries and trapped it causes.

The process ``building_damage`` is started by a chain rule on the ``"earthquake"`` event; it reads
the peak ground acceleration field ``pga_g`` once, at its start, and samples, cell by cell:

1. **the inventory**: building counts per cell by HAZUS model building type and code level, either
   given per district rectangle (spread evenly over the district's cells in whole buildings, as
   :func:`models.exposure.population.rasterise_districts` spreads people) or derived from the
   ``population`` field as ``ceil(people / people_per_building)`` buildings, split between the
   classes of a ``mix`` by largest remainder;
2. **the damage state of every building** (none, slight, moderate, extensive, complete) from the
   HAZUS equivalent-PGA fragility curves (:func:`models.impact.buildings.sample_damage_states`),
   and which complete-damage buildings collapse (binomially, with the class's collapse fraction);
3. **the occupants**: whole people inside buildings, drawn binomially from the cell's people with
   the ``indoor_fraction`` field (or the ``indoor_fraction`` key when no field is provided), then
   spread over the cell's buildings in proportion to their number (multinomially), so that every
   building of a cell holds the same expected number of people;
4. **their fate**: each occupant of a building in a damage state ends at severity 1, 2, 3, 4
   (killed) or unhurt with the HAZUS indoor casualty rates of that state
   (:data:`models.impact.buildings.CASUALTY_RATES_PERCENT`; complete damage split into "without
   collapse" and "with collapse"). The **trapped** are the injured survivors (severity 1–3) of
   collapsed buildings, the definition of :func:`models.impact.buildings.trapped_people`.

Every draw is unbiased for the expected values of :func:`~models.impact.buildings.expected_casualties`
and :func:`~models.impact.buildings.trapped_people`, which are reported beside the sampled numbers.

What it writes: the fields ``building_collapse_fraction`` (collapsed / all buildings of a cell) and
``earthquake_deaths`` (sampled whole people), the table ``trapped_people`` (one row per cell and
building type with trapped survivors: the demand for rescue teams) and, when any building
collapsed, one ``"buildings_collapsed"`` event whose cause is the earthquake event, at the cell
with the most collapses.

Time of day. HAZUS distributes people over residential, commercial and other occupancies for a
2 a.m., 2 p.m. and 5 p.m. earthquake from census categories (Hazus earthquake technical manual,
casualty chapter, as followed by HEC-FIA's population distribution); those factors could not be
checked against the manual here, so this model takes the share of people indoors from the
``indoor_fraction`` field, which the scenario sets for the hour it describes.

Sources: see :mod:`models.impact.buildings` (HAZUS-MH equivalent-PGA medians [seen]; casualty
rates and collapse fractions [recalled]).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.exposure.population import District, Rectangle, rasterise_districts
from models.impact.buildings import (
    CASUALTY_RATES_PERCENT,
    COLLAPSE_FRACTION,
    DAMAGE_STATES,
    PGA_MEDIANS_G,
    expected_casualties,
    sample_damage_states,
    state_probabilities,
    trapped_people,
)

__all__ = [
    "BuildingClass",
    "BuildingDamage",
    "BuildingDamageConfig",
    "BuildingDistrict",
    "apportion_buildings",
    "outcome_probabilities",
    "sample_building_damage",
]


def _normalise_code_level(level: str) -> str:
    return str(level).strip().lower().removesuffix("-code").removesuffix("_code").removesuffix(" code")


class BuildingClass(BaseModel):
    """A HAZUS model building type at one code level, with its collapse fraction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    building_type: str = Field(description="HAZUS model building type: W1, S1L, C1L, C2L, URML or MH")
    code_level: str = Field(description='seismic design level: "high", "moderate", "low" or "pre"')
    collapse_fraction: float | None = Field(
        None, ge=0, le=1, description="share of complete-damage buildings that collapse; W1, URML on file"
    )

    @model_validator(mode="after")
    def _known(self) -> BuildingClass:
        bt = self.building_type.strip().upper()
        if bt not in PGA_MEDIANS_G:
            raise ValueError(
                f"unknown building_type {self.building_type!r}; expected one of {', '.join(PGA_MEDIANS_G)}"
            )
        level = _normalise_code_level(self.code_level)
        if level not in PGA_MEDIANS_G[bt]:
            raise ValueError(
                f"no fragility for {bt} at code_level {self.code_level!r}; "
                f"valid code levels for {bt}: {', '.join(PGA_MEDIANS_G[bt])}"
            )
        if self.collapse_fraction is None and bt not in COLLAPSE_FRACTION:
            raise ValueError(
                f"no collapse fraction on file for {bt} (only {', '.join(COLLAPSE_FRACTION)}); "
                "add collapse_fraction = ... (share of complete-damage buildings that collapse)"
            )
        return self

    @property
    def key(self) -> tuple[str, str, float]:
        """``(type, code level, collapse fraction)``, normalised: one inventory class."""
        bt = self.building_type.strip().upper()
        cf = self.collapse_fraction if self.collapse_fraction is not None else COLLAPSE_FRACTION[bt]
        return bt, _normalise_code_level(self.code_level), float(cf)


class ClassCount(BuildingClass):
    """``{ building_type, code_level, count }``: buildings of one class in a district."""

    count: int = Field(ge=0, description="number of buildings of this class in the district")


class ClassShare(BuildingClass):
    """``{ building_type, code_level, share }``: share of one class in the building mix."""

    share: float = Field(gt=0, le=1, description="share of the buildings of a cell in this class")


class BuildingDistrict(Rectangle):
    """A rectangle with given building counts, spread evenly over its cells."""

    buildings: list[ClassCount] = Field(min_length=1, description="building counts by class")


class BuildingDamageConfig(ProcessConfig):
    """``[[impacts]] model = "building_damage"``.

    The inventory is given one of two ways: ``districts = [{ x_min_m, ..., buildings = [{
    building_type, code_level, count }] }]``, or ``people_per_building`` with a ``mix = [{
    building_type, code_level, share }]`` whose shares add up to 1.
    """

    model: Literal["building_damage"] = "building_damage"
    districts: list[BuildingDistrict] = Field(default_factory=list, description="building counts by area")
    people_per_building: float | None = Field(
        None, gt=0, description="residents per building, to derive building counts from population"
    )
    mix: list[ClassShare] = Field(default_factory=list, description="building classes and their shares")
    indoor_fraction: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of people inside buildings if no indoor_fraction field (default 1)",
    )

    @model_validator(mode="after")
    def _one_inventory(self) -> BuildingDamageConfig:
        derived = self.people_per_building is not None or bool(self.mix)
        if bool(self.districts) == derived:
            raise ValueError(
                "give the building inventory one way: districts = [...], or people_per_building "
                "with mix = [...]"
            )
        if derived:
            if self.people_per_building is None or not self.mix:
                raise ValueError("people_per_building and mix = [...] go together; give both")
            total = sum(c.share for c in self.mix)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"the shares of mix add up to {total:.6g}; they must add up to 1")
            keys = [c.key[:2] for c in self.mix]
            if len(set(keys)) != len(keys):
                raise ValueError("mix lists a building_type and code_level twice; merge the entries")
        return self

    def classes(self) -> list[tuple[str, str, float]]:
        """The distinct inventory classes, in order of first appearance."""
        entries = self.mix or [b for d in self.districts for b in d.buildings]
        return list(dict.fromkeys(e.key for e in entries))


def apportion_buildings(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split whole buildings between classes by largest remainder, cell by cell.

    Parameters
    ----------
    total : array_like of int
        Buildings per cell, any shape ``(...)``.
    shares : array_like
        Class shares, shape ``(k,)``, adding up to 1.

    Returns
    -------
    numpy.ndarray
        Integer counts of shape ``(k, ...)`` adding up to ``total`` in every cell; each class gets
        ``floor(total × share)`` and the leftover buildings go to the largest remainders (ties to
        the earlier class).

    Examples
    --------
    >>> apportion_buildings(np.array([10, 3]), np.array([0.55, 0.45])).tolist()
    [[6, 2], [4, 1]]
    """
    total = np.asarray(total, dtype=np.int64)
    shares = np.asarray(shares, dtype=np.float64)
    exact = total[None, ...] * shares.reshape((-1,) + (1,) * total.ndim)
    whole = np.floor(exact).astype(np.int64)
    left = total - whole.sum(axis=0)
    # Rank of each class's remainder within its cell (0 = largest; stable: earlier class first).
    order = np.argsort(-(exact - whole), axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(shares.size).reshape((-1,) + (1,) * total.ndim), axis=0)
    return whole + (rank < left[None, ...])


def outcome_probabilities(building_type: str) -> np.ndarray:
    """Probabilities of severity 1, 2, 3, 4 (killed) and unhurt for an occupant, by building state.

    Returns
    -------
    numpy.ndarray
        Shape ``(6, 5)``: rows none, slight, moderate, extensive, complete without collapse,
        collapsed; columns severity 1–4 then unhurt (rows add up to 1). The rates are
        :data:`~models.impact.buildings.CASUALTY_RATES_PERCENT` as fractions.

    Examples
    --------
    >>> outcome_probabilities("W1")[5].round(2).tolist()
    [0.4, 0.2, 0.03, 0.05, 0.32]
    """
    rates = np.zeros((6, 4))
    rates[1:] = np.asarray(CASUALTY_RATES_PERCENT[building_type], dtype=np.float64) / 100.0
    return np.column_stack([rates, 1.0 - rates.sum(axis=1)])


def sample_building_damage(
    pga_g: np.ndarray,
    n_buildings: np.ndarray,
    occupants: np.ndarray,
    building_type: str,
    code_level: str,
    collapse_fraction: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample damage states, collapses and the occupants' fate for one building class.

    Parameters
    ----------
    pga_g : array_like
        Peak ground acceleration in g, shape ``(n,)``.
    n_buildings : array_like of int
        Buildings of this class per cell, shape ``(n,)``.
    occupants : array_like of int
        Whole people inside this class's buildings per cell, shape ``(n,)`` (0 where no buildings).
    building_type, code_level : str
        The HAZUS class (:data:`~models.impact.buildings.PGA_MEDIANS_G`).
    collapse_fraction : float
        Share of complete-damage buildings that collapse.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    buildings : numpy.ndarray
        Buildings by state, shape ``(n, 6)``: none, slight, moderate, extensive, complete without
        collapse, collapsed.
    casualties : numpy.ndarray
        Occupants by outcome, shape ``(n, 5)``: severity 1, 2, 3, 4 (killed), unhurt.
    trapped : numpy.ndarray
        Injured survivors (severity 1–3) of collapsed buildings, shape ``(n,)``.

    Examples
    --------
    >>> b, c, t = sample_building_damage(np.array([0.6]), np.array([50]), np.array([120]), "URML", "pre",
    ...                                  0.15, np.random.default_rng(1))
    >>> int(b.sum()), int(c.sum()), bool(t[0] <= c[0, :3].sum())
    (50, 120, True)
    """
    n = np.asarray(n_buildings, dtype=np.int64)
    occ = np.asarray(occupants, dtype=np.int64)
    if np.any(occ[n == 0] > 0):
        raise ValueError("occupants given for cells without buildings of this class")
    states = sample_damage_states(pga_g, n, building_type, code_level, rng)
    collapsed = rng.binomial(states[:, 4], collapse_fraction)
    buildings = np.column_stack([states[:, :4], states[:, 4] - collapsed, collapsed])
    share = buildings / np.maximum(n, 1)[:, None]
    share[n == 0] = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    people = rng.multinomial(occ, share)  # (n, 6): occupants by the state of their building
    fate = rng.multinomial(people, outcome_probabilities(building_type))  # (n, 6, 5)
    return buildings, fate.sum(axis=1), fate[:, 5, :3].sum(axis=1)


@register
class BuildingDamage(Process):
    """Building damage, deaths, injuries and trapped people from one earthquake's ``pga_g``."""

    model_name = "building_damage"
    family = "impacts"
    Config = BuildingDamageConfig
    reads = (
        FieldSpec("pga_g", "g", "peak ground acceleration"),
        FieldSpec("population", "1", "people per cell"),
        FieldSpec("indoor_fraction", "1", "share of people inside buildings", optional=True),
    )
    writes = (
        FieldSpec("building_collapse_fraction", "1", "share of a cell's buildings that collapsed"),
        FieldSpec("earthquake_deaths", "1", "people killed in damaged buildings (sampled)"),
    )
    emits = ("buildings_collapsed",)
    default_dt_s = None  # acts once, when the earthquake starts it

    @classmethod
    def check(cls, config: BuildingDamageConfig, scenario, key: str) -> None:
        """Districts must overlap the grid; the indoor share is given one way only."""
        g = scenario.grid
        x1 = g.origin_x_m + g.nx * g.cell_size_m
        y1 = g.origin_y_m + g.ny * g.cell_size_m
        for i, d in enumerate(config.districts):
            if d.x_max_m <= g.origin_x_m or d.x_min_m >= x1 or d.y_max_m <= g.origin_y_m or d.y_min_m >= y1:
                raise ScenarioError(
                    "district lies entirely outside the grid; move it or enlarge [grid]",
                    key=f"{key}.districts[{i}]",
                )
        provided = {layer.name for layer in scenario.layers}
        provided.update(f.name for p in scenario.processes for f in p.cls.writes)
        if "indoor_fraction" in provided and config.indoor_fraction is not None:
            raise ScenarioError(
                'an "indoor_fraction" field is provided, so the key would be ignored; remove one of them',
                key=f"{key}.indoor_fraction",
            )

    # -- inventory ------------------------------------------------------------------------------
    def inventory(self) -> tuple[list[tuple[str, str, float]], np.ndarray]:
        """The building classes and their counts per cell, shape ``(k, ny, nx)``."""
        cfg: BuildingDamageConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        classes = cfg.classes()
        if cfg.districts:
            counts = np.zeros((len(classes), *grid.shape), dtype=np.int64)
            for d in cfg.districts:
                for b in d.buildings:
                    area = District(
                        x_min_m=d.x_min_m,
                        x_max_m=d.x_max_m,
                        y_min_m=d.y_min_m,
                        y_max_m=d.y_max_m,
                        people=b.count,
                    )
                    spread = rasterise_districts([area], grid.x_m, grid.y_m, grid.cell_size_m)
                    counts[classes.index(b.key)] += spread.astype(np.int64)
            return classes, counts
        pop = np.round(self.world.grid.layers["population"].data)
        total = np.where(pop > 0, np.ceil(pop / cfg.people_per_building), 0).astype(np.int64)  # type: ignore[operator]
        shares = np.array([c.share for c in cfg.mix])
        return classes, apportion_buildings(total, shares)

    def _indoor_share(self) -> np.ndarray | float:
        layers = self.world.grid.layers
        if "indoor_fraction" in layers:
            return np.clip(layers["indoor_fraction"].data, 0.0, 1.0)
        cfg: BuildingDamageConfig = self.config  # type: ignore[assignment]
        return 1.0 if cfg.indoor_fraction is None else cfg.indoor_fraction

    def _earthquake_id(self) -> int:
        """The event that caused this run of the model, skipping ``process_started`` links."""
        ev = self.trigger_event()
        return self.cause_id if ev is None else ev.id

    # -- life cycle -----------------------------------------------------------------------------
    def start(self, t_s: float) -> None:
        """Sample the damage, the casualties and the trapped, write the fields and log the collapse."""
        grid = self.world.grid
        layers = grid.layers
        pga = np.maximum(layers["pga_g"].data.ravel(), 0.0)
        pop = np.round(np.maximum(layers["population"].data.ravel(), 0.0)).astype(np.int64)
        classes, counts = self.inventory()
        counts = counts.reshape(len(classes), -1)
        total = counts.sum(axis=0)
        share_in = np.broadcast_to(self._indoor_share(), grid.shape).ravel()
        indoors = np.where(total > 0, self.rng.binomial(pop, share_in), 0)
        by_class = np.where(total > 0, counts / np.maximum(total, 1), 1.0 / len(classes)).T  # (cells, k)
        occupants = self.rng.multinomial(indoors, by_class).T  # (k, cells)

        size = grid.nx * grid.ny
        self.states = np.zeros((6, size), dtype=np.int64)  # none .. complete w/o collapse, collapsed
        self.casualties = np.zeros((5, size), dtype=np.int64)
        self.expected = np.zeros((5, size))  # severity 1-4 and trapped, expected values
        self.expected_collapsed = np.zeros(size)
        xs, ys = grid.cell_centres()
        rows: dict[str, list] = {"x_m": [], "y_m": [], "people": [], "building_type": []}
        trapped_cells: dict[str, np.ndarray] = {}
        for k, (bt, level, cf) in enumerate(classes):
            cells = np.flatnonzero(counts[k])
            if cells.size == 0:
                continue
            n, occ = counts[k, cells], occupants[k, cells]
            b, c, trapped = sample_building_damage(pga[cells], n, occ, bt, level, cf, self.rng)
            self.states[:, cells] += b.T
            self.casualties[:, cells] += c.T
            trapped_cells[bt] = trapped_cells.get(bt, np.zeros(size, dtype=np.int64))
            trapped_cells[bt][cells] += trapped
            p = state_probabilities(pga[cells], bt, level)
            mean_occ = pop[cells] * np.broadcast_to(share_in, pop.shape)[cells] * n / total[cells]
            self.expected[:4, cells] += expected_casualties(p, mean_occ, bt, collapse_fraction=cf).T
            self.expected[4, cells] += trapped_people(p, mean_occ, bt, collapse_fraction=cf).sum(axis=-1)
            self.expected_collapsed[cells] += n * p[:, 4] * cf
        for bt, trapped in trapped_cells.items():
            hit = np.flatnonzero(trapped)
            rows["x_m"] += xs[hit].tolist()
            rows["y_m"] += ys[hit].tolist()
            rows["people"] += trapped[hit].tolist()
            rows["building_type"] += [bt] * hit.size
        self.trapped_rows = rows
        # The table is the rescue models' demand: it exists from the moment of the collapse.
        self.world.add_table(
            "trapped_people",
            {
                "x_m": np.asarray(rows["x_m"], dtype=np.float64),
                "y_m": np.asarray(rows["y_m"], dtype=np.float64),
                "people": np.asarray(rows["people"], dtype=np.int64),
                "building_type": np.asarray(rows["building_type"], dtype=str),
            },
            {"x_m": "m", "y_m": "m", "people": "1"},
            "injured survivors trapped in collapsed buildings, per cell and building type (cell centres)",
        )
        self.n_buildings = total

        shape = grid.shape
        collapsed = self.states[5]
        layers["building_collapse_fraction"].data[...] = (collapsed / np.maximum(total, 1)).reshape(shape)
        layers["earthquake_deaths"].data[...] = self.casualties[3].reshape(shape).astype(np.float64)
        self.mark_written("building_collapse_fraction")
        self.mark_written("earthquake_deaths")
        self._log_collapse(xs, ys)

    def _log_collapse(self, xs: np.ndarray, ys: np.ndarray) -> None:
        collapsed = self.states[5]
        if collapsed.sum() == 0:
            return
        k = int(np.argmax(collapsed))
        data: dict[str, float | int] = {
            "buildings_collapsed": int(collapsed.sum()),
            **{f"buildings_{s}": int(self.states[i].sum()) for i, s in enumerate(DAMAGE_STATES[1:4], 1)},
            "buildings_complete": int(self.states[4].sum() + collapsed.sum()),
            "deaths": int(self.casualties[3].sum()),
            "injured": int(self.casualties[:3].sum()),
            "trapped": int(sum(self.trapped_rows["people"])),
        }
        self.emit(
            "buildings_collapsed",
            cause_id=self._earthquake_id(),
            x_m=float(xs[k]),
            y_m=float(ys[k]),
            data=data,
        )

    def finish(self, t_s: float) -> None:
        """Report buildings by damage state, casualties and the trapped; keep maps and the trapped table."""
        w = self.world
        s, c = self.states, self.casualties
        w.report_kpi("buildings_total", self.n_buildings.sum(), "1", "buildings in the inventory")
        w.report_kpi("buildings_none", s[0].sum(), "1", "buildings without damage")
        for i, state in enumerate(DAMAGE_STATES[1:4], 1):
            w.report_kpi(f"buildings_{state}", s[i].sum(), "1", f"buildings left in {state} damage")
        w.report_kpi(
            "buildings_complete", s[4].sum() + s[5].sum(), "1", "buildings in complete damage (collapsed too)"
        )
        w.report_kpi("buildings_collapsed", s[5].sum(), "1", "buildings that collapsed (sampled)")
        w.report_kpi(
            "buildings_collapsed_expected", self.expected_collapsed.sum(), "1", "expected collapsed buildings"
        )
        w.report_kpi(
            "earthquake_deaths", c[3].sum(), "people", "people killed in damaged buildings (sampled)"
        )
        w.report_kpi(
            "earthquake_deaths_expected", self.expected[3].sum(), "people", "expected deaths (HAZUS rates)"
        )
        for k in range(3):
            w.report_kpi(
                f"earthquake_injured_severity{k + 1}",
                c[k].sum(),
                "people",
                f"people injured at HAZUS severity {k + 1} (sampled)",
            )
        trapped = sum(self.trapped_rows["people"])
        w.report_kpi(
            "earthquake_trapped", trapped, "people", "injured survivors trapped in collapsed buildings"
        )
        w.report_kpi(
            "earthquake_trapped_expected", self.expected[4].sum(), "people", "expected trapped survivors"
        )

        shape = w.grid.shape
        w.add_map(
            "building_collapse_fraction",
            w.grid.layers["building_collapse_fraction"].data,
            "1",
            "share of a cell's buildings that collapsed",
            contours=(0.01, 0.1),
        )
        damage_index = np.arange(6, dtype=np.float64)
        damage_index[5] = 4.0  # collapsed buildings are in complete damage
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_state = (damage_index @ s) / self.n_buildings
        w.add_map(
            "mean_damage_state",
            mean_state.reshape(shape),
            "1",
            "mean damage state of a cell's buildings (0 none, 1 slight, 2 moderate, 3 extensive, 4 complete)",
        )
        w.add_map(
            "earthquake_deaths", c[3].reshape(shape).astype(np.float64), "1", "earthquake deaths per cell"
        )
