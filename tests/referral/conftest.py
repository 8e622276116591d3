"""A small directory with three services (a fresh copy for each test) and helpers on the path."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: factories
sys.path.insert(0, str(Path(__file__).resolve().parent))  # referral_data, referral_helpers

from factories import build  # noqa: E402
from referral_data import services  # noqa: E402


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Built once (building takes a second or two); each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "referral.db"
    build(path, services()).close()
    return path


@pytest.fixture
def directory(tmp_path, template_db):
    from ketdir.store.engine import open_directory

    copy = tmp_path / "referral.db"
    shutil.copyfile(template_db, copy)
    directory = open_directory(copy)
    yield directory
    directory.close()


@pytest.fixture
def session(directory):
    with directory.session() as s:
        yield s
