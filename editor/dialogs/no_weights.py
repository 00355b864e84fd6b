"""Shown when SAM 2 is selected but no checkpoint is installed (once: the answer is kept, see
:mod:`editor.engine_choice`). Enter picks the offline engine: nothing starts a download
unless the user clicks it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout


class NoWeightsDialog(QDialog):
    """``choice`` becomes "download" (and the download succeeded) or "offline"."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("No SAM 2 weights installed")
        self.choice: str | None = None
        text = QLabel("Tracking with SAM 2 needs a checkpoint (the tiny one is about "
                      "150 MB).<br><br>Download it now, or track with the <b>offline "
                      "engine</b> (no download, less precise on hard clips). Your choice is "
                      "kept for new clips; change it in Track ▸ Model settings.")
        text.setWordWrap(True)
        buttons = QDialogButtonBox()
        download = QPushButton("Download SAM 2 tiny…")
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
        lay.addWidget(buttons)
        self.setMinimumWidth(460)
        offline.setFocus()

    def _offline(self) -> None:
        self.choice = "offline"
        self.accept()

    def _download(self) -> None:
        from editor.dialogs.download import DownloadDialog
        from segmentation.weights import DEFAULT_CHECKPOINT

        if DownloadDialog(DEFAULT_CHECKPOINT, self).exec():
            self.choice = "download"
            self.accept()
