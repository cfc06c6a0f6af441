"""The warning process: time to 90 % against the closed forms, infrastructure fields, chain start."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.grid import Grid
from engine.world import World
from models.response.warning import bass_share
from models.response.warning_process import WarningConfig, WarningProcess
from tests.conftest import run_in_world

SIREN = {"name": "siren", "delay_s": 120.0, "rate_per_s": 1.0 / 300.0, "reach_day": 1.0, "reach_night": 1.0}


def run(start_s=0.0, layers=None, **cfg):
    world = World(Grid(0.0, 0.0, 100.0, 4, 2))
    for name, data in (layers or {}).items():
        world.grid.add_layer(name, "1", name, writer="test").data[...] = data
    cfg.setdefault("channels", [SIREN])
    cfg.setdefault("word_of_mouth_per_s", 0.0)
    run_in_world(
        world,
        lambda kw: [WarningProcess(WarningConfig(**cfg), name="warning", **kw)],
        end_s=4 * 3600.0,
        start_s=start_s,
    )
    return world


def test_one_channel_reaches_90_percent_at_delay_plus_ln10_over_rate():
    k = run(step_s=1.0).kpis
    assert k["warning_time_to_90pct_s"].value == pytest.approx(120.0 + 300.0 * math.log(10.0), abs=0.01)
    assert k["warning_share_at_600s"].value == pytest.approx(1.0 - math.exp(-480.0 / 300.0))
    assert k["warning_share_complying"].value == pytest.approx(0.8 * k["warning_share_final"].value)


def test_word_of_mouth_follows_bass():
    ch = dict(SIREN, delay_s=0.0, rate_per_s=1e-3)
    world = run(channels=[ch], word_of_mouth_per_s=2e-3, step_s=60.0)
    t = world.tables["warning_share"].columns
    assert np.allclose(t["share_warned"], bass_share(t["t_s"], 1e-3, 2e-3), atol=1e-6)


def test_telecom_down_cuts_a_cell_broadcast_to_its_backup_in_those_cells():
    cb = dict(SIREN, name="cell_broadcast", delay_s=0.0, needs_telecom=True, backup_share=0.0, reach_day=1.0)
    telecom = np.array([[1, 1, 0, 0], [1, 1, 0, 0]], dtype=float)
    world = run(
        channels=[cb], layers={"telecom_up": telecom, "population": np.ones((2, 4))}, horizon_s=36000.0
    )
    k = world.kpis
    assert k["warning_share_final"].value == pytest.approx(0.5, abs=1e-6)
    assert math.isinf(k["warning_time_to_90pct_s"].value)
    assert world.grid.layers["warned_share"].data[:, 2:].max() == 0.0


def test_started_later_the_table_runs_on_the_run_clock():
    world = run(start_s=1000.0)
    t = world.tables["warning_share"].columns["t_s"]
    assert t[0] == 1000.0
    assert world.kpis["warning_issued_s"].value == 1000.0
    assert world.events.of_kind("warning_issued")[0].time_s == 1000.0


def test_drawn_delays_and_compliance_vary_by_replica_but_repeat_with_the_seed():
    ch = dict(SIREN, delay_sd_s=60.0)
    a = run(channels=[ch], compliance_sd=0.1).kpis
    b = run(channels=[ch], compliance_sd=0.1).kpis
    assert a["warning_time_to_90pct_s"].value == b["warning_time_to_90pct_s"].value
    assert a["warning_time_to_90pct_s"].value != pytest.approx(120.0 + 300.0 * math.log(10.0), abs=0.5)
    assert a["warning_share_complying"].value != pytest.approx(0.8 * a["warning_share_final"].value)
