"""Write the OpenQuake oracle tables that test ``models/hazards/ground_motion.py``.

Run with a separate environment holding OpenQuake hazardlib (AGPL-3; used here as an oracle
only, nothing of it is copied into hazchain), e.g. ``pip install --no-deps
openquake.engine==3.26.2`` plus its requirements except gdal, then::

    /tmp/oq-venv/bin/python tests/models/hazards/data/make_gmpe_reference.py

It writes, next to itself:

``gmpe_reference_distances.csv``
    Rjb, Rrup, Rx and Ry0 from OpenQuake's ``PlanarSurface`` for three rectangular ruptures
    (given by the top edge's start, strike, dip, length, width and top depth) at sites on a
    local grid. Local kilometres map to longitude/latitude near (0°, 0°) with 111.19492664 km
    per degree (OpenQuake's Earth radius, 6371 km).
``gmpe_reference_gmpes.csv``
    ``BooreEtAl2014()`` and ``ChiouYoungs2014()`` medians, between-event ``tau`` and within-event
    ``phi`` (natural log) for magnitudes 5, 6, 7, 7.8, three mechanisms, sites on the footwall
    and hanging wall 1-200 km from the top edge's trace (distances from ``PlanarSurface``),
    Vs30 180/360/760/1100 m/s and PGA, SA(0.3 s), SA(1.0 s). Z1.0 is each model's own
    Vs30-Z1.0 mean (no basin term) except a few CY14 rows with Z1.0 = 600 m; Vs30 is
    "inferred" except CY14 rows marked measured.

The tests need only the CSV files, not OpenQuake.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
KM_PER_DEG = 111.19492664  # 2π·6371/360
PERIODS = {"PGA": 0.0, "SA(0.3)": 0.3, "SA(1.0)": 1.0}

#: name: (top-edge start x_km, y_km, strike, dip, rake, length_km, width_km, ztor_km)
RUPTURES = {
    "vertical_strike_slip": (0.0, -20.0, 0.0, 90.0, 0.0, 40.0, 15.0, 0.0),
    "reverse_dip40": (-15.0, 5.0, 90.0, 40.0, 90.0, 30.0, 20.0, 3.0),
    "normal_dip55": (5.0, 10.0, 210.0, 55.0, -90.0, 25.0, 15.0, 1.0),
}


def _surface(x_km, y_km, strike, dip, length, width, ztor):
    from openquake.hazardlib.geo import Point
    from openquake.hazardlib.geo.surface import PlanarSurface

    top_left = Point(x_km / KM_PER_DEG, y_km / KM_PER_DEG, ztor)
    top_right = top_left.point_at(length, 0.0, strike)
    horizontal = width * math.cos(math.radians(dip))
    vertical = width * math.sin(math.radians(dip))
    bottom_left = top_left.point_at(horizontal, vertical, strike + 90.0)
    bottom_right = top_right.point_at(horizontal, vertical, strike + 90.0)
    return PlanarSurface.from_corner_points(top_left, top_right, bottom_right, bottom_left)


def _distances(surface, xs_km, ys_km):
    import numpy as np
    from openquake.hazardlib.geo import Mesh

    mesh = Mesh(np.asarray(xs_km) / KM_PER_DEG, np.asarray(ys_km) / KM_PER_DEG, None)
    return (
        surface.get_joyner_boore_distance(mesh),
        surface.get_min_distance(mesh),
        surface.get_rx_distance(mesh),
        surface.get_ry0_distance(mesh),
    )


def write_distances(path: Path) -> None:
    import numpy as np

    grid = np.array([-45.0, -20.0, -8.0, -2.0, 0.0, 3.0, 9.0, 17.0, 30.0, 50.0])
    xs, ys = (a.ravel() for a in np.meshgrid(grid, grid + 3.0))
    rows = []
    for name, (x0, y0, strike, dip, _rake, length, width, ztor) in RUPTURES.items():
        surf = _surface(x0, y0, strike, dip, length, width, ztor)
        for x, y, rjb, rrup, rx, ry0 in zip(xs, ys, *_distances(surf, xs, ys), strict=True):
            rows.append([name, x, y, rjb, rrup, rx, ry0])
    with path.open("w", newline="") as fh:
        fh.write(_header("Rjb, Rrup, Rx, Ry0 (km) of OpenQuake PlanarSurface; sites x_km, y_km"))
        fh.write("# ruptures: " + "; ".join(f"{k} {v}" for k, v in RUPTURES.items()) + "\n")
        fh.write("# rupture tuple: (top start x_km, y_km, strike, dip, rake, length_km, width_km, ztor_km)\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["rupture", "x_km", "y_km", "rjb_km", "rrup_km", "rx_km", "ry0_km"])
        w.writerows([r[0], *(f"{v:.6f}" for v in r[1:])] for r in rows)


def write_gmpes(path: Path) -> None:
    import numpy as np
    from openquake.hazardlib.contexts import simple_cmaker
    from openquake.hazardlib.gsim.boore_2014 import BooreEtAl2014
    from openquake.hazardlib.gsim.chiou_youngs_2014 import ChiouYoungs2014

    gsims = {"BSSA14": BooreEtAl2014(), "CY14": ChiouYoungs2014()}
    offsets = np.array([-200.0, -60.0, -10.0, -1.0, 1.0, 5.0, 10.0, 30.0, 100.0])  # + hanging wall
    rows = []
    for x0, y0, strike, dip, rake, length, width, ztor in RUPTURES.values():
        surf = _surface(x0, y0, strike, dip, length, width, ztor)
        s, c = math.sin(math.radians(strike)), math.cos(math.radians(strike))
        mid_x, mid_y = x0 + 0.5 * length * s, y0 + 0.5 * length * c  # middle of the top edge
        xs, ys = mid_x + offsets * c, mid_y - offsets * s  # along the dip direction
        rjb, rrup, rx, _ = _distances(surf, xs, ys)
        for mag in (5.0, 6.0, 7.0, 7.8):
            for vs30 in (180.0, 360.0, 760.0, 1100.0):
                cases = [("BSSA14", False, None), ("CY14", False, None)]
                if mag == 7.0:
                    cases.append(("CY14", True, None))
                if vs30 == 360.0:
                    cases.append(("CY14", False, 600.0))
                for name, measured, z1 in cases:
                    gsim = gsims[name]
                    cm = simple_cmaker([gsim], list(PERIODS))
                    ctx = cm.new_ctx(len(offsets))
                    ctx.mag, ctx.rake, ctx.dip, ctx.ztor = mag, rake, dip, ztor
                    ctx.rjb, ctx.rrup, ctx.rx = rjb, rrup, rx
                    ctx.vs30, ctx.vs30measured = vs30, measured
                    z1_ref = math.exp(-7.15 / 4 * math.log((vs30**4 + 571.0**4) / (1360.0**4 + 571.0**4)))
                    ctx.z1pt0 = z1_ref if z1 is None else z1
                    ctx.sids = np.arange(len(offsets))
                    mean, _sig, tau, phi = cm.get_mean_stds([ctx])[:, 0]
                    for k, (imt, period) in enumerate(PERIODS.items()):
                        for j in range(len(offsets)):
                            rows.append(
                                [name, imt, period, mag, rake, dip, ztor, vs30, int(measured),
                                 "" if z1 is None else z1, rjb[j], rrup[j], rx[j],
                                 math.exp(mean[k, j]), tau[k, j], phi[k, j]]
                            )  # fmt: skip
    with path.open("w", newline="") as fh:
        fh.write(_header("BooreEtAl2014() and ChiouYoungs2014() medians (g) and tau, phi (ln units)"))
        fh.write("# z1_m empty: the model's own Vs30-Z1.0 mean (no basin term); vs30_measured 0/1\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["gmpe", "imt", "period_s", "magnitude", "rake_deg", "dip_deg", "ztor_km", "vs30_m_s",
             "vs30_measured", "z1_m", "rjb_km", "rrup_km", "rx_km", "median_g", "tau", "phi"]
        )  # fmt: skip
        for r in rows:
            w.writerow([*r[:10], *(f"{v:.7g}" for v in r[10:])])


def _header(what: str) -> str:
    import openquake.baselib

    return (
        f"# {what}\n# oracle: openquake.engine {openquake.baselib.__version__} (hazardlib), AGPL-3, "
        "run as an oracle only\n# made by tests/models/hazards/data/make_gmpe_reference.py\n"
    )


def main() -> None:
    """Write both tables next to this script."""
    write_distances(HERE / "gmpe_reference_distances.csv")
    write_gmpes(HERE / "gmpe_reference_gmpes.csv")


if __name__ == "__main__":
    main()
