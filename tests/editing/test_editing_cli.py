"""`ketdir verify / retire / history` (registered through ketdir.cli.editing)."""
from __future__ import annotations

import argparse
import importlib

import pytest
from edit_helpers import EXISTING, EXISTING_ID

import ketdir.cli as cli


@pytest.fixture
def run(directory_db):
    """`ketdir --db <the editing test directory> ...`, on each backend (directory_db: conftest.py)."""
    return lambda *args: cli.main(["--db", str(directory_db), *args])


def test_register_adds_the_commands():
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module("ketdir.cli.editing").register(sub)
    assert {"verify", "retire", "history"} <= set(sub.choices)


def test_verify_retire_history(run, capsys, monkeypatch):
    monkeypatch.delenv("KETDIR_EDITOR", raising=False)
    assert run("verify", EXISTING_ID, "--editor", "Jo", "--today", "2026-11-25") == 0
    assert f"Marked “{EXISTING}” verified on 2026-11-25 by Jo." in capsys.readouterr().out
    assert run("retire", EXISTING_ID, "--editor", "Jo", "--reason", "Closed") == 0
    assert "no longer appears in search" in capsys.readouterr().out
    assert run("history", EXISTING_ID) == 0
    out = capsys.readouterr().out
    assert "Marked verified" in out and "Last checked: 2025-01-10 → 2026-11-25" in out
    assert "Retired" in out and "Reason: (empty) → Closed" in out


def test_verify_needs_an_editor(run, capsys, monkeypatch):
    monkeypatch.delenv("KETDIR_EDITOR", raising=False)
    assert run("verify", EXISTING_ID) == 2
    assert "--editor" in capsys.readouterr().err
    monkeypatch.setenv("KETDIR_EDITOR", "Env Name")
    assert run("verify", EXISTING_ID) == 0


def test_unknown_service(run, capsys):
    assert run("verify", "nope", "--editor", "Jo") == 1
    assert "There is no service with the id nope" in capsys.readouterr().err
    assert run("history", "nope") == 1


def test_a_read_only_database_is_a_message_not_a_traceback(run, capsys, monkeypatch):
    """Issue 16: `verify` and `retire` on a database that cannot be written printed a driver error."""
    import ketdir.app as app
    from backends import refuse_writes

    real_open = app.open_directory

    def open_read_only(*args, **kwargs):
        directory = real_open(*args, **kwargs)
        refuse_writes(directory)
        return directory

    monkeypatch.setattr(app, "open_directory", open_read_only)
    for args in (("verify", EXISTING_ID, "--editor", "Jo"),
                 ("retire", EXISTING_ID, "--editor", "Jo", "--reason", "Closed")):
        assert run(*args) == 1
        err = capsys.readouterr().err
        assert err.startswith("ketdir: The database ") and "read-only" in err and "nothing was changed" in err
    monkeypatch.setattr(app, "open_directory", real_open)
    assert run("history", EXISTING_ID) == 0
    assert "No recorded changes" in capsys.readouterr().out


def test_retire_needs_a_reason(run, capsys):
    assert run("retire", EXISTING_ID, "--editor", "Jo", "--reason", "  ") == 2
    assert "Say why the service is being retired" in capsys.readouterr().err
