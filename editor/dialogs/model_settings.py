"""Track ▸ Model settings: engine, model (Fast / Balanced / Accurate, or any official
checkpoint), device, precision (undoable).

The engine and model chosen here are also those new clips get (:class:`EnginePreference`);
the model settings are disabled while the offline engine is chosen (it uses none of them)."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
)

from editor.app import model_choice
from editor.dialogs.model_choice import ModelChoiceBox
from editor.engine_choice import EnginePreference
from editor.model import commands as cmd
from editor.model.project import EngineSettings
from segmentation.sam2.precision import PRECISIONS

AUTO_TIP = ("auto: bfloat16 on GPUs from Ampere on and on CPUs with bfloat16 arithmetic "
            "(AVX512-BF16, AMX), about twice as fast; float32 elsewhere")


class ModelSettingsDialog(QDialog):
    def __init__(self, session, parent=None, preference: EnginePreference | None = None
                 ) -> None:
        super().__init__(parent)
        self.session = session
        self.preference = preference
        self.setWindowTitle("Model settings")
        settings = session.project.engine if session.project else EngineSettings()
        self.engine_box = QComboBox()
        self.engine_box.addItem("Model (SAM 2 / EfficientTAM)", "sam2")
        self.engine_box.addItem("Offline (no weights)", "offline")
        self.engine_box.setCurrentIndex(0 if settings.engine == "sam2" else 1)
        self.model_box = QComboBox()
        self.device_box = QComboBox()
        self.dtype_box = QComboBox()
        from editor.app.engines import available_devices

        self.device_box.addItems(["auto", *available_devices()])
        self.device_box.setCurrentText(settings.device)
        for name in PRECISIONS:
            self.dtype_box.addItem(name, name)
        index = self.dtype_box.findData(settings.dtype)
        self.dtype_box.setCurrentIndex(max(index, 0))
        self.dtype_box.setToolTip(AUTO_TIP)
        self.device_box.currentTextChanged.connect(self._label_auto)
        self._label_auto()
        self.choice_box = ModelChoiceBox(self._kind(), settings.model_name, parent=self)
        self._fill_models(settings.model_name)
        self.choice_box.changed.connect(self._tier_chosen)
        self.model_box.currentIndexChanged.connect(
            lambda _i: self.choice_box.select(self.model_box.currentData()))
        self.device_box.currentTextChanged.connect(
            lambda _t: self.choice_box.set_kind(self._kind(), self.model_box.currentData()))
        download = QPushButton("Download a checkpoint…")
        download.setAutoDefault(False)  # Enter never starts a download
        download.clicked.connect(self._download)
        self.download_button = download
        self.engine_box.setToolTip("New clips get this engine too")
        self.engine_box.currentIndexChanged.connect(self._engine_changed)
        self._engine_changed()
        form = QFormLayout()
        form.addRow("Engine", self.engine_box)
        form.addRow("Model", self.choice_box)
        form.addRow("Checkpoint", self.model_box)
        form.addRow("", download)
        form.addRow("Device", self.device_box)
        form.addRow("Precision", self.dtype_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._apply)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _engine_changed(self, *_a) -> None:
        """Checkpoint, device and precision are SAM 2's: off while Offline is chosen."""
        sam2 = self.engine_box.currentData() == "sam2"
        for widget in (self.choice_box, self.model_box, self.download_button, self.device_box,
                       self.dtype_box):
            widget.setEnabled(sam2)

    def _label_auto(self, *_a) -> None:
        """Show what "auto" means on the chosen device, e.g. "auto (bfloat16 here)"."""
        from editor.app.engines import resolve_device
        from segmentation.sam2.precision import auto_precision

        try:
            resolved = auto_precision(resolve_device(self.device_box.currentText()))
        except Exception:  # a device torch cannot query: leave the plain name
            resolved = None
        label = f"auto ({resolved} here)" if resolved else "auto"
        self.dtype_box.setItemText(self.dtype_box.findData("auto"), label)

    def _kind(self) -> str:
        """The machine kind of the chosen device: "cuda" for a CUDA GPU, else "cpu"."""
        from editor.app.engines import resolve_device

        device = self.device_box.currentText()
        try:
            return model_choice.machine_kind([resolve_device(device)])
        except Exception:  # a device torch cannot query: the CPU's figures
            return "cpu"

    def _tier_chosen(self, model_name: str) -> None:
        index = self.model_box.findData(model_name)
        if index >= 0:
            self.model_box.setCurrentIndex(index)

    def _fill_models(self, current: str) -> None:
        from editor.app.engines import installed_checkpoints
        from segmentation.weights import CHECKPOINTS

        installed = {c.name for c in installed_checkpoints()}
        self.choice_box.show_installed(installed)
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for ckpt in CHECKPOINTS:
            tag = "" if ckpt.name in installed else "  (not installed)"
            self.model_box.addItem(ckpt.name + tag, ckpt.name)
        names = [self.model_box.itemData(i) for i in range(self.model_box.count())]
        if current in names:
            self.model_box.setCurrentIndex(names.index(current))
        self.model_box.blockSignals(False)
        self.choice_box.select(self.model_box.currentData())

    def _download(self) -> None:
        from editor.dialogs.download import DownloadDialog

        name = self.model_box.currentData()
        DownloadDialog(name, self).exec()
        self._fill_models(name)

    def chosen(self) -> EngineSettings:
        return EngineSettings(self.engine_box.currentData(), self.model_box.currentData(),
                              self.device_box.currentText(), self.dtype_box.currentData())

    def _apply(self) -> None:
        project = self.session.project
        new = self.chosen()
        if self.preference is not None:
            self.preference.set(new.engine)
            self.preference.set_model(new.model_name)
        if project is not None and dataclasses.asdict(new) != dataclasses.asdict(
                project.engine):
            self.session.execute(cmd.SetEngineSettings(project, new))
            self.session.restart_engine()
        self.accept()
