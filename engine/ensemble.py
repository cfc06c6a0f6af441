"""Monte Carlo ensembles: replicas on local processes or a Dask cluster.

Replica ``r`` of seed ``s`` uses the random streams of ``(s, r)``, so a
replica is the same whatever the number of replicas or workers.

Crash safety. Each finished replica is appended to the ensemble's work
folder ``OUT.parts/`` as its own results file ``rNNNNN.h5``, written under a
temporary name and renamed, so a kill at any instant (even ``kill -9``)
loses at most the replicas still computing. Rerunning the same command skips
every replica already there. When all replicas are in, they are assembled
into ``OUT`` (again via a temporary name), with a ``/summary`` group of each
KPI by replica, and the work folder is removed. Asking a finished ensemble
for more replicas reuses the ones it has.

Dask is used through its ordinary client (``--dask tcp://host:8786``): one
task per replica, results gathered as they finish and written by this
process, so every file has a single writer.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import h5py
import numpy as np

from engine.errors import HazchainError
from engine.results import FORMAT, atomic_h5, write_header, write_run_group
from engine.scenario import Scenario
from engine.simulation import RunOutput, Simulation


def _run_replica(text: str, base_dir: str, path: str, seed: int, replica: int) -> RunOutput:
    """Worker: rebuild the scenario from its text and run one replica."""
    scenario = Scenario.from_text(text, base_dir=base_dir, path=path)
    out = Simulation(scenario, seed=seed, replica=replica).run()
    out.scenario = None  # type: ignore[assignment]  # the parent re-attaches its own
    return out


def parts_dir(out: str | Path) -> Path:
    """The work folder of an unfinished ensemble."""
    out = Path(out)
    return out.with_name(out.name + ".parts")


def _same_run(f: h5py.File, scenario: Scenario, seed: int) -> bool:
    return (
        f.attrs.get("format") == FORMAT
        and f["scenario"][()].decode() == scenario.text
        and int(f.attrs["seed"]) == seed
    )


def _existing(scenario: Scenario, out: Path, seed: int) -> dict[int, tuple[Path, str]]:
    """Replicas already computed: replica → (file, group path inside it)."""
    found: dict[int, tuple[Path, str]] = {}
    if out.exists():
        try:
            with h5py.File(out, "r") as f:
                if f.attrs.get("kind") == "ensemble" and _same_run(f, scenario, seed):
                    for name in f["replicas"]:
                        found[int(name[1:])] = (out, f"replicas/{name}")
                else:
                    raise HazchainError(
                        f"{out} already exists and is not an ensemble of this scenario and seed; "
                        "delete it or choose another --out"
                    )
        except OSError as exc:
            raise HazchainError(f"{out} exists but cannot be read ({exc}); delete it") from None
    parts = parts_dir(out)
    for part in sorted(parts.glob("r*.h5")) if parts.is_dir() else []:
        try:
            with h5py.File(part, "r") as f:
                if not _same_run(f, scenario, seed):
                    raise HazchainError(
                        f"{parts} holds replicas of another scenario or seed; delete the folder "
                        "or choose another --out"
                    )
        except OSError:
            part.unlink()  # cannot happen with atomic renames, but never trust a bad file
            continue
        found[int(part.stem[1:])] = (part, "/")
    return found


def _write_part(parts: Path, output: RunOutput, store_fields: bool) -> None:
    with atomic_h5(parts / f"r{output.replica:05d}.h5") as f:
        write_header(f, output.scenario, kind="run", seed=output.seed)
        write_run_group(f, output, with_fields=store_fields)


def _write_summary(f: h5py.File) -> None:
    reps = f["replicas"]
    ids = np.array(sorted(int(k[1:]) for k in reps), dtype=np.int64)
    g = f.create_group("summary")
    r = g.create_dataset("replica", data=ids)
    r.make_scale("replica")
    names: list[str] = []
    for i in ids:
        names += [k for k in reps[f"r{i:05d}/kpis"] if k not in names]
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


def _assemble(
    scenario: Scenario, out: Path, seed: int, replicas: int, sources: dict[int, tuple[Path, str]]
) -> None:
    with atomic_h5(out) as dst:
        write_header(dst, scenario, kind="ensemble", seed=seed)
        dst.attrs["replicas"] = replicas
        reps = dst.create_group("replicas")
        for r in range(replicas):
            path, group = sources[r]
            with h5py.File(path, "r") as src:
                g = src[group]
                target = reps.create_group(f"r{r:05d}")
                for key in g:
                    if key != "scenario":
                        src.copy(g[key], target, name=key)
                for k, v in g.attrs.items():
                    if k in ("seed", "replica", "wall_time_s", "process_steps"):
                        target.attrs[k] = v
        _write_summary(dst)


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
        finally:
            for fut in futures:
                fut.cancel()


def _dask_results(scenario: Scenario, seed: int, todo: list[int], address: str) -> Iterator[RunOutput]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise HazchainError('Dask is not installed; install it with pip install "hazchain[dask]"') from None
    args = (scenario.text, str(scenario.base_dir), str(scenario.path), seed)
    try:
        client = Client(address, timeout="10s")
    except OSError as exc:
        raise HazchainError(f"cannot reach the Dask scheduler at {address} ({exc})") from None
    with client:
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
        Final results file; work in progress is kept in ``out + ".parts/"``.
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
    sources = _existing(sc, out, seed)
    todo = [r for r in range(replicas) if r not in sources]
    if progress is not None:
        progress(replicas - len(todo), replicas)
    if todo:
        parts = parts_dir(out)
        parts.mkdir(parents=True, exist_ok=True)
        if dask_address:
            stream = _dask_results(sc, seed, todo, dask_address)
        else:
            stream = _local_results(sc, seed, todo, workers)
        for output in stream:
            output.scenario = sc
            _write_part(parts, output, store_fields)
            sources[output.replica] = (parts / f"r{output.replica:05d}.h5", "/")
            if progress is not None:
                progress(sum(r < replicas for r in sources), replicas)
    if not (out.exists() and not todo and _replica_count(out) == replicas):
        _assemble(sc, out, seed, replicas, sources)
    shutil.rmtree(parts_dir(out), ignore_errors=True)
    return out


def _replica_count(path: Path) -> int:
    with h5py.File(path, "r") as f:
        return len(f["replicas"])
