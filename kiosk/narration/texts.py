"""What a learner reads, as plain text to be spoken: each step from its rendered HTML, each question.

Only what the page shows is read: no code listing, no picture, nothing hidden; an instructor note never
reaches the HTML at all.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"script", "style", "svg", "pre", "template", "audio", "video", "object", "button", "math"}
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "tr", "div",
          "summary", "figcaption", "blockquote", "br", "section", "aside", "details", "table"}
VOID = {"br", "img", "hr", "input", "source", "track", "wbr", "col", "area", "meta", "link", "embed"}


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []      # per open element: is it skipped?

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = ("hidden" in attrs or attrs.get("aria-hidden") == "true" or tag in SKIPPED
                  or "visually-hidden" in (attrs.get("class") or "").split())
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag not in VOID:
            self.stack.append(hidden)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.stack:
            self.stack.pop()
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not any(self.stack):
            self.parts.append(data)


def text_of_html(html: str) -> str:
    """The words of an HTML fragment, a line per block, each block ending as a sentence."""
    reader = _Reader()
    reader.feed(html or "")
    reader.close()
    lines = [re.sub(r"\s+", " ", line).strip() for line in "".join(reader.parts).split("\n")]
    return "\n".join(full_stop(line) for line in lines if line)


def full_stop(line: str) -> str:
    # A heading or a list item read without a pause runs into the next one.
    return line if line[-1] in ".!?:;…؟،" else line + "."


def step_texts(steps: list[dict]) -> list[str]:
    """Each step's title and text, as the learner reads them."""
    return [text_of_html(f"<h2>{_escape(s.get('title') or '')}</h2>{s.get('html') or ''}") for s in steps]


def question_text(question: dict) -> str:
    """A question and its options in one clip: the learner hears the choice before making it."""
    lines = [question.get("text") or ""] + [c.get("text") or "" for c in question.get("choices", [])]
    return "\n".join(full_stop(line.strip()) for line in lines if line.strip())


def feedback_texts(question: dict) -> list[str]:
    """Every feedback the result page can show after this question."""
    found = [c.get("feedback") or "" for c in question.get("choices", [])]
    found += [question.get("feedback") or "", question.get("wrong_feedback") or ""]
    return [feedback_text(f) for f in found if f.strip()]


def feedback_text(feedback: str) -> str:
    """One feedback as it is spoken: the result page asks for its clip by this text."""
    return full_stop(feedback.strip())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
