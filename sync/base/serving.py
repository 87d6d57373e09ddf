"""How the kiosk and the hub run waitress so that slow or half-open connections cannot stall them.

A phone on the kiosk's Wi-Fi can open hundreds of connections and never finish a request. waitress
takes 100 connections by default and, past that, accepts no one until some close: every learner
waits. Both servers therefore take many more at once (SERVER_CONNECTION_LIMIT; a silent or
dripping connection costs about 3 KB), close the silent ones after SERVER_CHANNEL_TIMEOUT seconds,
watch their sockets with poll() (select() fails above 1,024 open files) and raise the process's
open-file limit to fit. Measured figures and the reasoning: docs/serving.md.
"""
from __future__ import annotations

import ctypes
import gc
import os
import resource
from typing import Callable

from waitress import serve as waitress_serve

# Files a server holds besides its connections: the database and its journal, served media, logs.
SPARE_FILES = 256
# A connection is a socket, plus a temporary file each for a big request body and a big answer.
FILES_PER_CONNECTION = 3
# Never fewer connections than waitress takes by default, however few files are allowed.
FEWEST_CONNECTIONS = 100
# Headers bigger than this are refused (431); a browser's are a few KB. With many connections held
# open, waitress's 256 KB default would let each one pin a quarter of a megabyte before refusing.
MAX_HEADER_BYTES = 32 * 1024
# A request body beyond this goes to a temporary file rather than memory (waitress: 512 KB).
BODY_IN_MEMORY_BYTES = 64 * 1024
# glibc gives each thread that allocates a heap ("arena") of its own, up to 8 per core, and what a thread frees
# stays in its arena for the next allocation there. The worker threads hold the GIL for nearly everything they
# allocate, so more arenas buy no speed: on a 1,000-lesson kiosk, 10,000 requests left RSS at 53.5 MB with
# glibc's default and 50.0 MB with 2 arenas, pages and quiz answers as fast.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8       # mallopt's parameter number in glibc's malloc.h


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files towards `wanted` (up to the hard limit); the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return wanted if soft == resource.RLIM_INFINITY else soft
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def limit_malloc_arenas(count: int = MALLOC_ARENAS) -> bool:
    """At most `count` glibc malloc arenas for this process; True if set. Call it before any thread starts:
    glibc fixes its limit when a ninth arena is wanted. MALLOC_ARENA_MAX in the environment wins; not glibc:
    nothing to do."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, count))
    except (OSError, AttributeError):
        return False


def waitress_options(connection_limit: int, channel_timeout: int, open_files: int) -> dict:
    """waitress's keyword arguments for these limits, the connection limit fitted under `open_files`."""
    timeout = max(1, int(channel_timeout))
    fitting = max(FEWEST_CONNECTIONS, (open_files - SPARE_FILES) // FILES_PER_CONNECTION)
    return {
        "connection_limit": max(1, min(int(connection_limit), fitting)),
        "channel_timeout": timeout,
        # Look for silent connections six times per timeout: one lives at most 7/6 of it.
        "cleanup_interval": max(1, timeout // 6),
        "asyncore_use_poll": True,
        "max_request_header_size": MAX_HEADER_BYTES,
        "inbuf_overflow": BODY_IN_MEMORY_BYTES,
        "clear_untrusted_proxy_headers": True,
    }


def serve(app, *, host: str, port: int, threads: int, ident: str, connection_limit: int,
          channel_timeout: int, echo: Callable[[str], None] = print) -> None:
    """Serve `app` with waitress until stopped, with the limits above (the kiosk's and the hub's way)."""
    open_files = raise_open_file_limit(int(connection_limit) * FILES_PER_CONNECTION + SPARE_FILES)
    options = waitress_options(connection_limit, channel_timeout, open_files)
    if options["connection_limit"] < int(connection_limit):
        echo(f"Only {open_files} open files allowed: accepting {options['connection_limit']} connections "
             f"at once, not {connection_limit} (raise LimitNOFILE or `ulimit -n`).")
    # What start-up built (the catalogue, templates, imported modules) lives as long as the process: frozen
    # out of the collector's reach, a full collection no longer walks it (measured on a 1,000-lesson
    # kiosk under load: 46 ms, a request's whole p99, down to 3 ms).
    gc.collect()
    gc.freeze()
    waitress_serve(app, host=host, port=port, threads=threads, ident=ident, **options)
