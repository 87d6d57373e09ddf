"""Lists read a page at a time by key: the link names the last row shown, so page 400 costs what page 1 does.

A list has a fixed order of columns ending in a unique one (`order`); a cursor is that order's values for
one row, with ">" (the page after it) or "<" (the page before it), written as URL-safe base64 JSON.
A cursor that is not one (edited by hand, a NUL that PostgreSQL would refuse) gives the first page.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import peewee as pw


@dataclass
class Page:
    rows: list[dict]
    next: str | None          # the cursor of the page after, or None on the last
    previous: str | None      # the cursor of the page before, or None on the first


def page(query, order: tuple, cursor: str, size: int) -> Page:
    """The page of `query` (rows as dicts) that `cursor` names, in `order` (columns, the last one unique)."""
    key, backwards = read_cursor(cursor, order)
    if key:
        query = query.where(pw.Tuple(*order) < pw.Tuple(*key) if backwards else pw.Tuple(*order) > pw.Tuple(*key))
    rows = list(query.order_by(*([c.desc() for c in order] if backwards else order)).limit(size + 1).dicts())
    more = len(rows) > size
    rows = rows[:size][::-1] if backwards else rows[:size]
    if not rows:
        return Page([], None, None)
    first, last = make_cursor("<", order, rows[0]), make_cursor(">", order, rows[-1])
    if backwards:                     # came from a later page: there is one after; one before if more
        return Page(rows, last, first if more else None)
    return Page(rows, last if more else None, first if key else None)


def after(query, order: tuple, key) -> pw.Query:
    """`query` narrowed to the rows after `key` (the order's values of a row), for reading a whole list in chunks."""
    return query.where(pw.Tuple(*order) > pw.Tuple(*key)) if key else query


def key_of(order: tuple, row: dict) -> list:
    return [row[column.name] for column in order]


def make_cursor(direction: str, order: tuple, row: dict) -> str:
    text = json.dumps(key_of(order, row), ensure_ascii=False)
    return direction + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str, order: tuple) -> tuple[list | None, bool]:
    """(the key a cursor names, whether it pages backwards); (None, False) for "" or nonsense, a value of the
    wrong type for its column included (PostgreSQL refuses to compare text with a number)."""
    if len(cursor) < 2 or cursor[0] not in "<>":
        return None, False
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor[1:] + "=" * (-len(cursor[1:]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None, False
    if not (isinstance(key, list) and len(key) == len(order) and all(map(_fits, order, key))):
        return None, False
    return key, cursor[0] == "<"


def _fits(column, value) -> bool:
    """A finite number for a number column (never a boolean), else a text without NUL."""
    if isinstance(column, (pw.IntegerField, pw.FloatField)):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300
    return isinstance(value, str) and "\x00" not in value
