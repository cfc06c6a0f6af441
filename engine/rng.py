"""Random streams: one seed reproduces a run bit for bit.

Every replica and every process gets its own :class:`numpy.random.Generator`
spawned from one :class:`numpy.random.SeedSequence`. A child's key is derived
from the replica number and a stable hash of the process *name*, not from the
order in which processes are created, so adding a process to a scenario does
not change the draws of the others, and replica 17 of an ensemble is the same
whether the ensemble has 20 replicas or 2 000.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_key(name: str) -> int:
    """A 32-bit key for ``name`` that is the same on every machine and Python run.

    (Python's ``hash`` of a string is salted per process, so it cannot be used.)

    Examples
    --------
    >>> stable_key("plume") == stable_key("plume")
    True
    """
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


class RandomStreams:
    """Independent generators for one replica of one seed.

    Parameters
    ----------
    seed
        The run's seed (non-negative integer).
    replica
        Replica number inside an ensemble (0 for a single run).

    Examples
    --------
    >>> a = RandomStreams(7).generator("plume").random()
    >>> b = RandomStreams(7).generator("plume").random()
    >>> a == b
    True
    >>> RandomStreams(7).generator("plume").random() == RandomStreams(7).generator("fire").random()
    False
    """

    def __init__(self, seed: int, replica: int = 0) -> None:
        if seed < 0 or replica < 0:
            raise ValueError("seed and replica must be non-negative integers")
        self.seed = int(seed)
        self.replica = int(replica)

    def sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence for stream ``name`` of this replica."""
        return np.random.SeedSequence(self.seed, spawn_key=(self.replica, stable_key(name)))

    def generator(self, name: str) -> np.random.Generator:
        """A fresh generator for stream ``name`` (same name → same draws)."""
        return np.random.Generator(np.random.PCG64(self.sequence(name)))
