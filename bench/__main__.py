"""`python -m bench [--quick]`: every figure beside its baseline, as a markdown table (also docs/benchmarks.md)."""
from __future__ import annotations

import argparse
import importlib
import inspect
import time

from .harness import ROOT, machine_line
from .report import load_average, table, write_table

__all__ = ["main", "write_table"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs, lessons and connections, no install venv, docs left alone: a quick look")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    started, load_at_start = time.time(), load_average()
    from . import kiosk_bench
    kiosk_bench.run(rows, quick=args.quick)
    for name in ("sync_bench", "content_bench", "connections_bench", "narration_bench", "roaming_bench"):
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError:
            continue
        quick = {"quick": args.quick} if "quick" in inspect.signature(module.run).parameters else {}
        rows.extend(module.run(**quick))
    text = table(rows, header_lines(started, load_at_start, args.quick))
    print(text)
    if not args.quick:
        write_table(ROOT / "docs" / "benchmarks.md", text)


def header_lines(started: float, load_at_start: str, quick: bool) -> list[str]:
    return [machine_line(), "",
            f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime(started))} UTC in {time.time() - started:.0f} s"
            + (" (--quick: fewer runs and lessons, 16 connections only)" if quick else "")
            + f"; {load_at_start} at the start, {load_average()} at the end."]


if __name__ == "__main__":
    main()
