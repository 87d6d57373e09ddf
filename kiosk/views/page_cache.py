"""Kept pages: a page rendered once for what it shows, with each visitor's own parts filled in per request.

A kept page is the template's output with markers ("holes") where a visitor's own parts go: the CSRF
token, the learner's name and uuid, the idle seconds left and the request's path. The template
renders against stand-ins that hand out markers for those and the page's key facts only; asking them
for anything else raises `NotKeepable`, and the page is rendered the plain way instead, so one learner's
data can never reach another's page. Markers hold a secret drawn at start-up, so a lesson's own text
cannot be taken for one.

Each fixed piece is deflated once; a visitor's parts go between them as stored deflate blocks, giving
one standard gzip body. When that costs much more than deflating the whole page (many small pieces,
as on the lesson page with its four CSRF tokens), the filled page is gzip'd whole on each request
instead (gzip_page).
"""
from __future__ import annotations

import gzip
import re
import secrets
import struct
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, current_app, g, render_template, request
from markupsafe import Markup, escape

from .. import catalog, sessions
from ..csrf import signed_token
from ..i18n import request_language
from ..narration import clips
from ..static_files import accepts_gzip
from .common import prefs

try:        # ISA-L's deflate, built for x86-64 and 64-bit Arm: see gzip_page
    from isal import isal_zlib
except ImportError:         # elsewhere (a 32-bit Raspberry Pi OS): zlib
    isal_zlib = None

_SECRET = secrets.token_hex(8)
_OPEN, _CLOSE = "\ue000" + _SECRET, "\ue001"
_HOLE = re.compile(re.escape(_OPEN) + r"([a-z_]+)" + _CLOSE)
LIMIT = 4 * 1024 * 1024          # bytes of kept pages per kiosk; the least recently used go first
PENDING_SECONDS = 5              # a narration offer waiting for its clip is asked again after this
PIECEWISE_MAX = 1.10             # piecewise gzip at most this much larger than gzip of the whole page
# Fixed Huffman codes spare a short piece its own code table, which can outweigh the piece itself.
_STRATEGIES = (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FIXED)
_SAME_LENGTH = ("csrf", "uuid")  # holes as long for every visitor (a signed token, a uuid)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


class NotKeepable(ValueError):
    """The template asked for something the page's key does not cover: render it the plain way."""


class Hole(Markup):
    """A marker standing for a visitor's own text: it may be printed, never measured, cut or compared."""

    def _refuse(self, *args):
        raise NotKeepable("a template looked inside a visitor's own text")

    __len__ = __getitem__ = __iter__ = __contains__ = __eq__ = __ne__ = __lt__ = __gt__ = _refuse
    upper = lower = title = capitalize = strip = split = replace = startswith = endswith = _refuse
    __hash__ = Markup.__hash__


def hole(name: str) -> Hole:
    return Hole(f"{_OPEN}{name}{_CLOSE}")


class StandIn:
    """Something the template may read only some attributes of; any other raises NotKeepable."""

    __slots__ = ("_known", "_truth", "_what")

    def __init__(self, what: str, truth: bool = True, **known):
        self._what, self._known, self._truth = what, known, truth

    def __getattr__(self, name):
        try:
            return self._known[name]
        except KeyError:
            raise NotKeepable(f"{self._what}.{name} is neither in the page's key nor a hole") from None

    __getitem__ = __getattr__

    def __bool__(self) -> bool:
        return self._truth

    def __str__(self) -> str:
        raise NotKeepable(f"{self._what} printed whole")

    def __iter__(self):
        raise NotKeepable(f"{self._what} walked through")


class Kept:
    """One kept page: its fixed pieces (plain and deflated) and the names of the holes between them."""

    __slots__ = ("deflated", "lengths", "names", "pieces", "size")

    def __init__(self, html: str):
        parts = _HOLE.split(html)
        self.pieces = [p.encode() for p in parts[0::2]]
        self.names = parts[1::2]
        if any(_SECRET in p.lower() for p in parts[0::2]):        # a marker the template changed
            raise NotKeepable("a hole was changed by the template")
        self.deflated, self.lengths = None, {}
        self.size = sum(map(len, self.pieces)) + 64 * len(self.names) + 256

    def deflate(self, values: dict[str, bytes]) -> None:
        """Deflate the fixed pieces once, unless that weighs much more than one whole-page gzip would."""
        self.lengths = {name: len(values[name]) for name in _SAME_LENGTH if name in values}
        self.deflated = _deflate_pieces(self.pieces, self.names, self.lengths)
        body = self.plain(values)
        if len(self.gzipped(values, body)) > PIECEWISE_MAX * len(gzip.compress(body, 6)):
            self.deflated = None
        else:
            self.size += sum(map(len, self.deflated))

    def plain(self, values: dict[str, bytes]) -> bytes:
        out = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:]):
            out += (values[name], piece)
        return b"".join(out)

    def fits(self, values: dict[str, bytes]) -> bool:
        """Whether the deflated pieces can hold these values (they refer across holes of their length only)."""
        return self.deflated is not None and all(len(values[n]) == size for n, size in self.lengths.items())

    def gzipped(self, values: dict[str, bytes], body: bytes) -> bytes:
        out = [_GZIP_HEADER, self.deflated[0]]
        for name, piece in zip(self.names, self.deflated[1:]):
            out += (_stored(values[name]), piece)
        out.append(struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF))
        return b"".join(out)


def _deflate_pieces(pieces: list[bytes], names: list[str], lengths: dict[str, int]) -> list[bytes]:
    """Raw deflate of each piece, byte-aligned at its end, the last one final.

    A piece may refer back to the text before it across holes of a known length: its compressor is
    primed with that text, each such hole written as bytes UTF-8 never holds (0xFF), so nothing refers
    into a hole. After a hole of any length (a name, a path), a piece starts afresh. Each piece takes whichever of
    zlib's own or fixed Huffman codes is shorter.
    """
    out, history = [], b""
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        if piece or last:
            out.append(min((_deflate(piece, history, last, strategy) for strategy in _STRATEGIES), key=len))
        else:
            out.append(b"")
        if not last:
            size = lengths.get(names[i])
            history = (history + piece + b"\xff" * size)[-32768:] if size is not None else b""
    return out


def _deflate(piece: bytes, history: bytes, last: bool, strategy: int) -> bytes:
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15, 8, strategy, **({"zdict": history} if history else {}))
    return deflater.compress(piece) + deflater.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _stored(data: bytes) -> bytes:
    """Data as non-final stored deflate blocks (at most 65,535 bytes each)."""
    out = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start:start + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


class PageCache:
    """Kept pages by key, least recently used dropped first once they weigh more than `limit` bytes."""

    def __init__(self, limit: int = LIMIT):
        self.limit, self.size, self.generation = limit, 0, None
        self._pages: OrderedDict = OrderedDict()
        self.offers: dict = {}
        self._lock = threading.Lock()

    def _fresh(self) -> None:
        if self.generation != catalog._generation:        # a re-index: every lesson may have changed
            self._pages.clear()
            self.offers.clear()
            self.size, self.generation = 0, catalog._generation

    def get(self, key) -> Kept | None:
        with self._lock:
            self._fresh()
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
            return kept

    def put(self, key, kept: Kept) -> None:
        with self._lock:
            self._fresh()
            old = self._pages.pop(key, None)
            self.size -= old.size if old else 0
            self._pages[key] = kept
            self.size += kept.size
            while self.size > self.limit and self._pages:
                _, dropped = self._pages.popitem(last=False)
                self.size -= dropped.size

    def __len__(self) -> int:
        return len(self._pages)


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cache() -> PageCache:
    """This kiosk application's kept pages."""
    app = current_app._get_current_object()
    if app not in _caches:
        _caches[app] = PageCache()
    return _caches[app]


def kept_offer(key: tuple, make: Callable[[], dict]) -> dict:
    """A narration offer, looked up once while it cannot change: a clip made (its name is the hash of what
    it says) or a recording, or any offer while narration is off. An offer still waiting for its clip is
    kept until this process writes another clip, and at most PENDING_SECONDS (a clip made by another
    process, or a recording dropped in the folder, shows within that)."""
    store, now = cache(), time.monotonic()
    with store._lock:
        store._fresh()
        known = store.offers.get(key)
    written = clips.written_here()           # read before looking: a clip written meanwhile is not missed
    if known is not None:
        offer, seen_written, at = known
        if offer["url"] or not current_app.config["NARRATION_CONFIG"].enabled \
                or (seen_written == written and now - at < PENDING_SECONDS):
            return offer
    offer = make()
    with store._lock:
        if len(store.offers) >= 4096:
            store.offers.clear()
        store.offers[key] = (offer, written, now)
    return offer


def heard(offer: dict | None) -> tuple | None:
    """A narration offer as part of a key: its state changes while clips are being made."""
    return offer and tuple(sorted(offer.items()))


def serve(template: str, facts: tuple, context: dict, kept_context: dict) -> Response | str:
    """The page, from its kept copy when it has one; `kept_context` holds stand-ins for `context`'s own parts."""
    if request.method != "GET":
        return render_template(template, **context)
    key = page_key(template, facts, request_language(), prefs(), g.learner)
    if key is None:
        return render_template(template, **context)
    store = cache()
    kept = store.get(key)
    if kept is None:
        try:
            kept = Kept(render_template(template, **dict(context, **kept_context, **_stand_ins())))
        except NotKeepable as refused:
            current_app.logger.warning("page %s not kept: %s", template, refused)
            return render_template(template, **context)
        values = _values(kept.names)
        kept.deflate(values)
        store.put(key, kept)
    else:
        values = _values(kept.names)
    return _response(kept, values)


def page_key(template: str, facts: tuple, language: str, shown: dict, learner) -> tuple | None:
    """What a kept page is kept under: everything its fixed parts depend on (None: facts that cannot be)."""
    config = current_app.config
    # The learner's picture is in the key: templates pass it to drawn_picture, which reads it.
    key = (template, facts, language, tuple(sorted(shown.items())), config["KIOSK_NAME"], config["IDLE_MINUTES"],
           learner.picture if learner else None, catalog._generation)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _stand_ins() -> dict:
    learner = g.learner
    seen = StandIn("learner", name=hole("name"), uuid=hole("uuid"), picture=learner.picture) if learner else None
    return {"learner": seen, "request": StandIn("request", full_path=hole("path"), method="GET"),
            "csrf_token": lambda: hole("csrf"), "idle_left": hole("idle"), "g": StandIn("g"),
            "session": StandIn("session")}


def visitor_fills(learner, csrf: Callable[[], str], full_path: str, now: float | None = None) -> dict:
    """What each hole of a kept page holds for this visitor, made only when the page has that hole."""
    return {"csrf": csrf, "path": lambda: full_path, "name": lambda: learner.name, "uuid": lambda: learner.uuid,
            "idle": lambda: sessions.seconds_left(learner, now)}


def _fills() -> dict[str, Callable[[], object]]:
    return visitor_fills(g.learner, signed_token, request.full_path)


def _values(names: list[str], fills: dict[str, Callable[[], object]] | None = None) -> dict[str, bytes]:
    fills = fills or _fills()
    return {name: str(escape(fills[name]())).encode() for name in set(names)}


def filled(kept: Kept, fills: dict[str, Callable[[], object]], gzip_ok: bool) -> tuple[bytes, bool]:
    """A kept page's body with a visitor's parts (`fills` makes each), and whether it is gzip'd."""
    return _body(kept, _values(kept.names, fills), gzip_ok)


def _body(kept: Kept, values: dict[str, bytes], gzip_ok: bool) -> tuple[bytes, bool]:
    body = kept.plain(values)
    if gzip_ok and len(body) >= current_app.config["COMPRESS_MIN_SIZE"]:
        # Piecewise when the kept pieces hold these values, else whole (gzip_page).
        return (kept.gzipped(values, body) if kept.fits(values)
                else gzip_page(body, current_app.config["COMPRESS_LEVEL"])), True
    return body, False


def gzip_page(body: bytes, level: int) -> bytes:
    """One gzip member of a filled page: a page whose kept pieces cannot hold this visitor's parts is
    gzip'd whole on every request.

    ISA-L does it at its default level where it is installed: on the logged-in lesson page (4.7 KB),
    measured inside the kiosk's requests, 17 µs against zlib's 70 µs at level 6, for 2,154 bytes
    against 2,059. zlib (`level`, flask-compress's) runs where ISA-L is not built: with a 16 KB window
    and memLevel 6 instead of its 32 KB and 8, whose set-up cost more than compressing a page (43 µs
    of 68 µs), for the same bytes on pages of up to 16 KB."""
    if isal_zlib is not None:
        return isal_zlib.compress(body, isal_zlib.ISAL_DEFAULT_COMPRESSION, 16 + 15)
    deflater = zlib.compressobj(level, zlib.DEFLATED, 16 + 14, 6)
    return deflater.compress(body) + deflater.flush()


def _response(kept: Kept, values: dict[str, bytes]) -> Response:
    # Gzip'd here, piecewise or whole: flask-compress leaves an encoded body alone, and so skips its own
    # conditional-request pass (a kept page has no ETag to answer with).
    body, gzipped = _body(kept, values, accepts_gzip(request.headers.get("Accept-Encoding", "")))
    response = Response(body, mimetype="text/html")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response
