"""Agent populations as structure-of-arrays.

The many simple actors (pedestrians, vehicles, households) are columns of
contiguous arrays that numba kernels advance; there is no Python object per
agent. Every column has the population's length and a unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Population:
    """A set of agents stored column-wise.

    Examples
    --------
    >>> p = Population("crowd", 3)
    >>> x = p.add_column("x_m", "m", fill=1.0)
    >>> p["x_m"].sum(), p.nbytes_per_agent
    (np.float64(3.0), 8)
    """

    name: str
    size: int
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def add_column(self, name: str, units: str, *, fill: float | int = 0, dtype=np.float64) -> np.ndarray:
        """Add a column filled with ``fill`` and return it."""
        if name in self.columns:
            raise ValueError(f"population {self.name!r} already has a column {name!r}")
        arr = np.full(self.size, fill, dtype=dtype)
        self.columns[name] = arr
        self.units[name] = units
        return arr

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @property
    def nbytes_per_agent(self) -> int:
        """Memory of one agent across all columns, in bytes."""
        return sum(a.itemsize for a in self.columns.values())
