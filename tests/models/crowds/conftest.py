"""Shared helpers of the crowd verification tests: floors, a checked runner, the periodic corridor.

* :class:`Floor` builds a walkable area (shapely polygon, exits, stairs), its router fields
  and a :class:`~models.crowds.kernels.PedestrianStepper` for either model.
* :func:`run` advances pedestrians one step at a time until everybody has left (or a time
  limit) and, every step, asserts the two invariants of the crowd core: the five states add up to
  the population, and no move of a pedestrian on the floor touches a wall segment (checked
  here with an independent numpy segment test, not the kernel's). It records the evacuation
  curve and sampled trajectories. With ``stairs=True`` it scales each walking pedestrian's
  desired speed by the stair factor under it (up or down by its desired direction), which
  is the crowd process's job: the kernels take no stair field.
* :func:`periodic_corridor` runs a straight corridor with periodic ends by keeping two
  frozen, shifted copies of the crowd (``WAITING`` with an infinite reaction time, i.e.
  obstacles that never move) beyond each end, refreshed every step. Both models compute a
  step from the previous positions (and, for the social force model, velocities) only, so
  this is exactly periodic while the cut-off is shorter than the corridor.
* :func:`weidmann_speed`: Weidmann (1993) speed-density relation in Kladek's form.

Tests marked ``slow`` are deselected by the project's pytest options unless ``-m`` names them
(``pytest -m slow``); each has a smaller variant that runs by default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numba
import numpy as np

from models.crowds.agents import EVACUATED, WAITING, WALKING, Pedestrians
from models.crowds.geometry import Exit, Stair, WalkableArea
from models.crowds.kernels import CsmParameters, DirectionRaster, PedestrianStepper, SfmParameters
from models.crowds.routing import ALL_EXITS, Router

MODELS = ("csm", "sfm")
#: Time step of every run: JuPedSim's default (the side-by-side benchmark's step).
DT = 0.01
#: Body radius and characteristic time per model: JuPedSim 1.4.2's CSM agent defaults (time gap
#: 1 s, r 0.2 m); for the social force model Helbing, Farkas & Vicsek (2000)'s τ = 0.5 s and the
#: low end of their radii (0.25 m), so that bodies fit through the 1 m doors of the tests.
AGENT = {"csm": {"radius_m": 0.2, "tau_s": 1.0}, "sfm": {"radius_m": 0.25, "tau_s": 0.5}}


# --- floors -----------------------------------------------------------------------------------


def rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    """Counter-clockwise ring of a rectangle."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


@dataclass
class Floor:
    """A walkable area with its routing fields, wall segments and exit segments.

    ``targets`` are the direction layers handed to the stepper, in order: pedestrian ``i``
    follows layer ``target[i]``. Names are exits, waypoints or exit groups of the router
    (default: the nearest open exit, :data:`ALL_EXITS`).
    """

    area: WalkableArea
    targets: Sequence[str] = (ALL_EXITS,)
    cell_m: float = 0.1
    exit_groups: dict[str, Sequence[str]] | None = None
    router: Router = field(init=False)

    def __post_init__(self) -> None:
        self.router = Router(self.area, cell_m=self.cell_m, exit_groups=self.exit_groups)
        self.targets = tuple(self.targets)

    @classmethod
    def of(cls, exterior, exits: Sequence[Exit], *, holes=(), stairs: Sequence[Stair] = (), **kw) -> Floor:
        """Floor from an exterior ring, hole rings, exits and stairs."""
        area = WalkableArea.from_coordinates(exterior, holes, exits=exits, stairs=stairs)
        return cls(area, **kw)

    @property
    def walls(self) -> np.ndarray:
        """Current wall segments ``(n, 4)`` (closed exits are walls)."""
        return np.asarray(self.router.walls)

    @property
    def exit_segments(self) -> np.ndarray:
        """Segments of the open exits ``(m, 4)``."""
        return np.array([self.area.exit(n).segment for n in self.router.open_exits]).reshape(-1, 4)

    def direction(self) -> DirectionRaster:
        """The stacked direction layers of :attr:`targets`."""
        ux, uy, _ = self.router.stacked(self.targets)
        r = self.router.raster
        return DirectionRaster(ux, uy, r.origin_x_m, r.origin_y_m, r.cell_m)

    def stepper(self, model: str, **kw) -> PedestrianStepper:
        """A stepper over the current walls, open exits and fields."""
        return PedestrianStepper(self.walls, self.direction(), exits=self.exit_segments, model=model, **kw)


def people(x, y, model: str, **kw) -> Pedestrians:
    """Pedestrians with the model's body radius and characteristic time (overridable)."""
    return Pedestrians.create(x, y, **{**AGENT[model], **kw})


# --- invariants -------------------------------------------------------------------------------


@numba.njit(cache=True)
def _touching(x0, y0, x1, y1, walls, out):  # pragma: no cover - compiled
    """``out[i]``: does move ``i`` touch any wall? Bounding boxes first, then orientation signs."""
    eps = 1e-12
    for i in range(x0.shape[0]):
        px, py, qx, qy = x0[i], y0[i], x1[i], y1[i]
        out[i] = False
        for w in range(walls.shape[0]):
            ax, ay, bx, by = walls[w, 0], walls[w, 1], walls[w, 2], walls[w, 3]
            if max(px, qx) < min(ax, bx) - eps or min(px, qx) > max(ax, bx) + eps:
                continue
            if max(py, qy) < min(ay, by) - eps or min(py, qy) > max(ay, by) + eps:
                continue
            d1 = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
            d2 = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax)
            d3 = (qx - px) * (ay - py) - (qy - py) * (ax - px)
            d4 = (qx - px) * (by - py) - (qy - py) * (bx - px)
            if d1 * d2 <= eps and d3 * d4 <= eps:
                out[i] = True  # collinear pairs reach here only if their boxes overlap
                break


def moves_touching_walls(x0, y0, x1, y1, walls: np.ndarray) -> np.ndarray:
    """For each move ``(x0, y0) → (x1, y1)``: does it touch any wall segment? (touching counts)

    Bounding-box rejection, then the signs of the four orientations (with a 1e-12 tolerance);
    written independently of the kernel's own test.

    Examples
    --------
    >>> wall = np.array([[0.0, 0.0, 0.0, 2.0]])  # x = 0 from y = 0 to 2
    >>> x0, y0, x1, y1 = [-0.1, -0.1, 0.0], [1.0, 3.0, 1.0], [0.1, 0.1, -0.2], [1.0, 3.0, 1.0]
    >>> moves_touching_walls(x0, y0, x1, y1, wall).tolist()  # across, beyond its end, from on it
    [True, False, True]
    """
    x0, y0, x1, y1 = (np.ascontiguousarray(v, np.float64).ravel() for v in (x0, y0, x1, y1))
    out = np.zeros(x0.shape, np.bool_)
    _touching(x0, y0, x1, y1, np.ascontiguousarray(walls, np.float64).reshape(-1, 4), out)
    return out


@dataclass
class Run:
    """What :func:`run` recorded.

    ``counts[k]`` are the five state counts after step ``k`` (at ``t_s[k]``);
    ``x_m``/``y_m`` are positions every ``sample_every`` steps (rows at ``sample_t_s``; NaN
    once evacuated); ``started_at_s`` the first time each pedestrian moved.
    """

    peds: Pedestrians
    t_s: np.ndarray
    counts: np.ndarray
    sample_t_s: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    started_at_s: np.ndarray

    @property
    def evacuated(self) -> np.ndarray:
        """Evacuated count after each step (the evacuation curve)."""
        return self.counts[:, EVACUATED]

    @property
    def last_out_s(self) -> float:
        """Time the last pedestrian left (NaN if somebody is still inside)."""
        times = self.peds.evacuated_at_s
        return float(np.max(times)) if np.all(np.isfinite(times)) else math.nan


def stair_factor_map(floor: Floor) -> np.ndarray:
    """``(layers, ny, nx)`` stair speed factor of every cell for the way each layer walks it."""
    r = floor.router.raster
    d = floor.direction()
    yy, xx = np.meshgrid(r.y_m, r.x_m, indexing="ij")
    return np.stack([r.stair_speed_factor(xx, yy, d.ux[k], d.uy[k]) for k in range(d.ux.shape[0])])


def run(
    peds: Pedestrians,
    stepper: PedestrianStepper,
    *,
    t_max_s: float,
    t_start_s: float = 0.0,
    walls: np.ndarray | None = None,
    stairs: Floor | None = None,
    steps_per_call: int = 1,
    sample_every: int = 50,
    until_empty: bool = True,
    on_step: Callable[[float, Pedestrians], None] | None = None,
    stop: Callable[[float, Pedestrians], bool] | None = None,
) -> Run:
    """Advance ``peds`` one step of :data:`DT` at a time, checking the invariants every step.

    Asserts that the state counts add up to the population and that no move of a pedestrian
    who was on the floor touches one of ``walls`` (default: the stepper's). With
    ``stairs=floor``, every walking pedestrian's desired speed is its base speed times the
    stair factor of the cell under it for the way its layer walks that cell (up or down).
    ``on_step(t, peds)`` runs before each step (speed changes, exit closures, ...). Stops when
    nobody is left on the floor (``until_empty``), when ``stop(t, peds)`` is true after a
    step, or at ``t_max_s`` (the clock starts at ``t_start_s``). ``steps_per_call > 1``
    advances that many steps between looks (single walkers on long stretches): the counts are
    then checked per call and the wall test, exact only for single straight moves, is skipped.
    """
    n = peds.size
    walls = stepper.walls if walls is None else np.asarray(walls, np.float64)
    base_v0 = peds.v0_m_s.copy()
    if stairs is not None:
        factors, raster = stair_factor_map(stairs), stairs.router.raster
    t, step = float(t_start_s), 0
    times, counts, sample_t, xs, ys = [], [], [], [], []
    started = np.full(n, np.nan)
    x_start, y_start = peds.x_m.copy(), peds.y_m.copy()
    n_steps = math.ceil((t_max_s - t_start_s) / DT - 1e-9)
    while step < n_steps:
        if on_step is not None:
            on_step(t, peds)
        if stairs is not None:
            row, col = raster.cell_of(peds.x_m, peds.y_m)
            peds.v0_m_s[:] = base_v0 * factors[peds.target, row, col]
        x0, y0, was = peds.x_m.copy(), peds.y_m.copy(), peds.state.copy()
        k = min(steps_per_call, n_steps - step)
        t = stepper.advance(peds, t, DT, k)
        step += k
        c = np.bincount(peds.state, minlength=5)
        assert c.sum() == n, f"states add up to {c.sum()}, not {n}, at t = {t:.2f} s"
        if k == 1:
            floor = was != EVACUATED
            hit = moves_touching_walls(x0[floor], y0[floor], peds.x_m[floor], peds.y_m[floor], walls)
            assert not hit.any(), f"{hit.sum()} moves touch a wall at t = {t:.2f} s"
        moved = np.isnan(started) & ((peds.x_m != x_start) | (peds.y_m != y_start))
        started[moved] = t - k * DT
        times.append(t)
        counts.append(c)
        if step % sample_every < k or step == k:
            out = peds.state == EVACUATED
            sample_t.append(t)
            xs.append(np.where(out, np.nan, peds.x_m))
            ys.append(np.where(out, np.nan, peds.y_m))
        if until_empty and c[WAITING] == 0 and c[WALKING] == 0:
            break
        if stop is not None and stop(t, peds):
            break
    peds.v0_m_s[:] = base_v0
    return Run(
        peds, np.array(times), np.array(counts), np.array(sample_t), np.array(xs), np.array(ys), started
    )


# --- periodic corridor and the fundamental diagram -------------------------------------------

#: Weidmann (1993) in Kladek's form as quoted by Seyfried et al. (2005): free speed, fit
#: constant, density at which walking stops.
WEIDMANN_V0_M_S, WEIDMANN_GAMMA_M2, WEIDMANN_RHO_MAX_M2 = 1.34, 1.913, 5.4


def weidmann_speed(rho_m2):
    """``v(ρ) = v0 (1 − exp(−γ (1/ρ − 1/ρ_max)))`` in m/s, 0 at and above ``ρ_max``.

    Examples
    --------
    >>> weidmann_speed(np.array([0.5, 1.0, 2.0, 3.0])).round(2).tolist()
    [1.3, 1.06, 0.61, 0.33]
    """
    rho = np.asarray(rho_m2, np.float64)
    v = WEIDMANN_V0_M_S * (1.0 - np.exp(-WEIDMANN_GAMMA_M2 * (1.0 / rho - 1.0 / WEIDMANN_RHO_MAX_M2)))
    return np.maximum(v, 0.0)


@dataclass
class CorridorRun:
    """A periodic-corridor run: nominal density, mean speed along the corridor over the
    measurement window (m/s), and per measuring box the mean speed of those inside and the
    mean density (per m², per m in single file)."""

    density: float
    speed_m_s: float
    box_speed_m_s: list[float]
    box_density: list[float]


def random_start(
    n: int, length_m: float, width_m: float, radius_m: float, rng
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` disks dropped at random, each at least ``2 r + 2 cm`` from the others (periodic in x).

    Random sequential placement stops working near a covered fraction of 0.5; denser starts
    use a jittered lattice instead (the collision-free speed model keeps the lanes of a lattice
    start, which then sets its speed, so disorder is preferred where it fits).
    """
    if n * math.pi * radius_m**2 > 0.4 * length_m * width_m:
        cols = max(1, round(math.sqrt(n * length_m / width_m)))
        rows = math.ceil(n / cols)
        k = rng.permutation(cols * rows)[:n]
        dx, dy = length_m / cols, (width_m - 2 * radius_m) / rows
        x = (k % cols + 0.5 + rng.uniform(-0.1, 0.1, n)) * dx
        return x, radius_m + (k // cols + 0.5 + rng.uniform(-0.1, 0.1, n)) * dy
    x, y = np.empty(n), np.empty(n)
    placed, d_min = 0, 2 * radius_m + 0.02
    while placed < n:
        cx = rng.uniform(0, length_m, 256)
        cy = rng.uniform(radius_m + 0.01, width_m - radius_m - 0.01, 256)
        for px, py in zip(cx, cy, strict=True):
            dx = np.abs(x[:placed] - px)
            if placed and np.min(np.hypot(np.minimum(dx, length_m - dx), y[:placed] - py)) < d_min:
                continue
            x[placed], y[placed] = px, py
            placed += 1
            if placed == n:
                break
    return x, y


def periodic_corridor(
    n: int,
    length_m: float,
    width_m: float,
    model: str,
    *,
    v0_m_s: float = 1.34,
    t_transient_s: float = 10.0,
    t_measure_s: float = 20.0,
    boxes: Sequence[tuple[float, float, float, float]] = (),
    seed: int = 0,
) -> CorridorRun:
    """``n`` pedestrians walking east in a corridor ``length_m`` × ``width_m`` with periodic ends.

    ``width_m = 0`` is a single file on the line y = 0 between walls 0.3 m either side, with
    even spacing; otherwise the start is :func:`random_start` in the band 0 < y < width. After
    ``t_transient_s``, every step, the mean velocity along the corridor of everybody and of
    those inside each measuring box ``(x0, y0, x1, y1)`` is recorded for ``t_measure_s``.
    Every step asserts that no move touches a wall.
    """
    rng = np.random.default_rng(seed)
    cut = (CsmParameters() if model == "csm" else SfmParameters()).cutoff_m
    if length_m <= 2 * cut:
        raise ValueError("the corridor must be longer than twice the neighbour cut-off")
    r = AGENT[model]["radius_m"]
    if width_m == 0:
        x, y = (np.arange(n) + 0.5) * length_m / n, np.zeros(n)
        lo, hi = -0.3, 0.3
    else:
        x, y = random_start(n, length_m, width_m, r, rng)
        lo, hi = 0.0, width_m
    walls = np.array([[-length_m, lo, 2 * length_m, lo], [-length_m, hi, 2 * length_m, hi]])
    cell = 0.5
    nx, ny = math.ceil(3 * length_m / cell), math.ceil((hi - lo) / cell) + 2
    field = DirectionRaster(np.ones((ny, nx)), np.zeros((ny, nx)), -length_m, lo - cell, cell)
    stepper = PedestrianStepper(walls, field, model=model)
    ones = np.ones(3 * n)
    peds = Pedestrians.create(
        np.r_[x, x - length_m, x + length_m],
        np.r_[y, y, y],
        radius_m=r * ones,
        v0_m_s=v0_m_s * ones,
        tau_s=AGENT[model]["tau_s"] * ones,
        reaction_s=np.r_[np.zeros(n), np.full(2 * n, np.inf)],
        state=np.r_[np.full(n, WALKING), np.full(2 * n, WAITING)].astype(np.int8),
    )
    speeds, box_v, box_n, t = [], [[] for _ in boxes], [[] for _ in boxes], 0.0
    n_steps = math.ceil((t_transient_s + t_measure_s) / DT - 1e-9)
    real = slice(0, n)
    for step in range(n_steps):
        x0, y0 = peds.x_m[real].copy(), peds.y_m[real].copy()
        t = stepper.advance(peds, t, DT)
        hit = moves_touching_walls(x0, y0, peds.x_m[real], peds.y_m[real], walls)
        assert not hit.any(), f"{hit.sum()} moves touch a wall at t = {t:.2f} s"
        peds.x_m[real] -= np.floor(peds.x_m[real] / length_m) * length_m
        for k, shift in ((1, -length_m), (2, length_m)):  # the frozen copies beyond both ends
            ghost = slice(k * n, (k + 1) * n)
            peds.x_m[ghost], peds.y_m[ghost] = peds.x_m[real] + shift, peds.y_m[real]
            peds.vx_m_s[ghost], peds.vy_m_s[ghost] = peds.vx_m_s[real], peds.vy_m_s[real]
        if step * DT < t_transient_s:
            continue
        vx = peds.vx_m_s[real]
        speeds.append(float(vx.mean()))
        for b, (bx0, by0, bx1, by1) in enumerate(boxes):
            inside = (
                (peds.x_m[real] >= bx0)
                & (peds.x_m[real] < bx1)
                & (peds.y_m[real] >= by0)
                & (peds.y_m[real] < by1)
            )
            box_n[b].append(inside.sum())
            if inside.any():
                box_v[b].append(float(vx[inside].mean()))
    area = length_m * (width_m or 1.0)
    box_area = [(b[2] - b[0]) * ((b[3] - b[1]) if width_m else 1.0) for b in boxes]
    return CorridorRun(
        n / area,
        float(np.mean(speeds)),
        [float(np.mean(v)) if v else math.nan for v in box_v],
        [float(np.mean(c)) / a for c, a in zip(box_n, box_area, strict=True)],
    )
