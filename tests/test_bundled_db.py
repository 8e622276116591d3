"""resources.db must be exactly what `ketdir build-db` makes from data/ (a test fails when they drift)."""
import sqlite3

import pytest

from ketdir.paths import bundled_db, data_dir
from ketdir.store.build import build_database, content_hash
from ketdir.store.engine import open_directory
from ketdir.store.records import RecordError

TABLES = ("service", "organization", "phone", "schedule", "location", "address", "attribute", "service_area",
          "language", "ketdir_search_doc")


def dump(path):
    with sqlite3.connect(path) as conn:
        out = {}
        for table in TABLES:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in ("rowid", "hours_pattern_id")]
            out[table] = sorted(map(repr, conn.execute(f"SELECT {', '.join(cols)} FROM {table}")))
        return out


def test_bundled_db_matches_its_sources(tmp_path):
    assert bundled_db().exists(), "resources.db is missing: run `ketdir build-db`"
    with sqlite3.connect(bundled_db()) as conn:
        stored = conn.execute("SELECT value FROM ketdir_meta WHERE key = 'content_hash'").fetchone()
    assert stored and stored[0] == content_hash(), "data/ changed since resources.db was built: run `ketdir build-db`"
    fresh = tmp_path / "fresh.db"
    build_database(fresh)
    assert dump(fresh) == dump(bundled_db()), "resources.db differs from a fresh build: run `ketdir build-db`"


def test_bundled_directory_contents():
    d = open_directory(bundled_db())
    with d.engine.connect() as conn:
        q = lambda sql: conn.exec_driver_sql(sql).scalar()
        assert q("SELECT count(*) FROM service WHERE is_demo = 1") >= 150
        assert q("SELECT count(DISTINCT a.city) FROM service s JOIN service_at_location sal ON sal.service_id = s.id "
                 "JOIN address a ON a.location_id = sal.location_id WHERE s.is_demo = 1") >= 10
        # a real service checked by a person has a source URL and the date; one nobody checked has no date
        # and none of its numbers is presented as verified
        assert q("SELECT count(*) FROM service WHERE is_demo = 0 AND assured_date IS NOT NULL AND source_url IS NULL") == 0
        assert q("SELECT count(*) FROM service s JOIN phone p ON p.service_id = s.id "
                 "WHERE s.is_demo = 0 AND s.assured_date IS NULL AND p.verified = 1") == 0
        # every need type has demo services
        for code in conn.exec_driver_sql("SELECT code FROM taxonomy_term WHERE taxonomy = 'ketdir-need'").scalars():
            n = q(f"SELECT count(*) FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
                  f"JOIN service s ON s.id = a.link_id WHERE t.code = '{code}' AND s.is_demo = 1")
            assert n >= 5, code
        # unconfirmed numbers are stored, flagged unverified
        for number in ("0808 500 2222", "0300 123 7123", "0300 999 1212"):
            assert conn.exec_driver_sql("SELECT verified FROM phone WHERE number = ?", (number,)).scalar() == 0
        assert conn.exec_driver_sql("SELECT verified FROM phone WHERE number = '0300 123 6600'").scalar() == 1
        assert q("SELECT count(*) FROM phone WHERE replace(number, ' ', '') = '08007766 00'") == 0
        assert q("SELECT count(*) FROM phone WHERE replace(number, ' ', '') = '0800776600'") == 0
    d.close()


def test_build_failure_leaves_existing_database_untouched(tmp_path):
    data = tmp_path / "data"
    (data / "directory").mkdir(parents=True)
    for name in ("need_types.csv", "synonyms.csv"):
        (data / name).write_bytes((data_dir() / name).read_bytes())
    (data / "directory" / "broken.json").write_text('[{"id": "x", "name": "Bad", "needs": ["not-a-need"]}]')
    target = tmp_path / "resources.db"
    target.write_bytes(b"old contents")
    with pytest.raises(RecordError, match="unknown need type"):
        build_database(target, data)
    assert target.read_bytes() == b"old contents"
