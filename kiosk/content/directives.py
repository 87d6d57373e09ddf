"""MyST and Jupyter Book directives (```` ```{note} ````, `:::{figure} path`): what each becomes."""
from __future__ import annotations

import re

from . import boxes
from .nodes import Box, Code, Src

OPTION = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
TITLED = {"admonition", "dropdown", "exercise", "margin", "sidebar", "topic", "card", "tab-item",
          "grid-item-card", "prf:exercise", "prf:example", "prf:definition", "prf:theorem"}
CODE = {"code-block", "code", "sourcecode", "code-cell", "highlight"}
FIGURES = {"figure", "image", "figure-md"}
PICTURE = re.compile(r"^\s*!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)[^)]*\)\s*$")
HTML_PICTURE = re.compile(r"^\s*<img\b(?=[^>]*\bsrc=[\"'](?P<src>[^\"']+))(?:[^>]*\balt=[\"'](?P<alt>[^\"']*))?[^>]*>\s*$",
                          re.IGNORECASE)
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
    if name == "figure-md":
        args, options, body = _figure_md(body, options)
    if name in FIGURES and args.strip():
        return Box(None, "", False, False, [Src(text, line) for text in _figure(args, options, body)], line)
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


def _figure(path: str, options: dict, body: list) -> list[str]:
    """A picture alone in its paragraph, then its caption (the directive's text, Markdown kept) as an
    all-italic paragraph, which the renderer makes the figure's caption (figures.py)."""
    caption = " ".join(s.text.strip() for s in body if s.text.strip())
    alt = options.get("alt", "").replace("]", ")") or _plain(caption)
    return [f"![{alt}]({path.strip()})"] + (["", f"_{caption}_"] if caption else [])


def _figure_md(body: list, options: dict) -> tuple[str, dict, list]:
    """MyST's `{figure-md}`: its first line is the picture (Markdown or an <img> tag), the rest its caption."""
    lines = [s for s in body if s.text.strip()]
    match = lines and (PICTURE.match(lines[0].text) or HTML_PICTURE.match(lines[0].text))
    if not match:
        return "", options, body
    return match.group("src"), {**options, "alt": match.group("alt") or ""}, lines[1:]


def _plain(markdown: str) -> str:
    """Words of a caption for a picture's description: no emphasis marks or link targets."""
    return re.sub(r"[*_`]|\]\([^)]*\)|\[", "", markdown).replace("]", "")


def _fence_for(body: list) -> str:
    """A backtick fence longer than any run of backticks inside the code."""
    longest = max((len(run) for s in body for run in re.findall(r"`+", s.text)), default=0)
    return "`" * max(3, longest + 1)
