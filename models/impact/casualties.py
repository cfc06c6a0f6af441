"""What every casualty model shares: where people are, indoors or out, and drawing deaths.

Impact models read the same two population fields and turn per-cell
probabilities of death into deaths the same way; this module is the one place
for both, so the indoor/outdoor split and the sampling cannot drift apart
between hazards.

Expected values use the exact split (``population × indoor_fraction``
indoors). Sampled casualties first draw how many of a cell's whole people are
indoors (binomially, so a cell of one person is not always "indoors"), then
the deaths among them; both draws are unbiased for the expected values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.grid import Grid
from engine.process import FieldSpec

#: The population fields an impact model reads (``indoor_fraction`` is optional: all outdoors).
POPULATION_READS = (
    FieldSpec("population", "1", "people per cell"),
    FieldSpec("indoor_fraction", "1", "share of people indoors", optional=True),
)


def population_arrays(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """People per cell and the share indoors, both ``(ny, nx)`` (no ``indoor_fraction``: 0).

    Examples
    --------
    >>> g = Grid(0, 0, 1.0, 2, 1)
    >>> _ = g.add_layer("population", "1", data=np.array([[10.0, 3.0]]))
    >>> pop, f_in = population_arrays(g)
    >>> f_in.tolist()
    [[0.0, 0.0]]
    """
    pop = grid.layers["population"].data
    f_in = grid.layers["indoor_fraction"].data if "indoor_fraction" in grid.layers else np.zeros_like(pop)
    return pop, f_in


def expected_deaths(
    pop: np.ndarray, f_in: np.ndarray, p_outdoors: np.ndarray, p_indoors: np.ndarray
) -> np.ndarray:
    """Expected deaths per cell, ``pop · ((1 − f) P_out + f P_in)``.

    Examples
    --------
    >>> expected_deaths(np.array([10.0]), np.array([0.5]), np.array([0.5]), np.array([0.1])).tolist()
    [3.0]
    """
    return pop * ((1.0 - f_in) * p_outdoors + f_in * p_indoors)


@dataclass
class Casualties:
    """Sampled whole people per cell: where they were and whether they died."""

    dead_outdoors: np.ndarray
    dead_indoors: np.ndarray
    alive_outdoors: np.ndarray
    alive_indoors: np.ndarray
    expected: np.ndarray

    @property
    def deaths(self) -> np.ndarray:
        """Deaths per cell."""
        return (self.dead_outdoors + self.dead_indoors).astype(np.float64)


def draw_casualties(
    pop: np.ndarray,
    f_in: np.ndarray,
    p_outdoors: np.ndarray,
    p_indoors: np.ndarray,
    rng: np.random.Generator,
) -> Casualties:
    """Draw who is indoors, then who dies, per cell (all arrays of one shape)."""
    people = np.round(pop).astype(np.int64)
    indoors = rng.binomial(people, np.clip(f_in, 0.0, 1.0))
    outdoors = people - indoors
    dead_out = rng.binomial(outdoors, p_outdoors)
    dead_in = rng.binomial(indoors, p_indoors)
    return Casualties(
        dead_out,
        dead_in,
        outdoors - dead_out,
        indoors - dead_in,
        expected_deaths(pop, f_in, p_outdoors, p_indoors),
    )
