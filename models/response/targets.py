"""The ``plan_targets`` process: the plan's response targets as pass/fail KPIs, and impact ratios.

``[[response]] model = "plan_targets"`` acts at the end of the run, after **every** other process,
whatever order the scenario declares them in: at setup it moves itself to the end of the
scheduler's list, which is the order of the ``finish`` calls (it writes no field and never
steps, so nothing waits on it). Its ``finish`` then reads the final KPIs of all of them (the
relief, rescue and warning verdicts, and flood deaths reported by a flood impact model at its
own finish). It scores the run against the targets of the national emergency plan:

* **aviation on scene** within ``aviation_on_scene_max_s`` (2 h) of the collapse:
  KPI ``rescue_first_aviation_on_scene_s`` of the ``rescue`` process;
* **basic life restored** (shelter, water and food) for every displaced person within
  ``basic_life_within_s`` (10 h) of being displaced: KPI ``relief_time_all_restored_s`` of the
  ``relief`` process (the longest wait from displacement to shelter, water and food);
* **warnings reach** at least ``warning_share_min`` (90 %) of the people: KPI
  ``warning_share_final`` of the ``warning`` process.

Each gives a KPI ``target_<name>`` of 1 (met) or 0 (failed), whose description states the value
against the target and, when it fails, why (the first aircraft's readiness, distance and speed;
the share restored at the deadline and what was missing; the share warned and the time to it).
A target whose process is absent fails with that reason.

**Impact ratios** (the Sendai Framework indicators in the plan's units):

* ``deaths_per_million`` = (sum of the field ``earthquake_deaths`` + KPI ``flood_deaths`` when
  reported earlier) / population × 10⁶;
* ``affected_per_100k`` = (displaced + injured at HAZUS severities 1–3 + dead) / population ×
  10⁵ (Sendai indicator B-1 counts the injured and those whose dwellings were damaged or
  destroyed; here the displaced stand for the latter);
* ``direct_economic_loss`` = sum over damage states of buildings × ``replacement_value`` ×
  ``loss_ratio`` (default slight 2 %, moderate 10 %, extensive 50 %, complete 100 % of the
  replacement value: a simple stated loss model, after the HAZUS mean damage ratios), and its
  share of ``gdp`` (``direct_loss_share_of_gdp``) when a GDP is given.

Population is the sum of the field ``population`` unless ``population_total`` is given. The
table ``plan_targets`` lists each target with its value, limit and verdict.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register

__all__ = ["PlanTargets", "PlanTargetsConfig", "aviation_verdict", "basic_life_verdict", "warning_verdict"]

DEFAULT_LOSS_RATIO = {"slight": 0.02, "moderate": 0.10, "extensive": 0.50, "complete": 1.0}


class PlanTargetsConfig(ProcessConfig):
    """``[[response]] model = "plan_targets"``."""

    model: Literal["plan_targets"] = "plan_targets"
    aviation_on_scene_max_s: float = Field(7200.0, gt=0, description="plan: aviation on scene within 2 h")
    basic_life_within_s: float = Field(36000.0, gt=0, description="plan: basic life restored within 10 h")
    warning_share_min: float = Field(0.9, gt=0, le=1, description="plan: warnings reach 90 %")
    population_total: float | None = Field(None, gt=0, description="default: sum of the population field")
    gdp: float | None = Field(None, gt=0, description="scenario GDP, in the currency of replacement_value")
    replacement_value: float = Field(1.0e6, ge=0, description="replacement value of one building")
    loss_ratio: dict[Literal["slight", "moderate", "extensive", "complete"], float] = Field(
        default_factory=lambda: dict(DEFAULT_LOSS_RATIO)
    )
    currency: str = "CNY"


def _h(t_s: float) -> str:
    return "never" if math.isinf(t_s) else f"{t_s / 3600:.2g} h"


def aviation_verdict(on_scene_s: float | None, why: str, limit_s: float) -> tuple[bool, str]:
    """Pass/fail and the sentence for the aviation target.

    Examples
    --------
    >>> aviation_verdict(9360.0, "helicopter h1: readiness 1.5 h + 190 km at 200 km/h", 7200.0)[1]
    'first aviation team 2.6 h > 2 h: helicopter h1: readiness 1.5 h + 190 km at 200 km/h'
    """
    if on_scene_s is None:
        return False, "no rescue KPIs: the rescue process is absent or never started"
    ok = on_scene_s <= limit_s
    sign = "<=" if ok else ">"
    return ok, f"first aviation team {_h(on_scene_s)} {sign} {_h(limit_s)}: {why}"


def basic_life_verdict(kpis: dict[str, float], limit_s: float) -> tuple[bool, str]:
    """Pass/fail and the sentence for the basic-life target (from the relief KPIs)."""
    if "relief_time_all_restored_s" not in kpis:
        return False, "no relief KPIs: the relief process is absent or never started"
    t = kpis["relief_time_all_restored_s"]
    ok = t <= limit_s
    if ok:
        return True, f"every displaced person had basic life within {_h(t)} <= {_h(limit_s)}"
    share = next((v for k, v in kpis.items() if k.startswith("relief_share_restored_at_")), math.nan)
    unmet = [
        f"{k[len('relief_unmet_') : -len('_end')]} {v:.0f}"
        for k, v in kpis.items()
        if k.startswith("relief_unmet_") and k.endswith("_end") and v > 0
    ]
    lost = kpis.get("relief_depots_destroyed", 0.0)
    why = [f"{share:.0%} restored within {_h(limit_s)} of displacement"]
    if unmet:
        why.append("unmet at the end: " + ", ".join(unmet))
    waiting = kpis.get("relief_kg_waiting_end", 0.0)
    if waiting > 0:
        why.append(f"{waiting / 1000:.3g} t allocated but waiting for a truck at the end")
    if lost:
        why.append(f"{lost:.0f} depot(s) destroyed")
    if not unmet and not waiting:
        why.append("supplies arrived too late (release, distance, closed roads or too few vehicles)")
    left = kpis.get("relief_unrestored_people_end", 0.0)
    if math.isinf(t):
        return False, f"{left:.0f} displaced people still without basic life at the end: " + "; ".join(why)
    return False, f"longest wait for basic life {_h(t)} > {_h(limit_s)}: " + "; ".join(why)


def warning_verdict(kpis: dict[str, float], share_min: float) -> tuple[bool, str]:
    """Pass/fail and the sentence for the warning target."""
    if "warning_share_final" not in kpis:
        return False, "no warning KPIs: the warning process is absent or never started"
    share = kpis["warning_share_final"]
    t = next((v for k, v in kpis.items() if k.startswith("warning_time_to_")), math.inf)
    ok = share >= share_min
    sign = ">=" if ok else "<"
    return ok, f"warnings reached {share:.0%} {sign} {share_min:.0%} (time to target {_h(t)})"


@register
class PlanTargets(Process):
    """The plan's targets as pass/fail KPIs, and deaths, affected and losses per population and GDP."""

    model_name = "plan_targets"
    family = "response"
    Config = PlanTargetsConfig
    reads = (
        FieldSpec("population", "1", "people per cell", optional=True),
        FieldSpec("earthquake_deaths", "1", "earthquake deaths per cell", optional=True),
        FieldSpec("warned_share", "1", "share warned (orders this after warning)", optional=True),
        FieldSpec("rescued_alive", "1", "rescued alive (orders this after rescue)", optional=True),
        FieldSpec("relief_unrestored_people", "1", "unrestored (orders this after relief)", optional=True),
    )
    default_dt_s = None

    def setup(self) -> None:
        """Finish last: move this process to the end of the scheduler's (finish) order."""
        super().setup()
        procs = self.scheduler.processes
        if any(p is self for p in procs):
            # a new list: the scheduler may be iterating over the old one to set processes up
            self.scheduler.processes = [p for p in procs if p is not self] + [self]

    def finish(self, t_s: float) -> None:
        """Score the targets and the impact ratios."""
        cfg: PlanTargetsConfig = self.config  # type: ignore[assignment]
        w = self.world
        k = {name: kpi.value for name, kpi in w.kpis.items()}
        rows: list[tuple[str, float, float, bool, str]] = []
        air = w.kpis.get("rescue_first_aviation_on_scene_s")
        why = air.description.partition("(")[2].rstrip(")") if air is not None else ""
        ok, text = aviation_verdict(None if air is None else air.value, why, cfg.aviation_on_scene_max_s)
        rows.append(
            (
                "aviation_2h",
                k.get("rescue_first_aviation_on_scene_s", math.inf),
                cfg.aviation_on_scene_max_s,
                ok,
                text,
            )
        )
        ok, text = basic_life_verdict(k, cfg.basic_life_within_s)
        rows.append(
            (
                "basic_life_10h",
                k.get("relief_time_all_restored_s", math.inf),
                cfg.basic_life_within_s,
                ok,
                text,
            )
        )
        ok, text = warning_verdict(k, cfg.warning_share_min)
        rows.append(("warning_90pct", k.get("warning_share_final", 0.0), cfg.warning_share_min, ok, text))
        for name, _, _, passed, text in rows:
            w.report_kpi(
                f"target_{name}", 1.0 if passed else 0.0, "1", ("met: " if passed else "FAILED: ") + text
            )
        w.report_kpi("targets_met", sum(r[3] for r in rows), "1", f"plan targets met of {len(rows)}")
        w.add_table(
            "plan_targets",
            {
                "target": np.array([r[0] for r in rows], dtype=str),
                "value": np.array([r[1] for r in rows], dtype=float),
                "limit": np.array([r[2] for r in rows], dtype=float),
                "passed": np.array([int(r[3]) for r in rows], dtype=np.int64),
                "reason": np.array([r[4] for r in rows], dtype=str),
            },
            description="the plan's response targets: value, limit, verdict and why",
        )
        self._ratios(k)

    def _ratios(self, k: dict[str, float]) -> None:
        cfg: PlanTargetsConfig = self.config  # type: ignore[assignment]
        w = self.world
        layers = w.grid.layers
        pop = cfg.population_total
        if pop is None:
            pop = float(layers["population"].data.sum()) if "population" in layers else 0.0
        eq = float(layers["earthquake_deaths"].data.sum()) if "earthquake_deaths" in layers else 0.0
        deaths = eq + k.get("flood_deaths", 0.0)
        injured = sum(k.get(f"earthquake_injured_severity{s}", 0.0) for s in (1, 2, 3))
        affected = k.get("relief_displaced_people", 0.0) + injured + deaths
        if pop > 0:
            w.report_kpi(
                "deaths_per_million",
                deaths / pop * 1e6,
                "1 per 10^6",
                f"{deaths:.0f} deaths (earthquake + flood) among {pop:.0f} people",
            )
            w.report_kpi(
                "affected_per_100k",
                affected / pop * 1e5,
                "1 per 10^5",
                "displaced + injured + dead per 100 000 people (Sendai B-1 style)",
            )
        loss = (
            sum(k.get(f"buildings_{s}", 0.0) * r for s, r in cfg.loss_ratio.items()) * cfg.replacement_value
        )
        w.report_kpi(
            "direct_economic_loss",
            loss,
            cfg.currency,
            "buildings by damage state x replacement value x loss ratio (stated simple model)",
        )
        if cfg.gdp is not None:
            w.report_kpi(
                "direct_loss_share_of_gdp", loss / cfg.gdp, "1", "direct economic loss / scenario GDP"
            )
