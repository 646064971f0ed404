"""Declarative base, naming convention, UTC datetimes and small column helpers."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "Naive datetimes are not stored; pass an aware UTC datetime."
            raise ValueError(msg)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base of every model; constraint names follow one convention so migrations are stable."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime},
    )


def enum_type(enum_cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum as a string with a CHECK constraint, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda members: [m.value for m in members],
    )


class TimestampMixin:
    """Created and updated times, set by the database session."""

    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=now_utc, onupdate=now_utc, nullable=False
    )
