"""How a long job (import, export, data health) reports progress and learns that the person stopped it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ketdir.problems import Cancelled


def _nothing(_what: str, _done: int, _total: int) -> None:
    return None


def _never() -> bool:
    return False


@dataclass
class Progress:
    """`report(what, done, total)` is called as work goes on (total 0: unknown); `cancelled()` is asked
    between steps. The window passes its worker's signals; the command line prints or passes nothing."""

    report: Callable[[str, int, int], None] = field(default=_nothing)
    cancelled: Callable[[], bool] = field(default=_never)

    def step(self, what: str, done: int = 0, total: int = 0) -> None:
        """Report a step; raise Cancelled if the person has asked to stop (so nothing is committed)."""
        self.check()
        self.report(what, done, total)

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled("Stopped. Nothing was changed.")
