"""The look, read from ui/: stylesheet, accent colours (light and dark) and SVG icons."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ketdir.paths import ui_dir


@dataclass(frozen=True)
class Colours:
    accent: QColor
    accent_soft: QColor
    muted: QColor
    rule: QColor
    open_fg: QColor
    open_bg: QColor
    closed_fg: QColor
    closed_bg: QColor
    verified_fg: QColor
    verified_bg: QColor
    warn_fg: QColor
    warn_bg: QColor
    demo_fg: QColor
    demo_bg: QColor
    tag_fg: QColor
    tag_bg: QColor
    urgent_fg: QColor
    urgent_bg: QColor
    today_bg: QColor


@lru_cache(maxsize=1)
def _theme_file() -> dict:
    with (ui_dir() / "theme.toml").open("rb") as fh:
        return tomllib.load(fh)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colours(palette: QPalette | None = None) -> Colours:
    """Accent colours that suit the palette (light or dark)."""
    return _colours(is_dark(palette))


@lru_cache(maxsize=2)
def _colours(dark: bool) -> Colours:
    table = _theme_file()["dark" if dark else "light"]
    return Colours(**{name: QColor(table[name]) for name in Colours.__dataclass_fields__})


def stylesheet() -> str:
    """ui/ketdir.qss, with @ICONS@ pointing at ui/icons."""
    text = (ui_dir() / "ketdir.qss").read_text(encoding="utf-8")
    return text.replace("@ICONS@", (ui_dir() / "icons").as_posix())


def dark_palette() -> QPalette:
    table = _theme_file()["dark_palette"]
    role = QPalette.ColorRole
    palette = QPalette()
    pairs = {
        "window": role.Window,
        "window_text": role.WindowText,
        "base": role.Base,
        "alternate_base": role.AlternateBase,
        "text": role.Text,
        "button": role.Button,
        "button_text": role.ButtonText,
        "mid": role.Mid,
        "dark": role.Dark,
        "light": role.Light,
        "highlight": role.Highlight,
        "highlighted_text": role.HighlightedText,
        "placeholder": role.PlaceholderText,
        "link": role.Link,
        "tooltip_base": role.ToolTipBase,
        "tooltip_text": role.ToolTipText,
    }
    for key, r in pairs.items():
        palette.setColor(r, QColor(table[key]))
    disabled = QColor(table["placeholder"])
    for r in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, r, disabled)
    return palette


def icon(name: str, colour: QColor | None = None, size: int = 48) -> QIcon:
    """ui/icons/<name>.svg drawn in `colour` (default: the palette's text colour)."""
    path = ui_dir() / "icons" / f"{name}.svg"
    if not path.exists():
        return QIcon()
    colour = colour or QGuiApplication.palette().color(QPalette.ColorRole.Text)
    svg = path.read_text(encoding="utf-8").replace("currentColor", colour.name())
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(pixmap)
