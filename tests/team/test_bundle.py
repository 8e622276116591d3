"""Field bundles and referral-log merging, on SQLite and on the PostgreSQL test server."""
import datetime as dt
import json
import zipfile

import pytest
from sqlalchemy import func, select

from ketdir.cli import main
from ketdir.search import Query, search
from ketdir.store.engine import open_directory
from ketdir.store.models import ReferralLog, ReferralNeed, ReferralService, Service
from ketdir.team.bundle import BundleProblem, export_bundle, import_bundle, read_bundle
from ketdir.store.models import LogImport
from tests.factories import build, record
from tests import backends

SERVER = [
    record("Borough Ketamine Bladder Clinic", needs=["bladder-urology"], lat=51.501, lon=-0.094,
           description="Urology clinic for ketamine bladder damage."),
    record("Brighton Chemsex Clinic", needs=["chemsex", "sexual-health"], lat=50.824, lon=-0.137,
           description="Support with G, crystal meth and mephedrone; PEP and PrEP."),
    record("FRANK", needs=["drug-treatment"], national=True, phone="0300 123 6600", description="Drugs advice."),
]
LAPTOP_OLD = [record("Closed Old Clinic", needs=["drug-treatment"], lat=51.5, lon=-0.1, description="Gone now.")]


def snapshot(directory):
    """Every directory table's rows (ids and values), for comparing two copies."""
    from ketdir.team.bundle import _directory_tables

    out = {}
    with directory.session() as s:
        for table in _directory_tables():
            rows = s.execute(select(*table.columns).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows if table.name != "ketdir_meta" or r[0] in ("content_hash", "source")]
    return out


@pytest.fixture
def server(db_url):
    d = build(db_url, SERVER)
    yield d
    d.close()


@pytest.fixture(params=backends.BACKENDS)
def laptop(request, tmp_path):
    with backends.database_url(request.param, tmp_path, "laptop") as url:
        d = build(url, LAPTOP_OLD)
        with d.session() as s, s.begin():
            s.add(ReferralLog(id="11111111-2222-4333-8444-555555555555", logged_at=dt.datetime(2026, 11, 20, 14),
                              district="SE1", channel="outreach", outcome="referred"))
            s.flush()
            s.add(ReferralNeed(referral_id="11111111-2222-4333-8444-555555555555", need="chemsex"))
            s.add(ReferralService(referral_id="11111111-2222-4333-8444-555555555555", service_id="gone-service"))
        yield d
        d.close()


def test_bundle_round_trip_replaces_the_directory_and_keeps_the_local_log(server, laptop, tmp_path):
    report = export_bundle(server, tmp_path / "dir.ketdir-bundle")
    assert report.services == 3
    result = import_bundle(laptop, report.path)
    assert result.kept_referrals == 1
    assert snapshot(laptop) == snapshot(server)
    with laptop.session() as s:
        assert s.execute(select(func.count()).select_from(ReferralLog)).scalar() == 1
        assert s.execute(select(func.count()).select_from(ReferralNeed)).scalar() == 1
        assert s.get(Service, LAPTOP_OLD[0]["id"]) is None
        res = search(s, Query(text="ket bladder"))
        assert [h.name for h in res.local] == ["Borough Ketamine Bladder Clinic"]
        assert search(s, Query(text="bladdr")).used_fuzzy  # spelling vocabulary rebuilt too


def _tamper(src, dst, name, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            zout.writestr(item, change(data) if item == name else data)


@pytest.mark.parametrize("how", ["edited member", "truncated", "not a zip", "missing member", "bad manifest hash"])
def test_damaged_or_altered_bundle_is_refused_and_nothing_changes(server, laptop, tmp_path, how):
    good = export_bundle(server, tmp_path / "good.ketdir-bundle").path
    bad = tmp_path / "bad.ketdir-bundle"
    if how == "edited member":
        _tamper(good, bad, "data/phone.csv", lambda b: b.replace(b"0300 123 6600", b"0300 999 9999"))
    elif how == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif how == "not a zip":
        bad.write_text("hello")
    elif how == "missing member":
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
            for item in zin.namelist():
                if item != "data/service.csv":
                    zout.writestr(item, zin.read(item))
    else:
        def rehash(data):
            m = json.loads(data)
            m["content_hash"] = "0" * 64
            return json.dumps(m).encode()
        _tamper(good, bad, "manifest.json", rehash)
    before = snapshot(laptop)
    with pytest.raises(BundleProblem, match="Nothing was changed"):
        import_bundle(laptop, bad)
    assert snapshot(laptop) == before


def test_failure_during_replacement_rolls_everything_back(server, laptop, tmp_path, monkeypatch):
    path = export_bundle(server, tmp_path / "b.ketdir-bundle").path
    before = snapshot(laptop)
    import ketdir.team.bundle as bundle_mod

    def boom(session):
        raise RuntimeError("power cut")
    monkeypatch.setattr(bundle_mod, "refresh_all", boom)
    with pytest.raises(RuntimeError):
        import_bundle(laptop, path)
    assert snapshot(laptop) == before


def test_cli_bundle_export_import(server, tmp_path, capsys):
    path = tmp_path / "cli.ketdir-bundle"
    assert main(["--db", server.url, "bundle", "export", str(path)]) == 0
    assert "3 services" in capsys.readouterr().out
    target = tmp_path / "new-laptop.db"
    assert main(["--db", str(target), "bundle", "import", str(path)]) == 0
    assert "kept 0 referrals" in capsys.readouterr().out
    bad = tmp_path / "bad.ketdir-bundle"
    bad.write_bytes(path.read_bytes()[:100])
    assert main(["--db", str(target), "bundle", "import", str(bad)]) == 1
    assert "damaged" in capsys.readouterr().err
    assert read_bundle(path).manifest["services"] == 3


def test_referral_logs_merge_idempotently(server, tmp_path, capsys):
    laptop_url = "sqlite:///" + str(tmp_path / "field.db")
    export_bundle(server, tmp_path / "b.ketdir-bundle")
    assert main(["--db", laptop_url, "bundle", "import", str(tmp_path / "b.ketdir-bundle")]) == 0
    clinic = SERVER[0]["id"]
    field = open_directory(laptop_url)
    with field.session() as s, s.begin():
        for i in range(3):
            rid = f"aaaaaaaa-bbbb-4ccc-8ddd-00000000000{i}"
            s.add(ReferralLog(id=rid, logged_at=dt.datetime(2026, 11, 20, 10 + i), district="SE1", channel="outreach"))
            s.flush()
            s.add(ReferralService(referral_id=rid, service_id=clinic))
            s.add(ReferralNeed(referral_id=rid, need="bladder-urology"))
    field.close()
    log = tmp_path / "field-log.csv"
    assert main(["--db", laptop_url, "log", "export", str(log)]) == 0
    capsys.readouterr()
    assert main(["--db", server.url, "log", "merge", str(log), "--origin", "laptop 7"]) == 0
    assert "3 referrals added" in capsys.readouterr().out
    assert main(["--db", server.url, "log", "merge", str(log)]) == 0
    out = capsys.readouterr().out
    assert "0 referrals added, 3 already in the log" in out and "merged before" in out
    with server.session() as s:
        assert s.execute(select(func.count()).select_from(ReferralLog)).scalar() == 3
        assert s.execute(select(func.count()).select_from(ReferralService)).scalar() == 3
        imports = s.execute(select(LogImport)).scalars().all()
        assert len(imports) == 1 and imports[0].origin == "laptop 7" and imports[0].added == 3
