"""Standard outputs of a quantitative risk assessment (QRA): individual risk, F–N curves, PLL.

An event set is a list of ``m`` outcomes (scenario + weather + ignition branch, ...), each with a
frequency ``f_i`` per year and its consequences:

* **Location-specific individual risk** at a point: ``IR(x, y) = Σ_i f_i · P_i(x, y)``, with
  ``P_i`` the probability that an unprotected person present all the time at ``(x, y)`` dies in
  outcome ``i`` (from the lethality probits). Usually drawn as iso-risk contours at 10⁻⁴ … 10⁻⁸
  per year (CCPS 2000, *Guidelines for Chemical Process Quantitative Risk Analysis*, 2nd ed.;
  TNO/VROM CPR 18E "Purple Book", 1999).
* **Societal risk**: the F–N curve, ``F(N) = Σ_{i : N_i ≥ N} f_i``, the frequency per year of
  outcomes with ``N`` or more deaths, drawn on log–log axes. ``N_i`` may be the expected
  (fractional) number of deaths of outcome ``i``, as in the Purple Book.
* **Potential loss of life** (expected deaths per year): ``PLL = Σ_i f_i · N_i``.
* A criterion line ``F = C / N^α`` to compare the F–N curve with; the example constants
  ``C = 10⁻³ per year``, ``α = 2`` are those of the Dutch guideline value for the societal risk of
  establishments (VROM; applied from N = 10). They are an example, not a universal limit.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "RISK_CONTOUR_LEVELS_PER_YEAR",
    "exceeds_fn_criterion",
    "expected_deaths_per_year",
    "fn_criterion_line",
    "fn_curve",
    "individual_risk",
    "risk_contour_levels",
]

RISK_CONTOUR_LEVELS_PER_YEAR: tuple[float, ...] = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
"""Conventional iso-risk contour levels of individual risk, per year (most to least severe)."""


def _frequencies(frequencies_per_year: np.ndarray | list[float]) -> np.ndarray:
    f = np.asarray(frequencies_per_year, dtype=np.float64)
    if f.ndim != 1:
        raise ValueError(f"frequencies_per_year must be 1-D (m,), got shape {f.shape}")
    if not np.all(np.isfinite(f)) or np.any(f < 0.0):
        raise ValueError("frequencies_per_year must be finite and >= 0")
    return f


def _deaths(deaths: np.ndarray | list[float], m: int) -> np.ndarray:
    n = np.asarray(deaths, dtype=np.float64)
    if n.shape != (m,):
        raise ValueError(f"deaths must have shape ({m},) like frequencies_per_year, got {n.shape}")
    if not np.all(np.isfinite(n)) or np.any(n < 0.0):
        raise ValueError("deaths must be finite and >= 0")
    return n


def individual_risk(frequencies_per_year: np.ndarray | list[float], lethality_maps: np.ndarray) -> np.ndarray:
    """Location-specific individual risk map ``Σ_i f_i · P_i(y, x)`` per year.

    Parameters
    ----------
    frequencies_per_year
        (m,) outcome frequencies per year, ``>= 0``.
    lethality_maps
        (m, ny, nx) probability of death of a person at each cell in each outcome, in [0, 1]
        (any trailing grid shape is accepted).

    Returns
    -------
    numpy.ndarray
        (ny, nx) individual risk per year.

    Examples
    --------
    >>> maps = np.array([[[1.0, 0.5]], [[0.0, 1.0]]])
    >>> individual_risk([1e-4, 1e-6], maps)
    array([[1.0e-04, 5.1e-05]])

    """
    f = _frequencies(frequencies_per_year)
    p = np.asarray(lethality_maps, dtype=np.float64)
    if p.ndim < 1 or p.shape[0] != f.shape[0]:
        raise ValueError(f"lethality_maps must have shape ({f.shape[0]}, ...), got {p.shape}")
    if np.any(~((p >= 0.0) & (p <= 1.0))):
        raise ValueError("lethality_maps must hold probabilities in [0, 1]")
    return np.tensordot(f, p, axes=(0, 0))


def risk_contour_levels() -> np.ndarray:
    """Default iso-risk contour levels, ``[1e-4, 1e-5, 1e-6, 1e-7, 1e-8]`` per year (descending).

    Examples
    --------
    >>> risk_contour_levels()
    array([1.e-04, 1.e-05, 1.e-06, 1.e-07, 1.e-08])

    """
    return np.array(RISK_CONTOUR_LEVELS_PER_YEAR)


def fn_curve(
    frequencies_per_year: np.ndarray | list[float],
    deaths: np.ndarray | list[float],
    *,
    n_values: np.ndarray | list[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """F–N curve: frequency per year ``F(N)`` of outcomes with ``N`` or more deaths.

    Parameters
    ----------
    frequencies_per_year
        (m,) outcome frequencies per year, ``>= 0``.
    deaths
        (m,) number of deaths of each outcome, ``>= 0``; may be fractional (expected deaths).
    n_values
        Values of ``N`` (``> 0``) at which to evaluate ``F``. ``None``: the distinct positive
        ``deaths`` values, where the step function ``F`` changes.

    Returns
    -------
    n, f
        Ascending ``N`` values and the non-increasing ``F(N) = Σ_{N_i ≥ N} f_i`` (per year), ready
        for a log–log step plot (``plt.step(n, f, where="post")``). Outcomes with no deaths never
        count. Empty arrays when no outcome has deaths and ``n_values`` is ``None``.

    Examples
    --------
    >>> n, f = fn_curve([1e-4, 1e-5, 1e-6], [1, 10, 100])
    >>> n.tolist(), [float(f"{v:.3g}") for v in f]
    ([1.0, 10.0, 100.0], [0.000111, 1.1e-05, 1e-06])
    >>> fn_curve([1e-4, 1e-5], [0.4, 2.5], n_values=[0.1, 1.0, 3.0])[1].tolist()
    [0.00011, 1e-05, 0.0]

    """
    f = _frequencies(frequencies_per_year)
    n = _deaths(deaths, f.shape[0])
    if n_values is None:
        grid = np.unique(n[n > 0.0])
    else:
        grid = np.sort(np.asarray(n_values, dtype=np.float64).ravel())
        if not np.all(np.isfinite(grid)) or np.any(grid <= 0.0):
            raise ValueError("n_values must be finite and > 0")
    order = np.argsort(n)
    sorted_n = n[order]
    # tail sums: cumulative frequency of outcomes with deaths >= sorted_n[k]
    tail = np.concatenate([np.cumsum(f[order][::-1])[::-1], [0.0]])
    first = np.searchsorted(sorted_n, grid, side="left")
    return grid, tail[first]


def expected_deaths_per_year(
    frequencies_per_year: np.ndarray | list[float], deaths: np.ndarray | list[float]
) -> float:
    """Potential loss of life ``PLL = Σ_i f_i · N_i`` (expected deaths per year).

    Examples
    --------
    >>> round(expected_deaths_per_year([1e-4, 1e-5, 1e-6], [1, 10, 100]), 10)
    0.0003

    """
    f = _frequencies(frequencies_per_year)
    return float(np.dot(f, _deaths(deaths, f.shape[0])))


def fn_criterion_line(
    n_values: np.ndarray | list[float] | float,
    *,
    constant_per_year: float = 1e-3,
    exponent: float = 2.0,
) -> np.ndarray | float:
    """Criterion line ``F = C / N^α`` of an F–N diagram (example: the Dutch ``10⁻³/N²`` per year).

    Parameters
    ----------
    n_values
        Number(s) of deaths ``N``, ``> 0``.
    constant_per_year, exponent
        ``C`` (per year) and ``α`` (``α = 1``: risk-neutral, ``α = 2``: risk-averse).

    Examples
    --------
    >>> fn_criterion_line([10.0, 100.0]).tolist()
    [1e-05, 1e-07]

    """
    n = np.asarray(n_values, dtype=np.float64)
    if not np.all(np.isfinite(n)) or np.any(n <= 0.0):
        raise ValueError("n_values must be finite and > 0")
    if not (constant_per_year > 0.0 and exponent > 0.0):
        raise ValueError("constant_per_year and exponent must be > 0")
    line = constant_per_year / n**exponent
    return float(line) if line.ndim == 0 else line


def exceeds_fn_criterion(
    n: np.ndarray | list[float],
    f_per_year: np.ndarray | list[float],
    *,
    constant_per_year: float = 1e-3,
    exponent: float = 2.0,
    n_min: float = 1.0,
) -> np.ndarray:
    """Where an F–N curve lies above the criterion line (only for ``N >= n_min``).

    Examples
    --------
    >>> n, f = fn_curve([1e-4, 1e-5, 1e-6], [1, 10, 100])
    >>> exceeds_fn_criterion(n, f, n_min=10.0).tolist()  # 1.1e-5 > 1e-5 at N = 10
    [False, True, True]

    """
    n_arr = np.asarray(n, dtype=np.float64)
    f_arr = np.asarray(f_per_year, dtype=np.float64)
    if n_arr.shape != f_arr.shape:
        raise ValueError("n and f_per_year must have the same shape")
    line = fn_criterion_line(n_arr, constant_per_year=constant_per_year, exponent=exponent)
    return (n_arr >= n_min) & (f_arr > line)
