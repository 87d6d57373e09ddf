"""What lesson media are, the smaller copies of large pictures made at index time, and the pictures small
enough to travel inside the page itself."""
from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from markupsafe import Markup, escape
from werkzeug.security import safe_join

MAX_WIDTH = 1280
IMAGE = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".webp": "image/webp", ".svg": "image/svg+xml", ".avif": "image/avif"}
AUDIO = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4", ".wav": "audio/wav",
         ".opus": "audio/ogg"}
VIDEO = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}
OTHER = {".pdf": "application/pdf", ".vtt": "text/vtt", ".txt": "text/plain"}
# Only these are served, each with this type whatever its bytes say. Pages (HTML, XHTML) and XML other
# than SVG are never served: a course needs none of them, and they can carry script.
SERVABLE = {**IMAGE, **AUDIO, **VIDEO, **OTHER}
INLINE_BYTES = 4096        # a cover this small costs less inside the page than its own request
# Left as they are in an SVG data URL: none of them means anything in a URL or an HTML attribute.
URL_SAFE = "/:;=,.-_()!*~"
PICTURES = Path(__file__).parent / "static" / "pictures.svg"
SYMBOL = re.compile(r'<symbol id="([\w-]+)" viewBox="([\d .]+)">(.*?)</symbol>', re.DOTALL)
SVG_SIZE = re.compile(r'viewBox\s*=\s*["\']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)')


def served_type(name: str) -> str | None:
    """The type a media file is sent with, from its extension; None for a file that is not served."""
    return SERVABLE.get(PurePosixPath(name).suffix.lower())


def kind_of(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in IMAGE:
        return "image"
    if ext in AUDIO:
        return "audio"
    if ext in VIDEO:
        return "video"
    return "file"


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a picture (SVG from its viewBox), or None when it cannot be read."""
    if path.suffix.lower() == ".svg":
        match = SVG_SIZE.search(path.read_text("utf-8", errors="replace")[:2000])
        return (round(float(match.group(1))), round(float(match.group(2)))) if match else None
    from PIL import Image, UnidentifiedImageError  # only while indexing: keeps the server small
    try:
        with Image.open(path) as img:
            return img.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


def resized_copy(path: Path, cache_dir: Path) -> tuple[str, int, int] | None:
    """A copy at most MAX_WIDTH wide for a large raster picture: (file name in cache, width, height)."""
    if path.suffix.lower() in (".svg", ".gif"):
        return None
    from PIL import Image, UnidentifiedImageError  # only while indexing: keeps the server small
    stat = path.stat()
    digest = hashlib.sha256(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:20]
    try:
        with Image.open(path) as img:
            if img.width <= MAX_WIDTH:
                return None
            height = round(img.height * MAX_WIDTH / img.width)
            keep_alpha = img.mode in ("RGBA", "LA", "P")
            name = f"{digest}.{'png' if keep_alpha else 'jpg'}"
            target = cache_dir / name
            if not target.exists():
                cache_dir.mkdir(parents=True, exist_ok=True)
                small = img.convert("RGBA" if keep_alpha else "RGB").resize((MAX_WIDTH, height), Image.LANCZOS)
                tmp = target.with_suffix(".tmp")
                small.save(tmp, "PNG" if keep_alpha else "JPEG", quality=82, optimize=True)
                tmp.replace(target)
            return name, MAX_WIDTH, height
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


def inline_picture(path: Path) -> str | None:
    """A `data:` URL holding a picture of at most INLINE_BYTES, or None for a larger, missing or other file.

    Only ever put in an <img src>: there an SVG is an image, and any script it holds never runs.
    """
    mimetype = IMAGE.get(path.suffix.lower())
    try:
        stat = path.stat()
    except OSError:
        return None
    if mimetype is None or not path.is_file() or stat.st_size > INLINE_BYTES:
        return None
    return _data_url(str(path), mimetype, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _data_url(path: str, mimetype: str, mtime_ns: int, size: int) -> str | None:
    """Read once per version of the file: content is re-indexed while the kiosk runs."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if mimetype == "image/svg+xml":
        # Percent-encoded text, not base64, so that it compresses with the rest of the page.
        return "data:image/svg+xml," + quote(data, safe=URL_SAFE)
    return f"data:{mimetype};base64,{base64.b64encode(data).decode()}"


def picture_src(url: str | None, content_root: Path) -> str | None:
    """What an <img> shows for a content picture at `url` (/media/…): the picture itself when small, else `url`."""
    if not url or not url.startswith("/media/"):
        return url
    path = safe_join(str(content_root), unquote(urlsplit(url).path[len("/media/"):]))
    return (inline_picture(Path(path)) if path else None) or url


@functools.cache
def _drawings() -> dict[str, tuple[str, str]]:
    return {name: (box, shapes) for name, box, shapes in SYMBOL.findall(PICTURES.read_text("utf-8"))}


def drawn_picture(name: str, css_class: str = "picture", size: int = 48) -> Markup:
    """One of the kiosk's own pictures (static/pictures.svg) drawn in the page: no request to show it."""
    box, shapes = _drawings().get(name, ("0 0 48 48", ""))
    return Markup(f'<svg class="{escape(css_class)}" aria-hidden="true" focusable="false" width="{int(size)}" '
                  f'height="{int(size)}" viewBox="{box}">{shapes}</svg>')
