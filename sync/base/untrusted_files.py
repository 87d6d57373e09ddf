"""Files that come with courses (a content folder, a content pack) are served as untrusted: whatever they
hold, an SVG or a page opened on its own runs no script on the site's origin, with or without the page's
own Content-Security-Policy."""
from __future__ import annotations

# `sandbox` gives the file an origin of its own and no script; the rest lets a picture, its inline
# styles and a video show as they should. Only sent on files: pages keep the application's policy.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'"


def content_type(mimetype: str) -> str:
    """The Content-Type header for `mimetype`: text is declared UTF-8 so that no browser guesses."""
    return f"{mimetype}; charset=utf-8" if mimetype.startswith("text/") else mimetype


def served_untrusted(response, mimetype: str, download: bool = False):
    """Mark a file's response as untrusted: its type stated (never sniffed), sandboxed, a download if asked.

    Set here rather than by default, so that the application's own page headers cannot replace them.
    """
    response.headers["Content-Type"] = content_type(mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    if download:
        response.headers["Content-Disposition"] = "attachment"
    return response
