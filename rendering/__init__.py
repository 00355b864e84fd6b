"""Rendering: media I/O behind one PyAV adapter, effects, compositor, export."""
