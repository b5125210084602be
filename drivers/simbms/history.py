"""Seed 10.7: the alarm history the BMS keeps, 50 records first-in first-out, newest first.

``current`` is an immutable AlarmHistory replaced on every change, so snapshots taken
while nothing was recorded share one object and a consumer can compare by identity.
"""
from __future__ import annotations

from hmi.model import HISTORY_CAPACITY, AlarmHistory, AlarmRecord


class History:
    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current = AlarmHistory()

    def add(self, record: AlarmRecord) -> None:
        old = self.current
        self.current = AlarmHistory(old.total + 1,
                                    (record,) + old.records[:HISTORY_CAPACITY - 1])

    def clear(self) -> AlarmHistory:
        # The total counts records ever stored, so clearing the list does not reset it.
        self.current = AlarmHistory(self.current.total, ())
        return self.current
