"""A small table of hazardous substances (physical properties, lethality probits, AEGLs).

The data live in the package file ``models/substances.toml``, which cites the source of every
block and marks unchecked values ``[recalled]``; this module loads it once and exposes each
entry as an immutable :class:`Substance`.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from models.impact.probit import MOLAR_GAS_CONSTANT_J_MOL_K, ToxicProbit

__all__ = ["Substance", "get_substance", "substance_names"]

_DATA_FILE = "substances.toml"
_AEGL_LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Substance:
    """Properties of one substance (see ``models/substances.toml`` for sources).

    Attributes
    ----------
    name, formula
        Display name and chemical formula (or mixture description).
    molar_mass_g_mol
        Molar mass in g/mol (mean for mixtures).
    normal_boiling_point_K
        Boiling point at 1 atm in K (bubble point or a representative value for mixtures).
    liquid_density_kg_m3
        Density of the spilled liquid in kg/m³ (at the boiling point for liquefied gases,
        at 15 °C otherwise).
    heat_of_combustion_J_kg
        Lower heating value in J/kg, ``None`` if not flammable.
    source, note
        Citation of the physical properties and free-text remarks.
    aliases
        Other lower-case names :func:`get_substance` accepts.
    default_probit
        Key of the probit :meth:`lethality_probit` returns by default, ``None`` if not toxic.
    probits
        ``(key, ToxicProbit)`` pairs of lethality probits.
    aegl_durations_min, aegl_levels_ppm
        AEGL table: durations in min and, for AEGL-1, -2, -3, one ppm value per duration.
    aegl_source
        Citation of the AEGL values.
    mass_burning_rate_inf_kg_m2_s, k_beta_per_m
        Pool-fire burning rate of a large pool (kg/(m²·s)) and the product of the flame's
        extinction coefficient and mean-beam-length corrector (1/m), for
        ``m'' = m''_∞ (1 − e^(−kβ D))`` (Babrauskas); ``None`` where not tabulated.
    pool_fire_source
        Citation of the pool-fire data.

    Examples
    --------
    >>> cl2 = get_substance("chlorine")
    >>> cl2.formula, cl2.is_flammable, cl2.is_toxic
    ('Cl2', False, True)

    """

    name: str
    formula: str
    molar_mass_g_mol: float
    normal_boiling_point_K: float
    liquid_density_kg_m3: float
    heat_of_combustion_J_kg: float | None
    source: str
    note: str = ""
    aliases: tuple[str, ...] = ()
    default_probit: str | None = None
    probits: tuple[tuple[str, ToxicProbit], ...] = ()
    aegl_durations_min: tuple[float, ...] = ()
    aegl_levels_ppm: tuple[tuple[float, ...], ...] = ()
    aegl_source: str = ""
    mass_burning_rate_inf_kg_m2_s: float | None = None
    k_beta_per_m: float | None = None
    pool_fire_source: str = ""

    @property
    def is_flammable(self) -> bool:
        """Whether a heat of combustion is tabulated."""
        return self.heat_of_combustion_J_kg is not None

    @property
    def is_toxic(self) -> bool:
        """Whether at least one lethality probit is tabulated."""
        return bool(self.probits)

    @property
    def vapour_density_at_boiling_point_kg_m3(self) -> float:
        """Ideal-gas density of the vapour at the normal boiling point and 1 atm, in kg/m³.

        Examples
        --------
        >>> round(get_substance("propane").vapour_density_at_boiling_point_kg_m3, 2)
        2.33

        """
        molar_mass_kg_mol = self.molar_mass_g_mol * 1e-3
        return molar_mass_kg_mol * 101325.0 / (MOLAR_GAS_CONSTANT_J_MOL_K * self.normal_boiling_point_K)

    @property
    def probit_names(self) -> list[str]:
        """Keys of the tabulated lethality probits."""
        return [key for key, _ in self.probits]

    def lethality_probit(self, name: str | None = None) -> ToxicProbit:
        """Return a lethality probit of this substance.

        Parameters
        ----------
        name
            Key of the probit (e.g. ``"tno_purple_book"``); ``None`` for the default one.

        Raises
        ------
        ValueError
            If the substance has no probit, or no probit of that name (the message lists the
            available ones).

        Examples
        --------
        >>> get_substance("chlorine").lethality_probit().a
        -8.29
        >>> get_substance("chlorine").lethality_probit("tno_purple_book").n
        2.75

        """
        if not self.probits:
            raise ValueError(f"no lethality probit is tabulated for {self.name}")
        key = self.default_probit if name is None else name
        for probit_key, probit in self.probits:
            if probit_key == key:
                return probit
        raise ValueError(
            f"no lethality probit {name!r} for {self.name}; available: {', '.join(self.probit_names)}"
        )

    def aegl_ppm(self, level: int, duration_min: float) -> float:
        """Acute Exposure Guideline Level in ppm for an exposure of ``duration_min``.

        Between tabulated durations the value is interpolated linearly in log(value) against
        log(duration). Outside the tabulated range (10 min to 8 h) it is **clamped** to the
        nearest end value, which is not conservative for exposures shorter than 10 min: the
        AEGL programme does not define values there.

        Parameters
        ----------
        level
            1, 2 or 3.
        duration_min
            Exposure duration in minutes (``> 0``).

        Raises
        ------
        ValueError
            For an unknown level, a non-positive duration, or a substance without AEGLs.

        Examples
        --------
        >>> get_substance("chlorine").aegl_ppm(3, 60.0)
        20.0

        """
        if not self.aegl_durations_min:
            raise ValueError(f"no AEGL values are tabulated for {self.name}")
        if level not in _AEGL_LEVELS:
            raise ValueError(f"AEGL level must be 1, 2 or 3, got {level!r}")
        t = float(duration_min)
        if not (t > 0.0 and math.isfinite(t)):
            raise ValueError(f"duration_min must be finite and > 0, got {duration_min!r}")
        durations = self.aegl_durations_min
        values = self.aegl_levels_ppm[level - 1]
        if t <= durations[0]:
            return values[0]
        if t >= durations[-1]:
            return values[-1]
        i = bisect.bisect_left(durations, t)
        if durations[i] == t:
            return values[i]
        w = math.log(t / durations[i - 1]) / math.log(durations[i] / durations[i - 1])
        return values[i - 1] * (values[i] / values[i - 1]) ** w


def _require(block: Mapping[str, Any], key: str, where: str) -> Any:
    try:
        return block[key]
    except KeyError:
        raise ValueError(f"{_DATA_FILE}: missing key {where}.{key}") from None


def _positive(block: Mapping[str, Any], key: str, where: str) -> float:
    value = float(_require(block, key, where))
    if not (value > 0.0 and math.isfinite(value)):
        raise ValueError(f"{_DATA_FILE}: {where}.{key} must be finite and > 0, got {value!r}")
    return value


def _parse_substance(key: str, block: Mapping[str, Any]) -> Substance:
    where = f"substances.{key}"
    probits: list[tuple[str, ToxicProbit]] = []
    for probit_key, pb in block.get("probits", {}).items():
        pwhere = f"{where}.probits.{probit_key}"
        probits.append(
            (
                probit_key,
                ToxicProbit(
                    a=float(_require(pb, "a", pwhere)),
                    b=float(_require(pb, "b", pwhere)),
                    n=float(_require(pb, "n", pwhere)),
                    concentration_unit=str(_require(pb, "concentration_unit", pwhere)),
                    time_unit=str(_require(pb, "time_unit", pwhere)),
                    source=str(_require(pb, "source", pwhere)),
                ),
            )
        )
    default_probit = block.get("default_probit")
    if probits and default_probit not in {k for k, _ in probits}:
        raise ValueError(f"{_DATA_FILE}: {where}.default_probit must name one of its probits")

    durations: tuple[float, ...] = ()
    levels: tuple[tuple[float, ...], ...] = ()
    aegl_source = ""
    if "aegl" in block:
        aegl = block["aegl"]
        awhere = f"{where}.aegl"
        durations = tuple(float(v) for v in _require(aegl, "durations_min", awhere))
        levels = tuple(
            tuple(float(v) for v in _require(aegl, f"aegl{lvl}_ppm", awhere)) for lvl in _AEGL_LEVELS
        )
        if any(len(row) != len(durations) for row in levels) or any(
            not v > 0.0 for row in (durations, *levels) for v in row
        ):
            raise ValueError(f"{_DATA_FILE}: {awhere} rows must be positive, one per duration")
        if list(durations) != sorted(set(durations)):
            raise ValueError(f"{_DATA_FILE}: {awhere}.durations_min must be increasing")
        aegl_source = str(_require(aegl, "source", awhere))

    fire: dict[str, Any] = {}
    if "pool_fire" in block:
        pf, fwhere = block["pool_fire"], f"{where}.pool_fire"
        fire = {
            "mass_burning_rate_inf_kg_m2_s": _positive(pf, "mass_burning_rate_inf_kg_m2_s", fwhere),
            "k_beta_per_m": _positive(pf, "k_beta_per_m", fwhere),
            "pool_fire_source": str(_require(pf, "source", fwhere)),
        }

    hoc = block.get("heat_of_combustion_J_kg")
    return Substance(
        name=str(_require(block, "name", where)),
        formula=str(_require(block, "formula", where)),
        molar_mass_g_mol=_positive(block, "molar_mass_g_mol", where),
        normal_boiling_point_K=_positive(block, "normal_boiling_point_K", where),
        liquid_density_kg_m3=_positive(block, "liquid_density_kg_m3", where),
        heat_of_combustion_J_kg=None if hoc is None else _positive(block, "heat_of_combustion_J_kg", where),
        source=str(_require(block, "source", where)),
        note=str(block.get("note", "")),
        aliases=tuple(str(a).lower() for a in block.get("aliases", ())),
        default_probit=default_probit,
        probits=tuple(probits),
        aegl_durations_min=durations,
        aegl_levels_ppm=levels,
        aegl_source=aegl_source,
        **fire,
    )


@functools.cache
def _table() -> tuple[dict[str, Substance], dict[str, str]]:
    """Load the TOML once: (canonical lower-case name → Substance, any known name → canonical)."""
    # Anchor on this module, not on the ``models`` package: that also works while ``models``
    # resolves as a namespace package (e.g. an editable install made before it had __init__).
    text = resources.files(__name__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    substances: dict[str, Substance] = {}
    lookup: dict[str, str] = {}
    for key, block in data.get("substances", {}).items():
        substance = _parse_substance(key, block)
        canonical = substance.name.lower()
        substances[canonical] = substance
        for alias in (canonical, key.lower(), *substance.aliases):
            if lookup.setdefault(alias, canonical) != canonical:
                raise ValueError(f"{_DATA_FILE}: name {alias!r} is used by two substances")
    return substances, lookup


def substance_names() -> list[str]:
    """Canonical (lower-case) names of the tabulated substances, sorted.

    Examples
    --------
    >>> "chlorine" in substance_names()
    True

    """
    return sorted(_table()[0])


def get_substance(name: str) -> Substance:
    """Look a substance up by name or alias (case-insensitive).

    Parameters
    ----------
    name
        E.g. ``"Chlorine"``, ``"LPG"``, ``"petrol"``.

    Raises
    ------
    ValueError
        For an unknown name; the message suggests close matches ("did you mean ...?") and
        lists the known names.

    Examples
    --------
    >>> get_substance("Ammonia").molar_mass_g_mol
    17.031
    >>> try:
    ...     get_substance("chlorin")
    ... except ValueError as err:
    ...     print(str(err).split(";")[1].split("?")[0].strip())
    did you mean 'chlorine'

    """
    substances, lookup = _table()
    key = str(name).strip().lower()
    if key in lookup:
        return substances[lookup[key]]
    close = difflib.get_close_matches(key, list(lookup), n=3, cutoff=0.6)
    hint = ""
    if close:
        suggestions = list(dict.fromkeys(lookup[c] for c in close))
        hint = " did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    raise ValueError(f"unknown substance {name!r};{hint} Known: {', '.join(substance_names())}")
