"""Earthquake damage to highway bridges (HAZUS fragility curves), closing or slowing the roads over them.

The process ``bridge_damage`` is started by a chain rule on the ``"earthquake"`` event. At its
start it reads the spectral accelerations ``sa_1p0_g`` (and ``sa_0p3_g``, optional) at the middle
of every bridge of the road network (segments whose ``bridge_class`` edge attribute is not 0,
:mod:`models.exposure.roads`) and samples one damage state per bridge (none, slight, moderate,
extensive, complete) from the HAZUS-MH highway-bridge fragility curves:

``P(ds >= k | Sa(1.0 s)) = Φ( ln(Sa / m_k) / β )``, β = 0.6 for every class and state, with the
class medians ``m_k`` in g of Sa(1.0 s) (:data:`HWB_MEDIANS_SA1_G`) modified for the bridge:

* slight: ``m_1 × min(1, K_shape)`` for the classes with ``I_shape = 1``, else ``m_1``, where
  ``K_shape = 2.5 Sa(1.0) / Sa(0.3)`` (taken as 1 without an ``sa_0p3_g`` field);
* moderate, extensive, complete: ``m_k × K_skew × K_3D`` with ``K_skew = sqrt(sin(90° − α))``
  (α the skew angle) and ``K_3D = 1 + A / (N − B)`` (N the number of spans, A and B by the class's
  equation EQ1 … EQ7, :data:`K3D_COEFFICIENTS`).

Where the modified curves cross (a skewed bridge's moderate median below its slight median; the
manual's procedure, as seen, does not say what to do then), the probability of reaching a state is
taken as the largest of its own and those of the worse states, so that no state gets a negative
probability [assumption].
For a single-span bridge of a ``B = 1`` equation (HWB3, HWB4: N − B = 0) ``K_3D`` is undefined;
it is taken as 1 [assumption: the 3-D arching of Basöz and Mander applies to multi-span decks].

The spectral accelerations are those of the cell holding the segment's midpoint (the middle of
the crossing for a generated bridge). What follows from the state (``close_at``, default
``"extensive"``):

* extensive or complete: the segment is **closed**, both directions (edge attribute ``open`` to 0,
  read by :mod:`models.response.travel`), logged as ``"road_closed"`` at the bridge with data
  ``{edge, src, dst, reason: "bridge", damage_state, bridge_class, sa_1p0_g}``;
* moderate: the segment is **slowed**: its edges' ``speed_factor`` attribute (which
  :func:`models.response.travel.edge_travel_time_s` multiplies into the speed) is multiplied by
  ``moderate_speed_factor`` (default 0.5: one lane open at reduced speed, an assumption, not a
  HAZUS number), logged as ``"road_slowed"`` with the same data plus ``speed_factor``.

The cause of every event is the earthquake event (the event that started the process, past the
engine's ``process_started`` link; when the scenario starts the process itself, the last
``"earthquake"`` in the log). Slight damage changes nothing on the road. At the end the table
``bridge_damage`` (one row per bridge: segment, class, where, Sa, the modified medians, the
sampled state, whether closed) and the KPIs ``bridges``, ``bridges_closed``, ``bridges_slowed``
are written. HAZUS's functionality and restoration curves are not modelled: a closed bridge stays
closed to the end of the run.

Sources
-------
FEMA (2003/2020). Multi-hazard Loss Estimation Methodology, Earthquake Model, HAZUS-MH MR5 /
Hazus 4.2 Technical Manual, chapter 7 (highway bridges): Table 7.1 (classes, K_3D equation,
I_shape), Table 7.2 (A, B of EQ1-EQ7), Table 7.6 in Hazus 4.2 / 7.9 in MR5 (medians of Sa(1.0 s)
in g, β = 0.6). The medians were **seen** in two public data sets: the Hazus 5.1 transportation
damage database of SimCenter's pelicun (``damage_DB_Hazus_EQ_trnsp.csv``, HWB.GS.1-28, lognormal,
θ and β = 0.6), and a public implementation that lists Table 7-6 row by row; both agree for all
28 classes. The K_3D equations, the A and B coefficients, I_shape and the K_skew and K_shape
formulae were **seen** only in that implementation (quoting Tables 7-1 and 7-2 of the Hazus 4.2
manual), which matches the values recalled from the manual; HWB28's K_3D equation (EQ1) and
I_shape (0) were not listed there and are **[recalled]**. None of it was checked against the
manual's own pages.

Basöz, N. and Mander, J. B. (1999). Enhancement of the highway transportation lifeline module in
HAZUS. Report to NIBS (the origin of K_3D and K_shape) [recalled, not seen].
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field
from scipy.special import ndtr

from engine.errors import ScenarioError
from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.exposure.roads import BRIDGE_CLASS_NAMES, close_edges, network_named, segment_edges

__all__ = [
    "BETA",
    "DAMAGE_STATES",
    "HWB_I_SHAPE",
    "HWB_K3D_EQUATION",
    "HWB_MEDIANS_SA1_G",
    "K3D_COEFFICIENTS",
    "BridgeDamage",
    "BridgeDamageConfig",
    "exceedance_probabilities",
    "modified_medians",
    "sample_damage_states",
]

#: Damage states, in the order of the sampled state codes 0-4.
DAMAGE_STATES: tuple[str, ...] = ("none", "slight", "moderate", "extensive", "complete")

#: Lognormal standard deviation of every HAZUS highway-bridge fragility curve.
BETA = 0.6

#: Medians of Sa(1.0 s) in g for slight, moderate, extensive and complete damage, per HAZUS class
#: (Hazus 4.2 Technical Manual Table 7-6; MR5 Table 7.9) [seen: pelicun Hazus 5.1 data, and a
#: public implementation quoting the table].
HWB_MEDIANS_SA1_G: dict[str, tuple[float, float, float, float]] = {
    "HWB1": (0.40, 0.50, 0.70, 0.90),  # major bridge > 150 m, conventional design
    "HWB2": (0.60, 0.90, 1.10, 1.70),  # major bridge > 150 m, seismic design
    "HWB3": (0.80, 1.00, 1.20, 1.70),  # single span, conventional
    "HWB4": (0.80, 1.00, 1.20, 1.70),  # single span, seismic
    "HWB5": (0.25, 0.35, 0.45, 0.70),  # concrete, multi-column bent, simple support, conventional, non-CA
    "HWB6": (0.30, 0.50, 0.60, 0.90),  # same, California
    "HWB7": (0.50, 0.80, 1.10, 1.70),  # same, seismic design
    "HWB8": (0.35, 0.45, 0.55, 0.80),  # continuous concrete, single column, box girder, conventional
    "HWB9": (0.60, 0.90, 1.30, 1.60),  # same, seismic
    "HWB10": (0.60, 0.90, 1.10, 1.50),  # continuous concrete (not HWB8/9), conventional
    "HWB11": (0.90, 0.90, 1.10, 1.50),  # same, seismic
    "HWB12": (0.25, 0.35, 0.45, 0.70),  # steel, multi-column bent, simple support, conventional, non-CA
    "HWB13": (0.30, 0.50, 0.60, 0.90),  # same, California
    "HWB14": (0.50, 0.80, 1.10, 1.70),  # same, seismic
    "HWB15": (0.75, 0.75, 0.75, 1.10),  # continuous steel, conventional
    "HWB16": (0.90, 0.90, 1.10, 1.50),  # continuous steel, seismic
    "HWB17": (
        0.25,
        0.35,
        0.45,
        0.70,
    ),  # prestressed concrete, multi-column bent, simple support, conv., non-CA
    "HWB18": (0.30, 0.50, 0.60, 0.90),  # same, California
    "HWB19": (0.50, 0.80, 1.10, 1.70),  # same, seismic
    "HWB20": (0.35, 0.45, 0.55, 0.80),  # prestressed concrete, single column, box girder, conventional
    "HWB21": (0.60, 0.90, 1.30, 1.60),  # same, seismic
    "HWB22": (0.60, 0.90, 1.10, 1.50),  # continuous prestressed concrete (not HWB20/21), conventional
    "HWB23": (0.90, 0.90, 1.10, 1.50),  # same, seismic
    "HWB24": (0.25, 0.35, 0.45, 0.70),  # HWB12 shorter than 20 m
    "HWB25": (0.30, 0.50, 0.60, 0.90),  # HWB13 shorter than 20 m
    "HWB26": (0.75, 0.75, 0.75, 1.10),  # HWB15 shorter than 20 m, non-CA
    "HWB27": (0.75, 0.75, 0.75, 1.10),  # HWB15 shorter than 20 m, California
    "HWB28": (0.80, 1.00, 1.20, 1.70),  # all other bridges (including wooden ones)
}

#: ``(A, B)`` of ``K_3D = 1 + A / (N - B)`` per equation (Hazus 4.2 Table 7-2) [seen in one
#: public implementation; matches the values recalled from the manual].
K3D_COEFFICIENTS: dict[str, tuple[float, float]] = {
    "EQ1": (0.25, 1.0),
    "EQ2": (0.33, 0.0),
    "EQ3": (0.33, 1.0),
    "EQ4": (0.09, 1.0),
    "EQ5": (0.05, 0.0),
    "EQ6": (0.20, 1.0),
    "EQ7": (0.10, 0.0),
}

#: K_3D equation of each class (Hazus 4.2 Table 7-1) [seen in one public implementation; HWB28
#: [recalled]].
_K3D_EQUATION_GROUPS: dict[str, str] = {
    **{f"HWB{k}": "EQ1" for k in (1, 2, 3, 4, 5, 6, 7, 14, 17, 18, 19, 28)},
    **{f"HWB{k}": "EQ2" for k in (8, 10, 20, 22)},
    **{f"HWB{k}": "EQ3" for k in (9, 11, 16, 21, 23)},
    "HWB12": "EQ4",
    "HWB13": "EQ4",
    "HWB15": "EQ5",
    "HWB24": "EQ6",
    "HWB25": "EQ6",
    "HWB26": "EQ7",
    "HWB27": "EQ7",
}
HWB_K3D_EQUATION: dict[str, str] = {f"HWB{k}": _K3D_EQUATION_GROUPS[f"HWB{k}"] for k in range(1, 29)}

#: I_shape of each class: 1 where the slight median is modified by K_shape (Hazus 4.2 Table 7-1)
#: [seen in one public implementation; HWB28 [recalled]].
HWB_I_SHAPE: dict[str, int] = {
    f"HWB{k}": int(k in (3, 4, 10, 11, 15, 16, 22, 23, 26, 27)) for k in range(1, 29)
}


def modified_medians(
    bridge_class: list[str] | tuple[str, ...],
    spans: np.ndarray,
    skew_deg: np.ndarray,
    sa_0p3_g: np.ndarray | None,
    sa_1p0_g: np.ndarray | None,
) -> np.ndarray:
    """The bridges' medians of Sa(1.0 s) for slight … complete damage, modified per HAZUS.

    Parameters
    ----------
    bridge_class : sequence of str
        HAZUS class of each bridge (``"HWB1"`` … ``"HWB28"``).
    spans : array_like
        Number of spans ``N`` of each bridge (≥ 1).
    skew_deg : array_like
        Skew angle ``α`` of each bridge, degrees in [0, 90).
    sa_0p3_g, sa_1p0_g : array_like or None
        Spectral accelerations at the bridges (for ``K_shape``); ``None`` (either) means
        ``K_shape = 1``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 4)``, g.

    Examples
    --------
    A 3-span HWB10 (EQ2: K_3D = 1 + 0.33 / 3 = 1.11) at 30° skew (K_skew = sqrt(sin 60°) = 0.9306),
    under a spectrum with Sa(1.0) / Sa(0.3) = 0.2 (K_shape = 0.5):

    >>> m = modified_medians(["HWB10"], np.array([3]), np.array([30.0]), np.array([1.0]), np.array([0.2]))
    >>> m.round(4)
    array([[0.3   , 0.9297, 1.1363, 1.5495]])
    """
    n = len(bridge_class)
    base = np.array([HWB_MEDIANS_SA1_G[c] for c in bridge_class], dtype=np.float64).reshape(n, 4)
    a, b = (
        np.array([K3D_COEFFICIENTS[HWB_K3D_EQUATION[c]] for c in bridge_class], dtype=np.float64)
        .reshape(n, 2)
        .T
    )
    spans = np.broadcast_to(np.asarray(spans, dtype=np.float64), (n,))
    skew = np.broadcast_to(np.asarray(skew_deg, dtype=np.float64), (n,))
    gap = spans - b
    k3d = np.where(gap > 0, 1.0 + a / np.where(gap > 0, gap, 1.0), 1.0)  # N - B = 0: taken as 1
    k_skew = np.sqrt(np.sin(np.radians(90.0 - skew)))
    slight = np.ones(n)
    if sa_0p3_g is not None and sa_1p0_g is not None:
        s03 = np.broadcast_to(np.asarray(sa_0p3_g, dtype=np.float64), (n,))
        s10 = np.broadcast_to(np.asarray(sa_1p0_g, dtype=np.float64), (n,))
        k_shape = np.where(s03 > 0, 2.5 * s10 / np.where(s03 > 0, s03, 1.0), 1.0)
        shaped = np.array([HWB_I_SHAPE[c] == 1 for c in bridge_class], dtype=bool)
        slight = np.where(shaped, np.minimum(1.0, k_shape), 1.0)
    out = base.copy()
    out[:, 0] *= slight
    out[:, 1:] *= (k_skew * k3d)[:, None]
    return out


def exceedance_probabilities(sa_1p0_g: np.ndarray, medians: np.ndarray, beta: float = BETA) -> np.ndarray:
    """Probability that each bridge reaches or exceeds slight … complete damage.

    ``Φ(ln(Sa / m_k) / β)`` per state, then the largest of a state's and the worse states' values
    (so that they never increase with the state where modified curves cross).

    Parameters
    ----------
    sa_1p0_g : array_like
        Sa(1.0 s) at each bridge, g, shape ``(n,)``; 0 or less gives 0.
    medians : array_like
        Shape ``(n, 4)`` (:func:`modified_medians`).
    beta : float
        Lognormal standard deviation.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 4)``.

    Examples
    --------
    At the median of extensive damage of an HWB5 the chance of extensive is one half:

    >>> exceedance_probabilities(np.array([0.45]), np.array([[0.25, 0.35, 0.45, 0.70]])).round(4)
    array([[0.8364, 0.6623, 0.5   , 0.2307]])
    """
    sa = np.asarray(sa_1p0_g, dtype=np.float64)[:, None]
    m = np.asarray(medians, dtype=np.float64)
    with np.errstate(divide="ignore"):
        z = np.where(sa > 0, np.log(np.where(sa > 0, sa, 1.0) / m) / beta, -np.inf)
    p = ndtr(z)
    return np.maximum.accumulate(p[:, ::-1], axis=1)[:, ::-1]


def sample_damage_states(exceedance: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One damage state per bridge (0 none … 4 complete) from exceedance probabilities.

    One uniform draw ``u`` per bridge; the state is the number of states whose probability of
    being reached exceeds ``u`` (inverse transform of the ordered states).

    Examples
    --------
    >>> sample_damage_states(np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ...                      np.random.default_rng(0)).tolist()
    [2, 0]
    """
    p = np.asarray(exceedance, dtype=np.float64)
    u = rng.random(p.shape[0])
    return (u[:, None] < p).sum(axis=1).astype(np.int64)


class BridgeDamageConfig(ProcessConfig):
    """``[[impacts]] model = "bridge_damage"``."""

    model: Literal["bridge_damage"] = "bridge_damage"
    network: str = Field("roads", min_length=1, description="network in world.networks")
    close_at: Literal["moderate", "extensive", "complete"] = Field(
        "extensive", description="least damage state that closes a bridge"
    )
    moderate_speed_factor: float = Field(
        0.5, gt=0, le=1, description="speed factor on a moderately damaged bridge that stays open"
    )


@register
class BridgeDamage(Process):
    """Samples earthquake damage to the road network's bridges; closes or slows the roads over them."""

    model_name = "bridge_damage"
    family = "impacts"
    Config = BridgeDamageConfig
    reads = (
        FieldSpec("sa_1p0_g", "g", "5 %-damped spectral acceleration at 1.0 s"),
        FieldSpec("sa_0p3_g", "g", "5 %-damped spectral acceleration at 0.3 s (K_shape)", optional=True),
        FieldSpec(
            "road_mask", "1", "cells a road crosses (orders this after the road network)", optional=True
        ),
    )
    emits = ("road_closed", "road_slowed")
    default_dt_s = None  # acts once, when the earthquake starts it

    @classmethod
    def check(cls, config: BridgeDamageConfig, scenario, key: str) -> None:
        """The road network must exist (the engine checks that someone provides ``sa_1p0_g``)."""
        models = {p.cls.model_name for p in scenario.processes}
        if config.network == "roads" and "road_network" not in models:
            raise ScenarioError(
                'no road network: add [[exposure]] model = "road_network"', key=f"{key}.network"
            )

    def _earthquake_id(self) -> int:
        """The earthquake behind this run: the triggering event, else the last one logged."""
        ev = self.trigger_event()
        if ev is not None and ev.kind == "earthquake":
            return ev.id
        quakes = self.world.events.of_kind("earthquake")
        if quakes:
            return quakes[-1].id
        return self.cause_id if ev is None else ev.id

    def start(self, t_s: float) -> None:
        """Sample every bridge's damage state and close or slow the roads over the damaged ones."""
        cfg: BridgeDamageConfig = self.config  # type: ignore[assignment]
        net = network_named(self.world, cfg.network)
        attrs = net.edge_attrs
        n_edges = net.n_edges
        seg_of_edge, first = segment_edges(net)
        if "bridge_class" not in attrs:  # a network without bridges
            attrs["bridge_class"] = np.zeros(n_edges)
        code = attrs["bridge_class"][first].astype(np.int64)
        segments = np.flatnonzero(code > 0)
        edges = first[segments]
        src, dst = net.edge_sources()[edges], net.indices[edges]
        x = 0.5 * (net.node_x_m[src] + net.node_x_m[dst])
        y = 0.5 * (net.node_y_m[src] + net.node_y_m[dst])
        grid = self.world.grid
        col = np.clip(np.floor((x - grid.origin_x_m) / grid.cell_size_m).astype(np.int64), 0, grid.nx - 1)
        row = np.clip(np.floor((y - grid.origin_y_m) / grid.cell_size_m).astype(np.int64), 0, grid.ny - 1)
        layers = grid.layers
        sa10 = np.maximum(layers["sa_1p0_g"].data[row, col], 0.0)
        sa03 = np.maximum(layers["sa_0p3_g"].data[row, col], 0.0) if "sa_0p3_g" in layers else None
        classes = [BRIDGE_CLASS_NAMES[c] for c in code[segments]]
        spans = attrs["bridge_spans"][edges] if "bridge_spans" in attrs else np.ones(segments.size)
        skew = attrs["bridge_skew_deg"][edges] if "bridge_skew_deg" in attrs else np.zeros(segments.size)
        medians = modified_medians(classes, np.maximum(spans, 1.0), skew, sa03, sa10)
        exceed = exceedance_probabilities(sa10, medians)
        states = sample_damage_states(exceed, self.rng)

        if "open" not in attrs:
            attrs["open"] = np.ones(n_edges)
        if "speed_factor" not in attrs:
            attrs["speed_factor"] = np.ones(n_edges)
        close_from = DAMAGE_STATES.index(cfg.close_at)
        quake = self._earthquake_id()
        events = np.full(segments.size, -1, dtype=np.int64)
        for i, s in enumerate(segments):
            state = int(states[i])
            if state < 2:
                continue
            closed = state >= close_from
            on = seg_of_edge == s
            data = {
                "edge": int(s),
                "src": int(src[i]),
                "dst": int(dst[i]),
                "reason": "bridge",
                "damage_state": DAMAGE_STATES[state],
                "bridge_class": classes[i],
                "sa_1p0_g": float(sa10[i]),
            }
            if closed:
                close_edges(net, on)
                kind = "road_closed"
            else:
                attrs["speed_factor"][on] *= cfg.moderate_speed_factor
                data["speed_factor"] = cfg.moderate_speed_factor
                kind = "road_slowed"
            events[i] = self.emit(kind, cause_id=quake, x_m=float(x[i]), y_m=float(y[i]), data=data)
        self.result = {
            "segment": segments,
            "bridge_class": np.array(classes, dtype=str),
            "x_m": x,
            "y_m": y,
            "sa_1p0_g": sa10,
            **{f"median_{s}_g": medians[:, k] for k, s in enumerate(DAMAGE_STATES[1:])},
            **{f"p_{s}": exceed[:, k] for k, s in enumerate(DAMAGE_STATES[1:])},
            "damage_state": np.array([DAMAGE_STATES[s] for s in states], dtype=str),
            "closed": (states >= close_from).astype(np.int64),
            "event": events,
        }

    def finish(self, t_s: float) -> None:
        """Keep the table ``bridge_damage`` and report how many bridges closed or slowed a road."""
        cfg: BridgeDamageConfig = self.config  # type: ignore[assignment]
        r = self.result
        states = r["damage_state"]
        closed = int(r["closed"].sum())
        slowed = int(np.sum((states == "moderate") & (r["closed"] == 0)))
        w = self.world
        w.report_kpi("bridges", r["segment"].size, "1", "bridges on the road network")
        w.report_kpi("bridges_closed", closed, "1", f"bridges closed ({cfg.close_at} damage or worse)")
        w.report_kpi("bridges_slowed", slowed, "1", "bridges open at reduced speed (moderate damage)")
        units = {"x_m": "m", "y_m": "m", "sa_1p0_g": "g"}
        units.update({f"median_{s}_g": "g" for s in DAMAGE_STATES[1:]})
        w.add_table(
            "bridge_damage",
            r,
            units,
            "bridges: HAZUS class, Sa(1.0 s), modified medians, probabilities of reaching each "
            "damage state, the sampled state, whether it closed the road, and the event logged",
        )
