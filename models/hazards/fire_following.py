"""Fires after an earthquake: ignitions per cell from the HAZUS ignition-rate regression, one event per fire.

The process ``fire_following_earthquake`` is started by a chain rule on the ``"earthquake"`` event.
At its start it reads ``pga_g`` and ``population`` (and ``building_collapse_fraction`` when a
damage model wrote it) and, cell by cell:

1. **Floor area.** The building floor area of a cell is ``population × floor_area_per_person_m2``
   (default 40 m² per person). This is an *assumption*, not a published constant: 40 m² is about
   the residential floor space per person of Chinese towns in the 2010s as the national statistics
   report it [recalled, not checked here]; it leaves out shops, offices and factories, which HAZUS
   counts in its total floor area, so it undercounts ignitions where they are many. Raise it to
   include them.
2. **Mean number of ignitions.** The HAZUS ignition regression updated by Scawthorn (2009),
   *Enhancements in HAZUS-MH Fire Following Earthquake, Task 3: Updated Ignition Equation*, SPA
   Risk LLC for PBS&J and NIBS, 16 April 2009, abstract [seen]: the mean number of ignitions per
   million square feet of total building floor area (TFA) is

   ``Ign / TFA = 0.581895 · PGA² − 0.029444 · PGA``      (PGA in g; 1 million ft² = 92 903.04 m²)

   fitted to 238 data points from seven U.S. earthquakes of 1971–1994; an "ignition" is a fire
   that ultimately needs a fire-department response. The polynomial is negative below
   PGA = 0.029444 / 0.581895 ≈ 0.0506 g; the rate is set to 0 there (this model's choice). The
   coefficients are a scenario key (``ignition_rate_per_msf``: c0, c1, c2 of
   ``c0 + c1·PGA + c2·PGA²``), so another regression of the same form can be used. Alternatives
   not implemented here: the Poisson generalized linear models of Davidson (2009, *J. Infrastruct.
   Syst.* 15(4)) and the ignition model of Zolfaghari et al. (2009) need covariates this grid does
   not hold (their coefficients were not read here).
3. **Sampled fires.** The number of fires of a cell is Poisson with that mean (``self.rng``);
   HAZUS applies the rate to a census tract's floor area, and a sum of independent Poisson counts
   is Poisson with the summed mean, so splitting the tract into cells changes nothing in
   expectation.
4. **When and where.** Each fire starts ``ignition delay`` after the earthquake, the delay drawn
   from an exponential distribution with mean ``ignition_delay_mean_s`` (default 1800 s: an
   *assumption* that most post-earthquake ignitions break out within the first hour or so; the
   time distribution of ignitions was not read in a source here). It is placed at the cell centre
   plus a uniform offset within the cell.

No fire spread is modelled: each ignition is one fire in one building of ``building_floor_area_m2``
(default 500 m², assumption) that burns for ``burn_duration_s`` (default 3600 s, assumption) if
nobody suppresses it. The people at risk of a fire are those the burning floor area holds at the
cell's density, ``min(population, round(building_floor_area_m2 / floor_area_per_person_m2))``; when
``building_collapse_fraction`` is known, ``people_trapped = round(people_at_risk × collapse
fraction)`` of them are taken to be trapped in the burning building. It is known when the scenario
gives it as a layer or a damage model has written it when this process starts: chain rules on the
same event start their processes in the order the scenario lists them, so list the
``building_damage`` rule before this one (otherwise ``collapse_fraction`` is ``None`` and nobody is
counted trapped).

**Event contract** (agreed with the rescue model, :mod:`models.response.rescue`): fire tasks come
from events of kinds ``"building_fire"``, ``"pool_fire"``, ``"jet_fire"``, ``"fireball"`` and
``"fire"``, read through ``x_m``, ``y_m`` and ``time_s``, and the optional ``data["people_at_risk"]``
(people needing rescue or evacuation from the fire) and ``data["burn_duration_s"]`` (how long the
fire burns unsuppressed). This process emits ``"building_fire"`` events, cause: the earthquake
event, with data {``people_at_risk``, ``people_trapped``, ``floor_area_m2`` (burning building),
``cell_floor_area_m2``, ``pga_g``, ``collapse_fraction`` (``None`` when unknown), ``burn_duration_s``,
``ignition_delay_s``, ``row``, ``col``}.

Written: field ``fire_ignitions`` (sampled ignitions per cell, including any due after the run's
end) and its map; KPIs ``fires_ignited`` (``"building_fire"`` events logged by the end of the run),
``fires_ignited_expected`` (sum of the Poisson means) and ``fires_people_at_risk``.

Examples
--------
>>> round(float(ignition_rate_per_msf(0.5)), 8)
0.13075175
>>> float(ignition_rate_per_msf(0.03))
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register

__all__ = [
    "FIRE_EVENT_KINDS",
    "HAZUS_2009_IGNITION",
    "M2_PER_MSF",
    "FireFollowingEarthquake",
    "FireFollowingEarthquakeConfig",
    "SampledFires",
    "expected_ignitions",
    "ignition_rate_per_msf",
    "sample_fires",
]

#: Square metres in one million square feet (1 ft = 0.3048 m exactly).
M2_PER_MSF = 1.0e6 * 0.3048**2

#: (c0, c1, c2) of ``ignitions per million ft² = c0 + c1·PGA + c2·PGA²``, Scawthorn (2009) for HAZUS.
HAZUS_2009_IGNITION: tuple[float, float, float] = (0.0, -0.029444, 0.581895)

#: Event kinds the rescue model turns into fire tasks (the contract above).
FIRE_EVENT_KINDS: tuple[str, ...] = ("building_fire", "pool_fire", "jet_fire", "fireball", "fire")


def ignition_rate_per_msf(
    pga_g, coefficients: tuple[float, float, float] = HAZUS_2009_IGNITION
) -> np.ndarray:
    """Mean number of ignitions per million ft² of building floor area at a peak ground acceleration.

    ``max(0, c0 + c1·PGA + c2·PGA²)``; the default coefficients are Scawthorn's (2009) HAZUS update.

    Examples
    --------
    >>> round(float(ignition_rate_per_msf(1.0)), 6)
    0.552451
    """
    pga = np.maximum(np.asarray(pga_g, dtype=np.float64), 0.0)
    c0, c1, c2 = coefficients
    return np.maximum(c0 + c1 * pga + c2 * pga * pga, 0.0)


def expected_ignitions(
    pga_g, floor_area_m2, coefficients: tuple[float, float, float] = HAZUS_2009_IGNITION
) -> np.ndarray:
    """Mean number of ignitions of a floor area (m²) shaken at ``pga_g``: rate × area / 92 903.04 m².

    Examples
    --------
    >>> round(float(expected_ignitions(0.5, M2_PER_MSF * 10)), 6)
    1.307518
    """
    area = np.maximum(np.asarray(floor_area_m2, dtype=np.float64), 0.0)
    return ignition_rate_per_msf(pga_g, coefficients) * area / M2_PER_MSF


@dataclass(frozen=True)
class SampledFires:
    """The fires of one earthquake, one entry per fire, plus the per-cell counts and means."""

    counts: np.ndarray  # ignitions per cell (flat, cell order of the grid)
    mean: np.ndarray  # Poisson mean per cell (flat)
    cell: np.ndarray  # flat cell index of each fire
    delay_s: np.ndarray  # time from the earthquake to the ignition
    dx: np.ndarray  # offset from the cell centre, in units of the cell size (-0.5..0.5)
    dy: np.ndarray


def sample_fires(
    pga_g: np.ndarray,
    floor_area_m2: np.ndarray,
    rng: np.random.Generator,
    *,
    delay_mean_s: float = 1800.0,
    coefficients: tuple[float, float, float] = HAZUS_2009_IGNITION,
) -> SampledFires:
    """Draw the fires of every cell: Poisson counts, exponential delays, uniform positions in the cell.

    Parameters
    ----------
    pga_g, floor_area_m2
        Per-cell peak ground acceleration (g) and building floor area (m²), any equal shape (flattened).
    rng
        The generator to draw from.
    delay_mean_s
        Mean of the exponential ignition delay after the earthquake (0: all at once).
    coefficients
        (c0, c1, c2) of the ignition-rate polynomial per million ft².

    Examples
    --------
    >>> f = sample_fires(np.array([0.0, 0.6]), np.array([1e6, 0.0]), np.random.default_rng(0))
    >>> f.counts.tolist(), f.cell.size
    ([0, 0], 0)
    """
    mean = expected_ignitions(np.ravel(pga_g), np.ravel(floor_area_m2), coefficients)
    counts = rng.poisson(mean)
    cell = np.repeat(np.arange(mean.size), counts)
    n = cell.size
    delay = rng.exponential(delay_mean_s, n) if delay_mean_s > 0 else np.zeros(n)
    offset = rng.uniform(-0.5, 0.5, (2, n))
    order = np.argsort(delay, kind="stable")
    return SampledFires(counts, mean, cell[order], delay[order], offset[0, order], offset[1, order])


class FireFollowingEarthquakeConfig(ProcessConfig):
    """Scenario keys of ``fire_following_earthquake`` (every default is an assumption unless cited)."""

    floor_area_per_person_m2: float = Field(
        40.0, gt=0, description="building floor area per resident (m²); assumption, see the module text"
    )
    ignition_rate_per_msf: tuple[float, float, float] = Field(
        HAZUS_2009_IGNITION,
        description="c0, c1, c2 of ignitions per million ft² = c0 + c1·PGA + c2·PGA² (Scawthorn 2009)",
    )
    ignition_delay_mean_s: float = Field(
        1800.0, ge=0, description="mean of the exponential delay from the earthquake to an ignition (s)"
    )
    building_floor_area_m2: float = Field(
        500.0, gt=0, description="floor area of the one building a fire burns (m²); assumption"
    )
    burn_duration_s: float = Field(
        3600.0, gt=0, description="how long a fire burns if nobody suppresses it (s); assumption"
    )


@register
class FireFollowingEarthquake(Process):
    """Building fires ignited by one earthquake's shaking (HAZUS ignition rate, Poisson counts)."""

    model_name = "fire_following_earthquake"
    family = "hazards"
    Config = FireFollowingEarthquakeConfig
    reads = (
        FieldSpec("pga_g", "g", "peak ground acceleration"),
        FieldSpec("population", "1", "people per cell"),
        FieldSpec(
            "building_collapse_fraction", "1", "share of a cell's buildings that collapsed", optional=True
        ),
    )
    writes = (
        FieldSpec("fire_ignitions", "1", "building fires ignited by the earthquake per cell (sampled)"),
    )
    emits = ("building_fire",)
    default_dt_s = None  # acts once, when the earthquake starts it

    def _earthquake_id(self) -> int:
        ev = self.trigger_event()
        return self.cause_id if ev is None else ev.id

    def _collapse_known(self) -> bool:
        """Whether ``building_collapse_fraction`` holds a collapse now (given, or written already)."""
        layer = self.world.grid.layers.get("building_collapse_fraction")
        return layer is not None and (layer.writer == "scenario" or layer.cause_event_id >= 0)

    def start(self, t_s: float) -> None:
        """Sample the fires, write ``fire_ignitions`` and schedule one ``"building_fire"`` per fire."""
        cfg: FireFollowingEarthquakeConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        layers = grid.layers
        pga = np.maximum(layers["pga_g"].data.ravel(), 0.0)
        pop = np.maximum(layers["population"].data.ravel(), 0.0)
        if self._collapse_known():
            collapse = np.clip(layers["building_collapse_fraction"].data.ravel(), 0.0, 1.0)
        else:
            collapse = np.full(pop.shape, np.nan)  # unknown: no damage model ran
        area = pop * cfg.floor_area_per_person_m2
        fires = sample_fires(
            pga,
            area,
            self.rng,
            delay_mean_s=cfg.ignition_delay_mean_s,
            coefficients=cfg.ignition_rate_per_msf,
        )
        self.fires = fires
        layers["fire_ignitions"].data[...] = fires.counts.reshape(grid.shape).astype(np.float64)
        self.mark_written("fire_ignitions")

        xs, ys = grid.cell_centres()
        per_fire = np.floor(cfg.building_floor_area_m2 / cfg.floor_area_per_person_m2 + 0.5)
        quake = self._earthquake_id()
        self.people_at_risk = 0
        for c, delay, dx, dy in zip(fires.cell, fires.delay_s, fires.dx, fires.dy, strict=True):
            at_risk = int(min(np.floor(pop[c] + 0.5), per_fire))
            frac = float(collapse[c])
            trapped = int(np.floor(at_risk * frac + 0.5)) if np.isfinite(frac) else 0
            self.people_at_risk += at_risk
            row, col = divmod(int(c), grid.nx)
            self.scheduler.schedule_event(
                "building_fire",
                at_s=t_s + float(delay),
                source=self.name,
                cause_id=quake,
                x_m=float(xs[c] + dx * grid.cell_size_m),
                y_m=float(ys[c] + dy * grid.cell_size_m),
                data={
                    "people_at_risk": at_risk,
                    "people_trapped": trapped,
                    "floor_area_m2": cfg.building_floor_area_m2,
                    "cell_floor_area_m2": float(area[c]),
                    "pga_g": float(pga[c]),
                    "collapse_fraction": frac if np.isfinite(frac) else None,
                    "burn_duration_s": cfg.burn_duration_s,
                    "ignition_delay_s": float(delay),
                    "row": row,
                    "col": col,
                },
            )

    def finish(self, t_s: float) -> None:
        """Report fires ignited (logged), expected and people at risk; keep the ignition map."""
        w = self.world
        logged = sum(1 for e in w.events.of_kind("building_fire") if e.source == self.name)
        w.report_kpi(
            "fires_ignited", logged, "1", "building fires ignited after the earthquake by the end of the run"
        )
        w.report_kpi(
            "fires_ignited_expected",
            float(self.fires.mean.sum()),
            "1",
            "expected ignitions (HAZUS rate per floor area, Scawthorn 2009)",
        )
        w.report_kpi(
            "fires_people_at_risk",
            self.people_at_risk,
            "people",
            "people in the burning buildings, over all sampled fires",
        )
        w.add_map(
            "fire_ignitions",
            w.grid.layers["fire_ignitions"].data,
            "1",
            "building fires ignited by the earthquake per cell (sampled)",
        )
