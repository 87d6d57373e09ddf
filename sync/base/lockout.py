"""Lockout after repeated wrong secrets, one rule for a facilitator's password and a learner's PIN: the try
is claimed in the database before the secret is compared, so the lock holds under parallel tries."""
from __future__ import annotations

import math
from dataclasses import dataclass

import peewee


@dataclass(frozen=True)
class Lockout:
    """`max_tries` wrong tries in a row lock a row for `lock_seconds`.

    `tries` and `locked_until` are the two columns of the row's model that hold the count and the end
    of the lock (a Unix time, 0 when not locked).
    """

    tries: peewee.Field
    locked_until: peewee.Field
    max_tries: int
    lock_seconds: float

    @property
    def _model(self) -> type[peewee.Model]:
        return self.tries.model

    def _row(self, row_id):
        return self._model._meta.primary_key == row_id

    def claim(self, row_id, now: float) -> bool:
        """Count one try in a single conditional UPDATE; False when the row is locked.

        The try that reaches `max_tries` locks the row in the same statement and starts the count again,
        so a lock that has run out needs no other step. One UPDATE on one row is serialised by SQLite's
        write lock and by PostgreSQL's row lock (which re-reads the row before updating it).
        """
        reaches_limit = self.tries + 1 >= self.max_tries
        claimed = (self._model.update({
            self.tries: peewee.Case(None, [(reaches_limit, 0)], self.tries + 1),
            self.locked_until: peewee.Case(None, [(reaches_limit, now + self.lock_seconds)], 0),
        }).where(self._row(row_id) & (self.locked_until <= now)).execute())
        return claimed == 1

    def clear(self, row_id) -> None:
        """The claimed try was right: it does not count, and neither do the wrong ones before it."""
        self._model.update({self.tries: 0, self.locked_until: 0}).where(self._row(row_id)).execute()

    def wait_seconds(self, row_id, now: float) -> int:
        """Seconds until the row opens again, 0 when it is not locked."""
        locked_until = self._model.select(self.locked_until).where(self._row(row_id)).scalar() or 0
        return max(0, math.ceil(round(locked_until - now, 3)))     # (now + 900) - now may be 900.0000001
