"""The bench's table: medians with their spread, load-run cells, the header lines and docs/benchmarks.md.

Pure functions (no server, no file but the one written by write_table): tests/test_bench.py runs them.
"""
from __future__ import annotations

import statistics
from pathlib import Path

START, END = "<!-- make bench: table -->", "<!-- make bench: end of table -->"


def spread(values: list[float], fmt: str = ".1f", unit: str = "") -> str:
    """'12.3 MB (3 runs: 11.9–12.8)': the median, then the spread (min–max) of the runs."""
    if not values:
        return "not measured: no run"
    median = format(statistics.median(values), fmt) + unit
    if len(values) == 1:
        return f"{median} (1 run)"
    return f"{median} ({len(values)} runs: {format(min(values), fmt)}–{format(max(values), fmt)})"


def load_cell(runs: list[dict]) -> str:
    """One load test's runs: median req/s and p99 with their spread, p50's median, errors if any."""
    errors = sum(r["errors"] for r in runs)
    rps = [r["rps"] for r in runs]
    p99 = [r["p99"] for r in runs]
    return (f"{statistics.median(rps):,.0f} req/s ({min(rps):,.0f}–{max(rps):,.0f}), "
            f"p50 {statistics.median(r['p50'] for r in runs):.1f} ms, "
            f"p99 {statistics.median(p99):.1f} ms ({min(p99):.1f}–{max(p99):.1f})"
            + (f", {errors} errors" if errors else ""))


def ratio_cell(runs: list[dict], ceiling_runs: list[dict], ceiling_name: str) -> str:
    """Median req/s as a share of the ceiling's median req/s in the same run."""
    ceiling = statistics.median(r["rps"] for r in ceiling_runs)
    if not ceiling:
        return f"{ceiling_name}: no answer"
    return f"{100 * statistics.median(r['rps'] for r in runs) / ceiling:.1f} % of {ceiling_name}"


def kib(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MB"


def shares(parts: dict[str, float], fmt=mib, limit: int = 12) -> str:
    """'flask 9.1 MB, PIL 3.0 MB, …' largest first; the rest summed as 'others'."""
    ranked = sorted(parts.items(), key=lambda kv: -kv[1])
    text = [f"{name} {fmt(size)}" for name, size in ranked[:limit]]
    rest = ranked[limit:]
    if rest:
        text.append(f"{len(rest)} others {fmt(sum(size for _, size in rest))}")
    return ", ".join(text)


def escape(cell: str) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")


def table(rows: list[tuple[str, str, str]], header: list[str]) -> str:
    """The header lines, then the rows as a markdown table (a '|' inside a cell is escaped)."""
    lines = [*header, "", "| figure (what was measured) | measured | compared with |", "|---|---|---|"]
    lines += [f"| {escape(a)} | {escape(b)} | {escape(c)} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


def write_table(doc: Path, text: str) -> None:
    """Replace the generated table in docs/benchmarks.md; the notes written around it by hand are kept."""
    old = doc.read_text() if doc.exists() else ""
    if START in old and END in old:
        before, rest = old.split(START, 1)
        after = rest.split(END, 1)[1]
    else:
        before, after = "# Benchmarks\n\n`make bench` on this machine:\n\n", "\n"
    doc.write_text(f"{before}{START}\n{text}{END}{after}")


def load_average() -> str:
    """The machine's load when the bench started, as `uptime` gives it (1, 5 and 15 minutes)."""
    try:
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return "load average unknown"
    return f"load average {one}, {five}, {fifteen} (1, 5, 15 min)"
