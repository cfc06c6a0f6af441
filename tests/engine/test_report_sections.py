"""The report's extension point: sections registered from outside the engine, and the engine's independence.

Checked against the contract of :func:`engine.report.register_section`: a section's Markdown
stands among the engine's blocks by its order, its figures join the list of figures, the tables it
consumes are not plotted again, and a failing section stops the report with its name. The last
test reads the engine's source: ``engine`` never imports ``models`` (DESIGN.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import engine
from engine import report
from engine.errors import ResultsError


@pytest.fixture(scope="module")
def results_file(tmp_path_factory, small_scenario):
    from engine import Simulation
    from engine.results import write_run

    out = Simulation(small_scenario, seed=1).run()
    out.maps, out.series = {}, {}  # the event log and the KPIs are enough, and quick to draw
    return write_run(tmp_path_factory.mktemp("run") / "small.h5", out)


@pytest.fixture
def sections():
    """Register test sections; they are removed again after the test."""
    names: list[str] = []

    def add(name, fn, order):
        report.register_section(name, fn, order=order)
        names.append(name)

    yield add
    for n in names:
        report.unregister_section(n)


def _figure_section(ctx: report.ReportContext) -> report.SectionOutput:
    fig, ax = plt.subplots()
    ax.plot(ctx.x, ctx.x)
    return report.SectionOutput(
        lines=["## Test late", "", f"{len(ctx.events)} events", ""],
        figures=[("test figure", report.save_figure(fig, ctx.out / "test_figure.png"))],
    )


def test_sections_stand_in_their_order_among_the_engines_blocks(results_file, tmp_path, sections):
    sections("test_late", _figure_section, 900)
    sections("test_early", lambda ctx: report.SectionOutput(["## Test early", ""]), 150)
    sections("test_middle", lambda ctx: report.SectionOutput(["## Test middle", ""]), 250)
    summary = report.make_report(results_file, tmp_path).read_text()
    heads = [line for line in summary.splitlines() if line.startswith("## ")]
    order = ["## Test early", "## Key indicators", "## Test middle", "## Event chain", "## Test late"]
    assert [h for h in heads if h in order] == order
    assert heads[-1] == "## Figures"
    figures = summary[summary.index("## Figures") :]
    assert "![test figure](test_figure.png)" in figures
    assert (tmp_path / "test_figure.png").stat().st_size > 1000


def test_a_failing_section_stops_the_report_with_its_name(results_file, tmp_path, sections):
    def broken(ctx):
        raise KeyError("no_such_table")

    sections("test_broken", broken, 500)
    with pytest.raises(ResultsError, match=r'report section "test_broken" failed.*no_such_table'):
        report.make_report(results_file, tmp_path)
    report.unregister_section("test_broken")
    sections("test_wrong_type", lambda ctx: (["## lines"], [], set()), 500)
    with pytest.raises(ResultsError, match='"test_wrong_type" returned tuple'):
        report.make_report(results_file, tmp_path)


def test_the_models_sections_are_registered_by_the_entry_point():
    from engine.registry import load_plugins

    load_plugins()  # as make_report does
    names = [n for n, _, _ in report.report_sections()]
    assert {"crowds", "response"} <= set(names)
    assert names.index("response") < names.index("crowds")  # targets before the key indicators


def test_registering_the_models_does_not_load_their_drawing_code():
    # A simulation run loads the models (their sections too): pyplot and the report modules stay out.
    code = (
        "import sys; from engine.registry import load_plugins; load_plugins(); "
        "print(sorted(m for m in sys.modules if m == 'matplotlib.pyplot'"
        " or (m.startswith('models.') and m.endswith('.report'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_engine_imports_nothing_from_models():
    root = Path(engine.__file__).parent
    pattern = re.compile(r"from models|import models")  # as `grep -rn` would, comments included
    offenders = [
        f"{p.relative_to(root.parent)}: {m.group(0)}"
        for p in sorted(root.rglob("*.py"))
        for m in pattern.finditer(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert len(list(root.rglob("*.py"))) > 5  # the files were found
