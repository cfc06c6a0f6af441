"""The crowd section of ``hazchain report``: each evacuation process drawn in its own frame.

Each crowd evacuation process (found by its ``<name>_agents``, ``_evacuation_curve``, ``_exits``
and ``_geometry`` tables) gets a section of its own, drawn in the crowd's frame rather than on the
engine grid: the walkable floor with the highest local density, a sample of trajectories coloured
by fate (at most :data:`CROWD_MAX_TRAJECTORIES` lines), the exits (closed ones red, with the
closure time) and the crush-risk events; the five states over time with the 95 % and 100 %
times; the flow through the busiest exits (the rest summed as "others"); and, when the agents
carry doses, their histogram by fate with the reference loads. The section's five-state plot
replaces the engine's generic plot of ``<name>_evacuation_curve``.

:func:`models.register` registers :func:`report_section` by its import path (section
``"crowds"``, :func:`engine.report_sections.register_section`), so this module is imported only
when a report is made.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from engine.events import Event
from engine.report import (
    ReportContext,
    SectionOutput,
    fmt_value,
    save_figure,
    text_values,
    time_unit,
)
from engine.results import Results

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
    return np.array(text_values(values), dtype=str)


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
                save_figure(
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
                save_figure(
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
                    save_figure(
                        exit_flow_figure(table("exit_flow"), exits, name), out / f"crowd_{name}_exit_flow.png"
                    ),
                )
            )
        dose = dose_figure(agents, table("dose_thresholds"), name)
        if dose is not None:
            figs.append(("doses", save_figure(dose, out / f"crowd_{name}_doses.png")))
        t95, t100 = evacuation_times(agents)
        fate = _strs(agents["fate"])
        counts = ", ".join(
            f"{f} {int(np.sum(fate == f)):,}" for f in ("evacuated", "inside", "incapacitated", "dead")
        )
        extra = [
            f"{kpis[k].description}: {fmt_value(kpis[k].value)}"
            for k in (f"{name}_people_dosed_aegl2", f"{name}_people_dosed_aegl3", f"{name}_crush_risk_events")
            if k in kpis
        ]
        lines += [
            f"## Crowd `{name}`",
            "",
            f"{len(fate):,} people: {counts}. 95 % out at t = {fmt_value(t95)} s, all able to leave out at "
            f"t = {fmt_value(t100)} s (simulation clock)." + "".join(f" {e}." for e in extra),
            "",
            *[f"- {title}: ![{title}]({fname})" for title, fname in figs],
            "",
        ]
    return lines, replaced


def report_section(ctx: ReportContext) -> SectionOutput:
    """The ``"crowds"`` report section: :func:`crowd_section` for every crowd in the results."""
    lines, replaced = crowd_section(ctx.results, ctx.events, ctx.out)
    return SectionOutput(lines=lines, consumed=replaced)


#: After the event chain, before the list of figures.
