"""Media I/O behind one PyAV adapter: probe, frame sources, writer, audio.

Import the submodules directly (``rendering.media.writer``, ``rendering.media.probe``...), or
the names re-exported here.
"""
