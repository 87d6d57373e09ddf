"""Writing a lesson's tree back as the one Markdown dialect the renderer reads.

Boxes become pymdown-extensions blocks (`/// admonition | Title` or `/// details | Title`), code keeps
its fence with a blank line around it, and every line keeps the number it had in the trainer's file.
Lines at the top level, outside boxes and code, are marked: only there may a `## ` heading start a step.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .labels import label
from .nodes import Box, Code, Src

HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.*?)[ \t]*(?:\{[^}]*\})?[ \t]*#*[ \t]*$")
# An HTML block a docs site lays its page out with (`<div class="row">`): its Markdown, boxes included,
# is Markdown still, as on those sites, not text shown as written.
HTML_BLOCK = re.compile(r"^(?P<open>[ \t]{0,3}<(?:div|section|article|aside|details)\b(?![^>]*\bmarkdown=)[^>]*?)"
                        r"(?P<close>/?>)[ \t]*$", re.IGNORECASE)


@dataclass
class Line:
    text: str
    line: int
    top: bool


def emit(nodes: list, language: Callable[[], str | None], top: bool = True) -> list[Line]:
    out: list[Line] = []
    for node in nodes:
        if isinstance(node, Src):
            out.append(Line(_markdown_inside(node.text), node.line, top))
        elif isinstance(node, Code):
            _code(node, out)
        elif isinstance(node, Box) and node.kind is None:
            out.extend(emit(node.children, language, top))
        elif isinstance(node, Box):
            _box(node, language, out)
    return out


def _markdown_inside(text: str) -> str:
    match = HTML_BLOCK.match(text)
    if not match or match.group("close") == "/>":
        return text
    return f'{match.group("open")} markdown="1">'


def _code(code: Code, out: list[Line]) -> None:
    _blank(out, code.line)
    out.append(Line(f"{code.indent}{code.fence}{code.info}", code.line, False))
    out.extend(Line(s.text, s.line, False) for s in code.body)
    out.append(Line(f"{code.indent}{code.fence}", code.body[-1].line if code.body else code.line, False))
    out.append(Line("", out[-1].line, False))


def _box(box: Box, language, out: list[Line]) -> None:
    children, title = _title_from_heading(box.children, box.title)
    title = re.sub(r"\s+", " ", title or label(box.kind, language())).strip()
    slashes = "/" * (2 + _height(box))
    block = "details" if box.folded else "admonition"
    pad = box.indent
    _blank(out, box.line)
    out.append(Line(f"{pad}{slashes} {block} | {title}", box.line, False))
    out.append(Line(f"{pad}    type: {box.kind}", box.line, False))
    if box.folded and box.open:
        out.append(Line(f"{pad}    open: true", box.line, False))
    out.append(Line("", box.line, False))
    for line in emit(children, language, top=False):
        out.append(Line(f"{pad}{line.text}" if line.text else "", line.line, False))
    last = out[-1].line
    _blank(out, last)
    out.append(Line(f"{pad}{slashes}", last, False))
    out.append(Line("", last, False))


def _title_from_heading(children: list, title: str) -> tuple[list, str]:
    """A box without a title takes its first line's heading (`## Challenge 1`) as its title."""
    if title:
        return children, title
    for index, child in enumerate(children):
        if isinstance(child, Src) and not child.text.strip():
            continue
        if isinstance(child, Src) and HEADING.match(child.text):
            return children[:index] + children[index + 1:], HEADING.match(child.text).group("text")
        break
    return children, ""


def _height(box: Box) -> int:
    inner = [_height(c) for c in box.children if isinstance(c, Box)]
    return (0 if box.kind is None else 1) + max(inner, default=0)


def _blank(out: list[Line], line: int) -> None:
    if out and out[-1].text.strip():
        out.append(Line("", line, False))
