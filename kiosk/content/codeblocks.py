"""Code blocks as learners get them: coloured once here with Pygments, labelled, scrollable by keyboard.

Each block is `<figure class="code">` with a visible label (the language, "Output"…) that also names
the `<pre>`, which takes keyboard focus so a long line can be scrolled without a mouse (WCAG 2.1.1).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .labels import label

PLAIN = {"", "text", "txt", "plain", "plaintext", "none", "nohighlight"}
OUTPUT = {"output": "output", "out": "output", "result": "output", "error": "error", "stderr": "error"}
MAX_COLOURED = 20000          # characters; a longer block is shown plain (colouring it costs page weight)
ALIASES = {"shell": "bash", "sh": "bash", "console": "console", "ipython3": "python", "ipython": "python",
           "py": "python", "r": "r", "js": "javascript", "yml": "yaml", "cmd": "batch", "ps": "powershell"}
_FORMATTER = HtmlFormatter(nowrap=True)
WHITESPACE = re.compile(r'<span class="w">(\s*)</span>')      # spaces need no colour: lighter pages


def format_code(source: str, language: str, class_name: str, options, md, **kwargs) -> str:
    """pymdownx.superfences formatter for every fence (registered under the name '*')."""
    state = md.relais_code
    state["count"] += 1
    ident = f"code-{state['count']}"
    language = (language or "").strip().lower()
    caption, body = _caption_and_body(source, language, state["language"])  # a callable: asked lazily
    kind = OUTPUT.get(language, "source")
    return (f'<figure class="code {kind}"><figcaption id="{ident}">{escape(caption)}</figcaption>'
            f'<pre tabindex="0" role="group" aria-labelledby="{ident}"><code>{body}</code></pre></figure>')


def label_indented_block(pre, parent, state: dict) -> None:
    """An indented code block (four spaces, no fence; not seen by format_code) made the same labelled,
    focusable block; `state` is the step's count of code blocks and its language."""
    state["count"] += 1
    ident = f"code-{state['count']}"
    figure = etree.Element("figure", {"class": "code source"})
    etree.SubElement(figure, "figcaption", {"id": ident}).text = label("code", state["language"]())
    index = list(parent).index(pre)
    parent.remove(pre)
    pre.attrib.update({"tabindex": "0", "role": "group", "aria-labelledby": ident})
    figure.append(pre)
    figure.tail, pre.tail = pre.tail, None
    parent.insert(index, figure)


def _caption_and_body(source: str, language: str, lesson_language) -> tuple[str, str]:
    if language in OUTPUT:
        return label(OUTPUT[language], lesson_language()), escape(source)
    if language in PLAIN:
        return label("code", lesson_language()), escape(source)
    try:
        lexer = get_lexer_by_name(ALIASES.get(language, language), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return language, escape(source)
    if len(source) > MAX_COLOURED:
        return lexer.name, escape(source)
    return lexer.name, WHITESPACE.sub(r"\1", highlight(source, lexer, _FORMATTER))
