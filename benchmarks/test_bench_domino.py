"""Cost of a 10 000-replica domino Monte Carlo, on one and two cores, and where the time goes.

The park is the library's ``chemical_park_domino`` scenario (7 units). A QRA
runs one Monte Carlo per initiating unit, so the benchmark times:

* the escalation kernel alone (10 000 replicas, one primary; and a 20-unit park);
* a full 10 000-replica QRA split into its stages (effects on the grid,
  lethality maps, domino Monte Carlo, outcome aggregation), with the share of
  each stage in ``extra_info`` — this is "where the time goes";
* the 7 per-primary Monte Carlos on one process against two worker processes
  side by side in one run (ratio in ``extra_info``): on 2 shared cores the
  kernel is so short that process start-up dominates.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pytest

from engine import Scenario
from models.chains.domino import simulate_domino
from models.chains.park_units import Unit, Weather, effect_matrices, lethality, unit_codes, unit_effect
from models.impact.park_risk import outcome_sets

PARK = Path(__file__).resolve().parents[1] / "scenarios" / "chemical_park_domino.toml"
REPLICAS = 10_000


@pytest.fixture(scope="module")
def park():
    sc = Scenario.load(PARK)
    cfg = sc.process("park").config
    units = [Unit(**u) for u in cfg.model_dump()["units"]]
    weather = Weather(**cfg.weather.model_dump())
    xs, ys = sc.make_grid().cell_centres()
    return sc, units, weather, xs, ys


def _matrices(units, weather):
    zero = np.array([0.0])
    effects = [unit_effect(i, units, zero, zero, weather) for i in range(len(units))]
    flux, over, fire_s = effect_matrices(effects)
    cats, vols = unit_codes(units)
    return flux, over, fire_s, cats, vols


def test_domino_kernel_10000_replicas(benchmark, park):
    _, units, weather, *_ = park
    flux, over, fire_s, cats, vols = _matrices(units, weather)
    simulate_domino(0, flux, over, cats, vols, 10, 1, fire_duration_s=fire_s)  # compile / load cache
    res = benchmark(simulate_domino, 0, flux, over, cats, vols, REPLICAS, 1, fire_duration_s=fire_s)
    t = benchmark.stats.stats.median if benchmark.stats else float("nan")
    benchmark.extra_info.update(
        replicas=REPLICAS,
        units=len(units),
        ms_per_10k=t * 1e3,
        mean_failed_units=float(res.failed.sum(axis=1).mean()),
    )


def test_domino_kernel_20_units(benchmark):
    rng = np.random.default_rng(0)
    n = 20
    xy = rng.uniform(0, 300, (n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) + 1.0
    flux = 4000.0 / d
    over = 2.0e6 / d
    cats = rng.integers(0, 4, n)
    vols = rng.uniform(100, 5000, n)
    simulate_domino(0, flux, over, cats, vols, 10, 1)
    benchmark(simulate_domino, 0, flux, over, cats, vols, REPLICAS, 1)
    t = benchmark.stats.stats.median if benchmark.stats else float("nan")
    benchmark.extra_info.update(replicas=REPLICAS, units=n, ms_per_10k=t * 1e3)


def _qra_stages(units, weather, xs, ys, pop, f_in, replicas):
    stages = {}
    t = time.perf_counter()
    effects = [unit_effect(i, units, xs, ys, weather) for i in range(len(units))]
    stages["effects_on_grid"] = time.perf_counter() - t
    t = time.perf_counter()
    lethal = [lethality(e, u.substance) for e, u in zip(effects, units, strict=True)]
    stages["lethality_maps"] = time.perf_counter() - t
    flux, over, fire_s = effect_matrices(effects)
    cats, vols = unit_codes(units)
    mc = agg = 0.0
    outcomes = 0
    for i, u in enumerate(units):
        if u.loc_frequency_per_year <= 0:
            continue
        t = time.perf_counter()
        res = simulate_domino(i, flux, over, cats, vols, replicas, i, fire_duration_s=fire_s)
        mc += time.perf_counter() - t
        t = time.perf_counter()
        sets, _ = outcome_sets(res, len(units))
        for failed in sets:
            log_out = np.zeros_like(pop)
            for k in np.flatnonzero(failed):
                log_out += np.log1p(-np.minimum(lethal[k][0], 1 - 1e-16))
            _ = float(np.sum(pop * -np.expm1(log_out)))
            outcomes += 1
        agg += time.perf_counter() - t
    stages["domino_monte_carlo"] = mc
    stages["outcome_aggregation"] = agg
    return stages, outcomes


def test_qra_10000_replicas_where_the_time_goes(benchmark, park):
    _sc, units, weather, xs, ys = park
    pop = np.full(xs.size, 0.25)
    stages_box = {}

    def run():
        stages, outcomes = _qra_stages(units, weather, xs, ys, pop, 0.9, REPLICAS)
        stages_box.update(stages, outcomes=outcomes)

    benchmark.pedantic(run, rounds=2, iterations=1, warmup_rounds=1)
    total = sum(v for k, v in stages_box.items() if k != "outcomes")
    benchmark.extra_info.update(
        replicas_per_event=REPLICAS,
        grid_cells=int(xs.size),
        outcomes=stages_box["outcomes"],
        **{f"{k}_s": round(v, 4) for k, v in stages_box.items() if k != "outcomes"},
        **{f"{k}_share": round(v / total, 3) for k, v in stages_box.items() if k != "outcomes"},
    )


def _one_primary(args):
    i, flux, over, cats, vols, fire_s = args
    return simulate_domino(i, flux, over, cats, vols, REPLICAS, i, fire_duration_s=fire_s).failed.sum()


def test_monte_carlo_on_one_and_two_cores(benchmark, park):
    _, units, weather, *_ = park
    flux, over, fire_s, cats, vols = _matrices(units, weather)
    jobs = [(i, flux, over, cats, vols, fire_s) for i in range(len(units))]
    _one_primary(jobs[0])
    t = time.perf_counter()
    serial = [_one_primary(j) for j in jobs]
    one_core = time.perf_counter() - t
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_one_primary, jobs[:2]))  # start and warm the workers (not timed)
        t = time.perf_counter()
        parallel = list(pool.map(_one_primary, jobs))
        two_cores = time.perf_counter() - t
    assert serial == parallel  # same replicas whatever runs them
    benchmark.pedantic(lambda: [_one_primary(j) for j in jobs], rounds=3, iterations=1)
    benchmark.extra_info.update(
        primaries=len(jobs),
        replicas=REPLICAS,
        one_core_s=round(one_core, 4),
        two_cores_s=round(two_cores, 4),
        speedup_two_over_one=round(one_core / two_cores, 2),
    )
