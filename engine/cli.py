"""The ``hazchain`` command line.

Every mistake a user can make (a bad scenario, a missing results file) ends
as one line on standard error and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.errors import HazchainError

EPILOG = """\
examples:
  hazchain validate scenarios/chlorine_release_town.toml
  hazchain run scenarios/chlorine_release_town.toml --out results/chlorine.h5 --seed 1
  hazchain report results/chlorine.h5 --out results/chlorine_report
  hazchain ensemble scenarios/chlorine_release_town.toml --replicas 50 --workers 2 \\
      --out results/chlorine_ensemble.h5
"""


def _progress_bar(total: float, unit: str, desc: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        disable=quiet or None,
        file=sys.stderr,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} {unit} [{elapsed}<{remaining}]",
    )


def _print_kpis(kpis) -> None:
    if not kpis:
        return
    width = max(len(k) for k in kpis)
    for k in kpis.values():
        print(f"  {k.name:<{width}}  {k.value:>14,.6g} {k.units}")


def _cmd_validate(args: argparse.Namespace) -> int:
    from engine.scenario import Scenario

    status = 0
    for path in args.scenario:
        try:
            sc = Scenario.load(path)
        except HazchainError as exc:
            print(f"hazchain: error: {exc}", file=sys.stderr)
            status = 1
            continue
        names = ", ".join(f"{p.name} ({p.cls.model_name})" for p in sc.processes) or "none"
        print(
            f"{path}: ok — {sc.meta.name!r}, grid {sc.grid.nx}×{sc.grid.ny} cells of "
            f"{sc.grid.cell_size_m:g} m, {sc.meta.duration_s:g} s, processes: {names}"
        )
    return status


def _default_out(scenario: str, suffix: str) -> Path:
    return Path("results") / f"{Path(scenario).stem}{suffix}.h5"


def _cmd_run(args: argparse.Namespace) -> int:
    from engine.results import write_run
    from engine.scenario import Scenario
    from engine.simulation import Simulation

    sc = Scenario.load(args.scenario)
    out = Path(args.out) if args.out else _default_out(args.scenario, "")
    sim = Simulation(sc, seed=args.seed)
    bar = _progress_bar(sc.meta.duration_s, "s", f"running {sc.meta.name}", args.quiet)
    try:

        def progress(t_s: float) -> None:
            bar.update(t_s - bar.n)
            _stop_if_asked()

        output = sim.run(progress=progress)
    finally:
        bar.close()
    write_run(out, output)
    print(f"{sc.meta.name}: seed {output.seed}, {output.wall_time_s:.1f} s of computing")
    _print_kpis(output.kpis)
    print(f"results written to {out}")
    return 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from engine.ensemble import ensemble, parts_dir
    from engine.scenario import Scenario

    sc = Scenario.load(args.scenario)
    out = Path(args.out) if args.out else _default_out(args.scenario, "_ensemble")
    bar = _progress_bar(args.replicas, "replicas", f"ensemble {sc.meta.name}", args.quiet)

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)
        _stop_if_asked()

    try:
        ensemble(
            sc,
            replicas=args.replicas,
            out=out,
            seed=args.seed,
            workers=args.workers,
            dask_address=args.dask,
            store_fields=args.fields,
            progress=progress,
        )
    except KeyboardInterrupt:
        bar.close()
        print(
            f"hazchain: interrupted; finished replicas are kept in {parts_dir(out)}/; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    bar.close()
    print(f"{args.replicas} replicas of {sc.meta.name!r} written to {out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only; set here, not in engine.report, so notebooks keep their backend
    from engine.report import make_report

    out = Path(args.out) if args.out else Path(args.results).with_suffix("")
    summary = make_report(args.results, out)
    print(f"report written to {out} (summary: {summary})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hazchain`` (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="hazchain",
        description=(
            "Simulate disaster and accident chains: hazards, their cascades, the people "
            "caught in them and the response. Scenarios are TOML files; results are HDF5."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from engine.results import hazchain_version

    parser.add_argument("--version", action="version", version=f"hazchain {hazchain_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "validate",
        help="check scenario files without running them (exit 0 if all are valid)",
        description="Check scenario files completely without running them. Prints one line per "
        "file; exits 1 if any file has a mistake.",
    )
    p.add_argument("scenario", nargs="+", help="scenario TOML file(s)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "run",
        help="run a scenario once and write a results file",
        description="Run a scenario once and write its results file (HDF5). The file is written "
        "under a temporary name and renamed when complete.",
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--out", metavar="FILE.h5", help="results file (default results/<scenario>.h5)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's [scenario] seed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "ensemble",
        help="run Monte Carlo replicas in parallel; resumes when rerun",
        description="Run N replicas of a scenario on local worker processes (or a Dask cluster). "
        "Each finished replica is kept in FILE.h5.parts/ as it completes; rerunning the same command resumes "
        "without redoing finished replicas, and they are assembled into FILE.h5 when all are done.",
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--replicas", type=int, required=True, metavar="N", help="number of replicas")
    p.add_argument("--out", metavar="FILE.h5", help="results file (default results/<scenario>_ensemble.h5)")
    p.add_argument("--seed", type=int, help="ensemble seed (default: the scenario's)")
    p.add_argument("--workers", type=int, default=1, metavar="W", help="local worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--fields", action="store_true", help="also keep every replica's field time series")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_ensemble)

    p = sub.add_parser(
        "report",
        help="draw figures and a Markdown summary from a results file",
        description="Turn a results file into PNG figures (maps of fields, event timeline and "
        "causal chain, KPI table; KPI distributions for ensembles) and summary.md.",
    )
    p.add_argument("results", help="results file (.h5) from run or ensemble")
    p.add_argument("--out", metavar="DIR", help="output folder (default: next to the results file)")
    p.set_defaults(func=_cmd_report)
    return parser


_STOP_REQUESTED = False


def _terminate(signum, frame) -> None:
    # A polite kill (SIGTERM) ends like Ctrl-C: finished work is kept, temporary files removed.
    # The handler only sets a flag: an exception raised here could land inside a weakref
    # callback or a finaliser, where Python prints and ignores it and the run goes on. The
    # flag is checked at safe points (after each slice of a run, after each replica). A
    # second SIGTERM ends the process at once.
    global _STOP_REQUESTED
    if _STOP_REQUESTED:
        os._exit(143)
    _STOP_REQUESTED = True


def _stop_if_asked() -> None:
    if _STOP_REQUESTED:
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hazchain`` console script."""
    signal.signal(signal.SIGTERM, _terminate)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "replicas", 1) < 1:
        parser.error("--replicas must be at least 1")
    if getattr(args, "workers", 1) < 1:
        parser.error("--workers must be at least 1")
    try:
        return args.func(args)
    except HazchainError as exc:
        print(f"hazchain: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hazchain: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
