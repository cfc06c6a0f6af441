"""Where the crowd of the evacuation process stands: its walkable area and its bodies' start positions.

:func:`build_area` turns a scenario's geometry spec
(:class:`models.crowds.evacuation_config.GeometrySpec`) into a
:class:`models.crowds.geometry.WalkableArea`; :func:`place_points` puts non-overlapping body
centres in a region of it. The process that uses them, and the explanation of the whole
model, live in :mod:`models.crowds.evacuation`.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from engine.errors import ScenarioError
from models.crowds.agents import jittered_grid
from models.crowds.evacuation_config import GeometrySpec
from models.crowds.geometry import Exit, Stair, WalkableArea, Waypoint

__all__ = ["build_area", "place_points"]

#: Gap kept between placed bodies and walls (m).
_PLACEMENT_MARGIN_M = 0.05


def build_area(spec: GeometrySpec, key: str) -> WalkableArea:
    """The walkable area of a geometry spec; ScenarioError under ``key`` on a mistake."""
    try:
        lines = {
            "exits": [Exit(e.name, e.start_m, e.end_m) for e in spec.exits],
            "waypoints": [Waypoint(w.name, w.start_m, w.end_m) for w in spec.waypoints],
            "stairs": [
                Stair(s.name, s.polygon, s.speed_factor_up, s.speed_factor_down, s.uphill)
                for s in spec.stairs
            ],
        }
    except ValueError as exc:
        raise ScenarioError(str(exc), key=key) from None
    try:
        if spec.file is None:
            return WalkableArea.from_coordinates(spec.walkable, spec.holes, **lines)
        if spec.file.suffix.lower() in (".geojson", ".json"):
            return WalkableArea.from_geojson(spec.file)
        text = spec.file.read_text(encoding="utf-8")
        poly = WalkableArea.from_wkt(text, source=str(spec.file)).polygon
        if spec.holes:
            poly = poly.difference(shapely.union_all([shapely.Polygon(h) for h in spec.holes]))
        return WalkableArea(poly, source=str(spec.file), **lines)
    except ScenarioError as exc:
        if exc.path is not None and spec.file is not None:
            raise
        sub = f"{key}.{exc.key}" if exc.key else key
        raise ScenarioError(exc.message, key=sub) from None


def place_points(
    region: shapely.Geometry,
    n: int,
    radius_m: float,
    rng: np.random.Generator,
    *,
    taken: np.ndarray | None = None,
    taken_radius_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` body centres in ``region`` at least ``2 radius`` apart (and clear of ``taken`` points).

    A jittered grid denser than needed fills the region's bounding box; ``n`` of the points
    inside the region (shrunk by the radius and a margin) are drawn at random. ValueError if
    the region cannot hold ``n`` bodies that way.

    Examples
    --------
    >>> x, y = place_points(shapely.box(0, 0, 10, 10), 150, 0.2, np.random.default_rng(1))
    >>> d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) + np.eye(150) * 9
    >>> x.size, bool(d.min() >= 0.4), bool(x.min() >= 0.25)
    (150, True, True)
    """
    if n == 0:
        return np.zeros(0), np.zeros(0)
    inner = region.buffer(-(radius_m + _PLACEMENT_MARGIN_M))
    if inner.is_empty or inner.area <= 0:
        raise ValueError("the area is too small for one body")
    shapely.prepare(inner)
    x0, y0, x1, y1 = inner.bounds
    box_area = max((x1 - x0) * (y1 - y0), 1e-9)
    from scipy.spatial import cKDTree  # imported here: it costs a CLI start 0.1-0.4 s

    tree = cKDTree(taken) if taken is not None and len(taken) else None
    densest = math.floor(box_area / (2 * radius_m + 0.01) ** 2)  # grid spacing >= 2 r + 1 cm
    m = min(math.ceil(n * box_area / inner.area * 1.3) + 4, densest)
    for _ in range(8):
        spacing = math.sqrt(box_area / m)
        jitter = min(0.1, (spacing - 2 * radius_m) / 2 - 1e-3)
        box = (x0 - spacing / 2, y0 - spacing / 2, x1 + spacing / 2, y1 + spacing / 2)
        gx, gy = jittered_grid(m, box, jitter, rng)
        ok = shapely.contains_xy(inner, gx, gy)
        if tree is not None:
            dist, _ = tree.query(np.c_[gx, gy], distance_upper_bound=radius_m + taken_radius_m + 1e-9)
            ok &= ~np.isfinite(dist)
        idx = np.flatnonzero(ok)
        if idx.size >= n:
            pick = np.sort(rng.choice(idx, n, replace=False))
            return gx[pick], gy[pick]
        if m >= densest:
            break
        m = min(math.ceil(m * 1.3 * n / max(idx.size, 1)) + 4, densest)
    raise ValueError(
        f"cannot place {n} bodies of radius {radius_m} m in {region.area:.1f} m² "
        f"({n / region.area:.2f} per m²); lower the count or enlarge the area"
    )
