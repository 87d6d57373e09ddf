"""Read Chromium's network log (DevTools protocol events, as recorded by bench/page_weight.py) into page weights.

A recorded log is a list of {"method", "params"} events; {"method": "bench.page", "params": {"name": …}}
marks where the bench started loading the next page (a mark without a name: the events up to the next
mark are not counted, such as logging out between two pages). Each request's bytes are those of its
`Network.loadingFinished` event, `encodedDataLength`: what Chromium read from the socket for it, status line
and headers included, body as sent (gzip'd when it was). A redirect hop counts as a request of its own, its
bytes being the redirect response's `encodedDataLength`. `data:` URLs never reach the network and are not
counted; a request that failed counts as a request (its bytes, if any, with it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

PAGE_MARK = "bench.page"


@dataclass
class Request:
    url: str
    kind: str = ""               # the DevTools resource type: Document, Stylesheet, Script, Image, Media…
    status: int = 0
    encoding: str = ""           # the response's Content-Encoding
    bytes: int = 0
    failed: str = ""

    @property
    def media(self) -> bool:
        """The lesson's pictures, recordings and covers (not the kiosk's own CSS, JS and icons)."""
        return self.kind == "Media" or "/media/" in self.url or "/media-cache/" in self.url


@dataclass
class PageWeight:
    name: str
    requests: list[Request] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.requests)

    @property
    def media(self) -> list[Request]:
        return [r for r in self.requests if r.media]


def pages(events: list[dict]) -> list[PageWeight]:
    """The page weights of a recorded log, in the order the pages were loaded."""
    result: list[PageWeight] = []
    by_id: dict[str, Request] = {}
    page = None
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == PAGE_MARK:
            page = PageWeight(params["name"]) if params.get("name") else None
            result += [page] if page else []
            by_id = {}
            continue
        if page is None:
            continue
        rid = params.get("requestId")
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url.startswith("data:"):
                continue
            hop = params.get("redirectResponse")
            if hop and rid in by_id:            # the redirect's response closes the earlier hop
                earlier = by_id[rid]
                earlier.status, earlier.bytes = hop.get("status", 0), int(hop.get("encodedDataLength", 0))
            by_id[rid] = Request(url, params.get("type", ""))
            page.requests.append(by_id[rid])
        elif rid in by_id and method == "Network.responseReceived":
            response = by_id[rid]
            response.status = params["response"].get("status", 0)
            response.encoding = _header(params["response"].get("headers", {}), "content-encoding")
            response.kind = params.get("type", response.kind)
        elif rid in by_id and method == "Network.loadingFinished":
            by_id[rid].bytes = int(params.get("encodedDataLength", 0))
        elif rid in by_id and method == "Network.loadingFailed":
            by_id[rid].failed = params.get("errorText", "failed")
    return result


def _header(headers: dict, name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def describe(page: PageWeight) -> str:
    """'9.8 KB with headers in 4 requests (of which media: 0 requests); HTML 3.1 KB gzip, …'"""
    media = page.media
    kinds: dict[str, int] = {}
    for request in page.requests:
        kinds[request.kind or "other"] = kinds.get(request.kind or "other", 0) + request.bytes
    parts = ", ".join(f"{kind} {size / 1024:.1f} KB" for kind, size in kinds.items())
    failed = [r for r in page.requests if r.failed]
    return (f"{page.bytes / 1024:.1f} KB in {len(page.requests)} requests (media: {len(media)} requests, "
            f"{sum(r.bytes for r in media) / 1024:.1f} KB); {parts}"
            + (f"; {len(failed)} failed" if failed else ""))
