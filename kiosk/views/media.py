"""Lesson media from the content folder and resized pictures, with ETag, Last-Modified and Range."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.utils import safe_join

from ..media import SERVABLE

bp = Blueprint("media", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/media/<path:path>")
def content_file(path: str):
    """Only media files inside the content root; lesson sources and anything outside stay private."""
    root = current_app.config["CONTENT_PATH"]
    full = safe_join(str(root), path)
    if full is None or "\\" in path or not any(path.lower().endswith(ext) for ext in SERVABLE):
        abort(404)
    return send_from_directory(root, path, conditional=True, max_age=86400)


@bp.get("/media-cache/<name>")
def cached_file(name: str):
    return send_from_directory(current_app.config["DATA_PATH"] / "media-cache", name, conditional=True,
                               max_age=365 * 86400)
