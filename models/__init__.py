"""Built-in hazard, exposure and impact models for hazchain.

Each model is a :class:`engine.process.Process` registered by name. The
engine finds them through the ``hazchain.models`` entry point, which calls
:func:`register`.
"""


def register() -> None:
    """Import the built-in model modules so that they register themselves."""
    from models.chains import park  # noqa: F401
    from models.crowds import evacuation  # noqa: F401
    from models.crowds import report as crowds_report  # noqa: F401  (its report section)
    from models.exposure import population, roads  # noqa: F401
    from models.hazards import (  # noqa: F401
        barrier_lake,
        fire_following,
        flood,
        gaussian_plume,
        landslide_process,
        shaking,
    )
    from models.impact import (  # noqa: F401
        bridge_damage,
        building_damage,
        fire_blast,
        flood_people,
        park_risk,
        road_closures,
        toxic_exposure,
    )
    from models.response import relief, rescue, targets, warning_process  # noqa: F401
    from models.response import report as response_report  # noqa: F401  (its report section)
    from models.terrain import terrain  # noqa: F401
