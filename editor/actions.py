"""Menus, toolbar and shortcuts of the main window (one table, so menus and toolbar agree)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from editor.icons import icon


@dataclass(frozen=True)
class ActionSpec:
    """One command: ``key`` names its handler ``on_<key>`` (on the window or a controller);
    ``menu`` its menu;
    ``toolbar`` True puts it on the toolbar; ``checkable`` for toggles."""

    key: str
    text: str
    menu: str
    shortcut: str = ""
    tip: str = ""
    icon: str = ""
    toolbar: bool = False
    checkable: bool = False
    separator_before: bool = False


MENUS = ("File", "Edit", "View", "Objects", "Track", "Export", "Help")

SPECS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open video or project…", "File", "Ctrl+O", "Open a video or a "
               ".masklet project", "open", True),
    ActionSpec("sample", "Try a &sample", "File", "", "Open a generated sample clip",
               "sample"),
    ActionSpec("save", "&Save project", "File", "Ctrl+S", "Save the project", "save", True,
               separator_before=True),
    ActionSpec("save_as", "Save project &as…", "File", "Ctrl+Shift+S"),
    ActionSpec("close_project", "&Close project", "File", "Ctrl+W", separator_before=True),
    ActionSpec("quit", "&Quit", "File", "Ctrl+Q"),
    ActionSpec("undo", "&Undo", "Edit", "Ctrl+Z", "Undo the last edit", "undo", True),
    ActionSpec("redo", "&Redo", "Edit", "Ctrl+Shift+Z", "Redo", "redo", True),
    ActionSpec("set_in", "Set &in point", "Edit", "I", "Tracking and export start here",
               separator_before=True),
    ActionSpec("set_out", "Set &out point", "Edit", "O",
               "Tracking and export end after this frame"),
    ActionSpec("clear_range", "Clear in/out", "Edit", "Alt+X"),
    ActionSpec("clear_frame_prompts", "Clear prompts on this frame", "Edit", "Ctrl+Backspace",
               "Forget the current object's clicks on this frame", separator_before=True),
    ActionSpec("show_effects", "Show &effects (before/after)", "View", "E",
               "Toggle between the source with masks and the rendered result", "effects",
               True, True),
    ActionSpec("zoom_fit", "Zoom to &fit", "View", "Shift+F", "Fit the frame to the viewer",
               "fit", separator_before=True),
    ActionSpec("zoom_100", "Zoom &100 %", "View", "Ctrl+1"),
    ActionSpec("timeline_zoom_in", "Timeline zoom in", "View", "Ctrl+="),
    ActionSpec("timeline_zoom_out", "Timeline zoom out", "View", "Ctrl+-"),
    ActionSpec("timeline_fit", "Timeline fit", "View", "Ctrl+0"),
    ActionSpec("play_pause", "&Play / pause", "View", "Space", "Play or pause (Space)", "play",
               True, separator_before=True),
    ActionSpec("play_reverse", "Play backwards (J)", "View", "J"),
    ActionSpec("stop", "Stop (K)", "View", "K"),
    ActionSpec("play_forward", "Play forwards, faster on repeat (L)", "View", "L"),
    ActionSpec("next_frame", "Next frame", "View", "Right"),
    ActionSpec("prev_frame", "Previous frame", "View", "Left"),
    ActionSpec("go_start", "Go to start", "View", "Home"),
    ActionSpec("go_end", "Go to end", "View", "End"),
    ActionSpec("follow_tracking", "&Follow tracking", "View", "",
               "While tracking, show each tracked frame (a timeline click or a frame step "
               "stops following; tracking goes on)", checkable=True, separator_before=True),
    ActionSpec("add_object", "&Add object", "Objects", "Ctrl+N",
               "Add an object, then click it in the viewer", "add", True, separator_before=True),
    ActionSpec("delete_object", "&Delete object", "Objects", "Del"),
    ActionSpec("toggle_object", "Show / hide object", "Objects", "H"),
    ActionSpec("find_objects", "&Find objects", "Objects", "Ctrl+Shift+F",
               "SAM 2 proposes every object on this frame; click one to add it (Esc closes)",
               "find", True),
    ActionSpec("tool_prompt", "&Click tool", "Objects", "V", "Click to include (left) or "
               "exclude (right / Alt+left); drag for a box", "pointer", True, True,
               separator_before=True),
    ActionSpec("tool_brush", "&Brush", "Objects", "B", "Paint the mask on this frame",
               "brush", True, True),
    ActionSpec("tool_eraser", "&Eraser", "Objects", "Shift+B", "Erase the mask on this frame",
               "eraser", True, True),
    ActionSpec("track", "&Track objects", "Track", "Ctrl+T",
               "Track every object through the clip", "track", True, separator_before=True),
    ActionSpec("cancel_track", "&Cancel tracking", "Track", "Esc", "Stop tracking", "cancel",
               True),
    ActionSpec("retrack_all", "Re-track everything", "Track", "Ctrl+Shift+T"),
    ActionSpec("model_settings", "&Model settings…", "Track", "", "Engine, checkpoint, "
               "device, precision", "settings"),
    ActionSpec("export", "&Export video…", "Export", "Ctrl+E", "Export the result", "export",
               True, separator_before=True),
    ActionSpec("user_guide", "&User guide", "Help", "", "Open the user guide"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "Help", "F1"),
    ActionSpec("about", "&About Masklet", "Help"),
)


@dataclass(frozen=True)
class MenuBar:
    """What :func:`build_actions` made: the actions by key, File ▸ Open recent (filled by
    the file controller) and the View menu (the window adds its panels' toggles)."""

    actions: dict[str, QAction]
    recent_menu: QMenu
    view_menu: QMenu


def build_actions(window: QMainWindow, handler: Callable[[str], Callable]) -> MenuBar:
    """Create every action in ``window``'s menus and toolbar; triggering one calls
    ``handler(key)`` (``on_<key>`` of the controller that owns it; checkable actions pass
    their state)."""
    menus = {name: window.menuBar().addMenu("&" + name) for name in MENUS}
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    actions: dict[str, QAction] = {}
    last_menu_on_toolbar = None
    for spec in SPECS:
        a = QAction(icon(spec.icon) if spec.icon else QAction().icon(), spec.text, window)
        if spec.shortcut:
            a.setShortcut(QKeySequence(spec.shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        tip = spec.tip or spec.text.replace("&", "")
        a.setToolTip(f"{tip} ({spec.shortcut})" if spec.shortcut else tip)
        a.setStatusTip(tip)
        a.setCheckable(spec.checkable)
        if spec.checkable:
            a.toggled.connect(lambda on, k=spec.key: handler(k)(on))
        else:
            a.triggered.connect(lambda _checked=False, k=spec.key: handler(k)())
        if spec.separator_before:
            menus[spec.menu].addSeparator()
        menus[spec.menu].addAction(a)
        if spec.toolbar:
            if last_menu_on_toolbar is not None and last_menu_on_toolbar != spec.menu:
                toolbar.addSeparator()
            toolbar.addAction(a)
            last_menu_on_toolbar = spec.menu
        window.addAction(a)
        actions[spec.key] = a
    recent_menu = menus["File"].addMenu("Open &recent")
    menus["File"].insertMenu(actions["save"], recent_menu)
    return MenuBar(actions, recent_menu, menus["View"])
