"""The first-start check `./run` makes on a Linux desktop: the libraries Qt's xcb platform plugin needs, named as
packages to install (or installed when it may), instead of Qt's "could not load the Qt platform plugin" abort.
The real `ldd` and `apt-get` are replaced by small scripts that behave like them on a machine that lacks them."""
from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from ketdir.gui import platform_check

LDD_MISSING = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
"""
X11 = {"DISPLAY": ":0"}


def script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def fake_ldd(tmp_path):
    """An ldd that reports the libraries missing until a marker file says they were installed."""
    (tmp_path / "missing.txt").write_text(LDD_MISSING)
    installed = tmp_path / "installed"
    return script(tmp_path / "ldd", f'[ -e "{installed}" ] || cat "{tmp_path / "missing.txt"}"\n')


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "libqxcb.so"
    path.write_bytes(b"")
    return path


def test_the_missing_libraries_are_read_from_ldd_and_named_as_packages():
    assert platform_check.missing_libraries(LDD_MISSING) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4",
                                                             "libxcb-keysyms.so.1"]
    assert platform_check.missing_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_a_desktop_missing_them_is_told_which_packages_to_install(fake_ldd, plugin, capsys):
    assert platform_check.main(["--"], environ=X11, ldd=fake_ldd, plugin=plugin) == 1
    message = capsys.readouterr().err
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "could not" not in message and "Then run ./run again" in message


def test_a_library_with_no_known_package_says_how_to_find_it(tmp_path, plugin, capsys):
    (tmp_path / "out.txt").write_text("\tlibxcb-cursor.so.0 => not found\n\tlibweird.so.9 => not found\n")
    ldd = script(tmp_path / "ldd", f'cat "{tmp_path / "out.txt"}"\n')
    assert platform_check.main([], environ=X11, ldd=ldd, plugin=plugin) == 1
    message = capsys.readouterr().err
    assert "libxcb-cursor0" in message and "apt-file search" in message and "libweird.so.9" in message


def test_when_it_may_install_it_installs_and_the_window_opens(tmp_path, fake_ldd, plugin, monkeypatch, capsys):
    log = tmp_path / "apt.log"
    installer = script(tmp_path / "as-root", f'echo "$@" >> "{log}"\ntouch "{tmp_path / "installed"}"\n')
    monkeypatch.setattr(platform_check, "may_install", lambda: [installer])
    assert platform_check.main(["--install", "--"], environ=X11, ldd=fake_ldd, plugin=plugin) == 0
    assert log.read_text().splitlines() == [
        "apt-get update -qq", "apt-get install -y -qq libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"]
    assert "Installing the libraries" in capsys.readouterr().err


def test_when_it_may_not_install_it_names_them_and_stops(fake_ldd, plugin, monkeypatch, capsys):
    monkeypatch.setattr(platform_check, "may_install", lambda: None)  # no root, sudo asks for a password
    assert platform_check.main(["--install", "--"], environ=X11, ldd=fake_ldd, plugin=plugin) == 1
    assert "sudo apt-get install libxcb-cursor0" in capsys.readouterr().err


@pytest.mark.parametrize("environ, args", [
    ({}, []),  # no display at all
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, []),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, []),  # Qt uses its Wayland plugin
    (X11, ["search", "ket"]),  # the command line needs no window
    (X11, ["--db", "x.db", "import", "file.json"]),
])
def test_nothing_is_checked_where_the_xcb_plugin_will_not_load(environ, args, fake_ldd, plugin):
    assert platform_check.main(["--", *args], environ=environ, ldd=fake_ldd, plugin=plugin) == 0


def test_the_window_arguments_are_told_apart_from_commands():
    assert platform_check.opens_window([]) and platform_check.opens_window(["--db", "my.db"])
    assert platform_check.opens_window(["--db=postgresql+psycopg://desk@server/ketdir"])
    assert not platform_check.opens_window(["--db", "my.db", "search", "ket"])
    assert platform_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"}) and not platform_check.uses_xcb({})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux only")
def test_the_real_plugin_is_found_and_read(capsys):
    plugin = platform_check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    finding = platform_check.check(plugin)
    assert all(name.endswith(".so") or ".so." in name for name in finding.missing)
