"""``hazchain report``: figures and a Markdown summary from a results file.

Everything is drawn from the file alone (maps, fields, the event log and the
KPIs), so a report can be made on another machine from a shared file. For an
ensemble the report draws the KPI distributions and the replica-mean maps.

A response run gets its own figures: the Gantt of teams (``team_tasks``), the
plan's targets (``plan_targets``), and from the relief tables a map of the
deliveries (depot → point, width by tonnage, depots by level, shelters), a map of
the demand still unmet at the end, and unmet demand by item and people restored
over time (``relief_unmet``). Their maps draw the roads with bridges marked (a
``bridge`` column of ``roads``) and the segments closed by ``road_closed`` events
in red, by reason.

Each crowd evacuation process (found by its ``<name>_agents``, ``_evacuation_curve``,
``_exits`` and ``_geometry`` tables) gets a section of its own, drawn in the crowd's frame
rather than on the engine grid: the walkable floor with the highest local density, a sample
of trajectories coloured by fate (at most :data:`CROWD_MAX_TRAJECTORIES` lines), the exits
(closed ones red, with the closure time) and the crush-risk events; the five states over time
with the 95 % and 100 % times; the flow through the busiest exits (the rest summed as
"others"); and, when the agents carry doses, their histogram by fate with the reference loads.
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
    return _save(fig, out / f"field_{name}.png")


def _save(fig, path: Path) -> str:
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
    return _save(fig, path)


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
    return _save(fig, path)


def _targets_section(res: Results) -> list[str]:
    """The plan's targets, pass or fail with the reason, if the results have a ``plan_targets`` table."""
    if "plan_targets" not in res.table_names:
        return []
    t = res.table("plan_targets")
    rows = [
        f"| {name} | {'**pass**' if ok else '**FAIL**'} | {_fmt(float(v))} | {_fmt(float(lim))} | {why} |"
        for name, ok, v, lim, why in zip(
            t["target"], t["passed"], t["value"], t["limit"], t["reason"], strict=True
        )
    ]
    return [
        "## Plan targets",
        "",
        "| target | result | value | limit | why |",
        "|---|---|---:|---:|---|",
        *rows,
        "",
    ]


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
    return _save(fig, out / f"table_{name}.png")


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
    return _save(fig, path)


#: Marker and colour of each relief depot level (central to township) on the response maps.
DEPOT_STYLE = {
    "central": ("*", "tab:purple"),
    "provincial": ("P", "tab:blue"),
    "municipal": ("D", "tab:cyan"),
    "county": ("s", "tab:orange"),
    "township": ("^", "tab:olive"),
}


def _text(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).tolist()]


def _truthy(values) -> np.ndarray:
    """A column of flags as booleans: numbers other than 0, or text other than empty or a "no" word.

    A text column may name the thing flagged (a bridge's class, ``"HWB17"``).

    Examples
    --------
    >>> _truthy(np.array(["", "HWB17", "no", "yes"])).tolist(), _truthy(np.array([0, 1])).tolist()
    ([False, True, False, True], [False, True])
    """
    v = np.asarray(values)
    if v.dtype.kind in "biuf":
        return v.astype(float) != 0
    words = np.char.lower(np.char.strip(np.asarray(_text(v), dtype=str)))
    return ~np.isin(words, ["", "0", "false", "no", "n", "none"])


def _draw_network(ax, roads: dict[str, np.ndarray] | None, events: list[Event]) -> None:
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
        b = _truthy(roads["bridge"])
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


def _map_frame(ax, x: np.ndarray, y: np.ndarray, relief) -> None:
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


def _draw_sites(ax, depots: dict[str, np.ndarray] | None, shelters: dict[str, np.ndarray] | None) -> None:
    """Depots marked by level (a cross over a destroyed one) and shelters, labelled by name.

    Depots at one place are drawn side by side (offset in points) under one label.
    """
    from matplotlib.transforms import offset_copy

    if depots is not None:
        levels = _text(depots["level"])
        names = _text(depots["name"])
        lost = _truthy(depots["destroyed"]) if "destroyed" in depots else np.zeros(len(names), bool)
        dx, dy = np.asarray(depots["x_m"], float), np.asarray(depots["y_m"], float)
        at: dict[tuple[float, float], list[int]] = {}
        for i, (xi, yi) in enumerate(zip(dx, dy, strict=True)):
            at.setdefault((float(xi), float(yi)), []).append(i)
        shift = np.zeros(len(names))
        for idx in at.values():
            shift[idx] = (np.arange(len(idx)) - (len(idx) - 1) / 2) * 13.0
        x_lo, x_hi = ax.get_xlim()
        for (xi, _), idx in at.items():  # keep a group at the map's edge inside it
            if xi - x_lo < 0.03 * (x_hi - x_lo):
                shift[idx] += shift[idx].max() + 4.0
        labelled: set[str] = set()
        for i, lvl in enumerate(levels):
            marker, colour = DEPOT_STYLE.get(lvl, ("o", "tab:red"))
            tr = offset_copy(ax.transData, fig=ax.figure, x=shift[i], y=0.0, units="points")
            ax.plot(
                dx[i],
                dy[i],
                linestyle="none",
                marker=marker,
                color=colour,
                markeredgecolor="k",
                markersize=11,
                transform=tr,
                zorder=6,
                label=f"{lvl} depot" if lvl not in labelled else None,
            )
            labelled.add(lvl)
            if lost[i]:
                ax.plot(
                    dx[i],
                    dy[i],
                    linestyle="none",
                    marker="x",
                    color="k",
                    markersize=14,
                    mew=2.5,
                    transform=tr,
                    zorder=7,
                    label="depot destroyed" if "lost" not in labelled else None,
                )
                labelled.add("lost")
        for (xi, yi), idx in at.items():
            tr = offset_copy(ax.transData, fig=ax.figure, x=float(shift[idx].mean()), y=-17.0, units="points")
            ax.text(
                xi,
                yi,
                ", ".join(names[i] for i in idx),
                transform=tr,
                fontsize=7,
                ha="center" if xi - x_lo > 0.1 * (x_hi - x_lo) else "left",
                va="center",
                zorder=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            )
    if shelters is not None and len(np.asarray(shelters["x_m"])):
        sx, sy = np.asarray(shelters["x_m"], float), np.asarray(shelters["y_m"], float)
        ax.plot(
            sx,
            sy,
            linestyle="none",
            marker="p",
            color="white",
            markeredgecolor="tab:green",
            mew=1.8,
            markersize=15,
            zorder=5.5,  # under a depot at the same place, which shows inside it
            label="shelter",
        )
        for n, xi, yi in zip(_text(shelters["name"]), sx, sy, strict=True):
            ax.annotate(
                n,
                (xi, yi),
                xytext=(0, 12),
                textcoords="offset points",
                fontsize=7,
                ha="center",
                zorder=8,
                color="darkgreen",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            )


def _legend_outside(ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, frameon=False)


def draw_deliveries_map(res: Results, x, y, relief, roads, events: list[Event], path: Path) -> str:
    """Deliveries as lines depot → point, width by tonnage, coloured by the depot's level.

    Drawn over the relief shading and the roads (closed segments red, bridges marked), with the
    depots marked by level and the shelters.
    """
    d = res.table("relief_deliveries")
    depots = res.table("relief_depots") if "relief_depots" in res.table_names else None
    shelters = res.table("relief_shelters") if "relief_shelters" in res.table_names else None
    level_of = dict(zip(_text(depots["name"]), _text(depots["level"]), strict=True)) if depots else {}
    fig, ax = plt.subplots(figsize=(10, 5.5))
    _map_frame(ax, x, y, relief)
    _draw_network(ax, roads, events)
    names = _text(d["depot"])
    kg = np.asarray(d["kg"], float)
    pairs: dict[tuple[str, float, float, float, float], float] = {}
    for n, a, b, c, e, m in zip(names, d["x0_m"], d["y0_m"], d["x1_m"], d["y1_m"], kg, strict=True):
        key = (n, float(a), float(b), float(c), float(e))
        pairs[key] = pairs.get(key, 0.0) + float(m)
    t_max = max(pairs.values(), default=1.0) / 1000.0
    labelled: set[str] = set()
    for (n, a, b, c, e), m in sorted(pairs.items(), key=lambda kv: -kv[1]):
        lvl = level_of.get(n, "")
        colour = DEPOT_STYLE.get(lvl, ("o", "tab:red"))[1]
        label = f"from the {lvl or n} level" if (lvl or n) not in labelled else None
        labelled.add(lvl or n)
        ax.plot(
            (a, c),
            (b, e),
            color=colour,
            alpha=0.75,
            solid_capstyle="round",
            zorder=5,
            lw=0.8 + 5.2 * np.sqrt(m / 1000.0 / t_max),
            label=label,
        )
    _draw_sites(ax, depots, shelters)
    for t in sorted({t_max, t_max / 4}):  # width key
        ax.plot([], [], color="0.3", lw=0.8 + 5.2 * np.sqrt(t / t_max), label=f"{t:.3g} t delivered")
    ax.set_title(
        f"Relief deliveries: {kg.sum() / 1000:.3g} t in {len(pairs)} depot-point links "
        "(line width by tonnage)",
        fontsize=10,
    )
    _legend_outside(ax)
    return _save(fig, path)


def draw_unmet_map(res: Results, x, y, relief, roads, events: list[Event], path: Path) -> str:
    """Displaced people still without basic life at the end: the cell map and the waiting points."""
    fig, ax = plt.subplots(figsize=(10, 5.5))
    _map_frame(ax, x, y, relief)
    if "relief_points" not in res.table_names and "relief_unrestored_people" in res.map_names:
        data, _ = res.map("relief_unrestored_people")
        shown = np.ma.masked_where(~np.isfinite(data) | (data <= 0), data)
        if shown.count():
            dx = x[1] - x[0] if x.size > 1 else 1.0
            dy = y[1] - y[0] if y.size > 1 else 1.0
            extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)
            im = ax.imshow(shown, origin="lower", extent=extent, cmap="magma_r", alpha=0.85, zorder=1)
            plt.colorbar(im, ax=ax, label="people per cell", shrink=0.7, location="left", pad=0.12)
    _draw_network(ax, roads, events)
    waiting = 0.0
    if "relief_points" in res.table_names:
        p = res.table("relief_points")
        left = ~np.isfinite(np.asarray(p["restored_s"], float))
        people = np.asarray(p["people"], float)
        waiting = float(people[left].sum())
        if left.any():
            ax.scatter(
                np.asarray(p["x_m"], float)[left],
                np.asarray(p["y_m"], float)[left],
                s=40 + 460 * np.sqrt(people[left] / people[left].max()),
                facecolors="none",
                edgecolors="crimson",
                linewidths=1.6,
                zorder=9,
                label="points still waiting (size: people)",
            )
    depots = res.table("relief_depots") if "relief_depots" in res.table_names else None
    shelters = res.table("relief_shelters") if "relief_shelters" in res.table_names else None
    _draw_sites(ax, depots, shelters)
    ax.set_title(
        f"Unmet demand at the end: {waiting:,.0f} displaced people without shelter, water and food",
        fontsize=10,
    )
    _legend_outside(ax)
    return _save(fig, path)


def draw_unmet_series(table: dict[str, np.ndarray], path: Path) -> str:
    """People displaced and restored, unmet demand per item (in its unit) and loads waiting, over time.

    ``table`` is a ``relief_unmet`` results table; one panel each, one legend for all below them.
    """
    t = np.asarray(table["t_s"], float)
    scale, unit = time_unit(float(t.max()) if t.size else 0.0)
    items = [c[len("unmet_") :] for c in table if c.startswith("unmet_")]
    panels = ["people", *items] + (["kg_waiting"] if "kg_waiting" in table else [])
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows + 0.6), squeeze=False, sharex=True)
    styles = {
        "displaced": "0.4",
        "restored": "tab:green",
        "not yet delivered": "tab:orange",
        "not allocated": "tab:red",
        "allocated, waiting for a truck": "tab:blue",
    }

    def step(ax, v, label):
        ax.step(t / scale, np.asarray(v, float), where="post", color=styles[label], label=label)

    for ax, name in zip(axes.ravel(), panels, strict=False):
        if name == "people":
            step(ax, table["people_displaced"], "displaced")
            step(ax, table["people_restored"], "restored")
            ax.set_title("people displaced and restored", fontsize=9)
        elif name == "kg_waiting":
            step(ax, np.asarray(table["kg_waiting"], float) / 1000.0, "allocated, waiting for a truck")
            ax.set_title("loads waiting for a truck (t)", fontsize=9)
        else:
            if f"undelivered_{name}" in table:
                step(ax, table[f"undelivered_{name}"], "not yet delivered")
            step(ax, table[f"unmet_{name}"], "not allocated")
            ax.set_title(f"unmet {name.replace('_', ' ')}", fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for c in range(cols):  # the time axis under the lowest panel of each column
        r = (len(panels) - 1 - c) // cols
        axes[r][c].set_xlabel(f"time ({unit})", fontsize=8)
        axes[r][c].xaxis.set_tick_params(labelbottom=True)
    handles = {}
    for ax in axes.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.suptitle("Relief over time: people restored, and unmet demand by item (in its unit)", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.legend(
        handles.values(), handles.keys(), loc="lower center", ncol=len(handles), fontsize=8, frameon=False
    )
    return _save(fig, path)


def response_figures(
    res: Results, x, y, relief, roads, events: list[Event], out: Path
) -> list[tuple[str, str]]:
    """The response section's figures: deliveries map, unmet-demand map and its time series."""
    figs: list[tuple[str, str]] = []
    names = res.table_names
    if "relief_deliveries" in names:
        figs.append(
            (
                "relief deliveries",
                draw_deliveries_map(res, x, y, relief, roads, events, out / "relief_deliveries.png"),
            )
        )
    if "relief_points" in names or "relief_unrestored_people" in res.map_names:
        figs.append(
            (
                "unmet demand at the end",
                draw_unmet_map(res, x, y, relief, roads, events, out / "relief_unmet_map.png"),
            )
        )
    if "relief_unmet" in names:
        figs.append(
            ("unmet demand over time", draw_unmet_series(res.table("relief_unmet"), out / "relief_unmet.png"))
        )
    return figs


# --- crowds ------------------------------------------------------------------------------------------

#: Most trajectories drawn on a crowd map (a sample, all fates represented).
CROWD_MAX_TRAJECTORIES = 400
#: Most exits named in the exit-flow plot; the rest are summed as "others".
CROWD_MAX_EXITS = 8
#: States of a pedestrian in the order of the evacuation-curve table, and their colours.
CROWD_STATES = ("waiting", "walking", "evacuated", "incapacitated", "dead")
_STATE_COLOURS = {
    "waiting": "0.75",
    "walking": "tab:blue",
    "evacuated": "tab:green",
    "incapacitated": "tab:orange",
    "dead": "k",
    "inside": "tab:purple",
}
_CROWD_TABLES = ("agents", "evacuation_curve", "exits", "geometry")


def _strs(values) -> np.ndarray:
    return np.array(_text(values), dtype=str)


def crowd_names(table_names) -> list[str]:
    """Crowd evacuation processes of a results file, found by their tables.

    Examples
    --------
    >>> crowd_names(["hall_agents", "hall_evacuation_curve", "hall_exits", "hall_geometry", "roads"])
    ['hall']
    """
    names = set(table_names)
    return sorted(
        t[: -len("_geometry")]
        for t in names
        if t.endswith("_geometry") and all(f"{t[: -len('_geometry')]}_{s}" in names for s in _CROWD_TABLES)
    )


def evacuation_times(agents: dict[str, np.ndarray]) -> tuple[float, float]:
    """Times (simulation clock) when 95 % and 100 % of all placed people had left; NaN if never.

    100 % means everybody able to leave (nobody is still inside; the dead and incapacitated
    do not count against it), as the KPI ``<name>_evacuation_time_s``.

    Examples
    --------
    >>> fate = np.array(["evacuated", "evacuated", "dead"])
    >>> evacuation_times({"exit_time_s": np.array([10.0, 20.0, np.nan]), "fate": fate})
    (nan, 20.0)
    """
    t = np.sort(np.asarray(agents["exit_time_s"], float))
    t = t[np.isfinite(t)]
    n = len(agents["fate"])
    k95 = math.ceil(0.95 * n)
    t95 = float(t[k95 - 1]) if n and t.size >= k95 else math.nan
    inside = int(np.sum(_strs(agents["fate"]) == "inside"))
    t100 = float(t[-1]) if t.size and inside == 0 else math.nan
    return t95, t100


def sample_trajectories(
    traj: dict[str, np.ndarray], fate_of: np.ndarray, cap: int = CROWD_MAX_TRAJECTORIES, seed: int = 0
) -> dict[str, list[np.ndarray]]:
    """At most ``cap`` trajectories as ``(k, 2)`` point arrays, by fate.

    ``traj`` is a ``<name>_trajectories`` table (sorted by id, then frame); ``fate_of[id]`` is
    each pedestrian's fate. The rarer fates (dead, incapacitated, still inside) are kept
    whole up to half the cap, the rest of the cap is a random sample of the others.

    Examples
    --------
    >>> t = {"id": np.array([0, 0, 1, 1, 2]), "x_m": np.arange(5.0), "y_m": np.zeros(5)}
    >>> s = sample_trajectories(t, np.array(["evacuated", "dead", "evacuated"]), cap=2)
    >>> sorted((k, len(v)) for k, v in s.items())
    [('dead', 1), ('evacuated', 1)]
    """
    ids = np.asarray(traj["id"], np.int64)
    if ids.size == 0:
        return {}
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    xy = np.c_[np.asarray(traj["x_m"], float)[order], np.asarray(traj["y_m"], float)[order]]
    uniq, start = np.unique(ids, return_index=True)
    fates = np.asarray(fate_of).astype(str)[uniq]
    rng = np.random.default_rng(seed)
    rare = np.flatnonzero(fates != "evacuated")
    common = np.flatnonzero(fates == "evacuated")
    if rare.size > cap // 2:
        rare = np.sort(rng.choice(rare, cap // 2, replace=False))
    room = cap - rare.size
    if common.size > room:
        common = np.sort(rng.choice(common, room, replace=False))
    stop = np.append(start[1:], ids.size)
    out: dict[str, list[np.ndarray]] = {}
    for k in np.concatenate([rare, common]):  # at most ``cap`` lines
        out.setdefault(str(fates[k]), []).append(xy[start[k] : stop[k]])
    return out


def _density_raster(cells: dict[str, np.ndarray]):
    """The ``<name>_density_cells`` table as an image: ``(array, extent)``, or None if empty."""
    x, y = np.asarray(cells["x_m"], float), np.asarray(cells["y_m"], float)
    d = np.asarray(cells["max_density_p_m2"], float)
    if d.size == 0:
        return None
    steps = [np.diff(np.unique(v)) for v in (x, y)]
    steps = [s[s > 1e-9] for s in steps]
    cell = float(min((s.min() for s in steps if s.size), default=1.0))
    col = np.round((x - x.min()) / cell).astype(np.int64)
    row = np.round((y - y.min()) / cell).astype(np.int64)
    img = np.full((row.max() + 1, col.max() + 1), np.nan)
    img[row, col] = d
    extent = (x.min() - cell / 2, x.max() + cell / 2, y.min() - cell / 2, y.max() + cell / 2)
    return np.ma.masked_invalid(img), extent


def _draw_walkable(ax, wkt: str):
    """The walkable floor (light) with its obstacles (grey); returns its bounds and a clip patch."""
    import shapely
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    geom = shapely.from_wkt(wkt)
    polys = list(getattr(geom, "geoms", [geom]))
    outer = [np.asarray(p.exterior.coords) for p in polys]
    holes = [np.asarray(r.coords) for p in polys for r in p.interiors]
    ax.add_collection(
        PolyCollection(outer, facecolors="#f4f4ee", edgecolors="0.25", linewidths=0.8, zorder=0)
    )
    if holes:
        ax.add_collection(
            PolyCollection(holes, facecolors="0.8", edgecolors="0.35", linewidths=0.5, zorder=2)
        )
    rings = [MplPath(r, closed=True) for r in [*outer, *holes]]
    clip = PathPatch(MplPath.make_compound_path(*rings), transform=ax.transData, fc="none", ec="none")
    return geom.bounds, clip


def crowd_map_figure(
    name: str,
    geometry: dict[str, np.ndarray],
    exits: dict[str, np.ndarray],
    traj: dict[str, np.ndarray],
    agents: dict[str, np.ndarray],
    density: dict[str, np.ndarray] | None,
    events: list[Event],
    *,
    critical_p_m2: float | None = None,
    cap: int = CROWD_MAX_TRAJECTORIES,
):
    """The crowd in its own frame: floor, peak density, sampled trajectories by fate, exits, crush risk."""
    import shapely
    from matplotlib.collections import LineCollection

    wkt = str(_strs(geometry["walkable_wkt"])[0])
    bx0, by0, bx1, by1 = shapely.from_wkt(wkt).bounds
    aspect = (by1 - by0) / max(bx1 - bx0, 1e-9)  # the figure follows the floor's shape
    fig, ax = plt.subplots(figsize=(9.5, float(np.clip(6.3 * aspect + 1.8, 3.8, 9.5))))
    (x0, y0, x1, y1), floor = _draw_walkable(ax, wkt)
    span = max(x1 - x0, y1 - y0)
    raster = _density_raster(density) if density is not None else None
    if raster is not None:
        img, extent = raster
        vmax = max(float(img.max()), critical_p_m2 or 0.0, 1.0)
        im = ax.imshow(
            img, origin="lower", extent=extent, cmap="YlOrRd", vmin=0.0, vmax=vmax, alpha=0.85, zorder=1
        )
        im.set_clip_path(floor)  # density cells straddle walls: show them on the floor only
        from mpl_toolkits.axes_grid1 import make_axes_locatable

        cax = make_axes_locatable(ax).append_axes("right", size="2.5%", pad=0.95)  # room for exit labels
        cb = plt.colorbar(im, cax=cax)
        cb.set_label("highest local density (persons/m²)", fontsize=8)
        if critical_p_m2:
            cb.ax.axhline(critical_p_m2, color="k", lw=1.2)
    fate_of = _strs(agents["fate"])
    lines = sample_trajectories(traj, fate_of, cap)
    total = {f: int(np.sum(fate_of == f)) for f in np.unique(fate_of)}
    width = 0.5 if sum(map(len, lines.values())) > 100 else 0.9
    for fate in ("evacuated", "inside", "incapacitated", "dead"):
        segs = lines.get(fate)
        if not segs:
            continue
        lc = LineCollection(
            segs,
            colors=_STATE_COLOURS[fate],
            linewidths=width,
            alpha=0.55,
            zorder=3,
            gid=f"trajectories_{fate}",
        )
        ax.add_collection(lc)
        ax.plot(
            [], [], color=_STATE_COLOURS[fate], lw=1.5, label=f"{fate}: {len(segs)} of {total[fate]:,} shown"
        )
        if fate != "evacuated":  # where they ended: their lines may be too short to see
            end = np.array([s[-1] for s in segs])
            marker = "x" if fate == "dead" else "o"
            ax.scatter(
                end[:, 0], end[:, 1], s=10, marker=marker, c=_STATE_COLOURS[fate], linewidths=0.8, zorder=4
            )
    scale, unit = time_unit(float(np.nanmax(np.asarray(exits.get("closed_s", [0.0]), float), initial=0.0)))
    if all(c in exits for c in ("x0_m", "y0_m", "x1_m", "y1_m")):
        closed = np.asarray(exits["closed_s"], float)
        for k, ex in enumerate(_strs(exits["exit"])):
            a, b = float(exits["x0_m"][k]), float(exits["y0_m"][k])
            c, d = float(exits["x1_m"][k]), float(exits["y1_m"][k])
            shut = math.isfinite(closed[k])
            ax.plot(
                (a, c),
                (b, d),
                color="tab:red" if shut else "tab:green",
                lw=3.5,
                zorder=5,
                solid_capstyle="butt",
            )
            label = f"{ex} closed {closed[k] / scale:.3g} {unit}" if shut else ex
            mx, my = (a + c) / 2, (b + d) / 2
            # label just outside the floor: pushed away from the floor's centre
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            dx, dy = mx - cx, my - cy
            norm = math.hypot(dx, dy) or 1.0
            ax.annotate(
                label,
                (mx, my),
                xytext=(10 * dx / norm, 10 * dy / norm),
                textcoords="offset points",
                ha="left" if dx > 0.3 * norm else ("right" if dx < -0.3 * norm else "center"),
                va="bottom" if dy > 0.3 * norm else ("top" if dy < -0.3 * norm else "center"),
                fontsize=7,
                color="tab:red" if shut else "darkgreen",
                zorder=7,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            )
        ax.plot([], [], color="tab:green", lw=3.5, label="exit")
        if np.isfinite(closed).any():
            ax.plot([], [], color="tab:red", lw=3.5, label="exit closed (time)")
    crush = [e for e in events if e.kind == "crush_risk" and e.source == name]
    if crush:
        cx_ = [float(e.data.get("crowd_x_m", np.nan)) for e in crush]
        cy_ = [float(e.data.get("crowd_y_m", np.nan)) for e in crush]
        ax.scatter(
            cx_,
            cy_,
            marker="X",
            s=70,
            c="tab:red",
            edgecolors="k",
            linewidths=0.6,
            zorder=8,
            label=f"crush risk ({len(crush)})",
        )
    pad = 0.06 * span
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m, crowd frame)")
    ax.set_ylabel("y (m, crowd frame)")
    ax.set_title(f"Crowd {name}: sampled trajectories by fate over the highest local density", fontsize=10)
    from matplotlib.transforms import offset_copy

    below = offset_copy(ax.transAxes, fig, y=-28, units="points")  # under the x label
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below, ncol=3, fontsize=7, frameon=False
    )
    return fig


def evacuation_states_figure(curve: dict[str, np.ndarray], agents: dict[str, np.ndarray], name: str = ""):
    """People in each of the five states over time (stacked), 95 % and 100 % out marked."""
    t = np.asarray(curve["time_s"], float)
    scale, unit = time_unit(float(t.max() - t.min()) if t.size else 0.0)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    order = ("evacuated", "walking", "waiting", "incapacitated", "dead")
    counts = [np.asarray(curve[s], float) for s in order]
    polys = ax.stackplot(
        t / scale, *counts, labels=order, colors=[_STATE_COLOURS[s] for s in order], alpha=0.85, step=None
    )
    for p, s in zip(polys, order, strict=True):
        p.set_gid(f"state_{s}")
    n = len(agents["fate"])
    t95, t100 = evacuation_times(agents)
    # 95 % labelled left of its line, 100 % right of its own: they do not overlap when close
    for tm, label, ls, side in ((t95, "95 % out", "--", -1), (t100, "all out", ":", 1)):
        if math.isfinite(tm):
            ax.axvline(tm / scale, color="0.2", ls=ls, lw=1.0)
            ax.annotate(
                f"{label}\n{tm / scale:.3g} {unit}",
                (tm / scale, 0.5 * n),
                xytext=(3 * side, 0),
                textcoords="offset points",
                fontsize=7,
                va="center",
                ha="left" if side > 0 else "right",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
            )
    if t.size:  # up to the last change of state, and a margin
        stack = np.array(counts)
        change = np.flatnonzero(np.any(np.diff(stack, axis=1) != 0, axis=0))
        last = t[change[-1] + 1] if change.size else t.max()
        end = min(t.max(), last + 0.15 * (last - t.min()) + 1e-9)
        ax.set_xlim(t.min() / scale, max(end, t.min() + 1e-6) / scale)
    ax.set_ylim(0, max(n, 1) * 1.02)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("people")
    ax.set_title(f"Crowd {name}: people by state ({n:,} placed)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def exit_flow_figure(
    flow: dict[str, np.ndarray],
    exits: dict[str, np.ndarray],
    name: str = "",
    max_exits: int = CROWD_MAX_EXITS,
):
    """Persons per second through each exit over time: the busiest ``max_exits``, the rest as "others"."""
    t = np.asarray(flow["time_s"], float)
    cols = [c for c in flow if c != "time_s"]
    # columns are "<exit>_p_s" ("/" in a name written as "_"); a results file lists them by name
    exit_names = _strs(exits["exit"])
    by_column = {f"{e.replace('/', '_')}_p_s": k for k, e in enumerate(exit_names)}
    names = [str(exit_names[by_column[c]]) if c in by_column else c[: -len("_p_s")] for c in cols]
    closed_at = np.asarray(exits.get("closed_s", np.full(exit_names.size, np.nan)), float)
    closed = np.array([closed_at[by_column[c]] if c in by_column else np.nan for c in cols])
    q = np.array([np.asarray(flow[c], float) for c in cols]).reshape(len(cols), -1)
    dt = np.diff(t, prepend=t[0] - (t[1] - t[0] if t.size > 1 else 1.0)) if t.size else np.zeros(0)
    total = (q * dt).sum(axis=1)
    rank = np.argsort(-total, kind="stable")
    top = [k for k in rank[:max_exits] if total[k] > 0] if len(cols) > max_exits else list(range(len(cols)))
    rest = [k for k in range(len(cols)) if k not in top]
    scale, unit = time_unit(float(t.max() - t.min()) if t.size else 0.0)
    step = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    window = max(1, round((t.max() - t.min()) / step / 100)) if t.size > 1 else 1
    kernel = np.ones(window) / window

    def smooth(v: np.ndarray) -> np.ndarray:
        return np.convolve(v, kernel, mode="same") if window > 1 else v

    fig, ax = plt.subplots(figsize=(8, 4.5))
    colours = plt.get_cmap("tab10")
    for i, k in enumerate(top):
        shut = math.isfinite(closed[k]) if k < closed.size else False
        label = f"{names[k]} ({total[k]:,.0f})" + (f", closed {closed[k] / scale:.3g} {unit}" if shut else "")
        ax.plot(t / scale, smooth(q[k]), color=colours(i % 10), lw=1.2, label=label, gid=f"exit_{names[k]}")
        if shut:
            ax.axvline(closed[k] / scale, color=colours(i % 10), ls=":", lw=1.0)
    if rest:
        others = q[rest].mean(axis=0)  # per exit, on the scale of the named ones
        ax.plot(
            t / scale,
            smooth(others),
            color="0.4",
            lw=1.2,
            ls="--",
            label=f"others: mean of {len(rest)} exits ({total[rest].sum():,.0f} in all)",
            gid="exit_others",
        )
    moving = np.flatnonzero(q.sum(axis=0) > 0)
    if moving.size:  # from the process start to the last crossing, and a margin
        last = t[moving[-1]]
        ax.set_xlim(t.min() / scale, min(t.max(), last + 0.15 * (last - t.min()) + step) / scale)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("persons/s" + (f" (mean over {window * step:g} s)" if window > 1 else ""))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title(f"Crowd {name}: flow through the exits (legend: people through it)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return fig


_DOSE_COLUMNS = {"toxic_load": "toxic load", "smoke_fed": "smoke FED", "heat_dose": "thermal dose"}


def dose_figure(agents: dict[str, np.ndarray], thresholds: dict[str, np.ndarray] | None, name: str = ""):
    """Histogram of each per-person dose carried at the end, stacked by fate, reference values marked.

    None when the agents table holds no dose column with a positive value.
    """
    doses = [
        c for c in _DOSE_COLUMNS if c in agents and np.nanmax(np.asarray(agents[c], float), initial=0) > 0
    ]
    if not doses:
        return None
    fate = _strs(agents["fate"])
    fig, axes = plt.subplots(1, len(doses), figsize=(7.5 * len(doses), 4.3), squeeze=False)
    for ax, col in zip(axes[0], doses, strict=True):
        v = np.asarray(agents[col], float)
        pos = v[v > 0]
        lo, hi = float(pos.min()), float(pos.max())
        units = ""
        refs: list[tuple[str, float]] = []
        if thresholds is not None:
            k = _strs(thresholds["dose"]) == col
            refs = list(
                zip(_strs(thresholds["label"])[k], np.asarray(thresholds["value"], float)[k], strict=True)
            )
            units = str(_strs(thresholds["units"])[k][0]) if k.any() else ""
        log = hi > 100 * lo
        edges = np.geomspace(lo, hi * 1.0001, 40) if log else np.linspace(0.0, hi * 1.0001, 40)
        groups = [(f, v[(fate == f) & (v > 0)]) for f in ("evacuated", "inside", "incapacitated", "dead")]
        groups = [(f, g) for f, g in groups if g.size]
        ax.hist(
            [g for _, g in groups],
            bins=edges,
            stacked=True,
            color=[_STATE_COLOURS[f] for f, _ in groups],
            label=[f"{f} ({g.size:,})" for f, g in groups],
        )
        if log:
            ax.set_xscale("log")
        styles = ["--", "-.", ":", (0, (5, 1))]
        for i, (label, value) in enumerate(refs):
            passed = int(np.sum(v >= value))
            ax.axvline(
                value,
                color="tab:red",
                ls=styles[i % len(styles)],
                lw=1.1,
                label=f"{label}: {value:.3g} ({passed:,} at or above)",
            )
        zero = int(np.sum(~(v > 0)))
        ax.set_xlabel(f"{_DOSE_COLUMNS[col]} carried at the end" + (f" ({units})" if units else ""))
        ax.set_ylabel("people")
        ax.set_title(f"{_DOSE_COLUMNS[col]}: {pos.size:,} people dosed, {zero:,} not", fontsize=9)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), ncol=2, fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    fig.suptitle(f"Crowd {name}: per-person dose by fate", fontsize=10)
    return fig


def crowd_section(res: Results, events: list[Event], out: Path) -> tuple[list[str], set[str]]:
    """Markdown lines and figures of every crowd in the results; the tables they replace.

    For each crowd process (:func:`crowd_names`): a map in the crowd's own frame, the people
    by state over time, the exit flows, and the per-person doses where there are any.
    """
    lines: list[str] = []
    replaced: set[str] = set()
    names = res.table_names
    kpis = res.kpis
    for name in crowd_names(names):
        agents = res.table(f"{name}_agents")
        exits = res.table(f"{name}_exits")

        def table(suffix: str, name: str = name):
            return res.table(f"{name}_{suffix}") if f"{name}_{suffix}" in names else None

        traj = table("trajectories") or {"id": np.zeros(0, int), "x_m": np.zeros(0), "y_m": np.zeros(0)}
        crit = next(
            (
                float(e.data["critical_density_p_m2"])
                for e in events
                if e.kind == "crush_risk" and e.source == name
            ),
            None,
        )
        crit = crit if crit is not None else 5.55
        figs = [
            (
                "crowd map",
                _save(
                    crowd_map_figure(
                        name,
                        res.table(f"{name}_geometry"),
                        exits,
                        traj,
                        agents,
                        table("density_cells"),
                        events,
                        critical_p_m2=crit,
                    ),
                    out / f"crowd_{name}_map.png",
                ),
            ),
            (
                "people by state",
                _save(
                    evacuation_states_figure(res.table(f"{name}_evacuation_curve"), agents, name),
                    out / f"crowd_{name}_states.png",
                ),
            ),
        ]
        replaced.add(f"{name}_evacuation_curve")
        if table("exit_flow") is not None:
            figs.append(
                (
                    "exit flows",
                    _save(
                        exit_flow_figure(table("exit_flow"), exits, name), out / f"crowd_{name}_exit_flow.png"
                    ),
                )
            )
        dose = dose_figure(agents, table("dose_thresholds"), name)
        if dose is not None:
            figs.append(("doses", _save(dose, out / f"crowd_{name}_doses.png")))
        t95, t100 = evacuation_times(agents)
        fate = _strs(agents["fate"])
        counts = ", ".join(
            f"{f} {int(np.sum(fate == f)):,}" for f in ("evacuated", "inside", "incapacitated", "dead")
        )
        extra = [
            f"{kpis[k].description}: {_fmt(kpis[k].value)}"
            for k in (f"{name}_people_dosed_aegl2", f"{name}_people_dosed_aegl3", f"{name}_crush_risk_events")
            if k in kpis
        ]
        lines += [
            f"## Crowd `{name}`",
            "",
            f"{len(fate):,} people: {counts}. 95 % out at t = {_fmt(t95)} s, all able to leave out at "
            f"t = {_fmt(t100)} s (simulation clock)." + "".join(f" {e}." for e in extra),
            "",
            *[f"- {title}: ![{title}]({fname})" for title, fname in figs],
            "",
        ]
    return lines, replaced


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
    return _save(fig, path)


def _fmt(v: float) -> str:
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
        figures.append((name, _save(fig, out / f"map_{name}.png")))
    if res.field_names:
        times = res.times_s
        for name in res.field_names:
            data, units = res.field(name)
            figures.append((f"{name} over time", draw_series(data, times, x, y, name, units, out)))
    if events:
        figures.append(("event chain", draw_timeline(events, out / "events_timeline.png")))
        figures.append(("causal graph", draw_event_graph(events, out / "events_graph.png")))
    crowd_lines, replaced = crowd_section(res, events, out)
    for name in res.table_names:
        hint = res.attrs("tables", name).get("plot")
        if hint is not None and name not in replaced:
            table = res.table(name)
            figures.append((name, draw_table_plot(name, table, [str(h) for h in hint], out)))
    if "team_tasks" in res.table_names and set(GANTT_COLUMNS) <= set(res.table("team_tasks")):
        figures.append(("team Gantt", draw_gantt(res.table("team_tasks"), out / "team_gantt.png")))
    road_table = res.table(_ROADS_TABLE) if roads is not None else None
    figures += response_figures(res, x, y, relief, road_table, events, out)
    kpis = res.kpis
    rows = [(k.description or k.name, _fmt(k.value), k.units) for k in kpis.values()]
    if rows:
        figures.append(("KPIs", draw_kpi_table(rows, out / "kpis.png", res.scenario_name)))
    shown, parent, count = graph_nodes(events)
    lines = [
        f"# {res.scenario_name}",
        "",
        f"Results file `{Path(results).name}`, seed {res.seed}.",
        "",
        *_targets_section(res),
        "## Key indicators",
        "",
        "| KPI | value | units |",
        "|---|---:|---|",
        *[f"| {k.name} — {k.description} | {_fmt(k.value)} | {k.units} |" for k in kpis.values()],
        "",
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
        *crowd_lines,
        "## Figures",
        "",
        *[f"- {title}: ![{title}]({fname})" for title, fname in figures],
        "",
    ]
    summary = out / "summary.md"
    summary.write_text("\n".join(lines), encoding="utf-8")
    return summary


def _ensemble_report(res: Results, out: Path) -> Path:
    with h5py.File(res.path, "r") as f:
        if "summary" not in f:
            raise ResultsError(f"{res.path}: the ensemble is not finished (no /summary group)")
        s = f["summary"]
        kpis = {
            k: (s[k][()], str(s[k].attrs["units"]), str(s[k].attrs["long_name"])) for k in s if k != "replica"
        }
        n = int(s["replica"].shape[0])
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
    figures.append(("KPI distributions", _save(fig, out / "kpi_distributions.png")))
    for m, (data, units) in means.items():
        fig, ax = plt.subplots(figsize=(7, 5))
        _draw_map(ax, data, x, y, f"{m} (mean where it happened, {n} replicas)", units, [])
        figures.append((f"mean {m}", _save(fig, out / f"mean_map_{m}.png")))
    table = []
    for k, (vals, units, desc) in kpis.items():
        v = vals[np.isfinite(vals)]
        if v.size == 0:
            continue
        p5, p50, p95 = np.percentile(v, [5, 50, 95])
        table.append((k, desc, v.size, v.mean(), p5, p50, p95, units))
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
            f"| {k} — {d} | {c} | {_fmt(m)} | {_fmt(a)} | {_fmt(b)} | {_fmt(p95)} | {u} |"
            for k, d, c, m, a, b, p95, u in table
        ],
        "",
        "## Figures",
        "",
        *[f"- {title}: ![{title}]({fname})" for title, fname in figures],
        "",
    ]
    summary = out / "summary.md"
    summary.write_text("\n".join(lines), encoding="utf-8")
    return summary
