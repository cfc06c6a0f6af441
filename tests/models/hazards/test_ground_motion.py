"""Rupture geometry and GMPEs against hand geometry, the papers' equations and OpenQuake oracle tables.

The oracle tables (``data/gmpe_reference_*.csv``) were written by ``data/make_gmpe_reference.py``
with OpenQuake hazardlib 3.26.2 (``BooreEtAl2014``, ``ChiouYoungs2014``, ``PlanarSurface``);
OpenQuake is not needed to run these tests.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from models.hazards.ground_motion import (
    BSSA14,
    CY14,
    Distances,
    Rupture,
    gmpe,
    load_coefficients,
    mechanism,
    wells_coppersmith_1994,
)

DATA = Path(__file__).parent / "data"


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _plane(x0_km, y0_km, strike, dip, rake, length, width, ztor, magnitude=6.5) -> Rupture:
    """A rupture given by its top edge's start (as in the oracle script), hypocentre irrelevant."""
    return Rupture(
        magnitude, strike, dip, rake, length, width, ztor, x0_km * 1e3, y0_km * 1e3, 0.0, 0.0, ztor
    )  # fmt: skip


# --- geometry ------------------------------------------------------------------------------------


def test_vertical_strike_slip_distances_by_hand():
    # North-striking vertical plane, top edge from (0, -10 km) to (0, 10 km) at 2 km depth.
    r = _plane(0.0, -10.0, 0.0, 90.0, 0.0, 20.0, 10.0, 2.0)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-30e3, 30e3, 500), rng.uniform(-40e3, 40e3, 500)
    d = r.distances(x, y)
    ry0 = np.maximum(np.abs(y / 1e3) - 10.0, 0.0)
    np.testing.assert_allclose(d.rx_km, x / 1e3, atol=1e-12)  # east of a north strike: hanging wall side
    np.testing.assert_allclose(d.ry0_km, ry0, atol=1e-12)
    np.testing.assert_allclose(d.rjb_km, np.hypot(x / 1e3, ry0), atol=1e-12)
    np.testing.assert_allclose(d.rrup_km, np.sqrt(d.rjb_km**2 + 2.0**2), atol=1e-12)


def test_dipping_plane_hanging_wall_footwall_and_rx_sign():
    # East-striking plane dipping 30° to the south from the surface (ztor = 0): W = 10 km,
    # surface projection 8.66 km wide, south of the trace y = 0.
    r = _plane(-20.0, 0.0, 90.0, 30.0, 90.0, 40.0, 10.0, 0.0)
    t = np.array([1.0, 4.0, 8.0])  # km south of the trace, above the plane
    d = r.distances(np.zeros(3), -t * 1e3)
    np.testing.assert_allclose(d.rx_km, t)  # hanging wall (dip direction): Rx > 0
    np.testing.assert_allclose(d.rjb_km, 0.0)
    np.testing.assert_allclose(d.rrup_km, t * math.sin(math.radians(30.0)))  # perpendicular to the plane
    north = r.distances(np.zeros(2), np.array([3e3, 12e3]))  # footwall: nearest point is the trace
    np.testing.assert_allclose(north.rx_km, [-3.0, -12.0])
    np.testing.assert_allclose(north.rrup_km, [3.0, 12.0])
    np.testing.assert_allclose(north.rjb_km, [3.0, 12.0])
    far = r.distances(np.array([0.0]), np.array([-20e3]))  # beyond the bottom edge's projection
    w_cos = 10.0 * math.cos(math.radians(30.0))
    assert far.rjb_km[0] == pytest.approx(20.0 - w_cos)
    assert far.rrup_km[0] == pytest.approx(math.hypot(20.0 - w_cos, 5.0))  # bottom edge at 5 km
    beyond_end = r.distances(np.array([25e3]), np.array([-2e3]))
    assert beyond_end.ry0_km[0] == pytest.approx(5.0) and beyond_end.rjb_km[0] == pytest.approx(5.0)


@pytest.mark.parametrize("name", ["vertical_strike_slip", "reverse_dip40", "normal_dip55"])
def test_distances_match_openquake_planar_surface(name):
    rows = [r for r in _read("gmpe_reference_distances.csv") if r["rupture"] == name]
    assert len(rows) == 100
    header = (DATA / "gmpe_reference_distances.csv").read_text().splitlines()[3]
    spec = header.split(f"{name} (")[1].split(")")[0]
    x0, y0, strike, dip, rake, length, width, ztor = (float(v) for v in spec.split(","))
    r = _plane(x0, y0, strike, dip, rake, length, width, ztor)
    x = np.array([float(row["x_km"]) for row in rows]) * 1e3
    y = np.array([float(row["y_km"]) for row in rows]) * 1e3
    d = r.distances(x, y)
    for ours, key in ((d.rjb_km, "rjb_km"), (d.rrup_km, "rrup_km"), (d.rx_km, "rx_km"), (d.ry0_km, "ry0_km")):
        ref = np.array([float(row[key]) for row in rows])
        # OpenQuake works on a sphere (111.19 km per degree here): agreement to ~1e-4 relative;
        # on the trace of the surface-rupturing plane its Rrup is 0.02-0.05 km where ours is 0.
        np.testing.assert_allclose(ours, ref, rtol=2e-3, atol=0.05, err_msg=key)
    assert np.any(d.rjb_km == 0.0) and np.any(d.rx_km > 0) and np.any(d.rx_km < 0)


def test_hypocentre_lies_on_the_plane_and_shallow_planes_start_at_the_surface():
    for depth, dip, strike in ((10.0, 45.0, 30.0), (3.0, 60.0, 200.0), (15.0, 90.0, 315.0)):
        r = Rupture.from_hypocentre(7.0, 1000.0, -500.0, depth, strike, dip, 90.0)
        c = r.corners()
        origin = c[0] * [1e-3, 1e-3, 1.0]
        along = (c[1] - c[0]) * [1e-3, 1e-3, 1.0]
        down = (c[3] - c[0]) * [1e-3, 1e-3, 1.0]
        h = np.array([1.0, -0.5, depth]) - origin
        u = h @ along / (along @ along)
        w = h @ down / (down @ down)
        normal = np.cross(along, down)
        assert abs(h @ normal) / np.linalg.norm(normal) < 1e-9  # on the plane
        assert u == pytest.approx(0.5)  # middle along strike
        assert 0.0 <= w <= 1.0
        if depth - 0.5 * r.width_km * math.sin(math.radians(dip)) >= 0:
            assert w == pytest.approx(0.5)
        else:  # moved down dip until the top edge reaches the surface
            assert r.ztor_km == 0.0
        assert np.linalg.norm(along) == pytest.approx(r.length_km)
        assert np.linalg.norm(down) == pytest.approx(r.width_km)
    given = Rupture.from_hypocentre(6.0, 0.0, 0.0, 8.0, 0.0, 45.0, 0.0, width_km=10.0, ztor_km=3.0)
    assert given.ztor_km == 3.0 and given.bottom_depth_km == pytest.approx(3.0 + 10.0 / math.sqrt(2))
    with pytest.raises(ValueError, match="does not contain the hypocentre"):
        Rupture.from_hypocentre(6.0, 0.0, 0.0, 12.0, 0.0, 45.0, 0.0, width_km=10.0, ztor_km=3.0)
    with pytest.raises(ValueError, match="dip_deg"):
        Rupture.from_hypocentre(6.0, 0.0, 0.0, 12.0, 0.0, 0.0, 0.0)


def test_wells_coppersmith_1994_table_2a():
    # log10 RLD and log10 RW by mechanism, Wells & Coppersmith (1994) Table 2A.
    assert wells_coppersmith_1994(7.0, 0.0) == pytest.approx(
        (10 ** (-2.57 + 0.62 * 7), 10 ** (-0.76 + 0.27 * 7))
    )
    assert wells_coppersmith_1994(6.5, 90.0) == pytest.approx(
        (10 ** (-2.42 + 0.58 * 6.5), 10 ** (-1.61 + 0.41 * 6.5))
    )
    assert wells_coppersmith_1994(6.0, -90.0) == pytest.approx(
        (10 ** (-1.88 + 0.5 * 6), 10 ** (-1.14 + 0.35 * 6))
    )
    assert [mechanism(r) for r in (0.0, 180.0, -180.0, 60.0, -60.0, 30.0)] == [
        "strike_slip", "strike_slip", "strike_slip", "reverse", "normal", "strike_slip"
    ]  # fmt: skip


# --- GMPEs against OpenQuake -------------------------------------------------------------------


def _oracle_rows(name: str) -> list[dict[str, str]]:
    return [r for r in _read("gmpe_reference_gmpes.csv") if r["gmpe"] == name]


@pytest.mark.parametrize("name", ["BSSA14", "CY14"])
def test_medians_and_sigmas_match_openquake_within_one_percent(name):
    rows = _oracle_rows(name)
    assert len(rows) >= 1296
    model = gmpe(name)
    got, ref = [], []
    for r in rows:
        f = {k: float(v) for k, v in r.items() if k not in ("gmpe", "imt", "z1_m")}
        d = Distances(np.array([f["rjb_km"]]), np.array([f["rrup_km"]]), np.array([f["rx_km"]]), np.zeros(1))
        gm = model.ground_motion(
            f["period_s"],
            magnitude=f["magnitude"],
            rake_deg=f["rake_deg"],
            distances=d,
            vs30_m_s=f["vs30_m_s"],
            dip_deg=f["dip_deg"],
            ztor_km=f["ztor_km"],
            z1_m=float(r["z1_m"]) if r["z1_m"] else None,
            vs30_measured=bool(f["vs30_measured"]),
        )
        got.append([gm.median_g[0], gm.tau[0], gm.phi[0]])
        ref.append([f["median_g"], f["tau"], f["phi"]])
    got, ref = np.array(got), np.array(ref)
    for k, what in enumerate(("median", "tau", "phi")):
        rel = np.abs(got[:, k] / ref[:, k] - 1.0)
        assert rel.max() < 0.01, f"{name} {what}: worst relative error {rel.max():.2e} at row {rel.argmax()}"
    # The table spans what the models do: nonlinear soil, hanging wall, magnitude saturation.
    assert ref[:, 0].min() < 1e-3 and ref[:, 0].max() > 1.0


def test_oracle_table_exercises_the_cy14_hanging_wall_and_nonlinear_sigma():
    rows = _oracle_rows("CY14")
    rx = np.array([float(r["rx_km"]) for r in rows])
    tau = np.array([float(r["tau"]) for r in rows])
    assert np.any(rx > 0) and np.any(rx < 0)
    assert tau.max() / tau.min() > 1.3  # (1 + NL0) tau varies with soil nonlinearity
    assert any(r["z1_m"] for r in rows) and any(r["vs30_measured"] == "1" for r in rows)


# --- properties from the papers' equations ----------------------------------------------------


def _one_site(rjb_km: float) -> Distances:
    a = np.array([rjb_km])
    return Distances(a, a, a, np.zeros(1))


def test_bssa14_basin_term_follows_equations_9_to_11():
    # For T >= 0.65 s, F_dz1 = f6·δz1 capped at f7 (δz1 in km); none for shorter periods.
    model, d = BSSA14(), _one_site(20.0)
    c = load_coefficients("BSSA14")[1.0]
    kw = dict(magnitude=6.5, rake_deg=0.0, distances=d, vs30_m_s=400.0)
    mu_z1_m = math.exp(-7.15 / 4 * math.log((400.0**4 + 570.94**4) / (1360.0**4 + 570.94**4)))
    base = model.ground_motion(1.0, **kw).ln_median[0]
    assert model.ground_motion(1.0, z1_m=mu_z1_m, **kw).ln_median[0] == pytest.approx(base)
    shallow = model.ground_motion(1.0, z1_m=mu_z1_m + 200.0, **kw).ln_median[0]
    assert shallow - base == pytest.approx(c["f6"] * 0.2)
    deep = model.ground_motion(1.0, z1_m=mu_z1_m + 3000.0, **kw).ln_median[0]
    assert deep - base == pytest.approx(c["f7"])
    pga = model.ground_motion(0.0, **kw).ln_median[0]
    assert model.ground_motion(0.0, z1_m=mu_z1_m + 3000.0, **kw).ln_median[0] == pga


def test_bssa14_sigma_tables_at_large_magnitude_distance_and_stiff_sites():
    # M >= 5.5, Rjb >= R2, Vs30 >= v2: tau = tau2, phi = phi2 + dPhiR (paper's Table 4).
    c = load_coefficients("BSSA14")[0.3]
    gm = BSSA14().ground_motion(0.3, magnitude=7.0, rake_deg=0.0, distances=_one_site(300.0), vs30_m_s=760.0)
    assert gm.tau[0] == pytest.approx(c["tau2"])
    assert gm.phi[0] == pytest.approx(c["phi2"] + c["dPhiR"])
    assert gm.sigma[0] == pytest.approx(math.hypot(c["tau2"], c["phi2"] + c["dPhiR"]))


@pytest.mark.parametrize("model", [BSSA14(), CY14()])
def test_periods_between_rows_interpolate_log_log(model):
    kw = dict(magnitude=6.5, rake_deg=0.0, distances=_one_site(15.0), vs30_m_s=360.0)
    a, b = model.ground_motion(0.3, **kw), model.ground_motion(0.4, **kw)
    mid = model.ground_motion(math.sqrt(0.3 * 0.4), **kw)  # halfway in ln T
    assert mid.ln_median[0] == pytest.approx(0.5 * (a.ln_median[0] + b.ln_median[0]))
    assert mid.phi[0] == pytest.approx(0.5 * (a.phi[0] + b.phi[0]))
    with pytest.raises(ValueError, match="period"):
        model.ground_motion(0.005, **kw)
    with pytest.raises(ValueError, match="period"):
        model.ground_motion(12.0, **kw)


def test_gmpe_lookup():
    assert isinstance(gmpe("BSSA14"), BSSA14) and gmpe("CY14") is gmpe("CY14")
    with pytest.raises(ValueError, match="BSSA14, CY14"):
        gmpe("ASK14")
