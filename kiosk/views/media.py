"""Lesson media from the content folder and resized pictures, with ETag, Last-Modified and Range.

Every file is served as untrusted (sync.base.untrusted_files): a course's SVG, or any file, opened on its
own runs no script on the kiosk's origin.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.utils import safe_join

from sync.base.untrusted_files import served_untrusted

from ..media import IMAGE, served_type

bp = Blueprint("media", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/media/<path:path>")
def content_file(path: str):
    """Only media files inside the content root; lesson sources and anything outside stay private."""
    root, mimetype = current_app.config["CONTENT_PATH"], served_type(path)
    if safe_join(str(root), path) is None or "\\" in path or mimetype is None:
        abort(404)
    response = send_from_directory(root, path, mimetype=mimetype, conditional=True, max_age=86400)
    return served_untrusted(response, mimetype)


@bp.get("/media-cache/<name>")
def cached_file(name: str):
    """The smaller copies of large pictures made at index time (PNG or JPEG, nothing else)."""
    mimetype = served_type(name)
    if mimetype not in IMAGE.values():
        abort(404)
    response = send_from_directory(current_app.config["DATA_PATH"] / "media-cache", name, mimetype=mimetype,
                                   conditional=True, max_age=365 * 86400)
    return served_untrusted(response, mimetype)
