"""What a hostile or broken client sends: text, numbers, JSON, headers and bodies, as hypothesis strategies.

Each strategy mixes plain random values with the ones that broke Relais in the field: Unicode digits
("²" passes str.isdigit(), int() refuses it), integers past 64 bits, NUL (PostgreSQL refuses it), JSON
nested deeper than the parser's recursion limit, lists where one value belongs, bytes that are not UTF-8.
"""
from __future__ import annotations

import base64
import functools
import gzip
import json

from hypothesis import strategies as st

HUGE = ["9" * 20, "18446744073709551616", "-9223372036854775809", "9" * 4400, "1e309", "-0", "0x10"]
DIGITS = ["²", "١٢", "١", "٣", "𝟙", "½", "Ⅻ", "۱۲۳۴", "१२"]          # digits int() reads and digits it does not
NASTY = [
    "", " ", "\x00", "a\x00b", "\t\n\r", "\x1b[31m", "\ufeff", "\u202e", "\ud7ff", "é", "ﷺ", "𝕏", "🙂" * 30,
    "null", "true", "false", "[]", "{}", "NaN", "Infinity", "-1", "0", "1", "1.5", "01", "+1", " 1 ",
    "<script>alert(1)</script>", "\"'><", "../../../etc/passwd", "/..", "//evil.example", "http://evil.example/",
    "\\\\host\\share", "%00", "%ff", "%", "a" * 500, "x" * 5000, "=cmd|' /C calc'!A0", "\r\nSet-Cookie: a=b",
    "/\r\nLocation: //evil", "/\x00", "/é", "/%0d%0a", *HUGE, *DIGITS,
]
# The values that broke Relais in the field: each is drawn often, wherever a value goes.
FAMOUS = ["²", "١٢", "9" * 5000, "18446744073709551616", "\x00", "é", "", "[]"]
INTEGERS = st.one_of(st.integers(-10, 10), st.integers(), st.integers(-(2**70), 2**70),
                     st.sampled_from([2**63, 2**64, -(2**63) - 1, 2**53, 2**31]))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, chosen with these weights (st.one_of gives each branch the same chance)."""
    picks = [index for index, (weight, _) in enumerate(choices) for _ in range(weight)]
    return st.sampled_from(picks).flatmap(lambda index: choices[index][1])


@functools.cache  # strategies are immutable: built once, drawn from many times
def text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text a form or a URL can carry: mostly the famous and the nasty values (random text seldom breaks
    anything), random Unicode (no lone surrogates: a browser cannot send them) and numbers of any size."""
    return weighted((4, st.sampled_from(FAMOUS)), (3, st.sampled_from(NASTY)),
                    (1, st.text(st.characters(exclude_categories=["Cs"]), max_size=max_size)), (1, INTEGERS.map(str)))


@functools.cache  # strategies are immutable: built once, drawn from many times
def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    """JSON of any shape: scalars, lists and objects nested a few levels, big integers, odd floats."""
    scalars = weighted((2, text(20)), (2, INTEGERS), (1, st.none() | st.booleans()),
                       (1, st.floats(allow_nan=False, allow_infinity=False)))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(text(10), inner, max_size=4), max_leaves=max_leaves)


def deep_json(depth: int) -> bytes:
    """JSON nested `depth` deep, past Python's recursion limit when `depth` is a few thousand."""
    return b'{"v":' * (depth // 2) + b"[" * (depth - depth // 2) + b"1" + b"]" * (depth - depth // 2) \
        + b"}" * (depth // 2)


BROKEN_JSON = st.sampled_from([b"", b"{", b"[1,", b'{"a":1}}', b"\xff\xfe{}", b'"\xc3"', b"1" * 5000, b"-" + b"9" * 4301,
                               b'{"a":NaN}', b'{"a":1e999}', b'{"a":"\\ud800"}', b'{"a":"\\u0000"}', b"\xef\xbb\xbf{}"])
JSON_BODIES = weighted((2, json_values().map(lambda value: json.dumps(value).encode())),
                       (1, st.sampled_from([1, 50, 900, 3000, 20000]).map(deep_json)), (2, BROKEN_JSON))


def gzip_bomb(size: int = 24 * 1024 * 1024) -> bytes:
    """A few kilobytes of gzip that inflate to `size` bytes of spaces (past the hub's 16 MB limit)."""
    return gzip.compress(b" " * size, 9, mtime=0)


def gzipped(raw: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Gzip'd bodies, and broken gzip (cut short, a wrong header, a stream with trailing junk)."""
    return st.one_of(raw.map(lambda b: gzip.compress(b, mtime=0)),
                     raw.map(lambda b: gzip.compress(b, mtime=0)[: max(1, len(b) // 2)]),
                     raw.map(lambda b: b"\x1f\x8b\x08\x00" + b),
                     raw.map(lambda b: gzip.compress(b, mtime=0) + b"junk"))


@functools.cache  # strategies are immutable: built once, drawn from many times
def latin1(max_size: int = 60) -> st.SearchStrategy[str]:
    """A header value as a server hands it on: any byte but CR, LF and DEL, read as Latin-1."""
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                   max_size=max_size)


@functools.cache  # strategies are immutable: built once, drawn from many times
def wire_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text as it reaches a header: UTF-8 bytes read as Latin-1 (non-ASCII in a header), or plain Latin-1."""
    return st.one_of(latin1(max_size), text(max_size).map(lambda s: s.encode("utf-8")[:200].decode("latin-1")
                                                          .replace("\r", "").replace("\n", "").replace("\x7f", "")))


@functools.cache  # strategies are immutable: built once, drawn from many times
def basic_auth(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Authorization headers: Basic with odd bytes, bad base64, no colon, other schemes."""
    credentials = st.one_of(st.binary(max_size=40),
                            st.tuples(st.sampled_from(names) | text(10), text(20))
                            .map(lambda pair: f"{pair[0]}:{pair[1]}".encode("utf-8", "surrogatepass")))
    return st.one_of(credentials.map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
                     st.sampled_from(["Basic", "Basic ", "Basic ====", "Basic é", "Basic Og==", "Bearer x",
                                      "basic YTpi", "Basic " + "A" * 3000, "Digest a=b"]),
                     latin1(80))


RANGES = st.one_of(st.sampled_from([
    "bytes=0-10", "bytes=-5", "bytes=5-", "bytes=5-1", "bytes=0-0,2-3,5-", "bytes=99999999999999999999-",
    "bytes=-0", "bytes=0-18446744073709551616", "bytes=" + ",".join(f"{i}-{i}" for i in range(200)), "items=0-1",
    "bytes=١-٢", "bytes=²-", "bytes", "=", ""]), latin1(40))
ETAGS = st.one_of(st.sampled_from(['"abc"', "*", 'W/"x"', '"', '""', 'W/', '"a", "b", *', "é"]), latin1(40))
DATES = st.one_of(st.sampled_from(["Mon, 01 Jan 10000 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "yesterday",
                                   "Sun, 06 Nov 1994 08:49:37 GMT", "0", "-1", "9" * 30]), latin1(40))
CONTENT_TYPES = st.one_of(st.sampled_from([
    "application/json", "application/json; charset=latin-1", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16", "multipart/form-data", "multipart/form-data; boundary=",
    "multipart/form-data; boundary=\"", "multipart/form-data; boundary=" + "b" * 300, "text/plain",
    "application/gzip", "application/octet-stream", "*/*", ";", "é/é"]), latin1(40))
ACCEPT_LANGUAGES = st.one_of(st.sampled_from([
    "fr", "en", "ar", "ar-MA,fr;q=0.5", "de", "*", "fr;q=abc", "en;q=2", "fr;q=0", ";;;", "en-GB,en;q=0.8",
    "x" * 300, ",", "zh-Hant-TW-u-nu-hanidec"]), latin1(40))
ACCEPTS = st.sampled_from(["application/json", "text/html", "*/*", "application/json;q=abc", "image/*", ";", ""])
ENCODINGS = st.sampled_from(["gzip", "deflate", "br", "identity", "gzip, gzip", "x-unknown", ""])
