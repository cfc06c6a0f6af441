"""Deaths and injuries from fires and explosions: thermal dose and blast overpressure.

Outdoors, people accumulate the thermal dose ``∫ I^{4/3} dt`` (I in W/m²)
from the moment heat reaches them, for at most ``outdoor_exposure_s`` (they
run for cover; the Purple Book uses 20 s), and face the peak overpressure of
any blast. Indoors, they die where the building ignites (≥ 35 kW/m²) or by
the building-damage rule for blast. Deaths are drawn per cell from the
combined probability, so they vary between replicas around the expected
value. Injuries: survivors outdoors above the first-degree-burn dose or the
eardrum-rupture threshold of overpressure (values and sources below).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.impact.blast import indoor_overpressure_lethality, overpressure_lethality
from models.impact.casualties import POPULATION_READS, draw_casualties, population_arrays
from models.impact.thermal import indoor_thermal_lethality, thermal_lethality

#: Thermal dose of first-degree burns, (W/m²)^(4/3)·s: 80 TDU = 80·10⁴ (Eisenberg et al. 1975,
#: as used in CCPS consequence guidelines) [recalled].
INJURY_DOSE = 80e4
#: Overpressure of eardrum rupture threshold, Pa: about 16.5 kPa for 1 % (CCPS) [recalled].
INJURY_OVERPRESSURE_PA = 16.5e3


class FireBlastConfig(ProcessConfig):
    """``[[impacts]] model = "fire_blast_probit"``."""

    model: Literal["fire_blast_probit"] = "fire_blast_probit"
    outdoor_exposure_s: float = Field(20.0, gt=0, description="longest exposure to heat outdoors")
    thermal_probit: Literal["eisenberg", "tsao_perry", "tno", "lees"] = "eisenberg"
    blast_probit: Literal["eisenberg_lung", "hse_lung"] = "eisenberg_lung"


@register
class FireBlastCasualties(Process):
    """Casualties of heat radiation and blast, indoors and outdoors."""

    model_name = "fire_blast_probit"
    family = "impacts"
    Config = FireBlastConfig
    reads = (
        FieldSpec("thermal_radiation_kw_m2", "kW m-2", "heat flux from fires"),
        FieldSpec("overpressure_pa", "Pa", "peak blast overpressure in the step"),
        *POPULATION_READS,
    )
    emits = ("fire_blast_casualties_estimated",)
    default_dt_s = 1.0

    def setup(self) -> None:
        """Allocate the dose, exposure-time and peak arrays."""
        super().setup()
        size = self.world.grid.nx * self.world.grid.ny
        self.dose = np.zeros(size)
        self.exposed_s = np.zeros(size)
        self.peak_flux_w = np.zeros(size)
        self.peak_over = np.zeros(size)

    def advance(self, t_s: float, dt_s: float) -> None:
        """Add this step's thermal dose (capped exposure) and keep the peak overpressure."""
        layers = self.world.grid.layers
        flux_w = layers["thermal_radiation_kw_m2"].data.reshape(-1) * 1e3
        hot = flux_w > 0
        if hot.any():
            cap = self.config.outdoor_exposure_s  # type: ignore[attr-defined]
            take = np.clip(cap - self.exposed_s, 0.0, dt_s) * hot
            self.dose += flux_w ** (4.0 / 3.0) * take
            self.exposed_s += take
            np.maximum(self.peak_flux_w, flux_w, out=self.peak_flux_w)
        np.maximum(self.peak_over, layers["overpressure_pa"].data.reshape(-1), out=self.peak_over)

    def finish(self, t_s: float) -> None:
        """Turn doses and peaks into casualties; report KPIs and maps."""
        cfg: FireBlastConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        shape = grid.shape
        pop, f_in = (a.reshape(-1) for a in population_arrays(grid))
        # Thermal dose of a constant flux: dose = I^{4/3} t, so lethality(I_eq, t) with t = 1 s.
        p_heat_out = np.asarray(thermal_lethality(self.dose**0.75, 1.0, cfg.thermal_probit))
        p_blast_out = np.asarray(overpressure_lethality(self.peak_over, model=cfg.blast_probit))
        p_out = 1.0 - (1.0 - p_heat_out) * (1.0 - p_blast_out)
        p_in = 1.0 - (1.0 - np.asarray(indoor_thermal_lethality(self.peak_flux_w))) * (
            1.0 - np.asarray(indoor_overpressure_lethality(self.peak_over))
        )
        cas = draw_casualties(pop, f_in, p_out, p_in, self.rng)
        expected, deaths = cas.expected, cas.deaths
        hurt = (self.dose >= INJURY_DOSE) | (self.peak_over >= INJURY_OVERPRESSURE_PA)
        injured = cas.alive_outdoors * hurt
        w = self.world
        w.report_kpi("fire_blast_deaths", deaths.sum(), "people", "deaths from heat and blast (sampled)")
        w.report_kpi(
            "fire_blast_deaths_expected", expected.sum(), "people", "expected deaths from heat and blast"
        )
        w.report_kpi(
            "fire_blast_injured", injured.sum(), "people", "survivors outdoors with burns or eardrum injury"
        )
        w.add_map(
            "peak_thermal_radiation_kw_m2",
            self.peak_flux_w.reshape(shape) / 1e3,
            "kW m-2",
            "highest heat flux during the run",
            contours=(5.0, 12.5, 37.5),
        )
        w.add_map(
            "peak_overpressure_pa",
            self.peak_over.reshape(shape),
            "Pa",
            "highest blast overpressure",
            contours=(7e3, 14e3, 21e3),
        )
        w.add_map(
            "thermal_dose",
            self.dose.reshape(shape),
            "W4/3 m-8/3 s",
            "thermal dose outdoors (capped exposure)",
        )
        w.add_map("fire_blast_deaths", deaths.reshape(shape), "1", "deaths per cell from heat and blast")
        w.add_map(
            "fire_blast_lethality_outdoor",
            p_out.reshape(shape),
            "1",
            "probability of death outdoors from heat and blast",
            contours=(0.01, 0.1, 0.5),
        )
        cause = self.world.grid.layers["thermal_radiation_kw_m2"].cause_event_id
        self.emit(
            "fire_blast_casualties_estimated",
            cause_id=cause,
            data={"deaths": float(deaths.sum()), "injured": float(injured.sum())},
        )
