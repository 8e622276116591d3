"""The shortlist: ordered, no duplicates, saved at once, the same after a restart."""
from __future__ import annotations

import json

import pytest

from referral_data import BLADDER, CHEMLINE, DEMO
from ketdir.referral.shortlist import MAX_ITEMS, Shortlist, ShortlistFull, default_path, list_key


def test_add_reorder_remove_clear(tmp_path):
    s = Shortlist.load(tmp_path / "shortlist.json")
    assert s.add("a") and s.add("b") and s.add("c")
    assert not s.add("b"), "no duplicates"
    assert s.ids == ["a", "b", "c"]
    assert s.move_up("c") and s.ids == ["a", "c", "b"]
    assert s.move_down("a") and s.ids == ["c", "a", "b"]
    assert not s.move_up("c"), "the first cannot go up"
    assert not s.move_down("b"), "the last cannot go down"
    assert s.move("b", -10) and s.ids == ["b", "c", "a"]
    assert s.remove("c") and not s.remove("c")
    assert s.ids == ["b", "a"]
    assert s.clear() == 2 and s.ids == [] and len(s) == 0


def test_it_survives_a_restart(tmp_path):
    path = tmp_path / "data" / "shortlist.json"
    s = Shortlist.load(path)
    for i in ("x", "y", "z"):
        s.add(i)
    s.move_up("z")
    again = Shortlist.load(path)
    assert again.ids == ["x", "z", "y"]
    again.remove("x")
    assert Shortlist.load(path).ids == ["z", "y"]
    assert json.loads(path.read_text())["version"] == 1


def test_each_database_keeps_its_own_list_and_no_password_is_written(tmp_path):
    path = tmp_path / "shortlist.json"
    server = "postgresql+psycopg://worker:s3cret@db.example/ketdir"
    Shortlist.load(path, database_url="sqlite:///bundled.db").add("local-1")
    Shortlist.load(path, database_url=server).add("team-1")
    assert Shortlist.load(path, database_url="sqlite:///bundled.db").ids == ["local-1"]
    assert Shortlist.load(path, database_url=server).ids == ["team-1"]
    assert "s3cret" not in path.read_text() and list_key(server) in path.read_text()


def test_an_unreadable_file_is_set_aside_not_lost(tmp_path):
    path = tmp_path / "shortlist.json"
    path.write_text("{not json")
    s = Shortlist.load(path)
    assert s.ids == [] and "could not be read" in s.notice
    assert (tmp_path / "shortlist.json.unreadable").read_text() == "{not json"
    s.add("a")
    assert Shortlist.load(path).ids == ["a"]


def test_services_no_longer_in_the_directory_are_dropped_with_a_notice(tmp_path, session):
    s = Shortlist.load(tmp_path / "s.json")
    for i in (BLADDER, "gone-service", CHEMLINE, "also-gone"):
        s.add(i)
    notice = s.prune(session)
    assert s.ids == [BLADDER, CHEMLINE]
    assert notice == "2 services on the shortlist are no longer in the directory and were removed from the shortlist."
    assert s.prune(session) is None
    assert Shortlist.load(tmp_path / "s.json").ids == [BLADDER, CHEMLINE]


def test_user_settings_off_means_memory_only_unless_a_path_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("KETDIR_NO_USER_SETTINGS", "1")
    assert default_path() is None
    s = Shortlist.load()
    assert s.path is None
    s.add(DEMO)  # nothing written anywhere
    assert Shortlist.load().ids == []
    explicit = Shortlist.load(tmp_path / "mine.json")
    explicit.add(DEMO)
    assert Shortlist.load(tmp_path / "mine.json").ids == [DEMO]
    monkeypatch.delenv("KETDIR_NO_USER_SETTINGS")
    assert default_path().name == "shortlist.json"


def test_the_list_has_a_limit_and_refuses_non_ids(tmp_path):
    s = Shortlist.load(tmp_path / "s.json")
    for i in range(MAX_ITEMS):
        s.add(f"id-{i}")
    with pytest.raises(ShortlistFull):
        s.add("one-more")
    with pytest.raises(ValueError):
        s.add("")
    s.replace(["b", "a", "b"])
    assert s.ids == ["b", "a"]
