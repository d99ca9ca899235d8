"""The ``effekt`` command: ``synth``, ``study run|check|lock``, ``budget template|run``, ``demo``.

Exit codes: 0 success, 2 bad input (a spec, a data table or an argument), 1 any
other failure. Errors are printed as one line plus a hint; ``--debug`` shows the
traceback. Usage errors (an unknown command, a missing argument) print the usage, one
line and a hint, and exit 2, as ``git`` and ``pip`` do.

Start-up is kept light: beyond the ``effekt`` package itself (whose top level holds the
estimators, on numpy, pandas and scipy), this module imports only the standard library
at the top, and each ``_cmd_*`` function imports what its command needs when it runs (the
data engine Ibis/DuckDB, statsmodels, matplotlib, openpyxl), so ``effekt --help`` and
``effekt --version`` answer without loading them. Keep new imports inside the commands.

The help texts shown by ``effekt ... --help`` are plain text (no reST): they are the
``description``, ``epilog`` and ``help`` strings given to the parsers below.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from effekt import __version__
from effekt.errors import EffektError, SpecError

__all__ = ["main"]

DEFAULT_SEED = 20190701  # Bærum's population date in CALIBRATION.md, as a memorable seed
# a quarter of Bærum: about 43,000 people and 35 HOLF families (NAV Bærum's two family
# coordinators followed a few dozen families in the real trial), about 2 MB of Parquet
DEFAULT_SCALE = 0.25

EXIT_CODES = """\
exit codes:
  0  success
  2  bad input: a spec, a data table, a workbook or an argument
     (one line naming the problem, then a hint)
  1  any other failure (--debug shows the traceback)"""

DESCRIPTION = """\
Measure the effect of municipal welfare measures and turn the effects into budgets
tied to care trajectories (forløp), from real record tables (Parquet or CSV) or from
the embedded synthetic municipality, whose true effects are known."""


def _cmd_synth(args: argparse.Namespace) -> int:
    from effekt.synthetic import generate, write

    m = generate(seed=args.seed, scale=args.scale)
    manifest = write(m, args.out)
    if not args.quiet:
        print(f"wrote the synthetic municipality (seed {args.seed}, scale {args.scale}) "
              f"to {args.out}")
        for name, entry in manifest["files"].items():
            print(f"  {name:<22} {entry['rows']:>10,} rows")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """Run the main job: the synthetic municipality, both shipped studies, their budget."""
    from effekt._io import output_folder
    from effekt.budgeting import study_budget
    from effekt.study import load_spec, run_study
    from effekt.study.runner import open_data, progress_to_stderr
    from effekt.synthetic import describe, generate, matches_folder, write
    from effekt.synthetic.measures import HOLF_GUIDANCE, INNSATSLEDER

    repo = Path(__file__).resolve().parents[1]
    say = (lambda *a: None) if args.quiet else print
    progress = None if args.quiet else progress_to_stderr

    m = generate(seed=args.seed, scale=args.scale)
    write(m, args.out / "synthetic")
    names = ("holf", "samhandling")
    specs = {name: load_spec(repo / "studies" / f"{name}.toml") for name in names}
    say(describe(m, units={s.pilot: s.unit for s in specs.values()},
                 outcomes={s.pilot: [o.name for o in s.outcomes] for s in specs.values()}))
    committed = repo / "synthetic_data"
    if (committed / "manifest.json").exists():
        same = matches_folder(m, committed)
        say(f"identical to the committed {committed.name}/: {'yes' if same else 'no'}")
        if not same:
            say(f"note: the studies and the budget use the studies' data ({committed.name}/), "
                "not this municipality; the planted effects above are this one's")

    results = {}
    for name in names:
        say(f"\n== study {name}")
        results[name] = run_study(specs[name], args.out / name, progress=progress)
        main = results[name]["main"]
        shown = "suppressed (<min_cell)" if main["suppressed"] else (
            f"{main['estimate']} (95% CI {main['ci_lower']} to {main['ci_upper']})")
        say(f"{main['outcome']}: {shown}")

    say("\n== trajectory budget of the municipality with both studies' effects")
    folders = {s.data.folder for s in specs.values()}
    if len(folders) != 1:
        raise SpecError("the shipped studies read different data; the budget needs one "
                        "municipality.")
    store, _ = open_data(specs[names[0]])  # the records both studies were estimated on
    if progress:
        progress("building trajectories, the caseload, both budgets and the Monte Carlo")
    budget = study_budget(  # disclosed at the strictest threshold of the studies
        store, [results[n] for n in names], seed=args.seed, language=args.language,
        min_cell=max(specs[n].min_cell for n in names),
        own_measures={"holf": [HOLF_GUIDANCE], "samhandling": [INNSATSLEDER]})
    with output_folder(args.out / "budget", "budget") as folder:  # replaced on each demo
        budget.to_excel(folder / "results.xlsx")
    say(budget.summary())

    say("\nOutputs:")
    for name in names:
        say(f"  {name} effect report: {args.out / name / 'report.html'}")
    say(f"  budget results:      {args.out / 'budget' / 'results.xlsx'}")
    say(f"  record tables:       {args.out / 'synthetic'}")
    return 0


def _cmd_budget_template(args: argparse.Namespace) -> int:
    from effekt.budgeting import write_template

    path = write_template(args.file, overwrite=args.force)
    if not args.quiet:
        print(f"wrote the assumptions workbook {path}; edit it, then: effekt budget run {path}")
    return 0


def _cmd_budget_run(args: argparse.Namespace) -> int:
    from effekt.budgeting import run_workbook

    out = args.out or args.file.with_name(f"{args.file.stem}_results.xlsx")
    path = run_workbook(args.file, out, seed=args.seed, overwrite=args.force)
    if not args.quiet:
        print(f"wrote the budget results {path}")
    return 0


def _cmd_study_run(args: argparse.Namespace) -> int:
    from effekt.study import run_study
    from effekt.study.runner import progress_to_stderr

    results = run_study(args.spec, args.out, progress=None if args.quiet else progress_to_stderr,
                        register=args.register)
    if not args.quiet:
        m = results["main"]
        shown = "suppressed (<min_cell)" if m["suppressed"] else (
            f"{m['estimate']} (95% CI {m['ci_lower']} to {m['ci_upper']})")
        print(f"{m['outcome']}: {shown}; report: {args.out / 'report.html'}")
    return 0


def _cmd_study_check(args: argparse.Namespace) -> int:
    from effekt.study import check_study, load_spec
    from effekt.study.runner import progress_to_stderr

    progress = (lambda _: None) if args.quiet else progress_to_stderr
    progress(f"reading the spec {args.spec}")
    # check_study takes no progress callback: say what it is about to do, from the spec
    source = load_spec(args.spec).data.folder_text or "synthetic"
    progress(f"opening the data ({source}) and checking the spec's names against it")
    study = check_study(args.spec)
    if not args.quiet:
        print(f"{args.spec}: ok ({study.design.type}, {study.unit} × {study.period}, "
              f"{len(study.outcomes)} outcomes)")
    return 0


def _cmd_study_lock(args: argparse.Namespace) -> int:
    from effekt.study.lock import lock_study

    path = lock_study(args.spec, date=args.date, overwrite=args.force)
    if not args.quiet:
        print(path)
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors end with a hint, like the other errors."""

    def error(self, message: str) -> NoReturn:
        """Print the usage, the error and a hint to stderr; exit 2.

        Parameters
        ----------
        message : str
            What is wrong with the command line.
        """
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nhint: see '{self.prog} --help'.\n")


def _require_command(parser: argparse.ArgumentParser) -> None:
    """Make a missing subcommand of ``parser`` a usage error that says so (exit 2, like git).

    The subcommands set their own ``func``, which replaces this default.
    """

    def missing(_: argparse.Namespace) -> int:
        parser.error("no command given")

    parser.set_defaults(func=missing)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written: they are wrapped by hand and hold examples."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_argument(self, action: argparse.Action) -> None:
        """Count a subcommand's indent in the help column, so a long name keeps its line."""
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._get_subactions():
                self._action_max_length = max(self._action_max_length,
                                              len(choice.dest) + self._current_indent + 4)


def _leaf(sub: argparse._SubParsersAction, name: str, help: str, description: str,
          examples: Sequence[str]) -> argparse.ArgumentParser:
    """Add a subcommand whose epilog lists examples and the exit codes."""
    epilog = "examples:\n" + "".join(f"  {e}\n" for e in examples) + "\n" + EXIT_CODES
    return sub.add_parser(name, help=help, description=description, epilog=epilog,
                          formatter_class=_HelpFormatter)


def _group(sub: argparse._SubParsersAction, name: str, help: str, description: str,
           dest: str) -> argparse._SubParsersAction:
    """Add a command that takes a subcommand (like ``git remote``); return its subparsers."""
    g = sub.add_parser(name, help=help, description=description,
                       epilog=f"Run 'effekt {name} <command> --help' for a command's options.",
                       formatter_class=_HelpFormatter)
    _require_command(g)
    return g.add_subparsers(title="commands", dest=dest, metavar="<command>",
                            help="the command to run, one of:")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="effekt", description=DESCRIPTION, formatter_class=_HelpFormatter,
        epilog=("examples:\n"
                "  effekt demo                # the main job, on the synthetic data\n"
                "  effekt study run studies/holf.toml --out out/holf\n"
                "  effekt budget template assumptions.xlsx\n\n"
                f"{EXIT_CODES}\n\n"
                "Run 'effekt <command> --help' for a command's options."),
    )
    p.add_argument("--version", action="version", version=f"effekt {__version__}",
                   help="print 'effekt <version>' and exit")
    p.add_argument("--debug", action="store_true",
                   help="show the traceback on errors")
    p.add_argument("--quiet", action="store_true",
                   help="print nothing but errors (no progress, no summary)")
    _require_command(p)
    sub = p.add_subparsers(title="commands", dest="command", metavar="<command>",
                           help="the command to run, one of:")

    s = _leaf(sub, "synth", help="write the synthetic municipality's record tables",
              description=(
                  "Generate the synthetic municipality and write its record tables (persons,\n"
                  "measures, service events, outcomes, exposures, providers) and its planted\n"
                  "truth as Parquet files, with a manifest.json of the settings, row counts\n"
                  "and SHA-256 sums. The same seed and scale give the same files."),
              examples=["effekt synth --out data/synthetic",
                        "effekt synth --seed 1 --scale 0.05 --out /tmp/small"])
    s.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help="random seed (default: %(default)s, as in synthetic_data/)")
    s.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                   help="share of Bærum's 128,000 people (default: %(default)s; 0.05 is quick)")
    s.add_argument("--out", type=Path, required=True, metavar="FOLDER",
                   help="folder for the Parquet files (required): new, empty or an earlier "
                        "'effekt synth' output, which is replaced; any other folder is "
                        "refused (exit 2), and there is no --force for folders")
    s.set_defaults(func=_cmd_synth)

    bsub = _group(sub, "budget", help="trajectory budgets from an assumptions workbook",
                  description=(
                      "Trajectory budgets for finance staff: write an assumptions workbook\n"
                      "(Excel) with example values, fill it in, then run it to get a results\n"
                      "workbook (who pays, who gains, with uncertainty)."),
                  dest="budget_command")
    bt = _leaf(bsub, "template", help="write an assumptions workbook to fill in",
               description=(
                   "Write the assumptions workbook (Excel, with example values and the\n"
                   "headings in bokmål and English) to FILE, to be edited and then run\n"
                   "with 'effekt budget run FILE'."),
               examples=["effekt budget template assumptions.xlsx",
                         "effekt budget template assumptions.xlsx --force"])
    bt.add_argument("file", type=Path, metavar="FILE",
                    help="the workbook to write (.xlsx); an existing file is refused "
                         "(exit 2) unless --force")
    bt.add_argument("--force", action="store_true",
                    help="replace FILE if it exists (a filled-in workbook is lost)")
    bt.set_defaults(func=_cmd_budget_template)
    br = _leaf(bsub, "run", help="validate and run a workbook; write a results workbook",
               description=(
                   "Read and validate an assumptions workbook, run the budget simulation and\n"
                   "write a results workbook. A problem in the workbook is reported naming\n"
                   "the sheet and cell, with exit code 2. The input is never overwritten."),
               examples=["effekt budget run assumptions.xlsx",
                         "effekt budget run assumptions.xlsx --out results.xlsx --seed 1"])
    br.add_argument("file", type=Path, metavar="FILE",
                    help="the assumptions workbook (from 'effekt budget template')")
    br.add_argument("--out", type=Path, default=None, metavar="FILE",
                    help="results workbook (default: <FILE>_results.xlsx beside FILE; "
                         "never the input); an existing file is refused (exit 2) unless "
                         "--force")
    br.add_argument("--force", action="store_true",
                    help="replace the results workbook if it exists (never the input)")
    br.add_argument("--seed", type=int, default=None,
                    help="random seed of the simulation (default: the seed in the "
                         "workbook's settings sheet)")
    br.set_defaults(func=_cmd_budget_run)

    ssub = _group(sub, "study", help="run, check or lock a study spec (TOML)",
                  description=(
                      "Effect studies from a spec file (TOML) naming the data, population,\n"
                      "exposure, outcomes, design and robustness checks; see studies/holf.toml\n"
                      "and studies/samhandling.toml."),
                  dest="study_command")
    sr = _leaf(ssub, "run", help="run a study; write its report and results to --out",
               description=(
                   "Run a study spec: build the panel, estimate the design, run the\n"
                   "robustness checks and the budget view, and write report.html\n"
                   "(self-contained), results.json, tables/*.csv, spec.toml and\n"
                   "resolved_spec.json into the output folder. Everything is written to a\n"
                   "temporary folder first: a failed run leaves --out as it was.\n"
                   "Progress goes to stderr, the main estimate to stdout."),
               examples=["effekt study run studies/holf.toml --out out/holf",
                         "effekt study run studies/samhandling.toml --out out/s --quiet",
                         "effekt study run studies/holf.toml --out out/holf "
                         "--register register"])
    sr.add_argument("spec", type=Path, metavar="SPEC", help="the study spec (a TOML file)")
    sr.add_argument("--out", type=Path, required=True, metavar="FOLDER",
                    help="output folder (required): new, empty or an earlier study output, "
                         "which is replaced as a whole on success; any other folder, the "
                         "data folder and the spec's place are refused (exit 2), and "
                         "there is no --force for folders")
    sr.add_argument("--register", type=Path, default=None, metavar="DIR",
                    help="an effect register folder (effekt register add): the report "
                         "compares each outcome with the register's entries of the same "
                         "measure and outcome (this study's own entries left out); the "
                         "register is only read")
    sr.set_defaults(func=_cmd_study_run)
    sc = _leaf(ssub, "check", help="validate a spec against its data; estimate nothing",
               description=(
                   "Validate a study spec, open its data and check the names it uses\n"
                   "(outcomes, pilot, covariates, cluster) against the data, without\n"
                   "estimating anything or writing any file. Progress goes to stderr."),
               examples=["effekt study check studies/holf.toml"])
    sc.add_argument("spec", type=Path, metavar="SPEC", help="the study spec (a TOML file)")
    sc.set_defaults(func=_cmd_study_check)
    sl = _leaf(ssub, "lock", help="lock a study's analysis plan before its outcomes exist",
               description=(
                   "Pre-register a study: write <spec stem>.lock.json beside the spec with\n"
                   "the spec's sha256, the resolved plan, the date and fingerprints of the\n"
                   "data's non-outcome tables (the outcome table is never read). Later runs\n"
                   "report every deviation from the locked plan."),
               examples=["effekt study lock studies/holf.toml",
                         "effekt study lock studies/holf.toml --date 2026-01-31 --force"])
    sl.add_argument("spec", type=Path, metavar="SPEC", help="the study spec (a TOML file)")
    sl.add_argument("--date", metavar="YYYY-MM-DD", default=None,
                    help="the date of the lock (default today)")
    sl.add_argument("--force", action="store_true",
                    help="replace an existing lock (without it an existing lock is refused, "
                         "exit 2)")
    sl.set_defaults(func=_cmd_study_lock)
    for sp in (sr, sc, sl):  # also accepted after the subcommand: 'effekt study run X --quiet'
        sp.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print nothing but errors (same as 'effekt --quiet ...')")
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback on errors (same as 'effekt --debug ...')")

    d = _leaf(sub, "demo", help="the main job on the embedded synthetic data",
              description=(
                  "The main job, end to end, on the synthetic municipality: write its record\n"
                  "tables, check them against the committed synthetic_data/, print the\n"
                  "planted effects in each study's unit, run both shipped studies (HOLF and\n"
                  "samhandling), then the trajectory budget of the municipality with both\n"
                  "studies' effects (budget/results.xlsx) and print its avoided cost per\n"
                  "sector with a 90 % interval (positive = saved). Prints where each output\n"
                  "is."),
              examples=["effekt demo", "effekt demo --out /tmp/demo --scale 0.05",
                        "effekt demo --language en"])
    d.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help="seed of the municipality and the budget's Monte Carlo (default: "
                        "%(default)s)")
    d.add_argument("--language", choices=("nb", "en"), default="nb",
                   help="language of the budget's summary and results workbook: nb (bokmål, "
                        "default) or en")
    d.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                   help="share of Bærum's 128,000 people (default: %(default)s; 0.05 is quick)")
    d.add_argument("--out", type=Path, default=Path("out/demo"), metavar="FOLDER",
                   help="folder for all outputs (default: %(default)s); its folders "
                        "synthetic, holf, samhandling and budget are replaced on each run "
                        "and must be new, empty or the demo's own earlier outputs")
    d.set_defaults(func=_cmd_demo)
    from effekt.cli_register import add_register_commands  # stdlib; pandas when run

    add_register_commands(sub, _group, _leaf)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``effekt`` command line and return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``effekt`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on bad input, 1 on any other failure.

    Raises
    ------
    SystemExit
        For ``--help`` and ``--version`` (code 0) and for usage errors (code 2), as
        :mod:`argparse` does.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except EffektError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"effekt: error: {exc}", file=sys.stderr)
        print("hint: fix the input named above and run again (--debug shows details).",
              file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI boundary turns every failure into exit 1
        if args.debug:
            traceback.print_exc()
        print(f"effekt: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("hint: run again with --debug for the traceback.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
