"""Learners' cards from the hub: the network's cards changed since this kiosk's cursor (docs §13).

One `step()` fetches pages until the hub says there is no more, the budget or window stops it, or a
page fails. Each page is handed to `apply_page` (given by the kiosk: it knows its own tables), which
applies it in one transaction; the cursor moves in that same transaction, so a cut or a crash between
two pages only means the next page is asked for again. A hub without roaming answers 404: roaming is
then off, quietly, and asked again a day later.
"""
from __future__ import annotations

import time

import peewee as pw

from .db import SyncModel, database
from .meter import Meter
from .updates.fetch import Fetcher, FetchError

ASK_AGAIN = 24 * 3600            # seconds before asking again a hub that had no roaming
MAX_PAGES = 50                   # pages in one step, so a long catch-up leaves room for the rest of a turn
ON, UNSUPPORTED, WAITING = "on", "unsupported", "waiting"


class RoamingState(SyncModel):
    """Where this kiosk is in the hub's card changes (one row; kiosk migration 7)."""

    cursor = pw.TextField(default="0")
    status = pw.TextField(null=True)          # on, unsupported (the hub answered 404), or null: not asked yet
    checked_at = pw.FloatField(null=True)
    cards_received = pw.IntegerField(default=0)
    bytes_down = pw.IntegerField(default=0)
    announced = pw.BooleanField(default=False)   # the PIN of every card made here was told to the hub


def current() -> RoamingState:
    RoamingState.insert(id=1).on_conflict_ignore().execute()
    return RoamingState.get_by_id(1)


def advance(cursor: str, cards: int, wire: int, now: float) -> None:
    """Move the cursor; call inside the transaction that applied the page."""
    current()
    RoamingState.update(cursor=cursor, status=ON, checked_at=now, cards_received=RoamingState.cards_received + cards,
                        bytes_down=RoamingState.bytes_down + wire).where(RoamingState.id == 1).execute()


def mark_announced() -> None:
    current()
    RoamingState.update(announced=True).where(RoamingState.id == 1).execute()


class Roaming:
    """Fetches and applies the network's cards; `apply_page(cards, cursor, wire)` is the kiosk's."""

    def __init__(self, apply_page, announce=None, clock=time.time):
        # announce(): once, the kiosk tells the hub the PIN of the cards made before roaming existed
        self.apply_page, self.announce, self.clock = apply_page, announce, clock

    def prepare(self) -> None:
        """Before a turn's upload: once, let the kiosk announce what the hub needs to send its cards on."""
        with database.connection_context():
            if self.announce is not None and not current().announced:
                with database.atomic():
                    self.announce()
                    mark_announced()

    def step(self, fetcher: Fetcher, meter: Meter | None = None) -> str:
        """Catch up with the hub: "on" (done), "unsupported" (no roaming there) or "waiting" (budget)."""
        meter = meter or Meter()
        with database.connection_context():
            state = current()
        if state.status == UNSUPPORTED and (state.checked_at or 0) > self.clock() - ASK_AGAIN:
            return UNSUPPORTED
        cursor = state.cursor
        for _ in range(MAX_PAGES):
            with database.connection_context():
                if meter.download_allowance() == 0:
                    return WAITING
            try:
                page, wire = fetcher.cards(cursor)
            except FetchError as error:         # a cut or refused page still cost its bytes
                with database.connection_context():
                    meter.record(down=error.wire)
                raise
            with database.connection_context():
                meter.record(down=wire)
                if page is None:
                    RoamingState.update(status=UNSUPPORTED, checked_at=self.clock()).where(
                        RoamingState.id == 1).execute()
                    return UNSUPPORTED
                self.apply_page(page["cards"], page["cursor"], wire)
            cursor = page["cursor"]
            if not page.get("more"):
                return ON
        return ON
