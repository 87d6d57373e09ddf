"""The kiosk's rows for the Coop: its learner-sessions and its lessons' tags, through the shared row rules
(sync/base/activity/rows.py, which the hub's export uses too)."""
from __future__ import annotations

from sync.base.activity import rows as shared
from sync.base.activity.rows import CODES, LABELS  # noqa: F401  (the export page and its tests name them here)

from .sessions import LearnerSession, lesson_tags


def build(sessions: list[LearnerSession], place: str, device: str, values: str = LABELS
          ) -> tuple[list[str], list[list]]:
    """The header and the rows of these sessions, topics read from this kiosk's lessons' tags."""
    return shared.build(sessions, lesson_tags(), place, device, values)
