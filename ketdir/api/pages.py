"""One page of a list, with the Open Referral UK page fields worked out once so they always agree."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageRequest:
    page: int = 1  # counted from 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def slice(self, items: list) -> list:
        return items[self.offset:self.offset + self.per_page]


def page_of(contents: list[Any], total: int, request: PageRequest) -> dict[str, Any]:
    """The page object: `size` is how many items this page holds; a page past the end is empty, and is the
    last page; a list with nothing in it has no pages (its page 1 is both first and last)."""
    total_pages = -(-total // request.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": request.page,
        "size": len(contents),
        "first_page": request.page == 1,
        "last_page": request.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
