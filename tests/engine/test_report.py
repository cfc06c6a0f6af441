"""Report pieces that need no results file: the plan-targets section of summary.md."""

from __future__ import annotations

import numpy as np

from engine.report import _targets_section


class _Res:
    table_names = ("plan_targets",)

    def table(self, name):
        return {
            "target": np.array(["aviation_2h", "basic_life_10h"]),
            "passed": np.array([1, 0]),
            "value": np.array([3526.0, np.inf]),
            "limit": np.array([7200.0, 36000.0]),
            "reason": np.array(["first aviation team 0.98 h <= 2 h", "267 people still without shelter"]),
        }


def test_plan_targets_section_says_pass_or_fail_and_why():
    lines = _targets_section(_Res())
    assert lines[0] == "## Plan targets"
    body = [line for line in lines if line.startswith("| aviation") or line.startswith("| basic")]
    assert "**pass**" in body[0] and "0.98 h <= 2 h" in body[0]
    assert "**FAIL**" in body[1] and "without shelter" in body[1]


def test_no_targets_table_no_section():
    class Empty:
        table_names = ()

    assert _targets_section(Empty()) == []
