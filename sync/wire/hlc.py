"""A hybrid logical clock: never goes backwards, even when a kiosk without a real-time clock does.

A timestamp is (wall milliseconds, counter). Encoded as a fixed-width string it sorts in time order,
which is what the hub's last-writer-wins rule compares.
"""
from __future__ import annotations

import time
from typing import Callable


def tick(wall: int, counter: int, now_ms: int) -> tuple[int, int]:
    """The next local timestamp after (wall, counter) given the machine's clock reading."""
    if now_ms > wall:
        return now_ms, 0
    return wall, counter + 1


def receive(wall: int, counter: int, remote: tuple[int, int], now_ms: int) -> tuple[int, int]:
    """Merge a timestamp seen from elsewhere, so later local events sort after it."""
    top = max(wall, remote[0], now_ms)
    if top == wall == remote[0]:
        return top, max(counter, remote[1]) + 1
    if top == wall:
        return top, counter + 1
    if top == remote[0]:
        return top, remote[1] + 1
    return top, 0


def encode(wall: int, counter: int) -> str:
    return f"{wall:015d}-{counter:06d}"


def decode(value: str) -> tuple[int, int]:
    wall, counter = value.split("-")
    return int(wall), int(counter)


def now_ms(clock: Callable[[], float] = time.time) -> int:
    return max(0, int(clock() * 1000))
