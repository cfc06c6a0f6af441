"""Survival of people trapped in collapsed buildings, and the lives a rescue can save.

**The curve.** ``S(t)`` is the probability that a person trapped at the collapse (t = 0) is still
alive when extricated at time ``t``. It is a table of points joined log-linearly (exponential
decay between points, continued past the last point at the last segment's rate), so ``S`` is
positive, non-increasing and exact at its points.

Two curves are provided. Neither rests on a primary survival-versus-time data set (see below);
both reproduce the figures of the sources quoted (Noji's text was re-read for this revision; the
golden-72-hours press quote was not):

* :data:`GOLDEN_72_HOURS` (default): the survival rate of people rescued on each of the first
  days after an earthquake, as stated by the "golden 72 hours" rule used in Chinese rescue
  practice: **90 %** on day 1, **50–60 %** on day 2, **20–30 %** on day 3 (Xu Qiang, State Key
  Laboratory of Geohazard Prevention, Chengdu University of Technology, quoted in the press after
  the 2014 Ludian earthquake; the same figures, with "under 10 %" after 72 h, are repeated in USAR
  training material). A secondary source: a rule of practice, not a published data set. A day's
  rate is placed at the day's middle: S(12 h) = 0.90, S(36 h) = 0.55, S(60 h) = 0.25
  (mid-ranges) and S(84 h) = 0.05 (half of "under 10 %").
  ``tests/models/response/test_survival.py`` checks that the curve's mean over each day lies in
  the quoted range.
* :func:`earthen_buildings_curve`: an exponential decay for people buried under collapsed
  earthen (adobe, rubble-stone) houses, after Noji (1997, *The Public Health Consequences of
  Disasters*, ch. 8, as reproduced in his Supercourse lecture on earthquakes, slide 20), citing
  Coburn et al.: "within 2 to 6 hours less than 50 % of those buried are still alive". The
  default half-life is 4 h, the middle of that window.

The same source (Noji 1997, after de Bruycker et al. 1983 on the 1980 Campania–Irpinia
earthquake, a survey of 3 619 survivors) reports that 93 % of the trapped who survived were
extricated within 24 h and that 95 % of the deaths occurred while victims were still trapped: the
basis for weighting early arrival heavily. Those two shares describe *when survivors came out*, not
``S(t)``: turning them into a curve would need the extrication times of the dead as well, which the
quoted text does not give, so they are not made into a curve here.

**What a primary data set would change, and what could be read of one.** A survival curve from a
primary survival-versus-extrication-time data set was searched for (stored public pages and
documentation, November 2026) and none could be read:

* Coburn, Spence & Pomonis (1992), "Factors determining human casualty levels in earthquakes:
  mortality prediction in building collapse" (10th WCEE, Madrid) [title and venue recalled]:
  survival curves by building type (the "M5" post-collapse mortality). Not found; only Noji's
  one-line summary above (his ref. 82, earthen buildings) was read.
* Macintyre, Barbera & Smith (2006), "Surviving collapsed structure entrapment after earthquakes: a
  'time-to-rescue' analysis", *Prehospital Disaster Med.* 21(1): only the introduction of the
  abstract was visible (the question of the *maximum* survival time); no percentages or hours.
* Macintyre et al. (2011), "Survival interval in earthquake entrapments: research findings
  reinforced during the 2010 Haiti earthquake response", *Disaster Med. Public Health Prep.* 5,
  13–22: the abstract was read; it argues *against* any single time frame and gives no curve.
* Fiedrich, Gehbauer & Rickers (2000), the survival functions of their SAR resource-allocation
  model (*Safety Science* 35 [recalled]): not found.
* de Bruycker et al. (1983): read only through Noji (1997), as above.

A secondary figure set was seen and is *not* used: a Canadian news report (CBC, 2012) quoting the
City of Toronto heavy USAR web site, "according to one source", that 81 % of those rescued on the
first day survive, 34 % on the second and 7 % by the fifth day; its primary source is not named
(often attributed to the 1976 Tangshan earthquake [recalled]). Its day-2 figure lies below the
golden-72-hours range (50–60 %), which shows how far apart the quoted rules are: the curve is a
scenario choice (``rescue`` key ``survival``), and lives-saved KPIs inherit its uncertainty.

**Rescue durations** per trapped person by team type (:data:`RESCUE_S_PER_PERSON`) are
assumptions, not published values: a heavy USAR team frees a person from a reinforced-concrete
pancake collapse in hours, volunteers with hand tools need longer and cannot lift slabs. They
are scenario parameters.

Examples
--------
>>> float(GOLDEN_72_HOURS(12 * 3600.0))
0.9
>>> round(float(earthen_buildings_curve()(4 * 3600.0)), 3)
0.5
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "GOLDEN_72_HOURS",
    "RESCUE_S_PER_PERSON",
    "SurvivalCurve",
    "earthen_buildings_curve",
    "expected_lives_saved",
    "rescue_duration_s",
]

_H = 3600.0


@dataclass(frozen=True)
class SurvivalCurve:
    """Probability of being alive at extrication versus time since the collapse.

    Parameters
    ----------
    t_s
        Strictly increasing times (s) of the table, the first one ``0``.
    survival
        ``S`` at those times: ``1`` at ``t = 0``, positive, non-increasing.
    name
        Label for reports.
    """

    t_s: tuple[float, ...]
    survival: tuple[float, ...]
    name: str = "custom"

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        s = np.asarray(self.survival, dtype=np.float64)
        if t.ndim != 1 or t.shape != s.shape or t.size < 2:
            raise ValueError("t_s and survival must be 1-D of equal length >= 2")
        if t[0] != 0.0 or np.any(np.diff(t) <= 0):
            raise ValueError("t_s must start at 0 and increase strictly")
        if s[0] != 1.0 or np.any(s <= 0) or np.any(np.diff(s) > 0):
            raise ValueError("survival must start at 1, stay > 0 and never increase")

    def __call__(self, t_s) -> np.ndarray:
        """``S(t)``; ``1`` for ``t <= 0``, ``0`` for ``t = inf``."""
        t = np.asarray(t_s, dtype=np.float64)
        tp = np.asarray(self.t_s)
        log_s = np.log(np.asarray(self.survival))
        slope_tail = (log_s[-1] - log_s[-2]) / (tp[-1] - tp[-2])
        tc = np.clip(t, 0.0, tp[-1])
        out = np.interp(tc, tp, log_s)
        beyond = np.maximum(np.where(np.isfinite(t), t, tp[-1]) - tp[-1], 0.0)
        res = np.exp(out + slope_tail * beyond)
        return np.where(np.isinf(t) & (t > 0), 0.0, res)

    def mean_over(self, t0_s: float, t1_s: float, n: int = 2001) -> float:
        """Mean of ``S`` over ``[t0_s, t1_s]`` (trapezoids on ``n`` points)."""
        t = np.linspace(t0_s, t1_s, n)
        s = self(t)
        return float(np.sum(0.5 * (s[1:] + s[:-1]) * np.diff(t)) / (t1_s - t0_s))


GOLDEN_72_HOURS = SurvivalCurve(
    t_s=(0.0, 12 * _H, 36 * _H, 60 * _H, 84 * _H),
    survival=(1.0, 0.90, 0.55, 0.25, 0.05),
    name="golden_72_hours",
)
"""Day-by-day survival rates of the "golden 72 hours" rule, placed at mid-day (see module text)."""


def earthen_buildings_curve(half_life_s: float = 4 * _H) -> SurvivalCurve:
    """Exponential survival with the given half-life (default 4 h; Noji 1997: 50 % within 2–6 h)."""
    if not half_life_s > 0:
        raise ValueError(f"half_life_s must be > 0, got {half_life_s}")
    t1 = 10 * half_life_s
    return SurvivalCurve((0.0, t1), (1.0, 2.0**-10), name=f"exponential_half_life_{half_life_s:g}s")


RESCUE_S_PER_PERSON: dict[str, float] = {
    "professional_rescue": 1.5 * _H,
    "fire_rescue": 2.0 * _H,
    "engineering": 2.5 * _H,
    "volunteer": 4.0 * _H,
}
"""Assumed time for one crew to free one trapped person (s), by team type; not a published value."""


def rescue_duration_s(team_kind: str, people, crews=1) -> np.ndarray:
    """Time for a team with ``crews`` parallel crews to free ``people`` trapped persons.

    ``ceil(people / crews) * RESCUE_S_PER_PERSON[team_kind]``.

    Examples
    --------
    >>> float(rescue_duration_s("professional_rescue", 5, crews=2))
    16200.0
    """
    if team_kind not in RESCUE_S_PER_PERSON:
        raise ValueError(
            f"no rescue duration for team kind {team_kind!r}; known: {sorted(RESCUE_S_PER_PERSON)}"
        )
    people = np.asarray(people, dtype=np.float64)
    crews = np.maximum(np.asarray(crews, dtype=np.float64), 1.0)
    return np.ceil(people / crews) * RESCUE_S_PER_PERSON[team_kind]


def expected_lives_saved(
    arrival_s,
    collapse_s,
    people,
    *,
    per_person_s=0.0,
    crews=1,
    curve: SurvivalCurve = GOLDEN_72_HOURS,
) -> np.ndarray:
    """Expected number of trapped people brought out alive by a team arriving at ``arrival_s``.

    The team frees the ``people`` of a site ``crews`` at a time, each taking ``per_person_s``;
    person ``k`` (0-based) is out at ``arrival + (floor(k / crews) + 1) * per_person_s`` and is
    alive with probability ``S`` of the time since the collapse then. With ``per_person_s = 0``
    this is ``people * S(arrival - collapse)``. Whole people only (``people`` is rounded down);
    broadcasts over arrays.

    Examples
    --------
    >>> round(float(expected_lives_saved(12 * 3600.0, 0.0, 10)), 6)
    9.0
    >>> c = SurvivalCurve((0.0, 3600.0), (1.0, 0.5))
    >>> float(expected_lives_saved(0.0, 0.0, 3, per_person_s=3600.0, crews=2, curve=c))
    1.25
    """
    arrival = np.asarray(arrival_s, dtype=np.float64)
    t0 = np.asarray(collapse_s, dtype=np.float64)
    n = np.floor(np.asarray(people, dtype=np.float64))
    d = np.asarray(per_person_s, dtype=np.float64)
    c = np.maximum(np.floor(np.asarray(crews, dtype=np.float64)), 1.0)
    arrival, t0, n, d, c = np.broadcast_arrays(arrival, t0, n, d, c)
    if not np.any(d > 0):
        return n * curve(arrival - t0)
    # Sum over rounds r = 1..R (R = ceil(n / c)): c people per round, the last round partial.
    rounds = np.ceil(n / c)
    r_max = int(rounds.max()) if rounds.size else 0
    out = np.zeros(arrival.shape)
    for r in range(1, r_max + 1):
        in_round = np.clip(n - (r - 1) * c, 0.0, c)
        out += in_round * curve(arrival - t0 + r * d)
    return out
