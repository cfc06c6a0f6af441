"""RiMEA verification tests of the crowd core, each with its published pass criterion.

Source of the test texts: the RiMEA guideline 3.0.0 (RiMEA e.V., "Richtlinie für
Mikroskopische Entfluchtungsanalysen", English part), annex 2, read in the English
transcription that JuPedSim keeps beside its RiMEA system tests
(``systemtest/rimea_tests/test_description/test_N.tex``, PedestrianDynamics/jupedsim), and the
German annex pages of tests 9 and 12 on rimea.de (read directly). Where the guideline gives no
number, the reading of JuPedSim's coded checks (``runtest_rimea_N.py``, RiMEA 3.0) is used and
named. Geometries follow JuPedSim's RiMEA 3.0 input files where the figure is not given in
words. Every run asserts, every step, that the five states add up to the population and that no
move touches a wall segment (``conftest.run``).

=====  =============================================  ===============================================
test   criterion (source)                             how it is checked here; result
=====  =============================================  ===============================================
1      2 m × 40 m corridor at 1.33 m/s: 26 s <= t <=  one walker from the west end out through the
       34 s (3.0 text: 40 cm body, 1 s, 5 % speed)    east end: both models pass (29.7 s, 30.2 s)
2, 3   speed kept on a stair up/down: time on the     stair 8 m in plan (10 m along a 6 m rise),
       stair = length / stair speed (JuPedSim coded   plan speed 0.5 up / 0.7 down (v0 1 m/s times
       ±5 %; the 3.0 text asks for "the               the geometry's stair factors, applied by the
       corresponding time")                           runner): both models pass
4      fundamental diagram in a corridor              ``test_fundamental_diagram.py``
5      8 m × 5 m room, 1 m door, 10 persons,          times drawn by the core's
       pre-movement uniform 10–100 s: "each person    ``draw_group_parameters``; first movement in
       starts at an appropriate time"                 the step that reaches the time: both pass
6      20 persons round a left-turning corner of a    everybody out at the top, no move touches a
       2 m corridor without passing through walls     wall, every sampled position inside: both pass
7      50 adults, walking speeds by age consistent    the core's speed table equals the published
       with the table (Weidmann)                      ranges; assigned speeds in range and uniform
                                                      (KS, α = 0.05); walked free speeds equal the
                                                      assigned ones (1 %): both pass
9      30 m × 20 m room, four 1 m doors, 1000         JuPedSim's coded band 1.6 <= t₂/t₄ <= 2.4:
       people; closing doors 1 and 2 "approximately   ``slow`` full size, both models pass (1.96 and
       doubles" the time (rimea.de: documentation,    1.77); default: half scale, 250 people,
       not an exclusion criterion)                    collision-free model (2.01); the social force
                                                      model's half-scale ratio is 1.36 (its door flow
                                                      grows with the waiting crowd, as RiMEA's
                                                      footnote foresees), so it runs full size only
10     12 rooms on a corridor, 23 persons, rooms 1–4  ``assign_by_group``; the exit each person
       and 7–10 to the main exit: all go to their     crosses is its assigned one: csm passes; sfm
       allocated exits                                strict xfail (two walkers stand off abreast in
                                                      the 1 m corridor), sfm_view strict xfail (lone
                                                      walkers held by a door jamb): see the markers
12     room – 5 m × 1 m corridor – room with the      the final exit keeps up with the corridor
       final 1 m exit, 150 adults: congestion only    (flow >= corridor flow − 0.05/s), peak density
       in room 1, not in room 2 (documentation        >= 3 /m² before the corridor and <= 1 /m²
       only)                                          before the exit (JuPedSim's coded check,
                                                      J_corridor >= J_exit, cannot fail and is not
                                                      used): csm and sfm_view (60 adults) pass;
                                                      sfm strict xfail (its corridor delivers more
                                                      than its door passes); 150 adults (slow):
                                                      sfm_view strict xfail (2.16 vs 1.92 /s)
13     room – corridor – upward stair, 150 adults:    flow onto the stair below the door's, dense at
       congestion at the room exit, steady corridor   the door and the stair foot: both pass; the
       flow, a growing jam at the stair foot          number walking below half their free speed
                                                      grows: csm and sfm_view pass, sfm strict xfail
15     same crowd in a long straight, a short         one walker: short < corner < long (both pass);
       straight and a cornered corridor: "ideally"    the crowd: strict xfail, the corner is slowest
       the corner time lies between (documentation)   (routing, see the marker; the wall ramp of the
                                                      routing field and a waypoint at the turn were
                                                      tried: 46.0 s and 38.7 s against 28.6 s long)
16     single-file fundamental diagram                ``test_fundamental_diagram.py``
=====  =============================================  ===============================================

Default runs are the smallest that show the criterion (60-100 people where the text has 150);
the text's sizes are ``slow``. Measured values are from the runs when written. ``sfm`` is the
Helbing, Farkas & Vicsek (2000) model as published; ``sfm_view`` adds the anisotropic field of
view of Helbing & Molnár (1995) (:data:`models.crowds.kernels.SFM_FIELD_OF_VIEW`).

Not done here: test 8 (parameter study, no criterion), 11 and 14 (route choice, documentation
only). Stairs: the kernels take no stair field; ``conftest.run(stairs=floor)`` scales each
walker's desired speed by the geometry's stair factor every step, as the crowd process
(``models/crowds/evacuation.py``) does every 0.2 s. Test 13's stair speed 0.675
m/s over 1.3 m/s is JuPedSim's RiMEA 3.0 input; the 3.0 stair speed table itself was not read.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import shapely
from scipy import stats
from shapely.geometry import box

from models.crowds.agents import (
    EVACUATED,
    RIMEA_SPEED_GROUPS,
    GroupParameters,
    draw_group_parameters,
    jittered_grid,
)
from models.crowds.geometry import Exit, Stair, WalkableArea
from models.crowds.routing import assign_by_group
from tests.models.crowds.conftest import (
    AGENT,
    DT,
    MODELS,
    Floor,
    people,
    rect,
    run,
)
from tests.models.crowds.test_routing import rimea10_area


def exit_used(floor: Floor, peds) -> np.ndarray:
    """Index (in the area's exit order) of the exit segment nearest each final position."""
    points = shapely.points(peds.x_m, peds.y_m)
    d = np.stack([shapely.distance(e.line, points) for e in floor.area.exits], axis=1)
    return np.argmin(d, axis=1)


def flow_p_s(times: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> float:
    """Steady flow (persons/s) from sorted passage times, between the lo and hi fractions."""
    t = np.sort(times[np.isfinite(times)])
    k0, k1 = int(lo * (len(t) - 1)), int(hi * (len(t) - 1))
    return (k1 - k0) / (t[k1] - t[k0])


# --- 1: walking speed in a corridor ---------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_rimea_01_keeps_the_walking_speed_in_a_corridor(model):
    floor = Floor.of(rect(0, 0, 40, 2), [Exit("end", (40, 0), (40, 2))])
    p = people([0.5], [1.0], model, v0_m_s=1.33)
    r = run(p, floor.stepper(model), t_max_s=60)
    assert 26.0 <= r.last_out_s <= 34.0
    # Free walking: 39.5 m at v0; the social force model starts at rest and needs τ longer.
    assert r.last_out_s == pytest.approx(
        39.5 / 1.33 + (AGENT["sfm"]["tau_s"] if model == "sfm" else 0), abs=0.1
    )


# --- 2 and 3: walking speed on a stair --------------------------------------------------------


def stair_corridor(up_factor: float, down_factor: float, exit_east: bool) -> Floor:
    """1 m level, an 8 m stair (10 m along a 6 m rise, climbing east), 1 m level; 2 m wide."""
    stair = Stair("stair", rect(1, 0, 9, 2), up_factor, down_factor, uphill=(1.0, 0.0))
    door = Exit("east", (10, 0), (10, 2)) if exit_east else Exit("west", (0, 0), (0, 2))
    return Floor.of(rect(0, 0, 10, 2), [door], stairs=[stair])


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(("going", "plan_speed"), [("up", 0.5), ("down", 0.7)])
def test_rimea_02_03_keeps_the_stair_speed(model, going, plan_speed):
    up = going == "up"
    floor = stair_corridor(0.5, 0.7, exit_east=up)
    p = people([0.3 if up else 9.7], [1.0], model, v0_m_s=1.0)
    on_stair = []

    def on_step(t, peds):
        if 1.0 <= peds.x_m[0] <= 9.0 and peds.state[0] != EVACUATED:
            on_stair.append(t)

    run(p, floor.stepper(model), t_max_s=40, stairs=floor, on_step=on_step)
    expected = 8.0 / plan_speed  # JuPedSim's RiMEA 2/3 check: within 5 % of length / stair speed
    assert len(on_stair) * DT == pytest.approx(expected, rel=0.05)


# --- 5: pre-movement time -------------------------------------------------------------------


def room_8x5(door_m: float = 1.0) -> Floor:
    """8 m × 5 m room with one door centred on the east (5 m) wall (RiMEA 5, NIST Verif.1.1/5.2)."""
    return Floor.of(rect(0, 0, 8, 5), [Exit("door", (8, 2.5 - door_m / 2), (8, 2.5 + door_m / 2))])


@pytest.mark.parametrize("model", MODELS)
def test_rimea_05_each_person_starts_at_its_premovement_time(model):
    x, y = jittered_grid(10, (0.5, 0.5, 6.5, 4.5), 0.1, np.random.default_rng(5))
    p = people(x, y, model, group=0)
    group = GroupParameters(
        speed_min_m_s=1.2, speed_max_m_s=1.2, radius_m=p.radius_m[0], reaction_min_s=10, reaction_max_s=100
    )
    draw_group_parameters(p, [group], np.random.default_rng(5))
    assert p.reaction_s.min() >= 10 and p.reaction_s.max() <= 100 and np.ptp(p.reaction_s) > 50
    r = run(p, room_8x5().stepper(model), t_max_s=130)
    assert np.all(r.started_at_s >= p.reaction_s - 1e-9)
    assert np.all(r.started_at_s < p.reaction_s + DT + 1e-9)  # within the step that reaches it
    assert np.all(p.state == EVACUATED) and np.all(p.evacuated_at_s > p.reaction_s + 1.0)


# --- 6: movement round a corner ---------------------------------------------------------------


def corner_corridor() -> Floor:
    """JuPedSim's RiMEA 6 / NIST Verif.2.3 L: 2 m wide, east along y ∈ [0, 2], then north along
    x ∈ [10, 12] to the exit across the top; outer legs 12 m."""
    ring = [(0, 0), (12, 0), (12, 12), (10, 12), (10, 2), (0, 2)]
    return Floor.of(ring, [Exit("top", (10, 12), (12, 12))])


def corner_crowd(model: str, n: int = 20):
    """``n`` persons in the 6 m × 2 m start area at the corridor's west end."""
    x, y = jittered_grid(n, (0.0, 0.0, 6.0, 2.0), 0.03, np.random.default_rng(6))
    return people(x, y, model)


@functools.cache
def rimea_06_run(model: str):
    """RiMEA 6 (and NIST Verif.2.3) once per model: ``(floor, pedestrians, run)``."""
    floor = corner_corridor()
    p = corner_crowd(model)
    return floor, p, run(p, floor.stepper(model), t_max_s=60, sample_every=10)


@pytest.mark.parametrize("model", MODELS)
def test_rimea_06_everybody_goes_round_the_corner_without_passing_walls(model):
    floor, p, r = rimea_06_run(model)
    assert np.all(p.state == EVACUATED)
    assert np.all(p.y_m >= 12.0 - 0.05)  # all of them left through the exit at the top
    inside = np.isfinite(r.x_m)
    assert floor.area.polygon.buffer(1e-9).contains(shapely.points(r.x_m[inside], r.y_m[inside])).all()
    turned = np.nanmax(r.y_m, axis=0)
    assert np.all(turned > 10.0)  # every trajectory climbed the north leg before leaving


# --- 7: demographic parameters ------------------------------------------------------------------

#: RiMEA walking speeds on level ground by age group after Weidmann, m/s (min, max), as the
#: guideline tabulates them and Zhou, Klein & Mayer (2015, table 1) reprint them.
RIMEA_TABLE_1 = {
    "under_30": (0.58, 1.61),
    "age_30_50": (1.41, 1.54),
    "over_50": (0.68, 1.41),
    "reduced_mobility": (0.46, 0.76),
}


def test_rimea_07_speed_table_matches_the_guideline():
    for name, (lo, hi) in RIMEA_TABLE_1.items():
        g = RIMEA_SPEED_GROUPS[name]
        assert (g.speed_min_m_s, g.speed_max_m_s) == (lo, hi), name


@pytest.mark.parametrize("model", MODELS)
def test_rimea_07_demographic_speeds_are_assigned_and_walked(model):
    """50 adults: 20 under 30, 20 aged 30-50, 10 over 50 (the guideline's three adult groups)."""
    names = ["under_30", "age_30_50", "over_50"]
    group = np.repeat([0, 1, 2], [20, 20, 10])
    lanes = 4.0 * np.arange(50)  # 4 m apart: beyond the 3 m neighbour cut-off, so nobody interacts
    p = people(np.zeros(50), lanes, model, group=group)
    draw_group_parameters(p, [RIMEA_SPEED_GROUPS[n] for n in names], np.random.default_rng(7))
    assigned = p.v0_m_s.copy()
    for k, name in enumerate(names):
        lo, hi = RIMEA_TABLE_1[name]
        v = assigned[group == k]
        assert np.all((v >= lo) & (v <= hi)), name
        assert stats.kstest(v, stats.uniform(lo, hi - lo).cdf).pvalue > 0.05, name
    floor = Floor.of(rect(-1, -1, 30, 200), [Exit("east", (30, -1), (30, 200))], cell_m=0.5)
    x_at = {}

    def on_step(t, peds):
        for mark in (10.0, 20.0):
            x_at.setdefault(mark, np.full(50, np.nan))
            hit = np.isnan(x_at[mark]) & (peds.x_m >= mark)
            x_at[mark][hit] = t

    run(p, floor.stepper(model), t_max_s=60, on_step=on_step)
    realised = 10.0 / (x_at[20.0] - x_at[10.0])
    assert realised == pytest.approx(assigned, rel=0.01)


# --- 9: a crowd leaves a large public room ------------------------------------------------------


def public_room(scale: float, n: int, model: str, closed: tuple[str, ...] = ()) -> float:
    """JuPedSim's RiMEA 9 room (30 m × 20 m, 1 m doors at x = 4-5 and 25-26 m on both long walls),
    its lengths times ``scale`` (doors stay 1 m), ``n`` people on a jittered grid 2 m (scaled)
    from the walls, everybody to the nearest open door. Returns the time the last one left."""
    w, h = 30 * scale, 20 * scale
    a, b = 4 * scale, 25 * scale
    exits = [
        Exit("door 1", (a, h), (a + 1, h)),
        Exit("door 2", (b, h), (b + 1, h)),
        Exit("door 3", (a, 0), (a + 1, 0)),
        Exit("door 4", (b, 0), (b + 1, 0)),
    ]
    floor = Floor.of(rect(0, 0, w, h), exits)
    for name in closed:
        floor.router.close_exit(name)
    x, y = jittered_grid(
        n, (2 * scale, 2 * scale, w - 2 * scale, h - 2 * scale), 0.05, np.random.default_rng(9)
    )
    p = people(x, y, model)
    r = run(p, floor.stepper(model), t_max_s=600, walls=floor.walls)
    assert np.all(p.state == EVACUATED)
    return r.last_out_s


def rimea_09_ratio(scale: float, n: int, model: str) -> float:
    return public_room(scale, n, model, closed=("door 1", "door 2")) / public_room(scale, n, model)


def test_rimea_09_closing_two_of_four_doors_about_doubles_the_time_half_scale():
    assert 1.6 <= rimea_09_ratio(0.5, 250, "csm") <= 2.4  # measured 2.01


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_rimea_09_closing_two_of_four_doors_about_doubles_the_time(model):
    assert 1.6 <= rimea_09_ratio(1.0, 1000, model) <= 2.4  # measured 1.95 (csm), 1.77 (sfm)


# --- 10: assignment of escape routes ---------------------------------------------------------


SFM_STANDOFF_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model behaviour, not a code defect: the walkers of rooms 4 and 10 meet abreast in the "
    "1 m corridor between their doors; the corner of a door's jamb 0.44 m away pushes each back "
    "east with 166 N, the other walker pushes it sideways with 285 N, and the desired direction "
    "(half sideways, towards the corridor's centre line) balances both: HFV's forces hold them still",
)
SFM_VIEW_JAMB_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model behaviour, not a code defect: with the field of view (c = 0.75) the walkers of "
    "rooms 4, 5, 10 and 11 stop alone (nobody within 3 m) in their 0.9 m doors, where the routing "
    "direction turns them diagonally into a jamb whose corner, 0.44 m away, pushes with about 180 N "
    "against the drive (HFV's wall force, which the field of view leaves as it is); c <= 0.5 passes "
    "but lets only 0.86 persons/s through a 1 m door",
)


def test_sfm_walker_at_rest_passes_a_0_9_m_door_alone():
    """A walker at rest 0.2-0.4 m before a 0.9 m door passes it: the two jamb corners, each the
    nearest point of two wall segments, push once each (HFV's wall is one body with one nearest
    point). Counted per segment they would push with 191 N against a drive m v0/τ of 192 N."""
    ring = [
        (0, 0),
        (6, 0),
        (6, 1),
        (3.45, 1),
        (3.45, 1.2),
        (6, 1.2),
        (6, 4),
        (0, 4),
        (0, 1.2),
        (2.55, 1.2),
        (2.55, 1),
        (0, 1),
    ]
    floor = Floor.of(ring, [Exit("west", (0, 0), (0, 1))])
    passes = []
    for start_y in (1.4, 1.6):
        p = people([3.01], [start_y], "sfm")
        run(p, floor.stepper("sfm"), t_max_s=20)
        passes.append(bool(p.state[0] == EVACUATED))
    assert passes == [True, True]


@pytest.mark.parametrize(
    "model",
    [
        "csm",
        pytest.param("sfm", marks=SFM_STANDOFF_XFAIL),
        pytest.param("sfm_view", marks=SFM_VIEW_JAMB_XFAIL),
    ],
)
def test_rimea_10_everybody_uses_the_assigned_exit(model):
    from tests.models.crowds.test_fundamental_diagram import model_variant

    with model_variant(model) as kernel_model:
        rimea_10_run(kernel_model)


def rimea_10_run(model: str) -> None:
    """RiMEA 10 with 23 persons, two per room, each assigned its rooms' exit."""
    area, centres = rimea10_area()
    floor = Floor(area, targets=("main", "secondary"))
    main_rooms = (1, 2, 3, 4, 7, 8, 9, 10)
    rooms = np.array([r for r in range(1, 13) for _ in range(2)][:23])  # 23 persons (RiMEA text)
    rng = np.random.default_rng(10)  # two per room, anywhere 0.5 m clear of the room's walls
    x = np.array([centres[r][0] for r in rooms]) + np.where(np.arange(23) % 2, 1, -1) * rng.uniform(
        0.35, 0.85, 23
    )
    y = np.array([centres[r][1] for r in rooms]) + rng.uniform(-1.8, 1.8, 23)
    assigned = assign_by_group(np.where(np.isin(rooms, main_rooms), 0, 1), [0, 1])
    p = people(x, y, model, target=assigned)
    run(p, floor.stepper(model), t_max_s=120)
    assert np.all(p.state == EVACUATED)
    assert np.array_equal(exit_used(floor, p), assigned)
    assert set(rooms[assigned == 0]) == set(main_rooms)


# --- 12: effect of bottlenecks ----------------------------------------------------------------


def two_rooms_and_a_corridor() -> Floor:
    """JuPedSim's RiMEA 12: 10 m × 10 m rooms joined by a 5 m × 1 m corridor; 1 m final exit."""
    floor = shapely.union_all([box(0, 0, 10, 10), box(10, 4.5, 15, 5.5), box(15, 0, 25, 10)])
    return Floor(WalkableArea(floor, [Exit("exit", (25, 4.5), (25, 5.5))]))


def density(r, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Persons per m² in a box at every sample of a run."""
    inside = (r.x_m >= x0) & (r.x_m <= x1) & (r.y_m >= y0) & (r.y_m <= y1)
    return inside.sum(axis=1) / ((x1 - x0) * (y1 - y0))


def rimea_12(model: str, n: int) -> None:
    floor = two_rooms_and_a_corridor()
    x, y = jittered_grid(n, (0.5, 0.5, 9.5, 9.5), 0.05, np.random.default_rng(12))
    p = people(x, y, model)
    draw_group_parameters(p, [RIMEA_SPEED_GROUPS["age_30_50"]], np.random.default_rng(12))  # adults
    out_of_corridor = np.full(n, np.nan)

    def on_step(t, peds):
        out_of_corridor[np.isnan(out_of_corridor) & (peds.x_m >= 15.0)] = t

    r = run(p, floor.stepper(model), t_max_s=300, sample_every=25, on_step=on_step)
    assert np.all(p.state == EVACUATED)
    # No queue in room 2: the final exit passes people as fast as the corridor delivers them.
    assert flow_p_s(p.evacuated_at_s) >= flow_p_s(out_of_corridor) - 0.05
    before_corridor = density(r, 8.0, 3.5, 10.0, 6.5).max()  # 2 m × 3 m in front of the corridor
    before_exit = density(r, 23.0, 3.5, 25.0, 6.5).max()  # the same in front of the final exit
    assert before_corridor >= 3.0 and before_exit <= 1.0


SFM_SQUEEZE_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model behaviour, not a code defect: HFV's soft bodies (r 0.25 m) pass the 1 m corridor "
    "two abreast at 3.6 persons/s, more than the 1 m final exit lets out (3.0/s), so a queue of up "
    "to 45 forms in room 2 (RiMEA 12 documents this, it does not exclude the model); with the "
    "field of view (sfm_view) the crowd presses less and 60 adults pass",
)
SFM_VIEW_SQUEEZE_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model behaviour, not a code defect: with the field of view 150 adults still queue in "
    "room 2: the corridor delivers 2.16 persons/s, the final exit passes 1.92/s, 2.8 /m² before it",
)


@pytest.mark.parametrize("model", ["csm", pytest.param("sfm", marks=SFM_SQUEEZE_XFAIL), "sfm_view"])
def test_rimea_12_congestion_only_in_front_of_the_bottleneck(model):
    """``sfm_view``: the social force model with a field of view (test_fundamental_diagram.py)."""
    from tests.models.crowds.test_fundamental_diagram import model_variant

    with model_variant(model) as kernel_model:
        rimea_12(kernel_model, 60)


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [
        "csm",
        pytest.param("sfm", marks=SFM_SQUEEZE_XFAIL),
        pytest.param("sfm_view", marks=SFM_VIEW_SQUEEZE_XFAIL),
    ],
)
def test_rimea_12_congestion_only_in_front_of_the_bottleneck_150_adults(model):
    from tests.models.crowds.test_fundamental_diagram import model_variant

    with model_variant(model) as kernel_model:
        rimea_12(kernel_model, 150)


# --- 13: congestion in front of a stair ---------------------------------------------------------


def room_corridor_stair() -> Floor:
    """JuPedSim's RiMEA 13: 5 m × 8 m room, 2 m door into a 12 m × 2 m corridor, a 3 m (plan)
    upward stair, a 1 m landing and the exit. Stair speed 0.675 m/s for a level 1.3 m/s."""
    ring = [(0, 0), (5, 0), (5, 3), (21, 3), (21, 5), (5, 5), (5, 8), (0, 8)]
    stair = Stair("stair", rect(17, 3, 20, 5), 0.675 / 1.3, 1.0, uphill=(1.0, 0.0))
    return Floor.of(ring, [Exit("exit", (21, 3), (21, 5))], stairs=[stair])


@functools.cache
def rimea_13(model: str, n: int):
    """Run RiMEA 13 once per model and size: the run, times into the corridor and onto the stair."""
    floor = room_corridor_stair()
    rng = np.random.default_rng(13)
    x, y = jittered_grid(n, (0.0, 0.0, 5.0, 8.0), 0.05, rng)
    p = people(x, y, model, v0_m_s=rng.normal(1.3, 0.04, n))  # JuPedSim's RiMEA 13 speeds
    into_corridor, onto_stair = np.full(n, np.nan), np.full(n, np.nan)

    def on_step(t, peds):
        into_corridor[np.isnan(into_corridor) & (peds.x_m >= 5.0)] = t
        onto_stair[np.isnan(onto_stair) & (peds.x_m >= 17.0)] = t

    r = run(p, floor.stepper(model), t_max_s=400, sample_every=50, on_step=on_step, stairs=floor)
    assert np.all(p.state == EVACUATED)
    return r, into_corridor, onto_stair


def check_rimea_13_congestion(model: str, n: int) -> None:
    r, into_corridor, onto_stair = rimea_13(model, n)
    assert flow_p_s(onto_stair) < flow_p_s(into_corridor)  # the stair passes fewer than the door
    t = r.sample_t_s
    feeding = t <= np.nanmax(into_corridor)  # while the room still empties
    at_door = density(r, 4.0, 3.0, 5.0, 5.0)[feeding]  # 1 m × 2 m inside the room, before the door
    assert np.median(at_door) >= 2.0  # congestion at the room exit
    foot = density(r, 15.0, 3.0, 17.0, 5.0)[feeding]  # the 2 m before the stair
    assert np.median(foot[t[feeding] > t[feeding][-1] / 2]) >= 1.0  # and at the stair foot


def check_rimea_13_queue_grows(model: str, n: int) -> None:
    """People walking slower than half the free speed (0.65 m/s) in the corridor: more and more."""
    r, into_corridor, _ = rimea_13(model, n)
    speed = np.hypot(np.diff(r.x_m, axis=0), np.diff(r.y_m, axis=0)) / np.diff(r.sample_t_s)[:, None]
    x, t = r.x_m[1:], r.sample_t_s[1:]
    slow = ((x >= 5.0) & (x < 17.0) & (speed < 0.65)).sum(axis=1)[t <= np.nanmax(into_corridor)]
    third = len(slow) // 3
    assert slow[-third:].mean() >= 2.0 * max(slow[:third].mean(), 0.5)


SFM_NO_SLOWDOWN_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model behaviour, not a code defect: with HFV's distance-only forces a crowd moving "
    "together keeps its free speed (see test_fundamental_diagram.py), so the queue before the "
    "stair is dense but nobody in it walks slower than half the free speed; with the field of "
    "view (sfm_view) those ahead push harder than those behind, the queue slows and it passes",
)


@pytest.mark.parametrize("model", MODELS)
def test_rimea_13_congestion_at_the_room_door_and_the_stair_foot(model):
    check_rimea_13_congestion(model, 80)


@pytest.mark.parametrize("model", ["csm", pytest.param("sfm", marks=SFM_NO_SLOWDOWN_XFAIL), "sfm_view"])
def test_rimea_13_the_queue_before_the_stair_grows(model):
    """``sfm_view``: the social force model with a field of view (its run is not cached)."""
    queue_grows_with_variant(model, 80)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_rimea_13_congestion_150_adults(model):
    check_rimea_13_congestion(model, 150)


def queue_grows_with_variant(variant: str, n: int) -> None:
    """:func:`check_rimea_13_queue_grows` for a model variant (test_fundamental_diagram.py)."""
    from tests.models.crowds.test_fundamental_diagram import model_variant

    with model_variant(variant) as kernel_model:
        if variant != kernel_model:
            rimea_13.cache_clear()  # runs are cached per kernel model: keep the variants apart
        try:
            check_rimea_13_queue_grows(kernel_model, n)
        finally:
            if variant != kernel_model:
                rimea_13.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["csm", pytest.param("sfm", marks=SFM_NO_SLOWDOWN_XFAIL), "sfm_view"])
def test_rimea_13_the_queue_grows_150_adults(model):
    queue_grows_with_variant(model, 150)


# --- 15: a large crowd round a corner -------------------------------------------------------------


def rimea_15_floors(scale: float) -> dict[str, Floor]:
    """JuPedSim's three RiMEA 15 corridors (20 m wide; straight 81 m and 50 m, and a corridor
    coming 60 m down then turning east past a 45° chamfer to an exit 20 m wide), lengths times
    ``scale``. Each exit spans the corridor's end."""
    w = 20 * scale
    corner = [(30, 0), (10, 0), (0, 10), (0, 60), (20, 60), (20, 20), (30, 20)]
    return {
        "long": Floor.of(rect(0, 0, w, 81 * scale), [Exit("end", (0, 0), (w, 0))]),
        "short": Floor.of(rect(0, 0, w, 50 * scale), [Exit("end", (0, 0), (w, 0))]),
        "corner": Floor.of(
            [(x * scale, y * scale) for x, y in corner], [Exit("end", (30 * scale, 0), (30 * scale, w))]
        ),
    }


def rimea_15_times(scale: float, n: int, model: str) -> dict[str, float]:
    """Time the last of ``n`` people (the same start, 8 m deep across the corridor's top) leaves."""
    w = 20 * scale
    x, dy = jittered_grid(n, (0.0, 0.0, w, 8.0), 0.05, np.random.default_rng(15))
    tops = {"long": 81 * scale, "short": 50 * scale, "corner": 60 * scale}
    times = {}
    for name, floor in rimea_15_floors(scale).items():
        p = people(x, tops[name] - dy, model)
        r = run(p, floor.stepper(model), t_max_s=300)
        assert np.all(p.state == EVACUATED), name
        times[name] = r.last_out_s
    return times


ROUTING_CORNER_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="routing limitation, not a code defect: the static travel-distance field, already "
    "slowed within 0.4 m of walls (Router.wall_avoid_distance_m; wider ramps in the routing.py "
    "table), still funnels everybody round the inner corner, where the crowd jams (100 people, "
    "csm: corner 46.0 s against 28.6 s long, 20.8 s short; a waypoint across the turn: 38.7 s; "
    "150 people, sfm: 27.8 s against 24.7 s long); RiMEA 15 says 'ideally'",
)


@pytest.mark.parametrize("model", MODELS)
def test_rimea_15_one_walker_takes_between_the_short_and_the_long_corridor(model):
    """The geometry: the corner's inner path is the short corridor, its outer path the long one."""
    t = rimea_15_times(0.3, 1, model)
    assert t["short"] < t["corner"] < t["long"]


@ROUTING_CORNER_XFAIL
def test_rimea_15_the_corner_takes_between_the_short_and_the_long_corridor():
    t = rimea_15_times(0.3, 100, "csm")
    assert t["short"] < t["corner"] < t["long"]


@pytest.mark.slow
@ROUTING_CORNER_XFAIL
@pytest.mark.parametrize("model", MODELS)
def test_rimea_15_the_corner_takes_between_the_short_and_the_long_corridor_150_people(model):
    t = rimea_15_times(0.3, 150, model)
    assert t["short"] < t["corner"] < t["long"]
