"""The registry through which models plug into the engine by name.

``engine`` never imports ``models``: model packages declare an entry point in
the ``hazchain.models`` group whose target is a zero-argument callable that
imports their modules; each module registers its process classes with
:func:`register`. The engine loads entry points the first time a name is
looked up, so a third-party package adds models without touching the core.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from engine.errors import did_you_mean

if TYPE_CHECKING:
    from engine.process import Process

ENTRY_POINT_GROUP = "hazchain.models"

_MODELS: dict[str, type[Process]] = {}
_LOADED = False


def register[P: "Process"](cls: type[P]) -> type[P]:
    """Class decorator: make a process class available under ``cls.model_name``.

    Examples
    --------
    >>> from engine.process import Process
    >>> @register
    ... class Quiet(Process):
    ...     model_name = "doc_quiet"
    ...     family = "hazards"
    >>> get_model("doc_quiet") is Quiet
    True
    """
    name = getattr(cls, "model_name", "")
    if not name or not getattr(cls, "family", ""):
        raise TypeError(f"{cls.__name__} needs class attributes model_name and family")
    existing = _MODELS.get(name)
    redefined = existing is not None and (existing.__module__, existing.__qualname__) == (
        cls.__module__,
        cls.__qualname__,
    )  # the same class defined again (a re-run notebook cell, a reloaded module) replaces itself
    if existing is not None and existing is not cls and not redefined:
        raise ValueError(f"model name {name!r} is already taken by {existing.__qualname__}")
    _MODELS[name] = cls
    return cls


def load_plugins() -> None:
    """Import every installed model package (idempotent)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        ep.load()()


def get_model(name: str) -> type[Process]:
    """Return the process class registered as ``name``.

    Raises
    ------
    KeyError
        With the list of known models and a "did you mean" suggestion.
    """
    if name not in _MODELS:
        load_plugins()
    try:
        return _MODELS[name]
    except KeyError:
        raise KeyError(
            f'unknown model "{name}"{did_you_mean(name, _MODELS)}; '
            f"known models are {', '.join(sorted(_MODELS))}"
        ) from None


def available_models(family: str | None = None) -> dict[str, type[Process]]:
    """All registered models, optionally only those of one family."""
    load_plugins()
    return {n: c for n, c in sorted(_MODELS.items()) if family is None or c.family == family}


def families() -> list[str]:
    """Scenario sections that hold model entries (``hazards``, ``impacts``, …)."""
    load_plugins()
    return sorted({c.family for c in _MODELS.values()})
