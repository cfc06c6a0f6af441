"""Toxic load, indoors and outdoors, and casualties from a lethality probit.

Outdoors a person breathes the concentration of the grid field. Indoors the
air follows the single-zone mass balance ``dC_in/dt = λ (C_out − C_in)``
with ``λ`` the air-change rate: within a step of constant outdoor air it is
solved exactly and the toxic load ``∫ C_inⁿ dt`` over the step is integrated
by 4-point Gauss–Legendre quadrature of that exact curve. The load is in the
probit's own units (ppm or mg/m³, minutes).

At the end, the probit of the substance (Withers & Lees 1985 for chlorine by
default; see ``models/substances.toml``) gives the probability of death per
cell, indoors and outdoors; deaths are drawn binomially from the replica's
stream, so they vary between replicas while the expected value does not.
A survivor counts as injured when their load reaches the load of the AEGL
chosen (AEGL-2 by default) held for 60 minutes, with the probit's exponent
``n`` (toxic-load equivalence).
"""

from __future__ import annotations

import math
from typing import Literal

import numba
import numpy as np
from pydantic import Field

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.impact.casualties import POPULATION_READS, draw_casualties, population_arrays
from models.impact.probit import mg_m3_to_ppm, ppm_to_mg_m3
from models.substances import get_substance

# 4-point Gauss–Legendre nodes and weights on [0, 1].
_GL_X = 0.5 * (
    1.0 + np.array([-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526])
)
_GL_W = 0.5 * np.array([0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538])


@numba.njit(cache=True)
def accumulate_toxic_load(
    c_out_mg_m3,
    c_in_mg_m3,
    load_out,
    load_in,
    c_max_mg_m3,
    dt_min,
    air_changes_per_min,
    n,
    unit_factor,
    gl_x,
    gl_w,
):  # pragma: no cover - compiled; checked against the Python twin in tests
    """Advance indoor air and add one step of toxic load, in place, for every cell.

    ``unit_factor`` converts mg/m³ to the probit's concentration unit.
    """
    decay = math.exp(-air_changes_per_min * dt_min)
    # The decay factors at the quadrature nodes are the same for every cell.
    node_decay = np.empty(gl_x.size)
    for q in range(gl_x.size):
        node_decay[q] = math.exp(-air_changes_per_min * dt_min * gl_x[q])
    for k in range(c_out_mg_m3.size):
        co = c_out_mg_m3[k]
        ci0 = c_in_mg_m3[k]
        if co > c_max_mg_m3[k]:
            c_max_mg_m3[k] = co
        if co > 0.0:
            v = co * unit_factor
            load_out[k] += (v * v if n == 2.0 else v**n) * dt_min
        if co > 0.0 or ci0 > 0.0:
            acc = 0.0
            for q in range(gl_x.size):
                ci = co + (ci0 - co) * node_decay[q]
                if ci > 0.0:
                    v = ci * unit_factor
                    acc += gl_w[q] * (v * v if n == 2.0 else v**n)
            load_in[k] += acc * dt_min
            c_in_mg_m3[k] = co + (ci0 - co) * decay


def _accumulate_toxic_load_reference(
    c_out_mg_m3,
    c_in_mg_m3,
    load_out,
    load_in,
    c_max_mg_m3,
    dt_min,
    air_changes_per_min,
    n,
    unit_factor,
    gl_x,
    gl_w,
) -> None:
    """Plain-Python twin of :func:`accumulate_toxic_load` (tests only)."""
    for k in range(len(c_out_mg_m3)):
        co, ci0 = float(c_out_mg_m3[k]), float(c_in_mg_m3[k])
        c_max_mg_m3[k] = max(c_max_mg_m3[k], co)
        if co > 0:
            load_out[k] += (co * unit_factor) ** n * dt_min
        acc = 0.0
        for xq, wq in zip(gl_x, gl_w, strict=True):
            ci = co + (ci0 - co) * math.exp(-air_changes_per_min * dt_min * xq)
            if ci > 0:
                acc += wq * (ci * unit_factor) ** n
        load_in[k] += acc * dt_min
        c_in_mg_m3[k] = co + (ci0 - co) * math.exp(-air_changes_per_min * dt_min)


class ToxicExposureConfig(ProcessConfig):
    """``[[impacts]] model = "toxic_probit"``."""

    model: Literal["toxic_probit"] = "toxic_probit"
    substance: str
    probit: str | None = Field(None, description="probit key in the substance table; default its own")
    air_changes_per_h: float = Field(
        1.0, gt=0, le=50, description="indoor air-change rate (0.5–1 /h for closed dwellings)"
    )
    threshold_ppm: float | None = Field(
        None, gt=0, description="concentration for the 'people/area above' KPIs; default AEGL-2 at 60 min"
    )
    injury_aegl_level: Literal[1, 2, 3] = Field(2, description="AEGL whose 60-min load marks injury")


@register
class ToxicExposure(Process):
    """Toxic load of people indoors and outdoors; deaths and injuries by probit."""

    model_name = "toxic_probit"
    family = "impacts"
    Config = ToxicExposureConfig
    reads = (
        FieldSpec("gas_concentration_mg_m3", "mg m-3", "outdoor gas concentration"),
        *POPULATION_READS,
    )
    emits = ("toxic_threshold_reached_population", "casualties_estimated")
    default_dt_s = 10.0

    @classmethod
    def check(cls, config: ToxicExposureConfig, scenario, key: str) -> None:
        """The substance must have a lethality probit (and AEGLs if no threshold is given)."""
        try:
            sub = get_substance(config.substance)
        except ValueError as exc:
            raise ScenarioError(str(exc), key=f"{key}.substance") from None
        try:
            sub.lethality_probit(config.probit)
        except ValueError as exc:
            raise ScenarioError(str(exc), key=f"{key}.probit") from None
        try:
            sub.aegl_ppm(config.injury_aegl_level, 60.0)
        except ValueError as exc:
            raise ScenarioError(str(exc), key=f"{key}.injury_aegl_level") from None

    def setup(self) -> None:
        """Prepare the load arrays and thresholds."""
        super().setup()
        cfg: ToxicExposureConfig = self.config  # type: ignore[assignment]
        sub = get_substance(cfg.substance)
        self.substance = sub
        self.probit_model = sub.lethality_probit(cfg.probit)
        to_ppm = mg_m3_to_ppm(1.0, sub.molar_mass_g_mol)
        self.unit_factor = to_ppm if self.probit_model.concentration_unit == "ppm" else 1.0
        self.threshold_ppm = cfg.threshold_ppm or sub.aegl_ppm(2, 60.0)
        self.threshold_mg_m3 = ppm_to_mg_m3(self.threshold_ppm, sub.molar_mass_g_mol)
        inj_ppm = sub.aegl_ppm(cfg.injury_aegl_level, 60.0)
        inj_unit = (
            inj_ppm
            if self.probit_model.concentration_unit == "ppm"
            else ppm_to_mg_m3(inj_ppm, sub.molar_mass_g_mol)
        )
        self.injury_load = self.probit_model.load_for_constant(inj_unit, 60.0)
        size = self.world.grid.nx * self.world.grid.ny
        self.c_in = np.zeros(size)
        self.load_out = np.zeros(size)
        self.load_in = np.zeros(size)
        self.c_max = np.zeros(size)
        self.threshold_event: int | None = None

    def advance(self, t_s: float, dt_s: float) -> None:
        """Add this step's load (the field at ``t_s`` held over the step)."""
        layer = self.world.grid.layers["gas_concentration_mg_m3"]
        c_out = layer.data.ravel()
        accumulate_toxic_load(
            c_out,
            self.c_in,
            self.load_out,
            self.load_in,
            self.c_max,
            dt_s / 60.0,
            self.config.air_changes_per_h / 60.0,  # type: ignore[attr-defined]
            float(self.probit_model.n),
            self.unit_factor,
            _GL_X,
            _GL_W,
        )
        if self.threshold_event is None:
            pop = self.world.grid.layers["population"].data.ravel()
            hit = (c_out >= self.threshold_mg_m3) & (pop > 0)
            if hit.any():
                k = int(np.argmax(np.where(hit, pop, -1.0)))
                xs, ys = self.world.grid.cell_centres()
                self.threshold_event = self.emit(
                    "toxic_threshold_reached_population",
                    cause_id=layer.cause_event_id,
                    x_m=float(xs[k]),
                    y_m=float(ys[k]),
                    data={"threshold_ppm": self.threshold_ppm, "people_in_cell": float(pop[k])},
                )

    def finish(self, t_s: float) -> None:
        """Turn loads into casualties; report KPIs and maps."""
        grid = self.world.grid
        shape = grid.shape
        pop, f_in = population_arrays(grid)
        load_out = self.load_out.reshape(shape)
        load_in = self.load_in.reshape(shape)
        p_out = np.asarray(self.probit_model.probability(load_out))
        p_in = np.asarray(self.probit_model.probability(load_in))
        cas = draw_casualties(pop, f_in, p_out, p_in, self.rng)
        expected, deaths = cas.expected, cas.deaths
        injured = cas.alive_outdoors * (load_out >= self.injury_load) + cas.alive_indoors * (
            load_in >= self.injury_load
        )
        above = self.c_max.reshape(shape) >= self.threshold_mg_m3
        w = self.world
        thr = f"{self.threshold_ppm:.3g} ppm"
        w.report_kpi("deaths", deaths.sum(), "people", "deaths (sampled from the probit)")
        w.report_kpi("deaths_expected", expected.sum(), "people", "expected deaths (probit mean)")
        w.report_kpi("injured", injured.sum(), "people", "survivors above the injury load")
        w.report_kpi(
            "people_above_threshold",
            pop[above].sum(),
            "people",
            f"people where the outdoor concentration reached {thr}",
        )
        w.report_kpi(
            "area_above_threshold_km2",
            above.sum() * grid.cell_area_m2 / 1e6,
            "km2",
            f"area where the outdoor concentration reached {thr}",
        )
        w.report_kpi(
            "max_concentration_populated_ppm",
            float(
                (self.c_max.reshape(shape) * (pop > 0)).max()
                * mg_m3_to_ppm(1.0, self.substance.molar_mass_g_mol)
            ),
            "ppm",
            "highest outdoor concentration where people live",
        )
        units = self.probit_model.load_units
        w.add_map(
            "max_gas_concentration_mg_m3",
            self.c_max.reshape(shape),
            "mg m-3",
            "highest outdoor concentration during the run",
            contours=(self.threshold_mg_m3,),
        )
        w.add_map("toxic_load_outdoor", load_out, units, "toxic load outdoors")
        w.add_map("toxic_load_indoor", load_in, units, "toxic load indoors")
        w.add_map("lethality_outdoor", p_out, "1", "probability of death outdoors", contours=(0.01, 0.1, 0.5))
        w.add_map("deaths_expected", expected, "1", "expected deaths per cell")
        w.add_map("deaths", deaths, "1", "deaths per cell (sampled)")
        w.add_map("injured", injured, "1", "injured people per cell")
        self.emit(
            "casualties_estimated",
            cause_id=(
                self.threshold_event
                if self.threshold_event is not None
                else self.world.grid.layers["gas_concentration_mg_m3"].cause_event_id
            ),
            data={"deaths": float(deaths.sum()), "injured": float(injured.sum())},
        )
