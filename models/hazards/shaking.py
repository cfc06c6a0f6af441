"""The ``ground_motion`` process: one earthquake's shaking on the grid (PGA, SA 0.3 s, SA 1.0 s).

At its start the process places the rupture plane (:class:`~models.hazards.ground_motion.Rupture`),
computes Rjb, Rrup and Rx for every cell centre, evaluates the chosen GMPE and writes ``pga_g``,
``sa_0p3_g`` and ``sa_1p0_g`` (5 %-damped RotD50, g). It emits one ``"earthquake"`` event at
the epicentre, keeps the three fields as maps and reports the largest PGA and the area above
0.2 g. Nothing changes afterwards. The fields' cause (``Layer.cause_event_id``) is the
earthquake event; the event's own cause is the process's cause.

Residuals (``residuals = "sampled"``): ``ln Y = ln Y_median + tau·eta + phi·eps(x)``, with

* ``eta`` one standard-normal draw per event (between-event), and
* ``eps`` a unit-variance Gaussian field with the Jayaram & Baker (2009) exponential spatial
  correlation for PGA (range 8.5 km, or 40.7 km with ``vs30_clustered``), sampled by circulant
  embedding (:mod:`models.hazards.correlated_fields`).

**Stated assumption:** the same ``eta`` and the same normalised field ``eps`` serve all three
intensity measures, i.e. their normalised residuals are perfectly correlated with each other
(the SA fields thus inherit the PGA correlation range, shorter than the 13.7 km and 25.7 km that
Jayaram & Baker give for 0.3 s and 1.0 s). This keeps PGA and spectral shapes coherent; a
published cross-correlation model (e.g. Loth & Baker 2013) would lower the PGA-SA(1 s)
correlation to roughly 0.6 and is not implemented. ``truncation_sigma = n`` draws ``eta`` from
the standard normal truncated at ±n and clips ``eps`` to ±n (a clip, not a truncated field: the
clipped mass, 0.27 % at n = 3, sits on the bounds). CY14's nonlinear site term is evaluated at
the median reference motion even when residuals are sampled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.ndimage
import scipy.special
from pydantic import Field

from engine.errors import ScenarioError
from engine.grid import Grid
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.hazards.correlated_fields import (
    CirculantEmbeddingError,
    jayaram_baker_2009_correlation,
    sample_correlated_field,
    sample_correlated_field_cholesky,
)
from models.hazards.ground_motion import GroundMotion, GroundMotionModel, Rupture, gmpe, mechanism

__all__ = ["INTENSITY_MEASURES", "PGA_CONTOURS_G", "GroundMotionProcess", "ShakingConfig", "shaking_fields"]

#: Field name → spectral period (s; 0 is PGA).
INTENSITY_MEASURES: dict[str, float] = {"pga_g": 0.0, "sa_0p3_g": 0.3, "sa_1p0_g": 1.0}
#: PGA contour levels (g) of the maps.
PGA_CONTOURS_G = (0.05, 0.1, 0.2, 0.3, 0.5)
#: Largest circulant-embedding torus (cells; 8 bytes each for the eigenvalues) for the residuals.
_MAX_TORUS_CELLS = 1 << 25
#: PGA (g) whose exceedance area is reported.
KPI_PGA_THRESHOLD_G = 0.2


@dataclass(frozen=True)
class ShakingFields:
    """Result of :func:`shaking_fields`: fields in g, the models' output, and the residuals drawn."""

    fields: dict[str, np.ndarray]
    motions: dict[str, GroundMotion]
    between_event_epsilon: float | None
    within_event_epsilon: np.ndarray | None


def shaking_fields(
    grid: Grid,
    rupture: Rupture,
    model: GroundMotionModel,
    vs30_m_s: np.ndarray | float,
    *,
    residuals: Literal["median", "sampled"] = "median",
    rng: np.random.Generator | None = None,
    truncation_sigma: float | None = None,
    vs30_clustered: bool = False,
    vs30_measured: bool = False,
) -> ShakingFields:
    """PGA, SA(0.3 s) and SA(1.0 s) at every cell centre of ``grid`` (``(ny, nx)`` arrays, g).

    Parameters
    ----------
    grid
        The raster (cell centres are the sites).
    rupture, model
        The earthquake and the GMPE (:func:`models.hazards.ground_motion.gmpe`).
    vs30_m_s
        Scalar or ``(ny, nx)`` Vs30.
    residuals
        ``"median"`` or ``"sampled"`` (see the module docstring); ``rng`` is needed for the latter.
    truncation_sigma
        Truncation of the sampled residuals, in standard deviations (``None``: none).
    vs30_clustered
        Jayaram & Baker (2009) case 2 correlation range (clustered Vs30) instead of case 1.
    vs30_measured
        CY14's sigma for measured (``True``) or inferred Vs30.

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 500.0, nx=20, ny=10)
    >>> r = Rupture.from_hypocentre(6.0, 5000.0, 2500.0, 8.0, 0.0, 90.0, 0.0)
    >>> out = shaking_fields(g, r, gmpe("BSSA14"), 760.0)
    >>> sorted(out.fields), out.fields["pga_g"].shape
    (['pga_g', 'sa_0p3_g', 'sa_1p0_g'], (10, 20))

    """
    x, y = np.meshgrid(grid.x_m, grid.y_m)
    dist = rupture.distances(x, y)
    vs30 = np.broadcast_to(np.asarray(vs30_m_s, dtype=np.float64), grid.shape)
    motions = {
        name: model.ground_motion(
            period,
            magnitude=rupture.magnitude,
            rake_deg=rupture.rake_deg,
            distances=dist,
            vs30_m_s=vs30,
            dip_deg=rupture.dip_deg,
            ztor_km=rupture.ztor_km,
            vs30_measured=vs30_measured,
        )
        for name, period in INTENSITY_MEASURES.items()
    }
    if residuals == "median":
        fields = {name: gm.median_g for name, gm in motions.items()}
        return ShakingFields(fields, motions, None, None)
    if residuals != "sampled":
        raise ValueError(f"residuals must be 'median' or 'sampled', got {residuals!r}")
    if rng is None:
        raise ValueError("sampled residuals need a random generator (rng)")
    if truncation_sigma is not None and not truncation_sigma > 0:
        raise ValueError(f"truncation_sigma must be > 0 or None, got {truncation_sigma}")
    eta = _standard_normal(rng, truncation_sigma)
    eps = _within_event_field(grid, rng, vs30_clustered)
    if truncation_sigma is not None:
        np.clip(eps, -truncation_sigma, truncation_sigma, out=eps)
    fields = {name: np.exp(gm.ln_median + gm.tau * eta + gm.phi * eps) for name, gm in motions.items()}
    return ShakingFields(fields, motions, eta, eps)


def _standard_normal(rng: np.random.Generator, truncation: float | None) -> float:
    """One standard-normal draw, truncated at ±``truncation`` by inverting the CDF."""
    if truncation is None:
        return float(rng.standard_normal())
    lo = scipy.special.ndtr(-truncation)
    return float(scipy.special.ndtri(lo + (1.0 - 2.0 * lo) * rng.random()))


def _within_event_field(grid: Grid, rng: np.random.Generator, vs30_clustered: bool) -> np.ndarray:
    """Unit-variance field with the Jayaram & Baker (2009) PGA correlation on the grid.

    The torus is padded as far as the range needs (3-5 ranges a side), within 2²⁵ torus
    cells. A range much longer than a fine grid does not fit that (40.7 km on 25 m cells): the
    field is then sampled on nodes every ``k`` cells (k = 2, 4, ..., from the first whose torus
    of 4 ranges fits, while ``k·dx <= range/50``, so that neighbouring nodes correlate at
    ``rho >= 0.94``) and interpolated bilinearly, which lowers the variance between nodes by at
    most ``(1 - rho)/2 <= 3 %``. Tiny grids fall back on the dense Cholesky reference. A failed
    embedding draws nothing from ``rng``.
    """
    corr = jayaram_baker_2009_correlation(0.0, vs30_clustered=vs30_clustered)
    k = 1
    while k * grid.cell_size_m < 4.0 * corr.range_m / math.sqrt(_MAX_TORUS_CELLS):
        k *= 2
    first = k
    while k == first or k * grid.cell_size_m <= corr.range_m / 50.0:
        nx, ny = math.ceil((grid.nx - 1) / k) + 1, math.ceil((grid.ny - 1) / k) + 1
        try:
            coarse = sample_correlated_field(
                nx,
                ny,
                k * grid.cell_size_m,
                corr,
                rng,
                max_padding_factor=1e6,
                max_torus_cells=_MAX_TORUS_CELLS,
            )[0]
        except CirculantEmbeddingError:
            k *= 2
            continue
        if k == 1:
            return coarse  # on the grid itself
        rows, cols = np.meshgrid(np.arange(grid.ny) / k, np.arange(grid.nx) / k, indexing="ij")
        return scipy.ndimage.map_coordinates(coarse, [rows, cols], order=1)
    if grid.nx * grid.ny > 4096:  # too big for the dense reference
        raise CirculantEmbeddingError(
            f"cannot sample a within-event field of range {corr.range_m:g} m on a {grid.ny}x{grid.nx} "
            f"grid of {grid.cell_size_m:g} m cells"
        )
    return sample_correlated_field_cholesky(grid.nx, grid.ny, grid.cell_size_m, corr, rng)[0]


# --- the process ---------------------------------------------------------------------------------


class ShakingConfig(ProcessConfig):
    """``[[hazards]] model = "ground_motion"``: one scenario earthquake."""

    model: Literal["ground_motion"] = "ground_motion"
    magnitude: float = Field(description="moment magnitude (BSSA14: 3-8.5; CY14: 3.5-8.5)")
    hypocentre_x_m: float = Field(description="epicentre x (grid coordinates, m)")
    hypocentre_y_m: float = Field(description="epicentre y (grid coordinates, m)")
    depth_km: float = Field(ge=0, le=40, description="hypocentre depth")
    strike_deg: float = Field(ge=0, le=360, description="strike, clockwise from north (grid +y)")
    dip_deg: float = Field(gt=0, le=90, description="dip, to the right of the strike direction")
    rake_deg: float = Field(ge=-180, le=180, description="rake (0 left-lateral, 90 reverse, -90 normal)")
    length_km: float | None = Field(None, gt=0, description="rupture length; default Wells & Coppersmith")
    width_km: float | None = Field(None, gt=0, description="down-dip width; default Wells & Coppersmith")
    ztor_km: float | None = Field(None, ge=0, description="top-edge depth; default centred on the hypocentre")
    gmpe: Literal["BSSA14", "CY14"] = Field("BSSA14", description="ground-motion model")
    vs30_m_s: float = Field(760.0, description="Vs30 where no vs30_m_s field is given")
    vs30_measured: bool = Field(False, description="CY14 sigma: Vs30 measured (true) or inferred")
    residuals: Literal["median", "sampled"] = Field("median", description="median field or one sample")
    truncation_sigma: float | None = Field(None, gt=0, description="truncate sampled residuals at ± this")
    vs30_clustered: bool = Field(False, description="Jayaram & Baker 2009 case 2 range (clustered Vs30)")


@register
class GroundMotionProcess(Process):
    """Scenario earthquake shaking from a finite rupture and a GMPE (see the module docstring)."""

    model_name = "ground_motion"
    family = "hazards"
    Config = ShakingConfig
    reads = (FieldSpec("vs30_m_s", "m s-1", "time-averaged shear-wave speed of the top 30 m", optional=True),)
    writes = (
        FieldSpec("pga_g", "g", "peak ground acceleration (RotD50)"),
        FieldSpec("sa_0p3_g", "g", "5 %-damped spectral acceleration at 0.3 s (RotD50)"),
        FieldSpec("sa_1p0_g", "g", "5 %-damped spectral acceleration at 1.0 s (RotD50)"),
    )
    emits = ("earthquake",)

    @classmethod
    def check(cls, config: ShakingConfig, scenario, key: str) -> None:
        """Magnitude and Vs30 within the GMPE's range; a plane that holds the hypocentre; Vs30 one way."""
        model = gmpe(config.gmpe)
        m_lo, m_hi = model.magnitude_range
        if not m_lo <= config.magnitude <= m_hi:
            raise ScenarioError(
                f"{config.gmpe} is defined for magnitudes {m_lo}-{m_hi}, got {config.magnitude}",
                key=f"{key}.magnitude",
            )
        v_lo, v_hi = model.vs30_range_m_s
        if not v_lo <= config.vs30_m_s <= v_hi:
            raise ScenarioError(
                f"{config.gmpe} is defined for Vs30 {v_lo:g}-{v_hi:g} m/s, got {config.vs30_m_s}",
                key=f"{key}.vs30_m_s",
            )
        if "vs30_m_s" in config.model_fields_set:
            provided = {layer.name for layer in scenario.layers}
            provided.update(f.name for p in scenario.processes for f in p.cls.writes)
            if "vs30_m_s" in provided:
                raise ScenarioError(
                    'a "vs30_m_s" field is provided, so the key would be ignored; remove one of them',
                    key=f"{key}.vs30_m_s",
                )
        for layer in scenario.layers:
            if layer.name == "vs30_m_s":
                v = np.load(layer.file, allow_pickle=False)
                if not (np.all(np.isfinite(v)) and v.min() >= v_lo and v.max() <= v_hi):
                    raise ScenarioError(
                        f"the vs30_m_s field ranges {v.min():g}-{v.max():g} m/s; {config.gmpe} needs "
                        f"{v_lo:g}-{v_hi:g} m/s",
                        key=f"{key}.gmpe",
                    )
        try:
            cls._rupture(config)
        except ValueError as exc:
            msg = f"{exc}; change ztor_km, width_km or depth_km"
            raise ScenarioError(msg, key=f"{key}.ztor_km") from None

    @staticmethod
    def _rupture(cfg: ShakingConfig) -> Rupture:
        return Rupture.from_hypocentre(
            cfg.magnitude, cfg.hypocentre_x_m, cfg.hypocentre_y_m, cfg.depth_km, cfg.strike_deg, cfg.dip_deg,
            cfg.rake_deg, length_km=cfg.length_km, width_km=cfg.width_km, ztor_km=cfg.ztor_km,
        )  # fmt: skip

    def start(self, t_s: float) -> None:
        """Compute and write the fields, emit the earthquake, keep maps and KPIs."""
        cfg: ShakingConfig = self.config  # type: ignore[assignment]
        grid, world = self.world.grid, self.world
        rupture = self._rupture(cfg)
        model = gmpe(cfg.gmpe)
        vs30 = grid.layers["vs30_m_s"].data if "vs30_m_s" in grid.layers else cfg.vs30_m_s
        v_lo, v_hi = model.vs30_range_m_s
        if not (np.all(np.isfinite(vs30)) and np.min(vs30) >= v_lo and np.max(vs30) <= v_hi):
            raise ValueError(f"{self.name}: vs30_m_s outside {v_lo:g}-{v_hi:g} m/s, the range of {cfg.gmpe}")
        out = shaking_fields(
            grid, rupture, model, vs30, residuals=cfg.residuals, rng=self.rng,
            truncation_sigma=cfg.truncation_sigma, vs30_clustered=cfg.vs30_clustered,
            vs30_measured=cfg.vs30_measured,
        )  # fmt: skip
        pga = out.fields["pga_g"]
        area_km2 = np.count_nonzero(pga > KPI_PGA_THRESHOLD_G) * grid.cell_area_m2 / 1e6
        data = {
            "magnitude": rupture.magnitude,
            "depth_km": rupture.hypocentre_depth_km,
            "gmpe": cfg.gmpe,
            "mechanism": mechanism(rupture.rake_deg),
            "strike_deg": rupture.strike_deg,
            "dip_deg": rupture.dip_deg,
            "rake_deg": rupture.rake_deg,
            "length_km": rupture.length_km,
            "width_km": rupture.width_km,
            "ztor_km": rupture.ztor_km,
            "residuals": cfg.residuals,
            "max_pga_g": float(pga.max()),
        }
        if out.between_event_epsilon is not None:
            data["between_event_epsilon"] = out.between_event_epsilon
        quake_id = self.emit("earthquake", x_m=rupture.hypocentre_x_m, y_m=rupture.hypocentre_y_m, data=data)
        for name, values in out.fields.items():
            layer = grid.layers[name]
            layer.data[...] = values
            layer.cause_event_id = quake_id  # the shaking's cause is the earthquake, not the start
        what = "median" if cfg.residuals == "median" else "one sample of"
        world.add_map("shakemap_pga_g", pga, "g", f"PGA, {what} {cfg.gmpe}", contours=PGA_CONTOURS_G)
        world.add_map("shakemap_sa_0p3_g", out.fields["sa_0p3_g"], "g", f"SA(0.3 s), {what} {cfg.gmpe}")
        world.add_map("shakemap_sa_1p0_g", out.fields["sa_1p0_g"], "g", f"SA(1.0 s), {what} {cfg.gmpe}")
        world.report_kpi("max_pga_g", float(pga.max()), "g", "largest PGA on the grid")
        world.report_kpi(
            "area_pga_above_0p2g_km2", area_km2, "km2", f"area where PGA exceeds {KPI_PGA_THRESHOLD_G} g"
        )
        world.report_kpi("max_sa_1p0_g", float(out.fields["sa_1p0_g"].max()), "g", "largest SA(1.0 s)")
