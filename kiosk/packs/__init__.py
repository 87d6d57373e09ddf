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
from .install import NOT_A_PACK, ImportResult, import_pack, reindex

__all__ = [
           "LIMITS",
           "NOT_A_PACK",
           "SILENT",
           "ImportResult",
           "Limits",
           "PackError",
           "ProgressReport",
           "build_pack",
           "current_pack",
           "import_pack",
           "keygen",
           "reindex",
           "trust",
           "trusted_keys",
]
