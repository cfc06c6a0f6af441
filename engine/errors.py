"""Errors a user can cause, each rendered as one clear line.

A :class:`ScenarioError` names the file, the key path inside it
(``hazards[1].release.rate_kg_s``) and what was expected, so the command line
can print it as a single sentence and exit with status 1 instead of a
traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path


class HazchainError(Exception):
    """Base class for errors caused by user input rather than by a bug."""


class ScenarioError(HazchainError):
    """A scenario file (or a data file it names) is not usable.

    Parameters
    ----------
    message
        What is wrong and what is expected, as one sentence fragment.
    path
        The scenario file, if known.
    key
        The key path inside the scenario, e.g. ``hazards[1].release.rate_kg_s``.

    Examples
    --------
    >>> str(ScenarioError("expected a number > 0", path="s.toml", key="grid.nx"))
    's.toml: grid.nx: expected a number > 0'
    """

    def __init__(self, message: str, *, path: str | Path | None = None, key: str | None = None) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.key = key
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [p for p in (self.path, self.key) if p]
        return ": ".join([*parts, self.message])

    def with_path(self, path: str | Path) -> ScenarioError:
        """Return the same error attributed to ``path`` (keeps an existing path)."""
        return ScenarioError(self.message, path=self.path or path, key=self.key)


class ResultsError(HazchainError):
    """A results file is missing, incomplete or not a hazchain results file."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``' (did you mean "x"?)'`` for the closest choice, or ``''``.

    Examples
    --------
    >>> did_you_mean("rate_kg_z", ["rate_kg_s", "duration_s"])
    ' (did you mean "rate_kg_s"?)'
    """
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""


def key_path(loc: Sequence[str | int]) -> str:
    """Join a location tuple into a key path: ``("hazards", 1, "x_m")`` → ``hazards[1].x_m``.

    Examples
    --------
    >>> key_path(("hazards", 1, "release", "rate_kg_s"))
    'hazards[1].release.rate_kg_s'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
