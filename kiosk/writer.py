"""Group commit: learners' writes that arrive together share one transaction and one fsync.

On an SD card each commit's fsync takes many milliseconds, and with one commit per answer the
learners of a class queue behind each other's fsyncs. Here a write (a function) waits in a queue;
the first waiting thread with no commit under way becomes the leader, takes every write queued so
far, runs each in a savepoint of one transaction on its own connection, commits once, and hands each
caller its own result or its own exception. A caller returns only once the commit holding its write
is on disk: a process that dies before that acknowledges nothing, and loses nothing acknowledged.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import peewee

from .db import database


class _Write:
    """One queued write and, once its batch is over, what it gave: a result or an exception."""

    __slots__ = ("error", "finished", "function", "result")

    def __init__(self, function: Callable[[], Any]):
        self.function, self.finished, self.result, self.error = function, False, None, None

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    """Runs writes in shared transactions; see the module's docstring."""

    def __init__(self, db: peewee.Database | peewee.DatabaseProxy):
        self.db = db
        self.commits = 0               # transactions committed: how many answers share one shows here
        self._turn = threading.Condition()
        self._queue: list[_Write] = []
        self._leading = False

    def run(self, function: Callable[[], Any]) -> Any:
        """Run `function` in the next group commit and return what it returned, once committed.

        Inside a transaction the caller already holds, it runs at once in a savepoint of that
        transaction instead: the caller's commit is then the one that keeps it.
        """
        if self.db.in_transaction():
            with self.db.atomic():
                return function()
        write = _Write(function)
        with self._turn:
            self._queue.append(write)
            while self._leading and not write.finished:
                self._turn.wait()
            if write.finished:
                return write.outcome()
            self._leading = True
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            with self._turn:
                for queued in batch:
                    queued.finished = True
                self._leading = False
                self._turn.notify_all()
        return write.outcome()

    def waiting(self) -> int:
        """How many writes wait for the next commit."""
        with self._turn:
            return len(self._queue)

    def _commit(self, batch: list[_Write]) -> None:
        """Run the batch in one transaction on this thread's connection; a failed COMMIT fails them all."""
        opened = self.db.connect(reuse_if_open=True)
        try:
            with self.db.atomic():
                for number, write in enumerate(batch):
                    self._one(write, f"write_{number}")
            self.commits += 1
        except BaseException as error:  # noqa: BLE001 (BEGIN or COMMIT failed, or the transaction was lost)
            for write in batch:
                write.error = write.error or error
                write.result = None
        finally:
            if opened:
                self.db.close()

    def _one(self, write: _Write, savepoint: str) -> None:
        """Run one write in its own savepoint, so that its failure undoes its changes alone."""
        self.db.execute_sql(f'SAVEPOINT "{savepoint}"')
        try:
            write.result = write.function()
        except Exception as error:
            write.error = error
            if not self._in_transaction():
                # SQLite rolled the whole transaction back (a full disk, an I/O error): the batch is lost.
                raise
            self.db.execute_sql(f'ROLLBACK TO "{savepoint}"')
        self.db.execute_sql(f'RELEASE "{savepoint}"')

    def _in_transaction(self) -> bool:
        return bool(getattr(self.db.connection(), "in_transaction", False))


shared = GroupCommit(database)


def grouped(function: Callable) -> Callable:
    """Make `function` a write of the shared group commit: each call returns once it is committed."""
    @functools.wraps(function)
    def committed(*args, **kwargs):
        return shared.run(functools.partial(function, *args, **kwargs))
    return committed
