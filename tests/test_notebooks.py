"""The tutorials in notebooks/ run top to bottom, and are committed without outputs.

Each notebook is executed with nbclient in a fresh ``python3`` kernel whose working
directory is ``notebooks/``, as Jupyter would run it; any cell that raises fails the test.
The kernel must be this test run's interpreter (so it imports this checkout's ``engine``
and ``models``): jupyter_client starts a kernelspec whose command is plain ``python``
with ``sys.executable``, which :func:`test_kernel_runs_this_interpreter` checks.
nbclient, nbformat and ipykernel come with the ``dev`` extra, like pytest itself.

A notebook whose full run takes minutes has one code cell tagged ``parameters`` (as papermill
marks it); :data:`TEST_PARAMETERS` gives the values the test substitutes there, so the suite
runs a smaller copy of it (the full run is left to the reader).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL = "python3"
#: Values substituted into a notebook's ``parameters`` cell before the test runs it.
TEST_PARAMETERS = {"03_stadium_egress.ipynb": {"people_scale": 0.05, "threads": 1}}


def _execute(nb) -> None:
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()


def test_there_are_notebooks() -> None:
    assert PATHS, f"no notebooks found in {NOTEBOOKS}"


def test_kernel_runs_this_interpreter() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os, sys\nprint(sys.prefix)\nprint(os.getcwd())")]
    )
    _execute(nb)
    prefix, cwd = nb.cells[0].outputs[0]["text"].splitlines()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve(), (
        f"the {KERNEL!r} kernel runs the Python in {prefix}, not this one in {sys.prefix}; "
        "install ipykernel in this environment and remove the other python3 kernelspec"
    )
    assert Path(cwd).resolve() == NOTEBOOKS


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_notebook_is_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"{path.name}: cells {dirty} keep outputs; clear them before committing"


def _substitute(nb, values: dict[str, object]) -> None:
    """Set ``name = value`` in the notebook's ``parameters`` cell; each name must be assigned there."""
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one code cell tagged 'parameters', found {len(cells)}"
    for name, value in values.items():
        source, n = re.subn(
            rf"(?m)^{name}\s*=\s*[^#\n]*?(\s*#.*)?$", rf"{name} = {value!r}\1", cells[0].source
        )
        assert n == 1, f"the parameters cell does not assign {name} once"
        cells[0].source = source


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    if path.name in TEST_PARAMETERS:
        _substitute(nb, TEST_PARAMETERS[path.name])
    _execute(nb)  # raises CellExecutionError, with the cell's traceback, if any cell fails
