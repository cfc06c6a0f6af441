"""The results file (HDF5): everything a run produced, reproducible from itself.

Layout of a single run (``kind = "run"``)::

    /                 attrs: format, format_version, kind, scenario_name, seed,
                             replica, hazchain_version, created_utc
    /scenario         the scenario's TOML text (attrs: path)
    /fields           time series: x, y, time coordinates; variables (time, y, x)
    /maps             summary fields: x, y coordinates; variables (y, x)
    /events           the event log as columns along dimension "event":
                      id, time_s, kind, source, cause_id, x_m, y_m, data (JSON)
    /kpis             one scalar per KPI, attrs units and description
    /tables/NAME      small tables (F–N curves, escalation trees) as columns
                      along dimension "row"

Every variable carries a ``units`` attribute and coordinates are HDF5
dimension scales, so ``xarray.open_dataset(path, group="fields",
engine="h5netcdf")`` opens each group. An ensemble file keeps ``/scenario``
at the top and one group per replica under ``/replicas/rNNNNN`` with the same
layout (see :mod:`engine.ensemble`), plus ``/summary`` (KPIs by replica).

Files are written under a temporary name in the same folder and renamed when
complete, so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import h5py
import numpy as np

from engine.errors import ResultsError
from engine.events import Event
from engine.world import KPI

FORMAT = "hazchain-results"
FORMAT_VERSION = 1
_STR = h5py.string_dtype()


def hazchain_version() -> str:
    """Installed version of hazchain (``"unknown"`` when run from a bare checkout)."""
    try:
        return version("hazchain")
    except PackageNotFoundError:
        return "unknown"


@contextmanager
def atomic_h5(path: str | Path) -> Iterator[h5py.File]:
    """Open a new HDF5 file under a temporary name; rename it to ``path`` on success.

    On any exception the temporary file is removed and nothing appears at ``path``.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            yield f
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _coords(group: h5py.Group, x: np.ndarray, y: np.ndarray) -> None:
    for name, values, desc in (("x", x, "easting of cell centre"), ("y", y, "northing of cell centre")):
        ds = group.create_dataset(name, data=values)
        ds.attrs["units"] = "m"
        ds.attrs["long_name"] = desc
        ds.make_scale(name)


def _variable(group: h5py.Group, name: str, data: np.ndarray, units: str, desc: str, dims):
    ds = group.create_dataset(
        name,
        data=data,
        compression="gzip",
        compression_opts=4,
        shuffle=True,
        chunks=True if data.ndim else None,
    )
    ds.attrs["units"] = units
    ds.attrs["long_name"] = desc or name
    for i, dim in enumerate(dims):
        ds.dims[i].attach_scale(group[dim])
    return ds


def write_run_group(group: h5py.Group, output, *, with_fields: bool = True) -> None:
    """Write one run's fields, maps, events and KPIs into ``group``."""
    grid = output.scenario.make_grid()
    x, y = grid.x_m, grid.y_m
    if with_fields:
        fg = group.create_group("fields")
        _coords(fg, x, y)
        t = fg.create_dataset("time", data=output.times_s)
        t.attrs["units"] = "s"
        t.attrs["long_name"] = "time since the start of the scenario"
        t.make_scale("time")
        for s in output.series.values():
            _variable(fg, s.name, s.data, s.units, s.description, ("time", "y", "x"))
    mg = group.create_group("maps")
    _coords(mg, x, y)
    for m in output.maps.values():
        ds = _variable(mg, m.name, m.data, m.units, m.description, ("y", "x"))
        if m.contours:
            ds.attrs["contour_levels"] = np.asarray(m.contours, dtype=np.float64)
    write_events(group.create_group("events"), output.events)
    kg = group.create_group("kpis")
    for k in output.kpis.values():
        ds = kg.create_dataset(k.name, data=np.float64(k.value))
        ds.attrs["units"] = k.units
        ds.attrs["long_name"] = k.description or k.name
    if output.tables:
        tg = group.create_group("tables")
        for t in output.tables.values():
            write_table(tg.create_group(t.name), t)
    group.attrs["seed"] = output.seed
    group.attrs["replica"] = output.replica
    group.attrs["wall_time_s"] = output.wall_time_s
    group.attrs["process_steps"] = output.process_steps


TABLE_COMPRESS_MIN_ROWS = 4096
"""Numeric table columns with at least this many rows are stored gzip-compressed."""


def write_table(group: h5py.Group, table) -> None:
    """Write a :class:`~engine.world.Table` as columns along dimension ``row``."""
    n = len(next(iter(table.columns.values()))) if table.columns else 0
    row = group.create_dataset("row", data=np.arange(n, dtype=np.int64))
    row.make_scale("row")
    group.attrs["long_name"] = table.description or table.name
    if table.plot is not None:
        group.attrs["plot"] = list(table.plot)
    for name, values in table.columns.items():
        is_text = values.dtype.kind in "OUS"
        data = np.array([str(v) for v in values], dtype=object) if is_text else values
        # Long numeric columns (trajectories, per-agent records) are compressed like the fields;
        # short ones stay contiguous, where a filter would cost more than it saves.
        packed = not is_text and n >= TABLE_COMPRESS_MIN_ROWS
        filters = {"compression": "gzip", "compression_opts": 4, "shuffle": True, "chunks": True}
        dtype = _STR if is_text else None
        ds = group.create_dataset(name, data=data, dtype=dtype, **(filters if packed else {}))
        if table.units.get(name):
            ds.attrs["units"] = table.units[name]
        ds.dims[0].attach_scale(row)


def write_events(group: h5py.Group, events: list[Event]) -> None:
    """Write the event log as columns along dimension ``event``."""
    n = len(events)
    idx = group.create_dataset("event", data=np.arange(n, dtype=np.int64))
    idx.make_scale("event")
    cols = {
        "time_s": (np.array([e.time_s for e in events], dtype=np.float64), "s"),
        "kind": (np.array([e.kind for e in events], dtype=object), ""),
        "source": (np.array([e.source for e in events], dtype=object), ""),
        "cause_id": (np.array([e.cause_id for e in events], dtype=np.int64), ""),
        "x_m": (np.array([e.x_m for e in events], dtype=np.float64), "m"),
        "y_m": (np.array([e.y_m for e in events], dtype=np.float64), "m"),
        "data": (np.array([e.data_json for e in events], dtype=object), ""),
    }
    for name, (values, units) in cols.items():
        ds = group.create_dataset(name, data=values, dtype=_STR if values.dtype == object else None)
        if units:
            ds.attrs["units"] = units
        ds.dims[0].attach_scale(idx)
    group["cause_id"].attrs["long_name"] = "id of the causing event, -1 for initiating events"


def write_header(f: h5py.File, scenario, *, kind: str, seed: int) -> None:
    """Write the root attributes and the scenario text."""
    f.attrs["format"] = FORMAT
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["kind"] = kind
    f.attrs["scenario_name"] = scenario.meta.name
    f.attrs["seed"] = seed
    f.attrs["hazchain_version"] = hazchain_version()
    f.attrs["created_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
    ds = f.create_dataset("scenario", data=scenario.text, dtype=_STR)
    ds.attrs["path"] = str(scenario.path)


def write_run(path: str | Path, output) -> Path:
    """Write a single run's results file atomically and return its path.

    Examples
    --------
    >>> write_run("out/chlorine.h5", output)  # doctest: +SKIP
    """
    with atomic_h5(path) as f:
        write_header(f, output.scenario, kind="run", seed=output.seed)
        f.attrs["replica"] = output.replica
        write_run_group(f, output)
    return Path(path)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


class Results:
    """Read access to a results file (a run, or one replica of an ensemble).

    Examples
    --------
    >>> r = Results("results/chlorine.h5")   # doctest: +SKIP
    >>> r.kpis["deaths"].value, r.kpis["deaths"].units  # doctest: +SKIP
    >>> r.field("gas_concentration_mg_m3").shape         # doctest: +SKIP
    """

    def __init__(self, path: str | Path, replica: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ResultsError(f"{self.path}: no such results file")
        try:
            with h5py.File(self.path, "r") as f:
                if f.attrs.get("format") != FORMAT:
                    raise ResultsError(f"{self.path}: not a hazchain results file")
                self.kind = str(f.attrs["kind"])
                self.scenario_text = f["scenario"][()].decode()
                self.scenario_name = str(f.attrs["scenario_name"])
                self.seed = int(f.attrs["seed"])
                self.replica_ids = sorted(int(k[1:]) for k in f["replicas"]) if "replicas" in f else []
        except OSError as exc:
            raise ResultsError(f"{self.path}: cannot be read as HDF5 ({exc})") from None
        if self.kind == "ensemble":
            if replica is None:
                replica = self.replica_ids[0] if self.replica_ids else None
            self.group = None if replica is None else f"replicas/r{replica:05d}"
        else:
            self.group = ""
        self.replica = replica

    def _open(self):
        return h5py.File(self.path, "r")

    def _g(self, f: h5py.File) -> h5py.Group:
        if self.group is None:
            raise ResultsError(f"{self.path}: the ensemble has no finished replica yet")
        return f[self.group] if self.group else f

    @property
    def kpis(self) -> dict[str, KPI]:
        """KPIs of this run, with units."""
        with self._open() as f:
            g = self._g(f)["kpis"]
            return {
                k: KPI(k, float(g[k][()]), str(g[k].attrs["units"]), str(g[k].attrs["long_name"])) for k in g
            }

    @property
    def events(self) -> list[Event]:
        """The event log."""
        with self._open() as f:
            g = self._g(f)["events"]
            n = g["event"].shape[0]
            cols = {k: g[k][()] for k in ("time_s", "kind", "source", "cause_id", "x_m", "y_m", "data")}
        return [
            Event(
                i,
                float(cols["time_s"][i]),
                cols["kind"][i].decode(),
                cols["source"][i].decode(),
                int(cols["cause_id"][i]),
                float(cols["x_m"][i]),
                float(cols["y_m"][i]),
                json.loads(cols["data"][i].decode()),
            )
            for i in range(n)
        ]

    @property
    def table_names(self) -> list[str]:
        """Names of the result tables."""
        return self._names("tables")

    def table(self, name: str) -> dict[str, np.ndarray]:
        """A result table as a dict of columns (text columns as ``str`` arrays)."""
        with self._open() as f:
            g = self._g(f)
            if "tables" not in g or name not in g["tables"]:
                raise ResultsError(f"{self.path}: no table {name!r}; there are {self._names('tables')}")
            out = {}
            for k, ds in g["tables"][name].items():
                if k == "row":
                    continue
                v = ds[()]
                out[k] = v.astype(str) if v.dtype.kind == "O" else v
            return out

    def _names(self, group: str) -> list[str]:
        with self._open() as f:
            g = self._g(f)
            if group not in g:
                return []
            return sorted(k for k in g[group] if k not in ("x", "y", "time"))

    @property
    def field_names(self) -> list[str]:
        """Fields kept as time series."""
        return self._names("fields")

    @property
    def map_names(self) -> list[str]:
        """Summary fields."""
        return self._names("maps")

    @property
    def times_s(self) -> np.ndarray:
        """Snapshot times of the fields."""
        with self._open() as f:
            return self._g(f)["fields/time"][()]

    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates ``(x, y)``."""
        with self._open() as f:
            g = self._g(f)["maps"]
            return g["x"][()], g["y"][()]

    def field(self, name: str) -> tuple[np.ndarray, str]:
        """A time series ``(time, y, x)`` and its units."""
        return self._read("fields", name)

    def map(self, name: str) -> tuple[np.ndarray, str]:
        """A summary field ``(y, x)`` and its units."""
        return self._read("maps", name)

    def attrs(self, group: str, name: str) -> dict[str, object]:
        """Attributes of a map, field or table (contour levels, plot hints)."""
        with self._open() as f:
            g = self._g(f)
            return dict(g[group][name].attrs) if group in g and name in g[group] else {}

    def _read(self, group: str, name: str) -> tuple[np.ndarray, str]:
        with self._open() as f:
            g = self._g(f)
            if group not in g or name not in g[group]:
                raise ResultsError(f"{self.path}: no {group[:-1]} {name!r}; there are {self._names(group)}")
            ds = g[group][name]
            return ds[()], str(ds.attrs["units"])
