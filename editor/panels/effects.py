"""Effects panel: the stack of the selected object or of the background, with parameter
widgets generated from the effect dataclasses. Every edit is an undoable model command."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.icons import icon
from editor.model import commands as cmd
from editor.model.effects import EffectRef
from editor.panels.params import build_param_form

BACKGROUND = -1
#: Effects whose colour parameter starts as the object's colour (an effect's own default,
#: white for the outline, vanishes on bright scenes; the object's colour matches its overlay).
OBJECT_COLOURED = {"object-outline": "colour"}


def effect_names(target: str) -> list[tuple[str, str]]:
    """(name, one-line description) of the registered effects for "object"/"background"."""
    from rendering.effects import registry

    out = []
    for name, cls in sorted(registry().items()):
        if cls.target == target:
            doc = (cls.__doc__ or name).strip().splitlines()[0]
            out.append((name, doc))
    return out


class EffectsPanel(QWidget):
    """``owner_changed(owner)`` where owner is an object id or -1 for the background."""

    owner_changed = Signal(int)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.owner_box = QComboBox()
        self.owner_box.setToolTip("Whose effect stack to edit")
        self.owner_box.currentIndexChanged.connect(self._owner_picked)
        self.add_box = QComboBox()
        self.add_box.setToolTip("Effect to add")
        add = QToolButton()
        add.setIcon(icon("add"))
        add.setText("Add")
        add.setToolTip("Add the chosen effect to the stack")
        add.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        add.clicked.connect(self.add_selected)
        self.stack_list = QListWidget()
        self.stack_list.setMaximumHeight(120)
        self.stack_list.currentRowChanged.connect(lambda _r: self._show_params())
        self.stack_list.itemChanged.connect(self._enabled_changed)
        tools = QHBoxLayout()
        for role, tip, slot in (("up", "Move up", lambda: self._move(+1)),
                                ("down", "Move down", lambda: self._move(-1)),
                                ("remove", "Remove effect", self.remove_selected)):
            b = QToolButton()
            b.setIcon(icon(role))
            b.setToolTip(tip)
            b.clicked.connect(slot)
            tools.addWidget(b)
        tools.addStretch()
        self.params_area = QScrollArea()
        self.params_area.setWidgetResizable(True)
        self.params_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.param_widgets: dict[str, QWidget] = {}
        #: the selected object's MaskRefinement (Refine edge, feather, grow…), hidden for
        #: the background
        self.refine_label = QLabel("Refine mask (before the effects)")
        self.refine_area = QScrollArea()
        self.refine_area.setWidgetResizable(True)
        self.refine_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.refine_widgets: dict[str, QWidget] = {}
        row = QHBoxLayout()
        row.addWidget(self.add_box, 1)
        row.addWidget(add)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(QLabel("Stack of"))
        lay.addWidget(self.owner_box)
        lay.addLayout(row)
        lay.addWidget(self.stack_list)
        lay.addLayout(tools)
        lay.addWidget(self.params_area, 1)
        lay.addWidget(self.refine_label)
        lay.addWidget(self.refine_area, 2)
        self._refreshing = False
        self.owner: int | None = None

    # ------------------------------------------------------------------ sync
    def refresh(self) -> None:
        """Rebuild owners, the stack list and the parameter form from the project."""
        project = self.session.project
        self._refreshing = True
        self.owner_box.clear()
        self.owner_box.addItem("Background", BACKGROUND)
        if project is not None:
            for obj in reversed(project.objects):
                self.owner_box.addItem(obj.name, obj.object_id)
        ids = [self.owner_box.itemData(i) for i in range(self.owner_box.count())]
        want = BACKGROUND if self.owner is None else self.owner
        self.owner_box.setCurrentIndex(ids.index(want) if want in ids else 0)
        self.owner = None if self.owner_box.currentData() == BACKGROUND else \
            self.owner_box.currentData()
        self._refreshing = False
        self._fill_choices()
        self._fill_stack()

    def set_owner(self, owner: int | None) -> None:
        self.owner = owner
        self.refresh()

    def _owner_picked(self, _index: int) -> None:
        if self._refreshing:
            return
        data = self.owner_box.currentData()
        self.owner = None if data in (None, BACKGROUND) else int(data)
        self._fill_choices()
        self._fill_stack()
        self.owner_changed.emit(BACKGROUND if self.owner is None else self.owner)

    def _fill_choices(self) -> None:
        self.add_box.clear()
        for name, doc in effect_names("background" if self.owner is None else "object"):
            self.add_box.addItem(name, name)
            self.add_box.setItemData(self.add_box.count() - 1, doc, Qt.ItemDataRole.ToolTipRole)

    def _stack(self) -> list[EffectRef]:
        project = self.session.project
        if project is None:
            return []
        try:
            return project.effect_stack(self.owner)
        except KeyError:
            return []

    def _fill_stack(self) -> None:
        row = max(0, self.stack_list.currentRow())
        self._refreshing = True
        self.stack_list.clear()
        for ref in reversed(self._stack()):  # top of the stack first, like layer lists
            item = QListWidgetItem(ref.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ref.enabled else
                               Qt.CheckState.Unchecked)
            self.stack_list.addItem(item)
        self._refreshing = False
        if self.stack_list.count():
            self.stack_list.setCurrentRow(min(row, self.stack_list.count() - 1))
        self._show_params()
        self._show_refinement()

    def _show_refinement(self) -> None:
        from rendering.effects.refine import MaskRefinement

        project = self.session.project
        ids = [] if project is None else [o.object_id for o in project.objects]
        visible = self.owner is not None and self.owner in ids
        self.refine_label.setVisible(visible)
        self.refine_area.setVisible(visible)
        if not visible:
            self.refine_widgets = {}
            return
        form, self.refine_widgets = build_param_form(
            MaskRefinement, project.object(self.owner).refinement, self.set_refinement)
        self.refine_area.setWidget(form)

    def set_refinement(self, name: str, value) -> None:
        """Set one :class:`MaskRefinement` field of the selected object (undoable)."""
        project = self.session.project
        if project is None or self.owner is None:
            return
        refinement = {**project.object(self.owner).refinement, name: value}
        self.session.execute(cmd.SetObjectField(project, self.owner, "refinement", refinement))

    def _index(self) -> int | None:
        row = self.stack_list.currentRow()
        return None if row < 0 else len(self._stack()) - 1 - row

    def _show_params(self) -> None:
        from rendering.effects import effect_class

        index = self._index()
        if self._refreshing or index is None or index >= len(self._stack()):
            self.params_area.setWidget(QWidget())
            self.params_area.hide()  # no effect selected: the refinement gets the room
            self.param_widgets = {}
            return
        ref = self._stack()[index]
        form, self.param_widgets = build_param_form(
            effect_class(ref.name), ref.params,
            lambda name, value, i=index: self.set_param(i, name, value))
        self.params_area.setWidget(form)
        self.params_area.show()

    # ------------------------------------------------------------------ edits
    def add_effect(self, name: str) -> None:
        project = self.session.project
        if project is None:
            return
        params = {}
        if name in OBJECT_COLOURED and self.owner is not None:
            params[OBJECT_COLOURED[name]] = project.object(self.owner).colour
        self.session.execute(cmd.InsertEffect(project, self.owner, EffectRef(name, params)))
        self.stack_list.setCurrentRow(0)

    def add_selected(self) -> None:
        name = self.add_box.currentData()
        if name:
            self.add_effect(name)

    def remove_selected(self) -> None:
        index = self._index()
        if index is not None:
            self.session.execute(cmd.RemoveEffect(self.session.project, self.owner, index))

    def set_param(self, index: int, name: str, value) -> None:
        self.session.execute(cmd.SetEffectParam(self.session.project, self.owner, index,
                                                name, value))

    def _move(self, delta: int) -> None:
        index = self._index()
        stack = self._stack()
        if index is None or not 0 <= index + delta < len(stack):
            return
        self.session.execute(cmd.MoveEffect(self.session.project, self.owner, index,
                                            index + delta))

    def _enabled_changed(self, item: QListWidgetItem) -> None:
        if self._refreshing:
            return
        index = len(self._stack()) - 1 - self.stack_list.row(item)
        ref = self._stack()[index].copy()
        ref.enabled = item.checkState() == Qt.CheckState.Checked
        self.session.execute(cmd.SetEffect(self.session.project, self.owner, index, ref))

