"""``hazchain report``: figures and a Markdown summary from a results file.

Everything is drawn from the file alone (maps, fields, the event log and the
KPIs), so a report can be made on another machine from a shared file. For an
ensemble the report draws the KPI distributions and the replica-mean maps.

The engine draws what needs no domain knowledge: the maps (over a relief shading of
``terrain_m`` and the segments of a ``roads`` table), the fields over time, the event
timeline and causal graph, the tables that carry a plot hint, and the KPI table. The models
add their own parts as report sections (:func:`engine.report_sections.register_section`): each gets a
:class:`ReportContext` and returns a :class:`SectionOutput` (Markdown, figures, and the tables
it draws itself). The public drawing helpers (:func:`map_frame`, :func:`draw_network`,
:func:`legend_outside`, :func:`save_figure`, :func:`time_unit`, :func:`hillshade`,
:func:`draw_gantt`, …) are for them.
"""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from engine.errors import ResultsError
from engine.events import Event
from engine.registry import load_plugins
from engine.report_sections import (
    ORDER_EVENT_CHAIN,
    ORDER_FIGURES,
    ORDER_KEY_INDICATORS,
    ReportContext,
    SectionOutput,
    report_sections,
)
from engine.report_sections import SectionFn as SectionFn  # re-exported for section authors
from engine.report_sections import register_section as register_section
from engine.report_sections import unregister_section as unregister_section
from engine.results import Results

_DPI = 110

#: Map names drawn as a grey relief under the other maps, if the results have one.
_RELIEF_MAP = "terrain_m"
#: Table of line segments (columns x0_m, y0_m, x1_m, y1_m) drawn over every map, if present.
_ROADS_TABLE = "roads"


def time_unit(span_s: float) -> tuple[float, str]:
    """A readable unit for times up to ``span_s``: ``(seconds per unit, name)``.

    Examples
    --------
    >>> time_unit(600.0), time_unit(6 * 3600.0), time_unit(3 * 86400.0)
    ((60.0, 'min'), (3600.0, 'h'), (86400.0, 'd'))
    """
    if span_s > 2 * 86400.0:
        return 86400.0, "d"
    if span_s > 3 * 3600.0:
        return 3600.0, "h"
    if span_s > 120.0:
        return 60.0, "min"
    return 1.0, "s"


def hillshade(z_m: np.ndarray, cell_size_m: float, azimuth_deg: float = 315.0, altitude_deg: float = 45.0):
    """Relief shading in [0, 1] of an elevation grid (rows south → north), sun from ``azimuth_deg``.

    Examples
    --------
    >>> z = np.tile(np.arange(5.0), (4, 1))  # rising eastward: faces west, toward a north-west sun
    >>> bool(hillshade(z, 1.0)[1, 2] > hillshade(-z, 1.0)[1, 2])
    True
    """
    dzdy, dzdx = np.gradient(np.asarray(z_m, dtype=np.float64), cell_size_m)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, -dzdy)  # direction of steepest descent, clockwise from north
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0.0, 1.0)


def _norm(data: np.ndarray):
    data = data[np.isfinite(data)]
    pos = data[data > 0]
    if pos.size and data.min() >= 0 and pos.max() > 1e3 * pos.min():
        vmax = float(pos.max())
        return LogNorm(vmin=max(float(pos.min()), vmax * 1e-4), vmax=vmax)
    return None


def _draw_map(
    ax, data, x, y, title: str, units: str, events: list[Event], contours=(), relief=None, roads=None
) -> None:
    dx = x[1] - x[0] if x.size > 1 else 1.0
    dy = y[1] - y[0] if y.size > 1 else 1.0
    extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)
    norm = _norm(data)
    if relief is not None:
        ax.imshow(relief, origin="lower", extent=extent, cmap="gray", vmin=-0.3, vmax=1.2)
        shown = np.ma.masked_where(~np.isfinite(data) | (data <= 0), data)
        im = ax.imshow(shown, origin="lower", extent=extent, cmap="magma_r", norm=norm, alpha=0.8)
    else:
        shown = np.ma.masked_where(data <= 0, data) if norm is not None else data
        im = ax.imshow(shown, origin="lower", extent=extent, cmap="magma_r", norm=norm)
    if roads is not None:
        for x0, y0, x1, y1 in zip(*roads, strict=True):
            ax.plot((x0, x1), (y0, y1), color="tab:green", lw=0.8, alpha=0.8)
    plt.colorbar(im, ax=ax, label=units or "-", shrink=0.85)
    finite = data[np.isfinite(data)]
    levels = sorted(v for v in contours if finite.size and finite.min() < v < finite.max())
    if levels:
        cs = ax.contour(x, y, data, levels=levels, colors="tab:blue", linewidths=0.9)
        ax.clabel(cs, fmt=lambda v: f"{v:g}", fontsize=7)
    # Events inside the map: a star each, the kind written once (the first of each kind), so
    # that hundreds of landslides stay legible; the axes keep to the grid.
    x_lo, x_hi, y_lo, y_hi = extent
    placed = [
        e for e in events if e.kind != "process_started" and x_lo <= e.x_m <= x_hi and y_lo <= e.y_m <= y_hi
    ]
    named: set[str] = set()
    per_kind: dict[str, int] = {}
    for e in placed:
        per_kind[e.kind] = per_kind.get(e.kind, 0) + 1
    for e in placed[:2000]:
        if per_kind[e.kind] > 10:  # many of a kind (landslides, road closures): small dots
            ax.plot(e.x_m, e.y_m, marker=".", color="tab:blue", markersize=3, alpha=0.6)
        else:
            ax.plot(e.x_m, e.y_m, marker="*", color="tab:blue", markersize=9, markeredgecolor="k", mew=0.5)
        if e.kind not in named:
            named.add(e.kind)
            ax.annotate(e.kind, (e.x_m, e.y_m), fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_aspect("equal")


def draw_series(data, times, x, y, name: str, units: str, out: Path) -> str:
    """Four snapshots of a field over time on one shared colour scale."""
    active = np.flatnonzero(np.abs(data).reshape(len(times), -1).max(axis=1) > 0)
    span = active if active.size else np.arange(len(times))
    picks = span[np.unique(np.linspace(0, span.size - 1, 4).round().astype(int))]
    norm = _norm(data)
    if norm is None:
        vmax = float(np.nanmax(data)) if data.size else 1.0
        norm = plt.Normalize(vmin=min(0.0, float(np.nanmin(data))), vmax=vmax if vmax > 0 else 1.0)
    dx = x[1] - x[0] if x.size > 1 else 1.0
    dy = y[1] - y[0] if y.size > 1 else 1.0
    extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)
    fig, axes = plt.subplots(
        1, len(picks), figsize=(3.6 * len(picks), 3.4), squeeze=False, constrained_layout=True
    )
    im = None
    for ax, k in zip(axes[0], picks, strict=True):
        frame = np.ma.masked_where(data[k] <= 0, data[k]) if isinstance(norm, LogNorm) else data[k]
        im = ax.imshow(frame, origin="lower", extent=extent, cmap="magma_r", norm=norm)
        ax.set_title(f"t = {times[k] / 60:.0f} min", fontsize=9)
        ax.set_xlabel("x (m)", fontsize=8)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("y (m)", fontsize=8)
    fig.colorbar(im, ax=axes[0].tolist(), label=units or "-", shrink=0.8)
    fig.suptitle(name.replace("_", " "), fontsize=10)
    return save_figure(fig, out / f"field_{name}.png")


def save_figure(fig, path: Path) -> str:
    """Write ``fig`` as a PNG at the report's resolution, close it, and return the file's name.

    The name (not the path) is what ``summary.md`` links to, next to it in the report folder.
    """
    fig.savefig(path, dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return path.name


def draw_timeline(events: list[Event], path: Path) -> str:
    """The event log as a timeline: one row per kind, arrows from each cause to its effect."""
    kinds: list[str] = []
    for e in events:
        if e.kind not in kinds:
            kinds.append(e.kind)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(kinds) + 1.6))
    row = {k: i for i, k in enumerate(kinds)}
    scale, unit = time_unit(max((e.time_s for e in events), default=0.0))
    t = np.array([e.time_s for e in events]) / scale
    for e, ti in zip(events, t, strict=True):
        ax.plot(ti, row[e.kind], "o", color="tab:red" if e.cause_id < 0 else "tab:blue")
        if e.cause_id >= 0:
            c = events[e.cause_id]
            ax.annotate(
                "",
                xy=(ti, row[e.kind]),
                xytext=(c.time_s / scale, row[c.kind]),
                arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.8},
            )
    ax.set_yticks(range(len(kinds)), [k.replace("_", " ") for k in kinds], fontsize=8)
    ax.set_xlabel(f"time ({unit})")
    ax.set_title("Event chain (red: initiating events; arrows: cause → effect)", fontsize=10)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def graph_nodes(events: list[Event]) -> tuple[list[Event], dict[int, int], dict[int, int]]:
    """Nodes of the causal graph: ``(events shown, parent id of each, group size of each)``.

    ``process_started`` events are skipped (an effect links to the nearest shown cause);
    leaves of one kind with the same parent are merged into their first, whose group
    size is their number.

    Examples
    --------
    >>> from engine.events import EventLog
    >>> log = EventLog()
    >>> quake = log.append(0.0, "earthquake", "scenario", cause_id=-1)
    >>> slides = [log.append(1.0, "landslide", "slides", cause_id=quake.id) for _ in range(4)]
    >>> dam = log.append(2.0, "landslide_dam", "slides", cause_id=slides[2].id)
    >>> shown, parent, count = graph_nodes(list(log))
    >>> [(e.kind, count[e.id]) for e in shown]
    [('earthquake', 1), ('landslide', 3), ('landslide', 1), ('landslide_dam', 1)]
    """
    shown = [e for e in events if e.kind != "process_started"]
    keep = {e.id for e in shown}

    def visible_cause(e: Event) -> int:
        c = e.cause_id
        while c >= 0 and c not in keep:
            c = events[c].cause_id
        return c

    parent = {e.id: visible_cause(e) for e in shown}
    has_children = set(parent.values())
    groups: dict[tuple[int, str], list[int]] = {}
    for e in shown:
        if e.id not in has_children:
            groups.setdefault((parent[e.id], e.kind), []).append(e.id)
    count = {e.id: 1 for e in shown}
    count.update({ids[0]: len(ids) for ids in groups.values()})
    merged = {i for ids in groups.values() for i in ids[1:]}
    shown = [e for e in shown if e.id not in merged]
    return shown, {e.id: parent[e.id] for e in shown}, {e.id: count[e.id] for e in shown}


def draw_event_graph(events: list[Event], path: Path) -> str:
    """The causal chain as a tree: each event to the right of its cause, one row per leaf.

    Leaves of one kind with the same cause (27 landslides set off by one earthquake) are
    drawn as one node with their count, so the chain stays readable.
    """
    shown, parent, count = graph_nodes(events)
    scale, unit = time_unit(max((e.time_s for e in events), default=0.0))
    children: dict[int, list[int]] = {}
    for e in shown:
        children.setdefault(parent[e.id], []).append(e.id)
    depth: dict[int, int] = {}
    row: dict[int, float] = {}
    counter = [0]

    def place(i: int, d: int) -> float:
        depth[i] = d
        kids = children.get(i, [])
        if not kids:
            row[i] = counter[0]
            counter[0] += 1
        else:
            row[i] = float(np.mean([place(k, d + 1) for k in kids]))
        return row[i]

    for root in children.get(-1, []):
        place(root, 0)
    by_id = {e.id: e for e in shown}
    n_rows = max(counter[0], 1)
    fig, ax = plt.subplots(figsize=(2.6 * (max(depth.values(), default=0) + 1) + 1, 0.55 * n_rows + 1))
    for i, p in parent.items():
        if p >= 0:
            ax.annotate(
                "",
                xy=(depth[i], row[i]),
                xytext=(depth[p], row[p]),
                arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.9},
            )
    for i, e in by_id.items():
        ax.text(
            depth[i],
            row[i],
            _graph_label(e, count[i], scale, unit),
            ha="center",
            va="center",
            fontsize=7,
            bbox={"boxstyle": "round", "fc": "mistyrose" if parent[i] < 0 else "aliceblue", "ec": "0.6"},
        )
    ax.set_xlim(-0.6, max(depth.values(), default=0) + 0.6)
    ax.set_ylim(n_rows - 0.4, -0.6)
    ax.axis("off")
    ax.set_title("Causal graph of the event chain (left: initiating events)", fontsize=10)
    return save_figure(fig, path)


def _cause_cell(cause_id: int, events: list[Event]) -> str:
    return "scenario" if cause_id < 0 else f"{cause_id} ({events[cause_id].kind})"


def _graph_label(e: Event, n: int, scale: float, unit: str) -> str:
    kind = e.kind.replace("_", " ")
    if n > 1:
        return f"{kind} ×{n}\n{e.source} · from {e.time_s / scale:.1f} {unit}"
    return f"{kind}\n{e.source} · {e.time_s / scale:.1f} {unit}"


def draw_table_plot(name: str, table: dict[str, np.ndarray], hint: list[str], out: Path) -> str:
    """Draw a result table as the curve its plot hint asks for (e.g. an F–N curve)."""
    xcol, ycol, scale = hint[0], hint[1], hint[2] if len(hint) > 2 else "linear"
    fig, ax = plt.subplots(figsize=(6, 4.5))
    xs, ys = np.asarray(table[xcol], float), np.asarray(table[ycol], float)
    if scale.startswith("step"):
        ax.step(xs, ys, where="post", color="tab:red", label=ycol)
    else:
        ax.plot(xs, ys, marker="o", color="tab:red", label=ycol)
    for extra in table:
        if extra.startswith("criterion"):
            ax.plot(xs, np.asarray(table[extra], float), "--", color="0.4", label=extra.replace("_", " "))
    if "loglog" in scale:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(xcol.replace("_", " "))
    ax.set_ylabel(ycol.replace("_", " "))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(name.replace("_", " "), fontsize=10)
    return save_figure(fig, out / f"table_{name}.png")


GANTT_COLUMNS = ("team", "task", "start_s", "arrive_s", "end_s")


def draw_gantt(table: dict[str, np.ndarray], path: Path, title: str = "team tasks") -> str:
    """A Gantt chart of teams: one row per team, travel (start to arrival) then work (arrival to end).

    ``table`` has the columns :data:`GANTT_COLUMNS` (a ``team_tasks`` results table); each bar
    is labelled with its task number.
    """
    names = [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(table["team"]).tolist()]
    start, arrive, end = (np.asarray(table[c], float) for c in ("start_s", "arrive_s", "end_s"))
    rows = list(dict.fromkeys(names))
    row = {n: i for i, n in enumerate(rows)}
    span = float(np.nanmax(end[np.isfinite(end)], initial=1.0))
    scale, unit = time_unit(span)
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(rows) + 1.5))
    for k, n in enumerate(names):
        y = row[n]
        ax.barh(y, (arrive[k] - start[k]) / scale, left=start[k] / scale, color="0.7", height=0.6)
        ax.barh(y, (end[k] - arrive[k]) / scale, left=arrive[k] / scale, color="tab:red", height=0.6)
        ax.text(arrive[k] / scale, y, f" {int(np.asarray(table['task'])[k])}", va="center", fontsize=6)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"time ({unit})")
    ax.set_title(f"{title}: travel (grey) and work (red), task numbers", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    return save_figure(fig, path)


def text_values(values) -> list[str]:
    """A results column as Python strings (HDF5 text columns come back as bytes).

    Examples
    --------
    >>> text_values(np.array([b"county", b"township"]))
    ['county', 'township']
    """
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).tolist()]


def truthy(values) -> np.ndarray:
    """A column of flags as booleans: numbers other than 0, or text other than empty or a "no" word.

    A text column may name the thing flagged (a bridge's class, ``"HWB17"``).

    Examples
    --------
    >>> truthy(np.array(["", "HWB17", "no", "yes"])).tolist(), truthy(np.array([0, 1])).tolist()
    ([False, True, False, True], [False, True])
    """
    v = np.asarray(values)
    if v.dtype.kind in "biuf":
        return v.astype(float) != 0
    words = np.char.lower(np.char.strip(np.asarray(text_values(v), dtype=str)))
    return ~np.isin(words, ["", "0", "false", "no", "n", "none"])


def draw_network(ax, roads: dict[str, np.ndarray] | None, events: list[Event]) -> None:
    """Roads in grey, bridges marked, and segments closed by ``road_closed`` events in red by reason.

    A closure's ``edge`` is the ``segment`` number of the ``roads`` table (the row when the table
    has no such column); each reason gets one legend entry with its count.
    """
    if roads is None:
        return
    x0, y0, x1, y1 = (np.asarray(roads[c], float) for c in ("x0_m", "y0_m", "x1_m", "y1_m"))
    segs = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(segs, colors="0.35", linewidths=0.7, alpha=0.7, zorder=2))
    if "bridge" in roads:
        b = truthy(roads["bridge"])
        if b.any():
            ax.plot(
                (x0[b] + x1[b]) / 2,
                (y0[b] + y1[b]) / 2,
                linestyle="none",
                marker="H",
                color="tab:brown",
                markeredgecolor="k",
                mew=0.6,
                markersize=8,
                zorder=5.8,  # over the delivery lines
                label=f"bridge ({int(b.sum())})",
            )
    seg_ids = np.asarray(roads["segment"], np.int64) if "segment" in roads else np.arange(x0.size)
    row_of = {int(sid): r for r, sid in enumerate(seg_ids)}
    closed: dict[str, list[int]] = {}
    for e in events:
        if e.kind == "road_closed" and int(e.data.get("edge", -1)) in row_of:
            closed.setdefault(str(e.data.get("reason", "closed")), []).append(row_of[int(e.data["edge"])])
    colours = ["red", "darkred", "orangered"]
    for k, (reason, rows) in enumerate(sorted(closed.items())):
        rows_u = np.unique(rows)
        ax.add_collection(
            LineCollection(
                segs[rows_u],
                colors=colours[k % len(colours)],
                linewidths=2.2,
                zorder=3,
                label=f"road closed: {reason} ({rows_u.size})",
            )
        )


def map_frame(ax, x: np.ndarray, y: np.ndarray, relief) -> None:
    """Frame ``ax`` on the engine grid (cell centres ``x``, ``y``): equal axes in metres, the relief under it.

    ``relief`` is a :func:`hillshade` image of the grid, or None for a blank background.
    """
    dx = x[1] - x[0] if x.size > 1 else 1.0
    dy = y[1] - y[0] if y.size > 1 else 1.0
    extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)
    if relief is not None:
        ax.imshow(relief, origin="lower", extent=extent, cmap="gray", vmin=-0.3, vmax=1.2, zorder=0)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")


def legend_outside(ax) -> None:
    """The axes' legend, if it has labelled artists, to the right outside the map (small type)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)


def draw_kpi_table(rows: list[tuple[str, str, str]], path: Path, title: str) -> str:
    """A table of KPIs as a figure."""
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.0))
    ax.axis("off")
    table = ax.table(
        cellText=[list(r) for r in rows],
        colLabels=["KPI", "value", "units"],
        loc="center",
        cellLoc="left",
        colWidths=[0.5, 0.25, 0.25],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    ax.set_title(title, fontsize=10)
    return save_figure(fig, path)


def fmt_value(v: float) -> str:
    """A number for the summary: four significant digits with thousands separators, "–" if not finite.

    Examples
    --------
    >>> fmt_value(1234.5678), fmt_value(float("inf"))
    ('1,235', '–')
    """
    return f"{v:,.4g}" if math.isfinite(v) else "–"


def _non_negative(data: np.ndarray) -> bool:
    finite = data[np.isfinite(data)]
    return bool(finite.size) and float(finite.min()) >= 0.0


def _backdrop(res: Results, x: np.ndarray):
    """Relief shading (from the ``terrain_m`` map) and road segments (``roads`` table), if present."""
    relief = roads = None
    if _RELIEF_MAP in res.map_names and x.size > 1:
        relief = hillshade(res.map(_RELIEF_MAP)[0], float(x[1] - x[0]))
    if _ROADS_TABLE in res.table_names:
        t = res.table(_ROADS_TABLE)
        if all(c in t for c in ("x0_m", "y0_m", "x1_m", "y1_m")):
            roads = (t["x0_m"], t["y0_m"], t["x1_m"], t["y1_m"])
    return relief, roads


# --- report sections: the models' own parts of a report ---------------------------------------------


def _run_sections(ctx: ReportContext) -> list[tuple[int, SectionOutput]]:
    outputs = []
    for name, order, fn in report_sections():
        try:
            got = fn(ctx)
        except Exception as err:
            raise ResultsError(f'report section "{name}" failed on {ctx.results.path}: {err!r}') from err
        if not isinstance(got, SectionOutput):
            raise ResultsError(f'report section "{name}" returned {type(got).__name__}, not a SectionOutput')
        outputs.append((order, got))
    return outputs


def make_report(results: str | Path, out_dir: str | Path) -> Path:
    """Write PNG figures and ``summary.md`` for a results file; return the summary's path.

    Examples
    --------
    >>> make_report("results/chlorine.h5", "results/chlorine_report")  # doctest: +SKIP
    """
    res = Results(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if res.kind == "ensemble":
        return _ensemble_report(res, out)
    figures: list[tuple[str, str]] = []
    events = res.events
    x, y = res.coords()
    relief, roads = _backdrop(res, x)
    for name in res.map_names:
        data, units = res.map(name)
        levels = res.attrs("maps", name).get("contour_levels", ())
        fig, ax = plt.subplots(figsize=(7, 5))
        under = relief if name != _RELIEF_MAP and _non_negative(data) else None
        _draw_map(
            ax, data, x, y, name.replace("_", " "), units, events, tuple(np.atleast_1d(levels)), under, roads
        )
        figures.append((name, save_figure(fig, out / f"map_{name}.png")))
    if res.field_names:
        times = res.times_s
        for name in res.field_names:
            data, units = res.field(name)
            figures.append((f"{name} over time", draw_series(data, times, x, y, name, units, out)))
    if events:
        figures.append(("event chain", draw_timeline(events, out / "events_timeline.png")))
        figures.append(("causal graph", draw_event_graph(events, out / "events_graph.png")))
    load_plugins()  # the models register their sections
    road_table = res.table(_ROADS_TABLE) if roads is not None else None
    sections = _run_sections(ReportContext(res, events, out, x, y, relief, road_table))
    consumed = set().union(*(s.consumed for _, s in sections))
    for name in res.table_names:
        hint = res.attrs("tables", name).get("plot")
        if hint is not None and name not in consumed:
            table = res.table(name)
            figures.append((name, draw_table_plot(name, table, [str(h) for h in hint], out)))
    for _, s in sections:
        figures += s.figures
    kpis = res.kpis
    rows = [(k.description or k.name, fmt_value(k.value), k.units) for k in kpis.values()]
    if rows:
        figures.append(("KPIs", draw_kpi_table(rows, out / "kpis.png", res.scenario_name)))
    shown, parent, count = graph_nodes(events)
    head = [f"# {res.scenario_name}", "", f"Results file `{Path(results).name}`, seed {res.seed}.", ""]
    key_indicators = [
        "## Key indicators",
        "",
        "| KPI | value | units |",
        "|---|---:|---|",
        *[f"| {k.name} — {k.description} | {fmt_value(k.value)} | {k.units} |" for k in kpis.values()],
        "",
    ]
    event_chain = [
        "## Event chain",
        "",
        "Engine `process_started` links are left out and sibling events of one kind with one",
        "cause are counted on one row (the full log is in the results file's `/events`).",
        "",
        "| id | time (s) | event | source | cause |",
        "|---:|---:|---|---|---|",
        *[
            f"| {e.id} | {e.time_s:g} | {e.kind}{f' ×{count[e.id]}' if count[e.id] > 1 else ''} | "
            f"{e.source} | {_cause_cell(parent[e.id], events)} |"
            for e in shown[:200]
        ],
        "",
    ]
    figure_list = ["## Figures", "", *[f"- {title}: ![{title}]({fname})" for title, fname in figures], ""]
    blocks = [
        (ORDER_KEY_INDICATORS, key_indicators),
        (ORDER_EVENT_CHAIN, event_chain),
        (ORDER_FIGURES, figure_list),
        *[(order, s.lines) for order, s in sections],
    ]
    lines = head + [line for _, block in sorted(blocks, key=lambda b: b[0]) for line in block]
    summary = out / "summary.md"
    summary.write_text("\n".join(lines), encoding="utf-8")
    return summary


def _is_pass_fail(values: np.ndarray) -> bool:
    """A KPI whose every finite value is 0 or 1 (a target met or not, an event that happened)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return v.size > 0 and bool(np.isin(v, (0.0, 1.0)).all())


def pass_fail_lines(values: dict[str, np.ndarray], descriptions: dict[str, list[str]]) -> list[str]:
    """Markdown for 0/1 KPIs over an ensemble: in how many replicas each was 1, and why, by verdict.

    ``descriptions[k]`` are the KPI's per-replica descriptions, in replica order. They are grouped
    by their verdict, the text before the first colon ("met", "FAILED"), most frequent first, each
    with the first replica's full description as an example: a plan target reads "met in 15 of 20"
    with why the other 5 failed.

    Examples
    --------
    >>> said = {"target_x": ["met: 1 h", "FAILED: 3 h > 2 h", "met: 1.5 h"]}
    >>> pass_fail_lines({"target_x": np.array([1.0, 0.0, 1.0])}, said)[4]
    '| target_x | 2 of 3 | 67 % | met (2), e.g. «met: 1 h»; FAILED (1), e.g. «FAILED: 3 h > 2 h» |'
    """
    if not values:
        return []
    lines = [
        "## Pass/fail indicators over the replicas",
        "",
        "| KPI | 1 in | share | what the replicas say (how many) |",
        "|---|---:|---:|---|",
    ]
    for k, vals in values.items():
        v = np.asarray(vals, float)
        v = v[np.isfinite(v)]
        groups: dict[str, list[str]] = {}
        for d in descriptions.get(k, []):
            groups.setdefault(d.split(":", 1)[0].strip(), []).append(d)
        ordered = sorted(groups.items(), key=lambda g: -len(g[1]))
        reasons = "; ".join(f"{verdict} ({len(ds)}), e.g. «{ds[0]}»" for verdict, ds in ordered)
        lines.append(f"| {k} | {int(v.sum())} of {v.size} | {100 * v.mean():.0f} % | {reasons} |")
    return [*lines, ""]


def _ensemble_report(res: Results, out: Path) -> Path:
    with h5py.File(res.path, "r") as f:
        if "summary" not in f:
            raise ResultsError(f"{res.path}: the ensemble is not finished (no /summary group)")
        s = f["summary"]
        kpis = {
            k: (s[k][()], str(s[k].attrs["units"]), str(s[k].attrs["long_name"])) for k in s if k != "replica"
        }
        n = int(s["replica"].shape[0])
        # Descriptions may say what happened in their replica ("met: …", "FAILED: …"): keep them all.
        per_replica_desc = {
            k: [
                str(f[f"replicas/r{i:05d}/kpis/{k}"].attrs.get("long_name", ""))
                for i in res.replica_ids
                if k in f[f"replicas/r{i:05d}/kpis"]
            ]
            for k in kpis
        }
        # A map exists only in replicas where its process ran (no dam, no flood map).
        map_names: list[str] = []
        for i in res.replica_ids:
            map_names += [m for m in f[f"replicas/r{i:05d}/maps"] if m not in ("x", "y", *map_names)]
        x, y = res.coords()
        means = {}
        for m in map_names:
            acc = hits = None
            for i in res.replica_ids:
                if m not in f[f"replicas/r{i:05d}/maps"]:
                    continue
                d = f[f"replicas/r{i:05d}/maps/{m}"]
                v = d[()].astype(np.float64)
                ok = np.isfinite(v)
                acc = np.where(ok, v, 0.0) if acc is None else acc + np.where(ok, v, 0.0)
                hits = ok.astype(np.int64) if hits is None else hits + ok
                units = str(d.attrs["units"])
            # NaN marks "never" (e.g. never flooded): the mean is over the replicas where it happened.
            with np.errstate(invalid="ignore", divide="ignore"):
                means[m] = (np.where(hits > 0, acc / np.maximum(hits, 1), np.nan), units)
    figures = []
    cols = 3
    # Only KPIs that vary across replicas get a histogram (a constant has no distribution).
    varying = {k: v for k, v in kpis.items() if np.unique(v[0][np.isfinite(v[0])]).size > 1}
    rows_n = max(1, math.ceil(len(varying) / cols))
    fig, axes = plt.subplots(rows_n, cols, figsize=(4 * cols, 3 * rows_n), squeeze=False)
    for ax, (k, (vals, units, _desc)) in zip(axes.ravel(), varying.items(), strict=False):
        finite = vals[np.isfinite(vals)]
        ax.hist(finite, bins=min(30, max(5, n // 3)), color="tab:blue")
        ax.set_title(f"{k}\n({finite.size} of {n} replicas)", fontsize=8)
        ax.set_xlabel(units)
    for ax in axes.ravel()[len(varying) :]:
        ax.axis("off")
    fig.tight_layout()
    figures.append(("KPI distributions", save_figure(fig, out / "kpi_distributions.png")))
    for m, (data, units) in means.items():
        fig, ax = plt.subplots(figsize=(7, 5))
        _draw_map(ax, data, x, y, f"{m} (mean where it happened, {n} replicas)", units, [])
        figures.append((f"mean {m}", save_figure(fig, out / f"mean_map_{m}.png")))
    table = []
    for k, (vals, units, desc) in kpis.items():
        v = vals[np.isfinite(vals)]
        if v.size == 0:
            continue
        if len(set(per_replica_desc[k])) > 1:
            desc = "per replica: see below" if _is_pass_fail(v) else "its description varies by replica"
        p5, p50, p95 = np.percentile(v, [5, 50, 95])
        table.append((k, desc, v.size, v.mean(), p5, p50, p95, units))
    # 0/1 KPIs whose replicas say different things (a target met here, failed there, and why)
    told = {k: v for k, (v, _, _) in kpis.items() if _is_pass_fail(v) and len(set(per_replica_desc[k])) > 1}
    verdicts = pass_fail_lines(told, per_replica_desc)
    lines = [
        f"# {res.scenario_name} — ensemble of {n} replicas",
        "",
        f"Results file `{res.path.name}`, ensemble seed {res.seed}.",
        "",
        "Replicas in which a KPI did not happen (NaN, e.g. no flood) are left out of its row;",
        "*n* counts the replicas that remain.",
        "",
        "| KPI | n | mean | 5 % | median | 95 % | units |",
        "|---|---:|---:|---:|---:|---:|---|",
        *[
            f"| {k} — {d} | {c} | {fmt_value(m)} | {fmt_value(a)} | {fmt_value(b)} | {fmt_value(p95)} | {u} |"
            for k, d, c, m, a, b, p95, u in table
        ],
        "",
        *verdicts,
        "## Figures",
        "",
        *[f"- {title}: ![{title}]({fname})" for title, fname in figures],
        "",
    ]
    summary = out / "summary.md"
    summary.write_text("\n".join(lines), encoding="utf-8")
    return summary
