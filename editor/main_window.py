"""The main window: welcome page or viewer, timeline/objects/effects docks, status bar.

All document edits go through :class:`editor.session.Session` (model commands); views
refresh from model events delivered on the UI thread."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QStackedWidget

from editor.actions import build_actions
from editor.edit_ui import EditController
from editor.engine_choice import EnginePreference
from editor.files_ui import FileController
from editor.frame_compose import make_compose
from editor.help_ui import HelpController
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
from editor.panels.effects import EffectsPanel
from editor.panels.objects import ObjectsPanel
from editor.playback_ui import PlaybackController
from editor.player import Player
from editor.prompts_ui import PromptController
from editor.recovery_ui import start_autosave
from editor.session import Session
from editor.status import StatusBar
from editor.timeline.model import hex_to_rgb
from editor.timeline.view import TimelineView
from editor.tracking_ui import TrackingController
from editor.view_state import ViewState
from editor.viewer import OverlayStyle, Viewer
from editor.welcome import WelcomePage
from editor.workers.decode import FrameDecoder
from rendering.timebase import timecode_at

log = logging.getLogger(__name__)
#: Decoded-frame cache of the timeline thumbnails' source (they need none; see _on_opened).
THUMBNAIL_CACHE_BYTES = 8 * 2**20
#: Actions that work without a project.
ALWAYS_ENABLED = {"open", "sample", "quit", "shortcuts", "about", "model_settings",
                  "user_guide"}


class MainWindow(QMainWindow):
    """The window: layout, the open project's views, and the controllers that handle the
    menus (files, edits, prompts, playback, tracking, Find objects, help); each action
    ``<key>`` calls ``on_<key>`` of the window or of the controller that owns it.

    ``engine_factory(source_path, EngineSettings) -> (engine, description)`` overrides
    the engine (tests); ``settings`` overrides the QSettings store."""

    def __init__(self, engine_factory=None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("Masklet", "Masklet")
        self.setWindowTitle("Masklet")
        self.resize(1400, 860)
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.session = Session(engine_factory, self)
        self.session.new_clip_settings = EnginePreference(self.settings).new_clip_settings
        self.decoder: FrameDecoder | None = None
        self.view = ViewState()
        self.player = Player(self)
        self._opening: str | None = None
        self._docks_shown: dict[str, bool] | None = None
        self._has_project = False
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
        menus = build_actions(self, self._handler)
        self.actions_ = menus.actions
        for dock in self.docks.values():
            menus.view_menu.addAction(dock.toggleViewAction())
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.autosave = start_autosave(self)
        self.files = FileController(self, menus.recent_menu)
        self.edits = EditController(self)
        self.playback = PlaybackController(self)
        self.help = HelpController(self, self.show_error)
        self.track_flow = TrackingController(self)
        self.prompting = PromptController(self, self.track_flow.ensure_engine_choice)
        from editor import proposals_ui

        self.proposal_model = lambda: proposals_ui.default_model(self)  # tests replace it
        self.proposals = proposals_ui.install(self)
        self._controllers = (self, self.files, self.edits, self.playback, self.help,
                             self.track_flow)
        for key in self.actions_:
            self._handler(key)  # every action has its handler
        self.actions_["tool_prompt"].setChecked(True)
        self.files.refresh_recent()
        self._overlay_timer = QTimer(self)
        self._overlay_timer.setSingleShot(True)
        self._overlay_timer.setInterval(40)
        self._overlay_timer.timeout.connect(self.request_frame)

    def _handler(self, key: str):
        """``on_<key>`` of the first of the window and its controllers that has it."""
        name = f"on_{key}"
        for owner in self._controllers:
            if hasattr(owner, name):
                return getattr(owner, name)
        raise AttributeError(f"no controller handles the action {key!r} ({name})")

    def _connect(self) -> None:
        s = self.session
        s.opened.connect(self._on_opened)
        s.open_failed.connect(lambda m: self.show_error("Cannot open", m))
        s.relink_needed.connect(self.files.ask_relink)
        s.engine_failed.connect(self.track_flow.on_engine_failed)
        s.prompt_absent.connect(self.track_flow.on_prompt_absent)
        s.engine_ready.connect(self.status.set_model)
        s.bridge.event.connect(self._on_model_event)
        self.welcome.open_requested.connect(self.files.on_open)
        self.welcome.sample_requested.connect(self.files.on_sample)
        self.welcome.recent_requested.connect(self.open_path)
        self.timeline.frame_changed.connect(self.seek)
        self.objects_panel.selection_changed.connect(self._on_object_selected)
        self.player.bundle.connect(self._on_play_bundle)
        self.player.seek_requested.connect(self.seek)
        self.player.state_changed.connect(self._on_play_state)
        self.player.notice.connect(lambda m: self.status.showMessage(m, 6000))

    # ------------------------------------------------------------------ opening
    def open_path(self, path: str) -> None:
        """Open a video or a project (in the background); the old one is closed first."""
        if not path or not self.files.maybe_save():
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
                                  lambda: self._open_source(cache_bytes=THUMBNAIL_CACHE_BYTES),
                                  source.frame_time)
        self.player.setup(self._open_source, project.source_path, len(source), fps,
                          source.frame_time)
        self.view.current_object = None
        self.view.frame_index = 0
        self._refresh_panels()
        self._set_has_project(True)
        self.stack.setCurrentWidget(self.viewer)
        self.files.remember(str(project.path or self._opening or project.source_path))
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
        self.view.frame_index = max(0, min(self.num_frames - 1, int(frame_index)))
        if self.proposals.overlay.frame_index not in (None, self.view.frame_index):
            self.proposals.dismiss()  # proposals belong to the frame they were found on
        self.timeline.canvas.set_current(self.view.frame_index)
        if self.player.playing and self.player.rate < 0:
            self.timeline.ensure_visible(self.view.frame_index)
        elif self.player.playing:
            self.player.stop()
        self.status.set_position(self._timecode(self.view.frame_index), self.view.frame_index,
                                 self.num_frames)
        self.request_frame()
        self.prompting.show_points()

    def request_frame(self) -> None:
        if self.decoder is not None:
            self.decoder.request(self.view.frame_index)

    def _styles(self) -> dict[int, OverlayStyle]:
        out = {}
        for obj in self.session.project.objects:
            selected = obj.object_id == self.view.current_object
            out[obj.object_id] = OverlayStyle(hex_to_rgb(obj.colour), 0.55 if selected else 0.4,
                                              obj.visible)
        return out

    def _on_bundle(self, bundle) -> None:
        if self.session.project is None or bundle.frame_index != self.view.frame_index:
            return
        self.viewer.set_bundle(bundle, self._styles())
        self.prompting.update_paint_base()

    def _timecode(self, frame_index: int) -> str:
        """The source's timecode of a frame (from its timestamp: right on variable rates)."""
        source = self.session.source
        return timecode_at(source.frame_time(frame_index), Fraction(source.fps))

    def _on_play_bundle(self, bundle) -> None:
        self.view.frame_index = bundle.frame_index
        self.timeline.canvas.set_current(bundle.frame_index)
        self.timeline.ensure_visible(bundle.frame_index)
        self.status.set_position(self._timecode(bundle.frame_index), bundle.frame_index,
                                 self.num_frames)
        self.viewer.set_bundle(bundle, self._styles())
        self.prompting.show_points()

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
            if not event.frame_indices or self.view.frame_index in event.frame_indices:
                if not self._overlay_timer.isActive():
                    self._overlay_timer.start()
        elif isinstance(event, ObjectAdded | ObjectRemoved | ObjectChanged):
            self._refresh_panels()
            self._update_compose()
        elif isinstance(event, PromptsChanged):
            self.timeline.schedule_refresh()
            self.prompting.show_points()
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
        if self.view.current_object not in ids:
            self.view.current_object = ids[-1] if ids else None
        self.objects_panel.refresh()
        self.objects_panel.select(self.view.current_object)
        self.effects_panel.set_owner(self.effects_panel.owner
                                     if self.effects_panel.owner in ids else None)
        self.timeline.canvas.selected_object = self.view.current_object
        self.timeline.refresh_lanes()
        self.prompting.show_points()

    def _on_object_selected(self, object_id: int) -> None:
        self.view.current_object = None if object_id < 0 else object_id
        self.timeline.canvas.selected_object = self.view.current_object
        self.timeline.canvas.update()
        if self.view.current_object is not None:
            self.effects_panel.set_owner(self.view.current_object)
        self.prompting.show_points()
        self.request_frame()

    def select_object(self, object_id: int) -> None:
        """Select ``object_id`` (just created) in the window and the objects panel."""
        self.view.current_object = object_id
        self.objects_panel.refresh()
        self.objects_panel.select(object_id)

    # ------------------------------------------------------------------ playback state
    def _on_play_state(self, playing: bool) -> None:
        self.actions_["play_pause"].setText("&Pause" if playing else "&Play / pause")
        if not playing:
            self.request_frame()

    # ------------------------------------------------------------------ actions
    def on_close_project(self) -> None:
        if self.session.project is not None and self.files.maybe_save():
            self.close_project()

    def on_quit(self) -> None:
        self.close()

    def on_find_objects(self) -> None:
        from editor.proposals_ui import find_objects

        find_objects(self)

    def on_export(self) -> None:
        from editor.dialogs.export import ExportDialog

        if self.session.project is not None:
            self.export_dialog = ExportDialog(self.session, self)
            self.export_dialog.show()

    def on_show_effects(self, on: bool) -> None:
        self.viewer.show_effects = on
        self._update_compose()
        self.status.showMessage("After: effects applied" if on else "Before: source + masks",
                                2500)

    # ------------------------------------------------------------------ close
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self.files.maybe_save():
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

    # ------------------------------------------------------------------ window state
    def close_project(self, final: bool = False) -> None:
        self.player.stop()
        self.proposals.dismiss()
        self.session.close()
        if self.decoder is not None:
            self.decoder.stop()
            self.decoder = None
        if not final:
            self._set_has_project(False)
            self._refresh_panels()
            self.stack.setCurrentWidget(self.welcome)
            self._update_title()

    def _set_has_project(self, has: bool) -> None:
        for key, action in self.actions_.items():
            if key not in ALWAYS_ENABLED:
                action.setEnabled(has)
        # The welcome page stands alone (empty panels say nothing); the panels come back as
        # the user left them when a project opens.
        shown = self._docks_shown
        if not has and self._has_project:
            shown = {name: dock.isVisible() for name, dock in self.docks.items()}
        for name, dock in self.docks.items():
            dock.setEnabled(has)
            dock.setVisible(has and (shown or {}).get(name, True))
        self._docks_shown, self._has_project = shown, has
        self._update_undo_actions()

    def _update_title(self) -> None:
        project = self.session.project
        if project is None:
            self.setWindowTitle("Masklet")
            return
        name = (project.path.name if project.path else Path(project.source_path).name)
        # Qt shows the "[*]" placeholder as "*" while the window is modified.
        self.setWindowTitle(f"{name}[*] — Masklet")
        self.setWindowModified(project.dirty)

    def _update_undo_actions(self) -> None:
        project = self.session.project
        stack = None if project is None else project.undo_stack
        for key, can, label in (("undo", stack and stack.can_undo,
                                 stack and stack.undo_label),
                                ("redo", stack and stack.can_redo,
                                 stack and stack.redo_label)):
            action = self.actions_[key]
            action.setEnabled(bool(can))
            action.setText(f"&{key.title()} {label}" if can and label else f"&{key.title()}")

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.open_path(urls[0].toLocalFile())
