"""hazchain engine: the domain-free core.

The public API a researcher scripts against fits on one page:

- :class:`Scenario` — a validated scenario file (``Scenario.load(path)``);
- :class:`Simulation` — one run of a scenario with one seed;
- :func:`run` — load, run and (optionally) write a results file;
- :func:`ensemble` — Monte Carlo replicas on local processes or Dask;
- :class:`Results` — read a results file back.

Everything else is internal and may change. The engine knows nothing about
any hazard: models plug in through :mod:`engine.registry`.
"""

from engine.ensemble import ensemble
from engine.errors import HazchainError, ResultsError, ScenarioError
from engine.results import Results
from engine.scenario import Scenario
from engine.simulation import RunOutput, Simulation, run

__all__ = [
    "HazchainError",
    "Results",
    "ResultsError",
    "RunOutput",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "ensemble",
    "run",
]
