"""`ketdir log merge` keeps the log anonymous: referral ids must be UUIDs (as ketdir makes them), and any value
outside its field's fixed form is refused with the row — counted and said, never stored, never printed back."""
from __future__ import annotations

import shutil

from sqlalchemy import create_engine, text

from ketdir.cli import main
from ketdir.paths import bundled_db

HEADER = "id,logged_at,district,channel,outcome,services,needs"
GOOD = "3f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f,2026-11-05 10:00,SE1,phone,referred,,bladder-urology"
PERSONAL = [
    "07700900123,2026-11-05 10:00,SE1,phone,,,",  # a phone number as the id
    "John.Smith.DOB.1990-01-01,2026-11-05 10:00,,outreach,,,",  # a name and a date of birth as the id
    "5a6b7c8d-1e2f-4a3b-8c4d-5e6f7a8b9c0d,2026-11-05 10:00,Jo lives at 4 High St,phone,,,",  # free text as district
    "6b7c8d9e-2f3a-4b4c-9d5e-6f7a8b9c0d1e,2026-11-05 10:00,,phone,,called Jo back on 07700 900123,",  # as services
    "7c8d9e0f-3a4b-4c5d-8e6f-7a8b9c0d1e2f,2026-11-05 10:00,,phone,,,bladder-urology,Jo is 19",  # an extra cell
]


def test_merge_refuses_anything_but_the_anonymous_fields(tmp_path, capsys):
    db = tmp_path / "team.db"
    shutil.copyfile(bundled_db(), db)
    log = tmp_path / "laptop-log.csv"
    log.write_text("\n".join([HEADER, GOOD, *PERSONAL]) + "\n", encoding="utf-8")
    assert main(["--db", str(db), "log", "merge", str(log)]) == 0
    captured = capsys.readouterr()
    assert "1 referrals added, 0 already in the log, 5 rows refused (values the anonymous log cannot hold)" in \
        captured.out
    assert "line 3: the referral id is not one ketdir makes (a UUID)" in captured.err
    assert "line 5: the district is not a postcode district" in captured.err
    assert "07700" not in captured.out + captured.err and "Jo" not in captured.out + captured.err
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT id, coalesce(district, '') FROM ketdir_referral")).all()
    engine.dispose()
    assert stored == [("3f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "SE1")]


def test_a_log_with_other_columns_is_not_merged(tmp_path, capsys):
    db = tmp_path / "team.db"
    shutil.copyfile(bundled_db(), db)
    log = tmp_path / "log.csv"
    log.write_text(f"{HEADER},notes\n{GOOD},Jo Smith 07700 900123\n", encoding="utf-8")
    assert main(["--db", str(db), "log", "merge", str(log)]) == 2
    err = capsys.readouterr().err
    assert "columns ketdir's anonymous log does not have (notes)" in err and "nothing was merged" in err
