"""The API's reads of nested records (ketdir.store.row_reads, ketdir.interop.nested_rows): the rows are exactly
those SQLAlchemy reads, value for value and type for type, on both backends; and a service, however much it
nests, is read in two round trips."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ketdir.interop import nested_rows
from ketdir.interop.dataset import MODELS, TABLE_ORDER
from ketdir.store.engine import open_directory
from ketdir.store.models import Organization, Service
from ketdir.store.row_reads import Read, Through, read_rows
from tests.api.api_data import EXAMPLE_SERVICE_ID


@pytest.fixture
def session(published_url):
    directory = open_directory(published_url)
    try:
        with directory.session() as s:
            yield s
    finally:
        directory.close()


def typed(rows: dict) -> dict:
    """Rows with each value's type beside it (True == 1 in Python, but not in JSON)."""
    return {key: {name: (type(value).__name__, value) for name, value in row.items()} for key, row in rows.items()}


def test_rows_read_directly_are_the_rows_sqlalchemy_reads(session):
    for table in TABLE_ORDER:
        columns = MODELS[table].__table__
        expected = {r.id: dict(r._mapping) for r in session.execute(select(*columns.c))}
        assert expected, f"the test directory has no {table} rows"
        found = read_rows(session.connection(), [Read(columns, "id", list(expected) + ["no-such-id", None])])[0]
        assert typed(found) == typed(expected), table


def test_a_read_through_another_table_finds_the_rows_its_rows_point_to(session):
    services = list(session.execute(select(Service.id, Service.organization_id)).all())
    assert len({org for _, org in services}) > 1
    some = [sid for sid, _ in services[:3]]
    wanted = {org for sid, org in services if sid in some}
    direct, through = read_rows(session.connection(), [
        Read(Organization.__table__, "id", wanted),
        Read(Organization.__table__, "id", some, Through(Service.__table__, "id", "organization_id"))])
    assert set(direct) == wanted and typed(through) == typed(direct)


def test_a_service_with_every_kind_of_nested_record_is_read_in_two_round_trips(session, monkeypatch):
    batches = []

    def counted(connection, reads):
        batches.append([(r.table.name, r.column) for r in reads])
        return read_rows(connection, reads)

    monkeypatch.setattr(nested_rows, "read_rows", counted)
    links = nested_rows.LinkUse.of(session)
    rows = nested_rows.for_services(session, [EXAMPLE_SERVICE_ID], links)
    assert len(batches) == 2, batches
    for table in ("service", "organization", "service_at_location", "location", "address", "contact", "phone",
                  "schedule", "language", "accessibility", "attribute"):
        assert rows[table], f"the example service has {table} rows, and they were read"
