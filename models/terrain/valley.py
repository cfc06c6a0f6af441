"""A seeded procedural mountain valley: river, gorge and town site, no data files needed.

The library's earthquake → landslide → barrier lake → outburst flood scenario
needs a valley where a landslide can dam a river upstream of a town. This
module builds one from a seed, on any grid large enough to hold it:

* a **river** entering at the west edge (upstream) and leaving at the east
  edge (downstream), meandering about the valley axis (``y`` = middle of the
  grid), in a trench ``channel_depth_m`` deep whose bed descends strictly
  downstream along a concave profile (steeper upstream, as rivers are);
* a **valley floor** either side of the river, rising gently (1 %) away from
  it, then **valley walls** rising ``relief_m`` (±10 %, higher upstream) to the
  ridges along a smooth sigmoid (concave foot, convex crest); mean wall slopes
  come out at about 25–35° for the defaults;
* a **gorge** about a third of the way down the valley: the floor narrows to
  little more than the river and the walls steepen (≈ 40–50°), the place
  where a landslide could block the river;
* a **town site** downstream of the gorge, where the floor widens into a
  flat terrace (slope of a degree or two) on one bank next to the river;
* **fractal roughness** on the walls and ridges by spectral synthesis
  (Fourier filtering of white noise to a power-law spectrum
  ``P(k) ∝ k^−(2H+2)``, Hurst exponent ``H``; Saupe 1988), scaled by the wall
  height so the floor, the river and the town site stay smooth.

All random choices (gorge and town positions, meander phase and wavelength,
bank of the town, roughness) come from one ``numpy.random.SeedSequence(seed)``:
the same seed gives the same valley bit for bit on one platform, another seed
another valley. The terrain is part of the scenario, so the process seeds it
from its configuration, not from the replica's stream: every replica of an
ensemble sees the same valley.

References
----------
Saupe, D. (1988). Algorithms for random fractals. In Peitgen & Saupe (eds.),
*The Science of Fractal Images*, Springer, 71–136.
"""

from __future__ import annotations

import math

import numpy as np

#: Smallest grid the valley fits on (columns, rows).
MIN_NX, MIN_NY = 40, 20

#: Ridge height above the valley floor when the grid is wide enough for it.
DEFAULT_RELIEF_M = 1200.0

#: Keys of the dictionary :func:`generate_valley` returns, with units and meaning.
VALLEY_KEYS = {
    "terrain_m": ("m", "(ny, nx) ground elevation"),
    "river_mask": ("1", "(ny, nx) bool, cells of the river channel"),
    "gorge_mask": ("1", "(ny, nx) bool, valley-floor cells of the gorge section"),
    "town_mask": ("1", "(ny, nx) bool, cells of the town site"),
    "river_centreline_y_m": ("m", "(nx,) y of the river's centre line in each column"),
    "river_bed_m": ("m", "(nx,) river bed elevation in each column (strictly descending)"),
    "valley_floor_half_width_m": ("m", "(nx,) half-width of the valley floor about the river"),
    "gorge_xy_m": ("m", "(2,) x, y of the gorge's narrowest point on the river"),
    "town_centre_xy_m": ("m", "(2,) x, y of the town site's centre"),
    "town_polygon_xy_m": ("m", "(n, 2) vertices of the town site outline, counter-clockwise"),
}


def fractal_noise(nx: int, ny: int, rng: np.random.Generator, hurst: float = 0.8) -> np.ndarray:
    """Zero-mean, unit-variance fractal (fBm-like) surface by spectral synthesis.

    White Gaussian noise is filtered in Fourier space to amplitude ``k^−(H+1)``
    (power ``k^−(2H+2)``), on a doubled domain cropped back so that opposite
    edges are not forced to match.

    Examples
    --------
    >>> a = fractal_noise(64, 32, np.random.default_rng(1))
    >>> a.shape, round(float(a.std()), 6), abs(float(a.mean())) < 1e-12
    ((32, 64), 1.0, True)
    """
    if not 0.0 < hurst < 1.0:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
    my, mx = 2 * ny, 2 * nx
    kx = np.fft.rfftfreq(mx)
    ky = np.fft.fftfreq(my)
    k = np.hypot(ky[:, None], kx[None, :])
    k[0, 0] = np.inf
    amp = k ** (-(hurst + 1.0))
    spec = amp * (rng.standard_normal(k.shape) + 1j * rng.standard_normal(k.shape))
    field = np.fft.irfft2(spec, s=(my, mx))[:ny, :nx]
    field = field - field.mean()
    return field / field.std()


def _river_profile(s: np.ndarray, concavity: float = 1.5) -> np.ndarray:
    """Concave river long profile from 1 at ``s`` = 0 (source side) to 0 at ``s`` = 1."""
    return (np.exp(-concavity * s) - math.exp(-concavity)) / (1.0 - math.exp(-concavity))


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def generate_valley(
    nx: int,
    ny: int,
    cell_size_m: float,
    seed: int,
    *,
    origin_x_m: float = 0.0,
    origin_y_m: float = 0.0,
    relief_m: float | None = None,
    base_elevation_m: float = 300.0,
    river_gradient_m_per_m: float = 0.008,
    valley_floor_width_m: float | None = None,
    gorge_width_m: float | None = None,
    channel_width_m: float = 20.0,
    channel_depth_m: float = 4.0,
    roughness_m: float | None = None,
    hurst: float = 0.8,
) -> dict[str, np.ndarray]:
    """Build a seeded mountain valley with a meandering river, a gorge and a town site.

    Parameters
    ----------
    nx, ny
        Grid columns (along the valley, west → east = downstream) and rows;
        at least :data:`MIN_NX` × :data:`MIN_NY`.
    cell_size_m
        Side of a cell.
    seed
        Seed of every random choice (``>= 0``).
    origin_x_m, origin_y_m
        South-west corner of the grid (positions are returned in these coordinates).
    relief_m
        Height of the ridges above the valley floor (±10 % along the valley).
        Default :data:`DEFAULT_RELIEF_M` where the grid is wide enough for
        mean wall slopes of at most 35°, lower on narrower grids. A value
        that would make the mean wall slope exceed 45° is an error.
    base_elevation_m
        River bed elevation at the downstream (east) edge.
    river_gradient_m_per_m
        Mean river bed gradient; the bed drops ``gradient × nx × cell`` in all.
    valley_floor_width_m
        Width of the valley floor away from gorge and town; default 16 % of
        the grid's height (``ny × cell``), at least the channel plus 8 cells.
    gorge_width_m
        Width of the valley floor at the gorge's narrowest point; default
        15 % of the floor width, at least the channel plus 3 cells.
    channel_width_m
        Width of the river channel (at least 1.5 cells, so that every
        column has a river cell).
    channel_depth_m
        Depth of the channel below its banks.
    roughness_m
        Standard deviation of the fractal roughness at full wall height;
        default 5 % of ``relief_m``.
    hurst
        Hurst exponent of the roughness, in (0, 1); higher is smoother.

    Returns
    -------
    dict[str, numpy.ndarray]
        The keys of :data:`VALLEY_KEYS`; coordinates are world metres.

    Raises
    ------
    ValueError
        For a grid too small for the valley or parameters out of range.

    Examples
    --------
    >>> v = generate_valley(80, 40, 50.0, seed=7)
    >>> v["terrain_m"].shape, bool(np.all(np.diff(v["river_bed_m"]) < 0))
    ((40, 80), True)
    >>> x_gorge, x_town = v["gorge_xy_m"][0], v["town_centre_xy_m"][0]
    >>> bool(x_gorge < x_town)  # the town lies downstream of the gorge
    True
    """
    dx = float(cell_size_m)
    _check_arguments(nx, ny, dx, seed, river_gradient_m_per_m, channel_depth_m, hurst)
    lx, ly = nx * dx, ny * dx
    w_c = max(0.5 * channel_width_m, 0.75 * dx)  # channel half-width
    w_f0 = 0.5 * valley_floor_width_m if valley_floor_width_m else max(0.08 * ly, w_c + 4.0 * dx)
    w_g = 0.5 * gorge_width_m if gorge_width_m else max(0.15 * w_f0, w_c + 1.5 * dx)
    if not w_c + dx <= w_g < w_f0:
        raise ValueError(
            f"need channel half-width + 1 cell ≤ gorge half-width < floor half-width, got "
            f"{w_c:g} + {dx:g} ≤ {w_g:g} < {w_f0:g} m; adjust the widths or the cell size"
        )
    # Horizontal room for the walls with the widest meander the seed can draw.
    wall_room = 0.5 * ly - 1.35 * 0.05 * ly - w_f0
    if relief_m is None:
        relief_m = min(DEFAULT_RELIEF_M, math.tan(math.radians(35.0)) * wall_room)
    elif not 0 < relief_m <= 5000:
        raise ValueError(f"relief_m must lie in (0, 5000] m, got {relief_m}")
    elif relief_m > wall_room:
        raise ValueError(
            f"relief_m = {relief_m:g} m over walls {wall_room:.0f} m wide makes them steeper than 45° on "
            f"average; lower relief_m to ≤ {wall_room:.0f} m or use a wider grid (more rows)"
        )
    rough = 0.05 * relief_m if roughness_m is None else float(roughness_m)
    if rough < 0:
        raise ValueError(f"roughness_m must be ≥ 0, got {roughness_m}")

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    x_gorge = lx * rng.uniform(0.33, 0.43)
    x_town = x_gorge + lx * rng.uniform(0.22, 0.30)
    wavelength = lx * rng.uniform(0.30, 0.45)
    phase1, phase2 = rng.uniform(0.0, 2.0 * math.pi, size=2)
    amplitude = ly * rng.uniform(0.03, 0.05)
    town_side = 1.0 if rng.random() < 0.5 else -1.0
    mod_phase = rng.uniform(0.0, 2.0 * math.pi, size=3)
    noise = fractal_noise(nx, ny, rng, hurst)

    x = (np.arange(nx) + 0.5) * dx
    y = (np.arange(ny) + 0.5) * dx
    sigma_g, sigma_t = 0.04 * lx, 0.06 * lx
    g = np.exp(-(((x - x_gorge) / sigma_g) ** 2))  # 1 at the gorge
    t = np.exp(-(((x - x_town) / sigma_t) ** 2))  # 1 at the town
    meander = amplitude * (
        np.sin(2.0 * math.pi * x / wavelength + phase1)
        + 0.35 * np.sin(4.0 * math.pi * x / wavelength + phase2)
    )
    y_c = 0.5 * ly + meander * (1.0 - 0.8 * g) * (1.0 - 0.6 * t)
    # Irregular floor width (±15 %), narrowing to the gorge and widening at the town.
    wobble = sum(np.sin(2.0 * math.pi * (j + 1.5) * x / lx + p) / (j + 1) for j, p in enumerate(mod_phase))
    wobble /= 1.84
    # The town's floor widens up to 1.8×, keeping at least half the usual wall width.
    w_town = max(w_f0, min(1.8 * w_f0, 0.5 * (0.5 * ly - 1.35 * amplitude + w_f0)))
    w_f = w_f0 * (1.0 + 0.15 * wobble) * (1.0 - g) + w_g * g + (w_town - w_f0) * t
    wall_w = np.maximum(0.5 * ly - 1.35 * amplitude - w_f, 3.0 * dx) * (1.0 - 0.45 * g)
    bed = base_elevation_m + river_gradient_m_per_m * lx * _river_profile(x / lx)
    relief = relief_m * (1.1 - 0.2 * x / lx)

    d = np.abs(y[:, None] - y_c[None, :])
    floor_slope = 0.01
    floor = bed + channel_depth_m + floor_slope * (np.minimum(d, w_f) - w_c)
    walls = _smoothstep((d - w_f) / wall_w) * np.maximum(relief + rough * noise, 0.1 * relief)
    river = d < w_c
    terrain = np.where(river, np.broadcast_to(bed, d.shape), floor + walls)

    gorge_mask = (np.abs(x - x_gorge) <= sigma_g)[None, :] & (d <= w_f) & ~river
    town_mask, polygon, centre = _town_site(x, y, y_c, w_c, w_f, x_town, town_side, dx)
    ix = int(np.argmin(np.abs(x - x_gorge)))
    return {
        "terrain_m": np.ascontiguousarray(terrain),
        "river_mask": river,
        "gorge_mask": gorge_mask,
        "town_mask": town_mask,
        "river_centreline_y_m": y_c + origin_y_m,
        "river_bed_m": bed,
        "valley_floor_half_width_m": w_f,
        "gorge_xy_m": np.array([x[ix] + origin_x_m, y_c[ix] + origin_y_m]),
        "town_centre_xy_m": centre + np.array([origin_x_m, origin_y_m]),
        "town_polygon_xy_m": polygon + np.array([origin_x_m, origin_y_m]),
    }


def _town_site(
    x: np.ndarray,
    y: np.ndarray,
    y_c: np.ndarray,
    w_c: float,
    w_f: np.ndarray,
    x_town: float,
    side: float,
    dx: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mask, outline and centre of the town terrace on one bank (local coordinates)."""
    lx = x.size * dx
    half_len = max(min(0.05 * lx, 700.0), 2.0 * dx)
    near = w_c + max(dx, 20.0)  # keep a strip of bank between river and houses
    far = np.maximum(0.8 * w_f, near + 2.0 * dx)  # stay off the valley walls
    # Mask: cells whose centre lies on the town's bank between the two offsets.
    offset = side * (y[:, None] - y_c[None, :])
    mask = (np.abs(x - x_town) <= half_len)[None, :] & (offset >= near) & (offset <= far[None, :])
    # Outline: the near edge downstream, then the far edge back upstream.
    xs = np.linspace(x_town - half_len, x_town + half_len, 9)
    yc = np.interp(xs, x, y_c)
    fs = np.interp(xs, x, far)
    near_edge = np.column_stack([xs, yc + side * near])
    far_edge = np.column_stack([xs[::-1], (yc + side * fs)[::-1]])
    polygon = np.vstack([near_edge, far_edge])
    if side < 0:  # keep the outline counter-clockwise
        polygon = polygon[::-1]
    yc_t = float(np.interp(x_town, x, y_c))
    f_t = float(np.interp(x_town, x, far))
    centre = np.array([x_town, yc_t + side * 0.5 * (near + f_t)])
    return mask, polygon, centre


def _check_arguments(
    nx: int,
    ny: int,
    dx: float,
    seed: int,
    gradient: float,
    depth_m: float,
    hurst: float,
) -> None:
    if nx < MIN_NX or ny < MIN_NY:
        raise ValueError(f"the valley needs a grid of at least {MIN_NX} × {MIN_NY} cells, got {nx} × {ny}")
    if not (math.isfinite(dx) and dx > 0):
        raise ValueError(f"cell_size_m must be > 0, got {dx}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a whole number ≥ 0, got {seed}")
    if not 0 < gradient <= 0.2:
        raise ValueError(f"river_gradient_m_per_m must lie in (0, 0.2], got {gradient}")
    if not depth_m > 0:
        raise ValueError(f"channel_depth_m must be > 0, got {depth_m}")
    if not 0.0 < hurst < 1.0:
        raise ValueError(f"hurst must lie in (0, 1), got {hurst}")
