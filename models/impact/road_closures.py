"""Roads closed by floodwater or landslide debris, each closure logged with the event that caused it.

Every step the process samples the fields ``water_depth_m`` and ``landslide_debris_m`` (whichever
the scenario provides) along every road segment, at points every cell size from end to end
(:func:`models.exposure.roads.segment_cells`), and closes a segment, both directions, by setting
its edges' ``open`` attribute to 0, where the largest sampled value exceeds

* ``max_water_depth_m`` (default 0.3 m) of water, or of the energy head ``h + v²/(2g)`` with
  ``criterion = "energy_head"`` (``v`` from ``flow_speed_m_s``, ``g`` = 9.81 m/s²). Kramer et al.
  (2016) recommend a constant total head of 0.3 m as the limit of safe trafficability for
  passenger cars (0.6 m for emergency vehicles), from flume tests on vehicle models and a
  prototype car; in still water the head is the depth;
* ``max_debris_m`` (default 0.5 m) of landslide deposit [assumption: no published threshold was
  checked; half a metre of debris stops ordinary vehicles, which clear about 0.15–0.2 m].

Each segment is closed, and logged as a ``"road_closed"`` event, once. The event's cause is the
``cause_event_id`` of the field that closed it (:class:`engine.grid.Layer`), i.e. the dam breach
behind the water or the earthquake behind the debris; it is placed at the sampled point of the
largest value, with data ``{edge, src, dst, reason, depth_m}``: the segment number, its end
nodes, ``"water"`` or ``"debris"`` and the largest depth (or energy head, or deposit thickness)
found. When both fields exceed their limits at once, the one furthest above its limit (as a
ratio) is the reason. With ``reopen = true`` a closed segment opens again, logged as
``"road_reopened"``, once every sampled value is back within both limits (debris is never
cleared by this model, so in practice only water recedes).

Reference: Kramer, M., Terheiden, K., Wieprecht, S. (2016). Safety criteria for the
trafficability of inundated roads in urban floodings. International Journal of Disaster Risk
Reduction 17, 77–84 [abstract seen: total heads 0.3 m and 0.6 m].
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.exposure.roads import close_edges, network_named, reopen_edges, segment_cells, segment_edges

__all__ = ["GRAVITY_M_S2", "RoadClosures", "RoadClosuresConfig", "segment_maxima"]

GRAVITY_M_S2 = 9.81

_HAZARDS = (("water", "water_depth_m"), ("debris", "landslide_debris_m"))


def segment_maxima(values: np.ndarray, ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest sampled value of every segment and the index of its sample point.

    Parameters
    ----------
    values : numpy.ndarray
        Values at all sample points, segment after segment.
    ptr : numpy.ndarray
        Points of segment ``s`` are ``ptr[s]:ptr[s+1]`` (a segment may have none: -inf, -1).

    Examples
    --------
    >>> m, at = segment_maxima(np.array([0.1, 0.5, 0.2, 0.0, 0.4]), np.array([0, 3, 3, 5]))
    >>> m.tolist(), at.tolist()
    ([0.5, -inf, 0.4], [1, -1, 4])
    """
    n = ptr.size - 1
    counts = np.diff(ptr)
    seg = np.repeat(np.arange(n), counts)
    # Sort by (segment, value) so that each segment's last point is its largest.
    order = np.lexsort((values, seg))
    has = counts > 0
    last = ptr[1:][has] - 1
    best = np.full(n, -np.inf)
    at = np.full(n, -1, dtype=np.int64)
    best[has] = values[order[last]]
    at[has] = order[last]
    return best, at


class RoadClosuresConfig(ProcessConfig):
    """``[[impacts]] model = "road_closures"``."""

    model: Literal["road_closures"] = "road_closures"
    network: str = Field("roads", min_length=1, description="network in world.networks")
    max_water_depth_m: float = Field(0.3, gt=0, description="water depth (or energy head) that closes a road")
    criterion: Literal["depth", "energy_head"] = Field(
        "depth", description='"depth", or "energy_head" h + v^2/2g (needs flow_speed_m_s)'
    )
    max_debris_m: float = Field(0.5, gt=0, description="landslide deposit thickness that closes a road")
    reopen: bool = Field(False, description="open a closed road again when the water has gone")


@register
class RoadClosures(Process):
    """Closes road segments under deep water or landslide debris and logs each closure's cause."""

    model_name = "road_closures"
    family = "impacts"
    Config = RoadClosuresConfig
    reads = (
        FieldSpec("water_depth_m", "m", "flood water depth", optional=True),
        FieldSpec("flow_speed_m_s", "m s-1", "depth-averaged flow speed (energy_head only)", optional=True),
        FieldSpec("landslide_debris_m", "m", "landslide deposit thickness", optional=True),
        FieldSpec(
            "road_mask", "1", "cells a road crosses (orders this after the road network)", optional=True
        ),
    )
    emits = ("road_closed", "road_reopened")
    default_dt_s = 60.0

    @classmethod
    def check(cls, config: RoadClosuresConfig, scenario, key: str) -> None:
        """Something must be able to close a road, and the road network must exist."""
        provided = {layer.name for layer in scenario.layers}
        provided.update(f.name for p in scenario.processes for f in p.cls.writes)
        if not provided & {"water_depth_m", "landslide_debris_m"}:
            raise ScenarioError(
                'nothing can close a road: no model or layer provides "water_depth_m" or '
                '"landslide_debris_m"; add a flood or landslide model',
                key=f"{key}.model",
            )
        if config.criterion == "energy_head" and "flow_speed_m_s" not in provided:
            raise ScenarioError(
                'criterion = "energy_head" needs the field "flow_speed_m_s"; use "depth" or add a flood',
                key=f"{key}.criterion",
            )
        models = {p.cls.model_name for p in scenario.processes}
        if config.network == "roads" and "road_network" not in models:
            raise ScenarioError(
                'no road network: add [[exposure]] model = "road_network"', key=f"{key}.network"
            )

    def start(self, t_s: float) -> None:
        """Sample points along every segment, then check the fields as they are now."""
        cfg: RoadClosuresConfig = self.config  # type: ignore[assignment]
        net = self.net = network_named(self.world, cfg.network)
        src = net.edge_sources()
        seg_of_edge, first = segment_edges(net)  # first: the first edge of each segment
        n_seg = first.size
        self.seg_of_edge = seg_of_edge
        self.seg_src = src[first]
        self.seg_dst = net.indices[first]
        x, y = net.node_x_m, net.node_y_m
        s, d = self.seg_src, self.seg_dst
        self.seg_length_m = np.hypot(x[d] - x[s], y[d] - y[s])
        self.ptr, self.cells, self.px, self.py = segment_cells(x[s], y[s], x[d], y[d], self.world.grid)
        if "open" not in net.edge_attrs:
            net.edge_attrs["open"] = np.ones(net.n_edges)
        self.closed = np.zeros(n_seg, dtype=bool)
        self.ever_closed = np.zeros(n_seg, dtype=bool)
        self.closing_event: dict[int, int] = {}
        self.log: dict[str, list] = {
            k: [] for k in ("segment", "time_s", "reason", "depth_m", "x_m", "y_m", "event")
        }
        self._check(t_s)

    def advance(self, t_s: float, dt_s: float) -> None:
        """Close (or reopen) segments by the fields at ``t_s``."""
        self._check(t_s)

    def _sampled(self) -> list[tuple[str, np.ndarray, float, int]]:
        """``(reason, values at the sample points, limit, cause)`` for each field present."""
        cfg: RoadClosuresConfig = self.config  # type: ignore[assignment]
        layers = self.world.grid.layers
        out = []
        for reason, name in _HAZARDS:
            if name not in layers:
                continue
            values = layers[name].data.ravel()[self.cells]
            limit = cfg.max_water_depth_m if reason == "water" else cfg.max_debris_m
            if reason == "water" and cfg.criterion == "energy_head":
                v = layers["flow_speed_m_s"].data.ravel()[self.cells]
                values = values + np.where(values > 0.0, v * v / (2.0 * GRAVITY_M_S2), 0.0)
            out.append((reason, values, limit, layers[name].cause_event_id))
        return out

    def _check(self, t_s: float) -> None:
        sampled = self._sampled()
        if not sampled:
            return
        ratios, maxima, where = [], [], []
        for _, values, limit, _ in sampled:
            best, at = segment_maxima(values, self.ptr)
            ratios.append(best / limit)
            maxima.append(best)
            where.append(at)
        ratio = np.vstack(ratios)
        worst = np.argmax(ratio, axis=0)
        over = ratio.max(axis=0) > 1.0
        for s in np.flatnonzero(over & ~self.closed):
            k = int(worst[s])
            reason, _, _, cause = sampled[k]
            self._set(s, closed=True)
            p = int(where[k][s])
            depth = float(maxima[k][s])
            event = self.emit(
                "road_closed",
                cause_id=cause,
                x_m=float(self.px[p]),
                y_m=float(self.py[p]),
                data={
                    "edge": int(s),
                    "src": int(self.seg_src[s]),
                    "dst": int(self.seg_dst[s]),
                    "reason": reason,
                    "depth_m": depth,
                },
            )
            self.closing_event[int(s)] = event
            for col, v in zip(
                self.log,
                (int(s), t_s, reason, depth, float(self.px[p]), float(self.py[p]), event),
                strict=True,
            ):
                self.log[col].append(v)
        if self.config.reopen:  # type: ignore[attr-defined]
            for s in np.flatnonzero(self.closed & ~over & (np.diff(self.ptr) > 0)):
                self._set(s, closed=False)
                self.emit(
                    "road_reopened",
                    cause_id=self.closing_event[int(s)],
                    x_m=float(self.net.node_x_m[self.seg_src[s]]),
                    y_m=float(self.net.node_y_m[self.seg_src[s]]),
                    data={"edge": int(s), "src": int(self.seg_src[s]), "dst": int(self.seg_dst[s])},
                )

    def _set(self, segment: int, *, closed: bool) -> None:
        self.closed[segment] = closed
        self.ever_closed[segment] |= closed
        edges = self.seg_of_edge == segment
        if closed:
            close_edges(self.net, edges)
        else:
            reopen_edges(self.net, edges)  # a bridge closed by its damage stays closed

    def finish(self, t_s: float) -> None:
        """Report the closed road length and keep the table of closures."""
        w = self.world
        w.report_kpi(
            "roads_closed_km",
            self.seg_length_m[self.closed].sum() / 1e3,
            "km",
            "road length closed at the end",
        )
        w.report_kpi(
            "roads_ever_closed_km",
            self.seg_length_m[self.ever_closed].sum() / 1e3,
            "km",
            "road length closed at some time",
        )
        w.report_kpi("road_closures", len(self.log["segment"]), "1", "road segments closed (closure events)")
        w.add_table(
            "road_closures",
            {
                "segment": np.asarray(self.log["segment"], dtype=np.int64),
                "time_s": np.asarray(self.log["time_s"], dtype=np.float64),
                "reason": np.asarray(self.log["reason"], dtype=str),
                "depth_m": np.asarray(self.log["depth_m"], dtype=np.float64),
                "x_m": np.asarray(self.log["x_m"], dtype=np.float64),
                "y_m": np.asarray(self.log["y_m"], dtype=np.float64),
                "event": np.asarray(self.log["event"], dtype=np.int64),
            },
            {"time_s": "s", "depth_m": "m", "x_m": "m", "y_m": "m"},
            "road segments closed by water or debris: when, why, how deep, where, and the event logged",
        )
