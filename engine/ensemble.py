"""Monte Carlo ensembles: replicas on local processes or a Dask cluster.

Replica ``r`` of seed ``s`` uses the random streams of ``(s, r)``, so a
replica is the same whatever the number of replicas or workers. Each finished
replica is appended to ``OUT.partial`` as group ``/replicas/rNNNNN`` and
marked complete only after its data are written; rerunning the same command
after a crash or Ctrl-C skips the complete replicas, drops a half-written one
and runs the rest. When every replica is in, a ``/summary`` group (each KPI
by replica) is added and the file is renamed to ``OUT``. Asking an existing
complete ensemble for more replicas extends it the same way.

Dask is used through its ordinary client (``--dask tcp://host:8786``): one
task per replica, results gathered as they finish and written by this
process, so the file has a single writer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import h5py
import numpy as np

from engine.errors import HazchainError
from engine.results import FORMAT, write_header, write_run_group
from engine.scenario import Scenario
from engine.simulation import RunOutput, Simulation


def _run_replica(text: str, base_dir: str, path: str, seed: int, replica: int) -> RunOutput:
    """Worker: rebuild the scenario from its text, run one replica, return it without the scenario."""
    scenario = Scenario.from_text(text, base_dir=base_dir, path=path)
    out = Simulation(scenario, seed=seed, replica=replica).run()
    out.scenario = None  # type: ignore[assignment]  # the parent re-attaches its own
    return out


def partial_path(out: str | Path) -> Path:
    """Where an unfinished ensemble is kept."""
    out = Path(out)
    return out.with_name(out.name + ".partial")


def _prepare(scenario: Scenario, out: Path, seed: int) -> tuple[Path, set[int]]:
    """Open or create the partial file; return it and the replicas already complete."""
    part = partial_path(out)
    if not part.exists() and out.exists():
        os.replace(out, part)  # extend a finished ensemble
    if part.exists():
        try:
            with h5py.File(part, "a") as f:
                if f.attrs.get("format") != FORMAT or f.attrs.get("kind") != "ensemble":
                    raise HazchainError(f"{part} is not a hazchain ensemble file; delete it")
                if f["scenario"][()].decode() != scenario.text or int(f.attrs["seed"]) != seed:
                    raise HazchainError(
                        f"{part} holds an ensemble of another scenario or seed; delete it or "
                        "choose another --out"
                    )
                reps = f.require_group("replicas")
                done = set()
                for name in list(reps):
                    if reps[name].attrs.get("complete", 0) == 1:
                        done.add(int(name[1:]))
                    else:
                        del reps[name]  # half-written when the last run stopped
                if "summary" in f:
                    del f["summary"]
                return part, done
        except OSError as exc:
            raise HazchainError(
                f"{part} cannot be read ({exc}); delete it to start the ensemble again"
            ) from None
    with h5py.File(part, "w") as f:
        write_header(f, scenario, kind="ensemble", seed=seed)
        f.create_group("replicas")
    return part, set()


def _append(part: Path, output: RunOutput, store_fields: bool) -> None:
    with h5py.File(part, "a") as f:
        name = f"replicas/r{output.replica:05d}"
        if name in f:
            del f[name]
        g = f.create_group(name)
        write_run_group(g, output, with_fields=store_fields)
        g.attrs["complete"] = 1  # written last: marks the replica as finished
        f.flush()


def _write_summary(f: h5py.File, replicas: int) -> None:
    reps = f["replicas"]
    ids = np.array(sorted(int(k[1:]) for k in reps if int(k[1:]) < replicas), dtype=np.int64)
    g = f.create_group("summary")
    r = g.create_dataset("replica", data=ids)
    r.make_scale("replica")
    names: list[str] = []
    for i in ids:
        for k in reps[f"r{i:05d}/kpis"]:
            if k not in names:
                names.append(k)
    for k in names:
        vals = np.full(ids.size, np.nan)
        units, desc = "", k
        for j, i in enumerate(ids):
            kg = reps[f"r{i:05d}/kpis"]
            if k in kg:
                vals[j] = kg[k][()]
                units, desc = str(kg[k].attrs["units"]), str(kg[k].attrs["long_name"])
        ds = g.create_dataset(k, data=vals)
        ds.attrs["units"] = units
        ds.attrs["long_name"] = desc
        ds.dims[0].attach_scale(r)
    f.attrs["replicas"] = int(ids.size)


def _local_results(scenario: Scenario, seed: int, todo: list[int], workers: int) -> Iterator[RunOutput]:
    args = (scenario.text, str(scenario.base_dir), str(scenario.path), seed)
    if workers <= 1:
        for r in todo:
            yield _run_replica(*args, r)
        return
    # "spawn" gives each worker a clean interpreter (no forked threads or locks).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_run_replica, *args, r) for r in todo]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _dask_results(scenario: Scenario, seed: int, todo: list[int], address: str) -> Iterator[RunOutput]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise HazchainError('Dask is not installed; install it with pip install "hazchain[dask]"') from None
    args = (scenario.text, str(scenario.base_dir), str(scenario.path), seed)
    with Client(address) as client:
        futures = [client.submit(_run_replica, *args, r, pure=False) for r in todo]
        for fut in dask_completed(futures):
            yield fut.result()


def ensemble(
    scenario: Scenario | str | Path,
    *,
    replicas: int,
    out: str | Path,
    seed: int | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    store_fields: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Run (or resume) a Monte Carlo ensemble and return the finished file's path.

    Parameters
    ----------
    scenario
        A :class:`~engine.scenario.Scenario` or a path to one.
    replicas
        Number of replicas (0 … replicas-1).
    out
        Final results file; work in progress is kept in ``out + ".partial"``.
    seed
        Ensemble seed; defaults to the scenario's.
    workers
        Local worker processes (ignored with ``dask_address``).
    dask_address
        Address of a Dask scheduler (``tcp://host:8786``) to run replicas on.
    store_fields
        Also keep each replica's field time series (large); maps, events and
        KPIs are always kept.
    progress
        Called as ``progress(done, total)`` after each replica.

    Examples
    --------
    >>> ensemble("scenarios/chlorine_release_town.toml", replicas=20,
    ...          out="results/ens.h5", workers=2)  # doctest: +SKIP
    """
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    sc = scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)
    seed = sc.meta.seed if seed is None else int(seed)
    out = Path(out)
    part, done = _prepare(sc, out, seed)
    todo = [r for r in range(replicas) if r not in done]
    finished = replicas - len(todo)
    if progress is not None:
        progress(finished, replicas)
    if dask_address:
        stream = _dask_results(sc, seed, todo, dask_address)
    else:
        stream = _local_results(sc, seed, todo, workers)
    for output in stream:
        output.scenario = sc
        _append(part, output, store_fields)
        finished += 1
        if progress is not None:
            progress(finished, replicas)
    with h5py.File(part, "a") as f:
        if "summary" in f:
            del f["summary"]
        _write_summary(f, replicas)
    os.replace(part, out)
    return out
