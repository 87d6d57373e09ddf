"""The size an SVG picture asks for, in CSS pixels, from its width and height in any unit or its viewBox.

A drawing exported at `width="55mm"` is 208 px wide, not 55: reading the number without its unit drew
diagrams at a quarter of their size. The page then scales the picture down to fit (max-width: 100%).
"""
from __future__ import annotations

import re
from pathlib import Path

PX_PER = {"": 1.0, "px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
          "pt": 96 / 72, "pc": 16.0, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0}
ROOT = re.compile(r"<svg\b[^>]*>", re.S | re.I)
LENGTH = re.compile(r"^\s*([\d.]+(?:e[-+]?\d+)?)\s*([a-z]*)\s*$", re.I)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.I)
LARGEST = 4000            # px: beyond this a number is a mistake, not a size


def svg_size(path: Path) -> tuple[int, int] | None:
    """(width, height) in CSS px, or None when the file says nothing usable."""
    try:
        head = path.read_text("utf-8", errors="replace")[:8000]
    except OSError:
        return None
    root = ROOT.search(head)
    if not root:
        return None
    tag = root.group(0)
    width, height = _length(_attr(tag, "width")), _length(_attr(tag, "height"))
    box = _view_box(_attr(tag, "viewBox"))
    if width and height:
        size = (width, height)
    elif box and (width or height):             # one side given: the other from the viewBox's shape
        size = (width, width * box[1] / box[0]) if width else (height * box[0] / box[1], height)
    elif box:
        size = box
    else:
        return None
    w, h = (round(v) for v in size)
    return (w, h) if 0 < w <= LARGEST and 0 < h <= LARGEST else None


def _attr(tag: str, name: str) -> str:
    match = re.search(rf'\s{name}\s*=\s*(["\'])(.*?)\1', tag, re.S)
    return match.group(2) if match else ""


def _length(value: str) -> float | None:
    match = LENGTH.match(value)
    if not match or match.group(2).lower() not in PX_PER:
        return None                               # percentages and unknown units say nothing
    number = float(match.group(1)) * PX_PER[match.group(2).lower()]
    return number if number > 0 else None


def _view_box(value: str) -> tuple[float, float] | None:
    numbers = [float(n) for n in NUMBER.findall(value)]
    if len(numbers) != 4 or numbers[2] <= 0 or numbers[3] <= 0:
        return None
    return numbers[2], numbers[3]
