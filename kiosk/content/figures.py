"""Pictures with captions and tables too wide for a phone, laid out once, at index time.

A picture alone in its paragraph becomes a `<figure>`: its caption is its title (`![alt](src "title")`),
or else the paragraph right after it when that paragraph reads as a caption ("Figure 2: …", "Source: …",
"الشكل ٢", or entirely in italics), as trainers write them. A table goes inside a labelled region that
takes keyboard focus, so a wide one scrolls on its own and never widens the page (WCAG 1.4.10, 2.1.1).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from .labels import label

CAPTION_START = re.compile(r"^\s*(?:Figure|Fig\.|Illustration|Source|الشكل|شكل|المصدر)(?![^\W\d_])")
EMPHASIS = {"em", "i"}


def make_figure(picture, paragraph, container) -> None:
    """Turn `paragraph` (holding only `picture`) into a figure when a caption is found for it."""
    title = picture.get("title", "").strip()
    after = _next_sibling(paragraph, container)
    if title:
        del picture.attrib["title"]
        caption = etree.Element("figcaption")
        caption.text = title
    elif after is not None and is_caption(after):
        caption = _caption_from(after)
        container.remove(after)
    else:
        return
    paragraph.tag, paragraph.text, paragraph.attrib = "figure", "", {"class": "picture"}
    paragraph.append(caption)


def is_caption(paragraph) -> bool:
    """Whether a paragraph reads as the caption of the picture before it."""
    if paragraph.tag != "p":
        return False
    return bool(CAPTION_START.match("".join(paragraph.itertext()))) or is_emphasised(paragraph)


def _caption_from(paragraph):
    """A figcaption holding the paragraph's text and inline elements (an all-italic one unwrapped)."""
    source = paragraph[0] if is_emphasised(paragraph) else paragraph
    caption = etree.Element("figcaption")
    caption.text = source.text
    for child in list(source):
        caption.append(child)
    return caption


def is_emphasised(paragraph) -> bool:
    """Whether the whole paragraph is one `*…*`."""
    return (len(paragraph) == 1 and paragraph[0].tag in EMPHASIS and not (paragraph.text or "").strip()
            and not (paragraph[0].tail or "").strip())


def _next_sibling(el, container):
    if container is None:
        return None
    children = list(container)
    index = children.index(el) + 1
    if index >= len(children) or (el.tail or "").strip():
        return None
    return children[index]


def wrap_table(table, parent, state: dict) -> None:
    """Put a table inside a focusable region labelled in the lesson's language ("Table 2": a page's
    regions need names of their own); `state` is the step's count of tables and its language."""
    if parent is None or "table-scroll" in parent.get("class", "").split():
        return
    state["tables"] += 1
    name = f"{label('table', state['language']())} {state['tables']}"
    region = etree.Element("div", {"class": "table-scroll", "role": "region", "tabindex": "0", "aria-label": name})
    index = list(parent).index(table)
    parent.remove(table)
    region.append(table)
    region.tail, table.tail = table.tail, None
    parent.insert(index, region)
