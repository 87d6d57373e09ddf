"""Markdown to safe HTML, once, at index time: media and links resolved, raw HTML sanitised with nh3.

The dialect a lesson was written in is already translated (blocks.py, emit.py); here Python-Markdown's
own extensions and pymdown-extensions (superfences, blocks) do the rendering.
"""
from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from .codeblocks import format_code, label_indented_block
from .figures import make_figure, wrap_table
from .inline import strip_templates
from .problems import WARNING, Problem
from .svgsize import svg_size

EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
RESERVED_IDS = {"content", "step-text", "main", "top"}      # ids the page itself uses

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"audio", "video", "source", "track", "figure", "figcaption", "span"}
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "dir", "id", "class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "loading", "decoding", "title"},
    "audio": {"controls", "preload", "src"},
    "video": {"controls", "preload", "src", "width", "height", "poster"},
    "source": {"src", "type"},
    "track": {"kind", "src", "srclang", "label", "default"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "details": {"open"},
    "div": {"role", "tabindex", "aria-label"},
    "pre": {"tabindex", "role", "aria-labelledby"},
}


@dataclass
class Media:
    """What a relative link in a lesson points at, as the catalogue resolved it."""

    kind: str                     # image, audio, video, lesson or file
    url: str
    width: int | None = None
    height: int | None = None
    original_url: str | None = None
    mime: str = ""
    captions: list[tuple[str, str]] = field(default_factory=list)   # (language, url)
    path: Path | None = None      # the file itself, when the renderer needs to read it (SVG size)


Resolver = Callable[[str], Media | None]


def clean_html(html: str) -> str:
    """The one place HTML from content is sanitised."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")


def strip_extras(text: str) -> str:
    """A title or heading without kramdown attributes and template tags (inline code kept)."""
    return strip_templates(text)


def heading_id(value: str, separator: str) -> str:
    """A stable id for a heading: its words, accents kept; never one of the page's own ids."""
    slug = slugify_unicode(value, separator) or "section"
    return f"{slug}-1" if slug in RESERVED_IDS or slug.startswith("code-") else slug


_local = threading.local()
EXTENSIONS = ["abbr", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "sane_lists", "toc",
              "pymdownx.superfences", "pymdownx.blocks.admonition", "pymdownx.blocks.details"]


def _markdown() -> markdown.Markdown:
    """One Markdown converter per thread, reset between uses: building one costs more than converting."""
    if not hasattr(_local, "md"):
        _local.md = markdown.Markdown(
            extensions=EXTENSIONS + [_MediaExtension()], output_format="html",
            extension_configs={
                "toc": {"slugify": heading_id, "toc_depth": "2-6"},
                "pymdownx.superfences": {"custom_fences": [
                    {"name": "*", "class": "", "format": format_code}]},
            })
    return _local.md


@dataclass
class RenderContext:
    """What the tree processor needs while one step is converted."""

    text: str
    rel: str
    first_line: int
    resolve: Resolver
    problems: list
    line_map: list[int] | None = None


def render_markdown(text: str, resolve: Resolver, rel: str, first_line: int,
                    line_map: list[int] | None = None, language: Callable[[], str | None] | None = None
                    ) -> tuple[str, list[Problem]]:
    """Render one step of a lesson; problems carry the file's line numbers (`line_map`: one per line
    of `text`, else counted from `first_line`); words Relais adds are in `language()`, asked only
    when one is needed."""
    problems: list[Problem] = []
    md = _markdown()
    md.reset()
    md.media_context = RenderContext(text, rel, first_line, resolve, problems, line_map)
    md.relais_code = {"count": 0, "tables": 0, "language": language or (lambda: None)}
    html = md.convert(text)
    return clean_html(html), problems


def plain_text(html: str) -> str:
    """Text of rendered HTML, for the search index."""
    return re.sub(r"\s+", " ", unescape(nh3.clean(html, tags=set()))).strip()


class _MediaExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_MediaProcessor(md), "relais_media", 1)


class _MediaProcessor(Treeprocessor):
    """Point images, sound, video and links at the kiosk's own URLs; report what is missing."""

    def run(self, root):
        self.context = self.md.media_context
        self.resolve, self.problems = self.context.resolve, self.context.problems
        parents = {child: parent for parent in root.iter() for child in parent}
        for el in list(root.iter()):
            if el.tag in HEADINGS and not "".join(el.itertext()).strip() and parents.get(el) is not None:
                parents[el].remove(el)      # a heading left empty (its text was a template tag)
            elif el.tag == "h1":
                el.tag = "h2"       # the page's only h1 is the lesson title
            elif el.tag == "img":
                self._image(el, parents.get(el), parents)
            elif el.tag == "a" and el.get("href"):
                self._link(el)
            elif el.tag == "div" and "admonition" in el.get("class", "").split():
                el.set("role", "note")
            elif el.tag == "pre" and parents.get(el) is not None:
                label_indented_block(el, parents[el], self.md.relais_code)
            elif el.tag == "table":
                wrap_table(el, parents.get(el), self.md.relais_code)

    def _warn(self, target: str, message: str) -> None:
        text, line_map = self.context.text, self.context.line_map
        row = _row_of(text, target)
        line = line_map[min(row, len(line_map) - 1)] if line_map else self.context.first_line + row
        self.problems.append(Problem(self.context.rel, line, WARNING, message))

    def _image(self, el, parent, parents) -> None:
        src, alt = el.get("src", ""), el.get("alt", "")
        media = None if EXTERNAL.match(src) else self.resolve(src)
        if EXTERNAL.match(src):
            self._warn(src, f"the picture '{src}' is on the internet; the kiosk works offline, so put the "
                            "file beside the lesson.")
        elif media is None:
            self._warn(src, f"the file '{src}' is missing; check its name and that it is beside the lesson.")
        if media is None or media.kind in ("lesson", "file"):
            _replace(el, parent, _element("span", alt, {"class": "missing-media"}))
            return
        if not alt:
            self._warn(src, f"the picture '{src}' has no description; write one between the brackets: "
                            "![what it shows](file).")
        if media.kind == "image":
            _picture(el, media, parent, parents.get(parent))
            return
        player = _player(media, alt)
        if _alone_in(el, parent):
            parent.tag, parent.text, parent.attrib = "div", "", {}     # a figure cannot sit inside a <p>
        _replace(el, parent, player)

    def _link(self, el) -> None:
        href = el.get("href", "")
        if EXTERNAL.match(href) or href.startswith("#"):
            return
        media = self.resolve(href)
        if media is None:
            self._warn(href, f"the link '{href}' points at nothing; check the file name.")
            el.tag = "span"
            del el.attrib["href"]
        else:
            fragment = "#" + href.split("#", 1)[1] if "#" in href and media.kind == "lesson" else ""
            el.set("href", (media.original_url or media.url) + fragment)


HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def _row_of(text: str, target: str) -> int:
    """The row where `target` is written outside code (a lesson showing `![x](a.png)` as an example
    and then using it is warned about at its use), else its first row, else 0."""
    rows, fence, first = text.split("\n"), None, None
    for row, line in enumerate(rows):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            fence = None
        elif target in line and fence is None:
            return row
        if target in line and first is None:
            first = row
    return first or 0


def _picture(el, media: Media, parent, grandparent) -> None:
    """Point the picture at the kiosk's copy, with its size; a picture alone may be a figure."""
    el.set("src", media.url)
    el.set("loading", "lazy")
    el.set("decoding", "async")
    size = svg_size(media.path) if media.path is not None and media.path.suffix.lower() == ".svg" else None
    width, height = size or (media.width, media.height)
    if width and height:
        el.set("width", str(width))
        el.set("height", str(height))
    if _alone_in(el, parent) and grandparent is not None:
        make_figure(el, parent, grandparent)


def _alone_in(el, parent) -> bool:
    return (parent is not None and parent.tag == "p" and len(parent) == 1
            and not (parent.text or "").strip() and not (el.tail or "").strip())


def _player(media: Media, caption: str):
    figure = etree.Element("figure", {"class": f"media {media.kind}"})
    player = etree.SubElement(figure, media.kind, {"controls": "", "preload": "metadata"})
    etree.SubElement(player, "source", {"src": media.url, "type": media.mime})
    for i, (lang, url) in enumerate(media.captions):
        attrs = {"kind": "captions", "src": url, "srclang": lang, "label": lang}
        if i == 0:
            attrs["default"] = ""
        etree.SubElement(player, "track", attrs)
    if caption:
        etree.SubElement(figure, "figcaption").text = caption
    return figure


def _element(tag: str, text: str, attrs: dict):
    el = etree.Element(tag, attrs)
    el.text = text
    return el


def _replace(el, parent, new) -> None:
    new.tail = el.tail
    if parent is None:
        el.clear()
        el.tag, el.text = new.tag, new.text
        el.attrib.update(new.attrib)
        return
    index = list(parent).index(el)
    parent.remove(el)
    parent.insert(index, new)
