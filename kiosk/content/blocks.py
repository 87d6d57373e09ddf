"""Reading the block dialects trainers bring into one tree of text, code, boxes and quizzes.

Understood: Pandoc and MyST fenced divs (`::: challenge`, `::: {.callout-tip}`), MyST directives
(```` ```{note} ````, `:::{tip}`), MkDocs admonitions (`!!! note`, `??? tip`), GitHub alerts
(`> [!NOTE]`), kramdown boxes (a quote followed by `{: .challenge}`), Jekyll `{% highlight %}` and
code fences anywhere (indented in lists too). emit.py writes the tree back as the Markdown that
Python-Markdown and pymdown-extensions render; what is not understood is reported, never lost silently.
"""
from __future__ import annotations

import re

from . import boxes
from .directives import directive_node
from .inline import clean_line
from .nodes import Box, Code, QuizBlock, Src
from .problems import WARNING, Problem
from .quizblocks import parse_gift_block

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
DIRECTIVE = re.compile(r"^\{(?P<name>[\w:+.-]+)\}[ \t]*(?P<args>.*)$")
COLON_OPEN = re.compile(r"^[ \t]{0,3}(?P<colons>:{3,})[ \t]*(?P<spec>\{[^}]*\}|[\w-]+)[ \t]*(?P<rest>.*?)[ \t:]*$")
COLON_CLOSE = re.compile(r"^[ \t]{0,3}:{3,}[ \t]*$")
MKDOCS = re.compile(r'^(?P<indent>[ \t]*)(?P<mark>!!!|\?\?\?\+?)[ \t]+(?P<type>[\w-]+)'
                    r'(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$')
ALERT = re.compile(r"^[ \t]{0,3}>[ \t]*\[!(?P<type>[A-Za-z-]+)\](?P<fold>[-+]?)[ \t]*(?P<title>.*)$")
QUOTE = re.compile(r"^[ \t]{0,3}>")
IAL_LINE = re.compile(r"^[ \t]*\{:(?P<attrs>[^}\n]*)\}[ \t]*$")
HIGHLIGHT = re.compile(r"^[ \t]*\{[{%][<%]?[ \t]*highlight[ \t]+(?P<lang>[\w+-]+)?[^}]*[%>]?[}%]\}[ \t]*$")
END_HIGHLIGHT = re.compile(r"^[ \t]*\{[{%][<%]?[ \t]*/?[ \t]*(?:endhighlight|/highlight)[ \t]*[%>]?[}%]\}[ \t]*$")
TARGET = re.compile(r"^\((?P<label>[\w:.-]+)\)=[ \t]*$")
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.*?)[ \t]*#*[ \t]*$")
PANDOC_ATTR = re.compile(r'([.#]?)([\w:-]+)(?:=("[^"]*"|\'[^\']*\'|\S+))?')
QUIZ_NAMES = {"quiz"}
GIFT_NAMES = {"gift", "moodle", "moodle-gift"}
MAYBE_GIFT = {"", "text", "txt", "plain", "plaintext"}
LOOKS_GIFT = re.compile(r"\{[^{}]*(?:[=~][^{}]*|\b(?:T|F|TRUE|FALSE)\b[^{}]*)\}", re.S)


class Scanner:
    """Builds the tree of one lesson; problems and quiz blocks are collected on the way."""

    def __init__(self, rel: str):
        self.rel = rel
        self.problems: list[Problem] = []
        self.quizzes: list[QuizBlock] = []

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.rel, line, WARNING, message))

    def scan(self, lines: list[Src]) -> list:
        nodes: list = []
        i = 0
        while i < len(lines):
            i = self._one(lines, i, nodes)
        return nodes

    def _one(self, lines: list[Src], i: int, nodes: list) -> int:
        text = lines[i].text
        for reader in (self._fence, self._colon, self._mkdocs, self._alert, self._quote_box,
                       self._highlight):
            end = reader(lines, i, nodes)
            if end is not None:
                return end
        if IAL_LINE.match(text):
            self._ial(IAL_LINE.match(text).group("attrs"), nodes)
            return i + 1
        if COLON_CLOSE.match(text):
            self.warn(lines[i].line, "this ':::' closes no block; it was removed. Check that each "
                      "'::: name' line has its own closing ':::'.")
            return i + 1
        target = TARGET.match(text)
        if target:
            self._target(lines, i, target.group("label"))
            return i + 1
        nodes.append(self._text(lines[i]))
        return i + 1

    def _text(self, src: Src) -> Src:
        cleaned, removed = clean_line(src.text)
        for tag in removed:
            self.warn(src.line, f"'{_short(tag)}' is a template tag or role from another site generator; "
                      "the kiosk cannot run it, so it was removed.")
        return Src(cleaned, src.line)

    # Code fences, MyST directives written with backticks, and quiz blocks.
    def _fence(self, lines, i, nodes):
        match = FENCE.match(lines[i].text)
        if not match:
            return None
        indent, fence, info = match.group("indent"), match.group("fence"), match.group("info")
        end = _fence_end(lines, i, fence)
        body = lines[i + 1:end]
        directive = DIRECTIVE.match(info)
        if end == len(lines):
            self.warn(lines[i].line, f"this '{fence}' block is never closed; everything after it is "
                      f"shown as code. Add a line '{fence}' where the code ends.")
        if directive:
            node = directive_node(self, directive.group("name"), directive.group("args"),
                                  [Src(_dedent(s.text, indent), s.line) for s in body], lines[i].line)
            if node is not None:
                nodes.append(node)
            return end + 1
        name = info.split("{")[0].strip().lower()
        text = "\n".join(_dedent(s.text, indent) for s in body)
        guessed = name in MAYBE_GIFT and bool(LOOKS_GIFT.search(text)) and parse_gift_block(text, self.rel)
        if name in QUIZ_NAMES or name in GIFT_NAMES or guessed:
            self.quizzes.append(QuizBlock("quiz" if name in QUIZ_NAMES else "gift",
                                          [Src(_dedent(s.text, indent), s.line) for s in body],
                                          lines[i].line, guessed=bool(guessed)))
            return end + 1
        nodes.append(Code(indent, fence, info, body, lines[i].line))
        return end + 1

    # Pandoc fenced divs and MyST colon directives.
    def _colon(self, lines, i, nodes):
        match = COLON_OPEN.match(lines[i].text)
        if not match:
            return None
        end = _colon_end(lines, i)
        body = lines[i + 1:end]
        if end == len(lines):
            self.warn(lines[i].line, "this ':::' block is never closed; it was closed at the end of "
                      "the file. Add a line ':::' where it ends.")
        spec = match.group("spec")
        directive = DIRECTIVE.match(spec + (" " + match.group("rest") if match.group("rest") else ""))
        if directive and not spec.startswith(("{.", "{#")) and "=" not in spec:
            node = directive_node(self, directive.group("name"), directive.group("args"), body, lines[i].line)
        else:
            node = self._div(spec, match.group("rest"), body, lines[i].line)
        if node is not None:
            nodes.append(node)
        return end + 1

    def _div(self, spec: str, rest: str, body: list[Src], line: int):
        classes, attrs = _pandoc_attrs(spec)
        name = next((c for c in classes if boxes.kind_of(c)), classes[0] if classes else "")
        kind = boxes.kind_of(name) if name else None
        if kind is None and name.lower() not in boxes.LAYOUT:
            self.warn(line, f"the block '::: {name or spec}' is not a kind the kiosk knows; its text is "
                      "shown as ordinary text. Known kinds: note, tip, warning, exercise, solution, "
                      "instructor (and their usual names: callout, challenge, hint…).")
        title = attrs.get("title", rest.strip() if not spec.startswith("{") else "")
        fold = attrs.get("collapse", "").lower() in ("true", "yes")
        return self.box(kind, title, fold or boxes.folded(name, kind or ""), False, body, line)

    def box(self, kind, title, folded, open_, body: list[Src], line: int, indent: str = ""):
        """A box of `kind` around `body` (scanned in turn); None for an instructor note."""
        if kind == boxes.INSTRUCTOR:
            return None
        return Box(kind, title.strip(), folded, open_, self.scan(body), line, indent)

    # MkDocs: `!!! note "Title"` and `??? tip`, with the text indented under them.
    def _mkdocs(self, lines, i, nodes):
        match = MKDOCS.match(lines[i].text)
        if not match:
            return None
        indent = match.group("indent")
        width = len(indent.expandtabs(4)) + 4
        end = i + 1
        while end < len(lines) and (not lines[end].text.strip()
                                    or len(_lead(lines[end].text)) >= width):
            end += 1
        while end > i + 1 and not lines[end - 1].text.strip():
            end -= 1
        body = [Src(lines[k].text.expandtabs(4)[width:], lines[k].line) for k in range(i + 1, end)]
        name, mark = match.group("type"), match.group("mark")
        kind = boxes.kind_of(name) or boxes.NOTE
        title = match.group("title") if match.group("title") is not None else ""
        folded = mark.startswith("???") or boxes.folded(name, kind)
        node = self.box(kind, title, folded, mark == "???+", body, lines[i].line, indent)
        if node is not None:
            nodes.append(node)
        return end

    # GitHub and Obsidian alerts: `> [!NOTE]` heading a quote.
    def _alert(self, lines, i, nodes):
        match = ALERT.match(lines[i].text)
        if not match:
            return None
        end = i + 1
        while end < len(lines) and QUOTE.match(lines[end].text):
            end += 1
        body = [Src(_unquote(s.text), s.line) for s in lines[i + 1:end]]
        name = match.group("type")
        kind = boxes.kind_of(name) or boxes.NOTE
        fold = match.group("fold")
        node = self.box(kind, match.group("title"), bool(fold) or boxes.folded(name, kind), fold == "+",
                        body, lines[i].line)
        if node is not None:
            nodes.append(node)
        return end

    # kramdown (Jekyll): a quote followed by `{: .challenge}` is a box.
    def _quote_box(self, lines, i, nodes):
        if not QUOTE.match(lines[i].text) or (i and QUOTE.match(lines[i - 1].text)):
            return None
        end = i
        while end < len(lines) and QUOTE.match(lines[end].text):
            end += 1
        ial = IAL_LINE.match(lines[end].text) if end < len(lines) else None
        classes = _pandoc_attrs("{" + ial.group("attrs") + "}")[0] if ial else []
        name = next((c for c in classes if boxes.kind_of(c)), None)
        if name is None:
            return None
        kind = boxes.kind_of(name)
        body = [Src(_unquote(s.text), s.line) for s in lines[i:end]]
        node = self.box(kind, "", boxes.folded(name, kind), False, body, lines[i].line)
        if node is not None:
            nodes.append(node)
        return end + 1

    # Jekyll `{% highlight python %}` and Hugo `{{< highlight go >}}` blocks are code.
    def _highlight(self, lines, i, nodes):
        match = HIGHLIGHT.match(lines[i].text)
        if not match:
            return None
        end = i + 1
        while end < len(lines) and not END_HIGHLIGHT.match(lines[end].text):
            end += 1
        nodes.append(Code("", "```", match.group("lang") or "", lines[i + 1:end], lines[i].line))
        return end + 1

    def _ial(self, attrs: str, nodes: list) -> None:
        """`{: .language-bash}` or `{: .output}` after a code block names its language; others are dropped."""
        previous = next((n for n in reversed(nodes) if not (isinstance(n, Src) and not n.text.strip())), None)
        if not isinstance(previous, Code) or previous.info:
            return
        classes = _pandoc_attrs("{" + attrs + "}")[0]
        for name in classes:
            if name.startswith("language-"):
                previous.info = name[len("language-"):]
            elif name in ("output", "error", "warning"):
                previous.info = "error" if name == "warning" else name

    def _target(self, lines: list[Src], i: int, label: str) -> None:
        """MyST `(label)=` before a heading: the heading gets that id."""
        for k in range(i + 1, len(lines)):
            if lines[k].text.strip():
                if HEADING.match(lines[k].text) and "{" not in lines[k].text:
                    lines[k] = Src(f"{lines[k].text.rstrip()} {{#{label}}}", lines[k].line)
                return


def _fence_end(lines: list[Src], i: int, fence: str) -> int:
    """Index of the line closing the fence opened at i (CommonMark: same character, at least as long)."""
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for k in range(i + 1, len(lines)):
        if closing.match(lines[k].text):
            return k
    return len(lines)


def _colon_end(lines: list[Src], i: int) -> int:
    """Index of the ':::' closing the div opened at i: the innermost rule, code fences skipped."""
    depth, k = 1, i + 1
    while k < len(lines):
        text = lines[k].text
        fence = FENCE.match(text)
        if fence:
            k = _fence_end(lines, k, fence.group("fence")) + 1
            continue
        if COLON_OPEN.match(text):
            depth += 1
        elif COLON_CLOSE.match(text):
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return len(lines)


def _pandoc_attrs(spec: str) -> tuple[list[str], dict]:
    """Classes and key=value pairs of `{.callout .tip #id title="x"}`, or of a bare word `challenge`."""
    if not spec.startswith("{"):
        return [spec], {}
    classes, attrs = [], {}
    for prefix, name, value in PANDOC_ATTR.findall(spec.strip("{}")):
        if value:
            attrs[name.lower()] = value.strip("\"'")
        elif prefix == "." or (not prefix and not value):
            classes.append(name)
    return classes, attrs


def _lead(text: str) -> str:
    return text.expandtabs(4)[:len(text.expandtabs(4)) - len(text.expandtabs(4).lstrip())]


def _dedent(text: str, indent: str) -> str:
    """The line without the fence's own indentation (at most that much white space)."""
    width = len(indent)
    return text[min(width, len(text) - len(text.lstrip(" \t"))):] if width else text


def _unquote(text: str) -> str:
    return re.sub(r"^[ \t]{0,3}>[ ]?", "", text, count=1)


def _short(tag: str) -> str:
    return tag if len(tag) <= 60 else tag[:57] + "…"
