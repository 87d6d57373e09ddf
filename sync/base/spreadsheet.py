"""Cells of a CSV file that open safely in a spreadsheet, one rule for the kiosk's and the hub's exports."""
from __future__ import annotations

import csv
import io

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP's list for CSV injection):
# "=HYPERLINK(…)" in a learner's name would become a link that sends data away when clicked.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """The text of a cell, with a leading ' when a spreadsheet would run it as a formula.

    Numbers stay numbers (a number is never a formula); None is an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: list[str], rows: list[list], separator: str = ";") -> bytes:
    """UTF-8 with a BOM and `;` (or `,`), as a French spreadsheet opens it; every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_safe(cell) for cell in header])
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
