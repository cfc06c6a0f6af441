"""Quantitative risk assessment of a chemical park: individual risk and the F–N curve.

The event set is every unit with a loss-of-containment frequency
(``loc_frequency_per_year``). For each, the domino Monte Carlo
(:func:`models.chains.domino.simulate_domino`) draws ``replicas`` escalation
sequences; each distinct set of failed units is an outcome with frequency
``f_i × (its share of the replicas)``. An outcome's lethality at a cell
combines its units' effects as independent causes,
``1 − Π (1 − P_k)``; the effects and lethalities are those of
:mod:`models.chains.park_units`, the same as in a simulated accident.

* Location-specific individual risk: an unprotected person permanently
  outdoors at the cell, ``IR = Σ f · P_outdoor`` per year, drawn with the
  usual contours 10⁻⁴ … 10⁻⁸ per year.
* Societal risk: the F–N curve of expected deaths ``N`` of each outcome over
  the population grid (indoors and outdoors), with the example criterion line
  ``F = 10⁻³/N²`` per year.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from engine.process import Process, ProcessConfig
from engine.registry import register
from models.chains.domino import simulate_domino
from models.chains.park_units import Unit, Weather, effect_matrices, lethality, unit_codes, unit_effect
from models.impact.casualties import POPULATION_READS, expected_deaths, population_arrays
from models.impact.qra import expected_deaths_per_year, fn_criterion_line, fn_curve, individual_risk


class ParkRiskConfig(ProcessConfig):
    """``[[impacts]] model = "park_risk"``."""

    model: Literal["park_risk"] = "park_risk"
    park: str = Field(description="name of the chemical_park process whose units are assessed")
    replicas: int = Field(2000, ge=1, le=1_000_000, description="domino sequences per initiating event")
    outdoor_exposure_s: float = Field(20.0, gt=0)
    heat_probit: Literal["cozzani2005", "landucci2009"] = "landucci2009"


def outcome_sets(result, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct failed-unit sets of a domino result and the share of replicas of each."""
    failed = result.failed
    keys, counts = np.unique(failed, axis=0, return_counts=True)
    return keys.reshape(-1, n), counts / failed.shape[0]


@register
class ParkRisk(Process):
    """Individual-risk contours and F–N curve over a park's event set (computed at the end)."""

    model_name = "park_risk"
    family = "impacts"
    Config = ParkRiskConfig
    reads = (*POPULATION_READS,)
    default_dt_s = None

    @classmethod
    def check(cls, config: ParkRiskConfig, scenario, key: str) -> None:
        """The named park must exist."""
        from engine.errors import ScenarioError, did_you_mean

        parks = [p.name for p in scenario.processes if p.cls.model_name == "chemical_park"]
        if config.park not in parks:
            raise ScenarioError(
                f'no chemical_park process is named "{config.park}"{did_you_mean(config.park, parks)}; '
                f"parks are {', '.join(parks) or 'none'}",
                key=f"{key}.park",
            )

    def finish(self, t_s: float) -> None:
        """Assess the event set and write the risk map, the F–N table and KPIs."""
        cfg: ParkRiskConfig = self.config  # type: ignore[assignment]
        w = self.world
        facilities = [f for f in w.facilities.values() if f.attrs.get("park") == cfg.park]
        units = [Unit(**f.attrs["unit"]) for f in facilities]
        weather = Weather(**facilities[0].attrs["weather"])
        grid = w.grid
        xs, ys = grid.cell_centres()
        effects = [unit_effect(i, units, xs, ys, weather) for i in range(len(units))]
        lethal = [
            lethality(e, u.substance, outdoor_exposure_s=cfg.outdoor_exposure_s)
            for e, u in zip(effects, units, strict=True)
        ]
        log_survive = [
            (np.log1p(-np.minimum(o, 1.0 - 1e-16)), np.log1p(-np.minimum(i, 1.0 - 1e-16))) for o, i in lethal
        ]
        flux, over, fire_s = effect_matrices(effects)
        cats, vols = unit_codes(units)
        pop, f_in = (a.reshape(-1) for a in population_arrays(grid))
        freqs, deaths, out_maps, labels = [], [], [], []
        for i, u in enumerate(units):
            if u.loc_frequency_per_year <= 0:
                continue
            res = simulate_domino(
                i,
                flux,
                over,
                cats,
                vols,
                cfg.replicas,
                self.rng,
                fire_duration_s=fire_s,
                heat_probit=cfg.heat_probit,
            )
            sets, shares = outcome_sets(res, len(units))
            for failed, share in zip(sets, shares, strict=True):
                # 1 − Π(1 − P_k) in logs: exact for the tiny probabilities far from the park.
                log_out = np.zeros_like(pop)
                log_in = np.zeros_like(pop)
                for k in np.flatnonzero(failed):
                    log_out += log_survive[k][0]
                    log_in += log_survive[k][1]
                p_out, p_in = -np.expm1(log_out), -np.expm1(log_in)
                freqs.append(u.loc_frequency_per_year * share)
                deaths.append(float(np.sum(expected_deaths(pop, f_in, p_out, p_in))))
                out_maps.append(p_out)
                labels.append("+".join(units[k].name for k in np.flatnonzero(failed)))
        if not freqs:
            return
        ir = individual_risk(np.array(freqs), np.array(out_maps)).reshape(grid.shape)
        w.add_map(
            "individual_risk_per_year",
            ir,
            "yr-1",
            "location-specific individual risk (person outdoors)",
            contours=(1e-8, 1e-7, 1e-6, 1e-5, 1e-4),
        )
        # The societal-risk diagram starts at one death: expected deaths below 1 are not plotted.
        big = np.unique(np.array(deaths)[np.array(deaths) >= 1.0])
        big = np.unique(np.concatenate([[1.0], big])) if big.size else big
        n, f = fn_curve(np.array(freqs), np.array(deaths), n_values=big) if big.size else (big, big)
        if n.size:
            w.add_table(
                "fn_curve",
                {"deaths_N": n, "frequency_per_year": f, "criterion_per_year": fn_criterion_line(n)},
                {"deaths_N": "people", "frequency_per_year": "yr-1", "criterion_per_year": "yr-1"},
                "societal risk: frequency of N or more deaths (criterion: 1e-3/N^2 per year)",
                plot=("deaths_N", "frequency_per_year", "step-loglog"),
            )
        w.add_table(
            "risk_outcomes",
            {
                "outcome": np.array(labels, dtype=object),
                "frequency_per_year": np.array(freqs),
                "expected_deaths": np.array(deaths),
            },
            {"frequency_per_year": "yr-1", "expected_deaths": "people"},
            "outcomes of the event set (sets of failed units) with frequencies and expected deaths",
        )
        w.report_kpi(
            "expected_deaths_per_year",
            expected_deaths_per_year(freqs, deaths),
            "people yr-1",
            "potential loss of life (sum of frequency × expected deaths)",
        )
        w.report_kpi(
            "max_individual_risk_populated_per_year",
            float((ir.reshape(-1) * (pop > 0)).max()),
            "yr-1",
            "highest individual risk where people live",
        )
