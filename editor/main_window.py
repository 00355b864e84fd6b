"""The main window: welcome screen, viewer, timeline, objects dock, playback and tracking."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from editor.timeline.lanes import Lane, Timeline, timecode
from editor.viewer import Viewer, ViewPoint
from editor.workers.decode import FrameDecoder
from editor.workers.track import TrackWorker

log = logging.getLogger(__name__)
PALETTE = [(255, 170, 0), (0, 190, 255), (190, 90, 255), (90, 220, 120), (255, 90, 140)]
VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.webm *.avi);;All files (*)"


class MainWindow(QMainWindow):
    """Open a video, click objects, track them with an engine, scrub and play back."""

    def __init__(self, engine_factory=None) -> None:
        super().__init__()
        self.setWindowTitle("Masklet")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        self._engine_factory = engine_factory or _offline_engine
        self.source = None
        self.decoder: FrameDecoder | None = None
        self.engine = None
        self.worker: TrackWorker | None = None
        self.masks: dict[tuple[int, int], np.ndarray] = {}  # (object_id, frame) → H×W bool
        self.points: dict[tuple[int, int], list[ViewPoint]] = {}
        self.lanes: dict[int, Lane] = {}
        self.current_object: int | None = None
        self.frame_index = 0
        self._build_ui()
        self._play_timer = QTimer(self)
        self._play_timer.timeout.connect(self._advance)

    # ------------------------------------------------------------------ UI
    def _build_ui(self) -> None:
        self.stack = QStackedWidget()
        self.welcome = self._build_welcome()
        self.viewer = Viewer()
        self.viewer.point_clicked.connect(self.add_point)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.viewer)
        self.setCentralWidget(self.stack)
        self.timeline = Timeline()
        self.timeline.frame_changed.connect(self.seek)
        dock = QDockWidget("Timeline", self)
        dock.setObjectName("timelineDock")
        dock.setWidget(self.timeline)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.objects = QListWidget()
        self.objects.currentRowChanged.connect(self._select_row)
        odock = QDockWidget("Objects", self)
        odock.setObjectName("objectsDock")
        odock.setWidget(self.objects)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, odock)
        self._build_actions()
        self.frame_label = QLabel("—")
        self.engine_label = QLabel("Engine: offline (CPU)")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        sb = self.statusBar()
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.engine_label)
        sb.addPermanentWidget(self.frame_label)

    def _build_welcome(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addStretch()
        title = QLabel("<h1>Masklet</h1><p>Click an object, track it, apply an effect.</p>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(title)
        for text, slot in (("Open video…", self.open_dialog), ("Try a sample", self.open_sample)):
            b = QPushButton(text)
            b.setMinimumHeight(36)
            b.clicked.connect(slot)
            lay.addWidget(b, alignment=Qt.AlignmentFlag.AlignCenter)
        self.recent_list = QListWidget()
        self.recent_list.setMaximumWidth(480)
        self.recent_list.addItems(self.recent_files())
        self.recent_list.itemActivated.connect(lambda it: self.open_video(it.text()))
        lay.addWidget(QLabel("Recent"), alignment=Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.recent_list, alignment=Qt.AlignmentFlag.AlignCenter)
        lay.addStretch()
        return w

    def _act(self, menu, text, slot, shortcut=None, tip=None) -> QAction:
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.setToolTip(tip or text)
        a.triggered.connect(slot)
        menu.addAction(a)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f, e, v = mb.addMenu("&File"), mb.addMenu("&Edit"), mb.addMenu("&View")
        o, t = mb.addMenu("&Objects"), mb.addMenu("&Track")
        mb.addMenu("E&xport")
        h = mb.addMenu("&Help")
        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.addAction(self._act(f, "Open video…", self.open_dialog, "Ctrl+O"))
        self._act(f, "Try a sample", self.open_sample)
        self._act(f, "Quit", self.close, "Ctrl+Q")
        self._act(e, "Set in point", lambda: self._set_in_out(True), "I")
        self._act(e, "Set out point", lambda: self._set_in_out(False), "O")
        self._act(v, "Zoom to fit", lambda: self._zoom(True), "Shift+Z")
        self._act(v, "Zoom 100 %", lambda: self._zoom(False), "Ctrl+1")
        tb.addAction(self._act(o, "Add object", self.add_object, "Ctrl+N",
                               "Add an object; then click it in the viewer"))
        tb.addAction(self._act(t, "Track", self.track, "Ctrl+T",
                               "Track all objects through the clip"))
        tb.addAction(self._act(t, "Cancel tracking", self.cancel_tracking, "Esc"))
        tb.addAction(self._act(v, "Play/Pause", self.toggle_play, "Space"))
        self._act(v, "Next frame", lambda: self.seek(self.frame_index + 1), "Right")
        self._act(v, "Previous frame", lambda: self.seek(self.frame_index - 1), "Left")
        self._act(v, "Go to start", lambda: self.seek(0), "Home")
        self._act(v, "Go to end", lambda: self.seek(self.num_frames - 1), "End")
        self._act(v, "Play forward (L)", self.play, "L")
        self._act(v, "Stop (K)", self.pause, "K")
        self._act(h, "About Masklet", lambda: QMessageBox.about(
            self, "Masklet", "Masklet: click-to-track video masks with SAM 2."))

    # ------------------------------------------------------------------ media
    @property
    def num_frames(self) -> int:
        return len(self.source) if self.source is not None else 0

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open video", "", VIDEO_FILTER)
        if path:
            self.open_video(path)

    def open_sample(self) -> None:
        from editor.sample import sample_clip_path

        self.open_video(str(sample_clip_path()))

    def open_video(self, path: str) -> bool:
        """Open ``path``; errors become a dialog and the window stays usable."""
        from rendering.media import open_source

        try:
            source = open_source(path)
        except Exception as exc:  # a bad file must not crash the editor
            log.warning("open failed: %s", exc)
            QMessageBox.warning(self, "Cannot open video", f"{path}\n\n{exc}")
            return False
        self._close_media()
        self.source = source
        self.decoder = FrameDecoder(source, self)
        self.decoder.frame_ready.connect(self._on_frame)
        self.decoder.failed.connect(self.statusBar().showMessage)
        self.timeline.set_clip(len(source), Fraction(source.fps))
        self.stack.setCurrentWidget(self.viewer)
        self.setWindowTitle(f"Masklet — {Path(path).name}")
        self._remember(path)
        self.seek(0)
        return True

    def _close_media(self) -> None:
        self.cancel_tracking()
        if self.decoder is not None:
            self.decoder.stop()
        self.masks.clear()
        self.points.clear()
        self.lanes.clear()
        self.objects.clear()
        self.engine = None
        self.current_object = None

    def seek(self, frame_index: int) -> None:
        if not self.num_frames:
            return
        self.frame_index = max(0, min(self.num_frames - 1, frame_index))
        self.timeline.set_current(self.frame_index)
        fps = Fraction(self.source.fps)
        self.frame_label.setText(
            f"{timecode(self.frame_index, fps)}  frame {self.frame_index + 1}/{self.num_frames}")
        self.decoder.request(self.frame_index)

    def _on_frame(self, frame_index: int, frame: np.ndarray) -> None:
        if frame_index != self.frame_index:
            return
        self.viewer.set_frame(frame)
        self._refresh_overlay()

    def _refresh_overlay(self) -> None:
        ov = []
        for oid, lane in self.lanes.items():
            m = self.masks.get((oid, self.frame_index))
            if m is not None:
                ov.append((m, lane.rgb, 0.45))
        self.viewer.set_overlays(ov)
        pts = self.points.get((self.current_object, self.frame_index), []) \
            if self.current_object is not None else []
        self.viewer.set_points(pts)

    # ------------------------------------------------------------------ playback
    def toggle_play(self) -> None:
        self.pause() if self._play_timer.isActive() else self.play()

    def play(self) -> None:
        if self.num_frames:
            self._play_timer.start(int(1000 / float(self.source.fps)))

    def pause(self) -> None:
        self._play_timer.stop()

    def _advance(self) -> None:
        if self.frame_index + 1 >= self.num_frames:
            self.pause()
            return
        self.seek(self.frame_index + 1)

    def _set_in_out(self, is_in: bool) -> None:
        if is_in:
            self.timeline.in_frame = self.frame_index
        else:
            self.timeline.out_frame = self.frame_index
        self.timeline.update()

    def _zoom(self, fit: bool) -> None:
        self.viewer.fit, self.viewer.zoom = fit, 1.0
        self.viewer.update()

    # ------------------------------------------------------------------ objects + tracking
    def add_object(self) -> int:
        oid = max(self.lanes, default=0) + 1
        lane = Lane(oid, f"Object {oid}", PALETTE[(oid - 1) % len(PALETTE)])
        self.lanes[oid] = lane
        self.objects.addItem(lane.name)
        self.objects.setCurrentRow(self.objects.count() - 1)
        self.timeline.set_lanes(list(self.lanes.values()))
        return oid

    def _select_row(self, row: int) -> None:
        ids = list(self.lanes)
        self.current_object = ids[row] if 0 <= row < len(ids) else None
        self._refresh_overlay()

    def _ensure_engine(self):
        if self.engine is None:
            self.engine = self._engine_factory(self.source)
        return self.engine

    def add_point(self, x: float, y: float, label: int) -> None:
        """Add a prompt point for the current object (one is created if none) and segment."""
        if self.source is None or (self.worker is not None and self.worker.is_running()):
            return
        oid = self.current_object if self.current_object is not None else self.add_object()
        key = (oid, self.frame_index)
        pts = self.points.setdefault(key, [])
        pts.append(ViewPoint(x, y, label))
        try:
            res = self._ensure_engine().add_prompt(
                self.frame_index, oid, points=[(p.x, p.y) for p in pts],
                labels=[p.label for p in pts], clear=True)
        except Exception as exc:  # a bad prompt is a status message, not a crash
            pts.pop()
            self.statusBar().showMessage(f"Prompt rejected: {exc}", 5000)
            return
        self.lanes[oid].prompt_frames.add(self.frame_index)
        self._store(res)

    def _store(self, res) -> None:
        for oid in res.object_ids:
            if oid in self.lanes:
                self.masks[(oid, res.frame_index)] = res.mask(oid)
                self.lanes[oid].present[res.frame_index] = res.is_present(oid)
        self.timeline.update()
        if res.frame_index == self.frame_index:
            self._refresh_overlay()

    def track(self) -> None:
        if self.engine is None or (self.worker is not None and self.worker.is_running()):
            self.statusBar().showMessage("Click an object first, then Track.", 4000)
            return
        start = min((f for lane in self.lanes.values() for f in lane.prompt_frames), default=0)
        self.worker = TrackWorker(self.engine, start, self.num_frames, self)
        self.worker.result.connect(self._store)
        self.worker.progress.connect(self._on_progress)
        self.worker.failed.connect(lambda m: QMessageBox.warning(self, "Tracking failed", m))
        self.worker.finished.connect(self._on_track_done)
        self.progress.setRange(0, self.num_frames)
        self.progress.show()
        self.worker.start()

    def _on_progress(self, done: int, total: int, fps: float) -> None:
        self.progress.setValue(done)
        eta = (total - done) / fps if fps > 0 else 0.0
        self.statusBar().showMessage(f"Tracking {done}/{total} — {fps:.1f} frames/s, "
                                     f"ETA {eta:.0f} s")

    def _on_track_done(self, ok: bool) -> None:
        self.progress.hide()
        self.statusBar().showMessage("Tracking done" if ok else "Tracking stopped", 4000)

    def cancel_tracking(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()

    # ------------------------------------------------------------------ settings, dnd, close
    def recent_files(self) -> list[str]:
        return [str(p) for p in (QSettings("Masklet", "Masklet").value("recent", []) or [])]

    def _remember(self, path: str) -> None:
        items = [path] + [p for p in self.recent_files() if p != path]
        QSettings("Masklet", "Masklet").setValue("recent", items[:10])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls:
            self.open_video(urls[0].toLocalFile())

    def closeEvent(self, event) -> None:
        self.pause()
        if self.worker is not None and self.worker.is_running():
            self.worker.cancel()
            self.worker.finished.disconnect()
            self.worker._thread.quit()
            self.worker._thread.wait()
        if self.decoder is not None:
            self.decoder.stop()
        QSettings("Masklet", "Masklet").setValue("geometry", self.saveGeometry())
        super().closeEvent(event)


def _offline_engine(source):
    from segmentation.offline import OfflineTracker

    return OfflineTracker(source)
