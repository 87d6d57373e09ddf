"""How long steps report their progress; the command line shows a bar, the web page and tests nothing."""
from __future__ import annotations


class ProgressReport:
    """Says nothing. Subclass it to show progress (see kiosk.ops_cli.BarProgress)."""

    def step(self, label: str, total: int) -> None:
        """A new step begins, `total` units long (bytes)."""

    def advance(self, amount: int) -> None:
        """`amount` more units of the current step are done."""

    def done(self) -> None:
        """The current step is over."""


SILENT = ProgressReport()
