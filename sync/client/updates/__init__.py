"""Content updates from the hub: learn of a new version, fetch only the files that changed, switch at once.

One `step()` is one turn of the background sync: check the hub's offer when it is due (or when an
upload's acknowledgement said a new version exists), fetch files for a while within the budget, and
install the version once every file is there, through the same checks and atomic switch as a pack
imported from a USB stick (the kiosk gives its own install step). docs/content-updates.md tells the whole story.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from sync.packs import registry, switch
from sync.packs.errors import PackError, _l
from sync.packs.manifest import Manifest
from sync.packs.registry import import_lock
from sync.packs.signing import verify
from sync.packs.switch import refuse_full_disk

from .assemble import LocalChanged, checked_copy, fill, local_files
from .fetch import Fetcher, FetchError
from .store import Offer, Store

# Problems that stop fetching until the hub offers another version or a facilitator presses "Try again".
STOPPING = {"refused", "damaged", "install_failed"}
SLICE_SECONDS = 20.0          # then the sync turn ends, so waiting progress uploads go first
SPEED_WEIGHT = 0.3            # of the newest measure in the moving average


class ContentUpdates:
    def __init__(self, data_dir: Path, content: Path, install, check_every: float = 3600, clock=time.time):
        """`install(fill, manifest, raw, signature, key)` is the kiosk's: it checks the content,
        switches to it and records it (kiosk/packs/install.py)."""
        self.data_dir, self.content, self.install_folder = Path(data_dir), Path(os.path.abspath(content)), install
        self.check_every, self.clock = check_every, clock
        self.store = Store(self.data_dir)
        self.lock = threading.Lock()
        self.stop_now = threading.Event()         # set by Pause: a download in progress ends at once
        self.hinted = False
        self._local: dict | None = None

    # What the kiosk has, and what the hub says.
    def have(self) -> str | None:
        """The newest version this kiosk knows of (being fetched, refused, or served), as 'pack.vN'."""
        offer = self.store.offer()
        if offer is not None:
            return offer.label
        return self.store.state()["have_version"] or registry.current_label(self.data_dir)

    def hint(self, content: dict | None) -> None:
        """An upload's acknowledgement named the version meant for this kiosk."""
        if isinstance(content, dict) and registry.label(content.get("pack_id"), content.get("version")) != self.have():
            self.hinted = True

    def due(self) -> bool:
        last = self.store.state()["last_check"]
        return self.hinted or last is None or self.clock() - last >= self.check_every

    def check(self, fetcher: Fetcher, meter) -> Offer | None:
        """Ask the hub; keep a newer version signed by a trusted key, or say why it was refused."""
        try:
            answer, wire = fetcher.offer(self.have(), registry.current_label(self.data_dir))
        except FetchError as error:
            meter.record(down=error.wire)
            raise
        meter.record(down=wire)
        self.hinted = False
        self.store.update_state(last_check=self.clock())
        if answer is None:
            return None
        label = registry.label(answer.get("pack_id"), answer.get("version"))
        raw, signature = answer["manifest"].encode("utf-8"), answer["signature"].encode("utf-8")
        try:
            key = verify(raw, signature, self.data_dir)
            manifest = Manifest.parse(raw)
        except PackError as refused:
            self.store.update_state(have_version=label, error=_problem("refused", refused), error_at=self.clock())
            return None
        if manifest.version <= registry.highest(self.data_dir, manifest.pack_id):
            self.store.update_state(have_version=registry.label(manifest.pack_id, manifest.version))
            return None                            # already installed (from a USB stick, say)
        sizes = answer["gzip"] + [0] * (len(manifest.files) - len(answer["gzip"]))
        blobs = {entry.sha256: int(size) if isinstance(size, int) and size > 0 else 0
                 for entry, size in zip(manifest.files, sizes)}
        offer = Offer(manifest, raw, signature, key, blobs, answer.get("published_at"))
        self.store.save_offer(offer)
        self.store.update_state(have_version=None)
        return offer

    # What is left to fetch.
    def local(self) -> dict:
        if self._local is None:
            self._local = local_files(self.content, self.data_dir)
        return self._local

    def missing(self, offer: Offer) -> list[str]:
        """SHA-256s of the offer's files that are neither fetched nor already on the kiosk, in manifest order."""
        local, seen, out = self.local(), set(), []
        for entry in offer.manifest.files:
            if entry.sha256 not in seen and entry.sha256 not in local and not self.store.has(entry.sha256):
                out.append(entry.sha256)
            seen.add(entry.sha256)
        return out

    def bytes_to_fetch(self, offer: Offer) -> int:
        return sum(offer.wire_size(sha) - self.store.part_size(sha, bool(offer.blobs.get(sha)))
                   for sha in self.missing(offer))

    # Fetching.
    def fetch(self, fetcher: Fetcher, meter, enforce: bool = True, seconds: float = SLICE_SECONDS) -> bool:
        """Fetch missing files until done (True), or the budget, the window, a pause or `seconds` stops it."""
        offer, deadline = self.store.offer(), time.monotonic() + seconds
        self.stop_now.clear()
        self.store.blobs.mkdir(parents=True, exist_ok=True)

        def keep_going() -> bool:
            return not self.stop_now.is_set() and time.monotonic() < deadline

        for sha in self.missing(offer):
            gzipped = bool(offer.blobs.get(sha))
            name, part = sha + (".gz" if gzipped else ""), self.store.part(sha, gzipped)
            if offer.wire_size(sha) == 0:               # an empty file: nothing to ask the hub for
                part.write_bytes(b"")
                self._accept(offer, sha, gzipped)
            while not self.store.has(sha):
                allowance = meter.download_allowance() if enforce else None
                if allowance == 0 or not keep_going():
                    return False
                try:
                    piece = fetcher.piece(name, str(part), offer.wire_size(sha), allowance, keep_going)
                except FetchError as error:
                    meter.record(down=error.wire)
                    if error.code == "changed":
                        part.unlink(missing_ok=True)
                    raise
                meter.record(down=piece.wire)
                self._measured(piece)
                if piece.complete:
                    self._accept(offer, sha, gzipped)
        return not self.missing(offer)

    def _measured(self, piece) -> None:
        state = self.store.state()
        speed = state["speed"]
        if piece.body >= 16 * 1024 or piece.seconds >= 1:
            now = piece.wire / max(piece.seconds, 1e-3)
            speed = now if speed is None else SPEED_WEIGHT * now + (1 - SPEED_WEIGHT) * speed
        self.store.update_state(fetched=state["fetched"] + piece.body, speed=speed)

    def _accept(self, offer: Offer, sha: str, gzipped: bool) -> None:
        """Check a whole .part file; a bad one is fetched once more, then reported as damaged on the hub."""
        part, checked = self.store.part(sha, gzipped), self.store.blobs / f"{sha}.check"
        checked.unlink(missing_ok=True)
        if checked_copy(part, checked, sha, offer.size(sha), gzipped):
            self.store.accept(sha, checked)
            part.unlink(missing_ok=True)
            return
        part.unlink(missing_ok=True)
        suspect = self.store.state()["suspect"]
        if sha not in suspect:                  # a power cut may have left a bad tail: one more try
            self.store.update_state(suspect=suspect + [sha])
            return
        path = next(f.path for f in offer.manifest.files if f.sha256 == sha)
        error = PackError(_l("%(name)s, as the hub sent it, is not the file the signed pack describes (its "
                             "SHA-256 differs), twice: the copy on the hub is damaged or was changed. The "
                             "courses stay as they were; tell the hub's administrator."), name=path)
        self.store.update_state(error=_problem("damaged", error), error_at=self.clock())
        raise FetchError("damaged", str(error))

    # Installing.
    def install(self):
        """Switch to the fetched version (every file checked again as it is copied); None if nothing to do."""
        with import_lock(self.data_dir):
            offer = self.store.offer()
            if offer is None:
                return None
            manifest = offer.manifest
            if manifest.version <= registry.highest(self.data_dir, manifest.pack_id):
                self.store.finish()
                return None
            if switch.served(self.content) == switch.version_dir(self.content, manifest).resolve():
                # Switched, then stopped before it was recorded (a power cut): record it now.
                registry.record(self.data_dir, manifest, offer.raw, offer.signature, offer.key,
                                switch.served(self.content))
                self.store.finish()
                return None
            refuse_full_disk(self.content.parent, manifest.total_size)
            local = self.local()
            result = self.install_folder(
                lambda staging: fill(staging, manifest, lambda s: self.store.blob(s) if self.store.has(s) else None,
                                     local), manifest, offer.raw, offer.signature, offer.key)
            self.store.finish()
            self._local = None
        return result

    def step(self, fetcher: Fetcher, meter, enforce: bool = True, seconds: float = SLICE_SECONDS) -> str:
        """One turn: 'idle', 'paused', 'stopped' (a problem a person must see), 'waiting' (budget or
        window), 'more' (call again soon) or 'installed'. FetchError when the link failed."""
        with self.lock:
            if self.due():
                self.check(fetcher, meter)
            offer, state = self.store.offer(), self.store.state()
            if state["error"] and state["error"]["code"] in STOPPING:
                return "stopped"
            if offer is None:
                return "idle"
            if state["paused"]:
                return "paused"
            if not self.fetch(fetcher, meter, enforce, seconds):
                return "waiting" if enforce and meter.download_allowance() == 0 else "more"
            try:
                self.install()
            except LocalChanged as changed:         # a served file was edited: fetch it instead
                self._local = {k: v for k, v in self.local().items() if k != changed.sha256}
                return "more"
            except PackError as refused:
                self.store.update_state(error=_problem("install_failed", refused), error_at=self.clock())
                return "stopped"
            self.store.update_state(have_version=None)
            return "installed"

    # The facilitator's buttons.
    def pause(self) -> None:
        self.store.update_state(paused=True)
        self.stop_now.set()

    def resume(self) -> None:
        self.store.update_state(paused=False)

    def retry(self) -> None:
        """After a refusal or a damaged file: forget the problem and ask the hub again."""
        self.store.update_state(error=None, error_at=None, suspect=[], have_version=None)
        self.hinted = True

    def status(self, meter) -> dict:
        """Everything the facilitator page shows."""
        offer, state = self.store.offer(), self.store.state()
        info = {"current": registry.current(self.data_dir), "offer": None, "state": state,
                "used_today": meter.used_today(), "used_month": meter.used_this_month(), "budget": meter.budget,
                "window": meter.window, "in_window": meter.in_window()}
        if offer is not None:
            left = self.bytes_to_fetch(offer)
            total = left + state["fetched"]
            speed = state["speed"]
            info["offer"] = {"pack_id": offer.manifest.pack_id, "version": offer.manifest.version,
                             "files": len(offer.manifest.files), "size": offer.manifest.total_size,
                             "to_fetch": left, "fetched": state["fetched"],
                             "percent": 100 if total == 0 else int(100 * state["fetched"] / total),
                             "eta": left / speed if speed and left else None, "speed": speed,
                             "days": -(-left // meter.budget) if meter.budget else None}
        return info


def _problem(code: str, error: PackError) -> dict:
    """A problem as stored for the facilitator page: its code and the message, translatable there."""
    return {"code": code, "message": error.message, "params": {k: str(v) for k, v in error.params.items()}}
