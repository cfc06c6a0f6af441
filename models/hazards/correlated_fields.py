"""Spatially correlated Gaussian random fields on a regular grid (ground-motion residuals).

Normalised within-event residuals ε of a ground-motion model at two sites ``h`` apart have
correlation ``ρ(h)``; Jayaram & Baker (2009) fit ``ρ(h) = exp(−3h / b(T))`` with a range ``b``
(``ρ(b) = e⁻³ ≈ 0.05``) depending on the spectral period ``T``. This module samples
stationary isotropic unit-variance Gaussian fields with such a correlation on an ``ny × nx``
grid of square cells, exactly, by **circulant embedding** (Wood & Chan 1994; Dietrich &
Newsam 1997): the covariance is laid on a periodic torus of at least ``2(ny − 1) × 2(nx − 1)``
cells with wrap-around lags ``min(k, M − k)``; its block-circulant covariance matrix is
diagonalised by the 2-D FFT, and when no eigenvalue is negative, complex white noise filtered
by their square roots gives, per FFT, two independent real fields whose top-left ``ny × nx``
block has exactly the target covariance: ``O(M log M)`` per pair instead of the ``O(N³)``
dense Cholesky factorisation (``N = nx·ny``), kept only as a test reference.

Sources
-------
* Jayaram, N. & Baker, J.W. (2009) Correlation model for spatially distributed ground-motion
  intensities, *Earthquake Eng. Struct. Dyn.* 38(15):1687-1708, doi:10.1002/eqe.922, p. 1700,
  eqs. (17)-(20). Checked against two transcriptions, not the paper itself: OpenQuake
  hazardlib ``openquake/hazardlib/correlation.py`` (``JB2009CorrelationModel``, citing p. 1700,
  eqs. 17-20) and ``jb_2009_spatial_corr.m`` by C. Loth & J.W. Baker (2013, citing eqs. 17-20,
  fit range 0.01 s ≤ T ≤ 10 s). PGA is taken as ``T = 0`` (OpenQuake's convention).
* Wood, A.T.A. & Chan, G. (1994) Simulation of stationary Gaussian processes in [0, 1]^d,
  *J. Comput. Graph. Stat.* 3(4):409-432, doi:10.2307/1390903.
* Dietrich, C.R. & Newsam, G.N. (1997) Fast and exact simulation of stationary Gaussian
  processes through circulant embedding of the covariance matrix, *SIAM J. Sci. Comput.*
  18(4):1088-1107 (doi:10.1137/S1064827592240555 [recalled]).

Limits: the minimal torus is not always non-negative definite: for the exponential model once
the range is comparable to the grid (``b = 8.5 km`` on a 5 km × 3.75 km grid), for the smooth
Gaussian model sooner. The torus is then enlarged until it is, within limits, else
:class:`CirculantEmbeddingError`. Measured for the exponential model, a torus side of about
3-5 ranges suffices (b = 8.5 km: 24-34 km; b = 40.7 km: about 200 km): a small grid costs a
torus of that size. 1000 × 1000 cells of 100 m need no padding for either PGA range. The
Jayaram & Baker ranges are regressions on California data, without their uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np
import scipy.fft

__all__ = [
    "JAYARAM_BAKER_2009_RANGE_KM",
    "CirculantEmbedding",
    "CirculantEmbeddingError",
    "ExponentialCorrelation",
    "GaussianCorrelation",
    "circulant_embedding",
    "correlation_matrix",
    "empirical_semivariogram",
    "jayaram_baker_2009_correlation",
    "jayaram_baker_2009_range_m",
    "sample_correlated_field",
    "sample_correlated_field_cholesky",
]

type Correlation = Callable[[np.ndarray], np.ndarray]  # h_m -> rho, same shape, rho(0) = 1

# ---------------------------------------------------------------------------------------------
# Jayaram & Baker (2009) range b(T) of ρ(h) = exp(−3h/b), in km (source: see module docstring).
# Every branch is linear in the period, b = intercept + slope · T. Case 1: Vs30 values of
# neighbouring sites are not clustered (the paper's default); case 2: Vs30 is clustered
# (similar geology over the region). For T >= 1 s both cases use eq. (19). Both short-period
# branches meet eq. (19) at T = 1 s (25.7 km).
# ---------------------------------------------------------------------------------------------
JAYARAM_BAKER_2009_RANGE_KM: dict[str, tuple[float, float, float, float]] = {
    #                  (T from s, T below s, intercept km, slope km/s)
    "case1_short": (0.0, 1.0, 8.5, 17.2),  # eq. (17), Vs30 not clustered
    "case2_short": (0.0, 1.0, 40.7, -15.0),  # eq. (18), Vs30 clustered
    "long": (1.0, math.inf, 22.0, 3.7),  # eq. (19), both cases
}
"""``name: (period from s, period below s, intercept km, slope km/s)``, ``b = intercept + slope·T``."""

JAYARAM_BAKER_2009_MAX_PERIOD_S = 10.0  # longest period of the data behind the fit (s)

DEFAULT_COVARIANCE_TOLERANCE = 1e-8
"""Largest accepted entry-wise error of the realised correlation after clipping negative
eigenvalues: ``Σ|λ⁻| / (Mx·My)`` bounds it. Round-off alone stays orders of magnitude below
(about 1e-15 on an 800 × 800 torus); a genuinely indefinite embedding is orders above."""

_BATCH_CELLS = 1 << 22  # complex torus cells sampled per FFT batch (64 MiB of noise)
_CHOLESKY_MAX_CELLS = 4096


class CirculantEmbeddingError(ValueError):
    """The covariance could not be embedded in a non-negative definite torus within the limits."""


# Correlation models --------------------------------------------------------------------------
@dataclass(frozen=True)
class ExponentialCorrelation:
    """Exponential correlation ``ρ(h) = exp(−3 h / range_m)`` (practical range: ``ρ ≈ 0.05``).

    Parameters
    ----------
    range_m
        Practical range in m (``> 0``), the ``b`` of Jayaram & Baker (2009).

    Examples
    --------
    >>> rho = ExponentialCorrelation(8500.0)
    >>> [round(float(r), 4) for r in rho(np.array([0.0, 1000.0, 8500.0]))]
    [1.0, 0.7026, 0.0498]

    """

    range_m: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "range_m", _positive_float("range_m", self.range_m))

    def __call__(self, h_m: np.ndarray) -> np.ndarray:
        """Correlation at separation distances ``h_m`` (m, any shape)."""
        return np.exp(np.asarray(h_m, dtype=np.float64) * (-3.0 / self.range_m))


@dataclass(frozen=True)
class GaussianCorrelation:
    """Gaussian correlation ``ρ(h) = exp(−3 (h / range_m)²)``: very smooth, hard to embed.

    Parameters
    ----------
    range_m
        Practical range in m (``> 0``): ``ρ(range_m) = e⁻³ ≈ 0.05``.

    Examples
    --------
    >>> rho = GaussianCorrelation(2000.0)
    >>> [round(float(r), 4) for r in rho(np.array([0.0, 1000.0, 2000.0]))]
    [1.0, 0.4724, 0.0498]

    """

    range_m: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "range_m", _positive_float("range_m", self.range_m))

    def __call__(self, h_m: np.ndarray) -> np.ndarray:
        """Correlation at separation distances ``h_m`` (m, any shape)."""
        q = np.asarray(h_m, dtype=np.float64) / self.range_m
        return np.exp(-3.0 * q * q)


def jayaram_baker_2009_range_m(period_s: float, *, vs30_clustered: bool = False) -> float:
    """Range ``b`` of the Jayaram & Baker (2009) exponential correlation, in m.

    Parameters
    ----------
    period_s
        Spectral period T in s, ``0 <= T <= 10``; ``0`` for PGA.
    vs30_clustered
        ``False`` for case 1 (Vs30 of nearby sites not clustered, eq. 17), ``True`` for
        case 2 (clustered Vs30, eq. 18). Irrelevant for ``T >= 1 s`` (eq. 19).

    Returns
    -------
    float
        ``b`` in m (``ρ(b) = e⁻³``); ``ValueError`` for a period outside ``[0, 10] s``.

    Examples
    --------
    >>> jayaram_baker_2009_range_m(0.0)  # PGA, case 1
    8500.0
    >>> jayaram_baker_2009_range_m(0.0, vs30_clustered=True)  # PGA, case 2
    40700.0
    >>> round(jayaram_baker_2009_range_m(2.0), 6)
    29400.0

    """
    t = float(period_s)
    if not (math.isfinite(t) and 0.0 <= t <= JAYARAM_BAKER_2009_MAX_PERIOD_S):
        raise ValueError(
            f"period_s must be in [0, {JAYARAM_BAKER_2009_MAX_PERIOD_S:g}] s (0 for PGA), got {period_s!r}"
        )
    lo, below, intercept_km, slope_km_s = JAYARAM_BAKER_2009_RANGE_KM[
        "case2_short" if vs30_clustered else "case1_short"
    ]
    if not lo <= t < below:
        _, _, intercept_km, slope_km_s = JAYARAM_BAKER_2009_RANGE_KM["long"]
    return (intercept_km + slope_km_s * t) * 1000.0


def jayaram_baker_2009_correlation(
    period_s: float, *, vs30_clustered: bool = False
) -> ExponentialCorrelation:
    """The Jayaram & Baker (2009) correlation ``exp(−3h / b(T))``; arguments as the range's.

    Examples
    --------
    >>> rho = jayaram_baker_2009_correlation(0.0)
    >>> rho.range_m, round(float(rho(np.array(1000.0))), 4)
    (8500.0, 0.7026)

    """
    return ExponentialCorrelation(jayaram_baker_2009_range_m(period_s, vs30_clustered=vs30_clustered))


# Validation helpers --------------------------------------------------------------------------
def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _positive_float(name: str, value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return v


def _bounded_float(name: str, value: float, lowest: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v >= lowest):
        raise ValueError(f"{name} must be finite and >= {lowest:g}, got {value!r}")
    return v


def _evaluate_correlation(correlation: Correlation, h_m: np.ndarray) -> np.ndarray:
    """``correlation(h_m)`` checked: same shape, finite, ``ρ(0) = 1``, ``|ρ| <= 1``."""
    if not callable(correlation):
        raise TypeError(f"correlation must be callable h_m -> rho, got {type(correlation).__name__}")
    rho = np.asarray(correlation(h_m), dtype=np.float64)
    if rho.shape != h_m.shape:
        raise ValueError(f"correlation(h_m) returned shape {rho.shape}, expected {h_m.shape}")
    if not np.all(np.isfinite(rho)):
        raise ValueError("correlation(h_m) returned non-finite values")
    rho0 = float(np.asarray(correlation(np.zeros(1)), dtype=np.float64).reshape(-1)[0])
    if abs(rho0 - 1.0) > 1e-9:
        raise ValueError(f"correlation(0) must be 1 (unit-variance fields), got {rho0!r}")
    if np.max(np.abs(rho)) > 1.0 + 1e-9:
        raise ValueError("correlation values must lie in [-1, 1]")
    return rho


# Circulant embedding -------------------------------------------------------------------------
def _torus_eigenvalues(
    shape: tuple[int, int], cell_size_m: float, correlation: Correlation, workers: int | None
) -> np.ndarray:
    """Eigenvalues (full ``shape``) of the block-circulant torus covariance with wrap-around lags."""
    my, mx = shape
    # Only the first quadrant of lags is distinct: evaluate there, then mirror by index.
    iy = np.minimum(np.arange(my), my - np.arange(my))
    ix = np.minimum(np.arange(mx), mx - np.arange(mx))
    hy = np.arange(my // 2 + 1, dtype=np.float64) * cell_size_m
    hx = np.arange(mx // 2 + 1, dtype=np.float64) * cell_size_m
    quadrant = _evaluate_correlation(correlation, np.hypot(hy[:, None], hx[None, :]))
    base = quadrant[iy[:, None], ix[None, :]]
    # The base is real and even along each axis, so its spectrum is real and even: the
    # half spectrum of rfft2 suffices and is mirrored along the last axis.
    half = scipy.fft.rfft2(base, workers=workers).real
    return np.concatenate([half, half[:, mx - mx // 2 - 1 : 0 : -1]], axis=1)


@dataclass(frozen=True, eq=False)
class CirculantEmbedding:
    """A non-negative definite torus embedding of a stationary covariance, ready to sample.

    Build it with :func:`circulant_embedding`; reuse it for many events with the same grid and
    correlation (the eigenvalue FFT is then paid once).

    Attributes
    ----------
    nx, ny, cell_size_m
        The grid: ``nx`` cells along x (columns), ``ny`` along y (rows), square cells.
    torus_shape, padding_steps
        ``(My, Mx)`` of the torus, and how often the minimal one was enlarged (×1.5 a side).
    min_relative_eigenvalue, covariance_error_bound
        ``min λ / max λ`` before clipping; ``Σ|λ⁻| / (Mx·My)``, the bound on the entry-wise
        error of the realised correlation after clipping negative eigenvalues to 0.

    """

    nx: int
    ny: int
    cell_size_m: float
    torus_shape: tuple[int, int]
    padding_steps: int
    min_relative_eigenvalue: float
    covariance_error_bound: float
    _scale: np.ndarray = dataclass_field(repr=False)
    _workers: int | None = dataclass_field(default=None, repr=False)

    def sample(self, rng: np.random.Generator, n_fields: int = 1) -> np.ndarray:
        """Draw ``n_fields`` independent fields, shape ``(n_fields, ny, nx)``, float64.

        Fields come in pairs (real and imaginary part of one complex FFT); field ``k`` of a
        call depends only on the generator state and ``k``, so the first fields of
        ``sample(rng, 1)`` and ``sample(rng, 5)`` from equal generators are equal.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        n = _positive_int("n_fields", n_fields)
        my, mx = self.torus_shape
        out = np.empty((n, self.ny, self.nx), dtype=np.float64)
        n_pairs = (n + 1) // 2
        per_batch = max(1, _BATCH_CELLS // (my * mx))
        for start in range(0, n_pairs, per_batch):
            b = min(per_batch, n_pairs - start)
            # (b, My, Mx, 2) standard normals viewed as complex ξ₁ + iξ₂: no copy.
            noise = rng.standard_normal((b, my, mx, 2)).view(np.complex128)[..., 0]
            noise *= self._scale
            y = scipy.fft.fft2(noise, axes=(-2, -1), overwrite_x=True, workers=self._workers)
            block = y[:, : self.ny, : self.nx]
            first = 2 * start
            out[first : first + 2 * b : 2] = block.real
            n_imag = min(b, (n - first) // 2)
            out[first + 1 : first + 1 + 2 * n_imag : 2] = block.imag[:n_imag]
        return out

    def lag_covariance(self) -> np.ndarray:
        """Covariance the sampler realises at lags ``(ky, kx)``, ``0 <= ky < ny``, ``0 <= kx < nx``.

        Equals ``correlation(hypot(ky, kx)·cell_size_m)`` up to round-off (and
        ``covariance_error_bound``): a deterministic check of the embedding.
        """
        my, mx = self.torus_shape
        eigenvalues = self._scale * self._scale * (my * mx)
        return scipy.fft.ifft2(eigenvalues).real[: self.ny, : self.nx]


def circulant_embedding(
    nx: int,
    ny: int,
    cell_size_m: float,
    correlation: Correlation,
    *,
    covariance_tolerance: float = DEFAULT_COVARIANCE_TOLERANCE,
    max_padding_factor: float = 32.0,
    max_torus_cells: int = 1 << 25,
    workers: int | None = None,
) -> CirculantEmbedding:
    """Embed a stationary isotropic correlation on an ``ny × nx`` grid in a periodic torus.

    Starts from the minimal torus ``(2(ny − 1), 2(nx − 1))`` rounded up to FFT-friendly
    sizes, computes its eigenvalues by FFT, and accepts it when the negative eigenvalues are
    negligible: ``Σ|λ⁻| / (Mx·My) <= covariance_tolerance`` (that sum bounds the entry-wise
    error of the realised correlation once they are clipped to 0). Otherwise each side is
    enlarged ×1.5 and tried again, while every side stays within ``max_padding_factor`` × its
    minimal size and the torus within ``max_torus_cells``.

    Parameters
    ----------
    nx, ny, cell_size_m
        Cells along x (columns) and y (rows), ``>= 1``; side of the square cells in m.
    correlation
        Vectorised ``ρ(h_m)``, ``ρ(0) = 1``, e.g. :func:`jayaram_baker_2009_correlation`.
    covariance_tolerance
        Accepted clipping error (default 1e-8, see ``DEFAULT_COVARIANCE_TOLERANCE``).
    max_padding_factor, max_torus_cells
        Limits of the padding: every side at most ``max_padding_factor`` (default 32) times
        its minimal size, at most ``max_torus_cells`` (default 2²⁵ ≈ 3.4·10⁷) in all. The
        eigenvalues take 8 bytes per torus cell; sampling a pair of fields 32 more.
    workers
        Threads of ``scipy.fft`` (``None``: 1; ``-1``: all cores).

    Raises
    ------
    CirculantEmbeddingError
        If no torus within the limits is non-negative definite (e.g. a Gaussian correlation
        whose range is much longer than the grid); ``ValueError`` for invalid arguments.

    Examples
    --------
    >>> emb = circulant_embedding(1000, 1000, 100.0, jayaram_baker_2009_correlation(0.0))
    >>> emb.torus_shape, emb.padding_steps
    ((2000, 2000), 0)
    >>> emb = circulant_embedding(20, 15, 250.0, ExponentialCorrelation(8500.0))
    >>> emb.torus_shape, emb.padding_steps  # 5 km x 3.75 km grid, 8.5 km range: padded
    ((96, 135), 3)

    """
    nx = _positive_int("nx", nx)
    ny = _positive_int("ny", ny)
    d = _positive_float("cell_size_m", cell_size_m)
    tol = _bounded_float("covariance_tolerance", covariance_tolerance, 0.0)
    factor = _bounded_float("max_padding_factor", max_padding_factor, 1.0)
    max_cells = _positive_int("max_torus_cells", max_torus_cells)

    minimal = (
        scipy.fft.next_fast_len(max(1, 2 * (ny - 1))),
        scipy.fft.next_fast_len(max(1, 2 * (nx - 1))),
    )
    grows = (ny > 1, nx > 1)  # a single row or column needs no lags along that axis
    shape = minimal
    tried: list[str] = []
    for step in range(64):
        if shape[0] * shape[1] > max_cells:
            break
        eigenvalues = _torus_eigenvalues(shape, d, correlation, workers)
        n_cells = shape[0] * shape[1]
        lam_max = float(eigenvalues.max())
        if not lam_max > 0.0:
            raise CirculantEmbeddingError("the torus covariance has no positive eigenvalue")
        negative = eigenvalues < 0.0
        error_bound = abs(float(eigenvalues[negative].sum())) / n_cells
        min_rel = float(eigenvalues.min()) / lam_max
        tried.append(f"{shape[0]}x{shape[1]}: min λ/max λ = {min_rel:.2e}, clip error {error_bound:.2e}")
        if error_bound <= tol:
            np.maximum(eigenvalues, 0.0, out=eigenvalues)
            eigenvalues *= 1.0 / n_cells
            scale = np.sqrt(eigenvalues, out=eigenvalues)
            return CirculantEmbedding(nx, ny, d, shape, step, min_rel, error_bound, scale, workers)
        del eigenvalues, negative
        nxt = tuple(
            scipy.fft.next_fast_len(math.ceil(1.5 * m)) if g else m for m, g in zip(shape, grows, strict=True)
        )
        if any(m > factor * m0 for m, m0 in zip(nxt, minimal, strict=True)):
            break
        shape = (nxt[0], nxt[1])
    raise CirculantEmbeddingError(
        f"no non-negative definite circulant embedding for a {ny}x{nx} grid of {d:g} m cells "
        f"within max_padding_factor={factor:g} and max_torus_cells={max_cells}; tried "
        + "; ".join(tried or ["nothing (the minimal torus exceeds max_torus_cells)"])
        + ". The correlation range is too long for the grid: enlarge the grid or the limits, "
        "or use a shorter range."
    )


def sample_correlated_field(
    nx: int,
    ny: int,
    cell_size_m: float,
    correlation: Correlation,
    rng: np.random.Generator,
    n_fields: int = 1,
    *,
    covariance_tolerance: float = DEFAULT_COVARIANCE_TOLERANCE,
    max_padding_factor: float = 32.0,
    max_torus_cells: int = 1 << 25,
    workers: int | None = None,
) -> np.ndarray:
    """Unit-variance Gaussian fields with correlation ``ρ(h)`` on a grid, by circulant embedding.

    Exact (up to ``covariance_tolerance``) stationary isotropic fields, e.g. normalised
    within-event residuals ε with the Jayaram & Baker (2009) correlation; multiply by the
    ground-motion model's within-event σ and add to the log median.

    Parameters
    ----------
    nx, ny, cell_size_m, correlation
        As :func:`circulant_embedding`; cell ``[i, j]`` is at ``(j, i)·cell_size_m``.
    rng
        The random stream (e.g. ``RandomStreams(seed).generator("ground_motion")``).
    n_fields
        Number of independent fields.
    covariance_tolerance, max_padding_factor, max_torus_cells, workers
        As :func:`circulant_embedding`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_fields, ny, nx)``, float64, mean 0, variance 1.

    Notes
    -----
    For 1000 × 1000 cells (torus 2000 × 2000), on one Xeon core (see
    ``benchmarks/test_bench_correlated_fields.py``): 0.4 s for one field end to end, of which
    0.12 s is the embedding (one real FFT); 0.28 s per further pair of fields (8·10⁶ normal
    draws, one complex FFT). Peak memory about 115 MB (traced): eigenvalues 32 MB, complex
    noise 64 MB transformed in place, 8 MB per field. Reuse one :func:`circulant_embedding`
    for many events to skip the first step.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> eps = sample_correlated_field(200, 100, 250.0, jayaram_baker_2009_correlation(0.0), rng, 3)
    >>> eps.shape, eps.dtype
    ((3, 100, 200), dtype('float64'))

    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    _positive_int("n_fields", n_fields)
    embedding = circulant_embedding(
        nx,
        ny,
        cell_size_m,
        correlation,
        covariance_tolerance=covariance_tolerance,
        max_padding_factor=max_padding_factor,
        max_torus_cells=max_torus_cells,
        workers=workers,
    )
    return embedding.sample(rng, n_fields)


# Dense reference and diagnostics (tests and small grids only) --------------------------------
def correlation_matrix(nx: int, ny: int, cell_size_m: float, correlation: Correlation) -> np.ndarray:
    """Dense ``(N, N)`` target correlation of the ``N = nx·ny`` cells, C order (row = y index).

    Examples
    --------
    >>> r = correlation_matrix(3, 2, 1000.0, ExponentialCorrelation(3000.0))
    >>> r.shape, round(float(r[0, 1]), 4), round(float(r[0, 3]), 4)
    ((6, 6), 0.3679, 0.3679)

    """
    nx = _positive_int("nx", nx)
    ny = _positive_int("ny", ny)
    d = _positive_float("cell_size_m", cell_size_m)
    if nx * ny > _CHOLESKY_MAX_CELLS:
        raise ValueError(f"dense reference limited to {_CHOLESKY_MAX_CELLS} cells, got {nx * ny}")
    yy, xx = np.divmod(np.arange(nx * ny), nx)
    h = d * np.hypot(yy[:, None] - yy[None, :], xx[:, None] - xx[None, :])
    return _evaluate_correlation(correlation, h)


def sample_correlated_field_cholesky(
    nx: int,
    ny: int,
    cell_size_m: float,
    correlation: Correlation,
    rng: np.random.Generator,
    n_fields: int = 1,
) -> np.ndarray:
    """REFERENCE sampler for tests: dense covariance and ``numpy.linalg.cholesky``.

    ``O(N³)`` time and ``O(N²)`` memory in ``N = nx·ny`` (at most 4096 cells); same grid
    convention and output shape as :func:`sample_correlated_field`, different draws.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sample_correlated_field_cholesky(5, 4, 100.0, ExponentialCorrelation(500.0), rng, 2).shape
    (2, 4, 5)

    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n = _positive_int("n_fields", n_fields)
    r = correlation_matrix(nx, ny, cell_size_m, correlation)
    try:
        lower = np.linalg.cholesky(r)
    except np.linalg.LinAlgError as exc:
        raise ValueError("correlation matrix is not positive definite (try a shorter range)") from exc
    z = rng.standard_normal((n, r.shape[0]))
    return (z @ lower.T).reshape(n, int(ny), int(nx))


def empirical_semivariogram(
    field: np.ndarray, cell_size_m: float, lags_m: np.ndarray, *, direction: str = "both"
) -> np.ndarray:
    """Matheron's estimator ``γ(h) = ½ mean[(Z(s + h) − Z(s))²]`` along the grid axes.

    Parameters
    ----------
    field, cell_size_m
        ``(ny, nx)`` field or ``(n, ny, nx)`` stack (pairs of all pooled); cell side in m.
    lags_m
        Lags in m, positive whole multiples of ``cell_size_m``, shorter than the grid.
    direction
        ``"x"`` (along rows), ``"y"`` (along columns) or ``"both"`` (pairs of both pooled).

    Returns
    -------
    numpy.ndarray
        ``γ`` at each lag; for a unit-variance field with correlation ρ, ``E γ(h) = 1 − ρ(h)``.

    Examples
    --------
    >>> z = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    >>> empirical_semivariogram(z, 10.0, [10.0, 20.0], direction="x").tolist()
    [0.5, 0.0]

    """
    z = np.asarray(field, dtype=np.float64)
    z = z[None] if z.ndim == 2 else z
    if z.ndim != 3:
        raise ValueError(f"field must have shape (ny, nx) or (n, ny, nx), got {np.shape(field)}")
    d = _positive_float("cell_size_m", cell_size_m)
    if direction not in ("x", "y", "both"):
        raise ValueError(f"direction must be 'x', 'y' or 'both', got {direction!r}")
    lags = np.atleast_1d(np.asarray(lags_m, dtype=np.float64)) / d
    steps = np.rint(lags).astype(np.int64)
    if np.any(np.abs(lags - steps) > 1e-9 * np.maximum(1.0, lags)) or np.any(steps < 1):
        raise ValueError("lags_m must be positive whole multiples of cell_size_m")
    axes = {"x": (2,), "y": (1,), "both": (2, 1)}[direction]
    gamma = np.empty(steps.shape, dtype=np.float64)
    for i, k in enumerate(steps.tolist()):
        total, count = 0.0, 0
        for axis in axes:
            if k >= z.shape[axis]:
                raise ValueError(f"lag {k * d:g} m is not shorter than the grid along axis {axis}")
            n_axis = z.shape[axis]
            diff = (np.moveaxis(z, axis, -1)[..., k:] - np.moveaxis(z, axis, -1)[..., : n_axis - k]).ravel()
            total += float(np.dot(diff, diff))
            count += diff.size
        gamma[i] = 0.5 * total / count
    return gamma
