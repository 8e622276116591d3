"""Before the window opens on a Linux desktop: are the system libraries Qt's X11 (xcb) platform plugin needs
installed? Qt 6.5+ needs libxcb-cursor0, which many Ubuntu and Debian desktops lack, and minimal installs lack
libxcb-icccm4, libxcb-keysyms1 and friends. Without them Qt aborts with "could not load the Qt platform plugin
'xcb'", which names no package; this names the packages (and `./run` installs them when it may).

This module must not import Qt: it runs before Qt is loaded, to explain why Qt could not be.

    python -m ketdir.gui.platform_check [--install] [-- KETDIR ARGS]   # exit 0: fine; 1: libraries missing
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# The Debian/Ubuntu package that provides each library the xcb plugin (and Qt under it) loads.
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    missing: tuple[str, ...]  # library file names the plugin cannot load
    packages: tuple[str, ...]  # the packages that provide them, for apt-get
    unknown: tuple[str, ...]  # libraries with no package known here

    @property
    def ok(self) -> bool:
        return not self.missing

    def message(self) -> str:
        lines = ["ketdir cannot open its window: Qt's X11 platform plugin needs system libraries that are not "
                 f"installed ({', '.join(self.missing)})."]
        if self.packages:
            lines.append(f"Install them with:\n    sudo apt-get install {' '.join(self.packages)}")
        if self.unknown:
            lines.append("Find the package for " + ", ".join(self.unknown) + " with `apt-file search NAME` (Debian, "
                         "Ubuntu) or your system's package search.")
        lines.append("Then run ./run again. (The command line works without them: ./run search \"ket bladder\".)")
        return "\n".join(lines)


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the PySide6 that ketdir runs on, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries `ldd` could not find, in its order, once each."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def check(plugin: Path, ldd: str = "ldd") -> Finding:
    done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30)
    missing = missing_libraries(done.stdout)
    packages = tuple(dict.fromkeys(PACKAGES[name] for name in missing if name in PACKAGES))
    return Finding(tuple(missing), packages, tuple(name for name in missing if name not in PACKAGES))


def uses_xcb(environ: dict[str, str]) -> bool:
    """Will Qt load the xcb plugin? On an X11 desktop, or when asked for by QT_QPA_PLATFORM."""
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def may_install() -> list[str] | None:
    """The command prefix that may install packages here without asking (root, or sudo without a password)."""
    if not sys.platform.startswith("linux") or shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def opens_window(ketdir_args: list[str]) -> bool:
    """Do these `ketdir` arguments open the window (no command, at most --db)?"""
    rest = list(ketdir_args)
    while rest and rest[0].startswith("--db"):
        del rest[: 1 if "=" in rest[0] else 2]
    return not rest


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None, ldd: str = "ldd",
         plugin: Path | None = None) -> int:
    """argv: [--install] [-- the ketdir arguments]; the check runs only when they open the window."""
    argv = sys.argv[1:] if argv is None else argv
    ours, ketdir_args = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    environ = dict(os.environ) if environ is None else environ
    plugin = plugin or xcb_plugin()
    if (not sys.platform.startswith("linux") or plugin is None or not uses_xcb(environ)
            or not opens_window(ketdir_args) or shutil.which(ldd) is None):
        return 0
    finding = check(plugin, ldd)
    if finding.ok:
        return 0
    prefix = may_install() if "--install" in ours and finding.packages and not finding.unknown else None
    if prefix is not None:
        print(f"Installing the libraries Qt's X11 plugin needs: {' '.join(finding.packages)}", file=sys.stderr)
        quiet = {"stdout": subprocess.DEVNULL}
        installed = (subprocess.run([*prefix, "apt-get", "update", "-qq"], **quiet).returncode == 0
                     and subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", *finding.packages],
                                        **quiet).returncode == 0)
        if installed and check(plugin, ldd).ok:
            return 0
    print(finding.message(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
