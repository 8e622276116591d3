"""Import and export on PostgreSQL (the team server) as well as SQLite: same results, one transaction."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from interop_helpers import CSV_EXAMPLE, LEGACY_CSV, SERVICE_FULL, import_into
from dump import content_dump, diff
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backends import BACKENDS, database_url  # noqa: E402
from packages import services, write_package  # noqa: E402

from ketdir.interop.export import export_datapackage  # noqa: E402
from ketdir.store.engine import open_directory  # noqa: E402
from ketdir.store.models import Phone, SearchDoc, Service  # noqa: E402


def export_from(url: str, target: Path) -> Path:
    directory = open_directory(url)
    try:
        with directory.session() as session:
            export_datapackage(session, target)
    finally:
        directory.close()
    return target


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("example", [CSV_EXAMPLE, SERVICE_FULL, LEGACY_CSV], ids=lambda p: p.name)
def test_the_same_directory_on_either_backend(tmp_path, backend, example):
    reference = tmp_path / "reference.db"
    import_into(reference, example)
    with database_url(backend, tmp_path) as url:
        import_into(url, example)
        again = import_into(url, example)
        assert again.plan.new == [] and again.plan.changed == []
        package = export_from(url, tmp_path / "from-backend")
    copy = tmp_path / "copy.db"
    import_into(copy, package)
    differences = diff(content_dump(reference), content_dump(copy))
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("backend", BACKENDS)
def test_failure_rolls_back_on_either_backend(tmp_path, backend):
    source = write_package(tmp_path / "feed", services(400))
    bigger = write_package(tmp_path / "bigger", services(900, {0: "Renamed"}))
    with database_url(backend, tmp_path) as url:
        import_into(url, source, source="feed")

        def explode(fraction, message):
            if fraction > 0.4:
                raise RuntimeError("simulated crash")

        with pytest.raises(RuntimeError):
            import_into(url, bigger, source="feed", progress=explode)
        directory = open_directory(url)
        try:
            with directory.session() as session:
                assert session.execute(select(func.count()).select_from(Service)).scalar() == 400
                assert session.execute(select(func.count()).select_from(Phone)).scalar() == 400
                assert session.execute(select(func.count()).select_from(SearchDoc)).scalar() == 400
                assert session.execute(select(Service.name).where(Service.version > 1)).first() is None
        finally:
            directory.close()
