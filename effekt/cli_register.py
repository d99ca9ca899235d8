"""The ``effekt register`` commands: add, add-external, show, export, portfolio.

Kept out of :mod:`effekt.register` (whose import loads the budgeting), so that
``effekt --help`` stays light; each command imports what it needs when it runs. The
register folder follows effekt's output rule: it must be new, empty or a register effekt
wrote, and it is rewritten as a whole on each change.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from effekt.errors import DataError, SpecError

__all__ = ["add_register_commands"]


def _desired(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        name, _, way = p.partition("=")
        if way not in ("increase", "decrease") or not name:
            raise SpecError(f"--desired {p!r}: expected OUTCOME=increase or "
                            "OUTCOME=decrease.")
        out[name] = way
    return out


def _cmd_add(args: argparse.Namespace) -> int:
    import pandas as pd

    from effekt.register import add_entries, entries_from_results

    desired = _desired(args.desired)
    new = pd.concat([entries_from_results(f, measure=args.measure, measure_id=args.measure_id,
                                          desired=desired) for f in args.study_out],
                    ignore_index=True)
    whole = add_entries(args.register, new)
    if not args.quiet:
        print(f"added {len(new)} entries ({int(new['suppressed'].sum())} suppressed) to "
              f"{args.register}; it holds {len(whole)}")
    return 0


def _cmd_add_external(args: argparse.Namespace) -> int:
    from effekt.register import add_entries, entries_from_table

    new = entries_from_table(args.file)
    whole = add_entries(args.register, new)
    if not args.quiet:
        print(f"added {len(new)} external entries to {args.register}; it holds {len(whole)}")
    return 0


def _register(folder: Path) -> Any:
    from effekt.register import read_register

    if not folder.is_dir():
        raise SpecError(f"{folder}: no such register folder.")
    return read_register(folder)


def _cmd_show(args: argparse.Namespace) -> int:
    from effekt.register import pooled_effects

    pooled = pooled_effects(_register(args.register), method=args.method)
    cols = ["measure", "outcome", "k", "k_suppressed", "estimate", "ci_lower", "ci_upper",
            "i2", "evidence_grade", "eif_level"]
    print(pooled[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    import pandas as pd

    from effekt._io import atomic_write
    from effekt.register import pooled_effects

    entries = _register(args.register)
    pooled = pooled_effects(entries, method=args.method)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            pooled.to_excel(xl, sheet_name="pooled", index=False)
            entries.to_excel(xl, sheet_name="entries", index=False)

    path = atomic_write(args.xlsx, write, overwrite=args.force)
    if not args.quiet:
        print(f"wrote {path}")
    return 0


def _cmd_portfolio(args: argparse.Namespace) -> int:
    import pandas as pd

    from effekt._io import atomic_write, check_output_file
    from effekt.register import portfolio

    suffix = args.out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SpecError(f"--out {args.out}: expected a .csv or .xlsx file.")
    check_output_file(args.out, overwrite=args.force)
    costs_path = args.costs
    if not costs_path.is_file():
        raise DataError(f"--costs {costs_path}: no such file; give a .csv or .xlsx table with "
                        "the columns measure, cost_nok, sector.")
    costs = (pd.read_csv(costs_path) if costs_path.suffix.lower() == ".csv" else
             pd.read_excel(costs_path) if costs_path.suffix.lower() == ".xlsx" else None)
    if costs is None:
        raise DataError(f"--costs {costs_path}: expected a .csv or .xlsx table.")
    p = portfolio(_register(args.register), costs, horizon=args.horizon, decay=args.decay,
                  draws=args.draws, seed=args.seed)
    if suffix == ".xlsx":
        p.to_excel(args.out, language=args.language, overwrite=args.force)
    else:
        atomic_write(args.out, lambda tmp: p.table.to_csv(tmp, index=False,
                                                          lineterminator="\n"),
                     overwrite=args.force)
    if not args.quiet:
        print(p.summary())
        print(f"wrote {args.out}")
    return 0


def add_register_commands(sub: argparse._SubParsersAction,
                          group: Callable[..., argparse._SubParsersAction],
                          leaf: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``effekt register ...`` to the command line (``group`` and ``leaf`` of effekt.cli)."""
    rsub = group(sub, "register", help="the effect register: add, show, pool, rank",
                 description=(
                     "The effect register: a folder of effect entries (Parquet) from studies\n"
                     "and the literature, with evidence grades (0-5, Ungsinn levels), pooled\n"
                     "by random-effects meta-analysis, and ranked as a portfolio."),
                 dest="register_command")
    a = leaf(rsub, "add", help="add studies' results to a register",
             description=("Add one entry per outcome of each study output folder (its\n"
                          "results.json). A suppressed estimate is entered as suppressed,\n"
                          "without its value. A study already in the register is refused."),
             examples=["effekt register add out/holf out/samhandling --register register"])
    a.add_argument("study_out", type=Path, nargs="+", metavar="STUDY_OUT_DIR",
                   help="folders written by 'effekt study run' (each with results.json)")
    a.add_argument("--register", type=Path, required=True, metavar="DIR",
                   help="the register folder: new, empty or a register effekt wrote")
    a.add_argument("--measure", default=None, help="the measure's name (default: the pilot)")
    a.add_argument("--measure-id", type=int, default=None, help="measure_id in the catalogue")
    a.add_argument("--desired", action="append", default=[], metavar="OUTCOME=WAY",
                   help="desired direction of an outcome (increase or decrease); repeatable")
    a.set_defaults(func=_cmd_add)
    x = leaf(rsub, "add-external", help="add literature effects with their citations",
             description=("Add entries from a .csv or .xlsx table with the columns measure,\n"
                          "outcome, unit, estimate, std_error, design and source (the\n"
                          "citation); see the evaluator guide for the optional columns."),
             examples=["effekt register add-external literature.csv --register register"])
    x.add_argument("file", type=Path, metavar="FILE",
                   help="the table of literature effects (.csv or .xlsx)")
    x.add_argument("--register", type=Path, required=True, metavar="DIR",
                   help="the register folder: new, empty or a register effekt wrote")
    x.set_defaults(func=_cmd_add_external)
    s = leaf(rsub, "show", help="print the pooled effect of each measure and outcome",
             description="Print one pooled effect per measure and outcome with its grade.",
             examples=["effekt register show register"])
    s.add_argument("register", type=Path, metavar="DIR", help="the register folder")
    e = leaf(rsub, "export", help="write the register and its pooled effects to Excel",
             description="Write the sheets 'pooled' and 'entries' to an .xlsx file.",
             examples=["effekt register export register --xlsx register.xlsx"])
    e.add_argument("register", type=Path, metavar="DIR", help="the register folder")
    e.add_argument("--xlsx", type=Path, required=True, metavar="FILE",
                   help="the workbook to write; an existing file is refused unless --force")
    e.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p = leaf(rsub, "portfolio", help="rank measures by NPV and value of information",
             description=("For every measure with a cost (--costs: measure, cost_nok, sector)\n"
                          "and a priced outcome in the register: NPV per participant by\n"
                          "R-109 discounting and Monte Carlo, P(NPV > 0), who pays and who\n"
                          "gains, and the expected value of perfect information."),
             examples=["effekt register portfolio register --costs costs.csv --out p.xlsx"])
    p.add_argument("register", type=Path, metavar="DIR", help="the register folder")
    p.add_argument("--costs", type=Path, required=True, metavar="FILE",
                   help="table (.csv/.xlsx) of measure, cost_nok (per participant), sector")
    p.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="the ranked portfolio (.xlsx workbook or .csv); refused if it exists "
                        "unless --force")
    p.add_argument("--horizon", type=int, default=5, help="years the effect lasts (default 5)")
    p.add_argument("--decay", type=float, default=0.0, help="yearly decay (default 0)")
    p.add_argument("--draws", type=int, default=10_000,
                   help="Monte Carlo draws (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.add_argument("--language", choices=("nb", "en"), default="nb",
                   help="language of the workbook: nb (default) or en")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    for sp in (s, e):
        sp.add_argument("--method", choices=("REML", "DL"), default="REML",
                        help="pooling: REML (default) or DL (DerSimonian-Laird)")
    s.set_defaults(func=_cmd_show)
    e.set_defaults(func=_cmd_export)
    p.set_defaults(func=_cmd_portfolio)
