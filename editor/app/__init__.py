"""The application layer: what the window and the command line both do, without Qt.

* :mod:`editor.app.engines`: which tracking engine and which SAM 2 weights, device and
  precision (one place for both front ends);
* :mod:`editor.app.tracking`: the prompt-replay rule (a frame's prompt history → one engine
  call) and the prompts the engine should hold;
* :mod:`editor.app.export`: project → render stacks and export request;
* :mod:`editor.app.proposals`: "Find objects" — the model it uses and the undoable command
  that turns a proposal into an object;
* :mod:`editor.app.recovery`: recovery entries of a crashed session, written, listed,
  restored and discarded.

Layers: the Qt window and ``editor.cli`` import this package; it imports ``editor.model``,
``segmentation`` and ``rendering`` and never Qt or a front end (``pyproject.toml``)."""
