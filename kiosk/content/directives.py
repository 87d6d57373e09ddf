"""MyST and Jupyter Book directives (```` ```{note} ````, `:::{figure} path`): what each becomes."""
from __future__ import annotations

import re

from . import boxes
from .nodes import Box, Code, Src

OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
TITLED = {"admonition", "dropdown", "exercise", "margin", "sidebar", "topic", "card", "tab-item",
          "grid-item-card", "prf:exercise", "prf:example", "prf:definition", "prf:theorem"}
CODE = {"code-block", "code", "sourcecode", "code-cell", "highlight"}
FIGURES = {"figure", "image"}
AS_CODE = {"math", "parsed-literal", "mermaid", "graphviz", "csv-table", "list-table"}
DROPPED = {"toctree", "tableofcontents", "contents", "bibliography", "include", "literalinclude", "raw",
           "eval-rst", "glue", "glue:figure", "only", "index", "embed", "iframe", "video", "youtube",
           "jupyter-execute", "panels", "automodule", "autofunction", "autoclass"}


def directive_node(scanner, name: str, args: str, body: list, line: int):
    """The node for directive `name` (a Box, Code, text lines or None); unknown ones are reported."""
    name = name.lower()
    options, body = _options(body)
    if name in CODE:
        language = args.split()[0] if args.split() else ""
        return Code("", _fence_for(body), language, body, line)
    if name in FIGURES:
        return Box(None, "", False, False, [Src(_figure(args, options, body), line)], line)
    if name in AS_CODE:
        scanner.warn(line, f"the '{{{name}}}' block cannot be drawn on the kiosk; it is shown as written.")
        return Code("", _fence_for(body), "text", body, line)
    if name in DROPPED:
        scanner.warn(line, f"the '{{{name}}}' directive has no meaning on the kiosk; it was left out.")
        return None
    classes = options.get("class", "").split()
    by_name = boxes.kind_of(name) if name not in ("admonition", *boxes.FOLDED_NAMES) else None
    kind = by_name or next((boxes.kind_of(c) for c in classes
                            if c not in boxes.FOLDED_NAMES and boxes.kind_of(c)), None)
    if kind is None and name not in boxes.LAYOUT and name not in TITLED:
        scanner.warn(line, f"the directive '{{{name}}}' is not one the kiosk knows; its text is shown as "
                     "ordinary text.")
    title = args if name in TITLED else ""
    if args and name not in TITLED and name != "solution":
        body = [Src(args, line)] + body          # `{note} Text` starts the note's text
    folded = "dropdown" in classes or boxes.folded(name, kind or "")
    if name in boxes.LAYOUT and title:
        body = [Src(f"**{title}**", line), Src("", line)] + body
        title = ""
    if kind is None and name in TITLED and name not in boxes.LAYOUT:
        kind = boxes.NOTE
    return scanner.box(kind, title, folded, "open" in options, body, line)


def _options(body: list) -> tuple[dict, list]:
    """`:key: value` lines (or a `---` YAML block) at the top of a directive, and the rest."""
    options, k = {}, 0
    if body and body[0].text.strip() == "---":
        end = next((j for j in range(1, len(body)) if body[j].text.strip() == "---"), None)
        if end is not None:
            for src in body[1:end]:
                key, _, value = src.text.partition(":")
                options[key.strip().lower()] = value.strip()
            return options, body[end + 1:]
    while k < len(body) and OPTION.match(body[k].text):
        match = OPTION.match(body[k].text)
        options[match.group("key").lower()] = match.group("value").strip()
        k += 1
    return options, body[k:]


def _figure(path: str, options: dict, body: list) -> str:
    """A picture line with the caption (the directive's text) as its title."""
    caption = " ".join(s.text.strip() for s in body if s.text.strip()).replace('"', "'")
    alt = options.get("alt", "").replace("]", ")") or caption
    title = f' "{caption}"' if caption else ""
    return f"![{alt}]({path.strip()}{title})"


def _fence_for(body: list) -> str:
    """A backtick fence longer than any run of backticks inside the code."""
    longest = max((len(run) for s in body for run in re.findall(r"`+", s.text)), default=0)
    return "`" * max(3, longest + 1)
