"""Substance table: lookup, error messages, hand-checked physical data."""

from __future__ import annotations

import pytest

from models.impact.probit import ToxicProbit
from models.substances import Substance, get_substance, substance_names

# IUPAC standard atomic weights (abridged), typed in by hand.
H, C, N, CL = 1.008, 12.011, 14.007, 35.453


def test_required_substances_present_and_sorted():
    names = substance_names()
    assert {"chlorine", "ammonia", "propane", "lpg", "gasoline"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chlorine", "chlorine"),
        ("CHLORINE", "chlorine"),
        ("  Chlorine ", "chlorine"),
        ("Ammonia", "ammonia"),
        ("lpg", "lpg"),
        ("LPG", "lpg"),
        ("Petrol", "gasoline"),
    ],
)
def test_lookup_is_case_insensitive(query, expected):
    substance = get_substance(query)
    assert isinstance(substance, Substance)
    assert substance.name.lower() == expected


@pytest.mark.parametrize(("typo", "suggestion"), [("chlorin", "chlorine"), ("amonia", "ammonia")])
def test_unknown_name_suggests_close_match(typo, suggestion):
    with pytest.raises(ValueError) as excinfo:
        get_substance(typo)
    message = str(excinfo.value)
    assert "did you mean" in message
    assert f"'{suggestion}'" in message.split("?")[0]
    assert "propane" in message  # the list of known names


def test_unknown_name_without_close_match_lists_names():
    with pytest.raises(ValueError) as excinfo:
        get_substance("unobtainium")
    assert "did you mean" not in str(excinfo.value)
    for name in substance_names():
        assert name in str(excinfo.value)


@pytest.mark.parametrize("name", ["chlorine", "ammonia", "propane", "lpg", "gasoline"])
def test_every_substance_has_positive_properties_and_sources(name):
    s = get_substance(name)
    assert s.molar_mass_g_mol > 0
    assert s.normal_boiling_point_K > 0
    assert s.liquid_density_kg_m3 > 0
    assert s.source
    if s.is_flammable:
        assert s.heat_of_combustion_J_kg > 1e6
    for _, probit in s.probits:
        assert isinstance(probit, ToxicProbit) and probit.source


@pytest.mark.parametrize(
    ("name", "molar_mass"),
    [("chlorine", 2 * CL), ("ammonia", N + 3 * H), ("propane", 3 * C + 8 * H)],
)
def test_molar_masses_from_atomic_weights(name, molar_mass):
    assert get_substance(name).molar_mass_g_mol == pytest.approx(molar_mass, abs=0.002)


def test_lpg_molar_mass_between_propane_and_butane():
    butane = 4 * C + 10 * H
    assert 3 * C + 8 * H < get_substance("lpg").molar_mass_g_mol < butane


def test_flammability_flags():
    assert not get_substance("chlorine").is_flammable
    for name in ("propane", "lpg", "gasoline", "ammonia"):
        assert get_substance(name).is_flammable


def test_probit_defaults_and_alternatives():
    cl2 = get_substance("chlorine")
    assert cl2.lethality_probit() == cl2.lethality_probit("withers_lees_1985")
    tno = cl2.lethality_probit("tno_purple_book")
    assert (tno.a, tno.b, tno.n, tno.concentration_unit) == (-6.35, 0.5, 2.75, "mg/m3")

    nh3 = get_substance("ammonia")
    default = nh3.lethality_probit()
    assert (default.a, default.b, default.n, default.concentration_unit) == (
        -15.6,
        1.0,
        2.0,
        "mg/m3",
    )
    ccps = nh3.lethality_probit("ccps_1989")
    assert (ccps.a, ccps.b, ccps.n, ccps.concentration_unit) == (-35.9, 1.85, 2.0, "ppm")


def test_unknown_probit_lists_available():
    with pytest.raises(ValueError) as excinfo:
        get_substance("ammonia").lethality_probit("eisenberg")
    assert "tno_purple_book" in str(excinfo.value) and "ccps_1989" in str(excinfo.value)
    with pytest.raises(ValueError):
        get_substance("propane").lethality_probit()


def test_substances_are_immutable_and_cached():
    s = get_substance("chlorine")
    assert get_substance("Chlorine") is s
    with pytest.raises(AttributeError):
        s.molar_mass_g_mol = 1.0  # type: ignore[misc]
