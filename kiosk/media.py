"""What lesson media are and the smaller copies of large pictures made for the kiosk at index time."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

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
