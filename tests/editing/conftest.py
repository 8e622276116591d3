import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def directory(tmp_path):
    from edit_helpers import make_directory

    directory = make_directory(tmp_path / "edit.db")
    yield directory
    directory.close()
