"""The headers every kiosk response carries, prepared once at import: security, caching, and a gzip'd
refusal page. Every request used to build them anew; now it only checks which are missing."""
from __future__ import annotations

import gzip

from werkzeug.wrappers import Response

from sync.base.database import security_headers

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")



def security(csp: str) -> tuple[tuple[str, str], ...]:
    """The security headers both applications send (sync.base.database.security_headers), worked out once."""
    response = security_headers(Response(), csp)
    return tuple((k, v) for k, v in response.headers.items() if k not in ("Content-Type", "Content-Length"))


SECURITY = security(CSP)        # a view's own ones win (_security adds only what is missing)
_SECURITY_NAMES = tuple((name.lower(), name, value) for name, value in SECURITY)

# Files a browser may keep; every other response is a learner page it must not keep.
KEPT_BY_BROWSER = frozenset({"static", "media.content_file", "media.cached_file", "audio.clip"})
YEAR = 365 * 86400


def finish(response, request):
    """Give `response` the kiosk's headers: security, caching, and gzip for a refused HTML page."""
    _security(response.headers)
    endpoint = request.endpoint
    if endpoint == "static" and request.args.get("v"):
        # static_url() puts a content hash in the URL: the file under it never changes.
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    if 400 <= response.status_code < 500:
        _gzip_refusal(response, request)
    if endpoint not in KEPT_BY_BROWSER:
        # Learner pages: never kept by the browser, so Back after logout shows nothing.
        headers = response.headers
        headers["Cache-Control"] = "no-store"
        vary = headers.get("Vary")
        if not vary:
            headers["Vary"] = "Cookie"
        elif "cookie" not in (name.strip().lower() for name in vary.split(",")):
            headers["Vary"] = f"{vary}, Cookie"
    return response


def _security(headers) -> None:
    """Add the security headers the response does not set itself, in their usual order."""
    present = {name.lower() for name, _value in headers}
    for lowered, name, value in _SECURITY_NAMES:
        if lowered not in present:
            headers.add(name, value)


def _gzip_refusal(response, request) -> None:
    """flask-compress skips non-2xx: form pages with errors are the largest learner pages."""
    if (response.mimetype == "text/html" and not response.direct_passthrough
            and "gzip" in request.headers.get("Accept-Encoding", "") and "Content-Encoding" not in response.headers):
        response.set_data(gzip.compress(response.get_data(), 6))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
