"""The registry of report sections: the models' own parts of ``hazchain report``.

Kept apart from :mod:`engine.report` so that registering a section costs nothing at run time:
a model registers ``"package.module:function"`` and the module (with matplotlib) is imported only
when a report is made. :mod:`engine.report` runs the sections and re-exports these names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.events import Event
from engine.results import Results

__all__ = [
    "ORDER_EVENT_CHAIN",
    "ORDER_FIGURES",
    "ORDER_KEY_INDICATORS",
    "ReportContext",
    "SectionFn",
    "SectionOutput",
    "register_section",
    "report_sections",
    "unregister_section",
]

#: Where the engine's own blocks of ``summary.md`` stand among the sections (see :func:`register_section`).
ORDER_KEY_INDICATORS = 200
ORDER_EVENT_CHAIN = 300
ORDER_FIGURES = 1000


@dataclass(frozen=True)
class ReportContext:
    """What a report section gets: the results and what the engine already read from them.

    Attributes
    ----------
    results : Results
        The results file (a single run).
    events : list of Event
        Its event log.
    out : Path
        The report folder; a section writes its PNG files there (see :func:`save_figure`).
    x, y : ndarray
        Cell centres of the engine grid (m), for :func:`map_frame`.
    relief : ndarray or None
        The :func:`hillshade` of the ``terrain_m`` map, if the results have one.
    roads : dict or None
        The ``roads`` table (segments ``x0_m, y0_m, x1_m, y1_m``), for :func:`draw_network`.
    """

    results: Results
    events: list[Event]
    out: Path
    x: np.ndarray
    y: np.ndarray
    relief: np.ndarray | None
    roads: dict[str, np.ndarray] | None


@dataclass
class SectionOutput:
    """What a report section adds: Markdown, figures for the list of figures, tables it draws itself.

    Attributes
    ----------
    lines : list of str
        Markdown lines put into ``summary.md`` at the section's place (end them with an empty line).
    figures : list of (title, file name)
        Figures appended to the summary's "Figures" list, after the engine's table plots.
    consumed : set of str
        Results tables the section draws itself: the engine does not plot them from their plot hints.
    """

    lines: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)


SectionFn = Callable[[ReportContext], SectionOutput]
_SECTIONS: dict[str, tuple[int, SectionFn | str]] = {}


def register_section(name: str, fn: SectionFn | str, order: int = 500) -> None:
    """Add a section to every single-run report: ``fn(ctx)`` returns a :class:`SectionOutput`.

    ``fn`` is the function, or its import path ``"package.module:function"``, imported only when a
    report is made (so a model's drawing code, and matplotlib, stay out of simulation runs).

    Sections run in ``order`` (then by name) and their Markdown stands among the engine's blocks by
    the same number: the title and results file first, then anything below
    :data:`ORDER_KEY_INDICATORS` (200), the key indicators, the event chain
    (:data:`ORDER_EVENT_CHAIN`, 300), and the list of figures (:data:`ORDER_FIGURES`, 1000) last.
    A section that has nothing to show returns an empty :class:`SectionOutput`. Registering a name
    again replaces it. An exception in a section stops the report with the section's name.

    Examples
    --------
    >>> register_section("doc_example", lambda ctx: SectionOutput(["## Example", ""]), order=400)
    >>> [n for n, _, _ in report_sections() if n == "doc_example"]
    ['doc_example']
    >>> unregister_section("doc_example")
    """
    _SECTIONS[name] = (int(order), fn)


def unregister_section(name: str) -> None:
    """Remove a registered section (no error if there is none by that name)."""
    _SECTIONS.pop(name, None)


def report_sections() -> list[tuple[str, int, SectionFn]]:
    """The registered sections as ``(name, order, fn)`` in the order they run (import paths resolved)."""
    return [
        (n, o, _resolve(n, f)) for n, (o, f) in sorted(_SECTIONS.items(), key=lambda kv: (kv[1][0], kv[0]))
    ]


def _resolve(name: str, fn: SectionFn | str) -> SectionFn:
    if callable(fn):
        return fn
    module, _, attr = fn.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise ImportError(f'report section "{name}": cannot import {fn!r} ({err})') from err
