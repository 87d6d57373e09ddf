"""Static files: the kiosk's stylesheet from the kiosk, beside bare Flask + waitress, waitress alone and nginx
sending the same file.

All four are sent `Accept-Encoding: gzip` and answer with the same file gzip'd (level 6, as the kiosk's
settings say): the kiosk as it serves /static/, bare Flask with bytes gzip'd once and held in memory
(bench/baseline_app.py), waitress alone with a bare WSGI callable sending the same bytes (the floor of any
Python application under waitress), nginx 1 worker process with `gzip_static on` reading the same .gz
file from disk — the physical ceiling. Each server is pinned to the server CPU, the load to the other.
"""
from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from .harness import ROOT, Server, free_port, load, python
from .report import kib

NGINX = Path(os.environ.get("RELAIS_NGINX", "/usr/sbin/nginx"))
NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ text/css css; }}
    client_body_temp_path {dir}/tmp-body;
    proxy_temp_path {dir}/tmp-proxy;
    fastcgi_temp_path {dir}/tmp-fastcgi;
    uwsgi_temp_path {dir}/tmp-uwsgi;
    scgi_temp_path {dir}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/root;
        gzip_static on;
        location / {{ }}
    }}
}}
"""


def prepare(work: Path, source: Path) -> Path:
    """The file and its .gz (level 6) in a folder of their own: what the baselines serve."""
    root = work / "static-root"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, root / source.name)
    (root / (source.name + ".gz")).write_bytes(gzip.compress(source.read_bytes(), 6, mtime=0))
    return root / source.name


def flask_server(page: Path, static_file: Path, bare_wsgi: bool = False) -> Server:
    port = free_port()
    return Server([python(), "-m", "bench.baseline_app", str(port), str(page), f"{static_file}.gz",
                   *(["--bare-wsgi"] if bare_wsgi else [])], port, "/")


def nginx_server(static_file: Path) -> tuple[Server | None, str]:
    """nginx in the foreground as an unprivileged user, or (None, why not)."""
    if not NGINX.exists():
        return None, f"not measured: nginx not installed ({NGINX} is missing: apt-get install nginx)"
    home = Path(tempfile.mkdtemp(prefix="relais-nginx-"))
    shutil.copytree(static_file.parent, home / "root")
    port = free_port()
    (home / "nginx.conf").write_text(NGINX_CONF.format(dir=home, port=port))
    cmd = [str(NGINX), "-e", str(home / "error.log"), "-p", str(home), "-c", str(home / "nginx.conf")]
    if os.geteuid() == 0:              # never serve as root: the nobody user, its files readable
        for path in [home, *home.rglob("*")]:
            os.chown(path, 65534, 65534)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    try:
        return Server(cmd, port, "/" + static_file.name), ""
    except (RuntimeError, OSError) as error:
        return None, f"not measured: nginx did not start ({error})"


def body_size(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        return f"{kib(len(response.read()))} {response.headers.get('Content-Encoding') or 'not compressed'}"


def baselines(static_file: Path, page: Path, runs: int, seconds: float, conns: tuple, headers: dict) -> dict:
    """{name: (runs by connections, or a 'not measured' reason, body size)} for bare Flask, waitress alone
    (a bare WSGI callable) and nginx."""
    results = {}
    for name, bare in (("flask", False), ("wsgi", True)):
        server = flask_server(page, static_file, bare_wsgi=bare)
        try:
            results[name] = (_runs(server.base + "/static", runs, seconds, conns, headers),
                             body_size(server.base + "/static"))
        finally:
            server.stop()
    nginx, why = nginx_server(static_file)
    if nginx is None:
        results["nginx"] = (why, "")
        return results
    try:
        url = f"{nginx.base}/{static_file.name}"
        results["nginx"] = (_runs(url, runs, seconds, conns, headers), body_size(url))
    finally:
        nginx.stop()
        shutil.rmtree(Path(nginx.proc.args[-1]).parent, ignore_errors=True)
    return results


def _runs(url: str, runs: int, seconds: float, conns: tuple, headers: dict) -> dict:
    load(url, 8, 1, headers)                                               # warm-up
    return {c: [load(url, c, seconds, headers) for _ in range(runs)] for c in conns}


STYLESHEET = ROOT / "kiosk" / "static" / "style.css"
