"""Model events → the UI thread: a queued Qt signal carrying the event object."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal


class ModelBridge(QObject):
    """Subscribes to a project's :class:`~editor.model.events.EventEmitter`.

    ``event`` is emitted on the UI thread whatever thread made the change (the masklet store
    writes from the engine worker)."""

    event = Signal(object)
    _raw = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._raw.connect(self.event, Qt.ConnectionType.QueuedConnection)
        self._project = None
        self._forward = self._raw.emit

    def attach(self, project) -> None:
        self.detach()
        self._project = project
        project.events.connect(self._forward)

    def detach(self) -> None:
        if self._project is not None:
            self._project.events.disconnect(self._forward)
            self._project = None
