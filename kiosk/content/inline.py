"""Cleaning one line of lesson text of what other site generators leave in it, never inside code.

Kramdown attributes (`{: .x}`) are dropped; Liquid and Hugo tags (`{% … %}`, `{{ … }}`, `{{< … >}}`)
are dropped and reported; MyST roles (`` {ref}`text <target>` ``) keep their text. Inline code spans
are left exactly as written.
"""
from __future__ import annotations

import re

CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
IAL = re.compile(r"\{:[^}\n]*\}")
# One tag at a time: Hugo shortcodes first, then Liquid tags and output.
TEMPLATE = re.compile(r"\{\{[<%].*?[%>]\}\}|\{%.*?%\}|\{\{.*?\}\}")
ROLE = re.compile(r"\{([\w:+.-]+)\}`([^`\n]+)`")
ROLE_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>\s*$", re.S)
KNOWN_ROLES = {"ref", "doc", "numref", "term", "abbr", "kbd", "guilabel", "menuselection", "command",
               "file", "program", "samp", "code", "math", "eq", "download", "sub", "sup", "index",
               "keyword", "option", "envvar", "py:func", "py:class", "func", "class", "mod", "meth",
               "attr", "cite", "cite:p", "cite:t", "prf:ref", "dfn", "emphasis", "strong", "literal"}
AS_CODE = {"kbd", "code", "command", "file", "program", "samp", "literal", "envvar", "option",
           "func", "class", "mod", "meth", "attr", "py:func", "py:class"}


def clean_line(line: str) -> tuple[str, list[str]]:
    """The line without template tags and attribute lists; each removed tag or unknown role is named."""
    removed: list[str] = []
    line = ROLE.sub(lambda m: _role(m, removed), line)
    parts, last = [], 0
    for span in CODE_SPAN.finditer(line):
        parts.append(_clean_text(line[last:span.start()], removed))
        parts.append(span.group(0))
        last = span.end()
    parts.append(_clean_text(line[last:], removed))
    return "".join(parts), removed


def _clean_text(text: str, removed: list[str]) -> str:
    text = IAL.sub("", text)
    if "{" not in text:
        return text

    def drop(match):
        removed.append(match.group(0))
        return ""

    return TEMPLATE.sub(drop, text)


def _role(match, removed: list[str]) -> str:
    name, text = match.group(1), match.group(2)
    target = ROLE_TARGET.match(text)
    shown = target.group(1) if target and target.group(1) else text.strip("<>")
    if name not in KNOWN_ROLES:
        removed.append("{" + name + "}")
    if name in ("ref", "numref"):           # a link to a labelled heading: `(label)=` gave it that id
        label = re.search(r"<([^<>]*)>\s*$", text).group(1) if target else text.strip()
        return f"[{shown}](#{label})"
    return f"`{shown}`" if name in AS_CODE else shown


def strip_templates(text: str) -> str:
    """A heading or title without template tags or attribute lists (code spans kept)."""
    return clean_line(text)[0]
