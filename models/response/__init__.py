"""Emergency response: travel, dispatch, survival of the trapped, relief supplies and warnings.

Travel over a damaged road network, teams and their dispatch, the survival of people trapped in
collapsed buildings, relief supplies from five levels of reserves, and the spread of warnings.

These are the computational building blocks (pure functions and structure-of-arrays classes);
the processes that run them inside a simulation build on them:

* :mod:`models.response.travel` — shortest travel times with closed and slowed edges, snapping
  of points to the network, a cache that recomputes only when the network changes;
* :mod:`models.response.dispatch` — teams and tasks, arrival times (ground and air), and the
  dispatch policies (nearest available, most lives saved, a plan's fixed assignment);
* :mod:`models.response.survival` — survival of trapped people versus time since the collapse,
  expected lives saved, rescue durations;
* :mod:`models.response.allocation` — relief needs (Sphere standards), min-cost allocation with
  unmet-demand slack, vehicle trips;
* :mod:`models.response.warning` — share of people warned over time through channels and word
  of mouth, and the time when 90 % are warned.
"""
