"""Built-in hazard, exposure and impact models for hazchain.

Each model is a :class:`engine.process.Process` registered by name. The
engine finds them through the ``hazchain.models`` entry point, which calls
:func:`register`.
"""


def register() -> None:
    """Import the built-in model modules so that they register themselves."""
    from engine.report_sections import register_section
    from models.chains import park  # noqa: F401
    from models.crowds import evacuation  # noqa: F401
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
    from models.terrain import terrain  # noqa: F401

    # Report sections by import path: their drawing code (and matplotlib) loads only for a report.
    register_section("response", "models.response.report:report_section", order=100)
    register_section("crowds", "models.crowds.report:report_section", order=500)
