"""Correlated Gaussian fields: Jayaram & Baker ranges, exact embedding, statistics against targets.

Statistical tolerances are derived from the number of samples, each with its false-alarm
probability under the null hypothesis (the sampler is right) stated next to it; the seeds are
fixed, so the tests are deterministic. The ``*_rejects_*`` tests show the same statistics do
fail for a slightly wrong covariance, i.e. the checks have power.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from models.hazards.correlated_fields import (
    JAYARAM_BAKER_2009_RANGE_KM,
    CirculantEmbeddingError,
    ExponentialCorrelation,
    GaussianCorrelation,
    circulant_embedding,
    correlation_matrix,
    empirical_semivariogram,
    jayaram_baker_2009_correlation,
    jayaram_baker_2009_range_m,
    sample_correlated_field,
    sample_correlated_field_cholesky,
)

# Small grid of the ensemble tests: 5 km x 3.75 km, PGA range 8.5 km (the minimal torus is
# indefinite there, so these statistics also cover the padded embedding).
NX, NY, CELL_M = 20, 15, 250.0
N_CELLS = NX * NY
K = 4000  # fields per ensemble
PGA = jayaram_baker_2009_correlation(0.0)

# Thresholds (two-sided normal z-scores):
Z_ENTRY = 6.0  # max over the 45 150 distinct covariance entries: P(false fail) <= 45 150·2Φ(−6) ≈ 9e-5
Z_GLOBAL = 5.0  # one statistic: P(false fail) = 2Φ(−5) ≈ 6e-7
Z_VARIOGRAM = 4.5  # max over 12 lags x directions: P(false fail) <= 12·2Φ(−4.5) ≈ 8e-5


# ---------------------------------------------------------------------------------------------
# Jayaram & Baker (2009)
# ---------------------------------------------------------------------------------------------
# b(T) in km from eqs. (17)-(19), p. 1700, typed by hand from the published equations
# (b = 8.5 + 17.2 T; b = 40.7 − 15.0 T; b = 22.0 + 3.7 T), independent of the module's table.
JB_CASES = [
    (0.0, False, 8.5),
    (0.1, False, 10.22),
    (0.5, False, 17.1),
    (0.9, False, 23.98),
    (1.0, False, 25.7),
    (2.0, False, 29.4),
    (5.0, False, 40.5),
    (10.0, False, 59.0),
    (0.0, True, 40.7),
    (0.5, True, 33.2),
    (0.9, True, 27.2),
    (1.0, True, 25.7),
    (3.0, True, 33.1),
]


@pytest.mark.parametrize(("period_s", "clustered", "b_km"), JB_CASES)
def test_jayaram_baker_range_matches_published_equation(period_s, clustered, b_km):
    assert jayaram_baker_2009_range_m(period_s, vs30_clustered=clustered) == pytest.approx(
        b_km * 1000.0, rel=1e-12
    )


@pytest.mark.parametrize("clustered", [False, True])
def test_jayaram_baker_short_period_branches_meet_long_period_branch_at_1_s(clustered):
    below = jayaram_baker_2009_range_m(1.0 - 1e-12, vs30_clustered=clustered)
    assert below == pytest.approx(jayaram_baker_2009_range_m(1.0), abs=1e-6)
    assert set(JAYARAM_BAKER_2009_RANGE_KM) == {"case1_short", "case2_short", "long"}


def test_jayaram_baker_correlation_is_exponential_with_practical_range():
    rho = jayaram_baker_2009_correlation(0.0)
    h = np.array([0.0, 1000.0, 8500.0, 20000.0])
    np.testing.assert_allclose(rho(h), np.exp(-3.0 * h / 8500.0), rtol=1e-14)
    assert float(rho(np.array(8500.0))) == pytest.approx(math.exp(-3.0))
    assert jayaram_baker_2009_correlation(0.2, vs30_clustered=True).range_m == pytest.approx(37700.0)


@pytest.mark.parametrize("period_s", [-0.1, 10.5, math.nan, math.inf])
def test_jayaram_baker_rejects_periods_outside_the_fit(period_s):
    with pytest.raises(ValueError, match="period_s"):
        jayaram_baker_2009_range_m(period_s)


def test_generic_correlations():
    h = np.array([0.0, 500.0, 2000.0])
    np.testing.assert_allclose(ExponentialCorrelation(2000.0)(h), np.exp(-3.0 * h / 2000.0))
    np.testing.assert_allclose(GaussianCorrelation(2000.0)(h), np.exp(-3.0 * (h / 2000.0) ** 2))
    with pytest.raises(ValueError, match="range_m"):
        ExponentialCorrelation(0.0)
    with pytest.raises(ValueError, match="range_m"):
        GaussianCorrelation(-1.0)


# ---------------------------------------------------------------------------------------------
# Embedding: exactness and padding (deterministic)
# ---------------------------------------------------------------------------------------------
def _target_lags(nx, ny, cell_m, rho):
    ky, kx = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    return rho(cell_m * np.hypot(ky, kx))


def test_minimal_embedding_reproduces_the_covariance_exactly():
    emb = circulant_embedding(400, 300, 250.0, PGA)
    assert emb.torus_shape == (600, 800)  # 2(n − 1) rounded up to a fast FFT size
    assert emb.padding_steps == 0
    np.testing.assert_allclose(emb.lag_covariance(), _target_lags(400, 300, 250.0, PGA), rtol=0, atol=1e-12)


def test_indefinite_minimal_embedding_is_padded_then_exact():
    with pytest.raises(CirculantEmbeddingError, match="28x40"):
        circulant_embedding(NX, NY, CELL_M, PGA, max_padding_factor=1.0)
    emb = circulant_embedding(NX, NY, CELL_M, PGA)
    assert emb.padding_steps == 3
    assert emb.torus_shape == (96, 135)
    assert emb.covariance_error_bound == 0.0
    np.testing.assert_allclose(emb.lag_covariance(), _target_lags(NX, NY, CELL_M, PGA), rtol=0, atol=1e-12)


def test_gaussian_covariance_needs_much_padding_and_stays_within_tolerance():
    rho = GaussianCorrelation(8500.0)
    emb = circulant_embedding(NX, NY, CELL_M, rho)
    assert emb.padding_steps == 5
    assert emb.torus_shape == (216, 315)
    assert emb.covariance_error_bound <= 1e-8
    err = np.abs(emb.lag_covariance() - _target_lags(NX, NY, CELL_M, rho)).max()
    assert err <= emb.covariance_error_bound + 1e-12


def test_round_off_negative_eigenvalues_are_clipped_without_padding():
    # A smooth covariance on a large grid: the true spectrum underflows, FFT round-off leaves
    # eigenvalues of about ±1e-16 λmax, which are round-off, not indefiniteness.
    rho = GaussianCorrelation(2000.0)
    emb = circulant_embedding(400, 400, 250.0, rho)
    assert emb.padding_steps == 0
    assert emb.min_relative_eigenvalue > -1e-12
    assert emb.covariance_error_bound <= 1e-12
    np.testing.assert_allclose(emb.lag_covariance(), _target_lags(400, 400, 250.0, rho), rtol=0, atol=1e-12)


def test_covariance_not_embeddable_within_the_limits_fails_clearly():
    # Gaussian covariance with a 100 km range on a 5 km grid: still indefinite at 32x padding.
    with pytest.raises(CirculantEmbeddingError) as info:
        circulant_embedding(NX, NY, CELL_M, GaussianCorrelation(100_000.0))
    message = str(info.value)
    tried = ["28x40", "42x60", "63x90", "96x135", "144x210", "216x315", "324x480", "486x720", "729x1080"]
    assert all(shape in message for shape in tried)  # each side grows x1.5 (to a fast FFT size)
    assert "1094x" not in message  # the next step would exceed max_padding_factor = 32 (896 rows)
    assert "max_padding_factor=32" in message
    with pytest.raises(CirculantEmbeddingError, match="max_padding_factor=8"):
        circulant_embedding(10, 8, 100.0, PGA, max_padding_factor=8.0)  # needs 17x (243x324)
    assert circulant_embedding(10, 8, 100.0, PGA).torus_shape == (243, 324)
    with pytest.raises(CirculantEmbeddingError, match="max_torus_cells"):
        circulant_embedding(1000, 1000, 100.0, PGA, max_torus_cells=1_000_000)


def test_pga_on_a_million_cells_embeds_without_padding():
    emb = circulant_embedding(1000, 1000, 100.0, PGA)
    assert emb.torus_shape == (2000, 2000)
    assert emb.padding_steps == 0
    field = emb.sample(np.random.default_rng(3), 1)
    assert field.shape == (1, 1000, 1000)
    assert field.dtype == np.float64
    assert np.all(np.isfinite(field))


def test_single_row_and_single_cell_grids():
    row = sample_correlated_field(50, 1, 100.0, PGA, np.random.default_rng(0), 3)
    assert row.shape == (3, 1, 50)
    emb = circulant_embedding(50, 1, 100.0, PGA)
    assert emb.torus_shape[0] == 1
    np.testing.assert_allclose(emb.lag_covariance(), _target_lags(50, 1, 100.0, PGA), atol=1e-12)
    assert sample_correlated_field(1, 1, 100.0, PGA, np.random.default_rng(0), 2).shape == (2, 1, 1)


# ---------------------------------------------------------------------------------------------
# Ensemble statistics on the small grid
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def target():
    r = correlation_matrix(NX, NY, CELL_M, PGA)
    return r, np.linalg.cholesky(r)


@pytest.fixture(scope="module")
def ce_fields():
    return sample_correlated_field(NX, NY, CELL_M, PGA, np.random.default_rng(20090101), K)


@pytest.fixture(scope="module")
def cholesky_fields():
    return sample_correlated_field_cholesky(NX, NY, CELL_M, PGA, np.random.default_rng(19970401), K)


def _sample_covariance(fields):
    x = fields.reshape(fields.shape[0], -1)
    return x.T @ x / x.shape[0]  # known mean 0


def _entry_z(fields, r):
    """z-scores of the covariance entries: Var(S_ij) = (1 + ρ_ij²)/K for zero-mean Gaussians."""
    return (_sample_covariance(fields) - r) / np.sqrt((1.0 + r * r) / fields.shape[0])


def _whitened_z(fields, lower):
    """Whiten by the target's Cholesky factor: under the target the values are iid N(0, 1).

    Returns the z-scores of (a) the mean square (χ² with K·N degrees of freedom) and (b)
    Q = K·Σ_{i<j} S_ij² of the whitened sample covariance (≈ χ² with N(N − 1)/2 degrees).
    """
    x = fields.reshape(fields.shape[0], -1)
    w = scipy.linalg.solve_triangular(lower, x.T, lower=True).T
    k, n = w.shape
    z_square = (float(np.mean(w * w)) - 1.0) / math.sqrt(2.0 / w.size)
    s = w.T @ w / k
    iu = np.triu_indices(n, 1)
    m = iu[0].size
    q = k * float(np.sum(s[iu] ** 2))
    return z_square, (q - m) / math.sqrt(2.0 * m)


def test_circulant_fields_match_the_target_covariance_entrywise(ce_fields, target):
    r, _ = target
    assert ce_fields.shape == (K, NY, NX)
    assert np.abs(_entry_z(ce_fields, r)).max() <= Z_ENTRY  # observed 3.4


def test_circulant_fields_whiten_to_independent_standard_normals(ce_fields, target):
    _, lower = target
    z_square, z_q = _whitened_z(ce_fields, lower)
    assert abs(z_square) <= Z_GLOBAL
    assert abs(z_q) <= Z_GLOBAL


def test_circulant_and_cholesky_statistics_agree(ce_fields, cholesky_fields, target):
    r, lower = target
    # Entry-wise difference of two independent estimates: Var = 2(1 + ρ²)/K.
    diff = _sample_covariance(ce_fields) - _sample_covariance(cholesky_fields)
    assert np.abs(diff / np.sqrt(2.0 * (1.0 + r * r) / K)).max() <= Z_ENTRY
    # The reference passes the same whitening test...
    for z in _whitened_z(cholesky_fields, lower):
        assert abs(z) <= Z_GLOBAL
    # ...and the per-field spatial variance and maximum have the same distribution
    # (two-sample Kolmogorov-Smirnov, P(false fail) = 1e-4 each).
    for stat in (lambda f: f.var(axis=(1, 2)), lambda f: f.max(axis=(1, 2))):
        assert scipy.stats.ks_2samp(stat(ce_fields), stat(cholesky_fields)).pvalue > 1e-4


def test_mean_zero_and_variance_one_within_sampling_error(ce_fields, target):
    r, _ = target
    cell_mean = ce_fields.mean(axis=0)
    assert np.abs(cell_mean).max() * math.sqrt(K) <= Z_ENTRY  # each N(0, 1/K)
    grand_mean_se = math.sqrt(r.sum() / (N_CELLS**2 * K))  # Var = 1ᵀR1 / (N² K)
    assert abs(float(ce_fields.mean())) <= Z_GLOBAL * grand_mean_se
    mean_var_se = math.sqrt(2.0 * float(np.sum(r * r)) / (N_CELLS**2 * K))  # of mean(Z²)
    assert abs(float(np.mean(ce_fields**2)) - 1.0) <= Z_GLOBAL * mean_var_se


def test_the_two_fields_of_one_fft_are_independent(ce_fields, target):
    _, lower = target
    x = ce_fields.reshape(K, -1)
    w = scipy.linalg.solve_triangular(lower, x.T, lower=True).T
    real, imag = w[0::2], w[1::2]  # fields 2k and 2k + 1 come from one complex FFT
    half = real.shape[0]
    cross = real.T @ imag / half  # iid N(0, 1/half) entries if independent
    q = half * float(np.sum(cross * cross))
    m = cross.size
    assert abs((q - m) / math.sqrt(2.0 * m)) <= Z_GLOBAL
    assert np.abs(cross).max() * math.sqrt(half) <= Z_ENTRY


def test_statistics_reject_a_slightly_wrong_covariance(target):
    """Power: a 10 % longer range, or the clipped (not padded) minimal torus, is detected."""
    _, lower = target
    longer = sample_correlated_field(
        NX, NY, CELL_M, ExponentialCorrelation(9350.0), np.random.default_rng(5), K
    )
    assert max(abs(z) for z in _whitened_z(longer, lower)) > 3 * Z_GLOBAL
    # Minimal torus with its negative eigenvalues clipped: correlation off by up to 0.8 %.
    clipped = sample_correlated_field(
        NX, NY, CELL_M, PGA, np.random.default_rng(6), K, covariance_tolerance=1.0, max_padding_factor=1.0
    )
    assert max(abs(z) for z in _whitened_z(clipped, lower)) > 3 * Z_GLOBAL


# ---------------------------------------------------------------------------------------------
# One large field: semivariogram, mean and variance against exact sampling errors
# ---------------------------------------------------------------------------------------------
BIG, BIG_CELL_M = 400, 250.0  # 100 km x 100 km
LAGS_M = np.array([250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0])


def _offset_sum(n_across, n_along, weight):
    """Σ over offsets (a, b) of (n_across − |a|)(n_along − |b|) · weight(a, b)."""
    a = np.arange(-(n_across - 1), n_across)[:, None]
    b = np.arange(-(n_along - 1), n_along)[None, :]
    return float(np.sum((n_across - np.abs(a)) * (n_along - np.abs(b)) * weight(a, b)))


def _semivariogram_se(n_across, n_along, cell_m, lag, rho):
    """Exact standard error of Matheron's estimator for a Gaussian field, one axis.

    Increments Δ = Z(s + L) − Z(s) along the axis; Cov(Δ_p, Δ_q) = 2C(o) − C(o + L) − C(o − L)
    for the offset o between p and q, and Var γ̂ = Σ_{p,q} Cov(Δ_p, Δ_q)² / (2P²).
    """

    def c(a, b):
        return rho(cell_m * np.hypot(a, b))

    def cov_sq(a, b):
        return (2.0 * c(a, b) - c(a, b + lag) - c(a, b - lag)) ** 2

    pairs = n_across * (n_along - lag)
    return math.sqrt(_offset_sum(n_across, n_along - lag, cov_sq) / (2.0 * pairs**2))


@pytest.fixture(scope="module")
def big_field():
    return sample_correlated_field(BIG, BIG, BIG_CELL_M, PGA, np.random.default_rng(2009), 1)[0]


def _variogram_z(field, rho_model):
    z = []
    for direction in ("x", "y"):
        gamma = empirical_semivariogram(field, BIG_CELL_M, LAGS_M, direction=direction)
        for g, lag_m in zip(gamma, LAGS_M, strict=True):
            lag = round(lag_m / BIG_CELL_M)
            se = _semivariogram_se(BIG, BIG, BIG_CELL_M, lag, PGA)
            z.append((g - (1.0 - float(rho_model(np.array(lag_m))))) / se)
    return np.array(z)


def test_semivariogram_of_one_large_field_matches_one_minus_rho(big_field):
    z = _variogram_z(big_field, PGA)
    assert np.abs(z).max() <= Z_VARIOGRAM


def test_semivariogram_check_rejects_a_wrong_range(big_field):
    """Power: the same field against a model with a 25 % longer range fails by far."""
    z = _variogram_z(big_field, ExponentialCorrelation(1.25 * 8500.0))
    assert np.abs(z).max() > 2 * Z_VARIOGRAM


def test_large_field_mean_and_variance_within_exact_sampling_error(big_field):
    n = BIG * BIG

    def c(a, b):
        return PGA(BIG_CELL_M * np.hypot(a, b))

    mean_se = math.sqrt(_offset_sum(BIG, BIG, c)) / n  # Var(mean) = ΣΣ C / N²
    var_se = math.sqrt(2.0 * _offset_sum(BIG, BIG, lambda a, b: c(a, b) ** 2)) / n  # of mean(Z²)
    assert abs(float(big_field.mean())) <= Z_GLOBAL * mean_se
    assert abs(float(np.mean(big_field**2)) - 1.0) <= Z_GLOBAL * var_se


def test_semivariogram_estimator_by_hand():
    z = np.array([[0.0, 1.0, 3.0], [1.0, 1.0, 0.0]])
    # x, lag 1: diffs 1, 2, 0, -1 → ½·mean(1, 4, 0, 1) = 0.75; y, lag 1: 1, 0, -3 → ½·10/3.
    assert empirical_semivariogram(z, 2.0, [2.0], direction="x")[0] == pytest.approx(0.75)
    assert empirical_semivariogram(z, 2.0, [2.0], direction="y")[0] == pytest.approx(5.0 / 3.0)
    assert empirical_semivariogram(z, 2.0, [2.0])[0] == pytest.approx((6.0 + 10.0) / 2.0 / 7.0)
    stack = np.stack([z, -z])
    assert empirical_semivariogram(stack, 2.0, [2.0, 4.0], direction="x").tolist() == pytest.approx(
        [0.75, 0.5 * (9.0 + 1.0) / 2.0]
    )
    with pytest.raises(ValueError, match="multiples"):
        empirical_semivariogram(z, 2.0, [3.0])
    with pytest.raises(ValueError, match="shorter"):
        empirical_semivariogram(z, 2.0, [4.0], direction="y")


# ---------------------------------------------------------------------------------------------
# Reproducibility and validation
# ---------------------------------------------------------------------------------------------
def test_same_seed_same_fields_and_prefix_property():
    a = sample_correlated_field(30, 20, 500.0, PGA, np.random.default_rng(42), 3)
    b = sample_correlated_field(30, 20, 500.0, PGA, np.random.default_rng(42), 3)
    np.testing.assert_array_equal(a, b)
    c = sample_correlated_field(30, 20, 500.0, PGA, np.random.default_rng(43), 3)
    assert not np.array_equal(a, c)
    longer = sample_correlated_field(30, 20, 500.0, PGA, np.random.default_rng(42), 4)
    np.testing.assert_array_equal(a, longer[:3])  # field k does not depend on n_fields
    emb = circulant_embedding(30, 20, 500.0, PGA)
    np.testing.assert_array_equal(emb.sample(np.random.default_rng(42), 3), a)


def test_cholesky_reference_is_reproducible_and_limited():
    a = sample_correlated_field_cholesky(6, 5, 100.0, PGA, np.random.default_rng(1), 2)
    b = sample_correlated_field_cholesky(6, 5, 100.0, PGA, np.random.default_rng(1), 2)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="4096"):
        sample_correlated_field_cholesky(100, 100, 100.0, PGA, np.random.default_rng(1))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"nx": 0}, ValueError, "nx"),
        ({"ny": 2.5}, ValueError, "ny"),
        ({"cell_size_m": -1.0}, ValueError, "cell_size_m"),
        ({"cell_size_m": math.nan}, ValueError, "cell_size_m"),
        ({"n_fields": 0}, ValueError, "n_fields"),
        ({"correlation": lambda h: 0.5 * np.exp(-h / 1000.0)}, ValueError, "correlation\\(0\\)"),
        ({"correlation": lambda h: np.full_like(h, np.nan)}, ValueError, "non-finite"),
        ({"correlation": lambda h: 1.0}, ValueError, "shape"),
        ({"correlation": "exponential"}, TypeError, "callable"),
        ({"rng": 42}, TypeError, "Generator"),
        ({"covariance_tolerance": -1.0}, ValueError, "covariance_tolerance"),
        ({"max_padding_factor": 0.5}, ValueError, "max_padding_factor"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs, error, match):
    args = {
        "nx": 10,
        "ny": 8,
        "cell_size_m": 100.0,
        "correlation": PGA,
        "rng": np.random.default_rng(0),
        "n_fields": 1,
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        sample_correlated_field(**args)
