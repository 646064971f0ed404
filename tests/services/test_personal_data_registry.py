"""The personal-data registry covers the whole schema (issue 14).

These tests fail when someone adds a table or a column and does not say, in
``app/services/personal_data.py``, what export, erasure and retention do with it. How to register:
/work/notes/pd-contract.md and the module docstring.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import app.models  # noqa: F401  (every model registered on the metadata)
from app.models.base import Base
from app.services.personal_data import BY_TABLE
from app.services.personal_data import NOT_PERSONAL
from app.services.personal_data import PEOPLE_TABLES
from app.services.personal_data import REGISTRY
from app.services.personal_data import Erase
from app.services.personal_data import Kind

TABLES = Base.metadata.tables


def test_every_table_is_registered_or_said_to_hold_nothing_personal() -> None:
    """A new table must be registered, or listed as not personal with a reason."""
    registered = set(BY_TABLE)
    unknown = sorted(set(TABLES) - registered - set(NOT_PERSONAL))
    assert unknown == [], (
        f"Tables not in the personal-data registry: {unknown}. Register them in "
        "app/services/personal_data.py (REGISTRY, or NOT_PERSONAL with the reason)."
    )
    assert registered.isdisjoint(NOT_PERSONAL), "a table cannot be both personal and not"
    assert set(NOT_PERSONAL) <= set(TABLES), "NOT_PERSONAL names a table that no longer exists"
    assert len(registered) == len(REGISTRY), "a table is registered twice"


def test_every_column_of_a_registered_table_is_classified() -> None:
    """A new column on a registered table must say what erasure does to it (KEEP is a choice)."""
    problems = []
    for rule in REGISTRY:
        columns = set(TABLES[rule.table].c.keys())
        missing = sorted(columns - set(rule.columns))
        stale = sorted(set(rule.columns) - columns)
        if missing:
            problems.append(f"{rule.table}: unclassified {missing}")
        if stale:
            problems.append(f"{rule.table}: classified but gone {stale}")
    assert problems == []


def test_every_foreign_key_to_a_person_is_a_link_of_that_kind() -> None:
    """A column pointing at a resident or volunteer is how export and erasure find the rows."""
    kind_of = {table: kind for kind, table in PEOPLE_TABLES.items()}
    missing = []
    for table in TABLES.values():
        for fk in table.foreign_keys:
            kind = kind_of.get(fk.column.table.name)
            if kind is None:
                continue
            rule = BY_TABLE.get(table.name)
            columns = {link.column for link in rule.links.get(kind, ())} if rule else set()
            if fk.parent.name not in columns:
                missing.append(f"{table.name}.{fk.parent.name} -> {kind}")
    assert missing == [], f"Foreign keys to people with no registry link: {missing}"


def test_links_name_real_columns_and_registered_parents() -> None:
    """Each link points at an existing column; a 'via' parent is registered for the same kind."""
    for rule in REGISTRY:
        columns = TABLES[rule.table].c
        every = [*rule.links.items(), *rule.mentions.items()]
        for kind, links in every:
            for link in links:
                ways = [link.audit, link.phone is not None, link.column is not None]
                assert sum(ways) == 1 or (link.via and link.column), (rule.table, link)
                for name in (link.column, link.phone):
                    assert name is None or name in columns, (rule.table, name)
                if link.via:
                    assert kind in BY_TABLE[link.via].links, (rule.table, link.via)
                    assert link.pick in TABLES[link.via].c, (rule.table, link.pick)
                if link.type_is:
                    assert link.type_is[0] in columns, (rule.table, link.type_is)


def test_audit_entities_are_the_names_audit_rows_use() -> None:
    """Audit rows name the model class; the registry must use the same name for the table."""
    classes = {m.class_.__tablename__: m.class_.__name__ for m in Base.registry.mappers}
    for rule in REGISTRY:
        if rule.audit_entity is not None:
            assert classes[rule.table] == rule.audit_entity, rule.table
    assert {BY_TABLE[t].audit_entity for t in PEOPLE_TABLES.values()} == {"Resident", "Volunteer"}


def test_treatments_fit_their_columns() -> None:
    """Erasure can apply each treatment: coarsen floats, age-band dates, rename strings."""
    for rule in REGISTRY:
        for name, col in rule.columns.items():
            column = TABLES[rule.table].c[name]
            if col.erase == Erase.COARSEN:
                assert column.type.python_type is float, (rule.table, name)
            elif col.erase == Erase.AGE_BAND:
                assert column.type.python_type is dt.date, (rule.table, name)
            elif col.erase in (Erase.NAME, Erase.PLACEHOLDER):
                assert column.type.python_type is str, (rule.table, name)
            elif col.erase == Erase.REDACT_VALUES:
                assert isinstance(column.type, sa.JSON), (rule.table, name)
            if col.erase != Erase.KEEP:
                assert col.owners, f"{rule.table}.{name} is erased but owned by nobody"
                assert not column.primary_key and not column.foreign_keys, (rule.table, name)


def test_people_own_rows_hold_their_identifiers() -> None:
    """Names, phone, address and postcode of both kinds are erased, not kept."""
    for kind, table in PEOPLE_TABLES.items():
        rule = BY_TABLE[table]
        assert rule.subject_table
        for name in ("first_name", "last_name", "phone", "address", "postcode", "notes"):
            assert rule.columns[name].erase != Erase.KEEP, (table, name)
            assert kind in rule.columns[name].owners
        assert rule.columns["ward_code"].erase == Erase.KEEP  # counts by ward still add up


def test_linked_rows_follow_ids_parents_phones_and_audit(db) -> None:
    """Joan's rows are found through her id, her lifts, her number and audit rows about them."""
    from app.models import AuditLog
    from app.models import Message
    from app.models import MessageDirection
    from app.models import MessageStatus
    from app.services.audit import record_change
    from app.services.personal_data import linked_ids
    from tests.factories import make_lift
    from tests.factories import make_resident
    from tests.factories import make_volunteer
    from tests.plan_builder import hm
    from tests.plan_builder import make_plan

    joan, other = make_resident(), make_resident()
    driver = make_volunteer()
    lift, other_lift = make_lift(joan), make_lift(other)
    make_plan(
        lift.day, [(driver, [(lift, hm("9:00"), hm("9:30")), (other_lift, hm("9:10"), hm("9:40"))])]
    )
    texted = Message(
        direction=MessageDirection.INBOUND,
        phone=joan.phone,
        body="hello",
        status=MessageStatus.RECEIVED,
    )
    db.session.add(texted)
    record_change(actor_id=None, action="update", entity=lift, changes={"notes": ("", "x")})
    record_change(actor_id=None, action="update", entity=other, changes={"notes": ("", "y")})
    db.session.commit()

    def ids(table: str, kind: Kind, person) -> set[int]:
        stmt = linked_ids(BY_TABLE[table], kind, person.id, person.phone)
        return set(db.session.scalars(stmt))

    assert ids("lift_requests", Kind.RESIDENT, joan) == {lift.id}
    joans_stops = ids("plan_stops", Kind.RESIDENT, joan)
    assert len(joans_stops) == 2  # her pickup and drop-off, not the other resident's
    assert len(ids("plan_stops", Kind.VOLUNTEER, driver)) == 6  # start, 4 stops, end
    assert ids("messages", Kind.RESIDENT, joan) == {texted.id}
    audit_rows = db.session.scalars(
        sa.select(AuditLog).where(
            AuditLog.id.in_(linked_ids(BY_TABLE["audit_log"], Kind.RESIDENT, joan.id, joan.phone))
        )
    ).all()
    assert [(row.entity_type, row.entity_id) for row in audit_rows] == [("LiftRequest", lift.id)]


def test_activity_columns_are_dates_on_directly_linked_tables() -> None:
    """Retention reads a person's last activity from these: each is a date or a timestamp."""
    for rule in REGISTRY:
        for name in rule.activity:
            kind = TABLES[rule.table].c[name].type
            kind = getattr(kind, "impl", kind)  # UTCDateTime wraps DateTime
            assert isinstance(kind, sa.Date | sa.DateTime), (rule.table, name)
        if rule.activity:
            assert any(link.column and not link.via for ls in rule.links.values() for link in ls)
