"""Dockable panels: objects, effects."""
