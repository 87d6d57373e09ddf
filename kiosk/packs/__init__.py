"""Signed content packs: build, verify and import course folders without internet.

See docs/content-packs.md. The layers, lowest first: paths and manifest (what a pack holds), signing
(who made it), zipcheck (checks before extracting), extract, contentcheck, switch (the atomic swap),
registry (what is installed), then build and install which put them together.
"""
from sync.packs.errors import PackError
from sync.packs.registry import current as current_pack
from sync.packs.reporting import SILENT, ProgressReport
from sync.packs.signing import keygen, trust, trusted_keys
from sync.packs.zipcheck import LIMITS, Limits

from .build import build_pack
from .install import ImportResult, import_pack, reindex

__all__ = ["build_pack", "PackError", "ImportResult", "import_pack", "reindex", "SILENT", "ProgressReport",
           "current_pack", "keygen", "trust", "trusted_keys", "LIMITS", "Limits"]
