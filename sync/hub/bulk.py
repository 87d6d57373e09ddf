"""Multi-row INSERT … ON CONFLICT written once, as plain SQL that SQLite and PostgreSQL both accept.

Ingest is the hub's hot path: building these statements through peewee's query objects cost more
than running them (measured: ~70 % of ingest time), so the few bulk statements are plain text here.
"""
from __future__ import annotations

from .db import database

ROWS_PER_STATEMENT = 1000          # × at most 11 columns: well under SQLite's 32,766 bound values


def table(model) -> str:
    return model._meta.table_name


def insert(model, columns: list[str], rows: list[tuple], tail: str = "") -> list[tuple]:
    """INSERT the rows (tuples in `columns` order) followed by `tail` (ON CONFLICT …, RETURNING …)."""
    found: list[tuple] = []
    mark = database.param
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    head = f'INSERT INTO "{table(model)}" ({", ".join(columns)}) VALUES '
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start:start + ROWS_PER_STATEMENT]
        cursor = database.execute_sql(head + ", ".join([one] * len(chunk)) + " " + tail,
                                      [value for row in chunk for value in row])
        if "RETURNING" in tail:
            found.extend(cursor.fetchall())
    return found


def greatest(current: str, new: str) -> str:
    """SQL for the larger of two expressions (no GREATEST in SQLite, no two-argument MAX in PostgreSQL)."""
    return f"CASE WHEN {new} > {current} THEN {new} ELSE {current} END"


def if_later(new_clock: str, current_clock: str, new: str, current: str) -> str:
    """SQL choosing the new value when its clock is later: last writer wins."""
    return f"CASE WHEN {new_clock} > {current_clock} THEN {new} ELSE {current} END"
