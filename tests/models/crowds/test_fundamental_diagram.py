"""Speed-density relation of both models in a periodic corridor: RiMEA tests 4 and 16, Weidmann.

Set-up (``conftest.periodic_corridor``): a straight corridor whose ends are joined (frozen,
shifted copies of the crowd beyond both ends, refreshed every step, exact for both models since
a step reads only the previous state), everybody walking east at a desired 1.34 m/s, a random
start of non-overlapping bodies (a jittered lattice where random placement cannot fit them),
10 s of transient, then the mean speed along the corridor. The periodic corridor stands in
for the guideline's 1000 m × 10 m one, as in JuPedSim's RiMEA 4 test (26 m × 2 m, periodic);
the guideline asks for free speeds "as equal as possible (for example 1.2–1.4 m/s)".

RiMEA 4 (3.0 text, English transcription in JuPedSim's ``test_description/test_4.tex``):
densities 0.5, 1, 2, 3, 4, 5, 6 persons/m², the mean speed at a main and two control
measuring points of 2 m × 2 m over 60 s with the first 10 s ignored; flow = speed × density.
The guideline asks for the diagram, not for a number. Checked: the main and the control points
agree (the reason the guideline places control points), speed does not rise with density,
free speed at the lowest density, and the specific flow peaks inside the range (the shape of a
fundamental diagram), not at either end. Default: a 10 m × 3 m corridor, 10 s of measurement;
``slow``: 10 m × 10 m (the guideline's width), 50 s.

Weidmann (1993) band: the guideline states no numeric band for test 4; RiMEA 4.x's test 16
uses the 10–90 % percentiles of its own single-file data, which this project could not obtain.
The band used here is an engineering tolerance of this project, ±0.25 m/s around Weidmann's
relation in Kladek's form (v0 1.34 m/s, γ 1.913 m⁻², ρ_max 5.4 m⁻²; the form as Seyfried et
al. 2005 quote it, the values as in shared/reference/pedestrian-validation.md), about a fifth
of the free speed; handbook relations themselves disagree widely
(the density where flow breaks down ranges from 3.8 to 10 m⁻² across handbooks: Seyfried,
Portz & Schadschneider 2010, abstract). Measured when written, collision-free speed model,
10 m × 3 m: 1.34 / 0.95 / 0.42 / 0.20 m/s at 0.5 / 1 / 2 / 3 m⁻² against Weidmann's 1.30 /
1.06 / 0.61 / 0.33: inside the band, below the curve by up to 0.18 m/s at medium density.

RiMEA 16 (4.x, as JuPedSim's V&V notebooks run it, secondary): single file at 0.5, 0.8 and
1.5 persons/m with v0 1.2 m/s; the guideline's criterion (inside its empirical percentile band)
cannot be checked without its data; checked here: free speed at the lowest line density and a
speed falling with density, plus, for the collision-free speed model, its own law of
Tordeux et al. (2016) for a uniform file, v = min(v0, (1/ρ − 2r)/T).

The social force model (Helbing, Farkas & Vicsek 2000) has forces that depend on distances
only: in a crowd moving together the pushes from ahead and behind cancel and everybody keeps
the free speed whatever the density (the 2000 "circular specification" does not consider
velocities at all: Kretz 2015, arXiv:1507.02566, introduction), until the bodies are compressed
into a jam. The tests that expect speed to fall with density are strict ``xfail`` for it: a
property of the model, not a defect of the code.

``sfm_view`` is the social force model with Helbing & Molnár's (1995) field of view
(:data:`models.crowds.kernels.SFM_FIELD_OF_VIEW`, c = 0.75): the push from those behind counts
less, so speed does fall with density (measured, 10 m × 3 m: 1.34 / 1.32 / 0.87 / −0.02 /
−0.02 / −0.02 / 0.00 m/s at 0.5 … 6 persons/m²) and RiMEA 4's shape checks pass. It is still
outside the Weidmann band: HFV's short range (B = 0.08 m) leaves it at free speed at 1 /m²
(1.32 against 1.06 ± 0.25) and stopped from 3 /m² (against 0.33); in single file its speed
stays 1.2 m/s up to 0.8 /m (1.20 / 1.20 / 0.81 m/s). Those stay strict ``xfail``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import numpy as np
import pytest

from models.crowds.kernels import SFM_FIELD_OF_VIEW, PedestrianStepper
from tests.models.crowds.conftest import AGENT, MODELS, periodic_corridor, weidmann_speed

#: Model variants of the crowd tests: the kernel model each runs and the constants it runs with
#: (``None``: the published defaults). ``sfm_view``: the social force model with a field of view.
VARIANTS = {"csm": ("csm", None), "sfm": ("sfm", None), "sfm_view": ("sfm", SFM_FIELD_OF_VIEW)}


@contextlib.contextmanager
def model_variant(variant: str) -> Iterator[str]:
    """Within the block, steppers built without constants use ``variant``'s; yields its model.

    The crowd tests' helpers (``conftest.Floor.stepper``, ``periodic_corridor``) build their
    steppers with the model's default constants; this swaps the default for the block only.
    """
    model, parameters = VARIANTS[variant]
    with pytest.MonkeyPatch.context() as mp:
        if parameters is not None:
            mp.setitem(PedestrianStepper.DEFAULT_PARAMETERS, model, parameters)
        yield model


RIMEA_4_DENSITIES = (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
WEIDMANN_BAND_M_S = 0.25

SFM_FLAT_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model property, not a code defect: HFV 2000 forces depend on distance only, so a "
    "crowd moving together keeps its free speed (1.34 m/s up to 4 persons/m² measured) until it jams",
)
SFM_VIEW_STEP_XFAIL = pytest.mark.xfail(
    strict=True,
    reason="model property, not a code defect: with the field of view the speed falls, but HFV's "
    "short social range (B = 0.08 m) makes it a step: 1.32 m/s at 1 /m² (Weidmann 1.06 ± 0.25), "
    "−0.02 at 3 /m² (0.33 ± 0.25); single file 1.20 / 1.20 / 0.81 m/s at 0.5 / 0.8 / 1.5 /m",
)
WEIDMANN_VARIANTS = [
    "csm",
    pytest.param("sfm", marks=SFM_FLAT_XFAIL),
    pytest.param("sfm_view", marks=SFM_VIEW_STEP_XFAIL),
]


def measuring_points(length_m: float, width_m: float) -> list[tuple[float, float, float, float]]:
    """Main point in the middle, two control points a quarter length away, 2 m × 2 m each."""
    y0, y1 = width_m / 2 - 1.0, width_m / 2 + 1.0
    return [(c - 1.0, y0, c + 1.0, y1) for c in (length_m / 2, length_m / 4, 3 * length_m / 4)]


@functools.cache
def rimea_4(variant: str, length_m: float, width_m: float, t_measure_s: float) -> tuple:
    """The corridor at every RiMEA 4 density: ``(density, speed, box speeds)`` per density."""
    boxes = measuring_points(length_m, width_m)
    out = []
    with model_variant(variant) as model:
        for rho in RIMEA_4_DENSITIES:
            n = round(rho * length_m * width_m)
            run = periodic_corridor(n, length_m, width_m, model, t_measure_s=t_measure_s, boxes=boxes, seed=4)
            out.append((run.density, run.speed_m_s, tuple(run.box_speed_m_s)))
    return tuple(out)


def check_rimea_4(points) -> None:
    rho = np.array([p[0] for p in points])
    v = np.array([p[1] for p in points])
    main, controls = np.array([p[2][0] for p in points]), np.array([p[2][1:] for p in points])
    assert np.all(np.abs(controls - main[:, None]) <= 0.1 + 0.1 * main[:, None])  # homogeneous
    assert v[0] >= 0.95 * 1.34  # free walking at 0.5 persons/m²
    assert np.all(np.diff(v) <= 0.02)  # speed does not rise with density
    flow = rho * v
    assert 0 < np.argmax(flow) < len(flow) - 1 and flow[-1] < 0.5 * flow.max()  # a peaked diagram


@pytest.mark.parametrize("model", [*MODELS, "sfm_view"])
def test_rimea_04_fundamental_diagram_in_a_corridor(model):
    check_rimea_4(rimea_4(model, 10.0, 3.0, 10.0))


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_rimea_04_fundamental_diagram_in_a_10_m_corridor(model):
    check_rimea_4(rimea_4(model, 10.0, 10.0, 50.0))


def check_weidmann(points) -> None:
    rho = np.array([p[0] for p in points])
    v = np.array([p[1] for p in points])
    assert np.all(np.abs(v - weidmann_speed(rho)) <= WEIDMANN_BAND_M_S), np.c_[rho, v, weidmann_speed(rho)]


@pytest.mark.parametrize("model", WEIDMANN_VARIANTS)
def test_speed_density_points_lie_in_the_band_around_weidmann(model):
    check_weidmann(rimea_4(model, 10.0, 3.0, 10.0))


@pytest.mark.slow
@pytest.mark.parametrize("model", ["csm", pytest.param("sfm", marks=SFM_FLAT_XFAIL)])
def test_speed_density_points_lie_in_the_band_around_weidmann_10_m_corridor(model):
    check_weidmann(rimea_4(model, 10.0, 10.0, 50.0))


# --- RiMEA 16: single file -------------------------------------------------------------------

LINE_DENSITIES = (0.5, 0.8, 1.5)  # persons per metre (JuPedSim's RiMEA 16 runs)


@functools.cache
def single_file(variant: str) -> np.ndarray:
    """Mean speed at each line density on a 20 m ring, v0 = 1.2 m/s."""
    with model_variant(variant) as model:
        return np.array(
            [
                periodic_corridor(round(rho * 20.0), 20.0, 0.0, model, v0_m_s=1.2, t_measure_s=10.0).speed_m_s
                for rho in LINE_DENSITIES
            ]
        )


@pytest.mark.parametrize("model", WEIDMANN_VARIANTS)
def test_rimea_16_single_file_speed_falls_with_density(model):
    v = single_file(model)
    assert v[0] >= 0.95 * 1.2 and np.all(np.diff(v) < -0.05)


def test_rimea_16_single_file_follows_the_collision_free_speed_law():
    """Uniform file, spacing 1/ρ: v = min(v0, (1/ρ − 2r)/T) (Tordeux, Chraibi & Seyfried 2016)."""
    rho = np.array(LINE_DENSITIES)
    expected = np.minimum(1.2, (1 / rho - 2 * AGENT["csm"]["radius_m"]) / AGENT["csm"]["tau_s"])
    assert single_file("csm") == pytest.approx(expected, abs=0.01)
