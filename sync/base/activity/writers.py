"""The activity export as CSV or XLSX, every cell made safe the one way both exports use (no formula runs)."""
from __future__ import annotations

import io
from datetime import date

from ..spreadsheet import csv_safe, to_csv

DAY = "%d/%m/%Y"            # the Coop's date format
SHEET = "Activités"         # the Coop's sheet name
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

def _xlsx_cell(cell, illegal):
    """A number or date as it is; text made safe, without the control characters XLSX cannot hold (`illegal`)."""
    if isinstance(cell, (date, int, float)) and not isinstance(cell, bool):
        return cell
    return illegal.sub("", csv_safe(cell))

def _text(cell):
    return cell.strftime(DAY) if isinstance(cell, date) else cell

def csv_bytes(header: list[str], rows: list[list], separator: str = ";") -> bytes:
    """UTF-8 with a BOM, the separator a French spreadsheet expects (see sync.base.spreadsheet.to_csv)."""
    return to_csv(header, [[_text(cell) for cell in row] for row in rows], separator)

def xlsx_bytes(header: list[str], rows: list[list]) -> bytes:
    """One sheet, headings first; dates are real dates shown dd/mm/yyyy, numbers numbers, text made safe."""
    # Only here: openpyxl (and the Pillow it loads) weighs about 10 MB that a server seldom exporting need not hold.
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # the same

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([_xlsx_cell(cell, ILLEGAL_CHARACTERS_RE) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell, ILLEGAL_CHARACTERS_RE) for cell in row])
    for cell in sheet["A"][1:]:
        cell.number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(kind: str, header: list[str], rows: list[list], separator: str = ";") -> tuple[bytes, str]:
    """(the file's bytes, its media type) for `xlsx` or `csv`."""
    if kind == "xlsx":
        return xlsx_bytes(header, rows), XLSX
    return csv_bytes(header, rows, separator), "text/csv"


def attachment(kind: str, start: date, end: date) -> str:
    """The Content-Disposition of the export of this period."""
    return f"attachment; filename=relais-activites-{start.isoformat()}-{end.isoformat()}.{kind}"
