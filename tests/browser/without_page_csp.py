"""A kiosk whose pages carry no Content-Security-Policy, in its own process, for the untrusted-media checks:
what is left between a course's files and the kiosk's origin is what the files themselves are sent with.

Run as `python -m tests.browser.without_page_csp CONFIG`; it prints its address, as tests.browser.server does.
"""
from __future__ import annotations

import json
import subprocess
import sys

from waitress.server import create_server

from tests.browser.server import ROOT, ChildKiosk, wait_until_up


def strip_page_csp(wsgi_app, page_csp: str):
    """Drop the page policy from every answer; a file's own policy (any other value) stays."""
    def app(environ, start_response):
        def start(status, headers, exc_info=None):
            kept = [(k, v) for k, v in headers if not (k.lower() == "content-security-policy" and v == page_csp)]
            return start_response(status, kept, exc_info)
        return wsgi_app(environ, start)
    return app


class KioskWithoutPageCsp(ChildKiosk):
    def __init__(self, config: dict):     # ChildKiosk's steps, with this module as the child
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, json.dumps(config)], cwd=ROOT,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.proc.kill()
            raise RuntimeError(f"the kiosk did not start: {line!r}")
        self.base = line
        wait_until_up(self.base)


def _main(config: dict) -> None:
    from kiosk.app import CSP, create_app

    app = create_app(config)
    app.wsgi_app = strip_page_csp(app.wsgi_app, CSP)
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="Relais")
    print(f"http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]))
