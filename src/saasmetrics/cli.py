"""The command line: ``saasmetrics demo`` builds the sample company and writes the HTML report."""

from __future__ import annotations

import argparse
import pathlib
import sys
import time
from collections.abc import Sequence

__all__ = ("main",)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"saasmetrics: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"expected a whole number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 10:
        msg = f"must be at least 10, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"expected a whole number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 0:
        msg = f"must not be negative, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _parser() -> argparse.ArgumentParser:
    from saasmetrics import __version__

    parser = _Parser(prog="saasmetrics", description="SaaS growth metrics from raw data.")
    parser.add_argument("--version", action="version", version=f"saasmetrics {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = commands.add_parser(
        "demo", help="build the sample company and write an HTML report about it"
    )
    demo.add_argument("--out", default="report.html", help="where to write the report")
    demo.add_argument(
        "--accounts", type=_positive_int, default=2000, help="accounts in the sample company"
    )
    demo.add_argument("--seed", type=_seed, default=0, help="random seed of the sample company")
    return parser


def _demo(out: pathlib.Path, accounts: int, seed: int) -> int:
    from saasmetrics.datasets import make_saas_company
    from saasmetrics.report import build_sections, render_html

    if out.exists() and out.is_dir():
        print(f"saasmetrics: error: --out {str(out)!r} is a directory", file=sys.stderr)
        return 2
    if not out.parent.exists():
        print(f"saasmetrics: error: folder {str(out.parent)!r} does not exist", file=sys.stderr)
        return 2
    started = time.perf_counter()
    company = make_saas_company(n_accounts=accounts, seed=seed)
    print(f"Sample company (seed {seed}): {company!r}")
    sections = build_sections(company)
    for section in sections:
        print(f"\n== {section.title} ==")
        for line in section.summary:
            print(f"  {line}")
    out.write_text(render_html(sections, title="saasmetrics demo: the sample company"), "utf-8")
    elapsed = time.perf_counter() - started
    print(f"\nWrote {out} ({out.stat().st_size / 1024:,.0f} KiB) in {elapsed:.1f} s.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad arguments.

    Examples
    --------
    >>> main(["demo", "--accounts", "five"])
    2
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and errors
        return int(exc.code or 0)
    if args.command == "demo":
        import matplotlib as mpl

        mpl.use("Agg")
        return _demo(pathlib.Path(args.out), args.accounts, args.seed)
    return 2  # pragma: no cover - argparse requires a known command
