"""The main window: welcome page or viewer, timeline/objects/effects docks, status bar.

All document edits go through :class:`editor.session.Session` (model commands); views
refresh from model events delivered on the UI thread."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QStackedWidget

from editor import window_ops
from editor.actions import build_actions
from editor.engine_choice import EnginePreference
from editor.frame_compose import make_compose
from editor.model import commands as cmd
from editor.model.events import (
    DirtyChanged,
    EffectsChanged,
    MasksChanged,
    ObjectAdded,
    ObjectChanged,
    ObjectRemoved,
    PromptsChanged,
    RangeChanged,
    Saved,
)
from editor.open_message import opened_message
from editor.panels.effects import BACKGROUND, EffectsPanel
from editor.panels.objects import ObjectsPanel
from editor.player import Player
from editor.recovery_ui import start_autosave
from editor.session import Session
from editor.status import StatusBar
from editor.timeline.model import hex_to_rgb, timecode
from editor.timeline.view import TimelineView
from editor.viewer import OverlayStyle, Viewer
from editor.welcome import WelcomePage
from editor.workers.decode import FrameDecoder

log = logging.getLogger(__name__)
#: Decoded-frame cache of the timeline thumbnails' source (they need none; see _on_opened).
THUMBNAIL_CACHE_BYTES = 8 * 2**20
OPEN_FILTER = ("Videos and projects (*.mp4 *.mov *.mkv *.webm *.avi *.m4v *.masklet);;"
               "All files (*)")


class MainWindow(QMainWindow, window_ops.WindowOps):
    """``engine_factory(source_path, EngineSettings) -> (engine, description)`` overrides
    the engine (tests); ``settings`` overrides the QSettings store."""

    def __init__(self, engine_factory=None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("Masklet", "Masklet")
        self.setWindowTitle("Masklet")
        self.resize(1400, 860)
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.session = Session(engine_factory, self)
        self.session.new_clip_engine = EnginePreference(self.settings).get
        self.decoder: FrameDecoder | None = None
        self.frame_index = 0
        self.current_object: int | None = None
        self.player = Player(self)
        self._build()
        self._connect()
        self._restore_state()
        self._set_has_project(False)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.stack = QStackedWidget()
        self.welcome = WelcomePage()
        self.viewer = Viewer()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.viewer)
        self.setCentralWidget(self.stack)
        self.timeline = TimelineView()
        self.objects_panel = ObjectsPanel(self.session)
        self.effects_panel = EffectsPanel(self.session)
        self.docks = {}
        for name, widget, area in (
                ("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea),
                ("Objects", self.objects_panel, Qt.DockWidgetArea.RightDockWidgetArea),
                ("Effects", self.effects_panel, Qt.DockWidgetArea.RightDockWidgetArea)):
            dock = QDockWidget(name, self)
            dock.setObjectName(f"{name.lower()}Dock")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.resizeDocks([self.docks["Timeline"]], [230], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["Objects"]], [330], Qt.Orientation.Horizontal)
        self.actions_ = build_actions(self)
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.actions_["tool_prompt"].setChecked(True)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        from editor.tracking_ui import TrackingController

        self.track_flow = TrackingController(self)
        self.autosave = start_autosave(self)
        self._refresh_recent()
        from editor import proposals_ui

        self.proposal_model = lambda: proposals_ui.default_model(self)  # tests replace it
        self.proposals = proposals_ui.install(self)
        self._overlay_timer = QTimer(self)
        self._overlay_timer.setSingleShot(True)
        self._overlay_timer.setInterval(40)
        self._overlay_timer.timeout.connect(self.request_frame)

    def _connect(self) -> None:
        s = self.session
        s.opened.connect(self._on_opened)
        s.open_failed.connect(lambda m: self.show_error("Cannot open", m))
        s.relink_needed.connect(self.ask_relink)
        s.engine_failed.connect(self._on_engine_failed)
        s.prompt_absent.connect(self._on_prompt_absent)
        s.engine_ready.connect(self.status.set_model)
        s.bridge.event.connect(self._on_model_event)
        self.welcome.open_requested.connect(self.on_open)
        self.welcome.sample_requested.connect(self.on_sample)
        self.welcome.recent_requested.connect(self.open_path)
        self.viewer.point_clicked.connect(self._on_point)
        self.viewer.point_removed.connect(self._on_point_removed)
        self.viewer.box_drawn.connect(self._on_box)
        self.viewer.mask_painted.connect(self._on_mask_painted)
        self.timeline.frame_changed.connect(self.seek)
        self.objects_panel.selection_changed.connect(self._on_object_selected)
        self.player.bundle.connect(self._on_play_bundle)
        self.player.seek_requested.connect(self.seek)
        self.player.state_changed.connect(self._on_play_state)
        self.player.notice.connect(lambda m: self.status.showMessage(m, 6000))

    # ------------------------------------------------------------------ opening
    def open_path(self, path: str) -> None:
        """Open a video or a project (in the background); the old one is closed first."""
        if not path or not self.maybe_save():
            return
        self.player.stop()
        self.status.showMessage(f"Opening {Path(path).name}…")
        self.session.open_path(path)
        self._opening = path

    def _on_opened(self) -> None:
        project, source = self.session.project, self.session.source
        if self.decoder is not None:
            self.decoder.stop()
        self.decoder = FrameDecoder(self._open_source(), self)
        self.decoder.ready.connect(self._on_bundle)
        self.decoder.failed.connect(lambda m: self.status.showMessage(m, 5000))
        fps = Fraction(source.fps)
        # thumbnails read 40 frames far apart: a cache would only hold the GOPs decoded to
        # reach them (up to its 512 MB budget, measured +550 MB RSS on a 720p clip)
        self.timeline.set_project(project, len(source), fps,
                                  lambda: self._open_source(cache_bytes=THUMBNAIL_CACHE_BYTES))
        self.player.setup(self._open_source, project.source_path, len(source), fps,
                          source.frame_time)
        self.current_object = None
        self.frame_index = 0
        self._refresh_panels()
        self._set_has_project(True)
        self.stack.setCurrentWidget(self.viewer)
        self._remember(str(project.path or getattr(self, "_opening", project.source_path)))
        self._update_title()
        self._update_compose()
        self.seek(0)
        self.status.showMessage(opened_message(project, len(source), fps), 8000)
        self.autosave.start(project)
        if self.session.opened_from_file and project.missing_masks:
            self.show_error("Masks missing", f"{project.missing_masks_message()}. Those "
                            "frames show as not tracked: press Track to track them again.")

    def _open_source(self, cache_bytes: int | None = None):
        from rendering.media import open_source

        if cache_bytes is None:
            return open_source(self.session.project.source_path)
        return open_source(self.session.project.source_path, cache_bytes=cache_bytes)

    @property
    def num_frames(self) -> int:
        return len(self.session.source) if self.session.source is not None else 0

    # ------------------------------------------------------------------ frames
    def seek(self, frame_index: int) -> None:
        if not self.num_frames:
            return
        self.frame_index = max(0, min(self.num_frames - 1, int(frame_index)))
        if self.proposals.overlay.frame_index not in (None, self.frame_index):
            self.proposals.dismiss()  # proposals belong to the frame they were found on
        self.timeline.canvas.set_current(self.frame_index)
        if self.player.playing and self.player.rate < 0:
            self.timeline.ensure_visible(self.frame_index)
        elif self.player.playing:
            self.player.stop()
        fps = Fraction(self.session.source.fps)
        self.status.set_position(timecode(self.frame_index, fps), self.frame_index,
                                 self.num_frames)
        self.request_frame()
        self._show_points()

    def request_frame(self) -> None:
        if self.decoder is not None:
            self.decoder.request(self.frame_index)

    def _styles(self) -> dict[int, OverlayStyle]:
        out = {}
        for obj in self.session.project.objects:
            selected = obj.object_id == self.current_object
            out[obj.object_id] = OverlayStyle(hex_to_rgb(obj.colour), 0.55 if selected else 0.4,
                                              obj.visible)
        return out

    def _on_bundle(self, bundle) -> None:
        if self.session.project is None or bundle.frame_index != self.frame_index:
            return
        self.viewer.set_bundle(bundle, self._styles())
        self._update_paint_base()

    def _on_play_bundle(self, bundle) -> None:
        self.frame_index = bundle.frame_index
        self.timeline.canvas.set_current(bundle.frame_index)
        self.timeline.ensure_visible(bundle.frame_index)
        fps = Fraction(self.session.source.fps)
        self.status.set_position(timecode(bundle.frame_index, fps), bundle.frame_index,
                                 self.num_frames)
        self.viewer.set_bundle(bundle, self._styles())
        self._show_points()

    def _update_compose(self) -> None:
        project = self.session.project
        if project is None or self.decoder is None:
            return
        fps = Fraction(self.session.source.fps)
        self.decoder.set_compose(make_compose(project, self.viewer.show_effects, fps))
        self.request_frame()

    # ------------------------------------------------------------------ model events
    def _on_model_event(self, event) -> None:
        if isinstance(event, MasksChanged):
            self.timeline.schedule_refresh()
            if not event.frame_indices or self.frame_index in event.frame_indices:
                if not self._overlay_timer.isActive():
                    self._overlay_timer.start()
        elif isinstance(event, ObjectAdded | ObjectRemoved | ObjectChanged):
            self._refresh_panels()
            self._update_compose()
        elif isinstance(event, PromptsChanged):
            self.timeline.schedule_refresh()
            self._show_points()
        elif isinstance(event, EffectsChanged):
            self.effects_panel.refresh()
            self._update_compose()
        elif isinstance(event, RangeChanged):
            self.timeline.canvas.set_range(event.in_frame, event.out_frame)
        elif isinstance(event, DirtyChanged | Saved):
            self._update_title()
        self._update_undo_actions()

    def _refresh_panels(self) -> None:
        project = self.session.project
        ids = [] if project is None else [o.object_id for o in project.objects]
        if self.current_object not in ids:
            self.current_object = ids[-1] if ids else None
        self.objects_panel.refresh()
        self.objects_panel.select(self.current_object)
        self.effects_panel.set_owner(self.effects_panel.owner
                                     if self.effects_panel.owner in ids else None)
        self.timeline.canvas.selected_object = self.current_object
        self.timeline.refresh_lanes()
        self._show_points()

    def _on_object_selected(self, object_id: int) -> None:
        self.current_object = None if object_id < 0 else object_id
        self.timeline.canvas.selected_object = self.current_object
        self.timeline.canvas.update()
        if self.current_object is not None:
            self.effects_panel.set_owner(self.current_object)
        self._show_points()
        self.request_frame()

    # ------------------------------------------------------------------ prompts
    def _ensure_object(self) -> int | None:
        if self.session.project is None:
            return None
        if not self.ensure_engine_choice():
            return None
        oid = self.current_object
        if oid is None:
            # The panel lists and selects the new object at once (ObjectAdded arrives queued).
            oid = self.current_object = self.objects_panel.add_object()
        return oid

    def _on_point(self, x: float, y: float, label: int) -> None:
        oid = self._ensure_object()
        if oid is not None:
            self.session.add_point(oid, self.frame_index, x, y, label)

    def _on_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        oid = self._ensure_object()
        if oid is not None:
            self.session.add_box(oid, self.frame_index, (x0, y0, x1, y1))

    def _on_point_removed(self, index: int) -> None:
        if self.current_object is not None:
            window_ops.remove_point(self.session, self.current_object, self.frame_index, index)

    def _on_mask_painted(self, mask) -> None:
        oid = self._ensure_object()
        if oid is not None:
            self.session.add_mask(oid, self.frame_index, mask)

    def _show_points(self) -> None:
        project = self.session.project
        if project is None or self.current_object is None:
            self.viewer.set_points([])
            return
        self.viewer.set_points(window_ops.points_on_frame(project, self.current_object,
                                                          self.frame_index))

    def _update_paint_base(self) -> None:
        bundle = self.viewer.bundle
        alpha = None if bundle is None else bundle.masks.get(self.current_object)
        self.viewer.paint_base = None if alpha is None else alpha >= 128

    # ------------------------------------------------------------------ playback state
    def _on_play_state(self, playing: bool) -> None:
        self.actions_["play_pause"].setText("&Pause" if playing else "&Play / pause")
        if not playing:
            self.request_frame()

    # ------------------------------------------------------------------ file actions
    def on_open(self) -> None:
        start = self.settings.value("last_dir", "")
        path, _ = QFileDialog.getOpenFileName(self, "Open video or project", start, OPEN_FILTER)
        if path:
            self.settings.setValue("last_dir", str(Path(path).parent))
            self.open_path(path)

    def on_sample(self) -> None:
        self.open_sample()

    def on_save(self) -> bool:
        project = self.session.project
        if project is None:
            return False
        if project.path is None:
            return self.on_save_as()
        return self.save_to(project.path)

    def on_save_as(self) -> bool:
        project = self.session.project
        if project is None:
            return False
        default = str(Path(project.source_path).with_suffix(".masklet"))
        path, _ = QFileDialog.getSaveFileName(self, "Save project", default,
                                              "Masklet projects (*.masklet)")
        if not path:
            return False
        if not path.endswith(".masklet"):
            path += ".masklet"
        return self.save_to(Path(path))

    def on_close_project(self) -> None:
        if self.session.project is not None and self.maybe_save():
            self.close_project()

    def on_quit(self) -> None:
        self.close()

    # ------------------------------------------------------------------ edit actions
    def on_undo(self) -> None:
        if self.session.project is not None:
            self.session.project.undo_stack.undo()

    def on_redo(self) -> None:
        if self.session.project is not None:
            self.session.project.undo_stack.redo()

    def on_set_in(self) -> None:
        self.set_range(self.frame_index, None, keep="out")

    def on_set_out(self) -> None:
        self.set_range(None, self.frame_index + 1, keep="in")

    def on_clear_range(self) -> None:
        if self.session.project is not None:
            self.session.execute(cmd.SetRange(self.session.project, 0, None))

    def on_clear_frame_prompts(self) -> None:
        if self.session.project is not None and self.current_object is not None:
            self.session.execute(cmd.ClearFramePrompts(self.session.project,
                                                       self.current_object, self.frame_index))

    def on_find_objects(self) -> None:
        from editor.proposals_ui import find_objects

        find_objects(self)

    def on_show_effects(self, on: bool) -> None:
        self.viewer.show_effects = on
        self._update_compose()
        self.status.showMessage("After: effects applied" if on else "Before: source + masks",
                                2500)

    # ------------------------------------------------------------------ close
    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.player.stop()
        self.proposals.shutdown()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.close_project(final=True)
        self.autosave.clean_exit()
        super().closeEvent(event)

    def _restore_state(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)

    def show_error(self, title: str, message: str) -> None:
        log.warning("%s: %s", title, message)
        self.status.showMessage(f"{title}: {message}", 8000)
        QMessageBox.warning(self, title, message)

    def selected_effect_owner(self) -> int | None:
        owner = self.effects_panel.owner
        return None if owner in (None, BACKGROUND) else owner
