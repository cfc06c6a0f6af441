"""Every user mistake in a scenario is one clear line naming the key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import Scenario, ScenarioError
from tests.conftest import CHLORINE, FLAGSHIP, SMALL, TEST_SCENARIOS, hazchain, small_text

BROKEN = sorted((TEST_SCENARIOS / "broken").glob("*.toml"))


def expected_key(path: Path) -> str:
    m = re.search(r"^# expect-key: (.*)$", path.read_text(), re.M)
    assert m, f"{path.name} lacks an '# expect-key:' line"
    return m.group(1).strip()


def test_there_are_at_least_ten_broken_files():
    assert len(BROKEN) >= 10


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_scenario_names_its_key_path_in_one_line(path):
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    key = expected_key(path)
    if key:
        assert f": {key}: " in msg, msg


def test_cli_validate_fails_each_broken_file_with_one_line_and_writes_nothing(tmp_path):
    before = set(Path(tmp_path).iterdir())
    res = hazchain("validate", *map(str, BROKEN), cwd=tmp_path)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == len(BROKEN), res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    for path, line in zip(BROKEN, lines, strict=True):
        assert line.startswith("hazchain: error: ") and path.name in line
        key = expected_key(path)
        assert not key or f": {key}: " in line
    assert set(Path(tmp_path).iterdir()) == before


def test_cli_run_on_a_broken_file_exits_1_and_creates_no_output(tmp_path):
    out = tmp_path / "never.h5"
    res = hazchain("run", str(TEST_SCENARIOS / "broken" / "negative_rate.toml"), "--out", str(out))
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "rate_kg_s" in res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_valid_files_validate(tmp_path):
    res = hazchain("validate", str(FLAGSHIP), str(CHLORINE), str(SMALL))
    assert res.returncode == 0, res.stderr
    assert res.stdout.count(": ok") == 3


def test_did_you_mean_for_keys_sections_and_models():
    cases = {
        "unknown key": (small_text(**{"dt_s = 10.0\nsource": "dt_z = 10.0\nsource"}), 'did you mean "dt_s"'),
        "unknown model": (
            small_text(**{'model = "toxic_probit"': 'model = "toxic_probt"'}),
            'did you mean "toxic_probit"',
        ),
    }
    for _, (text, hint) in cases.items():
        with pytest.raises(ScenarioError, match=re.escape(hint)):
            Scenario.from_text(text, base_dir=SMALL.parent)


def test_model_in_the_wrong_family_is_named():
    text = small_text(**{"[[exposure]]": "[[hazards]]"})
    with pytest.raises(ScenarioError, match=r"hazards\[1\]\.model: .*belongs in \[\[exposure\]\]"):
        Scenario.from_text(text, base_dir=SMALL.parent)


def test_paths_are_relative_to_the_scenario_file(tmp_path):
    import numpy as np

    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "terrain.npy", np.zeros((60, 100)))
    text = small_text() + '\n[[layers]]\nname = "terrain_m"\nfile = "data/terrain.npy"\nunits = "m"\n'
    path = tmp_path / "s.toml"
    path.write_text(text)
    sc = Scenario.load(path)
    assert sc.layers[0].file == (tmp_path / "data" / "terrain.npy").resolve()


def test_missing_file_is_one_line():
    with pytest.raises(ScenarioError, match="file not found"):
        Scenario.load("no/such/scenario.toml")
