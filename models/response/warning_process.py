"""The ``warning`` process: the share of people warned over time, through channels and word of mouth.

``[[response]] model = "warning"`` issues a warning when it starts: at ``start_s``, or when a chain
rule fires (on ``"earthquake"``, ``"dam_breach"``, an order). From then on the share of people
warned follows :func:`models.response.warning.warned_share` (Rogers & Sorensen 1991: one
saturating curve per official channel, bounded by its penetration by time of day and by the
infrastructure of each cell; Bass 1969 word of mouth on top).

**Infrastructure.** The optional fields ``power_up`` and ``telecom_up`` (1 working, 0 down) are
read at the moment of issue; where they are absent both services work. The share depends on a
cell only through these two flags, so the curve is integrated once per flag combination and
weighted by the people of the cells in it (``population``, optional: equal weights without it).

**Delays and compliance.** Each channel's delay may be drawn once per replica from a normal
distribution (``delay_sd_s``, truncated at 0) with the process's own random stream. A share
``compliance`` of the warned act on it (a stated scenario parameter, drawn per replica from a
normal of spread ``compliance_sd`` clipped to [0, 1]; Sorensen 2000 reviews compliance measured
after real warnings, which varies widely between events).

What it writes: the field ``warned_share`` (share warned per cell at the end of the run), the
table ``warning_share`` (``t_s`` since the start of the run, ``share_warned``,
``share_complying``) and the KPIs ``warning_time_to_90pct_s`` (after issue; ``inf`` when never),
``warning_share_at_<t>s`` for each of ``report_at_s`` (seconds after issue),
``warning_share_final`` and ``warning_issued_s``.

Examples
--------
>>> cfg = WarningConfig(channels=[ChannelConfig(name="siren", delay_s=60.0, rate_per_s=0.01)])
>>> [c.name for c in cfg.channel_objects()]
['siren']
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from engine.process import FieldSpec, Process, ProcessConfig
from engine.registry import register
from models.response.warning import (
    DEFAULT_CHANNELS,
    DEFAULT_FACE_TO_FACE_SHARE,
    DEFAULT_WORD_OF_MOUTH_PER_S,
    Channel,
    time_to_share,
    warned_share,
)

__all__ = ["ChannelConfig", "WarningConfig", "WarningProcess"]


class ChannelConfig(BaseModel):
    """One official channel in ``channels = [...]`` (see :class:`models.response.warning.Channel`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    delay_s: float = Field(0.0, ge=0, description="from the decision to warn to the first message")
    delay_sd_s: float = Field(0.0, ge=0, description="spread of the delay per replica (normal, >= 0)")
    rate_per_s: float = Field(gt=0, description="share of reachable people reached per second")
    reach_day: float = Field(1.0, ge=0, le=1, description="maximum penetration by day")
    reach_night: float = Field(1.0, ge=0, le=1, description="maximum penetration by night (22-06 h)")
    needs_power: bool = False
    needs_telecom: bool = False
    backup_share: float = Field(0.0, ge=0, le=1, description="penetration kept where a service is down")

    def channel(self, delay_s: float | None = None) -> Channel:
        """The :class:`Channel` with this delay (default the configured one)."""
        return Channel(
            self.name,
            self.delay_s if delay_s is None else delay_s,
            self.rate_per_s,
            self.reach_day,
            self.reach_night,
            self.needs_power,
            self.needs_telecom,
            self.backup_share,
        )


class WarningConfig(ProcessConfig):
    """``[[response]] model = "warning"``."""

    model: Literal["warning"] = "warning"
    channels: list[ChannelConfig] | None = Field(
        None, description="official channels; default models.response.warning.DEFAULT_CHANNELS"
    )
    hour_at_start: float = Field(12.0, ge=0, lt=24, description="local hour at t = 0 of the run")
    word_of_mouth_per_s: float = Field(DEFAULT_WORD_OF_MOUTH_PER_S, ge=0, description="Bass imitation q")
    face_to_face_share: float = Field(DEFAULT_FACE_TO_FACE_SHARE, ge=0, le=1)
    compliance: float = Field(0.8, ge=0, le=1, description="share of the warned who act on it")
    compliance_sd: float = Field(
        0.0, ge=0, description="spread of the compliance per replica (normal, in [0, 1])"
    )
    horizon_s: float = Field(7200.0, gt=0, description="how long after issue the curve is followed")
    step_s: float = Field(60.0, gt=0, description="time step of the table")
    report_at_s: list[float] = Field([600.0, 1800.0, 3600.0], description="times after issue for KPIs")
    target_share: float = Field(0.9, gt=0, le=1, description="share whose time is a KPI (plan: 0.9)")

    def channel_objects(self) -> tuple[Channel, ...]:
        """The configured channels as :class:`Channel` objects (the defaults when none given)."""
        if self.channels is None:
            return DEFAULT_CHANNELS
        return tuple(c.channel() for c in self.channels)


@register
class WarningProcess(Process):
    """Warning dissemination after a decision to warn (see the module text)."""

    model_name = "warning"
    family = "response"
    Config = WarningConfig
    reads = (
        FieldSpec("population", "1", "people per cell", optional=True),
        FieldSpec("power_up", "1", "1 where power works, 0 where it is down", optional=True),
        FieldSpec("telecom_up", "1", "1 where telecom works, 0 where it is down", optional=True),
    )
    writes = (FieldSpec("warned_share", "1", "share of a cell's people warned (end of the run)"),)
    emits = ("warning_issued",)
    default_dt_s = None

    def start(self, t_s: float) -> None:
        """Issue the warning now and compute the share warned over the horizon."""
        cfg: WarningConfig = self.config  # type: ignore[assignment]
        grid = self.world.grid
        layers = grid.layers
        channels = []
        for i, ch in enumerate(cfg.channel_objects()):
            sd = cfg.channels[i].delay_sd_s if cfg.channels is not None else 0.0
            delay = max(ch.delay_s + sd * self.rng.standard_normal(), 0.0) if sd > 0 else ch.delay_s
            channels.append(Channel(ch.name, delay, *_rest(ch)))
        n = grid.nx * grid.ny
        people = layers["population"].data.ravel() if "population" in layers else np.ones(n)
        power = layers["power_up"].data.ravel() > 0.5 if "power_up" in layers else np.ones(n, bool)
        telecom = layers["telecom_up"].data.ravel() > 0.5 if "telecom_up" in layers else np.ones(n, bool)
        hour = (cfg.hour_at_start + t_s / 3600.0) % 24.0
        t_rel = np.arange(0.0, cfg.horizon_s + 0.5 * cfg.step_s, cfg.step_s)
        combo = power.astype(np.int64) * 2 + telecom.astype(np.int64)
        p_flags = np.array([False, False, True, True])
        t_flags = np.array([False, True, False, True])
        curves = warned_share(
            t_rel,
            tuple(channels),
            issue_s=0.0,
            hour_of_day=hour,
            power_up=p_flags,
            telecom_up=t_flags,
            word_of_mouth_per_s=cfg.word_of_mouth_per_s,
            face_to_face_share=cfg.face_to_face_share,
        )  # (n_times, 4)
        weights = np.bincount(combo, weights=people, minlength=4)
        total = weights.sum()
        overall = curves @ weights / total if total > 0 else np.zeros(t_rel.size)
        self.issue_s = t_s
        self.t_rel = t_rel
        self.overall = overall
        self.curves = curves
        self.combo = combo
        compliance = cfg.compliance
        if cfg.compliance_sd > 0:
            compliance = float(np.clip(compliance + cfg.compliance_sd * self.rng.standard_normal(), 0.0, 1.0))
        t90, _ = time_to_share(t_rel, overall[:, None], cfg.target_share)
        w = self.world
        pct = round(100 * cfg.target_share)
        w.report_kpi("warning_issued_s", t_s, "s", "when the warning was issued (run clock)")
        w.report_kpi(
            f"warning_time_to_{pct}pct_s",
            t90,
            "s",
            f"time after issue until {pct} % of people are warned (inf: not within {cfg.horizon_s:g} s)",
        )
        for at in cfg.report_at_s:
            w.report_kpi(
                f"warning_share_at_{at:g}s",
                float(np.interp(at, t_rel, overall)),
                "1",
                f"share of people warned {at:g} s after issue",
            )
        w.report_kpi("warning_share_final", overall[-1], "1", f"share warned {cfg.horizon_s:g} s after issue")
        w.report_kpi("warning_share_complying", overall[-1] * compliance, "1", "share warned who act on it")
        w.add_table(
            "warning_share",
            {
                "t_s": t_s + t_rel,
                "share_warned": overall,
                "share_complying": overall * compliance,
            },
            {"t_s": "s", "share_warned": "1", "share_complying": "1"},
            "share of people warned (and acting on it) over time after the warning was issued",
            plot=("t_s", "share_warned", "linear"),
        )
        self.emit("warning_issued", data={"hour_of_day": hour, "channels": [c.name for c in channels]})
        self._write(t_s)

    def _write(self, t_s: float) -> None:
        rel = min(max(t_s - self.issue_s, 0.0), self.t_rel[-1])
        k = int(np.searchsorted(self.t_rel, rel, side="right") - 1)
        layer = self.world.grid.layers["warned_share"]
        layer.data[...] = self.curves[k][self.combo].reshape(self.world.grid.shape)
        self.mark_written("warned_share")

    def finish(self, t_s: float) -> None:
        """Leave the share warned per cell as it is at the end of the run."""
        self._write(t_s)


def _rest(ch: Channel) -> tuple:
    return (ch.rate_per_s, ch.reach_day, ch.reach_night, ch.needs_power, ch.needs_telecom, ch.backup_share)
