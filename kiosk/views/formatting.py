"""Numbers and dates in the page's language, as template filters: "0,5 h" and "1 décembre 2026" in French.

Registered once for every template. Pages never print a Python float or an ISO date: a French
facilitator reads a decimal comma, an Arabic one the digits and order of their language.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import format_date, format_decimal, format_percent, format_time

from .. import media


def init_app(app) -> None:
    app.add_template_filter(decimal, "format_decimal")
    app.add_template_filter(percent, "format_percent")
    app.add_template_filter(day, "format_date")
    app.add_template_filter(moment, "format_datetime")
    # Pictures drawn into the page rather than fetched: each request saved counts on a slow kiosk.
    app.add_template_global(picture_src)
    app.add_template_global(media.drawn_picture)


def picture_src(url: str | None) -> str | None:
    """A course cover's <img src>: the picture itself when it is small (see media.inline_picture), else its URL."""
    return media.picture_src(url, current_app.config["CONTENT_PATH"])


def decimal(value, digits: int = 1) -> str:
    """A number with at most `digits` decimals, in the page's language ("273,3"); "—" when there is none."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")


def percent(value) -> str:
    """A share given in percent points (0–100), written the page's way ("45 %" in French, "45%" in English)."""
    if value is None:
        return "—"
    return format_percent(value / 100)


def day(value, form: str = "long") -> str:
    """A date (a timestamp, a date or an ISO "2026-12-01") in words of the page's language."""
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value)
    elif isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, form)


def moment(value) -> str:
    """A timestamp as a date in words and a time, in the page's language ("1 décembre 2026, 14:05")."""
    when = dt.datetime.fromtimestamp(value)
    return f"{format_date(when, 'long')}, {format_time(when, 'short')}"
