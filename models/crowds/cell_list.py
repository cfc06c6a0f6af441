"""Cell list of the pedestrian step: segment tests, walls per cell, the sort, the neighbour gather.

The spatial part of the step of :mod:`models.crowds.kernels` (whose module docstring explains
the whole step and both models): orientation tests between segments, the walls that meet each
cell (CSR lists), the counting sort of the pedestrians on the floor into cells and
sub-columns, and the copy of a pedestrian's neighbours within the cut-off into a small buffer,
minus those hidden behind a wall. The operational models
(:mod:`models.crowds.operational_models`) read that buffer; everything here is numba,
arrays and scalars in.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from models.crowds.agents import EVACUATED, WAITING, WALKING

__all__ = ["SUBCOLUMNS", "WALL_SKIN_M", "build_wall_cells", "segments_touch"]

#: Closest a pedestrian's centre may come to a wall segment (a numerical skin, not a body size).
WALL_SKIN_M = 1e-6
#: Inside a cell, pedestrians are ordered by sub-column (this many per cell).
SUBCOLUMNS = 8


# --- geometry -------------------------------------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def _orient(ax, ay, bx, by, cx, cy):  # pragma: no cover - compiled
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@numba.njit(cache=True, error_model="numpy")
def _on_box(ax, ay, bx, by, px, py):  # pragma: no cover - compiled
    return min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by)


@numba.njit(cache=True, error_model="numpy")
def segments_touch(ax, ay, bx, by, cx, cy, dx, dy):  # pragma: no cover - compiled
    """True if segments AB and CD share a point (touching counts), by orientation signs."""
    o1 = _orient(cx, cy, dx, dy, ax, ay)
    o2 = _orient(cx, cy, dx, dy, bx, by)
    o3 = _orient(ax, ay, bx, by, cx, cy)
    o4 = _orient(ax, ay, bx, by, dx, dy)
    if ((o1 > 0 and o2 < 0) or (o1 < 0 and o2 > 0)) and ((o3 > 0 and o4 < 0) or (o3 < 0 and o4 > 0)):
        return True
    return (
        (o1 == 0 and _on_box(cx, cy, dx, dy, ax, ay))
        or (o2 == 0 and _on_box(cx, cy, dx, dy, bx, by))
        or (o3 == 0 and _on_box(ax, ay, bx, by, cx, cy))
        or (o4 == 0 and _on_box(ax, ay, bx, by, dx, dy))
    )


@numba.njit(cache=True, error_model="numpy")
def _nearest_on_segment(walls, w, px, py):  # pragma: no cover - compiled
    x0, y0, x1, y1 = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
    sx, sy = x1 - x0, y1 - y0
    ll = sx * sx + sy * sy
    u = 0.0 if ll == 0.0 else min(1.0, max(0.0, ((px - x0) * sx + (py - y0) * sy) / ll))
    return x0 + u * sx, y0 + u * sy


@numba.njit(cache=True, error_model="numpy")
def _blocking_wall(ax, ay, bx, by, walls, wall_idx, lo, hi):  # pragma: no cover - compiled
    """First wall (in list order) that the move A→B touches or ends within the skin of; -1 if none."""
    for q in range(lo, hi):
        w = wall_idx[q]
        if segments_touch(ax, ay, bx, by, walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]):
            return w
        px, py = _nearest_on_segment(walls, w, bx, by)
        if (px - bx) ** 2 + (py - by) ** 2 < WALL_SKIN_M * WALL_SKIN_M:
            return w
    return -1


@numba.njit(cache=True, error_model="numpy")
def _segment_meets_box(x0, y0, x1, y1, bx0, by0, bx1, by1):  # pragma: no cover - compiled
    """Whether the segment meets the closed box (Liang-Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for p, q in ((-dx, x0 - bx0), (dx, bx1 - x0), (-dy, y0 - by0), (dy, by1 - y0)):
        if p == 0.0:
            if q < 0.0:
                return False
        else:
            r = q / p
            if p < 0.0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 > t1:
                return False
    return True


@numba.njit(cache=True, error_model="numpy")
def _clamped_index(v, origin, width, n):  # pragma: no cover - compiled
    return min(max(math.floor((v - origin) / width), 0), n - 1)


@numba.njit(cache=True, error_model="numpy")
def build_wall_cells(walls, gx0, gy0, cell, gnx, gny, reach):  # pragma: no cover - compiled
    """Per cell, the walls that meet the cell grown by ``reach`` on every side (CSR arrays).

    Returns ``(start, idx)``: the walls of cell ``c = row * gnx + col`` are
    ``idx[start[c]:start[c + 1]]``, in increasing wall order.
    """
    count = np.zeros(gnx * gny + 1, np.int32)
    idx = np.empty(0, np.int32)
    for sweep in range(2):  # count, then fill
        for w in range(walls.shape[0]):
            x0, y0, x1, y1 = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
            c0 = _clamped_index(min(x0, x1) - reach, gx0, cell, gnx)
            c1 = _clamped_index(max(x0, x1) + reach, gx0, cell, gnx)
            r0 = _clamped_index(min(y0, y1) - reach, gy0, cell, gny)
            r1 = _clamped_index(max(y0, y1) + reach, gy0, cell, gny)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    bx0, by0 = gx0 + c * cell - reach, gy0 + r * cell - reach
                    side = cell + 2 * reach
                    if _segment_meets_box(x0, y0, x1, y1, bx0, by0, bx0 + side, by0 + side):
                        k = r * gnx + c
                        if sweep == 1:
                            idx[count[k]] = w
                        count[k] += 1
        if sweep == 0:  # counts -> starts (exclusive prefix sum)
            total = 0
            for k in range(gnx * gny + 1):
                total, count[k] = total + count[k], total
            idx = np.empty(total, np.int32)
        else:  # the fill advanced every start to the next cell's: shift back
            for k in range(gnx * gny, 0, -1):
                count[k] = count[k - 1]
            count[0] = 0
    return count, idx


# --- cell list --------------------------------------------------------------------------------


@numba.njit(cache=True, error_model="numpy")
def _sort_into_cells(agents, scratch, grid, t, with_velocity):  # pragma: no cover - compiled
    """Start waiting pedestrians whose time has come, counting-sort the floor into cells.

    The key is ``row · n_cols + sub-column``, sub-columns numbered across the whole row
    (``SUBCOLUMNS`` per cell). Returns the number of pedestrians on the floor and the most
    under one key.
    """
    x, y, vx, vy, radius, _, _, reaction, state, _, _ = agents
    key_of, key_start, order, sx, sy, sr, svx, svy = scratch
    gx0, gy0, cell, gnx, gny = grid
    n_cols = gnx * SUBCOLUMNS
    key_start[:] = 0  # count of key c at c + 2, so that the scatter leaves the starts at c
    most = 0
    for i in range(x.shape[0]):
        if state[i] == WAITING and reaction[i] <= t:
            state[i] = WALKING
        if state[i] == EVACUATED:
            key_of[i] = -1
            continue
        c = _clamped_index(y[i], gy0, cell, gny) * n_cols + _clamped_index(
            x[i], gx0, cell / SUBCOLUMNS, n_cols
        )
        key_of[i] = c
        key_start[c + 2] += 1
        most = max(most, key_start[c + 2])
    for c in range(n_cols * gny):
        key_start[c + 2] += key_start[c + 1]
    for i in range(x.shape[0]):
        c = key_of[i]
        if c >= 0:
            k = key_start[c + 1]
            key_start[c + 1] = k + 1
            order[k], sx[k], sy[k], sr[k] = i, x[i], y[i], radius[i]
            if with_velocity:
                svx[k], svy[k] = vx[i], vy[i]
    return key_start[n_cols * gny], most


@numba.njit(cache=True, error_model="numpy")
def _wall_cell(key, gnx):  # pragma: no cover - compiled
    """The cell (index into the wall lists) of sort key ``key``."""
    n_cols = gnx * SUBCOLUMNS
    row = key // n_cols
    return row * gnx + (key - row * n_cols) // SUBCOLUMNS


@numba.njit(cache=True, error_model="numpy")
def _neighbour_capacity(most, grid, cutoff):  # pragma: no cover - compiled
    """Most candidates one neighbour scan can meet: three rows of the sub-columns in its window."""
    return 3 * (int(2.0 * cutoff / (grid[2] / SUBCOLUMNS)) + 2) * most + 1


#: Rows of the neighbour buffer: offset to the neighbour, contact distance ``l = r_i + r_j``,
#: distance (filled by the direction pass of the collision-free speed model).
_DX, _DY, _L, _D = range(4)


@numba.njit(cache=True, error_model="numpy")
def _gather_neighbours(k, key_start, sx, sy, sr, grid, cutoff, nb, idx):  # pragma: no cover - compiled
    """Copy the neighbours of sorted pedestrian ``k`` within the cut-off into ``nb`` and ``idx``.

    Scans the 3 × 3 cells around ``k``, each row of cells only between ``x − cutoff`` and
    ``x + cutoff`` (one contiguous slice). Every candidate is written and the count advances
    only for those kept, so the loop has no data-dependent branch; the copies let the sums
    over neighbours run as SIMD loops over contiguous rows. ``idx`` (sorted positions, which
    the social force model needs for velocities) is filled only if it is not empty.
    """
    gx0, gy0, cell, gnx, gny = grid
    n_cols, sub_w = gnx * SUBCOLUMNS, cell / SUBCOLUMNS
    xi, yi, ri, cut2 = sx[k], sy[k], sr[k], cutoff * cutoff
    c_lo = _clamped_index(xi - cutoff, gx0, sub_w, n_cols)
    c_hi = _clamped_index(xi + cutoff, gx0, sub_w, n_cols) + 1
    cy = _clamped_index(yi, gy0, cell, gny)
    n, with_idx = 0, idx.shape[0] > 0
    for row in range(max(cy - 1, 0), min(cy + 2, gny)):
        for m in range(key_start[row * n_cols + c_lo], key_start[row * n_cols + c_hi]):
            dx, dy = sx[m] - xi, sy[m] - yi
            nb[_DX, n], nb[_DY, n], nb[_L, n] = dx, dy, ri + sr[m]
            if with_idx:
                idx[n] = m
            n += (dx * dx + dy * dy <= cut2) & (m != k)
    return n


@numba.njit(cache=True, error_model="numpy")
def _walls_within(xi, yi, reach, walls, wall_idx, wlo, whi, near, side):  # pragma: no cover - compiled
    """List the cell's walls within ``reach`` of the point, with the point's side of each."""
    nw = 0
    for q in range(wlo, whi):
        w = wall_idx[q]
        px, py = _nearest_on_segment(walls, w, xi, yi)
        if (px - xi) ** 2 + (py - yi) ** 2 <= reach * reach:
            near[nw] = w
            side[nw] = _orient(walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3], xi, yi)
            nw += 1
    return nw


@numba.njit(cache=True, error_model="numpy")
def _drop_hidden(xi, yi, nb, idx, n, walls, near, side, nw):  # pragma: no cover - compiled
    """Remove from ``nb``/``idx`` the neighbours whose sight line touches one of the listed walls."""
    kept = 0
    for j in range(n):
        xj, yj = xi + nb[_DX, j], yi + nb[_DY, j]
        visible = True
        for q in range(nw):
            w = near[q]
            x0, y0, x1, y1 = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
            if side[q] * _orient(x0, y0, x1, y1, xj, yj) > 0.0:
                continue  # strictly on the same side of the wall's line: cannot cross it
            if segments_touch(xi, yi, xj, yj, x0, y0, x1, y1):
                visible = False
                break
        if visible:
            nb[_DX, kept], nb[_DY, kept], nb[_L, kept] = nb[_DX, j], nb[_DY, j], nb[_L, j]
            if idx.shape[0] > 0:
                idx[kept] = idx[j]
            kept += 1
    return kept
