"""Gaussian plume and Briggs σ: published spot values, hand computations, physics invariants."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from models.hazards.dispersion import (
    BRIGGS_SIGMA_COEFFICIENTS,
    _gaussian_plume_field_reference,
    briggs_sigmas,
    gaussian_plume_field,
    pasquill_stability,
    steady_plume_concentration,
)

CLASSES = "ABCDEF"

# Briggs (1973) formulas typed in by hand from the reference sheet, independent of the module's
# coefficient table (x in m, σ in m).
RURAL_SY = {
    "A": lambda x: 0.22 * x / math.sqrt(1 + 0.0001 * x),
    "B": lambda x: 0.16 * x / math.sqrt(1 + 0.0001 * x),
    "C": lambda x: 0.11 * x / math.sqrt(1 + 0.0001 * x),
    "D": lambda x: 0.08 * x / math.sqrt(1 + 0.0001 * x),
    "E": lambda x: 0.06 * x / math.sqrt(1 + 0.0001 * x),
    "F": lambda x: 0.04 * x / math.sqrt(1 + 0.0001 * x),
}
RURAL_SZ = {
    "A": lambda x: 0.20 * x,
    "B": lambda x: 0.12 * x,
    "C": lambda x: 0.08 * x / math.sqrt(1 + 0.0002 * x),
    "D": lambda x: 0.06 * x / math.sqrt(1 + 0.0015 * x),
    "E": lambda x: 0.03 * x / (1 + 0.0003 * x),
    "F": lambda x: 0.016 * x / (1 + 0.0003 * x),
}
URBAN_SY = {
    "A": lambda x: 0.32 * x / math.sqrt(1 + 0.0004 * x),
    "B": lambda x: 0.32 * x / math.sqrt(1 + 0.0004 * x),
    "C": lambda x: 0.22 * x / math.sqrt(1 + 0.0004 * x),
    "D": lambda x: 0.16 * x / math.sqrt(1 + 0.0004 * x),
    "E": lambda x: 0.11 * x / math.sqrt(1 + 0.0004 * x),
    "F": lambda x: 0.11 * x / math.sqrt(1 + 0.0004 * x),
}
URBAN_SZ = {
    "A": lambda x: 0.24 * x * math.sqrt(1 + 0.001 * x),
    "B": lambda x: 0.24 * x * math.sqrt(1 + 0.001 * x),
    "C": lambda x: 0.20 * x,
    "D": lambda x: 0.14 * x / math.sqrt(1 + 0.0003 * x),
    "E": lambda x: 0.08 * x / math.sqrt(1 + 0.0015 * x),
    "F": lambda x: 0.08 * x / math.sqrt(1 + 0.0015 * x),
}
HAND = {"rural": (RURAL_SY, RURAL_SZ), "urban": (URBAN_SY, URBAN_SZ)}


def plume(x, y, **kw):
    """Plume from the origin with a west wind (plume along +x) unless overridden."""
    args = {
        "source_x_m": 0.0,
        "source_y_m": 0.0,
        "release_height_m": 0.0,
        "receptor_height_m": 0.0,
        "rate_kg_s": 2.0,
        "wind_speed_m_s": 4.0,
        "wind_from_deg": 270.0,
        "stability": "D",
    }
    args.update(kw)
    return steady_plume_concentration(x, y, **args)


# --- Briggs σ -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stability", "sigma_y", "sigma_z"),
    [("D", 76.3, 37.9), ("F", 38.1, 12.3)],
)
def test_briggs_spot_values_from_reference_sheet(stability, sigma_y, sigma_z):
    sy, sz = briggs_sigmas(1000.0, stability)
    assert round(float(sy), 1) == sigma_y
    assert round(float(sz), 1) == sigma_z


@pytest.mark.parametrize("terrain", ["rural", "urban"])
@pytest.mark.parametrize("stability", list(CLASSES))
def test_briggs_every_class_matches_hand_formula(terrain, stability):
    x = np.array([100.0, 1000.0, 10000.0])
    sy, sz = briggs_sigmas(x, stability, terrain)
    hand_sy, hand_sz = HAND[terrain]
    np.testing.assert_allclose(sy, [hand_sy[stability](v) for v in x], rtol=1e-13)
    np.testing.assert_allclose(sz, [hand_sz[stability](v) for v in x], rtol=1e-13)


def test_briggs_table_is_in_kernel_form():
    # Every coefficient triple must fit a·x·(1+b·x)^p with the exponents Briggs uses.
    for table in BRIGGS_SIGMA_COEFFICIENTS.values():
        assert set(table) == set(CLASSES)
        for triples in table.values():
            for a, b, p in triples:
                assert a > 0 and b >= 0
                assert p in (-1.0, -0.5, 0.0, 0.5)


def test_briggs_sigmas_ordering_and_shape():
    x = np.full((2, 3), 1000.0)
    sy, sz = briggs_sigmas(x, "b", terrain=" Rural ")
    assert sy.shape == sz.shape == (2, 3)
    widths = [float(briggs_sigmas(1000.0, c)[0]) for c in CLASSES]
    assert widths == sorted(widths, reverse=True)  # A widest, F narrowest


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"stability": "G"}, "stability class 'G'"),
        ({"stability": "D", "terrain": "suburban"}, "terrain 'suburban'"),
    ],
)
def test_briggs_rejects_unknown_class_or_terrain(kwargs, match):
    with pytest.raises(ValueError, match=match):
        briggs_sigmas(100.0, **kwargs)


def test_briggs_rejects_negative_distance():
    with pytest.raises(ValueError, match="x_m"):
        briggs_sigmas([-1.0, 10.0], "D")


# --- concentration: hand computations -----------------------------------------------------


@pytest.mark.parametrize("terrain", ["rural", "urban"])
@pytest.mark.parametrize("stability", ["A", "C", "D", "F"])
@pytest.mark.parametrize("x", [150.0, 800.0, 3000.0, 9000.0])
def test_ground_source_centreline_equals_hand_formula(x, stability, terrain):
    q, u = 3.0, 5.0
    c, xd = plume(x, 0.0, rate_kg_s=q, wind_speed_m_s=u, stability=stability, terrain=terrain)
    sy, sz = HAND[terrain][0][stability](x), HAND[terrain][1][stability](x)
    expected = q / (math.pi * u * sy * sz)
    assert float(c) == pytest.approx(expected, rel=1e-12)
    assert float(xd) == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("stability", ["B", "D", "E"])
@pytest.mark.parametrize("x", [200.0, 1000.0, 5000.0])
def test_elevated_source_ground_centreline(x, stability):
    q, u, h = 1.5, 3.0, 20.0
    c, _ = plume(x, 0.0, rate_kg_s=q, wind_speed_m_s=u, release_height_m=h, stability=stability)
    sy, sz = RURAL_SY[stability](x), RURAL_SZ[stability](x)
    expected = q / (math.pi * u * sy * sz) * math.exp(-(h**2) / (2 * sz**2))
    assert float(c) == pytest.approx(expected, rel=1e-12)


def test_elevated_receptor_matches_full_formula():
    q, u, h, z, x, y = 1.0, 2.0, 30.0, 10.0, 700.0, 25.0
    c, _ = plume(x, y, rate_kg_s=q, wind_speed_m_s=u, release_height_m=h, receptor_height_m=z)
    sy, sz = RURAL_SY["D"](x), RURAL_SZ["D"](x)
    vertical = math.exp(-((z - h) ** 2) / (2 * sz**2)) + math.exp(-((z + h) ** 2) / (2 * sz**2))
    expected = q / (2 * math.pi * u * sy * sz) * math.exp(-(y**2) / (2 * sy**2)) * vertical
    assert float(c) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("stability", ["A", "D", "F"])
def test_crosswind_decay_at_one_sigma(stability):
    x = 2000.0
    sy = RURAL_SY[stability](x)
    c, _ = plume(np.array([x, x, x]), np.array([0.0, sy, -sy]), stability=stability)
    assert c[1] / c[0] == pytest.approx(math.exp(-0.5), rel=1e-12)
    assert c[2] == pytest.approx(c[1], rel=1e-12)


def test_nothing_upwind_or_at_source():
    x = np.array([-5000.0, -1.0, 0.0, 0.0, 1.0])
    y = np.array([0.0, 0.0, 0.0, 300.0, 0.0])
    c, xd = plume(x, y)
    np.testing.assert_array_equal(c[:4], 0.0)
    assert c[4] > 0.0
    np.testing.assert_allclose(xd, [-5000.0, -1.0, 0.0, 0.0, 1.0], atol=1e-9)


@pytest.mark.parametrize(
    ("wind_from_deg", "downwind_point"),
    [
        (270.0, (1000.0, 0.0)),  # from the west -> plume to the east (+x)
        (90.0, (-1000.0, 0.0)),  # from the east -> plume to the west
        (0.0, (0.0, -1000.0)),  # from the north -> plume to the south
        (180.0, (0.0, 1000.0)),  # from the south -> plume to the north
        (225.0, (707.1, 707.1)),  # from the south-west -> plume to the north-east
    ],
)
def test_wind_direction_convention(wind_from_deg, downwind_point):
    px, py = downwind_point
    c, xd = plume(np.array([px, -px]), np.array([py, -py]), wind_from_deg=wind_from_deg)
    assert c[0] > 0.0 and c[1] == 0.0
    assert xd[0] == pytest.approx(1000.0, rel=1e-4)
    assert xd[1] == pytest.approx(-1000.0, rel=1e-4)


def test_source_offset_and_grid_shape():
    xs, ys = np.meshgrid(np.linspace(-500, 3000, 8), np.linspace(-400, 400, 5))
    c, xd = plume(xs + 100.0, ys - 50.0, source_x_m=100.0, source_y_m=-50.0)
    c0, xd0 = plume(xs, ys)
    assert c.shape == xd.shape == (5, 8)
    np.testing.assert_allclose(c, c0, rtol=1e-12)
    np.testing.assert_allclose(xd, xd0, rtol=1e-12, atol=1e-9)


# --- physics invariant: mass flux through a cross-section ---------------------------------


def _mass_flux(x, stability, terrain, release_height_m):
    q, u = 2.5, 3.0
    sy, sz = briggs_sigmas(x, stability, terrain)
    sy, sz = float(sy), float(sz)
    y = np.linspace(-8 * sy, 8 * sy, 801)
    z = np.linspace(0.0, release_height_m + 8 * sz, 801)
    conc = np.empty((z.size, y.size))
    for k, zk in enumerate(z):
        conc[k], _ = plume(
            np.full_like(y, x),
            y,
            rate_kg_s=q,
            wind_speed_m_s=u,
            stability=stability,
            terrain=terrain,
            release_height_m=release_height_m,
            receptor_height_m=float(zk),
        )
    flux = np.trapezoid(np.trapezoid(conc * u, y, axis=1), z)
    return flux / q


@pytest.mark.parametrize(
    ("x", "stability", "terrain", "height"),
    [
        (100.0, "A", "rural", 0.0),
        (1000.0, "D", "rural", 0.0),
        (10000.0, "F", "rural", 0.0),
        (3000.0, "C", "urban", 0.0),
        (2000.0, "E", "urban", 0.0),
        (500.0, "D", "rural", 40.0),
    ],
)
def test_mass_flux_through_cross_section_equals_release_rate(x, stability, terrain, height):
    assert _mass_flux(x, stability, terrain, height) == pytest.approx(1.0, rel=0.01)


# --- kernel vs plain-Python twin -----------------------------------------------------------


def test_kernel_matches_python_twin_on_random_inputs():
    rng = np.random.default_rng(20240607)
    for _ in range(40):
        n = 64
        x = rng.uniform(-3000, 12000, n)
        y = rng.uniform(-3000, 3000, n)
        terrain = str(rng.choice(["rural", "urban"]))
        stability = str(rng.choice(list(CLASSES)))
        (sya, syb, syp), (sza, szb, szp) = BRIGGS_SIGMA_COEFFICIENTS[terrain][stability]
        angle = rng.uniform(0, 2 * math.pi)
        scalars = (
            float(rng.uniform(-500, 500)),
            float(rng.uniform(-500, 500)),
            float(rng.uniform(0, 100)),
            float(rng.uniform(0, 50)),
            float(rng.uniform(0.01, 100)),
            float(rng.uniform(0.5, 20)),
            math.cos(angle),
            math.sin(angle),
            sya,
            syb,
            syp,
            sza,
            szb,
            szp,
        )
        c_jit, d_jit = np.empty(n), np.empty(n)
        c_ref, d_ref = np.empty(n), np.empty(n)
        gaussian_plume_field(x, y, *scalars, c_jit, d_jit)
        _gaussian_plume_field_reference(x, y, *scalars, c_ref, d_ref)
        np.testing.assert_allclose(d_jit, d_ref, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(c_jit, c_ref, rtol=1e-12, atol=0.0)
        assert np.any(c_ref > 0) and np.any(c_ref == 0)


def test_kernel_is_compiled_in_nopython_mode():
    plume(1000.0, 0.0)
    assert gaussian_plume_field.nopython_signatures


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="JIT disabled")
def test_kernel_cache_is_reused_by_a_new_process():
    plume(1000.0, 0.0)  # make sure this process compiled (or loaded) and cached it
    code = textwrap.dedent(
        """
        import numpy as np
        from models.hazards.dispersion import gaussian_plume_field as k
        a = np.ones(1); o1 = np.empty(1); o2 = np.empty(1)
        k(a, a, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.1, 0.0, 0.0, 0.1, 0.0, 0.0, o1, o2)
        print(sum(k.stats.cache_hits.values()))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) >= 1


# --- input validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"wind_speed_m_s": 0.0}, "wind_speed_m_s"),
        ({"wind_speed_m_s": -1.0}, "wind_speed_m_s"),
        ({"rate_kg_s": -1.0}, "rate_kg_s"),
        ({"release_height_m": -2.0}, "release_height_m"),
        ({"receptor_height_m": math.nan}, "receptor_height_m"),
        ({"wind_from_deg": math.inf}, "wind_from_deg"),
        ({"stability": "X"}, "stability"),
        ({"terrain": "forest"}, "terrain"),
    ],
)
def test_wrapper_validates_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plume(1000.0, 0.0, **kwargs)


def test_wrapper_rejects_non_finite_coordinates():
    with pytest.raises(ValueError, match="finite"):
        plume(np.array([1000.0, np.nan]), 0.0)


# --- Pasquill table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wind", "condition", "expected"),
    [
        (1.0, "strong", "A"),
        (1.0, "moderate", "A"),  # A–B -> more unstable letter
        (1.0, "slight", "B"),
        (1.0, "night_cloudy", "E"),
        (1.0, "night_clear", "F"),
        (2.5, "strong", "A"),  # A–B
        (2.5, "moderate", "B"),
        (2.5, "slight", "C"),
        (4.0, "strong", "B"),
        (4.0, "moderate", "B"),  # B–C
        (4.0, "night_cloudy", "D"),
        (4.0, "night_clear", "E"),
        (5.5, "strong", "C"),
        (5.5, "moderate", "C"),  # C–D
        (5.5, "slight", "D"),
        (5.5, "night_clear", "D"),
        (8.0, "strong", "C"),
        (8.0, "moderate", "D"),
        (8.0, "night_clear", "D"),
        (0.5, "overcast", "D"),
        (12.0, "overcast", "D"),
        # band edges: [2, 3), [3, 5), [5, 6], > 6
        (2.0, "slight", "C"),
        (3.0, "slight", "C"),
        (3.0, "night_clear", "E"),
        (6.0, "strong", "C"),
        (6.0, "moderate", "C"),
        (6.01, "moderate", "D"),
    ],
)
def test_pasquill_table(wind, condition, expected):
    assert pasquill_stability(wind, condition) == expected


def test_pasquill_rejects_bad_input():
    with pytest.raises(ValueError, match="condition"):
        pasquill_stability(3.0, "sunny")
    with pytest.raises(ValueError, match="wind_speed_m_s"):
        pasquill_stability(-1.0, "strong")
