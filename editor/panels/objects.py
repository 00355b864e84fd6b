"""Objects panel: add, rename (double-click), recolour, show/hide, delete — all undoable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.icons import icon
from editor.model import commands as cmd


def _swatch(colour: str) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(QColor(colour))
    return QIcon(pm)


class ObjectsPanel(QWidget):
    """Lists the session's objects (top of the list = top of the z-order).

    ``selection_changed(object_id or -1)``."""

    selection_changed = Signal(int)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.list = QListWidget()
        self.list.setEditTriggers(QListWidget.EditTrigger.DoubleClicked |
                                  QListWidget.EditTrigger.EditKeyPressed)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemChanged.connect(self._item_changed)
        bar = QHBoxLayout()
        self.buttons = {}
        for role, tip, slot in (
                ("add", "Add object (Ctrl+N)", self.add_object),
                ("colour", "Change colour", self.recolour),
                ("visible", "Show/hide (mask and effects)", self.toggle_visible),
                ("remove", "Delete object (Del)", self.delete_object)):
            b = QToolButton()
            b.setIcon(icon(role))
            b.setToolTip(tip)
            b.setAccessibleName(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            self.buttons[role] = b
        bar.addStretch()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.list)
        self._refreshing = False

    # ------------------------------------------------------------------ sync
    def refresh(self) -> None:
        project = self.session.project
        current = self.current_object()
        self._refreshing = True
        self.list.clear()
        if project is not None:
            for obj in reversed(project.objects):
                item = QListWidgetItem(_swatch(obj.colour), obj.name)
                item.setData(Qt.ItemDataRole.UserRole, obj.object_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                if not obj.visible:
                    item.setForeground(QColor(120, 120, 130))
                    item.setText(f"{obj.name}")
                    item.setToolTip("hidden")
                self.list.addItem(item)
        self._refreshing = False
        self.select(current)

    def select(self, object_id: int | None) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == object_id:
                self.list.setCurrentRow(row)
                return
        if object_id is None and self.list.currentItem() is not None:
            self.list.setCurrentRow(-1)  # emits selection_changed(-1) via currentItemChanged

    def current_object(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _current_changed(self, *_args) -> None:
        if not self._refreshing:
            oid = self.current_object()
            self.selection_changed.emit(-1 if oid is None else oid)

    # ------------------------------------------------------------------ edits
    def add_object(self) -> int | None:
        if self.session.project is None:
            return None
        oid = self.session.add_object()
        self.refresh()
        self.select(oid)
        return oid

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._refreshing:
            return
        oid = int(item.data(Qt.ItemDataRole.UserRole))
        name = item.text().strip()
        project = self.session.project
        if name and name != project.object(oid).name:
            self.session.execute(cmd.RenameObject(project, oid, name))

    def recolour(self) -> None:
        oid = self.current_object()
        if oid is None:
            return
        project = self.session.project
        colour = QColorDialog.getColor(QColor(project.object(oid).colour), self,
                                       "Object colour")
        if colour.isValid():
            self.session.execute(cmd.RecolourObject(project, oid, colour.name()))

    def toggle_visible(self) -> None:
        oid = self.current_object()
        if oid is not None:
            project = self.session.project
            self.session.execute(cmd.SetObjectVisible(project, oid,
                                                      not project.object(oid).visible))

    def delete_object(self) -> None:
        oid = self.current_object()
        if oid is not None:
            self.session.execute(cmd.RemoveObject(self.session.project, oid))
