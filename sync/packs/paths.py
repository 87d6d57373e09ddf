"""Which file names a pack may hold: relative, forward slashes, no way out of the content folder."""
from __future__ import annotations

import re
import unicodedata

from .errors import PackError, _l

MAX_PATH = 1024
MAX_PART = 255
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refuse_unsafe(name: str) -> None:
    """Raise PackError unless `name` is a plain relative path that stays inside its folder."""
    if not isinstance(name, str) or not name or len(name) > MAX_PATH:
        raise PackError(_l("the pack holds a file with an empty or overlong name."))
    if "\\" in name:
        raise PackError(_l("the pack holds a name with a backslash (%(name)s); packs use '/' only."), name=name)
    if name.startswith("/") or _DRIVE.match(name):
        raise PackError(_l("the pack holds an absolute path (%(name)s)."), name=name)
    if _CONTROL.search(name):
        raise PackError(_l("the pack holds a name with control characters (%(name)r)."), name=name)
    parts = name.split("/")
    if ".." in parts:
        raise PackError(_l("the pack holds a path that leaves its folder (%(name)s)."), name=name)
    if any(part in ("", ".") or len(part) > MAX_PART for part in parts):
        raise PackError(_l("the pack holds a malformed path (%(name)s)."), name=name)


def same_name_key(name: str) -> str:
    """Names that one file system keeps apart and another merges ('Cours' and 'cours', é and e+´)."""
    return unicodedata.normalize("NFC", name).casefold()


def refuse_duplicates(names) -> None:
    """Raise PackError when two names would land on the same file, or a file is also a folder."""
    seen: dict[str, str] = {}
    for name in names:
        key = same_name_key(name)
        if key in seen:
            raise PackError(_l("the pack holds the same file twice (%(name)s)."), name=name)
        seen[key] = name
    folders = {"/".join(key.split("/")[:i]) for key in seen for i in range(1, key.count("/") + 1)}
    clash = folders & seen.keys()
    if clash:
        raise PackError(_l("the pack holds %(name)s both as a file and as a folder."), name=seen[min(clash)])
