"""Render the real window offscreen and save a screenshot (docs/screenshot.png by default).

    python scripts/screenshot.py                       # light, resources.db, "ket bladder" near SE1 7TP
    python scripts/screenshot.py --dark --out docs/screenshot-dark.png
    python scripts/screenshot.py --font-scale 2 --size 1366x768 --out docs/screenshot-2x.png

The screen is as large as --size (an offscreen screen made for the run), so the window lays itself out as it
would on that screen.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "resources.db"), help="database path or URL")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--query", default="ket bladder")
    parser.add_argument("--near", default="SE1 7TP")
    parser.add_argument("--need", action="append", default=[], help="need-type code to tick (repeatable)")
    parser.add_argument("--select", type=int, default=0, help="which result to select (0 = first)")
    parser.add_argument("--at", default="2026-12-08T10:30", help="the moment shown as now (Europe/London)")
    parser.add_argument("--size", default="1440x900")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--font-scale", type=float, default=1.0)
    args = parser.parse_args(argv)

    width, height = (int(v) for v in args.size.split("x"))
    screen = Path(tempfile.mkdtemp()) / "screen.json"
    screen.write_text(json.dumps({"synchronousWindowSystemEvents": True, "windowFrameMargins": False, "screens": [
        {"name": "shot", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
         "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
    os.environ["KETDIR_NO_USER_SETTINGS"] = "1"
    os.environ["KETDIR_THEME"] = "dark" if args.dark else "light"
    os.environ["KETDIR_FONT_SCALE"] = str(args.font_scale)

    from PySide6.QtCore import QEventLoop, QTimer

    from ketdir.app import open_directory
    from ketdir.gui.app import application
    from ketdir.gui.main_window import MainWindow
    from ketdir.problems import KetdirProblem

    app = application()
    try:
        directory = open_directory(args.db)
    except KetdirProblem as problem:
        print(problem, file=sys.stderr)
        return 2
    at = dt.datetime.fromisoformat(args.at)
    window = MainWindow(directory)
    window.resize(width, height)
    window.show()

    def settle(timeout_ms: int = 10000) -> None:
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.start(timeout_ms)
        while not window.settled and deadline.isActive():
            loop = QEventLoop()
            QTimer.singleShot(10, loop.quit)
            loop.exec()

    window.set_clock(lambda: at)
    settle()
    for code in args.need:
        row = window.need_list.model.row_of(code)
        window.need_list.model.setData(window.need_list.model.index(row), True, 10)
    window.search_edit.setText(args.query)
    if args.near:
        window.place_bar.set_place_text(args.near)
    settle()
    window.move_in_results(args.select + 1)  # as Down pressed select + 1 times in the search field
    window.results_view.setFocus()
    window.current_detail()
    settle()
    for _ in range(5):
        app.processEvents()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(args.out)
    window.shutdown()
    directory.close()
    print(f"{'Saved' if ok else 'Could not save'} {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
