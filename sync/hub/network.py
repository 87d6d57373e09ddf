"""Which kiosks share learners' cards: the kiosks of one centre, or of the centres grouped in a network.

A hub administrator groups centres with `relais hub network add NAME --centre C …` (a centre belongs
to one network at most). A centre in no network is a network of its own.
"""
from __future__ import annotations

import time

from .db import database
from .models import Kiosk, Network, NetworkCentre


def centres_with(centre: str | None) -> set[str]:
    """Every centre whose kiosks share cards with a kiosk of `centre` (itself included)."""
    if centre is None:
        return set()
    row = NetworkCentre.get_or_none(NetworkCentre.centre == centre)
    if row is None:
        return {centre}
    return {r.centre for r in NetworkCentre.select(NetworkCentre.centre).where(NetworkCentre.network == row.network_id)}


def kiosks_with(centre: str | None) -> list[str]:
    """The ids of the kiosks of `centre`'s network."""
    centres = centres_with(centre)
    if not centres:
        return []
    return [k.id for k in Kiosk.select(Kiosk.id).where(Kiosk.centre.in_(list(centres)))]


def add(name: str, centres: list[str], now: float | None = None) -> Network:
    """Make (or extend) the network `name` with `centres`, moving each out of any other network."""
    name = name.strip()
    if not name or not centres:
        raise ValueError("a network needs a name and at least one centre")
    with database.atomic():
        network = Network.get_or_none(Network.name == name) or Network.create(name=name, created_at=now or time.time())
        for centre in centres:
            NetworkCentre.delete().where(NetworkCentre.centre == centre).execute()
            NetworkCentre.create(centre=centre, network=network)
    return network


def listing() -> dict[str, list[str]]:
    """Every network with its centres, by name."""
    found: dict[str, list[str]] = {}
    for row in NetworkCentre.select(NetworkCentre, Network).join(Network).order_by(Network.name, NetworkCentre.centre):
        found.setdefault(row.network.name, []).append(row.centre)
    return found


def remove(centre: str) -> None:
    """Take `centre` out of its network (its kiosks then share cards only among themselves)."""
    NetworkCentre.delete().where(NetworkCentre.centre == centre).execute()
