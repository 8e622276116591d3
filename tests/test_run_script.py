"""`./run`, the README's command, reads paths from the folder a person runs it in (it used to change to the
project folder first, so `~/ketdir/run --db my.db …` or `import sheet.csv` looked for the file in the wrong place)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import ketdir.paths

ROOT = ketdir.paths.PROJECT_ROOT


def test_run_takes_relative_paths_from_where_it_is_run(tmp_path):
    shutil.copy(ROOT / "resources.db", tmp_path / "mine.db")
    done = subprocess.run([str(ROOT / "run"), "--db", "mine.db", "search", "ket bladder", "--near", "SE1 7TP"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Services within 10 miles of SE1 7TP" in done.stdout
    assert "no database" not in done.stdout + done.stderr
