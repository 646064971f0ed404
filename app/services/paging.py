"""Pages of a long list (issue 13: lists stopped at 200 or 500 rows without saying so).

One home for "rows 51–100 of 1,234": every list page asks :func:`paginate` for one page of its
query and shows the count, so nothing is cut off silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeVar

import sqlalchemy as sa

from app.extensions import db

T = TypeVar("T")

PER_PAGE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where it sits in the whole."""

    items: list[T]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the first row shown (1-based; 0 when there is none)."""
        return 0 if not self.items else (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(raw: str | None) -> int:
    """A page number from a query argument; anything unreadable is page 1."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return 1
    return min(max(1, int(text)), MAX_PAGE)


def count_rows(stmt: sa.Select[Any]) -> int:
    """How many rows ``stmt`` returns, counted by the database."""
    subquery = stmt.order_by(None).subquery()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(subquery)) or 0)


def paginate(stmt: sa.Select[Any], *, number: int = 1, per_page: int = PER_PAGE) -> Page[Any]:
    """One page of ``stmt`` (which must be ordered) with the count of all its rows.

    A page past the end shows the last page, so a list that shrank never looks empty.
    """
    total = count_rows(stmt)
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    rows = db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).unique()
    return Page(items=list(rows), total=total, number=number, per_page=per_page)
