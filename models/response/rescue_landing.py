"""Where the ``rescue`` process's aircraft put down: helipads, airstrips and open ground.

:class:`LandingMixin` holds the landing part of :class:`models.response.rescue.RescueProcess`
(the sites from the config and the facilities, which of them are usable now, the landing place
of each task, and why no aircraft flew); :func:`open_ground_mask` is the open-ground rule. The
landing model as a whole is explained in the module text of :mod:`models.response.rescue`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from engine.errors import ScenarioError
from models.response.dispatch import Landing, Tasks, nearest_landing
from models.response.rescue_config import LANDING_KINDS, OpenGroundConfig, RescueConfig

__all__ = ["LandingMixin", "open_ground_mask"]


class LandingMixin:
    """Landing sites and landing places of :class:`~models.response.rescue.RescueProcess`.

    A mixin: it uses the process's ``config``, ``world``, ``name``, ``teams`` and ``tasks``, and
    sets ``site_names``, ``site_kind``, ``site_x``, ``site_y``, ``landing_model`` and ``_no_landing``.
    """

    def _landing_sites(self) -> None:
        """Helipads and airstrips: the config's list plus every facility of those kinds."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        facilities = self.world.facilities
        sites: dict[str, tuple[str, float, float]] = {}
        for s in cfg.landing_sites:
            if s.facility is not None:
                if s.facility not in facilities:
                    raise ScenarioError(
                        f"unknown landing facility {s.facility!r}; facilities are {', '.join(facilities)}",
                        key=f"{self.name}.landing_sites",
                    )
                f = facilities[s.facility]
                sites[s.name] = (s.kind, float(f.x_m), float(f.y_m))
            else:
                sites[s.name] = (s.kind, float(s.x_m), float(s.y_m))  # type: ignore[arg-type]
        used = {s.facility for s in cfg.landing_sites}
        for name, f in facilities.items():
            if f.kind in LANDING_KINDS and name not in used and name not in sites:
                sites[name] = (f.kind, float(f.x_m), float(f.y_m))
        self.site_names = list(sites)
        self.site_kind = np.array([v[0] for v in sites.values()], dtype=str)
        self.site_x = np.array([v[1] for v in sites.values()], dtype=float)
        self.site_y = np.array([v[2] for v in sites.values()], dtype=float)
        self.landing_model = bool(sites) or cfg.open_ground is not None

    def _usable_sites(self, kind: str) -> np.ndarray:
        """Indices of the sites of ``kind`` not under water or landslide debris now."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        ok = self.site_kind == kind
        for name, limit in (("water_depth_m", cfg.landing_max_water_depth_m), ("landslide_debris_m", 0.0)):
            if name not in grid.layers:
                continue
            data = grid.layers[name].data
            for k in np.flatnonzero(ok):
                if grid.contains(self.site_x[k], self.site_y[k]):
                    r, c = grid.index_of(self.site_x[k], self.site_y[k])
                    ok[k] = data[r, c] <= limit
        return np.flatnonzero(ok)

    def _landing(self, tasks: Tasks) -> Landing | None:
        """Where aircraft put down for each task now (``None``: on the spot, no landing model)."""
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        if not self.teams.is_air.any() or not self.landing_model:
            return None
        walk = cfg.offroad_speed_m_s
        spot = Landing.on_the_spot(tasks)
        if cfg.hoist:
            hx, hy, hs = spot.heli_x_m, spot.heli_y_m, spot.heli_ground_s
        else:
            pads = self._usable_sites("helipad")
            cx, cy = self.site_x[pads], self.site_y[pads]
            if cfg.open_ground is not None:
                mask = open_ground_mask(self.world.grid, cfg.open_ground, cfg.landing_max_water_depth_m)
                gx, gy = self.world.grid.cell_centres()
                cx = np.concatenate([cx, gx[mask.ravel()]])
                cy = np.concatenate([cy, gy[mask.ravel()]])
            hx, hy, hs = nearest_landing(tasks.x_m, tasks.y_m, cx, cy, walk)
            self._no_landing = cx.size == 0
        strips = self._usable_sites("airstrip")
        wx, wy, ws = nearest_landing(tasks.x_m, tasks.y_m, self.site_x[strips], self.site_y[strips], walk)
        return Landing(hx, hy, hs, wx, wy, ws)

    def _no_aviation_reason(self) -> str:
        cfg: RescueConfig = self.config  # type: ignore[assignment]
        teams = self.teams
        if not teams.is_air.any():
            return "none: no aircraft in the scenario"
        air = np.flatnonzero(teams.is_air)
        wind, vis = cfg.weather.wind_m_s, cfg.weather.visibility_m
        if np.all((wind > teams.max_wind_m_s[air]) | (vis < teams.min_visibility_m[air])):
            return (
                f"none: all aircraft grounded (wind {wind:g} m/s,"
                f" limit {teams.max_wind_m_s[air].max():g} m/s;"
                f" visibility {vis:g} m, minimum {teams.min_visibility_m[air].min():g} m)"
            )
        if self.tasks is None or not np.any(self.tasks.kind == 1):
            return "none: no task for aircraft (no medical evacuation sites)"
        if self._no_landing:
            return "none: no usable helipad or open ground to land near the tasks"
        return "none: no aircraft was dispatched"


def open_ground_mask(grid, rule: OpenGroundConfig, max_water_depth_m: float = 0.05) -> np.ndarray:
    """Cells where a helicopter may land off a pad, ``(ny, nx)`` booleans.

    The rule (an assumption, stated): a cell is open ground when its ``slope_deg`` is below
    ``max_slope_deg`` (taken as flat without a slope field), its ``water_depth_m`` is at most
    ``max_water_depth_m``, it holds no landslide debris (``landslide_debris_m`` > 0), no collapsed
    buildings (``building_collapse_fraction`` > 0) and fewer than ``max_people_per_cell`` people
    (a populated cell is built up), and every cell whose centre lies within ``min_clear_m`` of its
    centre passes too (a morphological erosion with a disc; cells beyond the grid's edge count
    as not clear). Fields that are absent do not restrict.

    Examples
    --------
    >>> from engine.grid import Grid
    >>> grid = Grid(0.0, 0.0, 10.0, 3, 1)
    >>> _ = grid.add_layer("slope_deg", "degree", data=np.array([[2.0, 5.0, 20.0]]))
    >>> open_ground_mask(grid, OpenGroundConfig(min_clear_m=0.0)).tolist()
    [[True, True, False]]
    """
    layers = grid.layers
    ok = np.ones(grid.shape, dtype=bool)
    if "slope_deg" in layers:
        ok &= layers["slope_deg"].data < rule.max_slope_deg
    if "water_depth_m" in layers:
        ok &= layers["water_depth_m"].data <= max_water_depth_m
    for name in ("landslide_debris_m", "building_collapse_fraction"):
        if name in layers:
            ok &= layers[name].data <= 0.0
    if "population" in layers:
        ok &= layers["population"].data < rule.max_people_per_cell
    r = int(rule.min_clear_m // grid.cell_size_m)
    if r >= 1 and ok.any():
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        disc = (xx * xx + yy * yy) * grid.cell_size_m**2 <= rule.min_clear_m**2
        ok = ndimage.binary_erosion(ok, structure=disc, border_value=0)
    return ok
