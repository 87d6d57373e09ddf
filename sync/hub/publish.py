"""Publishing a signed content pack on the hub, and choosing which pack each kiosk is offered.

The hub checks a pack the way a kiosk does (kiosk/packs: zip checks, a signature by a key the hub
trusts, the manifest, every file's size and SHA-256), then stores each file once, named by its SHA-256,
in the blob folder. Text files are also kept gzip'd when that saves at least a tenth: kiosks fetch
the smaller form. A file that is already there (the same bytes in an earlier version) costs nothing.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

from sync.base import credentials
from sync.packs.build import STORED
from sync.packs.errors import PackError, _l
from sync.packs.manifest import SHA256, FileEntry, Manifest
from sync.packs.signing import verify
from sync.packs.zipcheck import CONTENT, LIMITS, MANIFEST, SIGNATURE, inspect, match, read_small

from .models import Kiosk, KioskContent, Publication
from .scopes import Scope, ScopeRefused, known_centres

CHUNK = 256 * 1024
UNTRUSTED_BY_HUB = _l("this pack was signed with key %(key)s, which this hub does not trust. If you trust its "
                      "publisher, run 'python run.py hub trust KEYFILE' on the hub with their public key.")
WORTH_COMPRESSING = 0.9        # keep the gzip'd form only when it is at most 90 % of the file


def blob_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "blobs"


def blob_path(data_dir: Path, sha256: str, gzipped: bool = False) -> Path | None:
    """Where a blob lives (two-level folders, as git does), or None for a name that is not a SHA-256."""
    if not SHA256.match(sha256 or ""):
        return None
    return blob_dir(data_dir) / sha256[:2] / (sha256 + (".gz" if gzipped else ""))


def publish(pack: Path, data_dir: Path, targets: list[str] | None = None, by: str = "",
            now: float | None = None) -> Publication:
    """Check `pack`, store its files as blobs and offer it to `targets` (None: every kiosk)."""
    try:
        archive = zipfile.ZipFile(pack)
    except (OSError, zipfile.BadZipFile, ValueError) as error:
        raise PackError(_l("%(path)s is not a readable zip file (%(error)s)."), path=Path(pack).name,
                        error=error) from None
    with archive:
        entries = inspect(archive, LIMITS)
        raw = read_small(archive, entries, MANIFEST, LIMITS.max_manifest)
        signature = read_small(archive, entries, SIGNATURE, LIMITS.max_signature)
        key = verify(raw, signature, Path(data_dir), untrusted=UNTRUSTED_BY_HUB)
        manifest = Manifest.parse(raw)
        match(manifest, entries, LIMITS)
        newest = newest_version(manifest.pack_id)
        if manifest.version <= newest:
            raise PackError(_l("version %(version)s of pack %(pack)s cannot be published: version %(newest)s "
                               "already was. Build the pack again (its version is the time it was built)."),
                            version=manifest.version, pack=manifest.pack_id, newest=newest)
        clean = sorted({t.strip() for t in targets if t.strip()}) if targets is not None else None
        if clean == []:
            raise PackError(_l("say which centres or kiosks the pack is for: the names given were empty."))
        created: list[Path] = []
        try:
            blobs = {entry.sha256: _store(archive, entry, Path(data_dir), created) for entry in manifest.files}
        except BaseException:
            for path in created:             # a refused pack leaves nothing behind
                path.unlink(missing_ok=True)
            raise
    return Publication.create(pack_id=manifest.pack_id, version=manifest.version, manifest=raw.decode("utf-8"),
                              signature=signature.decode("utf-8"), key=key, files=len(manifest.files),
                              bytes=manifest.total_size, blobs=json.dumps(blobs, sort_keys=True),
                              targets=json.dumps(clean) if clean else None, published_at=now or time.time(),
                              published_by=by)


def newest_version(pack_id: str) -> int:
    return Publication.select(Publication.version).where(Publication.pack_id == pack_id) \
        .order_by(Publication.version.desc()).scalar() or 0


def _store(archive: zipfile.ZipFile, entry: FileEntry, data_dir: Path, created: list) -> int:
    """Copy one file out of the zip into the blob folder (checking its hash); return its gzip'd size or 0.

    Files it creates are added to `created`, so that a refusal further on can remove them.
    """
    final = blob_path(data_dir, entry.sha256)
    packed = blob_path(data_dir, entry.sha256, gzipped=True)
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        digest = hashlib.sha256()
        try:
            with archive.open(CONTENT + entry.path) as source, open(tmp, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry.sha256:
                raise PackError(_l("%(name)s is not the file the manifest describes (its SHA-256 differs): the "
                                   "pack was changed or damaged. Ask for a new copy."), name=entry.path)
            os.replace(tmp, final)
            created.append(final)
        finally:
            tmp.unlink(missing_ok=True)
    if Path(entry.path).suffix.lower() in STORED or entry.size < 256:
        return 0
    if not packed.exists():
        tmp = packed.with_name(f".{packed.name}.{os.getpid()}.tmp")
        with open(final, "rb") as source, open(tmp, "wb") as raw_out, \
                gzip.GzipFile(fileobj=raw_out, mode="wb", compresslevel=9, mtime=0) as out:
            shutil.copyfileobj(source, out, CHUNK)
        os.replace(tmp, packed)
        created.append(packed)
    size = packed.stat().st_size
    if size > entry.size * WORTH_COMPRESSING:
        packed.unlink()                      # sent as it is: the gzip'd form is not worth its space
        return 0
    return size


def targets_of(publication: Publication) -> list[str] | None:
    return json.loads(publication.targets) if publication.targets else None


def targets_for(scope: Scope, chosen: list[str] | None) -> list[str] | None:
    """What a facilitator of `scope` may publish to: `chosen` (None: every kiosk they hold) within their scope.

    A national facilitator's "every kiosk" stays every kiosk, those enrolled later too; anyone else's is
    their centres as they are now. ScopeRefused names the first target outside the scope."""
    if chosen is None:
        if scope.national:
            return None
        chosen = known_centres(scope)
        if not chosen:
            raise ScopeRefused(_l("You hold no centre yet: there is no kiosk to publish to."))
    if any(credentials.name_problem(target) for target in chosen):        # NUL would be a 500 on PostgreSQL
        raise ScopeRefused(_l("A centre's name cannot hold control characters or be longer than %(n)s characters."),
                           n=credentials.MAX_NAME)
    held = _held_targets(scope, chosen)
    outside = [target for target in chosen if target.strip() and target not in held]
    if outside:
        raise ScopeRefused(_l("You can publish only to your own centres and kiosks, not to %(names)s."),
                           names=", ".join(outside))
    return chosen


def _held_targets(scope: Scope, targets: list[str]) -> set[str]:
    """The targets (centres' names and kiosk ids) that `scope` holds."""
    kiosks = {k.id for k in Kiosk.select(Kiosk.id).where(Kiosk.id.in_(targets) & scope.covers_centre(Kiosk.centre))}
    return kiosks | {t for t in targets if t not in kiosks and scope.holds_centre(t)}


def visible_publications(scope: Scope) -> list[tuple[Publication, list[str] | None]]:
    """The publications `scope` may see, newest first, each with the targets it may see (None: every kiosk):
    those for every kiosk, and those for one of its centres or kiosks, never naming another's."""
    rows = []
    for publication in Publication.select().order_by(Publication.published_at.desc()):
        targets = targets_of(publication)
        if targets is not None and not scope.national:
            targets = sorted(_held_targets(scope, targets))
            if not targets:
                continue
        rows.append((publication, targets))
    return rows


def offer_for(kiosk: Kiosk) -> Publication | None:
    """The newest publication meant for this kiosk: for every kiosk, its centre, or the kiosk itself."""
    for publication in Publication.select().order_by(Publication.published_at.desc(), Publication.id.desc()):
        targets = targets_of(publication)
        if targets is None or kiosk.id in targets or kiosk.centre in targets:
            return publication
    return None


def offer_json(publication: Publication | None) -> dict | None:
    """What a kiosk receives: the signed manifest byte for byte, its signature, and how each file travels:
    `gzip` lists the gzip'd size of each of the manifest's files, in its order (0: sent as it is), so that
    no SHA-256 travels twice (hex digests barely compress: they are most of an offer's bytes)."""
    if publication is None:
        return None
    blobs = json.loads(publication.blobs)
    files = json.loads(publication.manifest)["files"]
    return {"pack_id": publication.pack_id, "version": publication.version, "manifest": publication.manifest,
            "signature": publication.signature, "gzip": [blobs.get(f["sha256"], 0) for f in files],
            "published_at": publication.published_at}


LABEL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}\.v\d{1,15}$")


def remember_installed(kiosk: Kiosk, label: str, now: float) -> None:
    """Note what the kiosk serves (it says so when it asks for an offer), for the Kiosks page."""
    installed = label if LABEL.match(label or "") else None
    KioskContent.insert(kiosk_id=kiosk.id, installed=installed, asked_at=now).on_conflict(
        conflict_target=[KioskContent.kiosk_id],
        update={KioskContent.installed: installed, KioskContent.asked_at: now}).execute()


def hint_for(kiosk: Kiosk) -> dict | None:
    """The short form sent with every acknowledgement, so a kiosk learns of a new version as it syncs."""
    publication = offer_for(kiosk)
    return {"pack_id": publication.pack_id, "version": publication.version} if publication else None
