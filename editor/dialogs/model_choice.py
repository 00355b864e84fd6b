"""The Fast / Balanced / Accurate choice as radio buttons, each with what it costs here
(checkpoint, download size or "installed", speed on this machine kind); used by Track ▸ Model
settings and the first-run "no weights" question. The data is
:mod:`editor.app.model_choice`."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget

from editor.app import model_choice as mc


class ModelChoiceBox(QWidget):
    """``changed(checkpoint name)`` when the user picks a choice. ``buttons`` and ``details``
    (tier key → widget) are public so tests read what the user sees."""

    changed = Signal(str)

    def __init__(self, kind: str, current: str | None = None,
                 installed: set[str] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        self.details: dict[str, QLabel] = {}
        self.installed = installed or set()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for tier in mc.TIERS:
            button, detail = QRadioButton(), QLabel()
            detail.setIndent(24)
            detail.setWordWrap(True)
            self.group.addButton(button)
            button.toggled.connect(lambda on, t=tier: on and self.changed.emit(
                t.checkpoint(self.kind)))
            self.buttons[tier.key], self.details[tier.key] = button, detail
            lay.addWidget(button)
            lay.addWidget(detail)
        self._render()
        self.select(current)

    def _render(self) -> None:
        best = mc.recommended(self.kind)
        for tier in mc.TIERS:
            here = " (recommended here)" if tier is best else ""
            name = tier.checkpoint(self.kind)
            self.buttons[tier.key].setText(f"{tier.label}{here} — {tier.words}")
            self.details[tier.key].setText(mc.describe(tier, self.kind, name in self.installed))
            self.details[tier.key].setToolTip(mc.speed_source(name, self.kind))

    def show_installed(self, installed: set[str]) -> None:
        """Each choice's line says "installed" or its download size."""
        self.installed = set(installed)
        self._render()

    def set_kind(self, kind: str, current: str | None) -> None:
        """Another machine kind (the device changed): its checkpoints, sizes and speeds;
        ``current`` stays the checkpoint, so the checked choice may change."""
        self.kind = kind
        self._render()
        self.select(current)

    def select(self, model_name: str | None) -> None:
        """Check the choice that means ``model_name`` here; none for another checkpoint."""
        tier = mc.tier_of(model_name, self.kind) if model_name else None
        self.group.setExclusive(False)  # an exclusive group cannot uncheck its last button
        for key, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(tier is not None and key == tier.key)
            button.blockSignals(False)
        self.group.setExclusive(True)

    def tier(self) -> mc.Tier | None:
        return next((mc.get_tier(k) for k, b in self.buttons.items() if b.isChecked()), None)

    def checkpoint(self) -> str | None:
        """The checked choice's checkpoint here (None: none checked)."""
        tier = self.tier()
        return tier.checkpoint(self.kind) if tier else None
