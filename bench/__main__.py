"""`python -m bench [--quick]`: every figure beside its baseline, as a markdown table (also docs/benchmarks.md)."""
from __future__ import annotations

import argparse
import importlib
import inspect
import time

from .harness import ROOT, machine_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs and lessons, for a quick look")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    started = time.time()
    from . import kiosk_bench
    kiosk_bench.run(rows, quick=args.quick)
    for name in ("sync_bench", "content_bench", "connections_bench", "narration_bench", "roaming_bench"):
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError:
            continue
        quick = {"quick": args.quick} if "quick" in inspect.signature(module.run).parameters else {}
        rows.extend(module.run(**quick))
    lines = [machine_line(), "", f"Measured {time.strftime('%Y-%m-%d')} in {time.time() - started:.0f} s"
             + (" (--quick)" if args.quick else "") + ".", "",
             "| figure | measured | baseline or goal |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        write_table(ROOT / "docs" / "benchmarks.md", text)


START, END = "<!-- make bench: table -->", "<!-- make bench: end of table -->"


def write_table(doc, table: str) -> None:
    """Replace the generated table in docs/benchmarks.md; the notes written around it by hand are kept."""
    old = doc.read_text() if doc.exists() else ""
    if START in old and END in old:
        before, rest = old.split(START, 1)
        after = rest.split(END, 1)[1]
    else:
        before, after = "# Benchmarks\n\n`make bench` on this machine:\n\n", "\n"
    doc.write_text(f"{before}{START}\n{table}{END}{after}")

if __name__ == "__main__":
    main()
