"""Shown when tracking needs a model but none is installed (once: the answer is kept, see
:mod:`editor.engine_choice`). The user picks Fast / Balanced / Accurate (the recommended one
for this machine is checked) and clicks Download, or takes the offline engine. Enter picks
the offline engine: nothing starts a download unless the user clicks it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout

from editor.app import model_choice as mc
from editor.dialogs.model_choice import ModelChoiceBox


class NoWeightsDialog(QDialog):
    """``choice`` becomes "download" (and the download of ``model_name`` succeeded) or
    "offline". ``kind``: the machine kind ("cpu"/"cuda"; None: this machine's)."""

    def __init__(self, parent=None, kind: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("No tracking model installed")
        self.choice: str | None = None
        kind = kind or mc.machine_kind()
        self.model_name: str = mc.recommended(kind).checkpoint(kind)
        text = QLabel("Tracking with a model needs a one-time download. Choose one — you can "
                      "change it any time in Track ▸ Model settings — or track with the "
                      "<b>offline engine</b> (no download, less precise on hard clips). Your "
                      "choice is kept for new clips.")
        text.setWordWrap(True)
        self.models = ModelChoiceBox(kind, self.model_name, parent=self)
        self.models.changed.connect(self._chosen)
        buttons = QDialogButtonBox()
        download = QPushButton()
        offline = QPushButton("Use the offline engine")
        buttons.addButton(download, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(offline, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        download.setAutoDefault(False)
        offline.setAutoDefault(True)
        offline.setDefault(True)
        self.offline_button, self.download_button = offline, download
        download.clicked.connect(self._download)
        offline.clicked.connect(self._offline)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.models)
        lay.addWidget(buttons)
        self.setMinimumWidth(560)
        self._chosen(self.model_name)
        offline.setFocus()

    def _chosen(self, model_name: str) -> None:
        self.model_name = model_name
        tier = mc.tier_of(model_name, self.models.kind)
        label = tier.label if tier else mc.DISPLAY_NAMES.get(model_name, model_name)
        self.download_button.setText(f"Download {label} ({mc.download_mb(model_name)} MB)…")

    def _offline(self) -> None:
        self.choice = "offline"
        self.accept()

    def _download(self) -> None:
        from editor.dialogs.download import DownloadDialog

        if DownloadDialog(self.model_name, self).exec():
            self.choice = "download"
            self.accept()
