"""The response section of ``hazchain report``: plan targets, team Gantt, relief maps and series.

A response run gets its own parts of the report: the plan's targets, pass or fail with the
reason (``plan_targets``), before the key indicators; and, in the list of figures, the Gantt of
the teams (``team_tasks``), and from the relief tables a map of the deliveries (depot → point,
width by tonnage, depots by level, shelters), a map of the demand still unmet at the end, and
unmet demand by item and people restored over time (``relief_unmet``). The maps draw the roads
with bridges marked (a ``bridge`` column of ``roads``) and the segments closed by
``road_closed`` events in red, by reason (:func:`engine.report.draw_network`).

:func:`models.register` registers :func:`report_section` by its import path (section
``"response"``, :func:`engine.report_sections.register_section`), so this module is imported only
when a report is made.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from engine.events import Event
from engine.report import (
    GANTT_COLUMNS,
    ReportContext,
    SectionOutput,
    draw_gantt,
    draw_network,
    fmt_value,
    legend_outside,
    map_frame,
    save_figure,
    text_values,
    time_unit,
    truthy,
)
from engine.results import Results


def _targets_section(res: Results) -> list[str]:
    """The plan's targets, pass or fail with the reason, if the results have a ``plan_targets`` table."""
    if "plan_targets" not in res.table_names:
        return []
    t = res.table("plan_targets")
    rows = [
        f"| {name} | {'**pass**' if ok else '**FAIL**'} | {fmt_value(float(v))} | "
        f"{fmt_value(float(lim))} | {why} |"
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


#: Marker and colour of each relief depot level (central to township) on the response maps.
DEPOT_STYLE = {
    "central": ("*", "tab:purple"),
    "provincial": ("P", "tab:blue"),
    "municipal": ("D", "tab:cyan"),
    "county": ("s", "tab:orange"),
    "township": ("^", "tab:olive"),
}


def _draw_sites(ax, depots: dict[str, np.ndarray] | None, shelters: dict[str, np.ndarray] | None) -> None:
    """Depots marked by level (a cross over a destroyed one) and shelters, labelled by name.

    Depots at one place are drawn side by side (offset in points) under one label.
    """
    from matplotlib.transforms import offset_copy

    if depots is not None:
        levels = text_values(depots["level"])
        names = text_values(depots["name"])
        lost = truthy(depots["destroyed"]) if "destroyed" in depots else np.zeros(len(names), bool)
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
        for n, xi, yi in zip(text_values(shelters["name"]), sx, sy, strict=True):
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


def draw_deliveries_map(res: Results, x, y, relief, roads, events: list[Event], path: Path) -> str:
    """Deliveries as lines depot → point, width by tonnage, coloured by the depot's level.

    Drawn over the relief shading and the roads (closed segments red, bridges marked), with the
    depots marked by level and the shelters.
    """
    d = res.table("relief_deliveries")
    depots = res.table("relief_depots") if "relief_depots" in res.table_names else None
    shelters = res.table("relief_shelters") if "relief_shelters" in res.table_names else None
    level_of = (
        dict(zip(text_values(depots["name"]), text_values(depots["level"]), strict=True)) if depots else {}
    )
    fig, ax = plt.subplots(figsize=(10, 5.5))
    map_frame(ax, x, y, relief)
    draw_network(ax, roads, events)
    names = text_values(d["depot"])
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
    legend_outside(ax)
    return save_figure(fig, path)


def draw_unmet_map(res: Results, x, y, relief, roads, events: list[Event], path: Path) -> str:
    """Displaced people still without basic life at the end: the cell map and the waiting points."""
    fig, ax = plt.subplots(figsize=(10, 5.5))
    map_frame(ax, x, y, relief)
    if "relief_points" not in res.table_names and "relief_unrestored_people" in res.map_names:
        data, _ = res.map("relief_unrestored_people")
        shown = np.ma.masked_where(~np.isfinite(data) | (data <= 0), data)
        if shown.count():
            dx = x[1] - x[0] if x.size > 1 else 1.0
            dy = y[1] - y[0] if y.size > 1 else 1.0
            extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)
            im = ax.imshow(shown, origin="lower", extent=extent, cmap="magma_r", alpha=0.85, zorder=1)
            plt.colorbar(im, ax=ax, label="people per cell", shrink=0.7, location="left", pad=0.12)
    draw_network(ax, roads, events)
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
    legend_outside(ax)
    return save_figure(fig, path)


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
    return save_figure(fig, path)


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


def report_section(ctx: ReportContext) -> SectionOutput:
    """The ``"response"`` report section: plan targets, the team Gantt and the relief figures."""
    res = ctx.results
    figures: list[tuple[str, str]] = []
    if "team_tasks" in res.table_names and set(GANTT_COLUMNS) <= set(res.table("team_tasks")):
        figures.append(("team Gantt", draw_gantt(res.table("team_tasks"), ctx.out / "team_gantt.png")))
    figures += response_figures(res, ctx.x, ctx.y, ctx.relief, ctx.roads, ctx.events, ctx.out)
    return SectionOutput(lines=_targets_section(res), figures=figures)


#: Before the key indicators (the targets' verdicts head the summary).
