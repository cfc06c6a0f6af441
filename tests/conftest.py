"""Shared fixtures: paths, small scenarios and a CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
