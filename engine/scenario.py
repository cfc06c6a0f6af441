"""Scenario files: TOML, validated completely before anything runs.

A scenario has a few engine sections and one array of tables per model
family::

    [scenario]      name, description, duration_s, seed
    [grid]          origin_x_m, origin_y_m, cell_size_m, nx, ny
    [output]        interval_s, fields
    [[layers]]      data layers from files (.npy), paths relative to the file
    [[facilities]]  named point assets
    [[events]]      initiating events at given times
    [[chains]]      rules: when an event of a kind happens, start a process
    [[hazards]] / [[exposure]] / [[impacts]] / …   model entries, ``model = "name"``

Every mistake becomes one :class:`~engine.errors.ScenarioError` naming the
file, the key path and what is expected. Validation is done once, here, at
the boundary; the rest of the engine trusts the types.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)

from engine import registry
from engine.errors import ScenarioError, did_you_mean, key_path
from engine.grid import Grid
from engine.process import Process, ProcessConfig

#: Largest grid accepted (cells); a typo such as ``nx = 1000000`` should not eat memory.
MAX_CELLS = 50_000_000

#: Event kinds the engine itself logs.
ENGINE_EVENT_KINDS = ("process_started",)


def _check_data_file(value: Path, info: ValidationInfo) -> Path:
    base = Path((info.context or {}).get("base_dir", "."))
    path = value if value.is_absolute() else base / value
    if not path.is_file():
        raise ValueError(
            f"data file {str(value)!r} does not exist (looked for {path}; "
            "paths are relative to the scenario file)"
        )
    return path.resolve()


#: A path to an existing data file, relative to the scenario file; validated to an absolute path.
DataFile = Annotated[Path, AfterValidator(_check_data_file)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetaSection(_Section):
    """``[scenario]``: what the scenario is and how long it runs."""

    name: str = Field(min_length=1)
    description: str = ""
    duration_s: float = Field(gt=0, description="simulated time")
    seed: int = Field(0, ge=0, description="default seed when the command line gives none")


class GridSection(_Section):
    """``[grid]``: the regular raster every field lives on."""

    origin_x_m: float = 0.0
    origin_y_m: float = 0.0
    cell_size_m: float = Field(gt=0)
    nx: int = Field(ge=1)
    ny: int = Field(ge=1)
    crs: str = Field("", description="coordinate reference system label, e.g. EPSG:32650")


class OutputSection(_Section):
    """``[output]``: what the results file keeps over time."""

    interval_s: float | None = Field(
        None, gt=0, description="time between field snapshots; default duration/60"
    )
    fields: list[str] | None = Field(
        None, description="fields kept as time series; default those models mark for recording"
    )


class LayerSection(_Section):
    """``[[layers]]``: a field read from a ``.npy`` file of shape ``(ny, nx)``."""

    name: str = Field(min_length=1)
    file: DataFile
    units: str
    description: str = ""


class FacilitySection(_Section):
    """``[[facilities]]``: a named point asset."""

    name: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    x_m: float
    y_m: float
    attrs: dict[str, Any] = Field(default_factory=dict)


class EventSection(_Section):
    """``[[events]]``: an initiating event at a given time."""

    kind: str = Field(min_length=1)
    at_s: float = Field(0.0, ge=0)
    x_m: float | None = None
    y_m: float | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ChainSection(_Section):
    """``[[chains]]``: when an event of kind ``when`` happens, start process ``start``."""

    when: str = Field(min_length=1, description="event kind that triggers the rule")
    start: str = Field(min_length=1, description="name of the process to start")
    source: str | None = Field(None, description="only events emitted by this source")
    probability: float = Field(1.0, ge=0, le=1)
    delay_s: float = Field(0.0, ge=0)


class _EngineSections(_Section):
    scenario: MetaSection
    grid: GridSection
    output: OutputSection = OutputSection()
    layers: list[LayerSection] = Field(default_factory=list)
    facilities: list[FacilitySection] = Field(default_factory=list)
    events: list[EventSection] = Field(default_factory=list)
    chains: list[ChainSection] = Field(default_factory=list)


ENGINE_SECTIONS = tuple(_EngineSections.model_fields)


@dataclass(frozen=True)
class ProcessEntry:
    """One validated model entry of a scenario."""

    family: str
    index: int
    name: str
    cls: type[Process]
    config: ProcessConfig

    @property
    def key(self) -> str:
        """Key path of the entry (``hazards[0]``)."""
        return f"{self.family}[{self.index}]"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Build one with :meth:`load` (a file) or :meth:`from_text`; both raise
    :class:`~engine.errors.ScenarioError` on the first mistake.

    Examples
    --------
    >>> sc = Scenario.load("scenarios/chlorine_release_town.toml")  # doctest: +SKIP
    >>> sc.meta.duration_s  # doctest: +SKIP
    3600.0
    """

    path: str
    text: str
    base_dir: Path
    meta: MetaSection
    grid: GridSection
    output: OutputSection
    layers: tuple[LayerSection, ...]
    facilities: tuple[FacilitySection, ...]
    events: tuple[EventSection, ...]
    chains: tuple[ChainSection, ...]
    processes: tuple[ProcessEntry, ...]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    # -- construction -----------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError("file not found", path=p) from None
        except (IsADirectoryError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"cannot read a TOML text file here ({exc})", path=p) from None
        return cls.from_text(text, base_dir=p.resolve().parent, path=str(p))

    @classmethod
    def from_text(cls, text: str, *, base_dir: str | Path = ".", path: str = "<scenario>") -> Scenario:
        """Validate scenario TOML given as text; data paths are relative to ``base_dir``."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"not valid TOML: {exc}", path=path) from None
        try:
            return _build(raw, text, Path(base_dir), path)
        except ScenarioError as exc:
            raise exc.with_path(path) from None

    # -- conveniences -----------------------------------------------------------
    def make_grid(self) -> Grid:
        """A new empty :class:`~engine.grid.Grid` of this scenario's geometry."""
        g = self.grid
        return Grid(g.origin_x_m, g.origin_y_m, g.cell_size_m, g.nx, g.ny)

    def grid_contains(self, x_m: float, y_m: float) -> bool:
        """Whether a point lies inside the scenario's grid."""
        g = self.grid
        return (
            g.origin_x_m <= x_m < g.origin_x_m + g.nx * g.cell_size_m
            and g.origin_y_m <= y_m < g.origin_y_m + g.ny * g.cell_size_m
        )

    def process(self, name: str) -> ProcessEntry:
        """The process entry called ``name``."""
        for p in self.processes:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def output_interval_s(self) -> float:
        """Time between field snapshots."""
        return self.output.interval_s or self.meta.duration_s / 60.0


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Names of the keys allowed at ``loc`` (for "did you mean" on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _error_from_pydantic(
    exc: ValidationError, model: type[BaseModel], prefix: tuple[str | int, ...] = ()
) -> ScenarioError:
    errors = exc.errors(include_url=False)
    # An unknown key usually explains a "missing" one (a typo): report it first.
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    where = key_path(prefix + loc)
    kind = err["type"]
    if kind == "missing":
        info = _field_info(model, loc)
        what = f" ({info.description})" if info is not None and info.description else ""
        return ScenarioError(f"required key is missing{what}; add {loc[-1]} = ...", key=where)
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        known = f"; allowed keys are {', '.join(allowed)}" if allowed and not hint else ""
        return ScenarioError(f"unknown key{hint}{known}", key=where)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        return ScenarioError(msg[len("Value error, ") :], key=where)
    got = err.get("input")
    shown = repr(got) if not isinstance(got, dict) else "a table"
    if msg.startswith("Input should be "):
        msg = "must be " + msg[len("Input should be ") :]
    else:
        msg = msg[0].lower() + msg[1:]
    return ScenarioError(f"{msg}; got {shown}", key=where)


def _field_info(model: type[BaseModel], loc: Sequence[str | int]):
    owner: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = owner.model_fields.get(part) if isinstance(owner, type) else None
        owner = _model_in(info.annotation) if info is not None else None
        if owner is None:
            return None
    if isinstance(owner, type) and issubclass(owner, BaseModel):
        return owner.model_fields.get(str(loc[-1]))
    return None


def _build(raw: dict[str, Any], text: str, base_dir: Path, path: str) -> Scenario:
    families = registry.families()
    for key in raw:
        if key not in ENGINE_SECTIONS and key not in families:
            allowed = [*ENGINE_SECTIONS, *families]
            raise ScenarioError(
                f"unknown section{did_you_mean(key, allowed)}; sections are {', '.join(allowed)}",
                key=key,
            )
    engine_part = {k: v for k, v in raw.items() if k in ENGINE_SECTIONS}
    ctx = {"base_dir": str(base_dir)}
    try:
        sections = _EngineSections.model_validate(engine_part, context=ctx)
    except ValidationError as exc:
        raise _error_from_pydantic(exc, _EngineSections) from None

    _check_grid(sections)
    processes = _build_processes(raw, families, ctx)

    scenario = Scenario(
        path=path,
        text=text,
        base_dir=base_dir,
        meta=sections.scenario,
        grid=sections.grid,
        output=sections.output,
        layers=tuple(sections.layers),
        facilities=tuple(sections.facilities),
        events=tuple(sections.events),
        chains=tuple(sections.chains),
        processes=tuple(processes),
        raw=raw,
    )
    _check_places(scenario)
    _check_layers(scenario)
    _check_chains(scenario)
    _check_fields(scenario)
    for entry in scenario.processes:
        entry.cls.check(entry.config, scenario, entry.key)
    return scenario


def _check_grid(sections: _EngineSections) -> None:
    g = sections.grid
    if g.nx * g.ny > MAX_CELLS:
        raise ScenarioError(
            f"{g.nx} × {g.ny} = {g.nx * g.ny:,} cells is more than the {MAX_CELLS:,} allowed; "
            "use a larger cell_size_m",
            key="grid",
        )


def _build_processes(raw: dict[str, Any], families: list[str], ctx: dict[str, str]) -> list[ProcessEntry]:
    entries: list[ProcessEntry] = []
    names: dict[str, str] = {}
    for family in families:
        items = raw.get(family, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ScenarioError(f"expected an array of tables ([[{family}]] entries)", key=family)
        for i, item in enumerate(items):
            key = f"{family}[{i}]"
            model_name = item.get("model")
            if not isinstance(model_name, str):
                raise ScenarioError(
                    'missing key; add model = "<name>" naming a registered model', key=f"{key}.model"
                )
            try:
                cls = registry.get_model(model_name)
            except KeyError as exc:
                raise ScenarioError(exc.args[0], key=f"{key}.model") from None
            if cls.family != family:
                raise ScenarioError(
                    f'model "{model_name}" belongs in [[{cls.family}]], not [[{family}]]',
                    key=f"{key}.model",
                )
            try:
                config = cls.Config.model_validate(item, context=ctx)
            except ValidationError as exc:
                raise _error_from_pydantic(exc, cls.Config, (family, i)) from None
            name = config.name or model_name
            if name in names:
                raise ScenarioError(
                    f'name "{name}" is already used by {names[name]}; give each entry a unique name = "..."',
                    key=f"{key}.name",
                )
            names[name] = key
            entries.append(ProcessEntry(family, i, name, cls, config))
    return entries


def _check_places(scenario: Scenario) -> None:
    for kind, items in (("facilities", scenario.facilities), ("events", scenario.events)):
        for i, item in enumerate(items):
            x, y = item.x_m, item.y_m
            if (x is None) != (y is None):
                raise ScenarioError("give both x_m and y_m, or neither", key=f"{kind}[{i}]")
            if x is not None and not scenario.grid_contains(x, y):
                raise ScenarioError(
                    f"point ({x}, {y}) lies outside the grid; move it or enlarge [grid]",
                    key=f"{kind}[{i}].x_m",
                )


def _check_layers(scenario: Scenario) -> None:
    shape = (scenario.grid.ny, scenario.grid.nx)
    for i, layer in enumerate(scenario.layers):
        try:
            arr = np.load(layer.file, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise ScenarioError(
                f"cannot read {layer.file.name} as a .npy array ({exc})", key=f"layers[{i}].file"
            ) from None
        if arr.shape != shape:
            raise ScenarioError(
                f"{layer.file.name} has shape {arr.shape} but the grid is (ny, nx) = {shape}",
                key=f"layers[{i}].file",
            )
        if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
            raise ScenarioError(f"{layer.file.name} must hold finite numbers", key=f"layers[{i}].file")


def _known_event_kinds(scenario: Scenario) -> set[str]:
    kinds = set(ENGINE_EVENT_KINDS) | {e.kind for e in scenario.events}
    for p in scenario.processes:
        kinds.update(p.cls.emits)
    return kinds


def _check_chains(scenario: Scenario) -> None:
    names = [p.name for p in scenario.processes]
    kinds = _known_event_kinds(scenario)
    for i, rule in enumerate(scenario.chains):
        if rule.start not in names:
            raise ScenarioError(
                f'no process is named "{rule.start}"{did_you_mean(rule.start, names)}; '
                f"processes are {', '.join(names) or 'none'}",
                key=f"chains[{i}].start",
            )
        if rule.when not in kinds:
            raise ScenarioError(
                f'no event of kind "{rule.when}" can happen{did_you_mean(rule.when, kinds)}; '
                f"possible kinds are {', '.join(sorted(kinds))}",
                key=f"chains[{i}].when",
            )


def _check_fields(scenario: Scenario) -> None:
    provided = {layer.name for layer in scenario.layers}
    for p in scenario.processes:
        provided.update(f.name for f in p.cls.writes)
    for p in scenario.processes:
        for f in p.cls.reads:
            if not f.optional and f.name not in provided:
                raise ScenarioError(
                    f'model "{p.cls.model_name}" reads field "{f.name}" ({f.units}), which no '
                    "process writes and no [[layers]] entry provides; add a model or layer "
                    "that supplies it",
                    key=f"{p.key}.model",
                )
    if scenario.output.fields is not None:
        for i, name in enumerate(scenario.output.fields):
            if name not in provided:
                raise ScenarioError(
                    f'no field "{name}" is produced{did_you_mean(name, provided)}',
                    key=f"output.fields[{i}]",
                )
    if not math.isfinite(scenario.meta.duration_s):
        raise ScenarioError("expected a finite number", key="scenario.duration_s")
