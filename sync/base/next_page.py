"""Where a sign-in form may send the person back to (`?next=`), one rule for the kiosk and the hub."""
from __future__ import annotations

import re

# A path on this site: one slash, then no second slash or backslash (browsers read "/\\host" as
# "//host", another site), and no control character that could cut or bend the Location header.
_LOCAL = re.compile(r"/(?![/\\])[^\x00-\x1f\x7f\\]*")


def local_path(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`."""
    return target if isinstance(target, str) and _LOCAL.fullmatch(target) else default
