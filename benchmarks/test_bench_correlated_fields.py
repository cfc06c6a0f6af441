"""Spatially correlated ground-motion residuals: a million-cell field, and embedding vs Cholesky.

* one 1000 x 1000 field of 100 m cells with the Jayaram & Baker (2009) PGA correlation
  (range 8.5 km), end to end (embedding + sampling), and from a reused embedding;
* circulant embedding against the dense Cholesky reference on small grids, alternated inside
  one benchmark so both see the same machine load (ratio of medians in ``extra_info``).
  ``scipy.fft`` runs on one thread here, but the Cholesky uses every BLAS thread, and on a
  loaded 2-core machine OpenBLAS threads can slow it 50x; set ``OPENBLAS_NUM_THREADS=1``
  for a one-core comparison (the setting is recorded in ``extra_info``).

Timings are written, never asserted; the only checks are that real fields were produced.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from models.hazards.correlated_fields import (
    circulant_embedding,
    jayaram_baker_2009_correlation,
    sample_correlated_field,
    sample_correlated_field_cholesky,
)

SIDE = 1000  # 1000 x 1000 cells of 100 m: 100 km x 100 km
CELL_M = 100.0
N_CELLS = SIDE * SIDE
PGA = jayaram_baker_2009_correlation(0.0)


@pytest.fixture(scope="module")
def embedding():
    """The 1000 x 1000 embedding, built once (and a first draw, to fault memory in)."""
    emb = circulant_embedding(SIDE, SIDE, CELL_M, PGA)
    emb.sample(np.random.default_rng(0), 2)
    return emb


@pytest.mark.benchmark(group="correlated-field")
def test_one_field_1000x1000(benchmark, median_s, embedding):
    """``sample_correlated_field`` end to end: eigenvalue FFT of the 2000 x 2000 torus plus one field."""
    rng = np.random.default_rng(1)
    field = benchmark(sample_correlated_field, SIDE, SIDE, CELL_M, PGA, rng)
    assert field.shape == (1, SIDE, SIDE)
    assert np.isfinite(field).all()
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            n_cells=N_CELLS,
            torus_shape=list(embedding.torus_shape),
            seconds_per_field=t,
            mcells_per_s=N_CELLS / t / 1e6,
        )


@pytest.mark.benchmark(group="correlated-field")
def test_fields_from_reused_embedding_1000x1000(benchmark, median_s, embedding):
    """Two fields (one complex FFT) per call from a prebuilt embedding: the cost per event."""
    rng = np.random.default_rng(2)
    fields = benchmark(embedding.sample, rng, 2)
    assert fields.shape == (2, SIDE, SIDE)
    assert np.isfinite(fields).all()
    t = median_s(benchmark)
    if t is not None:
        benchmark.extra_info.update(
            n_cells=N_CELLS,
            torus_shape=list(embedding.torus_shape),
            seconds_per_field=t / 2,
            mcells_per_s=2 * N_CELLS / t / 1e6,
        )


@pytest.mark.benchmark(group="correlated-field-ratio")
@pytest.mark.parametrize(("nx", "ny", "cell_m"), [(20, 15, 250.0), (60, 60, 250.0)])
def test_small_grid_cholesky_vs_circulant_side_by_side(benchmark, nx, ny, cell_m):
    """One round = Cholesky reference then circulant embedding, each building its factorisation
    and drawing ``N_FIELDS`` fields; the ratio of the medians."""
    n_fields = 100
    rng_c = np.random.default_rng(3)
    rng_e = np.random.default_rng(4)
    times: dict[str, list[float]] = {"cholesky": [], "circulant": []}

    def pair() -> None:
        t0 = time.perf_counter()
        a = sample_correlated_field_cholesky(nx, ny, cell_m, PGA, rng_c, n_fields)
        t1 = time.perf_counter()
        b = sample_correlated_field(nx, ny, cell_m, PGA, rng_e, n_fields)
        t2 = time.perf_counter()
        assert a.shape == b.shape == (n_fields, ny, nx)
        times["cholesky"].append(t1 - t0)
        times["circulant"].append(t2 - t1)

    pair()  # warm-up (imports, BLAS threads, page faults), not counted
    times["cholesky"].clear()
    times["circulant"].clear()
    benchmark.pedantic(pair, rounds=5, iterations=1)
    t_chol = float(np.median(times["cholesky"]))
    t_ce = float(np.median(times["circulant"]))
    benchmark.extra_info.update(
        n_cells=nx * ny,
        n_fields=n_fields,
        torus_shape=list(circulant_embedding(nx, ny, cell_m, PGA).torus_shape),
        cholesky_ms_per_call=t_chol * 1e3,
        circulant_ms_per_call=t_ce * 1e3,
        circulant_speedup_over_cholesky=t_chol / t_ce,
        openblas_num_threads=os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
    )
