"""Markdown to safe HTML, once, at index time: media and links resolved, raw HTML sanitised with nh3."""
from __future__ import annotations

import re
import threading
from html import unescape
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Callable, Optional

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .problems import WARNING, Problem

KRAMDOWN_ATTR = re.compile(r"^[ \t]*\{:[^}\n]*\}[ \t]*$\n?|\{:[^}\n]*\}", re.M)
LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)

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


Resolver = Callable[[str], Optional[Media]]


def clean_html(html: str) -> str:
    """The one place HTML from content is sanitised."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")


def strip_extras(text: str) -> str:
    """Remove kramdown attribute lines and Liquid tags that other site generators leave in Markdown."""
    return LIQUID.sub("", KRAMDOWN_ATTR.sub("", text))


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """One Markdown converter per thread, reset between uses: building one costs more than converting."""
    if not hasattr(_local, "md"):
        _local.md = markdown.Markdown(extensions=["extra", "sane_lists", _MediaExtension()],
                                      output_format="html")
    return _local.md


def render_markdown(text: str, resolve: Resolver, rel: str, first_line: int) -> tuple[str, list[Problem]]:
    """Render one step of a lesson; problems carry line numbers counted from `first_line`."""
    problems: list[Problem] = []
    md = _markdown()
    md.reset()
    md.media_context = (text, rel, first_line, resolve, problems)
    html = md.convert(strip_extras(text))
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
        self.resolve, self.problems = self.md.media_context[3], self.md.media_context[4]
        parents = {child: parent for parent in root.iter() for child in parent}
        for el in list(root.iter()):
            if el.tag == "h1":
                el.tag = "h2"       # the page's only h1 is the lesson title
            elif el.tag == "img":
                self._image(el, parents.get(el))
            elif el.tag == "a" and el.get("href"):
                self._link(el)
        return None

    def _warn(self, target: str, message: str) -> None:
        text, rel, first_line = self.md.media_context[:3]
        index = text.find(target)
        line = first_line + text.count("\n", 0, index) if index >= 0 else first_line
        self.problems.append(Problem(rel, line, WARNING, message))

    def _image(self, el, parent) -> None:
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
            el.set("src", media.url)
            el.set("loading", "lazy")
            el.set("decoding", "async")
            if media.width and media.height:
                el.set("width", str(media.width))
                el.set("height", str(media.height))
            return
        player = _player(media, alt)
        if parent is not None and parent.tag == "p" and len(parent) == 1 and not (parent.text or "").strip() \
                and not (el.tail or "").strip():
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
            el.set("href", media.original_url or media.url)


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
