"""Help ▸ User guide inside the app: ``docs/user-guide.md`` rendered by Qt's Markdown reader,
with its screenshots (resolved beside the file) and working links: the contents' ``#section``
links scroll to their heading, web links open in the browser, other guide files open here.

No Markdown viewer is needed on the desktop; "Open in another app" still offers one."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QImage,
    QPixmap,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)


def heading_anchor(text: str) -> str:
    """The anchor GitHub gives a heading, which the guide's links use: "1. Open a clip" →
    "1-open-a-clip" (lower case, punctuation dropped, spaces to hyphens)."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return slug.replace(" ", "-")


def add_heading_anchors(browser: QTextBrowser) -> list[str]:
    """Name every heading of the shown document by its anchor (Qt's Markdown reader names
    none), so ``#anchor`` links scroll there. Returns the anchors in document order."""
    doc = browser.document()
    names = []
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0 and block.text().strip():
            name = heading_anchor(block.text())
            cursor = QTextCursor(block)
            cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                                QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setAnchor(True)
            fmt.setAnchorNames([name])
            cursor.mergeCharFormat(fmt)
            names.append(name)
        block = block.next()
    return names


def fit_images(browser: QTextBrowser, max_width_px: int) -> int:
    """Show every image of the document at most ``max_width_px`` wide (aspect kept, never
    enlarged), so a screenshot fits the window instead of scrolling sideways. Returns how
    many images were sized."""
    doc = browser.document()
    sized = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid() and frag.charFormat().isImageFormat():
                sized.append((frag.position(), frag.length(), frag.charFormat().toImageFormat()))
            it += 1
        block = block.next()
    for position, length, fmt in sized:
        url = QUrl(fmt.name())
        image = doc.resource(QTextDocument.ResourceType.ImageResource, url)
        if image is None:  # not laid out yet: load it as layout would
            image = browser.loadResource(QTextDocument.ResourceType.ImageResource.value, url)
        size = image.size() if isinstance(image, (QImage, QPixmap)) else None
        if size is None or size.width() <= 0:
            continue
        width = min(size.width(), max(64, max_width_px))
        fmt.setWidth(width)
        fmt.setHeight(size.height() * width / size.width())
        cursor = QTextCursor(doc)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(fmt)
    return len(sized)


class UserGuideDialog(QDialog):
    """The guide at ``path`` (a Markdown file; images and links relative to its folder)."""

    def __init__(self, path: Path, parent=None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle("Masklet user guide")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)  # followed by _follow
        self.browser.anchorClicked.connect(self._follow)
        self.browser.sourceChanged.connect(self._shown)
        self.browser.setSource(QUrl.fromLocalFile(str(self.path)))
        other = QPushButton("Open in another app")
        other.setToolTip("Open the Markdown file with the desktop's viewer, if there is one")
        other.clicked.connect(self._open_outside)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(other, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser)
        lay.addWidget(buttons)
        self.resize(820, 760)

    def _shown(self, _url: QUrl) -> None:
        add_heading_anchors(self.browser)
        self._fit()

    def _fit(self) -> None:
        margin = 2 * int(self.browser.document().documentMargin()) + 8
        fit_images(self.browser, self.browser.viewport().width() - margin)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _follow(self, url: QUrl) -> None:
        """A link: a heading of the shown file scrolls there, another local file (Markdown)
        is shown here, anything else (the web) opens in the desktop's browser."""
        here = self.browser.source()
        target = here.resolved(url)
        local = target.isLocalFile()
        if local and target.toLocalFile() == here.toLocalFile():  # toLocalFile: no fragment
            self.browser.scrollToAnchor(target.fragment())
        elif local and target.toLocalFile().endswith(".md"):
            self.browser.setSource(target)
            if target.fragment():
                self.browser.scrollToAnchor(target.fragment())
        else:
            QDesktopServices.openUrl(target)

    def _open_outside(self) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path))):
            QMessageBox.information(self, "User guide", f"No application could open "
                                    f"{self.path}: it stays readable here.")
