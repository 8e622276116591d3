"""ketdir.app.team: the policies `ketdir bundle|log|login|db upgrade` rely on, without the command line."""
import hashlib

import pytest

from ketdir.app import team
from ketdir.paths import bundled_db
from ketdir.problems import BadInput, KetdirProblem, NotFound, Refused, Unavailable
from ketdir.store.engine import SCHEMA_VERSION, set_meta
from ketdir.team.bundle import BundleProblem
from tests.factories import build, record

SERVICES = [record("Borough Ketamine Bladder Clinic", needs=["bladder-urology"], lat=51.501, lon=-0.094,
                   description="Urology clinic for ketamine bladder damage.")]
LOG = ("id,logged_at,district,channel,outcome,services,needs\n"
       "aaaaaaaa-bbbb-4ccc-8ddd-000000000001,2026-11-20 10:00,SE1,outreach,,,bladder-urology\n")


@pytest.fixture
def server(tmp_path):
    directory = build(tmp_path / "server.db", SERVICES)
    yield directory
    directory.close()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bundle_never_replaces_the_bundled_training_directory(server, tmp_path, monkeypatch):
    monkeypatch.delenv("KETDIR_DB", raising=False)
    bundle = team.export_bundle(server, tmp_path / "b.ketdir-bundle").path
    before = digest(bundled_db())
    with pytest.raises(Refused, match="bundled training directory.*Nothing was changed"):
        team.import_bundle(bundled_db(), bundle)
    with pytest.raises(Refused):
        team.import_bundle(None, bundle)  # no --db and no KETDIR_DB: the bundled file
    assert digest(bundled_db()) == before


def test_a_damaged_bundle_makes_no_database(server, tmp_path):
    bundle = team.export_bundle(server, tmp_path / "b.ketdir-bundle").path
    bad = tmp_path / "bad.ketdir-bundle"
    bad.write_bytes(bundle.read_bytes()[:200])
    with pytest.raises(BundleProblem, match="damaged") as problem:
        team.import_bundle(tmp_path / "laptop.db", bad)
    assert isinstance(problem.value, KetdirProblem) and problem.value.exit_code == 1
    assert not (tmp_path / "laptop.db").exists()
    report = team.import_bundle(tmp_path / "laptop.db", bundle)
    assert report.services == 1 and (tmp_path / "laptop.db").exists()


def test_logs_are_all_read_before_any_is_merged(server, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(LOG)
    with pytest.raises(Unavailable, match="Could not read .*missing.csv.*Nothing was merged"):
        team.read_logs([good, tmp_path / "missing.csv"])
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    with pytest.raises(BadInput, match="not a referral log"):
        team.read_logs([good, binary])
    [log] = team.read_logs([good])
    first = team.merge_log(server, log, origin="laptop 7")
    assert first.report.added == 1 and first.merged_before is None
    again = team.merge_log(server, log)
    assert again.report.added == 0 and again.merged_before is not None
    assert "merged before" in again.text()


def test_a_file_that_is_not_a_log_names_itself_and_merges_nothing(server, tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("name,phone\nJo,07700 900123\n")
    [log] = team.read_logs([notes])
    with pytest.raises(BadInput, match="notes.csv: This is not a ketdir referral log"):
        team.merge_log(server, log)


def test_log_export_is_written_whole(server, tmp_path):
    [log] = team.read_logs([_write(tmp_path / "in.csv", LOG)])
    team.merge_log(server, log)
    done = team.export_log(server, tmp_path / "out.csv")
    assert done.referrals == 1 and done.path.read_text().splitlines()[1].startswith("aaaaaaaa-")
    with pytest.raises(Unavailable, match="Could not write"):
        team.export_log(server, tmp_path / "no-such-folder" / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv" or "writing" in p.name) == ["in.csv",
                                                                                                      "out.csv"]


def _write(path, text):
    path.write_text(text)
    return path


def test_upgrade_says_what_it_did_and_refuses_what_it_cannot(server, tmp_path):
    assert not team.upgrade_database(server.url).changed
    with pytest.raises(NotFound, match="There is no database at"):
        team.upgrade_database(tmp_path / "typo.db")
    assert not (tmp_path / "typo.db").exists(), "looking for a database does not make one"
    newer = build(tmp_path / "newer.db", SERVICES)
    with newer.session() as s, s.begin():
        set_meta(s, "schema_version", str(SCHEMA_VERSION + 1))
    newer.close()
    with pytest.raises(Unavailable, match="newer version of ketdir"):
        team.upgrade_database(tmp_path / "newer.db")


def test_login_is_for_a_server_address_without_a_password(tmp_path):
    with pytest.raises(BadInput, match="login is for database servers"):
        team.login_target(tmp_path / "laptop.db")
    with pytest.raises(BadInput, match="put no password in the address"):
        team.login_target("postgresql+psycopg://anna:secret@db.example/ketdir")
    target = team.login_target("postgresql+psycopg://anna@db.example/ketdir")
    assert (target.user, target.shown) == ("anna", "postgresql+psycopg://anna@db.example/ketdir")
