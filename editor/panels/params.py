"""Parameter widgets generated from an effect dataclass's field metadata.

Metadata (see ``rendering.effects.base.param``): ``label``, ``kind`` ("float", "int",
"bool", "choice", "colour", "file"), ``min``/``max``/``step``, ``choices``, ``none_label``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

OnChange = Callable[[str, Any], None]


def _float_widget(value, meta, on_change) -> QWidget:
    w = QDoubleSpinBox()
    step = float(meta.get("step", 0.1))
    low = float(meta.get("min", -1e9))
    off = meta.get("none_label")  # None is a value: one step below min, shown as this text
    if off is not None:
        low -= step
        w.setSpecialValueText(off)
    w.setRange(low, float(meta.get("max", 1e9)))
    w.setSingleStep(step)
    w.setDecimals(2 if step < 1 else 1)
    w.setKeyboardTracking(False)
    w.setValue(low if value is None else float(value))
    w.valueChanged.connect(on_change if off is None else
                           lambda v: on_change(None if v < low + step / 2 else v))
    return w


def _int_widget(value, meta, on_change) -> QWidget:
    w = QSpinBox()
    w.setRange(int(meta.get("min", -10**9)), int(meta.get("max", 10**9)))
    w.setSingleStep(int(meta.get("step", 1)))
    w.setKeyboardTracking(False)
    w.setValue(int(value))
    w.valueChanged.connect(on_change)
    return w


def _bool_widget(value, meta, on_change) -> QWidget:
    w = QCheckBox()
    w.setChecked(bool(value))
    w.toggled.connect(on_change)
    return w


def _choice_widget(value, meta, on_change) -> QWidget:
    w = QComboBox()
    w.addItems([str(c) for c in meta.get("choices", ())])
    w.setCurrentText(str(value))
    w.currentTextChanged.connect(on_change)
    return w


def _colour_widget(value, meta, on_change) -> QWidget:
    w = QPushButton(str(value))
    w.setStyleSheet(f"background-color: {value}; color: "
                    f"{'#000' if QColor(value).lightness() > 128 else '#fff'};")

    def pick() -> None:
        c = QColorDialog.getColor(QColor(w.text()), w, meta.get("label", "Colour"))
        if c.isValid():
            w.setText(c.name())
            on_change(c.name())

    w.clicked.connect(pick)
    return w


def _file_widget(value, meta, on_change) -> QWidget:
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    edit = QLineEdit(str(value))
    edit.editingFinished.connect(lambda: on_change(edit.text()))
    browse = QPushButton("…")
    browse.setToolTip("Choose a file")

    def pick() -> None:
        path, _ = QFileDialog.getOpenFileName(box, meta.get("label", "File"))
        if path:
            edit.setText(path)
            on_change(path)

    browse.clicked.connect(pick)
    lay.addWidget(edit)
    lay.addWidget(browse)
    return box


_FACTORIES = {"float": _float_widget, "int": _int_widget, "bool": _bool_widget,
              "choice": _choice_widget, "colour": _colour_widget, "file": _file_widget}


def build_param_form(effect_cls: type, params: dict[str, Any], on_change: OnChange
                     ) -> tuple[QWidget, dict[str, QWidget]]:
    """A form with one row per dataclass field of ``effect_cls``; values from ``params``
    (defaults where missing). ``on_change(field_name, value)`` on every edit."""
    form_widget = QWidget()
    form = QFormLayout(form_widget)
    # a narrow dock puts the field under a long label instead of scrolling sideways
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    widgets: dict[str, QWidget] = {}
    for f in dataclasses.fields(effect_cls):
        meta = dict(f.metadata)
        value = params.get(f.name, f.default)
        factory = _FACTORIES.get(meta.get("kind", "float"), _float_widget)
        widget = factory(value, meta, lambda v, name=f.name: on_change(name, v))
        widget.setObjectName(f"param_{f.name}")
        widget.setToolTip(f.name)
        form.addRow(meta.get("label", f.name), widget)
        widgets[f.name] = widget
    return form_widget, widgets
