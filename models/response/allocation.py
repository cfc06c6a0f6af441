"""Relief supplies from reserve depots at five administrative levels to displaced people.

**Demand** (:func:`relief_demand`): displaced people at each demand point times per-person needs
(:data:`RELIEF_ITEMS`), over the days to be covered. The standards used, checked against the
Sphere Handbook (2011 edition) and the WFP/UNHCR guidelines:

* water: **15 l per person per day** for drinking, cooking and hygiene (Sphere, water supply
  standard 1, key indicator; of which 2.5–3 l survival intake, Sphere table of basic survival
  water needs, total 7.5–15 l);
* food: **2,100 kcal per person per day** (Sphere, food transfers standard 1; WFP/UNHCR 1997
  planning figure), counted here as one daily ration per person per day;
* shelter: **3.5 m² covered floor area per person** (Sphere, shelter and settlement standard 3,
  key indicator), as tents of ``tent_area_m2`` (default 16 m², an assumption for a family tent);
* bedding: one quilt per person (an assumption in the spirit of Sphere's non-food item
  guidance, which asks for enough bedding for separate sleeping arrangements; no number checked);
* medical kits: one per 1,000 people (an assumption after the basic unit of the WHO
  Interagency Emergency Health Kit [recalled, not checked]).

Unit masses are assumptions for the truck loads only.

**Supply**: depots at the levels :data:`LEVELS` (central, provincial, municipal, county,
township) hold stocks per item and release them after ``release_s`` (how long a level takes to
authorise and load), with a fleet of vehicles.

**Allocation** (:func:`allocate`): per item, the min-cost transportation problem::

    minimise    sum_ij c_ij x_ij + P sum_j u_j
    subject to  sum_j x_ij <= stock_i,   sum_i x_ij + u_j = demand_j,   x, u >= 0

with ``c_ij`` = release time of depot ``i`` + travel time to point ``j`` over the current network
(time until the goods could be there) and ``u_j`` the unmet demand at a penalty ``P``. With
``P`` larger than any augmenting path can cost (``(n_depots + 1) × max c``, the default) the
solution delivers the most that stocks and roads allow, and among such deliveries the quickest
in total unit-seconds. Items share no constraint, so each is solved on its own.
Unreachable pairs (``inf``) have no arc.

The default solver (``solver="network"``, chosen by ``"auto"`` whenever OR-tools imports) is
an exact **min-cost flow** (Ahuja, Magnanti & Orlin 1993, ch. 9-10): per item one balanced
network with an "unmet" source holding the whole demand at the penalty per unit and a sink for
the stock left over, solved by OR-tools' ``SimpleMinCostFlow`` (cost-scaling push-relabel,
Goldberg 1997). It needs integers: costs are rounded to whole ``cost_resolution_s`` (1 s by
default; the optimum of the unrounded costs is then at most ``cost_resolution_s`` × units
shipped cheaper) and quantities are counted in whole ``quantity_unit`` (whole units when all
stocks and demands are whole, which :func:`relief_demand` makes them for one-day needs;
otherwise thousandths: stocks rounded down, demands up, and a point served more than its
demand, by less than one unit, gets its flow trimmed to the demand). With integer data the
transportation problem has an integral optimum, so this is the LP's optimum, not an
approximation.

Large problems (more than :data:`NETWORK_FULL_ARCS` pairs) start from each point's
:data:`NETWORK_CANDIDATES` cheapest depots (plus, with ``depot_group``, the cheapest of each
level) and **price** the rest: the depot duals ``λ_i`` of the restricted optimum are the
shortest-path distances of its residual graph, which reduce to a dense graph over the depots
(:func:`_depot_potentials`); a left-out pair ``(i, j)`` has a negative reduced cost iff
``c_ij + λ_i < π_j = min(P, min over the point's arcs of c_kj + λ_k)``, checked exactly in
integers for all pairs at once, and when none has, the restricted optimum is the full one.
Each point gains its ``add_per_round`` most improving pairs a round until none is left; the
other items start from the arcs the first one needed (and may run on ``workers`` threads).
After ``max_rounds`` the full problem is solved.

``solver="highs"`` keeps the LP route (scipy's HiGHS dual simplex) with column generation by
the LP duals, one pair per point and round; it is slow at 10 000 points (minutes when stocks
are short). With either solver ``price=False`` keeps the starting pairs only, a restriction
that the caller chooses knowingly.

**Delivery** (:func:`delivery_schedule`): each depot–point flow of all items is loaded on
vehicles of ``vehicle_capacity_kg`` in ``ceil(mass / capacity)`` direct trips (no multi-stop
routes); each depot's vehicles take trips nearest point first, a trip leaving when a vehicle is
back (round trip ``2 × travel + handling``), from the depot's release time on. This one-shot
schedule starts every vehicle free; a fleet carried from one decision epoch to the next uses
:func:`split_loads` (a shipment cut into vehicle loads, items in their order) and
:func:`dispatch_loads` (loads onto persistent vehicles, each with the time it is free again).

Examples
--------
>>> cost = np.array([[100.0, 400.0], [300.0, 200.0]])
>>> res = allocate(cost, stock=[[5.0], [5.0]], demand=[[4.0], [8.0]])
>>> res.flow_matrix(0).tolist(), res.unmet.ravel().tolist()
([[4.0, 1.0], [0.0, 5.0]], [0.0, 2.0])
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

__all__ = [
    "DEFAULT_ITEMS",
    "LEVELS",
    "RELIEF_ITEMS",
    "AllocationResult",
    "DeliverySchedule",
    "ReliefItem",
    "allocate",
    "delivery_schedule",
    "dispatch_loads",
    "relief_demand",
    "schedule_trips",
    "split_loads",
]

LEVELS: tuple[str, ...] = ("central", "provincial", "municipal", "county", "township")
"""The five levels of relief reserves, top down."""


@dataclass(frozen=True)
class ReliefItem:
    """One relief item: unit, mass, and the need per person (per day and/or once)."""

    name: str
    unit: str
    unit_mass_kg: float
    per_person_per_day: float = 0.0
    per_person_once: float = 0.0
    round_up: bool = False
    source: str = ""


SPHERE_COVERED_AREA_M2 = 3.5
TENT_AREA_M2 = 16.0

RELIEF_ITEMS: dict[str, ReliefItem] = {
    "tent": ReliefItem(
        "tent",
        "tent",
        30.0,
        per_person_once=SPHERE_COVERED_AREA_M2 / TENT_AREA_M2,
        round_up=True,
        source="Sphere 2011 shelter standard 3: 3.5 m2 per person; 16 m2 tent assumed",
    ),
    "water": ReliefItem(
        "water", "l", 1.0, per_person_per_day=15.0, source="Sphere 2011 water supply standard 1: 15 l/p/d"
    ),
    "food": ReliefItem(
        "food",
        "ration (2100 kcal)",
        0.6,
        per_person_per_day=1.0,
        source="Sphere 2011 food transfers standard 1: 2100 kcal/p/d; 0.6 kg per ration assumed",
    ),
    "quilt": ReliefItem("quilt", "quilt", 2.0, per_person_once=1.0, round_up=True, source="assumption"),
    "medical_kit": ReliefItem(
        "medical_kit",
        "kit",
        40.0,
        per_person_once=1.0 / 1000.0,
        round_up=True,
        source="assumption after the WHO IEHK basic unit (1000 people) [recalled]",
    ),
}
DEFAULT_ITEMS: tuple[str, ...] = tuple(RELIEF_ITEMS)

NETWORK_CANDIDATES = 8
"""Starting depots per point of the network solver on large problems (pricing adds the rest)."""
NETWORK_FULL_ARCS = 200_000
"""Above this many depot-point pairs the network solver starts from candidates and prices."""


def relief_demand(people, days: float = 1.0, items=DEFAULT_ITEMS) -> np.ndarray:
    """Needs of each demand point, ``(n_points, n_items)`` in each item's unit.

    ``people * (per_person_per_day * days + per_person_once)``, rounded up to whole units for
    countable items.

    Examples
    --------
    >>> relief_demand([100, 7], days=2).tolist()
    [[22.0, 3000.0, 200.0, 100.0, 1.0], [2.0, 210.0, 14.0, 7.0, 1.0]]
    """
    p = np.atleast_1d(np.asarray(people, dtype=np.float64))
    if np.any(p < 0):
        raise ValueError("people must be >= 0")
    cols = []
    for name in items:
        it = RELIEF_ITEMS[name] if isinstance(name, str) else name
        q = p * (it.per_person_per_day * days + it.per_person_once)
        cols.append(np.ceil(q - 1e-9) if it.round_up else q)
    return np.column_stack(cols)


@dataclass(frozen=True)
class AllocationResult:
    """A solved allocation: sparse flows, unmet demand, and solver facts.

    Attributes
    ----------
    depot, point, item, quantity
        One entry per positive flow.
    unmet
        ``(n_points, n_items)`` demand left unserved.
    cost
        Total of ``c_ij × quantity`` over the flows (unit-seconds), without penalties.
    n_depots, n_points, n_items
        Problem size.
    n_arcs, n_rounds
        Variables in the last LP of each item (summed) and pricing rounds (max over items).
    """

    depot: np.ndarray
    point: np.ndarray
    item: np.ndarray
    quantity: np.ndarray
    unmet: np.ndarray
    cost: float
    n_depots: int
    n_points: int
    n_items: int
    n_arcs: int
    n_rounds: int

    def flow_matrix(self, item: int) -> np.ndarray:
        """Dense ``(n_depots, n_points)`` flows of one item (for small problems and tests)."""
        out = np.zeros((self.n_depots, self.n_points))
        m = self.item == item
        np.add.at(out, (self.depot[m], self.point[m]), self.quantity[m])
        return out

    def shipped(self) -> np.ndarray:
        """``(n_depots, n_items)`` quantities leaving each depot."""
        out = np.zeros((self.n_depots, self.n_items))
        np.add.at(out, (self.depot, self.item), self.quantity)
        return out

    def delivered(self) -> np.ndarray:
        """``(n_points, n_items)`` quantities reaching each point."""
        out = np.zeros((self.n_points, self.n_items))
        np.add.at(out, (self.point, self.item), self.quantity)
        return out


def _solve_item(c_arc, di, pj, stock, demand, penalty, scale):
    """One transportation LP on the given arcs (``<=`` form), HiGHS. Returns flows and the duals.

    Costs are divided by ``scale`` (the largest cost) so the LP sees numbers of order one; the
    duals are returned in the original units. HiGHS's dual simplex: on these problems (few
    depots, many points) it was 10-20x faster than the interior-point method here.
    """
    n_d, n_p = stock.size, demand.size
    na = c_arc.size
    rows = np.concatenate([di, n_d + pj])
    cols = np.concatenate([np.arange(na), np.arange(na)])
    a = sp.csr_array((np.ones(2 * na), (rows, cols)), shape=(n_d + n_p, na))
    res = linprog(
        (c_arc - penalty) / scale,
        A_ub=a,
        b_ub=np.concatenate([stock, demand]),
        bounds=(0, None),
        method="highs-ds",
    )
    if res.status != 0:
        raise RuntimeError(f"allocation LP failed: {res.message}")
    duals = res.ineqlin.marginals * scale
    return np.maximum(res.x, 0.0), duals[:n_d], duals[n_d:]


def _solve_flow(cost_int, di, pj, stock_int, demand_int, penalty_int):
    """One item's restricted problem as a balanced min-cost flow (OR-tools, integer data).

    Nodes: depots, points, an "unmet" source ``U`` holding the whole demand and a sink ``T``
    taking what is not shipped. Arcs: depot -> point (cost ``c_ij``, capacity ``d_j``),
    ``U`` -> point (cost = penalty, capacity ``d_j``), depot -> ``T`` and ``U`` -> ``T`` (cost 0).
    Every point's demand is then met by depots or by ``U``, which is the LP above exactly.
    Returns the depot-point flows and the unmet quantity per point.
    """
    from ortools.graph.python import min_cost_flow

    n_d, n_p = stock_int.size, demand_int.size
    na = di.size
    u, t = n_d + n_p, n_d + n_p + 1
    total = int(demand_int.sum())
    tail = np.concatenate([di, np.full(n_p, u), np.arange(n_d), [u]])
    head = np.concatenate([n_d + pj, n_d + np.arange(n_p), np.full(n_d, t), [t]])
    cap = np.concatenate([demand_int[pj], demand_int, stock_int, [total]])
    unit = np.concatenate([cost_int[di, pj], np.full(n_p, penalty_int), np.zeros(n_d + 1)])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        tail.astype(np.int64), head.astype(np.int64), cap.astype(np.int64), unit.astype(np.int64)
    )
    supply = np.concatenate([stock_int, -demand_int, [total, -int(stock_int.sum())]])
    mcf.set_nodes_supplies(np.arange(n_d + n_p + 2), supply.astype(np.int64))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"allocation min-cost flow failed: {status}")
    f = np.asarray(mcf.flows(np.arange(na + n_p)), dtype=np.int64)
    return f[:na], f[na:]


@numba.njit(cache=True, nogil=True)
def _depot_potentials(cost_int, active, ui, uj, leftover, penalty_int):  # pragma: no cover
    """Depot duals ``λ`` of a solved restricted problem: shortest paths in its residual graph.

    The residual graph of the optimal flow holds no negative cycle, and the distances from the
    super-source are optimal node potentials (Ahuja, Magnanti & Orlin 1993, §9.3). Only the
    depots need them: a path enters depot ``i`` backwards over a used arc ``(i, j)`` from point
    ``j``, which is reached forward from another depot ``k`` over an active arc (``c_kj - c_ij``)
    or from the unmet source (``P - c_ij``); a depot with stock left is at 0. So ``λ`` is the
    shortest-path solution of a dense ``n_depots``-node graph (Bellman-Ford). A depot that ships
    nothing and has nothing left (no stock) is unreachable: ``λ = inf``.
    """
    n_d = cost_int.shape[0]
    w = np.full((n_d, n_d), np.inf)
    lam = np.full(n_d, np.inf)
    for e in range(ui.size):
        i = ui[e]
        j = uj[e]
        cij = cost_int[i, j]
        if penalty_int - cij < lam[i]:
            lam[i] = penalty_int - cij
        for k in range(n_d):
            if active[k, j]:
                v = cost_int[k, j] - cij
                if v < w[k, i]:
                    w[k, i] = v
    for i in range(n_d):
        if leftover[i] and lam[i] > 0.0:
            lam[i] = 0.0
    for _ in range(n_d + 1):
        changed = False
        for k in range(n_d):
            if lam[k] == np.inf:
                continue
            for i in range(n_d):
                v = lam[k] + w[k, i]
                if v < lam[i]:
                    lam[i] = v
                    changed = True
        if not changed:
            break
    return lam


_INT_LIMIT = 2.0**62  # int64 headroom for OR-tools' cost scaling and the total cost


def _units(v, q, up):
    """``v`` in whole ``q``, rounded up (demands) or down (stocks).

    Within 1e-6 of a whole number it is that number (float noise from earlier arithmetic).
    """
    r = v / q
    n = np.round(r)
    return np.where(np.abs(r - n) <= 1e-6, n, np.ceil(r) if up else np.floor(r)).astype(np.int64)


def _integer_data(c, s, d, penalty, cost_resolution_s, quantity_unit):
    """Costs in whole ``cost_resolution_s``; stocks (down) and demands (up) in whole ``quantity_unit``.

    The resolution is coarsened ×10 until the largest cost times the node count and times the
    total demand fit (OR-tools' cost scaling multiplies costs by the node count).
    """
    if quantity_unit is None:
        whole = all(np.all(np.abs(v - np.round(v)) <= 1e-6) for v in (s, d))
        quantity_unit = 1.0 if whole else 1e-3
    q = float(quantity_unit)
    s_int = _units(s, q, up=False)
    d_int = _units(d, q, up=True)
    bound = max(c.shape[0] + c.shape[1] + 3, float(d_int.sum(axis=0).max(initial=0)), 1.0)
    res = float(cost_resolution_s)
    while penalty / res * bound > _INT_LIMIT or penalty / res > 2.0**50:  # pricing sums stay exact in float64
        res *= 10.0
    c_int = np.where(np.isfinite(c), np.round(c / res), np.inf)
    return c_int, s_int, d_int, float(np.round(penalty / res)), q


def _price_item(c_int, finite, active, si, dj, p_int, *, price, max_rounds, add_per_round):
    """One item: restricted min-cost flow, exact pricing, repeat. Returns the arcs, flows, rounds."""
    n_d, n_p = c_int.shape
    cols = np.arange(n_p)
    for rnd in range(1, max_rounds + 2):
        if rnd == max_rounds + 1:  # pricing did not settle: solve the whole problem once
            active = finite.copy()
        di, pj = np.nonzero(active)
        x, _ = _solve_flow(c_int, di, pj, si, dj, p_int)
        if not price or rnd == max_rounds + 1:
            break
        used = x > 0
        shipped = np.bincount(di[used], weights=x[used], minlength=n_d)
        lam = _depot_potentials(c_int, active, di[used], pj[used], shipped < si, p_int)
        reduced = c_int + lam[:, None]
        pi = np.minimum(p_int, np.where(active, reduced, np.inf).min(axis=0))
        viol = reduced < pi[None, :]
        if not viol.any():
            break
        score = np.where(viol, reduced, np.inf)
        k = min(add_per_round, n_d)
        best = np.argpartition(score, k - 1, axis=0)[:k] if k < n_d else np.argsort(score, axis=0)
        rows = np.broadcast_to(cols[None, :], best.shape)
        ok = np.isfinite(score[best, rows])
        active[best[ok], rows[ok]] = True
    return di, pj, x, rnd, active


def _allocate_network(
    c,
    finite,
    start,
    s,
    d,
    penalty,
    *,
    price,
    max_rounds,
    add_per_round,
    cost_resolution_s,
    quantity_unit,
    workers,
):
    """Exact allocation by min-cost flow with column generation on few candidate arcs per point.

    The first item starts from ``start``; the others from the arcs the first one needed (items
    share the costs), each on its own, so they may run on ``workers`` threads with the same
    result (OR-tools and the numba kernel release the GIL).
    """
    c_int, s_int, d_int, p_int, q = _integer_data(c, s, d, penalty, cost_resolution_s, quantity_unit)
    n_i = s.shape[1]
    kw = dict(price=price, max_rounds=max_rounds, add_per_round=add_per_round)
    if n_i == 0:
        return [], 0, 0
    first = _price_item(c_int, finite, start.copy(), s_int[:, 0], d_int[:, 0], p_int, **kw)
    warm = first[4]

    def solve(item):
        return _price_item(c_int, finite, warm.copy(), s_int[:, item], d_int[:, item], p_int, **kw)

    if workers > 1 and n_i > 2:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            rest = list(pool.map(solve, range(1, n_i)))
    else:
        rest = [solve(item) for item in range(1, n_i)]
    flows = []
    for item, (di, pj, x, _, _) in enumerate([first, *rest]):
        pos = x > 0
        di, pj, qty = di[pos], pj[pos], x[pos] * q
        # a demand rounded up may be over-served by less than one unit q: take that off one of
        # the point's flows (each is at least q), so that no point gets more than it needs
        excess = np.bincount(pj, weights=qty, minlength=d.shape[0]) - d[:, item]
        first_flow = np.unique(pj, return_index=True)[1]
        over = first_flow[excess[pj[first_flow]] > 0]
        qty[over] -= excess[pj[over]]
        flows.append((di, pj, qty))
    n_arcs = sum(int(r[0].size) for r in [first, *rest])
    n_rounds = max(r[3] for r in [first, *rest])
    return flows, n_arcs, n_rounds


def _have_ortools() -> bool:
    try:
        import ortools.graph.python.min_cost_flow  # noqa: F401
    except ImportError:  # pragma: no cover - ortools is a dependency; the LP stays as a fallback
        return False
    return True


def allocate(
    cost_s,
    stock,
    demand,
    *,
    candidates_per_point: int | None = None,
    price: bool = True,
    depot_group=None,
    penalty_s: float | None = None,
    max_rounds: int = 50,
    tol: float = 1e-7,
    solver: str = "auto",
    cost_resolution_s: float = 1.0,
    quantity_unit: float | None = None,
    add_per_round: int = 3,
    workers: int = 1,
) -> AllocationResult:
    """Min-cost allocation of every item from depots to demand points, with unmet-demand slack.

    Parameters
    ----------
    cost_s
        ``(n_depots, n_points)`` cost per unit (release + travel seconds); ``inf``: no route.
    stock
        ``(n_depots, n_items)`` available quantities.
    demand
        ``(n_points, n_items)`` needs.
    candidates_per_point
        Start each point with its cheapest depots only and add others by pricing (exact);
        ``None``: all reachable pairs from the start (the network solver starts large problems
        from :data:`NETWORK_CANDIDATES` per point by itself, still exact).
    depot_group
        Optional group of each depot (its level): every point also starts with its cheapest
        depot of each group, so far but large reserves are in reach from the first solve.
    price
        With ``False`` only the starting pairs are used: each point is served from its
        ``candidates_per_point`` cheapest depots at most, a restriction, not the full optimum.
    penalty_s
        Cost of one unit unmet (default ``(n_depots + 1) × max finite cost + 1``).
    max_rounds
        Limit on pricing rounds per item (the network solver then solves the full problem once;
        the LP raises).
    tol
        Reduced-cost tolerance of the LP's pricing and its flow threshold.
    solver
        ``"network"``: exact min-cost flow (OR-tools, integer data, see the module notes);
        ``"highs"``: the LP with scipy's HiGHS; ``"auto"``: network when OR-tools imports.
    cost_resolution_s
        Network solver: costs are rounded to whole multiples of this (coarsened ×10 if the
        int64 range asks for it).
    quantity_unit
        Network solver: stocks and demands are counted in whole multiples of this (stocks
        rounded down, demands up, then trimmed back); default 1 when all quantities are whole,
        else 0.001.
    add_per_round
        Network solver: arcs added per point and pricing round (its most improving ones).
    workers
        Network solver: threads for the items after the first (the result does not depend on it).

    Returns
    -------
    AllocationResult
    """
    c = np.atleast_2d(np.asarray(cost_s, dtype=np.float64))
    s = np.atleast_2d(np.asarray(stock, dtype=np.float64))
    d = np.atleast_2d(np.asarray(demand, dtype=np.float64))
    n_d, n_p = c.shape
    if s.shape[0] != n_d or d.shape[0] != n_p or s.shape[1] != d.shape[1]:
        raise ValueError(f"shapes disagree: cost {c.shape}, stock {s.shape}, demand {d.shape}")
    if np.any(s < 0) or np.any(d < 0) or np.any(c < 0):
        raise ValueError("costs, stocks and demands must be >= 0")
    if solver not in ("auto", "network", "highs"):
        raise ValueError(f"solver must be 'auto', 'network' or 'highs', not {solver!r}")
    network = solver == "network" or (solver == "auto" and _have_ortools())
    n_i = s.shape[1]
    finite = np.isfinite(c)
    cmax = float(c[finite].max()) if finite.any() else 0.0
    penalty = (n_d + 1) * cmax + 1.0 if penalty_s is None else float(penalty_s)
    if penalty <= cmax:
        raise ValueError(f"penalty_s ({penalty}) must exceed the largest cost ({cmax})")
    scale = max(cmax, 1.0)

    if network and candidates_per_point is None and price and n_d * n_p > NETWORK_FULL_ARCS:
        candidates_per_point = NETWORK_CANDIDATES
    # Starting arcs: all reachable pairs, or each point's cheapest candidates.
    if candidates_per_point is None or candidates_per_point >= n_d:
        start = finite.copy()
    else:
        k = max(int(candidates_per_point), 1)
        cand = np.argpartition(np.where(finite, c, np.inf), k - 1, axis=0)[:k]
        start = np.zeros_like(finite)
        start[cand, np.arange(n_p)[None, :]] = True
        start &= finite
    if depot_group is not None and candidates_per_point is not None:
        group = np.asarray(depot_group)
        if group.shape != (n_d,):
            raise ValueError(f"depot_group needs {n_d} values")
        masked = np.where(finite, c, np.inf)
        for g in np.unique(group):
            idx = np.flatnonzero(group == g)
            best = idx[np.argmin(masked[idx], axis=0)]
            start[best, np.arange(n_p)] |= finite[best, np.arange(n_p)]

    if network:
        flows, n_arcs, n_rounds = _allocate_network(
            c,
            finite,
            start,
            s,
            d,
            penalty,
            price=price,
            max_rounds=max_rounds,
            add_per_round=max(int(add_per_round), 1),
            cost_resolution_s=cost_resolution_s,
            quantity_unit=quantity_unit,
            workers=max(int(workers), 1),
        )
    else:
        flows, n_arcs, n_rounds = _allocate_lp(
            c, finite, start, s, d, penalty, scale, price=price, max_rounds=max_rounds, tol=tol
        )
    unmet = d.copy()
    total_cost = 0.0
    for item, (di, pj, x) in enumerate(flows):
        got = np.zeros(n_p)
        np.add.at(got, pj, x)
        unmet[:, item] = np.maximum(d[:, item] - got, 0.0)
        total_cost += float(np.sum(c[di, pj] * x))
    cat = lambda k, dt: np.concatenate([f[k] for f in flows]).astype(dt) if flows else np.empty(0, dt)  # noqa: E731
    return AllocationResult(
        depot=cat(0, np.int64),
        point=cat(1, np.int64),
        item=np.concatenate([np.full(f[0].size, i, dtype=np.int64) for i, f in enumerate(flows)])
        if flows
        else np.empty(0, np.int64),
        quantity=cat(2, np.float64),
        unmet=unmet,
        cost=total_cost,
        n_depots=n_d,
        n_points=n_p,
        n_items=n_i,
        n_arcs=n_arcs,
        n_rounds=n_rounds,
    )


def _allocate_lp(c, finite, start, s, d, penalty, scale, *, price, max_rounds, tol):
    """The LP route: HiGHS per item, with column generation by the LP duals."""
    n_p = c.shape[1]
    flows = []
    n_arcs = 0
    n_rounds = 0
    for item in range(s.shape[1]):
        active = start.copy()
        for rnd in range(1, max_rounds + 1):
            di, pj = np.nonzero(active)
            if di.size == 0:
                x = np.zeros(0)
                break
            x, y, z = _solve_item(c[di, pj], di, pj, s[:, item], d[:, item], penalty, scale)
            n_rounds = max(n_rounds, rnd)
            if not price:
                break
            reduced = np.where(finite & ~active, (c - penalty) - y[:, None] - z[None, :], np.inf)
            # add each point's most negative left-out pair (classic pricing: few columns per round)
            best = np.argmin(reduced, axis=0)
            gain = reduced[best, np.arange(n_p)]
            add = gain < -tol * penalty
            if not add.any():
                break
            active[best[add], np.flatnonzero(add)] = True
        else:
            raise RuntimeError(f"pricing did not converge in {max_rounds} rounds for item {item}")
        n_arcs += int(di.size)
        pos = x > tol
        flows.append((di[pos], pj[pos], x[pos]))
    return flows, n_arcs, n_rounds


@numba.njit(cache=True)
def schedule_trips(trip_depot, trip_out_s, trip_round_s, depot_release_s, depot_vehicles):  # pragma: no cover
    """List-schedule trips on each depot's vehicles in the given order; returns arrival times.

    A trip leaves when the depot's earliest-free vehicle is free (not before the depot's
    release), arrives ``trip_out_s`` later and frees the vehicle ``trip_round_s`` after leaving.
    A depot without vehicles delivers nothing (``inf``).
    """
    n_dep = depot_release_s.size
    offset = np.zeros(n_dep + 1, dtype=np.int64)
    for d in range(n_dep):
        offset[d + 1] = offset[d] + depot_vehicles[d]
    free = np.empty(offset[n_dep])
    for d in range(n_dep):
        for v in range(offset[d], offset[d + 1]):
            free[v] = depot_release_s[d]
    arrive = np.empty(trip_depot.size)
    for t in range(trip_depot.size):
        d = trip_depot[t]
        if offset[d + 1] == offset[d]:
            arrive[t] = np.inf
            continue
        best = offset[d]
        for v in range(offset[d] + 1, offset[d + 1]):
            if free[v] < free[best]:
                best = v
        leave = free[best]
        arrive[t] = leave + trip_out_s[t]
        free[best] = leave + trip_round_s[t]
    return arrive


@dataclass(frozen=True)
class DeliverySchedule:
    """Trips per depot–point shipment and when each point's supplies are all there.

    Attributes
    ----------
    depot, point
        One entry per shipment (a depot–point pair with any positive flow).
    mass_kg, trips
        Load of the shipment and the vehicle trips it takes.
    last_arrival_s
        When its last load arrives.
    point_complete_s
        ``(n_points,)`` when everything allocated to a point has arrived (``now`` if nothing was
        needed, ``inf`` if demand stays unmet).
    vehicle_hours
        Total vehicle time used, hours.
    """

    depot: np.ndarray
    point: np.ndarray
    mass_kg: np.ndarray
    trips: np.ndarray
    last_arrival_s: np.ndarray
    point_complete_s: np.ndarray
    vehicle_hours: float


def delivery_schedule(
    result: AllocationResult,
    travel_s,
    *,
    unit_mass_kg,
    vehicle_capacity_kg: float,
    vehicles_per_depot,
    release_s=0.0,
    now_s: float = 0.0,
    handling_s: float = 0.0,
    return_travel_s=None,
    unmet_tol: float = 1e-6,
) -> DeliverySchedule:
    """Vehicle trips for an allocation and when each demand point is fully supplied.

    Parameters
    ----------
    result
        The allocation.
    travel_s
        ``(n_depots, n_points)`` one-way driving times (without the release time).
    unit_mass_kg
        Mass per unit of each item (``n_items``).
    vehicle_capacity_kg
        Payload of one vehicle.
    vehicles_per_depot
        Vehicles at each depot (scalar or ``n_depots``).
    release_s
        Release delay of each depot, counted from ``now_s``.
    handling_s
        Loading plus unloading time per trip.
    return_travel_s
        ``(n_points, n_depots)`` times back, default the same as out.
    """
    if vehicle_capacity_kg <= 0:
        raise ValueError("vehicle_capacity_kg must be > 0")
    t = np.asarray(travel_s, dtype=np.float64)
    back = t.T if return_travel_s is None else np.asarray(return_travel_s, dtype=np.float64)
    mass_unit = np.asarray(unit_mass_kg, dtype=np.float64)
    n_d, n_p = result.n_depots, result.n_points
    key = result.depot * n_p + result.point
    uniq, inv = np.unique(key, return_inverse=True)
    mass = np.zeros(uniq.size)
    np.add.at(mass, inv, result.quantity * mass_unit[result.item])
    dep, pt = uniq // n_p, uniq % n_p
    trips = np.ceil(mass / vehicle_capacity_kg - 1e-12).astype(np.int64)
    out_s = t[dep, pt] + handling_s
    round_s = t[dep, pt] + back[pt, dep] + handling_s
    # One row per trip, each depot's nearest shipments first.
    trip_ship = np.repeat(np.arange(uniq.size), trips)
    order = np.lexsort((trip_ship, out_s[trip_ship], dep[trip_ship]))
    trip_ship = trip_ship[order]
    vehicles = np.broadcast_to(np.asarray(vehicles_per_depot, dtype=np.int64), (n_d,)).copy()
    release = now_s + np.broadcast_to(np.asarray(release_s, dtype=np.float64), (n_d,))
    arrive = schedule_trips(dep[trip_ship], out_s[trip_ship], round_s[trip_ship], release, vehicles)
    last = np.full(uniq.size, -np.inf)
    np.maximum.at(last, trip_ship, arrive)
    complete = np.full(n_p, float(now_s))
    np.maximum.at(complete, pt, last)
    complete[np.any(result.unmet > unmet_tol, axis=1)] = np.inf
    return DeliverySchedule(
        depot=dep,
        point=pt,
        mass_kg=mass,
        trips=trips,
        last_arrival_s=last,
        point_complete_s=complete,
        vehicle_hours=float(np.sum(trips * round_s) / 3600.0),
    )


def split_loads(mass_kg, capacity_kg) -> tuple[np.ndarray, np.ndarray]:
    """Cut shipments into vehicle loads: ``(shipment of each load, kg of each item on it)``.

    Shipment ``s`` of ``mass_kg[s].sum()`` kg takes ``ceil(total / capacity)`` loads, filled in
    item order: load ``j`` carries the part of the items' stacked masses between ``j × capacity``
    and ``(j + 1) × capacity`` (the last load is the remainder), so an item may ride on two loads.

    Parameters
    ----------
    mass_kg
        ``(n_shipments, n_items)`` mass of each item per shipment.
    capacity_kg
        Payload of one vehicle, scalar or one per shipment.

    Examples
    --------
    >>> ship, kg = split_loads([[1000.0, 500.0]], 600.0)
    >>> ship.tolist(), kg.tolist()
    ([0, 0, 0], [[600.0, 0.0], [400.0, 200.0], [0.0, 300.0]])
    """
    m = np.atleast_2d(np.asarray(mass_kg, dtype=np.float64))
    cap = np.broadcast_to(np.asarray(capacity_kg, dtype=np.float64), (m.shape[0],))
    if np.any(cap <= 0):
        raise ValueError("capacity_kg must be > 0")
    total = m.sum(axis=1)
    n = np.ceil(total / cap - 1e-9).astype(np.int64)
    ship = np.repeat(np.arange(m.shape[0]), n)
    j = np.arange(ship.size) - np.repeat(np.cumsum(n) - n, n)  # load number within its shipment
    lo = j * cap[ship]
    hi = np.minimum(lo + cap[ship], total[ship])
    cum = np.cumsum(m, axis=1)[ship]
    start = cum - m[ship]
    kg = np.clip(np.minimum(hi[:, None], cum) - np.maximum(lo[:, None], start), 0.0, None)
    return ship, kg


@numba.njit(cache=True)
def dispatch_loads(
    load_depot, load_ready_s, load_drive_s, vehicle_offset, vehicle_free_s, load_s, unload_s, now_s, until_s
):  # pragma: no cover
    """Put loads on persistent vehicles, in the given order; returns ``(vehicle, depart_s, arrive_s)``.

    Each load takes the earliest-free vehicle of its depot (depot ``d`` owns vehicles
    ``vehicle_offset[d]`` to ``vehicle_offset[d + 1] - 1``; ties: the lowest number). Loading
    starts at ``max(vehicle free, load ready, now_s)``; the vehicle departs ``load_s`` later,
    arrives after ``load_drive_s``, unloads for ``unload_s`` and drives back the same time, and
    is free again then (``vehicle_free_s`` is updated in place). A load is taken only if its
    loading can start before ``until_s`` (the end of the decision epoch) and its point can be
    reached (finite drive); otherwise it gets vehicle ``-1`` and waits for a later epoch.
    """
    n = load_depot.size
    vehicle = np.full(n, -1, dtype=np.int64)
    depart = np.full(n, np.nan)
    arrive = np.full(n, np.nan)
    for k in range(n):
        d = load_depot[k]
        if vehicle_offset[d + 1] == vehicle_offset[d] or not np.isfinite(load_drive_s[k]):
            continue
        best = vehicle_offset[d]
        for v in range(vehicle_offset[d] + 1, vehicle_offset[d + 1]):
            if vehicle_free_s[v] < vehicle_free_s[best]:
                best = v
        start = max(vehicle_free_s[best], load_ready_s[k], now_s)
        if start >= until_s:
            continue
        vehicle[k] = best
        depart[k] = start + load_s
        arrive[k] = depart[k] + load_drive_s[k]
        vehicle_free_s[best] = arrive[k] + unload_s + load_drive_s[k]
    return vehicle, depart, arrive
