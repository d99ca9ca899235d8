"""The ``effekt`` command.

Exit codes: 0 success, 2 bad input (a spec, a data table or an argument), 1 any
other failure. Errors are printed as one line plus a hint; ``--debug`` shows the
traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from effekt.errors import EffektError

__all__ = ["main"]

DEFAULT_SEED = 20190701  # Bærum's population date in CALIBRATION.md, as a memorable seed
# a quarter of Bærum: about 43,000 people and 35 HOLF families (NAV Bærum's two family
# coordinators followed a few dozen families in the real trial), about 2 MB of Parquet
DEFAULT_SCALE = 0.25


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
    """Run the main job: the synthetic municipality, both shipped studies, a budget."""
    from effekt.budgeting import run_workbook, write_template
    from effekt.study import run_study
    from effekt.study.runner import progress_to_stderr
    from effekt.synthetic import describe, generate, matches_folder, write

    repo = Path(__file__).resolve().parents[1]
    say = (lambda *a: None) if args.quiet else print
    progress = None if args.quiet else progress_to_stderr

    m = generate(seed=args.seed, scale=args.scale)
    write(m, args.out / "synthetic")
    say(describe(m))
    committed = repo / "synthetic_data"
    if (committed / "manifest.json").exists():
        same = matches_folder(m, committed)
        say(f"identical to the committed {committed.name}/: {'yes' if same else 'no'}")

    reports = {}
    for name in ("holf", "samhandling"):
        say(f"\n== study {name}")
        results = run_study(repo / "studies" / f"{name}.toml", args.out / name, progress=progress)
        main = results["main"]
        shown = "suppressed (<min_cell)" if main["suppressed"] else (
            f"{main['estimate']} (95% CI {main['ci_lower']} to {main['ci_upper']})")
        say(f"{main['outcome']}: {shown}")
        reports[name] = args.out / name / "report.html"

    say("\n== trajectory budget")
    book = write_template(args.out / "budget" / "assumptions.xlsx")
    result = run_workbook(book, args.out / "budget" / "results.xlsx", seed=args.seed)

    say("\nOutputs:")
    for name, path in reports.items():
        say(f"  {name} effect report: {path}")
    say(f"  budget assumptions:  {book}\n  budget results:      {result}")
    say(f"  record tables:       {args.out / 'synthetic'}")
    return 0


def _cmd_budget_template(args: argparse.Namespace) -> int:
    from effekt.budgeting import write_template

    path = write_template(args.file)
    if not args.quiet:
        print(f"wrote the assumptions workbook {path}; edit it, then: effekt budget run {path}")
    return 0


def _cmd_budget_run(args: argparse.Namespace) -> int:
    from effekt.budgeting import run_workbook

    out = args.out or args.file.with_name(f"{args.file.stem}_results.xlsx")
    path = run_workbook(args.file, out, seed=args.seed)
    if not args.quiet:
        print(f"wrote the budget results {path}")
    return 0


def _cmd_study_run(args: argparse.Namespace) -> int:
    from effekt.study import run_study
    from effekt.study.runner import progress_to_stderr

    results = run_study(args.spec, args.out, progress=None if args.quiet else progress_to_stderr)
    if not args.quiet:
        m = results["main"]
        shown = "suppressed (<min_cell)" if m["suppressed"] else (
            f"{m['estimate']} (95% CI {m['ci_lower']} to {m['ci_upper']})")
        print(f"{m['outcome']}: {shown}; report: {args.out / 'report.html'}")
    return 0


def _cmd_study_check(args: argparse.Namespace) -> int:
    from effekt.study import check_study

    study = check_study(args.spec)
    if not args.quiet:
        print(f"{args.spec}: ok ({study.design.type}, {study.unit} × {study.period}, "
              f"{len(study.outcomes)} outcomes)")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="effekt", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show the traceback on errors")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="write the synthetic municipality's record tables")
    s.add_argument("--seed", type=int, default=DEFAULT_SEED)
    s.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="share of 128,000 people")
    s.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    s.set_defaults(func=_cmd_synth)

    b = sub.add_parser("budget", help="trajectory budgets from an assumptions workbook")
    bsub = b.add_subparsers(dest="budget_command", required=True)
    bt = bsub.add_parser("template", help="write an assumptions workbook to fill in")
    bt.add_argument("file", type=Path)
    bt.set_defaults(func=_cmd_budget_template)
    br = bsub.add_parser("run", help="validate and run a workbook; write a results workbook")
    br.add_argument("file", type=Path)
    br.add_argument("--out", type=Path, default=None,
                    help="results workbook (default: <file>_results.xlsx; never the input)")
    br.add_argument("--seed", type=int, default=None, help="overrides the workbook's seed")
    br.set_defaults(func=_cmd_budget_run)

    st = sub.add_parser("study", help="run or check a study spec (TOML)")
    ssub = st.add_subparsers(dest="study_command", required=True)
    sr = ssub.add_parser("run", help="run a study; write its report and results to --out")
    sr.add_argument("spec", type=Path)
    sr.add_argument("--out", type=Path, required=True, help="output folder (replaced whole)")
    sr.set_defaults(func=_cmd_study_run)
    sc = ssub.add_parser("check", help="validate a spec against its data; estimate nothing")
    sc.add_argument("spec", type=Path)
    sc.set_defaults(func=_cmd_study_check)
    for sp in (sr, sc):
        sp.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="print nothing but errors")
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback on errors")

    d = sub.add_parser("demo", help="the main job on the embedded synthetic data")
    d.add_argument("--seed", type=int, default=DEFAULT_SEED)
    d.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    d.add_argument("--out", type=Path, default=Path("out/demo"))
    d.set_defaults(func=_cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``effekt`` command line; return the exit code."""
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
