"""Paints one result: name and distance, organisation, open/closed with text, need tags, badges.

Sizes come from the font, so rows grow with the system font (200% scale). Colour always pairs with
words ("Open · closes 17:00", "Closed · opens Tue 09:00", "Unverified number").
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ketdir.gui import theme
from ketdir.gui.results_model import HEADER, Role

OPEN_MARK = {"open": "●", "closed": "○", "unknown": "?"}


_FONT_CACHE: dict[str, tuple[QFont, QFont, QFont, QFont]] = {}


def _fonts(base: QFont) -> tuple[QFont, QFont, QFont, QFont]:
    """(name, body, small, header) fonts derived from the view's font (cached per font)."""
    key = base.key()
    cached = _FONT_CACHE.get(key)
    if cached is None:
        cached = _FONT_CACHE[key] = _make_fonts(base)
    return cached


def _make_fonts(base: QFont) -> tuple[QFont, QFont, QFont, QFont]:
    name = QFont(base)
    name.setWeight(QFont.Weight.DemiBold)
    size = base.pointSizeF()
    if size > 0:
        name.setPointSizeF(size * 1.08)
    small = QFont(base)
    if size > 0:
        small.setPointSizeF(size * 0.9)
    else:
        small.setPixelSize(max(8, int(base.pixelSize() * 0.9)))
    header = QFont(small)
    header.setWeight(QFont.Weight.DemiBold)
    header.setCapitalization(QFont.Capitalization.AllUppercase)
    header.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 104)
    return name, QFont(base), small, header


class ResultsDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        name, body, small, header = _fonts(option.font)
        pad = QFontMetrics(body).height() // 2
        width = option.rect.width() if option.rect.width() > 0 else 320
        if index.data(Role.Kind) == HEADER:
            return QSize(width, QFontMetrics(header).height() + pad * 2)
        pill = QFontMetrics(small).height() + 6
        height = pad + QFontMetrics(name).height() + QFontMetrics(body).height() + 4 + pill + 4 + pill + pad
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        palette = option.palette
        c = theme.colours(palette)
        name_font, body_font, small_font, header_font = _fonts(option.font)
        rect = QRect(option.rect)
        pad = QFontMetrics(body_font).height() // 2
        text_colour = palette.color(QPalette.ColorRole.Text)

        if index.data(Role.Kind) == HEADER:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
            painter.setFont(header_font)
            painter.setPen(c.muted)
            fm = QFontMetrics(header_font)
            text_rect = rect.adjusted(pad, pad, -pad, 0)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                             fm.elidedText(index.data(Role.HeaderText) or "", Qt.TextElideMode.ElideRight,
                                           text_rect.width()))
            painter.setPen(QPen(c.rule, 1))
            painter.drawLine(rect.left() + pad, rect.bottom(), rect.right() - pad, rect.bottom())
            painter.restore()
            return

        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            painter.fillRect(rect, c.accent_soft)
            painter.fillRect(QRect(rect.left(), rect.top(), max(3, pad // 2), rect.height()), c.accent)
        elif hovered:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        else:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        painter.setPen(QPen(c.rule, 1))
        painter.drawLine(rect.left() + pad, rect.bottom(), rect.right() - pad, rect.bottom())

        inner = rect.adjusted(pad + 4, pad, -pad, -pad)
        y = inner.top()

        # Line 1: name, distance on the right; when the name needs the whole line (a narrow column, large
        # text), the distance moves to the organisation's line: the name is what a person reads first.
        distance = index.data(Role.Distance) or ""
        fm_body = QFontMetrics(body_font)
        distance_w = fm_body.horizontalAdvance(distance) + pad if distance else 0
        painter.setFont(name_font)
        fm_name = QFontMetrics(name_font)
        painter.setPen(text_colour)
        full_name = index.data(Role.Name) or ""
        beside_name = fm_name.horizontalAdvance(full_name) <= inner.width() - distance_w
        name_w = inner.width() - (distance_w if beside_name else 0)
        name = fm_name.elidedText(full_name, Qt.TextElideMode.ElideRight, name_w)
        painter.drawText(QRect(inner.left(), y, name_w, fm_name.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        line_h = fm_name.height() if beside_name else fm_body.height()
        distance_y = y if beside_name else y + fm_name.height()
        if distance:
            painter.setFont(body_font)
            painter.setPen(c.muted)
            painter.drawText(QRect(inner.right() - distance_w, distance_y, distance_w, line_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, distance)
        y += fm_name.height()

        # Line 2: organisation, and the words it matches when not every word matched (beside the distance when
        # the name took the first line).
        painter.setFont(body_font)
        painter.setPen(c.muted)
        matched = index.data(Role.Matched) or []
        line = " · ".join(p for p in (index.data(Role.Organisation) or "",
                                      "matched: " + ", ".join(matched) if matched else "") if p)
        org_w = inner.width() - (0 if beside_name else distance_w)
        org = fm_body.elidedText(line, Qt.TextElideMode.ElideRight, org_w)
        painter.drawText(QRect(inner.left(), y, org_w, fm_body.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, org)
        y += fm_body.height() + 4

        # Line 3: open/closed (with a shape and words), then need tags.
        fm_small = QFontMetrics(small_font)
        pill_h = fm_small.height() + 6
        painter.setFont(small_font)
        state = index.data(Role.OpenState) or "unknown"
        fg, bg = (c.open_fg, c.open_bg) if state == "open" else (c.closed_fg, c.closed_bg)
        open_text = f"{OPEN_MARK.get(state, '')} {index.data(Role.OpenText) or ''}".strip()
        x = self._pill(painter, inner.left(), y, inner.right(), pill_h, open_text, fg, bg, bold=state == "open")
        labels = list(index.data(Role.NeedLabels) or [])
        for i, label in enumerate(labels):
            remaining = len(labels) - i
            more = f"+{remaining}"
            needed = fm_small.horizontalAdvance(label) + 16
            room = inner.right() - x - pad // 2
            if needed > room:
                rest = f"+{remaining - 1}" if remaining > 1 else ""
                rest_w = fm_small.horizontalAdvance(rest) + 16 + pad // 2 if rest else 0
                if i == 0 and room - rest_w >= 80:  # the first need type shortened, rather than a bare "+1"
                    short = fm_small.elidedText(label, Qt.TextElideMode.ElideRight, room - rest_w - 16)
                    x = self._pill(painter, x + pad // 2, y, inner.right(), pill_h, short, c.tag_fg, c.tag_bg)
                    if rest:
                        self._pill(painter, x + pad // 2, y, inner.right(), pill_h, rest, c.tag_fg, c.tag_bg)
                elif fm_small.horizontalAdvance(more) + 16 <= room:
                    self._pill(painter, x + pad // 2, y, inner.right(), pill_h, more, c.tag_fg, c.tag_bg)
                break
            x = self._pill(painter, x + pad // 2, y, inner.right(), pill_h, label, c.tag_fg, c.tag_bg)
        y += pill_h + 4

        # Line 4: freshness, unverified number, demo.
        x = inner.left()
        for badge in index.data(Role.Badges) or []:
            fg, bg = {
                "verified": (c.verified_fg, c.verified_bg),
                "stale": (c.warn_fg, c.warn_bg),
                "unverified": (c.warn_fg, c.warn_bg),
                "demo": (c.demo_fg, c.demo_bg),
            }.get(badge.kind, (c.tag_fg, c.tag_bg))
            mark = {"verified": "✓ ", "stale": "⚠ ", "unverified": "⚠ ", "demo": ""}.get(badge.kind, "")
            if x >= inner.right() - pad:
                break
            x = self._pill(painter, x, y, inner.right(), pill_h, mark + badge.text, fg, bg,
                           bold=badge.kind == "demo") + pad // 2

        if option.state & QStyle.StateFlag.State_HasFocus and selected:
            pen = QPen(c.accent, 1, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()

    @staticmethod
    def _pill(painter: QPainter, x: int, y: int, right: int, height: int, text: str,
              fg: QColor, bg: QColor, bold: bool = False) -> int:
        """Draw a rounded label at (x, y), elided to fit before `right`; return its right edge."""
        font = QFont(painter.font())
        font.setWeight(QFont.Weight.DemiBold if bold else QFont.Weight.Normal)
        fm = QFontMetrics(font)
        available = right - x - 16
        if available <= fm.horizontalAdvance("…"):
            return x
        text = fm.elidedText(text, Qt.TextElideMode.ElideRight, available)
        width = fm.horizontalAdvance(text) + 16
        box = QRectF(x, y, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(box, height / 2, height / 2)
        previous = QFont(painter.font())
        painter.setPen(fg)
        painter.setFont(font)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.setFont(previous)
        return x + width
