"""Export ▸ Export video: preset, range, scale, quality, audio, output path; runs the export
job on a worker thread with progress, frames/s, ETA and cancel; "Show in folder" when done.
The choices are kept in the project (its export settings) for the next export."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)


class _ExportJob(QObject):
    progress = Signal(object)   # rendering.export.job.ExportProgress
    finished = Signal(str, str)  # status ("done" | "cancelled" | "failed"), message/path

    def __init__(self, request) -> None:
        super().__init__()
        self.request = request
        self.cancel = threading.Event()

    @Slot()
    def run(self) -> None:
        from rendering.export.job import ExportCancelled, export_job

        try:
            for p in export_job(self.request, self.cancel):
                self.progress.emit(p)
        except ExportCancelled:
            self.finished.emit("cancelled", "Export cancelled; nothing was written.")
            return
        except Exception as exc:  # disk full, bad settings: shown in the dialog
            log.exception("export failed")
            self.finished.emit("failed", str(exc))
            return
        self.finished.emit("done", str(self.request.output_path))


class ExportWorker(QObject):
    """Runs one export on a QThread. Signals: ``progress``, ``finished(status, text)``."""

    progress = Signal(object)
    finished = Signal(str, str)

    def __init__(self, request, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("masklet-export")
        self._job = _ExportJob(request)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.progress.connect(self.progress)
        self._job.finished.connect(self._done)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._job.cancel.set()

    def running(self) -> bool:
        return self._thread.isRunning()

    def _done(self, status: str, text: str) -> None:
        self._thread.quit()
        self._thread.wait()
        self.finished.emit(status, text)


def build_request(project, output: Path, preset: str, whole_clip: bool, scale: float,
                  crf: int | None = None, audio: bool = True):
    """The dialog's request: the whole clip or the in/out range (see
    :func:`editor.app.export.export_request`)."""
    from editor.app.export import export_request

    start, end = (0, None) if whole_clip else (project.in_frame, project.out_frame)
    return export_request(project, output, preset, start, end, scale, crf, audio)


def ask_overwrite(parent: QWidget, path: Path, foreign: tuple[str, ...]) -> bool:
    """Ask before exporting over something Masklet did not write; the safe answer is the
    default. ``foreign``: what a folder holds that is not Masklet's."""
    folder = path.is_dir()
    text = (f"“{path.name}” holds files Masklet did not write. Export into it anyway?\n\n"
            "Only Masklet's own frame files (00000.png …) are replaced; your other files "
            "and folders stay as they are." if folder else
            f"“{path.name}” already exists and was not written by Masklet. Replace it?")
    box = QMessageBox(QMessageBox.Icon.Warning, "Export", text,
                      QMessageBox.StandardButton.Cancel, parent)
    if foreign:
        listed = "\n".join(foreign[:8]) + (f"\n… and {len(foreign) - 8} more"
                                            if len(foreign) > 8 else "")
        box.setInformativeText(f"Not Masklet's, kept:\n{listed}")
    go = box.addButton("Export into it" if folder else "Replace",
                       QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is go


QUALITY_TIP = ("Constant quality (CRF): lower is better and bigger. H.264: 18 looks "
               "lossless on most footage, 23 is x264's default, 28 gives small files.")


class ExportDialog(QDialog):
    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from rendering.export.presets import PRESETS

        self.session = session
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        project = session.project
        self.preset_box = QComboBox()
        for p in PRESETS:
            self.preset_box.addItem(f"{p.name} — {p.description}", p.name)
        names = [p.name for p in PRESETS]
        if project.export.preset in names:
            self.preset_box.setCurrentIndex(names.index(project.export.preset))
        self.preset_box.currentIndexChanged.connect(self._preset_changed)
        self.range_box = QComboBox()
        self.range_box.addItem("In to out points", "range")
        self.range_box.addItem("Whole clip", "all")
        has_range = project.in_frame > 0 or project.out_frame is not None
        self.range_box.setCurrentIndex(0 if has_range else 1)
        self.scale_box = QDoubleSpinBox()
        self.scale_box.setRange(0.1, 2.0)
        self.scale_box.setSingleStep(0.25)
        self.scale_box.setValue(project.export.scale)
        self.scale_box.setSuffix(" ×")
        self.quality_box = QSpinBox()  # its minimum stands for "the preset's own quality"
        self.quality_box.setToolTip(QUALITY_TIP)
        self.quality_box.setPrefix("CRF ")
        self.audio_box = QCheckBox("Include the source's audio")
        self.audio_box.setChecked(project.export.audio)
        info = getattr(session.source, "info", None)  # a video source's MediaInfo
        self._has_audio = bool(getattr(info, "audio", ()))
        if not self._has_audio:
            self.audio_box.setToolTip("The source has no audio")
        default = project.export.output_path or str(
            Path(project.source_path).with_name(Path(project.source_path).stem + "-masklet.mp4"))
        self.path_edit = QLineEdit(default)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Preset", self.preset_box)
        form.addRow("Range", self.range_box)
        form.addRow("Scale", self.scale_box)
        form.addRow("Quality", self.quality_box)
        form.addRow("Audio", self.audio_box)
        form.addRow("Output", path_row)
        self.progress = QProgressBar()
        self.progress.hide()
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.hide()
        self.folder_button.clicked.connect(self._show_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.info)
        lay.addLayout(buttons)
        self.worker: ExportWorker | None = None
        self.result: tuple[str, str] | None = None
        self._preset_changed()
        if project.export.crf is not None and self.quality_box.isEnabled():
            self.quality_box.setValue(project.export.crf)

    def _preset_changed(self, *_a) -> None:
        from rendering.export.presets import preset

        p = preset(self.preset_box.currentData())
        self._update_quality(p)
        self.audio_box.setEnabled(self._has_audio and p.name not in ("png-rgba", "mask-pngs"))
        path = Path(self.path_edit.text())
        if p.suffix and path.suffix != p.suffix:
            self.path_edit.setText(str(path.with_suffix(p.suffix)))
        elif not p.suffix and path.suffix:
            self.path_edit.setText(str(path.with_suffix("")))

    def _update_quality(self, p) -> None:
        """CRF range of the preset's codec; disabled for fixed-quality presets."""
        from rendering.export.presets import CRF_RANGE

        codec = p.settings.codec if p.settings is not None else None
        lo_hi = CRF_RANGE.get(codec) if p.name != "same-as-source" else None
        self.quality_box.setEnabled(lo_hi is not None)
        if lo_hi is None:
            self.quality_box.setRange(0, 0)
            self.quality_box.setSpecialValueText("Fixed by the preset")
            return
        lo, hi = lo_hi
        self.quality_box.setRange(lo - 1, hi)  # lo − 1 = the preset's own CRF
        self.quality_box.setSpecialValueText(f"Preset default (CRF {p.settings.crf})")
        self.quality_box.setValue(lo - 1)  # codecs' scales differ: back to the default

    def chosen_crf(self) -> int | None:
        box = self.quality_box
        return None if not box.isEnabled() or box.value() == box.minimum() else box.value()

    def _remember(self) -> None:
        """Keep the dialog's choices in the project for the next export: saved with it, but
        outside the undo history (Ctrl+Z after an export undoes the last edit, as before)."""
        import dataclasses

        project = self.session.project
        new = dataclasses.replace(
            project.export, preset=self.preset_box.currentData(),
            output_path=self.path_edit.text(), scale=self.scale_box.value(),
            crf=self.chosen_crf(), audio=self.audio_box.isChecked())
        if new != project.export:
            project.export = new
            project.undo_stack.mark_dirty()

    def _browse(self) -> None:
        # replacing is confirmed in start(), which knows what Masklet wrote
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(),
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.path_edit.setText(path)

    def start(self) -> None:
        """Build the request from the fields and run it in the background."""
        try:
            request = build_request(self.session.project, Path(self.path_edit.text()),
                                    self.preset_box.currentData(),
                                    self.range_box.currentData() == "all",
                                    self.scale_box.value(), self.chosen_crf(),
                                    self.audio_box.isChecked() and self.audio_box.isEnabled())
        except Exception as exc:  # unknown effect parameters etc.
            self.info.setText(f"Cannot export: {exc}")
            return
        request = self._checked_output(request)
        if request is None:
            return
        self._remember()
        self.worker = ExportWorker(request, self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.folder_button.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.info.setText("Exporting…")
        self.worker.start()

    def _checked_output(self, request):
        """The request, with ``overwrite`` when the user agreed to replace what Masklet did
        not write; None (and a line in the dialog) when the output is refused."""
        from rendering.export.job import check_request_output
        from rendering.media.outputs import OutputExistsError, OutputRefusedError

        try:
            check_request_output(request)
        except OutputExistsError as exc:
            if not ask_overwrite(self, Path(request.output_path), exc.foreign):
                self.info.setText("Not exported: choose another output.")
                return None
            return dataclasses.replace(request, overwrite=True)
        except OutputRefusedError as exc:
            self.info.setText(f"Cannot export: {exc}")
            return None
        return request

    def _on_progress(self, p) -> None:
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.frames_done)
        self.info.setText(f"{p.frames_done}/{p.total} frames, {p.fps:.1f} frames/s, "
                          f"about {p.eta_s:.0f} s left")

    def _on_finished(self, status: str, text: str) -> None:
        self.result = (status, text)
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.progress.hide()
        if status == "done":
            self.info.setText(f"Exported to {text}")
            self.folder_button.show()
            parent = self.parent()
            if parent is not None and hasattr(parent, "status"):
                parent.status.showMessage(f"Export finished: {text}", 10000)
        else:
            self.info.setText(text if status == "cancelled" else f"Export failed: {text}")

    def _cancel_or_close(self) -> None:
        if self.worker is not None and self.worker.running():
            self.worker.cancel()
        else:
            self.close()

    def _show_folder(self) -> None:
        from editor.help_ui import show_in_folder

        show_in_folder(Path(self.path_edit.text()))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self.worker is not None and self.worker.running():
            self.worker.cancel()
            self.worker._thread.quit()
            self.worker._thread.wait()
        super().closeEvent(event)
