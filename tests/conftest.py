"""Shared fixtures: paths, small scenarios, a CLI runner and a runner for hand-built worlds."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TEST_SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SMALL = TEST_SCENARIOS / "valid" / "small_chlorine.toml"
FLAGSHIP = SCENARIOS / "valley_earthquake_chain.toml"
CHLORINE = SCENARIOS / "chlorine_release_town.toml"


def small_text(**replace: str) -> str:
    """The small test scenario's text with ``old=new`` replacements (each must apply)."""
    text = SMALL.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def run_in_world(
    world: Any,
    build: Callable[[dict[str, Any]], Sequence[Any]],
    *,
    end_s: float,
    start_s: float | None = None,
    before_start: Callable[[], None] | None = None,
) -> list[Any]:
    """Run processes on a hand-built world, without a scenario file; return them.

    ``build(kw)`` makes the processes from the constructor keywords ``kw`` (``world``,
    ``scheduler``, ``rng``, ``base_dir``). The scheduler sets them up (once), ``before_start()``
    may then change the world, each process starts at ``start_s`` (default: at once) with the
    scenario as its cause, and the run goes to ``end_s`` and finishes.
    """
    from engine.rng import RandomStreams
    from engine.scheduler import Scheduler

    sched = Scheduler(world, RandomStreams(1), end_s=end_s)
    kw = {"world": world, "scheduler": sched, "rng": np.random.default_rng(0), "base_dir": "."}
    procs = list(build(kw))
    sched.add_processes(procs)
    if before_start is not None:
        before_start()
    for proc in procs:
        sched.start_process(proc, at_s=start_s, cause_id=-1)
    sched.run()
    sched.finish()
    return procs


def hazchain(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def small_scenario():
    from engine import Scenario

    return Scenario.load(SMALL)


@pytest.fixture(scope="session")
def calm_scenario():
    """The small scenario without wind randomness (deterministic fields)."""
    from engine import Scenario

    text = SMALL.read_text().replace(", wind_from_sd_deg = 10.0", "")
    return Scenario.from_text(text, base_dir=SMALL.parent, path="calm.toml")
